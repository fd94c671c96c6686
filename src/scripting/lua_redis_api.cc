// The redis.* functions scripts call, and Redis's math.random / pcall replacements.
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <lua.hpp>
#include <string>
#include <vector>

#include "commands/dispatcher.h"
#include "common/sha1.h"
#include "scripting/lua_sandbox.h"
#include "scripting/lua_values.h"
#include "scripting/script_run.h"

namespace basalt::scripting {

namespace {

constexpr char kRunKey[] = "basalt.script_run";

// Raises the error table for `text` ("CODE message", or "-CODE message").
int RaiseError(lua_State* L, std::string_view text) {
  PushErrorTable(L, text);
  return lua_error(L);
}

// The call's arguments as views of Lua strings, which stay on the stack (alive) while the
// command runs: numbers are replaced there by their text as Redis formats them ("%.17g").
// False when one is neither a string nor a number.
bool CollectArguments(lua_State* L, std::vector<std::string_view>* argv) {
  const int argc = lua_gettop(L);
  argv->clear();
  for (int i = 1; i <= argc; ++i) {
    if (lua_type(L, i) == LUA_TNUMBER) {
      char buf[64];
      const int len = std::snprintf(buf, sizeof(buf), "%.17g", lua_tonumber(L, i));
      lua_pushlstring(L, buf, static_cast<size_t>(len));
      lua_replace(L, i);
    } else if (!lua_isstring(L, i)) {
      return false;
    }
    size_t len;
    const char* s = lua_tolstring(L, i, &len);
    argv->emplace_back(s, len);
  }
  return true;
}

// Runs the command on the stack (its arguments) for the script of `run` and leaves its reply
// on the stack, or the error table of why it did not run. Returns whether what it left is an
// error. It raises no Lua error itself: Lua errors unwind with longjmp, past the destructors
// of the C++ objects here, so the caller raises once they are gone.
bool RunCommand(lua_State* L, ScriptRun* run) {
  if (lua_gettop(L) == 0) {
    PushErrorTable(L, "Please specify at least one argument for this redis lib call");
    return true;
  }
  std::vector<std::string_view>& argv = run->argv;
  const bool collected = CollectArguments(L, &argv);
  if (!collected) {
    lua_settop(L, 0);
    PushErrorTable(L, "Lua redis lib command arguments must be strings or integers");
    return true;
  }
  std::string& out = run->reply;
  out.clear();
  protocol::ReplyWriter writer(&out, run->session->resp);
  cmd::CommandContext& ctx = *run->ctx;
  cmd::ErrorReply refusal =
      ctx.server.dispatcher->CallFromScript(ctx.client, *run->session, argv, writer, run->rules);
  lua_settop(L, 0);  // the arguments are no longer read
  if (!refusal.empty()) {
    PushErrorTable(L, "-" + refusal.text);
    return true;
  }
  const int base = lua_gettop(L);
  size_t pos = 0;
  if (!PushReply(L, out, &pos, run->session->resp)) {
    lua_settop(L, base);
    PushErrorTable(L, "ERR reached lua stack limit");
    return true;
  }
  return !out.empty() && out[0] == '-';
}

// redis.call (raise = true) and redis.pcall: redis.call raises an error reply instead of
// returning it.
int CallCommand(lua_State* L, bool raise) {
  ScriptRun* run = CurrentRun(L);
  if (run == nullptr) {
    return RaiseError(L, "redis.call/pcall can only be called inside a script invocation");
  }
  const bool failed = RunCommand(L, run);
  return raise && failed ? lua_error(L) : 1;
}

int RedisCall(lua_State* L) { return CallCommand(L, true); }
int RedisPcall(lua_State* L) { return CallCommand(L, false); }

int RedisSha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  const std::string hex = Sha1Hex(std::string_view(s == nullptr ? "" : s, s ? len : 0));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

int RedisErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  const std::string_view text = lua_tostring(L, -1);
  PushErrorTable(L, text.starts_with('-') ? std::string(text) : "-" + std::string(text));
  return 1;
}

int RedisStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "ok");
  return 1;
}

// Redis's log levels: debug 0, verbose 1, notice 2, warning 3.
int RedisLog(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return RaiseError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return RaiseError(L, "First argument must be a number (log level).");
  const int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return RaiseError(L, "Invalid debug level.");
  std::string line;
  for (int i = 2; i <= argc; ++i) {
    size_t len;
    const char* s = lua_tolstring(L, i, &len);
    if (s == nullptr) continue;
    if (i != 2) line += ' ';
    line.append(s, len);
  }
  switch (level) {
    case 3:
      spdlog::warn("{}", line);
      break;
    case 2:
      spdlog::info("{}", line);
      break;
    default:
      spdlog::debug("{}", line);
  }
  return 0;
}

int RedisSetResp(lua_State* L) {
  ScriptRun* run = CurrentRun(L);
  if (run == nullptr) {
    return RaiseError(L, "redis.setresp can only be called inside a script invocation");
  }
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
  const int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return RaiseError(L, "RESP version must be 2 or 3.");
  run->session->resp = resp;
  return 0;
}

// Which of the script's next writes are propagated: none (REPL_NONE) or all (any other).
int RedisSetRepl(lua_State* L) {
  ScriptRun* run = CurrentRun(L);
  if (run == nullptr) {
    return RaiseError(L, "redis.set_repl can only be called inside a script invocation");
  }
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.set_repl() requires two arguments.");
  const int flags = static_cast<int>(lua_tonumber(L, 1));
  if ((flags & ~3) != 0) {
    return RaiseError(
        L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  run->rules.propagate = flags != 0;
  return 0;
}

int RedisReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

int RedisNoOp(lua_State* L) { return 0; }

// Redis's pcall: a raised error table comes back as its err string, as in Redis before 7.
int ScriptPcall(lua_State* L) {
  const int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

// drand48's generator, as Redis's scripts draw from it.
// The process's generator: it starts where drand48's does and is never reseeded between
// scripts (Redis 7 dropped the per-script reseed), only by math.randomseed.
uint64_t random_state = 0x1234ABCD330EULL;
constexpr uint64_t kRandMask = (uint64_t{1} << 48) - 1;
constexpr int32_t kRandMax = INT32_MAX;

int32_t NextRandom() {
  random_state = (random_state * 0x5DEECE66DULL + 0xB) & kRandMask;
  return static_cast<int32_t>(random_state >> 17);
}

int MathRandom(lua_State* L) {
  const lua_Number r =
      static_cast<lua_Number>(NextRandom() % kRandMax) / static_cast<lua_Number>(kRandMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int upper = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= upper, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * upper) + 1);
      break;
    }
    case 2: {
      const int lower = luaL_checkint(L, 1);
      const int upper = luaL_checkint(L, 2);
      luaL_argcheck(L, lower <= upper, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (upper - lower + 1)) + lower);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomSeed(lua_State* L) {
  SeedScriptRandom(luaL_checkint(L, 1));
  return 0;
}

void SetFunction(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}

void SetNumber(lua_State* L, const char* name, lua_Number value) {
  lua_pushnumber(L, value);
  lua_setfield(L, -2, name);
}

}  // namespace

ScriptRun* CurrentRun(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kRunKey);
  auto* run = static_cast<ScriptRun*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return run;
}

void SetCurrentRun(lua_State* L, ScriptRun* run) {
  if (run == nullptr) {
    lua_pushnil(L);
  } else {
    lua_pushlightuserdata(L, run);
  }
  lua_setfield(L, LUA_REGISTRYINDEX, kRunKey);
}

void SeedScriptRandom(int32_t seed) {
  random_state = ((static_cast<uint64_t>(static_cast<uint32_t>(seed)) << 16) | 0x330E) & kRandMask;
}

void PushLibraryLoadApi(lua_State* L) {
  lua_newtable(L);
  SetFunction(L, "log", RedisLog);
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  SetNumber(L, "REDIS_VERSION_NUM", 0x07000f);
  lua_pushstring(L, "7.0.15");
  lua_setfield(L, -2, "REDIS_VERSION");
}

void RegisterRedisApi(lua_State* L) {
  PushLibraryLoadApi(L);
  SetFunction(L, "call", RedisCall);
  SetFunction(L, "pcall", RedisPcall);
  SetFunction(L, "setresp", RedisSetResp);
  SetFunction(L, "sha1hex", RedisSha1Hex);
  SetFunction(L, "error_reply", RedisErrorReply);
  SetFunction(L, "status_reply", RedisStatusReply);
  SetFunction(L, "set_repl", RedisSetRepl);
  SetNumber(L, "REPL_NONE", 0);
  SetNumber(L, "REPL_AOF", 1);
  SetNumber(L, "REPL_SLAVE", 2);
  SetNumber(L, "REPL_REPLICA", 2);
  SetNumber(L, "REPL_ALL", 3);
  SetFunction(L, "replicate_commands", RedisReplicateCommands);
  // The debugger's functions do nothing outside a debugging session, as in Redis.
  SetFunction(L, "breakpoint", RedisNoOp);
  SetFunction(L, "debug", RedisNoOp);
  lua_setglobal(L, "redis");

  lua_pushcfunction(L, ScriptPcall);
  lua_setglobal(L, "pcall");
  lua_getglobal(L, "math");
  SetFunction(L, "random", MathRandom);
  SetFunction(L, "randomseed", MathRandomSeed);
  lua_pop(L, 1);
}

}  // namespace basalt::scripting
