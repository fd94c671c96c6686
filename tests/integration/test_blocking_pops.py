"""The blocking list commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP), end to end with redis-py
and raw RESP2 / RESP3 connections: immediate answers and their reply shapes, WRONGTYPE and the
order keys are checked in, clients blocked and then served by every way a list can appear on a
waited key (pushes, MULTI/EXEC, LMOVE, RENAME, RESTORE, another client's BLMOVE, SWAPDB), the
order waiters are served in, timeouts and their argument errors, MULTI, CLIENT UNBLOCK,
disconnects, a key that becomes a string, propagation of a served pop to a replica and to the
AOF, keyspace events, and a thousand clients blocked at once.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which
takes basalt's command line (`python3 test_blocking_pops.py --basalt /usr/bin/redis-server`);
run it that way again after changing an expectation. Two of Redis 7.0.15's answers differ from
what its later versions or documentation suggest: a timed-out (or CLIENT UNBLOCKed) BLMOVE or
BRPOPLPUSH answers a null array in RESP2, like BLPOP (a null bulk only inside MULTI), and there
is no "timeout is out of range" error: a timeout whose milliseconds overflow a 64-bit integer
(1e100, inf) is "timeout is negative".

Timing: a blocked client is only ever pushed to after INFO clients shows it blocked
(blocked_clients), and every wait is bounded polling. The few "it is still blocked" checks
wait a short while for a reply that must not come: a slow server can only make them pass.
"""

import os
import select
import shutil
import tempfile
import time

import basalt_testlib as lib
from command_case import CommandTestCase, arity_error, bulk, error, encoded_array as array

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NULL_ARRAY = b"*-1\r\n"
NULL_BULK = b"$-1\r\n"
RESP3_NULL = b"_\r\n"
# How long a "still blocked" check waits for a reply that must not come.
QUIET = 0.3


def pair(key, value):
    """BLPOP / BRPOP's [key, value]."""
    return array(bulk(key), bulk(value))


def mpop(key, *values):
    """BLMPOP / LMPOP's [key, [values]]."""
    return array(bulk(key), array(*[bulk(v) for v in values]))


def info_field(client, section, field):
    return client.info(section).get(field)


class BlockingTestCase(CommandTestCase):
    """A flushed server's clients (command_case.py); self.waiter() opens more raw connections,
    closed after the test."""

    def setUp(self):
        super().setUp()
        # No client of an earlier test is still counted as blocked.
        self.wait_blocked(0)

    def waiter(self, resp3=False):
        conn = self.server.raw()
        self.addCleanup(conn.close)
        if resp3:
            self.assertTrue(conn.command("HELLO", "3").startswith(b"%"))
        return conn

    def blocked_count(self):
        return int(info_field(self.r, "clients", "blocked_clients"))

    def wait_blocked(self, n):
        lib.wait_until(lambda: self.blocked_count() == n, what=f"blocked_clients:{n}")

    def block(self, *args, resp3=False, conn=None):
        """Sends a blocking command on a new raw connection (or conn) and waits until the
        server counts one more blocked client; returns the connection."""
        before = self.blocked_count()
        conn = conn or self.waiter(resp3)
        conn.send(lib.encode_command(*args))
        self.wait_blocked(before + 1)
        return conn

    def assertStillBlocked(self, conn, quiet=QUIET):
        """No reply arrives on conn for a short while."""
        self.assertEqual(conn.buf, b"")
        readable, _, _ = select.select([conn.sock], [], [], quiet)
        self.assertEqual(readable, [], "a reply came to a client that should still be blocked")


class ImmediateTest(BlockingTestCase):
    """With data present the blocking commands answer at once like their non-blocking
    forms."""

    def test_replies_when_data_exists_resp2(self):
        self.r.rpush("l", "a", "b", "c", "d", "e", "f")
        self.assertReply(("BLPOP", "l", "0"), pair("l", "a"))
        self.assertReply(("BRPOP", "l", "0"), pair("l", "f"))
        self.assertReply(("BLMOVE", "l", "dst", "LEFT", "RIGHT", "0"), bulk("b"))
        self.assertReply(("BRPOPLPUSH", "l", "dst", "0"), bulk("e"))
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"e", b"b"])
        self.assertReply(("BLMPOP", "0", "1", "l", "LEFT"), mpop("l", "c"))
        self.assertReply(("BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "5"), mpop("l", "d"))
        self.assertEqual(self.r.exists("l"), 0)  # the last pop deleted the key
        self.r.rpush("m", "1", "2", "3")
        self.assertReply(("BLMPOP", "0", "2", "nokey", "m", "LEFT", "COUNT", "2"),
                         mpop("m", "1", "2"))
        # Missing keys are skipped: the first key with elements serves.
        self.assertReply(("BLPOP", "x", "y", "m", "0"), pair("m", "3"))
        # BLMOVE onto its own source rotates.
        self.r.rpush("rot", "1", "2", "3")
        self.assertReply(("BLMOVE", "rot", "rot", "LEFT", "RIGHT", "0"), bulk("1"))
        self.assertEqual(self.r.lrange("rot", 0, -1), [b"2", b"3", b"1"])
        self.assertReply(("BRPOPLPUSH", "rot", "rot", "0"), bulk("1"))
        self.assertEqual(self.r.lrange("rot", 0, -1), [b"1", b"2", b"3"])

    def test_replies_when_data_exists_resp3(self):
        c = self.waiter(resp3=True)
        self.r.rpush("l", "a", "b", "c", "d", "e")
        self.assertEqual(c.command("BLPOP", "l", "0"), pair("l", "a"))
        self.assertEqual(c.command("BRPOP", "l", "0"), pair("l", "e"))
        self.assertEqual(c.command("BLMPOP", "0", "1", "l", "LEFT"), mpop("l", "b"))
        self.assertEqual(c.command("BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "9"),
                         mpop("l", "d", "c"))
        self.assertEqual(self.r.exists("l"), 0)
        self.r.rpush("l", "x", "y")
        self.assertEqual(c.command("BLMOVE", "l", "d", "RIGHT", "LEFT", "0"), bulk("y"))
        self.assertEqual(c.command("BRPOPLPUSH", "l", "d", "0"), bulk("x"))
        self.assertEqual(self.r.lrange("d", 0, -1), [b"x", b"y"])

    def test_wrongtype_on_the_first_existing_key_of_another_type(self):
        self.r.set("s", "string")
        self.r.hset("h", "f", "v")
        self.r.rpush("l", "a", "b")
        self.assertReply(("BLPOP", "s", "0"), error(WRONGTYPE))
        self.assertReply(("BLPOP", "nokey", "h", "l", "0"), error(WRONGTYPE))
        self.assertReply(("BRPOP", "nokey", "s", "l", "0"), error(WRONGTYPE))
        # A list before the wrong key serves: the keys are checked in order.
        self.assertReply(("BLPOP", "nokey", "l", "s", "0"), pair("l", "a"))
        self.assertReply(("BLMPOP", "0", "3", "nokey", "l", "s", "LEFT"), mpop("l", "b"))
        self.r.rpush("l", "c")
        self.assertReply(("BLMPOP", "0", "3", "nokey", "s", "l", "LEFT"), error(WRONGTYPE))
        self.assertReply(("BLMOVE", "s", "d", "LEFT", "LEFT", "0"), error(WRONGTYPE))
        self.assertReply(("BRPOPLPUSH", "h", "d", "0"), error(WRONGTYPE))
        # The destination's type is checked too; nothing is popped then.
        self.assertReply(("BLMOVE", "l", "s", "LEFT", "LEFT", "0"), error(WRONGTYPE))
        self.assertReply(("BRPOPLPUSH", "l", "h", "0"), error(WRONGTYPE))
        self.assertEqual(self.r.lrange("l", 0, -1), [b"c"])
        # Wrong type with a short timeout: the error, not a wait.
        self.assertReply(("BLPOP", "s", "0.1"), error(WRONGTYPE))
        self.assertEqual(self.blocked_count(), 0)


class ServedLaterTest(BlockingTestCase):
    """A client blocks on a missing key; another client's command puts a list there."""

    def test_served_by_lpush_and_rpush(self):
        w = self.block("BLPOP", "k", "0")
        self.assertEqual(self.r.rpush("k", "a", "b"), 2)
        self.assertEqual(w.read_reply(), pair("k", "a"))
        self.assertEqual(self.r.lrange("k", 0, -1), [b"b"])
        self.r.delete("k")
        w = self.block("BRPOP", "k", "0")
        self.assertEqual(self.r.lpush("k", "a", "b"), 2)
        self.assertEqual(w.read_reply(), pair("k", "a"))
        self.assertEqual(self.r.lrange("k", 0, -1), [b"b"])
        self.r.delete("k")
        w = self.block("BLMOVE", "k", "dst", "RIGHT", "LEFT", "0")
        self.r.rpush("k", "x", "y")
        self.assertEqual(w.read_reply(), bulk("y"))
        w = self.block("BRPOPLPUSH", "nokey", "dst", "0")
        self.r.lpush("nokey", "z")
        self.assertEqual(w.read_reply(), bulk("z"))
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"z", b"y"])
        self.assertEqual(self.r.exists("nokey"), 0)
        w = self.block("BLMPOP", "0", "2", "m1", "m2", "RIGHT", "COUNT", "2")
        self.r.rpush("m2", "1", "2", "3")
        self.assertEqual(w.read_reply(), mpop("m2", "3", "2"))
        self.assertEqual(self.r.lrange("m2", 0, -1), [b"1"])
        self.wait_blocked(0)

    def test_requests_pipelined_after_a_block_run_once_and_later_ones_read_cleanly(self):
        # While blocked, the client's pipelined INCR waits in the input and a read is pending;
        # served, the INCR runs. Requests sent after it must not find stale bytes: the emptied
        # input used to rewind under the pending read, and the next SET answered ":2" (the INCR
        # ran again).
        w = self.waiter()
        w.send(lib.encode_command("BLPOP", "k", "0") + lib.encode_command("INCR", "n"))
        self.wait_blocked(1)
        self.r.rpush("k", "a")
        self.assertEqual(w.read_reply(), pair("k", "a"))
        self.assertEqual(w.read_reply(), b":1\r\n")
        self.assertEqual(w.command("SET", "s", "hello-world"), b"+OK\r\n")
        self.assertEqual(w.command("GET", "s"), bulk("hello-world"))
        self.assertEqual(w.command("GET", "n"), bulk("1"))

    def test_served_in_resp3(self):
        w = self.block("BLPOP", "k", "0", resp3=True)
        self.r.rpush("k", "a")
        self.assertEqual(w.read_reply(), pair("k", "a"))
        w = self.block("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "3", resp3=True)
        self.r.rpush("k", "a", "b")
        self.assertEqual(w.read_reply(), mpop("k", "a", "b"))
        w = self.block("BLMOVE", "k", "d", "LEFT", "LEFT", "0", resp3=True)
        self.r.rpush("k", "c")
        self.assertEqual(w.read_reply(), bulk("c"))

    def test_served_by_multi_exec(self):
        w = self.block("BLPOP", "k", "0")
        self.assertReply(("MULTI",), b"+OK\r\n")
        self.assertReply(("RPUSH", "k", "a"), b"+QUEUED\r\n")
        self.assertReply(("RPUSH", "k", "b"), b"+QUEUED\r\n")
        self.assertReply(("LPUSH", "k", "c"), b"+QUEUED\r\n")
        self.assertEqual(self.cmd("EXEC"), array(b":1\r\n", b":2\r\n", b":3\r\n"))
        # Served after the whole transaction: the list as EXEC left it.
        self.assertEqual(w.read_reply(), pair("k", "c"))
        self.assertEqual(self.r.lrange("k", 0, -1), [b"a", b"b"])
        # A transaction that pushes and pops again leaves nothing: the waiter stays blocked.
        self.r.delete("k")
        w = self.block("BLPOP", "k", "0")
        self.assertReply(("MULTI",), b"+OK\r\n")
        self.assertReply(("RPUSH", "k", "x"), b"+QUEUED\r\n")
        self.assertReply(("LPOP", "k"), b"+QUEUED\r\n")
        self.assertEqual(self.cmd("EXEC"), array(b":1\r\n", bulk("x")))
        self.assertStillBlocked(w)
        self.assertEqual(self.blocked_count(), 1)
        self.r.rpush("k", "y")
        self.assertEqual(w.read_reply(), pair("k", "y"))

    def test_served_by_lmove_and_rpoplpush(self):
        self.r.rpush("src", "1", "2", "3")
        w = self.block("BLPOP", "k", "0")
        self.assertEqual(self.r.lmove("src", "k", "LEFT", "RIGHT"), b"1")
        self.assertEqual(w.read_reply(), pair("k", "1"))
        w = self.block("BRPOP", "k", "0")
        self.assertEqual(self.r.rpoplpush("src", "k"), b"3")
        self.assertEqual(w.read_reply(), pair("k", "3"))
        self.assertEqual(self.r.exists("k"), 0)
        self.assertEqual(self.r.lrange("src", 0, -1), [b"2"])

    def test_served_by_rename_of_a_list_onto_the_key(self):
        self.r.rpush("other", "a", "b")
        w = self.block("BLPOP", "k", "0")
        self.assertTrue(self.r.rename("other", "k"))
        self.assertEqual(w.read_reply(), pair("k", "a"))
        self.assertEqual(self.r.lrange("k", 0, -1), [b"b"])
        self.assertEqual(self.r.exists("other"), 0)
        # RENAME over an existing string onto a waited key (RENAME replaces it).
        self.r.delete("k")
        self.r.rpush("other2", "c")
        w = self.block("BRPOP", "k", "0")
        self.r.set("k", "string")
        self.assertStillBlocked(w)
        self.assertTrue(self.r.rename("other2", "k"))
        self.assertEqual(w.read_reply(), pair("k", "c"))

    def test_served_by_restore(self):
        self.r.rpush("tmp", "a", "b", "c")
        payload = self.r.dump("tmp")
        self.r.delete("tmp")
        w = self.block("BRPOP", "k", "0")
        self.assertTrue(self.r.restore("k", 0, payload))
        self.assertEqual(w.read_reply(), pair("k", "c"))
        self.assertEqual(self.r.lrange("k", 0, -1), [b"a", b"b"])
        # RESTORE ... REPLACE over a string.
        self.r.delete("k")
        w = self.block("BLPOP", "k", "0")
        self.r.set("k", "s")
        self.assertTrue(self.r.restore("k", 0, payload, replace=True))
        self.assertEqual(w.read_reply(), pair("k", "a"))

    def test_chain_of_blmove_clients(self):
        """A is blocked moving a -> b, B moving b -> c, C popping c: one push to a goes all the
        way down the chain in one go."""
        a = self.block("BLMOVE", "a", "b", "LEFT", "RIGHT", "0")
        b = self.block("BRPOPLPUSH", "b", "c", "0")
        c = self.block("BLPOP", "c", "0")
        self.assertEqual(self.r.rpush("a", "x"), 1)
        self.assertEqual(a.read_reply(), bulk("x"))
        self.assertEqual(b.read_reply(), bulk("x"))
        self.assertEqual(c.read_reply(), pair("c", "x"))
        self.wait_blocked(0)
        self.assertEqual([self.r.exists(k) for k in ("a", "b", "c")], [0, 0, 0])
        # A BLMOVE into its own waited key: the client moving a -> a is served once and stays
        # served; the element is back in a.
        w = self.block("BLMOVE", "a", "a", "LEFT", "RIGHT", "0")
        self.r.rpush("a", "y")
        self.assertEqual(w.read_reply(), bulk("y"))
        self.assertEqual(self.r.lrange("a", 0, -1), [b"y"])

    def test_swapdb_brings_a_list_in(self):
        """Redis 7.0.15 serves a client blocked on a key of db 0 when SWAPDB brings a list
        under that name into db 0, and one blocked in db 1 when the swap puts a list there."""
        other = self.server.client(db=1)
        self.addCleanup(other.close)
        other.rpush("k", "from-db1")
        w = self.block("BLPOP", "k", "0")
        self.assertTrue(self.r.swapdb(0, 1))
        self.assertEqual(w.read_reply(), pair("k", "from-db1"))
        self.assertEqual(self.r.exists("k"), 0)
        self.assertEqual(other.exists("k"), 0)
        # A waiter in db 1, the list in db 0.
        self.r.rpush("j", "from-db0")
        w = self.waiter()
        self.assertEqual(w.command("SELECT", "1"), b"+OK\r\n")
        self.block("BRPOP", "j", "0", conn=w)
        self.assertTrue(self.r.swapdb(1, 0))
        self.assertEqual(w.read_reply(), pair("j", "from-db0"))
        self.assertEqual(other.exists("j"), 0)
        # A swap that brings a string does not serve.
        other.set("s", "string")
        w = self.block("BLPOP", "s", "0")
        self.assertTrue(self.r.swapdb(0, 1))
        self.assertStillBlocked(w)
        self.assertEqual(self.blocked_count(), 1)
        self.r.delete("s")
        self.r.rpush("s", "v")
        self.assertEqual(w.read_reply(), pair("s", "v"))

    def test_push_in_another_database_does_not_serve(self):
        other = self.server.client(db=3)
        self.addCleanup(other.close)
        w = self.block("BLPOP", "k", "0")
        other.rpush("k", "elsewhere")
        self.assertStillBlocked(w)
        self.r.rpush("k", "here")
        self.assertEqual(w.read_reply(), pair("k", "here"))
        self.assertEqual(other.lrange("k", 0, -1), [b"elsewhere"])


class FairnessTest(BlockingTestCase):
    def test_waiters_on_one_key_served_in_blocking_order(self):
        first = self.block("BLPOP", "k", "0")
        second = self.block("BRPOP", "k", "0")
        third = self.block("BLPOP", "k", "0")
        # LPUSH k a b makes [b, a]: the first waiter pops from the left, the second from the
        # right of what is left.
        self.assertEqual(self.r.lpush("k", "a", "b"), 2)
        self.assertEqual(first.read_reply(), pair("k", "b"))
        self.assertEqual(second.read_reply(), pair("k", "a"))
        self.assertStillBlocked(third)
        self.wait_blocked(1)
        self.assertEqual(self.r.exists("k"), 0)
        self.r.rpush("k", "c")
        self.assertEqual(third.read_reply(), pair("k", "c"))

    def test_blmpop_waiters_take_their_count_in_order(self):
        first = self.block("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "2")
        second = self.block("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "2")
        self.r.rpush("k", "1", "2", "3")
        self.assertEqual(first.read_reply(), mpop("k", "1", "2"))
        self.assertEqual(second.read_reply(), mpop("k", "3"))
        self.wait_blocked(0)

    def test_one_client_on_several_keys_takes_the_first_key_with_data(self):
        w = self.block("BLPOP", "k1", "k2", "k3", "0")
        self.r.rpush("k2", "two")
        self.assertEqual(w.read_reply(), pair("k2", "two"))
        # In one transaction k3 gets data before k1: k3 serves (the first key to get data, not
        # the first in the command).
        w = self.block("BRPOP", "k1", "k2", "k3", "0")
        self.assertEqual(self.r.exists("k2"), 0)
        pipe = self.r.pipeline(transaction=True)
        pipe.rpush("k3", "three")
        pipe.rpush("k1", "one")
        pipe.execute()
        self.assertEqual(w.read_reply(), pair("k3", "three"))
        self.assertEqual(self.r.lrange("k1", 0, -1), [b"one"])
        self.assertEqual(self.r.exists("k3"), 0)
        # The same key twice in the command: served once.
        self.r.delete("k1")
        w = self.block("BLPOP", "k1", "k1", "0")
        self.r.rpush("k1", "a", "b")
        self.assertEqual(w.read_reply(), pair("k1", "a"))
        self.assertEqual(self.r.lrange("k1", 0, -1), [b"b"])

    def test_waiters_on_different_keys_of_one_transaction(self):
        w1 = self.block("BLPOP", "a", "0")
        w2 = self.block("BLPOP", "b", "0")
        pipe = self.r.pipeline(transaction=True)
        pipe.rpush("b", "1")
        pipe.rpush("a", "2")
        pipe.execute()
        self.assertEqual(w1.read_reply(), pair("a", "2"))
        self.assertEqual(w2.read_reply(), pair("b", "1"))
        self.wait_blocked(0)


class TimeoutTest(BlockingTestCase):
    def test_fractional_timeout_resp2(self):
        cases = [(("BLPOP", "k", "0.1"), NULL_ARRAY), (("BRPOP", "k", "k2", "0.1"), NULL_ARRAY),
                 # Redis 7.0.15 answers a timed-out BLMOVE / BRPOPLPUSH with a null array too
                 # (every list waiter gets the same timeout reply); only inside MULTI do they
                 # give a null bulk (MultiTest).
                 (("BLMOVE", "k", "d", "LEFT", "LEFT", "0.1"), NULL_ARRAY),
                 (("BRPOPLPUSH", "k", "d", "0.1"), NULL_ARRAY),
                 (("BLMPOP", "0.1", "1", "k", "LEFT"), NULL_ARRAY)]
        for args, expected in cases:
            start = time.monotonic()
            self.assertReply(args, expected)
            self.assertGreaterEqual(time.monotonic() - start, 0.09, args)
        self.assertEqual(self.r.exists("k", "d"), 0)
        self.wait_blocked(0)

    def test_fractional_timeout_resp3(self):
        c = self.waiter(resp3=True)
        for args in (("BLPOP", "k", "0.1"), ("BRPOP", "k", "0.1"),
                     ("BLMOVE", "k", "d", "LEFT", "LEFT", "0.1"), ("BRPOPLPUSH", "k", "d", "0.1"),
                     ("BLMPOP", "0.1", "1", "k", "LEFT", "COUNT", "2")):
            start = time.monotonic()
            self.assertEqual(c.command(*args), RESP3_NULL, args)
            self.assertGreaterEqual(time.monotonic() - start, 0.09, args)

    def test_zero_is_forever(self):
        w = self.block("BLPOP", "k", "0")
        w2 = self.block("BLMOVE", "k2", "d", "LEFT", "LEFT", "0")
        # Longer than any short timeout would be: still blocked, still counted.
        self.assertStillBlocked(w, quiet=1.5)
        self.assertStillBlocked(w2, quiet=0.1)
        self.assertEqual(self.blocked_count(), 2)
        self.r.rpush("k", "late")
        self.r.rpush("k2", "later")
        self.assertEqual(w.read_reply(), pair("k", "late"))
        self.assertEqual(w2.read_reply(), bulk("later"))

    def test_a_timeout_that_passes_then_data(self):
        """After its timeout a client is no longer a waiter: a later push stays in the list."""
        self.assertReply(("BLPOP", "k", "0.05"), NULL_ARRAY)
        self.wait_blocked(0)
        self.r.rpush("k", "v")
        self.assertEqual(self.r.lrange("k", 0, -1), [b"v"])

    def test_timeout_errors(self):
        for value in ("-1", "-0.5", "-0.002"):
            self.assertReply(("BLPOP", "k", value), error("ERR timeout is negative"))
        for value in ("abc", "", "1.5e3x", "nan", " 1", "1 "):
            self.assertReply(("BLPOP", "k", value),
                             error("ERR timeout is not a float or out of range"))
        # Redis 7.0.15 has no "timeout is out of range": a timeout whose milliseconds overflow
        # a 64-bit integer (or inf) is reported as negative.
        for value in ("1e100", "inf", "9223372036854775807", "1e17"):
            self.assertReply(("BLPOP", "k", value), error("ERR timeout is negative"))
        for args in (("BRPOP", "k", "-1"), ("BLMOVE", "k", "d", "LEFT", "LEFT", "-1"),
                     ("BRPOPLPUSH", "k", "d", "-1"), ("BLMPOP", "-1", "1", "k", "LEFT")):
            self.assertReply(args, error("ERR timeout is negative"))
        for args in (("BRPOP", "k", "x"), ("BLMOVE", "k", "d", "LEFT", "LEFT", "x"),
                     ("BRPOPLPUSH", "k", "d", "x"), ("BLMPOP", "x", "1", "k", "LEFT")):
            self.assertReply(args, error("ERR timeout is not a float or out of range"))
        # Errors even when the key has data: nothing is popped.
        self.r.rpush("k", "v")
        self.assertReply(("BLPOP", "k", "-1"), error("ERR timeout is negative"))
        self.assertEqual(self.r.lrange("k", 0, -1), [b"v"])
        self.assertEqual(self.blocked_count(), 0)

    def test_blmpop_argument_errors(self):
        for numkeys in ("0", "-1", "x"):
            self.assertReply(("BLMPOP", "0", numkeys, "k", "LEFT"),
                             error("ERR numkeys should be greater than 0"))
        for count in ("0", "-1"):
            self.assertReply(("BLMPOP", "0", "1", "k", "LEFT", "COUNT", count),
                             error("ERR count should be greater than 0"))
        syntax = error("ERR syntax error")
        for args in (("BLMPOP", "0", "2", "k", "LEFT"),  # the direction counted as a key
                     ("BLMPOP", "0", "1", "k", "UP"),
                     ("BLMPOP", "0", "1", "k", "LEFT", "COUNT"),
                     ("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "1", "COUNT", "2"),
                     ("BLMPOP", "0", "1", "k", "LEFT", "FOO", "1")):
            self.assertReply(args, syntax)
        self.assertReply(("BLMOVE", "k", "d", "LEFT", "UP", "0"), syntax)
        self.assertReply(("BLMOVE", "k", "d", "MIDDLE", "LEFT", "0"), syntax)
        self.assertEqual(self.blocked_count(), 0)

    def test_arity_errors(self):
        for args, name in ((("BLPOP",), "blpop"), (("BLPOP", "k"), "blpop"),
                           (("BRPOP", "k"), "brpop"),
                           (("BRPOPLPUSH", "a", "b"), "brpoplpush"),
                           (("BRPOPLPUSH", "a", "b", "0", "x"), "brpoplpush"),
                           (("BLMOVE", "a", "b", "LEFT", "RIGHT"), "blmove"),
                           (("BLMOVE", "a", "b", "LEFT", "RIGHT", "0", "x"), "blmove"),
                           (("BLMPOP",), "blmpop"), (("BLMPOP", "0", "1"), "blmpop"),
                           (("BLMPOP", "0", "1", "k"), "blmpop"),
                           (("bLpOp", "k"), "blpop")):
            self.assertReply(args, arity_error(name))
        self.assertEqual(self.blocked_count(), 0)


class MultiTest(BlockingTestCase):
    def test_blocking_commands_inside_multi_answer_at_once(self):
        self.assertReply(("MULTI",), b"+OK\r\n")
        for args in (("BLPOP", "k", "0"), ("BRPOP", "k", "100"),
                     ("BLMOVE", "k", "d", "LEFT", "LEFT", "0"), ("BRPOPLPUSH", "k", "d", "0"),
                     ("BLMPOP", "0", "1", "k", "LEFT")):
            self.assertReply(args, b"+QUEUED\r\n")
        start = time.monotonic()
        self.assertEqual(self.cmd("EXEC"), array(NULL_ARRAY, NULL_ARRAY, NULL_BULK, NULL_BULK,
                                                 NULL_ARRAY))
        self.assertLess(time.monotonic() - start, 50)  # not after the 100 s timeout
        self.assertEqual(self.blocked_count(), 0)

    def test_inside_multi_in_resp3_and_with_data(self):
        c = self.waiter(resp3=True)
        self.r.rpush("k", "a")
        self.assertEqual(c.command("MULTI"), b"+OK\r\n")
        for args in (("BLPOP", "k", "0"), ("BLPOP", "k", "0"),
                     ("BLMOVE", "k", "d", "LEFT", "LEFT", "0"),
                     ("BLMPOP", "0", "1", "k", "LEFT"), ("RPUSH", "k", "b"),
                     ("BLMPOP", "0", "1", "k", "LEFT")):
            self.assertEqual(c.command(*args), b"+QUEUED\r\n")
        self.assertEqual(c.command("EXEC"), array(pair("k", "a"), RESP3_NULL, RESP3_NULL,
                                                  RESP3_NULL, b":1\r\n", mpop("k", "b")))

    def test_multi_does_not_serve_a_waiter_twice(self):
        """The EXEC's own blocking pop takes the element first; the waiter stays blocked."""
        w = self.block("BLPOP", "k", "0")
        self.assertReply(("MULTI",), b"+OK\r\n")
        self.assertReply(("RPUSH", "k", "x"), b"+QUEUED\r\n")
        self.assertReply(("BLPOP", "k", "0"), b"+QUEUED\r\n")
        self.assertEqual(self.cmd("EXEC"), array(b":1\r\n", pair("k", "x")))
        self.assertStillBlocked(w)
        self.r.rpush("k", "y")
        self.assertEqual(w.read_reply(), pair("k", "y"))


class ClientUnblockTest(BlockingTestCase):
    def client_id(self, conn):
        reply = conn.command("CLIENT", "ID")
        return int(reply[1:-2])

    def test_unblock_with_timeout_and_error(self):
        w = self.waiter()
        wid = self.client_id(w)
        self.block("BLPOP", "k", "0", conn=w)
        self.assertReply(("CLIENT", "UNBLOCK", str(wid), "TIMEOUT"), b":1\r\n")
        self.assertEqual(w.read_reply(), NULL_ARRAY)
        self.wait_blocked(0)
        self.block("BLMOVE", "k", "d", "LEFT", "LEFT", "0", conn=w)
        self.assertReply(("CLIENT", "UNBLOCK", str(wid)), b":1\r\n")  # TIMEOUT is the default
        self.assertEqual(w.read_reply(), NULL_ARRAY)  # a null array even for BLMOVE (Redis 7.0)
        self.block("BRPOP", "k", "0", conn=w)
        self.assertReply(("CLIENT", "UNBLOCK", str(wid), "ERROR"), b":1\r\n")
        self.assertEqual(w.read_reply(), b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
        self.wait_blocked(0)
        # Not blocked any more: 0, and the connection works.
        self.assertReply(("CLIENT", "UNBLOCK", str(wid)), b":0\r\n")
        self.assertReply(("CLIENT", "UNBLOCK", str(wid), "ERROR"), b":0\r\n")
        self.assertEqual(w.command("PING"), b"+PONG\r\n")
        # An unblocked client is no waiter: a push stays.
        self.r.rpush("k", "v")
        self.assertEqual(self.r.lrange("k", 0, -1), [b"v"])

    def test_unblock_in_resp3(self):
        w = self.waiter(resp3=True)
        wid = self.client_id(w)
        self.block("BLMPOP", "0", "1", "k", "LEFT", conn=w)
        self.assertReply(("CLIENT", "UNBLOCK", str(wid), "TIMEOUT"), b":1\r\n")
        self.assertEqual(w.read_reply(), RESP3_NULL)

    def test_unblock_of_a_client_that_is_not_blocked(self):
        w = self.waiter()
        wid = self.client_id(w)
        self.assertReply(("CLIENT", "UNBLOCK", str(wid)), b":0\r\n")
        self.assertReply(("CLIENT", "UNBLOCK", "999999999"), b":0\r\n")
        self.assertReply(("CLIENT", "UNBLOCK", str(wid), "FOO"),
                         error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"))
        self.assertEqual(w.command("PING"), b"+PONG\r\n")


class DisconnectTest(BlockingTestCase):
    def test_disconnected_waiter_is_not_served(self):
        gone = self.block("BLPOP", "k", "0")
        stays = self.block("BLPOP", "k", "0")
        gone.close()
        self.wait_blocked(1)
        self.r.rpush("k", "a")
        self.assertEqual(stays.read_reply(), pair("k", "a"))
        # With no waiter left, the element stays in the list for the next client.
        lonely = self.block("BRPOPLPUSH", "j", "d", "0")
        lonely.close()
        self.wait_blocked(0)
        self.r.rpush("j", "kept")
        self.assertEqual(self.r.lrange("j", 0, -1), [b"kept"])
        self.assertEqual(self.r.exists("d"), 0)
        self.assertReply(("BLPOP", "j", "0"), pair("j", "kept"))
        self.assertServerAlive()


class TypeChangeTest(BlockingTestCase):
    def test_a_string_does_not_wake_the_list_waiter(self):
        w = self.block("BLPOP", "k", "0")
        self.r.set("k", "string")
        self.assertStillBlocked(w)
        self.assertEqual(self.blocked_count(), 1)
        self.assertEqual(self.r.get("k"), b"string")
        self.r.append("k", "more")
        self.r.delete("k")
        self.assertStillBlocked(w, quiet=0.1)
        self.r.rpush("k", "v")
        self.assertEqual(w.read_reply(), pair("k", "v"))
        self.assertEqual(self.r.exists("k"), 0)

    def test_other_types_do_not_wake_either(self):
        w = self.block("BLMPOP", "0", "1", "k", "RIGHT")
        self.r.hset("k", "f", "v")
        self.r.delete("k")
        self.r.sadd("k", "m")
        self.assertStillBlocked(w)
        self.r.delete("k")
        self.r.lpush("k", "v")
        self.assertEqual(w.read_reply(), mpop("k", "v"))


class KeyspaceEventsTest(BlockingTestCase):
    def setUp(self):
        super().setUp()
        self.r.config_set("notify-keyspace-events", "KEA")
        self.addCleanup(self.r.config_set, "notify-keyspace-events", "")
        self.sub = self.server.raw()
        self.addCleanup(self.sub.close)
        self.sub.send(lib.encode_command("PSUBSCRIBE", "__keyevent@0__:*"))
        self.sub.read_reply()

    def events(self):
        """The (event, key) pairs published so far (a PING on the subscriber comes back after
        them)."""
        self.sub.send(lib.encode_command("PING"))
        events = []
        while True:
            parts = self.sub.read_reply().split(b"\r\n")
            if parts[2] == b"pong":
                return events
            events.append((parts[6].split(b":", 1)[1], parts[8]))

    def test_served_blpop_events(self):
        w = self.block("BLPOP", "k", "0")
        self.assertEqual(self.events(), [])
        self.r.rpush("k", "a", "b")
        self.assertEqual(w.read_reply(), pair("k", "a"))
        self.assertEqual(self.events(), [(b"rpush", b"k"), (b"lpop", b"k")])
        self.r.delete("k")
        self.events()
        w = self.block("BLPOP", "k", "0")
        self.r.rpush("k", "only")
        self.assertEqual(w.read_reply(), pair("k", "only"))
        self.assertEqual(self.events(), [(b"rpush", b"k"), (b"lpop", b"k"), (b"del", b"k")])
        # A timeout publishes nothing.
        self.assertReply(("BLPOP", "k", "0.05"), NULL_ARRAY)
        self.assertEqual(self.events(), [])


def info_map(conn, section):
    body = conn.command("INFO", section).split(b"\r\n", 1)[1].decode()
    return dict(line.split(":", 1) for line in body.splitlines() if ":" in line)


class PropagationTest(lib.unittest.TestCase):
    """A served pop reaches a replica and the AOF as the non-blocking command."""

    def start(self, args=(), workdir=None, log_name="server.log"):
        server = lib.ServerProcess(["--repl-diskless-sync-delay", "0", *args], workdir=workdir,
                                   log_name=log_name).start()
        self.addCleanup(server.kill)
        return server

    def wait_synced(self, primary, replica):
        def synced():
            with lib.RawConnection(replica.port) as rc, lib.RawConnection(primary.port) as pc:
                r, p = info_map(rc, "replication"), info_map(pc, "replication")
            return (r.get("master_link_status") == "up" and
                    r.get("slave_repl_offset") == p.get("master_repl_offset"))
        lib.wait_until(synced, timeout=30, interval=0.05, what="the replica in sync")

    def wait_blocked(self, client, n):
        lib.wait_until(lambda: client.info("clients")["blocked_clients"] == n,
                       what=f"blocked_clients:{n}")

    def serve_everything(self, server):
        """Blocks clients with every command, serves them, returns the lists as LRANGE."""
        c = server.client()
        self.addCleanup(c.close)
        waiters = []
        commands = [("BLPOP", "a", "0"), ("BRPOP", "b", "0"),
                    ("BLMOVE", "c", "moved", "LEFT", "RIGHT", "0"),
                    ("BRPOPLPUSH", "d", "moved", "0"),
                    ("BLMPOP", "0", "2", "nothing", "e", "RIGHT", "COUNT", "2"),
                    ("BLPOP", "f", "0")]
        for n, args in enumerate(commands, 1):
            w = server.raw()
            self.addCleanup(w.close)
            w.send(lib.encode_command(*args))
            self.wait_blocked(c, n)
            waiters.append(w)
        c.rpush("a", "a1", "a2", "a3")
        c.rpush("b", "b1", "b2")
        c.rpush("c", "c1", "c2")
        c.rpush("d", "d1", "d2")
        c.rpush("e", "e1", "e2", "e3")
        c.rpush("f", "only")  # emptied by the pop: deleted
        replies = [w.read_reply() for w in waiters]
        self.assertEqual(replies, [pair("a", "a1"), pair("b", "b2"), bulk("c1"), bulk("d2"),
                                   mpop("e", "e3", "e2"), pair("f", "only")])
        self.wait_blocked(c, 0)
        expected = {b"a": [b"a2", b"a3"], b"b": [b"b1"], b"c": [b"c2"], b"d": [b"d1"],
                    b"e": [b"e1"], b"f": [], b"moved": [b"d2", b"c1"]}
        self.assertEqual(lists(c, expected), expected)
        return expected

    def test_served_pops_reach_the_replica(self):
        primary, replica = self.start(), self.start()
        with replica.raw() as r:
            self.assertEqual(r.command("REPLICAOF", "127.0.0.1", primary.port), b"+OK\r\n")
        self.wait_synced(primary, replica)
        expected = self.serve_everything(primary)
        self.wait_synced(primary, replica)
        rc = replica.client()
        self.addCleanup(rc.close)
        self.assertEqual(lists(rc, expected), expected)
        self.assertEqual(rc.exists("f"), 0)
        # The blocking pops are write commands: a replica refuses them, data or not.
        with replica.raw() as w:
            for args in (("BLPOP", "nokey", "0"), ("BLPOP", "a", "0"),
                         ("BLMOVE", "c", "x", "LEFT", "LEFT", "0"),
                         ("BLMPOP", "0", "1", "e", "LEFT")):
                self.assertEqual(w.command(*args),
                                 b"-READONLY You can't write against a read only replica.\r\n")
        self.assertEqual(lists(rc, expected), expected)
        primary.stop_and_check()
        replica.stop_and_check()

    def test_served_pops_are_in_the_aof(self):
        workdir = tempfile.mkdtemp(prefix="basalt-it-blocking-")
        self.addCleanup(shutil.rmtree, workdir, True)
        args = ["--appendonly", "yes", "--appendfsync", "always"]
        server = self.start(args, workdir=workdir, log_name="run1.log")
        expected = self.serve_everything(server)
        server.stop_and_check()
        self.assertTrue(os.path.isdir(os.path.join(workdir, "appendonlydir")))
        again = self.start(args, workdir=workdir, log_name="run2.log")
        c = again.client()
        self.addCleanup(c.close)
        self.assertEqual(lists(c, expected), expected)
        self.assertEqual(c.exists("f"), 0)
        again.stop_and_check()


def lists(client, keys):
    return {k: client.lrange(k, 0, -1) for k in keys}


class ManyClientsTest(BlockingTestCase):
    def test_a_thousand_clients_on_a_thousand_keys(self):
        n = 1000
        conns = []
        for i in range(n):
            conn = self.server.raw()
            self.addCleanup(conn.close)
            conn.send(lib.encode_command("BLPOP", f"key:{i}", "0"))
            conns.append(conn)
        self.wait_blocked(n)
        info = self.r.info("clients")
        self.assertEqual(info["blocked_clients"], n)
        self.assertGreaterEqual(info["connected_clients"], n + 1)
        # One pipeline of pushes serves them all.
        pipe = self.r.pipeline(transaction=False)
        for i in range(n):
            pipe.rpush(f"key:{i}", f"value:{i}", "rest")
        self.assertEqual(pipe.execute(), [2] * n)
        for i, conn in enumerate(conns):
            self.assertEqual(conn.read_reply(), pair(f"key:{i}", f"value:{i}"))
        self.wait_blocked(0)
        pipe = self.r.pipeline(transaction=False)
        for i in range(n):
            pipe.lrange(f"key:{i}", 0, -1)
        self.assertEqual(pipe.execute(), [[b"rest"]] * n)
        self.assertServerAlive()


if __name__ == "__main__":
    lib.main()
