#include "replication/primary.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "clients/blocking.h"
#include "common/strings.h"
#include "persistence/persistence_manager.h"
#include "replication/full_sync.h"

namespace basalt::replication {

namespace {

// A full sync's walk pauses while a replica holds this much unsent snapshot, so a slow replica
// costs a bounded buffer rather than a copy of the dataset.
constexpr size_t kSyncThrottleBytes = 8 * 1024 * 1024;

constexpr std::string_view kGetAck = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
constexpr std::string_view kPing = "*1\r\n$4\r\nPING\r\n";

const char* StateName(ReplicaState s) {
  switch (s) {
    case ReplicaState::kHandshake:
      return "handshake";
    case ReplicaState::kWaitSnapshot:
      return "wait_bgsave";
    case ReplicaState::kSyncing:
      return "send_bulk";
    case ReplicaState::kWaitFirstAck:
    case ReplicaState::kOnline:
      return "online";
    case ReplicaState::kClosed:
      return "closed";
  }
  return "?";
}

}  // namespace

std::string ReplicaIp(const ReplicaLinkInfo& r) {
  if (!r.ip_address.empty()) return r.ip_address;
  std::string ip = r.client->peer_address();
  if (auto colon = ip.rfind(':'); colon != std::string::npos) ip.resize(colon);
  return ip;
}

Primary::Primary(cmd::ServerContext& context, persistence::PersistenceManager& persistence)
    : context_(context), persistence_(persistence) {
  ids_.replid = RandomHex(40);
  context_.config.OnChange("repl-backlog-size", [this] {
    if (backlog_) backlog_->Resize(context_.config.settings().repl_backlog_size);
  });
}

Primary::~Primary() = default;

bool Primary::Consume(const cmd::WriteUnit& unit) {
  if (!accepting()) return false;
  if (unit.start_db != selected_db_) {
    std::string select;
    cmd::AppendSelect(select, unit.start_db);
    FeedStream(select);
  }
  FeedStream(unit.resp);
  selected_db_ = unit.end_db;
  return false;
}

void Primary::FeedStream(std::string_view bytes) {
  DeliveryScope scope(*this);
  backlog_->Append(bytes);
  const int64_t hard_limit = context_.config.settings().output_limit_replica.hard_bytes;
  for (auto& [id, r] : replicas_) {
    if (r->state == ReplicaState::kOnline) {
      r->client->Deliver(bytes);
    } else if (r->state == ReplicaState::kSyncing || r->state == ReplicaState::kWaitFirstAck) {
      // What waits behind a snapshot counts against the replica's output limit, as in Redis:
      // a sync that cannot keep up with the writes starts over rather than grow without end.
      r->pending.append(bytes);
      if (hard_limit > 0 && static_cast<int64_t>(r->pending.size()) > hard_limit) {
        spdlog::warn(
            "Replica {} dropped: the writes waiting behind its snapshot passed the "
            "replica output buffer limit",
            r->client->peer_address());
        std::string().swap(r->pending);
        r->client->Kill();
      }
    }
  }
}

void Primary::FeedVerbatim(std::string_view bytes) {
  if (backlog_ == nullptr) EnsureBacklog();
  FeedStream(bytes);
}

ReplicaLinkInfo& Primary::Info(cmd::ClientSession& client) {
  auto& slot = replicas_[client.id];
  if (!slot) {
    slot = std::make_unique<ReplicaLinkInfo>();
    slot->client = &client;
  }
  return *slot;
}

ReplicaLinkInfo* Primary::Find(const cmd::ClientSession& client) {
  auto it = replicas_.find(client.id);
  return it == replicas_.end() ? nullptr : it->second.get();
}

std::string Primary::Replconf(cmd::ClientSession& client, std::string_view option,
                              std::string_view value, bool* silent) {
  if (EqualsIgnoreCase(option, "ack")) {
    *silent = true;
    int64_t offset;
    if (ParseInt64(value, &offset)) OnAck(client, offset);
    return {};
  }
  if (EqualsIgnoreCase(option, "getack")) {
    *silent = true;  // only a replica answers it, and only to its primary
    return {};
  }
  if (EqualsIgnoreCase(option, "listening-port")) {
    int64_t port;
    if (!ParseInt64(value, &port)) return "ERR value is not an integer or out of range";
    Info(client).listening_port = port;
  } else if (EqualsIgnoreCase(option, "ip-address")) {
    Info(client).ip_address = std::string(value);
  } else if (EqualsIgnoreCase(option, "capa")) {
    if (EqualsIgnoreCase(value, "eof")) Info(client).capa_eof = true;
    if (EqualsIgnoreCase(value, "psync2")) Info(client).capa_psync2 = true;
  } else if (EqualsIgnoreCase(option, "rdb-only")) {
    int64_t flag;
    if (!ParseInt64(value, &flag) || (flag != 0 && flag != 1)) {
      return "ERR value is not an integer or out of range";
    }
    Info(client).rdb_only = flag == 1;
  } else if (EqualsIgnoreCase(option, "rdb-filter-only")) {
    return SetRdbFilter(Info(client), value);
  } else {
    return "ERR Unrecognized REPLCONF option: " + std::string(option);
  }
  return {};
}

std::string Primary::SetRdbFilter(ReplicaLinkInfo& r, std::string_view filters) {
  r.rdb_filtered = true;
  r.rdb_functions = false;
  size_t i = filters.find_first_not_of(' ');
  while (i != std::string_view::npos) {
    const size_t end = std::min(filters.find(' ', i), filters.size());
    const std::string_view filter = filters.substr(i, end - i);
    if (!EqualsIgnoreCase(filter, "functions")) {
      return "ERR Unsupported rdb-filter-only option: " + std::string(filter);
    }
    r.rdb_functions = true;
    i = filters.find_first_not_of(' ', end);
  }
  return {};
}

void Primary::OnAck(cmd::ClientSession& client, int64_t offset) {
  ReplicaLinkInfo* r = Find(client);
  if (r == nullptr || !client.is_replica) return;
  r->ack_offset = std::max(r->ack_offset, offset);
  r->ack_ms = NowMs();
  if (r->state == ReplicaState::kWaitFirstAck) {
    // It loaded the snapshot: the writes made since it began follow now.
    r->client->Deliver(r->pending);
    std::string().swap(r->pending);
    r->state = ReplicaState::kOnline;
  }
  WakeSatisfiedWaiters();
  if (on_ack_) on_ack_();
}

void Primary::EnsureBacklog() {
  if (backlog_) return;
  // A new history begins: replicas of an earlier one (before the backlog was freed) must not
  // take it for theirs, so it gets a new id, as Redis does.
  if (!following_) {
    ids_.replid = RandomHex(40);
    ids_.replid2 = std::string(40, '0');
    ids_.second_offset = -1;
  }
  backlog_ = std::make_unique<Backlog>(context_.config.settings().repl_backlog_size, base_offset_);
  selected_db_ = -1;
}

void Primary::Psync(cmd::ClientSession& client, std::string_view replid, int64_t offset,
                    bool legacy) {
  if (client.is_replica) return;  // a second PSYNC on a replica link is ignored, as in Redis
  ReplicaLinkInfo& r = Info(client);
  client.is_replica = true;
  r.legacy = legacy;
  r.ack_ms = NowMs();
  no_replicas_since_ms_ = -1;
  if (!legacy && TryContinue(r, replid, offset)) {
    ++context_.stats.sync_partial_ok;
    return;
  }
  if (!legacy && replid != "?") ++context_.stats.sync_partial_err;
  ++context_.stats.sync_full;
  EnsureBacklog();
  spdlog::info("Replica {} asks for synchronization; full resync ({})", client.peer_address(),
               legacy ? "SYNC" : "PSYNC " + std::string(replid) + " " + std::to_string(offset));
  r.state = ReplicaState::kWaitSnapshot;
  if (first_waiting_ms_ < 0) first_waiting_ms_ = NowMs();
  StartFullSyncIfDue(NowMs());
}

bool Primary::TryContinue(ReplicaLinkInfo& r, std::string_view replid, int64_t offset) {
  const bool same_history =
      replid == ids_.replid || (replid == ids_.replid2 && offset <= ids_.second_offset);
  if (!same_history || backlog_ == nullptr || !backlog_->Covers(offset)) return false;
  r.state = ReplicaState::kOnline;
  r.client->Deliver(r.capa_psync2 ? "+CONTINUE " + ids_.replid + "\r\n" : "+CONTINUE\r\n");
  std::string missing;
  backlog_->CopyFrom(offset, missing);
  r.client->Deliver(missing);
  spdlog::info("Partial resynchronization accepted for replica {}: {} bytes from offset {}",
               r.client->peer_address(), missing.size(), offset);
  return true;
}

void Primary::StartFullSyncIfDue(int64_t now_ms) {
  ServeFilteredSyncs();
  if (sync_ || persistence_.job_running()) return;
  std::vector<ReplicaLinkInfo*> waiting;
  for (auto& [id, r] : replicas_) {
    if (r->state == ReplicaState::kWaitSnapshot) waiting.push_back(r.get());
  }
  if (waiting.empty()) {
    first_waiting_ms_ = -1;
    return;
  }
  const config::Settings& s = context_.config.settings();
  const int64_t delay_ms = s.repl_diskless_sync ? s.repl_diskless_sync_delay * 1000 : 0;
  const bool enough = s.repl_diskless_sync_max_replicas > 0 &&
                      static_cast<int64_t>(waiting.size()) >= s.repl_diskless_sync_max_replicas;
  if (delay_ms > 0 && now_ms - first_waiting_ms_ < delay_ms && !enough) return;
  DeliveryScope scope(*this);
  std::vector<FullSync::Target> targets;
  const std::string fullresync =
      "+FULLRESYNC " + ids_.replid + " " + std::to_string(offset()) + "\r\n";
  for (ReplicaLinkInfo* r : waiting) {
    targets.push_back({r->client, r->capa_eof && s.repl_diskless_sync});
    r->state = ReplicaState::kSyncing;
    r->pending.clear();
    if (!r->legacy) r->client->Deliver(fullresync);
  }
  first_waiting_ms_ = -1;
  // The stream after the snapshot selects its database anew, whatever the replica had.
  selected_db_ = -1;
  sync_ = std::make_unique<FullSync>(std::move(targets));
  sync_->Begin();
  persistence::RdbAuxFields::Replication aux{
      .stream_db = 0, .repl_id = ids_.replid, .offset = offset()};
  Status st = persistence_.StartStreamSnapshot(
      sync_.get(), aux, [this] { return SyncThrottled(); },
      [this](const Status& done) { OnFullSyncDone(done); });
  spdlog::info("Starting a full sync for {} replica(s) at offset {}", waiting.size(), offset());
  if (!st.ok()) OnFullSyncDone(st);
}

void Primary::ServeFilteredSyncs() {
  std::vector<ReplicaLinkInfo*> filtered;
  for (auto& [id, r] : replicas_) {
    if (r->state == ReplicaState::kWaitSnapshot && r->rdb_filtered) filtered.push_back(r.get());
  }
  if (filtered.empty()) return;
  DeliveryScope scope(*this);
  const bool diskless = context_.config.settings().repl_diskless_sync;
  persistence::RdbAuxFields::Replication aux{
      .stream_db = 0, .repl_id = ids_.replid, .offset = offset()};
  selected_db_ = -1;
  for (ReplicaLinkInfo* r : filtered) {
    // No keys: the snapshot is a header (and the libraries), written at once, not walked.
    r->state = ReplicaState::kSyncing;
    r->pending.clear();
    if (!r->legacy) {
      r->client->Deliver("+FULLRESYNC " + ids_.replid + " " + std::to_string(offset()) + "\r\n");
    }
    FullSync sync({{r->client, r->capa_eof && diskless}});
    sync.Begin();
    Status st = persistence_.WriteKeylessSnapshot(&sync, aux, r->rdb_functions);
    if (!st.ok()) {
      spdlog::warn("Filtered full sync failed: {}", st.message());
      r->client->Kill();
      continue;
    }
    sync.Finish();
    spdlog::info("Full sync without keys ({}) sent to {}",
                 r->rdb_functions ? "functions only" : "empty", r->client->peer_address());
    AfterSnapshot(*r, sync.targets().front().eof_framing);
  }
}

void Primary::AfterSnapshot(ReplicaLinkInfo& r, bool eof_framing) {
  if (r.rdb_only) {
    // redis-cli --rdb and the like want the file only.
    r.client->Kill();
    return;
  }
  r.ack_ms = NowMs();
  if (eof_framing) {
    // The writes since the snapshot wait for its first REPLCONF ACK, as in Redis: a reader of
    // EOF framing knows the transfer ended only if the mark is the last thing it has read.
    // redis-cli --replica (SYNC, capa eof) missed the mark, and so every later command, when
    // the stream's first bytes came in the same read.
    r.state = ReplicaState::kWaitFirstAck;
    return;
  }
  r.client->Deliver(r.pending);
  std::string().swap(r.pending);
  r.state = ReplicaState::kOnline;
}

void Primary::OnFullSyncDone(const Status& st) {
  DeliveryScope scope(*this);
  std::unique_ptr<FullSync> sync = std::move(sync_);
  if (!st.ok()) {
    spdlog::warn("Full sync failed: {}", st.message());
    for (const FullSync::Target& t : sync->targets()) t.client->Kill();
    return;
  }
  sync->Finish();
  spdlog::info("Full sync of {} bytes sent to {} replica(s)", sync->bytes_written(),
               sync->targets().size());
  for (const FullSync::Target& t : sync->targets()) {
    if (ReplicaLinkInfo* r = Find(*t.client)) AfterSnapshot(*r, t.eof_framing);
  }
  StartFullSyncIfDue(NowMs());  // replicas that asked meanwhile
}

bool Primary::SyncThrottled() const {
  return sync_ != nullptr && sync_->largest_backlog() > kSyncThrottleBytes;
}

void Primary::OnClientClose(cmd::ClientSession& client) {
  ForgetWaiter(client);
  auto it = replicas_.find(client.id);
  if (it == replicas_.end()) return;
  if (delivering_ > 0) {
    // A Deliver in one of our loops over replicas_ closed it (output limit): forget it once
    // the loop is over; its connection object lives until then.
    closed_while_delivering_.push_back(&client);
    it->second->state = ReplicaState::kClosed;
    return;
  }
  if (client.is_replica) {
    spdlog::info("Connection with replica {} lost.", client.peer_address());
  }
  if (sync_) {
    sync_->Drop(client);
    if (sync_->empty()) {
      persistence_.AbortStreamSnapshot();
      sync_.reset();
    }
  }
  replicas_.erase(it);
  if (replica_count() == 0 && no_replicas_since_ms_ < 0) no_replicas_since_ms_ = NowMs();
}

Primary::DeliveryScope::~DeliveryScope() {
  if (--primary_.delivering_ > 0) return;
  std::vector<cmd::ClientSession*> closed;
  closed.swap(primary_.closed_while_delivering_);
  for (cmd::ClientSession* c : closed) primary_.OnClientClose(*c);
}

size_t Primary::replica_count() const {
  return std::count_if(replicas_.begin(), replicas_.end(),
                       [](const auto& kv) { return kv.second->client->is_replica; });
}

int64_t Primary::ReplicasAcked(int64_t offset) const {
  int64_t n = 0;
  for (const auto& [id, r] : replicas_) {
    if (r->state == ReplicaState::kOnline && r->ack_offset >= offset) ++n;
  }
  return n;
}

int64_t Primary::GoodReplicas() const {
  const int64_t max_lag_ms = context_.config.settings().min_replicas_max_lag * 1000;
  const int64_t now = NowMs();
  int64_t n = 0;
  for (const auto& [id, r] : replicas_) {
    if (r->state == ReplicaState::kOnline && now - r->ack_ms <= max_lag_ms) ++n;
  }
  return n;
}

void Primary::WaitForAcks(cmd::ClientSession& client, int64_t offset, int64_t wanted) {
  waiters_.push_back({&client, offset, wanted});
  RequestAcks();
}

void Primary::ForgetWaiter(cmd::ClientSession& client) {
  std::erase_if(waiters_, [&](const AckWaiter& w) { return w.client == &client; });
}

void Primary::WakeSatisfiedWaiters() {
  std::vector<cmd::ClientSession*> done;
  for (const AckWaiter& w : waiters_) {
    if (ReplicasAcked(w.offset) >= w.wanted) done.push_back(w.client);
  }
  // Ending a wait runs its resume, which forgets the waiter: not while iterating.
  for (cmd::ClientSession* c : done) context_.blocked.End(*c, clients::WaitEnd::kEvent);
}

void Primary::EndOfTurn() {
  if (!getack_requested_) return;
  getack_requested_ = false;
  if (backlog_ == nullptr || following_ || replica_count() == 0) return;
  FeedStream(kGetAck);
}

void Primary::Cron(int64_t now_ms) {
  const config::Settings& s = context_.config.settings();
  if (backlog_ && !following_ && replica_count() > 0 &&
      now_ms - last_ping_ms_ >= s.repl_ping_replica_period * 1000) {
    last_ping_ms_ = now_ms;
    FeedStream(kPing);
  }
  std::vector<cmd::ClientSession*> timed_out;
  DeliveryScope scope(*this);
  for (auto& [id, r] : replicas_) {
    // A newline keeps a replica waiting for its snapshot from timing out (it skips them).
    if (r->state == ReplicaState::kWaitSnapshot) r->client->Deliver("\n");
    if (r->state == ReplicaState::kOnline && !r->legacy &&
        now_ms - r->ack_ms > s.repl_timeout * 1000) {
      timed_out.push_back(r->client);
    }
  }
  for (cmd::ClientSession* c : timed_out) {
    spdlog::warn("Disconnecting timedout replica {}", c->peer_address());
    c->Kill();
  }
  if (backlog_ && !following_ && no_replicas_since_ms_ >= 0 && s.repl_backlog_ttl > 0 &&
      now_ms - no_replicas_since_ms_ > s.repl_backlog_ttl * 1000) {
    spdlog::info("Replication backlog freed after {} seconds without connected replicas.",
                 s.repl_backlog_ttl);
    base_offset_ = backlog_->offset();
    backlog_.reset();
  }
  StartFullSyncIfDue(now_ms);
}

void Primary::StartFollowing(const ReplicationIds& ids, int64_t offset, bool keep_backlog) {
  following_ = true;
  ids_ = ids;
  if (!keep_backlog || backlog_ == nullptr || backlog_->offset() != offset) {
    base_offset_ = offset;
    backlog_ = std::make_unique<Backlog>(context_.config.settings().repl_backlog_size, offset);
  }
}

void Primary::StopFollowing() {
  if (!following_) return;
  following_ = false;
  // PSYNC2: the history so far stays valid under its old id up to here.
  ids_.replid2 = ids_.replid;
  ids_.second_offset = offset() + 1;
  ids_.replid = RandomHex(40);
  selected_db_ = -1;
}

void Primary::RestoreHistory(const std::string& replid, int64_t offset, bool will_follow) {
  base_offset_ = offset;
  backlog_.reset();
  if (will_follow) {
    ids_ = ReplicationIds{.replid = replid};
    return;
  }
  ids_.replid2 = replid;
  ids_.second_offset = offset + 1;
  ids_.replid = RandomHex(40);
  // The backlog starts empty at `offset`: a replica that was in sync continues with nothing
  // missing, one that was behind syncs in full.
  backlog_ = std::make_unique<Backlog>(context_.config.settings().repl_backlog_size, offset);
  selected_db_ = -1;
  no_replicas_since_ms_ = NowMs();
}

void Primary::DisconnectReplicas() {
  for (auto& [id, r] : replicas_) {
    if (r->client->is_replica) r->client->Kill();
  }
}

std::string Primary::ReplicaInfoLines() const {
  std::string out;
  int i = 0;
  const int64_t now = NowMs();
  for (const auto& [id, r] : replicas_) {
    if (!r->client->is_replica) continue;
    out += "slave" + std::to_string(i++) + ":ip=" + ReplicaIp(*r) +
           ",port=" + std::to_string(r->listening_port) + ",state=" + StateName(r->state) +
           ",offset=" + std::to_string(r->ack_offset) +
           ",lag=" + std::to_string((now - r->ack_ms) / 1000) + "\r\n";
  }
  return out;
}

}  // namespace basalt::replication
