"""Turning the AOF on at runtime, and what a killed predecessor leaves behind.

CONFIG SET appendonly yes must produce an AOF that holds the whole dataset (a base rewritten
from memory plus the writes since), and only commit it to the manifest once the base exists.
Temp files of an interrupted snapshot or rewrite are removed at the next start."""

import os
import shutil
import tempfile

import basalt_testlib as lib


class RuntimeAofTest(lib.unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="basalt-it-runtime-")
        self.addCleanup(shutil.rmtree, self.workdir, True)

    def start(self, args, log_name):
        return lib.ServerProcess(args, workdir=self.workdir, log_name=log_name).start()

    def test_enabling_the_aof_at_runtime_keeps_earlier_and_later_writes(self):
        server = self.start(["--save", ""], "first.log")
        try:
            c = server.client()
            c.mset({f"before:{i}": str(i) for i in range(2000)})
            c.incrby("counter", 5)
            self.assertTrue(c.config_set("appendonly", "yes"))
            c.mset({f"after:{i}": str(i) for i in range(2000)})
            c.incrby("counter", 7)
            lib.wait_until(lambda: c.info("persistence")["aof_rewrite_in_progress"] == 0 and
                           c.info("persistence")["aof_rewrites"] >= 1,
                           what="the base rewrite")
            expected = lib.read_dataset(server.port, [0])
            server.stop_and_check()
        finally:
            server.kill()
        manifest = os.path.join(self.workdir, "appendonlydir", "appendonly.aof.manifest")
        with open(manifest) as f:
            lines = f.read().splitlines()
        self.assertEqual(sum(" type b" in line for line in lines), 1, lines)
        again = self.start(["--save", "", "--appendonly", "yes"], "second.log")
        try:
            self.assertEqual(lib.read_dataset(again.port, [0]), expected)
            self.assertEqual(again.client().get("counter"), b"12")
            again.stop_and_check()
        finally:
            again.kill()

    def test_stale_temp_files_are_removed_at_start(self):
        aof_dir = os.path.join(self.workdir, "appendonlydir")
        os.makedirs(aof_dir)
        stale = [os.path.join(self.workdir, "temp-4242.rdb"),
                 os.path.join(self.workdir, "temp-bg-4243.rdb"),
                 os.path.join(aof_dir, "temp-rewriteaof-bg-4244.aof")]
        for path in stale:
            with open(path, "wb") as f:
                f.write(b"half-written snapshot")
        keep = os.path.join(self.workdir, "notes.rdb")
        with open(keep, "wb") as f:
            f.write(b"not ours")
        server = self.start(["--save", "", "--appendonly", "yes"], "server.log")
        try:
            server.client().set("k", "v")
            for path in stale:
                self.assertFalse(os.path.exists(path), path)
            self.assertTrue(os.path.exists(keep))
            server.stop_and_check()
        finally:
            server.kill()


if __name__ == "__main__":
    lib.main()
