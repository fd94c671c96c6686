// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: thin handlers over cmd::ScriptHost (the Lua
// engine, scripting/lua_scripts.h). Argument checks are here, with Redis's texts; running a
// script and its cache are the host's.
#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/script_host.h"
#include "commands/server_group.h"

namespace basalt::cmd {

namespace {

bool RequireScripts(CommandContext& ctx) {
  if (ctx.server.scripts != nullptr) return true;
  ctx.reply.Error("ERR scripting is not available in this engine");
  return false;
}

void EvalGeneric(CommandContext& ctx, bool by_sha, bool read_only) {
  std::span<const std::string_view> keys;
  std::span<const std::string_view> args;
  if (!SplitKeysAndArgs(ctx, err::kNotInteger, &keys, &args)) return;
  if (!RequireScripts(ctx)) return;
  ctx.server.scripts->Eval(
      ctx,
      {.body = ctx.arg(1), .by_sha = by_sha, .read_only = read_only, .keys = keys, .args = args});
}

void Eval(CommandContext& ctx) { EvalGeneric(ctx, false, false); }
void EvalSha(CommandContext& ctx) { EvalGeneric(ctx, true, false); }
void EvalRo(CommandContext& ctx) { EvalGeneric(ctx, false, true); }
void EvalShaRo(CommandContext& ctx) { EvalGeneric(ctx, true, true); }

void ScriptLoad(CommandContext& ctx) {
  if (!RequireScripts(ctx)) return;
  std::string sha;
  ErrorReply error = ctx.server.scripts->Load(ctx.arg(2), &sha);
  if (!error.empty()) {
    ctx.Fail(error);
    return;
  }
  ctx.reply.Bulk(sha);
}

void ScriptExists(CommandContext& ctx) {
  if (!RequireScripts(ctx)) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Integer(ctx.server.scripts->Exists(ctx.arg(i)) ? 1 : 0);
  }
}

// SYNC and ASYNC only choose how the old scripts are freed; both forget them at once.
void ScriptFlush(CommandContext& ctx) {
  if (ctx.argc() > 3 ||
      (ctx.argc() == 3 && !IsOption(ctx.arg(2), "sync") && !IsOption(ctx.arg(2), "async"))) {
    ctx.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  if (!RequireScripts(ctx)) return;
  ctx.server.scripts->Flush();
  ctx.reply.Ok();
}

// Read while a script is busy (the loop turns inside it), by another client: the script stops
// at its next hook unless it has written.
void ScriptKill(CommandContext& ctx) { ReplyKill(ctx, KillRequest::kScriptKill); }

// The Lua debugger (LDB) is not built: only NO, which asks for no debugging, is accepted.
void ScriptDebug(CommandContext& ctx) {
  if (IsOption(ctx.arg(2), "no")) {
    ctx.reply.Ok();
  } else if (IsOption(ctx.arg(2), "yes") || IsOption(ctx.arg(2), "sync")) {
    ctx.reply.Error("ERR SCRIPT DEBUG is not supported by this server");
  } else {
    ctx.reply.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
  }
}

void ScriptHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "SCRIPT",
      {"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
       "EXISTS <sha1> [<sha1> ...]",
       "    Return information about the existence of the scripts in the script cache.",
       "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
       "    When called without the optional mode argument, the behavior is determined by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the scripts cache.",
       "    * SYNC: Synchronously flush the scripts cache.", "KILL",
       "    Kill the currently executing Lua script.", "LOAD <script>",
       "    Load a script into the scripts cache without executing it."});
}

// EVAL's flags for one call, as Redis derives them: a script with a shebang replaces
// EVAL's write, denyoom and stale flags by what it declares, so the gatekeeper refuses it as
// it would the writes it declares (OOM, READONLY replica, MISCONF, queued in MULTI) and CLIENT
// PAUSE WRITE holds it unless it declares no-writes. Without a shebang, EVAL and EVALSHA keep
// their own flags (may_replicate: a pause holds them) and their commands are checked one by one
// as they run.
uint32_t EvalCallFlags(const ServerContext& server, std::span<const std::string_view> args,
                       uint32_t flags) {
  const bool by_sha = args[0].size() >= 7 && EqualsIgnoreCase(args[0].substr(0, 7), "evalsha");
  std::optional<DeclaredScriptFlags> declared;
  if (server.scripts != nullptr) declared = server.scripts->Declared(args[1], by_sha);
  return declared ? WithDeclaredFlags(flags, *declared) : flags;
}

CommandSpec EvalSpec(std::string_view name, uint32_t extra, Handler handler,
                     std::string_view summary, std::string_view since) {
  return ScriptCallSpec(name, extra, handler, summary, since,
                        "Depends on the script that is executed.", EvalCallFlags);
}

}  // namespace

bool SplitKeysAndArgs(CommandContext& ctx, std::string_view not_integer,
                      std::span<const std::string_view>* keys,
                      std::span<const std::string_view>* args) {
  int64_t numkeys;
  if (!ParseInt64(ctx.arg(2), &numkeys)) {
    ctx.reply.Error(not_integer);
    return false;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 3) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (numkeys < 0) {
    ctx.reply.Error("ERR Number of keys can't be negative");
    return false;
  }
  *keys = ctx.args.subspan(3, static_cast<size_t>(numkeys));
  *args = ctx.args.subspan(3 + static_cast<size_t>(numkeys));
  return true;
}

uint32_t WithDeclaredFlags(uint32_t flags, const DeclaredScriptFlags& declared) {
  flags &= ~(kStale | kDenyOom | kWrite | kMayReplicate);
  if (!declared.allow_oom && !declared.no_writes) flags |= kDenyOom;
  if (!declared.no_writes) flags |= kWrite;
  if (declared.allow_stale) flags |= kStale;
  return flags;
}

CommandSpec ScriptCallSpec(std::string_view name, uint32_t extra, Handler handler,
                           std::string_view summary, std::string_view since,
                           std::string_view complexity, CallFlagsFn call_flags) {
  CommandSpec spec =
      KeylessSpec(name, -3, kNoScript | kStale | kSkipMonitor | kNoMandatoryKeys | extra, handler,
                  "scripting", summary, since, complexity);
  spec.call_flags = call_flags;
  return WithKeyCount(std::move(spec), 2, {0, 0, 0});
}

void ReplyKill(CommandContext& ctx, KillRequest request) {
  if (ctx.server.scripts == nullptr) {
    ctx.reply.Error(err::kNotBusy);
    return;
  }
  if (ErrorReply refusal = ctx.server.scripts->Kill(request); !refusal.empty()) {
    ctx.Fail(refusal);
    return;
  }
  ctx.reply.Ok();
}

void RegisterScriptCommands(CommandTable& table) {
  table.Add(EvalSpec("eval", kMayReplicate, Eval, "Execute a Lua script server side", "2.6.0"));
  table.Add(
      EvalSpec("evalsha", kMayReplicate, EvalSha, "Execute a Lua script server side", "2.6.0"));
  table.Add(EvalSpec("eval_ro", kReadOnly, EvalRo, "Execute a read-only Lua script server side",
                     "7.0.0"));
  table.Add(EvalSpec("evalsha_ro", kReadOnly, EvalShaRo,
                     "Execute a read-only Lua script server side", "7.0.0"));
  auto sub = [](std::string_view name, int arity, uint32_t flags, Handler h,
                std::string_view summary, std::string_view complexity) {
    return KeylessSpec(name, arity, flags, h, "scripting", summary, "2.6.0", complexity);
  };
  CommandSpec help = sub("help", 2, kLoading | kStale, ScriptHelp,
                         "Show helpful text about the different subcommands", "O(1)");
  help.since = "5.0.0";
  CommandSpec debug =
      sub("debug", 3, kNoScript, ScriptDebug, "Set the debug mode for executed scripts.", "O(1)");
  debug.since = "3.2.0";
  table.Add(
      {.name = "script",
       .arity = -2,
       .group = "scripting",
       .summary = "A container for Lua scripts management commands",
       .since = "2.6.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           sub("load", 3, kNoScript | kStale, ScriptLoad,
               "Load the specified Lua script into the script cache.",
               "O(N) with N being the length in bytes of the script body."),
           sub("exists", -3, kNoScript, ScriptExists,
               "Check existence of scripts in the script cache.",
               "O(N) with N being the number of scripts to check (so checking a single "
               "script is an O(1) operation)."),
           sub("flush", -2, kNoScript, ScriptFlush, "Remove all the scripts from the script cache.",
               "O(N) with N being the number of scripts in cache"),
           sub("kill", 2, kNoScript | kAllowBusy, ScriptKill,
               "Kill the script currently in execution.", "O(1)"),
           help,
           debug,
       }});
}

}  // namespace basalt::cmd
