// CLIENT PAUSE: holding clients' commands back for a while (a failover's quiet moment).
//
// A paused command is neither run nor answered: the dispatcher parks its client here and the
// connection stops at that command, leaving it in the input buffer; when the pause ends (its
// time ran out, or CLIENT UNPAUSE) every parked client is woken and retries from that command,
// in the order they were parked. This is the first use of the blocked-client shape (blocked
// flag, Wake(), cleanup on disconnect) that WAIT and the blocking pops build on.
#pragma once

#include <cstdint>
#include <vector>

#include "clients/client.h"

namespace basalt::clients {

class ClientPause {
 public:
  // Pauses all commands, or (writes_only) the ones that may change data, until `until_ms`.
  // A pause already running keeps the later end; the mode is the one given last (Redis).
  void Pause(int64_t until_ms, bool writes_only);
  // Ends the pause now and wakes every parked client.
  void Unpause();
  bool active() const { return active_; }
  bool writes_only() const { return writes_only_; }
  int64_t end_ms() const { return end_ms_; }
  // Whether a command (`may_write`: it may change data or replicate) must wait now.
  bool Holds(bool may_write) const { return active_ && (!writes_only_ || may_write); }

  // Parks `client` (marked blocked) until the pause ends.
  void Park(Client& client);
  // The client disconnected: forget it.
  void Forget(Client& client);
  // Ends the pause once its time has passed (called from the cron).
  void Tick(int64_t now_ms);
  size_t parked() const { return parked_.size(); }

 private:
  void WakeAll();

  bool active_ = false;
  bool writes_only_ = false;
  int64_t end_ms_ = 0;
  std::vector<Client*> parked_;
};

}  // namespace basalt::clients
