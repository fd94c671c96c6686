// Commands over several sets: SMEMBERS SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF
// SDIFFSTORE SMOVE.
//
// Every key is type-checked before anything is computed (a WRONGTYPE anywhere wins over a
// missing key elsewhere, as in Redis 7.0); a missing key is an empty set. Results are built as
// a SetValue, so a stored result gets the encoding Redis would give it (an intset when every
// member is an integer and there are few enough), and replies list members in that set's order.
#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/set_commands_internal.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

using store::SetValue;

// The sets named by `keys` (nullptr for missing ones); false after a WRONGTYPE reply.
bool CollectSets(CommandContext& ctx, std::span<const std::string_view> keys,
                 std::vector<const SetValue*>* sets) {
  for (std::string_view key : keys) {
    bool ok;
    sets->push_back(ReadSet(ctx, key, &ok));
    if (!ok) return false;
  }
  return true;
}

std::unique_ptr<SetValue> NewResult() { return std::make_unique<SetValue>(store::IntSet()); }

// Members of every set, stopping after `limit` of them (0: no limit).
std::unique_ptr<SetValue> Intersect(CommandContext& ctx, std::vector<const SetValue*> sets,
                                    size_t limit) {
  auto result = NewResult();
  if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return result;
  std::stable_sort(sets.begin(), sets.end(),
                   [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  sets.front()->ForEach([&](std::string_view m) {
    if (limit != 0 && result->size() >= limit) return;
    for (size_t i = 1; i < sets.size(); ++i) {
      if (!sets[i]->Contains(m)) return;
    }
    result->Add(m, limits);
  });
  return result;
}

std::unique_ptr<SetValue> Union(CommandContext& ctx, const std::vector<const SetValue*>& sets) {
  auto result = NewResult();
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  for (const SetValue* s : sets) {
    if (s != nullptr) s->ForEach([&](std::string_view m) { result->Add(m, limits); });
  }
  return result;
}

// Members of the first set in none of the others.
std::unique_ptr<SetValue> Difference(CommandContext& ctx,
                                     const std::vector<const SetValue*>& sets) {
  auto result = NewResult();
  if (sets.front() == nullptr) return result;
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  sets.front()->ForEach([&](std::string_view m) {
    for (size_t i = 1; i < sets.size(); ++i) {
      if (sets[i] == sets.front() || (sets[i] != nullptr && sets[i]->Contains(m))) return;
    }
    result->Add(m, limits);
  });
  return result;
}

void ReplySet(CommandContext& ctx, const SetValue& set) {
  ctx.reply.SetHeader(set.size());
  set.ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}

// Stores `result` at `dst` (replacing any value and TTL), or deletes `dst` when it is empty.
void StoreResult(CommandContext& ctx, std::string_view dst, std::unique_ptr<SetValue> result,
                 std::string_view event) {
  const auto size = static_cast<int64_t>(result->size());
  if (size > 0) {
    // An existing destination is overwritten, not deleted and created: no "new" event, as
    // Redis's setKey.
    ctx.db().SetObject(dst, store::ValueType::kSet, result.release());
    NotifyKeyspaceEvent(ctx, config::kNotifySet, event, dst);
    ctx.MarkDirty();
  } else if (ctx.db().Delete(dst)) {
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", dst);
    ctx.MarkDirty();
  }
  ctx.reply.Integer(size);
}

enum class Op { kInter, kUnion, kDiff };

std::unique_ptr<SetValue> Compute(CommandContext& ctx, Op op,
                                  const std::vector<const SetValue*>& sets) {
  switch (op) {
    case Op::kInter:
      return Intersect(ctx, sets, 0);
    case Op::kUnion:
      return Union(ctx, sets);
    case Op::kDiff:
      break;
  }
  return Difference(ctx, sets);
}

void ReplyOp(CommandContext& ctx, Op op, size_t first_key) {
  std::vector<const SetValue*> sets;
  if (!CollectSets(ctx, ctx.args.subspan(first_key), &sets)) return;
  ReplySet(ctx, *Compute(ctx, op, sets));
}

void StoreOp(CommandContext& ctx, Op op, std::string_view event) {
  std::vector<const SetValue*> sets;
  if (!CollectSets(ctx, ctx.args.subspan(2), &sets)) return;
  StoreResult(ctx, ctx.arg(1), Compute(ctx, op, sets), event);
}

void SInter(CommandContext& ctx) { ReplyOp(ctx, Op::kInter, 1); }
void SUnion(CommandContext& ctx) { ReplyOp(ctx, Op::kUnion, 1); }
void SDiff(CommandContext& ctx) { ReplyOp(ctx, Op::kDiff, 1); }
void SInterStore(CommandContext& ctx) { StoreOp(ctx, Op::kInter, "sinterstore"); }
void SUnionStore(CommandContext& ctx) { StoreOp(ctx, Op::kUnion, "sunionstore"); }
void SDiffStore(CommandContext& ctx) { StoreOp(ctx, Op::kDiff, "sdiffstore"); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCard(CommandContext& ctx) {
  int64_t numkeys;
  constexpr std::string_view kBadNumKeys = "ERR numkeys should be greater than 0";
  if (!ParseIntArg(ctx, ctx.arg(1), &numkeys, kBadNumKeys)) return;
  if (numkeys < 1) {
    ctx.reply.Error(kBadNumKeys);
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 2) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  int64_t limit = 0;
  constexpr std::string_view kBadLimit = "ERR LIMIT can't be negative";
  for (size_t j = 2 + static_cast<size_t>(numkeys); j < ctx.argc(); ++j) {
    if (IsOption(ctx.arg(j), "limit") && j + 1 < ctx.argc()) {
      if (!ParseIntArg(ctx, ctx.arg(++j), &limit, kBadLimit)) return;
      if (limit < 0) {
        ctx.reply.Error(kBadLimit);
        return;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  std::vector<const SetValue*> sets;
  if (!CollectSets(ctx, ctx.args.subspan(2, static_cast<size_t>(numkeys)), &sets)) return;
  ctx.reply.Integer(static_cast<int64_t>(Intersect(ctx, sets, static_cast<size_t>(limit))->size()));
}

// SMOVE source destination member
void SMove(CommandContext& ctx) {
  const std::string_view src_key = ctx.arg(1);
  const std::string_view dst_key = ctx.arg(2);
  const std::string_view member = ctx.arg(3);
  store::Entry* src = LookupWrite(ctx, src_key);
  store::Entry* dst = LookupWrite(ctx, dst_key);
  if (src == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (!CheckType(ctx, src, store::ValueType::kSet) ||
      !CheckType(ctx, dst, store::ValueType::kSet)) {
    return;
  }
  if (src == dst) {
    ctx.reply.Integer(AsSet(src).Contains(member) ? 1 : 0);
    return;
  }
  if (!AsSet(src).Contains(member)) {
    ctx.reply.Integer(0);
    return;
  }
  AsSet(ctx.db().PrepareModify(src)).Remove(member);
  NotifyKeyspaceEvent(ctx, config::kNotifySet, "srem", src_key);
  ctx.MarkDirty();
  DeleteIfEmptySet(ctx, src_key, src);
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  SetValue* dst_set;
  if (dst == nullptr) {
    dst_set = SetValue::NewFor(member, limits);
    ctx.db().AddObject(dst_key, store::ValueType::kSet, dst_set);
  } else {
    dst_set = &AsSet(dst);
    if (!dst_set->Contains(member)) ctx.db().PrepareModify(dst);
  }
  if (dst_set->Add(member, limits)) {
    ctx.MarkDirty();
    NotifyKeyspaceEvent(ctx, config::kNotifySet, "sadd", dst_key);
  }
  ctx.reply.Integer(1);
}

CommandSpec MultiKeySpec(std::string_view name, int arity, uint32_t flags, Handler handler,
                         int first_key, std::string_view summary, std::string_view since,
                         std::string_view complexity) {
  return KeysSpec(name, arity, flags, {first_key, -1, 1}, handler, "set", summary, since,
                  complexity);
}

}  // namespace

void RegisterSetAlgebraCommands(CommandTable& table) {
  table.Add(SingleKeySpec("smembers", 2, kReadOnly, SInter, "set", "Get all the members in a set",
                          "1.0.0", "O(N) where N is the set cardinality."));
  table.Add(MultiKeySpec("sinter", -2, kReadOnly, SInter, 1, "Intersect multiple sets", "1.0.0",
                         "O(N*M) worst case where N is the cardinality of the smallest set and M "
                         "is the number of sets."));
  table.Add(MultiKeySpec("sunion", -2, kReadOnly, SUnion, 1, "Add multiple sets", "1.0.0",
                         "O(N) where N is the total number of elements in all given sets."));
  table.Add(MultiKeySpec("sdiff", -2, kReadOnly, SDiff, 1, "Subtract multiple sets", "1.0.0",
                         "O(N) where N is the total number of elements in all given sets."));
  table.Add(MultiKeySpec("sinterstore", -3, kWrite | kDenyOom, SInterStore, 1,
                         "Intersect multiple sets and store the resulting set in a key", "1.0.0",
                         "O(N*M) worst case where N is the cardinality of the smallest set and M "
                         "is the number of sets."));
  table.Add(MultiKeySpec("sunionstore", -3, kWrite | kDenyOom, SUnionStore, 1,
                         "Add multiple sets and store the resulting set in a key", "1.0.0",
                         "O(N) where N is the total number of elements in all given sets."));
  table.Add(MultiKeySpec("sdiffstore", -3, kWrite | kDenyOom, SDiffStore, 1,
                         "Subtract multiple sets and store the resulting set in a key", "1.0.0",
                         "O(N) where N is the total number of elements in all given sets."));
  table.Add(WithKeyCount(
      KeylessSpec("sintercard", -3, kReadOnly, SInterCard, "set",
                  "Intersect multiple sets and return the cardinality of the result", "7.0.0",
                  "O(N*M) worst case where N is the cardinality of the smallest set and M is the "
                  "number of sets."),
      1, {0, 0, 0}));
  CommandSpec move = MultiKeySpec("smove", 4, kWrite | kFast, SMove, 1,
                                  "Move a member from one set to another", "1.0.0", "O(1)");
  move.last_key = 2;
  table.Add(std::move(move));
}

}  // namespace basalt::cmd
