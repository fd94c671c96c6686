// The interpreter scripts run in: Lua 5.1 with the libraries Redis gives scripts (base, table,
// string, math, cjson, bit; not struct and cmsgpack, which Debian does not package) and the
// redis.* API, sandboxed as Redis 7.0 sandboxes it:
//   - no file or OS access (no io, os, package, debug, dofile, loadfile, print), and no function
//     environments (getfenv, setfenv) nor newproxy: Redis 7.0.15's globals, name for name;
//   - globals are read-only: creating one or changing a library raises "Attempt to modify a
//     readonly table", reading an unknown one "Script attempted to access nonexistent global
//     variable '<name>'", so one script cannot leave state behind for the next;
//   - math.random is Redis's: the same 48-bit generator from the same starting state, so the
//     same scripts draw the same numbers on basalt as on Redis.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

struct lua_State;

namespace basalt::scripting {

// Bytes the interpreter holds (INFO used_memory_lua), counted by its allocator.
struct LuaMemory {
  size_t bytes = 0;
};

// A new sandboxed interpreter whose allocations are counted in `*memory` (which must outlive
// it). Close with lua_close.
lua_State* NewSandboxedState(LuaMemory* memory);

// Sets KEYS and ARGV for the next script (globals are read-only to scripts, not to us). The
// two tables are on top of the stack (KEYS below ARGV) and are popped.
void SetScriptArguments(lua_State* L);

// Reseeds Redis's math.random generator (the 48-bit linear congruential generator of
// drand48), as math.randomseed does.
void SeedScriptRandom(int32_t seed);

// Registers the redis table (call, pcall, error_reply, ...) in the globals being built.
void RegisterRedisApi(lua_State* L);

// Drops fields from the redis table scripts see (its real table, behind the read-only proxy):
// functions have no redis.replicate_commands, breakpoint or debug, as in Redis 7.0.
void RemoveRedisFields(lua_State* L, std::initializer_list<const char*> names);

// Pushes the part of the redis table a function library sees while it loads: log, its
// levels and the version fields (the caller adds register_function).
void PushLibraryLoadApi(lua_State* L);

// Function libraries load with other globals than the ones their functions run with, as in
// Redis: only `redis` (PushLibraryLoadApi's and register_function) and nothing else. The
// globals table stays the same one (a library's functions and helpers keep it as their
// environment); what names resolve to is switched. InstallLoadGlobals takes the table that
// `redis` names during a load (on top of the stack, popped); UseLoadGlobals switches.
void InstallLoadGlobals(lua_State* L);
void UseLoadGlobals(lua_State* L, bool loading);

}  // namespace basalt::scripting
