// Sets in RDB and AOF rewrite (see type_codecs.h).
//
// Redis 7.0 writes an intset-encoded set as SET_INTSET (the intset block, as a string) and a
// table-encoded one as SET (a count, then member strings). A member given twice makes the file
// corrupt, as in Redis.
#include <string>
#include <vector>

#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"
#include "persistence/type_codecs.h"
#include "protocol/command_encoder.h"

namespace basalt::persistence {

namespace {

using store::SetValue;

Status ReadIntsetBlob(RdbValueInput& in, const store::EncodingLimits& limits, DecodedValue* out) {
  std::string scratch;
  std::string_view blob;
  Status st = in.ReadString(&scratch, &blob, "an intset");
  if (!st.ok()) return st;
  std::optional<store::IntSet> ints = store::IntSet::FromBytes(blob);
  if (!ints) return Status::Corruption("invalid intset in a set value");
  if (ints->size() == 0) return Status::Ok();
  auto set = std::make_unique<SetValue>(std::move(*ints));
  if (set->size() > static_cast<uint64_t>(limits.set_max_intset_entries)) set->ConvertToTable();
  out->value = std::move(set);
  return Status::Ok();
}

// SET: a count, then member strings.
Status ReadSetMembers(RdbValueInput& in, const store::EncodingLimits& limits, DecodedValue* out) {
  uint64_t count;
  Status st = in.ReadLength(&count, "a set's member count");
  if (!st.ok()) return st;
  if (in.remaining() >= 0 && count > static_cast<uint64_t>(in.remaining())) {
    return Status::Corruption("a set claims " + std::to_string(count) +
                              " members, more than the data left can hold");
  }
  if (count == 0) return Status::Ok();
  std::unique_ptr<SetValue> set;
  std::string scratch;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view member;
    if (st = in.ReadString(&scratch, &member, "a set member"); !st.ok()) return st;
    if (set == nullptr) {
      // As Redis: an intset when the first member is an integer and the count fits.
      set.reset(count <= static_cast<uint64_t>(limits.set_max_intset_entries)
                    ? SetValue::NewFor(member, limits)
                    : new SetValue());
      set->Reserve(count);
    }
    const bool added = set->is_intset() ? (!set->Contains(member) && set->Add(member, limits))
                                        : set->InsertForLoad(member);
    if (!added) return Status::Corruption("duplicate member in a set value");
  }
  out->value = std::move(set);
  return Status::Ok();
}

}  // namespace

uint8_t SetRdbType(const SetValue& s) {
  return s.is_intset() ? rdb::kTypeSetIntset : rdb::kTypeSet;
}

void WriteSetBody(RdbWriter& w, const SetValue& s) {
  if (s.is_intset()) {
    w.AppendString(s.intset().bytes());
    return;
  }
  w.AppendLength(s.size());
  s.ForEach([&](std::string_view m) { w.AppendString(m); });
}

std::unique_ptr<BodyCursor> NewSetBodyCursor(const SetValue& s) {
  auto write = [](RdbWriter& w, std::string_view member) { w.AppendString(member); };
  return std::make_unique<TableScanCursor<SetValue, decltype(write)>>(s, write);
}

Status ReadSetBody(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                   DecodedValue* out) {
  out->type = store::ValueType::kSet;
  if (rdb_type == rdb::kTypeSetIntset) return ReadIntsetBlob(in, limits, out);
  return ReadSetMembers(in, limits, out);
}

Status AppendSetRewrite(std::string_view key, const SetValue& s, std::string& out,
                        const std::function<Status()>& flush) {
  std::vector<std::string> members;
  std::vector<std::string_view> argv;
  Status st;
  auto emit = [&] {
    argv = {"SADD", key};
    for (const std::string& m : members) argv.emplace_back(m);
    protocol::AppendCommand(out, argv);
    members.clear();
    if (st.ok()) st = flush();
  };
  s.ForEach([&](std::string_view m) {
    if (!st.ok()) return;
    members.emplace_back(m);
    if (members.size() == kRewriteItemsPerCommand) emit();
  });
  if (st.ok() && !members.empty()) emit();
  return st;
}

}  // namespace basalt::persistence
