#include "persistence/value_codec.h"

#include "common/strings.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"
#include "persistence/type_codecs.h"
#include "protocol/command_encoder.h"
#include "store/hash_ref.h"

namespace basalt::persistence {

namespace {

// A small hash is a compact block in its entry, a big one a HashValue: the handle reads both.
store::HashRef AsHash(const store::Entry& e) { return store::HashRef(&e); }

const store::SetValue& AsSet(const store::Entry& e) {
  return static_cast<const store::SetValue&>(*e.object());
}

const store::ListValue& AsList(const store::Entry& e) {
  return static_cast<const store::ListValue&>(*e.object());
}

const store::ZsetValue& AsZset(const store::Entry& e) {
  return static_cast<const store::ZsetValue&>(*e.object());
}

const store::StreamValue& AsStream(const store::Entry& e) {
  return static_cast<const store::StreamValue&>(*e.object());
}

}  // namespace

uint8_t RdbTypeOf(const store::Entry& e) {
  switch (e.type()) {
    case store::ValueType::kHash:
      return HashRdbType(AsHash(e));
    case store::ValueType::kSet:
      return SetRdbType(AsSet(e));
    case store::ValueType::kList:
      return ListRdbType(AsList(e));
    case store::ValueType::kZSet:
      return ZsetRdbType(AsZset(e));
    case store::ValueType::kStream:
      return rdb::kTypeStreamListpacks2;
    default:
      break;
  }
  // Types without a codec are never created (no command makes them), so this is unreachable;
  // an empty string keeps the file valid if it ever happens.
  return rdb::kTypeString;
}

bool WritesInPieces(const store::Entry& e) {
  switch (e.type()) {
    case store::ValueType::kHash:
      return !AsHash(e).is_listpack() && AsHash(e).size() >= kPiecewiseMinElements;
    case store::ValueType::kSet:
      return !AsSet(e).is_intset() && AsSet(e).size() >= kPiecewiseMinElements;
    case store::ValueType::kList:
      return AsList(e).size() >= kPiecewiseMinElements;
    case store::ValueType::kZSet:
      return !AsZset(e).is_listpack() && AsZset(e).size() >= kPiecewiseMinElements;
    case store::ValueType::kStream:
      return AsStream(e).length() >= kPiecewiseMinElements;
    default:
      return false;
  }
}

std::unique_ptr<BodyCursor> OpenBodyCursor(const store::Entry& e) {
  if (!WritesInPieces(e)) return nullptr;
  switch (e.type()) {
    case store::ValueType::kHash:
      return NewHashBodyCursor(*AsHash(e).object());  // a table: WritesInPieces
    case store::ValueType::kSet:
      return NewSetBodyCursor(AsSet(e));
    case store::ValueType::kList:
      return NewListBodyCursor(AsList(e));
    case store::ValueType::kZSet:
      return NewZsetBodyCursor(AsZset(e));
    case store::ValueType::kStream:
      return NewStreamBodyCursor(AsStream(e));
    default:
      return nullptr;
  }
}

void WriteObjectBody(RdbWriter& w, const store::Entry& e) {
  switch (e.type()) {
    case store::ValueType::kHash:
      WriteHashBody(w, AsHash(e));
      return;
    case store::ValueType::kSet:
      WriteSetBody(w, AsSet(e));
      return;
    case store::ValueType::kList:
      WriteListBody(w, AsList(e));
      return;
    case store::ValueType::kZSet:
      WriteZsetBody(w, AsZset(e));
      return;
    case store::ValueType::kStream:
      WriteStreamBody(w, AsStream(e));
      return;
    default:
      w.AppendString("");
      return;
  }
}

Status ReadObjectBody(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                      DecodedValue* out) {
  switch (rdb_type) {
    case rdb::kTypeHash:
    case rdb::kTypeHashZipmap:
    case rdb::kTypeHashZiplist:
    case rdb::kTypeHashListpack:
      return ReadHashBody(rdb_type, in, limits, out);
    case rdb::kTypeSet:
    case rdb::kTypeSetIntset:
      return ReadSetBody(rdb_type, in, limits, out);
    case rdb::kTypeList:
    case rdb::kTypeListZiplist:
    case rdb::kTypeListQuicklist:
    case rdb::kTypeListQuicklist2:
      return ReadListBody(rdb_type, in, limits, out);
    case rdb::kTypeZSet:
    case rdb::kTypeZSet2:
    case rdb::kTypeZSetZiplist:
    case rdb::kTypeZSetListpack:
      return ReadZsetBody(rdb_type, in, limits, out);
    case rdb::kTypeStreamListpacks:
    case rdb::kTypeStreamListpacks2:
      return ReadStreamBody(rdb_type, in, out);
    default:
      break;
  }
  rdb::TypeInfo info = rdb::DescribeType(rdb_type);
  return Status::NotSupported("type " + std::string(info.logical) + " (" +
                              std::to_string(rdb_type) + ", " + std::string(info.encoding) +
                              "), which basalt does not support yet");
}

Status AppendRewriteCommands(const store::Entry& e, std::string& out,
                             const std::function<Status()>& flush) {
  Status st;
  switch (e.type()) {
    case store::ValueType::kHash:
      st = AppendHashRewrite(e.key(), AsHash(e), out, flush);
      break;
    case store::ValueType::kSet:
      st = AppendSetRewrite(e.key(), AsSet(e), out, flush);
      break;
    case store::ValueType::kList:
      st = AppendListRewrite(e.key(), AsList(e), out, flush);
      break;
    case store::ValueType::kZSet:
      st = AppendZsetRewrite(e.key(), AsZset(e), out, flush);
      break;
    case store::ValueType::kStream:
      st = AppendStreamRewrite(e.key(), AsStream(e), out, flush);
      break;
    default:
      return Status::NotSupported("AOF rewrite of type " + std::string(store::TypeName(e.type())));
  }
  if (st.ok() && e.has_expire()) {
    std::string at = Int64ToString(e.expire_at());
    std::string_view expire[] = {"PEXPIREAT", e.key(), at};
    protocol::AppendCommand(out, expire);
  }
  return st;
}

}  // namespace basalt::persistence
