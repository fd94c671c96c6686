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
(f0..f9 -> "v<key number>"). --datasets picks datasets whose names contain one of the words.
"""

import csv
import io
import subprocess
import time

from benchlib import median, pinned

TYPE_TESTS = "lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_600"


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


def type_throughput(args, make_server):
    servers = [make_server("redis"), make_server("basalt")]
    results = {}
    try:
        for rnd in range(args.rounds):
            order = servers if rnd % 2 == 0 else list(reversed(servers))
            for server in order:
                for pipeline in (1, 16):
                    requests = args.requests * (10 if pipeline == 16 else 1)
                    for test, rps in run_type_benchmark(server, pipeline, requests, args).items():
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
