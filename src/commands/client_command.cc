// CLIENT: ID, SETNAME, GETNAME, LIST, INFO, KILL, PAUSE, UNPAUSE, UNBLOCK, NO-EVICT, HELP.
//
// The connected clients come from ServerContext::clients (the server's registry); an engine
// without one knows only the calling client.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include "clients/blocking.h"
#include "clients/pause.h"
#include "clients/pubsub.h"
#include "clients/tracking.h"
#include "clients/transaction.h"
#include "commands/helpers.h"
#include "commands/server_group.h"

namespace basalt::cmd {

namespace {

enum class ClientType { kNormal, kMaster, kReplica, kPubSub };

bool ParseClientType(std::string_view s, ClientType* out) {
  if (IsOption(s, "normal")) {
    *out = ClientType::kNormal;
  } else if (IsOption(s, "master")) {
    *out = ClientType::kMaster;
  } else if (IsOption(s, "replica") || IsOption(s, "slave")) {
    *out = ClientType::kReplica;
  } else if (IsOption(s, "pubsub")) {
    *out = ClientType::kPubSub;
  } else {
    return false;
  }
  return true;
}

ClientType TypeOf(const ClientSession& s) {
  if (s.is_replica) return ClientType::kReplica;
  if (s.is_primary) return ClientType::kMaster;
  return s.subscribed() ? ClientType::kPubSub : ClientType::kNormal;
}

void ForEachClient(CommandContext& ctx, const std::function<void(ClientSession&)>& fn) {
  if (ctx.server.clients != nullptr) {
    ctx.server.clients->ForEach(fn);
  } else {
    fn(ctx.client);
  }
}

// Redis's letters, in Redis's order.
std::string Flags(const ClientSession& s) {
  std::string flags;
  if (s.monitor) flags += 'O';
  if (s.is_replica) flags += 'S';
  if (s.is_primary) flags += 'M';
  if (s.subscriptions() != nullptr && !s.subscriptions()->empty()) flags += 'P';
  if (s.in_multi()) flags += 'x';
  if (s.blocked) flags += 'b';
  if (const clients::TrackingState* t = s.tracking(); t != nullptr && t->on) {
    flags += 't';
    if (t->redirect_broken) flags += 'R';
    if (t->options.bcast) flags += 'B';
  }
  if (s.transaction() != nullptr && s.transaction()->watch_broken) flags += 'd';
  if (s.close_after_reply) flags += 'c';
  if (s.no_evict) flags += 'e';
  return flags.empty() ? "N" : flags;
}

int64_t SubscriptionCount(const ClientSession& s, clients::ChannelKind kind) {
  return s.subscriptions() == nullptr ? 0
                                      : static_cast<int64_t>(s.subscriptions()->of(kind).size());
}

void AppendField(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out.append(key);
  out += '=';
  out.append(value);
}

void AppendField(std::string& out, std::string_view key, int64_t value) {
  AppendField(out, key, Int64ToString(value));
}

void ClientId(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.client.id)); }

void ClientSetName(CommandContext& ctx) {
  if (!IsValidClientName(ctx.arg(2))) {
    ctx.reply.Error(kInvalidClientName);
    return;
  }
  ctx.client.name = std::string(ctx.arg(2));
  ctx.reply.Ok();
}

void ClientGetName(CommandContext& ctx) {
  if (ctx.client.name.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(ctx.client.name);
  }
}

void ClientInfo(CommandContext& ctx) { ctx.reply.Verbatim(ClientInfoLine(ctx.client, ctx) + "\n"); }

// CLIENT LIST [TYPE type] | [ID id [id ...]]: one line per client, each ending in "\n".
void ClientList(CommandContext& ctx) {
  std::string out;
  auto add = [&](ClientSession& s) { out += ClientInfoLine(s, ctx) + "\n"; };
  if (ctx.argc() == 2) {
    ForEachClient(ctx, add);
  } else if (ctx.argc() == 4 && IsOption(ctx.arg(2), "type")) {
    ClientType type;
    if (!ParseClientType(ctx.arg(3), &type)) {
      ctx.reply.Error("ERR Unknown client type '" + std::string(ctx.arg(3)) + "'");
      return;
    }
    ForEachClient(ctx, [&](ClientSession& s) {
      if (TypeOf(s) == type) add(s);
    });
  } else if (ctx.argc() >= 4 && IsOption(ctx.arg(2), "id")) {
    std::vector<int64_t> ids;
    for (size_t i = 3; i < ctx.argc(); ++i) {
      int64_t id;
      if (!ParseInt64(ctx.arg(i), &id)) {
        ctx.reply.Error("ERR Invalid client ID");
        return;
      }
      ids.push_back(id);
    }
    // Lines come in the order the ids were given.
    for (int64_t id : ids) {
      ForEachClient(ctx, [&](ClientSession& s) {
        if (static_cast<int64_t>(s.id) == id) add(s);
      });
    }
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  ctx.reply.Verbatim(out);
}

struct KillFilter {
  bool has_id = false;
  int64_t id = 0;
  bool has_type = false;
  ClientType type = ClientType::kNormal;
  std::string_view addr, laddr, user;
  bool skip_me = true;

  bool Matches(const ClientSession& s, const ClientSession& me) const {
    if (has_id && static_cast<int64_t>(s.id) != id) return false;
    if (has_type && TypeOf(s) != type) return false;
    if (!addr.empty() && s.peer_address() != addr) return false;
    if (!laddr.empty() && s.local_address() != laddr) return false;
    if (!user.empty() && s.user != user) return false;
    if (skip_me && &s == &me) return false;
    return true;
  }
};

// Parses CLIENT KILL's "<option> <value>" pairs; replies with the error and returns false.
bool ParseKillFilter(CommandContext& ctx, KillFilter* f) {
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.arg(i);
    if (i + 1 >= ctx.argc()) {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
    std::string_view value = ctx.arg(i + 1);
    if (IsOption(opt, "id")) {
      if (!ParseInt64(value, &f->id) || f->id <= 0) {
        ctx.reply.Error("ERR client-id should be greater than 0");
        return false;
      }
      f->has_id = true;
    } else if (IsOption(opt, "type")) {
      if (!ParseClientType(value, &f->type)) {
        ctx.reply.Error("ERR Unknown client type '" + std::string(value) + "'");
        return false;
      }
      f->has_type = true;
    } else if (IsOption(opt, "addr")) {
      f->addr = value;
    } else if (IsOption(opt, "laddr")) {
      f->laddr = value;
    } else if (IsOption(opt, "user")) {
      if (value != "default") {
        ctx.reply.Error("ERR No such user '" + std::string(value) + "'");
        return false;
      }
      f->user = value;
    } else if (IsOption(opt, "skipme")) {
      if (IsOption(value, "yes")) {
        f->skip_me = true;
      } else if (IsOption(value, "no")) {
        f->skip_me = false;
      } else {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// Closes `s` after its pending replies; the calling client still gets this command's reply.
void KillClient(CommandContext& ctx, ClientSession& s) {
  if (&s == &ctx.client) {
    s.close_after_reply = true;
  } else {
    s.Kill();
  }
}

// CLIENT KILL ip:port (old form: +OK or "No such client"), or CLIENT KILL <filter> <value> ...
// (new form: the number of clients killed).
void ClientKill(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    std::vector<ClientSession*> victims;
    ForEachClient(ctx, [&](ClientSession& s) {
      if (s.peer_address() == ctx.arg(2)) victims.push_back(&s);
    });
    if (victims.empty()) {
      ctx.reply.Error("ERR No such client");
      return;
    }
    for (ClientSession* s : victims) KillClient(ctx, *s);
    ctx.reply.Ok();
    return;
  }
  KillFilter filter;
  if (!ParseKillFilter(ctx, &filter)) return;
  std::vector<ClientSession*> victims;
  ForEachClient(ctx, [&](ClientSession& s) {
    if (filter.Matches(s, ctx.client)) victims.push_back(&s);
  });
  for (ClientSession* s : victims) KillClient(ctx, *s);
  ctx.reply.Integer(static_cast<int64_t>(victims.size()));
}

// basalt never evicts clients yet; the mode is kept so CLIENT LIST shows it.
void ClientNoEvict(CommandContext& ctx) {
  if (IsOption(ctx.arg(2), "on") || IsOption(ctx.arg(2), "off")) {
    ctx.client.no_evict = IsOption(ctx.arg(2), "on");
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(err::kSyntax);
  }
}

// CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked before the timeout, as in Redis.
void ClientPause(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    SubcommandSyntaxError(ctx);
    return;
  }
  bool writes_only = false;
  if (ctx.argc() == 4) {
    if (IsOption(ctx.arg(3), "write")) {
      writes_only = true;
    } else if (!IsOption(ctx.arg(3), "all")) {
      ctx.reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  }
  int64_t timeout_ms;
  if (!ParseTimeoutMs(ctx, ctx.arg(2), &timeout_ms)) return;
  ctx.server.pause.Pause(ctx.now_ms + timeout_ms, writes_only);
  ctx.reply.Ok();
}

void ClientUnpause(CommandContext& ctx) {
  ctx.server.pause.Unpause();
  ctx.reply.Ok();
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends the wait of a client blocked in WAIT (or, later, a
// blocking pop) as if it timed out, or with an error. A paused client is not waiting for an
// event and is not unblocked. The reason is checked before the id, as in Redis.
void ClientUnblock(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    SubcommandSyntaxError(ctx);
    return;
  }
  clients::WaitEnd why = clients::WaitEnd::kTimeout;
  if (ctx.argc() == 4) {
    if (IsOption(ctx.arg(3), "error")) {
      why = clients::WaitEnd::kError;
    } else if (!IsOption(ctx.arg(3), "timeout")) {
      ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  int64_t id;
  if (!ParseIntArg(ctx, ctx.arg(2), &id)) return;
  clients::Client* target = ctx.server.client_index.Find(static_cast<uint64_t>(id));
  const bool ended = target != nullptr && ctx.server.blocked.End(*target, why);
  ctx.reply.Integer(ended ? 1 : 0);
}

// CLIENT REPLY ON|OFF|SKIP: OFF and SKIP are not answered (their own reply is the first one
// dropped); SKIP under OFF changes nothing. The dispatcher drops what a request under OFF or
// SKIP wrote (Dispatcher::AdmitUnanswered).
void ClientReply(CommandContext& ctx) {
  using Mode = clients::Client::ReplyMode;
  Mode& mode = ctx.client.reply_mode;
  if (IsOption(ctx.arg(2), "on")) {
    mode = Mode::kOn;
    ctx.reply.Ok();
  } else if (IsOption(ctx.arg(2), "off")) {
    mode = Mode::kOff;
  } else if (IsOption(ctx.arg(2), "skip")) {
    if (mode != Mode::kOff) mode = Mode::kSkipNext;
  } else {
    ctx.reply.Error(err::kSyntax);
  }
}

void ClientHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "CLIENT",
            {"GETNAME",
             "    Reply with the name of this connection, or nil when it has none.",
             "ID",
             "    Reply with the unique id of this connection.",
             "INFO",
             "    Reply with the CLIENT LIST line of this connection.",
             "KILL <ip:port>",
             "    Close the connection coming from <ip:port>.",
             "KILL <option> <value> [<option> <value> [...]]",
             "    Close every connection matching all the given filters:",
             "    * ID <client-id>",
             "    * ADDR <ip:port>       the client's address",
             "    * LADDR <ip:port>      the server address the client connected to",
             "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
             "    * USER <username>",
             "    * SKIPME (YES|NO)      spare this connection (default: YES)",
             "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB) | ID <client-id> [...]]",
             "    Reply with one line of details per connection, optionally filtered.",
             "NO-EVICT (ON|OFF)",
             "    Accepted for compatibility: connections are never evicted.",
             "PAUSE <timeout> [WRITE|ALL]",
             "    Suspend all, or just write, clients for <timeout> milliseconds.",
             "REPLY (ON|OFF|SKIP)",
             "    Answer this connection's commands (ON), none of them (OFF), or all but the",
             "    next one (SKIP).",
             "SETNAME <name>",
             "    Name this connection (an empty name removes it).",
             "UNBLOCK <clientid> [TIMEOUT|ERROR]",
             "    End the wait of a client blocked in WAIT: as a timeout (the default) or with an",
             "    error.",
             "UNPAUSE",
             "    Stop the current client pause, resuming traffic."});
}

}  // namespace

bool IsValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

std::string ClientInfoLine(const ClientSession& s, const CommandContext& current) {
  const bool is_current = &s == &current.client;
  const int64_t now_ms = current.now_ms;
  // Only the running command's arguments are known here; other clients report 0.
  int64_t argv_mem = 0;
  if (is_current) {
    for (std::string_view a : current.args) argv_mem += static_cast<int64_t>(a.size());
  }
  // Redis keeps the first 16 KB of pending output in a fixed buffer (obl) and the rest in a list
  // of 16 KB blocks (oll blocks, omem bytes); monitoring of slow clients reads omem, so the
  // one buffer basalt has is reported the same way.
  constexpr int64_t kReplyChunk = 16 * 1024;
  const int64_t pending = static_cast<int64_t>(s.output_buffer_size());
  const int64_t obl = std::min(pending, kReplyChunk);
  const int64_t omem = pending - obl;
  std::string out;
  AppendField(out, "id", static_cast<int64_t>(s.id));
  AppendField(out, "addr", s.peer_address());
  AppendField(out, "laddr", s.local_address());
  AppendField(out, "fd", s.fd());
  AppendField(out, "name", s.name);
  AppendField(out, "age", (now_ms - s.created_ms) / 1000);
  AppendField(out, "idle", (now_ms - s.last_interaction_ms) / 1000);
  AppendField(out, "flags", Flags(s));
  AppendField(out, "db", s.db);
  AppendField(out, "sub", SubscriptionCount(s, clients::ChannelKind::kChannel));
  AppendField(out, "psub", SubscriptionCount(s, clients::ChannelKind::kPattern));
  AppendField(out, "ssub", SubscriptionCount(s, clients::ChannelKind::kShard));
  AppendField(out, "multi",
              s.in_multi() ? static_cast<int64_t>(s.transaction()->queue.size()) : -1);
  AppendField(out, "qbuf", static_cast<int64_t>(s.query_buffer_size()));
  AppendField(out, "qbuf-free", static_cast<int64_t>(s.query_buffer_free()));
  AppendField(out, "argv-mem", argv_mem);
  AppendField(out, "multi-mem", 0);
  AppendField(out, "rbs", 0);
  AppendField(out, "rbp", 0);
  AppendField(out, "obl", obl);
  AppendField(out, "oll", (omem + kReplyChunk - 1) / kReplyChunk);
  AppendField(out, "omem", omem);
  AppendField(out, "tot-mem", static_cast<int64_t>(s.memory_usage()) + argv_mem);
  AppendField(out, "events", pending > 0 ? "rw" : "r");
  AppendField(
      out, "cmd",
      is_current ? std::string_view(current.spec.full_name) : std::string_view(s.last_command));
  AppendField(out, "user", s.user);
  const clients::TrackingState* tracking = s.tracking();
  AppendField(
      out, "redir",
      tracking != nullptr && tracking->on ? static_cast<int64_t>(tracking->options.redirect) : -1);
  AppendField(out, "resp", s.resp);
  return out;
}

void RegisterClientCommand(CommandTable& table) {
  constexpr uint32_t kBase = kNoScript | kLoading | kStale;
  auto sub = [](std::string_view name, int arity, uint32_t flags, Handler h,
                std::string_view summary, std::string_view since,
                std::string_view complexity = "O(1)") {
    return KeylessSpec(name, arity, flags, h, "connection", summary, since, complexity);
  };
  constexpr std::string_view kPerClient = "O(N) where N is the number of client connections";
  CommandSpec client{
      .name = "client",
      .arity = -2,
      .group = "connection",
      .summary = "A container for client connection commands",
      .since = "2.4.0",
      .complexity = "Depends on subcommand.",
      .subcommands = {
          sub("id", 2, kBase, ClientId, "Returns the client ID for the current connection",
              "5.0.0"),
          sub("setname", 3, kBase, ClientSetName, "Set the current connection name", "2.6.9"),
          sub("getname", 2, kBase, ClientGetName, "Get the current connection name", "2.6.9"),
          sub("info", 2, kBase, ClientInfo,
              "Returns information about the current client connection.", "6.2.0"),
          sub("list", -2, kAdmin | kBase, ClientList, "Get the list of client connections", "2.4.0",
              kPerClient),
          sub("kill", -3, kAdmin | kBase, ClientKill, "Kill the connection of a client", "2.4.0",
              kPerClient),
          sub("pause", -3, kAdmin | kBase, ClientPause,
              "Stop processing commands from clients for some time", "2.9.50"),
          sub("unblock", -3, kAdmin | kBase, ClientUnblock,
              "Unblock a client blocked in a blocking command from a different connection", "5.0.0",
              "O(log N) where N is the number of client connections"),
          sub("unpause", 2, kAdmin | kBase, ClientUnpause,
              "Resume processing of clients that were paused", "6.2.0",
              "O(N) Where N is the number of paused clients"),
          sub("no-evict", 3, kAdmin | kBase, ClientNoEvict,
              "Set client eviction mode for the current connection", "7.0.0"),
          sub("reply", 3, kBase, ClientReply, "Instruct the server whether to reply to commands",
              "3.2.0"),
          sub("help", 2, kLoading | kStale, ClientHelp,
              "Show helpful text about the different subcommands", "5.0.0"),
      }};
  // Client-side caching's subcommands live in client_tracking.cc.
  for (CommandSpec& sub : ClientTrackingSubcommands()) client.subcommands.push_back(std::move(sub));
  table.Add(std::move(client));
}

}  // namespace basalt::cmd
