// Generic key commands (DEL, EXISTS, TYPE, KEYS, SCAN, RENAME, ...).
#include "commands/command_table.h"
#include "commands/helpers.h"

namespace basalt::cmd {

void RegisterKeyCommands(CommandTable& table) {}

}  // namespace basalt::cmd
