// Clients that wait for an event, with a deadline: WAIT (replicas' acknowledgements) today, the
// blocking pops (a key becoming ready) next. One mechanism for all of them:
//
// - A command parks its client with Block(): a deadline (or none) and what to do when the wait
//   ends. The client is marked blocked; its connection finishes that request (unlike CLIENT
//   PAUSE, which keeps the request and runs it again) and reads nothing more until woken.
// - The wait ends exactly once: by the event (End() from whoever saw it happen), by its
//   deadline (Tick() from the cron), by CLIENT UNBLOCK, or silently by a disconnect (Forget()).
//   `resume` then writes the client's late reply, through DeliverReply(), and the client is woken
//   to go on with the requests it sent after.
//
// Deadlines are kept in order, so the cron touches only the waits that are due: 10k clients
// waiting cost no CPU while nothing happens.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>

#include "clients/client.h"

namespace basalt::clients {

enum class WaitEnd {
  kEvent,    // what the client waited for happened
  kTimeout,  // the deadline passed, or CLIENT UNBLOCK <id> [TIMEOUT]
  kError,    // CLIENT UNBLOCK <id> ERROR
};

class BlockedClients {
 public:
  // Writes the client's reply for how its wait ended. The client is no longer blocked here
  // when it runs (it may block again), and is woken after it returns.
  using Resume = std::function<void(Client&, WaitEnd)>;

  // Parks `client` until an end. deadline_ms <= 0: no deadline. One wait per client.
  void Block(Client& client, int64_t deadline_ms, Resume resume);
  // Ends `client`'s wait (false: it was not waiting here).
  bool End(Client& client, WaitEnd why);
  // Ends, as timed out, every wait whose deadline is at or before now_ms.
  void Tick(int64_t now_ms);
  // The client disconnected: its wait ends without a reply.
  void Forget(Client& client);

  bool IsWaiting(const Client& client) const { return waits_.count(&client) != 0; }
  size_t size() const { return waits_.size(); }
  size_t with_deadline() const { return by_deadline_.size(); }

 private:
  struct Wait {
    Resume resume;
    std::multimap<int64_t, Client*>::iterator deadline;  // by_deadline_.end(): none
  };

  std::unordered_map<const Client*, Wait> waits_;
  std::multimap<int64_t, Client*> by_deadline_;
};

}  // namespace basalt::clients
