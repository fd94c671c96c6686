// The value of a sorted-set key: members ordered by (score, member bytes), in one of Redis 7.0's
// two encodings:
//
//  - listpack: member, score, member, score, ... in ascending order, in one block in Redis's
//    byte format, so RDB saves and loads it as one blob. Scores are stored as Redis stores
//    them (an integral score within the int64 range as a listpack integer, any other as its
//    shortest exact text, "%.17g"), so DUMP payloads are byte-identical. Up to
//    zset-max-listpack-entries members of at most zset-max-listpack-value bytes.
//  - "skiplist" (Redis's name, kept for OBJECT ENCODING; the structure is our own): a member
//    table (the chained table with incremental rehash and SCAN's guarantee) whose nodes hold
//    member and score, plus a B+tree with subtree counts over those nodes ordered by
//    (score, member), so rank queries, rank ranges and score/lex bounds are O(log n).
//
// Order: by score, then by member bytes (memcmp, a prefix first), as Redis orders. Scores are
// never NaN (callers refuse NaN). Ranks are 0-based ascending; callers turn reverse ranks and
// negative indexes into ascending ranges. An empty zset is never stored: callers delete the
// key when the last member goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <type_traits>

#include "common/memory.h"
#include "store/encoding_limits.h"
#include "store/entry.h"
#include "store/hash_value.h"
#include "store/listpack.h"

namespace basalt::store {

class ZsetTree;  // the skiplist encoding's table + B+tree (zset_value.cc)

class ZsetValue final : public CompositeValue {
 public:
  // An empty zset in the encoding Redis would create for a command that is about to add
  // `size_hint` members, the longest `max_member_len` bytes (ZADD, ZUNIONSTORE, ...): the
  // tree when the hint passes either listpack limit.
  static ZsetValue* NewFor(size_t size_hint, size_t max_member_len, const EncodingLimits& limits);
  // An empty listpack-encoded zset.
  ZsetValue();
  // Adopts a validated listpack of sorted member, score pairs (RDB load checks order).
  explicit ZsetValue(Listpack pairs);
  // Whether `pairs` may be adopted: member, score pairs, every score a number (an integer, or
  // text that parses whole, not NaN), in strictly ascending (score, member) order, no member
  // twice. RDB and RESTORE payloads are checked with this before the constructor above.
  static bool IsValidListpack(const Listpack& pairs);
  ~ZsetValue() override;

  bool is_listpack() const { return tree_ == nullptr; }
  size_t size() const;

  // The score of `member`; false when absent.
  bool Score(std::string_view member, double* score) const;

  enum class SetResult { kAdded, kUpdated, kUnchanged };
  // Adds `member` or moves it to `score`. Converts to the tree when the listpack would pass
  // zset-max-listpack-entries or the member is longer than zset-max-listpack-value.
  SetResult Set(std::string_view member, double score, const EncodingLimits& limits);
  // Removes `member`; false when absent.
  bool Remove(std::string_view member);

  // The ascending rank of `member` (and its score); false when absent.
  bool Rank(std::string_view member, size_t* rank, double* score) const;
  // The rank of the first element with a score > `score` (exclusive) or >= `score`;
  // size() when there is none. Ranks below it hold the smaller scores.
  size_t ScoreLowerBound(double score, bool exclusive) const;
  // The rank of the first element whose member is > `member` (exclusive) or >= `member`,
  // comparing member bytes only: meaningful when all scores are equal, which is what Redis's
  // lex commands require of their callers.
  size_t LexLowerBound(std::string_view member, bool exclusive) const;

  // The element at ascending `rank` (< size()); listpack integers are formatted into `buf`.
  void At(size_t rank, std::string_view* member, double* score, NumberBuffer* buf) const;

  // fn(member, score) -> bool (false stops) for ranks [from, to): ascending, or from to-1 down
  // to `from` when `reverse`. Views are valid during the call only. from <= to <= size().
  template <typename Fn>
  void ForEachInRanks(size_t from, size_t to, bool reverse, Fn&& fn) const;
  // fn(member, score) for every element, ascending.
  template <typename Fn>
  void ForEach(Fn&& fn) const;
  // ZSCAN: fn(member, score) for the elements of one step; returns the next cursor (0: done).
  // A listpack is reported whole in one step with cursor 0, as Redis does.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const;

  // Removes the elements of ranks [from, to); returns how many went.
  size_t RemoveRanks(size_t from, size_t to);

  // The listpack (is_listpack() only), for RDB and DUMP.
  const Listpack& listpack() const { return listpack_; }
  // Moves every element into the tree (RDB load of a big zset, or the limits were passed).
  void ConvertToTree();
  // Back to a listpack when size() <= zset-max-listpack-entries and every member fits
  // zset-max-listpack-value (Redis does this for the results of ZUNIONSTORE, ZRANGESTORE, ...
  // and for loaded ZSET/ZSET_2 values). No-op when already a listpack or too big.
  void ConvertToListpackIfFits(const EncodingLimits& limits);
  // Lets a loader size the member table before inserting `n` elements (tree encoding only).
  void Reserve(size_t n);
  // Inserts a member into the tree encoding; false when it is already present (a corrupt
  // file: RDB load refuses it).
  bool InsertForLoad(std::string_view member, double score);

  // Tests: whether the encoding's internal invariants hold (order, counts, accounting).
  bool CheckInvariants() const;

  // CompositeValue
  size_t MemoryUsage() const override;
  CompositeValue* Clone() const override;
  std::string_view EncodingName() const override { return is_listpack() ? "listpack" : "skiplist"; }
  size_t FreeEffort() const override { return is_listpack() ? 1 : size(); }

 private:
  using VisitFn = bool (*)(void* ctx, std::string_view member, double score);
  void VisitRanks(size_t from, size_t to, bool reverse, VisitFn fn, void* ctx) const;
  uint64_t VisitScan(uint64_t cursor, VisitFn fn, void* ctx) const;

  template <typename Fn>
  static VisitFn Trampoline() {
    return [](void* ctx, std::string_view member, double score) -> bool {
      auto& f = *static_cast<std::remove_reference_t<Fn>*>(ctx);
      if constexpr (std::is_void_v<decltype(f(member, score))>) {
        f(member, score);
        return true;
      } else {
        return f(member, score);
      }
    };
  }

  Listpack listpack_;
  ZsetTree* tree_ = nullptr;  // owned; set in the skiplist encoding
};

template <typename Fn>
void ZsetValue::ForEachInRanks(size_t from, size_t to, bool reverse, Fn&& fn) const {
  VisitRanks(from, to, reverse, Trampoline<Fn>(), const_cast<void*>(static_cast<const void*>(&fn)));
}

template <typename Fn>
void ZsetValue::ForEach(Fn&& fn) const {
  ForEachInRanks(0, size(), false, fn);
}

template <typename Fn>
uint64_t ZsetValue::Scan(uint64_t cursor, Fn&& fn) const {
  return VisitScan(cursor, Trampoline<Fn>(), const_cast<void*>(static_cast<const void*>(&fn)));
}

}  // namespace basalt::store
