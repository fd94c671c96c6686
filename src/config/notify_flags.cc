#include "config/notify_flags.h"

#include <array>
#include <utility>

namespace basalt::config {

namespace {

// Type classes in the order CONFIG GET lists them; K, E and m follow them (see Format).
constexpr std::array<std::pair<char, int>, 11> kTypeClasses = {{
    {'g', kNotifyGeneric},
    {'$', kNotifyString},
    {'l', kNotifyList},
    {'s', kNotifySet},
    {'h', kNotifyHash},
    {'z', kNotifyZset},
    {'x', kNotifyExpired},
    {'e', kNotifyEvicted},
    {'t', kNotifyStream},
    {'d', kNotifyModule},
    {'n', kNotifyNew},
}};

constexpr std::array<std::pair<char, int>, 3> kTrailingClasses = {{
    {'K', kNotifyKeyspace},
    {'E', kNotifyKeyevent},
    {'m', kNotifyKeyMiss},
}};

int FlagOf(char c) {
  if (c == 'A') return kNotifyAll;
  for (const auto& [ch, bit] : kTypeClasses) {
    if (ch == c) return bit;
  }
  for (const auto& [ch, bit] : kTrailingClasses) {
    if (ch == c) return bit;
  }
  return 0;
}

}  // namespace

Status ParseNotifyFlags(std::string_view text, int* flags) {
  int parsed = 0;
  for (char c : text) {
    const int bit = FlagOf(c);
    if (bit == 0) {
      return Status::InvalidArgument("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    }
    parsed |= bit;
  }
  *flags = parsed;
  return Status::Ok();
}

std::string FormatNotifyFlags(int flags) {
  std::string out;
  if ((flags & kNotifyAll) == kNotifyAll) {
    // Redis prints A in place of all the type classes, n included: "AKEn" reads back "AKE".
    out += 'A';
  } else {
    for (const auto& [ch, bit] : kTypeClasses) {
      if (flags & bit) out += ch;
    }
  }
  for (const auto& [ch, bit] : kTrailingClasses) {
    if (flags & bit) out += ch;
  }
  return out;
}

}  // namespace basalt::config
