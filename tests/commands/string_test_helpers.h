// Shared pieces for the string command tests: a stand-in non-string value (for WRONGTYPE
// cases, before the real list type exists) and direct peeks at stored state.
#pragma once

#include <cstdint>
#include <string_view>

#include "commands/harness.h"
#include "store/entry.h"

namespace basalt::test {

class FakeComposite : public store::CompositeValue {
 public:
  size_t MemoryUsage() const override { return 16; }
  store::CompositeValue* Clone() const override { return new FakeComposite; }
};

// Stores a value of type list under `key` in database 0.
inline void PutList(Harness& h, std::string_view key) {
  h.keyspace().db(0).Insert(
      store::Entry::NewObject(key, store::ValueType::kList, new FakeComposite, -1));
}

// The stored TTL deadline of `key` (-1: none, -2: no entry), without expiring it.
inline int64_t StoredExpireAt(Harness& h, std::string_view key) {
  const store::Entry* e = h.keyspace().db(0).LookupRaw(key);
  return e == nullptr ? -2 : e->expire_at();
}

// Whether an entry for `key` is stored, expired or not.
inline bool Stored(Harness& h, std::string_view key) {
  return h.keyspace().db(0).LookupRaw(key) != nullptr;
}

inline const std::vector<std::string>& Propagated(Harness& h) { return h.propagated().lines; }

inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

}  // namespace basalt::test
