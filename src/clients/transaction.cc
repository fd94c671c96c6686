#include "clients/transaction.h"

#include <algorithm>

#include "store/database.h"

namespace basalt::clients {

WatchRegistry::WatchRegistry(store::Keyspace& keyspace)
    : keyspace_(keyspace), by_db_(static_cast<size_t>(keyspace.db_count())) {}

void WatchRegistry::Watch(Client& client, int db, std::string_view key, int64_t now_ms) {
  Transaction& tx = client.EnsureTransaction();
  for (const WatchedKey& w : tx.watched) {
    if (w.db == db && w.key == key) return;
  }
  const store::Entry* e = keyspace_.db(db).LookupRaw(key);
  const bool expired = e != nullptr && store::Database::IsExpired(e, now_ms);
  tx.watched.push_back({db, std::string(key), expired});
  KeyMap& keys = by_db_[db];
  auto it = keys.find(key);
  if (it == keys.end()) {
    it = keys.emplace(std::string(key), std::vector<Client*>{}).first;
    ++watched_keys_;
  }
  it->second.push_back(&client);
}

void WatchRegistry::UnwatchAll(Client& client) {
  Transaction* tx = client.transaction();
  if (tx == nullptr) return;
  for (const WatchedKey& w : tx->watched) {
    KeyMap& keys = by_db_[w.db];
    auto it = keys.find(w.key);
    if (it == keys.end()) continue;
    std::vector<Client*>& clients = it->second;
    clients.erase(std::remove(clients.begin(), clients.end(), &client), clients.end());
    if (clients.empty()) {
      keys.erase(it);
      --watched_keys_;
    }
  }
  tx->watched.clear();
  tx->watched.shrink_to_fit();
}

bool WatchRegistry::AnyWatchedKeyExpired(const Client& client, int64_t now_ms) const {
  const Transaction* tx = client.transaction();
  if (tx == nullptr) return false;
  for (const WatchedKey& w : tx->watched) {
    if (w.expired_at_watch) continue;
    const store::Entry* e = keyspace_.db(w.db).LookupRaw(w.key);
    if (e != nullptr && store::Database::IsExpired(e, now_ms)) return true;
  }
  return false;
}

size_t WatchRegistry::watchers(int db, std::string_view key) const {
  auto it = by_db_[db].find(key);
  return it == by_db_[db].end() ? 0 : it->second.size();
}

void WatchRegistry::OnKeyChanged(int db, std::string_view key, store::KeyChange change) {
  if (watched_keys_ == 0) return;
  const bool gone = change == store::KeyChange::kDeleted || change == store::KeyChange::kExpired;
  Touch(db, key, gone);
}

void WatchRegistry::Touch(int db, std::string_view key, bool gone) {
  auto it = by_db_[db].find(key);
  if (it == by_db_[db].end()) return;
  // Breaking a watch unwatches all of that client's keys, which edits this very list.
  std::vector<Client*> watchers = it->second;
  for (Client* c : watchers) {
    if (TouchWatcher(*c, db, key, gone)) BreakWatch(*c);
  }
}

bool WatchRegistry::TouchWatcher(Client& client, int db, std::string_view key, bool gone) {
  for (WatchedKey& w : client.transaction()->watched) {
    if (w.db != db || w.key != key) continue;
    if (w.expired_at_watch && gone) {
      // An already expired key was deleted: logically nothing changed. From now on the key
      // is simply absent, and its next appearance is a change.
      w.expired_at_watch = false;
      return false;
    }
    return true;
  }
  return false;
}

void WatchRegistry::BreakWatch(Client& client) {
  client.transaction()->watch_broken = true;
  // Nothing more can happen to this transaction: stop paying for its keys.
  UnwatchAll(client);
}

void WatchRegistry::TouchPresentKeys(int db, int other) {
  if (by_db_[db].empty()) return;
  std::vector<std::string> keys;
  for (const auto& [key, clients] : by_db_[db]) keys.push_back(key);
  for (const std::string& key : keys) {
    const bool here = keyspace_.db(db).LookupRaw(key) != nullptr;
    const bool there = other >= 0 && keyspace_.db(other).LookupRaw(key) != nullptr;
    if (here || there) Touch(db, key, /*gone=*/!there);
  }
}

void WatchRegistry::BeforeDatabaseReset(int db) {
  if (watched_keys_ == 0) return;
  TouchPresentKeys(db, -1);
}

void WatchRegistry::BeforeDatabasesSwap(int a, int b) {
  if (watched_keys_ == 0) return;
  TouchPresentKeys(a, b);
  TouchPresentKeys(b, a);
}

}  // namespace basalt::clients
