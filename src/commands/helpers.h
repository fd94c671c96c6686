// Small shared pieces for command handlers: typed lookups, argument parsing that replies with
// Redis's error on failure, and option matching.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"
#include "commands/errors.h"
#include "common/strings.h"
#include "store/entry.h"

namespace basalt::cmd {

// Looks a key up for a read: lazily expires it and counts keyspace hits and misses; a miss
// publishes the "keymiss" notification. `touch` false: the read is not an access for LRU/LFU
// eviction (TYPE, EXISTS, TTL and its kin, as in Redis).
store::Entry* LookupRead(CommandContext& ctx, std::string_view key, bool touch = true);
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

// An index range [start, stop] as LRANGE, LTRIM, ZRANGE and ZREMRANGEBYRANK take it (negative
// indexes count from the end), clamped to `size` elements: [*from, *to], inclusive. False when
// the range is empty.
bool ClampRange(int64_t start, int64_t stop, size_t size, size_t* from, size_t* to);

// One HSCAN / SSCAN / ZSCAN call over a table encoding, as Redis's scanGenericCommand walks
// it: `step(cursor, &seen)` visits one bucket (adding the elements it saw to *seen) and
// returns the next cursor; the walk stops once COUNT elements were seen, after 10 x COUNT
// steps, or when the cursor comes back to 0. Returns the cursor to reply.
template <typename Step>
uint64_t WalkScanSteps(uint64_t cursor, int64_t count, Step&& step) {
  const auto wanted = static_cast<uint64_t>(count);
  uint64_t steps_left = wanted > UINT64_MAX / 10 ? UINT64_MAX : wanted * 10;
  uint64_t seen = 0;
  do {
    cursor = step(cursor, &seen);
  } while (cursor != 0 && steps_left-- > 0 && seen < wanted);
  return cursor;
}
// The reply of a SCAN-family call: [cursor, [items...]].
void ReplyScan(CommandContext& ctx, uint64_t cursor, const std::vector<std::string>& items);

// The bound on a reply of random picks with repetitions (SRANDMEMBER and HRANDFIELD with a
// negative count). Such a reply grows with the count the client asks for, not with the key,
// and is built whole before a byte of it is sent: Redis 7.0.15 answers SRANDMEMBER s -2^40 by
// running out of memory (normal clients have no output buffer limit by default; no later
// Redis bounds it either, nor has an error for it). basalt refuses, with
// "ERR value is out of range", a reply that would pass kMaxRepeatedPickReplyBytes, or the
// normal clients' hard client-output-buffer-limit when one is set and lower (where Redis would
// drop the client): at once when even the smallest picks could not fit, else when the reply,
// as it is written, passes the bound (what was written of it is taken back first).
class RepeatedPickReply {
 public:
  static constexpr int64_t kMaxRepeatedPickReplyBytes = 512LL * 1024 * 1024;
  // The least bytes one pick adds: an empty bulk, "$0\r\n\r\n".
  static constexpr uint64_t kMinPickBytes = 6;

  explicit RepeatedPickReply(CommandContext& ctx);
  // Before the reply: false (the error replied) when `count` picks of at least `min_bytes`
  // each cannot fit.
  bool Admit(uint64_t count, uint64_t min_bytes = kMinPickBytes);
  // After some picks are written: false (the reply so far removed, the error replied) when
  // the reply has passed the bound.
  bool StillFits();
  uint64_t limit() const { return limit_; }

 private:
  CommandContext& ctx_;
  size_t start_;
  uint64_t limit_;
};

// Replies Redis's error for a subcommand given the wrong arguments, naming it as it was sent:
// "ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP."
void SubcommandSyntaxError(CommandContext& ctx);

// Redis's "local" for enable-protected-configs and enable-debug-command: a client on the
// loopback address (127.0.0.1 or ::1); an in-process session (no address) is the process itself.
bool IsLocalClient(const ClientSession& client);

inline bool IsOption(std::string_view arg, std::string_view option) {
  return EqualsIgnoreCase(arg, option);
}

}  // namespace basalt::cmd
