// A command's run times, for INFO latencystats and LATENCY HISTOGRAM (latency-tracking).
//
// Redis keeps these in an HdrHistogram of nanoseconds from 1 ns to 1 s with two significant
// digits, and its replies are read off that histogram's buckets: a percentile is the highest
// (the lowest, for p0) value equivalent to the bucket it falls in ("2.007" us for a 2 us run),
// and LATENCY HISTOGRAM reports cumulative counts at 1.024 us, 2.048 us, ... each shown as its
// bucket's highest value in whole microseconds (1, 2, 4, 8, 16, 33, 66, ...). To answer the
// same numbers, this histogram has the same buckets: values below 256 ns are exact; above, each
// power-of-two range [128 * 2^k, 256 * 2^k) ns is cut into 128 buckets of 2^k ns.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace basalt::cmd {

class LatencyHistogram {
 public:
  LatencyHistogram();

  // Records one run of `duration_us` microseconds (clamped to 1 ns .. 1 s, as Redis does).
  void Record(int64_t duration_us);

  uint64_t total() const { return total_; }
  // The value in nanoseconds at or below which `percentile` (0..100) of the runs fall.
  int64_t ValueAtPercentile(double percentile) const;
  // Calls fn(us, cumulative_count) for each power-of-two level from 1.024 us up where the
  // cumulative count grew since the level before: LATENCY HISTOGRAM's histogram_usec.
  void ForEachLevel(const std::function<void(int64_t us, uint64_t cumulative)>& fn) const;

 private:
  std::unique_ptr<uint64_t[]> counts_;
  uint64_t total_ = 0;
};

}  // namespace basalt::cmd
