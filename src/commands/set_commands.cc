// Set commands on one key: SADD SREM SCARD SISMEMBER SMISMEMBER SPOP SRANDMEMBER SSCAN, over
// store::SetValue. The commands over several sets live in set_algebra_commands.cc.
// Conventions: see hash_commands.cc.
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/random_picks.h"
#include "commands/set_commands_internal.h"
#include "common/strings.h"

namespace basalt::cmd {

using store::NumberBuffer;
using store::SetValue;

const SetValue* ReadSet(CommandContext& ctx, std::string_view key, bool* ok) {
  store::Entry* e = LookupRead(ctx, key);
  *ok = CheckType(ctx, e, store::ValueType::kSet);
  return *ok && e != nullptr ? &AsSet(e) : nullptr;
}

void ReplyMembers(CommandContext& ctx, const std::vector<std::string>& members, bool as_set) {
  as_set ? ctx.reply.SetHeader(members.size()) : ctx.reply.ArrayHeader(members.size());
  for (const std::string& m : members) ctx.reply.Bulk(m);
}

namespace {

void SAdd(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kSet)) return;
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  int64_t added = 0;
  if (e == nullptr) {
    SetValue* set = SetValue::NewFor(ctx.arg(2), limits);
    ctx.db().AddObject(key, store::ValueType::kSet, set);
    for (size_t i = 2; i < ctx.argc(); ++i) added += set->Add(ctx.arg(i), limits);
  } else {
    // Announced only when something is added: SADD of existing members changes nothing. One
    // lookup per member decides both that and whether to add it.
    SetValue& set = AsSet(e);
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (set.Contains(ctx.arg(i))) continue;
      if (added++ == 0) ctx.db().PrepareModify(e);
      set.AddAbsent(ctx.arg(i), limits);
    }
  }
  ctx.reply.Integer(added);
  if (added == 0) return;
  ctx.MarkDirty(added);
  NotifyKeyspaceEvent(ctx, config::kNotifySet, "sadd", key);
}

void SRem(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kSet)) return;
  int64_t removed = 0;
  for (size_t i = 2; e != nullptr && i < ctx.argc(); ++i) {
    SetValue& set = AsSet(e);
    if (!set.Contains(ctx.arg(i))) continue;
    if (removed == 0) ctx.db().PrepareModify(e);
    set.Remove(ctx.arg(i));
    ++removed;
    if (set.size() == 0) break;
  }
  ctx.reply.Integer(removed);
  if (removed == 0) return;
  ctx.MarkDirty(removed);
  NotifyKeyspaceEvent(ctx, config::kNotifySet, "srem", key);
  DeleteIfEmptySet(ctx, key, e);
}

void SCard(CommandContext& ctx) {
  bool ok;
  const SetValue* set = ReadSet(ctx, ctx.arg(1), &ok);
  if (ok) ctx.reply.Integer(set == nullptr ? 0 : static_cast<int64_t>(set->size()));
}

void SIsMember(CommandContext& ctx) {
  bool ok;
  const SetValue* set = ReadSet(ctx, ctx.arg(1), &ok);
  if (ok) ctx.reply.Integer(set != nullptr && set->Contains(ctx.arg(2)) ? 1 : 0);
}

void SMIsMember(CommandContext& ctx) {
  bool ok;
  const SetValue* set = ReadSet(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Integer(set != nullptr && set->Contains(ctx.arg(i)) ? 1 : 0);
  }
}

// SPOP builds a new set of the members that stay, rather than removing the popped ones, when
// it pops at least this many times as many as stay (Redis's SPOP_MOVE_STRATEGY_MUL).
constexpr size_t kSpopRebuildFactor = 5;

// Removes `count` random members (fewer than the set holds) and returns them, in reply order.
// As Redis 7.0's spopWithCountCommand, by how many members stay (remaining = size - count):
//  - remaining * 5 > count: random draws, each removed as drawn (reply in draw order);
//  - otherwise, `remaining` random draws move to a new set, built as SADD builds one (an
//    intset when the first survivor is an integer, converted by the usual rules), which then
//    becomes the key's value: a hashtable whose survivors are few integers comes out an
//    intset. The reply is what the old set still holds, in its iteration order (ascending for
//    an intset).
std::vector<std::string> PopRandom(CommandContext& ctx, SetValue& set, size_t count) {
  std::vector<std::string> popped;
  popped.reserve(count);
  std::mt19937_64& rng = ctx.server.keyspace.rng();
  const size_t remaining = set.size() - count;
  if (remaining * kSpopRebuildFactor > count) {
    while (popped.size() < count) {
      NumberBuffer buf;
      popped.emplace_back(set.Random(rng, &buf));
      set.Remove(popped.back());
    }
    return popped;
  }
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  std::unique_ptr<SetValue> survivors;
  for (size_t i = 0; i < remaining; ++i) {
    NumberBuffer buf;
    const std::string member(set.Random(rng, &buf));
    if (survivors == nullptr) survivors.reset(SetValue::NewFor(member, limits));
    survivors->Add(member, limits);
    set.Remove(member);
  }
  set.ForEach([&](std::string_view m) { popped.emplace_back(m); });
  // The survivors take the value's place (its entry, and so its TTL, stay).
  if (survivors != nullptr) set.Swap(*survivors);
  return popped;
}

// SPOP key count. Propagated as Redis 7.0 does: a DEL when the whole set goes, else one
// "SREM key member" per popped member, which the write stream wraps in MULTI ... EXEC when
// there are several (Redis 7.2 batches them 1024 to an SREM; 7.0 does not).
void SPopWithCount(CommandContext& ctx) {
  int64_t count;
  if (!ParseIntArg(ctx, ctx.arg(2), &count, "ERR value is out of range, must be positive")) return;
  if (count < 0) {
    ctx.reply.Error("ERR value is out of range, must be positive");
    return;
  }
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kSet)) return;
  if (e == nullptr || count == 0) {
    ctx.reply.SetHeader(0);
    return;
  }
  SetValue& set = AsSet(ctx.db().PrepareModify(e));
  NotifyKeyspaceEvent(ctx, config::kNotifySet, "spop", key);
  if (static_cast<uint64_t>(count) >= set.size()) {
    std::vector<std::string> all;
    set.ForEach([&](std::string_view m) { all.emplace_back(m); });
    // Redis adds the requested count to its dirty counter here (and can overflow it); the
    // members popped are counted instead, plus the deletion.
    ctx.MarkDirty(static_cast<int64_t>(all.size()) + 1);
    ReplyMembers(ctx, all, /*as_set=*/true);
    ctx.db().Delete(key);
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
    ctx.PropagateAs({"DEL", std::string(key)});
    return;
  }
  std::vector<std::string> popped = PopRandom(ctx, set, static_cast<size_t>(count));
  ctx.MarkDirty(count + 1);
  ReplyMembers(ctx, popped, /*as_set=*/true);
  for (std::string& member : popped) {
    ctx.PropagateAs({"SREM", std::string(key), std::move(member)});
  }
}

void SPop(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    SPopWithCount(ctx);
    return;
  }
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kSet)) return;
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  SetValue& set = AsSet(ctx.db().PrepareModify(e));
  NumberBuffer buf;
  const std::string member(set.Random(ctx.server.keyspace.rng(), &buf));
  set.Remove(member);
  ctx.reply.Bulk(member);
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifySet, "spop", key);
  ctx.PropagateAs({"SREM", std::string(key), member});
  DeleteIfEmptySet(ctx, key, e);
}

// `count` distinct random members of set (count < its size).
void ReplyDistinctRandom(CommandContext& ctx, const SetValue& set, size_t count) {
  const std::vector<std::string> members = PickDistinct<std::string>(
      ctx.server.keyspace.rng(), set.size(), count,
      [&] {
        std::vector<std::string> all;
        set.ForEach([&](std::string_view m) { all.emplace_back(m); });
        return all;
      },
      [&] {
        NumberBuffer buf;
        return std::string(set.Random(ctx.server.keyspace.rng(), &buf));
      },
      [](const std::string& m) { return m; });
  ReplyMembers(ctx, members, /*as_set=*/false);
}

void SRandMemberWithCount(CommandContext& ctx) {
  int64_t count;
  bool pairs;
  if (!ParseRandomCount(ctx, /*pair_option=*/"", &count, &pairs)) return;
  bool ok;
  const SetValue* set = ReadSet(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  ReplyRandomPicks(
      ctx, set == nullptr ? 0 : set->size(),
      count == 1 ? -1 : count,  // one pick is one draw, as Redis makes it
      /*pairs=*/false,
      [&] {
        NumberBuffer buf;
        ctx.reply.Bulk(set->Random(ctx.server.keyspace.rng(), &buf));
      },
      [&] { set->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); }); },
      [&](size_t n) { ReplyDistinctRandom(ctx, *set, n); });
}

void SRandMember(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    SRandMemberWithCount(ctx);
    return;
  }
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  bool ok;
  const SetValue* set = ReadSet(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  if (set == nullptr) {
    ctx.reply.Null();
    return;
  }
  NumberBuffer buf;
  ctx.reply.Bulk(set->Random(ctx.server.keyspace.rng(), &buf));
}

// SSCAN key cursor [MATCH pattern] [COUNT count]; an intset answers whole with cursor 0.
void SScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) {
    ctx.reply.Error(err::kInvalidCursor);
    return;
  }
  bool ok;
  const SetValue* set = ReadSet(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  if (set == nullptr) {
    ReplyScan(ctx, 0, {});
    return;
  }
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 3, /*allow_type=*/false, &opts)) return;
  std::vector<std::string> found;
  auto collect = [&](std::string_view m) {
    if (!opts.has_pattern || GlobMatch(opts.pattern, m)) found.emplace_back(m);
  };
  if (set->is_intset()) {
    cursor = set->Scan(0, collect);
  } else {
    cursor = WalkScanSteps(cursor, opts.count, [&](uint64_t at, uint64_t* seen) {
      return set->Scan(at, [&](std::string_view m) {
        ++*seen;
        collect(m);
      });
    });
  }
  ReplyScan(ctx, cursor, found);
}

}  // namespace

void DeleteIfEmptySet(CommandContext& ctx, std::string_view key, store::Entry* e) {
  if (AsSet(e).size() != 0) return;
  ctx.db().Delete(key);
  NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
}

void RegisterSetCommands(CommandTable& table) {
  auto add = [&](std::string_view name, int arity, uint32_t flags, Handler handler,
                 std::string_view summary, std::string_view since,
                 std::string_view complexity = "O(1)") {
    table.Add(SingleKeySpec(name, arity, flags, handler, "set", summary, since, complexity));
  };
  add("sadd", -3, kWrite | kDenyOom | kFast, SAdd, "Add one or more members to a set", "1.0.0",
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.");
  add("srem", -3, kWrite | kFast, SRem, "Remove one or more members from a set", "1.0.0",
      "O(N) where N is the number of members to be removed.");
  add("scard", 2, kReadOnly | kFast, SCard, "Get the number of members in a set", "1.0.0");
  add("sismember", 3, kReadOnly | kFast, SIsMember,
      "Determine if a given value is a member of a set", "1.0.0");
  add("smismember", -3, kReadOnly | kFast, SMIsMember,
      "Returns the membership associated with the given elements for a set", "6.2.0",
      "O(N) where N is the number of elements being checked for membership");
  add("spop", -2, kWrite | kFast, SPop,
      "Remove and return one or multiple random members from a set", "1.0.0",
      "Without the count argument O(1), otherwise O(N) where N is the value of the "
      "passed count.");
  add("srandmember", -2, kReadOnly, SRandMember, "Get one or multiple random members from a set",
      "1.0.0",
      "Without the count argument O(1), otherwise O(N) where N is the absolute value of "
      "the passed count.");
  add("sscan", -3, kReadOnly, SScan, "Incrementally iterate Set elements", "2.8.0",
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
      "the cursor to return back to 0. N is the number of elements inside the collection..");
  RegisterSetAlgebraCommands(table);
}

}  // namespace basalt::cmd
