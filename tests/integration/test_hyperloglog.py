"""HyperLogLog commands (PFADD, PFCOUNT, PFMERGE) against redis-server 7.0.15 side by side:
each scenario sends the same commands to both servers on a fresh connection (after FLUSHALL)
and compares the raw reply bytes of every step: estimates, the values' bytes (GET: sparse
opcodes, dense registers, the cached cardinality), errors for other types, for strings that
are no HyperLogLog, and for corrupt registers. The differential test's hyperloglog family
(diff_hll_family.py) mixes the same commands into its random streams.
"""

import unittest

import basalt_testlib as lib
import diff_shared

NUMBERS = [str(i) for i in range(3000)]
MANY = ["e%d" % i for i in range(20000)]

SCENARIOS = []


def scenario(name, *steps, hello3=False):
    SCENARIOS.append((name, list(steps), hello3))


scenario("empty", ("PFADD", "h"), ("GET", "h"), ("PFCOUNT", "h"), ("GET", "h"), ("PFADD", "h"),
         ("PFCOUNT", "missing"), ("PFCOUNT", "h", "missing"))
scenario("few", ("PFADD", "h", "a", "b", "c", "a"), ("PFADD", "h", "a"), ("GET", "h"),
         ("PFCOUNT", "h"), ("PFCOUNT", "h"), ("GET", "h"))
scenario("sparse_grows_then_dense", ("PFADD", "h", *NUMBERS[:200]), ("STRLEN", "h"),
         ("PFADD", "h", *NUMBERS), ("STRLEN", "h"), ("PFCOUNT", "h"), ("GET", "h"))
scenario("dense", ("PFADD", "h", *MANY), ("STRLEN", "h"), ("PFCOUNT", "h"), ("GET", "h"),
         ("PFADD", "h", "e1"), ("PFADD", "h", "new"), ("PFCOUNT", "h"))
scenario("sparse_max_bytes", ("CONFIG", "SET", "hll-sparse-max-bytes", "100"),
         ("PFADD", "h", *NUMBERS[:50]), ("STRLEN", "h"), ("GET", "h"),
         ("CONFIG", "SET", "hll-sparse-max-bytes", "3000"))
scenario("union_count", ("PFADD", "a", *NUMBERS[:1000]), ("PFADD", "b", *NUMBERS[500:1500]),
         ("PFCOUNT", "a", "b"), ("PFCOUNT", "a", "b", "missing"), ("GET", "a"))
scenario("merge_sparse", ("PFADD", "a", "x", "y"), ("PFADD", "b", "z"),
         ("PFMERGE", "d", "a", "b"), ("GET", "d"), ("PFCOUNT", "d"), ("PFMERGE", "d"),
         ("PFMERGE", "new"), ("GET", "new"))
scenario("merge_dense", ("PFADD", "a", *MANY), ("PFADD", "b", "z"), ("PFMERGE", "b", "a"),
         ("STRLEN", "b"), ("PFCOUNT", "b"), ("GET", "b"))
scenario("merge_into_dest_with_ttl", ("PFADD", "d", "1"), ("EXPIRE", "d", "100"),
         ("PFADD", "s", "2"), ("PFMERGE", "d", "s"), ("TTL", "d"), ("PFCOUNT", "d"))
scenario("wrong_types", ("LPUSH", "l", "x"), ("PFADD", "l", "a"), ("PFCOUNT", "l"),
         ("PFCOUNT", "missing", "l"), ("PFMERGE", "l", "missing"), ("PFMERGE", "d", "l"),
         ("SET", "s", "not an hll"), ("PFADD", "s", "a"), ("PFCOUNT", "s"), ("PFMERGE", "d", "s"),
         ("SET", "n", "12345"), ("PFADD", "n", "a"), ("SET", "e", ""), ("PFCOUNT", "e"))
scenario("corrupt", ("PFADD", "h", "a", "b"), ("SETRANGE", "h", "16", "\xff\xff"),
         ("PFCOUNT", "h"), ("PFADD", "h", "zz"), ("PFMERGE", "d", "h"),
         ("SET", "x", "HYLL\x01\x00\x00\x00" + "\x00" * 8), ("PFCOUNT", "x"), ("PFADD", "x", "a"),
         ("SET", "y", "HYLL\x00\x00\x00\x00" + "\x00" * 8), ("PFCOUNT", "y"),
         ("SET", "z", "HYLL\x02\x00\x00\x00" + "\x00" * 8), ("PFCOUNT", "z"))
scenario("arity", ("PFADD",), ("PFCOUNT",), ("PFMERGE",))
scenario("in_multi", ("MULTI",), ("PFADD", "h", "a"), ("PFCOUNT", "h"), ("EXEC",))
scenario("resp3", ("PFADD", "h", "a"), ("PFCOUNT", "h"), hello3=True)


class HyperLogLogTest(diff_shared.ScenarioSideBySide, unittest.TestCase):
    pass


def _add_scenario_tests():
    for name, steps, hello3 in SCENARIOS:
        def test(self, steps=steps, hello3=hello3):
            self.check(steps, hello3)
        setattr(HyperLogLogTest, "test_" + name, test)


_add_scenario_tests()

if __name__ == "__main__":
    lib.main()
