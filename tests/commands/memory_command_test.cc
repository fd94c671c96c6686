// MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP. Reply shapes and errors were
// checked against redis-server 7.0.15; the byte counts are basalt's own.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "commands/harness.h"

using namespace basalt;
using namespace basalt::test;

namespace {

int64_t IntReply(const std::string& reply) {
  REQUIRE(reply.size() > 3);
  REQUIRE(reply[0] == ':');
  return std::stoll(reply.substr(1));
}

}  // namespace

TEST_SUITE("memory command") {
  TEST_CASE("MEMORY USAGE: nil for a missing key, grows with the value") {
    Harness h;
    CHECK(h.Run({"MEMORY", "USAGE", "nokey"}) == Nil());
    h.Run({"SET", "k", "v"});
    const int64_t small = IntReply(h.Run({"MEMORY", "USAGE", "k"}));
    CHECK(small > 0);
    CHECK(small < 100);  // key, header and value share one small block
    h.Run({"SET", "k", std::string(10000, 'x')});
    CHECK(IntReply(h.Run({"MEMORY", "usage", "k"})) >= 10000);
  }

  TEST_CASE("MEMORY USAGE of collections; SAMPLES 0 measures every part") {
    Harness h;
    for (int i = 0; i < 2000; ++i) h.Run({"SADD", "s", "member:" + std::to_string(i)});
    const int64_t all = IntReply(h.Run({"MEMORY", "USAGE", "s", "SAMPLES", "0"}));
    const int64_t sampled = IntReply(h.Run({"MEMORY", "USAGE", "s"}));
    CHECK(all > 2000 * 8);
    // Members of one shape: the estimate is close to the exact figure.
    CHECK(sampled > all / 2);
    CHECK(sampled < all * 2);
    h.Run({"RPUSH", "l", "a"});
    const int64_t one = IntReply(h.Run({"MEMORY", "USAGE", "l"}));
    for (int i = 0; i < 1000; ++i) h.Run({"RPUSH", "l", std::string(100, 'y')});
    CHECK(IntReply(h.Run({"MEMORY", "USAGE", "l", "SAMPLES", "2"})) > one + 100000 / 2);
  }

  TEST_CASE("MEMORY USAGE argument errors come before the lookup") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"MEMORY", "USAGE", "k", "SAMPLES", "-1"}) == Err("ERR syntax error"));
    CHECK(h.Run({"MEMORY", "USAGE", "k", "SAMPLES", "x"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"MEMORY", "USAGE", "nokey", "SAMPLES", "x"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"MEMORY", "USAGE", "k", "SAMPLES"}) == Err("ERR syntax error"));
    CHECK(h.Run({"MEMORY", "USAGE", "k", "foo", "1"}) == Err("ERR syntax error"));
    CHECK(h.Run({"MEMORY", "USAGE"}) ==
          Err("ERR wrong number of arguments for 'memory|usage' command"));
    CHECK(h.Run({"MEMORY", "STATS", "x"}) ==
          Err("ERR wrong number of arguments for 'memory|stats' command"));
    CHECK(h.Run({"MEMORY", "foo"}) == Err("ERR unknown subcommand 'foo'. Try MEMORY HELP."));
  }

  TEST_CASE("MEMORY STATS is a map of named figures") {
    Harness h;
    h.Run({"SET", "k", "v"});
    const std::string reply = h.Run({"MEMORY", "STATS"});
    CHECK(reply.rfind("*22\r\n", 0) == 0);
    CHECK(reply.find("$14\r\npeak.allocated\r\n:") != std::string::npos);
    CHECK(reply.find("$10\r\nkeys.count\r\n:1\r\n") != std::string::npos);
    h.Run({"HELLO", "3"});
    CHECK(h.Run({"MEMORY", "STATS"}).rfind("%11\r\n", 0) == 0);
  }

  TEST_CASE("DOCTOR and MALLOC-STATS are text, PURGE answers OK, HELP lists subcommands") {
    Harness h;
    CHECK(h.Run({"MEMORY", "DOCTOR"}).rfind("$", 0) == 0);
    CHECK(h.Run({"MEMORY", "MALLOC-STATS"}).find("allocator: ") != std::string::npos);
    CHECK(h.Run({"MEMORY", "PURGE"}) == Ok());
    const std::string help = h.Run({"MEMORY", "HELP"});
    CHECK(help.find("+USAGE <key> [SAMPLES <count>]\r\n") != std::string::npos);
    h.Run({"HELLO", "3"});
    CHECK(h.Run({"MEMORY", "DOCTOR"}).rfind("=", 0) == 0);
  }
}
