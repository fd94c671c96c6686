// The blocking list pops (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP), LMPOP, and the serving of
// clients blocked on keys.
//
// How a blocking pop works, end to end:
//  1. The command finds something to pop: it behaves as its non-blocking form and is
//     propagated as that form (LPOP key, LMOVE ..., LPOP key count), as Redis does.
//  2. Nothing to pop, and the client may block (not inside MULTI, not an in-process caller):
//     the client is parked with BlockedClients (the same mechanism WAIT uses) and its keys are
//     registered with KeyWaits. Otherwise it gets its timeout answer at once.
//  3. A later change to a waited key marks it ready; after the command that changed it (or the
//     whole transaction, or the replication stream's command) ServeBlockedClients runs the
//     waiters' commands again, first blocked first, while the key still holds elements, with
//     that key first among the command's keys. The re-run takes path 1, so the reply, the events
//     and the propagation are the ordinary ones.
//  4. The deadline passes (the cron's Tick), or CLIENT UNBLOCK: the timeout answer (a null
//     array), or the UNBLOCKED error.
#include <cmath>
#include <string>
#include <vector>

#include "clients/blocking.h"
#include "clients/key_waits.h"
#include "commands/blocking_internal.h"
#include "commands/dispatcher.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/list_commands_internal.h"
#include "common/strings.h"

namespace basalt::cmd {

// A blocking command's timeout in seconds (fractions allowed; 0 = forever), as an absolute
// deadline in ms (0 = none). Redis 7.0.15's errors: it has no "out of range" error, and a
// timeout whose milliseconds do not fit 64 bits (inf, 1e17, ...) wraps negative there, so it
// is reported as negative; a deadline that overflows when added to the clock wraps too and
// times out at once.
bool ParseBlockingTimeout(CommandContext& ctx, std::string_view text, int64_t* deadline_ms) {
  long double seconds;
  if (!ParseLongDouble(text, &seconds)) {
    ctx.reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  const long double ms = std::ceil(seconds * 1000.0L);
  if (ms < 0 || ms >= 0x1p63L) {
    ctx.reply.Error("ERR timeout is negative");
    return false;
  }
  const auto whole = static_cast<int64_t>(ms);
  if (whole == 0) {
    *deadline_ms = 0;
  } else {
    *deadline_ms = whole > INT64_MAX - ctx.now_ms ? ctx.now_ms : ctx.now_ms + whole;
  }
  return true;
}

void ReplyTimeout(CommandContext& ctx, TimeoutReply kind) {
  kind == TimeoutReply::kNullArray ? ctx.reply.NullArray() : ctx.reply.Null();
}

namespace {

// What a waiter gets when its wait times out: a null array (RESP3 null) for every blocking
// command, BLMOVE included: only the not-blocking answer inside MULTI differs (ReplyTimeout).
std::string_view TimeoutBytes(const clients::Client& c) {
  return c.resp >= 3 ? "_\r\n" : "*-1\r\n";
}

// The woken command runs again with `ready` moved to the front of its keys, so it takes from
// the key that got data first, as Redis serves a waiter from the key that made it ready.
void PutReadyKeyFirst(std::vector<std::string>& argv, const std::vector<size_t>& key_at,
                      std::string_view ready) {
  for (size_t i = 0; i < key_at.size(); ++i) {
    if (argv[key_at[i]] != ready) continue;
    for (size_t j = i; j > 0; --j) std::swap(argv[key_at[j]], argv[key_at[j - 1]]);
    return;
  }
}

}  // namespace

void BlockForKeys(CommandContext& ctx, std::span<const std::string_view> keys, int64_t deadline_ms,
                  store::ValueType type, clients::KeyWaits::ReadyCheck check,
                  std::vector<std::string> argv_override) {
  ServerContext& server = ctx.server;
  std::vector<std::string> argv = argv_override.empty()
                                      ? std::vector<std::string>(ctx.args.begin(), ctx.args.end())
                                      : std::move(argv_override);
  // A command with its own readiness check (the stream reads) finds the ready key itself
  // (KeyWaits::serving()): its keys are paired with IDs and stay where they are.
  std::vector<size_t> key_at;
  for (size_t i = 0; i < keys.size() && !check; ++i) {
    key_at.push_back(static_cast<size_t>(&keys[i] - ctx.args.data()));
  }
  server.blocked.Block(
      ctx.client, deadline_ms,
      [&server, argv = std::move(argv), key_at = std::move(key_at)](clients::Client& c,
                                                                    clients::WaitEnd end) mutable {
        const clients::KeyWaits::Key* ready = server.key_waits.serving();
        server.key_waits.Remove(c);
        if (end != clients::WaitEnd::kEvent) {
          const bool failed = end == clients::WaitEnd::kError;
          c.DeliverReply(failed ? "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
                                : TimeoutBytes(c));
          std::vector<std::string_view> views(argv.begin(), argv.end());
          server.dispatcher->NoteWaitEnded(static_cast<ClientSession&>(c), views, failed);
        } else {
          if (ready != nullptr) PutReadyKeyFirst(argv, key_at, ready->key);
          auto& session = static_cast<ClientSession&>(c);
          std::string out;
          protocol::ReplyWriter writer(&out, c.resp);
          std::vector<std::string_view> views(argv.begin(), argv.end());
          server.dispatcher->RunWoken(session, views, writer);
          if (!out.empty()) c.DeliverReply(out);
        }
      });
  server.key_waits.Add(ctx.client, ctx.client.db, keys, static_cast<uint8_t>(type),
                       std::move(check));
}

bool ParseMultiPopArgs(CommandContext& ctx, size_t at, std::string_view first_end,
                       std::string_view second_end, MultiPopArgs* out) {
  constexpr std::string_view kBadNumKeys = "ERR numkeys should be greater than 0";
  int64_t numkeys;
  if (!ParseIntArg(ctx, ctx.arg(at), &numkeys, kBadNumKeys)) return false;
  if (numkeys < 1) {
    ctx.reply.Error(kBadNumKeys);
    return false;
  }
  // The keys and then the end must be there (the arity guarantees at + 1 < argc).
  if (numkeys >= static_cast<int64_t>(ctx.argc() - at - 1)) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  const size_t end_at = at + 1 + static_cast<size_t>(numkeys);
  out->first_end = IsOption(ctx.arg(end_at), first_end);
  if (!out->first_end && !IsOption(ctx.arg(end_at), second_end)) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  constexpr std::string_view kBadCount = "ERR count should be greater than 0";
  bool has_count = false;
  for (size_t j = end_at + 1; j < ctx.argc(); ++j) {
    if (has_count || !IsOption(ctx.arg(j), "count") || j + 1 >= ctx.argc()) {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
    if (!ParseIntArg(ctx, ctx.arg(++j), &out->count, kBadCount)) return false;
    if (out->count < 1) {
      ctx.reply.Error(kBadCount);
      return false;
    }
    has_count = true;
  }
  out->keys = ctx.args.subspan(at + 1, static_cast<size_t>(numkeys));
  return true;
}

bool MayBlock(const CommandContext& ctx) {
  return !ctx.client.in_multi() && ctx.client.can_block();
}

namespace {

// The first of `keys` holding a non-empty list; nullptr if none; *ok false after WRONGTYPE.
store::Entry* FirstNonEmptyList(CommandContext& ctx, std::span<const std::string_view> keys,
                                std::string_view* found, bool* ok) {
  *ok = true;
  for (std::string_view key : keys) {
    store::Entry* e = LookupWrite(ctx, key);
    if (e == nullptr) continue;
    if (!CheckType(ctx, e, store::ValueType::kList)) {
      *ok = false;
      return nullptr;
    }
    *found = key;
    return e;  // stored lists are never empty
  }
  return nullptr;
}

// BLPOP / BRPOP key [key ...] timeout
void BlockingPop(CommandContext& ctx, End end) {
  int64_t deadline_ms;
  if (!ParseBlockingTimeout(ctx, ctx.arg(ctx.argc() - 1), &deadline_ms)) return;
  const auto keys = ctx.args.subspan(1, ctx.argc() - 2);
  std::string_view key;
  bool ok;
  store::Entry* e = FirstNonEmptyList(ctx, keys, &key, &ok);
  if (!ok) return;
  if (e == nullptr) {
    MayBlock(ctx) ? BlockForKeys(ctx, keys, deadline_ms, store::ValueType::kList)
                  : ReplyTimeout(ctx, TimeoutReply::kNullArray);
    return;
  }
  store::ListValue& list = AsList(ctx.db().PrepareModify(e));
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(key);
  ctx.reply.Bulk(end == End::kHead ? list.PopFront() : list.PopBack());
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyList, end == End::kHead ? "lpop" : "rpop", key);
  if (list.size() == 0) {
    ctx.db().Delete(key);
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
  }
  ctx.PropagateAs({end == End::kHead ? "LPOP" : "RPOP", std::string(key)});
}

void BLPop(CommandContext& ctx) { BlockingPop(ctx, End::kHead); }
void BRPop(CommandContext& ctx) { BlockingPop(ctx, End::kTail); }

// BLMOVE / BRPOPLPUSH: LMOVE when the source has elements, else a wait for the source.
void BlockingMove(CommandContext& ctx, End from, End to, std::string_view timeout,
                  std::vector<std::string> propagate_as) {
  int64_t deadline_ms;
  if (!ParseBlockingTimeout(ctx, timeout, &deadline_ms)) return;
  store::Entry* src = LookupWrite(ctx, ctx.arg(1));
  if (!CheckType(ctx, src, store::ValueType::kList)) return;
  if (src == nullptr) {
    MayBlock(ctx) ? BlockForKeys(ctx, ctx.args.subspan(1, 1), deadline_ms, store::ValueType::kList)
                  : ReplyTimeout(ctx, TimeoutReply::kNull);
    return;
  }
  if (!MoveListElement(ctx, from, to)) return;
  ctx.PropagateAs(std::move(propagate_as));
}

void BLMove(CommandContext& ctx) {
  End from;
  End to;
  if (!ParseEnd(ctx, ctx.arg(3), &from) || !ParseEnd(ctx, ctx.arg(4), &to)) return;
  BlockingMove(ctx, from, to, ctx.arg(5),
               {"LMOVE", std::string(ctx.arg(1)), std::string(ctx.arg(2)), std::string(ctx.arg(3)),
                std::string(ctx.arg(4))});
}

void BRPopLPush(CommandContext& ctx) {
  BlockingMove(ctx, End::kTail, End::kHead, ctx.arg(3),
               {"RPOPLPUSH", std::string(ctx.arg(1)), std::string(ctx.arg(2))});
}

// Pops from the first non-empty list of args.keys: [key, [elements]], propagated as the LPOP /
// RPOP with a count that did the same. False when every list is empty (nothing replied) or
// after WRONGTYPE (*ok false).
bool MPopFirst(CommandContext& ctx, const MultiPopArgs& args, End end, bool* ok) {
  std::string_view key;
  store::Entry* e = FirstNonEmptyList(ctx, args.keys, &key, ok);
  if (e == nullptr) return false;
  ctx.db().PrepareModify(e);
  ctx.MarkDirty();
  const std::string popped =
      Int64ToString(std::min<int64_t>(args.count, static_cast<int64_t>(AsList(e).size())));
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(key);
  PopRangeAndReply(ctx, key, e, end, static_cast<size_t>(args.count));
  ctx.PropagateAs({end == End::kHead ? "LPOP" : "RPOP", std::string(key), popped});
  return true;
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void LMPop(CommandContext& ctx) {
  MultiPopArgs args;
  if (!ParseMultiPopArgs(ctx, 1, "left", "right", &args)) return;
  bool ok;
  if (!MPopFirst(ctx, args, args.first_end ? End::kHead : End::kTail, &ok) && ok) {
    ctx.reply.NullArray();
  }
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void BLMPop(CommandContext& ctx) {
  MultiPopArgs args;
  if (!ParseMultiPopArgs(ctx, 2, "left", "right", &args)) return;
  int64_t deadline_ms;
  if (!ParseBlockingTimeout(ctx, ctx.arg(1), &deadline_ms)) return;
  bool ok;
  if (MPopFirst(ctx, args, args.first_end ? End::kHead : End::kTail, &ok) || !ok) return;
  MayBlock(ctx) ? BlockForKeys(ctx, args.keys, deadline_ms, store::ValueType::kList)
                : ReplyTimeout(ctx, TimeoutReply::kNullArray);
}

// Whether `ready` holds what `waiter` can take.
bool Ready(ServerContext& server, const clients::KeyWaits::ReadyKey& ready,
           const clients::Client& waiter) {
  const clients::KeyWaits::Key& key = ready.key;
  store::Entry* e = server.keyspace.db(key.db).Lookup(key.key, server.clock.NowMs());
  const clients::KeyWaits::ReadyCheck& check = server.key_waits.Check(waiter);
  if (check) return check(key.key, e, ready.signalled);
  return e != nullptr && static_cast<uint8_t>(e->type()) == server.key_waits.WantedType(waiter);
}

}  // namespace

void ServeBlockedClients(ServerContext& server) {
  while (server.key_waits.has_ready()) {
    for (const clients::KeyWaits::ReadyKey& ready : server.key_waits.TakeReady()) {
      const clients::KeyWaits::Key& key = ready.key;
      for (clients::Client* waiter : server.key_waits.Waiters(key)) {
        if (!server.blocked.IsWaiting(*waiter)) continue;
        if (!Ready(server, ready, *waiter)) continue;
        server.key_waits.set_serving(&key);
        server.blocked.End(*waiter, clients::WaitEnd::kEvent);
        server.key_waits.set_serving(nullptr);
      }
    }
  }
}

void RegisterBlockingCommands(CommandTable& table) {
  constexpr uint32_t kBlockingPop = kWrite | kNoScript | kBlocking;
  constexpr KeyRange kKeysThenTimeout{1, -2, 1};
  constexpr std::string_view kPerKey = "O(N) where N is the number of provided keys.";
  table.Add(KeysSpec("blpop", -3, kBlockingPop, kKeysThenTimeout, BLPop, "list",
                     "Remove and get the first element in a list, or block until one is available",
                     "2.0.0", kPerKey));
  table.Add(KeysSpec("brpop", -3, kBlockingPop, kKeysThenTimeout, BRPop, "list",
                     "Remove and get the last element in a list, or block until one is available",
                     "2.0.0", kPerKey));
  constexpr std::string_view kMoveSummary =
      "Pop an element from a list, push it to another list and return it; or block until one "
      "is available";
  table.Add(KeysSpec("blmove", 6, kBlockingPop | kDenyOom, {1, 2, 1}, BLMove, "list", kMoveSummary,
                     "6.2.0"));
  table.Add(KeysSpec("brpoplpush", 4, kBlockingPop | kDenyOom, {1, 2, 1}, BRPopLPush, "list",
                     kMoveSummary, "2.2.0"));
  // numkeys commands: their keys are movable. Redis 7.0 has no "noscript" on BLMPOP.
  constexpr std::string_view kMPopComplexity =
      "O(N+M) where N is the number of provided keys and M is the number of elements returned.";
  table.Add(WithKeyCount(KeylessSpec("lmpop", -4, kWrite, LMPop, "list", "Pop elements from a list",
                                     "7.0.0", kMPopComplexity),
                         1, {0, 0, 0}));
  table.Add(WithKeyCount(KeylessSpec("blmpop", -5, kWrite | kBlocking, BLMPop, "list",
                                     "Pop elements from a list, or block until one is available",
                                     "7.0.0", kMPopComplexity),
                         2, {0, 0, 0}));
}

}  // namespace basalt::cmd
