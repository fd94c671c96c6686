"""SORT and SORT_RO (every option: BY with string and hash-field weights and constant patterns,
LIMIT, GET, ASC/DESC, ALPHA, STORE) over lists, sets and missing keys, plus the MEMORY command,
end to end with redis-py and raw RESP2 / RESP3 connections: exact replies and error strings,
weights read like strtod, ALPHA's C-string comparison, STORE's list, its deletions and TTL,
keyspace events, and SORT ... STORE reaching a replica.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which
takes basalt's command line (`python3 test_sort.py --basalt /usr/bin/redis-server`). MEMORY
USAGE's numbers legitimately differ (basalt's entries are smaller), so only their shape and
relations are checked.
"""

import redis

import basalt_testlib as lib
from command_case import CommandTestCase, bulk, bulks as array, error

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_DOUBLE = "ERR One or more scores can't be converted into double"


class SortTestCase(CommandTestCase):
    """A flushed server's clients (command_case.py), and the SORT fixtures."""

    def sort(self, *args):
        return self.r.execute_command("SORT", *args)

    def fill(self):
        """l = 3 1 2 10; string weights w_n; hash objects o_n with a weight and a name."""
        self.r.rpush("l", 3, 1, 2, 10)
        self.r.mset({"w_1": "b", "w_2": "a", "w_3": "c", "w_10": "a"})
        for n, weight, name in ((1, "30", "one"), (2, "7.5", "two"), (3, "-1", "three")):
            self.r.hset(f"o_{n}", mapping={"n": weight, "name": name})


class SortOptionsTest(SortTestCase):
    def test_numeric_and_alpha_orders(self):
        self.fill()
        self.assertEqual(self.sort("l"), [b"1", b"2", b"3", b"10"])
        self.assertEqual(self.sort("l", "DESC"), [b"10", b"3", b"2", b"1"])
        self.assertEqual(self.sort("l", "ALPHA"), [b"1", b"10", b"2", b"3"])
        self.assertEqual(self.sort("l", "ALPHA", "desc", "asc"), [b"1", b"10", b"2", b"3"])
        self.assertEqual(self.r.execute_command("SORT_RO", "l", "DESC", "ALPHA"),
                         [b"3", b"2", b"10", b"1"])

    def test_limit_windows(self):
        self.fill()
        cases = [(("0", "2"), [b"1", b"2"]), (("1", "2"), [b"2", b"3"]),
                 (("-5", "2"), [b"1", b"2"]), (("2", "-1"), [b"3", b"10"]),
                 (("2", "-100"), [b"3", b"10"]), (("3", "100"), [b"10"]),
                 (("4", "1"), []), (("0", "0"), []), (("9223372036854775807", "1"), []),
                 (("-9223372036854775808", "9223372036854775807"), [b"1", b"2", b"3", b"10"])]
        for limit, expected in cases:
            self.assertEqual(self.sort("l", "LIMIT", *limit), expected, limit)
        self.assertEqual(self.sort("l", "LIMIT", "1", "2", "DESC"), [b"3", b"2"])
        self.assertEqual(self.sort("l", "LIMIT", "0", "1", "LIMIT", "2", "1"), [b"3"])  # last wins

    def test_by_constant_keeps_the_list_order(self):
        self.fill()
        self.assertEqual(self.sort("l", "BY", "nosort"), [b"3", b"1", b"2", b"10"])
        self.assertEqual(self.sort("l", "BY", "nosort", "DESC"), [b"10", b"2", b"1", b"3"])
        self.assertEqual(self.sort("l", "BY", "nosort", "DESC", "LIMIT", "1", "2"), [b"2", b"1"])
        self.assertEqual(self.sort("l", "BY", "nosort", "ALPHA", "LIMIT", "3", "9"), [b"10"])
        # A later BY with a '*' does not bring sorting back.
        self.assertEqual(self.sort("l", "BY", "nosort", "BY", "w_*"), [b"3", b"1", b"2", b"10"])
        self.r.rpush("words", "x", "1")
        self.assertEqual(self.sort("words", "BY", "nosort"), [b"x", b"1"])  # nothing parsed

    def test_by_weights(self):
        self.fill()
        self.assertEqual(self.sort("l", "BY", "w_*", "ALPHA"), [b"2", b"10", b"1", b"3"])
        self.assertEqual(self.sort("l", "BY", "w_*", "ALPHA", "DESC"), [b"3", b"1", b"2", b"10"])
        self.assertEqual(self.sort("l", "BY", "o_*->n"), [b"3", b"10", b"2", b"1"])
        self.assertEqual(self.sort("l", "BY", "o_*->n", "DESC"), [b"1", b"2", b"10", b"3"])
        self.assertEqual(self.sort("l", "BY", "o_*->name", "ALPHA"), [b"10", b"1", b"3", b"2"])
        # A missing weight is 0 (numeric) or sorts first (ALPHA); a weight key of another type
        # counts as missing.
        self.r.rpush("w_5", "a list")
        self.r.rpush("l", 5)
        self.assertEqual(self.sort("l", "BY", "o_*->n"), [b"3", b"10", b"5", b"2", b"1"])
        self.assertEqual(self.sort("l", "BY", "w_*", "ALPHA"), [b"5", b"2", b"10", b"1", b"3"])
        with self.assertRaisesRegex(redis.ResponseError, NOT_DOUBLE[4:]):
            self.sort("l", "BY", "w_*")
        # A field arrow with nothing after it is part of the key name.
        self.r.set("o_1->", "4")
        self.assertEqual(self.sort("l", "BY", "o_*->", "LIMIT", "0", "1", "DESC"), [b"1"])

    def test_get_patterns(self):
        self.fill()
        self.assertReply(("SORT", "l", "GET", "#", "GET", "w_*", "GET", "o_*->name", "GET",
                          "constant", "GET", "o_*->nope"),
                         array(b"1", b"b", b"one", None, None, b"2", b"a", b"two", None, None,
                               b"3", b"c", b"three", None, None, b"10", b"a", None, None, None))
        self.assertReply(("SORT", "l", "BY", "nosort", "LIMIT", "0", "1", "GET", "o_*"),
                         array(None))  # a hash read as a string is missing

    def test_weights_are_read_like_strtod(self):
        self.r.rpush("n", " 1", "0x10", "inf", "", "-inf", "1e3", "-0", "+2.5", "\t7")
        self.assertEqual(self.sort("n"), [b"-inf", b"", b"-0", b" 1", b"+2.5", b"\t7", b"0x10",
                                          b"1e3", b"inf"])
        self.r.rpush("nul", "2", b"1\x00junk")  # C reads up to the NUL
        self.assertEqual(self.sort("nul"), [b"1\x00junk", b"2"])
        # Out of range last: Redis 7.0 does not clear errno before strtod, so after an ERANGE
        # its numeric SORTs on the same connection keep failing until a system call happens to
        # fail (a new connection's accept loop ends with EAGAIN); basalt does not copy that.
        for bad in ("nan", "1x", " ", "1 ", "0x", "1e400", "-1e400", "1e-310"):
            self.r.delete("b")
            self.r.rpush("b", "1", bad)
            with self.assertRaisesRegex(redis.ResponseError, NOT_DOUBLE[4:]):
                self.sort("b")

    def test_equal_scores_order_by_the_element_bytes(self):
        self.r.rpush("e", "1.0", "1", "01", "b", "a")
        self.r.rpush("f", "1.0", "1", "01", "2")
        self.r.mset({"z_b": "5", "z_a": "5"})
        self.assertEqual(self.sort("f", "LIMIT", "0", "3"), [b"01", b"1", b"1.0"])
        self.assertEqual(self.sort("f", "DESC"), [b"2", b"1.0", b"1", b"01"])
        self.assertEqual(self.sort("e", "BY", "z_*"), [b"01", b"1", b"1.0", b"a", b"b"])
        self.assertEqual(self.sort("e", "BY", "z_*", "DESC"), [b"b", b"a", b"1.0", b"1", b"01"])

    def test_alpha_compares_c_strings_unless_stored(self):
        self.r.rpush("s", b"a\x00b", b"a\x00a", b"a", b"\xff", b"B")
        self.assertEqual(self.sort("s", "ALPHA"), [b"B", b"a\x00b", b"a\x00a", b"a", b"\xff"])
        self.assertEqual(self.sort("s", "ALPHA", "STORE", "d"), 5)
        self.assertEqual(self.r.lrange("d", 0, -1), [b"B", b"a", b"a\x00a", b"a\x00b", b"\xff"])

    def test_sets(self):
        self.r.sadd("s", "b", "c", "a", "10")
        self.assertEqual(self.sort("s", "ALPHA"), [b"10", b"a", b"b", b"c"])
        self.assertEqual(self.sort("s", "ALPHA", "DESC", "LIMIT", "1", "2"), [b"b", b"a"])
        self.assertEqual(sorted(self.sort("s", "BY", "nosort")), [b"10", b"a", b"b", b"c"])
        # Stored, a set is sorted ALPHA even when told not to sort (replicas must agree).
        self.assertEqual(self.sort("s", "BY", "nosort", "DESC", "STORE", "d"), 4)
        self.assertEqual(self.r.lrange("d", 0, -1), [b"c", b"b", b"a", b"10"])
        self.r.sadd("ints", 5, -1, 3, 100)
        self.assertEqual(self.sort("ints"), [b"-1", b"3", b"5", b"100"])
        self.assertEqual(self.sort("ints", "BY", "nosort"), [b"-1", b"3", b"5", b"100"])

    def test_missing_key(self):
        self.assertReply(("SORT", "nokey"), b"*0\r\n")
        self.assertReply(("SORT", "nokey", "LIMIT", "0", "5", "GET", "#"), b"*0\r\n")
        self.assertReply(("SORT_RO", "nokey", "BY", "x_*", "ALPHA"), b"*0\r\n")


class SortZsetTest(SortTestCase):
    """Sorted-set sources (skipped by a server without ZADD yet)."""

    def setUp(self):
        super().setUp()
        if self.cmd("ZADD", "z", "3", "a", "1", "c", "2", "b").startswith(b"-ERR unknown"):
            self.skipTest("the server has no sorted sets yet")

    def test_zset_sources(self):
        self.assertEqual(self.sort("z", "BY", "nosort"), [b"c", b"b", b"a"])  # score order
        self.assertEqual(self.sort("z", "BY", "nosort", "DESC", "LIMIT", "1", "5"), [b"b", b"c"])
        self.assertEqual(self.sort("z", "ALPHA", "DESC"), [b"c", b"b", b"a"])
        # Redis converts a listpack zset to its skiplist encoding for SORT, even SORT_RO.
        self.assertEqual(self.r.execute_command("SORT_RO", "z", "ALPHA"), [b"a", b"b", b"c"])
        self.assertEqual(self.r.object("ENCODING", "z"), b"skiplist")
        with self.assertRaisesRegex(redis.ResponseError, NOT_DOUBLE[4:]):
            self.sort("z")
        self.r.zadd("nz", {"10": 1, "2": 2, "33": 0})
        self.assertEqual(self.sort("nz"), [b"2", b"10", b"33"])
        self.assertEqual(self.sort("nz", "BY", "nosort", "LIMIT", "0", "2", "STORE", "d"), 2)
        self.assertEqual(self.r.lrange("d", 0, -1), [b"33", b"10"])


class SortStoreTest(SortTestCase):
    def test_store_replaces_the_destination_as_a_list(self):
        self.fill()
        self.r.set("dst", "old", ex=1000)
        self.assertReply(("SORT", "l", "DESC", "STORE", "dst"), b":4\r\n")
        self.assertEqual(self.r.type("dst"), b"list")
        self.assertEqual(self.r.ttl("dst"), -1)
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"10", b"3", b"2", b"1"])
        self.assertReply(("SORT", "l", "GET", "#", "GET", "w_*", "GET", "nope_*", "LIMIT", "0",
                          "2", "STORE", "dst"), b":6\r\n")
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"1", b"b", b"", b"2", b"a", b""])
        self.assertReply(("SORT", "l", "STORE", "l"), b":4\r\n")  # onto itself
        self.assertEqual(self.r.lrange("l", 0, -1), [b"1", b"2", b"3", b"10"])

    def test_empty_result_deletes_the_destination(self):
        self.fill()
        self.r.set("dst", "x")
        self.assertReply(("SORT", "l", "LIMIT", "10", "1", "STORE", "dst"), b":0\r\n")
        self.assertEqual(self.r.exists("dst"), 0)
        self.assertReply(("SORT", "nokey", "STORE", "dst"), b":0\r\n")

    def test_errors_store_nothing(self):
        self.r.rpush("b", "1", "x")
        self.r.set("dst", "keep")
        self.assertReply(("SORT", "b", "STORE", "dst"), error(NOT_DOUBLE))
        self.assertEqual(self.r.get("dst"), b"keep")

    def test_keyspace_events(self):
        self.fill()
        self.r.config_set("notify-keyspace-events", "KEA")
        try:
            with self.server.raw() as sub:
                sub.send(lib.encode_command("PSUBSCRIBE", "__keyevent@0__:*"))
                sub.read_reply()
                self.cmd("SORT", "l", "STORE", "dst")
                self.cmd("SORT", "l", "LIMIT", "9", "9", "STORE", "dst")
                self.cmd("SORT", "l", "BY", "nosort")
                sub.send(lib.encode_command("PING"))
                events = []
                while True:
                    parts = sub.read_reply().split(b"\r\n")
                    if parts[2] == b"pong":
                        break
                    events.append((parts[6].split(b":", 1)[1], parts[8]))
        finally:
            self.r.config_set("notify-keyspace-events", "")
        self.assertEqual(events, [(b"sortstore", b"dst"), (b"del", b"dst")])


class SortErrorsTest(SortTestCase):
    def test_errors(self):
        self.fill()
        self.r.set("str", "x")
        cases = [
            (("SORT", "l", "bogus"), "ERR syntax error"),
            (("SORT", "l", "LIMIT", "1"), "ERR syntax error"),
            (("SORT", "l", "LIMIT", "a", "1"), "ERR value is not an integer or out of range"),
            (("SORT", "l", "LIMIT", "0", "1.5"), "ERR value is not an integer or out of range"),
            (("SORT", "l", "LIMIT", "0", "9223372036854775808"),
             "ERR value is not an integer or out of range"),
            (("SORT", "l", "BY"), "ERR syntax error"),
            (("SORT", "l", "GET"), "ERR syntax error"),
            (("SORT", "l", "STORE"), "ERR syntax error"),
            (("SORT_RO", "l", "STORE", "x"), "ERR syntax error"),
            (("SORT", "str"), WRONGTYPE),
            (("SORT", "str", "bogus"), "ERR syntax error"),  # options are checked first
            (("SORT_RO", "str", "ALPHA"), WRONGTYPE),
            (("SORT",), "ERR wrong number of arguments for 'sort' command"),
            (("SORT_RO",), "ERR wrong number of arguments for 'sort_ro' command"),
        ]
        for args, expected in cases:
            self.assertReply(args, error(expected))
        self.r.hset("h", "a", "1")
        self.assertReply(("SORT", "h"), error(WRONGTYPE))

    def test_sort_ro_is_read_only(self):
        info = self.cmd("COMMAND", "INFO", "sort_ro")
        self.assertTrue(info.startswith(b"*1\r\n*10\r\n$7\r\nsort_ro\r\n:-2\r\n*"), info)
        self.assertIn(b"+readonly\r\n", info)
        self.assertNotIn(b"+write\r\n", info)
        self.assertIn(b"+@dangerous\r\n", info)
        info = self.cmd("COMMAND", "INFO", "sort")
        self.assertIn(b"+write\r\n+denyoom\r\n", info)
        self.assertIn(b":1\r\n:1\r\n:1\r\n", info)  # first key, last key, step


class SortResp3Test(SortTestCase):
    def test_nulls_and_arrays(self):
        self.fill()
        self.assertTrue(self.cmd("HELLO", "3").startswith(b"%7\r\n"))
        self.assertReply(("SORT", "l", "LIMIT", "0", "2", "GET", "#", "GET", "nope_*"),
                         b"*4\r\n$1\r\n1\r\n_\r\n$1\r\n2\r\n_\r\n")
        self.assertReply(("SORT", "l", "LIMIT", "0", "1", "STORE", "d"), b":1\r\n")
        self.assertReply(("SORT", "nokey"), b"*0\r\n")


class SortReplicationTest(lib.unittest.TestCase):
    def start(self):
        server = lib.ServerProcess(["--repl-diskless-sync-delay", "0"]).start()
        self.addCleanup(server.stop_and_check)
        return server

    def test_store_reaches_the_replica(self):
        primary, replica = self.start(), self.start()
        p, r = primary.client(), replica.client()
        self.addCleanup(p.close)
        self.addCleanup(r.close)
        r.execute_command("REPLICAOF", "127.0.0.1", primary.port)
        lib.wait_until(lambda: r.info("replication").get("master_link_status") == "up",
                       timeout=30, what="the replica to connect")
        p.sadd("s", "b", "a", "c")
        p.rpush("l", 2, 1)
        p.execute_command("SORT", "s", "BY", "nosort", "STORE", "d1")
        p.execute_command("SORT", "l", "STORE", "d2")
        p.execute_command("SORT", "l", "LIMIT", "5", "5", "STORE", "d2")
        p.set("done", "1")
        lib.wait_until(lambda: r.get("done") == b"1", timeout=30, what="the replica to catch up")
        self.assertEqual(r.lrange("d1", 0, -1), [b"a", b"b", b"c"])
        self.assertEqual(r.exists("d2"), 0)


class MemoryTest(SortTestCase):
    def usage(self, *args):
        return self.r.execute_command("MEMORY", "USAGE", *args)

    def test_usage_shapes(self):
        self.assertIsNone(self.usage("nokey"))
        self.r.set("k", "v")
        small = self.usage("k")
        self.assertIsInstance(small, int)
        self.r.set("k", "x" * 10000)
        self.assertGreater(self.usage("k"), max(small, 10000))
        for i in range(300):
            self.r.sadd("s", f"member-{i}")
        self.assertGreater(self.usage("s", "SAMPLES", "0"), 300 * 8)
        self.assertIsInstance(self.usage("s", "SAMPLES", "3"), int)

    def test_usage_errors(self):
        self.r.set("k", "v")
        cases = [
            (("MEMORY", "USAGE", "k", "SAMPLES", "-1"), "ERR syntax error"),
            (("MEMORY", "USAGE", "k", "SAMPLES"), "ERR syntax error"),
            (("MEMORY", "USAGE", "k", "FOO", "1"), "ERR syntax error"),
            (("MEMORY", "USAGE", "k", "SAMPLES", "x"),
             "ERR value is not an integer or out of range"),
            (("MEMORY", "USAGE", "nokey", "SAMPLES", "x"),
             "ERR value is not an integer or out of range"),
            (("MEMORY", "USAGE"), "ERR wrong number of arguments for 'memory|usage' command"),
            (("MEMORY", "STATS", "x"), "ERR wrong number of arguments for 'memory|stats' command"),
            (("MEMORY", "DOCTOR", "x"),
             "ERR wrong number of arguments for 'memory|doctor' command"),
            (("MEMORY", "PURGE", "x"), "ERR wrong number of arguments for 'memory|purge' command"),
            (("MEMORY", "foo"), "ERR unknown subcommand 'foo'. Try MEMORY HELP."),
            (("MEMORY",), "ERR wrong number of arguments for 'memory' command"),
        ]
        for args, expected in cases:
            self.assertReply(args, error(expected))
        self.assertReply(("MEMORY", "USAGE", "nokey", "SAMPLES", "0"), b"$-1\r\n")

    def test_other_subcommands(self):
        self.r.set("k", "v")
        stats = self.cmd("MEMORY", "STATS")
        self.assertTrue(stats.startswith(b"*"), stats[:20])
        for name in (b"peak.allocated", b"total.allocated", b"keys.count", b"dataset.bytes"):
            self.assertIn(bulk(name), stats)
        self.assertTrue(self.cmd("MEMORY", "DOCTOR").startswith(b"$"))
        self.assertTrue(self.cmd("MEMORY", "MALLOC-STATS").startswith(b"$"))
        self.assertReply(("MEMORY", "PURGE"), b"+OK\r\n")
        help_reply = self.cmd("MEMORY", "HELP")
        self.assertTrue(help_reply.startswith(b"*"))
        self.assertIn(b"+USAGE <key> [SAMPLES <count>]\r\n", help_reply)
        self.assertTrue(self.cmd("HELLO", "3").startswith(b"%7\r\n"))
        self.assertTrue(self.cmd("MEMORY", "STATS").startswith(b"%"))
        self.assertTrue(self.cmd("MEMORY", "DOCTOR").startswith(b"="))
        self.assertTrue(self.cmd("MEMORY", "USAGE", "nokey") == b"_\r\n")


if __name__ == "__main__":
    lib.main()
