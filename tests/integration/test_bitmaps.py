"""The bitmap commands (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO) and LCS, end to
end with redis-py and raw RESP2 / RESP3 connections: exact replies and error strings, the
proto-max-bulk-len limit on offsets, keyspace events, and what reaches the AOF and a replica
(a BITFIELD of GETs, or of writes that store the bits already there, is not propagated).

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which
takes basalt's command line (`python3 test_bitmaps.py --basalt /usr/bin/redis-server`); run it
that way again after changing an expectation.
"""

import os
import shutil
import tempfile

import basalt_testlib as lib
from command_case import CommandTestCase, bulk, error, integer, encoded_array as array

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
BAD_OFFSET = "ERR bit offset is not an integer or out of range"
BAD_TYPE = ("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
            "supported but i64 is.")


class BitTestCase(CommandTestCase):
    """A flushed server's clients (command_case.py)."""


class SetbitGetbitTest(BitTestCase):
    def test_setbit_and_getbit(self):
        self.assertEqual(self.r.setbit("k", 7, 1), 0)
        self.assertEqual(self.r.setbit("k", 7, 1), 1)
        self.assertEqual(self.r.setbit("k", 9, 1), 0)
        self.assertEqual(self.r.get("k"), b"\x01\x40")
        self.assertEqual([self.r.getbit("k", i) for i in (0, 7, 9, 10, 1000)], [0, 1, 1, 0, 0])
        self.assertEqual(self.r.getbit("missing", 3), 0)

    def test_bits_of_a_number_are_its_decimal_text(self):
        self.r.set("n", 12345)
        self.assertEqual(self.r.getbit("n", 2), 1)  # '1' is 0x31
        self.assertEqual(self.r.bitcount("n"), 17)
        self.r.setbit("n", 6, 1)  # '1' -> '3'
        self.assertEqual(self.r.get("n"), b"32345")
        self.assertEqual(self.r.incr("n"), 32346)

    def test_errors(self):
        self.assertReply(("SETBIT", "k", "-1", "1"), error(BAD_OFFSET))
        self.assertReply(("SETBIT", "k", "4294967296", "1"), error(BAD_OFFSET))
        self.assertReply(("SETBIT", "k", "1", "2"), error("ERR bit is not an integer or out of range"))
        self.assertReply(("GETBIT", "k", "x"), error(BAD_OFFSET))
        self.assertReply(("SETBIT", "k", "1"),
                         error("ERR wrong number of arguments for 'setbit' command"))
        self.r.hset("h", "f", "v")
        self.assertReply(("SETBIT", "h", "1", "1"), error(WRONGTYPE))
        self.assertReply(("GETBIT", "h", "1"), error(WRONGTYPE))

    def test_offsets_are_limited_by_proto_max_bulk_len(self):
        self.r.config_set("proto-max-bulk-len", 1024 * 1024)
        try:
            self.assertReply(("SETBIT", "k", str(8 * 1024 * 1024), "1"), error(BAD_OFFSET))
            self.assertEqual(self.r.setbit("k", 8 * 1024 * 1024 - 1, 1), 0)
            self.assertEqual(self.r.strlen("k"), 1024 * 1024)
            self.assertEqual(self.r.bitcount("k"), 1)
            self.assertEqual(self.r.bitpos("k", 1), 8 * 1024 * 1024 - 1)
        finally:
            self.r.config_set("proto-max-bulk-len", 512 * 1024 * 1024)


class CountAndPosTest(BitTestCase):
    def test_bitcount(self):
        self.r.set("k", "foobar")
        self.assertEqual(self.r.bitcount("k"), 26)
        self.assertEqual(self.r.bitcount("k", 1, 1), 6)
        self.assertEqual(self.r.bitcount("k", -2, -1), 7)
        self.assertReply(("BITCOUNT", "k", "5", "30", "BIT"), integer(17))
        self.assertReply(("BITCOUNT", "k", "0", "-1", "bYtE"), integer(26))
        self.assertReply(("BITCOUNT", "k", "0"), error("ERR syntax error"))
        self.assertReply(("BITCOUNT", "k", "0", "1", "WORD"), error("ERR syntax error"))
        self.assertReply(("BITCOUNT", "k", "-1", "-2", "WORD"), integer(0))
        self.assertReply(("BITCOUNT", "missing", "x", "y"), integer(0))

    def test_bitpos(self):
        self.r.set("k", b"\xff\xf0\x00")
        self.assertEqual(self.r.bitpos("k", 0), 12)
        self.assertEqual(self.r.bitpos("k", 1, 2), -1)
        self.assertReply(("BITPOS", "k", "1", "7", "15", "BIT"), integer(7))
        self.assertReply(("BITPOS", "k", "0", "0", "11", "BIT"), integer(-1))
        self.assertReply(("BITPOS", "k", "3"), error("ERR The bit argument must be 1 or 0."))
        self.assertEqual(self.r.bitpos("missing", 0), 0)
        self.assertEqual(self.r.bitpos("missing", 1), -1)

    def test_bitpos_zero_on_all_ones(self):
        self.r.set("ones", b"\xff" * 100)
        self.assertEqual(self.r.bitpos("ones", 0), 800)
        self.assertEqual(self.r.bitpos("ones", 0, 10), 800)
        self.assertEqual(self.r.bitpos("ones", 0, 10, -1), -1)
        self.assertEqual(self.r.bitpos("ones", 1, 10), 80)


class BitopTest(BitTestCase):
    def test_operations(self):
        self.r.set("a", b"\xf0\x0f\xaa")
        self.r.set("b", b"\x3c")
        self.assertEqual(self.r.bitop("AND", "d", "a", "b"), 3)
        self.assertEqual(self.r.get("d"), b"\x30\x00\x00")
        self.assertEqual(self.r.bitop("OR", "d", "a", "b"), 3)
        self.assertEqual(self.r.get("d"), b"\xfc\x0f\xaa")
        self.assertEqual(self.r.bitop("XOR", "d", "a", "b", "missing"), 3)
        self.assertEqual(self.r.get("d"), b"\xcc\x0f\xaa")
        self.assertEqual(self.r.bitop("NOT", "d", "a"), 3)
        self.assertEqual(self.r.get("d"), b"\x0f\xf0\x55")

    def test_empty_result_deletes_and_errors(self):
        self.r.set("d", "x", ex=100)
        self.assertEqual(self.r.bitop("OR", "d", "m1", "m2"), 0)
        self.assertEqual(self.r.exists("d"), 0)
        self.assertReply(("BITOP", "NOT", "d", "a", "b"),
                         error("ERR BITOP NOT must be called with a single source key."))
        self.assertReply(("BITOP", "NOR", "d", "a"), error("ERR syntax error"))
        self.r.rpush("l", "x")
        self.assertReply(("BITOP", "AND", "d", "a", "l"), error(WRONGTYPE))


class BitfieldTest(BitTestCase):
    def test_get_set_incrby(self):
        self.assertReply(("BITFIELD", "k", "SET", "i8", "#0", "100", "INCRBY", "i8", "#0", "100",
                          "OVERFLOW", "SAT", "INCRBY", "i8", "#1", "-200", "GET", "u16", "0"),
                         array(integer(0), integer(-56), integer(-128), integer(51328)))
        self.assertReply(("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"),
                         array(b"$-1\r\n"))
        self.assertReply(("BITFIELD", "k", "SET", "i64", "0", "-9223372036854775808",
                          "INCRBY", "i64", "0", "-1", "GET", "u63", "1"),
                         array(integer(-3999196469105000448), integer(9223372036854775807),
                               integer(9223372036854775807)))
        self.assertReply(("BITFIELD", "k", "GET", "u64", "0"), error(BAD_TYPE))
        self.assertReply(("BITFIELD", "k", "OVERFLOW", "X"),
                         error("ERR Invalid OVERFLOW type specified"))

    def test_resp3_nulls(self):
        with self.server.raw() as c:
            c.command("HELLO", "3")
            self.assertEqual(c.command("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "0", "4",
                                       "GET", "u2", "0"), b"*2\r\n_\r\n:0\r\n")

    def test_bitfield_ro(self):
        self.r.set("k", b"\x81")
        self.assertReply(("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i1", "7"),
                         array(integer(129), integer(-1)))
        self.assertReply(("BITFIELD_RO", "k", "SET", "u8", "0", "1"),
                         error("ERR BITFIELD_RO only supports the GET subcommand"))
        self.assertReply(("BITFIELD_RO", "missing", "GET", "u8", "0"), array(integer(0)))


class LcsTest(BitTestCase):
    def test_lcs(self):
        self.r.mset({"a": "ohmytext", "b": "mynewtext"})
        self.assertEqual(self.r.execute_command("LCS", "a", "b"), b"mytext")
        self.assertEqual(self.r.execute_command("LCS", "a", "b", "LEN"), 6)
        expected = (b"*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
                    b"*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n")
        self.assertReply(("LCS", "a", "b", "IDX", "WITHMATCHLEN"), expected)
        with self.server.raw() as c:
            c.command("HELLO", "3")
            self.assertEqual(c.command("LCS", "a", "b", "IDX", "MINMATCHLEN", "3"),
                             b"%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n"
                             b":8\r\n$3\r\nlen\r\n:6\r\n")

    def test_errors(self):
        self.r.hset("h", "f", "v")
        self.assertReply(("LCS", "a", "h"),
                         error("ERR The specified keys must contain string values"))
        self.assertReply(("LCS", "a", "b", "IDX", "LEN"),
                         error("ERR If you want both the length and indexes, please just use IDX."))


class BitKeyspaceEventsTest(BitTestCase):
    def setUp(self):
        super().setUp()
        self.r.config_set("notify-keyspace-events", "KEA")
        self.sub = self.server.raw()
        self.sub.send(lib.encode_command("PSUBSCRIBE", "__keyevent@0__:*"))
        self.sub.read_reply()

    def tearDown(self):
        self.sub.close()
        self.r.config_set("notify-keyspace-events", "")
        super().tearDown()

    def events(self, *args):
        self.c.command(*args)
        self.sub.send(lib.encode_command("PING"))
        events = []
        while True:
            parts = self.sub.read_reply().split(b"\r\n")
            if parts[2] == b"pong":
                return events
            events.append((parts[6].split(b":", 1)[1].decode(), parts[8].decode()))

    def test_events(self):
        self.assertEqual(self.events("SETBIT", "k", "3", "1"), [("setbit", "k")])
        self.assertEqual(self.events("SETBIT", "k", "3", "1"), [])
        self.assertEqual(self.events("BITFIELD", "k", "SET", "u8", "0", "1"), [("setbit", "k")])
        self.assertEqual(self.events("BITFIELD", "k", "SET", "u8", "0", "1"), [])
        self.assertEqual(self.events("BITOP", "OR", "d", "k"), [("set", "d")])
        self.assertEqual(self.events("BITOP", "OR", "d", "m"), [("del", "d")])
        self.assertEqual(self.events("BITOP", "OR", "d", "m"), [])


class BitPropagationTest(lib.unittest.TestCase):
    """What the AOF receives, and a replica applying the live stream."""

    def test_aof_holds_only_the_writes(self):
        workdir = tempfile.mkdtemp(prefix="basalt-it-bits-")
        self.addCleanup(shutil.rmtree, workdir, True)
        server = lib.ServerProcess(["--appendonly", "yes", "--appendfsync", "always"],
                                   workdir=workdir).start()
        self.addCleanup(server.kill)
        with server.raw() as c:
            for args in (("SETBIT", "k", "1", "1"), ("SETBIT", "k", "1", "1"),
                         ("BITFIELD", "k", "GET", "u8", "0"),
                         ("BITFIELD", "k", "SET", "u8", "0", "65"),
                         ("BITFIELD", "k", "INCRBY", "u8", "0", "0"), ("GETBIT", "k", "1"),
                         ("BITOP", "NOT", "d", "k"), ("BITOP", "AND", "e", "m")):
                c.command(*args)
            value = c.command("GET", "d")
        server.stop_and_check()
        aof_dir = os.path.join(workdir, "appendonlydir")
        incr = [n for n in os.listdir(aof_dir) if ".incr." in n]
        with open(os.path.join(aof_dir, incr[0]), "rb") as f:
            data = f.read()
        names = [line for line in data.split(b"\r\n") if line.upper() in
                 (b"SETBIT", b"BITFIELD", b"BITOP", b"GETBIT")]
        self.assertEqual([n.upper() for n in names], [b"SETBIT", b"BITFIELD", b"BITOP"])
        server = lib.ServerProcess(["--appendonly", "yes"], workdir=workdir).start()
        self.addCleanup(server.kill)
        with server.raw() as c:
            self.assertEqual(c.command("GET", "d"), value)
            self.assertEqual(c.command("GET", "k"), bulk(b"\x41"))
        server.stop_and_check()

    def test_replica_follows(self):
        primary = lib.ServerProcess(["--repl-diskless-sync-delay", "0"]).start()
        self.addCleanup(primary.stop_and_check)
        replica = lib.ServerProcess().start()
        self.addCleanup(replica.stop_and_check)
        with replica.raw() as r:
            r.command("REPLICAOF", "127.0.0.1", primary.port)
        c = primary.client()
        c.setbit("k", 100, 1)
        c.execute_command("BITFIELD", "k", "INCRBY", "i5", "#3", "7", "SET", "u8", "200", "9")
        c.bitop("XOR", "d", "k", "k")
        c.execute_command("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u4", "0", "100")
        expected = {key: c.get(key) for key in ("k", "d")}
        c.set("marker", "done")
        c.close()
        def synced():
            with replica.raw() as r:
                return r.command("GET", "marker") == bulk(b"done")
        lib.wait_until(synced, timeout=30, what="the replica to catch up")
        rc = replica.client()
        self.assertEqual({key: rc.get(key) for key in expected}, expected)
        rc.close()


if __name__ == "__main__":
    lib.main()
