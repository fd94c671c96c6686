// Pieces shared by the list command files (list_commands.cc, list_move_commands.cc).
#pragma once

#include <string>
#include <string_view>

#include "commands/command.h"
#include "commands/command_table.h"
#include "store/list_value.h"

namespace basalt::cmd {

enum class End { kHead, kTail };

inline store::ListValue& AsList(store::Entry* e) {
  return static_cast<store::ListValue&>(*e->object());
}
// Pushes v at `end` of the list at `key`, creating it when absent (the entry must be null or a
// list, and announced when it exists).
void PushToList(CommandContext& ctx, std::string_view key, store::Entry* e, std::string_view v,
                End end);
// Pops up to `count` elements from `end` of the list entry `e` (announced by the caller) and
// replies them as an array; deletes the key when it empties ("del" after the "lpop"/"rpop"
// event, which this sends).
void PopRangeAndReply(CommandContext& ctx, std::string_view key, store::Entry* e, End end,
                      size_t count);
// "LEFT" / "RIGHT" (any case); false after a syntax error reply.
bool ParseEnd(CommandContext& ctx, std::string_view text, End* end);

// LMOVE's body: pops from `from` of the list at argument 1 and pushes to `to` of the list at
// argument 2, replying the element. False when nothing moved (null reply for a missing
// source, or WRONGTYPE).
bool MoveListElement(CommandContext& ctx, End from, End to);

void RegisterListMoveCommands(CommandTable& table);

}  // namespace basalt::cmd
