#include "persistence/aof_writer.h"

#include <unistd.h>

#include "commands/write_stream.h"
#include "common/clock.h"
#include "common/file_util.h"
#include "common/strings.h"

namespace basalt::persistence {

FsyncPolicy ParseFsyncPolicy(std::string_view name) {
  if (name == "always") return FsyncPolicy::kAlways;
  if (name == "no") return FsyncPolicy::kNo;
  return FsyncPolicy::kEverySec;
}

AofWriter::AofWriter(std::function<void(uint64_t)> on_durable,
                     std::function<void(const Status&)> on_error)
    : on_durable_(std::move(on_durable)), on_error_(std::move(on_error)) {}

AofWriter::~AofWriter() { Stop(); }

void AofWriter::Start(int fd, std::string path, FsyncPolicy policy, uint64_t last_seq) {
  submitted_seq_ = last_seq;
  durable_seq_ = last_seq;
  fd_ = fd;
  path_ = std::move(path);
  policy_ = policy;
  selected_db_ = -1;
  current_file_bytes_ = 0;
  stopping_ = false;
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
  cmd::AppendRespCommand(resp, argv);
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

void AofWriter::WaitDurable(uint64_t seq) {
  std::unique_lock<std::mutex> lock(mu_);
  durable_cv_.wait(lock, [&] { return durable_seq_.load() >= seq || !thread_.joinable(); });
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
  Status st = Status::Ok();
  if (fd_ >= 0) {
    st = file::SyncData(fd_, path_);
    ::close(fd_);
    fd_ = -1;
  }
  return st;
}

void AofWriter::Run() {
  std::deque<Work> batch;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      // everysec wakes up at least once a second to fsync what was written.
      cv_.wait_for(lock, std::chrono::milliseconds(250),
                   [&] { return !queue_.empty() || stopping_; });
      batch.swap(queue_);
      if (batch.empty() && stopping_) return;
    }
    Status st = WriteBatch(batch);
    if (!st.ok()) on_error_(st);
    batch.clear();
  }
}

Status AofWriter::WriteBatch(std::deque<Work>& batch) {
  const FsyncPolicy policy = policy_.load();
  uint64_t last_seq = 0;
  // Everything queued since the last round goes out in one writev per file: one system call
  // for all the connections served meanwhile, not one per batch.
  std::vector<std::string_view> pending;
  for (Work& w : batch) {
    if (!w.data.empty()) pending.emplace_back(w.data);
    last_seq = w.seq;
    if (w.new_fd < 0) continue;
    if (Status st = file::WriteFullyV(fd_, pending, path_); !st.ok()) return st;
    pending.clear();
    // Everything before the switch belongs to the old file: make it durable, then move on.
    if (Status st = file::SyncData(fd_, path_); !st.ok()) return st;
    ::close(fd_);
    fd_ = w.new_fd;
    path_ = std::move(w.new_path);
    unsynced_ = false;
  }
  if (!pending.empty()) {
    if (Status st = file::WriteFullyV(fd_, pending, path_); !st.ok()) return st;
    unsynced_ = true;
  }
  if (unsynced_ && policy == FsyncPolicy::kAlways) {
    const int64_t start_us = MonotonicUs();
    if (Status st = file::SyncData(fd_, path_); !st.ok()) return st;
    unsynced_ = false;
    last_fsync_us_ = MonotonicUs();
    last_fsync_duration_us_ = last_fsync_us_ - start_us;
  }
  if (unsynced_ && policy == FsyncPolicy::kEverySec &&
      MonotonicUs() - last_fsync_us_ >= 1'000'000) {
    ScheduleBackgroundSync();
  }
  if (last_seq != 0) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      durable_seq_ = last_seq;
    }
    durable_cv_.notify_all();
    on_durable_(last_seq);
  }
  return Status::Ok();
}

void AofWriter::ScheduleBackgroundSync() {
  if (sync_in_flight_.exchange(true)) return;  // the one in flight will cover these bytes
  int fd = ::dup(fd_);
  if (fd < 0) {
    sync_in_flight_ = false;
    on_error_(Status::IoError("dup of AOF descriptor: " + file::ErrnoText(errno)));
    return;
  }
  unsynced_ = false;
  last_fsync_us_ = MonotonicUs();
  sync_worker_->Submit([this, fd, path = path_] {
    Status st = file::SyncData(fd, path);
    ::close(fd);
    sync_in_flight_ = false;
    if (!st.ok()) on_error_(st);
  });
}

}  // namespace basalt::persistence
