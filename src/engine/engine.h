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
#include "commands/core.h"
#include "common/background_worker.h"
#include "config/config.h"
#include "store/keyspace.h"

namespace basalt::persistence {
class PersistenceManager;
struct DatasetLoadResult;
}  // namespace basalt::persistence
namespace basalt::replication {
class Replication;
}
namespace basalt::scripting {
class LuaScripts;
}

namespace basalt::engine {

using PostFn = std::function<void(std::function<void()>)>;

class Engine final {
 public:
  Engine(config::Config& config, const Clock& clock, PostFn post);
  ~Engine();

  cmd::ServerContext& context() { return core_.context(); }
  cmd::Dispatcher& dispatcher() { return core_.dispatcher(); }
  cmd::Core& core() { return core_; }
  store::Keyspace& keyspace() { return keyspace_; }
  config::Config& config() { return config_; }
  const Clock& clock() const { return clock_; }
  persistence::PersistenceManager& persistence() { return *persistence_; }
  replication::Replication& replication() { return *replication_; }

  // Loads the dataset (AOF when appendonly, else RDB) in a background thread; clients get
  // -LOADING meanwhile. `done` runs on the engine thread with the outcome (at once, before
  // this returns, when there is no file to load).
  void StartLoading(std::function<void(const Status&)> done);
  // Loads synchronously (embedded use).
  Status LoadNow();
  // Makes a load in progress stop soon (shutdown requested while loading).
  void CancelLoading() { cancel_loading_ = true; }

  // Runs one request (the dispatcher does every check).
  void Execute(cmd::ClientSession& client, std::span<const std::string_view> args,
               protocol::ReplyWriter& reply) {
    core_.dispatcher().Execute(client, args, reply);
  }
  // A client connected / disconnected: the client registries list it / forget it.
  void OnClientOpen(cmd::ClientSession& client) { core_.OnClientOpen(client); }
  void OnClientClose(cmd::ClientSession& client);
  // End of a loop turn: hands buffered AOF writes to the writer thread. Returns the sequence a
  // client must wait for before its replies may leave (0: nothing to wait for).
  uint64_t EndOfBatch();
  // True when EndOfBatch has work even if no client waits for it (WAIT asked replicas to ack).
  bool wants_end_of_turn() const;
  // See PersistenceManager: whether batch `seq` is durable.
  bool aof_durable(uint64_t seq) const;
  bool aof_fsync_always() const;
  int64_t aof_last_fsync_us() const;
  // Sets the callback run (on the engine thread) when AOF batch `seq` became durable.
  void set_on_durable(std::function<void(uint64_t)> fn) { on_durable_ = std::move(fn); }
  // Sets the callback run (on the engine thread) when the AOF failed: writes waiting for a
  // batch get `refusal` instead of their success reply.
  void set_on_aof_failure(std::function<void(const std::string& refusal)> fn);

  // Periodic work: active expiry, rehashing, save points, AOF rewrite triggers.
  void Cron();
  // Work to do between loop turns (snapshot slices); returns true while more is pending.
  bool BackgroundStep();
  bool has_background_work() const;
  // True when the only background work waits for slow receivers (a full sync's replicas):
  // the caller should come back after a short pause rather than at once.
  bool background_throttled() const;
  // Final save (per save points or `force_save`) and AOF flush; returns an error to report.
  Status PrepareShutdown(bool force_save, bool nosave, bool force = false);

 private:
  // Wakes the writes held for the background snapshot once it made progress (WriteHolds).
  void ReleaseHeldWrites();
  void RunDurableCallback(uint64_t seq);
  // An RDB that recorded replication history: the stream continues from it (partial resyncs
  // after a restart).
  void RestoreReplication(const persistence::DatasetLoadResult& result);
  // The function libraries a load found (an RDB's, then an AOF's FUNCTION commands), installed
  // once the keys are in place. Fails when a library of the RDB does not load.
  Status InstallFunctions(const persistence::DatasetLoadResult& result);

  config::Config& config_;
  const Clock& clock_;
  PostFn post_;
  // Frees big collections off the loop (UNLINK, FLUSHALL ASYNC, lazyfree-lazy-*).
  BackgroundWorker lazy_free_worker_;
  store::Keyspace keyspace_;
  cmd::Core core_;
  std::unique_ptr<persistence::PersistenceManager> persistence_;
  std::unique_ptr<replication::Replication> replication_;
  std::unique_ptr<scripting::LuaScripts> scripts_;  // EVAL, SCRIPT
  std::function<void(uint64_t)> on_durable_;
  std::thread loader_;
  std::atomic<bool> cancel_loading_{false};
};

}  // namespace basalt::engine
