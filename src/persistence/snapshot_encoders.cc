#include "persistence/snapshot_encoders.h"

#include "common/strings.h"
#include "persistence/aof_writer.h"
#include "persistence/value_codec.h"
#include "protocol/command_encoder.h"
#include "store/entry.h"

namespace basalt::persistence {

RdbEncoder::RdbEncoder(ByteSink* sink, const RdbWriterOptions& options, const RdbAuxFields& aux)
    : writer_(sink, options) {
  header_status_ = writer_.WriteHeader(aux);
}

Status RdbEncoder::BeginDatabase(int db, uint64_t keys, uint64_t keys_with_ttl) {
  if (!header_status_.ok()) return header_status_;
  return writer_.BeginDatabase(db, keys, keys_with_ttl);
}

Status RdbEncoder::WriteEntry(const store::Entry& e) { return writer_.WriteEntry(e); }

Status RdbEncoder::Finish() {
  if (!header_status_.ok()) return header_status_;
  return writer_.Finish();
}

Status RespEncoder::BeginDatabase(int db, uint64_t keys, uint64_t keys_with_ttl) {
  std::string db_text = Int64ToString(db);
  std::string_view argv[] = {"SELECT", db_text};
  protocol::AppendCommand(buffer_, argv);
  return FlushIfLarge();
}

Status RespEncoder::WriteEntry(const store::Entry& e) {
  if (e.type() != store::ValueType::kString) {
    Status st = AppendRewriteCommands(e, buffer_, [this] { return FlushIfLarge(); });
    return st.ok() ? FlushIfLarge() : st;
  }
  std::string_view set[] = {"SET", e.key(), e.string_value()};
  protocol::AppendCommand(buffer_, set);
  if (e.has_expire()) {
    std::string at = Int64ToString(e.expire_at());
    std::string_view expire[] = {"PEXPIREAT", e.key(), at};
    protocol::AppendCommand(buffer_, expire);
  }
  return FlushIfLarge();
}

Status RespEncoder::FlushIfLarge() {
  if (buffer_.size() < 64 * 1024) return Status::Ok();
  Status st = sink_->Append(buffer_);
  buffer_.clear();
  return st;
}

Status RespEncoder::Finish() {
  Status st = sink_->Append(buffer_);
  buffer_.clear();
  if (st.ok()) st = sink_->Flush();
  return st;
}

}  // namespace basalt::persistence
