// What replication's commands (REPLCONF, PSYNC, SYNC, REPLICAOF, ROLE, WAIT) and the
// dispatcher's checks need from the replication layer. Implemented by src/replication (and
// the server, for the link to a primary); absent (nullptr) where nothing replicates, as in the
// embedded Store.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "commands/command.h"

namespace basalt::cmd {

class ReplicationControl {
 public:
  virtual ~ReplicationControl() = default;

  // ---- Primary side: a replica's requests on its connection.
  // REPLCONF <option> <value>: listening-port, ip-address, capa, ack, getack, rdb-only.
  // Returns the error text to reply with, or empty for +OK (ACK replies nothing: *silent).
  virtual std::string Replconf(ClientSession& client, std::string_view option,
                               std::string_view value, bool* silent) = 0;
  // PSYNC replid offset (or SYNC when `legacy`): the connection becomes a replica, answered
  // with +FULLRESYNC and a snapshot, or +CONTINUE and the backlog.
  // Returns an error text to reply with instead (a replica whose own link is down).
  virtual std::string Psync(ClientSession& client, std::string_view replid, int64_t offset,
                            bool legacy) = 0;

  // ---- WAIT.
  // The stream offset a client's writes so far reach (the primary's current offset).
  virtual int64_t offset() const = 0;
  // Replicas that acknowledged at least `offset`.
  virtual int64_t ReplicasAcked(int64_t offset) const = 0;
  // Parks `client` until `wanted` replicas acked `offset` (then woken through the blocked
  // clients, ending with WaitEnd::kEvent) and asks the replicas for acks.
  virtual void WaitForAcks(ClientSession& client, int64_t offset, int64_t wanted) = 0;
  virtual void ForgetWaiter(ClientSession& client) = 0;
  // SHUTDOWN's wait for lagging replicas (Redis 7). It belongs to the server, not to the
  // client that asked: a client that disconnects does not cancel it. When every online
  // replica acknowledged the stream as it was, or at `deadline_ms`, `shutdown` runs; if it
  // returns an error (or the wait is aborted), writes resume and `client` (blocked by the
  // caller, still connected) is woken with kEvent and gets shutdown_error().
  // StartShutdownWait returns false (nothing started) when no replica lags.
  virtual bool StartShutdownWait(ClientSession& client, int64_t deadline_ms,
                                 std::function<std::string()> shutdown) = 0;
  virtual bool AbortShutdownWait() = 0;
  virtual const std::string& shutdown_error() const = 0;

  // ---- Replica side.
  // REPLICAOF host port / REPLICAOF NO ONE (host empty). Returns the reply line (without CRLF),
  // "+OK..." or "-ERR ...".
  virtual std::string ReplicaOf(std::string_view host, int64_t port) = 0;
  // True while this server follows a primary.
  virtual bool is_replica() const = 0;
  // True for the connection that brings the primary's stream (its writes are always allowed).
  virtual bool IsPrimaryLink(const ClientSession& client) const = 0;
  // True when a replica must refuse to serve clients because its link is down and
  // replica-serve-stale-data is off.
  virtual bool stale() const = 0;
  // Non-empty when writes must be refused for lack of good replicas (min-replicas-to-write).
  virtual std::string NoReplicasRefusal() const = 0;

  // ---- Introspection.
  virtual void AppendInfoFields(std::string& out) const = 0;
  virtual void Role(protocol::ReplyWriter& reply) const = 0;
};

}  // namespace basalt::cmd
