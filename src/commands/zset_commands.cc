// Sorted-set commands on one key: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT
// ZLEXCOUNT ZSCAN over store::ZsetValue, and the pieces every zset command file shares
// (zset_commands_internal.h). Conventions: see hash_commands.cc.
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/zset_commands_internal.h"
#include "common/strings.h"

namespace basalt::cmd {

using store::ZsetValue;

const ZsetValue* ReadZset(CommandContext& ctx, std::string_view key, bool* ok) {
  store::Entry* e = LookupRead(ctx, key);
  *ok = CheckType(ctx, e, store::ValueType::kZSet);
  return *ok && e != nullptr ? &AsZset(e) : nullptr;
}

bool ParseScoreArg(CommandContext& ctx, std::string_view text, double* out,
                   std::string_view error) {
  if (ParseDouble(text, out)) return true;
  ctx.reply.Error(error);
  return false;
}

ZsetValue* NewZsetFor(CommandContext& ctx, std::string_view first_member) {
  return ZsetValue::NewFor(1, first_member.size(), ctx.server.keyspace.encoding_limits());
}

void ReplyScoredHeader(CommandContext& ctx, size_t n, bool withscores) {
  ctx.reply.ArrayHeader(withscores && ctx.reply.protocol() < 3 ? 2 * n : n);
}

void ReplyScoredElement(CommandContext& ctx, std::string_view member, double score,
                        bool withscores) {
  if (withscores && ctx.reply.protocol() >= 3) ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(member);
  if (withscores) ctx.reply.Double(score);
}

void ReplyScoredMembers(CommandContext& ctx, const std::vector<ScoredMember>& elems,
                        bool withscores) {
  ReplyScoredHeader(ctx, elems.size(), withscores);
  for (const ScoredMember& e : elems) ReplyScoredElement(ctx, e.member, e.score, withscores);
}

void DeleteIfEmptyZset(CommandContext& ctx, std::string_view key, store::Entry* e) {
  if (AsZset(e).size() != 0) return;
  ctx.db().Delete(key);
  NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
}

void StoreZsetResult(CommandContext& ctx, std::string_view dst, std::unique_ptr<ZsetValue> result,
                     std::string_view event) {
  const auto size = static_cast<int64_t>(result->size());
  if (size > 0) {
    result->ConvertToListpackIfFits(ctx.server.keyspace.encoding_limits());
    ctx.db().SetObject(dst, store::ValueType::kZSet, result.release());
    NotifyKeyspaceEvent(ctx, config::kNotifyZset, event, dst);
    ctx.MarkDirty();
  } else if (ctx.db().Delete(dst)) {
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", dst);
    ctx.MarkDirty();
  }
  ctx.reply.Integer(size);
}

namespace {

// One score bound as Redis's zslParseRange reads it: strtod over the C string (an embedded
// NUL ends it), so "" is 0, and a leading space is skipped.
bool ParseScoreBound(std::string_view text, double* value, bool* exclusive) {
  *exclusive = !text.empty() && text[0] == '(';
  if (*exclusive) text.remove_prefix(1);
  const std::string c_text(text);
  char* end = nullptr;
  *value = std::strtod(c_text.c_str(), &end);
  return *end == '\0' && !std::isnan(*value);
}

bool ParseLexBound(std::string_view text, LexBound* out) {
  if (text == "+") {
    out->kind = LexBound::Kind::kPlusInf;
  } else if (text == "-") {
    out->kind = LexBound::Kind::kMinusInf;
  } else if (!text.empty() && (text[0] == '(' || text[0] == '[')) {
    out->kind = text[0] == '(' ? LexBound::Kind::kExclusive : LexBound::Kind::kInclusive;
    out->member = text.substr(1);
  } else {
    return false;
  }
  return true;
}

// The first rank at or past `bound` seen as a lower bound (`as_min`), or the first rank past
// it seen as an upper bound.
size_t LexBoundRank(const ZsetValue& zset, const LexBound& bound, bool as_min) {
  switch (bound.kind) {
    case LexBound::Kind::kMinusInf:
      return 0;
    case LexBound::Kind::kPlusInf:
      return zset.size();
    case LexBound::Kind::kInclusive:
      return zset.LexLowerBound(bound.member, /*exclusive=*/!as_min);
    case LexBound::Kind::kExclusive:
      return zset.LexLowerBound(bound.member, /*exclusive=*/as_min);
  }
  return 0;
}

}  // namespace

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out) {
  return ParseScoreBound(min, &out->min, &out->min_exclusive) &&
         ParseScoreBound(max, &out->max, &out->max_exclusive);
}

void RanksInScoreRange(const ZsetValue& zset, const ScoreRange& range, size_t* from, size_t* to) {
  *from = zset.ScoreLowerBound(range.min, range.min_exclusive);
  // Past the last element within max: the first one above it (or at it, when exclusive).
  *to = zset.ScoreLowerBound(range.max, !range.max_exclusive);
  if (*to < *from) *to = *from;
}

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out) {
  return ParseLexBound(min, &out->min) && ParseLexBound(max, &out->max);
}

void RanksInLexRange(const ZsetValue& zset, const LexRange& range, size_t* from, size_t* to) {
  *from = LexBoundRank(zset, range.min, /*as_min=*/true);
  *to = LexBoundRank(zset, range.max, /*as_min=*/false);
  if (*to < *from) *to = *from;
}

namespace {

// The flags before the first score; returns the index of that score.
size_t ParseZaddFlags(CommandContext& ctx, ZaddFlags* f) {
  size_t i = 2;
  for (; i < ctx.argc(); ++i) {
    const std::string_view a = ctx.arg(i);
    if (IsOption(a, "nx")) {
      f->nx = true;
    } else if (IsOption(a, "xx")) {
      f->xx = true;
    } else if (IsOption(a, "gt")) {
      f->gt = true;
    } else if (IsOption(a, "lt")) {
      f->lt = true;
    } else if (IsOption(a, "ch")) {
      f->ch = true;
    } else if (IsOption(a, "incr")) {
      f->incr = true;
    } else {
      break;
    }
  }
  return i;
}

// Checks the flags and the pairs; replies Redis's error (in Redis's order) and returns false.
bool ValidateZadd(CommandContext& ctx, const ZaddFlags& f, size_t first,
                  std::vector<double>* scores) {
  const size_t elements = ctx.argc() - first;
  if (elements == 0 || elements % 2 != 0) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  if (f.nx && f.xx) {
    ctx.reply.Error("ERR XX and NX options at the same time are not compatible");
    return false;
  }
  if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt)) {
    ctx.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return false;
  }
  if (f.incr && elements > 2) {
    ctx.reply.Error("ERR INCR option supports a single increment-element pair");
    return false;
  }
  for (size_t i = first; i < ctx.argc(); i += 2) {
    double score;
    if (!ParseScoreArg(ctx, ctx.arg(i), &score)) return false;
    scores->push_back(score);
  }
  return true;
}

// What ZADD does to one member: the new score, or no change (nullopt-like: *skip).
enum class ZaddStep { kSkip, kWrite, kSame, kNaN };
ZaddStep PlanZaddStep(const ZaddFlags& f, bool exists, double current, double* score) {
  if (!exists) return f.xx ? ZaddStep::kSkip : ZaddStep::kWrite;
  if (f.nx) return ZaddStep::kSkip;
  if (f.incr) {
    *score += current;
    if (std::isnan(*score)) return ZaddStep::kNaN;
  }
  if ((f.gt && *score <= current) || (f.lt && *score >= current)) return ZaddStep::kSkip;
  return *score == current ? ZaddStep::kSame : ZaddStep::kWrite;
}

}  // namespace

void ApplyZadd(CommandContext& ctx, ZaddFlags f, std::string_view key,
               std::span<const double> scores, std::span<const std::string_view> members) {
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kZSet)) return;
  if (e == nullptr && f.xx) {  // nothing can be updated
    f.incr ? ctx.reply.Null() : ctx.reply.Integer(0);
    return;
  }
  if (e == nullptr) {
    e = ctx.db().AddObject(key, store::ValueType::kZSet, NewZsetFor(ctx, members[0]));
  }
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  int64_t added = 0;
  int64_t updated = 0;
  bool processed = false;
  bool prepared = false;
  double last_score = 0;
  bool nan = false;
  for (size_t i = 0; i < scores.size(); ++i) {
    const std::string_view member = members[i];
    double current = 0;
    const bool exists = AsZset(e).Score(member, &current);
    double score = scores[i];
    const ZaddStep step = PlanZaddStep(f, exists, current, &score);
    if (step == ZaddStep::kNaN) {
      ctx.reply.Error("ERR resulting score is not a number (NaN)");
      nan = true;
      break;
    }
    if (step == ZaddStep::kSkip) continue;
    processed = true;
    last_score = score;
    if (step == ZaddStep::kSame) continue;
    if (!prepared) ctx.db().PrepareModify(e);
    prepared = true;
    AsZset(e).Set(member, score, limits);
    ++(exists ? updated : added);
  }
  if (nan) {
    // Only INCR can produce NaN, and with one pair: nothing was changed.
  } else if (f.incr) {
    processed ? ctx.reply.Double(last_score) : ctx.reply.Null();
  } else {
    ctx.reply.Integer(f.ch ? added + updated : added);
  }
  if (added + updated == 0) return;
  ctx.MarkDirty(added + updated);
  NotifyKeyspaceEvent(ctx, config::kNotifyZset, f.incr ? "zincr" : "zadd", key);
}

namespace {

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]; ZINCRBY is ZADD INCR.
void ZaddGeneric(CommandContext& ctx, ZaddFlags f, size_t first) {
  std::vector<double> scores;
  if (!ValidateZadd(ctx, f, first, &scores)) return;
  std::vector<std::string_view> members;
  for (size_t i = first + 1; i < ctx.argc(); i += 2) members.push_back(ctx.arg(i));
  ApplyZadd(ctx, f, ctx.arg(1), scores, members);
}

void ZAdd(CommandContext& ctx) {
  ZaddFlags f;
  const size_t first = ParseZaddFlags(ctx, &f);
  ZaddGeneric(ctx, f, first);
}

// ZINCRBY key increment member
void ZIncrBy(CommandContext& ctx) {
  ZaddFlags f;
  f.incr = true;
  ZaddGeneric(ctx, f, 2);
}

void ZRem(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kZSet)) return;
  int64_t removed = 0;
  for (size_t i = 2; e != nullptr && i < ctx.argc(); ++i) {
    double score;
    if (!AsZset(e).Score(ctx.arg(i), &score)) continue;
    if (removed == 0) ctx.db().PrepareModify(e);
    AsZset(e).Remove(ctx.arg(i));
    ++removed;
    if (AsZset(e).size() == 0) break;
  }
  ctx.reply.Integer(removed);
  if (removed == 0) return;
  ctx.MarkDirty(removed);
  NotifyKeyspaceEvent(ctx, config::kNotifyZset, "zrem", key);
  DeleteIfEmptyZset(ctx, key, e);
}

void ZCard(CommandContext& ctx) {
  bool ok;
  const ZsetValue* z = ReadZset(ctx, ctx.arg(1), &ok);
  if (ok) ctx.reply.Integer(z == nullptr ? 0 : static_cast<int64_t>(z->size()));
}

void ZScore(CommandContext& ctx) {
  bool ok;
  const ZsetValue* z = ReadZset(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  double score;
  if (z == nullptr || !z->Score(ctx.arg(2), &score)) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Double(score);
}

void ZMScore(CommandContext& ctx) {
  bool ok;
  const ZsetValue* z = ReadZset(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    double score;
    if (z != nullptr && z->Score(ctx.arg(i), &score)) {
      ctx.reply.Double(score);
    } else {
      ctx.reply.Null();
    }
  }
}

void RankGeneric(CommandContext& ctx, bool reverse) {
  bool ok;
  const ZsetValue* z = ReadZset(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  size_t rank;
  double score;
  if (z == nullptr || !z->Rank(ctx.arg(2), &rank, &score)) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Integer(static_cast<int64_t>(reverse ? z->size() - 1 - rank : rank));
}

void ZRank(CommandContext& ctx) { RankGeneric(ctx, false); }
void ZRevRank(CommandContext& ctx) { RankGeneric(ctx, true); }

// ZCOUNT key min max
void ZCount(CommandContext& ctx) {
  ScoreRange range;
  if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &range)) {
    ctx.reply.Error("ERR min or max is not a float");
    return;
  }
  bool ok;
  const ZsetValue* z = ReadZset(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  size_t from = 0;
  size_t to = 0;
  if (z != nullptr) RanksInScoreRange(*z, range, &from, &to);
  ctx.reply.Integer(static_cast<int64_t>(to - from));
}

// ZLEXCOUNT key min max
void ZLexCount(CommandContext& ctx) {
  LexRange range;
  if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &range)) {
    ctx.reply.Error("ERR min or max not valid string range item");
    return;
  }
  bool ok;
  const ZsetValue* z = ReadZset(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  size_t from = 0;
  size_t to = 0;
  if (z != nullptr) RanksInLexRange(*z, range, &from, &to);
  ctx.reply.Integer(static_cast<int64_t>(to - from));
}

// Redis 7.0 limit below which an integral score is written as integer text by d2string
// (the skiplist encoding's ZSCAN): |score| < 2^52.
constexpr double kD2StringIntegralLimit = 4503599627370496.0;

// A score as ZSCAN shows it: a listpack's element as stored (an integer when integral within
// +-2^62, else "%.17g"), a skiplist's through Redis's d2string ("-0" kept, integral within
// 2^52 as an integer, else "%.17g").
std::string ScanScoreText(double score, bool listpack) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  if (score == 0) return !listpack && std::signbit(score) ? "-0" : "0";
  const double limit = listpack ? 4611686018427387904.0 : kD2StringIntegralLimit;
  const bool in_range =
      listpack ? (score >= -limit && score <= limit) : (score > -(limit - 1) && score < limit);
  if (in_range && score == std::trunc(score)) {
    return Int64ToString(static_cast<int64_t>(score));
  }
  char buf[32];
  const int len = std::snprintf(buf, sizeof(buf), "%.17g", score);
  return std::string(buf, static_cast<size_t>(len));
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]; a listpack answers whole with cursor 0.
void ZScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) {
    ctx.reply.Error(err::kInvalidCursor);
    return;
  }
  bool ok;
  const ZsetValue* z = ReadZset(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  ScanOptions opts;
  if (z != nullptr && !ParseScanOptions(ctx, 3, /*allow_type=*/false, &opts)) return;
  std::vector<std::string> found;
  auto collect = [&](std::string_view m, double score) {
    if (opts.has_pattern && !GlobMatch(opts.pattern, m)) return;
    found.emplace_back(m);
    found.push_back(ScanScoreText(score, z->is_listpack()));
  };
  if (z == nullptr) {
    cursor = 0;
  } else if (z->is_listpack()) {
    cursor = z->Scan(0, collect);
  } else {
    cursor = WalkScanSteps(cursor, opts.count, [&](uint64_t at, uint64_t* seen) {
      return z->Scan(at, [&](std::string_view m, double score) {
        ++*seen;
        collect(m, score);
      });
    });
  }
  ReplyScan(ctx, cursor, found);
}

}  // namespace

void RegisterZsetCommands(CommandTable& table) {
  auto add = [&](std::string_view name, int arity, uint32_t flags, Handler handler,
                 std::string_view summary, std::string_view since,
                 std::string_view complexity = "O(1)") {
    table.Add(SingleKeySpec(name, arity, flags, handler, "sorted-set", summary, since, complexity));
  };
  add("zadd", -4, kWrite | kDenyOom | kFast, ZAdd,
      "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0",
      "O(log(N)) for each item added, where N is the number of elements in the sorted set.");
  add("zincrby", 4, kWrite | kDenyOom | kFast, ZIncrBy,
      "Increment the score of a member in a sorted set", "1.2.0",
      "O(log(N)) where N is the number of elements in the sorted set.");
  add("zrem", -3, kWrite | kFast, ZRem, "Remove one or more members from a sorted set", "1.2.0",
      "O(M*log(N)) with N being the number of elements in the sorted set and M the number of "
      "elements to be removed.");
  add("zcard", 2, kReadOnly | kFast, ZCard, "Get the number of members in a sorted set", "1.2.0");
  add("zscore", 3, kReadOnly | kFast, ZScore,
      "Get the score associated with the given member in a sorted set", "1.2.0");
  add("zmscore", -3, kReadOnly | kFast, ZMScore,
      "Get the score associated with the given members in a sorted set", "6.2.0",
      "O(N) where N is the number of members being requested.");
  add("zrank", 3, kReadOnly | kFast, ZRank, "Determine the index of a member in a sorted set",
      "2.0.0", "O(log(N))");
  add("zrevrank", 3, kReadOnly | kFast, ZRevRank,
      "Determine the index of a member in a sorted set, with scores ordered from high to low",
      "2.0.0", "O(log(N))");
  add("zcount", 4, kReadOnly | kFast, ZCount,
      "Count the members in a sorted set with scores within the given values", "2.0.0",
      "O(log(N)) with N being the number of elements in the sorted set.");
  add("zlexcount", 4, kReadOnly | kFast, ZLexCount,
      "Count the number of members in a sorted set between a given lexicographical range", "2.8.9",
      "O(log(N)) with N being the number of elements in the sorted set.");
  add("zscan", -3, kReadOnly, ZScan,
      "Incrementally iterate sorted sets elements and associated scores", "2.8.0",
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
      "the cursor to return back to 0. N is the number of elements inside the collection..");
  RegisterZsetRangeCommands(table);
  RegisterZsetAlgebraCommands(table);
  RegisterZsetPopCommands(table);
}

}  // namespace basalt::cmd
