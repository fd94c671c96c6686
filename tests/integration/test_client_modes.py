"""Connection modes over real sockets: CLIENT PAUSE parks a connection at its request and the
connection resumes it after the pause (Wake), WAIT blocks a connection until its timeout or
CLIENT UNBLOCK and answers later, MONITOR streams other clients' commands, and a client in
MULTI or subscribed mode is cleaned up when it disconnects."""

import socket

import basalt_testlib as lib


def assert_silent(conn, seconds=0.3):
    """No byte arrives within `seconds` (used only while a pause is certain to be running)."""
    conn.sock.settimeout(seconds)
    try:
        data = conn.sock.recv(1 << 16)
    except socket.timeout:
        return
    finally:
        conn.sock.settimeout(lib.IO_TIMEOUT)
    raise AssertionError(f"expected no reply during the pause, got {data!r}")


class ClientPauseTest(lib.ServerTestCase):
    def test_write_pause_parks_writes_until_unpause_and_keeps_order(self):
        with self.server.raw() as admin, self.server.raw() as writer:
            self.assertEqual(admin.command("CLIENT", "PAUSE", "600000", "WRITE"), b"+OK\r\n")
            self.assertEqual(writer.command("GET", "pk"), b"$-1\r\n")  # reads go on
            # A write and a read pipelined behind it: both wait, and come back in order.
            writer.send(lib.encode_command("SET", "pk", "v") + lib.encode_command("GET", "pk"))
            assert_silent(writer)
            list_line = admin.command("CLIENT", "LIST")
            self.assertIn(b"flags=b ", list_line)
            self.assertEqual(admin.command("CLIENT", "UNPAUSE"), b"+OK\r\n")
            self.assertEqual(writer.read_reply(), b"+OK\r\n")
            self.assertEqual(writer.read_reply(), b"$1\r\nv\r\n")

    def test_requests_after_a_resumed_pipeline_are_read_cleanly(self):
        # Resumed, the parked INCR runs from the input while a read is pending; the requests
        # sent afterwards must land after it, not over stale bytes (the INCR used to run again).
        with self.server.raw() as admin, self.server.raw() as writer:
            self.assertEqual(admin.command("CLIENT", "PAUSE", "600000", "WRITE"), b"+OK\r\n")
            writer.send(lib.encode_command("INCR", "pn") + lib.encode_command("INCR", "pn"))
            lib.wait_until(lambda: b"flags=b " in admin.command("CLIENT", "LIST"),
                           what="writer parked")
            self.assertEqual(admin.command("CLIENT", "UNPAUSE"), b"+OK\r\n")
            self.assertEqual(writer.read_reply(), b":1\r\n")
            self.assertEqual(writer.read_reply(), b":2\r\n")
            self.assertEqual(writer.command("SET", "ps", "hello-world"), b"+OK\r\n")
            self.assertEqual(writer.command("GET", "pn"), b"$1\r\n2\r\n")

    def test_all_pause_ends_by_itself(self):
        with self.server.raw() as admin, self.server.raw() as reader:
            self.assertEqual(admin.command("CLIENT", "PAUSE", "300", "ALL"), b"+OK\r\n")
            # Answered once the pause has run out (the cron ends it), whatever the machine's load.
            self.assertEqual(reader.command("PING"), b"+PONG\r\n")

    def test_parked_client_that_disconnects_is_forgotten(self):
        with self.server.raw() as admin:
            self.assertEqual(admin.command("CLIENT", "PAUSE", "600000", "WRITE"), b"+OK\r\n")
            with self.server.raw() as writer:
                writer.send(lib.encode_command("SET", "gone", "1"))
                lib.wait_until(lambda: b"flags=b " in admin.command("CLIENT", "LIST"),
                               what="writer parked")
            lib.wait_until(lambda: b"flags=b " not in admin.command("CLIENT", "LIST"),
                           what="parked writer gone")
            self.assertEqual(admin.command("CLIENT", "UNPAUSE"), b"+OK\r\n")
            self.assertEqual(admin.command("EXISTS", "gone"), b":0\r\n")
        self.assertServerAlive()


class WaitTest(lib.ServerTestCase):
    """WAIT on a primary with no replicas: blocked until its timeout, then :0 (redis-server
    7.0.15 does the same), with the requests pipelined behind it answered after it."""

    def test_wait_answers_after_its_timeout_and_then_what_followed(self):
        with self.server.raw() as c:
            c.send(lib.encode_command("WAIT", "1", "200") + lib.encode_command("PING"))
            self.assertEqual(c.read_reply(), b":0\r\n")
            self.assertEqual(c.read_reply(), b"+PONG\r\n")

    def test_client_unblock_ends_a_wait_without_timeout(self):
        with self.server.raw() as admin, self.server.raw() as waiter:
            waiter_id = int(waiter.command("CLIENT", "ID")[1:-2])
            waiter.send(lib.encode_command("WAIT", "1", "0") + lib.encode_command("GET", "k"))
            lib.wait_until(
                lambda: b"blocked_clients:1" in admin.command("INFO", "clients"),
                what="waiter blocked")
            assert_silent(waiter)
            self.assertEqual(admin.command("CLIENT", "UNBLOCK", str(waiter_id), "ERROR"),
                             b":1\r\n")
            self.assertEqual(waiter.read_reply(),
                             b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
            self.assertEqual(waiter.read_reply(), b"$-1\r\n")
            self.assertEqual(admin.command("CLIENT", "UNBLOCK", str(waiter_id)), b":0\r\n")

    def test_blocked_client_that_disconnects_is_forgotten(self):
        with self.server.raw() as admin:
            with self.server.raw() as waiter:
                waiter.send(lib.encode_command("WAIT", "1", "0"))
                lib.wait_until(
                    lambda: b"blocked_clients:1" in admin.command("INFO", "clients"),
                    what="waiter blocked")
            lib.wait_until(
                lambda: b"blocked_clients:0" in admin.command("INFO", "clients"),
                what="blocked waiter gone")
        self.assertServerAlive()


class MonitorTest(lib.ServerTestCase):
    def test_monitor_streams_commands_of_other_clients(self):
        with self.server.raw() as mon, self.server.raw() as c:
            self.assertEqual(mon.command("MONITOR"), b"+OK\r\n")
            c.command("SELECT", "3")
            c.command("SET", "mk", "a b\n")
            c.command("CONFIG", "GET", "port")  # admin: not shown
            c.command("PING")
            lines = [mon.read_line() for _ in range(3)]
            port = c.sock.getsockname()[1]
            for line in lines:
                self.assertTrue(line.startswith(b"+"), line)
                self.assertIn(f"[3 127.0.0.1:{port}] ".encode(), line)
            self.assertTrue(lines[0].endswith(b'"SELECT" "3"'))
            self.assertTrue(lines[1].endswith(b'"SET" "mk" "a b\\n"'))
            self.assertTrue(lines[2].endswith(b'"PING"'))


class DisconnectCleanupTest(lib.ServerTestCase):
    def test_subscribers_and_watchers_leave_with_their_connection(self):
        with self.server.raw() as probe:
            with self.server.raw() as sub, self.server.raw() as tx:
                sub.command("SUBSCRIBE", "chan")
                tx.command("WATCH", "wk")
                tx.command("MULTI")
                tx.command("SET", "wk", "1")
                self.assertEqual(probe.command("PUBSUB", "NUMSUB", "chan"),
                                 b"*2\r\n$4\r\nchan\r\n:1\r\n")
            lib.wait_until(lambda: probe.command("PUBSUB", "NUMSUB", "chan")
                           == b"*2\r\n$4\r\nchan\r\n:0\r\n", what="subscriber removed")
            self.assertEqual(probe.command("EXISTS", "wk"), b":0\r\n")  # never executed
            self.assertEqual(probe.command("PUBLISH", "chan", "x"), b":0\r\n")
        self.assertServerAlive()


if __name__ == "__main__":
    lib.main()
