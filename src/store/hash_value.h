// The value of a hash key: field → value, in one of two encodings, as in Redis.
//
//  - small ("listpack" to OBJECT ENCODING, HASH_LISTPACK in RDB): the pairs in one SmallHash
//    block (store/small_hash.h), which the key's entry holds by itself once the value is
//    stored (Encoding::kCompact, see store/hash_ref.h). A small HashValue only exists on its
//    way into an entry (RDB load, RESTORE) or in tests. Lookups are linear, which is faster
//    than hashing for the few fields this encoding is for.
//  - hashtable: one node per field in a chained table with incremental rehash and SCAN's
//    cursor guarantee (store/chained_table.h, the keyspace's own table). A node is a single
//    block [next][field length][field][value length][value].
//
// A hash starts small and becomes a table, never back (as Redis), once it holds more than
// hash-max-listpack-entries fields or a field or value longer than hash-max-listpack-value
// bytes.
//
// An empty hash is never stored: callers delete the key when the last field goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string_view>

#include "common/memory.h"
#include "store/chained_table.h"
#include "store/encoding_limits.h"
#include "store/entry.h"
#include "store/small_hash.h"

namespace basalt::store {

// Room for the text of any int64 (listpack integers are stored as numbers).
struct NumberBuffer {
  char data[24];
};

// One field of a hashtable-encoded hash: a single block, see the header comment.
class HashNode {
 public:
  static HashNode* New(std::string_view field, std::string_view value);
  static void Destroy(HashNode* n);
  std::string_view field() const;
  std::string_view value() const;
  HashNode* next() const { return next_; }
  void set_next(HashNode* n) { next_ = n; }
  HashNode** next_link() { return &next_; }
  // Overwrites the value when the new one has the same length (no allocation).
  bool TryOverwriteValue(std::string_view value);
  size_t MemoryUsage() const;

 private:
  explicit HashNode() = default;
  HashNode* next_ = nullptr;
  uint32_t field_size_ = 0;
  uint32_t value_size_ = 0;
  // field bytes, then value bytes, follow the header in the same block.
};

struct HashNodeTraits {
  static std::string_view Key(const HashNode* n) { return n->field(); }
  static HashNode* Next(const HashNode* n) { return n->next(); }
  static void SetNext(HashNode* n, HashNode* next) { n->set_next(next); }
  static HashNode** NextLink(HashNode* n) { return n->next_link(); }
  static void Destroy(HashNode* n) { HashNode::Destroy(n); }
  static uint64_t Hash(std::string_view field);
};

using HashTable = ChainedTable<HashNode, HashNodeTraits>;

class HashValue final : public CompositeValue {
 public:
  // An empty small hash.
  HashValue();
  // Adopts a SmallHash block (RDB load: already checked for repeated fields).
  explicit HashValue(uint8_t* small_block) : small_(small_block) {}
  ~HashValue() override;
  HashValue(const HashValue&) = delete;
  HashValue& operator=(const HashValue&) = delete;

  bool is_listpack() const { return table_ == nullptr; }
  size_t size() const;

  // The value of `field`, or false when absent. The view is valid until the hash changes.
  bool Get(std::string_view field, std::string_view* value) const;
  bool Contains(std::string_view field) const;
  // Sets field to value; true when the field is new. Converts to a table past the limits.
  bool Set(std::string_view field, std::string_view value, const EncodingLimits& limits);
  // Removes field; false when absent.
  bool Delete(std::string_view field);

  // fn(field, value) for every field, in storage order.
  template <typename Fn>
  void ForEach(Fn&& fn) const;
  // HSCAN: fn(field, value) for the fields of one step; returns the next cursor (0 = done).
  // A listpack is reported whole in one step with cursor 0, as Redis does.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const;
  // A uniformly random field (the hash must not be empty).
  void RandomField(std::mt19937_64& rng, std::string_view* field, std::string_view* value) const;

  // Moves every field into a table (RDB load of a big hash, or the limits were passed).
  void ConvertToTable();
  // Lets a loader size the table before inserting `n` fields (table encoding only).
  void Reserve(size_t n);
  // Inserts a field known to be absent (table encoding; RDB load checks duplicates itself).
  bool InsertNewForLoad(std::string_view field, std::string_view value);
  // Buckets of the table encoding (0 for a listpack); tests check a loaded table's sizing.
  size_t table_bucket_count() const { return table_ ? table_->bucket_count() : 0; }
  bool table_rehashing() const { return table_ && table_->rehashing(); }

  // CompositeValue
  size_t MemoryUsage() const override;
  // MEMORY USAGE's estimate: measures `samples` blocks and extrapolates (0: all, exact).
  size_t SampledMemoryUsage(size_t samples) const;
  CompositeValue* Clone() const override;
  std::string_view EncodingName() const override;
  size_t FreeEffort() const override { return is_listpack() ? 1 : size(); }
  // A small hash is kept by its entry as its SmallHash block (store/hash_ref.h): hands the
  // block over.
  uint8_t* ReleaseCompactForEntry() override;

 private:
  // Whether a field or value of this length forces the table encoding.
  static bool TooLongForListpack(size_t len, const EncodingLimits& limits) {
    return len > static_cast<uint64_t>(limits.hash_max_listpack_value);
  }
  bool SetInTable(std::string_view field, std::string_view value);

  // Exactly one of the two is set.
  uint8_t* small_ = nullptr;
  mem::UniquePtr<HashTable> table_;
};

template <typename Fn>
void HashValue::ForEach(Fn&& fn) const {
  if (table_ != nullptr) {
    table_->ForEach([&](HashNode* n) { fn(n->field(), n->value()); });
    return;
  }
  SmallHash(small_).ForEach(fn);
}

template <typename Fn>
uint64_t HashValue::Scan(uint64_t cursor, Fn&& fn) const {
  if (table_ == nullptr) {
    ForEach(fn);
    return 0;
  }
  return table_->Scan(cursor, [&](HashNode* n) { fn(n->field(), n->value()); });
}

}  // namespace basalt::store
