// A hash table of intrusive nodes: chained buckets, power-of-two sizes, incremental rehash.
// The keyspace (EntryTable, see entry_table.h) and the members of large hash and set values
// share this one implementation.
//
// Why our own table: growing a table of millions of nodes must not stall a command (nodes move
// a few buckets at a time, as in Redis), SCAN (and HSCAN/SSCAN) needs the reverse-binary cursor
// guarantee across resizes, and nodes are compact intrusive records that carry their own next
// pointer, so the table adds one pointer per bucket and nothing per node.
//
// During a rehash both arrays are live: lookups check the old one then the new one; inserts go
// to the new one. Callers drive the rehash with RehashStep(): no call here moves nodes between
// arrays on its own (the Database does one step per write and the server cron spends a bounded
// time per tick; other users should do the same, e.g. one step per mutating command). Only
// RehashStep() moves nodes between arrays (Insert and MaybeShrink may start a resize; they
// never move anything). A link from FindLink() is a slot or a predecessor's next field, so it
// stays valid until the table next changes: an insert may put a node in front of it, and
// Unlink of its predecessor, RehashStep() or Clear() may free or move what holds it.
//
// Traits supplies, as static functions (all of them cheap; they sit on every lookup):
//   std::string_view Key(const Node*)   the node's key; equal keys mean the same node
//   Node* Next(const Node*)              the chain link the table stores in the node
//   void SetNext(Node*, Node*)
//   Node** NextLink(Node*)               address of that link (for unlinking in place)
//   void Destroy(Node*)                  frees a node (Clear and the destructor)
//   uint64_t Hash(std::string_view key)  the hash that every `hash` argument below must equal
// The table owns the nodes it holds: Clear() and the destructor Destroy() them. Unlink(),
// Replace() and Remove() hand a node back to the caller.
//
// Not thread-safe: one thread at a time, readers included (Scan and Find take no locks).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <utility>

#include "common/memory.h"

namespace basalt::store {

// Reverses the bits of v; the scan cursor increments in reversed bit order.
inline uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
  v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
  return (v >> 32) | (v << 32);
}

template <typename Node, typename Traits>
class ChainedTable {
 public:
  ChainedTable() = default;
  ~ChainedTable();
  ChainedTable(const ChainedTable&) = delete;
  ChainedTable& operator=(const ChainedTable&) = delete;
  // The moved-from table is empty and usable.
  ChainedTable(ChainedTable&& other) noexcept;
  ChainedTable& operator=(ChainedTable&& other) noexcept;

  size_t size() const { return size_; }
  size_t bucket_count() const { return arrays_[0].size() + arrays_[1].size(); }
  // True while nodes remain to be moved from the old array to the new one. A user that
  // mutates the table should call RehashStep() (e.g. RehashStep(1) per write) while this
  // holds, or the old array stays allocated and lookups keep probing both arrays.
  bool rehashing() const { return rehash_index_ >= 0; }
  // Bytes of the bucket arrays (both while rehashing); the nodes are not counted.
  size_t MemoryUsage() const { return bucket_count() * sizeof(Node*); }

  // `hash` must be Traits::Hash(key) in every call that takes one; the overloads without it
  // compute it (callers that already have the hash, or need it twice, pass it).
  Node* Find(std::string_view key, uint64_t hash) const;
  Node* Find(std::string_view key) const { return Find(key, Traits::Hash(key)); }
  // The link (bucket slot or predecessor's next field) that points at key's node, or nullptr.
  Node** FindLink(std::string_view key, uint64_t hash);
  Node** FindLink(std::string_view key) { return FindLink(key, Traits::Hash(key)); }
  // Adds a node whose key is not present. May start a rehash (never steps it).
  void Insert(Node* n, uint64_t hash);
  void Insert(Node* n) { Insert(n, Traits::Hash(Traits::Key(n))); }
  // Inserts n unless a node with its key exists (then returns false and leaves n alone).
  // One chain walk instead of Find + Insert: bulk loads check for duplicates this way.
  bool InsertIfAbsent(Node* n, uint64_t hash);
  bool InsertIfAbsent(Node* n) { return InsertIfAbsent(n, Traits::Hash(Traits::Key(n))); }
  // Hints the CPU to fetch the bucket slot(s) `hash` maps to, or (second stage) the first
  // node of that chain, ahead of a lookup or insert.
  void PrefetchBucket(uint64_t hash) const;
  void PrefetchChainHead(uint64_t hash) const;
  // Allocates buckets for `n` nodes at once when the table holds no nodes yet (replacing a
  // smaller empty array), so a bulk load that knows its size up front (RDB RESIZEDB, a big
  // collection's length) never rehashes. No-op once nodes are in.
  void Reserve(size_t n);
  // Takes the node at `link` out of the table; the caller owns it afterwards.
  Node* Unlink(Node** link);
  // Takes key's node out of the table and returns it (the caller owns it), or nullptr when
  // the key is absent. Does not step the rehash, nor shrink.
  Node* Remove(std::string_view key) {
    Node** link = FindLink(key);
    return link != nullptr ? Unlink(link) : nullptr;
  }
  // Puts `fresh` (same key) where the node at `link` was; the caller owns the old one.
  Node* Replace(Node** link, Node* fresh);

  // Moves up to `buckets` buckets to the new array (visiting at most 10x as many empty ones).
  // Returns true while more rehashing remains.
  bool RehashStep(int buckets);
  // Starts shrinking when less than 1/10 of the buckets would be used (the keyspace's cron
  // calls this; other users call it after deletions).
  void MaybeShrink();

  // Calls fn(Node*) for the nodes of the bucket(s) at `cursor` and returns the next cursor;
  // 0 means the scan is complete. Every node present for a whole scan is visited at least
  // once, even when the table grows, shrinks or rehashes between calls. fn must not modify
  // the table.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const;

  // Calls fn(Node*) for every node, in bucket order (much faster than Scan: the bucket
  // array is read sequentially and nodes are prefetched ahead). fn must not modify the
  // table; use only when nothing else changes it during the walk.
  template <typename Fn>
  void ForEach(Fn&& fn) const;

  // A uniformly chosen non-empty bucket, then a uniformly chosen node in it (so not exactly
  // uniform over nodes when chains differ in length); nullptr when empty.
  Node* RandomEntry(std::mt19937_64& rng) const;
  // Calls fn(const Node*) for up to `count` nodes found walking the buckets from a random one
  // (both arrays at the same index while rehashing; the first chain from a random node of
  // it), giving up after 10 * count buckets.
  // Cheaper than `count` RandomEntry calls (the bucket array is read in order, not at `count`
  // random places), at the price of neighbouring buckets' nodes coming together: for
  // sampling eviction candidates, as Redis's dictGetSomeKeys. Returns the nodes passed.
  template <typename Fn>
  size_t Sample(std::mt19937_64& rng, size_t count, Fn&& fn) const;

  // Destroys all nodes and frees the arrays.
  void Clear();

 private:
  static constexpr size_t kInitialSize = 4;

  struct Array {
    Node** slots = nullptr;
    size_t mask = 0;  // size - 1; meaningful when slots != nullptr
    size_t size() const { return slots ? mask + 1 : 0; }
  };

  void StartResize(size_t new_size);
  void FinishRehashIfDone();
  static void FreeArray(Array& a);
  static Node* FindInChain(Node* head, std::string_view key);

  Array arrays_[2];
  int64_t rehash_index_ = -1;  // next bucket of arrays_[0] to move; -1 when not rehashing
  size_t size_ = 0;
};

// ---- Implementation ----
//
// The non-template members are defined out of the class without `inline`, so a user can
// declare `extern template class ChainedTable<...>` and instantiate them once in a .cc file
// (EntryTable does: the keyspace's hot paths stay the out-of-line calls they always were).

template <typename Node, typename Traits>
ChainedTable<Node, Traits>::~ChainedTable() {
  Clear();
}

template <typename Node, typename Traits>
ChainedTable<Node, Traits>::ChainedTable(ChainedTable&& other) noexcept {
  *this = std::move(other);
}

template <typename Node, typename Traits>
ChainedTable<Node, Traits>& ChainedTable<Node, Traits>::operator=(ChainedTable&& other) noexcept {
  if (this != &other) {
    Clear();
    arrays_[0] = std::exchange(other.arrays_[0], Array{});
    arrays_[1] = std::exchange(other.arrays_[1], Array{});
    rehash_index_ = std::exchange(other.rehash_index_, -1);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

template <typename Node, typename Traits>
void ChainedTable<Node, Traits>::FreeArray(Array& a) {
  mem::Free(a.slots);
  a = Array{};
}

template <typename Node, typename Traits>
void ChainedTable<Node, Traits>::Clear() {
  for (Array& a : arrays_) {
    for (size_t i = 0; i < a.size(); ++i) {
      Node* n = a.slots[i];
      while (n != nullptr) {
        Node* next = Traits::Next(n);
        Traits::Destroy(n);
        n = next;
      }
    }
    FreeArray(a);
  }
  rehash_index_ = -1;
  size_ = 0;
}

template <typename Node, typename Traits>
Node* ChainedTable<Node, Traits>::FindInChain(Node* n, std::string_view key) {
  for (; n != nullptr; n = Traits::Next(n)) {
    if (Traits::Key(n) == key) return n;
  }
  return nullptr;
}

template <typename Node, typename Traits>
Node* ChainedTable<Node, Traits>::Find(std::string_view key, uint64_t hash) const {
  if (size_ == 0) return nullptr;
  for (int t = 0; t < 2; ++t) {
    const Array& a = arrays_[t];
    if (a.slots == nullptr) continue;
    size_t idx = hash & a.mask;
    // Buckets below the rehash index of the old array have already moved.
    if (t == 0 && rehashing() && static_cast<int64_t>(idx) < rehash_index_) continue;
    if (Node* n = FindInChain(a.slots[idx], key)) return n;
  }
  return nullptr;
}

template <typename Node, typename Traits>
Node** ChainedTable<Node, Traits>::FindLink(std::string_view key, uint64_t hash) {
  if (size_ == 0) return nullptr;
  for (int t = 0; t < 2; ++t) {
    Array& a = arrays_[t];
    if (a.slots == nullptr) continue;
    size_t idx = hash & a.mask;
    if (t == 0 && rehashing() && static_cast<int64_t>(idx) < rehash_index_) continue;
    for (Node** link = &a.slots[idx]; *link != nullptr; link = Traits::NextLink(*link)) {
      if (Traits::Key(*link) == key) return link;
    }
  }
  return nullptr;
}

template <typename Node, typename Traits>
void ChainedTable<Node, Traits>::Insert(Node* n, uint64_t hash) {
  if (arrays_[0].slots == nullptr) {
    StartResize(kInitialSize);
  } else if (!rehashing() && size_ >= arrays_[0].size()) {
    // Grow to fit everything, as Redis does (next power of two above size + 1), not just
    // double: when inserts outpaced a long rehash, one resize catches up instead of several.
    size_t target = arrays_[0].size() * 2;
    while (target < size_ + 1) target *= 2;
    StartResize(target);
  }
  Array& target = rehashing() ? arrays_[1] : arrays_[0];
  Node** slot = &target.slots[hash & target.mask];
  Traits::SetNext(n, *slot);
  *slot = n;
  ++size_;
}

template <typename Node, typename Traits>
void ChainedTable<Node, Traits>::Reserve(size_t n) {
  if (size_ != 0 || rehashing()) return;
  size_t target = kInitialSize;
  while (target < n) target *= 2;
  if (arrays_[0].size() >= target) return;
  // An empty table may already hold a small array (a value converted to this encoding before
  // its size was known): replace it, or the inserts that follow would grow it step by step.
  FreeArray(arrays_[0]);
  StartResize(target);
}

template <typename Node, typename Traits>
bool ChainedTable<Node, Traits>::InsertIfAbsent(Node* n, uint64_t hash) {
  const std::string_view key = Traits::Key(n);
  for (int t = 0; t < 2; ++t) {
    const Array& a = arrays_[t];
    if (a.slots == nullptr) continue;
    size_t idx = hash & a.mask;
    if (t == 0 && rehashing() && static_cast<int64_t>(idx) < rehash_index_) continue;
    if (FindInChain(a.slots[idx], key) != nullptr) return false;
  }
  Insert(n, hash);
  return true;
}

template <typename Node, typename Traits>
void ChainedTable<Node, Traits>::PrefetchBucket(uint64_t hash) const {
  const Array& a = arrays_[rehashing() ? 1 : 0];
  if (a.slots != nullptr) __builtin_prefetch(&a.slots[hash & a.mask]);
}

template <typename Node, typename Traits>
void ChainedTable<Node, Traits>::PrefetchChainHead(uint64_t hash) const {
  const Array& a = arrays_[rehashing() ? 1 : 0];
  if (a.slots == nullptr) return;
  if (Node* head = a.slots[hash & a.mask]) __builtin_prefetch(head);
}

template <typename Node, typename Traits>
Node* ChainedTable<Node, Traits>::Unlink(Node** link) {
  Node* n = *link;
  *link = Traits::Next(n);
  Traits::SetNext(n, nullptr);
  --size_;
  return n;
}

template <typename Node, typename Traits>
Node* ChainedTable<Node, Traits>::Replace(Node** link, Node* fresh) {
  Node* old = *link;
  Traits::SetNext(fresh, Traits::Next(old));
  *link = fresh;
  Traits::SetNext(old, nullptr);
  return old;
}

template <typename Node, typename Traits>
void ChainedTable<Node, Traits>::StartResize(size_t new_size) {
  Array fresh;
  fresh.slots = static_cast<Node**>(mem::AllocateZeroed(new_size * sizeof(Node*)));
  fresh.mask = new_size - 1;
  if (arrays_[0].slots == nullptr) {
    arrays_[0] = fresh;
    return;
  }
  arrays_[1] = fresh;
  rehash_index_ = 0;
}

template <typename Node, typename Traits>
void ChainedTable<Node, Traits>::MaybeShrink() {
  if (rehashing() || arrays_[0].slots == nullptr) return;
  size_t buckets = arrays_[0].size();
  if (buckets <= kInitialSize || size_ * 10 >= buckets) return;
  size_t target = kInitialSize;
  while (target < size_) target *= 2;
  StartResize(target);
}

template <typename Node, typename Traits>
bool ChainedTable<Node, Traits>::RehashStep(int buckets) {
  if (!rehashing()) return false;
  Array& from = arrays_[0];
  Array& to = arrays_[1];
  int empty_budget = buckets * 10;
  while (buckets-- > 0 && static_cast<size_t>(rehash_index_) < from.size()) {
    while (from.slots[rehash_index_] == nullptr) {
      ++rehash_index_;
      if (static_cast<size_t>(rehash_index_) >= from.size()) break;
      if (--empty_budget == 0) return true;
    }
    if (static_cast<size_t>(rehash_index_) >= from.size()) break;
    Node* n = from.slots[rehash_index_];
    while (n != nullptr) {
      Node* next = Traits::Next(n);
      Node** slot = &to.slots[Traits::Hash(Traits::Key(n)) & to.mask];
      Traits::SetNext(n, *slot);
      *slot = n;
      n = next;
    }
    from.slots[rehash_index_] = nullptr;
    ++rehash_index_;
  }
  FinishRehashIfDone();
  return rehashing();
}

template <typename Node, typename Traits>
void ChainedTable<Node, Traits>::FinishRehashIfDone() {
  if (static_cast<size_t>(rehash_index_) < arrays_[0].size()) return;
  FreeArray(arrays_[0]);
  arrays_[0] = std::exchange(arrays_[1], Array{});
  rehash_index_ = -1;
}

template <typename Node, typename Traits>
template <typename Fn>
size_t ChainedTable<Node, Traits>::Sample(std::mt19937_64& rng, size_t count, Fn&& fn) const {
  if (size_ == 0 || count == 0) return 0;
  const size_t span = std::max(arrays_[0].size(), arrays_[1].size());
  size_t index = rng() % span;
  size_t passed = 0;
  size_t steps = 0;
  // Chain heads are gathered from the bucket arrays (read in order) and prefetched a batch at
  // a time before any node is read: the nodes' cache misses overlap instead of queueing.
  constexpr size_t kBatch = 16;
  const Node* heads[kBatch];
  while (passed < count && steps < span && steps < 10 * count) {
    size_t found = 0;
    for (; found < kBatch && found < count - passed && steps < span && steps < 10 * count;
         ++steps, index = (index + 1) % span) {
      for (int t = 0; t < (rehashing() ? 2 : 1) && found < kBatch; ++t) {
        const Array& a = arrays_[t];
        // Old-array buckets below the rehash index were moved: empty.
        const bool moved = t == 0 && rehashing() && index < static_cast<size_t>(rehash_index_);
        if (index >= a.size() || moved || a.slots[index] == nullptr) continue;
        heads[found++] = a.slots[index];
        __builtin_prefetch(heads[found - 1]);
      }
    }
    // The walk's first chain is entered at a random node, so that a node deep in a long chain
    // (which a walk of `count` nodes from its head would never reach) can be drawn too.
    if (passed == 0 && found > 0) {
      size_t length = 0;
      for (const Node* n = heads[0]; n != nullptr; n = Traits::Next(n)) ++length;
      for (size_t skip = rng() % length; skip > 0; --skip) heads[0] = Traits::Next(heads[0]);
    }
    for (size_t i = 0; i < found && passed < count; ++i) {
      for (const Node* n = heads[i]; n != nullptr && passed < count; n = Traits::Next(n)) {
        fn(n);
        ++passed;
      }
    }
  }
  return passed;
}

template <typename Node, typename Traits>
Node* ChainedTable<Node, Traits>::RandomEntry(std::mt19937_64& rng) const {
  if (size_ == 0) return nullptr;
  Node* head = nullptr;
  while (head == nullptr) {
    if (rehashing()) {
      // Old-array buckets below the rehash index are empty: draw from the rest.
      size_t live_old = arrays_[0].size() - static_cast<size_t>(rehash_index_);
      size_t idx = rng() % (live_old + arrays_[1].size());
      head =
          idx < live_old ? arrays_[0].slots[rehash_index_ + idx] : arrays_[1].slots[idx - live_old];
    } else {
      head = arrays_[0].slots[rng() & arrays_[0].mask];
    }
  }
  size_t len = 0;
  for (Node* n = head; n != nullptr; n = Traits::Next(n)) ++len;
  size_t pick = rng() % len;
  while (pick-- > 0) head = Traits::Next(head);
  return head;
}

template <typename Node, typename Traits>
template <typename Fn>
uint64_t ChainedTable<Node, Traits>::Scan(uint64_t cursor, Fn&& fn) const {
  if (size_ == 0) return 0;
  auto visit_chain = [&fn](Node* n) {
    while (n != nullptr) {
      Node* next = Traits::Next(n);
      fn(n);
      n = next;
    }
  };
  // Increment the cursor's high (unmasked) bits in reversed order: set the bits above the
  // mask, reverse, add one, reverse back.
  auto advance = [](uint64_t c, size_t mask) {
    c |= ~static_cast<uint64_t>(mask);
    c = ReverseBits(c);
    ++c;
    return ReverseBits(c);
  };
  if (!rehashing()) {
    const Array& a = arrays_[0];
    visit_chain(a.slots[cursor & a.mask]);
    return advance(cursor, a.mask);
  }
  // Two live arrays: visit the small one's bucket, then every bucket of the large one that
  // the small bucket expands into (they share the low bits of the cursor).
  const Array* small = &arrays_[0];
  const Array* large = &arrays_[1];
  if (small->size() > large->size()) std::swap(small, large);
  const size_t m0 = small->mask;
  const size_t m1 = large->mask;
  visit_chain(small->slots[cursor & m0]);
  do {
    visit_chain(large->slots[cursor & m1]);
    cursor = advance(cursor, m1);
  } while (cursor & (m0 ^ m1));
  return cursor;
}

template <typename Node, typename Traits>
template <typename Fn>
void ChainedTable<Node, Traits>::ForEach(Fn&& fn) const {
  constexpr size_t kAhead = 8;  // buckets between prefetching a node and visiting it
  for (const Array& a : arrays_) {
    const size_t n = a.size();
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n && a.slots[i + kAhead] != nullptr) {
        __builtin_prefetch(a.slots[i + kAhead]);
      }
      for (Node* node = a.slots[i]; node != nullptr;) {
        Node* next = Traits::Next(node);
        fn(node);
        node = next;
      }
    }
  }
}

}  // namespace basalt::store
