// INFO: the report generator and the rate samples behind its instantaneous_* fields.
//
// The server layer owns one InstantaneousMetrics, points ServerContext::metrics at it and calls
// Sample() from its cron (any hz: samples closer than 100 ms apart are skipped). Without it,
// INFO reports the instantaneous rates as 0.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "commands/command.h"

namespace basalt::cmd {

// The version INFO and HELLO report. Clients check it to decide which commands exist, so it is
// the Redis release whose behaviour basalt follows; basalt's own version is basalt_version.
inline constexpr std::string_view kRedisCompatVersion = "7.0.15";
inline constexpr std::string_view kBasaltVersion = "0.1.0";

class InstantaneousMetrics {
 public:
  // Records the counters' growth since the previous sample.
  void Sample(const ServerStats& stats, int64_t now_ms);
  // Forgets all samples (CONFIG RESETSTAT).
  void Reset();
  // Averages over the last samples.
  double ops_per_sec() const { return Average(ops_); }
  double input_kbps() const { return Average(input_) / 1024; }
  double output_kbps() const { return Average(output_) / 1024; }

  // Highest memory use seen by Sample() or INFO.
  int64_t peak_memory() const { return peak_memory_; }
  void NotePeakMemory(int64_t used) {
    if (used > peak_memory_) peak_memory_ = used;
  }

 private:
  static constexpr int kSamples = 16;
  static constexpr int64_t kMinIntervalMs = 100;
  using Ring = std::array<double, kSamples>;
  double Average(const Ring& ring) const;

  Ring ops_{}, input_{}, output_{};
  int next_ = 0;
  int64_t last_ms_ = -1;
  uint64_t last_commands_ = 0, last_input_ = 0, last_output_ = 0;
  int64_t peak_memory_ = 0;
};

// The INFO text for the requested section names (case-insensitive; "default", "all",
// "everything" or none = default). Sections appear in Redis's fixed order whatever the order of
// the request; unknown names are ignored.
std::string GenerateInfo(ServerContext& server, std::span<const std::string_view> sections,
                         int64_t now_ms);

// Memory use as INFO counts it: the keyspace's accounted allocations plus client buffers.
int64_t UsedMemory(ServerContext& server);
// The keyspace's part of it (used_memory_dataset): accounted allocations less client buffers.
int64_t DatasetMemory(ServerContext& server);
// The process's resident set size in bytes (0 when /proc is unavailable).
int64_t ResidentMemory();
// The highest UsedMemory() seen so far (after noting the current one); UsedMemory() when the
// server keeps no metrics.
int64_t PeakMemory(ServerContext& server, int64_t used);

// "1.21M" style sizes (used_memory_human).
std::string BytesToHuman(int64_t bytes);

// Generates the 40-hex-character run id once per server.
const std::string& EnsureRunId(ServerContext& server);

}  // namespace basalt::cmd
