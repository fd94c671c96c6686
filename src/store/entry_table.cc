#include "store/entry_table.h"

#include <cstring>
#include <utility>

#include "common/hash.h"
#include "common/memory.h"

namespace basalt::store {

namespace {
constexpr size_t kInitialSize = 4;
}

EntryTable::~EntryTable() { Clear(); }

EntryTable::EntryTable(EntryTable&& other) noexcept { *this = std::move(other); }

EntryTable& EntryTable::operator=(EntryTable&& other) noexcept {
  if (this != &other) {
    Clear();
    arrays_[0] = std::exchange(other.arrays_[0], Array{});
    arrays_[1] = std::exchange(other.arrays_[1], Array{});
    rehash_index_ = std::exchange(other.rehash_index_, -1);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void EntryTable::FreeArray(Array& a) {
  mem::Free(a.slots);
  a = Array{};
}

void EntryTable::Clear() {
  for (Array& a : arrays_) {
    for (size_t i = 0; i < a.size(); ++i) {
      Entry* e = a.slots[i];
      while (e != nullptr) {
        Entry* next = e->next();
        Entry::Destroy(e);
        e = next;
      }
    }
    FreeArray(a);
  }
  rehash_index_ = -1;
  size_ = 0;
}

Entry* EntryTable::FindInChain(Entry* e, std::string_view key) {
  for (; e != nullptr; e = e->next()) {
    if (e->key() == key) return e;
  }
  return nullptr;
}

Entry* EntryTable::Find(std::string_view key, uint64_t hash) const {
  if (size_ == 0) return nullptr;
  for (int t = 0; t < 2; ++t) {
    const Array& a = arrays_[t];
    if (a.slots == nullptr) continue;
    size_t idx = hash & a.mask;
    // Buckets below the rehash index of the old array have already moved.
    if (t == 0 && rehashing() && static_cast<int64_t>(idx) < rehash_index_) continue;
    if (Entry* e = FindInChain(a.slots[idx], key)) return e;
  }
  return nullptr;
}

Entry** EntryTable::FindLink(std::string_view key, uint64_t hash) {
  if (size_ == 0) return nullptr;
  for (int t = 0; t < 2; ++t) {
    Array& a = arrays_[t];
    if (a.slots == nullptr) continue;
    size_t idx = hash & a.mask;
    if (t == 0 && rehashing() && static_cast<int64_t>(idx) < rehash_index_) continue;
    for (Entry** link = &a.slots[idx]; *link != nullptr; link = (*link)->next_link()) {
      if ((*link)->key() == key) return link;
    }
  }
  return nullptr;
}

void EntryTable::Insert(Entry* e, uint64_t hash) {
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
  Entry** slot = &target.slots[hash & target.mask];
  e->set_next(*slot);
  *slot = e;
  ++size_;
}

void EntryTable::Reserve(size_t n) {
  if (arrays_[0].slots != nullptr) return;
  size_t target = kInitialSize;
  while (target < n) target *= 2;
  StartResize(target);
}

bool EntryTable::InsertIfAbsent(Entry* e, uint64_t hash) {
  const std::string_view key = e->key();
  for (int t = 0; t < 2; ++t) {
    const Array& a = arrays_[t];
    if (a.slots == nullptr) continue;
    size_t idx = hash & a.mask;
    if (t == 0 && rehashing() && static_cast<int64_t>(idx) < rehash_index_) continue;
    if (FindInChain(a.slots[idx], key) != nullptr) return false;
  }
  Insert(e, hash);
  return true;
}

void EntryTable::PrefetchBucket(uint64_t hash) const {
  const Array& a = arrays_[rehashing() ? 1 : 0];
  if (a.slots != nullptr) __builtin_prefetch(&a.slots[hash & a.mask]);
}

void EntryTable::PrefetchChainHead(uint64_t hash) const {
  const Array& a = arrays_[rehashing() ? 1 : 0];
  if (a.slots == nullptr) return;
  if (Entry* head = a.slots[hash & a.mask]) __builtin_prefetch(head);
}

Entry* EntryTable::Unlink(Entry** link) {
  Entry* e = *link;
  *link = e->next();
  e->set_next(nullptr);
  --size_;
  return e;
}

Entry* EntryTable::Replace(Entry** link, Entry* fresh) {
  Entry* old = *link;
  fresh->set_next(old->next());
  *link = fresh;
  old->set_next(nullptr);
  return old;
}

void EntryTable::StartResize(size_t new_size) {
  Array fresh;
  fresh.slots = static_cast<Entry**>(mem::AllocateZeroed(new_size * sizeof(Entry*)));
  fresh.mask = new_size - 1;
  if (arrays_[0].slots == nullptr) {
    arrays_[0] = fresh;
    return;
  }
  arrays_[1] = fresh;
  rehash_index_ = 0;
}

void EntryTable::MaybeShrink() {
  if (rehashing() || arrays_[0].slots == nullptr) return;
  size_t buckets = arrays_[0].size();
  if (buckets <= kInitialSize || size_ * 10 >= buckets) return;
  size_t target = kInitialSize;
  while (target < size_) target *= 2;
  StartResize(target);
}

bool EntryTable::RehashStep(int buckets) {
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
    Entry* e = from.slots[rehash_index_];
    while (e != nullptr) {
      Entry* next = e->next();
      Entry** slot = &to.slots[HashKey(e->key()) & to.mask];
      e->set_next(*slot);
      *slot = e;
      e = next;
    }
    from.slots[rehash_index_] = nullptr;
    ++rehash_index_;
  }
  FinishRehashIfDone();
  return rehashing();
}

void EntryTable::FinishRehashIfDone() {
  if (static_cast<size_t>(rehash_index_) < arrays_[0].size()) return;
  FreeArray(arrays_[0]);
  arrays_[0] = std::exchange(arrays_[1], Array{});
  rehash_index_ = -1;
}

Entry* EntryTable::RandomEntry(std::mt19937_64& rng) const {
  if (size_ == 0) return nullptr;
  Entry* head = nullptr;
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
  for (Entry* e = head; e != nullptr; e = e->next()) ++len;
  size_t pick = rng() % len;
  while (pick-- > 0) head = head->next();
  return head;
}

}  // namespace basalt::store
