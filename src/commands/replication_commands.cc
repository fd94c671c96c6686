// Replication's commands: REPLCONF, PSYNC and SYNC (a replica's requests), REPLICAOF/SLAVEOF,
// ROLE and WAIT. The work is the replication layer's (replication_control.h); these parse
// arguments and answer with Redis's texts.
#include "clients/blocking.h"
#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/replication_control.h"

namespace basalt::cmd {

namespace {

constexpr std::string_view kWaitOnReplica =
    "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "
    "replica is configured to be writable (which is not the default) writes to replicas are "
    "just local and are not propagated.";

int64_t AcknowledgedReplicas(ServerContext& server, int64_t offset) {
  return server.replication ? server.replication->ReplicasAcked(offset) : 0;
}

// WAIT numreplicas timeout: blocks until that many replicas have acknowledged the client's
// writes or the timeout (ms, 0 = forever) passes, then replies how many did. A client that
// cannot block (inside MULTI, in-process) is answered at once, as Redis does.
void Wait(CommandContext& ctx) {
  ReplicationControl* repl = ctx.server.replication;
  if (repl != nullptr && repl->is_replica()) return ctx.reply.Error(kWaitOnReplica);
  int64_t wanted;
  if (!ParseIntArg(ctx, ctx.arg(1), &wanted)) return;
  int64_t timeout_ms;
  if (!ParseTimeoutMs(ctx, ctx.arg(2), &timeout_ms)) return;
  // Redis's rule: the replicas must have this client's own writes, not whatever the stream
  // holds by now (a GETACK sent for an earlier WAIT is in it too).
  const int64_t offset = ctx.client.last_write_offset;
  const int64_t acked = AcknowledgedReplicas(ctx.server, offset);
  if (acked >= wanted || ctx.client.in_multi() || !ctx.client.can_block()) {
    ctx.reply.Integer(acked);
    return;
  }
  const int64_t deadline_ms = timeout_ms > 0 ? ctx.now_ms + timeout_ms : 0;
  ServerContext& server = ctx.server;
  server.blocked.Block(
      ctx.client, deadline_ms, [&server, offset](clients::Client& c, clients::WaitEnd end) {
        auto& session = static_cast<ClientSession&>(c);
        if (server.replication) server.replication->ForgetWaiter(session);
        if (end == clients::WaitEnd::kError) {
          c.DeliverReply("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
          return;
        }
        c.DeliverReply(":" + std::to_string(AcknowledgedReplicas(server, offset)) + "\r\n");
      });
  if (repl != nullptr) repl->WaitForAcks(ctx.client, offset, wanted);
}

// REPLCONF <option> <value> [<option> <value> ...]
void Replconf(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) return ctx.reply.Error(err::kSyntax);
  if (ctx.server.replication == nullptr) return ctx.reply.Ok();
  bool silent = false;
  for (size_t i = 1; i + 1 < ctx.argc(); i += 2) {
    std::string error =
        ctx.server.replication->Replconf(ctx.client, ctx.arg(i), ctx.arg(i + 1), &silent);
    if (!error.empty()) return ctx.reply.Error(error);
  }
  if (!silent) ctx.reply.Ok();
}

void StartSync(CommandContext& ctx, std::string_view replid, int64_t offset, bool legacy) {
  if (ctx.server.replication == nullptr) {
    return ctx.reply.Error("ERR replication is not available in this server");
  }
  std::string error = ctx.server.replication->Psync(ctx.client, replid, offset, legacy);
  if (!error.empty()) ctx.reply.Error(error);
}

// PSYNC replid offset: the replica's request to continue from `offset` or sync in full.
void Psync(CommandContext& ctx) {
  int64_t offset;
  if (!ParseIntArg(ctx, ctx.arg(2), &offset)) return;
  StartSync(ctx, ctx.arg(1), offset, false);
}

// SYNC: the pre-PSYNC request; always a full sync, without the +FULLRESYNC line.
void Sync(CommandContext& ctx) { StartSync(ctx, "?", -1, true); }

// REPLICAOF host port | REPLICAOF NO ONE
void ReplicaOf(CommandContext& ctx) {
  if (ctx.client.is_replica) {
    return ctx.reply.Error("ERR Command is not valid when client is a replica.");
  }
  if (ctx.server.replication == nullptr) {
    return ctx.reply.Error("ERR replication is not available in this server");
  }
  std::string reply;
  if (IsOption(ctx.arg(1), "no") && IsOption(ctx.arg(2), "one")) {
    reply = ctx.server.replication->ReplicaOf("", 0);
  } else {
    int64_t port;
    if (!ParseInt64(ctx.arg(2), &port) || port < 0 || port > 65535) {
      return ctx.reply.Error("ERR Invalid master port");
    }
    reply = ctx.server.replication->ReplicaOf(ctx.arg(1), port);
  }
  if (reply.starts_with("-")) return ctx.reply.Error(std::string_view(reply).substr(1));
  ctx.reply.SimpleString(std::string_view(reply).substr(1));
}

void Role(CommandContext& ctx) {
  if (ctx.server.replication != nullptr) return ctx.server.replication->Role(ctx.reply);
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk("master");
  ctx.reply.Integer(0);
  ctx.reply.ArrayHeader(0);
}

}  // namespace

void RegisterReplicationCommands(CommandTable& table) {
  table.Add(KeylessSpec("wait", 3, kNoScript, Wait, "generic",
                        "Wait for the synchronous replication of all the write commands sent in "
                        "the context of the current connection",
                        "3.0.0"));
  table.Add(KeylessSpec("replconf", -1, kAdmin | kNoScript | kLoading | kStale | kAllowBusy,
                        Replconf, "server",
                        "An internal command for configuring the replication stream", "3.0.0"));
  constexpr uint32_t kSyncFlags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti;
  table.Add(KeylessSpec("psync", -3, kSyncFlags, Psync, "server",
                        "Internal command used for replication", "2.8.0"));
  table.Add(KeylessSpec("sync", 1, kSyncFlags, Sync, "server",
                        "Internal command used for replication", "1.0.0"));
  const uint32_t replicaof_flags = kAdmin | kNoScript | kStale | kNoAsyncLoading;
  table.Add(KeylessSpec("replicaof", 3, replicaof_flags, ReplicaOf, "server",
                        "Configure a server as replica of another, or promote it to a master.",
                        "5.0.0"));
  table.Add(KeylessSpec("slaveof", 3, replicaof_flags, ReplicaOf, "server",
                        "Sets a Redis server as a replica of another, or promotes it to being a "
                        "master.",
                        "1.0.0"));
  table.Add(KeylessSpec("role", 1, kNoScript | kLoading | kStale | kFast | kSentinel, Role,
                        "server", "Returns the replication role.", "2.8.12"));
}

}  // namespace basalt::cmd
