// Which clients wait for which keys: the blocking pops (BLPOP, BLMOVE, BLMPOP, ...) park a
// client with BlockedClients (blocking.h) and register here the keys that would serve it.
//
// A key is *ready* when something creates, changes or removes it while a client waits for it (a
// push, a RENAME onto it, RESTORE, a transaction, the replication stream, a DEL, a FLUSHALL:
// every change reaches the keyspace's change feed, which this listens to; a removal matters to
// XREADGROUP, whose wait ends with an error then). Ready keys are collected, and after the
// command that made them ready finishes, the command layer serves their waiters in the order
// they blocked (cmd::ServeBlockedClients). Nothing is done per key that nobody waits for, and
// idle waits cost no CPU.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "clients/client.h"
#include "store/keyspace.h"

namespace basalt::clients {

class KeyWaits final : public store::KeyspaceListener {
 public:
  explicit KeyWaits(store::Keyspace& keyspace);
  ~KeyWaits() override;
  KeyWaits(const KeyWaits&) = delete;
  KeyWaits& operator=(const KeyWaits&) = delete;

  // Whether a key (its entry, null when absent) can serve a waiter: a waiter whose readiness
  // is not just "holds a value of the type" (XREAD: an entry past an ID; XREADGROUP: new
  // entries for its group, or the key or group gone, which ends the wait with an error).
  // `signalled`: see ReadyKey.
  using ReadyCheck =
      std::function<bool(std::string_view key, const store::Entry* e, bool signalled)>;

  // `client` waits for any of `keys` of database `db` (after every waiter already there) to
  // hold a value of type `type` (a store::ValueType), or, with a `check`, for the check to pass.
  void Add(Client& client, int db, std::span<const std::string_view> keys, uint8_t type,
           ReadyCheck check = nullptr);
  // The value type `client` waits for (it must be waiting).
  uint8_t WantedType(const Client& client) const { return by_client_.at(&client).type; }
  // Its readiness check; null: the type decides.
  const ReadyCheck& Check(const Client& client) const { return by_client_.at(&client).check; }
  // `client` waits no more (served, timed out, unblocked, disconnected).
  void Remove(Client& client);

  struct Key {
    int db;
    std::string key;
    bool operator==(const Key& o) const { return db == o.db && key == o.key; }
  };
  // A key made ready, and whether it was signalled: created, removed, emptied with its
  // database, or named by Signal(). A ReadyCheck (the stream reads) is told which: Redis wakes
  // stream readers for new entries and vanished keys, not for any change (XTRIM, XDEL, XSETID
  // leave them waiting).
  struct ReadyKey {
    Key key;
    bool signalled = false;
  };
  // The keys that became ready since the last call, in the order they did.
  std::vector<ReadyKey> TakeReady();
  // `key` of `db` has something new for its waiters (XADD's entries, XGROUP DESTROY's error).
  void Signal(int db, std::string_view key);
  bool has_ready() const { return !ready_.empty(); }
  // The clients waiting for `key`, first blocked first.
  std::vector<Client*> Waiters(const Key& key) const;
  // The ready key whose waiter is being served right now (nullptr otherwise): the woken
  // command takes from it.
  const Key* serving() const { return serving_; }
  void set_serving(const Key* key) { serving_ = key; }
  size_t waiting_clients() const { return by_client_.size(); }

  size_t waited_keys() const { return by_key_.size(); }

  // store::KeyspaceListener
  void OnKeyChanged(int db, std::string_view key, store::KeyChange change) override;
  void BeforeDatabasesSwap(int a, int b) override;
  void BeforeDatabaseReset(int db) override;

 private:
  // A key looked up without copying it (OnKeyChanged runs for every write while anyone waits).
  struct KeyView {
    int db;
    std::string_view key;
  };
  struct KeyHash {
    using is_transparent = void;
    static size_t Of(int db, std::string_view key) {
      return std::hash<std::string_view>()(key) ^ (static_cast<size_t>(db) * 0x9e3779b97f4a7c15ULL);
    }
    size_t operator()(const Key& k) const { return Of(k.db, k.key); }
    size_t operator()(const KeyView& k) const { return Of(k.db, k.key); }
  };
  struct KeyEqual {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return a.db == b.db && std::string_view(a.key) == std::string_view(b.key);
    }
  };
  void MarkReady(const Key& key, bool signalled);

  store::Keyspace& keyspace_;
  std::unordered_map<Key, std::vector<Client*>, KeyHash, KeyEqual> by_key_;  // first blocked first
  struct ClientWait {
    std::vector<Key> keys;
    uint8_t type = 0;
    ReadyCheck check;
  };
  std::unordered_map<const Client*, ClientWait> by_client_;
  std::vector<ReadyKey> ready_;
  std::unordered_map<Key, size_t, KeyHash, KeyEqual> ready_at_;  // index into ready_
  const Key* serving_ = nullptr;
};

}  // namespace basalt::clients
