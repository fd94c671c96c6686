#include "scripting/lua_functions.h"

#include <lua.hpp>
#include <set>
#include <utility>

#include "commands/dispatcher.h"
#include "commands/replication_control.h"
#include "common/clock.h"
#include "common/strings.h"
#include "scripting/lua_values.h"

namespace basalt::scripting {

namespace {

// The chunk name errors show: "user_function:3: ..." and "on @user_function:3.".
constexpr char kChunkName[] = "@user_function";
// A load only registers functions: past this it is stopped (Redis's limit).
constexpr int64_t kLoadTimeoutUs = 500'000;
constexpr int kLoadHookInstructions = 100000;
constexpr char kSelfKey[] = "basalt.functions";

// Redis says "Library" for a function's name too.
constexpr char kInvalidNameMessage[] =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one "
    "character long";

bool IsValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

LuaFunctions* Self(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kSelfKey);
  auto* self = static_cast<LuaFunctions*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return self;
}

// redis.register_function: the C++ half reads and registers; this raises (no C++ object is
// alive here, Lua errors unwind with longjmp).
int RegisterFunction(lua_State* L) {
  if (const char* error = Self(L)->RegisterFromLua(L)) {
    lua_settop(L, 0);
    PushErrorTable(L, error);
    return lua_error(L);
  }
  return 0;
}

void LoadHook(lua_State* L, lua_Debug* /*ar*/) {
  lua_getfield(L, LUA_REGISTRYINDEX, "basalt.load_deadline");
  const auto deadline = static_cast<int64_t>(lua_tonumber(L, -1));
  lua_pop(L, 1);
  if (MonotonicUs() <= deadline) return;
  lua_sethook(L, LoadHook, LUA_MASKLINE, 0);
  PushErrorTable(L, "FUNCTION LOAD timeout");
  lua_error(L);
}

// The library's name from its first line (`#!lua name=<name>`), and in *body the code as
// Lua compiles it (from that line's newline, so line numbers stay the library's). Redis's
// error text, or empty.
std::string ParseLibraryHeader(std::string_view code, std::string* name, std::string_view* body) {
  if (!code.starts_with("#!")) return "ERR Missing library metadata";
  const size_t line_end = code.find('\n');
  if (line_end == std::string_view::npos) return "ERR Invalid library metadata";
  const std::vector<std::string_view> words = SplitWords(code.substr(0, line_end));
  if (words.empty()) return "ERR Invalid library metadata";
  bool named = false;
  for (size_t i = 1; i < words.size(); ++i) {
    if (words[i].size() >= 5 && EqualsIgnoreCase(words[i].substr(0, 5), "name=")) {
      if (named) return "ERR Invalid metadata value, name argument was given multiple times";
      name->assign(words[i].substr(5));
      named = true;
    } else {
      return "ERR Invalid metadata value given: " + std::string(words[i]);
    }
  }
  if (!named) return "ERR Library name was not given";
  if (!IsValidName(*name)) return std::string("ERR ") + kInvalidNameMessage;
  const std::string_view engine = words[0].substr(2);
  if (!EqualsIgnoreCase(engine, "lua")) return "ERR Engine '" + std::string(engine) + "' not found";
  *body = code.substr(line_end);
  return {};
}

// Redis's names for the flags FUNCTION LIST shows, in Redis's order.
std::vector<std::string_view> FlagNames(const ScriptFlags& flags) {
  std::vector<std::string_view> names;
  if (flags.no_writes) names.push_back("no-writes");
  if (flags.allow_oom) names.push_back("allow-oom");
  if (flags.allow_stale) names.push_back("allow-stale");
  if (flags.no_cluster) names.push_back("no-cluster");
  if (flags.allow_cross_slot_keys) names.push_back("allow-cross-slot-keys");
  return names;
}

}  // namespace

LuaFunctions::LuaFunctions(LuaRunner& runner)
    : runner_(runner), memory_(std::make_unique<LuaMemory>()) {
  OpenInterpreter();
}

LuaFunctions::~LuaFunctions() {
  if (lua_ != nullptr) lua_close(lua_);
}

void LuaFunctions::OpenInterpreter() {
  lua_ = NewSandboxedState(memory_.get());
  RemoveRedisFields(lua_, {"replicate_commands", "breakpoint", "debug"});
  lua_pushlightuserdata(lua_, this);
  lua_setfield(lua_, LUA_REGISTRYINDEX, kSelfKey);
  PushLibraryLoadApi(lua_);
  lua_pushcfunction(lua_, RegisterFunction);
  lua_setfield(lua_, -2, "register_function");
  InstallLoadGlobals(lua_);
}

const char* LuaFunctions::RegisterFromLua(lua_State* L) {
  auto fail = [](const char* text) { return text; };
  if (loading_ == nullptr) {
    return fail("redis.register_function can only be called on FUNCTION LOAD command");
  }
  const int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return fail("wrong number of arguments to redis.register_function");
  Function function;
  bool named = false;
  bool has_callback = false;
  if (argc == 2) {
    if (!lua_isstring(L, 1))
      return fail("first argument to redis.register_function must be a string");
    if (!lua_isfunction(L, 2)) {
      return fail("second argument to redis.register_function must be a function");
    }
    function.name = lua_tostring(L, 1);
    named = has_callback = true;
    lua_pushvalue(L, 2);
  } else {
    if (!lua_istable(L, 1)) {
      return fail(
          "calling redis.register_function with a single argument is only applicable to Lua "
          "table (representing named arguments).");
    }
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {  // stack: table, [callback,] key, value
      // A number key is no argument's name (and converting it in place would break lua_next).
      if (lua_type(L, -2) == LUA_TNUMBER) {
        return fail("unknown argument given to redis.register_function");
      }
      if (!lua_isstring(L, -2)) {
        return fail("named argument key given to redis.register_function is not a string");
      }
      const std::string key = ToLower(lua_tostring(L, -2));
      if (key == "function_name") {
        if (!lua_isstring(L, -1)) {
          return fail("function_name argument given to redis.register_function must be a string");
        }
        function.name = lua_tostring(L, -1);
        named = true;
      } else if (key == "description") {
        if (!lua_isstring(L, -1)) {
          return fail("description argument given to redis.register_function must be a string");
        }
        function.description = lua_tostring(L, -1);
      } else if (key == "callback") {
        if (!lua_isfunction(L, -1)) {
          return fail("callback argument given to redis.register_function must be a function");
        }
        // Kept below the iteration's key (a second callback replaces the first).
        if (has_callback) lua_remove(L, 2);
        lua_insert(L, 2);
        has_callback = true;
        continue;  // the value is no longer on top
      } else if (key == "flags") {
        if (!lua_istable(L, -1)) {
          return fail(
              "flags argument to redis.register_function must be a table representing function "
              "flags");
        }
        for (int i = 1;; ++i) {
          lua_rawgeti(L, -1, i);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          const bool known =
              lua_isstring(L, -1) && SetScriptFlag(ToLower(lua_tostring(L, -1)), &function.flags);
          lua_pop(L, 1);
          if (!known) return fail("unknown flag given");
        }
      } else {
        return fail("unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    if (!named) return fail("redis.register_function must get a function name argument");
    if (!has_callback) return fail("redis.register_function must get a callback argument");
    lua_pushvalue(L, 2);
  }
  if (!IsValidName(function.name)) return fail(kInvalidNameMessage);
  // Names are case-insensitive: F and f are the same function (redis-server 7.0.15 takes
  // both into one library and then crashes deleting it).
  for (const auto& [name, registered] : loading_->functions) {
    if (EqualsIgnoreCase(name, function.name)) {
      return fail("Function already exists in the library");
    }
  }
  function.ref = luaL_ref(L, LUA_REGISTRYINDEX);  // the callback, on top
  function.library = loading_->name;
  std::string name = function.name;
  loading_->functions.emplace(std::move(name), std::move(function));
  lua_settop(L, 0);
  return nullptr;
}

LuaFunctions::LibraryPtr LuaFunctions::Compile(std::string_view code, bool time_limit,
                                               cmd::ErrorReply* error) {
  auto library = std::make_unique<Library>();
  std::string_view body;
  if (std::string refusal = ParseLibraryHeader(code, &library->name, &body); !refusal.empty()) {
    *error = {cmd::ErrorKind::kArgument, std::move(refusal)};
    return nullptr;
  }
  library->code.assign(code);
  if (luaL_loadbuffer(lua_, body.data(), body.size(), kChunkName) != 0) {
    *error = {cmd::ErrorKind::kArgument,
              std::string("ERR Error compiling function: ") + lua_tostring(lua_, -1)};
    lua_pop(lua_, 1);
    return nullptr;
  }
  if (RunLoad(*library, time_limit) != 0) {
    std::string text = ErrorTableText(lua_, -1);
    if (text.empty())
      text = lua_isstring(lua_, -1) ? "ERR " + std::string(lua_tostring(lua_, -1))
                                    : "ERR unknown error";
    *error = {cmd::ErrorKind::kArgument, "ERR Error registering functions: " + text};
    lua_pop(lua_, 1);
    Release(*library);
    return nullptr;
  }
  if (library->functions.empty()) {
    *error = {cmd::ErrorKind::kArgument, "ERR No functions registered"};
    return nullptr;
  }
  return library;
}

int LuaFunctions::RunLoad(Library& library, bool time_limit) {
  loading_ = &library;
  UseLoadGlobals(lua_, true);
  if (time_limit) {
    lua_pushnumber(lua_, static_cast<lua_Number>(MonotonicUs() + kLoadTimeoutUs));
    lua_setfield(lua_, LUA_REGISTRYINDEX, "basalt.load_deadline");
    lua_sethook(lua_, LoadHook, LUA_MASKCOUNT, kLoadHookInstructions);
  }
  const int status = lua_pcall(lua_, 0, 0, 0);
  if (time_limit) lua_sethook(lua_, nullptr, 0, 0);
  UseLoadGlobals(lua_, false);
  loading_ = nullptr;
  return status;
}

void LuaFunctions::Release(Library& library) {
  for (auto& [name, function] : library.functions)
    luaL_unref(lua_, LUA_REGISTRYINDEX, function.ref);
  library.functions.clear();
}

cmd::ErrorReply LuaFunctions::Load(std::string_view code, bool replace, bool time_limit,
                                   std::string* library) {
  cmd::ErrorReply error;
  // Redis checks the name before it runs the code: a taken name fails without running it.
  std::string name;
  std::string_view body;
  if (ParseLibraryHeader(code, &name, &body).empty() && !replace && libraries_.contains(name)) {
    return {cmd::ErrorKind::kArgument, "ERR Library '" + name + "' already exists"};
  }
  LibraryPtr compiled = Compile(code, time_limit, &error);
  if (!compiled) return error;
  *library = compiled->name;
  std::vector<LibraryPtr> staged;
  staged.push_back(std::move(compiled));
  return Install(std::move(staged),
                 replace ? cmd::RestorePolicy::kReplace : cmd::RestorePolicy::kAppend);
}

cmd::ErrorReply LuaFunctions::Restore(const std::vector<std::string>& codes,
                                      cmd::RestorePolicy policy) {
  std::vector<LibraryPtr> staged;
  cmd::ErrorReply error;
  auto release_all = [&] {
    for (LibraryPtr& library : staged) Release(*library);
  };
  std::set<std::string> names;
  for (const std::string& code : codes) {
    LibraryPtr library = Compile(code, /*time_limit=*/false, &error);
    if (!library) {
      release_all();
      return error;
    }
    if (!names.insert(library->name).second) {
      Release(*library);
      release_all();
      return {cmd::ErrorKind::kArgument, "ERR Library '" + library->name + "' already exists"};
    }
    staged.push_back(std::move(library));
  }
  return Install(std::move(staged), policy);
}

cmd::ErrorReply LuaFunctions::Install(std::vector<LibraryPtr> staged, cmd::RestorePolicy policy) {
  auto refuse = [&](std::string text) {
    for (LibraryPtr& library : staged) Release(*library);
    return cmd::ErrorReply{cmd::ErrorKind::kArgument, std::move(text)};
  };
  // Which loaded libraries the staged ones take the place of.
  std::set<std::string_view> replaced;
  for (const LibraryPtr& library : staged) {
    if (policy == cmd::RestorePolicy::kFlush || !libraries_.contains(library->name)) continue;
    if (policy == cmd::RestorePolicy::kAppend) {
      return refuse("ERR Library " + library->name + " already exists");  // unquoted, as Redis
    }
    replaced.insert(library->name);
  }
  std::set<std::string, std::less<>> staged_functions;
  for (const LibraryPtr& library : staged) {
    for (const auto& [name, function] : library->functions) {
      const std::string key = ToLower(name);
      bool taken = !staged_functions.insert(key).second;
      if (!taken && policy != cmd::RestorePolicy::kFlush) {
        auto it = functions_.find(key);
        taken = it != functions_.end() && !replaced.contains(it->second->library);
      }
      if (taken) return refuse("ERR Function " + name + " already exists");
    }
  }
  if (policy == cmd::RestorePolicy::kFlush) {
    while (!libraries_.empty()) Erase(libraries_.begin());
  }
  for (std::string_view name : replaced) Erase(libraries_.find(std::string(name)));
  for (LibraryPtr& library : staged) {
    for (const auto& [name, function] : library->functions) {
      functions_[ToLower(name)] = &function;
    }
    libraries_bytes_ += library->code.size();
    std::string name = library->name;
    libraries_.emplace(std::move(name), std::move(library));
  }
  return {};
}

void LuaFunctions::Erase(std::map<std::string, LibraryPtr>::iterator it) {
  Library& library = *it->second;
  for (const auto& [name, function] : library.functions) functions_.erase(ToLower(name));
  Release(library);
  libraries_bytes_ -= library.code.size();
  libraries_.erase(it);
}

bool LuaFunctions::Delete(std::string_view library) {
  auto it = libraries_.find(std::string(library));
  if (it == libraries_.end()) return false;
  Erase(it);
  return true;
}

void LuaFunctions::Flush() {
  functions_.clear();
  libraries_.clear();
  libraries_bytes_ = 0;
  // A fresh interpreter: whatever the libraries left in it (upvalues, tables) goes too.
  lua_close(lua_);
  OpenInterpreter();
}

std::vector<cmd::LibraryInfo> LuaFunctions::List() const {
  std::vector<cmd::LibraryInfo> list;
  for (const auto& [name, library] : libraries_) {
    cmd::LibraryInfo& info = list.emplace_back();
    info.name = name;
    info.engine = "LUA";
    info.code = library->code;
    for (const auto& [fname, function] : library->functions) {
      info.functions.push_back(
          {.name = fname, .description = function.description, .flags = FlagNames(function.flags)});
    }
  }
  return list;
}

std::vector<std::string> LuaFunctions::LibraryCodes() const {
  std::vector<std::string> codes;
  codes.reserve(libraries_.size());
  for (const auto& [name, library] : libraries_) codes.push_back(library->code);
  return codes;
}

std::optional<cmd::RunningFunction> LuaFunctions::Running(int64_t now_us) const {
  const ScriptRun* run = runner_.running();
  if (run == nullptr || !run->is_function) return std::nullopt;
  cmd::RunningFunction running;
  running.name = run->name;
  for (std::string_view arg : run->ctx->args) running.command.emplace_back(arg);
  running.duration_ms = (now_us - run->started_us) / 1000;
  return running;
}

const LuaFunctions::Function* LuaFunctions::FindFunction(std::string_view name) const {
  auto it = functions_.find(ToLower(name));
  return it == functions_.end() ? nullptr : it->second;
}

std::optional<cmd::DeclaredScriptFlags> LuaFunctions::Declared(std::string_view name) const {
  const Function* function = FindFunction(name);
  if (function == nullptr) return std::nullopt;
  return cmd::DeclaredScriptFlags{.no_writes = function->flags.no_writes,
                                  .allow_oom = function->flags.allow_oom,
                                  .allow_stale = function->flags.allow_stale};
}

void LuaFunctions::Call(cmd::CommandContext& ctx, const cmd::FunctionInvocation& call) {
  const Function* function = FindFunction(call.name);
  if (function == nullptr) {
    ctx.Fail({cmd::ErrorKind::kArgument, "ERR Function not found"});
    return;
  }
  ScriptFlags flags = function->flags;
  flags.shebang = true;  // a function's flags always count, as a script's shebang does
  if (cmd::ErrorReply refusal = StartRefusal(ctx, flags, call.read_only); !refusal.empty()) {
    ctx.Fail(refusal);
    return;
  }
  cmd::ScriptRules rules;
  rules.read_only = call.read_only || flags.no_writes;
  rules.allow_oom = flags.allow_oom;
  runner_.Run(lua_, ctx, session_,
              {.function_ref = function->ref,
               .name = function->name,
               .is_function = true,
               .keys = call.keys,
               .args = call.args},
              rules);
}

}  // namespace basalt::scripting
