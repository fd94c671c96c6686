// The network server: owns the engine state (config, keyspace, command table, dispatcher), the
// Asio event loop, listeners, connections, signals and the periodic cron.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "commands/server_info.h"
#include "config/config.h"
#include "engine/engine.h"
#include "protocol/request_parser.h"
#include "server/busy_gate.h"
#include "server/continuations.h"
#include "server/group_commit.h"
#include "server/http_port.h"
#include "server/listener.h"
#include "server/read_budget.h"
#include "server/supervision.h"

namespace basalt::server {

class Connection;
class PrimaryLink;

class Server final : public cmd::ClientDirectory, public cmd::ServerControl {
 public:
  explicit Server(config::Config& config);
  ~Server() override;

  // Binds the listeners; fails with a message naming the address.
  Status Listen();
  // Runs the event loop until shutdown. Returns the process exit code.
  int Run();
  // Port of the first listener (useful with port 0 in tests).
  uint16_t bound_port() const { return listeners_.port(); }

  cmd::ServerContext& context() { return engine_->context(); }
  engine::Engine& engine() { return *engine_; }
  const protocol::ParserLimits& parser_limits() const { return parser_limits_; }
  void Unregister(uint64_t id);
  GroupCommit& group_commit() { return *group_commit_; }
  // The replies of every connection served in this loop turn leave together at its end, as
  // Redis writes its clients before it sleeps: a client's event loop then finds many replies
  // per wakeup instead of one, and the server's sends are not spread between its reads.
  void FlushAtEndOfTurn(std::shared_ptr<Connection> conn);
  // The most one read of plain input may take now (see read_budget.h).
  size_t read_cap() const { return read_cap_; }
  // Reads that continue a client's burst start from here, a slice at a time.
  Continuations& continuations() { return continuations_; }
  // Whether such reads wait for a slice now (enough clients are busy; see continuations.h).
  bool defers_reads() const { return Continuations::Defers(busy_); }
  // Makes sure background work (snapshot slices) keeps being scheduled while there is some.
  void KickBackgroundWork();
  // The service manager to tell when the data set is loaded and when a shutdown begins.
  void set_supervisor(Supervisor supervisor);

  // cmd::ClientDirectory
  void ForEach(const std::function<void(cmd::ClientSession&)>& fn) override;
  size_t count() const override { return connections_.size(); }
  // cmd::ServerControl
  std::string RequestShutdown(bool save, bool nosave, bool force) override;
  void ServeWhileBusy(uint64_t caller_id) override;
  // Closed while a busy script lets the loop turn (see busy_gate.h).
  BusyGate& busy_gate() { return busy_gate_; }

 private:
  void OnAccept(asio::ip::tcp::socket socket, std::string peer);
  // One command of the HTTP port's (PING, INFO), as a client of its own; its RESP2 reply.
  std::string RunForHttp(const std::vector<std::string>& args);
  // At startup: raises the open-file limit to fit maxclients, or lowers maxclients to fit it
  // (see open_files.h); fails when not even one client fits.
  Status FitClientsToOpenFiles();
  // CONFIG SET maxclients: refused when the limit cannot be raised to fit it.
  Status CheckClientsFitOpenFiles();
  void RejectConnection(asio::ip::tcp::socket& socket, std::string_view error);
  void ScheduleCron();
  void Cron();
  // Once a second: closes clients idle past `timeout`, and makes those idle for
  // kIdleMemoryReleaseMs give back what they keep for their next request (as Redis's cron
  // shrinks an idle client's query buffer).
  void CheckIdleClients(int64_t now_ms);
  static constexpr int64_t kIdleMemoryReleaseMs = 2000;
  // signal_flags: shutdown-on-sigterm / -sigint (config::kShutdown*), for a signal's shutdown.
  void BeginShutdown(const char* reason, bool save_done, int64_t signal_flags = 0);
  // SIGTERM/SIGINT: a shutdown (once; re-armed when a shutdown fails).
  void WaitForSignal();
  // io_.run(), but spinning briefly before sleeping when events have been arriving close
  // together (busy-poll-us; see server.cc).
  void RunLoop();
  void OnLoaded(const Status& st);
  void WaitForConnectionsThenStop(int attempts_left);
  void SyncParserLimits();
  // Posts what waited for a busy script to return.
  void ReleaseParked();
  static constexpr int kHandlersPerBusyTurn = 256;

  config::Config& config_;
  SystemClock& clock_;
  protocol::ParserLimits parser_limits_;

  asio::io_context io_;
  BusyGate busy_gate_;
  std::vector<std::shared_ptr<Connection>> to_flush_;
  bool flush_posted_ = false;
  size_t read_cap_ = ReadBudget::PerRead(1);
  size_t busy_ = 0;  // clients the last turn served, and those waiting in continuations_
  Continuations continuations_;
  // After io_: the engine's background threads post into io_ until the engine is gone.
  std::unique_ptr<engine::Engine> engine_;
  Listeners listeners_;
  std::unique_ptr<HttpPort> http_port_;  // http-port; listens only when set
  asio::signal_set signals_;
  asio::steady_timer cron_timer_;
  asio::steady_timer
      background_timer_;  // paces background work that waits (see KickBackgroundWork)
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;
  uint64_t next_client_id_ = 1;
  cmd::InstantaneousMetrics metrics_;
  std::unique_ptr<GroupCommit> group_commit_;
  std::unique_ptr<PrimaryLink> primary_link_;  // the link to the primary we follow, if any
  bool background_scheduled_ = false;
  bool shutting_down_ = false;
  Supervisor supervisor_;
  int exit_code_ = 0;
  int64_t last_idle_check_ms_ = 0;
};

}  // namespace basalt::server
