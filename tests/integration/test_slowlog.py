"""SLOWLOG against redis-server 7.0.15 side by side, both logging every command
(slowlog-log-slower-than 0).

Monitoring tools read SLOWLOG GET to find what stalls a server. The same sequence of commands
goes to both servers; their logs must hold the same commands, in the same order, with the same
arguments as logged (at most 32, each cut at 128 bytes, passwords redacted), client names and
client addresses (the port aside). Ids, times and durations are the servers' own.
"""

import unittest

import basalt_testlib as lib
import diff_shared
from test_command_info import parse


def cmd(*args):
    return lib.encode_command(*args)


def slowlog(port):
    """SLOWLOG GET -1 with ids, times, durations and client ports dropped; oldest first."""
    with lib.RawConnection(port) as conn:
        entries, _ = parse(conn.command("SLOWLOG", "GET", "-1"))
    shown = []
    for _id, unix_time, duration, args, peer, name in reversed(entries):
        assert int(unix_time) > 1_600_000_000 and int(duration) >= 0, (unix_time, duration)
        shown.append((args, peer.rpartition(":")[0], name))
    return shown


class SlowlogTest(diff_shared.SideBySide, unittest.TestCase):
    server_args = ("--slowlog-log-slower-than", "0")

    def run_on_both(self, script):
        for server in (self.basalt, self.redis):
            with lib.RawConnection(server.port) as conn:
                conn.command("SLOWLOG", "RESET")
                script(conn, server.port)

    def assertSameLog(self, ignore=()):
        """`ignore`: commands left out (INFO polled until a client blocks: polls vary)."""
        ours, theirs = (
            [e for e in slowlog(server.port) if e[0][0] not in ignore]
            for server in (self.basalt, self.redis))
        self.assertEqual(ours, theirs)
        return ours

    def test_what_is_logged_and_how_arguments_are_kept(self):
        def script(conn, port):
            conn.command("CLIENT", "SETNAME", "loader")
            conn.command("RPUSH", "list", *[str(i) for i in range(40)])
            conn.command("SET", "big", "x" * 300)
            conn.command("SET", "exact", "y" * 128)
            conn.command("GET", "list")  # WRONGTYPE: logged
            conn.command("NOSUCH", "a")  # refused before running: not logged
            conn.command("GET")  # likewise
            conn.command("MULTI")
            conn.command("INCR", "n")
            conn.command("EXEC")  # not logged; what it ran is
            conn.command("CLIENT", "SETNAME", "")
            conn.command("SLOWLOG", "LEN")
        self.run_on_both(script)
        log = self.assertSameLog()
        self.assertEqual(log[2][0][-1], "... (11 more arguments)")
        self.assertEqual(log[3][0][2], "x" * 128 + "... (172 more bytes)")

    def test_passwords_are_redacted(self):
        def script(conn, port):
            conn.command("AUTH", "pw1")
            conn.command("AUTH", "default", "pw2")
            conn.command("HELLO", "3", "AUTH", "default", "pw3", "SETNAME", "h")
            conn.command("HELLO", "2")
            conn.command("CONFIG", "SET", "masterauth", "pw4", "masteruser", "pw5")
            conn.command("CONFIG", "SET", "masterauth", "", "masteruser", "")
        self.run_on_both(script)
        log = self.assertSameLog()
        self.assertNotIn("pw", repr(log))

    def test_a_blocked_pop_is_logged_when_served(self):
        def script(conn, port):
            with lib.RawConnection(port) as waiter:
                waiter.command("CLIENT", "SETNAME", "waiter")
                waiter.send(cmd("BLPOP", "queue", "0"))
                lib.wait_until(lambda: b"blocked_clients:1" in conn.command("INFO", "clients"))
                conn.command("RPUSH", "queue", "job")
                self.assertEqual(waiter.read_reply(), b"*2\r\n$5\r\nqueue\r\n$3\r\njob\r\n")
        self.run_on_both(script)
        log = self.assertSameLog(ignore=("INFO",))
        self.assertIn((["BLPOP", "queue", "0"], "127.0.0.1", "waiter"), log)

    def test_length_and_config(self):
        for server in (self.basalt, self.redis):
            with lib.RawConnection(server.port) as conn:
                self.assertEqual(conn.command("CONFIG", "SET", "slowlog-max-len", "3"), b"+OK\r\n")
                for _ in range(5):
                    conn.command("PING")
                self.assertEqual(conn.command("SLOWLOG", "LEN"), b":3\r\n")
                self.assertEqual(conn.command("CONFIG", "SET", "slowlog-max-len", "128"),
                                 b"+OK\r\n")
                self.assertEqual(
                    conn.command("CONFIG", "SET", "slowlog-max-len", "-1"),
                    b"-ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - "
                    b"argument must be between 0 and 9223372036854775807 inclusive\r\n")
                self.assertEqual(conn.command("SLOWLOG", "GET", "-5"),
                                 b"-ERR count should be greater than or equal to -1\r\n")


if __name__ == "__main__":
    lib.main()
