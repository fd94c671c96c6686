#include "store/keyspace.h"

#include <algorithm>

#include "common/clock.h"

namespace basalt::store {

Keyspace::Keyspace(int databases) {
  dbs_.reserve(databases);
  for (int i = 0; i < databases; ++i) dbs_.push_back(std::make_unique<Database>(i, this));
}

std::shared_ptr<Keyspace> Keyspace::NewStaging() const {
  auto staging = std::make_shared<Keyspace>(db_count());
  staging->encoding_limits_ = encoding_limits_;
  staging->new_entry_bit_ = new_entry_bit_;
  staging->access_policy_ = access_policy_;
  staging->access_since_ms_ = access_since_ms_;
  staging->now_ms_ = now_ms_;
  return staging;
}

void Keyspace::set_access_policy(const AccessPolicy& policy, int64_t now_ms) {
  if (policy.mode != access_policy_.mode) access_since_ms_ = now_ms;
  access_policy_ = policy;
  Entry::SetAccessFieldForNewEntries(policy.mode != AccessMode::kNone);
}

uint32_t Keyspace::AccessOf(const Entry& e) const {
  if (e.has_access()) return e.access();
  return access::Fresh(access_policy_, access_since_ms_);
}

uint32_t Keyspace::Touched(const Entry& old, const Entry* holder, int64_t now_ms, bool by_lookup) {
  const bool again = !by_lookup && &old == last_touched_ && old.has_access();
  last_touched_ = holder;
  if (again) return old.access();
  if (access_policy_.mode != AccessMode::kLfu) return access::LruClock(now_ms);
  const double random01 = std::generate_canonical<double, 32>(rng_);
  return access::LfuTouched(AccessOf(old), now_ms, access_policy_, random01);
}

int64_t Keyspace::IdleMs(const Entry& e, int64_t now_ms) const {
  if (access_policy_.mode == AccessMode::kNone) return 0;
  return access::LruIdleMs(AccessOf(e), now_ms);
}

void Keyspace::AddListener(KeyspaceListener* l) { listeners_.push_back(l); }

void Keyspace::RemoveListener(KeyspaceListener* l) {
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), l), listeners_.end());
}

size_t Keyspace::TotalKeys() const {
  size_t n = 0;
  for (const auto& d : dbs_) n += d->size();
  return n;
}

void Keyspace::DisposeEntry(Entry* e, bool lazy) {
  if (lazy && lazy_free_ && e->encoding() == Encoding::kObject &&
      e->object()->FreeEffort() > kLazyFreeThreshold) {
    CompositeValue* value = e->object();
    Entry::FreeShell(e);
    ++lazyfreed_objects_;
    lazyfree_pending_.fetch_add(1, std::memory_order_relaxed);
    lazy_free_(value);
    return;
  }
  Entry::Destroy(e);
}

namespace {

// A database's former table, on its way to the background thread.
class DetachedTable final : public CompositeValue {
 public:
  explicit DetachedTable(EntryTable table) : table_(std::move(table)) {}
  size_t MemoryUsage() const override { return table_.MemoryUsage(); }
  CompositeValue* Clone() const override { return nullptr; }  // never stored in a key
  size_t FreeEffort() const override { return table_.size(); }

 private:
  EntryTable table_;
};

}  // namespace

void Keyspace::DisposeTable(EntryTable table) {
  if (!lazy_free_ || table.size() == 0) return;  // `table` is freed inline on return
  ++lazyfreed_objects_;
  lazyfree_pending_.fetch_add(1, std::memory_order_relaxed);
  lazy_free_(new DetachedTable(std::move(table)));
}

void Keyspace::FlushAll(bool lazy) {
  for (auto& d : dbs_) d->Clear(lazy);
}

void Keyspace::SwapDatabases(int a, int b) {
  if (a != b) dbs_[a]->SwapContents(*dbs_[b]);
}

size_t Keyspace::ActiveExpireCycle(int64_t now_ms, int64_t budget_us) {
  // Like Redis: sample a small batch per database and keep going in the same database while
  // more than 10% of a batch was expired, since that signals many more are waiting. The clock
  // is read every batch so the cycle never exceeds its CPU budget by more than one batch.
  constexpr size_t kBatch = 20;
  const int64_t start = MonotonicUs();
  size_t total_expired = 0;
  size_t checked = 0, expired = 0;
  bool out_of_time = false;
  for (int n = 0; n < db_count() && !out_of_time; ++n) {
    Database& d = *dbs_[expire_db_cursor_];
    while (d.expires_count() > 0) {
      Database::SweepResult r = d.SweepExpired(now_ms, kBatch);
      checked += r.checked;
      expired += r.expired;
      total_expired += r.expired;
      if (MonotonicUs() - start > budget_us) {
        out_of_time = true;
        break;
      }
      if (r.expired * 10 <= r.checked) break;
    }
    if (!out_of_time) expire_db_cursor_ = (expire_db_cursor_ + 1) % db_count();
  }
  if (checked > 0) stats_.expired_stale_perc_x100 = expired * 10000 / checked;
  stats_.expire_cycle_cpu_us += static_cast<uint64_t>(MonotonicUs() - start);
  return total_expired;
}

void Keyspace::RehashFor(int64_t budget_us) {
  const int64_t start = MonotonicUs();
  for (auto& d : dbs_) {
    d->MaybeShrink();
    while (d->table().rehashing()) {
      d->RehashStep(100);
      if (MonotonicUs() - start > budget_us) return;
    }
  }
}

}  // namespace basalt::store
