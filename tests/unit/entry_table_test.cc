// EntryTable: the keyspace hash table. Lookups during incremental rehash, shrinking, the SCAN
// guarantee across growth and shrinking between calls, and random sampling.
#include "store/entry_table.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/hash.h"
#include "common/memory.h"

namespace basalt::store {
namespace {

std::string Key(int i) { return "key:" + std::to_string(i); }

// Inserts without driving the rehash.
void AddNoStep(EntryTable& t, const std::string& key, std::string_view value = "v") {
  t.Insert(Entry::NewString(key, value, -1), HashKey(key));
}

// Inserts the way the Database does: one rehash step per write.
void Add(EntryTable& t, const std::string& key, std::string_view value = "v") {
  t.RehashStep(1);
  AddNoStep(t, key, value);
}

bool Remove(EntryTable& t, const std::string& key) {
  Entry** link = t.FindLink(key, HashKey(key));
  if (link == nullptr) return false;
  Entry::Destroy(t.Unlink(link));
  return true;
}

Entry* Find(const EntryTable& t, const std::string& key) { return t.Find(key, HashKey(key)); }

void FinishRehash(EntryTable& t) {
  for (int guard = 0; t.rehashing() && guard < 1'000'000; ++guard) t.RehashStep(100);
  REQUIRE_FALSE(t.rehashing());
}

// Every key in [from, to) is present with its value.
void CheckPresent(const EntryTable& t, int from, int to) {
  for (int i = from; i < to; ++i) {
    Entry* e = Find(t, Key(i));
    REQUIRE(e != nullptr);
    CHECK(e->key() == Key(i));
  }
}

}  // namespace

TEST_SUITE("entry_table") {
  TEST_CASE("an empty table finds nothing and scans to 0 at once") {
    EntryTable t;
    CHECK(t.size() == 0);
    CHECK(Find(t, "x") == nullptr);
    CHECK(t.FindLink("x", HashKey("x")) == nullptr);
    std::mt19937_64 rng(1);
    CHECK(t.RandomEntry(rng) == nullptr);
    int visits = 0;
    CHECK(t.Scan(0, [&](Entry*) { ++visits; }) == 0);
    CHECK(visits == 0);
    CHECK_FALSE(t.RehashStep(10));
    t.MaybeShrink();
    t.Clear();
    CHECK(t.size() == 0);
  }

  TEST_CASE("inserted entries are found, replaced and unlinked") {
    EntryTable t;
    for (int i = 0; i < 100; ++i) Add(t, Key(i));
    CHECK(t.size() == 100);
    CheckPresent(t, 0, 100);
    CHECK(Find(t, "absent") == nullptr);

    Entry** link = t.FindLink(Key(5), HashKey(Key(5)));
    REQUIRE(link != nullptr);
    Entry* fresh = Entry::NewString(Key(5), "new value", -1);
    Entry* old = t.Replace(link, fresh);
    CHECK(old->string_value() == "v");
    Entry::Destroy(old);
    CHECK(Find(t, Key(5))->string_value() == "new value");
    CHECK(t.size() == 100);

    for (int i = 0; i < 100; i += 2) CHECK(Remove(t, Key(i)));
    CHECK_FALSE(Remove(t, Key(0)));
    CHECK(t.size() == 50);
    for (int i = 0; i < 100; ++i) CHECK((Find(t, Key(i)) != nullptr) == (i % 2 == 1));
  }

  TEST_CASE("growth starts an incremental rehash and lookups work at every step of it") {
    EntryTable t;
    int n = 0;
    while (t.bucket_count() < 64) Add(t, Key(n++));
    FinishRehash(t);
    while (!t.rehashing()) AddNoStep(t, Key(n++));
    // The insert that crossed load factor 1 started a rehash to a doubled array.
    CHECK(t.bucket_count() == 64 + 128);
    CheckPresent(t, 0, n);
    for (int i = 0; i < 2000; ++i) AddNoStep(t, Key(n++));  // inserts during the rehash
    CHECK(t.bucket_count() == 64 + 128);                    // no new resize while rehashing
    CheckPresent(t, 0, n);
    int steps = 0;
    while (t.RehashStep(1)) {
      ++steps;
      if (steps % 3 == 0) CheckPresent(t, 0, n);
      if (steps % 5 == 0) CHECK(Remove(t, Key(--n)));
    }
    CHECK(steps >= 20);
    CHECK(t.bucket_count() == 128);  // only the new array is left
    CheckPresent(t, 0, n);
    CHECK(t.size() == static_cast<size_t>(n));
    // The table fell behind (load factor > 16): the next resize fits everything at once.
    AddNoStep(t, Key(n++));
    REQUIRE(t.rehashing());
    CHECK(t.bucket_count() == 128 + 4096);
    FinishRehash(t);
    CheckPresent(t, 0, n);
  }

  TEST_CASE("a large table grows through several rehashes and keeps every key") {
    EntryTable t;
    for (int i = 0; i < 50000; ++i) {
      Add(t, Key(i));
      t.RehashStep(1);
    }
    FinishRehash(t);
    CHECK(t.size() == 50000);
    CHECK(t.bucket_count() >= 50000);
    CHECK(t.bucket_count() <= 4 * 65536);
    CheckPresent(t, 0, 50000);
  }

  TEST_CASE("RehashStep visits a bounded number of empty buckets per call") {
    EntryTable t;
    int n = 0;
    while (t.bucket_count() < 4096 || t.rehashing()) {
      Add(t, Key(n++));
      FinishRehash(t);
    }
    for (int i = 1; i < n; ++i) Remove(t, Key(i));  // one key left in 4096 buckets
    t.MaybeShrink();
    REQUIRE(t.rehashing());
    int calls = 0;
    while (t.RehashStep(1)) ++calls;
    // Each call may skip at most 10 empty buckets, so emptying 4096 buckets takes many calls.
    CHECK(calls >= 4096 / 11 - 1);
    CheckPresent(t, 0, 1);
  }

  TEST_CASE("MaybeShrink after a mass delete shrinks the table to fit") {
    EntryTable t;
    for (int i = 0; i < 10000; ++i) Add(t, Key(i));
    FinishRehash(t);
    const size_t big = t.bucket_count();
    CHECK(big >= 10000);
    t.MaybeShrink();
    CHECK_FALSE(t.rehashing());  // still full enough
    for (int i = 100; i < 10000; ++i) REQUIRE(Remove(t, Key(i)));
    t.MaybeShrink();
    REQUIRE(t.rehashing());
    CheckPresent(t, 0, 100);
    FinishRehash(t);
    CHECK(t.bucket_count() == 128);  // the smallest power of two holding 100 keys
    CheckPresent(t, 0, 100);
    for (int i = 0; i < 100; ++i) REQUIRE(Remove(t, Key(i)));
    t.MaybeShrink();
    FinishRehash(t);
    CHECK(t.bucket_count() == 4);
    CHECK(t.size() == 0);
  }

  // Runs a full SCAN, calling `between` after each call. Returns how often each key was seen.
  template <typename Between>
  std::map<std::string, int> FullScan(EntryTable & t, Between && between) {
    std::map<std::string, int> seen;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      cursor = t.Scan(cursor, [&](Entry* e) { ++seen[std::string(e->key())]; });
      between(++calls);
      REQUIRE(calls < 10'000'000);
    } while (cursor != 0);
    return seen;
  }

  TEST_CASE("a scan of a stable table visits every entry exactly once") {
    EntryTable t;
    for (int i = 0; i < 1000; ++i) Add(t, Key(i));
    FinishRehash(t);
    auto seen = FullScan(t, [](int) {});
    CHECK(seen.size() == 1000);
    for (auto& [key, count] : seen) CHECK(count == 1);
  }

  TEST_CASE("a scan returns every entry present throughout, while the table grows") {
    for (int rehash_work : {0, 1, 1000}) {
      CAPTURE(rehash_work);
      EntryTable t;
      for (int i = 0; i < 200; ++i) Add(t, Key(i));
      FinishRehash(t);
      // Bounded growth: a table growing without end while the scan walks it would postpone
      // the end of the scan without bound (each call covers 1/buckets of the hash space).
      int next = 0;
      auto seen = FullScan(t, [&](int) {
        for (int k = 0; k < 25 && next < 8000; ++k) Add(t, "new:" + std::to_string(next++));
        t.RehashStep(rehash_work);
      });
      CHECK(t.bucket_count() >= 2048);  // grew several times during the scan
      for (int i = 0; i < 200; ++i) CHECK(seen.count(Key(i)) == 1);
    }
  }

  TEST_CASE("a scan returns every entry present throughout, while the table shrinks") {
    for (int rehash_work : {0, 1, 1000}) {
      CAPTURE(rehash_work);
      EntryTable t;
      for (int i = 0; i < 100; ++i) Add(t, Key(i));
      for (int i = 0; i < 20000; ++i) Add(t, "gone:" + std::to_string(i));
      FinishRehash(t);
      const size_t big = t.bucket_count();
      int next_gone = 0;
      auto seen = FullScan(t, [&](int) {
        for (int k = 0; k < 400 && next_gone < 20000; ++k) {
          REQUIRE(Remove(t, "gone:" + std::to_string(next_gone++)));
        }
        t.MaybeShrink();
        t.RehashStep(rehash_work);
      });
      for (int i = 0; i < 100; ++i) CHECK(seen.count(Key(i)) == 1);
      FinishRehash(t);
      t.MaybeShrink();
      FinishRehash(t);
      CHECK(t.bucket_count() == 128);
      CHECK(big >= 16384);
    }
  }

  TEST_CASE("a scan over a table caught mid-rehash in either direction sees everything") {
    EntryTable t;
    int n = 0;
    while (t.bucket_count() < 256) Add(t, Key(n++));
    FinishRehash(t);
    while (!t.rehashing()) AddNoStep(t, Key(n++));
    t.RehashStep(30);
    REQUIRE(t.rehashing());  // growing: 256 -> 512, partly moved
    auto seen = FullScan(t, [](int) {});
    for (int i = 0; i < n; ++i) CHECK(seen.count(Key(i)) == 1);
    FinishRehash(t);
    for (int i = 20; i < n; ++i) Remove(t, Key(i));
    t.MaybeShrink();
    REQUIRE(t.rehashing());  // shrinking: 512 -> 32, partly moved
    t.RehashStep(30);
    REQUIRE(t.rehashing());
    seen = FullScan(t, [](int) {});
    CHECK(seen.size() == 20);
    for (int i = 0; i < 20; ++i) CHECK(seen.count(Key(i)) == 1);
  }

  TEST_CASE("RandomEntry returns only present entries and eventually all of them") {
    EntryTable t;
    std::mt19937_64 rng(42);
    for (int i = 0; i < 40; ++i) Add(t, Key(i));
    for (int i = 0; i < 40; i += 3) Remove(t, Key(i));
    std::set<std::string> present;
    for (int i = 0; i < 40; ++i) {
      if (i % 3 != 0) present.insert(Key(i));
    }
    std::set<std::string> drawn;
    for (int i = 0; i < 5000; ++i) {
      Entry* e = t.RandomEntry(rng);
      REQUIRE(e != nullptr);
      REQUIRE(present.count(std::string(e->key())) == 1);
      drawn.insert(std::string(e->key()));
    }
    CHECK(drawn == present);
  }

  TEST_CASE("RandomEntry works while rehashing") {
    EntryTable t;
    std::mt19937_64 rng(7);
    int n = 0;
    while (!t.rehashing()) Add(t, Key(n++));
    t.RehashStep(1);
    std::set<std::string> drawn;
    for (int i = 0; i < 5000; ++i) {
      Entry* e = t.RandomEntry(rng);
      REQUIRE(e != nullptr);
      REQUIRE(Find(t, std::string(e->key())) == e);
      drawn.insert(std::string(e->key()));
    }
    CHECK(drawn.size() == static_cast<size_t>(n));
  }

  TEST_CASE("Clear and destruction free every entry; a moved table keeps its entries") {
    const int64_t before = mem::Used();
    {
      EntryTable t;
      for (int i = 0; i < 3000; ++i) Add(t, Key(i), std::string(i % 300, 'x'));
      EntryTable moved(std::move(t));
      CHECK(t.size() == 0);
      CHECK(moved.size() == 3000);
      CheckPresent(moved, 0, 3000);
      EntryTable assigned;
      Add(assigned, "other");
      assigned = std::move(moved);
      CHECK(assigned.size() == 3000);
      CHECK(Find(assigned, "other") == nullptr);
      assigned.Clear();
      CHECK(assigned.size() == 0);
      CHECK(Find(assigned, Key(1)) == nullptr);
      Add(assigned, "again");
      CHECK(Find(assigned, "again") != nullptr);
    }
    CHECK(mem::Used() == before);
  }

  TEST_CASE("ReverseBits reverses all 64 bits") {
    CHECK(ReverseBits(0) == 0);
    CHECK(ReverseBits(1) == 0x8000000000000000ULL);
    CHECK(ReverseBits(0x8000000000000000ULL) == 1);
    CHECK(ReverseBits(0x00000000000000F0ULL) == 0x0F00000000000000ULL);
    CHECK(ReverseBits(ReverseBits(0x123456789abcdef0ULL)) == 0x123456789abcdef0ULL);
  }

}  // TEST_SUITE

}  // namespace basalt::store
