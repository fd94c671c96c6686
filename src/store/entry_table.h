// The keyspace hash table: chained buckets of Entry, power-of-two sizes, incremental rehash.
//
// Why our own table: growing a table of millions of keys must not stall a command (entries move
// a few buckets at a time, as in Redis), SCAN needs the reverse-binary cursor guarantee across
// resizes, and entries are compact intrusive records (see entry.h).
//
// During a rehash both arrays are live: lookups check the old one then the new one; inserts go
// to the new one. Callers drive the rehash with RehashStep() (the Database does one step per
// write and the server cron spends a bounded time per tick). Nothing here moves entries except
// RehashStep(), Resize decisions and Clear(), so a link from FindLink() stays valid until then.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

#include "store/entry.h"

namespace basalt::store {

class EntryTable {
 public:
  EntryTable() = default;
  ~EntryTable();
  EntryTable(const EntryTable&) = delete;
  EntryTable& operator=(const EntryTable&) = delete;
  EntryTable(EntryTable&& other) noexcept;
  EntryTable& operator=(EntryTable&& other) noexcept;

  size_t size() const { return size_; }
  size_t bucket_count() const { return arrays_[0].size() + arrays_[1].size(); }
  bool rehashing() const { return rehash_index_ >= 0; }

  Entry* Find(std::string_view key, uint64_t hash) const;
  // The link (bucket slot or predecessor's next field) that points at key's entry, or nullptr.
  Entry** FindLink(std::string_view key, uint64_t hash);
  // Adds an entry whose key is not present. May start a rehash.
  void Insert(Entry* e, uint64_t hash);
  // Inserts e unless an entry with its key exists (then returns false and leaves e alone).
  // One chain walk instead of Find + Insert: bulk loads check for duplicates this way.
  bool InsertIfAbsent(Entry* e, uint64_t hash);
  // Hints the CPU to fetch the bucket slot(s) `hash` maps to, or (second stage) the first
  // entry of that chain, ahead of a lookup or insert.
  void PrefetchBucket(uint64_t hash) const;
  void PrefetchChainHead(uint64_t hash) const;
  // Allocates buckets for `n` entries at once when the table has none yet, so a bulk load
  // that knows its size up front (RDB RESIZEDB) never rehashes. No-op otherwise.
  void Reserve(size_t n);
  // Takes the entry at `link` out of the table; the caller owns it afterwards.
  Entry* Unlink(Entry** link);
  // Puts `fresh` (same key) where the entry at `link` was; the caller owns the old one.
  Entry* Replace(Entry** link, Entry* fresh);

  // Moves up to `buckets` buckets to the new array (visiting at most 10x as many empty ones).
  // Returns true while more rehashing remains.
  bool RehashStep(int buckets);
  // Starts shrinking when less than 1/10 of the buckets would be used (cron calls this).
  void MaybeShrink();

  // Calls fn(Entry*) for the entries of the bucket(s) at `cursor` and returns the next cursor;
  // 0 means the scan is complete. Every entry present for a whole scan is visited at least
  // once, even when the table grows, shrinks or rehashes between calls. fn must not modify
  // the table.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const;

  // Calls fn(Entry*) for every entry, in bucket order (much faster than Scan: the bucket
  // array is read sequentially and entries are prefetched ahead). fn must not modify the
  // table; use only when nothing else changes it during the walk.
  template <typename Fn>
  void ForEach(Fn&& fn) const;

  // A uniformly chosen bucket, then a uniformly chosen entry in it; nullptr when empty.
  Entry* RandomEntry(std::mt19937_64& rng) const;

  // Destroys all entries and frees the arrays.
  void Clear();

 private:
  struct Array {
    Entry** slots = nullptr;
    size_t mask = 0;  // size - 1; meaningful when slots != nullptr
    size_t size() const { return slots ? mask + 1 : 0; }
  };

  void StartResize(size_t new_size);
  void FinishRehashIfDone();
  static void FreeArray(Array& a);
  static Entry* FindInChain(Entry* head, std::string_view key);

  Array arrays_[2];
  int64_t rehash_index_ = -1;  // next bucket of arrays_[0] to move; -1 when not rehashing
  size_t size_ = 0;
};

// Reverses the bits of v; the scan cursor increments in reversed bit order.
inline uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
  v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
  return (v >> 32) | (v << 32);
}

template <typename Fn>
uint64_t EntryTable::Scan(uint64_t cursor, Fn&& fn) const {
  if (size_ == 0) return 0;
  auto visit_chain = [&fn](Entry* e) {
    while (e != nullptr) {
      Entry* next = e->next();
      fn(e);
      e = next;
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

template <typename Fn>
void EntryTable::ForEach(Fn&& fn) const {
  constexpr size_t kAhead = 8;  // buckets between prefetching an entry and visiting it
  for (const Array& a : arrays_) {
    const size_t n = a.size();
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n && a.slots[i + kAhead] != nullptr) {
        __builtin_prefetch(a.slots[i + kAhead]);
      }
      for (Entry* e = a.slots[i]; e != nullptr;) {
        Entry* next = e->next();
        fn(e);
        e = next;
      }
    }
  }
}

}  // namespace basalt::store
