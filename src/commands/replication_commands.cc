// Replication's commands. Today WAIT, which basalt answers as a primary with no replicas;
// REPLICAOF, REPLCONF, PSYNC and ROLE join it with replication (issue 10).
#include "clients/blocking.h"
#include "commands/command_table.h"
#include "commands/helpers.h"

namespace basalt::cmd {

namespace {

// How many replicas acknowledged this client's writes so far. No replica ever connects yet, so
// none has; replication will count REPLCONF ACK offsets against the client's last write.
int64_t AcknowledgedReplicas(const ClientSession&) { return 0; }

// WAIT numreplicas timeout: blocks until that many replicas have acknowledged the client's
// writes or the timeout (ms, 0 = forever) passes, then replies how many did. A client that
// cannot block (inside MULTI, in-process) is answered at once, as Redis does.
void Wait(CommandContext& ctx) {
  int64_t wanted;
  if (!ParseIntArg(ctx, ctx.arg(1), &wanted)) return;
  int64_t timeout_ms;
  if (!ParseTimeoutMs(ctx, ctx.arg(2), &timeout_ms)) return;
  const int64_t acked = AcknowledgedReplicas(ctx.client);
  if (acked >= wanted || ctx.client.in_multi() || !ctx.client.can_block()) {
    ctx.reply.Integer(acked);
    return;
  }
  const int64_t deadline_ms = timeout_ms > 0 ? ctx.now_ms + timeout_ms : 0;
  ctx.server.blocked.Block(ctx.client, deadline_ms, [](clients::Client& c, clients::WaitEnd end) {
    auto& session = static_cast<ClientSession&>(c);
    if (end == clients::WaitEnd::kError) {
      c.Deliver("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
      return;
    }
    c.Deliver(":" + std::to_string(AcknowledgedReplicas(session)) + "\r\n");
  });
}

}  // namespace

void RegisterReplicationCommands(CommandTable& table) {
  table.Add(KeylessSpec("wait", 3, kNoScript, Wait, "generic",
                        "Wait for the synchronous replication of all the write commands sent in "
                        "the context of the current connection",
                        "3.0.0"));
}

}  // namespace basalt::cmd
