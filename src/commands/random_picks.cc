#include "commands/random_picks.h"

#include "commands/errors.h"
#include "commands/helpers.h"

namespace basalt::cmd {

bool ParseRandomCount(CommandContext& ctx, std::string_view pair_option, int64_t* count,
                      bool* pairs) {
  if (!ParseIntArg(ctx, ctx.arg(2), count)) return false;
  if (*count == INT64_MIN) {
    ctx.reply.Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return false;
  }
  const size_t max_argc = pair_option.empty() ? 3 : 4;
  if (ctx.argc() > max_argc || (ctx.argc() == 4 && !IsOption(ctx.arg(3), pair_option))) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  *pairs = ctx.argc() == 4;
  // Twice the count must still be a valid reply length.
  if (*pairs && (*count < -(INT64_MAX / 2) || *count > INT64_MAX / 2)) {
    ctx.reply.Error("ERR value is out of range");
    return false;
  }
  return true;
}

void ReplyPicksHeader(CommandContext& ctx, size_t n, bool pairs) {
  ctx.reply.ArrayHeader(pairs && ctx.reply.protocol() < 3 ? 2 * n : n);
}

}  // namespace basalt::cmd
