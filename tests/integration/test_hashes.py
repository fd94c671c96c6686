"""The hash commands (HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL
HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN) and OBJECT ENCODING of hashes, end to end with redis-py
and raw RESP2 / RESP3 connections: exact replies and error strings, the listpack -> hashtable
conversion, hash keys under the key commands (WRONGTYPE, RENAME, COPY, MOVE, EXPIRE) and
keyspace events. Big values, concurrent clients, and hashes across SAVE + restart, BGREWRITEAOF
+ restart and replication are in test_hashes_durability.py; what both files share is in
hash_case.py.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which
takes basalt's command line (`python3 test_hashes.py --basalt /usr/bin/redis-server`); run it
that way again after changing an expectation. The HINCRBYFLOAT results near 1e308 are long
double arithmetic as on x86-64 (80-bit); other machines skip those few checks.
"""

import redis

import basalt_testlib as lib
from command_case import arity_error, bulk, error
from hash_case import DEFAULT_ENTRIES, WRONGTYPE, X86_64_LONG_DOUBLE, HashTestCase, flat_pairs


class HashCommandsTest(HashTestCase):
    def test_hset_counts_new_fields_and_overwrites(self):
        self.assertEqual(self.r.hset("h", mapping={"a": "1", "b": "2"}), 2)
        self.assertEqual(self.r.hset("h", mapping={"a": "10", "c": "3"}), 1)  # a exists
        self.assertEqual(self.r.hgetall("h"), {b"a": b"10", b"b": b"2", b"c": b"3"})
        # The same field twice in one HSET: one new field, the last value wins.
        self.assertReply(("HSET", "h2", "x", "1", "x", "2"), b":1\r\n")
        self.assertEqual(self.r.hget("h2", "x"), b"2")
        self.assertEqual(self.r.hlen("h2"), 1)
        self.assertReply(("HSET", "h2", "x", "3", "x", "4"), b":0\r\n")
        self.assertEqual(self.r.hget("h2", "x"), b"4")
        self.assertEqual(self.r.type("h"), b"hash")

    def test_hset_and_hmset_with_a_field_without_value(self):
        for args in (("HSET", "h", "f", "v", "g"), ("HSET", "h", "f"), ("HSET", "h"),
                     ("HSET",), ("HSET", "h", "f", "v", "g", "w", "h")):
            self.assertReply(args, arity_error("hset"))
        for args in (("HMSET", "h", "f", "v", "g"), ("HMSET", "h", "f"), ("HMSET", "h")):
            self.assertReply(args, arity_error("hmset"))
        self.assertEqual(self.r.exists("h"), 0)  # nothing written
        self.assertReply(("HMSET", "h", "f", "v", "g", "w"), b"+OK\r\n")
        self.assertReply(("HMSET", "h", "f", "v2"), b"+OK\r\n")
        self.assertEqual(self.r.hgetall("h"), {b"f": b"v2", b"g": b"w"})
        # Arity errors of the command table name the command in lower case whatever was sent.
        self.assertReply(("hSeT", "h", "f"), arity_error("hset"))

    def test_hsetnx(self):
        self.assertReply(("HSETNX", "h", "f", "v1"), b":1\r\n")
        self.assertReply(("HSETNX", "h", "f", "v2"), b":0\r\n")
        self.assertEqual(self.r.hget("h", "f"), b"v1")
        self.assertReply(("HSETNX", "h", "g", ""), b":1\r\n")
        self.assertEqual(self.r.hget("h", "g"), b"")
        self.assertReply(("HSETNX", "h", "f"), arity_error("hsetnx"))
        self.assertReply(("HSETNX", "h", "f", "v", "x"), arity_error("hsetnx"))

    def test_hget_hmget_hexists_hstrlen_on_fields_and_missing_ones(self):
        self.r.hset("h", mapping={"a": "hello", "": "empty field", "e": ""})
        self.assertReply(("HGET", "h", "a"), bulk(b"hello"))
        self.assertReply(("HGET", "h", "nope"), b"$-1\r\n")
        self.assertReply(("HGET", "nokey", "a"), b"$-1\r\n")
        self.assertReply(("HGET", "h", ""), bulk(b"empty field"))
        self.assertReply(("HGET", "h", "e"), bulk(b""))
        self.assertReply(("HMGET", "h", "a", "nope", "e", "a"),
                         b"*4\r\n$5\r\nhello\r\n$-1\r\n$0\r\n\r\n$5\r\nhello\r\n")
        self.assertReply(("HMGET", "nokey", "a", "b"), b"*2\r\n$-1\r\n$-1\r\n")
        self.assertReply(("HEXISTS", "h", "a"), b":1\r\n")
        self.assertReply(("HEXISTS", "h", "e"), b":1\r\n")  # an empty value exists
        self.assertReply(("HEXISTS", "h", "nope"), b":0\r\n")
        self.assertReply(("HEXISTS", "nokey", "a"), b":0\r\n")
        self.assertReply(("HSTRLEN", "h", "a"), b":5\r\n")
        self.assertReply(("HSTRLEN", "h", "e"), b":0\r\n")
        self.assertReply(("HSTRLEN", "h", "nope"), b":0\r\n")
        self.assertReply(("HSTRLEN", "nokey", "a"), b":0\r\n")
        self.assertReply(("HLEN", "h"), b":3\r\n")
        self.assertReply(("HLEN", "nokey"), b":0\r\n")
        for args, name in ((("HGET", "h"), "hget"), (("HGET", "h", "a", "b"), "hget"),
                           (("HMGET", "h"), "hmget"), (("HEXISTS", "h"), "hexists"),
                           (("HSTRLEN", "h", "a", "b"), "hstrlen"), (("HLEN",), "hlen"),
                           (("HLEN", "h", "x"), "hlen"), (("HKEYS", "h", "x"), "hkeys"),
                           (("HVALS",), "hvals"), (("HGETALL", "h", "x"), "hgetall"),
                           (("HDEL", "h"), "hdel"), (("HINCRBY", "h", "a"), "hincrby"),
                           (("HINCRBYFLOAT", "h", "a", "1", "2"), "hincrbyfloat"),
                           (("HRANDFIELD",), "hrandfield"), (("HSCAN", "h"), "hscan")):
            self.assertReply(args, arity_error(name))

    def test_hstrlen_counts_bytes_of_numbers_as_written(self):
        self.r.hset("h", mapping={"n": "12345", "neg": "-7", "big": "9223372036854775807",
                                  "f": "1.50"})
        self.assertEqual([self.r.hstrlen("h", f) for f in ("n", "neg", "big", "f")],
                         [5, 2, 19, 4])
        self.assertEqual(self.r.hget("h", "f"), b"1.50")

    def test_binary_fields_and_values(self):
        fields = {b"\x00": b"nul", b"bin\x00\r\n\xff": b"\r\n\x00\xfe", b"": b"",
                  bytes(range(256)): bytes(range(255, -1, -1))}
        self.r.hset("bin\x00key", mapping=fields)
        self.assertEqual(self.r.hgetall("bin\x00key"), fields)
        for f, v in fields.items():
            self.assertEqual(self.r.hget("bin\x00key", f), v)
            self.assertEqual(self.r.hstrlen("bin\x00key", f), len(v))
        self.assertEqual(sorted(self.r.hkeys("bin\x00key")), sorted(fields))
        self.assertEqual(sorted(self.r.hvals("bin\x00key")), sorted(fields.values()))

    def test_hkeys_hvals_hgetall(self):
        data = {f"f{i}".encode(): f"v{i}".encode() for i in range(20)}
        self.r.hset("h", mapping=data)
        self.assertEqual(sorted(self.r.hkeys("h")), sorted(data))
        self.assertEqual(sorted(self.r.hvals("h")), sorted(data.values()))
        self.assertEqual(self.r.hgetall("h"), data)
        # HKEYS, HVALS and HGETALL walk the hash in the same order.
        keys, vals = self.r.hkeys("h"), self.r.hvals("h")
        self.assertEqual(list(self.r.hgetall("h").items()), list(zip(keys, vals)))
        self.assertReply(("HKEYS", "nokey"), b"*0\r\n")
        self.assertReply(("HVALS", "nokey"), b"*0\r\n")
        self.assertReply(("HGETALL", "nokey"), b"*0\r\n")

    def test_small_hash_replies_in_insertion_order(self):
        """A listpack hash (Redis) keeps insertion order: an update stays in place, a deleted
        field that comes back goes to the end. Not a documented guarantee, but what clients
        see from Redis for every small hash."""
        self.assertReply(("HSET", "h", "c", "1", "a", "2", "b", "3"), b":3\r\n")
        self.assertReply(("HSET", "h", "a", "9"), b":0\r\n")
        self.assertReply(("HDEL", "h", "c"), b":1\r\n")
        self.assertReply(("HSET", "h", "c", "4", "d", "5"), b":2\r\n")
        self.assertReply(("HKEYS", "h"), b"*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n")
        self.assertReply(("HVALS", "h"), b"*4\r\n$1\r\n9\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n")
        self.assertReply(("HGETALL", "h"), b"*8\r\n$1\r\na\r\n$1\r\n9\r\n$1\r\nb\r\n$1\r\n3\r\n"
                                           b"$1\r\nc\r\n$1\r\n4\r\n$1\r\nd\r\n$1\r\n5\r\n")
        self.assertReply(("HSCAN", "h", "0"), b"*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n9\r\n"
                                              b"$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n4\r\n"
                                              b"$1\r\nd\r\n$1\r\n5\r\n")

    def test_hdel(self):
        self.r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
        self.assertReply(("HDEL", "h", "a", "a", "nope"), b":1\r\n")  # a counted once
        self.assertReply(("HDEL", "h", "nope"), b":0\r\n")
        self.assertReply(("HDEL", "nokey", "a"), b":0\r\n")
        self.assertEqual(self.r.hgetall("h"), {b"b": b"2", b"c": b"3"})
        self.assertReply(("HDEL", "h", "b", "c", "d"), b":2\r\n")
        self.assertEqual(self.r.exists("h"), 0)

    def test_deleting_the_last_field_deletes_the_key_and_its_ttl(self):
        self.r.hset("h", mapping={"a": "1", "b": "2"})
        self.assertTrue(self.r.expire("h", 1000))
        self.assertEqual(self.r.hdel("h", "a"), 1)
        self.assertTrue(0 < self.r.ttl("h") <= 1000)  # still there with its TTL
        self.assertEqual(self.r.hdel("h", "b"), 1)
        self.assertEqual(self.r.exists("h"), 0)
        self.assertEqual(self.r.type("h"), b"none")
        self.assertEqual(self.r.ttl("h"), -2)
        self.assertEqual(self.r.hlen("h"), 0)
        self.assertEqual(self.r.dbsize(), 0)
        self.assertIsNone(self.r.object("ENCODING", "h"))
        self.r.hset("h", "c", "3")
        self.assertEqual(self.r.ttl("h"), -1)  # a new key: no TTL left over
        # The same when the hash is a hashtable.
        self.r.hset("big", mapping={f"f{i}": i for i in range(300)})
        self.r.expire("big", 1000)
        self.assertEqual(self.r.hdel("big", *[f"f{i}" for i in range(300)]), 300)
        self.assertEqual(self.r.exists("big"), 0)
        self.assertEqual(self.r.ttl("big"), -2)

    def test_hash_with_a_ttl_expires_on_the_real_clock(self):
        self.r.hset("h", mapping={"a": "1"})
        self.assertTrue(self.r.pexpire("h", 50))
        lib.wait_until(lambda: self.r.exists("h") == 0, what="the hash to expire")
        self.assertEqual(self.r.hgetall("h"), {})
        self.assertIsNone(self.r.hget("h", "a"))


class HincrTest(HashTestCase):
    def test_hincrby(self):
        self.assertReply(("HINCRBY", "h", "n", "5"), b":5\r\n")  # missing field: from 0
        self.assertReply(("HINCRBY", "h", "n", "-7"), b":-2\r\n")
        self.assertEqual(self.r.hget("h", "n"), b"-2")
        self.assertReply(("HINCRBY", "h", "n", "0"), b":-2\r\n")
        self.assertReply(("HINCRBY", "h2", "m", "-9223372036854775808"),
                         b":-9223372036854775808\r\n")
        self.assertReply(("HINCRBY", "h2", "m", "-1"),
                         error("ERR increment or decrement would overflow"))
        self.assertReply(("HINCRBY", "h2", "m", "9223372036854775807"), b":-1\r\n")
        self.assertReply(("HINCRBY", "h2", "x", "9223372036854775807"),
                         b":9223372036854775807\r\n")
        self.assertReply(("HINCRBY", "h2", "x", "1"),
                         error("ERR increment or decrement would overflow"))
        self.assertEqual(self.r.hget("h2", "x"), b"9223372036854775807")  # unchanged

    def test_hincrby_bad_increment_and_bad_stored_value(self):
        for amount in ("abc", "", "1.5", " 1", "1 ", "+1", "0x10", "007", "-0", "1e3",
                       "9223372036854775808", "-9223372036854775809"):
            self.assertReply(("HINCRBY", "h", "n", amount),
                             error("ERR value is not an integer or out of range"))
        self.assertEqual(self.r.exists("h"), 0)
        for stored in ("abc", "", " 1", "1 ", "1.5", "1e3", "007", "-0", "+5", "0x10",
                       "9223372036854775808", "10.0"):
            self.r.hset("h", "v", stored)
            self.assertReply(("HINCRBY", "h", "v", "1"), error("ERR hash value is not an integer"))
            self.assertEqual(self.r.hget("h", "v"), stored.encode())
        # The increment is checked before the key's type.
        self.r.set("s", "1")
        self.assertReply(("HINCRBY", "s", "f", "x"),
                         error("ERR value is not an integer or out of range"))
        self.assertReply(("HINCRBY", "s", "f", "1"), error(WRONGTYPE))

    def test_hincrbyfloat_reply_formatting(self):
        """%.17Lf of the long double sum, trailing zeros and a trailing dot cut, "-0" -> "0";
        the stored value is the reply."""
        cases = [
            ("10.5", "0.1", b"10.6"), ("10.5", "1.5", b"12"), ("5.0e3", "200", b"5200"),
            ("10.5", "5.0e3", b"5010.5"), (None, "3.0e3", b"3000"), (None, "1.0", b"1"),
            (None, "1e-5", b"0.00001"), (None, "-0.0", b"0"), (None, "-0", b"0"),
            (None, "1e-20", b"0"), ("-0.5", "0.5", b"0"), ("0.1", "0.2", b"0.3"),
            ("-0.5", "-2.75", b"-3.25"), (None, "5.0000000000000001", b"5.0000000000000001"),
            (None, "1.23456789012345678901", b"1.23456789012345679"),
            ("10.5", "1e-17", b"10.50000000000000001"), ("10.5", "-0", b"10.5"),
            ("10.5", "0x10", b"26.5"), ("0x10", "1", b"17"), ("10.5", ".5", b"11"),
            ("10.5", "5.", b"15.5"), ("10.5", "+3", b"13.5"), ("10", "0.5", b"10.5"),
            ("1.5e-3", "0", b"0.0015"), ("3.0e3", "0", b"3000"), ("1e308", "-1e308", b"0"),
            (None, "1e-400", b"0"), ("1e3", "1", b"1001"), ("inf", "-1e-400", None),
        ]
        for stored, amount, expected in cases:
            if stored is None:
                self.r.hdel("h", "f")
            else:
                self.r.hset("h", "f", stored)
            reply = self.cmd("HINCRBYFLOAT", "h", "f", amount)
            if expected is None:
                self.assertEqual(reply, error("ERR increment would produce NaN or Infinity"))
                continue
            self.assertEqual(reply, bulk(expected), (stored, amount))
            self.assertEqual(self.r.hget("h", "f"), expected, (stored, amount))

    @lib.unittest.skipUnless(X86_64_LONG_DOUBLE, "80-bit long double results")
    def test_hincrbyfloat_is_long_double_arithmetic(self):
        """Sums beyond a double's range are fine (long double) and printed in full."""
        self.r.hset("h", "f", "1e308")
        reply = self.cmd("HINCRBYFLOAT", "h", "f", "1e308")
        digits = (b"19999999999999999999337175931169129132112019969483113441559409598984346973"
                  b"76761237442002538437770786408934944501080264463042694991879211671948416288"
                  b"60392837535918200039206381557326219209014213335878306791577877829121087126"
                  b"122536729803237260434173178506889763247582601711514636284849020905456510092"
                  b"687857156096")
        self.assertEqual(reply, bulk(digits))
        self.assertEqual(len(digits), 309)
        self.assertEqual(self.r.hget("h", "f"), digits)
        self.assertEqual(self.cmd("HINCRBYFLOAT", "h", "g", "123456789012345678901234"),
                         bulk(b"123456789012345678897152"))
        reply = self.cmd("HINCRBYFLOAT", "h", "g2", "1e400")
        self.assertTrue(reply.startswith(b"$401\r\n100000000000000000002818806839"), reply[:40])
        self.assertEqual(self.cmd("HINCRBYFLOAT", "h", "g3", "1e4932")[:6], b"$4933\r")

    def test_hincrbyfloat_errors(self):
        for amount in ("inf", "-inf", "infinity", "INF"):
            self.assertReply(("HINCRBYFLOAT", "h", "f", amount),
                             error("ERR value is NaN or Infinity"))
        for amount in ("nan", "NaN", "-nan", "abc", "", " 1", "1 ", "1,5", "1e", "--1", "0x",
                       "1e5000", "1e-5000", "1e4933"):
            self.assertReply(("HINCRBYFLOAT", "h", "f", amount),
                             error("ERR value is not a valid float"))
        self.assertEqual(self.r.exists("h"), 0)
        for stored in ("abc", "", " 1", "1 ", "1.5 ", "1.5e", "nan", "1,5"):
            self.r.hset("h", "v", stored)
            self.assertReply(("HINCRBYFLOAT", "h", "v", "1"),
                             error("ERR hash value is not a float"))
            self.assertEqual(self.r.hget("h", "v"), stored.encode())
        for stored, amount in (("inf", "1"), ("-inf", "1"), ("1e4932", "1e4932")):
            self.r.hset("h", "v", stored)
            self.assertReply(("HINCRBYFLOAT", "h", "v", amount),
                             error("ERR increment would produce NaN or Infinity"))
            self.assertEqual(self.r.hget("h", "v"), stored.encode())
        self.r.set("s", "1")
        self.assertReply(("HINCRBYFLOAT", "s", "f", "abc"), error("ERR value is not a valid float"))
        self.assertReply(("HINCRBYFLOAT", "s", "f", "1"), error(WRONGTYPE))

    def test_hincrby_after_hincrbyfloat_needs_an_integer_text(self):
        self.r.hset("h", "f", "10")
        self.assertEqual(self.cmd("HINCRBYFLOAT", "h", "f", "0.5"), bulk(b"10.5"))
        self.assertReply(("HINCRBY", "h", "f", "1"), error("ERR hash value is not an integer"))
        self.assertEqual(self.cmd("HINCRBYFLOAT", "h", "f", "0.5"), bulk(b"11"))
        self.assertReply(("HINCRBY", "h", "f", "1"), b":12\r\n")


class HrandfieldTest(HashTestCase):
    def test_missing_key_and_zero_count(self):
        self.assertReply(("HRANDFIELD", "nokey"), b"$-1\r\n")
        self.assertReply(("HRANDFIELD", "nokey", "3"), b"*0\r\n")
        self.assertReply(("HRANDFIELD", "nokey", "-3", "WITHVALUES"), b"*0\r\n")
        self.r.hset("h", mapping={"a": "1", "b": "2"})
        self.assertReply(("HRANDFIELD", "h", "0"), b"*0\r\n")
        self.assertReply(("HRANDFIELD", "h", "0", "WITHVALUES"), b"*0\r\n")

    def test_one_field_hash_is_deterministic(self):
        self.r.hset("h", "only", "v")
        self.assertReply(("HRANDFIELD", "h"), bulk(b"only"))
        self.assertReply(("HRANDFIELD", "h", "1", "WITHVALUES"), b"*2\r\n$4\r\nonly\r\n$1\r\nv\r\n")
        self.assertReply(("HRANDFIELD", "h", "-3"),
                         b"*3\r\n" + bulk(b"only") * 3)
        self.assertReply(("HRANDFIELD", "h", "-2", "withvalues"),
                         b"*4\r\n" + (bulk(b"only") + bulk(b"v")) * 2)

    def test_negative_count_repeats_fields(self):
        data = {b"a": b"1", b"b": b"2"}
        self.r.hset("h", mapping=data)
        fields = self.r.execute_command("HRANDFIELD", "h", "-5")
        self.assertEqual(len(fields), 5)
        self.assertTrue(set(fields) <= set(data), fields)
        pairs = flat_pairs(self.r.execute_command("HRANDFIELD", "h", "-5", "WITHVALUES"))
        self.assertEqual(len(pairs), 5)
        for f, v in pairs:
            self.assertEqual(data[f], v)
        # Over many calls both fields come up.
        seen = set()
        for _ in range(50):
            seen.update(self.r.execute_command("HRANDFIELD", "h", "-5"))
        self.assertEqual(seen, set(data))

    def test_positive_count_gives_distinct_fields(self):
        for size in (5, 100, 1000):  # listpacks, and a hashtable (Redis has two algorithms)
            data = {f"f{i}".encode(): f"v{i}".encode() for i in range(size)}
            self.r.delete("h")
            self.r.hset("h", mapping=data)
            for count in (1, 3, size // 2, size - 1, size, size + 1, 1000, 9223372036854775807):
                fields = self.r.execute_command("HRANDFIELD", "h", count)
                self.assertEqual(len(fields), min(count, size), (size, count))
                self.assertEqual(len(set(fields)), len(fields), (size, count))
                self.assertTrue(set(fields) <= set(data))
                if count > 4611686018427387903:
                    continue  # out of range with WITHVALUES (test_argument_errors)
                pairs = flat_pairs(self.r.execute_command("HRANDFIELD", "h", count,
                                                          "WITHVALUES"))
                self.assertEqual(len(pairs), min(count, size))
                self.assertEqual(len({f for f, _ in pairs}), len(pairs))
                self.assertTrue(all(data[f] == v for f, v in pairs))
            self.assertIn(self.r.execute_command("HRANDFIELD", "h"), data)
            many = self.r.execute_command("HRANDFIELD", "h", -(size * 3), "WITHVALUES")
            self.assertEqual(len(many), size * 6)
            self.assertTrue(all(data[f] == v for f, v in flat_pairs(many)))

    def test_argument_errors(self):
        self.r.hset("h", mapping={"a": "1", "b": "2"})
        not_integer = error("ERR value is not an integer or out of range")
        for count in ("abc", "1.5", "", "-0", "+1", " 1", "WITHVALUES", "9223372036854775808"):
            self.assertReply(("HRANDFIELD", "h", count), not_integer)
        self.assertReply(("HRANDFIELD", "nokey", "x"), not_integer)
        self.assertReply(("HRANDFIELD", "h", "1", "x"), error("ERR syntax error"))
        self.assertReply(("HRANDFIELD", "h", "1", "WITHVALUE"), error("ERR syntax error"))
        self.assertReply(("HRANDFIELD", "h", "1", "WITHVALUES", "WITHVALUES"),
                         error("ERR syntax error"))
        self.assertReply(("HRANDFIELD", "nokey", "1", "x"), error("ERR syntax error"))
        # Range: +-LONG_MAX without WITHVALUES (so only LONG_MIN is out), +-LONG_MAX/2 with it.
        self.assertReply(("HRANDFIELD", "h", "-9223372036854775808"), error(
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807"))
        self.assertReply(("HRANDFIELD", "h", "-9223372036854775808", "WITHVALUES"), error(
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807"))
        for count in ("4611686018427387904", "-4611686018427387904", "9223372036854775807"):
            self.assertReply(("HRANDFIELD", "h", count, "WITHVALUES"),
                             error("ERR value is out of range"))
        self.assertEqual(len(self.r.execute_command("HRANDFIELD", "h", "4611686018427387903",
                                                    "WITHVALUES")), 4)
        self.r.set("s", "v")
        for args in (("HRANDFIELD", "s"), ("HRANDFIELD", "s", "1"), ("HRANDFIELD", "s", "0"),
                     ("HRANDFIELD", "s", "-1", "WITHVALUES")):
            self.assertReply(args, error(WRONGTYPE))
        self.assertReply(("HRANDFIELD", "s", "x"), not_integer)  # parsed before the type check


class HscanTest(HashTestCase):
    def test_small_hash_comes_back_whole_with_cursor_0(self):
        data = {f"f{i}".encode(): f"v{i}".encode() for i in range(20)}
        data[b"other"] = b"x"
        self.r.hset("h", mapping=data)
        for extra in ((), ("COUNT", "1"), ("COUNT", "5"), ("count", "1000")):
            reply = self.cmd("HSCAN", "h", "0", *extra)
            self.assertTrue(reply.startswith(b"*2\r\n$1\r\n0\r\n*42\r\n"), (extra, reply[:20]))
            cursor, items = self.r.hscan("h", 0, count=int(extra[1]) if extra else None)
            self.assertEqual((cursor, items), (0, data))
        cursor, items = self.r.hscan("h", 0, match="f1*")
        self.assertEqual((cursor, items), (0, {k: v for k, v in data.items()
                                               if k.startswith(b"f1")}))
        self.assertEqual(self.r.hscan("h", 0, match="nomatch*"), (0, {}))
        self.assertEqual(self.r.hscan("h", 0, match="f?", count=1),
                         (0, {k: v for k, v in data.items() if len(k) == 2}))
        # MATCH and COUNT in any order, repeated: the last one counts.
        self.assertEqual(self.r.execute_command("HSCAN", "h", "0", "MATCH", "x*", "COUNT", "2",
                                                "MATCH", "o*", "COUNT", "7"),
                         (0, {b"other": b"x"}))
        self.assertEqual(self.r.hscan("nokey", 0), (0, {}))
        self.assertReply(("HSCAN", "nokey", "0"), b"*2\r\n$1\r\n0\r\n*0\r\n")

    def test_matching_on_binary_and_special_patterns(self):
        self.r.hset("h", mapping={b"a*b": b"1", b"axb": b"2", b"\x00z": b"3", b"[x]": b"4"})
        self.assertEqual(self.r.hscan("h", 0, match="a\\*b")[1], {b"a*b": b"1"})
        self.assertEqual(self.r.hscan("h", 0, match="a*b")[1], {b"a*b": b"1", b"axb": b"2"})
        self.assertEqual(self.r.hscan("h", 0, match=b"\x00*")[1], {b"\x00z": b"3"})
        self.assertEqual(self.r.hscan("h", 0, match="\\[*")[1], {b"[x]": b"4"})

    def test_big_hash_scans_every_field_in_steps(self):
        data = {f"field:{i}".encode(): f"value:{i}".encode() for i in range(1000)}
        pipe = self.r.pipeline(transaction=False)
        for i in range(0, 1000, 100):
            pipe.hset("big", mapping=dict(list(data.items())[i:i + 100]))
        pipe.execute()
        self.assertEqual(self.encoding("big"), b"hashtable")
        seen, calls, cursor = {}, 0, 0
        while True:
            cursor, items = self.r.hscan("big", cursor, count=10)
            calls += 1
            for f, v in items.items():
                self.assertEqual(data.get(f), v)
                seen[f] = v
            if cursor == 0:
                break
            self.assertLess(calls, 1000, "HSCAN does not end")
        self.assertEqual(seen, data)  # every field at least once
        self.assertGreater(calls, 10)  # in steps, not all at once
        # MATCH filters after the step: the matching fields, exactly.
        matched = {}
        for f, v in self.r.hscan_iter("big", match="field:1*", count=50):
            matched[f] = v
        self.assertEqual(matched, {f: v for f, v in data.items() if f.startswith(b"field:1")})

    def test_fields_that_stay_during_a_scan_are_all_returned(self):
        data = {f"f{i}".encode(): b"v" for i in range(1000)}  # a hashtable
        self.r.hset("h", mapping=data)
        seen, cursor, n = set(), 0, 0
        while True:
            cursor, items = self.r.hscan("h", cursor, count=20)
            seen.update(items)
            n += 1
            self.r.hset("h", f"new{n}", "x")  # added meanwhile: may or may not show up
            self.r.hdel("h", f"f{n}")         # removed meanwhile: may have shown up
            if cursor == 0:
                break
        kept = {f for f in data if not (f.startswith(b"f") and 1 <= int(f[1:]) <= n)}
        self.assertTrue(kept <= seen, sorted(kept - seen)[:5])

    def test_argument_errors(self):
        self.r.hset("h", "a", "1")
        for cursor in ("abc", " 0", "0 ", "1.5", "18446744073709551616", "0x0", "--1"):
            self.assertReply(("HSCAN", "h", cursor), error("ERR invalid cursor"))
            self.assertReply(("HSCAN", "nokey", cursor), error("ERR invalid cursor"))
        syntax = error("ERR syntax error")
        for options in (("COUNT", "0"), ("COUNT", "-1"), ("COUNT",), ("MATCH",), ("NOVALUES",),
                        ("TYPE", "hash"), ("FOO", "bar"), ("MATCH", "*", "COUNT", "1", "x")):
            self.assertReply(("HSCAN", "h", "0") + options, syntax)
        self.assertReply(("HSCAN", "h", "0", "COUNT", "abc"),
                         error("ERR value is not an integer or out of range"))
        self.assertReply(("HSCAN", "h", "0", "COUNT", "9223372036854775808"),
                         error("ERR value is not an integer or out of range"))
        self.r.set("s", "v")
        self.assertReply(("HSCAN", "s", "0"), error(WRONGTYPE))
        # The type is checked before the options, and a missing key answers the empty scan
        # without looking at them at all.
        self.assertReply(("HSCAN", "s", "0", "COUNT", "0"), error(WRONGTYPE))
        self.assertReply(("HSCAN", "nokey", "0", "COUNT", "0"), b"*2\r\n$1\r\n0\r\n*0\r\n")
        self.assertReply(("HSCAN", "nokey", "0", "FOO"), b"*2\r\n$1\r\n0\r\n*0\r\n")

    def test_cursor_forms_strtoul_accepts(self):
        """Redis parses the cursor with strtoul: "+0" and "" are 0; on a small (listpack) hash
        any cursor returns everything with cursor 0."""
        self.r.hset("h", mapping={"a": "1"})
        whole = b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
        for cursor in ("0", "+0", "", "00"):
            self.assertReply(("HSCAN", "h", cursor), whole)


class EncodingTest(HashTestCase):
    def tearDown(self):
        self.r.config_set("hash-max-listpack-entries", DEFAULT_ENTRIES)
        self.r.config_set("hash-max-listpack-value", 64)
        super().tearDown()

    def test_default_thresholds(self):
        self.assertEqual(self.r.config_get("hash-max-listpack-entries"),
                         {"hash-max-listpack-entries": "512"})
        self.assertEqual(self.r.config_get("hash-max-listpack-value"),
                         {"hash-max-listpack-value": "64"})
        # The 7.0 names are aliases of the ziplist ones.
        self.assertEqual(self.r.config_get("hash-max-ziplist-entries"),
                         {"hash-max-ziplist-entries": "512"})

    def test_entries_threshold(self):
        self.r.hset("h", mapping={f"f{i}": i for i in range(511)})
        self.assertEqual(self.encoding("h"), b"listpack")
        self.r.hset("h", "f511", "x")  # 512 fields
        self.assertEqual(self.encoding("h"), b"listpack")
        self.r.hset("h", "f511", "y")  # an update adds no field
        self.assertEqual(self.encoding("h"), b"listpack")
        self.r.hset("h", "f512", "x")  # 513
        self.assertEqual(self.encoding("h"), b"hashtable")
        self.r.hdel("h", *[f"f{i}" for i in range(500)])
        self.assertEqual(self.r.hlen("h"), 13)
        self.assertEqual(self.encoding("h"), b"hashtable")  # never back to a listpack
        # One HSET of 513 fields; HSETNX, HINCRBY and HINCRBYFLOAT adding the 513th.
        self.r.hset("h2", mapping={f"f{i}": i for i in range(513)})
        self.assertEqual(self.encoding("h2"), b"hashtable")
        for i, args in enumerate((("HSETNX", "f512", "v"), ("HINCRBY", "f512", "1"),
                                  ("HINCRBYFLOAT", "f512", "1.5"))):
            key = f"h3:{i}"
            self.r.hset(key, mapping={f"f{i}": i for i in range(512)})
            self.assertEqual(self.encoding(key), b"listpack")
            self.r.execute_command(args[0], key, *args[1:])
            self.assertEqual(self.encoding(key), b"hashtable", args)

    def test_value_and_field_length_threshold(self):
        self.r.hset("v64", "f", "x" * 64)
        self.assertEqual(self.encoding("v64"), b"listpack")
        self.r.hset("v65", "f", "x" * 65)
        self.assertEqual(self.encoding("v65"), b"hashtable")
        self.r.hset("f64", "y" * 64, "v")
        self.assertEqual(self.encoding("f64"), b"listpack")
        self.r.hset("f65", "y" * 65, "v")
        self.assertEqual(self.encoding("f65"), b"hashtable")
        self.r.hset("grow", mapping={"a": "1", "b": "2"})
        self.r.hset("grow", "b", "z" * 65)  # an update to a long value converts too
        self.assertEqual(self.encoding("grow"), b"hashtable")
        self.r.hdel("grow", "b")
        self.assertEqual(self.encoding("grow"), b"hashtable")
        self.r.hsetnx("nx", "f", "z" * 65)
        self.assertEqual(self.encoding("nx"), b"hashtable")
        self.r.hset("mset", "a", "1")
        self.r.execute_command("HMSET", "mset", "b", "z" * 100)
        self.assertEqual(self.encoding("mset"), b"hashtable")
        # HINCRBYFLOAT writing a result over 64 bytes converts; one of 51 bytes does not.
        self.r.hset("fl", "x", "1")
        self.r.hincrbyfloat("fl", "x", 1e50)
        self.assertEqual(self.r.hstrlen("fl", "x"), 51)
        self.assertEqual(self.encoding("fl"), b"listpack")
        self.r.hset("fl2", "x", "10.5")
        self.r.hincrbyfloat("fl2", "x", 1e100)
        self.assertEqual(self.encoding("fl2"), b"hashtable")

    def test_config_set_thresholds(self):
        self.assertEqual(self.r.config_get("hash-max-listpack-entries"),
                         {"hash-max-listpack-entries": str(DEFAULT_ENTRIES)})
        self.assertTrue(self.r.config_set("hash-max-listpack-entries", 4))
        self.r.hset("h", mapping={"a": 1, "b": 2, "c": 3, "d": 4})
        self.assertEqual(self.encoding("h"), b"listpack")
        self.r.hset("h", "e", 5)
        self.assertEqual(self.encoding("h"), b"hashtable")
        # Existing listpacks stay as they are until a write.
        self.r.config_set("hash-max-listpack-entries", DEFAULT_ENTRIES)
        self.r.hset("old", mapping={f"f{i}": i for i in range(10)})
        self.r.config_set("hash-max-listpack-entries", 4)
        self.assertEqual(self.encoding("old"), b"listpack")
        self.r.hset("old", "f0", "new")
        self.assertEqual(self.encoding("old"), b"hashtable")
        self.r.config_set("hash-max-listpack-entries", DEFAULT_ENTRIES)
        self.assertTrue(self.r.config_set("hash-max-listpack-value", 10))
        self.r.hset("v", "f", "x" * 10)
        self.assertEqual(self.encoding("v"), b"listpack")
        self.r.hset("v", "f", "x" * 11)
        self.assertEqual(self.encoding("v"), b"hashtable")
        # The alias sets the same setting.
        self.assertTrue(self.r.config_set("hash-max-ziplist-value", 20))
        self.assertEqual(self.r.config_get("hash-max-listpack-value"),
                         {"hash-max-listpack-value": "20"})
        self.assertTrue(self.r.config_set("hash-max-listpack-entries", 0))
        self.r.hset("zero", "a", "1")
        self.assertEqual(self.encoding("zero"), b"hashtable")

    def test_copy_rename_move_keep_the_encoding(self):
        self.r.hset("small", "a", "1")
        self.r.hset("wide", mapping={"a": "x" * 100, "b": "1"})
        self.r.hdel("wide", "a")
        self.assertEqual(self.encoding("wide"), b"hashtable")
        self.assertTrue(self.r.copy("small", "small2"))
        self.assertTrue(self.r.copy("wide", "wide2"))
        self.assertEqual(self.encoding("small2"), b"listpack")
        self.assertEqual(self.encoding("wide2"), b"hashtable")
        self.r.rename("wide2", "wide3")
        self.assertEqual(self.encoding("wide3"), b"hashtable")
        self.assertTrue(self.r.move("wide3", 1))
        c1 = self.server.client(db=1)
        self.assertEqual(c1.object("ENCODING", "wide3"), b"hashtable")
        self.assertEqual(c1.hgetall("wide3"), {b"b": b"1"})
        c1.close()

    def test_object_encoding_arguments(self):
        self.r.set("s", "v")
        self.assertIsNone(self.r.object("ENCODING", "nokey"))
        self.assertReply(("OBJECT", "ENCODING"), arity_error("object|encoding"))
        self.assertReply(("OBJECT", "ENCODING", "s", "x"), arity_error("object|encoding"))
        self.assertReply(("OBJECT",), arity_error("object"))


class KeyspaceTest(HashTestCase):
    def test_wrongtype_both_ways(self):
        self.r.hset("h", "a", "1")
        self.r.set("s", "v")
        for args in (("GET", "h"), ("STRLEN", "h"), ("APPEND", "h", "x"), ("INCR", "h"),
                     ("INCRBYFLOAT", "h", "1"), ("GETDEL", "h"), ("GETSET", "h", "x"),
                     ("GETRANGE", "h", "0", "1"), ("SETRANGE", "h", "0", "x"),
                     ("SET", "h", "v", "GET"), ("GETEX", "h")):
            self.assertReply(args, error(WRONGTYPE))
        self.assertEqual(self.r.hgetall("h"), {b"a": b"1"})  # SET ... GET did not write
        for args in (("HSET", "s", "a", "1"), ("HSETNX", "s", "a", "1"), ("HMSET", "s", "a", "1"),
                     ("HGET", "s", "a"), ("HMGET", "s", "a"), ("HDEL", "s", "a"), ("HLEN", "s"),
                     ("HSTRLEN", "s", "a"), ("HEXISTS", "s", "a"), ("HKEYS", "s"),
                     ("HVALS", "s"), ("HGETALL", "s"), ("HINCRBY", "s", "a", "1"),
                     ("HINCRBYFLOAT", "s", "a", "1"), ("HRANDFIELD", "s"), ("HSCAN", "s", "0")):
            self.assertReply(args, error(WRONGTYPE))
        self.assertEqual(self.r.get("s"), b"v")
        self.assertReply(("MGET", "h", "s"), b"*2\r\n$-1\r\n$1\r\nv\r\n")  # MGET: nil for a hash
        # SET replaces a hash (and its TTL) with a string.
        self.r.expire("h", 1000)
        self.assertTrue(self.r.set("h", "now a string"))
        self.assertEqual((self.r.type("h"), self.r.ttl("h")), (b"string", -1))

    def test_key_commands_on_hashes(self):
        self.r.hset("h", mapping={"a": "1", "b": "2"})
        self.assertEqual(self.r.type("h"), b"hash")
        self.assertEqual(self.r.exists("h", "h", "nokey"), 2)
        self.assertEqual(self.r.keys("*"), [b"h"])
        self.assertEqual(self.r.dbsize(), 1)
        self.assertEqual(self.r.randomkey(), b"h")
        self.assertEqual(self.r.touch("h"), 1)
        self.assertTrue(self.r.rename("h", "h2"))
        self.assertEqual(self.r.exists("h"), 0)
        self.assertEqual(self.r.hgetall("h2"), {b"a": b"1", b"b": b"2"})
        self.assertTrue(self.r.expire("h2", 1000))
        # COPY is a deep copy with the TTL; REPLACE and DB work on hashes.
        self.assertTrue(self.r.copy("h2", "c"))
        self.assertTrue(0 < self.r.ttl("c") <= 1000)
        self.r.hset("c", "a", "changed")
        self.assertEqual(self.r.hget("h2", "a"), b"1")
        self.r.set("str", "x")
        self.assertFalse(self.r.copy("h2", "str"))
        self.assertTrue(self.r.copy("h2", "str", replace=True))
        self.assertEqual(self.r.type("str"), b"hash")
        self.assertTrue(self.r.copy("h2", "h2", destination_db=2))
        self.assertReply(("COPY", "h2", "h2"),
                         error("ERR source and destination objects are the same"))
        c2 = self.server.client(db=2)
        self.assertEqual(c2.hgetall("h2"), {b"a": b"1", b"b": b"2"})
        self.assertTrue(0 < c2.ttl("h2") <= 1000)
        # MOVE: only when the target db lacks the key.
        self.assertFalse(self.r.move("h2", 2))
        c2.delete("h2")
        self.assertTrue(self.r.move("h2", 2))
        self.assertEqual(self.r.exists("h2"), 0)
        self.assertEqual(c2.hgetall("h2"), {b"a": b"1", b"b": b"2"})
        self.assertTrue(0 < c2.ttl("h2") <= 1000)
        self.assertTrue(c2.persist("h2"))
        self.assertEqual(c2.ttl("h2"), -1)
        # RENAME onto a string replaces it; RENAMENX refuses.
        c2.set("s", "v")
        self.assertFalse(c2.renamenx("h2", "s"))
        self.assertTrue(c2.rename("h2", "s"))
        self.assertEqual(c2.type("s"), b"hash")
        self.assertEqual(c2.delete("s"), 1)
        self.assertEqual(c2.dbsize(), 0)
        c2.close()
        # Writes keep the TTL; HDEL of some fields too.
        self.r.hset("t", mapping={"a": "1", "b": "2"})
        self.r.expire("t", 1000)
        self.r.hset("t", "c", "3")
        self.r.hincrby("t", "n", 1)
        self.r.hdel("t", "a")
        self.assertTrue(0 < self.r.ttl("t") <= 1000)
        # SWAPDB carries hashes.
        self.r.swapdb(0, 3)
        c3 = self.server.client(db=3)
        self.assertEqual(c3.hgetall("t"), {b"b": b"2", b"c": b"3", b"n": b"1"})
        c3.close()

    def test_transaction_of_hash_commands(self):
        pipe = self.r.pipeline(transaction=True)
        pipe.hset("h", mapping={"a": "1"}).hincrby("h", "a", 5).hincrbyfloat("h", "f", 1.5)
        pipe.hget("h", "nope").set("s", "x").hset("s", "a", "1").hlen("h")
        results = pipe.execute(raise_on_error=False)
        self.assertEqual(results[:5], [1, 6, 1.5, None, True])
        self.assertIsInstance(results[5], redis.ResponseError)
        self.assertEqual(results[6], 2)
        self.assertReply(("MULTI",), b"+OK\r\n")
        self.assertReply(("HSET", "h", "x"), arity_error("hset"))  # refused while queueing
        self.assertReply(("HGET", "h", "a"), b"+QUEUED\r\n")
        self.assertReply(("EXEC",), error("EXECABORT Transaction discarded because of previous "
                                          "errors."))


class KeyspaceEventsTest(lib.KeyEventsMixin, HashTestCase):
    """The keyevent notifications of the hash commands (class h, and g for the DEL of a hash
    whose last field went). test_keyspace_events.py compares them with Redis's on random
    streams; this is the readable list."""

    def test_events(self):
        cases = [
            (("HSET", "h", "a", "1", "b", "2"), [(b"hset", b"h")]),
            (("HSET", "h", "a", "1"), [(b"hset", b"h")]),  # even when nothing is new
            (("HSETNX", "h", "a", "1"), []),
            (("HSETNX", "h", "c", "1"), [(b"hset", b"h")]),
            (("HMSET", "h", "d", "1"), [(b"hset", b"h")]),
            (("HINCRBY", "h", "n", "1"), [(b"hincrby", b"h")]),
            (("HINCRBYFLOAT", "h", "f", "1.5"), [(b"hincrbyfloat", b"h")]),
            (("HINCRBY", "h", "a", "x"), []),
            (("HINCRBY", "h", "f", "1"), []),
            (("HDEL", "h", "zz"), []),
            (("HDEL", "h", "a", "b"), [(b"hdel", b"h")]),
            (("HGET", "h", "c"), []),
            (("HDEL", "h", "c", "d", "n", "f"), [(b"hdel", b"h"), (b"del", b"h")]),
            (("HSET", "big", "a", "x" * 100), [(b"hset", b"big")]),
            (("HRANDFIELD", "big", "-2"), []),
            (("HSCAN", "big", "0"), []),
        ]
        for args, expected in cases:
            _, events = self.events(*args)
            self.assertEqual(events, expected, args)


class Resp3Test(HashTestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(self.cmd("HELLO", "3").startswith(b"%7\r\n"))

    def test_replies(self):
        self.r.hset("h", "a", "1")
        self.r.hset("h2", mapping={"a": "1", "b": "2"})
        self.assertReply(("HGETALL", "h"), b"%1\r\n$1\r\na\r\n$1\r\n1\r\n")
        self.assertIn(self.cmd("HGETALL", "h2"),
                      (b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
                       b"%2\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"))
        self.assertReply(("HGETALL", "nokey"), b"%0\r\n")
        self.assertReply(("HKEYS", "h"), b"*1\r\n$1\r\na\r\n")
        self.assertReply(("HGET", "h", "nope"), b"_\r\n")
        self.assertReply(("HMGET", "h", "a", "nope"), b"*2\r\n$1\r\n1\r\n_\r\n")
        self.assertReply(("HEXISTS", "h", "a"), b":1\r\n")  # an integer, not a boolean
        self.assertReply(("HLEN", "h"), b":1\r\n")
        self.assertReply(("HINCRBYFLOAT", "h", "f", "1.5"), b"$3\r\n1.5\r\n")  # bulk, not double
        self.assertReply(("HINCRBY", "h", "i", "2"), b":2\r\n")
        self.r.hdel("h", "f", "i")
        self.assertReply(("HRANDFIELD", "nokey"), b"_\r\n")
        self.assertReply(("HRANDFIELD", "h"), b"$1\r\na\r\n")
        self.assertReply(("HRANDFIELD", "nokey", "2"), b"*0\r\n")
        # WITHVALUES: an array of [field, value] pairs in RESP3.
        self.assertReply(("HRANDFIELD", "h", "1", "WITHVALUES"),
                         b"*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n")
        self.assertReply(("HRANDFIELD", "h", "-2", "WITHVALUES"),
                         b"*2\r\n" + b"*2\r\n$1\r\na\r\n$1\r\n1\r\n" * 2)
        self.assertReply(("HSCAN", "h", "0"), b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n")
        self.assertReply(("HSCAN", "nokey", "0"), b"*2\r\n$1\r\n0\r\n*0\r\n")
        self.assertReply(("OBJECT", "ENCODING", "h"), b"$8\r\nlistpack\r\n")
        self.assertReply(("OBJECT", "ENCODING", "nokey"), b"_\r\n")
        self.assertReply(("TYPE", "h"), b"+hash\r\n")

    def test_map_of_a_big_hash(self):
        data = {f"f{i}".encode(): (b"%d" % i) * (i % 7) for i in range(500)}
        self.r.hset("h", mapping=data)
        self.c.send(lib.encode_command("HGETALL", "h"))
        self.assertEqual(self.c.read_line(), b"%500")
        got = {}
        for _ in range(500):
            f, v = self.c.read_reply(), self.c.read_reply()
            got[f.split(b"\r\n")[1]] = v.split(b"\r\n")[1]
        self.assertEqual(got, data)


if __name__ == "__main__":
    lib.main()
