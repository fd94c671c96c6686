// Startup loading: the AOF (manifest, base, incr files) when appendonly is on, else the RDB
// file. Runs on a loader thread into a fresh keyspace that the engine swaps in when done, so
// the server answers -LOADING meanwhile; nothing here touches live state.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "basalt/status.h"
#include "common/clock.h"
#include "config/config.h"
#include "store/keyspace.h"

namespace basalt::persistence {

struct DatasetLoadResult {
  std::string source;  // what was loaded ("RDB dump.rdb", "AOF appendonlydir", "nothing")
  uint64_t keys_loaded = 0;
  uint64_t expired_skipped = 0;
  uint64_t bytes = 0;
  uint64_t aof_commands = 0;
  double seconds = 0;
  // Replication history recorded in a loaded RDB (repl-id empty when none, or loaded from AOF).
  std::string repl_id;
  int64_t repl_offset = -1;
  int repl_stream_db = 0;
  // Functions are not keys: the loader collects them for the engine to install once the
  // dataset is in place. The libraries an RDB (or an AOF's RDB preamble) holds, then the
  // FUNCTION commands an AOF holds, in file order.
  std::vector<std::string> function_libraries;
  std::vector<std::vector<std::string>> function_commands;
};

// The RDB file's path: `dbfilename` in `dir`.
std::string RdbFilePath(const config::Settings& s);

// True when `config` names a file to load (the AOF manifest, or the RDB file without AOF).
// Without one, the engine starts at once instead of answering -LOADING for an empty dataset.
bool HasDatasetToLoad(const config::Config& config);

// Loads into `target` (which must be empty) per `config`. Logs progress at least every second
// for big files. On error, `target` holds an unspecified part and must be discarded; the
// message names the file, the offset and what was wrong.
// `clock` decides which keys are already expired and is the time AOF commands run at. When
// `cancel` becomes true the load stops soon with a Busy status (shutdown while loading).
Status LoadDataset(const config::Config& config, const Clock& clock, store::Keyspace& target,
                   DatasetLoadResult* result, const std::atomic<bool>* cancel = nullptr);

}  // namespace basalt::persistence
