// Moving elements between lists and popping from the first non-empty of several: LMOVE,
// RPOPLPUSH, LMPOP.
#include <string>
#include <vector>

#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/list_commands_internal.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

// Pops from `from` of src and pushes to `to` of dst (which may be the same list), replying the
// element; src must hold a non-empty list. Events: the push on dst, then the pop on src.
void MoveElement(CommandContext& ctx, std::string_view src_key, store::Entry* src,
                 std::string_view dst_key, store::Entry* dst, End from, End to) {
  store::ListValue& source = AsList(ctx.db().PrepareModify(src));
  const std::string value = from == End::kHead ? source.PopFront() : source.PopBack();
  const bool same = src == dst;
  if (dst != nullptr && !same) ctx.db().PrepareModify(dst);
  // The source may have just emptied; it is still stored, so a rotation pushes back into it.
  PushToList(ctx, dst_key, same ? src : dst, value, to);
  NotifyKeyspaceEvent(ctx, config::kNotifyList, to == End::kHead ? "lpush" : "rpush", dst_key);
  ctx.reply.Bulk(value);
  NotifyKeyspaceEvent(ctx, config::kNotifyList, from == End::kHead ? "lpop" : "rpop", src_key);
  if (AsList(src).size() == 0) {
    ctx.db().Delete(src_key);
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", src_key);
  }
  ctx.MarkDirty();
}

void MoveGeneric(CommandContext& ctx, End from, End to) {
  const std::string_view src_key = ctx.arg(1);
  const std::string_view dst_key = ctx.arg(2);
  store::Entry* src = LookupWrite(ctx, src_key);
  if (!CheckType(ctx, src, store::ValueType::kList)) return;
  if (src == nullptr) {
    ctx.reply.Null();
    return;
  }
  store::Entry* dst = LookupWrite(ctx, dst_key);
  if (!CheckType(ctx, dst, store::ValueType::kList)) return;
  MoveElement(ctx, src_key, src, dst_key, dst, from, to);
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void LMove(CommandContext& ctx) {
  End from;
  End to;
  if (!ParseEnd(ctx, ctx.arg(3), &from) || !ParseEnd(ctx, ctx.arg(4), &to)) return;
  MoveGeneric(ctx, from, to);
}

void RPopLPush(CommandContext& ctx) { MoveGeneric(ctx, End::kTail, End::kHead); }

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops from the first non-empty list and
// replies [key, [elements]], or a null array when every list is empty. Propagated as the
// LPOP / RPOP with a count that did the work.
void LMPop(CommandContext& ctx) {
  int64_t numkeys;
  constexpr std::string_view kBadNumKeys = "ERR numkeys should be greater than 0";
  if (!ParseIntArg(ctx, ctx.arg(1), &numkeys, kBadNumKeys)) return;
  if (numkeys < 1) {
    ctx.reply.Error(kBadNumKeys);
    return;
  }
  const size_t where_at = 2 + static_cast<size_t>(numkeys);
  if (numkeys > static_cast<int64_t>(ctx.argc()) || where_at >= ctx.argc()) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  End end;
  if (!ParseEnd(ctx, ctx.arg(where_at), &end)) return;
  int64_t count = -1;
  constexpr std::string_view kBadCount = "ERR count should be greater than 0";
  for (size_t j = where_at + 1; j < ctx.argc(); ++j) {
    if (count == -1 && IsOption(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      if (!ParseIntArg(ctx, ctx.arg(++j), &count, kBadCount)) return;
      if (count < 1) {
        ctx.reply.Error(kBadCount);
        return;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if (count == -1) count = 1;
  for (size_t k = 2; k < where_at; ++k) {
    const std::string_view key = ctx.arg(k);
    store::Entry* e = LookupWrite(ctx, key);
    if (e == nullptr) continue;
    if (!CheckType(ctx, e, store::ValueType::kList)) return;
    ctx.db().PrepareModify(e);
    ctx.MarkDirty();
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    const std::string popped_count =
        Int64ToString(std::min<int64_t>(count, static_cast<int64_t>(AsList(e).size())));
    PopRangeAndReply(ctx, key, e, end, static_cast<size_t>(count));
    ctx.PropagateAs({end == End::kHead ? "LPOP" : "RPOP", std::string(key), popped_count});
    return;
  }
  ctx.reply.NullArray();
}

}  // namespace

void RegisterListMoveCommands(CommandTable& table) {
  table.Add({.name = "lmove",
             .arity = 5,
             .flags = kWrite | kDenyOom,
             .first_key = 1,
             .last_key = 2,
             .key_step = 1,
             .handler = LMove,
             .group = "list",
             .summary = "Pop an element from a list, push it to another list and return it",
             .since = "6.2.0",
             .complexity = "O(1)"});
  table.Add({.name = "rpoplpush",
             .arity = 3,
             .flags = kWrite | kDenyOom,
             .first_key = 1,
             .last_key = 2,
             .key_step = 1,
             .handler = RPopLPush,
             .group = "list",
             .summary = "Remove the last element in a list, prepend it to another list and return "
                        "it",
             .since = "1.2.0",
             .complexity = "O(1)"});
  table.Add({.name = "lmpop",
             .arity = -4,
             .flags = kWrite,
             .first_key = 2,
             .last_key = 2,
             .key_step = 1,
             .handler = LMPop,
             .group = "list",
             .summary = "Pop elements from a list",
             .since = "7.0.0",
             .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                           "elements returned."});
}

}  // namespace basalt::cmd
