// A growable byte string in one heap block: a small header, then the bytes. The store keeps
// long string values in one; the request reader receives big bulk arguments straight into one,
// so SET can adopt the very buffer the socket filled (see protocol/request_reader.h).
//
// A string can be shared: a GET of a big value hands the socket the stored bytes themselves
// instead of copying them into the client's output (protocol::ReplyWriter::SharedBulk). Each
// holder besides the owner takes a share and gives it back with Release(); whoever releases
// last frees the block. A shared string is never changed in place: the store replaces it with
// a private copy first (store::Entry::UnshareString), so a reply waiting in an output queue
// always sends the value as it was when the command ran. The count is atomic because a
// background thread may drop the store's reference (FLUSHALL ASYNC frees a whole table there)
// while the event loop drops a reply's.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace basalt {

struct HeapString {
  uint64_t len;
  uint64_t cap;
  std::atomic<uint32_t> shares;  // holders besides the owner
  uint32_t reserved;             // keeps the bytes 8-aligned
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {data(), len}; }
  bool shared() const { return shares.load(std::memory_order_acquire) != 0; }

  static HeapString* Create(std::string_view value, size_t capacity);
  // Grows capacity to at least `min_cap` (with headroom for repeated appends); may move.
  // Never on a shared string.
  static HeapString* Reserve(HeapString* s, size_t min_cap);
  // Sets the capacity to exactly `cap` (>= len); may move. Never on a shared string.
  static HeapString* Resize(HeapString* s, size_t cap);
  // One more holder: the bytes stay until it calls Release().
  static HeapString* Share(HeapString* s);
  // The owner or a holder lets go; the last one frees the block.
  static void Release(HeapString* s);
  // Frees an unshared string (Release() in general).
  static void Destroy(HeapString* s) { Release(s); }
};

}  // namespace basalt
