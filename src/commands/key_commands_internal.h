// Pieces shared by the generic key command files (key_commands.cc, key_scan_commands.cc).
// Not part of the command layer's interface.
#pragma once

#include <string_view>

#include "commands/command.h"
#include "commands/command_table.h"

namespace basalt::cmd {

// Parses an int-sized argument as Redis's getIntFromObjectOrReply: non-numbers and values
// outside the 32-bit range reply `error` when given, else Redis's default texts for each case.
bool ParseIntRangeArg(CommandContext& ctx, std::string_view text, int* out,
                      std::string_view error = {});
// A database index for MOVE and COPY ... DB: int-sized, then within the configured databases
// ("ERR DB index is out of range").
bool ParseDbIndexArg(CommandContext& ctx, std::string_view text, int* out);

// KEYS, SCAN and RANDOMKEY; called by RegisterKeyCommands.
void RegisterKeyScanCommands(CommandTable& table);

}  // namespace basalt::cmd
