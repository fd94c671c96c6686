#include "persistence/rdb_dump.h"

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

}  // namespace

std::string RdbDumpFormat::Dump(const store::Entry& e, bool compress) const {
  std::string out;
  StringSink sink(&out);
  RdbWriter writer(&sink, {.compression = compress, .checksum = false});
  // A string sink never fails; the check only keeps a writer error from passing unnoticed.
  Status st = writer.WriteValue(e);
  if (st.ok()) st = writer.FlushBuffered();
  if (!st.ok()) return {};
  AppendLittleEndian(out, rdb::kVersion, 2);
  AppendLittleEndian(out, Crc64(0, out), 8);
  return out;
}

cmd::DumpFormat::RestoreResult RdbDumpFormat::Restore(std::string_view payload,
                                                      std::string_view key, int64_t expire_at_ms,
                                                      const store::EncodingLimits& limits,
                                                      store::Entry** out) const {
  if (payload.size() < kFooterSize) return RestoreResult::kBadVersionOrChecksum;
  const char* footer = payload.data() + payload.size() - kFooterSize;
  if (LoadLittleEndian(footer, 2) > static_cast<uint64_t>(rdb::kVersion)) {
    return RestoreResult::kBadVersionOrChecksum;
  }
  const std::string_view body = payload.substr(0, payload.size() - 8);
  if (Crc64(0, body) != LoadLittleEndian(footer + 2, 8)) {
    return RestoreResult::kBadVersionOrChecksum;
  }
  DumpedValue value;
  Status st = ReadDumpedValue(body.substr(0, body.size() - 2), limits, &value);
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
