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
#include "commands/command_table.h"
#include "commands/dispatcher.h"
#include "commands/keyspace_events.h"
#include "config/config.h"
#include "protocol/request_parser.h"
#include "store/keyspace.h"

namespace basalt::server {

class Connection;

class Server final : public cmd::ClientDirectory, public cmd::ServerControl {
 public:
  explicit Server(config::Config& config);
  ~Server() override;

  // Binds the listeners; fails with a message naming the address.
  Status Listen();
  // Runs the event loop until shutdown. Returns the process exit code.
  int Run();
  // Port of the first listener (useful with port 0 in tests).
  uint16_t bound_port() const { return bound_port_; }

  cmd::ServerContext& context() { return context_; }
  cmd::Dispatcher& dispatcher() { return dispatcher_; }
  const protocol::ParserLimits& parser_limits() const { return parser_limits_; }
  void ApplyKeepalive(asio::ip::tcp::socket& socket) const;
  void Unregister(uint64_t id);

  // cmd::ClientDirectory
  void ForEach(const std::function<void(cmd::ClientSession&)>& fn) override;
  size_t count() const override { return connections_.size(); }
  // cmd::ServerControl
  std::string RequestShutdown(bool save, bool nosave) override;

 private:
  void Accept(asio::ip::tcp::acceptor& acceptor);
  void OnAccept(asio::ip::tcp::socket socket);
  void RejectConnection(asio::ip::tcp::socket& socket, std::string_view error);
  void ScheduleCron();
  void Cron();
  void CloseIdleClients(int64_t now_ms);
  void BeginShutdown(const char* reason);
  void WaitForConnectionsThenStop(int attempts_left);
  void SyncParserLimits();

  config::Config& config_;
  SystemClock& clock_;
  store::Keyspace keyspace_;
  cmd::CommandTable commands_;
  cmd::ServerContext context_;
  cmd::Dispatcher dispatcher_;
  cmd::KeyspaceEvents events_;
  protocol::ParserLimits parser_limits_;

  asio::io_context io_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  asio::signal_set signals_;
  asio::steady_timer cron_timer_;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;
  uint64_t next_client_id_ = 1;
  uint16_t bound_port_ = 0;
  bool shutting_down_ = false;
  int exit_code_ = 0;
  int64_t last_idle_check_ms_ = 0;
};

}  // namespace basalt::server
