"""The sorted-set commands (ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT
ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX
ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZUNION
ZUNIONSTORE ZINTER ZINTERSTORE ZINTERCARD ZDIFF ZDIFFSTORE) end to end with redis-py and raw
RESP2 / RESP3 connections: exact replies and error strings, and score formatting. More sorted-set
tests: test_sorted_sets_keys.py (ZSCAN, the listpack -> skiplist conversion, sorted sets under
the key commands, keyspace events, RESP3 replies, big sorted sets), test_sorted_sets_blocking.py
(the blocking BZPOPMIN BZPOPMAX BZMPOP) and test_sorted_sets_durability.py (sorted sets across
SAVE + restart and BGREWRITEAOF + restart); what they all share is in zset_case.py.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which
takes basalt's command line (`python3 test_sorted_sets.py --basalt /usr/bin/redis-server`); run it
that way again after changing an expectation.

Score formatting, as Redis 7.0 does it (what basalt must copy):
  - RESP2 replies carry a score as a bulk string: "%.17g" (0.1 -> "0.10000000000000001",
    1e17 -> "1e+17", 2.0 -> "2"), "inf" / "-inf". RESP3 replies carry a double (",0.1...").
  - A listpack stores a score that is an integer value as an integer: -0 comes back as "0"
    from a listpack but as "-0" from a skiplist.
  - ZSCAN replies with the stored text, not "%.17g": on a listpack an integer-valued score is
    its integer digits (1e17 -> "100000000000000000"); ZSCAN is a bulk string even in RESP3.
  - A ZADD creating a key makes a skiplist at once only when the first member it names is over
    zset-max-listpack-value (there is no size hint by the number of pairs in 7.0); the -0 of a
    member added meanwhile shows which encoding it went through.
  - DUMP / RESTORE, SAVE + restart: a small skiplist comes back as a listpack (and -0 as 0).
"""

import basalt_testlib as lib
from command_case import EMPTY, NIL, arity_error, bulk, bulks, error, integer
from zset_case import (MINMAX_FLOAT, MINMAX_LEX, NAN_SCORE, NOT_FLOAT, NOT_INTEGER, SYNTAX,
                       WRONGTYPE, ZsetTestCase)


class ZaddTest(ZsetTestCase):
    def test_adds_and_updates(self):
        self.assertReply(("ZADD", "z", "1", "a", "2", "b"), integer(2))
        self.assertReply(("ZADD", "z", "3", "a", "4", "c"), integer(1))  # a updated, c new
        self.assertEqual(self.r.zrange("z", 0, -1, withscores=True),
                         [(b"b", 2.0), (b"a", 3.0), (b"c", 4.0)])
        self.assertEqual(self.r.type("z"), b"zset")
        # The same member twice in one ZADD: added once, the last score wins.
        self.assertReply(("ZADD", "z2", "1", "x", "5", "x"), integer(1))
        self.assertReply(("ZSCORE", "z2", "x"), bulk("5"))
        self.assertReply(("ZADD", "z2", "7", "x", "5", "x"), integer(0))
        self.assertReply(("ZSCORE", "z2", "x"), bulk("5"))
        # Equal scores order by member bytes.
        self.zadd("eq", 1, "b", 1, "a", 1, "B", 1, "", 1, "a\x00")
        self.assertEqual(self.r.zrange("eq", 0, -1), [b"", b"B", b"a", b"a\x00", b"b"])

    def test_nx_xx_ch(self):
        self.zadd("z", 1, "a")
        self.assertReply(("ZADD", "z", "NX", "5", "a", "2", "b"), integer(1))
        self.assertEqual(self.r.zscore("z", "a"), 1.0)
        self.assertReply(("ZADD", "z", "XX", "5", "a", "3", "c"), integer(0))  # updates only
        self.assertEqual(self.r.zscore("z", "a"), 5.0)
        self.assertIsNone(self.r.zscore("z", "c"))
        self.assertReply(("ZADD", "z", "XX", "CH", "6", "a", "2", "b", "3", "c"), integer(1))
        self.assertReply(("ZADD", "z", "CH", "6", "a", "9", "b", "3", "c"), integer(2))
        self.assertReply(("ZADD", "z", "ch", "nx", "6", "a", "4", "d"), integer(1))
        # XX on a missing key creates nothing.
        self.assertReply(("ZADD", "nokey", "XX", "1", "a"), integer(0))
        self.assertEqual(self.r.exists("nokey"), 0)
        self.assertReply(("ZADD", "nokey", "XX", "CH", "INCR", "1", "a"), NIL)
        self.assertEqual(self.r.exists("nokey"), 0)

    def test_gt_lt(self):
        self.zadd("z", 5, "a", 5, "b")
        self.assertReply(("ZADD", "z", "GT", "CH", "4", "a", "6", "b", "1", "new"), integer(2))
        self.assertEqual(self.r.zrange("z", 0, -1, withscores=True),
                         [(b"new", 1.0), (b"a", 5.0), (b"b", 6.0)])
        self.assertReply(("ZADD", "z", "LT", "CH", "4", "a", "7", "b", "5", "new"), integer(1))
        self.assertEqual(self.r.zmscore("z", ["a", "b", "new"]), [4.0, 6.0, 1.0])
        self.assertReply(("ZADD", "z", "GT", "XX", "10", "a", "10", "other"), integer(0))
        self.assertEqual(self.r.zscore("z", "a"), 10.0)
        self.assertIsNone(self.r.zscore("z", "other"))
        self.assertReply(("ZADD", "z", "LT", "CH", "10", "a"), integer(0))  # equal: no change
        # GT / LT with INCR: the increment applies only when it moves the score that way.
        self.assertReply(("ZADD", "z", "GT", "INCR", "-1", "a"), NIL)
        self.assertReply(("ZADD", "z", "GT", "INCR", "1", "a"), bulk("11"))
        self.assertReply(("ZADD", "z", "LT", "INCR", "1", "a"), NIL)
        self.assertReply(("ZADD", "z", "LT", "INCR", "-2", "a"), bulk("9"))
        self.assertReply(("ZADD", "z", "LT", "INCR", "0", "a"), NIL)
        self.assertReply(("ZADD", "z", "GT", "INCR", "3", "brandnew"), bulk("3"))

    def test_option_conflicts(self):
        self.zadd("z", 1, "a")
        xx_nx = error("ERR XX and NX options at the same time are not compatible")
        gt_lt_nx = error("ERR GT, LT, and/or NX options at the same time are not compatible")
        self.assertReply(("ZADD", "z", "NX", "XX", "1", "a"), xx_nx)
        self.assertReply(("ZADD", "z", "xx", "nx", "1", "a"), xx_nx)
        for opts in (("GT", "LT"), ("NX", "GT"), ("LT", "NX"), ("NX", "LT", "GT")):
            self.assertReply(("ZADD", "z") + opts + ("1", "a"), gt_lt_nx)
        # XX and NX is checked first.
        self.assertReply(("ZADD", "z", "NX", "XX", "GT", "1", "a"), xx_nx)
        self.assertReply(("ZADD", "z", "INCR", "1", "a", "2", "b"),
                         error("ERR INCR option supports a single increment-element pair"))
        # Options after the first score are pairs: an odd count is a syntax error, a word where
        # a score is expected is not a float.
        self.assertReply(("ZADD", "z", "1", "a", "2"), error(SYNTAX))
        self.assertReply(("ZADD", "z", "1", "a", "NX", "b"), error(NOT_FLOAT))
        self.assertReply(("ZADD", "z", "FOO", "1", "a"), error(SYNTAX))  # 3 left: odd
        self.assertReply(("ZADD", "z", "FOO", "1"), error(NOT_FLOAT))
        self.assertReply(("ZADD", "z", "NX", "1"), error(SYNTAX))
        self.assertReply(("ZADD", "z", "NX", "XX"), error(SYNTAX))  # no pairs: checked first
        self.assertReply(("ZADD", "z", "1"), arity_error("zadd"))
        self.assertReply(("ZADD", "z"), arity_error("zadd"))
        self.assertEqual(self.r.zrange("z", 0, -1, withscores=True), [(b"a", 1.0)])

    def test_scores_that_are_not_floats(self):
        # Overflow and underflow to 0 (strtod's ERANGE) are refused too; a denormal is not.
        for score in ("abc", "", "nan", "NaN", "-nan", " 1", "1 ", "1,5", "1e", "--1", "0x",
                      "1e5000x", "1.5.5", "1e400", "-1e400", "1e-400"):
            self.assertReply(("ZADD", "z", score, "a"), error(NOT_FLOAT))
            self.assertReply(("ZINCRBY", "z", score, "a"), error(NOT_FLOAT))
        self.assertEqual(self.r.exists("z"), 0)
        # What strtod takes (but not nan): hex, inf spellings, overflow to inf, underflow.
        for score, expected in (("0x10", "16"), ("inf", "inf"), ("+inf", "inf"),
                                ("-inf", "-inf"), ("Infinity", "inf"), ("1e308", "1e+308"),
                                ("2e-320", "1.999977734365366e-320"), (".5", "0.5"),
                                ("5.", "5"), ("+3", "3"), ("1E3", "1000"), ("007", "7")):
            self.r.delete("z")
            self.assertReply(("ZADD", "z", score, "a"), integer(1))
            self.assertReply(("ZSCORE", "z", "a"), bulk(expected), score)

    def test_incr(self):
        self.assertReply(("ZADD", "z", "INCR", "1.5", "a"), bulk("1.5"))
        self.assertReply(("ZADD", "z", "INCR", "1.5", "a"), bulk("3"))
        self.assertReply(("ZADD", "z", "INCR", "0.1", "a"), bulk("3.1000000000000001"))
        self.assertReply(("ZADD", "z", "NX", "INCR", "1", "a"), NIL)
        self.assertReply(("ZADD", "z", "XX", "INCR", "1", "b"), NIL)
        self.assertReply(("ZADD", "z", "CH", "INCR", "1", "b"), bulk("1"))
        self.assertReply(("ZADD", "z", "INCR", "inf", "b"), bulk("inf"))
        self.assertReply(("ZADD", "z", "INCR", "-inf", "b"), error(NAN_SCORE))
        self.assertReply(("ZSCORE", "z", "b"), bulk("inf"))  # unchanged
        self.assertReply(("ZADD", "z", "INCR", "inf", "b"), bulk("inf"))

    def test_zincrby(self):
        self.assertReply(("ZINCRBY", "z", "2", "a"), bulk("2"))  # a new member: from 0
        self.assertReply(("ZINCRBY", "z", "-0.5", "a"), bulk("1.5"))
        self.assertReply(("ZINCRBY", "z", "0.1", "a"), bulk("1.6000000000000001"))
        self.assertReply(("ZINCRBY", "z", "inf", "b"), bulk("inf"))
        self.assertReply(("ZINCRBY", "z", "-inf", "b"), error(NAN_SCORE))
        self.assertReply(("ZINCRBY", "z", "1", "b"), bulk("inf"))
        self.assertReply(("ZINCRBY", "z", "-inf", "c"), bulk("-inf"))
        self.assertReply(("ZINCRBY", "z", "abc", "a"), error(NOT_FLOAT))
        self.assertReply(("ZINCRBY", "z", "1e400", "a"), error(NOT_FLOAT))
        # A sum that overflows is inf, not an error.
        self.assertReply(("ZINCRBY", "z", "1e308", "big"), bulk("1e+308"))
        self.assertReply(("ZINCRBY", "z", "1e308", "big"), bulk("inf"))
        self.assertReply(("ZINCRBY", "z", "1"), arity_error("zincrby"))
        self.assertReply(("ZINCRBY", "z", "1", "a", "b"), arity_error("zincrby"))
        self.r.set("s", "v")
        self.assertReply(("ZINCRBY", "s", "1", "a"), error(WRONGTYPE))
        self.assertReply(("ZINCRBY", "s", "x", "a"), error(NOT_FLOAT))  # parsed first


class ScoreFormatTest(ZsetTestCase):
    CASES = (("0.1", b"0.10000000000000001"), ("1e100", b"1e+100"), ("2.0", b"2"),
             ("1.5", b"1.5"), ("1e15", b"1000000000000000"), ("1e17", b"1e+17"),
             ("123456789012345678", b"1.2345678901234568e+17"),
             ("-1.5e-7", b"-1.4999999999999999e-07"),
             ("0.30000000000000004", b"0.30000000000000004"), ("1e-300", b"1e-300"),
             ("inf", b"inf"), ("-inf", b"-inf"), ("1e300", b"1.0000000000000001e+300"),
             ("-3", b"-3"), ("1e-5", b"1.0000000000000001e-05"))

    def check_all(self, key):
        for i, (score, expected) in enumerate(self.CASES):
            self.assertReply(("ZSCORE", key, f"m{i}"), bulk(expected), score)
            self.assertReply(("ZMSCORE", key, f"m{i}"), b"*1\r\n" + bulk(expected), score)
            self.assertEqual(self.cmd("ZRANGEBYSCORE", key, score, score, "WITHSCORES"),
                             bulks(f"m{i}", expected), score)

    def test_resp2_formatting_listpack_and_skiplist(self):
        pairs = [a for i, (score, _) in enumerate(self.CASES) for a in (score, f"m{i}")]
        self.zadd("lp", *pairs)
        self.assertEqual(self.encoding("lp"), b"listpack")
        self.check_all("lp")
        self.skiplist("sk", *pairs)
        self.check_all("sk")

    def test_negative_zero(self):
        """-0 stays -0 in a skiplist; a listpack stores it as the integer 0."""
        self.zadd("lp", "-0", "e")
        self.assertReply(("ZSCORE", "lp", "e"), bulk("0"))
        self.skiplist("sk", "-0", "e", "-0.0", "f")
        self.assertReply(("ZSCORE", "sk", "e"), bulk("-0"))
        self.assertReply(("ZRANGE", "sk", "0", "-1", "WITHSCORES"), bulks("e", "-0", "f", "-0"))
        self.assertReply(("ZINCRBY", "sk", "-0", "e"), bulk("-0"))
        self.assertReply(("ZINCRBY", "sk", "0", "e"), bulk("0"))  # -0 + 0 is +0
        # ZINCRBY replies the computed score: "-0", even where the listpack then keeps "0".
        self.assertReply(("ZINCRBY", "lp2", "-0", "x"), bulk("-0"))
        self.assertReply(("ZSCORE", "lp2", "x"), bulk("0"))
        # -0 and 0 are the same score for ranges.
        self.assertReply(("ZCOUNT", "sk", "0", "0"), integer(2))
        self.assertReply(("ZCOUNT", "sk", "(0", "+inf"), integer(0))

    def test_new_key_encoding_follows_the_first_member(self):
        """ZADD creating a key makes it a skiplist at once only when the first member named is
        longer than zset-max-listpack-value; otherwise it starts as a listpack (and converts as
        soon as a long member goes in). The -0 of a member added meanwhile shows which."""
        long = "L" * 100
        self.zadd("k1", "-0", "a", 1, long)  # listpack first: a stored as 0
        self.assertEqual(self.encoding("k1"), b"skiplist")
        self.assertReply(("ZSCORE", "k1", "a"), bulk("0"))
        self.zadd("k2", 1, long, "-0", "a")  # skiplist from the start
        self.assertReply(("ZSCORE", "k2", "a"), bulk("-0"))
        self.zadd("k3", 1, "L" * 65, "-0", "a")
        self.assertReply(("ZSCORE", "k3", "a"), bulk("-0"))
        self.zadd("k4", 1, "L" * 64, "-0", "a")  # 64 bytes fit a listpack
        self.assertEqual(self.encoding("k4"), b"listpack")
        self.assertReply(("ZSCORE", "k4", "a"), bulk("0"))
        self.zadd("k5", "-0", "a")
        self.zadd("k5", 1, long)
        self.assertReply(("ZSCORE", "k5", "a"), bulk("0"))

    def test_zscan_shows_the_stored_text(self):
        pairs = ["1e17", "a", "0.1", "b", "-0", "c", "inf", "d", "-inf", "e",
                 "123456789012345678", "f", "1e300", "g", "2", "h"]
        self.zadd("lp", *pairs)
        self.assertReply(("ZSCAN", "lp", "0"), b"*2\r\n$1\r\n0\r\n" + bulks(
            "e", "-inf", "c", "0", "b", "0.10000000000000001", "h", "2",
            "a", "100000000000000000", "f", "123456789012345680",
            "g", "1.0000000000000001e+300", "d", "inf"))
        self.skiplist("sk", *pairs)
        self.c.send(lib.encode_command("ZSCAN", "sk", "0", "COUNT", "1000"))
        self.assertEqual(self.c.read_line(), b"*2")
        self.assertEqual(self.c.read_reply(), bulk("0"))
        self.assertEqual(self.c.read_line(), b"*16")
        items = [self.c.read_reply().split(b"\r\n")[1] for _ in range(16)]
        self.assertEqual(dict(zip(items[::2], items[1::2])), {
            b"a": b"1e+17", b"b": b"0.10000000000000001", b"c": b"-0", b"d": b"inf",
            b"e": b"-inf", b"f": b"1.2345678901234568e+17", b"g": b"1.0000000000000001e+300",
            b"h": b"2"})


class ReadCommandsTest(ZsetTestCase):
    def setUp(self):
        super().setUp()
        self.zadd("z", 1, "a", 2, "b", 3, "c", 3, "d", "inf", "e", "-inf", "f")

    def test_zcard_zscore_zmscore(self):
        self.assertReply(("ZCARD", "z"), integer(6))
        self.assertReply(("ZCARD", "nokey"), integer(0))
        self.assertReply(("ZSCORE", "z", "c"), bulk("3"))
        self.assertReply(("ZSCORE", "z", "nope"), NIL)
        self.assertReply(("ZSCORE", "nokey", "a"), NIL)
        self.assertReply(("ZMSCORE", "z", "a", "nope", "e", "f", "a"),
                         b"*5\r\n$1\r\n1\r\n$-1\r\n$3\r\ninf\r\n$4\r\n-inf\r\n$1\r\n1\r\n")
        self.assertReply(("ZMSCORE", "nokey", "a", "b"), b"*2\r\n$-1\r\n$-1\r\n")
        self.assertReply(("ZMSCORE", "z"), arity_error("zmscore"))
        self.assertReply(("ZCARD", "z", "x"), arity_error("zcard"))
        self.assertReply(("ZSCORE", "z", "a", "b"), arity_error("zscore"))

    def test_zrank_zrevrank(self):
        self.assertReply(("ZRANK", "z", "f"), integer(0))
        self.assertReply(("ZRANK", "z", "c"), integer(3))
        self.assertReply(("ZRANK", "z", "d"), integer(4))
        self.assertReply(("ZREVRANK", "z", "e"), integer(0))
        self.assertReply(("ZREVRANK", "z", "f"), integer(5))
        self.assertReply(("ZRANK", "z", "nope"), NIL)
        self.assertReply(("ZRANK", "nokey", "a"), NIL)
        self.assertReply(("ZREVRANK", "nokey", "a"), NIL)
        # WITHSCORE is Redis 7.2's: in 7.0 a third argument is an arity error.
        self.assertReply(("ZRANK", "z", "a", "WITHSCORE"), arity_error("zrank"))
        self.assertReply(("ZREVRANK", "z", "a", "WITHSCORE"), arity_error("zrevrank"))

    def test_zcount(self):
        for lo, hi, n in (("-inf", "+inf", 6), ("1", "3", 4), ("(1", "3", 3), ("(1", "(3", 1),
                          ("3", "3", 2), ("(3", "3", 0), ("4", "1", 0), ("inf", "inf", 1),
                          ("-inf", "-inf", 1), ("(-inf", "(inf", 4), ("-1e400", "0", 1),
                          ("0x1", "2", 2), ("-inf", "(-inf", 0)):
            self.assertReply(("ZCOUNT", "z", lo, hi), integer(n), (lo, hi))
        # Range bounds are read with a bare strtod: "" and "(" are 0, a leading space is
        # skipped, 1e400 is inf (where ZADD refuses all three).
        for lo, hi, n in (("", "1", 1), ("(", "1", 1), (" 1", "2", 2), ("1e400", "inf", 1),
                          ("-1e400", "1", 2), ("(-1e400", "1", 1)):
            self.assertReply(("ZCOUNT", "z", lo, hi), integer(n), (lo, hi))
        for lo, hi in (("x", "1"), ("1", "x"), ("((1", "2"), ("1(", "2"), ("nan", "1"),
                       ("1", "(nan"), ("1 ", "2"), ("[1", "2")):
            self.assertReply(("ZCOUNT", "z", lo, hi), error(MINMAX_FLOAT), (lo, hi))
            self.assertReply(("ZCOUNT", "nokey", lo, hi), error(MINMAX_FLOAT), (lo, hi))
        self.assertReply(("ZCOUNT", "nokey", "0", "1"), integer(0))

    def test_zlexcount(self):
        self.zadd("l", 0, "a", 0, "b", 0, "c", 0, "d", 0, "e")
        for lo, hi, n in (("-", "+", 5), ("[b", "(d", 2), ("(b", "[d", 2), ("[b", "[b", 1),
                          ("(b", "(b", 0), ("+", "-", 0), ("[", "+", 5), ("(", "+", 5),
                          ("-", "[c", 3), ("[c", "-", 0), ("(a", "+", 4), ("[aa", "[c", 2)):
            self.assertReply(("ZLEXCOUNT", "l", lo, hi), integer(n), (lo, hi))
        for lo, hi in (("b", "d"), ("[b", "d"), ("-x", "+"), ("-", "+x"), ("", "+"),
                       ("(a", "")):
            self.assertReply(("ZLEXCOUNT", "l", lo, hi), error(MINMAX_LEX), (lo, hi))
            self.assertReply(("ZLEXCOUNT", "nokey", lo, hi), error(MINMAX_LEX), (lo, hi))
        self.assertReply(("ZLEXCOUNT", "nokey", "-", "+"), integer(0))


class RangeTest(ZsetTestCase):
    def setUp(self):
        super().setUp()
        self.zadd("z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e")

    def test_by_rank(self):
        self.assertReply(("ZRANGE", "z", "0", "-1"), bulks("a", "b", "c", "d", "e"))
        self.assertReply(("ZRANGE", "z", "1", "2", "WITHSCORES"), bulks("b", "2", "c", "3"))
        self.assertReply(("ZRANGE", "z", "-2", "-1"), bulks("d", "e"))
        self.assertReply(("ZRANGE", "z", "-100", "100"), bulks("a", "b", "c", "d", "e"))
        self.assertReply(("ZRANGE", "z", "3", "1"), EMPTY)
        self.assertReply(("ZRANGE", "z", "5", "10"), EMPTY)
        self.assertReply(("ZRANGE", "z", "0", "0", "REV"), bulks("e"))
        self.assertReply(("ZRANGE", "z", "0", "1", "REV", "WITHSCORES"), bulks("e", "5", "d", "4"))
        self.assertReply(("ZREVRANGE", "z", "0", "1", "WITHSCORES"), bulks("e", "5", "d", "4"))
        self.assertReply(("ZREVRANGE", "z", "-1", "-1"), bulks("a"))
        self.assertReply(("ZRANGE", "z", "a", "1"), error(NOT_INTEGER))
        self.assertReply(("ZRANGE", "nokey", "a", "1"), error(NOT_INTEGER))
        self.assertReply(("ZRANGE", "nokey", "0", "-1"), EMPTY)
        self.assertReply(("ZRANGE", "z", "0", "-1", "FOO"), error(SYNTAX))
        self.assertReply(("ZRANGE", "z", "0", "-1", "REV", "REV"), error(SYNTAX))
        self.assertReply(("ZREVRANGE", "z", "0", "1", "BYSCORE"), error(SYNTAX))
        self.assertReply(("ZRANGE", "z", "0"), arity_error("zrange"))

    def test_limit_needs_byscore_or_bylex(self):
        text = error("ERR syntax error, LIMIT is only supported in combination with either "
                     "BYSCORE or BYLEX")
        self.assertReply(("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"), text)
        self.assertReply(("ZREVRANGE", "z", "0", "-1", "LIMIT", "0", "1"), text)
        self.assertReply(("ZRANGE", "z", "0", "-1", "LIMIT", "0"), error(SYNTAX))
        self.assertReply(("ZRANGE", "z", "0", "-1", "BYLEX", "WITHSCORES"),
                         error("ERR syntax error, WITHSCORES not supported in combination "
                               "with BYLEX"))

    def test_by_score(self):
        self.assertReply(("ZRANGE", "z", "2", "4", "BYSCORE"), bulks("b", "c", "d"))
        self.assertReply(("ZRANGE", "z", "(2", "4", "BYSCORE", "WITHSCORES"),
                         bulks("c", "3", "d", "4"))
        self.assertReply(("ZRANGE", "z", "(1", "+inf", "BYSCORE", "LIMIT", "0", "-1"),
                         bulks("b", "c", "d", "e"))
        self.assertReply(("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"),
                         bulks("b", "c"))
        self.assertReply(("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"), EMPTY)
        self.assertReply(("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "0"), EMPTY)
        self.assertReply(("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "10", "2"), EMPTY)
        self.assertReply(("ZRANGE", "z", "1", "5", "BYSCORE", "LIMIT", "x", "1"),
                         error(NOT_INTEGER))
        # REV: the first bound is the maximum.
        self.assertReply(("ZRANGE", "z", "5", "1", "BYSCORE", "REV"),
                         bulks("e", "d", "c", "b", "a"))
        self.assertReply(("ZRANGE", "z", "1", "5", "BYSCORE", "REV"), EMPTY)
        self.assertReply(("ZRANGE", "z", "(5", "(1", "BYSCORE", "REV", "LIMIT", "1", "2",
                          "WITHSCORES"), bulks("c", "3", "b", "2"))
        self.assertReply(("ZRANGEBYSCORE", "z", "(1", "inf"), bulks("b", "c", "d", "e"))
        self.assertReply(("ZRANGEBYSCORE", "z", "1", "5", "WITHSCORES", "LIMIT", "1", "1",
                          "WITHSCORES"), bulks("b", "2"))
        self.assertReply(("ZREVRANGEBYSCORE", "z", "5", "1", "LIMIT", "0", "2"), bulks("e", "d"))
        self.assertReply(("ZREVRANGEBYSCORE", "z", "1", "5"), EMPTY)
        self.assertReply(("ZREVRANGEBYSCORE", "z", "+inf", "(4", "WITHSCORES"), bulks("e", "5"))
        for args in (("ZRANGEBYSCORE", "z", "1", "5", "LIMIT", "1"),
                     ("ZRANGEBYSCORE", "z", "1", "5", "BYSCORE"),
                     ("ZRANGEBYSCORE", "z", "1", "5", "REV"),
                     ("ZRANGE", "z", "1", "5", "BYSCORE", "BYLEX"),
                     ("ZRANGE", "z", "1", "5", "BYSCORE", "BYSCORE")):
            self.assertReply(args, error(SYNTAX))
        for lo in ("x", "((1", "1(", "nan", "[1"):
            self.assertReply(("ZRANGE", "z", lo, "5", "BYSCORE"), error(MINMAX_FLOAT))
            self.assertReply(("ZRANGEBYSCORE", "z", lo, "5"), error(MINMAX_FLOAT))
            self.assertReply(("ZREVRANGEBYSCORE", "z", "5", lo), error(MINMAX_FLOAT))
            self.assertReply(("ZRANGEBYSCORE", "nokey", lo, "5"), error(MINMAX_FLOAT))

    def test_by_lex(self):
        self.zadd("l", 0, "a", 0, "b", 0, "c", 0, "d", 0, "e")
        self.assertReply(("ZRANGEBYLEX", "l", "-", "+"), bulks("a", "b", "c", "d", "e"))
        self.assertReply(("ZRANGEBYLEX", "l", "+", "-"), EMPTY)
        self.assertReply(("ZRANGEBYLEX", "l", "[b", "(d"), bulks("b", "c"))
        self.assertReply(("ZRANGEBYLEX", "l", "[b", "[d", "LIMIT", "1", "1"), bulks("c"))
        self.assertReply(("ZRANGEBYLEX", "l", "-", "+", "LIMIT", "1", "-1"),
                         bulks("b", "c", "d", "e"))
        self.assertReply(("ZREVRANGEBYLEX", "l", "+", "-", "LIMIT", "1", "2"), bulks("d", "c"))
        self.assertReply(("ZREVRANGEBYLEX", "l", "(d", "[a"), bulks("c", "b", "a"))
        self.assertReply(("ZRANGE", "l", "(d", "[a", "BYLEX", "REV"), bulks("c", "b", "a"))
        self.assertReply(("ZRANGE", "l", "+", "-", "BYLEX", "REV", "LIMIT", "0", "2"),
                         bulks("e", "d"))
        self.assertReply(("ZRANGE", "l", "[a", "[a", "BYLEX"), bulks("a"))
        # "[" and "(" alone are the empty string, inclusive or not.
        self.assertReply(("ZRANGE", "l", "[", "[c", "BYLEX"), bulks("a", "b", "c"))
        self.assertReply(("ZRANGE", "l", "(", "[c", "BYLEX"), bulks("a", "b", "c"))
        self.assertReply(("ZRANGE", "l", "-", "(", "BYLEX"), EMPTY)
        for lo, hi in (("b", "d"), ("[b", "d"), ("-x", "+"), ("+x", "+"), ("", "+")):
            self.assertReply(("ZRANGEBYLEX", "l", lo, hi), error(MINMAX_LEX))
            self.assertReply(("ZRANGE", "l", lo, hi, "BYLEX"), error(MINMAX_LEX))
            self.assertReply(("ZRANGE", "nokey", lo, hi, "BYLEX"), error(MINMAX_LEX))
        self.assertReply(("ZRANGEBYLEX", "l", "[b", "[d", "WITHSCORES"),
                         error("ERR syntax error, WITHSCORES not supported in combination "
                               "with BYLEX"))
        self.assertReply(("ZRANGEBYLEX", "l", "[b"), arity_error("zrangebylex"))
        # Binary members compare as unsigned bytes.
        self.zadd("bin", 0, b"\xff", 0, b"\x00", 0, "A", 0, "")
        self.assertEqual(self.r.zrangebylex("bin", "-", "+"), [b"", b"\x00", b"A", b"\xff"])
        self.assertEqual(self.r.zrangebylex("bin", "(", "(\xff"), [b"\x00", b"A"])

    def test_zrangestore(self):
        self.assertReply(("ZRANGESTORE", "d", "z", "0", "-1", "REV"), integer(5))
        self.assertReply(("ZRANGE", "d", "0", "-1", "WITHSCORES"),
                         bulks("a", "1", "b", "2", "c", "3", "d", "4", "e", "5"))
        self.assertReply(("ZRANGESTORE", "d", "z", "(2", "+inf", "BYSCORE", "LIMIT", "1", "1"),
                         integer(1))
        self.assertReply(("ZRANGE", "d", "0", "-1", "WITHSCORES"), bulks("d", "4"))
        self.zadd("l", 0, "a", 0, "b", 0, "c")
        self.assertReply(("ZRANGESTORE", "d", "l", "[b", "+", "BYLEX"), integer(2))
        self.assertReply(("ZRANGE", "d", "0", "-1"), bulks("b", "c"))
        self.assertReply(("ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"), error(SYNTAX))
        self.assertReply(("ZRANGESTORE", "d", "z", "0", "-1", "LIMIT", "0", "1"), error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
            "BYLEX"))
        # An empty result deletes the destination; a missing source too.
        self.assertReply(("ZRANGESTORE", "d", "z", "10", "20"), integer(0))
        self.assertEqual(self.r.exists("d"), 0)
        self.r.set("d", "string")
        self.assertReply(("ZRANGESTORE", "d", "nokey", "0", "-1"), integer(0))
        self.assertEqual(self.r.exists("d"), 0)
        # The destination is overwritten whatever its type; the source must be a zset.
        self.r.set("d", "string")
        self.assertReply(("ZRANGESTORE", "d", "z", "0", "0"), integer(1))
        self.assertEqual(self.r.type("d"), b"zset")
        self.r.set("s", "v")
        self.assertReply(("ZRANGESTORE", "d", "s", "0", "0"), error(WRONGTYPE))
        self.assertReply(("ZRANGESTORE", "z", "z", "1", "1"), integer(1))  # onto itself
        self.assertReply(("ZRANGE", "z", "0", "-1"), bulks("b"))
        self.assertReply(("ZRANGESTORE", "d", "z", "0"), arity_error("zrangestore"))


class RemoveTest(ZsetTestCase):
    def test_zrem(self):
        self.zadd("z", 1, "a", 2, "b", 3, "c")
        self.assertReply(("ZREM", "z", "a", "a", "nope"), integer(1))
        self.assertReply(("ZREM", "z", "nope"), integer(0))
        self.assertReply(("ZREM", "nokey", "a"), integer(0))
        self.assertReply(("ZREM", "z"), arity_error("zrem"))
        self.assertEqual(self.r.expire("z", 1000), True)
        self.assertReply(("ZREM", "z", "b"), integer(1))
        self.assertTrue(0 < self.r.ttl("z") <= 1000)
        self.assertReply(("ZREM", "z", "c", "d"), integer(1))
        self.assertEqual(self.r.exists("z"), 0)  # the last member went: so did the key
        self.assertEqual(self.r.ttl("z"), -2)
        self.zadd("z", 1, "a")
        self.assertEqual(self.r.ttl("z"), -1)  # a new key, no TTL left over

    def test_zremrangebyrank(self):
        self.zadd("z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e")
        self.assertReply(("ZREMRANGEBYRANK", "z", "1", "2"), integer(2))
        self.assertReply(("ZRANGE", "z", "0", "-1"), bulks("a", "d", "e"))
        self.assertReply(("ZREMRANGEBYRANK", "z", "-1", "-1"), integer(1))
        self.assertReply(("ZREMRANGEBYRANK", "z", "5", "10"), integer(0))
        self.assertReply(("ZREMRANGEBYRANK", "z", "1", "0"), integer(0))
        self.assertReply(("ZREMRANGEBYRANK", "z", "x", "0"), error(NOT_INTEGER))
        self.assertReply(("ZREMRANGEBYRANK", "nokey", "x", "0"), error(NOT_INTEGER))
        self.assertReply(("ZREMRANGEBYRANK", "nokey", "0", "-1"), integer(0))
        self.assertReply(("ZREMRANGEBYRANK", "z", "-100", "100"), integer(2))
        self.assertEqual(self.r.exists("z"), 0)

    def test_zremrangebyscore(self):
        self.zadd("z", 1, "a", 2, "b", 3, "c", 4, "d", "inf", "e")
        self.assertReply(("ZREMRANGEBYSCORE", "z", "(1", "3"), integer(2))
        self.assertReply(("ZREMRANGEBYSCORE", "z", "(inf", "+inf"), integer(0))
        self.assertReply(("ZREMRANGEBYSCORE", "z", "inf", "+inf"), integer(1))
        self.assertReply(("ZREMRANGEBYSCORE", "z", "5", "1"), integer(0))
        self.assertReply(("ZREMRANGEBYSCORE", "z", "a", "1"), error(MINMAX_FLOAT))
        self.assertReply(("ZREMRANGEBYSCORE", "nokey", "a", "1"), error(MINMAX_FLOAT))
        self.assertReply(("ZRANGE", "z", "0", "-1"), bulks("a", "d"))
        self.assertReply(("ZREMRANGEBYSCORE", "z", "-inf", "+inf"), integer(2))
        self.assertEqual(self.r.exists("z"), 0)

    def test_zremrangebylex(self):
        self.zadd("z", 0, "a", 0, "b", 0, "c", 0, "d")
        self.assertReply(("ZREMRANGEBYLEX", "z", "[b", "(d"), integer(2))
        self.assertReply(("ZREMRANGEBYLEX", "z", "+", "-"), integer(0))
        self.assertReply(("ZREMRANGEBYLEX", "z", "a", "b"), error(MINMAX_LEX))
        self.assertReply(("ZREMRANGEBYLEX", "nokey", "a", "b"), error(MINMAX_LEX))
        self.assertReply(("ZRANGE", "z", "0", "-1"), bulks("a", "d"))
        self.assertReply(("ZREMRANGEBYLEX", "z", "-", "+"), integer(2))
        self.assertEqual(self.r.exists("z"), 0)


class PopTest(ZsetTestCase):
    def test_zpopmin_zpopmax(self):
        self.zadd("z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e")
        self.assertReply(("ZPOPMIN", "z"), bulks("a", "1"))
        self.assertReply(("ZPOPMAX", "z", "2"), bulks("e", "5", "d", "4"))
        self.assertReply(("ZPOPMIN", "z", "0"), EMPTY)
        self.assertReply(("ZPOPMIN", "z", "-1"),
                         error("ERR value is out of range, must be positive"))
        self.assertReply(("ZPOPMIN", "z", "abc"),
                         error("ERR value is out of range, must be positive"))
        self.assertReply(("ZPOPMIN", "nokey", "-1"),
                         error("ERR value is out of range, must be positive"))
        self.assertReply(("ZPOPMIN", "z", "1", "2"), error(SYNTAX))
        self.assertReply(("ZPOPMIN", "nokey"), EMPTY)
        self.assertReply(("ZPOPMIN", "nokey", "3"), EMPTY)
        self.r.expire("z", 1000)
        self.assertReply(("ZPOPMAX", "z", "10"), bulks("c", "3", "b", "2"))
        self.assertEqual(self.r.exists("z"), 0)
        self.r.set("s", "v")
        self.assertReply(("ZPOPMIN", "s"), error(WRONGTYPE))

    def test_zmpop(self):
        self.zadd("z", 1, "a", 2, "b", 3, "c")
        self.assertReply(("ZMPOP", "1", "z", "MIN"),
                         b"*2\r\n$1\r\nz\r\n*1\r\n" + bulks("a", "1"))
        self.assertReply(("ZMPOP", "2", "nokey", "z", "max", "COUNT", "10"),
                         b"*2\r\n$1\r\nz\r\n*2\r\n" + bulks("c", "3") + bulks("b", "2"))
        self.assertEqual(self.r.exists("z"), 0)
        self.assertReply(("ZMPOP", "1", "z", "MIN"), b"*-1\r\n")
        self.assertReply(("ZMPOP", "2", "nokey", "z", "MIN"), b"*-1\r\n")
        for numkeys in ("0", "-1", "abc"):
            self.assertReply(("ZMPOP", numkeys, "z", "MIN"),
                             error("ERR numkeys should be greater than 0"))
        for count in ("0", "-1", "abc"):
            self.assertReply(("ZMPOP", "1", "z", "MIN", "COUNT", count),
                             error("ERR count should be greater than 0"))
        for args in (("2", "z", "MIN"), ("1", "z", "FOO"), ("1", "z", "MIN", "COUNT"),
                     ("1", "z", "MIN", "COUNT", "1", "COUNT", "1"), ("1", "z", "MIN", "FOO"),
                     ("3", "a", "b", "c")):
            self.assertReply(("ZMPOP",) + args, error(SYNTAX))
        self.assertReply(("ZMPOP", "1", "z"), arity_error("zmpop"))
        self.r.set("s", "v")
        self.assertReply(("ZMPOP", "2", "s", "z", "MIN"), error(WRONGTYPE))
        self.assertReply(("ZMPOP", "2", "nokey", "s", "MIN"), error(WRONGTYPE))
        # The first non-empty key in order is popped.
        self.zadd("k1", 5, "x")
        self.zadd("k2", 1, "y")
        self.assertReply(("ZMPOP", "2", "k1", "k2", "MIN"),
                         b"*2\r\n$2\r\nk1\r\n*1\r\n" + bulks("x", "5"))


class RandMemberTest(ZsetTestCase):
    def test_missing_key_and_zero(self):
        self.assertReply(("ZRANDMEMBER", "nokey"), NIL)
        self.assertReply(("ZRANDMEMBER", "nokey", "2"), EMPTY)
        self.assertReply(("ZRANDMEMBER", "nokey", "0", "WITHSCORES"), EMPTY)
        self.zadd("z", 1, "a", 2, "b", 3, "c")
        self.assertReply(("ZRANDMEMBER", "z", "0"), EMPTY)

    def test_counts(self):
        self.zadd("one", "1.5", "only")
        self.assertReply(("ZRANDMEMBER", "one"), bulk("only"))
        self.assertReply(("ZRANDMEMBER", "one", "-3"), bulks("only", "only", "only"))
        self.assertReply(("ZRANDMEMBER", "one", "-2", "WITHSCORES"),
                         bulks("only", "1.5", "only", "1.5"))
        for size in (3, 100, 1000):
            data = {f"m{i}".encode(): float(i) for i in range(size)}
            self.r.delete("z")
            self.r.zadd("z", data)
            for count in (1, 2, size - 1, size, size + 5):
                members = self.r.execute_command("ZRANDMEMBER", "z", count)
                self.assertEqual(len(members), min(count, size))
                self.assertEqual(len(set(members)), len(members))
                self.assertTrue(set(members) <= set(data))
                flat = self.r.execute_command("ZRANDMEMBER", "z", count, "WITHSCORES")
                pairs = list(zip(flat[::2], flat[1::2]))
                self.assertEqual(len({m for m, _ in pairs}), min(count, size))
                self.assertTrue(all(data[m] == float(s) for m, s in pairs))
            many = self.r.execute_command("ZRANDMEMBER", "z", -(size * 2), "WITHSCORES")
            self.assertEqual(len(many), size * 4)

    def test_errors(self):
        self.zadd("z", 1, "a", 2, "b")
        self.assertReply(("ZRANDMEMBER", "z", "abc"), error(NOT_INTEGER))
        self.assertReply(("ZRANDMEMBER", "nokey", "abc"), error(NOT_INTEGER))
        self.assertReply(("ZRANDMEMBER", "z", "1", "WITHSCORE"), error(SYNTAX))
        self.assertReply(("ZRANDMEMBER", "z", "1", "WITHSCORES", "x"), error(SYNTAX))
        self.assertReply(("ZRANDMEMBER", "z", "-9223372036854775808"), error(
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807"))
        self.assertReply(("ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES"),
                         error("ERR value is out of range"))
        self.r.set("s", "v")
        self.assertReply(("ZRANDMEMBER", "s"), error(WRONGTYPE))
        self.assertReply(("ZRANDMEMBER", "s", "0"), error(WRONGTYPE))


class SetOperationsTest(ZsetTestCase):
    def setUp(self):
        super().setUp()
        self.zadd("z1", 1, "a", 2, "b", 3, "c")
        self.zadd("z2", 10, "b", 20, "c", 30, "d")

    def test_zunion_zinter_zdiff(self):
        self.assertReply(("ZUNION", "2", "z1", "z2", "WITHSCORES"),
                         bulks("a", "1", "b", "12", "c", "23", "d", "30"))
        self.assertReply(("ZUNION", "2", "z1", "z2"), bulks("a", "b", "c", "d"))
        self.assertReply(("ZINTER", "2", "z1", "z2", "WITHSCORES"), bulks("b", "12", "c", "23"))
        self.assertReply(("ZDIFF", "2", "z1", "z2", "WITHSCORES"), bulks("a", "1"))
        self.assertReply(("ZDIFF", "2", "z2", "z1"), bulks("d"))
        self.assertReply(("ZUNION", "2", "z1", "z2", "WEIGHTS", "2", "0.5", "WITHSCORES"),
                         bulks("a", "2", "b", "9", "d", "15", "c", "16"))
        self.assertReply(("ZINTER", "2", "z1", "z2", "AGGREGATE", "MIN", "WITHSCORES"),
                         bulks("b", "2", "c", "3"))
        self.assertReply(("ZINTER", "2", "z1", "z2", "AGGREGATE", "max", "WITHSCORES"),
                         bulks("b", "10", "c", "20"))
        self.assertReply(("ZUNION", "2", "z1", "z2", "WEIGHTS", "1", "-1", "AGGREGATE", "MAX",
                          "WITHSCORES"), bulks("d", "-30", "a", "1", "b", "2", "c", "3"))
        self.assertReply(("ZUNION", "1", "z1", "WITHSCORES", "WITHSCORES"),
                         bulks("a", "1", "b", "2", "c", "3"))
        self.assertReply(("ZUNION", "2", "nokey", "nokey2"), EMPTY)
        self.assertReply(("ZINTER", "2", "z1", "nokey"), EMPTY)
        self.assertReply(("ZDIFF", "2", "nokey", "z1"), EMPTY)
        self.assertReply(("ZDIFF", "2", "z1", "nokey", "WITHSCORES"),
                         bulks("a", "1", "b", "2", "c", "3"))

    def test_infinities_and_nan(self):
        """inf * 0 and inf + -inf would be NaN: Redis makes them 0."""
        self.zadd("p", 1, "a", "inf", "b")
        self.zadd("n", 2, "a", "-inf", "b")
        self.assertReply(("ZUNION", "2", "p", "n", "WITHSCORES"), bulks("b", "0", "a", "3"))
        self.assertReply(("ZINTER", "2", "p", "n", "WEIGHTS", "0", "1", "WITHSCORES"),
                         bulks("b", "-inf", "a", "2"))
        self.assertReply(("ZUNION", "2", "p", "n", "WEIGHTS", "inf", "1", "WITHSCORES"),
                         bulks("b", "0", "a", "inf"))
        self.assertReply(("ZUNION", "2", "p", "n", "AGGREGATE", "MIN", "WITHSCORES"),
                         bulks("b", "-inf", "a", "1"))
        self.assertReply(("ZUNION", "2", "p", "n", "AGGREGATE", "MAX", "WITHSCORES"),
                         bulks("a", "2", "b", "inf"))
        self.assertReply(("ZUNIONSTORE", "out", "2", "p", "n"), integer(2))
        self.assertReply(("ZRANGE", "out", "0", "-1", "WITHSCORES"), bulks("b", "0", "a", "3"))

    def test_inputs_are_combined_smallest_first(self):
        """ZUNION / ZINTER (and their STOREs) add the inputs' scores in order of cardinality,
        smallest first (each weight stays with its key): only visible where inf meets -inf,
        whose NaN becomes 0 at that step."""
        self.zadd("a", "-inf", "m", 1, "x", 2, "y")  # 3 members
        self.zadd("b", "inf", "m")                   # 1 member
        self.zadd("c", "inf", "m", 5, "x")           # 2 members
        # b, b, a: inf + inf = inf, then + -inf = 0 (in the order named: 0 + inf = inf).
        self.assertReply(("ZUNIONSTORE", "d", "3", "a", "b", "b"), integer(3))
        self.assertReply(("ZSCORE", "d", "m"), bulk("0"))
        self.assertReply(("ZUNION", "3", "a", "b", "b", "WITHSCORES"),
                         bulks("m", "0", "x", "1", "y", "2"))
        self.assertReply(("ZINTER", "3", "a", "b", "b", "WITHSCORES"), bulks("m", "0"))
        self.assertReply(("ZINTERSTORE", "d", "3", "a", "b", "b"), integer(1))
        self.assertReply(("ZSCORE", "d", "m"), bulk("0"))
        # b, c, a
        self.assertReply(("ZUNION", "3", "a", "c", "b", "WITHSCORES"),
                         bulks("m", "0", "y", "2", "x", "6"))
        self.assertReply(("ZUNION", "2", "a", "b", "WEIGHTS", "1", "-1", "WITHSCORES"),
                         bulks("m", "-inf", "x", "1", "y", "2"))

    def test_sets_as_inputs(self):
        self.r.sadd("s", "x", "y", "a")
        self.assertReply(("ZUNION", "2", "z1", "s", "WITHSCORES"),
                         bulks("x", "1", "y", "1", "a", "2", "b", "2", "c", "3"))
        self.assertReply(("ZINTER", "2", "z1", "s", "WITHSCORES"), bulks("a", "2"))
        self.assertReply(("ZINTER", "2", "s", "z1", "WEIGHTS", "5", "1", "WITHSCORES"),
                         bulks("a", "6"))
        self.assertReply(("ZDIFF", "2", "z1", "s", "WITHSCORES"), bulks("b", "2", "c", "3"))
        self.assertReply(("ZDIFF", "2", "s", "z1", "WITHSCORES"), bulks("x", "1", "y", "1"))
        self.assertReply(("ZINTERCARD", "2", "s", "z1"), integer(1))
        self.r.sadd("ints", "1", "2", "3")  # an intset
        self.assertReply(("ZUNION", "1", "ints", "WITHSCORES"),
                         bulks("1", "1", "2", "1", "3", "1"))
        self.assertReply(("ZUNIONSTORE", "out", "2", "s", "ints"), integer(6))
        self.assertEqual(self.r.type("out"), b"zset")

    def test_store_variants(self):
        self.assertReply(("ZUNIONSTORE", "out", "2", "z1", "z2"), integer(4))
        self.assertReply(("ZRANGE", "out", "0", "-1", "WITHSCORES"),
                         bulks("a", "1", "b", "12", "c", "23", "d", "30"))
        self.assertReply(("ZINTERSTORE", "out", "2", "z1", "z2", "WEIGHTS", "1", "2"), integer(2))
        self.assertReply(("ZRANGE", "out", "0", "-1", "WITHSCORES"), bulks("b", "22", "c", "43"))
        self.assertReply(("ZDIFFSTORE", "out", "2", "z1", "z2"), integer(1))
        self.assertReply(("ZRANGE", "out", "0", "-1", "WITHSCORES"), bulks("a", "1"))
        # Empty results delete the destination, whatever it held.
        self.r.set("out", "string")
        self.assertReply(("ZINTERSTORE", "out", "2", "z1", "nokey"), integer(0))
        self.assertEqual(self.r.exists("out"), 0)
        self.assertReply(("ZUNIONSTORE", "out", "1", "nokey"), integer(0))
        self.assertEqual(self.r.exists("out"), 0)
        # The destination may be an input.
        self.assertReply(("ZUNIONSTORE", "z1", "2", "z1", "z2"), integer(4))
        self.assertReply(("ZRANGE", "z1", "0", "-1", "WITHSCORES"),
                         bulks("a", "1", "b", "12", "c", "23", "d", "30"))
        self.assertReply(("ZUNIONSTORE", "out", "1", "z1", "WITHSCORES"), error(SYNTAX))
        self.assertReply(("ZDIFFSTORE", "out", "1", "z1", "WITHSCORES"), error(SYNTAX))

    def test_zintercard(self):
        self.assertReply(("ZINTERCARD", "2", "z1", "z2"), integer(2))
        self.assertReply(("ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"), integer(1))
        self.assertReply(("ZINTERCARD", "2", "z1", "z2", "LIMIT", "0"), integer(2))  # no limit
        self.assertReply(("ZINTERCARD", "1", "z1", "LIMIT", "100"), integer(3))
        self.assertReply(("ZINTERCARD", "2", "z1", "nokey"), integer(0))
        for limit in ("-1", "abc"):
            self.assertReply(("ZINTERCARD", "2", "z1", "z2", "LIMIT", limit),
                             error("ERR LIMIT can't be negative"))
        self.assertReply(("ZINTERCARD", "3", "z1", "z2"), error(SYNTAX))
        self.assertReply(("ZINTERCARD", "2", "z1", "z2", "FOO"), error(SYNTAX))
        self.assertReply(("ZINTERCARD", "2", "z1", "z2", "WEIGHTS", "1", "1"), error(SYNTAX))

    def test_errors(self):
        for name in ("zunion", "zinter", "zdiff", "zintercard"):
            for numkeys in ("0", "-1"):
                self.assertReply((name, numkeys, "z1"), error(
                    f"ERR at least 1 input key is needed for '{name}' command"))
            self.assertReply((name, "abc", "z1"), error(NOT_INTEGER))
            self.assertReply((name, "3", "z1", "z2"), error(SYNTAX))
        for name in ("zunionstore", "zinterstore", "zdiffstore"):
            self.assertReply((name, "out", "0", "z1"), error(
                f"ERR at least 1 input key is needed for '{name}' command"))
            self.assertReply((name, "out", "abc", "z1"), error(NOT_INTEGER))
        for weight in ("nan", "abc", "", "1e400"):
            self.assertReply(("ZUNION", "2", "z1", "z2", "WEIGHTS", weight, "1"),
                             error("ERR weight value is not a float"))
        self.assertReply(("ZUNION", "2", "z1", "z2", "WEIGHTS", "1", "WITHSCORES"),
                         error("ERR weight value is not a float"))
        self.assertReply(("ZUNION", "2", "z1", "z2", "WEIGHTS", "1"), error(SYNTAX))
        self.assertReply(("ZUNION", "2", "z1", "z2", "AGGREGATE", "foo"), error(SYNTAX))
        self.assertReply(("ZUNION", "2", "z1", "z2", "AGGREGATE"), error(SYNTAX))
        self.assertReply(("ZDIFF", "2", "z1", "z2", "WEIGHTS", "1", "1"), error(SYNTAX))
        self.assertReply(("ZDIFF", "2", "z1", "z2", "AGGREGATE", "SUM"), error(SYNTAX))
        self.r.set("str", "v")
        for args in (("ZUNION", "2", "z1", "str"), ("ZINTER", "2", "str", "z1"),
                     ("ZDIFF", "2", "z1", "str"), ("ZINTERCARD", "2", "z1", "str"),
                     ("ZUNIONSTORE", "out", "2", "z1", "str"),
                     ("ZINTERSTORE", "out", "2", "nokey", "str")):
            self.assertReply(args, error(WRONGTYPE))
        self.assertReply(("ZUNION", "1"), arity_error("zunion"))
        self.assertReply(("ZUNIONSTORE", "out", "1"), arity_error("zunionstore"))


if __name__ == "__main__":
    lib.main()
