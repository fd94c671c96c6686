#include "commands/latency_histogram.h"

#include <algorithm>
#include <bit>

namespace basalt::cmd {

namespace {

constexpr int64_t kLowest = 1;               // ns
constexpr int64_t kHighest = 1'000'000'000;  // ns
constexpr int kHalfBucketBits = 7;           // 128 buckets per power of two past 256 ns
constexpr int64_t kHalfBuckets = int64_t{1} << kHalfBucketBits;
// Ranges [128 * 2^k, 256 * 2^k) for k = 0..22 reach past 1 s (2^22 * 256 > 1e9).
constexpr int kRanges = 23;
constexpr size_t kCounts = static_cast<size_t>((kRanges + 1) * kHalfBuckets);

// Which power-of-two range `v` is in (0 for v < 256), and its bucket width: 2^range.
int RangeOf(int64_t v) {
  return std::bit_width(static_cast<uint64_t>(v) | 255u) - (kHalfBucketBits + 1);
}

size_t IndexOf(int64_t v) {
  const int range = RangeOf(v);
  const int64_t within = v >> range;  // 128..255 (0..255 in range 0)
  return static_cast<size_t>(((range + 1) << kHalfBucketBits) + (within - kHalfBuckets));
}

int64_t LowestAt(size_t index) {
  int64_t range = static_cast<int64_t>(index >> kHalfBucketBits) - 1;
  int64_t within = static_cast<int64_t>(index & (kHalfBuckets - 1)) + kHalfBuckets;
  if (range < 0) {
    within -= kHalfBuckets;
    range = 0;
  }
  return within << range;
}

int64_t HighestAt(size_t index) {
  const int64_t low = LowestAt(index);
  return low + (int64_t{1} << RangeOf(low)) - 1;
}

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(new uint64_t[kCounts]()) {}

void LatencyHistogram::Record(int64_t duration_us) {
  const int64_t ns = std::clamp(duration_us * 1000, kLowest, kHighest);
  ++counts_[IndexOf(ns)];
  ++total_;
}

int64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  const double p = std::min(percentile, 100.0);
  const uint64_t wanted =
      std::max<uint64_t>(1, static_cast<uint64_t>(p / 100 * static_cast<double>(total_) + 0.5));
  uint64_t seen = 0;
  for (size_t i = 0; i < kCounts; ++i) {
    seen += counts_[i];
    if (seen >= wanted) return percentile == 0.0 ? LowestAt(i) : HighestAt(i);
  }
  return 0;
}

void LatencyHistogram::ForEachLevel(
    const std::function<void(int64_t us, uint64_t cumulative)>& fn) const {
  // A level counts every run whose bucket starts at or below it. Levels whose bucket lies past
  // the last one (above ~0.54 s) are never reached, as in Redis.
  uint64_t cumulative = 0;
  uint64_t previous = 0;
  size_t next = 0;
  for (int64_t level = 1024; level <= kHighest; level *= 2) {
    const size_t last = IndexOf(level);
    for (; next <= last; ++next) cumulative += counts_[next];
    if (cumulative > previous) fn(HighestAt(last) / 1000, cumulative);
    previous = cumulative;
    if (cumulative == total_) break;
  }
}

}  // namespace basalt::cmd
