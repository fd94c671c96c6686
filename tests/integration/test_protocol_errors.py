"""Malformed requests get Redis's exact protocol error, then that connection (only) is closed."""

import basalt_testlib as lib


class ProtocolErrorTest(lib.ServerTestCase):
    # proto-max-bulk-len at its minimum (1mb) keeps the oversized-bulk case cheap.
    server_args = ("--proto-max-bulk-len", "1mb")

    def setUp(self):
        # A bystander connected before the bad client: it must not notice anything.
        self.bystander = self.server.raw()
        self.assertEqual(self.bystander.command("SET", "perr:k", "kept"), b"+OK\r\n")

    def tearDown(self):
        self.assertEqual(self.bystander.command("PING"), b"+PONG\r\n")
        self.assertEqual(self.bystander.command("GET", "perr:k"), b"$4\r\nkept\r\n")
        self.bystander.close()
        self.assertServerAlive()

    def assertRejected(self, request, reply):
        with self.server.raw() as bad:
            bad.send(request)
            self.assertEqual(bad.read_until_closed(), reply)

    def test_invalid_multibulk_length(self):
        self.assertRejected(b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n")
        self.assertRejected(b"*+1\r\n", b"-ERR Protocol error: invalid multibulk length\r\n")

    def test_invalid_bulk_length(self):
        self.assertRejected(b"*1\r\n$abc\r\n", b"-ERR Protocol error: invalid bulk length\r\n")
        self.assertRejected(b"*1\r\n$-1\r\n", b"-ERR Protocol error: invalid bulk length\r\n")
        self.assertRejected(b"*1\r\n$03\r\n", b"-ERR Protocol error: invalid bulk length\r\n")

    def test_expected_dollar(self):
        self.assertRejected(b"*1\r\nfoo\r\n", b"-ERR Protocol error: expected '$', got 'f'\r\n")
        self.assertRejected(b"*2\r\n$3\r\nGET\r\n:1\r\n",
                            b"-ERR Protocol error: expected '$', got ':'\r\n")

    def test_unbalanced_quotes(self):
        self.assertRejected(b'SET "a\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n")
        self.assertRejected(b'SET k "a"b\r\n',
                            b"-ERR Protocol error: unbalanced quotes in request\r\n")

    def test_too_big_inline_request(self):
        self.assertRejected(b"x" * (64 * 1024 + 1024),
                            b"-ERR Protocol error: too big inline request\r\n")

    def test_too_big_count_strings(self):
        self.assertRejected(b"*" + b"1" * (64 * 1024 + 1024),
                            b"-ERR Protocol error: too big mbulk count string\r\n")
        self.assertRejected(b"*1\r\n$" + b"1" * (64 * 1024 + 1024),
                            b"-ERR Protocol error: too big bulk count string\r\n")

    def test_bulk_longer_than_proto_max_bulk_len(self):
        self.assertRejected(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n",
                            b"-ERR Protocol error: invalid bulk length\r\n")

    def test_bulk_of_exactly_proto_max_bulk_len_is_accepted(self):
        value = b"v" * (1024 * 1024)
        with self.server.raw() as c:
            self.assertEqual(c.command("SET", "perr:max", value), b"+OK\r\n")
            self.assertEqual(c.command("GET", "perr:max"), b"$1048576\r\n" + value + b"\r\n")

    def test_replies_before_the_error_are_still_sent(self):
        self.assertRejected(b"PING\r\nECHO x\r\n*abc\r\nPING\r\n",
                            b"+PONG\r\n$1\r\nx\r\n-ERR Protocol error: invalid multibulk length\r\n")


if __name__ == "__main__":
    lib.main()
