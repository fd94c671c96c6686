"""INFO errorstats and total_error_replies against redis-server 7.0.15 side by side: the same
errors (unknown commands, arity, WRONGTYPE, errors inside EXEC, EXECABORT, a protocol error)
counted under the same codes."""

import unittest

import basalt_testlib as lib
import diff_shared


def error_counts(port):
    with lib.RawConnection(port) as conn:
        stats = conn.command("INFO", "errorstats").split(b"\r\n")
        totals = conn.command("INFO", "stats").split(b"\r\n")
    return ([line for line in stats if line.startswith(b"errorstat_")],
            [line for line in totals if line.startswith(b"total_error_replies:")])


class ErrorStatsTest(diff_shared.SideBySide, unittest.TestCase):

    def test_the_same_errors_under_the_same_codes(self):
        for server in (self.basalt, self.redis):
            with lib.RawConnection(server.port) as conn:
                conn.command("CONFIG", "RESETSTAT")
                for args in [("NOSUCH",), ("GET",), ("SET", "k", "v"), ("LPUSH", "k", "x"),
                             ("MULTI",), ("LPUSH", "k", "x"), ("INCR", "k"), ("EXEC",),
                             ("EXEC",), ("MULTI",), ("NOSUCH",), ("EXEC",), ("MULTI",),
                             ("SET",), ("EXEC",), ("HELLO", "4"), ("AUTH", "x"),
                             ("CONFIG", "SET", "nosuch", "1"), ("DEL", "k")]:
                    conn.command(*args)
            with lib.RawConnection(server.port) as conn:
                conn.send(b"*1\r\n$x\r\n")
                self.assertEqual(conn.read_until_closed(),
                                 b"-ERR Protocol error: invalid bulk length\r\n")
        ours, theirs = error_counts(self.basalt.port), error_counts(self.redis.port)
        self.assertEqual(ours, theirs)
        self.assertIn(b"errorstat_NOPROTO:count=1", ours[0])


if __name__ == "__main__":
    lib.main()
