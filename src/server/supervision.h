// Telling a service manager when the server is ready and when it stops, as redis-server does
// with `supervised`. Under systemd (a unit of Type=notify) the manager learns it from
// datagrams sent to $NOTIFY_SOCKET; upstart (`expect stop`) learns it from the process stopping
// itself once. Without this a unit can only guess readiness from the process having started,
// which is before a large data set has loaded.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <optional>
#include <string>
#include <string_view>

#include "commands/service_status.h"

namespace basalt::server {

enum class SupervisorKind { kNone, kUpstart, kSystemd };

// What `supervised` (no, upstart, systemd, auto) comes to in this environment. auto picks
// upstart when UPSTART_JOB is set, else systemd when NOTIFY_SOCKET is, as Redis does. A mode
// asked for explicitly whose variable is missing is off (the caller logs it).
SupervisorKind ResolveSupervisor(std::string_view setting, bool has_upstart_job,
                                 bool has_notify_socket);

// The address of a notify socket: a path, or with a leading '@' a name in the abstract
// namespace (whose first byte is then NUL). None when the path does not fit sockaddr_un.
struct NotifyAddress {
  sockaddr_un addr{};
  socklen_t len = 0;
};
std::optional<NotifyAddress> MakeNotifyAddress(std::string_view path);

class Supervisor final : public cmd::ServiceStatus {
 public:
  // Reads the environment and logs what it found, as Redis's start-up does.
  static Supervisor FromSetting(std::string_view setting);

  SupervisorKind kind() const { return kind_; }
  bool active() const { return kind_ != SupervisorKind::kNone; }
  // INFO's process_supervised: no, upstart or systemd.
  const char* name() const;

  // The listeners are open: upstart's readiness signal. The process stops itself until upstart
  // continues it; connections made meanwhile wait in the listen backlog.
  void Listening();
  // The data set is loaded and commands are served (what a Type=notify unit waits for).
  void Ready(bool replica);
  // A shutdown has begun (before the final save, which may take a while).
  void Stopping();
  // The final save failed, so the server goes on running after all (as Redis, which says so
  // in the unit's status).
  void SaveFailed();
  void SavingFinalSnapshot() override;
  void ReplicaSynced(bool partial) override;

 private:
  void Notify(std::string_view message) const;

  SupervisorKind kind_ = SupervisorKind::kNone;
  std::string notify_socket_;
};

}  // namespace basalt::server
