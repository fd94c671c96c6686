"""MULTI/EXEC/DISCARD/WATCH through redis-py and raw sockets, end to end on the real server.

- A transaction applies all of its commands or none: redis-py's pipeline(transaction=True), a
  WATCHed key changed by another client (EXEC answers nil, redis-py raises WatchError).
- A command failing at run time inside EXEC does not stop the others (Redis has no rollback).
- An error while queueing dooms the transaction: EXEC answers -EXECABORT, nothing is applied,
  and redis-py raises (ExecAbortError, or the queued command's error in a pipeline).
- WATCH under contention: 4 processes x 200 increments of one counter through redis-py's
  transaction() retry loop end at exactly 800.
- Durability: with appendonly yes (everysec and always) a transaction survives a restart after
  SIGKILL, and the incr file holds it as one MULTI ... EXEC block; a server SIGKILLed while a
  client runs 50-key transactions in a loop comes back with all 50 keys of one transaction
  (the last acknowledged one or the one in flight), never a mix, also when the server's own
  last block in the file is cut at a random byte.
"""

import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import threading
import time

import redis

import basalt_testlib as lib

EXECABORT = b"-EXECABORT Transaction discarded because of previous errors.\r\n"
MULTI_RESP = lib.encode_command("MULTI")
EXEC_RESP = lib.encode_command("EXEC")


class TransactionTest(lib.ServerTestCase):
    def setUp(self):
        self.r = self.server.client()

    def tearDown(self):
        self.r.close()

    def test_pipeline_transaction_applies_every_command_and_replies_in_order(self):
        self.r.set("tx:p:counter", 10)
        pipe = self.r.pipeline(transaction=True)
        pipe.set("tx:p:a", "1")
        pipe.incrby("tx:p:counter", 5)
        pipe.mset({"tx:p:b": "2", "tx:p:c": b"\x00bin\r\n"})
        pipe.get("tx:p:c")
        pipe.delete("tx:p:a")
        pipe.exists("tx:p:a", "tx:p:b")
        self.assertEqual(pipe.execute(), [True, 15, True, b"\x00bin\r\n", 1, 1])
        self.assertEqual(self.r.mget("tx:p:a", "tx:p:b", "tx:p:counter"), [None, b"2", b"15"])

    def test_exec_replies_with_one_array_of_the_queued_replies(self):
        with self.server.raw() as c:
            self.assertEqual(c.command("MULTI"), b"+OK\r\n")
            self.assertEqual(c.command("SET", "tx:raw", "v"), b"+QUEUED\r\n")
            self.assertEqual(c.command("GET", "tx:raw"), b"+QUEUED\r\n")
            self.assertEqual(c.command("INCR", "tx:raw:n"), b"+QUEUED\r\n")
            self.assertEqual(c.command("EXEC"), b"*3\r\n+OK\r\n$1\r\nv\r\n:1\r\n")
            self.assertEqual(c.command("MULTI"), b"+OK\r\n")
            self.assertEqual(c.command("EXEC"), b"*0\r\n")
            self.assertEqual(c.command("EXEC"), b"-ERR EXEC without MULTI\r\n")

    def test_discard_drops_the_queue(self):
        with self.server.raw() as c:
            c.command("MULTI")
            self.assertEqual(c.command("SET", "tx:discarded", "v"), b"+QUEUED\r\n")
            self.assertEqual(c.command("DISCARD"), b"+OK\r\n")
            self.assertEqual(c.command("GET", "tx:discarded"), b"$-1\r\n")
            self.assertEqual(c.command("DISCARD"), b"-ERR DISCARD without MULTI\r\n")

    def test_changed_watched_key_makes_exec_apply_nothing(self):
        self.r.set("tx:w:key", "before")
        other = self.server.client()
        pipe = self.r.pipeline(transaction=True)
        try:
            pipe.watch("tx:w:key")
            self.assertEqual(pipe.get("tx:w:key"), b"before")  # immediate mode after WATCH
            other.set("tx:w:key", "changed")
            pipe.multi()
            pipe.set("tx:w:key", "mine")
            pipe.set("tx:w:other", "mine")
            with self.assertRaises(redis.WatchError):
                pipe.execute()
        finally:
            pipe.reset()
            other.close()
        self.assertEqual(self.r.get("tx:w:key"), b"changed")
        self.assertIsNone(self.r.get("tx:w:other"))
        # The same on the wire: EXEC answers a null array.
        with self.server.raw() as c, self.server.raw() as o:
            self.assertEqual(c.command("WATCH", "tx:w:key"), b"+OK\r\n")
            self.assertEqual(o.command("DEL", "tx:w:key"), b":1\r\n")
            c.command("MULTI")
            c.command("SET", "tx:w:other", "x")
            self.assertEqual(c.command("EXEC"), b"*-1\r\n")
            # Ended with the transaction: an untouched WATCH after it lets EXEC run.
            c.command("WATCH", "tx:w:key")
            c.command("MULTI")
            c.command("SET", "tx:w:other", "y")
            self.assertEqual(c.command("EXEC"), b"*1\r\n+OK\r\n")
        self.assertEqual(self.r.get("tx:w:other"), b"y")

    def test_runtime_error_inside_exec_does_not_stop_the_rest(self):
        self.r.set("tx:rt:text", "not a number")
        pipe = self.r.pipeline(transaction=True)
        pipe.set("tx:rt:a", "1")
        pipe.incr("tx:rt:text")
        pipe.set("tx:rt:b", "2")
        pipe.incrbyfloat("tx:rt:text", 1.5)
        pipe.append("tx:rt:text", "!")
        replies = pipe.execute(raise_on_error=False)
        self.assertEqual(replies[0], True)
        self.assertIsInstance(replies[1], redis.ResponseError)
        self.assertIn("value is not an integer or out of range", str(replies[1]))
        self.assertEqual(replies[2], True)
        self.assertIsInstance(replies[3], redis.ResponseError)
        self.assertEqual(replies[4], len("not a number!"))
        self.assertEqual(self.r.mget("tx:rt:a", "tx:rt:b", "tx:rt:text"),
                         [b"1", b"2", b"not a number!"])
        # raise_on_error (the default) raises the first error, after everything was applied.
        pipe = self.r.pipeline(transaction=True)
        pipe.incr("tx:rt:text")
        pipe.set("tx:rt:c", "3")
        with self.assertRaisesRegex(redis.ResponseError, "Command # 1 .*not an integer"):
            pipe.execute()
        self.assertEqual(self.r.get("tx:rt:c"), b"3")
        with self.server.raw() as c:
            c.command("MULTI")
            c.command("SET", "tx:rt:d", "4")
            c.command("INCR", "tx:rt:text")
            c.command("GET", "tx:rt:d")
            self.assertEqual(c.command("EXEC"), b"*3\r\n+OK\r\n"
                             b"-ERR value is not an integer or out of range\r\n$1\r\n4\r\n")

    def test_queue_time_error_aborts_with_execabort_and_applies_nothing(self):
        # redis-py on one connection: the queued error, then ExecAbortError from EXEC. (APPEND
        # has no response callback in redis-py: its QUEUED comes back as it is.)
        r = self.server.client(single_connection_client=True)
        try:
            self.assertEqual(r.execute_command("MULTI"), b"OK")
            self.assertEqual(r.execute_command("APPEND", "tx:q:a", "1"), b"QUEUED")
            with self.assertRaisesRegex(redis.ResponseError, "unknown command 'NOSUCH'"):
                r.execute_command("NOSUCH", "x")
            self.assertEqual(r.execute_command("APPEND", "tx:q:b", "2"), b"QUEUED")
            with self.assertRaises(redis.exceptions.ExecAbortError) as caught:
                r.execute_command("EXEC")
            self.assertIn("Transaction discarded because of previous errors", str(caught.exception))
            self.assertEqual(r.ping(), True)  # not in MULTI any more
        finally:
            r.close()
        self.assertEqual(self.r.exists("tx:q:a", "tx:q:b"), 0)

        # A pipeline: redis-py raises the queued command's error and nothing was applied.
        pipe = self.r.pipeline(transaction=True)
        pipe.set("tx:q:c", "3")
        pipe.execute_command("GET")  # wrong arity: refused while queueing
        pipe.set("tx:q:d", "4")
        with self.assertRaisesRegex(redis.ResponseError,
                                    "wrong number of arguments for 'get' command"):
            pipe.execute()
        self.assertEqual(self.r.exists("tx:q:c", "tx:q:d"), 0)

        with self.server.raw() as c:
            c.command("MULTI")
            self.assertEqual(c.command("SET", "tx:q:e", "5"), b"+QUEUED\r\n")
            self.assertEqual(c.command("SET", "tx:q:e"),
                             b"-ERR wrong number of arguments for 'set' command\r\n")
            self.assertEqual(c.command("EXEC"), EXECABORT)
            self.assertEqual(c.command("EXISTS", "tx:q:e"), b":0\r\n")

    def test_exec_refused_at_exec_time_ends_the_transaction_saying_why(self):
        # Queued fine, but maxmemory is exceeded by the time EXEC comes (Redis's text).
        with self.server.raw() as c, self.server.raw() as admin:
            c.command("MULTI")
            self.assertEqual(c.command("SET", "tx:oom", "v"), b"+QUEUED\r\n")
            self.assertEqual(admin.command("CONFIG", "SET", "maxmemory", "1"), b"+OK\r\n")
            try:
                self.assertEqual(c.command("EXEC"),
                                 b"-EXECABORT Transaction discarded because of: OOM command not "
                                 b"allowed when used memory > 'maxmemory'.\r\n")
            finally:
                self.assertEqual(admin.command("CONFIG", "SET", "maxmemory", "0"), b"+OK\r\n")
            self.assertEqual(c.command("EXISTS", "tx:oom"), b":0\r\n")
            self.assertEqual(c.command("EXEC"), b"-ERR EXEC without MULTI\r\n")

    # An EXEC refused before it runs (wrong arity, NOAUTH, RESP2 subscribed mode) answers, as
    # Redis 7.0.15 does, "-EXECABORT Transaction discarded because of: <the refusal's text>"
    # (no "ERR " in it) and discards the transaction, in MULTI or not.
    def test_exec_refused_before_it_runs_answers_execabort_and_ends_the_transaction(self):
        with self.server.raw() as c:
            self.assertEqual(c.command("MULTI"), b"+OK\r\n")
            c.command("SET", "tx:refused", "1")
            self.assertEqual(c.command("EXEC", "extra"),
                             b"-EXECABORT Transaction discarded because of: wrong number of "
                             b"arguments for 'exec' command\r\n")
            self.assertEqual(c.command("SET", "tx:refused", "2"), b"+OK\r\n")  # not queued
            self.assertEqual(c.command("EXEC"), b"-ERR EXEC without MULTI\r\n")
            c.command("SUBSCRIBE", "tx:ch")
            self.assertEqual(c.command("EXEC"),
                             b"-EXECABORT Transaction discarded because of: Can't execute "
                             b"'exec': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                             b"RESET are allowed in this context\r\n")

    def test_transaction_spanning_databases_applies_in_each(self):
        with self.server.raw() as c:
            c.command("MULTI")
            for args in (("SET", "tx:db", "zero"), ("SELECT", "5"), ("SET", "tx:db", "five"),
                         ("INCR", "tx:db:n")):
                self.assertEqual(c.command(*args), b"+QUEUED\r\n")
            self.assertEqual(c.command("EXEC"), b"*4\r\n+OK\r\n+OK\r\n+OK\r\n:1\r\n")
            # SELECT inside the transaction stays in effect after it.
            self.assertEqual(c.command("GET", "tx:db"), b"$4\r\nfive\r\n")
        self.assertEqual(self.r.get("tx:db"), b"zero")

    def test_watched_key_that_expires_before_exec_breaks_the_transaction(self):
        # Redis 7.0: a key live when WATCHed and expired by EXEC counts as changed, even when
        # nothing has deleted it yet (nobody touches it here: the deadline is read off TIME).
        with self.server.raw() as c:
            self.assertEqual(c.command("SET", "tx:exp", "v", "PX", "300"), b"+OK\r\n")
            deadline_ms = int(self.r.execute_command("PEXPIRETIME", "tx:exp"))
            self.assertEqual(c.command("WATCH", "tx:exp"), b"+OK\r\n")

            def server_ms():
                seconds, micros = self.r.time()
                return seconds * 1000 + micros // 1000

            lib.wait_until(lambda: server_ms() > deadline_ms + 5, what="the key's deadline")
            c.command("MULTI")
            c.command("SET", "tx:exp:other", "x")
            self.assertEqual(c.command("EXEC"), b"*-1\r\n")
        self.assertIsNone(self.r.get("tx:exp:other"))

    def test_client_leaving_in_multi_with_watched_keys_leaves_nothing_behind(self):
        keys = [f"tx:gone:{i}" for i in range(1000)]
        for round_no in range(3):
            c = self.server.raw()
            self.assertEqual(c.command("WATCH", *keys), b"+OK\r\n")
            c.command("MULTI")
            c.send(b"".join(lib.encode_command("SET", k, "never") for k in keys[:100]))
            # Closed with its queue and watches, maybe before the server read all of it.
            c.close()
            # Writes to the keys it watched touch whatever the registry still holds.
            self.r.mset({k: f"after-{round_no}" for k in keys})
            self.assertEqual(self.r.flushdb(), True)
        lib.wait_until(lambda: all("multi=-1" in line or "cmd=client|list" in line
                                   for line in self.r.execute_command("CLIENT", "LIST")
                                   .decode().splitlines()),
                       what="the clients in MULTI to be gone")
        self.assertIsNone(self.r.get("tx:gone:0"))
        self.assertServerAlive()

    def test_watch_retry_loop_under_contention_counts_exactly(self):
        processes, increments = 4, 200
        self.r.delete("tx:contended")
        ctx = multiprocessing.get_context("fork")
        results = ctx.Queue()
        workers = [ctx.Process(target=_increment_with_watch,
                               args=(self.server.port, "tx:contended", increments, results),
                               daemon=True)
                   for _ in range(processes)]
        for w in workers:
            w.start()
        outcomes = []
        try:
            for _ in workers:
                # A worker that died without reporting shows up here as a timeout.
                outcomes.append(results.get(timeout=lib.IO_TIMEOUT * 5))
        finally:
            for w in workers:
                w.join(timeout=lib.IO_TIMEOUT)
                if w.is_alive():
                    w.kill()
        errors = [o for o in outcomes if isinstance(o, str)]
        self.assertEqual(errors, [])
        retries = sum(outcomes)
        print(f"\n  {processes} x {increments} increments, {retries} WatchError retries",
              file=sys.stderr)
        self.assertEqual(self.r.get("tx:contended"), str(processes * increments).encode())


def _increment_with_watch(port, key, count, results):
    """Worker process: `count` read-modify-write increments through redis-py's transaction()
    helper (WATCH key, GET, MULTI, SET, EXEC, retried on WatchError); reports the number of
    retries, or the error text."""
    try:
        r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=lib.IO_TIMEOUT)
        attempts = 0

        def increment(pipe):
            nonlocal attempts
            attempts += 1
            value = int(pipe.get(key) or 0)
            pipe.multi()
            pipe.set(key, value + 1)

        for _ in range(count):
            r.transaction(increment, key)
        r.close()
        results.put(attempts - count)
    except BaseException as e:  # reported to the test instead of dying silently
        results.put(f"{type(e).__name__}: {e}")


# -- durability --------------------------------------------------------------------------------

def incr_file(workdir):
    """Path of the last incr file named by the AOF manifest."""
    aof_dir = os.path.join(workdir, "appendonlydir")
    with open(os.path.join(aof_dir, "appendonly.aof.manifest")) as f:
        incrs = [line.split()[1] for line in f if line.split() and line.split()[-1] == "i"]
    return os.path.join(aof_dir, incrs[-1])


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class TransactionDurabilityTest(lib.unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="basalt-it-tx-")
        self.seed = int(os.environ.get("BASALT_TEST_SEED", random.randrange(1 << 30)))
        self.rng = random.Random(self.seed)
        print(f"\n  seed {self.seed} (set BASALT_TEST_SEED to repeat), dir {self.workdir}",
              file=sys.stderr)
        self.runs = 0

    def passed(self):
        """Called last by a test that passed: its directory is kept for a post-mortem
        otherwise."""
        shutil.rmtree(self.workdir, ignore_errors=True)

    def start(self, fsync):
        self.runs += 1
        return lib.ServerProcess(["--appendonly", "yes", "--appendfsync", fsync],
                                 workdir=self.workdir, log_name=f"server-{self.runs}.log").start()

    def test_transaction_survives_sigkill_and_is_one_multi_exec_block_in_the_aof(self):
        for fsync in ("everysec", "always"):
            with self.subTest(appendfsync=fsync):
                shutil.rmtree(self.workdir, ignore_errors=True)
                os.makedirs(self.workdir)
                server = self.start(fsync)
                try:
                    c = server.client()
                    c.set("tx:d:plain", "before")  # a single write: no MULTI around it
                    pipe = c.pipeline(transaction=True)
                    pipe.set("tx:d:a", fsync)
                    pipe.incrby("tx:d:n", 7)
                    pipe.append("tx:d:plain", "+after")
                    pipe.delete("tx:d:nothing")  # changes nothing: not logged
                    self.assertEqual(pipe.execute(), [True, 7, len("before+after"), 0])
                    c.close()
                    data = read_bytes(incr_file(self.workdir))
                    block = (MULTI_RESP + lib.encode_command("SET", "tx:d:a", fsync) +
                             lib.encode_command("INCRBY", "tx:d:n", "7") +
                             lib.encode_command("APPEND", "tx:d:plain", "+after") + EXEC_RESP)
                    self.assertIn(block, data, f"incr file:\n{data!r}")
                    self.assertEqual(data.count(MULTI_RESP), 1)
                    self.assertNotIn(b"tx:d:nothing", data)
                    self.assertLess(data.index(lib.encode_command("SET", "tx:d:plain", "before")),
                                    data.index(block))
                    server.kill()  # SIGKILL: the reply came after the write, nothing is lost
                    server = self.start(fsync)
                    c = server.client()
                    self.assertEqual(c.mget("tx:d:a", "tx:d:n", "tx:d:plain"),
                                     [fsync.encode(), b"7", b"before+after"])
                    c.close()
                    server.stop_and_check()
                finally:
                    server.kill()
        self.passed()

    def test_transaction_across_databases_is_logged_with_its_selects(self):
        server = self.start("everysec")
        try:
            with server.raw() as c:
                for args in (("MULTI",), ("SET", "tx:s", "db0"), ("SELECT", "3"),
                             ("SET", "tx:s", "db3"), ("SELECT", "0")):
                    c.command(*args)
                self.assertEqual(c.command("EXEC"), b"*4\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n")
            data = read_bytes(incr_file(self.workdir))
            start = data.index(MULTI_RESP)
            block = data[start:data.index(EXEC_RESP, start) + len(EXEC_RESP)]
            self.assertIn(lib.encode_command("SELECT", "3") + lib.encode_command("SET", "tx:s",
                                                                                  "db3"), block)
            server.kill()
            server = self.start("everysec")
            self.assertEqual(server.client().get("tx:s"), b"db0")
            self.assertEqual(server.client(db=3).get("tx:s"), b"db3")
            server.stop_and_check()
        finally:
            server.kill()
        self.passed()

    def test_sigkill_never_leaves_half_a_transaction(self):
        keys = [f"tx:k:{i:02d}" for i in range(50)]
        plans = (("always", False), ("everysec", False), ("everysec", True))
        server = self.start(plans[0][0])
        try:
            for round_no, (fsync, cut) in enumerate(plans):
                last_acked, in_flight = self.run_transactions_then_kill(server, keys, round_no)
                if cut:
                    self.cut_last_transaction_block()
                server = self.start(plans[(round_no + 1) % len(plans)][0])
                if cut:
                    self.assertIn("short read while loading the AOF file", server.log())
                values = server.client().mget(keys)
                print(f"  round {round_no} ({fsync}{', last block cut' if cut else ''}): "
                      f"last acknowledged {last_acked}, found {values[0]!r}", file=sys.stderr)
                self.assertEqual(len(set(values)), 1, f"a mix of transactions: {values}")
                found = int(values[0].split(b":")[1])
                self.assertEqual(values[0].split(b":")[0], str(round_no).encode())
                allowed = (last_acked - 1, last_acked) if cut else (last_acked, in_flight)
                self.assertIn(found, allowed)
            server.stop_and_check()
        finally:
            server.kill()
        self.passed()

    def run_transactions_then_kill(self, server, keys, round_no):
        """One client runs MULTI, SET of every key to "<round>:<i>", EXEC for i = 0, 1, ...
        until the server is SIGKILLed at a random moment; returns (last acknowledged i, the i
        in flight)."""
        state = {"acked": -1, "sending": -1, "error": None}
        stop = threading.Event()

        def writer():
            conn = lib.RawConnection(server.port)
            expected = b"*%d\r\n" % len(keys) + b"+OK\r\n" * len(keys)
            try:
                i = 0
                while not stop.is_set():
                    value = f"{round_no}:{i}"
                    request = MULTI_RESP + b"".join(lib.encode_command("SET", k, value)
                                                    for k in keys) + EXEC_RESP
                    state["sending"] = i
                    conn.send(request)
                    replies = [conn.read_reply() for _ in range(len(keys) + 2)]
                    if replies[-1] != expected:
                        raise AssertionError(f"EXEC answered {replies[-1][:100]!r}")
                    state["acked"] = i
                    i += 1
            except (ConnectionError, OSError):
                pass  # killed: what was acknowledged is what counts
            except BaseException as e:
                state["error"] = e
            finally:
                conn.close()

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        lib.wait_until(lambda: state["acked"] >= 20 or state["error"],
                       what="20 acknowledged transactions")
        # Where the kill lands varies; the outcome must hold wherever it does.
        time.sleep(self.rng.uniform(0.05, 0.5))
        server.kill()
        thread.join(timeout=lib.IO_TIMEOUT)
        stop.set()
        self.assertFalse(thread.is_alive(), "the writer did not notice the server's death")
        if state["error"]:
            raise state["error"]
        return state["acked"], state["sending"]

    def cut_last_transaction_block(self):
        """Cuts the incr file at a random byte inside its last MULTI ... EXEC block (as a kill
        in the middle of writing it would): after the MULTI, before the end of the EXEC."""
        path = incr_file(self.workdir)
        data = read_bytes(path)
        if not data.endswith(EXEC_RESP):
            # The kill landed while the block in flight was being written (the kernel stops a
            # dying process's write between pages): it is torn already.
            return
        start = data.rindex(MULTI_RESP)
        end = data.index(EXEC_RESP, start) + len(EXEC_RESP)
        self.assertEqual(end, len(data), "the last block is not at the end of the file")
        cut = self.rng.randrange(start + len(MULTI_RESP), end)
        with open(path, "r+b") as f:
            f.truncate(cut)


if __name__ == "__main__":
    lib.main()
