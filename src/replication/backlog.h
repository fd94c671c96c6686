// The replication backlog: the last `capacity` bytes of the replication stream, kept so a
// replica that lost its link can continue from where it was (PSYNC's +CONTINUE) instead of
// loading a whole snapshot again.
//
// Offsets count stream bytes since the replication history began, as Redis counts them: the
// primary's master_repl_offset is the offset of the last byte written, the first byte ever
// written has offset 1, and a replica asks for the offset of the next byte it needs (its own
// offset + 1). The backlog remembers the bytes [first_offset(), offset()] once histlen()
// covers them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace basalt::replication {

class Backlog {
 public:
  // `start_offset`: the stream offset already reached when the backlog is created (its next
  // byte is start_offset + 1).
  Backlog(size_t capacity, int64_t start_offset);

  void Append(std::string_view bytes);
  // Offset of the last byte written (master_repl_offset).
  int64_t offset() const { return offset_; }
  // Offset of the oldest byte held (repl_backlog_first_byte_offset).
  int64_t first_offset() const { return offset_ - static_cast<int64_t>(histlen_) + 1; }
  size_t histlen() const { return histlen_; }
  size_t capacity() const { return buffer_.size(); }

  // True when a replica asking for `next_offset` (the first byte it lacks) can be served from
  // here: the bytes from it to offset() are all held (none when it is offset() + 1).
  bool Covers(int64_t next_offset) const;
  // Appends the bytes [next_offset, offset()] to `out`; Covers(next_offset) must hold.
  void CopyFrom(int64_t next_offset, std::string& out) const;
  // Changes the capacity (CONFIG SET repl-backlog-size), keeping as much recent history as fits.
  void Resize(size_t capacity);

 private:
  std::string buffer_;  // circular: the next byte goes to write_pos_
  size_t write_pos_ = 0;
  size_t histlen_ = 0;
  int64_t offset_ = 0;
};

}  // namespace basalt::replication
