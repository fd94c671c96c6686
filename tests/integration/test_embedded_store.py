"""The embedded store through its example program (examples/kv_example.cc).

A data directory written by the embedded Store is served by basalt-server and by redis-server
7.0, and what they write is read back by the Store: the files are the server's. A writer killed
with SIGKILL under appendfsync always loses no acknowledged write.

kv_example is found next to basalt-server (both are built into the build directory's root).
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import basalt_testlib as lib


def example_path():
    return os.path.join(os.path.dirname(lib.SERVER_PATH), "kv_example")


class EmbeddedStoreTest(lib.unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kv = example_path()
        if not os.access(cls.kv, os.X_OK):
            raise lib.unittest.SkipTest(f"kv_example not built at {cls.kv}")

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="basalt-it-store-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def run_kv(self, *args, flags=(), expect_rc=0):
        proc = subprocess.run([self.kv, *flags, self.dir, *map(str, args)], capture_output=True,
                              timeout=lib.IO_TIMEOUT, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, expect_rc, proc.stderr.decode(errors="replace"))
        return proc.stdout.decode()

    def start_redis(self, appendonly):
        """A reference redis-server on this test's directory; returns (process, client)."""
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            self.skipTest("redis-server is not installed")
        import redis
        for _ in range(10):
            port = lib.free_port()
            proc = subprocess.Popen(
                [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", appendonly, "--dir", self.dir, "--daemonize", "no"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            lib._live_processes.add(proc)
            client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=lib.IO_TIMEOUT)

            def ready():
                if proc.poll() is not None:
                    return "exited"
                try:
                    return client.ping() and "up"
                except redis.exceptions.ConnectionError:
                    return None
                except redis.exceptions.BusyLoadingError:
                    return None

            state = lib.wait_until(ready, lib.START_TIMEOUT, what="redis-server start")
            if state == "up":
                return proc, client
            lib._live_processes.discard(proc)
        self.fail("redis-server did not start")

    def stop_redis(self, proc, client):
        client.shutdown(nosave=True)
        proc.wait(timeout=lib.STOP_TIMEOUT)
        lib._live_processes.discard(proc)

    def basalt_server(self, appendonly):
        return lib.ServerProcess(["--dir", self.dir, "--appendonly", appendonly])

    # -- the example program ---------------------------------------------------------------

    def test_each_run_sees_the_writes_of_the_runs_before(self):
        self.assertEqual(self.run_kv("set", "a", "1"), "OK\n")
        self.assertEqual(self.run_kv("set", "b", "two words", 600000), "OK\n")
        self.assertEqual(self.run_kv("get", "a"), "1\n")
        self.assertEqual(self.run_kv("get", "b"), "two words\n")
        self.assertGreater(int(self.run_kv("ttl", "b")), 500000)
        self.assertEqual(self.run_kv("ttl", "a"), "-1\n")
        self.assertEqual(sorted(self.run_kv("keys").split()), ["a", "b"])
        self.assertEqual(self.run_kv("count"), "2\n")
        self.assertEqual(self.run_kv("del", "a"), "1\n")
        self.assertEqual(self.run_kv("get", "a", expect_rc=1), "(nil)\n")
        self.assertEqual(self.run_kv("exists", "b"), "1\n")
        self.assertEqual(self.run_kv("expire", "b", 0), "1\n")
        self.assertEqual(self.run_kv("count"), "0\n")

    def test_a_second_store_on_the_same_directory_is_refused(self):
        writer = subprocess.Popen([self.kv, self.dir, "fill", "k", "100000000"],
                                  stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        lib._live_processes.add(writer)
        try:
            writer.stdout.readline()  # the writer has the directory open
            proc = subprocess.run([self.kv, self.dir, "count"], capture_output=True,
                                  timeout=lib.IO_TIMEOUT)
            self.assertEqual(proc.returncode, 1)
            self.assertIn(b"Busy", proc.stderr)
        finally:
            writer.kill()
            writer.wait()
            writer.stdout.close()
            lib._live_processes.discard(writer)

    # -- files shared with the servers -----------------------------------------------------

    def test_basalt_server_serves_a_store_directory_and_the_store_reads_back(self):
        self.run_kv("set", "from-store", "1")
        self.run_kv("set", "with-ttl", "2", 600000)
        with self.basalt_server("yes") as server:
            c = server.client()
            self.assertEqual(c.get("from-store"), b"1")
            self.assertGreater(c.pttl("with-ttl"), 500000)
            c.set("from-server", "3")
        self.assertEqual(self.run_kv("get", "from-server"), "3\n")
        self.assertEqual(self.run_kv("count"), "3\n")

    def test_redis_server_loads_the_stores_aof_and_the_store_loads_redis_writes(self):
        self.run_kv("set", "from-store", "1")
        self.run_kv("set", "with-ttl", "2", 600000)
        proc, c = self.start_redis("yes")
        self.assertEqual(c.get("from-store"), b"1")
        self.assertGreater(c.pttl("with-ttl"), 500000)
        c.set("from-redis", "3")
        self.stop_redis(proc, c)
        self.assertEqual(self.run_kv("get", "from-redis"), "3\n")
        self.assertEqual(self.run_kv("get", "from-store"), "1\n")

    def test_redis_server_loads_the_stores_rdb(self):
        self.run_kv("set", "k", "v", flags=["--no-aof"])
        self.assertFalse(os.path.exists(os.path.join(self.dir, "appendonlydir")))
        proc, c = self.start_redis("no")
        self.assertEqual(c.get("k"), b"v")
        self.stop_redis(proc, c)

    # -- crash -----------------------------------------------------------------------------

    def test_sigkill_with_appendfsync_always_loses_no_acknowledged_write(self):
        writer = subprocess.Popen(
            [self.kv, "--fsync", "always", self.dir, "fill", "key", "100000000"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        lib._live_processes.add(writer)
        acked = []
        deadline = time.monotonic() + lib.IO_TIMEOUT
        while len(acked) < 200 and time.monotonic() < deadline:
            line = writer.stdout.readline()
            if not line:
                break
            acked.append(int(line))
        writer.send_signal(signal.SIGKILL)
        # What the writer printed before dying was acknowledged too.
        acked += [int(x) for x in writer.stdout.read().split()]
        writer.wait()
        writer.stdout.close()
        lib._live_processes.discard(writer)
        self.assertGreaterEqual(len(acked), 200)
        self.assertEqual(acked, list(range(len(acked))))

        # The killed writer's directory, served by basalt-server.
        with self.basalt_server("yes") as server:
            c = server.client()
            keys = [f"key{i}" for i in range(len(acked))]
            values = c.mget(keys)
            lost = [k for k, v in zip(keys, values) if v is None]
            self.assertEqual(lost, [])
            self.assertEqual(values, [str(i).encode() for i in range(len(acked))])

    # -- a failing disk --------------------------------------------------------------------

    def fill_on_failing_disk(self, policy, env):
        """kv_example fills until a write fails: the failed Set returns IoError (never blocks:
        the run has a deadline), and every index printed before it is there afterwards."""
        proc = subprocess.run([self.kv, "--fsync", policy, self.dir, "fill", "key", "100000000"],
                              capture_output=True, timeout=lib.IO_TIMEOUT * 4,
                              stdin=subprocess.DEVNULL, env=dict(os.environ, **env))
        self.assertEqual(proc.returncode, 1, proc.stderr.decode(errors="replace"))
        self.assertIn("IO error", proc.stderr.decode(errors="replace"))
        # The store's log (spdlog) shares stdout with the printed indexes.
        acked = [int(x) for x in proc.stdout.split(b"\n") if x.isdigit()]
        self.assertGreater(len(acked), 100)
        self.assertEqual(acked, list(range(len(acked))))
        with self.basalt_server("yes") as server:
            c = server.client()
            keys = [f"key{i}" for i in range(len(acked))]
            self.assertEqual(c.mget(keys), [str(i).encode() for i in range(len(acked))])
        return proc.stderr.decode(errors="replace")

    def test_a_full_disk_fails_the_write_with_io_error(self):
        for policy in ("everysec", "no"):
            with self.subTest(policy=policy):
                shutil.rmtree(self.dir, True)
                os.makedirs(self.dir)
                env = lib.fault_env("write", "ENOSPC", match="appendonlydir/",
                                    after_bytes=200_000)
                err = self.fill_on_failing_disk(policy, env)
                self.assertIn("MISCONF Errors writing to the AOF file: No space left on device",
                              err)

    def test_a_failed_fsync_under_always_fails_the_write_with_io_error(self):
        env = lib.fault_env("fsync", "EIO", match="appendonlydir/", on_call=200)
        err = self.fill_on_failing_disk("always", env)
        self.assertIn("Input/output error", err)


if __name__ == "__main__":
    lib.main()
