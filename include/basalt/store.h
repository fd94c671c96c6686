// basalt::Store: the basalt engine embedded in a program, for durable key-value storage
// without a server.
//
//   auto store = basalt::Store::Open("/var/lib/myapp/data");
//   if (!store.ok()) { report(store.status()); return; }
//   basalt::Status st = (*store)->Set("greeting", "hello", std::chrono::minutes(5));
//   auto value = (*store)->Get("greeting");   // Result<std::optional<std::string>>
//   st = (*store)->Close();                   // final snapshot; also done by the destructor
//
// Files. A Store reads and writes its data directory exactly as basalt-server (and Redis 7.0)
// does: an RDB snapshot (dump.rdb) and, with appendonly, the multi-part append-only file
// (appendonlydir/ with its manifest). A directory a Store closed can be served by
// `basalt-server --dir DIR` or `redis-server --dir DIR` with the same appendonly setting, and
// a Store can open what either of them left. One difference from a server's startup: when
// appendonly is on but the directory has only an RDB file (no AOF manifest yet), the Store
// loads the RDB and then starts the AOF from it, where a server would start empty.
//
// Semantics. Every operation runs through the same command dispatcher as the server's SET,
// GET, DEL, PEXPIRE, ... so TTLs, overwrites and what is logged to the AOF are identical;
// values written by a server with other types (lists, hashes) are visible to Exists, Del,
// Expire, Ttl, Count and Keys, while Get on them fails with Redis's WRONGTYPE error.
// Keys and values are binary-safe. Only database 0 is used.
//
// Durability of a successful write (see AppendFsync in options.h): with kAlways it is on
// disk when the call returns; with kEverySec or kNo it was written to the AOF (the OS page
// cache) before the call returns: safe from a crash of this process, not from a power loss
// until the next fsync. Without appendonly it is only in memory until the next snapshot.
//
// Errors are Status values (basalt/status.h), never exceptions:
//   InvalidArgument  a rejected request (Redis's text, e.g. "WRONGTYPE Operation against a
//                    key holding the wrong kind of value" or "ERR invalid expire time in 'set'
//                    command"), or a call after Close();
//   IoError          the disk failed: a write the AOF could not take (later writes are
//                    refused with Redis's "MISCONF ..." text), a failed Save or Close;
//   Corruption       Open found a damaged file; the message names the file and where in it
//                    the damage is. A failed Open never snapshots over the damaged files;
//   NotFound         Open on a missing directory without create_if_missing; Ttl of a
//                    missing key;
//   Busy             the directory is in use by another open Store (in this process or
//                    another one), or the engine refused for now (OOM with maxmemory set;
//                    Save while a background snapshot is being written).
//
// Threading. A Store is safe to use from several threads at once: calls are serialized by
// an internal mutex. A write waiting for the AOF writer thread (and, with kAlways, its fsync)
// does not hold the mutex, so writes from several threads share fsyncs. A Store must not be
// used in a child process after fork().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "basalt/options.h"
#include "basalt/status.h"

namespace basalt {

class Store {
 public:
  // Opens (creating when allowed) the data directory `dir` and loads its data: the AOF when
  // options.appendonly, else the RDB file. Takes an exclusive lock on the directory for the
  // lifetime of the Store. On failure nothing is left running.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir,
                                             const Options& options = Options());

  // Closes the store if Close() was not called; an error is logged, not reported.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The value of `key`, or nullopt when it does not exist (or its TTL passed).
  Result<std::optional<std::string>> Get(std::string_view key);

  // Sets `key` to `value`, replacing any value (of any type) and removing any TTL.
  Status Set(std::string_view key, std::string_view value);
  // Same, with a time to live: the key disappears `ttl` after this call. `ttl` must be
  // positive (else InvalidArgument, as SET PX 0 in Redis).
  Status Set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl);

  // Removes `key`; returns whether it existed.
  Result<bool> Del(std::string_view key);
  // Whether `key` exists.
  Result<bool> Exists(std::string_view key);

  // Sets the time to live of an existing key (PEXPIRE); returns false when the key does not
  // exist. A ttl of zero or less deletes the key, as in Redis.
  Result<bool> Expire(std::string_view key, std::chrono::milliseconds ttl);
  // Removes the TTL of `key` (PERSIST); returns whether the key had one.
  Result<bool> Persist(std::string_view key);
  // The remaining time to live of `key` (PTTL): nullopt when the key has no TTL, NotFound
  // when the key does not exist.
  Result<std::optional<std::chrono::milliseconds>> Ttl(std::string_view key);

  // Number of keys (DBSIZE). Like Redis's, the count may include keys whose TTL has passed but
  // that were not reclaimed yet; Get, Exists and Keys never see those.
  Result<uint64_t> Count();

  // Every key matching the glob-style `pattern` (KEYS: *, ?, [a-z], \ escapes), in no
  // particular order. Walks the whole keyspace in one call: prefer Scan for large stores.
  Result<std::vector<std::string>> Keys(std::string_view pattern = "*");

  // One page of an incremental iteration (SCAN). Start with cursor 0 and pass each returned
  // next_cursor back until it is 0. Every key present for the whole iteration is returned at
  // least once; a key may be returned more than once; keys added or removed meanwhile may or
  // may not be. `count` is a hint of the work per call, not a page size.
  struct ScanPage {
    uint64_t next_cursor = 0;
    std::vector<std::string> keys;
  };
  Result<ScanPage> Scan(uint64_t cursor, std::string_view pattern = "*", uint64_t count = 10);

  // Writes an RDB snapshot now (SAVE), blocking other calls meanwhile.
  Status Save();

  // Final snapshot (unless options.snapshot_on_close is false), AOF flushed, fsynced and
  // closed, background threads stopped, directory lock released. The store is closed even
  // when this returns an error (the failed step is named); later calls return
  // InvalidArgument. Calling Close again returns Ok.
  Status Close();

 private:
  class Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace basalt
