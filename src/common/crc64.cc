#include "common/crc64.h"

#include <array>
#include <bit>
#include <cstring>

namespace basalt {

namespace {

// The polynomial with its bits reversed, since the CRC is computed least-significant bit first.
constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;

constexpr uint64_t StepBit(uint64_t crc) {
  return (crc & 1) ? (crc >> 1) ^ kReflectedPoly : crc >> 1;
}

// Slicing-by-8: table[k][b] is the CRC contribution of byte b followed by k zero bytes, so
// eight input bytes are folded in with eight independent lookups instead of eight dependent
// ones.
using Tables = std::array<std::array<uint64_t, 256>, 8>;

constexpr Tables BuildTables() {
  Tables t{};
  for (uint64_t b = 0; b < 256; ++b) {
    uint64_t crc = b;
    for (int i = 0; i < 8; ++i) crc = StepBit(crc);
    t[0][b] = crc;
  }
  for (int k = 1; k < 8; ++k) {
    for (int b = 0; b < 256; ++b) {
      uint64_t prev = t[k - 1][b];
      t[k][b] = (prev >> 8) ^ t[0][prev & 0xff];
    }
  }
  return t;
}

constexpr Tables kTables = BuildTables();

inline uint64_t LoadLittleEndian64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

}  // namespace

uint64_t Crc64(uint64_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (n >= 8) {
    crc ^= LoadLittleEndian64(p);
    crc = kTables[7][crc & 0xff] ^ kTables[6][(crc >> 8) & 0xff] ^ kTables[5][(crc >> 16) & 0xff] ^
          kTables[4][(crc >> 24) & 0xff] ^ kTables[3][(crc >> 32) & 0xff] ^
          kTables[2][(crc >> 40) & 0xff] ^ kTables[1][(crc >> 48) & 0xff] ^ kTables[0][crc >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xff];
  return crc;
}

uint64_t Crc64Reference(uint64_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int bit = 0; bit < 8; ++bit) crc = StepBit(crc);
  }
  return crc;
}

}  // namespace basalt
