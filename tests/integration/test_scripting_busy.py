"""A script that runs past busy-reply-threshold. Side by side with redis-server 7.0.15, over raw
sockets, every reply compared byte for byte: -BUSY for other clients, the commands still
allowed (MULTI, then EXECABORT), SCRIPT KILL and the error the caller gets (alone, and
inside EXEC in RESP2 and RESP3), a pcall that catches the kill, -UNKILLABLE once the script wrote, SHUTDOWN refused and SHUTDOWN NOSAVE
closing both connections. Then what basalt alone is checked for: SHUTDOWN NOSAVE keeps the
script's writes out of the AOF, the caller's pipelined commands run after its script, clients
that connect meanwhile, a SIGTERM that waits for the script, and a replica whose busy script
applies its primary's writes once it returns.

No timing is asserted: a test waits until the server answers -BUSY (its loop is turning
inside the script), however long the machine takes to get there.
"""

import shutil
import signal
import tempfile

import basalt_testlib as lib
import diff_shared

BUSY = (b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
        b"NOSAVE.\r\n")
LOOP = "local i = 0\nwhile true do i = i + 1 end"
WRITE_THEN_LOOP = "redis.call('set', 'w', '1')\nwhile true do end"


def start_busy(port, script, *pipelined):
    """Sends EVAL script (and pipelined commands after it) on a new connection, then waits on a
    second one until the server answers -BUSY. Returns (caller, other)."""
    other = lib.RawConnection(port)
    assert other.command("CONFIG", "SET", "busy-reply-threshold", "100") == b"+OK\r\n"
    caller = lib.RawConnection(port)
    caller.send(lib.encode_command("EVAL", script, "0") +
                b"".join(lib.encode_command(*c) for c in pipelined))
    lib.wait_until(lambda: other.command("PING") == BUSY, timeout=30,
                   what="the script to become busy")
    return caller, other


def close_all(*conns):
    for c in conns:
        c.close()


def closed(conn):
    """b'' once the server closed the connection (what is read before that, otherwise)."""
    try:
        return conn.read_until_closed(timeout=30)
    except OSError as e:
        return repr(e).encode()


def kill_scenario(port):
    caller, other = start_busy(port, LOOP)
    out = [other.command(*c) for c in (("GET", "x"), ("MULTI",), ("SET", "a", "b"), ("EXEC",),
                                       ("CLIENT", "LIST"), ("SCRIPT", "FLUSH"), ("SCRIPT", "KILL"))]
    out.append(caller.read_reply())
    out += [other.command("SCRIPT", "KILL"), caller.command("GET", "a"), other.command("PING")]
    close_all(caller, other)
    return out


def pcall_scenario(port):
    caller, other = start_busy(port, "pcall(function() while true do end end) return 'after'")
    out = [other.command("SCRIPT", "KILL"), caller.read_reply()]
    caller2, other2 = start_busy(port, "pcall(function() while true do end end)\nreturn 'after'")
    out += [other2.command("SCRIPT", "KILL"), caller2.read_reply()]
    close_all(caller, other, caller2, other2)
    return out


def exec_scenario(port):
    """A busy script queued in a transaction: EXEC's array holds its kill error among the
    other commands' replies; a RESP3 caller gets the same."""
    out = []
    for hello in ((), ("HELLO", "3")):
        other = lib.RawConnection(port)
        other.command("CONFIG", "SET", "busy-reply-threshold", "100")
        caller = lib.RawConnection(port)
        if hello:
            caller.command(*hello)
        for c in (("MULTI",), ("SET", "t", "1"), ("EVAL", LOOP, "0"), ("INCR", "t")):
            out.append(caller.command(*c))
        caller.send(lib.encode_command("EXEC"))
        lib.wait_until(lambda: other.command("PING") == BUSY, timeout=30,
                       what="the script to become busy")
        out += [other.command("SCRIPT", "KILL"), caller.read_reply(), caller.command("GET", "t")]
        close_all(caller, other)
    return out


def unkillable_scenario(port):
    caller, other = start_busy(port, WRITE_THEN_LOOP)
    out = [other.command("SCRIPT", "KILL"), other.command("SHUTDOWN"),
           other.command("SHUTDOWN", "SAVE")]
    other.send(lib.encode_command("SHUTDOWN", "NOSAVE"))
    out += [closed(other), closed(caller)]
    close_all(caller, other)
    return out


class BusyScriptSideBySide(diff_shared.FreshPairTest):

    def test_busy_replies_and_script_kill(self):
        self.both(kill_scenario)

    def test_a_busy_script_inside_exec(self):
        self.both(exec_scenario)

    def test_a_pcall_catches_the_kill_until_the_next_line(self):
        self.both(pcall_scenario)

    def test_a_script_that_wrote_is_unkillable_and_shutdown_nosave_stops_it(self):
        basalt = self.both(unkillable_scenario)
        self.assertEqual(basalt.wait_exit(), 0)


class BusyScriptBasalt(lib.unittest.TestCase):

    def test_shutdown_nosave_keeps_the_scripts_writes_out_of_the_aof(self):
        workdir = tempfile.mkdtemp(prefix="basalt-it-busy-aof-")
        self.addCleanup(shutil.rmtree, workdir, True)
        args = ["--appendonly", "yes", "--appendfsync", "always"]
        server = lib.ServerProcess(args, workdir=workdir).start()
        self.addCleanup(server.kill)
        with server.raw() as c:
            self.assertEqual(c.command("SET", "before", "1"), b"+OK\r\n")
        caller, other = start_busy(server.port, WRITE_THEN_LOOP)
        self.addCleanup(close_all, caller, other)
        other.send(lib.encode_command("SHUTDOWN", "NOSAVE"))
        self.assertEqual(closed(caller), b"")
        self.assertEqual(server.wait_exit(), 0)
        server = lib.ServerProcess(args, workdir=workdir, log_name="restart.log").start()
        self.addCleanup(server.kill)
        with server.raw() as c:
            self.assertEqual(c.command("MGET", "before", "w"), b"*2\r\n$1\r\n1\r\n$-1\r\n")
        server.stop_and_check()

    def test_the_callers_pipelined_commands_run_after_its_script(self):
        server = lib.ServerProcess().start()
        self.addCleanup(server.kill)
        caller, other = start_busy(server.port, LOOP, ("SET", "after", "1"), ("GET", "after"))
        self.addCleanup(close_all, caller, other)
        # A client that connects meanwhile is served -BUSY; one that leaves harms nothing.
        with server.raw() as late:
            self.assertEqual(late.command("PING"), BUSY)
        self.assertEqual(other.command("GET", "after"), BUSY)
        self.assertEqual(other.command("SCRIPT", "KILL"), b"+OK\r\n")
        self.assertTrue(caller.read_reply().startswith(b"-ERR Script killed by user with SCRIPT "
                                                       b"KILL... script: "))
        self.assertEqual(caller.read_reply(), b"+OK\r\n")
        self.assertEqual(caller.read_reply(), b"$1\r\n1\r\n")
        self.assertEqual(other.command("PING"), b"+PONG\r\n")
        server.stop_and_check()

    def test_sigterm_waits_for_the_busy_script(self):
        server = lib.ServerProcess().start()
        self.addCleanup(server.kill)
        caller, other = start_busy(server.port, LOOP)
        self.addCleanup(close_all, caller, other)
        server.signal(signal.SIGTERM)
        # Still serving (-BUSY) after the signal: the shutdown waits for the script, as in Redis.
        self.assertEqual(other.command("PING"), BUSY)
        self.assertTrue(server.running())
        self.assertEqual(other.command("SCRIPT", "KILL"), b"+OK\r\n")
        self.assertEqual(server.wait_exit(), 0)

    def test_a_replica_applies_its_primarys_writes_after_its_busy_script(self):
        primary = lib.ServerProcess(["--repl-diskless-sync-delay", "0"]).start()
        self.addCleanup(primary.kill)
        replica = lib.ServerProcess().start()
        self.addCleanup(replica.kill)
        with replica.raw() as r, primary.raw() as p:
            r.command("REPLICAOF", "127.0.0.1", str(primary.port))
            p.command("SET", "k", "first")
            lib.wait_until(lambda: r.command("GET", "k") == b"$5\r\nfirst\r\n", timeout=30,
                           what="the replica to sync")
            caller, other = start_busy(replica.port, LOOP)
            self.addCleanup(close_all, caller, other)
            self.assertEqual(p.command("SET", "k", "second"), b"+OK\r\n")
            self.assertEqual(other.command("GET", "k"), BUSY)
            self.assertEqual(other.command("SCRIPT", "KILL"), b"+OK\r\n")
            caller.read_reply()
            lib.wait_until(lambda: r.command("GET", "k") == b"$6\r\nsecond\r\n", timeout=30,
                           what="the replica to apply the write made during its script")
        replica.stop_and_check()
        primary.stop_and_check()


if __name__ == "__main__":
    lib.main()
