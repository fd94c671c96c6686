"""twemproxy (nutcracker 0.5.0) sharding keys over three basalt nodes.

The pool of config/examples/twemproxy.yml (fnv1a_64, ketama, auto_eject_hosts with one failure
and a 2 s retry) with named servers node1..node3, so the ring depends on the names and not on
the ephemeral ports. Every node gets exactly the keys three redis-server 7.0.15 nodes get under
the same pool; MSET, MGET and DEL spanning the shards work through the proxy; a SIGKILLed node
is ejected (its keys remap to the survivors, theirs stay put) and taken back once it returns.
Skipped when nutcracker is not installed.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import basalt_testlib as lib

NUTCRACKER = shutil.which("nutcracker") or "/usr/sbin/nutcracker"
NAMES = ("node1", "node2", "node3")
POOL = """\
pool:
  listen: 127.0.0.1:{port}
  redis: true
  hash: fnv1a_64
  distribution: ketama
  auto_eject_hosts: true
  server_retry_timeout: 2000
  server_failure_limit: 1
  servers:
{servers}
"""
EJECT_TIMEOUT = 30.0  # ejection needs one failed request; taking back 2 s plus a request


class Nutcracker:
    """A nutcracker process in front of {name: port} nodes, on ephemeral listen/stats ports."""

    def __init__(self, workdir, node_ports):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.servers = "\n".join(f"    - 127.0.0.1:{port}:1 {name}"
                                 for name, port in node_ports.items())
        self.conf = os.path.join(workdir, "nutcracker.yml")
        self.log_path = os.path.join(workdir, "nutcracker.log")
        self.proc = None
        self.port = None

    def start(self):
        for _ in range(10):
            self.port = lib.free_port()
            with open(self.conf, "w") as f:
                f.write(POOL.format(port=self.port, servers=self.servers))
            cmd = [NUTCRACKER, "-c", self.conf, "-p", os.path.join(self.workdir, "nc.pid"),
                   "-o", self.log_path, "-s", str(lib.free_port()), "-a", "127.0.0.1"]
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.STDOUT, cwd=self.workdir)
            lib._live_processes.add(self.proc)
            # PING is answered by the proxy itself; only our process listening on the port counts
            # (the testlib's /proc check only needs .proc and .port).
            lib.wait_until(lambda: self.proc.poll() is not None or (
                lib.ServerProcess._listens_on_port(self) and self._answers_ping()),
                timeout=lib.START_TIMEOUT, what="nutcracker to answer PING")
            if self.proc.poll() is None:
                return self
            self.stop()
            if "in use" not in self.log():
                break  # failed for another reason than a port taken meanwhile
        raise AssertionError("nutcracker did not start; log:\n" + self.log()[-4000:])

    def _answers_ping(self):
        try:
            with lib.RawConnection(self.port, timeout=2) as c:
                return c.command("PING") == b"+PONG\r\n"
        except OSError:
            return False

    def log(self):
        return lib.read_text(self.log_path)

    def client(self):
        import redis
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=lib.IO_TIMEOUT)

    def stop(self):
        lib.stop_process(self.proc)


def keys_of(tag, count):
    """Key names whose varying part comes first: twemproxy's fnv1a_64 keeps the low 32 bits, in
    which keys differing only in their last characters land close together on the ring (all
    of "multi:0".."multi:49" go to one node)."""
    return [f"{i}:{tag}" for i in range(count)]


def placement(proxy, nodes, tag, count):
    """SETs count keys through the proxy; returns {key: name of the node holding it}, read from
    every node directly (each key must be on exactly one node)."""
    keys = keys_of(tag, count)
    pipe = proxy.client().pipeline(transaction=False)
    for k in keys:
        pipe.set(k, "v-" + k)
    assert all(r is True for r in pipe.execute()), "a SET through the proxy failed"
    where = {}
    for name, node in nodes.items():
        for k in node.client().keys("*:" + tag):
            k = k.decode()
            assert k not in where, f"{k} is on both {where[k]} and {name}"
            where[k] = name
    missing = set(keys) - set(where)
    assert not missing, f"{len(missing)} keys on no node, e.g. {sorted(missing)[:5]}"
    return where


def set_via(proxy_client, key, value):
    """One SET through the proxy; False when it fails (a node just died or is retried)."""
    import redis
    try:
        return proxy_client.set(key, value) is True
    except redis.RedisError:
        return False


class TwemproxyKetamaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(NUTCRACKER, os.X_OK):
            raise unittest.SkipTest(f"twemproxy not installed ({NUTCRACKER} missing): "
                                    "apt-get install nutcracker")
        cls.root = tempfile.mkdtemp(prefix="basalt-it-twemproxy-")
        cls.addClassCleanup(shutil.rmtree, cls.root, ignore_errors=True)
        cls.nodes = {}
        for name in NAMES:
            workdir = os.path.join(cls.root, name)
            os.makedirs(workdir)
            cls.nodes[name] = lib.ServerProcess(workdir=workdir).start()
            cls.addClassCleanup(lambda n=name: cls.nodes[n].stop_and_check())
        cls.proxy = Nutcracker(os.path.join(cls.root, "proxy"),
                               {n: s.port for n, s in cls.nodes.items()}).start()
        cls.addClassCleanup(cls.proxy.stop)

    def wait(self, predicate, what):
        """lib.wait_until with EJECT_TIMEOUT; on a timeout the logs as they are then."""
        try:
            return lib.wait_until(predicate, timeout=EJECT_TIMEOUT, interval=0.05, what=what)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.logs()}") from None

    def logs(self):
        return "\n".join([f"--- nutcracker:\n{self.proxy.log()[-3000:]}"] +
                         [f"--- {n}:\n{s.log_tail(20)}" for n, s in self.nodes.items()])

    def test_ketama_places_every_key_on_the_same_node_as_with_redis(self):
        if not os.access(lib.REDIS_SERVER_PATH, os.X_OK):
            self.skipTest("redis-server not installed")
        got = placement(self.proxy, self.nodes, "place", 2000)
        for name in NAMES:
            share = sum(1 for n in got.values() if n == name) / len(got)
            self.assertGreater(share, 0.15, f"{name} holds only {share:.0%} of the keys")
        redis_nodes = {}
        try:
            for name in NAMES:
                workdir = os.path.join(self.root, "redis-" + name)
                os.makedirs(workdir)
                redis_nodes[name] = lib.RedisProcess(workdir)
                redis_nodes[name].start()
            redis_proxy = Nutcracker(os.path.join(self.root, "proxy-redis"),
                                     {n: s.port for n, s in redis_nodes.items()})
            try:
                want = placement(redis_proxy.start(), redis_nodes, "place", 2000)
            finally:
                redis_proxy.stop()
        finally:
            for node in redis_nodes.values():
                node.stop()
        moved = sorted(k for k in want if got[k] != want[k])
        self.assertFalse(moved, f"{len(moved)} keys on another node than with redis-server, "
                                f"e.g. {[(k, got[k], want[k]) for k in moved[:5]]}")

    def test_mset_mget_and_del_span_all_shards(self):
        c = self.proxy.client()
        values = {k: "value-" + k for k in keys_of("multi", 50)}
        self.assertTrue(c.mset(values))
        where = {}
        for name, node in self.nodes.items():
            for k in node.client().keys("*:multi"):
                where[k.decode()] = name
        self.assertEqual(set(where), set(values))
        self.assertEqual(set(where.values()), set(NAMES), "50 keys should reach all 3 nodes")
        keys = list(values)
        asked = keys + ["missing:multi"] + keys[::-1]
        self.assertEqual(c.mget(asked), [values[k].encode() for k in keys] + [None] +
                         [values[k].encode() for k in keys[::-1]], self.logs())
        gone = keys[:12]
        self.assertEqual(set(where[k] for k in gone), set(NAMES))
        self.assertEqual(c.delete(*gone, "missing:multi", "also-missing:multi"), 12, self.logs())
        self.assertEqual(c.mget(keys), [None] * 12 + [values[k].encode() for k in keys[12:]])
        for name, node in self.nodes.items():
            left = {k.decode() for k in node.client().keys("*:multi")}
            self.assertEqual(left, {k for k in keys[12:] if where[k] == name})

    def test_killed_node_is_ejected_and_taken_back_when_it_returns(self):
        where = placement(self.proxy, self.nodes, "eject", 600)
        victim_name = "node2"
        by_node = {n: sorted(k for k, m in where.items() if m == n) for n in NAMES}
        victim = self.nodes[victim_name]
        port = victim.port
        victim.kill()
        # Its successor (on the same port and data dir) takes its place now: it is the one the
        # class cleanup stops, and has nothing to stop until it is started.
        back = lib.ServerProcess(workdir=victim.workdir, log_name="server-restarted.log")
        back.port = port
        self.nodes[victim_name] = back
        c = self.proxy.client()

        # Ejected: its keys can be written again (on the survivors); the first tries may fail.
        for k in by_node[victim_name][:20]:
            self.wait(lambda: set_via(c, k, "outage"), f"SET {k} with {victim_name} down")
            held = [n for n in NAMES if n != victim_name
                    and self.nodes[n].client().get(k) == b"outage"]
            self.assertEqual(len(held), 1, f"{k} written during the outage is on {held}")
        # Consistent hashing: the survivors' own keys stay where they were.
        for n in NAMES:
            if n == victim_name:
                continue
            for k in by_node[n][:10]:
                self.wait(lambda: set_via(c, k, "still-here"), f"SET {k} during the outage")
                self.assertEqual(self.nodes[n].client().get(k), b"still-here", k)

        # Back on the same port (empty: no persistence); after server_retry_timeout the proxy
        # tries it again and its keys go to it again.
        if not back._spawn_and_wait():
            self.fail(f"{victim_name} did not restart on port {port}; log:\n" + back.log_tail())
        probe = by_node[victim_name][20]
        attempt = iter(range(1 << 30))

        def probe_lands_on_victim():
            value = f"back-{next(attempt)}"
            return set_via(c, probe, value) and back.client().get(probe) == value.encode()

        self.wait(probe_lands_on_victim, f"{victim_name} taken back by the proxy")
        rest = by_node[victim_name][21:]
        pipe = c.pipeline(transaction=False)
        for k in rest:
            pipe.set(k, "returned")
        self.assertTrue(all(r is True for r in pipe.execute()))
        vc = back.client()
        self.assertEqual(vc.mget(rest), [b"returned"] * len(rest), self.logs())
        self.assertEqual(vc.dbsize(), len(rest) + 1)
        self.assertEqual(set(placement(self.proxy, self.nodes, "after", 300).values()),
                         set(NAMES))


if __name__ == "__main__":
    lib.main()
