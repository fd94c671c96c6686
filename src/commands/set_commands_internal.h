// Pieces shared by set_commands.cc and set_algebra_commands.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"
#include "commands/command_table.h"
#include "store/set_value.h"

namespace basalt::cmd {

inline store::SetValue& AsSet(store::Entry* e) {
  return static_cast<store::SetValue&>(*e->object());
}
// The set at `key` for a read: nullptr when absent; *ok is false after a WRONGTYPE reply.
const store::SetValue* ReadSet(CommandContext& ctx, std::string_view key, bool* ok);
// Replies members as a RESP3 set (SMEMBERS, SINTER, ...) or an array (SRANDMEMBER, SSCAN).
void ReplyMembers(CommandContext& ctx, const std::vector<std::string>& members, bool as_set);
// Deletes `key` (entry e, a set) when it has no members left, with the "del" event.
void DeleteIfEmptySet(CommandContext& ctx, std::string_view key, store::Entry* e);

void RegisterSetAlgebraCommands(CommandTable& table);

}  // namespace basalt::cmd
