"""The blocking sorted-set pops BZPOPMIN, BZPOPMAX and BZMPOP: served at once, timeouts and
their errors, woken by ZADD, by a transaction and by the store commands, FIFO order, clients
that disconnect, RESP3 replies, inside MULTI and CLIENT UNBLOCK. The other sorted-set commands
are in test_sorted_sets.py; what the sorted-set test files share is in zset_case.py.

Every expectation here is Redis 7.0.15's: the file passes against the real redis-server, which takes
basalt's command line (`python3 test_sorted_sets_blocking.py --basalt /usr/bin/redis-server`); run
it that way again after changing an expectation.
"""

import select
import time

import basalt_testlib as lib
from command_case import NIL_ARRAY, arity_error, bulks, error, integer
from zset_case import SYNTAX, WRONGTYPE, ZsetTestCase


class BlockingTest(ZsetTestCase):
    """BZPOPMIN, BZPOPMAX and BZMPOP. A test waits for a client to be blocked by polling INFO's
    blocked_clients (never a fixed sleep), and for replies with the connection's long timeout."""

    def setUp(self):
        super().setUp()
        self.blockers = []

    def tearDown(self):
        for b in self.blockers:
            b.close()
        super().tearDown()

    def blocker(self, resp3=False):
        b = self.server.raw()
        self.blockers.append(b)
        if resp3:
            self.assertTrue(b.command("HELLO", "3").startswith(b"%"))
        return b

    def blocked_clients(self):
        return self.r.info("clients")["blocked_clients"]

    def block(self, conn, *args, expected_blocked=1):
        """Sends a blocking command on conn and waits until the server has it blocked; fails at
        once when the command answers instead."""
        conn.send(lib.encode_command(*args))

        def blocked():
            if self.blocked_clients() >= expected_blocked:
                return True
            if conn.buf or select.select([conn.sock], [], [], 0)[0]:
                self.fail(f"{args} answered instead of blocking: {conn.read_reply()!r}")
            return False
        lib.wait_until(blocked, what=f"{args[0]} to block")

    def test_served_at_once_when_there_are_members(self):
        self.zadd("z", 1, "a", 2, "b", 3, "c")
        self.assertReply(("BZPOPMIN", "nokey", "z", "0"), bulks("z", "a", "1"))
        self.assertReply(("BZPOPMAX", "z", "0"), bulks("z", "c", "3"))
        self.assertReply(("BZMPOP", "0", "2", "nokey", "z", "MIN", "COUNT", "5"),
                         b"*2\r\n$1\r\nz\r\n*1\r\n" + bulks("b", "2"))
        self.assertEqual(self.r.exists("z"), 0)

    def test_timeouts(self):
        b = self.blocker()
        started = time.monotonic()
        self.assertEqual(b.command("BZPOPMIN", "z", "0.2"), NIL_ARRAY)
        self.assertGreaterEqual(time.monotonic() - started, 0.1)
        self.assertEqual(b.command("BZPOPMAX", "z", "z2", "0.05"), NIL_ARRAY)
        self.assertEqual(b.command("BZMPOP", "0.05", "1", "z", "MIN"), NIL_ARRAY)
        # Tiny timeouts still time out (and do not mean "forever").
        self.assertEqual(b.command("BZPOPMIN", "z", "0.0001"), NIL_ARRAY)
        self.assertEqual(b.command("BZPOPMIN", "z", "1e-400"), NIL_ARRAY)
        b3 = self.blocker(resp3=True)
        self.assertEqual(b3.command("BZPOPMIN", "z", "0.05"), b"_\r\n")
        self.assertEqual(b3.command("BZMPOP", "0.05", "1", "z", "MAX"), b"_\r\n")
        self.assertEqual(self.blocked_clients(), 0)

    def test_timeout_errors(self):
        negative = error("ERR timeout is negative")
        not_float = error("ERR timeout is not a float or out of range")
        # inf, 1e400 and huge numbers overflow the milliseconds: "negative".
        for timeout in ("-1", "-0.5", "inf", "1e400", "9223372036854775807"):
            self.assertReply(("BZPOPMIN", "z", timeout), negative, timeout)
            self.assertReply(("BZPOPMAX", "z", timeout), negative, timeout)
            self.assertReply(("BZMPOP", timeout, "1", "z", "MIN"), negative, timeout)
        for timeout in ("abc", "nan", "", " 1", "1 ", "0.5abc"):
            self.assertReply(("BZPOPMIN", "z", timeout), not_float, timeout)
            self.assertReply(("BZMPOP", timeout, "1", "z", "MIN"), not_float, timeout)
        self.assertReply(("BZMPOP", "0", "0", "z", "MIN"),
                         error("ERR numkeys should be greater than 0"))
        self.assertReply(("BZMPOP", "0", "abc", "z", "MIN"),
                         error("ERR numkeys should be greater than 0"))
        self.assertReply(("BZMPOP", "0", "1", "z", "FOO"), error(SYNTAX))
        self.assertReply(("BZMPOP", "0", "1", "z", "MIN", "COUNT", "0"),
                         error("ERR count should be greater than 0"))
        self.assertReply(("BZMPOP", "0", "1", "z", "MIN", "COUNT", "1", "COUNT", "2"),
                         error(SYNTAX))
        self.assertReply(("BZPOPMIN", "z"), arity_error("bzpopmin"))
        self.assertReply(("BZMPOP", "0"), arity_error("bzmpop"))
        self.r.set("s", "v")
        self.assertReply(("BZPOPMIN", "nokey", "s", "0"), error(WRONGTYPE))
        self.assertEqual(self.blocked_clients(), 0)

    def test_woken_by_zadd(self):
        b = self.blocker()
        self.block(b, "BZPOPMIN", "z1", "z2", "0")
        self.assertEqual(self.r.zadd("z2", {"a": 1}), 1)
        self.assertEqual(b.read_reply(), bulks("z2", "a", "1"))
        self.assertEqual(self.r.exists("z2"), 0)
        self.block(b, "BZPOPMAX", "z1", "z2", "0")
        self.r.zadd("z1", {"x": 5})
        self.assertEqual(b.read_reply(), bulks("z1", "x", "5"))
        self.assertEqual(self.r.exists("z1"), 0)
        self.block(b, "BZMPOP", "0", "2", "z1", "z3", "MAX", "COUNT", "10")
        self.r.zadd("z3", {"p": 1, "q": 2, "r": 3})
        self.assertEqual(b.read_reply(), b"*2\r\n$2\r\nz3\r\n*3\r\n" + bulks("r", "3") +
                         bulks("q", "2") + bulks("p", "1"))
        self.assertEqual(self.r.exists("z3"), 0)
        # ZINCRBY and ZADD INCR creating the key wake too.
        self.block(b, "BZPOPMIN", "z4", "0")
        self.r.zincrby("z4", 2.5, "m")
        self.assertEqual(b.read_reply(), bulks("z4", "m", "2.5"))
        self.block(b, "BZPOPMIN", "z4", "0")
        self.r.execute_command("ZADD", "z4", "INCR", "1", "n")
        self.assertEqual(b.read_reply(), bulks("z4", "n", "1"))
        self.assertEqual(self.blocked_clients(), 0)

    def test_woken_by_a_transaction_and_by_store_commands(self):
        b = self.blocker()
        self.block(b, "BZPOPMIN", "z", "0")
        pipe = self.r.pipeline(transaction=True)
        pipe.zadd("z", {"x": 1}).zadd("z", {"y": 2}).zrem("z", "x")
        self.assertEqual(pipe.execute(), [1, 1, 1])
        self.assertEqual(b.read_reply(), bulks("z", "y", "2"))  # the state after EXEC
        # A transaction that adds and deletes again leaves the client blocked.
        self.block(b, "BZPOPMIN", "z", "0")
        pipe = self.r.pipeline(transaction=True)
        pipe.zadd("z", {"x": 1}).delete("z")
        pipe.execute()
        self.assertEqual(self.blocked_clients(), 1)
        self.r.zadd("src", {"q": 3, "w": 4})
        self.r.zunionstore("z", ["src"])
        self.assertEqual(b.read_reply(), bulks("z", "q", "3"))
        for args in (("ZINTERSTORE", "t1", "1", "src"), ("ZDIFFSTORE", "t2", "1", "src"),
                     ("ZRANGESTORE", "t3", "src", "1", "1")):
            self.block(b, "BZPOPMAX", args[1], "0")
            self.r.execute_command(*args)
            self.assertEqual(b.read_reply(), bulks(args[1], "w", "4"), args)
        # RENAME and COPY onto the waited key.
        self.r.zadd("other", {"o": 9})
        self.block(b, "BZPOPMIN", "ren", "0")
        self.r.rename("other", "ren")
        self.assertEqual(b.read_reply(), bulks("ren", "o", "9"))

    def test_wrong_type_and_deleted_keys_keep_the_client_blocked(self):
        b = self.blocker()
        self.block(b, "BZPOPMIN", "k", "0")
        self.r.set("k", "a string")
        self.r.delete("k")
        self.r.lpush("k", "a list")
        self.r.delete("k")
        self.assertEqual(self.blocked_clients(), 1)
        self.r.zadd("k", {"m": 1})
        self.assertEqual(b.read_reply(), bulks("k", "m", "1"))

    def test_fifo_order(self):
        clients = [self.blocker() for _ in range(3)]
        for i, b in enumerate(clients):
            self.block(b, "BZPOPMIN", "f", "0", expected_blocked=i + 1)
        self.assertEqual(self.r.zadd("f", {"a": 1, "b": 2}), 2)
        self.assertEqual(clients[0].read_reply(), bulks("f", "a", "1"))
        self.assertEqual(clients[1].read_reply(), bulks("f", "b", "2"))
        lib.wait_until(lambda: self.blocked_clients() == 1, what="two clients served")
        self.r.zadd("f", {"c": 3})
        self.assertEqual(clients[2].read_reply(), bulks("f", "c", "3"))
        # BZMPOP with COUNT takes what is there for the first, the rest wait.
        first, second = self.blocker(), self.blocker()
        self.block(first, "BZMPOP", "0", "1", "g", "MIN", "COUNT", "2")
        self.block(second, "BZPOPMAX", "g", "0", expected_blocked=2)
        self.r.zadd("g", {"a": 1, "b": 2, "c": 3})
        self.assertEqual(first.read_reply(), b"*2\r\n$1\r\ng\r\n*2\r\n" + bulks("a", "1") +
                         bulks("b", "2"))
        self.assertEqual(second.read_reply(), bulks("g", "c", "3"))

    def test_a_disconnected_client_takes_nothing(self):
        gone, stays = self.blocker(), self.blocker()
        self.block(gone, "BZPOPMIN", "z", "0")
        self.block(stays, "BZPOPMIN", "z", "0", expected_blocked=2)
        gone.close()
        self.blockers.remove(gone)
        lib.wait_until(lambda: self.blocked_clients() == 1, what="the disconnect")
        self.r.zadd("z", {"a": 1, "b": 2})
        self.assertEqual(stays.read_reply(), bulks("z", "a", "1"))
        self.assertEqual(self.r.zrange("z", 0, -1), [b"b"])

    def test_replies_in_resp3(self):
        b = self.blocker(resp3=True)
        self.block(b, "BZPOPMAX", "r", "0")
        self.r.zadd("r", {"m": 0.5})
        self.assertEqual(b.read_reply(), b"*3\r\n$1\r\nr\r\n$1\r\nm\r\n,0.5\r\n")
        self.block(b, "BZMPOP", "0", "1", "r", "MAX")
        self.r.zadd("r", {"m": 0.5})
        self.assertEqual(b.read_reply(), b"*2\r\n$1\r\nr\r\n*1\r\n*2\r\n$1\r\nm\r\n,0.5\r\n")

    def test_inside_multi_they_do_not_block(self):
        for args in (("BZPOPMIN", "z", "0"), ("BZPOPMAX", "z", "1"),
                     ("BZMPOP", "0", "1", "z", "MIN")):
            self.assertReply(("MULTI",), b"+OK\r\n")
            self.assertReply(args, b"+QUEUED\r\n")
            self.assertReply(("EXEC",), b"*1\r\n*-1\r\n", args)
        c3 = self.blocker(resp3=True)
        for args in (("BZPOPMIN", "z", "0"), ("BZMPOP", "0", "1", "z", "MAX")):
            c3.command("MULTI")
            c3.command(*args)
            self.assertEqual(c3.command("EXEC"), b"*1\r\n_\r\n", args)
        self.zadd("z", 1, "a")
        self.assertReply(("MULTI",), b"+OK\r\n")
        self.assertReply(("BZPOPMIN", "z", "0"), b"+QUEUED\r\n")
        self.assertReply(("EXEC",), b"*1\r\n" + bulks("z", "a", "1"))

    def test_client_unblock(self):
        b = self.blocker()
        client_id = int(b.command("CLIENT", "ID")[1:-2])
        self.block(b, "BZPOPMIN", "z", "k2", "0")
        self.assertReply(("CLIENT", "UNBLOCK", str(client_id), "TIMEOUT"), integer(1))
        self.assertEqual(b.read_reply(), NIL_ARRAY)
        self.block(b, "BZMPOP", "0", "1", "z", "MIN")
        self.assertReply(("CLIENT", "UNBLOCK", str(client_id), "ERROR"), integer(1))
        self.assertEqual(b.read_reply(),
                         error("UNBLOCKED client unblocked via CLIENT UNBLOCK"))
        self.assertReply(("CLIENT", "UNBLOCK", str(client_id)), integer(0))  # not blocked now
        self.block(b, "BZPOPMAX", "z", "0")
        self.assertReply(("CLIENT", "UNBLOCK", str(client_id)), integer(1))  # TIMEOUT default
        self.assertEqual(b.read_reply(), NIL_ARRAY)


if __name__ == "__main__":
    lib.main()
