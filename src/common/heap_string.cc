#include "common/heap_string.h"

#include <cstring>

#include "common/memory.h"

namespace basalt {

HeapString* HeapString::Create(std::string_view value, size_t capacity) {
  if (capacity < value.size()) capacity = value.size();
  auto* s = static_cast<HeapString*>(mem::Allocate(sizeof(HeapString) + capacity));
  s->len = value.size();
  s->cap = capacity;
  if (!value.empty()) std::memcpy(s->data(), value.data(), value.size());
  return s;
}

HeapString* HeapString::Reserve(HeapString* s, size_t min_cap) {
  if (s->cap >= min_cap) return s;
  // Double small strings, add 1 MB to big ones: repeated APPENDs stay amortized O(1) per byte
  // without doubling the footprint of a huge value.
  constexpr size_t kMaxPrealloc = 1024 * 1024;
  size_t cap = min_cap < kMaxPrealloc ? min_cap * 2 : min_cap + kMaxPrealloc;
  auto* grown = static_cast<HeapString*>(mem::Reallocate(s, sizeof(HeapString) + cap));
  grown->cap = cap;
  return grown;
}

HeapString* HeapString::Resize(HeapString* s, size_t cap) {
  auto* resized = static_cast<HeapString*>(mem::Reallocate(s, sizeof(HeapString) + cap));
  resized->cap = cap;
  return resized;
}

void HeapString::Destroy(HeapString* s) { mem::Free(s); }

}  // namespace basalt
