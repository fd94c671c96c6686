// What SRANDMEMBER, HRANDFIELD and ZRANDMEMBER share when given a count: the count's checks and
// errors (Redis 7.0's), the reply header of pairs, and how distinct picks are made.
//
// A count >= 0 asks for that many distinct elements (the whole collection when it has no more),
// a negative one for -count independent draws, repetitions allowed (bounded: RepeatedPickReply).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "commands/command.h"
#include "commands/helpers.h"

namespace basalt::cmd {

// Parses the count argument (ctx.arg(2)) and, when `pair_option` is not empty, the option that
// asks for pairs (ctx.arg(3): WITHVALUES, WITHSCORES). False when Redis refuses them, its error
// replied: not an integer, INT64_MIN (its negation does not fit), a wrong option, or with pairs
// a count whose double would not fit a reply length.
bool ParseRandomCount(CommandContext& ctx, std::string_view pair_option, int64_t* count,
                      bool* pairs);

// The array header of n picks: with pairs, flat in RESP2 (2n elements), nested in RESP3 (n).
void ReplyPicksHeader(CommandContext& ctx, size_t n, bool pairs);

// `count` distinct elements of a collection of `size` (0 < count < size): `every()` returns all
// of them as Items, `draw()` one at random, `identity(item)` what makes two picks the same.
// Close to the whole collection (count * 3 > size) a partial shuffle of every element is
// cheaper than drawing again and again for the last few new ones; far from it, draws until
// enough distinct ones never copy the whole collection.
template <typename Item, typename Every, typename Draw, typename Identity>
std::vector<Item> PickDistinct(std::mt19937_64& rng, size_t size, size_t count, Every every,
                               Draw draw, Identity identity) {
  if (count * 3 > size) {
    std::vector<Item> all = every();
    for (size_t i = 0; i < count; ++i) {
      std::swap(all[i], all[std::uniform_int_distribution<size_t>(i, all.size() - 1)(rng)]);
    }
    all.resize(count);
    return all;
  }
  std::vector<Item> picked;
  std::unordered_set<std::decay_t<decltype(identity(std::declval<const Item&>()))>> seen;
  while (picked.size() < count) {
    Item item = draw();
    if (seen.insert(identity(item)).second) picked.push_back(std::move(item));
  }
  return picked;
}

// The reply to a count of picks (count_arg, checked by ParseRandomCount) from a collection of
// `size` elements (0: the key is missing): reply_draw() replies one random element,
// reply_every() every element, reply_distinct(n) the header and n distinct elements (n < size).
template <typename ReplyDraw, typename ReplyEvery, typename ReplyDistinct>
void ReplyRandomPicks(CommandContext& ctx, size_t size, int64_t count_arg, bool pairs,
                      ReplyDraw reply_draw, ReplyEvery reply_every, ReplyDistinct reply_distinct) {
  const bool distinct = count_arg >= 0;
  const auto count = static_cast<size_t>(distinct ? count_arg : -count_arg);
  if (count == 0 || size == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  if (!distinct) {  // repetitions allowed: independent draws
    // Bounded (see RepeatedPickReply): Redis 7.0 runs out of memory for a count like -2^40.
    RepeatedPickReply bounded(ctx);
    if (!bounded.Admit(count, RepeatedPickReply::kMinPickBytes * (pairs ? 2 : 1))) return;
    ReplyPicksHeader(ctx, count, pairs);
    for (size_t i = 0; i < count; ++i) {
      reply_draw();
      if (!bounded.StillFits()) return;
    }
    return;
  }
  if (count >= size) {
    ReplyPicksHeader(ctx, size, pairs);
    reply_every();
    return;
  }
  reply_distinct(count);
}

}  // namespace basalt::cmd
