// The keyspace hash table: ChainedTable (see chained_table.h) over Entry nodes, hashed with
// HashKey, the keyed process-wide hash that RDB loading and the Database also use to compute
// the `hash` arguments.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/hash.h"
#include "store/chained_table.h"
#include "store/entry.h"

namespace basalt::store {

// How ChainedTable reaches into an Entry: its own next pointer, key and destructor.
struct EntryTableTraits {
  static std::string_view Key(const Entry* e) { return e->key(); }
  static Entry* Next(const Entry* e) { return e->next(); }
  static void SetNext(Entry* e, Entry* next) { e->set_next(next); }
  static Entry** NextLink(Entry* e) { return e->next_link(); }
  static void Destroy(Entry* e) { Entry::Destroy(e); }
  static uint64_t Hash(std::string_view key) { return HashKey(key); }
};

// Instantiated once, in entry_table.cc: the keyspace's lookups and inserts stay out-of-line
// calls into one copy of the code, as they were before the table became a template.
extern template class ChainedTable<Entry, EntryTableTraits>;

using EntryTable = ChainedTable<Entry, EntryTableTraits>;

}  // namespace basalt::store
