"""BGSAVE is a point-in-time snapshot: writes made while the forkless snapshot runs (overwrites,
deletes, expiries, new keys, FLUSHDB, SWAPDB) do not leak into it. The dump is checked by the
real redis-server 7.0.15 and by basalt itself, key by key with values and expiry deadlines."""

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import basalt_testlib as lib

KEYS = 40000          # database 0; every 5th key has a TTL
FLUSHED_KEYS = 3000   # database 1, emptied by FLUSHDB during the snapshot
SWAP_A, SWAP_B = 2000, 1000  # databases 2 and 3, swapped during the snapshot
BATCH = 500  # commands per pipelined write while filling


def value(i):
    return f"v1:{i}:" + "x" * (i % 50)


BIG = 20000  # elements per big collection: far above what is saved in one piece


def fill_big_collections(c):
    for name in ("big:hash", "big:hash2"):
        for start in range(0, BIG, 1000):
            pairs = []
            for i in range(start, start + 1000):
                pairs += [f"field:{i}", f"value:{i}"]
            c.command("HSET", name, *pairs)
    for name in ("big:list", "big:list2"):
        for start in range(0, BIG, 1000):
            c.command("RPUSH", name, *[f"element:{i}" for i in range(start, start + 1000)])
    for name in ("big:zset", "big:zset2"):
        for start in range(0, BIG, 1000):
            pairs = []
            for i in range(start, start + 1000):
                pairs += [i % 977, f"member:{i}"]
            c.command("ZADD", name, *pairs)
    for start in range(0, BIG, 1000):
        c.command("SADD", "big:set", *[f"member:{i}" for i in range(start, start + 1000)])
    c.command("PEXPIREAT", "big:zset", int(time.time() * 1000) + 3600 * 1000)
    c.command("MSET", *[x for i in range(500) for x in (f"small:{i}", f"s{i}")])


def read_collections(port):
    """Every key of database 0 as {key: (type, contents, pexpiretime)}."""
    import redis
    c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=lib.IO_TIMEOUT)
    out = {}
    for key in c.scan_iter(count=1000):
        kind = c.type(key)
        if kind == b"hash":
            contents = c.hgetall(key)
        elif kind == b"list":
            contents = c.lrange(key, 0, -1)
        elif kind == b"set":
            contents = sorted(c.smembers(key))
        elif kind == b"zset":
            contents = c.zrange(key, 0, -1, withscores=True)
        else:
            contents = c.get(key)
        out[key] = (kind, contents, c.execute_command("PEXPIRETIME", key))
    c.close()
    return out


class PointInTimeTest(lib.unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="basalt-it-snapshot-")
        seed = int(os.environ.get("BASALT_TEST_SEED", random.randrange(1 << 30)))
        self.rng = random.Random(seed)
        print(f"\n  seed {seed} (set BASALT_TEST_SEED to repeat), dir {self.workdir}",
              file=sys.stderr)

    def fill(self, server):
        """Writes the state the snapshot must hold and returns it as read_dataset would."""
        expected = {}
        deadline_base = int(time.time() * 1000) + 3600 * 1000
        with server.raw() as c:
            for start in range(0, KEYS, BATCH):
                cmds = []
                for i in range(start, min(KEYS, start + BATCH)):
                    key, v = f"pit:{i}", value(i)
                    if i % 5 == 0:
                        cmds.append(lib.encode_command("SET", key, v, "PXAT", deadline_base + i))
                        expected[(0, key.encode())] = (v.encode(), deadline_base + i)
                    else:
                        cmds.append(lib.encode_command("SET", key, v))
                        expected[(0, key.encode())] = (v.encode(), -1)
                c.send(b"".join(cmds))
                for _ in cmds:
                    self.assertEqual(c.read_reply(), b"+OK\r\n")
            for db, prefix, count in ((1, "flushed", FLUSHED_KEYS), (2, "a", SWAP_A),
                                      (3, "b", SWAP_B)):
                self.assertEqual(c.command("SELECT", db), b"+OK\r\n")
                pairs = []
                for i in range(count):
                    pairs += [f"{prefix}:{i}", f"{prefix}{i}"]
                    expected[(db, f"{prefix}:{i}".encode())] = (f"{prefix}{i}".encode(), -1)
                self.assertEqual(c.command("MSET", *pairs), b"+OK\r\n")
        return expected

    def mutations(self):
        """Commands that change every key of the snapshot, in random order."""
        order = list(range(KEYS))
        self.rng.shuffle(order)
        batch = [("SELECT", 1), ("FLUSHDB",), ("SWAPDB", 2, 3), ("SELECT", 0)]
        for n, i in enumerate(order):
            key = f"pit:{i}"
            op = n % 6
            if op == 0:
                batch.append(("SET", key, "v2"))
            elif op == 1:
                batch.append(("DEL", key))
            elif op == 2:
                batch.append(("PEXPIRE", key, 1))  # gone at once
            elif op == 3:
                batch.append(("SET", key, "v2-ttl", "EX", 100))
            elif op == 4:
                batch.append(("APPEND", key, "-more"))
            else:
                batch.append(("PERSIST", key))
                batch.append(("SET", f"new:{i}", "added"))
        return batch + [("FLUSHALL",)]

    def test_bgsave_holds_the_state_at_its_start(self):
        server = lib.ServerProcess(workdir=self.workdir).start()
        try:
            expected = self.fill(server)
            self.assertEqual(len(expected), KEYS + FLUSHED_KEYS + SWAP_A + SWAP_B)
            commands = self.mutations()
            with server.raw() as c, server.raw() as observer:
                # BGSAVE and every mutation in one stream: the server runs the first read's
                # worth before the snapshot's first slice, and the rest between its slices.
                stream = lib.encode_command("BGSAVE") + b"".join(
                    lib.encode_command(*cmd) for cmd in commands)
                sender = lib.run_in_thread(c.send, stream)
                self.assertEqual(c.read_reply(), b"+Background saving started\r\n")
                seen_running = 0
                for n, cmd in enumerate(commands):
                    self.assertFalse(c.read_reply().startswith(b"-"), cmd)
                    if n % 2000 == 0 and b"rdb_bgsave_in_progress:1" in observer.command(
                            "INFO", "persistence"):
                        seen_running += 1
                sender.join()
            print(f"  {len(commands)} writes after BGSAVE; the snapshot was still running at "
                  f"{seen_running} of {len(commands) // 2000 + 1} checks", file=sys.stderr)

            def saved():
                info = server.client().info("persistence")
                return info["rdb_bgsave_in_progress"] == 0 and info["rdb_saves"] >= 1
            lib.wait_until(saved, what="BGSAVE to finish")
            info = server.client().info("persistence")
            self.assertEqual(info["rdb_last_bgsave_status"], "ok")
            self.assertEqual(server.client().dbsize(), 0)  # the mutations ended with FLUSHALL
            server.stop_and_check()
        finally:
            server.kill()

        # The real Redis reads the dump as the state at BGSAVE.
        redis_dir = tempfile.mkdtemp(prefix="basalt-it-snapshot-redis-")
        shutil.copy(os.path.join(self.workdir, "dump.rdb"), redis_dir)
        with lib.RedisProcess(redis_dir, ["--dbfilename", "dump.rdb"]) as redis:
            self.assertDatasetEqual(lib.read_dataset(redis.port, range(4)), expected)
        shutil.rmtree(redis_dir)

        # So does basalt.
        server = lib.ServerProcess(workdir=self.workdir, log_name="server-2.log").start()
        try:
            self.assertDatasetEqual(lib.read_dataset(server.port, range(4)), expected)
            server.stop_and_check()
        finally:
            server.kill()
        shutil.rmtree(self.workdir)

    def test_bgsave_of_big_collections_while_clients_write_them(self):
        # Collections this big are saved a piece per slice; writes to them wait until each is
        # saved (the dispatcher holds them), the other clients do not.
        server = lib.ServerProcess(workdir=self.workdir).start()
        try:
            with server.raw() as c:
                fill_big_collections(c)
            expected = read_collections(server.port)
            writes = [("HSET", "big:hash", "late", "x"), ("LPUSH", "big:list", "late"),
                      ("ZADD", "big:zset", 1, "late"), ("DEL", "big:set"),
                      ("MULTI",), ("HSET", "big:hash2", "late", "y"), ("EXPIRE", "big:zset2", 500),
                      ("EXEC",), ("SET", "small:1", "changed"), ("RENAME", "big:list2", "moved")]
            with server.raw() as c, server.raw() as other:
                c.send(lib.encode_command("BGSAVE") + b"".join(
                    lib.encode_command(*cmd) for cmd in writes))
                self.assertEqual(c.read_reply(), b"+Background saving started\r\n")
                for cmd in writes:
                    self.assertFalse(c.read_reply().startswith(b"-"), cmd)
                    self.assertEqual(other.command("PING"), b"+PONG\r\n")

            def saved():
                info = server.client().info("persistence")
                return info["rdb_bgsave_in_progress"] == 0 and info["rdb_saves"] >= 1
            lib.wait_until(saved, what="BGSAVE to finish")
            self.assertEqual(server.client().info("persistence")["rdb_last_bgsave_status"], "ok")
            live = server.client()
            self.assertEqual(live.hget("big:hash", "late"), b"x")
            self.assertEqual(live.hget("big:hash2", "late"), b"y")
            self.assertFalse(live.exists("big:set"))
            self.assertEqual(live.lindex("moved", 0), b"element:0")
            server.stop_and_check()
        finally:
            server.kill()
        dump = os.path.join(self.workdir, "dump.rdb")
        subprocess.run(["redis-check-rdb", dump], check=True, stdout=subprocess.DEVNULL)
        redis_dir = tempfile.mkdtemp(prefix="basalt-it-snapshot-redis-")
        shutil.copy(dump, redis_dir)
        with lib.RedisProcess(redis_dir, ["--dbfilename", "dump.rdb"]) as redis:
            self.assertEqual(read_collections(redis.port), expected)
        shutil.rmtree(redis_dir)
        server = lib.ServerProcess(workdir=self.workdir, log_name="server-2.log").start()
        try:
            self.assertEqual(read_collections(server.port), expected)
            server.stop_and_check()
        finally:
            server.kill()
        shutil.rmtree(self.workdir)

    def assertDatasetEqual(self, actual, expected):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        wrong = [(k, actual[k], expected[k]) for k in expected
                 if k in actual and actual[k] != expected[k]]
        self.assertEqual((missing[:5], extra[:5], wrong[:5]), ([], [], []),
                         f"{len(missing)} missing, {len(extra)} extra, {len(wrong)} different")


class HungDiskTest(lib.unittest.TestCase):
    """A snapshot's file that stops taking writes (a hung disk: writes to it are held by a stall
    file, see lib.stall_env) does not hold the clients. The forkless snapshot encodes on the
    event loop; its writes happen on a thread of their own (persistence/threaded_sink.h)."""

    KEYS = 20000  # ~10 MB of incompressible values: several of the writer's 1 MB blocks

    def run_held_snapshot(self, args, start_command, temp_match, finished):
        """Fills a server, holds the writes of the file start_command makes, checks clients are
        served meanwhile, lets the disk go and waits for finished(info). Returns the workdir
        (the server stopped) and the dataset as it was at start_command."""
        workdir = tempfile.mkdtemp(prefix="basalt-it-hung-disk-")
        self.addCleanup(shutil.rmtree, workdir, True)
        stall_file = os.path.join(workdir, "hold-writes")
        stall_log = os.path.join(workdir, "stalls.log")
        self.addCleanup(lambda: os.path.exists(stall_file) and os.unlink(stall_file))
        env = lib.stall_env(stall_file, ops="write", match=temp_match, log_file=stall_log)
        server = lib.ServerProcess(args, workdir=workdir, env=env).start()
        try:
            c = server.client()
            rng = random.Random(5)
            expected = {}
            for start in range(0, self.KEYS, BATCH):
                pipe = c.pipeline(transaction=False)
                for i in range(start, start + BATCH):
                    expected[b"key:%d" % i] = rng.randbytes(500)
                    pipe.set(b"key:%d" % i, expected[b"key:%d" % i])
                pipe.execute()
            before = c.info("persistence")
            with open(stall_file, "w"):
                pass  # from now on, writes to the snapshot's file wait
            c.execute_command(start_command)
            lib.wait_until(lambda: lib.injected_faults(stall_log, "stall"),
                           what=f"a write of the {start_command} file to be held")
            # The event loop is not in that write: reads, writes and a FLUSHDB of another
            # database are served (each would time out if the loop were held).
            with server.raw() as r:
                self.assertEqual(r.command("PING"), b"+PONG\r\n")
                self.assertEqual(r.command("GET", "key:7"),
                                 b"$500\r\n" + expected[b"key:7"] + b"\r\n")
                self.assertEqual(r.command("SET", "key:7", "changed"), b"+OK\r\n")
                self.assertEqual(r.command("SELECT", "1"), b"+OK\r\n")
                self.assertEqual(r.command("FLUSHDB"), b"+OK\r\n")
            self.assertFalse(finished(before, c.info("persistence")))
            os.unlink(stall_file)
            lib.wait_until(lambda: finished(before, c.info("persistence")),
                           what=f"{start_command} to finish once the disk is back")
            server.stop_and_check()
        finally:
            server.kill()
        return workdir, expected

    def test_bgsave_to_a_hung_disk_does_not_hold_clients(self):
        def finished(before, info):
            return (info["rdb_bgsave_in_progress"] == 0 and
                    info["rdb_saves"] > before["rdb_saves"])
        # No save points: the dump is the BGSAVE's, not a shutdown save's.
        workdir, expected = self.run_held_snapshot(["--save", ""], "BGSAVE", "temp-bg-",
                                                   finished)
        server = lib.ServerProcess(workdir=workdir, log_name="server-2.log").start()
        try:
            c = server.client()
            self.assertEqual(c.dbsize(), self.KEYS)
            for key in (b"key:0", b"key:7", b"key:%d" % (self.KEYS - 1)):
                self.assertEqual(c.get(key), expected[key])  # as at BGSAVE
            server.stop_and_check()
        finally:
            server.kill()

    def test_shutdown_nosave_during_a_held_bgsave_exits(self):
        # Redis kills its child; here the held writer thread is left to its write, and the
        # server exits without waiting for the disk.
        workdir = tempfile.mkdtemp(prefix="basalt-it-hung-disk-")
        self.addCleanup(shutil.rmtree, workdir, True)
        stall_file = os.path.join(workdir, "hold-writes")
        stall_log = os.path.join(workdir, "stalls.log")
        self.addCleanup(lambda: os.path.exists(stall_file) and os.unlink(stall_file))
        env = lib.stall_env(stall_file, ops="write", match="temp-bg-", log_file=stall_log)
        server = lib.ServerProcess(["--save", ""], workdir=workdir, env=env).start()
        try:
            c = server.client()
            rng = random.Random(9)
            # Incompressible: the walk is still under way (paused, its writer behind) when the
            # shutdown comes, not finishing.
            for start in range(0, self.KEYS, BATCH):
                c.execute_command("MSET", *[x for i in range(start, start + BATCH)
                                            for x in (f"key:{i}", rng.randbytes(500))])
            with open(stall_file, "w"):
                pass
            c.execute_command("BGSAVE")
            lib.wait_until(lambda: lib.injected_faults(stall_log, "stall"),
                           what="a write of the BGSAVE file to be held")
            with server.raw() as r:
                r.send(lib.encode_command("SHUTDOWN", "NOSAVE"))
                r.read_until_closed()
            self.assertEqual(server.wait_exit(), 0)
            self.assertEqual([n for n in os.listdir(workdir) if n.startswith("temp-")], [])
        finally:
            server.kill()

    def test_aof_rewrite_to_a_hung_disk_does_not_hold_clients(self):
        def finished(before, info):
            return (info["aof_rewrite_in_progress"] == 0 and
                    info["aof_rewrites"] > before["aof_rewrites"])
        workdir, expected = self.run_held_snapshot(["--appendonly", "yes", "--save", ""],
                                                   "BGREWRITEAOF", "temp-rewriteaof-bg-",
                                                   finished)
        server = lib.ServerProcess(["--appendonly", "yes"], workdir=workdir,
                                   log_name="server-2.log").start()
        try:
            c = server.client()
            self.assertEqual(c.dbsize(), self.KEYS)
            expected[b"key:7"] = b"changed"  # the AOF holds the writes after the rewrite too
            for key in (b"key:0", b"key:7", b"key:%d" % (self.KEYS - 1)):
                self.assertEqual(c.get(key), expected[key])
            server.stop_and_check()
        finally:
            server.kill()

if __name__ == "__main__":
    lib.main()
