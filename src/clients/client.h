// What a client can be besides "request -> reply": it may queue a transaction (MULTI), watch
// keys (WATCH), or listen on channels (SUBSCRIBE). This module holds that per-client state and
// the server-wide registries built on it (watch_registry.h, pubsub.h).
//
// It knows neither sockets nor commands: it sits between the keyspace and the command layer, so
// the dispatcher can ask a client's mode and the registries can be tested alone. The server's
// connection and in-process sessions derive from Client (through cmd::ClientSession) and
// implement Deliver().
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

namespace basalt::clients {

class Transaction;     // transaction.h
class Subscriptions;   // pubsub.h
struct TrackingState;  // tracking.h

class Client {
 public:
  Client();
  virtual ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  uint64_t id = 0;
  int resp = 2;  // protocol version: 2, or 3 after HELLO 3
  // Set while the client waits (CLIENT PAUSE, WAIT; later the blocking pops): its connection
  // processes no further input until Wake().
  bool blocked = false;
  // How the request that blocked resumes: run again from the start when woken (CLIENT PAUSE
  // holds commands back unrun), or done already, its reply delivered when the wait ends
  // (blocking.h).
  bool retry_when_woken = false;
  // Whether a request of this client can wait unanswered and run again when woken (network
  // connections; not the embedded Store's session nor a primary's replication stream).
  bool holdable = false;
  // Set while the client receives the MONITOR feed.
  bool monitor = false;

  // CLIENT REPLY: whether the client's requests are answered. Pushes (pub/sub messages,
  // invalidations, the MONITOR feed) are sent either way, as Redis sends them.
  enum class ReplyMode : uint8_t {
    kOn,
    kOff,       // CLIENT REPLY OFF, until CLIENT REPLY ON (or RESET)
    kSkipNext,  // CLIENT REPLY SKIP is the running request: the next one goes unanswered
    kSkip,      // the running request goes unanswered
  };
  ReplyMode reply_mode = ReplyMode::kOn;
  bool replies_suppressed() const {
    return reply_mode == ReplyMode::kOff || reply_mode == ReplyMode::kSkip;
  }
  // The running request is over: answered, or its wait ended. SKIP moves on by one request.
  void EndRequest();

  // Sends bytes that are not the reply to one of this client's requests (pub/sub messages).
  // They join the output after everything written before, in order. In-process sessions that
  // cannot receive pushes drop them.
  virtual void Deliver(std::string_view bytes) {}
  // The late reply of a request that waited (WAIT, a blocking pop): sent unless the request's
  // replies are suppressed (CLIENT REPLY).
  void DeliverReply(std::string_view bytes) {
    if (!replies_suppressed()) Deliver(bytes);
  }
  // The client is no longer blocked: its connection resumes with the request it stopped at.
  // Called from the event loop; the connection may defer the work to a later loop turn.
  virtual void Wake() {}

  // MULTI state and watched keys; null until the client first uses MULTI or WATCH, so idle
  // connections pay one pointer.
  Transaction* transaction() const { return transaction_.get(); }
  Transaction& EnsureTransaction();
  bool in_multi() const;

  // Channels and patterns listened to; null until the first subscription.
  Subscriptions* subscriptions() const { return subscriptions_.get(); }
  Subscriptions& EnsureSubscriptions();
  // True while any channel, pattern or shard channel is subscribed (RESP2's subscribed mode).
  bool subscribed() const;

  // CLIENT TRACKING mode; null until the client first enables it.
  TrackingState* tracking() const { return tracking_.get(); }
  TrackingState& EnsureTracking();

 private:
  std::unique_ptr<Transaction> transaction_;
  std::unique_ptr<Subscriptions> subscriptions_;
  std::unique_ptr<TrackingState> tracking_;
};

}  // namespace basalt::clients
