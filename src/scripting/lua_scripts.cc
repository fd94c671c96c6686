#include "scripting/lua_scripts.h"

#include <algorithm>
#include <lua.hpp>
#include <string>
#include <vector>

#include "commands/errors.h"
#include "common/sha1.h"
#include "common/strings.h"
#include "scripting/lua_values.h"

namespace basalt::scripting {

namespace {

// The chunk name errors show: "user_script:3: ..." and "on @user_script:3.".
constexpr char kChunkName[] = "@user_script";

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

}  // namespace

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

bool SetScriptFlag(std::string_view name, ScriptFlags* flags) {
  if (name == "no-writes") {
    flags->no_writes = true;
  } else if (name == "allow-oom") {
    flags->allow_oom = true;
  } else if (name == "allow-stale") {
    flags->allow_stale = true;
  } else if (name == "no-cluster") {
    flags->no_cluster = true;
  } else if (name == "allow-cross-slot-keys") {
    flags->allow_cross_slot_keys = true;
  } else {
    return false;
  }
  return true;
}

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
      if (!SetScriptFlag(flag, flags)) {
        return "ERR Unexpected flag in script shebang: " + std::string(flag);
      }
    }
  }
  code->assign(body.substr(line_end));  // keeps the newline: line 2 stays line 2
  return {};
}

LuaScripts::LuaScripts()
    : memory_(std::make_unique<LuaMemory>()), functions_(std::make_unique<LuaFunctions>(runner_)) {
  OpenInterpreter();
}

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
  if (cmd::ErrorReply refusal = StartRefusal(ctx, script->flags, call.read_only);
      !refusal.empty()) {
    ctx.Fail(refusal);
    return;
  }
  Run(ctx, *script, sha, call);
}

void LuaScripts::Run(cmd::CommandContext& ctx, const Script& script, std::string_view sha,
                     const cmd::ScriptInvocation& call) {
  cmd::ScriptRules rules;
  rules.read_only = call.read_only || script.flags.no_writes;
  rules.allow_oom = script.flags.allow_oom;
  runner_.Run(
      lua_, ctx, session_,
      {.function_ref = script.function_ref, .name = sha, .keys = call.keys, .args = call.args},
      rules);
}

std::string_view LuaScripts::busy_error() const {
  const ScriptRun* run = runner_.running();
  return run != nullptr && run->is_function ? cmd::err::kBusyFunction : cmd::err::kBusyScript;
}

}  // namespace basalt::scripting
