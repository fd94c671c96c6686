"""Functions beyond single commands. Side by side with redis-server 7.0.15 (raw reply bytes):
a function that runs past busy-reply-threshold (-BUSY naming FUNCTION KILL, FUNCTION STATS
while it runs, SCRIPT KILL refused, FUNCTION KILL, -UNKILLABLE after a write), and a busy EVAL
as FUNCTION STATS and FUNCTION KILL see it. Then basalt alone: the libraries are part of the
dataset, so they survive a restart from the RDB file and from the AOF (with and without the
RDB preamble, and FUNCTION commands in the incr file), move to redis-server in basalt's RDB and
back, and reach a replica by full sync and then by the stream, with FCALL's writes.

No timing is asserted: a busy test waits until the server answers -BUSY.
"""

import os
import re
import shutil
import subprocess
import tempfile

import basalt_testlib as lib
import diff_shared

BUSY_FUNCTION = (b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 b"SHUTDOWN NOSAVE.\r\n")
BUSY_SCRIPT = (b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
               b"SHUTDOWN NOSAVE.\r\n")
LIBRARY = "\n".join([
    "#!lua name=life",
    "redis.register_function('spin', function(keys, args) while true do end end)",
    "redis.register_function('spin_after_write', function(keys, args)",
    "  redis.call('set', 'w', '1')",
    "  while true do end",
    "end)",
    "redis.register_function('put', function(keys, args)",
    "  redis.call('set', keys[1], args[1])",
    "  return redis.call('incr', 'count')",
    "end)",
    "redis.register_function{function_name='peek', flags={'no-writes'},",
    "  callback=function(keys, args) return redis.call('get', keys[1]) end}",
])
OTHER = ("#!lua name=other\nredis.register_function{function_name='two', flags={'no-writes'}, "
         "callback=function() return 2 end}")
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
DURATION = re.compile(rb"\$11\r\nduration_ms\r\n:\d+\r\n")


def stats_shape(reply):
    """FUNCTION STATS with the running time (which differs between servers) taken out."""
    return DURATION.sub(b"$11\r\nduration_ms\r\n:N\r\n", reply)


def start_busy(port, *command):
    """Sends command on a new connection, then waits on a second one until the server answers
    -BUSY. Returns (caller, other, the -BUSY reply)."""
    other = lib.RawConnection(port)
    assert other.command("CONFIG", "SET", "busy-reply-threshold", "100") == b"+OK\r\n"
    caller = lib.RawConnection(port)
    caller.send(lib.encode_command(*command))
    busy = []
    lib.wait_until(lambda: busy.append(other.command("PING")) or busy[-1].startswith(b"-BUSY"),
                   timeout=30, what="the run to become busy")
    return caller, other, busy[-1]


def load_library(port):
    with lib.RawConnection(port) as c:
        assert c.command("FUNCTION", "LOAD", "REPLACE", LIBRARY) == b"$4\r\nlife\r\n"


def busy_function_scenario(port):
    load_library(port)
    caller, other, busy = start_busy(port, "FCALL", "spin", "1", "somekey", "arg1")
    out = [busy] + [other.command(*c) for c in (("GET", "x"), ("FUNCTION", "LIST"),
                                                 ("SCRIPT", "KILL"))]
    out.append(stats_shape(other.command("FUNCTION", "STATS")))
    assert other.command("HELLO", "3").startswith(b"%")
    out.append(stats_shape(other.command("FUNCTION", "STATS")))
    out.append(other.command("FUNCTION", "KILL"))
    out.append(caller.read_reply())
    out += [other.command("FUNCTION", "KILL"), other.command("FUNCTION", "STATS")]
    caller.close()
    other.close()
    return out


def busy_eval_scenario(port):
    caller, other, busy = start_busy(port, "EVAL", "while true do end", "0")
    out = [busy] + [other.command(*c) for c in (("FUNCTION", "STATS"), ("FUNCTION", "KILL"),
                                                 ("SCRIPT", "KILL"))]
    out.append(caller.read_reply())
    caller.close()
    other.close()
    return out


def unkillable_scenario(port):
    load_library(port)
    caller, other, busy = start_busy(port, "FCALL", "spin_after_write", "0")
    out = [busy, other.command("FUNCTION", "KILL"), other.command("SCRIPT", "KILL")]
    other.send(lib.encode_command("SHUTDOWN", "NOSAVE"))
    for conn in (other, caller):
        try:
            out.append(conn.read_until_closed(timeout=30))
        except OSError as e:
            out.append(repr(e).encode())
        conn.close()
    return out


class BusyFunctionSideBySide(diff_shared.FreshPairTest):

    def test_a_busy_function_and_function_kill(self):
        self.both(busy_function_scenario).stop_and_check()

    def test_a_busy_eval_as_function_stats_and_kill_see_it(self):
        self.both(busy_eval_scenario).stop_and_check()

    def test_a_function_that_wrote_is_unkillable(self):
        self.assertEqual(self.both(unkillable_scenario).wait_exit(), 0)


def listing(port):
    """FUNCTION LIST WITHCODE as sorted data: Redis lists in its hash tables' order."""
    def as_data(reply):
        if isinstance(reply, list):
            items = [as_data(x) for x in reply]
            return sorted(items, key=repr) if reply and not isinstance(reply[0], bytes) else items
        return reply
    import redis
    with redis.Redis(host="127.0.0.1", port=port, socket_timeout=lib.IO_TIMEOUT) as client:
        return as_data(client.execute_command("FUNCTION", "LIST", "WITHCODE"))


class FunctionsPersist(lib.unittest.TestCase):

    def restart_keeps(self, args, between=()):
        """Loads both libraries, runs `between` (commands), stops, restarts with the same args
        in the same directory; returns (listing before, listing after, the new server)."""
        workdir = tempfile.mkdtemp(prefix="basalt-it-fpersist-")
        self.addCleanup(shutil.rmtree, workdir, True)
        server = lib.ServerProcess(args, workdir=workdir).start()
        self.addCleanup(server.kill)
        load_library(server.port)
        with server.raw() as c:
            self.assertEqual(c.command("FUNCTION", "LOAD", OTHER), b"$5\r\nother\r\n")
            self.assertEqual(c.command("FCALL", "put", "1", "k", "v"), b":1\r\n")
            for command in between:
                self.assertFalse(c.command(*command).startswith(b"-"), command)
        before = listing(server.port)
        server.stop_and_check()
        server = lib.ServerProcess(args, workdir=workdir, log_name="restart.log").start()
        self.addCleanup(server.kill)
        with server.raw() as c:
            self.assertEqual(c.command("FCALL", "put", "1", "k2", "v2"), b":2\r\n")
            self.assertEqual(c.command("FCALL_RO", "peek", "1", "k"), b"$1\r\nv\r\n")
        return before, listing(server.port), server

    def test_aof_over_maxmemory_keeps_the_libraries(self):
        # The AOF's FUNCTION commands are replayed once the keys are in: over maxmemory by then,
        # they must not be refused (OOM), or the next rewrite loses the libraries for good.
        workdir = tempfile.mkdtemp(prefix="basalt-it-foom-")
        self.addCleanup(shutil.rmtree, workdir, True)
        args = ["--appendonly", "yes"]
        server = lib.ServerProcess(args, workdir=workdir).start()
        self.addCleanup(server.kill)
        load_library(server.port)
        with server.raw() as c:
            self.assertEqual(c.command("FUNCTION", "LOAD", OTHER), b"$5\r\nother\r\n")
            for i in range(200):
                c.command("SET", "key:%d" % i, "x" * 1000)
        before = listing(server.port)
        server.stop_and_check()
        server = lib.ServerProcess(args + ["--maxmemory", "100000"], workdir=workdir,
                                   log_name="restart.log").start()
        self.addCleanup(server.kill)
        self.assertEqual(listing(server.port), before)
        server.stop_and_check()

    def test_rdb(self):
        before, after, server = self.restart_keeps(["--save", "900 1"])
        self.assertEqual(after, before)
        server.stop_and_check()

    def test_aof_with_preamble_and_function_commands_in_the_incr_file(self):
        rewrite_then_change = [("BGREWRITEAOF",), ("FUNCTION", "DELETE", "other"),
                               ("FUNCTION", "LOAD", OTHER.replace("return 2", "return 22"))]
        before, after, server = self.restart_keeps(
            ["--appendonly", "yes", "--aof-use-rdb-preamble", "yes"], rewrite_then_change)
        self.assertEqual(after, before)
        with server.raw() as c:
            self.assertEqual(c.command("FCALL", "two", "0"), b":22\r\n")
        server.stop_and_check()

    def test_aof_without_preamble_starts_with_function_load(self):
        before, after, server = self.restart_keeps(
            ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"], [("BGREWRITEAOF",)])
        self.assertEqual(after, before)
        aof_dir = os.path.join(server.workdir, "appendonlydir")
        lib.wait_until(lambda: any(n.endswith(".base.aof") for n in os.listdir(aof_dir)),
                       timeout=30, what="the rewrite's base file")
        base = [n for n in os.listdir(aof_dir) if n.endswith(".base.aof")][0]
        with open(os.path.join(aof_dir, base), "rb") as f:
            self.assertTrue(f.read().startswith(b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n"))
        server.stop_and_check()

    def test_libraries_move_to_redis_in_basalts_rdb_and_back(self):
        workdir = tempfile.mkdtemp(prefix="basalt-it-finterop-")
        self.addCleanup(shutil.rmtree, workdir, True)
        server = lib.ServerProcess(["--save", ""], workdir=workdir).start()
        self.addCleanup(server.kill)
        load_library(server.port)
        with server.raw() as c:
            self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        ours = listing(server.port)
        server.stop_and_check()
        redis = lib.RedisProcess(workdir).start()
        self.addCleanup(redis.stop)
        self.assertEqual(listing(redis.port), ours)
        with lib.RawConnection(redis.port) as c:
            self.assertEqual(c.command("FUNCTION", "LOAD", OTHER), b"$5\r\nother\r\n")
            self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        theirs = listing(redis.port)
        redis.stop()
        server = lib.ServerProcess(["--save", ""], workdir=workdir, log_name="back.log").start()
        self.addCleanup(server.kill)
        self.assertEqual(listing(server.port), theirs)
        server.stop_and_check()


class FunctionsReplicate(lib.unittest.TestCase):

    def test_redis_cli_functions_rdb_holds_the_libraries_and_no_key(self):
        server = lib.ServerProcess().start()
        self.addCleanup(server.kill)
        load_library(server.port)
        with server.raw() as c:
            self.assertEqual(c.command("SET", "k", "v"), b"+OK\r\n")
            self.assertEqual(c.command("REPLCONF", "rdb-filter-only", "functions bad"),
                             b"-ERR Unsupported rdb-filter-only option: bad\r\n")
        workdir = tempfile.mkdtemp(prefix="basalt-it-ffilter-")
        self.addCleanup(shutil.rmtree, workdir, True)
        path = os.path.join(workdir, "dump.rdb")
        done = subprocess.run([REDIS_CLI, "-p", str(server.port), "--functions-rdb", path],
                              capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        ours = listing(server.port)
        with server.raw() as c:  # the server goes on as before
            self.assertEqual(c.command("GET", "k"), b"$1\r\nv\r\n")
        server.stop_and_check()
        redis = lib.RedisProcess(workdir).start()
        self.addCleanup(redis.stop)
        self.assertEqual(listing(redis.port), ours)
        with lib.RawConnection(redis.port) as c:
            self.assertEqual(c.command("DBSIZE"), b":0\r\n")

    def test_full_sync_then_stream(self):
        primary = lib.ServerProcess(["--repl-diskless-sync-delay", "0"]).start()
        self.addCleanup(primary.kill)
        replica = lib.ServerProcess().start()
        self.addCleanup(replica.kill)
        load_library(primary.port)
        with replica.raw() as r, primary.raw() as p:
            # The replica's own library goes: a full sync brings the primary's, and only those.
            self.assertEqual(r.command("FUNCTION", "LOAD", OTHER), b"$5\r\nother\r\n")
            self.assertEqual(p.command("FCALL", "put", "1", "k", "v"), b":1\r\n")
            r.command("REPLICAOF", "127.0.0.1", str(primary.port))
            lib.wait_until(lambda: r.command("GET", "k") == b"$1\r\nv\r\n", timeout=30,
                           what="the replica to sync")
            self.assertEqual(listing(replica.port), listing(primary.port))
            self.assertEqual(r.command("FCALL", "two", "0"), b"-ERR Function not found\r\n")
            # Then the stream: a FUNCTION LOAD, an FCALL's writes, a FUNCTION DELETE.
            self.assertEqual(p.command("FUNCTION", "LOAD", OTHER), b"$5\r\nother\r\n")
            self.assertEqual(p.command("FCALL", "put", "1", "k", "v2"), b":2\r\n")
            lib.wait_until(lambda: r.command("GET", "count") == b"$1\r\n2\r\n", timeout=30,
                           what="the replica to apply the function's writes")
            self.assertEqual(r.command("FCALL", "two", "0"), b":2\r\n")
            self.assertEqual(r.command("FCALL_RO", "peek", "1", "k"), b"$2\r\nv2\r\n")
            self.assertEqual(r.command("FCALL", "put", "1", "k", "x"),
                             b"-READONLY You can't write against a read only replica.\r\n")
            self.assertEqual(r.command("FUNCTION", "FLUSH"),
                             b"-READONLY You can't write against a read only replica.\r\n")
            self.assertEqual(p.command("FUNCTION", "DELETE", "other"), b"+OK\r\n")
            lib.wait_until(lambda: r.command("FCALL", "two", "0").startswith(b"-ERR Function"),
                           timeout=30, what="the replica to delete the library")
        replica.stop_and_check()
        primary.stop_and_check()


if __name__ == "__main__":
    lib.main()
