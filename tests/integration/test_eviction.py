"""maxmemory eviction against redis-server 7.0.15 side by side: the parameters (CONFIG GET/SET
and their errors), which commands count as an access (OBJECT FREQ under allkeys-lfu with
lfu-log-factor 0, where every access adds one), OBJECT IDLETIME/FREQ's errors, each policy
taking keys until the data fits (recently read keys kept under LRU, keys without a TTL kept
under volatile-*, -OOM once nothing may go), the "evicted" keyspace event, and a replica
receiving a primary's evictions as deletions. Memory figures differ between the servers (basalt
stores keys in about half the bytes), so each server's limit is set from its own usage and
the tests compare outcomes, not byte counts."""

import shutil
import tempfile
import time
import unittest

import basalt_testlib as lib
import diff_shared

POLICIES = ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
            "allkeys-lfu", "allkeys-random", "noeviction")
OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
# Commands applied once to a fresh string "k" (or list "l", counter "n"), then OBJECT FREQ
# reads how many accesses they counted.
ACCESS_PROBES = [
    ("TYPE", "k"), ("EXISTS", "k"), ("TTL", "k"), ("PTTL", "k"), ("EXPIRETIME", "k"),
    ("OBJECT", "ENCODING", "k"), ("MEMORY", "USAGE", "k"), ("GET", "k"), ("STRLEN", "k"),
    ("GETRANGE", "k", "0", "1"), ("DUMP", "k"), ("TOUCH", "k"), ("SCAN", "0"), ("KEYS", "*"),
    ("RANDOMKEY",), ("EXPIRE", "k", "100"), ("PERSIST", "k"), ("APPEND", "k", "x"),
    ("SET", "k", "w"), ("SETRANGE", "k", "0", "z"), ("INCR", "n"), ("GETEX", "k"),
    ("COPY", "k", "k2"), ("SORT", "l"), ("LLEN", "l"), ("LPUSH", "l", "1"),
    ("LRANGE", "l", "0", "-1"), ("MGET", "k", "k"), ("SETNX", "k", "q"), ("SETBIT", "k", "1", "1"),
    ("INCRBYFLOAT", "n", "1.5"), ("HSET", "h", "f", "v"), ("HGET", "h", "f"), ("SADD", "s", "m"),
    ("SISMEMBER", "s", "m"), ("ZADD", "z", "1", "m"), ("ZSCORE", "z", "m"), ("LPOP", "l"),
]


def probed_key(args):
    if args[0] in ("INCR", "INCRBYFLOAT"):
        return "n"
    if args[0] in ("SORT", "LLEN", "LPUSH", "LRANGE", "LPOP"):
        return "l"
    return {"HSET": "h", "HGET": "h", "SADD": "s", "SISMEMBER": "s", "ZADD": "z",
            "ZSCORE": "z"}.get(args[0], "k")


def info_field(conn, section, name):
    for line in conn.command("INFO", section).split(b"\r\n"):
        if line.startswith(name.encode() + b":"):
            return line.split(b":", 1)[1].decode()
    raise AssertionError(f"no {name} in INFO {section}")


def fill(port, count, prefix="k", ttl_every=0):
    """count keys of 200 bytes; every ttl_every-th one with a TTL (0: none). From a connection
    of its own, closed after: its query buffer counts against maxmemory while it lives."""
    with lib.RawConnection(port) as conn:
        for start in range(0, count, 500):
            batch = b""
            for i in range(start, min(count, start + 500)):
                args = ["SET", f"{prefix}{i}", f"{i:0200d}"]
                if ttl_every and i % ttl_every == 0:
                    args += ["EX", str(100000 + i)]
                batch += lib.encode_command(*args)
            conn.send(batch)
            for _ in range(start, min(count, start + 500)):
                assert conn.read_reply() == b"+OK\r\n"
        conn.command("PING")


def dataset_bytes(conn):
    return int(info_field(conn, "memory", "used_memory_dataset"))


def squeeze_to_half(conn, ready_keys=()):
    """Sets maxmemory so that about half the data must go, and waits (commands and the
    server's own continuation both evict) until the server is under it."""
    used = int(info_field(conn, "memory", "used_memory"))
    not_counted = int(info_field(conn, "memory", "mem_not_counted_for_evict"))
    limit = used - not_counted - dataset_bytes(conn) // 2
    assert conn.command("CONFIG", "SET", "maxmemory", str(limit)) == b"+OK\r\n"

    def under():
        conn.command("PING")
        used_now = int(info_field(conn, "memory", "used_memory"))
        return used_now - int(info_field(conn, "memory", "mem_not_counted_for_evict")) <= limit
    lib.wait_until(under, what="memory under maxmemory")
    return limit


class EvictionSideBySideTest(diff_shared.SideBySide, unittest.TestCase):

    def both(self):
        return ((name, lib.RawConnection(server.port))
                for name, server in (("basalt", self.basalt), ("redis", self.redis)))

    def port_of(self, name):
        return (self.basalt if name == "basalt" else self.redis).port

    def reset(self, conn, policy):
        for args in (("FLUSHALL",), ("CONFIG", "SET", "maxmemory", "0"),
                     ("CONFIG", "SET", "maxmemory-policy", policy),
                     ("CONFIG", "SET", "maxmemory-samples", "10"),
                     ("CONFIG", "SET", "lfu-log-factor", "10"),
                     ("CONFIG", "SET", "notify-keyspace-events", ""),
                     ("CONFIG", "RESETSTAT")):
            self.assertEqual(conn.command(*args), b"+OK\r\n", args)

    def tearDown(self):
        for _, conn in self.both():
            with conn:
                self.reset(conn, "noeviction")
                conn.command("CONFIG", "SET", "maxmemory-samples", "5")

    def test_parameters_and_their_errors(self):
        requests = [("CONFIG", "GET", name) for name in (
            "maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity",
            "lfu-log-factor", "lfu-decay-time", "replica-ignore-maxmemory",
            "slave-ignore-maxmemory", "lazyfree-lazy-eviction")]
        requests += [("CONFIG", "SET", "maxmemory-policy", p) for p in POLICIES]
        requests += [("CONFIG", "SET", "maxmemory-policy", "lru"),
                     ("CONFIG", "SET", "maxmemory-samples", "0"),
                     ("CONFIG", "SET", "maxmemory-samples", "7"),
                     ("CONFIG", "GET", "maxmemory-samples"),
                     ("CONFIG", "SET", "maxmemory-eviction-tenacity", "101"),
                     ("CONFIG", "SET", "lfu-log-factor", "-1"),
                     ("CONFIG", "SET", "lfu-decay-time", "x"),
                     ("CONFIG", "SET", "slave-ignore-maxmemory", "no"),
                     ("CONFIG", "GET", "replica-ignore-maxmemory"),
                     ("CONFIG", "SET", "replica-ignore-maxmemory", "yes")]
        replies = {}
        for name, conn in self.both():
            with conn:
                replies[name] = [conn.command(*args) for args in requests]
        self.assertEqual(replies["basalt"], replies["redis"])

    def test_which_commands_count_as_an_access(self):
        counts = {}
        for name, conn in self.both():
            with conn:
                self.reset(conn, "allkeys-lfu")
                conn.command("CONFIG", "SET", "lfu-log-factor", "0")
                counts[name] = []
                for args in ACCESS_PROBES:
                    conn.command("FLUSHALL")
                    # "n" above Redis's shared integers (0-9999), whose access data is shared.
                    for setup in (("SET", "k", "v"), ("SET", "n", "123456"), ("RPUSH", "l", "3", "4"),
                                  ("HSET", "h", "f", "v"), ("SADD", "s", "m"),
                                  ("ZADD", "z", "1", "m")):
                        conn.command(*setup)
                    conn.command(*args)
                    freq = conn.command("OBJECT", "FREQ", probed_key(args))
                    counts[name].append((" ".join(args), freq))
        self.assertEqual(counts["basalt"], counts["redis"])

    def test_object_idletime_and_freq_per_policy(self):
        replies = {}
        for name, conn in self.both():
            with conn:
                replies[name] = []
                for policy in POLICIES:
                    self.reset(conn, policy)
                    conn.command("SET", "k", "v")
                    conn.command("GET", "k")
                    replies[name] += [conn.command("OBJECT", "IDLETIME", "k"),
                                      conn.command("OBJECT", "FREQ", "k"),
                                      conn.command("OBJECT", "FREQ", "missing")]
        # Redis keeps an LRU clock under every non-LFU policy; basalt only under LRU ones
        # (README): a fresh key reads 0 either way.
        self.assertEqual(replies["basalt"], replies["redis"])

    def test_lru_keeps_the_keys_read_last(self):
        for name, conn in self.both():
            with conn:
                self.reset(conn, "allkeys-lru")
                fill(self.port_of(name), 4000)
                time.sleep(1.2)  # the LRU clock counts seconds: the hot keys must read newer
                hot = [f"k{i}" for i in range(0, 4000, 10)]
                for key in hot:
                    conn.command("GET", key)
                squeeze_to_half(conn)
                evicted = int(info_field(conn, "stats", "evicted_keys"))
                size = int(conn.command("DBSIZE")[1:-2])
                self.assertGreater(evicted, 1000, name)
                self.assertEqual(size + evicted, 4000, name)
                kept = sum(conn.command("EXISTS", key) == b":1\r\n" for key in hot)
                self.assertEqual(kept, len(hot), name)
                for key in hot[:50]:
                    value = conn.command("GET", key)
                    self.assertEqual(value, b"$200\r\n%0200d\r\n" % int(key[1:]), name)

    def test_volatile_policies_take_only_keys_with_a_ttl_then_refuse(self):
        for policy in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"):
            outcomes = {}
            for name, conn in self.both():
                with conn:
                    self.reset(conn, policy)
                    # 500 keys with a TTL: too few to free half the data.
                    fill(self.port_of(name), 2000, ttl_every=4)
                    used = int(info_field(conn, "memory", "used_memory"))
                    conn.command("CONFIG", "SET", "maxmemory",
                                 str(used - dataset_bytes(conn) // 2))
                    # Rewriting a key that stays (no TTL) with its own value changes nothing
                    # while evictions are still under way, and is refused once none is left.
                    same = ("SET", "k1", f"{1:0200d}")
                    lib.wait_until(lambda: conn.command(*same) == OOM,
                                   what=f"{policy}: -OOM once every key with a TTL went")
                    outcomes[name] = (
                        conn.command("DBSIZE"),
                        info_field(conn, "stats", "evicted_keys"),
                        # Redis's avg_ttl is a running estimate that outlives the last TTL.
                        info_field(conn, "keyspace", "db0").split(",avg_ttl")[0],
                        conn.command("GET", "k1") == b"$200\r\n%0200d\r\n" % 1,
                        conn.command("DEL", "k1"), conn.command("GET", "k0"))
            self.assertEqual(outcomes["basalt"], outcomes["redis"], policy)
            self.assertEqual(outcomes["basalt"][:3],
                             (b":1500\r\n", "500", "keys=1500,expires=0"))

    def test_noeviction_refuses_writes_and_keeps_every_key(self):
        replies = {}
        for name, conn in self.both():
            with conn:
                self.reset(conn, "noeviction")
                fill(self.port_of(name), 1000)
                conn.command("CONFIG", "SET", "maxmemory", "1")
                replies[name] = [conn.command(*args) for args in (
                    ("SET", "x", "y"), ("LPUSH", "l", "a"), ("GET", "k5"), ("DEL", "k5"),
                    ("DBSIZE",), ("EXISTS", "k6"))]
                replies[name].append(info_field(conn, "stats", "evicted_keys"))
                conn.command("CONFIG", "SET", "maxmemory", "0")
        self.assertEqual(replies["basalt"], replies["redis"])
        self.assertEqual(replies["basalt"][0], OOM)

    def test_every_eviction_is_published_as_evicted(self):
        for policy in ("allkeys-random", "allkeys-lfu"):
            for name, server in (("basalt", self.basalt), ("redis", self.redis)):
                with lib.RawConnection(server.port) as conn, \
                        lib.RawConnection(server.port) as listener:
                    self.reset(conn, policy)
                    conn.command("CONFIG", "SET", "notify-keyspace-events", "Ee")
                    listener.command("SUBSCRIBE", "__keyevent@0__:evicted")
                    fill(server.port, 1000)
                    squeeze_to_half(conn)
                    evicted = int(info_field(conn, "stats", "evicted_keys"))
                    self.assertGreater(evicted, 100, (name, policy))
                    seen = set()
                    for _ in range(evicted):
                        reply = listener.read_reply()
                        self.assertTrue(reply.startswith(b"*3\r\n$7\r\nmessage\r\n"), reply)
                        seen.add(reply.rsplit(b"\r\n", 2)[-2])
                    self.assertEqual(len(seen), evicted, (name, policy))
                    for key in list(seen)[:20]:
                        self.assertEqual(conn.command("EXISTS", key.decode()), b":0\r\n")


class AccessRecordFilesTest(unittest.TestCase):
    """IDLE and FREQ in RDB files (Redis saves them under LRU / LFU policies) and RESTORE's
    IDLETIME / FREQ: a key's access record survives a restart and moves between basalt and
    Redis both ways."""

    def start(self, kind, workdir, policy):
        args = ["--maxmemory-policy", policy, "--dbfilename", "dump.rdb"]
        if kind == "redis":
            return lib.RedisProcess(workdir, args).start()
        return lib.ServerProcess(args, workdir=workdir).start()

    def test_records_survive_save_and_load_between_both_servers(self):
        cases = (("allkeys-lru", "IDLETIME", 1000), ("allkeys-lfu", "FREQ", 42))
        for source, target in (("basalt", "redis"), ("redis", "basalt"), ("basalt", "basalt")):
            for policy, option, value in cases:
                workdir = tempfile.mkdtemp(prefix="basalt-it-access-")
                self.addCleanup(shutil.rmtree, workdir, True)
                server = self.start(source, workdir, policy)
                with lib.RawConnection(server.port) as conn:
                    conn.command("SET", "tmp", "value")
                    payload = conn.command("DUMP", "tmp").split(b"\r\n", 1)[1][:-2]
                    self.assertEqual(conn.command("RESTORE", "k", "0", payload, option,
                                                  str(value)), b"+OK\r\n")
                    self.assertEqual(conn.command("OBJECT", option, "k"), b":%d\r\n" % value)
                    self.assertEqual(conn.command("SAVE"), b"+OK\r\n")
                server.stop()
                server = self.start(target, workdir, policy)
                with lib.RawConnection(server.port) as conn:
                    reply = conn.command("OBJECT", option, "k")
                    got = int(reply[1:-2])
                    # IDLETIME goes on counting while the servers restart.
                    self.assertTrue(value <= got <= value + 5, (source, target, option, reply))
                    self.assertEqual(conn.command("GET", "tmp"), b"$5\r\nvalue\r\n")
                server.stop()


class EvictionReplicationTest(unittest.TestCase):

    def test_a_replica_applies_the_primary_s_evictions(self):
        primary = lib.ServerProcess(["--repl-diskless-sync-delay", "0"]).start()
        self.addCleanup(primary.stop_and_check)
        replica = lib.ServerProcess(["--replicaof", f"127.0.0.1 {primary.port}"]).start()
        self.addCleanup(replica.stop_and_check)
        with lib.RawConnection(primary.port) as p, lib.RawConnection(replica.port) as r:
            p.command("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
            lib.wait_until(lambda: info_field(r, "replication", "master_link_status") == "up",
                           what="the replica's link up")
            fill(primary.port, 3000)
            squeeze_to_half(p)
            evicted = int(info_field(p, "stats", "evicted_keys"))
            self.assertGreater(evicted, 500)
            # No more evictions (reading the datasets below takes connections, and their
            # buffers count against the limit), then the replica must hold what the primary does.
            p.command("CONFIG", "SET", "maxmemory", "0")
            offset = info_field(p, "replication", "master_repl_offset")
            lib.wait_until(lambda: info_field(r, "replication", "slave_repl_offset") == offset,
                           what="the replica caught up")
            self.assertEqual(r.command("DBSIZE"), p.command("DBSIZE"))
            self.assertEqual(info_field(r, "stats", "evicted_keys"), "0")
            self.assertEqual(lib.read_dataset(replica.port, (0,)),
                             lib.read_dataset(primary.port, (0,)))


if __name__ == "__main__":
    lib.main()
