"""Client limits: maxclients, query buffer, output buffer and idle timeout.

A client over a limit is disconnected; the server and its other clients carry on.
"""

import os
import shutil
import sys
import threading
import time
import unittest

import basalt_testlib as lib

MAX_CLIENTS_ERROR = b"-ERR max number of clients reached\r\n"


class MaxClientsTest(lib.ServerTestCase):
    server_args = ("--maxclients", "5")

    def connect_accepted(self):
        """A connection that answers PING; retried while the server still counts a client that
        just went away (the readiness probe, a closed test connection)."""

        def attempt():
            c = self.server.raw()
            try:
                if c.command("PING") == b"+PONG\r\n":
                    return c
            except (ConnectionError, OSError):
                pass
            c.close()
            return None

        return lib.wait_until(attempt, what="a connection slot")

    def test_connection_over_maxclients_gets_error_and_is_closed(self):
        clients = [self.connect_accepted() for _ in range(5)]
        try:
            with self.server.raw() as extra:
                self.assertEqual(extra.read_until_closed(), MAX_CLIENTS_ERROR)
            for c in clients:
                self.assertEqual(c.command("PING"), b"+PONG\r\n")
            # A slot freed by a client leaving can be taken again.
            clients.pop().close()
            clients.append(self.connect_accepted())
        finally:
            for c in clients:
                c.close()


def low_open_files_wrapper(limit):
    """Runs the server with `limit` descriptors, hard limit included; as root, also without the
    privilege to raise the hard limit (CAP_SYS_RESOURCE), as an ordinary user would be."""
    wrapper = ["prlimit", f"--nofile={limit}:{limit}", "--"]
    if os.geteuid() == 0:
        wrapper += ["setpriv", "--bounding-set=-sys_resource", "--"]
    return wrapper


@unittest.skipUnless(shutil.which("prlimit") and shutil.which("setpriv"), "needs util-linux")
class OpenFilesLimitTest(unittest.TestCase):
    """maxclients needs descriptors: where the limit cannot be raised, maxclients is lowered to
    fit it (keeping 32 for the server), as Redis does, so clients over it are refused rather
    than left waiting in the accept queue."""

    def test_maxclients_fits_the_open_file_limit(self):
        with lib.ServerProcess(wrapper=low_open_files_wrapper(100)).start() as server:
            r = server.client()
            self.assertEqual(r.config_get("maxclients"), {"maxclients": "68"})
            self.assertIn("maxclients has been reduced to 68", server.log())
            with server.raw() as c:
                self.assertEqual(
                    c.command("CONFIG", "SET", "maxclients", "1000"),
                    b"-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The "
                    b"operating system is not able to handle the specified number of clients, "
                    b"try with 68\r\n")
                self.assertEqual(c.command("CONFIG", "GET", "maxclients"),
                                 b"*2\r\n$10\r\nmaxclients\r\n$2\r\n68\r\n")
                # All or none: maxmemory, applied before maxclients was refused, is set back
                # (as with redis-server 7.0.15, whichever order the pairs come in).
                for pairs in (("maxmemory", "100mb", "maxclients", "1000"),
                              ("maxclients", "1000", "maxmemory", "100mb")):
                    self.assertTrue(c.command("CONFIG", "SET", *pairs).startswith(
                        b"-ERR CONFIG SET failed (possibly related to argument 'maxclients')"))
                    self.assertEqual(c.command("CONFIG", "GET", "maxmemory"),
                                     b"*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n")
                self.assertEqual(c.command("CONFIG", "SET", "maxclients", "60"), b"+OK\r\n")
            # Up to the limit, clients are served; the next one is refused, not left hanging.
            clients = []
            try:
                for _ in range(200):
                    c = server.raw()
                    clients.append(c)
                    try:
                        reply = c.command("PING")
                    except (ConnectionError, OSError):
                        reply = b""
                    if reply != b"+PONG\r\n":
                        self.assertIn(reply, (MAX_CLIENTS_ERROR, b""))
                        break
                self.assertGreaterEqual(len(clients), 55)
                self.assertLessEqual(len(clients), 61)
            finally:
                for c in clients:
                    c.close()
            self.assertEqual(r.ping(), True)

    def test_a_limit_too_low_for_any_client_stops_the_start(self):
        server = lib.ServerProcess(wrapper=low_open_files_wrapper(20))
        try:
            with self.assertRaises(AssertionError):
                server.start()
            self.assertIn("is not enough for the server to start", server.log())
        finally:
            server.kill()


class QueryBufferLimitTest(lib.ServerTestCase):
    server_args = ("--client-query-buffer-limit", "1mb")

    def test_client_exceeding_query_buffer_is_closed_without_reply(self):
        with self.server.raw() as other:
            self.assertEqual(other.command("SET", "qbuf:k", "v"), b"+OK\r\n")
            with self.server.raw() as big:
                size = 2 * 1024 * 1024
                # A legal bulk (proto-max-bulk-len is 512mb) whose bytes overflow the 1mb limit.
                header = b"*3\r\n$3\r\nSET\r\n$8\r\nqbuf:big\r\n$%d\r\n" % size
                sender = lib.run_in_thread(big.send_ignoring_hangup, header + b"x" * size)
                self.assertEqual(big.read_until_closed(), b"")
                sender.join()
            self.assertEqual(other.command("GET", "qbuf:k"), b"$1\r\nv\r\n")
            self.assertEqual(other.command("GET", "qbuf:big"), b"$-1\r\n")
        self.assertServerAlive()

    def test_request_below_the_limit_is_served(self):
        with self.server.raw() as c:
            value = b"y" * (512 * 1024)
            self.assertEqual(c.command("SET", "qbuf:ok", value), b"+OK\r\n")
            self.assertEqual(c.command("GET", "qbuf:ok"), b"$524288\r\n" + value + b"\r\n")


class OutputBufferLimitTest(lib.ServerTestCase):
    server_args = ("--client-output-buffer-limit", "normal 1mb 0 0")
    VALUE_SIZE = 100 * 1000

    def setUp(self):
        with self.server.raw() as c:
            self.assertEqual(c.command("SET", "obuf:big", b"z" * self.VALUE_SIZE), b"+OK\r\n")

    def test_client_not_reading_its_replies_is_disconnected(self):
        requests = 1000  # ~100 MB of replies: far beyond socket buffers plus the 1mb limit
        with self.server.raw() as slow:
            slow.send(lib.encode_command("GET", "obuf:big") * requests)
            # Read nothing until the server has logged the disconnection (as Redis does).
            lib.wait_until(lambda: "output buffer limits" in self.server.log(),
                           what="the output buffer limit to be logged")
            received = slow.count_until_closed()
            self.assertLess(received, requests * self.VALUE_SIZE)
        self.assertServerAlive()

    def test_client_reading_its_replies_is_not_disconnected(self):
        with self.server.raw() as c:
            for _ in range(50):
                reply = c.command("GET", "obuf:big")
                self.assertEqual(len(reply), self.VALUE_SIZE + len(b"$100000\r\n\r\n"))


class IdleTimeoutTest(lib.ServerTestCase):
    """An idle client is closed, a busy one kept. Nothing here is a bound a slow machine must
    meet: the idle client is waited for with a generous deadline, and a busy client that was
    closed only fails the test when its requests came close together (a fraction of the
    timeout apart, measured send to send, so a stalled test process or server counts): when
    starvation made it really idle for a while, the round is repeated with a longer timeout."""

    server_args = ("--timeout", "2")
    FIRST_TIMEOUT_S = 2
    LAST_TIMEOUT_S = 32
    PING_INTERVAL_S = 0.1

    def test_idle_client_is_closed_and_busy_client_is_kept(self):
        timeout = self.FIRST_TIMEOUT_S
        while True:
            kept, max_gap = self.idle_and_busy_round(timeout)
            print(f"\n  timeout {timeout}s: busy client kept={kept}, its longest gap "
                  f"{max_gap:.2f}s", file=sys.stderr)
            if kept:
                return
            self.assertGreaterEqual(max_gap, timeout / 2,
                                    f"busy client closed though it sent a request at least "
                                    f"every {max_gap:.2f}s (timeout {timeout}s)")
            self.assertLess(timeout, self.LAST_TIMEOUT_S, "starved even with the longest timeout")
            timeout *= 2
            with self.server.raw() as c:
                self.assertEqual(c.command("CONFIG", "SET", "timeout", str(timeout)), b"+OK\r\n")

    def idle_and_busy_round(self, timeout):
        """Waits until the idle client is closed while the busy one pings; returns whether the
        busy one was kept and the longest time between two of its requests."""
        idle = self.server.raw()
        busy = self.server.raw()
        try:
            self.assertEqual(idle.command("PING"), b"+PONG\r\n")
            # Generous: the idle check runs once a second, on a server that may be slow.
            waiter = lib.run_in_thread(idle.read_until_closed, timeout + 120)
            done = threading.Event()
            pinger = lib.run_in_thread(self.keep_busy, busy, done)
            self.assertEqual(waiter.join(timeout=timeout + 150), b"")
            done.set()
            return pinger.join()
        finally:
            idle.close()
            busy.close()

    def keep_busy(self, conn, done):
        """PINGs every PING_INTERVAL_S, once more after done is set; returns (kept, max_gap)."""
        max_gap = 0.0
        last = time.monotonic()
        while True:
            now = time.monotonic()
            max_gap = max(max_gap, now - last)
            last = now
            try:
                reply = conn.command("PING")
            except (ConnectionError, OSError):
                reply = b""
            if reply != b"+PONG\r\n":
                return False, max(max_gap, time.monotonic() - last)
            if done.is_set():
                return True, max_gap
            time.sleep(self.PING_INTERVAL_S)


if __name__ == "__main__":
    lib.main()
