// Streams through the in-process harness, with a manual clock: generated IDs, what reaches the
// write stream (generated IDs and "~" trims made exact, deliveries as XCLAIM, NOACK as XGROUP
// SETID, nothing for reads), the events, and blocked readers (XREAD / XREADGROUP) woken, timed
// out and ended with Redis's errors. Reply bytes are compared with redis-server 7.0.15 by
// tests/integration/test_streams.py.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "clients/registries.h"
#include "commands/harness.h"

using namespace basalt;
using namespace basalt::test;

namespace {

void Tick(Harness& h) { h.core().registries().blocked.Tick(h.clock().NowMs()); }

// An entry reply [id, [field, value]].
std::string Entry(std::string_view id, std::string_view field, std::string_view value) {
  return "*2\r\n" + Bulk(id) + "*2\r\n" + Bulk(field) + Bulk(value);
}

// XREAD's RESP2 answer for one stream.
std::string OneStream(std::string_view key, const std::vector<std::string>& entries) {
  std::string out = "*1\r\n*2\r\n" + Bulk(key) + "*" + std::to_string(entries.size()) + "\r\n";
  for (const std::string& e : entries) out += e;
  return out;
}

}  // namespace

TEST_SUITE("stream commands") {
  TEST_CASE("generated IDs follow the clock and never go back; they are propagated as made") {
    Harness h;
    h.clock().SetMs(1000);
    CHECK(h.Run({"XADD", "s", "*", "f", "v"}) == Bulk("1000-0"));
    CHECK(h.Run({"XADD", "s", "*", "f", "v"}) == Bulk("1000-1"));
    h.clock().SetMs(900);  // the clock went back: the sequence goes on
    CHECK(h.Run({"XADD", "s", "*", "f", "v"}) == Bulk("1000-2"));
    CHECK(h.Run({"XADD", "s", "1000-*", "f", "v"}) == Bulk("1000-3"));
    CHECK(h.Run({"XADD", "s", "2000", "f", "v"}) == Bulk("2000-0"));
    CHECK(h.Run({"XADD", "s", "03000-01", "f", "v"}) == Bulk("3000-1"));
    CHECK(h.propagated().lines ==
          std::vector<std::string>{"XADD s 1000-0 f v", "XADD s 1000-1 f v", "XADD s 1000-2 f v",
                                   "XADD s 1000-3 f v", "XADD s 2000 f v", "XADD s 03000-01 f v"});
  }

  TEST_CASE("an approximate trim is propagated as the exact one it was") {
    Harness h;
    REQUIRE(h.Run({"CONFIG", "SET", "stream-node-max-entries", "10"}) == Ok());
    for (int i = 1; i <= 100; ++i) h.Run({"XADD", "s", std::to_string(i), "f", "v"});
    h.propagated().lines.clear();
    CHECK(h.Run({"XADD", "s", "MAXLEN", "~", "25", "101", "f", "v"}) == Bulk("101-0"));
    CHECK(h.Run({"XLEN", "s"}) == Int(31));
    CHECK(h.Run({"XTRIM", "s", "MINID", "~", "15"}) == Int(0));  // no whole node below 15
    CHECK(h.Run({"XTRIM", "s", "MINID", "~", "85"}) == Int(10));
    CHECK(h.Run({"XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "10"}) == Int(10));
    CHECK(h.Run({"XTRIM", "s", "MAXLEN", "5"}) == Int(6));
    CHECK(h.propagated().lines ==
          std::vector<std::string>{"XADD s MAXLEN = 31 101 f v", "XTRIM s MINID = 81-0",
                                   "XTRIM s MAXLEN = 11 LIMIT 10", "XTRIM s MAXLEN 5"});
  }

  TEST_CASE("a primary's or the AOF's XADD may carry LIMIT without ~") {
    Harness h;
    h.session().replays_aof = true;
    CHECK(h.Run({"XADD", "s", "MAXLEN", "=", "1", "LIMIT", "5", "1-1", "f", "v"}) == Bulk("1-1"));
    h.session().replays_aof = false;
    CHECK(h.Run({"XADD", "s", "MAXLEN", "=", "1", "LIMIT", "5", "1-2", "f", "v"}) ==
          Err("ERR syntax error, LIMIT cannot be used without the special ~ option"));
  }

  TEST_CASE("XREADGROUP deliveries become XCLAIMs; NOACK an XGROUP SETID; history reads nothing") {
    Harness h;
    h.clock().SetMs(5000);
    h.Run({"XADD", "s", "1-1", "f", "a"});
    h.Run({"XADD", "s", "1-2", "f", "b"});
    h.Run({"XADD", "s", "1-3", "f", "c"});
    REQUIRE(h.Run({"XGROUP", "CREATE", "s", "g", "0"}) == Ok());
    h.propagated().lines.clear();
    CHECK(h.Run({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"}) ==
          OneStream("s", {Entry("1-1", "f", "a"), Entry("1-2", "f", "b")}));
    CHECK(h.Run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"}) ==
          OneStream("s", {Entry("1-1", "f", "a"), Entry("1-2", "f", "b")}));
    CHECK(h.Run({"XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">"}) ==
          OneStream("s", {Entry("1-3", "f", "c")}));
    CHECK(h.Run({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}) == NilArray());
    CHECK(h.propagated().lines ==
          std::vector<std::string>{
              "MULTI", "XCLAIM s g alice 0 1-1 TIME 5000 RETRYCOUNT 1 FORCE JUSTID LASTID 1-1",
              "XCLAIM s g alice 0 1-2 TIME 5000 RETRYCOUNT 1 FORCE JUSTID LASTID 1-2", "EXEC",
              "MULTI", "XGROUP CREATECONSUMER s g bob", "XGROUP SETID s g 1-3 ENTRIESREAD 3",
              "EXEC"});
    // The history read counted both as delivered again (and propagated nothing).
    CHECK(h.Run({"XPENDING", "s", "g", "-", "+", "10"}) ==
          "*2\r\n*4\r\n" + Bulk("1-1") + Bulk("alice") + Int(0) + Int(2) + "*4\r\n" + Bulk("1-2") +
              Bulk("alice") + Int(0) + Int(2));
  }

  TEST_CASE("claims: idle times from the clock, deleted entries dropped and propagated") {
    Harness h;
    h.clock().SetMs(10'000);
    h.Run({"XADD", "s", "1-1", "f", "a"});
    h.Run({"XADD", "s", "1-2", "f", "b"});
    h.Run({"XGROUP", "CREATE", "s", "g", "0"});
    h.Run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
    h.clock().AdvanceMs(500);
    CHECK(h.Run({"XCLAIM", "s", "g", "bob", "1000", "1-1", "JUSTID"}) == "*0\r\n");
    CHECK(h.Run({"XCLAIM", "s", "g", "bob", "400", "1-1", "JUSTID"}) == BulkArray({"1-1"}));
    REQUIRE(h.Run({"XDEL", "s", "1-2"}) == Int(1));
    h.propagated().lines.clear();
    CHECK(h.Run({"XAUTOCLAIM", "s", "g", "carol", "0", "0"}) ==
          "*3\r\n" + Bulk("0-0") + "*1\r\n" + Entry("1-1", "f", "a") + BulkArray({"1-2"}));
    CHECK(h.propagated().lines ==
          std::vector<std::string>{
              "MULTI", "XCLAIM s g carol 0 1-1 TIME 10500 RETRYCOUNT 2 FORCE JUSTID LASTID 1-2",
              "XCLAIM s g alice 0 1-2 TIME 10000 RETRYCOUNT 1 FORCE JUSTID LASTID 1-2", "EXEC"});
    CHECK(h.Run({"XPENDING", "s", "g"}) ==
          "*4\r\n:1\r\n" + Bulk("1-1") + Bulk("1-1") + "*1\r\n*2\r\n" + Bulk("carol") + Bulk("1"));
  }

  TEST_CASE("the events") {
    Harness h;
    REQUIRE(h.Run({"CONFIG", "SET", "notify-keyspace-events", "KEA"}) == Ok());
    TestSession& watcher = h.NewSession();
    h.RunAs(watcher, {"PSUBSCRIBE", "__keyevent@0__:*"});
    watcher.TakePushed();
    h.Run({"XADD", "s", "MAXLEN", "1", "1-1", "f", "v"});
    h.Run({"XADD", "s", "MAXLEN", "1", "1-2", "f", "v"});
    h.Run({"XDEL", "s", "1-2"});
    h.Run({"XSETID", "s", "5-0"});
    h.Run({"XGROUP", "CREATE", "s", "g", "$"});
    h.Run({"XGROUP", "CREATECONSUMER", "s", "g", "c"});
    h.Run({"XGROUP", "SETID", "s", "g", "0"});
    h.Run({"XGROUP", "DELCONSUMER", "s", "g", "c"});
    h.Run({"XGROUP", "DESTROY", "s", "g"});
    const std::string pushed = watcher.TakePushed();
    size_t at = 0;
    for (std::string_view event :
         {"xadd", "xadd", "xtrim", "xdel", "xsetid", "xgroup-create", "xgroup-createconsumer",
          "xgroup-setid", "xgroup-delconsumer", "xgroup-destroy"}) {
      at = pushed.find("__keyevent@0__:" + std::string(event) + "\r\n", at);
      CHECK_MESSAGE(at != std::string::npos, event);
      if (at == std::string::npos) break;
      ++at;
    }
  }

  TEST_CASE("XREAD BLOCK: $ is the last ID when it blocked; served by a later XADD only") {
    Harness h;
    h.Run({"XADD", "s", "5-0", "f", "old"});
    TestSession& reader = h.NewSession();
    CHECK(h.RunAs(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "t", "$", "$"}).empty());
    CHECK(reader.blocked);
    h.Run({"XADD", "s", "4-0", "f", "x"}).size();  // refused: smaller than the top
    h.Run({"DEL", "t"});
    h.Run({"SET", "t", "string"});
    CHECK(reader.blocked);
    h.Run({"DEL", "t"});
    h.Run({"XADD", "t", "1-0", "f", "new"});
    CHECK_FALSE(reader.blocked);
    CHECK(reader.TakePushed() == OneStream("t", {Entry("1-0", "f", "new")}));
    // Served with an empty list when the entry went at once, as Redis does.
    CHECK(h.RunAs(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}).empty());
    h.Run({"XADD", "s", "MAXLEN", "0", "6-0", "f", "v"});
    CHECK(reader.TakePushed() == OneStream("s", {}));
  }

  TEST_CASE("XREAD BLOCK times out with a null array; inside MULTI it does not block") {
    Harness h;
    TestSession& reader = h.NewSession();
    h.clock().SetMs(1000);
    CHECK(h.RunAs(reader, {"XREAD", "BLOCK", "100", "STREAMS", "s", "$"}).empty());
    h.clock().AdvanceMs(100);
    Tick(h);
    CHECK(reader.TakePushed() == NilArray());
    REQUIRE(h.Run({"MULTI"}) == Ok());
    REQUIRE(h.Run({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) == "*1\r\n" + NilArray());
  }

  TEST_CASE("XREADGROUP BLOCK: served by XADD, ended by DEL or DESTROY, not woken by SETID") {
    Harness h;
    h.clock().SetMs(7000);
    h.Run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    TestSession& reader = h.NewSession();
    CHECK(h.RunAs(reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"})
              .empty());
    h.propagated().lines.clear();
    h.Run({"XADD", "s", "1-0", "f", "v"});
    CHECK(reader.TakePushed() == OneStream("s", {Entry("1-0", "f", "v")}));
    CHECK(
        h.propagated().lines ==
        std::vector<std::string>{
            "XADD s 1-0 f v", "XCLAIM s g c 0 1-0 TIME 7000 RETRYCOUNT 1 FORCE JUSTID LASTID 1-0"});
    CHECK(h.RunAs(reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"})
              .empty());
    h.Run({"XGROUP", "SETID", "s", "g", "0"});
    h.Run({"XTRIM", "s", "MAXLEN", "0"});
    CHECK(reader.blocked);
    h.Run({"DEL", "s"});
    CHECK(reader.TakePushed() == Err("UNBLOCKED the stream key no longer exists"));
    h.Run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    CHECK(h.RunAs(reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"})
              .empty());
    h.Run({"XGROUP", "DESTROY", "s", "g"});
    CHECK(reader.TakePushed() ==
          Err("NOGROUP the consumer group this client was blocked on no longer exists"));
    h.Run({"XGROUP", "CREATE", "s", "g", "$"});
    CHECK(h.RunAs(reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"})
              .empty());
    h.Run({"FLUSHALL"});
    CHECK(reader.TakePushed() == Err("UNBLOCKED the stream key no longer exists"));
  }

  TEST_CASE("extreme times and counters wrap as in Redis, with no undefined behaviour") {
    Harness h;
    h.clock().SetMs(1000);
    h.Run({"XADD", "s", "1-0", "f", "v"});
    h.Run({"XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "9223372036854775807"});
    h.Run({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
    CHECK(h.Run({"XCLAIM", "s", "g", "c", "0", "1-0", "IDLE", "-9223372036854775808", "JUSTID"}) ==
          BulkArray({"1-0"}));
    CHECK(h.Run({"XSETID", "s", "1-0", "ENTRIESADDED", "9223372036854775807"}) == Ok());
    CHECK(h.Run({"XINFO", "GROUPS", "s"}).find("lag") != std::string::npos);
    CHECK(h.Run({"XPENDING", "s", "g", "-", "+", "10"}).find("1-0") != std::string::npos);
    // The last possible ID is Redis's own mark for ">".
    CHECK(h.Run({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s",
                 "18446744073709551615-18446744073709551615"}) == NilArray());
  }
}
