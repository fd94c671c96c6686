#include "clients/blocking.h"

#include <utility>

namespace basalt::clients {

void BlockedClients::Block(Client& client, int64_t deadline_ms, Resume resume) {
  Forget(client);
  auto deadline = deadline_ms > 0 ? by_deadline_.emplace(deadline_ms, &client) : by_deadline_.end();
  waits_[&client] = Wait{std::move(resume), deadline};
  client.blocked = true;
  client.retry_when_woken = false;
}

bool BlockedClients::End(Client& client, WaitEnd why) {
  auto it = waits_.find(&client);
  if (it == waits_.end()) return false;
  // Out of the registry before the reply is written: `resume` may block the client again.
  Resume resume = std::move(it->second.resume);
  if (it->second.deadline != by_deadline_.end()) by_deadline_.erase(it->second.deadline);
  waits_.erase(it);
  client.blocked = false;
  resume(client, why);
  if (client.blocked) return true;  // blocked again: the request goes on waiting
  client.EndRequest();
  client.Wake();
  return true;
}

void BlockedClients::Tick(int64_t now_ms) {
  while (!by_deadline_.empty() && by_deadline_.begin()->first <= now_ms) {
    End(*by_deadline_.begin()->second, WaitEnd::kTimeout);
  }
}

void BlockedClients::Forget(Client& client) {
  auto it = waits_.find(&client);
  if (it == waits_.end()) return;
  if (it->second.deadline != by_deadline_.end()) by_deadline_.erase(it->second.deadline);
  waits_.erase(it);
  client.blocked = false;
}

}  // namespace basalt::clients
