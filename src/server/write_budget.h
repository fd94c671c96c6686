// How much of a connection's pending output one turn of the event loop writes.
//
// Without a cap, a turn wrote every byte each socket took: at -P 16 with 16 KB values, a
// client's next batch waited behind the other clients' 256 KB replies (redis-benchmark's p50
// was 2.7x Redis's at equal throughput), and a small GET queued behind any burst of large
// replies the same way. Redis stops a client's writes for the event once they pass 64 KB
// (NET_MAX_WRITES_PER_EVENT), counted in its reply chunks of ~16-20 KB, so the chunk that
// crosses the mark still goes: its writes of 16 KB GETs at -P 16 are 81,856, 81,856, 77,776 and
// 20,816 bytes (strace). Redis lifts the cap for replicas (their stream must keep up with the
// writes) and above maxmemory (output buffers are memory: drain them); so does Allowance's
// `exempt`.
//
// Why 80 KB and not 64: a write of exactly 64 KB is one full TCP segment plus a few bytes on
// loopback (MSS 65,483), and with a pacing congestion control (BBR, the default on many hosts,
// and this CI's) that tiny second segment waits for the pacing hrtimer: in the same tcp_write_xmit
// pass the clock has not moved past the first segment's departure time. One timer per write
// (12,600 hrtimer_start per 200k GETs against Redis's 900) cost a third of the server's CPU at
// 16 KB -c 200 -P 16 and fed BBR low bandwidth samples, so runs settled at 105-140k GET/s
// (Redis 160-190k); writing 80 KB leaves a ~16 KB second segment, as Redis's do: 295 timers,
// 199-202k GET/s.
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
  static constexpr size_t kPerTurn = 80 * 1024;
  static constexpr size_t kTail = 16 * 1024;

  // Bytes to offer the socket now out of `pending`.
  static constexpr size_t Allowance(size_t pending, bool exempt) {
    if (exempt || pending <= kPerTurn + kTail) return pending;
    return kPerTurn;
  }
};

}  // namespace basalt::server
