// Server commands: TIME, SHUTDOWN here; INFO, CONFIG and COMMAND in their own files
// (info_command.cc, config_command.cc, command_docs.cc). DBSIZE, FLUSHDB and the other
// whole-keyspace commands live with the key commands.
#include "clients/monitor.h"
#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/server_group.h"

namespace basalt::cmd {

namespace {

void Time(CommandContext& ctx) {
  const int64_t now_us = ctx.server.clock.NowUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(Int64ToString(now_us / 1'000'000));
  ctx.reply.Bulk(Int64ToString(now_us % 1'000'000));
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. NOW is accepted (basalt has no replica wait to
// skip); FORCE exits even when the final save fails, which otherwise keeps the server running.
// A shutdown that starts sends no reply, as in Redis: the connection just closes.
void Shutdown(CommandContext& ctx) {
  bool save = false, nosave = false, abort = false, force = false, other = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view a = ctx.arg(i);
    if (IsOption(a, "nosave")) {
      nosave = true;
    } else if (IsOption(a, "save")) {
      save = true;
    } else if (IsOption(a, "now")) {
      other = true;
    } else if (IsOption(a, "force")) {
      force = other = true;
    } else if (IsOption(a, "abort")) {
      abort = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if ((save && nosave) || (abort && (save || nosave || other))) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (abort) {
    // Shutdowns start at once here, so there is never one waiting to be aborted.
    ctx.reply.Error("ERR No shutdown in progress.");
    return;
  }
  if (ctx.server.control == nullptr) {
    ctx.reply.Error("ERR SHUTDOWN is not available in this server");
    return;
  }
  std::string error = ctx.server.control->RequestShutdown(save, nosave, force);
  if (!error.empty()) ctx.reply.Error(error);
}

// MONITOR: this connection receives every command the server runs from now on. Inside a
// transaction it is refused (a client waiting for EXEC's replies cannot become a feed); a
// client already monitoring gets no reply at all, as in Redis.
void Monitor(CommandContext& ctx) {
  if (ctx.client.in_multi()) {
    ctx.reply.Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if (ctx.client.monitor || ctx.client.is_replica) return;
  ctx.server.monitors.Add(ctx.client);
  ctx.reply.Ok();
}

}  // namespace

void ReplyHelp(CommandContext& ctx, std::string_view command,
               std::initializer_list<std::string_view> lines) {
  ctx.reply.ArrayHeader(lines.size() + 3);
  ctx.reply.SimpleString(std::string(command) +
                         " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view line : lines) ctx.reply.SimpleString(line);
  ctx.reply.SimpleString("HELP");
  ctx.reply.SimpleString("    Prints this help.");
}

void RegisterServerCommands(CommandTable& table) {
  table.Add({.name = "time",
             .arity = 1,
             .flags = kLoading | kStale | kFast,
             .handler = Time,
             .group = "server",
             .summary = "Return the current server time",
             .since = "2.6.0",
             .complexity = "O(1)"});
  table.Add({.name = "shutdown",
             .arity = -1,
             .flags = kAdmin | kNoScript | kLoading | kStale | kNoMulti | kAllowBusy,
             .handler = Shutdown,
             .group = "server",
             .summary = "Synchronously save the dataset to disk and then shut down the server",
             .since = "1.0.0",
             .complexity = "O(N) when saving, where N is the total number of keys in all "
                           "databases when saving data, otherwise O(1)"});
  table.Add(KeylessSpec("monitor", 1, kAdmin | kNoScript | kLoading | kStale, Monitor, "server",
                        "Listen for all requests received by the server in real time", "1.0.0"));
  RegisterInfoCommand(table);
  RegisterConfigCommand(table);
  RegisterCommandCommand(table);
}

}  // namespace basalt::cmd
