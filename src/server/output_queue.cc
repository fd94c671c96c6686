#include "server/output_queue.h"

#include <algorithm>
#include <utility>

namespace basalt::server {

namespace {

// A drained block is handed back as the connection's next output buffer (see Consume) when it
// is small, or when its replies filled a good part of it and it is not a sealed block: a client
// pipelining big replies keeps its buffer instead of regrowing one (copying its replies at
// every doubling) per batch, and one burst does not leave a connection holding megabytes.
constexpr size_t kKeepBlockCapacity = 64 * 1024;
constexpr size_t kMaxKeptCapacity = 512 * 1024;

bool WorthKeeping(const std::string& block) {
  const size_t cap = block.capacity();
  return cap <= kKeepBlockCapacity || (cap <= kMaxKeptCapacity && block.size() >= cap / 4);
}

}  // namespace

void OutputQueue::Push(std::string&& bytes, size_t from, std::vector<Splice>&& splices) {
  size_t total = bytes.size() - from;
  for (const Splice& s : splices) total += s.value->len;
  if (total == 0) {
    for (const Splice& s : splices) HeapString::Release(s.value);
    return;
  }
  bytes_ += total;
  owned_capacity_ += bytes.capacity();
  Block& block = blocks_.emplace_back();
  block.bytes = std::move(bytes);
  block.size = total;
  block.pos = from;
  block.splices = std::move(splices);
}

size_t OutputQueue::Gather(std::span<Piece> out, size_t max_bytes) const {
  size_t count = 0;
  for (size_t i = head_; i < blocks_.size(); ++i) {
    const Block& b = blocks_[i];
    size_t pos = b.pos;
    size_t next = b.next_splice;
    size_t splice_sent = b.splice_sent;
    while (count < out.size() && max_bytes > 0) {
      Piece piece{nullptr, 0};
      if (next < b.splices.size() && b.splices[next].at == pos) {
        const HeapString* v = b.splices[next].value;
        piece = {v->data() + splice_sent, v->len - splice_sent};
        ++next;
        splice_sent = 0;
      } else {
        const size_t end = next < b.splices.size() ? b.splices[next].at : b.bytes.size();
        if (end == pos) break;  // the block is done
        piece = {b.bytes.data() + pos, end - pos};
        pos = end;
      }
      if (piece.size == 0) continue;  // an empty value
      piece.size = std::min(piece.size, max_bytes);
      max_bytes -= piece.size;
      out[count++] = piece;
    }
    if (count == out.size() || max_bytes == 0) break;
  }
  return count;
}

void OutputQueue::Consume(size_t n, std::string* spare) {
  bytes_ -= n;
  while (!empty()) {
    Block& b = blocks_[head_];
    while (n > 0 || b.at_splice()) {
      if (b.at_splice()) {
        Splice& s = b.splices[b.next_splice];
        const size_t take = std::min(n, s.value->len - b.splice_sent);
        b.splice_sent += take;
        n -= take;
        if (b.splice_sent < s.value->len) return;
        HeapString::Release(s.value);
        s.value = nullptr;
        ++b.next_splice;
        b.splice_sent = 0;
        continue;
      }
      const size_t take = std::min(n, b.run());
      if (take == 0) break;  // the block is done
      b.pos += take;
      n -= take;
    }
    if (b.pos < b.bytes.size() || b.at_splice()) return;
    Drop(b, spare);
    PopFront();
  }
}

void OutputQueue::PopFront() {
  blocks_[head_++] = Block{};  // frees what Drop left (a sealed block's buffer, its splices)
  if (head_ == blocks_.size()) {
    blocks_.clear();
    head_ = 0;
  } else if (head_ >= 8 && head_ * 2 >= blocks_.size()) {
    // A queue that never drains (a slow subscriber) would otherwise grow without bound.
    blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<ptrdiff_t>(head_));
    head_ = 0;
  }
}

void OutputQueue::Drop(Block& block, std::string* spare) {
  for (size_t i = block.next_splice; i < block.splices.size(); ++i) {
    HeapString::Release(block.splices[i].value);
  }
  owned_capacity_ -= block.bytes.capacity();
  if (spare != nullptr && spare->empty() && spare->capacity() < block.bytes.capacity() &&
      WorthKeeping(block.bytes)) {
    block.bytes.clear();
    spare->swap(block.bytes);
  }
}

void OutputQueue::Clear() {
  for (size_t i = head_; i < blocks_.size(); ++i) Drop(blocks_[i], nullptr);
  blocks_.clear();
  head_ = 0;
  bytes_ = 0;
}

void OutputQueue::ReleaseIfEmpty() {
  if (empty()) std::vector<Block>().swap(blocks_);
}

}  // namespace basalt::server
