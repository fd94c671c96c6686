#include "persistence/threaded_sink.h"

#include <algorithm>
#include <utility>

namespace basalt::persistence {

ThreadedSink::ThreadedSink(ByteSink* target, Limits limits) : target_(target), limits_(limits) {
  block_.reserve(limits_.block_bytes);
  thread_ = std::thread([this] { Run(); });
}

ThreadedSink::~ThreadedSink() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.clear();
    stop_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void ThreadedSink::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopped, and everything queued is written
    std::string block = std::move(queue_.front());
    queue_.pop_front();
    // After an error the rest is dropped: the file is discarded anyway.
    const bool failed = !error_.ok();
    lock.unlock();
    Status st = failed ? Status::Ok() : target_->Append(block);
    lock.lock();
    if (!st.ok()) error_ = st;
    queued_bytes_ -= block.size();
    room_.notify_all();
  }
}

Status ThreadedSink::Append(std::string_view data) {
  if (!thread_.joinable()) return Status::IoError("write to a finished threaded sink");
  appended_ += data.size();
  while (!data.empty()) {
    const size_t take = std::min(data.size(), limits_.block_bytes - block_.size());
    block_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (block_.size() < limits_.block_bytes) break;
    if (Status st = HandOver(); !st.ok()) return st;
  }
  return Status::Ok();
}

Status ThreadedSink::HandOver() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!block_.empty()) {
    room_.wait(lock, [this] { return queued_bytes_ < limits_.max_queued_bytes || !error_.ok(); });
  }
  if (!error_.ok()) {
    block_.clear();
    return error_;
  }
  if (block_.empty()) return Status::Ok();
  queued_bytes_ += block_.size();
  queue_.push_back(std::exchange(block_, std::string()));
  block_.reserve(limits_.block_bytes);
  lock.unlock();
  work_.notify_one();
  return Status::Ok();
}

Status ThreadedSink::Flush() {
  if (!thread_.joinable()) return Status::IoError("flush of a finished threaded sink");
  return HandOver();
}

Status ThreadedSink::WaitIdle() {
  if (Status st = HandOver(); !st.ok()) return st;
  std::unique_lock<std::mutex> lock(mu_);
  room_.wait(lock, [this] { return queued_bytes_ == 0; });
  return error_;
}

Status ThreadedSink::Sync() {
  if (!thread_.joinable()) return Status::IoError("sync of a finished threaded sink");
  if (Status st = WaitIdle(); !st.ok()) return st;
  // The thread waits for a block that only this caller could queue: the target is ours.
  return target_->Sync();
}

bool ThreadedSink::behind() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_bytes_ >= limits_.behind_bytes;
}

Status ThreadedSink::Finish() {
  if (thread_.joinable()) {
    (void)HandOver();  // its error, if any, is error_ below
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_.notify_one();
    thread_.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

}  // namespace basalt::persistence
