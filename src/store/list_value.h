// The value of a list key: a chain of listpack nodes, as Redis 7.0's quicklist (OBJECT ENCODING
// "quicklist").
//
// Each node is a listpack (store/listpack.h) holding a run of elements; nodes are kept in a
// ring (store/node_ring.h), so pushes and pops at either end are O(1) and an index costs a walk
// over node sizes (from the nearer end) plus one listpack walk. A node holds at most
// list-max-listpack-size elements (> 0) or bytes (-1..-5: 4, 8, 16, 32, 64 KB); an insertion in the
// middle that overfills a node splits it. RDB saves each node's listpack as is (QUICKLIST_2).
//
// Positions are 0-based from the head; callers turn negative indexes into these. An empty
// list is never stored: callers delete the key when the last element goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/memory.h"
#include "store/encoding_limits.h"
#include "store/entry.h"
#include "store/hash_value.h"
#include "store/listpack.h"
#include "store/node_ring.h"

namespace basalt::store {

class ListValue final : public CompositeValue {
 public:
  using Nodes = NodeRing<Listpack>;

  ListValue() = default;
  ~ListValue() override = default;
  ListValue(const ListValue&) = delete;  // Clone() copies
  ListValue& operator=(const ListValue&) = delete;

  size_t size() const { return size_; }

  void PushFront(std::string_view v, const EncodingLimits& limits);
  void PushBack(std::string_view v, const EncodingLimits& limits);
  // The list must not be empty.
  std::string PopFront();
  std::string PopBack();

  // The element at `index` (< size()); integers are formatted into buf.
  std::string_view At(size_t index, NumberBuffer* buf) const;
  void Set(size_t index, std::string_view v, const EncodingLimits& limits);
  // Inserts v before (or after) the first element equal to pivot; false when there is none.
  bool InsertAtPivot(std::string_view pivot, std::string_view v, bool after,
                     const EncodingLimits& limits);
  // LREM: removes up to |count| elements equal to v, from the head (count > 0), the tail
  // (count < 0), or all of them (0). Returns how many went.
  size_t Remove(std::string_view v, int64_t count);
  // Keeps only [start, stop] (start <= stop < size()).
  void Trim(size_t start, size_t stop);

  // fn(view) for the elements [start, stop] (stop < size()), head to tail.
  template <typename Fn>
  void ForRange(size_t start, size_t stop, Fn&& fn) const;
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (size_ > 0) ForRange(0, size_ - 1, fn);
  }
  // fn(index, view) -> bool (false stops), from the head or from the tail.
  template <typename Fn>
  void Walk(bool from_head, Fn&& fn) const;

  // For RDB: the nodes, and adding a loaded (validated, non-empty) node at the tail.
  const Nodes& nodes() const { return nodes_; }
  void AppendNode(Listpack node);

  size_t MemoryUsage() const override;
  // MEMORY USAGE's estimate: measures `samples` blocks and extrapolates (0: all, exact).
  size_t SampledMemoryUsage(size_t samples) const;
  CompositeValue* Clone() const override;
  std::string_view EncodingName() const override { return "quicklist"; }
  size_t FreeEffort() const override { return nodes_.size(); }

 private:
  struct Position {
    size_t node;
    uint32_t pos;
  };
  Position Locate(size_t index) const;
  static bool HasRoom(const Listpack& node, std::string_view v, const EncodingLimits& limits);
  static bool Overfull(const Listpack& node, const EncodingLimits& limits);
  // Splits node i in two halves when it is over the limit.
  void SplitIfOverfull(size_t i, const EncodingLimits& limits);
  void EraseNodeIfEmpty(size_t i);

  Nodes nodes_;
  size_t size_ = 0;
};

template <typename Fn>
void ListValue::ForRange(size_t start, size_t stop, Fn&& fn) const {
  Position p = Locate(start);
  char buf[24];
  size_t left = stop - start + 1;
  for (size_t n = p.node; n < nodes_.size() && left > 0; ++n) {
    const Listpack& lp = nodes_[n];
    for (uint32_t pos = n == p.node ? p.pos : lp.First(); pos != Listpack::kNone && left > 0;
         pos = lp.Next(pos), --left) {
      fn(lp.Get(pos).Text(buf));
    }
  }
}

template <typename Fn>
void ListValue::Walk(bool from_head, Fn&& fn) const {
  char buf[24];
  if (from_head) {
    size_t index = 0;
    for (const Listpack& lp : nodes_) {
      for (uint32_t pos = lp.First(); pos != Listpack::kNone; pos = lp.Next(pos)) {
        if (!fn(index++, lp.Get(pos).Text(buf))) return;
      }
    }
    return;
  }
  size_t index = size_;
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    for (uint32_t pos = it->Last(); pos != Listpack::kNone; pos = it->Prev(pos)) {
      if (!fn(--index, it->Get(pos).Text(buf))) return;
    }
  }
}

}  // namespace basalt::store
