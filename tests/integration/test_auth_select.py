"""requirepass (NOAUTH until AUTH) and SELECT's database isolation, over real connections."""

import redis

import basalt_testlib as lib

NOAUTH = b"-NOAUTH Authentication required.\r\n"
WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"


class RequirePassTest(lib.ServerTestCase):
    server_args = ("--requirepass", "s3cret")
    password = "s3cret"

    def test_commands_are_refused_until_auth(self):
        with self.server.raw() as c:
            self.assertEqual(c.command("GET", "auth:k"), NOAUTH)
            self.assertEqual(c.command("PING"), NOAUTH)
            self.assertEqual(c.command("SELECT", "1"), NOAUTH)
            self.assertEqual(c.command("AUTH", "wrong"), WRONGPASS)
            self.assertEqual(c.command("GET", "auth:k"), NOAUTH)
            self.assertEqual(c.command("AUTH", "s3cret"), b"+OK\r\n")
            self.assertEqual(c.command("GET", "auth:k"), b"$-1\r\n")

    def test_auth_with_default_user_name(self):
        with self.server.raw() as c:
            self.assertEqual(c.command("AUTH", "default", "s3cret"), b"+OK\r\n")
            self.assertEqual(c.command("PING"), b"+PONG\r\n")

    def test_inline_auth(self):
        with self.server.raw() as c:
            c.send(b"AUTH s3cret\r\nPING\r\n")
            self.assertEqual(c.read_reply(), b"+OK\r\n")
            self.assertEqual(c.read_reply(), b"+PONG\r\n")

    def test_hello_with_auth_authenticates_and_switches_protocol(self):
        with self.server.raw() as c:
            reply = c.command("HELLO", "3")
            self.assertTrue(reply.startswith(b"-NOAUTH HELLO must be called with the client "
                                             b"already authenticated"), reply)
            reply = c.command("HELLO", "3", "AUTH", "default", "s3cret")
            self.assertTrue(reply.startswith(b"%7\r\n"), reply)
            self.assertEqual(c.command("GET", "auth:none"), b"_\r\n")

    def test_unauthenticated_client_cannot_announce_big_requests(self):
        with self.server.raw() as c:
            c.send(b"*20\r\n")
            self.assertEqual(c.read_until_closed(),
                             b"-ERR Protocol error: unauthenticated multibulk length\r\n")
        with self.server.raw() as c:
            c.send(b"*2\r\n$4\r\nAUTH\r\n$100000\r\n")
            self.assertEqual(c.read_until_closed(),
                             b"-ERR Protocol error: unauthenticated bulk length\r\n")

    def test_redis_py_with_password(self):
        r = self.server.client()
        self.assertTrue(r.set("auth:py", "v"))
        self.assertEqual(r.get("auth:py"), b"v")
        with self.assertRaises(redis.AuthenticationError):
            self.server.client(password=None).get("auth:py")


class SelectTest(lib.ServerTestCase):
    def test_databases_are_isolated(self):
        with self.server.raw() as c:
            self.assertEqual(c.command("SET", "sel:k", "zero"), b"+OK\r\n")
            self.assertEqual(c.command("SELECT", "1"), b"+OK\r\n")
            self.assertEqual(c.command("GET", "sel:k"), b"$-1\r\n")
            self.assertEqual(c.command("SET", "sel:k", "one"), b"+OK\r\n")
            self.assertEqual(c.command("SELECT", "15"), b"+OK\r\n")
            self.assertEqual(c.command("GET", "sel:k"), b"$-1\r\n")
            self.assertEqual(c.command("SELECT", "0"), b"+OK\r\n")
            self.assertEqual(c.command("GET", "sel:k"), b"$4\r\nzero\r\n")

    def test_selection_is_per_connection(self):
        with self.server.raw() as a, self.server.raw() as b:
            self.assertEqual(a.command("SELECT", "2"), b"+OK\r\n")
            self.assertEqual(a.command("SET", "sel:conn", "in-2"), b"+OK\r\n")
            self.assertEqual(b.command("GET", "sel:conn"), b"$-1\r\n")
        r3 = self.server.client(db=2)
        self.assertEqual(r3.get("sel:conn"), b"in-2")

    def test_dbsize_counts_per_database(self):
        r4 = self.server.client(db=4)
        r5 = self.server.client(db=5)
        r4.mset({"a": 1, "b": 2, "c": 3})
        r5.set("a", 1)
        self.assertEqual(r4.dbsize(), 3)
        self.assertEqual(r5.dbsize(), 1)

    def test_select_out_of_range_or_not_a_number(self):
        with self.server.raw() as c:
            self.assertEqual(c.command("SELECT", "16"), b"-ERR DB index is out of range\r\n")
            self.assertEqual(c.command("SELECT", "-1"), b"-ERR DB index is out of range\r\n")
            self.assertEqual(c.command("SELECT", "abc"),
                             b"-ERR value is not an integer or out of range\r\n")

    def test_auth_without_configured_password(self):
        with self.server.raw() as c:
            self.assertEqual(c.command("AUTH", "x"),
                             b"-ERR AUTH <password> called without any password configured for "
                             b"the default user. Are you sure your configuration is correct?\r\n")


if __name__ == "__main__":
    lib.main()
