"""The list commands (LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LINDEX LSET LRANGE LTRIM LREM
LINSERT LPOS LMOVE RPOPLPUSH LMPOP) and OBJECT ENCODING of lists, end to end with redis-py and
raw RESP2 / RESP3 connections: exact replies and error strings, elements coming back byte for
byte (integer-looking ones too), lists over many quicklist nodes edited in the middle, list keys
under the key commands (WRONGTYPE both ways, an emptied list deleting its key), concurrent
clients, keyspace events, and lists across SAVE + restart, BGREWRITEAOF + restart, DUMP /
RESTORE between basalt and Redis, and replication. The blocking commands (BLPOP & co.) are not
here.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which
takes basalt's command line (`python3 test_lists.py --basalt /usr/bin/redis-server`); run it
that way again after changing an expectation.
"""

import os
import random
import shutil
import tempfile
import threading
import time

import redis

import basalt_testlib as lib
from basalt_testlib import aof_files, parse_commands, wait_rewrites_done
from command_case import (EMPTY, NIL, NIL_ARRAY, OK, CommandTestCase, RestartTestCase, arity_error,
                          bulk, error, integer)

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INTEGER = "ERR value is not an integer or out of range"
MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
             "... or use negative to start from the end of the list")
LLONG_MAX = "9223372036854775807"
LLONG_MIN = "-9223372036854775808"


def array(*items):
    """A RESP array of bulks (bytes) or of already encoded replies (given as a tuple ("raw",
    bytes))."""
    out = b"*%d\r\n" % len(items)
    for item in items:
        out += item[1] if isinstance(item, tuple) else bulk(item)
    return out


class ListTestCase(CommandTestCase):
    """A flushed server's clients (command_case.py), and a whole-list check."""

    def assertList(self, key, expected):
        self.assertEqual(self.r.lrange(key, 0, -1), expected, key)


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

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(lib.IO_TIMEOUT * 2)
            self.assertFalse(t.is_alive(), "a client thread hangs")
        self.assertEqual(errors, [])
        everything = self.r.lrange("shared", 0, -1)
        self.assertEqual(len(everything), 50 * 40)
        self.assertEqual(sorted(everything), sorted(v for s in pushed.values() for v in s))
        # Each client's own pushes are in its order (LPUSH: reversed in the list).
        for n, items in pushed.items():
            mine = [e for e in everything if e.startswith(b"%d:" % n)]
            self.assertEqual(mine[::-1], items, n)
        # Now 50 clients pop the shared list empty: every element exactly once.
        popped = []
        lock = threading.Lock()

        def popper(n):
            c = self.server.client()
            try:
                while True:
                    if n % 3 == 0:
                        got = c.lpop("shared", 7)
                    elif n % 3 == 1:
                        one = c.rpop("shared")
                        got = [one] if one is not None else None
                    else:
                        res = c.execute_command("LMPOP", 1, "shared", "LEFT", "COUNT", 3)
                        got = res[1] if res else None
                    if not got:
                        return
                    with lock:
                        popped.extend(got)
            finally:
                c.close()

        threads = [threading.Thread(target=popper, args=(n,), daemon=True) for n in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(lib.IO_TIMEOUT * 2)
            self.assertFalse(t.is_alive(), "a popper thread hangs")
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

        threads = [threading.Thread(target=mover, args=(n,), daemon=True) for n in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(lib.IO_TIMEOUT * 2)
            self.assertFalse(t.is_alive(), "a client thread hangs")
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
    client.set("string", "still a string")
    client.execute_command("SELECT", 0)
    return expected


def read_lists(port, keys):
    """{(db, key): (elements, PEXPIRETIME, encoding)}."""
    out = {}
    for db, key in keys:
        c = redis.Redis(host="127.0.0.1", port=port, db=db, socket_timeout=lib.IO_TIMEOUT)
        out[(db, key)] = (c.lrange(key, 0, -1), c.execute_command("PEXPIRETIME", key),
                          c.object("ENCODING", key))
        c.close()
    return out


def upper_names(commands):
    return [[a.upper() if i == 0 else a for i, a in enumerate(cmd)] for cmd in commands]


class ListPersistenceTest(RestartTestCase):
    """Lists across restarts: from dump.rdb (SAVE), from the AOF after BGREWRITEAOF (with and
    without RDB preamble), and DUMP payloads moved between basalt and Redis."""

    workdir_prefix = "basalt-it-lists-"

    def assertListsBack(self, server, expected, before):
        actual = read_lists(server.port, expected)
        for key, elements in expected.items():
            got, deadline, encoding = actual[key]
            if got != elements:
                first = next((i for i, (a, b) in enumerate(zip(got, elements)) if a != b),
                             min(len(got), len(elements)))
                self.fail(f"{key}: {len(got)} elements, expected {len(elements)}; first "
                          f"difference at {first}")
            self.assertEqual((deadline, encoding), before[key][1:], key)
        c = server.client(db=5)
        self.assertEqual(c.get("string"), b"still a string")
        c.close()

    def test_lists_survive_save_and_restart(self):
        server = self.start()
        c = server.client()
        expected = fill_lists(c)
        before = read_lists(server.port, expected)
        self.assertEqual({v[2] for v in before.values()}, {b"quicklist"})
        self.assertTrue(c.save())
        c.close()
        server.stop_and_check()
        server = self.start()
        self.assertListsBack(server, expected, before)
        server.stop_and_check()

    def check_bgrewriteaof(self, preamble):
        args = ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble]
        server = self.start(args)
        c = server.client()
        wait_rewrites_done(c)
        expected = fill_lists(c)
        before = read_lists(server.port, expected)
        done = c.info("persistence")["aof_rewrites"]
        self.assertTrue(c.bgrewriteaof())
        lib.wait_until(lambda: c.info("persistence")["aof_rewrites"] > done,
                       what="the AOF rewrite")
        wait_rewrites_done(c)
        base = os.path.join(self.workdir, "appendonlydir", aof_files(self.workdir, "b")[-1])
        if preamble == "no":
            self.check_rewritten_commands(base, expected)
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
        before[(0, b"moved")] = (None, -1, b"quicklist")
        expected[(0, b"wide")][1] = b"set"
        expected[(0, b"ttl:big")] = expected[(0, b"ttl:big")][10:]
        small = expected[(0, b"small")]
        small.insert(small.index(b"12") + 1, b"after 12")
        expected[(0, b"big")].remove(b"item:5")
        incr = os.path.join(self.workdir, "appendonlydir", aof_files(self.workdir, "i")[-1])
        c.close()
        server.stop_and_check()
        with open(incr, "rb") as f:
            logged = upper_names(parse_commands(f.read()))
        self.assertIn([b"LPOP", b"small", b"2"], logged)
        self.assertIn([b"RPOP", b"big", b"3"], logged)
        server = self.start(args)
        self.assertListsBack(server, expected, before)
        server.stop_and_check()

    def check_rewritten_commands(self, base, expected):
        """The AOF base without RDB preamble rebuilds every list with RPUSH commands (Redis
        writes at most 64 elements per command)."""
        with open(base, "rb") as f:
            commands = upper_names(parse_commands(f.read()))
        db, rebuilt = 0, {}
        for cmd in commands:
            if cmd[0] == b"SELECT":
                db = int(cmd[1])
            elif cmd[0] in (b"RPUSH", b"LPUSH"):
                self.assertEqual(cmd[0], b"RPUSH")
                rebuilt.setdefault((db, cmd[1]), []).extend(cmd[2:])
        self.assertEqual(rebuilt, expected)

    def test_bgrewriteaof_without_rdb_preamble_writes_list_commands(self):
        self.check_bgrewriteaof("no")

    def test_bgrewriteaof_with_rdb_preamble(self):
        self.check_bgrewriteaof("yes")

    def test_dump_from_redis_restores_into_basalt_and_back(self):
        redis_dir = tempfile.mkdtemp(prefix="basalt-it-lists-redis-")
        self.addCleanup(shutil.rmtree, redis_dir, True)
        server = self.start()
        b = server.client()
        with lib.RedisProcess(redis_dir) as real:
            rc = real.client()
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
            rc.close()
        b.close()
        server.stop_and_check()


    def test_compressed_nodes_from_redis_load_and_restore(self):
        """With list-compress-depth 1 Redis writes the inner nodes LZF-compressed, in its
        dump.rdb and in DUMP payloads: basalt reads both, and Redis reads basalt's."""
        redis_dir = tempfile.mkdtemp(prefix="basalt-it-lists-redis-")
        self.addCleanup(shutil.rmtree, redis_dir, True)
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


class ListReplicationTest(lib.ReplicaPairTestCase):
    """A replica gets the lists by the full sync (RDB) and then by the live stream: pops with a
    count, LMPOP (which a primary propagates as LPOP / RPOP with the count), LMOVE, edits."""

    def assertSameLists(self, primary, replica, keys):
        on_primary = read_lists(primary.port, keys)
        self.assertEqual(read_lists(replica.port, keys), on_primary)
        return on_primary

    def test_full_sync_then_live_writes(self):
        primary, replica = self.start(), self.start()
        c = primary.client()
        expected = fill_lists(c)
        with replica.raw() as r:
            self.assertEqual(r.command("REPLICAOF", "127.0.0.1", primary.port), OK)
        self.wait_synced(primary, replica)
        self.assertSameLists(primary, replica, expected)
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
        on_primary = self.assertSameLists(primary, replica, expected)
        self.assertEqual(on_primary[(0, b"ttl:small")], ([], -2, None))
        self.assertEqual(len(on_primary[(0, b"ints")][0]), 7)
        self.assertEqual(len(on_primary[(0, b"ttl:big")][0]), 101)
        with replica.raw() as r:
            self.assertEqual(r.command("RPUSH", "small", "x"),
                             b"-READONLY You can't write against a read only replica.\r\n")


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
