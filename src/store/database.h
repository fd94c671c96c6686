// One numbered database: the key table, its TTL index and the only functions that change them.
//
// Every change to an existing entry goes through this class and is announced to the
// KeyspaceListener first (BeforeEntryChange). That single choke point is what lets forkless
// snapshots save an entry's old contents, and later lets WATCH and keyspace notifications hook
// in without touching commands.
//
// Keys with a TTL are also kept in a dense vector (the entry remembers its slot), so the active
// expiry cycle walks exactly the keys that can expire, uniformly and cheaply.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "store/entry.h"
#include "store/entry_table.h"

namespace basalt::store {

class Keyspace;
enum class KeyChange : uint8_t;

class Database {
 public:
  Database(int index, Keyspace* owner) : index_(index), owner_(owner) {}
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  int index() const { return index_; }
  size_t size() const { return table_.size(); }
  size_t expires_count() const { return expiring_.size(); }
  const EntryTable& table() const { return table_; }

  // The live entry for `key`, or nullptr. An expired entry is deleted (lazy expiry) and
  // reported to the listener; in replica mode it is only hidden, since the primary decides.
  // A found key counts as accessed (its LRU clock or LFU counter moves, when the keyspace
  // tracks accesses) unless `touch` is false, as for TYPE, EXISTS, TTL and OBJECT in Redis.
  // An entry built before tracking began is rebuilt with an access field here: use the
  // returned pointer.
  Entry* Lookup(std::string_view key, int64_t now_ms, bool touch = true);
  // The entry even if expired; for code that must see the stored state (snapshots, DEBUG).
  Entry* LookupRaw(std::string_view key) const;
  static bool IsExpired(const Entry* e, int64_t now_ms) {
    return e->has_expire() && e->expire_at() < now_ms;
  }

  // Sets `key` to a string value with TTL expire_at_ms (< 0: none), or keeps the key's current
  // TTL when keep_ttl. Returns the new entry.
  Entry* SetString(std::string_view key, std::string_view value, int64_t expire_at_ms,
                   bool keep_ttl = false);
  // The same with a value already in a heap string, which the new entry adopts (a big SET
  // keeps the buffer its value was received into).
  Entry* SetOwnedString(std::string_view key, HeapString* value, int64_t expire_at_ms,
                        bool keep_ttl = false);
  // Inserts a built entry whose key is absent (loaders, RENAME, MOVE, COPY).
  void Insert(Entry* e);
  // Creates `key` (absent) holding a new collection, taking ownership; returns its entry. To
  // change an existing collection, announce it with PrepareModify first. A small hash is kept
  // as a bare listpack in the entry and its object deleted (Entry::NewObject): go on through
  // the returned entry, never through `value`.
  Entry* AddObject(std::string_view key, ValueType type, CompositeValue* value);
  // Sets `key` to a new collection (taking ownership) whether it exists or not, dropping any
  // TTL: an existing key is overwritten (announced as changed, not created, so no "new" event,
  // as Redis's setKey of a *STORE destination). Returns the entry.
  Entry* SetObject(std::string_view key, ValueType type, CompositeValue* value);
  // Bulk loading: inserts e with its precomputed key hash unless the key exists (false, e
  // untouched), and prefetch hints for a pipeline of such inserts.
  bool InsertIfAbsent(Entry* e, uint64_t hash);
  void PrefetchBucket(uint64_t hash) const { table_.PrefetchBucket(hash); }
  void PrefetchChainHead(uint64_t hash) const { table_.PrefetchChainHead(hash); }
  // Sizes an empty database's table for `keys` keys up front (loaders; see EntryTable).
  void Reserve(size_t keys) { table_.Reserve(keys); }
  // Deletes `key`; false when absent. Expired-but-present keys count as present. `lazy`: a big
  // collection is freed on the background thread (UNLINK; see Keyspace::DisposeEntry). Without
  // it, lazyfree-lazy-server-del decides, as for Redis's own deletions (RENAME onto a key, a
  // *STORE destination, the last element popped).
  bool Delete(std::string_view key, bool lazy);
  bool Delete(std::string_view key);
  // Removes `key` and hands its entry to the caller (RENAME, MOVE); nullptr when absent.
  Entry* Take(std::string_view key);
  // Sets (at_ms >= 0) or removes (at_ms < 0) the TTL of an existing key; returns the entry.
  Entry* SetExpire(std::string_view key, int64_t at_ms);
  // Announces an in-place change to e's value (APPEND into a heap string, a list push) and
  // returns e; call it before modifying.
  Entry* PrepareModify(Entry* e);
  // Appends to a string entry in place (growing a heap string) or by rebuilding; returns the
  // entry.
  Entry* AppendString(std::string_view key, std::string_view suffix);
  // Overwrites bytes of a string at `offset`, zero-padding up to it; returns the entry.
  Entry* SetRange(std::string_view key, size_t offset, std::string_view bytes);

  // Removes all keys; `lazy` (FLUSHALL ASYNC) frees them on the background thread.
  void Clear(bool lazy = false);
  // Exchanges contents with another database (SWAPDB).
  void SwapContents(Database& other);

  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    return table_.Scan(cursor, std::forward<Fn>(fn));
  }
  Entry* RandomEntry(std::mt19937_64& rng) const { return table_.RandomEntry(rng); }
  // A random key with a TTL (nullptr when there is none): volatile-random evicts these.
  Entry* RandomExpiring(std::mt19937_64& rng) const {
    if (expiring_.empty()) return nullptr;
    return expiring_[std::uniform_int_distribution<size_t>(0, expiring_.size() - 1)(rng)];
  }
  // Calls fn(const Entry*) for up to `count` keys from a random place (EntryTable::Sample),
  // all keys or only those with a TTL: eviction's candidates.
  template <typename Fn>
  void Sample(std::mt19937_64& rng, size_t count, bool with_ttl_only, Fn&& fn) const {
    if (!with_ttl_only) {
      table_.Sample(rng, count, std::forward<Fn>(fn));
      return;
    }
    if (expiring_.empty()) return;
    const size_t first = std::uniform_int_distribution<size_t>(0, expiring_.size() - 1)(rng);
    const size_t n = std::min(count, expiring_.size());
    auto at = [&](size_t i) {
      const size_t slot = first + i;
      return static_cast<const Entry*>(
          expiring_[slot < expiring_.size() ? slot : slot - expiring_.size()]);
    };
    // The entries lie anywhere in memory: their misses overlap when all are asked for first.
    for (size_t i = 0; i < n && i < 16; ++i) __builtin_prefetch(at(i));
    for (size_t i = 0; i < n; ++i) fn(at(i));
  }
  // Every entry, in storage order; nothing may change the database meanwhile.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    table_.ForEach(std::forward<Fn>(fn));
  }

  struct SweepResult {
    size_t checked = 0;
    size_t expired = 0;
  };
  // Checks up to `max_checks` keys with a TTL, continuing from where the last sweep stopped,
  // and deletes the expired ones.
  SweepResult SweepExpired(int64_t now_ms, size_t max_checks);

  void RehashStep(int buckets) { table_.RehashStep(buckets); }
  void MaybeShrink() { table_.MaybeShrink(); }

 private:
  // SetString's body: `overwrite(old)` replaces an existing entry's value in place (false if
  // it cannot), else `make(expire_at_ms)` builds the new entry.
  template <typename Overwrite, typename MakeEntry>
  Entry* PutString(std::string_view key, int64_t expire_at_ms, bool keep_ttl, Overwrite overwrite,
                   MakeEntry make);
  void BeforeChange(const Entry* e);
  // Tells the change feed what happened to `key` (after the change).
  void Announce(std::string_view key, KeyChange change);
  void OnNewEntry(Entry* e);
  void TrackExpire(Entry* e);
  void UntrackExpire(Entry* e);
  // Puts `fresh` in place of the entry at `link`, keeping the TTL index pointing at it.
  // An access field on `fresh` records an access at now_ms (the keyspace's clock by default).
  void ReplaceAt(Entry** link, Entry* fresh, int64_t now_ms);
  void ReplaceAt(Entry** link, Entry* fresh);
  void DestroyUnlinked(Entry* e, bool lazy = false);
  void DeleteExpired(Entry** link);
  // Records an access to the entry at `link` (see Lookup); returns the entry.
  Entry* Touch(Entry** link, int64_t now_ms);

  int index_;
  Keyspace* owner_;
  EntryTable table_;
  std::vector<Entry*> expiring_;
  size_t sweep_cursor_ = 0;
};

}  // namespace basalt::store
