"""Lazy freeing of big values (UNLINK, FLUSHALL/FLUSHDB ASYNC, the lazyfree-lazy-* parameters):
replies are Redis's, the keys are gone at once, and INFO's lazyfreed_objects counts the values
handed to the background thread as Redis counts them: values whose freeing releases more than 64
blocks (members of a hashtable, nodes of a quicklist; a compact encoding counts as one).

Passes against redis-server 7.0.15 too (`--basalt /usr/bin/redis-server`).
"""

import basalt_testlib as lib


def memory_info(r):
    return r.info("memory")


class LazyFreeTest(lib.ServerTestCase):

    def setUp(self):
        self.r = self.server.client()
        self.r.config_set("lazyfree-lazy-user-del", "no")
        self.r.config_set("lazyfree-lazy-user-flush", "no")
        self.r.flushall("SYNC")

    def tearDown(self):
        self.r.close()

    def wait_freed(self, expected):
        lib.wait_until(lambda: memory_info(self.r)["lazyfreed_objects"] >= expected,
                       what=f"lazyfreed_objects >= {expected}")
        lib.wait_until(lambda: memory_info(self.r)["lazyfree_pending_objects"] == 0,
                       what="no pending lazy frees")

    def test_unlink_of_big_collection_is_freed_in_background(self):
        before = memory_info(self.r)["lazyfreed_objects"]
        self.r.sadd("big", *range(1000))
        self.r.sadd("small", *range(10))
        self.r.hset("h", mapping={f"f{i}": "x" * 100 for i in range(200)})
        self.assertEqual(self.r.unlink("big", "small", "h", "missing"), 3)
        self.assertEqual(self.r.exists("big", "small", "h"), 0)
        self.wait_freed(before + 2)  # the 10-member set is freed inline
        self.assertEqual(memory_info(self.r)["lazyfreed_objects"], before + 2)

    def test_del_is_lazy_only_when_configured(self):
        before = memory_info(self.r)["lazyfreed_objects"]
        self.r.rpush("l", *range(500))  # one quicklist node: always freed inline
        self.r.sadd("s", *range(100))  # an intset: one block
        self.assertEqual(self.r.delete("l", "s"), 2)
        self.assertEqual(memory_info(self.r)["lazyfreed_objects"], before)
        self.r.config_set("lazyfree-lazy-user-del", "yes")
        self.assertEqual(self.r.unlink("s"), 0)
        self.r.rpush("l", *range(500))
        self.assertEqual(self.r.delete("l"), 1)
        self.assertEqual(memory_info(self.r)["lazyfreed_objects"], before)
        self.r.rpush("l", *(b"v" * 1000 for _ in range(1000)))  # about 125 nodes
        self.assertEqual(self.r.delete("l"), 1)
        self.wait_freed(before + 1)

    def test_flushall_async_empties_at_once(self):
        for db in range(2):
            self.r.execute_command("SELECT", db)
            self.r.sadd("s", *range(300))
            for i in range(100):
                self.r.set(f"k{i}", i)
        self.r.execute_command("SELECT", 0)
        self.assertTrue(self.r.flushall(asynchronous=True))
        self.assertEqual(self.r.dbsize(), 0)
        self.r.execute_command("SELECT", 1)
        self.assertEqual(self.r.dbsize(), 0)
        self.r.execute_command("SELECT", 0)
        self.r.sadd("s", 1)  # the server goes on serving writes
        self.assertEqual(self.r.smembers("s"), {b"1"})
        lib.wait_until(lambda: memory_info(self.r)["lazyfree_pending_objects"] == 0,
                       what="no pending lazy frees")

    def test_flushdb_modes_and_errors(self):
        self.r.set("a", 1)
        self.assertTrue(self.r.execute_command("FLUSHDB", "ASYNC"))
        self.assertEqual(self.r.dbsize(), 0)
        self.r.set("a", 1)
        self.assertTrue(self.r.execute_command("FLUSHDB", "sync"))
        with self.server.raw() as c:
            self.assertEqual(c.command("FLUSHDB", "LATER"), b"-ERR syntax error\r\n")
            self.assertEqual(c.command("FLUSHALL", "ASYNC", "SYNC"), b"-ERR syntax error\r\n")

    def test_parameters_round_trip(self):
        for name in ("lazyfree-lazy-eviction", "lazyfree-lazy-expire",
                     "lazyfree-lazy-server-del", "lazyfree-lazy-user-del",
                     "lazyfree-lazy-user-flush"):
            self.r.config_set(name, "yes")
            self.assertEqual(self.r.config_get(name), {name: "yes"})
            self.r.config_set(name, "no")
            self.assertEqual(self.r.config_get(name), {name: "no"})

    def test_overwrite_and_expiry_of_big_values_under_lazy_policies(self):
        self.r.config_set("lazyfree-lazy-server-del", "yes")
        self.r.config_set("lazyfree-lazy-expire", "yes")
        before = memory_info(self.r)["lazyfreed_objects"]
        self.r.rpush("l", *(b"v" * 1000 for _ in range(1000)))
        self.r.set("l", "now a string")
        self.assertEqual(self.r.get("l"), b"now a string")
        self.r.sadd("e", *range(1000))
        self.r.pexpire("e", 1)
        lib.wait_until(lambda: self.r.exists("e") == 0, what="expiry")
        self.wait_freed(before + 2)
        self.r.config_set("lazyfree-lazy-server-del", "no")
        self.r.config_set("lazyfree-lazy-expire", "no")


if __name__ == "__main__":
    lib.main()
