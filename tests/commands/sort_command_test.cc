// SORT and SORT_RO. Expected replies were checked against redis-server 7.0.15.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "commands/harness.h"

using namespace basalt;
using namespace basalt::test;

namespace {

// A list l = 3 1 2 10 and string weights w_<n> = b a c a.
void Fill(Harness& h) {
  h.Run({"RPUSH", "l", "3", "1", "2", "10"});
  h.Run({"MSET", "w_1", "b", "w_2", "a", "w_3", "c", "w_10", "a"});
}

}  // namespace

TEST_SUITE("sort command") {
  TEST_CASE("numeric sort, DESC and LIMIT") {
    Harness h;
    Fill(h);
    CHECK(h.Run({"SORT", "l"}) == BulkArray({"1", "2", "3", "10"}));
    CHECK(h.Run({"SORT", "l", "DESC"}) == BulkArray({"10", "3", "2", "1"}));
    CHECK(h.Run({"SORT", "l", "desc", "limit", "1", "2"}) == BulkArray({"3", "2"}));
    CHECK(h.Run({"SORT", "l", "LIMIT", "-1", "2"}) == BulkArray({"1", "2"}));
    CHECK(h.Run({"SORT", "l", "LIMIT", "2", "-5"}) == BulkArray({"3", "10"}));
    CHECK(h.Run({"SORT", "l", "LIMIT", "10", "1"}) == "*0\r\n");
    CHECK(h.Run({"SORT", "l", "LIMIT", "0", "0"}) == "*0\r\n");
    CHECK(h.Run({"SORT_RO", "l", "ALPHA"}) == BulkArray({"1", "10", "2", "3"}));
  }

  TEST_CASE("BY a constant keeps the list order, reversed by DESC, windowed by LIMIT") {
    Harness h;
    Fill(h);
    CHECK(h.Run({"SORT", "l", "BY", "nosort"}) == BulkArray({"3", "1", "2", "10"}));
    CHECK(h.Run({"SORT", "l", "BY", "nosort", "DESC"}) == BulkArray({"10", "2", "1", "3"}));
    CHECK(h.Run({"SORT", "l", "BY", "nosort", "LIMIT", "1", "2", "DESC"}) == BulkArray({"2", "1"}));
    // Non-numbers are never parsed when nothing is sorted.
    h.Run({"RPUSH", "bad", "1", "x"});
    CHECK(h.Run({"SORT", "bad", "BY", "nosort"}) == BulkArray({"1", "x"}));
  }

  TEST_CASE("BY pattern: string weights, hash fields, ALPHA ties keep the source order") {
    Harness h;
    Fill(h);
    CHECK(h.Run({"SORT", "l", "BY", "w_*", "ALPHA"}) == BulkArray({"2", "10", "1", "3"}));
    CHECK(h.Run({"SORT", "l", "BY", "w_*"}) ==
          Err("ERR One or more scores can't be converted into double"));
    h.Run({"HSET", "o_1", "n", "30"});
    h.Run({"HSET", "o_3", "n", "-1"});
    // Missing weights are 0; equal weights order by the element (binary).
    CHECK(h.Run({"SORT", "l", "BY", "o_*->n"}) == BulkArray({"3", "10", "2", "1"}));
    CHECK(h.Run({"SORT", "l", "BY", "o_*->n", "DESC"}) == BulkArray({"1", "2", "10", "3"}));
  }

  TEST_CASE("GET patterns: #, strings, hash fields, missing values are nil") {
    Harness h;
    Fill(h);
    h.Run({"HSET", "o_2", "f", "two"});
    CHECK(h.Run({"SORT", "l", "LIMIT", "0", "2", "GET", "#", "GET", "w_*", "GET", "fixed", "GET",
                 "o_*->f"}) ==
          "*8\r\n$1\r\n1\r\n$1\r\nb\r\n$-1\r\n$-1\r\n"
          "$1\r\n2\r\n$1\r\na\r\n$-1\r\n$3\r\ntwo\r\n");
  }

  TEST_CASE("STORE writes a list, replies the count, deletes on an empty result") {
    Harness h;
    Fill(h);
    h.Run({"SET", "dst", "x", "EX", "100"});
    CHECK(h.Run({"SORT", "l", "DESC", "STORE", "dst"}) == Int(4));
    CHECK(h.Run({"TYPE", "dst"}) == Simple("list"));
    CHECK(h.Run({"TTL", "dst"}) == Int(-1));
    CHECK(h.Run({"LRANGE", "dst", "0", "-1"}) == BulkArray({"10", "3", "2", "1"}));
    CHECK(h.Run({"SORT", "l", "GET", "nope_*", "LIMIT", "0", "1", "STORE", "dst"}) == Int(1));
    CHECK(h.Run({"LRANGE", "dst", "0", "-1"}) == BulkArray({""}));
    CHECK(h.Run({"SORT", "l", "LIMIT", "5", "5", "STORE", "dst"}) == Int(0));
    CHECK(h.Run({"EXISTS", "dst"}) == Int(0));
    CHECK(h.Run({"SORT", "missing", "STORE", "dst"}) == Int(0));
  }

  TEST_CASE("STORE is propagated as sent, only when it changed something") {
    Harness h;
    Fill(h);
    h.propagated().lines.clear();
    h.Run({"SORT", "l", "STORE", "dst"});
    h.Run({"SORT", "missing", "STORE", "none"});
    h.Run({"SORT", "l"});
    CHECK(h.propagated().lines == std::vector<std::string>{"SORT l STORE dst"});
  }

  TEST_CASE("sets: sorted as asked; BY nosort with STORE sorts ALPHA for determinism") {
    Harness h;
    h.Run({"SADD", "s", "b", "c", "a"});
    CHECK(h.Run({"SORT", "s", "ALPHA"}) == BulkArray({"a", "b", "c"}));
    CHECK(h.Run({"SORT", "s", "ALPHA", "DESC", "LIMIT", "0", "2"}) == BulkArray({"c", "b"}));
    CHECK(h.Run({"SORT", "s", "BY", "nosort", "DESC", "STORE", "d"}) == Int(3));
    CHECK(h.Run({"LRANGE", "d", "0", "-1"}) == BulkArray({"c", "b", "a"}));
    h.Run({"SADD", "ints", "5", "-1", "3"});
    CHECK(h.Run({"SORT", "ints"}) == BulkArray({"-1", "3", "5"}));
  }

  TEST_CASE("weights are read like strtod") {
    Harness h;
    h.Run({"RPUSH", "sp", " 1", "0x10", "inf", "", "-inf"});
    CHECK(h.Run({"SORT", "sp"}) == BulkArray({"-inf", "", " 1", "0x10", "inf"}));
    for (const char* bad : {"1e400", "1e-310", "nan", "1x", " "}) {
      h.Run({"DEL", "b"});
      h.Run({"RPUSH", "b", "1", bad});
      CHECK(h.Run({"SORT", "b"}) == Err("ERR One or more scores can't be converted into double"));
    }
  }

  TEST_CASE("errors: syntax, LIMIT numbers, SORT_RO refuses STORE, WRONGTYPE after options") {
    Harness h;
    Fill(h);
    h.Run({"SET", "str", "x"});
    CHECK(h.Run({"SORT", "l", "bogus"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SORT", "l", "LIMIT", "1"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SORT", "l", "LIMIT", "a", "1"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"SORT", "l", "STORE"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SORT_RO", "l", "STORE", "x"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SORT", "str"}) ==
          Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
    CHECK(h.Run({"SORT", "str", "bogus"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SORT", "missing"}) == "*0\r\n");
    CHECK(h.Run({"SORT"}) == Err("ERR wrong number of arguments for 'sort' command"));
  }

  TEST_CASE("ALPHA without STORE compares like strcoll (up to a NUL), with STORE binary") {
    Harness h;
    h.Run({"RPUSH", "n", std::string("a\0b", 3), std::string("a\0a", 3), "a"});
    // Without STORE all three compare equal and keep the list order.
    CHECK(h.Run({"SORT", "n", "ALPHA"}) ==
          BulkArray({std::string("a\0b", 3), std::string("a\0a", 3), "a"}));
    CHECK(h.Run({"SORT", "n", "ALPHA", "STORE", "d"}) == Int(3));
    CHECK(h.Run({"LRANGE", "d", "0", "-1"}) ==
          BulkArray({"a", std::string("a\0a", 3), std::string("a\0b", 3)}));
  }

  TEST_CASE("keyspace events: sortstore; new only for a new destination; del when emptied") {
    Harness h;
    Fill(h);
    h.Run({"CONFIG", "SET", "notify-keyspace-events", "KEAn"});
    TestSession& sub = h.NewSession();
    h.RunAs(sub, {"PSUBSCRIBE", "__keyevent@0__:*"});
    h.Run({"SET", "dst", "x"});
    sub.TakePushed();
    h.Run({"SORT", "l", "STORE", "dst"});
    std::string events = sub.TakePushed();
    CHECK(events.find("__keyevent@0__:sortstore") != std::string::npos);
    CHECK(events.find("__keyevent@0__:new") == std::string::npos);  // overwritten, not added
    h.Run({"SORT", "l", "STORE", "fresh"});
    events = sub.TakePushed();
    CHECK(events.find("__keyevent@0__:new") < events.find("__keyevent@0__:sortstore"));
    h.Run({"SORT", "l", "LIMIT", "9", "9", "STORE", "dst"});
    CHECK(sub.TakePushed().find("__keyevent@0__:del") != std::string::npos);
  }

  TEST_CASE("SORT converts a listpack zset to a skiplist without breaking a WATCH") {
    Harness h;
    REQUIRE(h.Run({"ZADD", "z", "2", "b", "1", "a"}) == Int(2));
    REQUIRE(h.Run({"WATCH", "z"}) == Ok());
    CHECK(h.Run({"SORT_RO", "z", "ALPHA"}) == BulkArray({"a", "b"}));
    CHECK(h.Run({"OBJECT", "ENCODING", "z"}) == Bulk("skiplist"));
    REQUIRE(h.Run({"MULTI"}) == Ok());
    REQUIRE(h.Run({"PING"}) == "+QUEUED\r\n");
    CHECK(h.Run({"EXEC"}) == "*1\r\n+PONG\r\n");
  }
}
