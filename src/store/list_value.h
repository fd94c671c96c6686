// The value of a list key: a chain of listpack nodes, as Redis 7.0's quicklist (OBJECT ENCODING
// "quicklist").
//
// Each node is a listpack (store/listpack.h) holding a run of elements; nodes are kept in a
// ring (store/node_ring.h), so pushes and pops at either end are O(1) and an index costs a walk
// over node sizes (from the nearer end) plus one listpack walk. A node holds at most
// list-max-listpack-size elements (> 0) or bytes (-1..-5: 4, 8, 16, 32, 64 KB); an insertion in the
// middle that overfills a node splits it. RDB saves each node's listpack as is (QUICKLIST_2).
//
// list-compress-depth d > 0 keeps the d nodes at each end as they are and the nodes between
// them LZF-compressed (Redis's quicklist does the same): pushes and pops never touch a
// compressed node; a read of one decompresses it into a per-thread scratch listpack, a change
// decompresses it and compresses it again afterwards. The depth is the one in force at the
// list's last push or insert.
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

// One node of a list: a listpack, or that listpack's bytes LZF-compressed.
class ListNode {
 public:
  ListNode() = default;
  explicit ListNode(Listpack lp) : lp_(std::move(lp)) {}
  ListNode(ListNode&& other) noexcept;
  ListNode& operator=(ListNode&& other) noexcept;
  ~ListNode();

  size_t size() const { return packed_ != nullptr ? packed_->count : lp_.size(); }
  bool compressed() const { return packed_ != nullptr; }
  // The listpack of a node that is not compressed.
  Listpack& lp() { return lp_; }
  const Listpack& lp() const { return lp_; }
  // The listpack, decompressed into `scratch` when the node is compressed.
  const Listpack& View(Listpack* scratch) const;
  // The listpack; a compressed node is decompressed into a per-thread cache that keeps the
  // last node read, so a run of reads of one interior node (LINDEX, LRANGE, LPOS in the
  // middle of a list) decompresses it once. The result lasts until the next ViewCached of
  // another compressed node on this thread.
  const Listpack& ViewCached() const;

  // Compresses the node unless it is small or would not shrink (as Redis: under 48 bytes, or
  // saving under 8); true when it is compressed afterwards.
  bool Compress();
  void Decompress();
  // A compressed node's LZF bytes, and the size of the listpack they decompress to.
  std::string_view packed_bytes() const;
  size_t raw_bytes_size() const {
    return packed_ != nullptr ? packed_->raw_size : lp_.bytes_size();
  }

  size_t MemoryUsage() const;
  ListNode Clone() const;
  // A compressed node holding `lzf` (see ListValue::AppendPackedNode).
  static ListNode FromPacked(std::string_view lzf, size_t raw_size, size_t count);

 private:
  struct Packed {
    // Unique among all blocks ever compressed in this process: with the block's address it
    // names the contents for the read cache, even when a freed block's address comes back.
    uint64_t id;
    uint32_t raw_size;  // bytes of the listpack
    uint32_t count;     // its elements
    uint32_t size;      // LZF bytes that follow
    char data[];
  };
  static Packed* NewPacked(std::string_view lzf, size_t raw_size, size_t count);
  static Listpack Unpack(const Packed& p);
  static uint64_t NextId();

  Listpack lp_;  // moved-from (no block) while compressed
  Packed* packed_ = nullptr;
};

class ListValue final : public CompositeValue {
 public:
  using Nodes = NodeRing<ListNode>;

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

  // For RDB: the nodes, and adding a loaded (validated, non-empty) node at the tail; then
  // ApplyCompression compresses as list-compress-depth says.
  const Nodes& nodes() const { return nodes_; }
  void AppendNode(Listpack node);
  // A node given as LZF bytes that decompress to a valid listpack of `raw_size` bytes holding
  // `count` (> 0) elements: what RDB loading checked before passing them.
  void AppendPackedNode(std::string_view lzf, size_t raw_size, size_t count);
  void ApplyCompression(const EncodingLimits& limits);

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
  // Node n's listpack for reading (views into it last until the next read of a compressed
  // node on this thread), and for changing (decompressed first).
  const Listpack& Read(size_t n) const;
  Listpack& Change(size_t n);
  bool Contains(size_t n, std::string_view v) const;
  // Puts node i (if any) in the form list-compress-depth wants; SettleEnds for the nodes at
  // the depth boundaries (after a push or pop), SettleAll for all of them.
  void Settle(size_t i);
  void SettleEnds();
  void SettleAll();
  // Takes the depth of `limits`, settling every node if it changed.
  void UseDepth(const EncodingLimits& limits);
  // Node n is about to be changed in place: it becomes the hot node, which stays raw after the
  // change, so a run of LSETs or LINSERTs into one interior node decompresses and compresses
  // it once rather than per command. The previous hot node is compressed now.
  void MakeHot(size_t n);
  // Compresses the hot node (if interior) and forgets it: done before anything that moves
  // node indexes (a node added, split off or removed) or settles every node.
  void CoolHot();
  static bool HasRoom(const Listpack& node, std::string_view v, const EncodingLimits& limits);
  static bool Overfull(const Listpack& node, const EncodingLimits& limits);
  // Splits node i in two halves when it is over the limit.
  void SplitIfOverfull(size_t i, const EncodingLimits& limits);
  void EraseNodeIfEmpty(size_t i);

  static constexpr size_t kNoHot = SIZE_MAX;

  Nodes nodes_;
  size_t size_ = 0;
  size_t hot_ = kNoHot;
  uint32_t compress_depth_ = 0;
};

template <typename Fn>
void ListValue::ForRange(size_t start, size_t stop, Fn&& fn) const {
  Position p = Locate(start);
  char buf[24];
  size_t left = stop - start + 1;
  for (size_t n = p.node; n < nodes_.size() && left > 0; ++n) {
    const Listpack& lp = Read(n);
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
    for (size_t n = 0; n < nodes_.size(); ++n) {
      const Listpack& lp = Read(n);
      for (uint32_t pos = lp.First(); pos != Listpack::kNone; pos = lp.Next(pos)) {
        if (!fn(index++, lp.Get(pos).Text(buf))) return;
      }
    }
    return;
  }
  size_t index = size_;
  for (size_t n = nodes_.size(); n-- > 0;) {
    const Listpack& lp = Read(n);
    for (uint32_t pos = lp.Last(); pos != Listpack::kNone; pos = lp.Prev(pos)) {
      if (!fn(--index, lp.Get(pos).Text(buf))) return;
    }
  }
}

}  // namespace basalt::store
