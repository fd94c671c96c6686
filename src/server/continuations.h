// When the reads and writes that continue a client's burst run: a slice at a time, between the
// loop's polls.
//
// A read that took all it was offered leaves the client's bytes waiting, and the read after it
// could start at once. Started at once, every busy connection's next read is queued before the
// loop asks the kernel for new events again, so a pass over them all runs between two polls,
// and a client whose request arrived meanwhile (a new -P 16 batch, or a single GET) waits for
// that whole pass before its first read. At -c 1000 with 16 KB SETs a pass is ~1000 reads of
// 48 KB, and redis-benchmark's p50 (the time to a batch's first reply; its write of the batch
// completes at once, into a 4 MB send buffer) was 54-70 ms against Redis's 30-41.
//
// So, while many clients are busy, those reads wait here and start in slices: each slice
// starts reads worth about kSliceBytes (each counted at the read cap, the most it may take) and
// is posted behind the loop's next poll, so what became readable meanwhile is read within a
// slice of arriving. Every waiting connection still gets one read per pass, in order. Which
// reads wait is the connection's call (Connection::ReadMore, OnRead; writes: WriteRestLater).
//
// Measured at -c 1000 -P 16 SET (pinned, 6 rounds alternating with Redis and the unsliced
// server): 16 KB p50 2.5-3.3 ms against 54 unsliced and Redis's 30-35, at 0.96-0.99x the
// unsliced ops/s; 64 KB p50 41-51 ms against 114 unsliced and Redis's 41-42, at 1.1x Redis's
// ops/s. Slices by count instead of bytes: 32 reads cost 64 KB 0.86x the unsliced ops/s, 128
// reads 0.94x; 2 MB had the best p50 of 2, 4 and 8 MB.
//
// kMinBusyToDefer keeps this to where a pass is long. At -c 200 (64 as the threshold against
// 256, 6 rounds): 16 KB -P 16 SET p50 2.7 ms against 6.0 (Redis 6.3) at 0.95x the ops/s, 64 KB
// 8.5 against 9.1 (Redis 8.0) at 0.97x, 256 KB alike. At -c 50 (32 against 64, 8 rounds) it
// bought nothing: 16 KB p50 1.33 against 1.23 (Redis 0.98), 64 KB 2.04 against 2.11, at 0.99x
// the ops/s; what keeps that p50 above Redis's is not a long pass.
//
// Writes the same way. A reply bigger than one turn's write (write_budget.h, 80 KB) leaves over
// several turns, and the write that continued it was posted for the next turn, which put it in
// the same pass between two polls: at -c 1000 -P 16 with 16 KB GETs (256 KB of replies a batch)
// a new batch waited for every busy connection's next 80 KB before its first read, and p50 was
// 82-101 ms against Redis's 56-75. Waiting here, each counted at the write budget (pinned, 10
// rounds against the unsliced server): p50 23 ms against 88 (Redis 63) at 0.98x the ops/s;
// -c 200 2.8 ms against 11.2 (Redis 10.4) at 0.96x; 64 KB -c 1000 18 ms (Redis 600) at 1.02x.
// 256 KB GETs at -P 1 (each reply is four writes): -c 200 1.04x, -c 1000 0.98x, p50 alike.
// Unlike reads, writes wait here however few clients are busy: at -c 50 (10 rounds) 16 KB
// GETs' p50 was 1.97 ms against 2.72 (Redis 2.63) at 1.00x the ops/s, and with fewer waiting
// than a slice runs, a slice is the post to the next turn that it replaced (-c 5: 1.03x, p50
// alike).
//
// No I/O: the connections and the posting are the caller's (unit-tested on their own).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>

#include "server/write_budget.h"

namespace basalt::server {

class Continuations {
 public:
  enum class Step { kRead, kWrite };
  // What waits here: a connection whose next read or write continues a burst.
  class Client {
   public:
    virtual bool closed() const = 0;
    virtual void Continue(Step step) = 0;

   protected:
    ~Client() = default;
  };
  // Runs `fn` behind what the event loop has ready now, after its next poll.
  using Post = std::function<void(std::function<void()>)>;
  // The most one read of plain input may take now.
  using ReadCap = std::function<size_t()>;
  static constexpr size_t kSliceBytes = 2 * 1024 * 1024;
  // A slice runs at least this many steps: with few busy clients (big reads) a pass over them
  // is short anyway, and a poll per step would be one epoll_wait more per read.
  static constexpr size_t kMinStepsPerSlice = 16;
  // A write is counted at what one turn may write (write_budget.h).
  static constexpr size_t kWriteCost = WriteBudget::kPerTurn;

  // Reads wait here only while at least this many clients are busy (see above).
  static constexpr size_t kMinBusyToDefer = 64;
  static constexpr bool Defers(size_t busy) { return busy >= kMinBusyToDefer; }

  Continuations(Post post, ReadCap read_cap, size_t slice_bytes = kSliceBytes)
      : post_(std::move(post)), read_cap_(std::move(read_cap)), slice_bytes_(slice_bytes) {}

  // `client` takes `step` in a coming slice.
  void Add(std::shared_ptr<Client> client, Step step) {
    waiting_.push_back({std::move(client), step});
    PostSlice();
  }
  size_t waiting() const { return waiting_.size(); }

 private:
  struct Waiting {
    std::shared_ptr<Client> client;
    Step step;
  };
  void PostSlice() {
    if (slice_posted_ || waiting_.empty()) return;
    slice_posted_ = true;
    post_([this] { RunSlice(); });
  }
  // Only steps that waited before this slice began run in it: one added meanwhile waits a poll
  // too. A step's cost is what it may move: a read the read cap, a write the write budget.
  void RunSlice() {
    slice_posted_ = false;
    const size_t read_cost = std::max<size_t>(read_cap_(), 1);
    size_t ran = 0;
    size_t bytes = 0;
    // A step may run a script that turns the loop while busy (ServeWhileBusy), and a slice
    // run in there takes steps from this same queue: count on nothing left.
    for (size_t n = waiting_.size(); n > 0 && !waiting_.empty(); --n) {
      const size_t cost = waiting_.front().step == Step::kRead ? read_cost : kWriteCost;
      if (ran >= kMinStepsPerSlice && bytes + cost > slice_bytes_) break;
      Waiting next = std::move(waiting_.front());
      waiting_.pop_front();
      ++ran;
      bytes += cost;
      if (!next.client->closed()) next.client->Continue(next.step);
    }
    PostSlice();
  }

  Post post_;
  ReadCap read_cap_;
  size_t slice_bytes_;
  std::deque<Waiting> waiting_;
  bool slice_posted_ = false;
};

}  // namespace basalt::server
