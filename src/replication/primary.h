// The primary side of replication: the replicas attached to this server, the stream they are
// fed, the backlog that lets them continue after a broken link, and their full syncs.
//
// The stream is the write stream (commands/write_stream.h) as it reaches this consumer, with
// SELECTs where the database changes and PINGs on a period, byte for byte as Redis sends it,
// so offsets agree with a Redis replica's. On a replica the stream instead comes verbatim from
// its own primary (FeedVerbatim), so sub-replicas and a promoted replica keep the same offsets.
//
// A replica's life here: REPLCONF (port, address, capabilities) -> PSYNC -> either
//  - +CONTINUE <replid>: its offset is in the backlog; the missing bytes follow, then live; or
//  - +FULLRESYNC <replid> <offset>: a snapshot from the forkless snapshotter, written to its
//    socket while the walk goes ($EOF:<mark> framing when it announced `capa eof`, else held
//    and sent as $<len> when complete), then the writes made since the snapshot began, which
//    were kept for it meanwhile, then live. Replicas that ask while a sync waits to start (the
//    repl-diskless-sync-delay) share one snapshot.
// Replicas report their offset with REPLCONF ACK; WAIT counts them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "commands/write_stream.h"
#include "replication/backlog.h"

namespace basalt::persistence {
class PersistenceManager;
}

namespace basalt::replication {

class FullSync;  // full_sync.h

// The stream's identity: Redis's replid, replid2 and second_repl_offset (PSYNC2).
struct ReplicationIds {
  std::string replid;
  std::string replid2 = std::string(40, '0');
  int64_t second_offset = -1;  // last offset valid under replid2
};

enum class ReplicaState {
  kHandshake,     // REPLCONF seen, no PSYNC yet
  kWaitSnapshot,  // full sync asked, snapshot not started
  kSyncing,       // snapshot being sent
  kWaitFirstAck,  // snapshot sent with EOF framing: the stream waits for the replica's ACK,
                  // since nothing may follow the end mark until it has seen it (as in Redis)
  kOnline,        // receiving the live stream
  kClosed,        // its connection closed during a delivery loop; forgotten after it
};

struct ReplicaLinkInfo {
  cmd::ClientSession* client = nullptr;
  ReplicaState state = ReplicaState::kHandshake;
  int64_t listening_port = 0;
  std::string ip_address;  // announced with REPLCONF ip-address, else the peer's
  bool capa_eof = false;
  bool capa_psync2 = false;
  bool legacy = false;    // asked with SYNC: no +FULLRESYNC line, no ACKs expected
  bool rdb_only = false;  // REPLCONF rdb-only 1 (redis-cli --rdb): closed after the snapshot
  // REPLCONF rdb-filter-only <filters> (redis-cli --functions-rdb): its snapshot holds no keys,
  // and the function libraries only when the filters name "functions".
  bool rdb_filtered = false;
  bool rdb_functions = false;
  int64_t ack_offset = 0;
  int64_t ack_ms = 0;
  // The stream written while its snapshot was being sent, to follow the snapshot.
  std::string pending;
};

// The address a replica is known by: the one it announced (REPLCONF ip-address), else its
// connection's.
std::string ReplicaIp(const ReplicaLinkInfo& r);

class Primary final : public cmd::WriteStreamConsumer {
 public:
  Primary(cmd::ServerContext& context, persistence::PersistenceManager& persistence);
  ~Primary() override;

  // cmd::WriteStreamConsumer: while a backlog exists (a replica has ever attached), every
  // committed write goes into the stream. Replicas never make a writer's replies wait.
  bool accepting() const override { return backlog_ != nullptr && !following_; }
  bool Consume(const cmd::WriteUnit& unit) override;

  // REPLCONF options from a (future) replica's connection; returns an error text or empty.
  std::string Replconf(cmd::ClientSession& client, std::string_view option, std::string_view value,
                       bool* silent);
  void Psync(cmd::ClientSession& client, std::string_view replid, int64_t offset, bool legacy);
  // REPLCONF ACK from a replica.
  void OnAck(cmd::ClientSession& client, int64_t offset);
  // Called after every ACK (the SHUTDOWN wait watches them).
  void set_on_ack(std::function<void()> fn) { on_ack_ = std::move(fn); }
  void OnClientClose(cmd::ClientSession& client);

  // Offset of the last byte of the stream (master_repl_offset).
  int64_t offset() const { return backlog_ ? backlog_->offset() : base_offset_; }
  const ReplicationIds& ids() const { return ids_; }
  int64_t ReplicasAcked(int64_t offset) const;
  // Online replicas whose last ACK is at most min-replicas-max-lag seconds old.
  int64_t GoodReplicas() const;
  // Asks every online replica to report its offset (REPLCONF GETACK *), once per loop turn.
  void RequestAcks() { getack_requested_ = true; }
  bool acks_requested() const { return getack_requested_; }
  // WAIT: `client` (already blocked) is woken once `wanted` replicas acked `offset`.
  void WaitForAcks(cmd::ClientSession& client, int64_t offset, int64_t wanted);
  void ForgetWaiter(cmd::ClientSession& client);
  // INFO replication's slaveN:ip=...,port=...,state=...,offset=...,lag=... lines.
  std::string ReplicaInfoLines() const;
  size_t replica_count() const;
  template <typename Fn>
  void ForEachReplica(Fn fn) const {
    for (const auto& [id, r] : replicas_) fn(*r);
  }
  const Backlog* backlog() const { return backlog_.get(); }

  // A replica follows a primary: its stream is that primary's, passed on verbatim. `ids` and
  // `offset` are the primary's after a full sync (the backlog restarts there) or after
  // +CONTINUE (kept).
  void StartFollowing(const ReplicationIds& ids, int64_t offset, bool keep_backlog);
  void FeedVerbatim(std::string_view bytes);
  // REPLICAOF NO ONE: this server's own stream continues from the primary's history; the old
  // replid becomes replid2 so replicas re-pointed here continue with +CONTINUE.
  void StopFollowing();
  // After loading an RDB that recorded replication history `ids.replid` up to `offset`: a
  // replica continues it (its next PSYNC asks for offset + 1); a primary starts a new history
  // whose replid2 is the loaded one, so its replicas can still continue partially.
  void RestoreHistory(const std::string& replid, int64_t offset, bool will_follow);
  // The database the stream has selected (-1: none yet), for a snapshot's repl-stream-db.
  int selected_db() const { return selected_db_; }
  // Replicas must sync again (this server just loaded a new dataset as a replica).
  void DisconnectReplicas();

  // Cron: PINGs, backlog expiry, starting waiting full syncs.
  void Cron(int64_t now_ms);
  // End of a loop turn: GETACKs asked for during it.
  void EndOfTurn();
  // Whether the running full sync should pause its walk (its replicas' buffers are full).
  bool SyncThrottled() const;

 private:
  ReplicaLinkInfo& Info(cmd::ClientSession& client);
  ReplicaLinkInfo* Find(const cmd::ClientSession& client);
  void EnsureBacklog();
  void FeedStream(std::string_view bytes);
  bool TryContinue(ReplicaLinkInfo& r, std::string_view replid, int64_t offset);
  // REPLCONF rdb-filter-only: Redis's error text for an unknown filter, or empty.
  static std::string SetRdbFilter(ReplicaLinkInfo& r, std::string_view filters);
  // Replicas that asked for a snapshot without keys get it at once, each its own.
  void ServeFilteredSyncs();
  // A replica's snapshot was sent: it is closed (rdb-only), waits for its first ACK (EOF
  // framing), or gets the writes made meanwhile and goes online.
  void AfterSnapshot(ReplicaLinkInfo& r, bool eof_framing);
  void StartFullSyncIfDue(int64_t now_ms);
  void OnFullSyncDone(const Status& st);
  void WakeSatisfiedWaiters();
  int64_t NowMs() const { return context_.clock.NowMs(); }

  cmd::ServerContext& context_;
  persistence::PersistenceManager& persistence_;
  ReplicationIds ids_;
  std::unique_ptr<Backlog> backlog_;
  int64_t base_offset_ = 0;  // offset while no backlog exists
  int selected_db_ = -1;     // database the stream last selected (-1: must SELECT)
  bool following_ = false;
  std::unordered_map<uint64_t, std::unique_ptr<ReplicaLinkInfo>> replicas_;  // by client id
  std::unique_ptr<FullSync> sync_;
  int64_t first_waiting_ms_ = -1;  // when the oldest replica waiting for a snapshot asked
  int64_t last_ping_ms_ = 0;
  int64_t no_replicas_since_ms_ = -1;
  bool getack_requested_ = false;
  struct AckWaiter {
    cmd::ClientSession* client;
    int64_t offset;
    int64_t wanted;
  };
  std::vector<AckWaiter> waiters_;
  std::function<void()> on_ack_;
  // Loops that Deliver to replicas: a Deliver can close its connection (output limit), and
  // the close must not erase from replicas_ under the loop.
  class DeliveryScope {
   public:
    explicit DeliveryScope(Primary& p) : primary_(p) { ++primary_.delivering_; }
    ~DeliveryScope();

   private:
    Primary& primary_;
  };
  int delivering_ = 0;
  std::vector<cmd::ClientSession*> closed_while_delivering_;
};

}  // namespace basalt::replication
