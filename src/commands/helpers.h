// Small shared pieces for command handlers: typed lookups, argument parsing that replies with
// Redis's error on failure, and option matching.
#pragma once

#include <cstdint>
#include <string_view>

#include "commands/command.h"
#include "commands/errors.h"
#include "common/strings.h"
#include "store/entry.h"

namespace basalt::cmd {

// Looks a key up for a read: lazily expires it and counts keyspace hits and misses; a miss
// publishes the "keymiss" notification.
store::Entry* LookupRead(CommandContext& ctx, std::string_view key);
// Looks a key up before a write: lazily expires it; no hit/miss accounting.
store::Entry* LookupWrite(CommandContext& ctx, std::string_view key);
// True when e is null or of type `type`; otherwise replies WRONGTYPE and returns false.
bool CheckType(CommandContext& ctx, const store::Entry* e, store::ValueType type);

// Parses a strict integer; on failure replies `error` and returns false.
bool ParseIntArg(CommandContext& ctx, std::string_view text, int64_t* out,
                 std::string_view error = err::kNotInteger);
// Parses a timeout in milliseconds (CLIENT PAUSE, WAIT): a non-negative integer that, added to
// ctx.now_ms, does not overflow. Replies Redis's error and returns false otherwise.
bool ParseTimeoutMs(CommandContext& ctx, std::string_view text, int64_t* timeout_ms);
// Parses a database index; replies Redis's errors for non-numbers and out of range.
bool ParseDbIndex(CommandContext& ctx, std::string_view text, int* out);

// A SCAN-family cursor as Redis reads it (strtoul, base 10). Clients only ever send back
// cursors we gave them, but the accepted spellings are observable, so they match: a leading
// space is refused, an empty string is cursor 0, a sign is allowed and '-' wraps modulo 2^64,
// trailing characters and magnitudes past 64 bits are refused. Like C string code, an embedded
// NUL ends the text. False: reply err::kInvalidCursor.
bool ParseScanCursor(std::string_view text, uint64_t* out);

// The options of SCAN, HSCAN, SSCAN and ZSCAN (TYPE only for SCAN).
struct ScanOptions {
  int64_t count = 10;
  std::string_view pattern;
  bool has_pattern = false;  // MATCH given and not "*" (which matches everything)
  std::string_view type;
  bool has_type = false;
};
// Parses them from argument `first` on; replies Redis's error and returns false when invalid.
bool ParseScanOptions(CommandContext& ctx, size_t first, bool allow_type, ScanOptions* opts);

// Replies Redis's error for a subcommand given the wrong arguments, naming it as it was sent:
// "ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP."
void SubcommandSyntaxError(CommandContext& ctx);

inline bool IsOption(std::string_view arg, std::string_view option) {
  return EqualsIgnoreCase(arg, option);
}

}  // namespace basalt::cmd
