// IntSet: Redis's intset bytes (checked against DUMPs of redis-server 7.0.15), encoding
// upgrades, random operations against std::set, and validation of corrupt blobs.
#include "store/intset.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/memory.h"

namespace basalt::store {
namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

void CheckMatches(const IntSet& set, const std::set<int64_t>& model) {
  REQUIRE(set.size() == model.size());
  size_t i = 0;
  for (int64_t v : model) {
    REQUIRE(set.Get(i) == v);
    ++i;
  }
  const std::string_view b = set.bytes();
  CHECK(b.size() == IntSet::kHeaderSize + model.size() * set.encoding());
  if (!model.empty()) {
    auto copy = IntSet::FromBytes(b);
    REQUIRE(copy.has_value());
    CHECK(copy->bytes() == b);
  }
}

bool Accepted(const std::string& blob) {
  std::vector<char> exact(blob.begin(), blob.end());  // ASan sees reads past the end
  return IntSet::FromBytes(std::string_view(exact.data(), exact.size())).has_value();
}

IntSet Of(std::initializer_list<int64_t> values) {
  IntSet set;
  for (int64_t v : values) set.Insert(v);
  return set;
}

}  // namespace

TEST_SUITE("intset") {
  TEST_CASE("bytes match what redis-server 7.0.15 DUMPs") {
    IntSet empty;
    CHECK(empty.bytes() == Unhex("0200000000000000"));
    CHECK(empty.size() == 0);
    // SADD s 5 -3 1000
    const std::string small = Unhex("0200000003000000fdff0500e803");
    CHECK(Of({5, -3, 1000}).bytes() == small);
    auto loaded = IntSet::FromBytes(small);
    REQUIRE(loaded.has_value());
    CheckMatches(*loaded, {-3, 5, 1000});
    // SADD s2 5 -3 70000 -9223372036854775808
    const std::string wide =
        Unhex("08000000040000000000000000000080fdffffffffffffff05000000000000007011010000000000");
    CHECK(Of({5, -3, 70000, INT64_MIN}).bytes() == wide);
    auto loaded_wide = IntSet::FromBytes(wide);
    REQUIRE(loaded_wide.has_value());
    CheckMatches(*loaded_wide, {INT64_MIN, -3, 5, 70000});
  }

  TEST_CASE("upgrades at each encoding boundary") {
    IntSet set = Of({1, 2, 3});
    CHECK(set.encoding() == 2);
    CHECK(set.Insert(32767));
    CHECK(set.Insert(-32768));
    CHECK(set.encoding() == 2);
    CHECK_FALSE(set.Contains(32768));
    CHECK_FALSE(set.Contains(INT64_MAX));
    CHECK(set.Insert(32768));  // appended at the wider width
    CHECK(set.encoding() == 4);
    CheckMatches(set, {-32768, 1, 2, 3, 32767, 32768});
    CHECK(set.Insert(-2147483648LL));
    CHECK(set.encoding() == 4);
    CHECK(set.Insert(-2147483649LL));  // prepended at the wider width
    CHECK(set.encoding() == 8);
    CheckMatches(set, {-2147483649LL, -2147483648LL, -32768, 1, 2, 3, 32767, 32768});
    CHECK(set.Insert(INT64_MAX));
    CHECK(set.Insert(INT64_MIN));
    CHECK_FALSE(set.Insert(INT64_MIN));
    CheckMatches(
        set, {INT64_MIN, -2147483649LL, -2147483648LL, -32768, 1, 2, 3, 32767, 32768, INT64_MAX});
    // Removing the wide members does not narrow the encoding, as in Redis.
    CHECK(set.Remove(INT64_MIN));
    CHECK(set.Remove(INT64_MAX));
    CHECK(set.Remove(-2147483649LL));
    CHECK(set.encoding() == 8);
    CHECK_FALSE(set.Remove(12345));

    IntSet negative = Of({-1});
    CHECK(negative.Insert(-32769));
    CHECK(negative.encoding() == 4);
    CheckMatches(negative, {-32769, -1});
    IntSet direct;
    CHECK(direct.Insert(INT64_MAX));  // an empty set upgrades too
    CHECK(direct.encoding() == 8);
    CheckMatches(direct, {INT64_MAX});
  }

  TEST_CASE("values wider than the encoding are never members") {
    IntSet set = Of({0, 100});
    CHECK_FALSE(set.Contains(65536));
    CHECK_FALSE(set.Contains(-65536));
    CHECK_FALSE(set.Remove(65536));
    CHECK(set.encoding() == 2);
    CHECK(set.Contains(100));
    CHECK_FALSE(set.Contains(99));
  }

  TEST_CASE("random operations match std::set") {
    std::mt19937_64 rng(424242);
    IntSet set;
    std::set<int64_t> model;
    auto random_value = [&rng]() -> int64_t {
      switch (rng() % 4) {
        case 0:
          return static_cast<int64_t>(rng() % 200) - 100;
        case 1:
          return static_cast<int16_t>(rng());
        case 2:
          return rng() % 50 == 0 ? static_cast<int32_t>(rng()) : static_cast<int64_t>(rng() % 7);
        default:
          return rng() % 200 == 0 ? static_cast<int64_t>(rng()) : static_cast<int64_t>(rng() % 9);
      }
    };
    for (int op = 0; op < 10000; ++op) {
      CAPTURE(op);
      const int64_t v = random_value();
      if (rng() % 3 == 0) {
        CHECK(set.Remove(v) == (model.erase(v) == 1));
      } else {
        CHECK(set.Insert(v) == model.insert(v).second);
      }
      const int64_t probe = random_value();
      CHECK(set.Contains(probe) == (model.count(probe) == 1));
      if (op % 10 == 0 || op > 9900) CheckMatches(set, model);
    }
    CheckMatches(set, model);
  }

  TEST_CASE("Random picks every member") {
    IntSet set = Of({-5, 0, 7, 1000000});
    std::mt19937_64 rng(3);
    std::set<int64_t> seen;
    for (int i = 0; i < 400; ++i) {
      const int64_t v = set.Random(rng);
      CHECK(set.Contains(v));
      seen.insert(v);
    }
    CHECK(seen.size() == 4);
  }

  TEST_CASE("clone, move and memory accounting") {
    const int64_t before = mem::Used();
    {
      IntSet set = Of({1, 2, 70000});
      CHECK(set.MemoryUsage() >= set.bytes().size());
      IntSet copy = set.Clone();
      CHECK(copy.bytes() == set.bytes());
      IntSet moved(std::move(set));
      CHECK(moved.bytes() == copy.bytes());
      IntSet assigned;
      assigned = std::move(moved);
      CHECK(assigned.Contains(70000));
      CHECK(assigned.Remove(70000));
      CHECK_FALSE(copy.Insert(70000));
    }
    CHECK(mem::Used() == before);
  }

  TEST_CASE("corrupt blobs are refused") {
    const std::string good(Of({-3, 5, 1000}).bytes());
    REQUIRE(Accepted(good));
    for (size_t len = 0; len < good.size(); ++len) CHECK_FALSE(Accepted(good.substr(0, len)));
    CHECK_FALSE(Accepted(good + '\0'));
    CHECK_FALSE(Accepted(good + std::string(2, '\0')));  // one more member, count not updated
    for (uint32_t enc : {0u, 1u, 3u, 6u, 16u, 0x02000000u}) {
      std::string bad = good;
      for (int i = 0; i < 4; ++i) bad[i] = static_cast<char>(enc >> (8 * i));
      CHECK_FALSE(Accepted(bad));
    }
    for (uint32_t n : {0u, 2u, 4u, 0x80000001u, 0xffffffffu}) {
      std::string bad = good;
      for (int i = 0; i < 4; ++i) bad[4 + i] = static_cast<char>(n >> (8 * i));
      CHECK_FALSE(Accepted(bad));
    }
    CHECK_FALSE(Accepted(Unhex("0200000000000000")));              // empty
    CHECK_FALSE(Accepted(Unhex("0200000003000000010005000500")));  // duplicate
    CHECK_FALSE(Accepted(Unhex("0200000003000000010006000500")));  // out of order
    CHECK_FALSE(Accepted(Unhex("04000000020000000500000001000000")));
    CHECK(Accepted(Unhex("04000000020000000100000005000000")));  // wider than needed: ok
    CHECK(Accepted(Unhex("02000000010000000080")));              // -32768 alone
  }
}

}  // namespace basalt::store
