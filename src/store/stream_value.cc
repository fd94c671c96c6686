#include "store/stream_value.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string>

#include "common/strings.h"

namespace basalt::store {

namespace {

// Nodes never grow past this however stream-node-max-bytes is set (Redis's cap too).
constexpr size_t kNodeMaxBytesCap = size_t{1} << 30;

int64_t IntAt(const Listpack& lp, uint32_t pos) {
  const Listpack::Value v = lp.Get(pos);
  if (v.is_int) return v.num;
  int64_t n = 0;
  ParseInt64(v.str, &n);
  return n;
}

}  // namespace

// Reads one node's entries. Positions are those of the entries' flags elements.
class StreamValue::Reader {
 public:
  Reader(const Listpack& lp, StreamId master) : lp_(lp), master_(master) {
    uint32_t pos = lp.First();
    live_ = IntAt(lp, pos);
    pos = lp.Next(pos);
    deleted_ = IntAt(lp, pos);
    pos = lp.Next(pos);
    master_fields_ = IntAt(lp, pos);
    pos = lp.Next(pos);
    master_fields_pos_ = pos;
    for (int64_t i = 0; i < master_fields_; ++i) pos = lp.Next(pos);
    first_entry_ = lp.Next(pos);  // past the master entry's terminating 0
  }

  int64_t live() const { return live_; }
  int64_t deleted() const { return deleted_; }
  uint32_t first_entry() const { return first_entry_; }

  uint32_t LastEntry() const {
    if (first_entry_ == Listpack::kNone) return Listpack::kNone;
    return Back(lp_.Last());
  }
  // The entry after the one at `pos` (kNone at the end).
  uint32_t NextEntry(uint32_t pos) const {
    const int64_t flags = IntAt(lp_, pos);
    pos = Skip(lp_.Next(pos), 2);
    const int64_t fields = (flags & kFlagSameFields) ? master_fields_ : IntAt(lp_, pos);
    if (!(flags & kFlagSameFields))
      pos = Skip(lp_.Next(pos), static_cast<size_t>(2 * fields));
    else
      pos = Skip(pos, static_cast<size_t>(fields));
    return lp_.Next(pos);  // past lp-count
  }
  uint32_t PrevEntry(uint32_t pos) const {
    if (pos == first_entry_) return Listpack::kNone;
    return Back(lp_.Prev(pos));
  }

  int64_t Flags(uint32_t pos) const { return IntAt(lp_, pos); }
  StreamId Id(uint32_t pos) const {
    pos = lp_.Next(pos);
    const int64_t ms_diff = IntAt(lp_, pos);
    const int64_t seq_diff = IntAt(lp_, lp_.Next(pos));
    return {master_.ms + static_cast<uint64_t>(ms_diff),
            master_.seq + static_cast<uint64_t>(seq_diff)};
  }

  // The entry's fields and values, alternating, into *out; integers are formatted into *ints.
  void FieldsValues(uint32_t pos, std::vector<std::string_view>* out, std::string* ints) const {
    const int64_t flags = IntAt(lp_, pos);
    pos = Skip(lp_.Next(pos), 2);
    out->clear();
    ints->clear();
    if (flags & kFlagSameFields) {
      ints->reserve(static_cast<size_t>(2 * master_fields_) * Listpack::kIntBufSize);
      uint32_t field = master_fields_pos_;
      for (int64_t i = 0; i < master_fields_; ++i) {
        out->push_back(Text(field, ints));
        out->push_back(Text(pos, ints));
        field = lp_.Next(field);
        pos = lp_.Next(pos);
      }
      return;
    }
    const int64_t fields = IntAt(lp_, pos);
    ints->reserve(static_cast<size_t>(2 * fields) * Listpack::kIntBufSize);
    pos = lp_.Next(pos);
    for (int64_t i = 0; i < 2 * fields; ++i) {
      out->push_back(Text(pos, ints));
      pos = lp_.Next(pos);
    }
  }

 private:
  uint32_t Skip(uint32_t pos, size_t n) const {
    for (size_t i = 0; i < n; ++i) pos = lp_.Next(pos);
    return pos;
  }
  // From an entry's lp-count element back to its flags.
  uint32_t Back(uint32_t lp_count_pos) const {
    const int64_t n = IntAt(lp_, lp_count_pos);
    uint32_t pos = lp_count_pos;
    for (int64_t i = 0; i < n; ++i) pos = lp_.Prev(pos);
    return pos;
  }
  // The element's text; an integer is formatted at the end of *ints (reserved by the caller,
  // so earlier views stay valid).
  std::string_view Text(uint32_t pos, std::string* ints) const {
    const Listpack::Value v = lp_.Get(pos);
    if (!v.is_int) return v.str;
    char buf[Listpack::kIntBufSize];
    const size_t at = ints->size();
    ints->append(buf, static_cast<size_t>(FormatInt64(v.num, buf)));
    return std::string_view(ints->data() + at, ints->size() - at);
  }

  const Listpack& lp_;
  StreamId master_;
  int64_t live_ = 0;
  int64_t deleted_ = 0;
  int64_t master_fields_ = 0;
  uint32_t master_fields_pos_ = Listpack::kNone;
  uint32_t first_entry_ = Listpack::kNone;
};

StreamValue::StreamValue() = default;
StreamValue::~StreamValue() = default;

void StreamValue::Append(StreamId id, std::span<const std::string_view> fields_values,
                         const EncodingLimits& limits) {
  const auto fields = static_cast<int64_t>(fields_values.size() / 2);
  Listpack* node = nullptr;
  StreamId master;
  if (!nodes_.empty()) {
    auto last = std::prev(nodes_.end());
    size_t max_bytes = static_cast<size_t>(limits.stream_node_max_bytes);
    if (max_bytes == 0 || max_bytes > kNodeMaxBytesCap) max_bytes = kNodeMaxBytesCap;
    size_t added_bytes = 0;
    for (std::string_view s : fields_values) added_bytes += s.size();
    const Reader r(last->second, last->first);
    const bool full = last->second.bytes_size() + added_bytes >= max_bytes ||
                      (limits.stream_node_max_entries > 0 &&
                       r.live() + r.deleted() >= limits.stream_node_max_entries);
    // A new node's master must be above the tail's, so the map stays in entry order even
    // after XSETID lowered the last ID below a deleted entry's (then the tail takes it anyway).
    if (full && id > last->first) {
      last->second.ShrinkToFit();
    } else {
      node = &last->second;
      master = last->first;
    }
  }
  int64_t flags = 0;
  if (node == nullptr) {
    master = id;
    Listpack fresh;
    fresh.AppendInt(0);  // count, raised below
    fresh.AppendInt(0);
    fresh.AppendInt(fields);
    for (int64_t i = 0; i < fields; ++i) fresh.Append(fields_values[2 * i]);
    fresh.AppendInt(0);
    node = &nodes_.emplace(id, std::move(fresh)).first->second;
    flags = kFlagSameFields;
  } else {
    uint32_t pos = node->Next(node->Next(node->First()));
    if (IntAt(*node, pos) == fields) {
      bool same = true;
      for (int64_t i = 0; i < fields && same; ++i) {
        pos = node->Next(pos);
        same = node->Get(pos).Equals(fields_values[2 * i]);
      }
      if (same) flags = kFlagSameFields;
    }
  }
  const Reader r(*node, master);
  node->Replace(node->First(), Int64ToString(r.live() + 1));
  node->AppendInt(flags);
  node->AppendInt(static_cast<int64_t>(id.ms - master.ms));
  node->AppendInt(static_cast<int64_t>(id.seq - master.seq));
  if (flags & kFlagSameFields) {
    for (int64_t i = 0; i < fields; ++i) node->Append(fields_values[2 * i + 1]);
    node->AppendInt(fields + 3);
  } else {
    node->AppendInt(fields);
    for (std::string_view s : fields_values) node->Append(s);
    node->AppendInt(2 * fields + 4);
  }
  ++length_;
  ++entries_added_;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
}

bool StreamValue::MarkDeleted(NodeMap::iterator it, uint32_t flags_pos, bool remove_empty) {
  Listpack& lp = it->second;
  const Reader r(lp, it->first);
  const int64_t live = r.live();
  const int64_t deleted = r.deleted();
  if (live == 1 && remove_empty) {
    nodes_.erase(it);
    return true;
  }
  lp.Replace(flags_pos, Int64ToString(r.Flags(flags_pos) | kFlagDeleted));
  const uint32_t deleted_pos = lp.Next(lp.Replace(lp.First(), Int64ToString(live - 1)));
  lp.Replace(deleted_pos, Int64ToString(deleted + 1));
  return false;
}

bool StreamValue::Delete(StreamId id) {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) return false;
  --it;
  const Reader r(it->second, it->first);
  for (uint32_t pos = r.first_entry(); pos != Listpack::kNone; pos = r.NextEntry(pos)) {
    if (r.Flags(pos) & kFlagDeleted) continue;  // only live entries are in ID order
    const StreamId at = r.Id(pos);
    if (at > id) return false;
    if (at < id) continue;
    MarkDeleted(it, pos, true);
    --length_;
    if (id > max_deleted_id_) max_deleted_id_ = id;
    if (id == first_id_) RefreshFirstId();
    return true;
  }
  return false;
}

uint64_t StreamValue::Trim(const TrimSpec& spec) {
  uint64_t removed = 0;
  auto done = [&] { return spec.by == TrimBy::kMaxLen && length_ <= spec.maxlen; };
  while (!nodes_.empty() && !done()) {
    auto it = nodes_.begin();
    const Reader r(it->second, it->first);
    const auto live = static_cast<uint64_t>(r.live());
    if (spec.limit > 0 && removed + live > static_cast<uint64_t>(spec.limit)) break;
    const bool whole = spec.by == TrimBy::kMaxLen ? length_ - live >= spec.maxlen
                                                  : r.Id(r.LastEntry()) < spec.minid;
    if (whole) {
      nodes_.erase(it);
      length_ -= live;
      removed += live;
      continue;
    }
    if (spec.approx) break;
    // Exact: mark the node's oldest entries deleted until the spec holds.
    for (uint32_t pos = r.first_entry(); pos != Listpack::kNone;) {
      // As Redis, the stop is checked at deleted entries too.
      if (done() || (spec.by == TrimBy::kMinId && r.Id(pos) >= spec.minid)) break;
      const uint32_t next = r.NextEntry(pos);
      if (!(r.Flags(pos) & kFlagDeleted)) {
        // The node stays, even when this was its last live entry (as in Redis).
        Listpack& lp = it->second;
        const auto offset_from_end = static_cast<uint32_t>(lp.bytes_size() - next);
        MarkDeleted(it, pos, false);
        --length_;
        ++removed;
        pos = static_cast<uint32_t>(lp.bytes_size()) - offset_from_end;
        if (next == Listpack::kNone) break;
        continue;
      }
      pos = next;
    }
    break;
  }
  if (removed > 0) RefreshFirstId();
  return removed;
}

bool StreamValue::TrimWouldRemove(const TrimSpec& spec) const {
  if (nodes_.empty()) return false;
  if (spec.by == TrimBy::kMaxLen && length_ <= spec.maxlen) return false;
  const auto& [master, node] = *nodes_.begin();
  const Reader r(node, master);
  const auto live = static_cast<uint64_t>(r.live());
  if (spec.limit > 0 && live > static_cast<uint64_t>(spec.limit)) return false;
  if (spec.by == TrimBy::kMaxLen) return !spec.approx || length_ - live >= spec.maxlen;
  if (r.Id(r.LastEntry()) < spec.minid) return true;
  if (spec.approx) return false;
  for (uint32_t pos = r.first_entry(); pos != Listpack::kNone; pos = r.NextEntry(pos)) {
    if (r.Id(pos) >= spec.minid) return false;
    if (!(r.Flags(pos) & kFlagDeleted)) return true;
  }
  return false;
}

bool StreamValue::FirstStoredId(StreamId* id) const {
  if (nodes_.empty()) return false;
  const Reader r(nodes_.begin()->second, nodes_.begin()->first);
  *id = r.Id(r.first_entry());
  return true;
}

void StreamValue::RefreshFirstId() {
  if (!EdgeId(false, &first_id_)) first_id_ = StreamId::Min();
}

bool StreamValue::EdgeId(bool last, StreamId* id) const {
  bool found = false;
  ForRange(StreamId::Min(), StreamId::Max(), last, [&](const StreamEntryView& e) {
    *id = e.id;
    found = true;
    return false;
  });
  return found;
}

void StreamValue::Visit(StreamId start, StreamId end, bool reverse, VisitFn fn, void* ctx) const {
  if (start > end || nodes_.empty()) return;
  std::vector<std::string_view> fv;
  std::string ints;
  auto emit = [&](const Reader& r, uint32_t pos, StreamId id) {
    r.FieldsValues(pos, &fv, &ints);
    return fn(ctx, StreamEntryView{id, fv});
  };
  if (!reverse) {
    auto it = nodes_.upper_bound(start);
    if (it != nodes_.begin()) --it;
    for (; it != nodes_.end() && it->first <= end; ++it) {
      const Reader r(it->second, it->first);
      for (uint32_t pos = r.first_entry(); pos != Listpack::kNone; pos = r.NextEntry(pos)) {
        if (r.Flags(pos) & kFlagDeleted) continue;  // only live entries are in ID order
        const StreamId id = r.Id(pos);
        if (id > end) return;
        if (id < start) continue;
        if (!emit(r, pos, id)) return;
      }
    }
    return;
  }
  auto it = nodes_.upper_bound(end);
  while (it != nodes_.begin()) {
    --it;
    const Reader r(it->second, it->first);
    for (uint32_t pos = r.LastEntry(); pos != Listpack::kNone; pos = r.PrevEntry(pos)) {
      if (r.Flags(pos) & kFlagDeleted) continue;
      const StreamId id = r.Id(pos);
      if (id < start) return;
      if (id > end) continue;
      if (!emit(r, pos, id)) return;
    }
  }
}

int64_t StreamValue::EstimateEntriesRead(StreamId id) const {
  if (entries_added_ == 0) return 0;
  if (length_ == 0 && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return -1;
  if (max_deleted_id_.IsZero() || max_deleted_id_ < first_id_) {
    // Nothing deleted after the first entry: the count before it is exact.
    if (id < first_id_) return static_cast<int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<int64_t>(entries_added_ - length_ + 1);
  }
  return -1;
}

bool StreamValue::RangeHasTombstones(StreamId start, StreamId end) const {
  if (length_ == 0 || max_deleted_id_.IsZero()) return false;
  if (first_id_ > max_deleted_id_) return false;
  return start <= max_deleted_id_ && max_deleted_id_ <= end;
}

bool StreamValue::GroupLag(const StreamGroup& group, int64_t* lag) const {
  if (entries_added_ == 0) {
    *lag = 0;
    return true;
  }
  if (group.entries_read >= 0 && !RangeHasTombstones(group.last_id, StreamId::Max())) {
    *lag = WrappingSub(static_cast<int64_t>(entries_added_), group.entries_read);
    return true;
  }
  const int64_t read = EstimateEntriesRead(group.last_id);
  if (read < 0) return false;
  *lag = WrappingSub(static_cast<int64_t>(entries_added_), read);
  return true;
}

void StreamValue::AdvanceGroup(StreamGroup& group, StreamId id) const {
  if (id <= group.last_id) return;
  if (group.entries_read >= 0 && !RangeHasTombstones(id, StreamId::Max())) {
    group.entries_read = WrappingSub(group.entries_read, -1);
  } else if (entries_added_ > 0) {
    group.entries_read = EstimateEntriesRead(id);
  }
  group.last_id = id;
}

void StreamValue::AdoptNode(StreamId master, Listpack node, uint64_t live_entries) {
  nodes_.emplace_hint(nodes_.end(), master, std::move(node));
  length_ += live_entries;
}

bool StreamValue::ValidateNode(const Listpack& lp, StreamId master, StreamId after, uint64_t* live,
                               StreamId* last) {
  // Every element read must exist and be an integer where the format has a number.
  uint32_t pos = lp.First();
  auto next_int = [&](int64_t* v) {
    if (pos == Listpack::kNone) return false;
    const Listpack::Value e = lp.Get(pos);
    if (!e.is_int) return false;
    *v = e.num;
    pos = lp.Next(pos);
    return true;
  };
  auto skip = [&](int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      if (pos == Listpack::kNone) return false;
      pos = lp.Next(pos);
    }
    return true;
  };
  int64_t count, deleted, master_fields, zero;
  if (!next_int(&count) || !next_int(&deleted) || !next_int(&master_fields)) return false;
  if (count < 0 || deleted < 0 || master_fields < 0 ||
      static_cast<uint64_t>(master_fields) > lp.size()) {
    return false;
  }
  if (!skip(master_fields) || !next_int(&zero) || zero != 0) return false;
  int64_t seen_live = 0, seen_deleted = 0;
  StreamId prev = after;
  bool any = false;
  while (pos != Listpack::kNone) {
    int64_t flags, ms_diff, seq_diff;
    if (!next_int(&flags) || !next_int(&ms_diff) || !next_int(&seq_diff)) return false;
    if (flags < 0 || flags > (kFlagDeleted | kFlagSameFields)) return false;
    const StreamId id{master.ms + static_cast<uint64_t>(ms_diff),
                      master.seq + static_cast<uint64_t>(seq_diff)};
    // Live entries ascend, above the previous node's. Deleted ones may lie anywhere: after an
    // XSETID below a deleted entry's ID, new entries follow it in its node (as in Redis).
    if (!(flags & kFlagDeleted)) {
      if (id <= prev) return false;
      prev = id;
    }
    int64_t elements;
    if (flags & kFlagSameFields) {
      if (!skip(master_fields)) return false;
      elements = master_fields + 3;
    } else {
      int64_t fields;
      if (!next_int(&fields) || fields < 0 || static_cast<uint64_t>(fields) > lp.size()) {
        return false;
      }
      if (!skip(2 * fields)) return false;
      elements = 2 * fields + 4;
    }
    int64_t lp_count;
    if (!next_int(&lp_count) || lp_count != elements) return false;
    (flags & kFlagDeleted) ? ++seen_deleted : ++seen_live;
    any = true;
  }
  // A node may hold only deleted entries: an exact trim by MINID marks entries deleted in a node
  // whose last entry was already deleted, and does not remove the node.
  if (!any || seen_live != count || seen_deleted != deleted) return false;
  *live = static_cast<uint64_t>(count);
  *last = prev;
  return true;
}

bool StreamValue::CheckInvariants() const {
  uint64_t live_total = 0;
  StreamId after;
  bool first = true;
  for (const auto& [master, lp] : nodes_) {
    uint64_t live;
    StreamId last;
    if (!ValidateNode(lp, master, first ? StreamId::Min() : after, &live, &last)) return false;
    live_total += live;
    after = last;
    first = false;
  }
  if (live_total != length_) return false;
  if (!nodes_.empty() && after > last_id_) return false;
  return true;
}

size_t StreamValue::MemoryUsage() const {
  size_t bytes = mem::UsableSize(const_cast<StreamValue*>(this));
  for (const auto& [master, lp] : nodes_)
    bytes += 32 + sizeof(NodeMap::value_type) + lp.MemoryUsage();
  return bytes + groups_.MemoryUsage();
}

CompositeValue* StreamValue::Clone() const {
  auto* copy = new StreamValue();
  for (const auto& [master, lp] : nodes_)
    copy->nodes_.emplace_hint(copy->nodes_.end(), master, lp.Clone());
  copy->length_ = length_;
  copy->last_id_ = last_id_;
  copy->first_id_ = first_id_;
  copy->max_deleted_id_ = max_deleted_id_;
  copy->entries_added_ = entries_added_;
  copy->groups_.CopyFrom(groups_);
  return copy;
}

}  // namespace basalt::store
