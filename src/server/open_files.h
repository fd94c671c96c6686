// The open-file limit (RLIMIT_NOFILE) against maxclients.
//
// Every client is a descriptor, and the server needs some of its own besides (listeners, AOF
// and RDB files, the link to a primary, the log). When the limit is lower than that, accept
// fails with EMFILE while clients are still welcome by maxclients: the connections waiting
// are neither served nor refused, and the listener keeps waking up. So, as Redis does, the
// limit is raised at startup to maxclients + kReservedFds where the system allows it, or
// maxclients is lowered to what fits; and CONFIG SET maxclients is refused when it cannot fit.
#pragma once

#include <cstdint>
#include <functional>

namespace basalt::server {

constexpr int64_t kReservedFds = 32;

struct FileLimit {
  uint64_t soft;
  uint64_t hard;
};

// The system's side, replaceable in tests.
struct FileLimitOps {
  std::function<FileLimit()> get;
  // 0, or the errno of a refused change.
  std::function<int(FileLimit)> set;
  // The most a privileged process may set (fs.nr_open).
  uint64_t ceiling;
};
FileLimitOps SystemFileLimitOps();

struct FileLimitFit {
  int64_t maxclients;  // what the limit allows: the one asked for when it fits
  uint64_t limit_before;
  uint64_t limit_now;
  int error;  // why the limit could not be raised further (errno), when it could not
};

// Raises the limit towards maxclients + kReservedFds as far as the system allows (an
// unprivileged process up to its hard limit), never lowering it.
FileLimitFit FitOpenFiles(int64_t maxclients, const FileLimitOps& ops);

}  // namespace basalt::server
