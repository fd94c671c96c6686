// List commands on one key: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LINDEX LSET LRANGE LTRIM
// LREM LINSERT LPOS, over store::ListValue. Moving between lists (LMOVE, RPOPLPUSH, LMPOP) is in
// list_move_commands.cc. Conventions: see hash_commands.cc.
#include <string>
#include <vector>

#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/list_commands_internal.h"
#include "common/strings.h"

namespace basalt::cmd {

using store::ListValue;
using store::NumberBuffer;

void PushToList(CommandContext& ctx, std::string_view key, store::Entry* e, std::string_view v,
                End end) {
  ListValue* list;
  if (e == nullptr) {
    list = new ListValue();
    ctx.db().AddObject(key, store::ValueType::kList, list);
  } else {
    list = &AsList(e);
  }
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  end == End::kHead ? list->PushFront(v, limits) : list->PushBack(v, limits);
}

void PopRangeAndReply(CommandContext& ctx, std::string_view key, store::Entry* e, End end,
                      size_t count) {
  ListValue& list = AsList(e);
  const size_t n = std::min(count, list.size());
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    ctx.reply.Bulk(end == End::kHead ? list.PopFront() : list.PopBack());
  }
  NotifyKeyspaceEvent(ctx, config::kNotifyList, end == End::kHead ? "lpop" : "rpop", key);
  if (list.size() == 0) {
    ctx.db().Delete(key);
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
  }
}

bool ParseEnd(CommandContext& ctx, std::string_view text, End* end) {
  if (IsOption(text, "left")) {
    *end = End::kHead;
  } else if (IsOption(text, "right")) {
    *end = End::kTail;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  return true;
}

namespace {

// The list at `key` for a read: nullptr when absent; *ok is false after a WRONGTYPE reply.
const ListValue* ReadList(CommandContext& ctx, std::string_view key, bool* ok) {
  store::Entry* e = LookupRead(ctx, key);
  *ok = CheckType(ctx, e, store::ValueType::kList);
  return *ok && e != nullptr ? &AsList(e) : nullptr;
}

// Turns a Redis index (negative from the end) into a position; false when out of range.
bool NormalizeIndex(int64_t index, size_t size, size_t* out) {
  if (index < 0) index += static_cast<int64_t>(size);
  if (index < 0 || index >= static_cast<int64_t>(size)) return false;
  *out = static_cast<size_t>(index);
  return true;
}

void PushGeneric(CommandContext& ctx, End end, bool only_existing) {
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kList)) return;
  if (e == nullptr && only_existing) {
    ctx.reply.Integer(0);
    return;
  }
  if (e != nullptr) ctx.db().PrepareModify(e);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    PushToList(ctx, key, e, ctx.arg(i), end);
    if (e == nullptr) e = ctx.db().LookupRaw(key);
  }
  ctx.reply.Integer(static_cast<int64_t>(AsList(e).size()));
  ctx.MarkDirty(static_cast<int64_t>(ctx.argc() - 2));
  NotifyKeyspaceEvent(ctx, config::kNotifyList, end == End::kHead ? "lpush" : "rpush", key);
}

void LPush(CommandContext& ctx) { PushGeneric(ctx, End::kHead, false); }
void RPush(CommandContext& ctx) { PushGeneric(ctx, End::kTail, false); }
void LPushX(CommandContext& ctx) { PushGeneric(ctx, End::kHead, true); }
void RPushX(CommandContext& ctx) { PushGeneric(ctx, End::kTail, true); }

// LPOP / RPOP key [count]
void PopGeneric(CommandContext& ctx, End end) {
  if (ctx.argc() > 3) {
    ctx.reply.Error("ERR wrong number of arguments for '" + ctx.spec.full_name + "' command");
    return;
  }
  const bool has_count = ctx.argc() == 3;
  int64_t count = 0;
  if (has_count) {
    constexpr std::string_view kBadCount = "ERR value is out of range, must be positive";
    if (!ParseIntArg(ctx, ctx.arg(2), &count, kBadCount)) return;
    if (count < 0) {
      ctx.reply.Error(kBadCount);
      return;
    }
  }
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kList)) return;
  if (e == nullptr) {
    has_count ? ctx.reply.NullArray() : ctx.reply.Null();
    return;
  }
  if (has_count && count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  ctx.db().PrepareModify(e);
  ctx.MarkDirty();
  if (has_count) {
    PopRangeAndReply(ctx, key, e, end, static_cast<size_t>(count));
    return;
  }
  ListValue& list = AsList(e);
  ctx.reply.Bulk(end == End::kHead ? list.PopFront() : list.PopBack());
  NotifyKeyspaceEvent(ctx, config::kNotifyList, end == End::kHead ? "lpop" : "rpop", key);
  if (list.size() == 0) {
    ctx.db().Delete(key);
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
  }
}

void LPop(CommandContext& ctx) { PopGeneric(ctx, End::kHead); }
void RPop(CommandContext& ctx) { PopGeneric(ctx, End::kTail); }

void LLen(CommandContext& ctx) {
  bool ok;
  const ListValue* list = ReadList(ctx, ctx.arg(1), &ok);
  if (ok) ctx.reply.Integer(list == nullptr ? 0 : static_cast<int64_t>(list->size()));
}

void LIndex(CommandContext& ctx) {
  bool ok;
  const ListValue* list = ReadList(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  if (list == nullptr) {  // answered before the index is even parsed, as in Redis
    ctx.reply.Null();
    return;
  }
  int64_t index;
  if (!ParseIntArg(ctx, ctx.arg(2), &index)) return;
  size_t at;
  if (!NormalizeIndex(index, list->size(), &at)) {
    ctx.reply.Null();
    return;
  }
  NumberBuffer buf;
  ctx.reply.Bulk(list->At(at, &buf));
}

void LSet(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (e == nullptr) {
    ctx.reply.Error(err::kNoSuchKey);
    return;
  }
  if (!CheckType(ctx, e, store::ValueType::kList)) return;
  int64_t index;
  if (!ParseIntArg(ctx, ctx.arg(2), &index)) return;
  size_t at;
  if (!NormalizeIndex(index, AsList(e).size(), &at)) {
    ctx.reply.Error("ERR index out of range");
    return;
  }
  AsList(ctx.db().PrepareModify(e)).Set(at, ctx.arg(3), ctx.server.keyspace.encoding_limits());
  ctx.reply.Ok();
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyList, "lset", key);
}

void LRange(CommandContext& ctx) {
  int64_t start;
  int64_t stop;
  if (!ParseIntArg(ctx, ctx.arg(2), &start) || !ParseIntArg(ctx, ctx.arg(3), &stop)) return;
  bool ok;
  const ListValue* list = ReadList(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  size_t from;
  size_t to;
  if (list == nullptr || !ClampRange(start, stop, list->size(), &from, &to)) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  ctx.reply.ArrayHeader(to - from + 1);
  list->ForRange(from, to, [&](std::string_view v) { ctx.reply.Bulk(v); });
}

void LTrim(CommandContext& ctx) {
  int64_t start;
  int64_t stop;
  if (!ParseIntArg(ctx, ctx.arg(2), &start) || !ParseIntArg(ctx, ctx.arg(3), &stop)) return;
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kList)) return;
  ctx.reply.Ok();
  if (e == nullptr) return;
  ListValue& list = AsList(e);
  size_t from = 0;
  size_t to = 0;
  const bool keep_some = ClampRange(start, stop, list.size(), &from, &to);
  const size_t removed = keep_some ? list.size() - (to - from + 1) : list.size();
  // Redis counts removed elements as changes, so a trim that removes nothing is not
  // propagated; it still touches the key (WATCH) and sends the event.
  ctx.db().PrepareModify(e);
  ctx.MarkDirty(static_cast<int64_t>(removed));
  NotifyKeyspaceEvent(ctx, config::kNotifyList, "ltrim", key);
  if (removed == 0) return;
  if (keep_some) {
    list.Trim(from, to);
  } else {
    ctx.db().Delete(key);
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
  }
}

void LRem(CommandContext& ctx) {
  int64_t count;
  if (!ParseIntArg(ctx, ctx.arg(2), &count)) return;
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kList)) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  // Announcing first is harmless when nothing matches only if something matches: check.
  bool any = false;
  AsList(e).Walk(true, [&](size_t, std::string_view v) { return !(any = v == ctx.arg(3)); });
  if (!any) {
    ctx.reply.Integer(0);
    return;
  }
  const size_t removed = AsList(ctx.db().PrepareModify(e)).Remove(ctx.arg(3), count);
  ctx.reply.Integer(static_cast<int64_t>(removed));
  ctx.MarkDirty(static_cast<int64_t>(removed));
  NotifyKeyspaceEvent(ctx, config::kNotifyList, "lrem", key);
  if (AsList(e).size() == 0) {
    ctx.db().Delete(key);
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
  }
}

// LINSERT key BEFORE|AFTER pivot element
void LInsert(CommandContext& ctx) {
  bool after;
  if (IsOption(ctx.arg(2), "after")) {
    after = true;
  } else if (IsOption(ctx.arg(2), "before")) {
    after = false;
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kList)) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  bool found = false;
  AsList(e).Walk(true, [&](size_t, std::string_view v) { return !(found = v == ctx.arg(3)); });
  if (!found) {
    ctx.reply.Integer(-1);
    return;
  }
  ListValue& list = AsList(ctx.db().PrepareModify(e));
  list.InsertAtPivot(ctx.arg(3), ctx.arg(4), after, ctx.server.keyspace.encoding_limits());
  ctx.reply.Integer(static_cast<int64_t>(list.size()));
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyList, "linsert", key);
}

struct PosOptions {
  int64_t rank = 1;
  int64_t count = -1;  // -1: not given (reply one index or null)
  int64_t maxlen = 0;
};

bool ParsePosOptions(CommandContext& ctx, PosOptions* o) {
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.arg(j);
    const bool more = j + 1 < ctx.argc();
    if (IsOption(opt, "rank") && more) {
      // Any 64-bit integer but 0. RANK -9223372036854775808 is accepted as by Redis 7.0.15
      // (7.2 refuses it): see LPos for what it means.
      if (!ParseIntArg(ctx, ctx.arg(++j), &o->rank)) return false;
      if (o->rank == 0) {
        ctx.reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
        return false;
      }
    } else if ((IsOption(opt, "count") || IsOption(opt, "maxlen")) && more) {
      const bool is_count = IsOption(opt, "count");
      const std::string error =
          is_count ? "ERR COUNT can't be negative" : "ERR MAXLEN can't be negative";
      int64_t* field = is_count ? &o->count : &o->maxlen;
      if (!ParseIntArg(ctx, ctx.arg(++j), field, error)) return false;
      if (*field < 0) {
        ctx.reply.Error(error);
        return false;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void LPos(CommandContext& ctx) {
  PosOptions o;
  if (!ParsePosOptions(ctx, &o)) return;
  bool ok;
  const ListValue* list = ReadList(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  std::vector<int64_t> found;
  if (list != nullptr) {
    // The number of matches to skip, plus one, and how many to return (0: all).
    // RANK -9223372036854775808 as Redis 7.0.15 answers it, whose arithmetic is in longs:
    // negating LLONG_MIN leaves LLONG_MIN, so its "matches >= rank" test holds from the first
    // match on (a search from the tail that skips nothing, as RANK -1), and its COUNT test,
    // "matches - rank + 1 >= count", overflows to a negative number and never stops the
    // search: with any COUNT, every match (within MAXLEN) is returned. The same here, without
    // the overflow.
    const bool llong_min_rank = o.rank == INT64_MIN;
    const uint64_t rank = llong_min_rank ? 1
                          : o.rank < 0   ? static_cast<uint64_t>(-o.rank)
                                         : static_cast<uint64_t>(o.rank);
    const int64_t count = llong_min_rank && o.count > 0 ? 0 : o.count;
    uint64_t matches = 0;
    uint64_t scanned = 0;
    list->Walk(o.rank > 0, [&](size_t index, std::string_view v) {
      if (o.maxlen != 0 && scanned++ >= static_cast<uint64_t>(o.maxlen)) return false;
      if (v != ctx.arg(2) || ++matches < rank) return true;
      found.push_back(static_cast<int64_t>(index));
      return count > 0 ? found.size() < static_cast<uint64_t>(count) : count == 0;
    });
  }
  if (o.count == -1) {
    found.empty() ? ctx.reply.Null() : ctx.reply.Integer(found.front());
    return;
  }
  ctx.reply.ArrayHeader(found.size());
  for (int64_t i : found) ctx.reply.Integer(i);
}

}  // namespace

void RegisterListCommands(CommandTable& table) {
  auto add = [&](std::string_view name, int arity, uint32_t flags, Handler handler,
                 std::string_view summary, std::string_view since,
                 std::string_view complexity = "O(1)") {
    table.Add(SingleKeySpec(name, arity, flags, handler, "list", summary, since, complexity));
  };
  constexpr std::string_view kPerElement =
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.";
  constexpr std::string_view kPopCount = "O(N) where N is the number of elements returned";
  add("lpush", -3, kWrite | kDenyOom | kFast, LPush, "Prepend one or multiple elements to a list",
      "1.0.0", kPerElement);
  add("rpush", -3, kWrite | kDenyOom | kFast, RPush, "Append one or multiple elements to a list",
      "1.0.0", kPerElement);
  add("lpushx", -3, kWrite | kDenyOom | kFast, LPushX,
      "Prepend an element to a list, only if the list exists", "2.2.0", kPerElement);
  add("rpushx", -3, kWrite | kDenyOom | kFast, RPushX,
      "Append an element to a list, only if the list exists", "2.2.0", kPerElement);
  add("lpop", -2, kWrite | kFast, LPop, "Remove and get the first elements in a list", "1.0.0",
      kPopCount);
  add("rpop", -2, kWrite | kFast, RPop, "Remove and get the last elements in a list", "1.0.0",
      kPopCount);
  add("llen", 2, kReadOnly | kFast, LLen, "Get the length of a list", "1.0.0");
  add("lindex", 3, kReadOnly, LIndex, "Get an element from a list by its index", "1.0.0",
      "O(N) where N is the number of elements to traverse to get to the element at index.");
  add("lset", 4, kWrite | kDenyOom, LSet, "Set the value of an element in a list by its index",
      "1.0.0", "O(N) where N is the length of the list.");
  add("lrange", 4, kReadOnly, LRange, "Get a range of elements from a list", "1.0.0",
      "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest "
      "end (HEAD or TAIL) for large lists; and N is the number of elements in the specified "
      "range.");
  add("ltrim", 4, kWrite, LTrim, "Trim a list to the specified range", "1.0.0",
      "O(N) where N is the number of elements to be removed by the operation.");
  add("lrem", 4, kWrite, LRem, "Remove elements from a list", "1.0.0",
      "O(N+M) where N is the length of the list and M is the number of elements removed.");
  add("linsert", 5, kWrite | kDenyOom, LInsert,
      "Insert an element before or after another element in a list", "2.2.0",
      "O(N) where N is the number of elements to traverse before seeing the value pivot.");
  add("lpos", -3, kReadOnly, LPos, "Return the index of matching elements on a list", "6.0.6",
      "O(N) where N is the number of elements in the list, for the average case.");
  RegisterListMoveCommands(table);
}

}  // namespace basalt::cmd
