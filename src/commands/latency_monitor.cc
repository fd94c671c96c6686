#include "commands/latency_monitor.h"

#include <algorithm>
#include <utility>

namespace basalt::cmd {

std::vector<LatencyMonitor::Sample> LatencyMonitor::Event::History() const {
  std::vector<Sample> out;
  for (size_t j = 0; j < kSamples; ++j) {
    const Sample& s = ring[(next + j) % kSamples];
    if (s.unix_seconds != 0) out.push_back(s);
  }
  return out;
}

void LatencyMonitor::Add(std::string_view event, int64_t latency_ms, int64_t now_seconds) {
  auto it =
      std::find_if(events_.begin(), events_.end(), [&](const Event& e) { return e.name == event; });
  if (it == events_.end()) {
    events_.push_back(Event{.name = std::string(event)});
    it = events_.end() - 1;
  }
  Event& e = *it;
  e.max_ms = std::max(e.max_ms, latency_ms);
  // One sample a second: a second event in the same second only raises that sample.
  Sample& last = e.ring[(e.next + kSamples - 1) % kSamples];
  if (last.unix_seconds == now_seconds) {
    last.latency_ms = std::max(last.latency_ms, latency_ms);
    return;
  }
  e.ring[e.next] = Sample{now_seconds, latency_ms};
  e.next = (e.next + 1) % kSamples;
}

size_t LatencyMonitor::Reset(std::span<const std::string_view> names) {
  if (names.empty()) return std::exchange(events_, {}).size();
  size_t reset = 0;
  for (std::string_view name : names) {
    auto it = std::find_if(events_.begin(), events_.end(),
                           [&](const Event& e) { return e.name == name; });
    if (it == events_.end()) continue;
    events_.erase(it);
    ++reset;
  }
  return reset;
}

const LatencyMonitor::Event* LatencyMonitor::Find(std::string_view name) const {
  for (const Event& e : events_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

}  // namespace basalt::cmd
