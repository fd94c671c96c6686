// All databases of a server (or embedded store), the change feed and keyspace statistics.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include "store/access.h"
#include "store/database.h"
#include "store/encoding_limits.h"

namespace basalt::store {

// What happened to a key, as the change feed reports it.
enum class KeyChange : uint8_t {
  kCreated,  // a key that did not exist now does (SET, RENAME's destination, a load)
  kChanged,  // an existing key's value or TTL changed
  kDeleted,  // removed by a command (DEL, RENAME's source, an overwrite by MOVE)
  kExpired,  // removed because its TTL passed (lazy or active expiry)
};

// The change feed: told about changes to the keyspace. Default methods do nothing. Any number
// of listeners subscribe (propagation of expiries, WATCH, the snapshotter, later blocked pops,
// tracking); each must be cheap for keys it does not care about, since every write calls all.
class KeyspaceListener {
 public:
  virtual ~KeyspaceListener() = default;
  // An existing entry of database `db` is about to change or disappear (its old contents are
  // still readable: the snapshotter saves them).
  virtual void BeforeEntryChange(int db, const Entry& e) {}
  // A whole database is about to be emptied (FLUSHDB, FLUSHALL).
  virtual void BeforeDatabaseReset(int db) {}
  // Two databases are about to exchange contents (SWAPDB). By default, a reset of both.
  virtual void BeforeDatabasesSwap(int a, int b) {
    BeforeDatabaseReset(a);
    BeforeDatabaseReset(b);
  }
  // A key was found expired and is being deleted; propagated as a DEL.
  virtual void OnKeyExpired(int db, std::string_view key) {}
  // A key was created, changed or deleted (after the fact). Not called for database resets.
  virtual void OnKeyChanged(int db, std::string_view key, KeyChange change) {}
  // Whether OnKeyChanged also hears the quiet changes (see Keyspace::QuietChanges).
  virtual bool hears_quiet_changes() const { return false; }
};

struct KeyspaceStats {
  uint64_t expired_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_stale_perc_x100 = 0;  // last active cycle's estimated stale share
  uint64_t expire_cycle_cpu_us = 0;
};

class Keyspace {
 public:
  explicit Keyspace(int databases);
  // An empty keyspace to load a dataset into before it replaces this one's contents (startup
  // load, a replica's full sync): same databases, and the settings that shape what loading
  // builds (the configured encoding limits, the snapshot entry bit). Without them a load
  // converts by the defaults, not by the set-max-intset-entries & co. in force.
  std::shared_ptr<Keyspace> NewStaging() const;

  int db_count() const { return static_cast<int>(dbs_.size()); }
  Database& db(int i) { return *dbs_[i]; }
  const Database& db(int i) const { return *dbs_[i]; }

  // Subscribes to the change feed (called in the order added); Remove before destruction.
  void AddListener(KeyspaceListener* l);
  void RemoveListener(KeyspaceListener* l);

  // Fan-out of the change feed (used by Database).
  void NotifyBeforeEntryChange(int db, const Entry& e) {
    for (KeyspaceListener* l : listeners_) l->BeforeEntryChange(db, e);
  }
  void NotifyBeforeDatabaseReset(int db) {
    for (KeyspaceListener* l : listeners_) l->BeforeDatabaseReset(db);
  }
  void NotifyBeforeDatabasesSwap(int a, int b) {
    for (KeyspaceListener* l : listeners_) l->BeforeDatabasesSwap(a, b);
  }
  void NotifyKeyExpired(int db, std::string_view key) {
    for (KeyspaceListener* l : listeners_) l->OnKeyExpired(db, key);
  }
  void NotifyKeyChanged(int db, std::string_view key, KeyChange change) {
    for (KeyspaceListener* l : listeners_) {
      if (quiet_changes_ == 0 || l->hears_quiet_changes()) l->OnKeyChanged(db, key, change);
    }
  }
  // While one lives, changes are announced only to the listeners that hear quiet changes (the
  // "new" keyspace event), not to WATCH or client tracking. For the one change Redis makes
  // without signalling the key: BITFIELD creating or lengthening the string for writes that
  // then all fail their OVERFLOW FAIL check. Snapshots still see the change (BeforeEntryChange).
  class QuietChanges {
   public:
    explicit QuietChanges(Keyspace& ks) : ks_(ks) { ++ks_.quiet_changes_; }
    ~QuietChanges() { --ks_.quiet_changes_; }
    QuietChanges(const QuietChanges&) = delete;
    QuietChanges& operator=(const QuietChanges&) = delete;

   private:
    Keyspace& ks_;
  };
  KeyspaceStats& stats() { return stats_; }

  // Replicas never delete expired keys themselves; the primary's DEL arrives in the stream.
  bool replica_mode() const { return replica_mode_; }
  void set_replica_mode(bool v) { replica_mode_ = v; }
  // Set while a replica applies its primary's stream: the primary decided what exists, so an
  // expired key it still names (its DEL for that very key, say) is there, as in Redis.
  bool applying_primary_stream() const { return applying_primary_stream_; }
  void set_applying_primary_stream(bool v) { applying_primary_stream_ = v; }

  // Where collections leave their compact encodings (the *-max-listpack-* parameters): read by
  // the commands that grow collections and by RDB loading.
  const EncodingLimits& encoding_limits() const { return encoding_limits_; }
  void set_encoding_limits(const EncodingLimits& limits) { encoding_limits_ = limits; }

  // Where big collections go to be freed off the event loop (a background thread, set by the
  // engine); unset, everything is freed inline. Which deletions may use it is decided per
  // path, as Redis's lazyfree-lazy-* parameters say (LazyFreePolicy).
  using LazyFreeFn = std::function<void(CompositeValue*)>;
  void set_lazy_free(LazyFreeFn fn) { lazy_free_ = std::move(fn); }
  struct LazyFreePolicy {
    bool expire = false;      // lazyfree-lazy-expire
    bool server_del = false;  // lazyfree-lazy-server-del: overwrites (SET over a hash, ...)
    bool user_del = false;    // lazyfree-lazy-user-del: DEL behaves as UNLINK
    bool user_flush = false;  // lazyfree-lazy-user-flush: FLUSHALL without SYNC is ASYNC
  };
  LazyFreePolicy& lazy_free_policy() { return lazy_free_policy_; }
  // Frees an entry that is out of every table: its value on the background thread when `lazy`
  // and freeing the value releases more than kLazyFreeThreshold blocks (CompositeValue::FreeEffort)
  // (Redis's LAZYFREE_THRESHOLD), inline otherwise.
  void DisposeEntry(Entry* e, bool lazy);
  static constexpr size_t kLazyFreeThreshold = 64;
  // Frees a whole detached table (FLUSHALL ASYNC) on the background thread when there is one.
  void DisposeTable(EntryTable table);
  // Values handed to the background thread and not freed yet (INFO lazyfree_pending_objects).
  std::atomic<int64_t>& lazyfree_pending() { return lazyfree_pending_; }
  int64_t lazyfreed_objects() const { return lazyfreed_objects_; }

  // Bit given to entries created from now on; the snapshotter flips it (see snapshotter.h).
  bool new_entry_bit() const { return new_entry_bit_; }
  void set_new_entry_bit(bool v) { new_entry_bit_ = v; }

  size_t TotalKeys() const;
  void FlushAll(bool lazy = false);
  void SwapDatabases(int a, int b);

  // One active expiry cycle over all databases: samples keys with a TTL and deletes expired
  // ones, moving to the next database when few of the sampled keys were expired, and stopping
  // when `budget_us` of CPU time is spent. Returns the number of keys deleted.
  size_t ActiveExpireCycle(int64_t now_ms, int64_t budget_us);
  // Incremental rehash work for up to budget_us, and shrinking of sparse tables.
  void RehashFor(int64_t budget_us);

  std::mt19937_64& rng() { return rng_; }

  // How keys record their accesses (store/access.h): LRU or LFU while such a maxmemory-policy
  // is in force, nothing otherwise. A tracking mode also makes new entries carry the field
  // (Entry::SetAccessFieldForNewEntries). Entries without one count as last accessed at
  // `now_ms`, when tracking began.
  const AccessPolicy& access_policy() const { return access_policy_; }
  void set_access_policy(const AccessPolicy& policy, int64_t now_ms);
  // The time new and overwritten entries are stamped with: the current command's clock (the
  // dispatcher sets it at the start of each execution unit, the cron between them).
  int64_t now_ms() const { return now_ms_; }
  void set_now_ms(int64_t now_ms) {
    now_ms_ = now_ms;
    last_touched_ = nullptr;
  }
  // The access field `e` reads as (its own, or the start of tracking for one without).
  uint32_t AccessOf(const Entry& e) const;
  // `old`'s record after one more access at now_ms (an LRU clock reading, an LFU counter
  // that may have grown), for `holder`, the entry that holds the key from now on. Every lookup
  // is an access; a change is one too (SET looks nothing up), except when it follows a lookup
  // of the same entry in the same execution unit (INCR, APPEND, EXPIRE): as in Redis, where a
  // write looks its key up once, that change carries the record the lookup made.
  uint32_t Touched(const Entry& old, const Entry* holder, int64_t now_ms, bool by_lookup);
  // Milliseconds since e's last access (LRU reading; OBJECT IDLETIME).
  int64_t IdleMs(const Entry& e, int64_t now_ms) const;

 private:
  std::vector<std::unique_ptr<Database>> dbs_;
  std::vector<KeyspaceListener*> listeners_;
  KeyspaceStats stats_;
  bool replica_mode_ = false;
  int quiet_changes_ = 0;
  bool applying_primary_stream_ = false;
  bool new_entry_bit_ = false;
  EncodingLimits encoding_limits_;
  LazyFreeFn lazy_free_;
  LazyFreePolicy lazy_free_policy_;
  std::atomic<int64_t> lazyfree_pending_{0};
  int64_t lazyfreed_objects_ = 0;
  int expire_db_cursor_ = 0;
  std::mt19937_64 rng_{0x6261'7361'6c74ULL};
  AccessPolicy access_policy_;
  int64_t access_since_ms_ = 0;
  int64_t now_ms_ = 0;
  const Entry* last_touched_ = nullptr;  // this unit's last access (see Touched)
};

}  // namespace basalt::store
