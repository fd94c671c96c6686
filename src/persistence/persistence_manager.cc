#include "persistence/persistence_manager.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "commands/function_host.h"
#include "commands/service_status.h"
#include "common/file_util.h"
#include "common/memory.h"
#include "common/strings.h"
#include "persistence/data_loader.h"

namespace basalt::persistence {

namespace {

constexpr int64_t kBgsaveRetryDelayMs = 5000;
constexpr int64_t kRewriteRetryDelayMs = 5000;

const char* kBgsaveErrorText =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
    "RDB error.";

}  // namespace

PersistenceManager::PersistenceManager(cmd::ServerContext& context, cmd::KeyspaceEvents& events,
                                       PostFn post)
    : context_(context),
      events_(events),
      post_(std::move(post)),
      snapshotter_(context.keyspace),
      aof_(AofWriterEvents{
          .on_durable =
              [this](uint64_t seq) {
                post_([this, seq] {
                  if (on_durable_) on_durable_(seq);
                });
              },
          .on_failure = [this](const AofFailure& f) { post_([this, f] { OnAofFailure(f); }); },
          .on_recovered = [this] { post_([this] { OnAofRecovered(); }); },
      }) {
  lastsave_ms_ = NowMs();
  aof_.set_background_close([this](int fd) { worker_.Submit([fd] { ::close(fd); }); });
  context_.config.OnChangeMayFail("appendonly", [this] { return OnAppendOnlyChanged(); });
  // Redis chdir()s into a new dir and refuses one it cannot enter, with the system's reason.
  context_.config.OnChangeMayFail("dir",
                                  [this] { return file::CheckEnterableDirectory(settings().dir); });
  context_.config.OnChange("appendfsync", [this] {
    if (aof_.is_open()) aof_.writer().set_policy(ParseFsyncPolicy(settings().appendfsync));
  });
}

PersistenceManager::~PersistenceManager() {
  // The worker's jobs lock finished_mu_ and post back: they must be done before the members
  // they use go.
  worker_.Drain();
  if (job_) job_->Discard();
  events_.set_observer(nullptr);
}

void PersistenceManager::RemoveStaleTempFiles() const {
  namespace fs = std::filesystem;
  auto sweep = [](const std::string& dir, std::string_view prefix, std::string_view suffix) {
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      if (name.size() > prefix.size() + suffix.size() && name.starts_with(prefix) &&
          name.ends_with(suffix)) {
        spdlog::info("Removing stale temp file {}", e.path().string());
        fs::remove(e.path(), ec);
      }
    }
  };
  sweep(settings().dir, "temp-", ".rdb");
  sweep(AofManager::DirectoryPath(settings()), "temp-rewriteaof-", ".aof");
  // A manifest being replaced when the process died (file::WriteFileAtomically's temp).
  sweep(AofManager::DirectoryPath(settings()), settings().appendfilename + ".manifest.tmp-", "");
}

Status PersistenceManager::OpenAof() {
  if (!settings().appendonly || aof_.is_open()) return Status::Ok();
  Status st = aof_.Open(settings(), [this](const std::string& temp_path) {
    // A fresh AOF: its base is the dataset just loaded (normally empty), written now.
    SnapshotFileSpec spec = AofBaseSpec();
    spec.temp_path = temp_path;
    spec.final_path = temp_path;  // AofManager renames it into place
    return WriteSnapshotNow(spec);
  });
  // Fatal for the caller (a server does not start without the AOF it was told to keep).
  if (!st.ok()) spdlog::critical("Can't open the append only file: {}", st.message());
  return st;
}

RdbWriterOptions PersistenceManager::WriterOptions() const {
  RdbWriterOptions options;
  options.compression = settings().rdbcompression;
  options.checksum = settings().rdbchecksum;
  const store::AccessPolicy& access = context_.keyspace.access_policy();
  options.access_mode = access.mode;
  options.access_now_ms = context_.clock.NowMs();
  options.lfu_decay_time = access.lfu_decay_time;
  return options;
}

SnapshotFileSpec PersistenceManager::AofBaseSpec() const {
  SnapshotFileSpec spec;
  spec.format = settings().aof_use_rdb_preamble ? SnapshotFormat::kRdb : SnapshotFormat::kResp;
  spec.rdb_options = WriterOptions();
  spec.aux = MakeAux(true);
  return spec;
}

Status PersistenceManager::WriteSnapshotNow(const SnapshotFileSpec& spec) {
  auto job = SnapshotJob::Open(spec);
  if (!job.ok()) return job.status();
  Status st = WriteKeyspace(context_.keyspace, job.value()->encoder());
  if (st.ok()) {
    st = job.value()->FinishNow();
  } else {
    job.value()->Discard();
  }
  return st;
}

Status PersistenceManager::OnAppendOnlyChanged() {
  if (settings().appendonly && !aof_.is_open()) {
    // The files on disk do not hold the current dataset: new writes go to a fresh incr file
    // that becomes part of the AOF together with a base rewritten from the dataset.
    if (Status st = aof_.OpenPendingRewrite(settings()); !st.ok()) {
      // As Redis: CONFIG SET fails and appendonly stays off, rather than claim an AOF that
      // records nothing.
      spdlog::warn("Could not open the AOF: {}", st.message());
      return Status::IoError("Unable to turn on AOF. Check server logs.");
    }
    std::string ignored;
    RewriteAof(&ignored);
  } else if (!settings().appendonly && aof_.is_open()) {
    if (Status st = aof_.Close(); !st.ok()) spdlog::warn("Closing the AOF: {}", st.message());
    // With no AOF there is no AOF error to refuse writes for (Redis likewise).
    OnAofRecovered();
  }
  return Status::Ok();
}

bool PersistenceManager::Consume(const cmd::WriteUnit& unit) {
  aof_.writer().AppendUnit(unit.start_db, unit.end_db, unit.resp);
  return true;
}

uint64_t PersistenceManager::EndOfBatch() {
  if (!aof_.is_open()) return 0;
  // With nothing buffered this is the last batch handed over: a rewrite starting in this loop
  // turn may have taken the buffer along with its file switch.
  return aof_.writer().Submit();
}

bool PersistenceManager::aof_durable(uint64_t seq) const {
  return !aof_.is_open() || aof_.writer().durable_seq() >= seq;
}

bool PersistenceManager::aof_fsync_always() const {
  return aof_.is_open() && aof_.writer().policy() == FsyncPolicy::kAlways;
}

int64_t PersistenceManager::aof_last_fsync_us() const {
  return aof_.is_open() ? aof_.writer().last_fsync_duration_us() : 0;
}

void PersistenceManager::OnAofFailure(const AofFailure& failure) {
  if (!aof_.is_open()) return;  // a late report from a writer closed since
  const int64_t now = NowMs();
  const std::string cause = file::ErrnoText(failure.error_number);
  // Logged when the cause changes, then at most every 30 s while it lasts (retries fail once a
  // second), as Redis does.
  if (cause != aof_write_error_ || now - aof_error_logged_ms_ >= 30'000) {
    spdlog::warn("Error writing to the AOF file: {}{}", failure.message,
                 failure.needs_rewrite ? " (the AOF will be rewritten to recover)" : "");
    aof_error_logged_ms_ = now;
  }
  aof_write_error_ = cause;
  aof_failure_detail_ = failure.message;
  aof_needs_rewrite_ = failure.needs_rewrite;
  if (aof_.writer().policy() == FsyncPolicy::kAlways) {
    // Replies wait for durability; with the AOF failing they could never be released, and
    // releasing them would acknowledge writes that are not on disk. Redis exits here too.
    if (fatal_aof_error_) {
      fatal_aof_error_(Status::IoError(failure.message));
    } else {
      spdlog::critical(
          "Can't recover from AOF write error when the AOF fsync policy is "
          "'always'. Exiting...");
      std::_Exit(1);
    }
  }
  // The writes waiting for a batch that will not be reported done get the refusal instead of
  // their success reply; writes from now on are refused before they run.
  if (on_aof_failure_) on_aof_failure_(WriteRefusal());
}

void PersistenceManager::OnAofRecovered() {
  if (aof_write_error_.empty()) return;
  spdlog::warn("AOF write error looks solved, Redis can write again.");
  aof_write_error_.clear();
  aof_failure_detail_.clear();
  aof_needs_rewrite_ = false;
}

void PersistenceManager::RecoverAof() {
  if (aof_write_error_.empty() || !aof_.is_open()) return;
  const int64_t now = NowMs();
  if (!aof_needs_rewrite_) {
    // The kept batches are written again, in order, once a second until the disk takes them.
    if (now - last_aof_retry_ms_ >= 1000) {
      last_aof_retry_ms_ = now;
      aof_.writer().RetryFailedWrite();
    }
    return;
  }
  // The file is in doubt: a rewrite makes the AOF whole from the dataset.
  if (job_ || snapshotter_.active() || now - last_rewrite_failure_ms_ <= RewriteRetryDelayMs()) {
    return;
  }
  spdlog::info("Rewriting the AOF to recover from the write error");
  std::string ignored;
  RewriteAof(&ignored);
}

int64_t PersistenceManager::RewriteRetryDelayMs() const {
  // A disk that keeps failing is not hammered: after a few quick retries the delay doubles,
  // up to an hour (the AOF's new incr file of each attempt stays listed until one succeeds).
  if (rewrite_failures_ < 3) return kRewriteRetryDelayMs;
  const int64_t shift = std::min<int64_t>(rewrite_failures_ - 3, 6);
  return std::min<int64_t>(60'000LL << shift, 3'600'000);
}

RdbAuxFields PersistenceManager::MakeAux(bool aof_base) const {
  RdbAuxFields aux;
  aux.ctime = NowMs() / 1000;
  aux.used_mem = mem::Used();
  aux.aof_base = aof_base;
  // Copied now: the libraries are the snapshot's as of its start, like its keys.
  if (context_.functions != nullptr) aux.function_libraries = context_.functions->LibraryCodes();
  return aux;
}

SnapshotFileSpec PersistenceManager::RdbSpec(bool background) const {
  SnapshotFileSpec spec;
  const std::string name = background ? "temp-bg-" : "temp-";
  spec.temp_path = file::JoinPath(settings().dir, name + std::to_string(::getpid()) + ".rdb");
  spec.final_path = RdbFilePath(settings());
  spec.format = SnapshotFormat::kRdb;
  spec.rdb_options = WriterOptions();
  spec.aux = MakeAux(false);
  if (replication_info_) spec.aux.replication = replication_info_();
  return spec;
}

Status PersistenceManager::StartJob(JobKind kind) {
  if (job_ || snapshotter_.active()) return Status::Busy("a snapshot is in progress");
  SnapshotFileSpec spec;
  if (kind == JobKind::kRdb) {
    spec = RdbSpec(true);
    last_bgsave_try_ms_ = NowMs();
  } else {
    if (Status st = aof_.BeginRewrite(settings(), &spec.temp_path, &spec.final_path); !st.ok()) {
      return st;
    }
    rewrite_base_path_ = spec.final_path;
    SnapshotFileSpec base = AofBaseSpec();
    base.temp_path = spec.temp_path;
    base.final_path = spec.final_path;
    spec = std::move(base);
  }
  job_start_ms_ = NowMs();
  spdlog::info(kind == JobKind::kRdb ? "Background saving started"
                                     : "Background append only file rewriting started");
  auto job = SnapshotJob::Start(spec, snapshotter_);
  if (!job.ok()) {
    // The job started and failed at once, as in Redis, whose child cannot create the file:
    // the request is answered "started", and the failure is the job's.
    if (kind == JobKind::kRdb) {
      FinishRdb(job.status(), 0);
    } else {
      FinishRewrite(job.status());
    }
    return Status::Ok();
  }
  events_.set_observer(&snapshotter_);
  job_ = std::move(job.value());
  ++job_generation_;
  job_kind_ = kind;
  dirty_at_job_start_ = context_.dirty;
  return Status::Ok();
}

Status PersistenceManager::StartStreamSnapshot(ByteSink* sink,
                                               const RdbAuxFields::Replication& replication,
                                               std::function<bool()> throttled,
                                               std::function<void(const Status&)> done) {
  if (job_ || snapshotter_.active()) return Status::Busy("a snapshot is in progress");
  RdbWriterOptions options = WriterOptions();
  RdbAuxFields aux = MakeAux(false);
  aux.replication = replication;
  stream_encoder_ = std::make_unique<RdbEncoder>(sink, options, aux);
  stream_throttled_ = std::move(throttled);
  stream_done_ = std::move(done);
  spdlog::info("Streamed snapshot for replication started");
  snapshotter_.Begin(stream_encoder_.get());
  events_.set_observer(&snapshotter_);
  return Status::Ok();
}

Status PersistenceManager::WriteKeylessSnapshot(ByteSink* sink,
                                                const RdbAuxFields::Replication& replication,
                                                bool with_functions) {
  RdbAuxFields aux = MakeAux(false);
  aux.replication = replication;
  if (!with_functions) aux.function_libraries.clear();
  RdbWriter writer(sink, WriterOptions());
  Status st = writer.WriteHeader(aux);
  return st.ok() ? writer.Finish() : st;
}

void PersistenceManager::AbortStreamSnapshot() {
  if (!stream_encoder_) return;
  stream_done_ = nullptr;
  stream_throttled_ = nullptr;
  // The walk goes on without output to restore the entries' bits; the encoder is dropped
  // when it ends.
  if (snapshotter_.writing()) snapshotter_.Abort();
}

bool PersistenceManager::background_throttled() const {
  if (stream_throttled_ && stream_throttled_()) return true;
  return job_ != nullptr && !job_finishing_ && job_->writer_behind();
}

bool PersistenceManager::BackgroundStep(int64_t budget_us) {
  if (!snapshotter_.active()) return false;
  if (background_throttled()) return true;
  if (!snapshotter_.Step(budget_us)) return true;
  events_.set_observer(nullptr);
  if (stream_encoder_) {
    OnStreamWalkComplete();
    return false;
  }
  if (job_ && !job_finishing_) OnWalkComplete();
  return false;
}

void PersistenceManager::OnStreamWalkComplete() {
  auto done = std::move(stream_done_);
  stream_done_ = nullptr;
  stream_throttled_ = nullptr;
  const Status st = snapshotter_.status();
  stream_encoder_.reset();
  if (done) done(st);
  Cron();  // start what was scheduled behind this snapshot
}

// Either way the outcome is applied only once the file is closed (CompleteFinishedJob). A failed
// job's temp file may hold the disk's last free blocks (a rewrite that filled it): reported
// while a thread was still closing it, a write right after the failure found the disk full
// and was refused (MISCONF). Redis's parent likewise sees the failure after its child exited.
void PersistenceManager::OnWalkComplete() {
  job_finishing_ = true;
  const uint64_t generation = job_generation_;
  auto finished = [this, generation](const Status& st) {
    {
      std::lock_guard<std::mutex> lock(finished_mu_);
      finished_status_ = st;
    }
    post_([this, generation] { CompleteFinishedJob(generation); });
  };
  if (Status st = snapshotter_.status(); !st.ok()) {
    job_->DiscardInBackground(worker_, [finished, st] { finished(st); });
    return;
  }
  job_->FinishInBackground(worker_, [finished](Status st, uint64_t) { finished(st); });
}

void PersistenceManager::CompleteFinishedJob(uint64_t generation) {
  // Shutdown may already have completed this job synchronously.
  if (generation != job_generation_ || !job_finishing_) return;
  Status st;
  {
    std::lock_guard<std::mutex> lock(finished_mu_);
    st = finished_status_;
  }
  OnJobFinished(job_kind_, st, dirty_at_job_start_);
}

void PersistenceManager::OnJobFinished(JobKind kind, const Status& st, int64_t dirty_at_start) {
  job_.reset();
  job_kind_ = JobKind::kNone;
  job_finishing_ = false;
  if (kind == JobKind::kRdb) {
    FinishRdb(st, dirty_at_start);
  } else {
    FinishRewrite(st);
  }
  Cron();  // start what was scheduled behind this job
}

void PersistenceManager::FinishRewriteNow() {
  snapshotter_.Step(-1);
  events_.set_observer(nullptr);
  Status st = snapshotter_.status();
  if (st.ok()) {
    st = job_->FinishNow();
  } else {
    job_->Discard();
  }
  OnJobFinished(JobKind::kAofRewrite, st, dirty_at_job_start_);
}

void PersistenceManager::FinishRdb(const Status& st, int64_t dirty_at_start) {
  ++rdb_saves_;  // attempts, as Redis counts them
  last_bgsave_time_sec_ = (NowMs() - job_start_ms_) / 1000;
  last_bgsave_ok_ = st.ok();
  if (!st.ok()) {
    spdlog::warn("Background saving error: {}", st.message());
    return;
  }
  // Writes made while the snapshot ran are not in it: they stay counted as unsaved.
  context_.dirty -= dirty_at_start;
  lastsave_ms_ = NowMs();
  spdlog::info("Background saving terminated with success");
}

void PersistenceManager::FinishRewrite(const Status& st) {
  Status result = st;
  if (result.ok()) {
    result = aof_.CommitRewrite(settings(), rewrite_base_path_);
  } else {
    aof_.AbortRewrite(settings(), rewrite_base_path_);
  }
  last_rewrite_time_sec_ = (NowMs() - job_start_ms_) / 1000;
  if (!result.ok()) {
    NoteRewriteFailure();
    spdlog::warn("Background AOF rewrite failed: {}", result.message());
    return;
  }
  last_rewrite_ok_ = true;
  rewrite_failures_ = 0;
  ++aof_rewrites_;
  // The new base holds whatever a failed file lost: the writer reports again (and the error
  // clears once it says so).
  if (aof_.is_open()) aof_.writer().RewriteCommitted();
  spdlog::info("Background AOF rewrite finished successfully");
}

cmd::ErrorReply PersistenceManager::Save() {
  // A synchronous save walks the keyspace on its own and so coexists with an AOF rewrite in
  // progress (as in Redis); a BGSAVE would write the same file.
  if (job_kind_ == JobKind::kRdb)
    return {cmd::ErrorKind::kBusy, "ERR Background save already in progress"};
  ++rdb_saves_;
  Status st = WriteSnapshotNow(RdbSpec(false));
  if (!st.ok()) {
    // Only a failed background save refuses writes (stop-writes-on-bgsave-error), as in
    // Redis: the caller of SAVE (or SHUTDOWN) has its error, and the next save point's
    // BGSAVE tells whether the disk still fails.
    spdlog::warn("Error saving DB on disk: {}", st.message());
    return {cmd::ErrorKind::kIoError, "ERR"};
  }
  context_.dirty = 0;
  lastsave_ms_ = NowMs();
  last_bgsave_ok_ = true;
  spdlog::info("DB saved on disk");
  return {};
}

cmd::ErrorReply PersistenceManager::BackgroundSave(bool schedule, std::string* status_reply) {
  if (job_kind_ == JobKind::kRdb)
    return {cmd::ErrorKind::kBusy, "ERR Background save already in progress"};
  if (job_ || snapshotter_.active()) {
    if (!schedule) {
      return {cmd::ErrorKind::kBusy,
              "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
              "SCHEDULE in order to schedule a BGSAVE whenever possible."};
    }
    bgsave_scheduled_ = true;
    *status_reply = "Background saving scheduled";
    return {};
  }
  if (Status st = StartJob(JobKind::kRdb); !st.ok()) {
    spdlog::warn("Can't save in background: {}", st.message());
    last_bgsave_ok_ = false;
    return {cmd::ErrorKind::kIoError, "ERR"};
  }
  *status_reply = "Background saving started";
  return {};
}

cmd::ErrorReply PersistenceManager::RewriteAof(std::string* status_reply) {
  if (job_kind_ == JobKind::kAofRewrite) {
    return {cmd::ErrorKind::kBusy, "ERR Background append only file rewriting already in progress"};
  }
  if (job_ || snapshotter_.active()) {
    rewrite_scheduled_ = true;
    *status_reply = "Background append only file rewriting scheduled";
    return {};
  }
  rewrite_scheduled_ = false;  // a failure that schedules a retry sets it again
  if (Status st = StartJob(JobKind::kAofRewrite); !st.ok()) {
    // The new incr file or the manifest naming it could not be made. Counted as a failure
    // (Redis does not count it), so an automatic rewrite backs off from a failing disk too.
    spdlog::warn("Can't rewrite append only file in background: {}", st.message());
    NoteRewriteFailure();
    return {cmd::ErrorKind::kIoError,
            "ERR Can't execute an AOF background rewriting. Please check the server logs for "
            "more information."};
  }
  *status_reply = "Background append only file rewriting started";
  return {};
}

bool PersistenceManager::SavePointDue() const {
  const int64_t now = NowMs();
  for (const config::SavePoint& p : settings().save) {
    if (context_.dirty >= p.changes && now - lastsave_ms_ > p.seconds * 1000 &&
        (last_bgsave_ok_ || now - last_bgsave_try_ms_ > kBgsaveRetryDelayMs)) {
      return true;
    }
  }
  return false;
}

int64_t PersistenceManager::AutoRewriteGrowth() const {
  const config::Settings& s = settings();
  if (!aof_.is_open() || s.auto_aof_rewrite_percentage <= 0) return -1;
  int64_t size = aof_.current_size();
  if (size < s.auto_aof_rewrite_min_size) return -1;
  int64_t base = std::max<int64_t>(aof_.size_after_last_rewrite(), 1);
  int64_t growth = (size - base) * 100 / base;
  if (growth < s.auto_aof_rewrite_percentage) return -1;
  // After a failure the growth is still there: without a pause every cron tick would start
  // a rewrite, each adding an incr file to the manifest (Redis pauses after the third).
  if (rewrite_failures_ > 0 && NowMs() - last_rewrite_failure_ms_ <= RewriteRetryDelayMs()) {
    return -1;
  }
  return growth;
}

void PersistenceManager::NoteRewriteFailure() {
  last_rewrite_ok_ = false;
  ++rewrite_failures_;
  last_rewrite_failure_ms_ = NowMs();
  // Turned on at runtime, the AOF is not complete without a base: keep trying (Cron waits
  // a little between attempts), as Redis does.
  if (aof_.awaiting_base()) rewrite_scheduled_ = true;
}

void PersistenceManager::Cron() {
  if (shutting_down_) return;
  RecoverAof();
  if (job_ || snapshotter_.active()) return;
  if (bgsave_scheduled_) {
    bgsave_scheduled_ = false;
    if (StartJob(JobKind::kRdb).ok()) return;
  }
  if (rewrite_scheduled_ && NowMs() - last_rewrite_failure_ms_ > RewriteRetryDelayMs()) {
    std::string ignored;
    if (RewriteAof(&ignored).empty()) return;
  }
  if (SavePointDue()) {
    spdlog::info("{} changes since the last save. Saving...", context_.dirty);
    if (Status st = StartJob(JobKind::kRdb); !st.ok()) {
      last_bgsave_ok_ = false;
      spdlog::warn("Can't start background save: {}", st.message());
    }
    return;
  }
  if (int64_t growth = AutoRewriteGrowth(); growth >= 0) {
    spdlog::info("Starting automatic rewriting of AOF on {}% growth", growth);
    std::string ignored;
    RewriteAof(&ignored);
  }
}

Status PersistenceManager::Shutdown(bool force_save, bool nosave, bool force) {
  shutting_down_ = true;
  if (job_finishing_) {
    // The file is being made durable: let it, and apply the outcome now (the posted
    // completion would run after the AOF is closed).
    worker_.Drain();
    CompleteFinishedJob(job_generation_);
  } else if (job_ && job_kind_ == JobKind::kAofRewrite) {
    // Finished rather than abandoned: otherwise every restart adds an incr file to a manifest
    // that never gets its new base.
    FinishRewriteNow();
  } else if (job_) {
    // A BGSAVE is abandoned (Redis kills its child); the SAVE below starts afresh.
    job_->Discard();
    job_.reset();
    job_kind_ = JobKind::kNone;
  }
  AbortStreamSnapshot();
  if (snapshotter_.active()) snapshotter_.Step(-1);
  events_.set_observer(nullptr);
  stream_encoder_.reset();
  if (context_.loading && !nosave) {
    // The live keyspace is still empty (the loader fills its own): saving it would replace
    // the very files being loaded with nothing. Redis 7.0 skips the save here too.
    spdlog::warn("Shutting down while loading the dataset: not saving.");
    nosave = true;
  }
  if (!nosave && (force_save || !settings().save.empty())) {
    spdlog::info("Saving the final RDB snapshot before exiting.");
    if (context_.service_status) context_.service_status->SavingFinalSnapshot();
    if (cmd::ErrorReply err = Save(); !err.empty()) {
      if (!force) {
        // As Redis: the server keeps running (and writing its AOF) rather than exit with its
        // data unsaved.
        shutting_down_ = false;
        return Status::IoError("Error trying to save the DB, can't exit.");
      }
      spdlog::warn("Error trying to save the DB, exiting anyway (FORCE).");
    }
  }
  if (aof_.is_open()) {
    aof_.writer().Submit();
    if (Status st = aof_.Close(); !st.ok()) {
      // What could not be written was refused to its clients when the AOF failed: exiting
      // loses nothing acknowledged, and staying up would not write it either.
      spdlog::warn("The AOF was not closed cleanly: {}", st.message());
    }
  }
  return Status::Ok();
}

std::string PersistenceManager::WriteRefusal() const {
  // A failed RDB save is named first, as Redis does when both failed.
  if (settings().stop_writes_on_bgsave_error && !settings().save.empty() && !last_bgsave_ok_) {
    return kBgsaveErrorText;
  }
  if (!aof_write_error_.empty()) {
    return "MISCONF Errors writing to the AOF file: " + aof_write_error_;
  }
  return {};
}

bool PersistenceManager::HoldsWrite(int db, std::string_view key) {
  if (!snapshotter_.writing()) return false;
  const store::Entry* e = context_.keyspace.db(db).LookupRaw(key);
  if (e == nullptr || !snapshotter_.HoldsWrite(db, *e)) return false;
  snapshotter_.SaveSoon(db, key);
  return true;
}

void PersistenceManager::AppendInfoFields(std::string& out) const {
  auto field = [&out](std::string_view name, const std::string& value) {
    out.append(name);
    out += ':';
    out += value;
    out += "\r\n";
  };
  auto num = [&field](std::string_view name, int64_t v) { field(name, Int64ToString(v)); };
  const int64_t now = NowMs();
  const bool rdb_running = job_kind_ == JobKind::kRdb;
  const bool rewrite_running = job_kind_ == JobKind::kAofRewrite;
  num("loading", context_.loading ? 1 : 0);
  num("async_loading", 0);
  num("current_cow_peak", 0);
  num("current_cow_size", 0);
  num("current_cow_size_age", 0);
  field("current_fork_perc", "0.00");
  num("current_save_keys_processed", static_cast<int64_t>(snapshotter_.entries_written()));
  num("current_save_keys_total", job_ ? static_cast<int64_t>(context_.keyspace.TotalKeys()) : 0);
  num("rdb_changes_since_last_save", context_.dirty);
  num("rdb_bgsave_in_progress", rdb_running ? 1 : 0);
  num("rdb_last_save_time", lastsave_ms_ / 1000);
  field("rdb_last_bgsave_status", last_bgsave_ok_ ? "ok" : "err");
  num("rdb_last_bgsave_time_sec", last_bgsave_time_sec_);
  num("rdb_current_bgsave_time_sec", rdb_running ? (now - job_start_ms_) / 1000 : -1);
  num("rdb_saves", static_cast<int64_t>(rdb_saves_));
  num("rdb_last_cow_size", 0);
  num("rdb_last_load_keys_expired", static_cast<int64_t>(load_info_.keys_expired));
  num("rdb_last_load_keys_loaded", static_cast<int64_t>(load_info_.keys_loaded));
  num("aof_enabled", settings().appendonly ? 1 : 0);
  num("aof_rewrite_in_progress", rewrite_running ? 1 : 0);
  num("aof_rewrite_scheduled", rewrite_scheduled_ ? 1 : 0);
  num("aof_last_rewrite_time_sec", last_rewrite_time_sec_);
  num("aof_current_rewrite_time_sec", rewrite_running ? (now - job_start_ms_) / 1000 : -1);
  field("aof_last_bgrewrite_status", last_rewrite_ok_ ? "ok" : "err");
  num("aof_rewrites", static_cast<int64_t>(aof_rewrites_));
  num("aof_rewrites_consecutive_failures", static_cast<int64_t>(rewrite_failures_));
  field("aof_last_write_status", aof_write_error_.empty() ? "ok" : "err");
  // basalt's own: what failed, while it lasts (Redis only logs it).
  if (!aof_failure_detail_.empty()) field("aof_last_write_error", aof_failure_detail_);
  num("aof_last_cow_size", 0);
  num("module_fork_in_progress", 0);
  num("module_fork_last_cow_size", 0);
  if (aof_.is_open()) {
    num("aof_current_size", aof_.current_size());
    num("aof_base_size", aof_.base_size());
    num("aof_pending_rewrite", rewrite_scheduled_ ? 1 : 0);
    num("aof_buffer_length", 0);
    num("aof_pending_bio_fsync", 0);
    num("aof_delayed_fsync", 0);
  }
}

}  // namespace basalt::persistence
