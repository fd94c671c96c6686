"""What the four collection families' durability tests (test_hashes_durability.py,
test_sets_durability.py, test_lists_durability.py, test_sorted_sets_durability.py) share: keys
filled by a family's fill function, then a restart (SAVE, BGREWRITEAOF, dump.rdb moved into
Redis and back) or a replication, then read back the same. It has no tests of its own.

A family's test case mixes in one of PersistenceCase (with command_case.RestartTestCase) or
ReplicationCase (with basalt_testlib.ReplicaPairTestCase), after a class of the family's that
says how to fill and read its keys:

    fill(client)                    {(db, key): ...} for the keys it wrote; assertKeysBack wants
                                    (contents, has_ttl, encoding) values, the other helpers only
                                    the keys
    read_value(client, key)         the key's contents by the family's read command
    assertSameContents(key, got, want)  fails naming what differs (default: assertEqual)

The mixins are plain classes, not TestCases, so unittest never collects them on their own.
"""

import collections
import contextlib
import os
import shutil
import tempfile

import redis

import basalt_testlib as lib
from basalt_testlib import aof_files, parse_commands, wait_rewrites_done
from command_case import OK

READONLY = b"-READONLY You can't write against a read only replica.\r\n"

# One key as a server holds it. deadline is its PEXPIRETIME: -1 without a TTL, -2 when the key
# does not exist (then contents are the read command's reply for a missing key and encoding None).
KeyState = collections.namedtuple("KeyState", "contents has_ttl encoding deadline")


def deadlines_of(states):
    """{(db, key): PEXPIRETIME} of read_keys' {(db, key): KeyState}."""
    return {key: state.deadline for key, state in states.items()}


def upper_names(commands):
    """Commands with their names upper-cased (Redis and basalt may log them in either case)."""
    return [[a.upper() if i == 0 else a for i, a in enumerate(cmd)] for cmd in commands]


def commands_by_db(commands, names):
    """(db, command) for each of the commands named in names (upper-case), db being the one the
    last SELECT before it chose: how an AOF's commands rebuild each database's keys."""
    db = 0
    for cmd in commands:
        if cmd[0] == b"SELECT":
            db = int(cmd[1])
        elif cmd[0] in names:
            yield db, cmd


def aof_args(preamble):
    """The command line of a server with the AOF on, its rewrites with RDB preamble or not."""
    return ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble]


class FamilyKeys:
    """Reading a family's keys back and comparing them with what fill wrote. The family's class
    provides fill, read_value and (for a better failure message) assertSameContents."""

    def read_value(self, client, key):
        raise NotImplementedError("the family's read command")

    def assertSameContents(self, key, got, want):
        self.assertEqual(got, want, key)

    def fill_keys(self, client):
        """The family's keys (fill), and a string next to them in db 5 that assertKeysBack
        checks too (the family's keys in a file must not cost the others theirs); returns what
        fill returned."""
        expected = self.fill(client)
        client.execute_command("SELECT", 5)
        client.set("string", "still a string")
        client.execute_command("SELECT", 0)
        return expected

    def read_keys(self, port, keys):
        """{(db, key): KeyState} of the given keys on the server at port."""
        out = {}
        for db, key in keys:
            c = redis.Redis(host="127.0.0.1", port=port, db=db, socket_timeout=lib.IO_TIMEOUT)
            deadline = c.execute_command("PEXPIRETIME", key)
            out[(db, key)] = KeyState(self.read_value(c, key), deadline > 0,
                                      c.object("ENCODING", key), deadline)
            c.close()
        return out

    def assertKeysBack(self, server, expected, deadlines=None):
        """The server (basalt or a RedisProcess) holds expected ({(db, key): (contents,
        has_ttl, encoding)}), the PEXPIRETIMEs deadlines unless None, and still fill_keys'
        string in db 5."""
        actual = self.read_keys(server.port, expected)
        for key, (contents, has_ttl, encoding) in expected.items():
            got = actual[key]
            self.assertSameContents(key, got.contents, contents)
            self.assertEqual((got.has_ttl, got.encoding), (has_ttl, encoding), key)
        if deadlines is not None:
            self.assertEqual(deadlines_of(actual), deadlines)
        c = server.client(db=5)
        self.assertEqual(c.get("string"), b"still a string")
        c.close()


class PersistenceCase(FamilyKeys):
    """The restart flows, for a RestartTestCase (self.start(args), self.workdir). A family with
    an AOF test provides check_rewritten_commands(commands, expected): what it asserts of the
    base file a rewrite without RDB preamble writes."""

    def redis_workdir(self):
        """A directory of its own for a real redis-server (removed after the test): Redis
        writes its dump.rdb there, not over the one basalt loads."""
        path = tempfile.mkdtemp(prefix=self.workdir_prefix + "redis-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    @contextlib.contextmanager
    def basalt_and_redis(self):
        """A client of a basalt server and one of a real redis-server (in redis_workdir), for
        DUMP payloads moved between them; afterwards both close and basalt stops cleanly."""
        server = self.start()
        basalt = server.client()
        with lib.RedisProcess(self.redis_workdir()) as real:
            reference = real.client()
            yield basalt, reference
            reference.close()
        basalt.close()
        server.stop_and_check()

    def save_filled_server(self):
        """Starts a server, fills it, SAVEs and stops it: returns (what fill returned, read_keys
        of the filled keys just before the SAVE)."""
        server = self.start()
        c = server.client()
        expected = self.fill_keys(c)
        before = self.read_keys(server.port, expected)
        self.assertTrue(c.save())
        c.close()
        server.stop_and_check()
        return expected, before

    def check_back_after_restart(self, expected, deadlines=None, args=()):
        """A server started over the working directory (with args) loads expected back
        (assertKeysBack), then stops cleanly."""
        server = self.start(args)
        self.assertKeysBack(server, expected, deadlines)
        server.stop_and_check()

    def check_dump_rdb_through_redis(self, expected, deadlines=None):
        """The working directory's dump.rdb, moved to a real redis-server, loads there as
        expected; the file Redis then saves loads into basalt the same: the RDB format of the
        family's encodings is Redis's both ways."""
        redis_dir = self.redis_workdir()
        shutil.move(os.path.join(self.workdir, "dump.rdb"), redis_dir)
        with lib.RedisProcess(redis_dir) as real:
            self.assertKeysBack(real, expected, deadlines)
            real.client().save()
        shutil.copy(os.path.join(redis_dir, "dump.rdb"), self.workdir)
        self.check_back_after_restart(expected, deadlines)

    def start_filled_and_rewrite(self, preamble):
        """Starts a server with the AOF on, fills it and waits for a BGREWRITEAOF to finish;
        without preamble, checks the base file by check_rewritten_commands. Returns (server, a
        client of it, what fill returned, read_keys of the filled keys), for the test's writes
        after the rewrite (they go to the incr file)."""
        server = self.start(aof_args(preamble))
        c = server.client()
        wait_rewrites_done(c)
        expected = self.fill_keys(c)
        before = self.read_keys(server.port, expected)
        rewrites = c.info("persistence")["aof_rewrites"]
        self.assertTrue(c.bgrewriteaof())
        lib.wait_until(lambda: c.info("persistence")["aof_rewrites"] > rewrites,
                       what="the AOF rewrite")
        wait_rewrites_done(c)
        if preamble == "no":
            self.check_rewritten_commands(self.read_aof("b"), expected)
        return server, c, expected, before

    def read_aof(self, kind):
        """The commands of the working directory's last AOF file of a kind ("b" base, "i"
        incr), names upper-cased."""
        path = os.path.join(self.workdir, "appendonlydir", aof_files(self.workdir, kind)[-1])
        with open(path, "rb") as f:
            return upper_names(parse_commands(f.read()))

    def stop_and_read_incr(self, server, client):
        """Closes the client, stops the server and returns the commands of its incr file (the
        writes after the last rewrite), names upper-cased."""
        client.close()
        server.stop_and_check()
        return self.read_aof("i")


class ReplicationCase(FamilyKeys):
    """The replication flow, for a ReplicaPairTestCase: a full sync of the filled keys, then
    the test's live writes, then both servers compared. compare_encodings: whether the replica's
    encodings must be the primary's too (not where a load re-picks them by the contents, while
    the primary keeps what its writes made)."""

    compare_encodings = False

    def start_replicating(self):
        """A primary filled by fill and a replica after its full sync, both holding the same
        keys (assertSameOnBoth). Returns (primary, replica, a client of the primary, what fill
        returned)."""
        primary, replica = self.start(), self.start()
        c = primary.client()
        expected = self.fill_keys(c)
        with replica.raw() as r:
            self.assertEqual(r.command("REPLICAOF", "127.0.0.1", primary.port), OK)
        self.wait_synced(primary, replica)
        self.assertSameOnBoth(primary, replica, expected)
        return primary, replica, c, expected

    def assertSameOnBoth(self, primary, replica, keys):
        """Contents and PEXPIRETIME (and the encoding with compare_encodings) of the keys equal
        on both; returns the primary's, {(db, key): (contents, deadline[, encoding])}."""
        def view(port):
            return {key: (state.contents, state.deadline) +
                    ((state.encoding,) if self.compare_encodings else ())
                    for key, state in self.read_keys(port, keys).items()}
        on_primary = view(primary.port)
        self.assertEqual(view(replica.port), on_primary)
        return on_primary

    def assertEncodingsAsLoaded(self, server, expected):
        """The keys have the encodings of expected ((contents, has_ttl, encoding) values):
        after a full sync the replica loaded an RDB, so they are by contents, as after a
        restart."""
        self.assertEqual({key: state.encoding
                          for key, state in self.read_keys(server.port, expected).items()},
                         {key: value[2] for key, value in expected.items()})

    def assertReplicaReadOnly(self, replica, *write):
        """The replica refuses the write command."""
        with replica.raw() as r:
            self.assertEqual(r.command(*write), READONLY)
