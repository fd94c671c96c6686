#include "replication/replication.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "clients/blocking.h"
#include "clients/pause.h"
#include "common/strings.h"
#include "persistence/persistence_manager.h"

namespace basalt::replication {

namespace {

void Field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out += ':';
  out.append(value);
  out += "\r\n";
}

void Field(std::string& out, std::string_view name, int64_t value) {
  Field(out, name, std::to_string(value));
}

const char* RoleState(LinkState s) {
  switch (s) {
    case LinkState::kConnect:
      return "connect";
    case LinkState::kConnecting:
      return "connecting";
    case LinkState::kHandshake:
    case LinkState::kPsync:
      return "handshake";
    case LinkState::kTransfer:
    case LinkState::kLoading:
      return "sync";
    case LinkState::kConnected:
      return "connected";
    case LinkState::kNone:
      break;
  }
  return "none";
}

}  // namespace

Replication::Replication(cmd::ServerContext& context, persistence::PersistenceManager& persistence,
                         PostFn post)
    : context_(context),
      primary_(context, persistence),
      replica_(context, primary_, persistence, std::move(post)) {
  context_.writes.AddConsumer(&primary_);
  primary_.set_on_ack([this] { CheckShutdownWait(context_.clock.NowMs()); });
}

Replication::~Replication() { context_.writes.RemoveConsumer(&primary_); }

Status Replication::StartFromConfig() {
  const std::string& spec = context_.config.settings().replicaof;
  if (spec.empty()) return Status::Ok();
  const size_t space = spec.find(' ');
  int64_t port = 0;
  if (space == std::string::npos || !ParseInt64(spec.substr(space + 1), &port) || port < 0 ||
      port > 65535) {
    return Status::InvalidArgument("replicaof must be \"host port\", not \"" + spec + "\"");
  }
  std::string reply = ReplicaOf(spec.substr(0, space), port);
  if (reply.starts_with("-")) return Status::InvalidArgument(reply.substr(1));
  return Status::Ok();
}

std::optional<persistence::RdbAuxFields::Replication> Replication::SnapshotInfo() const {
  if (replica_.active()) {
    if (!replica_.link_up()) return std::nullopt;
    return persistence::RdbAuxFields::Replication{.stream_db = replica_.stream_db(),
                                                  .repl_id = primary_.ids().replid,
                                                  .offset = replica_.processed_offset()};
  }
  if (primary_.backlog() == nullptr) return std::nullopt;
  return persistence::RdbAuxFields::Replication{.stream_db = std::max(primary_.selected_db(), 0),
                                                .repl_id = primary_.ids().replid,
                                                .offset = primary_.offset()};
}

void Replication::RestoreFromRdb(const std::string& replid, int64_t offset, int stream_db) {
  const bool will_follow = !context_.config.settings().replicaof.empty();
  spdlog::info("Replication history {}:{} restored from the RDB", replid, offset);
  primary_.RestoreHistory(replid, offset, will_follow);
  if (will_follow) replica_.RestoreStreamDb(stream_db);
}

void Replication::Cron(int64_t now_ms) {
  primary_.Cron(now_ms);
  replica_.Cron(now_ms);
  CheckShutdownWait(now_ms);
}

bool Replication::StartShutdownWait(cmd::ClientSession& client, int64_t deadline_ms,
                                    std::function<std::string()> shutdown) {
  const int64_t online = primary_.ReplicasAcked(0);
  if (shutdown_ || online == 0 || primary_.ReplicasAcked(primary_.offset()) == online) {
    return false;
  }
  spdlog::info("Waiting for replicas before shutting down.");
  shutdown_ = ShutdownWait{deadline_ms, primary_.offset(), std::move(shutdown), &client};
  context_.pause.Pause(deadline_ms, /*writes_only=*/true);
  primary_.RequestAcks();
  return true;
}

void Replication::CheckShutdownWait(int64_t now_ms) {
  if (!shutdown_) return;
  const int64_t online = primary_.ReplicasAcked(0);
  const bool caught_up = primary_.ReplicasAcked(shutdown_->offset) == online;
  if (!caught_up && now_ms < shutdown_->deadline_ms) return;
  if (!caught_up) {
    spdlog::warn("{} replica(s) did not catch up before shutdown-timeout",
                 online - primary_.ReplicasAcked(shutdown_->offset));
  }
  ShutdownWait wait = std::move(*shutdown_);
  shutdown_.reset();
  std::string error = wait.shutdown();
  // No error: the server is on its way out, and the client gets no reply, as in Redis.
  if (!error.empty()) FailShutdownWait(wait.client, std::move(error));
}

bool Replication::AbortShutdownWait() {
  if (!shutdown_) return false;
  cmd::ClientSession* client = shutdown_->client;
  shutdown_.reset();
  FailShutdownWait(client, "ERR Errors trying to SHUTDOWN. Check logs.");
  return true;
}

void Replication::FailShutdownWait(cmd::ClientSession* client, std::string error) {
  context_.pause.Unpause();
  shutdown_error_ = std::move(error);
  if (client != nullptr) context_.blocked.End(*client, clients::WaitEnd::kEvent);
}

std::string Replication::Replconf(cmd::ClientSession& client, std::string_view option,
                                  std::string_view value, bool* silent) {
  if (EqualsIgnoreCase(option, "getack") && IsPrimaryLink(client)) {
    *silent = true;
    replica_.SendAck();
    return {};
  }
  return primary_.Replconf(client, option, value, silent);
}

std::string Replication::Psync(cmd::ClientSession& client, std::string_view replid, int64_t offset,
                               bool legacy) {
  if (IsPrimaryLink(client)) return "ERR Replica can't interact with the keyspace";
  // A replica serves sub-replicas only from a live stream of its own.
  if (replica_.active() && !replica_.link_up()) {
    return "NOMASTERLINK Can't SYNC while not connected with my master";
  }
  primary_.Psync(client, replid, offset, legacy);
  return {};
}

std::string Replication::ReplicaOf(std::string_view host, int64_t port) {
  if (host.empty()) {
    replica_.Unfollow();
    return "+OK";
  }
  if (transport_ == nullptr) return "-ERR replication needs the network server";
  if (!replica_.Follow(std::string(host), static_cast<int>(port))) {
    return "+OK Already connected to specified master";
  }
  spdlog::info("REPLICAOF {}:{} enabled (user request from 'id=...')", host, port);
  return "+OK";
}

bool Replication::stale() const {
  return replica_.active() && !replica_.link_up() &&
         !context_.config.settings().replica_serve_stale_data;
}

std::string Replication::NoReplicasRefusal() const {
  const config::Settings& s = context_.config.settings();
  if (s.min_replicas_to_write <= 0 || s.min_replicas_max_lag <= 0 || replica_.active()) return {};
  if (primary_.GoodReplicas() >= s.min_replicas_to_write) return {};
  return "NOREPLICAS Not enough good replicas to write.";
}

void Replication::AppendReplicaFields(std::string& out) const {
  const int64_t now = context_.clock.NowMs();
  const bool transfer = replica_.state() == LinkState::kTransfer;
  Field(out, "master_host", replica_.host());
  Field(out, "master_port", replica_.port());
  Field(out, "master_link_status", replica_.link_up() ? "up" : "down");
  Field(out, "master_last_io_seconds_ago",
        replica_.link_up() ? (now - replica_.last_io_ms()) / 1000 : -1);
  Field(out, "master_sync_in_progress", transfer ? 1 : 0);
  Field(out, "slave_read_repl_offset", replica_.read_offset());
  Field(out, "slave_repl_offset", replica_.processed_offset());
  if (transfer) {
    const int64_t total = replica_.transfer_size();
    const int64_t read = replica_.transfer_read();
    Field(out, "master_sync_total_bytes", total);
    Field(out, "master_sync_read_bytes", read);
    Field(out, "master_sync_left_bytes", total - read);
    char perc[32];
    std::snprintf(perc, sizeof(perc), "%.2f", total > 0 ? 100.0 * read / total : 0.0);
    Field(out, "master_sync_perc", perc);
    Field(out, "master_sync_last_io_seconds_ago", (now - replica_.last_io_ms()) / 1000);
  }
  if (!replica_.link_up()) {
    const int64_t since = replica_.link_down_since_ms();
    Field(out, "master_link_down_since_seconds", since < 0 ? -1 : (now - since) / 1000);
  }
  const config::Settings& s = context_.config.settings();
  Field(out, "slave_priority", s.replica_priority);
  Field(out, "slave_read_only", s.replica_read_only ? 1 : 0);
  Field(out, "replica_announced", s.replica_announced ? 1 : 0);
}

void Replication::AppendInfoFields(std::string& out) const {
  const config::Settings& s = context_.config.settings();
  Field(out, "role", replica_.active() ? "slave" : "master");
  if (replica_.active()) AppendReplicaFields(out);
  Field(out, "connected_slaves", static_cast<int64_t>(primary_.replica_count()));
  if (s.min_replicas_to_write > 0 && s.min_replicas_max_lag > 0) {
    Field(out, "min_slaves_good_slaves", primary_.GoodReplicas());
  }
  out += primary_.ReplicaInfoLines();
  Field(out, "master_failover_state", "no-failover");
  const ReplicationIds& ids = primary_.ids();
  Field(out, "master_replid", ids.replid);
  Field(out, "master_replid2", ids.replid2);
  Field(out, "master_repl_offset", primary_.offset());
  Field(out, "second_repl_offset", ids.second_offset);
  const Backlog* backlog = primary_.backlog();
  Field(out, "repl_backlog_active", backlog ? 1 : 0);
  Field(out, "repl_backlog_size", s.repl_backlog_size);
  Field(out, "repl_backlog_first_byte_offset", backlog ? backlog->first_offset() : 0);
  Field(out, "repl_backlog_histlen", backlog ? static_cast<int64_t>(backlog->histlen()) : 0);
}

void Replication::Role(protocol::ReplyWriter& reply) const {
  if (replica_.active()) {
    reply.ArrayHeader(5);
    reply.Bulk("slave");
    reply.Bulk(replica_.host());
    reply.Integer(replica_.port());
    reply.Bulk(RoleState(replica_.state()));
    reply.Integer(replica_.link_up() ? replica_.processed_offset() : -1);
    return;
  }
  reply.ArrayHeader(3);
  reply.Bulk("master");
  reply.Integer(primary_.offset());
  std::vector<const ReplicaLinkInfo*> online;
  primary_.ForEachReplica([&](const ReplicaLinkInfo& r) {
    if (r.state == ReplicaState::kOnline) online.push_back(&r);
  });
  reply.ArrayHeader(online.size());
  for (const ReplicaLinkInfo* r : online) {
    reply.ArrayHeader(3);
    reply.Bulk(ReplicaIp(*r));
    reply.Bulk(std::to_string(r->listening_port));
    reply.Bulk(std::to_string(r->ack_offset));
  }
}

}  // namespace basalt::replication
