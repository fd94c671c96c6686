// A growable byte buffer for a connection's unparsed input: bytes are appended at the end by
// reads and consumed from the front by the parser. Growth uses realloc without zero-filling,
// so receiving a 100 MB value costs one copy per doubling at most.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace basalt::protocol {

class InputBuffer {
 public:
  InputBuffer() = default;
  ~InputBuffer();
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;

  std::string_view readable() const { return {data_ + start_, end_ - start_}; }
  size_t size() const { return end_ - start_; }
  size_t capacity() const { return capacity_; }
  size_t free_space() const { return capacity_ - end_; }

  // Drops n bytes from the front (an emptied buffer starts again at its first byte).
  void Consume(size_t n);
  // The same, but the end stays where it is: a read is writing there (RequestReader).
  void ConsumeInPlace(size_t n) { start_ += n; }
  // Returns writable space of at least min_free bytes at the end (compacting or growing).
  std::span<char> PrepareWrite(size_t min_free);
  void CommitWrite(size_t n) { end_ += n; }
  // Keeps the first n readable bytes and drops the rest (they were moved elsewhere).
  void Truncate(size_t n) {
    if (n < end_ - start_) end_ = start_ + n;
  }
  // Frees the storage when empty and larger than `keep` bytes (idle clients stay small).
  void ShrinkIfEmpty(size_t keep);

 private:
  char* data_ = nullptr;
  size_t start_ = 0;
  size_t end_ = 0;
  size_t capacity_ = 0;
};

}  // namespace basalt::protocol
