#include "store/hash_ref.h"

#include "store/listpack.h"

namespace basalt::store {

void HashRef::RandomField(std::mt19937_64& rng, std::string_view* field,
                          std::string_view* value) const {
  if (heap_) {
    heap_->RandomField(rng, field, value);
  } else {
    Small().RandomPair(rng, field, value);
  }
}

void HashRef::AppendListpackBytes(std::string& out) const {
  const size_t start = Listpack::BeginBytes(out);
  ForEach([&](std::string_view f, std::string_view v) {
    Listpack::AppendElementBytes(out, f);
    Listpack::AppendElementBytes(out, v);
  });
  Listpack::EndBytes(out, start, 2 * size());
}

bool HashRef::Set(std::string_view field, std::string_view value, const EncodingLimits& limits) {
  if (heap_) return heap_->Set(field, value, limits);
  const auto max_len = static_cast<uint64_t>(limits.hash_max_listpack_value);
  if (field.size() > max_len || value.size() > max_len) {
    ConvertToTable();
    return heap_->Set(field, value, limits);
  }
  SmallHash small = Small();
  const bool created = small.Set(field, value);
  entry_->set_compact_block(small.block());
  // Checked after updates too: a lowered hash-max-listpack-entries takes effect on any write.
  if (small.size() > static_cast<uint64_t>(limits.hash_max_listpack_entries)) ConvertToTable();
  return created;
}

bool HashRef::Delete(std::string_view field) {
  if (heap_) return heap_->Delete(field);
  SmallHash small = Small();
  const bool deleted = small.Delete(field);
  entry_->set_compact_block(small.block());
  return deleted;
}

void HashRef::ConvertToTable() {
  if (heap_) {
    heap_->ConvertToTable();
    return;
  }
  // The object adopts the block and converts it (freeing it); the entry holds the object.
  auto* table = new HashValue(entry_->compact_block());
  table->ConvertToTable();
  entry_->set_object(table);
  heap_ = table;
}

}  // namespace basalt::store
