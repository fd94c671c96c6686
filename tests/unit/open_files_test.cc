// FitOpenFiles: the open-file limit is raised as far as the system lets it towards
// maxclients + kReservedFds, and maxclients comes back lowered to what fits when it cannot.
#include "server/open_files.h"

#include <doctest/doctest.h>

#include <cerrno>

using basalt::server::FileLimit;
using basalt::server::FileLimitOps;
using basalt::server::FitOpenFiles;
using basalt::server::kReservedFds;

namespace {

// A process's limits: raising the hard one takes privilege, and never past the ceiling.
struct FakeSystem {
  FileLimit limit;
  bool privileged;
  uint64_t ceiling = 1 << 20;
  int sets = 0;

  FileLimitOps ops() {
    return {[this] { return limit; },
            [this](FileLimit l) {
              ++sets;
              if (l.soft > l.hard) return EINVAL;
              if (l.hard > limit.hard && (!privileged || l.hard > ceiling)) return EPERM;
              limit = l;
              return 0;
            },
            ceiling};
  }
};

}  // namespace

TEST_SUITE("open_files") {
  TEST_CASE("a limit that fits already is left alone") {
    FakeSystem sys{{20000, 20000}, false};
    auto fit = FitOpenFiles(10000, sys.ops());
    CHECK(fit.maxclients == 10000);
    CHECK(fit.limit_now == 20000);
    CHECK(sys.sets == 0);
  }

  TEST_CASE("the soft limit goes up to what is needed, under the hard one") {
    FakeSystem sys{{1024, 65536}, false};
    auto fit = FitOpenFiles(10000, sys.ops());
    CHECK(fit.maxclients == 10000);
    CHECK(fit.limit_before == 1024);
    CHECK(fit.limit_now == 10000 + kReservedFds);
    CHECK(sys.limit.soft == 10000 + kReservedFds);
    CHECK(sys.limit.hard == 65536);  // not lowered
  }

  TEST_CASE("a privileged process raises the hard limit too") {
    FakeSystem sys{{1024, 4096}, true};
    auto fit = FitOpenFiles(10000, sys.ops());
    CHECK(fit.maxclients == 10000);
    CHECK(sys.limit.soft == 10000 + kReservedFds);
    CHECK(sys.limit.hard == 10000 + kReservedFds);
  }

  TEST_CASE("without privilege, the limit goes to the hard one and maxclients fits under it") {
    FakeSystem sys{{256, 1024}, false};
    auto fit = FitOpenFiles(10000, sys.ops());
    CHECK(fit.limit_now == 1024);
    CHECK(sys.limit.soft == 1024);
    CHECK(fit.maxclients == 1024 - kReservedFds);
    CHECK(fit.error == EPERM);
  }

  TEST_CASE("a privileged process stops at the system's ceiling") {
    FakeSystem sys{{1024, 1024}, true, 5000};
    auto fit = FitOpenFiles(10000, sys.ops());
    CHECK(fit.limit_now == 5000);
    CHECK(fit.maxclients == 5000 - kReservedFds);
  }

  TEST_CASE("a limit below the reserve leaves no client") {
    FakeSystem sys{{20, 20}, false};
    auto fit = FitOpenFiles(10, sys.ops());
    CHECK(fit.maxclients < 1);
  }
}
