// What every blocking command (the list pops in blocking_commands.cc, the sorted-set pops in
// zset_pop_commands.cc) shares: the timeout argument, parking a client on keys, and the answer
// of a command that may not block. See blocking_commands.cc for the whole flow.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clients/key_waits.h"
#include "commands/command.h"
#include "store/entry.h"

namespace basalt::cmd {

// The timeout argument (seconds, fractions allowed, 0 = forever) as an absolute deadline in ms
// (0 = none); false after replying Redis's error.
bool ParseBlockingTimeout(CommandContext& ctx, std::string_view text, int64_t* deadline_ms);

// Whether the client may be parked: not inside MULTI, not an in-process caller.
bool MayBlock(const CommandContext& ctx);

// Parks the client until one of `keys` (a subspan of ctx.args) holds a value of `type` (or
// passes `check`): its command then runs again with the ready key first among its keys (and
// `argv_override`, when given, as its arguments: XREAD's "$" made an ID). Or the deadline, or
// CLIENT UNBLOCK.
void BlockForKeys(CommandContext& ctx, std::span<const std::string_view> keys, int64_t deadline_ms,
                  store::ValueType type, clients::KeyWaits::ReadyCheck check = nullptr,
                  std::vector<std::string> argv_override = {});

// The arguments of LMPOP / BLMPOP / ZMPOP / BZMPOP after the command name (and timeout):
// "numkeys key [key ...] <end> [COUNT count]", <end> one of two words (LEFT|RIGHT, MIN|MAX).
struct MultiPopArgs {
  std::span<const std::string_view> keys;
  bool first_end = true;  // LEFT or MIN
  int64_t count = 1;
};
// Parses them from argument `at`, with Redis's errors in Redis's order: numkeys, then the
// missing or unknown end, then the options. False after replying.
bool ParseMultiPopArgs(CommandContext& ctx, size_t at, std::string_view first_end,
                       std::string_view second_end, MultiPopArgs* out);

// The immediate answer of a blocking command that found nothing and may not block (inside
// MULTI): a null array, or a null bulk for BLMOVE / BRPOPLPUSH.
enum class TimeoutReply { kNullArray, kNull };
void ReplyTimeout(CommandContext& ctx, TimeoutReply kind);

}  // namespace basalt::cmd
