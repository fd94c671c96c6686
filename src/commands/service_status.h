// What the server tells a service manager as it happens (systemd's unit status; see
// server/supervision.h). Most moments are the server's own (loaded, stopping); these two only
// a lower layer sees, so it reports them here and the server decides whom to tell.
#pragma once

namespace basalt::cmd {

class ServiceStatus {
 public:
  virtual ~ServiceStatus() = default;
  // A shutdown is about to write its final RDB snapshot (which may take a while).
  virtual void SavingFinalSnapshot() = 0;
  // A replica has the primary's data set: after a full sync, or a partial one accepted.
  virtual void ReplicaSynced(bool partial) = 0;
};

}  // namespace basalt::cmd
