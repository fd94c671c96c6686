"""Shutdown and persistence: SIGTERM saves when save points are set, SHUTDOWN NOSAVE does not,
SHUTDOWN SAVE saves even without save points, and the AOF holds every acknowledged write after
a SIGTERM whatever the fsync policy."""

import os
import shutil
import signal
import sys
import tempfile

import basalt_testlib as lib

KEYS = 5000


def fill(server, prefix="k", count=KEYS):
    c = server.client()
    for start in range(0, count, 1000):
        c.mset({f"{prefix}:{i}": f"v{i}" for i in range(start, min(count, start + 1000))})
    c.set(f"{prefix}:ttl", "x", px=3600 * 1000)
    return lib.read_dataset(server.port, [0])


class ShutdownPersistenceTest(lib.unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="basalt-it-shutdown-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.dump = os.path.join(self.workdir, "dump.rdb")

    def start(self, args, log_name="server.log"):
        return lib.ServerProcess(args, workdir=self.workdir, log_name=log_name).start()

    def reload(self, args=(), log_name="server-2.log"):
        """The dataset a fresh server finds in the directory."""
        server = self.start(list(args), log_name)
        try:
            data = lib.read_dataset(server.port, [0])
            server.stop_and_check()
            return data
        finally:
            server.kill()

    def shutdown_command(self, server, *args):
        """SHUTDOWN [args]: the connection closes without a reply and the process exits 0."""
        with server.raw() as c:
            c.send(lib.encode_command("SHUTDOWN", *args))
            self.assertEqual(c.read_until_closed(), b"")
        self.assertEqual(server.wait_exit(), 0, server.log_tail())

    def test_sigterm_with_save_points_saves_the_dataset(self):
        server = self.start(["--save", "3600", "1"])
        try:
            expected = fill(server)
            server.signal(signal.SIGTERM)
            self.assertEqual(server.wait_exit(), 0, server.log_tail())
            self.assertIn("Saving the final RDB snapshot before exiting.", server.log())
            self.assertTrue(os.path.exists(self.dump))
            self.assertEqual(self.reload(), expected)
        finally:
            server.kill()

    def test_sigterm_without_save_points_does_not_save(self):
        server = self.start([])
        try:
            fill(server)
            server.signal(signal.SIGTERM)
            self.assertEqual(server.wait_exit(), 0, server.log_tail())
            self.assertFalse(os.path.exists(self.dump))
        finally:
            server.kill()

    def test_shutdown_nosave_does_not_save_despite_save_points(self):
        server = self.start(["--save", "3600", "1"])
        try:
            fill(server)
            self.shutdown_command(server, "NOSAVE")
            self.assertFalse(os.path.exists(self.dump))
        finally:
            server.kill()

    def test_shutdown_save_saves_without_save_points(self):
        server = self.start([])
        try:
            expected = fill(server)
            self.shutdown_command(server, "SAVE")
            self.assertEqual(self.reload(), expected)
        finally:
            server.kill()

    def test_plain_shutdown_saves_only_with_save_points(self):
        server = self.start(["--save", "3600", "1"])
        try:
            expected = fill(server)
            self.shutdown_command(server)
            self.assertEqual(self.reload(), expected)
        finally:
            server.kill()
        os.unlink(self.dump)
        server = self.start([], "server-3.log")
        try:
            fill(server)
            self.shutdown_command(server)
            self.assertFalse(os.path.exists(self.dump))
        finally:
            server.kill()

    def check_shutdown_during_loading_keeps_the_dump(self, stop):
        """Starts on a big dump.rdb with save points, stops the server with stop(server) while
        it is (most likely) still loading, and checks the dump still holds every key: the
        empty keyspace of a server still loading must never be saved over it (Redis 7.0 does
        not save when shut down during loading)."""
        keys = 400000
        with open(self.dump, "wb") as f:
            f.write(lib.rdb_string_file((b"key:%d" % i, b"v", None) for i in range(keys)))
        server = lib.ServerProcess(["--save", "3600", "1"], workdir=self.workdir)
        server.start(accept_loading=True)
        try:
            with server.raw() as c:
                loading = c.command("GET", "key:1").startswith(b"-LOADING")
            stop(server)
            self.assertEqual(server.wait_exit(), 0, server.log_tail())
            print(f"\n  stopped {'while' if loading else 'after'} loading", file=sys.stderr)
            server = self.start([], "server-2.log")
            self.assertEqual(server.client().dbsize(), keys)
            server.stop_and_check()
        finally:
            server.kill()

    def test_sigterm_during_loading_does_not_save_over_the_dump(self):
        self.check_shutdown_during_loading_keeps_the_dump(lambda s: s.signal(signal.SIGTERM))

    def test_shutdown_save_during_loading_does_not_save_over_the_dump(self):
        def shutdown_save(server):
            with server.raw() as c:
                c.send(lib.encode_command("SHUTDOWN", "SAVE"))
                c.read_until_closed()
        self.check_shutdown_during_loading_keeps_the_dump(shutdown_save)

    def test_sigterm_leaves_every_acknowledged_write_in_the_aof(self):
        for run, policy in enumerate(("everysec", "no")):
            with self.subTest(policy):
                args = ["--appendonly", "yes", "--appendfsync", policy]
                server = self.start(args, f"server-{policy}.log")
                try:
                    with server.raw() as c:
                        # A pipelined burst, SIGTERM right after the last reply.
                        batch = b"".join(lib.encode_command("SET", f"{policy}:{i}", i)
                                         for i in range(KEYS))
                        sender = lib.run_in_thread(c.send, batch)
                        for _ in range(KEYS):
                            self.assertEqual(c.read_reply(), b"+OK\r\n")
                        sender.join()
                        server.signal(signal.SIGTERM)
                    self.assertEqual(server.wait_exit(), 0, server.log_tail())
                    data = self.reload(args, f"server-{policy}-2.log")
                    for i in range(KEYS):
                        self.assertEqual(data.get((0, f"{policy}:{i}".encode()), (None,))[0],
                                         str(i).encode())
                finally:
                    server.kill()


if __name__ == "__main__":
    lib.main()
