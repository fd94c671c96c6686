// The ranges of a sorted set: ZRANGE (by rank, BYSCORE, BYLEX, REV, LIMIT, WITHSCORES),
// ZRANGESTORE, the older ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX
// (the same command with its range type and direction fixed), and ZREMRANGEBYRANK
// ZREMRANGEBYSCORE ZREMRANGEBYLEX.
//
// Every range becomes a window of ascending ranks [from, to) first (O(log n) through the
// zset's counted tree), then is walked in the asked direction, so a LIMIT offset costs no walk.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/zset_commands_internal.h"

namespace basalt::cmd {

namespace {

using store::ZsetValue;

constexpr std::string_view kNotFloatRange = "ERR min or max is not a float";
constexpr std::string_view kNotLexRange = "ERR min or max not valid string range item";

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

struct RangeRequest {
  RangeType type = RangeType::kAuto;
  Direction direction = Direction::kAuto;
  bool withscores = false;
  int64_t offset = 0;
  int64_t limit = -1;  // -1: no limit (Redis's own "not given" value)
  size_t min_at = 0;   // argument positions of the range's ends, after REV's swap
  size_t max_at = 0;
};

// The options after "key min max" (`first` is the first option's position). Replies Redis's
// error and returns false on a bad one.
bool ParseRangeOptions(CommandContext& ctx, size_t first, bool store, RangeRequest* r) {
  for (size_t j = first; j < ctx.argc(); ++j) {
    const std::string_view a = ctx.arg(j);
    const size_t left = ctx.argc() - j - 1;
    if (!store && IsOption(a, "withscores")) {
      r->withscores = true;
    } else if (IsOption(a, "limit") && left >= 2) {
      if (!ParseIntArg(ctx, ctx.arg(j + 1), &r->offset) ||
          !ParseIntArg(ctx, ctx.arg(j + 2), &r->limit)) {
        return false;
      }
      j += 2;
    } else if (r->direction == Direction::kAuto && IsOption(a, "rev")) {
      r->direction = Direction::kReverse;
    } else if (r->type == RangeType::kAuto && IsOption(a, "bylex")) {
      r->type = RangeType::kLex;
    } else if (r->type == RangeType::kAuto && IsOption(a, "byscore")) {
      r->type = RangeType::kScore;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (r->direction == Direction::kAuto) r->direction = Direction::kForward;
  if (r->type == RangeType::kAuto) r->type = RangeType::kRank;
  if (r->limit != -1 && r->type == RangeType::kRank) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return false;
  }
  if (r->withscores && r->type == RangeType::kLex) {
    ctx.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return false;
  }
  // A reversed score or lex range names its high end first.
  if (r->direction == Direction::kReverse && r->type != RangeType::kRank) {
    std::swap(r->min_at, r->max_at);
  }
  return true;
}

// The parsed ends of a range of any type.
struct RangeBounds {
  int64_t start = 0;
  int64_t stop = 0;
  ScoreRange score;
  LexRange lex;
};

bool ParseRangeBounds(CommandContext& ctx, const RangeRequest& r, RangeBounds* b) {
  switch (r.type) {
    case RangeType::kScore:
      if (ParseScoreRange(ctx.arg(r.min_at), ctx.arg(r.max_at), &b->score)) return true;
      ctx.reply.Error(kNotFloatRange);
      return false;
    case RangeType::kLex:
      if (ParseLexRange(ctx.arg(r.min_at), ctx.arg(r.max_at), &b->lex)) return true;
      ctx.reply.Error(kNotLexRange);
      return false;
    default:
      return ParseIntArg(ctx, ctx.arg(r.min_at), &b->start) &&
             ParseIntArg(ctx, ctx.arg(r.max_at), &b->stop);
  }
}

// The ascending ranks [*from, *to) the request selects, walked backwards when *reverse.
void SelectRanks(const ZsetValue& z, const RangeRequest& r, const RangeBounds& b, size_t* from,
                 size_t* to) {
  const bool reverse = r.direction == Direction::kReverse;
  *from = *to = 0;
  if (r.type == RangeType::kRank) {
    size_t f;
    size_t last;
    if (!ClampRange(b.start, b.stop, z.size(), &f, &last)) return;
    const size_t t = last + 1;
    // A reversed rank range counts from the top.
    *from = reverse ? z.size() - t : f;
    *to = reverse ? z.size() - f : t;
    return;
  }
  r.type == RangeType::kScore ? RanksInScoreRange(z, b.score, from, to)
                              : RanksInLexRange(z, b.lex, from, to);
  // LIMIT: a negative offset selects nothing; a negative count means all the rest.
  const size_t n = *to - *from;
  const size_t skip = r.offset < 0 ? n : std::min(n, static_cast<size_t>(r.offset));
  const size_t rest = n - skip;
  const size_t take = r.limit < 0 ? rest : std::min(rest, static_cast<size_t>(r.limit));
  if (reverse) {
    *to -= skip;
    *from = *to - take;
  } else {
    *from += skip;
    *to = *from + take;
  }
}

void ReplyRange(CommandContext& ctx, const ZsetValue& z, const RangeRequest& r, size_t from,
                size_t to) {
  ReplyScoredHeader(ctx, to - from, r.withscores);
  z.ForEachInRanks(from, to, r.direction == Direction::kReverse,
                   [&](std::string_view member, double score) {
                     ReplyScoredElement(ctx, member, score, r.withscores);
                   });
}

void StoreRange(CommandContext& ctx, const ZsetValue* z, const RangeRequest& r, size_t from,
                size_t to) {
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  std::unique_ptr<ZsetValue> result(ZsetValue::NewFor(to - from, 0, limits));
  if (z != nullptr) {
    z->ForEachInRanks(from, to, false, [&](std::string_view member, double score) {
      result->Set(member, score, limits);
    });
  }
  StoreZsetResult(ctx, ctx.arg(1), std::move(result), "zrangestore");
}

// The whole ZRANGE family. `key_at`: the source key's position (1, or 2 for ZRANGESTORE, whose
// destination is argument 1); `preset` carries the range type and direction the older
// commands fix.
void RangeGeneric(CommandContext& ctx, size_t key_at, bool store, RangeRequest r) {
  r.min_at = key_at + 1;
  r.max_at = key_at + 2;
  if (!ParseRangeOptions(ctx, key_at + 3, store, &r)) return;
  RangeBounds bounds;
  if (!ParseRangeBounds(ctx, r, &bounds)) return;
  bool ok;
  const ZsetValue* z = ReadZset(ctx, ctx.arg(key_at), &ok);
  if (!ok) return;
  size_t from = 0;
  size_t to = 0;
  if (z != nullptr) SelectRanks(*z, r, bounds, &from, &to);
  if (store) {
    StoreRange(ctx, z, r, from, to);
  } else if (z == nullptr) {
    ctx.reply.ArrayHeader(0);
  } else {
    ReplyRange(ctx, *z, r, from, to);
  }
}

RangeRequest Preset(RangeType type, Direction direction) {
  RangeRequest r;
  r.type = type;
  r.direction = direction;
  return r;
}

void ZRange(CommandContext& ctx) { RangeGeneric(ctx, 1, false, RangeRequest{}); }
void ZRangeStore(CommandContext& ctx) { RangeGeneric(ctx, 2, true, RangeRequest{}); }
void ZRevRange(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, Preset(RangeType::kRank, Direction::kReverse));
}
void ZRangeByScore(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, Preset(RangeType::kScore, Direction::kForward));
}
void ZRevRangeByScore(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, Preset(RangeType::kScore, Direction::kReverse));
}
void ZRangeByLex(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, Preset(RangeType::kLex, Direction::kForward));
}
void ZRevRangeByLex(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, Preset(RangeType::kLex, Direction::kReverse));
}

// ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX key min max
void RemoveRangeGeneric(CommandContext& ctx, RangeType type, std::string_view event) {
  RangeRequest r = Preset(type, Direction::kForward);
  r.min_at = 2;
  r.max_at = 3;
  RangeBounds bounds;
  if (!ParseRangeBounds(ctx, r, &bounds)) return;
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kZSet)) return;
  size_t from = 0;
  size_t to = 0;
  if (e != nullptr) SelectRanks(AsZset(e), r, bounds, &from, &to);
  const size_t removed = to - from;
  ctx.reply.Integer(static_cast<int64_t>(removed));
  if (removed == 0) return;
  ctx.db().PrepareModify(e);
  AsZset(e).RemoveRanks(from, to);
  ctx.MarkDirty(static_cast<int64_t>(removed));
  NotifyKeyspaceEvent(ctx, config::kNotifyZset, event, key);
  DeleteIfEmptyZset(ctx, key, e);
}

void ZRemRangeByRank(CommandContext& ctx) {
  RemoveRangeGeneric(ctx, RangeType::kRank, "zremrangebyrank");
}
void ZRemRangeByScore(CommandContext& ctx) {
  RemoveRangeGeneric(ctx, RangeType::kScore, "zremrangebyscore");
}
void ZRemRangeByLex(CommandContext& ctx) {
  RemoveRangeGeneric(ctx, RangeType::kLex, "zremrangebylex");
}

constexpr std::string_view kRangeComplexity =
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
    "elements returned.";
constexpr std::string_view kRemoveComplexity =
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
    "elements removed by the operation.";

}  // namespace

void RegisterZsetRangeCommands(CommandTable& table) {
  auto add = [&](std::string_view name, int arity, uint32_t flags, Handler handler,
                 std::string_view summary, std::string_view since,
                 std::string_view complexity = kRangeComplexity) {
    table.Add(SingleKeySpec(name, arity, flags, handler, "sorted-set", summary, since, complexity));
  };
  add("zrange", -4, kReadOnly, ZRange, "Return a range of members in a sorted set", "1.2.0");
  table.Add(KeysSpec("zrangestore", -5, kWrite | kDenyOom, {1, 2, 1}, ZRangeStore, "sorted-set",
                     "Store a range of members from sorted set into another key", "6.2.0",
                     "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                     "number of elements stored into the destination key."));
  add("zrevrange", -4, kReadOnly, ZRevRange,
      "Return a range of members in a sorted set, by index, with scores ordered from high to "
      "low",
      "1.2.0");
  add("zrangebyscore", -4, kReadOnly, ZRangeByScore,
      "Return a range of members in a sorted set, by score", "1.0.5");
  add("zrevrangebyscore", -4, kReadOnly, ZRevRangeByScore,
      "Return a range of members in a sorted set, by score, with scores ordered from high to low",
      "2.2.0");
  add("zrangebylex", -4, kReadOnly, ZRangeByLex,
      "Return a range of members in a sorted set, by lexicographical range", "2.8.9");
  add("zrevrangebylex", -4, kReadOnly, ZRevRangeByLex,
      "Return a range of members in a sorted set, by lexicographical range, ordered from higher "
      "to lower strings.",
      "2.8.9");
  add("zremrangebyrank", 4, kWrite, ZRemRangeByRank,
      "Remove all members in a sorted set within the given indexes", "2.0.0", kRemoveComplexity);
  add("zremrangebyscore", 4, kWrite, ZRemRangeByScore,
      "Remove all members in a sorted set within the given scores", "1.2.0", kRemoveComplexity);
  add("zremrangebylex", 4, kWrite, ZRemRangeByLex,
      "Remove all members in a sorted set between the given lexicographical range", "2.8.9",
      kRemoveComplexity);
}

}  // namespace basalt::cmd
