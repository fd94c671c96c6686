// DEBUG: refused unless enable-debug-command allows the client (the dispatcher checks the
// kProtected flag, as Redis 7 does). When allowed, the subcommands test suites and operators
// use: SLEEP, SET-ACTIVE-EXPIRE, POPULATE, LOG, ERROR. Redis's others (RELOAD, OBJECT,
// DIGEST, crash helpers, ...) answer as unknown subcommands.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/server_group.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

// DEBUG SLEEP <seconds>: the server stops for that long (fractions allowed; text reads as 0,
// as Redis's atof reads it).
void DebugSleep(CommandContext& ctx) {
  const double seconds = std::atof(std::string(ctx.arg(2)).c_str());
  if (seconds > 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
  }
  ctx.reply.Ok();
}

// DEBUG SET-ACTIVE-EXPIRE <0|1>: whether the cron expires keys; reads still expire them.
void DebugSetActiveExpire(CommandContext& ctx) {
  ctx.server.active_expire = std::atoi(std::string(ctx.arg(2)).c_str()) != 0;
  ctx.reply.Ok();
}

// DEBUG POPULATE <count> [<prefix>] [<size>]: string keys <prefix>:0 .. (prefix "key") holding
// "value:<n>", cut or zero-padded to <size>; existing keys are left alone. As in Redis, they
// are neither replicated nor logged to the AOF, and do not count as changes for save points.
void DebugPopulate(CommandContext& ctx) {
  if (ctx.argc() > 5) return SubcommandSyntaxError(ctx);
  int64_t count = 0, size = 0;
  // Redis answers the same for a count or size that is not a number and one below 0.
  constexpr std::string_view kNotPositive = "ERR value is out of range, must be positive";
  if (!ParseInt64(ctx.arg(2), &count) || count < 0) return ctx.reply.Error(kNotPositive);
  if (ctx.argc() == 5 && (!ParseInt64(ctx.arg(4), &size) || size < 0)) {
    return ctx.reply.Error(kNotPositive);
  }
  const std::string prefix = ctx.argc() >= 4 ? std::string(ctx.arg(3)) : "key";
  store::Database& db = ctx.db();
  db.Reserve(db.size() + static_cast<size_t>(count));
  for (int64_t j = 0; j < count; ++j) {
    const std::string key = prefix + ":" + std::to_string(j);
    if (db.Lookup(key, ctx.now_ms) != nullptr) continue;
    std::string value = "value:" + std::to_string(j);
    if (size > 0) value.resize(static_cast<size_t>(size), '\0');
    db.SetString(key, value, -1);
  }
  ctx.reply.Ok();
}

void DebugLog(CommandContext& ctx) {
  spdlog::warn("DEBUG LOG: {}", ctx.arg(2));
  ctx.reply.Ok();
}

// DEBUG ERROR <text>: replies <text> as an error (client libraries test their error paths).
void DebugError(CommandContext& ctx) { ctx.reply.Error(ctx.arg(2)); }

void DebugHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "DEBUG",
            {"ERROR <string>", "    Reply with <string> as an error.", "LOG <message>",
             "    Write <message> to the server log.", "POPULATE <count> [<prefix>] [<size>]",
             "    Create string keys <prefix>:0 to <prefix>:<count - 1> (default prefix: key),",
             "    each holding value:<n>, cut or padded with zero bytes to <size>. Keys that",
             "    exist are left alone. Not replicated, not written to the AOF.",
             "SET-ACTIVE-EXPIRE <0|1>",
             "    0 stops the background expiry of keys (reads still expire them); 1 resumes it.",
             "SLEEP <seconds>", "    Stop the server for <seconds> (fractions allowed)."});
}

struct Subcommand {
  std::string_view name;
  size_t min_argc;
  size_t max_argc;
  Handler handler;
};
constexpr Subcommand kSubcommands[] = {
    {"sleep", 3, 3, DebugSleep},       {"set-active-expire", 3, 3, DebugSetActiveExpire},
    {"populate", 3, 5, DebugPopulate}, {"log", 3, 3, DebugLog},
    {"error", 3, 3, DebugError},       {"help", 2, 2, DebugHelp},
};

// Redis's DEBUG is one command that reads its own subcommand (COMMAND lists none).
void Debug(CommandContext& ctx) {
  for (const Subcommand& s : kSubcommands) {
    if (!EqualsIgnoreCase(ctx.arg(1), s.name)) continue;
    if (ctx.argc() < s.min_argc || ctx.argc() > s.max_argc) break;
    return s.handler(ctx);
  }
  SubcommandSyntaxError(ctx);
}

}  // namespace

void RegisterDebugCommand(CommandTable& table) {
  table.Add(KeylessSpec("debug", -2, kAdmin | kNoScript | kLoading | kStale | kProtected, Debug,
                        "server", "A container for debugging commands", "1.0.0",
                        "Depends on subcommand."));
}

}  // namespace basalt::cmd
