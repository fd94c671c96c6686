// The engine: everything of a basalt server except the network. It owns the keyspace, the
// command table and dispatcher, and the persistence machinery (AOF, RDB snapshots), and runs
// the periodic background work. The network server and the embedded Store both sit on it.
//
// Threading: all methods run on one thread (the event loop). Background threads (AOF writer,
// file syncs, the loader) report back through the `post` function given at construction, which
// must run the closure on the engine's thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "commands/command.h"
#include "commands/command_table.h"
#include "commands/dispatcher.h"
#include "commands/keyspace_events.h"
#include "config/config.h"
#include "store/keyspace.h"

namespace basalt::persistence {
class PersistenceManager;
}

namespace basalt::engine {

using PostFn = std::function<void(std::function<void()>)>;

class Engine final : public cmd::Propagator {
 public:
  Engine(config::Config& config, const Clock& clock, PostFn post);
  ~Engine() override;

  cmd::ServerContext& context() { return context_; }
  cmd::Dispatcher& dispatcher() { return dispatcher_; }
  store::Keyspace& keyspace() { return keyspace_; }
  config::Config& config() { return config_; }
  const Clock& clock() const { return clock_; }
  persistence::PersistenceManager& persistence() { return *persistence_; }

  // Loads the dataset (AOF when appendonly, else RDB) in a background thread; clients get
  // -LOADING meanwhile. `done` runs on the engine thread with the outcome.
  void StartLoading(std::function<void(const Status&)> done);
  // Loads synchronously (embedded use).
  Status LoadNow();
  // Makes a load in progress stop soon (shutdown requested while loading).
  void CancelLoading() { cancel_loading_ = true; }

  // Runs one request (the dispatcher does every check).
  void Execute(cmd::ClientSession& client, std::span<const std::string_view> args,
               protocol::ReplyWriter& reply) {
    dispatcher_.Execute(client, args, reply);
  }
  // End of a loop turn: hands buffered AOF writes to the writer thread. Returns the sequence a
  // client must wait for before its replies may leave (0: nothing to wait for).
  uint64_t EndOfBatch();
  // See PersistenceManager: writes sent to the AOF so far, whether batch `seq` is durable.
  uint64_t aof_writes() const;
  bool aof_durable(uint64_t seq) const;
  bool aof_fsync_always() const;
  int64_t aof_last_fsync_us() const;
  // Sets the callback run (on the engine thread) when AOF batch `seq` became durable.
  void set_on_durable(std::function<void(uint64_t)> fn) { on_durable_ = std::move(fn); }

  // Periodic work: active expiry, rehashing, save points, AOF rewrite triggers.
  void Cron();
  // Work to do between loop turns (snapshot slices); returns true while more is pending.
  bool BackgroundStep();
  bool has_background_work() const;
  // Final save (per save points or `force_save`) and AOF flush; returns an error to report.
  Status PrepareShutdown(bool force_save, bool nosave);

  // cmd::Propagator: the one path writes take to the AOF (and, later, replicas).
  void Propagate(int db, std::span<const std::string_view> argv) override;

 private:
  void RunDurableCallback(uint64_t seq);

  config::Config& config_;
  const Clock& clock_;
  PostFn post_;
  store::Keyspace keyspace_;
  cmd::CommandTable commands_;
  cmd::ServerContext context_;
  cmd::Dispatcher dispatcher_;
  cmd::KeyspaceEvents events_;
  std::unique_ptr<persistence::PersistenceManager> persistence_;
  std::function<void(uint64_t)> on_durable_;
  std::thread loader_;
  std::atomic<bool> cancel_loading_{false};
};

}  // namespace basalt::engine
