// Listpack: exact bytes of each encoding (checked against blobs written by redis-server
// 7.0.15), navigation and mutation against a std::deque model, and validation of corrupt blobs.
#include "store/listpack.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/memory.h"

namespace basalt::store {
namespace {

std::string Hex(std::string_view s) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// The bytes of the single element (encoding, data, backlen) a listpack holding only `s` has.
std::string ElementBytes(std::string_view s) {
  Listpack lp;
  lp.Append(s);
  std::string_view all = lp.bytes();
  return std::string(all.substr(Listpack::kHeaderSize, all.size() - Listpack::kHeaderSize - 1));
}

std::string Text(const Listpack& lp, uint32_t pos) {
  char buf[Listpack::kIntBufSize];
  return std::string(lp.Get(pos).Text(buf));
}

// Every element forwards and backwards, Seek from both ends, the header, and FromBytes of the
// block.
void CheckMatches(const Listpack& lp, const std::deque<std::string>& model) {
  REQUIRE(lp.size() == model.size());
  std::string_view bytes = lp.bytes();
  REQUIRE(bytes.size() == lp.bytes_size());
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  CHECK(static_cast<size_t>(b[0] | b[1] << 8 | b[2] << 16 | uint32_t{b[3]} << 24) == bytes.size());
  const size_t header_count = b[4] | b[5] << 8;
  CHECK(header_count == std::min<size_t>(model.size(), 65535));
  uint32_t pos = lp.First();
  for (size_t i = 0; i < model.size(); ++i) {
    REQUIRE(pos != Listpack::kNone);
    REQUIRE(Text(lp, pos) == model[i]);
    pos = lp.Next(pos);
  }
  CHECK(pos == Listpack::kNone);
  pos = lp.Last();
  for (size_t i = model.size(); i-- > 0;) {
    REQUIRE(pos != Listpack::kNone);
    REQUIRE(Text(lp, pos) == model[i]);
    pos = lp.Prev(pos);
  }
  CHECK(pos == Listpack::kNone);
  if (!model.empty()) {
    CHECK(Text(lp, lp.Seek(0)) == model.front());
    CHECK(Text(lp, lp.Seek(-1)) == model.back());
    const auto mid = static_cast<int64_t>(model.size() / 2);
    CHECK(Text(lp, lp.Seek(mid)) == model[mid]);
    CHECK(Text(lp, lp.Seek(mid - static_cast<int64_t>(model.size()))) == model[mid]);
  }
  CHECK(lp.Seek(static_cast<int64_t>(model.size())) == Listpack::kNone);
  CHECK(lp.Seek(-1 - static_cast<int64_t>(model.size())) == Listpack::kNone);
  auto copy = Listpack::FromBytes(bytes);
  REQUIRE(copy.has_value());
  CHECK(copy->size() == model.size());
}

std::string RandomValue(std::mt19937_64& rng) {
  switch (rng() % 10) {
    case 0:
      return std::to_string(static_cast<int64_t>(rng() % 256) - 128);
    case 1:
      return std::to_string(static_cast<int64_t>(rng() % 20000) - 10000);
    case 2:
      return std::to_string(static_cast<int64_t>(rng()));
    case 3:
      return std::to_string(static_cast<int32_t>(rng()));
    case 4:
      return "0" + std::to_string(rng() % 100);  // leading zero: a string
    case 5:
      return std::string(rng() % 200, static_cast<char>('a' + rng() % 26));
    case 6:
      return rng() % 20 == 0 ? std::string(4000 + rng() % 200, 'L') : std::string("x");
    default:
      return std::string(rng() % 10, static_cast<char>('a' + rng() % 26));
  }
}

// One random mutation, applied to both the listpack and the model; checks what it returns.
void RandomOperation(std::mt19937_64& rng, Listpack* lp, std::deque<std::string>* model) {
  const size_t n = model->size();
  const size_t i = n == 0 ? 0 : rng() % n;
  const auto at = static_cast<int64_t>(i);
  const auto it = model->begin() + static_cast<ptrdiff_t>(i);
  const std::string v = RandomValue(rng);
  const int kind = n > 300 ? 7 : n == 0 ? static_cast<int>(rng() % 3) : static_cast<int>(rng() % 9);
  if (kind == 0) {
    lp->Append(v);
    model->push_back(v);
  } else if (kind == 1) {
    lp->Prepend(v);
    model->push_front(v);
  } else if (kind == 2) {
    const auto x = static_cast<int64_t>(rng() >> (rng() % 64));
    const int64_t signed_x = rng() % 2 ? x : -x;
    lp->AppendInt(signed_x);
    model->push_back(std::to_string(signed_x));
  } else if (kind == 3) {
    const uint32_t p = lp->InsertBefore(lp->Seek(at), v);
    model->insert(it, v);
    CHECK(p == lp->Seek(at));
  } else if (kind == 4) {
    const uint32_t p = lp->InsertAfter(lp->Seek(at), v);
    model->insert(it + 1, v);
    CHECK(p == lp->Seek(at + 1));
  } else if (kind == 5) {
    CHECK(lp->Replace(lp->Seek(at), v) == lp->Seek(at));
    *it = v;
  } else if (kind == 6) {
    const uint32_t next = lp->Delete(lp->Seek(at));
    model->erase(it);
    CHECK(next == (i < model->size() ? lp->Seek(at) : Listpack::kNone));
  } else if (kind == 7) {
    const size_t count = rng() % (n / 2 + 2);
    lp->DeleteRange(lp->Seek(at), count);
    model->erase(it, model->begin() + static_cast<ptrdiff_t>(std::min(n, i + count)));
  } else {
    // Replace with an element read from the same block (the mutation moves its bytes).
    const uint32_t src = lp->Seek(static_cast<int64_t>(rng() % n));
    char buf[Listpack::kIntBufSize];
    const std::string text(lp->Get(src).Text(buf));
    lp->Replace(lp->Seek(at), lp->Get(src).Text(buf));
    *it = text;
  }
}

// A listpack touching every encoding and backlen width.
Listpack Sample() {
  Listpack lp;
  for (const std::string& s :
       {std::string("a"), std::string("7"), std::string("-100"), std::string("300"),
        std::string("-5000"), std::string("70000"), std::string("-2147483648"),
        std::string("9223372036854775807"), std::string(""), std::string(100, 'x'),
        std::string(200, 'y'), std::string(5000, 'z'), std::string(17000, 'w'),
        std::string("007")}) {
    lp.Append(s);
  }
  return lp;
}

// Offsets where an element starts (and the terminator's).
std::vector<size_t> Boundaries(const Listpack& lp) {
  std::vector<size_t> out;
  for (uint32_t p = lp.First(); p != Listpack::kNone; p = lp.Next(p)) out.push_back(p);
  out.push_back(lp.bytes_size() - 1);
  return out;
}

void SetTotal(std::string* blob, uint32_t total) {
  for (int i = 0; i < 4; ++i) (*blob)[i] = static_cast<char>(total >> (8 * i));
}

// FromBytes over a heap copy of exactly the blob's size, so ASan sees any read past its end.
bool AcceptedExact(const std::string& blob) {
  std::vector<char> exact(blob.begin(), blob.end());
  return Listpack::FromBytes(std::string_view(exact.data(), exact.size())).has_value();
}

}  // namespace

TEST_SUITE("listpack encoding") {
  TEST_CASE("an empty listpack is the 7-byte header and terminator") {
    Listpack lp;
    CHECK(Hex(lp.bytes()) == "070000000000ff");
    CHECK(lp.size() == 0);
    CHECK(lp.First() == Listpack::kNone);
    CHECK(lp.Last() == Listpack::kNone);
    CHECK(lp.Seek(0) == Listpack::kNone);
    CHECK(lp.MemoryUsage() >= 7);
  }

  TEST_CASE("integers take the smallest encoding, with Redis's bytes") {
    struct Case {
      std::string text;
      const char* hex;
    };
    const Case cases[] = {
        {"0", "0001"},
        {"1", "0101"},
        {"127", "7f01"},
        {"128", "c08002"},
        {"-1", "dfff02"},
        {"-100", "df9c02"},
        {"-4096", "d00002"},
        {"4095", "cfff02"},
        {"4096", "f1001003"},
        {"-4097", "f1ffef03"},
        {"-5000", "f178ec03"},
        {"-32768", "f1008003"},
        {"32767", "f1ff7f03"},
        {"32768", "f200800004"},
        {"-32769", "f2ff7fff04"},
        {"70000", "f270110104"},
        {"8388607", "f2ffff7f04"},
        {"-8388608", "f200008004"},
        {"8388608", "f30000800005"},
        {"-8388609", "f3ffff7fff05"},
        {"2147483647", "f3ffffff7f05"},
        {"-2147483648", "f30000008005"},
        {"2147483648", "f4000000800000000009"},
        {"-2147483649", "f4ffffff7fffffffff09"},
        {"9223372036854775807", "f4ffffffffffffff7f09"},
        {"-9223372036854775808", "f4000000000000008009"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.text);
      CHECK(Hex(ElementBytes(c.text)) == c.hex);
      int64_t v = std::stoll(c.text);
      Listpack lp;
      lp.AppendInt(v);
      CHECK(Hex(lp.bytes().substr(6, lp.bytes_size() - 7)) == c.hex);
      Listpack::Value got = lp.Get(lp.First());
      CHECK(got.is_int);
      CHECK(got.num == v);
      CHECK(got.Equals(c.text));
      CHECK(Listpack::EntrySizeFor(c.text) == Unhex(c.hex).size());
      CHECK(Listpack::EntrySizeForInt(v) == Unhex(c.hex).size());
    }
  }

  TEST_CASE("text that is not a canonical integer stays a string") {
    const std::string twenty = "12345678901234567890";       // 20 digits, above INT64_MAX
    const std::string twenty_one = "123456789012345678901";  // 21 digits
    for (const std::string& s :
         {std::string("-0"), std::string("007"), std::string("+1"), std::string(" 1"),
          std::string("1 "), std::string("0x1"), std::string("1.0"), std::string("-"),
          std::string(""), std::string("9223372036854775808"), twenty, twenty_one}) {
      CAPTURE(s);
      std::string expected;
      expected += static_cast<char>(0x80 | s.size());
      expected += s;
      expected += static_cast<char>(s.size() + 1);
      CHECK(Hex(ElementBytes(s)) == Hex(expected));
      Listpack lp;
      lp.Append(s);
      Listpack::Value v = lp.Get(lp.First());
      CHECK_FALSE(v.is_int);
      CHECK(v.str == s);
      CHECK(v.Equals(s));
      CHECK(Listpack::EntrySizeFor(s) == expected.size());
    }
  }

  TEST_CASE("string headers and backlens at the size boundaries") {
    struct Case {
      size_t len;
      const char* head;
      const char* backlen;
    };
    const Case cases[] = {
        {63, "bf", "40"},                     // 6-bit length, 64-byte element
        {64, "e040", "42"},                   // 12-bit length
        {125, "e07d", "7f"},                  // element of 127: the largest 1-byte backlen
        {126, "e07e", "0180"},                // 128 needs two bytes
        {4095, "efff", "2081"},               // 4097
        {4096, "f000100000", "2085"},         // 32-bit length, 4101
        {16377, "f0f93f0000", "7ffe"},        // 16382: the largest 2-byte backlen
        {16378, "f0fa3f0000", "00ffff"},      // 16383 takes three bytes, as in Redis
        {2097145, "f0f9ff1f00", "7ffffe"},    // 2097150: the largest 3-byte backlen
        {2097146, "f0faff1f00", "00ffffff"},  // 2097151 takes four
    };
    for (const Case& c : cases) {
      CAPTURE(c.len);
      const std::string s(c.len, 'q');
      const std::string element = ElementBytes(s);
      const std::string head = Unhex(c.head);
      const std::string back = Unhex(c.backlen);
      REQUIRE(element.size() == head.size() + c.len + back.size());
      CHECK(Hex(element.substr(0, head.size())) == c.head);
      CHECK(element.substr(head.size(), c.len) == s);
      CHECK(Hex(element.substr(head.size() + c.len)) == c.backlen);
      CHECK(Listpack::EntrySizeFor(s) == element.size());
      Listpack lp;
      lp.Append("a");
      lp.Append(s);
      lp.Append("b");
      CheckMatches(lp, {"a", s, "b"});
      CHECK(lp.Get(lp.Seek(1)).str == s);
    }
  }

  TEST_CASE("Value text and comparison") {
    Listpack lp;
    lp.Append("-42");
    lp.Append("hello");
    char buf[Listpack::kIntBufSize];
    Listpack::Value n = lp.Get(lp.First());
    CHECK(n.Text(buf) == "-42");
    CHECK(n.Equals("-42"));
    CHECK_FALSE(n.Equals("-042"));
    CHECK_FALSE(n.Equals("42"));
    CHECK_FALSE(n.Equals("-42 "));
    Listpack::Value s = lp.Get(lp.Last());
    CHECK(s.Text(buf) == "hello");
    CHECK(s.Equals("hello"));
    CHECK_FALSE(s.Equals("hell"));
  }
}

TEST_SUITE("listpack redis blobs") {
  TEST_CASE("a small hash DUMPed by redis-server 7.0.15 loads and reads back") {
    // DUMP of `HSET h a 1 b hello`: type 16 (hash listpack), RDB string of 22 bytes, RDB
    // version 10, CRC64.
    const std::string dump =
        Unhex("101616000000040081610201018162028568656c6c6f06ff0a00e8c5fe99ee07955d");
    const std::string blob = dump.substr(2, 0x16);
    auto lp = Listpack::FromBytes(blob);
    REQUIRE(lp.has_value());
    CheckMatches(*lp, {"a", "1", "b", "hello"});
    CHECK(lp->Get(lp->Seek(1)).is_int);
    CHECK(lp->bytes() == blob);
    Listpack built;
    for (const char* s : {"a", "1", "b", "hello"}) built.Append(s);
    CHECK(Hex(built.bytes()) == Hex(blob));
    CHECK(lp->Find(lp->First(), "b", 2) == lp->Seek(2));
  }

  TEST_CASE("a hash with every integer width, as redis-server 7.0.15 wrote it") {
    // HSET h2 n -5000 big 9223372036854775807 s <60 x> m -2147483649 z 007 w -0 q 70000 k -100
    // (the DUMP's LZF-compressed listpack, decompressed).
    const std::string blob = Unhex(
        "880000001000816e02f178ec038362696704f4ffffffffffffff7f09817302bc78787878787878787878787878"
        "787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878"
        "78783d816d02f4ffffff7fffffffff09817a028330303704817702822d3003817102f270110104816b02df9c02"
        "ff");
    auto lp = Listpack::FromBytes(blob);
    REQUIRE(lp.has_value());
    const std::deque<std::string> expected = {"n",   "-5000",
                                              "big", "9223372036854775807",
                                              "s",   std::string(60, 'x'),
                                              "m",   "-2147483649",
                                              "z",   "007",
                                              "w",   "-0",
                                              "q",   "70000",
                                              "k",   "-100"};
    CheckMatches(*lp, expected);
    Listpack built;
    for (const std::string& s : expected) built.Append(s);
    CHECK(Hex(built.bytes()) == Hex(blob));
  }
}

TEST_SUITE("listpack operations") {
  TEST_CASE("random operations match a deque, forwards and backwards") {
    std::mt19937_64 rng(20240601);
    Listpack lp;
    std::deque<std::string> model;
    for (int op = 0; op < 10000; ++op) {
      CAPTURE(op);
      RandomOperation(rng, &lp, &model);
      CheckMatches(lp, model);
      if (model.empty()) continue;
      // Find, over every element and over every other one, agrees with a linear search.
      const std::string& wanted = model[rng() % model.size()];
      const auto every = std::find(model.begin(), model.end(), wanted) - model.begin();
      CHECK(lp.Find(lp.First(), wanted) == lp.Seek(every));
      int64_t even = -1;
      for (size_t k = 0; k < model.size() && even < 0; k += 2) {
        if (model[k] == wanted) even = static_cast<int64_t>(k);
      }
      CHECK(lp.Find(lp.First(), wanted, 2) == (even < 0 ? Listpack::kNone : lp.Seek(even)));
    }
  }

  TEST_CASE("Find compares text and steps over values") {
    Listpack lp;
    for (const char* s : {"a", "b", "b", "a", "10", "10", "007", "x", "-0", "0"}) lp.Append(s);
    const uint32_t first = lp.First();
    CHECK(lp.Find(first, "a", 2) == lp.Seek(0));
    CHECK(lp.Find(first, "b", 2) == lp.Seek(2));
    CHECK(lp.Find(first, "10", 2) == lp.Seek(4));
    CHECK(lp.Find(first, "007", 2) == lp.Seek(6));
    CHECK(lp.Find(first, "-0", 2) == lp.Seek(8));
    CHECK(lp.Find(first, "x", 2) == Listpack::kNone);  // a value, not a field
    CHECK(lp.Find(first, "0", 2) == Listpack::kNone);
    CHECK(lp.Find(first, "7", 2) == Listpack::kNone);
    CHECK(lp.Find(first, "missing", 2) == Listpack::kNone);
    const uint32_t values = lp.Next(first);
    CHECK(lp.Find(values, "a", 2) == lp.Seek(3));
    CHECK(lp.Find(values, "b", 2) == lp.Seek(1));
    CHECK(lp.Find(values, "0", 2) == lp.Seek(9));
    CHECK(lp.Find(first, "x") == lp.Seek(7));
    CHECK(lp.Find(lp.Seek(8), "a") == Listpack::kNone);
    CHECK(lp.Find(Listpack::kNone, "a") == Listpack::kNone);
    lp.DeleteRange(lp.Seek(100), 5);  // out of range: nothing happens
    CHECK(lp.size() == 10);
    CHECK(lp.Find(lp.Seek(1), "10", 3) == lp.Seek(4));
  }

  TEST_CASE("HasRepeats compares the text of every step-th element") {
    Listpack lp;
    for (const char* s : {"a", "1", "b", "1", "10", "x", "-0", "x"}) lp.Append(s);
    CHECK_FALSE(lp.HasRepeats(2));  // fields a b 10 -0; the repeated 1 and x are values
    CHECK(lp.HasRepeats(1));
    lp.Append("b");
    lp.Append("y");
    CHECK(lp.HasRepeats(2));
    CHECK_FALSE(Listpack().HasRepeats(2));
    // A string holding digits equals the integer they spell (blobs from outside may hold one):
    // "10" as a string element, then the integer 10.
    std::optional<Listpack> mixed = Listpack::FromBytes(Unhex("0d0000000200823130030a01ff"));
    REQUIRE(mixed);
    CHECK(mixed->HasRepeats(1));
    // Past the pairwise limit the elements are sorted instead: same answers.
    Listpack big;
    for (int i = 0; i < 5000; ++i) {
      big.Append(i % 3 == 0 ? std::to_string(i) : "m" + std::to_string(i));
      big.Append("v");
    }
    CHECK_FALSE(big.HasRepeats(2));
    CHECK(big.HasRepeats(1));
    big.Append("m4999");
    big.Append("v");
    CHECK(big.HasRepeats(2));
    Listpack ints;
    for (int i = 0; i < 1000; ++i) ints.Append(std::to_string(i * 7919 % 1000));
    CHECK_FALSE(ints.HasRepeats(1));
    ints.Append("999");
    CHECK(ints.HasRepeats(1));
  }

  TEST_CASE("more than 65535 elements: the header count says unknown") {
    Listpack lp;
    lp.Reserve(7 + 70000 * 2);  // else every append copies the block under ASan
    for (int i = 0; i < 70000; ++i) lp.AppendInt(i % 100);
    CHECK(lp.size() == 70000);
    CHECK(static_cast<uint8_t>(lp.bytes()[4]) == 0xff);
    CHECK(static_cast<uint8_t>(lp.bytes()[5]) == 0xff);
    CHECK(lp.Get(lp.Seek(-1)).num == 69999 % 100);
    CHECK(lp.Get(lp.Seek(65536)).num == 65536 % 100);
    auto copy = Listpack::FromBytes(lp.bytes());
    REQUIRE(copy.has_value());
    CHECK(copy->size() == 70000);
    lp.DeleteRange(lp.First(), 70000 - 65534);
    CHECK(lp.size() == 65534);
    CHECK(static_cast<uint8_t>(lp.bytes()[4]) == 0xfe);
    CHECK(static_cast<uint8_t>(lp.bytes()[5]) == 0xff);
    CHECK(Listpack::FromBytes(lp.bytes())->size() == 65534);
  }

  TEST_CASE("a header count of 65535 is accepted for fewer elements, as Redis leaves it") {
    std::string blob(Sample().bytes());
    blob[4] = '\xff';
    blob[5] = '\xff';
    auto lp = Listpack::FromBytes(blob);
    REQUIRE(lp.has_value());
    CHECK(lp->size() == 14);
    lp->Append("more");
    CHECK(static_cast<uint8_t>(lp->bytes()[4]) == 15);
  }

  TEST_CASE("Reserve keeps appends in place and ShrinkToFit gives the rest back") {
    Listpack lp;
    lp.Reserve(10000);
    CHECK(lp.MemoryUsage() >= 10000);
    const void* block = lp.bytes().data();
    for (int i = 0; i < 1000; ++i) lp.Append("value");
    CHECK(lp.bytes().data() == block);
    const std::string before(lp.bytes());
    lp.ShrinkToFit();
    CHECK(lp.MemoryUsage() < 10000);
    CHECK(lp.bytes() == before);
    CHECK(lp.size() == 1000);
  }

  TEST_CASE("clone, move, clear and memory accounting") {
    const int64_t before = mem::Used();
    {
      Listpack lp = Sample();
      CHECK(mem::Used() - before >= static_cast<int64_t>(lp.MemoryUsage()));
      CHECK(lp.MemoryUsage() >= lp.bytes_size());
      Listpack copy = lp.Clone();
      CHECK(copy.bytes() == lp.bytes());
      CHECK(copy.size() == lp.size());
      Listpack moved(std::move(lp));
      CHECK(moved.bytes() == copy.bytes());
      Listpack assigned;
      assigned = std::move(moved);
      CHECK(assigned.size() == 14);
      assigned.Clear();
      CheckMatches(assigned, {});
      CHECK(Hex(assigned.bytes()) == "070000000000ff");
      assigned.Append("again");
      CheckMatches(assigned, {"again"});
    }
    CHECK(mem::Used() == before);
  }
}

TEST_SUITE("listpack validation") {
  TEST_CASE("every block we produce is accepted") {
    Listpack lp = Sample();
    CHECK(AcceptedExact(std::string(lp.bytes())));
    while (!lp.empty()) {
      lp.Delete(lp.First());
      CHECK(AcceptedExact(std::string(lp.bytes())));
    }
  }

  TEST_CASE("truncations at every length are refused") {
    const std::string blob(Sample().bytes());
    const std::vector<size_t> starts = Boundaries(Sample());
    for (size_t len = 0; len < blob.size(); ++len) {
      CAPTURE(len);
      CHECK_FALSE(AcceptedExact(blob.substr(0, len)));
      // Also with the header total fixed up and a terminator as the last byte: only a cut
      // just after a whole element (with the count set to unknown) is a valid listpack.
      if (len < Listpack::kHeaderSize + 1) continue;
      std::string cut = blob.substr(0, len);
      SetTotal(&cut, static_cast<uint32_t>(len));
      cut[len - 1] = '\xff';
      cut[4] = cut[5] = '\xff';
      const bool at_boundary = std::find(starts.begin(), starts.end(), len - 1) != starts.end();
      CHECK(AcceptedExact(cut) == at_boundary);
    }
  }

  TEST_CASE("header total and count must be right") {
    std::string blob(Sample().bytes());
    const auto size = static_cast<uint32_t>(blob.size());
    for (uint32_t total : {size - 1, size + 1, 0u, 7u, 0xffffffffu}) {
      std::string bad = blob;
      SetTotal(&bad, total);
      CHECK_FALSE(AcceptedExact(bad));
    }
    for (int count : {0, 13, 15, 65534}) {
      std::string bad = blob;
      bad[4] = static_cast<char>(count);
      bad[5] = static_cast<char>(count >> 8);
      CHECK_FALSE(AcceptedExact(bad));
    }
    CHECK_FALSE(AcceptedExact(""));
    CHECK_FALSE(AcceptedExact(Unhex("070000000000")));
    CHECK_FALSE(AcceptedExact(Unhex("0700000000000f")));
    CHECK(AcceptedExact(Unhex("070000000000ff")));
    CHECK(AcceptedExact(Unhex("07000000ffffff")));  // count "unknown"
  }

  TEST_CASE("any change to a backlen is refused") {
    Listpack lp = Sample();
    const std::string blob(lp.bytes());
    const std::vector<size_t> starts = Boundaries(lp);
    for (size_t e = 0; e + 1 < starts.size(); ++e) {
      // The backlen is the bytes after encoding + data.
      const std::string element = blob.substr(starts[e], starts[e + 1] - starts[e]);
      const auto encoded =
          static_cast<size_t>(Listpack::EntrySizeFor(Text(lp, static_cast<uint32_t>(starts[e]))));
      REQUIRE(encoded == element.size());
      size_t back_bytes = 1;
      while (back_bytes < 5 &&
             (static_cast<uint8_t>(blob[starts[e + 1] - back_bytes]) & 0x80) != 0) {
        ++back_bytes;
      }
      for (size_t k = 1; k <= back_bytes; ++k) {
        for (int bit = 0; bit < 8; ++bit) {
          std::string bad = blob;
          bad[starts[e + 1] - k] ^= static_cast<char>(1 << bit);
          CAPTURE(e);
          CAPTURE(k);
          CAPTURE(bit);
          CHECK_FALSE(AcceptedExact(bad));
        }
      }
    }
  }

  TEST_CASE("lengths past the end, unknown encodings and a missing terminator are refused") {
    // A 6-bit string claiming 63 bytes where 1 is stored.
    CHECK(AcceptedExact(Unhex("0a0000000100816102ff")));
    CHECK_FALSE(AcceptedExact(Unhex("0a0000000100bf6102ff")));
    // A 12-bit and a 32-bit length past the end.
    CHECK_FALSE(AcceptedExact(Unhex("0b0000000100e0ff6103ff")));
    CHECK_FALSE(AcceptedExact(Unhex("0e0000000100f0ffffffff6103ff")));
    CHECK_FALSE(AcceptedExact(Unhex("0e0000000100f0020000006106ff")));
    // Integer encodings cut short by the terminator.
    CHECK_FALSE(AcceptedExact(Unhex("090000000100f401ff")));
    CHECK_FALSE(AcceptedExact(Unhex("080000000100c0ff")));
    // 0xF5..0xFE begin no element.
    for (int b = 0xf5; b <= 0xfe; ++b) {
      std::string bad = Unhex("0900000001000001ff");
      bad[6] = static_cast<char>(b);
      CHECK_FALSE(AcceptedExact(bad));
    }
    // The terminator replaced, or an early terminator followed by junk.
    std::string blob(Sample().bytes());
    std::string bad = blob;
    bad.back() = '\0';
    CHECK_FALSE(AcceptedExact(bad));
    CHECK_FALSE(AcceptedExact(Unhex("090000000000ff01ff")));
    CHECK_FALSE(AcceptedExact(Unhex("090000000000ff0001")));
    // Integers in a wider encoding than needed are valid (Redis reads them).
    auto wide = Listpack::FromBytes(Unhex("0b0000000100f1050003ff"));
    REQUIRE(wide.has_value());
    CHECK(wide->Get(wide->First()).num == 5);
    // So are strings in a wider encoding than needed.
    auto wide_string = Listpack::FromBytes(Unhex("0e0000000100f0010000006106ff"));
    REQUIRE(wide_string.has_value());
    CHECK(wide_string->Get(wide_string->First()).str == "a");
  }

  TEST_CASE("random corruption never reads out of bounds, and what is accepted walks") {
    std::mt19937_64 rng(77);
    const std::string blob(Sample().bytes());
    std::string small;
    {
      Listpack lp;
      for (const char* s : {"a", "1", "-300", "hello", "70000", ""}) lp.Append(s);
      small = std::string(lp.bytes());
    }
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
      std::string bad = round % 2 ? small : blob;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        bad[rng() % bad.size()] = static_cast<char>(rng());
      }
      std::vector<char> exact(bad.begin(), bad.end());
      auto lp = Listpack::FromBytes(std::string_view(exact.data(), exact.size()));
      if (!lp) continue;
      ++accepted;
      size_t n = 0;
      for (uint32_t p = lp->First(); p != Listpack::kNone; p = lp->Next(p)) ++n;
      CHECK(n == lp->size());
      n = 0;
      for (uint32_t p = lp->Last(); p != Listpack::kNone; p = lp->Prev(p)) ++n;
      CHECK(n == lp->size());
    }
    MESSAGE("accepted " << accepted << " corrupted blobs (data bytes changed)");
  }
}

}  // namespace basalt::store
