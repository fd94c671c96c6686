"""The list commands (LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LINDEX LSET LRANGE LTRIM LREM
LINSERT LPOS LMOVE RPOPLPUSH LMPOP) and OBJECT ENCODING of lists, end to end with redis-py and
raw RESP2 / RESP3 connections: exact replies and error strings, elements coming back byte for
byte (integer-looking ones too), lists over many quicklist nodes edited in the middle, list keys
under the key commands (WRONGTYPE both ways, an emptied list deleting its key) and keyspace
events. Concurrent clients, and lists across SAVE + restart, BGREWRITEAOF + restart, DUMP /
RESTORE between basalt and Redis, and replication are in test_lists_durability.py; what both
files share is in list_case.py. The blocking commands (BLPOP & co.) are not here.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which
takes basalt's command line (`python3 test_lists.py --basalt /usr/bin/redis-server`); run it
that way again after changing an expectation.
"""

import random
import time

import basalt_testlib as lib
from command_case import EMPTY, NIL, NIL_ARRAY, OK, arity_error, bulk, error, integer
from list_case import (LLONG_MAX, LLONG_MIN, MUST_BE_POSITIVE, NOT_INTEGER, RANK_ZERO, WRONGTYPE,
                       ListTestCase, array)


class PushPopTest(ListTestCase):
    def test_push_order_and_lengths(self):
        self.assertReply(("LPUSH", "l", "a", "b", "c"), integer(3))
        self.assertList("l", [b"c", b"b", b"a"])
        self.assertReply(("RPUSH", "l", "d", "e"), integer(5))
        self.assertList("l", [b"c", b"b", b"a", b"d", b"e"])
        self.assertReply(("LPUSHX", "l", "x", "y"), integer(7))
        self.assertReply(("RPUSHX", "l", "z"), integer(8))
        self.assertList("l", [b"y", b"x", b"c", b"b", b"a", b"d", b"e", b"z"])
        self.assertReply(("LLEN", "l"), integer(8))
        self.assertReply(("TYPE", "l"), b"+list\r\n")
        # The X forms never create the key.
        self.assertReply(("LPUSHX", "nokey", "a"), integer(0))
        self.assertReply(("RPUSHX", "nokey", "a", "b"), integer(0))
        self.assertReply(("EXISTS", "nokey"), integer(0))
        self.assertReply(("LLEN", "nokey"), integer(0))
        # The same element many times, and an empty element.
        self.assertReply(("RPUSH", "dup", "a", "a", "", "a"), integer(4))
        self.assertList("dup", [b"a", b"a", b"", b"a"])
        for args, name in ((("LPUSH", "l"), "lpush"), (("RPUSH",), "rpush"),
                           (("LPUSHX", "l"), "lpushx"), (("RPUSHX", "l"), "rpushx"),
                           (("LLEN",), "llen"), (("LLEN", "l", "x"), "llen"),
                           (("LPOP",), "lpop"), (("RPOP", "l", "1", "2"), "rpop"),
                           (("LPOP", "l", "1", "COUNT", "1"), "lpop"),
                           (("lPuSh", "l"), "lpush")):
            self.assertReply(args, arity_error(name))

    def test_elements_come_back_exactly_as_written(self):
        elements = [b"-0", b"007", b"+5", b"0", b"-1", b"12", b"1.5", b"1e3", b" 1", b"1 ",
                    b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808",
                    b"-9223372036854775809", b"18446744073709551616", b"", b"\x00",
                    b"bin\x00\r\n\xff", b"\r\n", b"0x10", b"inf", b"nan", b"-"]
        self.assertEqual(self.r.rpush("l", *elements), len(elements))
        self.assertList("l", elements)
        for i, e in enumerate(elements):
            self.assertReply(("LINDEX", "l", str(i)), bulk(e))
        # Integer-looking elements are still compared as strings.
        self.assertReply(("LPOS", "l", "7"), NIL)
        self.assertReply(("LPOS", "l", "007"), integer(1))
        self.assertReply(("LPOS", "l", "-0"), integer(0))
        self.assertReply(("LPOS", "l", "0"), integer(3))
        self.assertReply(("LREM", "l", "0", "5"), integer(0))
        self.assertReply(("LREM", "l", "0", "9223372036854775807"), integer(1))
        self.assertReply(("LINSERT", "l", "AFTER", "12", "012"), integer(len(elements)))
        self.assertReply(("LINDEX", "l", "6"), bulk(b"012"))
        popped = [self.r.lpop("l") for _ in range(len(elements))]
        self.assertEqual(popped, [e for e in elements[:6]] + [b"012"] +
                         [e for e in elements[6:] if e != b"9223372036854775807"])
        self.assertReply(("EXISTS", "l"), integer(0))

    def test_lpop_rpop_without_and_with_count(self):
        self.r.rpush("l", "a", "b", "c", "d", "e")
        self.assertReply(("LPOP", "l"), bulk(b"a"))
        self.assertReply(("RPOP", "l"), bulk(b"e"))
        self.assertReply(("LPOP", "l", "1"), array(b"b"))  # an array even for one
        self.assertReply(("RPOP", "l", "0"), EMPTY)
        self.assertReply(("LPOP", "l", "0"), EMPTY)
        self.assertReply(("RPOP", "l", "5"), array(b"d", b"c"))  # more than there are
        self.assertReply(("EXISTS", "l"), integer(0))
        # A missing key: nil, or a nil array with a count (0 included).
        self.assertReply(("LPOP", "l"), NIL)
        self.assertReply(("RPOP", "l"), NIL)
        self.assertReply(("LPOP", "l", "2"), NIL_ARRAY)
        self.assertReply(("LPOP", "l", "0"), NIL_ARRAY)
        self.assertReply(("RPOP", "l", "0"), NIL_ARRAY)
        self.r.rpush("l", *[str(i) for i in range(10)])
        self.assertReply(("LPOP", "l", "3"), array(b"0", b"1", b"2"))
        self.assertReply(("RPOP", "l", "3"), array(b"9", b"8", b"7"))
        self.assertReply(("LPOP", "l", LLONG_MAX), array(b"3", b"4", b"5", b"6"))
        self.assertReply(("EXISTS", "l"), integer(0))

    def test_pop_count_errors(self):
        self.r.rpush("l", "a")
        # Any bad count, not a number included, is "out of range, must be positive"; checked
        # before the key (a missing key, or one of another type, gives the same error).
        for count in ("-1", LLONG_MIN, "abc", "", "1.5", " 1", "9223372036854775808", "0x1",
                      "--1"):
            for name in ("LPOP", "RPOP"):
                self.assertReply((name, "l", count), error(MUST_BE_POSITIVE))
                self.assertReply((name, "nokey", count), error(MUST_BE_POSITIVE))
        self.r.set("s", "x")
        self.assertReply(("LPOP", "s", "-1"), error(MUST_BE_POSITIVE))
        self.assertReply(("LPOP", "s", "0"), error(WRONGTYPE))
        self.assertReply(("LPOP", "s"), error(WRONGTYPE))
        # Redis's string2ll refuses "-0" and "+1": the same error.
        self.assertReply(("LPOP", "l", "-0"), error(MUST_BE_POSITIVE))
        self.assertReply(("LPOP", "l", "+1"), error(MUST_BE_POSITIVE))
        self.assertList("l", [b"a"])

    def test_long_elements_and_many_nodes(self):
        rng = random.Random(7)
        sizes = (1, 100, 4000, 8000, 8192, 9000, 20000, 65536, 100000)
        elements = [rng.randbytes(size) for size in sizes for _ in range(3)]
        rng.shuffle(elements)
        self.assertEqual(self.r.rpush("l", *elements), len(elements))
        self.assertList("l", elements)
        self.assertEqual(self.r.lindex("l", -1), elements[-1])
        self.assertEqual(self.r.lpop("l", 5), elements[:5])
        self.assertEqual(self.r.rpop("l", 5), elements[::-1][:5])
        del elements[:5]
        del elements[-5:]
        self.assertEqual(self.r.lrange("l", 3, 7), elements[3:8])
        self.assertEqual(self.r.llen("l"), len(elements))
        self.assertReply(("OBJECT", "ENCODING", "l"), bulk(b"quicklist"))


class IndexRangeTest(ListTestCase):
    def setUp(self):
        super().setUp()
        self.r.rpush("l", "a", "b", "c", "d", "e")

    def test_lindex(self):
        for i, e in ((0, b"a"), (4, b"e"), (-1, b"e"), (-5, b"a"), (2, b"c"), (-3, b"c")):
            self.assertReply(("LINDEX", "l", str(i)), bulk(e))
        for i in ("5", "-6", "100", "-100", LLONG_MAX, LLONG_MIN):
            self.assertReply(("LINDEX", "l", i), NIL)
        for i in ("abc", "", "1.5", "9223372036854775808", " 1", "-0"):
            self.assertReply(("LINDEX", "l", i), error(NOT_INTEGER))
        self.assertReply(("LINDEX", "nokey", "0"), NIL)
        self.assertReply(("LINDEX", "nokey", "abc"), NIL)  # the key is looked up first
        self.assertReply(("LINDEX", "l"), arity_error("lindex"))
        self.assertReply(("LINDEX", "l", "0", "1"), arity_error("lindex"))

    def test_lset(self):
        self.assertReply(("LSET", "l", "0", "A"), OK)
        self.assertReply(("LSET", "l", "-1", "E"), OK)
        self.assertReply(("LSET", "l", "2", "x" * 10000), OK)
        self.assertReply(("LSET", "l", "-4", ""), OK)
        self.assertList("l", [b"A", b"", b"x" * 10000, b"d", b"E"])
        for i in ("5", "-6", LLONG_MAX, LLONG_MIN):
            self.assertReply(("LSET", "l", i, "z"), error("ERR index out of range"))
        self.assertReply(("LSET", "l", "abc", "z"), error(NOT_INTEGER))
        self.assertReply(("LSET", "nokey", "0", "z"), error("ERR no such key"))
        self.assertReply(("LSET", "nokey", "abc", "z"), error("ERR no such key"))
        self.assertReply(("EXISTS", "nokey"), integer(0))
        self.assertReply(("LSET", "l", "0"), arity_error("lset"))
        self.assertList("l", [b"A", b"", b"x" * 10000, b"d", b"E"])

    def test_lrange(self):
        cases = [(("0", "-1"), [b"a", b"b", b"c", b"d", b"e"]), (("1", "2"), [b"b", b"c"]),
                 (("-2", "-1"), [b"d", b"e"]), (("-100", "1"), [b"a", b"b"]),
                 (("3", "100"), [b"d", b"e"]), (("2", "1"), []), (("5", "10"), []),
                 (("-1", "-2"), []), (("0", "0"), [b"a"]), (("-5", "-5"), [b"a"]),
                 (("-6", "-6"), []), ((LLONG_MIN, LLONG_MAX), [b"a", b"b", b"c", b"d", b"e"]),
                 ((LLONG_MAX, LLONG_MIN), []), (("4", LLONG_MAX), [b"e"])]
        for (start, stop), expected in cases:
            self.assertReply(("LRANGE", "l", start, stop), array(*expected))
        self.assertReply(("LRANGE", "nokey", "0", "-1"), EMPTY)
        for bad in (("a", "1"), ("0", "1.0"), ("0", "9223372036854775808")):
            self.assertReply(("LRANGE", "l") + bad, error(NOT_INTEGER))
        self.assertReply(("LRANGE", "l", "0"), arity_error("lrange"))

    def test_ltrim(self):
        self.assertReply(("LTRIM", "l", "1", "-2"), OK)
        self.assertList("l", [b"b", b"c", b"d"])
        self.assertReply(("LTRIM", "l", "-100", "100"), OK)
        self.assertList("l", [b"b", b"c", b"d"])
        self.assertReply(("LTRIM", "l", "1", "1"), OK)
        self.assertList("l", [b"c"])
        self.assertReply(("LTRIM", "nokey", "0", "1"), OK)
        self.assertReply(("EXISTS", "nokey"), integer(0))
        self.assertReply(("LTRIM", "l", "0", "abc"), error(NOT_INTEGER))
        self.assertReply(("LTRIM", "l", "0"), arity_error("ltrim"))
        # Trimming everything away deletes the key, and with it its TTL.
        for start, stop in (("1", "0"), ("5", "10"), ("-1", "-2"), (LLONG_MAX, LLONG_MIN)):
            self.r.delete("t")
            self.r.rpush("t", "a", "b", "c")
            self.r.expire("t", 1000)
            self.assertReply(("LTRIM", "t", start, stop), OK)
            self.assertReply(("EXISTS", "t"), integer(0))
            self.r.rpush("t", "new")
            self.assertReply(("TTL", "t"), integer(-1))

    def test_lrem(self):
        self.r.delete("l")
        self.r.rpush("l", "a", "b", "a", "c", "a", "b", "a")
        self.assertReply(("LREM", "l", "2", "a"), integer(2))  # from the head
        self.assertList("l", [b"b", b"c", b"a", b"b", b"a"])
        self.assertReply(("LREM", "l", "-1", "b"), integer(1))  # from the tail
        self.assertList("l", [b"b", b"c", b"a", b"a"])
        self.assertReply(("LREM", "l", "0", "a"), integer(2))  # all
        self.assertList("l", [b"b", b"c"])
        self.assertReply(("LREM", "l", "0", "zz"), integer(0))
        self.assertReply(("LREM", "l", LLONG_MIN, "b"), integer(1))
        self.assertReply(("LREM", "l", LLONG_MAX, "c"), integer(1))  # the last: key deleted
        self.assertReply(("EXISTS", "l"), integer(0))
        self.assertReply(("LREM", "nokey", "1", "a"), integer(0))
        self.assertReply(("LREM", "nokey", "x", "a"), error(NOT_INTEGER))
        self.assertReply(("LREM", "l", "1"), arity_error("lrem"))

    def test_linsert(self):
        self.r.rpush("p", "a", "b", "a")
        self.assertReply(("LINSERT", "p", "BEFORE", "a", "x"), integer(4))  # the first pivot
        self.assertReply(("LINSERT", "p", "after", "a", "y"), integer(5))
        self.assertReply(("LINSERT", "p", "AfTeR", "b", ""), integer(6))
        self.assertList("p", [b"x", b"a", b"y", b"b", b"", b"a"])
        self.assertReply(("LINSERT", "p", "BEFORE", "zz", "q"), integer(-1))
        self.assertReply(("LINSERT", "nokey", "BEFORE", "a", "q"), integer(0))
        self.assertReply(("EXISTS", "nokey"), integer(0))
        for where in ("MIDDLE", "", "BEFOREX"):
            self.assertReply(("LINSERT", "p", where, "a", "q"), error("ERR syntax error"))
        self.assertReply(("LINSERT", "nokey", "MIDDLE", "a", "q"), error("ERR syntax error"))
        self.assertReply(("LINSERT", "p", "BEFORE", "a"), arity_error("linsert"))
        self.assertList("p", [b"x", b"a", b"y", b"b", b"", b"a"])


class LposTest(ListTestCase):
    def setUp(self):
        super().setUp()
        self.r.rpush("l", "a", "b", "c", "1", "2", "3", "c", "c")

    def test_rank_count_maxlen(self):
        cases = [
            (("c",), integer(2)),
            (("c", "RANK", "1"), integer(2)),
            (("c", "RANK", "2"), integer(6)),
            (("c", "RANK", "-1"), integer(7)),
            (("c", "RANK", "-3"), integer(2)),
            (("c", "RANK", "4"), NIL),
            (("c", "RANK", LLONG_MAX), NIL),
            (("c", "RANK", "-9223372036854775807"), NIL),
            (("c", "COUNT", "2"), b"*2\r\n:2\r\n:6\r\n"),
            (("c", "COUNT", "0"), b"*3\r\n:2\r\n:6\r\n:7\r\n"),  # 0: all matches
            (("c", "COUNT", "100"), b"*3\r\n:2\r\n:6\r\n:7\r\n"),
            (("c", "RANK", "-1", "COUNT", "2"), b"*2\r\n:7\r\n:6\r\n"),
            (("c", "RANK", "2", "COUNT", "0"), b"*2\r\n:6\r\n:7\r\n"),
            (("zz", "COUNT", "0"), EMPTY),
            (("zz",), NIL),
            (("c", "MAXLEN", "2"), NIL),  # only a and b compared
            (("c", "MAXLEN", "3"), integer(2)),
            (("c", "MAXLEN", "0"), integer(2)),  # 0: no limit
            (("c", "COUNT", "0", "MAXLEN", "7"), b"*2\r\n:2\r\n:6\r\n"),
            (("c", "RANK", "-1", "MAXLEN", "1"), integer(7)),
            (("c", "RANK", "-1", "MAXLEN", "3", "COUNT", "0"), b"*2\r\n:7\r\n:6\r\n"),
            (("a", "RANK", "-1"), integer(0)),
            (("c", "MAXLEN", "1", "COUNT", "1", "RANK", "2"), EMPTY),
            # The last of a repeated option wins.
            (("c", "RANK", "1", "RANK", "2"), integer(6)),
            (("c", "COUNT", "1", "COUNT", "2"), b"*2\r\n:2\r\n:6\r\n"),
            (("c", "rank", "2", "count", "1", "maxlen", "0"), b"*1\r\n:6\r\n"),
            (("1",), integer(3)),
            (("01",), NIL),
        ]
        for args, expected in cases:
            self.assertReply(("LPOS", "l") + args, expected)

    def test_llong_min_rank(self):
        """RANK -9223372036854775808: redis-server 7.0.15 has no check for it (7.2 added one)
        and answers as for the first match from the tail (negating LLONG_MIN stays negative);
        this is the reference's behaviour, so it is pinned."""
        self.assertReply(("LPOS", "l", "c", "RANK", LLONG_MIN), integer(7))
        self.assertReply(("LPOS", "l", "a", "RANK", LLONG_MIN), integer(0))
        self.assertReply(("LPOS", "l", "c", "RANK", LLONG_MIN, "COUNT", "0"),
                         b"*3\r\n:7\r\n:6\r\n:2\r\n")
        # Its COUNT test ("matches - rank + 1 >= count") overflows as well and never stops the
        # search: any COUNT returns every match, MAXLEN still applies.
        self.assertReply(("LPOS", "l", "c", "RANK", LLONG_MIN, "COUNT", "1"),
                         b"*3\r\n:7\r\n:6\r\n:2\r\n")
        self.assertReply(("LPOS", "l", "c", "RANK", LLONG_MIN, "COUNT", "2", "MAXLEN", "2"),
                         b"*2\r\n:7\r\n:6\r\n")

    def test_missing_key(self):
        self.assertReply(("LPOS", "nokey", "a"), NIL)
        self.assertReply(("LPOS", "nokey", "a", "COUNT", "0"), EMPTY)
        self.assertReply(("LPOS", "nokey", "a", "COUNT", "2", "RANK", "-1"), EMPTY)

    def test_errors(self):
        cases = [
            (("c", "RANK", "0"), RANK_ZERO),
            (("c", "RANK", "abc"), NOT_INTEGER),
            (("c", "RANK", "9223372036854775808"), NOT_INTEGER),
            (("c", "COUNT", "-1"), "ERR COUNT can't be negative"),
            (("c", "COUNT", "abc"), "ERR COUNT can't be negative"),
            (("c", "MAXLEN", "-1"), "ERR MAXLEN can't be negative"),
            (("c", "MAXLEN", "x"), "ERR MAXLEN can't be negative"),
            (("c", "RANK"), "ERR syntax error"),
            (("c", "COUNT"), "ERR syntax error"),
            (("c", "FOO", "1"), "ERR syntax error"),
            (("c", "RANK", "1", "x"), "ERR syntax error"),
        ]
        for args, text in cases:
            self.assertReply(("LPOS", "l") + args, error(text))
        # Options are parsed before the key is looked up.
        self.assertReply(("LPOS", "nokey", "a", "RANK", "0"), error(RANK_ZERO))
        self.r.set("s", "x")
        self.assertReply(("LPOS", "s", "a", "COUNT", "-1"), error("ERR COUNT can't be negative"))
        self.assertReply(("LPOS", "s", "a"), error(WRONGTYPE))
        self.assertReply(("LPOS", "l"), arity_error("lpos"))


class MoveTest(ListTestCase):
    def test_lmove_directions(self):
        self.r.rpush("src", "1", "2", "3", "4")
        self.r.rpush("dst", "x")
        self.assertReply(("LMOVE", "src", "dst", "LEFT", "LEFT"), bulk(b"1"))
        self.assertReply(("LMOVE", "src", "dst", "RIGHT", "RIGHT"), bulk(b"4"))
        self.assertReply(("LMOVE", "src", "dst", "left", "right"), bulk(b"2"))
        self.assertReply(("LMOVE", "src", "dst", "Right", "Left"), bulk(b"3"))
        self.assertList("dst", [b"3", b"1", b"x", b"4", b"2"])
        self.assertReply(("EXISTS", "src"), integer(0))  # emptied
        self.assertReply(("LMOVE", "src", "dst", "LEFT", "LEFT"), NIL)
        self.assertReply(("LMOVE", "dst", "new", "LEFT", "RIGHT"), bulk(b"3"))  # creates it
        self.assertList("new", [b"3"])
        self.assertReply(("RPOPLPUSH", "dst", "new"), bulk(b"2"))
        self.assertList("new", [b"2", b"3"])
        self.assertReply(("RPOPLPUSH", "nokey", "new"), NIL)
        self.assertReply(("LMOVE", "nokey", "other", "LEFT", "LEFT"), NIL)
        self.assertReply(("EXISTS", "other"), integer(0))
        for bad in (("UP", "LEFT"), ("LEFT", "DOWN"), ("", "LEFT"), ("LEFTX", "RIGHT")):
            self.assertReply(("LMOVE", "dst", "new") + bad, error("ERR syntax error"))
        self.assertReply(("LMOVE", "nokey", "new", "UP", "LEFT"), error("ERR syntax error"))
        self.assertReply(("LMOVE", "a", "b", "LEFT"), arity_error("lmove"))
        self.assertReply(("RPOPLPUSH", "a"), arity_error("rpoplpush"))

    def test_same_key_rotates(self):
        self.r.rpush("l", "a", "b", "c")
        self.assertReply(("RPOPLPUSH", "l", "l"), bulk(b"c"))
        self.assertList("l", [b"c", b"a", b"b"])
        self.assertReply(("LMOVE", "l", "l", "LEFT", "RIGHT"), bulk(b"c"))
        self.assertList("l", [b"a", b"b", b"c"])
        self.assertReply(("LMOVE", "l", "l", "LEFT", "LEFT"), bulk(b"a"))
        self.assertReply(("LMOVE", "l", "l", "RIGHT", "RIGHT"), bulk(b"c"))
        self.assertList("l", [b"a", b"b", b"c"])
        self.r.delete("one")
        self.r.rpush("one", "only")
        self.r.expire("one", 1000)
        self.assertReply(("LMOVE", "one", "one", "LEFT", "RIGHT"), bulk(b"only"))
        self.assertList("one", [b"only"])  # the key was never deleted: the TTL stays
        self.assertGreater(self.r.ttl("one"), 0)

    def test_wrongtype_on_either_side(self):
        self.r.rpush("l", "a", "b")
        self.r.set("s", "x")
        self.r.hset("h", "f", "v")
        for other in ("s", "h"):
            self.assertReply(("LMOVE", "l", other, "LEFT", "LEFT"), error(WRONGTYPE))
            self.assertReply(("RPOPLPUSH", "l", other), error(WRONGTYPE))
            self.assertReply(("LMOVE", other, "l", "LEFT", "LEFT"), error(WRONGTYPE))
            self.assertReply(("RPOPLPUSH", other, "l"), error(WRONGTYPE))
            self.assertReply(("LMOVE", other, "nokey", "RIGHT", "LEFT"), error(WRONGTYPE))
            self.assertReply(("LMOVE", other, other, "RIGHT", "LEFT"), error(WRONGTYPE))
        # A missing source is nil before the destination's type is looked at.
        self.assertReply(("LMOVE", "nokey", "s", "LEFT", "LEFT"), NIL)
        self.assertReply(("RPOPLPUSH", "nokey", "h"), NIL)
        self.assertList("l", [b"a", b"b"])  # nothing popped
        self.assertEqual(self.r.get("s"), b"x")


class LmpopTest(ListTestCase):
    def test_pops_from_the_first_non_empty_key(self):
        self.r.rpush("b", "1", "2", "3")
        self.r.rpush("c", "x")
        self.assertReply(("LMPOP", "3", "a", "b", "c", "LEFT"), array(b"b", ("raw", array(b"1"))))
        self.assertReply(("LMPOP", "2", "a", "b", "RIGHT", "COUNT", "1"),
                         array(b"b", ("raw", array(b"3"))))
        self.assertReply(("LMPOP", "2", "b", "c", "left", "count", "10"),
                         array(b"b", ("raw", array(b"2"))))
        self.assertReply(("EXISTS", "b"), integer(0))
        self.assertReply(("LMPOP", "2", "b", "c", "RIGHT", "COUNT", LLONG_MAX),
                         array(b"c", ("raw", array(b"x"))))
        self.assertReply(("LMPOP", "2", "b", "c", "RIGHT"), NIL_ARRAY)
        self.assertReply(("LMPOP", "1", "b", "LEFT", "COUNT", "5"), NIL_ARRAY)
        # The same key twice, and a non-list key after a list.
        self.r.rpush("l", "a", "b", "c", "d")
        self.r.set("s", "v")
        self.assertReply(("LMPOP", "3", "l", "l", "s", "RIGHT", "COUNT", "2"),
                         array(b"l", ("raw", array(b"d", b"c"))))
        self.assertReply(("LMPOP", "2", "nokey", "s", "LEFT"), error(WRONGTYPE))
        self.assertReply(("LMPOP", "2", "s", "l", "LEFT"), error(WRONGTYPE))
        self.assertList("l", [b"a", b"b"])

    def test_errors(self):
        self.r.rpush("l", "a")
        cases = [
            (("0", "l", "LEFT"), "ERR numkeys should be greater than 0"),
            (("-1", "l", "LEFT"), "ERR numkeys should be greater than 0"),
            (("abc", "l", "LEFT"), "ERR numkeys should be greater than 0"),
            (("3", "l", "LEFT"), "ERR syntax error"),  # more keys than arguments
            (("2", "l", "LEFT"), "ERR syntax error"),  # no direction after the keys
            (("1", "l", "UP"), "ERR syntax error"),
            (("1", "l", "LEFT", "COUNT"), "ERR syntax error"),
            (("1", "l", "LEFT", "COUNT", "0"), "ERR count should be greater than 0"),
            (("1", "l", "LEFT", "COUNT", "-1"), "ERR count should be greater than 0"),
            (("1", "l", "LEFT", "COUNT", "abc"), "ERR count should be greater than 0"),
            (("1", "l", "LEFT", "COUNT", "1", "COUNT", "2"), "ERR syntax error"),
            (("1", "l", "LEFT", "foo"), "ERR syntax error"),
            (("1", "l", "LEFT", "1"), "ERR syntax error"),
            ((LLONG_MAX, "l", "LEFT"), "ERR syntax error"),
        ]
        for args, text in cases:
            self.assertReply(("LMPOP",) + args, error(text))
        self.assertReply(("LMPOP", "1", "l"), arity_error("lmpop"))
        self.assertReply(("LMPOP", "1"), arity_error("lmpop"))
        self.assertList("l", [b"a"])


class KeyspaceTest(ListTestCase):
    def test_wrongtype_both_ways(self):
        self.r.set("s", "x")
        self.r.hset("h", "f", "v")
        self.r.rpush("l", "a")
        for key in ("s", "h"):
            for args in (("LPUSH", key, "a"), ("RPUSH", key, "a"), ("LPUSHX", key, "a"),
                         ("RPUSHX", key, "a"), ("LPOP", key), ("RPOP", key, "2"),
                         ("LLEN", key), ("LINDEX", key, "0"), ("LSET", key, "0", "a"),
                         ("LRANGE", key, "0", "-1"), ("LTRIM", key, "0", "1"),
                         ("LREM", key, "0", "a"), ("LINSERT", key, "BEFORE", "a", "b"),
                         ("LPOS", key, "a"), ("LMPOP", "1", key, "LEFT")):
                self.assertReply(args, error(WRONGTYPE))
        for args in (("GET", "l"), ("APPEND", "l", "x"), ("INCR", "l"), ("HGET", "l", "f"),
                     ("HSET", "l", "f", "v"), ("STRLEN", "l"), ("GETRANGE", "l", "0", "1")):
            self.assertReply(args, error(WRONGTYPE))
        self.assertReply(("TYPE", "l"), b"+list\r\n")
        self.assertList("l", [b"a"])

    def test_key_commands_on_lists(self):
        self.r.rpush("l", "a", "b", "c")
        self.assertEqual(self.r.copy("l", "c"), True)
        self.r.rpush("c", "d")
        self.assertList("l", [b"a", b"b", b"c"])  # a deep copy
        self.assertList("c", [b"a", b"b", b"c", b"d"])
        self.assertEqual(self.r.rename("c", "r"), True)
        self.assertList("r", [b"a", b"b", b"c", b"d"])
        self.assertEqual(self.r.move("r", 1), True)
        r1 = self.server.client(db=1)
        self.assertEqual(r1.lrange("r", 0, -1), [b"a", b"b", b"c", b"d"])
        r1.close()
        self.r.expire("l", 1000)
        self.r.rpush("l", "d")
        self.assertGreater(self.r.ttl("l"), 0)  # a push keeps the TTL
        self.assertReply(("RENAME", "l", "l"), OK)
        self.r.hset("h", "f", "v")
        self.assertReply(("SCAN", "0", "TYPE", "list", "COUNT", "100"),
                         b"*2\r\n$1\r\n0\r\n" + array(b"l"))
        self.assertReply(("COPY", "l", "h"), integer(0))
        self.assertReply(("COPY", "l", "h", "REPLACE"), integer(1))
        self.assertList("h", [b"a", b"b", b"c", b"d"])
        self.r.set("l", "now a string")
        self.assertEqual(self.r.type("l"), b"string")
        self.assertEqual(self.r.ttl("l"), -1)
        self.r.rpush("x", "1")
        self.r.pexpire("x", 50)
        time.sleep(0.2)
        self.assertReply(("LLEN", "x"), integer(0))
        self.assertReply(("EXISTS", "x"), integer(0))

    def test_expired_keys_are_missing_keys(self):
        """A list command meeting a key whose TTL has passed sees no key: LPUSHX does nothing,
        LMOVE into an expired string creates a list (no WRONGTYPE), LMOVE from an expired list
        returns nil."""
        self.r.set("s", "x", px=1)
        self.r.rpush("gone", "a")
        self.r.pexpire("gone", 1)
        self.r.rpush("src", "a", "b")
        time.sleep(0.05)
        self.assertReply(("LPUSHX", "gone", "x"), integer(0))
        self.assertReply(("LMOVE", "gone", "src", "LEFT", "LEFT"), NIL)
        self.assertReply(("LMOVE", "src", "s", "LEFT", "LEFT"), bulk(b"a"))
        self.assertReply(("TYPE", "s"), b"+list\r\n")
        self.assertReply(("TTL", "s"), integer(-1))
        self.assertReply(("LSET", "gone", "0", "x"), error("ERR no such key"))
        self.assertReply(("LLEN", "gone"), integer(0))
        self.assertReply(("EXISTS", "gone"), integer(0))

    def test_emptied_list_deletes_key_and_ttl(self):
        for pop in (("LPOP", "k"), ("RPOP", "k", "5"), ("LREM", "k", "0", "a"),
                    ("LTRIM", "k", "1", "0"), ("LMPOP", "1", "k", "LEFT", "COUNT", "2"),
                    ("LMOVE", "k", "elsewhere", "LEFT", "LEFT"), ("RPOPLPUSH", "k", "o")):
            self.r.delete("k")
            self.r.rpush("k", "a")
            self.r.expire("k", 1000)
            self.cmd(*pop)
            self.assertReply(("EXISTS", "k"), integer(0))
            self.r.rpush("k", "b")
            self.assertReply(("TTL", "k"), integer(-1))

    def test_object_encoding(self):
        self.r.rpush("small", "a")
        self.r.rpush("big", *[b"x" * 100] * 2000)
        self.r.rpush("long", b"y" * 100000)
        for key in ("small", "big", "long"):
            self.assertReply(("OBJECT", "ENCODING", key), bulk(b"quicklist"))
        self.assertReply(("OBJECT", "ENCODING", "nokey"), NIL)

    def test_transaction_of_list_commands(self):
        self.r.set("s", "x")
        self.assertReply(("MULTI",), OK)
        for args in (("RPUSH", "l", "a", "b", "c"), ("LPOP", "l", "2"), ("LPUSH", "s", "x"),
                     ("LMOVE", "l", "m", "LEFT", "RIGHT"), ("LLEN", "l"), ("LPOS", "m", "c")):
            self.assertReply(args, b"+QUEUED\r\n")
        self.assertReply(("EXEC",), b"*6\r\n:3\r\n" + array(b"a", b"b") + error(WRONGTYPE) +
                         bulk(b"c") + b":0\r\n:0\r\n")


class WatchTest(ListTestCase):
    """Which list commands touch a WATCHed key (the EXEC then fails): only those that changed
    the list (LTRIM even when nothing goes)."""

    def test_watched_list_touched_or_not(self):
        cases = [
            (("LPUSH", "w", "x"), True), (("RPUSHX", "w", "x"), True),
            (("LPUSHX", "nokey", "x"), False), (("LPOP", "w"), True), (("RPOP", "w", "2"), True),
            (("LPOP", "w", "0"), False), (("LSET", "w", "0", "x"), True),
            (("LSET", "w", "99", "x"), False), (("LINSERT", "w", "BEFORE", "a", "x"), True),
            (("LINSERT", "w", "BEFORE", "zz", "x"), False), (("LREM", "w", "0", "a"), True),
            (("LREM", "w", "0", "zz"), False), (("LTRIM", "w", "0", "-1"), True),
            (("LMOVE", "w", "w", "LEFT", "RIGHT"), True), (("RPOPLPUSH", "w", "other"), True),
            (("RPOPLPUSH", "other", "w"), True), (("LMPOP", "1", "w", "LEFT"), True),
            (("LRANGE", "w", "0", "-1"), False), (("LPOS", "w", "a"), False),
            (("LINDEX", "w", "0"), False), (("LLEN", "w"), False),
        ]
        other = self.server.raw()
        self.addCleanup(other.close)
        for args, touched in cases:
            self.r.delete("w", "other")
            self.r.rpush("w", "a", "b", "c")
            self.r.rpush("other", "o")
            self.assertReply(("WATCH", "w"), OK)
            other.command(*args)
            self.assertReply(("MULTI",), OK)
            self.assertReply(("PING",), b"+QUEUED\r\n")
            self.assertEqual(self.cmd("EXEC"), NIL_ARRAY if touched else b"*1\r\n+PONG\r\n",
                             args)


class IntegerElementsTest(ListTestCase):
    def test_integers_at_every_encoding_width_come_back(self):
        """Elements that a listpack stores as integers of 7, 13, 16, 24, 32 and 64 bits, at
        each width's limits, and strings that only look like them."""
        values = [0, 1, 63, 64, 127, 128, -1, -64, -65, 4095, 4096, -4096, -4097, 8191, 8192,
                  32767, 32768, -32768, -32769, 8388607, 8388608, -8388608, -8388609,
                  2147483647, 2147483648, -2147483648, -2147483649, 2**63 - 1, -2**63]
        elements = [b"%d" % v for v in values] + [b"00", b"-0", b"+1", b"1 ", b"0x7f",
                                                  b"9223372036854775808", b"-9223372036854775809"]
        self.r.rpush("l", *elements)
        self.r.lpush("r", *elements)
        self.assertList("l", elements)
        self.assertList("r", elements[::-1])
        for i, e in enumerate(elements):
            self.assertEqual(self.r.lindex("l", i), e)
            self.assertEqual(self.r.lpos("l", e), i)
        self.assertEqual(self.r.lrem("l", 0, "8192"), 1)
        self.assertEqual(self.r.lpos("l", "8191"), elements.index(b"8191"))
        payload = self.r.dump("l")
        self.r.delete("l")
        self.assertEqual(self.r.restore("l", 0, payload), b"OK")
        self.assertList("l", [e for e in elements if e != b"8192"])


class NodeConfigTest(ListTestCase):
    """list-max-listpack-size (alias list-max-ziplist-size) and list-compress-depth change how a
    list is cut into nodes, never what the commands answer: a random stream of edits checked
    against a model under several settings."""

    def tearDown(self):
        self.r.config_set("list-max-listpack-size", -2)
        self.r.config_set("list-compress-depth", 1)
        super().tearDown()

    def test_config_values(self):
        self.assertEqual(self.r.config_get("list-max-listpack-size"),
                         {"list-max-listpack-size": "-2"})
        self.assertEqual(self.r.config_get("list-max-ziplist-size"),
                         {"list-max-ziplist-size": "-2"})
        # basalt's default; Redis's is 0 (config/basalt.toml says why).
        self.assertEqual(self.r.config_get("list-compress-depth"), {"list-compress-depth": "1"})
        self.assertReply(("CONFIG", "SET", "list-max-ziplist-size", "-3"), OK)
        self.assertEqual(self.r.config_get("list-max-listpack-size"),
                         {"list-max-listpack-size": "-3"})
        self.assertReply(("CONFIG", "SET", "list-compress-depth", "-1"), error(
            "ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - "
            "argument must be between 0 and 2147483647 inclusive"))

    def test_edits_under_node_settings(self):
        rng = random.Random(21)
        for fill, depth in ((1, 0), (2, 1), (4, 2), (128, 0), (-1, 1), (-5, 3), (-2, 0)):
            self.r.config_set("list-max-listpack-size", fill)
            self.r.config_set("list-compress-depth", depth)
            self.r.delete("l")
            model = [b"v%d" % i * rng.choice((1, 1, 30, 300)) for i in range(600)]
            self.r.rpush("l", *model)
            for step in range(300):
                op = rng.randrange(8)
                value = rng.choice((b"n%d" % step, b"N%d" % step * 500, b"%d" % step))
                i = rng.randrange(len(model)) if model else 0
                if op == 0:
                    self.assertEqual(self.r.lpush("l", value), len(model) + 1)
                    model.insert(0, value)
                elif op == 1:
                    self.assertEqual(self.r.rpush("l", value), len(model) + 1)
                    model.append(value)
                elif op == 2 and model:
                    where = rng.choice(("BEFORE", "AFTER"))
                    j = model.index(model[i])
                    self.r.linsert("l", where, model[i], value)
                    model.insert(j if where == "BEFORE" else j + 1, value)
                elif op == 3 and model:
                    self.r.lset("l", i, value)
                    model[i] = value
                elif op == 4 and model:
                    target = model[i]
                    self.assertEqual(self.r.lrem("l", 1, target), 1)
                    model.remove(target)
                elif op == 5:
                    n = rng.randint(1, 5)
                    self.assertEqual(self.r.lpop("l", n) or [], model[:n])
                    del model[:n]
                elif op == 6:
                    n = rng.randint(1, 5)
                    self.assertEqual(self.r.rpop("l", n) or [], model[::-1][:n])
                    del model[len(model) - n:]
                else:
                    self.assertEqual(self.r.lrange("l", max(0, i - 20), i + 20),
                                     model[max(0, i - 20):i + 21])
                    self.assertEqual(self.r.lindex("l", -1 - i if model else 0),
                                     model[-1 - i] if model else None)
            self.assertList("l", model)
            payload = self.r.dump("l")
            self.assertEqual(self.r.restore("copy", 0, payload, replace=True), b"OK")
            self.assertList("copy", model)

    def test_five_megabyte_elements(self):
        big = b"x" * (5 * 1024 * 1024)
        other = b"y" * (5 * 1024 * 1024 + 1)
        self.assertEqual(self.r.rpush("l", "a", big, "b"), 3)
        self.assertEqual(self.r.lindex("l", 1), big)
        self.assertTrue(self.r.lset("l", 0, other))
        self.assertEqual(self.r.lpos("l", big, count=0), [1])
        self.assertEqual(self.r.linsert("l", "AFTER", big, other), 4)
        self.assertEqual(self.r.lrem("l", -1, other), 1)
        self.assertEqual(self.r.lrange("l", 0, -1), [other, big, b"b"])
        self.assertEqual(self.r.lmove("l", "m", "RIGHT", "LEFT"), b"b")
        self.assertEqual(self.r.rpoplpush("l", "m"), big)
        self.assertEqual(self.r.lrange("m", 0, -1), [big, b"b"])
        self.assertEqual(self.r.lpop("l", 5), [other])


class BigListTest(ListTestCase):
    def test_edits_in_the_middle_of_a_many_node_list(self):
        model = [b"e:%d" % i for i in range(5000)]
        self.assertEqual(self.r.rpush("l", *model), 5000)
        rng = random.Random(11)
        for step in range(200):
            op = rng.randrange(5)
            i = rng.randrange(len(model))
            if op == 0:
                pivot = model[i]
                value = b"ins:%d" % step if rng.random() < 0.8 else b"L" * 9000
                where = rng.choice(("BEFORE", "AFTER"))
                j = model.index(pivot)
                self.assertEqual(self.r.linsert("l", where, pivot, value), len(model) + 1)
                model.insert(j if where == "BEFORE" else j + 1, value)
            elif op == 1:
                value = b"set:%d" % step if rng.random() < 0.8 else b"S" * 10000
                self.assertTrue(self.r.lset("l", i - len(model) if rng.random() < 0.5 else i,
                                            value))
                model[i] = value
            elif op == 2:
                target = model[i]
                count = rng.choice((0, 1, -1, 2))
                expected = model.count(target) if count == 0 else min(abs(count),
                                                                      model.count(target))
                self.assertEqual(self.r.lrem("l", count, target), expected)
                positions = [k for k, e in enumerate(model) if e == target]
                if count < 0:
                    positions = positions[::-1]
                if count != 0:
                    positions = positions[:abs(count)]
                for k in sorted(positions, reverse=True):
                    del model[k]
            elif op == 3:
                self.assertEqual(self.r.lindex("l", i), model[i])
                self.assertEqual(self.r.lrange("l", i, i + 50), model[i:i + 51])
            else:
                self.assertEqual(self.r.lpos("l", model[i]), model.index(model[i]))
        self.assertList("l", model)
        self.assertEqual(self.r.ltrim("l", 1000, -1000), True)
        model = model[1000:len(model) - 999]
        self.assertList("l", model)
        self.assertEqual(self.r.llen("l"), len(model))

    def test_duplicates_over_many_nodes(self):
        self.r.rpush("l", *([b"a", b"b"] * 3000))
        self.assertEqual(self.r.lpos("l", "b", rank=-2), 5997)
        self.assertEqual(self.r.lpos("l", "a", rank=1000, count=3), [1998, 2000, 2002])
        self.assertEqual(self.r.lpos("l", "a", count=0, maxlen=10), [0, 2, 4, 6, 8])
        self.assertEqual(self.r.lrem("l", -1000, "a"), 1000)
        self.assertEqual(self.r.lrem("l", 1000, "b"), 1000)
        # LREM a -1000 took the last 1000 a, LREM b 1000 the first 1000 b.
        model = [b"a", b"b"] * 3000
        removed = 0
        for k in range(len(model) - 1, -1, -1):
            if model[k] == b"a" and removed < 1000:
                del model[k]
                removed += 1
        removed = 0
        k = 0
        while k < len(model):
            if model[k] == b"b" and removed < 1000:
                del model[k]
                removed += 1
            else:
                k += 1
        self.assertList("l", model)
        self.assertEqual(self.r.lrem("l", 0, "a"), model.count(b"a"))
        self.assertEqual(self.r.llen("l"), model.count(b"b"))


class KeyspaceEventsTest(lib.KeyEventsMixin, ListTestCase):
    """The keyevent notifications of the list commands (class l, g for the DEL of an emptied
    list), in order."""

    def test_events(self):
        cases = [
            (("RPUSH", "l", "a", "b", "c", "d", "e"), [(b"rpush", b"l")]),
            (("LPUSH", "l", "z"), [(b"lpush", b"l")]),
            (("LPUSHX", "nokey", "z"), []),
            (("RPUSHX", "l", "y"), [(b"rpush", b"l")]),
            (("LPUSHX", "l", "x"), [(b"lpush", b"l")]),
            (("LPOP", "l"), [(b"lpop", b"l")]),
            (("LPOP", "l", "2"), [(b"lpop", b"l")]),  # one event for the count
            (("LPOP", "l", "0"), []),
            (("RPOP", "l"), [(b"rpop", b"l")]),
            (("LSET", "l", "0", "new"), [(b"lset", b"l")]),
            (("LSET", "l", "99", "new"), []),
            (("LINSERT", "l", "BEFORE", "new", "n0"), [(b"linsert", b"l")]),
            (("LINSERT", "l", "BEFORE", "zz", "n0"), []),
            (("LREM", "l", "0", "zz"), []),
            (("LREM", "l", "1", "n0"), [(b"lrem", b"l")]),
            (("LTRIM", "l", "0", "-1"), [(b"ltrim", b"l")]),  # even when nothing goes
            (("LRANGE", "l", "0", "-1"), []),
            (("LPOS", "l", "new"), []),
            (("RPUSH", "m", "1", "2"), [(b"rpush", b"m")]),
            # LMOVE: the push on the destination, then the pop on the source.
            (("LMOVE", "m", "dst", "LEFT", "RIGHT"), [(b"rpush", b"dst"), (b"lpop", b"m")]),
            (("LMOVE", "m", "dst", "RIGHT", "LEFT"),
             [(b"lpush", b"dst"), (b"rpop", b"m"), (b"del", b"m")]),
            (("RPOPLPUSH", "dst", "dst"), [(b"lpush", b"dst"), (b"rpop", b"dst")]),
            (("LMOVE", "nokey", "dst", "LEFT", "LEFT"), []),
            (("LMPOP", "2", "nokey", "dst", "RIGHT", "COUNT", "5"),
             [(b"rpop", b"dst"), (b"del", b"dst")]),
            (("LTRIM", "l", "1", "0"), [(b"ltrim", b"l"), (b"del", b"l")]),
            (("RPUSH", "r", "a", "a"), [(b"rpush", b"r")]),
            (("LREM", "r", "0", "a"), [(b"lrem", b"r"), (b"del", b"r")]),
            (("RPUSH", "d", "a"), [(b"rpush", b"d")]),
            (("DEL", "d"), [(b"del", b"d")]),
            (("RPUSH", "p", "a"), [(b"rpush", b"p")]),
            (("RPOP", "p", "5"), [(b"rpop", b"p"), (b"del", b"p")]),
        ]
        for args, expected in cases:
            _, events = self.events(*args)
            self.assertEqual(events, expected, args)


class Resp3Test(ListTestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(self.cmd("HELLO", "3").startswith(b"%7\r\n"))

    def test_replies(self):
        self.r.rpush("l", "a", "b", "c")
        self.assertReply(("LPOP", "nokey"), b"_\r\n")
        self.assertReply(("LPOP", "nokey", "2"), b"_\r\n")  # null, not a null array
        self.assertReply(("LPOP", "nokey", "0"), b"_\r\n")
        self.assertReply(("RPOP", "l", "0"), EMPTY)
        self.assertReply(("LPOP", "l", "1"), array(b"a"))
        self.assertReply(("LINDEX", "l", "5"), b"_\r\n")
        self.assertReply(("LPOS", "l", "zz"), b"_\r\n")
        self.assertReply(("LPOS", "l", "zz", "COUNT", "0"), EMPTY)
        self.assertReply(("LMOVE", "nokey", "l", "LEFT", "LEFT"), b"_\r\n")
        self.assertReply(("RPOPLPUSH", "nokey", "l"), b"_\r\n")
        self.assertReply(("LMPOP", "1", "nokey", "LEFT"), b"_\r\n")
        # LMPOP's reply stays an array of two (not a map) in RESP3.
        self.assertReply(("LMPOP", "1", "l", "RIGHT"), array(b"l", ("raw", array(b"c"))))
        self.assertReply(("LRANGE", "nokey", "0", "-1"), EMPTY)
        self.assertReply(("LINSERT", "l", "BEFORE", "zz", "x"), integer(-1))
        self.assertReply(("OBJECT", "ENCODING", "l"), bulk(b"quicklist"))
        self.assertReply(("TYPE", "l"), b"+list\r\n")


if __name__ == "__main__":
    lib.main()
