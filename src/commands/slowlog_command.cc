// SLOWLOG GET [count] | LEN | RESET | HELP: reads the slow log the dispatcher keeps
// (slowlog.h).
#include <string>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/server_group.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

void ReplyEntry(CommandContext& ctx, const SlowLogEntry& e) {
  ctx.reply.ArrayHeader(6);
  ctx.reply.Integer(static_cast<int64_t>(e.id));
  ctx.reply.Integer(e.unix_seconds);
  ctx.reply.Integer(e.duration_us);
  ctx.reply.ArrayHeader(e.args.size());
  for (const std::string& a : e.args) ctx.reply.Bulk(a);
  ctx.reply.Bulk(e.peer);
  ctx.reply.Bulk(e.client_name);
}

// The newest `count` entries (10 by default; -1: all of them).
void SlowlogGet(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    SubcommandSyntaxError(ctx);
    return;
  }
  const std::deque<SlowLogEntry>& entries = ctx.server.slowlog.entries();
  int64_t count = 10;
  if (ctx.argc() == 3 && (!ParseInt64(ctx.arg(2), &count) || count < -1)) {
    ctx.reply.Error("ERR count should be greater than or equal to -1");
    return;
  }
  const size_t n =
      count == -1 ? entries.size() : std::min(entries.size(), static_cast<size_t>(count));
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) ReplyEntry(ctx, entries[i]);
}

void SlowlogLen(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.slowlog.size()));
}

void SlowlogReset(CommandContext& ctx) {
  ctx.server.slowlog.Reset();
  ctx.reply.Ok();
}

void SlowlogHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "SLOWLOG",
            {"GET [<count>]",
             "    Reply with the newest <count> entries of the slow log (default: 10, -1 for",
             "    all). Each is: id, unix time, run time in microseconds, the arguments,",
             "    the client's address and port, the client's name.", "LEN",
             "    Reply with the number of entries in the slow log.", "RESET",
             "    Empty the slow log."});
}

}  // namespace

void RegisterSlowlogCommand(CommandTable& table) {
  constexpr uint32_t kSub = kAdmin | kLoading | kStale;
  auto sub = [](std::string_view name, int arity, uint32_t flags, Handler h,
                std::string_view summary, std::string_view since, std::string_view complexity) {
    return KeylessSpec(name, arity, flags, h, "server", summary, since, complexity);
  };
  table.Add({.name = "slowlog",
             .arity = -2,
             .group = "server",
             .summary = "A container for slow log commands",
             .since = "2.2.12",
             .complexity = "Depends on subcommand.",
             .subcommands = {
                 sub("help", 2, kLoading | kStale, SlowlogHelp,
                     "Show helpful text about the different subcommands", "6.2.0", "O(1)"),
                 sub("len", 2, kSub, SlowlogLen, "Get the slow log's length", "2.2.12", "O(1)"),
                 sub("get", -2, kSub, SlowlogGet, "Get the slow log's entries", "2.2.12",
                     "O(N) where N is the number of entries returned"),
                 sub("reset", 2, kSub, SlowlogReset, "Clear all entries from the slow log",
                     "2.2.12", "O(N) where N is the number of entries in the slowlog"),
             }});
}

}  // namespace basalt::cmd
