// The functions engine: Redis 7.0's function libraries over an interpreter of their own.
//
// A library is Lua code whose first line names it (`#!lua name=mylib`). FUNCTION LOAD runs
// the code once, with only `redis.register_function` (and redis.log) in reach, and the
// functions it registers become callable by name with FCALL / FCALL_RO. A function runs like
// a script (the same runner: one execution unit, effects replication, the busy state), with
// its keys and arguments as its two parameters, and with the flags it was registered with in
// place of a script's shebang flags.
//
// The libraries are part of the dataset: RDB files, AOF rewrites and full syncs carry their
// code (LibraryCodes), and loading them runs it again. They are replaced all or nothing: a
// library that fails to load, or whose function names collide with another library's, leaves
// what was loaded as it was.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/function_host.h"
#include "scripting/lua_runner.h"
#include "scripting/lua_sandbox.h"
#include "scripting/script_run.h"

struct lua_State;

namespace basalt::scripting {

class LuaFunctions final : public cmd::FunctionHost {
 public:
  explicit LuaFunctions(LuaRunner& runner);
  ~LuaFunctions() override;
  LuaFunctions(const LuaFunctions&) = delete;
  LuaFunctions& operator=(const LuaFunctions&) = delete;

  cmd::ErrorReply Load(std::string_view code, bool replace, bool time_limit,
                       std::string* library) override;
  bool Delete(std::string_view library) override;
  void Flush() override;
  cmd::ErrorReply Restore(const std::vector<std::string>& codes,
                          cmd::RestorePolicy policy) override;
  std::vector<cmd::LibraryInfo> List() const override;
  std::vector<std::string> LibraryCodes() const override;
  size_t library_count() const override { return libraries_.size(); }
  size_t function_count() const override { return functions_.size(); }
  size_t interpreter_memory() const override { return memory_->bytes; }
  size_t libraries_memory() const override { return libraries_bytes_; }
  std::optional<cmd::RunningFunction> Running(int64_t now_us) const override;
  std::optional<cmd::DeclaredScriptFlags> Declared(std::string_view name) const override;
  void Call(cmd::CommandContext& ctx, const cmd::FunctionInvocation& call) override;

  // redis.register_function's C++ half, during a load: reads its arguments from the stack and
  // adds the function to the library being loaded. Redis's error text, or null; the caller
  // raises it once this frame (and its C++ objects) is gone.
  const char* RegisterFromLua(lua_State* L);

 private:
  struct Function {
    std::string name;
    std::optional<std::string> description;
    ScriptFlags flags;
    int ref = 0;  // the callback, in the interpreter's registry
    std::string library;
  };
  struct Library {
    std::string name;
    std::string code;
    std::map<std::string, Function> functions;  // by name
  };
  using LibraryPtr = std::unique_ptr<Library>;

  void OpenInterpreter();
  // Compiles and runs `code` so it registers its functions: a library not yet installed, or
  // null with *error set.
  LibraryPtr Compile(std::string_view code, bool time_limit, cmd::ErrorReply* error);
  // Runs the library chunk on the stack with the load globals (under the load timeout when
  // `time_limit`). Lua's status; the error object is left on the stack on failure.
  int RunLoad(Library& library, bool time_limit);
  // Installs `staged` (compiled, named uniquely) under `policy`; on an error nothing changes
  // and the staged libraries are released.
  cmd::ErrorReply Install(std::vector<LibraryPtr> staged, cmd::RestorePolicy policy);
  // Drops a library's functions from the interpreter's registry.
  void Release(Library& library);
  void Erase(std::map<std::string, LibraryPtr>::iterator it);
  const Function* FindFunction(std::string_view name) const;

  LuaRunner& runner_;
  std::unique_ptr<LuaMemory> memory_;
  lua_State* lua_ = nullptr;
  std::map<std::string, LibraryPtr> libraries_;  // by name
  // Every library's functions by name in lower case (names are case-insensitive), pointing
  // into libraries_.
  std::unordered_map<std::string, const Function*> functions_;
  size_t libraries_bytes_ = 0;
  Library* loading_ = nullptr;  // the library a load is registering functions into
  int64_t load_started_us_ = 0;
  ScriptSession session_;
};

}  // namespace basalt::scripting
