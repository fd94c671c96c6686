// Persistence as the engine sees it: the AOF (propagated writes, fsync policy, rewrites), RDB
// snapshots (SAVE, BGSAVE, save points, shutdown save) and their statistics. Snapshots of both
// kinds come from one forkless Snapshotter, one at a time; a request that finds it busy is
// scheduled, as Redis schedules a BGSAVE behind an AOF rewrite.
//
// Runs on the engine thread; background threads report back through `post`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "commands/command.h"
#include "commands/keyspace_events.h"
#include "commands/write_stream.h"
#include "common/background_worker.h"
#include "config/config.h"
#include "persistence/aof_manager.h"
#include "persistence/snapshot_job.h"
#include "persistence/snapshotter.h"
#include "store/keyspace.h"

namespace basalt::persistence {

using PostFn = std::function<void(std::function<void()>)>;

struct LoadInfo {
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;
};

class PersistenceManager final : public cmd::PersistenceControl, public cmd::WriteStreamConsumer {
 public:
  PersistenceManager(cmd::ServerContext& context, cmd::KeyspaceEvents& events, PostFn post);
  ~PersistenceManager() override;

  // Before loading: deletes temp files a killed predecessor left (a half-written snapshot or
  // AOF base can be as large as the dataset).
  void RemoveStaleTempFiles() const;
  // After the dataset is loaded: opens the AOF when appendonly is on (creating a base with a
  // rewrite when it has none).
  Status OpenAof();
  bool aof_on() const { return aof_.is_open(); }

  // cmd::WriteStreamConsumer: committed writes go to the AOF while it is open, and their
  // writers wait for the batch that holds them.
  bool accepting() const override { return aof_.is_open(); }
  bool Consume(const cmd::WriteUnit& unit) override;
  // The end of a loop turn: hands the buffered writes to the AOF writer.
  uint64_t EndOfBatch();
  // True when batch `seq` is on disk per the fsync policy (or no AOF is open any more: closing
  // drains and fsyncs everything).
  bool aof_durable(uint64_t seq) const;
  // appendfsync always is in force: batches cost an fsync each.
  bool aof_fsync_always() const;
  // How long the writer's last fsync took (always), in microseconds.
  int64_t aof_last_fsync_us() const;
  // True while a BGSAVE or AOF rewrite (or its cleanup) is under way.
  bool job_running() const { return job_ != nullptr || snapshotter_.active(); }
  // What to do when the AOF cannot be written with appendfsync always (default: exit, as
  // Redis does; an embedding program may prefer to refuse writes instead).
  void set_fatal_aof_error_handler(std::function<void(const Status&)> fn) {
    fatal_aof_error_ = std::move(fn);
  }
  // Runs on the engine thread when AOF batch `seq` is durable.
  void set_on_durable(std::function<void(uint64_t)> fn) { on_durable_ = std::move(fn); }
  // Runs on the engine thread when the AOF failed: every write waiting for a batch gets
  // `refusal` (Redis's MISCONF text) as its reply instead of its success.
  void set_on_aof_failure(std::function<void(const std::string& refusal)> fn) {
    on_aof_failure_ = std::move(fn);
  }
  // The AOF failed and is not whole again yet (writes are refused meanwhile).
  bool aof_failed() const { return !aof_write_error_.empty(); }

  // A snapshot streamed to `sink` as RDB: a replica's full sync, the snapshotter's third sink.
  // It is walked a slice per BackgroundStep like a BGSAVE, except while `throttled()` says the
  // receivers are behind. `done` runs once the walk completed (the RDB is whole in the sink)
  // or failed; not after AbortStreamSnapshot. Busy while another snapshot runs.
  Status StartStreamSnapshot(ByteSink* sink, const RdbAuxFields::Replication& replication,
                             std::function<bool()> throttled,
                             std::function<void(const Status&)> done);
  // An RDB without keys, written to `sink` at once: the header, the function libraries when
  // `with_functions`, the end (REPLCONF rdb-filter-only, redis-cli --functions-rdb).
  Status WriteKeylessSnapshot(ByteSink* sink, const RdbAuxFields::Replication& replication,
                              bool with_functions);
  // Stops the streamed snapshot (its receivers are gone); the sink is not written again.
  void AbortStreamSnapshot();
  bool stream_snapshot_running() const { return stream_encoder_ != nullptr; }
  // True when the snapshot's walk waits for its output to drain: a streamed snapshot's
  // receivers, or the writer thread of a BGSAVE's or rewrite's file (a disk behind).
  bool background_throttled() const;

  // A slice of the running snapshot; true while more remains.
  bool BackgroundStep(int64_t budget_us);
  bool has_background_work() const { return snapshotter_.active(); }
  // Save points, scheduled jobs, automatic AOF rewrite.
  void Cron();
  // Stops background work, saves when asked or configured, closes the AOF. A failed save
  // fails the shutdown (the server keeps running as it was) unless `force`.
  Status Shutdown(bool force_save, bool nosave, bool force = false);

  void set_load_info(const LoadInfo& info) { load_info_ = info; }
  // What RDB files (SAVE, BGSAVE, shutdown) record of replication, asked when a snapshot
  // starts (its repl-offset is the stream's offset at that instant).
  void set_replication_info(std::function<std::optional<RdbAuxFields::Replication>()> fn) {
    replication_info_ = std::move(fn);
  }

  // cmd::PersistenceControl
  cmd::ErrorReply Save() override;
  cmd::ErrorReply BackgroundSave(bool schedule, std::string* status_reply) override;
  cmd::ErrorReply RewriteAof(std::string* status_reply) override;
  int64_t last_save_unix_seconds() const override { return lastsave_ms_ / 1000; }
  void AppendInfoFields(std::string& out) const override;
  std::string WriteRefusal() const override;
  bool HoldsWrite(int db, std::string_view key) override;
  bool may_hold_writes() const override { return snapshotter_.writing(); }
  uint64_t write_hold_releases() const override { return snapshotter_.releases(); }

 private:
  enum class JobKind { kNone, kRdb, kAofRewrite };

  const config::Settings& settings() const { return context_.config.settings(); }
  // rdbcompression, rdbchecksum, and the access records to save (under LRU/LFU policies).
  RdbWriterOptions WriterOptions() const;
  int64_t NowMs() const { return context_.clock.NowMs(); }
  SnapshotFileSpec RdbSpec(bool temp_for_background) const;
  SnapshotFileSpec AofBaseSpec() const;  // format and options; the caller sets the paths
  // Writes the keyspace to spec's file now, in one walk (SAVE, the first AOF base).
  Status WriteSnapshotNow(const SnapshotFileSpec& spec);
  RdbAuxFields MakeAux(bool aof_base) const;
  Status StartJob(JobKind kind);
  void OnWalkComplete();
  void OnStreamWalkComplete();
  void OnJobFinished(JobKind kind, const Status& st, int64_t dirty_at_start);
  void CompleteFinishedJob(uint64_t generation);
  // Completes a rewrite synchronously (shutdown): walk, file, manifest.
  void FinishRewriteNow();
  void FinishRdb(const Status& st, int64_t dirty_at_start);
  void FinishRewrite(const Status& st);
  void OnAofFailure(const AofFailure& failure);
  void OnAofRecovered();
  // Cron: retries a failed AOF write, or rewrites the AOF when only that can recover.
  void RecoverAof();
  int64_t RewriteRetryDelayMs() const;
  // CONFIG SET appendonly: fails when the AOF cannot be opened.
  Status OnAppendOnlyChanged();
  void NoteRewriteFailure();
  bool SavePointDue() const;
  // The AOF's growth in percent when an automatic rewrite is due, else -1.
  int64_t AutoRewriteGrowth() const;

  cmd::ServerContext& context_;
  cmd::KeyspaceEvents& events_;
  PostFn post_;
  Snapshotter snapshotter_;
  BackgroundWorker worker_;
  AofManager aof_;
  std::function<void(uint64_t)> on_durable_;
  std::function<void(const Status&)> fatal_aof_error_;
  std::function<void(const std::string&)> on_aof_failure_;

  std::unique_ptr<SnapshotJob> job_;
  uint64_t job_generation_ = 0;  // tells a stale completion from the current job's
  JobKind job_kind_ = JobKind::kNone;
  bool job_finishing_ = false;  // walk done, file being made durable
  int64_t job_start_ms_ = 0;
  int64_t dirty_at_job_start_ = 0;
  std::string rewrite_base_path_;
  std::mutex finished_mu_;
  Status finished_status_;  // set by the worker when the job's file is durable (or failed)
  bool shutting_down_ = false;
  bool bgsave_scheduled_ = false;
  bool rewrite_scheduled_ = false;

  int64_t lastsave_ms_ = 0;
  int64_t last_bgsave_try_ms_ = 0;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_time_sec_ = -1;
  uint64_t rdb_saves_ = 0;
  bool last_rewrite_ok_ = true;
  int64_t last_rewrite_failure_ms_ = 0;
  int64_t last_rewrite_time_sec_ = -1;
  uint64_t aof_rewrites_ = 0;
  uint64_t rewrite_failures_ = 0;
  std::string aof_write_error_;     // strerror of the AOF failure (empty: healthy)
  std::string aof_failure_detail_;  // what failed, for the log and INFO
  bool aof_needs_rewrite_ = false;  // only a rewrite can recover (see aof_writer.h)
  int64_t last_aof_retry_ms_ = 0;
  int64_t aof_error_logged_ms_ = 0;
  LoadInfo load_info_;
  std::function<std::optional<RdbAuxFields::Replication>()> replication_info_;
  std::unique_ptr<SnapshotEncoder> stream_encoder_;
  std::function<bool()> stream_throttled_;
  std::function<void(const Status&)> stream_done_;
};

}  // namespace basalt::persistence
