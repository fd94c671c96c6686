#include "scripting/lua_scripts.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <lua.hpp>
#include <string>
#include <vector>

#include "commands/dispatcher.h"
#include "commands/errors.h"
#include "commands/replication_control.h"
#include "commands/write_stream.h"
#include "common/sha1.h"
#include "common/strings.h"
#include "scripting/lua_values.h"

namespace basalt::scripting {

namespace {

// The chunk name errors show: "user_script:3: ..." and "on @user_script:3.".
constexpr char kChunkName[] = "@user_script";
// Every this many runs the collector takes a step of as many units, so garbage never waits
// for a full cycle (a pause) nor costs every run.
constexpr uint64_t kGcPeriod = 50;

// Message handler of a script run: turns what was raised into Redis's error table,
// {err="CODE message", source=..., line=...}, naming the script line that failed (the caller
// of a C function such as redis.call or error, not the C function itself).
int ErrorHandler(lua_State* L) {
  lua_Debug frame;
  bool located = lua_getstack(L, 1, &frame) && lua_getinfo(L, "Sl", &frame);
  if (located && std::string_view(frame.what) == "C") {
    located = lua_getstack(L, 2, &frame) && lua_getinfo(L, "Sl", &frame);
  }
  // Lua operations only from here: a C++ object alive across a Lua error would never be
  // destroyed (errors unwind with longjmp).
  if (!lua_istable(L, 1)) {
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

// Lua instructions between two looks at the clock (Redis's count).
constexpr int kHookInstructions = 100000;

// The count hook of a script run: Interrupted decides, then this raises (Lua only from here).
// After a stop the hook runs at every line: a pcall that caught the error meets it again.
void BusyHook(lua_State* L, lua_Debug* /*ar*/) {
  ScriptRun* run = CurrentRun(L);
  if (run == nullptr || !run->owner->Interrupted(*run)) return;
  lua_sethook(L, BusyHook, LUA_MASKLINE, 0);
  lua_pushliteral(L, "Script killed by user with SCRIPT KILL...");
  lua_error(L);
}

// The words of a shebang line (separated by blanks).
std::vector<std::string_view> SplitWords(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = s.find_first_not_of(" \t\r");
  while (i != std::string_view::npos) {
    const size_t end = std::min(s.find_first_of(" \t\r", i), s.size());
    words.push_back(s.substr(i, end - i));
    i = s.find_first_not_of(" \t\r", end);
  }
  return words;
}

// The items of a comma-separated list, empty ones included ("a," is "a" and "").
std::vector<std::string_view> SplitList(std::string_view s) {
  std::vector<std::string_view> items;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    items.push_back(s.substr(start, comma == std::string_view::npos ? s.npos : comma - start));
    if (comma == std::string_view::npos) return items;
    start = comma + 1;
  }
}

bool SetFlag(std::string_view name, ScriptFlags* flags) {
  if (name == "no-writes") {
    flags->no_writes = true;
  } else if (name == "allow-oom") {
    flags->allow_oom = true;
  } else if (name == "allow-stale") {
    flags->allow_stale = true;
  } else if (name != "no-cluster" && name != "allow-cross-slot-keys") {
    return false;
  }
  return true;
}

}  // namespace

std::string ParseShebang(std::string_view body, ScriptFlags* flags, std::string* code) {
  *flags = {};
  if (!body.starts_with("#!")) {
    code->assign(body);
    return {};
  }
  const size_t line_end = body.find('\n');
  if (line_end == std::string_view::npos) return "ERR Invalid script shebang";
  const std::vector<std::string_view> parts = SplitWords(body.substr(0, line_end));
  if (parts.empty()) return "ERR Invalid engine in script shebang";
  if (parts[0] != "#!lua") {
    return "ERR Unexpected engine in script shebang: " + std::string(parts[0]);
  }
  flags->shebang = true;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!parts[i].starts_with("flags=")) {
      return "ERR Unknown lua shebang option: " + std::string(parts[i]);
    }
    std::string_view list = parts[i].substr(6);
    if (list.empty()) continue;
    for (std::string_view flag : SplitList(list)) {
      if (!SetFlag(flag, flags)) {
        return "ERR Unexpected flag in script shebang: " + std::string(flag);
      }
    }
  }
  code->assign(body.substr(line_end));  // keeps the newline: line 2 stays line 2
  return {};
}

LuaScripts::LuaScripts() : memory_(std::make_unique<LuaMemory>()) { OpenInterpreter(); }

LuaScripts::~LuaScripts() {
  if (lua_ != nullptr) lua_close(lua_);
}

void LuaScripts::OpenInterpreter() { lua_ = NewSandboxedState(memory_.get()); }

void LuaScripts::Flush() {
  lua_close(lua_);
  scripts_.clear();
  scripts_bytes_ = 0;
  OpenInterpreter();
}

const std::string& LuaScripts::ShaOf(std::string_view body) {
  if (last_sha_.empty() || body != last_body_) {
    last_body_.assign(body);
    last_sha_ = Sha1Hex(body);
  }
  return last_sha_;
}

std::string_view LuaScripts::LowercaseSha(std::string_view sha, char* buf) {
  if (sha.size() != 40) return sha;
  for (size_t i = 0; i < 40; ++i) {
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(sha[i])));
  }
  return {buf, 40};
}

const LuaScripts::Script* LuaScripts::Find(std::string_view sha) const {
  if (sha.size() != 40) return nullptr;
  char buf[40];
  auto it = scripts_.find(LowercaseSha(sha, buf));
  return it == scripts_.end() ? nullptr : &it->second;
}

bool LuaScripts::Exists(std::string_view sha) const { return Find(sha) != nullptr; }

std::optional<cmd::DeclaredScriptFlags> LuaScripts::Declared(std::string_view body_or_sha,
                                                             bool by_sha) {
  ScriptFlags flags;
  if (const Script* script = Find(by_sha ? body_or_sha : ShaOf(body_or_sha))) {
    flags = script->flags;
  } else if (by_sha) {
    return std::nullopt;
  } else {
    std::string code;
    if (!ParseShebang(body_or_sha, &flags, &code).empty()) return std::nullopt;
  }
  if (!flags.shebang) return std::nullopt;
  return cmd::DeclaredScriptFlags{
      .no_writes = flags.no_writes, .allow_oom = flags.allow_oom, .allow_stale = flags.allow_stale};
}

cmd::ErrorReply LuaScripts::Load(std::string_view body, std::string* sha) {
  *sha = ShaOf(body);
  cmd::ErrorReply error;
  if (scripts_.contains(*sha)) return error;
  Compile(body, *sha, &error);
  return error;
}

const LuaScripts::Script* LuaScripts::Compile(std::string_view body, std::string_view sha,
                                              cmd::ErrorReply* error) {
  Script script;
  std::string code;
  std::string refusal = ParseShebang(body, &script.flags, &code);
  if (!refusal.empty()) {
    *error = {cmd::ErrorKind::kArgument, std::move(refusal)};
    return nullptr;
  }
  if (luaL_loadbuffer(lua_, code.data(), code.size(), kChunkName) != 0) {
    *error = {cmd::ErrorKind::kArgument,
              std::string("ERR Error compiling script (new function): ") + lua_tostring(lua_, -1)};
    lua_pop(lua_, 1);
    return nullptr;
  }
  script.function_ref = luaL_ref(lua_, LUA_REGISTRYINDEX);
  script.body_bytes = body.size();
  scripts_bytes_ += body.size() + sha.size();
  return &scripts_.emplace(sha, script).first->second;
}

cmd::ErrorReply LuaScripts::StartRefusal(const cmd::CommandContext& ctx, const Script& script,
                                         bool read_only_call) const {
  if (!script.flags.shebang) return {};
  const cmd::ServerContext& server = ctx.server;
  if (!script.flags.allow_oom && !script.flags.no_writes &&
      server.config.settings().maxmemory > 0 && server.dispatcher->admitted_out_of_memory()) {
    return {cmd::ErrorKind::kOutOfMemory,
            "OOM allow-oom flag is not set on the script, can not run it when used memory > "
            "'maxmemory'"};
  }
  if (script.flags.no_writes) return {};
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

void LuaScripts::Eval(cmd::CommandContext& ctx, const cmd::ScriptInvocation& call) {
  char buf[40];
  const std::string_view sha = call.by_sha ? LowercaseSha(call.body, buf) : ShaOf(call.body);
  const Script* script = Find(sha);
  if (script == nullptr && call.by_sha) {
    ctx.Fail({cmd::ErrorKind::kArgument, "NOSCRIPT No matching script. Please use EVAL."});
    return;
  }
  if (script == nullptr) {
    cmd::ErrorReply error;
    script = Compile(call.body, sha, &error);
    if (script == nullptr) {
      ctx.Fail(error);
      return;
    }
  }
  if (cmd::ErrorReply refusal = StartRefusal(ctx, *script, call.read_only); !refusal.empty()) {
    ctx.Fail(refusal);
    return;
  }
  Run(ctx, *script, sha, call);
}

void LuaScripts::Run(cmd::CommandContext& ctx, const Script& script, std::string_view sha,
                     const cmd::ScriptInvocation& call) {
  session_.db = ctx.client.db;
  session_.resp = 2;
  ScriptRun run{.ctx = &ctx, .session = &session_};
  run.rules.read_only = call.read_only || script.flags.no_writes;
  run.rules.allow_oom = script.flags.allow_oom;
  run.rules.out_of_memory = ctx.server.dispatcher->admitted_out_of_memory();

  lua_State* L = lua_;
  lua_pushcfunction(L, ErrorHandler);
  const int handler = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, script.function_ref);
  for (const auto* list : {&call.keys, &call.args}) {
    lua_createtable(L, static_cast<int>(list->size()), 0);
    for (size_t i = 0; i < list->size(); ++i) {
      lua_pushlstring(L, (*list)[i].data(), (*list)[i].size());
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
  }
  SetScriptArguments(L);
  const int status = CallWatched(L, run, handler);
  if (run.discard_effects) {
    // Stopped by SHUTDOWN NOSAVE: the caller's connection closes unanswered, as Redis's does
    // when it exits from inside the script.
    ctx.client.close_after_reply = true;
  } else if (status == 0) {
    WriteLuaValue(L, ctx.reply, session_.resp);
  } else {
    ReplyRunError(ctx, sha);
  }
  lua_settop(L, handler - 1);
  if (++runs_ % kGcPeriod == 0) lua_gc(L, LUA_GCSTEP, static_cast<int>(kGcPeriod));
}

int LuaScripts::CallWatched(lua_State* L, ScriptRun& run, int handler) {
  const cmd::ServerContext& server = run.ctx->server;
  run.owner = this;
  run.started_us = server.clock.NowUs();
  const bool watched = server.config.settings().busy_reply_threshold > 0;
  if (watched) lua_sethook(L, BusyHook, LUA_MASKCOUNT, kHookInstructions);
  SetCurrentRun(L, &run);
  running_ = &run;
  const int status = lua_pcall(L, 0, 1, handler);
  running_ = nullptr;
  SetCurrentRun(L, nullptr);
  if (watched) lua_sethook(L, nullptr, 0, 0);
  if (run.timed_out) {
    spdlog::warn("The busy script ended {} after {} ms; clients are served again.",
                 run.discard_effects  ? "by SHUTDOWN NOSAVE"
                 : run.kill_requested ? "by SCRIPT KILL"
                                      : "on its own",
                 (server.clock.NowUs() - run.started_us) / 1000);
  }
  if (run.discard_effects) run.ctx->server.writes.DiscardStaged();
  return status;
}

bool LuaScripts::Interrupted(ScriptRun& run) {
  const cmd::ServerContext& server = run.ctx->server;
  if (!run.timed_out) {
    const int64_t threshold_ms = server.config.settings().busy_reply_threshold;
    const int64_t elapsed_ms = (server.clock.NowUs() - run.started_us) / 1000;
    if (threshold_ms <= 0 || elapsed_ms < threshold_ms) return false;
    run.timed_out = true;
    spdlog::warn(
        "A script has run for {} ms (busy-reply-threshold): other clients get -BUSY until it "
        "returns; SCRIPT KILL stops it if it has not written, SHUTDOWN NOSAVE in any case.",
        elapsed_ms);
  }
  if (server.control != nullptr) server.control->ServeWhileBusy(run.ctx->client.id);
  return run.kill_requested;
}

cmd::ErrorReply LuaScripts::Kill(bool for_shutdown) {
  if (!busy()) return {cmd::ErrorKind::kArgument, std::string(cmd::err::kNotBusy)};
  if (for_shutdown) {
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
  running_->kill_requested = true;
  return {};
}

void LuaScripts::ReplyRunError(cmd::CommandContext& ctx, std::string_view sha) {
  lua_State* L = lua_;
  if (!lua_istable(L, -1)) {
    const char* what = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
    ctx.reply.Error("ERR Error running script " + std::string(sha) + ", " +
                    std::string(what).substr(0, 100));
    return;
  }
  std::string text = ErrorTableText(L, -1);
  // error({}) or a table without err: redis-server 7.0.15 crashes on it; say what happened.
  if (text.empty()) text = "ERR the script raised an error without an 'err' field";
  lua_getfield(L, -1, "source");
  lua_getfield(L, -2, "line");
  if (lua_isstring(L, -2) && lua_isstring(L, -1)) {
    text += " script: " + std::string(sha) + ", on " + lua_tostring(L, -2) + ":" +
            lua_tostring(L, -1) + ".";
  }
  lua_pop(L, 2);
  ctx.reply.Error(text);
}

}  // namespace basalt::scripting
