// A set of integers as one sorted array, in Redis's exact intset byte format, so an RDB
// SET_INTSET (11) blob is the bytes of our block, copied as-is both ways:
//
//   [encoding: u32 LE = 2, 4 or 8][length: u32 LE][length integers of `encoding` bytes, LE]
//
// The integers are strictly increasing. The encoding is the narrowest that holds every member;
// inserting a wider value upgrades the whole array (Redis never downgrades on removal, nor do
// we). Lookups are binary searches; Insert and Remove move the tail, one Reallocate each.
//
// The block is allocated through basalt::mem so INFO's used_memory counts it. Move-only; not
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace basalt::store {

class IntSet {
 public:
  static constexpr size_t kHeaderSize = 8;

  // An empty set with 2-byte encoding (8 bytes), as Redis creates one. A moved-from set may
  // only be destroyed or assigned to.
  IntSet();
  ~IntSet();
  IntSet(IntSet&& other) noexcept;
  IntSet& operator=(IntSet&& other) noexcept;
  IntSet(const IntSet&) = delete;
  IntSet& operator=(const IntSet&) = delete;

  IntSet Clone() const;

  // Adopts a copy of `blob` after validating it: encoding 2, 4 or 8, size exactly header plus
  // length * encoding, at least one member (Redis never saves an empty set and refuses one),
  // members strictly increasing. nullopt otherwise. Reads nothing outside `blob`.
  static std::optional<IntSet> FromBytes(std::string_view blob);

  bool Contains(int64_t v) const;
  // True when v was added (false when already present).
  bool Insert(int64_t v);
  // True when v was removed (false when absent).
  bool Remove(int64_t v);

  size_t size() const;
  bool empty() const { return size() == 0; }
  // The i-th smallest member; i < size().
  int64_t Get(size_t i) const;
  // A uniformly chosen member; the set must not be empty.
  int64_t Random(std::mt19937_64& rng) const;

  // Bytes per member: 2, 4 or 8.
  uint32_t encoding() const;
  // The whole block, as written into an RDB file.
  std::string_view bytes() const;
  // Heap bytes held (the allocator's usable size of the block).
  size_t MemoryUsage() const;

 private:
  explicit IntSet(uint8_t* data) : data_(data) {}

  // Index of v, or of where it would be inserted; *found tells which.
  size_t Search(int64_t v, bool* found) const;
  void SetLength(uint32_t n);
  // Rewrites every member at `wider` bytes and inserts v (which needs that width) first or last.
  void UpgradeAndInsert(int64_t v, uint32_t wider);

  uint8_t* data_;
};

}  // namespace basalt::store
