#include "common/heap_string.h"

#include <cassert>
#include <cstring>
#include <new>

#include "common/memory.h"

namespace basalt {

HeapString* HeapString::Create(std::string_view value, size_t capacity) {
  if (capacity < value.size()) capacity = value.size();
  auto* s = static_cast<HeapString*>(mem::Allocate(sizeof(HeapString) + capacity));
  s->len = value.size();
  s->cap = capacity;
  new (&s->shares) std::atomic<uint32_t>(0);
  s->reserved = 0;
  if (!value.empty()) std::memcpy(s->data(), value.data(), value.size());
  return s;
}

HeapString* HeapString::Reserve(HeapString* s, size_t min_cap) {
  assert(!s->shared());
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
  assert(!s->shared());
  auto* resized = static_cast<HeapString*>(mem::Reallocate(s, sizeof(HeapString) + cap));
  resized->cap = cap;
  return resized;
}

HeapString* HeapString::Share(HeapString* s) {
  s->shares.fetch_add(1, std::memory_order_relaxed);
  return s;
}

void HeapString::Release(HeapString* s) {
  // The common case, an unshared string, frees without a read-modify-write.
  uint32_t shares = s->shares.load(std::memory_order_acquire);
  while (shares != 0) {
    if (s->shares.compare_exchange_weak(shares, shares - 1, std::memory_order_acq_rel)) return;
  }
  mem::Free(s);
}

}  // namespace basalt
