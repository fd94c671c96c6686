// The value of a stream key: entries (an ID and field/value pairs) in ascending ID order, kept
// in nodes that are listpacks in Redis 7.0's stream node format, so an RDB file or DUMP payload
// carries our nodes byte for byte in both directions; plus the stream's counters and its
// consumer groups (store/stream_groups.h).
//
// A node's listpack (byte format: store/listpack.h) is, element by element:
//
//   master entry:  count | deleted | N | field_1 ... field_N | 0
//   each entry:    flags | ms - master.ms | seq - master.seq |
//                    (flags & kSameFields) ? value_1 ... value_N
//                                          : M | field_1 | value_1 ... field_M | value_M
//                  | elements of the entry before this one (lp-count, to walk backwards)
//
// The node is keyed by its master ID (its first entry's ID when it was made). `count` is the
// node's live entries, `deleted` those marked with kDeleted (XDEL and a trim inside a node
// only mark; a node whose entries are all deleted goes away). An entry whose fields are the
// master's fields, in order, stores only its values. Nodes take new entries until
// stream-node-max-bytes or stream-node-max-entries (live and deleted) would be passed.
//
// The nodes are in an ordered map rather than Redis's radix tree: same order, and iteration
// walks them as Redis does, so trimming, XINFO and DUMP see the same nodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/memory.h"
#include "store/encoding_limits.h"
#include "store/entry.h"
#include "store/listpack.h"
#include "store/stream_groups.h"
#include "store/stream_id.h"

namespace basalt::store {

// An entry as read from its node: fields and values alternate. Views point into the node (and
// integers are formatted into the reader's buffers): valid until the stream changes.
struct StreamEntryView {
  StreamId id;
  std::span<const std::string_view> fields_values;
};

class StreamValue final : public CompositeValue {
 public:
  static constexpr int64_t kFlagDeleted = 1;
  static constexpr int64_t kFlagSameFields = 2;

  using NodeMap = std::map<StreamId, Listpack, std::less<>,
                           mem::Allocator<std::pair<const StreamId, Listpack>>>;

  StreamValue();
  ~StreamValue() override;

  uint64_t length() const { return length_; }
  StreamId last_id() const { return last_id_; }
  StreamId first_id() const { return first_id_; }
  StreamId max_deleted_id() const { return max_deleted_id_; }
  uint64_t entries_added() const { return entries_added_; }
  // XSETID and loaders.
  void set_last_id(StreamId id) { last_id_ = id; }
  void set_max_deleted_id(StreamId id) { max_deleted_id_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }
  void set_first_id(StreamId id) { first_id_ = id; }

  // Appends an entry; `id` must be above last_id(), fields_values non-empty and even.
  void Append(StreamId id, std::span<const std::string_view> fields_values,
              const EncodingLimits& limits);
  // Marks the entry `id` deleted (XDEL); false when there is no such live entry.
  bool Delete(StreamId id);

  enum class TrimBy { kMaxLen, kMinId };
  struct TrimSpec {
    TrimBy by = TrimBy::kMaxLen;
    uint64_t maxlen = 0;
    StreamId minid;
    bool approx = false;  // only whole nodes go ("~")
    int64_t limit = 0;    // approx only: entries examined at most (0: no limit)
  };
  // Removes the oldest entries down to the spec, as Redis's trim does; returns how many went.
  uint64_t Trim(const TrimSpec& spec);
  // Whether Trim(spec) would change anything (callers announce a change before making it).
  bool TrimWouldRemove(const TrimSpec& spec) const;

  // fn(StreamEntryView) -> bool (false stops) for the live entries with start <= id <= end,
  // ascending, or descending when `reverse`.
  template <typename Fn>
  void ForRange(StreamId start, StreamId end, bool reverse, Fn&& fn) const;
  // The live entry `id`, if any: fn(StreamEntryView) is called once. False when absent.
  template <typename Fn>
  bool Find(StreamId id, Fn&& fn) const;
  // The first or last live entry's ID; false when the stream is empty.
  bool EdgeId(bool last, StreamId* id) const;
  // The first entry's ID, deleted or not (a trim's propagated MINID); false without nodes.
  bool FirstStoredId(StreamId* id) const;

  // Consumer groups, by name.
  StreamGroups& groups() { return groups_; }
  const StreamGroups& groups() const { return groups_; }

  // The group's entries-read counter for a group whose last delivered ID is `id`, when it can
  // be told (Redis's estimate): -1 when not.
  int64_t EstimateEntriesRead(StreamId id) const;
  // Whether a deleted entry may lie in [start, end] (the newest deletion does).
  bool RangeHasTombstones(StreamId start, StreamId end) const;
  // A group's lag (XINFO GROUPS); false: unknown (a null reply).
  bool GroupLag(const StreamGroup& group, int64_t* lag) const;
  // A group delivered `id` (past its last delivered ID): its counters advance.
  void AdvanceGroup(StreamGroup& group, StreamId id) const;

  // The nodes, for RDB, DUMP and XINFO.
  const NodeMap& nodes() const { return nodes_; }
  // Loaders: adopts a node validated with ValidateNode. Nodes come in ascending order.
  void AdoptNode(StreamId master, Listpack node, uint64_t live_entries);
  // Whether `node` is a well-formed stream node under `master`: every element where the format
  // puts it, flags known, live entries' IDs ascending and above `after`, counts agreeing. Sets
  // *live to its live entries, *last to its last live entry's ID (`after` when none).
  static bool ValidateNode(const Listpack& node, StreamId master, StreamId after, uint64_t* live,
                           StreamId* last);
  // Tests: counters and nodes agree.
  bool CheckInvariants() const;

  // CompositeValue
  size_t MemoryUsage() const override;
  CompositeValue* Clone() const override;
  std::string_view EncodingName() const override { return "stream"; }
  size_t FreeEffort() const override { return nodes_.size() + groups_.FreeEffort(); }

  // Walks entries (used by ForRange and Find). Public for the .cc's helpers.
  class Reader;

 private:
  using VisitFn = bool (*)(void* ctx, const StreamEntryView& entry);
  void Visit(StreamId start, StreamId end, bool reverse, VisitFn fn, void* ctx) const;
  // Marks the live entry at `flags_pos` of node `it` deleted; removes the node when it was
  // its last live entry and `remove_empty`. Returns whether the node was removed.
  bool MarkDeleted(NodeMap::iterator it, uint32_t flags_pos, bool remove_empty);
  void RefreshFirstId();

  NodeMap nodes_;
  uint64_t length_ = 0;
  StreamId last_id_;
  StreamId first_id_;
  StreamId max_deleted_id_;
  uint64_t entries_added_ = 0;
  StreamGroups groups_;
};

template <typename Fn>
void StreamValue::ForRange(StreamId start, StreamId end, bool reverse, Fn&& fn) const {
  Visit(
      start, end, reverse,
      [](void* ctx, const StreamEntryView& entry) -> bool {
        auto& f = *static_cast<std::remove_reference_t<Fn>*>(ctx);
        if constexpr (std::is_void_v<decltype(f(entry))>) {
          f(entry);
          return true;
        } else {
          return f(entry);
        }
      },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

template <typename Fn>
bool StreamValue::Find(StreamId id, Fn&& fn) const {
  bool found = false;
  ForRange(id, id, false, [&](const StreamEntryView& entry) {
    found = true;
    fn(entry);
    return false;
  });
  return found;
}

}  // namespace basalt::store
