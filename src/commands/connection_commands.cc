// Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO (CLIENT is in client_command.cc).
#include "clients/pubsub.h"
#include "clients/transaction.h"
#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/server_group.h"
#include "commands/server_info.h"

namespace basalt::cmd {

namespace {

constexpr std::string_view kHelloNoAuth =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time";

void Ping(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.reply.Error("ERR wrong number of arguments for 'ping' command");
    return;
  }
  // RESP2's subscribed mode has no way to tell a reply from a message: PING answers in the
  // message shape, ["pong", argument or ""].
  if (ctx.client.subscribed() && ctx.client.resp == 2) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.argc() == 2 ? ctx.arg(1) : "");
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

// RESET: the connection as if new (Redis's clearClientConnectionState): no transaction, no
// watched keys, no subscriptions, database 0, RESP2, no name, authenticated only when no
// password is required.
void Reset(CommandContext& ctx) {
  ClientSession& c = ctx.client;
  ctx.server.watches.UnwatchAll(c);
  if (clients::Transaction* tx = c.transaction()) {
    tx->EndMulti();
    tx->watch_broken = false;
  }
  ctx.server.pubsub.UnsubscribeAll(c);
  c.db = 0;
  c.resp = 2;
  c.name.clear();
  c.user = "default";
  c.authenticated = ctx.server.config.settings().requirepass.empty();
  // CLIENT REPLY OFF ends (RESET is answered); a SKIP still drops RESET's own reply, as in Redis.
  if (c.reply_mode != clients::Client::ReplyMode::kSkip)
    c.reply_mode = clients::Client::ReplyMode::kOn;
  ctx.reply.SimpleString("RESET");
}

void Select(CommandContext& ctx) {
  // Redis reads SELECT's index as a C int first: beyond it, a range error of its own.
  int64_t index;
  if (ParseInt64(ctx.arg(1), &index) && (index < INT32_MIN || index > INT32_MAX)) {
    ctx.reply.Error("ERR value is out of range, value must between -2147483648 and 2147483647");
    return;
  }
  int db;
  if (!ParseDbIndex(ctx, ctx.arg(1), &db)) return;
  ctx.client.db = db;
  ctx.reply.Ok();
}

// Compares without an early exit, so the time taken says nothing about the password.
bool SecretsEqual(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

// basalt has one user, "default", whose password is requirepass (none: any password works).
bool CheckCredentials(const CommandContext& ctx, std::string_view user, std::string_view pass) {
  if (user != "default") return false;
  const std::string& required = ctx.server.config.settings().requirepass;
  return required.empty() || SecretsEqual(pass, required);
}

void Auth(CommandContext& ctx) {
  // Every argument may be a password, even in a call refused for its form.
  for (size_t i = 1; i < ctx.argc(); ++i) ctx.RedactArg(i);
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  const bool with_user = ctx.argc() == 3;
  if (!with_user && ctx.server.config.settings().requirepass.empty()) {
    ctx.reply.Error(err::kNoPasswordSet);
    return;
  }
  std::string_view user = with_user ? ctx.arg(1) : "default";
  if (!CheckCredentials(ctx, user, ctx.arg(ctx.argc() - 1))) {
    // A failed attempt leaves an earlier successful authentication in place, as in Redis.
    ctx.reply.Error(err::kWrongPass);
    return;
  }
  ctx.client.authenticated = true;
  ctx.client.user = std::string(user);
  ctx.reply.Ok();
}

void ReplyHelloMap(CommandContext& ctx) {
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk(kRedisCompatVersion);
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(ctx.client.resp);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk(ctx.server.keyspace.replica_mode() ? "replica" : "master");
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

// HELLO [protover [AUTH user pass] [SETNAME name]]. The checks run in Redis's order: protocol
// version, option syntax, credentials, client name, then "must be authenticated"; a good AUTH
// sticks even when a later check fails.
void Hello(CommandContext& ctx) {
  // AUTH pairs are redacted before any check (Redis redacts them once it reaches them, after
  // the version: a bad version would show the password).
  for (size_t i = 2; i + 2 < ctx.argc(); ++i) {
    if (!IsOption(ctx.arg(i), "auth")) continue;
    ctx.RedactArg(i + 1);
    ctx.RedactArg(i + 2);
    i += 2;
  }
  int64_t version = ctx.client.resp;
  if (ctx.argc() >= 2) {
    if (!ParseInt64(ctx.arg(1), &version)) {
      ctx.reply.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (version < 2 || version > 3) {
      ctx.reply.Error("NOPROTO unsupported protocol version");
      return;
    }
  }
  std::string_view user, pass, name;
  bool has_auth = false, has_name = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const size_t more = ctx.argc() - i - 1;
    if (IsOption(ctx.arg(i), "auth") && more >= 2) {
      user = ctx.arg(i + 1);
      pass = ctx.arg(i + 2);
      has_auth = true;
      i += 2;
    } else if (IsOption(ctx.arg(i), "setname") && more >= 1) {
      name = ctx.arg(i + 1);
      has_name = true;
      i += 1;
    } else {
      ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(ctx.arg(i)) + "'");
      return;
    }
  }
  if (has_auth) {
    if (!CheckCredentials(ctx, user, pass)) {
      ctx.reply.Error(err::kWrongPass);
      return;
    }
    ctx.client.authenticated = true;
    ctx.client.user = std::string(user);
  }
  if (has_name && !IsValidClientName(name)) {
    ctx.reply.Error(kInvalidClientName);
    return;
  }
  if (!ctx.client.authenticated && !ctx.server.config.settings().requirepass.empty()) {
    ctx.reply.Error(kHelloNoAuth);
    return;
  }
  if (has_name) ctx.client.name = std::string(name);
  ctx.client.resp = static_cast<int>(version);
  ctx.reply.set_protocol(ctx.client.resp);  // HELLO's own reply uses the new protocol
  ReplyHelloMap(ctx);
}

}  // namespace

void RegisterConnectionCommands(CommandTable& table) {
  table.Add({.name = "ping",
             .arity = -1,
             .flags = kFast | kSubscribedMode,
             .handler = Ping,
             .group = "connection",
             .summary = "Ping the server",
             .since = "1.0.0",
             .complexity = "O(1)"});
  table.Add({.name = "echo",
             .arity = 2,
             .flags = kLoading | kStale | kFast,
             .handler = Echo,
             .group = "connection",
             .summary = "Echo the given string",
             .since = "1.0.0",
             .complexity = "O(1)"});
  table.Add({.name = "quit",
             .arity = -1,
             .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy | kNotQueued |
                      kSubscribedMode,
             .handler = Quit,
             .group = "connection",
             .summary = "Close the connection",
             .since = "1.0.0",
             .complexity = "O(1)"});
  table.Add({.name = "select",
             .arity = 2,
             .flags = kLoading | kStale | kFast,
             .handler = Select,
             .group = "connection",
             .summary = "Change the selected database for the current connection",
             .since = "1.0.0",
             .complexity = "O(1)"});
  table.Add({.name = "auth",
             .arity = -2,
             .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
             .handler = Auth,
             .group = "connection",
             .summary = "Authenticate to the server",
             .since = "1.0.0",
             .complexity = "O(N) where N is the number of passwords defined for the user"});
  table.Add({.name = "hello",
             .arity = -1,
             .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
             .handler = Hello,
             .group = "connection",
             .summary = "Handshake with Redis",
             .since = "6.0.0",
             .complexity = "O(1)"});
  table.Add({.name = "reset",
             .arity = 1,
             .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy | kNotQueued |
                      kSubscribedMode,
             .handler = Reset,
             .group = "connection",
             .summary = "Reset the connection",
             .since = "6.2.0",
             .complexity = "O(1)"});
  RegisterClientCommand(table);
}

}  // namespace basalt::cmd
