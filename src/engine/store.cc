// The embedded Store (include/basalt/store.h) over engine::Engine.
//
// Why every operation goes through the dispatcher: each call is built as the argv of the Redis
// command and run by the engine's dispatcher as an in-process client, and its RESP reply is
// decoded here. That costs a little formatting and parsing per call, but buys exact equality
// with the server: the same argument checks and error texts, the same TTL handling, and above
// all the same propagation (SET ... PX logged as SET ... PXAT, lazily expired keys logged as
// DEL), which a second path straight to the store ops would have to keep in step by hand.
//
// Driving the engine. The engine wants one thread that runs the closures its background
// threads post and calls Cron hz times a second. Here the "engine thread" is whichever thread
// holds mu_: posted closures wait in queue_ and run under mu_ at the start of each call, in a
// durability wait, and on the upkeep thread, which also runs Cron and the slices of background
// snapshots (or, without it, calls do a little of that work each).
#include "basalt/store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <span>
#include <thread>

#include "commands/command.h"
#include "common/clock.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "engine/engine.h"
#include "persistence/aof_manager.h"
#include "persistence/aof_manifest.h"
#include "persistence/data_loader.h"
#include "persistence/persistence_manager.h"
#include "protocol/reply_parser.h"
#include "protocol/reply_writer.h"

namespace basalt {

namespace {

using protocol::Reply;

// An error reply as a Status, by the kind the dispatcher recorded for it (never by its text,
// which is kept whole, code first, as the message).
Status ErrorStatus(cmd::ErrorKind kind, std::string text) {
  switch (kind) {
    case cmd::ErrorKind::kWriteRefused:
    case cmd::ErrorKind::kIoError:
      return Status::IoError(std::move(text));
    case cmd::ErrorKind::kOutOfMemory:
    case cmd::ErrorKind::kLoading:
    case cmd::ErrorKind::kBusy:
    case cmd::ErrorKind::kReplication:
      return Status::Busy(std::move(text));
    case cmd::ErrorKind::kNone:
    case cmd::ErrorKind::kArgument:
    case cmd::ErrorKind::kNoAuth:
    case cmd::ErrorKind::kClientMode:
      break;
  }
  return Status::InvalidArgument(std::move(text));
}

Status ClosedError() { return Status::InvalidArgument("the store is closed"); }

Status Unexpected(std::string_view command, const Reply& r) {
  return Status::Corruption("unexpected reply to " + std::string(command) + " (kind " +
                            std::to_string(static_cast<int>(r.kind)) + ")");
}

const char* FsyncName(AppendFsync f) {
  switch (f) {
    case AppendFsync::kAlways:
      return "always";
    case AppendFsync::kNo:
      return "no";
    case AppendFsync::kEverySec:
      break;
  }
  return "everysec";
}

void ApplyLogLevel(const std::string& level) {
  if (level.empty()) return;
  spdlog::level::level_enum l = spdlog::level::info;
  if (level == "debug") l = spdlog::level::trace;
  if (level == "verbose") l = spdlog::level::debug;
  if (level == "warning") l = spdlog::level::warn;
  if (level == "nothing") l = spdlog::level::off;
  spdlog::set_level(l);
}

Status BuildConfig(const std::string& dir, const Options& o, config::Config* config) {
  std::vector<std::pair<std::string, std::string>> params = {
      {"appendonly", o.appendonly ? "yes" : "no"},
      {"appendfsync", FsyncName(o.appendfsync)},
      {"save", o.save},
      {"dbfilename", o.dbfilename},
      {"appenddirname", o.appenddirname},
      {"appendfilename", o.appendfilename},
  };
  params.insert(params.end(), o.parameters.begin(), o.parameters.end());
  params.emplace_back("dir", dir);
  for (const auto& [name, value] : params) {
    Status st = config->Set(name, value, config::Config::Origin::kStartup);
    if (!st.ok()) {
      return Status::InvalidArgument("option '" + name + "' = '" + value + "': " + st.message());
    }
  }
  return Status::Ok();
}

}  // namespace

class Store::Impl {
 public:
  explicit Impl(const Options& options)
      : options_(options),
        clock_(options.clock != nullptr ? *options.clock : *SystemClock::Instance()) {}
  ~Impl() {
    if (Status st = Close(); !st.ok()) spdlog::warn("Closing the store: {}", st.message());
  }

  Status Open(const std::string& dir);
  // Runs one command; an error reply becomes the returned Status. A write returns once the
  // AOF writer reported it (written; with appendfsync always, also fsynced).
  Result<Reply> Call(std::initializer_list<std::string_view> argv);
  Status Close();

 private:
  Status LockDirectory(const std::string& dir);
  Status Load();
  Status AdoptRdbAsAofBase();
  void Abandon();
  void ReleaseLock();
  void Post(std::function<void()> fn);
  void RunPosted();
  void Upkeep(bool background_step);
  Status WaitDurable(std::unique_lock<std::mutex>& lock, uint64_t seq);
  void UpkeepLoop();
  bool JobRunning() const;
  void FinishBackgroundJobs();
  int64_t CronPeriodUs() const;

  const Options options_;
  const Clock& clock_;
  config::Config config_;  // before engine_: the engine registers listeners on it
  int lock_fd_ = -1;

  std::mutex mu_;  // held by the thread acting as the engine's thread
  std::unique_ptr<engine::Engine> engine_;
  cmd::ClientSession session_;
  std::string reply_buffer_;
  int64_t last_cron_us_ = 0;

  // Closures posted by the engine's background threads; waiters for durability wait here.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<std::function<void()>> queue_;
  std::atomic<uint64_t> durable_seq_{0};
  std::atomic<bool> closed_{false};

  std::mutex close_mu_;
  std::thread upkeep_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
};

Status Store::Impl::LockDirectory(const std::string& dir) {
  // flock on the directory itself: no extra file in the data directory, released by the
  // kernel when the process dies. Exclusive between Stores; servers do not take it.
  lock_fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd_ < 0) return Status::IoError("open '" + dir + "': " + file::ErrnoText(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (err == EWOULDBLOCK) {
      return Status::Busy("the data directory '" + dir + "' is in use by another Store");
    }
    return Status::IoError("lock '" + dir + "': " + file::ErrnoText(err));
  }
  return Status::Ok();
}

Status Store::Impl::Open(const std::string& dir_arg) {
  ApplyLogLevel(options_.log_level);
  if (dir_arg.empty()) return Status::InvalidArgument("empty data directory path");
  std::error_code ec;
  const std::string dir = std::filesystem::absolute(dir_arg, ec).lexically_normal().string();
  if (ec) return Status::IoError("resolve '" + dir_arg + "': " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) {
    if (!options_.create_if_missing) {
      return Status::NotFound("data directory '" + dir + "' does not exist");
    }
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IoError("create directory '" + dir + "': " + ec.message());
  }
  if (Status st = BuildConfig(dir, options_, &config_); !st.ok()) return st;
  if (Status st = LockDirectory(dir); !st.ok()) return st;

  engine_ = std::make_unique<engine::Engine>(
      config_, clock_, [this](std::function<void()> fn) { Post(std::move(fn)); });
  // The server exits when the AOF fails under appendfsync always; an embedding program must
  // not be killed: the failed write is refused with IoError instead (see WaitDurable).
  engine_->persistence().set_fatal_aof_error_handler([](const Status& st) {
    spdlog::error("AOF write failed under appendfsync always: {}", st.message());
  });
  engine_->set_on_durable([this](uint64_t seq) {
    if (seq > durable_seq_.load()) durable_seq_ = seq;
  });
  session_.authenticated = true;
  session_.name = "basalt-store";
  session_.created_ms = clock_.NowMs();
  if (Status st = Load(); !st.ok()) {
    Abandon();
    return st;
  }
  last_cron_us_ = MonotonicUs();
  if (options_.background_thread) upkeep_ = std::thread([this] { UpkeepLoop(); });
  return Status::Ok();
}

Status Store::Impl::Load() {
  const config::Settings& s = config_.settings();
  const bool adopt_rdb = s.appendonly && !file::Exists(persistence::AofManager::ManifestPath(s)) &&
                         file::Exists(persistence::RdbFilePath(s));
  if (!adopt_rdb) return engine_->LoadNow();
  // Deliberately unlike a server's startup (which would start empty and lose the RDB's data
  // at the next snapshot): load the RDB, then make it the AOF's base. See AdoptRdbAsAofBase.
  auto set_appendonly = [this](const char* value) {
    return config_.Set("appendonly", value, config::Config::Origin::kStartup);
  };
  if (Status st = set_appendonly("no"); !st.ok()) return st;
  Status st = engine_->LoadNow();
  Status restored = set_appendonly("yes");
  if (st.ok()) st = restored;
  if (st.ok()) st = AdoptRdbAsAofBase();
  if (st.ok()) st = engine_->persistence().OpenAof();
  return st;
}

Status Store::Impl::AdoptRdbAsAofBase() {
  // An RDB file is a valid AOF base (Redis 7 writes RDB-preamble bases itself). The copy is
  // made durable before the manifest naming it appears, and the manifest is written
  // atomically: a crash anywhere here leaves either no manifest (the next Open adopts again)
  // or a complete one.
  const config::Settings& s = config_.settings();
  const std::string aof_dir = persistence::AofManager::DirectoryPath(s);
  if (Status st = file::MakeDirectory(aof_dir); !st.ok()) return st;
  std::string rdb;
  if (Status st = file::ReadFile(persistence::RdbFilePath(s), &rdb); !st.ok()) return st;
  persistence::AofManifest manifest;
  manifest.base = persistence::AofFileInfo{persistence::AofBaseName(s.appendfilename, 1, true), 1,
                                           persistence::AofFileInfo::Type::kBase};
  const std::string base_path = file::JoinPath(aof_dir, manifest.base->name);
  if (Status st = file::WriteFileAtomically(base_path, rdb); !st.ok()) return st;
  spdlog::info("Adopted {} as the base of the new AOF {}", s.dbfilename, base_path);
  return file::WriteFileAtomically(persistence::AofManager::ManifestPath(s), manifest.Format());
}

void Store::Impl::Abandon() {
  // A failed Open: no final snapshot (it would overwrite good files with a partial load).
  engine_.reset();
  {
    std::lock_guard<std::mutex> q(queue_mu_);
    queue_.clear();
  }
  ReleaseLock();
}

void Store::Impl::ReleaseLock() {
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);  // releases the flock
    lock_fd_ = -1;
  }
}

void Store::Impl::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> q(queue_mu_);
    queue_.push_back(std::move(fn));
  }
  queue_cv_.notify_all();
}

void Store::Impl::RunPosted() {
  // A posted closure may post again (a finished job starts the next): bounded rounds.
  for (int round = 0; round < 4; ++round) {
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard<std::mutex> q(queue_mu_);
      batch.swap(queue_);
    }
    if (batch.empty()) return;
    for (auto& fn : batch) fn();
    {
      // Under queue_mu_ so a waiter between its check and its wait cannot miss this.
      std::lock_guard<std::mutex> q(queue_mu_);
    }
    queue_cv_.notify_all();
  }
}

int64_t Store::Impl::CronPeriodUs() const {
  return 1'000'000 / std::clamp<int64_t>(config_.settings().hz, 1, 500);
}

void Store::Impl::Upkeep(bool background_step) {
  RunPosted();
  const int64_t now = MonotonicUs();
  if (now - last_cron_us_ >= CronPeriodUs()) {
    last_cron_us_ = now;
    engine_->Cron();
  }
  if (background_step && engine_->has_background_work()) engine_->BackgroundStep();
}

Result<Reply> Store::Impl::Call(std::initializer_list<std::string_view> argv) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!engine_) return ClosedError();
  if (options_.background_thread) {
    RunPosted();
  } else {
    Upkeep(true);
  }
  reply_buffer_.clear();
  protocol::ReplyWriter writer(&reply_buffer_);
  engine_->Execute(session_, std::span<const std::string_view>(argv.begin(), argv.size()), writer);
  const uint64_t seq = engine_->EndOfBatch();
  // Only a call that wrote waits; a read never waits for other threads' batches (nor, after an
  // AOF error, for a batch that will never be durable).
  const bool wrote = session_.awaits_durability;
  session_.awaits_durability = false;
  // Taken now: a durability wait below lets other threads' calls run on session_.
  const cmd::ErrorKind error_kind = session_.last_error_kind;
  Reply reply;
  size_t consumed = 0;
  std::string why;
  if (protocol::ParseReply(reply_buffer_, &reply, &consumed, &why) !=
          protocol::ReplyParse::kComplete ||
      consumed != reply_buffer_.size()) {
    return Status::Corruption("unreadable reply to " + std::string(*argv.begin()));
  }
  // Every policy waits until the writer thread has written the batch: with always that
  // includes its fsync; with everysec and no it is the write(2) Redis does before replying,
  // so that a crash of this process never loses an acknowledged write.
  if (wrote && seq != 0) {
    if (Status st = WaitDurable(lock, seq); !st.ok()) return st;
  }
  if (reply.kind == Reply::Kind::kError) {
    return ErrorStatus(error_kind, std::move(reply.text));
  }
  return reply;
}

Status Store::Impl::WaitDurable(std::unique_lock<std::mutex>& lock, uint64_t seq) {
  // mu_ is released while waiting so other threads' writes join the next fsync (group
  // commit); durability reports arrive as posted closures, run by whoever holds mu_.
  while (durable_seq_.load() < seq) {
    if (!engine_) {
      return Status::IoError("the store was closed before the write was known to be durable");
    }
    lock.unlock();
    {
      std::unique_lock<std::mutex> q(queue_mu_);
      queue_cv_.wait(
          q, [&] { return !queue_.empty() || durable_seq_.load() >= seq || closed_.load(); });
    }
    lock.lock();
    if (!engine_) continue;
    RunPosted();
    // After an AOF failure nothing is reported durable until the AOF is whole again: the
    // write is refused now rather than waited for (it stays in memory, and is written if the
    // AOF recovers, as for a server's client).
    if (engine_->persistence().aof_failed() && durable_seq_.load() < seq) {
      return Status::IoError(engine_->context().persistence->WriteRefusal());
    }
  }
  return Status::Ok();
}

void Store::Impl::UpkeepLoop() {
  std::unique_lock<std::mutex> stop_lock(stop_mu_);
  while (!stop_) {
    stop_lock.unlock();
    bool more = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (engine_) {
        Upkeep(true);
        more = engine_->has_background_work();
      }
    }
    stop_lock.lock();
    // Between snapshot slices, a pause as long as a slice lets callers in.
    const auto pause =
        more ? std::chrono::microseconds(1000) : std::chrono::microseconds(CronPeriodUs());
    stop_cv_.wait_for(stop_lock, pause, [this] { return stop_; });
  }
}

bool Store::Impl::JobRunning() const { return engine_->persistence().job_running(); }

void Store::Impl::FinishBackgroundJobs() {
  // A server's shutdown abandons a running snapshot. A Store is often opened for a short
  // while (the AOF's first base is written in the background after Open), and abandoning
  // each time would leave an incr file per Open and no base: finish the job instead.
  RunPosted();
  while (engine_->has_background_work() || JobRunning()) {
    if (engine_->background_throttled()) {
      // The snapshot's file writer is behind: let the disk catch up rather than spin.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } else if (engine_->has_background_work()) {
      engine_->BackgroundStep();
    } else {
      // The job's file is being made durable on a worker thread, which posts when done.
      std::unique_lock<std::mutex> q(queue_mu_);
      queue_cv_.wait_for(q, std::chrono::milliseconds(100), [this] { return !queue_.empty(); });
    }
    RunPosted();
  }
}

Status Store::Impl::Close() {
  std::lock_guard<std::mutex> close_lock(close_mu_);
  if (upkeep_.joinable()) {
    {
      std::lock_guard<std::mutex> s(stop_mu_);
      stop_ = true;
    }
    stop_cv_.notify_all();
    upkeep_.join();
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (!engine_) return Status::Ok();
  FinishBackgroundJobs();
  const bool save = options_.snapshot_on_close;
  Status st = engine_->PrepareShutdown(save, !save);
  // Shutdown drained, wrote and fsynced the AOF: every write is as durable as it will get.
  if (st.ok()) durable_seq_ = UINT64_MAX;
  // Closures posted from here on are dropped: nothing may run against a closed engine.
  engine_.reset();
  {
    std::lock_guard<std::mutex> q(queue_mu_);
    queue_.clear();
    closed_ = true;
  }
  queue_cv_.notify_all();
  ReleaseLock();
  if (!st.ok()) return Status::IoError("closing the store: " + st.message());
  return Status::Ok();
}

// ---- Store ----

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, const Options& options) {
  auto impl = std::make_unique<Impl>(options);
  if (Status st = impl->Open(dir); !st.ok()) return st;
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Result<std::optional<std::string>> Store::Get(std::string_view key) {
  auto r = impl_->Call({"GET", key});
  if (!r.ok()) return r.status();
  if (r->kind == Reply::Kind::kNull) return std::optional<std::string>();
  if (r->kind != Reply::Kind::kBulkString) return Unexpected("GET", *r);
  return std::optional<std::string>(std::move(r->text));
}

Status Store::Set(std::string_view key, std::string_view value) {
  return impl_->Call({"SET", key, value}).status();
}

Status Store::Set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) {
  const std::string ms = Int64ToString(ttl.count());
  return impl_->Call({"SET", key, value, "PX", ms}).status();
}

namespace {

// An integer reply as a bool (DEL, EXISTS, PEXPIRE, PERSIST answer 0 or 1 for one key).
Result<bool> AsBool(Result<Reply> r, std::string_view command) {
  if (!r.ok()) return r.status();
  if (r->kind != Reply::Kind::kInteger) return Unexpected(command, *r);
  return r->integer > 0;
}

}  // namespace

Result<bool> Store::Del(std::string_view key) { return AsBool(impl_->Call({"DEL", key}), "DEL"); }

Result<bool> Store::Exists(std::string_view key) {
  return AsBool(impl_->Call({"EXISTS", key}), "EXISTS");
}

Result<bool> Store::Expire(std::string_view key, std::chrono::milliseconds ttl) {
  const std::string ms = Int64ToString(ttl.count());
  return AsBool(impl_->Call({"PEXPIRE", key, ms}), "PEXPIRE");
}

Result<bool> Store::Persist(std::string_view key) {
  return AsBool(impl_->Call({"PERSIST", key}), "PERSIST");
}

Result<std::optional<std::chrono::milliseconds>> Store::Ttl(std::string_view key) {
  using Ms = std::optional<std::chrono::milliseconds>;
  auto r = impl_->Call({"PTTL", key});
  if (!r.ok()) return r.status();
  if (r->kind != Reply::Kind::kInteger) return Unexpected("PTTL", *r);
  if (r->integer == -2) return Status::NotFound("no such key");
  if (r->integer == -1) return Ms();
  return Ms(std::chrono::milliseconds(r->integer));
}

Result<uint64_t> Store::Count() {
  auto r = impl_->Call({"DBSIZE"});
  if (!r.ok()) return r.status();
  if (r->kind != Reply::Kind::kInteger) return Unexpected("DBSIZE", *r);
  return static_cast<uint64_t>(r->integer);
}

namespace {

Result<std::vector<std::string>> BulkStrings(Reply& r, std::string_view command) {
  if (r.kind != Reply::Kind::kArray) return Unexpected(command, r);
  std::vector<std::string> out;
  out.reserve(r.elements.size());
  for (Reply& e : r.elements) {
    if (e.kind != Reply::Kind::kBulkString) return Unexpected(command, e);
    out.push_back(std::move(e.text));
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> Store::Keys(std::string_view pattern) {
  auto r = impl_->Call({"KEYS", pattern});
  if (!r.ok()) return r.status();
  return BulkStrings(*r, "KEYS");
}

Result<Store::ScanPage> Store::Scan(uint64_t cursor, std::string_view pattern, uint64_t count) {
  const std::string cursor_text = std::to_string(cursor);
  const std::string count_text = std::to_string(count);
  auto r = impl_->Call({"SCAN", cursor_text, "MATCH", pattern, "COUNT", count_text});
  if (!r.ok()) return r.status();
  if (r->kind != Reply::Kind::kArray || r->elements.size() != 2 ||
      r->elements[0].kind != Reply::Kind::kBulkString) {
    return Unexpected("SCAN", *r);
  }
  ScanPage page;
  uint64_t next = 0;
  for (char c : r->elements[0].text) next = next * 10 + static_cast<uint64_t>(c - '0');
  page.next_cursor = next;
  auto keys = BulkStrings(r->elements[1], "SCAN");
  if (!keys.ok()) return keys.status();
  page.keys = std::move(keys.value());
  return page;
}

Status Store::Save() {
  Status st = impl_->Call({"SAVE"}).status();
  // SAVE answers a bare "ERR" when the disk failed (the log has the details).
  if (st.code() == Status::Code::kIoError) {
    return Status::IoError("the snapshot could not be written (" + st.message() + ")");
  }
  return st;
}

Status Store::Close() { return impl_->Close(); }

}  // namespace basalt
