// `supervised`: which service manager the setting and the environment come to, the address a
// notify socket names, and the datagrams a systemd unit of Type=notify receives.
#include "server/supervision.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

using basalt::server::MakeNotifyAddress;
using basalt::server::ResolveSupervisor;
using basalt::server::Supervisor;
using basalt::server::SupervisorKind;

namespace {

// A manager's end: a datagram socket bound where NOTIFY_SOCKET points while the test runs.
class FakeManager {
 public:
  explicit FakeManager(const std::string& name) : name_(name) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    auto addr = MakeNotifyAddress(name);
    REQUIRE(addr);
    REQUIRE(bind(fd_, reinterpret_cast<const sockaddr*>(&addr->addr), addr->len) == 0);
    setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~FakeManager() {
    unsetenv("NOTIFY_SOCKET");
    close(fd_);
    if (name_[0] == '/') unlink(name_.c_str());
  }
  // Every datagram received so far, each one whole.
  std::vector<std::string> Received() {
    std::vector<std::string> out;
    pollfd p{fd_, POLLIN, 0};
    while (poll(&p, 1, 0) == 1) {
      char buf[512];
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n < 0) break;
      out.emplace_back(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  std::string name_;
  int fd_ = -1;
};

std::string UniqueName(const char* prefix) {
  return std::string(prefix) + "basalt-notify-" + std::to_string(getpid());
}

}  // namespace

TEST_SUITE("supervision") {
  TEST_CASE("auto prefers upstart, then systemd; an explicit mode needs its variable") {
    CHECK(ResolveSupervisor("no", true, true) == SupervisorKind::kNone);
    CHECK(ResolveSupervisor("auto", true, true) == SupervisorKind::kUpstart);
    CHECK(ResolveSupervisor("auto", false, true) == SupervisorKind::kSystemd);
    CHECK(ResolveSupervisor("auto", false, false) == SupervisorKind::kNone);
    CHECK(ResolveSupervisor("systemd", true, true) == SupervisorKind::kSystemd);
    CHECK(ResolveSupervisor("systemd", true, false) == SupervisorKind::kNone);
    CHECK(ResolveSupervisor("upstart", false, true) == SupervisorKind::kNone);
    CHECK(ResolveSupervisor("upstart", true, false) == SupervisorKind::kUpstart);
  }

  TEST_CASE("a notify socket is a path or, with '@', an abstract name") {
    auto path = MakeNotifyAddress("/run/systemd/notify");
    REQUIRE(path);
    CHECK(std::string(path->addr.sun_path) == "/run/systemd/notify");
    CHECK(path->len == offsetof(sockaddr_un, sun_path) + 19);

    auto abstract = MakeNotifyAddress("@/org/freedesktop/systemd1/notify/1");
    REQUIRE(abstract);
    CHECK(abstract->addr.sun_path[0] == '\0');
    CHECK(std::string(abstract->addr.sun_path + 1, 34) == "/org/freedesktop/systemd1/notify/1");
    CHECK(abstract->len == offsetof(sockaddr_un, sun_path) + 35);

    CHECK_FALSE(MakeNotifyAddress(""));
    CHECK_FALSE(MakeNotifyAddress("relative/notify"));
    const std::string longest(sizeof(sockaddr_un::sun_path) - 1, 'x');
    CHECK(MakeNotifyAddress("/" + longest.substr(1)));
    CHECK_FALSE(MakeNotifyAddress("/" + longest));  // no room left for the NUL
    CHECK(MakeNotifyAddress("@" + longest));        // an abstract name needs none
    CHECK_FALSE(MakeNotifyAddress("@x" + longest));
  }

  TEST_CASE("systemd hears loading, then ready, then stopping") {
    for (const char* prefix : {"/tmp/", "@"}) {
      CAPTURE(prefix);
      FakeManager manager(UniqueName(prefix));
      Supervisor supervisor = Supervisor::FromSetting("systemd");
      CHECK(supervisor.kind() == SupervisorKind::kSystemd);
      CHECK(std::string(supervisor.name()) == "systemd");
      supervisor.Listening();  // nothing for systemd
      CHECK(manager.Received() == std::vector<std::string>{"STATUS=Redis is loading...\n"});
      supervisor.Ready(false);
      CHECK(manager.Received() ==
            std::vector<std::string>{"STATUS=Ready to accept connections\n", "READY=1\n"});
      supervisor.SaveFailed();
      supervisor.Stopping();
      CHECK(manager.Received() ==
            std::vector<std::string>{"STATUS=Error trying to save the DB, can't exit.\n",
                                     "STOPPING=1\n"});
    }
  }

  TEST_CASE("a replica says it waits for its primary") {
    FakeManager manager(UniqueName("/tmp/replica-"));
    Supervisor supervisor = Supervisor::FromSetting("auto");
    REQUIRE(supervisor.kind() == SupervisorKind::kSystemd);
    manager.Received();
    supervisor.Ready(true);
    CHECK(manager.Received() ==
          std::vector<std::string>{"STATUS=Ready to accept connections in read-only mode. "
                                   "Waiting for MASTER <-> REPLICA sync\n",
                                   "READY=1\n"});
  }

  TEST_CASE("a replica says when it has its primary's data, fully or partially synced") {
    FakeManager manager(UniqueName("/tmp/synced-"));
    Supervisor supervisor = Supervisor::FromSetting("systemd");
    manager.Received();
    supervisor.ReplicaSynced(false);
    supervisor.ReplicaSynced(true);
    CHECK(manager.Received() ==
          std::vector<std::string>{"STATUS=MASTER <-> REPLICA sync: Finished with success. "
                                   "Ready to accept connections in read-write mode.\n",
                                   "STATUS=MASTER <-> REPLICA sync: Partial Resynchronization "
                                   "accepted. Ready to accept connections in read-write mode.\n"});
  }

  TEST_CASE("a final save is announced before it starts") {
    FakeManager manager(UniqueName("/tmp/final-save-"));
    Supervisor supervisor = Supervisor::FromSetting("systemd");
    manager.Received();
    supervisor.Stopping();
    supervisor.SavingFinalSnapshot();
    CHECK(manager.Received() ==
          std::vector<std::string>{"STOPPING=1\n", "STATUS=Saving the final RDB snapshot\n"});
  }

  TEST_CASE("without a manager nothing is sent and INFO says no") {
    unsetenv("NOTIFY_SOCKET");
    unsetenv("UPSTART_JOB");
    for (const char* setting : {"no", "auto", "systemd", "upstart"}) {
      Supervisor supervisor = Supervisor::FromSetting(setting);
      CHECK(supervisor.kind() == SupervisorKind::kNone);
      CHECK(std::string(supervisor.name()) == "no");
      supervisor.Listening();  // must not stop the test process
      supervisor.Ready(false);
      supervisor.Stopping();
      supervisor.SavingFinalSnapshot();
      supervisor.ReplicaSynced(false);
    }
  }

  TEST_CASE("a manager that has gone away costs a log line, not the server") {
    setenv("NOTIFY_SOCKET", "/tmp/basalt-notify-nobody-listens", 1);
    Supervisor supervisor = Supervisor::FromSetting("systemd");
    supervisor.Ready(false);
    supervisor.Stopping();
    unsetenv("NOTIFY_SOCKET");
    CHECK(supervisor.kind() == SupervisorKind::kSystemd);
  }
}
