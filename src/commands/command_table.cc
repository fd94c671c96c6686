#include "commands/command_table.h"

#include <cassert>

#include "common/strings.h"

namespace basalt::cmd {

namespace {

void LinkSubcommands(CommandSpec& parent) {
  for (CommandSpec& sub : parent.subcommands) {
    sub.full_name = std::string(parent.name) + "|" + std::string(sub.name);
    sub.parent = &parent;
  }
}

}  // namespace

void CommandTable::Add(CommandSpec spec) {
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  owned->full_name = std::string(owned->name);
  LinkSubcommands(*owned);
  bool inserted = by_name_.emplace(owned->full_name, owned.get()).second;
  assert(inserted && "duplicate command name");
  (void)inserted;
  commands_.push_back(std::move(owned));
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  // Command names are short; lower-case into a stack buffer to avoid allocating per command.
  char buf[32];
  if (name.size() > sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) buf[i] = AsciiLower(name[i]);
  auto it = by_name_.find(std::string(buf, name.size()));
  return it == by_name_.end() ? nullptr : it->second;
}

const CommandSpec* CommandTable::FindSubcommand(const CommandSpec& parent, std::string_view name) {
  for (const CommandSpec& sub : parent.subcommands) {
    if (EqualsIgnoreCase(sub.name, name)) return &sub;
  }
  return nullptr;
}

void RegisterAllCommands(CommandTable& table) {
  RegisterStringCommands(table);
  RegisterBitCommands(table);
  RegisterHashCommands(table);
  RegisterSetCommands(table);
  RegisterListCommands(table);
  RegisterZsetCommands(table);
  RegisterSortCommands(table);
  RegisterBlockingCommands(table);
  RegisterObjectCommand(table);
  RegisterMemoryCommand(table);
  RegisterDumpCommands(table);
  RegisterKeyCommands(table);
  RegisterExpireCommands(table);
  RegisterConnectionCommands(table);
  RegisterServerCommands(table);
  RegisterPersistenceCommands(table);
  RegisterTransactionCommands(table);
  RegisterPubSubCommands(table);
  RegisterReplicationCommands(table);
}

}  // namespace basalt::cmd
