"""Latency tracking (INFO latencystats, LATENCY HISTOGRAM) and the latency monitor (LATENCY
LATEST / HISTORY / GRAPH / RESET) against redis-server 7.0.15 side by side.

Exporters scrape INFO latencystats and LATENCY HISTOGRAM; operators turn the monitor on with
latency-monitor-threshold. Run times differ between the servers, so what is compared is which
commands and events are reported, their call counts, the shapes of the replies and the
parameters' texts; the numbers themselves are checked for their form and order.
"""

import re
import unittest

import basalt_testlib as lib
import diff_shared
from test_command_info import parse

PERCENTILES_LINE = re.compile(r"^latency_percentiles_usec_([a-z_|\-]+):(.*)$")


def query(port, *args):
    with lib.RawConnection(port) as conn:
        return parse(conn.command(*args))[0]


def latencystats(port):
    """INFO latencystats as {command: "p50=...,p99=..."}."""
    text = query(port, "INFO", "latencystats")
    stats = {}
    for line in text.splitlines():
        if m := PERCENTILES_LINE.match(line):
            stats[m.group(1)] = m.group(2)
    return stats


def histograms(port, *names):
    """LATENCY HISTOGRAM as {command: (calls, [(us, cumulative), ...])}."""
    flat = query(port, "LATENCY", "HISTOGRAM", *names)
    out = {}
    for name, (calls_key, calls, usec_key, levels) in zip(flat[::2], flat[1::2]):
        assert (calls_key, usec_key) == ("calls", "histogram_usec"), (calls_key, usec_key)
        out[name] = (int(calls), [(int(u), int(n)) for u, n in zip(levels[::2], levels[1::2])])
    return out


class LatencyTest(diff_shared.SideBySide, unittest.TestCase):

    def run_on_both(self, commands):
        for server in (self.basalt, self.redis):
            with lib.RawConnection(server.port) as conn:
                conn.command("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")
                conn.command("CONFIG", "RESETSTAT")
                for args in commands:
                    conn.command(*args)

    def test_the_same_commands_are_tracked_with_the_same_call_counts(self):
        self.run_on_both([("SET", "k", "v"), ("GET", "k"), ("GET", "k"), ("CLIENT", "ID"),
                          ("INCR", "n"), ("MULTI",), ("INCR", "n"), ("EXEC",), ("GET",),
                          ("NOSUCH",), ("LPUSH", "k", "x")])
        ours, theirs = (histograms(s.port) for s in (self.basalt, self.redis))
        self.assertEqual({n: calls for n, (calls, _) in ours.items()},
                         {n: calls for n, (calls, _) in theirs.items()})
        for name, (calls, levels) in ours.items():
            self.assertTrue(levels, name)
            self.assertEqual(levels[-1][1], calls, name)  # cumulative: the last is all of them
            self.assertEqual(levels, sorted(levels), name)
        stats = latencystats(self.basalt.port)
        self.assertEqual(stats.keys(), latencystats(self.redis.port).keys())
        for name, line in stats.items():
            self.assertRegex(line, r"^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$", name)
        self.assertEqual(histograms(self.basalt.port, "client", "get", "nosuch").keys(),
                         histograms(self.redis.port, "client", "get", "nosuch").keys())

    def test_percentiles_parameter(self):
        calls = [("CONFIG", "SET", "latency-tracking-info-percentiles", "abc"),
                 ("CONFIG", "SET", "latency-tracking-info-percentiles", "50 101"),
                 ("CONFIG", "SET", "latency-tracking-info-percentiles", "0 100 12.3456789 50.0"),
                 ("CONFIG", "GET", "latency-tracking-info-percentiles"),
                 ("CONFIG", "SET", "latency-tracking", "maybe")]
        for call in calls:
            self.assertEqual(query(self.basalt.port, *call), query(self.redis.port, *call), call)
        # Redis lists a pattern's parameters in its hash table's order.
        ours, theirs = (query(s.port, "CONFIG", "GET", "latency-*") for s in (self.basalt, self.redis))
        self.assertEqual(dict(zip(ours[::2], ours[1::2])), dict(zip(theirs[::2], theirs[1::2])))
        for server in (self.basalt, self.redis):
            with lib.RawConnection(server.port) as conn:
                conn.command("CONFIG", "SET", "latency-tracking-info-percentiles",
                             "0 100 12.3456789 50.0")
                conn.command("CONFIG", "RESETSTAT")
                conn.command("PING")
        for server in (self.basalt, self.redis):
            self.assertRegex(latencystats(server.port)["ping"],
                             r"^p0=\d+\.\d{3},p100=\d+\.\d{3},p12\.345679=\d+\.\d{3},"
                             r"p50=\d+\.\d{3}$")
            with lib.RawConnection(server.port) as conn:
                conn.command("CONFIG", "SET", "latency-tracking-info-percentiles", "")
            self.assertEqual(latencystats(server.port)["ping"], "")
            with lib.RawConnection(server.port) as conn:
                conn.command("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")
                conn.command("CONFIG", "SET", "latency-tracking", "no")
                conn.command("PING")
                conn.command("CONFIG", "SET", "latency-tracking", "yes")
            self.assertEqual(histograms(server.port, "ping")["ping"][0], 1)

    def test_the_monitor_records_a_slow_command(self):
        for server in (self.basalt, self.redis):
            with self.subTest(server=server.port), lib.RawConnection(server.port) as conn:
                self.assertEqual(conn.command("LATENCY", "LATEST"), b"*0\r\n")  # off by default
                for start in range(0, 200_000, 1000):
                    conn.command("RPUSH", "big", *[str((i * 7919) % 200_003)
                                                   for i in range(start, start + 1000)])
                conn.command("CONFIG", "SET", "latency-monitor-threshold", "1")
                conn.command("SORT", "big", "STORE", "sorted")  # tens of milliseconds anywhere
                latest = parse(conn.command("LATENCY", "LATEST"))[0]
                events = {e[0]: e for e in latest}
                self.assertIn("command", events)
                _, when, last_ms, max_ms = events["command"]
                self.assertGreater(int(when), 1_600_000_000)
                self.assertGreaterEqual(int(max_ms), int(last_ms))
                self.assertGreaterEqual(int(last_ms), 1)
                history = parse(conn.command("LATENCY", "HISTORY", "command"))[0]
                self.assertGreaterEqual(len(history), 1)
                self.assertEqual(history[-1][0], when)
                graph = conn.command("LATENCY", "GRAPH", "command")
                self.assertIn(b"command - high ", graph)
                self.assertEqual(conn.command("LATENCY", "HISTORY", "nosuch"), b"*0\r\n")
                self.assertEqual(conn.command("LATENCY", "GRAPH", "nosuch"),
                                 b"-ERR No samples available for event 'nosuch'\r\n")
                conn.command("CONFIG", "SET", "latency-monitor-threshold", "0")
                self.assertEqual(conn.command("LATENCY", "RESET", "command", "command"),
                                 b":1\r\n")
                conn.command("LATENCY", "RESET")
                self.assertEqual(conn.command("LATENCY", "LATEST"), b"*0\r\n")
                self.assertEqual(conn.command("LATENCY", "RESET"), b":0\r\n")
                conn.command("DEL", "big", "sorted")


if __name__ == "__main__":
    lib.main()
