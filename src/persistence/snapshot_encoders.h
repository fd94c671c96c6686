// The two formats a snapshot can be written in: RDB (dump.rdb, AOF base with RDB preamble,
// replica full sync) and RESP commands (AOF base with aof-use-rdb-preamble no).
#pragma once

#include <string>
#include <vector>

#include "persistence/byte_io.h"
#include "persistence/rdb_writer.h"
#include "persistence/snapshotter.h"

namespace basalt::persistence {

class RdbEncoder final : public SnapshotEncoder {
 public:
  // Writes the RDB header with `aux` immediately; errors surface on the first entry.
  RdbEncoder(ByteSink* sink, const RdbWriterOptions& options, const RdbAuxFields& aux);
  Status BeginDatabase(int db, uint64_t keys, uint64_t keys_with_ttl) override;
  Status WriteEntry(const store::Entry& e) override;
  Status Finish() override;
  // Collections that WritesInPieces (value_codec.h).
  bool WritesPieces() const override { return true; }
  std::unique_ptr<RecordWriter> OpenEntry(const store::Entry& e) override;
  Status SerializeEntry(const store::Entry& e, std::string* out) override;
  Status WriteSerialized(std::string_view bytes) override;

 private:
  RdbWriter writer_;
  Status header_status_;
  // Serializes entries saved while a record is open, with the same options (LZF).
  std::string aside_;
  StringSink aside_sink_{&aside_};
  RdbWriter aside_writer_;
};

// Writes FUNCTION LOAD, SELECT, SET / PEXPIREAT (and each type's commands), as an AOF base
// that Redis and basalt replay.
class RespEncoder final : public SnapshotEncoder {
 public:
  RespEncoder(ByteSink* sink, const std::vector<std::string>& function_libraries);
  Status BeginDatabase(int db, uint64_t keys, uint64_t keys_with_ttl) override;
  Status WriteEntry(const store::Entry& e) override;
  Status Finish() override;

 private:
  Status FlushIfLarge();

  ByteSink* sink_;
  std::string buffer_;
};

}  // namespace basalt::persistence
