// Time sources. Expiry deadlines are absolute Unix milliseconds (as in RDB and AOF files), so
// the keyspace needs wall-clock time; tests inject a ManualClock to move time without sleeping.
#pragma once

#include <cstdint>

namespace basalt {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock microseconds since the Unix epoch.
  virtual int64_t NowUs() const = 0;
  int64_t NowMs() const { return NowUs() / 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowUs() const override;
  static SystemClock* Instance();
};

// A clock that only moves when told to; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : now_us_(start_ms * 1000) {}
  int64_t NowUs() const override { return now_us_; }
  void AdvanceMs(int64_t ms) { now_us_ += ms * 1000; }
  void SetMs(int64_t ms) { now_us_ = ms * 1000; }

 private:
  int64_t now_us_;
};

// Monotonic microseconds for measuring durations (latency, CPU budgets), never for deadlines.
int64_t MonotonicUs();

}  // namespace basalt
