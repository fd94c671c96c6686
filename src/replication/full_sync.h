// One snapshot on its way to the replicas that share it (the snapshotter's replica sink).
//
// Replicas that announced `capa eof` get the RDB as it is produced, framed as Redis's diskless
// sync frames it: "$EOF:<40 random characters>\r\n", the RDB, the same 40 characters. Those
// that did not (legacy SYNC, old replicas) need the length first, so for them the RDB is kept
// in memory and sent as "$<len>\r\n<RDB>" when complete; Redis sends them a file from disk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "commands/command.h"
#include "persistence/byte_io.h"

namespace basalt::replication {

class FullSync final : public persistence::ByteSink {
 public:
  struct Target {
    cmd::ClientSession* client;
    bool eof_framing;
  };
  explicit FullSync(std::vector<Target> targets);

  // Sends the EOF framing's preamble; call after +FULLRESYNC, before the first RDB byte.
  void Begin();
  // The RDB is complete: closes the framing (or sends the held RDB).
  void Finish();
  // A target disconnected; it is not written again.
  void Drop(const cmd::ClientSession& client);
  bool empty() const { return targets_.empty(); }
  const std::vector<Target>& targets() const { return targets_; }
  // The largest output buffer among the targets: the walk waits while it is high.
  size_t largest_backlog() const;

  // persistence::ByteSink
  Status Append(std::string_view data) override;
  Status Flush() override { return Status::Ok(); }
  uint64_t bytes_written() const override { return bytes_; }

 private:
  bool any_length_framed() const;

  std::vector<Target> targets_;
  std::string eof_mark_;
  std::string held_;  // the RDB so far, for length-framed targets
  uint64_t bytes_ = 0;
};

}  // namespace basalt::replication
