// FUNCTION (LOAD, DELETE, FLUSH, LIST, DUMP, RESTORE, STATS, KILL, HELP), FCALL and FCALL_RO:
// thin handlers over cmd::FunctionHost (the functions engine, scripting/lua_functions.h).
// Argument checks and reply shapes are here, with Redis's texts; libraries and running a
// function are the host's.
#include "commands/command_table.h"
#include "commands/dump_format.h"
#include "commands/function_host.h"
#include "commands/helpers.h"
#include "commands/server_group.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

bool RequireFunctions(CommandContext& ctx) {
  if (ctx.server.functions != nullptr) return true;
  ctx.reply.Error("ERR functions are not available in this engine");
  return false;
}

// FUNCTION LOAD [REPLACE] code
void FunctionLoad(CommandContext& ctx) {
  bool replace = false;
  size_t i = 2;
  for (; i + 1 < ctx.argc(); ++i) {
    if (!IsOption(ctx.arg(i), "replace")) {
      ctx.reply.Error("ERR Unknown option given: " + std::string(ctx.arg(i)));
      return;
    }
    replace = true;
  }
  if (!RequireFunctions(ctx)) return;
  std::string library;
  const bool time_limit = !ctx.client.is_primary && !ctx.client.replays_aof;
  if (ErrorReply error = ctx.server.functions->Load(ctx.arg(i), replace, time_limit, &library);
      !error.empty()) {
    ctx.Fail(error);
    return;
  }
  ctx.MarkDirty();
  ctx.reply.Bulk(library);
}

void FunctionDelete(CommandContext& ctx) {
  if (!RequireFunctions(ctx)) return;
  if (!ctx.server.functions->Delete(ctx.arg(2))) {
    ctx.reply.Error("ERR Library not found");
    return;
  }
  ctx.MarkDirty();
  ctx.reply.Ok();
}

// SYNC and ASYNC only choose how the old libraries are freed; both drop them at once.
void FunctionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    SubcommandSyntaxError(ctx);
    return;
  }
  if (ctx.argc() == 3 && !IsOption(ctx.arg(2), "sync") && !IsOption(ctx.arg(2), "async")) {
    ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  if (!RequireFunctions(ctx)) return;
  ctx.server.functions->Flush();
  ctx.MarkDirty();
  ctx.reply.Ok();
}

void ReplyLibrary(CommandContext& ctx, const LibraryInfo& library, bool with_code) {
  ctx.reply.MapHeader(with_code ? 4 : 3);
  ctx.reply.Bulk("library_name");
  ctx.reply.Bulk(library.name);
  ctx.reply.Bulk("engine");
  ctx.reply.Bulk(library.engine);
  ctx.reply.Bulk("functions");
  ctx.reply.ArrayHeader(library.functions.size());
  for (const FunctionInfo& function : library.functions) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(function.name);
    ctx.reply.Bulk("description");
    if (function.description) {
      ctx.reply.Bulk(*function.description);
    } else {
      ctx.reply.Null();
    }
    ctx.reply.Bulk("flags");
    ctx.reply.SetHeader(function.flags.size());
    for (std::string_view flag : function.flags) ctx.reply.SimpleString(flag);
  }
  if (with_code) {
    ctx.reply.Bulk("library_code");
    ctx.reply.Bulk(library.code);
  }
}

// FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern]
void FunctionList(CommandContext& ctx) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!with_code && IsOption(ctx.arg(i), "withcode")) {
      with_code = true;
    } else if (!pattern && IsOption(ctx.arg(i), "libraryname")) {
      if (i + 1 >= ctx.argc()) {
        ctx.reply.Error("ERR library name argument was not given");
        return;
      }
      pattern = ctx.arg(++i);
    } else {
      ctx.reply.Error("ERR Unknown argument " + std::string(ctx.arg(i)));
      return;
    }
  }
  if (!RequireFunctions(ctx)) return;
  std::vector<LibraryInfo> libraries = ctx.server.functions->List();
  if (pattern) {
    std::erase_if(libraries, [&](const LibraryInfo& library) {
      return !GlobMatch(*pattern, library.name, /*nocase=*/true);
    });
  }
  ctx.reply.ArrayHeader(libraries.size());
  for (const LibraryInfo& library : libraries) ReplyLibrary(ctx, library, with_code);
}

void FunctionDump(CommandContext& ctx) {
  if (!RequireFunctions(ctx)) return;
  if (ctx.server.dump_format == nullptr) {
    ctx.reply.Error("ERR FUNCTION DUMP is not available in this engine");
    return;
  }
  ctx.reply.Bulk(ctx.server.dump_format->DumpFunctions(
      ctx.server.functions->LibraryCodes(), ctx.server.config.settings().rdbcompression));
}

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]
void FunctionRestore(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    SubcommandSyntaxError(ctx);
    return;
  }
  RestorePolicy policy = RestorePolicy::kAppend;
  if (ctx.argc() == 4) {
    if (IsOption(ctx.arg(3), "append")) {
      policy = RestorePolicy::kAppend;
    } else if (IsOption(ctx.arg(3), "replace")) {
      policy = RestorePolicy::kReplace;
    } else if (IsOption(ctx.arg(3), "flush")) {
      policy = RestorePolicy::kFlush;
    } else {
      ctx.reply.Error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  if (!RequireFunctions(ctx)) return;
  if (ctx.server.dump_format == nullptr) {
    ctx.reply.Error("ERR FUNCTION RESTORE is not available in this engine");
    return;
  }
  std::vector<std::string> codes;
  if (std::string error = ctx.server.dump_format->RestoreFunctions(ctx.arg(2), &codes);
      !error.empty()) {
    ctx.reply.Error("ERR " + error);
    return;
  }
  if (ErrorReply error = ctx.server.functions->Restore(codes, policy); !error.empty()) {
    ctx.Fail(error);
    return;
  }
  ctx.MarkDirty();
  ctx.reply.Ok();
}

void FunctionStats(CommandContext& ctx) {
  if (!RequireFunctions(ctx)) return;
  const FunctionHost& functions = *ctx.server.functions;
  std::optional<RunningFunction> running = functions.Running(ctx.server.clock.NowUs());
  // Busy with a script (EVAL), not a function: Redis answers the script's -BUSY.
  if (!running && ctx.server.scripts != nullptr && ctx.server.scripts->busy()) {
    ctx.Fail({ErrorKind::kBusy, std::string(ctx.server.scripts->busy_error())});
    return;
  }
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("running_script");
  if (running) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(running->name);
    ctx.reply.Bulk("command");
    ctx.reply.ArrayHeader(running->command.size());
    for (const std::string& arg : running->command) ctx.reply.Bulk(arg);
    ctx.reply.Bulk("duration_ms");
    ctx.reply.Integer(running->duration_ms);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Bulk("engines");
  ctx.reply.MapHeader(1);
  ctx.reply.Bulk("LUA");
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("libraries_count");
  ctx.reply.Integer(static_cast<int64_t>(functions.library_count()));
  ctx.reply.Bulk("functions_count");
  ctx.reply.Integer(static_cast<int64_t>(functions.function_count()));
}

// Read while a function is busy (the loop turns inside it), by another client.
void FunctionKill(CommandContext& ctx) { ReplyKill(ctx, KillRequest::kFunctionKill); }

void FunctionHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "FUNCTION",
      {"LOAD [REPLACE] <FUNCTION CODE>",
       "    Create a new library with the given library name and code.",
       "DELETE <LIBRARY NAME>",
       "    Delete the given library.",
       "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
       "    Return general information on all the libraries:",
       "    * Library name",
       "    * The engine used to run the Library",
       "    * Library description",
       "    * Functions list",
       "    * Library code (if WITHCODE is given)",
       "    It also possible to get only function that matches a pattern using LIBRARYNAME "
       "argument.",
       "STATS",
       "    Return information about the current function running:",
       "    * Function name",
       "    * Command used to run the function",
       "    * Duration in MS that the function is running",
       "    If no function is running, return nil",
       "    In addition, returns a list of available engines.",
       "KILL",
       "    Kill the current running function.",
       "FLUSH [ASYNC|SYNC]",
       "    Delete all the libraries.",
       "    When called without the optional mode argument, the behavior is determined by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the libraries.",
       "    * SYNC: Synchronously flush the libraries.",
       "DUMP",
       "    Return a serialized payload representing the current libraries, can be restored "
       "using FUNCTION RESTORE command",
       "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
       "    Restore the libraries represented by the given payload, it is possible to give a "
       "restore policy to",
       "    control how to handle existing libraries (default APPEND):",
       "    * FLUSH: delete all existing libraries.",
       "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
       "abort.",
       "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
       "replace the old",
       "      libraries with the new libraries (notice that even on this option there is a "
       "chance of failure",
       "      in case of functions name collision with another library)."});
}

void FcallGeneric(CommandContext& ctx, bool read_only) {
  if (!RequireFunctions(ctx)) return;
  // Redis looks the function up first: an unknown one is reported even with bad numkeys.
  if (!ctx.server.functions->Declared(ctx.arg(1))) {
    ctx.reply.Error("ERR Function not found");
    return;
  }
  std::span<const std::string_view> keys;
  std::span<const std::string_view> args;
  if (!SplitKeysAndArgs(ctx, "ERR Bad number of keys provided", &keys, &args)) return;
  ctx.server.functions->Call(
      ctx, {.name = ctx.arg(1), .read_only = read_only, .keys = keys, .args = args});
}

void Fcall(CommandContext& ctx) { FcallGeneric(ctx, false); }
void FcallRo(CommandContext& ctx) { FcallGeneric(ctx, true); }

// FCALL's flags for one call: the function's registered flags replace FCALL's write, denyoom
// and stale flags, as a script's shebang does for EVAL (script_commands.cc).
uint32_t FcallCallFlags(const ServerContext& server, std::span<const std::string_view> args,
                        uint32_t flags) {
  if (server.functions == nullptr) return flags;
  std::optional<DeclaredScriptFlags> declared = server.functions->Declared(args[1]);
  return declared ? WithDeclaredFlags(flags, *declared) : flags;
}

CommandSpec FcallSpec(std::string_view name, uint32_t extra, Handler handler,
                      std::string_view summary) {
  return ScriptCallSpec(name, extra, handler, summary, "7.0.0",
                        "Depends on the function that is executed.", FcallCallFlags);
}

}  // namespace

void RegisterFunctionCommands(CommandTable& table) {
  // may_replicate as EVAL's (COMMAND INFO hides it); the function's flags replace it.
  table.Add(FcallSpec("fcall", kMayReplicate, Fcall, "Invoke a function"));
  table.Add(FcallSpec("fcall_ro", kReadOnly, FcallRo, "Invoke a read-only function"));
  auto sub = [](std::string_view name, int arity, uint32_t flags, Handler h,
                std::string_view summary, std::string_view complexity) {
    return KeylessSpec(name, arity, flags, h, "scripting", summary, "7.0.0", complexity);
  };
  table.Add(
      {.name = "function",
       .arity = -2,
       .group = "scripting",
       .summary = "A container for function commands",
       .since = "7.0.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           sub("load", -3, kWrite | kDenyOom | kNoScript, FunctionLoad,
               "Create a function with the given arguments (name, code, description)",
               "O(1) (considering compilation time is redundant)"),
           sub("delete", 3, kWrite | kNoScript, FunctionDelete, "Delete a function by name",
               "O(1)"),
           sub("flush", -2, kWrite | kNoScript, FunctionFlush, "Deleting all functions",
               "O(N) where N is the number of functions deleted"),
           sub("list", -2, kNoScript, FunctionList, "List information about all the functions",
               "O(N) where N is the number of functions"),
           sub("dump", 2, kNoScript, FunctionDump,
               "Dump all functions into a serialized binary payload",
               "O(N) where N is the number of functions"),
           sub("restore", -3, kWrite | kDenyOom | kNoScript, FunctionRestore,
               "Restore all the functions on the given payload",
               "O(N) where N is the number of functions on the payload"),
           sub("stats", 2, kNoScript | kAllowBusy, FunctionStats,
               "Return information about the function currently running (name, description, "
               "duration)",
               "O(1)"),
           sub("kill", 2, kNoScript | kAllowBusy, FunctionKill,
               "Kill the function currently in execution.", "O(1)"),
           sub("help", 2, kLoading | kStale, FunctionHelp,
               "Show helpful text about the different subcommands", "O(1)"),
       }});
}

}  // namespace basalt::cmd
