"""The servers under test for bench_persistence.py: a minimal blocking RESP client and a
redis-server or basalt process in its own temp dir on a free loopback port."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from benchlib import free_port, pinned, stop_process


class Conn:
    """A minimal blocking RESP client (enough for the replies this tool reads)."""

    def __init__(self, port, timeout=120.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def read_reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-", b":"):
            return line
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            return [self.read_reply() for _ in range(int(rest))]
        raise ValueError(f"unexpected reply {line[:80]!r}")

    def call(self, *argv):
        out = [b"*%d\r\n" % len(argv)]
        for a in argv:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self.read_reply()


def info_fields(conn, section):
    text = conn.call("INFO", section).decode()
    fields = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            fields[k] = v
    return fields


# ---------------------------------------------------------------------------------------------
# Servers


class Server:
    """A redis-server or basalt process in its own dir on a free loopback port."""

    def __init__(self, name, binary, args, extra=(), env=None):
        self.name = name
        self.binary = binary
        self.args = args
        self.extra = list(extra)
        self.env = dict(os.environ, **env) if env else None
        self.dir = tempfile.mkdtemp(prefix=f"benchp-{name}-", dir=args.tmpdir)
        self.port = free_port()
        self.proc = None
        self.log_path = None
        self.starts = 0

    def start(self, wait=True):
        """Starts the process; returns the monotonic time of the exec."""
        self.starts += 1
        self.log_path = os.path.join(self.dir, f"server-{self.starts}.log")
        cmd = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--dir", self.dir, "--dbfilename", "dump.rdb"]
        if "--appendonly" not in self.extra:
            cmd += ["--appendonly", "no"]
        cmd += self.extra
        if self.name == "redis":
            cmd += ["--daemonize", "no"]
        log = open(self.log_path, "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(pinned(cmd, self.args.server_cpus, self.args), stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=self.env)
        log.close()
        if wait:
            self.wait_data_ready(timeout=60)
        return t0

    def wait_data_ready(self, timeout):
        """Polls until a GET is answered with data (not refused, not -LOADING)."""
        deadline = time.monotonic() + timeout
        conn = None
        try:
            while True:
                if self.proc.poll() is not None:
                    sys.exit(f"{self.name} exited during startup; see {self.log_path}")
                if time.monotonic() > deadline:
                    sys.exit(f"{self.name} not ready after {timeout}s; see {self.log_path}")
                try:
                    if conn is None:
                        conn = Conn(self.port, timeout=10)
                    reply = conn.call("GET", "key:0000000")
                    if not (isinstance(reply, bytes) and reply.startswith(b"-LOADING")):
                        return time.monotonic()
                except OSError:
                    if conn is not None:
                        conn.close()
                        conn = None
                time.sleep(0.001)
        finally:
            if conn is not None:
                conn.close()

    def conn(self):
        return Conn(self.port)

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc, timeout=60)
        self.proc = None

    def destroy(self):
        self.stop()
        if not self.args.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def servers_in_order(args, rnd):
    pairs = [("redis", args.redis_server), ("basalt", args.basalt)]
    return pairs if rnd % 2 == 0 else list(reversed(pairs))


def wait_aof_idle(server):
    """Waits until the server is not rewriting its AOF (a fresh AOF starts with a base)."""
    c = server.conn()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            f = info_fields(c, "persistence")
            if f.get("aof_rewrite_in_progress", "0") == "0" and \
                    f.get("aof_rewrite_scheduled", "0") == "0":
                return
            time.sleep(0.01)
        sys.exit(f"{server.name}: AOF rewrite did not finish")
    finally:
        c.close()
