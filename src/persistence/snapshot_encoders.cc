#include "persistence/snapshot_encoders.h"

#include "common/strings.h"
#include "persistence/aof_writer.h"
#include "persistence/rdb_writer.h"
#include "persistence/value_codec.h"
#include "protocol/command_encoder.h"
#include "store/entry.h"

namespace basalt::persistence {

namespace {

class RdbRecordWriter final : public RecordWriter {
 public:
  RdbRecordWriter(RdbWriter& writer, std::unique_ptr<BodyCursor> body)
      : writer_(writer), body_(std::move(body)) {}
  Status WriteSome(size_t max_elements, bool* done) override {
    *done = body_->WriteSome(writer_, max_elements);
    return *done ? writer_.EndObject() : writer_.status();
  }

 private:
  RdbWriter& writer_;
  std::unique_ptr<BodyCursor> body_;
};

RdbWriterOptions AsideOptions(RdbWriterOptions options) {
  options.buffer_size = 16 * 1024;  // records aside are usually small; big ones pass through
  return options;
}

}  // namespace

RdbEncoder::RdbEncoder(ByteSink* sink, const RdbWriterOptions& options, const RdbAuxFields& aux)
    : writer_(sink, options), aside_writer_(&aside_sink_, AsideOptions(options)) {
  header_status_ = writer_.WriteHeader(aux);
}

std::unique_ptr<RecordWriter> RdbEncoder::OpenEntry(const store::Entry& e) {
  std::unique_ptr<BodyCursor> body = OpenBodyCursor(e);
  if (body == nullptr) return nullptr;
  // A header error (or a later sink error) is sticky in the writer: WriteSome reports it.
  (void)writer_.BeginObject(e);
  return std::make_unique<RdbRecordWriter>(writer_, std::move(body));
}

Status RdbEncoder::SerializeEntry(const store::Entry& e, std::string* out) {
  aside_.clear();
  Status st = aside_writer_.WriteEntry(e);
  if (st.ok()) st = aside_writer_.FlushBuffered();
  out->swap(aside_);
  return st;
}

Status RdbEncoder::WriteSerialized(std::string_view bytes) {
  if (!header_status_.ok()) return header_status_;
  return writer_.AppendRecord(bytes);
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

RespEncoder::RespEncoder(ByteSink* sink, const std::vector<std::string>& function_libraries)
    : sink_(sink) {
  // First, as Redis's rewrite writes them: the functions exist before any key.
  for (const std::string& code : function_libraries) {
    std::string_view argv[] = {"FUNCTION", "LOAD", code};
    protocol::AppendCommand(buffer_, argv);
  }
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
