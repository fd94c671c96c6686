// One key and its value in a single heap block: the unit the keyspace table chains.
//
// Memory per key is a product goal, so an entry is a variable-length record rather than a
// struct of std::strings:
//
//   [next: Entry*][meta: u8]                      9 bytes, always
//   [access: u24]                                 only while keys track accesses (store/access.h)
//   [expire_at_ms: i64][expire_slot: u32]         only when the key has a TTL
//   [key length: varint][key bytes]
//   [value]  kInline: [length: varint][bytes]     short strings live in the entry itself
//            kHeapString: [HeapString*]          long or growing strings, resized in place
//            kObject: [CompositeValue*]           lists, sets, hashes, ... (future types)
//            kCompact: [block*]                   a small hash, no object (store/small_hash.h)
//
// Fields after the header are unaligned and read with memcpy. An 11-byte key with a 10-byte
// value takes 33 bytes. The header is a real object (constructed with placement new, Entry is
// not an implicit-lifetime type), so a block is never smaller than sizeof(Entry): 16 bytes,
// which costs nothing with glibc, whose smallest chunk holds 24. The access field (an LRU clock
// or an LFU counter) is there only while an LRU or LFU maxmemory-policy is in force: keys of a
// store that never evicts by use pay nothing for it (an 11-byte key with a 10-byte value would
// move from mimalloc's 32-byte class to its 40-byte one). Adding or removing a TTL, or
// replacing an inline value, builds a new entry: callers must use the returned pointer and
// relink it (the Database does this).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "common/heap_string.h"
#include "common/memory.h"

namespace basalt::store {

enum class ValueType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kStream = 5
};
// Redis's TYPE reply for each value type.
std::string_view TypeName(ValueType type);

// kCompact holds a small hash as one dense block with no object around it (store/small_hash.h;
// store/hash_ref.h reads and changes it): a 10-field hash takes 0.64x of Redis's memory.
enum class Encoding : uint8_t { kInline = 0, kHeapString = 1, kObject = 2, kCompact = 3 };

// Strings up to this length are stored inside the entry.
inline constexpr size_t kInlineStringMax = 128;

// Long or growing string values (common/heap_string.h).
using basalt::HeapString;

// Base of the collection values (hash, list, set, zset; store/*_value.h). Each type downcasts
// after checking Entry::type(). Objects live on the accounted heap (mem::), and so must
// everything they own, so INFO's used_memory and maxmemory see collections as they see strings.
class CompositeValue {
 public:
  virtual ~CompositeValue() = default;
  // Bytes held by the value and everything it owns, allocator rounding included.
  virtual size_t MemoryUsage() const = 0;
  virtual CompositeValue* Clone() const = 0;
  // OBJECT ENCODING's answer: "listpack", "hashtable", "intset", "quicklist", "skiplist".
  virtual std::string_view EncodingName() const { return "unknown"; }
  // Roughly how many separate blocks freeing the value releases (1 for a compact encoding,
  // nodes or members otherwise): what decides whether it is worth a background thread, as
  // Redis's free effort does.
  virtual size_t FreeEffort() const { return 1; }
  // A value small enough to live in its entry as a compact block (Encoding::kCompact; only
  // hashes today) returns that block here, and the entry deletes the object; nullptr keeps
  // the object.
  virtual uint8_t* ReleaseCompactForEntry() { return nullptr; }

  static void* operator new(size_t size) { return mem::Allocate(size); }
  static void operator delete(void* p) { mem::Free(p); }
};

class Entry {
 public:
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  // A new string entry. expire_at_ms < 0: no TTL.
  static Entry* NewString(std::string_view key, std::string_view value, int64_t expire_at_ms);
  // A new string entry that takes ownership of an out-of-line string.
  static Entry* NewHeapString(std::string_view key, HeapString* value, int64_t expire_at_ms);
  // A deep copy of `e` under another key (COPY).
  static Entry* Clone(const Entry* e, std::string_view key, int64_t expire_at_ms);
  // A new entry holding a composite value (takes ownership). A value that has a compact form
  // (CompositeValue::ReleaseCompactForEntry) is deleted here: use the entry after.
  static Entry* NewObject(std::string_view key, ValueType type, CompositeValue* value,
                          int64_t expire_at_ms);
  // A new entry holding a compact block (Encoding::kCompact; takes ownership).
  static Entry* NewCompact(std::string_view key, ValueType type, uint8_t* block,
                           int64_t expire_at_ms);
  // Frees the entry and its value.
  static void Destroy(Entry* e);
  // A copy of `e` under `key` with a TTL of expire_at_ms (< 0: none). The value moves to the
  // new entry: release `e` with FreeShell() afterwards. The snapshot bit is preserved.
  static Entry* Rebuild(const Entry* e, std::string_view key, int64_t expire_at_ms);
  // Frees an entry whose value was moved away by Rebuild().
  static void FreeShell(Entry* e);

  Entry* next() const { return next_; }
  void set_next(Entry* n) { next_ = n; }
  Entry** next_link() { return &next_; }

  ValueType type() const { return static_cast<ValueType>(meta_ & kTypeMask); }
  Encoding encoding() const { return static_cast<Encoding>((meta_ >> kEncodingShift) & 3); }
  bool has_expire() const { return (meta_ & kExpireBit) != 0; }
  int64_t expire_at() const;       // -1 when the key has no TTL
  void set_expire_at(int64_t ms);  // only when has_expire()
  uint32_t expire_slot() const;
  void set_expire_slot(uint32_t slot);
  bool snapshot_bit() const { return (meta_ & kSnapshotBit) != 0; }
  // The 24-bit access field (store/access.h), present only in entries built while
  // SetAccessFieldForNewEntries(true) was in force.
  bool has_access() const { return (meta_ & kAccessBit) != 0; }
  uint32_t access() const;          // only when has_access()
  void set_access(uint32_t field);  // only when has_access(); the low 24 bits are kept
  // Whether entries built from now on carry the access field. Process-wide: the field only
  // shapes an entry's layout, and every entry says whether it has one, so stores (and loader
  // threads) may mix both kinds.
  static void SetAccessFieldForNewEntries(bool on);
  static bool AccessFieldForNewEntries();
  void set_snapshot_bit(bool v) { meta_ = v ? (meta_ | kSnapshotBit) : (meta_ & ~kSnapshotBit); }

  std::string_view key() const;
  // The string value (type kString only).
  std::string_view string_value() const;
  HeapString* heap_string() const;  // encoding kHeapString only
  void set_heap_string(HeapString* s);
  // Before changing a heap string value in place: one that a reply still holds (see
  // common/heap_string.h) is replaced by a private copy, which the entry then owns.
  void UnshareString();
  CompositeValue* object() const;  // encoding kObject only
  // Encoding kCompact only: the block, and where it moved after a change.
  uint8_t* compact_block() const;
  void set_compact_block(uint8_t* block);
  // A kCompact value outgrew its block: the entry holds `value` from now on.
  void set_object(CompositeValue* value);

  // Replaces a string value without allocating, when the new one fits where the old one is:
  // an inline value of the same length, or a heap string whose capacity holds the new value
  // without wasting more than half of it. False (nothing changed) otherwise.
  bool TryOverwriteString(std::string_view value);

  // Bytes this entry and its value occupy, allocator rounding included.
  size_t MemoryUsage();

  // Bytes Allocate asks for an entry with this key, TTL or not, and value field size.
  static size_t BlockSize(size_t key_size, bool with_expire, size_t value_size,
                          bool with_access = false);

 private:
  static constexpr uint8_t kTypeMask = 0x07;
  static constexpr uint8_t kAccessBit = 0x08;
  static constexpr int kEncodingShift = 4;
  static constexpr uint8_t kExpireBit = 0x40;
  static constexpr uint8_t kSnapshotBit = 0x80;
  static constexpr size_t kHeaderSize = sizeof(Entry*) + 1;
  static constexpr size_t kExpireFieldsSize = 12;
  static constexpr size_t kAccessFieldSize = 3;

  char* payload() { return reinterpret_cast<char*>(this) + kHeaderSize; }
  const char* payload() const { return reinterpret_cast<const char*>(this) + kHeaderSize; }
  // The TTL fields (when present) follow the access field (when present).
  const char* expire_fields() const { return payload() + (has_access() ? kAccessFieldSize : 0); }
  char* expire_fields() { return const_cast<char*>(std::as_const(*this).expire_fields()); }
  const char* key_field() const { return expire_fields() + (has_expire() ? kExpireFieldsSize : 0); }
  const char* value_field() const;
  char* value_field() { return const_cast<char*>(std::as_const(*this).value_field()); }
  static Entry* Allocate(std::string_view key, uint8_t meta, int64_t expire_at_ms,
                         size_t value_size);
  // Ends the header's lifetime and frees the block (the value is the caller's business).
  static void Release(Entry* e);

  // Only through Allocate (placement new into a block of BlockSize) and Release.
  explicit Entry(uint8_t meta) : next_(nullptr), meta_(meta) {}
  ~Entry() = default;

  Entry* next_;
  uint8_t meta_;
};

}  // namespace basalt::store
