// Pieces shared by the sorted-set command files: zset_commands.cc (one key: ZADD ZINCRBY ZREM
// ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT ZSCAN), zset_range_commands.cc (the ZRANGE
// family, ZRANGESTORE, ZREMRANGEBY*), zset_algebra_commands.cc (ZUNION ZINTER ZDIFF, their
// STORE forms, ZINTERCARD) and zset_pop_commands.cc (ZPOPMIN ZPOPMAX ZMPOP, the blocking pops,
// ZRANDMEMBER).
//
// Reply shapes (Redis 7.0): a score is a double (a bulk "%.17g" in RESP2, a RESP3 double);
// a list of members with scores is flat in RESP2 (member, score, member, score, ...) and a list
// of [member, score] pairs in RESP3.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"
#include "commands/command_table.h"
#include "store/zset_value.h"

namespace basalt::cmd {

inline store::ZsetValue& AsZset(store::Entry* e) {
  return static_cast<store::ZsetValue&>(*e->object());
}

// The zset at `key` for a read: nullptr when absent; *ok is false after a WRONGTYPE reply.
const store::ZsetValue* ReadZset(CommandContext& ctx, std::string_view key, bool* ok);

// A score argument (ZADD, ZINCRBY, WEIGHTS) as Redis's getDoubleFromObject reads it: the whole
// text, no leading space, "inf" allowed; NaN, overflow and underflow to zero refused. False
// after replying `error`.
bool ParseScoreArg(CommandContext& ctx, std::string_view text, double* out,
                   std::string_view error = "ERR value is not a valid float");

// ZADD's options (GEOADD takes NX, XX and CH of them).
struct ZaddFlags {
  bool nx = false;
  bool xx = false;
  bool gt = false;
  bool lt = false;
  bool ch = false;
  bool incr = false;
};
// ZADD's work once its arguments are checked (flags compatible, scores numbers, at least one
// pair): sets members[i] to scores[i] under the flags at `key`, replies as ZADD does (the count,
// or INCR's score) and fires "zadd" or "zincr". GEOADD ends here too, as Redis's GEOADD ends in
// ZADD.
void ApplyZadd(CommandContext& ctx, ZaddFlags f, std::string_view key,
               std::span<const double> scores, std::span<const std::string_view> members);

// A new empty zset for a command about to add `first_member` to an absent key (ZADD,
// ZINCRBY): the skiplist encoding at once only when that member is too long for a listpack
// (or zset-max-listpack-entries is 0), as Redis 7.0 creates it.
store::ZsetValue* NewZsetFor(CommandContext& ctx, std::string_view first_member);

// One element of a reply of members with scores: the member, then (with scores) its score;
// in RESP3 with scores the pair is an array of two.
void ReplyScoredElement(CommandContext& ctx, std::string_view member, double score,
                        bool withscores);
// The header of such a reply of `n` elements.
void ReplyScoredHeader(CommandContext& ctx, size_t n, bool withscores);

// A member and its score, for results built before they are replied or stored.
struct ScoredMember {
  std::string member;
  double score;
};
void ReplyScoredMembers(CommandContext& ctx, const std::vector<ScoredMember>& elems,
                        bool withscores);

// Deletes `key` (entry e, a zset) when it has no members left, with the "del" event.
void DeleteIfEmptyZset(CommandContext& ctx, std::string_view key, store::Entry* e);

// The end of every *STORE command: `result` (any encoding) becomes `dst`'s value in the
// encoding Redis would give it (a listpack when it fits), overwriting dst with `event`; an
// empty result deletes dst ("del" when it existed). Replies the result's size.
void StoreZsetResult(CommandContext& ctx, std::string_view dst,
                     std::unique_ptr<store::ZsetValue> result, std::string_view event);

// A score interval as ZRANGEBYSCORE, ZCOUNT, ... take it: "(" makes a bound exclusive; the
// rest is read as C's strtod reads it (so "" and "(" mean 0 and a leading space is allowed),
// NaN refused. False: reply "ERR min or max is not a float".
struct ScoreRange {
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  bool max_exclusive = false;
};
bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out);
// The ascending ranks [*from, *to) of the elements within `range` (*from == *to: none).
void RanksInScoreRange(const store::ZsetValue& zset, const ScoreRange& range, size_t* from,
                       size_t* to);

// A member interval as ZRANGEBYLEX, ZLEXCOUNT, ... take it: "-" and "+" are the ends, "[" and
// "(" start an inclusive or exclusive bound. False: reply "ERR min or max not valid string
// range item".
struct LexBound {
  enum class Kind { kMinusInf, kPlusInf, kInclusive, kExclusive };
  Kind kind = Kind::kMinusInf;
  std::string_view member;  // a view into the argument
};
struct LexRange {
  LexBound min;
  LexBound max;
};
bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out);
// The ascending ranks [*from, *to) of the elements within `range`, by member bytes.
void RanksInLexRange(const store::ZsetValue& zset, const LexRange& range, size_t* from, size_t* to);

void RegisterZsetRangeCommands(CommandTable& table);
void RegisterZsetAlgebraCommands(CommandTable& table);
void RegisterZsetPopCommands(CommandTable& table);

}  // namespace basalt::cmd
