#include "store/list_value.h"

#include <algorithm>

namespace basalt::store {

namespace {

// A count-limited node still stops at this many bytes (Redis's SIZE_SAFETY_LIMIT), so a few
// huge elements never make one enormous block.
constexpr size_t kSizeSafetyLimit = 8192;

size_t ByteLimit(int64_t fill) {
  const int64_t level = std::clamp<int64_t>(-fill, 1, 5);
  return size_t{4096} << (level - 1);
}

}  // namespace

bool ListValue::HasRoom(const Listpack& node, std::string_view v, const EncodingLimits& limits) {
  const int64_t fill = limits.list_max_listpack_size;
  const size_t new_bytes = node.bytes_size() + Listpack::EntrySizeFor(v);
  if (fill >= 0) {
    return new_bytes <= kSizeSafetyLimit && node.size() < static_cast<uint64_t>(fill);
  }
  return new_bytes <= ByteLimit(fill);
}

bool ListValue::Overfull(const Listpack& node, const EncodingLimits& limits) {
  const int64_t fill = limits.list_max_listpack_size;
  if (fill >= 0) {
    return node.size() > static_cast<uint64_t>(std::max<int64_t>(fill, 1)) ||
           node.bytes_size() > kSizeSafetyLimit;
  }
  return node.bytes_size() > ByteLimit(fill);
}

void ListValue::PushFront(std::string_view v, const EncodingLimits& limits) {
  if (nodes_.empty() || !HasRoom(nodes_.front(), v, limits)) nodes_.emplace_front();
  nodes_.front().Prepend(v);
  ++size_;
}

void ListValue::PushBack(std::string_view v, const EncodingLimits& limits) {
  if (nodes_.empty() || !HasRoom(nodes_.back(), v, limits)) nodes_.emplace_back();
  nodes_.back().Append(v);
  ++size_;
}

std::string ListValue::PopFront() {
  Listpack& lp = nodes_.front();
  char buf[24];
  const uint32_t pos = lp.First();
  std::string v(lp.Get(pos).Text(buf));
  lp.Delete(pos);
  if (lp.empty()) nodes_.pop_front();
  --size_;
  return v;
}

std::string ListValue::PopBack() {
  Listpack& lp = nodes_.back();
  char buf[24];
  const uint32_t pos = lp.Last();
  std::string v(lp.Get(pos).Text(buf));
  lp.Delete(pos);
  if (lp.empty()) nodes_.pop_back();
  --size_;
  return v;
}

ListValue::Position ListValue::Locate(size_t index) const {
  if (index < size_ / 2) {
    for (size_t n = 0;; ++n) {
      if (index < nodes_[n].size()) return {n, nodes_[n].Seek(static_cast<int64_t>(index))};
      index -= nodes_[n].size();
    }
  }
  size_t from_tail = size_ - 1 - index;  // 0 = the last element
  for (size_t n = nodes_.size() - 1;; --n) {
    if (from_tail < nodes_[n].size()) {
      return {n, nodes_[n].Seek(-1 - static_cast<int64_t>(from_tail))};
    }
    from_tail -= nodes_[n].size();
  }
}

std::string_view ListValue::At(size_t index, NumberBuffer* buf) const {
  const Position p = Locate(index);
  return nodes_[p.node].Get(p.pos).Text(buf->data);
}

void ListValue::Set(size_t index, std::string_view v, const EncodingLimits& limits) {
  const Position p = Locate(index);
  nodes_[p.node].Replace(p.pos, v);
  SplitIfOverfull(p.node, limits);
}

bool ListValue::InsertAtPivot(std::string_view pivot, std::string_view v, bool after,
                              const EncodingLimits& limits) {
  for (size_t n = 0; n < nodes_.size(); ++n) {
    Listpack& lp = nodes_[n];
    const uint32_t pos = lp.Find(lp.First(), pivot);
    if (pos == Listpack::kNone) continue;
    after ? lp.InsertAfter(pos, v) : lp.InsertBefore(pos, v);
    ++size_;
    SplitIfOverfull(n, limits);
    return true;
  }
  return false;
}

void ListValue::SplitIfOverfull(size_t i, const EncodingLimits& limits) {
  if (nodes_[i].size() < 2 || !Overfull(nodes_[i], limits)) return;
  Listpack tail;
  Listpack& node = nodes_[i];
  const size_t keep = node.size() / 2;
  char buf[24];
  uint32_t pos = node.Seek(static_cast<int64_t>(keep));
  for (uint32_t p = pos; p != Listpack::kNone; p = node.Next(p)) tail.Append(node.Get(p).Text(buf));
  node.DeleteRange(pos, node.size() - keep);
  nodes_.insert(i + 1, std::move(tail));
}

void ListValue::EraseNodeIfEmpty(size_t i) {
  if (nodes_[i].empty()) nodes_.erase(i);
}

size_t ListValue::Remove(std::string_view v, int64_t count) {
  const size_t limit =
      count == 0 ? SIZE_MAX
                 : (count < 0 ? 0 - static_cast<size_t>(count) : static_cast<size_t>(count));
  size_t removed = 0;
  if (count >= 0) {
    for (size_t n = 0; n < nodes_.size() && removed < limit;) {
      Listpack& lp = nodes_[n];
      for (uint32_t pos = lp.First(); pos != Listpack::kNone && removed < limit;) {
        if (lp.Get(pos).Equals(v)) {
          pos = lp.Delete(pos);
          ++removed;
        } else {
          pos = lp.Next(pos);
        }
      }
      lp.empty() ? EraseNodeIfEmpty(n) : void(++n);
    }
  } else {
    for (size_t n = nodes_.size(); n-- > 0 && removed < limit;) {
      Listpack& lp = nodes_[n];
      for (uint32_t pos = lp.Last(); pos != Listpack::kNone && removed < limit;) {
        const uint32_t prev = lp.Prev(pos);
        if (lp.Get(pos).Equals(v)) {
          lp.Delete(pos);  // earlier positions stay valid
          ++removed;
        }
        pos = prev;
      }
      EraseNodeIfEmpty(n);
    }
  }
  size_ -= removed;
  return removed;
}

void ListValue::Trim(size_t start, size_t stop) {
  size_t drop_front = start;
  size_t drop_back = size_ - 1 - stop;
  size_ -= drop_front + drop_back;
  while (drop_front > 0) {
    Listpack& lp = nodes_.front();
    if (lp.size() <= drop_front) {
      drop_front -= lp.size();
      nodes_.pop_front();
    } else {
      lp.DeleteRange(lp.First(), drop_front);
      drop_front = 0;
    }
  }
  while (drop_back > 0) {
    Listpack& lp = nodes_.back();
    if (lp.size() <= drop_back) {
      drop_back -= lp.size();
      nodes_.pop_back();
    } else {
      lp.DeleteRange(lp.Seek(-static_cast<int64_t>(drop_back)), drop_back);
      drop_back = 0;
    }
  }
}

void ListValue::AppendNode(Listpack node) {
  size_ += node.size();
  nodes_.push_back(std::move(node));
}

size_t ListValue::MemoryUsage() const {
  size_t total = mem::UsableSize(const_cast<ListValue*>(this));
  // The ring's slots hold 16-byte node handles; their listpacks are the bulk.
  total += nodes_.capacity() * sizeof(Listpack);
  for (const Listpack& lp : nodes_) total += lp.MemoryUsage();
  return total;
}

size_t ListValue::SampledMemoryUsage(size_t samples) const {
  if (samples == 0 || samples >= nodes_.size()) return MemoryUsage();
  // The first `samples` listpack nodes stand for all of them, as Redis samples a quicklist.
  size_t bytes = 0;
  for (size_t i = 0; i < samples; ++i) bytes += nodes_[i].MemoryUsage();
  const size_t fixed =
      mem::UsableSize(const_cast<ListValue*>(this)) + nodes_.capacity() * sizeof(Listpack);
  return fixed + static_cast<size_t>(static_cast<double>(bytes) / samples * nodes_.size());
}

CompositeValue* ListValue::Clone() const {
  auto* copy = new ListValue();
  for (const Listpack& lp : nodes_) copy->AppendNode(lp.Clone());
  return copy;
}

}  // namespace basalt::store
