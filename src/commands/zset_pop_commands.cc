// Sorted-set pops and random picks: ZPOPMIN ZPOPMAX ZMPOP, the blocking BZPOPMIN BZPOPMAX
// BZMPOP, and ZRANDMEMBER. Conventions: see hash_commands.cc; the blocking flow: see
// blocking_commands.cc (a woken client runs its command again, so the pop that serves it is an
// ordinary one, replied, notified and propagated as below).
//
// Reply shapes (Redis 7.0), the same bytes in both protocols except where noted:
//  - ZPOPMIN key:            [member, score]
//  - ZPOPMIN key count:      RESP2 [member, score, ...], RESP3 [[member, score], ...]
//  - BZPOPMIN:               [key, member, score]
//  - ZMPOP / BZMPOP:         [key, [[member, score], ...]]
// Propagation: the blocking forms and ZMPOP travel as the ZPOPMIN / ZPOPMAX that did the same
// (BZPOPMIN / BZPOPMAX without a count, ZMPOP / BZMPOP with the number popped), so a replica
// never blocks and never depends on which key was first.
#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "commands/blocking_internal.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/random_picks.h"
#include "commands/zset_commands_internal.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

using store::NumberBuffer;
using store::ZsetValue;

enum class Where { kMin, kMax };

std::string_view PopName(Where where) { return where == Where::kMin ? "ZPOPMIN" : "ZPOPMAX"; }

// Removes up to `count` (>= 1) members from the low or high end of the zset at `key` (entry e),
// lowest first for MIN and highest first for MAX, and returns them. One "zpopmin"/"zpopmax"
// event, then "del" when the key empties.
std::vector<ScoredMember> PopMembers(CommandContext& ctx, std::string_view key, store::Entry* e,
                                     Where where, size_t count) {
  ZsetValue& zset = AsZset(ctx.db().PrepareModify(e));
  const size_t n = std::min(count, zset.size());
  const size_t from = where == Where::kMin ? 0 : zset.size() - n;
  std::vector<ScoredMember> popped;
  popped.reserve(n);
  // The views die with RemoveRanks: the members are copied out first.
  zset.ForEachInRanks(from, from + n, where == Where::kMax, [&](std::string_view m, double s) {
    popped.push_back({std::string(m), s});
  });
  zset.RemoveRanks(from, from + n);
  ctx.MarkDirty(static_cast<int64_t>(n));
  NotifyKeyspaceEvent(ctx, config::kNotifyZset, where == Where::kMin ? "zpopmin" : "zpopmax", key);
  DeleteIfEmptyZset(ctx, key, e);
  return popped;
}

// The first of `keys` holding a zset (stored zsets are never empty); nullptr if none, and *ok
// false after WRONGTYPE: a key of another type stops the search even when a later key holds a
// zset, as in Redis.
store::Entry* FirstZset(CommandContext& ctx, std::span<const std::string_view> keys,
                        std::string_view* found, bool* ok) {
  *ok = true;
  for (std::string_view key : keys) {
    store::Entry* e = LookupWrite(ctx, key);
    if (e == nullptr) continue;
    if (!CheckType(ctx, e, store::ValueType::kZSet)) {
      *ok = false;
      return nullptr;
    }
    *found = key;
    return e;
  }
  return nullptr;
}

// ZPOPMIN / ZPOPMAX key [count]. Without a count the reply is one flat pair in both protocols;
// with one it is a list of scored members (pairs in RESP3), even for a count of 1.
void ZPopMinMax(CommandContext& ctx, Where where) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  int64_t count = -1;  // none given
  if (ctx.argc() == 3) {
    constexpr std::string_view kNotPositive = "ERR value is out of range, must be positive";
    if (!ParseIntArg(ctx, ctx.arg(2), &count, kNotPositive)) return;
    if (count < 0) {
      ctx.reply.Error(kNotPositive);
      return;
    }
  }
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kZSet)) return;
  if (e == nullptr || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  const std::vector<ScoredMember> popped =
      PopMembers(ctx, key, e, where, count < 0 ? 1 : static_cast<size_t>(count));
  if (count < 0) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(popped[0].member);
    ctx.reply.Double(popped[0].score);
    return;
  }
  ReplyScoredMembers(ctx, popped, /*withscores=*/true);
}

void ZPopMin(CommandContext& ctx) { ZPopMinMax(ctx, Where::kMin); }
void ZPopMax(CommandContext& ctx) { ZPopMinMax(ctx, Where::kMax); }

// BZPOPMIN / BZPOPMAX key [key ...] timeout
void BlockingZPop(CommandContext& ctx, Where where) {
  int64_t deadline_ms;
  if (!ParseBlockingTimeout(ctx, ctx.arg(ctx.argc() - 1), &deadline_ms)) return;
  const auto keys = ctx.args.subspan(1, ctx.argc() - 2);
  std::string_view key;
  bool ok;
  store::Entry* e = FirstZset(ctx, keys, &key, &ok);
  if (!ok) return;
  if (e == nullptr) {
    MayBlock(ctx) ? BlockForKeys(ctx, keys, deadline_ms, store::ValueType::kZSet)
                  : ReplyTimeout(ctx, TimeoutReply::kNullArray);
    return;
  }
  const std::vector<ScoredMember> popped = PopMembers(ctx, key, e, where, 1);
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk(key);
  ctx.reply.Bulk(popped[0].member);
  ctx.reply.Double(popped[0].score);
  ctx.PropagateAs({std::string(PopName(where)), std::string(key)});
}

void BZPopMin(CommandContext& ctx) { BlockingZPop(ctx, Where::kMin); }
void BZPopMax(CommandContext& ctx) { BlockingZPop(ctx, Where::kMax); }

// Pops from the first zset among args.keys and replies [key, [[member, score], ...]] (nested
// in RESP2 too). False when no key holds a zset (nothing replied) or after WRONGTYPE (*ok
// false).
bool ZMPopFirst(CommandContext& ctx, const MultiPopArgs& args, bool* ok) {
  const Where where = args.first_end ? Where::kMin : Where::kMax;
  std::string_view key;
  store::Entry* e = FirstZset(ctx, args.keys, &key, ok);
  if (e == nullptr) return false;
  const std::vector<ScoredMember> popped =
      PopMembers(ctx, key, e, where, static_cast<size_t>(args.count));
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(key);
  ctx.reply.ArrayHeader(popped.size());
  for (const ScoredMember& m : popped) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(m.member);
    ctx.reply.Double(m.score);
  }
  ctx.PropagateAs({std::string(PopName(where)), std::string(key), std::to_string(popped.size())});
  return true;
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void ZMPop(CommandContext& ctx) {
  MultiPopArgs args;
  if (!ParseMultiPopArgs(ctx, 1, "min", "max", &args)) return;
  bool ok;
  if (!ZMPopFirst(ctx, args, &ok) && ok) ctx.reply.NullArray();
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]; the timeout is checked after
// the other arguments, as Redis does.
void BZMPop(CommandContext& ctx) {
  MultiPopArgs args;
  if (!ParseMultiPopArgs(ctx, 2, "min", "max", &args)) return;
  int64_t deadline_ms;
  if (!ParseBlockingTimeout(ctx, ctx.arg(1), &deadline_ms)) return;
  bool ok;
  if (ZMPopFirst(ctx, args, &ok) || !ok) return;
  MayBlock(ctx) ? BlockForKeys(ctx, args.keys, deadline_ms, store::ValueType::kZSet)
                : ReplyTimeout(ctx, TimeoutReply::kNullArray);
}

// ZRANDMEMBER ----------------------------------------------------------------------------

size_t RandomRank(CommandContext& ctx, const ZsetValue& zset) {
  return std::uniform_int_distribution<size_t>(0, zset.size() - 1)(ctx.server.keyspace.rng());
}

void ReplyRank(CommandContext& ctx, const ZsetValue& zset, size_t rank, bool withscores) {
  std::string_view member;
  double score;
  NumberBuffer buf;
  zset.At(rank, &member, &score, &buf);
  ReplyScoredElement(ctx, member, score, withscores);
}

// `count` distinct random members (count < size), by their ranks.
void ReplyDistinctRandom(CommandContext& ctx, const ZsetValue& zset, size_t count,
                         bool withscores) {
  const std::vector<size_t> ranks = PickDistinct<size_t>(
      ctx.server.keyspace.rng(), zset.size(), count,
      [&] {
        std::vector<size_t> all(zset.size());
        for (size_t i = 0; i < all.size(); ++i) all[i] = i;
        return all;
      },
      [&] { return RandomRank(ctx, zset); }, [](size_t rank) { return rank; });
  ReplyPicksHeader(ctx, count, withscores);
  for (size_t rank : ranks) ReplyRank(ctx, zset, rank, withscores);
}

void ZRandMemberWithCount(CommandContext& ctx, int64_t count, bool withscores) {
  bool ok;
  const ZsetValue* zset = ReadZset(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  ReplyRandomPicks(
      ctx, zset == nullptr ? 0 : zset->size(), count, withscores,
      [&] { ReplyRank(ctx, *zset, RandomRank(ctx, *zset), withscores); },
      [&] {  // highest first, as Redis 7.0 walks the whole set
        zset->ForEachInRanks(0, zset->size(), /*reverse=*/true, [&](std::string_view m, double s) {
          ReplyScoredElement(ctx, m, s, withscores);
        });
      },
      [&](size_t n) { ReplyDistinctRandom(ctx, *zset, n, withscores); });
}

// ZRANDMEMBER key [count [WITHSCORES]]
void ZRandMember(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    int64_t count;
    bool withscores;
    if (!ParseRandomCount(ctx, "withscores", &count, &withscores)) return;
    ZRandMemberWithCount(ctx, count, withscores);
    return;
  }
  bool ok;
  const ZsetValue* zset = ReadZset(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  if (zset == nullptr) {
    ctx.reply.Null();
    return;
  }
  ReplyRank(ctx, *zset, RandomRank(ctx, *zset), /*withscores=*/false);
}

}  // namespace

void RegisterZsetPopCommands(CommandTable& table) {
  constexpr std::string_view kPopComplexity =
      "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
      "number of elements popped.";
  table.Add(SingleKeySpec("zpopmin", -2, kWrite | kFast, ZPopMin, "sorted-set",
                          "Remove and return members with the lowest scores in a sorted set",
                          "5.0.0", kPopComplexity));
  table.Add(SingleKeySpec("zpopmax", -2, kWrite | kFast, ZPopMax, "sorted-set",
                          "Remove and return members with the highest scores in a sorted set",
                          "5.0.0", kPopComplexity));
  constexpr uint32_t kBlockingPop = kWrite | kNoScript | kBlocking;
  constexpr KeyRange kKeysThenTimeout{1, -2, 1};
  constexpr std::string_view kBPopComplexity =
      "O(log(N)) with N being the number of elements in the sorted set.";
  table.Add(KeysSpec("bzpopmin", -3, kBlockingPop | kFast, kKeysThenTimeout, BZPopMin, "sorted-set",
                     "Remove and return the member with the lowest score from one or more sorted "
                     "sets, or block until one is available",
                     "5.0.0", kBPopComplexity));
  table.Add(KeysSpec("bzpopmax", -3, kBlockingPop | kFast, kKeysThenTimeout, BZPopMax, "sorted-set",
                     "Remove and return the member with the highest score from one or more "
                     "sorted sets, or block until one is available",
                     "5.0.0", kBPopComplexity));
  // numkeys commands: their keys are movable.
  constexpr std::string_view kMPopComplexity =
      "O(K) + O(N*log(M)) where K is the number of provided keys, N being the number of "
      "elements in the sorted set, and M being the number of elements popped.";
  table.Add(WithKeyCount(KeylessSpec("zmpop", -4, kWrite, ZMPop, "sorted-set",
                                     "Remove and return members with scores in a sorted set",
                                     "7.0.0", kMPopComplexity),
                         1, {0, 0, 0}));
  // Redis 7.0 has no "noscript" on BZMPOP (a script's call answers at once, as in MULTI).
  table.Add(WithKeyCount(KeylessSpec("bzmpop", -5, kWrite | kBlocking, BZMPop, "sorted-set",
                                     "Remove and return members with scores in a sorted set or "
                                     "block until one is available",
                                     "7.0.0", kMPopComplexity),
                         2, {0, 0, 0}));
  table.Add(SingleKeySpec("zrandmember", -2, kReadOnly, ZRandMember, "sorted-set",
                          "Get one or multiple random elements from a sorted set", "6.2.0",
                          "O(N) where N is the number of elements returned"));
}

}  // namespace basalt::cmd
