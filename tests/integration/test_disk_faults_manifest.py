"""The AOF manifest on a failing disk: at a rewrite's start (the new incr file was made but the
manifest naming it could not be persisted), at its commit (the new base is in place but the
manifest is not), when the history is dropped, and at the first start. The manifest on disk
must always name a complete dataset, the writer must stay in a file every possible manifest
names, and a kill + restart must load every acknowledged write, exactly once (INCR counts).

Failures come from the fault injector (tools/fault_inject.cc): the manifest's write, fsync or
rename ("manifest" matches its temp file), or the AOF directory's fsync, picked by its place in
the sequence of fsyncs (appendfsync no keeps the writer out of it; the fault log confirms the
directory was hit). A failed directory fsync after the rename is the subtle case: the new
manifest is visible but a crash may still undo it, so both must stay complete.

redis-server 7.0.15, same faults: at the start of BGREWRITEAOF it answers the error below, leaves
the new (empty) incr file and its temp manifest behind, and does not count the failure; at the
commit it deletes the new base, even when only the directory fsync failed and the visible
manifest names it (it then fails to start: "Unable to obtain the AOF file ... length"); at the
first start it exits 1 ("Can't open or create append-only dir ...", "Error trying to rename the
temporary AOF manifest file ...", "Write error writing append only file on disk ...").
"""

import os
import shutil
import tempfile

import basalt_testlib as lib
from disk_faults_lib import DiskFaultCase, files, listed, manifest_lines, persistence, remount

REWRITE_REFUSED = (b"-ERR Can't execute an AOF background rewriting. Please check the server "
                   b"logs for more information.\r\n")
REWRITE_STARTED = b"+Background append only file rewriting started\r\n"
BASE1, INCR1 = "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof"
INCR2 = "appendonly.aof.2.incr.aof"


class ManifestFaultCase(DiskFaultCase):
    ARGS = ["--appendonly", "yes", "--auto-aof-rewrite-percentage", "0", "--appendfsync", "no"]

    def setUp(self):
        super().setUp()
        self.new_workdir()

    def new_workdir(self):
        # No "manifest" in the path: the injector matches on it.
        self.workdir = tempfile.mkdtemp(prefix="basalt-it-mfault-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.aofdir = os.path.join(self.workdir, "appendonlydir")
        self.control = os.path.join(self.workdir + "-arm")
        self.fault_log = os.path.join(self.workdir + "-faults.log")
        self.addCleanup(lambda path=self.control: os.path.exists(path) and os.unlink(path))
        self.addCleanup(lambda path=self.fault_log: os.path.exists(path) and os.unlink(path))

    def start(self, **fault):
        """A server on the workdir; with fault, the injector armed while self.control exists."""
        env = lib.fault_env(control_file=self.control, log_file=self.fault_log, **fault) \
            if fault else None
        return self.server(self.workdir, self.ARGS, env=env)

    def arm(self):
        open(self.control, "w").close()

    def disarm(self):
        os.unlink(self.control)

    def size(self, name):
        return os.path.getsize(os.path.join(self.aofdir, name))

    def restart(self, server, n):
        """Kills server, starts a fresh one on the files: a=1 and the counter n must be there."""
        server.kill()
        server = self.start()
        c = server.client()
        self.assertEqual(c.get("a"), b"1")
        self.assertEqual(c.get("n"), str(n).encode())
        return server

    def rewrite(self, server):
        rewrites = persistence(server)["aof_rewrites"]
        self.assertEqual(self.reply(server, "BGREWRITEAOF"), REWRITE_STARTED)
        lib.wait_until(lambda: persistence(server)["aof_rewrites"] > rewrites,
                       what="the rewrite to commit")

    def heal_and_check(self, server, counter):
        """Lifts the fault; after a restart (counter as left), a rewrite that commits and one
        more INCR, a second restart finds everything and a clean directory."""
        self.disarm()
        server = self.restart(server, counter)
        self.rewrite(server)
        self.assertEqual(server.client().incr("n"), counter + 1)
        self.restart(server, counter + 1)
        self.assertClean()

    def assertClean(self):
        """One base, one incr file, no history, nothing else in the directory."""
        lines = manifest_lines(self.workdir)
        self.assertEqual([words[5] for words in lines], ["b", "i"])
        self.assertEqual(files(self.aofdir), {words[1] for words in lines} |
                         {"appendonly.aof.manifest"})

    def assertDirectoryFsyncFailed(self):
        faults = lib.injected_faults(self.fault_log)
        self.assertEqual(len(faults), 1, faults)
        self.assertTrue(faults[0].split(" path=")[1].startswith(self.aofdir + " "),
                        "the injected failure missed the directory's fsync (the sequence of "
                        f"fsyncs changed?): {faults[0]}")


class RewriteStartTest(ManifestFaultCase):
    def test_a_manifest_that_cannot_be_written_leaves_the_writer_in_its_incr_file(self):
        for op, errno_name in (("rename", "EIO"), ("fsync", "EIO"), ("write", "ENOSPC")):
            with self.subTest(op=op):
                self.new_workdir()
                server = self.start(ops=op, errno_name=errno_name, match="manifest")
                c = server.client()
                c.set("a", "1")
                c.incr("n")
                manifest = lib.read_text(os.path.join(self.aofdir, "appendonly.aof.manifest"))
                self.arm()
                self.assertEqual(self.reply(server, "BGREWRITEAOF"), REWRITE_REFUSED)
                info = persistence(server)
                self.assertEqual(info["aof_last_bgrewrite_status"], "err")
                # Counted (Redis does not): an automatic rewrite backs off from it too.
                self.assertEqual(info["aof_rewrites_consecutive_failures"], 1)
                self.assertEqual(
                    lib.read_text(os.path.join(self.aofdir, "appendonly.aof.manifest")), manifest)
                # The new incr file was never used: gone, with the manifest's temp file.
                self.assertEqual(files(self.aofdir), {BASE1, INCR1, "appendonly.aof.manifest"})
                size = self.size(INCR1)
                self.assertEqual(c.incr("n"), 2)
                self.assertGreater(self.size(INCR1), size)
                self.heal_and_check(server, 2)

    def test_a_manifest_in_place_despite_its_directory_fsync_keeps_the_new_file_unused(self):
        server = self.start(ops="fsync", match="appendonlydir", on_call=2, count=1)
        c = server.client()
        c.set("a", "1")
        c.incr("n")
        self.arm()
        self.assertEqual(self.reply(server, "BGREWRITEAOF"), REWRITE_REFUSED)
        self.assertDirectoryFsyncFailed()
        # The visible manifest names the new file, so it stays; a crash may bring back the
        # old manifest, so the writer stays in incr 1, which both name.
        self.assertEqual(listed(self.workdir, "i"), [INCR1, INCR2])
        self.assertEqual(c.incr("n"), 2)
        self.assertEqual(self.size(INCR2), 0)
        self.heal_and_check(server, 2)


class RewriteCommitTest(ManifestFaultCase):
    def test_a_manifest_that_cannot_be_written_keeps_the_old_one_and_drops_the_base(self):
        server = self.start(ops="rename", match="manifest", on_call=2, count=1)
        c = server.client()
        c.set("a", "1")
        c.incr("n")
        self.arm()
        self.assertEqual(self.reply(server, "BGREWRITEAOF"), REWRITE_STARTED)
        self.wait_rewrite_failures(server, 1)
        self.assertEqual(persistence(server)["aof_last_bgrewrite_status"], "err")
        # The manifest of the rewrite's start stays in force, its new incr file in use.
        self.assertEqual(listed(self.workdir, "b"), [BASE1])
        self.assertEqual(listed(self.workdir, "i"), [INCR1, INCR2])
        self.assertEqual(files(self.aofdir), {BASE1, INCR1, INCR2, "appendonly.aof.manifest"})
        self.assertEqual(c.incr("n"), 2)
        self.assertGreater(self.size(INCR2), 0)
        server = self.restart(server, 2)
        # Again in the new process, then a good rewrite: it never reuses the failed base's
        # number (a crash must never pair a manifest with a base written for another).
        self.disarm()
        server.kill()
        server = self.start(ops="rename", match="manifest", on_call=2, count=1)
        self.arm()
        self.assertEqual(self.reply(server, "BGREWRITEAOF"), REWRITE_STARTED)
        self.wait_rewrite_failures(server, 1)
        failed_base = "appendonly.aof.2.base.rdb"
        self.assertNotIn(failed_base, files(self.aofdir))
        self.disarm()
        self.rewrite(server)
        self.assertEqual(listed(self.workdir, "b"), ["appendonly.aof.3.base.rdb"])
        self.assertEqual(server.client().incr("n"), 3)
        self.restart(server, 3)
        self.assertClean()

    def test_a_manifest_in_place_despite_its_directory_fsync_keeps_every_file(self):
        server = self.start()
        c = server.client()
        c.set("a", "1")
        c.incr("n")
        # Restarted, with nothing written since: the writer has nothing to fsync at the
        # switch, so the commit's directory fsync is the 6th (manifest, directory; base,
        # directory; manifest, directory).
        server.kill()
        server = self.start(ops="fsync", match="appendonlydir", on_call=6, count=1)
        self.arm()
        self.assertEqual(self.reply(server, "BGREWRITEAOF"), REWRITE_STARTED)
        self.wait_rewrite_failures(server, 1)
        self.assertDirectoryFsyncFailed()
        # Visible: the new manifest. A crash may bring back the old one: both stay complete.
        self.assertEqual(listed(self.workdir, "b"), ["appendonly.aof.2.base.rdb"])
        self.assertTrue({BASE1, INCR1, "appendonly.aof.2.base.rdb", INCR2} <=
                        files(self.aofdir))
        self.assertEqual(server.client().incr("n"), 2)
        self.disarm()
        server = self.restart(server, 2)
        self.assertClean()  # the restart dropped the history once its manifest was durable
        server.stop_and_check()


class HistoryTest(ManifestFaultCase):
    def test_a_manifest_still_listing_the_history_loads_as_history(self):
        server = self.start(ops="rename", match="manifest", on_call=3, count=1)
        c = server.client()
        c.set("a", "1")
        c.incr("n")
        self.arm()
        self.rewrite(server)
        self.assertEqual(persistence(server)["aof_last_bgrewrite_status"], "ok")
        # The old files are deleted, the manifest still lists them: as history, never as a
        # second base or as incr files to replay over the new base.
        self.assertEqual([words[5] for words in manifest_lines(self.workdir)],
                         ["b", "h", "h", "i"])
        self.assertNotIn(BASE1, files(self.aofdir))
        self.assertEqual(c.incr("n"), 2)
        self.disarm()
        server = self.restart(server, 2)
        self.assertClean()
        server.stop_and_check()


class FirstStartTest(ManifestFaultCase):
    def refused(self, workdir, env=None):
        rc, output = lib.run_server_until_exit(
            ["--bind", "127.0.0.1", "--port", "0", "--dir", workdir, "--save", "",
             "--appendonly", "yes", "--appendfsync", "no"], env=env)
        self.assertNotEqual(rc, 0, output)
        self.assertIn("Can't open the append only file: ", output)
        return output

    def check_starts_afterwards(self):
        server = self.start()
        server.client().set("a", "1")
        server.client().incr("n")
        self.restart(server, 1).stop_and_check()

    def test_a_manifest_that_cannot_be_written_fails_the_start_and_leaves_nothing(self):
        self.refused(self.workdir, lib.fault_env("rename", "EIO", match="manifest"))
        self.assertEqual(files(self.workdir), set())
        self.check_starts_afterwards()

    def test_a_manifest_in_place_despite_its_directory_fsync_keeps_its_files(self):
        # The base's fsync and directory fsync, then the manifest's: the 4th is the directory.
        self.refused(self.workdir, lib.fault_env("fsync", "EIO", match="appendonlydir",
                                                 on_call=4, count=1, log_file=self.fault_log))
        self.assertDirectoryFsyncFailed()
        self.assertEqual(files(self.aofdir), {BASE1, INCR1, "appendonly.aof.manifest"})
        self.check_starts_afterwards()

    def test_a_read_only_directory_fails_the_start(self):
        with lib.tmpfs("1m") as disk:
            remount(disk, "ro")
            try:
                self.assertIn("Read-only file system", self.refused(disk))
            finally:
                remount(disk, "rw")

    def test_a_full_disk_fails_the_start(self):
        with lib.tmpfs("1m") as disk:
            filler = os.path.join(disk, "filler")
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                while os.write(fd, b"x" * 4096):
                    pass
            except OSError:
                pass
            finally:
                os.close(fd)
            self.assertIn("No space left on device", self.refused(disk))
            self.assertFalse([f for f in files(disk) if f.startswith("appendonlydir/")])
            os.unlink(filler)
            self.workdir, self.aofdir = disk, os.path.join(disk, "appendonlydir")
            self.check_starts_afterwards()


if __name__ == "__main__":
    lib.main()
