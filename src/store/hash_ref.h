// A hash key's value, however its entry holds it.
//
// A small hash is a bare listpack in its entry (Encoding::kListpack): no HashValue object and
// no second pointer, 32 bytes less per key. A big one is a HashValue object (Encoding::kObject).
// Commands, codecs and SORT reach both through this handle: reads see a HashValue either way,
// and every change through it leaves the entry pointing at the current block (a listpack
// moves when it grows) or, once the hash outgrows its listpack, at a new HashValue object.
//
// A handle lives for one command's use of one entry, and changes go through one handle at a
// time: a second handle on the same entry sees a change only when made after it. The entry
// may be deleted while a handle is alive (the last field removed), after which the handle is
// only destroyed.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <utility>

#include "store/entry.h"
#include "store/hash_value.h"

namespace basalt::store {

class HashRef {
 public:
  // `e` must be a hash (type kHash).
  explicit HashRef(Entry* e);
  explicit HashRef(const Entry* e) : HashRef(const_cast<Entry*>(e)) {}
  HashRef(HashRef&& other) noexcept = default;
  HashRef& operator=(HashRef&&) = delete;
  ~HashRef();

  // HashValue's reads.
  const HashValue& value() const { return embedded_ ? *embedded_ : *heap_; }
  bool is_listpack() const { return value().is_listpack(); }
  size_t size() const { return value().size(); }
  bool Get(std::string_view field, std::string_view* v, NumberBuffer* buf) const {
    return value().Get(field, v, buf);
  }
  bool Contains(std::string_view field) const { return value().Contains(field); }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    value().ForEach(std::forward<Fn>(fn));
  }
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    return value().Scan(cursor, std::forward<Fn>(fn));
  }
  void RandomField(std::mt19937_64& rng, std::string_view* field, std::string_view* v,
                   NumberBuffer* field_buf, NumberBuffer* value_buf) const {
    value().RandomField(rng, field, v, field_buf, value_buf);
  }

  // HashValue's changes, followed by the entry.
  bool Set(std::string_view field, std::string_view value, const EncodingLimits& limits);
  bool Delete(std::string_view field);
  void ConvertToTable();

 private:
  HashValue& mutable_value() { return embedded_ ? *embedded_ : *heap_; }
  // Points the entry at what the last change left.
  void Settle();

  Entry* entry_;
  // The entry's listpack, adopted for the handle's life and never freed by it.
  std::optional<HashValue> embedded_;
  HashValue* heap_ = nullptr;
};

}  // namespace basalt::store
