// What EVAL, EVALSHA (and their _RO forms) and SCRIPT ask of the scripting engine. The engine
// (scripting/lua_scripts.h) implements it above this layer and runs a script's redis.call()s
// back through the dispatcher (Dispatcher::CallFromScript), so every command a script runs
// passes the same gatekeeper as a client's. Absent (null) where no engine was installed: the
// commands then refuse.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "commands/error_kind.h"

namespace basalt::cmd {

class CommandContext;
struct CommandSpec;
struct ServerContext;

// How a script may use the commands it calls: from EVAL_RO or a `#!lua flags=no-writes`
// shebang (read_only), `allow-oom`, and the memory state when the script started.
struct ScriptRules {
  bool read_only = false;
  bool allow_oom = false;
  // Used memory was over maxmemory when the script started (Redis's pre-command OOM state):
  // denyoom commands are refused until the script has written something.
  bool out_of_memory = false;
  bool wrote = false;  // set once the script called a write command
  // redis.set_repl(redis.REPL_NONE): the script's next writes reach neither the AOF nor
  // replicas. (REPL_AOF and REPL_REPLICA alone are taken as REPL_ALL: one stream feeds both.)
  bool propagate = true;
};

struct ScriptInvocation {
  std::string_view body;  // the script's source, or its SHA-1 when by_sha
  bool by_sha = false;
  bool read_only = false;  // EVAL_RO, EVALSHA_RO
  std::span<const std::string_view> keys;
  std::span<const std::string_view> args;
};

// What a script's shebang (#!lua flags=...) declares. A script without one runs in Redis's
// compatibility mode: it may write, and the state checks happen per command it calls.
struct DeclaredScriptFlags {
  bool no_writes = false;
  bool allow_oom = false;
  bool allow_stale = false;
};

// Who asks a busy run to stop: SCRIPT KILL stops only a script (EVAL), FUNCTION KILL only a
// function (FCALL), SHUTDOWN NOSAVE either, even one that has written.
enum class KillRequest { kScriptKill, kFunctionKill, kShutdown };

class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  // The flags the script (its body, or its SHA-1 when by_sha) declares; nullopt in
  // compatibility mode: no shebang, a malformed one, or an unknown SHA-1. The gatekeeper
  // admits EVAL by them (script_commands.cc), before the script is found again to run.
  virtual std::optional<DeclaredScriptFlags> Declared(std::string_view body_or_sha,
                                                      bool by_sha) = 0;
  // Runs the script and writes its reply (or error) to ctx.reply.
  virtual void Eval(CommandContext& ctx, const ScriptInvocation& call) = 0;
  // SCRIPT LOAD: compiles and caches `body`; sets *sha, or returns the compile error.
  virtual ErrorReply Load(std::string_view body, std::string* sha) = 0;
  virtual bool Exists(std::string_view sha) const = 0;
  // SCRIPT FLUSH: forgets every cached script (and starts a fresh interpreter).
  virtual void Flush() = 0;
  // INFO: number_of_cached_scripts, used_memory_lua, used_memory_scripts.
  virtual size_t cached_scripts() const = 0;
  virtual size_t interpreter_memory() const = 0;
  virtual size_t scripts_memory() const = 0;

  // A script or function has run past busy-reply-threshold and is still running: the server
  // turns its loop inside it, and the gatekeeper answers every command without `allow_busy`
  // busy_error().
  virtual bool busy() const = 0;
  // Redis's -BUSY text, which names the command that can stop what runs (SCRIPT KILL for a
  // script, FUNCTION KILL for a function).
  virtual std::string_view busy_error() const = 0;
  // SCRIPT KILL / FUNCTION KILL: stops the busy run at its next hook, unless it has written
  // (-UNKILLABLE; -NOTBUSY when none is busy; -BUSY naming the other KILL when it is not of
  // the kind asked for). SHUTDOWN NOSAVE stops it even then, and its writes never reach the
  // AOF or replicas, as when Redis exits in the middle of one.
  virtual ErrorReply Kill(KillRequest request) = 0;
};

// Shared by EVAL & co. (script_commands.cc) and FCALL & co. (function_commands.cc).

// The keys and arguments after a numkeys argument at args[2] (EVAL, FCALL): false after
// replying Redis's error (`not_integer` when it is no integer; negative; more than the
// arguments).
bool SplitKeysAndArgs(CommandContext& ctx, std::string_view not_integer,
                      std::span<const std::string_view>* keys,
                      std::span<const std::string_view>* args);
// A call's command flags once the script (shebang) or function (registration) declared its
// own: they replace the write, denyoom, stale and may_replicate flags, so the gatekeeper treats
// the call as the writes it declares.
uint32_t WithDeclaredFlags(uint32_t flags, const DeclaredScriptFlags& declared);
// The spec of EVAL-like commands: numkeys at 2, the keys after it; `call_flags` derives the
// flags of one call.
using CallFlagsFn = uint32_t (*)(const ServerContext&, std::span<const std::string_view>, uint32_t);
CommandSpec ScriptCallSpec(std::string_view name, uint32_t extra, void (*handler)(CommandContext&),
                           std::string_view summary, std::string_view since,
                           std::string_view complexity, CallFlagsFn call_flags);
// SCRIPT KILL / FUNCTION KILL.
void ReplyKill(CommandContext& ctx, KillRequest request);

}  // namespace basalt::cmd
