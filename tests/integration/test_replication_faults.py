"""Replication over a faulty link: a small TCP proxy between a basalt replica and its basalt
primary cuts the link in the middle of the snapshot and in the middle of the stream, and stalls
it (stops reading from the primary) so the primary's output buffer for the replica grows.

Checked: the replica reconnects by itself and ends identical to the primary; a cut covered by
the backlog continues with +CONTINUE, one that is not syncs in full; a stalled replica is
dropped at its client-output-buffer-limit and comes back when the link flows again.
"""

import os
import socket
import threading
import unittest

import basalt_testlib as lib
from test_replication import repl_info

SYNC_TIMEOUT = 60.0


class FaultyLink:
    """Forwards connections from a local port to `upstream`. cut() closes every open
    connection; after cut_after(n), the next connection is cut once n bytes came from the
    primary; stall() stops reading from the primary until flow()."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open = []
        self.connections = 0
        self.cut_at = None
        self.flowing = threading.Event()
        self.flowing.set()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                down, _ = self.listener.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                down.close()
                continue
            with self.lock:
                self.connections += 1
                self.open += [down, up]
                cut_at, self.cut_at = self.cut_at, None
            threading.Thread(target=self._pump, args=(up, down, cut_at), daemon=True).start()
            threading.Thread(target=self._pump, args=(down, up, None), daemon=True).start()

    def _pump(self, src, dst, cut_at):
        moved = 0
        try:
            while True:
                if src is not None and cut_at is None and not self.flowing.is_set():
                    self.flowing.wait()
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
                moved += len(data)
                if cut_at is not None and moved >= cut_at:
                    break
        except OSError:
            pass
        # shutdown() first: a close() alone does not wake the other direction's recv, and the
        # peers would never see the link go.
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut_after(self, nbytes):
        with self.lock:
            self.cut_at = nbytes

    def cut(self):
        with self.lock:
            sockets, self.open = self.open, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def stall(self):
        self.flowing.clear()

    def flow(self):
        self.flowing.set()

    def close(self):
        self.closed = True
        self.flow()
        self.listener.close()
        self.cut()


class ReplicationFaultTest(unittest.TestCase):
    def basalt(self, *args):
        server = lib.ServerProcess(["--repl-diskless-sync-delay", "0", *args]).start()
        self.addCleanup(server.stop_and_check)
        return server

    def replica_through(self, primary, *args):
        link = FaultyLink(primary.port)
        self.addCleanup(link.close)
        replica = self.basalt(*args)
        with replica.raw() as c:
            self.assertEqual(c.command("REPLICAOF", "127.0.0.1", link.port), b"+OK\r\n")
        return link, replica

    def wait_synced(self, primary, replica):
        def synced():
            r, p = repl_info(replica.port), repl_info(primary.port)
            return (r.get("master_link_status") == "up" and
                    r.get("slave_repl_offset") == p.get("master_repl_offset"))
        lib.wait_until(synced, timeout=SYNC_TIMEOUT, interval=0.05, what="the replica in sync")
        self.assertEqual(lib.read_dataset(replica.port, (0,)),
                         lib.read_dataset(primary.port, (0,)))

    def fill(self, primary, keys, size):
        c = primary.client()
        pipe = c.pipeline(transaction=False)
        for i in range(keys):
            # Random bytes: the RDB's LZF would shrink repeated ones to almost nothing.
            pipe.set(f"k:{i}", os.urandom(size))
        pipe.execute()
        return c

    def test_link_cut_mid_snapshot_then_the_replica_syncs_again(self):
        primary = self.basalt()
        c = self.fill(primary, 400, 10_000)  # a ~4 MB snapshot: many reads to cut within
        link = FaultyLink(primary.port)
        self.addCleanup(link.close)
        link.cut_after(1_000_000)
        replica = self.basalt()
        with replica.raw() as r:
            self.assertEqual(r.command("REPLICAOF", "127.0.0.1", link.port), b"+OK\r\n")
        lib.wait_until(lambda: link.connections >= 2, timeout=SYNC_TIMEOUT,
                       what="the replica reconnecting after the cut")
        c.set("after-the-cut", "1")
        self.wait_synced(primary, replica)
        self.assertGreaterEqual(primary.log().count("full resync"), 2, primary.log_tail())

    def test_cut_covered_by_the_backlog_continues_and_one_beyond_it_syncs_in_full(self):
        primary = self.basalt("--repl-backlog-size", "64kb")
        c = self.fill(primary, 100, 100)
        link, replica = self.replica_through(primary)
        self.wait_synced(primary, replica)
        # A short cut under writes: the backlog covers it.
        link.cut()
        for i in range(20):
            c.set(f"short:{i}", "x" * 100)
        lib.wait_until(lambda: "Partial resynchronization accepted" in primary.log(),
                       timeout=SYNC_TIMEOUT, what="+CONTINUE after a short cut")
        self.wait_synced(primary, replica)
        self.assertEqual(primary.log().count("full resync"), 1, primary.log_tail())
        # A long one: more is written while the link is stalled than the backlog holds, and
        # the link is cut before the replica read it.
        link.stall()
        link.cut()
        for i in range(100):
            c.set(f"long:{i}", "y" * 2000)
        link.flow()
        lib.wait_until(lambda: primary.log().count("full resync") >= 2, timeout=SYNC_TIMEOUT,
                       what="a full resync after a cut beyond the backlog")
        self.wait_synced(primary, replica)

    def test_stalled_replica_is_dropped_at_its_buffer_limit_and_comes_back(self):
        primary = self.basalt("--client-output-buffer-limit", "replica 256kb 0 0")
        c = self.fill(primary, 50, 100)
        link, replica = self.replica_through(primary)
        self.wait_synced(primary, replica)
        link.stall()
        # Far more than the socket buffers and the 256 KB limit can hold.
        for i in range(200):
            c.set(f"flood:{i}", "z" * 50_000)
        lib.wait_until(lambda: repl_info(primary.port).get("connected_slaves") == "0",
                       timeout=SYNC_TIMEOUT, what="the stalled replica dropped")
        stats = c.info("stats")
        self.assertGreaterEqual(stats["client_output_buffer_limit_disconnections"], 1)
        link.flow()
        self.wait_synced(primary, replica)

    def lagging_replica(self):
        primary = self.basalt("--shutdown-timeout", "120")
        c = self.fill(primary, 20, 100)
        link, replica = self.replica_through(primary)
        self.wait_synced(primary, replica)
        link.stall()
        for i in range(300):
            c.set(f"late:{i}", os.urandom(2000))
        return primary, link, replica

    def test_shutdown_waits_for_a_lagging_replica_to_catch_up(self):
        primary, link, replica = self.lagging_replica()
        with primary.raw() as p:
            p.send(lib.encode_command("SHUTDOWN", "NOSAVE"))
            lib.wait_until(lambda: "Waiting for replicas before shutting down" in primary.log(),
                           timeout=SYNC_TIMEOUT, what="the shutdown waiting for the replica")
        # The wait is the server's: the client that asked may go, the shutdown still comes.
        self.assertIsNone(primary.proc.poll())
        link.flow()
        primary.proc.wait(timeout=SYNC_TIMEOUT)
        # It left only once the replica had acknowledged everything.
        self.assertEqual(replica.client().get("late:299") is not None, True)
        self.assertEqual(replica.client().dbsize(), 20 + 300)

    def test_shutdown_abort_ends_the_wait_and_the_write_pause(self):
        primary, link, replica = self.lagging_replica()
        with primary.raw() as waiting, primary.raw() as other:
            waiting.send(lib.encode_command("SHUTDOWN"))
            lib.wait_until(lambda: "Waiting for replicas before shutting down" in primary.log(),
                           timeout=SYNC_TIMEOUT, what="the shutdown waiting for the replica")
            self.assertEqual(other.command("SHUTDOWN", "ABORT"), b"+OK\r\n")
            self.assertEqual(waiting.read_reply(),
                             b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n")
            self.assertEqual(other.command("SET", "after-abort", "1"), b"+OK\r\n")
            self.assertEqual(other.command("SHUTDOWN", "ABORT"),
                             b"-ERR No shutdown in progress.\r\n")
        link.flow()
        self.wait_synced(primary, replica)


if __name__ == "__main__":
    lib.main()
