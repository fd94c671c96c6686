"""Many clients at once, huge values and deep pipelines: the one-threaded loop serves them all."""

import threading

import basalt_testlib as lib

MB = 1024 * 1024


class ConcurrencyTest(lib.ServerTestCase):
    def test_200_concurrent_clients_each_see_their_own_keys(self):
        n_clients, n_keys = 200, 20
        barrier = threading.Barrier(n_clients, timeout=lib.IO_TIMEOUT * 2)

        def client_body(idx):
            r = self.server.client(single_connection_client=True)
            try:
                r.ping()
                barrier.wait()  # all 200 connections are open at the same time from here on
                for k in range(n_keys):
                    r.set(f"conc:{idx}:{k}", f"{idx}-{k}")
                got = [r.get(f"conc:{idx}:{k}") for k in range(n_keys)]
                return got == [f"{idx}-{k}".encode() for k in range(n_keys)]
            finally:
                r.close()

        workers = [lib.run_in_thread(client_body, i) for i in range(n_clients)]
        results = [w.join(timeout=lib.IO_TIMEOUT * 3) for w in workers]
        self.assertEqual(results, [True] * n_clients)

    def test_connection_burst_all_served_and_listed_with_their_addresses(self):
        # More connections than the listen backlog (511), opened as fast as they go: the
        # server takes many per wakeup. Each is served, and CLIENT LIST shows every one with
        # the address accept gave (addr) and the server's own end (laddr, looked up on demand).
        n = 700
        conns = [lib.RawConnection(self.server.port) for _ in range(n)]
        try:
            for c in conns:
                c.send(b"PING\r\n")
            for c in conns:
                self.assertEqual(c.read_line(), b"+PONG")
            listing = conns[0].command("CLIENT", "LIST").decode()
            fields = [dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
                      for line in listing.splitlines() if line.startswith("id=")]
            listed = {f["addr"]: f["laddr"] for f in fields}
            server_end = f"127.0.0.1:{self.server.port}"
            for c in conns:
                ip, port = c.sock.getsockname()[:2]
                self.assertEqual(listed.get(f"{ip}:{port}"), server_end)
        finally:
            for c in conns:
                c.close()

    def test_10k_pipelined_commands_in_one_write_reply_in_order(self):
        n = 5000
        batch = b"".join(lib.encode_command("SET", f"pipe:{i}", str(i)) +
                         lib.encode_command("GET", f"pipe:{i}") for i in range(n))
        with self.server.raw() as c:
            # Send from a thread so a full socket buffer can never deadlock us against the server.
            sender = lib.run_in_thread(c.send, batch)
            for i in range(n):
                self.assertEqual(c.read_reply(), b"+OK\r\n")
                v = str(i).encode()
                self.assertEqual(c.read_reply(), b"$%d\r\n%s\r\n" % (len(v), v))
            sender.join()
            self.assertEqual(c.command("PING"), b"+PONG\r\n")


class HugeValueTest(lib.ServerTestCase):
    SIZE = 100 * MB

    def test_100mb_value_set_get_strlen_while_others_are_served(self):
        value = bytes(range(256)) * (self.SIZE // 256)
        with self.server.raw() as uploader, self.server.raw() as other:
            request = memoryview(lib.encode_command("SET", "huge", value))
            half = len(request) // 2
            uploader.send(request[:half])
            # Half a value is in flight: the server must keep serving everyone else.
            self.assertEqual(other.command("PING"), b"+PONG\r\n")
            uploader.send(request[half:])
            self.assertEqual(uploader.read_reply(), b"+OK\r\n")
            self.assertEqual(other.command("STRLEN", "huge"), b":%d\r\n" % self.SIZE)

            # A reader draining a 100 MB reply slowly does not block others either.
            uploader.send(lib.encode_command("GET", "huge"))
            header = uploader.read_line()
            self.assertEqual(header, b"$%d" % self.SIZE)
            first = uploader.read_exact(1024)
            self.assertEqual(other.command("PING"), b"+PONG\r\n")
            rest = uploader.read_exact(self.SIZE - 1024 + 2)
            self.assertTrue(first + rest[:-2] == value, "GET returned different bytes")
            self.assertEqual(rest[-2:], b"\r\n")
        r = self.server.client()
        self.assertEqual(r.strlen("huge"), self.SIZE)
        self.assertEqual(r.get("huge"), value)
        self.assertEqual(r.ping(), True)


if __name__ == "__main__":
    lib.main()
