// A stand-in for a slow disk, loaded with LD_PRELOAD into basalt-server or redis-server alike:
// every fsync(2) and fdatasync(2) does its real work, then sleeps BASALT_SLOW_FSYNC_US
// microseconds (a flush to a real SSD takes ~0.5-3 ms; tmpfs or a VM's cached disk ~0.05 ms,
// which hides what group commit is for). With BASALT_SLOW_FSYNC_MATCH set, only files whose
// path contains that text are slow (and counted). With BASALT_FSYNC_COUNT_FILE set, each such
// call also appends one byte to that file, so a test can count fsyncs. Used by
// tests/integration and by tools/bench_persistence.py --fsync-delay-us. Built as the
// `slow_fsync` CMake target.
#include <dlfcn.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace {

long DelayUs() {
  static const long delay_us = [] {
    const char* text = std::getenv("BASALT_SLOW_FSYNC_US");
    return text ? std::atol(text) : 0L;
  }();
  return delay_us;
}

void CountCall() {
  static const int fd = [] {
    const char* path = std::getenv("BASALT_FSYNC_COUNT_FILE");
    return path ? ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
  }();
  if (fd >= 0) (void)!::write(fd, "s", 1);
}

bool Matches(int fd) {
  static const char* const match = std::getenv("BASALT_SLOW_FSYNC_MATCH");
  if (match == nullptr || *match == '\0') return true;
  char path[4096];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), path, sizeof(path) - 1);
  if (n < 0) return false;
  path[n] = '\0';
  return std::strstr(path, match) != nullptr;
}

void AfterSync(int fd) {
  if (!Matches(fd)) return;
  CountCall();
  const long us = DelayUs();
  if (us <= 0) return;
  timespec ts{us / 1'000'000, (us % 1'000'000) * 1000};
  while (::nanosleep(&ts, &ts) != 0) {
  }
}

using SyncFn = int (*)(int);

SyncFn Next(const char* name) { return reinterpret_cast<SyncFn>(::dlsym(RTLD_NEXT, name)); }

}  // namespace

extern "C" int fsync(int fd) {
  static const SyncFn real = Next("fsync");
  const int rc = real(fd);
  AfterSync(fd);
  return rc;
}

extern "C" int fdatasync(int fd) {
  static const SyncFn real = Next("fdatasync");
  const int rc = real(fd);
  AfterSync(fd);
  return rc;
}
