// How much of a connection's pending output one turn of the event loop writes.
//
// Without a cap, a turn wrote every byte each socket took: at -P 16 with 16 KB values, a
// client's next batch waited behind the other clients' 256 KB replies (redis-benchmark's p50
// was 2.7x Redis's at equal throughput), and a small GET queued behind any burst of large
// replies the same way. Redis stops a client's writes for the event once they pass 64 KB
// (NET_MAX_WRITES_PER_EVENT), counted in its reply chunks, so the chunk that crosses the mark
// still goes: here a tail of up to kTail rides along with the 64 KB. Redis lifts the cap for
// replicas (their stream must keep up with the writes) and above maxmemory (output buffers are
// memory: drain them); so does Allowance's `exempt`.
//
// Output that reaches 1 MB is sealed into a block of its own (Connection::SealIfBig) and sent
// uncapped, as Redis sends a big value's reply chunk whole; so is any queued block of 1 MB or
// more, such as the reply of a 1 MB GET sent by reference (server/output_queue.h). That is
// mostly big values (1 MB GETs: capping them cost ~40% more server CPU and tripled p50 at
// -c 50).
//
// No I/O: unit-tested on its own.
#pragma once

#include <cstddef>

namespace basalt::server {

struct WriteBudget {
  static constexpr size_t kPerTurn = 64 * 1024;
  static constexpr size_t kTail = 16 * 1024;

  // Bytes to offer the socket now out of `pending`.
  static constexpr size_t Allowance(size_t pending, bool exempt) {
    if (exempt || pending <= kPerTurn + kTail) return pending;
    return kPerTurn;
  }
};

}  // namespace basalt::server
