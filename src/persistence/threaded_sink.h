// A sink whose writes happen on a thread of its own.
//
// BGSAVE and BGREWRITEAOF encode on the event loop (the snapshot is forkless), and a write(2)
// to a file can wait: once the disk falls behind on writeback the kernel holds writers in
// balance_dirty_pages, and a hung disk holds them for good. Redis's forked child takes those
// waits; here the loop copies the encoded bytes into blocks and hands each full block to the
// thread, which writes them in order.
//
// Memory stays bounded two ways. `behind()` (a few blocks queued) tells the snapshot to pause
// its walk until the thread catches up, so a slow disk slows the snapshot, not the clients.
// And an Append that finds the queue at its hard cap waits for room: only a burst written in
// one call chain gets there (FLUSHALL during a snapshot writes every entry not yet written).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "persistence/byte_io.h"

namespace basalt::persistence {

class ThreadedSink final : public ByteSink {
 public:
  struct Limits {
    size_t block_bytes = 1 << 20;
    size_t behind_bytes = 8 << 20;       // behind() from here
    size_t max_queued_bytes = 64 << 20;  // Append waits beyond this
  };

  // `target` is written by the thread only, until Finish() returns; it must outlive this.
  explicit ThreadedSink(ByteSink* target) : ThreadedSink(target, Limits{}) {}
  ThreadedSink(ByteSink* target, Limits limits);
  // Abandons what is queued: the thread stops after the write it is in.
  ~ThreadedSink() override;
  ThreadedSink(const ThreadedSink&) = delete;
  ThreadedSink& operator=(const ThreadedSink&) = delete;

  // Reports the target's first error once the thread met one (at a later block's hand-over).
  Status Append(std::string_view data) override;
  // Hands the partial block over without waiting for it to be written (the encoders flush at
  // the end of their walk, on the event loop).
  Status Flush() override;
  // Waits until everything is written, then syncs the target.
  Status Sync() override;
  uint64_t bytes_written() const override { return appended_; }

  // Queued bytes have reached Limits::behind_bytes: the producer should pause.
  bool behind() const;
  // Writes everything queued, stops the thread and returns the first error. The target may be
  // used directly afterwards. Idempotent.
  Status Finish();

 private:
  void Run();
  // Queues block_ (waiting while the queue is at its cap) and starts a new one.
  Status HandOver();
  // Waits until the thread has written everything queued; returns its first error.
  Status WaitIdle();

  ByteSink* const target_;
  const Limits limits_;
  std::string block_;
  uint64_t appended_ = 0;

  mutable std::mutex mu_;
  std::condition_variable work_;  // to the thread: a block queued, or stop
  std::condition_variable room_;  // from the thread: a block written
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;  // in queue_ and the block being written
  bool stop_ = false;
  Status error_;
  std::thread thread_;
};

}  // namespace basalt::persistence
