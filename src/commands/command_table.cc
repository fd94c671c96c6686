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
  assert(Find(owned->full_name) == nullptr && "duplicate command name");
  commands_.push_back(std::move(owned));
  if (slots_.size() < 2 * commands_.size()) {
    // Rebuilt at twice the size: this only happens while the groups register.
    slots_.assign(slots_.empty() ? 64 : 2 * slots_.size(), Slot{});
    for (const auto& spec : commands_) Place(spec.get());
  } else {
    Place(commands_.back().get());
  }
}

void CommandTable::Place(CommandSpec* spec) {
  const uint64_t hash = NameHash()(spec->full_name);
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].spec != nullptr) i = (i + 1) & mask;
  slots_[i] = {hash, spec};
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
  if (slots_.empty()) return nullptr;
  const uint64_t hash = NameHash()(name);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask; slots_[i].spec != nullptr; i = (i + 1) & mask) {
    if (slots_[i].hash == hash && NameEq()(slots_[i].spec->full_name, name)) return slots_[i].spec;
  }
  return nullptr;
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
  RegisterSlowlogCommand(table);
  RegisterLatencyCommand(table);
  RegisterDebugCommand(table);
  RegisterDumpCommands(table);
  RegisterKeyCommands(table);
  RegisterExpireCommands(table);
  RegisterConnectionCommands(table);
  RegisterServerCommands(table);
  RegisterPersistenceCommands(table);
  RegisterTransactionCommands(table);
  RegisterPubSubCommands(table);
  RegisterScriptCommands(table);
  RegisterFunctionCommands(table);
  RegisterHyperLogLogCommands(table);
  RegisterGeoCommands(table);
  RegisterStreamCommands(table);
  RegisterStandaloneCommands(table);
  RegisterReplicationCommands(table);
}

bool KeyPositions(const CommandSpec& spec, std::span<const std::string_view> args,
                  std::vector<size_t>* out) {
  const int64_t argc = static_cast<int64_t>(args.size());
  if (spec.first_key > 0) {
    int64_t last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
    if (last >= argc) last = argc - 1;
    const int64_t step = spec.key_step > 0 ? spec.key_step : 1;
    for (int64_t i = spec.first_key; i <= last; i += step) out->push_back(static_cast<size_t>(i));
  }
  if (spec.keynum_index > 0) {
    const int64_t at = spec.keynum_index;
    int64_t count = 0;
    if (at >= argc || !ParseInt64(args[at], &count) || count < 0 || count > argc - at - 1) {
      return false;
    }
    for (int64_t i = 1; i <= count; ++i) out->push_back(static_cast<size_t>(at + i));
  }
  if (spec.option_keys != nullptr) spec.option_keys(args, out);
  return true;
}

CommandSpec WithKeyCount(CommandSpec spec, int count_index, KeyRange reported) {
  spec.first_key = reported.first;
  spec.last_key = reported.last;
  spec.key_step = reported.step;
  spec.keynum_index = count_index;
  spec.flags |= kMovableKeys;
  return spec;
}

}  // namespace basalt::cmd
