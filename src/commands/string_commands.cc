// String commands. Skeleton: GET and a plain SET; the full group follows.
#include "commands/command_table.h"
#include "commands/helpers.h"

namespace basalt::cmd {

namespace {

void Get(CommandContext& ctx) {
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  if (e == nullptr) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(e->string_value());
  }
}

void Set(CommandContext& ctx) {
  ctx.db().SetString(ctx.arg(1), ctx.arg(2), -1);
  ctx.MarkDirty();
  ctx.reply.Ok();
}

}  // namespace

void RegisterStringCommands(CommandTable& table) {
  table.Add({.name = "get", .arity = 2, .flags = kReadOnly | kFast, .first_key = 1,
             .last_key = 1, .key_step = 1, .handler = Get, .group = "string",
             .summary = "Get the value of a key", .since = "1.0.0", .complexity = "O(1)"});
  table.Add({.name = "set", .arity = -3, .flags = kWrite | kDenyOom, .first_key = 1,
             .last_key = 1, .key_step = 1, .handler = Set, .group = "string",
             .summary = "Set the string value of a key", .since = "1.0.0",
             .complexity = "O(1)"});
}

}  // namespace basalt::cmd
