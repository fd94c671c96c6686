"""Helpers shared by the disk-fault tests (test_disk_faults_*.py): servers whose logs live
outside their full or read-only data directory, tmpfs remounts, the AOF directory as a restart
will read it, and waits on INFO persistence."""

import os
import shutil
import subprocess
import tempfile

import basalt_testlib as lib

MISCONF_RDB = (b"-MISCONF Redis is configured to save RDB snapshots, but it's currently unable "
               b"to persist to disk. Commands that may modify the data set are disabled, because "
               b"this instance is configured to report errors during writes if RDB snapshotting "
               b"fails (stop-writes-on-bgsave-error option). Please check the Redis logs for "
               b"details about the RDB error.\r\n")
SHUTDOWN_REFUSED = b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
VALUE_SIZE = 100_000  # random bytes: RDB compression cannot shrink them


def remount(mountpoint, options):
    subprocess.run(["mount", "-o", "remount," + options, mountpoint], check=True,
                   capture_output=True, timeout=lib.IO_TIMEOUT)


def files(directory):
    """Every file under directory, as paths relative to it."""
    out = set()
    for root, _, names in os.walk(directory):
        for name in names:
            out.add(os.path.relpath(os.path.join(root, name), directory))
    return out


def blocks_held_by_removed_files(mountpoint):
    """Bytes a tmpfs has in use beyond what its files occupy: files removed but still open."""
    st = os.statvfs(mountpoint)
    used = (st.f_blocks - st.f_bfree) * st.f_frsize
    occupied = 0
    for root, _, names in os.walk(mountpoint):
        for name in names:
            occupied += os.lstat(os.path.join(root, name)).st_blocks * 512
    return used - occupied


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def manifest_lines(workdir):
    text = lib.read_text(os.path.join(workdir, "appendonlydir", "appendonly.aof.manifest"))
    return [line.split() for line in text.splitlines() if line.strip()]


def listed(workdir, kind):
    """The file names the manifest lists with type kind ("b", "i" or "h"), in order."""
    return [words[1] for words in manifest_lines(workdir) if words[5] == kind]


def persistence(server):
    return server.client().info("persistence")


class DiskFaultCase(lib.unittest.TestCase):
    """Servers whose logs live outside their (full or read-only) data directory."""

    def setUp(self):
        self.logdir = tempfile.mkdtemp(prefix="basalt-it-faultlogs-")
        self.addCleanup(shutil.rmtree, self.logdir, True)
        self.runs = 0

    def server(self, workdir, args, env=None):
        self.runs += 1
        log = os.path.join(self.logdir, f"server-{self.runs}.log")
        server = lib.ServerProcess(args, workdir=workdir, env=env, log_path=log)
        self.addCleanup(server.kill)
        return server.start()

    def fill(self, server, count, prefix="k"):
        """count keys of VALUE_SIZE random bytes; returns them as read_dataset shows them."""
        c = server.client()
        pipe = c.pipeline(transaction=False)
        values = {f"{prefix}{i}".encode(): os.urandom(VALUE_SIZE) for i in range(count)}
        for key, value in values.items():
            pipe.set(key, value)
        self.assertTrue(all(pipe.execute()))
        return {(0, key): (value, -1) for key, value in values.items()}

    def assertDataset(self, server, expected):
        self.assertEqual(lib.read_dataset(server.port, [0]), expected)

    def reply(self, server, *args):
        with server.raw() as c:
            return c.command(*args)

    def wait_bgsave(self, server, saves_before):
        """Waits for the BGSAVE started after rdb_saves was saves_before; its status."""
        def done():
            info = persistence(server)
            return info["rdb_bgsave_in_progress"] == 0 and info["rdb_saves"] > saves_before
        lib.wait_until(done, what="the BGSAVE to end")
        return persistence(server)["rdb_last_bgsave_status"]

    def wait_rewrite_failures(self, server, count):
        lib.wait_until(lambda: persistence(server)["aof_rewrites_consecutive_failures"] >= count
                       and persistence(server)["aof_rewrite_in_progress"] == 0,
                       what=f"{count} failed rewrites")
