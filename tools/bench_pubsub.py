#!/usr/bin/env python3
"""Pub/sub and transaction benchmark: basalt against redis-server on this machine, in one run.

Starts redis-server and basalt (--basalt, default build/basalt-server) with persistence off on
free loopback ports, keeps both running, and for --rounds rounds runs every test against each,
alternating which server goes first every round (so neither always runs on a warmer machine).
Prints each measurement as it is taken, then a summary with the median of the rounds per
target and the ratio basalt/redis (above 1: basalt is faster). Tests (--tests):

  publish  PUBLISH of 64-byte messages to 1, 100 and 1000 subscribers (--subscribers) of one
           channel: messages delivered per second. The subscribers are raw sockets spread over
           --reader-procs processes that only count the bytes they receive (every message has
           the same size); --publishers processes pipeline PUBLISH in batches of --batch.
           Each run publishes --deliveries / subscribers messages (within --min-messages and
           --max-messages) and ends when every subscriber has received every message; the
           rate is deliveries / (end - first publish). Both servers get
           client-output-buffer-limit "pubsub 0 0 0" first, so a subscriber that falls behind
           is not dropped.
  multi    MULTI; SET key v; INCR counter; EXEC from --tx-clients connections (spread over
           --tx-procs processes, each an event loop over its connections): transactions per
           second, with one transaction per write (-P 1, what a redis-py
           pipeline(transaction=True) does) and --tx-pipeline transactions per write. Written
           in Python because redis-benchmark runs one command per test and cannot send a
           MULTI ... EXEC sequence. Checked: the counters add up to the transactions run.
  watch    the cost of WATCH: redis-benchmark -c 50 -t set -r 100000 (-P 1 and -P 16) while
           one idle client holds --watch-keys keys WATCHed (watched:0.., none of which the
           benchmark writes) against the same without it (which of the two runs first
           alternates by round too): ops/s of each and their ratio.

Builds nothing; stdlib only; needs redis-server and redis-benchmark. The machine should be
otherwise idle (the tool prints the load average; --wait-load L waits before each round for a
1-minute load average below L). Examples:

  python3 tools/bench_pubsub.py --basalt build/basalt-server --rounds 3
  python3 tools/bench_pubsub.py --tests publish --subscribers 1,10,100 --rounds 1
  python3 tools/bench_pubsub.py --tests multi,watch --pin

Options (--help lists them all): --pin runs the servers on --server-cpus and the clients on
--client-cpus with taskset; --keep keeps the servers' temp dirs.
"""

import argparse
import csv
import io
import multiprocessing
import os
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import add_server_args, median, pinned, say  # noqa: E402
from bench_servers import Conn, Server  # noqa: E402

ALL_TESTS = ("publish", "multi", "watch")
CHANNEL = b"bench:channel"
PAYLOAD = b"m" * 64


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(p, REPO_ROOT)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--tests", default=",".join(ALL_TESTS),
                   help="comma-separated subset of " + ",".join(ALL_TESTS))
    p.add_argument("--subscribers", default="1,100,1000", help="subscriber counts to test")
    p.add_argument("--deliveries", type=int, default=1_000_000,
                   help="messages x subscribers per publish run")
    p.add_argument("--min-messages", type=int, default=1_000)
    p.add_argument("--max-messages", type=int, default=400_000)
    p.add_argument("--publishers", type=int, default=2, help="publisher processes")
    p.add_argument("--batch", type=int, default=64, help="PUBLISH commands per write")
    p.add_argument("--reader-procs", type=int, default=2, help="subscriber processes")
    p.add_argument("--tx-clients", type=int, default=50)
    p.add_argument("--tx-procs", type=int, default=4)
    p.add_argument("--tx-count", type=int, default=100_000,
                   help="transactions per run with one per write (10x that with pipelining)")
    p.add_argument("--tx-pipeline", type=int, default=16)
    p.add_argument("--watch-keys", type=int, default=10_000)
    p.add_argument("--set-requests", type=int, default=100_000,
                   help="redis-benchmark -n with -P 1 (10x that with -P 16)")
    p.add_argument("--wait-load", type=float, default=0.0,
                   help="before each round, wait for a 1-minute load average below this")
    args = p.parse_args(argv)
    args.tests = [t for t in args.tests.split(",") if t]
    for t in args.tests:
        if t not in ALL_TESTS:
            p.error(f"unknown test {t!r}")
    args.subscribers = [int(n) for n in args.subscribers.split(",") if n]
    return args


def pin_self(args):
    """Client processes of this tool run on the client CPUs with --pin."""
    if args.pin and hasattr(os, "sched_setaffinity"):
        cpus = set()
        for part in args.client_cpus.split(","):
            low, _, high = part.partition("-")
            cpus.update(range(int(low), int(high or low) + 1))
        os.sched_setaffinity(0, cpus)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_exactly(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("server closed the connection")
        data += chunk
    return bytes(data)


# ---------------------------------------------------------------------------------------------
# publish: fan-out to N subscribers


def subscriber_proc(args, port, count, per_socket_bytes, ready, go, results):
    """Opens `count` subscriber connections, then counts received bytes until each has
    per_socket_bytes; reports the monotonic time it finished (or an error text)."""
    try:
        pin_self(args)
        confirm = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(CHANNEL), CHANNEL)
        socks = []
        for _ in range(count):
            s = connect(port)
            s.sendall(resp(b"SUBSCRIBE", CHANNEL))
            if read_exactly(s, len(confirm)) != confirm:
                raise RuntimeError("unexpected SUBSCRIBE confirmation")
            s.setblocking(False)
            socks.append(s)
        ready.put(count)
        go.wait()
        sel = selectors.DefaultSelector()
        remaining = {}
        for s in socks:
            sel.register(s, selectors.EVENT_READ)
            remaining[s] = per_socket_bytes
        buf = bytearray(1 << 18)
        deadline = time.monotonic() + 600
        while remaining:
            for key, _ in sel.select(timeout=5):
                s = key.fileobj
                try:
                    n = s.recv_into(buf)
                except BlockingIOError:
                    continue
                if n == 0:
                    raise ConnectionError("a subscriber was disconnected")
                remaining[s] -= n
                if remaining[s] <= 0:
                    if remaining[s] < 0:
                        raise RuntimeError("a subscriber received more bytes than published")
                    sel.unregister(s)
                    del remaining[s]
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(remaining)} subscribers still waiting after 600 s")
        results.put(time.monotonic())
        for s in socks:
            s.close()
    except BaseException as e:  # reported to the parent instead of hanging it
        results.put(f"subscriber: {type(e).__name__}: {e}")


def publisher_proc(args, port, messages, go, results):
    """Publishes `messages` PUBLISH commands in pipelined batches; reports the monotonic time
    of its first write (or an error text)."""
    try:
        pin_self(args)
        s = connect(port)
        command = resp(b"PUBLISH", CHANNEL, PAYLOAD)
        go.wait()
        started = time.monotonic()
        sent = 0
        buf = bytearray(1 << 16)
        while sent < messages:
            n = min(args.batch, messages - sent)
            s.sendall(command * n)
            # Replies are ":<subscribers>\r\n": count line ends (a read may split a CRLF).
            lines = 0
            while lines < n:
                got = s.recv_into(buf)
                if got == 0:
                    raise ConnectionError("server closed the connection")
                if buf[0:1] == b"-":
                    raise RuntimeError(bytes(buf[:got]).decode(errors="replace"))
                lines += buf.count(b"\n", 0, got)
            sent += n
        s.close()
        results.put(("started", started))
    except BaseException as e:
        results.put(f"publisher: {type(e).__name__}: {e}")


def run_publish(args, server, subscribers):
    """One fan-out run; returns deliveries per second."""
    messages = max(args.min_messages, min(args.max_messages, args.deliveries // subscribers))
    message_bytes = len(b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" %
                        (len(CHANNEL), CHANNEL, len(PAYLOAD), PAYLOAD))
    ctx = multiprocessing.get_context("fork")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = min(args.reader_procs, subscribers)
    shares = [subscribers // procs + (1 if i < subscribers % procs else 0) for i in range(procs)]
    readers = [ctx.Process(target=subscriber_proc,
                           args=(args, server.port, n, messages * message_bytes, ready, go,
                                 results), daemon=True) for n in shares]
    per_publisher = [messages // args.publishers + (1 if i < messages % args.publishers else 0)
                     for i in range(args.publishers)]
    publishers = [ctx.Process(target=publisher_proc, args=(args, server.port, n, go, results),
                              daemon=True) for n in per_publisher if n > 0]
    for p in readers + publishers:
        p.start()
    try:
        for _ in readers:
            ready.get(timeout=120)
        admin = Conn(server.port)
        reply = admin.call("PUBSUB", "NUMSUB", CHANNEL)
        admin.close()
        if reply[1] != b":%d" % subscribers:
            sys.exit(f"{server.name}: {reply[1]!r} subscribers instead of {subscribers}")
        go.set()
        starts, ends = [], []
        for _ in readers + publishers:
            r = results.get(timeout=900)
            if isinstance(r, str):
                sys.exit(f"{server.name}: {r}")
            if isinstance(r, tuple):
                starts.append(r[1])
            else:
                ends.append(r)
    finally:
        for p in readers + publishers:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    return messages * subscribers / (max(ends) - min(starts))


# ---------------------------------------------------------------------------------------------
# multi: MULTI; SET; INCR; EXEC from many clients


def tx_proc(args, port, first_client, clients, per_client, pipeline, go, results):
    """An event loop over `clients` connections, each running per_client transactions,
    `pipeline` of them per write; reports (start, end) monotonic times or an error text."""
    try:
        pin_self(args)
        sel = selectors.DefaultSelector()
        state = {}
        for i in range(clients):
            c = first_client + i
            one = (resp(b"MULTI") + resp(b"SET", b"tx:key:%d" % c, b"value") +
                   resp(b"INCR", b"tx:counter:%d" % c) + resp(b"EXEC"))
            s = connect(port)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            # +OK, +QUEUED, +QUEUED, *2, +OK, :n: six lines per transaction (no other "\n").
            state[s] = {"request": one * pipeline, "left": per_client, "lines": 0, "want": 0}
        go.wait()
        started = time.monotonic()

        def send_next(s, st):
            n = min(pipeline, st["left"])
            st["left"] -= n
            st["want"], st["lines"] = 6 * n, 0
            s.sendall(st["request"] if n == pipeline else st["request"][:len(st["request"]) //
                                                                        pipeline * n])

        for s, st in state.items():
            send_next(s, st)
        active = len(state)
        buf = bytearray(1 << 16)
        while active:
            for key, _ in sel.select(timeout=60):
                s, st = key.fileobj, state[key.fileobj]
                try:
                    n = s.recv_into(buf)
                except BlockingIOError:
                    continue
                if n == 0:
                    raise ConnectionError("server closed the connection")
                if buf[0:1] == b"-" or buf.find(b"\n-", 0, n) >= 0:
                    raise RuntimeError(bytes(buf[:n]).decode(errors="replace")[:200])
                st["lines"] += buf.count(b"\n", 0, n)  # a read may split a CRLF
                if st["lines"] >= st["want"]:
                    if st["left"]:
                        send_next(s, st)
                    else:
                        sel.unregister(s)
                        s.close()
                        active -= 1
        results.put((started, time.monotonic()))
    except BaseException as e:
        results.put(f"transactions: {type(e).__name__}: {e}")


def run_multi(args, server, pipeline, total):
    """One run of `total` transactions; returns transactions per second."""
    c = Conn(server.port)
    c.call("FLUSHALL")
    per_client = total // args.tx_clients
    ctx = multiprocessing.get_context("fork")
    results, go = ctx.Queue(), ctx.Event()
    procs = min(args.tx_procs, args.tx_clients)
    shares = [args.tx_clients // procs + (1 if i < args.tx_clients % procs else 0)
              for i in range(procs)]
    workers, first = [], 0
    for n in shares:
        workers.append(ctx.Process(target=tx_proc, args=(args, server.port, first, n, per_client,
                                                         pipeline, go, results), daemon=True))
        first += n
    for w in workers:
        w.start()
    go.set()
    spans = []
    try:
        for _ in workers:
            r = results.get(timeout=900)
            if isinstance(r, str):
                sys.exit(f"{server.name}: {r}")
            spans.append(r)
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.kill()
    done = per_client * args.tx_clients
    counted = sum(int(c.call("GET", f"tx:counter:{i}") or 0) for i in range(args.tx_clients))
    c.close()
    if counted != done:
        sys.exit(f"{server.name}: counters add up to {counted}, not {done}")
    return done / (max(e for _, e in spans) - min(s for s, _ in spans))


# ---------------------------------------------------------------------------------------------
# watch: redis-benchmark SET with and without 10k watched keys


def redis_benchmark_set(args, server, pipeline):
    requests = args.set_requests * (10 if pipeline > 1 else 1)
    cmd = [args.redis_benchmark, "-h", "127.0.0.1", "-p", str(server.port), "-c", "50",
           "-n", str(requests), "-t", "set", "-r", "100000", "-P", str(pipeline), "--csv"]
    out = subprocess.run(pinned(cmd, args.client_cpus, args), capture_output=True, text=True,
                         check=True).stdout
    return float(next(csv.DictReader(io.StringIO(out)))["rps"])


def run_watch(args, server, pipeline, watched):
    """redis-benchmark SET ops/s, with an idle client watching `watched` keys meanwhile."""
    watcher = None
    if watched:
        watcher = Conn(server.port)
        for start in range(0, watched, 1000):
            keys = [f"watched:{i}" for i in range(start, min(watched, start + 1000))]
            if watcher.call("WATCH", *keys) != b"+OK":
                sys.exit(f"{server.name}: WATCH refused")
    try:
        return redis_benchmark_set(args, server, pipeline)
    finally:
        if watcher is not None:
            watcher.close()  # the server drops the watched keys with the connection


# ---------------------------------------------------------------------------------------------


def wait_for_quiet_machine(args):
    if args.wait_load <= 0:
        return
    deadline = time.monotonic() + 600
    while os.getloadavg()[0] >= args.wait_load and time.monotonic() < deadline:
        time.sleep(5)


def run_round(args, rnd, servers, results):
    order = servers if rnd % 2 == 0 else list(reversed(servers))

    def record(test, server, value, unit):
        results.setdefault((test, server.name), []).append(value)
        say(f"round {rnd + 1}  {server.name:<6}  {test:<40} {value:>14,.0f} {unit}")

    if "publish" in args.tests:
        for n in args.subscribers:
            for server in order:
                record(f"PUBLISH 64 B to {n} subscribers", server, run_publish(args, server, n),
                       "deliveries/s")
    if "multi" in args.tests:
        for pipeline in (1, args.tx_pipeline):
            total = args.tx_count * (10 if pipeline > 1 else 1)
            for server in order:
                record(f"MULTI SET INCR EXEC, {args.tx_clients} clients, -P {pipeline}", server,
                       run_multi(args, server, pipeline, total), "tx/s")
    if "watch" in args.tests:
        for pipeline in (1, 16):
            for server in order:
                # With and without the watcher in turn too: first one, then the other.
                for watched in ((0, args.watch_keys) if rnd % 2 == 0 else (args.watch_keys, 0)):
                    label = f"SET -P {pipeline}, " + (f"{watched:,} keys watched" if watched
                                                      else "nothing watched")
                    record(label, server, run_watch(args, server, pipeline, watched), "ops/s")


def print_summary(args, results):
    say("\n== summary (median of rounds; basalt/redis > 1: basalt faster) ==")
    tests = []
    for test, _ in results:
        if test not in tests:
            tests.append(test)
    say(f"{'test':<44}{'redis':>14}{'basalt':>14}{'basalt/redis':>14}")
    medians = {}
    for test in tests:
        r = median(results.get((test, "redis"), []))
        b = median(results.get((test, "basalt"), []))
        medians[test] = (r, b)
        say(f"{test:<44}{r:>14,.0f}{b:>14,.0f}{b / r:>14.2f}")
    if "watch" in args.tests:
        say("\nWATCH cost (ops/s with the keys watched / without):")
        for pipeline in (1, 16):
            base, watched = (f"SET -P {pipeline}, nothing watched",
                             f"SET -P {pipeline}, {args.watch_keys:,} keys watched")
            if base in medians and watched in medians:
                (r0, b0), (r1, b1) = medians[base], medians[watched]
                say(f"  -P {pipeline:<3} redis {r1 / r0:.3f}   basalt {b1 / b0:.3f}")


def main():
    args = parse_args()
    for tool in (args.basalt, args.redis_server, args.redis_benchmark):
        if not (os.access(tool, os.X_OK) or shutil.which(tool)):
            sys.exit(f"not found: {tool}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:  # 1000 subscribers, servers included (children inherit it)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    load = os.getloadavg()
    say(f"cpus={os.cpu_count()} load={load[0]:.2f},{load[1]:.2f},{load[2]:.2f} "
        f"rounds={args.rounds} tests={','.join(args.tests)} "
        f"pinned={'servers@' + args.server_cpus + ' clients@' + args.client_cpus if args.pin else 'no'}")
    say(f"basalt={args.basalt}")
    say(f"redis={subprocess.run([args.redis_server, '--version'], capture_output=True, text=True).stdout.strip()}")
    servers = [Server("redis", args.redis_server, args), Server("basalt", args.basalt, args)]
    results = {}
    try:
        for s in servers:
            s.start()
            c = s.conn()
            # A subscriber that falls behind must not be dropped mid-run.
            if c.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 0 0") != b"+OK":
                sys.exit(f"{s.name}: CONFIG SET client-output-buffer-limit refused")
            c.close()
        for rnd in range(args.rounds):
            wait_for_quiet_machine(args)
            run_round(args, rnd, servers, results)
    finally:
        for s in servers:
            s.destroy()
    print_summary(args, results)


if __name__ == "__main__":
    main()
