// Expiry commands (EXPIRE, TTL, PERSIST, ...).
#include "commands/command_table.h"
#include "commands/helpers.h"

namespace basalt::cmd {

void RegisterExpireCommands(CommandTable& table) {}

}  // namespace basalt::cmd
