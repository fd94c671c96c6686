// INFO errorstats: error replies counted by their code, the message's first word (ERR,
// WRONGTYPE, EXECABORT, ...), as Redis counts them. A message without a space in its first 31
// bytes counts as ERR, as there. At most kMaxCodes codes are kept (only DEBUG ERROR can make up
// new ones); later new codes are not counted per code (total_error_replies still counts them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace basalt::cmd {

class ErrorStats {
 public:
  static constexpr size_t kMaxCodes = 128;

  // `message` as a handler writes it, without the leading '-'.
  void Count(std::string_view message) {
    const size_t space = message.substr(0, 31).find(' ');
    const std::string_view code =
        space == std::string_view::npos ? "ERR" : message.substr(0, space);
    auto it = counts_.find(code);
    if (it == counts_.end()) {
      if (counts_.size() >= kMaxCodes) return;
      it = counts_.emplace(std::string(code), 0).first;
    }
    ++it->second;
  }
  void Reset() { counts_.clear(); }
  // By code, in byte order (as Redis lists them).
  const std::map<std::string, uint64_t, std::less<>>& counts() const { return counts_; }

 private:
  std::map<std::string, uint64_t, std::less<>> counts_;
};

}  // namespace basalt::cmd
