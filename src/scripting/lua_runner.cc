#include "scripting/lua_runner.h"

#include <spdlog/spdlog.h>

#include <lua.hpp>
#include <string>

#include "commands/dispatcher.h"
#include "commands/errors.h"
#include "commands/replication_control.h"
#include "commands/write_stream.h"
#include "scripting/lua_sandbox.h"
#include "scripting/lua_values.h"

namespace basalt::scripting {

namespace {

// Every this many runs the collector takes a step of as many units, so garbage never waits
// for a full cycle (a pause) nor costs every run.
constexpr uint64_t kGcPeriod = 50;
// Lua instructions between two looks at the clock (Redis's count).
constexpr int kHookInstructions = 100000;

// Names the script line that failed: the caller of a C function such as redis.call or error,
// not the C function itself.
int ErrorHandler(lua_State* L) {
  lua_Debug frame;
  bool located = lua_getstack(L, 1, &frame) && lua_getinfo(L, "Sl", &frame);
  if (located && std::string_view(frame.what) == "C") {
    located = lua_getstack(L, 2, &frame) && lua_getinfo(L, "Sl", &frame);
  }
  // Lua operations only from here: a C++ object alive across a Lua error would never be
  // destroyed (errors unwind with longjmp).
  if (lua_istable(L, 1)) {
    // A plain copy of its err field: the raised table's metamethods (error(setmetatable(...)))
    // must not run when it is read after the call, outside any protection.
    lua_pushliteral(L, "err");
    lua_rawget(L, 1);
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, "err");
    lua_replace(L, 1);
  } else {
    lua_pushliteral(L, "ERR ");
    if (lua_isstring(L, 1)) {
      lua_pushvalue(L, 1);
    } else {
      lua_getglobal(L, "tostring");
      lua_pushvalue(L, 1);
      lua_call(L, 1, 1);
    }
    lua_concat(L, 2);
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, "err");
    lua_replace(L, 1);
  }
  if (located) {
    lua_pushstring(L, frame.source);
    lua_setfield(L, 1, "source");
    lua_pushinteger(L, frame.currentline);
    lua_setfield(L, 1, "line");
  }
  lua_settop(L, 1);
  return 1;
}

// The count hook of a run: Interrupted decides, then this raises (Lua only from here). After
// a stop the hook runs at every line: a pcall that caught the error meets it again.
void BusyHook(lua_State* L, lua_Debug* /*ar*/) {
  ScriptRun* run = CurrentRun(L);
  if (run == nullptr || !run->owner->Interrupted(*run)) return;
  lua_sethook(L, BusyHook, LUA_MASKLINE, 0);
  // Redis's text, for functions too (even when FUNCTION KILL stopped them).
  lua_pushliteral(L, "Script killed by user with SCRIPT KILL...");
  lua_error(L);
}

// The reply for the error object a failed run left on the stack (popped by the caller).
void ReplyRunError(lua_State* L, cmd::CommandContext& ctx, std::string_view name) {
  if (!lua_istable(L, -1)) {
    const char* what = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
    ctx.reply.Error("ERR Error running script " + std::string(name) + ", " +
                    std::string(what).substr(0, 100));
    return;
  }
  std::string text = ErrorTableText(L, -1);
  // error({}) or a table without err: redis-server 7.0.15 crashes on it; say what happened.
  if (text.empty()) text = "ERR the script raised an error without an 'err' field";
  lua_getfield(L, -1, "source");  // the handler's own plain table (ErrorHandler)
  lua_getfield(L, -2, "line");
  if (lua_isstring(L, -2) && lua_isstring(L, -1)) {
    text += " script: " + std::string(name) + ", on " + lua_tostring(L, -2) + ":" +
            lua_tostring(L, -1) + ".";
  }
  lua_pop(L, 2);
  ctx.reply.Error(text);
}

void PushStringList(lua_State* L, std::span<const std::string_view> list) {
  lua_createtable(L, static_cast<int>(list.size()), 0);
  for (size_t i = 0; i < list.size(); ++i) {
    lua_pushlstring(L, list[i].data(), list[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

}  // namespace

void PushErrorHandler(lua_State* L) { lua_pushcfunction(L, ErrorHandler); }

cmd::ErrorReply StartRefusal(const cmd::CommandContext& ctx, const ScriptFlags& flags,
                             bool read_only_call) {
  if (!flags.shebang) return {};
  const cmd::ServerContext& server = ctx.server;
  if (!flags.allow_oom && !flags.no_writes && server.config.settings().maxmemory > 0 &&
      server.dispatcher->admitted_out_of_memory()) {
    return {cmd::ErrorKind::kOutOfMemory,
            "OOM allow-oom flag is not set on the script, can not run it when used memory > "
            "'maxmemory'"};
  }
  if (flags.no_writes) return {};
  if (read_only_call) {
    return {cmd::ErrorKind::kArgument,
            "ERR Can not execute a script with write flag using *_ro command."};
  }
  cmd::ReplicationControl* repl = server.replication;
  if (repl != nullptr && repl->is_replica() && server.config.settings().replica_read_only &&
      !repl->IsPrimaryLink(ctx.client)) {
    return {cmd::ErrorKind::kReplication,
            "READONLY Can not run script with write flag on readonly replica"};
  }
  return {};
}

void LuaRunner::Run(lua_State* L, cmd::CommandContext& ctx, ScriptSession& session,
                    const RunTarget& target, const cmd::ScriptRules& rules) {
  session.db = ctx.client.db;
  session.resp = 2;
  ScriptRun run{.ctx = &ctx,
                .session = &session,
                .owner = this,
                .is_function = target.is_function,
                .name = target.name,
                .rules = rules};
  run.rules.out_of_memory = ctx.server.dispatcher->admitted_out_of_memory();

  PushErrorHandler(L);
  const int handler = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, target.function_ref);
  PushStringList(L, target.keys);
  PushStringList(L, target.args);
  int nargs = 2;
  if (!target.is_function) {
    SetScriptArguments(L);
    nargs = 0;
  }
  const int status = CallWatched(L, run, handler, nargs);
  if (run.discard_effects) {
    // Stopped by SHUTDOWN NOSAVE: the caller's connection closes unanswered, as Redis's does
    // when it exits from inside the script.
    ctx.client.close_after_reply = true;
  } else if (status == 0) {
    WriteLuaValue(L, ctx.reply, session.resp);
  } else {
    ReplyRunError(L, ctx, target.name);
  }
  lua_settop(L, handler - 1);
  if (++runs_ % kGcPeriod == 0) lua_gc(L, LUA_GCSTEP, static_cast<int>(kGcPeriod));
}

int LuaRunner::CallWatched(lua_State* L, ScriptRun& run, int handler, int nargs) {
  const cmd::ServerContext& server = run.ctx->server;
  run.started_us = server.clock.NowUs();
  const bool watched = server.config.settings().busy_reply_threshold > 0;
  if (watched) lua_sethook(L, BusyHook, LUA_MASKCOUNT, kHookInstructions);
  SetCurrentRun(L, &run);
  running_ = &run;
  const int status = lua_pcall(L, nargs, 1, handler);
  running_ = nullptr;
  SetCurrentRun(L, nullptr);
  if (watched) lua_sethook(L, nullptr, 0, 0);
  if (run.timed_out) {
    spdlog::warn("The busy {} ended {} after {} ms; clients are served again.",
                 run.is_function ? "function" : "script",
                 run.discard_effects  ? "by SHUTDOWN NOSAVE"
                 : run.kill_requested ? (run.is_function ? "by FUNCTION KILL" : "by SCRIPT KILL")
                                      : "on its own",
                 (server.clock.NowUs() - run.started_us) / 1000);
  }
  if (run.discard_effects) run.ctx->server.writes.DiscardStaged();
  return status;
}

bool LuaRunner::Interrupted(ScriptRun& run) {
  const cmd::ServerContext& server = run.ctx->server;
  if (!run.timed_out) {
    const int64_t threshold_ms = server.config.settings().busy_reply_threshold;
    const int64_t elapsed_ms = (server.clock.NowUs() - run.started_us) / 1000;
    if (threshold_ms <= 0 || elapsed_ms < threshold_ms) return false;
    run.timed_out = true;
    spdlog::warn(
        "A {} has run for {} ms (busy-reply-threshold): other clients get -BUSY until it "
        "returns; {} stops it if it has not written, SHUTDOWN NOSAVE in any case.",
        run.is_function ? "function" : "script", elapsed_ms,
        run.is_function ? "FUNCTION KILL" : "SCRIPT KILL");
  }
  if (server.control != nullptr) server.control->ServeWhileBusy(run.ctx->client.id);
  return run.kill_requested;
}

cmd::ErrorReply LuaRunner::Kill(cmd::KillRequest request) {
  if (!busy()) return {cmd::ErrorKind::kArgument, std::string(cmd::err::kNotBusy)};
  if (request == cmd::KillRequest::kShutdown) {
    running_->kill_requested = true;
    running_->discard_effects = true;
    return {};
  }
  if (running_->rules.wrote) {
    return {cmd::ErrorKind::kArgument,
            "UNKILLABLE Sorry the script already executed write commands against the dataset. "
            "You can either wait the script termination or kill the server in a hard way using "
            "the SHUTDOWN NOSAVE command."};
  }
  // The other KILL's -BUSY: it names the one that stops what runs.
  if (running_->is_function != (request == cmd::KillRequest::kFunctionKill)) {
    return {cmd::ErrorKind::kBusy,
            std::string(running_->is_function ? cmd::err::kBusyFunction : cmd::err::kBusyScript)};
  }
  running_->kill_requested = true;
  return {};
}

}  // namespace basalt::scripting
