// LEB128-style unsigned varints (7 bits a byte, low bits first, high bit = more follows): the
// lengths inside a keyspace entry (store/entry.h) and a small hash's block (store/small_hash.h).
// Readers trust their input: these are for bytes this process wrote, never for file contents.
#pragma once

#include <cstddef>
#include <cstdint>

namespace basalt::varint {

// The most bytes a 64-bit value takes.
inline constexpr size_t kMaxSize = 10;

inline size_t Size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes v at p; returns the byte after it.
template <typename Byte>
Byte* Put(Byte* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<Byte>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<Byte>(v);
  return p;
}

// Reads the value at p into *v; returns the byte after it.
template <typename Byte>
const Byte* Get(const Byte* p, uint64_t* v) {
  uint64_t result = 0;
  int shift = 0;
  while (true) {
    const auto byte = static_cast<uint8_t>(*p++);
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) break;
    shift += 7;
  }
  *v = result;
  return p;
}

}  // namespace basalt::varint
