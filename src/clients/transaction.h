// A client's MULTI queue and WATCHed keys, and the registry that breaks transactions when a
// watched key changes.
//
// Redis 7.0 semantics, which clients rely on:
//   - an error while queueing (unknown command, wrong arity, a refused command) marks the
//     transaction aborted: EXEC answers -EXECABORT and runs nothing;
//   - a change to a watched key by anyone (a write, a deletion, expiry, FLUSHDB, SWAPDB, ...)
//     marks it broken: EXEC answers a null array and runs nothing. A key that had already
//     expired when it was watched and is then only deleted did not change logically; a key
//     that was live when watched and has expired by EXEC counts as changed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "clients/client.h"
#include "store/keyspace.h"

namespace basalt::clients {

struct QueuedCommand {
  std::vector<std::string> argv;
  uint32_t flags = 0;  // the command's flags when it was queued (cmd::Flag bits)
  // The command layer's resolved command (a cmd::CommandSpec, opaque at this layer), so EXEC
  // does not look each command up a second time. Specs live as long as the command table.
  const void* resolved = nullptr;
};

struct WatchedKey {
  int db = 0;
  std::string key;
  bool expired_at_watch = false;  // present but already expired when WATCH ran
};

class Transaction {
 public:
  bool in_multi = false;
  bool aborted = false;       // an error while queueing: EXEC replies EXECABORT
  bool watch_broken = false;  // a watched key changed: EXEC replies a null array
  std::vector<QueuedCommand> queue;
  uint32_t queued_flags = 0;  // union of the queued commands' flags
  std::vector<WatchedKey> watched;

  void Queue(std::vector<std::string> argv, uint32_t flags, const void* resolved) {
    queued_flags |= flags;
    queue.push_back({std::move(argv), flags, resolved});
  }
  // Leaves MULTI: the queue and the abort mark go (watched keys are the registry's business).
  void EndMulti() {
    in_multi = false;
    aborted = false;
    queue.clear();  // the capacity stays for the client's next transaction
    queued_flags = 0;
  }
};

// Who watches which key. Subscribed to the keyspace's change feed; costs one counter check per
// change while nothing is watched, and one hash lookup per change otherwise.
class WatchRegistry final : public store::KeyspaceListener {
 public:
  explicit WatchRegistry(store::Keyspace& keyspace);

  // Adds `key` of `db` to the client's watched keys (once). `now_ms` decides whether it counts
  // as already expired.
  void Watch(Client& client, int db, std::string_view key, int64_t now_ms);
  // Forgets every key the client watches (UNWATCH, EXEC, DISCARD, RESET, disconnect). The
  // broken mark stays until the transaction ends.
  void UnwatchAll(Client& client);
  // True when a key that was live when watched has expired since (EXEC then fails, as in
  // Redis 7.0, even if nothing deleted it yet).
  bool AnyWatchedKeyExpired(const Client& client, int64_t now_ms) const;
  // Number of distinct (db, key) pairs watched by anyone.
  size_t watched_keys() const { return watched_keys_; }
  // Clients watching `key` in `db` (CLIENT LIST's `watch` field counts per client instead).
  size_t watchers(int db, std::string_view key) const;

  // store::KeyspaceListener
  void OnKeyChanged(int db, std::string_view key, store::KeyChange change) override;
  void BeforeDatabaseReset(int db) override;
  void BeforeDatabasesSwap(int a, int b) override;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using KeyMap = std::unordered_map<std::string, std::vector<Client*>, Hash, std::equal_to<>>;

  // `key` of `db` changed; `gone` when it no longer exists afterwards.
  void Touch(int db, std::string_view key, bool gone);
  // Marks one watcher's transaction per the expired-at-watch rule; true when it broke.
  bool TouchWatcher(Client& client, int db, std::string_view key, bool gone);
  void BreakWatch(Client& client);
  // Watched keys of `db` that exist in `db` or in `other` (-1: none) are touched (FLUSHDB,
  // SWAPDB: only keys whose presence could change count).
  void TouchPresentKeys(int db, int other);

  store::Keyspace& keyspace_;
  std::vector<KeyMap> by_db_;
  size_t watched_keys_ = 0;
};

}  // namespace basalt::clients
