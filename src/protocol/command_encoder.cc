#include "protocol/command_encoder.h"

#include "common/strings.h"

namespace basalt::protocol {

void AppendCommand(std::string& out, std::span<const std::string_view> argv) {
  char num[24];
  out += '*';
  out.append(num, FormatInt64(static_cast<int64_t>(argv.size()), num));
  out += "\r\n";
  for (std::string_view a : argv) {
    out += '$';
    out.append(num, FormatInt64(static_cast<int64_t>(a.size()), num));
    out += "\r\n";
    out.append(a);
    out += "\r\n";
  }
}

}  // namespace basalt::protocol
