"""What the command-family tests share: the RESP2 bytes of expected replies, and a test case
with a redis-py client and a raw connection on a flushed server; and one that restarts servers
over a directory of its own (the persistence tests).

Replies are compared as bytes (not as redis-py's decoded values) because the bytes are the
spec: a client that reads `*-1` and one that reads `*0` see different things.
"""

import shutil
import tempfile
import threading
import unittest

import basalt_testlib as lib

NIL = b"$-1\r\n"
NIL_ARRAY = b"*-1\r\n"
EMPTY = b"*0\r\n"
OK = b"+OK\r\n"


def bulk(data):
    """A bulk string of `data` (bytes, or str encoded as UTF-8)."""
    if isinstance(data, str):
        data = data.encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


def integer(n):
    return b":%d\r\n" % n


def error(text):
    return b"-" + text.encode() + b"\r\n"


def arity_error(name):
    return error(f"ERR wrong number of arguments for '{name}' command")


def encoded_array(*replies):
    """An array of replies given already encoded."""
    return b"*%d\r\n" % len(replies) + b"".join(replies)


def bulks(*items):
    """An array of bulk strings; None stands for a nil bulk."""
    return encoded_array(*(NIL if item is None else bulk(item) for item in items))


class CommandTestCase(lib.ServerTestCase):
    """A redis-py client (self.r) and a raw RESP2 connection (self.c) on a flushed server; and
    many clients at once in threads (run_in_threads, drain_in_threads)."""

    def setUp(self):
        self.r = self.server.client()
        self.addCleanup(self.r.close)
        self.r.flushall()
        self.c = self.server.raw()
        self.addCleanup(self.c.close)

    def cmd(self, *args):
        return self.c.command(*args)

    def assertReply(self, args, expected, note=None):
        self.assertEqual(self.cmd(*args), expected, args if note is None else (args, note))

    def encoding(self, key):
        return self.r.object("ENCODING", key)

    def run_in_threads(self, target, count, what="a client thread"):
        """Runs target(0) ... target(count - 1) in threads at once (as many clients of the
        server at the same time) and waits for them all; fails naming `what` when one still
        runs after twice the I/O timeout (a reply that never came)."""
        threads = [threading.Thread(target=target, args=(n,), daemon=True) for n in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(lib.IO_TIMEOUT * 2)
            self.assertFalse(t.is_alive(), f"{what} hangs")

    def drain_in_threads(self, pop, count, what="a popper"):
        """count clients at once, client n calling pop(its redis-py client, n) until that
        returns nothing (the key emptied); returns all they popped, in no particular order, to
        check that every element came out exactly once."""
        popped = []
        lock = threading.Lock()

        def drain(n):
            c = self.server.client()
            try:
                while True:
                    got = pop(c, n)
                    if not got:
                        return
                    with lock:
                        popped.extend(got)
            finally:
                c.close()

        self.run_in_threads(drain, count, what)
        return popped


class RestartTestCase(unittest.TestCase):
    """Servers started one after another over one working directory (removed after the test),
    each with a log of its own; workdir_prefix names the directory."""

    workdir_prefix = "basalt-it-"

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix=self.workdir_prefix)
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)
        self.runs = 0

    def start(self, args=()):
        self.runs += 1
        server = lib.ServerProcess(list(args), workdir=self.workdir,
                                   log_name=f"server-{self.runs}.log").start()
        self.addCleanup(server.kill)
        return server
