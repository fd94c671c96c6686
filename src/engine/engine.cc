#include "engine/engine.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "commands/function_host.h"
#include "common/clock.h"
#include "persistence/data_loader.h"
#include "persistence/persistence_manager.h"
#include "persistence/rdb_dump.h"
#include "replication/replication.h"
#include "scripting/lua_scripts.h"

namespace basalt::engine {

Engine::Engine(config::Config& config, const Clock& clock, PostFn post)
    : config_(config),
      clock_(clock),
      post_(std::move(post)),
      keyspace_(static_cast<int>(config.settings().databases)),
      core_(keyspace_, config, clock) {
  keyspace_.set_lazy_free([this](store::CompositeValue* value) {
    lazy_free_worker_.Submit([this, value] {
      delete value;
      keyspace_.lazyfree_pending().fetch_sub(1, std::memory_order_relaxed);
    });
  });
  persistence_ =
      std::make_unique<persistence::PersistenceManager>(core_.context(), core_.events(), post_);
  persistence_->set_on_durable([this](uint64_t seq) { RunDurableCallback(seq); });
  core_.context().persistence = persistence_.get();
  core_.context().dump_format = &persistence::DumpFormatInstance();
  // The AOF is the write stream's first consumer (the replication backlog comes next).
  core_.writes().AddConsumer(persistence_.get());
  // Replication is the second: its backlog and replicas get every write too.
  replication_ = std::make_unique<replication::Replication>(core_.context(), *persistence_, post_);
  core_.context().replication = replication_.get();
  persistence_->set_replication_info([this] { return replication_->SnapshotInfo(); });
  scripts_ = std::make_unique<scripting::LuaScripts>();
  core_.context().scripts = scripts_.get();
  core_.context().functions = &scripts_->functions();
}

Engine::~Engine() {
  lazy_free_worker_.Drain();  // its jobs count down the keyspace's pending objects
  // A load still running posts its result to a loop that no longer runs: stop it and wait.
  cancel_loading_ = true;
  if (loader_.joinable()) loader_.join();
  core_.context().scripts = nullptr;
  core_.context().functions = nullptr;
  core_.context().replication = nullptr;
  replication_.reset();
  core_.writes().RemoveConsumer(persistence_.get());
  core_.context().persistence = nullptr;
}

void Engine::OnClientClose(cmd::ClientSession& client) {
  core_.OnClientClose(client);
  replication_->OnClientClose(client);
}

uint64_t Engine::EndOfBatch() {
  replication_->EndOfTurn();
  return persistence_->EndOfBatch();
}

bool Engine::wants_end_of_turn() const { return replication_->primary().acks_requested(); }

void Engine::RestoreReplication(const persistence::DatasetLoadResult& result) {
  if (result.repl_id.size() == 40 && result.repl_offset >= 0) {
    replication_->RestoreFromRdb(result.repl_id, result.repl_offset, result.repl_stream_db);
  }
}

bool Engine::background_throttled() const {
  return persistence_->background_throttled() && !core_.evictor().unfinished();
}

bool Engine::aof_durable(uint64_t seq) const { return persistence_->aof_durable(seq); }

bool Engine::aof_fsync_always() const { return persistence_->aof_fsync_always(); }

int64_t Engine::aof_last_fsync_us() const { return persistence_->aof_last_fsync_us(); }

void Engine::set_on_aof_failure(std::function<void(const std::string&)> fn) {
  persistence_->set_on_aof_failure(std::move(fn));
}

void Engine::RunDurableCallback(uint64_t seq) {
  if (on_durable_) on_durable_(seq);
}

void Engine::Cron() {
  const int64_t hz = std::clamp<int64_t>(config_.settings().hz, 1, 500);
  const int64_t period_us = 1'000'000 / hz;
  core_.registries().pause.Tick(clock_.NowMs());
  // Writes held for a snapshot that ended without a slice (SAVE, SHUTDOWN) go on here.
  ReleaseHeldWrites();
  core_.registries().blocked.Tick(clock_.NowMs());
  replication_->Cron(clock_.NowMs());
  keyspace_.set_now_ms(clock_.NowMs());
  if (!core_.context().loading) {
    // Eviction that ran out of time in a command (or a lowered maxmemory) goes on here.
    if (core_.evictor().unfinished()) core_.evictor().Perform();
    // Redis's slow expire cycle: at most 25% of each cron period. Not while clients are
    // paused: a pause (a failover's quiet moment) must not change the data behind them.
    cmd::ServerContext& context = core_.context();
    if (!core_.registries().pause.active() && context.active_expire) {
      const int64_t start_us = clock_.NowUs();
      keyspace_.ActiveExpireCycle(clock_.NowMs(), period_us / 4);
      const int64_t took_ms = (clock_.NowUs() - start_us) / 1000;
      context.latency.AddIfNeeded("expire-cycle", took_ms,
                                  config_.settings().latency_monitor_threshold,
                                  clock_.NowMs() / 1000);
    }
    keyspace_.RehashFor(1000);
    persistence_->Cron();
  }
}

bool Engine::BackgroundStep() {
  // Eviction that a command's time budget cut short (or a lowered maxmemory) goes on between
  // loop turns, one budget at a time, as Redis's eviction time event does.
  cmd::Evictor& evictor = core_.evictor();
  if (evictor.unfinished() && !core_.context().loading) evictor.Perform();
  // A slice short enough that no client waits noticeably behind it.
  constexpr int64_t kSliceUs = 1000;
  bool more = false;
  if (persistence_->has_background_work()) more = persistence_->BackgroundStep(kSliceUs);
  ReleaseHeldWrites();
  return more || evictor.unfinished();
}

void Engine::ReleaseHeldWrites() {
  core_.registries().write_holds.Release(persistence_->write_hold_releases());
}

bool Engine::has_background_work() const {
  return persistence_->has_background_work() || core_.evictor().unfinished();
}

Status Engine::PrepareShutdown(bool force_save, bool nosave, bool force) {
  return persistence_->Shutdown(force_save, nosave, force);
}

Status Engine::InstallFunctions(const persistence::DatasetLoadResult& result) {
  cmd::FunctionHost& functions = scripts_->functions();
  if (!result.function_libraries.empty()) {
    cmd::ErrorReply error =
        functions.Restore(result.function_libraries, cmd::RestorePolicy::kFlush);
    if (!error.empty()) {
      return Status::Corruption("a function library of the dataset failed to load: " + error.text);
    }
  }
  if (result.function_commands.empty()) return Status::Ok();
  // Through a dispatcher of their own: the live one would send them to the AOF and the
  // replicas again. A command that fails is skipped, as Redis's AOF loading ignores replies.
  auto scratch = keyspace_.NewStaging();
  config::Config config = config_;
  // The file is the dataset: an OOM refusal would drop a library for good (the next rewrite
  // or save no longer has it). Redis's loading skips the check too.
  config.settings().maxmemory = 0;
  cmd::Core replay(*scratch, config, clock_);
  replay.context().functions = &functions;
  replay.context().dump_format = &persistence::DumpFormatInstance();
  cmd::ClientSession session;
  session.authenticated = true;
  session.replays_aof = true;
  for (const std::vector<std::string>& argv : result.function_commands) {
    const std::vector<std::string_view> views(argv.begin(), argv.end());
    std::string reply;
    protocol::ReplyWriter writer(&reply);
    replay.dispatcher().Execute(session, views, writer);
    if (reply.starts_with("-")) {
      spdlog::warn("A FUNCTION command of the append only file failed: {}",
                   reply.substr(1, reply.find('\r') - 1));
    }
  }
  return Status::Ok();
}

namespace {

void LogLoaded(const persistence::DatasetLoadResult& r) {
  spdlog::info("Loaded {}: {} keys, {} expired keys skipped, {:.3f} seconds", r.source,
               r.keys_loaded, r.expired_skipped, r.seconds);
}

}  // namespace

Status Engine::LoadNow() {
  persistence_->RemoveStaleTempFiles();
  persistence::DatasetLoadResult result;
  Status st = persistence::LoadDataset(config_, clock_, keyspace_, &result);
  if (!st.ok()) return st;
  LogLoaded(result);
  RestoreReplication(result);
  if (st = InstallFunctions(result); !st.ok()) return st;
  persistence_->set_load_info({result.keys_loaded, result.expired_skipped});
  return persistence_->OpenAof();
}

void Engine::StartLoading(std::function<void(const Status&)> done) {
  if (!persistence::HasDatasetToLoad(config_)) {
    // Nothing on disk: Redis is ready at once here too, so no client sees -LOADING.
    done(LoadNow());
    return;
  }
  persistence_->RemoveStaleTempFiles();
  core_.context().loading = true;
  // The loader fills a keyspace of its own; the live one is swapped with it when done, on this
  // thread, so commands allowed during loading never see a half-built table.
  auto staging = keyspace_.NewStaging();
  auto config_copy = std::make_shared<config::Config>(config_);
  loader_ = std::thread([this, staging, config_copy, done = std::move(done)]() mutable {
    auto result = std::make_shared<persistence::DatasetLoadResult>();
    Status st =
        persistence::LoadDataset(*config_copy, clock_, *staging, result.get(), &cancel_loading_);
    post_([this, staging, result, st, done = std::move(done)] {
      core_.context().loading = false;
      Status outcome = st;
      if (outcome.ok()) {
        for (int i = 0; i < keyspace_.db_count(); ++i) {
          keyspace_.db(i).SwapContents(staging->db(i));
        }
        LogLoaded(*result);
        RestoreReplication(*result);
        outcome = InstallFunctions(*result);
        persistence_->set_load_info({result->keys_loaded, result->expired_skipped});
        if (outcome.ok()) outcome = persistence_->OpenAof();
      }
      done(outcome);
    });
  });
}

}  // namespace basalt::engine
