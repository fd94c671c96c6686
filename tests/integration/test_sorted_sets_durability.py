"""Sorted sets across SAVE + restart and BGREWRITEAOF + restart (with and without RDB preamble,
blocking pops logged as ZPOPMIN / ZPOPMAX), dump.rdb and DUMP payloads moved between basalt and
Redis, with the encoding a load picks (a small skiplist comes back as a listpack, and -0 as 0).
The sorted-set commands themselves are in test_sorted_sets.py; what the sorted-set test files
share is in zset_case.py.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which takes
basalt's command line (`python3 test_sorted_sets_durability.py --basalt /usr/bin/redis-server`); run
it that way again after changing an expectation.
"""

import os
import shutil
import subprocess
import tempfile

import basalt_testlib as lib
from basalt_testlib import aof_files, parse_commands, wait_rewrites_done
from command_case import RestartTestCase, bulks


def fill_zsets(client):
    """Sorted sets of both encodings, with and without a TTL, in two databases; returns
    {(db, key): (RESP2 ZRANGE ... WITHSCORES bytes after a load, has_ttl, encoding after a load)}.
    A small skiplist loads as a listpack (Redis re-picks the encoding by the contents), so its
    -0 comes back as 0."""
    client.execute_command("SELECT", 0)
    expected = {}
    small = ["0.1", "a", "-inf", "b", "inf", "c", "1e17", "d", "-2.5", "e", "3", b"bin\x00\r\n"]
    client.execute_command("ZADD", "small", *small)
    expected[(0, b"small")] = (None, False, b"listpack")
    big = []
    for i in range(500):
        big += [str(i * 0.25 - 10), f"member:{i}"]
    client.execute_command("ZADD", "big", *big)
    expected[(0, b"big")] = (None, False, b"skiplist")
    client.execute_command("ZADD", "wide", "1", "L" * 100, "2", "x", "-0", "negzero")
    expected[(0, b"wide")] = (None, False, b"skiplist")
    client.execute_command("ZADD", "shrunk", "1", "L" * 100, "-0", "negzero", "0.5", "y")
    client.execute_command("ZREM", "shrunk", "L" * 100)
    expected[(0, b"shrunk")] = (None, False, b"listpack")
    client.execute_command("ZADD", "lex", *[a for w in ("a", "b", "c", "") for a in ("0", w)])
    expected[(0, b"lex")] = (None, False, b"listpack")
    client.execute_command("ZADD", "ttl", "1", "a")
    client.execute_command("EXPIRE", "ttl", "5000")
    expected[(0, b"ttl")] = (None, True, b"listpack")
    client.execute_command("SELECT", 5)
    client.execute_command("ZADD", "z5", "7", "seven")
    client.set("string", "still a string")
    client.execute_command("SELECT", 0)
    expected[(5, b"z5")] = (None, False, b"listpack")
    return expected


def read_zsets(port, keys):
    """{(db, key): (ZRANGE 0 -1 WITHSCORES raw RESP2 bytes, has_ttl, encoding)}."""
    out = {}
    for db, key in keys:
        with lib.RawConnection(port) as c:
            c.command("SELECT", db)
            content = c.command("ZRANGE", key, "0", "-1", "WITHSCORES")
            ttl = c.command("PTTL", key)
            encoding = c.command("OBJECT", "ENCODING", key).split(b"\r\n")[1]
        out[(db, key)] = (content, int(ttl[1:-2]) > 0, encoding)
    return out


def after_load(contents):
    """What a key's ZRANGE WITHSCORES gives after a load: -0 turns 0 where the set loads as a
    listpack (all but the big and wide keys here)."""
    out = {}
    for key, (content, ttl, encoding) in contents.items():
        if encoding == b"skiplist" and key[1] not in (b"big", b"wide"):
            encoding = b"listpack"
        if encoding == b"listpack":
            content = content.replace(b"$2\r\n-0\r\n", b"$1\r\n0\r\n")
        out[key] = (content, ttl, encoding)
    return out


class ZsetPersistenceTest(RestartTestCase):
    workdir_prefix = "basalt-it-zsets-"

    def check_back(self, server, expected, loose_zero=()):
        """loose_zero: keys whose -0 scores may have come back as 0."""
        def loosen(contents):
            return {k: (v[0].replace(b"$2\r\n-0\r\n", b"$1\r\n0\r\n"),) + v[1:]
                    if k in loose_zero else v for k, v in contents.items()}
        self.assertEqual(loosen(read_zsets(server.port, expected)), loosen(expected))
        c = server.client(db=5)
        self.assertEqual(c.get("string"), b"still a string")
        c.close()

    def test_save_and_restart(self):
        server = self.start()
        c = server.client()
        keys = fill_zsets(c)
        before = read_zsets(server.port, keys)
        self.assertEqual(before[(0, b"shrunk")][2], b"skiplist")  # until a load
        self.assertIn(b"$2\r\n-0\r\n", before[(0, b"shrunk")][0])
        self.assertTrue(c.save())
        c.close()
        server.stop_and_check()
        server = self.start()
        expected = after_load(before)
        self.assertEqual({k: v[2] for k, v in expected.items()},
                         {k: v[2] for k, v in keys.items()})
        self.assertIn(b"$2\r\n-0\r\n", expected[(0, b"wide")][0])  # a skiplist keeps -0
        self.check_back(server, expected)
        server.stop_and_check()

    def check_bgrewriteaof(self, preamble):
        args = ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble]
        server = self.start(args)
        c = server.client()
        wait_rewrites_done(c)
        keys = fill_zsets(c)
        before = read_zsets(server.port, keys)
        rewrites = c.info("persistence")["aof_rewrites"]
        self.assertTrue(c.bgrewriteaof())
        lib.wait_until(lambda: c.info("persistence")["aof_rewrites"] > rewrites,
                       what="the AOF rewrite")
        wait_rewrites_done(c)
        # Loaded from ZADD commands (no preamble), whether "wide" keeps its -0 depends on the
        # member its first ZADD names (test_new_key_encoding_follows_the_first_member), and
        # Redis rewrites a skiplist in its hash table's order, different in every run.
        if preamble == "no":
            base = os.path.join(self.workdir, "appendonlydir", aof_files(self.workdir, "b")[-1])
            with open(base, "rb") as f:
                commands = parse_commands(f.read())
            zadds = [cmd for cmd in commands if cmd[0].upper() == b"ZADD"]
            self.assertTrue(zadds)
            # At most 64 pairs per ZADD (Redis's AOF_REWRITE_ITEMS_PER_CMD).
            self.assertTrue(all(len(cmd) <= 2 + 2 * 64 for cmd in zadds))
            self.assertEqual(sum((len(cmd) - 2) // 2 for cmd in zadds if cmd[1] == b"big"), 500)
        c.zadd("after", {"k": 1.5})
        c.zincrby("small", 0.1, "a")
        c.close()
        server.stop_and_check()
        server = self.start(args)
        expected = after_load(before)
        expected[(0, b"small")] = (expected[(0, b"small")][0].replace(
            b"$1\r\na\r\n$19\r\n0.10000000000000001",
            b"$1\r\na\r\n$19\r\n0.20000000000000001"), False,
            b"listpack")
        self.check_back(server, expected,
                        loose_zero=[(0, b"wide")] if preamble == "no" else [])
        c = server.client()
        self.assertEqual(c.zscore("after", "k"), 1.5)
        self.assertEqual(c.zscore("small", "a"), 0.2)
        c.close()
        server.stop_and_check()

    def test_bgrewriteaof_without_rdb_preamble(self):
        self.check_bgrewriteaof("no")

    def test_bgrewriteaof_with_rdb_preamble(self):
        self.check_bgrewriteaof("yes")

    def test_dump_rdb_moves_to_redis_and_back(self):
        """basalt's dump.rdb with sorted sets of both encodings passes redis-check-rdb and loads
        into redis-server 7.0.15 with the same members, scores, TTLs and encodings; the file
        Redis then saves loads back into basalt the same."""
        server = self.start()
        c = server.client()
        keys = fill_zsets(c)
        expected = after_load(read_zsets(server.port, keys))
        self.assertTrue(c.save())
        c.close()
        server.stop_and_check()
        rdb = os.path.join(self.workdir, "dump.rdb")
        check = subprocess.run([shutil.which("redis-check-rdb") or "/usr/bin/redis-check-rdb",
                                rdb], capture_output=True, text=True, timeout=lib.START_TIMEOUT)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn("RDB looks OK", check.stdout + check.stderr)
        redis_dir = tempfile.mkdtemp(prefix="basalt-it-zsets-redis-")
        self.addCleanup(shutil.rmtree, redis_dir, True)
        shutil.move(rdb, redis_dir)
        with lib.RedisProcess(redis_dir) as real:
            self.check_back(real, expected)
            real.client().save()
        shutil.copy(os.path.join(redis_dir, "dump.rdb"), self.workdir)
        server = self.start()
        self.check_back(server, expected)
        server.stop_and_check()

    def test_dump_payloads_move_both_ways(self):
        """DUMP payloads of both encodings RESTORE from basalt into Redis and from Redis into
        basalt, with the encoding a load picks."""
        server = self.start()
        c = server.client()
        keys = [key for db, key in fill_zsets(c) if db == 0]
        redis_dir = tempfile.mkdtemp(prefix="basalt-it-zsets-redis-")
        self.addCleanup(shutil.rmtree, redis_dir, True)
        with lib.RedisProcess(redis_dir) as real:
            r = real.client()
            for key in keys:
                r.restore(key, 0, c.dump(key))
            for key in keys:
                c.restore(b"back:" + key, 0, r.dump(key))
            for key in keys:
                want = c.zrange(key, 0, -1, withscores=True)
                self.assertEqual(r.zrange(key, 0, -1, withscores=True), want, key)
                self.assertEqual(c.zrange(b"back:" + key, 0, -1, withscores=True), want, key)
                self.assertEqual(c.object("encoding", b"back:" + key),
                                 r.object("encoding", key), key)
            r.close()
        c.close()
        server.stop_and_check()

    def test_blocking_pops_are_propagated_as_zpop(self):
        """What a woken or immediate blocking pop writes to the AOF: BZPOPMIN -> ZPOPMIN key,
        BZMPOP -> ZPOPMIN key <number popped>, ZMPOP likewise; ZINCRBY as it was sent."""
        server = self.start(["--appendonly", "yes", "--appendfsync", "always"])
        c = server.client()
        wait_rewrites_done(c)
        c.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
        b = server.raw()
        self.assertEqual(b.command("BZPOPMIN", "z", "0"), bulks("z", "a", "1"))
        self.assertEqual(b.command("BZPOPMAX", "z", "0"), bulks("z", "e", "5"))
        self.assertEqual(b.command("BZMPOP", "0", "1", "z", "MIN", "COUNT", "2"),
                         b"*2\r\n$1\r\nz\r\n*2\r\n" + bulks("b", "2") + bulks("c", "3"))
        self.assertEqual(b.command("ZMPOP", "1", "z", "MAX"),
                         b"*2\r\n$1\r\nz\r\n*1\r\n" + bulks("d", "4"))
        b.send(lib.encode_command("BZMPOP", "0", "1", "q", "MIN", "COUNT", "5"))
        lib.wait_until(lambda: c.info("clients")["blocked_clients"] == 1, what="BZMPOP blocks")
        c.zadd("q", {"x": 1, "y": 2})
        self.assertEqual(b.read_reply(), b"*2\r\n$1\r\nq\r\n*2\r\n" + bulks("x", "1") +
                         bulks("y", "2"))
        b.send(lib.encode_command("BZPOPMAX", "w", "0"))
        lib.wait_until(lambda: c.info("clients")["blocked_clients"] == 1, what="BZPOPMAX blocks")
        c.zadd("w", {"x": 1, "y": 2})
        self.assertEqual(b.read_reply(), bulks("w", "y", "2"))
        c.zincrby("w", 0.1, "x")
        c.zpopmin("w", 0)  # pops nothing: not written
        c.zremrangebyscore("w", 100, 200)  # removes nothing: not written
        b.close()
        c.close()
        incr = os.path.join(self.workdir, "appendonlydir", aof_files(self.workdir, "i")[-1])
        with open(incr, "rb") as f:
            logged = [[a.upper() if i == 0 else a for i, a in enumerate(cmd)]
                      for cmd in parse_commands(f.read())]
        logged = [cmd for cmd in logged if cmd[0] != b"SELECT"]
        self.assertEqual(logged, [
            [b"ZADD", b"z", b"1", b"a", b"2", b"b", b"3", b"c", b"4", b"d", b"5", b"e"],
            [b"ZPOPMIN", b"z"], [b"ZPOPMAX", b"z"], [b"ZPOPMIN", b"z", b"2"],
            [b"ZPOPMAX", b"z", b"1"],
            [b"ZADD", b"q", b"1", b"x", b"2", b"y"], [b"ZPOPMIN", b"q", b"2"],
            [b"ZADD", b"w", b"1", b"x", b"2", b"y"], [b"ZPOPMAX", b"w"],
            [b"ZINCRBY", b"w", b"0.1", b"x"],
        ])
        server.stop_and_check()
        server = self.start(["--appendonly", "yes"])
        c = server.client()
        self.assertEqual(c.zrange("w", 0, -1, withscores=True), [(b"x", 1.1)])
        self.assertEqual(c.exists("z", "q"), 0)
        c.close()
        server.stop_and_check()


if __name__ == "__main__":
    lib.main()
