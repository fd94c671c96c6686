// basalt-server [config.toml] [--name value ...]
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#ifdef BASALT_MIMALLOC
#include <mimalloc.h>
#endif

#include "common/memory.h"
#include "config/config.h"
#include "server/daemon.h"
#include "server/logging.h"
#include "server/server.h"
#include "server/supervision.h"

namespace {

constexpr const char* kVersion = "0.1.0";

void PrintUsage() {
  std::fprintf(stderr,
               "Usage: basalt-server [/path/to/basalt.toml] [--name value ...]\n"
               "       basalt-server --version\n"
               "Examples:\n"
               "       basalt-server config/basalt.toml\n"
               "       basalt-server --port 6380 --loglevel debug\n");
}

// Freed memory stays mapped for a while before mimalloc hands it back to the kernel (its
// default is 25 ms). A server that replaces big values churns through the same amount of memory
// request after request: returning it at once made every 1 MB SET fault its new value's pages
// back in (zeroed by the kernel), which was a third of the server's time. Ten seconds is what
// Redis's jemalloc keeps dirty pages; memory freed for good still goes back after that.
#ifdef BASALT_MIMALLOC
constexpr long kReturnDelayMs = 10'000;

void SetReturnAtOnce(bool at_once) {
  mi_option_set(mi_option_decommit_delay, at_once ? 0 : kReturnDelayMs);
}
#endif

void TuneAllocator() {
#ifdef BASALT_MIMALLOC
  mi_option_set(mi_option_decommit_delay, kReturnDelayMs);
  mi_option_set(mi_option_segment_decommit_delay, kReturnDelayMs);
  basalt::mem::SetReturnAtOnceSwitch(SetReturnAtOnce);
#endif
}

// The config file named first (when the first argument is not a flag), then the flags over it.
// On an error, prints it and returns false.
bool LoadConfig(std::vector<std::string> args, basalt::config::Config& config,
                std::string& config_file) {
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    config_file = args[0];
    args.erase(args.begin());
    if (auto st = config.LoadToml(config_file); !st.ok()) {
      std::fprintf(stderr, "*** FATAL CONFIG FILE ERROR ***\n%s\n", st.message().c_str());
      return false;
    }
  }
  if (auto st = config.ApplyCommandLine(args); !st.ok()) {
    std::fprintf(stderr, "*** FATAL CONFIG ERROR ***\n%s\n", st.message().c_str());
    PrintUsage();
    return false;
  }
  return true;
}

// A supervised server stays in the foreground, whatever daemonize says (as Redis): the manager
// watches the process it started.
bool ShouldDaemonize(const basalt::config::Settings& settings) {
  const bool supervised =
      basalt::server::ResolveSupervisor(settings.supervised, std::getenv("UPSTART_JOB"),
                                        std::getenv("NOTIFY_SOCKET")) !=
      basalt::server::SupervisorKind::kNone;
  return settings.daemonize && !supervised;
}

}  // namespace

int main(int argc, char** argv) {
  TuneAllocator();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--version" || args[0] == "-v")) {
    std::printf("basalt server v=%s\n", kVersion);
    return 0;
  }
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    PrintUsage();
    return 0;
  }
  basalt::config::Config config;
  std::string config_file;
  if (!LoadConfig(std::move(args), config, config_file)) return 1;
  const auto& settings = config.settings();
  const bool daemonized = ShouldDaemonize(settings);
  if (daemonized) {
    if (auto st = basalt::server::Daemonize(); !st.ok()) {
      std::fprintf(stderr, "Can't run in the background: %s\n", st.message().c_str());
      return 1;
    }
  }
  if (auto st = basalt::server::SetupLogging(settings.logfile, settings.loglevel); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  basalt::server::Supervisor supervisor =
      basalt::server::Supervisor::FromSetting(settings.supervised);
  const std::string pidfile = basalt::server::PidFilePath(settings, daemonized);
  basalt::server::WritePidFile(pidfile);
  config.OnChange("loglevel",
                  [&config] { basalt::server::SetLogLevel(config.settings().loglevel); });
  signal(SIGPIPE, SIG_IGN);

  spdlog::info("basalt {} starting, pid={}", kVersion, getpid());
  basalt::server::Server server(config);
  std::error_code ec;
  server.context().config_file =
      config_file.empty() ? "" : std::filesystem::absolute(config_file, ec).string();
  server.context().executable = std::filesystem::absolute(argv[0], ec).string();
  if (auto st = server.Listen(); !st.ok()) {
    spdlog::critical("{}", st.message());
    basalt::server::RemovePidFile(pidfile);
    return 1;
  }
  supervisor.Listening();
  server.set_supervisor(std::move(supervisor));
  const int exit_code = server.Run();
  basalt::server::RemovePidFile(pidfile);
  return exit_code;
}
