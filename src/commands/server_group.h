// Internal wiring of the connection and server command groups, which are split over several
// files (client_command.cc, info_command.cc, config_command.cc, command_docs.cc). The two public
// Register*Commands functions call these.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"
#include "commands/command_table.h"

namespace basalt::cmd {

void RegisterClientCommand(CommandTable& table);   // CLIENT
void RegisterInfoCommand(CommandTable& table);     // INFO
void RegisterConfigCommand(CommandTable& table);   // CONFIG
void RegisterCommandCommand(CommandTable& table);  // COMMAND
// CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO (client_tracking.cc).
std::vector<CommandSpec> ClientTrackingSubcommands();

// Client names may hold only printable ASCII without spaces ('!' to '~').
bool IsValidClientName(std::string_view name);
inline constexpr std::string_view kInvalidClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// One CLIENT LIST line (without the trailing newline) for `session`. `current` is the client
// running the command: its line shows the running command rather than the previous one.
std::string ClientInfoLine(const ClientSession& session, const CommandContext& current);

// Writes a HELP reply: `lines` as status strings, after Redis's standard first line and before
// the standard HELP entry.
void ReplyHelp(CommandContext& ctx, std::string_view command,
               std::initializer_list<std::string_view> lines);

// Zeroes the counters INFO reports (CONFIG RESETSTAT).
void ResetServerStatistics(ServerContext& server);

}  // namespace basalt::cmd
