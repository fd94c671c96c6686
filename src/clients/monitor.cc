#include "clients/monitor.h"

#include <algorithm>
#include <cstdio>

namespace basalt::clients {

namespace {

// A quoted argument: printable bytes as they are, the usual C escapes, \xHH for the rest.
void AppendQuoted(std::string& out, std::string_view arg) {
  out += '"';
  for (unsigned char c : arg) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          char hex[5];
          std::snprintf(hex, sizeof(hex), "\\x%02x", c);
          out += hex;
        }
    }
  }
  out += '"';
}

}  // namespace

std::string FormatMonitorLine(int64_t wall_us, int db, std::string_view origin,
                              std::span<const std::string_view> argv) {
  char head[64];
  int n = std::snprintf(head, sizeof(head), "%lld.%06lld [%d ",
                        static_cast<long long>(wall_us / 1000000),
                        static_cast<long long>(wall_us % 1000000), db);
  std::string line(head, static_cast<size_t>(n));
  line.append(origin);
  line += "] ";
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) line += ' ';
    AppendQuoted(line, argv[i]);
  }
  return line;
}

void MonitorFeed::Add(Client& client) {
  client.monitor = true;
  monitors_.push_back(&client);
}

void MonitorFeed::Remove(Client& client) {
  client.monitor = false;
  monitors_.erase(std::remove(monitors_.begin(), monitors_.end(), &client), monitors_.end());
}

void MonitorFeed::Feed(int64_t wall_us, int db, std::string_view origin,
                       std::span<const std::string_view> argv) {
  std::string bytes = "+" + FormatMonitorLine(wall_us, db, origin, argv) + "\r\n";
  // A monitor may be dropped while delivering (output limit), which edits the list. The feed
  // is not a push in Redis: a monitor that turned replies off (CLIENT REPLY) gets none of it.
  std::vector<Client*> receivers = monitors_;
  for (Client* c : receivers) c->DeliverReply(bytes);
}

}  // namespace basalt::clients
