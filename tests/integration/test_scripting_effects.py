"""What a script's writes become outside the server: the AOF holds its effects (one MULTI/EXEC
block, never the EVAL) and a restart brings them back; a basalt replica and a redis-server
7.0.15 replica of a basalt primary apply them; MONITOR shows the EVAL, then its commands as
"lua"; an AOF that holds an EVAL (written by Redis 6 or older) is refused at start, not
silently skipped.
"""

import os
import shutil
import tempfile

import basalt_testlib as lib

SCRIPT = ("redis.call('set', KEYS[1], ARGV[1]) redis.call('incr', KEYS[1]) "
          "redis.call('select', 1) redis.call('set', KEYS[1], 'in db 1') "
          "return redis.call('get', KEYS[1])")


def bulk(data):
    return b"$%d\r\n%s\r\n" % (len(data), data)


def incr_bytes(workdir):
    aof_dir = os.path.join(workdir, "appendonlydir")
    incr = sorted(n for n in os.listdir(aof_dir) if ".incr." in n)
    with open(os.path.join(aof_dir, incr[-1]), "rb") as f:
        return f.read(), os.path.join(aof_dir, incr[-1])


class ScriptEffectsTest(lib.unittest.TestCase):

    def test_aof_holds_the_effects_and_a_restart_restores_them(self):
        workdir = tempfile.mkdtemp(prefix="basalt-it-script-aof-")
        self.addCleanup(shutil.rmtree, workdir, True)
        server = lib.ServerProcess(["--appendonly", "yes", "--appendfsync", "always"],
                                   workdir=workdir).start()
        self.addCleanup(server.kill)
        with server.raw() as c:
            self.assertEqual(c.command("EVAL", SCRIPT, "1", "k", "41"), bulk(b"in db 1"))
            self.assertEqual(c.command("GET", "k"), bulk(b"42"))  # the caller stays in db 0
            self.assertEqual(c.command("EVAL", "return redis.call('get', KEYS[1])", "1", "k"),
                             bulk(b"42"))
        server.stop_and_check()
        data, _ = incr_bytes(workdir)
        self.assertNotIn(b"EVAL", data.upper())
        words = [w.upper() for w in data.split(b"\r\n")
                 if w.upper() in (b"MULTI", b"EXEC", b"SET", b"INCR", b"SELECT", b"GET")]
        # The file's first SELECT (db 0), then the script's unit.
        self.assertEqual(words, [b"SELECT", b"MULTI", b"SET", b"INCR", b"SELECT", b"SET",
                                 b"EXEC"])
        server = lib.ServerProcess(["--appendonly", "yes"], workdir=workdir).start()
        self.addCleanup(server.kill)
        with server.raw() as c:
            self.assertEqual(c.command("GET", "k"), bulk(b"42"))
            c.command("SELECT", "1")
            self.assertEqual(c.command("GET", "k"), bulk(b"in db 1"))
        server.stop_and_check()

    def test_an_aof_holding_an_eval_is_refused_at_start(self):
        workdir = tempfile.mkdtemp(prefix="basalt-it-script-old-aof-")
        self.addCleanup(shutil.rmtree, workdir, True)
        server = lib.ServerProcess(["--appendonly", "yes"], workdir=workdir).start()
        with server.raw() as c:
            c.command("SET", "a", "1")
        server.stop_and_check()
        _, path = incr_bytes(workdir)
        with open(path, "ab") as f:
            f.write(lib.encode_command("EVAL", "redis.call('set','b','2')", "0"))
        rc, output = lib.run_server_until_exit(["--bind", "127.0.0.1", "--port", "0", "--dir",
                                                workdir, "--save", "", "--appendonly", "yes"])
        self.assertNotEqual(rc, 0, output)
        self.assertIn("scripts are not replayed", output)

    def test_replicas_apply_the_effects(self):
        primary = lib.ServerProcess(["--repl-diskless-sync-delay", "0"]).start()
        self.addCleanup(primary.stop_and_check)
        replica = lib.ServerProcess().start()
        self.addCleanup(replica.stop_and_check)
        redis_dir = tempfile.mkdtemp(prefix="basalt-it-script-redis-")
        self.addCleanup(shutil.rmtree, redis_dir, True)
        redis = lib.RedisProcess(redis_dir).start()
        self.addCleanup(redis.stop)
        for follower in (replica.port, redis.port):
            with lib.RawConnection(follower) as r:
                r.command("REPLICAOF", "127.0.0.1", str(primary.port))
        with primary.raw() as c:
            c.command("EVAL", SCRIPT, "1", "k", "41")
            c.command("EVAL", "redis.call('del', KEYS[1]) return redis.call('set', 'marker', "
                      "'done')", "1", "gone")
        for port in (replica.port, redis.port):
            def synced(port=port):
                with lib.RawConnection(port) as r:
                    return r.command("GET", "marker") == bulk(b"done")
            lib.wait_until(synced, timeout=30, what="a replica to catch up")
            with lib.RawConnection(port) as r:
                self.assertEqual(r.command("GET", "k"), bulk(b"42"))
                r.command("SELECT", "1")
                self.assertEqual(r.command("GET", "k"), bulk(b"in db 1"))

    def test_monitor_shows_the_eval_then_its_commands(self):
        server = lib.ServerProcess().start()
        self.addCleanup(server.stop_and_check)
        with server.raw() as monitor, server.raw() as c:
            self.assertEqual(monitor.command("MONITOR"), b"+OK\r\n")
            c.command("EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "k")
            lines = [monitor.read_reply() for _ in range(2)]
        self.assertIn(b'"EVAL" "return redis.call(\'set\', KEYS[1], \'v\')" "1" "k"', lines[0])
        self.assertIn(b'[0 lua] "set" "k" "v"', lines[1])


if __name__ == "__main__":
    lib.main()
