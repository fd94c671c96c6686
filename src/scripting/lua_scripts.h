// The EVAL engine: a script cache keyed by SHA-1 over one sandboxed Lua interpreter
// (lua_sandbox.h), running scripts as Redis 7.0 runs them.
//
// A script runs inside the execution unit of the EVAL that started it: one frozen clock, and
// its writes staged as it makes them and committed together (wrapped in MULTI/EXEC when more
// than one), so replicas and the AOF receive the script's effects, never the script (Redis 7's
// effects replication). Its commands go through Dispatcher::CallFromScript, the gatekeeper's
// script door. A script is atomic: nothing else runs until it returns.
//
// A script that runs past busy-reply-threshold becomes busy: a count hook (every 100,000 Lua
// instructions, as Redis's) hands the loop to the server for a moment (ServerControl::
// ServeWhileBusy), where other clients get -BUSY and SCRIPT KILL or SHUTDOWN NOSAVE can stop
// it. A stop raises an error from the hook, and again at every line after it (so a pcall
// around a loop cannot keep the script alive).
//
// Not built (README): the Lua debugger (SCRIPT DEBUG YES), and the struct and cmsgpack
// libraries.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "commands/script_host.h"
#include "scripting/lua_functions.h"
#include "scripting/lua_runner.h"
#include "scripting/lua_sandbox.h"
#include "scripting/script_run.h"

struct lua_State;

namespace basalt::scripting {

// Parses the shebang of `body` (if any): the flags, and in *code the body as Lua compiles it
// (the shebang line left empty, so line numbers stay the script's). Returns Redis's error text
// for a malformed shebang, empty when fine.
std::string ParseShebang(std::string_view body, ScriptFlags* flags, std::string* code);

class LuaScripts final : public cmd::ScriptHost {
 public:
  LuaScripts();
  ~LuaScripts() override;
  LuaScripts(const LuaScripts&) = delete;
  LuaScripts& operator=(const LuaScripts&) = delete;

  std::optional<cmd::DeclaredScriptFlags> Declared(std::string_view body_or_sha,
                                                   bool by_sha) override;
  void Eval(cmd::CommandContext& ctx, const cmd::ScriptInvocation& call) override;
  cmd::ErrorReply Load(std::string_view body, std::string* sha) override;
  bool Exists(std::string_view sha) const override;
  void Flush() override;
  size_t cached_scripts() const override { return scripts_.size(); }
  size_t interpreter_memory() const override { return memory_->bytes; }
  size_t scripts_memory() const override { return scripts_bytes_; }
  bool busy() const override { return runner_.busy(); }
  std::string_view busy_error() const override;
  cmd::ErrorReply Kill(cmd::KillRequest request) override { return runner_.Kill(request); }

  // FUNCTION and FCALL's engine, which runs functions through the same runner (one run at a
  // time, one busy state).
  LuaFunctions& functions() { return *functions_; }

 private:
  struct Script {
    int function_ref = 0;  // the compiled function, in the interpreter's registry
    ScriptFlags flags;
    size_t body_bytes = 0;
  };

  void OpenInterpreter();
  // The SHA-1 of `body`, remembered for the last body: the gatekeeper asks for EVAL's flags
  // (Declared) right before Eval runs the same body.
  const std::string& ShaOf(std::string_view body);
  // The cached script named `sha` (any case), or null.
  const Script* Find(std::string_view sha) const;
  // EVALSHA's argument in lower case, in *buf (40 bytes), if it has the length of a SHA-1.
  static std::string_view LowercaseSha(std::string_view sha, char* buf);
  // Compiles and caches `body` under `sha`; returns the entry or sets *error.
  const Script* Compile(std::string_view body, std::string_view sha, cmd::ErrorReply* error);
  void Run(cmd::CommandContext& ctx, const Script& script, std::string_view sha,
           const cmd::ScriptInvocation& call);

  std::unique_ptr<LuaMemory> memory_;
  lua_State* lua_ = nullptr;
  // Looked up by string_view (EVALSHA's argument, the remembered SHA-1) without a copy.
  struct ShaHash {
    using is_transparent = void;
    size_t operator()(std::string_view sha) const { return std::hash<std::string_view>()(sha); }
  };
  std::unordered_map<std::string, Script, ShaHash, std::equal_to<>> scripts_;
  size_t scripts_bytes_ = 0;
  std::string last_body_;
  std::string last_sha_;
  ScriptSession session_;
  LuaRunner runner_;
  std::unique_ptr<LuaFunctions> functions_;
};

}  // namespace basalt::scripting
