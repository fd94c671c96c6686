// Hashes in RDB and AOF rewrite (see type_codecs.h).
//
// Redis 7.0 writes a listpack-encoded hash as HASH_LISTPACK (the block itself, as a string)
// and a table-encoded one as HASH (a count, then field and value strings). Older files may hold
// HASH_ZIPMAP (Redis < 2.6) or HASH_ZIPLIST (< 7.0); those blobs are converted to a listpack.
// Duplicate fields make a file corrupt, as in Redis.
#include <optional>
#include <string>
#include <vector>

#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"
#include "persistence/type_codecs.h"
#include "protocol/command_encoder.h"
#include "store/ziplist_convert.h"

namespace basalt::persistence {

namespace {

using store::HashValue;
using store::Listpack;

// The pairs of an encoded hash blob (zipmap, ziplist or listpack) as a SmallHash block in
// *block (nullptr for an empty hash), and its longest field or value in *longest. A listpack
// is read in place; older encodings are converted to one first.
Status SmallHashFromBlob(uint8_t rdb_type, std::string_view blob, uint8_t** block,
                         size_t* longest) {
  // Only error messages use it: a view, so a valid blob builds no string.
  const std::string_view what = rdb::DescribeType(rdb_type).encoding;
  size_t elements = 0;
  std::string_view bytes = blob;
  std::optional<Listpack> converted;
  bool valid;
  if (rdb_type == rdb::kTypeHashListpack) {
    valid = Listpack::Validate(blob, &elements);
  } else {
    converted = rdb_type == rdb::kTypeHashZipmap ? store::ZipmapToListpack(blob)
                                                 : store::ZiplistToListpack(blob);
    valid = converted.has_value();
    if (valid) {
      elements = converted->size();
      bytes = converted->bytes();
    }
  }
  if (!valid) return Status::Corruption("invalid " + std::string(what) + " in a hash value");
  if (elements % 2 != 0) {
    return Status::Corruption("a hash " + std::string(what) + " with an odd number of elements");
  }
  *block = nullptr;
  if (elements == 0) return Status::Ok();
  *block = store::SmallHash::FromListpackBytes(reinterpret_cast<const uint8_t*>(bytes.data()),
                                               bytes.size(), elements, longest);
  if (*block == nullptr) {
    return Status::Corruption("duplicate fields in a hash " + std::string(what));
  }
  return Status::Ok();
}

// An encoded hash blob.
Status ReadHashBlob(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                    DecodedValue* out) {
  std::string_view blob;
  Status st = in.ReadBlob(&blob, "an encoded hash");
  uint8_t* block = nullptr;
  size_t longest = 0;
  if (st.ok()) st = SmallHashFromBlob(rdb_type, blob, &block, &longest);
  if (!st.ok() || block == nullptr) return st;  // an empty hash is skipped, as Redis
  auto h = std::make_unique<HashValue>(block);
  // Past the limits (a file from a server with higher ones) the hash is a table, as in Redis.
  if (h->size() > static_cast<uint64_t>(limits.hash_max_listpack_entries) ||
      longest > static_cast<uint64_t>(limits.hash_max_listpack_value)) {
    h->ConvertToTable();
  }
  out->value = std::move(h);
  return Status::Ok();
}

// HASH: a count, then field and value strings.
Status ReadHashPairs(RdbValueInput& in, const store::EncodingLimits& limits, DecodedValue* out) {
  uint64_t pairs;
  Status st = in.ReadLength(&pairs, "a hash's field count");
  if (!st.ok()) return st;
  // Each field and value takes at least one byte.
  if (in.remaining() >= 0 && pairs > static_cast<uint64_t>(in.remaining()) / 2) {
    return Status::Corruption("a hash claims " + std::to_string(pairs) +
                              " fields, more than the data left can hold");
  }
  if (pairs == 0) return Status::Ok();
  auto h = std::make_unique<HashValue>();
  if (pairs > static_cast<uint64_t>(limits.hash_max_listpack_entries)) {
    h->ConvertToTable();
    h->Reserve(pairs);
  }
  std::string field_scratch;
  std::string value_scratch;
  for (uint64_t i = 0; i < pairs; ++i) {
    std::string_view field;
    std::string_view value;
    if (st = in.ReadString(&field_scratch, &field, "a hash field"); !st.ok()) return st;
    if (field.data() != field_scratch.data()) field_scratch.assign(field);
    field = field_scratch;
    if (st = in.ReadString(&value_scratch, &value, "a hash value"); !st.ok()) return st;
    const bool added = h->is_listpack() ? (!h->Contains(field) && h->Set(field, value, limits))
                                        : h->InsertNewForLoad(field, value);
    if (!added) return Status::Corruption("duplicate hash field in a hash value");
  }
  out->value = std::move(h);
  return Status::Ok();
}

}  // namespace

uint8_t HashRdbType(const store::HashRef& h) {
  return h.is_listpack() ? rdb::kTypeHashListpack : rdb::kTypeHash;
}

void WriteHashBody(RdbWriter& w, const store::HashRef& h) {
  if (h.is_listpack()) {
    // A small hash is kept in our denser block: Redis's listpack is built for the file, in
    // a buffer kept across keys (no allocation per key).
    thread_local std::string scratch;
    scratch.clear();
    h.AppendListpackBytes(scratch);
    w.AppendString(scratch);
    return;
  }
  w.AppendLength(h.size());
  h.ForEach([&](std::string_view field, std::string_view value) {
    w.AppendString(field);
    w.AppendString(value);
  });
}

std::unique_ptr<BodyCursor> NewHashBodyCursor(const HashValue& h) {
  auto write = [](RdbWriter& w, std::string_view field, std::string_view value) {
    w.AppendString(field);
    w.AppendString(value);
  };
  return std::make_unique<TableScanCursor<HashValue, decltype(write)>>(h, write);
}

Status ReadHashBody(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                    DecodedValue* out) {
  out->type = store::ValueType::kHash;
  if (rdb_type == rdb::kTypeHash) return ReadHashPairs(in, limits, out);
  return ReadHashBlob(rdb_type, in, limits, out);
}

Status AppendHashRewrite(std::string_view key, const store::HashRef& h, std::string& out,
                         const std::function<Status()>& flush) {
  std::vector<std::string_view> argv;
  std::vector<std::string> copies;  // listpack integers are formatted, so views need a home
  Status st;
  auto emit = [&] {
    protocol::AppendCommand(out, argv);
    argv.resize(2);
    copies.clear();
    if (st.ok()) st = flush();
  };
  argv = {"HMSET", key};
  copies.reserve(2 * kRewriteItemsPerCommand);
  h.ForEach([&](std::string_view field, std::string_view value) {
    if (!st.ok()) return;
    copies.emplace_back(field);
    argv.emplace_back(copies.back());
    copies.emplace_back(value);
    argv.emplace_back(copies.back());
    if ((argv.size() - 2) / 2 == kRewriteItemsPerCommand) emit();
  });
  if (st.ok() && argv.size() > 2) emit();
  return st;
}

}  // namespace basalt::persistence
