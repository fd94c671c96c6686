#include "store/set_value.h"

#include <cstring>
#include <new>
#include <utility>

#include "common/hash.h"

namespace basalt::store {

namespace {

// Redis's test for intset membership: a canonical integer (string2ll) that fits in 64 bits.
bool AsInteger(std::string_view member, int64_t* v) { return ParseInt64(member, v); }

}  // namespace

SetNode* SetNode::New(std::string_view member) {
  void* block = mem::Allocate(sizeof(SetNode) + member.size());
  auto* n = new (block) SetNode();
  n->size_ = static_cast<uint32_t>(member.size());
  if (!member.empty()) std::memcpy(n + 1, member.data(), member.size());
  return n;
}

void SetNode::Destroy(SetNode* n) {
  n->~SetNode();
  mem::Free(n);
}

uint64_t SetNodeTraits::Hash(std::string_view member) { return HashKey(member); }

SetValue::SetValue() : table_(mem::MakeUnique<SetTable>()) {}

SetValue::~SetValue() = default;

SetValue* SetValue::NewFor(std::string_view first_member, const EncodingLimits& limits) {
  int64_t v;
  if (AsInteger(first_member, &v) && limits.set_max_intset_entries > 0) {
    return new SetValue(IntSet());
  }
  return new SetValue();
}

size_t SetValue::size() const { return table_ ? table_->size() : ints_.size(); }

bool SetValue::Contains(std::string_view member) const {
  if (table_ != nullptr) return table_->Find(member) != nullptr;
  int64_t v;
  return AsInteger(member, &v) && ints_.Contains(v);
}

bool SetValue::Add(std::string_view member, const EncodingLimits& limits) {
  if (table_ == nullptr) {
    int64_t v;
    if (AsInteger(member, &v)) {
      if (!ints_.Insert(v)) return false;
      if (ints_.size() > static_cast<uint64_t>(limits.set_max_intset_entries)) ConvertToTable();
      return true;
    }
    ConvertToTable();
  }
  table_->RehashStep(1);
  if (table_->Find(member) != nullptr) return false;
  table_->Insert(SetNode::New(member), SetNodeTraits::Hash(member));
  return true;
}

void SetValue::AddAbsent(std::string_view member, const EncodingLimits& limits) {
  if (table_ == nullptr) {
    Add(member, limits);
    return;
  }
  table_->RehashStep(1);
  table_->Insert(SetNode::New(member));
}

bool SetValue::Remove(std::string_view member) {
  if (table_ == nullptr) {
    int64_t v;
    return AsInteger(member, &v) && ints_.Remove(v);
  }
  table_->RehashStep(1);
  SetNode* n = table_->Remove(member);
  if (n == nullptr) return false;
  SetNode::Destroy(n);
  return true;
}

std::string_view SetValue::Random(std::mt19937_64& rng, NumberBuffer* buf) const {
  if (table_ != nullptr) return table_->RandomEntry(rng)->member();
  const int64_t v = ints_.Random(rng);
  return {buf->data, static_cast<size_t>(FormatInt64(v, buf->data))};
}

void SetValue::ConvertToTable() {
  if (table_ != nullptr) return;
  auto table = mem::MakeUnique<SetTable>();
  table->Reserve(ints_.size());
  ForEach([&](std::string_view m) { table->Insert(SetNode::New(m), SetNodeTraits::Hash(m)); });
  table_ = std::move(table);
  ints_ = IntSet();
}

void SetValue::Swap(SetValue& other) noexcept {
  std::swap(ints_, other.ints_);
  std::swap(table_, other.table_);
}

void SetValue::Reserve(size_t n) {
  if (table_ != nullptr) table_->Reserve(n);
}

bool SetValue::InsertForLoad(std::string_view member) {
  // Without steps a table that had to grow would keep filling the new array's few buckets.
  table_->RehashStep(1);
  SetNode* n = SetNode::New(member);
  if (table_->InsertIfAbsent(n, SetNodeTraits::Hash(member))) return true;
  SetNode::Destroy(n);
  return false;
}

size_t SetValue::MemoryUsage() const {
  size_t total = mem::UsableSize(const_cast<SetValue*>(this));
  if (table_ == nullptr) return total + ints_.MemoryUsage();
  total += mem::UsableSize(table_.get()) + table_->MemoryUsage();
  table_->ForEach([&](SetNode* n) { total += n->MemoryUsage(); });
  return total;
}

size_t SetValue::SampledMemoryUsage(size_t samples) const {
  if (table_ == nullptr || samples == 0 || samples >= size()) return MemoryUsage();
  // The first `samples` members in scan order stand for all of them, as Redis samples.
  size_t seen = 0, bytes = 0;
  uint64_t cursor = 0;
  do {
    cursor = table_->Scan(cursor, [&](SetNode* n) {
      ++seen;
      bytes += n->MemoryUsage();
    });
  } while (cursor != 0 && seen < samples);
  const size_t fixed = mem::UsableSize(const_cast<SetValue*>(this)) +
                       mem::UsableSize(table_.get()) + table_->MemoryUsage();
  return fixed + static_cast<size_t>(static_cast<double>(bytes) / seen * size());
}

CompositeValue* SetValue::Clone() const {
  if (table_ == nullptr) return new SetValue(ints_.Clone());
  auto* copy = new SetValue();
  copy->Reserve(size());
  ForEach([&](std::string_view m) { copy->InsertForLoad(m); });
  return copy;
}

}  // namespace basalt::store
