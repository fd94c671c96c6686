"""dir and dbfilename, Redis 7's protected parameters, against redis-server 7.0.15 side by side.

By default CONFIG SET refuses them ("can't set protected config"): a client that could point
SAVE at another directory and file name could write a snapshot over an authorized_keys or a
cron file. With enable-protected-configs yes they change, and a dir that cannot be entered is
refused with the system's reason, as Redis's chdir() is. CONFIG GET dir answers an absolute
path in both servers (backup tools read it to find the dump file).
"""

import os
import shutil
import tempfile

import basalt_testlib as lib


def exchange(port, commands):
    """Each command's raw reply, on one connection."""
    with lib.RawConnection(port) as c:
        return [c.command(*args) for args in commands]


class ProtectedConfigCase:
    server_args = ()

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="basalt-it-protected-")
        self.redis = lib.RedisProcess(self.workdir, args=self.server_args).start()
        self.basalt = lib.ServerProcess(args=self.server_args).start()

    def tearDown(self):
        self.redis.stop()
        self.basalt.stop_and_check()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def assertSameReplies(self, commands):
        ours = exchange(self.basalt.port, commands)
        theirs = exchange(self.redis.port, commands)
        for command, mine, reference in zip(commands, ours, theirs):
            self.assertEqual(mine, reference, f"{command}")
        return ours


class DefaultServerTest(ProtectedConfigCase, lib.unittest.TestCase):
    def test_protected_parameters_are_refused(self):
        replies = self.assertSameReplies([
            ("CONFIG", "SET", "dir", self.workdir),
            ("CONFIG", "SET", "DBFILENAME", "authorized_keys"),
            ("CONFIG", "SET", "hz", "20", "dir", "/tmp"),
            ("CONFIG", "GET", "hz"),
            ("CONFIG", "SET", "enable-protected-configs", "yes"),
            ("CONFIG", "GET", "enable-protected-configs"),
            ("CONFIG", "GET", "dbfilename"),
        ])
        self.assertEqual(replies[0], b"-ERR CONFIG SET failed (possibly related to argument "
                                     b"'dir') - can't set protected config\r\n")

    def test_config_get_dir_is_absolute(self):
        (reply,) = exchange(self.basalt.port, [("CONFIG", "GET", "dir")])
        dir_value = lib.parse_commands(reply)[0][1].decode()
        self.assertTrue(os.path.isabs(dir_value), dir_value)
        self.assertTrue(os.path.isdir(dir_value), dir_value)
        self.assertFalse(dir_value.endswith("/") and dir_value != "/", dir_value)


class AllowedServerTest(ProtectedConfigCase, lib.unittest.TestCase):
    server_args = ("--enable-protected-configs", "yes")

    def test_changes_are_validated_as_redis_does(self):
        a_file = os.path.join(self.workdir, "plain-file")
        with open(a_file, "w") as f:
            f.write("x")
        self.assertSameReplies([
            ("CONFIG", "SET", "dir", os.path.join(self.workdir, "missing")),
            ("CONFIG", "SET", "dir", a_file),
            ("CONFIG", "SET", "dbfilename", "sub/dump.rdb"),
            ("CONFIG", "SET", "dbfilename", "moved.rdb"),
            ("CONFIG", "GET", "dbfilename"),
        ])

    def test_save_writes_where_dir_and_dbfilename_now_point(self):
        target = os.path.join(self.workdir, "basalt-target")
        os.mkdir(target)
        replies = exchange(self.basalt.port, [
            ("CONFIG", "SET", "dir", target, "dbfilename", "moved.rdb"),
            ("SET", "k", "v"),
            ("SAVE",),
            ("CONFIG", "GET", "dir"),
        ])
        self.assertEqual(replies[:3], [b"+OK\r\n", b"+OK\r\n", b"+OK\r\n"])
        self.assertEqual(lib.parse_commands(replies[3])[0][1].decode(), target)
        self.assertTrue(os.path.exists(os.path.join(target, "moved.rdb")))


if __name__ == "__main__":
    lib.main()
