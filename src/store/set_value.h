// The value of a set key, in one of Redis 7.0's two set encodings:
//
//  - intset: every member is a canonical integer, held sorted in one block (store/intset.h),
//    in Redis's byte format, so RDB saves and loads it as one blob. Up to
//    set-max-intset-entries members.
//  - hashtable: one node per member in the chained table the keyspace uses (incremental rehash,
//    SCAN's guarantee, random picks). A node is one block [next][length][member bytes].
//
// A set starts as an intset when its first member is an integer, else as a table, and never
// goes back by itself (SPOP of most members builds a new set, which may be an intset). An empty set
// is never stored: callers delete the key when the last member goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "common/memory.h"
#include "common/strings.h"
#include "store/chained_table.h"
#include "store/encoding_limits.h"
#include "store/entry.h"
#include "store/hash_value.h"
#include "store/intset.h"

namespace basalt::store {

class SetNode {
 public:
  static SetNode* New(std::string_view member);
  static void Destroy(SetNode* n);
  std::string_view member() const { return {reinterpret_cast<const char*>(this + 1), size_}; }
  SetNode* next() const { return next_; }
  void set_next(SetNode* n) { next_ = n; }
  SetNode** next_link() { return &next_; }
  size_t MemoryUsage() const { return mem::UsableSize(const_cast<SetNode*>(this)); }

 private:
  SetNode() = default;
  SetNode* next_ = nullptr;
  uint32_t size_ = 0;
};

struct SetNodeTraits {
  static std::string_view Key(const SetNode* n) { return n->member(); }
  static SetNode* Next(const SetNode* n) { return n->next(); }
  static void SetNext(SetNode* n, SetNode* next) { n->set_next(next); }
  static SetNode** NextLink(SetNode* n) { return n->next_link(); }
  static void Destroy(SetNode* n) { SetNode::Destroy(n); }
  static uint64_t Hash(std::string_view member);
};

using SetTable = ChainedTable<SetNode, SetNodeTraits>;

class SetValue final : public CompositeValue {
 public:
  // An empty set in the encoding that suits `first_member` (intset for integers).
  static SetValue* NewFor(std::string_view first_member, const EncodingLimits& limits);
  // Adopts a validated intset (RDB load).
  explicit SetValue(IntSet ints) : ints_(std::move(ints)) {}
  // An empty table-encoded set.
  SetValue();
  ~SetValue() override;

  bool is_intset() const { return table_ == nullptr; }
  size_t size() const;

  bool Contains(std::string_view member) const;
  // True when added. Converts to a table when the member is not an integer or the intset
  // would pass set-max-intset-entries.
  bool Add(std::string_view member, const EncodingLimits& limits);
  // Add() of a member that Contains() just reported absent: a table skips the second lookup.
  void AddAbsent(std::string_view member, const EncodingLimits& limits);
  bool Remove(std::string_view member);

  // fn(member) for every member (intset: ascending).
  template <typename Fn>
  void ForEach(Fn&& fn) const;
  // SSCAN: one step; an intset answers whole with cursor 0.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const;
  // A uniformly random member (the set must not be empty); buf holds intset text.
  std::string_view Random(std::mt19937_64& rng, NumberBuffer* buf) const;

  const IntSet& intset() const { return ints_; }
  // Exchanges members and encodings with `other` (SPOP's rebuild of the members that stay).
  void Swap(SetValue& other) noexcept;
  void ConvertToTable();
  void Reserve(size_t n);
  // Adds a member known to be new... or reports a duplicate (RDB load): false on duplicate.
  bool InsertForLoad(std::string_view member);

  size_t MemoryUsage() const override;
  // MEMORY USAGE's estimate: measures `samples` blocks and extrapolates (0: all, exact).
  size_t SampledMemoryUsage(size_t samples) const;
  CompositeValue* Clone() const override;
  std::string_view EncodingName() const override { return is_intset() ? "intset" : "hashtable"; }
  size_t FreeEffort() const override { return is_intset() ? 1 : size(); }

 private:
  IntSet ints_;
  mem::UniquePtr<SetTable> table_;
};

template <typename Fn>
void SetValue::ForEach(Fn&& fn) const {
  if (table_ != nullptr) {
    table_->ForEach([&](SetNode* n) { fn(n->member()); });
    return;
  }
  char buf[24];
  for (size_t i = 0; i < ints_.size(); ++i) {
    const int64_t v = ints_.Get(i);
    fn(std::string_view(buf, static_cast<size_t>(FormatInt64(v, buf))));
  }
}

template <typename Fn>
uint64_t SetValue::Scan(uint64_t cursor, Fn&& fn) const {
  if (table_ == nullptr) {
    ForEach(fn);
    return 0;
  }
  return table_->Scan(cursor, [&](SetNode* n) { fn(n->member()); });
}

}  // namespace basalt::store
