"""Hashes with big values (a 1 MB value, fifty clients writing and reading values of 3 bytes to
100 KB), and hashes across SAVE + restart (DUMP payloads loaded into Redis and back too),
BGREWRITEAOF + restart and replication. The hash commands themselves are in test_hashes.py; what
both files share is in hash_case.py.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which
takes basalt's command line (`python3 test_hashes_durability.py --basalt /usr/bin/redis-server`);
run it that way again after changing an expectation.
"""

import random
import time

import basalt_testlib as lib
from command_case import RestartTestCase
from durability_case import (PersistenceCase, ReplicationCase, aof_args, commands_by_db,
                             deadlines_of)
from hash_case import HashTestCase, flat_pairs


class BigValuesTest(HashTestCase):
    def test_one_megabyte_value(self):
        value = random.Random(7).randbytes(1 << 20)
        self.assertEqual(self.r.hset("h", "big", value), 1)
        self.r.hset("h", "small", "s")
        self.assertEqual(self.r.hget("h", "big"), value)
        self.assertEqual(self.r.hstrlen("h", "big"), 1 << 20)
        self.assertEqual(self.r.hgetall("h"), {b"big": value, b"small": b"s"})
        self.assertEqual(self.r.hmget("h", "small", "big"), [b"s", value])
        self.assertEqual(self.encoding("h"), b"hashtable")
        self.assertEqual(self.r.hscan("h", 0, count=1000), (0, {b"big": value, b"small": b"s"}))
        pairs = flat_pairs(self.r.execute_command("HRANDFIELD", "h", "-3", "WITHVALUES"))
        self.assertEqual(len(pairs), 3)
        self.assertTrue(all(v == (value if f == b"big" else b"s") for f, v in pairs))
        # A 1 MB field name too.
        self.r.hset("h", value, "v")
        self.assertEqual(self.r.hget("h", value), b"v")
        self.assertEqual(self.r.hdel("h", value, "big"), 2)
        self.assertEqual(self.r.hgetall("h"), {b"small": b"s"})

    def test_fifty_clients_write_and_read_values_of_3_bytes_to_100_kb(self):
        sizes = (3, 10, 64, 65, 100, 1000, 4096, 10000, 65536, 100000)
        errors = []

        def client(n):
            rng = random.Random(n)
            c = self.server.client()
            try:
                values = {}
                for round_no in range(3):
                    for size in sizes:
                        field = f"c{n}:s{size}"
                        value = rng.randbytes(size)
                        values[field.encode()] = value
                        c.hset(f"own:{n}", field, value)
                        c.hset("shared", field, value)
                        got = c.hget(f"own:{n}", field)
                        if got != value:
                            errors.append(f"client {n}: HGET {field} returned {len(got or b'')}"
                                          f" bytes, not the {size} written")
                        if c.hget("shared", field) != value:
                            errors.append(f"client {n}: shared {field} differs")
                if c.hgetall(f"own:{n}") != values:
                    errors.append(f"client {n}: HGETALL differs")
                return values
            finally:
                c.close()

        results = {}
        self.run_in_threads(lambda n: results.__setitem__(n, client(n)), 50)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 50)
        expected = {f: v for values in results.values() for f, v in values.items()}
        self.assertEqual(self.r.hlen("shared"), 50 * len(sizes))
        self.assertEqual(self.r.hgetall("shared"), expected)
        self.assertServerAlive()


# -- persistence ----------------------------------------------------------------------------------

def fill_hashes(client):
    """Hashes of both encodings, with and without a TTL, in two databases; returns what a
    restart must keep ({(db, key): (fields, has_ttl, encoding)})."""
    client.execute_command("SELECT", 0)
    expected = {}
    small = {b"a": b"1", b"": b"empty field", b"e": b"", b"bin\x00\r\n\xff": b"\x00\xfe\r\n",
             b"n": b"-12", b"f": b"1.5"}
    client.hset("small", mapping=small)
    expected[(0, b"small")] = (small, False, b"listpack")
    big = {f"field:{i}".encode(): f"value:{i}".encode() * (i % 5) for i in range(1000)}
    pipe = client.pipeline(transaction=False)
    for i in range(0, 1000, 200):
        pipe.hset("big", mapping=dict(list(big.items())[i:i + 200]))
    pipe.execute()
    expected[(0, b"big")] = (big, False, b"hashtable")
    wide = {b"long": b"L" * 100, b"x": b"1", b"y": b"2"}
    client.hset("wide", mapping=wide)
    expected[(0, b"wide")] = (wide, False, b"hashtable")
    # A hashtable whose contents fit a listpack again: loaded as a listpack.
    client.hset("shrunk", mapping={b"long": b"L" * 100, b"x": b"1"})
    client.hdel("shrunk", "long")
    expected[(0, b"shrunk")] = ({b"x": b"1"}, False, b"listpack")
    ttl_small = {b"t": b"1"}
    client.hset("ttl:small", mapping=ttl_small)
    client.expire("ttl:small", 5000)
    expected[(0, b"ttl:small")] = (ttl_small, True, b"listpack")
    ttl_big = {f"t{i}".encode(): b"v" for i in range(600)}
    client.hset("ttl:big", mapping=ttl_big)
    client.pexpireat("ttl:big", int(time.time() * 1000) + 3600 * 1000)
    expected[(0, b"ttl:big")] = (ttl_big, True, b"hashtable")
    client.hincrbyfloat("small", "f", 0.1)
    small[b"f"] = b"1.6"
    client.hincrby("small", "n", 12)
    small[b"n"] = b"0"
    client.execute_command("SELECT", 5)
    other = {b"db5": b"yes"}
    client.hset("h", mapping=other)
    expected[(5, b"h")] = (other, False, b"listpack")
    client.execute_command("SELECT", 0)
    return expected


class HashDurability:
    """How durability_case.py's flows fill and read hashes."""

    fill = staticmethod(fill_hashes)

    def read_value(self, client, key):
        return client.hgetall(key)

    def assertSameContents(self, key, got, want):
        if got != want:
            missing = sorted(set(want) - set(got))
            wrong = sorted(f for f in want if f in got and got[f] != want[f])
            extra = sorted(set(got) - set(want))
            self.fail(f"{key}: {len(missing)} fields missing {missing[:3]}, {len(wrong)} "
                      f"different {wrong[:3]}, {len(extra)} extra {extra[:3]}")


class HashPersistenceTest(HashDurability, PersistenceCase, RestartTestCase):
    """Hashes of both encodings, with TTLs, across restarts: from dump.rdb (SAVE), from the AOF
    after BGREWRITEAOF (with and without RDB preamble), and dump.rdb files moved between basalt
    and Redis. A hash's encoding after a load depends on its contents only (Redis re-picks it
    while loading), not on what it was before."""

    workdir_prefix = "basalt-it-hashes-"

    def test_hashes_survive_save_and_restart(self):
        expected, before = self.save_filled_server()
        # Before the restart "shrunk" is still a hashtable: an encoding only changes on load.
        self.assertEqual(before[(0, b"shrunk")].encoding, b"hashtable")
        self.check_back_after_restart(expected, deadlines_of(before))

    def test_dump_loads_into_redis_and_back(self):
        """basalt's dump.rdb with hashes is read by the real Redis, and Redis's by basalt."""
        expected, before = self.save_filled_server()
        self.check_dump_rdb_through_redis(expected, deadlines_of(before))

    def check_bgrewriteaof(self, preamble):
        server, c, expected, before = self.start_filled_and_rewrite(preamble)
        deadlines = deadlines_of(before)
        # Written after the rewrite: in the incr file. HINCRBYFLOAT is logged as an HSET of the
        # result (so a replay never redoes float arithmetic).
        c.hincrbyfloat("small", "f", "0.1")
        expected[(0, b"small")][0][b"f"] = b"1.7"
        c.hset("after", "k", "v")
        expected[(0, b"after")] = ({b"k": b"v"}, False, b"listpack")
        deadlines[(0, b"after")] = -1
        c.hdel("wide", "x")
        del expected[(0, b"wide")][0][b"x"]
        logged = self.stop_and_read_incr(server, c)
        self.assertIn([b"HSET", b"small", b"f", b"1.7"], logged)
        self.check_back_after_restart(expected, deadlines, aof_args(preamble))

    def check_rewritten_commands(self, commands, expected):
        """The AOF base without RDB preamble rebuilds every hash with HSET / HMSET commands
        (Redis writes HMSET, 64 field-value pairs per command)."""
        rebuilt = {}
        for db, cmd in commands_by_db(commands, (b"HSET", b"HMSET")):
            self.assertEqual(len(cmd) % 2, 0, cmd[:4])
            rebuilt.setdefault((db, cmd[1]), {}).update(flat_pairs(cmd[2:]))
        self.assertEqual(rebuilt, {k: v[0] for k, v in expected.items()})

    def test_bgrewriteaof_without_rdb_preamble_writes_hash_commands(self):
        self.check_bgrewriteaof("no")

    def test_bgrewriteaof_with_rdb_preamble(self):
        self.check_bgrewriteaof("yes")


class HashReplicationTest(HashDurability, ReplicationCase, lib.ReplicaPairTestCase):
    """A replica gets the hashes by the full sync (RDB) and then by the live stream."""

    def test_full_sync_then_live_writes(self):
        primary, replica, c, expected = self.start_replicating()
        self.assertEncodingsAsLoaded(replica, expected)
        # Live: every write command of the family, and the last field's HDEL deleting the key.
        c.hset("small", mapping={"live": "1", "a": "overwritten"})
        c.hsetnx("small", "nx", "v")
        c.execute_command("HMSET", "wide", "m", "1")
        c.hincrby("small", "n", 5)
        c.hincrbyfloat("small", "f", "0.05")  # replicated as an HSET of the result
        c.hdel("big", *[f"field:{i}" for i in range(0, 1000, 2)])
        c.hdel("ttl:small", "t")
        c.hset("new", mapping={f"x{i}": i for i in range(600)})
        c.expire("new", 7000)
        c.close()
        expected[(0, b"new")] = None
        self.wait_synced(primary, replica)
        on_primary = self.assertSameOnBoth(primary, replica, expected)
        self.assertEqual(on_primary[(0, b"ttl:small")], ({}, -2))
        self.assertEqual(on_primary[(0, b"small")][0][b"f"], b"1.65")
        self.assertEqual(len(on_primary[(0, b"new")][0]), 600)
        self.assertReplicaReadOnly(replica, "HSET", "small", "x", "1")


if __name__ == "__main__":
    lib.main()
