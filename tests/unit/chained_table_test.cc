// ChainedTable instantiated with a node type of its own (not Entry), the way hash and set
// values use it: a model-checked insert/find/remove workload, the SCAN guarantee while the
// table grows and shrinks between calls, random picks, node ownership and MemoryUsage.
#include "store/chained_table.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/hash.h"
#include "common/memory.h"

namespace basalt::store {
namespace {

struct TestNode {
  std::string key;
  TestNode* next = nullptr;
};

// Counts Destroy calls so the tests can see which nodes the table freed.
struct TestTraits {
  static inline int64_t destroyed = 0;

  static std::string_view Key(const TestNode* n) { return n->key; }
  static TestNode* Next(const TestNode* n) { return n->next; }
  static void SetNext(TestNode* n, TestNode* next) { n->next = next; }
  static TestNode** NextLink(TestNode* n) { return &n->next; }
  static void Destroy(TestNode* n) {
    ++destroyed;
    delete n;
  }
  // A fixed seed (not the per-process one) so every run walks the same buckets.
  static uint64_t Hash(std::string_view key) { return HashBytes(key, 0x5eed); }
};

// Every key hashes alike: one bucket holds the whole table.
struct CollidingTraits : TestTraits {
  static uint64_t Hash(std::string_view) { return 12345; }
};

using TestTable = ChainedTable<TestNode, TestTraits>;

TestNode* NewNode(std::string key) { return new TestNode{std::move(key)}; }

std::string Key(int64_t i) { return "k" + std::to_string(i); }

template <typename Table>
void FinishRehash(Table& t) {
  for (int guard = 0; t.rehashing() && guard < 1'000'000; ++guard) t.RehashStep(100);
  REQUIRE_FALSE(t.rehashing());
}

// The table holds exactly the model's keys, each once, and finds every one of them.
void CheckMatches(TestTable& t, const std::unordered_set<std::string>& model) {
  REQUIRE(t.size() == model.size());
  std::unordered_set<std::string> walked;
  t.ForEach([&](TestNode* n) { REQUIRE(walked.insert(n->key).second); });
  CHECK(walked == model);
  for (const std::string& k : model) {
    TestNode* n = t.Find(k);
    REQUIRE(n != nullptr);
    REQUIRE(n->key == k);
    REQUIRE(t.Find(k, TestTraits::Hash(k)) == n);
  }
}

}  // namespace

TEST_SUITE("chained_table") {
  TEST_CASE("insert, find and remove of 100k keys agree with a std::unordered_set") {
    TestTable t;
    std::unordered_set<std::string> model;
    std::mt19937_64 rng(20261202);
    const int64_t destroyed_before = TestTraits::destroyed;

    // Grow to 100k keys, one rehash step per write as the Database does; duplicates refused.
    for (int i = 0; i < 100'000; ++i) {
      t.RehashStep(1);
      t.Insert(NewNode(Key(i)));
      model.insert(Key(i));
      if (i % 7 == 0) {
        TestNode* dup = NewNode(Key(rng() % (i + 1)));
        REQUIRE_FALSE(t.InsertIfAbsent(dup));
        delete dup;
      }
    }
    CheckMatches(t, model);
    CHECK(t.bucket_count() >= 100'000);

    // Random mix over a key space half again as large, checked against the model as it goes.
    for (int op = 0; op < 300'000; ++op) {
      const std::string k = Key(static_cast<int64_t>(rng() % 150'000));
      const bool present = model.count(k) == 1;
      t.RehashStep(1);
      switch (rng() % 4) {
        case 0: {  // insert if absent
          TestNode* n = NewNode(k);
          const bool inserted = t.InsertIfAbsent(n);
          REQUIRE(inserted == !present);
          if (inserted) {
            model.insert(k);
          } else {
            delete n;
          }
          break;
        }
        case 1: {  // remove
          TestNode* n = t.Remove(k);
          REQUIRE((n != nullptr) == present);
          if (n != nullptr) {
            CHECK(n->key == k);
            CHECK(n->next == nullptr);
            delete n;
            model.erase(k);
          }
          break;
        }
        case 2: {  // replace through a link, or insert with an explicit hash
          TestNode** link = t.FindLink(k);
          REQUIRE((link != nullptr) == present);
          if (link != nullptr) {
            TestNode* old = t.Replace(link, NewNode(k));
            CHECK(old->key == k);
            delete old;
          } else {
            t.Insert(NewNode(k), TestTraits::Hash(k));
            model.insert(k);
          }
          break;
        }
        default: {  // lookup
          TestNode* n = t.Find(k);
          REQUIRE((n != nullptr) == present);
          if (n != nullptr) REQUIRE(n->key == k);
          break;
        }
      }
      if (op % 1000 == 0) t.MaybeShrink();
      REQUIRE(t.size() == model.size());
    }
    CheckMatches(t, model);

    // Empty it again: the table shrinks back to a handful of buckets.
    std::vector<std::string> keys(model.begin(), model.end());
    std::shuffle(keys.begin(), keys.end(), rng);
    for (const std::string& k : keys) {
      t.RehashStep(1);
      TestNode* n = t.Remove(k);
      REQUIRE(n != nullptr);
      delete n;
      t.MaybeShrink();
    }
    model.clear();
    CHECK(t.Remove("k1") == nullptr);
    CHECK(t.FindLink("k1") == nullptr);
    FinishRehash(t);
    t.MaybeShrink();
    FinishRehash(t);
    CheckMatches(t, model);
    CHECK(t.bucket_count() == 4);
    // Nodes handed back by Remove/Replace/Unlink are the caller's: the table destroyed none.
    CHECK(TestTraits::destroyed == destroyed_before);
  }

  TEST_CASE("a scan visits every key present throughout while the table grows and shrinks") {
    for (uint64_t seed : {1, 2, 3, 4, 5}) {
      CAPTURE(seed);
      std::mt19937_64 rng(seed);
      TestTable t;
      std::unordered_set<std::string> present;
      // Keys present for the whole scan, and keys added and removed between its calls.
      for (int i = 0; i < 500; ++i) {
        t.RehashStep(1);
        t.Insert(NewNode("stable:" + std::to_string(i)));
        present.insert("stable:" + std::to_string(i));
      }
      std::vector<std::string> volatile_keys;
      int64_t next_volatile = 0;
      FinishRehash(t);

      // Alternates between growth and shrinking phases. The table is kept under ~20k keys:
      // a table that grows without bound during a scan postpones its end without bound.
      bool growing = true;
      size_t min_buckets = t.bucket_count();
      size_t max_buckets = t.bucket_count();
      size_t first_buckets = t.bucket_count();
      int calls = 0;
      int phase_changes = 0;
      bool saw_rehash = false;
      std::unordered_map<std::string, int> seen;
      uint64_t cursor = 0;
      do {
        cursor = t.Scan(cursor, [&](TestNode* n) {
          REQUIRE(present.count(n->key) == 1);  // only live nodes are visited
          ++seen[n->key];
        });
        ++calls;
        REQUIRE(calls < 1'000'000);
        // Between calls: a random number of inserts or removals, each driving the rehash
        // (as the Database's writes do) or not, then random extra rehash work.
        const int ops = static_cast<int>(rng() % 400);
        const bool step_per_write = rng() % 2 == 0;
        for (int k = 0; k < ops; ++k) {
          if (step_per_write) t.RehashStep(1);
          if (growing) {
            std::string key = "vol:" + std::to_string(next_volatile++);
            t.Insert(NewNode(key));
            present.insert(key);
            volatile_keys.push_back(std::move(key));
          } else if (!volatile_keys.empty()) {
            const size_t pick = rng() % volatile_keys.size();
            std::swap(volatile_keys[pick], volatile_keys.back());
            TestNode* n = t.Remove(volatile_keys.back());
            REQUIRE(n != nullptr);
            delete n;
            present.erase(volatile_keys.back());
            volatile_keys.pop_back();
          }
        }
        if (growing && volatile_keys.size() >= 20'000) {
          growing = false;
          ++phase_changes;
        } else if (!growing && volatile_keys.empty()) {
          growing = true;
          ++phase_changes;
        }
        t.MaybeShrink();
        saw_rehash |= t.rehashing();
        t.RehashStep(static_cast<int>(rng() % 4));  // 0..3: sometimes none at all
        min_buckets = std::min(min_buckets, t.bucket_count());
        max_buckets = std::max(max_buckets, t.bucket_count());
      } while (cursor != 0);

      for (int i = 0; i < 500; ++i) CHECK(seen.count("stable:" + std::to_string(i)) == 1);
      // The interleaving did exercise growth, shrinking and scans across a rehash.
      CHECK(saw_rehash);
      CHECK(max_buckets >= 16 * first_buckets);
      CHECK(phase_changes >= 1);
      CHECK(min_buckets <= first_buckets);
    }
  }

  TEST_CASE("RandomEntry returns only present keys and eventually all of a small set") {
    TestTable t;
    std::mt19937_64 rng(99);
    std::mt19937_64 rng_empty(1);
    CHECK(t.RandomEntry(rng_empty) == nullptr);
    std::set<std::string> present;
    for (int i = 0; i < 30; ++i) {
      t.RehashStep(1);
      t.Insert(NewNode(Key(i)));
      present.insert(Key(i));
    }
    for (int i = 0; i < 30; i += 4) {
      delete t.Remove(Key(i));
      present.erase(Key(i));
    }
    std::set<std::string> drawn;
    for (int i = 0; i < 5000; ++i) {
      TestNode* n = t.RandomEntry(rng);
      REQUIRE(n != nullptr);
      REQUIRE(present.count(n->key) == 1);
      drawn.insert(n->key);
    }
    CHECK(drawn == present);

    // The same holds mid-rehash (both arrays live).
    int n = 30;
    while (!t.rehashing()) {
      t.Insert(NewNode(Key(n)));
      present.insert(Key(n++));
    }
    t.RehashStep(1);
    REQUIRE(t.rehashing());
    drawn.clear();
    for (int i = 0; i < 20000; ++i) {
      TestNode* node = t.RandomEntry(rng);
      REQUIRE(node != nullptr);
      REQUIRE(present.count(node->key) == 1);
      drawn.insert(node->key);
    }
    CHECK(drawn == present);
  }

  TEST_CASE("Sample passes distinct present nodes; enough of them covers every node") {
    TestTable t;
    std::mt19937_64 rng(7);
    CHECK(t.Sample(rng, 5, [](const TestNode*) { FAIL("an empty table has nothing"); }) == 0);
    std::set<std::string> present;
    for (int i = 0; i < 1000; ++i) {
      t.RehashStep(1);
      t.Insert(NewNode(Key(i)));
      present.insert(Key(i));
    }
    FinishRehash(t);
    auto sample = [&](size_t count) {
      std::vector<std::string> got;
      t.Sample(rng, count, [&](const TestNode* n) { got.push_back(n->key); });
      return got;
    };
    for (int round = 0; round < 200; ++round) {
      std::vector<std::string> got = sample(5);
      REQUIRE(got.size() == 5);
      std::set<std::string> distinct(got.begin(), got.end());
      CHECK(distinct.size() == 5);
      for (const std::string& k : got) REQUIRE(present.count(k) == 1);
    }
    // A count of the table's size walks every bucket once: every node at most once (all but
    // those before the random entry point of the first chain).
    auto check_full_walk = [&] {
      std::vector<std::string> all = sample(present.size());
      std::set<std::string> distinct(all.begin(), all.end());
      CHECK(distinct.size() == all.size());
      CHECK(all.size() + 8 > present.size());
      for (const std::string& k : all) REQUIRE(present.count(k) == 1);
    };
    check_full_walk();
    // Mid-rehash both arrays are walked.
    int n = 1000;
    while (!t.rehashing()) {
      t.Insert(NewNode(Key(n)));
      present.insert(Key(n++));
    }
    t.RehashStep(3);
    REQUIRE(t.rehashing());
    check_full_walk();
    // Samples from random places reach every node: a node deep in its chain only from a walk
    // that starts at its bucket (1 in 2048 here), so this takes many draws.
    std::set<std::string> drawn;
    for (int i = 0; i < 100'000 && drawn.size() < present.size(); ++i) {
      for (const std::string& k : sample(5)) drawn.insert(k);
    }
    CHECK(drawn == present);
  }

  TEST_CASE("Clear and the destructor destroy every node exactly once") {
    const int64_t before = TestTraits::destroyed;
    {
      TestTable t;
      for (int i = 0; i < 5000; ++i) {
        t.RehashStep(1);
        t.Insert(NewNode(Key(i)));
      }
      REQUIRE(t.rehashing());  // Clear must also empty the array being rehashed into
      t.Clear();
      CHECK(TestTraits::destroyed - before == 5000);
      CHECK(t.size() == 0);
      CHECK(t.bucket_count() == 0);
      CHECK(t.Find(Key(1)) == nullptr);

      for (int i = 0; i < 300; ++i) t.Insert(NewNode(Key(i)));
      TestTable moved(std::move(t));  // the moved-from table owns nothing any more
      CHECK(t.size() == 0);
      CHECK(moved.size() == 300);
      delete moved.Remove(Key(7));  // handed back, so not the table's to destroy
    }
    CHECK(TestTraits::destroyed - before == 5000 + 299);
  }

  TEST_CASE("MemoryUsage counts the bucket arrays and grows with the table") {
    const int64_t used_before = mem::Used();
    TestTable t;
    CHECK(t.MemoryUsage() == 0);
    size_t last = 0;
    for (int i = 0; i < 20000; ++i) {
      t.RehashStep(1);
      t.Insert(NewNode(Key(i)));
      const size_t usage = t.MemoryUsage();
      CHECK(usage == t.bucket_count() * sizeof(TestNode*));
      // Only rehash completion may lower it (the old array is freed).
      if (!t.rehashing() && usage < last) CHECK(usage * 2 >= last);
      last = usage;
    }
    FinishRehash(t);
    CHECK(t.MemoryUsage() >= 20000 * sizeof(TestNode*));
    CHECK(t.MemoryUsage() <= 4 * 32768 * sizeof(TestNode*));
    // The arrays come from mem::, so they show in used_memory (the nodes here do not).
    const int64_t counted = mem::Used() - used_before;
    CHECK(counted >= static_cast<int64_t>(t.MemoryUsage()));
    CHECK(counted <= static_cast<int64_t>(2 * t.MemoryUsage()));
    t.Clear();
    CHECK(t.MemoryUsage() == 0);
    CHECK(mem::Used() == used_before);
  }

  TEST_CASE("Reserve sizes an empty table even after a first small array, never a full one") {
    TestTable t;
    t.Reserve(0);  // what converting an empty value to the table encoding does
    const size_t small = t.bucket_count();
    t.Reserve(5000);  // the loader learns the real size: buckets for all, no rehash later
    CHECK(t.bucket_count() >= 5000);
    CHECK(t.bucket_count() > small);
    for (int i = 0; i < 5000; ++i) t.Insert(NewNode(Key(i)));
    CHECK_FALSE(t.rehashing());
    const size_t sized = t.bucket_count();
    t.Reserve(100000);  // holds nodes: a no-op
    CHECK(t.bucket_count() == sized);
    t.Clear();
  }

  TEST_CASE("a table whose keys all collide still finds, removes and samples every key") {
    ChainedTable<TestNode, CollidingTraits> t;
    std::mt19937_64 rng(5);
    for (int i = 0; i < 200; ++i) {
      t.RehashStep(1);
      REQUIRE(t.InsertIfAbsent(NewNode(Key(i))));
    }
    FinishRehash(t);
    for (int i = 0; i < 200; ++i) REQUIRE(t.Find(Key(i)) != nullptr);
    std::set<std::string> drawn;
    for (int i = 0; i < 20000; ++i) drawn.insert(t.RandomEntry(rng)->key);
    CHECK(drawn.size() == 200);
    for (int i = 0; i < 200; i += 2) delete t.Remove(Key(i));
    for (int i = 0; i < 200; ++i) CHECK((t.Find(Key(i)) != nullptr) == (i % 2 == 1));
    int scanned = 0;
    uint64_t cursor = 0;
    do {
      cursor = t.Scan(cursor, [&](TestNode*) { ++scanned; });
    } while (cursor != 0);
    CHECK(scanned == 100);
  }
}

}  // namespace basalt::store
