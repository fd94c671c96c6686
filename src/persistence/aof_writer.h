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
//
// When the disk fails, nothing after the failure is reported done until it is resolved
// (leveldb's background-error rule), and the writer says how it can be resolved:
//   - a write fails (ENOSPC, EDQUOT, EIO, a short write): the file is cut back to its last
//     whole batch, and the failed batch and every later one are kept in memory, unwritten and
//     in order. RetryFailedWrite() writes them again (the server asks once a second, as Redis
//     does); when that succeeds the AOF is whole, with no gap and no duplicate.
//   - an fsync fails, or the file could not be cut back: what the file holds since its last
//     good fsync is unknown. Retrying the fsync is not an answer: Linux may have dropped the
//     dirty pages and marked them clean, so a second fsync "succeeds" with the data lost
//     (PostgreSQL's fsync lesson). Nor are the bytes kept to write them again: with everysec
//     that would be a second's worth of writes held on every healthy second. The way out is an
//     AOF rewrite: its base is a snapshot of the dataset, which holds everything, and the files
//     it replaces (this one included) are dropped when it commits. So the writer stops writing
//     to the suspect file; at the rewrite's file switch it drops what it kept (the base covers
//     it), writes the new file, and reports again once the rewrite is committed
//     (RewriteCommitted).
// A rewrite's file switch during a failed write is handled the same way when the kept batches
// still cannot be written to the old file.
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
#include <vector>

#include "basalt/status.h"
#include "common/background_worker.h"

namespace basalt::persistence {

enum class FsyncPolicy { kAlways, kEverySec, kNo };
FsyncPolicy ParseFsyncPolicy(std::string_view name);

// The file operations the writer needs, each returning 0 or an errno. Tests substitute one that
// fails on demand.
class AofFileOps {
 public:
  virtual ~AofFileOps() = default;
  // Writes every piece in order; *written counts the bytes that reached the file (also on
  // failure). A write that makes no progress fails with ENOSPC, as a full disk would.
  virtual int WriteAll(int fd, std::span<const std::string_view> pieces, size_t* written);
  virtual int SyncData(int fd);
  virtual int Truncate(int fd, int64_t size);
  // The operations on the real file system.
  static AofFileOps& Posix();
};

// How the AOF failed, as the loop needs to know it.
struct AofFailure {
  int error_number = 0;  // errno of the failed call (what Redis's MISCONF text names)
  std::string message;   // for the log: the operation, the path and the cause
  // Only a committed rewrite resolves it (a failed fsync, a file that could not be cut back);
  // otherwise RetryFailedWrite can.
  bool needs_rewrite = false;
};

struct AofWriterEvents {
  // Batch `seq` (and all before it) is done, per the policy.
  std::function<void(uint64_t seq)> on_durable;
  // A write or fsync failed: nothing later is reported done until it is resolved.
  std::function<void(const AofFailure&)> on_failure;
  // The failure is resolved: the AOF is whole again (on_durable follows).
  std::function<void()> on_recovered;
};

class AofWriter {
 public:
  // The callbacks run on the writer's threads. `ops` defaults to the real file system.
  explicit AofWriter(AofWriterEvents events, AofFileOps* ops = nullptr);
  ~AofWriter();
  AofWriter(const AofWriter&) = delete;
  AofWriter& operator=(const AofWriter&) = delete;

  // Starts writing to an open file descriptor (appending). Takes ownership of fd. Batches are
  // numbered after `last_seq`, so a writer that replaces another (appendonly turned off and on)
  // continues its numbering and a client still waiting for an old batch is never confused
  // with a new one.
  void Start(int fd, std::string path, FsyncPolicy policy, uint64_t last_seq = 0);
  // Drains everything submitted, fsyncs, closes the file and stops the thread. Fails when
  // something could not be written (the kept batches are lost then: the caller reports it).
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
  // After a failed write: try the kept batches again now.
  void RetryFailedWrite();
  // The rewrite that switched files has committed: a failure that needed one is resolved.
  void RewriteCommitted();

  uint64_t submitted_seq() const { return submitted_seq_; }
  uint64_t durable_seq() const { return durable_seq_.load(); }
  // False from a failure until it is resolved.
  bool healthy() const { return healthy_.load(); }
  // Bytes appended to the current file since it was started (for auto rewrite).
  int64_t current_file_bytes() const { return current_file_bytes_; }
  bool pending() const { return !buffer_.empty(); }
  // How long the last fsync of a batch took (always), in microseconds.
  int64_t last_fsync_duration_us() const { return last_fsync_duration_us_.load(); }
  // Waits until batch `seq` is done; fails instead when the writer is failed (or stopped)
  // before it is.
  Status WaitDurable(uint64_t seq);

 private:
  struct Work {
    std::string data;
    uint64_t seq = 0;
    int new_fd = -1;  // >= 0: switch to this file after writing `data`
    std::string new_path;
  };
  void Run();
  // One round of the writer thread over what is queued and kept.
  void Round(bool retry, bool rewrite_committed);
  // Writes the kept batches, switching files where asked; false when a write failed (the
  // batches from the failed one on stay kept).
  bool WritePending();
  // Appends to the current file; on failure cuts it back to its last whole batch.
  bool AppendToFile(const std::vector<std::string_view>& pieces);
  void SwitchTo(Work& w);
  void SyncPerPolicy();
  void PickUpBackgroundSyncError();
  enum class Failure {
    kWrite,         // a write to the current file; retrying can resolve it
    kCurrentFile,   // the current file's contents are in doubt
    kReplacedFile,  // an fsync of a file a rewrite's switch has replaced
  };
  void Fail(int err, const std::string& what, Failure kind);
  // Tells the loop the failure state (again, when what resolves it changed).
  void ReportFailure();
  void UpdateHealth();
  void ReportDurable(uint64_t seq);
  // everysec: fsync a duplicate of the descriptor on the sync thread, one at a time.
  void ScheduleBackgroundSync();

  AofWriterEvents events_;
  AofFileOps& ops_;
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
  bool retry_requested_ = false;
  bool rewrite_committed_ = false;
  std::atomic<uint64_t> durable_seq_{0};
  std::atomic<bool> healthy_{true};
  std::atomic<int64_t> last_fsync_duration_us_{0};
  bool stopped_ = false;
  std::string failure_text_;  // why the writer is not healthy (for WaitDurable)
  // A failed background fsync (errno, and the file generation it was for), picked up by the
  // writer thread.
  int background_sync_error_ = 0;
  uint64_t background_sync_generation_ = 0;

  // Writer-thread side.
  int fd_ = -1;
  std::string path_;
  uint64_t file_generation_ = 0;  // counts file switches
  std::deque<Work> pending_;      // taken from queue_, not yet written (kept on failure)
  int64_t good_size_ = 0;         // the file holds whole batches up to here
  uint64_t written_seq_ = 0;      // the last batch in a file (or dropped for a rewrite's base)
  // The failure state (see the top of this file); healthy when all three are false.
  bool write_failed_ = false;     // batches are kept; a retry can write them
  bool file_suspect_ = false;     // nothing more goes to the current file
  bool rewrite_needed_ = false;   // only a rewrite's base can hold what was lost
  bool awaiting_commit_ = false;  // ... and the rewrite that will is under way
  int last_errno_ = 0;
  std::string last_failure_;
  bool unsynced_ = false;
  int64_t last_fsync_us_ = 0;
  std::atomic<bool> sync_in_flight_{false};
  std::thread thread_;
  // Declared last: destroyed (drained) first, before the state its jobs report to.
  std::unique_ptr<BackgroundWorker> sync_worker_;
};

}  // namespace basalt::persistence
