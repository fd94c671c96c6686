"""The fault injector itself (tools/fault_inject.cc, preloaded): each mode does what its
documentation says, in a small Python child doing file calls, and it reaches the servers'
files: redis-server's AOF writes and RDB fsync (not its RDB fwrite, which libc does inside
itself), basalt-server's AOF writer thread. Also the tmpfs helper: a disk that really fills."""

import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import basalt_testlib as lib

# Runs the file calls named in argv[1] (JSON list of [action, args...]) in order and prints
# one result per call: ["ok", value] or ["err", "ENOSPC"]. Files are opened on first use
# (os.open does not go through the injector) and stay open.
CHILD = r"""
import errno, json, os, sys
fds = {}
def fd(path):
    if path not in fds:
        fds[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    return fds[path]
def run(name, *args):
    if name == "write": return os.write(fd(args[0]), b"x" * args[1])
    if name == "pwrite": return os.pwrite(fd(args[0]), b"x" * args[1], 0)
    if name == "writev": return os.writev(fd(args[0]), [b"x" * n for n in args[1]])
    if name == "pwritev": return os.pwritev(fd(args[0]), [b"x" * n for n in args[1]], 0)
    if name == "fsync": return os.fsync(fd(args[0]))
    if name == "fdatasync": return os.fdatasync(fd(args[0]))
    if name == "dirsync":
        d = os.open(args[0], os.O_RDONLY)
        try: return os.fsync(d)
        finally: os.close(d)
    if name == "rename": return os.rename(args[0], args[1])
    if name == "ftruncate": return os.ftruncate(fd(args[0]), args[1])
    if name == "read": return len(os.pread(fd(args[0]), args[1], 0))
    if name == "touch": return os.close(os.open(args[0], os.O_WRONLY | os.O_CREAT, 0o644))
    if name == "unlink": return os.unlink(args[0])
    if name == "chdir": return os.chdir(args[0])
    raise ValueError(name)
results = []
for action in json.loads(sys.argv[1]):
    try:
        results.append(["ok", run(*action)])
    except OSError as e:
        results.append(["err", errno.errorcode[e.errno]])
sys.stdout.write(json.dumps(results))
"""

OK = ["ok", None]


def ok(value=None):
    return ["ok", value]


def err(name):
    return ["err", name]


class InjectorTestCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="basalt-it-fault-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.log = self.path("fault.log")

    def path(self, name):
        return os.path.join(self.dir, name)

    def child(self, env, actions):
        cmd = [sys.executable, "-I", "-B", "-c", CHILD, json.dumps(actions)]
        return subprocess.Popen(cmd, env=dict(os.environ, **env), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def run_child(self, env, actions):
        proc = self.child(env, actions)
        out, errors = proc.communicate(timeout=lib.IO_TIMEOUT)
        self.assertEqual(proc.returncode, 0, errors)
        return json.loads(out)

    def faults(self, kind="fail"):
        return lib.injected_faults(self.log, kind)


class FaultModesTest(InjectorTestCase):
    def test_loaded_but_unconfigured_changes_nothing(self):
        a = self.path("a")
        results = self.run_child(lib.slow_disk_env(0), [
            ["write", a, 3], ["pwritev", a, [1, 2]], ["fsync", a], ["ftruncate", a, 1],
            ["rename", a, self.path("b")]])
        self.assertEqual(results, [ok(3), ok(3), OK, OK, OK])

    def test_write_family_fails_on_matching_files_only(self):
        a, b = self.path("match-a"), self.path("other-b")
        env = lib.fault_env("write", "ENOSPC", match="match-", log_file=self.log)
        results = self.run_child(env, [
            ["write", a, 3], ["pwrite", a, 3], ["writev", a, [1, 2]], ["pwritev", a, [1]],
            ["write", b, 3], ["fsync", a], ["read", a, 1]])
        self.assertEqual(results, [err("ENOSPC")] * 4 + [ok(3), OK, ok(0)])
        fails = self.faults()
        self.assertEqual(len(fails), 4, fails)
        functions = [line.split(" ")[3] for line in fails]
        self.assertEqual(functions[0], "write")
        self.assertTrue(functions[1].startswith("pwrite"), functions)
        self.assertEqual(functions[2], "writev")
        self.assertTrue(functions[3].startswith("pwritev"), functions)
        self.assertIn(f"path={a} errno=ENOSPC call=1", fails[0])
        self.assertEqual(os.path.getsize(a), 0)

    def test_fsync_covers_fdatasync_and_a_trailing_slash_spares_the_directory(self):
        sub = self.path("sub")
        os.mkdir(sub)
        f = os.path.join(sub, "f")
        env = lib.fault_env("fsync", "EIO", match="sub/", log_file=self.log)
        results = self.run_child(env, [["write", f, 1], ["fsync", f], ["fdatasync", f],
                                       ["dirsync", sub]])
        self.assertEqual(results, [ok(1), err("EIO"), err("EIO"), OK])
        env = lib.fault_env("fsync", "EIO", match="sub", log_file=self.log)
        self.assertEqual(self.run_child(env, [["dirsync", sub]]), [err("EIO")])

    def test_rename_matches_either_path_made_absolute(self):
        os.mkdir(self.path("d"))
        with open(self.path("d/x"), "w"), open(self.path("y"), "w"):
            pass
        env = lib.fault_env("rename", "EROFS", match=self.path("d/target"), log_file=self.log)
        results = self.run_child(env, [
            ["chdir", self.path("d")], ["rename", "x", "target"],  # relative: resolved
            ["rename", self.path("y"), self.path("d/target")],
            ["rename", "x", "elsewhere"]])
        self.assertEqual(results, [OK, err("EROFS"), err("EROFS"), OK])
        self.assertIn(f"from={self.path('d/x')} to={self.path('d/target')}", self.faults()[0])

    def test_ftruncate_and_read(self):
        a = self.path("a")
        # EDQUOT by number; matching only a: the child's own imports read too.
        env = lib.fault_env("ftruncate,read", 122, match=a, log_file=self.log)
        self.assertEqual(self.run_child(env, [["write", a, 4], ["ftruncate", a, 1],
                                              ["read", a, 4]]),
                         [ok(4), err("EDQUOT"), err("EDQUOT")])

    def test_on_call_and_count_pick_a_window_of_calls(self):
        a = self.path("a")
        env = lib.fault_env(["write", "fsync"], "EIO", on_call=3, count=2, log_file=self.log)
        results = self.run_child(env, [["write", a, 1], ["fsync", a], ["write", a, 1],
                                       ["fsync", a], ["write", a, 1], ["fsync", a]])
        self.assertEqual(results, [ok(1), OK, err("EIO"), err("EIO"), ok(1), OK])
        self.assertEqual([line.split("call=")[1] for line in self.faults()], ["3", "4"])

    def test_without_count_every_call_from_on_call_on_fails(self):
        a = self.path("a")
        env = lib.fault_env("write", "EIO", on_call=2)
        self.assertEqual(self.run_child(env, [["write", a, 1]] * 4),
                         [ok(1)] + [err("EIO")] * 3)

    def test_after_bytes_is_a_full_disk(self):
        a, b, other = self.path("data-a"), self.path("data-b"), self.path("other")
        env = lib.fault_env("write,fsync", "ENOSPC", match="data-", after_bytes=10,
                            log_file=self.log)
        results = self.run_child(env, [
            ["write", a, 4], ["write", b, 4], ["fsync", a], ["writev", a, [1, 2, 3]],
            ["write", b, 1], ["fsync", b], ["write", other, 5]])
        # 4 + 4 in (the budget counts all matching files), then a write of 6 is cut to 2.
        self.assertEqual(results, [ok(4), ok(4), OK, ok(2), err("ENOSPC"), err("ENOSPC"),
                                   ok(5)])
        self.assertEqual(os.path.getsize(a), 6)
        self.assertEqual(len(self.faults("short")), 1)
        self.assertIn("short writev", self.faults("short")[0])
        self.assertIn("wrote=2 of=6", self.faults("short")[0])
        self.assertEqual(len(self.faults()), 2)

    def test_after_bytes_with_count_one_is_a_transient_full_disk(self):
        a = self.path("a")
        env = lib.fault_env("write", "ENOSPC", after_bytes=3, count=1)
        self.assertEqual(self.run_child(env, [["write", a, 5], ["write", a, 5], ["write", a, 5]]),
                         [ok(3), err("ENOSPC"), ok(5)])

    def test_control_file_arms_lifts_and_rearms_with_fresh_counters(self):
        a, control = self.path("a"), self.path("armed")
        env = lib.fault_env("write", "ENOSPC", match=a, after_bytes=4, control_file=control,
                            log_file=self.log)
        results = self.run_child(env, [
            ["write", a, 9],                       # not armed: passes, not counted
            ["touch", control], ["write", a, 3], ["write", a, 3], ["write", a, 1],
            ["unlink", control], ["write", a, 5],  # lifted
            ["touch", control], ["write", a, 4], ["write", a, 1]])  # a new period: 4 again
        self.assertEqual(results, [ok(9), OK, ok(3), ok(1), err("ENOSPC"), OK, ok(5), OK,
                                   ok(4), err("ENOSPC")])
        self.assertEqual(len(self.faults()), 2)

    def test_control_file_with_on_call_counts_calls_of_the_period(self):
        a, control = self.path("a"), self.path("armed")
        env = lib.fault_env("write", "EIO", on_call=2, count=1, control_file=control)
        results = self.run_child(env, [
            ["touch", control], ["write", a, 1], ["write", a, 1], ["write", a, 1],
            ["unlink", control], ["touch", control], ["write", a, 1], ["write", a, 1]])
        self.assertEqual(results, [OK, ok(1), err("EIO"), ok(1), OK, OK, ok(1), err("EIO")])

    def test_sockets_and_pipes_never_match(self):
        # No match text: every regular file fails, but the child's stdout (a pipe) still works.
        env = lib.fault_env("write", "EIO")
        self.assertEqual(self.run_child(env, [["write", self.path("a"), 1]]), [err("EIO")])

    def test_configuration_mistakes_stop_the_process(self):
        for extra in ({"BASALT_FAULT_OPS": "wirte"}, {"BASALT_FAULT_ERRNO": "ENOPE"},
                      {"BASALT_FAULT_AFTER_BYTES": "1", "BASALT_FAULT_ON_CALL": "1"}):
            env = dict(lib.fault_env("write"), **extra)
            proc = subprocess.run(["/bin/true"], env=dict(os.environ, **env),
                                  capture_output=True, text=True, timeout=lib.IO_TIMEOUT)
            self.assertNotEqual(proc.returncode, 0, extra)
            self.assertIn("fault_inject:", proc.stderr)
        with self.assertRaises(ValueError):
            lib.fault_env("wirte")
        with self.assertRaises(ValueError):
            lib.fault_env("write", after_bytes=1, on_call=1)


class StallAndSlowFsyncTest(InjectorTestCase):
    def test_reads_wait_while_the_stall_file_exists(self):
        a, stall = self.path("a"), self.path("stall")
        with open(a, "wb") as f:
            f.write(b"abc")
        with open(stall, "w"):
            pass
        proc = self.child(lib.stall_env(stall, match=a, log_file=self.log), [["read", a, 10]])
        try:
            lib.wait_until(lambda: self.faults("stall"), what="the read to stall")
            self.assertIsNone(proc.poll(), "the read went on while the stall file existed")
            self.assertIn(" stall pread", self.faults("stall")[0])
            self.assertIn(f"path={a}", self.faults("stall")[0])
        finally:
            os.unlink(stall)
        out, errors = proc.communicate(timeout=lib.IO_TIMEOUT)
        self.assertEqual(json.loads(out), [ok(3)], errors)

    def test_slow_fsync_counts_matching_fsyncs(self):
        a, b, count = self.path("slow-a"), self.path("b"), self.path("count")
        env = lib.slow_disk_env(1, count_file=count, match="slow-")
        self.run_child(env, [["write", a, 1], ["fsync", a], ["fdatasync", a], ["fsync", b]])
        self.assertEqual(os.path.getsize(count), 2)

    def test_a_failed_fsync_is_neither_slowed_nor_counted(self):
        a, count = self.path("a"), self.path("count")
        env = {**lib.slow_disk_env(1, count_file=count),
               **lib.fault_env("fsync", "EIO", on_call=2, count=1)}
        results = self.run_child(env, [["fsync", a], ["fsync", a], ["fsync", a]])
        self.assertEqual(results, [OK, err("EIO"), OK])
        self.assertEqual(os.path.getsize(count), 2)


class ServersTest(InjectorTestCase):
    def test_redis_aof_writes_fail_and_recover_when_lifted(self):
        control = self.path("armed")
        env = lib.fault_env("write", "ENOSPC", match="appendonlydir/", control_file=control,
                            log_file=self.log)
        redis = lib.RedisProcess(self.dir, ["--appendonly", "yes"], env=env).start()
        try:
            c = redis.client()
            self.assertTrue(c.set("k", "1"))
            with open(control, "w"):
                pass
            c.set("k", "2")  # accepted; its AOF write fails afterwards
            lib.wait_until(lambda: c.info("persistence")["aof_last_write_status"] == "err",
                           what="redis to see the AOF write error")
            self.assertIn("appendonly.aof.1.incr.aof errno=ENOSPC", self.faults()[0])
            os.unlink(control)
            lib.wait_until(lambda: c.info("persistence")["aof_last_write_status"] == "ok",
                           what="redis to write its AOF again")
        finally:
            redis.stop()

    def test_redis_rdb_fwrite_is_out_of_reach_but_its_fsync_is_not(self):
        redis = lib.RedisProcess(self.dir, env=lib.fault_env(
            "write", "EIO", match="temp-", log_file=self.log)).start()
        try:
            self.assertTrue(redis.client().save())  # fwrite: libc's internal write
            self.assertEqual(self.faults(), [])
        finally:
            redis.stop()
        redis = lib.RedisProcess(self.dir, env=lib.fault_env(
            "fsync", "EIO", match="temp-", log_file=self.log)).start()
        try:
            with self.assertRaises(Exception):
                redis.client().save()
            self.assertIn("fail fsync", self.faults()[0])
        finally:
            redis.stop()

    def test_basalt_aof_writer_thread_is_reached(self):
        control = self.path("armed")
        env = lib.fault_env("write", "EIO", match="appendonlydir/", control_file=control,
                            count=1, log_file=self.log)
        server = lib.ServerProcess(["--appendonly", "yes"], workdir=self.dir, env=env).start()
        try:
            with open(control, "w"):
                pass
            with server.raw() as c:
                c.send(lib.encode_command("SET", "k", "v"))
                lib.wait_until(self.faults, what="a fault injected into basalt's AOF write")
            self.assertRegex(self.faults()[0], r" fail writev? fd=\d+ path=\S*appendonlydir/")
        finally:
            server.kill()


class TmpfsTest(unittest.TestCase):
    def test_a_small_tmpfs_fills_up(self):
        with lib.tmpfs(64 * 1024) as mountpoint:
            path = os.path.join(mountpoint, "fill")
            written = 0
            with self.assertRaises(OSError) as raised:
                with open(path, "wb", buffering=0) as f:
                    while written < 1024 * 1024:
                        written += f.write(b"x" * 4096)
            self.assertEqual(raised.exception.errno, errno.ENOSPC)
            self.assertLessEqual(written, 64 * 1024)
        self.assertFalse(os.path.exists(mountpoint))


if __name__ == "__main__":
    lib.main()
