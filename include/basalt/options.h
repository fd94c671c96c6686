// Options for opening an embedded basalt::Store (see store.h).
//
// Every option maps to a server configuration parameter of the same meaning (named in each
// comment), so a data directory behaves the same whether a Store or basalt-server opens it.
// The defaults differ from the server's in one place: a Store logs every write to the
// append-only file by default (appendonly yes), because an embedding program that asks for a
// store usually wants its writes to survive a crash without further configuration.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace basalt {

class Clock;  // src/common/clock.h; only tests inject one.

// When the append-only file is fsynced (the server's "appendfsync").
enum class AppendFsync {
  // Every write is fsynced before the call that made it returns. Nothing acknowledged is ever
  // lost, at the cost of one fsync per write (writes from several threads share fsyncs).
  kAlways,
  // Writes reach the file (the OS page cache) before the call returns and are fsynced about
  // once a second: a process crash loses nothing; a power loss or kernel crash may lose about
  // the last second or two of writes.
  kEverySec,
  // Writes reach the file before the call returns; the OS decides when they reach the disk.
  // A process crash loses nothing; a power loss may lose what the OS had not flushed yet.
  kNo,
};

struct Options {
  // Create the data directory (and its parents) when it does not exist. When false, Open
  // fails with NotFound instead.
  bool create_if_missing = true;

  // Log every write to the append-only file ("appendonly"). When false, data is kept only by
  // RDB snapshots (save points below, Save(), and Close()), and writes since the last
  // snapshot are lost if the process dies.
  bool appendonly = true;
  // Fsync policy of the append-only file ("appendfsync"); ignored when appendonly is false.
  AppendFsync appendfsync = AppendFsync::kEverySec;

  // Automatic RDB snapshots ("save"): pairs "<seconds> <changes>" meaning "snapshot when at
  // least <changes> writes happened and <seconds> passed since the last snapshot". Empty
  // disables them. Snapshots are taken in slices without forking (see background_thread).
  std::string save = "3600 1 300 100 60 10000";
  // Name of the RDB snapshot file inside the data directory ("dbfilename").
  std::string dbfilename = "dump.rdb";
  // Directory (inside the data directory) and base name of the append-only files
  // ("appenddirname", "appendfilename").
  std::string appenddirname = "appendonlydir";
  std::string appendfilename = "appendonly.aof";

  // Whether Close() (and the destructor) writes a final RDB snapshot, as SHUTDOWN SAVE does.
  // When false, no final snapshot is written: with appendonly the AOF still holds every
  // write; without it, writes since the last snapshot are lost.
  bool snapshot_on_close = true;

  // Run periodic upkeep on a thread of the Store: active expiry of keys whose TTL passed,
  // save points, automatic AOF rewrites and the slices of background snapshots, every
  // 1/hz second. When false, the same upkeep runs only inside calls to the Store (a little at
  // each call), so an idle Store neither reclaims expired keys nor takes snapshots.
  bool background_thread = true;

  // Further server parameters by their Redis names, applied in order after the options above,
  // e.g. {"hz", "50"}, {"rdbcompression", "no"}, {"aof-use-rdb-preamble", "no"}. An unknown
  // name or invalid value makes Open fail with InvalidArgument. "dir" is always the directory
  // given to Open.
  std::vector<std::pair<std::string, std::string>> parameters;

  // Log level for basalt's messages ("debug", "verbose", "notice", "warning", "nothing").
  // basalt logs through spdlog's default logger; empty leaves its configuration alone (the
  // embedding program may own it). Setting a level changes spdlog's global level.
  std::string log_level;

  // Time source for TTLs; nullptr means the system clock. Must outlive the Store. For tests.
  const Clock* clock = nullptr;
};

}  // namespace basalt
