#include "clients/write_holds.h"

#include <algorithm>

namespace basalt::clients {

void WriteHolds::Park(Client& client, uint64_t releases) {
  client.blocked = true;
  client.retry_when_woken = true;
  // The oldest count decides: a client parked before some progress is woken by it.
  if (parked_.empty()) parked_at_ = releases;
  parked_.push_back(&client);
}

void WriteHolds::Release(uint64_t releases) {
  if (parked_.empty() || releases == parked_at_) return;
  // A woken client may park again at once: it joins a new list.
  std::vector<Client*> woken;
  woken.swap(parked_);
  for (Client* c : woken) {
    c->blocked = false;
    c->Wake();
  }
}

void WriteHolds::Forget(Client& client) {
  parked_.erase(std::remove(parked_.begin(), parked_.end(), &client), parked_.end());
}

}  // namespace basalt::clients
