// Pieces shared by the string command files: string_commands.cc (whole values: GET, SET and
// friends, MGET, MSET), string_range_commands.cc (APPEND, STRLEN, GETRANGE, SETRANGE) and
// string_numeric_commands.cc (INCR family, INCRBYFLOAT).
#pragma once

#include <cstdint>
#include <string_view>

#include "commands/command.h"

namespace basalt::cmd {

class CommandTable;

void RegisterStringRangeCommands(CommandTable& table);
void RegisterStringNumericCommands(CommandTable& table);

// The spec of a string command whose only key is argument 1.
CommandSpec StringKeySpec(std::string_view name, int arity, uint32_t flags, Handler handler,
                          std::string_view summary, std::string_view since,
                          std::string_view complexity = "O(1)");

// Lazily expires `key` before a command overwrites it without reading it, so that an expired
// key is deleted (and its DEL propagated) first, as Redis's lookupKeyWrite does. Free when the
// database holds no key with a TTL, which keeps plain SET on the benchmark path cheap.
inline void ExpireBeforeOverwrite(CommandContext& ctx, std::string_view key) {
  store::Database& db = ctx.db();
  if (db.expires_count() != 0) db.Lookup(key, ctx.now_ms);
}

// False (after replying Redis's proto-max-bulk-len error) when a string of `base` bytes plus
// `extra` more would exceed proto-max-bulk-len.
bool CheckStringLength(CommandContext& ctx, uint64_t base, uint64_t extra);

}  // namespace basalt::cmd
