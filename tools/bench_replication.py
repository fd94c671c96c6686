#!/usr/bin/env python3
"""Replication benchmark: a basalt primary/replica pair against a redis-server pair, in the same
run, alternating which goes first each round. Ratios (basalt / redis) are what to quote.

Per round and server:
  1. a primary loaded with --keys keys (10-byte values) through redis-cli --pipe;
  2. SET throughput (redis-benchmark) with no replica attached;
  3. full sync: REPLICAOF on a fresh replica, timed until its link is up and DBSIZE matches;
     the primary's memory is sampled meanwhile (Pss of the primary plus any child: Redis
     forks, basalt does not), reported as steady (before) and peak (during);
  4. a second replica attached, then SET throughput again with both replicas, while the lag
     (primary offset - first replica's processed offset, in bytes) is sampled.

With --failover, also per round and server: a primary, two replicas and three redis-sentinel
processes (down-after-milliseconds 1000); the time from SIGKILL of the primary to the first
write a Sentinel-guided client gets accepted (asking the sentinels for the primary, as the
clients do).

Usage: tools/bench_replication.py [--keys 1000000] [--rounds 2] [--pin] [--failover]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import (MemorySampler, add_server_args, free_port, median, say,  # noqa: E402
                      stop_process)
from bench_persistence import (benchmark_result, load_keys, load_stream,  # noqa: E402
                               run_redis_benchmark)
from bench_servers import Conn, Server, info_fields, servers_in_order  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_server_args(p, REPO)
    p.add_argument("--redis-cli", default="redis-cli")
    p.add_argument("--keys", type=int, default=1_000_000)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--requests", type=int, default=300_000, help="SETs per throughput run")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--failover", action="store_true", help="also time Sentinel failovers")
    p.add_argument("--redis-sentinel", default="redis-sentinel")
    return p.parse_args()


def dbsize(server):
    c = server.conn()
    try:
        return int(c.call("DBSIZE")[1:])
    finally:
        c.close()


def wait_synced(replica, keys, timeout=600):
    c = replica.conn()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            f = info_fields(c, "replication")
            if f.get("master_link_status") == "up" and c.call("DBSIZE") == b":%d" % keys:
                return time.monotonic()
            time.sleep(0.005)
    finally:
        c.close()
    sys.exit(f"{replica.name} replica not in sync after {timeout}s; see {replica.log_path}")


def full_sync(args, primary, replica, keys):
    """Seconds from REPLICAOF to a complete replica; steady and peak primary Pss (MB)."""
    sampler = MemorySampler(primary.proc.pid, 0.01)
    sampler.sample()
    steady_kb = sampler.samples[-1][3] + sampler.samples[-1][4]
    sampler.start()
    c = replica.conn()
    t0 = time.monotonic()
    c.call("REPLICAOF", "127.0.0.1", primary.port)
    c.close()
    t1 = wait_synced(replica, keys)
    sampler.stop()
    peak_kb = max(s[3] + s[4] for s in sampler.samples)
    return t1 - t0, steady_kb / 1024, peak_kb / 1024


def set_throughput(args, primary, lag_from=None):
    """SET ops/s; with lag_from (a replica), also the max and median lag in bytes."""
    proc = run_redis_benchmark(args, primary.port, args.requests, 100_000, wait=False)
    lags = []
    if lag_from is not None:
        pc, rc = primary.conn(), lag_from.conn()
        while proc.poll() is None:
            off = int(info_fields(pc, "replication")["master_repl_offset"])
            done = int(info_fields(rc, "replication")["slave_repl_offset"])
            lags.append(max(0, off - done))
            time.sleep(0.02)
        pc.close()
        rc.close()
    result = benchmark_result(proc)
    return result["rps"], (max(lags) if lags else 0), median(lags)


def one_round(args, rnd, stream, results):
    for name, binary in servers_in_order(args, rnd):
        extra = ["--repl-diskless-sync-delay", "0"]
        primary = Server(name, binary, args, extra=extra)
        replicas = [Server(name, binary, args, extra=extra) for _ in range(2)]
        try:
            primary.start()
            load_keys(args, primary, stream, args.keys)
            alone, _, _ = set_throughput(args, primary)
            for r in replicas:
                r.start()
            # The loaded keys and those the first benchmark wrote.
            keys = dbsize(primary)
            sync_s, steady_mb, peak_mb = full_sync(args, primary, replicas[0], keys)
            c = replicas[1].conn()
            c.call("REPLICAOF", "127.0.0.1", primary.port)
            c.close()
            wait_synced(replicas[1], keys)
            with_two, lag_max, lag_median = set_throughput(args, primary, lag_from=replicas[0])
            row = dict(sync_s=sync_s, steady_mb=steady_mb, peak_mb=peak_mb, alone=alone,
                       with_two=with_two, kept=with_two / alone, lag_max=lag_max,
                       lag_median=lag_median)
            results.setdefault(name, []).append(row)
            say(f"round {rnd} {name:6s} sync {sync_s:6.2f}s  primary Pss {steady_mb:7.1f} -> "
                f"peak {peak_mb:7.1f} MB  SET/s alone {alone:9.0f}  with 2 replicas "
                f"{with_two:9.0f} ({with_two / alone:.2f})  lag max {lag_max} B "
                f"median {lag_median:.0f} B")
        finally:
            for s in [primary] + replicas:
                s.destroy()


class Sentinel:
    def __init__(self, args, primary_port):
        self.dir = tempfile.mkdtemp(prefix="bench-sentinel-", dir=args.tmpdir)
        self.port = free_port()
        conf = os.path.join(self.dir, "sentinel.conf")
        with open(conf, "w") as f:
            f.write(f"port {self.port}\nbind 127.0.0.1\ndir {self.dir}\n"
                    f"sentinel monitor m 127.0.0.1 {primary_port} 2\n"
                    "sentinel down-after-milliseconds m 1000\n"
                    "sentinel failover-timeout m 10000\n")
        self.proc = subprocess.Popen([args.redis_sentinel, conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, cwd=self.dir)

    def field(self, name):
        try:
            c = Conn(self.port, timeout=2)
            reply = c.call("SENTINEL", "MASTER", "m")
            c.close()
        except OSError:
            return None
        if not isinstance(reply, list):
            return None
        return dict(zip(reply[::2], reply[1::2])).get(name.encode())

    def primary(self):
        c = Conn(self.port, timeout=2)
        try:
            host, port = c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m")
            return int(port)
        finally:
            c.close()

    def destroy(self):
        stop_process(self.proc, timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    sys.exit(f"timed out waiting for {what}")


def write_accepted(sentinels):
    """One write through the primary the sentinels name now; True when it was accepted."""
    for s in sentinels:
        try:
            port = s.primary()
            c = Conn(port, timeout=1)
            ok = c.call("SET", "failover-probe", "1") == b"+OK"
            c.close()
            return ok
        except (OSError, ValueError, TypeError, ConnectionError):
            continue
    return False


def failover_seconds(args, name, binary):
    extra = ["--repl-diskless-sync-delay", "0"]
    primary = Server(name, binary, args, extra=extra)
    replicas = [Server(name, binary, args, extra=extra) for _ in range(2)]
    sentinels = []
    try:
        primary.start()
        for r in replicas:
            r.extra += ["--replicaof", f"127.0.0.1 {primary.port}"]
            r.start()
            wait_synced(r, 0)
        sentinels = [Sentinel(args, primary.port) for _ in range(3)]
        wait_for(lambda: all(s.field("num-slaves") == b"2" and
                             s.field("num-other-sentinels") == b"2" for s in sentinels),
                 60, "the sentinels to see the set")
        primary.proc.kill()
        t0 = time.monotonic()
        wait_for(lambda: write_accepted(sentinels), 120, "a write after the failover")
        return time.monotonic() - t0
    finally:
        for s in sentinels:
            s.destroy()
        for s in [primary] + replicas:
            s.destroy()


def summary(results):
    say("\n== replication: medians over rounds; ratio = basalt / redis ==")
    say(f"{'measure':34s} {'redis':>12s} {'basalt':>12s} {'ratio':>7s}")
    for key, label in [("sync_s", "full sync time (s)"), ("steady_mb", "primary Pss before (MB)"),
                       ("peak_mb", "primary Pss peak in sync (MB)"),
                       ("alone", "SET/s, no replica"), ("with_two", "SET/s, 2 replicas"),
                       ("kept", "throughput kept with 2 replicas"),
                       ("lag_max", "replica lag max (bytes)"),
                       ("lag_median", "replica lag median (bytes)"),
                       ("failover_s", "Sentinel failover to first write (s)")]:
        if not any(key in row for rows in results.values() for row in rows):
            continue
        r = median([row[key] for row in results.get("redis", []) if key in row])
        b = median([row[key] for row in results.get("basalt", []) if key in row])
        ratio = b / r if r else float("nan")
        say(f"{label:34s} {r:12.2f} {b:12.2f} {ratio:7.2f}")


def main():
    args = parse_args()
    stream = load_stream(args.keys, b"key:%07d")
    results = {}
    for rnd in range(args.rounds):
        one_round(args, rnd, stream, results)
        if args.failover:
            for name, binary in servers_in_order(args, rnd):
                seconds = failover_seconds(args, name, binary)
                results[name].append({"failover_s": seconds})
                say(f"round {rnd} {name:6s} failover: first write {seconds:.2f}s after SIGKILL")
    summary(results)


if __name__ == "__main__":
    main()
