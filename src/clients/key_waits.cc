#include "clients/key_waits.h"

#include <algorithm>

namespace basalt::clients {

KeyWaits::KeyWaits(store::Keyspace& keyspace) : keyspace_(keyspace) { keyspace_.AddListener(this); }

KeyWaits::~KeyWaits() { keyspace_.RemoveListener(this); }

void KeyWaits::Add(Client& client, int db, std::span<const std::string_view> keys, uint8_t type,
                   ReadyCheck check) {
  ClientWait& wait = by_client_[&client];
  wait.type = type;
  wait.check = std::move(check);
  std::vector<Key>& mine = wait.keys;
  for (std::string_view k : keys) {
    Key key{db, std::string(k)};
    if (std::find(mine.begin(), mine.end(), key) != mine.end()) continue;  // BLPOP k k
    by_key_[key].push_back(&client);
    mine.push_back(std::move(key));
  }
}

void KeyWaits::Remove(Client& client) {
  auto it = by_client_.find(&client);
  if (it == by_client_.end()) return;
  for (const Key& key : it->second.keys) {
    auto waiters = by_key_.find(key);
    if (waiters == by_key_.end()) continue;
    std::vector<Client*>& q = waiters->second;
    q.erase(std::remove(q.begin(), q.end(), &client), q.end());
    if (q.empty()) by_key_.erase(waiters);
  }
  by_client_.erase(it);
}

std::vector<KeyWaits::ReadyKey> KeyWaits::TakeReady() {
  ready_at_.clear();
  return std::exchange(ready_, {});
}

std::vector<Client*> KeyWaits::Waiters(const Key& key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void KeyWaits::MarkReady(const Key& key, bool signalled) {
  auto [it, added] = ready_at_.try_emplace(key, ready_.size());
  if (added) {
    ready_.push_back({key, signalled});
  } else if (signalled) {
    ready_[it->second].signalled = true;
  }
}

void KeyWaits::Signal(int db, std::string_view key) {
  auto it = by_key_.find(KeyView{db, key});
  if (it != by_key_.end()) MarkReady(it->first, true);
}

void KeyWaits::OnKeyChanged(int db, std::string_view key, store::KeyChange change) {
  if (by_key_.empty()) return;
  auto it = by_key_.find(KeyView{db, key});
  if (it != by_key_.end()) MarkReady(it->first, change != store::KeyChange::kChanged);
}

void KeyWaits::BeforeDatabaseReset(int db) {
  for (const auto& [key, waiters] : by_key_) {
    if (key.db == db) MarkReady(key, true);
  }
}

void KeyWaits::BeforeDatabasesSwap(int a, int b) {
  // After SWAPDB every waited key of either database may hold something new.
  for (const auto& [key, waiters] : by_key_) {
    if (key.db == a || key.db == b) MarkReady(key, true);
  }
}

}  // namespace basalt::clients
