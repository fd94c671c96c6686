#include "persistence/rdb_dump.h"

#include <optional>

#include "common/crc64.h"
#include "persistence/byte_io.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_reader.h"
#include "persistence/rdb_writer.h"

namespace basalt::persistence {

namespace {

constexpr size_t kFooterSize = 2 + 8;  // RDB version, CRC-64

void AppendLittleEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t LoadLittleEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

void AppendFooter(std::string& out) {
  AppendLittleEndian(out, rdb::kVersion, 2);
  AppendLittleEndian(out, Crc64(0, out), 8);
}

// The payload without its footer, or nullopt when the footer's version is newer than ours or
// its checksum does not match.
std::optional<std::string_view> CheckedBody(std::string_view payload) {
  if (payload.size() < kFooterSize) return std::nullopt;
  const char* footer = payload.data() + payload.size() - kFooterSize;
  if (LoadLittleEndian(footer, 2) > static_cast<uint64_t>(rdb::kVersion)) return std::nullopt;
  const std::string_view with_version = payload.substr(0, payload.size() - 8);
  if (Crc64(0, with_version) != LoadLittleEndian(footer + 2, 8)) return std::nullopt;
  return payload.substr(0, payload.size() - kFooterSize);
}

}  // namespace

std::string RdbDumpFormat::Dump(const store::Entry& e, bool compress) const {
  std::string out;
  StringSink sink(&out);
  RdbWriter writer(&sink, {.compression = compress, .checksum = false});
  // A string sink never fails; the check only keeps a writer error from passing unnoticed.
  Status st = writer.WriteValue(e);
  if (st.ok()) st = writer.FlushBuffered();
  if (!st.ok()) return {};
  AppendFooter(out);
  return out;
}

std::string RdbDumpFormat::DumpFunctions(const std::vector<std::string>& codes,
                                         bool compress) const {
  std::string out;
  StringSink sink(&out);
  RdbWriter writer(&sink, {.compression = compress, .checksum = false});
  Status st;
  for (const std::string& code : codes) st = writer.WriteFunctionLibrary(code);
  if (st.ok()) st = writer.FlushBuffered();
  if (!st.ok()) return {};
  AppendFooter(out);
  return out;
}

std::string RdbDumpFormat::RestoreFunctions(std::string_view payload,
                                            std::vector<std::string>* codes) const {
  const std::optional<std::string_view> body = CheckedBody(payload);
  if (!body) return "DUMP payload version or checksum are wrong";
  Status st = ReadFunctionPayload(*body, codes);
  return st.ok() ? std::string() : st.message();
}

cmd::DumpFormat::RestoreResult RdbDumpFormat::Restore(std::string_view payload,
                                                      std::string_view key, int64_t expire_at_ms,
                                                      const store::EncodingLimits& limits,
                                                      store::Entry** out) const {
  const std::optional<std::string_view> body = CheckedBody(payload);
  if (!body) return RestoreResult::kBadVersionOrChecksum;
  DumpedValue value;
  Status st = ReadDumpedValue(*body, limits, &value);
  if (!st.ok()) return RestoreResult::kBadData;
  if (value.is_string) {
    *out = store::Entry::NewString(key, value.string_value, expire_at_ms);
  } else {
    if (value.object.value == nullptr) return RestoreResult::kBadData;  // empty collection
    *out =
        store::Entry::NewObject(key, value.object.type, value.object.value.release(), expire_at_ms);
  }
  return RestoreResult::kOk;
}

const cmd::DumpFormat& DumpFormatInstance() {
  static const RdbDumpFormat kFormat;
  return kFormat;
}

}  // namespace basalt::persistence
