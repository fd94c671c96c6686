// Stock Lua 5.1 has no read-only tables (Redis patches its copy of Lua for them), so the
// sandbox is built with proxies: every table a script can reach by name (the globals and each
// library) is an empty table whose metatable reads through to the real one and refuses
// writes. The proxy of the globals becomes the interpreter's global table itself, so chunks
// made by loadstring see the proxy too; rawset and setmetatable are wrapped to refuse
// proxies, the metatables are locked (__metatable), and getfenv / setfenv are not there.
#include "scripting/lua_sandbox.h"

#include <lua.hpp>
extern "C" {  // Debian's headers for the two libraries declare C functions without it
#include <lua5.1/lua-bitop.h>
#include <lua5.1/lua-cjson.h>
}

#include <cstdlib>
#include <initializer_list>

namespace basalt::scripting {

namespace {

constexpr char kGlobalsKey[] = "basalt.globals";           // the real globals, in the registry
constexpr char kProxiesKey[] = "basalt.proxies";           // weak set of the read-only proxies
constexpr char kLoadGlobalsKey[] = "basalt.load_globals";  // what a library load sees

void* CountingAlloc(void* ud, void* ptr, size_t old_size, size_t new_size) {
  auto* memory = static_cast<LuaMemory*>(ud);
  if (new_size == 0) {
    if (ptr != nullptr) memory->bytes -= old_size;
    std::free(ptr);
    return nullptr;
  }
  void* grown = std::realloc(ptr, new_size);
  if (grown != nullptr) memory->bytes += new_size - (ptr != nullptr ? old_size : 0);
  return grown;
}

constexpr char kReadOnlyError[] = "Attempt to modify a readonly table";

// A write through a proxy: the error names the script line, as Redis's does.
int RefuseWrite(lua_State* L) { return luaL_error(L, kReadOnlyError); }

// A write through rawset or setmetatable: Redis's error names no line for those.
int RefuseRawWrite(lua_State* L) {
  lua_pushstring(L, kReadOnlyError);
  return lua_error(L);
}

// __index of the real globals, reached through the proxy's: only a name with no global gets
// here (a table __index is the VM's fast path for the ones that exist).
int MissingGlobal(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    name == nullptr ? "?" : name);
}

bool IsProxy(lua_State* L, int index) {
  if (!lua_istable(L, index)) return false;
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, index < 0 ? index - 1 : index);
  lua_rawget(L, -2);
  const bool proxy = lua_toboolean(L, -1) != 0;
  lua_pop(L, 2);
  return proxy;
}

// rawset that refuses the read-only proxies (it would bypass their __newindex).
int GuardedRawSet(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsProxy(L, 1)) return RefuseRawWrite(L);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

// setmetatable that refuses the proxies (base's own says "cannot change a protected
// metatable"); anything else goes to base's, the closure's upvalue.
int GuardedSetMetatable(lua_State* L) {
  if (IsProxy(L, 1)) return RefuseRawWrite(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// A read-only view of the table on top of the stack, which it replaces: reads go through to
// the table, writes are refused.
void MakeProxy(lua_State* L) {
  const int real = lua_gettop(L);
  lua_newtable(L);  // the proxy
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, RefuseWrite);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_replace(L, real);
}

// Opens a library; one that returns its table without setting a global of its own name
// (Debian's cjson) gets it set.
void OpenLibrary(lua_State* L, const char* name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (*name != '\0' && lua_istable(L, -1)) {
    lua_setglobal(L, name);
  } else {
    lua_pop(L, 1);
  }
}

// Loads what scripts may use and drops what they may not (files, printing).
void OpenLibraries(lua_State* L) {
  OpenLibrary(L, "", luaopen_base);
  OpenLibrary(L, LUA_TABLIBNAME, luaopen_table);
  OpenLibrary(L, LUA_STRLIBNAME, luaopen_string);
  OpenLibrary(L, LUA_MATHLIBNAME, luaopen_math);
  OpenLibrary(L, "cjson", luaopen_cjson);
  OpenLibrary(L, "bit", luaopen_bit);
  // As redis-server 7.0.15's globals: no environments (getfenv and setfenv would hand out or
  // replace the real globals), no newproxy.
  for (const char* denied : {"dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy"}) {
    lua_pushnil(L);
    lua_setglobal(L, denied);
  }
  lua_pushcfunction(L, GuardedRawSet);
  lua_setglobal(L, "rawset");
  lua_getglobal(L, "setmetatable");
  lua_pushcclosure(L, GuardedSetMetatable, 1);
  lua_setglobal(L, "setmetatable");
}

// Replaces each library table in the globals by its read-only proxy; strings' methods
// (("x"):upper()) read through the string proxy too.
void ProtectLibraries(lua_State* L) {
  for (const char* lib : {"string", "table", "math", "cjson", "bit", "redis", "coroutine"}) {
    lua_getglobal(L, lib);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    MakeProxy(L);
    lua_setglobal(L, lib);
  }
  lua_pushstring(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_getglobal(L, "string");
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

// The globals' proxy becomes the global table; the real one stays reachable to us only.
void ProtectGlobals(lua_State* L) {
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsKey);
  lua_newtable(L);  // the real globals' metatable: a missing name is an error
  lua_pushcfunction(L, MissingGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, LUA_GLOBALSINDEX);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  MakeProxy(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_GLOBALSINDEX, "_G");  // _G names the proxy
  lua_replace(L, LUA_GLOBALSINDEX);
}

}  // namespace

lua_State* NewSandboxedState(LuaMemory* memory) {
  lua_State* L = lua_newstate(CountingAlloc, memory);
  if (L == nullptr) return nullptr;
  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  OpenLibraries(L);
  RegisterRedisApi(L);
  ProtectLibraries(L);
  ProtectGlobals(L);
  return L;
}

void RemoveRedisFields(lua_State* L, std::initializer_list<const char*> names) {
  lua_getglobal(L, "redis");  // the proxy; its metatable's __index is the real table
  lua_getmetatable(L, -1);
  lua_getfield(L, -1, "__index");
  for (const char* name : names) {
    lua_pushnil(L);
    lua_setfield(L, -2, name);
  }
  lua_pop(L, 3);
}

void InstallLoadGlobals(lua_State* L) {
  lua_newtable(L);  // redis.<anything else> is an error too while loading
  lua_pushcfunction(L, MissingGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  MakeProxy(L);  // the load's redis table, read-only
  lua_newtable(L);
  lua_insert(L, -2);
  lua_setfield(L, -2, "redis");
  lua_newtable(L);  // its metatable: any other name is an error
  lua_pushcfunction(L, MissingGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kLoadGlobalsKey);
}

void UseLoadGlobals(lua_State* L, bool loading) {
  // The global table is the proxy of the real globals (ProtectGlobals): its metatable's
  // __index says where names resolve.
  lua_getmetatable(L, LUA_GLOBALSINDEX);
  if (loading) {
    lua_getfield(L, LUA_REGISTRYINDEX, kLoadGlobalsKey);
  } else {
    lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsKey);
  }
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

void SetScriptArguments(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsKey);
  lua_insert(L, -3);
  lua_setfield(L, -3, "ARGV");
  lua_setfield(L, -2, "KEYS");
  lua_pop(L, 1);
}

}  // namespace basalt::scripting
