// One snapshot written to a file: the temp file, the encoder, and the durable finish
// (fsync, rename over the target, directory fsync) done off the event loop. A background
// snapshot's bytes reach the file through a ThreadedSink: the loop never waits in write(2).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "basalt/status.h"
#include "common/background_worker.h"
#include "persistence/byte_io.h"
#include "persistence/snapshot_encoders.h"
#include "persistence/snapshotter.h"
#include "persistence/threaded_sink.h"

namespace basalt::persistence {

enum class SnapshotFormat { kRdb, kResp };

struct SnapshotFileSpec {
  std::string temp_path;   // written first
  std::string final_path;  // renamed to on success
  SnapshotFormat format = SnapshotFormat::kRdb;
  RdbWriterOptions rdb_options;
  RdbAuxFields aux;
};

class SnapshotJob {
 public:
  // Opens the temp file and starts the snapshot on `snapshotter` (which must be idle). Its
  // writes go through a thread of their own (`writer_limits`: see ThreadedSink).
  static Result<std::unique_ptr<SnapshotJob>> Start(
      const SnapshotFileSpec& spec, Snapshotter& snapshotter,
      ThreadedSink::Limits writer_limits = ThreadedSink::Limits{});
  // Opens the temp file only; the caller writes through encoder() (synchronous snapshots).
  static Result<std::unique_ptr<SnapshotJob>> Open(const SnapshotFileSpec& spec);
  SnapshotEncoder& encoder() { return *encoder_; }
  ~SnapshotJob();

  // Called after the snapshotter completed its walk. Makes the file durable and renames it,
  // synchronously (SAVE) or on `worker` with `done` posted back by the caller's `post`.
  Status FinishNow();
  void FinishInBackground(BackgroundWorker& worker,
                          std::function<void(Status, uint64_t bytes)> done);
  // Drops the temp file (failed or aborted snapshot).
  void Discard();
  // Drops the temp file of a snapshot that failed, and calls `done` on `worker` once the file
  // is closed, i.e. once its blocks are free again.
  void DiscardInBackground(BackgroundWorker& worker, std::function<void()> done);

  uint64_t bytes_written() const;
  // The file's writer thread is behind: the walk should pause (a background job only).
  bool writer_behind() const { return writer_ && writer_->behind(); }
  const SnapshotFileSpec& spec() const { return spec_; }

 private:
  // What both discards do on the loop: stops the walk, removes the temp file's name.
  void AbandonFile();
  explicit SnapshotJob(SnapshotFileSpec spec) : spec_(std::move(spec)) {}
  static Result<std::unique_ptr<SnapshotJob>> Open(const SnapshotFileSpec& spec,
                                                   const ThreadedSink::Limits* writer_limits);
  // `writer` (may be null) drains into `sink` first.
  static Status MakeDurable(ThreadedSink* writer, FileSink& sink, const SnapshotFileSpec& spec);

  SnapshotFileSpec spec_;
  std::unique_ptr<FileSink> sink_;
  std::unique_ptr<ThreadedSink> writer_;  // in front of sink_ for background jobs
  std::unique_ptr<SnapshotEncoder> encoder_;
  Snapshotter* snapshotter_ = nullptr;
};

}  // namespace basalt::persistence
