// HyperLogLog values (store/hyperloglog.h): the bytes redis-server 7.0.15 makes for the same
// elements, both encodings and the conversion between them, the cache, corrupt inputs.
#include "store/hyperloglog.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace basalt::store;

namespace {

std::string Hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string WithElements(const std::vector<std::string>& elements, size_t max_bytes = 3000) {
  std::string h = hll::NewSparse();
  for (const std::string& e : elements) REQUIRE(hll::Add(h, e, max_bytes) >= 0);
  hll::InvalidateCache(h);
  return h;
}

std::vector<std::string> Numbers(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(std::to_string(i));
  return out;
}

}  // namespace

TEST_SUITE("hyperloglog") {
  TEST_CASE("the bytes and estimates redis-server 7.0.15 gives for the same elements") {
    const std::string header_stale = "48594c4c01000000000000000000008";
    CHECK(Hex(hll::NewSparse()) ==
          "48594c4c010000000000000000000000"
          "7fff");
    CHECK(Hex(WithElements({"a"})) == header_stale + "071a6844e57");
    std::string four = WithElements({"a", "b", "c", "foo"});
    CHECK(Hex(four) == header_stale + "05cb390443e8050b1844bfb80425a");
    bool corrupt = true;
    CHECK(hll::Count(four, &corrupt) == 4);
    CHECK_FALSE(corrupt);
    hll::SetCachedCount(four, 4);
    CHECK(Hex(four).substr(0, 32) == "48594c4c010000000400000000000000");
    uint64_t cached = 0;
    CHECK(hll::CachedCount(four, &cached));
    CHECK(cached == 4);

    std::string thousand = WithElements(Numbers(0, 1000));
    CHECK(thousand.size() == 1923);
    CHECK(hll::Count(thousand, &corrupt) == 1001);
    std::string many = WithElements(Numbers(0, 100000));
    CHECK(hll::IsDense(many));
    CHECK(many.size() == hll::kDenseSize);
    CHECK(hll::Count(many, &corrupt) == 99565);
  }

  TEST_CASE("sparse and dense give the same registers and estimate; merging agrees") {
    const std::vector<std::string> elements = Numbers(0, 2000);
    std::string sparse = WithElements(elements, 1 << 20);  // never promoted for size
    std::string dense = hll::NewSparse();
    REQUIRE(hll::ToDense(dense));
    for (const std::string& e : elements) hll::Add(dense, e, 3000);
    bool corrupt;
    if (!hll::IsDense(sparse)) {
      CHECK(hll::Count(sparse, &corrupt) == hll::Count(dense, &corrupt));
    }
    hll::RawRegisters a{}, b{};
    REQUIRE(hll::MergeInto(a, sparse));
    REQUIRE(hll::MergeInto(b, dense));
    CHECK(a == b);
    CHECK(hll::CountRaw(a) == hll::Count(dense, &corrupt));
    std::string converted = sparse;
    REQUIRE(hll::ToDense(converted));
    CHECK(converted.substr(hll::kHeaderSize) == dense.substr(hll::kHeaderSize));
    // Adding what is there changes nothing.
    CHECK(hll::Add(dense, "17", 3000) == 0);
    CHECK(hll::Add(sparse, "17", 1 << 20) == 0);
  }

  TEST_CASE("validity and corrupt registers") {
    CHECK(hll::LooksValid(hll::NewSparse()));
    CHECK_FALSE(hll::LooksValid("HYLL"));
    std::string bad_magic = hll::NewSparse();
    bad_magic[3] = 'X';
    CHECK_FALSE(hll::LooksValid(bad_magic));
    std::string bad_encoding = hll::NewSparse();
    bad_encoding[4] = 2;
    CHECK_FALSE(hll::LooksValid(bad_encoding));
    std::string short_dense = hll::NewSparse();
    short_dense[4] = 0;
    CHECK_FALSE(hll::LooksValid(short_dense));  // dense must be exactly kDenseSize
    // Sparse opcodes that cover fewer or more registers than there are.
    std::string too_few = hll::NewSparse();
    too_few.back() = '\xfe';
    bool corrupt = false;
    hll::Count(too_few, &corrupt);
    CHECK(corrupt);
    std::string too_many = hll::NewSparse() + "\x80";
    hll::Count(too_many, &corrupt);
    CHECK(corrupt);
    hll::RawRegisters max{};
    CHECK_FALSE(hll::MergeInto(max, too_many));
    CHECK_FALSE(hll::ToDense(too_few));
    // A write finds no opcode for a register past the last run (as Redis's, which checks only
    // the run it writes into).
    CHECK(hll::SetRegister(too_few, hll::kRegisters - 1, 1, 3000) == -1);
    std::string cut = hll::NewSparse();
    cut.pop_back();  // an XZERO without its second byte
    hll::Count(cut, &corrupt);
    CHECK(corrupt);
  }

  TEST_CASE("a register above 32 makes a sparse value dense") {
    std::string h = hll::NewSparse();
    CHECK(hll::SetRegister(h, 5, 32, 3000) == 1);
    CHECK_FALSE(hll::IsDense(h));
    CHECK(hll::SetRegister(h, 6, 33, 3000) == 1);
    CHECK(hll::IsDense(h));
    hll::RawRegisters regs{};
    REQUIRE(hll::MergeInto(regs, h));
    CHECK(regs[5] == 32);
    CHECK(regs[6] == 33);
    CHECK(regs[7] == 0);
  }
}

TEST_SUITE("hyperloglog debugging") {
  TEST_CASE("PFDEBUG DECODE's text: runs of zeros, values, cut values read as Redis reads them") {
    CHECK(hll::DescribeSparse(hll::NewSparse()) == "Z:16384");
    std::string h = hll::NewSparse();
    REQUIRE(hll::Add(h, "a", 3000) == 1);
    REQUIRE(hll::Add(h, "b", 3000) == 1);
    REQUIRE(hll::Add(h, "c", 3000) == 1);
    // redis-server 7.0.15 decodes PFADD h a b c so.
    CHECK(hll::DescribeSparse(h) == "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
    // XZERO, ZERO, VAL, and an XZERO cut short by the end (its missing byte read as 0).
    const std::string odd = std::string(h, 0, hll::kHeaderSize) + "\x7f\x02\x02\x84\x40";
    CHECK(hll::DescribeSparse(odd) == "Z:16131 z:3 v:2,1 Z:1");
  }

  TEST_CASE("PFSELFTEST's checks hold") { CHECK(hll::SelfTest() == ""); }
}
