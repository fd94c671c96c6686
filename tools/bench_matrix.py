"""The value-size x clients x pipeline grid of bench.py --matrix (a benchmark, never a test).

Every cell runs redis-benchmark -t set,get against basalt and redis-server started fresh for
that cell, twice each: the first run on a fresh server ("fresh": the first requests after start,
when buffers and the allocator's arenas are still cold) and a second one right after ("warm").
The order of the two servers alternates from cell to cell, and within a cell the warm runs go
in the opposite order to the fresh ones, so neither server always runs on a warmer machine.

Requests per run scale with the value size (a run moves about --matrix-bytes of values, within
--matrix-min/max-requests), so a 1 MB cell takes as long as a 3 B one. A cell whose bytes in
flight (clients x pipeline x size, held once by redis-benchmark and once by the server) pass
--matrix-max-inflight is skipped and says so: 1000 clients x 16 x 1 MB would need 32 GB.

Two things made single runs mislead, so the grid guards against them:
- On a VM, the first touch of guest memory the host has not backed yet is slow: 36 us per
  4 KB page here, against 1.3 us once backed (a fresh 1 GB of 1 MB values then costs 9 s of
  faults). Whichever server happened to get such pages lost its "fresh" run by 3-4x. Before
  the grid, a child process touches --matrix-prewarm-mb of memory and exits, so the servers
  start on memory the host has backed.
- Runs of one server vary by 10-20% from one start to the next. --matrix-repeat runs each cell
  that many times (fresh servers each time) and reports the median ops/s and latencies.
- The machine itself changes speed: the same server in the same cell runs at two levels (about
  30k and 45k ops/s at 3 B -c 200 -P 1 here) and stays at one for seconds to minutes, so a
  change can land between one server's run and the other's. The ratio column is therefore the
  median of each repeat's own basalt/redis ratio (the two runs of a repeat are seconds apart),
  and "lo-hi" shows the lowest and highest of those ratios: a cell whose range straddles 1.0
  differs by less than the machine does.
- --matrix-warm-runs K runs the warm phase K times per server on the same two servers, in
  A B B A order (both servers stay up; the one not measured is idle). Each round's two runs
  are adjacent and drift cancels over the sequence, so a warm cell gets K pairs for the price
  of one start. At 64 KB -c 50 -P 1 GET, eight such pairs gave 1.00 (0.78-1.08) and 1.00
  (0.93-1.05) where repeat-3 grids had put the cell at 0.88-0.95; at 3 B -c 50 -P 1 GET, 1.09
  (1.00-1.18) where a grid had 0.85.

One thing a ratio cannot say by itself: which program set the pace. redis-benchmark is one
thread on one core, and at -P 1 (and at 1 MB -P 16, where it copies its whole pipeline into
hiredis's buffer for every write) it is busy nearly all the time against either server. The
"client" column is how busy its core was over the run, against each server; a '*' marks the
cells where it was 90% or more against both. There the ratio is mostly the client's speed, and
cpu/op is the server's share.
- With --pin and one client CPU, "busy" is that core's non-idle share in /proc/stat. The
  process's own CPU time (getrusage) misses the kernel's softirq work for its sockets, which
  runs on the same core: at 64 KB -c 1000 -P 1 GET the process time read 61-75% while the core
  was 89-93% busy (user 33%, sys 48%, softirq 8%), so those cells looked server- or
  latency-bound when the client core had no room left.
- Unpinned, it falls back to the process's CPU time over the run's wall time.

And one thing neither server decides: how big the kernel lets the client sockets' receive
buffers grow. Autotuning grows a buffer by what the server reads per round trip, and now and
then a run's buffers reach megabytes (most stay near 0.5 MB). redis-benchmark then writes a
whole -P 16 batch of big values per call, and such a run goes 1.2-1.4x faster with about twice
the p50 (the client's own loop is what requests wait in), against either server: at 64 KB
-c 5 -P 16 SET, 5 of 10 runs against redis-server and 7 of 10 against basalt. The "big" column
is the share of each server's runs in which a client socket's buffer passed BIG_RCVBUF (from
`ss -tm`, sampled a few times a run from another process); where the shares differ, so do the
ops/s and the p50 for that reason alone.

Nor is every p50 the server's. redis-benchmark counts a request's latency from its write to
its own read of the reply, so a reply that arrived while its one thread was busy (writing the
next batch of another connection, say) waits in the client. A server fast enough to keep the
client's core 95-100% busy therefore gets a higher p50 than one that leaves it 80% busy, and
the p50 rises with the share. Server by server, one server left up, ten runs each (16 KB -c 5
-P 16 SET): basalt's p50 was 0.13-0.15 ms in runs with its client 84-96% busy and 0.17-0.21
in runs at 98%, and in those runs basalt polled an idle socket set 2-4x more often per
request (epoll_wait 0.14-0.42 a request against 0.065): the server was waiting for the
client. 64 KB alike, for both servers: Redis's worst p50 (0.50 ms against 0.28-0.33) came in
its one run at 97%, basalt's (0.91 against 0.26-0.45) in its one at 100%. A 'q' after '<'
marks a latency that is worse in such a cell: the client at CLIENT_BOUND or more against
basalt, below it against Redis.
"""

import csv
import io
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time

from benchlib import pinned, say

DEFAULT_SIZES = "3,1024,16384,65536,262144,1048576"
DEFAULT_CLIENTS = "5,50,200,1000"
DEFAULT_PIPELINES = "1,16"


# redis-benchmark is single-threaded: at this share of its core's time it is what sets the pace.
CLIENT_BOUND = 0.9
# A client socket's receive buffer past this is in the big-buffer regime (see the docstring).
BIG_RCVBUF = 2 << 20


def add_matrix_args(p):
    p.add_argument("--matrix", action="store_true",
                   help="run the size x clients x pipeline grid (SET and GET) instead")
    p.add_argument("--sizes", default=DEFAULT_SIZES, help="value sizes for --matrix")
    p.add_argument("--clients-list", default=DEFAULT_CLIENTS, help="client counts for --matrix")
    p.add_argument("--pipelines", default=DEFAULT_PIPELINES, help="-P values for --matrix")
    p.add_argument("--matrix-keyspace", type=int, default=1000, help="redis-benchmark -r")
    p.add_argument("--matrix-bytes", type=float, default=2e9,
                   help="value bytes one run moves (sets the request count)")
    p.add_argument("--matrix-min-requests", type=int, default=1000)
    p.add_argument("--matrix-max-requests", type=int, default=50_000,
                   help="cap on requests per run with -P 1 (4x that when pipelined)")
    p.add_argument("--matrix-max-inflight", type=float, default=4e9,
                   help="skip cells whose clients x pipeline x size passes this")
    p.add_argument("--matrix-repeat", type=int, default=1,
                   help="runs per cell (fresh servers each); medians are reported")
    p.add_argument("--matrix-warm-runs", type=int, default=1,
                   help="warm runs per server in each repeat, in A-B-B-A order (see the "
                        "module's docstring)")
    p.add_argument("--matrix-confirm", type=int, default=0,
                   help="after the grid, run every cell whose ratio came out below 1.0 this many "
                        "more times and print those cells again over all their runs")
    p.add_argument("--matrix-prewarm-mb", type=int, default=4096,
                   help="memory a child touches before the grid (0: none), capped at half of "
                        "MemAvailable")


def ints(text):
    return [int(x) for x in text.split(",") if x]


def requests_for(size, clients, pipeline, args):
    n = int(args.matrix_bytes / max(size, 1))
    cap = args.matrix_max_requests * (4 if pipeline > 1 else 1)
    n = max(args.matrix_min_requests, min(cap, n))
    # Every client must get several rounds of its pipeline, or the run measures connecting.
    return max(n, clients * pipeline * 4)


def cpu_seconds(pid):
    """utime + stime of a process, from /proc (the server's own CPU, all threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mem_available_mb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return 0


def prewarm_memory(mb):
    """Touches `mb` MB of distinct memory in a child process, all held at once (freed chunks
    would come back as the same pages), then exits: the pages are backed from then on."""
    mb = min(mb, mem_available_mb() // 2)
    if mb <= 0:
        return
    say(f"prewarming {mb} MB of memory (first touch on a VM is slow; see bench_matrix.py)")
    code = ("import sys\n"
            "chunks = []\n"
            "for _ in range(int(sys.argv[1]) // 64):\n"
            "    b = bytearray(64 << 20)\n"
            "    b[::4096] = b'\\1' * len(range(0, len(b), 4096))\n"
            "    chunks.append(b)\n")
    subprocess.run([sys.executable, "-c", code, str(mb)], check=True)


def children_cpu_seconds():
    """utime + stime of every waited-for child so far (redis-benchmark once it has exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def core_times(cpu):
    """(busy, total) jiffies of one CPU from /proc/stat; idle and iowait are the idle part."""
    with open("/proc/stat") as f:
        for line in f:
            fields = line.split()
            if fields[0] == f"cpu{cpu}":
                ticks = [int(v) for v in fields[1:]]
                total = sum(ticks[:8])  # guest time is already inside user
                return total - ticks[3] - ticks[4], total
    return 0, 0


class ClientBusy:
    """How busy redis-benchmark kept its core over one run (see the module's docstring)."""

    def __init__(self, args):
        cpus = args.client_cpus if args.pin else ""
        self.core = int(cpus) if cpus.isdigit() else None

    def start(self):
        self.rusage, self.wall = children_cpu_seconds(), time.monotonic()
        if self.core is not None:
            self.ticks = core_times(self.core)

    def share(self):
        if self.core is not None:
            busy, total = core_times(self.core)
            return (busy - self.ticks[0]) / (total - self.ticks[1]) if total > self.ticks[1] \
                else 0.0
        wall = time.monotonic() - self.wall
        return (children_cpu_seconds() - self.rusage) / wall if wall > 0 else 0.0


class RcvbufSampler:
    """The largest receive buffer among a server's client sockets while a run lasts: `ss -tm`
    asked at 0.3 s into the run and then every second (a few milliseconds of CPU each)."""

    def __init__(self, port):
        self.port, self.largest, self.sampled = port, 0, False
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()

    def _sample(self):
        wait = 0.3
        while not self.done.wait(wait):
            wait = 1.0
            try:
                out = subprocess.run(["ss", "-tmnH", "state", "established",
                                      f"( sport = :{self.port} )"],
                                     capture_output=True, text=True, timeout=5).stdout
            except (OSError, subprocess.SubprocessError):
                return
            sizes = [int(v) for v in re.findall(r"\brb(\d+)", out)]
            if sizes:
                self.sampled = True
                self.largest = max(self.largest, max(sizes))

    def big(self):
        """1.0 or 0.0: the run reached the big-buffer regime; None: never sampled."""
        return float(self.largest > BIG_RCVBUF) if self.sampled else None


def run_cell_once(server, size, clients, pipeline, requests, args):
    """Per command (SET, then GET, one redis-benchmark run each): ops/s, p50, p99, the server's
    CPU microseconds per request, and how busy redis-benchmark kept its own core."""
    rows = {}
    client = ClientBusy(args)
    for test in ("set", "get"):
        cpu_before = cpu_seconds(server.proc.pid)
        client.start()
        cmd = [args.redis_benchmark, "-h", "127.0.0.1", "-p", str(server.port), "-c",
               str(clients), "-n", str(requests), "-t", test, "-P", str(pipeline), "-d",
               str(size), "-r", str(args.matrix_keyspace), "--csv", "--precision", "3"]
        with RcvbufSampler(server.port) as rcvbuf:
            out = subprocess.run(pinned(cmd, args.client_cpus, args), capture_output=True,
                                 text=True, check=True).stdout
        cpu_us = (cpu_seconds(server.proc.pid) - cpu_before) * 1e6
        client_busy = client.share()
        for row in csv.DictReader(io.StringIO(out)):
            rows[row["test"]] = (float(row["rps"]), float(row["p50_latency_ms"]),
                                 float(row["p99_latency_ms"]), cpu_us / requests, client_busy,
                                 rcvbuf.big())
    return rows


def run_matrix(args, make_server):
    sizes, client_counts, pipelines = ints(args.sizes), ints(args.clients_list), \
        ints(args.pipelines)
    prewarm_memory(args.matrix_prewarm_mb)
    samples = {}  # (size, clients, pipeline, phase, command) -> {server: [run's row]}
    cell = 0
    for size in sizes:
        for clients in client_counts:
            for pipeline in pipelines:
                inflight = 2 * clients * pipeline * size
                if inflight > args.matrix_max_inflight:
                    say(f"skip  d={size} c={clients} P={pipeline}: {inflight / 1e9:.1f} GB "
                        f"in flight > --matrix-max-inflight")
                    continue
                for _ in range(max(1, args.matrix_repeat)):
                    run_cell(args, make_server, cell, (size, clients, pipeline), samples)
                    cell += 1
    results, ratios = summarize(samples)
    print_matrix(results, ratios, args.matrix_repeat, warm_runs(args))
    if args.matrix_confirm > 0:
        confirm_low_cells(args, make_server, samples, ratios, cell)
        results, _ = summarize(samples)
    return results


def summarize(samples):
    """Per cell and server, the median of every column over the runs; and the paired ratios."""
    results = {key: {name: column_summaries(runs) for name, runs in per_server.items()}
               for key, per_server in samples.items()}
    return results, paired_ratios(samples)


def column_summaries(runs):
    """Medians of a server's runs of a cell, column by column; the last column (big buffers)
    as the share of the runs that sampled it that reached them (None: none did)."""
    columns = list(zip(*runs))
    medians = [statistics.median(col) for col in columns[:-1]]
    sampled = [v for v in columns[-1] if v is not None]
    return tuple(medians) + (statistics.mean(sampled) if sampled else None,)


def confirm_low_cells(args, make_server, samples, ratios, cell):
    """Runs each cell whose median ratio is below 1.0 --matrix-confirm more times and prints
    those cells over all their runs. The machine changes speed for seconds to minutes at a time,
    so a cell's few runs can all land on a slow stretch of one server. Here, one build against
    itself (an A/A run) gave ratios of 0.79-1.28 over three runs of 3 B -c 50; and of the 14
    cells a two-run grid put below 1.0, five came out at 1.0 or above over five runs, while the
    other nine had ranges across 1.0."""
    shapes = sorted({key[:3] for key, runs in ratios.items()
                     if runs and statistics.median(runs) < 1.0})
    if not shapes:
        say("\nconfirm: no cell below 1.0")
        return
    say(f"\nconfirm: {len(shapes)} cell(s) below 1.0, {args.matrix_confirm} more run(s) each")
    for shape in shapes:
        for _ in range(args.matrix_confirm):
            run_cell(args, make_server, cell, shape, samples)
            cell += 1
    subset = {key: runs for key, runs in samples.items() if key[:3] in shapes}
    results, subset_ratios = summarize(subset)
    print_matrix(results, subset_ratios, max(1, args.matrix_repeat) + args.matrix_confirm,
                 warm_runs(args))


def paired_ratios(samples):
    """Per cell, basalt/redis ops/s of each repeat (both servers' runs of one repeat)."""
    ratios = {}
    for key, per_server in samples.items():
        pairs = zip(per_server.get("redis", []), per_server.get("basalt", []))
        ratios[key] = [b[0] / r[0] for r, b in pairs if r[0]]
    return ratios


def run_cell(args, make_server, cell, shape, samples):
    """One run of a cell: fresh servers, a fresh run and a warm run on each."""
    size, clients, pipeline = shape
    requests = requests_for(size, clients, pipeline, args)
    servers = [make_server("redis"), make_server("basalt")]
    try:
        order = servers if cell % 2 == 0 else servers[::-1]
        for phase, rounds in (("fresh", [order]), ("warm", abba(order[::-1], warm_runs(args)))):
            for server in (server for pair in rounds for server in pair):
                rows = run_cell_once(server, size, clients, pipeline, requests, args)
                for command, value in rows.items():
                    key = (size, clients, pipeline, phase, command)
                    samples.setdefault(key, {}).setdefault(server.name, []).append(value)
                say(f"d={size:<8} c={clients:<5} P={pipeline:<3} {phase:<5} "
                    f"{server.name:<6} " + "  ".join(
                        f"{c} {v[0]:>10,.0f}/s p50 {v[1]:.3f} p99 {v[2]:.3f} cpu {v[3]:.2f} us/op"
                        f" client {v[4]:.0%}{' big' if v[5] else ''}"
                        for c, v in sorted(rows.items())))
    finally:
        for s in servers:
            s.stop()


def share(value):
    return "-" if value is None else f"{value:.0%}"


def warm_runs(args):
    return max(1, args.matrix_warm_runs)


def abba(pair, rounds):
    """`rounds` orderings of the two servers, each the reverse of the one before (A B, B A,
    A B, ...): over the sequence A B B A, a linear drift in the machine's speed favours
    neither, and each round's two runs are adjacent in time, so their ratio is a fair pair."""
    return [pair if i % 2 == 0 else pair[::-1] for i in range(rounds)]


def print_matrix(results, ratios, repeat=1, warm=1):
    runs = f"{max(1, repeat)} run(s)" + (f" (warm: {max(1, repeat) * warm})" if warm > 1 else "")
    say(f"\n== matrix: ops/s, p50 and p99 latency (ms), median of {runs}; "
        f"ratio = median of the runs' basalt/redis ops/s, lo-hi their range ==")
    say(f"{'size':>8} {'c':>5} {'P':>3} {'run':<5} {'cmd':<4}"
        f"{'redis/s':>11} {'p50':>7} {'p99':>7}{'basalt/s':>11} {'p50':>7} {'p99':>7}"
        f"{'ratio':>7}{'lo-hi':>11}{'cpu/op':>8}{'client':>10} {'big':>9}")
    worst = None
    low, low_client_bound, client_queued = 0, 0, 0
    for key in sorted(results):
        size, clients, pipeline, phase, command = key
        pair = results[key]
        if "redis" not in pair or "basalt" not in pair:
            continue
        r, b = pair["redis"], pair["basalt"]
        runs = ratios.get(key) or [float("nan")]
        ratio = statistics.median(runs)
        spread = f"{min(runs):.2f}-{max(runs):.2f}"
        cpu_ratio = b[3] / r[3] if r[3] else float("nan")
        client_bound = min(r[4], b[4]) >= CLIENT_BOUND
        if ratio < 1.0:
            low += 1
            low_client_bound += client_bound
        flag = ""
        if ratio < 1.0 or b[1] > r[1] or b[2] > r[2]:
            flag = "  <"
            latency_worse = b[1] > r[1] or b[2] > r[2]
            if latency_worse and b[4] >= CLIENT_BOUND > r[4]:
                flag += "q"
                client_queued += 1
        if worst is None or ratio < worst[0]:
            worst = (ratio, key)
        say(f"{size:>8} {clients:>5} {pipeline:>3} {phase:<5} {command:<4}"
            f"{r[0]:>11,.0f} {r[1]:>7.3f} {r[2]:>7.3f}{b[0]:>11,.0f} {b[1]:>7.3f} {b[2]:>7.3f}"
            f"{ratio:>7.2f}{spread:>11}{cpu_ratio:>8.2f}"
            f"{f'{r[4]:.0%}/{b[4]:.0%}':>10}{'*' if client_bound else ' '}"
            f"{f'{share(r[5])}/{share(b[5])}':>9}{flag}")
    say("cpu/op: the server's CPU time per request, basalt/redis:"
        " where redis-benchmark saturates its core, ops/s ratios sit near 1.0 and this is"
        " what tells the servers apart")
    say(f"client: how busy redis-benchmark kept its core, against redis/basalt (median)."
        f" '*': {CLIENT_BOUND:.0%} or more against both: the client"
        f" was the bottleneck, and the ratio measures the client's speed more than the"
        f" servers'")
    say(f"big: the share of redis/basalt's runs in which a client socket's receive buffer grew"
        f" past {BIG_RCVBUF >> 20} MB ('-': not sampled); such runs are faster with a higher"
        f" p50 whichever server they hit (see bench_matrix.py)")
    say(f"q: a latency worse where redis-benchmark was {CLIENT_BOUND:.0%} busy or more against"
        f" basalt and less against Redis: its p50/p99 count from a request's write to the"
        f" client reading the reply, so they include the time replies wait in a saturated"
        f" client ({client_queued} cell(s); see bench_matrix.py)")
    if low:
        say(f"{low} cell(s) below 1.0, {low_client_bound} of them client-bound ('*')")
    if worst:
        say(f"lowest ratio {worst[0]:.2f} at size={worst[1][0]} c={worst[1][1]} "
            f"P={worst[1][2]} {worst[1][3]} {worst[1][4]}  ('<': ratio < 1 or a latency worse)")
