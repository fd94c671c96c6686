// Whether the next AOF batch (appendfsync always) should wait for the clients the last batch
// released: worth it when they come back quickly (closed-loop clients such as benchmarks, or
// application threads that write in a loop), one fsync then covering them all; a waste when
// they do not (a connection pool whose connections write once and go idle).
//
// The policy learns the share of released clients that come back within one batch cycle
// (between one release and the next) as a moving average. A cycle waits until that share of
// its released clients is back, and only while the share is high; below it, one cycle in
// kProbeEvery still waits, so a change in the clients' behaviour is noticed. The caller bounds
// each wait in time (GroupCommit: the last fsync's duration).
//
// No I/O, no clock: unit-tested on its own.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace basalt::server {

class CommitHoldPolicy {
 public:
  static constexpr double kMinReturnShare = 0.5;
  static constexpr double kAverageWeight = 0.25;
  static constexpr uint64_t kProbeEvery = 8;

  // A batch became durable and released `released` clients that had written.
  void OnRelease(size_t released) {
    if (released_ > 0) {
      const double share = static_cast<double>(returned_) / static_cast<double>(released_);
      return_share_ += (share - return_share_) * kAverageWeight;
    }
    released_ = released;
    returned_ = 0;
    ++cycles_;
    wait_this_cycle_ =
        released > 0 && (return_share_ >= kMinReturnShare || cycles_ % kProbeEvery == 0);
  }

  // A client released by the last batch sent a request or closed.
  void OnReturn() { ++returned_; }

  // The next batch was handed to the writer: the wait of this cycle is over (a client that
  // keeps pipelining is never released entirely, so no new cycle may come to end it), while
  // returns still count towards the share.
  void OnSubmit() { wait_this_cycle_ = false; }

  // True while the next batch should keep waiting for released clients.
  bool ShouldWait() const { return wait_this_cycle_ && returned_ < Target(); }

  double return_share() const { return return_share_; }

 private:
  // The returns to wait for: the expected share of this cycle's releases, at least one.
  size_t Target() const {
    const auto expected = static_cast<size_t>(std::floor(return_share_ * released_ + 1e-9));
    return std::max<size_t>(1, std::min(expected, released_));
  }

  size_t released_ = 0;
  size_t returned_ = 0;
  double return_share_ = 1.0;  // optimistic until measured
  uint64_t cycles_ = 0;
  bool wait_this_cycle_ = false;
};

}  // namespace basalt::server
