// List commands: LPOS's RANK edge cases. Expected bytes were checked against redis-server
// 7.0.15.
#include <doctest/doctest.h>

#include <string>

#include "commands/harness.h"

using namespace basalt;
using namespace basalt::test;

TEST_SUITE("list commands") {
  TEST_CASE("LPOS RANK -9223372036854775808 is a search from the tail, as in Redis 7.0.15") {
    Harness h;
    // Indexes:            0    1    2    3    4    5    6    7
    REQUIRE(h.Run({"RPUSH", "l", "a", "b", "c", "a", "b", "a", "c", "c"}) == Int(8));
    const std::string_view kMin = "-9223372036854775808";
    // Redis negates the rank in a long: it stays LLONG_MIN, and every match counts as the
    // wanted one from the first on, as for RANK -1.
    CHECK(h.Run({"LPOS", "l", "c", "RANK", kMin}) == Int(7));
    CHECK(h.Run({"LPOS", "l", "a", "RANK", kMin}) == Int(5));
    CHECK(h.Run({"LPOS", "l", "c", "RANK", kMin, "COUNT", "0"}) == "*3\r\n:7\r\n:6\r\n:2\r\n");
    // Its COUNT test overflows too and never stops the search: any COUNT returns every match.
    CHECK(h.Run({"LPOS", "l", "a", "RANK", kMin, "COUNT", "2"}) == "*3\r\n:5\r\n:3\r\n:0\r\n");
    CHECK(h.Run({"LPOS", "l", "a", "RANK", kMin, "COUNT", "1"}) == "*3\r\n:5\r\n:3\r\n:0\r\n");
    CHECK(h.Run({"LPOS", "l", "c", "RANK", kMin, "COUNT", "1", "MAXLEN", "2"}) ==
          "*2\r\n:7\r\n:6\r\n");
    CHECK(h.Run({"LPOS", "l", "a", "RANK", kMin, "COUNT", "0", "MAXLEN", "3"}) == "*1\r\n:5\r\n");
    CHECK(h.Run({"LPOS", "l", "x", "RANK", kMin}) == Nil());
    CHECK(h.Run({"LPOS", "l", "x", "RANK", kMin, "COUNT", "0"}) == "*0\r\n");
    CHECK(h.Run({"LPOS", "nokey", "a", "RANK", kMin}) == Nil());
    // The same answers as RANK -1.
    CHECK(h.Run({"LPOS", "l", "c", "RANK", "-1", "COUNT", "0"}) == "*3\r\n:7\r\n:6\r\n:2\r\n");
    // The largest ranks still skip that many matches.
    CHECK(h.Run({"LPOS", "l", "c", "RANK", "-9223372036854775807"}) == Nil());
    CHECK(h.Run({"LPOS", "l", "c", "RANK", "9223372036854775807"}) == Nil());
    CHECK(h.Run({"LPOS", "l", "c", "RANK", "-2"}) == Int(6));
  }

  TEST_CASE("LPOS's RANK errors are Redis's") {
    Harness h;
    h.Run({"RPUSH", "l", "a"});
    CHECK(h.Run({"LPOS", "l", "a", "RANK", "0"}) ==
          Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
              "or use negative to start from the end of the list"));
    CHECK(h.Run({"LPOS", "l", "a", "RANK", "-9223372036854775809"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"LPOS", "l", "a", "RANK", "9223372036854775808"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"LPOS", "l", "a", "RANK", "abc"}) ==
          Err("ERR value is not an integer or out of range"));
  }

  TEST_CASE("[B]LMPOP without LEFT|RIGHT after its keys is a syntax error, before any lookup") {
    Harness h;
    h.Run({"SET", "k0", "x"});
    h.Run({"RPUSH", "k1", "a"});
    CHECK(h.Run({"LMPOP", "2", "k0", "k1"}) == Err("ERR syntax error"));
    CHECK(h.Run({"LMPOP", "1", "k1"}) == Err("ERR wrong number of arguments for 'lmpop' command"));
    CHECK(h.Run({"BLMPOP", "0", "2", "k0", "k1"}) == Err("ERR syntax error"));
    CHECK(h.Run({"LMPOP", "3", "k0", "k1", "LEFT"}) == Err("ERR syntax error"));
    CHECK(h.Run({"LMPOP", "2", "k1", "k0", "LEFT"}) == "*2\r\n$2\r\nk1\r\n*1\r\n$1\r\na\r\n");
    CHECK(h.Run({"LMPOP", "2", "k0", "k1", "LEFT"}) ==
          Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
  }
}
