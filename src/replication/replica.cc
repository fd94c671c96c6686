#include "replication/replica.h"

#include <spdlog/spdlog.h>

#include "clients/transaction.h"
#include "commands/dispatcher.h"
#include "commands/function_host.h"
#include "commands/service_status.h"
#include "common/strings.h"
#include "persistence/byte_io.h"
#include "persistence/persistence_manager.h"
#include "persistence/rdb_reader.h"
#include "protocol/command_encoder.h"
#include "protocol/reply_parser.h"

namespace basalt::replication {

namespace {
constexpr size_t kEofMarkLen = 40;
// Handshake steps, in order; a step is skipped when it does not apply (AUTH without masterauth).
enum Step { kPing = 0, kAuth, kPort, kIp, kCapa, kDone };

std::vector<std::string> SplitWords(const std::string& line) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < line.size()) {
    const size_t end = std::min(line.find(' ', pos), line.size());
    if (end > pos) words.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return words;
}
}  // namespace

// The primary as a client of this server: its commands run like anyone's, but its writes are
// allowed on a read-only replica and nothing is answered to it.
class Replica::PrimarySession final : public cmd::ClientSession {
 public:
  explicit PrimarySession(Replica& replica) : replica_(replica) {
    authenticated = true;
    is_primary = true;
  }
  std::string peer_address() const override {
    return replica_.host() + ":" + std::to_string(replica_.port());
  }
  // CLIENT KILL TYPE master: the link drops (later in this loop turn, not under the caller)
  // and is made again, continuing where it was.
  void Kill() override { replica_.DropSoon("killed by CLIENT KILL"); }

 private:
  Replica& replica_;
};

void Replica::DropSoon(const std::string& why) {
  post_([this, why, generation = generation_.load()] {
    if (generation == generation_ && state_ == LinkState::kConnected) Drop(why);
  });
}

Replica::Replica(cmd::ServerContext& context, Primary& primary,
                 persistence::PersistenceManager& persistence, PostFn post)
    : context_(context),
      primary_(primary),
      persistence_(persistence),
      post_(std::move(post)),
      session_(std::make_unique<PrimarySession>(*this)),
      discarded_(nullptr) {
  limits_.max_bulk_len = INT64_MAX;  // the primary's stream is trusted to be well formed
  limits_.max_multibulk_len = INT64_MAX;
}

const cmd::ClientSession& Replica::session() const { return *session_; }
cmd::ClientSession& Replica::session() { return *session_; }
int Replica::stream_db() const { return session_->db; }
void Replica::RestoreStreamDb(int db) { session_->db = db; }

Replica::~Replica() {
  ++generation_;  // a load running stops at its next progress check
  for (auto& loader : loaders_) loader->thread.join();
}

void Replica::JoinFinishedLoaders() {
  std::erase_if(loaders_, [](const std::unique_ptr<LoadThread>& loader) {
    if (!loader->finished) return false;
    loader->thread.join();  // it has only to return
    return true;
  });
}

bool Replica::Follow(const std::string& host, int port) {
  if (active() && host == host_ && port == port_) return false;
  if (transport_) transport_->Close();
  ++generation_;
  host_ = host;
  port_ = port;
  context_.keyspace.set_replica_mode(true);
  if (state_ == LinkState::kNone) {
    // Our own history so far is what we offer the new primary to continue (PSYNC2).
    offset_ = parsed_offset_ = primary_.offset();
    EnterFollowing(true);
  }
  if (link_down_since_ms_ < 0) link_down_since_ms_ = NowMs();
  if (context_.loading) context_.loading = false;
  state_ = LinkState::kConnect;
  spdlog::info("Connecting to MASTER {}:{}", host_, port_);
  state_ = LinkState::kConnecting;
  state_since_ms_ = NowMs();
  transport_->Connect(host_, port_);
  return true;
}

void Replica::Unfollow() {
  if (!active()) return;
  if (transport_) transport_->Close();
  ++generation_;
  context_.loading = false;
  state_ = LinkState::kNone;
  in_.clear();
  stream_.clear();
  rdb_.Clear();
  parser_.Reset();
  context_.keyspace.set_replica_mode(false);
  primary_.StopFollowing();
  spdlog::info("MASTER MODE enabled (user request)");
}

void Replica::EnterFollowing(bool keep_backlog) {
  primary_.StartFollowing(sync_ids_.replid.empty() ? primary_.ids() : sync_ids_, offset_,
                          keep_backlog);
}

void Replica::OnConnected() {
  spdlog::info("MASTER <-> REPLICA sync started");
  state_ = LinkState::kHandshake;
  state_since_ms_ = last_io_ms_ = NowMs();
  in_.clear();
  handshake_step_ = kPing;
  Send({"PING"});
}

void Replica::Send(std::initializer_list<std::string_view> argv) {
  std::string out;
  protocol::AppendCommand(out, std::span<const std::string_view>(argv.begin(), argv.size()));
  transport_->Send(out);
}

void Replica::HandshakeReply(const std::string& line, bool is_error) {
  const config::Settings& s = context_.config.settings();
  switch (handshake_step_) {
    case kPing:
      // A primary that wants a password answers PING with NOAUTH: AUTH comes next anyway.
      if (is_error && !line.starts_with("NOAUTH") && !line.starts_with("NOPERM") &&
          !line.starts_with("ERR operation not permitted")) {
        return Drop("Error reply to PING from master: '-" + line + "'");
      }
      if (!s.masterauth.empty()) {
        handshake_step_ = kAuth;
        if (s.masteruser.empty()) return Send({"AUTH", s.masterauth});
        return Send({"AUTH", s.masteruser, s.masterauth});
      }
      [[fallthrough]];
    case kAuth:
      if (handshake_step_ == kAuth && is_error) {
        return Drop("Unable to AUTH to MASTER: -" + line);
      }
      handshake_step_ = kPort;
      // Behind NAT or in a container the primary would list an address that does not reach
      // us: replica-announce-port / -ip give the ones to list.
      return Send({"REPLCONF", "listening-port",
                   std::to_string(s.replica_announce_port != 0 ? s.replica_announce_port
                                                               : context_.tcp_port)});
    case kPort:
      // An old primary may not know REPLCONF: not fatal, as in Redis.
      if (is_error)
        spdlog::info("(Non critical) Master does not understand REPLCONF listening-port");
      if (!s.replica_announce_ip.empty()) {
        handshake_step_ = kIp;
        return Send({"REPLCONF", "ip-address", s.replica_announce_ip});
      }
      [[fallthrough]];
    case kIp:
      if (handshake_step_ == kIp && is_error) {
        spdlog::info("(Non critical) Master does not understand REPLCONF ip-address: -{}", line);
      }
      handshake_step_ = kCapa;
      return Send({"REPLCONF", "capa", "eof", "capa", "psync2"});
    case kCapa:
      handshake_step_ = kDone;
      return SendPsync();
  }
}

void Replica::SendPsync() {
  state_ = LinkState::kPsync;
  // Continue our own history if the primary has it (replid, or its replid2 after a
  // failover); otherwise it answers +FULLRESYNC.
  const ReplicationIds& ids = primary_.ids();
  const std::string next = std::to_string(offset_ + 1);
  spdlog::info("Trying a partial resynchronization (request {}:{}).", ids.replid, next);
  Send({"PSYNC", ids.replid, next});
}

void Replica::OnPsyncReply(const std::string& line) {
  if (line.starts_with("FULLRESYNC")) {
    auto parts = SplitWords(line);
    int64_t offset = 0;
    if (parts.size() != 3 || !ParseInt64(parts[2], &offset)) {
      return Drop("bad +FULLRESYNC reply: " + line);
    }
    sync_ids_ = ReplicationIds{.replid = std::string(parts[1])};
    sync_offset_ = offset;
    spdlog::info("Full resync from master: {}:{}", sync_ids_.replid, offset);
    state_ = LinkState::kTransfer;
    transfer_header_read_ = false;
    transfer_size_ = -1;
    rdb_.Clear();
    return;
  }
  if (line.starts_with("CONTINUE")) {
    auto parts = SplitWords(line);
    ReplicationIds ids = primary_.ids();
    if (parts.size() == 2 && parts[1] != ids.replid) {
      // The primary's history has a new id from here on (it was promoted): ours follows.
      ids.replid2 = ids.replid;
      ids.second_offset = offset_ + 1;
      ids.replid = std::string(parts[1]);
      primary_.DisconnectReplicas();
    }
    sync_ids_ = ids;
    primary_.StartFollowing(ids, offset_, true);
    spdlog::info("Successful partial resynchronization with master.");
    if (context_.service_status) context_.service_status->ReplicaSynced(true);
    state_ = LinkState::kConnected;
    link_down_since_ms_ = -1;
    parsed_offset_ = offset_;
    stream_.append(in_);
    in_.clear();
    return ApplyStream();
  }
  // -NOMASTERLINK, -LOADING and the like: try again later.
  Drop("Unexpected reply to PSYNC from master: " + line);
}

void Replica::OnData(std::string_view bytes) {
  last_io_ms_ = NowMs();
  if (state_ == LinkState::kConnected || state_ == LinkState::kLoading) {
    stream_.append(bytes);
    if (state_ == LinkState::kConnected) ApplyStream();
    return;
  }
  in_.append(bytes);
  while (state_ == LinkState::kHandshake || state_ == LinkState::kPsync) {
    // A primary preparing our snapshot sends newlines to keep the link alive.
    while (!in_.empty() && in_[0] == '\n') in_.erase(0, 1);
    protocol::Reply reply;
    size_t consumed = 0;
    std::string error;
    auto r = protocol::ParseReply(in_, &reply, &consumed, &error);
    if (r == protocol::ReplyParse::kNeedMore) return;
    if (r == protocol::ReplyParse::kError) return Drop("bad reply from master: " + error);
    in_.erase(0, consumed);
    const bool is_error = reply.kind == protocol::Reply::Kind::kError;
    if (state_ == LinkState::kHandshake) {
      HandshakeReply(reply.text, is_error);
    } else {
      OnPsyncReply(is_error ? "-" + reply.text : reply.text);
    }
  }
  if (state_ == LinkState::kTransfer && ReadTransfer()) StartLoading();
}

bool Replica::ReadTransfer() {
  if (!transfer_header_read_) {
    while (!in_.empty() && in_[0] == '\n') in_.erase(0, 1);
    const size_t eol = in_.find("\r\n");
    if (eol == std::string::npos) return false;
    const std::string header = in_.substr(0, eol);
    in_.erase(0, eol + 2);
    if (header.starts_with("$EOF:") && header.size() == 5 + kEofMarkLen) {
      eof_mark_ = header.substr(5);
    } else if (header.starts_with("$") &&
               ParseInt64(std::string_view(header).substr(1), &transfer_size_) &&
               transfer_size_ >= 0) {
      eof_mark_.clear();
    } else {
      Drop("Bad protocol from MASTER, the first byte is not '$': " + header);
      return false;
    }
    transfer_header_read_ = true;
  }
  if (eof_mark_.empty()) {
    const size_t need = static_cast<size_t>(transfer_size_) - rdb_.size();
    const size_t take = std::min(need, in_.size());
    rdb_.Append(std::string_view(in_).substr(0, take));
    in_.erase(0, take);
    return rdb_.size() == static_cast<size_t>(transfer_size_);
  }
  // With EOF framing the primary sends nothing after the mark until we ACK, so the mark ends
  // whatever we have.
  rdb_.Append(in_);
  in_.clear();
  if (!rdb_.EndsWith(eof_mark_)) return false;
  rdb_.DropBack(kEofMarkLen);
  return true;
}

void Replica::StartLoading() {
  spdlog::info("MASTER <-> REPLICA sync: received {} bytes of snapshot; loading", rdb_.size());
  state_ = LinkState::kLoading;
  stream_ = std::move(in_);
  in_.clear();
  const uint64_t generation = ++generation_;
  auto data = std::make_shared<persistence::ChunkedBytes>(std::move(rdb_));
  rdb_.Clear();
  auto staging = context_.keyspace.NewStaging();
  if (context_.config.settings().repl_diskless_load == "disabled") {
    // Memory never holds both datasets; clients wait for the new one (-LOADING).
    context_.keyspace.FlushAll();
    context_.loading = true;
  }
  JoinFinishedLoaders();
  auto& loader = loaders_.emplace_back(std::make_unique<LoadThread>());
  loader->thread = std::thread([this, data = std::move(data), staging = std::move(staging),
                                generation, done = &loader->finished]() mutable {
    RunLoad(std::move(data), std::move(staging), generation, done);
  });
}

// On the load thread. A stale load (the link dropped, REPLICAOF changed, a newer transfer came)
// stops within a progress interval, and frees what it loaded here rather than on the loop.
void Replica::RunLoad(std::shared_ptr<persistence::ChunkedBytes> data,
                      std::shared_ptr<store::Keyspace> staging, uint64_t generation,
                      std::atomic<bool>* done) {
  persistence::ChunkedSource source(*data);
  persistence::RdbLoadOptions options;
  options.skip_expired = false;        // the primary decides expiry and sends DELs
  options.now_ms = staging->now_ms();  // what access records (IDLE, FREQ) count from
  options.reader.progress = [this, generation](uint64_t, uint64_t) {
    return generation == generation_ ? Status::Ok() : Status::Busy("the load is stale");
  };
  persistence::RdbLoadStats stats;
  Status st = persistence::LoadRdb(&source, staging.get(), options, &stats);
  data.reset();
  if (generation != generation_) staging.reset();
  *done = true;
  post_([this, staging = std::move(staging), st, keys = stats.keys_loaded, generation,
         libraries = std::move(stats.function_libraries)] {
    JoinFinishedLoaders();
    if (generation != generation_) return;  // stale: REPLICAOF changed meanwhile, or the link
    OnLoaded(staging, st, keys, libraries);
  });
}

void Replica::OnLoaded(std::shared_ptr<store::Keyspace> staging, const Status& st, uint64_t keys,
                       const std::vector<std::string>& function_libraries) {
  context_.loading = false;
  if (!st.ok()) {
    spdlog::warn("Failed trying to load the MASTER synchronization DB: {}", st.message());
    return Drop("bad snapshot");
  }
  // The primary's libraries replace ours, as its keys do.
  if (context_.functions != nullptr) {
    cmd::ErrorReply error =
        context_.functions->Restore(function_libraries, cmd::RestorePolicy::kFlush);
    if (!error.empty()) {
      spdlog::warn("Failed loading the MASTER's function libraries: {}", error.text);
      return Drop("bad snapshot");
    }
  }
  // The loaded entries must not look pending to a snapshot running on the live keyspace (a
  // BGSAVE begun while they loaded): they did not exist at its start. The loader marked them
  // with the new-entry bit of when it began; if a snapshot flipped it since, they take the
  // current one (a walk over the new data, only in that case).
  const bool bit = context_.keyspace.new_entry_bit();
  if (staging->new_entry_bit() != bit) {
    for (int i = 0; i < staging->db_count(); ++i) {
      staging->db(i).table().ForEach([bit](store::Entry* e) { e->set_snapshot_bit(bit); });
    }
  }
  for (int i = 0; i < context_.keyspace.db_count(); ++i) {
    // Clear() first lets a running snapshot save the old entries it still needs.
    context_.keyspace.db(i).Clear();
    context_.keyspace.db(i).SwapContents(staging->db(i));
  }
  offset_ = parsed_offset_ = sync_offset_;
  EnterFollowing(false);
  // Our replicas held the old dataset: they must sync again.
  primary_.DisconnectReplicas();
  session_->db = 0;
  parser_.Reset();
  state_ = LinkState::kConnected;
  link_down_since_ms_ = -1;
  spdlog::info("MASTER <-> REPLICA sync: Finished with success ({} keys)", keys);
  if (context_.service_status) context_.service_status->ReplicaSynced(false);
  // The first ACK tells the primary we are ready for the stream.
  SendAck();
  if (persistence_.aof_on()) {
    // The AOF must describe the new dataset, not the old one plus a stream.
    std::string ignored;
    persistence_.RewriteAof(&ignored);
  }
  ApplyStream();
}

void Replica::ApplyStream() {
  size_t pos = 0;
  std::string replies;
  discarded_.set_buffer(&replies);
  while (pos < stream_.size() && state_ == LinkState::kConnected) {
    const std::string_view rest = std::string_view(stream_).substr(pos);
    auto r = parser_.Parse(rest);
    if (r == protocol::RequestParser::Result::kNeedMore) break;
    if (r == protocol::RequestParser::Result::kError) {
      return Drop("protocol error in the stream from master: " + parser_.error());
    }
    const size_t n = parser_.consumed();
    if (!parser_.args().empty()) {
      context_.keyspace.set_applying_primary_stream(true);
      context_.dispatcher->Execute(*session_, parser_.args(), discarded_);
      context_.keyspace.set_applying_primary_stream(false);
      replies.clear();
    }
    primary_.FeedVerbatim(rest.substr(0, n));
    parsed_offset_ += static_cast<int64_t>(n);
    // Inside MULTI the queued commands are not applied yet: the offset (what an ACK, a
    // snapshot's repl-offset and the next PSYNC claim) moves only past whole transactions,
    // as Redis's reploff does.
    if (!session_->in_multi()) offset_ = parsed_offset_;
    pos += n;
  }
  stream_.erase(0, pos);
}

void Replica::SendAck() {
  if (state_ != LinkState::kConnected) return;
  last_ack_ms_ = NowMs();
  Send({"REPLCONF", "ACK", std::to_string(offset_)});
}

void Replica::Drop(const std::string& why) {
  spdlog::warn("Replication link to {}:{}: {}", host_, port_, why);
  if (transport_) transport_->Close();
  OnDisconnected(why);
}

void Replica::OnDisconnected(const std::string& why) {
  if (state_ == LinkState::kNone) return;
  if (state_ == LinkState::kConnected) {
    spdlog::info("Connection with master lost ({}).", why);
    link_down_since_ms_ = NowMs();
  }
  if (state_ == LinkState::kLoading) ++generation_;  // the load's result is of no use now
  // A transaction cut by the drop is sent again whole after the PSYNC from offset_ + 1.
  if (clients::Transaction* t = session_->transaction(); t != nullptr && t->in_multi) {
    t->EndMulti();
  }
  parsed_offset_ = offset_;
  context_.loading = false;
  state_ = LinkState::kConnect;
  state_since_ms_ = NowMs();
  in_.clear();
  stream_.clear();
  rdb_.Clear();
  parser_.Reset();
}

void Replica::Cron(int64_t now_ms) {
  const int64_t timeout_ms = context_.config.settings().repl_timeout * 1000;
  switch (state_) {
    case LinkState::kNone:
    case LinkState::kLoading:
      return;
    case LinkState::kConnect:
      // Once a second, as Redis retries.
      if (now_ms - state_since_ms_ < 1000) return;
      state_ = LinkState::kConnecting;
      state_since_ms_ = now_ms;
      transport_->Connect(host_, port_);
      return;
    case LinkState::kConnecting:
    case LinkState::kHandshake:
    case LinkState::kPsync:
      if (now_ms - state_since_ms_ > timeout_ms) Drop("Timeout connecting to the MASTER...");
      return;
    case LinkState::kTransfer:
      if (now_ms - last_io_ms_ > timeout_ms) Drop("Timeout receiving bulk data from MASTER");
      return;
    case LinkState::kConnected:
      if (now_ms - last_io_ms_ > timeout_ms)
        return Drop("MASTER timeout: no data nor PING received");
      if (now_ms - last_ack_ms_ >= 1000) SendAck();
      return;
  }
}

}  // namespace basalt::replication
