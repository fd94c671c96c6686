"""Files move between basalt and Redis 7.0.15 both ways: redis-check-rdb and redis-check-aof
accept basalt's dump.rdb and AOF directory, redis-server loads them with identical contents, and
basalt loads the dump.rdb and AOF directory redis-server wrote. With and without the RDB
preamble in the AOF base."""

import os
import shutil
import subprocess
import tempfile
import time

import basalt_testlib as lib

DBS = range(16)


def fill(port):
    """Writes the same string dataset to basalt or Redis: a base part before an AOF rewrite,
    then more writes (landing in the incr file) after it."""
    deadline = int(time.time() * 1000) + 3600 * 1000
    with lib.RawConnection(port) as c:
        def ok(*args):
            reply = c.command(*args)
            assert not reply.startswith(b"-"), (args, reply)

        pairs = []
        for i in range(300):
            pairs += [f"plain:{i}", f"value-{i}"]
        ok("MSET", *pairs)
        for i in range(100):
            ok("SET", f"ttl:{i}", f"t{i}", "PXAT", deadline + i * 1000)
        for i in range(50):
            ok("SET", f"rel:{i}", f"r{i}", "EX", 1000 + i)  # logged as an absolute deadline
        specials = {
            "empty": b"",
            b"bin\x00key\xff": b"bin\x00value\r\n\xfe",
            "int:small": b"12", "int:neg": b"-1", "int:big": b"4294967296",
            "int:raw": b"007", "int:minus0": b"-0",
            "text:big": b"compressible text " * 1200,
            "noise": bytes((i * 151 + 7) % 256 for i in range(300)),
        }
        for k, v in specials.items():
            ok("SET", k, v)
        ok("SELECT", 3)
        ok("SET", "db3:a", "in db 3")
        ok("SET", "db3:ttl", "x", "PX", 500000)
        ok("SELECT", 15)
        ok("SET", "db15:a", "in db 15")
        ok("SELECT", 0)


def more_writes(port):
    with lib.RawConnection(port) as c:
        def ok(*args):
            reply = c.command(*args)
            assert not reply.startswith(b"-"), (args, reply)

        for i in range(0, 300, 3):
            ok("INCR", f"counter:{i % 7}")
            ok("APPEND", f"plain:{i}", "+appended")
            ok("DEL", f"plain:{i + 1}")
        ok("EXPIRE", "plain:2", 5000)
        ok("PEXPIREAT", "plain:5", int(time.time() * 1000) + 7200 * 1000)
        ok("PERSIST", "ttl:0")
        ok("RENAME", "ttl:1", "renamed:ttl:1")
        ok("SELECT", 3)
        ok("SET", "db3:b", "after the rewrite")
        ok("GETEX", "db3:a", "EX", 3000)
        ok("SELECT", 7)
        ok("MSET", "db7:a", "1", "db7:b", "2")
        ok("SELECT", 0)
        ok("SET", "last", "written last")


def wait_rewrite_done(client):
    def done():
        info = client.info("persistence")
        return info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0
    lib.wait_until(done, what="the AOF rewrite to finish")


def copy_dir(src, keep):
    dst = tempfile.mkdtemp(prefix="basalt-it-interop-copy-")
    for name in keep:
        path = os.path.join(src, name)
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(dst, name))
        else:
            shutil.copy(path, dst)
    return dst


class InteropTest(lib.unittest.TestCase):
    def assertDatasetEqual(self, actual, expected):
        missing = sorted(k for k in expected if k not in actual)
        extra = sorted(k for k in actual if k not in expected)
        wrong = [(k, actual[k], expected[k]) for k in sorted(expected)
                 if k in actual and actual[k] != expected[k]]
        self.assertEqual((missing[:5], extra[:5], wrong[:5]), ([], [], []),
                         f"{len(missing)} missing, {len(extra)} extra, {len(wrong)} different")

    def check_tool(self, tool, path, *marks):
        proc = subprocess.run([tool, path], capture_output=True, text=True,
                              timeout=lib.START_TIMEOUT)
        output = proc.stdout + proc.stderr
        self.assertEqual(proc.returncode, 0, output)
        for mark in marks:
            self.assertIn(mark, output)

    def basalt_files(self, preamble):
        """basalt writes the dataset with appendonly on; returns (dir, live dataset)."""
        workdir = tempfile.mkdtemp(prefix="basalt-it-interop-")
        self.addCleanup(shutil.rmtree, workdir, True)
        server = lib.ServerProcess(["--appendonly", "yes", "--aof-use-rdb-preamble", preamble],
                                   workdir=workdir).start()
        try:
            fill(server.port)
            c = server.client()
            wait_rewrite_done(c)  # the initial base of a fresh AOF
            before = c.info("persistence")["aof_rewrites"]
            c.bgrewriteaof()
            lib.wait_until(lambda: c.info("persistence")["aof_rewrites"] > before,
                           what="the AOF rewrite")
            wait_rewrite_done(c)
            more_writes(server.port)
            c.save()
            expected = lib.read_dataset(server.port, DBS)
            server.stop_and_check()
        finally:
            server.kill()
        return workdir, expected

    def redis_files(self, preamble):
        """redis-server writes the dataset with appendonly on; returns (dir, live dataset)."""
        workdir = tempfile.mkdtemp(prefix="basalt-it-interop-redis-")
        self.addCleanup(shutil.rmtree, workdir, True)
        with lib.RedisProcess(workdir, ["--appendonly", "yes", "--aof-use-rdb-preamble",
                                        preamble]) as redis:
            c = redis.client()
            fill(redis.port)
            before = c.info("persistence")["aof_rewrites"]
            c.bgrewriteaof()
            lib.wait_until(lambda: c.info("persistence")["aof_rewrites"] > before,
                           what="Redis's AOF rewrite")
            wait_rewrite_done(c)
            more_writes(redis.port)
            c.save()
            expected = lib.read_dataset(redis.port, DBS)
        return workdir, expected

    def check_basalt_files_in_redis(self, preamble):
        workdir, expected = self.basalt_files(preamble)
        self.assertGreater(len(expected), 300)
        manifest = os.path.join(workdir, "appendonlydir", "appendonly.aof.manifest")
        with open(manifest) as f:
            base = [line.split()[1] for line in f if line.split()[-1] == "b"][0]
        self.assertTrue(base.endswith(".rdb" if preamble == "yes" else ".aof"), base)
        self.check_tool("redis-check-rdb", os.path.join(workdir, "dump.rdb"), "RDB looks OK")
        self.check_tool("redis-check-aof", manifest, "All AOF files and manifest are valid")

        aof_copy = copy_dir(workdir, ["appendonlydir"])
        self.addCleanup(shutil.rmtree, aof_copy, True)
        with lib.RedisProcess(aof_copy, ["--appendonly", "yes"]) as redis:
            self.assertDatasetEqual(lib.read_dataset(redis.port, DBS), expected)
        rdb_copy = copy_dir(workdir, ["dump.rdb"])
        self.addCleanup(shutil.rmtree, rdb_copy, True)
        with lib.RedisProcess(rdb_copy, ["--dbfilename", "dump.rdb"]) as redis:
            self.assertDatasetEqual(lib.read_dataset(redis.port, DBS), expected)

    def check_redis_files_in_basalt(self, preamble):
        workdir, expected = self.redis_files(preamble)
        self.assertGreater(len(expected), 300)
        aof_copy = copy_dir(workdir, ["appendonlydir"])
        self.addCleanup(shutil.rmtree, aof_copy, True)
        server = lib.ServerProcess(["--appendonly", "yes"], workdir=aof_copy).start()
        try:
            self.assertDatasetEqual(lib.read_dataset(server.port, DBS), expected)
            server.stop_and_check()
        finally:
            server.kill()
        rdb_copy = copy_dir(workdir, ["dump.rdb"])
        self.addCleanup(shutil.rmtree, rdb_copy, True)
        server = lib.ServerProcess(workdir=rdb_copy).start()
        try:
            self.assertDatasetEqual(lib.read_dataset(server.port, DBS), expected)
            server.stop_and_check()
        finally:
            server.kill()

    def test_basalt_loads_redis_aof_with_transactions(self):
        # Redis 7.0 logs MULTI ... EXEC around a transaction, and around a write command
        # together with the DEL of the expired key it touched (lazy expiry; active expiry is
        # turned off here so that this happens every time).
        workdir = tempfile.mkdtemp(prefix="basalt-it-interop-multi-")
        self.addCleanup(shutil.rmtree, workdir, True)
        with lib.RedisProcess(workdir, ["--appendonly", "yes", "--enable-debug-command",
                                        "yes"]) as redis:
            c = redis.client()
            wait_rewrite_done(c)
            c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
            deadline = int(time.time() * 1000) + 50
            for k in ("lazy:set", "lazy:incr", "lazy:append"):
                c.set(k, "5", pxat=deadline)
            c.set("kept", "k")
            lib.wait_until(lambda: time.time() * 1000 > deadline + 20, what="the deadline")
            c.set("lazy:set", "new")
            c.incr("lazy:incr")
            c.append("lazy:append", "tail")
            pipe = c.pipeline(transaction=True)
            pipe.set("tx:a", "1").incr("tx:n").delete("kept").execute()
            expected = lib.read_dataset(redis.port, DBS)
        aof_dir = os.path.join(workdir, "appendonlydir")
        with open(os.path.join(aof_dir, "appendonly.aof.1.incr.aof"), "rb") as f:
            self.assertEqual(f.read().count(b"MULTI"), 4)
        self.assertEqual(expected[(0, b"lazy:incr")], (b"1", -1))
        server = lib.ServerProcess(["--appendonly", "yes"], workdir=workdir).start()
        try:
            self.assertDatasetEqual(lib.read_dataset(server.port, DBS), expected)
            server.stop_and_check()
        finally:
            server.kill()

    def test_redis_loads_basalt_files_with_rdb_preamble(self):
        self.check_basalt_files_in_redis("yes")

    def test_redis_loads_basalt_files_without_rdb_preamble(self):
        self.check_basalt_files_in_redis("no")

    def test_basalt_loads_redis_files_with_rdb_preamble(self):
        self.check_redis_files_in_basalt("yes")

    def test_basalt_loads_redis_files_without_rdb_preamble(self):
        self.check_redis_files_in_basalt("no")


if __name__ == "__main__":
    lib.main()
