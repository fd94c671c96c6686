// A small hash's fields and values in one block, denser than a listpack.
//
// A hash under Redis's listpack limits (hash-max-listpack-entries/value) is held by its key's
// entry as this block alone (Encoding::kCompact; see store/hash_ref.h):
//
//   [pair count: varint] then per pair [field length: varint][field][value length: varint][value]
//
// A listpack spends 7 bytes of header and terminator, and a back-length byte per element so it
// can be walked backwards; a hash never walks backwards. For 10 fields of 2 bytes with 7-byte
// values that is 111 bytes against 137, which lands in a 112-byte allocation instead of a
// 160-byte one. Integers stay text (a listpack stores them as numbers): the bytes a client sent
// are the bytes it reads back, with no formatting buffer.
//
// Pairs keep insertion order, as a listpack hash does (HGETALL's order is Redis's); an update
// keeps the pair's place. RDB and DUMP still write Redis's HASH_LISTPACK
// (HashRef::AppendListpackBytes).
//
// A SmallHash is a view over the block; changes may move the block (reallocation), and
// block() is then where it is. The block is allocated through basalt::mem (counted in
// used_memory). Lookups are linear: this is for the few fields the limits allow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string_view>

namespace basalt::store {

class Listpack;

class SmallHash {
 public:
  // A new empty block (the caller owns it).
  static uint8_t* NewBlock();
  // A new block holding the field/value pairs of a listpack (already validated, no repeated
  // fields).
  static uint8_t* FromListpack(const Listpack& pairs);
  // The same from `size` listpack bytes checked by Listpack::Validate, holding `elements`
  // elements (an even number): an RDB blob read in place, with no Listpack built for it.
  // nullptr when a field appears twice (a corrupt file); *longest is the longest field or
  // value (whether it is past hash-max-listpack-value).
  static uint8_t* FromListpackBytes(const uint8_t* pairs, size_t size, size_t elements,
                                    size_t* longest);
  // A copy of a block (COPY).
  static uint8_t* CopyBlock(const uint8_t* block);

  explicit SmallHash(uint8_t* block) : block_(block) {}
  uint8_t* block() const { return block_; }

  size_t size() const;  // pairs
  // Bytes the block uses (its allocation may be a little larger).
  size_t bytes() const;
  size_t MemoryUsage() const;

  // The value of `field`, a view into the block valid until the next change.
  bool Get(std::string_view field, std::string_view* value) const;
  bool Contains(std::string_view field) const;
  // Adds or updates; true when the field is new. `field` must not point into the block.
  bool Set(std::string_view field, std::string_view value);
  bool Delete(std::string_view field);

  // fn(field, value) for every pair, in order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    const uint8_t* p = FirstPair();
    for (size_t i = size(); i > 0; --i) {
      std::string_view f = Read(&p);
      std::string_view v = Read(&p);
      fn(f, v);
    }
  }
  // A uniformly random pair (the hash must not be empty).
  void RandomPair(std::mt19937_64& rng, std::string_view* field, std::string_view* value) const;

 private:
  // Reads one length-prefixed string at *p and moves *p past it.
  static std::string_view Read(const uint8_t** p);
  const uint8_t* FirstPair() const;
  // Offset of the pair whose field is `field`, or 0 (the count is at offset 0); when absent,
  // *end (if given) is the block's used size.
  size_t Find(std::string_view field, size_t* end) const;
  // In a block using `total` bytes, replaces `remove` bytes at `at` with the concatenation of
  // parts, moving the tail and reallocating once. (The count may disagree with the pairs
  // between two steps of a change, so the size is given, not walked.)
  void Splice(size_t total, size_t at, size_t remove,
              std::initializer_list<std::string_view> parts);
  void SetCount(size_t total, size_t count);

  uint8_t* block_;
};

}  // namespace basalt::store
