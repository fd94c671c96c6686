"""Sorted sets beyond the commands themselves (those are in test_sorted_sets.py): ZSCAN, the
listpack -> skiplist conversion (zset-max-listpack-entries / -value, also via CONFIG SET, and
the encoding the *STORE commands pick), sorted sets under the key commands, keyspace events,
RESP3 replies and big sorted sets, end to end with redis-py and raw RESP2 / RESP3 connections.
What the sorted-set test files share is in zset_case.py; score formatting as Redis 7.0 does it
is described in test_sorted_sets.py.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which takes
basalt's command line (`python3 test_sorted_sets_keys.py --basalt /usr/bin/redis-server`); run it
that way again after changing an expectation.
"""

import basalt_testlib as lib
from command_case import EMPTY, bulk, bulks, error, integer
from zset_case import DEFAULT_ENTRIES, DEFAULT_VALUE, SYNTAX, WRONGTYPE, ZsetTestCase, double


class ZscanTest(ZsetTestCase):
    def test_listpack_comes_whole(self):
        data = {f"m{i}".encode(): float(i) for i in range(50)}
        self.r.zadd("z", data)
        for extra in ((), ("COUNT", "1"), ("COUNT", "5")):
            reply = self.cmd("ZSCAN", "z", "0", *extra)
            self.assertTrue(reply.startswith(b"*2\r\n$1\r\n0\r\n*100\r\n"), (extra, reply[:30]))
        # In score order, as the listpack holds them.
        cursor, items = self.r.zscan("z", 0, count=1)
        self.assertEqual([m for m, _ in items], [f"m{i}".encode() for i in range(50)])
        self.assertEqual(self.r.zscan("z", 0, match="m1*"),
                         (0, [(m, s) for m, s in data.items() if m.startswith(b"m1")]))
        self.assertReply(("ZSCAN", "nokey", "0"), b"*2\r\n$1\r\n0\r\n*0\r\n")
        # On a listpack any cursor (strtoul: "" is 0) gives everything and cursor 0.
        whole = self.cmd("ZSCAN", "z", "0")
        for cursor in ("5", "", "+0", "123456789"):
            self.assertReply(("ZSCAN", "z", cursor), whole, cursor)
        self.assertReply(("ZSCAN", "z", "abc"), error("ERR invalid cursor"))
        self.assertReply(("ZSCAN", "z", "0", "COUNT", "0"), error(SYNTAX))
        self.assertReply(("ZSCAN", "z", "0", "FOO"), error(SYNTAX))
        self.r.set("s", "v")
        self.assertReply(("ZSCAN", "s", "0"), error(WRONGTYPE))

    def test_skiplist_in_steps(self):
        data = {f"member:{i}".encode(): float(i) for i in range(1000)}
        self.r.zadd("big", data)
        self.assertEqual(self.encoding("big"), b"skiplist")
        seen, calls, cursor = {}, 0, 0
        while True:
            cursor, items = self.r.zscan("big", cursor, count=10)
            calls += 1
            seen.update(items)
            if cursor == 0:
                break
            self.assertLess(calls, 2000)
        self.assertEqual(seen, data)
        self.assertGreater(calls, 10)
        matched = dict(self.r.zscan_iter("big", match="member:1*", count=50))
        self.assertEqual(matched, {m: s for m, s in data.items() if m.startswith(b"member:1")})


class EncodingTest(ZsetTestCase):
    def tearDown(self):
        self.r.config_set("zset-max-listpack-entries", DEFAULT_ENTRIES)
        self.r.config_set("zset-max-listpack-value", DEFAULT_VALUE)
        super().tearDown()

    def test_defaults(self):
        self.assertEqual(self.r.config_get("zset-max-listpack-entries"),
                         {"zset-max-listpack-entries": "128"})
        self.assertEqual(self.r.config_get("zset-max-listpack-value"),
                         {"zset-max-listpack-value": "64"})
        self.assertEqual(self.r.config_get("zset-max-ziplist-entries"),
                         {"zset-max-ziplist-entries": "128"})

    def test_entries_threshold(self):
        self.r.zadd("z", {f"m{i}": i for i in range(128)})
        self.assertEqual(self.encoding("z"), b"listpack")
        self.r.zadd("z", {"m0": 5})  # an update adds nothing
        self.assertEqual(self.encoding("z"), b"listpack")
        self.r.zadd("z", {"new": 0})
        self.assertEqual(self.encoding("z"), b"skiplist")
        self.r.zremrangebyrank("z", 0, -3)
        self.assertEqual(self.r.zcard("z"), 2)
        self.assertEqual(self.encoding("z"), b"skiplist")  # never back on removal
        for i, args in enumerate((("ZINCRBY", "1", "m128"), ("ZADD", "INCR", "1", "m128"),
                                  ("ZADD", "GT", "1", "m128"))):
            key = f"z{i}"
            self.r.zadd(key, {f"m{j}": j for j in range(128)})
            self.r.execute_command(args[0], key, *args[1:])
            self.assertEqual(self.encoding(key), b"skiplist", args)

    def test_no_size_hint_in_7_0(self):
        """ZADD of 129 pairs of one member makes a listpack of one member: Redis 7.0 converts
        by what the set holds, not by how many pairs a ZADD names."""
        self.zadd("same", *(["1", "m"] * 129))
        self.assertEqual((self.encoding("same"), self.r.zcard("same")), (b"listpack", 1))
        self.zadd("ex", 1, "a")
        self.zadd("ex", *(["1", "m"] * 200))
        self.assertEqual(self.encoding("ex"), b"listpack")
        self.zadd("many", *[a for i in range(129) for a in (i, f"m{i}")])
        self.assertEqual(self.encoding("many"), b"skiplist")

    def test_value_threshold(self):
        self.zadd("v64", 1, "x" * 64)
        self.assertEqual(self.encoding("v64"), b"listpack")
        self.zadd("v65", 1, "x" * 65)
        self.assertEqual(self.encoding("v65"), b"skiplist")
        self.zadd("mix", 1, "a")
        self.r.zincrby("mix", 1, "y" * 65)
        self.assertEqual(self.encoding("mix"), b"skiplist")
        self.r.zrem("mix", "y" * 65)
        self.assertEqual(self.encoding("mix"), b"skiplist")

    def test_store_commands_pick_the_encoding_that_fits(self):
        self.skiplist("sk", 1, "a", 2, "b")
        for args in (("ZUNIONSTORE", "d", "1", "sk"), ("ZINTERSTORE", "d", "1", "sk"),
                     ("ZDIFFSTORE", "d", "1", "sk"), ("ZRANGESTORE", "d", "sk", "0", "-1")):
            self.assertEqual(self.r.execute_command(*args), 2)
            self.assertEqual(self.encoding("d"), b"listpack", args)
        self.zadd("lm", 1, "y" * 65, 2, "b")
        self.assertEqual(self.r.execute_command("ZUNIONSTORE", "d", "1", "lm"), 2)
        self.assertEqual(self.encoding("d"), b"skiplist")
        self.r.execute_command("ZRANGESTORE", "d", "lm", "1", "1")
        self.assertEqual(self.encoding("d"), b"listpack")
        self.r.execute_command("ZRANGESTORE", "d", "lm", "0", "0")
        self.assertEqual(self.encoding("d"), b"skiplist")
        self.r.zadd("big", {f"m{i}": i for i in range(200)})
        self.assertEqual(self.r.execute_command("ZINTERSTORE", "d", "2", "big", "big"), 200)
        self.assertEqual(self.encoding("d"), b"skiplist")
        # COPY keeps the encoding; DUMP + RESTORE re-picks it by the contents.
        self.assertTrue(self.r.copy("sk", "cp"))
        self.assertEqual(self.encoding("cp"), b"skiplist")
        self.assertTrue(self.r.restore("rs", 0, self.r.dump("sk")))
        self.assertEqual(self.encoding("rs"), b"listpack")
        self.assertEqual(self.r.zrange("rs", 0, -1, withscores=True), [(b"a", 1.0), (b"b", 2.0)])

    def test_config_set(self):
        self.r.config_set("zset-max-listpack-entries", 2)
        self.zadd("z", 1, "a", 2, "b")
        self.assertEqual(self.encoding("z"), b"listpack")
        self.zadd("z", 3, "c")
        self.assertEqual(self.encoding("z"), b"skiplist")
        self.r.config_set("zset-max-listpack-entries", 0)
        self.zadd("zero", 1, "a")
        self.assertEqual(self.encoding("zero"), b"skiplist")
        self.r.config_set("zset-max-listpack-entries", DEFAULT_ENTRIES)
        self.r.config_set("zset-max-ziplist-value", 5)  # the alias
        self.zadd("v", 1, "abcdef")
        self.assertEqual(self.encoding("v"), b"skiplist")


class KeyspaceTest(ZsetTestCase):
    def test_wrongtype(self):
        self.zadd("z", 1, "a")
        self.r.set("s", "v")
        for args in (("GET", "z"), ("HGET", "z", "a"), ("SADD", "z", "a"), ("LPUSH", "z", "a")):
            self.assertReply(args, error(WRONGTYPE))
        for args in (("ZADD", "s", "1", "a"), ("ZINCRBY", "s", "1", "a"), ("ZREM", "s", "a"),
                     ("ZCARD", "s"), ("ZSCORE", "s", "a"), ("ZMSCORE", "s", "a"),
                     ("ZRANK", "s", "a"), ("ZREVRANK", "s", "a"), ("ZCOUNT", "s", "0", "1"),
                     ("ZLEXCOUNT", "s", "-", "+"), ("ZRANGE", "s", "0", "1"),
                     ("ZRANGEBYSCORE", "s", "0", "1"), ("ZRANGEBYLEX", "s", "-", "+"),
                     ("ZREVRANGE", "s", "0", "1"), ("ZREMRANGEBYRANK", "s", "0", "1"),
                     ("ZREMRANGEBYSCORE", "s", "0", "1"), ("ZREMRANGEBYLEX", "s", "-", "+"),
                     ("ZPOPMIN", "s"), ("ZPOPMAX", "s"), ("ZRANDMEMBER", "s"),
                     ("ZSCAN", "s", "0"), ("BZPOPMIN", "s", "0"), ("BZMPOP", "0", "1", "s", "MIN")):
            self.assertReply(args, error(WRONGTYPE))
        self.assertEqual(self.r.type("z"), b"zset")

    def test_key_commands(self):
        self.zadd("z", 1, "a", 2, "b")
        self.r.expire("z", 1000)
        self.assertTrue(self.r.rename("z", "z2"))
        self.assertTrue(0 < self.r.ttl("z2") <= 1000)
        self.assertTrue(self.r.copy("z2", "c"))
        self.r.zadd("c", {"a": 100})
        self.assertEqual(self.r.zscore("z2", "a"), 1.0)  # a deep copy
        self.assertTrue(self.r.move("z2", 2))
        c2 = self.server.client(db=2)
        self.assertEqual(c2.zrange("z2", 0, -1, withscores=True), [(b"a", 1.0), (b"b", 2.0)])
        self.assertTrue(0 < c2.ttl("z2") <= 1000)
        c2.close()
        for key, pairs in (("lp", ["0.1", "a", "-inf", "b", "1e100", "c"]),
                           ("sk", ["0.1", "a", "-inf", "b", "1e100", "c", "-0", "d"])):
            if key == "sk":
                self.skiplist(key, *pairs)
            else:
                self.zadd(key, *pairs)
            before = self.cmd("ZRANGE", key, "0", "-1", "WITHSCORES").replace(b"$2\r\n-0",
                                                                             b"$1\r\n0")
            payload = self.r.dump(key)
            self.assertTrue(self.r.restore(key + ":r", 0, payload))
            self.assertEqual(self.cmd("ZRANGE", key + ":r", "0", "-1", "WITHSCORES"), before)
            self.assertTrue(self.r.restore(key, 5000, payload, replace=True))
            self.assertTrue(0 < self.r.pttl(key) <= 5000)
        # RESTORE loads a small skiplist as a listpack, where -0 becomes 0.
        self.assertEqual(self.encoding("sk:r"), b"listpack")

    def test_transaction(self):
        pipe = self.r.pipeline(transaction=True)
        pipe.zadd("z", {"a": 1}).zincrby("z", 2, "a").zscore("z", "a").zrange("z", 0, -1)
        self.assertEqual(pipe.execute(), [1, 3.0, 3.0, [b"a"]])


class KeyspaceEventsTest(lib.KeyEventsMixin, ZsetTestCase):
    def test_events(self):
        cases = [
            (("ZADD", "z", "1", "a", "2", "b", "3", "c"), [(b"zadd", b"z")]),
            (("ZADD", "z", "1", "a"), []),  # nothing changed: no event
            (("ZADD", "z", "NX", "1", "a"), []),
            (("ZADD", "z", "XX", "5", "nope"), []),
            (("ZADD", "z", "CH", "9", "a"), [(b"zadd", b"z")]),
            (("ZADD", "z", "INCR", "1", "a"), [(b"zincr", b"z")]),
            (("ZADD", "z", "NX", "INCR", "1", "a"), []),
            (("ZINCRBY", "z", "1", "b"), [(b"zincr", b"z")]),
            (("ZINCRBY", "z", "abc", "b"), []),
            (("ZREM", "z", "nope"), []),
            (("ZREM", "z", "a"), [(b"zrem", b"z")]),
            (("ZREMRANGEBYSCORE", "z", "100", "200"), []),
            (("ZADD", "z", "1", "a", "2", "b", "4", "d"), [(b"zadd", b"z")]),
            (("ZREMRANGEBYSCORE", "z", "4", "4"), [(b"zremrangebyscore", b"z")]),
            (("ZREMRANGEBYRANK", "z", "0", "0"), [(b"zremrangebyrank", b"z")]),
            (("ZREMRANGEBYLEX", "z", "[b", "[b"), [(b"zremrangebylex", b"z")]),
            (("ZREMRANGEBYLEX", "z", "-", "+"), [(b"zremrangebylex", b"z"), (b"del", b"z")]),
            (("ZADD", "z", "1", "a", "2", "b", "3", "c"), [(b"zadd", b"z")]),
            (("ZPOPMIN", "z"), [(b"zpopmin", b"z")]),
            (("ZPOPMAX", "z", "5"), [(b"zpopmax", b"z"), (b"del", b"z")]),
            (("ZPOPMIN", "z"), []),
            (("ZADD", "z", "1", "a", "2", "b", "3", "c"), [(b"zadd", b"z")]),
            (("ZMPOP", "1", "z", "MIN"), [(b"zpopmin", b"z")]),
            (("ZMPOP", "1", "z", "MAX", "COUNT", "5"), [(b"zpopmax", b"z"), (b"del", b"z")]),
            (("ZADD", "z", "1", "a", "2", "b", "3", "c"), [(b"zadd", b"z")]),
            (("ZUNIONSTORE", "u", "1", "z"), [(b"zunionstore", b"u")]),
            (("ZINTERSTORE", "i", "1", "z"), [(b"zinterstore", b"i")]),
            (("ZDIFFSTORE", "d", "1", "z"), [(b"zdiffstore", b"d")]),
            (("ZRANGESTORE", "r", "z", "0", "0"), [(b"zrangestore", b"r")]),
            (("ZUNIONSTORE", "u", "1", "nokey"), [(b"del", b"u")]),
            (("ZINTERSTORE", "i", "1", "nokey"), [(b"del", b"i")]),
            (("ZDIFFSTORE", "d", "1", "nokey"), [(b"del", b"d")]),
            (("ZRANGESTORE", "r", "z", "5", "6"), [(b"del", b"r")]),
            (("ZRANGESTORE", "r2", "z", "5", "6"), []),  # nothing there to delete
            (("BZPOPMIN", "z", "0"), [(b"zpopmin", b"z")]),
            (("BZPOPMAX", "z", "0"), [(b"zpopmax", b"z")]),
            (("BZMPOP", "0", "1", "z", "MIN", "COUNT", "2"), [(b"zpopmin", b"z"), (b"del", b"z")]),
            (("ZADD", "z", "1", "a"), [(b"zadd", b"z")]),
            (("ZSCORE", "z", "a"), []),
            (("ZRANGE", "z", "0", "-1"), []),
            (("DEL", "z"), [(b"del", b"z")]),
        ]
        for args, expected in cases:
            _, events = self.events(*args)
            self.assertEqual(events, expected, args)


class Resp3Test(ZsetTestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(self.cmd("HELLO", "3").startswith(b"%7\r\n"))

    def pair(self, member, score):
        return b"*2\r\n" + bulk(member) + double(score)

    def test_replies(self):
        self.zadd("z", "0.1", "a", 2, "b", "inf", "c")
        self.assertReply(("ZSCORE", "z", "a"), double("0.10000000000000001"))
        self.assertReply(("ZSCORE", "z", "c"), double("inf"))
        self.assertReply(("ZSCORE", "z", "nope"), b"_\r\n")
        self.assertReply(("ZMSCORE", "z", "b", "nope"), b"*2\r\n" + double("2") + b"_\r\n")
        self.assertReply(("ZINCRBY", "z", "1", "b"), double("3"))
        self.assertReply(("ZADD", "z", "INCR", "-1", "b"), double("2"))
        self.assertReply(("ZADD", "z", "NX", "INCR", "1", "b"), b"_\r\n")
        self.assertReply(("ZRANK", "z", "nope"), b"_\r\n")
        self.assertReply(("ZRANK", "z", "b"), integer(1))
        self.assertReply(("ZRANGE", "z", "0", "-1"), bulks("a", "b", "c"))
        self.assertReply(("ZRANGE", "z", "0", "1", "WITHSCORES"),
                         b"*2\r\n" + self.pair("a", "0.10000000000000001") + self.pair("b", "2"))
        self.assertReply(("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", "LIMIT", "2", "1"),
                         b"*1\r\n" + self.pair("c", "inf"))
        self.assertReply(("ZREVRANGE", "z", "0", "0", "WITHSCORES"),
                         b"*1\r\n" + self.pair("c", "inf"))
        self.assertReply(("ZUNION", "1", "z", "WITHSCORES"),
                         b"*3\r\n" + self.pair("a", "0.10000000000000001") + self.pair("b", "2") +
                         self.pair("c", "inf"))
        self.assertReply(("ZDIFF", "1", "z", "WITHSCORES"),
                         b"*3\r\n" + self.pair("a", "0.10000000000000001") + self.pair("b", "2") +
                         self.pair("c", "inf"))
        self.assertReply(("ZINTER", "1", "z"), bulks("a", "b", "c"))
        # ZSCAN: bulk strings even in RESP3.
        self.assertReply(("ZSCAN", "z", "0"), b"*2\r\n$1\r\n0\r\n" + bulks(
            "a", "0.10000000000000001", "b", "2", "c", "inf"))
        # Pops: a single pop is a flat [member, score]; with a count, an array of pairs.
        self.assertReply(("ZPOPMIN", "z"), b"*2\r\n" + bulk("a") + double("0.10000000000000001"))
        self.assertReply(("ZPOPMIN", "nokey"), EMPTY)
        self.assertReply(("ZPOPMAX", "z", "1"), b"*1\r\n" + self.pair("c", "inf"))
        self.assertReply(("ZPOPMAX", "z", "0"), EMPTY)
        self.zadd("z", 1, "a")
        self.assertReply(("ZMPOP", "1", "z", "MIN", "COUNT", "2"),
                         b"*2\r\n$1\r\nz\r\n*2\r\n" + self.pair("a", "1") + self.pair("b", "2"))
        self.assertReply(("ZMPOP", "1", "z", "MIN"), b"_\r\n")
        self.zadd("one", "1.5", "m")
        self.assertReply(("ZRANDMEMBER", "one"), bulk("m"))
        self.assertReply(("ZRANDMEMBER", "nokey"), b"_\r\n")
        self.assertReply(("ZRANDMEMBER", "one", "1", "WITHSCORES"),
                         b"*1\r\n" + self.pair("m", "1.5"))
        self.assertReply(("ZRANDMEMBER", "one", "-2", "WITHSCORES"),
                         b"*2\r\n" + self.pair("m", "1.5") * 2)
        self.assertReply(("ZRANDMEMBER", "one", "-2"), bulks("m", "m"))
        self.assertReply(("BZPOPMIN", "one", "0"), b"*3\r\n" + bulk("one") + bulk("m") +
                         double("1.5"))
        self.zadd("one", "-0", "m")
        self.assertReply(("BZMPOP", "0", "1", "one", "MAX"),
                         b"*2\r\n$3\r\none\r\n*1\r\n" + self.pair("m", "0"))


class BigZsetTest(ZsetTestCase):
    def test_ten_thousand_members(self):
        n = 10000
        pipe = self.r.pipeline(transaction=False)
        for start in range(0, n, 1000):
            pipe.zadd("big", {f"m{i:05d}": i * 0.5 for i in range(start, start + 1000)})
        pipe.execute()
        self.assertEqual(self.r.zcard("big"), n)
        self.assertEqual(self.encoding("big"), b"skiplist")
        for i in (0, 1, 4999, 5000, 9998, 9999):
            member = f"m{i:05d}"
            self.assertEqual(self.r.zrank("big", member), i)
            self.assertEqual(self.r.zrevrank("big", member), n - 1 - i)
            self.assertEqual(self.r.zscore("big", member), i * 0.5)
        self.assertEqual(self.r.zrange("big", 5000, 5002),
                         [b"m05000", b"m05001", b"m05002"])
        self.assertEqual(self.r.zrange("big", -2, -1), [b"m09998", b"m09999"])
        self.assertEqual(self.r.zrevrange("big", 0, 1), [b"m09999", b"m09998"])
        self.assertEqual(self.r.zcount("big", 1000, "(2000"), 2000)
        self.assertEqual(self.r.zrangebyscore("big", "(2500", "+inf", start=10, num=2),
                         [b"m05011", b"m05012"])
        self.assertEqual(self.r.zrevrangebyscore("big", "+inf", "-inf", start=9998, num=5),
                         [b"m00001", b"m00000"])
        self.assertEqual(len(self.r.zrange("big", 0, -1)), n)
        self.assertEqual(self.r.zremrangebyrank("big", 0, 999), 1000)
        self.assertEqual(self.r.zrank("big", "m01000"), 0)
        self.assertEqual(self.r.zremrangebyscore("big", 4000, "+inf"), 2000)
        self.assertEqual(self.r.zcard("big"), 7000)
        self.assertEqual(self.r.zrange("big", -1, -1, withscores=True), [(b"m07999", 3999.5)])
        # Equal scores: lex order and lex ranges on a big set.
        self.r.zadd("lex", {f"w{i:05d}": 0 for i in range(n)})
        self.assertEqual(self.r.zlexcount("lex", "[w01000", "(w02000"), 1000)
        self.assertEqual(self.r.zrangebylex("lex", "(w09997", "+"), [b"w09998", b"w09999"])
        self.assertEqual(self.r.zrank("lex", "w07777"), 7777)
        self.assertEqual(self.r.zinterstore("both", ["lex", "big"]), 0)
        self.assertEqual(self.r.zunionstore("both", ["lex", "big"]), n + 7000)
        self.assertEqual(self.r.execute_command("ZINTERCARD", 2, "lex", "lex", "LIMIT", 10), 10)
        popped = self.r.zpopmax("big", 3)
        self.assertEqual(popped, [(b"m07999", 3999.5), (b"m07998", 3999.0),
                                  (b"m07997", 3998.5)])


if __name__ == "__main__":
    lib.main()
