// A hash key's value, however its entry holds it.
//
// A small hash is one SmallHash block held by the entry itself (Encoding::kCompact): no object,
// no second pointer, no listpack header or back-lengths. A big one is a HashValue object
// (Encoding::kObject, a table; a listpack-mode HashValue only exists on its way into an entry).
// Commands, the RDB/AOF codecs and SORT reach both through this handle, and every change
// through it leaves the entry pointing at the current block (a block moves when it grows) or,
// once the hash passes hash-max-listpack-entries/value, at a new HashValue table.
//
// A handle lives for one command's use of one entry, and changes go through one handle at a
// time. The entry may be deleted while a handle is alive (the last field removed), after which
// the handle is only destroyed.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "store/entry.h"
#include "store/hash_value.h"
#include "store/small_hash.h"

namespace basalt::store {

class HashRef {
 public:
  // `e` must be a hash (type kHash).
  explicit HashRef(Entry* e)
      : entry_(e), heap_(e->encoding() == Encoding::kCompact ? nullptr : AsValue(e)) {}
  explicit HashRef(const Entry* e) : HashRef(const_cast<Entry*>(e)) {}

  // "listpack" to OBJECT ENCODING and the RDB writer: the compact block, or a HashValue not
  // yet converted.
  bool is_listpack() const { return heap_ == nullptr || heap_->is_listpack(); }
  bool is_compact() const { return heap_ == nullptr; }
  size_t size() const { return heap_ ? heap_->size() : Small().size(); }
  // The value of `field`; the view is valid until the hash changes. Both forms keep values as
  // text, so no formatting buffer is needed.
  bool Get(std::string_view field, std::string_view* value) const {
    return heap_ ? heap_->Get(field, value) : Small().Get(field, value);
  }
  bool Contains(std::string_view field) const {
    return heap_ ? heap_->Contains(field) : Small().Contains(field);
  }
  // fn(field, value) for every field.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    heap_ ? heap_->ForEach(std::forward<Fn>(fn)) : Small().ForEach(std::forward<Fn>(fn));
  }
  // HSCAN's step: a compact hash answers whole with cursor 0, as a listpack does.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    if (heap_) return heap_->Scan(cursor, std::forward<Fn>(fn));
    Small().ForEach(std::forward<Fn>(fn));
    return 0;
  }
  void RandomField(std::mt19937_64& rng, std::string_view* field, std::string_view* value) const;
  // The HashValue of a big hash (nullptr when compact): RDB's table body cursor, MEMORY USAGE.
  const HashValue* object() const { return heap_; }
  // Appends to `out` the listpack Redis holds for these fields and values (HASH_LISTPACK's
  // bytes; for a small hash).
  void AppendListpackBytes(std::string& out) const;

  // Changes, followed by the entry. Set converts to a table past the limits, as
  // HashValue::Set does.
  bool Set(std::string_view field, std::string_view value, const EncodingLimits& limits);
  bool Delete(std::string_view field);
  void ConvertToTable();

 private:
  static HashValue* AsValue(Entry* e) { return static_cast<HashValue*>(e->object()); }
  SmallHash Small() const { return SmallHash(entry_->compact_block()); }

  Entry* entry_;
  HashValue* heap_;  // nullptr while the entry holds a compact block
};

}  // namespace basalt::store
