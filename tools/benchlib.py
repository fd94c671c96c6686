"""Shared helpers of the benchmark tools (bench.py, bench_persistence.py): ports, CPU pinning,
statistics, and /proc readings of a server process (RSS, Pss, children, CPU wait)."""

import os
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time


def say(text=""):
    print(text, flush=True)


def add_server_args(p, repo_root):
    """The options every benchmark shares: the binaries, where the servers' dirs go, CPU pinning,
    keeping the dirs."""
    p.add_argument("--basalt", default=os.path.join(repo_root, "build", "basalt-server"))
    p.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    p.add_argument("--redis-benchmark",
                   default=shutil.which("redis-benchmark") or "redis-benchmark")
    p.add_argument("--tmpdir", default=None, help="where the servers' dirs go (default: $TMPDIR)")
    p.add_argument("--pin", action="store_true",
                   help="servers under taskset --server-cpus, clients under --client-cpus")
    p.add_argument("--server-cpus", default="0")
    p.add_argument("--client-cpus", default="1")
    p.add_argument("--keep", action="store_true", help="keep the servers' temp dirs")


def pinned(cmd, cpus, args):
    if args.pin and shutil.which("taskset"):
        return ["taskset", "-c", cpus] + cmd
    return cmd


def stop_process(proc, timeout):
    """SIGTERM, then SIGKILL if the process is still there after `timeout` seconds."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(values):
    return statistics.median(values) if values else float("nan")


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(q / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


# ---------------------------------------------------------------------------------------------
# RESP over a raw socket


def read_kb(path, field):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def children_of(pid):
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return kids


class MemorySampler(threading.Thread):
    """Samples (t, parent rss, children rss, parent pss, children pss [KB], children,
    run-queue wait of the server's main thread [ns]) every period."""

    def __init__(self, pid, period_s):
        super().__init__(daemon=True)
        self.pid = pid
        self.period_s = period_s
        self.samples = []
        self.stop_flag = threading.Event()
        self.has_pss = os.path.exists(f"/proc/{pid}/smaps_rollup")

    def sample(self):
        t = time.monotonic()
        rss = read_kb(f"/proc/{self.pid}/status", "VmRSS:") or 0
        pss = read_kb(f"/proc/{self.pid}/smaps_rollup", "Pss:") if self.has_pss else None
        kid_rss = kid_pss = 0
        kids = children_of(self.pid)
        for k in kids:
            kid_rss += read_kb(f"/proc/{k}/status", "VmRSS:") or 0
            if self.has_pss:
                kid_pss += read_kb(f"/proc/{k}/smaps_rollup", "Pss:") or 0
        # schedstat: on-CPU ns, ns spent runnable but waiting for a CPU, timeslices.
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/schedstat") as f:
                waited = int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            waited = 0
        self.samples.append((t, rss, kid_rss, pss or 0, kid_pss, len(kids), waited))

    def run(self):
        while not self.stop_flag.is_set():
            self.sample()
            self.stop_flag.wait(self.period_s)

    def stop(self):
        self.stop_flag.set()
        self.join()

    def window(self, t0, t1):
        return [s for s in self.samples if t0 <= s[0] <= t1]
