"""Telnet-style inline commands over a raw socket, byte for byte as Redis answers them."""

import basalt_testlib as lib


class InlineProtocolTest(lib.ServerTestCase):
    def setUp(self):
        self.c = self.server.raw()

    def tearDown(self):
        self.c.close()

    def test_inline_ping(self):
        self.c.send(b"PING\r\n")
        self.assertEqual(self.c.read_reply(), b"+PONG\r\n")

    def test_inline_ping_with_argument_echoes_it_as_bulk(self):
        self.c.send(b"PING hello\r\n")
        self.assertEqual(self.c.read_reply(), b"$5\r\nhello\r\n")

    def test_double_quoted_argument_keeps_its_space(self):
        self.c.send(b'SET inl:k "a b"\r\nGET inl:k\r\n')
        self.assertEqual(self.c.read_reply(), b"+OK\r\n")
        self.assertEqual(self.c.read_reply(), b"$3\r\na b\r\n")

    def test_double_quotes_decode_escapes(self):
        self.c.send(b'SET inl:esc "x\\x41\\n\\t\\"\\\\"\r\nGET inl:esc\r\n')
        self.assertEqual(self.c.read_reply(), b"+OK\r\n")
        self.assertEqual(self.c.read_reply(), b'$6\r\nxA\n\t"\\\r\n')

    def test_single_quotes_are_literal_except_escaped_quote(self):
        self.c.send(b"SET inl:sq 'a\\x41\\'b'\r\nGET inl:sq\r\n")
        self.assertEqual(self.c.read_reply(), b"+OK\r\n")
        self.assertEqual(self.c.read_reply(), b"$7\r\na\\x41'b\r\n")

    def test_empty_quoted_argument_is_an_empty_string(self):
        self.c.send(b'SET inl:empty ""\r\nGET inl:empty\r\n')
        self.assertEqual(self.c.read_reply(), b"+OK\r\n")
        self.assertEqual(self.c.read_reply(), b"$0\r\n\r\n")

    def test_newline_only_line_endings_are_accepted(self):
        self.c.send(b"SET inl:lf v\nGET inl:lf\nPING\n")
        self.assertEqual(self.c.read_reply(), b"+OK\r\n")
        self.assertEqual(self.c.read_reply(), b"$1\r\nv\r\n")
        self.assertEqual(self.c.read_reply(), b"+PONG\r\n")

    def test_empty_and_blank_lines_produce_no_reply(self):
        self.c.send(b"\r\n\n   \r\nPING\r\n")
        self.assertEqual(self.c.read_reply(), b"+PONG\r\n")
        self.c.send(b"ECHO after\r\n")
        self.assertEqual(self.c.read_reply(), b"$5\r\nafter\r\n")

    def test_extra_spaces_between_arguments_are_ignored(self):
        self.c.send(b"SET    inl:sp     v2   \r\nGET inl:sp\r\n")
        self.assertEqual(self.c.read_reply(), b"+OK\r\n")
        self.assertEqual(self.c.read_reply(), b"$2\r\nv2\r\n")

    def test_command_split_across_writes_is_reassembled(self):
        self.c.send(b"PI")
        self.c.send(b"NG\r")
        self.c.send(b"\n")
        self.assertEqual(self.c.read_reply(), b"+PONG\r\n")

    def test_inline_and_resp_mix_on_one_connection(self):
        self.c.send(b"SET inl:mix 1\r\n" + lib.encode_command("GET", "inl:mix") + b"GET inl:mix\n")
        self.assertEqual(self.c.read_reply(), b"+OK\r\n")
        self.assertEqual(self.c.read_reply(), b"$1\r\n1\r\n")
        self.assertEqual(self.c.read_reply(), b"$1\r\n1\r\n")

    def test_unknown_inline_command_names_its_arguments(self):
        self.c.send(b"FOO a b\r\n")
        self.assertEqual(self.c.read_reply(),
                         b"-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n")
        self.c.send(b"PING\r\n")
        self.assertEqual(self.c.read_reply(), b"+PONG\r\n")

    def test_wrong_arity_inline(self):
        self.c.send(b"GET\r\n")
        self.assertEqual(self.c.read_reply(),
                         b"-ERR wrong number of arguments for 'get' command\r\n")


if __name__ == "__main__":
    lib.main()
