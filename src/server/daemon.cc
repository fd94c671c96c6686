#include "server/daemon.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/file_util.h"

namespace basalt::server {

namespace {

constexpr const char* kDefaultPidFile = "/var/run/redis.pid";

std::string PidLine() { return std::to_string(getpid()) + "\n"; }

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

std::string PidFilePath(const config::Settings& settings, bool daemonized) {
  if (!settings.pidfile.empty()) return settings.pidfile;
  return daemonized ? kDefaultPidFile : "";
}

void WritePidFile(const std::string& path) {
  if (path.empty()) return;
  const std::string line = PidLine();
  std::FILE* f = std::fopen(path.c_str(), "w");
  bool ok = f != nullptr && std::fwrite(line.data(), 1, line.size(), f) == line.size();
  int err = errno;
  if (f != nullptr && std::fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) spdlog::warn("Failed to write PID file: {}", std::strerror(err));
}

void RemovePidFile(const std::string& path) {
  if (path.empty()) return;
  // Only while it is still ours: the default path is Redis's, and a redis-server started
  // after us may have written its pid there.
  std::string text;
  if (file::ReadFile(path, &text).ok() && text == PidLine()) unlink(path.c_str());
}

}  // namespace basalt::server
