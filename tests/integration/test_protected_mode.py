"""protected-mode side by side with redis-server 7.0.15 (and on basalt's HTTP port, which
follows it): with no password, a connection from an
address other than loopback gets Redis's -DENIED text at once and is closed (and counts as a
rejected connection); loopback clients are served; CONFIG SET protected-mode no, or a password,
lets the other address in. Needs a non-loopback address on this machine (skipped without one).
"""

import socket
import time
import unittest

import basalt_testlib as lib
import diff_shared


def outside_address():
    """This machine's address towards the outside (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


ADDRESS = outside_address()


def read_until_closed(sock, timeout=10):
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    except ConnectionResetError:
        return data


@unittest.skipIf(ADDRESS is None, "no non-loopback address on this machine")
class ProtectedModeSideBySide(diff_shared.SideBySide, unittest.TestCase):

    server_args = ("--bind", "0.0.0.0")

    def from_outside(self, port, *commands):
        """Replies to `commands` sent from the outside address, up to the connection's end."""
        with socket.create_connection((ADDRESS, port), timeout=10) as s:
            if not commands:
                return read_until_closed(s)
            replies = []
            for command in commands:
                s.sendall(lib.encode_command(*command))
                time.sleep(0.1)
                s.settimeout(2)
                try:
                    replies.append(s.recv(65536))
                except socket.timeout:
                    replies.append(b"<no reply>")
            return replies

    def both(self, fn):
        ours, theirs = fn(self.basalt.port), fn(self.redis.port)
        self.assertEqual(ours, theirs)
        return ours

    def test_denied_then_let_in(self):
        denied = self.both(lambda port: self.from_outside(port))
        self.assertTrue(denied.startswith(b"-DENIED Redis is running in protected mode"), denied)
        self.assertTrue(denied.endswith(b"from the outside.\r\n"), denied)
        with self.basalt.raw() as c:
            stats = c.command("INFO", "stats").decode()
            self.assertIn("rejected_connections:1\r\n", stats)
            self.assertEqual(c.command("PING"), b"+PONG\r\n")  # loopback is served
        for port in (self.basalt.port, self.redis.port):
            with lib.RawConnection(port) as c:
                self.assertEqual(c.command("CONFIG", "SET", "protected-mode", "no"), b"+OK\r\n")
        self.both(lambda port: self.from_outside(port, ("PING",)))
        for port in (self.basalt.port, self.redis.port):
            with lib.RawConnection(port) as c:
                c.command("CONFIG", "SET", "protected-mode", "yes")
                c.command("CONFIG", "SET", "requirepass", "pw")
        # With a password the outside is let in, to authenticate.
        self.assertEqual(self.both(lambda port: self.from_outside(port, ("PING",), ("AUTH", "pw"),
                                                                  ("PING",))),
                         [b"-NOAUTH Authentication required.\r\n", b"+OK\r\n", b"+PONG\r\n"])
        for port in (self.basalt.port, self.redis.port):
            with lib.RawConnection(port) as c:
                c.command("AUTH", "pw")
                c.command("CONFIG", "SET", "requirepass", "")


@unittest.skipIf(ADDRESS is None, "no non-loopback address on this machine")
class ProtectedModeHttp(unittest.TestCase):
    """The HTTP port follows protected-mode as the Redis port does: 403 for another address
    while no password is set."""

    def get(self, host, port):
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            return read_until_closed(s)

    def test_http_port(self):
        for _ in range(10):
            http_port = lib.free_port()
            server = lib.ServerProcess(["--http-port", str(http_port), "--http-bind", "0.0.0.0"])
            try:
                server.start()
                break
            except AssertionError:
                server.kill()
        self.addCleanup(server.kill)
        self.assertTrue(self.get(ADDRESS, http_port).startswith(b"HTTP/1.1 403 Forbidden\r\n"))
        self.assertTrue(self.get("127.0.0.1", http_port).startswith(b"HTTP/1.1 200 OK\r\n"))
        with server.raw() as c:
            self.assertEqual(c.command("CONFIG", "SET", "protected-mode", "no"), b"+OK\r\n")
        self.assertTrue(self.get(ADDRESS, http_port).startswith(b"HTTP/1.1 200 OK\r\n"))
        server.stop_and_check()


if __name__ == "__main__":
    lib.main()
