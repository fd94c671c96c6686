#include "common/lzf.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using basalt::kLzfDecompressSlack;
using basalt::LzfCompress;
using basalt::LzfCompressor;
using basalt::LzfDecompress;
using basalt::LzfDecompressWithSlack;

namespace {

// Compresses with room for any expansion and checks the round trip; returns the compressed
// form.
std::string RoundTrip(const std::string& in) {
  std::string out(in.size() + in.size() / 16 + 64, '\0');
  size_t n = LzfCompress(in.data(), in.size(), out.data(), out.size());
  if (in.empty()) {
    CHECK(n == 0);
    return "";
  }
  REQUIRE(n > 0);
  out.resize(n);
  std::string back(in.size(), '\0');
  CHECK(LzfDecompress(out.data(), out.size(), back.data(), back.size()) ==
        static_cast<int64_t>(in.size()));
  CHECK(back == in);
  // The fast decoder, in a heap buffer with exactly the slack it may use (ASan sees overruns).
  std::vector<char> wide(in.size() + kLzfDecompressSlack);
  CHECK(LzfDecompressWithSlack(out.data(), out.size(), wide.data(), in.size()) ==
        static_cast<int64_t>(in.size()));
  CHECK(std::string(wide.data(), in.size()) == in);
  return out;
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace

TEST_SUITE("lzf") {
  TEST_CASE("round trips of empty, one byte and short inputs") {
    RoundTrip("");
    RoundTrip("a");
    RoundTrip("ab");
    RoundTrip("abc");
    RoundTrip("aaaa");
    RoundTrip("abcabcabcabc");
  }

  TEST_CASE("compressible data shrinks and round trips") {
    std::string s(1000, 'a');
    CHECK(RoundTrip(s).size() < 30);
    std::string pattern;
    for (int i = 0; i < 300; ++i) pattern += "0123456789abcdef";
    CHECK(RoundTrip(pattern).size() < pattern.size() / 10);
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + "\n";
    CHECK(RoundTrip(text).size() < text.size() / 2);
  }

  TEST_CASE("random data round trips at many sizes") {
    for (size_t n : {2, 3, 31, 32, 33, 64, 100, 1000, 8191, 8192, 8193, 70000}) {
      RoundTrip(RandomBytes(n, n));
    }
  }

  TEST_CASE("large input with matches at the maximum distance and length round trips") {
    std::string block = RandomBytes(8192, 3);
    std::string s = block + block + std::string(5000, 'z') + block.substr(0, 300);
    RoundTrip(s);
    RoundTrip(RandomBytes(1 << 20, 5) + std::string(1 << 20, 'q'));
  }

  TEST_CASE("mixed random and repeated data from many seeds round trips") {
    std::mt19937_64 rng(99);
    for (int iter = 0; iter < 200; ++iter) {
      std::string s;
      size_t parts = rng() % 8 + 1;
      for (size_t p = 0; p < parts; ++p) {
        size_t n = rng() % 400;
        if (rng() % 2 && !s.empty()) {
          size_t from = rng() % s.size();
          s += s.substr(from, n);
        } else {
          s += RandomBytes(n, rng());
        }
      }
      RoundTrip(s);
    }
  }

  TEST_CASE("incompressible data does not fit a smaller output and reports 0") {
    std::string in = RandomBytes(1000, 1);
    std::string out(in.size() - 4, '\0');
    CHECK(LzfCompress(in.data(), in.size(), out.data(), out.size()) == 0);
  }

  TEST_CASE("output capacity is never exceeded") {
    std::string in = RandomBytes(500, 2) + std::string(500, 'x');
    std::string full(2000, '\0');
    size_t need = LzfCompress(in.data(), in.size(), full.data(), full.size());
    REQUIRE(need > 0);
    for (size_t cap = 0; cap < need; ++cap) {
      std::string out(cap + 16, '\x5a');
      CHECK(LzfCompress(in.data(), in.size(), out.data(), cap) == 0);
      CHECK(out.substr(cap) == std::string(16, '\x5a'));
    }
    std::string exact(need, '\0');
    CHECK(LzfCompress(in.data(), in.size(), exact.data(), need) == need);
  }

  TEST_CASE("one compressor reused for many inputs stays correct") {
    LzfCompressor c;
    std::string out(5000, '\0');
    for (int i = 0; i < 300; ++i) {
      std::string in = RandomBytes(64, i % 7) + std::string(i, 'r') + RandomBytes(64, i % 5);
      size_t n = c.Compress(in.data(), in.size(), out.data(), out.size());
      REQUIRE(n > 0);
      std::string back(in.size(), '\0');
      REQUIRE(LzfDecompress(out.data(), n, back.data(), back.size()) ==
              static_cast<int64_t>(in.size()));
      CHECK(back == in);
    }
  }

  TEST_CASE("hand-made streams decode as the format says") {
    // Literal run of 3, then a back reference of length 5 at distance 3 (overlapping).
    const unsigned char in[] = {0x02, 'a', 'b', 'c', (3 << 5) | 0, 2};
    char out[16];
    REQUIRE(LzfDecompress(in, sizeof(in), out, sizeof(out)) == 8);
    CHECK(std::string(out, 8) == "abcabcab");
    // Long form: len 7 + 1 extra = 8 -> 10 bytes, distance 1.
    const unsigned char in2[] = {0x00, 'x', (7 << 5) | 0, 1, 0};
    REQUIRE(LzfDecompress(in2, sizeof(in2), out, sizeof(out)) == 11);
    CHECK(std::string(out, 11) == std::string(11, 'x'));
    // Every copy shape of the fast decoder: short matches at distances 8 and 16+, long ones
    // at distances 1, 8 and 16+, and literal runs of every length.
    std::string shapes;
    for (int i = 0; i < 40; ++i) shapes += std::string(1 + i % 32, static_cast<char>('a' + i % 26));
    shapes += "0123456789abcdef0123456789abcdef" + std::string(300, '-') + "12345678" + "12345678";
    RoundTrip(shapes + shapes.substr(10, 200) + shapes.substr(3, 9));
  }

  TEST_CASE("corrupt streams are rejected without reading or writing out of bounds") {
    char out[64];
    // Literal run longer than the input.
    const unsigned char lit[] = {0x05, 'a', 'b'};
    CHECK(LzfDecompress(lit, sizeof(lit), out, sizeof(out)) == -1);
    // Back reference before the start of the output.
    const unsigned char ref[] = {0x00, 'a', (1 << 5) | 0, 5};
    CHECK(LzfDecompress(ref, sizeof(ref), out, sizeof(out)) == -1);
    // Back reference as the very first item.
    const unsigned char first[] = {(1 << 5), 0};
    CHECK(LzfDecompress(first, sizeof(first), out, sizeof(out)) == -1);
    // Truncated back references (missing distance byte, missing length byte).
    const unsigned char cut1[] = {0x00, 'a', (1 << 5)};
    CHECK(LzfDecompress(cut1, sizeof(cut1), out, sizeof(out)) == -1);
    const unsigned char cut2[] = {0x00, 'a', (7 << 5)};
    CHECK(LzfDecompress(cut2, sizeof(cut2), out, sizeof(out)) == -1);
    // Output larger than the capacity.
    const unsigned char big[] = {0x00, 'a', (7 << 5), 200, 0};
    CHECK(LzfDecompress(big, sizeof(big), out, sizeof(out)) == -1);
    const unsigned char lit_big[] = {0x03, 'a', 'b', 'c', 'd'};
    CHECK(LzfDecompress(lit_big, sizeof(lit_big), out, 3) == -1);
  }

  TEST_CASE("random garbage and mutated streams never overrun (run under ASan)") {
    std::mt19937_64 rng(1234);
    std::string text;
    for (int i = 0; i < 200; ++i) text += "word" + std::to_string(i % 17) + " ";
    std::string comp(text.size() + 64, '\0');
    size_t n = LzfCompress(text.data(), text.size(), comp.data(), comp.size());
    REQUIRE(n > 0);
    comp.resize(n);
    for (int iter = 0; iter < 3000; ++iter) {
      std::string in;
      if (iter % 2) {
        in = RandomBytes(rng() % 64, rng());
      } else {
        in = comp;
        in[rng() % in.size()] ^= static_cast<char>(1 + rng() % 255);
        if (rng() % 3 == 0) in.resize(rng() % in.size());
      }
      // Exact-size heap buffers so ASan sees any overrun.
      std::vector<char> src(in.begin(), in.end());
      size_t cap = rng() % (text.size() + 10);
      std::vector<char> dst(cap);
      int64_t got = LzfDecompress(src.data(), src.size(), dst.data(), dst.size());
      CHECK(got <= static_cast<int64_t>(cap));
      std::vector<char> wide(cap + kLzfDecompressSlack);
      CHECK(LzfDecompressWithSlack(src.data(), src.size(), wide.data(), cap) == got);
      if (got > 0) CHECK(std::equal(wide.begin(), wide.begin() + got, dst.begin()));
    }
  }
}
