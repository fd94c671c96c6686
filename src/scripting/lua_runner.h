// What running a script and running a function share: the error handler that names the
// failing line, the count hook that makes a long run busy (and lets SCRIPT KILL, FUNCTION KILL
// or SHUTDOWN NOSAVE stop it), and Redis's error reply for a failed run.
//
// One runner serves both interpreters (EVAL's and the functions'), because only one script or
// function runs at a time and the server asks one place whether anything is busy.
#pragma once

#include <span>
#include <string_view>

#include "commands/script_host.h"
#include "scripting/script_run.h"

struct lua_State;

namespace basalt::scripting {

// What one run calls: a compiled function (a registry reference) and its arguments.
struct RunTarget {
  int function_ref = 0;
  // What an error names after "script: ": EVAL's SHA-1, or the function's name.
  std::string_view name;
  bool is_function = false;  // FCALL (FUNCTION KILL stops it) or EVAL (SCRIPT KILL does)
  // EVAL's keys and arguments become the KEYS and ARGV globals; a function gets them as its
  // two parameters.
  std::span<const std::string_view> keys;
  std::span<const std::string_view> args;
};

class LuaRunner {
 public:
  // Runs `target` on `L` for the command in `ctx` with `rules`, as `session` (which starts in
  // the caller's database, RESP2), and writes the reply or Redis's error for a failure.
  void Run(lua_State* L, cmd::CommandContext& ctx, ScriptSession& session, const RunTarget& target,
           const cmd::ScriptRules& rules);

  // The count hook's C++ half (no Lua error may cross it): marks the run busy once it is past
  // busy-reply-threshold, then lets the server serve other clients. True when the run must
  // stop now.
  bool Interrupted(ScriptRun& run);

  bool busy() const { return running_ != nullptr && running_->timed_out; }
  // The run in progress (for FUNCTION STATS), or null.
  const ScriptRun* running() const { return running_; }
  cmd::ErrorReply Kill(cmd::KillRequest request);

 private:
  // Runs the function on the stack (its arguments set) under the busy hook; Lua's status.
  int CallWatched(lua_State* L, ScriptRun& run, int handler, int nargs);

  ScriptRun* running_ = nullptr;
  uint64_t runs_ = 0;
};

// The state checks a script with a shebang, or a function, gets before it starts (OOM,
// *_RO with a write flag, a read-only replica); `flags` as declared.
cmd::ErrorReply StartRefusal(const cmd::CommandContext& ctx, const ScriptFlags& flags,
                             bool read_only_call);

// Pushes the message handler of a run: it turns what was raised into Redis's error table,
// {err="CODE message", source=..., line=...}.
void PushErrorHandler(lua_State* L);

}  // namespace basalt::scripting
