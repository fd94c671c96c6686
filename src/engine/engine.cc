#include "engine/engine.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "common/clock.h"
#include "persistence/data_loader.h"
#include "persistence/persistence_manager.h"

namespace basalt::engine {

Engine::Engine(config::Config& config, const Clock& clock, PostFn post)
    : config_(config),
      clock_(clock),
      post_(std::move(post)),
      keyspace_(static_cast<int>(config.settings().databases)),
      context_(keyspace_, config, clock, commands_),
      dispatcher_(context_),
      events_(context_) {
  cmd::RegisterAllCommands(commands_);
  keyspace_.set_listener(&events_);
  context_.propagator = this;
  context_.stats.start_time_ms = clock.NowMs();
  persistence_ = std::make_unique<persistence::PersistenceManager>(context_, events_, post_);
  persistence_->set_on_durable([this](uint64_t seq) { RunDurableCallback(seq); });
  context_.persistence = persistence_.get();
}

Engine::~Engine() {
  // A load still running posts its result to a loop that no longer runs: stop it and wait.
  cancel_loading_ = true;
  if (loader_.joinable()) loader_.join();
  keyspace_.set_listener(nullptr);
}

void Engine::Propagate(int db, std::span<const std::string_view> argv) {
  persistence_->Propagate(db, argv);
}

uint64_t Engine::EndOfBatch() { return persistence_->EndOfBatch(); }

uint64_t Engine::aof_writes() const { return persistence_->aof_writes(); }

bool Engine::aof_durable(uint64_t seq) const { return persistence_->aof_durable(seq); }

bool Engine::aof_fsync_always() const { return persistence_->aof_fsync_always(); }

int64_t Engine::aof_last_fsync_us() const { return persistence_->aof_last_fsync_us(); }

void Engine::RunDurableCallback(uint64_t seq) {
  if (on_durable_) on_durable_(seq);
}

void Engine::Cron() {
  const int64_t hz = std::clamp<int64_t>(config_.settings().hz, 1, 500);
  const int64_t period_us = 1'000'000 / hz;
  if (!context_.loading) {
    // Redis's slow expire cycle: at most 25% of each cron period.
    keyspace_.ActiveExpireCycle(clock_.NowMs(), period_us / 4);
    keyspace_.RehashFor(1000);
    persistence_->Cron();
  }
}

bool Engine::BackgroundStep() {
  // A slice short enough that no client waits noticeably behind it.
  constexpr int64_t kSliceUs = 1000;
  return persistence_->BackgroundStep(kSliceUs);
}

bool Engine::has_background_work() const { return persistence_->has_background_work(); }

Status Engine::PrepareShutdown(bool force_save, bool nosave) {
  return persistence_->Shutdown(force_save, nosave);
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
  persistence_->set_load_info({result.keys_loaded, result.expired_skipped});
  return persistence_->OpenAof();
}

void Engine::StartLoading(std::function<void(const Status&)> done) {
  persistence_->RemoveStaleTempFiles();
  context_.loading = true;
  // The loader fills a keyspace of its own; the live one is swapped with it when done, on this
  // thread, so commands allowed during loading never see a half-built table.
  auto staging = std::make_shared<store::Keyspace>(keyspace_.db_count());
  auto config_copy = std::make_shared<config::Config>(config_);
  loader_ = std::thread([this, staging, config_copy, done = std::move(done)]() mutable {
    auto result = std::make_shared<persistence::DatasetLoadResult>();
    Status st =
        persistence::LoadDataset(*config_copy, clock_, *staging, result.get(), &cancel_loading_);
    post_([this, staging, result, st, done = std::move(done)] {
      context_.loading = false;
      Status outcome = st;
      if (outcome.ok()) {
        for (int i = 0; i < keyspace_.db_count(); ++i) {
          keyspace_.db(i).SwapContents(staging->db(i));
        }
        LogLoaded(*result);
        persistence_->set_load_info({result->keys_loaded, result->expired_skipped});
        outcome = persistence_->OpenAof();
      }
      done(outcome);
    });
  });
}

}  // namespace basalt::engine
