// The optional HTTP observability port (http-port, http-bind): /health, /metrics, /info as
// http_api.h describes them, served on the event loop's thread. Each request runs its command
// (PING or INFO) through the dispatcher when it arrives, like a client's, so it sees the server
// as a client would, -BUSY and -LOADING included.
//
// Limits: a request head of at most http::kMaxHeadBytes, sent within kHeadTimeout; kTimeout for
// the whole exchange; kMaxExchanges at once. When all are taken, a new connection replaces the
// oldest one still waiting for its head, so idle connections cannot keep /health from a probe.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>

#include "basalt/status.h"
#include "server/http_api.h"
#include "server/listener.h"

namespace basalt::server {

class HttpPort {
 public:
  static constexpr std::chrono::seconds kHeadTimeout{3};
  static constexpr std::chrono::seconds kTimeout{10};
  static constexpr size_t kMaxExchanges = 64;

  // `run` executes a command on the loop's thread; `requirepass` reads the current password;
  // `denied` tells whether a peer ("ip:port") is refused by protected-mode (answered 403).
  HttpPort(asio::io_context& io, http::RunCommand run, std::function<std::string()> requirepass,
           std::function<bool(std::string_view peer)> denied);
  ~HttpPort();

  // Binds `bind` (Redis's bind syntax) at `port`; nothing is opened when port is 0.
  Status Listen(const std::string& bind, int port);
  void StartAccepting();
  // Stops accepting and drops the requests in flight.
  void Close();
  uint16_t port() const { return listeners_.port(); }

 private:
  class Exchange;
  void OnAccept(asio::ip::tcp::socket socket, const std::string& peer);

  asio::io_context& io_;
  http::RunCommand run_;
  std::function<std::string()> requirepass_;
  std::function<bool(std::string_view peer)> denied_;
  Listeners listeners_;
  bool listening_ = false;
  uint64_t next_serial_ = 0;
  std::unordered_set<std::shared_ptr<Exchange>> exchanges_;
};

}  // namespace basalt::server
