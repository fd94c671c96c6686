#include "common/hash.h"

#include <cstring>
#include <random>

namespace basalt {

namespace {

constexpr uint64_t kMulA = 0x9E3779B97F4A7C15ULL;
constexpr uint64_t kMulB = 0xD6E8FEB86659FD93ULL;

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// 128-bit multiply folded to 64 bits: one instruction pair on x86-64, strong bit mixing.
inline uint64_t MixFold(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

}  // namespace

uint64_t HashBytes(std::string_view data, uint64_t seed) {
  const char* p = data.data();
  size_t n = data.size();
  uint64_t h = seed ^ (n * kMulA);
  while (n >= 16) {
    // Both operands carry the secret seed, so crafted input cannot zero the product.
    h = MixFold(Load64(p) ^ h ^ kMulA, Load64(p + 8) ^ kMulB ^ seed);
    p += 16;
    n -= 16;
  }
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = Load64(p);
    b = Load64(p + n - 8);
  } else if (n > 0) {
    // Gather the 1..7 tail bytes without reading past the end.
    uint64_t t = 0;
    std::memcpy(&t, p, n);
    a = t;
    b = n;
  }
  h = MixFold(a ^ h ^ kMulB, b ^ kMulA ^ seed);
  return MixFold(h, kMulA ^ seed);
}

uint64_t ProcessHashSeed() {
  static const uint64_t seed = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }();
  return seed;
}

}  // namespace basalt
