"""redis-cli against the real server: one-shot commands, commands on stdin, --pipe mass insert."""

import shutil
import subprocess

import basalt_testlib as lib

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


class RedisCliTest(lib.ServerTestCase):
    def cli(self, *args, stdin=None):
        proc = subprocess.run([REDIS_CLI, "-p", str(self.server.port), *args], input=stdin,
                              capture_output=True, timeout=lib.IO_TIMEOUT * 3)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def test_ping_as_command_line_arguments(self):
        self.assertEqual(self.cli("ping"), b"PONG\n")

    def test_set_then_get_as_arguments(self):
        self.assertEqual(self.cli("set", "cli:k", "hello world"), b"OK\n")
        self.assertEqual(self.cli("get", "cli:k"), b"hello world\n")
        self.assertEqual(self.cli("--no-raw", "get", "cli:missing"), b"(nil)\n")

    def test_commands_read_from_stdin(self):
        self.assertEqual(self.cli(stdin=b"SET a b\n"), b"OK\n")
        out = self.cli(stdin=b'SET cli:q "x y"\nGET cli:q\nGET cli:nothing\n')
        self.assertEqual(out, b"OK\nx y\n\n")

    def test_errors_are_printed_for_unknown_commands(self):
        out = self.cli(stdin=b"NOSUCHCOMMAND 1\n")
        self.assertTrue(out.startswith(b"ERR unknown command 'NOSUCHCOMMAND'"), out)

    def test_pipe_mode_mass_inserts_100k_keys(self):
        n = 100_000
        stream = b"".join(b"*3\r\n$3\r\nSET\r\n$10\r\nmass:%05d\r\n$7\r\nv:%05d\r\n" % (i, i)
                          for i in range(n))
        out = self.cli("--pipe", stdin=stream)
        self.assertIn(b"errors: 0, replies: 100000", out)
        client = self.server.client()
        self.assertEqual(client.get("mass:00000"), b"v:00000")
        self.assertEqual(client.get("mass:99999"), b"v:99999")
        self.assertGreaterEqual(client.dbsize(), n)
        keys = sum(1 for _ in client.scan_iter(match="mass:*", count=1000))
        self.assertEqual(keys, n)


if __name__ == "__main__":
    lib.main()
