"""Functions (FUNCTION LOAD / LIST / DELETE / FLUSH / DUMP / RESTORE / STATS / KILL / HELP,
FCALL, FCALL_RO) against redis-server 7.0.15 side by side: each scenario sends the same
commands to both servers on a fresh connection (after FLUSHALL and FUNCTION FLUSH) and
compares the raw reply bytes of every step, error texts included.

FUNCTION LIST shows libraries and functions in the order of Redis's hash tables, basalt in
name order: scenarios list one library with one function, or compare through a shape.
Not covered side by side: a library with both f and F (redis-server 7.0.15 takes it and crashes
when it is deleted; basalt refuses the second name), and error({foo='bar'}) (crashes 7.0.15).

Basalt alone (no reference needed): the libraries survive a restart from RDB and from AOF (with
and without the RDB preamble), reach a replica by full sync and by the stream, a busy function
answers FUNCTION STATS and stops with FUNCTION KILL.

By hand:
    /usr/bin/python3 tests/integration/test_functions.py --basalt build/basalt-server
"""

import unittest

import basalt_testlib as lib
import diff_shared


def lib_code(name, body):
    return "#!lua name=%s\n%s" % (name, body)


def reg(fname, body, flags=None):
    """A register_function call (named-argument form when flags are given)."""
    if flags is None:
        return "redis.register_function('%s', function(keys, args) %s end)" % (fname, body)
    return ("redis.register_function{function_name='%s', callback=function(keys, args) %s end, "
            "flags={%s}}" % (fname, body, ", ".join("'%s'" % f for f in flags)))


def load(name, *functions, replace=False):
    return ("FUNCTION", "LOAD") + (("REPLACE",) if replace else ()) + (
        lib_code(name, "\n".join(functions)),)


def bulk(reply):
    """The bytes of a bulk string reply."""
    header, _, rest = reply.partition(b"\r\n")
    assert header.startswith(b"$"), reply
    return rest[:-2]


SIMPLE = load("mylib", reg("f", "return 1"))

SCENARIOS = []


def scenario(name, *steps, hello3=False):
    SCENARIOS.append((name, list(steps), hello3))


# -- FUNCTION LOAD -------------------------------------------------------------------------------
scenario("load_ok", SIMPLE, ("FCALL", "f", "0"), ("FCALL", "F", "0"))
scenario("load_exists", SIMPLE, SIMPLE)
scenario("load_replace", SIMPLE, load("mylib", reg("g", "return 2"), replace=True),
         ("FCALL", "g", "0"), ("FCALL", "f", "0"))
scenario("load_replace_twice", ("FUNCTION", "LOAD", "replace", "REPLACE", lib_code("a", reg("f", "return 1"))))
scenario("load_unknown_option", ("FUNCTION", "LOAD", "foo", lib_code("a", reg("f", "return 1"))))
scenario("load_only_replace", ("FUNCTION", "LOAD", "REPLACE"))
scenario("load_arity", ("FUNCTION", "LOAD"))
scenario("load_missing_metadata", ("FUNCTION", "LOAD", "return 1"))
scenario("load_no_newline", ("FUNCTION", "LOAD", "#!lua name=x"))
scenario("load_bare_shebang", ("FUNCTION", "LOAD", "#!"))
scenario("load_no_name", ("FUNCTION", "LOAD", "#!lua\nreturn 1"))
scenario("load_name_twice", ("FUNCTION", "LOAD", "#!lua name=x name=y\nreturn 1"))
scenario("load_unknown_meta", ("FUNCTION", "LOAD", "#!lua name=x foo=bar\nreturn 1"))
scenario("load_empty_name", ("FUNCTION", "LOAD", "#!lua name=\nreturn 1"))
scenario("load_bad_name", ("FUNCTION", "LOAD", "#!lua name=a-b\nreturn 1"))
scenario("load_bad_name_bad_engine", ("FUNCTION", "LOAD", "#!python name=a-b\nreturn 1"))
scenario("load_no_engine", ("FUNCTION", "LOAD", "#! name=x\nreturn 1"))
scenario("load_unknown_engine", ("FUNCTION", "LOAD", "#!python name=x\nreturn 1"))
scenario("load_engine_case", ("FUNCTION", "LOAD", "#!LUA NAME=x\n" + reg("f", "return 1")),
         ("FUNCTION", "LIST"))
scenario("load_crlf_shebang", ("FUNCTION", "LOAD", "#!lua name=x\r\n" + reg("f", "return 1")))
scenario("load_nothing_registered", ("FUNCTION", "LOAD", lib_code("x", "local a = 1")))
scenario("load_compile_error", ("FUNCTION", "LOAD", lib_code("x", "return (")))
scenario("load_runtime_error", ("FUNCTION", "LOAD", lib_code("x", "local a\na.b = 1")))
scenario("load_error_call", ("FUNCTION", "LOAD", lib_code("x", "error('boom')")))
scenario("load_redis_call", ("FUNCTION", "LOAD", lib_code("x", "redis.call('set', 'k', 'v')")))
scenario("load_string_lib", ("FUNCTION", "LOAD", lib_code("x", "string.format('%d', 1)")))
scenario("load_pairs", ("FUNCTION", "LOAD", lib_code("x", "pairs({})")))
scenario("load_global_assign", ("FUNCTION", "LOAD", lib_code("x", "y = 1")))
scenario("load_redis_assign", ("FUNCTION", "LOAD", lib_code("x", "redis.y = 1")))
scenario("load_string_method", ("FUNCTION", "LOAD", lib_code(
    "x", "local u = ('abc'):upper()\n" + reg("f", "return u"))), ("FCALL", "f", "0"))
scenario("load_log", ("FUNCTION", "LOAD", lib_code(
    "x", "redis.log(redis.LOG_WARNING, 'loading')\n" + reg("f", "return redis.REDIS_VERSION_NUM"))),
    ("FCALL", "f", "0"))
scenario("load_timeout", ("FUNCTION", "LOAD", lib_code("x", "while true do end")),
         ("FUNCTION", "LIST"))
scenario("load_log_bad", ("FUNCTION", "LOAD", lib_code("x", "redis.log('x')")))
scenario("load_function_name_taken", SIMPLE, load("other", reg("F", "return 2")))
scenario("load_function_name_taken_replace", SIMPLE, load("other", reg("f", "return 2")),
         load("other", reg("f", "return 2"), replace=True), ("FCALL", "f", "0"))
scenario("load_failed_replace_keeps_old", SIMPLE,
         ("FUNCTION", "LOAD", "REPLACE", lib_code("mylib", "return (")), ("FCALL", "f", "0"))
scenario("load_library_names_case", load("A", reg("fa", "return 1")),
         load("a", reg("fb", "return 2")), ("FUNCTION", "DELETE", "A"), ("FCALL", "fb", "0"))

# -- redis.register_function ---------------------------------------------------------------------
for i, call in enumerate([
        "redis.register_function()",
        "redis.register_function(1, 2, 3)",
        "redis.register_function({}, function() end)",
        "redis.register_function('f3', 5)",
        "redis.register_function('f3')",
        "redis.register_function(5)",
        "redis.register_function{}",
        "redis.register_function{callback=function() end}",
        "redis.register_function{function_name='f3'}",
        "redis.register_function{function_name={}, callback=function() end}",
        "redis.register_function{function_name='f3', callback=5}",
        "redis.register_function{function_name='f3', callback=function() end, flags='no-writes'}",
        "redis.register_function{function_name='f3', callback=function() end, flags={'bad'}}",
        "redis.register_function{function_name='f3', callback=function() end, flags={5}}",
        "redis.register_function{function_name='f3', callback=function() end, description={}}",
        "redis.register_function{function_name='f3', callback=function() end, foo=1}",
        "redis.register_function{[1]='x', function_name='f3', callback=function() end}",
        "redis.register_function('a-b', function() end)",
        "redis.register_function('', function() end)",
        "redis.register_function('f', function() end)\nredis.register_function('f', function() end)",
]):
    scenario("register_error_%d" % i, ("FUNCTION", "LOAD", lib_code("x", call)))
scenario("register_number_name", ("FUNCTION", "LOAD", lib_code(
    "x", "redis.register_function(1, function() return 'one' end)")), ("FCALL", "1", "0"))
scenario("register_named_case", ("FUNCTION", "LOAD", lib_code(
    "x", "redis.register_function{FUNCTION_NAME='g', Callback=function() return 'g' end, "
         "description=5, flags={'NO-WRITES', 'no-writes'}}")),
    ("FCALL", "g", "0"), ("FUNCTION", "LIST"))
scenario("register_at_runtime", ("FUNCTION", "LOAD", lib_code(
    "x", reg("reg", "return redis.register_function('z', function() end)"))), ("FCALL", "reg", "0"))

# -- FCALL / FCALL_RO ----------------------------------------------------------------------------
ECHO = load("echo", reg("echo", "return {keys, args}"))
scenario("fcall_echo", ECHO, ("FCALL", "echo", "2", "k1", "k2", "a1", "a2"),
         ("FCALL", "echo", "0"), ("FCALL_RO", "echo", "1", "k"))
scenario("fcall_arity", ("FCALL",), ("FCALL", "echo"), ("FCALL_RO", "echo"))
scenario("fcall_not_found", ("FCALL", "nosuch", "0"), ("FCALL", "nosuch", "x"))
scenario("fcall_numkeys", ECHO, ("FCALL", "echo", "x"), ("FCALL", "echo", "1.5"),
         ("FCALL", "echo", "+1"), ("FCALL", "echo", "01"), ("FCALL", "echo", "-1"),
         ("FCALL", "echo", "3", "a"), ("FCALL", "echo", "99999999999999999999"))
scenario("fcall_ro_write_flag", ECHO, ("FCALL_RO", "echo", "0"))
scenario("fcall_params", load("p", reg("n", "return select('#', keys, args)")),
         ("FCALL", "n", "0"))
scenario("fcall_no_keys_global", load("p", reg("kv", "return KEYS")), ("FCALL", "kv", "0"))
scenario("fcall_writes", load("w", reg("w", "redis.call('set', keys[1], args[1])\n"
                                             "return redis.call('incr', keys[2])")),
         ("FCALL", "w", "2", "k", "cnt", "v"), ("GET", "k"), ("FCALL", "w", "2", "k", "cnt", "v"))
scenario("fcall_no_writes_flag", load("nw", reg("nw", "return redis.call('set', 'k', 'v')",
                                               ["no-writes"]),
                                      reg("nr", "return redis.call('get', 'k')", ["no-writes"])),
         ("FCALL", "nw", "0"), ("FCALL_RO", "nw", "0"), ("SET", "k", "v"), ("FCALL_RO", "nr", "0"))
scenario("fcall_allow_oom_ro", load("ao", reg("ao", "return 1", ["allow-oom"])),
         ("FCALL_RO", "ao", "0"))
for i, body in enumerate([
        "error('boom')", "error('')", "error(42)", "error({err='MYERR custom'})",
        "error({err='noprefix'})", "error(redis.error_reply('MY via error'))",
        "return redis.error_reply('MY reply err')", "return redis.error_reply('noprefix')",
        "return {err='ERR x'}", "local x\nreturn x.y", "return redis.call('nosuchcmd')",
        "redis.call('set', 's', 'x')\nreturn redis.call('incr', 's')",
        "redis.call('set', 's', 'x')\nreturn redis.pcall('incr', 's')",
        "return redis.call('set', 'k')", "return redis.call()", "return redis.call({})",
        "return redis.call('fcall', 'f', '0')", "return redis.call('function', 'list')",
        "return redis.call('eval', 'return 1', '0')", "x = 1", "rawset(_G, 'zz', 1)",
        "redis.foo = 1", "return y", "return redis.foo == nil",
        "return {1, 'two', 3.7, true, false, nil, 5}", "return {ok='OKAY'}", "return 3.99",
        "return true", "return false", "return nil",
        "redis.setresp(3)\nredis.call('hset', 'h', 'a', '1')\nreturn redis.call('hgetall', 'h')",
        "redis.call('select', 3)\nredis.call('set', 'in3', 'v')\nreturn redis.call('dbsize')",
        "return redis.sha1hex('')", "return pcall(redis.call, 'nosuch')",
]):
    scenario("fcall_body_%d" % i, load("b", reg("b%d" % i, body)), ("FCALL", "b%d" % i, "0"),
             ("DBSIZE",))
    scenario("fcall_body_resp3_%d" % i, load("b", reg("b%d" % i, body)), ("FCALL", "b%d" % i, "0"),
             hello3=True)
scenario("fcall_in_multi", ("MULTI",), SIMPLE, ("FCALL", "f", "0"), ("EXEC",))
scenario("fcall_ro_in_multi", SIMPLE, ("MULTI",), ("FCALL_RO", "f", "0"), ("EXEC",))

# -- FUNCTION LIST -------------------------------------------------------------------------------
DESCRIBED = load("b1", "redis.register_function{function_name='b1_a', callback=function() end, "
                       "description='desc b1', flags={'allow-stale', 'no-writes'}}")
scenario("list_empty", ("FUNCTION", "LIST"), ("FUNCTION", "LIST", "WITHCODE"))
scenario("list_one", DESCRIBED, ("FUNCTION", "LIST"), ("FUNCTION", "LIST", "withcode"))
scenario("list_one_resp3", DESCRIBED, ("FUNCTION", "LIST"), ("FUNCTION", "LIST", "WITHCODE"),
         hello3=True)
scenario("list_all_flags", load("fl", reg("fl", "return 1", ["allow-cross-slot-keys", "no-cluster",
                                                              "allow-stale", "allow-oom",
                                                              "no-writes"])),
         ("FUNCTION", "LIST"))
scenario("list_pattern", DESCRIBED, load("other", reg("o", "return 1")),
         ("FUNCTION", "LIST", "LIBRARYNAME", "B*"), ("FUNCTION", "LIST", "libraryname", "x*"),
         ("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "oth?r"))
scenario("list_errors", ("FUNCTION", "LIST", "WITHCODE", "WITHCODE"),
         ("FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"),
         ("FUNCTION", "LIST", "foo"), ("FUNCTION", "LIST", "LIBRARYNAME"))

# -- DELETE / FLUSH / STATS / KILL / HELP --------------------------------------------------------
scenario("delete", SIMPLE, ("FUNCTION", "DELETE", "mylib"), ("FUNCTION", "DELETE", "mylib"),
         ("FCALL", "f", "0"), ("FUNCTION", "DELETE"), ("FUNCTION", "DELETE", "a", "b"))
scenario("flush", SIMPLE, ("FUNCTION", "FLUSH"), ("FCALL", "f", "0"), ("FUNCTION", "FLUSH", "ASYNC"),
         ("FUNCTION", "FLUSH", "sync"), ("FUNCTION", "FLUSH", "foo"),
         ("FUNCTION", "FLUSH", "SYNC", "x"), ("FUNCTION", "flush", "SYNC", "x"))
scenario("flushall_keeps_functions", SIMPLE, ("FLUSHALL",), ("FCALL", "f", "0"))
scenario("stats", ("FUNCTION", "STATS"), SIMPLE, load("two", reg("a", "return 1"), reg("b", "return 2")),
         ("FUNCTION", "STATS"))
scenario("stats_resp3", SIMPLE, ("FUNCTION", "STATS"), hello3=True)
scenario("kill_idle", ("FUNCTION", "KILL"), ("SCRIPT", "KILL"))
scenario("arity_errors", ("FUNCTION",), ("FUNCTION", "foo"), ("FUNCTION", "KILL", "x"),
         ("FUNCTION", "STATS", "x"), ("FUNCTION", "DUMP", "x"), ("FUNCTION", "HELP", "x"),
         ("FUNCTION", "RESTORE"))
scenario("help", ("FUNCTION", "HELP"), ("function", "help"))

# -- DUMP / RESTORE ------------------------------------------------------------------------------
ONE = lib_code("mylib", "redis.register_function('f', function() return 1 end)")
scenario("dump_empty", ("FUNCTION", "DUMP"))
scenario("dump_one", ("FUNCTION", "LOAD", ONE), ("FUNCTION", "DUMP"))
scenario("dump_compressed", load("big", reg("big", "return '" + "x" * 150 + "'")),
         ("FUNCTION", "DUMP"))
scenario("restore_errors", ("FUNCTION", "RESTORE", "garbage"), ("FUNCTION", "RESTORE", ""),
         ("FUNCTION", "RESTORE", "x", "BAD"), ("FUNCTION", "RESTORE", "x", "FLUSH", "y"),
         ("FUNCTION", "restore", "x", "FLUSH", "y"))


class FunctionsTest(diff_shared.ScenarioSideBySide, unittest.TestCase):

    flush_commands = (("FLUSHALL",), ("FUNCTION", "FLUSH"))

    def both(self, *args):
        """The command's raw reply from each server (same connection state: fresh)."""
        replies = []
        for port in (self.basalt.port, self.redis.port):
            with lib.RawConnection(port) as conn:
                replies.append(conn.command(*args))
        return replies

    def test_restore_policies(self):
        steps_before = [("FUNCTION", "LOAD", ONE),
                        load("other", reg("g", "return 'g'"))]
        dumps = []
        for port in (self.basalt.port, self.redis.port):
            with lib.RawConnection(port) as conn:
                conn.command("FUNCTION", "FLUSH")
                for step in steps_before:
                    conn.command(*step)
                dumps.append(bulk(conn.command("FUNCTION", "DUMP")))
        # Each server restores its own dump and the other's (the payload is Redis's format).
        # One conflicting library at a time: Redis reports the first in its hash order.
        for payload in dumps:
            self.check([("FUNCTION", "RESTORE", payload),
                        ("FUNCTION", "DELETE", "mylib"),
                        ("FUNCTION", "RESTORE", payload, "APPEND"),
                        ("FCALL", "g", "0"),
                        ("FUNCTION", "RESTORE", payload, "replace"),
                        ("FCALL", "f", "0"),
                        ("FUNCTION", "DELETE", "other"),
                        load("clash", reg("g", "return 'clash'")),
                        ("FUNCTION", "RESTORE", payload, "REPLACE"),
                        ("FUNCTION", "RESTORE", payload, "FLUSH"),
                        ("FCALL", "g", "0"),
                        ("FUNCTION", "STATS"),
                        ("RESTORE", "k", "0", payload)], False)
        # A key's DUMP is no function payload.
        key_dump = []
        for port in (self.basalt.port, self.redis.port):
            with lib.RawConnection(port) as conn:
                conn.command("SET", "k", "v")
                key_dump.append(bulk(conn.command("DUMP", "k")))
        self.assertEqual(key_dump[0], key_dump[1])
        self.check([("FUNCTION", "RESTORE", key_dump[0])], False)
        # The same library twice in one payload; a payload whose library does not compile.
        twice = dumps[1][:-10] + dumps[1][:-10]
        self.assertEqual(*self.both("FUNCTION", "RESTORE", twice))


def _add_scenario_tests():
    seen = set()
    for name, steps, hello3 in SCENARIOS:
        test_name = "test_" + name
        assert test_name not in seen, test_name
        seen.add(test_name)

        def test(self, steps=steps, hello3=hello3):
            self.check(steps, hello3)

        setattr(FunctionsTest, test_name, test)


_add_scenario_tests()

if __name__ == "__main__":
    lib.main()
