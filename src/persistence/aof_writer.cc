#include "persistence/aof_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "commands/write_stream.h"
#include "common/clock.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "protocol/command_encoder.h"

namespace basalt::persistence {

FsyncPolicy ParseFsyncPolicy(std::string_view name) {
  if (name == "always") return FsyncPolicy::kAlways;
  if (name == "no") return FsyncPolicy::kNo;
  return FsyncPolicy::kEverySec;
}

// ---- AofFileOps ----

int AofFileOps::WriteAll(int fd, std::span<const std::string_view> pieces, size_t* written) {
  return file::WriteAllV(fd, pieces, written);
}

int AofFileOps::SyncData(int fd) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

int AofFileOps::Truncate(int fd, int64_t size) {
  while (::ftruncate(fd, size) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

AofFileOps& AofFileOps::Posix() {
  static AofFileOps ops;
  return ops;
}

// ---- AofWriter: event-loop side ----

AofWriter::AofWriter(AofWriterEvents events, AofFileOps* ops)
    : events_(std::move(events)), ops_(ops != nullptr ? *ops : AofFileOps::Posix()) {}

AofWriter::~AofWriter() { (void)Stop(); }

void AofWriter::Start(int fd, std::string path, FsyncPolicy policy, uint64_t last_seq) {
  submitted_seq_ = last_seq;
  durable_seq_ = last_seq;
  written_seq_ = last_seq;
  fd_ = fd;
  path_ = std::move(path);
  policy_ = policy;
  selected_db_ = -1;
  current_file_bytes_ = 0;
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  good_size_ = end > 0 ? end : 0;
  stopping_ = stopped_ = false;
  healthy_ = true;
  write_failed_ = file_suspect_ = rewrite_needed_ = awaiting_commit_ = false;
  last_fsync_us_ = MonotonicUs();
  sync_worker_ = std::make_unique<BackgroundWorker>();
  thread_ = std::thread([this] { Run(); });
}

void AofWriter::set_policy(FsyncPolicy p) {
  policy_ = p;
  cv_.notify_one();
}

void AofWriter::AppendUnit(int start_db, int end_db, std::string_view resp) {
  size_t before = buffer_.size();
  if (start_db != selected_db_) cmd::AppendSelect(buffer_, start_db);
  buffer_.append(resp);
  selected_db_ = end_db;
  current_file_bytes_ += static_cast<int64_t>(buffer_.size() - before);
}

void AofWriter::Append(int db, std::span<const std::string_view> argv) {
  std::string resp;
  protocol::AppendCommand(resp, argv);
  AppendUnit(db, db, resp);
}

uint64_t AofWriter::Submit() {
  if (buffer_.empty()) return submitted_seq_;
  Work w;
  w.data.swap(buffer_);
  w.seq = ++submitted_seq_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(w));
  }
  cv_.notify_one();
  return submitted_seq_;
}

void AofWriter::SwitchFile(int fd, std::string path) {
  Work w;
  w.data.swap(buffer_);
  w.seq = ++submitted_seq_;
  w.new_fd = fd;
  w.new_path = std::move(path);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(w));
  }
  cv_.notify_one();
  // The new file starts without a selected database, like a fresh AOF.
  selected_db_ = -1;
  current_file_bytes_ = 0;
}

void AofWriter::RetryFailedWrite() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    retry_requested_ = true;
  }
  cv_.notify_one();
}

void AofWriter::RewriteCommitted() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    rewrite_committed_ = true;
  }
  cv_.notify_one();
}

Status AofWriter::WaitDurable(uint64_t seq) {
  std::unique_lock<std::mutex> lock(mu_);
  durable_cv_.wait(lock, [&] { return durable_seq_.load() >= seq || !healthy_ || stopped_; });
  if (durable_seq_.load() >= seq) return Status::Ok();
  // Stopped while healthy: Stop drained and fsynced everything.
  if (healthy_) return Status::Ok();
  return Status::IoError("the AOF could not be written: " + failure_text_);
}

Status AofWriter::Stop() {
  if (!thread_.joinable()) return Status::Ok();
  Submit();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  sync_worker_.reset();  // waits for a background fsync in flight
  PickUpBackgroundSyncError();
  Status st = Status::Ok();
  if (fd_ >= 0) {
    if (!file_suspect_ && unsynced_) {
      if (int err = ops_.SyncData(fd_); err != 0)
        Fail(err, "fsync of '" + path_ + "'", Failure::kCurrentFile);
    }
    ::close(fd_);
    fd_ = -1;
  }
  if (!healthy_) st = Status::IoError("the AOF could not be written: " + last_failure_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  durable_cv_.notify_all();
  return st;
}

// ---- AofWriter: writer thread ----

void AofWriter::Run() {
  while (true) {
    bool retry = false, committed = false, stop = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // everysec wakes up at least once a second to fsync what was written.
      cv_.wait_for(lock, std::chrono::milliseconds(250), [&] {
        return !queue_.empty() || stopping_ || retry_requested_ || rewrite_committed_ ||
               background_sync_error_ != 0;
      });
      for (Work& w : queue_) pending_.push_back(std::move(w));
      queue_.clear();
      retry = std::exchange(retry_requested_, false);
      committed = std::exchange(rewrite_committed_, false);
      stop = stopping_;
    }
    // Stopping makes one last attempt at what a failure kept.
    Round(retry || stop, committed);
    if (stop) return;
  }
}

void AofWriter::Round(bool retry, bool rewrite_committed) {
  PickUpBackgroundSyncError();
  const bool has_switch =
      std::any_of(pending_.begin(), pending_.end(), [](const Work& w) { return w.new_fd >= 0; });
  // A failed write is tried again when asked (about once a second), not on every batch; a
  // suspect file waits for the rewrite's switch. A switch is acted on at once either way.
  const bool blocked = (write_failed_ && !retry) || file_suspect_;
  if (!pending_.empty() && (!blocked || has_switch)) {
    if (WritePending()) {
      write_failed_ = false;
      SyncPerPolicy();
    }
  }
  // After the writes: the rewrite's switch came before its commit, and is made by now.
  if (rewrite_committed && awaiting_commit_) {
    awaiting_commit_ = false;
    rewrite_needed_ = false;
  }
  UpdateHealth();
  if (healthy_) ReportDurable(written_seq_);
}

bool AofWriter::WritePending() {
  while (!pending_.empty()) {
    // Everything up to the next switch (or all) goes out in one writev: one system call for
    // all the connections served meanwhile, not one per batch.
    size_t count = 0;
    bool switches = false;
    std::vector<std::string_view> pieces;
    for (const Work& w : pending_) {
      ++count;
      if (!w.data.empty()) pieces.emplace_back(w.data);
      if (w.new_fd >= 0) {
        switches = true;
        break;
      }
    }
    const uint64_t last_seq = pending_[count - 1].seq;
    if (AppendToFile(pieces)) {
      if (!pieces.empty()) unsynced_ = true;
    } else if (!switches) {
      return false;  // kept, in order, for a retry
    } else {
      // The old file cannot take them, but the rewrite this switch starts snapshots the
      // dataset with them in it: once it commits, nothing is missing. Until then only a
      // rewrite can recover (the loop must know, should this one fail).
      rewrite_needed_ = true;
      ReportFailure();
    }
    written_seq_ = std::max(written_seq_, last_seq);
    if (switches) SwitchTo(pending_[count - 1]);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(count));
  }
  return true;
}

bool AofWriter::AppendToFile(const std::vector<std::string_view>& pieces) {
  if (file_suspect_) return false;
  if (pieces.empty()) return true;
  size_t written = 0;
  const int err = ops_.WriteAll(fd_, pieces, &written);
  if (err == 0) {
    good_size_ += static_cast<int64_t>(written);
    return true;
  }
  // A torn batch in the middle of the file would stop every later load at it: cut it off.
  if (written > 0) {
    if (int terr = ops_.Truncate(fd_, good_size_); terr != 0) {
      Fail(terr, "truncate of '" + path_ + "' after a failed write", Failure::kCurrentFile);
      return false;
    }
  }
  Fail(err, "write to '" + path_ + "'", Failure::kWrite);
  return false;
}

void AofWriter::SwitchTo(Work& w) {
  // Everything before the switch belongs to the old file: make it durable, then move on. A
  // failure here is covered by the rewrite this switch belongs to, like a dropped batch.
  if (!file_suspect_ && unsynced_) {
    if (int err = ops_.SyncData(fd_); err != 0) {
      Fail(err, "fsync of '" + path_ + "'", Failure::kCurrentFile);
    }
  }
  ::close(fd_);
  fd_ = w.new_fd;
  path_ = std::move(w.new_path);
  w.new_fd = -1;
  ++file_generation_;
  good_size_ = 0;
  unsynced_ = false;
  last_fsync_us_ = MonotonicUs();
  write_failed_ = false;
  file_suspect_ = false;
  if (rewrite_needed_) awaiting_commit_ = true;
}

void AofWriter::SyncPerPolicy() {
  const FsyncPolicy policy = policy_.load();
  if (!unsynced_ || file_suspect_) return;
  if (policy == FsyncPolicy::kAlways) {
    const int64_t start_us = MonotonicUs();
    if (int err = ops_.SyncData(fd_); err != 0) {
      Fail(err, "fsync of '" + path_ + "'", Failure::kCurrentFile);
      return;
    }
    unsynced_ = false;
    last_fsync_us_ = MonotonicUs();
    last_fsync_duration_us_ = last_fsync_us_ - start_us;
  } else if (policy == FsyncPolicy::kEverySec && MonotonicUs() - last_fsync_us_ >= 1'000'000) {
    ScheduleBackgroundSync();
  }
}

void AofWriter::PickUpBackgroundSyncError() {
  int err = 0;
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    err = std::exchange(background_sync_error_, 0);
    generation = background_sync_generation_;
  }
  if (err == 0) return;
  if (generation == file_generation_) {
    Fail(err, "fsync of '" + path_ + "'", Failure::kCurrentFile);
    return;
  }
  // An older file, replaced since by a rewrite's switch: that rewrite's base covers it.
  Fail(err, "fsync of a previous AOF file", Failure::kReplacedFile);
}

void AofWriter::Fail(int err, const std::string& what, Failure kind) {
  switch (kind) {
    case Failure::kWrite:
      write_failed_ = true;
      break;
    case Failure::kCurrentFile:
      file_suspect_ = true;
      rewrite_needed_ = true;
      awaiting_commit_ = false;  // a rewrite under way switched before this: it cannot cover it
      break;
    case Failure::kReplacedFile:
      rewrite_needed_ = true;
      awaiting_commit_ = true;
      break;
  }
  last_errno_ = err;
  last_failure_ = what + ": " + file::ErrnoText(err);
  {
    std::lock_guard<std::mutex> lock(mu_);
    healthy_ = false;
    failure_text_ = last_failure_;
  }
  durable_cv_.notify_all();
  ReportFailure();
}

void AofWriter::ReportFailure() {
  if (events_.on_failure) events_.on_failure({last_errno_, last_failure_, rewrite_needed_});
}

void AofWriter::UpdateHealth() {
  const bool healthy = !write_failed_ && !file_suspect_ && !rewrite_needed_;
  if (healthy == healthy_.load()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    healthy_ = healthy;
  }
  if (healthy && events_.on_recovered) events_.on_recovered();
}

void AofWriter::ReportDurable(uint64_t seq) {
  if (seq <= durable_seq_.load()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    durable_seq_ = seq;
  }
  durable_cv_.notify_all();
  if (events_.on_durable) events_.on_durable(seq);
}

void AofWriter::ScheduleBackgroundSync() {
  if (sync_in_flight_.exchange(true)) return;  // the one in flight will cover these bytes
  int fd = ::dup(fd_);
  if (fd < 0) {
    sync_in_flight_ = false;
    return;  // tried again on the next batch; the bytes stay unsynced meanwhile
  }
  unsynced_ = false;
  last_fsync_us_ = MonotonicUs();
  sync_worker_->Submit([this, fd, generation = file_generation_] {
    const int err = ops_.SyncData(fd);
    ::close(fd);
    sync_in_flight_ = false;
    if (err == 0) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      background_sync_error_ = err;
      background_sync_generation_ = generation;
    }
    cv_.notify_one();
  });
}

}  // namespace basalt::persistence
