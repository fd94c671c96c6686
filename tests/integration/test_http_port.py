"""The HTTP observability port (--http-port) on the real binary: /health, /metrics in
Prometheus's text format (every line parses, INFO's numbers are there), /info, the password,
/health during a busy script (503 BUSY), bad requests, and the limit on exchanges at once.
"""

import base64
import http.client
import re
import socket
import unittest

import basalt_testlib as lib

# One line of Prometheus's text format 0.0.4: a TYPE comment or a sample.
TYPE_LINE = re.compile(r"^# TYPE basalt_[a-zA-Z0-9_]+ (gauge|counter)$")
SAMPLE_LINE = re.compile(
    r'^basalt_[a-zA-Z0-9_]+(\{[a-zA-Z0-9_]+="(\\.|[^"\\])*"(,[a-zA-Z0-9_]+="(\\.|[^"\\])*")*\})?'
    r" -?[0-9.e+]+$")


class HttpPortTest(unittest.TestCase):

    def start(self, *args):
        # Another test's server may take the free port before ours binds it: then try another.
        for _ in range(10):
            self.http_port = lib.free_port()
            server = lib.ServerProcess(["--http-port", str(self.http_port), *args])
            try:
                server.start()
            except AssertionError:
                server.kill()
                continue
            self.addCleanup(server.kill)
            return server
        self.fail("basalt-server did not start with a free HTTP port")

    def get(self, path, headers=None, method="GET"):
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read().decode(), dict(response.getheaders())
        finally:
            conn.close()

    def test_health_metrics_info(self):
        server = self.start()
        with server.raw() as c:
            c.command("SET", "a", "1")
            c.command("SET", "b", "2", "EX", "100")
            c.command("SELECT", "3")
            c.command("SET", "c", "3")
            c.command("GET", "nope")
        self.assertEqual(self.get("/health")[:2], (200, "OK\n"))
        status, body, headers = self.get("/health", method="HEAD")
        self.assertEqual((status, body, headers["Content-Length"]), (200, "", "3"))
        status, text, headers = self.get("/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        for line in text.splitlines():
            self.assertTrue(TYPE_LINE.match(line) or SAMPLE_LINE.match(line), line)
        for sample in ('basalt_keyspace_keys{db="0"} 2', 'basalt_keyspace_expires{db="0"} 1',
                       'basalt_keyspace_keys{db="3"} 1', 'basalt_commandstats_calls{cmd="set"} 3',
                       "basalt_keyspace_misses 1", "basalt_tcp_port %d" % server.port):
            self.assertIn(sample + "\n", text)
        self.assertIn("# TYPE basalt_keyspace_misses counter\n", text)
        self.assertRegex(text, r'basalt_info\{[^}]*role="master"')
        status, info, _ = self.get("/info?section=keyspace")
        self.assertEqual(status, 200)
        self.assertTrue(info.startswith("# Keyspace\r\ndb0:keys=2,expires=1,"), info)
        self.assertEqual(self.get("/nothing")[0], 404)
        self.assertEqual(self.get("/metrics", method="POST")[0], 405)
        server.stop_and_check()

    def test_password(self):
        self.start("--requirepass", "s3cret")
        self.assertEqual(self.get("/health")[0], 200)
        status, _, headers = self.get("/metrics")
        self.assertEqual((status, headers["WWW-Authenticate"]), (401, 'Basic realm="basalt"'))
        self.assertEqual(self.get("/info", {"Authorization": "Bearer wrong"})[0], 401)
        self.assertEqual(self.get("/info", {"Authorization": "Bearer s3cret"})[0], 200)
        basic = base64.b64encode(b"default:s3cret").decode()
        self.assertEqual(self.get("/metrics", {"Authorization": "Basic " + basic})[0], 200)

    def test_health_during_a_busy_script(self):
        server = self.start("--busy-reply-threshold", "100")
        busy = server.raw()
        busy.send(lib.encode_command("EVAL", "while true do end", "0"))
        with server.raw() as c:
            lib.wait_until(lambda: c.command("PING").startswith(b"-BUSY"), timeout=30,
                           what="the script to be busy")
            status, body, _ = self.get("/health")
            self.assertEqual(status, 503)
            self.assertTrue(body.startswith("BUSY "), body)
            self.assertEqual(c.command("SCRIPT", "KILL"), b"+OK\r\n")
        busy.close()
        lib.wait_until(lambda: self.get("/health")[0] == 200, timeout=30,
                       what="the server to be healthy again")
        server.stop_and_check()

    def test_served_during_client_pause(self):
        # The HTTP port's client lives for one request: a pause must not hold it (it did, and
        # the pause's end then woke a client that was gone: a crash).
        server = self.start()
        with server.raw() as c:
            self.assertEqual(c.command("CLIENT", "PAUSE", "300", "ALL"), b"+OK\r\n")
            self.assertEqual(self.get("/health")[:2], (200, "OK\n"))
            self.assertEqual(self.get("/metrics")[0], 200)
            lib.wait_until(lambda: c.command("PING") == b"+PONG\r\n", timeout=30,
                           what="the pause to end")
        self.assertEqual(self.get("/health")[0], 200)
        server.stop_and_check()

    def raw_request(self, data):
        with socket.create_connection(("127.0.0.1", self.http_port), timeout=10) as s:
            s.sendall(data)
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)

    def test_bad_requests_and_limits(self):
        server = self.start()
        self.assertTrue(self.raw_request(b"garbage\r\n\r\n").startswith(b"HTTP/1.1 400 "))
        too_big = b"GET / HTTP/1.1\r\nX: " + b"x" * 9000 + b"\r\n\r\n"
        self.assertTrue(self.raw_request(too_big).startswith(b"HTTP/1.1 431 "))
        # 64 exchanges at once, but idle connections cannot lock a probe out: a new one takes
        # the place of the oldest still silent, which is closed.
        idle = [socket.create_connection(("127.0.0.1", self.http_port)) for _ in range(70)]
        self.assertEqual(self.get("/health")[:2], (200, "OK\n"))
        idle[0].settimeout(10)
        try:
            self.assertEqual(idle[0].recv(100), b"")
        except ConnectionResetError:
            pass
        for s in idle:
            s.close()
        # Bare LF line ends are taken too.
        self.assertTrue(self.raw_request(b"GET /health HTTP/1.0\n\n").startswith(
            b"HTTP/1.1 200 OK\r\n"))
        # The Redis port was never disturbed.
        with server.raw() as c:
            self.assertEqual(c.command("PING"), b"+PONG\r\n")
        server.stop_and_check()


if __name__ == "__main__":
    lib.main()
