// GET, SET and its options, SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX, MGET, MSET, MSETNX.
// Expected bytes and error texts were checked against redis-server 7.0.15.
#include <doctest/doctest.h>

#include <string>

#include "commands/harness.h"
#include "commands/string_test_helpers.h"

using namespace basalt::test;

namespace {

constexpr int64_t kStart = 1'700'000'000'000;  // the ManualClock's initial time (ms)

std::string InvalidExpire(std::string_view cmd) {
  return Err("ERR invalid expire time in '" + std::string(cmd) + "' command");
}

}  // namespace

TEST_SUITE("string commands") {
  TEST_CASE("GET returns the value, nil for a missing key, WRONGTYPE for other types") {
    Harness h;
    CHECK(h.Run({"GET", "k"}) == Nil());
    CHECK(h.Run({"SET", "k", "v"}) == Ok());
    CHECK(h.Run({"GET", "k"}) == Bulk("v"));
    PutList(h, "l");
    CHECK(h.Run({"GET", "l"}) == Err(kWrongType));
  }

  TEST_CASE("GET replies RESP3 null to RESP3 clients") {
    Harness h;
    h.session().resp = 3;
    CHECK(h.Run({"GET", "k"}) == "_\r\n");
  }

  TEST_CASE("GET counts keyspace hits and misses") {
    Harness h;
    auto& stats = h.keyspace().stats();
    h.Run({"SET", "k", "v"});
    h.Run({"GET", "k"});
    h.Run({"GET", "nope"});
    h.Run({"GET", "nope"});
    CHECK(stats.keyspace_hits == 1);
    CHECK(stats.keyspace_misses == 2);
  }

  TEST_CASE("values are binary safe") {
    Harness h;
    std::string value("a\0b\r\nc", 6);
    std::string key("k\0\n", 3);
    CHECK(h.Run({"SET", key, value}) == Ok());
    CHECK(h.Run({"GET", key}) == Bulk(value));
    CHECK(h.Run({"GET", "k"}) == Nil());
  }

  TEST_CASE("SET of an empty value stores an empty string") {
    Harness h;
    CHECK(h.Run({"SET", "k", ""}) == Ok());
    CHECK(h.Run({"GET", "k"}) == Bulk(""));
  }

  TEST_CASE("SET replaces values across the inline/heap size boundary") {
    Harness h;
    for (size_t len : {0, 1, 127, 128, 129, 300, 5000, 100, 3}) {
      std::string value(len, 'x');
      if (len > 0) value[len - 1] = 'y';
      CHECK(h.Run({"SET", "k", value}) == Ok());
      CHECK(h.Run({"GET", "k"}) == Bulk(value));
    }
  }

  TEST_CASE("SET overwrites a key of another type") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"SET", "l", "v"}) == Ok());
    CHECK(h.Run({"GET", "l"}) == Bulk("v"));
  }

  TEST_CASE("SET clears an existing TTL and KEEPTTL keeps it") {
    Harness h;
    h.Run({"SET", "k", "v", "EX", "100"});
    CHECK(StoredExpireAt(h, "k") == kStart + 100'000);
    CHECK(h.Run({"SET", "k", "w", "KEEPTTL"}) == Ok());
    CHECK(StoredExpireAt(h, "k") == kStart + 100'000);
    CHECK(h.Run({"GET", "k"}) == Bulk("w"));
    CHECK(h.Run({"SET", "k", "x"}) == Ok());
    CHECK(StoredExpireAt(h, "k") == -1);
    CHECK(h.Run({"SET", "new", "x", "KEEPTTL"}) == Ok());
    CHECK(StoredExpireAt(h, "new") == -1);
  }

  TEST_CASE("SET EX expires after the clock advances") {
    Harness h;
    CHECK(h.Run({"SET", "k", "v", "EX", "10"}) == Ok());
    h.clock().AdvanceMs(10'000);
    CHECK(h.Run({"GET", "k"}) == Bulk("v"));  // the deadline itself is still alive
    h.clock().AdvanceMs(1);
    CHECK(h.Run({"GET", "k"}) == Nil());
    CHECK_FALSE(Stored(h, "k"));
  }

  TEST_CASE("SET PX, EXAT and PXAT store absolute deadlines") {
    Harness h;
    h.Run({"SET", "a", "v", "PX", "1500"});
    h.Run({"SET", "b", "v", "EXAT", "1800000000"});
    h.Run({"SET", "c", "v", "PXAT", "1800000000123"});
    h.Run({"SET", "d", "v", "ex", "3"});
    CHECK(StoredExpireAt(h, "a") == kStart + 1500);
    CHECK(StoredExpireAt(h, "b") == 1'800'000'000'000);
    CHECK(StoredExpireAt(h, "c") == 1'800'000'000'123);
    CHECK(StoredExpireAt(h, "d") == kStart + 3000);
    h.clock().AdvanceMs(1501);
    CHECK(h.Run({"GET", "a"}) == Nil());
    CHECK(h.Run({"GET", "d"}) == Bulk("v"));
  }

  TEST_CASE("SET with an absolute time in the past stores a key that is already gone") {
    Harness h;
    CHECK(h.Run({"SET", "k", "v", "EXAT", "1"}) == Ok());
    CHECK(Propagated(h).back() == "SET k v PXAT 1000");
    CHECK(h.Run({"GET", "k"}) == Nil());
    CHECK(Propagated(h).back() == "DEL k");
  }

  TEST_CASE("SET repeated options are allowed and the last expire wins") {
    Harness h;
    CHECK(h.Run({"SET", "k", "v", "EX", "10", "EX", "20"}) == Ok());
    CHECK(StoredExpireAt(h, "k") == kStart + 20'000);
    CHECK(h.Run({"SET", "k", "v", "XX", "XX"}) == Ok());
    CHECK(h.Run({"SET", "k", "v", "NX", "NX"}) == Nil());
    CHECK(h.Run({"SET", "k", "v", "EX", "10", "EX", "abc"}) ==
          Err("ERR value is not an integer or out of range"));
  }

  TEST_CASE("SET conflicting or unknown options are a syntax error") {
    Harness h;
    const std::string syntax = Err("ERR syntax error");
    for (auto args : std::vector<std::vector<std::string>>{
             {"SET", "k", "v", "NX", "XX"},
             {"SET", "k", "v", "XX", "NX"},
             {"SET", "k", "v", "EX", "10", "PX", "20"},
             {"SET", "k", "v", "PXAT", "10", "EXAT", "20"},
             {"SET", "k", "v", "EX"},
             {"SET", "k", "v", "KEEPTTL", "EX", "1"},
             {"SET", "k", "v", "PX", "1", "KEEPTTL"},
             {"SET", "k", "v", "PERSIST"},
             {"SET", "k", "v", "foo"},
             {"SET", "k", "v", "NXX"},
             // Options are all parsed before any value is checked.
             {"SET", "k", "v", "EX", "abc", "NX", "XX"},
             {"SET", "k", "v", "EX", "0", "foo"},
         }) {
      CAPTURE(args.size());
      CHECK(h.Run(args) == syntax);
    }
    CHECK(h.Run({"GET", "k"}) == Nil());
    CHECK(Propagated(h).empty());
  }

  TEST_CASE("SET rejects non-positive and overflowing expire times") {
    Harness h;
    CHECK(h.Run({"SET", "k", "v", "EX", "0"}) == InvalidExpire("set"));
    CHECK(h.Run({"SET", "k", "v", "EX", "-1"}) == InvalidExpire("set"));
    CHECK(h.Run({"SET", "k", "v", "PX", "0"}) == InvalidExpire("set"));
    CHECK(h.Run({"SET", "k", "v", "PXAT", "-5"}) == InvalidExpire("set"));
    CHECK(h.Run({"SET", "k", "v", "EX", "9223372036854775807"}) == InvalidExpire("set"));
    CHECK(h.Run({"SET", "k", "v", "EX", "9223372036854776"}) == InvalidExpire("set"));
    CHECK(h.Run({"SET", "k", "v", "EXAT", "9223372036854776"}) == InvalidExpire("set"));
    CHECK(h.Run({"SET", "k", "v", "PX", "9223372036854775807"}) == InvalidExpire("set"));
    CHECK(h.Run({"SET", "k", "v", "EX", "abc"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"SET", "k", "v", "EX", "+1"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"GET", "k"}) == Nil());
    // The largest representable deadlines are accepted.
    CHECK(h.Run({"SET", "k", "v", "PXAT", "9223372036854775807"}) == Ok());
    CHECK(h.Run({"SET", "k", "v", "EXAT", "9223372036854775"}) == Ok());
    CHECK(StoredExpireAt(h, "k") == 9'223'372'036'854'775'000);
    CHECK(h.Run({"SET", "k", "v", "EX", "9223372036854"}) == Ok());
    CHECK(StoredExpireAt(h, "k") == 9'223'372'036'854'000 + kStart);
  }

  TEST_CASE("SET NX and XX set only when the key is absent or present") {
    Harness h;
    CHECK(h.Run({"SET", "k", "v", "XX"}) == Nil());
    CHECK(h.Run({"GET", "k"}) == Nil());
    CHECK(h.Run({"SET", "k", "v", "NX"}) == Ok());
    CHECK(h.Run({"SET", "k", "w", "nx"}) == Nil());
    CHECK(h.Run({"GET", "k"}) == Bulk("v"));
    CHECK(h.Run({"SET", "k", "w", "xx"}) == Ok());
    CHECK(h.Run({"GET", "k"}) == Bulk("w"));
    // A key of another type counts as present.
    PutList(h, "l");
    CHECK(h.Run({"SET", "l", "v", "NX"}) == Nil());
  }

  TEST_CASE("SET NX treats an expired key as absent") {
    Harness h;
    h.Run({"SET", "k", "v", "PX", "100"});
    h.clock().AdvanceMs(101);
    h.propagated().lines.clear();
    CHECK(h.Run({"SET", "k", "w", "NX"}) == Ok());
    CHECK(Propagated(h) == std::vector<std::string>{"MULTI", "DEL k", "SET k w NX", "EXEC"});
  }

  TEST_CASE("SET NX fails with a RESP3 null for RESP3 clients") {
    Harness h;
    h.session().resp = 3;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"SET", "k", "v", "NX"}) == "_\r\n");
  }

  TEST_CASE("SET GET returns the old value") {
    Harness h;
    CHECK(h.Run({"SET", "k", "a", "GET"}) == Nil());
    CHECK(h.Run({"SET", "k", "b", "GET"}) == Bulk("a"));
    CHECK(h.Run({"GET", "k"}) == Bulk("b"));
  }

  TEST_CASE("SET GET on another type is WRONGTYPE and changes nothing") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"SET", "l", "v", "GET"}) == Err(kWrongType));
    CHECK(h.Run({"SET", "l", "v", "NX", "GET"}) == Err(kWrongType));
    CHECK(h.Run({"SET", "l", "v", "XX", "GET", "EX", "5"}) == Err(kWrongType));
    CHECK(h.Run({"GET", "l"}) == Err(kWrongType));
    CHECK(Propagated(h).empty());
  }

  TEST_CASE("SET GET checks the expire time before the type") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"SET", "l", "v", "GET", "EX", "0"}) == InvalidExpire("set"));
  }

  TEST_CASE("SET NX GET is allowed since 7.0") {
    Harness h;
    CHECK(h.Run({"SET", "k", "a", "NX", "GET"}) == Nil());
    CHECK(h.Run({"GET", "k"}) == Bulk("a"));
    CHECK(h.Run({"SET", "k", "b", "NX", "GET"}) == Bulk("a"));
    CHECK(h.Run({"GET", "k"}) == Bulk("a"));
    CHECK(h.Run({"SET", "x", "b", "XX", "GET"}) == Nil());
    CHECK(h.Run({"GET", "x"}) == Nil());
  }

  TEST_CASE("SET GET counts a keyspace hit or miss") {
    Harness h;
    auto& stats = h.keyspace().stats();
    h.Run({"SET", "k", "a", "GET"});
    h.Run({"SET", "k", "b", "GET"});
    CHECK(stats.keyspace_misses == 1);
    CHECK(stats.keyspace_hits == 1);
  }

  TEST_CASE("SET propagation rewrites relative and second-based expiry to PXAT") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"SET", "k", "v", "EX", "100"});
    h.Run({"SET", "k", "v", "px", "1500"});
    h.Run({"SET", "k", "v", "EXAT", "1800000000"});
    h.Run({"SET", "k", "v", "PXAT", "1800000000123"});
    h.Run({"SET", "k", "v", "XX", "GET", "EX", "100"});
    h.Run({"SET", "k", "v", "XX", "GET", "PXAT", "1800000000123"});
    h.Run({"SET", "k", "v", "KEEPTTL", "XX"});
    CHECK(Propagated(h) == std::vector<std::string>{
                               "SET k v",
                               "SET k v PXAT 1700000100000",
                               "SET k v PXAT 1700000001500",
                               "SET k v PXAT 1800000000000",
                               "SET k v PXAT 1800000000123",
                               "SET k v PXAT 1700000100000",
                               "SET k v PXAT 1800000000123",
                               "SET k v KEEPTTL XX",
                           });
  }

  TEST_CASE("SET GET is propagated without its GET options") {
    Harness h;
    h.Run({"SET", "k", "v", "XX", "GET", "get", "KEEPTTL"});  // not set: XX on a missing key
    h.Run({"SET", "k", "v", "GET", "GET"});
    h.Run({"SET", "k", "w", "GeT", "XX", "KEEPTTL"});
    CHECK(Propagated(h) == std::vector<std::string>{"SET k v", "SET k w XX KEEPTTL"});
  }

  TEST_CASE("SET that sets nothing propagates nothing") {
    Harness h;
    h.Run({"SET", "k", "v", "XX"});
    h.Run({"SET", "k", "v", "XX", "EX", "10"});
    h.Run({"SET", "k", "v", "XX", "GET"});
    CHECK(Propagated(h).empty());
  }

  TEST_CASE("SET over an expired key propagates its DEL first, both in one MULTI/EXEC") {
    Harness h;
    h.Run({"SET", "k", "v", "PX", "10"});
    h.clock().AdvanceMs(11);
    h.propagated().lines.clear();
    CHECK(h.Run({"SET", "k", "w"}) == Ok());
    CHECK(Propagated(h) == std::vector<std::string>{"MULTI", "DEL k", "SET k w", "EXEC"});
    CHECK(h.keyspace().stats().expired_keys == 1);
  }

  TEST_CASE("SET marks the dataset dirty once per successful write") {
    Harness h;
    int64_t before = h.server().dirty;
    h.Run({"SET", "k", "v"});
    h.Run({"SET", "k", "v", "NX"});
    CHECK(h.server().dirty == before + 1);
  }

  TEST_CASE("SETNX replies 1 when it sets and 0 when the key exists") {
    Harness h;
    CHECK(h.Run({"SETNX", "k", "a"}) == Int(1));
    CHECK(h.Run({"SETNX", "k", "b"}) == Int(0));
    CHECK(h.Run({"GET", "k"}) == Bulk("a"));
    PutList(h, "l");
    CHECK(h.Run({"SETNX", "l", "b"}) == Int(0));
    CHECK(Propagated(h) == std::vector<std::string>{"SETNX k a"});
  }

  TEST_CASE("SETNX sets over an expired key") {
    Harness h;
    h.Run({"SET", "k", "a", "PX", "5"});
    h.clock().AdvanceMs(6);
    CHECK(h.Run({"SETNX", "k", "b"}) == Int(1));
    CHECK(h.Run({"GET", "k"}) == Bulk("b"));
    CHECK(StoredExpireAt(h, "k") == -1);
  }

  TEST_CASE("SETEX and PSETEX set a value with a TTL, propagated as SET PXAT") {
    Harness h;
    CHECK(h.Run({"SETEX", "a", "10", "v"}) == Ok());
    CHECK(h.Run({"PSETEX", "b", "2500", "w"}) == Ok());
    CHECK(StoredExpireAt(h, "a") == kStart + 10'000);
    CHECK(StoredExpireAt(h, "b") == kStart + 2500);
    CHECK(Propagated(h) ==
          std::vector<std::string>{"SET a v PXAT 1700000010000", "SET b w PXAT 1700000002500"});
    h.clock().AdvanceMs(2501);
    CHECK(h.Run({"GET", "b"}) == Nil());
    CHECK(h.Run({"GET", "a"}) == Bulk("v"));
  }

  TEST_CASE("SETEX and PSETEX reject bad times with their own command name") {
    Harness h;
    CHECK(h.Run({"SETEX", "k", "0", "v"}) == InvalidExpire("setex"));
    CHECK(h.Run({"SETEX", "k", "-3", "v"}) == InvalidExpire("setex"));
    CHECK(h.Run({"PSETEX", "k", "-5", "v"}) == InvalidExpire("psetex"));
    CHECK(h.Run({"PSETEX", "k", "9223372036854775807", "v"}) == InvalidExpire("psetex"));
    CHECK(h.Run({"SETEX", "k", "abc", "v"}) == Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"SETEX", "k", "10"}) == Err("ERR wrong number of arguments for 'setex' command"));
    CHECK(h.Run({"GET", "k"}) == Nil());
  }

  TEST_CASE("SETEX replaces a key of another type") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"SETEX", "l", "10", "v"}) == Ok());
    CHECK(h.Run({"GET", "l"}) == Bulk("v"));
  }

  TEST_CASE("GETSET returns the old value, clears the TTL and propagates as SET") {
    Harness h;
    CHECK(h.Run({"GETSET", "k", "a"}) == Nil());
    h.Run({"SET", "k", "b", "EX", "100"});
    h.propagated().lines.clear();
    CHECK(h.Run({"GETSET", "k", "c"}) == Bulk("b"));
    CHECK(StoredExpireAt(h, "k") == -1);
    CHECK(h.Run({"GET", "k"}) == Bulk("c"));
    CHECK(Propagated(h) == std::vector<std::string>{"SET k c"});
  }

  TEST_CASE("GETSET on another type is WRONGTYPE and changes nothing") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"GETSET", "l", "v"}) == Err(kWrongType));
    CHECK(h.Run({"GET", "l"}) == Err(kWrongType));
    CHECK(Propagated(h).empty());
  }

  TEST_CASE("GETDEL returns the value and deletes the key, propagated as DEL") {
    Harness h;
    h.Run({"SET", "k", "v", "EX", "100"});
    h.propagated().lines.clear();
    CHECK(h.Run({"GETDEL", "k"}) == Bulk("v"));
    CHECK_FALSE(Stored(h, "k"));
    CHECK(h.Run({"GETDEL", "k"}) == Nil());
    CHECK(Propagated(h) == std::vector<std::string>{"DEL k"});
  }

  TEST_CASE("GETDEL on another type is WRONGTYPE and keeps the key") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"GETDEL", "l"}) == Err(kWrongType));
    CHECK(Stored(h, "l"));
  }

  TEST_CASE("GETDEL of an expired key replies nil and propagates only the expiry") {
    Harness h;
    h.Run({"SET", "k", "v", "PX", "1"});
    h.clock().AdvanceMs(2);
    h.propagated().lines.clear();
    CHECK(h.Run({"GETDEL", "k"}) == Nil());
    CHECK(Propagated(h) == std::vector<std::string>{"DEL k"});
  }

  TEST_CASE("GETEX without options is a plain read") {
    Harness h;
    h.Run({"SET", "k", "v", "EX", "100"});
    h.propagated().lines.clear();
    CHECK(h.Run({"GETEX", "k"}) == Bulk("v"));
    CHECK(h.Run({"GETEX", "nope"}) == Nil());
    CHECK(StoredExpireAt(h, "k") == kStart + 100'000);
    CHECK(Propagated(h).empty());
  }

  TEST_CASE("GETEX sets the TTL and propagates PEXPIREAT") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.propagated().lines.clear();
    CHECK(h.Run({"GETEX", "k", "EX", "100"}) == Bulk("v"));
    CHECK(StoredExpireAt(h, "k") == kStart + 100'000);
    CHECK(h.Run({"GETEX", "k", "PX", "5000"}) == Bulk("v"));
    CHECK(h.Run({"GETEX", "k", "EXAT", "1800000000"}) == Bulk("v"));
    CHECK(h.Run({"GETEX", "k", "PXAT", "1800000000123"}) == Bulk("v"));
    CHECK(h.Run({"GETEX", "k", "EX", "1", "EX", "2"}) == Bulk("v"));
    CHECK(StoredExpireAt(h, "k") == kStart + 2000);
    CHECK(Propagated(h) == std::vector<std::string>{
                               "PEXPIREAT k 1700000100000",
                               "PEXPIREAT k 1700000005000",
                               "PEXPIREAT k 1800000000000",
                               "PEXPIREAT k 1800000000123",
                               "PEXPIREAT k 1700000002000",
                           });
    h.clock().AdvanceMs(2001);
    CHECK(h.Run({"GET", "k"}) == Nil());
  }

  TEST_CASE("GETEX PERSIST removes the TTL, propagating PERSIST only when there was one") {
    Harness h;
    h.Run({"SET", "k", "v", "EX", "100"});
    h.propagated().lines.clear();
    CHECK(h.Run({"GETEX", "k", "PERSIST"}) == Bulk("v"));
    CHECK(StoredExpireAt(h, "k") == -1);
    CHECK(h.Run({"GETEX", "k", "persist", "PERSIST"}) == Bulk("v"));
    CHECK(Propagated(h) == std::vector<std::string>{"PERSIST k"});
  }

  TEST_CASE("GETEX with an absolute time in the past deletes the key, propagated as DEL") {
    Harness h;
    h.Run({"SET", "a", "v"});
    h.Run({"SET", "b", "v", "EX", "100"});
    h.propagated().lines.clear();
    CHECK(h.Run({"GETEX", "a", "PXAT", "1"}) == Bulk("v"));
    CHECK(h.Run({"GETEX", "b", "EXAT", "1700000000"}) == Bulk("v"));  // exactly now
    CHECK_FALSE(Stored(h, "a"));
    CHECK_FALSE(Stored(h, "b"));
    CHECK(h.Run({"GETEX", "a", "EXAT", "1"}) == Nil());
    CHECK(Propagated(h) == std::vector<std::string>{"DEL a", "DEL b"});
  }

  TEST_CASE("GETEX on a replica only stores a past deadline; the primary decides") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.keyspace().set_replica_mode(true);
    CHECK(h.Run({"GETEX", "k", "PXAT", "1"}) == Bulk("v"));
    CHECK(StoredExpireAt(h, "k") == 1);
  }

  TEST_CASE("GETEX option errors") {
    Harness h;
    h.Run({"SET", "k", "v"});
    const std::string syntax = Err("ERR syntax error");
    CHECK(h.Run({"GETEX", "k", "PERSIST", "EX", "1"}) == syntax);
    CHECK(h.Run({"GETEX", "k", "EX", "1", "PERSIST"}) == syntax);
    CHECK(h.Run({"GETEX", "k", "EX", "1", "PX", "1"}) == syntax);
    CHECK(h.Run({"GETEX", "k", "KEEPTTL"}) == syntax);
    CHECK(h.Run({"GETEX", "k", "NX"}) == syntax);
    CHECK(h.Run({"GETEX", "k", "GET"}) == syntax);
    CHECK(h.Run({"GETEX", "k", "EX"}) == syntax);
    CHECK(h.Run({"GETEX", "nope", "foo"}) == syntax);  // before the key is looked at
    CHECK(h.Run({"GETEX", "k", "EX", "0"}) == InvalidExpire("getex"));
    CHECK(h.Run({"GETEX", "k", "PX", "9223372036854775807"}) == InvalidExpire("getex"));
    CHECK(h.Run({"GETEX", "k", "EXAT", "9223372036854776"}) == InvalidExpire("getex"));
    CHECK(h.Run({"GETEX", "k", "EX", "abc"}) == Err("ERR value is not an integer or out of range"));
    CHECK(StoredExpireAt(h, "k") == -1);
    CHECK(Propagated(h) == std::vector<std::string>{"SET k v"});
  }

  TEST_CASE("GETEX checks the key before the expire value") {
    Harness h;
    CHECK(h.Run({"GETEX", "nope", "EX", "0"}) == Nil());
    CHECK(h.Run({"GETEX", "nope", "EX", "abc"}) == Nil());
    PutList(h, "l");
    CHECK(h.Run({"GETEX", "l", "EX", "0"}) == Err(kWrongType));
    CHECK(h.Run({"GETEX", "l"}) == Err(kWrongType));
  }

  TEST_CASE("MGET returns values in order, nil for missing and other-typed keys") {
    Harness h;
    h.Run({"SET", "a", "1"});
    h.Run({"SET", "b", "2"});
    PutList(h, "l");
    CHECK(h.Run({"MGET", "a", "nope", "l", "b", "a"}) ==
          "*5\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$1\r\n2\r\n$1\r\n1\r\n");
    auto& stats = h.keyspace().stats();
    CHECK(stats.keyspace_hits == 4);
    CHECK(stats.keyspace_misses == 1);
  }

  TEST_CASE("MGET skips expired keys") {
    Harness h;
    h.Run({"SET", "a", "1", "PX", "10"});
    h.Run({"SET", "b", "2"});
    h.clock().AdvanceMs(11);
    CHECK(h.Run({"MGET", "a", "b"}) == "*2\r\n$-1\r\n$1\r\n2\r\n");
  }

  TEST_CASE("MSET sets every pair, the last one winning, and clears TTLs") {
    Harness h;
    h.Run({"SET", "t", "v", "EX", "100"});
    PutList(h, "l");
    h.propagated().lines.clear();
    CHECK(h.Run({"MSET", "a", "1", "b", "2", "a", "3", "t", "x", "l", "y"}) == Ok());
    CHECK(h.Run({"MGET", "a", "b", "t", "l"}) == BulkArray({"3", "2", "x", "y"}));
    CHECK(StoredExpireAt(h, "t") == -1);
    CHECK(Propagated(h) == std::vector<std::string>{"MSET a 1 b 2 a 3 t x l y"});
  }

  TEST_CASE("MSET and MSETNX need key/value pairs") {
    Harness h;
    CHECK(h.Run({"MSET", "a"}) == Err("ERR wrong number of arguments for 'mset' command"));
    CHECK(h.Run({"MSET", "a", "1", "b"}) ==
          Err("ERR wrong number of arguments for 'mset' command"));
    CHECK(h.Run({"MSETNX", "a", "1", "b"}) ==
          Err("ERR wrong number of arguments for 'msetnx' command"));
    CHECK(h.Run({"GET", "a"}) == Nil());
  }

  TEST_CASE("MSETNX sets all keys only when none exists") {
    Harness h;
    CHECK(h.Run({"MSETNX", "a", "1", "b", "2", "a", "3"}) == Int(1));
    CHECK(h.Run({"MGET", "a", "b"}) == BulkArray({"3", "2"}));
    CHECK(h.Run({"MSETNX", "c", "1", "b", "9"}) == Int(0));
    CHECK(h.Run({"GET", "c"}) == Nil());
    PutList(h, "l");
    CHECK(h.Run({"MSETNX", "c", "1", "l", "9"}) == Int(0));
    CHECK(Propagated(h) == std::vector<std::string>{"MSETNX a 1 b 2 a 3"});
  }

  TEST_CASE("MSETNX treats expired keys as absent") {
    Harness h;
    h.Run({"SET", "a", "1", "PX", "10"});
    h.clock().AdvanceMs(11);
    h.propagated().lines.clear();
    CHECK(h.Run({"MSETNX", "a", "2"}) == Int(1));
    CHECK(Propagated(h) == std::vector<std::string>{"MULTI", "DEL a", "MSETNX a 2", "EXEC"});
  }

  TEST_CASE("MSET counts one change per key in the dirty counter") {
    Harness h;
    int64_t before = h.server().dirty;
    h.Run({"MSET", "a", "1", "b", "2", "c", "3"});
    CHECK(h.server().dirty == before + 3);
  }
}
