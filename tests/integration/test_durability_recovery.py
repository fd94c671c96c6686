"""Startup with damaged files: a torn AOF tail is cut off (with a warning naming file and
offset) or refused, corruption anywhere else is refused with an error naming the file, and the
server never serves a partially loaded dataset."""

import os
import shutil
import sys
import tempfile

import basalt_testlib as lib

KEYS = 20
LAST_COMMAND = lib.encode_command("SET", "last", "L" * 40)


def aof_dir(workdir):
    return os.path.join(workdir, "appendonlydir")


def manifest_rows(workdir):
    with open(os.path.join(aof_dir(workdir), "appendonly.aof.manifest")) as f:
        return [line.split() for line in f if line.strip()]


def incr_path(workdir):
    """The last incr file the manifest names."""
    incrs = [row[1] for row in manifest_rows(workdir) if row[-1] == "i"]
    return os.path.join(aof_dir(workdir), incrs[-1])


def refuse_start(workdir, *extra):
    """Starts basalt on workdir expecting it to refuse; returns its output."""
    rc, output = lib.run_server_until_exit(["--bind", "127.0.0.1", "--port", "0", "--dir",
                                            workdir, "--save", "", *extra])
    assert rc != 0, "basalt started on damaged files; output:\n" + output
    assert "Fatal error loading the DB" in output, output
    return output


class RecoveryTest(lib.unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # One AOF (RDB-preamble base plus an incr file of commands) made by basalt itself.
        cls.template = tempfile.mkdtemp(prefix="basalt-it-recovery-")
        server = lib.ServerProcess(["--appendonly", "yes"], workdir=cls.template).start()
        with server.raw() as c:
            for i in range(KEYS):
                assert c.command("SET", f"key:{i}", f"value:{i}") == b"+OK\r\n"
            c.send(LAST_COMMAND)
            assert c.read_reply() == b"+OK\r\n"
        server.stop_and_check()
        os.unlink(server.log_path)
        with open(incr_path(cls.template), "rb") as f:
            cls.incr_bytes = f.read()
        assert cls.incr_bytes.endswith(LAST_COMMAND)
        # A dump.rdb of the same data, made by basalt.
        cls.rdb_template = tempfile.mkdtemp(prefix="basalt-it-recovery-rdb-")
        server = lib.ServerProcess(workdir=cls.rdb_template).start()
        server.client().mset({f"key:{i}": f"value:{i}" for i in range(KEYS)})
        with server.raw() as c:
            assert c.command("SAVE") == b"+OK\r\n"
        server.stop_and_check()
        os.unlink(server.log_path)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.template)
        shutil.rmtree(cls.rdb_template)

    def copy(self, template):
        workdir = tempfile.mkdtemp(prefix="basalt-it-recovery-case-")
        shutil.rmtree(workdir)
        shutil.copytree(template, workdir)
        self.addCleanup(shutil.rmtree, workdir, True)
        return workdir

    def assertAllKeysButLast(self, server):
        c = server.client()
        self.assertEqual(c.mget([f"key:{i}" for i in range(KEYS)]),
                         [f"value:{i}".encode() for i in range(KEYS)])
        self.assertIsNone(c.get("last"))

    # -- torn tail -------------------------------------------------------------------------

    def test_torn_last_command_is_cut_off_with_a_warning(self):
        start = len(self.incr_bytes) - len(LAST_COMMAND)
        for cut in (1, 5, len(LAST_COMMAND) // 2, len(LAST_COMMAND) - 2, len(LAST_COMMAND) - 1):
            with self.subTest(cut=cut):
                workdir = self.copy(self.template)
                path = incr_path(workdir)
                os.truncate(path, start + cut)
                server = lib.ServerProcess(["--appendonly", "yes"], workdir=workdir).start()
                try:
                    log = server.log()
                    self.assertIn("short read while loading the AOF file " + path, log)
                    self.assertIn(f"truncated at offset {start}", log)
                    self.assertAllKeysButLast(server)
                    # The file is cut at the last whole command, so new writes follow it.
                    self.assertEqual(os.path.getsize(path), start)
                    self.assertTrue(server.client().set("after", "torn"))
                    server.stop_and_check()
                    server = lib.ServerProcess(["--appendonly", "yes"], workdir=workdir,
                                               log_name="server-2.log").start()
                    self.assertAllKeysButLast(server)
                    self.assertEqual(server.client().get("after"), b"torn")
                    self.assertNotIn("short read", server.log())
                    server.stop_and_check()
                finally:
                    server.kill()

    def test_torn_tail_is_refused_with_aof_load_truncated_no(self):
        workdir = self.copy(self.template)
        path = incr_path(workdir)
        size = len(self.incr_bytes) - 7
        os.truncate(path, size)
        output = refuse_start(workdir, "--appendonly", "yes", "--aof-load-truncated", "no")
        self.assertIn(path, output)
        self.assertIn("unexpected end of file", output)
        self.assertEqual(os.path.getsize(path), size, "a refused start changed the file")

    def test_transaction_without_exec_at_the_end_is_reverted(self):
        # A crash after MULTI and some of its commands (as Redis logs them): none of them is
        # applied, and the file is cut back to where MULTI began, as Redis does.
        tail = (lib.encode_command("MULTI") + lib.encode_command("SET", "tx:a", "1") +
                lib.encode_command("DEL", "key:0"))
        complete = (lib.encode_command("MULTI") + lib.encode_command("SET", "tx:done", "1") +
                    lib.encode_command("EXEC"))
        for torn in (b"", lib.encode_command("EXEC")[:-3]):
            with self.subTest(torn=torn):
                workdir = self.copy(self.template)
                path = incr_path(workdir)
                with open(path, "ab") as f:
                    f.write(complete + tail + torn)
                start = len(self.incr_bytes) + len(complete)
                server = lib.ServerProcess(["--appendonly", "yes"], workdir=workdir).start()
                try:
                    self.assertIn(f"truncated at offset {start}", server.log())
                    c = server.client()
                    self.assertEqual(c.get("tx:done"), b"1")
                    self.assertIsNone(c.get("tx:a"))
                    self.assertEqual(c.get("key:0"), b"value:0")
                    self.assertEqual(os.path.getsize(path), start)
                    server.stop_and_check()
                finally:
                    server.kill()
                # Refused (and left alone) with aof-load-truncated no.
                workdir = self.copy(self.template)
                path = incr_path(workdir)
                with open(path, "ab") as f:
                    f.write(complete + tail + torn)
                output = refuse_start(workdir, "--appendonly", "yes", "--aof-load-truncated",
                                      "no")
                self.assertIn(path, output)
                self.assertEqual(os.path.getsize(path),
                                 len(self.incr_bytes) + len(complete + tail + torn))

    # -- corruption ------------------------------------------------------------------------

    def test_malformed_command_in_the_middle_of_the_aof_is_refused(self):
        # The '*' opening the 10th SET becomes a 'X'; the rest of the file is fine, so this is
        # no torn tail: aof-load-truncated (on by default) must not cut it off.
        offset = self.incr_bytes.index(lib.encode_command("SET", "key:10", "value:10"))
        for flipped in (b"X", b"*9"):
            with self.subTest(flipped=flipped):
                workdir = self.copy(self.template)
                path = incr_path(workdir)
                damaged = self.incr_bytes[:offset] + flipped + self.incr_bytes[offset + 1:]
                with open(path, "wb") as f:
                    f.write(damaged)
                output = refuse_start(workdir, "--appendonly", "yes")
                self.assertIn(path, output)
                self.assertIn("offset", output)
                if flipped == b"X":
                    self.assertIn(f"at offset {offset}", output)
                with open(path, "rb") as f:
                    self.assertEqual(f.read(), damaged, "a refused start changed the file")

    def test_aof_naming_a_missing_file_is_refused(self):
        workdir = self.copy(self.template)
        path = incr_path(workdir)
        os.unlink(path)
        self.assertIn(path, refuse_start(workdir, "--appendonly", "yes"))

    def test_rdb_with_a_bad_checksum_is_refused(self):
        workdir = self.copy(self.rdb_template)
        path = os.path.join(workdir, "dump.rdb")
        with open(path, "r+b") as f:
            f.seek(-3, os.SEEK_END)
            byte = f.read(1)
            f.seek(-3, os.SEEK_END)
            f.write(bytes([byte[0] ^ 0x01]))
        output = refuse_start(workdir)
        self.assertIn(path, output)
        self.assertIn("checksum", output)

    def test_rdb_with_an_unknown_opcode_is_refused(self):
        workdir = self.copy(self.rdb_template)
        path = os.path.join(workdir, "dump.rdb")
        # SELECTDB 0, then type byte 0x20 (no such type or opcode), EOF, zero checksum (not
        # checked, as for a file written with rdbchecksum no).
        with open(path, "wb") as f:
            f.write(b"REDIS0010\xfe\x00\x20\x01k\x01v\xff" + b"\0" * 8)
        output = refuse_start(workdir)
        self.assertIn(path, output)
        self.assertIn("unknown opcode 0x20", output)

    def test_redis_dump_with_a_zset_key_loads_it(self):
        # redis-server's ZADD myzset 1.5 m1 2 m2 (a listpack) comes back as it was, and
        # DUMP gives back the payload Redis would (the same listpack).
        workdir = tempfile.mkdtemp(prefix="basalt-it-recovery-zset-")
        self.addCleanup(shutil.rmtree, workdir, True)
        fixture = os.path.join(lib.REPO_ROOT, "tests", "data", "zset.rdb")
        shutil.copy(fixture, os.path.join(workdir, "dump.rdb"))
        server = lib.ServerProcess(workdir=workdir).start()
        try:
            c = server.client()
            self.assertEqual(c.type("myzset"), b"zset")
            self.assertEqual(c.object("encoding", "myzset"), b"listpack")
            self.assertEqual(c.get("str"), b"plain")
            server.stop_and_check()
        finally:
            server.kill()

    def test_a_load_that_fails_late_never_serves_the_keys_before_the_damage(self):
        # A big RDB cut off near its end: for the whole load, clients get -LOADING; then the
        # server exits. Nobody ever reads the keys loaded before the damage. The load is held
        # in its first read of dump.rdb (a stall file, see lib.stall_env) until a client has
        # seen -LOADING, so the test sees it however fast or slow the machine is.
        workdir = tempfile.mkdtemp(prefix="basalt-it-recovery-late-")
        self.addCleanup(shutil.rmtree, workdir, True)
        data = lib.rdb_string_file((b"key:%d" % i, b"value:%d" % i, None)
                                   for i in range(300000))
        with open(os.path.join(workdir, "dump.rdb"), "wb") as f:
            f.write(data[:len(data) * 9 // 10])
        stall_file = os.path.join(workdir, "hold-load")
        stall_log = os.path.join(workdir, "stalls.log")
        with open(stall_file, "w"):
            pass
        env = lib.stall_env(stall_file, ops="read", match="dump.rdb", log_file=stall_log)
        server = lib.ServerProcess(workdir=workdir, env=env)
        loading = b"-LOADING Redis is loading the dataset in memory\r\n"
        replies = set()
        try:
            server.start(accept_loading=True)
            lib.wait_until(lambda: lib.injected_faults(stall_log, "stall"),
                           what="the load to be held in a read of dump.rdb")
            with server.raw() as c:
                self.assertEqual(c.command("GET", "key:1"), loading)
                self.assertEqual(c.command("DBSIZE"), loading)
                os.unlink(stall_file)
                try:
                    while True:
                        replies.add(c.command("GET", "key:1"))
                        replies.add(c.command("DBSIZE"))
                except (ConnectionError, OSError):
                    pass  # the server exited
            self.assertNotEqual(server.wait_exit(), 0)
            self.assertIn("Fatal error loading the DB", server.log())
            self.assertIn("dump.rdb", server.log())
            self.assertLessEqual(replies, {loading})
            print(f"\n  replies seen once the doomed load went on: {replies or 'none'}",
                  file=sys.stderr)
        finally:
            if os.path.exists(stall_file):
                os.unlink(stall_file)
            server.kill()

    # -- manifest housekeeping -------------------------------------------------------------

    def test_history_files_named_by_the_manifest_are_deleted_at_start(self):
        # Redis 7 marks the files a rewrite replaced as history ('type h') before deleting
        # them; a crash in between leaves them listed, and the next start deletes them.
        workdir = self.copy(self.template)
        directory = aof_dir(workdir)
        rows = manifest_rows(workdir)
        stale = ["appendonly.aof.0.base.rdb", "appendonly.aof.0.incr.aof"]
        for name in stale:
            with open(os.path.join(directory, name), "wb") as f:
                f.write(b"stale")
        with open(os.path.join(directory, "appendonly.aof.manifest"), "w") as f:
            f.write(f"file {stale[0]} seq 1 type h\nfile {stale[1]} seq 1 type h\n")
            f.writelines(" ".join(r) + "\n" for r in rows)
        server = lib.ServerProcess(["--appendonly", "yes"], workdir=workdir).start()
        try:
            self.assertEqual(server.client().get("last"), b"L" * 40)
            for name in stale:
                lib.wait_until(lambda: not os.path.exists(os.path.join(directory, name)),
                               what=f"{name} to be deleted")
            self.assertEqual(manifest_rows(workdir), rows)
            server.stop_and_check()
        finally:
            server.kill()


if __name__ == "__main__":
    lib.main()
