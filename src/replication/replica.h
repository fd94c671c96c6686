// The replica side: following a primary (REPLICAOF host port, or replicaof in the config).
//
// A state machine with no sockets: the server's network half (server/primary_link.h) connects,
// hands every byte it reads to OnData() and sends what Transport::Send() gets. The steps are
// Redis 7.0's handshake, one request at a time:
//   PING -> [AUTH masteruser masterauth] -> REPLCONF listening-port -> REPLCONF capa eof capa
//   psync2 -> PSYNC <replid> <offset+1> (or PSYNC ? -1 the first time)
// then either +CONTINUE (the stream goes on from our offset) or +FULLRESYNC <replid> <offset>
// and an RDB ($EOF:<mark> streamed, or $<len>). The RDB is loaded on a thread into a keyspace
// of its own while the old data keeps answering (repl-diskless-load swapdb) and swapped in
// when complete; with repl-diskless-load disabled the old data is dropped first, so memory
// never holds both, and clients get -LOADING meanwhile.
//
// The stream is then run through the dispatcher as commands of a session that stands for the
// primary (writes allowed on a read-only replica, replies dropped), counted byte by byte into
// the replication offset, and passed on verbatim to our own replicas (Primary::FeedVerbatim).
// REPLCONF ACK <offset> goes back every second and on REPLCONF GETACK.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "commands/command.h"
#include "persistence/byte_io.h"
#include "protocol/reply_writer.h"
#include "protocol/request_parser.h"
#include "replication/primary.h"

namespace basalt::replication {

// The network half, implemented by the server.
class Transport {
 public:
  virtual ~Transport() = default;
  // Connects (asynchronously); the outcome comes back as OnConnected() or OnDisconnected().
  virtual void Connect(const std::string& host, int port) = 0;
  virtual void Send(std::string_view bytes) = 0;
  // Drops the connection; no callback follows.
  virtual void Close() = 0;
};

enum class LinkState {
  kNone,        // not a replica
  kConnect,     // must connect (again)
  kConnecting,  // TCP connect in progress
  kHandshake,   // PING ... REPLCONF exchanges
  kPsync,       // PSYNC sent, waiting for +FULLRESYNC / +CONTINUE
  kTransfer,    // receiving the RDB
  kLoading,     // loading the RDB
  kConnected,   // applying the stream
};

using PostFn = std::function<void(std::function<void()>)>;

class Replica {
 public:
  Replica(cmd::ServerContext& context, Primary& primary,
          persistence::PersistenceManager& persistence, PostFn post);
  ~Replica();

  void set_transport(Transport* transport) { transport_ = transport; }

  // REPLICAOF host port: false when already following exactly that primary.
  bool Follow(const std::string& host, int port);
  // REPLICAOF NO ONE.
  void Unfollow();

  // From the network half.
  void OnConnected();
  void OnData(std::string_view bytes);
  void OnDisconnected(const std::string& why);

  // Once per cron: reconnects, ACKs, timeouts.
  void Cron(int64_t now_ms);
  // REPLCONF GETACK from the primary: an ACK goes back at once.
  void SendAck();

  LinkState state() const { return state_; }
  bool active() const { return state_ != LinkState::kNone; }
  bool link_up() const { return state_ == LinkState::kConnected; }
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  const cmd::ClientSession& session() const;
  cmd::ClientSession& session();
  // Drops the link from outside the stream's processing (CLIENT KILL TYPE master).
  void DropSoon(const std::string& why);
  int64_t last_io_ms() const { return last_io_ms_; }
  int64_t link_down_since_ms() const { return link_down_since_ms_; }
  int64_t transfer_size() const { return transfer_size_; }
  int64_t transfer_read() const { return static_cast<int64_t>(rdb_.size()); }
  // The offset reached: bytes of the stream read (read) and applied (processed).
  int64_t read_offset() const { return parsed_offset_ + static_cast<int64_t>(stream_.size()); }
  // The database the primary's stream has selected (a snapshot's repl-stream-db).
  int stream_db() const;
  // After loading an RDB that a replica saved: where its stream was, to PSYNC from there.
  void RestoreStreamDb(int db);
  int64_t processed_offset() const { return offset_; }

 private:
  class PrimarySession;

  void Send(std::initializer_list<std::string_view> argv);
  void StartHandshake();
  void HandshakeReply(const std::string& line, bool is_error);
  void SendPsync();
  void OnPsyncReply(const std::string& line);
  // Reads the RDB's header and payload out of `in_`; returns true once the RDB is complete.
  bool ReadTransfer();
  void StartLoading();
  void RunLoad(std::shared_ptr<persistence::ChunkedBytes> data,
               std::shared_ptr<store::Keyspace> staging, uint64_t generation,
               std::atomic<bool>* done);
  void OnLoaded(std::shared_ptr<store::Keyspace> staging, const Status& st, uint64_t keys,
                const std::vector<std::string>& function_libraries);
  void ApplyStream();
  void Drop(const std::string& why);
  void EnterFollowing(bool keep_backlog);
  int64_t NowMs() const { return context_.clock.NowMs(); }

  cmd::ServerContext& context_;
  Primary& primary_;
  persistence::PersistenceManager& persistence_;
  PostFn post_;
  Transport* transport_ = nullptr;
  std::unique_ptr<PrimarySession> session_;
  protocol::ReplyWriter discarded_;
  protocol::ParserLimits limits_;
  protocol::RequestParser parser_{&limits_};

  LinkState state_ = LinkState::kNone;
  std::string host_;
  int port_ = 0;
  int handshake_step_ = 0;
  std::string in_;                 // bytes read and not yet consumed (handshake, transfer)
  std::string stream_;             // stream bytes read and not yet applied
  persistence::ChunkedBytes rdb_;  // the snapshot received so far
  int64_t transfer_size_ = -1;     // $<len> framing; -1 with $EOF framing or before the header
  std::string eof_mark_;
  bool transfer_header_read_ = false;
  ReplicationIds sync_ids_;  // from +FULLRESYNC
  int64_t sync_offset_ = 0;
  int64_t offset_ = 0;         // replication offset of the last applied byte
  int64_t parsed_offset_ = 0;  // ... of the last byte parsed (ahead inside MULTI)
  int64_t last_io_ms_ = 0;
  int64_t state_since_ms_ = 0;
  int64_t link_down_since_ms_ = -1;
  int64_t last_ack_ms_ = 0;
  // Tells a stale load from the current one; a load that finds itself stale stops (its
  // thread reads this, hence atomic).
  std::atomic<uint64_t> generation_ = 0;
  // Load threads, the current one and stale ones still stopping. They are joined only once
  // finished: a stale load may hold gigabytes to free, and the loop must not wait for that.
  struct LoadThread {
    std::thread thread;
    std::atomic<bool> finished = false;
  };
  std::vector<std::unique_ptr<LoadThread>> loaders_;
  void JoinFinishedLoaders();
};

}  // namespace basalt::replication
