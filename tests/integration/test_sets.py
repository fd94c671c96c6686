"""The set commands (SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SPOP SRANDMEMBER SMOVE SINTER
SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN) and OBJECT ENCODING of sets,
end to end with redis-py and raw RESP2 / RESP3 connections: exact replies and error strings,
the intset -> hashtable conversion (set-max-intset-entries, also via CONFIG SET), set keys
under the key commands (WRONGTYPE, *STORE over other types and TTLs), RESP3 reply types and
keyspace events. Concurrent clients, DUMP / RESTORE between Redis and basalt, and sets across
SAVE + restart, BGREWRITEAOF + restart (SPOP logged as SREM) and replication are in
test_sets_durability.py; what both files share is in set_case.py.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which
takes basalt's command line (`python3 test_sets.py --basalt /usr/bin/redis-server`); run it
that way again after changing an expectation. Redis 7.0 has no listpack sets (7.2 added them):
a set is an intset (integers only, at most set-max-intset-entries of them) or a hashtable.
"""

import redis

import basalt_testlib as lib
from command_case import arity_error, bulk, error
from set_case import (DEFAULT_INTSET_ENTRIES, NOT_INTEGER, NOT_POSITIVE, WRONGTYPE, SetTestCase,
                      array, parse_bulks)


class SetCommandsTest(SetTestCase):
    def test_sadd_counts_new_members(self):
        self.assertReply(("SADD", "s", "a", "b", "a"), b":2\r\n")  # a counted once
        self.assertReply(("SADD", "s", "a", "c"), b":1\r\n")
        self.assertReply(("SADD", "s", "a"), b":0\r\n")
        self.assertEqual(self.r.smembers("s"), {b"a", b"b", b"c"})
        self.assertEqual(self.r.type("s"), b"set")
        self.assertReply(("SADD", "s"), arity_error("sadd"))
        self.assertReply(("sAdD",), arity_error("sadd"))
        self.assertReply(("SADD", "e", ""), b":1\r\n")  # the empty string is a member
        self.assertEqual(self.r.smembers("e"), {b""})

    def test_srem(self):
        self.r.sadd("s", "a", "b", "c", "1")
        self.assertReply(("SREM", "s", "a", "a", "nope"), b":1\r\n")
        self.assertReply(("SREM", "s", "nope"), b":0\r\n")
        self.assertReply(("SREM", "nokey", "a"), b":0\r\n")
        self.assertReply(("SREM", "s"), arity_error("srem"))
        self.assertEqual(self.r.smembers("s"), {b"b", b"c", b"1"})
        self.assertReply(("SREM", "s", "b", "c", "1", "x"), b":3\r\n")
        self.assertEqual(self.r.exists("s"), 0)  # the last member removed: the key goes

    def test_scard_sismember_smismember(self):
        self.r.sadd("s", "a", "", "1", "-5")
        self.assertReply(("SCARD", "s"), b":4\r\n")
        self.assertReply(("SCARD", "nokey"), b":0\r\n")
        self.assertReply(("SISMEMBER", "s", "a"), b":1\r\n")
        self.assertReply(("SISMEMBER", "s", ""), b":1\r\n")
        self.assertReply(("SISMEMBER", "s", "b"), b":0\r\n")
        self.assertReply(("SISMEMBER", "nokey", "a"), b":0\r\n")
        self.assertReply(("SISMEMBER", "s", "-5"), b":1\r\n")
        self.assertReply(("SISMEMBER", "s", "01"), b":0\r\n")  # not the integer 1
        self.assertReply(("SMISMEMBER", "s", "a", "b", "a", "1"),
                         b"*4\r\n:1\r\n:0\r\n:1\r\n:1\r\n")
        self.assertReply(("SMISMEMBER", "nokey", "a", "b"), b"*2\r\n:0\r\n:0\r\n")
        for args, name in ((("SCARD",), "scard"), (("SCARD", "s", "x"), "scard"),
                           (("SISMEMBER", "s"), "sismember"),
                           (("SISMEMBER", "s", "a", "b"), "sismember"),
                           (("SMISMEMBER", "s"), "smismember"), (("SMEMBERS",), "smembers"),
                           (("SMEMBERS", "s", "x"), "smembers"), (("SPOP",), "spop"),
                           (("SRANDMEMBER",), "srandmember"), (("SMOVE", "s", "d"), "smove"),
                           (("SMOVE", "s", "d", "a", "b"), "smove"), (("SINTER",), "sinter"),
                           (("SUNION",), "sunion"), (("SDIFF",), "sdiff"),
                           (("SINTERSTORE", "d"), "sinterstore"),
                           (("SUNIONSTORE", "d"), "sunionstore"),
                           (("SDIFFSTORE", "d"), "sdiffstore"), (("SINTERCARD", "1"), "sintercard"),
                           (("SSCAN", "s"), "sscan")):
            self.assertReply(args, arity_error(name))

    def test_smembers(self):
        self.assertReply(("SMEMBERS", "nokey"), b"*0\r\n")
        self.r.sadd("i", "3", "-1", "2", "10")
        # An intset is sorted (in Redis; basalt must give the same order).
        self.assertReply(("SMEMBERS", "i"), array([b"-1", b"2", b"3", b"10"]))
        members = {b"a", b"", b"bin\x00\r\n\xff", bytes(range(256)), b"1", b"x" * 100}
        self.r.sadd("h", *members)
        self.assertUnordered(("SMEMBERS", "h"), members)

    def test_binary_members(self):
        members = {b"\x00", b"bin\x00\r\n\xff", b"", bytes(range(256)), b"\r\n"}
        self.r.sadd("bin\x00key", *members)
        self.assertEqual(self.r.smembers("bin\x00key"), members)
        for m in members:
            self.assertTrue(self.r.sismember("bin\x00key", m))
        self.assertEqual(self.r.srem("bin\x00key", b"\x00", b"\x00x"), 1)
        self.assertEqual(self.r.scard("bin\x00key"), 4)

    def test_smove(self):
        self.r.sadd("src", "a", "b", "1")
        self.r.sadd("dst", "c")
        self.assertReply(("SMOVE", "src", "dst", "a"), b":1\r\n")
        self.assertReply(("SMOVE", "src", "dst", "a"), b":0\r\n")  # no longer in src
        self.assertReply(("SMOVE", "nokey", "dst", "a"), b":0\r\n")
        self.assertEqual(self.r.smembers("src"), {b"b", b"1"})
        self.assertEqual(self.r.smembers("dst"), {b"a", b"c"})
        # Already in the destination: removed from the source, still counted as moved.
        self.r.sadd("src", "c")
        self.assertReply(("SMOVE", "src", "dst", "c"), b":1\r\n")
        self.assertEqual(self.r.smembers("src"), {b"b", b"1"})
        # Source and destination the same key: 1 when the member is there, nothing changes.
        self.assertReply(("SMOVE", "src", "src", "b"), b":1\r\n")
        self.assertReply(("SMOVE", "src", "src", "zz"), b":0\r\n")
        self.assertEqual(self.r.smembers("src"), {b"b", b"1"})
        # To a missing key: created, an intset for an integer member.
        self.assertReply(("SMOVE", "src", "new", "1"), b":1\r\n")
        self.assertEqual(self.encoding("new"), b"intset")
        self.assertReply(("SMOVE", "src", "new2", "b"), b":1\r\n")
        self.assertEqual(self.encoding("new2"), b"hashtable")
        self.assertEqual(self.r.exists("src"), 0)  # its last member moved: the key goes
        # The destination's TTL stays; the source's goes with the key.
        self.r.expire("new2", 1000)
        self.r.sadd("src", "q")
        self.r.smove("src", "new2", "q")
        self.assertTrue(0 < self.r.ttl("new2") <= 1000)

    def test_smove_wrongtype(self):
        self.r.sadd("s", "1", "2")
        self.r.set("str", "x")
        self.assertReply(("SMOVE", "s", "str", "1"), error(WRONGTYPE))
        self.assertReply(("SMOVE", "s", "str", "9"), error(WRONGTYPE))  # even when not a member
        self.assertReply(("SMOVE", "str", "s", "1"), error(WRONGTYPE))
        self.assertReply(("SMOVE", "nokey", "str", "1"), b":0\r\n")  # no source: 0 first
        self.assertEqual(self.r.smembers("s"), {b"1", b"2"})
        self.assertEqual(self.r.get("str"), b"x")

    def test_sinter_sunion_sdiff(self):
        self.r.sadd("a", "1", "2", "3", "x")
        self.r.sadd("b", "2", "3", "4")
        self.r.sadd("c", "3", "x", "5")
        self.assertUnordered(("SINTER", "a", "b"), [b"2", b"3"])
        self.assertUnordered(("SINTER", "a", "b", "c"), [b"3"])
        self.assertUnordered(("SINTER", "a"), [b"1", b"2", b"3", b"x"])
        self.assertReply(("SINTER", "a", "nokey"), b"*0\r\n")
        self.assertReply(("SINTER", "nokey", "a"), b"*0\r\n")
        self.assertUnordered(("SUNION", "a", "b", "c"), [b"1", b"2", b"3", b"4", b"5", b"x"])
        self.assertUnordered(("SUNION", "a", "nokey"), [b"1", b"2", b"3", b"x"])
        self.assertReply(("SUNION", "nokey"), b"*0\r\n")
        self.assertUnordered(("SDIFF", "a", "b"), [b"1", b"x"])
        self.assertUnordered(("SDIFF", "a", "b", "c"), [b"1"])
        self.assertUnordered(("SDIFF", "a", "nokey"), [b"1", b"2", b"3", b"x"])
        self.assertReply(("SDIFF", "nokey", "a"), b"*0\r\n")
        self.assertReply(("SDIFF", "a", "a"), b"*0\r\n")
        self.assertUnordered(("SINTER", "a", "a"), [b"1", b"2", b"3", b"x"])
        # Integer members compare as integers whatever the encoding on either side.
        self.r.sadd("ints", "1", "2", "3")
        self.r.sadd("strs", "1", "2", "three")
        self.assertUnordered(("SINTER", "ints", "strs"), [b"1", b"2"])
        self.assertUnordered(("SDIFF", "strs", "ints"), [b"three"])

    def test_set_ops_wrongtype(self):
        self.r.sadd("s", "1")
        self.r.set("str", "x")
        self.r.hset("h", "f", "v")
        for name in ("SINTER", "SUNION", "SDIFF"):
            for keys in (("s", "str"), ("str", "s"), ("nokey", "str"), ("s", "h"),
                         ("nokey", "s", "h")):
                self.assertReply((name,) + keys, error(WRONGTYPE))
        for name in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
            self.assertReply((name, "d", "s", "str"), error(WRONGTYPE))
            self.assertReply((name, "d", "nokey", "h"), error(WRONGTYPE))
            self.assertEqual(self.r.exists("d"), 0)
        self.assertReply(("SINTERCARD", "2", "nokey", "str"), error(WRONGTYPE))
        self.assertReply(("SINTERCARD", "2", "s", "h"), error(WRONGTYPE))

    def test_store_commands(self):
        self.r.sadd("a", "1", "2", "3")
        self.r.sadd("b", "2", "3", "4", "x")
        self.assertReply(("SINTERSTORE", "d", "a", "b"), b":2\r\n")
        self.assertEqual(self.r.smembers("d"), {b"2", b"3"})
        self.assertEqual(self.encoding("d"), b"intset")  # from a hashtable: rebuilt
        self.assertReply(("SUNIONSTORE", "d", "a", "b"), b":5\r\n")
        self.assertEqual(self.r.smembers("d"), {b"1", b"2", b"3", b"4", b"x"})
        self.assertEqual(self.encoding("d"), b"hashtable")
        self.assertReply(("SDIFFSTORE", "d", "b", "a"), b":2\r\n")
        self.assertEqual(self.r.smembers("d"), {b"4", b"x"})
        # The destination among the sources.
        self.assertReply(("SUNIONSTORE", "a", "a", "b"), b":5\r\n")
        self.assertEqual(self.r.smembers("a"), {b"1", b"2", b"3", b"4", b"x"})
        self.assertReply(("SDIFFSTORE", "a", "a", "d"), b":3\r\n")
        self.assertEqual(self.r.smembers("a"), {b"1", b"2", b"3"})
        # One source only: a copy.
        self.assertReply(("SINTERSTORE", "copy", "b"), b":4\r\n")
        self.assertEqual(self.r.smembers("copy"), self.r.smembers("b"))
        self.r.sadd("copy", "new")
        self.assertFalse(self.r.sismember("b", "new"))

    def test_store_over_other_types_and_ttls(self):
        self.r.sadd("src", "1", "2")
        self.r.set("str", "x")
        self.r.expire("str", 1000)
        self.assertReply(("SUNIONSTORE", "str", "src"), b":2\r\n")
        self.assertEqual(self.r.type("str"), b"set")
        self.assertEqual(self.r.ttl("str"), -1)  # a new key: the old TTL goes
        self.r.hset("h", "f", "v")
        self.assertReply(("SINTERSTORE", "h", "src"), b":2\r\n")
        self.assertEqual(self.r.type("h"), b"set")
        self.r.sadd("withttl", "9")
        self.r.expire("withttl", 1000)
        self.assertReply(("SDIFFSTORE", "withttl", "src"), b":2\r\n")
        self.assertEqual(self.r.ttl("withttl"), -1)
        self.assertEqual(self.r.smembers("withttl"), {b"1", b"2"})

    def test_store_of_an_empty_result_deletes_the_destination(self):
        self.r.sadd("a", "1")
        self.r.sadd("b", "2")
        for name, sources in (("SINTERSTORE", ("a", "b")), ("SDIFFSTORE", ("a", "a")),
                              ("SUNIONSTORE", ("nokey",)), ("SINTERSTORE", ("a", "nokey")),
                              ("SDIFFSTORE", ("nokey", "a"))):
            self.r.set("d", "a string")
            self.r.expire("d", 1000)
            self.assertReply((name, "d") + sources, b":0\r\n")
            self.assertEqual(self.r.exists("d"), 0, name)
            self.r.sadd("d2", "x")
            self.assertReply((name, "d2") + sources, b":0\r\n")
            self.assertEqual(self.r.exists("d2"), 0, name)
            self.assertReply((name, "nothing") + sources, b":0\r\n")
            self.assertEqual(self.r.exists("nothing"), 0, name)

    def test_sintercard(self):
        self.r.sadd("a", "1", "2", "3", "x", "y")
        self.r.sadd("b", "2", "3", "x", "z")
        self.assertReply(("SINTERCARD", "2", "a", "b"), b":3\r\n")
        self.assertReply(("SINTERCARD", "1", "a"), b":5\r\n")
        self.assertReply(("SINTERCARD", "2", "a", "nokey"), b":0\r\n")
        self.assertReply(("SINTERCARD", "1", "nokey"), b":0\r\n")
        for limit, expected in (("0", 3), ("1", 1), ("2", 2), ("3", 3), ("100", 3)):
            self.assertReply(("SINTERCARD", "2", "a", "b", "LIMIT", limit),
                             b":%d\r\n" % expected)
        self.assertReply(("SINTERCARD", "2", "a", "b", "limit", "1", "LIMIT", "0"), b":3\r\n")
        self.assertReply(("SINTERCARD", "2", "a", "b", "LIMIT", "9223372036854775807"), b":3\r\n")
        numkeys = error("ERR numkeys should be greater than 0")
        for n in ("0", "-1", "abc", "", "1.5", "9223372036854775808"):
            self.assertReply(("SINTERCARD", n, "a"), numkeys)
        too_many = error("ERR Number of keys can't be greater than number of args")
        self.assertReply(("SINTERCARD", "2", "a"), too_many)
        self.assertReply(("SINTERCARD", "5", "a", "b", "LIMIT", "1"), too_many)
        negative = error("ERR LIMIT can't be negative")
        for limit in ("-1", "abc", "1.5", "9223372036854775808"):
            self.assertReply(("SINTERCARD", "2", "a", "b", "LIMIT", limit), negative)
        syntax = error("ERR syntax error")
        self.assertReply(("SINTERCARD", "1", "a", "b"), syntax)  # b is an unknown option
        self.assertReply(("SINTERCARD", "2", "a", "b", "LIMIT"), syntax)
        self.assertReply(("SINTERCARD", "2", "a", "b", "FOO", "1"), syntax)
        self.assertReply(("SINTERCARD", "1", "a", "LIMIT", "1", "x"), syntax)


class SpopSrandmemberTest(SetTestCase):
    def test_missing_key_and_zero_count(self):
        self.assertReply(("SPOP", "nokey"), b"$-1\r\n")
        self.assertReply(("SPOP", "nokey", "3"), b"*0\r\n")
        self.assertReply(("SPOP", "nokey", "0"), b"*0\r\n")
        self.assertReply(("SRANDMEMBER", "nokey"), b"$-1\r\n")
        self.assertReply(("SRANDMEMBER", "nokey", "3"), b"*0\r\n")
        self.assertReply(("SRANDMEMBER", "nokey", "-3"), b"*0\r\n")
        self.r.sadd("s", "a", "b")
        self.assertReply(("SPOP", "s", "0"), b"*0\r\n")
        self.assertReply(("SRANDMEMBER", "s", "0"), b"*0\r\n")
        self.assertEqual(self.r.scard("s"), 2)

    def test_spop(self):
        members = {b"a", b"b", b"c", b"1", b"2"}
        self.r.sadd("s", *members)
        popped = self.r.spop("s")
        self.assertIn(popped, members)
        self.assertFalse(self.r.sismember("s", popped))
        many = self.r.spop("s", 2)
        self.assertEqual(len(many), 2)
        self.assertEqual(len(set(many)), 2)
        self.assertTrue(set(many) <= members - {popped})
        self.assertEqual(self.r.smembers("s"), members - {popped} - set(many))
        rest = self.r.spop("s", 10)  # more than there are: all of them, the key goes
        self.assertEqual(set(rest), members - {popped} - set(many))
        self.assertEqual(self.r.exists("s"), 0)
        self.r.sadd("one", "only")
        self.assertReply(("SPOP", "one"), bulk(b"only"))
        self.assertEqual(self.r.exists("one"), 0)
        self.r.sadd("i", "1", "2", "3")
        self.assertUnordered(("SPOP", "i", "3"), [b"1", b"2", b"3"])
        self.assertEqual(self.r.exists("i"), 0)
        self.r.sadd("i", "1", "2", "3")
        self.assertUnordered(("SPOP", "i", "9223372036854775807"), [b"1", b"2", b"3"])

    def test_spop_every_strategy(self):
        """Redis pops with three strategies by COUNT against the size; each must pop distinct
        members of the set and leave the rest."""
        for size, encoding in ((20, b"intset"), (300, b"intset"), (1000, b"hashtable"),
                               (100, b"hashtable")):
            for count in (1, size // 10, size // 2, size - size // 10, size - 1):
                members = {b"%d" % i for i in range(size)}
                if encoding == b"hashtable" and size <= 512:
                    members.add(b"str")
                self.r.delete("s")
                self.r.sadd("s", *members)
                self.assertEqual(self.encoding("s"), encoding)
                popped = self.r.spop("s", count)
                self.assertEqual(len(popped), count, (size, count))
                self.assertEqual(len(set(popped)), count)
                self.assertTrue(set(popped) <= members)
                self.assertEqual(self.r.smembers("s"), members - set(popped), (size, count))

    def test_spop_of_most_members_rebuilds_the_set(self):
        """When few members stay (remaining * 5 <= COUNT), Redis 7.0 builds a new set from the
        members that stay instead of removing the popped ones: a hashtable whose remaining
        members are all integers comes out an intset. Otherwise SPOP keeps the encoding."""
        def int_hashtable(key, n):
            self.r.sadd(key, *range(n), "a")
            self.r.srem(key, "a")
            self.assertEqual(self.encoding(key), b"hashtable")

        int_hashtable("s", 20)
        self.assertEqual(len(self.r.spop("s", 15)), 15)  # 5 stay: 25 > 15, popped one by one
        self.assertEqual(self.encoding("s"), b"hashtable")
        int_hashtable("t", 20)
        self.assertEqual(len(self.r.spop("t", 17)), 17)  # 3 stay: 15 <= 17, rebuilt
        self.assertEqual(self.r.scard("t"), 3)
        self.assertEqual(self.encoding("t"), b"intset")
        int_hashtable("u", 12)
        self.r.spop("u", 10)  # 2 stay: 10 <= 10, rebuilt
        self.assertEqual(self.encoding("u"), b"intset")
        self.r.sadd("big", *range(1000))  # a hashtable by its size
        popped = self.r.spop("big", 990)
        self.assertEqual(self.r.scard("big"), 10)
        self.assertEqual(self.encoding("big"), b"intset")
        self.assertEqual(self.r.smembers("big"), {b"%d" % i for i in range(1000)} - set(popped))
        # Mixed members: an intset exactly when the members that stay are integers.
        for _ in range(10):
            self.r.delete("m")
            self.r.sadd("m", *range(12), "a")
            self.r.spop("m", 12)
            (left,) = self.r.smembers("m")
            self.assertEqual(self.encoding("m"), b"hashtable" if left == b"a" else b"intset")
        # Strings only: a hashtable; an intset stays an intset.
        self.r.sadd("str", *[f"m{i}" for i in range(20)])
        self.r.spop("str", 19)
        self.assertEqual(self.encoding("str"), b"hashtable")
        self.r.sadd("ints", *range(20))
        self.r.spop("ints", 19)
        self.assertEqual(self.encoding("ints"), b"intset")

    def test_spop_errors(self):
        self.r.sadd("s", "a", "b")
        for count in ("-1", "-9223372036854775808", "abc", "1.5", "", "+1", " 1",
                      "9223372036854775808"):
            self.assertReply(("SPOP", "s", count), error(NOT_POSITIVE))
        self.assertReply(("SPOP", "nokey", "-1"), error(NOT_POSITIVE))
        self.assertReply(("SPOP", "s", "1", "2"), error("ERR syntax error"))
        self.assertReply(("SPOP", "s", "1", "COUNT"), error("ERR syntax error"))
        self.assertEqual(self.r.scard("s"), 2)
        self.r.set("str", "x")
        self.assertReply(("SPOP", "str"), error(WRONGTYPE))
        self.assertReply(("SPOP", "str", "1"), error(WRONGTYPE))
        self.assertReply(("SPOP", "str", "0"), error(WRONGTYPE))
        self.assertReply(("SPOP", "str", "-1"), error(NOT_POSITIVE))  # parsed before the type

    def test_srandmember(self):
        members = {b"a", b"b", b"c", b"1", b"2"}
        self.r.sadd("s", *members)
        self.assertIn(self.r.srandmember("s"), members)
        for count in (1, 2, 4):
            got = self.r.srandmember("s", count)
            self.assertEqual(len(got), count)
            self.assertEqual(len(set(got)), count)
            self.assertTrue(set(got) <= members)
        for count in (5, 6, 1000, 9223372036854775807):  # the whole set
            self.assertEqual(sorted(self.r.srandmember("s", count)), sorted(members))
        got = self.r.srandmember("s", -20)
        self.assertEqual(len(got), 20)
        self.assertTrue(set(got) <= members)
        seen = set()
        for _ in range(50):
            seen.update(self.r.srandmember("s", -10))
        self.assertEqual(seen, members)
        self.assertEqual(self.r.scard("s"), 5)  # nothing removed
        self.r.sadd("one", "7")
        self.assertReply(("SRANDMEMBER", "one", "-3"), array([b"7"] * 3))
        self.assertReply(("SRANDMEMBER", "one"), bulk(b"7"))
        for size in (100, 1000):  # an intset and a hashtable, counts around each strategy
            self.r.delete("big")
            data = {b"%d" % i for i in range(size)}
            self.r.sadd("big", *data)
            for count in (1, size // 4, size // 2, size - 1, size):
                got = self.r.srandmember("big", count)
                self.assertEqual(len(got), count)
                self.assertEqual(len(set(got)), count)
                self.assertTrue(set(got) <= data)
            got = self.r.srandmember("big", -(size * 2))
            self.assertEqual(len(got), size * 2)
            self.assertTrue(set(got) <= data)

    def test_srandmember_errors(self):
        self.r.sadd("s", "a", "b")
        for count in ("abc", "1.5", "", "+1", " 1", "-0", "9223372036854775808"):
            self.assertReply(("SRANDMEMBER", "s", count), error(NOT_INTEGER))
        self.assertReply(("SRANDMEMBER", "s", "-9223372036854775808"), error(
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807"))
        self.assertReply(("SRANDMEMBER", "s", "1", "2"), error("ERR syntax error"))
        self.assertReply(("SRANDMEMBER", "s", "1", "WITHVALUES"), error("ERR syntax error"))
        self.r.set("str", "x")
        self.assertReply(("SRANDMEMBER", "str"), error(WRONGTYPE))
        self.assertReply(("SRANDMEMBER", "str", "1"), error(WRONGTYPE))
        self.assertReply(("SRANDMEMBER", "str", "x"), error(NOT_INTEGER))  # before the type


class SscanTest(SetTestCase):
    def test_intset_comes_back_whole_with_cursor_0(self):
        data = {b"%d" % i for i in range(100)}
        self.r.sadd("s", *data)
        self.assertEqual(self.encoding("s"), b"intset")
        for count in (None, 1, 5, 1000):
            cursor, items = self.r.sscan("s", 0, count=count)
            self.assertEqual((cursor, sorted(items)), (0, sorted(data)), count)
        # The intset's order: sorted as integers.
        reply = self.cmd("SSCAN", "s", "0", "MATCH", "9*")
        self.assertEqual(reply, b"*2\r\n$1\r\n0\r\n" +
                         array([b"9"] + [b"%d" % i for i in range(90, 100)]))
        # Any cursor: an intset is scanned whole.
        self.assertEqual(self.r.sscan("s", 12345)[0], 0)
        self.assertEqual(self.r.sscan("s", 0, match="nomatch*"), (0, []))
        self.assertReply(("SSCAN", "nokey", "0"), b"*2\r\n$1\r\n0\r\n*0\r\n")

    def test_hashtable_scans_every_member_in_steps(self):
        data = {f"m:{i}".encode() for i in range(1000)}
        self.r.sadd("big", *data)
        self.assertEqual(self.encoding("big"), b"hashtable")
        seen, calls, cursor = set(), 0, 0
        while True:
            cursor, items = self.r.sscan("big", cursor, count=10)
            calls += 1
            self.assertTrue(set(items) <= data)
            seen.update(items)
            if cursor == 0:
                break
            self.assertLess(calls, 1000, "SSCAN does not end")
        self.assertEqual(seen, data)
        self.assertGreater(calls, 10)
        matched = set(self.r.sscan_iter("big", match="m:1*", count=50))
        self.assertEqual(matched, {m for m in data if m.startswith(b"m:1")})
        cursor, items = self.r.sscan("big", 0, count=5000)
        self.assertEqual((cursor, set(items)), (0, data))

    def test_argument_errors(self):
        self.r.sadd("s", "1")
        for cursor in ("abc", " 0", "0 ", "1.5", "18446744073709551616", "0x0", "--1"):
            self.assertReply(("SSCAN", "s", cursor), error("ERR invalid cursor"))
            self.assertReply(("SSCAN", "nokey", cursor), error("ERR invalid cursor"))
        syntax = error("ERR syntax error")
        for options in (("COUNT", "0"), ("COUNT", "-1"), ("COUNT",), ("MATCH",), ("NOVALUES",),
                        ("TYPE", "set"), ("FOO", "bar")):
            self.assertReply(("SSCAN", "s", "0") + options, syntax)
        self.assertReply(("SSCAN", "s", "0", "COUNT", "abc"), error(NOT_INTEGER))
        self.r.set("str", "v")
        self.assertReply(("SSCAN", "str", "0"), error(WRONGTYPE))
        self.assertReply(("SSCAN", "str", "0", "COUNT", "0"), error(WRONGTYPE))
        self.assertReply(("SSCAN", "nokey", "0", "FOO"), b"*2\r\n$1\r\n0\r\n*0\r\n")


    def test_cursor_forms_strtoul_accepts(self):
        """Redis parses the cursor with strtoul: "+0", "", "00", "-1" and 2^64-1 are valid;
        an intset is returned whole with cursor 0 whatever the cursor."""
        self.r.sadd("s", "9223372036854775807", "0")
        whole = b"*2\r\n$1\r\n0\r\n" + array([b"0", b"9223372036854775807"])
        for cursor in ("0", "+0", "", "00", "-1", "18446744073709551615", "12345"):
            self.assertReply(("SSCAN", "s", cursor), whole)


class EncodingTest(SetTestCase):
    def tearDown(self):
        self.r.config_set("set-max-intset-entries", DEFAULT_INTSET_ENTRIES)
        super().tearDown()

    def test_default_threshold(self):
        self.assertEqual(self.r.config_get("set-max-intset-entries"),
                         {"set-max-intset-entries": "512"})

    def test_integers_make_an_intset(self):
        self.r.sadd("s", "1", "-1", "0", "32767", "-32768", "2147483648",
                    "9223372036854775807", "-9223372036854775808")
        self.assertEqual(self.encoding("s"), b"intset")
        for member in ("007", "-0", "+5", " 1", "1 ", "1.5", "1e3", "0x10",
                       "9223372036854775808", "-9223372036854775809", "", "a"):
            self.r.delete("t")
            self.r.sadd("t", "1", member)
            self.assertEqual(self.encoding("t"), b"hashtable", member)
            self.assertEqual(self.r.smembers("t"), {b"1", member.encode()})
        # Not canonical: "007" and "7" are two members.
        self.r.sadd("u", "7", "007", "+7")
        self.assertEqual(self.r.scard("u"), 3)

    def test_conversions(self):
        self.r.sadd("s", *range(511))
        self.assertEqual(self.encoding("s"), b"intset")
        self.r.sadd("s", 511)  # 512 members
        self.assertEqual(self.encoding("s"), b"intset")
        self.r.sadd("s", 511)  # no new member
        self.assertEqual(self.encoding("s"), b"intset")
        self.r.sadd("s", 512)  # 513
        self.assertEqual(self.encoding("s"), b"hashtable")
        self.r.srem("s", *range(500))
        self.assertEqual(self.r.scard("s"), 13)
        self.assertEqual(self.encoding("s"), b"hashtable")  # never back to an intset
        self.r.sadd("big", *range(513))  # one SADD of 513
        self.assertEqual(self.encoding("big"), b"hashtable")
        self.r.sadd("str", *range(10))
        self.r.sadd("str", "x")
        self.assertEqual(self.encoding("str"), b"hashtable")
        self.r.srem("str", "x")
        self.assertEqual(self.encoding("str"), b"hashtable")
        self.assertEqual(self.r.smembers("str"), {b"%d" % i for i in range(10)})
        # SMOVE adding a 513th member or a string converts the destination.
        self.r.sadd("d", *range(512))
        self.r.sadd("src", 1000, "y")
        self.r.smove("src", "d", 1000)
        self.assertEqual(self.encoding("d"), b"hashtable")
        self.r.sadd("d2", 1)
        self.r.smove("src", "d2", "y")
        self.assertEqual(self.encoding("d2"), b"hashtable")
        # *STORE: the result's encoding follows its contents.
        self.r.sunionstore("u", "s")
        self.assertEqual(self.encoding("u"), b"intset")
        self.r.sadd("ints", *range(300))
        self.r.sadd("ints2", *range(300, 600))
        self.r.sunionstore("u2", "ints", "ints2")
        self.assertEqual(self.encoding("u2"), b"hashtable")
        self.r.sdiffstore("u3", "u2", "ints2")
        self.assertEqual(self.encoding("u3"), b"intset")

    def test_config_set_threshold(self):
        self.assertTrue(self.r.config_set("set-max-intset-entries", 4))
        self.r.sadd("s", 1, 2, 3, 4)
        self.assertEqual(self.encoding("s"), b"intset")
        self.r.sadd("s", 5)
        self.assertEqual(self.encoding("s"), b"hashtable")
        # Existing intsets stay until a write adds a member.
        self.r.config_set("set-max-intset-entries", DEFAULT_INTSET_ENTRIES)
        self.r.sadd("old", *range(10))
        self.r.config_set("set-max-intset-entries", 4)
        self.assertEqual(self.encoding("old"), b"intset")
        self.r.sadd("old", 0)  # not new: no conversion
        self.assertEqual(self.encoding("old"), b"intset")
        self.r.sadd("old", 100)
        self.assertEqual(self.encoding("old"), b"hashtable")
        self.assertTrue(self.r.config_set("set-max-intset-entries", 0))
        self.r.sadd("zero", 1)
        self.assertEqual(self.encoding("zero"), b"hashtable")  # converted at once

    def test_copy_rename_move_keep_the_encoding(self):
        self.r.sadd("small", 1, 2)
        self.r.sadd("wide", 1, "a")
        self.r.srem("wide", "a")
        self.assertTrue(self.r.copy("small", "small2"))
        self.assertTrue(self.r.copy("wide", "wide2"))
        self.assertEqual(self.encoding("small2"), b"intset")
        self.assertEqual(self.encoding("wide2"), b"hashtable")
        self.r.rename("wide2", "wide3")
        self.assertEqual(self.encoding("wide3"), b"hashtable")
        self.assertTrue(self.r.move("wide3", 1))
        c1 = self.server.client(db=1)
        self.assertEqual(c1.object("ENCODING", "wide3"), b"hashtable")
        self.assertEqual(c1.smembers("wide3"), {b"1"})
        c1.close()
        self.r.sadd("small2", 3)  # a deep copy
        self.assertEqual(self.r.smembers("small"), {b"1", b"2"})


class KeyspaceTest(SetTestCase):
    def test_wrongtype_both_ways(self):
        self.r.sadd("s", "a")
        self.r.set("str", "v")
        self.r.hset("h", "f", "v")
        for args in (("GET", "s"), ("APPEND", "s", "x"), ("INCR", "s"), ("GETDEL", "s"),
                     ("SET", "s", "v", "GET"), ("HSET", "s", "f", "v"), ("HGET", "s", "f"),
                     ("HGETALL", "s")):
            self.assertReply(args, error(WRONGTYPE))
        self.assertEqual(self.r.smembers("s"), {b"a"})
        for key in ("str", "h"):
            for args in (("SADD", key, "a"), ("SREM", key, "a"), ("SCARD", key),
                         ("SISMEMBER", key, "a"), ("SMISMEMBER", key, "a"), ("SMEMBERS", key),
                         ("SPOP", key), ("SRANDMEMBER", key), ("SINTER", key),
                         ("SUNION", key), ("SDIFF", key), ("SINTERCARD", "1", key),
                         ("SSCAN", key, "0")):
                self.assertReply(args, error(WRONGTYPE))
        self.assertEqual(self.r.get("str"), b"v")
        self.r.expire("s", 1000)
        self.assertTrue(self.r.set("s", "now a string"))
        self.assertEqual((self.r.type("s"), self.r.ttl("s")), (b"string", -1))

    def test_last_member_removed_deletes_the_key_and_its_ttl(self):
        for how in ("srem", "spop", "spop1", "smove"):
            self.r.sadd("s", "a", "b")
            self.r.expire("s", 1000)
            self.r.srem("s", "a")
            self.assertTrue(0 < self.r.ttl("s") <= 1000)
            if how == "srem":
                self.r.srem("s", "b")
            elif how == "spop":
                self.r.spop("s")
            elif how == "spop1":
                self.r.spop("s", 1)
            else:
                self.r.smove("s", "other", "b")
            self.assertEqual(self.r.exists("s"), 0, how)
            self.assertEqual(self.r.ttl("s"), -2)
            self.r.sadd("s", "c")
            self.assertEqual(self.r.ttl("s"), -1, how)
            self.r.delete("s")

    def test_set_with_a_ttl_expires_on_the_real_clock(self):
        self.r.sadd("s", "a")
        self.assertTrue(self.r.pexpire("s", 50))
        lib.wait_until(lambda: self.r.exists("s") == 0, what="the set to expire")
        self.assertEqual(self.r.smembers("s"), set())

    def test_transaction_of_set_commands(self):
        pipe = self.r.pipeline(transaction=True)
        pipe.sadd("s", 1, 2, 3).srem("s", 1).scard("s").smembers("s").set("str", "x")
        pipe.sadd("str", 1).spop("s", 10).exists("s")
        results = pipe.execute(raise_on_error=False)
        self.assertEqual(results[:5], [3, 1, 2, {b"2", b"3"}, True])
        self.assertIsInstance(results[5], redis.ResponseError)
        self.assertEqual(sorted(results[6]), [b"2", b"3"])
        self.assertEqual(results[7], 0)


class KeyspaceEventsTest(lib.KeyEventsMixin, SetTestCase):
    """The keyevent notifications of the set commands (class s, g for the DEL of an emptied
    set)."""

    def test_events(self):
        cases = [
            (("SADD", "s", "a", "b", "c", "d"), [(b"sadd", b"s")]),
            (("SADD", "s", "a"), []),  # nothing added
            (("SREM", "s", "zz"), []),
            (("SREM", "s", "a"), [(b"srem", b"s")]),
            (("SISMEMBER", "s", "b"), []),
            (("SRANDMEMBER", "s", "-2"), []),
            (("SSCAN", "s", "0"), []),
            (("SPOP", "s", "0"), []),
            (("SMOVE", "s", "t", "zz"), []),
            (("SMOVE", "s", "t", "b"), [(b"srem", b"s"), (b"sadd", b"t")]),
            (("SMOVE", "s", "s", "c"), []),
            (("SPOP", "s", "1"), [(b"spop", b"s")]),
            (("SADD", "u", "1", "2"), [(b"sadd", b"u")]),
            (("SINTERSTORE", "d", "u", "u"), [(b"sinterstore", b"d")]),
            (("SUNIONSTORE", "d", "u", "t"), [(b"sunionstore", b"d")]),
            (("SDIFFSTORE", "d", "u", "t"), [(b"sdiffstore", b"d")]),
            (("SDIFFSTORE", "d", "u", "u"), [(b"del", b"d")]),
            (("SDIFFSTORE", "d", "u", "u"), []),
            (("SINTERCARD", "1", "u"), []),
            (("SPOP", "u", "5"), [(b"spop", b"u"), (b"del", b"u")]),
            (("SADD", "v", "x"), [(b"sadd", b"v")]),
            (("SPOP", "v"), [(b"spop", b"v"), (b"del", b"v")]),
            (("SADD", "v", "x", "y"), [(b"sadd", b"v")]),
            (("SREM", "v", "x", "y"), [(b"srem", b"v"), (b"del", b"v")]),
            (("SMOVE", "t", "w", "b"), [(b"srem", b"t"), (b"del", b"t"), (b"sadd", b"w")]),
        ]
        for args, expected in cases:
            _, events = self.events(*args)
            self.assertEqual(events, expected, args)


class Resp3Test(SetTestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(self.cmd("HELLO", "3").startswith(b"%7\r\n"))

    def test_reply_types(self):
        self.r.sadd("i", 1, 2, 3)
        self.r.sadd("h", "a", "b")
        self.assertReply(("SMEMBERS", "i"), array([b"1", b"2", b"3"], b"~"))
        self.assertUnordered(("SMEMBERS", "h"), [b"a", b"b"], b"~")
        self.assertReply(("SMEMBERS", "nokey"), b"~0\r\n")
        self.assertUnordered(("SINTER", "i", "i"), [b"1", b"2", b"3"], b"~")
        self.assertUnordered(("SUNION", "i", "h"), [b"1", b"2", b"3", b"a", b"b"], b"~")
        self.assertUnordered(("SDIFF", "h", "i"), [b"a", b"b"], b"~")
        self.assertReply(("SINTER", "i", "nokey"), b"~0\r\n")
        self.assertReply(("SUNION", "nokey"), b"~0\r\n")
        self.assertReply(("SDIFF", "nokey"), b"~0\r\n")
        self.assertReply(("SISMEMBER", "i", "1"), b":1\r\n")  # an integer, not a boolean
        self.assertReply(("SMISMEMBER", "i", "1", "9"), b"*2\r\n:1\r\n:0\r\n")
        self.assertReply(("SCARD", "i"), b":3\r\n")
        self.assertReply(("SINTERCARD", "1", "i"), b":3\r\n")
        # SRANDMEMBER with a count: an array, also when it returns the whole set.
        kind, items = parse_bulks(self.cmd("SRANDMEMBER", "i", "2"))
        self.assertEqual((kind, len(items)), (b"*", 2))
        self.assertReply(("SRANDMEMBER", "i", "3"), array([b"1", b"2", b"3"]))
        self.assertReply(("SRANDMEMBER", "i", "100"), array([b"1", b"2", b"3"]))
        self.assertUnordered(("SRANDMEMBER", "h", "100"), [b"a", b"b"], b"*")
        kind, items = parse_bulks(self.cmd("SRANDMEMBER", "i", "-5"))
        self.assertEqual((kind, len(items)), (b"*", 5))
        self.assertReply(("SRANDMEMBER", "nokey", "2"), b"*0\r\n")
        self.assertReply(("SRANDMEMBER", "i", "0"), b"*0\r\n")
        self.assertReply(("SRANDMEMBER", "nokey"), b"_\r\n")
        self.assertReply(("SPOP", "nokey"), b"_\r\n")
        # SPOP with a count: a set, whatever the count.
        self.assertReply(("SPOP", "nokey", "2"), b"~0\r\n")
        self.assertReply(("SPOP", "i", "0"), b"~0\r\n")
        kind, items = parse_bulks(self.cmd("SPOP", "i", "1"))
        self.assertEqual((kind, len(items)), (b"~", 1))
        self.assertUnordered(("SPOP", "i", "10"), {b"1", b"2", b"3"} - set(items), b"~")
        self.assertUnordered(("SPOP", "h", "2"), [b"a", b"b"], b"~")
        self.r.sadd("one", "x")
        self.assertReply(("SPOP", "one"), bulk(b"x"))
        self.r.sadd("i", 1, 2)
        self.assertReply(("SSCAN", "i", "0"), b"*2\r\n$1\r\n0\r\n" + array([b"1", b"2"]))
        self.assertReply(("SSCAN", "nokey", "0"), b"*2\r\n$1\r\n0\r\n*0\r\n")
        self.assertReply(("OBJECT", "ENCODING", "i"), b"$6\r\nintset\r\n")
        self.assertReply(("TYPE", "i"), b"+set\r\n")

    def test_big_set_reply(self):
        data = {f"m{i}".encode() for i in range(2000)}
        self.r.sadd("s", *data)
        self.assertUnordered(("SMEMBERS", "s"), data, b"~")


if __name__ == "__main__":
    lib.main()
