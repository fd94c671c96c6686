#include "store/hash_ref.h"

#include <utility>

namespace basalt::store {

HashRef::HashRef(Entry* e) : entry_(e) {
  if (e->encoding() == Encoding::kListpack) {
    embedded_.emplace(Listpack::Adopt(e->listpack_block()));
  } else {
    heap_ = static_cast<HashValue*>(e->object());
  }
}

HashRef::~HashRef() {
  // The block belongs to the entry (or to nobody after a conversion moved it): not freed here.
  if (embedded_) embedded_->ReleaseListpackForEntry();
}

bool HashRef::Set(std::string_view field, std::string_view v, const EncodingLimits& limits) {
  const bool created = mutable_value().Set(field, v, limits);
  Settle();
  return created;
}

bool HashRef::Delete(std::string_view field) {
  const bool deleted = mutable_value().Delete(field);
  Settle();
  return deleted;
}

void HashRef::ConvertToTable() {
  mutable_value().ConvertToTable();
  Settle();
}

void HashRef::Settle() {
  if (!embedded_) return;
  if (embedded_->is_listpack()) {
    entry_->set_listpack_block(const_cast<uint8_t*>(embedded_->listpack().block()));
    return;
  }
  // Outgrown: the table moves into an object the entry owns from now on.
  heap_ = new HashValue(std::move(*embedded_));
  embedded_.reset();
  entry_->set_object(heap_);
}

}  // namespace basalt::store
