"""Publish/subscribe end to end: redis-py's PubSub, raw RESP2 and RESP3 subscribers, fan-out to
many subscribers, the pub/sub output buffer limit, and cleanup when a subscriber goes away.

- redis-py PubSub objects: subscribe/psubscribe confirmations, messages and pmessages through
  get_message(), unsubscribe/punsubscribe, binary channel names and payloads (up to 1 MB).
- 1 publisher -> 50 raw-socket subscribers (half by channel, half by pattern): every subscriber
  receives every message, in publish order, byte for byte.
- RESP3 (HELLO 3): messages arrive as push frames between the replies of ordinary commands,
  which a subscribed RESP3 connection may send; RESP2 subscribed mode refuses them with Redis's
  error text and answers PING with its subscribed-mode array.
- A subscriber that never reads is disconnected once its output passes the pubsub class of
  client-output-buffer-limit (hard limit, and soft limit held for longer than its seconds);
  INFO stats client_output_buffer_limit_disconnections counts it (Redis 7.0 has no such field;
  basalt reports it as Redis 7.2 does) and the server log says why.
- A subscriber that disconnects (or is disconnected) no longer counts: PUBSUB NUMSUB, NUMPAT
  and PUBLISH's receiver count drop.
"""

import socket
import time

import basalt_testlib as lib
from command_case import bulk

SUBSCRIBED_MODE_ERROR = (b"-ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                         b"PING / QUIT / RESET are allowed in this context\r\n")


def message(channel, payload, resp=2):
    return (b">3\r\n" if resp == 3 else b"*3\r\n") + bulk("message") + bulk(channel) + bulk(payload)


def pmessage(pattern, channel, payload):
    return b"*4\r\n" + bulk("pmessage") + bulk(pattern) + bulk(channel) + bulk(payload)


def confirmation(kind, name, count, resp=2):
    name_part = bulk(name) if name is not None else (b"_\r\n" if resp == 3 else b"$-1\r\n")
    return (b">3\r\n" if resp == 3 else b"*3\r\n") + bulk(kind) + name_part + b":%d\r\n" % count


def next_message(pubsub, timeout=lib.IO_TIMEOUT):
    """redis-py PubSub.get_message() polled until a message comes (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = pubsub.get_message(timeout=1.0)
        if m is not None:
            return m
    raise AssertionError(f"no pub/sub message within {timeout}s")


def info_stat(client, field):
    return int(client.info("stats")[field])


class SmallWindowConnection(lib.RawConnection):
    """A RawConnection whose receive buffer is set small before connecting, so a subscriber
    that stops reading fills the server's output buffer soon."""

    def __init__(self, port, timeout=lib.IO_TIMEOUT):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.buf = bytearray()


class PubSubTest(lib.ServerTestCase):
    def setUp(self):
        self.r = self.server.client()

    def tearDown(self):
        self.r.close()

    def wait_numsub(self, channel, count):
        lib.wait_until(lambda: self.r.pubsub_numsub(channel) == [(channel.encode(), count)],
                       what=f"PUBSUB NUMSUB {channel} == {count}")

    # -- redis-py ---------------------------------------------------------------------------

    def test_redis_py_subscribe_get_message_and_unsubscribe(self):
        p = self.r.pubsub()
        try:
            p.subscribe("py:news")
            self.assertEqual(next_message(p), {"type": "subscribe", "pattern": None,
                                               "channel": b"py:news", "data": 1})
            p.psubscribe("py:sport.*")
            self.assertEqual(next_message(p), {"type": "psubscribe", "pattern": None,
                                               "channel": b"py:sport.*", "data": 2})
            self.assertEqual(self.r.publish("py:news", "hello"), 1)
            self.assertEqual(next_message(p), {"type": "message", "pattern": None,
                                               "channel": b"py:news", "data": b"hello"})
            self.assertEqual(self.r.publish("py:sport.tennis", "ace"), 1)
            self.assertEqual(next_message(p), {"type": "pmessage", "pattern": b"py:sport.*",
                                               "channel": b"py:sport.tennis", "data": b"ace"})
            self.assertEqual(self.r.publish("py:nobody", "x"), 0)
            self.assertEqual(self.r.pubsub_numsub("py:news", "py:nobody"),
                             [(b"py:news", 1), (b"py:nobody", 0)])
            self.assertEqual(self.r.pubsub_numpat(), 1)
            self.assertIn(b"py:news", self.r.pubsub_channels("py:*"))

            p.unsubscribe("py:news")
            self.assertEqual(next_message(p), {"type": "unsubscribe", "pattern": None,
                                               "channel": b"py:news", "data": 1})
            self.assertEqual(self.r.publish("py:news", "unheard"), 0)
            p.punsubscribe()
            self.assertEqual(next_message(p), {"type": "punsubscribe", "pattern": None,
                                               "channel": b"py:sport.*", "data": 0})
            self.assertFalse(p.subscribed)
            self.assertEqual(self.r.pubsub_numpat(), 0)
            self.assertIsNone(p.get_message(timeout=0.05))  # nothing else was queued
        finally:
            p.close()

    def test_binary_channels_and_payloads_arrive_unchanged(self):
        channel = b"bin:\x00\r\n\xff"
        payloads = [b"", b"\x00", b"\r\n", bytes(range(256)), b"*3\r\n$3\r\nfoo\r\n",
                    bytes(range(256)) * 4096]  # the last one is 1 MB
        p = self.r.pubsub(ignore_subscribe_messages=True)
        try:
            p.subscribe(channel)
            lib.wait_until(lambda: self.r.pubsub_numsub(channel) == [(channel, 1)],
                           what="the subscription")
            for payload in payloads:
                self.assertEqual(self.r.publish(channel, payload), 1)
            for payload in payloads:
                m = next_message(p)
                self.assertEqual((m["type"], m["channel"]), ("message", channel))
                self.assertTrue(m["data"] == payload, f"payload of {len(payload)} bytes differs")
        finally:
            p.close()
        with self.server.raw() as sub:
            sub.command("SUBSCRIBE", channel)
            self.assertEqual(self.r.publish(channel, payloads[3]), 1)
            self.assertEqual(sub.read_reply(), message(channel, payloads[3]))

    # -- fan-out ----------------------------------------------------------------------------

    def test_one_publisher_fifty_subscribers_receive_every_message_in_order(self):
        n_subscribers, n_messages = 50, 400
        channel = "fan:out"
        payloads = [(b"%d:" % i) + bytes([65 + i % 26]) * (i * 37 % 700) for i in range(n_messages)]
        by_channel = b"".join(message(channel, p) for p in payloads)
        by_pattern = b"".join(pmessage("fan:*", channel, p) for p in payloads)
        subscribers = []
        try:
            for i in range(n_subscribers):
                c = self.server.raw()
                subscribers.append(c)
                if i % 2 == 0:
                    self.assertEqual(c.command("SUBSCRIBE", channel),
                                     confirmation("subscribe", channel, 1))
                else:
                    self.assertEqual(c.command("PSUBSCRIBE", "fan:*"),
                                     confirmation("psubscribe", "fan:*", 1))
            # Readers run while the publisher pipelines: nobody's socket buffer fills.
            readers = [lib.run_in_thread(c.read_exact, len(by_channel if i % 2 == 0 else
                                                           by_pattern))
                       for i, c in enumerate(subscribers)]
            with self.server.raw() as publisher:
                batch = b"".join(lib.encode_command("PUBLISH", channel, p) for p in payloads)
                sender = lib.run_in_thread(publisher.send, batch)
                replies = [publisher.read_reply() for _ in payloads]
                sender.join()
            self.assertEqual(set(replies), {b":%d\r\n" % n_subscribers})
            for i, reader in enumerate(readers):
                got = reader.join(timeout=lib.IO_TIMEOUT * 2)
                expected = by_channel if i % 2 == 0 else by_pattern
                if got != expected:
                    at = next(j for j in range(len(got)) if got[j] != expected[j])
                    self.fail(f"subscriber {i}: other bytes than published from byte {at}: "
                              f"{got[at:at + 80]!r} instead of {expected[at:at + 80]!r}")
        finally:
            for c in subscribers:
                c.close()
        self.wait_numsub(channel, 0)
        lib.wait_until(lambda: self.r.pubsub_numpat() == 0, what="PUBSUB NUMPAT == 0")

    # -- RESP3 and RESP2 subscribed mode ----------------------------------------------------

    def test_resp3_pushes_interleave_with_ordinary_replies(self):
        with self.server.raw() as sub, self.server.raw() as pub:
            self.assertTrue(sub.command("HELLO", "3").startswith(b"%7\r\n"))
            self.assertEqual(sub.command("SUBSCRIBE", "r3:ch"),
                             confirmation("subscribe", "r3:ch", 1, resp=3))
            # Ordinary commands work while subscribed in RESP3; PING is a plain PONG.
            self.assertEqual(sub.command("SET", "r3:k", "v"), b"+OK\r\n")
            self.assertEqual(sub.command("PING"), b"+PONG\r\n")
            # The message is in the subscriber's output before PUBLISH answers, so it comes
            # before the reply to the GET sent afterwards.
            self.assertEqual(pub.command("PUBLISH", "r3:ch", "one"), b":1\r\n")
            sub.send(lib.encode_command("GET", "r3:k"))
            self.assertEqual(sub.read_reply(), message("r3:ch", "one", resp=3))
            self.assertEqual(sub.read_reply(), b"$1\r\nv\r\n")
            # A pipeline of GETs with messages published in between.
            for i in range(20):
                sub.send(lib.encode_command("INCR", "r3:n"))
                self.assertEqual(pub.command("PUBLISH", "r3:ch", f"m{i}"), b":1\r\n")
            got = [sub.read_reply() for _ in range(40)]
            self.assertEqual([g for g in got if g.startswith(b">")],
                             [message("r3:ch", f"m{i}", resp=3) for i in range(20)])
            self.assertEqual([g for g in got if not g.startswith(b">")],
                             [b":%d\r\n" % (i + 1) for i in range(20)])
            # Publishing to itself: the push comes first, then PUBLISH's own reply.
            sub.send(lib.encode_command("PUBLISH", "r3:ch", "self"))
            self.assertEqual(sub.read_reply(), message("r3:ch", "self", resp=3))
            self.assertEqual(sub.read_reply(), b":1\r\n")
            self.assertEqual(sub.command("UNSUBSCRIBE"),
                             confirmation("unsubscribe", "r3:ch", 0, resp=3))
            self.assertEqual(sub.command("UNSUBSCRIBE"),
                             confirmation("unsubscribe", None, 0, resp=3))

    def test_resp2_subscribed_mode_refuses_other_commands(self):
        with self.server.raw() as sub:
            self.assertEqual(sub.command("SUBSCRIBE", "r2:a", "r2:b"),
                             confirmation("subscribe", "r2:a", 1))
            self.assertEqual(sub.read_reply(), confirmation("subscribe", "r2:b", 2))
            self.assertEqual(sub.command("GET", "r2:k"), SUBSCRIBED_MODE_ERROR % b"get")
            self.assertEqual(sub.command("set", "r2:k", "v"), SUBSCRIBED_MODE_ERROR % b"set")
            self.assertEqual(sub.command("MULTI"), SUBSCRIBED_MODE_ERROR % b"multi")
            self.assertEqual(sub.command("PING"), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")
            self.assertEqual(sub.command("PING", "hi"), b"*2\r\n$4\r\npong\r\n$2\r\nhi\r\n")
            self.assertEqual(self.r.get("r2:k"), None)
            self.assertEqual(sub.command("PSUBSCRIBE", "r2:*"),
                             confirmation("psubscribe", "r2:*", 3))
            self.assertEqual(sub.command("PUNSUBSCRIBE", "r2:*"),
                             confirmation("punsubscribe", "r2:*", 2))
            sub.send(lib.encode_command("UNSUBSCRIBE"))
            # One confirmation per channel, in the server's hash order; the count goes down.
            first, second = sub.read_reply(), sub.read_reply()
            self.assertIn((first, second), [
                (confirmation("unsubscribe", "r2:a", 1), confirmation("unsubscribe", "r2:b", 0)),
                (confirmation("unsubscribe", "r2:b", 1), confirmation("unsubscribe", "r2:a", 0))])
            # Out of subscribed mode: everything works again.
            self.assertEqual(sub.command("GET", "r2:k"), b"$-1\r\n")
            self.assertEqual(sub.command("PING"), b"+PONG\r\n")
            # RESET leaves subscribed mode too.
            sub.command("SUBSCRIBE", "r2:a")
            self.assertEqual(sub.command("RESET"), b"+RESET\r\n")
            self.assertEqual(sub.command("GET", "r2:k"), b"$-1\r\n")
        self.wait_numsub("r2:a", 0)

    # Redis 7.0.15 keeps a client's patterns in a list and confirms them in the order they were
    # subscribed (UNSUBSCRIBE and SUNSUBSCRIBE without arguments answer in hash order there).
    def test_punsubscribe_without_arguments_confirms_in_subscription_order(self):
        patterns = [f"order:{i}:*" for i in range(12)]
        with self.server.raw() as sub:
            sub.send(lib.encode_command("PSUBSCRIBE", *patterns))
            for i, p in enumerate(patterns):
                self.assertEqual(sub.read_reply(), confirmation("psubscribe", p, i + 1))
            sub.send(lib.encode_command("PUNSUBSCRIBE"))
            got = [sub.read_reply() for _ in patterns]
            self.assertEqual(got, [confirmation("punsubscribe", p, len(patterns) - 1 - i)
                                   for i, p in enumerate(patterns)])

    # -- cleanup ----------------------------------------------------------------------------

    def test_disconnected_subscriber_is_removed(self):
        sub = self.server.raw()
        sub.command("SUBSCRIBE", "gone:ch")
        sub.command("PSUBSCRIBE", "gone:*")
        sub.command("SSUBSCRIBE", "gone:shard")
        self.assertEqual(self.r.pubsub_numsub("gone:ch"), [(b"gone:ch", 1)])
        self.assertEqual(self.r.execute_command("PUBSUB", "SHARDNUMSUB", "gone:shard"),
                         [b"gone:shard", 1])
        self.assertEqual(self.r.publish("gone:ch", "m"), 2)  # by channel and by pattern
        sub.close()
        self.wait_numsub("gone:ch", 0)
        lib.wait_until(lambda: self.r.pubsub_numpat() == 0, what="PUBSUB NUMPAT == 0")
        self.assertEqual(self.r.execute_command("PUBSUB", "SHARDNUMSUB", "gone:shard"),
                         [b"gone:shard", 0])
        self.assertEqual(self.r.publish("gone:ch", "m"), 0)
        self.assertEqual(self.r.pubsub_channels("gone:*"), [])
        self.assertServerAlive()


class PubSubInfoTest(lib.ServerTestCase):
    # INFO stats counts the active channels, patterns and shard channels, as Redis 7.0.15.
    def test_info_stats_counts_channels_and_patterns(self):
        r = self.server.client()
        with self.server.raw() as sub:
            sub.command("SUBSCRIBE", "info:a", "info:b")
            sub.read_reply()
            sub.command("PSUBSCRIBE", "info:*")
            sub.command("SSUBSCRIBE", "info:s")
            stats = r.info("stats")
            self.assertEqual((stats["pubsub_channels"], stats["pubsub_patterns"],
                              stats["pubsubshard_channels"]), (2, 1, 1))


class OutputBufferLimitTest(lib.ServerTestCase):
    """A subscriber that stops reading is cut off at the pubsub output buffer limit."""

    def setUp(self):
        self.r = self.server.client()

    def tearDown(self):
        self.r.config_set("client-output-buffer-limit", "pubsub 32mb 8mb 60")
        self.r.close()

    def idle_subscriber(self, channel):
        """A raw subscriber with a small receive buffer that reads nothing after its
        confirmation; returns (connection, its client id)."""
        sub = SmallWindowConnection(self.server.port)
        client_id = int(sub.command("CLIENT", "ID")[1:-2])
        self.assertEqual(sub.command("SUBSCRIBE", channel), confirmation("subscribe", channel, 1))
        return sub, client_id

    def output_of(self, client_id):
        """The subscriber's pending output (CLIENT LIST obl + omem: Redis counts its 16 KB
        buffer in obl and the rest in omem), or None once it is gone."""
        for entry in self.r.client_list():
            if int(entry["id"]) == client_id:
                return int(entry["obl"]) + int(entry["omem"])
        return None

    # As Redis 7.0, obl is at most the 16 KB reply buffer and the rest shows in omem, which is
    # what monitoring of slow subscribers looks at.
    def test_client_list_reports_a_big_pending_output_in_omem(self):
        sub, client_id = self.idle_subscriber("obl:omem")
        try:
            deadline = time.monotonic() + lib.IO_TIMEOUT
            while (self.output_of(client_id) or 0) < 256 * 1024:
                self.assertEqual(self.r.publish("obl:omem", b"z" * 32 * 1024), 1)
                self.assertLess(time.monotonic(), deadline, "output buffer never grew")
            entry = next(e for e in self.r.client_list() if int(e["id"]) == client_id)
            self.assertLessEqual(int(entry["obl"]), 16 * 1024)
            self.assertGreater(int(entry["omem"]), 0)
        finally:
            sub.close()

    def test_subscriber_over_the_hard_limit_is_disconnected_and_counted(self):
        self.assertTrue(self.r.config_set("client-output-buffer-limit", "pubsub 1mb 512kb 1"))
        before = info_stat(self.r, "client_output_buffer_limit_disconnections")
        sub, client_id = self.idle_subscriber("obl:hard")
        payload = b"x" * (64 * 1024)
        published = 0
        # Kernel buffers take a few MB first; then the server's own buffer grows to 1 MB. The
        # subscriber is gone when PUBLISH stops counting it (bounded by the deadline).
        deadline = time.monotonic() + lib.IO_TIMEOUT
        while self.r.publish("obl:hard", payload) == 1:
            published += 1
            self.assertLess(time.monotonic(), deadline,
                            f"still subscribed after {published} messages of 64 KB")
        self.assertIsNone(self.output_of(client_id))
        self.assertEqual(self.r.pubsub_numsub("obl:hard"), [(b"obl:hard", 0)])
        self.assertEqual(info_stat(self.r, "client_output_buffer_limit_disconnections"),
                         before + 1)
        # Whatever reached the subscriber's socket before the cut is a prefix of the stream,
        # then the connection is closed.
        received = sub.count_until_closed()
        self.assertLess(received, (published + 1) * (len(payload) + 40))
        sub.close()
        self.assertIn("scheduled to be closed ASAP for overcoming of output buffer limits",
                      self.server.log())
        self.assertServerAlive()

    def test_resp3_subscriber_publishing_to_itself_past_the_limit_is_dropped_mid_command(self):
        # The message to itself (and its pattern twin) overflows its own output while its own
        # PUBLISH runs: the connection goes away in the middle of its command and of the
        # delivery loop, and the server carries on.
        self.assertTrue(self.r.config_set("client-output-buffer-limit", "pubsub 1mb 0 0"))
        payload = b"s" * (128 * 1024)
        with self.server.raw() as other:
            other.command("SUBSCRIBE", "obl:self")

            def read_until_after():
                while (m := other.read_reply()) != message("obl:self", "after"):
                    self.assertEqual(m, message("obl:self", payload))

            # The other subscriber reads all along: it stays under its own limit.
            reader = lib.run_in_thread(read_until_after)
            sub = SmallWindowConnection(self.server.port)
            self.assertTrue(sub.command("HELLO", "3").startswith(b"%7\r\n"))
            sub.command("SUBSCRIBE", "obl:self")
            sub.command("PSUBSCRIBE", "obl:*")
            request = lib.encode_command("PUBLISH", "obl:self", payload) * 200  # 25 MB
            # The subscriber reads nothing until the sender is done: were it to drain its
            # output meanwhile, a slow (sanitizer) server could never reach the limit.
            sender = lib.run_in_thread(sub.send_ignoring_hangup, request)
            sender.join()
            sub.count_until_closed()
            sub.close()
            lib.wait_until(lambda: self.r.pubsub_numsub("obl:self") == [(b"obl:self", 1)],
                           what="only the other subscriber left")
            self.assertEqual(self.r.pubsub_numpat(), 0)
            # The other subscriber got whole messages, and still gets new ones.
            self.assertEqual(self.r.publish("obl:self", "after"), 1)
            reader.join()
        self.assertServerAlive()

    def test_subscriber_over_the_soft_limit_for_longer_than_its_seconds_is_disconnected(self):
        self.assertTrue(self.r.config_set("client-output-buffer-limit", "pubsub 8mb 256kb 1"))
        before = info_stat(self.r, "client_output_buffer_limit_disconnections")
        sub, client_id = self.idle_subscriber("obl:soft")
        payload = b"y" * (32 * 1024)
        deadline = time.monotonic() + lib.IO_TIMEOUT
        # Over the soft limit but far from the hard one. The server starts the soft limit's
        # clock during the PUBLISH that takes the buffer over 256 KB: not before it was sent.
        while True:
            sent = time.monotonic()
            self.assertEqual(self.r.publish("obl:soft", payload), 1)
            output = self.output_of(client_id)
            self.assertIsNotNone(output, "dropped while under the hard limit")
            if output >= 256 * 1024:
                break
            self.assertLess(time.monotonic(), deadline, "output buffer never grew")
        # Held over the soft limit for more than 1 s: a later delivery drops it. Small
        # messages keep the buffer far below the hard limit meanwhile; the poll interval
        # only sets how soon the drop is seen.
        while self.r.publish("obl:soft", "tick") > 0 and self.output_of(client_id) is not None:
            self.assertLess(time.monotonic(), deadline, "still subscribed over the soft limit")
            time.sleep(0.05)
        self.assertGreater(time.monotonic() - sent, 1.0, "dropped before its soft seconds")
        self.assertEqual(info_stat(self.r, "client_output_buffer_limit_disconnections"),
                         before + 1)
        sub.count_until_closed()
        sub.close()
        self.assertServerAlive()


if __name__ == "__main__":
    lib.main()
