#!/usr/bin/env python3
"""Persistence benchmark: basalt against redis-server on this machine, ratios in one run.

Starts redis-server and basalt (--basalt, default build/basalt-server) in fresh temp dirs on
free loopback ports and, for --rounds rounds, alternates which of the two goes first in every
test (so neither always runs on a warmer machine). Tests:

  save   1M keys (--keys; 11-byte keys "key:0000000", 10-byte values, loaded with
         redis-cli --pipe; with --dataset mixed, keys of every type in small and big
         encodings instead): time of SAVE (client round trip), then of BGSAVE until INFO says
         rdb_bgsave_in_progress:0 (and, from the servers' own logs, from "started" to the end
         of the write: Redis's parent only notices its child's exit in its cron, up to 1/hz
         later).
  load   the server is stopped and restarted on its dump.rdb; boot time = from exec until a
         GET is answered with data instead of -LOADING; also the load time the server logs.
  aof    appendonly yes with appendfsync always and everysec, fresh dirs:
         redis-benchmark -c 50 -t set -r 100000 -n N --csv; ops/s. Both servers run side by
         side and take turns in --aof-slices short runs, since a shared disk's fsync latency
         drifts a lot within seconds. An fdatasync latency probe of the temp dir's disk is
         printed first ("always" is bound by fsync latency). With --fsync-delays 0,1000 the
         test runs again with both servers on a simulated slower disk: tools/fault_inject.cc
         (build target fault_inject) preloaded, each fsync 1000 us longer, as on a real SSD
         (a VM's cached disk or tmpfs answers an fsync in ~0.05 ms, which hides what group
         commit is for).
  bgsave 1M keys "key:000000xxxxxx" (16 bytes; the key space redis-benchmark -r 1000000
         overwrites, so the dataset stays 1M keys) with 10-byte values; a write load
         (redis-benchmark -c 50 -t set -r 1000000 -d 10) runs, then BGSAVE. Every ~20 ms the
         tool samples VmRSS of the server and of its children (Redis forks a child for the
         save) and Pss from /proc/<pid>/smaps_rollup. Copy-on-write pages shared by parent and
         child are counted twice in an RSS sum; the Pss sum is the fair total. Steady state is
         the median RSS under the same load before BGSAVE. A probe process sends PING and GET
         alternately in a tight loop on its own connection and records every round trip; the
         slowest and p99.9 within the snapshot window are "the slowest command". The writers'
         own latency (redis-benchmark --csv: p99, max over their whole run) is shown too.
  bigkey the same BGSAVE under writes, but the dataset is one hash of --big-members fields
         (1M; "f:000000xxxxxx" -> 10-byte values) and the writers HSET random fields of it
         (redis-benchmark -r over the same fields): the save of one big collection that is
         being written to, where a forkless snapshot must not turn into one long pause.

A summary table at the end has the median of the rounds, the ratios basalt/redis and whether
each goal is met (save and boot load <= 0.5x Redis's time; appendfsync always >= 2x Redis's
throughput; peak RSS during BGSAVE under writes <= 1.1x steady state; slowest command during
the snapshot <= 10 ms).

Builds nothing; stdlib only; needs redis-server, redis-benchmark and redis-cli. The machine
should be otherwise idle (the tool prints the load average). Example:

  python3 tools/bench_persistence.py --basalt build/basalt-server --rounds 3
  python3 tools/bench_persistence.py --tests save,load --keys 200000 --rounds 1
  python3 tools/bench_persistence.py --tests aof --fsync-delays 0,300,1000,2000 --pin

Options (--help lists them all): --tests save,load,aof,bgsave picks tests; --pin runs servers
and clients on separate CPUs (a pinned Redis's fork child then shares the server's CPU);
--wait-load L waits before each round for a 1-minute load average below L; --keep keeps dirs.
"""

import argparse
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import MemorySampler, add_server_args, median, percentile, pinned, say  # noqa: E402
from bench_servers import (Conn, Server, info_fields, servers_in_order,  # noqa: E402
                           wait_aof_idle)
ALL_TESTS = ("save", "load", "aof", "bgsave", "bigkey")
GOAL_SAVE_RATIO = 0.5
GOAL_LOAD_RATIO = 0.5
GOAL_ALWAYS_RATIO = 2.0
GOAL_PEAK_RSS = 1.1
GOAL_SLOWEST_MS = 10.0


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(p, REPO_ROOT)
    p.add_argument("--redis-cli", default=shutil.which("redis-cli") or "redis-cli")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--tests", default=",".join(ALL_TESTS),
                   help="comma-separated subset of " + ",".join(ALL_TESTS))
    p.add_argument("--keys", type=int, default=1_000_000, help="keys for save/load")
    p.add_argument("--dataset", choices=("strings", "mixed"), default="strings",
                   help="save/load: 10-byte strings, or a mix of every type (mixed_stream)")
    p.add_argument("--bgsave-keys", type=int, default=1_000_000,
                   help="keys for the BGSAVE-under-writes test (also redis-benchmark -r)")
    p.add_argument("--big-members", type=int, default=1_000_000,
                   help="fields of the one hash of the bigkey test (also redis-benchmark -r)")
    p.add_argument("--aof-always-requests", type=int, default=100_000)
    p.add_argument("--aof-everysec-requests", type=int, default=300_000)
    p.add_argument("--aof-keyspace", type=int, default=100_000, help="redis-benchmark -r")
    p.add_argument("--aof-slices", type=int, default=4,
                   help="the AOF runs alternate between the servers in this many slices")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--fsync-delays", default="0",
                   help="aof: comma-separated extra fsync latencies in us to run with "
                        "(0: the disk as it is)")
    p.add_argument("--fault-inject-lib",
                   default=os.path.join(REPO_ROOT, "build", "libfault_inject.so"),
                   help="tools/fault_inject.cc built (its slow fsync is used by --fsync-delays)")
    p.add_argument("--sample-ms", type=float, default=20.0, help="RSS sampling period")
    p.add_argument("--steady-seconds", type=float, default=2.0,
                   help="write load before BGSAVE that defines the steady state")
    p.add_argument("--probe-interval-us", type=int, default=0,
                   help="pause between probe round trips (0: tight loop)")
    p.add_argument("--wait-load", type=float, default=0.0,
                   help="before each round, wait (up to --wait-max s) until the 1-minute load "
                        "average is below this (0: don't wait)")
    p.add_argument("--wait-max", type=float, default=600.0)
    p.add_argument("--probe", type=int, help=argparse.SUPPRESS)  # internal: probe process
    p.add_argument("--probe-key", default="key:000000000001", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.tests = [t.strip() for t in args.tests.split(",") if t.strip()]
    for t in args.tests:
        if t not in ALL_TESTS:
            p.error(f"unknown test {t!r}")
    return args


# ---------------------------------------------------------------------------------------------
# Data


def load_stream(keys, key_format):
    """RESP SET commands; values are 10 bytes ("v000000000")."""
    template = b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$10\r\nv%09d\r\n"
    out = []
    for i in range(keys):
        k = key_format % i
        out.append(template % (len(k), k, i))
    return b"".join(out)


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def mixed_stream(keys, key_format):
    """One command per key building a mix of every type: of each 20 keys, 8 strings, 3 hashes
    of 10 fields, 2 lists of 10, 2 sets of 10 integers (intsets), 1 set of 10 strings, 2 sorted
    sets of 10 (all small: the compact encodings), and 2 more strings; but every 1000th key is
    a 1000-member hash, set, sorted set or list in turn (the big encodings)."""
    out = []
    for i in range(keys):
        k = key_format % i
        kind = i % 20
        if i % 1000 == 19:
            big = (i // 1000) % 4
            if big == 0:
                out.append(resp("HSET", k, *[x for j in range(1000) for x in (f"f{j}", f"v{i}")]))
            elif big == 1:
                out.append(resp("SADD", k, *[f"m{j}:{i}" for j in range(1000)]))
            elif big == 2:
                out.append(resp("ZADD", k, *[x for j in range(1000) for x in (j, f"m{j}")]))
            else:
                out.append(resp("RPUSH", k, *[f"e{j}:{i}" for j in range(1000)]))
        elif 8 <= kind <= 10:
            out.append(resp("HSET", k, *[x for j in range(10) for x in (f"f{j}", f"v{i}")]))
        elif kind in (11, 12):
            out.append(resp("RPUSH", k, *[f"e{j}:{i}" for j in range(10)]))
        elif kind in (13, 14):
            out.append(resp("SADD", k, *[i + j for j in range(10)]))
        elif kind == 15:
            out.append(resp("SADD", k, *[f"m{j}:{i}" for j in range(10)]))
        elif kind in (16, 17):
            out.append(resp("ZADD", k, *[x for j in range(10) for x in (j * 1.5, f"m{j}")]))
        else:
            out.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$10\r\nv%09d\r\n" % (len(k), k, i))
    return b"".join(out)


def load_keys(args, server, stream, keys):
    proc = subprocess.run(pinned([args.redis_cli, "-p", str(server.port), "--pipe"],
                                 args.client_cpus, args),
                          input=stream, capture_output=True, check=True)
    summary = proc.stdout.decode().strip().splitlines()[-1]
    if f"errors: 0, replies: {keys}" not in summary:
        sys.exit(f"{server.name}: load failed: {summary}")
    c = server.conn()
    try:
        dbsize = c.call("DBSIZE")
    finally:
        c.close()
    if dbsize != b":%d" % keys:
        sys.exit(f"{server.name}: DBSIZE {dbsize!r} after loading {keys} keys")


# ---------------------------------------------------------------------------------------------
# Logs

LOG_LINE = re.compile(r"^\d+:([A-Z]) (\d+ \w+ \d+ \d+:\d+:\d+\.\d+) \S (.*)$")


def log_events(text):
    """(seconds since epoch-ish, role, message) for each line with a Redis-style timestamp."""
    events = []
    for line in text.splitlines():
        m = LOG_LINE.match(line.strip())
        if not m:
            continue
        stamp = time.strptime(m.group(2).split(".")[0], "%d %b %Y %H:%M:%S")
        t = time.mktime(stamp) + int(m.group(2).split(".")[1]) / 1000.0
        events.append((t, m.group(1), m.group(3)))
    return events


def logged_load_seconds(text):
    m = re.search(r"DB loaded from disk: ([\d.]+) seconds", text)  # redis
    if m:
        return float(m.group(1))
    m = re.search(r"Loaded [^:]*: \d+ keys, .* ([\d.]+) seconds", text)  # basalt
    return float(m.group(1)) if m else float("nan")


def logged_bgsave_seconds(text):
    """From "Background saving started" to the end of the write, per the server's log (the
    last BGSAVE in the log)."""
    start = end = None
    for t, role, msg in log_events(text):
        if msg.startswith("Background saving started"):
            start, end = t, None
        elif start is not None and end is None:
            # Redis: the child ("C") logs "DB saved on disk" when its file is complete.
            if (role == "C" and msg.startswith("DB saved on disk")) or \
                    msg.startswith("Background saving terminated with success"):
                end = t
    return end - start if start is not None and end is not None else float("nan")


# ---------------------------------------------------------------------------------------------
# Test: SAVE / BGSAVE time, boot load time


def bgsave_and_wait(conn, poll_s=0.005):
    """BGSAVE; returns (seconds until rdb_bgsave_in_progress:0, status)."""
    t0 = time.monotonic()
    reply = conn.call("BGSAVE")
    if not (isinstance(reply, bytes) and reply.startswith(b"+")):
        sys.exit(f"BGSAVE failed: {reply!r}")
    while True:
        f = info_fields(conn, "persistence")
        if f.get("rdb_bgsave_in_progress") == "0":
            return time.monotonic() - t0, f.get("rdb_last_bgsave_status", "?")
        time.sleep(poll_s)


def test_save_load(args, rnd, results):
    make = mixed_stream if args.dataset == "mixed" else load_stream
    stream = make(args.keys, b"key:%07d")
    for name, binary in servers_in_order(args, rnd):
        server = Server(name, binary, args)
        try:
            server.start()
            load_keys(args, server, stream, args.keys)
            c = server.conn()
            try:
                t0 = time.monotonic()
                reply = c.call("SAVE")
                save_s = time.monotonic() - t0
                if reply != b"+OK":
                    sys.exit(f"{name}: SAVE replied {reply!r}")
                bg_s, status = bgsave_and_wait(c)
            finally:
                c.close()
            bg_log_s = logged_bgsave_seconds(server.log_text())
            rdb_bytes = os.path.getsize(os.path.join(server.dir, "dump.rdb"))
            results.setdefault((name, "save_s"), []).append(save_s)
            results.setdefault((name, "bgsave_s"), []).append(bg_s)
            results.setdefault((name, "bgsave_log_s"), []).append(bg_log_s)
            say(f"round {rnd + 1}  {name:<6}  SAVE {save_s * 1000:8.1f} ms   BGSAVE "
                f"{bg_s * 1000:8.1f} ms (log: {bg_log_s * 1000:7.1f} ms, {status})   "
                f"dump.rdb {rdb_bytes:,} bytes")
            if "load" in args.tests:
                server.stop()
                t0 = server.start(wait=False)
                ready = server.wait_data_ready(timeout=120)
                boot_s = ready - t0
                c = server.conn()
                try:
                    dbsize = c.call("DBSIZE")
                finally:
                    c.close()
                if dbsize != b":%d" % args.keys:
                    sys.exit(f"{name}: DBSIZE {dbsize!r} after the restart")
                logged = logged_load_seconds(server.log_text())
                results.setdefault((name, "boot_s"), []).append(boot_s)
                results.setdefault((name, "load_log_s"), []).append(logged)
                say(f"round {rnd + 1}  {name:<6}  boot load {boot_s * 1000:8.1f} ms "
                    f"(logged load time {logged * 1000:7.1f} ms)   DBSIZE {dbsize.decode()[1:]}")
        finally:
            server.destroy()


# ---------------------------------------------------------------------------------------------
# Test: appendfsync always / everysec throughput


def fsync_probe(directory, count=100):
    fd, path = tempfile.mkstemp(dir=directory, prefix="fsync-probe-")
    try:
        block = b"x" * 4096
        lat = []
        for _ in range(count):
            os.write(fd, block)
            t0 = time.perf_counter()
            os.fdatasync(fd)
            lat.append(time.perf_counter() - t0)
    finally:
        os.close(fd)
        os.unlink(path)
    lat.sort()
    return median(lat), percentile(lat, 99), lat[-1]


def run_redis_benchmark(args, port, requests, keyspace, tests="set", data_size=3, wait=True,
                        command=None):
    """redis-benchmark -t tests, or the custom `command` (a list of arguments) when given."""
    cmd = [args.redis_benchmark, "-h", "127.0.0.1", "-p", str(port), "-c", str(args.clients),
           "-n", str(requests), "-r", str(keyspace), "-d", str(data_size), "--csv"]
    cmd += command if command else ["-t", tests]
    proc = subprocess.Popen(pinned(cmd, args.client_cpus, args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return benchmark_result(proc) if wait else proc


def benchmark_result(proc):
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"redis-benchmark failed: {err.strip()}")
    rows = list(csv.DictReader(io.StringIO(out)))
    if not rows:
        sys.exit(f"redis-benchmark printed no results: {out!r} {err!r}")
    row = rows[0]
    return {k: float(v) for k, v in row.items() if k != "test"}


def fsync_delays(args):
    return [int(x) for x in args.fsync_delays.split(",") if x.strip()]


def aof_key(policy, delay_us):
    return f"aof_{policy}" if delay_us == 0 else f"aof_{policy}_{delay_us}us"


def slow_disk_env(args, delay_us):
    if delay_us == 0:
        return None
    if not os.path.exists(args.fault_inject_lib):
        sys.exit(f"--fsync-delays needs the fault injector: {args.fault_inject_lib} "
                 "(cmake --build build --target fault_inject)")
    return {"LD_PRELOAD": args.fault_inject_lib, "BASALT_SLOW_FSYNC_US": str(delay_us)}


def test_aof(args, rnd, results):
    for delay_us in fsync_delays(args):
        test_aof_on_disk(args, rnd, results, delay_us)


def test_aof_on_disk(args, rnd, results, delay_us):
    # The disk's fsync latency drifts by large factors within seconds on a shared machine, so
    # both servers run side by side and take turns in short slices (ABAB...); each server's
    # figure is its requests over its own time across the slices.
    disk = "" if delay_us == 0 else f"  fsync +{delay_us / 1000:g} ms"
    for policy, requests in (("always", args.aof_always_requests),
                             ("everysec", args.aof_everysec_requests)):
        order = servers_in_order(args, rnd)
        servers = [Server(name, binary, args,
                          extra=["--appendonly", "yes", "--appendfsync", policy],
                          env=slow_disk_env(args, delay_us))
                   for name, binary in order]
        try:
            for server in servers:
                server.start()
                wait_aof_idle(server)
            per_slice = max(1, requests // args.aof_slices)
            spent = {s.name: 0.0 for s in servers}
            rates = {s.name: [] for s in servers}
            worst = {s.name: {} for s in servers}
            for _ in range(args.aof_slices):
                for server in servers:
                    t0 = time.monotonic()
                    r = run_redis_benchmark(args, server.port, per_slice, args.aof_keyspace)
                    spent[server.name] += time.monotonic() - t0
                    rates[server.name].append(r["rps"])
                    w = worst[server.name]
                    for k in ("p50_latency_ms", "p99_latency_ms", "max_latency_ms"):
                        w[k] = max(w.get(k, 0.0), r[k])
            for server in servers:
                name = server.name
                # Requests over the sum of redis-benchmark's own elapsed times.
                rps = per_slice * len(rates[name]) / sum(per_slice / x for x in rates[name])
                results.setdefault((name, aof_key(policy, delay_us)), []).append(rps)
                w = worst[name]
                say(f"round {rnd + 1}  {name:<6}  appendfsync {policy:<8}{disk} SET "
                    f"{rps:>10,.0f} ops/s"
                    f"  (slices: {', '.join(f'{x:,.0f}' for x in rates[name])})  worst slice "
                    f"p50 {w['p50_latency_ms']:.2f} ms, p99 {w['p99_latency_ms']:.2f} ms, max "
                    f"{w['max_latency_ms']:.2f} ms")
        finally:
            for server in servers:
                server.destroy()


# ---------------------------------------------------------------------------------------------
# Test: BGSAVE under a write load (memory and latency)


def probe_main(args):
    """Runs in its own process: PING / GET round trips until SIGUSR1, then prints them."""
    stop = []
    signal.signal(signal.SIGUSR1, lambda *_: stop.append(1))
    try:
        # The probe mostly sleeps in recv; a higher priority keeps its own scheduling delays
        # (2 shared cores, busy writers) out of the round trips it measures. Best effort.
        os.nice(-10)
    except OSError:
        pass
    conn = Conn(args.probe, timeout=60)
    key = args.probe_key.encode()
    cmds = [b"*1\r\n$4\r\nPING\r\n", b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key)]
    pause = args.probe_interval_us / 1e6
    stamps, rtts = [], []
    clock = time.monotonic_ns
    i = 0
    while not stop:
        cmd = cmds[i & 1]
        i += 1
        t0 = clock()
        conn.sock.sendall(cmd)
        conn.read_reply()
        t1 = clock()
        stamps.append(t0)
        rtts.append(t1 - t0)
        if pause:
            time.sleep(pause)
    sys.stdout.write(json.dumps({"t": stamps, "rtt": rtts}))
    sys.stdout.flush()


class Probe:
    def __init__(self, args, port, key):
        cmd = [sys.executable, os.path.abspath(__file__), "--probe", str(port), "--probe-key",
               key, "--probe-interval-us", str(args.probe_interval_us)]
        self.proc = subprocess.Popen(pinned(cmd, args.client_cpus, args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)

    def finish(self):
        """[(start monotonic seconds, rtt seconds)]."""
        self.proc.send_signal(signal.SIGUSR1)
        out, err = self.proc.communicate(timeout=60)
        if self.proc.returncode != 0:
            sys.exit(f"probe failed: {err.strip()}")
        data = json.loads(out)
        return [(t / 1e9, r / 1e9) for t, r in zip(data["t"], data["rtt"])]


def rtt_stats(points):
    rtts = sorted(r for _, r in points)
    if not rtts:
        return {"n": 0, "max_ms": float("nan"), "p999_ms": float("nan"), "p50_ms": float("nan")}
    return {"n": len(rtts), "max_ms": rtts[-1] * 1e3, "p999_ms": percentile(rtts, 99.9) * 1e3,
            "p50_ms": percentile(rtts, 50) * 1e3}


def snapshot_under_writes(args, server, bgsave_estimate_s, keyspace=None, command=None):
    """Write load (SETs over --bgsave-keys, or `command` over `keyspace`), then BGSAVE; memory
    samples and probe round trips. Returns measurements."""
    keyspace = keyspace or args.bgsave_keys
    sampler = MemorySampler(server.proc.pid, args.sample_ms / 1000.0)
    sampler.start()
    writer = None
    c = server.conn()
    try:
        # A short run of the same load measures its rate, which sizes the run below: enough
        # writes for the steady window, the snapshot (slower under load) and a margin, since
        # redis-benchmark reports its latency only when it ends by itself.
        t0 = time.monotonic()
        run_redis_benchmark(args, server.port, 40_000, keyspace, data_size=10, command=command)
        rate = 40_000 / (time.monotonic() - t0)
        n = int(rate * (args.steady_seconds + 3 * max(1.0, bgsave_estimate_s) + 2.0))
        writer = run_redis_benchmark(args, server.port, n, keyspace, data_size=10, wait=False,
                                     command=command)
        probe = Probe(args, server.port, "key:%012d" % 1)
        t_steady = time.monotonic()
        time.sleep(args.steady_seconds)
        t_bg = time.monotonic()
        bg_s, status = bgsave_and_wait(c, poll_s=0.01)
        t_end = time.monotonic()
        fork_us = info_fields(c, "stats").get("latest_fork_usec", "0")
        cow_bytes = int(info_fields(c, "persistence").get("rdb_last_cow_size", "0"))
        time.sleep(0.3)
        points = probe.finish()
        writer_outlived_save = writer.poll() is None
        wres = benchmark_result(writer)
        writer = None
    finally:
        c.close()
        if writer is not None and writer.poll() is None:
            writer.kill()
            writer.wait()
        sampler.stop()
    steady = sampler.window(t_steady + 0.5, t_bg)
    during = sampler.window(t_bg, t_end + 0.1)
    steady_rss = median([x[1] for x in steady])
    steady_pss = median([x[3] for x in steady])
    peak_pss = max(x[3] + x[4] for x in during) if sampler.has_pss else float("nan")
    # Time the server's event loop thread was runnable but had no CPU (other processes on a
    # shared machine): a stall the probe sees that is not the server's doing.
    waits = [b[6] - a[6] for a, b in zip(during, during[1:])]
    return {
        "bg_s": bg_s, "status": status, "rate": rate, "writer": wres, "fork_us": fork_us,
        "cow_bytes": cow_bytes, "writer_outlived_save": writer_outlived_save,
        "steady_rss": steady_rss, "peak_parent": max(x[1] for x in during),
        "peak_sum": max(x[1] + x[2] for x in during),
        "peak_pss_ratio": peak_pss / steady_pss if steady_pss else float("nan"),
        "peak_pss": peak_pss, "children": max(x[5] for x in during), "samples": len(during),
        "runq_total_ms": sum(waits) / 1e6, "runq_max_ms": max(waits, default=0) / 1e6,
        "in_snap": rtt_stats([p for p in points if t_bg <= p[0] <= t_end]),
        "before": rtt_stats([p for p in points if t_steady + 0.5 <= p[0] < t_bg]),
    }


BIG_HASH = b"bighash"


def big_hash_stream(members):
    """HSET commands of 1000 fields each building BIG_HASH ("f:%012d" -> "v%09d")."""
    out = []
    for first in range(0, members, 1000):
        n = min(1000, members - first)
        parts = [b"*%d\r\n$4\r\nHSET\r\n$%d\r\n%s\r\n" % (2 + 2 * n, len(BIG_HASH), BIG_HASH)]
        for i in range(first, first + n):
            parts.append(b"$14\r\nf:%012d\r\n$10\r\nv%09d\r\n" % (i, i))
        out.append(b"".join(parts))
    return b"".join(out), (members + 999) // 1000


def load_big_hash(args, server, stream, commands):
    proc = subprocess.run(pinned([args.redis_cli, "-p", str(server.port), "--pipe"],
                                 args.client_cpus, args),
                          input=stream, capture_output=True, check=True)
    summary = proc.stdout.decode().strip().splitlines()[-1]
    if f"errors: 0, replies: {commands}" not in summary:
        sys.exit(f"{server.name}: load failed: {summary}")
    c = server.conn()
    try:
        hlen = c.call("HLEN", BIG_HASH)
    finally:
        c.close()
    if hlen != b":%d" % args.big_members:
        sys.exit(f"{server.name}: HLEN {hlen!r} after loading {args.big_members} fields")


def test_bgsave_under_writes(args, rnd, results, big=False):
    """bgsave (many small keys), or bigkey (one big hash written to) when `big`."""
    if big:
        stream, commands = big_hash_stream(args.big_members)
        # The writers overwrite random fields of the same hash (f:000000xxxxxx, as loaded).
        command = ["HSET", BIG_HASH.decode(), "f:__rand_int__", "v000000000"]
    else:
        stream = load_stream(args.bgsave_keys, b"key:%012d")
    prefix = "big_" if big else ""
    for name, binary in servers_in_order(args, rnd):
        server = Server(name, binary, args)
        try:
            server.start()
            if big:
                load_big_hash(args, server, stream, commands)
                m = snapshot_under_writes(args, server, 3.0, keyspace=args.big_members,
                                          command=command)
            else:
                load_keys(args, server, stream, args.bgsave_keys)
                m = snapshot_under_writes(args, server, estimate_bgsave_seconds(results, name))
        finally:
            server.destroy()
        steady, snap, before, w = m["steady_rss"], m["in_snap"], m["before"], m["writer"]
        row = {
            "bgsave_load_s": m["bg_s"], "steady_rss_mb": steady / 1024,
            "peak_parent_ratio": m["peak_parent"] / steady,
            "peak_sum_ratio": m["peak_sum"] / steady, "peak_pss_ratio": m["peak_pss_ratio"],
            "probe_max_ms": snap["max_ms"], "probe_p999_ms": snap["p999_ms"],
            "probe_before_max_ms": before["max_ms"], "runq_max_ms": m["runq_max_ms"],
            "writer_max_ms": w["max_latency_ms"],
            "writer_p99_ms": w["p99_latency_ms"],
        }
        for k, v in row.items():
            results.setdefault((name, prefix + k), []).append(v)
        say(f"round {rnd + 1}  {name:<6}  {'one big hash: ' if big else ''}BGSAVE under writes: {m['bg_s'] * 1000:8.1f} ms "
            f"({m['status']})  writes {m['rate']:,.0f} ops/s before, {w['rps']:,.0f} over the "
            f"run{'' if m['writer_outlived_save'] else '  (writer ended before the save!)'}")
        say(f"               RSS steady {steady / 1024:7.1f} MB   peak parent "
            f"{m['peak_parent'] / 1024:7.1f} MB ({row['peak_parent_ratio']:.2f}x)   parent+child "
            f"RSS {m['peak_sum'] / 1024:7.1f} MB ({row['peak_sum_ratio']:.2f}x)   Pss sum "
            f"{m['peak_pss'] / 1024:7.1f} MB ({m['peak_pss_ratio']:.2f}x of steady Pss)   "
            f"children seen {m['children']}  samples {m['samples']}")
        say(f"               probe during snapshot: {snap['n']} round trips, max "
            f"{snap['max_ms']:.2f} ms, p99.9 {snap['p999_ms']:.2f} ms, p50 "
            f"{snap['p50_ms']:.3f} ms   (before: max {before['max_ms']:.2f} ms, p99.9 "
            f"{before['p999_ms']:.2f} ms)   writers: p99 {w['p99_latency_ms']:.2f} ms, "
            f"max {w['max_latency_ms']:.2f} ms   latest_fork_usec {m['fork_us']}   "
            f"rdb_last_cow_size {m['cow_bytes'] / 1048576:.1f} MB")
        say(f"               server main thread waiting for a CPU during the snapshot: "
            f"{m['runq_total_ms']:.1f} ms in all, at most {m['runq_max_ms']:.1f} ms within one "
            f"{args.sample_ms:.0f} ms sample")


def estimate_bgsave_seconds(results, name):
    values = results.get((name, "bgsave_s")) or results.get((name, "bgsave_load_s"))
    return max(values) if values else 3.0


# ---------------------------------------------------------------------------------------------
# Summary


# (label, result key, scale, unit, format, goal text, goal check on (ratio, basalt value))
SUMMARY_ROWS = (
    ("SAVE time", "save_s", 1000, "ms", "{:,.1f}", "<= 0.5x",
     lambda ratio, _: ratio <= GOAL_SAVE_RATIO),
    ("BGSAVE time, idle (INFO poll)", "bgsave_s", 1000, "ms", "{:,.1f}", None, None),
    ("BGSAVE time, idle (server log)", "bgsave_log_s", 1000, "ms", "{:,.1f}", None, None),
    ("boot load time (exec to data)", "boot_s", 1000, "ms", "{:,.1f}", "<= 0.5x",
     lambda ratio, _: ratio <= GOAL_LOAD_RATIO),
    ("load time logged by the server", "load_log_s", 1000, "ms", "{:,.1f}", None, None),
    ("SET appendfsync always", "aof_always", 1, "ops/s", "{:,.0f}", ">= 2x",
     lambda ratio, _: ratio >= GOAL_ALWAYS_RATIO),
    ("SET appendfsync everysec", "aof_everysec", 1, "ops/s", "{:,.0f}", None, None),
    ("BGSAVE under writes, time", "bgsave_load_s", 1000, "ms", "{:,.1f}", None, None),
    ("RSS steady under writes", "steady_rss_mb", 1, "MB", "{:,.1f}", None, None),
    ("peak RSS / steady, server process", "peak_parent_ratio", 1, "x", "{:.2f}",
     "basalt <= 1.1x steady", lambda _, b: b <= GOAL_PEAK_RSS),
    ("peak RSS / steady, process + children", "peak_sum_ratio", 1, "x", "{:.2f}",
     "basalt <= 1.1x steady", lambda _, b: b <= GOAL_PEAK_RSS),
    ("peak Pss / steady, process + children", "peak_pss_ratio", 1, "x", "{:.2f}", None, None),
    ("slowest probe round trip in snapshot", "probe_max_ms", 1, "ms", "{:.2f}",
     "basalt <= 10 ms", lambda _, b: b <= GOAL_SLOWEST_MS),
    ("probe p99.9 in snapshot", "probe_p999_ms", 1, "ms", "{:.2f}", None, None),
    ("probe max before snapshot (same load)", "probe_before_max_ms", 1, "ms", "{:.2f}", None,
     None),
    ("server's max CPU wait per sample in snap.", "runq_max_ms", 1, "ms", "{:.2f}", None,
     None),
    ("writers' max latency (whole run)", "writer_max_ms", 1, "ms", "{:.2f}", None, None),
    ("writers' p99 latency (whole run)", "writer_p99_ms", 1, "ms", "{:.2f}", None, None),
)


def summary_rows(args):
    """SUMMARY_ROWS with the AOF rows repeated for every simulated fsync delay."""
    rows = []
    for row in SUMMARY_ROWS:
        if not row[1].startswith("aof_"):
            rows.append(row)
            continue
        policy = row[1][len("aof_"):]
        for delay_us in fsync_delays(args):
            label = row[0] + ("" if delay_us == 0 else f", fsync +{delay_us / 1000:g} ms")
            rows.append((label, aof_key(policy, delay_us)) + tuple(row[2:]))
    # The bigkey test's rows: the BGSAVE-under-writes rows, measured on one big hash.
    big = [(label + " [one big hash]", "big_" + key) + tuple(rest)
           for label, key, *rest in SUMMARY_ROWS
           if key in ("bgsave_load_s", "peak_parent_ratio", "probe_max_ms", "probe_p999_ms",
                      "probe_before_max_ms", "runq_max_ms", "writer_max_ms", "writer_p99_ms")]
    return rows + big


def print_summary(args, results):
    say("\n== summary (median of rounds; ratio = basalt / redis) ==")
    say(f"{'metric':<48}{'redis':>12}{'basalt':>12}{'ratio':>8}  goal")
    verdicts = []
    for label, key, scale, unit, fmt, goal_text, goal in summary_rows(args):
        r = median(results.get(("redis", key), [])) * scale
        b = median(results.get(("basalt", key), [])) * scale
        if r != r and b != b:  # both NaN: the test did not run
            continue
        ratio = b / r if r else float("nan")
        text = ""
        if goal is not None:
            ok = goal(ratio, b)
            text = f"{goal_text}  {'MET' if ok else 'MISSED'}"
            verdicts.append((label, ok))
        say(f"{label + ' (' + unit + ')':<48}{fmt.format(r):>12}{fmt.format(b):>12}"
            f"{ratio:>8.2f}  {text}")
    if verdicts:
        missed = [label for label, ok in verdicts if not ok]
        say(f"\ngoals met: {len(verdicts) - len(missed)}/{len(verdicts)}"
            + (f"; missed: {', '.join(missed)}" if missed else ""))
    load = os.getloadavg()
    say(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def wait_for_quiet_machine(args):
    if args.wait_load <= 0:
        return
    deadline = time.monotonic() + args.wait_max
    while os.getloadavg()[0] >= args.wait_load and time.monotonic() < deadline:
        time.sleep(5)
    load = os.getloadavg()
    say(f"-- load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def main():
    args = parse_args()
    if args.probe:
        probe_main(args)
        return
    for tool in (args.basalt, args.redis_server, args.redis_benchmark, args.redis_cli):
        if not (os.access(tool, os.X_OK) or shutil.which(tool)):
            sys.exit(f"not found: {tool}")
    load = os.getloadavg()
    tmp = args.tmpdir or tempfile.gettempdir()
    say(f"cpus={os.cpu_count()} load={load[0]:.2f},{load[1]:.2f},{load[2]:.2f} "
        f"rounds={args.rounds} tests={','.join(args.tests)} keys={args.keys:,} "
        f"bgsave-keys={args.bgsave_keys:,} clients={args.clients} tmpdir={tmp} "
        f"pinned={'servers@' + args.server_cpus + ' clients@' + args.client_cpus if args.pin else 'no'}")
    say(f"basalt={args.basalt}")
    say(f"redis={subprocess.run([args.redis_server, '--version'], capture_output=True, text=True).stdout.strip()}")
    if "aof" in args.tests:
        med, p99, worst = fsync_probe(tmp)
        say(f"fdatasync of a 4 KB append in {tmp}: median {med * 1000:.2f} ms, p99 "
            f"{p99 * 1000:.2f} ms, max {worst * 1000:.2f} ms")
    results = {}
    for rnd in range(args.rounds):
        wait_for_quiet_machine(args)
        if "save" in args.tests or "load" in args.tests:
            test_save_load(args, rnd, results)
        if "aof" in args.tests:
            test_aof(args, rnd, results)
        if "bgsave" in args.tests:
            test_bgsave_under_writes(args, rnd, results)
        if "bigkey" in args.tests:
            test_bgsave_under_writes(args, rnd, results, big=True)
    print_summary(args, results)


if __name__ == "__main__":
    main()
