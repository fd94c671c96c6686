#include "store/access.h"

namespace basalt::store::access {

namespace {

constexpr uint32_t kMinutesMax = 0xFFFF;

uint32_t Minutes(int64_t now_ms) { return static_cast<uint32_t>((now_ms / 60000) & kMinutesMax); }

// Minutes from `then` (16 bits) to now, understanding one wrap.
uint32_t MinutesSince(uint32_t then, int64_t now_ms) {
  const uint32_t now = Minutes(now_ms);
  return now >= then ? now - then : kMinutesMax - then + now;
}

}  // namespace

uint32_t LruClock(int64_t now_ms) { return static_cast<uint32_t>((now_ms / 1000) & kClockMax); }

int64_t LruIdleMs(uint32_t field, int64_t now_ms) {
  const uint32_t now = LruClock(now_ms);
  const uint32_t then = field & kClockMax;
  const uint32_t seconds = now >= then ? now - then : now + (kClockMax - then);
  return static_cast<int64_t>(seconds) * 1000;
}

uint32_t LfuNew(int64_t now_ms) { return (Minutes(now_ms) << 8) | kLfuInitial; }

uint32_t LfuDecayed(uint32_t field, int64_t now_ms, int64_t decay_time) {
  const uint32_t counter = field & 0xFF;
  if (decay_time <= 0) return counter;
  const uint64_t periods =
      MinutesSince((field >> 8) & kMinutesMax, now_ms) / static_cast<uint64_t>(decay_time);
  return periods >= counter ? 0 : counter - static_cast<uint32_t>(periods);
}

uint32_t LfuTouched(uint32_t field, int64_t now_ms, const AccessPolicy& policy, double random01) {
  uint32_t counter = LfuDecayed(field, now_ms, policy.lfu_decay_time);
  if (counter < 255) {
    const double base = counter > kLfuInitial ? counter - kLfuInitial : 0;
    const double p = 1.0 / (base * static_cast<double>(policy.lfu_log_factor) + 1);
    if (random01 < p) ++counter;
  }
  return (Minutes(now_ms) << 8) | counter;
}

uint32_t FromHints(AccessMode mode, int64_t idle_seconds, int64_t lfu_freq, int64_t now_ms) {
  if (mode == AccessMode::kLru && idle_seconds >= 0) {
    const int64_t idle = idle_seconds < kClockMax ? idle_seconds : kClockMax - 1;
    const int64_t clock = static_cast<int64_t>(LruClock(now_ms)) - idle;
    return static_cast<uint32_t>(clock >= 0 ? clock : clock + kClockMax);
  }
  if (mode == AccessMode::kLfu && lfu_freq >= 0) {
    return (Minutes(now_ms) << 8) | static_cast<uint32_t>(lfu_freq > 255 ? 255 : lfu_freq);
  }
  return kUnstamped;
}

uint32_t Fresh(const AccessPolicy& policy, int64_t now_ms) {
  return policy.mode == AccessMode::kLfu ? LfuNew(now_ms) : LruClock(now_ms);
}

}  // namespace basalt::store::access
