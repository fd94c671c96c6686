#include "server/open_files.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "common/file_util.h"

namespace basalt::server {

FileLimitOps SystemFileLimitOps() {
  FileLimitOps ops;
  ops.get = [] {
    rlimit r{};
    if (getrlimit(RLIMIT_NOFILE, &r) != 0) return FileLimit{1024, 1024};
    return FileLimit{r.rlim_cur, r.rlim_max};
  };
  ops.set = [](FileLimit l) {
    const rlimit r{l.soft, l.hard};
    return setrlimit(RLIMIT_NOFILE, &r) == 0 ? 0 : errno;
  };
  std::string text;
  ops.ceiling = file::ReadFile("/proc/sys/fs/nr_open", &text).ok()
                    ? std::strtoull(text.c_str(), nullptr, 10)
                    : 1024 * 1024;
  return ops;
}

FileLimitFit FitOpenFiles(int64_t maxclients, const FileLimitOps& ops) {
  const uint64_t needed = static_cast<uint64_t>(maxclients + kReservedFds);
  const FileLimit before = ops.get();
  FileLimitFit fit{maxclients, before.soft, before.soft, 0};
  if (before.soft >= needed) return fit;
  // The soft limit may go up to the hard one without privilege.
  if (before.hard >= needed) {
    fit.error = ops.set({needed, before.hard});
    if (fit.error == 0) {
      fit.limit_now = needed;
      return fit;
    }
  }
  // Beyond the hard limit takes privilege (CAP_SYS_RESOURCE), and at most fs.nr_open.
  const uint64_t wanted = std::min(needed, ops.ceiling);
  if (wanted > before.hard) {
    fit.error = ops.set({wanted, wanted});
    if (fit.error == 0) fit.limit_now = wanted;
  }
  if (fit.limit_now == before.soft && before.hard > before.soft) {
    const int error = ops.set({before.hard, before.hard});
    if (error == 0) fit.limit_now = before.hard;
  }
  if (fit.limit_now < needed) {
    fit.maxclients = static_cast<int64_t>(fit.limit_now) - kReservedFds;
    if (fit.error == 0) fit.error = EPERM;
  }
  return fit;
}

}  // namespace basalt::server
