"""Group commit with appendfsync always, on a simulated slow disk (tools/fault_inject.cc preloaded:
every fsync of an AOF incr file takes a fixed delay longer; the manifest, base and directory
fsyncs stay fast). A reply never leaves before the fsync that covers its write, whichever path
handed the write to the AOF writer; concurrent clients share fsyncs.

Only lower bounds on time are asserted (a reply that waited for a 1 s fsync cannot come
sooner on any machine), and sharing is counted with the overlap of writes and fsync made
certain (a held fsync), so a slow machine can never make these tests fail."""

import os
import sys
import threading
import time
import unittest

import basalt_testlib as lib

SLOW_FSYNC_US = 1_000_000
INCR_FILES = ".incr.aof"
ALWAYS = ("--appendonly", "yes", "--appendfsync", "always")


def timed_replies(conn, payload, count):
    """Sends payload, reads count replies; returns them and the seconds until the first one."""
    start = time.monotonic()
    conn.send(payload)
    first = conn.read_reply()
    elapsed = time.monotonic() - start
    return [first] + [conn.read_reply() for _ in range(count - 1)], elapsed


class SlowDiskRepliesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = lib.ServerProcess(ALWAYS, env=lib.slow_disk_env(SLOW_FSYNC_US, match=INCR_FILES)).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop_and_check()

    def test_a_write_reply_waits_for_its_fsync(self):
        with self.server.raw() as c:
            replies, elapsed = timed_replies(c, lib.encode_command("SET", "plain", "1"), 1)
            self.assertEqual(replies, [b"+OK\r\n"])
            self.assertGreaterEqual(elapsed, SLOW_FSYNC_US / 1e6)

    def test_a_write_taken_along_by_a_rewrite_start_still_waits(self):
        # The SET's bytes leave with the rewrite's switch to a new incr file, in the same loop
        # turn: its reply must still wait until they are fsynced (in the old incr file, before
        # the writer moves on to the new one).
        with self.server.raw() as c:
            payload = (lib.encode_command("SET", "before-rewrite", "v") +
                       lib.encode_command("BGREWRITEAOF"))
            replies, elapsed = timed_replies(c, payload, 2)
            self.assertEqual(replies[0], b"+OK\r\n")
            self.assertEqual(replies[1], b"+Background append only file rewriting started\r\n")
            self.assertGreaterEqual(elapsed, SLOW_FSYNC_US / 1e6)
        client = self.server.client()
        lib.wait_until(lambda: client.info("persistence")["aof_rewrite_in_progress"] == 0,
                       what="the rewrite to finish")
        self.assertEqual(client.get("before-rewrite"), b"v")


class SteadyPipelineTest(unittest.TestCase):
    """A client that keeps sending writes without pause still gets its earlier replies: each
    reply waits for its own batch, not for the client's latest write."""

    DELAY_US = 50_000
    SEND_INTERVAL_S = 0.01
    SEND_LIMIT_S = 30.0

    def test_replies_flow_while_the_client_keeps_writing(self):
        env = lib.slow_disk_env(self.DELAY_US, match=INCR_FILES)
        with lib.ServerProcess(ALWAYS, env=env) as server, server.raw() as c:
            first_reply = threading.Event()
            sent = []

            def sender():
                # Sends a SET every 10 ms (never a pause as long as a 50 ms fsync) until the
                # first reply is read, or SEND_LIMIT_S passed.
                deadline = time.monotonic() + self.SEND_LIMIT_S
                while not first_reply.is_set() and time.monotonic() < deadline:
                    c.send(lib.encode_command("SET", f"k{len(sent)}", "v"))
                    sent.append(1)
                    time.sleep(self.SEND_INTERVAL_S)
                sending_stopped.set()

            sending_stopped = threading.Event()
            thread = threading.Thread(target=sender)
            thread.start()
            try:
                self.assertEqual(c.read_reply(), b"+OK\r\n")
                replied_while_sending = not sending_stopped.is_set()
            finally:
                first_reply.set()
                thread.join()
            self.assertTrue(replied_while_sending,
                            f"no reply until the client stopped sending ({len(sent)} SETs)")
            for _ in range(len(sent) - 1):
                self.assertEqual(c.read_reply(), b"+OK\r\n")


class SharedFsyncTest(unittest.TestCase):
    """Clients whose writes arrive while an fsync runs share the next one: far fewer fsyncs
    than writes. The overlap is made certain rather than hoped for (16 client threads of one
    starved Python process can trickle in slower than any fsync): in each round the first
    batch's fsync is held (a stall file, see lib.stall_env) until every client's SET has been
    executed, so no scheduling can spread the writes over more fsyncs."""

    CLIENTS = 16
    ROUNDS = 4

    def test_writes_arriving_during_an_fsync_share_the_next_one(self):
        workdir = lib.tempfile.mkdtemp(prefix="basalt-it-gc-")
        self.addCleanup(lib.shutil.rmtree, workdir, True)
        count_file = os.path.join(workdir, "fsyncs")
        stall_file = os.path.join(workdir, "hold-fsync")
        log_file = os.path.join(workdir, "stalls")
        env = {**lib.slow_disk_env(0, count_file, match=INCR_FILES),
               **lib.stall_env(stall_file, ops="fsync", match=INCR_FILES, log_file=log_file)}
        with lib.ServerProcess(ALWAYS, env=env) as server:
            client = server.client()
            conns = [server.raw() for _ in range(self.CLIENTS)]
            try:
                before = os.path.getsize(count_file) if os.path.exists(count_file) else 0
                for r in range(self.ROUNDS):
                    self.run_round(r, conns, client, stall_file, log_file)
            finally:
                for c in conns:
                    c.close()
            fsyncs = os.path.getsize(count_file) - before
            writes = self.CLIENTS * self.ROUNDS
            print(f"fsyncs={fsyncs} for {writes} writes", file=sys.stderr)
            # Each round: the held fsync, then one for the SETs that came meanwhile (two, if a
            # loop turn split them). One per write would be `writes`; a quarter is far above
            # what the rounds need and far below what no sharing gives.
            self.assertLessEqual(fsyncs, writes // 4, f"{fsyncs} fsyncs for {writes} writes")
            self.assertEqual(client.dbsize(), writes)

    def run_round(self, r, conns, client, stall_file, log_file):
        with open(stall_file, "w"):
            pass
        try:
            for n, c in enumerate(conns):
                c.send(lib.encode_command("SET", f"k:{n}:{r}", str(r)))
            # The first batch's fsync waits, and every SET is executed, replies held back.
            lib.wait_until(lambda: len(lib.injected_faults(log_file, "stall")) > r,
                           what="an AOF fsync to be held")
            lib.wait_until(lambda: client.dbsize() == (r + 1) * len(conns),
                           what="every SET of the round to be executed")
        finally:
            os.unlink(stall_file)
        for c in conns:
            self.assertEqual(c.read_reply(), b"+OK\r\n")


if __name__ == "__main__":
    lib.main()
