"""redis-py against the real server: the common client library paths work end to end."""

import redis

import basalt_testlib as lib


class RedisPyTest(lib.ServerTestCase):
    def setUp(self):
        self.r = self.server.client()

    def tearDown(self):
        self.r.close()

    def test_set_get_and_missing_key(self):
        self.assertTrue(self.r.set("py:k", "v1"))
        self.assertEqual(self.r.get("py:k"), b"v1")
        self.assertIsNone(self.r.get("py:none"))

    def test_binary_values_and_keys_round_trip(self):
        value = b"a\x00b\r\nc\n\r\x00" + bytes(range(256))
        key = b"py:bin\x00\r\n"
        self.assertTrue(self.r.set(key, value))
        self.assertEqual(self.r.get(key), value)
        self.assertEqual(self.r.strlen(key), len(value))

    def test_empty_value_is_distinct_from_missing(self):
        self.r.set("py:empty", b"")
        self.assertEqual(self.r.get("py:empty"), b"")

    def test_pipeline_returns_replies_in_order(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(1000):
            pipe.set(f"py:pipe:{i}", i)
        for i in range(1000):
            pipe.get(f"py:pipe:{i}")
        replies = pipe.execute()
        self.assertEqual(replies[:1000], [True] * 1000)
        self.assertEqual(replies[1000:], [str(i).encode() for i in range(1000)])

    def test_pipeline_reports_errors_per_command(self):
        pipe = self.r.pipeline(transaction=False)
        pipe.set("py:perr", "x")
        pipe.execute_command("NOSUCHCOMMAND")
        pipe.get("py:perr")
        replies = pipe.execute(raise_on_error=False)
        self.assertEqual(replies[0], True)
        self.assertIsInstance(replies[1], redis.ResponseError)
        self.assertEqual(replies[2], b"x")

    def test_set_with_ex_reports_ttl_and_expire_changes_it(self):
        self.r.set("py:ttl", "v", ex=100)
        self.assertTrue(0 < self.r.ttl("py:ttl") <= 100)
        self.assertTrue(self.r.expire("py:ttl", 5000))
        self.assertTrue(100 < self.r.ttl("py:ttl") <= 5000)
        self.assertTrue(0 < self.r.pttl("py:ttl") <= 5_000_000)
        self.r.set("py:nottl", "v")
        self.assertEqual(self.r.ttl("py:nottl"), -1)
        self.assertEqual(self.r.ttl("py:nokey"), -2)

    def test_key_with_short_ttl_disappears_on_the_real_clock(self):
        self.r.set("py:short", "v", px=50)
        lib.wait_until(lambda: self.r.get("py:short") is None, what="py:short to expire")
        self.assertEqual(self.r.exists("py:short"), 0)

    def test_incr_family(self):
        self.assertEqual(self.r.incr("py:ctr"), 1)
        self.assertEqual(self.r.incrby("py:ctr", 41), 42)
        self.assertEqual(self.r.decr("py:ctr"), 41)
        self.r.set("py:notnum", "abc")
        with self.assertRaisesRegex(redis.ResponseError, "value is not an integer or out of range"):
            self.r.incr("py:notnum")

    def test_mset_and_mget(self):
        self.assertTrue(self.r.mset({"py:m1": "a", "py:m2": "b", "py:m3": "c"}))
        self.assertEqual(self.r.mget(["py:m1", "py:nope", "py:m3"]), [b"a", None, b"c"])

    def test_scan_iter_visits_every_matching_key_once(self):
        expected = {f"py:scan:{i}".encode() for i in range(1500)}
        self.r.mset({k: "v" for k in expected})
        seen = list(self.r.scan_iter(match="py:scan:*", count=100))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(set(seen), expected)

    def test_info_parses_and_names_the_port(self):
        info = self.r.info()
        self.assertEqual(int(info["tcp_port"]), self.server.port)
        self.assertGreaterEqual(info["connected_clients"], 1)
        self.assertIn("redis_version", info)
        self.assertIn("used_memory", info)
        self.r.set("py:info", "v")
        keyspace = self.r.info("keyspace")
        self.assertGreaterEqual(keyspace["db0"]["keys"], 1)

    def test_config_get_returns_startup_values(self):
        self.assertEqual(self.r.config_get("maxclients"), {"maxclients": "10000"})
        self.assertEqual(self.r.config_get("port"), {"port": str(self.server.port)})

    def test_client_setname_shows_in_client_list(self):
        self.assertTrue(self.r.client_setname("it-client"))
        self.assertEqual(self.r.client_getname(), "it-client")
        names = [c["name"] for c in self.r.client_list()]
        self.assertIn("it-client", names)

    def test_hello_3_switches_the_connection_to_resp3(self):
        # redis-py 4.x has no RESP3 mode, so RESP3 is checked on a raw connection.
        with self.server.raw() as c:
            c.send(lib.encode_command("HELLO", "3"))
            reply = c.read_reply()
            self.assertTrue(reply.startswith(b"%7\r\n"), reply)
            self.assertIn(b"$5\r\nproto\r\n:3\r\n", reply)
            self.assertEqual(c.command("GET", "py:resp3:none"), b"_\r\n")
            self.assertTrue(c.command("HELLO", "2").startswith(b"*14\r\n"))
            self.assertEqual(c.command("GET", "py:resp3:none"), b"$-1\r\n")


if __name__ == "__main__":
    lib.main()
