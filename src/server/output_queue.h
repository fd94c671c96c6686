// Replies that left a connection's output buffer and wait for the socket, in order: blocks of
// bytes, each with the big string values spliced into it by reference.
//
// A GET of a big value does not copy the value into the output. The reply writer writes the
// bulk header, and the connection records a splice: "the stored string S goes here", holding
// a share of S (common/heap_string.h). When the bytes leave the output buffer (sealed at 1 MB,
// or a write the socket did not take whole), they come here with their splices, and the
// socket is handed header, value and the rest in one gather write. If the key changes before
// the reply is sent, the store writes a private copy (store::Entry::UnshareString) and the
// reply still sends the bytes as they were when GET ran, as Redis's copied reply would.
//
// No I/O: the connection gathers Pieces into its socket's buffer sequence. Unit-tested.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "common/heap_string.h"

namespace basalt::server {

// A value to send at byte offset `at` of a block: before the block's byte `at`.
struct Splice {
  size_t at;
  HeapString* value;  // one share, released when sent or dropped
};

class OutputQueue {
 public:
  struct Piece {
    const char* data;
    size_t size;
  };

  OutputQueue() = default;
  OutputQueue(const OutputQueue&) = delete;
  OutputQueue& operator=(const OutputQueue&) = delete;
  ~OutputQueue() { Clear(); }

  // Queues bytes[from, end) with `splices` (offsets into `bytes`, ascending, each >= from and
  // <= bytes.size()); the queue takes their shares.
  void Push(std::string&& bytes, size_t from, std::vector<Splice>&& splices);

  bool empty() const { return head_ == blocks_.size(); }
  // Bytes not yet sent, spliced values included.
  size_t bytes() const { return bytes_; }
  // The front block's size when it was queued, spliced values included: a big one (a sealed
  // block, the reply of a 1 MB GET) is written without the per-turn cap.
  size_t front_block_size() const { return empty() ? 0 : blocks_[head_].size; }
  // Heap the queue's own blocks hold (spliced values belong to the store).
  size_t owned_capacity() const { return owned_capacity_; }
  // Heap the array of waiting blocks holds.
  size_t array_bytes() const { return blocks_.capacity() * sizeof(Block); }

  // Fills `out` with the next pieces, at most `max_bytes` in total; returns how many.
  size_t Gather(std::span<Piece> out, size_t max_bytes) const;
  // `n` bytes were sent: drops what is done and releases the values sent. A drained block
  // whose buffer is worth keeping goes to `*spare` when that is an empty string without a
  // buffer of its own (the connection's output buffer, after it was moved here).
  void Consume(size_t n, std::string* spare);
  void Clear();
  // An empty queue gives back the little array it keeps for its next blocks (an idle client).
  void ReleaseIfEmpty();

 private:
  struct Block {
    std::string bytes;
    size_t size = 0;  // bytes to send when queued, spliced values included
    size_t pos = 0;   // next byte of `bytes` to send
    std::vector<Splice> splices;
    size_t next_splice = 0;  // splices[next_splice] is the next one not wholly sent
    size_t splice_sent = 0;  // bytes of it already sent
    bool at_splice() const {
      return next_splice < splices.size() && splices[next_splice].at == pos;
    }
    // Bytes from pos up to the next splice (or the end).
    size_t run() const {
      return (next_splice < splices.size() ? splices[next_splice].at : bytes.size()) - pos;
    }
  };
  void Drop(Block& block, std::string* spare);
  void PopFront();

  // Blocks from head_ on wait; those before it were sent. Not a std::deque: libstdc++'s
  // allocates a 512-byte node for an empty one, and every connection has a queue, mostly
  // empty (10k idle clients: 5 MB).
  std::vector<Block> blocks_;
  size_t head_ = 0;
  size_t bytes_ = 0;
  size_t owned_capacity_ = 0;
};

}  // namespace basalt::server
