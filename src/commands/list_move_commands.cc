// Moving elements between lists: LMOVE, RPOPLPUSH (and, through MoveListElement, the blocking
// forms in blocking_commands.cc).
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

}  // namespace

bool MoveListElement(CommandContext& ctx, End from, End to) {
  const std::string_view src_key = ctx.arg(1);
  const std::string_view dst_key = ctx.arg(2);
  store::Entry* src = LookupWrite(ctx, src_key);
  if (!CheckType(ctx, src, store::ValueType::kList)) return false;
  if (src == nullptr) {
    ctx.reply.Null();
    return false;
  }
  store::Entry* dst = LookupWrite(ctx, dst_key);
  if (!CheckType(ctx, dst, store::ValueType::kList)) return false;
  MoveElement(ctx, src_key, src, dst_key, dst, from, to);
  return true;
}

namespace {

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void LMove(CommandContext& ctx) {
  End from;
  End to;
  if (!ParseEnd(ctx, ctx.arg(3), &from) || !ParseEnd(ctx, ctx.arg(4), &to)) return;
  MoveListElement(ctx, from, to);
}

void RPopLPush(CommandContext& ctx) { MoveListElement(ctx, End::kTail, End::kHead); }

}  // namespace

void RegisterListMoveCommands(CommandTable& table) {
  table.Add(KeysSpec("lmove", 5, kWrite | kDenyOom, {1, 2, 1}, LMove, "list",
                     "Pop an element from a list, push it to another list and return it", "6.2.0"));
  table.Add(KeysSpec("rpoplpush", 3, kWrite | kDenyOom, {1, 2, 1}, RPopLPush, "list",
                     "Remove the last element in a list, prepend it to another list and return it",
                     "1.2.0"));
}

}  // namespace basalt::cmd
