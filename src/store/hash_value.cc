#include "store/hash_value.h"

#include <cstring>
#include <new>
#include <utility>

#include "common/hash.h"
#include "common/memory.h"
#include "store/small_hash.h"

namespace basalt::store {

// ---- HashNode ------------------------------------------------------------------------------

HashNode* HashNode::New(std::string_view field, std::string_view value) {
  void* block = mem::Allocate(sizeof(HashNode) + field.size() + value.size());
  auto* n = new (block) HashNode();
  n->field_size_ = static_cast<uint32_t>(field.size());
  n->value_size_ = static_cast<uint32_t>(value.size());
  char* data = reinterpret_cast<char*>(n + 1);
  if (!field.empty()) std::memcpy(data, field.data(), field.size());
  if (!value.empty()) std::memcpy(data + field.size(), value.data(), value.size());
  return n;
}

void HashNode::Destroy(HashNode* n) {
  n->~HashNode();
  mem::Free(n);
}

std::string_view HashNode::field() const {
  return {reinterpret_cast<const char*>(this + 1), field_size_};
}

std::string_view HashNode::value() const {
  return {reinterpret_cast<const char*>(this + 1) + field_size_, value_size_};
}

bool HashNode::TryOverwriteValue(std::string_view value) {
  if (value.size() != value_size_) return false;
  if (!value.empty())
    std::memmove(reinterpret_cast<char*>(this + 1) + field_size_, value.data(), value.size());
  return true;
}

size_t HashNode::MemoryUsage() const { return mem::UsableSize(const_cast<HashNode*>(this)); }

uint64_t HashNodeTraits::Hash(std::string_view field) { return HashKey(field); }

// ---- HashValue -----------------------------------------------------------------------------

HashValue::HashValue() : small_(SmallHash::NewBlock()) {}

HashValue::~HashValue() { mem::Free(small_); }

size_t HashValue::size() const { return table_ ? table_->size() : SmallHash(small_).size(); }

bool HashValue::Get(std::string_view field, std::string_view* value) const {
  if (table_ == nullptr) return SmallHash(small_).Get(field, value);
  HashNode* n = table_->Find(field);
  if (n == nullptr) return false;
  *value = n->value();
  return true;
}

bool HashValue::Contains(std::string_view field) const {
  if (table_ != nullptr) return table_->Find(field) != nullptr;
  return SmallHash(small_).Contains(field);
}

bool HashValue::Set(std::string_view field, std::string_view value, const EncodingLimits& limits) {
  if (table_ == nullptr &&
      (TooLongForListpack(field.size(), limits) || TooLongForListpack(value.size(), limits))) {
    ConvertToTable();
  }
  if (table_ != nullptr) return SetInTable(field, value);
  SmallHash small(small_);
  const bool created = small.Set(field, value);
  small_ = small.block();
  // Checked after updates too: a lowered hash-max-listpack-entries takes effect on any write.
  if (small.size() > static_cast<uint64_t>(limits.hash_max_listpack_entries)) ConvertToTable();
  return created;
}

bool HashValue::SetInTable(std::string_view field, std::string_view value) {
  table_->RehashStep(1);
  HashNode** link = table_->FindLink(field);
  if (link == nullptr) {
    table_->Insert(HashNode::New(field, value), HashNodeTraits::Hash(field));
    return true;
  }
  if (!(*link)->TryOverwriteValue(value)) {
    HashNode::Destroy(table_->Replace(link, HashNode::New(field, value)));
  }
  return false;
}

bool HashValue::Delete(std::string_view field) {
  if (table_ == nullptr) {
    SmallHash small(small_);
    const bool deleted = small.Delete(field);
    small_ = small.block();
    return deleted;
  }
  table_->RehashStep(1);
  HashNode* n = table_->Remove(field);
  if (n == nullptr) return false;
  HashNode::Destroy(n);
  return true;
}

void HashValue::RandomField(std::mt19937_64& rng, std::string_view* field,
                            std::string_view* value) const {
  if (table_ == nullptr) {
    SmallHash(small_).RandomPair(rng, field, value);
    return;
  }
  HashNode* n = table_->RandomEntry(rng);
  *field = n->field();
  *value = n->value();
}

void HashValue::ConvertToTable() {
  if (table_ != nullptr) return;
  auto table = mem::MakeUnique<HashTable>();
  table->Reserve(size());
  ForEach([&](std::string_view f, std::string_view v) {
    table->Insert(HashNode::New(f, v), HashNodeTraits::Hash(f));
  });
  table_ = std::move(table);
  mem::Free(std::exchange(small_, nullptr));
}

void HashValue::Reserve(size_t n) {
  if (table_ != nullptr) table_->Reserve(n);
}

bool HashValue::InsertNewForLoad(std::string_view field, std::string_view value) {
  // Without steps a table that had to grow would keep filling the new array's few buckets.
  table_->RehashStep(1);
  const uint64_t hash = HashNodeTraits::Hash(field);
  HashNode* n = HashNode::New(field, value);
  if (table_->InsertIfAbsent(n, hash)) return true;
  HashNode::Destroy(n);
  return false;
}

size_t HashValue::MemoryUsage() const {
  size_t total = mem::UsableSize(const_cast<HashValue*>(this));
  if (table_ == nullptr) return total + SmallHash(small_).MemoryUsage();
  total += mem::UsableSize(table_.get()) + table_->MemoryUsage();
  table_->ForEach([&](HashNode* n) { total += n->MemoryUsage(); });
  return total;
}

size_t HashValue::SampledMemoryUsage(size_t samples) const {
  if (table_ == nullptr || samples == 0 || samples >= size()) return MemoryUsage();
  // The first `samples` members in scan order stand for all of them, as Redis samples.
  size_t seen = 0, bytes = 0;
  uint64_t cursor = 0;
  do {
    cursor = table_->Scan(cursor, [&](HashNode* n) {
      ++seen;
      bytes += n->MemoryUsage();
    });
  } while (cursor != 0 && seen < samples);
  const size_t fixed = mem::UsableSize(const_cast<HashValue*>(this)) +
                       mem::UsableSize(table_.get()) + table_->MemoryUsage();
  return fixed + static_cast<size_t>(static_cast<double>(bytes) / seen * size());
}

CompositeValue* HashValue::Clone() const {
  if (table_ == nullptr) return new HashValue(SmallHash::CopyBlock(small_));
  auto* copy = new HashValue(nullptr);
  copy->table_ = mem::MakeUnique<HashTable>();
  copy->table_->Reserve(table_->size());
  ForEach([&](std::string_view f, std::string_view v) {
    copy->table_->Insert(HashNode::New(f, v), HashNodeTraits::Hash(f));
  });
  return copy;
}

uint8_t* HashValue::ReleaseCompactForEntry() { return std::exchange(small_, nullptr); }

std::string_view HashValue::EncodingName() const {
  return table_ == nullptr ? "listpack" : "hashtable";
}

}  // namespace basalt::store
