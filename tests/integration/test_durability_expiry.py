"""Relative expiries are persisted as absolute deadlines: after a restart (from the AOF, from an
AOF rewritten into a base, or from an RDB) a key's deadline is the one it was given, not
restarted from the time of loading."""

import os
import shutil
import tempfile
import time

import basalt_testlib as lib

TTL_MS = 100000
# Every way to give a key a relative TTL, each on its own key.
RELATIVE_TTL_COMMANDS = [
    ("SET", "ttl-set-ex", "v", "EX", TTL_MS // 1000),
    ("SET", "ttl-set-px", "v", "PX", TTL_MS),
    ("SETEX", "ttl-setex", TTL_MS // 1000, "v"),
    ("PSETEX", "ttl-psetex", TTL_MS, "v"),
    ("SET", "ttl-expire", "v"), ("EXPIRE", "ttl-expire", TTL_MS // 1000),
    ("SET", "ttl-pexpire", "v"), ("PEXPIRE", "ttl-pexpire", TTL_MS),
    ("SET", "ttl-getex", "v"), ("GETEX", "ttl-getex", "PX", TTL_MS),
    ("SET", "ttl-kept", "5", "EX", TTL_MS // 1000), ("INCR", "ttl-kept"),  # INCR keeps the TTL
]
KEYS = ["ttl-set-ex", "ttl-set-px", "ttl-setex", "ttl-psetex", "ttl-expire", "ttl-pexpire",
        "ttl-getex", "ttl-kept"]
RELATIVE_WORDS = [b"\r\nEX\r\n", b"\r\nPX\r\n", b"\r\nSETEX\r\n", b"\r\nPSETEX\r\n",
                  b"\r\nEXPIRE\r\n", b"\r\nPEXPIRE\r\n"]
PAUSE = 1.5  # seconds between writing and restarting: a reset deadline would show


def deadlines(server):
    c = server.client()
    return {k: c.execute_command("PEXPIRETIME", k) for k in KEYS}


def logged_commands(server):
    """The current incr file of a server's AOF, upper-cased."""
    aof_dir = os.path.join(server.workdir, "appendonlydir")
    lib.wait_until(lambda: server.client().info("persistence")["aof_rewrite_in_progress"] == 0,
                   what="the initial AOF rewrite")
    with open(os.path.join(aof_dir, "appendonly.aof.manifest")) as f:
        incr = [line.split()[1] for line in f if line.split()[-1] == "i"][-1]
    with open(os.path.join(aof_dir, incr), "rb") as f:
        return f.read().upper()


class AbsoluteExpiryTest(lib.unittest.TestCase):
    def setUp(self):
        self.workdirs = []

    def tearDown(self):
        for d in self.workdirs:
            shutil.rmtree(d, ignore_errors=True)

    def start(self, args, workdir=None, log_name="server.log"):
        if workdir is None:
            workdir = tempfile.mkdtemp(prefix="basalt-it-expiry-")
            self.workdirs.append(workdir)
        return lib.ServerProcess(args, workdir=workdir, log_name=log_name).start()

    def write(self, server):
        with server.raw() as c:
            for cmd in RELATIVE_TTL_COMMANDS:
                reply = c.command(*cmd)
                self.assertFalse(reply.startswith(b"-"), (cmd, reply))
        before = deadlines(server)
        now_ms = int(time.time() * 1000)
        for k, deadline in before.items():
            self.assertGreater(deadline, now_ms + TTL_MS - 30000, k)
            self.assertLessEqual(deadline, now_ms + TTL_MS, k)
        return before

    def assertDeadlinesKept(self, server, before):
        self.assertEqual(deadlines(server), before)
        c = server.client()
        for k in KEYS:
            self.assertLessEqual(c.pttl(k), TTL_MS - int(PAUSE * 1000), k)
        self.assertEqual(c.get("ttl-kept"), b"6")

    def test_deadlines_survive_restarts_from_aof_base_and_rdb(self):
        aof = self.start(["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
        rewritten = self.start(["--appendonly", "yes"])
        rdb = self.start([])
        servers = {"aof": aof, "rewritten": rewritten, "rdb": rdb}
        try:
            before = {name: self.write(s) for name, s in servers.items()}
            # The AOF logs only absolute forms (SET ... PXAT, PEXPIREAT).
            lib.wait_until(lambda: b"PEXPIREAT" in logged_commands(aof),
                           what="the AOF to be written")
            logged = logged_commands(aof)
            for word in RELATIVE_WORDS:
                self.assertNotIn(word, logged)
            self.assertIn(b"\r\nPXAT\r\n", logged)
            # One server's deadlines go through a rewritten base, another's through an RDB.
            c = rewritten.client()
            rewrites_before = c.info("persistence")["aof_rewrites"]
            c.bgrewriteaof()
            lib.wait_until(lambda: c.info("persistence")["aof_rewrites"] > rewrites_before and
                           c.info("persistence")["aof_rewrite_in_progress"] == 0,
                           what="the rewrite")
            self.assertEqual(rdb.client().save(), True)
            time.sleep(PAUSE)  # wall time must pass for a reset deadline to be visible
            for name, s in servers.items():
                s.stop_and_check()
            args = {"aof": ["--appendonly", "yes"], "rewritten": ["--appendonly", "yes"],
                    "rdb": []}
            for name, s in servers.items():
                servers[name] = self.start(args[name], s.workdir, "server-2.log")
            for name, s in servers.items():
                with self.subTest(name):
                    self.assertDeadlinesKept(s, before[name])
            for s in servers.values():
                s.stop_and_check()
        finally:
            for s in servers.values():
                s.kill()


if __name__ == "__main__":
    lib.main()
