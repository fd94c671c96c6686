// Functions (FUNCTION ..., FCALL, FCALL_RO) through the in-process harness: what reaches the
// write stream (AOF and replicas), the gatekeeper's use of a function's flags, and a function
// past busy-reply-threshold (the harness's ServeWhileBusy plays the other clients, a monitor
// that turns the clock makes time pass inside it). Replies were taken from redis-server 7.0.15;
// tests/integration/test_functions*.py compare the two servers over real sockets.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "commands/harness.h"

using namespace basalt;
using namespace basalt::test;

namespace {

using Lines = std::vector<std::string>;

const std::string kLibrary =
    "#!lua name=lib\n"
    "redis.register_function('two_writes', function(keys, args)\n"
    "  redis.call('set', keys[1], args[1])\n"
    "  return redis.call('incr', 'count')\n"
    "end)\n"
    "redis.register_function('one_write', function(keys, args)\n"
    "  return redis.call('set', keys[1], 'x', 'EX', '100')\n"
    "end)\n"
    "redis.register_function('fail_after_write', function(keys, args)\n"
    "  redis.call('set', 'before_error', '1')\n"
    "  error('late')\n"
    "end)\n"
    "redis.register_function{function_name='reader', flags={'no-writes'},\n"
    "  callback=function(keys, args) return redis.call('get', keys[1]) end}\n"
    "redis.register_function{function_name='careless', flags={'allow-oom'},\n"
    "  callback=function(keys, args) return redis.call('set', keys[1], 'v') end}\n"
    "redis.register_function('spin', function() redis.call('ping') while true do end end)\n"
    "redis.register_function('spin_after_write', function()\n"
    "  redis.call('set', 'w', '1') redis.call('ping') while true do end\n"
    "end)\n";

// A harness with kLibrary loaded whose clock moves 50 ms per monitored command, with
// busy-reply-threshold 10 ms: a function's first redis.call puts it past the threshold.
struct BusyFunctions {
  BusyFunctions() {
    AttachClockTurner(h, monitor, 50);
    REQUIRE(h.Run({"CONFIG", "SET", "busy-reply-threshold", "10"}) == Ok());
    REQUIRE(h.Run({"FUNCTION", "LOAD", kLibrary}) == Bulk("lib"));
  }
  ClockTurningMonitor monitor;  // outlives the harness, which closes it
  Harness h;
  TestSession& other = h.NewSession();
};

const std::string kBusyFunction =
    Err("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.");

}  // namespace

TEST_SUITE("functions") {
  TEST_CASE("FUNCTION commands reach the write stream as sent, and only when they change things") {
    Harness h;
    REQUIRE(h.Run({"FUNCTION", "LOAD", kLibrary}) == Bulk("lib"));
    CHECK(h.Run({"FUNCTION", "LOAD", kLibrary}) == Err("ERR Library 'lib' already exists"));
    CHECK(h.Run({"FUNCTION", "DELETE", "nosuch"}) == Err("ERR Library not found"));
    CHECK(h.Run({"FUNCTION", "LIST"}).starts_with("*1\r\n"));
    CHECK(h.Run({"FUNCTION", "DELETE", "lib"}) == Ok());
    CHECK(h.Run({"FUNCTION", "FLUSH", "ASYNC"}) == Ok());  // nothing to flush, still sent
    CHECK(h.propagated().lines ==
          Lines{"FUNCTION LOAD " + kLibrary, "FUNCTION DELETE lib", "FUNCTION FLUSH ASYNC"});
    CHECK(h.server().dirty == 3);
  }

  TEST_CASE("FCALL's writes are propagated, never FCALL: effects, wrapped when several") {
    Harness h;
    REQUIRE(h.Run({"FUNCTION", "LOAD", kLibrary}) == Bulk("lib"));
    h.propagated().lines.clear();
    CHECK(h.Run({"FCALL", "two_writes", "1", "k", "v"}) == Int(1));
    CHECK(h.Run({"FCALL", "one_write", "1", "e"}) == Ok());
    CHECK(h.Run({"FCALL", "reader", "1", "k"}) == Bulk("v"));
    CHECK(h.Run({"FCALL_RO", "reader", "1", "k"}) == Bulk("v"));
    CHECK(h.Run({"FCALL", "fail_after_write", "0"}) ==
          Err("ERR user_function:11: late script: fail_after_write, on @user_function:11."));
    const std::string pxat = std::to_string(h.clock().NowMs() + 100000);
    CHECK(h.propagated().lines == Lines{"MULTI", "set k v", "incr count", "EXEC",
                                        "SET e x PXAT " + pxat, "set before_error 1"});
  }

  TEST_CASE("a function's flags stand for FCALL's: *_RO, OOM and read-only replicas") {
    Harness h;
    REQUIRE(h.Run({"FUNCTION", "LOAD", kLibrary}) == Bulk("lib"));
    CHECK(h.Run({"FCALL_RO", "two_writes", "1", "k", "v"}) ==
          Err("ERR Can not execute a script with write flag using *_ro command."));
    CHECK(h.Run({"FCALL_RO", "careless", "1", "k"}) ==
          Err("ERR Can not execute a script with write flag using *_ro command."));
    CHECK(h.Run({"FCALL", "reader", "0"}).starts_with("-ERR"));  // keys[1] is nil
    // Past maxmemory: a function that may write is refused, no-writes and allow-oom run.
    REQUIRE(h.Run({"SET", "x", std::string(100, 'x')}) == Ok());
    REQUIRE(h.Run({"CONFIG", "SET", "maxmemory-policy", "noeviction"}) == Ok());
    REQUIRE(h.Run({"CONFIG", "SET", "maxmemory", "1"}) == Ok());
    REQUIRE(h.Run({"SET", "y", "1"}) ==
            Err("OOM command not allowed when used memory > 'maxmemory'."));
    CHECK(h.Run({"FCALL", "two_writes", "1", "k", "v"}) ==
          Err("OOM command not allowed when used memory > 'maxmemory'."));
    CHECK(h.Run({"FCALL", "reader", "1", "k"}) == Nil());
    CHECK(h.Run({"FCALL", "careless", "1", "k"}) == Ok());
    CHECK(h.Run({"FUNCTION", "LOAD", "REPLACE", kLibrary}) ==
          Err("OOM command not allowed when used memory > 'maxmemory'."));
  }

  TEST_CASE("a busy function: -BUSY names FUNCTION KILL, FUNCTION STATS shows it, KILL stops it") {
    BusyFunctions b;
    Harness& h = b.h;
    TestSession& other = b.other;
    Lines replies;
    std::string stats;
    h.control().while_busy = [&] {
      if (h.control().busy_turns > 1) return;
      replies.push_back(h.RunAs(other, {"GET", "x"}));
      replies.push_back(h.RunAs(other, {"SCRIPT", "KILL"}));  // the other KILL's -BUSY
      stats = h.RunAs(other, {"FUNCTION", "STATS"});
      replies.push_back(h.RunAs(other, {"FUNCTION", "KILL"}));
    };
    // Redis's caller is told SCRIPT KILL, even when FUNCTION KILL stopped it.
    CHECK(h.Run({"FCALL", "spin", "1", "somekey", "arg1"}) ==
          Err("ERR Script killed by user with SCRIPT KILL... script: spin, on "
              "@user_function:17."));
    CHECK(replies == Lines{kBusyFunction, kBusyFunction, Ok()});
    CHECK(
        stats.starts_with("*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$4\r\nspin\r\n"
                          "$7\r\ncommand\r\n*5\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n1\r\n"
                          "$7\r\nsomekey\r\n$4\r\narg1\r\n$11\r\nduration_ms\r\n:"));
    CHECK(h.RunAs(other, {"FUNCTION", "KILL"}) ==
          Err("NOTBUSY No scripts in execution right now."));
    CHECK(h.RunAs(other, {"FUNCTION", "STATS"})
              .starts_with("*4\r\n$14\r\nrunning_script\r\n$-1\r\n"));
  }

  TEST_CASE("a busy function that wrote is unkillable by either KILL") {
    BusyFunctions b;
    Harness& h = b.h;
    TestSession& other = b.other;
    Lines replies;
    h.control().while_busy = [&] {
      if (h.control().busy_turns == 1) {
        replies.push_back(h.RunAs(other, {"FUNCTION", "KILL"}));
        replies.push_back(h.RunAs(other, {"SCRIPT", "KILL"}));
      } else if (h.control().busy_turns == 2) {
        replies.push_back(h.RunAs(other, {"SHUTDOWN", "NOSAVE"}));
      }
    };
    CHECK(h.Run({"FCALL", "spin_after_write", "0"}).empty());
    const std::string unkillable =
        Err("UNKILLABLE Sorry the script already executed write commands against the dataset. You "
            "can either wait the script termination or kill the server in a hard way using the "
            "SHUTDOWN NOSAVE command.");
    CHECK(replies == Lines{unkillable, unkillable, ""});
    CHECK(h.propagated().lines.size() == 1);  // FUNCTION LOAD; not the function's write
  }
}

TEST_SUITE("functions") {
  TEST_CASE("an error object with metamethods is read raw: no Lua runs outside protection") {
    // error(setmetatable({}, {__index = ...})) used to run __index when the reply was built,
    // outside any pcall: a Lua panic (the process exits), or a hang with a loop in it.
    Harness h;
    const std::string raise =
        "error(setmetatable({}, {__index = function() error('boom') end, "
        "__newindex = function() while true do end end}))";
    const std::string expected = "-ERR the script raised an error without an 'err' field script: ";
    CHECK(h.Run({"EVAL", raise, "0"}).starts_with(expected));
    REQUIRE(h.Run({"FUNCTION", "LOAD",
                   "#!lua name=m\nredis.register_function('m', function() " + raise + " end)"}) ==
            Bulk("m"));
    CHECK(h.Run({"FCALL", "m", "0"}) ==
          Err("ERR the script raised an error without an 'err' field script: m, on "
              "@user_function:2."));
    // A table with an err field keeps it, whatever its metatable.
    CHECK(
        h.Run({"EVAL",
               "error(setmetatable({err = 'MY own'}, {__index = function() error('x') end}))", "0"})
            .starts_with("-MY own script: "));
  }
}
