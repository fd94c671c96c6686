// A script that runs past busy-reply-threshold, through the in-process harness: the harness's
// ServeWhileBusy plays the other clients (the server turns its event loop there), and a
// monitor that turns the clock on every line makes time pass inside the script. Replies were
// taken from redis-server 7.0.15 (tests/integration/test_scripting_busy.py compares the two
// servers over real sockets).
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "commands/harness.h"
#include "common/sha1.h"

using namespace basalt;
using namespace basalt::test;

namespace {

using Lines = std::vector<std::string>;

const std::string kBusy =
    Err("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");

// EVAL's answer for a script stopped by SCRIPT KILL (or SHUTDOWN NOSAVE) on `line`.
std::string Killed(std::string_view body, int line) {
  return Err("ERR Script killed by user with SCRIPT KILL... script: " + Sha1Hex(body) +
             ", on @user_script:" + std::to_string(line) + ".");
}

// A harness whose clock moves 50 ms per monitored command, with busy-reply-threshold 10 ms:
// a script's first redis.call puts it past the threshold.
struct BusyHarness {
  BusyHarness() {
    AttachClockTurner(h, monitor, 50);
    REQUIRE(h.Run({"CONFIG", "SET", "busy-reply-threshold", "10"}) == Ok());
  }
  ClockTurningMonitor monitor;  // outlives the harness, which closes it
  Harness h;
  TestSession& other = h.NewSession();
};

}  // namespace

TEST_SUITE("scripting") {
  TEST_CASE("past busy-reply-threshold other clients get -BUSY until SCRIPT KILL stops it") {
    BusyHarness b;
    Harness& h = b.h;
    Lines replies;
    h.control().while_busy = [&] {
      if (h.control().busy_turns > 1) return;
      replies.push_back(h.RunAs(b.other, {"GET", "x"}));
      replies.push_back(h.RunAs(b.other, {"PING"}));
      replies.push_back(h.RunAs(b.other, {"MULTI"}));  // allow_busy, as in Redis
      replies.push_back(h.RunAs(b.other, {"SET", "a", "b"}));
      replies.push_back(h.RunAs(b.other, {"EXEC"}));
      replies.push_back(h.RunAs(b.other, {"SCRIPT", "FLUSH"}));  // not while a script runs
      replies.push_back(h.RunAs(b.other, {"SCRIPT", "KILL"}));
    };
    const std::string body = "redis.call('ping')\nwhile true do end";
    CHECK(h.Run({"EVAL", body, "0"}) == Killed(body, 2));
    CHECK(replies ==
          Lines{kBusy, kBusy, Ok(), kBusy,
                Err("EXECABORT Transaction discarded because of: BUSY Redis is busy running a "
                    "script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."),
                kBusy, Ok()});
    CHECK(h.control().busy_caller == h.session().id);
    // The script stopped at the hook after SCRIPT KILL: the server serves everyone again.
    const int turns = h.control().busy_turns;
    CHECK(h.RunAs(b.other, {"PING"}) == Simple("PONG"));
    CHECK(h.RunAs(b.other, {"SCRIPT", "KILL"}) ==
          Err("NOTBUSY No scripts in execution right now."));
    CHECK(h.Run({"EVAL", "return 1", "0"}) == Int(1));
    CHECK(h.control().busy_turns == turns);
  }

  TEST_CASE("a busy script that wrote cannot be killed: -UNKILLABLE, and it runs to its end") {
    BusyHarness b;
    Harness& h = b.h;
    std::string kill_reply;
    h.control().while_busy = [&] {
      if (h.control().busy_turns == 1) kill_reply = h.RunAs(b.other, {"SCRIPT", "KILL"});
    };
    const std::string body =
        "redis.call('set', 'k', 'v')\nredis.call('ping')\nlocal n = 0\n"
        "while n < 400000 do n = n + 1 end\nreturn n";
    CHECK(h.Run({"EVAL", body, "0"}) == Int(400000));
    CHECK(kill_reply ==
          Err("UNKILLABLE Sorry the script already executed write commands against the dataset. "
              "You can either wait the script termination or kill the server in a hard way "
              "using the SHUTDOWN NOSAVE command."));
    CHECK(h.control().busy_turns > 1);
    CHECK(h.propagated().lines == Lines{"set k v"});
  }

  TEST_CASE("SHUTDOWN is refused while a script is busy; SHUTDOWN NOSAVE stops it unsent") {
    BusyHarness b;
    Harness& h = b.h;
    REQUIRE(h.Run({"SET", "before", "1"}) == Ok());
    Lines replies;
    h.control().while_busy = [&] {
      if (h.control().busy_turns > 1) return;
      replies.push_back(h.RunAs(b.other, {"SHUTDOWN"}));
      replies.push_back(h.RunAs(b.other, {"SHUTDOWN", "SAVE"}));
      replies.push_back(h.RunAs(b.other, {"SHUTDOWN", "NOSAVE"}));
    };
    const std::string body = "redis.call('set', 'a', '1')\nredis.call('ping')\nwhile true do end";
    // The caller's connection closes unanswered, as when Redis exits inside the script.
    CHECK(h.Run({"EVAL", body, "0"}).empty());
    CHECK(h.session().close_after_reply);
    // A shutdown that starts answers nothing (the connection closes).
    CHECK(replies == Lines{kBusy, kBusy, ""});
    CHECK(h.control().shutdown_requests == 1);
    CHECK(h.control().last_nosave);
    // Its write is in memory, which nothing saves, and never reached the AOF or replicas, as
    // when Redis exits in the middle of a script.
    CHECK(h.propagated().lines == Lines{"SET before 1"});  // not "set a 1"
    CHECK(h.Run({"GET", "a"}) == Bulk("1"));
  }

  TEST_CASE("a pcall around the loop catches the kill once; the next line raises it again") {
    BusyHarness b;
    Harness& h = b.h;
    h.control().while_busy = [&] {
      if (h.control().busy_turns == 1) h.RunAs(b.other, {"SCRIPT", "KILL"});
    };
    const std::string body =
        "redis.call('ping')\nlocal ok = pcall(function() while true do end end)\n"
        "return 'survived'";
    CHECK(h.Run({"EVAL", body, "0"}) == Killed(body, 3));
  }

  TEST_CASE("a script under the threshold, or with threshold 0, never hands the loop over") {
    ClockTurningMonitor monitor;  // outlives the harness, which closes it
    Harness h;
    AttachClockTurner(h, monitor, 50);
    const std::string body =
        "redis.call('ping')\nlocal n = 0\nwhile n < 400000 do n = n + 1 end\nreturn n";
    REQUIRE(h.Run({"CONFIG", "SET", "busy-reply-threshold", "1000"}) == Ok());
    CHECK(h.Run({"EVAL", body, "0"}) == Int(400000));
    REQUIRE(h.Run({"CONFIG", "SET", "lua-time-limit", "0"}) == Ok());  // Redis's older name
    CHECK(h.Run({"CONFIG", "GET", "busy-reply-threshold"}) ==
          BulkArray({"busy-reply-threshold", "0"}));
    CHECK(h.Run({"EVAL", body, "0"}) == Int(400000));
    CHECK(h.control().busy_turns == 0);
  }

  TEST_CASE("keys over maxmemory are not evicted by commands served while a script is busy") {
    BusyHarness b;
    Harness& h = b.h;
    REQUIRE(h.Run({"SET", "keep", "1"}) == Ok());
    REQUIRE(h.Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-random"}) == Ok());
    Lines replies;
    h.control().while_busy = [&] {
      if (h.control().busy_turns > 1) return;
      // Over the limit now: a command admitted here would evict, were the script not busy.
      CHECK(h.config().Set("maxmemory", "1", config::Config::Origin::kRuntime).ok());
      replies.push_back(h.RunAs(b.other, {"GET", "keep"}));
      replies.push_back(h.RunAs(b.other, {"SCRIPT", "KILL"}));
      CHECK(h.config().Set("maxmemory", "0", config::Config::Origin::kRuntime).ok());
    };
    const std::string body = "redis.call('ping')\nwhile true do end";
    CHECK(h.Run({"EVAL", body, "0"}) == Killed(body, 2));
    CHECK(replies == Lines{kBusy, Ok()});
    CHECK(h.Run({"EXISTS", "keep"}) == Int(1));
  }
}
