"""A full or failing disk under the AOF: no client is left without a reply, no write is
acknowledged that is not in the AOF, and the AOF heals once the disk does.

Real ENOSPC comes from a size-limited tmpfs (skipped where mounting is not permitted); EIO on
fsync, EIO on write and short writes come from the fault injector (tools/fault_inject.cc),
armed while a control file exists so a test can lift the fault.

Writer threads each pipeline SETs of 20 KB values, a GET and an INCR of their own counter; every
request has a deadline (the socket timeout), so a reply that never comes fails the test. After
the fault: writes and PING are refused with Redis's MISCONF text, reads work. After a restart,
every acknowledged SET is there and every counter is at least its last acknowledged value; when
the server healed, the whole dataset equals what it served before the restart (the AOF has no
gap and no duplicate).
"""

import os
import shutil
import subprocess
import tempfile
import threading

import basalt_testlib as lib

VALUE = b"v" * 20000
WRITERS = 8
PIPELINE = 8
ENOSPC_TEXT = b"-MISCONF Errors writing to the AOF file: No space left on device\r\n"
EIO_TEXT = b"-MISCONF Errors writing to the AOF file: Input/output error\r\n"


class Writer:
    """One connection pipelining SET/GET/INCR until it has seen `errors_wanted` refusals, or
    the server goes away, or `max_rounds` rounds."""

    def __init__(self, port, no, errors_wanted=3, max_rounds=400):
        self.conn = lib.RawConnection(port)
        self.no = no
        self.errors_wanted = errors_wanted
        self.max_rounds = max_rounds
        self.acked = []           # SET keys answered +OK
        self.counter = 0          # the last INCR value acknowledged
        self.refusals = []        # error replies seen
        self.closed = False       # the server closed the connection (appendfsync always)
        self.failure = None

    def key(self, i, j):
        return f"w{self.no}:{i}:{j}".encode()

    def run(self):
        try:
            for i in range(self.max_rounds):
                if len(self.refusals) >= self.errors_wanted:
                    break
                self.round(i)
        except (ConnectionError, EOFError):
            self.closed = True
        except OSError as e:  # a socket timeout is a request without a reply: the bug
            self.failure = e
        except BaseException as e:
            self.failure = e
        finally:
            self.conn.close()

    def round(self, i):
        out = []
        for j in range(PIPELINE):
            out.append(lib.encode_command("SET", self.key(i, j), VALUE))
        out.append(lib.encode_command("GET", self.key(0, 0)))
        out.append(lib.encode_command("INCR", f"c{self.no}"))
        self.conn.send(b"".join(out))
        for j in range(PIPELINE):
            self.note(self.conn.read_reply(), b"+OK\r\n", lambda j=j: self.acked.append(
                self.key(i, j)))
        get = self.conn.read_reply()
        if not (get.startswith(b"$20000\r\n") or (i == 0 and get in (b"$-1\r\n",))):
            raise AssertionError(f"GET answered {get[:60]!r}")
        incr = self.conn.read_reply()
        if incr.startswith(b":"):
            self.counter = int(incr[1:-2])
        else:
            self.note(incr, None, None)

    def note(self, reply, success, on_success):
        if reply == success:
            on_success()
        elif reply.startswith(b"-MISCONF Errors writing to the AOF file: "):
            self.refusals.append(reply)
        else:
            raise AssertionError(f"unexpected reply {reply[:80]!r}")


def run_writers(port, **kwargs):
    writers = [Writer(port, n, **kwargs) for n in range(WRITERS)]
    threads = [threading.Thread(target=w.run) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(lib.IO_TIMEOUT * 4)
        if t.is_alive():
            raise AssertionError("a writer is still waiting for a reply")
    for w in writers:
        if w.failure:
            raise AssertionError(f"writer {w.no}: {w.failure!r}")
    return writers


def check_acknowledged(test, port, writers):
    """Every write acknowledged with success is in the dataset served on `port`."""
    import redis
    c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=lib.IO_TIMEOUT)
    for w in writers:
        if w.acked:
            pipe = c.pipeline(transaction=False)
            for k in w.acked:
                pipe.exists(k)
            missing = [k for k, e in zip(w.acked, pipe.execute()) if not e]
            test.assertEqual(missing, [], f"writer {w.no}: acknowledged keys lost")
        test.assertGreaterEqual(int(c.get(f"c{w.no}") or 0), w.counter,
                                f"writer {w.no}: acknowledged INCR lost")
    c.close()


class AofDiskFaultTest(lib.unittest.TestCase):
    def start(self, workdir, policy, env=None, log_name="server.log"):
        server = lib.ServerProcess(["--appendonly", "yes", "--appendfsync", policy,
                                    "--aof-use-rdb-preamble", "yes"],
                                   workdir=workdir, env=env, log_name=log_name)
        return server.start()

    def assertRefused(self, server, text):
        with server.raw() as c:
            self.assertEqual(c.command("PING"), text)
            self.assertEqual(c.command("SET", "after", "1"), text)
            self.assertTrue(c.command("DBSIZE").startswith(b":"))
            info = c.command("INFO", "persistence").decode()
            self.assertIn("aof_last_write_status:err", info)

    def wait_healed(self, server, timeout=60):
        def healed():
            with server.raw() as c:
                return c.command("PING") == b"+PONG\r\n"
        lib.wait_until(healed, timeout=timeout, interval=0.2, what="the AOF to heal")
        with server.raw() as c:
            self.assertIn("aof_last_write_status:ok", c.command("INFO", "persistence").decode())
            self.assertEqual(c.command("SET", "healed", "1"), b"+OK\r\n")

    def restart_and_compare(self, server, workdir, policy, writers, before=None):
        server.stop_and_check()
        again = self.start(workdir, policy, log_name="restart.log")
        try:
            check_acknowledged(self, again.port, writers)
            if before is not None:
                self.assertEqual(lib.read_dataset(again.port, dbs=[0]), before,
                                 "the AOF replays to another dataset than was served")
            self.assertNotIn("truncated", again.log().lower())
        finally:
            again.stop_and_check()

    # -- a really full disk --------------------------------------------------------------

    def full_disk_heals(self, policy):
        with lib.tmpfs("4m") as d:
            server = self.start(d, policy)
            writers = run_writers(server.port)
            self.assertTrue(any(w.refusals for w in writers), "the disk never filled up")
            self.assertTrue(all(set(w.refusals) == {ENOSPC_TEXT} for w in writers))
            self.assertRefused(server, ENOSPC_TEXT)
            self.assertIn("No space left on device", server.log())
            subprocess.run(["mount", "-o", "remount,size=64m", d], check=True)
            self.wait_healed(server)
            before = lib.read_dataset(server.port, dbs=[0])
            self.restart_and_compare(server, d, policy, writers, before)

    def test_full_disk_everysec_answers_every_request_and_heals(self):
        self.full_disk_heals("everysec")

    def test_full_disk_no_answers_every_request_and_heals(self):
        self.full_disk_heals("no")

    def test_full_disk_always_exits_without_losing_an_acknowledged_write(self):
        with lib.tmpfs("4m") as d:
            server = self.start(d, "always")
            writers = run_writers(server.port)
            self.assertNotEqual(server.wait_exit(), 0)
            self.assertTrue(all(w.closed or w.refusals for w in writers))
            self.assertIn("Can't recover from AOF write error when the AOF fsync policy is "
                          "'always'", server.log())
            subprocess.run(["mount", "-o", "remount,size=64m", d], check=True)
            again = self.start(d, "always", log_name="restart.log")
            try:
                check_acknowledged(self, again.port, writers)
            finally:
                again.stop_and_check()

    # -- injected faults -----------------------------------------------------------------

    def injected(self, ops, errno_name, **kwargs):
        """A data dir and an environment whose AOF files fail as asked once armed()."""
        d = tempfile.mkdtemp(prefix="basalt-it-faults-")
        self.addCleanup(shutil.rmtree, d, True)
        self.control = os.path.join(d, "fault-armed")
        self.fault_log = os.path.join(d, "faults.log")
        env = lib.fault_env(ops, errno_name, match="appendonlydir/", control_file=self.control,
                            log_file=self.fault_log, **kwargs)
        return d, env

    def arm(self):
        open(self.control, "w").close()

    def lift(self):
        os.unlink(self.control)

    def test_failed_fsync_everysec_is_healed_by_a_rewrite(self):
        d, env = self.injected("fsync", "EIO")
        server = self.start(d, "everysec", env=env)
        self.arm()
        writers = run_writers(server.port, errors_wanted=1, max_rounds=2000)
        self.assertTrue(lib.injected_faults(self.fault_log))
        self.assertTrue(all(set(w.refusals) <= {EIO_TEXT} for w in writers))
        self.assertRefused(server, EIO_TEXT)
        with server.raw() as c:
            self.assertIn("aof_last_write_error:fsync of", c.command("INFO").decode())
        self.lift()
        self.wait_healed(server)  # by an automatic rewrite, a few seconds after the fault
        self.assertIn("Background AOF rewrite finished successfully", server.log())
        before = lib.read_dataset(server.port, dbs=[0])
        self.restart_and_compare(server, d, "everysec", writers, before)

    def test_failed_fsync_always_exits(self):
        d, env = self.injected("fsync", "EIO")
        server = self.start(d, "always", env=env)
        self.arm()
        writers = run_writers(server.port)
        self.assertNotEqual(server.wait_exit(), 0)
        self.assertTrue(all(w.closed for w in writers))
        self.lift()
        again = self.start(d, "always", log_name="restart.log")
        try:
            check_acknowledged(self, again.port, writers)
        finally:
            again.stop_and_check()

    def test_short_write_is_cut_back_and_written_again(self):
        d, env = self.injected("write", "ENOSPC", after_bytes=300_000)
        server = self.start(d, "everysec", env=env)
        self.arm()
        writers = run_writers(server.port)
        self.assertTrue(lib.injected_faults(self.fault_log, "short"), "no short write happened")
        self.assertTrue(all(set(w.refusals) == {ENOSPC_TEXT} for w in writers))
        self.lift()
        self.wait_healed(server)
        before = lib.read_dataset(server.port, dbs=[0])
        self.restart_and_compare(server, d, "everysec", writers, before)

    def test_write_errors_with_appendfsync_no(self):
        d, env = self.injected("write", "EIO", on_call=5)
        server = self.start(d, "no", env=env)
        self.arm()
        writers = run_writers(server.port)
        self.assertTrue(all(set(w.refusals) == {EIO_TEXT} for w in writers))
        self.assertRefused(server, EIO_TEXT)
        self.lift()
        self.wait_healed(server)
        before = lib.read_dataset(server.port, dbs=[0])
        self.restart_and_compare(server, d, "no", writers, before)


    def test_refused_writes_leave_big_get_replies_around_them_whole(self):
        # Replies of a read wait in the output buffer for the AOF batch; when its write fails
        # they are rebuilt with the writes refused. GETs of big values hold the value by
        # reference there (server/output_queue.h): they must come out whole, in their place.
        big = bytes(range(256)) * 1024  # 256 KB
        d, env = self.injected("write", "EIO")
        server = self.start(d, "no", env=env)
        try:
            with server.raw() as c:
                self.assertEqual(c.command("SET", "big", big), b"+OK\r\n")
                self.arm()
                c.send(lib.encode_command("GET", "big") + lib.encode_command("SET", "x", "1") +
                       lib.encode_command("GET", "big") + lib.encode_command("INCR", "n") +
                       lib.encode_command("GET", "big"))
                bulk = b"$%d\r\n%s\r\n" % (len(big), big)
                for want in (bulk, EIO_TEXT, bulk, EIO_TEXT, bulk):
                    self.assertEqual(c.read_reply(), want)
            self.assertTrue(lib.injected_faults(self.fault_log))
            self.lift()
            self.wait_healed(server)
        finally:
            server.stop_and_check()

if __name__ == "__main__":
    lib.main()
