"""Differential protocol fuzz: basalt and redis-server 7.0.15 get the same random, mostly
malformed byte streams and must answer them alike, byte for byte, and close the connection
alike.

test_differential.py compares commands; this compares what comes before a command: the request
parser. Each stream (seeded, so a failure reproduces) is a few fragments glued together, valid
requests among them: multibulk and inline requests, bad counts and lengths in every spelling,
a type byte other than '$', bulks whose payload is a byte short or long or not followed by CRLF,
bulks around the 32 KB big-argument size, quotes and escapes in inline requests, NUL bytes,
lone CRs and LFs, random bytes, cut-off requests. It is sent on a fresh connection to each
server, in random chunks, and the replies are read until the server closes the connection or
stays quiet; both the bytes (HELLO's client id aside) and whether the connection was closed
must match. Quiet is judged after QUIET_S; a mismatch is read again with RETRY_QUIET_S before it
counts, so a slow machine does not cut a reply short.

Fragments that leave a line open past the 64 KB inline limit only ever end a stream: when the
line's end arrives later, which error a server reports (the line's, or "too big ... request")
depends on how much it had read when it looked, in Redis too.

Knobs for a longer hunt or a replay: BASALT_PFUZZ_SEEDS ("1-5000" or "7,12"),
BASALT_PFUZZ_KEEP_GOING=1 (report every mismatch, not the first ten).
"""

import os
import random
import re
import socket

import basalt_testlib as lib
import diff_shared

SEEDS = range(1, 301)
QUIET_S = 0.05
RETRY_QUIET_S = 1.0
PASSWORD = "fuzz-pass"


def multibulk(*args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


VALID = [multibulk(b"PING"), multibulk(b"SET", b"k", b"v"), multibulk(b"GET", b"k"),
         multibulk(b"ECHO", b"hello"), multibulk(b"DEL", b"k2"), multibulk(b"EXISTS", b"k"),
         multibulk(b"STRLEN", b"k"), b"PING\r\n", b'ECHO "a b"\r\n', b"GET k\n",
         b"SET k 'x y'\r\n"]
NUMBERS = [b"-1", b"0", b"1", b"2", b"-5", b"abc", b"", b"+3", b" 2", b"2 ", b"3x", b"0x10",
           b"-0", b"01", b"1024", b"1048577", b"2147483647", b"2147483648",
           b"9999999999999999999", b"10", b"11", b"16384", b"16385"]
INLINE_ODDITIES = [b'"unbalanced\r\n', b"'x\r\n", b'ECHO "a\\x41"\r\n', b'ECHO "\\xzz"\r\n',
                   b'ECHO "a"b\r\n', b"ECHO 'it\\'s'\r\n", b"\r\n", b"\n", b"   \r\n",
                   b"ECHO a  b\r\n", b'ECHO ""\r\n', b'ECHO "\\n\\t"\r\n', b"PING\r",
                   b'ECHO "a" \r\n', b"ECHO a\tb\r\n", b"AUTH " + PASSWORD.encode() + b"\r\n",
                   b"AUTH wrong\r\n", b"HELLO 3\r\n"]


def header_fragment(rng):
    n = rng.choice(NUMBERS)
    return rng.choice([
        b"*" + n + b"\r\n",
        b"*2\r\n$" + n + b"\r\nECHO\r\n",
        b"*2\r\n$4\r\nECHO\r\n$" + n + b"\r\n" + b"x" * rng.randrange(6) + b"\r\n",
        b"*" + n + b"\r\n" + multibulk(b"PING")[4:],
        b"*1\r\n" + rng.choice([b"+", b":", b"-", b"x", b"*", b"\0"]) + b"4\r\nPING\r\n",
        b"$4\r\nPING\r\n",
    ])


def payload_fragment(rng):
    size = rng.choice([3, 32767, 32768, 32769, 40000])
    payload = b"v" * (size + rng.choice([-1, 0, 0, 1]))
    tail = rng.choice([b"\r\n", b"\r\n", b"xx", b"\r", b"\n\r", b"\r\r"])
    return rng.choice([b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n", b"*2\r\n$4\r\nECHO\r\n"]) + \
        b"$%d\r\n" % size + payload + tail


def odd_fragment(rng):
    return rng.choice([
        rng.choice(INLINE_ODDITIES),
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12))),
        rng.choice(VALID)[:rng.randrange(1, 12)],  # a cut-off request, the rest never comes
        b"*1\r\n$4\r\nPING",  # no CRLF after the payload: the next bytes take its place
        b"*1\n$4\nPING\n",
        b"*1\r\n$4\r\nPING\r\r\n",
        b"\0PING\r\n",
        b"PI\0NG\r\n",
        b"*1\0\r\n$4\r\nPING\r\n",
    ])


def open_line_fragment(rng):
    """A line still open at the 64 KB inline limit (only ever last in a stream)."""
    run = rng.choice([65535, 65536, 65537, 70000])
    return rng.choice([b"PING " + b"x" * run, b"*" + b"1" * run, b"*1\r\n$" + b"1" * run,
                       b"\0" + b"x" * run])


def generate(rng):
    parts = []
    for _ in range(rng.randrange(1, 7)):
        roll = rng.random()
        if roll < 0.4:
            parts.append(rng.choice(VALID))
        elif roll < 0.65:
            parts.append(header_fragment(rng))
        elif roll < 0.8:
            parts.append(payload_fragment(rng))
        else:
            parts.append(odd_fragment(rng))
    if rng.random() < 0.05:
        parts.append(open_line_fragment(rng))
    data = b"".join(parts)
    chunks, left = [], len(data)
    while left > 0:
        size = rng.randrange(1, left + 1) if rng.random() < 0.3 else left
        chunks.append(size)
        left -= size
    return data, chunks


def exchange(port, data, chunks, quiet):
    """Sends `data` in `chunks`; returns (what came back, whether the server closed)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=lib.IO_TIMEOUT)
    try:
        pos = 0
        for size in chunks:
            try:
                sock.sendall(data[pos:pos + size])
            except OSError:
                break  # closed by the server mid-stream: what it sent is still read below
            pos += size
        sock.settimeout(quiet)
        received, closed = b"", False
        while True:
            try:
                got = sock.recv(1 << 16)
            except socket.timeout:
                break
            except OSError:
                closed = True
                break
            if not got:
                closed = True
                break
            received += got
        # HELLO's reply carries the connection's id, which differs between the servers.
        received = re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"$2\r\nid\r\n:N\r\n", received)
        return received, closed
    finally:
        sock.close()


def shorten(data, limit=300):
    text = repr(data)
    return text if len(text) <= limit else text[:limit] + f"... ({len(data)} bytes)"


class ProtocolFuzzCase(diff_shared.SideBySide):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        seeds = os.environ.get("BASALT_PFUZZ_SEEDS")
        cls.seeds = diff_shared.parse_seeds(seeds) if seeds else list(SEEDS)
        cls.keep_going = os.environ.get("BASALT_PFUZZ_KEEP_GOING") == "1"

    def reset(self, port):
        """Empties the server, so that no stream's keys reach the next (each replays alone)."""
        prefix = lib.encode_command("AUTH", PASSWORD) if self.server_args else b""
        with socket.create_connection(("127.0.0.1", port), timeout=lib.IO_TIMEOUT) as sock:
            sock.sendall(prefix + lib.encode_command("FLUSHALL"))
            expected = b"+OK\r\n" * (2 if prefix else 1)
            received = b""
            while len(received) < len(expected):
                got = sock.recv(64)
                self.assertTrue(got, "the server closed the reset connection")
                received += got
            self.assertEqual(received, expected)

    def compare(self, seed):
        data, chunks = generate(random.Random(f"{self.label}-{seed}"))
        for quiet in (QUIET_S, RETRY_QUIET_S):
            self.reset(self.basalt.port)
            self.reset(self.redis.port)
            ours = exchange(self.basalt.port, data, chunks, quiet)
            theirs = exchange(self.redis.port, data, chunks, quiet)
            if ours == theirs:
                return None
        return (f"seed {seed}: sent {shorten(data)} in chunks {chunks}\n"
                f"  basalt: {shorten(ours[0])}{' (closed)' if ours[1] else ''}\n"
                f"  redis:  {shorten(theirs[0])}{' (closed)' if theirs[1] else ''}")

    def test_same_replies_and_closes_as_redis(self):
        mismatches = []
        for seed in self.seeds:
            mismatch = self.compare(seed)
            if mismatch:
                mismatches.append(mismatch)
                if len(mismatches) >= 10 and not self.keep_going:
                    break
        self.assertTrue(self.basalt.running(), "basalt died; log:\n" + self.basalt.log_tail())
        if mismatches:
            self.fail(f"{len(mismatches)} streams answered differently (BASALT_PFUZZ_SEEDS=N "
                      f"replays one):\n" + "\n".join(mismatches))


class OpenServerFuzzTest(ProtocolFuzzCase, lib.unittest.TestCase):
    label = "open"


class PasswordServerFuzzTest(ProtocolFuzzCase, lib.unittest.TestCase):
    """Before AUTH, Redis also limits what a request may announce (unauthenticated lengths)."""
    label = "password"
    server_args = ("--requirepass", PASSWORD)


if __name__ == "__main__":
    lib.main()
