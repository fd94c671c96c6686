#include "persistence/snapshot_job.h"

#include <thread>

#include "common/file_util.h"

namespace basalt::persistence {

Result<std::unique_ptr<SnapshotJob>> SnapshotJob::Start(const SnapshotFileSpec& spec,
                                                        Snapshotter& snapshotter,
                                                        ThreadedSink::Limits writer_limits) {
  auto job = Open(spec, &writer_limits);
  if (!job.ok()) return job.status();
  job.value()->snapshotter_ = &snapshotter;
  snapshotter.Begin(job.value()->encoder_.get());
  return job;
}

Result<std::unique_ptr<SnapshotJob>> SnapshotJob::Open(const SnapshotFileSpec& spec) {
  return Open(spec, nullptr);
}

Result<std::unique_ptr<SnapshotJob>> SnapshotJob::Open(const SnapshotFileSpec& spec,
                                                       const ThreadedSink::Limits* writer_limits) {
  std::unique_ptr<SnapshotJob> job(new SnapshotJob(spec));
  if (Status st = FileSink::Open(spec.temp_path, FileSink::Mode::kTruncate, &job->sink_);
      !st.ok()) {
    return st;
  }
  ByteSink* out = job->sink_.get();
  if (writer_limits != nullptr) {
    job->writer_ = std::make_unique<ThreadedSink>(out, *writer_limits);
    out = job->writer_.get();
  }
  if (spec.format == SnapshotFormat::kRdb) {
    job->encoder_ = std::make_unique<RdbEncoder>(out, spec.rdb_options, spec.aux);
  } else {
    job->encoder_ = std::make_unique<RespEncoder>(out, spec.aux.function_libraries);
  }
  return job;
}

uint64_t SnapshotJob::bytes_written() const {
  if (writer_) return writer_->bytes_written();
  return sink_ ? sink_->bytes_written() : 0;
}

SnapshotJob::~SnapshotJob() {
  if (snapshotter_ != nullptr && snapshotter_->writing()) snapshotter_->Abort();
}

Status SnapshotJob::MakeDurable(ThreadedSink* writer, FileSink& sink,
                                const SnapshotFileSpec& spec) {
  Status st = writer != nullptr ? writer->Finish() : Status::Ok();
  if (st.ok()) st = sink.Sync();
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
  return MakeDurable(writer_.get(), *sink_, spec_);
}

void SnapshotJob::FinishInBackground(BackgroundWorker& worker,
                                     std::function<void(Status, uint64_t)> done) {
  snapshotter_ = nullptr;
  // The sinks move to the worker, which waits there for the writer thread to drain; the
  // event loop no longer touches them.
  std::shared_ptr<ThreadedSink> writer(std::move(writer_));
  std::shared_ptr<FileSink> sink(std::move(sink_));
  SnapshotFileSpec spec = spec_;
  worker.Submit([writer, sink, spec, done = std::move(done)] {
    Status st = MakeDurable(writer.get(), *sink, spec);
    done(st, sink->bytes_written());
  });
}

void SnapshotJob::AbandonFile() {
  if (snapshotter_ != nullptr && snapshotter_->writing()) snapshotter_->Abort();
  snapshotter_ = nullptr;
  // An abandoned snapshot: its half-written file is not wanted whatever closing it says, and
  // one that cannot be removed now is swept at the next start. The name goes now; the blocks
  // when the last descriptor closes.
  (void)file::RemoveFile(spec_.temp_path);
}

void SnapshotJob::DiscardInBackground(BackgroundWorker& worker, std::function<void()> done) {
  AbandonFile();
  std::shared_ptr<ThreadedSink> writer(std::move(writer_));
  std::shared_ptr<FileSink> sink(std::move(sink_));
  worker.Submit(
      [writer = std::move(writer), sink = std::move(sink), done = std::move(done)]() mutable {
        writer.reset();  // joins its thread: nothing writes to the file after this
        if (sink) (void)sink->Close();
        done();
      });
}

void SnapshotJob::Discard() {
  AbandonFile();
  if (writer_) {
    // Its thread drops what is queued but may be held in a write to a hung disk: it is joined,
    // and the file closed, on a thread of their own rather than on the event loop (SHUTDOWN
    // NOSAVE during such a BGSAVE would otherwise never return).
    std::thread([writer = std::move(writer_), sink = std::move(sink_)]() mutable {
      writer.reset();
      (void)sink->Close();
    }).detach();
    return;
  }
  if (sink_) (void)sink_->Close();
}

}  // namespace basalt::persistence
