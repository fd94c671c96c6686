"""CLIENT REPLY ON|OFF|SKIP against redis-server 7.0.15 side by side.

Mass-insert tools turn replies off (CLIENT REPLY OFF), send their writes, and turn them back on;
a client that does not want one answer sends SKIP. Each exchange below sends a batch and then an
ECHO of a marker with replies on, reads until the marker's answer, and compares every byte both
servers sent: what was dropped, what was still answered, and the pushes (pub/sub messages,
subscribe confirmations) that Redis sends whatever the mode.

Deliberate differences, not compared: a CLIENT REPLY OFF inside MULTI drops the whole EXEC
answer in basalt, where Redis sends the array's header and then drops its elements (a stream
no client can parse); QUIT and a protocol error under OFF close the connection in basalt,
where Redis 7.0 leaves it open and silent.
"""

import unittest

import basalt_testlib as lib
import diff_shared

MARKER = b"$10\r\nend-marker\r\n"


def cmd(*args):
    return lib.encode_command(*args)


def reply_on_then_marker():
    return cmd("CLIENT", "REPLY", "ON") + cmd("ECHO", "end-marker")


def read_to_marker(conn):
    """Every reply (or push) up to and including the marker's, as one byte string."""
    out = b""
    while not out.endswith(MARKER):
        out += conn.read_reply()
    return out


class ClientReplyTest(diff_shared.SideBySide, unittest.TestCase):

    def exchange(self, port, batches, setup=()):
        """Sends each batch, then the marker, on one connection; returns what came back per
        batch. `setup` commands run first, answered and not compared."""
        with lib.RawConnection(port) as conn:
            for args in setup:
                conn.command(*args)
            results = []
            for batch in batches:
                conn.send(batch + reply_on_then_marker())
                results.append(read_to_marker(conn))
            return results

    def assertSame(self, batches, setup=()):
        ours = self.exchange(self.basalt.port, batches, setup)
        theirs = self.exchange(self.redis.port, batches, setup)
        for batch, mine, reference in zip(batches, ours, theirs):
            self.assertEqual(mine, reference, batch)

    def test_off_on_and_skip_sequences(self):
        self.assertSame([
            cmd("CLIENT", "REPLY", "OFF") + cmd("SET", "k", "v") + cmd("GET", "k") +
            cmd("NOSUCH") + cmd("GET"),
            cmd("CLIENT", "REPLY", "SKIP") + cmd("PING", "1") + cmd("PING", "2"),
            cmd("CLIENT", "REPLY", "SKIP") + cmd("CLIENT", "REPLY", "SKIP") + cmd("PING", "3") +
            cmd("PING", "4"),
            cmd("CLIENT", "REPLY", "SKIP") + cmd("CLIENT", "REPLY", "OFF") + cmd("PING", "5"),
            cmd("CLIENT", "REPLY", "OFF") + cmd("CLIENT", "REPLY", "SKIP") + cmd("PING", "6"),
            cmd("CLIENT", "REPLY", "SKIP") + cmd("CLIENT", "REPLY", "ON") + cmd("PING", "7"),
            cmd("CLIENT", "REPLY", "SKIP") + cmd("MULTI") + cmd("PING", "8") + cmd("EXEC"),
            cmd("CLIENT", "REPLY", "OFF") + b"PING\r\n" + cmd("INCR", "n"),
            cmd("GET", "n"),
        ])

    def test_bad_arguments(self):
        self.assertSame([
            cmd("CLIENT", "REPLY", "maybe") + cmd("CLIENT", "REPLY") +
            cmd("CLIENT", "REPLY", "on", "x") + cmd("CLIENT", "REPLY", "oFf") + cmd("PING"),
        ])

    def test_reset_turns_replies_on_but_not_a_skip(self):
        self.assertSame([
            cmd("CLIENT", "REPLY", "OFF") + cmd("RESET") + cmd("PING", "a"),
            cmd("CLIENT", "REPLY", "SKIP") + cmd("RESET") + cmd("PING", "b"),
        ])

    def test_pushes_are_sent_while_replies_are_off(self):
        for resp in ("2", "3"):
            with self.subTest(resp=resp):
                # Pub/sub messages and subscribe confirmations are pushes: sent under OFF too.
                # (Ending subscribed: in RESP2 only the pub/sub commands run until then.)
                self.assertSame([
                    cmd("CLIENT", "REPLY", "OFF") + cmd("SUBSCRIBE", "ch1", "ch2") +
                    cmd("PSUBSCRIBE", "p*") + cmd("UNSUBSCRIBE", "ch1") + cmd("PING") +
                    cmd("UNSUBSCRIBE") + cmd("PUNSUBSCRIBE"),
                ], setup=[("HELLO", resp)])
        for server in (self.basalt, self.redis):
            with lib.RawConnection(server.port) as sub, lib.RawConnection(server.port) as pub:
                sub.command("HELLO", "3")
                sub.command("SUBSCRIBE", "news")
                sub.send(cmd("CLIENT", "REPLY", "OFF") + cmd("PING"))
                self.assertEqual(pub.command("PUBLISH", "news", "hello"), b":1\r\n")
                self.assertEqual(sub.read_reply(),
                                 b">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n")

    def test_a_blocked_command_under_skip_or_off_is_not_answered_when_served(self):
        for server in (self.basalt, self.redis):
            for mode in ("SKIP", "OFF"):
                with self.subTest(server=server.port, mode=mode), \
                        lib.RawConnection(server.port) as waiter, \
                        lib.RawConnection(server.port) as pusher:
                    waiter.send(cmd("CLIENT", "REPLY", mode) + cmd("BLPOP", "q", "0"))
                    lib.wait_until(
                        lambda: b"blocked_clients:1" in pusher.command("INFO", "clients"))
                    self.assertEqual(pusher.command("RPUSH", "q", "x"), b":1\r\n")
                    waiter.send(reply_on_then_marker())
                    self.assertEqual(read_to_marker(waiter), b"+OK\r\n" + MARKER)
                    self.assertEqual(pusher.command("LLEN", "q"), b":0\r\n")  # it did pop

    def test_quit_under_off_closes_silently(self):
        with lib.RawConnection(self.basalt.port) as conn:
            conn.send(cmd("CLIENT", "REPLY", "OFF") + cmd("QUIT"))
            self.assertEqual(conn.read_until_closed(), b"")

    def test_help_lists_reply(self):
        with lib.RawConnection(self.basalt.port) as conn:
            self.assertIn(b"REPLY (ON|OFF|SKIP)", conn.command("CLIENT", "HELP"))


if __name__ == "__main__":
    lib.main()
