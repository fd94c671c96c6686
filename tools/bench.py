#!/usr/bin/env python3
"""Benchmarks basalt against redis-server on this machine: throughput and memory per key.

Throughput: starts both servers (persistence off) on free loopback ports, then runs
redis-benchmark (-c 50, -t get,set, with -P 1 and -P 16) against each in turn, alternating the
order every round so neither always runs on a warmer machine. Prints ops/s per round, the
median per target, and the ratio basalt/redis.

Memory: starts fresh servers, reads VmRSS from /proc, loads 1M keys of exactly 11 bytes
("key:0000000") with 10-byte values ("v000000000") through redis-cli --pipe, reads VmRSS again
and prints bytes per key.

Builds nothing: point --basalt at a built binary (default build/basalt-server). Stdlib only.

  python3 tools/bench.py [--rounds 3] [--requests 100000] [--keys 1000000] [--pin]
  python3 tools/bench.py --matrix [--pin] [--sizes 3,1024,...] [--clients-list 5,50,...]
      [--pipelines 1,16]   SET/GET over value sizes x clients x pipeline (see bench_matrix.py)
  python3 tools/bench.py --types [--pin] [--members 1000000]
                           the collection types: redis-benchmark's type tests and the memory
                           of big collections (see bench_types.py)
"""

import argparse
import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import free_port, median, pinned, stop_process  # noqa: E402
from bench_matrix import add_matrix_args, run_matrix  # noqa: E402
from bench_types import add_types_args, run_types  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--basalt", default=os.path.join(REPO_ROOT, "build", "basalt-server"))
    p.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    p.add_argument("--redis-benchmark",
                   default=shutil.which("redis-benchmark") or "redis-benchmark")
    p.add_argument("--redis-cli", default=shutil.which("redis-cli") or "redis-cli")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--requests", type=int, default=100_000, help="requests per run with -P 1")
    p.add_argument("--pipelined-requests", type=int, default=0,
                   help="requests per run with -P 16 (default: 10 x --requests)")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--keyspace", type=int, default=100_000, help="redis-benchmark -r")
    p.add_argument("--keys", type=int, default=1_000_000, help="keys loaded for memory/key")
    p.add_argument("--pin", action="store_true",
                   help="pin servers and client to different CPUs with taskset "
                        "(servers on --server-cpus, redis-benchmark on --client-cpus)")
    p.add_argument("--server-cpus", default="0")
    p.add_argument("--client-cpus", default="1")
    p.add_argument("--skip-throughput", action="store_true")
    p.add_argument("--skip-memory", action="store_true")
    p.add_argument("--churn", action="store_true",
                   help="after the memory load, delete half the keys, add new ones, measure")
    p.add_argument("--idle-connections", type=int, default=0,
                   help="also measure memory per idle connection with this many clients")
    add_matrix_args(p)
    add_types_args(p)
    return p.parse_args()


class Server:
    """One server process on a free loopback port, stopped with SIGTERM."""

    def __init__(self, name, binary, args, extra=()):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        self.port = free_port()
        cmd = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", self.dir]
        if name == "redis":
            cmd += ["--daemonize", "no"]
        cmd += list(extra)
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(pinned(cmd, args.server_cpus, args), stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not self.ping():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit(f"{name} did not start; see {self.log.name}")
            time.sleep(0.05)

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def rss_bytes(self):
        # taskset execs the server, so the pid is the server's own.
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def stop(self):
        stop_process(self.proc, timeout=30)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_benchmark(server, pipeline, requests, args):
    cmd = [args.redis_benchmark, "-h", "127.0.0.1", "-p", str(server.port), "-c",
           str(args.clients), "-n", str(requests), "-t", "set,get", "-P", str(pipeline),
           "-r", str(args.keyspace), "--csv"]
    out = subprocess.run(pinned(cmd, args.client_cpus, args), capture_output=True, text=True,
                         check=True).stdout
    rows = csv.DictReader(io.StringIO(out))
    return {row["test"]: float(row["rps"]) for row in rows}


def throughput(args, servers):
    pipelined = args.pipelined_requests or args.requests * 10
    results = {}  # (target, command, pipeline) -> [ops/s per round]
    for rnd in range(args.rounds):
        order = servers if rnd % 2 == 0 else list(reversed(servers))
        for server in order:
            for pipeline, requests in ((1, args.requests), (16, pipelined)):
                rps = run_benchmark(server, pipeline, requests, args)
                for command, value in sorted(rps.items()):
                    results.setdefault((server.name, command, pipeline), []).append(value)
                    print(f"round {rnd + 1}  {server.name:<6}  {command:<3} -P {pipeline:<2}  "
                          f"{value:>12,.0f} ops/s", flush=True)
    return results


def load_stream(keys):
    """RESP SET commands for keys key:0000000.. (11 bytes) with values v000000000 (10 bytes)."""
    template = b"*3\r\n$3\r\nSET\r\n$11\r\nkey:%07d\r\n$10\r\nv%09d\r\n"
    return b"".join(template % (i, i) for i in range(keys))


def memory_per_key(args, server, stream):
    before = server.rss_bytes()
    proc = subprocess.run([args.redis_cli, "-p", str(server.port), "--pipe"], input=stream,
                          capture_output=True, check=True)
    summary = proc.stdout.decode().strip().splitlines()[-1]
    if f"errors: 0, replies: {args.keys}" not in summary:
        sys.exit(f"{server.name}: load failed: {summary}")
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"DBSIZE\r\n")
        dbsize = int(s.recv(64).decode().strip().lstrip(":"))
    after = server.rss_bytes()
    return before, after, dbsize


def pipe(args, server, stream, expected):
    proc = subprocess.run([args.redis_cli, "-p", str(server.port), "--pipe"], input=stream,
                          capture_output=True, check=True)
    summary = proc.stdout.decode().strip().splitlines()[-1]
    if f"errors: 0, replies: {expected}" not in summary:
        sys.exit(f"{server.name}: pipe failed: {summary}")


def info_field(server, field):
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"INFO memory\r\n")
        data = b""
        while b"\r\n\r\n" not in data[5:] and len(data) < 65536:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    for line in data.decode().splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1]
    return "?"


def churn(args, server):
    """After the load: deletes every other key, then adds half as many keys with 40-byte values
    (another allocation size). Returns RSS bytes per live key and INFO's fragmentation ratio."""
    n = args.keys
    dels = b"".join(b"*2\r\n$3\r\nDEL\r\n$11\r\nkey:%07d\r\n" % i for i in range(0, n, 2))
    pipe(args, server, dels, (n + 1) // 2)
    template = b"*3\r\n$3\r\nSET\r\n$11\r\nkey:%07d\r\n$40\r\nw%039d\r\n"
    adds = b"".join(template % (i, i) for i in range(n, n + n // 2))
    pipe(args, server, adds, n // 2)
    time.sleep(11)  # past the allocators' delay for returning freed memory
    live = n - (n + 1) // 2 + n // 2
    return server.rss_bytes() / live, info_field(server, "mem_fragmentation_ratio")


# When idle connections are measured: after both servers' crons (2 s) freed their empty query
# buffers, and once settled, after jemalloc's decay (10 s) gave Redis's freed pages back.
IDLE_SAMPLES_S = (3, 20)


def idle_connection_memory(args, name, binary):
    """RSS growth per connection, at each of IDLE_SAMPLES_S seconds: N clients connect, each
    sends one PING and then stays idle."""
    server = Server(name, binary, args, extra=("--maxclients", str(args.idle_connections + 100)))
    conns = []
    try:
        before = server.rss_bytes()
        for _ in range(args.idle_connections):
            c = socket.create_connection(("127.0.0.1", server.port))
            c.sendall(b"PING\r\n")
            conns.append(c)
        for c in conns:
            if not c.recv(16).startswith(b"+PONG"):
                sys.exit(f"{name}: a connection was refused")
        idle_since = time.monotonic()
        per_conn = []
        for at in IDLE_SAMPLES_S:
            time.sleep(max(0.0, idle_since + at - time.monotonic()))
            per_conn.append((server.rss_bytes() - before) / len(conns))
        return per_conn
    finally:
        for c in conns:
            c.close()
        server.stop()


def print_summary(results, memory):
    print("\n== summary (median of rounds) ==")
    if results:
        print(f"{'command':<8}{'pipeline':>9}{'redis ops/s':>16}{'basalt ops/s':>16}"
              f"{'basalt/redis':>14}")
        for command in ("SET", "GET"):
            for pipeline in (1, 16):
                r = median(results.get(("redis", command, pipeline), []))
                b = median(results.get(("basalt", command, pipeline), []))
                print(f"{command:<8}{pipeline:>9}{r:>16,.0f}{b:>16,.0f}{b / r:>14.2f}")
    if memory:
        print(f"\n{'server':<8}{'keys':>10}{'RSS before':>14}{'RSS after':>14}{'bytes/key':>11}")
        per_key = {}
        for name, (keys, before, after, dbsize) in memory.items():
            per_key[name] = (after - before) / keys
            print(f"{name:<8}{keys:>10,}{before:>14,}{after:>14,}{per_key[name]:>11.1f}"
                  f"   (DBSIZE {dbsize:,})")
        if "redis" in per_key and "basalt" in per_key:
            print(f"memory per key basalt/redis: {per_key['basalt'] / per_key['redis']:.2f}")


def main():
    args = parse_args()
    for tool in (args.basalt, args.redis_server, args.redis_benchmark, args.redis_cli):
        if not (os.access(tool, os.X_OK) or shutil.which(tool)):
            sys.exit(f"not found: {tool}")
    load = os.getloadavg()
    print(f"cpus={os.cpu_count()} load={load[0]:.2f},{load[1]:.2f},{load[2]:.2f} "
          f"pinned={'servers@' + args.server_cpus + ' client@' + args.client_cpus if args.pin else 'no'} "
          f"clients={args.clients} keyspace={args.keyspace}")
    make_server = lambda name: Server(name, args.basalt if name == "basalt"  # noqa: E731
                                      else args.redis_server, args)
    if args.matrix:
        run_matrix(args, make_server)
        return
    if args.types:
        run_types(args, make_server)
        return
    results, memory, churned = {}, {}, {}
    if not args.skip_throughput:
        servers = [Server("redis", args.redis_server, args), Server("basalt", args.basalt, args)]
        try:
            results = throughput(args, servers)
        finally:
            for s in servers:
                s.stop()
    if not args.skip_memory:
        stream = load_stream(args.keys)
        for name, binary in (("redis", args.redis_server), ("basalt", args.basalt)):
            server = Server(name, binary, args)
            try:
                before, after, dbsize = memory_per_key(args, server, stream)
                memory[name] = (args.keys, before, after, dbsize)
                if args.churn:
                    churned[name] = churn(args, server)
            finally:
                server.stop()
    print_summary(results, memory)
    for name, (per_key, frag) in churned.items():
        print(f"after churn (every other key deleted, {args.keys // 2:,} keys of 40 B added): "
              f"{name} RSS/key {per_key:.1f} B, mem_fragmentation_ratio {frag}")
    if args.idle_connections:
        per_conn = {name: idle_connection_memory(args, name, binary)
                    for name, binary in (("redis", args.redis_server), ("basalt", args.basalt))}
        print(f"\nidle connections: {args.idle_connections:,}; RSS per connection:")
        for i, at in enumerate(IDLE_SAMPLES_S):
            redis, basalt = per_conn["redis"][i], per_conn["basalt"][i]
            print(f"  after {at:>2} s idle: redis {redis:,.0f} B, basalt {basalt:,.0f} B, "
                  f"basalt/redis {basalt / redis:.2f}")


if __name__ == "__main__":
    main()
