// Set commands: SPOP with a count (its two strategies, the encoding of what stays, the write
// stream), SRANDMEMBER / HRANDFIELD with huge negative counts, and the startup load honouring
// set-max-intset-entries. Expectations were checked against redis-server 7.0.15 where it
// answers (not for the huge counts, where it runs out of memory).
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "commands/harness.h"
#include "config/config.h"
#include "engine/engine.h"
#include "persistence/byte_io.h"
#include "persistence/rdb_writer.h"
#include "store/entry.h"
#include "store/set_value.h"

using namespace basalt;
using namespace basalt::test;

namespace {

std::vector<std::string> Args(std::vector<std::string> head, int from, int to) {
  for (int i = from; i < to; ++i) head.push_back(std::to_string(i));
  return head;
}

// A hashtable-encoded set of the integers [0, n): the string member forces the table.
void IntHashtable(Harness& h, const std::string& key, int n) {
  std::vector<std::string> add = Args({"SADD", key}, 0, n);
  add.push_back("a");
  REQUIRE(h.Run(add) == Int(n + 1));
  REQUIRE(h.Run({"SREM", key, "a"}) == Int(1));
  REQUIRE(h.Run({"OBJECT", "ENCODING", key}) == Bulk("hashtable"));
}

std::set<std::string> Members(Harness& h, const std::string& key) {
  std::vector<std::string> items = ParseBulkArray(h.Run({"SMEMBERS", key}));
  return {items.begin(), items.end()};
}

}  // namespace

TEST_SUITE("set commands") {
  TEST_CASE("SADD counts new members once, repeats included, in both encodings") {
    Harness h;
    for (const char* encoding : {"intset", "hashtable"}) {
      CAPTURE(encoding);
      const std::string first = std::string(encoding) == "intset" ? "1" : "a";
      REQUIRE(h.Run({"SADD", "s", first}) == Int(1));
      CHECK(h.Run({"OBJECT", "ENCODING", "s"}) == Bulk(encoding));
      CHECK(h.Run({"SADD", "s", first, "7", "7", "8", first}) == Int(2));
      CHECK(h.Run({"SADD", "s", "7", "8"}) == Int(0));
      CHECK(h.Run({"SCARD", "s"}) == Int(3));
      CHECK(h.Run({"SISMEMBER", "s", "8"}) == Int(1));
      // A string member converts an intset midway; the members after it still count once.
      CHECK(h.Run({"SADD", "s", "9", "x", "9", "x", "10"}) == Int(3));
      CHECK(h.Run({"SCARD", "s"}) == Int(6));
      h.Run({"DEL", "s"});
    }
  }

  TEST_CASE("SADD of members all present leaves a WATCH intact; one new member breaks it") {
    Harness h;
    TestSession& other = h.NewSession();
    h.Run({"SADD", "s", "a", "b"});
    h.Run({"WATCH", "s"});
    h.RunAs(other, {"SADD", "s", "a", "b", "a"});
    h.Run({"MULTI"});
    h.Run({"PING"});
    CHECK(h.Run({"EXEC"}) == "*1\r\n+PONG\r\n");
    h.Run({"WATCH", "s"});
    h.RunAs(other, {"SADD", "s", "a", "c"});
    h.Run({"MULTI"});
    h.Run({"PING"});
    CHECK(h.Run({"EXEC"}) == NilArray());
  }

  TEST_CASE("SPOP of most members rebuilds the set from the members that stay") {
    Harness h;
    IntHashtable(h, "t", 20);
    REQUIRE(h.Run({"PEXPIRE", "t", "100000"}) == Int(1));
    std::vector<std::string> popped = ParseBulkArray(h.Run({"SPOP", "t", "17"}));
    CHECK(popped.size() == 17);
    CHECK(std::set<std::string>(popped.begin(), popped.end()).size() == 17);
    // 3 stay, 3 * 5 <= 17: Redis builds a new set of them, an intset again.
    CHECK(h.Run({"SCARD", "t"}) == Int(3));
    CHECK(h.Run({"OBJECT", "ENCODING", "t"}) == Bulk("intset"));
    CHECK(h.Run({"PTTL", "t"}) == Int(100000));  // the key keeps its TTL
    std::set<std::string> all;
    for (int i = 0; i < 20; ++i) all.insert(std::to_string(i));
    std::set<std::string> left = Members(h, "t");
    for (const std::string& p : popped) CHECK(left.count(p) == 0);
    CHECK(left.size() + popped.size() == all.size());

    // 5 stay, 25 > 15: popped one by one, the encoding stays.
    IntHashtable(h, "s", 20);
    CHECK(ParseBulkArray(h.Run({"SPOP", "s", "15"})).size() == 15);
    CHECK(h.Run({"OBJECT", "ENCODING", "s"}) == Bulk("hashtable"));

    // The boundary: 2 stay, 2 * 5 <= 10.
    IntHashtable(h, "u", 12);
    CHECK(ParseBulkArray(h.Run({"SPOP", "u", "10"})).size() == 10);
    CHECK(h.Run({"OBJECT", "ENCODING", "u"}) == Bulk("intset"));
  }

  TEST_CASE("SPOP's rebuilt set follows the members that stay and set-max-intset-entries") {
    Harness h;
    for (int round = 0; round < 20; ++round) {
      h.Run({"DEL", "m"});
      h.Run(Args({"SADD", "m", "a"}, 0, 12));
      h.Run({"SPOP", "m", "12"});
      std::set<std::string> left = Members(h, "m");
      REQUIRE(left.size() == 1);
      CHECK(h.Run({"OBJECT", "ENCODING", "m"}) ==
            Bulk(*left.begin() == "a" ? "hashtable" : "intset"));
    }
    REQUIRE(h.Run({"CONFIG", "SET", "set-max-intset-entries", "2"}) == Ok());
    IntHashtable(h, "t", 20);
    h.Run({"SPOP", "t", "17"});  // 3 stay: more than an intset may hold now
    CHECK(h.Run({"OBJECT", "ENCODING", "t"}) == Bulk("hashtable"));
    IntHashtable(h, "v", 20);
    h.Run({"SPOP", "v", "18"});
    CHECK(h.Run({"OBJECT", "ENCODING", "v"}) == Bulk("intset"));
  }

  TEST_CASE("SPOP with a count is propagated as one SREM per member, in MULTI when several") {
    Harness h;
    IntHashtable(h, "t", 20);
    h.propagated().lines.clear();
    std::vector<std::string> popped = ParseBulkArray(h.Run({"SPOP", "t", "17"}));
    std::vector<std::string> expected = {"MULTI"};
    for (const std::string& p : popped) expected.push_back("SREM t " + p);
    expected.push_back("EXEC");
    CHECK(h.propagated().lines == expected);

    h.Run(Args({"SADD", "s"}, 0, 100));
    h.propagated().lines.clear();
    popped = ParseBulkArray(h.Run({"SPOP", "s", "3"}));
    expected = {"MULTI"};
    for (const std::string& p : popped) expected.push_back("SREM s " + p);
    expected.push_back("EXEC");
    CHECK(h.propagated().lines == expected);

    h.propagated().lines.clear();
    popped = ParseBulkArray(h.Run({"SPOP", "s", "1"}));
    REQUIRE(popped.size() == 1);
    CHECK(h.propagated().lines == std::vector<std::string>{"SREM s " + popped[0]});

    h.propagated().lines.clear();
    CHECK(ParseBulkArray(h.Run({"SPOP", "s", "1000"})).size() == 96);
    CHECK(h.propagated().lines == std::vector<std::string>{"DEL s"});
    CHECK(h.Run({"EXISTS", "s"}) == Int(0));
  }

  TEST_CASE("SRANDMEMBER with a huge negative count is refused, not built") {
    Harness h;
    h.Run({"SADD", "s", "a", "b", "1"});
    for (const char* count : {"-9223372036854775807", "-1099511627776", "-4611686018427387904"}) {
      CHECK(h.Run({"SRANDMEMBER", "s", count}) == Err("ERR value is out of range"));
    }
    // Redis 7.0's own errors stay.
    CHECK(h.Run({"SRANDMEMBER", "s", "-9223372036854775808"}) ==
          Err("ERR value is out of range, value must between -9223372036854775807 and "
              "9223372036854775807"));
    CHECK(h.Run({"SRANDMEMBER", "nokey", "-9223372036854775807"}) == "*0\r\n");
    // Counts that fit are answered whole.
    CHECK(ParseBulkArray(h.Run({"SRANDMEMBER", "s", "-1000"})).size() == 1000);
    CHECK(ParseBulkArray(h.Run({"SRANDMEMBER", "s", "9223372036854775807"})).size() == 3);
  }

  TEST_CASE("a repeated-pick reply past the normal clients' hard output limit is refused") {
    Harness h;
    const std::string big(100, 'x');
    h.Run({"SADD", "s", big});
    h.Run({"HSET", "h", big, big});
    REQUIRE(h.Run({"CONFIG", "SET", "client-output-buffer-limit", "normal 2000 0 0"}) == Ok());
    // 100 picks of 107 bytes: the smallest picks would fit, the real ones do not.
    CHECK(h.Run({"SRANDMEMBER", "s", "-100"}) == Err("ERR value is out of range"));
    CHECK(h.Run({"HRANDFIELD", "h", "-100"}) == Err("ERR value is out of range"));
    CHECK(h.Run({"HRANDFIELD", "h", "-10", "WITHVALUES"}) == Err("ERR value is out of range"));
    CHECK(ParseBulkArray(h.Run({"SRANDMEMBER", "s", "-10"})).size() == 10);
    CHECK(ParseBulkArray(h.Run({"HRANDFIELD", "h", "-5", "WITHVALUES"})).size() == 10);
    // Admission alone refuses what even empty members could not fill.
    CHECK(h.Run({"SRANDMEMBER", "s", "-1000"}) == Err("ERR value is out of range"));
    CHECK(h.Run({"HRANDFIELD", "h", "-9223372036854775807"}) == Err("ERR value is out of range"));
  }

  TEST_CASE("the startup load converts an intset by the configured set-max-intset-entries") {
    namespace fs = std::filesystem;
    const fs::path dir =
        fs::temp_directory_path() / ("basalt-set-load-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    {
      // A dump holding a 5-member intset, as Redis 7.0 writes it (SET_INTSET).
      store::Keyspace ks(16);
      store::SetValue* ints = store::SetValue::NewFor("1", {});
      for (int i = 1; i <= 5; ++i) ints->Add(std::to_string(i), {});
      REQUIRE(ints->is_intset());
      ks.db(0).Insert(store::Entry::NewObject("ints", store::ValueType::kSet, ints, -1));
      std::string out;
      persistence::StringSink sink(&out);
      persistence::RdbWriter w(&sink, {});
      REQUIRE(w.WriteHeader({}).ok());
      REQUIRE(w.BeginDatabase(0, 1, 0).ok());
      REQUIRE(w.WriteEntry(*ks.db(0).LookupRaw("ints")).ok());
      REQUIRE(w.Finish().ok());
      std::ofstream(dir / "dump.rdb", std::ios::binary) << out;
    }
    for (const char* limit : {"2", "512"}) {
      config::Config config;
      REQUIRE(config.Set("dir", dir.string(), config::Config::Origin::kStartup).ok());
      REQUIRE(config.Set("set-max-intset-entries", limit, config::Config::Origin::kStartup).ok());
      ManualClock clock;
      std::mutex mu;
      std::condition_variable cv;
      std::vector<std::function<void()>> posted;
      engine::Engine engine(config, clock, [&](std::function<void()> fn) {
        std::lock_guard lock(mu);
        posted.push_back(std::move(fn));
        cv.notify_all();
      });
      bool loaded = false;
      engine.StartLoading([&](const Status& st) {
        CHECK(st.ok());
        loaded = true;
      });
      while (!loaded) {
        std::vector<std::function<void()>> run;
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return !posted.empty(); });
          run.swap(posted);
        }
        for (auto& fn : run) fn();
      }
      store::Entry* e = engine.keyspace().db(0).LookupRaw("ints");
      REQUIRE(e != nullptr);
      CHECK(e->object()->EncodingName() ==
            (std::string_view(limit) == "2" ? "hashtable" : "intset"));
    }
    fs::remove_all(dir);
  }
}
