"""Replication (Redis 7.0's PSYNC protocol) between real processes.

basalt primary -> basalt replica: the full sync of a dataset written before REPLICAOF (TTLs,
100 KB values, several databases), then the live stream (SET, DEL, EXPIRE, MSET, MULTI/EXEC,
SELECT) until the offsets match, compared key by key. The replica refuses writes with READONLY
and answers reads; ROLE on both sides; WAIT counts acknowledgements; a dropped link resumes with
a partial resync (+CONTINUE from the backlog); REPLICAOF NO ONE promotes the replica keeping its
data and moving the old replication id to master_replid2. Interop with redis-server 7.0.15 in
both directions, redis-cli --rdb (a diskless SYNC) checked by redis-check-rdb, and
min-replicas-to-write refusing writes with NOREPLICAS.
"""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import basalt_testlib as lib

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
REDIS_CHECK_RDB = shutil.which("redis-check-rdb") or "/usr/bin/redis-check-rdb"
SYNC_TIMEOUT = 30.0
DBS = (0, 3)
BIG = 100 * 1024
READONLY = b"-READONLY You can't write against a read only replica.\r\n"
NOREPLICAS = b"-NOREPLICAS Not enough good replicas to write.\r\n"


def repl_info(port):
    """INFO replication of a server (basalt or Redis) as {field: text}."""
    with lib.RawConnection(port) as c:
        reply = c.command("INFO", "replication")
    body = reply.split(b"\r\n", 1)[1].decode()
    return dict(line.split(":", 1) for line in body.splitlines() if ":" in line)


def fill(port, keys=2000, big=20):
    """The dataset written before replication starts: plain keys, keys with TTLs, big values,
    and a few keys in db 3."""
    import redis
    c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=lib.IO_TIMEOUT)
    pipe = c.pipeline(transaction=False)
    for i in range(keys):
        if i % 5 == 0:
            pipe.set(f"ttl:{i}", f"t{i}", ex=3600 + i)
        else:
            pipe.set(f"key:{i}", f"value-{i}")
    for i in range(big):
        pipe.set(f"big:{i}", bytes([65 + i % 26]) * BIG)
    pipe.execute()
    c3 = redis.Redis(host="127.0.0.1", port=port, db=3, socket_timeout=lib.IO_TIMEOUT)
    c3.mset({f"db3:{i}": f"three-{i}" for i in range(50)})
    c3.set("db3:ttl", "x", ex=5000)
    c.close()
    c3.close()


def live_writes(port):
    """Writes made while a replica is attached."""
    import redis
    c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=lib.IO_TIMEOUT)
    for i in range(100):
        c.set(f"live:{i}", f"live-{i}")
    c.set("live:big", b"z" * BIG)
    c.set("live:ttl", "short-lived", ex=7200)
    c.delete(*[f"key:{i}" for i in range(1, 200, 5)])
    for i in range(2, 200, 5):
        c.expire(f"key:{i}", 9000)
    c.mset({f"mset:{i}": f"m{i}" for i in range(20)})
    tx = c.pipeline(transaction=True)  # MULTI ... EXEC
    tx.incr("tx:counter").incr("tx:counter").set("tx:a", "in a transaction").delete("key:3")
    tx.execute()
    with lib.RawConnection(port) as raw:  # an explicit SELECT on one connection
        for args in (("SELECT", 3), ("SET", "db3:live", "after sync"), ("DEL", "db3:0"),
                     ("SET", "db3:live-ttl", "y", "PX", 8000000), ("SELECT", 0),
                     ("SET", "last", "written last")):
            reply = raw.command(*args)
            assert not reply.startswith(b"-"), (args, reply)
    c.close()


class ReplicationTest(unittest.TestCase):
    # -- processes ----------------------------------------------------------------------------

    def basalt(self, *args):
        server = lib.ServerProcess(["--repl-diskless-sync-delay", "0", *args]).start()
        self.addCleanup(server.stop_and_check)
        return server

    def redis(self, *args):
        workdir = tempfile.mkdtemp(prefix="basalt-it-repl-redis-")
        self.addCleanup(shutil.rmtree, workdir, True)
        server = lib.RedisProcess(workdir, list(args)).start()
        self.addCleanup(server.stop)
        return server

    # -- replication helpers ------------------------------------------------------------------

    def replicaof(self, replica, primary):
        with lib.RawConnection(replica.port) as c:
            self.assertEqual(c.command("REPLICAOF", "127.0.0.1", primary.port), b"+OK\r\n")

    def wait_synced(self, primary, replica, timeout=SYNC_TIMEOUT):
        """Until the replica's link is up and it has applied everything the primary sent."""
        state = {}

        def synced():
            state["replica"] = r = repl_info(replica.port)
            state["primary"] = p = repl_info(primary.port)
            return (r.get("master_link_status") == "up" and
                    r.get("slave_repl_offset") == p.get("master_repl_offset"))
        try:
            lib.wait_until(synced, timeout=timeout, interval=0.05, what="the replica in sync")
        except AssertionError as e:
            raise AssertionError(f"{e}\nreplica: {state.get('replica')}\n"
                                 f"primary: {state.get('primary')}\n"
                                 f"primary log:\n{primary.log()[-3000:]}\n"
                                 f"replica log:\n{replica.log()[-3000:]}") from None

    def assertSameData(self, primary, replica, dbs=DBS):
        expected = lib.read_dataset(primary.port, dbs)
        actual = lib.read_dataset(replica.port, dbs)
        missing = sorted(k for k in expected if k not in actual)
        extra = sorted(k for k in actual if k not in expected)
        wrong = [(k, actual[k][0][:40], actual[k][1], expected[k][0][:40], expected[k][1])
                 for k in sorted(expected) if k in actual and actual[k] != expected[k]]
        self.assertEqual((missing[:5], extra[:5], wrong[:5]), ([], [], []),
                         f"{len(missing)} missing, {len(extra)} extra, {len(wrong)} different "
                         f"(of {len(expected)})")
        return expected

    def synced_pair(self, keys=300, big=2):
        """A basalt primary with some data and a basalt replica in sync with it."""
        primary = self.basalt()
        fill(primary.port, keys, big)
        replica = self.basalt()
        self.replicaof(replica, primary)
        self.wait_synced(primary, replica)
        return primary, replica

    # -- tests --------------------------------------------------------------------------------

    def test_replica_receives_full_sync_then_live_stream_in_every_db(self):
        primary = self.basalt()
        fill(primary.port)
        replica = self.basalt()
        self.replicaof(replica, primary)
        lib.wait_until(lambda: repl_info(replica.port).get("master_link_status") == "up",
                       timeout=SYNC_TIMEOUT, what="master_link_status:up")
        live_writes(primary.port)
        self.wait_synced(primary, replica)
        data = self.assertSameData(primary, replica)
        self.assertGreater(len(data), 2000)
        now_ms = int(time.time() * 1000)
        with_ttl = {k for k in data if k[1].startswith((b"ttl:", b"live:ttl", b"db3:ttl",
                                                          b"db3:live-ttl"))}
        with_ttl |= {(0, f"key:{i}".encode()) for i in range(2, 200, 5)}
        self.assertEqual(len(with_ttl), 400 + 1 + 2 + 40)
        r = replica.client()
        for db, key in sorted(with_ttl):
            self.assertGreater(data[(db, key)][1], now_ms, key)
            if db == 0:
                self.assertGreater(r.pttl(key), 0, key)
        self.assertEqual(r.get("big:7"), b"H" * BIG)
        self.assertEqual(r.get("tx:counter"), b"2")
        self.assertIsNone(r.get("key:3"))
        self.assertIsNone(r.get("key:1"))
        self.assertEqual(replica.client(db=3).get("db3:live"), b"after sync")
        self.assertEqual(replica.client(db=3).dbsize(), 52)

    def test_replica_refuses_writes_and_role_describes_both_sides(self):
        primary, replica = self.synced_pair()
        with replica.raw() as c:
            self.assertEqual(c.command("SET", "key:1", "nope"), READONLY)
            self.assertEqual(c.command("DEL", "key:1"), READONLY)
            self.assertEqual(c.command("GET", "key:1"), b"$7\r\nvalue-1\r\n")
        self.assertEqual(replica.client().get("key:1"), b"value-1")
        self.assertEqual(primary.client().get("key:1"), b"value-1")

        role = replica.client().execute_command("ROLE")
        self.assertEqual(role[:4], [b"slave", b"127.0.0.1", primary.port, b"connected"], role)
        self.assertIsInstance(role[4], int)  # 0 is right when nothing was written since
        primary.client().set("role-check", "x")
        self.wait_synced(primary, replica)
        # The primary's periodic PING may move the offset between the two reads: they must
        # agree once nothing arrives in between.
        seen = []

        def role_matches_info():
            role = replica.client().execute_command("ROLE")
            seen.append((role[4], repl_info(replica.port)["slave_repl_offset"]))
            return role[4] == int(seen[-1][1]) and role[4] > 0
        lib.wait_until(role_matches_info, what="ROLE's offset to match INFO's")

        role = primary.client().execute_command("ROLE")
        self.assertEqual(role[0], b"master", role)
        self.assertIsInstance(role[1], int)
        self.assertEqual(len(role[2]), 1, role)
        self.assertEqual(role[2][0][:2], [b"127.0.0.1", str(replica.port).encode()], role)
        info = repl_info(primary.port)
        self.assertEqual(info["role"], "master")
        self.assertEqual(info["connected_slaves"], "1")
        self.assertIn(f"port={replica.port},state=online", info["slave0"])

    def test_wait_counts_replica_acknowledgements(self):
        primary, _ = self.synced_pair()
        c = primary.client()
        c.set("waited", "1")
        self.assertEqual(c.execute_command("WAIT", 1, 30000), 1)
        c.set("waited", "2")
        started = time.monotonic()
        self.assertEqual(c.execute_command("WAIT", 2, 200), 1)
        self.assertGreaterEqual(time.monotonic() - started, 0.19)  # waited for its timeout

    def test_wait_counts_acks_of_the_clients_own_writes(self):
        # Redis counts replicas that acknowledged the client's last write (its woff), not the
        # end of the stream: the REPLCONF GETACK a WAIT puts in the stream must not count.
        primary, _ = self.synced_pair()
        c = primary.client()
        c.set("waited", "1")
        self.assertEqual(c.execute_command("WAIT", 1, 30000), 1)
        self.assertEqual(c.execute_command("WAIT", 0, 0), 1)
        self.assertEqual(c.execute_command("WAIT", 1, 30000), 1)

    def test_dropped_link_resumes_with_partial_resync(self):
        primary, replica = self.synced_pair()
        self.assertEqual(primary.log().count("full resync"), 1, primary.log_tail())
        c = primary.client()
        self.assertEqual(c.execute_command("CLIENT", "KILL", "TYPE", "replica"), 1)
        for i in range(50):
            c.set(f"during:{i}", f"d{i}")
        c.delete("key:1")
        lib.wait_until(lambda: "Partial resynchronization accepted" in primary.log(),
                       timeout=SYNC_TIMEOUT, what="the partial resync in the primary's log")
        c.set("after", "the resync")
        self.wait_synced(primary, replica)
        self.assertSameData(primary, replica)
        self.assertEqual(replica.client().get("during:49"), b"d49")
        self.assertEqual(primary.log().count("full resync"), 1, primary.log_tail())
        stats = c.info("stats")
        self.assertEqual((stats["sync_full"], stats["sync_partial_ok"], stats["sync_partial_err"]),
                         (1, 1, 1), stats)  # the first PSYNC named the replica's own old id

    def restartable_basalt(self, *args):
        """A basalt whose data dir outlives it, so the test can start it again on it."""
        workdir = tempfile.mkdtemp(prefix="basalt-it-repl-restart-")
        self.addCleanup(shutil.rmtree, workdir, True)
        server = lib.ServerProcess(["--repl-diskless-sync-delay", "0", *args], workdir=workdir,
                                   log_name="run1.log").start()
        self.addCleanup(lambda: server.proc.poll() is not None or server.stop_and_check())
        return server

    def restart(self, server, *args, log_name, same_port=False):
        again = lib.ServerProcess(["--repl-diskless-sync-delay", "0", *args],
                                  workdir=server.workdir, log_name=log_name)
        if same_port:
            again.port = server.port
            self.assertTrue(again._spawn_and_wait(), again.log_tail())
        else:
            again.start()
        self.addCleanup(again.stop_and_check)
        return again

    def test_restarted_replica_continues_from_the_offset_in_its_rdb(self):
        primary = self.basalt()
        fill(primary.port, 300, 2)
        replica = self.restartable_basalt("--replicaof", f"127.0.0.1 {primary.port}")
        self.wait_synced(primary, replica)
        with replica.raw() as r:
            r.send(lib.encode_command("SHUTDOWN", "SAVE"))
        replica.proc.wait(timeout=SYNC_TIMEOUT)
        c = primary.client()
        for i in range(30):
            c.set(f"while-down:{i}", i)
        again = self.restart(replica, "--replicaof", f"127.0.0.1 {primary.port}",
                             log_name="run2.log")
        lib.wait_until(lambda: "Partial resynchronization accepted" in primary.log(),
                       timeout=SYNC_TIMEOUT, what="the partial resync in the primary's log")
        self.wait_synced(primary, again)
        self.assertSameData(primary, again)
        self.assertEqual(primary.log().count("full resync"), 1, primary.log_tail())

    def test_restarted_primary_lets_its_replica_continue(self):
        primary = self.restartable_basalt()
        fill(primary.port, 300, 2)
        replica = self.basalt("--replicaof", f"127.0.0.1 {primary.port}")
        self.wait_synced(primary, replica)
        old_replid = repl_info(primary.port)["master_replid"]
        with primary.raw() as p:
            p.send(lib.encode_command("SHUTDOWN", "SAVE"))
        primary.proc.wait(timeout=SYNC_TIMEOUT)
        again = self.restart(primary, log_name="run2.log", same_port=True)
        info = repl_info(again.port)
        self.assertEqual(info["master_replid2"], old_replid, info)
        lib.wait_until(lambda: "Partial resynchronization accepted" in again.log(),
                       timeout=SYNC_TIMEOUT, what="the replica's partial resync after restart")
        again.client().set("after-restart", "1")
        self.wait_synced(again, replica)
        self.assertSameData(again, replica)
        self.assertNotIn("full resync", again.log())

    def test_shutdown_of_the_primary_sends_replicas_everything_first(self):
        primary, replica = self.synced_pair(keys=50, big=0)
        with primary.raw() as p:
            p.send(b"".join(lib.encode_command("SET", f"last:{i}", i) for i in range(5000)) +
                   lib.encode_command("SHUTDOWN", "NOSAVE"))
            primary.proc.wait(timeout=SYNC_TIMEOUT)
        r = replica.client()
        # What reached the replica's socket before the primary went is applied soon after.
        lib.wait_until(lambda: r.dbsize() == 50 + 5000, timeout=SYNC_TIMEOUT,
                       what="every write before the SHUTDOWN on the replica")
        self.assertEqual(r.get("last:4999"), b"4999")

    def test_chain_of_three_passes_the_stream_on(self):
        a, b = self.synced_pair(keys=100, big=1)
        c = self.basalt("--replicaof", f"127.0.0.1 {b.port}")
        self.wait_synced(b, c)
        live_writes(a.port)
        self.wait_synced(a, b)
        self.wait_synced(b, c)
        self.assertSameData(a, c)
        # Offsets are the first primary's, byte for byte, down the chain (compared until no
        # PING from a lands between the two reads).
        lib.wait_until(lambda: repl_info(c.port)["master_repl_offset"] ==
                       repl_info(a.port)["master_repl_offset"], timeout=SYNC_TIMEOUT,
                       what="the chain's offsets equal")
        self.assertEqual(repl_info(c.port)["master_replid"], repl_info(a.port)["master_replid"])

    def test_primary_killed_and_restarted_from_its_aof_is_followed_again(self):
        primary = self.restartable_basalt("--appendonly", "yes", "--appendfsync", "always")
        fill(primary.port, 200, 1)
        replica = self.basalt("--replicaof", f"127.0.0.1 {primary.port}")
        self.wait_synced(primary, replica)
        c = primary.client()
        for i in range(100):
            c.set(f"acked:{i}", i)
        primary.kill()
        again = self.restart(primary, "--appendonly", "yes", "--appendfsync", "always",
                             log_name="run2.log", same_port=True)
        self.assertEqual(again.client().get("acked:99"), b"99")
        again.client().set("after-restart", "1")
        self.wait_synced(again, replica)
        self.assertSameData(again, replica)

    def test_primary_expiry_reaches_the_replica_as_del(self):
        primary, replica = self.synced_pair(keys=20, big=0)
        c = primary.client()
        for i in range(30):
            c.set(f"short:{i}", i, px=100)
        # The replica never deletes by itself: only the primary's DELs (from its active
        # expiry, with no client touching the keys) bring its key count back.
        lib.wait_until(lambda: replica.client().dbsize() == 20, timeout=SYNC_TIMEOUT,
                       what="the primary's expiry DELs applied on the replica")
        self.assertEqual(c.dbsize(), 20)

    def test_replica_with_masterauth_and_disk_load_lists_its_primary_link(self):
        primary = lib.ServerProcess(["--repl-diskless-sync-delay", "0", "--requirepass", "s3"],
                                    password="s3").start()
        self.addCleanup(primary.stop_and_check)
        primary.client().set("guarded", "yes")
        replica = self.basalt("--masterauth", "s3", "--repl-diskless-load", "disabled",
                              "--replicaof", f"127.0.0.1 {primary.port}")
        import redis

        def synced():
            try:
                return replica.client().get("guarded") == b"yes"
            except redis.exceptions.BusyLoadingError:
                return False  # repl-diskless-load disabled: -LOADING while the new data loads
        lib.wait_until(synced, timeout=SYNC_TIMEOUT, what="the sync through AUTH")
        with replica.raw() as r:
            self.assertIn(b" flags=M ", r.command("CLIENT", "LIST"))

    def test_replicas_asking_together_share_one_snapshot(self):
        # A long delay, cut short once two replicas wait (repl-diskless-sync-max-replicas).
        primary = self.basalt("--repl-diskless-sync-delay", "60",
                              "--repl-diskless-sync-max-replicas", "2")
        fill(primary.port, 100, 1)
        first = self.basalt()
        second = self.basalt()
        self.replicaof(first, primary)
        self.replicaof(second, primary)
        self.wait_synced(primary, first)
        self.wait_synced(primary, second)
        self.assertIn("Starting a full sync for 2 replica(s)", primary.log())
        self.assertEqual(primary.client().info("stats")["sync_full"], 2)

    def test_full_sync_of_200k_keys_with_ttls_and_big_values(self):
        import redis
        primary = self.basalt()
        c = redis.Redis(host="127.0.0.1", port=primary.port, socket_timeout=lib.IO_TIMEOUT)
        pipe = c.pipeline(transaction=False)
        for i in range(200_000):
            if i % 4 == 0:
                pipe.set(f"t:{i}", i, ex=10_000 + i)
            else:
                pipe.set(f"k:{i}", i)
            if i % 10_000 == 9_999:
                pipe.execute()
        for i in range(10):
            pipe.set(f"big:{i}", os.urandom(1 << 20))
        pipe.execute()
        replica = self.basalt()
        self.replicaof(replica, primary)
        for i in range(1000):  # live writes while the snapshot goes
            c.set(f"live:{i}", i)
        self.wait_synced(primary, replica, timeout=120)
        r = redis.Redis(host="127.0.0.1", port=replica.port, socket_timeout=lib.IO_TIMEOUT)
        self.assertEqual(r.dbsize(), 200_000 + 10 + 1000)
        for i in range(0, 200_000, 997):
            key = f"t:{i}" if i % 4 == 0 else f"k:{i}"
            self.assertEqual(r.get(key), str(i).encode(), key)
            if i % 4 == 0:
                self.assertEqual(r.execute_command("PEXPIRETIME", key),
                                 c.execute_command("PEXPIRETIME", key), key)
        for i in range(10):
            self.assertEqual(r.get(f"big:{i}"), c.get(f"big:{i}"))
        c.close()
        r.close()

    def test_redis_cli_replica_shows_the_stream(self):
        primary = self.basalt()
        proc = subprocess.Popen([REDIS_CLI, "-p", str(primary.port), "--replica"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.addCleanup(proc.kill)
        lib.wait_until(lambda: repl_info(primary.port).get("connected_slaves") == "1",
                       timeout=SYNC_TIMEOUT, what="redis-cli attached as a replica")
        out = b""

        def seen():
            nonlocal out
            primary.client().set("shown", "in the stream")
            import select
            while select.select([proc.stdout], [], [], 0.2)[0]:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                out += chunk
            return b'"set","shown","in the stream"' in out.lower()
        try:
            lib.wait_until(seen, timeout=SYNC_TIMEOUT,
                           what="the SET in redis-cli --replica's output")
        except AssertionError as e:
            # Seen once under a loaded CI run and never since: keep what is needed to tell why.
            raise AssertionError(f"{e}\nredis-cli output: {out[-2000:]!r}\n"
                                 f"replication: {repl_info(primary.port)}\n"
                                 f"primary log:\n{primary.log_tail()}") from e

    def test_sync_with_eof_framing_streams_only_after_the_first_ack(self):
        # redis-cli --replica's way: REPLCONF capa eof, then SYNC. A reader of EOF framing sees
        # the end only if the mark is the last thing it read, so the writes made since the
        # snapshot wait for its REPLCONF ACK (as Redis holds them).
        primary = self.basalt()
        with socket.create_connection(("127.0.0.1", primary.port), timeout=SYNC_TIMEOUT) as s:
            s.sendall(lib.encode_command("REPLCONF", "capa", "eof"))
            self.assertEqual(s.recv(100), b"+OK\r\n")
            s.sendall(b"SYNC\r\n")
            data = b""
            while b"\r\n" not in data or len(data) < data.index(b"\r\n") + 2 + 40:
                data += s.recv(65536)
            header, _, rest = data.partition(b"\r\n")
            self.assertTrue(header.startswith(b"$EOF:"), header)
            mark = header[5:]
            while not rest.endswith(mark):
                rest += s.recv(65536)
            self.assertTrue(rest.startswith(b"REDIS"))
            primary.client().set("after", "the snapshot")
            s.setblocking(False)
            time.sleep(0.3)
            with self.assertRaises(BlockingIOError):
                s.recv(100)  # nothing follows the mark before the ACK
            s.setblocking(True)
            s.sendall(lib.encode_command("REPLCONF", "ACK", "0"))
            stream = b""
            while b"the snapshot" not in stream:
                stream += s.recv(65536)
            self.assertIn(lib.encode_command("set", "after", "the snapshot").lower(),
                          stream.lower())

    def test_replica_side_client_kill_master_resumes_with_partial_resync(self):
        primary, replica = self.synced_pair()
        with replica.raw() as r:
            self.assertEqual(r.command("CLIENT", "KILL", "TYPE", "master"), b":1\r\n")
        primary.client().set("after", "the resync")
        lib.wait_until(lambda: "Partial resynchronization accepted" in primary.log(),
                       timeout=SYNC_TIMEOUT, what="the partial resync in the primary's log")
        self.wait_synced(primary, replica)
        self.assertSameData(primary, replica)
        self.assertEqual(primary.log().count("full resync"), 1, primary.log_tail())

    def test_promoted_replica_keeps_data_and_remembers_old_replid(self):
        primary, replica = self.synced_pair()
        primary.client().set("before-promotion", "yes")
        self.wait_synced(primary, replica)
        old = repl_info(primary.port)
        expected = lib.read_dataset(primary.port, DBS)

        self.assertEqual(replica.client().execute_command("REPLICAOF", "NO", "ONE"), b"OK")
        info = repl_info(replica.port)
        self.assertEqual(info["role"], "master")
        self.assertEqual(info["master_replid2"], old["master_replid"])
        self.assertNotEqual(info["master_replid"], old["master_replid"])
        # The primary's PING (14 bytes, every repl-ping-replica-period) may reach the replica
        # between the two reads, so the promotion offset is the replica's own, not `old`'s.
        promoted_at = int(info["master_repl_offset"])
        self.assertGreaterEqual(promoted_at, int(old["master_repl_offset"]))
        self.assertEqual(int(info["second_repl_offset"]), promoted_at + 1)
        self.assertEqual(replica.client().execute_command("ROLE")[0], b"master")
        self.assertEqual(lib.read_dataset(replica.port, DBS), expected)
        with replica.raw() as c:
            self.assertEqual(c.command("SET", "after-promotion", "accepted"), b"+OK\r\n")
        self.assertEqual(replica.client().get("after-promotion"), b"accepted")

    def test_redis_replica_of_basalt_primary(self):
        primary = self.basalt()
        fill(primary.port, keys=500, big=3)
        redis = self.redis("--replicaof", "127.0.0.1", str(primary.port))
        self.wait_synced(primary, redis)
        live_writes(primary.port)
        self.wait_synced(primary, redis)
        data = self.assertSameData(primary, redis)
        self.assertGreater(len(data), 500)
        r = redis.client()
        self.assertGreater(r.pttl("ttl:5"), 0)
        self.assertGreater(r.pttl("live:ttl"), 0)
        self.assertEqual(r.get("live:big"), b"z" * BIG)
        self.assertEqual(r.get("tx:counter"), b"2")
        self.assertEqual(redis.client(db=3).get("db3:live"), b"after sync")

    def test_basalt_replica_of_redis_primary(self):
        primary = self.redis("--repl-diskless-sync-delay", "0")
        fill(primary.port, keys=500, big=3)
        replica = self.basalt()
        self.replicaof(replica, primary)
        self.wait_synced(primary, replica)
        live_writes(primary.port)
        self.wait_synced(primary, replica)
        data = self.assertSameData(primary, replica)
        self.assertGreater(len(data), 500)
        r = replica.client()
        self.assertGreater(r.pttl("ttl:5"), 0)
        self.assertGreater(r.pttl("live:ttl"), 0)
        self.assertEqual(r.get("tx:counter"), b"2")
        self.assertEqual(replica.client(db=3).get("db3:live"), b"after sync")
        with replica.raw() as c:
            self.assertEqual(c.command("SET", "x", "y"), READONLY)

    def test_redis_cli_rdb_dump_passes_redis_check_rdb(self):
        primary = self.basalt()
        fill(primary.port, keys=500, big=2)
        workdir = tempfile.mkdtemp(prefix="basalt-it-repl-rdb-")
        self.addCleanup(shutil.rmtree, workdir, True)
        path = os.path.join(workdir, "dump.rdb")
        cli = subprocess.run([REDIS_CLI, "-p", str(primary.port), "--rdb", path],
                             capture_output=True, text=True, timeout=lib.IO_TIMEOUT * 2)
        self.assertEqual(cli.returncode, 0, cli.stdout + cli.stderr)
        check = subprocess.run([REDIS_CHECK_RDB, path], capture_output=True, text=True,
                               timeout=lib.IO_TIMEOUT * 2)
        output = check.stdout + check.stderr
        self.assertEqual(check.returncode, 0, output)
        keys = sum(int(n) for n in re.findall(r"(\d+) keys read", output))
        self.assertEqual(keys, 500 + 2 + 51, output)
        self.assertIn("RDB looks OK", output)
        self.assertTrue(primary.running())
        self.assertEqual(primary.client().dbsize(), 502)

    def test_min_replicas_to_write_refuses_writes_without_replicas(self):
        primary = self.basalt()
        c = primary.client()
        c.set("k", "v")
        c.config_set("min-replicas-to-write", 1)
        self.addCleanup(c.config_set, "min-replicas-to-write", 0)
        with primary.raw() as raw:
            self.assertEqual(raw.command("SET", "k", "refused"), NOREPLICAS)
            self.assertEqual(raw.command("GET", "k"), b"$1\r\nv\r\n")  # reads still served

        replica = self.basalt()
        self.replicaof(replica, primary)
        self.wait_synced(primary, replica)
        with primary.raw() as raw:  # one good replica: writes go through again
            lib.wait_until(lambda: raw.command("SET", "k", "accepted") == b"+OK\r\n",
                           timeout=SYNC_TIMEOUT, interval=0.1, what="a write accepted")
        c.config_set("min-replicas-to-write", 0)
        c.set("k", "plain")
        self.assertEqual(c.get("k"), b"plain")


if __name__ == "__main__":
    lib.main()
