#include "server/daemon.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace basalt::server {

namespace {
constexpr const char* kDefaultPidFile = "/var/run/redis.pid";
}  // namespace

Status Daemonize() {
  const pid_t pid = fork();
  if (pid < 0) return Status::IoError(std::string("fork: ") + std::strerror(errno));
  if (pid > 0) std::_Exit(0);  // the parent: nothing of the server runs here
  if (setsid() < 0) return Status::IoError(std::string("setsid: ") + std::strerror(errno));
  const int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) return Status::IoError(std::string("/dev/null: ") + std::strerror(errno));
  for (int fd = 0; fd <= 2; ++fd) dup2(null_fd, fd);  // dup2 clears close-on-exec on the copies
  if (null_fd > 2) close(null_fd);
  return Status::Ok();
}

std::string PidFilePath(const config::Settings& settings) {
  if (!settings.pidfile.empty()) return settings.pidfile;
  return settings.daemonize ? kDefaultPidFile : "";
}

void WritePidFile(const std::string& path) {
  if (path.empty()) return;
  std::FILE* f = std::fopen(path.c_str(), "w");
  bool ok = f != nullptr && std::fprintf(f, "%d\n", static_cast<int>(getpid())) > 0;
  const int err = errno;
  if (f != nullptr && std::fclose(f) != 0) ok = false;
  if (!ok) spdlog::warn("Failed to write PID file: {}", std::strerror(err));
}

void RemovePidFile(const std::string& path) {
  if (!path.empty()) unlink(path.c_str());
}

}  // namespace basalt::server
