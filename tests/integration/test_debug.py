"""DEBUG against redis-server 7.0.15 side by side: refused by default (enable-debug-command no),
and with it allowed, the subcommands basalt has; a DEBUG SLEEP then shows in the slow log and
the latency monitor of both servers, which is how operators check that those work.
"""

import unittest

import basalt_testlib as lib
import diff_shared
from test_command_info import parse


def exchange(port, commands):
    with lib.RawConnection(port) as conn:
        return [conn.command(*args) for args in commands]


class DebugRefusedTest(diff_shared.SideBySide, unittest.TestCase):

    def test_refused_with_redis_text(self):
        commands = [("DEBUG", "SLEEP", "0"), ("DEBUG", "nosuch"), ("MULTI",),
                    ("DEBUG", "POPULATE", "10"), ("EXEC",), ("DBSIZE",),
                    ("CONFIG", "SET", "enable-debug-command", "yes"),
                    ("CONFIG", "GET", "enable-debug-command")]
        self.assertEqual(exchange(self.basalt.port, commands),
                         exchange(self.redis.port, commands))


class DebugAllowedTest(diff_shared.SideBySide, unittest.TestCase):
    server_args = ("--enable-debug-command", "yes")

    def test_subcommands_answer_as_redis_does(self):
        commands = [("DEBUG", "SLEEP", "0.01"), ("DEBUG", "SLEEP", "x"), ("DEBUG", "SLEEP"),
                    ("DEBUG", "NOSUCH"), ("DEBUG", "SET-ACTIVE-EXPIRE", "0"),
                    ("SET", "gone", "v", "PX", "1"), ("DEBUG", "SLEEP", "0.05"), ("DBSIZE",),
                    ("DEBUG", "SET-ACTIVE-EXPIRE", "1"), ("DEBUG", "POPULATE", "5"),
                    ("DEBUG", "POPULATE", "3", "pre", "12"), ("DEBUG", "POPULATE", "-1"),
                    ("DEBUG", "POPULATE", "x"), ("DEBUG", "POPULATE", "1", "a", "2", "3"),
                    ("GET", "pre:1"), ("STRLEN", "pre:2"), ("GET", "key:4"), ("DBSIZE",),
                    ("DEBUG", "ERROR", "CUSTOM my error"), ("FLUSHALL",)]
        self.assertEqual(exchange(self.basalt.port, commands),
                         exchange(self.redis.port, commands))

    def test_a_sleep_shows_in_the_slow_log_and_the_latency_monitor(self):
        for server in (self.basalt, self.redis):
            with self.subTest(server=server.port), lib.RawConnection(server.port) as conn:
                conn.command("CONFIG", "SET", "slowlog-log-slower-than", "10000")
                conn.command("CONFIG", "SET", "latency-monitor-threshold", "10")
                conn.command("SLOWLOG", "RESET")
                conn.command("LATENCY", "RESET")
                self.assertEqual(conn.command("DEBUG", "SLEEP", "0.02"), b"+OK\r\n")
                entry = parse(conn.command("SLOWLOG", "GET", "1"))[0][0]
                self.assertEqual(entry[3], ["DEBUG", "SLEEP", "0.02"])
                self.assertGreaterEqual(int(entry[2]), 20000)
                conn.command("CONFIG", "SET", "latency-monitor-threshold", "0")
                latest = parse(conn.command("LATENCY", "LATEST"))[0]
                self.assertEqual([e[0] for e in latest], ["command"])
                self.assertGreaterEqual(int(latest[0][2]), 20)
                histogram = parse(conn.command("LATENCY", "HISTOGRAM", "debug"))[0]
                self.assertEqual(histogram[0], "debug")

    def test_a_long_expire_cycle_shows_in_the_latency_monitor(self):
        keys = 100_000
        payload = b"".join(lib.encode_command("SET", f"ttl:{i}", "v", "PX", "1")
                           for i in range(keys))
        for server in (self.basalt, self.redis):
            with self.subTest(server=server.port), lib.RawConnection(server.port) as conn:
                conn.command("LATENCY", "RESET")
                conn.command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
                conn.send(payload)
                self.assertEqual(conn.read_exact(5 * keys), b"+OK\r\n" * keys)
                conn.command("CONFIG", "SET", "latency-monitor-threshold", "1")
                conn.command("DEBUG", "SET-ACTIVE-EXPIRE", "1")  # the cron deletes them all
                lib.wait_until(lambda: conn.command("DBSIZE") == b":0\r\n", timeout=60,
                               what="expired keys deleted")
                conn.command("CONFIG", "SET", "latency-monitor-threshold", "0")
                events = [e[0] for e in parse(conn.command("LATENCY", "LATEST"))[0]]
                self.assertIn("expire-cycle", events)


if __name__ == "__main__":
    lib.main()
