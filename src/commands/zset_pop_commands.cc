// Placeholder, replaced by the real commands.
#include "commands/zset_commands_internal.h"

namespace basalt::cmd {
void RegisterZsetPopCommands(CommandTable&) {}
}  // namespace basalt::cmd
