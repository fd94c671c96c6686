// Writes held back while a background snapshot saves the key they would change.
//
// A forkless snapshot must save a key's old contents before the key changes. For a big
// collection that is a long job, done a slice per loop turn (persistence/snapshotter.h), so a
// write to such a key waits instead of stopping the whole server: the dispatcher parks its
// client here, unanswered and with its request kept (as CLIENT PAUSE does), and wakes every
// parked client whenever the snapshot reports progress; each retries and parks again if its key
// is still not saved. Other clients, reads of the same key included, go on meanwhile.
#pragma once

#include <cstdint>
#include <vector>

#include "clients/client.h"

namespace basalt::clients {

class WriteHolds {
 public:
  // Parks `client` (marked blocked) until the next Release(). `releases` is the snapshot's
  // progress count at the time (PersistenceControl::write_hold_releases).
  void Park(Client& client, uint64_t releases);
  // Wakes every parked client if the progress count moved since they parked.
  void Release(uint64_t releases);
  // The client disconnected: forget it.
  void Forget(Client& client);
  size_t parked() const { return parked_.size(); }

 private:
  std::vector<Client*> parked_;
  uint64_t parked_at_ = 0;
};

}  // namespace basalt::clients
