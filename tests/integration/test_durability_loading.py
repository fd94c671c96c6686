"""While the dataset loads at startup, data commands answer -LOADING and INFO works (with
loading:1); afterwards all the data is there and the log has the end-of-load line.

The datasets are big enough (a few hundred thousand keys) that loading takes a good part of a
second even in a release build, so a client connecting right after the listening socket opens
sees -LOADING; the test still accepts the full data instead in a minority of runs."""

import os
import re
import shutil
import sys
import tempfile
import time

import basalt_testlib as lib

RDB_KEYS = 400000
EXPIRED_EVERY = 10  # every 10th key of the RDB has a deadline in the past
AOF_KEYS = 200000
LOADING = b"-LOADING Redis is loading the dataset in memory\r\n"


def write_rdb(path):
    """RDB_KEYS string keys, every EXPIRED_EVERY-th with a deadline in the past."""
    past = int(time.time() * 1000) - 60000
    entries = ((b"key:%d" % i, b"value:%d" % i, past if i % EXPIRED_EVERY == 0 else None)
               for i in range(RDB_KEYS))
    with open(path, "wb") as f:
        f.write(lib.rdb_string_file(entries))


def write_aof(workdir):
    """An AOF directory: a RESP base of SET commands and an incr file with one more."""
    directory = os.path.join(workdir, "appendonlydir")
    os.makedirs(directory)
    with open(os.path.join(directory, "appendonly.aof.1.base.aof"), "wb") as f:
        f.write(b"".join(lib.encode_command("SET", b"key:%d" % i, b"value:%d" % i)
                         for i in range(AOF_KEYS)))
    with open(os.path.join(directory, "appendonly.aof.1.incr.aof"), "wb") as f:
        f.write(lib.encode_command("SET", "from:incr", "yes"))
    with open(os.path.join(directory, "appendonly.aof.manifest"), "w") as f:
        f.write("file appendonly.aof.1.base.aof seq 1 type b\n"
                "file appendonly.aof.1.incr.aof seq 1 type i\n")


class LoadingTest(lib.unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rdb_dir = tempfile.mkdtemp(prefix="basalt-it-loading-rdb-")
        write_rdb(os.path.join(cls.rdb_dir, "dump.rdb"))
        cls.aof_dir = tempfile.mkdtemp(prefix="basalt-it-loading-aof-")
        write_aof(cls.aof_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.rdb_dir)
        shutil.rmtree(cls.aof_dir)

    def start_and_probe(self, workdir, args, log_name):
        """Starts the server and, from the first moment it answers, sends GET and INFO.
        Returns (server, True when it was still loading)."""
        server = lib.ServerProcess(args, workdir=workdir, log_name=log_name)
        server.start(accept_loading=True)
        with server.raw() as c:
            first = c.command("GET", "key:1")
            info = c.command("INFO", "persistence")
        if first == LOADING:
            self.assertIn(b"\r\nloading:1\r\n", info)
            # Writes are refused too, with the same error.
            with server.raw() as c:
                reply = c.command("SET", "during", "load")
            self.assertIn(reply, (LOADING, b"+OK\r\n"))  # +OK: the load ended meanwhile
        else:
            self.assertEqual(first, b"$7\r\nvalue:1\r\n")
        lib.wait_until(lambda: server.client().info("persistence")["loading"] == 0,
                       what="the load to end")
        return server, first == LOADING

    def test_clients_get_loading_until_the_whole_dataset_is_in(self):
        seen = [self.load_rdb(0), self.load_rdb(1), self.load_aof()]
        print(f"\n  -LOADING seen in {sum(seen)} of {len(seen)} runs", file=sys.stderr)
        # A miss means the load beat the first client (a very busy machine): tolerated once.
        self.assertGreaterEqual(sum(seen), len(seen) - 1)

    def load_rdb(self, run):
        server, was_loading = self.start_and_probe(self.rdb_dir, [], f"server-{run}.log")
        try:
            c = server.client()
            live = RDB_KEYS - RDB_KEYS // EXPIRED_EVERY
            keys = c.dbsize() - c.exists("during")
            self.assertEqual(keys, live)
            sample = range(0, RDB_KEYS, 997)
            values = c.mget([f"key:{i}" for i in sample])
            for i, v in zip(sample, values):
                self.assertEqual(v, None if i % EXPIRED_EVERY == 0 else f"value:{i}".encode())
            path = os.path.join(self.rdb_dir, "dump.rdb")
            self.assertRegex(server.log(), re.escape(
                f"Loaded RDB {path}: {live} keys, {RDB_KEYS // EXPIRED_EVERY} expired keys "
                "skipped, ") + r"\d+\.\d+ seconds")
            self.assertEqual(c.info("persistence")["rdb_last_load_keys_loaded"], live)
            self.assertEqual(c.info("persistence")["rdb_last_load_keys_expired"],
                             RDB_KEYS // EXPIRED_EVERY)
            server.stop_and_check()
        finally:
            server.kill()
        return was_loading

    def load_aof(self):
        server, was_loading = self.start_and_probe(self.aof_dir, ["--appendonly", "yes"],
                                                   "server.log")
        try:
            c = server.client()
            self.assertEqual(c.dbsize() - c.exists("during"), AOF_KEYS + 1)
            self.assertEqual(c.get("from:incr"), b"yes")
            self.assertEqual(c.get(f"key:{AOF_KEYS - 1}"), f"value:{AOF_KEYS - 1}".encode())
            manifest = os.path.join(self.aof_dir, "appendonlydir", "appendonly.aof.manifest")
            self.assertRegex(server.log(), re.escape(f"Loaded AOF {manifest}: {AOF_KEYS + 1} "
                                                     "keys, 0 expired keys skipped, ") +
                             r"\d+\.\d+ seconds")
            server.stop_and_check()
        finally:
            server.kill()
        return was_loading


if __name__ == "__main__":
    lib.main()
