// A growable byte string in one heap block: a small header, then the bytes. The store keeps
// long string values in one; the request reader receives big bulk arguments straight into one,
// so SET can adopt the very buffer the socket filled (see protocol/request_reader.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace basalt {

struct HeapString {
  uint64_t len;
  uint64_t cap;
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {data(), len}; }

  static HeapString* Create(std::string_view value, size_t capacity);
  // Grows capacity to at least `min_cap` (with headroom for repeated appends); may move.
  static HeapString* Reserve(HeapString* s, size_t min_cap);
  // Sets the capacity to exactly `cap` (>= len); may move.
  static HeapString* Resize(HeapString* s, size_t cap);
  static void Destroy(HeapString* s);
};

}  // namespace basalt
