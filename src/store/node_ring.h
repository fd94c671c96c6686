// NodeRing: the sequence of a list's nodes. A ring buffer over one accounted array, so pushes
// and pops of nodes at either end are O(1) (amortized), indexing is one mask, and a list of one
// node costs one 16-byte slot. std::deque, used before, allocates a 512-byte block and a map
// for the first element: a 10-element list took 762 bytes against Redis's 218.
//
// T must be nothrow-movable. Inserting or erasing in the middle moves the nodes after the
// position (a list has one node per few thousand elements, so this stays short).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <new>
#include <utility>

#include "common/memory.h"

namespace basalt::store {

template <typename T>
class NodeRing {
 public:
  template <typename Ring, typename Ref>
  class Iter {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = std::remove_reference_t<Ref>*;
    using reference = Ref;

    Iter() = default;
    Iter(Ring* ring, size_t i) : ring_(ring), i_(i) {}
    Ref operator*() const { return (*ring_)[i_]; }
    pointer operator->() const { return &(*ring_)[i_]; }
    Ref operator[](difference_type n) const { return (*ring_)[i_ + n]; }
    Iter& operator++() { return ++i_, *this; }
    Iter& operator--() { return --i_, *this; }
    Iter operator++(int) { return Iter(ring_, i_++); }
    Iter operator--(int) { return Iter(ring_, i_--); }
    Iter& operator+=(difference_type n) { return i_ += n, *this; }
    Iter& operator-=(difference_type n) { return i_ -= n, *this; }
    Iter operator+(difference_type n) const { return Iter(ring_, i_ + n); }
    Iter operator-(difference_type n) const { return Iter(ring_, i_ - n); }
    friend Iter operator+(difference_type n, const Iter& it) { return it + n; }
    difference_type operator-(const Iter& o) const {
      return static_cast<difference_type>(i_) - static_cast<difference_type>(o.i_);
    }
    auto operator<=>(const Iter& o) const { return i_ <=> o.i_; }
    bool operator==(const Iter& o) const { return i_ == o.i_; }

   private:
    Ring* ring_ = nullptr;
    size_t i_ = 0;
  };
  using iterator = Iter<NodeRing, T&>;
  using const_iterator = Iter<const NodeRing, const T&>;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  NodeRing() = default;
  NodeRing(const NodeRing&) = delete;
  NodeRing& operator=(const NodeRing&) = delete;
  ~NodeRing() {
    clear();
    mem::Free(slots_);
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Slots allocated (for memory accounting).
  size_t capacity() const { return cap_; }

  T& operator[](size_t i) { return slots_[Slot(i)]; }
  const T& operator[](size_t i) const { return slots_[Slot(i)]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, size_); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  template <typename... Args>
  T& emplace_back(Args&&... args) {
    Reserve(size_ + 1);
    T* slot = new (&slots_[Slot(size_)]) T(std::forward<Args>(args)...);
    ++size_;
    return *slot;
  }
  template <typename... Args>
  T& emplace_front(Args&&... args) {
    Reserve(size_ + 1);
    head_ = (head_ + cap_ - 1) & (cap_ - 1);
    ++size_;
    return *new (&slots_[head_]) T(std::forward<Args>(args)...);
  }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  void pop_back() {
    back().~T();
    --size_;
  }
  void pop_front() {
    front().~T();
    head_ = (head_ + 1) & (cap_ - 1);
    --size_;
  }
  // Inserts v before position i (i <= size()).
  void insert(size_t i, T&& v) {
    emplace_back(std::move(v));
    for (size_t j = size_ - 1; j > i; --j) std::swap((*this)[j], (*this)[j - 1]);
  }
  // Removes the node at position i.
  void erase(size_t i) {
    for (size_t j = i; j + 1 < size_; ++j) std::swap((*this)[j], (*this)[j + 1]);
    pop_back();
  }
  void clear() {
    while (size_ > 0) pop_back();
    head_ = 0;
  }

 private:
  size_t Slot(size_t i) const { return (head_ + i) & (cap_ - 1); }

  // Capacity is a power of two (the mask above); the first node takes one slot.
  void Reserve(size_t n) {
    if (n <= cap_) return;
    const size_t cap = std::bit_ceil(n);
    T* slots = static_cast<T*>(mem::Allocate(cap * sizeof(T)));
    for (size_t i = 0; i < size_; ++i) {
      new (&slots[i]) T(std::move((*this)[i]));
      (*this)[i].~T();
    }
    mem::Free(slots_);
    slots_ = slots;
    cap_ = static_cast<uint32_t>(cap);
    head_ = 0;
  }

  T* slots_ = nullptr;
  uint32_t cap_ = 0;
  uint32_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace basalt::store
