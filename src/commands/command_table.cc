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

size_t CommandTable::NameHash::operator()(std::string_view name) const {
  // FNV-1a over the bytes with bit 5 set: 'A' and 'a' hash alike; other bytes that only differ
  // in that bit collide harmlessly (NameEq tells them apart).
  uint64_t h = 14695981039346656037ull;
  for (char c : name) h = (h ^ (static_cast<unsigned char>(c) | 0x20u)) * 1099511628211ull;
  return static_cast<size_t>(h);
}

bool CommandTable::NameEq::operator()(std::string_view a, std::string_view b) const {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i], y = b[i];
    if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z')) {
      return false;
    }
  }
  return true;
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  auto it = by_name_.find(name);
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
