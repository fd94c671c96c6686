"""AOF rewrites under write load: counters incremented by several clients while BGREWRITEAOF
and automatic rewrites run; after a clean restart and after a SIGKILL, every counter equals the
number of acknowledged INCRs, and the AOF directory holds exactly what its manifest names."""

import os
import random
import shutil
import sys
import tempfile
import threading
import time

import basalt_testlib as lib

CLIENTS = 4
COUNTERS_PER_CLIENT = 10
REWRITES_PER_PHASE = 4
AUTO_REWRITES = 2
# Bulk data makes each rewrite's snapshot walk take a while, so the INCRs land in the middle of
# it (counters still pending in the snapshot are saved as they were when it began).
BULK_KEYS = 20000
MIN_INCRS = 20000


class Incrementer:
    """INCRs its own counters round-robin until told to stop or the server goes away."""

    def __init__(self, port, client_no, start_values):
        self.client_no = client_no
        self.conn = lib.RawConnection(port)
        self.acked = dict(start_values)  # counter -> last acknowledged value
        self.in_flight = None
        self.stop = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        names = sorted(self.acked)
        i = 0
        try:
            while not self.stop.is_set():
                name = names[i % len(names)]
                self.in_flight = name
                reply = self.conn.command("INCR", name)
                expected = b":%d\r\n" % (self.acked[name] + 1)
                if reply != expected:
                    raise AssertionError(f"INCR {name} answered {reply!r}, expected {expected!r}")
                self.acked[name] += 1
                self.in_flight = None
                i += 1
        except (ConnectionError, OSError):
            pass  # killed server
        except BaseException as e:
            self.error = e
        finally:
            self.conn.close()

    def join(self):
        self.stop.set()
        self.thread.join(lib.IO_TIMEOUT)
        assert not self.thread.is_alive(), "incrementer did not stop"
        if self.error:
            raise self.error


def counter_names(client_no):
    return [f"ctr:{client_no}:{j}" for j in range(COUNTERS_PER_CLIENT)]


def persistence_info(server):
    return server.client().info("persistence")


def wait_rewrites_idle(server):
    def idle():
        info = persistence_info(server)
        return info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0
    lib.wait_until(idle, what="AOF rewrites to finish")


def bulk_keys_intact(server):
    c = server.client()
    good = 0
    for start in range(0, BULK_KEYS, 1000):
        values = c.mget([f"bulk:{i}" for i in range(start, start + 1000)])
        good += sum(1 for v in values if v == b"b" * 50)
    return good


def manifest_files(workdir):
    """[(name, type)] from the manifest."""
    with open(os.path.join(workdir, "appendonlydir", "appendonly.aof.manifest")) as f:
        rows = [line.split() for line in f if line.strip() and not line.startswith("#")]
    return [(row[row.index("file") + 1], row[row.index("type") + 1]) for row in rows]


class RewriteUnderLoadTest(lib.unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="basalt-it-rewrite-")
        self.runs = 0
        seed = int(os.environ.get("BASALT_TEST_SEED", random.randrange(1 << 30)))
        self.rng = random.Random(seed)
        print(f"\n  seed {seed} (set BASALT_TEST_SEED to repeat), dir {self.workdir}",
              file=sys.stderr)

    def start(self, fsync):
        self.runs += 1
        # A tiny minimum size: automatic rewrites trigger every few thousand INCRs.
        return lib.ServerProcess(["--appendonly", "yes", "--appendfsync", fsync,
                                  "--auto-aof-rewrite-percentage", "10",
                                  "--auto-aof-rewrite-min-size", "64kb"],
                                 workdir=self.workdir, log_name=f"server-{self.runs}.log").start()

    def request_rewrite(self, server):
        """BGREWRITEAOF; an automatic rewrite that got there first refuses it, which is fine."""
        with server.raw() as c:
            reply = c.command("BGREWRITEAOF")
        self.assertIn(reply, (b"+Background append only file rewriting started\r\n",
                              b"+Background append only file rewriting scheduled\r\n",
                              b"-ERR Background append only file rewriting already in "
                              b"progress\r\n"))

    def rewrite_repeatedly(self, server, count):
        """Asks for `count` rewrites one after another (automatic ones run between them)."""
        for _ in range(count):
            before = persistence_info(server)["aof_rewrites"]
            self.request_rewrite(server)
            lib.wait_until(lambda: persistence_info(server)["aof_rewrites"] > before,
                           what="a rewrite to complete")
        info = persistence_info(server)
        self.assertEqual(info["aof_last_bgrewrite_status"], "ok")
        self.assertEqual(info["aof_last_write_status"], "ok")
        return info["aof_rewrites"]

    def check_counters(self, server, incrementers, exact):
        c = server.client()
        for inc in incrementers:
            names = sorted(inc.acked)
            values = [int(v or 0) for v in c.mget(names)]
            for name, value in zip(names, values):
                acked = inc.acked[name]
                if exact or name != inc.in_flight:
                    self.assertEqual(value, acked, f"{name}: {value} after {acked} acked INCRs")
                else:  # the INCR in flight at the kill may have been logged
                    self.assertIn(value, (acked, acked + 1), name)

    def check_directory_matches_manifest(self, killed_pid=None):
        """The AOF directory holds the manifest and the files it names, nothing else but (after
        a kill in the middle of a rewrite) the killed process's temp file, which nothing
        deletes (as Redis leaves its temp-rewriteaof-bg-<pid>.aof behind)."""
        files = manifest_files(self.workdir)
        self.assertEqual(len([f for f in files if f[1] == "b"]), 1, files)
        self.assertEqual([f for f in files if f[1] not in ("b", "i")], [], files)
        incrs = [f for f in files if f[1] == "i"]
        self.assertGreaterEqual(len(incrs), 1, files)
        on_disk = set(os.listdir(os.path.join(self.workdir, "appendonlydir")))
        if killed_pid is not None and f"temp-rewriteaof-bg-{killed_pid}.aof" in on_disk:
            print("  the killed server's temp rewrite file is left behind", file=sys.stderr)
            on_disk.discard(f"temp-rewriteaof-bg-{killed_pid}.aof")
        self.assertEqual(on_disk, {name for name, _ in files} | {"appendonly.aof.manifest"})

    def test_counters_survive_rewrites_clean_restart_and_kill(self):
        # Phase 1: everysec, manual and automatic rewrites under load, then a clean restart.
        server = self.start("everysec")
        try:
            bulk = server.client()
            for start in range(0, BULK_KEYS, 1000):
                bulk.mset({f"bulk:{i}": "b" * 50 for i in range(start, start + 1000)})
            incs = [Incrementer(server.port, n, {name: 0 for name in counter_names(n)})
                    for n in range(CLIENTS)]

            def total_incrs():
                return sum(sum(i.acked.values()) for i in incs)

            def auto_rewrites():
                return server.log().count("Starting automatic rewriting of AOF")

            self.rewrite_repeatedly(server, REWRITES_PER_PHASE)

            def enough():
                for inc in incs:
                    if inc.error:
                        raise inc.error
                return auto_rewrites() >= AUTO_REWRITES and total_incrs() >= MIN_INCRS
            lib.wait_until(enough, timeout=2 * lib.IO_TIMEOUT,
                           what=f"{AUTO_REWRITES} automatic rewrites and {MIN_INCRS} INCRs")
            for inc in incs:
                inc.join()
            rewrites = persistence_info(server)["aof_rewrites"]
            print(f"  phase 1: {total_incrs()} INCRs, {rewrites} rewrites "
                  f"({auto_rewrites()} automatic)", file=sys.stderr)
            wait_rewrites_idle(server)
            self.check_directory_matches_manifest()
            server.stop_and_check()

            server = self.start("everysec")
            self.check_counters(server, incs, exact=True)
            self.assertEqual(bulk_keys_intact(server), BULK_KEYS)
            self.check_directory_matches_manifest()
            server.stop_and_check()

            # Phase 2: appendfsync always, rewrites under load, SIGKILL at a random moment
            # (often in the middle of a rewrite).
            server = self.start("always")
            incs = [Incrementer(server.port, n, inc.acked) for n, inc in enumerate(incs)]
            self.rewrite_repeatedly(server, 2)
            self.request_rewrite(server)
            time.sleep(self.rng.uniform(0.0, 0.3))
            killed_pid = server.proc.pid
            server.kill()
            for inc in incs:
                inc.join()
            total = sum(sum(i.acked.values()) for i in incs)
            print(f"  phase 2: {total} INCRs acknowledged before the kill", file=sys.stderr)

            server = self.start("always")
            self.check_counters(server, incs, exact=False)
            self.assertEqual(bulk_keys_intact(server), BULK_KEYS)
            # A rewrite after the restart leaves one base and one incr file, nothing else.
            self.rewrite_repeatedly(server, 1)
            wait_rewrites_idle(server)
            self.check_directory_matches_manifest(killed_pid)
            self.assertEqual(len(manifest_files(self.workdir)), 2)
            server.stop_and_check()
            shutil.rmtree(self.workdir)
        finally:
            server.kill()


if __name__ == "__main__":
    lib.main()
