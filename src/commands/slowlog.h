// The slow log (SLOWLOG GET): the newest commands that took at least slowlog-log-slower-than
// microseconds to run, at most slowlog-max-len of them, as Redis keeps it. The dispatcher times
// every command it runs and offers the slow ones here; the log keeps an abbreviated copy of the
// arguments (Abbreviate), so a slow MSET of a million pairs costs 32 short strings, not a copy.
//
// It holds no pointer into the server: the dispatcher passes the settings with each call, and
// tests drive it alone.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::cmd {

struct SlowLogEntry {
  uint64_t id = 0;  // counts up from 0 over the server's life; RESET does not restart it
  int64_t unix_seconds = 0;
  int64_t duration_us = 0;
  std::vector<std::string> args;  // abbreviated (Abbreviate), passwords already redacted
  std::string peer;               // "ip:port"
  std::string client_name;
};

class SlowLog {
 public:
  // Redis's rules: at most 32 arguments, the last of them then "... (N more arguments)"; an
  // argument longer than 128 bytes is cut there and ends "... (N more bytes)".
  static std::vector<std::string> Abbreviate(std::span<const std::string_view> args);

  // Whether a command of `duration_us` is logged under `threshold_us` (negative: never).
  static bool IsSlow(int64_t duration_us, int64_t threshold_us) {
    return threshold_us >= 0 && duration_us >= threshold_us;
  }

  // Adds `entry` (its id assigned here) as the newest, then drops the oldest past max_len.
  void Add(SlowLogEntry entry, int64_t max_len);
  // Drops the oldest entries past max_len. Redis trims on every command it times, so a
  // lowered slowlog-max-len takes effect at the next command, logged or not.
  void Trim(int64_t max_len);
  void Reset() { entries_.clear(); }

  size_t size() const { return entries_.size(); }
  // Newest first.
  const std::deque<SlowLogEntry>& entries() const { return entries_; }

 private:
  std::deque<SlowLogEntry> entries_;
  uint64_t next_id_ = 0;
};

}  // namespace basalt::cmd
