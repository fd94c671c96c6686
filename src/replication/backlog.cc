#include "replication/backlog.h"

#include <algorithm>

namespace basalt::replication {

Backlog::Backlog(size_t capacity, int64_t start_offset)
    : buffer_(std::max<size_t>(capacity, 1), '\0'), offset_(start_offset) {}

void Backlog::Append(std::string_view bytes) {
  offset_ += static_cast<int64_t>(bytes.size());
  const size_t cap = buffer_.size();
  // Only the tail of a write longer than the whole backlog can stay.
  if (bytes.size() >= cap) {
    bytes.remove_prefix(bytes.size() - cap);
    buffer_.assign(bytes);
    write_pos_ = 0;
    histlen_ = cap;
    return;
  }
  const size_t first = std::min(bytes.size(), cap - write_pos_);
  buffer_.replace(write_pos_, first, bytes.data(), first);
  buffer_.replace(0, bytes.size() - first, bytes.data() + first, bytes.size() - first);
  write_pos_ = (write_pos_ + bytes.size()) % cap;
  histlen_ = std::min(cap, histlen_ + bytes.size());
}

bool Backlog::Covers(int64_t next_offset) const {
  return next_offset >= first_offset() && next_offset <= offset_ + 1;
}

void Backlog::CopyFrom(int64_t next_offset, std::string& out) const {
  size_t len = static_cast<size_t>(offset_ + 1 - next_offset);
  const size_t cap = buffer_.size();
  // The byte at offset_ sits just before write_pos_.
  size_t start = (write_pos_ + cap - len % cap) % cap;
  while (len > 0) {
    const size_t n = std::min(len, cap - start);
    out.append(buffer_, start, n);
    len -= n;
    start = 0;
  }
}

void Backlog::Resize(size_t capacity) {
  capacity = std::max<size_t>(capacity, 1);
  if (capacity == buffer_.size()) return;
  const size_t keep = std::min(histlen_, capacity);
  std::string recent;
  recent.reserve(keep);
  CopyFrom(offset_ + 1 - static_cast<int64_t>(keep), recent);
  buffer_.assign(capacity, '\0');
  buffer_.replace(0, keep, recent);
  write_pos_ = keep % capacity;
  histlen_ = keep;
}

}  // namespace basalt::replication
