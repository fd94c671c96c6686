// Replication as the commands and the engine see it: this server's primary side (replicas
// attached to it) and replica side (the primary it follows), behind cmd::ReplicationControl.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "commands/replication_control.h"
#include "persistence/rdb_writer.h"
#include "replication/primary.h"
#include "replication/replica.h"

namespace basalt::replication {

class Replication final : public cmd::ReplicationControl {
 public:
  Replication(cmd::ServerContext& context, persistence::PersistenceManager& persistence,
              PostFn post);
  ~Replication() override;

  Primary& primary() { return primary_; }
  Replica& replica() { return replica_; }
  // The network half for following a primary (absent in the embedded engine: REPLICAOF fails).
  void set_transport(Transport* transport) {
    transport_ = transport;
    replica_.set_transport(transport);
  }
  // After the dataset is loaded: follows the configured `replicaof`, if any.
  Status StartFromConfig();
  // What an RDB saved now records of the replication stream (Redis's repl-id, repl-offset and
  // repl-stream-db aux fields), or nothing when there is no stream to continue.
  std::optional<persistence::RdbAuxFields::Replication> SnapshotInfo() const;
  // After loading an RDB with those fields: continue that history (see Primary).
  void RestoreFromRdb(const std::string& replid, int64_t offset, int stream_db);

  void OnClientClose(cmd::ClientSession& client) {
    if (shutdown_ && shutdown_->client == &client) shutdown_->client = nullptr;
    primary_.OnClientClose(client);
  }
  void Cron(int64_t now_ms);
  void EndOfTurn() { primary_.EndOfTurn(); }

  // cmd::ReplicationControl
  std::string Replconf(cmd::ClientSession& client, std::string_view option, std::string_view value,
                       bool* silent) override;
  std::string Psync(cmd::ClientSession& client, std::string_view replid, int64_t offset,
                    bool legacy) override;
  int64_t offset() const override { return primary_.offset(); }
  int64_t ReplicasAcked(int64_t offset) const override { return primary_.ReplicasAcked(offset); }
  void WaitForAcks(cmd::ClientSession& client, int64_t offset, int64_t wanted) override {
    primary_.WaitForAcks(client, offset, wanted);
  }
  void ForgetWaiter(cmd::ClientSession& client) override { primary_.ForgetWaiter(client); }
  bool StartShutdownWait(cmd::ClientSession& client, int64_t deadline_ms,
                         std::function<std::string()> shutdown) override;
  bool AbortShutdownWait() override;
  const std::string& shutdown_error() const override { return shutdown_error_; }
  std::string ReplicaOf(std::string_view host, int64_t port) override;
  bool is_replica() const override { return replica_.active(); }
  bool IsPrimaryLink(const cmd::ClientSession& client) const override {
    return &client == &replica_.session();
  }
  bool stale() const override;
  std::string NoReplicasRefusal() const override;
  void AppendInfoFields(std::string& out) const override;
  void Role(protocol::ReplyWriter& reply) const override;

 private:
  void AppendReplicaFields(std::string& out) const;
  // Runs the pending shutdown once the replicas caught up or its time is up.
  void CheckShutdownWait(int64_t now_ms);
  // Writes resume and `client` (if still connected) gets `error`.
  void FailShutdownWait(cmd::ClientSession* client, std::string error);

  cmd::ServerContext& context_;
  Primary primary_;
  Replica replica_;
  Transport* transport_ = nullptr;
  struct ShutdownWait {
    int64_t deadline_ms;
    int64_t offset;  // the stream's end when SHUTDOWN came
    std::function<std::string()> shutdown;
    cmd::ClientSession* client;  // null once it disconnected (the wait goes on)
  };
  std::optional<ShutdownWait> shutdown_;
  std::string shutdown_error_;
};

}  // namespace basalt::replication
