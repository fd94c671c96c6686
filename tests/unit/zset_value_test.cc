// The sorted-set value against a std::set<(score, member)> model: random operations with fixed
// seeds in both encodings, every conversion, rank queries, scans and the memory count.
#include "store/zset_value.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/memory.h"

namespace basalt::store {

namespace {

using Element = std::pair<double, std::string>;

// The model orders as Redis does: score, then member bytes (std::string's order is memcmp's
// with a prefix first).
struct Model {
  std::set<Element> order;
  std::map<std::string, double> scores;

  void Set(const std::string& m, double s) {
    auto it = scores.find(m);
    if (it != scores.end()) {
      if (it->second == s) return;
      order.erase({it->second, m});
    }
    scores[m] = s;
    order.insert({s, m});
  }
  bool Remove(const std::string& m) {
    auto it = scores.find(m);
    if (it == scores.end()) return false;
    order.erase({it->second, m});
    scores.erase(it);
    return true;
  }
  std::vector<Element> Vector() const { return {order.begin(), order.end()}; }
};

std::string RandomMember(std::mt19937_64& rng, size_t space) {
  static const char* kPool[] = {"",  "0",  "1",   "-1", "007", "-0", "42", "9223372036854775807",
                                "a", "ab", "abc", "x y"};
  if (rng() % 8 == 0) return kPool[rng() % std::size(kPool)];
  return "m" + std::to_string(rng() % space);
}

double RandomScore(std::mt19937_64& rng) {
  switch (rng() % 8) {
    case 0:
      return static_cast<double>(static_cast<int64_t>(rng() % 7) - 3);  // many ties
    case 1:
      return std::ldexp(1.0, 62) * ((rng() & 1) ? 1 : -1);
    case 2:
      return (rng() & 1) ? std::numeric_limits<double>::infinity()
                         : -std::numeric_limits<double>::infinity();
    case 3:
      return static_cast<double>(rng() % 1000) / 8.0;
    case 4:
      return 1e17 * static_cast<double>(rng() % 50);
    case 5:
      return -0.0;
    default:
      return std::uniform_real_distribution<double>(-1e6, 1e6)(rng);
  }
}

std::vector<Element> Contents(const ZsetValue& z) {
  std::vector<Element> out;
  z.ForEach([&](std::string_view m, double s) { out.emplace_back(s, std::string(m)); });
  return out;
}

// Scores compare numerically (-0.0 == 0.0), as everywhere in a zset.
bool SameElements(const std::vector<Element>& a, const std::vector<Element>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || a[i].second != b[i].second) return false;
  }
  return true;
}

// Every query of `z` against the model.
void CheckQueries(const ZsetValue& z, const Model& model, std::mt19937_64& rng) {
  const std::vector<Element> want = model.Vector();
  REQUIRE(z.size() == want.size());
  REQUIRE(z.CheckInvariants());
  REQUIRE(SameElements(Contents(z), want));
  const size_t probes = std::min<size_t>(want.size(), 50);
  for (size_t i = 0; i < probes; ++i) {
    const size_t r = want.size() <= 50 ? i : rng() % want.size();
    std::string_view m;
    double s;
    NumberBuffer buf;
    z.At(r, &m, &s, &buf);
    CHECK(m == want[r].second);
    CHECK(s == want[r].first);
    size_t rank;
    REQUIRE(z.Rank(want[r].second, &rank, &s));
    CHECK(rank == r);
    CHECK(z.Score(want[r].second, &s));
    CHECK(s == want[r].first);
    for (bool exclusive : {false, true}) {
      const double q = want[r].first;
      auto it = exclusive
                    ? std::upper_bound(want.begin(), want.end(), q,
                                       [](double v, const Element& e) { return v < e.first; })
                    : std::lower_bound(want.begin(), want.end(), q,
                                       [](const Element& e, double v) { return e.first < v; });
      CHECK(z.ScoreLowerBound(q, exclusive) == static_cast<size_t>(it - want.begin()));
    }
  }
  double s;
  size_t rank;
  CHECK_FALSE(z.Rank("absent member", &rank, &s));
  CHECK_FALSE(z.Score("absent member", &s));
}

void CheckRangeVisits(const ZsetValue& z, const std::vector<Element>& want, std::mt19937_64& rng) {
  for (int round = 0; round < 6 && !want.empty(); ++round) {
    size_t from = rng() % (want.size() + 1);
    size_t to = rng() % (want.size() + 1);
    if (from > to) std::swap(from, to);
    for (bool reverse : {false, true}) {
      std::vector<Element> got;
      z.ForEachInRanks(from, to, reverse, [&](std::string_view m, double sc) {
        got.emplace_back(sc, std::string(m));
      });
      std::vector<Element> expected(want.begin() + static_cast<ptrdiff_t>(from),
                                    want.begin() + static_cast<ptrdiff_t>(to));
      if (reverse) std::reverse(expected.begin(), expected.end());
      CHECK(SameElements(got, expected));
    }
    // Stopping early visits exactly one element.
    size_t calls = 0;
    z.ForEachInRanks(0, want.size(), true, [&](std::string_view, double) {
      ++calls;
      return false;
    });
    CHECK(calls == 1);
  }
}

// Random operations on one value and the model; `limits` decide the encoding.
void RunRandom(uint64_t seed, size_t ops, size_t space, const EncodingLimits& limits) {
  std::mt19937_64 rng(seed);
  auto z = std::make_unique<ZsetValue>();
  Model model;
  for (size_t i = 0; i < ops; ++i) {
    const std::string m = RandomMember(rng, space);
    const uint64_t op = rng() % 20;
    if (op < 12) {
      const double s = RandomScore(rng);
      const bool had = model.scores.count(m) != 0;
      const bool same = had && model.scores[m] == s;
      ZsetValue::SetResult r = z->Set(m, s, limits);
      CHECK(r == (!had   ? ZsetValue::SetResult::kAdded
                  : same ? ZsetValue::SetResult::kUnchanged
                         : ZsetValue::SetResult::kUpdated));
      model.Set(m, s);
    } else if (op < 17) {
      CHECK(z->Remove(m) == model.Remove(m));
    } else if (op == 17 && !model.order.empty()) {
      size_t from = rng() % model.order.size();
      size_t to = std::min(model.order.size(), from + 1 + rng() % 8);
      CHECK(z->RemoveRanks(from, to) == to - from);
      auto first = std::next(model.order.begin(), static_cast<ptrdiff_t>(from));
      auto last = std::next(first, static_cast<ptrdiff_t>(to - from));
      for (auto it = first; it != last; ++it) model.scores.erase(it->second);
      model.order.erase(first, last);
    }
    if (i % 97 == 0) CheckQueries(*z, model, rng);
  }
  CheckQueries(*z, model, rng);
  CheckRangeVisits(*z, model.Vector(), rng);
}

}  // namespace

TEST_SUITE("zset value") {
  TEST_CASE("the listpack stores scores as Redis 7.0 does") {
    ZsetValue z;
    EncodingLimits limits;
    z.Set("a", 1, limits);
    z.Set("b", 1.5, limits);
    z.Set("c", -3, limits);
    z.Set("d", 1e17, limits);
    z.Set("e", std::numeric_limits<double>::infinity(), limits);
    z.Set("f", -0.0, limits);
    z.Set("g", std::ldexp(1.0, 62), limits);
    z.Set("h", std::nextafter(std::ldexp(1.0, 62), 1e300), limits);
    z.Set("i", -std::numeric_limits<double>::infinity(), limits);
    z.Set("j", 0.1, limits);
    std::vector<std::string> texts;
    const Listpack& lp = z.listpack();
    char buf[Listpack::kIntBufSize];
    std::vector<bool> ints;
    for (uint32_t p = lp.First(); p != Listpack::kNone; p = lp.Next(p)) {
      texts.emplace_back(lp.Get(p).Text(buf));
      ints.push_back(lp.Get(p).is_int);
    }
    const std::vector<std::string> want = {"i", "-inf",
                                           "c", "-3",
                                           "f", "0",
                                           "j", "0.10000000000000001",
                                           "a", "1",
                                           "b", "1.5",
                                           "d", "100000000000000000",
                                           "g", "4611686018427387904",
                                           "h", "4.6116860184273889e+18",
                                           "e", "inf"};
    CHECK(texts == want);
    CHECK(ints[5]);    // -0 is the integer 0
    CHECK(ints[15]);   // 2^62 is still an integer
    CHECK(!ints[17]);  // past it, text
  }

  TEST_CASE("random operations match the model in the listpack encoding") {
    EncodingLimits limits;
    limits.zset_max_listpack_entries = 1 << 20;
    limits.zset_max_listpack_value = 1 << 20;
    for (size_t space : {size_t{1}, size_t{10}, size_t{200}}) {
      CAPTURE(space);
      RunRandom(space, 1500, space, limits);
    }
  }

  TEST_CASE("random operations match the model in the tree encoding, at many sizes") {
    EncodingLimits limits;
    limits.zset_max_listpack_entries = 0;
    for (size_t space : {size_t{1}, size_t{2}, size_t{5}, size_t{63}, size_t{64}, size_t{200},
                         size_t{1000}, size_t{2000}}) {
      CAPTURE(space);
      RunRandom(space * 7 + 1, space * 6 + 300, space, limits);
    }
  }

  TEST_CASE("random operations that cross the listpack limits convert as Redis does") {
    for (int64_t entries : {0, 1, 2, 5, 16, 128}) {
      CAPTURE(entries);
      EncodingLimits limits;
      limits.zset_max_listpack_entries = entries;
      RunRandom(static_cast<uint64_t>(entries) + 99, 1200, 40, limits);
    }
  }

  TEST_CASE("the listpack becomes a tree just past each limit, and comes back when it fits") {
    for (int64_t entries : {0, 1, 3, 64, 128}) {
      CAPTURE(entries);
      EncodingLimits limits;
      limits.zset_max_listpack_entries = entries;
      ZsetValue z;
      for (int64_t i = 0; i < entries; ++i) {
        z.Set("m" + std::to_string(i), static_cast<double>(i), limits);
        CHECK(z.is_listpack());
      }
      if (entries > 0) {
        z.Set("m0", -1, limits);  // an update never converts
        CHECK(z.is_listpack());
      }
      z.Set("extra", 0.5, limits);
      CHECK_FALSE(z.is_listpack());
      CHECK(z.EncodingName() == "skiplist");
      CHECK(z.size() == static_cast<size_t>(entries) + 1);
      CHECK(z.CheckInvariants());
      z.ConvertToListpackIfFits(limits);
      CHECK_FALSE(z.is_listpack());
      z.Remove("extra");
      z.ConvertToListpackIfFits(limits);
      CHECK(z.is_listpack());  // even empty with a limit of 0: size <= limit, as Redis
      CHECK(z.CheckInvariants());
    }
    EncodingLimits limits;
    limits.zset_max_listpack_value = 4;
    ZsetValue z;
    z.Set("abcd", 1, limits);
    CHECK(z.is_listpack());
    z.Set("abcde", 2, limits);
    CHECK_FALSE(z.is_listpack());
    z.ConvertToListpackIfFits(limits);
    CHECK_FALSE(z.is_listpack());
    z.Remove("abcde");
    z.ConvertToListpackIfFits(limits);
    CHECK(z.is_listpack());
    CHECK(SameElements(Contents(z), {{1, "abcd"}}));
  }

  TEST_CASE("NewFor picks the tree when the hint passes either limit") {
    EncodingLimits limits;
    limits.zset_max_listpack_entries = 10;
    limits.zset_max_listpack_value = 8;
    auto check = [&](size_t n, size_t len, bool listpack) {
      std::unique_ptr<ZsetValue> z(ZsetValue::NewFor(n, len, limits));
      CHECK(z->is_listpack() == listpack);
      CHECK(z->size() == 0);
    };
    check(10, 8, true);
    check(11, 8, false);
    check(10, 9, false);
    check(0, 0, true);
  }

  TEST_CASE("the tree survives 200k elements, big rank removals and rebuilds") {
    const int64_t before = mem::Used();
    {
      EncodingLimits limits;
      std::mt19937_64 rng(7);
      ZsetValue z;
      Model model;
      for (int i = 0; i < 200000; ++i) {
        const std::string m = "member:" + std::to_string(rng() % 400000);
        const double s = static_cast<double>(rng() % 100000) / 4;
        z.Set(m, s, limits);
        model.Set(m, s);
      }
      CheckQueries(z, model, rng);
      CheckRangeVisits(z, model.Vector(), rng);
      // A small range (removal one by one), then a large one (rebuild).
      for (auto [from, count] : {std::pair<size_t, size_t>{1000, 50}, {5000, 60000}}) {
        CHECK(z.RemoveRanks(from, from + count) == count);
        auto first = std::next(model.order.begin(), static_cast<ptrdiff_t>(from));
        auto last = std::next(first, static_cast<ptrdiff_t>(count));
        for (auto it = first; it != last; ++it) model.scores.erase(it->second);
        model.order.erase(first, last);
        CheckQueries(z, model, rng);
      }
      // Every member removed one at a time, in random order, keeps the tree valid.
      std::vector<std::string> members;
      for (auto& [m, s] : model.scores) members.push_back(m);
      std::shuffle(members.begin(), members.end(), rng);
      for (size_t i = 0; i < members.size(); ++i) {
        CHECK(z.Remove(members[i]));
        model.Remove(members[i]);
        if (i % 20000 == 0) CheckQueries(z, model, rng);
      }
      CHECK(z.size() == 0);
      CHECK(z.CheckInvariants());
    }
    CHECK(mem::Used() == before);
  }

  TEST_CASE("removing every rank range of a small tree matches the model") {
    EncodingLimits limits;
    limits.zset_max_listpack_entries = 0;
    for (size_t n : {size_t{1}, size_t{2}, size_t{63}, size_t{64}, size_t{130}, size_t{1400}}) {
      for (size_t from = 0; from < n; from += std::max<size_t>(1, n / 7)) {
        for (size_t to = from; to <= n; to += std::max<size_t>(1, n / 5)) {
          ZsetValue z;
          Model model;
          for (size_t i = 0; i < n; ++i) {
            const std::string m = "k" + std::to_string(i * 7919 % n);
            z.Set(m, static_cast<double>(i % 13), limits);
            model.Set(m, static_cast<double>(i % 13));
          }
          CHECK(z.RemoveRanks(from, to) == to - from);
          std::vector<Element> want = model.Vector();
          want.erase(want.begin() + static_cast<ptrdiff_t>(from),
                     want.begin() + static_cast<ptrdiff_t>(to));
          CHECK(z.CheckInvariants());
          CHECK(SameElements(Contents(z), want));
        }
      }
    }
  }

  TEST_CASE("lex bounds compare member bytes, a prefix first") {
    for (int64_t entries : {128, 0}) {
      EncodingLimits limits;
      limits.zset_max_listpack_entries = entries;
      ZsetValue z;
      for (const char* m : {"a", "ab", "abc", "b", "ba", "c", "1", "10", "2"}) z.Set(m, 0, limits);
      CHECK(z.is_listpack() == (entries > 0));
      // Order: "1" "10" "2" "a" "ab" "abc" "b" "ba" "c".
      CHECK(z.LexLowerBound("a", false) == 3);
      CHECK(z.LexLowerBound("a", true) == 4);
      CHECK(z.LexLowerBound("abd", false) == 6);
      CHECK(z.LexLowerBound("", false) == 0);
      CHECK(z.LexLowerBound("c", true) == 9);
      CHECK(z.LexLowerBound("1", true) == 1);
      CHECK(z.ScoreLowerBound(0, false) == 0);
      CHECK(z.ScoreLowerBound(0, true) == 9);
      CHECK(z.ScoreLowerBound(-0.0, true) == 9);
    }
  }

  TEST_CASE("a scan reports every element at least once while the table rehashes") {
    EncodingLimits limits;
    limits.zset_max_listpack_entries = 0;
    ZsetValue z;
    for (int i = 0; i < 1000; ++i) z.Set("s" + std::to_string(i), i, limits);
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int steps = 0;
    int next = 1000;
    do {
      cursor = z.Scan(cursor, [&](std::string_view m, double) { seen.emplace(m); });
      // Growth (and so rehashing) between the first steps, and removals of added members
      // only. (Growing at every step would outrun the scan for ever.)
      if (steps < 40) {
        for (int i = 0; i < 20; ++i) z.Set("t" + std::to_string(next++), 1, limits);
        if (steps % 3 == 0) z.Remove("t" + std::to_string(next - 7));
      }
      ++steps;
    } while (cursor != 0);
    for (int i = 0; i < 1000; ++i) CHECK(seen.count("s" + std::to_string(i)) == 1);
    // A listpack answers whole, with cursor 0.
    ZsetValue small;
    small.Set("x", 1, EncodingLimits());
    small.Set("y", 2, EncodingLimits());
    size_t n = 0;
    CHECK(small.Scan(0, [&](std::string_view, double) { ++n; }) == 0);
    CHECK(n == 2);
  }

  TEST_CASE("MemoryUsage is what mem:: holds, and it goes back") {
    for (int64_t entries : {128, 0}) {
      CAPTURE(entries);
      EncodingLimits limits;
      limits.zset_max_listpack_entries = entries;
      const int64_t before = mem::Used();
      // Exact but for the allocator's rounding of the table's bucket arrays, which the table
      // reports as their requested size (as for hashes and sets): at most two arrays.
      auto near = [&](size_t usage) {
        const int64_t held = mem::Used() - before;
        return static_cast<int64_t>(usage) <= held && held - static_cast<int64_t>(usage) <= 32;
      };
      auto* z = new ZsetValue();
      size_t last = z->MemoryUsage();
      CHECK(near(last));
      for (int i = 0; i < 3000; ++i) {
        z->Set("member-" + std::to_string(i), i * 0.5, limits);
        if (i % 500 == 0) {
          CHECK(near(z->MemoryUsage()));
          CHECK(z->MemoryUsage() >= last);
          last = z->MemoryUsage();
        }
      }
      const size_t peak = z->MemoryUsage();
      for (int i = 0; i < 2990; ++i) z->Remove("member-" + std::to_string(i));
      CHECK(near(z->MemoryUsage()));
      // The table shrinks incrementally, one bucket step per write, as Redis's dicts do; most
      // of the memory is back already.
      CHECK(z->MemoryUsage() * 4 < peak);
      delete z;
      CHECK(mem::Used() == before);
    }
  }

  TEST_CASE("a clone is deep and independent, in both encodings") {
    const int64_t before = mem::Used();
    for (int64_t entries : {128, 0}) {
      EncodingLimits limits;
      limits.zset_max_listpack_entries = entries;
      auto z = std::make_unique<ZsetValue>();
      for (int i = 0; i < 500; ++i) z->Set("c" + std::to_string(i % 100), i % 37, limits);
      std::unique_ptr<ZsetValue> copy(static_cast<ZsetValue*>(z->Clone()));
      CHECK(copy->is_listpack() == z->is_listpack());
      CHECK(copy->CheckInvariants());
      // A tree's clone is built in bulk, with full leaves: never bigger.
      CHECK(copy->MemoryUsage() <= z->MemoryUsage());
      CHECK(static_cast<int64_t>(copy->MemoryUsage()) <= mem::Used() - before);
      const std::vector<Element> original = Contents(*z);
      CHECK(SameElements(Contents(*copy), original));
      copy->Set("c1", 1000, limits);
      copy->Remove("c2");
      copy->RemoveRanks(0, 10);
      CHECK(SameElements(Contents(*z), original));
      z.reset();
      CHECK(copy->CheckInvariants());
      CHECK(copy->size() == 89);
    }
    CHECK(mem::Used() == before);
  }

  TEST_CASE("tree memory per element stays small") {
    EncodingLimits limits;
    limits.zset_max_listpack_entries = 0;
    const size_t n = 1000000;
    auto z = std::make_unique<ZsetValue>();
    std::mt19937_64 rng(3);
    size_t member_bytes = 0;
    for (size_t i = 0; i < n; ++i) {
      const std::string m = "m:" + std::to_string(10000000 + i);  // 10 bytes
      member_bytes += m.size();
      z->Set(m, static_cast<double>(rng() % 1000000), limits);
    }
    const double per = static_cast<double>(z->MemoryUsage()) / n;
    const double overhead = static_cast<double>(z->MemoryUsage() - member_bytes) / n;
    MESSAGE("random inserts: " << per << " bytes per element, " << overhead
                               << " beyond the member bytes");
    std::unique_ptr<ZsetValue> rebuilt(static_cast<ZsetValue*>(z->Clone()));
    MESSAGE("after a clone (bulk build): "
            << static_cast<double>(rebuilt->MemoryUsage() - member_bytes) / n
            << " beyond the member bytes");
    CHECK(overhead < 64);
    // ZREMRANGEBYRANK of (almost) everything: one pass over the set, not a descent per element.
    const auto start = std::chrono::steady_clock::now();
    CHECK(z->RemoveRanks(1, n) == n - 1);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    MESSAGE("RemoveRanks(1, 1M): " << ms << " ms");
    CHECK(z->size() == 1);
    CHECK(z->CheckInvariants());
  }
}

}  // namespace basalt::store
