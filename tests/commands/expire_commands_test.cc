// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST, lazy
// expiry and the active expiry cycle. Expected bytes were checked against redis-server 7.0.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "commands/harness.h"

using namespace basalt;
using namespace basalt::test;

namespace {

// The harness clock starts here (ManualClock's default).
constexpr int64_t kStartMs = 1'700'000'000'000;

std::string Ms(int64_t v) { return std::to_string(v); }

}  // namespace

TEST_SUITE("expire commands") {
  TEST_CASE("EXPIRE sets a TTL in seconds and the key expires after the clock advances") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"EXPIRE", "k", "10"}) == Int(1));
    CHECK(h.Run({"TTL", "k"}) == Int(10));
    CHECK(h.Run({"PTTL", "k"}) == Int(10000));
    h.clock().AdvanceMs(9999);
    CHECK(h.Run({"GET", "k"}) == Bulk("v"));
    CHECK(h.Run({"PTTL", "k"}) == Int(1));
    h.clock().AdvanceMs(1);
    CHECK(h.Run({"PTTL", "k"}) == Int(0));  // still there at the deadline itself
    h.clock().AdvanceMs(1);
    CHECK(h.Run({"GET", "k"}) == Nil());
    CHECK(h.Run({"TTL", "k"}) == Int(-2));
  }

  TEST_CASE("PEXPIRE sets a TTL in milliseconds") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"PEXPIRE", "k", "1500"}) == Int(1));
    CHECK(h.Run({"PTTL", "k"}) == Int(1500));
    h.clock().AdvanceMs(1501);
    CHECK(h.Run({"EXISTS", "k"}) == Int(0));
  }

  TEST_CASE("EXPIREAT and PEXPIREAT take absolute Unix times") {
    Harness h;
    h.Run({"SET", "a", "v"});
    h.Run({"SET", "b", "v"});
    const int64_t at_s = kStartMs / 1000 + 100;
    CHECK(h.Run({"EXPIREAT", "a", Ms(at_s)}) == Int(1));
    CHECK(h.Run({"EXPIRETIME", "a"}) == Int(at_s));
    CHECK(h.Run({"PEXPIRETIME", "a"}) == Int(at_s * 1000));
    CHECK(h.Run({"TTL", "a"}) == Int(100));
    CHECK(h.Run({"PEXPIREAT", "b", Ms(kStartMs + 2500)}) == Int(1));
    CHECK(h.Run({"PEXPIRETIME", "b"}) == Int(kStartMs + 2500));
    CHECK(h.Run({"PTTL", "b"}) == Int(2500));
  }

  TEST_CASE("TTL and EXPIRETIME round to the nearest second") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"PEXPIRE", "k", "1499"});
    CHECK(h.Run({"TTL", "k"}) == Int(1));
    h.Run({"PEXPIRE", "k", "1500"});
    CHECK(h.Run({"TTL", "k"}) == Int(2));
    h.Run({"PEXPIRE", "k", "400"});
    CHECK(h.Run({"TTL", "k"}) == Int(0));
    h.Run({"PEXPIREAT", "k", "1800000000499"});
    CHECK(h.Run({"EXPIRETIME", "k"}) == Int(1800000000));
    h.Run({"PEXPIREAT", "k", "1800000000500"});
    CHECK(h.Run({"EXPIRETIME", "k"}) == Int(1800000001));
  }

  TEST_CASE("TTL family: -2 for a missing key, -1 for a key without TTL") {
    Harness h;
    for (std::string_view cmd : {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}) {
      CHECK(h.Run({cmd, "nope"}) == Int(-2));
    }
    h.Run({"SET", "k", "v"});
    for (std::string_view cmd : {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}) {
      CHECK(h.Run({cmd, "k"}) == Int(-1));
    }
    CHECK(h.Run({"TTL"}) == Err("ERR wrong number of arguments for 'ttl' command"));
    CHECK(h.Run({"PTTL", "a", "b"}) == Err("ERR wrong number of arguments for 'pttl' command"));
  }

  TEST_CASE("EXPIRE on a missing key replies 0 and is not propagated") {
    Harness h;
    CHECK(h.Run({"EXPIRE", "nope", "100"}) == Int(0));
    CHECK(h.Run({"PEXPIREAT", "nope", "1"}) == Int(0));
    CHECK(h.propagated().lines.empty());
  }

  TEST_CASE("relative expiries are propagated as PEXPIREAT with the absolute deadline") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.propagated().lines.clear();
    h.Run({"EXPIRE", "k", "100"});
    h.Run({"pexpire", "k", "5000"});
    h.Run({"EXPIREAT", "k", "1800000000"});
    h.Run({"pexpireat", "k", "1800000000123"});
    CHECK(h.propagated().lines == std::vector<std::string>{"PEXPIREAT k " + Ms(kStartMs + 100'000),
                                                           "PEXPIREAT k " + Ms(kStartMs + 5000),
                                                           "PEXPIREAT k 1800000000000",
                                                           "pexpireat k 1800000000123"});
  }

  TEST_CASE("the NX XX GT LT options are kept in the propagated PEXPIREAT") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.propagated().lines.clear();
    CHECK(h.Run({"EXPIRE", "k", "100", "NX"}) == Int(1));
    CHECK(h.Run({"EXPIRE", "k", "300", "xx", "gt"}) == Int(1));
    CHECK(h.propagated().lines ==
          std::vector<std::string>{"PEXPIREAT k " + Ms(kStartMs + 100'000) + " NX",
                                   "PEXPIREAT k " + Ms(kStartMs + 300'000) + " xx gt"});
  }

  TEST_CASE("a deadline already reached deletes the key and propagates DEL") {
    Harness h;
    for (auto args :
         std::vector<std::vector<std::string>>{{"EXPIRE", "k", "0"},
                                               {"EXPIRE", "k", "-5"},
                                               {"PEXPIRE", "k", "-1"},
                                               {"EXPIREAT", "k", "1"},
                                               {"PEXPIREAT", "k", Ms(kStartMs)},
                                               {"EXPIRE", "k", "-9223372036854775"},
                                               {"PEXPIRE", "k", "-9223372036854775808"}}) {
      h.Run({"SET", "k", "v"});
      h.propagated().lines.clear();
      CHECK(h.Run(args) == Int(1));
      CHECK(h.Run({"EXISTS", "k"}) == Int(0));
      CHECK(h.propagated().lines == std::vector<std::string>{"DEL k"});
    }
  }

  TEST_CASE("a deadline one millisecond ahead keeps the key") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"PEXPIREAT", "k", Ms(kStartMs + 1)}) == Int(1));
    CHECK(h.Run({"PTTL", "k"}) == Int(1));
  }

  TEST_CASE("on a replica a past deadline is stored rather than deleting the key") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.keyspace().set_replica_mode(true);
    h.propagated().lines.clear();
    CHECK(h.Run({"PEXPIREAT", "k", "-100"}) == Int(1));
    CHECK(h.propagated().lines == std::vector<std::string>{"PEXPIREAT k -100"});
    CHECK(h.Run({"EXISTS", "k"}) == Int(0));  // logically expired...
    CHECK(h.Run({"DBSIZE"}) == Int(1));       // ...but its primary deletes it
  }

  TEST_CASE("EXPIRE overflow is an error naming the command") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"EXPIRE", "k", "9223372036854775807"}) ==
          Err("ERR invalid expire time in 'expire' command"));
    CHECK(h.Run({"EXPIRE", "k", "9223372036854774"}) ==
          Err("ERR invalid expire time in 'expire' command"));
    CHECK(h.Run({"EXPIRE", "k", "-9223372036854775807"}) ==
          Err("ERR invalid expire time in 'expire' command"));
    CHECK(h.Run({"PEXPIRE", "k", "9223372036854775807"}) ==
          Err("ERR invalid expire time in 'pexpire' command"));
    CHECK(h.Run({"EXPIREAT", "k", "9223372036854776"}) ==
          Err("ERR invalid expire time in 'expireat' command"));
    CHECK(h.Run({"EXPIRE", "nope", "9223372036854775807"}) ==
          Err("ERR invalid expire time in 'expire' command"));
    // The largest representable deadlines are accepted.
    CHECK(h.Run({"EXPIREAT", "k", "9223372036854775"}) == Int(1));
    CHECK(h.Run({"PEXPIREAT", "k", "9223372036854775807"}) == Int(1));
    CHECK(h.Run({"PEXPIRETIME", "k"}) == Int(INT64_MAX));
  }

  TEST_CASE("EXPIRE rejects a non-integer time") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"EXPIRE", "k", "abc"}) == Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"EXPIRE", "k", "1.5"}) == Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"PEXPIRE", "k", ""}) == Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"EXPIRE", "k"}) == Err("ERR wrong number of arguments for 'expire' command"));
  }

  TEST_CASE("EXPIRE option errors") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"EXPIRE", "k", "100", "foo"}) == Err("ERR Unsupported option foo"));
    CHECK(h.Run({"EXPIRE", "k", "abc", "foo"}) == Err("ERR Unsupported option foo"));
    const std::string nx_conflict =
        Err("ERR NX and XX, GT or LT options at the same time are not compatible");
    CHECK(h.Run({"EXPIRE", "k", "100", "nx", "xx"}) == nx_conflict);
    CHECK(h.Run({"EXPIRE", "k", "100", "NX", "GT"}) == nx_conflict);
    CHECK(h.Run({"PEXPIRE", "k", "100", "lt", "nx"}) == nx_conflict);
    CHECK(h.Run({"EXPIRE", "k", "100", "gt", "lt"}) ==
          Err("ERR GT and LT options at the same time are not compatible"));
    CHECK(h.Run({"EXPIRE", "k", "abc", "nx"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"TTL", "k"}) == Int(-1));
    CHECK(h.propagated().lines.size() == 1);  // the SET only
  }

  TEST_CASE("EXPIRE NX sets only when there is no TTL") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"EXPIRE", "k", "100", "NX"}) == Int(1));
    CHECK(h.Run({"EXPIRE", "k", "200", "nx"}) == Int(0));
    CHECK(h.Run({"TTL", "k"}) == Int(100));
  }

  TEST_CASE("EXPIRE XX sets only when there is a TTL") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"EXPIRE", "k", "100", "XX"}) == Int(0));
    CHECK(h.Run({"TTL", "k"}) == Int(-1));
    h.Run({"EXPIRE", "k", "100"});
    CHECK(h.Run({"EXPIRE", "k", "200", "XX"}) == Int(1));
    CHECK(h.Run({"TTL", "k"}) == Int(200));
  }

  TEST_CASE("EXPIRE GT only extends, and never applies to a key without TTL") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"EXPIRE", "k", "100", "GT"}) == Int(0));  // no TTL counts as infinite
    CHECK(h.Run({"TTL", "k"}) == Int(-1));
    h.Run({"EXPIRE", "k", "100"});
    CHECK(h.Run({"EXPIRE", "k", "50", "GT"}) == Int(0));
    CHECK(h.Run({"EXPIRE", "k", "100", "GT"}) == Int(0));  // equal is not greater
    CHECK(h.Run({"EXPIRE", "k", "150", "GT"}) == Int(1));
    CHECK(h.Run({"TTL", "k"}) == Int(150));
    CHECK(h.Run({"EXPIRE", "k", "200", "XX", "GT"}) == Int(1));
  }

  TEST_CASE("EXPIRE LT only shortens, and always applies to a key without TTL") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"EXPIRE", "k", "100", "LT"}) == Int(1));
    CHECK(h.Run({"EXPIRE", "k", "200", "LT"}) == Int(0));
    CHECK(h.Run({"EXPIRE", "k", "100", "lt"}) == Int(0));  // equal is not less
    CHECK(h.Run({"PEXPIRE", "k", "5000", "LT"}) == Int(1));
    CHECK(h.Run({"PTTL", "k"}) == Int(5000));
    CHECK(h.Run({"EXPIRE", "k", "1", "XX", "LT"}) == Int(1));
  }

  TEST_CASE("a refused NX XX GT LT condition does not delete even with a past deadline") {
    Harness h;
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"EXPIRE", "k", "-1", "XX"}) == Int(0));
    CHECK(h.Run({"EXISTS", "k"}) == Int(1));
    CHECK(h.Run({"EXPIRE", "k", "-1", "LT"}) == Int(1));
    CHECK(h.Run({"EXISTS", "k"}) == Int(0));
  }

  TEST_CASE("setting a TTL again replaces it") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"EXPIRE", "k", "100"});
    h.Run({"PEXPIRE", "k", "20"});
    CHECK(h.Run({"PTTL", "k"}) == Int(20));
    CHECK(h.keyspace().db(0).expires_count() == 1);
  }

  TEST_CASE("a plain SET clears the TTL") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"EXPIRE", "k", "100"});
    h.Run({"SET", "k", "w"});
    CHECK(h.Run({"TTL", "k"}) == Int(-1));
    CHECK(h.keyspace().db(0).expires_count() == 0);
  }

  TEST_CASE("PERSIST removes a TTL") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"EXPIRE", "k", "100"});
    h.propagated().lines.clear();
    CHECK(h.Run({"PERSIST", "k"}) == Int(1));
    CHECK(h.Run({"TTL", "k"}) == Int(-1));
    CHECK(h.Run({"PERSIST", "k"}) == Int(0));
    CHECK(h.Run({"PERSIST", "nope"}) == Int(0));
    CHECK(h.propagated().lines == std::vector<std::string>{"PERSIST k"});
    CHECK(h.keyspace().db(0).expires_count() == 0);
    h.clock().AdvanceMs(200'000);
    CHECK(h.Run({"GET", "k"}) == Bulk("v"));
  }

  TEST_CASE("PERSIST on an expired key replies 0") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"PEXPIRE", "k", "10"});
    h.clock().AdvanceMs(11);
    CHECK(h.Run({"PERSIST", "k"}) == Int(0));
    CHECK(h.Run({"EXISTS", "k"}) == Int(0));
  }

  TEST_CASE("EXPIRE on an expired key replies 0") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"PEXPIRE", "k", "10"});
    h.clock().AdvanceMs(11);
    h.propagated().lines.clear();
    CHECK(h.Run({"EXPIRE", "k", "100"}) == Int(0));
    CHECK(h.propagated().lines == std::vector<std::string>{"DEL k"});
  }

  TEST_CASE("lazy expiry on access propagates a DEL and counts expired_keys") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"PEXPIRE", "k", "100"});
    h.clock().AdvanceMs(101);
    h.propagated().lines.clear();
    const uint64_t before = h.keyspace().stats().expired_keys;
    CHECK(h.Run({"TTL", "k"}) == Int(-2));
    CHECK(h.propagated().lines == std::vector<std::string>{"DEL k"});
    CHECK(h.keyspace().stats().expired_keys == before + 1);
    CHECK(h.Run({"DBSIZE"}) == Int(0));
  }

  TEST_CASE("TTLs are per database") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"SELECT", "1"});
    h.Run({"SET", "k", "v"});
    h.Run({"EXPIRE", "k", "10"});
    CHECK(h.propagated().dbs.back() == 1);
    CHECK(h.Run({"TTL", "k"}) == Int(10));
    h.Run({"SELECT", "0"});
    CHECK(h.Run({"TTL", "k"}) == Int(-1));
  }

  TEST_CASE("the active cycle reclaims every expired key and propagates their DELs") {
    Harness h;
    constexpr int kVolatile = 10'000;
    constexpr int kPersistent = 500;
    for (int i = 0; i < kVolatile; ++i) {
      const std::string key = "vol:" + std::to_string(i);
      h.Run({"SET", key, "v"});
      h.Run({"PEXPIRE", key, std::to_string(100 + i % 50)});
    }
    for (int i = 0; i < kPersistent; ++i) h.Run({"SET", "keep:" + std::to_string(i), "v"});
    h.propagated().lines.clear();

    h.clock().AdvanceMs(50);  // nothing is due yet
    CHECK(h.keyspace().ActiveExpireCycle(h.clock().NowMs(), 1'000'000'000) == 0);
    CHECK(h.Run({"DBSIZE"}) == Int(kVolatile + kPersistent));

    h.clock().AdvanceMs(1000);
    size_t reclaimed = 0;
    for (int round = 0; round < 100 && h.keyspace().db(0).expires_count() > 0; ++round) {
      reclaimed += h.keyspace().ActiveExpireCycle(h.clock().NowMs(), 1'000'000'000);
    }
    CHECK(reclaimed == kVolatile);
    CHECK(h.keyspace().db(0).expires_count() == 0);
    CHECK(h.Run({"DBSIZE"}) == Int(kPersistent));
    REQUIRE(h.propagated().lines.size() == kVolatile);
    for (const std::string& line : h.propagated().lines) {
      CHECK(line.rfind("DEL vol:", 0) == 0);
    }
    CHECK(h.Run({"EXISTS", "keep:0", "keep:499"}) == Int(2));
  }

  TEST_CASE("the active cycle leaves keys that are not yet due") {
    Harness h;
    for (int i = 0; i < 1000; ++i) {
      const std::string key = "k" + std::to_string(i);
      h.Run({"SET", key, "v"});
      // Half expire after 100 ms, half after an hour.
      h.Run({"PEXPIRE", key, i % 2 == 0 ? "100" : "3600000"});
    }
    h.clock().AdvanceMs(200);
    for (int round = 0; round < 100; ++round) {
      if (h.keyspace().ActiveExpireCycle(h.clock().NowMs(), 1'000'000'000) == 0) break;
    }
    CHECK(h.Run({"DBSIZE"}) == Int(500));
    CHECK(h.keyspace().db(0).expires_count() == 500);
    CHECK(h.Run({"TTL", "k1"}) == Int(3600));
  }

  TEST_CASE("the active cycle covers every database") {
    Harness h;
    for (int db = 0; db < 16; ++db) {
      h.Run({"SELECT", std::to_string(db)});
      for (int i = 0; i < 30; ++i) {
        const std::string key = "k" + std::to_string(i);
        h.Run({"SET", key, "v"});
        h.Run({"PEXPIRE", key, "10"});
      }
    }
    h.clock().AdvanceMs(11);
    h.propagated().lines.clear();
    for (int round = 0; round < 100 && h.keyspace().TotalKeys() > 0; ++round) {
      h.keyspace().ActiveExpireCycle(h.clock().NowMs(), 1'000'000'000);
    }
    CHECK(h.keyspace().TotalKeys() == 0);
    CHECK(h.propagated().lines.size() == 16 * 30);
  }

  TEST_CASE("expire commands are registered with Redis's metadata") {
    Harness h;
    for (std::string_view name : {"expire", "pexpire", "expireat", "pexpireat"}) {
      const cmd::CommandSpec* spec = h.server().commands.Find(name);
      REQUIRE(spec != nullptr);
      CHECK(spec->arity == -3);
      CHECK((spec->flags & cmd::kWrite) != 0);
      CHECK(spec->first_key == 1);
      CHECK(spec->group == "generic");
    }
    for (std::string_view name : {"ttl", "pttl", "expiretime", "pexpiretime"}) {
      const cmd::CommandSpec* spec = h.server().commands.Find(name);
      REQUIRE(spec != nullptr);
      CHECK(spec->arity == 2);
      CHECK((spec->flags & cmd::kReadOnly) != 0);
    }
    const cmd::CommandSpec* persist = h.server().commands.Find("persist");
    REQUIRE(persist != nullptr);
    CHECK((persist->flags & cmd::kWrite) != 0);
    CHECK(persist->since == "2.2.0");
  }
}
