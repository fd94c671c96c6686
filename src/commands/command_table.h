// The command table: every command described as data, looked up case-insensitively.
// Command groups register themselves explicitly (see registry.cc); nothing registers by
// static initialization, so the table's contents are easy to see and to test.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"

namespace basalt::cmd {

class CommandTable {
 public:
  // Adds a command (and its subcommands). Names must be unique.
  void Add(CommandSpec spec);
  // Case-insensitive lookup of a top-level command.
  const CommandSpec* Find(std::string_view name) const;
  // Case-insensitive lookup of a subcommand of a container command.
  static const CommandSpec* FindSubcommand(const CommandSpec& parent, std::string_view name);

  const std::vector<std::unique_ptr<CommandSpec>>& all() const { return commands_; }
  size_t size() const { return commands_.size(); }

 private:
  // Case-insensitive hashing and equality, so a request's name is looked up as it arrived:
  // no lower-cased copy, and a hash cheaper than std::hash for these few short names.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const;
  };
  struct NameEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
  };

  // An open-addressing table of 16-byte slots (a hash and the spec), at most half full: the
  // lookup every request makes touches one or two adjacent slots of an 8 KB array, where a
  // node-based map chased a pointer per probe (3.5% of the server's time at -P 16).
  struct Slot {
    uint64_t hash = 0;
    CommandSpec* spec = nullptr;
  };
  void Place(CommandSpec* spec);

  std::vector<std::unique_ptr<CommandSpec>> commands_;
  std::vector<Slot> slots_;  // size a power of two
};

// Registers every command group into the table.
void RegisterAllCommands(CommandTable& table);

// Per-group registration, each defined in its group's file.
void RegisterStringCommands(CommandTable& table);
// SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, and LCS (bit_commands.cc).
void RegisterBitCommands(CommandTable& table);
void RegisterHashCommands(CommandTable& table);
void RegisterSetCommands(CommandTable& table);
void RegisterListCommands(CommandTable& table);
void RegisterSortCommands(CommandTable& table);
// ZADD ... (zset_commands.cc and the zset_*_commands.cc files it registers).
void RegisterZsetCommands(CommandTable& table);
void RegisterBlockingCommands(CommandTable& table);
// Serves the clients blocked on keys that became ready (blocking_commands.cc).
void ServeBlockedClients(ServerContext& server);
void RegisterObjectCommand(CommandTable& table);
void RegisterMemoryCommand(CommandTable& table);
void RegisterSlowlogCommand(CommandTable& table);  // slowlog_command.cc
void RegisterLatencyCommand(CommandTable& table);  // latency_command.cc
void RegisterDebugCommand(CommandTable& table);    // debug_command.cc
void RegisterDumpCommands(CommandTable& table);
void RegisterKeyCommands(CommandTable& table);
void RegisterExpireCommands(CommandTable& table);
void RegisterConnectionCommands(CommandTable& table);
void RegisterServerCommands(CommandTable& table);
void RegisterReplicationCommands(CommandTable& table);
void RegisterPersistenceCommands(CommandTable& table);
void RegisterTransactionCommands(CommandTable& table);
void RegisterPubSubCommands(CommandTable& table);
void RegisterScriptCommands(CommandTable& table);       // script_commands.cc
void RegisterFunctionCommands(CommandTable& table);     // function_commands.cc
void RegisterHyperLogLogCommands(CommandTable& table);  // hyperloglog_commands.cc
void RegisterGeoCommands(CommandTable& table);          // geo_commands.cc
// XADD ... (stream_commands.cc and the stream_*_command(s).cc files it registers).
void RegisterStreamCommands(CommandTable& table);
// CLUSTER READONLY READWRITE ASKING MODULE, as a standalone server answers
// (standalone_commands.cc).
void RegisterStandaloneCommands(CommandTable& table);

}  // namespace basalt::cmd
