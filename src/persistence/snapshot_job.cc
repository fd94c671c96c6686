#include "persistence/snapshot_job.h"

#include "common/file_util.h"

namespace basalt::persistence {

Result<std::unique_ptr<SnapshotJob>> SnapshotJob::Start(const SnapshotFileSpec& spec,
                                                        Snapshotter& snapshotter) {
  auto job = Open(spec);
  if (!job.ok()) return job.status();
  job.value()->snapshotter_ = &snapshotter;
  snapshotter.Begin(job.value()->encoder_.get());
  return job;
}

Result<std::unique_ptr<SnapshotJob>> SnapshotJob::Open(const SnapshotFileSpec& spec) {
  std::unique_ptr<SnapshotJob> job(new SnapshotJob(spec));
  if (Status st = FileSink::Open(spec.temp_path, FileSink::Mode::kTruncate, &job->sink_);
      !st.ok()) {
    return st;
  }
  if (spec.format == SnapshotFormat::kRdb) {
    job->encoder_ = std::make_unique<RdbEncoder>(job->sink_.get(), spec.rdb_options, spec.aux);
  } else {
    job->encoder_ = std::make_unique<RespEncoder>(job->sink_.get());
  }
  return job;
}

SnapshotJob::~SnapshotJob() {
  if (snapshotter_ != nullptr && snapshotter_->writing()) snapshotter_->Abort();
}

Status SnapshotJob::MakeDurable(FileSink& sink, const SnapshotFileSpec& spec) {
  Status st = sink.Sync();
  Status closed = sink.Close();
  if (st.ok()) st = closed;
  if (st.ok()) st = file::RenameFile(spec.temp_path, spec.final_path);
  if (st.ok()) st = file::SyncDirectory(file::DirName(spec.final_path));
  // The failure returned is what matters; a temp file this cannot remove is swept at the next
  // start (PersistenceManager::RemoveStaleTempFiles).
  if (!st.ok()) (void)file::RemoveFile(spec.temp_path);
  return st;
}

Status SnapshotJob::FinishNow() {
  snapshotter_ = nullptr;
  return MakeDurable(*sink_, spec_);
}

void SnapshotJob::FinishInBackground(BackgroundWorker& worker,
                                     std::function<void(Status, uint64_t)> done) {
  snapshotter_ = nullptr;
  // The sink moves to the worker; the event loop no longer touches it.
  std::shared_ptr<FileSink> sink(std::move(sink_));
  SnapshotFileSpec spec = spec_;
  worker.Submit([sink, spec, done = std::move(done)] {
    uint64_t bytes = sink->bytes_written();
    done(MakeDurable(*sink, spec), bytes);
  });
}

void SnapshotJob::Discard() {
  if (snapshotter_ != nullptr && snapshotter_->writing()) snapshotter_->Abort();
  snapshotter_ = nullptr;
  // An abandoned snapshot: its half-written file is not wanted whatever closing it says, and
  // one that cannot be removed now is swept at the next start.
  if (sink_) (void)sink_->Close();
  (void)file::RemoveFile(spec_.temp_path);
}

}  // namespace basalt::persistence
