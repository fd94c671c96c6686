// Server commands: INFO, CONFIG, COMMAND, DBSIZE, FLUSHDB, FLUSHALL, TIME, SHUTDOWN, ...
#include "commands/command_table.h"
#include "commands/helpers.h"

namespace basalt::cmd {

void RegisterServerCommands(CommandTable& table) {}

}  // namespace basalt::cmd
