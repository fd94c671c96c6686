#include "server/supervision.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace basalt::server {

SupervisorKind ResolveSupervisor(std::string_view setting, bool has_upstart_job,
                                 bool has_notify_socket) {
  if (setting == "upstart")
    return has_upstart_job ? SupervisorKind::kUpstart : SupervisorKind::kNone;
  if (setting == "systemd")
    return has_notify_socket ? SupervisorKind::kSystemd : SupervisorKind::kNone;
  if (setting == "auto") {
    if (has_upstart_job) return SupervisorKind::kUpstart;
    if (has_notify_socket) return SupervisorKind::kSystemd;
  }
  return SupervisorKind::kNone;
}

std::optional<NotifyAddress> MakeNotifyAddress(std::string_view path) {
  NotifyAddress a;
  // An abstract name is not NUL-terminated, a path is: both must fit sun_path with that.
  const bool abstract = !path.empty() && path.front() == '@';
  if (path.empty() || path.size() + (abstract ? 0 : 1) > sizeof(a.addr.sun_path)) {
    return std::nullopt;
  }
  if (!abstract && path.front() != '/') return std::nullopt;
  a.addr.sun_family = AF_UNIX;
  std::memcpy(a.addr.sun_path, path.data(), path.size());
  if (abstract) a.addr.sun_path[0] = '\0';
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  return a;
}

Supervisor Supervisor::FromSetting(std::string_view setting) {
  const char* upstart_job = std::getenv("UPSTART_JOB");
  const char* notify_socket = std::getenv("NOTIFY_SOCKET");
  Supervisor s;
  s.kind_ = ResolveSupervisor(setting, upstart_job != nullptr, notify_socket != nullptr);
  if (s.kind_ == SupervisorKind::kSystemd) {
    s.notify_socket_ = notify_socket;
    spdlog::info(
        "Supervised by systemd. Please make sure you set appropriate values for "
        "TimeoutStartSec and TimeoutStopSec in your service unit.");
    s.Notify("STATUS=Redis is loading...\n");
  } else if (s.kind_ == SupervisorKind::kUpstart) {
    spdlog::info("supervised by upstart, will stop to signal readiness.");
  } else if (setting == "systemd") {
    spdlog::warn("systemd supervision error: NOTIFY_SOCKET not found!");
  } else if (setting == "upstart") {
    spdlog::warn("upstart supervision requested, but UPSTART_JOB not found!");
  }
  return s;
}

const char* Supervisor::name() const {
  switch (kind_) {
    case SupervisorKind::kUpstart:
      return "upstart";
    case SupervisorKind::kSystemd:
      return "systemd";
    case SupervisorKind::kNone:
      break;
  }
  return "no";
}

void Supervisor::Listening() {
  if (kind_ != SupervisorKind::kUpstart) return;
  raise(SIGSTOP);
  // Children (a fork for a future feature, a script) must not stop themselves as well.
  unsetenv("UPSTART_JOB");
}

void Supervisor::Ready(bool replica) {
  if (kind_ != SupervisorKind::kSystemd) return;
  Notify(replica ? "STATUS=Ready to accept connections in read-only mode. Waiting for MASTER "
                   "<-> REPLICA sync\n"
                 : "STATUS=Ready to accept connections\n");
  Notify("READY=1\n");
}

void Supervisor::Stopping() {
  if (kind_ == SupervisorKind::kSystemd) Notify("STOPPING=1\n");
}

void Supervisor::SaveFailed() {
  if (kind_ == SupervisorKind::kSystemd)
    Notify("STATUS=Error trying to save the DB, can't exit.\n");
}

void Supervisor::SavingFinalSnapshot() {
  if (kind_ == SupervisorKind::kSystemd) Notify("STATUS=Saving the final RDB snapshot\n");
}

void Supervisor::ReplicaSynced(bool partial) {
  if (kind_ != SupervisorKind::kSystemd) return;
  Notify(partial ? "STATUS=MASTER <-> REPLICA sync: Partial Resynchronization accepted. Ready "
                   "to accept connections in read-write mode.\n"
                 : "STATUS=MASTER <-> REPLICA sync: Finished with success. Ready to accept "
                   "connections in read-write mode.\n");
}

// One datagram per message, on a socket of its own: messages are rare (start and stop), and a
// manager that has gone away must not leave a descriptor behind or a signal raised.
void Supervisor::Notify(std::string_view message) const {
  const std::optional<NotifyAddress> to = MakeNotifyAddress(notify_socket_);
  if (!to) {
    spdlog::warn("Can't send notification to systemd: bad NOTIFY_SOCKET '{}'", notify_socket_);
    return;
  }
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    spdlog::warn("Can't connect to systemd socket {}: {}", notify_socket_, std::strerror(errno));
    return;
  }
  const ssize_t sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                              reinterpret_cast<const sockaddr*>(&to->addr), to->len);
  if (sent < 0) {
    spdlog::warn("Can't send notification to systemd: {}", std::strerror(errno));
  }
  close(fd);
}

}  // namespace basalt::server
