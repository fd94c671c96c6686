#include "common/crc64.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

uint64_t Crc64Tables(uint64_t crc, const unsigned char* p, size_t n) {
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

#if defined(__x86_64__)

// x^n mod P in the reflected representation (bit 63 is x^0), by stepping x^0 n times.
constexpr uint64_t XPowModP(int n) {
  uint64_t a = uint64_t{1} << 63;
  for (int i = 0; i < n; ++i) a = StepBit(a);
  return a;
}

// Carry-less multiplication folding (PCLMULQDQ). A 16-byte block X followed by d more bytes
// leaves the same CRC as the 16-byte value clmul(X.lo, x^(8d+63) mod P) ^
// clmul(X.hi, x^(8d-1) mod P) put where those d bytes end, so blocks are folded forward onto
// the data after them, and only the last 16 bytes and the tail go through the tables. (The
// exponents were found by checking candidates against the bitwise reference; the unit tests
// compare every length and alignment with it.)
template <int kDistance>
struct FoldConstants {
  static constexpr uint64_t kLo = XPowModP(8 * kDistance + 63);
  static constexpr uint64_t kHi = XPowModP(8 * kDistance - 1);
};

template <int kDistance>
__attribute__((target("pclmul"))) inline __m128i FoldOnto(__m128i x, __m128i data) {
  const __m128i k = _mm_set_epi64x(static_cast<int64_t>(FoldConstants<kDistance>::kHi),
                                   static_cast<int64_t>(FoldConstants<kDistance>::kLo));
  const __m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
  const __m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), data);
}

inline __m128i Load128(const unsigned char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// n >= 64. Four lanes 64 bytes apart keep four multiplications in flight.
__attribute__((target("pclmul"))) uint64_t Crc64Clmul(uint64_t crc, const unsigned char* p,
                                                      size_t n) {
  __m128i x0 = _mm_xor_si128(Load128(p), _mm_set_epi64x(0, static_cast<int64_t>(crc)));
  __m128i x1 = Load128(p + 16);
  __m128i x2 = Load128(p + 32);
  __m128i x3 = Load128(p + 48);
  for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
    x0 = FoldOnto<64>(x0, Load128(p));
    x1 = FoldOnto<64>(x1, Load128(p + 16));
    x2 = FoldOnto<64>(x2, Load128(p + 32));
    x3 = FoldOnto<64>(x3, Load128(p + 48));
  }
  __m128i x = FoldOnto<16>(FoldOnto<16>(FoldOnto<16>(x0, x1), x2), x3);
  for (; n >= 16; p += 16, n -= 16) x = FoldOnto<16>(x, Load128(p));
  unsigned char last[16];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(last), x);
  return Crc64Tables(Crc64Tables(0, last, sizeof(last)), p, n);
}

bool HasClmul() {
  static const bool has = [] {
    __builtin_cpu_init();  // in case this runs before the runtime's own CPU detection
    return __builtin_cpu_supports("pclmul") != 0;
  }();
  return has;
}

#endif

}  // namespace

uint64_t Crc64(uint64_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__)
  // Short inputs stay on the tables: the folding's setup and final 16 bytes cost about as much.
  constexpr size_t kClmulMin = 128;
  if (n >= kClmulMin && HasClmul()) return Crc64Clmul(crc, p, n);
#endif
  return Crc64Tables(crc, p, n);
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
