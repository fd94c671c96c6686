// Server commands: TIME, SHUTDOWN here; INFO, CONFIG and COMMAND in their own files
// (info_command.cc, config_command.cc, command_docs.cc). DBSIZE, FLUSHDB and the other
// whole-keyspace commands live with the key commands.
#include <spdlog/spdlog.h>

#include "clients/blocking.h"
#include "clients/monitor.h"
#include "clients/pause.h"
#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/replication_control.h"
#include "commands/script_host.h"
#include "commands/server_group.h"

namespace basalt::cmd {

namespace {

void Time(CommandContext& ctx) {
  const int64_t now_us = ctx.server.clock.NowUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(Int64ToString(now_us / 1'000'000));
  ctx.reply.Bulk(Int64ToString(now_us % 1'000'000));
}

constexpr std::string_view kShutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs.";

// SHUTDOWN ABORT: the SHUTDOWN waiting for replicas gives up (its client gets the error).
void AbortShutdown(CommandContext& ctx) {
  ReplicationControl* repl = ctx.server.replication;
  if (repl == nullptr || !repl->AbortShutdownWait()) {
    return ctx.reply.Error("ERR No shutdown in progress.");
  }
  ctx.reply.Ok();
}

// Redis 7's graceful shutdown: with replicas behind, writes pause and the SHUTDOWN waits (at
// most shutdown-timeout) until they acknowledged everything, then goes on. Returns false when
// there is nothing to wait for.
bool WaitForReplicasThenShutdown(CommandContext& ctx, bool save, bool nosave, bool force) {
  ReplicationControl* repl = ctx.server.replication;
  const int64_t timeout_ms = ctx.server.config.settings().shutdown_timeout * 1000;
  if (repl == nullptr || timeout_ms <= 0 || !ctx.client.can_block()) return false;
  ServerContext& server = ctx.server;
  auto shutdown = [&server, save, nosave, force] {
    return server.control->RequestShutdown(save, nosave, force);
  };
  if (!repl->StartShutdownWait(ctx.client, ctx.now_ms + timeout_ms, shutdown)) return false;
  // Woken only when the shutdown failed or was aborted; one that goes ahead never replies.
  server.blocked.Block(ctx.client, 0, [&server](clients::Client& c, clients::WaitEnd) {
    const std::string& error = server.replication->shutdown_error();
    c.DeliverReply("-" + (error.empty() ? std::string(kShutdownFailed) : error) + "\r\n");
  });
  return true;
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. NOW skips waiting for lagging replicas; FORCE
// exits even when the final save fails, which otherwise keeps the server running. A shutdown
// that starts sends no reply, as in Redis: the connection just closes.
void Shutdown(CommandContext& ctx) {
  bool save = false, nosave = false, abort = false, force = false, now = false, other = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view a = ctx.arg(i);
    if (IsOption(a, "nosave")) {
      nosave = true;
    } else if (IsOption(a, "save")) {
      save = true;
    } else if (IsOption(a, "now")) {
      now = other = true;
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
  if (abort) return AbortShutdown(ctx);
  if (ctx.server.control == nullptr) {
    ctx.reply.Error("ERR SHUTDOWN is not available in this server");
    return;
  }
  // While a script is busy only SHUTDOWN NOSAVE goes ahead (a save would write the script's
  // half-done changes), without waiting for replicas (the loop is turning inside the script).
  // Once the shutdown has started it stops the script, whose changes then reach neither the
  // AOF nor the replicas, as when Redis exits in the middle of one.
  const bool script_busy = ctx.server.scripts != nullptr && ctx.server.scripts->busy();
  if (script_busy && !nosave) {
    ctx.Fail({ErrorKind::kBusy, std::string(ctx.server.scripts->busy_error())});
    return;
  }
  if (!now && !script_busy && WaitForReplicasThenShutdown(ctx, save, nosave, force)) return;
  std::string error = ctx.server.control->RequestShutdown(save, nosave, force);
  if (!error.empty()) {
    ctx.reply.Error(error);
  } else if (script_busy) {
    ctx.server.scripts->Kill(KillRequest::kShutdown);
  }
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
