// Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT.
#include "commands/command_table.h"
#include "commands/helpers.h"

namespace basalt::cmd {

namespace {

void Ping(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.reply.Error("ERR wrong number of arguments for 'ping' command");
    return;
  }
  if (ctx.argc() == 2) {
    ctx.reply.Bulk(ctx.arg(1));
  } else {
    ctx.reply.SimpleString("PONG");
  }
}

void Echo(CommandContext& ctx) { ctx.reply.Bulk(ctx.arg(1)); }

void Quit(CommandContext& ctx) {
  ctx.reply.Ok();
  ctx.client.close_after_reply = true;
}

void Select(CommandContext& ctx) {
  int db;
  if (!ParseDbIndex(ctx, ctx.arg(1), &db)) return;
  ctx.client.db = db;
  ctx.reply.Ok();
}

}  // namespace

void RegisterConnectionCommands(CommandTable& table) {
  table.Add({.name = "ping", .arity = -1, .flags = kFast | kStale, .handler = Ping,
             .group = "connection", .summary = "Ping the server", .since = "1.0.0",
             .complexity = "O(1)"});
  table.Add({.name = "echo", .arity = 2, .flags = kFast | kStale, .handler = Echo,
             .group = "connection", .summary = "Echo the given string", .since = "1.0.0",
             .complexity = "O(1)"});
  table.Add({.name = "quit", .arity = -1,
             .flags = kNoAuth | kLoading | kStale | kFast | kAllowBusy | kNoScript,
             .handler = Quit, .group = "connection", .summary = "Close the connection",
             .since = "1.0.0", .complexity = "O(1)"});
  table.Add({.name = "select", .arity = 2, .flags = kLoading | kStale | kFast,
             .handler = Select, .group = "connection",
             .summary = "Change the selected database for the current connection",
             .since = "1.0.0", .complexity = "O(1)"});
}

}  // namespace basalt::cmd
