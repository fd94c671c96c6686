// MONITOR: every command the server runs, as one line sent to each monitoring client:
//   +1700000000.123456 [0 127.0.0.1:50000] "set" "k" "v"
// (Redis's format: wall time, database and client address, each argument quoted with C-style
// escapes). A line is formatted once and shared by all monitors.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clients/client.h"

namespace basalt::clients {

class MonitorFeed {
 public:
  void Add(Client& client);
  void Remove(Client& client);
  bool empty() const { return monitors_.empty(); }
  size_t size() const { return monitors_.size(); }

  // Sends the line for one executed command to every monitor.
  void Feed(int64_t wall_us, int db, std::string_view origin,
            std::span<const std::string_view> argv);

 private:
  std::vector<Client*> monitors_;
};

// The line (without the leading '+' and trailing CRLF) for one command.
std::string FormatMonitorLine(int64_t wall_us, int db, std::string_view origin,
                              std::span<const std::string_view> argv);

}  // namespace basalt::clients
