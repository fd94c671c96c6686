"""Replies of the persistence commands (SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE) and the INFO
persistence section, byte for byte against a real redis-server 7.0.15 run side by side."""

import shutil
import tempfile
import time

import basalt_testlib as lib

# Pipelined in one write, so later commands find the earlier ones' jobs still running (in Redis
# the forked child cannot be reaped before the whole pipeline has run).
SEQUENCES = [
    [("SAVE",), ("BGSAVE",)],
    [("BGSAVE",), ("BGSAVE",), ("SAVE",), ("BGSAVE", "SCHEDULE")],
    [("BGREWRITEAOF",)],
    [("BGSAVE",), ("BGREWRITEAOF",), ("BGSAVE", "SCHEDULE")],
    [("BGREWRITEAOF",), ("BGSAVE",), ("BGSAVE", "SCHEDULE"), ("BGREWRITEAOF",)],
    [("BGSAVE", "SCHEDULE")],
    [("BGSAVE", "foo"), ("BGSAVE", "SCHEDULE", "x"), ("SAVE", "x"), ("LASTSAVE", "x"),
     ("BGREWRITEAOF", "x")],
]
# Writes and how Redis counts them in rdb_changes_since_last_save.
WRITES = [("SET", "a", "1"), ("SET", "a", "1"), ("INCR", "n"), ("DEL", "missing"),
          ("MSET", "x", "1", "y", "2"), ("APPEND", "a", "2"), ("EXPIRE", "x", "100"),
          ("DEL", "x", "y", "missing")]
INFO_FIELDS = ["loading", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
               "rdb_last_save_time", "rdb_last_bgsave_status", "aof_enabled",
               "aof_rewrite_in_progress", "aof_last_write_status", "aof_last_bgrewrite_status"]


def wait_idle(client):
    def idle():
        info = client.info("persistence")
        return (info["rdb_bgsave_in_progress"] == 0 and info["aof_rewrite_in_progress"] == 0
                and info["aof_rewrite_scheduled"] == 0)
    lib.wait_until(idle, what="background jobs to finish")


def run_sequences(port, client):
    replies = []
    for seq in SEQUENCES:
        with lib.RawConnection(port) as c:
            c.send(b"".join(lib.encode_command(*cmd) for cmd in seq))
            replies.append([c.read_reply() for _ in seq])
        # A scheduled BGSAVE starts once the job before it is done: wait for both.
        wait_idle(client)
        lib.wait_until(lambda: client.info("persistence")["rdb_bgsave_in_progress"] == 0,
                       what="a scheduled BGSAVE")
        wait_idle(client)
    return replies


def changes_after_writes(port, client):
    with lib.RawConnection(port) as c:
        counts = [int(client.info("persistence")["rdb_changes_since_last_save"])]
        for cmd in WRITES:
            c.command(*cmd)
            counts.append(int(client.info("persistence")["rdb_changes_since_last_save"]))
        c.command("SAVE")
        counts.append(int(client.info("persistence")["rdb_changes_since_last_save"]))
    return counts


class PersistenceRepliesTest(lib.unittest.TestCase):
    def compare_with_redis(self, args):
        redis_dir = tempfile.mkdtemp(prefix="basalt-it-replies-redis-")
        self.addCleanup(shutil.rmtree, redis_dir, True)
        with lib.RedisProcess(redis_dir, args) as redis:
            rc = redis.client()
            wait_idle(rc)
            expected = (run_sequences(redis.port, rc), changes_after_writes(redis.port, rc),
                        sorted(rc.info("persistence")))
        server = lib.ServerProcess(args).start()
        try:
            c = server.client()
            # basalt writes a fresh AOF's first base in the background (Redis at startup, in
            # the foreground): let it finish before comparing.
            wait_idle(c)
            actual = (run_sequences(server.port, c), changes_after_writes(server.port, c),
                      sorted(c.info("persistence")))
            server.stop_and_check()
        finally:
            server.kill()
        for seq, want, got in zip(SEQUENCES, expected[0], actual[0]):
            self.assertEqual(got, want, seq)
        self.assertEqual(actual[1], expected[1], "rdb_changes_since_last_save after each write")
        self.assertEqual(actual[2], expected[2], "INFO persistence field names")
        for field in INFO_FIELDS:
            self.assertIn(field, actual[2])

    def test_replies_match_redis_without_aof(self):
        self.compare_with_redis([])

    def test_replies_match_redis_with_aof(self):
        self.compare_with_redis(["--appendonly", "yes"])

    def test_lastsave_moves_with_each_save(self):
        server = lib.ServerProcess().start()
        try:
            c = server.client()
            with server.raw() as raw:
                for command, reply in (("SAVE", b"+OK\r\n"),
                                       ("BGSAVE", b"+Background saving started\r\n")):
                    before = c.lastsave()
                    self.assertEqual(c.info("persistence")["rdb_last_save_time"],
                                     int(before.timestamp()))
                    # LASTSAVE has a resolution of seconds: let the next one begin.
                    lib.wait_until(lambda: time.time() >= before.timestamp() + 1.05,
                                   what="the next second")
                    self.assertEqual(raw.command(command), reply)
                    wait_idle(c)
                    after = c.lastsave()
                    self.assertGreater(after, before, command)
                    self.assertEqual(c.info("persistence")["rdb_last_bgsave_status"], "ok")
                    self.assertEqual(c.info("persistence")["rdb_last_save_time"],
                                     int(after.timestamp()))
            server.stop_and_check()
        finally:
            server.kill()

    def test_save_during_an_aof_rewrite_saves(self):
        # Redis 7.0 runs SAVE in the foreground while an AOF rewrite child is running; basalt's
        # SAVE walks the keyspace on its own, beside the rewrite's snapshot.
        server = lib.ServerProcess(["--appendonly", "yes"]).start()
        try:
            wait_idle(server.client())
            with server.raw() as c:
                c.send(lib.encode_command("BGREWRITEAOF") + lib.encode_command("SAVE"))
                self.assertEqual(c.read_reply(),
                                 b"+Background append only file rewriting started\r\n")
                self.assertEqual(c.read_reply(), b"+OK\r\n")
        finally:
            server.kill()


if __name__ == "__main__":
    lib.main()
