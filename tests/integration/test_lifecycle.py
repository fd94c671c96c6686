"""Process lifecycle: configuration errors stop the start; signals stop the server cleanly."""

import os
import signal
import socket
import subprocess
import tempfile

import basalt_testlib as lib


def run_server_expecting_failure(*args):
    proc = subprocess.run([lib.SERVER_PATH, *args], capture_output=True, text=True,
                          timeout=lib.START_TIMEOUT, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout + proc.stderr


def answers_ping(port):
    """True once a server we did not start through ServerProcess answers PING on `port`."""
    try:
        with lib.RawConnection(port) as c:
            return c.command("PING") == b"+PONG\r\n"
    except OSError:
        return False


class StartupConfigErrorTest(lib.unittest.TestCase):
    def write_toml(self, text):
        fd, path = tempfile.mkstemp(suffix=".toml", prefix="basalt-it-")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def assertStartFails(self, args, *fragments):
        # Every case also sets port 0 where it can: a start that wrongly succeeds must not
        # take a real port before the timeout ends it.
        rc, output = run_server_expecting_failure(*args)
        self.assertNotEqual(rc, 0, output)
        for fragment in fragments:
            self.assertIn(fragment, output)

    def test_unknown_key_in_toml_file_is_named(self):
        path = self.write_toml("port = 0\nno-such-key = 1\n")
        self.assertStartFails([path], "no-such-key")

    def test_wrong_type_in_toml_file_is_named(self):
        path = self.write_toml('port = 0\nmaxclients = "many"\n')
        self.assertStartFails([path], "maxclients")

    def test_out_of_range_value_in_toml_file_is_named(self):
        self.assertStartFails([self.write_toml("port = 70000\n")], "port")
        self.assertStartFails([self.write_toml("port = 0\nmaxclients = 0\n")], "maxclients")

    def test_unknown_command_line_flag_is_named(self):
        self.assertStartFails(["--port", "0", "--no-such-flag", "1"], "no-such-flag")

    def test_bad_command_line_value_is_named(self):
        self.assertStartFails(["--port", "abc"], "port")
        self.assertStartFails(["--port", "0", "--timeout", "-5"], "timeout")

    def test_missing_config_file_fails(self):
        self.assertStartFails(["/nonexistent/basalt.toml", "--port", "0"],
                              "/nonexistent/basalt.toml")

    def test_port_in_use_fails_to_start(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = str(taken.getsockname()[1])
            self.assertStartFails(["--bind", "127.0.0.1", "--port", port, "--save", ""], port)

    def test_valid_toml_file_is_loaded(self):
        path = self.write_toml('# a comment\nmaxclients = 77\nloglevel = "warning"\n'
                               'proto-max-bulk-len = "2mb"\n')
        with lib.ServerProcess(config_file=path) as server:
            with server.raw() as c:
                self.assertEqual(c.command("PING"), b"+PONG\r\n")

    def test_flags_override_the_toml_file(self):
        path = self.write_toml("maxclients = 77\n")
        with lib.ServerProcess(("--maxclients", "99"), config_file=path) as server:
            self.assertEqual(server.client().config_get("maxclients"), {"maxclients": "99"})


class EventLoopPollingTest(lib.unittest.TestCase):
    """busy-poll-us only changes when the loop sleeps: with it off, at its maximum, or changed
    while clients are served, pipelines, timers (a blocking pop's timeout) and new connections
    work the same."""

    def check_serves(self, server):
        with server.raw() as conn:
            pipeline = b"".join(lib.encode_command("INCR", "poll:n") for _ in range(500))
            conn.send(pipeline)
            self.assertEqual(conn.read_exact(sum(len(b":%d\r\n" % i) for i in range(1, 501))),
                             b"".join(b":%d\r\n" % i for i in range(1, 501)))
            self.assertEqual(conn.command("BLPOP", "poll:empty", "0.05"), b"*-1\r\n")
            self.assertEqual(conn.command("DEL", "poll:n"), b":1\r\n")

    def test_polling_off_at_most_and_changed_live(self):
        for value in ("0", "1000"):
            with lib.ServerProcess(["--busy-poll-us", value]) as server:
                self.check_serves(server)
        with lib.ServerProcess() as server:
            with server.raw() as conn:
                self.assertEqual(conn.command("CONFIG", "GET", "busy-poll-us"),
                                 b"*2\r\n$12\r\nbusy-poll-us\r\n$2\r\n50\r\n")
                self.assertEqual(conn.command("CONFIG", "SET", "busy-poll-us", "0"), b"+OK\r\n")
                self.check_serves(server)
                self.assertEqual(conn.command("CONFIG", "SET", "busy-poll-us", "1001")[:1], b"-")


class ShutdownTest(lib.unittest.TestCase):
    def test_sigterm_exits_zero(self):
        server = lib.ServerProcess().start()
        try:
            server.signal(signal.SIGTERM)
            self.assertEqual(server.wait_exit(), 0, server.log_tail())
        finally:
            server.kill()

    def test_sigint_exits_zero(self):
        server = lib.ServerProcess().start()
        try:
            server.signal(signal.SIGINT)
            self.assertEqual(server.wait_exit(), 0, server.log_tail())
        finally:
            server.kill()

    def test_sigterm_delivers_pending_replies_before_closing(self):
        # basalt drains what clients are owed (for a few seconds at most) before exiting; Redis
        # 7.0 may exit with replies still unsent.
        value_size, gets = 1024 * 1024, 20
        server = lib.ServerProcess().start()
        try:
            with server.raw() as control, server.raw() as reader:
                self.assertEqual(control.command("SET", "sd:v", b"s" * value_size), b"+OK\r\n")
                reader.send(lib.encode_command("GET", "sd:v") * gets +
                            lib.encode_command("SET", "sd:marker", "1"))
                # Once the marker is set every GET before it has run: their replies are owed.
                lib.wait_until(lambda: control.command("GET", "sd:marker") == b"$1\r\n1\r\n",
                               what="the pipelined batch to run")
                server.signal(signal.SIGTERM)
                data = reader.count_until_closed()
                bulk = len(b"$%d\r\n\r\n" % value_size) + value_size
                self.assertEqual(data, gets * bulk + len(b"+OK\r\n"))
            self.assertEqual(server.wait_exit(), 0, server.log_tail())
        finally:
            server.kill()

    def test_new_connections_are_refused_after_shutdown(self):
        server = lib.ServerProcess().start()
        port = server.port
        server.stop_and_check()
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()


class DaemonAndPidFileTest(lib.unittest.TestCase):
    """daemonize and pidfile, as init scripts use them with redis-server."""

    def make_workdir(self):
        workdir = tempfile.mkdtemp(prefix="basalt-it-daemon-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", workdir]))
        return workdir

    def test_daemonize_detaches_and_keeps_a_pid_file_until_shutdown(self):
        workdir = self.make_workdir()
        pidfile = os.path.join(workdir, "basalt.pid")
        logfile = os.path.join(workdir, "server.log")
        port = lib.free_port()
        launcher = subprocess.Popen(
            [lib.SERVER_PATH, "--port", str(port), "--dir", workdir, "--save", "",
             "--daemonize", "yes", "--pidfile", pidfile, "--logfile", logfile],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = launcher.communicate(timeout=lib.START_TIMEOUT)
        self.assertEqual(launcher.returncode, 0, err)
        self.assertEqual((out, err), (b"", b""))  # the daemon writes to /dev/null, or its log

        def pid_written():
            return os.path.exists(pidfile) and lib.read_text(pidfile).endswith("\n")
        lib.wait_until(pid_written, what="the pid file")
        pid = int(lib.read_text(pidfile))
        self.addCleanup(lambda: subprocess.run(["kill", "-9", str(pid)],
                                               stderr=subprocess.DEVNULL))
        self.assertNotEqual(pid, launcher.pid)  # the launcher exited; its child serves
        self.assertEqual(os.getsid(pid), pid)  # in a session of its own, no terminal

        lib.wait_until(lambda: answers_ping(port), what="the daemon to answer")
        with lib.RawConnection(port) as c:
            self.assertEqual(c.command("CONFIG", "GET", "daemonize"),
                             b"*2\r\n$9\r\ndaemonize\r\n$3\r\nyes\r\n")
            c.send(lib.encode_command("SHUTDOWN", "NOSAVE"))
            c.read_until_closed()
        lib.wait_until(lambda: not os.path.exists(pidfile), what="the pid file to go at exit")
        lib.wait_until(lambda: not os.path.exists(f"/proc/{pid}") or
                       lib.read_text(f"/proc/{pid}/stat").split(") ")[1].startswith("Z"),
                       what="the daemon to exit")
        self.assertIn("Ready to accept connections", lib.read_text(logfile))

    def test_a_pid_file_without_daemonize(self):
        workdir = self.make_workdir()
        pidfile = os.path.join(workdir, "run.pid")
        server = lib.ServerProcess(["--pidfile", pidfile]).start()
        try:
            self.assertEqual(lib.read_text(pidfile), f"{server.proc.pid}\n")
            server.stop_and_check()
            self.assertFalse(os.path.exists(pidfile))
        finally:
            server.kill()

    def test_an_unwritable_pid_file_is_logged_and_not_fatal(self):
        server = lib.ServerProcess(["--pidfile", "/nonexistent/dir/basalt.pid"]).start()
        try:
            self.assertEqual(server.client().ping(), True)
            self.assertIn("Failed to write PID file", server.log())
            server.stop_and_check()
        finally:
            server.kill()


class SupervisedTest(lib.unittest.TestCase):
    """supervised: the server tells systemd (Type=notify) or upstart (expect stop) when it is
    ready and when it stops, as redis-server does."""

    def notify_socket(self):
        """A service manager's end of the notify protocol: a datagram socket, its path."""
        workdir = tempfile.mkdtemp(prefix="basalt-it-notify-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", workdir]))
        path = os.path.join(workdir, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(lib.IO_TIMEOUT)
        self.addCleanup(sock.close)
        return sock, path

    def test_systemd_hears_ready_after_the_load_and_stopping_at_shutdown(self):
        with lib.ServerProcess() as first:
            r = first.client()
            pipe = r.pipeline(transaction=False)
            for i in range(20000):
                pipe.set(f"key:{i}", i)
            pipe.execute()
            r.save()
            workdir = first.workdir
            first.owns_workdir = False
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", workdir]))
        sock, path = self.notify_socket()
        # daemonize is ignored under a supervisor: the manager watches the process it started.
        server = lib.ServerProcess(["--supervised", "systemd", "--daemonize", "yes"],
                                   workdir=workdir, env={"NOTIFY_SOCKET": path})
        server.start()
        try:
            self.assertEqual(sock.recv(512), b"STATUS=Redis is loading...\n")
            self.assertEqual(sock.recv(512), b"STATUS=Ready to accept connections\n")
            self.assertEqual(sock.recv(512), b"READY=1\n")
            self.assertIsNone(server.proc.poll())  # still the process we started
            with server.raw() as c:
                self.assertEqual(c.command("DBSIZE"), b":20000\r\n")
                self.assertIn(b"process_supervised:systemd\r\n", c.command("INFO", "server"))
                self.assertEqual(c.command("CONFIG", "GET", "supervised"),
                                 b"*2\r\n$10\r\nsupervised\r\n$7\r\nsystemd\r\n")
                c.send(lib.encode_command("SHUTDOWN", "NOSAVE"))
                c.read_until_closed()
            self.assertEqual(sock.recv(512), b"STOPPING=1\n")
            self.assertEqual(server.wait_exit(), 0)
            sock.setblocking(False)
            with self.assertRaises(BlockingIOError):  # once, as Redis
                sock.recv(512)
            self.assertIn("Supervised by systemd", server.log())
        finally:
            server.kill()

    def test_systemd_hears_the_final_save_announced(self):
        sock, path = self.notify_socket()
        server = lib.ServerProcess(["--supervised", "systemd"], env={"NOTIFY_SOCKET": path})
        server.start()
        try:
            self.assertEqual(sock.recv(512), b"STATUS=Redis is loading...\n")
            self.assertEqual(sock.recv(512), b"STATUS=Ready to accept connections\n")
            self.assertEqual(sock.recv(512), b"READY=1\n")
            with server.raw() as c:
                self.assertEqual(c.command("SET", "k", "v"), b"+OK\r\n")
                c.send(lib.encode_command("SHUTDOWN", "SAVE"))
                c.read_until_closed()
            self.assertEqual(sock.recv(512), b"STOPPING=1\n")
            self.assertEqual(sock.recv(512), b"STATUS=Saving the final RDB snapshot\n")
            self.assertEqual(server.wait_exit(), 0)
        finally:
            server.kill()

    def test_a_replica_under_systemd_says_when_it_has_synced(self):
        with lib.ServerProcess() as primary:
            primary.client().set("k", "v")
            sock, path = self.notify_socket()
            replica = lib.ServerProcess(
                ["--supervised", "systemd", "--replicaof", f"127.0.0.1 {primary.port}"],
                env={"NOTIFY_SOCKET": path})
            with replica:
                self.assertEqual(sock.recv(512), b"STATUS=Redis is loading...\n")
                self.assertEqual(sock.recv(512),
                                 b"STATUS=Ready to accept connections in read-only mode. "
                                 b"Waiting for MASTER <-> REPLICA sync\n")
                self.assertEqual(sock.recv(512), b"READY=1\n")
                self.assertEqual(sock.recv(512),
                                 b"STATUS=MASTER <-> REPLICA sync: Finished with success. "
                                 b"Ready to accept connections in read-write mode.\n")
                self.assertEqual(replica.client().get("k"), b"v")
                with replica.raw() as r:  # the link drops; the replica continues from its offset
                    self.assertEqual(r.command("CLIENT", "KILL", "TYPE", "master"), b":1\r\n")
                self.assertEqual(sock.recv(512),
                                 b"STATUS=MASTER <-> REPLICA sync: Partial Resynchronization "
                                 b"accepted. Ready to accept connections in read-write mode.\n")

    def test_upstart_sees_the_server_stop_itself_once_it_listens(self):
        workdir = tempfile.mkdtemp(prefix="basalt-it-upstart-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", workdir]))
        port = lib.free_port()
        env = dict(os.environ, UPSTART_JOB="basalt-test")
        proc = subprocess.Popen(
            [lib.SERVER_PATH, "--port", str(port), "--dir", workdir, "--save", "",
             "--supervised", "auto"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (proc.kill(), proc.wait()))

        def state():
            return lib.read_text(f"/proc/{proc.pid}/stat").rsplit(") ", 1)[1][0]
        lib.wait_until(lambda: state() == "T", what="the server to stop itself")
        os.kill(proc.pid, signal.SIGCONT)  # what upstart does once it has seen the stop

        lib.wait_until(lambda: answers_ping(port), what="the server to answer once continued")
        with lib.RawConnection(port) as c:
            self.assertIn(b"process_supervised:upstart\r\n", c.command("INFO", "server"))
            c.send(lib.encode_command("SHUTDOWN", "NOSAVE"))
            c.read_until_closed()
        self.assertEqual(proc.wait(timeout=lib.STOP_TIMEOUT), 0)

    def test_systemd_asked_for_without_a_notify_socket_runs_unsupervised(self):
        if "NOTIFY_SOCKET" in os.environ:
            self.skipTest("the tests run under a service manager")
        server = lib.ServerProcess(["--supervised", "systemd"])
        with server:
            with server.raw() as c:
                self.assertIn(b"process_supervised:no\r\n", c.command("INFO", "server"))
            self.assertIn("NOTIFY_SOCKET not found", server.log())


if __name__ == "__main__":
    lib.main()
