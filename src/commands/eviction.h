// maxmemory eviction: before a command runs (and from the cron while memory stays above the
// limit), keys are deleted as maxmemory-policy says until the data fits under maxmemory again.
//
// The choice follows Redis's approximation: each round samples maxmemory-samples keys of every
// database (all keys, or only those with a TTL for volatile-*), scores them (idle time for LRU,
// 255 minus the decayed counter for LFU, nearness of expiry for volatile-ttl) and keeps the 16
// best candidates seen so far in a pool that survives between rounds, so every eviction profits
// from the samples of the earlier ones; the best candidate that still exists goes. The random
// policies take a random key of the next database in turn.
//
// An eviction is a deletion like any other as far as everyone else sees it: WATCH and client
// tracking hear of it through the keyspace's change feed, subscribers get an "evicted" event,
// and the write stream gets a DEL (UNLINK with lazyfree-lazy-eviction) so the AOF and replicas
// delete the key too. A replica does not evict (replica-ignore-maxmemory): its primary's
// deletions arrive. Memory is what mem::Used() counts: the data and the clients' query
// buffers, not output buffers (INFO's mem_not_counted_for_evict).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "commands/command.h"
#include "store/access.h"

namespace basalt::cmd {

class Evictor {
 public:
  explicit Evictor(ServerContext& server) : server_(server) {}

  // maxmemory-policy, parsed here once per change (the config's OnChange), never per command.
  void SetPolicy(std::string_view name);
  // What the policy needs keys to record (store/access.h): LRU, LFU or nothing.
  store::AccessMode access_mode() const;

  enum class Result {
    kOk,       // memory is under the limit (or nothing may be evicted now)
    kRunning,  // still over, but this call's time ran out; the cron goes on
    kFail,     // still over and nothing left to evict: commands that may use memory refuse
  };
  // Evicts until used memory is under maxmemory or this call's time budget
  // (maxmemory-eviction-tenacity) is spent.
  Result Perform();
  // Whether eviction should go on from the cron: the last Perform ran out of time with memory
  // still over the limit, or the limit changed (CONFIG SET maxmemory evicts right after the
  // command, not inside it, as in Redis).
  bool unfinished() const { return unfinished_; }
  void RequestRun() { unfinished_ = true; }

  uint64_t evicted_keys() const { return evicted_keys_; }
  // Milliseconds spent over maxmemory, all together and in the current stretch (INFO).
  int64_t total_exceeded_ms(int64_t now_ms) const;
  int64_t current_exceeded_ms(int64_t now_ms) const;
  void ResetStats(int64_t now_ms);

 private:
  enum class Pick { kNone, kLru, kLfu, kTtl, kRandom };
  struct Policy {
    Pick pick = Pick::kNone;
    bool volatile_only = false;  // only keys with a TTL
  };
  static Policy PolicyOf(std::string_view name);

  struct Candidate {
    uint64_t score = 0;  // higher goes first
    int db = 0;
    std::string key;
  };
  // Whether evicting now is allowed at all (not while loading, on a replica that ignores
  // maxmemory, or while clients are paused: the data must not change behind a pause).
  bool MayEvict() const;
  // Picks the next key to evict; false when no database has a key the policy may take.
  bool PickVictim(Policy policy, Candidate* victim);
  bool PickRandom(bool volatile_only, Candidate* victim);
  bool PickFromPool(Policy policy, Candidate* victim);
  void Sample(int db, Policy policy);
  uint64_t Score(const store::Entry& e, Pick pick, int64_t now_ms) const;
  void Offer(uint64_t score, int db, std::string_view key);
  // Deletes the victim and tells everyone; returns the bytes its entry held.
  size_t Evict(const Candidate& victim);
  void NoteOverLimit(bool over, int64_t now_ms);

  static constexpr size_t kPoolSize = 16;

  ServerContext& server_;
  Policy policy_;
  std::vector<Candidate> pool_;  // ascending score: the best candidate is at the back
  int next_random_db_ = 0;
  bool unfinished_ = false;
  uint64_t evicted_keys_ = 0;
  int64_t over_since_ms_ = -1;  // when used memory went over the limit; -1 while under
  int64_t total_exceeded_ms_ = 0;
};

// Microseconds one Perform may spend for a tenacity (Redis's scale: 10 is 500 us, each step
// above 15% more, 100 unlimited).
int64_t EvictionTimeLimitUs(int64_t tenacity);

}  // namespace basalt::cmd
