// One script run: what the redis.* functions a script calls need to reach (the command that
// started it, its caller, the script's own session, the rules its commands follow). The
// interpreter holds a pointer to the current run while a script runs, and none otherwise, so
// a redis.call() outside a run (at load time) is refused.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"
#include "commands/script_host.h"

struct lua_State;

namespace basalt::scripting {

// The session a script's commands run as. Like Redis's script client: it starts in its
// caller's database (a SELECT inside the script stays inside it), speaks the RESP version
// the script chose (redis.setresp), and never blocks (a BLPOP gives its timeout answer).
class ScriptSession : public cmd::ClientSession {
 public:
  ScriptSession() {
    authenticated = true;
    runs_scripts = true;
  }
  std::string peer_address() const override { return "lua"; }
};

// What a script's first line (#!lua flags=...) or a function's registration declares. A
// script without a shebang runs in Redis's compatibility mode: it may write, and state checks
// happen per command.
struct ScriptFlags {
  bool shebang = false;
  bool no_writes = false;
  bool allow_oom = false;
  bool allow_stale = false;
  bool no_cluster = false;
  bool allow_cross_slot_keys = false;
};

// The words of a shebang line (`#!lua flags=...`, `#!lua name=...`), separated by blanks.
std::vector<std::string_view> SplitWords(std::string_view s);

// Sets the flag named `name` (Redis's names: no-writes, allow-oom, allow-stale, no-cluster,
// allow-cross-slot-keys); false when there is none of that name.
bool SetScriptFlag(std::string_view name, ScriptFlags* flags);

class LuaRunner;

struct ScriptRun {
  cmd::CommandContext* ctx = nullptr;  // EVAL's or FCALL's: its caller and server
  ScriptSession* session = nullptr;
  LuaRunner* owner = nullptr;
  bool is_function = false;  // FCALL's run
  std::string_view name;     // the function's name, or the script's SHA-1
  cmd::ScriptRules rules;
  // Past busy-reply-threshold (see LuaScripts::Interrupted).
  int64_t started_us = 0;
  bool timed_out = false;
  bool kill_requested = false;   // SCRIPT KILL or SHUTDOWN NOSAVE: raise at the next hook
  bool discard_effects = false;  // SHUTDOWN NOSAVE: the writes so far never leave the server
  // Scratch of redis.call, kept for its capacity: the arguments, the reply's bytes.
  std::vector<std::string_view> argv;
  std::string reply;
};

// The run of the script running on `L`, or null outside one.
ScriptRun* CurrentRun(lua_State* L);
void SetCurrentRun(lua_State* L, ScriptRun* run);

}  // namespace basalt::scripting
