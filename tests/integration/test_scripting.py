"""Lua scripting (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT ...) against redis-server 7.0.15
side by side: every scenario below sends the same commands to both servers on a fresh
connection (after FLUSHALL and SCRIPT FLUSH) and compares the raw reply bytes of every step,
error texts included (with the script's sha and line numbers where Redis puts them).

A scenario is a list of steps; each step is one command whose reply is compared exactly, or
through a shape function where the content legitimately differs between two servers (INFO
text, TIME values, CLIENT LIST addresses): see the Shape steps, each with its reason. Scenarios
marked hello3 run after HELLO 3 (its reply, which names the server, is not compared).
Not covered: a script looping past busy-reply-threshold (-BUSY, SCRIPT KILL, -UNKILLABLE):
basalt does not serve other clients while a script runs (README, "Scripting").

Not covered: the struct and cmsgpack libraries (Debian packages neither; basalt has neither),
and error({foo='bar'}) (an error table without err) crashes redis-server 7.0.15.

By hand:
    /usr/bin/python3 tests/integration/test_scripting.py --basalt build/basalt-server
    /usr/bin/python3 tests/integration/test_scripting.py --dump-redis /tmp/replies.txt
        (Redis's raw reply of every step, as Python reprs, then exit; no basalt needed)
    BASALT_SCRIPTING_SELF_CHECK=1 /usr/bin/python3 tests/integration/test_scripting.py
        (a second redis-server in basalt's place: the harness itself must show no difference)
"""

import hashlib
import os
import re
import shutil
import sys
import tempfile
import unittest

import basalt_testlib as lib
import diff_shared


class Shape:
    """A step compared by shape(reply) instead of its bytes; why says why (documentation)."""

    def __init__(self, args, shape, why):
        self.args, self.shape, self.why = args, shape, why


def kind_only(reply):
    return reply[:1]


TIME_REPLY = re.compile(rb"\*2\r\n\$\d+\r\n\d+\r\n\$\d+\r\n\d+\r\n\Z")


def time_shape(reply):
    return bool(TIME_REPLY.match(reply))


def sha(script):
    """The sha1 hex digest Redis names a script by."""
    return hashlib.sha1(script.encode() if isinstance(script, str) else script).hexdigest()


def ev(script, *rest):
    """EVAL script numkeys keys... args...; numkeys 0 when rest is empty."""
    return ("EVAL", script) + (rest or ("0",))


SCENARIOS = []  # (group, name, steps, hello3)


def scenario(group, name, *steps, hello3=False):
    SCENARIOS.append((group, name, list(steps), hello3))


# -- conversions Lua -> Redis -------------------------------------------------------------------

G = "conv"
scenario(G, "integer", ev("return 42"))
scenario(G, "negative_integer", ev("return -7"))
scenario(G, "string", ev("return 'hello'"))
scenario(G, "empty_string", ev("return ''"))
scenario(G, "float_truncated", ev("return 3.99"))
scenario(G, "negative_float", ev("return -3.99"))
scenario(G, "float_2_pow_53", ev("return 2^53"))
scenario(G, "float_1e20", ev("return 1e20"))  # beyond long long: what the C cast gives
scenario(G, "float_inf", ev("return 1/0"))
scenario(G, "float_nan", ev("return 0/0"))
scenario(G, "true", ev("return true"))
scenario(G, "false", ev("return false"))
scenario(G, "nil", ev("return nil"))
scenario(G, "no_return", ev("local x = 1"))
scenario(G, "empty_script", ev(""))
scenario(G, "nested_tables", ev("return {1, 'two', {3, 'x', {4, {}}}, 'y', 2.5}"))
scenario(G, "nil_hole_truncates", ev("return {1, 2, nil, 4}"))
scenario(G, "false_in_array", ev("return {1, false, true, 'x'}"))
scenario(G, "empty_table", ev("return {}"))
scenario(G, "hash_only_table", ev("return {a=1, b=2}"))
scenario(G, "mixed_table", ev("return {1, 2, a=3}"))
scenario(G, "ok_table", ev("return {ok='x'}"))
scenario(G, "ok_table_with_array", ev("return {ok='fine', 1, 2}"))
scenario(G, "err_table", ev("return {err='x'}"))
scenario(G, "err_table_no_code", ev("return {err='My error'}"))
scenario(G, "err_table_with_code", ev("return {err='MYCODE some text'}"))
scenario(G, "err_table_leading_dash", ev("return {err='-DASH text'}"))
scenario(G, "err_table_with_newline", ev("return {err='line1\\nline2'}"))
scenario(G, "err_nested_in_array", ev("return {1, {err='inner'}, 3}"))
scenario(G, "ok_nested_in_array", ev("return {1, {ok='inner'}, 3}"))
scenario(G, "error_reply", ev("return redis.error_reply('x')"))
scenario(G, "error_reply_code", ev("return redis.error_reply('-MY x')"))
scenario(G, "error_reply_code_no_dash", ev("return redis.error_reply('MY x')"))
scenario(G, "error_reply_empty", ev("return redis.error_reply('')"))
scenario(G, "error_reply_table", ev("return type(redis.error_reply('x'))"))
scenario(G, "error_reply_field", ev("return redis.error_reply('x').err"))
scenario(G, "error_reply_no_arg", ev("return redis.error_reply()"))
scenario(G, "error_reply_number", ev("return redis.error_reply(5)"))
scenario(G, "status_reply", ev("return redis.status_reply('x')"))
scenario(G, "status_reply_field", ev("return redis.status_reply('x').ok"))
scenario(G, "status_reply_no_arg", ev("return redis.status_reply()"))
scenario(G, "double_table_resp2", ev("return {double=3.14}"))
scenario(G, "map_table_resp2", ev("return {map={a=1}}"))
scenario(G, "set_table_resp2", ev("return {set={a=true}}"))
scenario(G, "big_number_table_resp2", ev("return {big_number='123456789012345678901234567890'}"))

# -- conversions Redis -> Lua -> Redis ----------------------------------------------------------

G = "call"
scenario(G, "get_missing", ev("return redis.call('get', 'nokey')"))
scenario(G, "get_missing_type", ev("return type(redis.call('get', 'nokey'))"))
scenario(G, "get_missing_is_false", ev("return redis.call('get', 'nokey') == false"))
scenario(G, "get_existing", ("SET", "k", "v"), ev("return redis.call('get', 'k')"))
scenario(G, "get_existing_type", ("SET", "k", "v"), ev("return type(redis.call('get', 'k'))"))
scenario(G, "hgetall", ("HSET", "h", "f1", "v1", "f2", "v2"),
         ev("return redis.call('hgetall', 'h')"))
scenario(G, "hgetall_type", ("HSET", "h", "f1", "v1"),
         ev("return type(redis.call('hgetall', 'h'))"))
scenario(G, "hgetall_missing", ev("return redis.call('hgetall', 'nokey')"))
scenario(G, "lrange", ("RPUSH", "l", "a", "b", "c"), ev("return redis.call('lrange', 'l', 0, -1)"))
scenario(G, "lrange_len", ("RPUSH", "l", "a", "b", "c"),
         ev("return #redis.call('lrange', 'l', 0, -1)"))
scenario(G, "incr", ev("return redis.call('incr', 'n')"))
scenario(G, "incr_type", ev("return type(redis.call('incr', 'n'))"))
scenario(G, "incrbyfloat", ev("return redis.call('incrbyfloat', 'f', '1.5')"))
scenario(G, "set_status", ev("return redis.call('set', 'k', 'v')"))
scenario(G, "set_status_type", ev("return type(redis.call('set', 'k', 'v'))"))
scenario(G, "set_status_ok_field", ev("return redis.call('set', 'k', 'v').ok"))
scenario(G, "set_nx_fails_nil", ("SET", "k", "v"), ev("return redis.call('set', 'k', 'w', 'nx')"))
scenario(G, "set_nx_fails_type", ("SET", "k", "v"),
         ev("return type(redis.call('set', 'k', 'w', 'nx'))"))
scenario(G, "ping", ev("return redis.call('ping')"))
scenario(G, "ping_type", ev("return type(redis.call('ping'))"))
scenario(G, "ping_message", ev("return redis.call('ping', 'hello')"))
scenario(G, "echo", ev("return redis.call('echo', 'hi')"))
scenario(G, "exists_type", ev("return type(redis.call('exists', 'nokey'))"))
scenario(G, "mget_with_missing", ("SET", "a", "1"),
         ev("return redis.call('mget', 'a', 'nokey', 'a')"))
scenario(G, "mget_missing_type", ev("return type(redis.call('mget', 'nokey')[1])"))
scenario(G, "zrange_withscores", ("ZADD", "z", "1.5", "a", "2", "b"),
         ev("return redis.call('zrange', 'z', 0, -1, 'withscores')"))
scenario(G, "zscore_resp2", ("ZADD", "z", "1.5", "a"), ev("return redis.call('zscore', 'z', 'a')"))
scenario(G, "number_args_formatting",
         ev("redis.call('set', 'a', 3.5); redis.call('set', 'b', 0.1); "
            "redis.call('set', 'c', 1e20); redis.call('set', 'd', 42); "
            "redis.call('set', 'e', -0.0); redis.call('set', 'f', 2^53); "
            "return redis.call('mget', 'a', 'b', 'c', 'd', 'e', 'f')"))
scenario(G, "pcall_ok", ev("return redis.pcall('incr', 'n')"))
scenario(G, "pcall_error_returned", ("SET", "s", "abc"), ev("return redis.pcall('incr', 's')"))
scenario(G, "pcall_error_type", ("SET", "s", "abc"), ev("return type(redis.pcall('incr', 's'))"))
scenario(G, "pcall_error_field", ("SET", "s", "abc"), ev("return redis.pcall('incr', 's').err"))
scenario(G, "pcall_unknown_command_field", ev("return redis.pcall('nosuch').err"))
scenario(G, "pcall_wrongtype_field", ("RPUSH", "l", "x"), ev("return redis.pcall('get', 'l').err"))
scenario(G, "pcall_arity_field", ev("return redis.pcall('get').err"))
scenario(G, "pcall_noscript_field", ev("return redis.pcall('multi').err"))
scenario(G, "lua_pcall_of_call", ("SET", "s", "abc"),
         ev("local ok, e = pcall(function() return redis.call('incr', 's') end) "
            "return {tostring(ok), type(e), e.err}"))
scenario(G, "lua_pcall_of_call_returned", ("SET", "s", "abc"),
         ev("local ok, e = pcall(redis.call, 'incr', 's') return e"))
scenario(G, "lua_pcall_of_error_string",
         ev("local ok, e = pcall(error, 'boom') return {tostring(ok), e}"))

# -- KEYS and ARGV ------------------------------------------------------------------------------

G = "keys"
scenario(G, "numkeys_0_counts", ev("return {#KEYS, #ARGV}"))
scenario(G, "numkeys_0_argv", ("EVAL", "return ARGV", "0", "a1", "a2"))
scenario(G, "numkeys_2", ("EVAL", "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}",
                          "2", "k1", "k2", "a1", "a2"))
scenario(G, "keys_table", ("EVAL", "return KEYS", "3", "a", "b", "c"))
scenario(G, "all_keys_no_argv", ("EVAL", "return {#KEYS, #ARGV}", "2", "a", "b"))
scenario(G, "numkeys_negative", ("EVAL", "return 1", "-1"))
scenario(G, "numkeys_negative_with_args", ("EVAL", "return 1", "-1", "a", "b"))
scenario(G, "numkeys_too_big", ("EVAL", "return 1", "3", "a"))
scenario(G, "numkeys_too_big_no_args", ("EVAL", "return 1", "1"))
scenario(G, "numkeys_not_integer", ("EVAL", "return 1", "abc"))
scenario(G, "numkeys_float", ("EVAL", "return 1", "1.5", "a"))
scenario(G, "numkeys_empty", ("EVAL", "return 1", ""))
scenario(G, "numkeys_huge", ("EVAL", "return 1", "99999999999999999999"))
scenario(G, "numkeys_leading_space", ("EVAL", "return 1", " 0"))
scenario(G, "argv_binary", ("EVAL", "return ARGV[1]", "0", b"\x00\xff\r\nx"))
scenario(G, "argv_numbers_are_strings", ("EVAL", "return type(ARGV[1])", "0", "5"))
scenario(G, "argv_missing_is_nil", ("EVAL", "return ARGV[3]", "0", "a"))
scenario(G, "evalsha_numkeys_negative", ("SCRIPT", "LOAD", "return 1"),
         ("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "-1"))
scenario(G, "evalsha_numkeys_not_integer", ("SCRIPT", "LOAD", "return 1"),
         ("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "x"))

# -- errors -------------------------------------------------------------------------------------

G = "err"
scenario(G, "syntax_error", ev("return +"))
scenario(G, "syntax_error_line_3", ev("local a = 1\nlocal b = 2\nreturn a +* b"))
scenario(G, "syntax_error_unfinished_string", ev("return 'abc"))
scenario(G, "runtime_error", ev("return 1 + nil"))
scenario(G, "runtime_error_line_2", ev("local t = nil\nreturn t.x"))
scenario(G, "runtime_error_call_nil", ev("local f\nf()"))
scenario(G, "error_string", ev("error('my message')"))
scenario(G, "error_string_level_0", ev("error('my message', 0)"))
scenario(G, "error_table", ev("error({err='X y'})"))
scenario(G, "error_table_no_code", ev("error({err='lowercase y'})"))
scenario(G, "error_number", ev("error(42)"))
scenario(G, "error_nil", ev("error()"))
# Not error({foo='bar'}): a table without err crashes redis-server 7.0.15 (SIGSEGV in
# luaCallFunction: it formats the missing err message, a NULL, with sdscatfmt).
scenario(G, "error_of_error_reply", ev("error(redis.error_reply('CODE message'))"))
scenario(G, "call_unknown_command", ev("return redis.call('nosuch')"))
scenario(G, "call_unknown_command_args", ev("return redis.call('nosuch', 'a', 'b')"))
scenario(G, "call_wrong_arity", ev("return redis.call('get')"))
scenario(G, "call_wrong_arity_extra", ev("return redis.call('get', 'a', 'b')"))
scenario(G, "call_no_args", ev("return redis.call()"))
scenario(G, "pcall_no_args", ev("return redis.pcall()"))
scenario(G, "call_table_arg", ev("return redis.call('set', {}, 'x')"))
scenario(G, "call_nil_command", ev("return redis.call(nil)"))
scenario(G, "call_boolean_arg", ev("return redis.call('set', 'k', true)"))
scenario(G, "call_command_error", ("SET", "s", "abc"), ev("return redis.call('incr', 's')"))
scenario(G, "pcall_command_error", ("SET", "s", "abc"), ev("return redis.pcall('incr', 's')"))
scenario(G, "call_wrongtype", ("RPUSH", "l", "x"), ev("return redis.call('get', 'l')"))
scenario(G, "pcall_wrongtype", ("RPUSH", "l", "x"), ev("return redis.pcall('get', 'l')"))
scenario(G, "call_syntax_error", ev("return redis.call('set', 'k', 'v', 'nonsense')"))
scenario(G, "nonexistent_global", ev("return undefined_var"))
scenario(G, "nonexistent_global_type_os", ev("return type(os)"))
scenario(G, "create_global", ev("a = 5"))
scenario(G, "create_global_function", ev("function f() return 1 end return f()"))
scenario(G, "rawset_global", ev("rawset(_G, 'x', 1) return 1"))
scenario(G, "modify_redis_table", ev("redis.call = nil return 1"))
scenario(G, "modify_string_lib", ev("string.foo = 1 return 1"))
scenario(G, "setmetatable_G", ev("setmetatable(_G, nil) return 1"))
scenario(G, "local_ok", ev("local a = 5 return a"))
scenario(G, "noscript_multi", ev("return redis.call('multi')"))
scenario(G, "noscript_exec", ev("return redis.call('exec')"))
scenario(G, "noscript_subscribe", ev("return redis.call('subscribe', 'ch')"))
scenario(G, "noscript_eval", ev("return redis.call('eval', 'return 1', '0')"))
scenario(G, "noscript_script_load", ev("return redis.call('script', 'load', 'return 1')"))
scenario(G, "noscript_watch", ev("return redis.call('watch', 'k')"))
scenario(G, "noscript_auth", ev("return redis.call('auth', 'x')"))
scenario(G, "noscript_hello", ev("return redis.call('hello')"))
scenario(G, "noscript_debug", ev("return redis.call('debug', 'sleep', '0')"))
scenario(G, "blpop_in_script", ev("return redis.call('blpop', 'q', '0')"))
scenario(G, "blpop_in_script_with_data", ("RPUSH", "q", "x"),
         ev("return redis.call('blpop', 'q', '0')"))
scenario(G, "eval_ro_write", ("EVAL_RO", "return redis.call('set', 'k', 'v')", "0"),
         ("EXISTS", "k"))
scenario(G, "eval_ro_pcall_write", ("EVAL_RO", "return redis.pcall('set', 'k', 'v')", "0"))
scenario(G, "eval_ro_read", ("SET", "k", "v"), ("EVAL_RO", "return redis.call('get', 'k')", "0"))
scenario(G, "eval_ro_with_keys", ("SET", "k", "v"),
         ("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k"))
scenario(G, "no_writes_flag_write",
         ev("#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')"), ("EXISTS", "k"))
scenario(G, "no_writes_flag_read", ("SET", "k", "v"),
         ev("#!lua flags=no-writes\nreturn redis.call('get', 'k')"))
scenario(G, "no_writes_flag_eval_ro", ("SET", "k", "v"),
         ("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get', 'k')", "0"))
scenario(G, "shebang_no_flags", ev("#!lua\nreturn 1"))
scenario(G, "shebang_empty_flags", ev("#!lua flags=\nreturn 1"))
scenario(G, "shebang_all_flags",
         ev("#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\n"
            "return 1"))
scenario(G, "shebang_unknown_flag", ev("#!lua flags=bogus\nreturn 1"))
scenario(G, "shebang_unknown_flag_mixed", ev("#!lua flags=no-writes,bogus\nreturn 1"))
scenario(G, "shebang_not_lua", ev("#!python\nreturn 1"))
scenario(G, "shebang_lua_other_engine", ev("#!luajit\nreturn 1"))
scenario(G, "shebang_name", ev("#!lua name=mylib\nreturn 1"))
scenario(G, "shebang_unknown_option", ev("#!lua foo=bar\nreturn 1"))
scenario(G, "shebang_no_newline", ev("#!lua"))
scenario(G, "shebang_then_error_line", ev("#!lua\nreturn 1 + nil"))
scenario(G, "shebang_then_syntax_error", ev("#!lua\nreturn +"))
scenario(G, "shebang_allow_oom_write",
         ev("#!lua flags=allow-oom\nreturn redis.call('set', 'k', 'v')"))
scenario(G, "shebang_script_load_then_evalsha",
         ("SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')"),
         ("EVALSHA", sha("#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')"), "0"),
         ("EVALSHA_RO", sha("#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')"), "0"))
scenario(G, "hash_not_at_start", ev(" #!lua flags=bogus\nreturn 1"))
scenario(G, "script_error_after_write", ("SET", "s", "abc"),
         ev("redis.call('set', 'k', 'v') return redis.call('incr', 's')"), ("GET", "k"))

# -- EVALSHA, SCRIPT ----------------------------------------------------------------------------

SHA_RETURN_1 = sha("return 1")  # e0e1f9fabfc9d4800c877a703b823ac0578ff8db
G = "script"
scenario(G, "evalsha_unknown", ("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"))
scenario(G, "evalsha_short", ("EVALSHA", "abc", "0"))
scenario(G, "evalsha_long", ("EVALSHA", SHA_RETURN_1 + "00", "0"))
scenario(G, "script_load", ("SCRIPT", "LOAD", "return 1"))
scenario(G, "script_load_then_evalsha", ("SCRIPT", "LOAD", "return 1"),
         ("EVALSHA", SHA_RETURN_1, "0"))
scenario(G, "evalsha_upper_case", ("SCRIPT", "LOAD", "return 1"),
         ("EVALSHA", SHA_RETURN_1.upper(), "0"))
scenario(G, "evalsha_ro", ("SCRIPT", "LOAD", "return 1"), ("EVALSHA_RO", SHA_RETURN_1, "0"))
scenario(G, "evalsha_ro_write", ("SCRIPT", "LOAD", "return redis.call('set', 'k', 'v')"),
         ("EVALSHA_RO", sha("return redis.call('set', 'k', 'v')"), "0"), ("EXISTS", "k"))
scenario(G, "eval_caches_script", ev("return 1"), ("SCRIPT", "EXISTS", SHA_RETURN_1),
         ("EVALSHA", SHA_RETURN_1, "0"))
scenario(G, "failed_eval_not_cached", ev("return +"),
         ("SCRIPT", "EXISTS", sha("return +")))
scenario(G, "script_load_compile_error", ("SCRIPT", "LOAD", "return +"))
scenario(G, "script_load_shebang_error", ("SCRIPT", "LOAD", "#!lua flags=bogus\nreturn 1"))
scenario(G, "script_load_binary", ("SCRIPT", "LOAD", b"return '\x00\xff'"))
scenario(G, "script_load_twice", ("SCRIPT", "LOAD", "return 1"), ("SCRIPT", "LOAD", "return 1"))
scenario(G, "script_exists_mixture", ("SCRIPT", "LOAD", "return 1"), ("SCRIPT", "LOAD", "return 2"),
         ("SCRIPT", "EXISTS", SHA_RETURN_1, "ffffffffffffffffffffffffffffffffffffffff",
          sha("return 2"), sha("return 3"), "nonsense", SHA_RETURN_1.upper()))
scenario(G, "script_exists_no_arg", ("SCRIPT", "EXISTS"))
scenario(G, "script_flush", ("SCRIPT", "LOAD", "return 1"), ("SCRIPT", "FLUSH"),
         ("SCRIPT", "EXISTS", SHA_RETURN_1), ("EVALSHA", SHA_RETURN_1, "0"))
scenario(G, "script_flush_async", ("SCRIPT", "LOAD", "return 1"), ("SCRIPT", "FLUSH", "ASYNC"),
         ("SCRIPT", "EXISTS", SHA_RETURN_1))
scenario(G, "script_flush_sync", ("SCRIPT", "LOAD", "return 1"), ("SCRIPT", "FLUSH", "sync"),
         ("SCRIPT", "EXISTS", SHA_RETURN_1))
scenario(G, "script_flush_bad_arg", ("SCRIPT", "FLUSH", "bogus"))
scenario(G, "script_flush_too_many", ("SCRIPT", "FLUSH", "ASYNC", "SYNC"))
scenario(G, "script_kill_not_busy", ("SCRIPT", "KILL"))
scenario(G, "script_kill_extra_arg", ("SCRIPT", "KILL", "x"))
scenario(G, "script_help", ("SCRIPT", "HELP"))
scenario(G, "script_help_lower", ("script", "help"))
scenario(G, "script_unknown_subcommand", ("SCRIPT", "BOGUS"))
scenario(G, "script_unknown_subcommand_args", ("SCRIPT", "BOGUS", "a"))
scenario(G, "script_no_subcommand", ("SCRIPT",))
scenario(G, "script_debug_no_arg", ("SCRIPT", "DEBUG"))
scenario(G, "eval_no_args", ("EVAL",))
scenario(G, "eval_arity", ("EVAL", "return 1"))
scenario(G, "evalsha_arity", ("EVALSHA", SHA_RETURN_1))
scenario(G, "eval_ro_arity", ("EVAL_RO", "return 1"))
scenario(G, "evalsha_ro_arity", ("EVALSHA_RO", SHA_RETURN_1))
scenario(G, "script_load_arity", ("SCRIPT", "LOAD"))
scenario(G, "script_load_extra", ("SCRIPT", "LOAD", "return 1", "x"))
scenario(G, "evalsha_in_multi", ("SCRIPT", "LOAD", "return 1"), ("MULTI",),
         ("EVALSHA", SHA_RETURN_1, "0"), ("EVAL", "return redis.call('incr', 'n')", "0"), ("EXEC",))
scenario(G, "evalsha_unknown_in_multi", ("MULTI",),
         ("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"), ("EXEC",))

# -- libraries ----------------------------------------------------------------------------------

G = "lib"
scenario(G, "sha1hex_empty", ev("return redis.sha1hex('')"))
scenario(G, "sha1hex_string", ev("return redis.sha1hex('return 1')"))
scenario(G, "sha1hex_binary", ev("return redis.sha1hex(string.char(0, 255))"))
scenario(G, "sha1hex_number", ev("return redis.sha1hex(42)"))
scenario(G, "sha1hex_no_arg", ev("return redis.sha1hex()"))
scenario(G, "sha1hex_two_args", ev("return redis.sha1hex('a', 'b')"))
scenario(G, "log_returns_nil", ev("return redis.log(redis.LOG_WARNING, 'from a test script')"))
scenario(G, "log_many_args", ev("return redis.log(redis.LOG_DEBUG, 'a', 'b', 3)"))
scenario(G, "log_no_args", ev("return redis.log()"))
scenario(G, "log_one_arg", ev("return redis.log(redis.LOG_NOTICE)"))
scenario(G, "log_bad_level", ev("return redis.log(99, 'x')"))
scenario(G, "log_string_level", ev("return redis.log('x', 'y')"))
scenario(G, "log_constants",
         ev("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}"))
scenario(G, "repl_constants",
         ev("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, "
            "redis.REPL_ALL}"))
scenario(G, "set_repl_all", ev("return redis.set_repl(redis.REPL_ALL)"))
scenario(G, "set_repl_none", ev("return redis.set_repl(redis.REPL_NONE)"))
scenario(G, "set_repl_bad", ev("return redis.set_repl(99)"))
scenario(G, "set_repl_no_arg", ev("return redis.set_repl()"))
scenario(G, "replicate_commands", ev("return redis.replicate_commands()"))
scenario(G, "replicate_commands_type", ev("return type(redis.replicate_commands())"))
scenario(G, "breakpoint", ev("return redis.breakpoint()"))
scenario(G, "debug", ev("return redis.debug('x')"))
scenario(G, "redis_version", ev("return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}"))
scenario(G, "cjson_encode_array", ev("return cjson.encode({1, 2, 3})"))
scenario(G, "cjson_encode_object", ev("return cjson.encode({a=1})"))
scenario(G, "cjson_encode_nested", ev("return cjson.encode({a={1, 2, {b='c'}}})"))
scenario(G, "cjson_encode_numbers",
         ev("return cjson.encode({3.14, 1e20, 0.1, -0.5, 2^53, 100, 1/3})"))
scenario(G, "cjson_encode_string_escapes",
         ev("return cjson.encode('q\"b\\\\s/n\\nt\\t' .. string.char(1))"))
scenario(G, "cjson_encode_booleans_null", ev("return cjson.encode({true, false, cjson.null})"))
scenario(G, "cjson_encode_empty_table", ev("return cjson.encode({})"))
scenario(G, "cjson_encode_inf", ev("return cjson.encode(1/0)"))
scenario(G, "cjson_encode_function", ev("return cjson.encode(function() end)"))
scenario(G, "cjson_encode_sparse", ev("return cjson.encode({[1]=1, [5]=5})"))
scenario(G, "cjson_decode_array", ev("return cjson.decode('[1,2,3]')"))
scenario(G, "cjson_decode_nested_field",
         ev("return cjson.decode('{\"a\":[1,2,{\"b\":\"c\"}]}').a[3].b"))
scenario(G, "cjson_decode_float", ev("return cjson.decode('1.5')"))
scenario(G, "cjson_decode_float_tostring", ev("return tostring(cjson.decode('[1.5, 1e3, -0]')[2])"))
scenario(G, "cjson_decode_null", ev("return tostring(cjson.decode('[null]')[1] == cjson.null)"))
scenario(G, "cjson_round_trip",
         ev("return cjson.encode(cjson.decode('{\"x\":[1,\"two\",true,null,{\"y\":-2.5}]}'))"))
scenario(G, "cjson_decode_invalid", ev("return cjson.decode('invalid')"))
scenario(G, "cjson_decode_truncated", ev("return cjson.decode('{\"a\":')"))
scenario(G, "cjson_decode_trailing", ev("return cjson.decode('[1] x')"))
scenario(G, "cjson_decode_pcall",
         ev("local ok, e = pcall(cjson.decode, '{bad') return {tostring(ok), e}"))
scenario(G, "cjson_decode_unicode", ev("return cjson.decode('\"\\\\u00e9\\\\u20ac\"')"))
scenario(G, "cjson_decode_argv", ("EVAL", "return cjson.decode(ARGV[1]).k", "0", '{"k":"v"}'))
scenario(G, "bit_ops",
         ev("return {bit.band(0xff, 0x0f), bit.bor(0xf0, 0x0f), bit.bxor(0xff, 0x0f), "
            "bit.lshift(1, 4), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), "
            "bit.bnot(0), bit.tobit(2^32 + 1), bit.bswap(0x12345678), bit.rol(1, 33), "
            "bit.ror(1, 1)}"))
scenario(G, "bit_tohex",
         ev("return {bit.tohex(255), bit.tohex(-1), bit.tohex(255, 4), bit.tohex(255, -4), "
            "bit.tohex(0x12345678, 2)}"))
scenario(G, "bit_bad_arg", ev("return bit.band('x', 1)"))
scenario(G, "string_format",
         ev("return string.format('%d %s %5.2f %x %q %5s|%-5s| %g %e %%', 42, 'hi', 3.14159, "
            "255, 'a\\nb\"c', 'r', 'l', 0.1, 12345.678)"))
scenario(G, "string_format_bad", ev("return string.format('%d', 'x')"))
scenario(G, "string_functions",
         ev("return {string.rep('ab', 3), string.sub('hello', 2, -2), string.upper('abc'), "
            "string.lower('ABC'), string.byte('A'), string.len('abc'), string.reverse('abc'), "
            "string.find('hello world', 'o w'), string.match('key:123', '%d+'), "
            "(string.gsub('a-b-c', '-', '+')), string.char(72, 105)}"))
scenario(G, "string_gmatch",
         ev("local t = {} for w in string.gmatch('one two three', '%a+') do t[#t+1] = w end "
            "return t"))
scenario(G, "string_methods", ev("local s = 'abc' return s:upper() .. s:len()"))
scenario(G, "math_functions",
         ev("return {math.floor(3.7), math.ceil(3.2), math.abs(-4), math.max(1, 5, 3), "
            "math.min(4, 2, 8), math.sqrt(16), math.pow(2, 10), math.fmod(7, 3), "
            "math.floor(-3.5), math.huge > 1e308}"))
scenario(G, "math_tostring",
         ev("return {tostring(math.pi), tostring(math.huge), tostring(-math.huge), "
            "tostring(math.sqrt(2)), tostring(math.log(10)), tostring(math.exp(1))}"))
scenario(G, "tostring_numbers",
         ev("return {tostring(1e20), tostring(0.1), tostring(2^53), tostring(123456789012), "
            "tostring(1e15), tostring(1e16), tostring(3.0), "
            "tostring(1/3), tostring(100000000000000), tostring(2^63), tostring(-2^63), "
            "tostring(5e-324), tostring(1e-5)}"))
scenario(G, "tostring_inf", ev("return {tostring(1/0), tostring(-1/0)}"))
# Lua 5.1 keeps one constant for 0 and -0.0 (they compare equal), the first one met: here the
# 0 of 1/0 is -0.0, and Redis answers "-0", "-inf".
scenario(G, "tostring_negative_zero_constant", ev("return {tostring(-0.0), tostring(1/0)}"))
scenario(G, "tostring_nan", ev("return tostring(0/0)"))  # "-nan": x86's 0/0 has the sign bit
scenario(G, "tonumber",
         ev("return {tonumber('42'), tonumber('0x10'), tonumber('  7  '), tonumber('1e2'), "
            "tostring(tonumber('abc')), tonumber('z', 36), tonumber('10', 2)}"))
scenario(G, "number_concat", ev("return 1.5 .. '|' .. 10 .. '|' .. 1e100 .. '|' .. 2^31"))
scenario(G, "table_concat", ev("return table.concat({1, 2, 3}, ',')"))
scenario(G, "table_concat_mixed", ev("return table.concat({'a', 1.5, 'b'}, '-', 2, 3)"))
scenario(G, "table_functions",
         ev("local t = {5, 2, 8, 1} table.sort(t) table.insert(t, 9) table.insert(t, 1, 0) "
            "local r = table.remove(t, 2) return {r, unpack(t)}"))
scenario(G, "table_sort_comparator",
         ev("local t = {'b', 'c', 'a'} table.sort(t, function(x, y) return x > y end) return t"))
scenario(G, "table_getn", ev("return table.getn({1, 2, 3})"))
scenario(G, "unpack_first", ev("return unpack({1, 2, 3})"))
scenario(G, "unpack_all", ev("return {unpack({1, 2, 3})}"))
scenario(G, "select_count", ev("return select('#', 1, nil, 3)"))
scenario(G, "pairs_ipairs",
         ev("local n = 0 for _, v in ipairs({1, 2, 3}) do n = n + v end "
            "for k, v in pairs({a=10}) do n = n + v end return n"))
scenario(G, "type_of_libs",
         ev("return {type(cjson), type(bit), type(string), type(table), type(math), "
            "type(redis), type(loadstring), type(pcall), type(unpack), type(KEYS)}"))
scenario(G, "loadfile_removed", ev("return type(loadfile)"))
scenario(G, "dofile_removed", ev("return type(dofile)"))
scenario(G, "print_removed", ev("return type(print)"))
# Redis 7.0.15 has no function environments nor newproxy in scripts.
scenario(G, "getfenv_removed", ev("return type(getfenv)"))
scenario(G, "setfenv_removed", ev("return type(setfenv)"))
scenario(G, "newproxy_removed", ev("return type(newproxy)"))
scenario(G, "loadstring_chunk_sees_the_readonly_globals",
         ev("local f = loadstring('x_from_chunk = 1') return f()"))
scenario(G, "lua_version", ev("return _VERSION"))
scenario(G, "closures",
         ev("local function counter() local c = 0 return function() c = c + 1 return c end end "
            "local f = counter() f() f() return f()"))
scenario(G, "string_coercion", ev("return '10' + 5"))
scenario(G, "integer_division", ev("return 7 / 2"))
scenario(G, "modulo_negative", ev("return -7 % 3"))

# -- RESP3 --------------------------------------------------------------------------------------

G = "resp3"
# Under setresp(3) a map or set reaches Lua as a table {map={...}} / {set={...}}, and goes back
# to the client in that Lua table's traversal order (Lua 5.1's, deterministic: Redis answers
# f2 before f1 and 1, 3, 2), not in the command's order: compared exactly all the same.
SETUP_H = ("HSET", "h", "f1", "v1", "f2", "v2")
SETUP_S = ("SADD", "s", "1", "2", "3")  # an intset: both servers list it in order
SETUP_Z = ("ZADD", "z", "1.5", "a")
for client in (2, 3):
    hello = client == 3
    tag = "client%d_" % client
    scenario(G, tag + "setresp3_hgetall", SETUP_H,
             ev("redis.setresp(3) return redis.call('hgetall', 'h')"), hello3=hello)
    scenario(G, tag + "setresp3_hgetall_type", SETUP_H,
             ev("redis.setresp(3) local r = redis.call('hgetall', 'h') "
                "return {type(r), type(r.map), r.map.f1}"), hello3=hello)
    scenario(G, tag + "setresp3_smembers", SETUP_S,
             ev("redis.setresp(3) return redis.call('smembers', 's')"), hello3=hello)
    scenario(G, tag + "setresp3_smembers_type", SETUP_S,
             ev("redis.setresp(3) local r = redis.call('smembers', 's') "
                "return {type(r.set), tostring(r.set['2'])}"), hello3=hello)
    scenario(G, tag + "setresp3_null", ev("redis.setresp(3) return redis.call('get', 'nokey')"),
             hello3=hello)
    scenario(G, tag + "setresp3_null_type",
             ev("redis.setresp(3) return type(redis.call('get', 'nokey'))"), hello3=hello)
    scenario(G, tag + "setresp3_double", SETUP_Z,
             ev("redis.setresp(3) return redis.call('zscore', 'z', 'a')"), hello3=hello)
    scenario(G, tag + "setresp3_double_field", SETUP_Z,
             ev("redis.setresp(3) local r = redis.call('zscore', 'z', 'a') "
                "return {type(r), tostring(r.double)}"), hello3=hello)
    # A Lua boolean under setresp(3) becomes a RESP3 boolean: #t / #f for a RESP3 client, :1 / :0
    # for a RESP2 one (without setresp(3): :1 and a null, whatever the client speaks).
    scenario(G, tag + "setresp3_return_true", ev("redis.setresp(3) return true"), hello3=hello)
    scenario(G, tag + "setresp3_return_false", ev("redis.setresp(3) return false"), hello3=hello)
    scenario(G, tag + "setresp3_return_nil", ev("redis.setresp(3) return nil"), hello3=hello)
    scenario(G, tag + "setresp3_return_nested_booleans",
             ev("redis.setresp(3) return {true, false, 1}"), hello3=hello)
    scenario(G, tag + "setresp3_status", ev("redis.setresp(3) return redis.call('set', 'k', 'v')"),
             hello3=hello)
    scenario(G, tag + "setresp3_error", ("SET", "t", "abc"),
             ev("redis.setresp(3) return redis.pcall('incr', 't')"), hello3=hello)
    scenario(G, tag + "setresp2_hgetall", SETUP_H,
             ev("redis.setresp(2) return redis.call('hgetall', 'h')"), hello3=hello)
    scenario(G, tag + "default_hgetall", SETUP_H, ev("return redis.call('hgetall', 'h')"),
             hello3=hello)
    scenario(G, tag + "default_zscore", SETUP_Z, ev("return redis.call('zscore', 'z', 'a')"),
             hello3=hello)
    scenario(G, tag + "default_get_missing", ev("return redis.call('get', 'nokey')"), hello3=hello)
    scenario(G, tag + "return_true", ev("return true"), hello3=hello)
    scenario(G, tag + "return_false", ev("return false"), hello3=hello)
    scenario(G, tag + "return_nil", ev("return nil"), hello3=hello)
    scenario(G, tag + "return_double", ev("return {double=3.14}"), hello3=hello)
    scenario(G, tag + "return_double_integer", ev("return {double=3}"), hello3=hello)
    scenario(G, tag + "return_map", ev("return {map={a=1}}"), hello3=hello)
    scenario(G, tag + "return_set", ev("return {set={a=true}}"), hello3=hello)
    scenario(G, tag + "return_big_number", ev("return {big_number='1234567890123456789012'}"),
             hello3=hello)
    scenario(G, tag + "return_nested", ev("return {1, true, false, {double=0.5}, {map={x='y'}}}"),
             hello3=hello)
    scenario(G, tag + "setresp3_nested", ("RPUSH", "l", "a"), SETUP_Z,
             ev("redis.setresp(3) return {redis.call('lrange', 'l', 0, -1), "
                "redis.call('zscore', 'z', 'a'), redis.call('get', 'nokey')}"), hello3=hello)
scenario(G, "setresp2", ev("return redis.setresp(2)"))
scenario(G, "setresp4", ev("return redis.setresp(4)"))
scenario(G, "setresp0", ev("return redis.setresp(0)"))
scenario(G, "setresp_no_arg", ev("return redis.setresp()"))
scenario(G, "setresp_string", ev("return redis.setresp('3')"))
scenario(G, "setresp_two_args", ev("return redis.setresp(3, 3)"))

# -- SELECT, effects ----------------------------------------------------------------------------

G = "db"
scenario(G, "select_in_script_not_kept", ("SET", "k", "db0"),
         ev("redis.call('select', 1) redis.call('set', 'k', 'db1') return redis.call('get', 'k')"),
         ("GET", "k"), ("SELECT", "1"), ("GET", "k"))
scenario(G, "select_from_db2", ("SELECT", "2"), ("SET", "k", "db2"),
         ev("redis.call('select', 0) return redis.call('get', 'k')"), ("GET", "k"))
scenario(G, "select_bad_db", ev("return redis.call('select', 99)"))
scenario(G, "effects_set_incr_get",
         ev("redis.call('set', 'a', '1'); redis.call('incr', 'a'); return redis.call('get', 'a')"),
         ("GET", "a"))
scenario(G, "effects_with_keys",
         ("EVAL", "redis.call('set', KEYS[1], ARGV[1]) return redis.call('strlen', KEYS[1])", "1",
          "kk", "value"), ("GET", "kk"))
scenario(G, "effects_hash_and_expire",
         ev("redis.call('hset', 'h', 'a', '1', 'b', '2') redis.call('expire', 'h', 1000) "
            "return redis.call('hlen', 'h')"), ("TTL", "h"), ("HGETALL", "h"))
scenario(G, "effects_kept_after_error",
         ev("redis.call('set', 'x', '1') error('after write')"), ("GET", "x"))
scenario(G, "dbsize_in_script", ("SET", "a", "1"), ("SET", "b", "2"),
         ev("return redis.call('dbsize')"))
scenario(G, "script_sees_caller_db", ("SELECT", "3"), ("SET", "k", "in3"),
         ev("return redis.call('get', 'k')"))

# -- sizes and bytes ----------------------------------------------------------------------------

G = "size"
scenario(G, "array_1000", ev("local t = {} for i = 1, 1000 do t[i] = i end return t"))
scenario(G, "array_1000_strings",
         ev("local t = {} for i = 1, 1000 do t[i] = 'item' .. i end return t"))
scenario(G, "nested_deep",
         ev("local t = {} local c = t for i = 1, 50 do c[1] = {} c[2] = i c = c[1] end return t"))
scenario(G, "binary_string", ev("return string.char(0, 1, 2)"))
scenario(G, "binary_array", ev("return {string.char(0, 255), 'a\\0b', '\\r\\n'}"))
scenario(G, "binary_roundtrip", ("SET", "b", b"\x00\x01\xff\r\n"),
         ev("local v = redis.call('get', 'b') return {v, #v}"))
scenario(G, "big_string", ev("return string.rep('x', 100000)"))
scenario(G, "big_string_to_key", ev("redis.call('set', 'big', string.rep('ab', 50000)) "
                                     "return redis.call('strlen', 'big')"))
scenario(G, "many_results_from_call",
         ("EVAL", "for i = 1, 500 do redis.call('rpush', 'l', i) end "
                  "return redis.call('lrange', 'l', 0, -1)", "0"))
scenario(G, "big_argv", ("EVAL", "return #ARGV[1]", "0", "y" * 200000))

# -- commands allowed and refused ---------------------------------------------------------------

G = "cmds"
scenario(G, "time", Shape(ev("return redis.call('time')"), time_shape,
                          "the clock differs between two servers"))
scenario(G, "time_type", ev("return {type(redis.call('time')), type(redis.call('time')[1])}"))
scenario(G, "randomkey_one_key", ("SET", "only", "1"), ev("return redis.call('randomkey')"))
scenario(G, "randomkey_empty", ev("return redis.call('randomkey')"))
scenario(G, "randomkey_then_write", ("SET", "only", "1"),
         ev("redis.call('randomkey') return redis.call('set', 'k', 'v')"))
scenario(G, "time_then_write", ev("redis.call('time') return redis.call('set', 'k', 'v')"))
scenario(G, "ping", ev("return redis.call('ping')"))
scenario(G, "client_list", ev("return redis.call('client', 'list')"))  # refused: exact
scenario(G, "client_id_type", ev("return type(redis.pcall('client', 'id'))"))
scenario(G, "client_setname", ev("return redis.pcall('client', 'setname', 'x')"))
scenario(G, "config_get", ev("return redis.call('config', 'get', 'maxmemory')"))
scenario(G, "config_set", ev("return redis.call('config', 'set', 'maxmemory', '0')"))
scenario(G, "info", Shape(ev("return redis.call('info')"), kind_only,
                          "INFO's text is each server's own (versions, pids, counters)"))
scenario(G, "info_type", ev("return type(redis.call('info', 'server'))"))
scenario(G, "shutdown_refused", ev("return redis.pcall('shutdown', 'nosave')"))
scenario(G, "flushall_in_script", ("SET", "k", "v"), ev("return redis.call('flushall')"),
         ("DBSIZE",))
scenario(G, "keys_in_script", ("SET", "k", "v"), ev("return redis.call('keys', '*')"))
scenario(G, "object_encoding", ("SET", "k", "12"),
         ev("return redis.call('object', 'encoding', 'k')"))
scenario(G, "type_command", ("RPUSH", "l", "a"), ev("return redis.call('type', 'l')"))
scenario(G, "type_command_lua_type", ("RPUSH", "l", "a"),
         ev("return type(redis.call('type', 'l'))"))
scenario(G, "publish", ev("return redis.call('publish', 'ch', 'msg')"))
scenario(G, "command_count_type", ev("return type(redis.call('command', 'count'))"))
scenario(G, "lowercase_uppercase_names", ev("return redis.call('SeT', 'k', 'v')"))
scenario(G, "spop_in_script", ("SADD", "s", "1"), ev("return redis.call('spop', 's')"))
scenario(G, "eval_in_multi_exec", ("MULTI",), ev("return redis.call('set', 'k', 'v')"),
         ev("return redis.call('get', 'k')"), ("EXEC",))
scenario(G, "script_kill_in_multi", ("MULTI",), ("SCRIPT", "KILL"), ("EXEC",))
scenario(G, "script_load_in_multi", ("MULTI",), ("SCRIPT", "LOAD", "return 1"), ("EXEC",))


def run_scenario(port, steps, hello3):
    """Each step's reply (raw bytes) on a fresh connection after FLUSHALL and SCRIPT FLUSH."""
    with lib.RawConnection(port) as conn:
        for args in (("FLUSHALL",), ("SCRIPT", "FLUSH")):
            reply = conn.command(*args)
            assert reply == b"+OK\r\n", (args, reply)
        if hello3:
            reply = conn.command("HELLO", "3")
            assert reply.startswith(b"%"), reply
        return [conn.command(*(step.args if isinstance(step, Shape) else step))
                for step in steps]


def comparable(steps, replies):
    return [step.shape(reply) if isinstance(step, Shape) else reply
            for step, reply in zip(steps, replies)]


class SideBySide(diff_shared.SideBySide):
    """diff_shared.SideBySide, or with BASALT_SCRIPTING_SELF_CHECK set, two redis-servers."""

    @classmethod
    def setUpClass(cls):
        if not os.environ.get("BASALT_SCRIPTING_SELF_CHECK"):
            super().setUpClass()
            return
        # The harness's own check: a second redis-server where basalt would be.
        cls.redis_dir = tempfile.mkdtemp(prefix="basalt-it-side-redis-")
        cls.redis = lib.RedisProcess(cls.redis_dir).start()
        cls.basalt = lib.RedisProcess(cls.redis_dir).start()
        cls.basalt.stop_and_check = cls.basalt.stop


class ScriptingTest(SideBySide, unittest.TestCase):

    def check(self, steps, hello3):
        ours = run_scenario(self.basalt.port, steps, hello3)
        theirs = run_scenario(self.redis.port, steps, hello3)
        for step, mine, reference in zip(steps, comparable(steps, ours),
                                         comparable(steps, theirs)):
            args = step.args if isinstance(step, Shape) else step
            self.assertEqual(mine, reference, "step %r" % (args,))


def _add_scenario_tests():
    seen = set()
    for group, name, steps, hello3 in SCENARIOS:
        test_name = "test_%s_%s" % (group, name)
        assert test_name not in seen, test_name
        seen.add(test_name)

        def test(self, steps=steps, hello3=hello3):
            self.check(steps, hello3)

        setattr(ScriptingTest, test_name, test)


_add_scenario_tests()


def dump_redis(path):
    """Redis's raw reply of every step of every scenario, as Python reprs, into path."""
    workdir = tempfile.mkdtemp(prefix="basalt-it-script-dump-")
    redis = lib.RedisProcess(workdir).start()
    try:
        with open(path, "w") as out:
            out.write("# redis-server 7.0.15 raw replies, %d scenarios (tests/integration/"
                      "test_scripting.py)\n" % len(SCENARIOS))
            for group, name, steps, hello3 in SCENARIOS:
                out.write("\n## %s/%s%s\n" % (group, name, "  (after HELLO 3)" if hello3 else ""))
                for step, reply in zip(steps, run_scenario(redis.port, steps, hello3)):
                    args = step.args if isinstance(step, Shape) else step
                    shown = repr(reply) if len(reply) <= 2000 else (
                        repr(reply[:1000]) + " ... (%d bytes)" % len(reply))
                    shown_args = " ".join(repr(a) if len(a) <= 2000 else "<%d bytes>" % len(a)
                                          for a in args)
                    out.write("> %s\n< %s\n" % (shown_args, shown))
    finally:
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    if "--dump-redis" in sys.argv:
        dump_redis(sys.argv[sys.argv.index("--dump-redis") + 1])
        sys.exit(0)
    lib.main()
