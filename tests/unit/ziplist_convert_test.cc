// Ziplist and zipmap conversion. Redis 7 cannot be made to write these encodings, so the blobs
// are built here from the format (see store/ziplist_convert.h).
#include "store/ziplist_convert.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace basalt::store {
namespace {

std::string LE(uint64_t v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += static_cast<char>(v >> (8 * i));
  return out;
}

std::string BE32(uint32_t v) {
  std::string out;
  for (int i = 3; i >= 0; --i) out += static_cast<char>(v >> (8 * i));
  return out;
}

// Ziplist entry bodies (encoding + data), without the prevlen field.
std::string ZlString(const std::string& s) {
  if (s.size() <= 63) return static_cast<char>(s.size()) + s;
  if (s.size() <= 16383) {
    return std::string{static_cast<char>(0x40 | (s.size() >> 8)), static_cast<char>(s.size())} + s;
  }
  return '\x80' + BE32(static_cast<uint32_t>(s.size())) + s;
}
std::string ZlInt8(int64_t v) { return '\xfe' + LE(static_cast<uint64_t>(v), 1); }
std::string ZlInt16(int64_t v) { return '\xc0' + LE(static_cast<uint64_t>(v), 2); }
std::string ZlInt24(int64_t v) { return '\xf0' + LE(static_cast<uint64_t>(v), 3); }
std::string ZlInt32(int64_t v) { return '\xd0' + LE(static_cast<uint64_t>(v), 4); }
std::string ZlInt64(int64_t v) { return '\xe0' + LE(static_cast<uint64_t>(v), 8); }
std::string ZlImmediate(int v) { return std::string(1, static_cast<char>(0xf1 + v)); }

struct BuiltZiplist {
  std::string blob;
  std::vector<size_t> starts;  // offset of each entry
};

// A ziplist of the given entry bodies, with correct prevlens, tail and count. `big_prevlen`
// writes every prevlen in the 5-byte form, as Redis leaves it after a cascade update.
BuiltZiplist BuildZiplist(const std::vector<std::string>& bodies, bool big_prevlen = false) {
  BuiltZiplist z;
  std::string entries;
  size_t prev = 0;
  for (const std::string& body : bodies) {
    z.starts.push_back(10 + entries.size());
    std::string entry = (prev < 254 && !big_prevlen) ? LE(prev, 1) : '\xfe' + LE(prev, 4);
    entry += body;
    prev = entry.size();
    entries += entry;
  }
  const size_t total = 10 + entries.size() + 1;
  const size_t tail = z.starts.empty() ? 10 : z.starts.back();
  const size_t count = bodies.size() < 65535 ? bodies.size() : 65535;
  z.blob = LE(total, 4) + LE(tail, 4) + LE(count, 2) + entries + '\xff';
  return z;
}

std::vector<std::string> Texts(const Listpack& lp) {
  std::vector<std::string> out;
  char buf[Listpack::kIntBufSize];
  for (uint32_t p = lp.First(); p != Listpack::kNone; p = lp.Next(p)) {
    out.emplace_back(lp.Get(p).Text(buf));
  }
  return out;
}

// Every encoding, and string sizes on both sides of each length-field and prevlen boundary.
std::vector<std::string> AllBodies(std::vector<std::string>* texts) {
  std::vector<std::string> bodies;
  auto add = [&](std::string body, std::string text) {
    bodies.push_back(std::move(body));
    texts->push_back(std::move(text));
  };
  add(ZlString("hello"), "hello");
  add(ZlString(""), "");
  add(ZlString("123"), "123");  // integer text stored as a string
  add(ZlString("-0"), "-0");
  add(ZlString(std::string(63, 'a')), std::string(63, 'a'));
  add(ZlString(std::string(64, 'b')), std::string(64, 'b'));
  add(ZlString(std::string(300, 'c')), std::string(300, 'c'));  // the next prevlen takes 5 bytes
  add(ZlString(std::string(16383, 'd')), std::string(16383, 'd'));
  add(ZlString(std::string(16384, 'e')), std::string(16384, 'e'));
  for (int v = 0; v <= 12; ++v) add(ZlImmediate(v), std::to_string(v));
  for (int64_t v : {-128, -1, 13, 127}) add(ZlInt8(v), std::to_string(v));
  for (int64_t v : {-32768, 32767, 5}) add(ZlInt16(v), std::to_string(v));
  for (int64_t v : {-8388608, 8388607, -40000}) add(ZlInt24(v), std::to_string(v));
  for (int64_t v : {int64_t{INT32_MIN}, int64_t{INT32_MAX}}) add(ZlInt32(v), std::to_string(v));
  for (int64_t v : {INT64_MIN, INT64_MAX, int64_t{-1}}) add(ZlInt64(v), std::to_string(v));
  return bodies;
}

bool ZiplistAccepted(const std::string& blob) {
  std::vector<char> exact(blob.begin(), blob.end());  // ASan sees reads past the end
  return ZiplistToListpack(std::string_view(exact.data(), exact.size())).has_value();
}

bool ZipmapAccepted(const std::string& blob) {
  std::vector<char> exact(blob.begin(), blob.end());
  return ZipmapToListpack(std::string_view(exact.data(), exact.size())).has_value();
}

// A zipmap length field.
std::string ZmLen(size_t len) { return len < 254 ? LE(len, 1) : '\xfe' + LE(len, 4); }

std::string ZmPair(const std::string& field, const std::string& value, int free = 0) {
  return ZmLen(field.size()) + field + ZmLen(value.size()) + static_cast<char>(free) + value +
         std::string(static_cast<size_t>(free), '.');
}

std::string SampleZipmap() {
  return std::string(1, '\x04') + ZmPair("name", "foo") + ZmPair("age", "42", 3) +
         ZmPair("empty", "") + ZmPair(std::string(300, 'k'), std::string(260, 'v'), 1) + '\xff';
}

}  // namespace

TEST_SUITE("listpack ziplist conversion") {
  TEST_CASE("every ziplist encoding converts, integers staying integers") {
    for (bool big : {false, true}) {
      CAPTURE(big);
      std::vector<std::string> texts;
      const BuiltZiplist z = BuildZiplist(AllBodies(&texts), big);
      auto lp = ZiplistToListpack(z.blob);
      REQUIRE(lp.has_value());
      CHECK(Texts(*lp) == texts);
      CHECK(lp->Get(lp->Seek(9)).is_int);  // immediate 0
      CHECK(lp->Get(lp->Seek(2)).is_int);  // "123": a canonical integer, as in Redis's conversion
      CHECK_FALSE(lp->Get(lp->Seek(3)).is_int);
      Listpack expected;
      for (const std::string& t : texts) expected.Append(t);
      CHECK(lp->bytes() == expected.bytes());
      CHECK(Listpack::FromBytes(lp->bytes()).has_value());
    }
  }

  TEST_CASE("the example ziplist of Redis's documentation") {
    // "2" and "5" as immediates: [0f 00 00 00] [0c 00 00 00] [02 00] [00 f3] [02 f6] [ff].
    const std::string blob("\x0f\x00\x00\x00\x0c\x00\x00\x00\x02\x00\x00\xf3\x02\xf6\xff", 15);
    auto lp = ZiplistToListpack(blob);
    REQUIRE(lp.has_value());
    CHECK(Texts(*lp) == std::vector<std::string>{"2", "5"});
  }

  TEST_CASE("an empty ziplist and an unknown count are accepted") {
    auto empty = ZiplistToListpack(BuildZiplist({}).blob);
    REQUIRE(empty.has_value());
    CHECK(empty->size() == 0);
    std::string blob = BuildZiplist({ZlString("a"), ZlImmediate(1)}).blob;
    blob[8] = blob[9] = '\xff';
    auto lp = ZiplistToListpack(blob);
    REQUIRE(lp.has_value());
    CHECK(Texts(*lp) == std::vector<std::string>{"a", "1"});
  }

  TEST_CASE("a ziplist of many entries") {
    std::vector<std::string> bodies;
    std::vector<std::string> texts;
    for (int i = 0; i < 70000; ++i) {
      bodies.push_back(i % 2 ? ZlString("f" + std::to_string(i)) : ZlInt24(i * 100));
      texts.push_back(i % 2 ? "f" + std::to_string(i) : std::to_string(i * 100));
    }
    auto lp = ZiplistToListpack(BuildZiplist(bodies).blob);
    REQUIRE(lp.has_value());
    CHECK(lp->size() == 70000);
    CHECK(Texts(*lp) == texts);
  }

  TEST_CASE("truncations at every length are refused") {
    std::vector<std::string> texts;
    const BuiltZiplist z = BuildZiplist(AllBodies(&texts));
    for (size_t len = 0; len < z.blob.size(); len += (len < 2000 ? 1 : 97)) {
      CAPTURE(len);
      const std::string cut = z.blob.substr(0, len);
      CHECK_FALSE(ZiplistAccepted(cut));
      if (len < 11) continue;
      // With zlbytes fixed up and a terminator: the tail and count no longer match.
      std::string fixed = cut;
      for (int i = 0; i < 4; ++i) fixed[i] = static_cast<char>(len >> (8 * i));
      fixed[len - 1] = '\xff';
      CHECK_FALSE(ZiplistAccepted(fixed));
    }
  }

  TEST_CASE("corrupt headers, prevlens and encodings are refused") {
    const std::vector<std::string> bodies = {ZlString("abc"), ZlInt16(1000),
                                             ZlString(std::string(300, 'x')), ZlImmediate(3)};
    const BuiltZiplist z = BuildZiplist(bodies);
    REQUIRE(ZiplistAccepted(z.blob));
    auto with = [&](size_t at, const std::string& bytes) {
      std::string bad = z.blob;
      bad.replace(at, bytes.size(), bytes);
      return bad;
    };
    const size_t size = z.blob.size();
    CHECK_FALSE(ZiplistAccepted(with(0, LE(size + 1, 4))));
    CHECK_FALSE(ZiplistAccepted(with(0, LE(size - 1, 4))));
    for (size_t tail : {size_t{0}, size_t{10}, z.starts[2], z.starts[3] + 1, size - 1, size}) {
      CAPTURE(tail);
      CHECK_FALSE(ZiplistAccepted(with(4, LE(tail, 4))));
    }
    CHECK_FALSE(ZiplistAccepted(with(8, LE(3, 2))));
    CHECK_FALSE(ZiplistAccepted(with(8, LE(5, 2))));
    CHECK_FALSE(ZiplistAccepted(with(8, LE(0, 2))));
    // Each prevlen off by one (the first must be 0).
    CHECK_FALSE(ZiplistAccepted(with(z.starts[0], "\x01")));
    CHECK_FALSE(ZiplistAccepted(with(z.starts[1], "\x06")));
    CHECK_FALSE(ZiplistAccepted(with(z.starts[2], "\x03")));
    CHECK_FALSE(ZiplistAccepted(with(z.starts[3] + 1, LE(304, 4))));
    // Bytes that are no encoding.
    for (int enc : {0xc1, 0xcf, 0xd1, 0xdf, 0xe1, 0xef, 0xff}) {
      CAPTURE(enc);
      CHECK_FALSE(ZiplistAccepted(with(z.starts[1] + 1, std::string(1, static_cast<char>(enc)))));
    }
    // String lengths past the end.
    CHECK_FALSE(ZiplistAccepted(with(z.starts[0] + 1, "\x3f")));
    CHECK_FALSE(ZiplistAccepted(with(z.starts[2] + 1, "\x7f")));
    const BuiltZiplist long_string = BuildZiplist({ZlString(std::string(20000, 'l'))});
    std::string bad = long_string.blob;
    bad.replace(11, 5, '\x80' + BE32(0xffffffffu));
    CHECK_FALSE(ZiplistAccepted(bad));
    // An early terminator, and none at the end.
    CHECK_FALSE(ZiplistAccepted(with(z.starts[3], "\xff")));
    CHECK_FALSE(ZiplistAccepted(with(size - 1, std::string(1, '\0'))));
  }

  TEST_CASE("random corruption never reads out of bounds") {
    std::vector<std::string> texts;
    std::vector<std::string> bodies = AllBodies(&texts);
    bodies.erase(bodies.begin() + 7, bodies.begin() + 9);  // keep the blob small
    const std::string blob = BuildZiplist(bodies).blob;
    std::mt19937_64 rng(5);
    for (int round = 0; round < 20000; ++round) {
      std::string bad = blob;
      for (int f = 0; f < 1 + static_cast<int>(rng() % 3); ++f) {
        bad[rng() % bad.size()] = static_cast<char>(rng());
      }
      std::vector<char> exact(bad.begin(), bad.end());
      auto lp = ZiplistToListpack(std::string_view(exact.data(), exact.size()));
      if (lp) CHECK(Listpack::FromBytes(lp->bytes()).has_value());
    }
  }
}

TEST_SUITE("listpack zipmap conversion") {
  TEST_CASE("fields and values in order, free bytes skipped") {
    auto lp = ZipmapToListpack(SampleZipmap());
    REQUIRE(lp.has_value());
    CHECK(Texts(*lp) == std::vector<std::string>{"name", "foo", "age", "42", "empty", "",
                                                 std::string(300, 'k'), std::string(260, 'v')});
    CHECK(lp->Get(lp->Seek(3)).is_int);
  }

  TEST_CASE("Redis's documented example") {
    const std::string blob(
        "\x02\x03"
        "foo\x03\x00"
        "bar\x05"
        "hello\x05\x00"
        "world\xff",
        24);
    auto lp = ZipmapToListpack(blob);
    REQUIRE(lp.has_value());
    CHECK(Texts(*lp) == std::vector<std::string>{"foo", "bar", "hello", "world"});
  }

  TEST_CASE("an unknown count is accepted; a wrong count or no pairs is refused") {
    std::string blob = SampleZipmap();
    blob[0] = '\xfe';
    CHECK(ZipmapAccepted(blob));
    blob[0] = '\x03';
    CHECK_FALSE(ZipmapAccepted(blob));
    blob[0] = '\x05';
    CHECK_FALSE(ZipmapAccepted(blob));
    CHECK_FALSE(ZipmapAccepted(std::string("\x00\xff", 2)));
    CHECK_FALSE(ZipmapAccepted(std::string("\xfe\xff", 2)));
    CHECK_FALSE(ZipmapAccepted(""));
    CHECK_FALSE(ZipmapAccepted(std::string("\xff", 1)));
  }

  TEST_CASE("truncations at every length and corrupt lengths are refused") {
    const std::string blob = SampleZipmap();
    for (size_t len = 0; len < blob.size(); ++len) {
      CAPTURE(len);
      CHECK_FALSE(ZipmapAccepted(blob.substr(0, len)));
      if (len < 2) continue;
      std::string fixed = blob.substr(0, len);
      fixed[0] = '\xfe';  // count unknown, so only the structure decides
      fixed[len - 1] = '\xff';
      // Only a cut exactly after a whole pair leaves a valid zipmap.
      const bool after_pair =
          len - 1 == 1 + ZmPair("name", "foo").size() ||
          len - 1 == 1 + ZmPair("name", "foo").size() + ZmPair("age", "42", 3).size() ||
          len - 1 == 1 + ZmPair("name", "foo").size() + ZmPair("age", "42", 3).size() +
                         ZmPair("empty", "").size();
      CHECK(ZipmapAccepted(fixed) == after_pair);
    }
    // One pair, so that each corrupt length below reaches past the end.
    const std::string small = "\x01" + ZmPair("name", "foo") + '\xff';
    REQUIRE(ZipmapAccepted(small));
    auto with = [&](size_t at, const std::string& bytes) {
      std::string bad = small;
      bad.replace(at, bytes.size(), bytes);
      return bad;
    };
    CHECK_FALSE(ZipmapAccepted(with(1, "\xfd")));          // field past the end
    CHECK_FALSE(ZipmapAccepted(with(1 + 5, "\xfd")));      // value past the end
    CHECK_FALSE(ZipmapAccepted(with(1 + 5 + 1, "\xfd")));  // free past the end
    CHECK_FALSE(ZipmapAccepted(with(1 + 5, "\xff")));      // 0xFF is no value length
    CHECK_FALSE(ZipmapAccepted(with(1, '\xfe' + LE(0xffffffffu, 4))));
    CHECK_FALSE(ZipmapAccepted(with(small.size() - 1, std::string(1, '\0'))));  // no terminator
  }

  TEST_CASE("random corruption never reads out of bounds") {
    const std::string blob = SampleZipmap();
    std::mt19937_64 rng(9);
    for (int round = 0; round < 20000; ++round) {
      std::string bad = blob;
      for (int f = 0; f < 1 + static_cast<int>(rng() % 3); ++f) {
        bad[rng() % bad.size()] = static_cast<char>(rng());
      }
      std::vector<char> exact(bad.begin(), bad.end());
      auto lp = ZipmapToListpack(std::string_view(exact.data(), exact.size()));
      if (lp) CHECK(lp->size() % 2 == 0);
    }
  }
}

}  // namespace basalt::store
