"""Sets under concurrent clients, DUMP / RESTORE between Redis and basalt, and sets across SAVE +
restart, BGREWRITEAOF + restart (SPOP logged as SREM) and replication. The set commands
themselves are in test_sets.py; what both files share is in set_case.py.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which
takes basalt's command line (`python3 test_sets_durability.py --basalt /usr/bin/redis-server`);
run it that way again after changing an expectation. Redis 7.0 has no listpack sets (7.2 added
them): a set is an intset (integers only, at most set-max-intset-entries of them) or a
hashtable.
"""

import time

import redis

import basalt_testlib as lib
from command_case import RestartTestCase
from durability_case import (PersistenceCase, ReplicationCase, aof_args, commands_by_db,
                             deadlines_of)
from set_case import SetTestCase


class ConcurrencyTest(SetTestCase):
    def test_fifty_clients(self):
        errors = []

        def client(n):
            c = self.server.client()
            try:
                mine = set()
                for i in range(60):
                    member = (b"%d" % (n * 1000 + i)) if i % 3 else b"c%d:%d" % (n, i)
                    mine.add(member)
                    c.sadd(f"own:{n}", member)
                    c.sadd("shared", member)
                    if not c.sismember("shared", member):
                        errors.append(f"client {n}: {member!r} not in shared")
                if c.smembers(f"own:{n}") != mine:
                    errors.append(f"client {n}: SMEMBERS differs")
                c.smove(f"own:{n}", "moved", next(iter(sorted(mine))))
                return mine
            finally:
                c.close()

        results = {}
        self.run_in_threads(lambda n: results.__setitem__(n, client(n)), 50)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 50)
        everything = set().union(*results.values())
        self.assertEqual(self.r.smembers("shared"), everything)
        self.assertEqual(self.r.scard("moved"), 50)

        # 50 clients popping the shared set at once: every member popped exactly once.
        popped = self.drain_in_threads(lambda c, n: c.spop("shared", 7), 50)
        self.assertEqual(len(popped), len(everything))
        self.assertEqual(set(popped), everything)
        self.assertEqual(self.r.exists("shared"), 0)
        self.assertServerAlive()


# -- DUMP / RESTORE and persistence ---------------------------------------------------------------

def fill_sets(client):
    """Sets of both encodings, with and without a TTL, in two databases; returns what a restart
    must keep ({(db, key): (members, has_ttl, encoding)})."""
    client.execute_command("SELECT", 0)
    expected = {}
    small = {b"1", b"-5", b"0", b"9223372036854775807", b"-9223372036854775808", b"65536"}
    client.sadd("ints", *small)
    expected[(0, b"ints")] = (small, False, b"intset")
    strs = {b"a", b"", b"bin\x00\r\n\xff", b"007", b"1", b"x" * 200}
    client.sadd("strs", *strs)
    expected[(0, b"strs")] = (strs, False, b"hashtable")
    big = {b"%d" % i for i in range(1000)}
    client.sadd("big", *big)
    expected[(0, b"big")] = (big, False, b"hashtable")
    bigstr = {b"member:%d" % i for i in range(700)}
    client.sadd("bigstr", *bigstr)
    expected[(0, b"bigstr")] = (bigstr, False, b"hashtable")
    # A hashtable whose members are integers again: loaded as an intset.
    client.sadd("shrunk", "1", "2", "x")
    client.srem("shrunk", "x")
    expected[(0, b"shrunk")] = ({b"1", b"2"}, False, b"intset")
    client.sadd("ttl:ints", 1, 2, 3)
    client.expire("ttl:ints", 5000)
    expected[(0, b"ttl:ints")] = ({b"1", b"2", b"3"}, True, b"intset")
    ttl_str = {b"t%d" % i for i in range(600)}
    client.sadd("ttl:str", *ttl_str)
    client.pexpireat("ttl:str", int(time.time() * 1000) + 3600 * 1000)
    expected[(0, b"ttl:str")] = (ttl_str, True, b"hashtable")
    client.execute_command("SELECT", 5)
    client.sadd("s", "db5")
    expected[(5, b"s")] = ({b"db5"}, False, b"hashtable")
    client.execute_command("SELECT", 0)
    return expected


class SetDurability:
    """How durability_case.py's flows fill and read sets."""

    fill = staticmethod(fill_sets)

    def read_value(self, client, key):
        return client.smembers(key)

    def assertSameContents(self, key, got, want):
        if got != want:
            self.fail(f"{key}: {len(want - got)} members missing {sorted(want - got)[:3]}, "
                      f"{len(got - want)} extra {sorted(got - want)[:3]}")


class SetPersistenceTest(SetDurability, PersistenceCase, RestartTestCase):
    """Sets of both encodings, with TTLs, across restarts (SAVE; BGREWRITEAOF with and without
    RDB preamble), DUMP payloads and dump.rdb files moved between basalt and Redis. A set's
    encoding after a load depends on its contents only."""

    workdir_prefix = "basalt-it-sets-"

    def test_sets_survive_save_and_restart(self):
        expected, before = self.save_filled_server()
        self.assertEqual(before[(0, b"shrunk")].encoding, b"hashtable")  # until a load
        self.check_back_after_restart(expected, deadlines_of(before))

    def test_load_converts_by_the_configured_threshold(self):
        """Loading picks the encoding by the set-max-intset-entries in force: an intset saved
        with more members than that loads as a hashtable (and a set of few integers saved as
        a hashtable loads as an intset)."""
        expected, before = self.save_filled_server()
        for key in ((0, b"ints"), (0, b"ttl:ints")):  # 6 and 3 integers
            members, has_ttl, _ = expected[key]
            expected[key] = (members, has_ttl, b"hashtable")
        # "shrunk" (2 integers) stays within the threshold: an intset still.
        self.check_back_after_restart(expected, deadlines_of(before),
                                      ["--set-max-intset-entries", "2"])

    def test_dump_rdb_loads_into_redis_and_back(self):
        expected, before = self.save_filled_server()
        self.check_dump_rdb_through_redis(expected, deadlines_of(before))

    def test_dump_restore_between_redis_and_basalt(self):
        """DUMP payloads of both encodings made by redis-server RESTORE into basalt, and
        basalt's back into redis-server."""
        with self.basalt_and_redis() as (b, r):
            expected = fill_sets(r)
            for (db, key), (members, _, encoding) in expected.items():
                r.execute_command("SELECT", db)
                payload = r.dump(key)
                b.execute_command("SELECT", db)
                self.assertTrue(b.restore(key, 0, payload), key)
                self.assertEqual(b.smembers(key), members, key)
                self.assertEqual(b.object("ENCODING", key), encoding, key)  # by contents
                self.assertEqual(b.ttl(key), -1)
                back = b.dump(key)
                r.delete(key)
                self.assertTrue(r.restore(key, 12345000, back), key)
                self.assertEqual(r.smembers(key), members, key)
                self.assertTrue(0 < r.ttl(key) <= 12345, key)
                # REPLACE over an existing key; without it, BUSYKEY.
                with self.assertRaisesRegex(redis.ResponseError, "BUSYKEY"):
                    b.restore(key, 0, payload)
                b.sadd(key, "extra")
                self.assertTrue(b.restore(key, 0, payload, replace=True))
                self.assertEqual(b.smembers(key), members, key)

    def check_bgrewriteaof(self, preamble):
        server, c, expected, _ = self.start_filled_and_rewrite(preamble)
        # After the rewrite, in the incr file: SPOP is logged as SREM of what it popped (never
        # as SPOP, which would pop other members on a replay); SPOP of the whole set as a DEL.
        popped = set(c.spop("big", 10))
        expected[(0, b"big")][0].difference_update(popped)
        one = c.spop("strs")
        expected[(0, b"strs")][0].discard(one)
        c.spop("ttl:ints", 100)
        del expected[(0, b"ttl:ints")]
        c.sadd("after", 5)
        expected[(0, b"after")] = ({b"5"}, False, b"intset")
        c.smove("bigstr", "after", "member:1")
        expected[(0, b"bigstr")][0].discard(b"member:1")
        expected[(0, b"after")] = ({b"5", b"member:1"}, False, b"hashtable")
        popped_most = set(c.spop("bigstr", 690))  # 9 stay: the rebuilding strategy
        expected[(0, b"bigstr")][0].difference_update(popped_most)
        c.sinterstore("inter", "big", "ints")
        expected[(0, b"inter")] = (expected[(0, b"big")][0] & expected[(0, b"ints")][0], False,
                                   b"intset")
        deadlines = deadlines_of(self.read_keys(server.port, expected))
        logged = self.stop_and_read_incr(server, c)
        self.check_spops_logged_as_srem(logged, popped, popped_most, one)
        self.check_back_after_restart(expected, deadlines, aof_args(preamble))

    def check_spops_logged_as_srem(self, logged, popped, popped_most, one):
        """check_bgrewriteaof's SPOPs in the incr file: 10 members of "big" (popped), 690 of
        "bigstr" (popped_most), one of "strs", and all of "ttl:ints"."""
        names = [cmd[0] for cmd in logged]
        self.assertNotIn(b"SPOP", names)
        # Redis 7.0 logs one SREM per popped member (7.2 batches them), the SREMs of one SPOP
        # inside MULTI ... EXEC.
        self.assertTrue(all(len(cmd) == 3 for cmd in logged if cmd[0] == b"SREM"), logged)
        first = logged.index([b"SREM", b"big", next(iter(popped))])
        start = max(i for i in range(first) if logged[i][0] == b"MULTI")
        end = next(i for i in range(first, len(logged)) if logged[i][0] == b"EXEC")
        self.assertEqual({cmd[2] for cmd in logged[start + 1:end]}, popped)

        def removed_from(key):
            return {member for cmd in logged if cmd[0] == b"SREM" and cmd[1] == key
                    for member in cmd[2:]}
        self.assertEqual(removed_from(b"big"), popped)
        self.assertEqual(removed_from(b"bigstr"), popped_most)  # (the SMOVE is logged as itself)
        self.assertIn([b"SREM", b"strs", one], logged)
        self.assertTrue(any(cmd[0] in (b"DEL", b"UNLINK") and cmd[1:] == [b"ttl:ints"]
                            for cmd in logged), logged)

    def check_rewritten_commands(self, commands, expected):
        """The AOF base without RDB preamble rebuilds every set with SADD commands (Redis: at
        most 64 members per command)."""
        rebuilt = {}
        for db, cmd in commands_by_db(commands, (b"SADD",)):
            rebuilt.setdefault((db, cmd[1]), set()).update(cmd[2:])
        self.assertEqual(rebuilt, {k: v[0] for k, v in expected.items()})

    def test_bgrewriteaof_without_rdb_preamble_writes_set_commands(self):
        self.check_bgrewriteaof("no")

    def test_bgrewriteaof_with_rdb_preamble(self):
        self.check_bgrewriteaof("yes")


class SetReplicationTest(SetDurability, ReplicationCase, lib.ReplicaPairTestCase):
    """A replica gets the sets by the full sync and then by the live stream, SPOP as SREM."""

    def test_full_sync_then_live_writes(self):
        primary, replica, c, expected = self.start_replicating()
        self.assertEncodingsAsLoaded(replica, expected)
        # Live: every write command, the random ones included (the replica must pop the same).
        c.sadd("ints", 77)
        c.srem("strs", "a")
        c.spop("big", 300)
        c.spop("bigstr")
        c.spop("ttl:str", 590)  # few stay: the rebuilding strategy
        c.smove("ints", "strs", 1)
        c.sinterstore("inter", "big", "ints")
        c.sunionstore("union", "strs", "ints")
        c.sdiffstore("diff", "big", "ints")
        c.spop("shrunk", 2)  # the whole set
        for key in (b"inter", b"union", b"diff"):
            expected[(0, key)] = None
        c.close()
        self.wait_synced(primary, replica)
        on_primary = self.assertSameOnBoth(primary, replica, expected)
        self.assertEqual(on_primary[(0, b"shrunk")], (set(), -2))
        self.assertEqual(len(on_primary[(0, b"big")][0]), 700)
        self.assertReplicaReadOnly(replica, "SADD", "ints", "1")


if __name__ == "__main__":
    lib.main()
