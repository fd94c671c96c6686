#include "store/entry.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <new>
#include <type_traits>

#include "common/memory.h"
#include "common/varint.h"
#include "store/access.h"
#include "store/small_hash.h"

namespace basalt::store {

namespace {

template <typename T>
T LoadUnaligned(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void StoreUnaligned(char* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

std::atomic<bool> g_access_field_for_new_entries{false};

}  // namespace

void Entry::SetAccessFieldForNewEntries(bool on) {
  g_access_field_for_new_entries.store(on, std::memory_order_relaxed);
}

bool Entry::AccessFieldForNewEntries() {
  return g_access_field_for_new_entries.load(std::memory_order_relaxed);
}

std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kSet:
      return "set";
    case ValueType::kZSet:
      return "zset";
    case ValueType::kHash:
      return "hash";
    case ValueType::kStream:
      return "stream";
  }
  return "none";
}

size_t Entry::BlockSize(size_t key_size, bool with_expire, size_t value_size, bool with_access) {
  const size_t record = kHeaderSize + (with_access ? kAccessFieldSize : 0) +
                        (with_expire ? kExpireFieldsSize : 0) + varint::Size(key_size) + key_size +
                        value_size;
  // The Entry object is constructed in the block, so the block must hold all of it (its tail
  // padding included), however short the record behind the header.
  return std::max(record, sizeof(Entry));
}

Entry* Entry::Allocate(std::string_view key, uint8_t meta, int64_t expire_at_ms,
                       size_t value_size) {
  // The payload starts right after meta_, inside the object's tail padding: both offsets are
  // fixed by the layout, which these pin down.
  static_assert(std::is_standard_layout_v<Entry>);
  static_assert(offsetof(Entry, meta_) + sizeof(meta_) == kHeaderSize);
  const bool with_expire = expire_at_ms >= 0;
  const bool with_access = AccessFieldForNewEntries();
  void* block = mem::Allocate(BlockSize(key.size(), with_expire, value_size, with_access));
  auto* e = new (block) Entry(
      static_cast<uint8_t>(meta | (with_expire ? kExpireBit : 0) | (with_access ? kAccessBit : 0)));
  if (with_access) e->set_access(access::kUnstamped);  // stamped when it goes in a database
  char* p = e->expire_fields();
  if (with_expire) {
    StoreUnaligned<int64_t>(p, expire_at_ms);
    StoreUnaligned<uint32_t>(p + 8, 0);
    p += kExpireFieldsSize;
  }
  p = varint::Put(p, key.size());
  if (!key.empty()) std::memcpy(p, key.data(), key.size());
  return e;
}

Entry* Entry::NewString(std::string_view key, std::string_view value, int64_t expire_at_ms) {
  if (value.size() <= kInlineStringMax) {
    uint8_t meta = static_cast<uint8_t>(ValueType::kString) |
                   (static_cast<uint8_t>(Encoding::kInline) << kEncodingShift);
    Entry* e = Allocate(key, meta, expire_at_ms, varint::Size(value.size()) + value.size());
    char* p = varint::Put(e->value_field(), value.size());
    if (!value.empty()) std::memcpy(p, value.data(), value.size());
    return e;
  }
  uint8_t meta = static_cast<uint8_t>(ValueType::kString) |
                 (static_cast<uint8_t>(Encoding::kHeapString) << kEncodingShift);
  Entry* e = Allocate(key, meta, expire_at_ms, sizeof(HeapString*));
  StoreUnaligned<HeapString*>(e->value_field(), HeapString::Create(value, value.size()));
  return e;
}

Entry* Entry::NewHeapString(std::string_view key, HeapString* value, int64_t expire_at_ms) {
  uint8_t meta = static_cast<uint8_t>(ValueType::kString) |
                 (static_cast<uint8_t>(Encoding::kHeapString) << kEncodingShift);
  Entry* e = Allocate(key, meta, expire_at_ms, sizeof(HeapString*));
  StoreUnaligned<HeapString*>(e->value_field(), value);
  return e;
}

Entry* Entry::Clone(const Entry* e, std::string_view key, int64_t expire_at_ms) {
  if (e->encoding() == Encoding::kObject) {
    return NewObject(key, e->type(), e->object()->Clone(), expire_at_ms);
  }
  if (e->encoding() == Encoding::kCompact) {  // only hashes are compact
    return NewCompact(key, e->type(), SmallHash::CopyBlock(e->compact_block()), expire_at_ms);
  }
  return NewString(key, e->string_value(), expire_at_ms);
}

Entry* Entry::NewObject(std::string_view key, ValueType type, CompositeValue* value,
                        int64_t expire_at_ms) {
  if (uint8_t* block = value->ReleaseCompactForEntry()) {
    delete value;
    return NewCompact(key, type, block, expire_at_ms);
  }
  uint8_t meta =
      static_cast<uint8_t>(type) | (static_cast<uint8_t>(Encoding::kObject) << kEncodingShift);
  Entry* e = Allocate(key, meta, expire_at_ms, sizeof(CompositeValue*));
  StoreUnaligned<CompositeValue*>(e->value_field(), value);
  return e;
}

Entry* Entry::NewCompact(std::string_view key, ValueType type, uint8_t* block,
                         int64_t expire_at_ms) {
  uint8_t meta =
      static_cast<uint8_t>(type) | (static_cast<uint8_t>(Encoding::kCompact) << kEncodingShift);
  Entry* e = Allocate(key, meta, expire_at_ms, sizeof(uint8_t*));
  StoreUnaligned<uint8_t*>(e->value_field(), block);
  return e;
}

void Entry::Destroy(Entry* e) {
  switch (e->encoding()) {
    case Encoding::kHeapString:
      HeapString::Release(e->heap_string());
      break;
    case Encoding::kObject:
      delete e->object();
      break;
    case Encoding::kCompact:
      mem::Free(e->compact_block());
      break;
    case Encoding::kInline:
      break;
  }
  Release(e);
}

void Entry::Release(Entry* e) {
  e->~Entry();  // trivial today; keeps the lifetime honest if a member ever needs one
  mem::Free(e);
}

Entry* Entry::Rebuild(const Entry* e, std::string_view key, int64_t expire_at_ms) {
  const char* value_begin = e->value_field();
  size_t value_size;
  if (e->encoding() == Encoding::kInline) {
    uint64_t len;
    const char* p = varint::Get(value_begin, &len);
    value_size = static_cast<size_t>(p - value_begin) + len;
  } else {
    value_size = sizeof(void*);
  }
  uint8_t meta = e->meta_ & ~(kExpireBit | kAccessBit);
  Entry* fresh = Allocate(key, meta, expire_at_ms, value_size);
  std::memcpy(fresh->value_field(), value_begin, value_size);
  if (fresh->has_access() && e->has_access()) fresh->set_access(e->access());
  return fresh;
}

void Entry::FreeShell(Entry* e) { Release(e); }

int64_t Entry::expire_at() const {
  return has_expire() ? LoadUnaligned<int64_t>(expire_fields()) : -1;
}

void Entry::set_expire_at(int64_t ms) { StoreUnaligned<int64_t>(expire_fields(), ms); }

uint32_t Entry::expire_slot() const { return LoadUnaligned<uint32_t>(expire_fields() + 8); }

void Entry::set_expire_slot(uint32_t slot) { StoreUnaligned<uint32_t>(expire_fields() + 8, slot); }

uint32_t Entry::access() const {
  const auto* p = reinterpret_cast<const uint8_t*>(payload());
  return p[0] | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16);
}

void Entry::set_access(uint32_t field) {
  auto* p = reinterpret_cast<uint8_t*>(payload());
  p[0] = static_cast<uint8_t>(field);
  p[1] = static_cast<uint8_t>(field >> 8);
  p[2] = static_cast<uint8_t>(field >> 16);
}

std::string_view Entry::key() const {
  uint64_t len;
  const char* p = varint::Get(key_field(), &len);
  return {p, static_cast<size_t>(len)};
}

const char* Entry::value_field() const {
  uint64_t len;
  const char* p = varint::Get(key_field(), &len);
  return p + len;
}

std::string_view Entry::string_value() const {
  if (encoding() == Encoding::kHeapString) return heap_string()->view();
  uint64_t len;
  const char* p = varint::Get(value_field(), &len);
  return {p, static_cast<size_t>(len)};
}

bool Entry::TryOverwriteString(std::string_view value) {
  if (type() != ValueType::kString) return false;
  if (encoding() == Encoding::kInline) {
    uint64_t len;
    char* p = const_cast<char*>(varint::Get(value_field(), &len));
    if (len != value.size()) return false;
    if (!value.empty()) std::memmove(p, value.data(), value.size());
    return true;
  }
  if (encoding() != Encoding::kHeapString || value.size() <= kInlineStringMax) return false;
  HeapString* s = heap_string();
  // A reply still sending the old bytes keeps them: the new value takes a new string.
  if (s->shared()) return false;
  if (value.size() > s->cap || value.size() * 2 < s->cap) return false;
  std::memmove(s->data(), value.data(), value.size());  // may alias
  s->len = value.size();
  return true;
}

HeapString* Entry::heap_string() const { return LoadUnaligned<HeapString*>(value_field()); }

void Entry::set_heap_string(HeapString* s) { StoreUnaligned<HeapString*>(value_field(), s); }

void Entry::UnshareString() {
  if (encoding() != Encoding::kHeapString) return;
  HeapString* s = heap_string();
  if (!s->shared()) return;
  set_heap_string(HeapString::Create(s->view(), s->cap));
  HeapString::Release(s);
}

CompositeValue* Entry::object() const { return LoadUnaligned<CompositeValue*>(value_field()); }

uint8_t* Entry::compact_block() const { return LoadUnaligned<uint8_t*>(value_field()); }

void Entry::set_compact_block(uint8_t* block) { StoreUnaligned<uint8_t*>(value_field(), block); }

void Entry::set_object(CompositeValue* value) {
  meta_ = static_cast<uint8_t>((meta_ & ~(3 << kEncodingShift)) |
                               (static_cast<uint8_t>(Encoding::kObject) << kEncodingShift));
  StoreUnaligned<CompositeValue*>(value_field(), value);
}

size_t Entry::MemoryUsage() {
  size_t total = mem::UsableSize(this);
  if (encoding() == Encoding::kHeapString) total += mem::UsableSize(heap_string());
  if (encoding() == Encoding::kObject) total += object()->MemoryUsage();
  if (encoding() == Encoding::kCompact) total += mem::UsableSize(compact_block());
  return total;
}

}  // namespace basalt::store
