"""Differential test of keyspace notifications: basalt and redis-server 7.0.15 run the random
command streams of test_differential.py with notify-keyspace-events "KEAmn" (every class,
both channel kinds, key misses and new keys) and must publish the same events, in the same
order, for every command.

A third connection to each server PSUBSCRIBEs to every keyspace and keyevent channel. Both
servers publish while the command runs, so once a command's reply has arrived its events sit
in the subscriber's output ahead of anything asked later: a PING on the subscriber then
brackets exactly that command's events. The streams keep every TTL long (see
test_differential.py), so no active expiry can publish "expired" at a time that differs.

BASALT_DIFF_SEEDS and BASALT_DIFF_COMMANDS work as for test_differential.py.
"""

import os
import random

import basalt_testlib as lib
import diff_shared
import diff_sort_family
import test_differential as diff

PATTERN = b"__key*__:*"
CLASSES = "KEAmn"


class Subscriber(diff.Connection):
    """A connection listening to every keyspace and keyevent channel."""

    def __init__(self, port):
        super().__init__(port)
        self.send(lib.encode_command("PSUBSCRIBE", PATTERN))
        self.read_reply()

    def take_events(self):
        """The (channel, payload) pairs published since the last call, in order."""
        self.send(lib.encode_command("PING"))
        events = []
        while True:
            _, items = diff.parse_whole(self.read_reply())
            texts = [payload for _, payload in items]
            if texts[0] == b"pong":
                return events
            assert texts[0] == b"pmessage" and texts[1] == PATTERN, texts
            events.append((texts[2], texts[3]))


# Every family but pub/sub: a subscriber pair's patterns would also catch the keyspace events,
# mixing two streams whose relative order is not defined.
FAMILIES = [f for f in diff.FAMILIES if f != "pubsub"]


class EventStream(diff.Stream):
    """A differential stream that also compares the events each command published."""

    def __init__(self, test, seed, redis_port, basalt_port, ctx):
        super().__init__(test, seed, 2, redis_port, basalt_port, ctx)
        for port in (redis_port, basalt_port):
            with lib.RawConnection(port) as admin:
                reply = admin.command("CONFIG", "SET", "notify-keyspace-events", CLASSES)
                assert reply == b"+OK\r\n", reply
        self.redis_events = Subscriber(redis_port)
        self.basalt_events = Subscriber(basalt_port)

    def close(self):
        super().close()
        self.redis_events.close()
        self.basalt_events.close()

    def execute(self, cmd):
        queued = list(self.ctx.queued or ())
        reply = super().execute(cmd)
        expected = self.redis_events.take_events()
        actual = self.basalt_events.take_events()
        runs = queued if cmd.name() == b"exec" else [cmd]
        if expected != actual and any(diff_sort_family.reads_in_set_order(c.args) for c in runs):
            expected, actual = unordered_misses(expected), unordered_misses(actual)
        if expected != actual:
            self.fail(cmd, repr(expected).encode(), repr(actual).encode(), "events differ")
        return reply


def unordered_misses(events):
    """A SORT over a set looks its weight and GET keys up in the set's own order (a hash
    table's): its keymiss events compared as a set, the others in order."""
    misses = [e for e in events if e[1] == b"keymiss" or e[0].endswith(b":keymiss")]
    return sorted(misses), [e for e in events if e not in misses]


class KeyspaceEventsTest(diff_shared.SideBySide, lib.unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env_seeds = os.environ.get("BASALT_DIFF_SEEDS")
        cls.seeds = diff_shared.parse_seeds(env_seeds) if env_seeds else list(diff.SEEDS)
        cls.count = int(os.environ.get("BASALT_DIFF_COMMANDS", diff.COMMANDS_PER_SEED))

    def test_same_events_as_redis(self):
        for seed in self.seeds:
            rng = random.Random(f"events-seed{seed}")
            ctx = diff.Context(rng, 2)
            stream = EventStream(self, seed, self.redis.port, self.basalt.port, ctx)
            try:
                stream.execute(diff.Cmd("FLUSHALL"))
                for _ in range(self.count):
                    stream.execute(diff.next_command(rng, ctx, FAMILIES))
            finally:
                stream.close()
        self.assertTrue(self.basalt.running(), "basalt died; log:\n" + self.basalt.log_tail())


if __name__ == "__main__":
    lib.main()
