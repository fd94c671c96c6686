#include "clients/pause.h"

#include <algorithm>

namespace basalt::clients {

void ClientPause::Pause(int64_t until_ms, bool writes_only) {
  end_ms_ = active_ ? std::max(end_ms_, until_ms) : until_ms;
  writes_only_ = writes_only;
  active_ = true;
  // A narrower mode may let parked clients through now; they re-park if not.
  if (writes_only_) WakeAll();
}

void ClientPause::Unpause() {
  active_ = false;
  WakeAll();
}

void ClientPause::Park(Client& client) {
  client.blocked = true;
  client.retry_when_woken = true;
  parked_.push_back(&client);
}

void ClientPause::Forget(Client& client) {
  parked_.erase(std::remove(parked_.begin(), parked_.end(), &client), parked_.end());
}

void ClientPause::Tick(int64_t now_ms) {
  if (active_ && now_ms >= end_ms_) Unpause();
}

void ClientPause::WakeAll() {
  // A woken client may be paused again at once (its next command): it parks on a new list.
  std::vector<Client*> woken;
  woken.swap(parked_);
  for (Client* c : woken) {
    c->blocked = false;
    c->Wake();
  }
}

}  // namespace basalt::clients
