// CRC-64 as Redis computes it for RDB files and DUMP payloads.
//
// Parameters (the "Jones" CRC-64): polynomial 0xad93d23594c935a9, bit-reflected input and
// output, initial value 0, no final xor. Check value: Crc64(0, "123456789", 9) ==
// 0xe9c6d914c4b8d9ca. Because there is no pre/post inversion the function composes:
// Crc64(Crc64(0, a), b) == Crc64(0, a + b), so callers keep a running value across chunks.
//
// Thread-safe; the lookup tables are built at compile time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace basalt {

// Extends `crc` (0 for a fresh checksum) with `n` bytes at `data`.
uint64_t Crc64(uint64_t crc, const void* data, size_t n);

inline uint64_t Crc64(uint64_t crc, std::string_view data) {
  return Crc64(crc, data.data(), data.size());
}

// The bit-at-a-time definition; slow, kept for tests that cross-check the fast path.
uint64_t Crc64Reference(uint64_t crc, const void* data, size_t n);

}  // namespace basalt
