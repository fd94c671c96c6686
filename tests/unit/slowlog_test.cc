// The slow log's own rules (slowlog.h): what it keeps of a command's arguments, its order, ids
// and length. What the dispatcher logs is tested through the harness (server_slowlog_test.cc).
#include "commands/slowlog.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using basalt::cmd::SlowLog;
using basalt::cmd::SlowLogEntry;

namespace {

std::vector<std::string> Abbreviated(const std::vector<std::string>& args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  return SlowLog::Abbreviate(views);
}

SlowLogEntry Entry(int64_t duration_us) {
  return SlowLogEntry{.duration_us = duration_us, .args = {"PING"}};
}

}  // namespace

TEST_SUITE("slow log") {
  TEST_CASE("up to 32 arguments are kept as they are") {
    std::vector<std::string> args(32, "a");
    args[0] = "RPUSH";
    CHECK(Abbreviated(args) == args);
  }

  TEST_CASE("past 32 arguments the last slot counts those left out, itself included") {
    std::vector<std::string> args(42, "v");
    std::vector<std::string> kept = Abbreviated(args);
    REQUIRE(kept.size() == 32);
    CHECK(kept[30] == "v");
    CHECK(kept[31] == "... (11 more arguments)");
    args.resize(33);
    CHECK(Abbreviated(args)[31] == "... (2 more arguments)");
  }

  TEST_CASE("an argument past 128 bytes is cut there and says how much is missing") {
    const std::string exact(128, 'x');
    CHECK(Abbreviated({"SET", "k", exact})[2] == exact);
    CHECK(Abbreviated({"SET", "k", exact + "yz"})[2] == exact + "... (2 more bytes)");
  }

  TEST_CASE("newest first, ids counting up across RESET, the oldest dropped past the length") {
    SlowLog log;
    log.Add(Entry(5), 128);
    log.Add(Entry(6), 128);
    REQUIRE(log.size() == 2);
    CHECK(log.entries()[0].id == 1);
    CHECK(log.entries()[0].duration_us == 6);
    CHECK(log.entries()[1].id == 0);
    log.Reset();
    CHECK(log.size() == 0);
    log.Add(Entry(7), 2);
    log.Add(Entry(8), 2);
    log.Add(Entry(9), 2);
    REQUIRE(log.size() == 2);
    CHECK(log.entries()[0].id == 4);
    CHECK(log.entries()[1].id == 3);
    log.Trim(1);
    CHECK(log.size() == 1);
    log.Add(Entry(1), 0);  // a length of 0 keeps nothing
    CHECK(log.size() == 0);
  }

  TEST_CASE("the threshold: at or above is slow, negative logs nothing, 0 logs everything") {
    CHECK(SlowLog::IsSlow(10000, 10000));
    CHECK_FALSE(SlowLog::IsSlow(9999, 10000));
    CHECK(SlowLog::IsSlow(0, 0));
    CHECK_FALSE(SlowLog::IsSlow(1000000, -1));
  }
}
