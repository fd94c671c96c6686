// Client-side caching (CLIENT TRACKING): the server remembers which keys a client read and
// tells it when they change, so the client may keep them in a local cache until then.
//
// Two modes, as in Redis 7.0:
//   default  keys read by the client's read-only commands go into one table (key name ->
//            client ids, across databases, as Redis keys it); a change to such a key sends
//            each of those clients one invalidation and forgets the entry. OPTIN / OPTOUT
//            narrow it to reads after CLIENT CACHING YES / all but those after CACHING NO.
//   BCAST    nothing is remembered; every change to a key under one of the client's prefixes
//            is sent, the keys of one execution unit gathered per prefix into one message.
// Messages are RESP3 pushes [invalidate, [keys]] (null keys: everything, after FLUSHDB or
// FLUSHALL), or with REDIRECT to a RESP2 client in pub/sub mode, messages on the
// __redis__:invalidate channel. NOLOOP skips changes the client made itself. Invalidations
// for the client whose request is executing wait until that request's reply is written.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "clients/client.h"
#include "store/keyspace.h"

namespace basalt::clients {

struct TrackingOptions {
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  uint64_t redirect = 0;  // 0: none
  std::vector<std::string> prefixes;
};

// One client's tracking mode.
struct TrackingState {
  bool on = false;
  TrackingOptions options;
  std::set<std::string> prefixes;  // BCAST prefixes, sorted as Redis lists them
  bool caching_given = false;      // CLIENT CACHING for the next command (or transaction)
  bool redirect_broken = false;
};

// Every connected client by id (redirection targets, CLIENT TRACKING REDIRECT checks).
class ClientIndex {
 public:
  void Add(Client& c) { by_id_[c.id] = &c; }
  void Remove(const Client& c) { by_id_.erase(c.id); }
  Client* Find(uint64_t id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& [id, c] : by_id_) fn(*c);
  }

 private:
  std::unordered_map<uint64_t, Client*> by_id_;
};

class TrackingRegistry final : public store::KeyspaceListener {
 public:
  explicit TrackingRegistry(const ClientIndex& index) : index_(index) {}

  // CLIENT TRACKING ON with `options`; returns Redis's error text, or empty on success.
  std::string Enable(Client& client, const TrackingOptions& options);
  void Disable(Client& client);

  // After a read-only command of `client`: remember its keys (default mode, per OPTIN/OPTOUT).
  void RememberKeys(Client& client, const std::vector<std::string_view>& keys);
  // After any command at top level (not inside MULTI, not CLIENT): CACHING applied once.
  static void CommandDone(Client& client);

  // The dispatcher's execution unit: invalidations for `current` (and BCAST batches) wait
  // until the unit ends, after the reply.
  void BeginUnit(Client* current);
  void EndUnit();

  // Past this many remembered keys, keys are invalidated as if changed (0: no limit).
  void set_max_keys(size_t n) { max_keys_ = n; }
  size_t tracked_keys() const { return table_.size(); }
  size_t tracked_items() const { return items_; }  // (key, client) pairs
  size_t prefix_count() const { return prefixes_.size(); }
  size_t tracking_clients() const { return tracking_clients_; }

  // store::KeyspaceListener
  void OnKeyChanged(int db, std::string_view key, store::KeyChange change) override;
  void BeforeDatabaseReset(int db) override;
  void BeforeDatabasesSwap(int a, int b) override {}  // SWAPDB invalidates nothing (Redis)

 private:
  struct PendingKey {
    std::string key;
    const Client* changed_by;
  };
  struct Prefix {
    std::vector<Client*> clients;
    std::vector<PendingKey> pending;
  };

  // `changed`: the key really changed (BCAST clients hear of it too), not just trimmed.
  void Invalidate(std::string_view key, bool changed = true);
  // Invalidates keys until the table is within max_keys_ (Redis's tracking-table-max-keys).
  void TrimTable();
  void RememberForBroadcast(std::string_view key);
  void FlushBroadcasts();
  // Sends one invalidation: `keys` null means "everything" (a flush).
  void Send(Client& target, const std::vector<std::string_view>* keys);
  void SendOrDefer(Client& target, std::string_view key);
  std::string PrefixCollision(const Client& client, const std::vector<std::string>& add) const;

  const ClientIndex& index_;
  std::unordered_map<std::string, std::vector<uint64_t>> table_;
  std::unordered_map<std::string, Prefix> prefixes_;
  size_t tracking_clients_ = 0;
  size_t items_ = 0;
  size_t max_keys_ = 0;
  int depth_ = 0;
  Client* current_ = nullptr;
  std::vector<std::string> deferred_keys_;  // for current_, sent when the unit ends
  bool deferred_flush_ = false;
};

}  // namespace basalt::clients
