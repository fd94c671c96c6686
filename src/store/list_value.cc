#include "store/list_value.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "common/lzf.h"

namespace basalt::store {

namespace {

// A count-limited node still stops at this many bytes (Redis's SIZE_SAFETY_LIMIT), so a few
// huge elements never make one enormous block.
constexpr size_t kSizeSafetyLimit = 8192;

size_t ByteLimit(int64_t fill) {
  const int64_t level = std::clamp<int64_t>(-fill, 1, 5);
  return size_t{4096} << (level - 1);
}

// Redis's thresholds: nodes under 48 bytes stay raw, and so do those LZF shrinks by under 8.
constexpr size_t kMinCompressBytes = 48;
constexpr size_t kMinCompressGain = 8;

}  // namespace

ListNode::ListNode(ListNode&& other) noexcept
    : lp_(std::move(other.lp_)), packed_(std::exchange(other.packed_, nullptr)) {}

ListNode& ListNode::operator=(ListNode&& other) noexcept {
  if (this != &other) {
    mem::Free(packed_);
    lp_ = std::move(other.lp_);
    packed_ = std::exchange(other.packed_, nullptr);
  }
  return *this;
}

ListNode::~ListNode() { mem::Free(packed_); }

Listpack ListNode::Unpack(const Packed& p) {
  // The block has room for the fast decoder's overrun; the listpack's header says how much of
  // it is the listpack.
  return Listpack::BuildTrusted(p.raw_size + kLzfDecompressSlack, p.count, [&](uint8_t* out) {
    // Our own bytes, compressed from a valid listpack: they decompress to exactly raw_size.
    (void)LzfDecompressWithSlack(p.data, p.size, out, p.raw_size);
  });
}

uint64_t ListNode::NextId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

const Listpack& ListNode::View(Listpack* scratch) const {
  if (packed_ == nullptr) return lp_;
  *scratch = Unpack(*packed_);
  return *scratch;
}

const Listpack& ListNode::ViewCached() const {
  if (packed_ == nullptr) return lp_;
  struct Cache {
    const Packed* block = nullptr;
    uint64_t id = 0;
    Listpack lp;
  };
  thread_local Cache cache;
  if (cache.block != packed_ || cache.id != packed_->id) {
    cache.lp = Unpack(*packed_);
    cache.block = packed_;
    cache.id = packed_->id;
  }
  return cache.lp;
}

bool ListNode::Compress() {
  if (packed_ != nullptr) return true;
  const std::string_view raw = lp_.bytes();
  if (raw.size() < kMinCompressBytes) return false;
  thread_local std::string out;
  const size_t cap = raw.size() - kMinCompressGain;
  if (out.size() < cap) out.resize(cap);
  const size_t size = LzfCompress(raw.data(), raw.size(), out.data(), cap);
  if (size == 0) return false;
  packed_ = NewPacked(std::string_view(out.data(), size), raw.size(), lp_.size());
  Listpack dropped = std::move(lp_);
  return true;
}

void ListNode::Decompress() {
  if (packed_ == nullptr) return;
  lp_ = Unpack(*packed_);
  mem::Free(std::exchange(packed_, nullptr));
}

std::string_view ListNode::packed_bytes() const {
  return packed_ != nullptr ? std::string_view(packed_->data, packed_->size) : std::string_view();
}

size_t ListNode::MemoryUsage() const {
  return packed_ != nullptr ? mem::UsableSize(packed_) : lp_.MemoryUsage();
}

ListNode::Packed* ListNode::NewPacked(std::string_view lzf, size_t raw_size, size_t count) {
  auto* p = static_cast<Packed*>(mem::Allocate(sizeof(Packed) + lzf.size()));
  p->id = NextId();
  p->raw_size = static_cast<uint32_t>(raw_size);
  p->count = static_cast<uint32_t>(count);
  p->size = static_cast<uint32_t>(lzf.size());
  std::memcpy(p->data, lzf.data(), lzf.size());
  return p;
}

ListNode ListNode::FromPacked(std::string_view lzf, size_t raw_size, size_t count) {
  ListNode node;
  node.packed_ = NewPacked(lzf, raw_size, count);
  Listpack dropped = std::move(node.lp_);
  return node;
}

ListNode ListNode::Clone() const {
  ListNode copy;
  if (packed_ == nullptr) {
    copy.lp_ = lp_.Clone();
    return copy;
  }
  copy.packed_ = NewPacked(packed_bytes(), packed_->raw_size, packed_->count);
  Listpack dropped = std::move(copy.lp_);
  return copy;
}

const Listpack& ListValue::Read(size_t n) const { return nodes_[n].ViewCached(); }

bool ListValue::Contains(size_t n, std::string_view v) const {
  const Listpack& lp = Read(n);
  return lp.Find(lp.First(), v) != Listpack::kNone;
}

Listpack& ListValue::Change(size_t n) {
  nodes_[n].Decompress();
  return nodes_[n].lp();
}

void ListValue::Settle(size_t i) {
  if (i >= nodes_.size()) return;
  const size_t d = compress_depth_;
  const bool interior = d > 0 && i >= d && i + d < nodes_.size();
  if (!interior) {
    nodes_[i].Decompress();
  } else if (i != hot_) {
    nodes_[i].Compress();
  }
}

void ListValue::MakeHot(size_t n) {
  if (hot_ == n) return;
  CoolHot();
  hot_ = n;
}

void ListValue::CoolHot() {
  const size_t h = std::exchange(hot_, kNoHot);
  if (h != kNoHot) Settle(h);
}

void ListValue::SettleEnds() {
  if (compress_depth_ == 0) return;
  // A push or pop moves the boundaries by one node: the nodes on either side of each.
  const size_t d = compress_depth_;
  const size_t n = nodes_.size();
  Settle(d - 1);
  Settle(d);
  if (n > d) Settle(n - d);
  if (n > d + 1) Settle(n - d - 1);
}

void ListValue::SettleAll() {
  for (size_t i = 0; i < nodes_.size(); ++i) Settle(i);
}

void ListValue::UseDepth(const EncodingLimits& limits) {
  const auto depth =
      static_cast<uint32_t>(std::clamp<int64_t>(limits.list_compress_depth, 0, UINT32_MAX));
  if (depth == compress_depth_) return;
  compress_depth_ = depth;
  hot_ = kNoHot;
  SettleAll();
}

void ListValue::ApplyCompression(const EncodingLimits& limits) {
  hot_ = kNoHot;
  compress_depth_ = 0;
  UseDepth(limits);
}

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
  UseDepth(limits);
  if (nodes_.empty() || !HasRoom(nodes_.front().lp(), v, limits)) {
    CoolHot();
    nodes_.emplace_front();
    SettleEnds();
  }
  nodes_.front().lp().Prepend(v);
  ++size_;
}

void ListValue::PushBack(std::string_view v, const EncodingLimits& limits) {
  UseDepth(limits);
  if (nodes_.empty() || !HasRoom(nodes_.back().lp(), v, limits)) {
    CoolHot();
    nodes_.emplace_back();
    SettleEnds();
  }
  nodes_.back().lp().Append(v);
  ++size_;
}

// The end nodes are never compressed (depth >= 1 keeps them raw).
std::string ListValue::PopFront() {
  Listpack& lp = nodes_.front().lp();
  char buf[24];
  const uint32_t pos = lp.First();
  std::string v(lp.Get(pos).Text(buf));
  lp.Delete(pos);
  if (lp.empty()) {
    CoolHot();
    nodes_.pop_front();
    SettleEnds();
  }
  --size_;
  return v;
}

std::string ListValue::PopBack() {
  Listpack& lp = nodes_.back().lp();
  char buf[24];
  const uint32_t pos = lp.Last();
  std::string v(lp.Get(pos).Text(buf));
  lp.Delete(pos);
  if (lp.empty()) {
    CoolHot();
    nodes_.pop_back();
    SettleEnds();
  }
  --size_;
  return v;
}

ListValue::Position ListValue::Locate(size_t index) const {
  if (index < size_ / 2) {
    for (size_t n = 0;; ++n) {
      if (index < nodes_[n].size()) return {n, Read(n).Seek(static_cast<int64_t>(index))};
      index -= nodes_[n].size();
    }
  }
  size_t from_tail = size_ - 1 - index;  // 0 = the last element
  for (size_t n = nodes_.size() - 1;; --n) {
    if (from_tail < nodes_[n].size()) {
      return {n, Read(n).Seek(-1 - static_cast<int64_t>(from_tail))};
    }
    from_tail -= nodes_[n].size();
  }
}

std::string_view ListValue::At(size_t index, NumberBuffer* buf) const {
  const Position p = Locate(index);
  return Read(p.node).Get(p.pos).Text(buf->data);
}

void ListValue::Set(size_t index, std::string_view v, const EncodingLimits& limits) {
  UseDepth(limits);
  // A position is a byte offset: the same in the decompressed node.
  const Position p = Locate(index);
  MakeHot(p.node);
  Change(p.node).Replace(p.pos, v);
  SplitIfOverfull(p.node, limits);
}

bool ListValue::InsertAtPivot(std::string_view pivot, std::string_view v, bool after,
                              const EncodingLimits& limits) {
  UseDepth(limits);
  for (size_t n = 0; n < nodes_.size(); ++n) {
    const Listpack& view = Read(n);
    const uint32_t pos = view.Find(view.First(), pivot);
    if (pos == Listpack::kNone) continue;
    MakeHot(n);
    Listpack& lp = Change(n);
    after ? lp.InsertAfter(pos, v) : lp.InsertBefore(pos, v);
    ++size_;
    SplitIfOverfull(n, limits);
    return true;
  }
  return false;
}

void ListValue::SplitIfOverfull(size_t i, const EncodingLimits& limits) {
  // Node i was just changed (decompressed): it takes its settled form again here.
  if (nodes_[i].size() < 2 || !Overfull(nodes_[i].lp(), limits)) {
    Settle(i);
    return;
  }
  // The split moves the indexes after i: node i (raw now) is settled below with its half.
  if (hot_ == i) hot_ = kNoHot;
  CoolHot();
  Listpack tail;
  Listpack& node = nodes_[i].lp();
  const size_t keep = node.size() / 2;
  char buf[24];
  uint32_t pos = node.Seek(static_cast<int64_t>(keep));
  for (uint32_t p = pos; p != Listpack::kNone; p = node.Next(p)) tail.Append(node.Get(p).Text(buf));
  node.DeleteRange(pos, node.size() - keep);
  nodes_.insert(i + 1, ListNode(std::move(tail)));
  // The two halves, and the head boundary the new node pushed along (the tail's distances
  // from the end did not change).
  Settle(i);
  Settle(i + 1);
  SettleEnds();
}

void ListValue::EraseNodeIfEmpty(size_t i) {
  if (nodes_[i].size() == 0) nodes_.erase(i);
}

size_t ListValue::Remove(std::string_view v, int64_t count) {
  const size_t limit =
      count == 0 ? SIZE_MAX
                 : (count < 0 ? 0 - static_cast<size_t>(count) : static_cast<size_t>(count));
  size_t removed = 0;
  CoolHot();
  if (count >= 0) {
    for (size_t n = 0; n < nodes_.size() && removed < limit;) {
      if (!Contains(n, v)) {
        ++n;
        continue;
      }
      Listpack& lp = Change(n);
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
      if (!Contains(n, v)) continue;
      Listpack& lp = Change(n);
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
  // Changed nodes were decompressed, and erased ones moved the boundaries.
  if (removed > 0 && compress_depth_ > 0) SettleAll();
  return removed;
}

void ListValue::Trim(size_t start, size_t stop) {
  CoolHot();
  size_t drop_front = start;
  size_t drop_back = size_ - 1 - stop;
  size_ -= drop_front + drop_back;
  while (drop_front > 0) {
    if (nodes_.front().size() <= drop_front) {
      drop_front -= nodes_.front().size();
      nodes_.pop_front();
    } else {
      Listpack& lp = Change(0);
      lp.DeleteRange(lp.First(), drop_front);
      drop_front = 0;
    }
  }
  while (drop_back > 0) {
    if (nodes_.back().size() <= drop_back) {
      drop_back -= nodes_.back().size();
      nodes_.pop_back();
    } else {
      Listpack& lp = Change(nodes_.size() - 1);
      lp.DeleteRange(lp.Seek(-static_cast<int64_t>(drop_back)), drop_back);
      drop_back = 0;
    }
  }
  // Nodes only came nearer the ends: those within the depth of either end are made raw.
  const size_t n = nodes_.size();
  for (size_t i = 0; i < std::min<size_t>(compress_depth_, n); ++i) {
    Settle(i);
    Settle(n - 1 - i);
  }
}

void ListValue::AppendNode(Listpack node) {
  size_ += node.size();
  nodes_.push_back(ListNode(std::move(node)));
}

void ListValue::AppendPackedNode(std::string_view lzf, size_t raw_size, size_t count) {
  size_ += count;
  nodes_.push_back(ListNode::FromPacked(lzf, raw_size, count));
}

size_t ListValue::MemoryUsage() const {
  size_t total = mem::UsableSize(const_cast<ListValue*>(this));
  // The ring's slots hold the node handles; their listpacks are the bulk.
  total += nodes_.capacity() * sizeof(ListNode);
  for (const ListNode& node : nodes_) total += node.MemoryUsage();
  return total;
}

size_t ListValue::SampledMemoryUsage(size_t samples) const {
  if (samples == 0 || samples >= nodes_.size()) return MemoryUsage();
  // The first `samples` listpack nodes stand for all of them, as Redis samples a quicklist.
  size_t bytes = 0;
  for (size_t i = 0; i < samples; ++i) bytes += nodes_[i].MemoryUsage();
  const size_t fixed =
      mem::UsableSize(const_cast<ListValue*>(this)) + nodes_.capacity() * sizeof(ListNode);
  return fixed + static_cast<size_t>(static_cast<double>(bytes) / samples * nodes_.size());
}

CompositeValue* ListValue::Clone() const {
  auto* copy = new ListValue();
  for (const ListNode& node : nodes_) copy->nodes_.push_back(node.Clone());
  copy->size_ = size_;
  copy->hot_ = hot_;
  copy->compress_depth_ = compress_depth_;
  return copy;
}

}  // namespace basalt::store
