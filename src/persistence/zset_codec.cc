// Sorted sets in RDB and AOF rewrite (see type_codecs.h).
//
// Redis 7.0 writes a listpack-encoded zset as ZSET_LISTPACK (the block itself, as a string)
// and a skiplist-encoded one as ZSET_2: a count, then member strings each followed by its
// score as 8 binary bytes, from the highest element down (so a loader inserting one by one
// always inserts at the front of its order, which is cheap for a skiplist and lets our tree
// fill its leaves). Older files may hold ZSET (scores as text) or ZSET_ZIPLIST (Redis < 7.0),
// converted on load. A member given twice, a NaN score, or a listpack out of order make the
// file corrupt. (Redis does not check a listpack's order; we must, since every lookup in our
// listpack relies on it.)
//
// Encodings on load follow Redis 7.0's rdbLoadObject: a listpack (or ziplist) stays one unless
// it holds more than zset-max-listpack-entries members (member lengths are not checked), and
// a ZSET / ZSET_2 becomes a listpack when both the count and its longest member fit the limits.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "common/strings.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"
#include "persistence/type_codecs.h"
#include "protocol/command_encoder.h"
#include "store/ziplist_convert.h"

namespace basalt::persistence {

namespace {

using store::Listpack;
using store::ZsetValue;

// An encoded zset (ziplist or listpack blob).
Status ReadZsetBlob(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                    DecodedValue* out) {
  std::string scratch;
  std::string_view blob;
  Status st = in.ReadString(&scratch, &blob, "an encoded sorted set");
  if (!st.ok()) return st;
  std::optional<Listpack> lp = rdb_type == rdb::kTypeZSetZiplist ? store::ZiplistToListpack(blob)
                                                                 : Listpack::FromBytes(blob);
  // Only error messages use it: a view, so a valid blob builds no string.
  const std::string_view what = rdb::DescribeType(rdb_type).encoding;
  if (!lp) return Status::Corruption("invalid " + std::string(what) + " in a sorted set value");
  if (lp->size() % 2 != 0) {
    return Status::Corruption("a sorted set " + std::string(what) +
                              " with an odd number of elements");
  }
  if (!ZsetValue::IsValidListpack(*lp)) {
    return Status::Corruption("a sorted set " + std::string(what) +
                              " with a bad score, a repeated member or members out of order");
  }
  if (lp->size() == 0) return Status::Ok();
  auto z = std::make_unique<ZsetValue>(std::move(*lp));
  if (z->size() > static_cast<uint64_t>(limits.zset_max_listpack_entries)) z->ConvertToTree();
  out->value = std::move(z);
  return Status::Ok();
}

// ZSET (text scores) and ZSET_2 (binary scores): a count, then member and score pairs.
Status ReadZsetPairs(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                     DecodedValue* out) {
  const bool binary = rdb_type == rdb::kTypeZSet2;
  uint64_t count;
  Status st = in.ReadLength(&count, "a sorted set's member count");
  if (!st.ok()) return st;
  // Each member takes at least one byte, each score one (text) or eight (binary).
  const uint64_t min_pair = binary ? 9 : 2;
  if (in.remaining() >= 0 && count > static_cast<uint64_t>(in.remaining()) / min_pair) {
    return Status::Corruption("a sorted set claims " + std::to_string(count) +
                              " members, more than the data left can hold");
  }
  if (count == 0) return Status::Ok();
  auto z = std::make_unique<ZsetValue>();
  z->ConvertToTree();
  z->Reserve(count);
  std::string member_scratch;
  size_t longest = 0;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view member;
    if (st = in.ReadString(&member_scratch, &member, "a sorted set member"); !st.ok()) return st;
    // The score read below may reuse the input's buffer the view points into.
    if (member.data() != member_scratch.data()) member_scratch.assign(member);
    member = member_scratch;
    double score;
    st = binary ? in.ReadBinaryDouble(&score, "a sorted set score")
                : in.ReadTextDouble(&score, "a sorted set score");
    if (!st.ok()) return st;
    if (std::isnan(score)) return Status::Corruption("a NaN score in a sorted set value");
    if (!z->InsertForLoad(member, score)) {
      return Status::Corruption("duplicate member in a sorted set value");
    }
    longest = std::max(longest, member.size());
  }
  if (count <= static_cast<uint64_t>(limits.zset_max_listpack_entries) &&
      longest <= static_cast<uint64_t>(limits.zset_max_listpack_value)) {
    z->ConvertToListpackIfFits(limits);
  }
  out->value = std::move(z);
  return Status::Ok();
}

}  // namespace

uint8_t ZsetRdbType(const ZsetValue& z) {
  return z.is_listpack() ? rdb::kTypeZSetListpack : rdb::kTypeZSet2;
}

void WriteZsetBody(RdbWriter& w, const ZsetValue& z) {
  if (z.is_listpack()) {
    w.AppendString(z.listpack().bytes());
    return;
  }
  w.AppendLength(z.size());
  // Highest first, as Redis writes them (see the header comment).
  z.ForEachInRanks(0, z.size(), true, [&](std::string_view member, double score) {
    w.AppendString(member);
    w.AppendBinaryDouble(score);
  });
}

namespace {

// Ranks from the highest down, as WriteZsetBody writes them: [next_ - n, next_) reversed.
class ZsetTreeCursor final : public BodyCursor {
 public:
  explicit ZsetTreeCursor(const ZsetValue& z) : z_(z), next_(z.size()) {}
  bool WriteSome(RdbWriter& w, size_t max_elements) override {
    if (!started_) {
      w.AppendLength(z_.size());
      started_ = true;
    }
    const size_t n = std::min(next_, std::max<size_t>(max_elements, 1));
    z_.ForEachInRanks(next_ - n, next_, true, [&](std::string_view member, double score) {
      w.AppendString(member);
      w.AppendBinaryDouble(score);
    });
    next_ -= n;
    return next_ == 0;
  }

 private:
  const ZsetValue& z_;
  bool started_ = false;
  size_t next_;  // ranks below this are still to be written
};

}  // namespace

std::unique_ptr<BodyCursor> NewZsetBodyCursor(const ZsetValue& z) {
  return std::make_unique<ZsetTreeCursor>(z);
}

Status ReadZsetBody(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                    DecodedValue* out) {
  out->type = store::ValueType::kZSet;
  if (rdb_type == rdb::kTypeZSet || rdb_type == rdb::kTypeZSet2) {
    return ReadZsetPairs(rdb_type, in, limits, out);
  }
  return ReadZsetBlob(rdb_type, in, limits, out);
}

Status AppendZsetRewrite(std::string_view key, const ZsetValue& z, std::string& out,
                         const std::function<Status()>& flush) {
  // Scores as Redis's rewrite spells them ("%.17g", inf and -inf), then the member.
  std::vector<std::string> items;
  std::vector<std::string_view> argv;
  Status st;
  auto emit = [&] {
    argv = {"ZADD", key};
    for (const std::string& item : items) argv.emplace_back(item);
    protocol::AppendCommand(out, argv);
    items.clear();
    if (st.ok()) st = flush();
  };
  items.reserve(2 * kRewriteItemsPerCommand);
  z.ForEach([&](std::string_view member, double score) {
    if (!st.ok()) return false;
    items.push_back(FormatDouble(score));
    items.emplace_back(member);
    if (items.size() == 2 * kRewriteItemsPerCommand) emit();
    return true;
  });
  if (st.ok() && !items.empty()) emit();
  return st;
}

}  // namespace basalt::persistence
