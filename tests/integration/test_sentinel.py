"""High availability under redis-sentinel 7.0.15: basalt as the primary and replicas Sentinel
monitors and fails over.

Three sentinels watch a basalt primary with two replicas (basalt, or one basalt and one
redis-server 7.0.15). After a SIGKILL of the primary in the middle of a stream of writes, each
followed by WAIT 1, through redis-py's Sentinel client: every sentinel names a former replica as
the primary, no write WAIT reported as replicated is lost, the client's writes go through on the
promoted primary, the other replica follows it after a partial resync (+CONTINUE, thanks to the
old replication id kept as replid2), and the old primary, restarted empty on its port, is turned
into a replica of the new one by Sentinel and receives the data. SENTINEL FAILOVER (manual, the
old primary alive) swaps the roles the same way. In the mixed set Sentinel promotes the
redis-server replica (replica-priority 1) and the basalt replica continues from it.

Skipped when redis-sentinel (or, for the mixed set, redis-server) is not installed.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import basalt_testlib as lib
from test_replication import repl_info

REDIS_SENTINEL = shutil.which("redis-sentinel")
MASTER = "mymaster"
FAILOVER_TIMEOUT = 60.0  # each failover step, on a loaded CI machine
WAIT_MS = 1000           # WAIT 1's timeout after each write
# basalt's and redis-server's log lines for a PSYNC answered with +CONTINUE.
PARTIAL_RESYNC = re.compile(r"Partial resynchronization (request from \S+ )?accepted")
# redis-server's refusal of a PSYNC for an offset past its history (asked, available).
BEYOND_HISTORY = re.compile(r"Requested offset for second ID was (\d+), but I can reply up to "
                            r"(\d+)")
TRANSIENT = None         # redis-py's errors while the primary is down (set in setUpModule)


def setUpModule():
    global TRANSIENT
    import redis.exceptions as e
    TRANSIENT = (e.ConnectionError, e.TimeoutError, e.ReadOnlyError, e.BusyLoadingError)


class SentinelProcess:
    """One redis-sentinel on an ephemeral loopback port, its config (which Sentinel rewrites)
    and log in a temp dir of its own."""

    def __init__(self, primary_port):
        self.workdir = tempfile.mkdtemp(prefix="basalt-it-sentinel-")
        self.log_path = os.path.join(self.workdir, "sentinel.log")
        self.primary_port = primary_port
        self.proc = None
        self.port = None

    def start(self):
        for _ in range(10):
            self.port = lib.free_port()
            conf = os.path.join(self.workdir, "sentinel.conf")
            with open(conf, "w") as f:
                f.write(f"port {self.port}\nbind 127.0.0.1\ndaemonize no\n"
                        f"dir {self.workdir}\n"
                        f"sentinel monitor {MASTER} 127.0.0.1 {self.primary_port} 2\n"
                        f"sentinel down-after-milliseconds {MASTER} 2000\n"
                        f"sentinel failover-timeout {MASTER} 5000\n"
                        f"sentinel parallel-syncs {MASTER} 1\n")
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen([REDIS_SENTINEL, conf], stdout=log,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             cwd=self.workdir)
            lib._live_processes.add(self.proc)  # killed at exit if the cleanup never runs
            deadline = time.monotonic() + lib.START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with lib.RawConnection(self.port, timeout=2) as c:
                        if c.command("PING") == b"+PONG\r\n":
                            return self
                except OSError:
                    pass
                time.sleep(0.02)
            exited = self.proc.poll() is not None
            self.stop()
            if not exited or "Address already in use" not in self.log():
                break
        raise AssertionError("redis-sentinel did not start; log:\n" + self.log()[-3000:])

    def stop(self):
        lib.stop_process(self.proc)

    def client(self):
        import redis
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=lib.IO_TIMEOUT)

    def master_state(self):
        return self.client().sentinel_master(MASTER)

    def master_addr(self):
        """SENTINEL GET-MASTER-ADDR-BY-NAME as ("host", port)."""
        host, port = self.client().sentinel_get_master_addr_by_name(MASTER)
        return host.decode(), port

    def log(self):
        return lib.read_text(self.log_path)


@unittest.skipUnless(REDIS_SENTINEL, "redis-sentinel is not installed (apt-get install "
                     "redis-sentinel): the Sentinel tests need it")
class SentinelFailoverTest(unittest.TestCase):
    # -- processes ----------------------------------------------------------------------------

    def basalt(self, *args, workdir=None, port=None, log_name="server.log"):
        """A basalt server in a temp dir of its own (removed at cleanup); with port, on that
        port (a restart: the temp dir is the caller's)."""
        if workdir is None:
            workdir = tempfile.mkdtemp(prefix="basalt-it-sentinel-")
            self.addCleanup(shutil.rmtree, workdir, True)
        server = lib.ServerProcess(["--repl-diskless-sync-delay", "0", *args], workdir=workdir,
                                   log_name=log_name)
        if port is None:
            server.start()
        else:
            server.port = port  # the same port again: ServerProcess.start() would pick a new one
            if not server._spawn_and_wait():
                raise AssertionError(f"basalt-server did not restart on port {port}; log:\n" +
                                     server.log_tail())
        server.sigkilled = False
        self.addCleanup(lambda: server.sigkilled or server.stop_and_check())
        return server

    def redis(self, *args):
        workdir = tempfile.mkdtemp(prefix="basalt-it-sentinel-redis-")
        self.addCleanup(shutil.rmtree, workdir, True)
        server = lib.RedisProcess(workdir, ["--repl-diskless-sync-delay", "0", *args]).start()
        self.addCleanup(server.stop)
        return server

    def sigkill(self, server):
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait()
        lib._live_processes.discard(server.proc)
        server.sigkilled = True

    def monitored_set(self, redis_replica=False):
        """A basalt primary, two replicas in sync with it (the second a redis-server with
        redis_replica) and three sentinels that all know both replicas and each other."""
        primary = self.basalt()
        replicas = [self.basalt("--replicaof", f"127.0.0.1 {primary.port}")]
        # Sentinel promotes the replica of lowest replica-priority: redis-server, so that the
        # basalt replica has to continue from Redis.
        replicas.append(self.redis("--replicaof", "127.0.0.1", str(primary.port),
                                   "--replica-priority", "1")
                        if redis_replica else
                        self.basalt("--replicaof", f"127.0.0.1 {primary.port}"))
        # Both online before the sentinels start: their first INFO of the primary lists them.
        lib.wait_until(lambda: repl_info(primary.port).get("connected_slaves") == "2" and
                       all(repl_info(r.port).get("master_link_status") == "up"
                           for r in replicas),
                       timeout=FAILOVER_TIMEOUT, interval=0.05, what="both replicas in sync")
        sentinels = []
        for _ in range(3):
            sentinel = SentinelProcess(primary.port)
            self.addCleanup(shutil.rmtree, sentinel.workdir, True)
            self.addCleanup(sentinel.stop)
            sentinels.append(sentinel.start())
        self.sentinels = sentinels

        def all_discovered():
            states = [s.master_state() for s in sentinels]
            if not all(st["num-slaves"] == 2 and st["num-other-sentinels"] == 2
                       for st in states):
                return False
            # ... and has a fresh INFO of both replicas: only then they can be promoted.
            return all(r["flags"] == "slave" and r["info-refresh"] < 10000
                       for s in sentinels for r in s.client().sentinel_slaves(MASTER))
        self.wait(all_discovered, "every sentinel to see 2 replicas and 2 other sentinels")
        return primary, replicas

    def sentinel_client(self):
        import redis.sentinel
        sentinel = redis.sentinel.Sentinel([("127.0.0.1", s.port) for s in self.sentinels],
                                           socket_timeout=10)
        return sentinel.master_for(MASTER, socket_timeout=10)

    # -- waiting and checks -------------------------------------------------------------------

    def wait(self, predicate, what, timeout=FAILOVER_TIMEOUT, servers=()):
        """wait_until, failing with the sentinels' logs (what they saw and did) and the tails of
        servers' logs (how their replication links went)."""
        try:
            return lib.wait_until(predicate, timeout=timeout, interval=0.1, what=what)
        except AssertionError as e:
            logs = [f"--- sentinel {s.port} log:\n{s.log()[-2500:]}" for s in self.sentinels]
            logs += [f"--- server {s.port} log:\n{s.log()[-4000:]}" for s in servers]
            logs += [f"--- server {s.port} INFO replication: {repl_info(s.port)}"
                     for s in servers if s.proc.poll() is None]
            raise AssertionError(e.args[0] + "\n" + "\n".join(logs)) from None

    def wait_new_primary(self, old_port, candidates):
        """Until every sentinel names the same server of candidates as the primary; returns
        it."""
        by_port = {c.port: c for c in candidates}

        def agreed():
            addrs = {s.master_addr() for s in self.sentinels}
            if len(addrs) == 1:
                host, port = addrs.pop()
                return host == "127.0.0.1" and by_port.get(port)
        promoted = self.wait(agreed, f"every sentinel to name one of the replicas "
                                     f"{sorted(by_port)} instead of {old_port}")
        self.assertEqual(promoted.client().execute_command("ROLE")[0], b"master")
        return promoted

    def wait_replica_of(self, replica, primary, expected_keys):
        """Until replica's ROLE says connected to primary and it has primary's dataset, which
        holds every key of expected_keys with its value."""
        expected_role = [b"slave", b"127.0.0.1", primary.port, b"connected"]

        def role_is_expected():
            # Sentinel ends its reconfiguration of a server with CLIENT KILL TYPE normal (as
            # with Redis): a ROLE asked just then loses its connection, and is asked again.
            try:
                return replica.client().execute_command("ROLE")[:4] == expected_role
            except TRANSIENT:
                return False

        self.wait(role_is_expected,
                  f"port {replica.port} to be a connected replica of port {primary.port}",
                  servers=(replica, primary))
        data = lib.read_dataset(primary.port, dbs=(0,))
        for key, value in expected_keys.items():
            self.assertEqual(data.get((0, key.encode()), (None,))[0], value.encode(), key)
        self.wait(lambda: lib.read_dataset(replica.port, dbs=(0,)) == data,
                  f"port {replica.port} to hold the {len(data)} keys of port {primary.port}",
                  servers=(replica, primary))

    def wait_partial_resync(self, primary, replica, replica_may_be_ahead=False):
        """Until primary's log shows it accepted the re-pointed replica's PSYNC.

        replica_may_be_ahead: Sentinel promoted by replica-priority, not by offset, so the
        promoted server may have missed the stream's last write, the one the SIGKILL cut off
        before its WAIT, while the other replica got it (seen on a loaded machine: the asked
        offset was 31 bytes, one SET, past the promoted one's). Redis then refuses the PSYNC
        for an offset beyond its history and sends a full sync instead, as it must: that
        refusal, with the asked offset past what it has, is accepted too. wait_replica_of has
        already checked the data (every write WAIT acknowledged included)."""
        def resynced():
            log = primary.log()
            if PARTIAL_RESYNC.search(log):
                return True
            refused = BEYOND_HISTORY.search(log) if replica_may_be_ahead else None
            return refused and int(refused.group(1)) > int(refused.group(2))
        self.wait(resynced, f"a partial resync accepted in port {primary.port}'s log (the "
                            f"re-pointed replica continuing)", servers=(replica, primary))

    def write_through_failover(self, client, primary, kill_at=40, writes_after=5):
        """Writes k0, k1, ... through the Sentinel client, each followed by WAIT 1; SIGKILLs
        the primary between the SET and the WAIT of write kill_at, then keeps writing (each key
        retried until it goes through) until writes_after writes succeeded after the kill.
        Returns {key: value} of the writes WAIT reported as replicated."""
        acknowledged, i, after = {}, 0, 0
        deadline = time.monotonic() + FAILOVER_TIMEOUT
        while after < writes_after:
            key, value = f"k{i}", f"v{i}"
            try:
                client.set(key, value)
                if i == kill_at and not primary.sigkilled:
                    self.sigkill(primary)
                replicated = client.execute_command("WAIT", 1, WAIT_MS)
            except TRANSIENT as e:
                if time.monotonic() > deadline:
                    raise AssertionError(f"no write went through {FAILOVER_TIMEOUT}s after "
                                         f"the SIGKILL; last error {e!r}") from None
                time.sleep(0.1)
                continue
            if replicated >= 1:
                acknowledged[key] = value
            after += primary.sigkilled
            i += 1
        self.assertGreaterEqual(len(acknowledged), kill_at)
        return acknowledged

    # -- tests --------------------------------------------------------------------------------

    def test_sigkill_failover_loses_no_write_acknowledged_with_wait(self):
        # Then the old primary, restarted on its port, rejoins as a replica of the new one.
        primary, replicas = self.monitored_set()
        acknowledged = self.write_through_failover(self.sentinel_client(), primary)

        promoted = self.wait_new_primary(primary.port, replicas)
        other = next(r for r in replicas if r is not promoted)
        data = lib.read_dataset(promoted.port, dbs=(0,))
        lost = sorted(k for k, v in acknowledged.items() if data.get((0, k.encode()), (None,))[0]
                      != v.encode())
        self.assertEqual(lost, [], f"acknowledged writes missing on port {promoted.port}")
        self.wait_replica_of(other, promoted, acknowledged)
        self.wait_partial_resync(promoted, other)

        restarted = self.basalt(workdir=primary.workdir, port=primary.port,
                                log_name="restarted.log")
        # On a loaded machine the sentinels may fail over once more (a promoted server slow
        # to answer PING for down-after-milliseconds): the old primary must end up a replica
        # of whichever server they agree on then.
        by_port = {r.port: r for r in replicas}

        def rejoined():
            addrs = {s.master_addr() for s in self.sentinels}
            if len(addrs) != 1:
                return None
            _, port = addrs.pop()
            try:  # the sentinels' CLIENT KILL TYPE normal may cut this ROLE (wait_replica_of)
                role = restarted.client().execute_command("ROLE")[:4]
            except TRANSIENT:
                return None
            return role == [b"slave", b"127.0.0.1", port, b"connected"] and by_port.get(port)
        current = self.wait(rejoined, f"port {restarted.port} to be a connected replica of the "
                                      f"primary the sentinels agree on")
        self.wait_replica_of(restarted, current, acknowledged)
        self.assertEqual({s.master_addr() for s in self.sentinels},
                         {("127.0.0.1", current.port)})

    def test_manual_sentinel_failover(self):
        primary, replicas = self.monitored_set()
        client = self.sentinel_client()
        for i in range(20):
            client.set(f"before:{i}", f"b{i}")
        self.assertEqual(client.execute_command("WAIT", 2, 30000), 2)

        self.assertTrue(self.sentinels[0].client().sentinel_failover(MASTER))
        promoted = self.wait_new_primary(primary.port, replicas)
        expected = {f"before:{i}": f"b{i}" for i in range(20)}
        self.wait_replica_of(primary, promoted, expected)

        def written():
            try:
                return client.set("after", "the failover")
            except TRANSIENT:
                return False
        self.wait(written, "a write through the Sentinel client to go through")
        self.assertEqual(promoted.client().get("after"), b"the failover")
        expected["after"] = "the failover"
        for server in [primary] + replicas:
            if server is not promoted:
                self.wait_replica_of(server, promoted, expected)

    @unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed")
    def test_sigkill_failover_with_a_redis_server_replica(self):
        primary, replicas = self.monitored_set(redis_replica=True)
        acknowledged = self.write_through_failover(self.sentinel_client(), primary)

        promoted = self.wait_new_primary(primary.port, replicas)
        other = next(r for r in replicas if r is not promoted)
        self.wait_replica_of(other, promoted, acknowledged)
        self.wait_partial_resync(promoted, other, replica_may_be_ahead=True)


if __name__ == "__main__":
    lib.main()
