// How much one read of a connection may take in a turn of the event loop.
//
// A pipelining client's latency, as redis-benchmark counts it, is the time to its batch's first
// reply, and that is about one turn: the loop reaches a connection once per turn, and the
// replies of a turn leave together at its end. A turn is as long as what the connections it
// serves read and run. Uncapped, a read takes what the input buffer has room for, up to a whole
// -P 16 batch: at -c 1000 with 16 KB SETs, a turn was every client's whole batch, and p50 was
// 52-56 ms against Redis's 41-45 (which reads 16 KB a time, PROTO_IOBUF_LEN), at 1.3-1.8x its
// throughput. So a turn's reads share a budget: 16 MB over the connections the last turn
// served, and never less than 48 KB (about three 16 KB SETs). At -c 1000, five runs a cell:
// SET 1.33x Redis fresh (p50 39.6 ms against 43.5, p99 equal) and 1.55x warm (p50 40.9 against
// 42.8, p99 75 against 345). The floor is a trade: 32 KB gave p50 28 ms but fresh SETs at
// 0.86-1.05x Redis's throughput, 16 KB (two reads a SET) 0.85-1.0x, 64 KB p50 above Redis's.
// Up to 341 connections a turn read 48 KB and more, up to 256 64 KB and more: -c 200 (~150 a
// turn, 109 KB) did not change.
//
// Those measurements had a fixed 1 MB receive buffer on client sockets; with the kernel's
// autotuning (listener.cc), 16 KB -c 1000 -P 16 SETs ran at 1.26-1.44x Redis's ops/s with p50
// 67-76 ms against 40-48. Floors measured then, 4 runs each: 32 KB p50 55 ms (1.18x), 96 KB
// 60 ms (1.5x), 16 KB 51 ms (0.93x). What the p50 waited for was a pass over every busy
// connection before a new batch's first read; with that many clients busy, the reads that
// continue a batch now wait for slices between the loop's polls (continuations.h), and
// the p50 is 2-3 ms.
//
// Only the reads of plain input are capped: a big bulk's rest is read whole into its buffer.
//
// No I/O: unit-tested on its own.
#pragma once

#include <algorithm>
#include <cstddef>

namespace basalt::server {

struct ReadBudget {
  static constexpr size_t kPerTurn = 16 * 1024 * 1024;
  static constexpr size_t kMinPerRead = 48 * 1024;

  // The cap on one read of plain input when the last turn served `served` reads.
  static constexpr size_t PerRead(size_t served) {
    return std::max(kPerTurn / std::max<size_t>(served, 1), kMinPerRead);
  }
};

}  // namespace basalt::server
