// What FUNCTION and FCALL / FCALL_RO ask of the functions engine (Redis 7.0's functions:
// libraries of named Lua functions, loaded with FUNCTION LOAD and kept with the dataset in
// RDB files, AOF rewrites and replication). The engine (scripting/lua_functions.h)
// implements it above this layer; the commands (function_commands.cc) check arguments and
// format replies. Absent (null) where no engine was installed: the commands then refuse.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands/error_kind.h"
#include "commands/script_host.h"

namespace basalt::cmd {

class CommandContext;

struct FunctionInvocation {
  std::string_view name;
  bool read_only = false;  // FCALL_RO
  std::span<const std::string_view> keys;
  std::span<const std::string_view> args;
};

// One function as FUNCTION LIST shows it.
struct FunctionInfo {
  std::string name;
  std::optional<std::string> description;
  std::vector<std::string_view> flags;  // Redis's flag names, in Redis's order
};

// One library as FUNCTION LIST shows it.
struct LibraryInfo {
  std::string name;
  std::string_view engine;  // "LUA"
  std::vector<FunctionInfo> functions;
  std::string_view code;
};

// What FUNCTION RESTORE does with the libraries already loaded: APPEND (the default) fails
// on a name that exists, REPLACE replaces such libraries, FLUSH drops every library first.
enum class RestorePolicy { kAppend, kReplace, kFlush };

// A function running now (FUNCTION STATS's running_script).
struct RunningFunction {
  std::string name;
  std::vector<std::string> command;  // FCALL's arguments
  int64_t duration_ms = 0;
};

class FunctionHost {
 public:
  virtual ~FunctionHost() = default;

  // FUNCTION LOAD [REPLACE]: compiles `code` and runs it so it registers its functions; sets
  // *library to the library's name or returns Redis's error. Nothing changes on an error.
  // `time_limit`: the code's run is stopped past 500 ms (a client's FUNCTION LOAD; not the
  // primary's nor the AOF's, which must load what loaded before, as in Redis).
  virtual ErrorReply Load(std::string_view code, bool replace, bool time_limit,
                          std::string* library) = 0;
  // FUNCTION DELETE: false when no library has that name.
  virtual bool Delete(std::string_view library) = 0;
  // FUNCTION FLUSH: every library goes.
  virtual void Flush() = 0;
  // FUNCTION RESTORE (and a replica's full sync, a restart, with kFlush): loads every
  // library's code under `policy`, all or nothing, without a time limit (as Redis's RDB load).
  virtual ErrorReply Restore(const std::vector<std::string>& codes, RestorePolicy policy) = 0;

  // FUNCTION LIST: the libraries, ordered by name.
  virtual std::vector<LibraryInfo> List() const = 0;
  // The libraries' code, ordered by name (RDB files, AOF rewrites, FUNCTION DUMP).
  virtual std::vector<std::string> LibraryCodes() const = 0;
  virtual size_t library_count() const = 0;
  virtual size_t function_count() const = 0;
  // INFO memory: the functions interpreter's bytes, and what the libraries take besides.
  virtual size_t interpreter_memory() const = 0;
  virtual size_t libraries_memory() const = 0;
  // FUNCTION STATS: the function running now, when one is (it can only be asked while a
  // function is busy).
  virtual std::optional<RunningFunction> Running(int64_t now_us) const = 0;

  // The flags function `name` was registered with, for the gatekeeper (as a script's shebang
  // flags); nullopt when there is no such function.
  virtual std::optional<DeclaredScriptFlags> Declared(std::string_view name) const = 0;
  // FCALL / FCALL_RO: runs the function and writes its reply (or error) to ctx.reply.
  virtual void Call(CommandContext& ctx, const FunctionInvocation& call) = 0;
};

}  // namespace basalt::cmd
