// Appends the propagated write stream to the AOF's current incr file.
//
// The event loop only formats commands into a buffer (Append) and hands the buffer over once
// per loop turn (Submit). A background thread does every write(2) and fdatasync(2), so a slow
// disk never stalls the loop. A batch is reported done (on_durable) when it is
//   always   - written and fsynced (group commit: one fsync covers every batch queued
//              meanwhile, while the loop keeps executing the next ones; the server also
//              paces its batches, see server/group_commit.h);
//   everysec - written; a second thread fsyncs about once per second, so a slow fsync never
//              delays the writes behind it;
//   no       - written; the kernel decides when it reaches the disk.
// The server holds the replies of a batch's writes until it is done, so an acknowledged write
// is at least in the kernel's page cache: a killed process loses nothing, a machine crash at
// most ~1-2 s with everysec.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "basalt/status.h"
#include "common/background_worker.h"

namespace basalt::persistence {

enum class FsyncPolicy { kAlways, kEverySec, kNo };
FsyncPolicy ParseFsyncPolicy(std::string_view name);

class AofWriter {
 public:
  // on_durable(seq) runs on the writer thread after batch `seq` (and all before it) is
  // written and, per policy, fsynced. on_error(status) runs there when a write or fsync fails.
  AofWriter(std::function<void(uint64_t)> on_durable, std::function<void(const Status&)> on_error);
  ~AofWriter();
  AofWriter(const AofWriter&) = delete;
  AofWriter& operator=(const AofWriter&) = delete;

  // Starts writing to an open file descriptor (appending). Takes ownership of fd. Batches are
  // numbered after `last_seq`, so a writer that replaces another (appendonly turned off and on)
  // continues its numbering and a client still waiting for an old batch is never confused
  // with a new one.
  void Start(int fd, std::string path, FsyncPolicy policy, uint64_t last_seq = 0);
  // Drains everything submitted, fsyncs, closes the file and stops the thread.
  Status Stop();
  bool running() const { return thread_.joinable(); }

  void set_policy(FsyncPolicy p);
  FsyncPolicy policy() const { return policy_.load(); }

  // Event loop: appends committed commands (RESP) that start in database `start_db` and leave
  // `end_db` selected; a SELECT goes first when this file has another database selected.
  void AppendUnit(int start_db, int end_db, std::string_view resp);
  // Event loop: one command (tests and tools; the server appends write-stream units).
  void Append(int db, std::span<const std::string_view> argv);
  // Event loop: hands the buffered commands to the writer thread; returns the batch's sequence
  // number, or the last one when nothing was buffered.
  uint64_t Submit();
  // Event loop: after the current buffer, continue in a new file (AOF rewrite start). The old
  // file is fsynced and closed by the writer thread.
  void SwitchFile(int fd, std::string path);

  uint64_t submitted_seq() const { return submitted_seq_; }
  uint64_t durable_seq() const { return durable_seq_.load(); }
  // Bytes appended to the current file since it was started (for auto rewrite).
  int64_t current_file_bytes() const { return current_file_bytes_; }
  bool pending() const { return !buffer_.empty(); }
  // How long the last fsync of a batch took (always), in microseconds.
  int64_t last_fsync_duration_us() const { return last_fsync_duration_us_.load(); }
  // Waits until batch `seq` is durable (embedded use, SHUTDOWN).
  void WaitDurable(uint64_t seq);

 private:
  struct Work {
    std::string data;
    uint64_t seq = 0;
    int new_fd = -1;  // >= 0: switch to this file after writing `data`
    std::string new_path;
  };
  void Run();
  Status WriteBatch(std::deque<Work>& batch);
  // everysec: fsync a duplicate of the descriptor on the sync thread, one at a time.
  void ScheduleBackgroundSync();

  std::function<void(uint64_t)> on_durable_;
  std::function<void(const Status&)> on_error_;
  std::atomic<FsyncPolicy> policy_{FsyncPolicy::kEverySec};

  // Event-loop side.
  std::string buffer_;
  int selected_db_ = -1;
  uint64_t submitted_seq_ = 0;
  int64_t current_file_bytes_ = 0;

  // Shared with the writer thread.
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable durable_cv_;
  std::deque<Work> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> durable_seq_{0};
  std::atomic<int64_t> last_fsync_duration_us_{0};

  // Writer-thread side.
  int fd_ = -1;
  std::string path_;
  bool unsynced_ = false;
  int64_t last_fsync_us_ = 0;
  std::atomic<bool> sync_in_flight_{false};
  std::thread thread_;
  // Declared last: destroyed (drained) first, before the state its jobs report to.
  std::unique_ptr<BackgroundWorker> sync_worker_;
};

}  // namespace basalt::persistence
