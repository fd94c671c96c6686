// Group commit: when the writes of a loop turn go to the AOF writer, and when their replies
// may leave (see persistence/aof_writer.h for what "durable" means per fsync policy).
//
// Every connection whose request wrote something waits (Await) for the batch holding its
// writes; the batch is handed to the writer once per loop turn, after every connection ready
// in that turn was served, and the replies are released when the writer reports it durable.
//
// With appendfsync always an fsync costs far more than a loop turn, and clients only send
// their next write once they have their reply, so the batch that is formed while one fsync runs
// holds just the clients that were not in it. Left alone, the clients split into two groups
// that alternate, each fsync covering half of them. So with always:
//   - one batch is in flight at a time; writes executed meanwhile wait in the buffer;
//   - after a batch is durable, the next one waits until the clients just released have sent
//     their next request (as many as usually come back: CommitHoldPolicy learns it, and stops
//     waiting for clients that do not), but never longer than the last fsync took (at most
//     kMaxHoldUs): a fsync that covers everyone is worth that wait, a fast disk makes it short.
// This is PostgreSQL's commit_delay idea, bounded by the disk's own latency.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/engine.h"
#include "server/busy_gate.h"
#include "server/commit_hold_policy.h"

namespace basalt::server {

class Connection;

class GroupCommit {
 public:
  // The longest the next batch waits for the clients released by the last one.
  static constexpr int64_t kMaxHoldUs = 2000;

  // Its handlers wait behind `gate` while a busy script turns the loop: a batch ends between
  // execution units, never inside one.
  GroupCommit(asio::io_context& io, engine::Engine& engine, BusyGate& gate);

  // `conn` wrote in this read: its replies wait for the batch that holds those writes.
  void Await(const std::shared_ptr<Connection>& conn);
  // `conn` sent a request or closed: if it was released by the last batch, it is back.
  void NoteActivity(Connection& conn);
  // The writer reports batch `seq` (and all before it) durable.
  void OnDurable(uint64_t seq);
  // The AOF failed: every connection waiting for a batch gets `refusal` for its writes now.
  void OnFailure(const std::string& refusal);
  // Ends the loop turn for writes no client waits for (the stream a replica applies, a
  // replica's acks asked for by WAIT): posted once, behind the ready events, and left to the
  // next Submit when clients do wait.
  void SubmitUnawaited();

 private:
  void ScheduleSubmit();
  // Hands the buffered writes to the writer unless the batch should wait (see above).
  void MaybeSubmit();
  void Submit();
  bool ShouldHold();
  void ListAsWaiting(const std::shared_ptr<Connection>& conn);

  asio::io_context& io_;
  engine::Engine& engine_;
  BusyGate& gate_;
  asio::steady_timer hold_timer_;
  std::vector<std::weak_ptr<Connection>> awaiting_submit_;
  std::vector<std::weak_ptr<Connection>> waiting_for_durable_;
  bool submit_scheduled_ = false;
  bool unawaited_posted_ = false;
  uint64_t in_flight_seq_ = 0;  // always: the batch being written and fsynced (0: none)
  // Clients released by the last durable batch are marked with release_epoch_ until they send
  // something, so a stale mark from an older release never counts.
  uint64_t release_epoch_ = 1;
  CommitHoldPolicy policy_;
  bool hold_armed_ = false;
  bool hold_expired_ = false;
  uint64_t hold_generation_ = 0;
};

}  // namespace basalt::server
