// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. The queueing itself is the dispatcher's
// (a client in MULTI has every other command checked and queued there); the MULTI state and
// the watch registry are in clients/transaction.h.
#include "clients/transaction.h"
#include "commands/command_table.h"
#include "commands/dispatcher.h"
#include "commands/errors.h"
#include "commands/helpers.h"

namespace basalt::cmd {

namespace {

// Ends the client's transaction (EXEC, DISCARD): the queue, the marks and every watched key.
void EndTransaction(CommandContext& ctx) {
  clients::Transaction* tx = ctx.client.transaction();
  if (tx == nullptr) return;
  ctx.server.watches.UnwatchAll(ctx.client);
  tx->EndMulti();
  tx->watch_broken = false;
}

void Multi(CommandContext& ctx) {
  if (ctx.client.in_multi()) {
    ctx.reply.Error("ERR MULTI calls can not be nested");
    return;
  }
  ctx.client.EnsureTransaction().in_multi = true;
  ctx.reply.Ok();
}

void Discard(CommandContext& ctx) {
  if (!ctx.client.in_multi()) {
    ctx.reply.Error("ERR DISCARD without MULTI");
    return;
  }
  EndTransaction(ctx);
  ctx.reply.Ok();
}

// Runs the queued commands in this request's execution unit: one frozen clock, and their writes
// committed together (wrapped in MULTI/EXEC when more than one), so a crash or a cut stream
// never applies part of the transaction.
void Exec(CommandContext& ctx) {
  if (!ctx.client.in_multi()) {
    ctx.reply.Error("ERR EXEC without MULTI");
    return;
  }
  clients::Transaction& tx = *ctx.client.transaction();
  if (ctx.server.watches.AnyWatchedKeyExpired(ctx.client, ctx.now_ms)) tx.watch_broken = true;
  if (tx.aborted || tx.watch_broken) {
    if (tx.aborted) {
      ctx.reply.Error(err::kExecAbort);
    } else {
      ctx.reply.NullArray();
    }
    EndTransaction(ctx);
    return;
  }
  // Nothing can break the transaction any more: stop paying for its watched keys.
  ctx.server.watches.UnwatchAll(ctx.client);
  // The queued commands cannot touch the queue (nothing is queued while EXEC runs them).
  ctx.reply.ArrayHeader(tx.queue.size());
  std::vector<std::string_view> argv;
  for (const clients::QueuedCommand& q : tx.queue) {
    argv.assign(q.argv.begin(), q.argv.end());
    ctx.server.dispatcher->CallQueued(ctx.client, *static_cast<const CommandSpec*>(q.resolved),
                                      argv, ctx.reply);
  }
  EndTransaction(ctx);
}

void Watch(CommandContext& ctx) {
  if (ctx.client.in_multi()) {
    ctx.reply.Error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    ctx.server.watches.Watch(ctx.client, ctx.client.db, ctx.arg(i), ctx.now_ms);
  }
  ctx.reply.Ok();
}

// Inside MULTI it is queued like any command (Redis runs only EXEC, DISCARD, MULTI, WATCH, QUIT
// and RESET at once).
void Unwatch(CommandContext& ctx) {
  ctx.server.watches.UnwatchAll(ctx.client);
  if (clients::Transaction* tx = ctx.client.transaction()) tx->watch_broken = false;
  ctx.reply.Ok();
}

constexpr uint32_t kBase = kNoScript | kLoading | kStale | kFast | kAllowBusy;
constexpr uint32_t kControl = kBase | kNotQueued;

}  // namespace

void RegisterTransactionCommands(CommandTable& table) {
  table.Add(KeylessSpec("multi", 1, kControl, Multi, "transactions", "Start a transaction block",
                        "1.2.0"));
  table.Add(KeylessSpec("exec", 1, kNoScript | kLoading | kStale | kSkipSlowlog | kNotQueued, Exec,
                        "transactions", "Execute all commands issued after MULTI", "1.2.0",
                        "Depends on commands in the transaction"));
  table.Add(KeylessSpec("discard", 1, kControl, Discard, "transactions",
                        "Discard all commands issued after MULTI", "2.0.0",
                        "O(N), when N is the number of queued commands"));
  table.Add(KeysSpec("watch", -2, kControl, {1, -1, 1}, Watch, "transactions",
                     "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0",
                     "O(1) for every key."));
  table.Add(KeylessSpec("unwatch", 1, kBase, Unwatch, "transactions",
                        "Forget about all watched keys", "2.2.0"));
}

}  // namespace basalt::cmd
