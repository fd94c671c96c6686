"""Lists under concurrent clients (pushes, pops and moves from fifty clients, a pipeline of
twenty thousand commands), across SAVE + restart and BGREWRITEAOF + restart (with and without
RDB preamble), DUMP / RESTORE between basalt and Redis (compressed quicklist nodes too), and
replication (a full sync, then live writes, and the commands a replica is sent). The list
commands themselves are in test_lists.py; what both files share is in list_case.py.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which
takes basalt's command line (`python3 test_lists_durability.py --basalt /usr/bin/redis-server`);
run it that way again after changing an expectation.
"""

import os
import random
import shutil
import time

import redis

import basalt_testlib as lib
from basalt_testlib import parse_commands
from command_case import RestartTestCase
from durability_case import (KeyState, PersistenceCase, ReplicationCase, aof_args,
                             commands_by_db, upper_names)
from list_case import ListTestCase


class ConcurrencyTest(ListTestCase):
    def test_fifty_clients_push_and_pop(self):
        sizes = (0, 1, 3, 64, 1000, 8192, 9000, 65536, 100000)
        errors = []
        pushed = {}

        def client(n):
            rng = random.Random(n)
            c = self.server.client()
            try:
                own = [rng.randbytes(rng.choice(sizes)) + b"#%d:%d" % (n, i) for i in range(40)]
                shared = []
                for i, value in enumerate(own):
                    c.rpush(f"own:{n}", value)
                    item = b"%d:%d:" % (n, i) + value[:rng.randrange(0, 50)]
                    c.lpush("shared", item)
                    shared.append(item)
                    if i % 7 == 0:
                        c.lmove(f"own:{n}", f"moved:{n}", "RIGHT", "LEFT")
                        c.lmove(f"moved:{n}", f"own:{n}", "LEFT", "RIGHT")
                if c.lrange(f"own:{n}", 0, -1) != own:
                    errors.append(f"client {n}: its list differs")
                got = c.lpop(f"own:{n}", 15) + [c.rpop(f"own:{n}") for _ in range(5)][::-1]
                rest = c.lpop(f"own:{n}", 1000)
                if got[:15] != own[:15] or got[15:] != own[35:] or rest != own[15:35]:
                    errors.append(f"client {n}: popped elements differ")
                if c.exists(f"own:{n}"):
                    errors.append(f"client {n}: emptied list still exists")
                pushed[n] = shared
            finally:
                c.close()

        self.run_in_threads(client, 50)
        self.assertEqual(errors, [])
        everything = self.r.lrange("shared", 0, -1)
        self.assertEqual(len(everything), 50 * 40)
        self.assertEqual(sorted(everything), sorted(v for s in pushed.values() for v in s))
        # Each client's own pushes are in its order (LPUSH: reversed in the list).
        for n, items in pushed.items():
            mine = [e for e in everything if e.startswith(b"%d:" % n)]
            self.assertEqual(mine[::-1], items, n)
        # Now 50 clients pop the shared list empty: every element exactly once.
        def pop(c, n):  # LPOP with a count, RPOP of one, or LMPOP by the client's number
            if n % 3 == 0:
                return c.lpop("shared", 7)
            if n % 3 == 1:
                one = c.rpop("shared")
                return [one] if one is not None else None
            res = c.execute_command("LMPOP", 1, "shared", "LEFT", "COUNT", 3)
            return res[1] if res else None

        popped = self.drain_in_threads(pop, 50, "a popper thread")
        self.assertEqual(sorted(popped), sorted(everything))
        self.assertEqual(self.r.exists("shared"), 0)
        self.assertServerAlive()


    def test_pipeline_of_twenty_thousand_commands(self):
        rng = random.Random(9)
        model, expected = [], []
        pipe = self.r.pipeline(transaction=False)
        for i in range(20000):
            op = rng.randrange(4)
            value = b"%d:" % i + rng.randbytes(rng.choice((0, 5, 100)))
            if op == 0:
                pipe.rpush("p", value)
                model.append(value)
                expected.append(len(model))
            elif op == 1:
                pipe.lpush("p", value)
                model.insert(0, value)
                expected.append(len(model))
            elif op == 2:
                pipe.lpop("p")
                expected.append(model.pop(0) if model else None)
            else:
                n = rng.randint(1, 3)
                pipe.rpop("p", n)
                got = model[::-1][:n]
                del model[len(model) - len(got):]
                expected.append(got or None)
        self.assertEqual(pipe.execute(), expected)
        self.assertList("p", model)

    def test_fifty_clients_move_elements_between_lists(self):
        """LMOVE / RPOPLPUSH / LMPOP + RPUSH between three lists by 50 clients at once: no
        element is lost or doubled, and every element keeps its bytes."""
        rng = random.Random(5)
        originals = [rng.randbytes(rng.choice((1, 10, 100, 5000, 9000))) + b"#%d" % i
                     for i in range(1500)]
        for k in range(3):
            self.r.rpush(f"ring:{k}", *originals[k::3])
        errors = []

        def mover(n):
            rng = random.Random(1000 + n)
            c = self.server.client()
            try:
                for _ in range(100):
                    src, dst = (f"ring:{rng.randrange(3)}" for _ in range(2))
                    op = rng.randrange(3)
                    if op == 0:
                        c.lmove(src, dst, rng.choice(("LEFT", "RIGHT")),
                                rng.choice(("LEFT", "RIGHT")))
                    elif op == 1:
                        c.rpoplpush(src, dst)
                    else:
                        got = c.execute_command("LMPOP", 1, src, "LEFT", "COUNT", 2)
                        if got:
                            c.rpush(dst, *got[1])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(f"client {n}: {e!r}")
            finally:
                c.close()

        self.run_in_threads(mover, 50)
        self.assertEqual(errors, [])
        everything = [e for k in range(3) for e in self.r.lrange(f"ring:{k}", 0, -1)]
        self.assertEqual(sorted(everything), sorted(originals))
        self.assertServerAlive()


# -- persistence ----------------------------------------------------------------------------------

def fill_lists(client):
    """Lists small and big (100k elements), with elements up to 100 KB, with and without a TTL,
    in two databases; returns {(db, key): elements}."""
    client.execute_command("SELECT", 0)
    expected = {}
    small = [b"a", b"", b"-0", b"007", b"9223372036854775808", b"-9223372036854775808", b"12",
             b"bin\x00\r\n\xff", b"1.5"]
    client.rpush("small", *small)
    expected[(0, b"small")] = small
    big = [b"item:%d" % i for i in range(100000)]
    pipe = client.pipeline(transaction=False)
    for i in range(0, len(big), 10000):
        pipe.rpush("big", *big[i:i + 10000])
    pipe.execute()
    expected[(0, b"big")] = big
    rng = random.Random(3)
    wide = [rng.randbytes(size) for size in (100000, 1, 8192, 50000, 9000, 100000, 0, 4000)]
    client.rpush("wide", *wide)
    expected[(0, b"wide")] = wide
    ints = [b"%d" % n for n in (0, 1, -1, 127, 128, -129, 32767, 65536, 2**31, -2**31,
                                2**63 - 1, -2**63)]
    client.lpush("ints", *ints)
    expected[(0, b"ints")] = ints[::-1]
    client.rpush("ttl:small", "t")
    client.expire("ttl:small", 5000)
    expected[(0, b"ttl:small")] = [b"t"]
    ttl_big = [b"v%d" % i for i in range(3000)]
    client.rpush("ttl:big", *ttl_big)
    client.pexpireat("ttl:big", int(time.time() * 1000) + 3600 * 1000)
    expected[(0, b"ttl:big")] = ttl_big
    # Edited lists: inserts, sets and removals in the middle.
    client.linsert("big", "BEFORE", "item:50000", "inserted")
    big.insert(50000, b"inserted")
    client.lset("big", 70000, "x" * 20000)
    big[70000] = b"x" * 20000
    client.lrem("big", 0, "item:99999")
    big.pop()
    client.execute_command("SELECT", 5)
    client.rpush("l", "db5")
    expected[(5, b"l")] = [b"db5"]
    client.execute_command("SELECT", 0)
    return expected


def as_before(elements, before):
    """What a list restart must give back: the elements expected, and the TTL, encoding and
    PEXPIRETIME each key had before (before: read_keys' KeyStates); as (expected, deadlines)
    for assertKeysBack."""
    expected = {key: (elements[key], before[key].has_ttl, before[key].encoding)
                for key in elements}
    return expected, {key: before[key].deadline for key in elements}


class ListDurability:
    """How durability_case.py's flows fill and read lists."""

    fill = staticmethod(fill_lists)

    def read_value(self, client, key):
        return client.lrange(key, 0, -1)

    def assertSameContents(self, key, got, want):
        if got != want:
            first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                         min(len(got), len(want)))
            self.fail(f"{key}: {len(got)} elements, expected {len(want)}; first difference at "
                      f"{first}")


class ListPersistenceTest(ListDurability, PersistenceCase, RestartTestCase):
    """Lists across restarts: from dump.rdb (SAVE), from the AOF after BGREWRITEAOF (with and
    without RDB preamble), and DUMP payloads moved between basalt and Redis."""

    workdir_prefix = "basalt-it-lists-"

    def test_lists_survive_save_and_restart(self):
        elements, before = self.save_filled_server()
        self.assertEqual({v.encoding for v in before.values()}, {b"quicklist"})
        self.check_back_after_restart(*as_before(elements, before))

    def check_bgrewriteaof(self, preamble):
        server, c, expected, before = self.start_filled_and_rewrite(preamble)
        # After the rewrite, in the incr file: pops with a count, LMPOP (logged as LPOP / RPOP
        # with the count popped), LMOVE, edits.
        self.assertEqual(c.lpop("small", 2), [b"a", b""])
        self.assertEqual(c.execute_command("LMPOP", 2, "nokey", "big", "RIGHT", "COUNT", 3),
                         [b"big", [b"item:99998", b"item:99997", b"item:99996"]])
        self.assertEqual(c.lmove("ints", "moved", "LEFT", "RIGHT"), b"-9223372036854775808")
        c.lset("wide", 1, "set")
        c.ltrim("ttl:big", 10, -1)
        c.linsert("small", "AFTER", "12", "after 12")
        c.lrem("big", -1, "item:5")
        expected[(0, b"small")] = expected[(0, b"small")][2:]
        expected[(0, b"big")] = expected[(0, b"big")][:-3]
        expected[(0, b"ints")] = expected[(0, b"ints")][1:]
        expected[(0, b"moved")] = [b"-9223372036854775808"]
        before[(0, b"moved")] = KeyState(None, False, b"quicklist", -1)
        expected[(0, b"wide")][1] = b"set"
        expected[(0, b"ttl:big")] = expected[(0, b"ttl:big")][10:]
        small = expected[(0, b"small")]
        small.insert(small.index(b"12") + 1, b"after 12")
        expected[(0, b"big")].remove(b"item:5")
        logged = self.stop_and_read_incr(server, c)
        self.assertIn([b"LPOP", b"small", b"2"], logged)
        self.assertIn([b"RPOP", b"big", b"3"], logged)
        self.check_back_after_restart(*as_before(expected, before), aof_args(preamble))

    def check_rewritten_commands(self, commands, expected):
        """The AOF base without RDB preamble rebuilds every list with RPUSH commands (Redis
        writes at most 64 elements per command)."""
        rebuilt = {}
        for db, cmd in commands_by_db(commands, (b"RPUSH", b"LPUSH")):
            self.assertEqual(cmd[0], b"RPUSH")
            rebuilt.setdefault((db, cmd[1]), []).extend(cmd[2:])
        self.assertEqual(rebuilt, expected)

    def test_bgrewriteaof_without_rdb_preamble_writes_list_commands(self):
        self.check_bgrewriteaof("no")

    def test_bgrewriteaof_with_rdb_preamble(self):
        self.check_bgrewriteaof("yes")

    def test_dump_from_redis_restores_into_basalt_and_back(self):
        with self.basalt_and_redis() as (b, rc):
            expected = fill_lists(rc)
            payloads = {key: rc.dump(key) for db, key in expected if db == 0}
            b.execute_command("SELECT", 0)
            for key, payload in payloads.items():
                self.assertEqual(b.restore(key, 0, payload), b"OK", key)
            self.assertEqual(b.restore(b"withttl", 100000, payloads[b"small"]), b"OK")
            for key in payloads:
                self.assertEqual(b.lrange(key, 0, -1), expected[(0, key)], key)
            self.assertEqual(b.lrange("withttl", 0, -1), expected[(0, b"small")])
            self.assertGreater(b.pttl("withttl"), 0)
            self.assertEqual(b.object("ENCODING", "big"), b"quicklist")
            # RESTORE over an existing key without REPLACE, then with it.
            self.assertRaisesRegex(redis.ResponseError, "BUSYKEY Target key name already "
                                   "exists.", b.restore, "small", 0, payloads[b"wide"])
            self.assertEqual(b.restore("small", 0, payloads[b"wide"], replace=True), b"OK")
            self.assertEqual(b.lrange("small", 0, -1), expected[(0, b"wide")])
            # And back: basalt's DUMP payloads restored into Redis.
            b.lpush("big", "pushed in basalt")
            for key in list(payloads) + [b"withttl"]:
                payload = b.dump(key)
                self.assertEqual(rc.restore(b"back:" + key, 0, payload), b"OK", key)
                self.assertEqual(rc.lrange(b"back:" + key, 0, -1), b.lrange(key, 0, -1), key)


    def test_compressed_nodes_from_redis_load_and_restore(self):
        """With list-compress-depth 1 Redis writes the inner nodes LZF-compressed, in its
        dump.rdb and in DUMP payloads: basalt reads both, and Redis reads basalt's."""
        redis_dir = self.redis_workdir()
        model = [(b"compressible %d " % i) * 20 for i in range(300)] + [b"-5", b"", b"77"]
        with lib.RedisProcess(redis_dir, ["--list-compress-depth", "1",
                                          "--list-max-listpack-size", "4"]) as real:
            rc = real.client()
            rc.rpush("c", *model)
            rc.expire("c", 5000)
            payload = rc.dump("c")
            self.assertTrue(rc.save())
            server = self.start()
            b = server.client()
            self.assertEqual(b.restore("c", 0, payload), b"OK")
            self.assertEqual(b.lrange("c", 0, -1), model)
            b.config_set("list-compress-depth", 2)
            b.config_set("list-max-listpack-size", 3)
            b.rpush("mine", *model)
            self.assertEqual(rc.restore("mine", 0, b.dump("mine")), b"OK")
            self.assertEqual(rc.lrange("mine", 0, -1), model)
            b.close()
            server.stop_and_check()
            rc.close()
        shutil.copy(os.path.join(redis_dir, "dump.rdb"), self.workdir)
        server = self.start()
        b = server.client()
        self.assertEqual(b.lrange("c", 0, -1), model)
        self.assertGreater(b.ttl("c"), 0)
        b.close()
        server.stop_and_check()


class ListReplicationTest(ListDurability, ReplicationCase, lib.ReplicaPairTestCase):
    """A replica gets the lists by the full sync (RDB) and then by the live stream: pops with a
    count, LMPOP (which a primary propagates as LPOP / RPOP with the count), LMOVE, edits."""

    # Redis 7.0 has quicklists only: a load picks the encoding the primary has.
    compare_encodings = True

    def test_full_sync_then_live_writes(self):
        primary, replica, c, expected = self.start_replicating()
        self.assertEqual(c.lpop("small", 3), [b"a", b"", b"-0"])
        self.assertEqual(c.rpop("big", 2), [b"item:99998", b"item:99997"])
        self.assertEqual(c.execute_command("LMPOP", 3, "nokey", "ints", "big", "LEFT", "COUNT",
                                           5), [b"ints", [b"%d" % -2**63, b"%d" % (2**63 - 1),
                                                          b"%d" % -2**31, b"%d" % 2**31,
                                                          b"65536"]])
        c.execute_command("LMPOP", 1, "ttl:small", "RIGHT", "COUNT", 10)  # empties it
        c.lmove("big", "moved", "LEFT", "RIGHT")
        c.rpoplpush("moved", "moved")
        c.lmove("wide", "wide", "RIGHT", "LEFT")
        c.linsert("big", "AFTER", "item:500", "after 500")
        c.lset("big", -100, "set")
        c.lrem("big", -2, "item:7")
        c.ltrim("ttl:big", 100, 200)
        c.rpush("new", *[b"n%d" % i for i in range(1000)])
        c.expire("new", 7000)
        c.close()
        expected[(0, b"new")] = expected[(0, b"moved")] = None
        self.wait_synced(primary, replica)
        on_primary = self.assertSameOnBoth(primary, replica, expected)
        self.assertEqual(on_primary[(0, b"ttl:small")], ([], -2, None))
        self.assertEqual(len(on_primary[(0, b"ints")][0]), 7)
        self.assertEqual(len(on_primary[(0, b"ttl:big")][0]), 101)
        self.assertReplicaReadOnly(replica, "RPUSH", "small", "x")


    def test_propagated_commands(self):
        """The exact stream a replica receives (read by a fake replica speaking PSYNC): pops
        with a count as sent, LMPOP as LPOP / RPOP with the number of elements it popped,
        commands that changed nothing not at all (LTRIM keeping everything included)."""
        primary = self.start()
        c = primary.client()
        c.rpush("l", *[b"%d" % i for i in range(10)])
        with FakeReplica(primary.port) as replica:
            writes = [
                (("LPOP", "l", "2"), [b"LPOP", b"l", b"2"]),
                (("LPOP", "l", "0"), None),
                (("LPOP", "nokey", "3"), None),
                (("RPOP", "l"), [b"RPOP", b"l"]),
                (("LMPOP", "2", "nokey", "l", "RIGHT", "COUNT", "2"), [b"RPOP", b"l", b"2"]),
                (("LMPOP", "1", "l", "LEFT"), [b"LPOP", b"l", b"1"]),
                (("LMPOP", "1", "nokey", "LEFT"), None),
                (("LPUSHX", "nokey", "x"), None),
                (("LINSERT", "l", "BEFORE", "zz", "x"), None),
                (("LINSERT", "l", "BEFORE", "5", "x"), [b"LINSERT", b"l", b"BEFORE", b"5",
                                                        b"x"]),
                (("LREM", "l", "0", "zz"), None),
                (("LREM", "l", "-1", "x"), [b"LREM", b"l", b"-1", b"x"]),
                (("LSET", "l", "-1", "last"), [b"LSET", b"l", b"-1", b"last"]),
                (("LMOVE", "l", "m", "LEFT", "RIGHT"), [b"LMOVE", b"l", b"m", b"LEFT",
                                                        b"RIGHT"]),
                (("RPOPLPUSH", "m", "m"), [b"RPOPLPUSH", b"m", b"m"]),
                (("LMOVE", "nokey", "m", "LEFT", "RIGHT"), None),
                # An LTRIM that removes nothing is not propagated (though it touches WATCH and
                # sends its event).
                (("LTRIM", "l", "0", "-1"), None),
                (("LTRIM", "l", "1", "-1"), [b"LTRIM", b"l", b"1", b"-1"]),
                (("LPOP", "l", "100"), [b"LPOP", b"l", b"100"]),  # more than there were
                (("RPUSH", "l", "a", "b"), [b"RPUSH", b"l", b"a", b"b"]),
                (("LMPOP", "1", "l", "LEFT", "COUNT", "100"), [b"LPOP", b"l", b"2"]),
            ]
            expected = []
            with primary.raw() as w:
                for args, propagated in writes:
                    w.command(*args)
                    if propagated is not None:
                        expected.append(propagated)
                w.command("SET", "end", "marker")
            expected.append([b"SET", b"end", b"marker"])
            got = replica.commands_until([b"SET", b"end", b"marker"])
        self.assertEqual(got, expected)
        c.close()


class FakeReplica:
    """A raw connection that asks for a full sync (PSYNC ? -1), skips the RDB payload and then
    reads the replication stream's commands."""

    def __init__(self, port):
        self.conn = lib.RawConnection(port, timeout=lib.IO_TIMEOUT)
        self.conn.send(lib.encode_command("PSYNC", "?", "-1"))
        line = self.conn.read_line()
        while line == b"":  # keepalive newlines before the reply
            line = self.conn.read_line()
        assert line.startswith(b"+FULLRESYNC"), line
        line = self.conn.read_line()
        while line == b"":
            line = self.conn.read_line()
        assert line.startswith(b"$"), line
        if line.startswith(b"$EOF:"):  # diskless: ends with the same 40 bytes
            mark, data = line[5:], b""
            while not data.endswith(mark):
                data += self.conn.read_exact(1)
        else:
            self.conn.read_exact(int(line[1:]))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.close()

    def commands_until(self, last):
        """The commands received up to and including `last`, without SELECT, PING and
        REPLCONF; the names upper-cased."""
        out = []
        while True:
            reply = self.conn.read_reply()
            cmd = upper_names(parse_commands(reply))[0]
            if cmd[0] in (b"SELECT", b"PING", b"REPLCONF"):
                continue
            out.append(cmd)
            if cmd == last:
                return out


if __name__ == "__main__":
    lib.main()
