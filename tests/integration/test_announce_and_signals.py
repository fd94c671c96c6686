"""replica-announce-ip / replica-announce-port (a replica behind NAT or in a container tells
its primary what to list it as: INFO replication, and so Sentinel), and shutdown-on-sigterm /
shutdown-on-sigint (what a signal's shutdown saves). CONFIG SET / GET of both are compared
with redis-server 7.0.15 byte for byte; the announced address is checked on a redis-server
primary and on a basalt one; the signals on the real binary's files.
"""

import os
import shutil
import signal
import tempfile
import unittest

import basalt_testlib as lib
import diff_shared


class ConfigSideBySide(diff_shared.ScenarioSideBySide, unittest.TestCase):

    def test_shutdown_on_signal_values(self):
        steps = [("CONFIG", "GET", "shutdown-on-sigterm")]
        for value in ("save", "nosave now", "default now", "FORCE NOW NOSAVE", "now force",
                      "default default", "save save now", "save nosave", "bogus", "", "save x",
                      "default"):
            steps += [("CONFIG", "SET", "shutdown-on-sigterm", value),
                      ("CONFIG", "GET", "shutdown-on-sigterm")]
        steps += [("CONFIG", "SET", "shutdown-on-sigint", "nosave"),
                  ("CONFIG", "GET", "shutdown-on-sigint"),
                  ("CONFIG", "SET", "shutdown-on-sigint", "default")]
        self.check(steps, False)

    def test_announce_values(self):
        # (One name per GET: a pattern's matches come in the order of Redis's dict, which is
        # seeded per process.)
        self.check([("CONFIG", "GET", "replica-announce-ip"),
                    ("CONFIG", "GET", "slave-announce-port"),
                    ("CONFIG", "SET", "replica-announce-port", "70000"),
                    ("CONFIG", "SET", "replica-announce-port", "7000"),
                    ("CONFIG", "SET", "slave-announce-ip", "10.0.0.1"),
                    ("CONFIG", "GET", "replica-announce-ip"),
                    ("CONFIG", "GET", "replica-announce-port"),
                    ("CONFIG", "SET", "replica-announce-ip", ""),
                    ("CONFIG", "SET", "replica-announce-port", "0"),
                    ("CONFIG", "GET", "slave-announce-ip")], False)


def replica_line(conn):
    info = conn.command("INFO", "replication").decode()
    return next((line for line in info.splitlines() if line.startswith("slave0:")), "")


class Announce(unittest.TestCase):

    def check_primary_lists(self, primary_port, primary_conn):
        replica = lib.ServerProcess(["--replica-announce-ip", "10.1.2.3",
                                     "--replica-announce-port", "7777"]).start()
        self.addCleanup(replica.kill)
        with replica.raw() as r, primary_conn() as p:
            self.assertEqual(r.command("REPLICAOF", "127.0.0.1", str(primary_port)), b"+OK\r\n")
            lib.wait_until(lambda: "state=online" in replica_line(p), timeout=30,
                           what="the replica to be online")
            self.assertTrue(replica_line(p).startswith("slave0:ip=10.1.2.3,port=7777,"),
                            replica_line(p))
        replica.stop_and_check()

    def test_a_redis_primary_lists_the_announced_address(self):
        workdir = tempfile.mkdtemp(prefix="basalt-it-announce-")
        self.addCleanup(shutil.rmtree, workdir, True)
        redis = lib.RedisProcess(workdir).start()
        self.addCleanup(redis.kill)
        self.check_primary_lists(redis.port, lambda: lib.RawConnection(redis.port))

    def test_a_basalt_primary_lists_the_announced_address(self):
        primary = lib.ServerProcess(["--repl-diskless-sync-delay", "0"]).start()
        self.addCleanup(primary.kill)
        self.check_primary_lists(primary.port, primary.raw)
        primary.stop_and_check()


class ShutdownOnSignal(unittest.TestCase):

    def run_and_signal(self, args, signo):
        """Starts basalt in a fresh directory, writes a key, sends `signo`; returns whether a
        dump.rdb was left behind."""
        workdir = tempfile.mkdtemp(prefix="basalt-it-sig-")
        self.addCleanup(shutil.rmtree, workdir, True)
        server = lib.ServerProcess(args, workdir=workdir).start()
        self.addCleanup(server.kill)
        with server.raw() as c:
            self.assertEqual(c.command("SET", "k", "v"), b"+OK\r\n")
            dump = os.path.join(workdir, c.command("CONFIG", "GET", "dbfilename")
                                .split(b"\r\n")[4].decode())
        server.proc.send_signal(signo)
        self.assertEqual(server.wait_exit(), 0, server.log_tail())
        return os.path.exists(dump)

    def test_sigterm_save_saves_without_save_points(self):
        self.assertFalse(self.run_and_signal(["--save", ""], signal.SIGTERM))
        self.assertTrue(self.run_and_signal(["--save", "", "--shutdown-on-sigterm", "save"],
                                            signal.SIGTERM))

    def test_sigint_nosave_skips_the_save_points(self):
        self.assertTrue(self.run_and_signal(["--save", "3600 1"], signal.SIGINT))
        self.assertFalse(self.run_and_signal(["--save", "3600 1", "--shutdown-on-sigint",
                                              "nosave now"], signal.SIGINT))
        # The other signal's setting does not apply.
        self.assertTrue(self.run_and_signal(["--save", "3600 1", "--shutdown-on-sigterm",
                                             "nosave"], signal.SIGINT))


if __name__ == "__main__":
    lib.main()
