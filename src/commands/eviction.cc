#include "commands/eviction.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "clients/pause.h"
#include "commands/keyspace_notify.h"
#include "commands/replication_control.h"
#include "commands/write_stream.h"
#include "common/memory.h"
#include "config/notify_flags.h"
#include "store/access.h"

namespace basalt::cmd {

Evictor::Policy Evictor::PolicyOf(std::string_view name) {
  const bool volatile_only = name.starts_with("volatile-");
  std::string_view how = name.substr(name.find('-') + 1);
  if (how == "lru") return {Pick::kLru, volatile_only};
  if (how == "lfu") return {Pick::kLfu, volatile_only};
  if (how == "ttl") return {Pick::kTtl, true};
  if (how == "random") return {Pick::kRandom, volatile_only};
  return {};  // noeviction
}

void Evictor::SetPolicy(std::string_view name) {
  policy_ = PolicyOf(name);
  pool_.clear();  // scores of another policy do not compare with the new one's
}

store::AccessMode Evictor::access_mode() const {
  if (policy_.pick == Pick::kLru) return store::AccessMode::kLru;
  if (policy_.pick == Pick::kLfu) return store::AccessMode::kLfu;
  return store::AccessMode::kNone;
}

int64_t EvictionTimeLimitUs(int64_t tenacity) {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return static_cast<int64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return std::numeric_limits<int64_t>::max();
}

bool Evictor::MayEvict() const {
  if (server_.loading || server_.pause.active()) return false;
  const bool replica = server_.replication != nullptr && server_.replication->is_replica();
  return !(replica && server_.config.settings().replica_ignore_maxmemory);
}

Evictor::Result Evictor::Perform() {
  const config::Settings& s = server_.config.settings();
  unfinished_ = false;
  if (s.maxmemory <= 0 || !MayEvict()) {
    if (s.maxmemory <= 0) NoteOverLimit(false, server_.clock.NowMs());
    return Result::kOk;
  }
  const int64_t used = mem::Used();
  if (used <= s.maxmemory) {
    if (over_since_ms_ >= 0) NoteOverLimit(false, server_.clock.NowMs());
    return Result::kOk;
  }
  const int64_t start_us = server_.clock.NowUs();
  NoteOverLimit(true, start_us / 1000);
  const Policy policy = policy_;
  if (policy.pick == Pick::kNone) return Result::kFail;
  const int64_t to_free = used - s.maxmemory;
  const int64_t limit_us = EvictionTimeLimitUs(s.maxmemory_eviction_tenacity);
  int64_t freed = 0;
  uint64_t evicted = 0;
  Result result = Result::kOk;
  while (freed < to_free) {
    Candidate victim;
    if (!PickVictim(policy, &victim)) {
      result = Result::kFail;
      break;
    }
    freed += static_cast<int64_t>(Evict(victim));
    if (++evicted % 16 == 0 && server_.clock.NowUs() - start_us > limit_us) {
      unfinished_ = mem::Used() > s.maxmemory;
      if (unfinished_) result = Result::kRunning;
      break;
    }
  }
  const int64_t end_us = server_.clock.NowUs();
  server_.latency.AddIfNeeded("eviction-cycle", (end_us - start_us) / 1000,
                              s.latency_monitor_threshold, end_us / 1000000);
  if (mem::Used() <= s.maxmemory) NoteOverLimit(false, end_us / 1000);
  return result;
}

bool Evictor::PickVictim(Policy policy, Candidate* victim) {
  if (policy.pick == Pick::kRandom) return PickRandom(policy.volatile_only, victim);
  return PickFromPool(policy, victim);
}

bool Evictor::PickRandom(bool volatile_only, Candidate* victim) {
  store::Keyspace& ks = server_.keyspace;
  for (int tried = 0; tried < ks.db_count(); ++tried) {
    const int i = next_random_db_;
    next_random_db_ = (next_random_db_ + 1) % ks.db_count();
    store::Database& db = ks.db(i);
    store::Entry* e = volatile_only ? db.RandomExpiring(ks.rng()) : db.RandomEntry(ks.rng());
    if (e == nullptr) continue;
    victim->db = i;
    victim->key.assign(e->key());
    return true;
  }
  return false;
}

bool Evictor::PickFromPool(Policy policy, Candidate* victim) {
  const bool volatile_only = policy.volatile_only;
  store::Keyspace& ks = server_.keyspace;
  for (;;) {
    size_t keys = 0;
    for (int i = 0; i < ks.db_count(); ++i) {
      const store::Database& db = ks.db(i);
      const size_t n = volatile_only ? db.expires_count() : db.size();
      if (n == 0) continue;
      keys += n;
      Sample(i, policy);
    }
    if (keys == 0) return false;
    // The pool may name keys deleted since they were sampled: the best that still exists goes.
    while (!pool_.empty()) {
      Candidate best = std::move(pool_.back());
      pool_.pop_back();
      const store::Entry* e = ks.db(best.db).LookupRaw(best.key);
      if (e != nullptr && (!volatile_only || e->has_expire())) {
        *victim = std::move(best);
        return true;
      }
    }
  }
}

void Evictor::Sample(int db_index, Policy policy) {
  store::Keyspace& ks = server_.keyspace;
  const store::Database& db = ks.db(db_index);
  const int64_t now_ms = server_.clock.NowMs();
  const auto samples = static_cast<size_t>(server_.config.settings().maxmemory_samples);
  db.Sample(ks.rng(), samples, policy.volatile_only, [&](const store::Entry* e) {
    Offer(Score(*e, policy.pick, now_ms), db_index, e->key());
  });
}

uint64_t Evictor::Score(const store::Entry& e, Pick pick, int64_t now_ms) const {
  const store::Keyspace& ks = server_.keyspace;
  switch (pick) {
    case Pick::kLru:
      return static_cast<uint64_t>(ks.IdleMs(e, now_ms));
    case Pick::kLfu:
      return 255 -
             store::access::LfuDecayed(ks.AccessOf(e), now_ms, ks.access_policy().lfu_decay_time);
    case Pick::kTtl:
      return std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(e.expire_at());
    default:
      return 0;
  }
}

void Evictor::Offer(uint64_t score, int db, std::string_view key) {
  if (pool_.size() == kPoolSize && score <= pool_.front().score) return;
  for (const Candidate& c : pool_) {
    if (c.db == db && c.key == key) return;  // sampled twice
  }
  auto at = std::upper_bound(pool_.begin(), pool_.end(), score,
                             [](uint64_t s, const Candidate& c) { return s < c.score; });
  pool_.insert(at, Candidate{score, db, std::string(key)});
  if (pool_.size() > kPoolSize) pool_.erase(pool_.begin());
}

size_t Evictor::Evict(const Candidate& victim) {
  const bool lazy = server_.config.settings().lazyfree_lazy_eviction;
  // Deleted first, as Redis does: WATCH and tracking hear of it from the change feed.
  store::Entry* e = server_.keyspace.db(victim.db).Take(victim.key);
  const size_t bytes = e->MemoryUsage();
  server_.keyspace.DisposeEntry(e, lazy);
  ++evicted_keys_;
  NotifyKeyspaceEvent(server_, config::kNotifyEvicted, "evicted", victim.key, victim.db);
  std::string_view argv[] = {lazy ? "UNLINK" : "DEL", victim.key};
  server_.writes.Append(victim.db, argv);
  return bytes;
}

void Evictor::NoteOverLimit(bool over, int64_t now_ms) {
  if (over && over_since_ms_ < 0) over_since_ms_ = now_ms;
  if (!over && over_since_ms_ >= 0) {
    total_exceeded_ms_ += now_ms - over_since_ms_;
    over_since_ms_ = -1;
  }
}

void Evictor::ResetStats(int64_t now_ms) {
  evicted_keys_ = 0;
  total_exceeded_ms_ = 0;
  if (over_since_ms_ >= 0) over_since_ms_ = now_ms;
}

int64_t Evictor::total_exceeded_ms(int64_t now_ms) const {
  return total_exceeded_ms_ + current_exceeded_ms(now_ms);
}

int64_t Evictor::current_exceeded_ms(int64_t now_ms) const {
  return over_since_ms_ < 0 ? 0 : now_ms - over_since_ms_;
}

}  // namespace basalt::cmd
