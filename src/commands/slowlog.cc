#include "commands/slowlog.h"

#include <algorithm>
#include <utility>

namespace basalt::cmd {

namespace {

constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgBytes = 128;

}  // namespace

std::vector<std::string> SlowLog::Abbreviate(std::span<const std::string_view> args) {
  const size_t kept = std::min(args.size(), kMaxArgs);
  std::vector<std::string> out;
  out.reserve(kept);
  for (size_t i = 0; i < kept; ++i) {
    if (kept < args.size() && i == kept - 1) {
      // The last slot counts itself among the arguments left out.
      out.push_back("... (" + std::to_string(args.size() - kept + 1) + " more arguments)");
    } else if (args[i].size() > kMaxArgBytes) {
      std::string cut(args[i].substr(0, kMaxArgBytes));
      cut += "... (" + std::to_string(args[i].size() - kMaxArgBytes) + " more bytes)";
      out.push_back(std::move(cut));
    } else {
      out.emplace_back(args[i]);
    }
  }
  return out;
}

void SlowLog::Add(SlowLogEntry entry, int64_t max_len) {
  entry.id = next_id_++;
  entries_.push_front(std::move(entry));
  Trim(max_len);
}

void SlowLog::Trim(int64_t max_len) {
  const size_t keep = static_cast<size_t>(std::max<int64_t>(max_len, 0));
  while (entries_.size() > keep) entries_.pop_back();
}

}  // namespace basalt::cmd
