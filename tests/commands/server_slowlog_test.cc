// SLOWLOG and what the dispatcher logs, through the in-process harness. The harness's clock
// stands still while a command runs, so every command takes 0 us: slowlog-log-slower-than 0
// logs all of them and 1 none. Expected shapes and texts were taken from redis-server 7.0.15.
#include <doctest/doctest.h>

#include <string>

#include "commands/harness.h"

using namespace basalt::test;

namespace {

// One SLOWLOG GET entry as the harness's own client (peer 127.0.0.1:5000) logs it.
std::string Entry(int id, std::initializer_list<std::string_view> args,
                  std::string_view name = "") {
  std::string out = "*6\r\n" + Int(id) + Int(1'700'000'000) + Int(0) + BulkArray(args);
  return out + Bulk("127.0.0.1:5000") + Bulk(name);
}

int ArrayLength(const std::string& reply) { return std::stoi(reply.substr(1)); }

Harness& LoggingEverything(Harness& h) {
  h.session().peer = "127.0.0.1:5000";
  REQUIRE(h.Run({"CONFIG", "SET", "slowlog-log-slower-than", "0"}) == Ok());
  REQUIRE(h.Run({"SLOWLOG", "RESET"}) == Ok());
  return h;
}

}  // namespace

TEST_SUITE("slowlog") {
  TEST_CASE("at threshold 0 every command is logged, newest first, with its client") {
    Harness h;
    LoggingEverything(h);  // ids 0 and 1: the CONFIG SET and the RESET
    CHECK(h.Run({"SET", "k", "v"}) == Ok());
    CHECK(h.Run({"CLIENT", "SETNAME", "app"}) == Ok());
    CHECK(h.Run({"SLOWLOG", "GET", "2"}) ==
          "*2\r\n" + Entry(3, {"CLIENT", "SETNAME", "app"}, "app") + Entry(2, {"SET", "k", "v"}));
    CHECK(h.Run({"SLOWLOG", "LEN"}) == Int(4));  // the RESET and the GET too
  }

  TEST_CASE("commands faster than the threshold, and all at -1, are not logged") {
    Harness h;
    REQUIRE(h.Run({"CONFIG", "GET", "slowlog-*"}) ==
            BulkArray({"slowlog-log-slower-than", "10000", "slowlog-max-len", "128"}));
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"SLOWLOG", "LEN"}) == Int(0));
    CHECK(h.Run({"CONFIG", "SET", "slowlog-log-slower-than", "-1"}) == Ok());
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"SLOWLOG", "LEN"}) == Int(0));
    CHECK(h.Run({"CONFIG", "SET", "slowlog-log-slower-than", "-2"}) ==
          Err("ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - "
              "argument must be between -1 and 9223372036854775807 inclusive"));
  }

  TEST_CASE("slowlog-max-len keeps the newest; a lowered length trims at the next command") {
    Harness h;
    LoggingEverything(h);
    for (int i = 0; i < 5; ++i) h.Run({"PING"});
    CHECK(h.Run({"SLOWLOG", "LEN"}) == Int(6));
    h.Run({"CONFIG", "SET", "slowlog-log-slower-than", "-1", "slowlog-max-len", "2"});
    // The CONFIG SET ran under its new settings, as in Redis: not logged, and nothing trims.
    CHECK(h.Run({"SLOWLOG", "LEN"}) == Int(7));
    h.Run({"CONFIG", "SET", "slowlog-log-slower-than", "100"});
    CHECK(h.Run({"SLOWLOG", "LEN"}) == Int(2));  // a timed command trims, logged or not
    CHECK(h.Run({"SLOWLOG", "RESET"}) == Ok());
    CHECK(h.Run({"SLOWLOG", "LEN"}) == Int(0));
  }

  TEST_CASE("GET's count: 10 by default, -1 for all, anything else below 0 refused") {
    Harness h;
    LoggingEverything(h);
    for (int i = 0; i < 12; ++i) h.Run({"PING"});
    CHECK(ArrayLength(h.Run({"SLOWLOG", "GET"})) == 10);
    CHECK(ArrayLength(h.Run({"SLOWLOG", "GET", "-1"})) == 14);  // RESET, 12 PINGs, the GET
    CHECK(h.Run({"SLOWLOG", "GET", "0"}) == "*0\r\n");
    const std::string refused = Err("ERR count should be greater than or equal to -1");
    CHECK(h.Run({"SLOWLOG", "GET", "-2"}) == refused);
    CHECK(h.Run({"SLOWLOG", "GET", "many"}) == refused);
    CHECK(h.Run({"SLOWLOG", "get", "1", "2"}) ==  // the subcommand as typed
          Err("ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP."));
    CHECK(h.Run({"SLOWLOG", "LEN", "x"}) ==
          Err("ERR wrong number of arguments for 'slowlog|len' command"));
  }

  TEST_CASE("passwords are redacted in the log and in MONITOR") {
    Harness h;
    LoggingEverything(h);
    TestSession& mon = h.NewSession();
    h.RunAs(mon, {"MONITOR"});
    h.Run({"AUTH", "secret1"});
    h.Run({"HELLO", "2", "AUTH", "default", "secret2"});
    h.Run({"CONFIG", "SET", "masterauth", "secret3", "maxmemory", "0", "requirepass", "secret4"});
    h.Run({"CONFIG", "SET", "nosuch", "1", "masteruser", "secret5"});  // refused, still redacted
    const std::string log = h.Run({"SLOWLOG", "GET", "4"});
    for (std::string_view secret : {"secret1", "secret2", "secret3", "secret4", "secret5"}) {
      CHECK(log.find(secret) == std::string::npos);
      CHECK(mon.pushed.find(secret) == std::string::npos);
    }
    CHECK(log.find(BulkArray({"CONFIG", "SET", "masterauth", "(redacted)", "maxmemory", "0",
                              "requirepass", "(redacted)"})) != std::string::npos);
    CHECK(log.find(BulkArray({"HELLO", "2", "AUTH", "(redacted)", "(redacted)"})) !=
          std::string::npos);
    CHECK(log.find(BulkArray({"AUTH", "(redacted)"})) != std::string::npos);
    CHECK(mon.pushed.find(R"x("AUTH" "(redacted)")x") != std::string::npos);
  }

  TEST_CASE("EXEC is not logged, its commands are; a blocked pop is logged once, when served") {
    Harness h;
    LoggingEverything(h);
    h.Run({"MULTI"});
    h.Run({"INCR", "n"});
    h.Run({"EXEC"});
    TestSession& waiter = h.NewSession();
    waiter.peer = "127.0.0.1:6000";
    h.RunAs(waiter, {"BLPOP", "q", "0"});
    CHECK(h.Run({"SLOWLOG", "LEN"}) == Int(3));  // RESET, MULTI, INCR; the BLPOP waits
    h.Run({"RPUSH", "q", "x"});                  // then the BLPOP it served
    const std::string log = h.Run({"SLOWLOG", "GET", "-1"});
    CHECK(log.find("$4\r\nEXEC\r\n") == std::string::npos);
    CHECK(log.find(BulkArray({"INCR", "n"})) != std::string::npos);
    CHECK(log.rfind(BulkArray({"BLPOP", "q", "0"})) == log.find(BulkArray({"BLPOP", "q", "0"})));
    CHECK(log.find(BulkArray({"BLPOP", "q", "0"})) < log.find(BulkArray({"RPUSH", "q", "x"})));
    CHECK(log.find("127.0.0.1:6000") != std::string::npos);
    CHECK(h.Run({"SLOWLOG", "LEN"}) == Int(7));  // ... LEN, RPUSH, BLPOP, GET
  }
}
