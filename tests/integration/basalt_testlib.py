"""Shared helpers for basalt's integration tests.

Each test file runs the real basalt-server binary on an ephemeral loopback port and drives it with
real clients (redis-cli, redis-py, raw sockets). ctest passes the binary as `--basalt PATH`; when
run by hand, BASALT_SERVER or build/basalt-server is used.

Timing rules: the suite runs on a loaded 2-core CI machine and again under ASan (several times
slower), so waiting is always bounded polling with generous deadlines, never a fixed sleep that
decides the outcome.
"""

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER_PATH = os.environ.get("BASALT_SERVER", os.path.join(REPO_ROOT, "build", "basalt-server"))

# Generous: a sanitizer build on a busy machine can be very slow to start or to drain.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
IO_TIMEOUT = 60.0

_live_processes = set()


@atexit.register
def _kill_leftovers():
    for proc in list(_live_processes):
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def free_port():
    """A port that was free a moment ago (the kernel picked it for a bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc):
    """SIGTERM a helper process (redis-sentinel, nutcracker, ...), SIGKILL it if it is still
    there after STOP_TIMEOUT, and stop tracking it for the exit-time cleanup."""
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    _live_processes.discard(proc)


def _read_lines(sock, count):
    """Reads until `count` CRLF-terminated lines arrived (or the peer closes); returns them."""
    data = b""
    while data.count(b"\r\n") < count:
        chunk = sock.recv(256)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n")[:count]


def wait_until(predicate, timeout=IO_TIMEOUT, interval=0.02, what="condition"):
    """Polls predicate() until it returns a true value (returned) or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def read_text(path):
    """A log file's text so far ("" when it does not exist yet)."""
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


class ServerProcess:
    """One basalt-server process on a loopback port, its log captured to a temp file.

    Use as a context manager: on a clean exit it is stopped with SIGTERM and must exit 0; when
    the body raised, it is killed.
    """

    def __init__(self, args=(), config_file=None, password=None, workdir=None,
                 log_name="server.log", env=None, log_path=None, wrapper=()):
        """workdir: an existing data directory to run in (restart tests); it is the caller's
        and is never removed here. By default a fresh temp dir is made, removed after a clean
        stop. log_name: the log file's name inside the workdir (one per run of a restart test).
        log_path: the log file elsewhere (a workdir on a full or read-only disk cannot hold it).
        env: variables added to the server's environment (see slow_disk_env, fault_env).
        wrapper: a command that execs the server with its arguments (prlimit ... --): it runs
        as the same process.
        """
        self.extra_args = list(args)
        self.wrapper = list(wrapper)
        self.env = dict(os.environ, **env) if env else None
        self.config_file = config_file
        self.password = password
        self.port = None
        self.proc = None
        self.owns_workdir = workdir is None
        self.workdir = tempfile.mkdtemp(prefix="basalt-it-") if workdir is None else workdir
        self.log_path = log_path or os.path.join(self.workdir, log_name)
        self.accept_loading = False

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, accept_loading=False):
        """Starts the server and waits until it answers PING. With accept_loading, a -LOADING
        answer also counts: the caller wants to see the server while it loads its dataset."""
        self.accept_loading = accept_loading
        for _ in range(10):
            self.port = free_port()
            if self._spawn_and_wait():
                return self
            if "listening socket" not in self.log():
                break  # failed for another reason than a port taken meanwhile
        raise AssertionError("basalt-server did not start; log:\n" + self.log_tail())

    def _spawn_and_wait(self):
        cmd = self.wrapper + [SERVER_PATH]
        if self.config_file:
            cmd.append(self.config_file)
        # dir points at a private temp dir so no test ever writes into the source tree.
        cmd += ["--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                "--appendonly", "no", "--dir", self.workdir]
        cmd += self.extra_args
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.workdir,
                                         env=self.env)
        _live_processes.add(self.proc)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                _live_processes.discard(self.proc)
                return False
            # Another test's server may have grabbed the same free port meanwhile: only a PONG
            # after our own process listens on the port counts.
            if self._listens_on_port() and self._answers_ping():
                return True
            time.sleep(0.02)
        self.kill()
        raise AssertionError(f"basalt-server did not answer PING within {START_TIMEOUT}s; "
                             "log:\n" + self.log_tail())

    def _listens_on_port(self):
        """True when this process owns a listening TCP socket on self.port (read from /proc)."""
        inodes = set()
        fd_dir = f"/proc/{self.proc.pid}/fd"
        try:
            for fd in os.listdir(fd_dir):
                target = os.readlink(os.path.join(fd_dir, fd))
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:["):-1])
        except OSError:
            return False  # exited or fds changing under us: ask again on the next poll
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table) as f:
                    rows = f.read().splitlines()[1:]
            except OSError:
                continue
            for row in rows:
                fields = row.split()
                listening = fields[3] == "0A"
                if listening and int(fields[1].rsplit(":", 1)[1], 16) == self.port \
                        and fields[9] in inodes:
                    return True
        return False

    def _answers_ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                loading = (b"-LOADING",) if self.accept_loading else ()
                if self.password:
                    # -NOAUTH comes before -LOADING (as in Redis), so it proves nothing about
                    # the dataset: authenticate, then only a PONG (or an accepted -LOADING) counts.
                    s.sendall(b"AUTH " + self.password.encode() + b"\r\nPING\r\n")
                    replies = _read_lines(s, 2)
                    return len(replies) == 2 and replies[1].startswith((b"+PONG",) + loading)
                s.sendall(b"PING\r\n")
                # With requirepass set and no password known, -NOAUTH is the best proof of life.
                answers = (b"+PONG", b"-NOAUTH") + loading
                return s.recv(64).startswith(answers)
        except OSError:
            return False

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, signo):
        self.proc.send_signal(signo)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        """Waits for the process to exit; kills it (and fails) when it does not."""
        try:
            rc = self.proc.wait(timeout=timeout)
            if rc == 0 and self.owns_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)  # kept for a post-mortem otherwise
            return rc
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"basalt-server did not exit within {timeout}s; log:\n" +
                                 self.log_tail())
        finally:
            _live_processes.discard(self.proc)

    def stop(self):
        """SIGTERM, then the exit code (0 expected)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit()

    def stop_and_check(self):
        rc = self.stop()
        if rc != 0:
            raise AssertionError(f"basalt-server exited with {rc}; log:\n" + self.log_tail())

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        _live_processes.discard(self.proc)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.kill()
            return False
        self.stop_and_check()
        return False

    # -- log ---------------------------------------------------------------------------------

    def log(self):
        return read_text(self.log_path)

    def log_tail(self, lines=60):
        return "\n".join(self.log().splitlines()[-lines:])

    # -- clients -----------------------------------------------------------------------------

    def client(self, **kwargs):
        import redis  # imported lazily: tests that only use raw sockets don't need redis-py
        kwargs.setdefault("socket_timeout", IO_TIMEOUT)
        kwargs.setdefault("password", self.password)
        return redis.Redis(host="127.0.0.1", port=self.port, **kwargs)

    def raw(self, timeout=IO_TIMEOUT):
        return RawConnection(self.port, timeout)


class RawConnection:
    """A plain TCP connection speaking bytes, with a small RESP reader."""

    def __init__(self, port, timeout=IO_TIMEOUT):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = bytearray()

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def send(self, data):
        self.sock.sendall(data)

    def send_ignoring_hangup(self, data):
        """Sends data; a server that closes the connection mid-upload (a limit) is expected."""
        try:
            self.sock.sendall(data)
        except OSError:
            pass

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("connection closed by the server")
        self.buf += chunk

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_line(self):
        """One CRLF-terminated line, without the CRLF."""
        searched = 0
        while (end := self.buf.find(b"\r\n", searched)) < 0:
            searched = max(0, len(self.buf) - 1)
            self._fill()
        line = bytes(self.buf[:end])
        del self.buf[:end + 2]
        return line

    def read_reply(self):
        """Reads one complete RESP2/RESP3 reply and returns its exact bytes."""
        line = self.read_line()
        out = line + b"\r\n"
        kind = line[:1]
        if kind in (b"$", b"=", b"!"):
            n = int(line[1:])
            if n >= 0:
                out += self.read_exact(n + 2)
        elif kind in (b"*", b"%", b"~", b">", b"|"):
            n = int(line[1:])
            if kind in (b"%", b"|"):
                n *= 2
            for _ in range(max(n, 0)):
                out += self.read_reply()
        return out

    def command(self, *args):
        """Sends one command as a RESP array and returns the exact reply bytes."""
        self.send(encode_command(*args))
        return self.read_reply()

    def read_until_closed(self, timeout=IO_TIMEOUT, limit=None):
        """Reads until the server closes the connection; returns everything read.

        A reset counts as closed (the server may close with unread input pending). Fails when
        the connection stays open past the timeout. With limit, stops counting after that
        many bytes are kept (the rest is read and dropped).
        """
        self.sock.settimeout(timeout)
        out = bytes(self.buf)
        self.buf.clear()
        while True:
            try:
                chunk = self.sock.recv(1 << 20)
            except ConnectionResetError:
                return out
            except socket.timeout:
                raise AssertionError(f"connection still open after {timeout}s; got {out[:200]!r}")
            if not chunk:
                return out
            if limit is None or len(out) < limit:
                out += chunk

    def count_until_closed(self, timeout=IO_TIMEOUT):
        """Like read_until_closed but returns only the number of bytes (for huge streams)."""
        self.sock.settimeout(timeout)
        total = len(self.buf)
        self.buf.clear()
        while True:
            try:
                chunk = self.sock.recv(1 << 20)
            except ConnectionResetError:
                return total
            except socket.timeout:
                raise AssertionError(f"connection still open after {timeout}s")
            if not chunk:
                return total
            total += len(chunk)


def encode_command(*args):
    """RESP array of bulk strings for the given str/bytes/int arguments."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a)
        if isinstance(a, str):
            a = a.encode()
        parts.append(b"$%d\r\n" % len(a))
        parts.append(a)
        parts.append(b"\r\n")
    return b"".join(parts)


def run_in_thread(fn, *args):
    """Starts fn(*args) in a daemon thread; join() returns its result or re-raises its error."""
    result = {}

    def body():
        try:
            result["value"] = fn(*args)
        except BaseException as e:  # re-raised in the joining thread
            result["error"] = e

    t = threading.Thread(target=body, daemon=True)
    t.start()

    class Handle:
        def join(self, timeout=IO_TIMEOUT):
            t.join(timeout)
            if t.is_alive():
                raise AssertionError(f"worker thread still running after {timeout}s")
            if "error" in result:
                raise result["error"]
            return result.get("value")

    return Handle()


class ServerTestCase(unittest.TestCase):
    """One server shared by all tests of the class, started with server_args."""

    server_args = ()
    password = None

    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess(cls.server_args, password=cls.password).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop_and_check()

    def assertServerAlive(self):
        """The server still serves a fresh client."""
        self.assertTrue(self.server.running(), "server died; log:\n" + self.server.log_tail())
        with self.server.raw() as c:
            if self.password:
                self.assertEqual(c.command("AUTH", self.password), b"+OK\r\n")
            self.assertEqual(c.command("PING"), b"+PONG\r\n")


# -- durability helpers ----------------------------------------------------------------------

# tools/fault_inject.cc (target fault_inject): faults, stalls and a slow fsync, preloaded into
# basalt-server or redis-server. Its header comment documents every variable and which libc
# calls it sees (not stdio: redis-server's RDB fwrite/fread are out of its reach).
FAULT_INJECT_LIB = os.environ.get("BASALT_FAULT_INJECT_LIB",
                                  os.path.join(REPO_ROOT, "build", "libfault_inject.so"))
FAULT_OPS = ("write", "fsync", "rename", "ftruncate", "read", "all")


def _preload_env():
    if not os.path.exists(FAULT_INJECT_LIB):
        raise AssertionError(f"fault injector not built at {FAULT_INJECT_LIB} "
                             "(target fault_inject)")
    return {"LD_PRELOAD": FAULT_INJECT_LIB,
            # Under ASan the sanitizer runtime would insist on coming first in the list.
            "ASAN_OPTIONS": (os.environ.get("ASAN_OPTIONS", "") +
                             ":verify_asan_link_order=0").lstrip(":")}


def _ops_text(ops):
    names = [ops] if isinstance(ops, str) else list(ops)
    names = [n.strip() for name in names for n in name.split(",") if n.strip()]
    unknown = [n for n in names if n not in FAULT_OPS]
    if not names or unknown:
        raise ValueError(f"fault ops must be some of {FAULT_OPS}, got {ops!r}")
    return ",".join(names)


def slow_disk_env(delay_us, count_file=None, match=None):
    """Environment for a server on a simulated slow disk: the fault injector preloaded, every
    fsync taking delay_us longer; with match, only fsyncs of files whose path contains it; with
    count_file, one byte appended there per (matching) fsync."""
    env = _preload_env()
    env["BASALT_SLOW_FSYNC_US"] = str(delay_us)
    if count_file:
        env["BASALT_FSYNC_COUNT_FILE"] = count_file
    if match:
        env["BASALT_SLOW_FSYNC_MATCH"] = match
    return env


def fault_env(ops, errno_name="EIO", match=None, after_bytes=None, on_call=None, count=None,
              control_file=None, log_file=None):
    """Environment for a process whose file system calls fail (tools/fault_inject.cc).

    ops: "write", "fsync" (fsync, fdatasync, sync_file_range), "rename", "ftruncate", "read" or
    "all"; a list or a comma-separated string. errno_name: "ENOSPC", "EIO", "EDQUOT", "EROFS",
    ... or a number. match: only files whose path contains this text (regular files and
    directories only, never sockets or pipes). on_call: the Nth matching call of a listed op is
    the first to fail (default 1); count: how many fail (default: all from then on).
    after_bytes: a full disk after that many bytes written to matching files (the crossing write
    is short, then listed ops fail); not with on_call. control_file: armed only while it exists;
    each new version of it (created or touched) restarts the counters. log_file: one line per
    injected failure ("fault_inject pid=P fail <fn> ..."), see injected_faults().
    Merge with slow_disk_env or stall_env with {**a, **b}.
    """
    if after_bytes is not None and on_call is not None:
        raise ValueError("after_bytes and on_call are exclusive")
    env = _preload_env()
    env["BASALT_FAULT_OPS"] = _ops_text(ops)
    env["BASALT_FAULT_ERRNO"] = str(errno_name)
    optional = {"BASALT_FAULT_MATCH": match, "BASALT_FAULT_AFTER_BYTES": after_bytes,
                "BASALT_FAULT_ON_CALL": on_call, "BASALT_FAULT_COUNT": count,
                "BASALT_FAULT_CONTROL_FILE": control_file, "BASALT_FAULT_LOG": log_file}
    env.update({name: str(value) for name, value in optional.items() if value is not None})
    return env


def stall_env(stall_file, ops="read", match=None, log_file=None):
    """Environment for a process whose matching calls of ops (default: reads) wait while
    stall_file exists: create it before the start, delete it to let the process go on. With
    log_file, a line "fault_inject pid=P stall <fn> fd=F path=<p>" tells that a call waits."""
    env = _preload_env()
    env["BASALT_STALL_FILE"] = stall_file
    env["BASALT_STALL_OPS"] = _ops_text(ops)
    if match:
        env["BASALT_STALL_MATCH"] = match
    if log_file:
        env["BASALT_FAULT_LOG"] = log_file
    return env


def injected_faults(log_file, kind="fail"):
    """The fault log's lines of one kind ("fail", "short" or "stall"), oldest first."""
    return [line for line in read_text(log_file).splitlines()
            if line.split(" ")[2:3] == [kind]]


@contextlib.contextmanager
def tmpfs(size):
    """A size-limited tmpfs mounted on a fresh temp dir (yields its path): a disk that really
    fills up. size: bytes, or mount's text ("1m"). Skips the test (unittest.SkipTest) where
    mounting is not permitted (not root, no CAP_SYS_ADMIN, a container without mount)."""
    mountpoint = tempfile.mkdtemp(prefix="basalt-it-tmpfs-")
    try:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755",
                                 "tmpfs", mountpoint], capture_output=True, text=True,
                                timeout=IO_TIMEOUT)
        error = result.stderr.strip() if result.returncode != 0 else None
    except OSError as e:  # no mount binary
        error = str(e)
    if error is not None:
        os.rmdir(mountpoint)
        raise unittest.SkipTest(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): "
                                f"{error}")
    try:
        yield mountpoint
    finally:
        # Lazily when busy (a server still holding a file): the mount goes when it is released.
        if subprocess.run(["umount", mountpoint], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", mountpoint], capture_output=True)
        shutil.rmtree(mountpoint, ignore_errors=True)


REDIS_SERVER_PATH = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisProcess:
    """A real redis-server (the reference implementation) on an ephemeral loopback port, in a
    data directory of the caller's. Used to check that files move between basalt and Redis.
    Started without save points and without AOF unless args say otherwise. env: variables added
    to its environment (fault_env, slow_disk_env)."""

    def __init__(self, workdir, args=(), env=None):
        self.workdir = workdir
        self.args = list(args)
        self.env = dict(os.environ, **env) if env else None
        self.port = None
        self.proc = None
        self.log_path = os.path.join(workdir, "redis-%d.log" % id(self))

    def start(self):
        for _ in range(10):
            self.port = free_port()
            cmd = [REDIS_SERVER_PATH, "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no", "--daemonize", "no",
                   "--dir", self.workdir, "--logfile", self.log_path] + self.args
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.STDOUT, cwd=self.workdir,
                                         env=self.env)
            _live_processes.add(self.proc)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                # Redis answers -LOADING until its dataset is in: wait for the PONG.
                if self._answers_pong():
                    return self
                time.sleep(0.02)
            exited = self.proc.poll() is not None
            self.kill()
            if not exited or "Address already in use" not in self.log():
                break
        raise AssertionError("redis-server did not start; log:\n" + self.log()[-4000:])

    def _answers_pong(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith((b"+PONG", b"-NOAUTH"))  # up, with a password
        except OSError:
            return False

    def log(self):
        return read_text(self.log_path)

    def client(self, **kwargs):
        import redis
        kwargs.setdefault("socket_timeout", IO_TIMEOUT)
        return redis.Redis(host="127.0.0.1", port=self.port, **kwargs)

    def stop(self):
        """SIGTERM (no save points: nothing is written) and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        _live_processes.discard(self.proc)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        _live_processes.discard(self.proc)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def read_dataset(port, dbs=range(16), password=None):
    """Every key of the given databases of a server (basalt or Redis) as
    {(db, key): (value, pexpiretime)}, pexpiretime -1 when the key has no TTL. String keys only."""
    import redis
    out = {}
    for db in dbs:
        c = redis.Redis(host="127.0.0.1", port=port, db=db, password=password,
                        socket_timeout=IO_TIMEOUT)
        keys = list(c.scan_iter(count=1000))
        for i in range(0, len(keys), 1000):
            chunk = keys[i:i + 1000]
            pipe = c.pipeline(transaction=False)
            for k in chunk:
                pipe.get(k)
                pipe.execute_command("PEXPIRETIME", k)
            replies = pipe.execute()
            for j, k in enumerate(chunk):
                value, deadline = replies[2 * j], replies[2 * j + 1]
                if value is not None:  # expired between SCAN and GET
                    out[(db, k)] = (value, deadline)
        c.close()
    return out


def rdb_string_file(entries):
    """The bytes of an RDB v10 file holding string keys in database 0: entries are
    (key, value, expire_ms or None) with bytes keys and values. Plain strings only (no LZF, no
    integer encoding) and a zero checksum (not verified, as for rdbchecksum no). Much faster
    than filling a server when a test needs a big dataset."""
    import struct

    def length(n):
        if n < 64:
            return bytes([n])
        if n < 16384:
            return bytes([0x40 | (n >> 8), n & 0xFF])
        return b"\x80" + struct.pack(">I", n)

    out = [b"REDIS0010", b"\xfe\x00"]
    for key, value, expire_ms in entries:
        if expire_ms is not None:
            out.append(b"\xfc" + struct.pack("<Q", expire_ms))
        out.append(b"\x00" + length(len(key)) + key + length(len(value)) + value)
    out.append(b"\xff" + b"\0" * 8)
    return b"".join(out)


def run_server_until_exit(args, timeout=START_TIMEOUT, env=None):
    """Runs basalt-server with args (which should pick port 0 and a --dir) until it exits by
    itself; returns (exit code, output). Fails, killing it, when it is still running after
    timeout: used for starts that must be refused. env: variables added to its environment."""
    proc = subprocess.Popen([SERVER_PATH, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=dict(os.environ, **env) if env else None)
    _live_processes.add(proc)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError(f"basalt-server still running after {timeout}s; output:\n" +
                             out.decode(errors="replace")[-4000:])
    finally:
        _live_processes.discard(proc)
    return proc.returncode, out.decode(errors="replace")


def main():
    """Entry point of every test file: takes --basalt PATH, then runs unittest."""
    global SERVER_PATH
    argv = list(sys.argv)
    if "--basalt" in argv:
        i = argv.index("--basalt")
        SERVER_PATH = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
    if not os.access(SERVER_PATH, os.X_OK):
        sys.exit(f"basalt-server not found at {SERVER_PATH} (pass --basalt PATH)")
    unittest.main(argv=argv, verbosity=2)


class ReplicaPairTestCase(unittest.TestCase):
    """Tests that start servers and pair them as primary and replica (a full sync, then the
    live stream)."""

    def start(self):
        server = ServerProcess(["--repl-diskless-sync-delay", "0"]).start()
        self.addCleanup(server.stop_and_check)
        return server

    def wait_synced(self, primary, replica):
        """Until the replica's link is up and its offset is the primary's."""
        def info(port):
            with RawConnection(port) as c:
                body = c.command("INFO", "replication").split(b"\r\n", 1)[1].decode()
            return dict(line.split(":", 1) for line in body.splitlines() if ":" in line)

        def synced():
            r, p = info(replica.port), info(primary.port)
            return (r.get("master_link_status") == "up" and
                    r.get("slave_repl_offset") == p.get("master_repl_offset"))
        wait_until(synced, timeout=30, interval=0.05, what="the replica in sync")


# -- AOF files (the collection types' persistence tests) ----------------------------------

def wait_rewrites_done(client):
    def done():
        info = client.info("persistence")
        return info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0
    wait_until(done, what="the AOF rewrite to finish")


def aof_files(workdir, kind):
    """The names of the manifest's files of one type ("b" base, "i" incr), in order."""
    with open(os.path.join(workdir, "appendonlydir", "appendonly.aof.manifest")) as f:
        rows = [line.split() for line in f if line.strip() and not line.startswith("#")]
    return [row[row.index("file") + 1] for row in rows if row[row.index("type") + 1] == kind]


def parse_commands(data):
    """The commands of an AOF file (RESP arrays of bulks), as lists of bytes."""
    commands, pos = [], 0
    while pos < len(data):
        assert data[pos:pos + 1] == b"*", data[pos:pos + 20]
        end = data.index(b"\r\n", pos)
        n, pos = int(data[pos + 1:end]), end + 2
        args = []
        for _ in range(n):
            end = data.index(b"\r\n", pos)
            size = int(data[pos + 1:end])
            args.append(data[end + 2:end + 2 + size])
            pos = end + 2 + size + 2
        commands.append(args)
    return commands


class KeyEventsMixin:
    """For a test case with self.server, self.r (redis-py) and self.cmd (raw RESP2): enables
    every keyspace event class and subscribes to db 0's keyevent channels; events(*args) runs
    a command and returns (its reply, [(event, key), ...] it published, in order)."""

    def setUp(self):
        super().setUp()
        self.r.config_set("notify-keyspace-events", "KEA")
        self.sub = self.server.raw()
        self.sub.send(encode_command("PSUBSCRIBE", "__keyevent@0__:*"))
        self.sub.read_reply()

    def tearDown(self):
        self.sub.close()
        self.r.config_set("notify-keyspace-events", "")
        super().tearDown()

    def events(self, *args):
        reply = self.cmd(*args)
        self.sub.send(encode_command("PING"))
        events = []
        while True:
            parts = self.sub.read_reply().split(b"\r\n")
            if parts[2] == b"pong":
                return reply, events
            events.append((parts[6].split(b":", 1)[1], parts[8]))
