#include "server/group_commit.h"

#include <algorithm>
#include <chrono>

#include "server/connection.h"

namespace basalt::server {

GroupCommit::GroupCommit(asio::io_context& io, engine::Engine& engine, BusyGate& gate)
    : io_(io), engine_(engine), gate_(gate), hold_timer_(io) {}

void GroupCommit::Await(const std::shared_ptr<Connection>& conn) {
  awaiting_submit_.push_back(conn);
  ScheduleSubmit();
}

void GroupCommit::ScheduleSubmit() {
  if (submit_scheduled_) return;
  submit_scheduled_ = true;
  // Posted behind the completions already queued: the reads that are ready now all get
  // served first, and their writes share one batch (one write, one fsync).
  asio::post(io_, [this] {
    gate_.RunOrPark([this] {
      submit_scheduled_ = false;
      MaybeSubmit();
    });
  });
}

void GroupCommit::SubmitUnawaited() {
  if (unawaited_posted_) return;
  unawaited_posted_ = true;
  asio::post(io_, [this] {
    gate_.RunOrPark([this] {
      unawaited_posted_ = false;
      if (awaiting_submit_.empty() && !submit_scheduled_) engine_.EndOfBatch();
    });
  });
}

void GroupCommit::NoteActivity(Connection& conn) {
  if (conn.release_epoch() != release_epoch_) return;
  conn.set_release_epoch(0);
  policy_.OnReturn();
  if (hold_armed_ && !policy_.ShouldWait()) ScheduleSubmit();
}

bool GroupCommit::ShouldHold() {
  if (!engine_.aof_fsync_always()) return false;
  if (in_flight_seq_ != 0 && !engine_.aof_durable(in_flight_seq_)) return true;
  return !hold_expired_ && policy_.ShouldWait();
}

void GroupCommit::MaybeSubmit() {
  if (awaiting_submit_.empty()) return;
  if (!ShouldHold()) {
    Submit();
    return;
  }
  // Waiting for the batch in flight: its OnDurable comes back here.
  if (in_flight_seq_ != 0 && !engine_.aof_durable(in_flight_seq_)) return;
  if (hold_armed_) return;
  hold_armed_ = true;
  const int64_t hold_us = std::clamp<int64_t>(engine_.aof_last_fsync_us(), 0, kMaxHoldUs);
  hold_timer_.expires_after(std::chrono::microseconds(hold_us));
  // A generation, not the error code, tells a stale expiry: a timer that fired just before a
  // Submit cancelled it still runs its handler without an error.
  hold_timer_.async_wait([this, generation = ++hold_generation_](const asio::error_code&) {
    gate_.RunOrPark([this, generation] {
      if (generation != hold_generation_ || !hold_armed_) return;
      hold_armed_ = false;
      hold_expired_ = true;
      MaybeSubmit();
    });
  });
}

void GroupCommit::Submit() {
  if (hold_armed_) {
    hold_armed_ = false;
    ++hold_generation_;
    hold_timer_.cancel();
  }
  hold_expired_ = false;
  policy_.OnSubmit();

  const uint64_t seq = engine_.EndOfBatch();
  // 0: no AOF (any more). Already durable: the batch went out with a rewrite's file switch
  // and has been written meanwhile.
  const bool durable = seq == 0 || engine_.aof_durable(seq);
  for (auto& weak : awaiting_submit_) {
    auto conn = weak.lock();
    if (!conn || conn->closed()) continue;
    if (durable) {
      conn->OnDurable(Connection::kAwaitingSubmit);
      continue;
    }
    if (conn->OnSubmitted(seq)) ListAsWaiting(conn);
  }
  awaiting_submit_.clear();
  if (!durable && engine_.aof_fsync_always()) in_flight_seq_ = seq;
}

void GroupCommit::ListAsWaiting(const std::shared_ptr<Connection>& conn) {
  // Once, however many batches it waits for: OnDurable keeps it listed while it waits.
  if (conn->listed_as_waiting()) return;
  conn->set_listed_as_waiting(true);
  waiting_for_durable_.push_back(conn);
}

void GroupCommit::OnDurable(uint64_t seq) {
  // Release the replies of every connection whose writes are now on disk.
  std::vector<std::weak_ptr<Connection>> still_waiting;
  std::vector<std::shared_ptr<Connection>> ready;
  for (auto& weak : waiting_for_durable_) {
    auto conn = weak.lock();
    if (!conn || conn->closed()) continue;
    if (!conn->waits_for_submitted_batch()) {
      conn->set_listed_as_waiting(false);  // released meanwhile (a batch already durable)
    } else if (conn->durable_seq_needed() <= seq) {
      conn->set_listed_as_waiting(false);
      ready.push_back(std::move(conn));
    } else {
      still_waiting.push_back(std::move(weak));
    }
  }
  waiting_for_durable_.swap(still_waiting);
  if (in_flight_seq_ != 0 && seq >= in_flight_seq_) in_flight_seq_ = 0;
  if (engine_.aof_fsync_always()) {
    // A new cycle: clients with nothing more held are watched until they send again.
    size_t released = 0;
    for (auto& conn : ready) {
      if (!conn->released_entirely_by(seq)) continue;
      if (released++ == 0) ++release_epoch_;
      conn->set_release_epoch(release_epoch_);
    }
    if (released > 0) policy_.OnRelease(released);
  }
  for (auto& conn : ready) {
    conn->OnDurable(seq);
    // Still waiting for a later batch already submitted (it kept pipelining writes).
    if (!conn->closed() && conn->waits_for_submitted_batch()) ListAsWaiting(conn);
  }
  MaybeSubmit();
}

void GroupCommit::OnFailure(const std::string& refusal) {
  // Whether the writer recovers in a second or never, these clients are not kept waiting:
  // their writes are answered with the error now (they stay in memory and are written if the
  // AOF recovers; a client that sees the error cannot count on either outcome).
  std::vector<std::weak_ptr<Connection>> all;
  all.swap(waiting_for_durable_);
  all.insert(all.end(), awaiting_submit_.begin(), awaiting_submit_.end());
  awaiting_submit_.clear();
  for (auto& weak : all) {
    auto conn = weak.lock();
    if (conn && !conn->closed()) conn->FailHeldWrites(refusal);
  }
  in_flight_seq_ = 0;
  if (hold_armed_) {
    hold_armed_ = false;
    ++hold_generation_;
    hold_timer_.cancel();
  }
  // What this loop turn buffered goes to the writer, behind what it keeps.
  engine_.EndOfBatch();
}

}  // namespace basalt::server
