// The network half of following a primary: one outgoing TCP connection, owned by the server,
// driving replication::Replica (which holds the protocol and the state). Reads go to
// Replica::OnData as they arrive; sends are queued and written one at a time.
#pragma once

#include <asio.hpp>
#include <functional>
#include <memory>
#include <string>

#include "replication/replica.h"
#include "server/busy_gate.h"

namespace basalt::server {

class PrimaryLink final : public replication::Transport {
 public:
  // `on_applied` runs after each read handed to the replica (its writes are to be submitted).
  // What the primary sends waits behind `gate` while a busy script turns the loop (Redis, too,
  // leaves its primary's stream unread then).
  PrimaryLink(asio::io_context& io, BusyGate& gate, replication::Replica& replica,
              std::function<void()> on_applied);
  ~PrimaryLink() override;

  // replication::Transport
  void Connect(const std::string& host, int port) override;
  void Send(std::string_view bytes) override;
  void Close() override;

 private:
  // One connection attempt and its socket; a new attempt gets a new one, so callbacks of an
  // old socket (closed, cancelled) find themselves stale and do nothing.
  struct Link;
  void ReadMore(std::shared_ptr<Link> link);
  void OnRead(const std::shared_ptr<Link>& link, const asio::error_code& ec, size_t n);
  void WriteMore(std::shared_ptr<Link> link);
  void Fail(const std::shared_ptr<Link>& link, const std::string& why);

  asio::io_context& io_;
  BusyGate& gate_;
  replication::Replica& replica_;
  std::function<void()> on_applied_;
  std::shared_ptr<Link> link_;
};

}  // namespace basalt::server
