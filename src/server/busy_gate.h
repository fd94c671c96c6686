// While a script runs past busy-reply-threshold, the event loop turns inside it
// (Server::ServeWhileBusy), so other clients get -BUSY and SCRIPT KILL can arrive, as Redis
// serves its clients from inside a long script. Only their input and output may be served
// then: the script holds its caller's request half done and the dataset half changed. So the
// handlers that would change the dataset or touch the caller (the cron, background slices, the
// engine's completions, the AOF batch, a primary's stream, signals, the caller's own reads and
// writes) check the gate first and, while it is closed, park here; they run once the script
// has returned and the loop is back at its top.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace basalt::server {

class BusyGate {
 public:
  bool closed() const { return closed_; }
  // Closes the gate for one turn inside a busy script; `caller` is the script's client.
  void Close(const void* caller) {
    closed_ = true;
    caller_ = caller;
  }
  void Open() {
    closed_ = false;
    caller_ = nullptr;
  }

  // Keeps a handler that found the gate closed, to run after the script.
  void Park(std::function<void()> later) { parked_.push_back(std::move(later)); }
  // Runs `fn` now, or parks it while the gate is closed.
  void RunOrPark(std::function<void()> fn) {
    if (closed_) {
      Park(std::move(fn));
    } else {
      fn();
    }
  }
  // Whether `connection` is the busy script's caller (whose handlers must wait for it).
  bool IsCaller(const void* connection) const { return closed_ && connection == caller_; }

  bool has_parked() const { return !parked_.empty(); }
  std::vector<std::function<void()>> TakeParked() { return std::exchange(parked_, {}); }

 private:
  bool closed_ = false;
  const void* caller_ = nullptr;
  std::vector<std::function<void()>> parked_;
};

}  // namespace basalt::server
