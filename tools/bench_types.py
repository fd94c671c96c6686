"""The collection types against redis-server: throughput of redis-benchmark's type tests and
the memory of big collections. Run through bench.py:

  python3 tools/bench.py --types [--pin] [--rounds 3] [--requests 100000] [--members 1000000]
                          [--datasets hash,list ...] [--hash-keys 1000000]

Throughput: redis-benchmark -t <the type tests> at -P 1 and -P 16, both servers in the same
run, alternating which goes first each round; prints the median ops/s per test and the ratio
basalt/redis. Tests a server does not support (an error reply) are reported as n/a.

Memory: for each dataset a fresh server is started, VmRSS is read, the dataset is loaded
through redis-cli --pipe, and VmRSS is read again; the growth is compared. Datasets: one key
with N members for a hash, a set of strings, a set of integers (beyond set-max-intset-entries,
so both are tables), a list and a sorted set (integral scores in shuffled order); and
--hash-keys keys (1M, as issue 11 states the goal) each a hash of 10 small fields
(f0..f9 -> "v<key number>"), and a stream of N entries of one field. --datasets picks datasets
whose names contain one of the words. The stream commands, which redis-benchmark has no -t test
for, run as custom commands (STREAM_TESTS).
"""

import csv
import io
import subprocess
import time

from benchlib import median, pinned

TYPE_TESTS = "lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_600"
# Streams have no redis-benchmark -t test: these commands run as custom ones, against a stream
# of STREAM_ENTRIES entries ("bigstream", with a consumer group) loaded before each round.
STREAM_ENTRIES = 100_000
STREAM_TESTS = [
    ("xadd (random keys)", ["XADD", "s:__rand_int__", "*", "f", "v"]),
    ("xadd maxlen ~ 1000", ["XADD", "capped", "MAXLEN", "~", "1000", "*", "temp", "21", "name",
                            "sensor-alpha"]),
    ("xrange count 10", ["XRANGE", "bigstream", "-", "+", "COUNT", "10"]),
    ("xrevrange count 10", ["XREVRANGE", "bigstream", "+", "-", "COUNT", "10"]),
    ("xread count 10", ["XREAD", "COUNT", "10", "STREAMS", "bigstream", "0-0"]),
    ("xreadgroup count 1", ["XREADGROUP", "GROUP", "g", "c:__rand_int__", "COUNT", "1",
                            "STREAMS", "bigstream", ">"]),
    ("xlen", ["XLEN", "bigstream"]),
]


def add_types_args(p):
    p.add_argument("--types", action="store_true",
                   help="benchmark the collection types (see bench_types.py)")
    p.add_argument("--members", type=int, default=1_000_000,
                   help="members of each big collection in the --types memory test")
    p.add_argument("--hash-keys", type=int, default=1_000_000,
                   help="keys of the 10-field hashes dataset in the --types memory test")
    p.add_argument("--datasets", default="",
                   help="comma-separated words: only the memory datasets whose names hold one")


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def datasets(n, hash_keys):
    """name -> bytes of RESP commands that build it."""
    batch = 100

    def big(command, key, member):
        chunks = []
        for start in range(0, n, batch):
            args = [command, key]
            for i in range(start, min(n, start + batch)):
                args.extend(member(i))
            chunks.append(resp(*args))
        return b"".join(chunks)

    small_hashes = b"".join(
        resp("HSET", "h:%07d" % k, *[x for f in range(10) for x in ("f%d" % f, "v%d" % k)])
        for k in range(hash_keys))
    return {
        "hash, 1 key": big("HSET", "bighash", lambda i: ("field:%07d" % i, "value:%07d" % i)),
        "set of strings": big("SADD", "bigset", lambda i: ("member:%07d" % i,)),
        "set of integers": big("SADD", "bigints", lambda i: (str(i * 7),)),
        "list, 1 key": big("RPUSH", "biglist", lambda i: ("element:%07d" % i,)),
        "zset, 1 key": big("ZADD", "bigzset", lambda i: (str(i * 3 % 1000003), "member:%07d" % i)),
        "stream, 1 key": b"".join(resp("XADD", "bigstream", "%d-0" % (i + 1), "field",
                                       "value:%07d" % i) for i in range(n)),
        "hashes of 10 fields": small_hashes,
    }


def run_type_benchmark(server, pipeline, requests, args):
    cmd = [args.redis_benchmark, "-h", "127.0.0.1", "-p", str(server.port), "-c",
           str(args.clients), "-n", str(requests), "-t", TYPE_TESTS, "-P", str(pipeline),
           "-r", str(args.keyspace), "--csv"]
    out = subprocess.run(pinned(cmd, args.client_cpus, args), capture_output=True, text=True,
                         check=False).stdout
    return {row["test"]: float(row["rps"]) for row in csv.DictReader(io.StringIO(out))
            if row.get("rps")}


def stream_dataset(n):
    """bigstream: n entries of two fields, and a group g at its start."""
    return b"".join(resp("XADD", "bigstream", "%d-1" % i, "sensor", str(i % 97), "name", "alpha")
                    for i in range(1, n + 1)) + resp("XGROUP", "CREATE", "bigstream", "g", "0")


def run_stream_benchmark(server, pipeline, requests, args):
    """The stream commands (custom redis-benchmark commands) after reloading bigstream."""
    subprocess.run([args.redis_cli, "-h", "127.0.0.1", "-p", str(server.port), "DEL",
                    "bigstream", "capped"], capture_output=True, check=False)
    load(args, server, stream_dataset(STREAM_ENTRIES))
    results = {}
    # No more reads than the group has entries to deliver.
    requests = min(requests, STREAM_ENTRIES)
    for name, command in STREAM_TESTS:
        cmd = [args.redis_benchmark, "-h", "127.0.0.1", "-p", str(server.port), "-c",
               str(args.clients), "-n", str(requests), "-P", str(pipeline), "-r",
               str(args.keyspace), "--csv"] + command
        out = subprocess.run(pinned(cmd, args.client_cpus, args), capture_output=True,
                             text=True, check=False).stdout
        for row in csv.DictReader(io.StringIO(out)):
            if row.get("rps"):
                results[name] = float(row["rps"])
    return results


def type_throughput(args, make_server):
    servers = [make_server("redis"), make_server("basalt")]
    results = {}
    try:
        for rnd in range(args.rounds):
            order = servers if rnd % 2 == 0 else list(reversed(servers))
            for server in order:
                for pipeline in (1, 16):
                    requests = args.requests * (10 if pipeline == 16 else 1)
                    measured = run_type_benchmark(server, pipeline, requests, args)
                    measured.update(run_stream_benchmark(server, pipeline, requests, args))
                    for test, rps in measured.items():
                        results.setdefault((server.name, test, pipeline), []).append(rps)
                    print(f"round {rnd + 1} {server.name} -P {pipeline} done", flush=True)
    finally:
        for s in servers:
            s.stop()
    tests = sorted({t for (_, t, _) in results})
    print(f"\n{'test':<32} {'-P':>3} {'redis':>12} {'basalt':>12} {'ratio':>7}")
    for test in tests:
        for pipeline in (1, 16):
            r = results.get(("redis", test, pipeline))
            b = results.get(("basalt", test, pipeline))
            if not r:
                continue
            if not b:
                print(f"{test:<32} {pipeline:>3} {median(r):>12,.0f} {'n/a':>12} {'n/a':>7}")
                continue
            print(f"{test:<32} {pipeline:>3} {median(r):>12,.0f} {median(b):>12,.0f} "
                  f"{median(b) / median(r):>7.2f}")


def load(args, server, data):
    cmd = [args.redis_cli, "-h", "127.0.0.1", "-p", str(server.port), "--pipe"]
    subprocess.run(cmd, input=data, capture_output=True, check=True)


def type_memory(args, make_server):
    print(f"\nmemory: RSS growth after loading (members = {args.members:,})")
    print(f"{'dataset':<22} {'redis MB':>10} {'basalt MB':>10} {'ratio':>7}")
    wanted = [w.strip() for w in args.datasets.split(",") if w.strip()]
    for name, data in datasets(args.members, args.hash_keys).items():
        if wanted and not any(w in name for w in wanted):
            continue
        grown = {}
        for target in ("redis", "basalt"):
            server = make_server(target)
            try:
                before = server.rss_bytes()
                load(args, server, data)
                time.sleep(0.5)  # let the last replies drain before reading RSS
                grown[target] = server.rss_bytes() - before
            finally:
                server.stop()
        print(f"{name:<22} {grown['redis'] / 1e6:>10.1f} {grown['basalt'] / 1e6:>10.1f} "
              f"{grown['basalt'] / grown['redis']:>7.2f}", flush=True)


def run_types(args, make_server):
    if not args.skip_throughput:
        type_throughput(args, make_server)
    if not args.skip_memory:
        type_memory(args, make_server)
