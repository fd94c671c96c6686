// Replays AOF files of RESP commands.
//
// Each command is handed to `execute` (the engine runs it through the dispatcher as a loader
// client). A file that ends inside a command (a crash mid-write) has a torn tail: when allowed
// (aof-load-truncated yes, last file only) the file is cut back to the last complete command
// and a warning names the file and offset; otherwise, and for any malformed bytes before the
// tail, replay fails with an error naming the file and offset. Nothing is silently skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "basalt/status.h"

namespace basalt::persistence {

struct AofReplayStats {
  uint64_t commands = 0;
  uint64_t bytes = 0;
  int64_t truncated_at = -1;  // offset the file was cut back to, or -1
};

struct AofReplayOptions {
  bool allow_truncated_tail = false;
  // Called every few MB with the bytes replayed so far (progress logging); an error return
  // stops the replay with that status (shutdown while loading).
  std::function<Status(uint64_t bytes)> progress;
};

// `execute` returns an error Status to abort the replay (e.g. an unknown command).
using AofCommandFn = std::function<Status(std::span<const std::string_view> argv)>;

Status ReplayAofFile(const std::string& path, const AofReplayOptions& options,
                     const AofCommandFn& execute, AofReplayStats* stats);

// Replays RESP commands held in memory (an AOF base written as commands, or tests).
// `origin` names the source in errors.
Status ReplayAofBytes(std::string_view data, const std::string& origin, const AofCommandFn& execute,
                      AofReplayStats* stats);

}  // namespace basalt::persistence
