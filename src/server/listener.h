// The TCP listening sockets: binding them, the options every client socket gets, and accepting.
//
// Two things make a connection cheap to take on, which matters when thousands of clients
// reconnect at once (after a failover, a deploy, a network blip):
// - Client socket options are set once, on the listening socket. Linux builds each accepted
//   socket as a copy of its listener, options included (nodelay, the not-sent low-water mark,
//   keepalive and its timings), so an accepted socket needs no setsockopt.
//   Elsewhere they are set on each accepted socket.
// - One wakeup accepts every connection waiting (up to kMaxAcceptsPerWake), with the peer's
//   address taken from accept itself.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "basalt/status.h"

namespace basalt::server {

struct ClientSocketOptions {
  int64_t keepalive_seconds = 0;  // tcp-keepalive; 0 turns keepalive off
};

// "ip:port" as CLIENT LIST shows it (an IPv4-mapped IPv6 address as plain IPv4).
std::string FormatEndpoint(const asio::ip::tcp::endpoint& ep);

// What a failed accept means for the connections still queued behind it.
enum class AcceptFailure {
  kQueueEmpty,      // nothing (more) to accept
  kSkipConnection,  // that one connection is gone (reset while queued, a network error): go on
  kOutOfResources,  // descriptors or memory ran out (or an error we do not know): pause
};
AcceptFailure ClassifyAcceptFailure(const asio::error_code& ec);

class Listeners {
 public:
  // Called for each accepted connection; `peer` is its "ip:port", as CLIENT LIST shows it.
  using AcceptFn = std::function<void(asio::ip::tcp::socket socket, std::string peer)>;
  // As many as Redis takes per event: a storm is drained quickly, while the connections
  // already served are not kept waiting for long.
  static constexpr int kMaxAcceptsPerWake = 1000;

  Listeners(asio::io_context& io, AcceptFn on_accept);

  // Binds every address of `bind` (Redis's syntax: space separated, '-' marks one that may be
  // unavailable, '*' any IPv4 address). Fails with a message naming the address.
  Status Bind(const std::string& bind, int port, int backlog, const ClientSocketOptions& options);
  void StartAccepting();
  void Close();
  // Port of the first listener (useful with port 0 in tests).
  uint16_t port() const { return port_; }

  // tcp-keepalive changed: connections accepted from now on get the new value.
  void SetKeepalive(int64_t seconds);

  // Sets the options the listener would have passed on (no delay, the not-sent low-water mark,
  // keepalive with Redis's timings: probes every seconds/3, three of them).
  static void ApplyClientOptions(int fd, const ClientSocketOptions& options);

 private:
  struct Listener {
    asio::ip::tcp::acceptor acceptor;
    // After accept failed for want of a resource (descriptors, memory): waits before trying
    // again, since what is queued stays readable and would wake the loop at once, every turn.
    asio::steady_timer pause;
    // The keepalive changed while connections were queued: they were copied from the listener
    // before the change and get it on accept, until the queue has been drained once.
    bool keepalive_stale = false;
  };
  static constexpr std::chrono::milliseconds kPauseAfterFailure{100};
  void AwaitConnections(Listener& listener);
  // False when accept failed for want of a resource.
  bool AcceptWaiting(Listener& listener);
  void WarnAcceptFailed(const asio::error_code& ec);

  asio::io_context& io_;
  AcceptFn on_accept_;
  ClientSocketOptions options_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  uint16_t port_ = 0;
  bool closed_ = false;
  std::chrono::steady_clock::time_point last_warning_{};
};

}  // namespace basalt::server
