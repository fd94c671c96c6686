// KEYS, SCAN and RANDOMKEY. Glob expectations were taken from redis-server 7.0's KEYS.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "commands/harness.h"
#include "store/entry.h"

using namespace basalt;
using namespace basalt::test;

namespace {

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> KeysSorted(Harness& h, std::string_view pattern) {
  return Sorted(ParseBulkArray(h.Run({"KEYS", pattern})));
}

// One SCAN reply: the next cursor and the keys.
struct ScanPage {
  std::string cursor;
  std::vector<std::string> keys;
};

// SCAN replies are *2, a bulk cursor, then a flat array of bulk keys.
ScanPage ParseScan(const std::string& reply) {
  ScanPage page;
  REQUIRE(reply.rfind("*2\r\n$", 0) == 0);
  size_t len_end = reply.find("\r\n", 4);
  size_t len = std::stoul(reply.substr(5, len_end - 5));
  page.cursor = reply.substr(len_end + 2, len);
  page.keys = ParseBulkArray(reply.substr(len_end + 2 + len + 2));
  return page;
}

ScanPage ScanOnce(Harness& h, const std::string& cursor, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"SCAN", cursor};
  args.insert(args.end(), extra.begin(), extra.end());
  return ParseScan(h.Run(args));
}

// Runs a whole SCAN iteration; returns every key returned, duplicates included.
std::vector<std::string> ScanAll(Harness& h, std::vector<std::string> extra = {}) {
  std::vector<std::string> all;
  std::string cursor = "0";
  int calls = 0;
  do {
    ScanPage page = ScanOnce(h, cursor, extra);
    all.insert(all.end(), page.keys.begin(), page.keys.end());
    cursor = page.cursor;
    REQUIRE(++calls < 100000);
  } while (cursor != "0");
  return all;
}

class FakeHash : public store::CompositeValue {
 public:
  size_t MemoryUsage() const override { return 0; }
  CompositeValue* Clone() const override { return new FakeHash; }
};

void SetWithTtl(Harness& h, std::string_view key, int64_t ms) {
  REQUIRE(h.Run({"SET", key, "v"}) == Ok());
  REQUIRE(h.Run({"PEXPIRE", key, std::to_string(ms)}) == Int(1));
}

}  // namespace

TEST_SUITE("key scan commands") {
  TEST_CASE("KEYS matches globs as Redis does") {
    Harness h;
    const std::vector<std::string> keys = {"hello", "hallo", "hxllo",  "hllo", "heeeello", "h[llo",
                                           "h*llo", "h?llo", "h\\llo", "a-b",  "abc",      "b",
                                           "-",     "]",     "^",      "x",    "X",        "a\\",
                                           "\\",    "[",     "h-llo",  "hbllo"};
    for (const std::string& k : keys) h.Run({"SET", k, "1"});
    using V = std::vector<std::string>;
    const V any_h = {"h*llo", "h-llo", "h?llo", "h[llo", "h\\llo",
                     "hallo", "hbllo", "hello", "hxllo"};
    CHECK(KeysSorted(h, "h?llo") == any_h);
    CHECK(KeysSorted(h, "h*llo") == V{"h*llo", "h-llo", "h?llo", "h[llo", "h\\llo", "hallo",
                                      "hbllo", "heeeello", "hello", "hllo", "hxllo"});
    CHECK(KeysSorted(h, "*") == Sorted(keys));
    CHECK(KeysSorted(h, "h*") == KeysSorted(h, "*llo"));
    CHECK(KeysSorted(h, "h[ae]llo") == V{"hallo", "hello"});
    CHECK(KeysSorted(h, "h[^e]llo") ==
          V{"h*llo", "h-llo", "h?llo", "h[llo", "h\\llo", "hallo", "hbllo", "hxllo"});
    CHECK(KeysSorted(h, "h[^a-e]llo") == V{"h*llo", "h-llo", "h?llo", "h[llo", "h\\llo", "hxllo"});
    CHECK(KeysSorted(h, "h[a-b]llo") == V{"hallo", "hbllo"});
    CHECK(KeysSorted(h, "h[b-a]llo") == V{"hallo", "hbllo"});  // reversed range
    CHECK(KeysSorted(h, "[a-c]*") == V{"a-b", "a\\", "abc", "b"});
    CHECK(KeysSorted(h, "[^a-c]") == V{"-", "X", "[", "\\", "]", "^", "x"});
    CHECK(KeysSorted(h, "h\\*llo") == V{"h*llo"});
    CHECK(KeysSorted(h, "h\\?llo") == V{"h?llo"});
    CHECK(KeysSorted(h, "h\\[llo") == V{"h[llo"});
    CHECK(KeysSorted(h, "h\\\\llo") == V{"h\\llo"});
    CHECK(KeysSorted(h, "h[\\-]llo") == V{"h-llo"});
    CHECK(KeysSorted(h, "\\x") == V{"x"});
    CHECK(KeysSorted(h, "[\\]]") == V{"]"});
    CHECK(KeysSorted(h, "[-]") == V{"-"});
    CHECK(KeysSorted(h, "[x]") == V{"x"});
    CHECK(KeysSorted(h, "[X]") == V{"X"});  // case-sensitive
    CHECK(KeysSorted(h, "?") == V{"-", "X", "[", "\\", "]", "^", "b", "x"});
    CHECK(KeysSorted(h, "??") == V{"a\\"});
    CHECK(KeysSorted(h, "[!a]").empty());  // '!' is not a negation
    CHECK(KeysSorted(h, "nomatch*").empty());
  }

  TEST_CASE("KEYS handles malformed globs as Redis does") {
    Harness h;
    const std::vector<std::string> keys = {"hello", "hallo", "a-b", "abc", "b",  "-", "]",
                                           "^",     "x",     "X",   "a\\", "\\", "[", "h-llo"};
    for (const std::string& k : keys) h.Run({"SET", k, "1"});
    using V = std::vector<std::string>;
    // A trailing backslash matches itself.
    CHECK(KeysSorted(h, "a\\") == V{"a\\"});
    CHECK(KeysSorted(h, "*\\") == V{"\\", "a\\"});
    CHECK(KeysSorted(h, "x\\").empty());
    // An unterminated class matches what it lists so far.
    CHECK(KeysSorted(h, "[abc") == V{"b"});
    CHECK(KeysSorted(h, "[^") == V{"-", "X", "[", "\\", "]", "^", "b", "x"});
    CHECK(KeysSorted(h, "[").empty());
    CHECK(KeysSorted(h, "h[").empty());
    CHECK(KeysSorted(h, "*[").empty());
    CHECK(KeysSorted(h, "*[*").empty());
    // "]" right after "[" closes an empty class, which matches nothing.
    CHECK(KeysSorted(h, "[]]").empty());
    CHECK(KeysSorted(h, "[^]]").empty());
    // "[a-]" is the range a..']' (reversed), so it matches ']' and '^'.
    CHECK(KeysSorted(h, "[a-]") == V{"]", "^"});
    CHECK(KeysSorted(h, "h[a-]llo").empty());
  }

  TEST_CASE("KEYS hides expired keys without deleting them") {
    Harness h;
    h.Run({"SET", "live", "v"});
    SetWithTtl(h, "dead", 10);
    h.clock().AdvanceMs(11);
    h.propagated().lines.clear();
    CHECK(h.Run({"KEYS", "*"}) == BulkArray({"live"}));
    CHECK(h.Run({"DBSIZE"}) == Int(2));
    CHECK(h.propagated().lines.empty());
  }

  TEST_CASE("KEYS on an empty database is an empty array") {
    Harness h;
    CHECK(h.Run({"KEYS", "*"}) == "*0\r\n");
  }

  TEST_CASE("KEYS sees every key while the table is rehashing") {
    Harness h;
    // 1024 keys fill the table; the next insert starts a rehash that a few writes do not finish.
    for (int i = 0; i < 1030; ++i) h.Run({"SET", "k" + std::to_string(i), "v"});
    REQUIRE(h.keyspace().db(0).table().rehashing());
    std::vector<std::string> got = KeysSorted(h, "k*");
    CHECK(got.size() == 1030);
    CHECK(std::adjacent_find(got.begin(), got.end()) == got.end());
  }

  TEST_CASE("SCAN on an empty database ends at once") {
    Harness h;
    CHECK(h.Run({"SCAN", "0"}) == "*2\r\n$1\r\n0\r\n*0\r\n");
  }

  TEST_CASE("SCAN iterates over every key") {
    Harness h;
    std::set<std::string> expected;
    for (int i = 0; i < 500; ++i) {
      expected.insert("key:" + std::to_string(i));
      h.Run({"SET", "key:" + std::to_string(i), "v"});
    }
    std::vector<std::string> got = ScanAll(h);
    CHECK(std::set<std::string>(got.begin(), got.end()) == expected);
    CHECK(got.size() == expected.size());  // a quiet table returns each key once
  }

  TEST_CASE("SCAN COUNT bounds the work per call") {
    Harness h;
    for (int i = 0; i < 1000; ++i) h.Run({"SET", "k" + std::to_string(i), "v"});
    ScanPage page = ScanOnce(h, "0", {"COUNT", "5"});
    CHECK(page.cursor != "0");
    CHECK(page.keys.size() >= 5);
    CHECK(page.keys.size() < 30);  // about COUNT keys: whole buckets, so a few more at most
    ScanPage big = ScanOnce(h, "0", {"COUNT", "100000"});
    CHECK(big.cursor == "0");
    CHECK(big.keys.size() == 1000);
  }

  TEST_CASE("SCAN MATCH filters by glob") {
    Harness h;
    for (int i = 0; i < 50; ++i) {
      h.Run({"SET", "user:" + std::to_string(i), "v"});
      h.Run({"SET", "item:" + std::to_string(i), "v"});
    }
    std::vector<std::string> got = ScanAll(h, {"MATCH", "user:*", "COUNT", "7"});
    CHECK(got.size() == 50);
    for (const std::string& k : got) CHECK(k.rfind("user:", 0) == 0);
    CHECK(ScanAll(h, {"MATCH", "*"}).size() == 100);
    CHECK(ScanAll(h, {"MATCH", "user:1?"}).size() == 10);
    CHECK(ScanAll(h, {"MATCH", ""}).empty());
  }

  TEST_CASE("SCAN TYPE filters by type name, case-insensitively") {
    Harness h;
    h.Run({"SET", "s1", "v"});
    h.Run({"SET", "s2", "v"});
    h.keyspace().db(0).Insert(
        store::Entry::NewObject("h1", store::ValueType::kHash, new FakeHash, -1));
    CHECK(Sorted(ScanAll(h, {"TYPE", "string"})) == std::vector<std::string>{"s1", "s2"});
    CHECK(ScanAll(h, {"TYPE", "HASH"}) == std::vector<std::string>{"h1"});
    CHECK(ScanAll(h, {"TYPE", "list"}).empty());
    CHECK(ScanAll(h, {"TYPE", "nosuchtype"}).empty());
    CHECK(ScanAll(h, {"COUNT", "10", "MATCH", "s*", "TYPE", "string"}).size() == 2);
  }

  TEST_CASE("SCAN filters out expired keys and deletes them") {
    Harness h;
    h.Run({"SET", "live", "v"});
    SetWithTtl(h, "dead", 10);
    h.clock().AdvanceMs(11);
    h.propagated().lines.clear();
    CHECK(ScanAll(h) == std::vector<std::string>{"live"});
    CHECK(h.propagated().lines == std::vector<std::string>{"DEL dead"});
    CHECK(h.Run({"DBSIZE"}) == Int(1));
  }

  TEST_CASE("SCAN argument errors") {
    Harness h;
    h.Run({"SET", "a", "1"});
    CHECK(h.Run({"SCAN", "abc"}) == Err("ERR invalid cursor"));
    CHECK(h.Run({"SCAN", " 5"}) == Err("ERR invalid cursor"));
    CHECK(h.Run({"SCAN", "5 "}) == Err("ERR invalid cursor"));
    CHECK(h.Run({"SCAN", "0x10"}) == Err("ERR invalid cursor"));
    CHECK(h.Run({"SCAN", "+"}) == Err("ERR invalid cursor"));
    CHECK(h.Run({"SCAN", "18446744073709551616"}) == Err("ERR invalid cursor"));
    CHECK(h.Run({"SCAN", "abc", "foo"}) == Err("ERR invalid cursor"));
    CHECK(h.Run({"SCAN", "0", "COUNT", "0"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SCAN", "0", "COUNT", "-1"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SCAN", "0", "COUNT", "abc"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"SCAN", "0", "COUNT", "99999999999999999999"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"SCAN", "0", "MATCH"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SCAN", "0", "TYPE"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SCAN", "0", "foo", "bar"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SCAN"}) == Err("ERR wrong number of arguments for 'scan' command"));
  }

  TEST_CASE("SCAN accepts the cursor spellings Redis accepts") {
    Harness h;
    const std::string done_empty = "*2\r\n$1\r\n0\r\n*0\r\n";
    CHECK(h.Run({"SCAN", ""}) == done_empty);
    CHECK(h.Run({"SCAN", "+5"}) == done_empty);
    CHECK(h.Run({"SCAN", "05"}) == done_empty);
    CHECK(h.Run({"SCAN", "-0"}) == done_empty);
    CHECK(h.Run({"SCAN", "-1"}) == done_empty);
    CHECK(h.Run({"SCAN", "18446744073709551615"}) == done_empty);
    CHECK(h.Run({"SCAN", std::string_view("0\0x", 3)}) == done_empty);  // C-string parsing
    CHECK(h.Run({"SCAN", "0", "COUNT", "9223372036854775807"}) == done_empty);
    CHECK(h.Run({"SCAN", "0", "count", "1", "COUNT", "2"}) == done_empty);
    h.Run({"SET", "a", "1"});
    CHECK(h.Run({"SCAN", "0", "COUNT", "2147483648"}) == "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n");
  }

  TEST_CASE("SCAN returns every key present for the whole scan despite growth and deletes") {
    Harness h;
    constexpr int kStable = 2000;
    std::set<std::string> stable;
    for (int i = 0; i < kStable; ++i) {
      std::string k = "stable:" + std::to_string(i);
      stable.insert(k);
      h.Run({"SET", k, "v"});
    }
    for (int i = 0; i < 500; ++i) h.Run({"SET", "temp:" + std::to_string(i), "v"});

    std::set<std::string> seen;
    std::string cursor = "0";
    int next_temp = 500, next_deleted = 0, calls = 0;
    bool saw_rehash = false;
    h.keyspace().RehashFor(1'000'000'000);  // start from a settled table
    REQUIRE(!h.keyspace().db(0).table().rehashing());
    const size_t buckets_before = h.keyspace().db(0).table().bucket_count();
    do {
      ScanPage page = ScanOnce(h, cursor, {"COUNT", "3"});
      seen.insert(page.keys.begin(), page.keys.end());
      cursor = page.cursor;
      // Between calls, grow the table for a while (forcing resizes and rehashes mid-scan),
      // then keep churning at a steady size so the scan can finish; always delete some of the
      // temporary keys.
      const int adds = calls < 150 ? 60 : 10;
      for (int j = 0; j < adds; ++j) h.Run({"SET", "temp:" + std::to_string(next_temp++), "v"});
      for (int j = 0; j < 10; ++j) h.Run({"DEL", "temp:" + std::to_string(next_deleted++)});
      saw_rehash |= h.keyspace().db(0).table().rehashing();
      REQUIRE(++calls < 100000);
    } while (cursor != "0");
    CHECK(saw_rehash);
    CHECK(h.keyspace().db(0).table().bucket_count() >= 4 * buckets_before);  // two doublings
    CHECK(calls > 300);  // most of the scan ran after the growth
    CHECK(h.Run({"DBSIZE"}) == Int(kStable + next_temp - next_deleted));
    for (const std::string& k : stable) CHECK_MESSAGE(seen.count(k) == 1, k);
  }

  TEST_CASE("SCAN returns every key present for the whole scan while the table shrinks") {
    Harness h;
    constexpr int kStable = 300;
    std::set<std::string> stable;
    for (int i = 0; i < kStable; ++i) {
      std::string k = "stable:" + std::to_string(i);
      stable.insert(k);
      h.Run({"SET", k, "v"});
    }
    for (int i = 0; i < 8000; ++i) h.Run({"SET", "temp:" + std::to_string(i), "v"});

    std::set<std::string> seen;
    std::string cursor = "0";
    int next_deleted = 0, calls = 0;
    const size_t buckets_before = h.keyspace().db(0).table().bucket_count();
    do {
      ScanPage page = ScanOnce(h, cursor, {"COUNT", "4"});
      seen.insert(page.keys.begin(), page.keys.end());
      cursor = page.cursor;
      for (int j = 0; j < 400 && next_deleted < 8000; ++j) {
        h.Run({"DEL", "temp:" + std::to_string(next_deleted++)});
      }
      // The server cron shrinks sparse tables and moves rehashing along.
      h.keyspace().db(0).MaybeShrink();
      h.keyspace().db(0).RehashStep(2);
      REQUIRE(++calls < 100000);
    } while (cursor != "0");
    CHECK(h.keyspace().db(0).table().bucket_count() < buckets_before);
    for (const std::string& k : stable) CHECK_MESSAGE(seen.count(k) == 1, k);
  }

  TEST_CASE("RANDOMKEY is nil on an empty database and a key otherwise") {
    Harness h;
    CHECK(h.Run({"RANDOMKEY"}) == Nil());
    std::set<std::string> keys = {"a", "b", "c"};
    for (const std::string& k : keys) h.Run({"SET", k, "v"});
    std::set<std::string> drawn;
    for (int i = 0; i < 200; ++i) {
      std::string reply = h.Run({"RANDOMKEY"});
      REQUIRE(reply.size() == 7);  // $1\r\nX\r\n
      drawn.insert(reply.substr(4, 1));
    }
    CHECK(drawn == keys);
    CHECK(h.Run({"RANDOMKEY", "x"}) ==
          Err("ERR wrong number of arguments for 'randomkey' command"));
  }

  TEST_CASE("RANDOMKEY skips and deletes expired keys") {
    Harness h;
    for (int i = 0; i < 20; ++i) SetWithTtl(h, "dead" + std::to_string(i), 10);
    h.Run({"SET", "live", "v"});
    h.clock().AdvanceMs(11);
    for (int i = 0; i < 20; ++i) CHECK(h.Run({"RANDOMKEY"}) == Bulk("live"));
  }

  TEST_CASE("RANDOMKEY is nil when every key has expired") {
    Harness h;
    for (int i = 0; i < 50; ++i) SetWithTtl(h, "dead" + std::to_string(i), 10);
    h.clock().AdvanceMs(11);
    h.propagated().lines.clear();
    CHECK(h.Run({"RANDOMKEY"}) == Nil());
    CHECK(h.Run({"DBSIZE"}) == Int(0));
    // One command, one unit: its 50 expiry DELs go out together, as MULTI ... EXEC.
    REQUIRE(h.propagated().lines.size() == 52);
    CHECK(h.propagated().lines.front() == "MULTI");
    CHECK(h.propagated().lines.back() == "EXEC");
  }

  TEST_CASE("RANDOMKEY on a replica gives up after 100 draws when all keys are expired") {
    Harness h;
    for (int i = 0; i < 5; ++i) SetWithTtl(h, "dead" + std::to_string(i), 10);
    h.clock().AdvanceMs(11);
    h.keyspace().set_replica_mode(true);
    std::string reply = h.Run({"RANDOMKEY"});
    CHECK(reply.rfind("$5\r\ndead", 0) == 0);
    CHECK(h.Run({"DBSIZE"}) == Int(5));  // a replica leaves deletion to its primary
  }

  TEST_CASE("RANDOMKEY on a replica still finds a live key among expired ones") {
    Harness h;
    for (int i = 0; i < 5; ++i) SetWithTtl(h, "dead" + std::to_string(i), 10);
    h.Run({"SET", "live", "v"});
    h.clock().AdvanceMs(11);
    h.keyspace().set_replica_mode(true);
    for (int i = 0; i < 10; ++i) CHECK(h.Run({"RANDOMKEY"}) == Bulk("live"));
  }
}
