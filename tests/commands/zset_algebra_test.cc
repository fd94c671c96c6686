// Sorted-set algebra (ZUNION ZINTER ZDIFF, their STORE forms, ZINTERCARD): the order inputs are
// combined in, the write stream, and the encoding of stored results. Expectations were checked
// against redis-server 7.0.15.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "commands/harness.h"

using namespace basalt;
using namespace basalt::test;

TEST_SUITE("zset algebra commands") {
  TEST_CASE("inputs are combined smallest first, NaN sums become 0") {
    Harness h;
    REQUIRE(h.Run({"ZADD", "a", "-inf", "m", "1", "x", "2", "y"}) == Int(3));
    REQUIRE(h.Run({"ZADD", "b", "inf", "m"}) == Int(1));
    // b, b, a: inf + inf = inf, then + -inf = NaN -> 0.
    CHECK(h.Run({"ZUNION", "3", "a", "b", "b", "WITHSCORES"}) ==
          BulkArray({"m", "0", "x", "1", "y", "2"}));
    CHECK(h.Run({"ZINTER", "3", "a", "b", "b", "WITHSCORES"}) == BulkArray({"m", "0"}));
    // Weight 0 times inf is 0 for the first input; a later one's NaN is left to the aggregate.
    CHECK(h.Run({"ZINTER", "2", "b", "a", "WEIGHTS", "0", "1", "WITHSCORES"}) ==
          BulkArray({"m", "-inf"}));
    CHECK(h.Run({"ZUNION", "1", "a", "WEIGHTS", "-1", "WITHSCORES"}) ==
          BulkArray({"y", "-2", "x", "-1", "m", "inf"}));
  }

  TEST_CASE("sets are inputs with score 1; other types are WRONGTYPE before options") {
    Harness h;
    REQUIRE(h.Run({"ZADD", "z", "1", "a", "2", "b"}) == Int(2));
    REQUIRE(h.Run({"SADD", "s", "a", "7"}) == Int(2));
    CHECK(h.Run({"ZUNION", "2", "z", "s", "WITHSCORES"}) ==
          BulkArray({"7", "1", "a", "2", "b", "2"}));
    CHECK(h.Run({"ZDIFF", "2", "s", "z", "WITHSCORES"}) == BulkArray({"7", "1"}));
    CHECK(h.Run({"ZINTERCARD", "2", "s", "z"}) == Int(1));
    REQUIRE(h.Run({"SET", "str", "v"}) == Ok());
    CHECK(h.Run({"ZUNION", "2", "z", "str", "WEIGHTS", "x", "y"}) ==
          Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
    CHECK(h.Run({"ZUNION", "2", "z", "s", "WEIGHTS", "1", "WITHSCORES"}) ==
          Err("ERR weight value is not a float"));
    CHECK(h.Run({"ZINTERSTORE", "d", "0", "z"}) ==
          Err("ERR at least 1 input key is needed for 'zinterstore' command"));
    CHECK(h.Run({"ZINTERCARD", "3", "z", "s"}) == Err("ERR syntax error"));
    CHECK(h.Run({"ZINTERCARD", "1", "z", "LIMIT", "x"}) == Err("ERR LIMIT can't be negative"));
  }

  TEST_CASE("STORE forms: verbatim propagation, listpack when the result fits") {
    Harness h;
    REQUIRE(h.Run({"ZADD", "z", "1", "a", "2", "b"}) == Int(2));
    h.propagated().lines.clear();
    CHECK(h.Run({"ZUNIONSTORE", "d", "1", "z", "WEIGHTS", "2"}) == Int(2));
    CHECK(h.Run({"OBJECT", "ENCODING", "d"}) == Bulk("listpack"));
    CHECK(h.Run({"ZSCORE", "d", "b"}) == Bulk("4"));
    CHECK(h.Run({"ZINTERSTORE", "d", "2", "z", "nokey"}) == Int(0));
    CHECK(h.Run({"EXISTS", "d"}) == Int(0));
    CHECK(h.Run({"ZDIFFSTORE", "d", "2", "z", "z"}) == Int(0));  // nothing to delete: no write
    CHECK(h.propagated().lines ==
          std::vector<std::string>{"ZUNIONSTORE d 1 z WEIGHTS 2", "ZINTERSTORE d 2 z nokey"});
    std::vector<std::string> add = {"ZADD", "big"};
    for (int i = 0; i < 200; ++i) {
      add.push_back(std::to_string(i));
      add.push_back("m" + std::to_string(i));
    }
    REQUIRE(h.Run(add) == Int(200));
    CHECK(h.Run({"ZINTERSTORE", "d", "2", "big", "z"}) == Int(0));
    CHECK(h.Run({"ZUNIONSTORE", "d", "2", "big", "z"}) == Int(202));
    CHECK(h.Run({"OBJECT", "ENCODING", "d"}) == Bulk("skiplist"));
    CHECK(h.Run({"ZINTERCARD", "2", "big", "big", "LIMIT", "7"}) == Int(7));
  }
}
