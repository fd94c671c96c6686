"""Values of every size, from many clients at once, byte for byte.

Bulks of 32 KB and more take another path than small ones (they are received into a buffer of
their own, which SET keeps as the stored value): these tests cross that threshold from every
side, with concurrency, pipelining, transactions, a paused client and values that are changed
after they were stored.
"""

import random
import re
import signal
import threading
import time

import basalt_testlib as lib
from command_case import bulk

BIG = 32 * 1024  # protocol::kBigArgLen
SIZES = (3, 1024, 16 * 1024, BIG - 1, BIG, BIG + 1, 64 * 1024, 256 * 1024, 1024 * 1024)


def value_for(client, size, salt=0):
    """Bytes that differ per client, size and salt, with every byte value (CR and LF too)."""
    return random.Random(f"{client}/{size}/{salt}").randbytes(size)


class ValueSizesTest(lib.ServerTestCase):
    def test_every_size_from_50_concurrent_clients_round_trips_byte_for_byte(self):
        n_clients = 50
        barrier = threading.Barrier(n_clients, timeout=lib.IO_TIMEOUT * 2)

        def client_body(idx):
            with self.server.raw() as c:
                barrier.wait()  # every client uploads at the same time from here on
                for size in SIZES:
                    v = value_for(idx, size)
                    key = f"vs:{idx}:{size}"
                    # SET and GET in one write: the GET is parsed right behind the big bulk.
                    c.send(lib.encode_command("SET", key, v) + lib.encode_command("GET", key))
                    if c.read_reply() != b"+OK\r\n":
                        return f"SET {key} failed"
                    if c.read_reply() != bulk(v):
                        return f"GET {key} differs"
                # All sizes in one pipelined write, read back afterwards.
                batch = b"".join(lib.encode_command("SET", f"vs:{idx}:{s}", value_for(idx, s, 1))
                                 for s in SIZES)
                sender = lib.run_in_thread(c.send, batch)
                replies = [c.read_reply() for _ in SIZES]
                sender.join()
                if replies != [b"+OK\r\n"] * len(SIZES):
                    return "pipelined SETs failed"
                for s in SIZES:
                    if c.command("GET", f"vs:{idx}:{s}") != bulk(value_for(idx, s, 1)):
                        return f"pipelined value of size {s} differs"
                return "ok"

        workers = [lib.run_in_thread(client_body, i) for i in range(n_clients)]
        results = [w.join(timeout=lib.IO_TIMEOUT * 6) for w in workers]
        self.assertEqual(results, ["ok"] * n_clients)
        # Nothing was overwritten by another client's traffic.
        with self.server.raw() as c:
            for idx in range(0, n_clients, 7):
                for s in SIZES:
                    self.assertEqual(c.command("GET", f"vs:{idx}:{s}"),
                                     bulk(value_for(idx, s, 1)))
            self.assertEqual(c.command("STRLEN", "vs:0:1048576"), b":1048576\r\n")

    def _send_while_stopped(self, conns, batch_for):
        """Stops the server, writes each connection its batch, and lets the server run again:
        when it does, every one of them is busy at once."""
        self.server.proc.send_signal(signal.SIGSTOP)
        try:
            senders = [lib.run_in_thread(c.send, batch_for(i)) for i, c in enumerate(conns)]
            time.sleep(0.3)  # the batches fill the sockets' windows meanwhile
        finally:
            self.server.proc.send_signal(signal.SIGCONT)
        for t in senders:
            t.join(timeout=lib.IO_TIMEOUT * 2)

    def test_hundreds_of_busy_pipelines_read_in_slices_round_trip_byte_for_byte(self):
        # With 64 or more clients busy, the reads that continue a burst wait for the server's
        # slices (server/continuations.h). The server is stopped while 200 clients each write a
        # batch of 12 KB SETs, so when it runs again hundreds of them are busy and each batch is
        # several reads. Whether a given round defers depends on how the loop's turns fall
        # (checked by hand: most runs defer within three rounds); each round checks every byte
        # either way. Continuations itself is unit-tested.
        n_clients, per_batch, size = 200, 8, 12 * 1024
        conns = [self.server.raw() for _ in range(n_clients)]
        try:
            for rnd in range(3):
                self._send_while_stopped(conns, lambda i: b"".join(
                    lib.encode_command("SET", f"sl:{i}:{j}", value_for(i, size, rnd * 100 + j))
                    for j in range(per_batch)))
                for c in conns:
                    self.assertEqual([c.read_reply() for _ in range(per_batch)],
                                     [b"+OK\r\n"] * per_batch)
                for idx in range(rnd, n_clients, 7):
                    c = conns[idx]
                    c.send(b"".join(lib.encode_command("GET", f"sl:{idx}:{j}")
                                    for j in range(per_batch)))
                    for j in range(per_batch):
                        self.assertEqual(c.read_reply(), bulk(value_for(idx, size, rnd * 100 + j)))
        finally:
            for c in conns:
                c.close()

    def test_hundreds_of_big_pipelined_replies_written_in_slices_arrive_whole_and_in_order(self):
        # A reply bigger than one turn's write (write_budget.h: 80 KB) leaves over several turns,
        # its later writes in the server's slices (server/continuations.h). 200 clients each
        # ask, while the server is stopped, for ten 12 KB values and a PING behind them: 120 KB
        # of replies each, all due at once when it runs again, so slices hold writes and reads
        # together. Every reply must arrive once, whole and in order.
        n_clients, per_batch, size = 200, 10, 12 * 1024
        conns = [self.server.raw() for _ in range(n_clients)]
        try:
            for i, c in enumerate(conns[:per_batch]):
                self.assertEqual(c.command("SET", f"ws:{i}", value_for(i, size)), b"+OK\r\n")
            batch = b"".join(lib.encode_command("GET", f"ws:{j}") for j in range(per_batch))
            batch += lib.encode_command("PING")
            expected = [bulk(value_for(j, size)) for j in range(per_batch)] + [b"+PONG\r\n"]
            for _ in range(2):
                self._send_while_stopped(conns, lambda i: batch)
                for c in conns:
                    self.assertEqual([c.read_reply() for _ in expected], expected)
        finally:
            for c in conns:
                c.close()

    def test_a_pipeline_of_big_gets_answers_whole_and_in_order_from_sealed_blocks(self):
        # 12 MB of replies before a write and 6 MB after it, read only once all is sent: the
        # server seals the replies into ~1 MB blocks as they are made (SealIfBig) and must send
        # every block once, in order, before what follows.
        a, b = value_for("seal", 1024 * 1024), value_for("seal", 1024 * 1024, 1)
        with self.server.raw() as c, self.server.raw() as other:
            self.assertEqual(c.command("SET", "vs:seal", a), b"+OK\r\n")
            batch = (lib.encode_command("GET", "vs:seal") * 12 +
                     lib.encode_command("SET", "vs:seal", b) +
                     lib.encode_command("INCR", "vs:count") +
                     lib.encode_command("GET", "vs:seal") * 6 +
                     lib.encode_command("PING"))
            c.send(batch)
            # Everything ran although nothing was read yet.
            lib.wait_until(lambda: other.command("GET", "vs:count") == b"$1\r\n1\r\n",
                           what="the pipeline to run")
            for i in range(12):
                self.assertEqual(c.read_reply(), bulk(a), f"GET #{i}")
            self.assertEqual(c.read_reply(), b"+OK\r\n")
            self.assertEqual(c.read_reply(), b":1\r\n")
            for i in range(6):
                self.assertEqual(c.read_reply(), bulk(b), f"GET #{12 + i}")
            self.assertEqual(c.read_reply(), b"+PONG\r\n")
            self.assertEqual(c.command("PING"), b"+PONG\r\n")

    def test_big_get_replies_keep_the_value_as_it_was_when_the_key_changes_after(self):
        # GET of a value of 64 KB or more hands the socket the stored bytes by reference
        # (server/output_queue.h). The client reads nothing until every command ran, so the
        # replies wait in the server while the key is changed in place, replaced, deleted and
        # flushed: each reply must still be the value as it was when its GET ran.
        size = 300 * 1024
        a, b = value_for("share", size), value_for("share", size, 1)
        with self.server.raw() as c, self.server.raw() as other:
            self.assertEqual(c.command("SET", "vs:share", a), b"+OK\r\n")
            steps = [("GET",), ("APPEND", b"+"), ("GET",), ("SETRANGE", b"0", b"zz"), ("GET",),
                     ("SETBIT", b"7", b"1"), ("GET",), ("SET", b), ("GET",),
                     ("GETDEL",), ("GET",)]
            batch = lib.encode_command("GET", "vs:share") * 8
            for step in steps:
                batch += lib.encode_command(step[0], "vs:share", *step[1:])
            batch += (lib.encode_command("SET", "vs:share2", a) +
                      lib.encode_command("MULTI") + lib.encode_command("GET", "vs:share2") +
                      lib.encode_command("SET", "vs:share2", b) +
                      lib.encode_command("GET", "vs:share2") + lib.encode_command("EXEC") +
                      lib.encode_command("GET", "vs:share2") +
                      lib.encode_command("FLUSHALL", "ASYNC") +
                      lib.encode_command("INCR", "vs:done"))
            c.send(batch)
            lib.wait_until(lambda: other.command("GET", "vs:done") == b"$1\r\n1\r\n",
                           what="the pipeline to run")
            for i in range(8):
                self.assertEqual(c.read_reply(), bulk(a), f"GET #{i}")
            appended = a + b"+"
            ranged = b"zz" + appended[2:]
            bitset = bytes([ranged[0] | 1]) + ranged[1:]  # offset 7: the low bit of byte 0
            expected = [bulk(a), b":%d\r\n" % len(appended), bulk(appended),
                        b":%d\r\n" % len(ranged), bulk(ranged), b":%d\r\n" % (ranged[0] & 1),
                        bulk(bitset), b"+OK\r\n", bulk(b), bulk(b), b"$-1\r\n"]
            for step, want in zip(steps, expected):
                self.assertEqual(c.read_reply(), want, step[0])
            self.assertEqual(c.read_reply(), b"+OK\r\n")
            self.assertEqual(c.read_reply(), b"+OK\r\n")  # MULTI
            for _ in range(3):
                self.assertEqual(c.read_reply(), b"+QUEUED\r\n")
            self.assertEqual(c.read_reply(),
                             b"*3\r\n" + bulk(a) + b"+OK\r\n" + bulk(b))
            self.assertEqual(c.read_reply(), bulk(b))
            self.assertEqual(c.read_reply(), b"+OK\r\n")  # FLUSHALL ASYNC
            self.assertEqual(c.read_reply(), b":1\r\n")
            self.assertEqual(c.command("DBSIZE"), b":1\r\n")

    def test_replies_past_the_per_turn_write_cap_arrive_whole_while_others_are_served(self):
        # ~960 KB of 16 KB replies stays below the 1 MB seal, so it leaves 64 KB per loop turn
        # (write_budget.h) across many turns; another client is served in between. Above
        # maxmemory the cap is lifted (output buffers are memory): the same bytes must arrive.
        v = value_for("budget", 16 * 1024)
        for maxmemory in ("0", "1"):
            with self.subTest(maxmemory=maxmemory), self.server.raw() as c, \
                    self.server.raw() as other:
                self.assertEqual(other.command("SET", "vs:budget", v), b"+OK\r\n")
                self.assertEqual(other.command("CONFIG", "SET", "maxmemory", maxmemory),
                                 b"+OK\r\n")
                batch = (lib.encode_command("GET", "vs:budget") * 60 +
                         lib.encode_command("CLIENT", "SETNAME", f"budget{maxmemory}") +
                         lib.encode_command("GET", "vs:budget") * 3 +
                         lib.encode_command("PING"))
                c.send(batch)
                # CLIENT SETNAME, not a write: above maxmemory a write would be refused.
                lib.wait_until(lambda: b"name=budget" + maxmemory.encode() in
                               other.command("CLIENT", "LIST"), what="the pipeline to run")
                self.assertEqual(other.command("PING"), b"+PONG\r\n")
                for i in range(60):
                    self.assertEqual(c.read_reply(), bulk(v), f"GET #{i}")
                self.assertEqual(c.read_reply(), b"+OK\r\n")
                for i in range(3):
                    self.assertEqual(c.read_reply(), bulk(v), f"GET #{60 + i}")
                self.assertEqual(c.read_reply(), b"+PONG\r\n")
                self.assertEqual(other.command("CONFIG", "SET", "maxmemory", "0"), b"+OK\r\n")

    def test_a_big_bulk_split_around_its_header_and_payload_arrives_whole(self):
        v = value_for("split", 100_000)
        request = lib.encode_command("SET", "vs:split", v) + lib.encode_command("GET", "vs:split")
        payload_at = request.index(b"$100000\r\n") + len(b"$100000\r\n")
        payload_end = payload_at + len(v)
        cuts = [payload_at - 3, payload_at - 1, payload_at, payload_at + 1, payload_end - 1,
                payload_end, payload_end + 1, payload_end + 2, payload_end + 3]
        for cut in cuts:
            with self.subTest(cut=cut), self.server.raw() as c:
                c.send(request[:cut])
                # A PING on another connection makes the server read and handle the first part
                # before the rest arrives (no sleeping on timing).
                with self.server.raw() as other:
                    self.assertEqual(other.command("PING"), b"+PONG\r\n")
                c.send(request[cut:])
                self.assertEqual(c.read_reply(), b"+OK\r\n")
                self.assertEqual(c.read_reply(), bulk(v))

    def test_a_connections_first_bytes_of_any_length_are_answered_whole(self):
        # A new connection takes its input buffer only once bytes wait, sized by how many
        # (Connection::ReadIntoNewBuffer): these first sends sit at and around one read chunk
        # (16 KB), the widened first buffer (32 KB) and the big-bulk threshold, whole or cut.
        def batch_of(total, tag):
            requests, size = [], 0
            while True:
                key = f"vs:first:{tag}:{len(requests)}"
                rest = total - size
                last = next((n for n in range(max(0, rest - 60), rest + 1)
                             if len(lib.encode_command("SET", key, b"x" * n)) == rest), None)
                if last is not None and rest <= 1200:
                    requests.append((key, value_for(tag, last)))
                    return requests
                requests.append((key, value_for(tag, 1000, len(requests))))
                size += len(lib.encode_command("SET", *requests[-1]))

        for total in (40, 16383, 16384, 16385, 17000, 32767, 32768, 32769, 40000):
            requests = batch_of(total, total)
            data = b"".join(lib.encode_command("SET", k, v) for k, v in requests)
            self.assertEqual(len(data), total)
            for cut in (None, 100, total // 2):
                with self.subTest(total=total, cut=cut), self.server.raw() as c:
                    if cut is None:
                        c.send(data)
                    else:
                        c.send(data[:cut])
                        with self.server.raw() as other:  # the first part is read alone
                            self.assertEqual(other.command("PING"), b"+PONG\r\n")
                        c.send(data[cut:])
                    for key, _ in requests:
                        self.assertEqual(c.read_reply(), b"+OK\r\n", key)
                    for key, value in requests:
                        self.assertEqual(c.command("GET", key), bulk(value), key)

    def test_a_burst_opened_by_a_big_set_reads_its_rest_at_once_and_nothing_past_it(self):
        # The first read of a burst ends inside the 1 MB bulk; the server reads the bulk's rest
        # at once (Connection::ReceiveRestOfBigBulk). The requests after it in the same send
        # must stay in line: a GET, another big SET, a GET of each.
        first, second = value_for("burst", 1 << 20, 1), value_for("burst", 200_000, 2)
        request = (lib.encode_command("SET", "vs:burst:1", first) +
                   lib.encode_command("GET", "vs:burst:1") +
                   lib.encode_command("SET", "vs:burst:2", second) +
                   lib.encode_command("GET", "vs:burst:2") + lib.encode_command("PING"))
        with self.server.raw() as c:
            for _ in range(3):  # an idle connection starts a new burst every time
                c.send(request)
                self.assertEqual(c.read_reply(), b"+OK\r\n")
                self.assertEqual(c.read_reply(), bulk(first))
                self.assertEqual(c.read_reply(), b"+OK\r\n")
                self.assertEqual(c.read_reply(), bulk(second))
                self.assertEqual(c.read_reply(), b"+PONG\r\n")

    def test_a_big_set_pipelined_after_a_blocked_blpop_arrives_whole(self):
        # The SET's first bytes were read while the client was blocked; served, it parses an
        # incomplete big bulk while a read is pending. That read's bytes used to be counted
        # into a buffer they never reached: the value stored was garbage.
        v = value_for("blocked", 100_000)
        request = (lib.encode_command("BLPOP", "vs:list", "0") +
                   lib.encode_command("SET", "vs:after-block", v) +
                   lib.encode_command("GET", "vs:after-block"))
        cut = request.index(b"$100000\r\n") + len(b"$100000\r\n") + 20_000
        with self.server.raw() as admin, self.server.raw() as c:
            c.send(request[:cut])

            def blocked_with_the_first_part_read():
                m = re.search(rb"flags=\w*b\w* .*?qbuf=(\d+)", admin.command("CLIENT", "LIST"))
                return m is not None and int(m.group(1)) >= 20_000

            lib.wait_until(blocked_with_the_first_part_read, what="the client blocked, SET read")
            self.assertEqual(admin.command("LPUSH", "vs:list", "x"), b":1\r\n")
            self.assertEqual(c.read_reply(), b"*2\r\n$7\r\nvs:list\r\n$1\r\nx\r\n")
            c.send(request[cut:])
            self.assertEqual(c.read_reply(), b"+OK\r\n")
            self.assertEqual(c.read_reply(), bulk(v))

    def test_big_values_sent_alike_and_unlike_round_trips_byte_for_byte(self):
        # Alike big SETs make the server read the next one's payload straight into a buffer of
        # its own (RequestReader's prediction); requests shaped otherwise must come out the same.
        with self.server.raw() as c:
            sent = {}
            shapes = [("vs:alike:%03d", 65536)] * 4 + [
                ("vs:alike:%03d", 65535), ("vs:alike:%03d", 65537), ("vs:l:%d", 65536),
                ("vs:alike:%03d", 65536), ("vs:alike:%03d", 65536), ("vs:alike:%03d", 40000),
                ("vs:alike:%03d", 65536), ("vs:alike:%03d", 65536)]
            for i, (pattern, size) in enumerate(shapes):
                key = pattern % i
                sent[key] = value_for("alike", size, i)
                self.assertEqual(c.command("SET", key, sent[key]), b"+OK\r\n", key)
                if i % 3 == 2:  # a small request between big ones, and a pipelined pair
                    self.assertEqual(c.command("GET", key), bulk(sent[key]))
                    c.send(lib.encode_command("SET", key, sent[key]) + lib.encode_command("PING"))
                    self.assertEqual(c.read_reply(), b"+OK\r\n")
                    self.assertEqual(c.read_reply(), b"+PONG\r\n")
            for key, v in sent.items():
                self.assertEqual(c.command("GET", key), bulk(v), key)

    def test_an_idle_client_gives_back_the_buffer_kept_for_its_next_big_value(self):
        size = 100 * 1024  # predicted up to RequestReader::kMaxPredictedBulk (128 KB)
        with self.server.raw() as c, self.server.raw() as admin:
            my_id = int(c.command("CLIENT", "ID")[1:-2])

            def tot_mem():
                listing = admin.command("CLIENT", "LIST", "ID", str(my_id)).decode()
                return int(re.search(r" tot-mem=(\d+)", listing).group(1))

            # A spare is kept for the next alike value once the client is seen waiting for
            # each reply: two alike values, then an empty socket at two request boundaries.
            # The server looks at its socket before the reply leaves, so however quick the
            # client, that is the third SET.
            for i in range(3):
                self.assertEqual(c.command("SET", "vs:idle", value_for("idle", size, i)),
                                 b"+OK\r\n")
            self.assertGreater(tot_mem(), size)  # the spare for a fourth alike value
            # The server's cron frees it once the client has been idle for 2 s (cancelling
            # the read that waits to fill it).
            lib.wait_until(lambda: tot_mem() < 64 * 1024, timeout=lib.IO_TIMEOUT * 2,
                           interval=0.2, what="the idle client's spare buffer freed")
            v = value_for("idle", size, 9)
            self.assertEqual(c.command("SET", "vs:idle", v), b"+OK\r\n")
            self.assertEqual(c.command("GET", "vs:idle"), bulk(v))
            self.assertEqual(c.command("PING"), b"+PONG\r\n")

    def test_an_idle_client_gives_back_its_empty_input_buffer_but_not_a_partial_request(self):
        with self.server.raw() as idle, self.server.raw() as partial, \
                self.server.raw() as admin:
            ids = {}
            for name, c in (("idle", idle), ("partial", partial)):
                ids[name] = int(c.command("CLIENT", "ID")[1:-2])

            def field(name, key):
                listing = admin.command("CLIENT", "LIST", "ID", str(ids[name])).decode()
                return int(re.search(rf" {key}=(\d+)", listing).group(1))

            self.assertEqual(field("idle", "qbuf-free"), 16 * 1024)  # held after a request
            v = value_for("partial", 1000)
            request = lib.encode_command("SET", "vs:partial", v)
            partial.send(request[:500])
            lib.wait_until(lambda: field("partial", "qbuf") == 500, timeout=lib.IO_TIMEOUT,
                           interval=0.05, what="the partial request read")
            # The cron frees an idle client's empty input buffer after 2 s idle.
            lib.wait_until(lambda: field("idle", "qbuf-free") == 0, timeout=lib.IO_TIMEOUT * 2,
                           interval=0.2, what="the idle client's input buffer freed")
            self.assertLess(field("idle", "tot-mem"), 4096)
            # The partial request has been idle as long: its bytes stay.
            self.assertEqual(field("partial", "qbuf"), 500)
            partial.send(request[500:])
            self.assertEqual(partial.read_reply(), b"+OK\r\n")
            # The freed client is served as before, by a new buffer sized for what it sends.
            batch = b"".join(lib.encode_command("SET", f"vs:after:{i}", value_for("after", 1000, i))
                             for i in range(20))
            idle.send(batch)
            for _ in range(20):
                self.assertEqual(idle.read_reply(), b"+OK\r\n")
            self.assertEqual(idle.command("GET", "vs:partial"), bulk(v))
            self.assertEqual(idle.command("GET", "vs:after:19"), bulk(value_for("after", 1000, 19)))

    def test_client_input_buffers_count_once_in_used_memory(self):
        with self.server.raw() as admin:
            def memory():
                text = admin.command("INFO", "memory").decode()
                return {k: int(v) for k, v in re.findall(r"^(used_memory\w*|mem_clients_normal):"
                                                        r"(\d+)\r$", text, re.M)}

            before = memory()
            clients = [self.server.raw() for _ in range(20)]
            try:
                for c in clients:
                    self.assertEqual(c.command("PING"), b"+PONG\r\n")  # each holds a buffer
                after = memory()
            finally:
                for c in clients:
                    c.close()
        grown = after["mem_clients_normal"] - before["mem_clients_normal"]
        self.assertGreaterEqual(grown, 20 * 16 * 1024)
        # Client buffers are client memory, not dataset, and are not counted twice (the
        # dataset moves by a few bytes at most: earlier tests' clients may still be leaving).
        dataset = after["used_memory_dataset"] - before["used_memory_dataset"]
        self.assertLess(abs(dataset), 4096)
        self.assertEqual(after["used_memory"] - before["used_memory"], grown + dataset)

    def test_big_values_in_set_options_multi_mset_and_append(self):
        a, b = value_for("opt", 70_000), value_for("opt", 90_000)
        with self.server.raw() as c:
            self.assertEqual(c.command("SET", "vs:opt", a, "GET"), b"$-1\r\n")
            self.assertEqual(c.command("SET", "vs:opt", b, "GET"), bulk(a))
            self.assertEqual(c.command("GETSET", "vs:opt", a), bulk(b))
            self.assertEqual(c.command("SETEX", "vs:ex", "100", b), b"+OK\r\n")
            self.assertEqual(c.command("GET", "vs:ex"), bulk(b))
            # The stored value is the received buffer: growing it must keep every byte.
            self.assertEqual(c.command("APPEND", "vs:opt", b"tail"), b":%d\r\n" % (len(a) + 4))
            self.assertEqual(c.command("GET", "vs:opt"), bulk(a + b"tail"))
            self.assertEqual(c.command("SETRANGE", "vs:opt", "1", b"XY"), b":%d\r\n" % (len(a) + 4))
            self.assertEqual(c.command("GET", "vs:opt"), bulk(a[:1] + b"XY" + a[3:] + b"tail"))
            # Two big values for one key in one MSET: the last one wins.
            self.assertEqual(c.command("MSET", "vs:m", a, "vs:m", b), b"+OK\r\n")
            self.assertEqual(c.command("GET", "vs:m"), bulk(b))
            # Queued in MULTI, the value is kept until EXEC.
            self.assertEqual(c.command("MULTI"), b"+OK\r\n")
            self.assertEqual(c.command("SET", "vs:tx", a), b"+QUEUED\r\n")
            self.assertEqual(c.command("SET", "vs:tx2", b), b"+QUEUED\r\n")
            self.assertEqual(c.command("EXEC"), b"*2\r\n+OK\r\n+OK\r\n")
            self.assertEqual(c.command("GET", "vs:tx"), bulk(a))
            self.assertEqual(c.command("GET", "vs:tx2"), bulk(b))

    def test_a_big_set_held_by_client_pause_runs_whole_after_unpause(self):
        v = value_for("pause", 200_000)
        with self.server.raw() as admin, self.server.raw() as writer:
            self.assertEqual(admin.command("CLIENT", "PAUSE", "100000", "WRITE"), b"+OK\r\n")
            try:
                writer.send(lib.encode_command("SET", "vs:paused", v) +
                            lib.encode_command("GET", "vs:paused"))
                # The whole upload was read and the SET stopped at the pause (flag b).
                lib.wait_until(lambda: re.search(rb"flags=\w*b", admin.command("CLIENT", "LIST")),
                               what="the writer to be blocked by the pause")
                self.assertEqual(admin.command("EXISTS", "vs:paused"), b":0\r\n")
            finally:
                self.assertEqual(admin.command("CLIENT", "UNPAUSE"), b"+OK\r\n")
            self.assertEqual(writer.read_reply(), b"+OK\r\n")
            self.assertEqual(writer.read_reply(), bulk(v))


if __name__ == "__main__":
    lib.main()
