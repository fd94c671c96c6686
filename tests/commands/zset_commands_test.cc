// Sorted-set commands through the in-process harness: ZADD's flags and errors, the ZRANGE
// family against a std:: model (both encodings), the *STORE ending, ZREMRANGEBY*, ZSCAN's
// score text per encoding, and what reaches the write stream. Expected bytes were checked
// against redis-server 7.0.15.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "commands/harness.h"

using namespace basalt;
using namespace basalt::test;

namespace {

// "%.17g" as Redis prints a score in RESP2.
std::string Score(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

// The model: (score, member) pairs in the zset's order.
using Model = std::vector<std::pair<double, std::string>>;

std::string ExpectedRange(const Model& m, size_t from, size_t to, bool reverse, bool scores) {
  std::vector<std::string> items;
  for (size_t i = 0; i < to - from; ++i) {
    const auto& [score, member] = m[reverse ? to - 1 - i : from + i];
    items.push_back(member);
    if (scores) items.push_back(Score(score));
  }
  return BulkArray(items);
}

Model FillRandom(Harness& h, std::mt19937& rng, const std::string& key, int n) {
  Model m;
  for (int i = 0; i < n; ++i) {
    const double score = static_cast<double>(rng() % 20);
    const std::string member = "m" + std::to_string(i);
    REQUIRE(h.Run({"ZADD", key, Score(score), member}) == Int(1));
    m.emplace_back(score, member);
  }
  std::sort(m.begin(), m.end());
  return m;
}

}  // namespace

TEST_SUITE("zset commands") {
  TEST_CASE("ZADD flags, their conflicts and replies") {
    Harness h;
    CHECK(h.Run({"ZADD", "z", "1", "a", "2", "b"}) == Int(2));
    CHECK(h.Run({"ZADD", "z", "CH", "5", "a", "2", "b", "3", "c"}) == Int(2));
    CHECK(h.Run({"ZADD", "z", "GT", "CH", "1", "a", "9", "b"}) == Int(1));
    CHECK(h.Run({"ZSCORE", "z", "a"}) == Bulk("5"));
    CHECK(h.Run({"ZADD", "z", "LT", "INCR", "1", "a"}) == Nil());  // 6 is not less than 5
    CHECK(h.Run({"ZADD", "z", "XX", "INCR", "-1.5", "a"}) == Bulk("3.5"));
    CHECK(h.Run({"ZADD", "z", "NX", "1", "a"}) == Int(0));
    CHECK(h.Run({"ZADD", "nokey", "XX", "1", "a"}) == Int(0));
    CHECK(h.Run({"EXISTS", "nokey"}) == Int(0));
    CHECK(h.Run({"ZADD", "z", "NX", "XX", "1", "a"}) ==
          Err("ERR XX and NX options at the same time are not compatible"));
    CHECK(h.Run({"ZADD", "z", "GT", "LT", "1", "a"}) ==
          Err("ERR GT, LT, and/or NX options at the same time are not compatible"));
    CHECK(h.Run({"ZADD", "z", "INCR", "1", "a", "2", "b"}) ==
          Err("ERR INCR option supports a single increment-element pair"));
    CHECK(h.Run({"ZADD", "z", "NX", "XX"}) == Err("ERR syntax error"));
    CHECK(h.Run({"ZADD", "z", "1", "a", "2"}) == Err("ERR syntax error"));
    CHECK(h.Run({"ZADD", "z", "nan", "a"}) == Err("ERR value is not a valid float"));
    CHECK(h.Run({"ZADD", "z", "1e400", "a"}) == Err("ERR value is not a valid float"));
    CHECK(h.Run({"ZADD", "z", "inf", "x"}) == Int(1));
    CHECK(h.Run({"ZINCRBY", "z", "-inf", "x"}) == Err("ERR resulting score is not a number (NaN)"));
    CHECK(h.Run({"ZSCORE", "z", "x"}) == Bulk("inf"));
  }

  TEST_CASE("ZRANGE by rank, score and lex matches a model in both encodings") {
    for (const int n : {20, 300}) {  // a listpack, then a skiplist (past 128 entries)
      Harness h;
      std::mt19937 rng(n);
      const Model m = FillRandom(h, rng, "z", n);
      CHECK(h.Run({"OBJECT", "ENCODING", "z"}) == Bulk(n > 128 ? "skiplist" : "listpack"));
      for (int round = 0; round < 200; ++round) {
        const double lo = static_cast<double>(rng() % 22) - 1;
        const double hi = lo + static_cast<double>(rng() % 6);
        const bool reverse = rng() % 2 == 0;
        const bool scores = rng() % 2 == 0;
        const int64_t offset = rng() % 4;
        const int64_t count = static_cast<int64_t>(rng() % 5) - 1;
        auto first = std::lower_bound(m.begin(), m.end(), std::make_pair(lo, std::string()));
        auto last = std::upper_bound(m.begin(), m.end(), std::make_pair(hi, std::string("\xff")));
        size_t from = first - m.begin();
        size_t to = std::max<size_t>(from, last - m.begin());
        const size_t skip = std::min<size_t>(to - from, offset);
        const size_t take =
            count < 0 ? to - from - skip : std::min<size_t>(to - from - skip, count);
        reverse ? (to -= skip, from = to - take) : (from += skip, to = from + take);
        std::vector<std::string> args = {
            "ZRANGE",  "z",     Score(reverse ? hi : lo), Score(reverse ? lo : hi),
            "BYSCORE", "LIMIT", std::to_string(offset),   std::to_string(count)};
        if (reverse) args.push_back("REV");
        if (scores) args.push_back("WITHSCORES");
        CHECK(h.Run(args) == ExpectedRange(m, from, to, reverse, scores));
        const auto start = static_cast<int64_t>(rng() % (n + 4)) - 2;
        const auto stop = static_cast<int64_t>(rng() % (n + 4)) - 2;
        // Rank ranges through Redis's clamping.
        int64_t s = start < 0 ? start + n : start;
        int64_t e = stop < 0 ? stop + n : stop;
        s = std::max<int64_t>(s, 0);
        e = std::min<int64_t>(e, n - 1);
        std::string expect = BulkArray({});
        if (s <= e && s < n) {
          expect = reverse ? ExpectedRange(m, n - 1 - e, n - s, true, false)
                           : ExpectedRange(m, s, e + 1, false, false);
        }
        CHECK(h.Run({reverse ? "ZREVRANGE" : "ZRANGE", "z", std::to_string(start),
                     std::to_string(stop)}) == expect);
      }
    }
  }

  TEST_CASE("lex ranges and their argument errors") {
    Harness h;
    REQUIRE(h.Run({"ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d"}) == Int(4));
    CHECK(h.Run({"ZRANGEBYLEX", "z", "[b", "(d"}) == BulkArray({"b", "c"}));
    CHECK(h.Run({"ZREVRANGEBYLEX", "z", "+", "(b", "LIMIT", "1", "1"}) == BulkArray({"c"}));
    CHECK(h.Run({"ZRANGE", "z", "-", "+", "BYLEX", "REV"}) == BulkArray({}));
    CHECK(h.Run({"ZRANGE", "z", "+", "-", "BYLEX", "REV"}) == BulkArray({"d", "c", "b", "a"}));
    CHECK(h.Run({"ZLEXCOUNT", "z", "(a", "+"}) == Int(3));
    CHECK(h.Run({"ZRANGEBYLEX", "z", "b", "+"}) ==
          Err("ERR min or max not valid string range item"));
    CHECK(h.Run({"ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"}) ==
          Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
    CHECK(h.Run({"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}) ==
          Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
              "BYLEX"));
    CHECK(h.Run({"ZRANGEBYSCORE", "z", "0", "1", "REV"}) == Err("ERR syntax error"));
    CHECK(h.Run({"ZRANGEBYSCORE", "z", "x", "1"}) == Err("ERR min or max is not a float"));
    // strtod's view of a bound: "" and "(" are 0, a leading space is skipped.
    CHECK(h.Run({"ZCOUNT", "z", "", "( 0"}) == Int(0));
    CHECK(h.Run({"ZCOUNT", "z", "(", " 0"}) == Int(0));
    CHECK(h.Run({"ZCOUNT", "z", "", "0"}) == Int(4));
  }

  TEST_CASE("RESP3 replies pairs; RESP2 a flat array") {
    Harness h;
    REQUIRE(h.Run({"ZADD", "z", "1.5", "a", "2", "b"}) == Int(2));
    CHECK(h.Run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}) == BulkArray({"a", "1.5", "b", "2"}));
    h.Run({"HELLO", "3"});
    CHECK(h.Run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}) ==
          "*2\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n$1\r\nb\r\n,2\r\n");
    CHECK(h.Run({"ZSCORE", "z", "b"}) == ",2\r\n");
    CHECK(h.Run({"ZMSCORE", "z", "b", "x"}) == "*2\r\n,2\r\n_\r\n");
  }

  TEST_CASE("ZRANGESTORE: the encoding that fits, an empty result deletes the destination") {
    Harness h;
    std::vector<std::string> add = {"ZADD", "src"};
    for (int i = 0; i < 200; ++i) {
      add.push_back(std::to_string(i));
      add.push_back("m" + std::to_string(i));
    }
    REQUIRE(h.Run(add) == Int(200));
    CHECK(h.Run({"ZRANGESTORE", "dst", "src", "0", "9"}) == Int(10));
    CHECK(h.Run({"OBJECT", "ENCODING", "dst"}) == Bulk("listpack"));
    CHECK(h.Run({"ZRANGESTORE", "dst", "src", "0", "149"}) == Int(150));
    CHECK(h.Run({"OBJECT", "ENCODING", "dst"}) == Bulk("skiplist"));
    CHECK(h.Run({"ZRANGESTORE", "dst", "src", "(5", "5", "BYSCORE"}) == Int(0));
    CHECK(h.Run({"EXISTS", "dst"}) == Int(0));
    CHECK(h.Run({"ZRANGESTORE", "dst", "src", "0", "1", "WITHSCORES"}) == Err("ERR syntax error"));
    CHECK(h.Run({"ZRANGESTORE", "dst", "nokey", "0", "1"}) == Int(0));
  }

  TEST_CASE("ZREMRANGEBY* remove the range and the emptied key") {
    Harness h;
    REQUIRE(h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"}) == Int(4));
    CHECK(h.Run({"ZREMRANGEBYRANK", "z", "-1", "-1"}) == Int(1));
    CHECK(h.Run({"ZREMRANGEBYSCORE", "z", "(1", "+inf"}) == Int(2));
    CHECK(h.Run({"ZREMRANGEBYLEX", "z", "-", "+"}) == Int(1));
    CHECK(h.Run({"EXISTS", "z"}) == Int(0));
    CHECK(h.Run({"ZREMRANGEBYRANK", "z", "a", "1"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"ZREMRANGEBYSCORE", "nokey", "0", "1"}) == Int(0));
  }

  TEST_CASE("ZSCAN shows a listpack's stored score text and a skiplist's d2string") {
    Harness h;
    REQUIRE(h.Run({"ZADD", "z", "1e17", "big", "-0", "neg", "0.5", "half"}) == Int(3));
    CHECK(h.Run({"ZSCAN", "z", "0"}) ==
          "*2\r\n$1\r\n0\r\n" +
              BulkArray({"neg", "0", "half", "0.5", "big", "100000000000000000"}));
    REQUIRE(h.Run({"ZADD", "z", "1", std::string(65, 'L')}) == Int(1));
    REQUIRE(h.Run({"ZREM", "z", std::string(65, 'L')}) == Int(1));
    REQUIRE(h.Run({"OBJECT", "ENCODING", "z"}) == Bulk("skiplist"));
    std::vector<std::string> items = ParseBulkArray(
        h.Run({"ZSCAN", "z", "0", "MATCH", "big"}).substr(std::string("*2\r\n$1\r\n0\r\n").size()));
    CHECK(items == std::vector<std::string>{"big", "1e+17"});
  }

  TEST_CASE("the write stream: verbatim changes, nothing for no-ops") {
    Harness h;
    REQUIRE(h.Run({"ZADD", "z", "1", "a"}) == Int(1));
    REQUIRE(h.Run({"ZADD", "z", "1", "a"}) == Int(0));
    REQUIRE(h.Run({"ZADD", "z", "NX", "2", "a"}) == Int(0));
    REQUIRE(h.Run({"ZREM", "z", "nope"}) == Int(0));
    REQUIRE(h.Run({"ZINCRBY", "z", "2", "a"}) == Bulk("3"));
    REQUIRE(h.Run({"ZREMRANGEBYSCORE", "z", "5", "6"}) == Int(0));
    REQUIRE(h.Run({"ZREMRANGEBYSCORE", "z", "0", "6"}) == Int(1));
    CHECK(h.propagated().lines ==
          std::vector<std::string>{"ZADD z 1 a", "ZINCRBY z 2 a", "ZREMRANGEBYSCORE z 0 6"});
  }

  TEST_CASE("WRONGTYPE for every read and write") {
    Harness h;
    REQUIRE(h.Run({"SET", "s", "x"}) == Ok());
    const std::string wrong =
        Err("WRONGTYPE Operation against a key holding the wrong kind of value");
    CHECK(h.Run({"ZADD", "s", "1", "a"}) == wrong);
    CHECK(h.Run({"ZRANGE", "s", "0", "1"}) == wrong);
    CHECK(h.Run({"ZRANGESTORE", "d", "s", "0", "1"}) == wrong);
    CHECK(h.Run({"ZCOUNT", "s", "0", "1"}) == wrong);
    CHECK(h.Run({"ZSCAN", "s", "0"}) == wrong);
    CHECK(h.Run({"ZREMRANGEBYRANK", "s", "0", "1"}) == wrong);
  }
}
