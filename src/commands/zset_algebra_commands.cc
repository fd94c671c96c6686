// Sorted-set algebra: ZUNION ZINTER ZDIFF (WITHSCORES), ZUNIONSTORE ZINTERSTORE ZDIFFSTORE and
// ZINTERCARD, as Redis 7.0 runs them.
//
// Inputs may be sorted sets or plain sets (a set member scores 1); a missing key is empty; any
// other type is WRONGTYPE. As in Redis, every key is looked up (and type-checked) before the
// options are read, so a WRONGTYPE wins over a bad option.
//
// Union and intersection combine the inputs smallest first (a stable order by cardinality, each
// weight staying with its key): the order is visible in the last bits of floating-point sums
// and where inf meets -inf, whose NaN Redis turns into 0 at that step. The difference keeps the
// order named (the first input is the one subtracted from).
//
// Results are gathered in a vector and sorted by (score, member bytes): the reply forms answer
// from it (so a -0 score is replied as "-0" as Redis's skiplist keeps it), the STORE forms
// build the zset from it and let StoreZsetResult pick the encoding.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/set_commands_internal.h"
#include "commands/zset_commands_internal.h"
#include "common/strings.h"
#include "store/set_value.h"

namespace basalt::cmd {

namespace {

using store::SetValue;
using store::ZsetValue;

enum class Op { kUnion, kInter, kDiff };
enum class Form { kReply, kStore, kCard };
enum class Aggregate { kSum, kMin, kMax };

// One input: a sorted set, a set (every member scores 1) or nothing (a missing key).
struct Source {
  const ZsetValue* zset = nullptr;
  const SetValue* set = nullptr;
  double weight = 1.0;

  size_t size() const {
    if (zset != nullptr) return zset->size();
    return set != nullptr ? set->size() : 0;
  }
  const void* object() const {
    return zset != nullptr ? static_cast<const void*>(zset) : static_cast<const void*>(set);
  }
  // The unweighted score of `member`; false when absent.
  bool Find(std::string_view member, double* score) const {
    if (zset != nullptr) return zset->Score(member, score);
    if (set == nullptr || !set->Contains(member)) return false;
    *score = 1.0;
    return true;
  }
  // fn(member, unweighted score) for every member; views are valid during the call only.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (zset != nullptr) {
      zset->ForEach([&](std::string_view m, double s) { fn(m, s); });
    } else if (set != nullptr) {
      set->ForEach([&](std::string_view m) { fn(m, 1.0); });
    }
  }
};

struct AlgebraArgs {
  std::vector<Source> sources;
  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;  // ZINTERCARD: stop counting there (0: no limit)
};

// A weighted score: weight 0 times an infinite score is NaN, which Redis counts as 0.
double Weighted(double weight, double score) {
  const double v = weight * score;
  return std::isnan(v) ? 0.0 : v;
}

void Combine(Aggregate aggregate, double* target, double value) {
  switch (aggregate) {
    case Aggregate::kSum:
      *target += value;
      if (std::isnan(*target)) *target = 0.0;  // inf + -inf, as Redis does
      break;
    case Aggregate::kMin:
      if (value < *target) *target = value;
      break;
    case Aggregate::kMax:
      if (value > *target) *target = value;
      break;
  }
}

// Looks up the `n` keys from argument `at` into args->sources; false after WRONGTYPE.
bool CollectSources(CommandContext& ctx, size_t at, size_t n, AlgebraArgs* args) {
  args->sources.resize(n);
  for (size_t i = 0; i < n; ++i) {
    store::Entry* e = LookupRead(ctx, ctx.arg(at + i));
    if (e == nullptr) continue;
    if (e->type() == store::ValueType::kZSet) {
      args->sources[i].zset = &AsZset(e);
    } else if (e->type() == store::ValueType::kSet) {
      args->sources[i].set = &AsSet(e);
    } else {
      ctx.reply.Error(err::kWrongType);
      return false;
    }
  }
  return true;
}

bool ParseAggregate(std::string_view text, Aggregate* out) {
  if (IsOption(text, "sum")) {
    *out = Aggregate::kSum;
  } else if (IsOption(text, "min")) {
    *out = Aggregate::kMin;
  } else if (IsOption(text, "max")) {
    *out = Aggregate::kMax;
  } else {
    return false;
  }
  return true;
}

// The options after the keys, from argument `j`. Which ones a form takes, and how many
// arguments must remain for a keyword to be one, are Redis's: anything else is a syntax error.
bool ParseOptions(CommandContext& ctx, Op op, Form form, size_t j, AlgebraArgs* args) {
  const size_t n = args->sources.size();
  const bool weighted = op != Op::kDiff && form != Form::kCard;
  while (j < ctx.argc()) {
    const size_t remaining = ctx.argc() - j;
    const std::string_view opt = ctx.arg(j);
    if (weighted && remaining >= n + 1 && IsOption(opt, "weights")) {
      for (size_t i = 0; i < n; ++i) {
        if (!ParseScoreArg(ctx, ctx.arg(j + 1 + i), &args->sources[i].weight,
                           "ERR weight value is not a float")) {
          return false;
        }
      }
      j += n + 1;
    } else if (weighted && remaining >= 2 && IsOption(opt, "aggregate")) {
      if (!ParseAggregate(ctx.arg(j + 1), &args->aggregate)) {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
      j += 2;
    } else if (form == Form::kReply && IsOption(opt, "withscores")) {
      args->withscores = true;
      j += 1;
    } else if (form == Form::kCard && remaining >= 2 && IsOption(opt, "limit")) {
      constexpr std::string_view kBadLimit = "ERR LIMIT can't be negative";
      if (!ParseIntArg(ctx, ctx.arg(j + 1), &args->limit, kBadLimit)) return false;
      if (args->limit < 0) {
        ctx.reply.Error(kBadLimit);
        return false;
      }
      j += 2;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// "numkeys key [key ...] options" from argument `at`; false after an error reply.
bool ParseAlgebraArgs(CommandContext& ctx, Op op, Form form, size_t at, AlgebraArgs* args) {
  int64_t numkeys;
  if (!ParseIntArg(ctx, ctx.arg(at), &numkeys)) return false;
  if (numkeys < 1) {
    ctx.reply.Error("ERR at least 1 input key is needed for '" + std::string(ctx.spec.name) +
                    "' command");
    return false;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc() - at - 1)) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  const auto n = static_cast<size_t>(numkeys);
  if (!CollectSources(ctx, at + 1, n, args)) return false;
  if (!ParseOptions(ctx, op, form, at + 1 + n, args)) return false;
  if (op != Op::kDiff) {
    std::stable_sort(args->sources.begin(), args->sources.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }
  return true;
}

// Hashing for a member table looked up by string_view without building a string.
struct MemberHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

std::vector<ScoredMember> Union(const AlgebraArgs& args) {
  std::unordered_map<std::string, double, MemberHash, std::equal_to<>> scores;
  scores.reserve(args.sources.back().size());  // at least the largest input
  for (const Source& src : args.sources) {
    src.ForEach([&](std::string_view m, double s) {
      const double value = Weighted(src.weight, s);
      auto it = scores.find(m);
      if (it == scores.end()) {
        scores.emplace(std::string(m), value);
      } else {
        Combine(args.aggregate, &it->second, value);
      }
    });
  }
  std::vector<ScoredMember> out;
  out.reserve(scores.size());
  while (!scores.empty()) {
    auto node = scores.extract(scores.begin());
    out.push_back({std::move(node.key()), node.mapped()});
  }
  return out;
}

// Walks the smallest input and keeps what every other input holds: fn(member, score) for each
// member of the intersection, until fn returns false.
template <typename Fn>
void ForEachInIntersection(const AlgebraArgs& args, Fn&& fn) {
  const std::vector<Source>& srcs = args.sources;
  if (srcs.front().size() == 0) return;
  bool more = true;
  srcs.front().ForEach([&](std::string_view m, double s) {
    if (!more) return;
    double score = Weighted(srcs.front().weight, s);
    for (size_t i = 1; i < srcs.size(); ++i) {
      double value;
      if (!srcs[i].Find(m, &value)) return;
      Combine(args.aggregate, &score, srcs[i].weight * value);
    }
    more = fn(m, score);
  });
}

std::vector<ScoredMember> Inter(const AlgebraArgs& args) {
  std::vector<ScoredMember> out;
  ForEachInIntersection(args, [&](std::string_view m, double score) {
    out.push_back({std::string(m), score});
    return true;
  });
  return out;
}

// The members of the first input in none of the others, with their own scores.
std::vector<ScoredMember> Diff(const AlgebraArgs& args) {
  std::vector<ScoredMember> out;
  const std::vector<Source>& srcs = args.sources;
  for (size_t i = 1; i < srcs.size(); ++i) {
    if (srcs[i].object() == srcs.front().object()) return out;  // subtracts everything
  }
  srcs.front().ForEach([&](std::string_view m, double s) {
    double unused;
    for (size_t i = 1; i < srcs.size(); ++i) {
      if (srcs[i].Find(m, &unused)) return;
    }
    out.push_back({std::string(m), s});
  });
  return out;
}

std::vector<ScoredMember> Compute(Op op, const AlgebraArgs& args) {
  std::vector<ScoredMember> out;
  switch (op) {
    case Op::kUnion:
      out = Union(args);
      break;
    case Op::kInter:
      out = Inter(args);
      break;
    case Op::kDiff:
      out = Diff(args);
      break;
  }
  std::sort(out.begin(), out.end(), [](const ScoredMember& a, const ScoredMember& b) {
    if (a.score != b.score) return a.score < b.score;
    return std::string_view(a.member) < std::string_view(b.member);
  });
  return out;
}

// The sorted result as a zset; StoreZsetResult gives it its final encoding.
std::unique_ptr<ZsetValue> ToZset(CommandContext& ctx, const std::vector<ScoredMember>& elems) {
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  size_t max_len = 0;
  for (const ScoredMember& e : elems) max_len = std::max(max_len, e.member.size());
  std::unique_ptr<ZsetValue> zset(ZsetValue::NewFor(elems.size(), max_len, limits));
  for (const ScoredMember& e : elems) zset->Set(e.member, e.score, limits);
  return zset;
}

// ZUNION / ZINTER / ZDIFF numkeys key [key ...] [options] [WITHSCORES]
void ReplyOp(CommandContext& ctx, Op op) {
  AlgebraArgs args;
  if (!ParseAlgebraArgs(ctx, op, Form::kReply, 1, &args)) return;
  ReplyScoredMembers(ctx, Compute(op, args), args.withscores);
}

// ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE destination numkeys key [key ...] [options]
void StoreOp(CommandContext& ctx, Op op, std::string_view event) {
  AlgebraArgs args;
  if (!ParseAlgebraArgs(ctx, op, Form::kStore, 2, &args)) return;
  StoreZsetResult(ctx, ctx.arg(1), ToZset(ctx, Compute(op, args)), event);
}

void ZUnion(CommandContext& ctx) { ReplyOp(ctx, Op::kUnion); }
void ZInter(CommandContext& ctx) { ReplyOp(ctx, Op::kInter); }
void ZDiff(CommandContext& ctx) { ReplyOp(ctx, Op::kDiff); }
void ZUnionStore(CommandContext& ctx) { StoreOp(ctx, Op::kUnion, "zunionstore"); }
void ZInterStore(CommandContext& ctx) { StoreOp(ctx, Op::kInter, "zinterstore"); }
void ZDiffStore(CommandContext& ctx) { StoreOp(ctx, Op::kDiff, "zdiffstore"); }

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
void ZInterCard(CommandContext& ctx) {
  AlgebraArgs args;
  if (!ParseAlgebraArgs(ctx, Op::kInter, Form::kCard, 1, &args)) return;
  int64_t count = 0;
  ForEachInIntersection(args, [&](std::string_view, double) {
    ++count;
    return args.limit == 0 || count < args.limit;
  });
  ctx.reply.Integer(count);
}

// A numkeys command: the count is the first argument, or the second after a STORE form's
// destination (the one key COMMAND INFO's range shows, as Redis reports it).
CommandSpec AlgebraSpec(std::string_view name, int arity, uint32_t flags, Handler handler,
                        int count_index, std::string_view summary, std::string_view since,
                        std::string_view complexity) {
  const KeyRange reported = count_index == 2 ? KeyRange{1, 1, 1} : KeyRange{0, 0, 0};
  return WithKeyCount(
      KeylessSpec(name, arity, flags, handler, "sorted-set", summary, since, complexity),
      count_index, reported);
}

constexpr std::string_view kUnionComplexity =
    "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being "
    "the number of elements in the resulting sorted set.";
constexpr std::string_view kUnionStoreComplexity =
    "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being "
    "the number of elements in the resulting sorted set.";
constexpr std::string_view kInterComplexity =
    "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
    "number of input sorted sets and M being the number of elements in the resulting sorted "
    "set.";
constexpr std::string_view kDiffComplexity =
    "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N "
    "is the size of the first set, and K is the size of the result set.";

}  // namespace

void RegisterZsetAlgebraCommands(CommandTable& table) {
  constexpr uint32_t kStoreFlags = kWrite | kDenyOom;
  table.Add(AlgebraSpec("zunion", -3, kReadOnly, ZUnion, 1, "Add multiple sorted sets", "6.2.0",
                        kUnionComplexity));
  table.Add(AlgebraSpec("zinter", -3, kReadOnly, ZInter, 1, "Intersect multiple sorted sets",
                        "6.2.0", kInterComplexity));
  table.Add(AlgebraSpec("zdiff", -3, kReadOnly, ZDiff, 1, "Subtract multiple sorted sets", "6.2.0",
                        kDiffComplexity));
  table.Add(AlgebraSpec("zunionstore", -4, kStoreFlags, ZUnionStore, 2,
                        "Add multiple sorted sets and store the resulting sorted set in a new key",
                        "2.0.0", kUnionStoreComplexity));
  table.Add(
      AlgebraSpec("zinterstore", -4, kStoreFlags, ZInterStore, 2,
                  "Intersect multiple sorted sets and store the resulting sorted set in a new key",
                  "2.0.0", kInterComplexity));
  table.Add(
      AlgebraSpec("zdiffstore", -4, kStoreFlags, ZDiffStore, 2,
                  "Subtract multiple sorted sets and store the resulting sorted set in a new key",
                  "6.2.0", kDiffComplexity));
  table.Add(AlgebraSpec("zintercard", -3, kReadOnly, ZInterCard, 1,
                        "Intersect multiple sorted sets and return the cardinality of the result",
                        "7.0.0",
                        "O(N*K) worst case with N being the smallest input sorted set, K being "
                        "the number of input sorted sets."));
}

}  // namespace basalt::cmd
