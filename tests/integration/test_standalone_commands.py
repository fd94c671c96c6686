"""Commands a standalone Redis without modules answers, side by side with redis-server 7.0.15:
CLUSTER (every subcommand), READONLY, READWRITE and ASKING ("cluster support disabled", after
the table's arity and subcommand checks), MODULE (LIST empty, HELP, LOAD / LOADEX / UNLOAD
refused by enable-module-command, and failing when allowed), RESTORE-ASKING (RESTORE), and
the HyperLogLog debugging commands PFDEBUG and PFSELFTEST. Client libraries and tools probe
servers with the cluster and module commands; they must get Redis's bytes.
"""

import unittest

import basalt_testlib as lib
import diff_shared

SCENARIOS = []


def scenario(name, *steps, hello3=False):
    SCENARIOS.append((name, list(steps), hello3))


CLUSTER_SUBCOMMANDS = (
    ("INFO",), ("MYID",), ("NODES",), ("SLOTS",), ("SHARDS",), ("LINKS",), ("HELP",),
    ("KEYSLOT", "foo"), ("COUNTKEYSINSLOT", "1"), ("GETKEYSINSLOT", "1", "2"),
    ("ADDSLOTS", "1"), ("ADDSLOTSRANGE", "1", "2"), ("DELSLOTS", "1"),
    ("DELSLOTSRANGE", "1", "2"), ("FLUSHSLOTS",), ("BUMPEPOCH",), ("SAVECONFIG",),
    ("SET-CONFIG-EPOCH", "1"), ("SETSLOT", "1", "STABLE"), ("MEET", "127.0.0.1", "1"),
    ("FORGET", "x"), ("REPLICATE", "x"), ("REPLICAS", "x"), ("SLAVES", "x"),
    ("COUNT-FAILURE-REPORTS", "x"), ("FAILOVER",), ("RESET",), ("RESET", "HARD"))

scenario("cluster", *(("CLUSTER",) + s for s in CLUSTER_SUBCOMMANDS), ("CLUSTER",),
         ("CLUSTER", "FOO"), ("CLUSTER", "KEYSLOT"), ("CLUSTER", "SLOTS", "x"),
         ("cluster", "info"), ("CLUSTER", "GETKEYSINSLOT", "1"))
scenario("cluster_modes", ("READONLY",), ("READWRITE",), ("ASKING",), ("READONLY", "x"),
         ("ASKING", "x"), ("SET", "k", "v"), ("GET", "k"))
scenario("module", ("MODULE", "LIST"), ("MODULE", "HELP"), ("MODULE", "LOAD", "/nonexistent.so"),
         ("MODULE", "LOADEX", "/x.so", "CONFIG", "a", "b"), ("MODULE", "UNLOAD", "foo"),
         ("MODULE", "FOO"), ("MODULE",), ("MODULE", "LIST", "x"), ("MODULE", "UNLOAD"),
         ("module", "list"))
scenario("module_resp3", ("MODULE", "LIST"), ("MODULE", "HELP"), hello3=True)
scenario("command_info", ("COMMAND", "INFO", "readonly", "readwrite", "asking", "pfselftest"),
         # (Containers list their subcommands in the order of Redis's dict, which is seeded
         # per process: not compared.)
         ("COMMAND", "INFO", "cluster|info", "cluster|reset", "module|list", "module|load"),
         ("COMMAND", "GETKEYS", "PFDEBUG", "GETREG", "k"))
scenario("restore_asking", ("SET", "k", "hello"), ("DUMP", "k"),
         ("RESTORE-ASKING", "k", "0", "x"), ("RESTORE-ASKING", "k"),
         ("RESTORE-ASKING", "new", "0",
          b"\x00\x05hello\n\x00\xb3\x80\x8e\xba1\xb2C\xbb"),
         ("GET", "new"), ("RESTORE-ASKING", "new", "0",
                          b"\x00\x05hello\n\x00\xb3\x80\x8e\xba1\xb2C\xbb"))
scenario("pfdebug", ("PFADD", "h", "a", "b", "c"), ("PFDEBUG", "ENCODING", "h"),
         ("PFDEBUG", "DECODE", "h"), ("PFDEBUG", "GETREG", "h"), ("PFDEBUG", "ENCODING", "h"),
         ("PFDEBUG", "DECODE", "h"), ("PFDEBUG", "TODENSE", "h"), ("GET", "h"),
         ("PFADD", "s", "x", "y"), ("PFDEBUG", "todense", "s"), ("PFDEBUG", "TODENSE", "s"),
         ("PFCOUNT", "s"), ("PFADD", "e"), ("PFDEBUG", "DECODE", "e"),
         ("PFADD", "many", *["e%d" % i for i in range(300)]), ("PFDEBUG", "DECODE", "many"),
         ("PFDEBUG", "FOO", "h"), ("PFDEBUG", "foo", "nokey"), ("PFDEBUG", "GETREG", "nokey"),
         ("SET", "str", "abc"), ("PFDEBUG", "ENCODING", "str"), ("LPUSH", "l", "a"),
         ("PFDEBUG", "ENCODING", "l"), ("PFDEBUG", "ENCODING", "e", "extra"), ("PFDEBUG", "X"),
         ("SET", "bad", "HYLL\x01\x00\x00\x00" + "\x00" * 8 + "\x7f\xff"),
         ("PFDEBUG", "DECODE", "bad"), ("PFDEBUG", "GETREG", "bad"),
         ("PFDEBUG", "TODENSE", "bad"), ("PFSELFTEST",), ("PFSELFTEST", "x"))


class StandaloneCommandsTest(diff_shared.ScenarioSideBySide, unittest.TestCase):
    pass


def _add_scenario_tests():
    for name, steps, hello3 in SCENARIOS:
        def test(self, steps=steps, hello3=hello3):
            self.check(steps, hello3)
        setattr(StandaloneCommandsTest, "test_" + name, test)


_add_scenario_tests()


class ModulesAllowedTest(diff_shared.ScenarioSideBySide, unittest.TestCase):
    """With enable-module-command yes, loading fails (Redis: no such file; basalt: it loads no
    module) with the same error, and unloading finds no module."""

    server_args = ("--enable-module-command", "yes")

    def test_load_and_unload_fail(self):
        self.check([("MODULE", "LOAD", "/nonexistent.so"), ("MODULE", "LOADEX", "/x.so"),
                    ("MODULE", "UNLOAD", "foo"), ("MODULE", "LIST")], False)


class ProtectedBeforeAuthTest(diff_shared.ScenarioSideBySide, unittest.TestCase):
    """Redis checks a protected command (DEBUG, MODULE LOAD) before authentication: a client
    that has not authenticated learns only that it is refused by configuration."""

    server_args = ("--requirepass", "pw")
    flush_commands = (("AUTH", "pw"), ("FLUSHALL",))

    def run_steps(self, port, steps, hello3):
        with lib.RawConnection(port) as conn:  # never authenticated
            return [conn.command(*step) for step in steps]

    def test_order(self):
        self.check([("MODULE", "LOAD", "/x.so"), ("DEBUG", "SLEEP", "0"), ("MODULE", "LIST"),
                    ("GET", "k"), ("CLUSTER", "INFO")], False)


if __name__ == "__main__":
    lib.main()
