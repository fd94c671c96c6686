// The latency monitor (LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR): for each kind of
// event that took at least latency-monitor-threshold milliseconds ("command", "fast-command",
// ...), its last 160 samples, at most one a second (the worst of that second), and its all-time
// worst. Off (threshold 0) by default, as in Redis.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::cmd {

class LatencyMonitor {
 public:
  static constexpr size_t kSamples = 160;
  struct Sample {
    int64_t unix_seconds = 0;  // 0: an unused slot
    int64_t latency_ms = 0;
  };
  struct Event {
    std::string name;
    std::array<Sample, kSamples> ring{};
    size_t next = 0;  // the slot the next second's sample goes to
    int64_t max_ms = 0;
    const Sample& latest() const { return ring[(next + kSamples - 1) % kSamples]; }
    // The samples held, oldest first.
    std::vector<Sample> History() const;
  };

  // Records `latency_ms` of `event` when it reaches the threshold (0: the monitor is off).
  void AddIfNeeded(std::string_view event, int64_t latency_ms, int64_t threshold_ms,
                   int64_t now_seconds) {
    if (threshold_ms > 0 && latency_ms >= threshold_ms) Add(event, latency_ms, now_seconds);
  }
  void Add(std::string_view event, int64_t latency_ms, int64_t now_seconds);
  // Forgets the named events (all of them when `names` is empty); returns how many there were.
  size_t Reset(std::span<const std::string_view> names);

  // In the order they first happened.
  const std::vector<Event>& events() const { return events_; }
  const Event* Find(std::string_view name) const;

 private:
  std::vector<Event> events_;
};

}  // namespace basalt::cmd
