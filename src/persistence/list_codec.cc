// Lists in RDB and AOF rewrite (see type_codecs.h).
//
// Redis 7.0 writes lists as QUICKLIST_2: a node count, then per node its container (2 =
// packed: a listpack; 1 = plain: one large element) and its bytes as a string. basalt's nodes
// are listpacks, so they are written and read as they are. Older files may hold LIST (a count
// and strings), LIST_ZIPLIST (one ziplist) or QUICKLIST (ziplist nodes); ziplists are
// converted. Empty nodes are skipped, an empty list is skipped, as Redis does.
#include <string>
#include <vector>

#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"
#include "persistence/type_codecs.h"
#include "protocol/command_encoder.h"
#include "store/ziplist_convert.h"

namespace basalt::persistence {

namespace {

using store::Listpack;
using store::ListValue;

constexpr uint64_t kContainerPlain = 1;
constexpr uint64_t kContainerPacked = 2;

Status ReadListStrings(RdbValueInput& in, const store::EncodingLimits& limits, ListValue* list) {
  uint64_t count;
  Status st = in.ReadLength(&count, "a list's length");
  if (!st.ok()) return st;
  if (in.remaining() >= 0 && count > static_cast<uint64_t>(in.remaining())) {
    return Status::Corruption("a list claims " + std::to_string(count) +
                              " elements, more than the data left can hold");
  }
  std::string scratch;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view v;
    if (st = in.ReadString(&scratch, &v, "a list element"); !st.ok()) return st;
    list->PushBack(v, limits);
  }
  return Status::Ok();
}

// One node of a QUICKLIST (ziplist) or QUICKLIST_2 (container + listpack or plain element).
Status ReadListNode(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                    ListValue* list) {
  uint64_t container = kContainerPacked;
  Status st;
  if (rdb_type == rdb::kTypeListQuicklist2) {
    if (st = in.ReadLength(&container, "a list node's container"); !st.ok()) return st;
    if (container != kContainerPlain && container != kContainerPacked) {
      return Status::Corruption("a list node with unknown container " + std::to_string(container));
    }
  }
  std::string_view blob;
  std::string_view lzf;
  if (st = in.ReadBlobAndPacked(&blob, &lzf, "a list node"); !st.ok()) return st;
  if (container == kContainerPlain) {
    list->PushBack(blob, limits);
    return Status::Ok();
  }
  size_t count;
  if (rdb_type == rdb::kTypeListQuicklist2 && !lzf.empty() && limits.list_compress_depth > 0 &&
      Listpack::Validate(blob, &count)) {
    // A node the file holds compressed keeps those bytes, in case it ends up interior
    // (ApplyCompression decompresses the end nodes): loading a long list does not compress
    // it all again.
    if (count > 0) list->AppendPackedNode(lzf, blob.size(), count);
    return Status::Ok();
  }
  std::optional<Listpack> lp = rdb_type == rdb::kTypeListQuicklist2
                                   ? Listpack::FromBytes(blob)
                                   : store::ZiplistToListpack(blob);
  if (!lp)
    return Status::Corruption("invalid list node (" +
                              std::string(rdb::DescribeType(rdb_type).encoding) + ")");
  if (!lp->empty()) list->AppendNode(std::move(*lp));
  return Status::Ok();
}

}  // namespace

uint8_t ListRdbType(const ListValue&) { return rdb::kTypeListQuicklist2; }

namespace {

// One QUICKLIST_2 node. A compressed node's LZF bytes go out as they are, as an LZF-encoded
// string (as Redis writes its compressed nodes), unless the file is written uncompressed.
void WriteListNode(RdbWriter& w, const store::ListNode& node) {
  w.AppendLength(kContainerPacked);
  if (!node.compressed()) {
    w.AppendString(node.lp().bytes());
  } else if (w.compression()) {
    w.AppendLzfString(node.packed_bytes(), node.raw_bytes_size());
  } else {
    Listpack scratch;
    w.AppendString(node.View(&scratch).bytes());
  }
}

}  // namespace

void WriteListBody(RdbWriter& w, const ListValue& list) {
  w.AppendLength(list.nodes().size());
  for (const store::ListNode& node : list.nodes()) WriteListNode(w, node);
}

namespace {

// Whole nodes, front to back.
class ListNodeCursor final : public BodyCursor {
 public:
  explicit ListNodeCursor(const ListValue& list) : list_(list) {}
  bool WriteSome(RdbWriter& w, size_t max_elements) override {
    const auto& nodes = list_.nodes();
    if (!started_) {
      w.AppendLength(nodes.size());
      started_ = true;
    }
    size_t written = 0;
    while (next_ < nodes.size() && written < max_elements) {
      const store::ListNode& node = nodes[next_++];
      WriteListNode(w, node);
      written += node.size();
    }
    return next_ == nodes.size();
  }

 private:
  const ListValue& list_;
  bool started_ = false;
  size_t next_ = 0;
};

}  // namespace

std::unique_ptr<BodyCursor> NewListBodyCursor(const ListValue& list) {
  return std::make_unique<ListNodeCursor>(list);
}

Status ReadListBody(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                    DecodedValue* out) {
  out->type = store::ValueType::kList;
  auto list = std::make_unique<ListValue>();
  Status st;
  if (rdb_type == rdb::kTypeList) {
    st = ReadListStrings(in, limits, list.get());
  } else if (rdb_type == rdb::kTypeListZiplist) {
    st = ReadListNode(rdb::kTypeListQuicklist, in, limits, list.get());
  } else {
    uint64_t nodes;
    st = in.ReadLength(&nodes, "a list's node count");
    if (st.ok() && in.remaining() >= 0 && nodes > static_cast<uint64_t>(in.remaining())) {
      st = Status::Corruption("a list claims " + std::to_string(nodes) + " nodes");
    }
    for (uint64_t i = 0; st.ok() && i < nodes; ++i)
      st = ReadListNode(rdb_type, in, limits, list.get());
  }
  if (st.ok()) list->ApplyCompression(limits);
  if (st.ok() && list->size() > 0) out->value = std::move(list);
  return st;
}

Status AppendListRewrite(std::string_view key, const ListValue& list, std::string& out,
                         const std::function<Status()>& flush) {
  std::vector<std::string> items;
  std::vector<std::string_view> argv;
  Status st;
  auto emit = [&] {
    argv = {"RPUSH", key};
    for (const std::string& v : items) argv.emplace_back(v);
    protocol::AppendCommand(out, argv);
    items.clear();
    if (st.ok()) st = flush();
  };
  list.ForEach([&](std::string_view v) {
    if (!st.ok()) return;
    items.emplace_back(v);
    if (items.size() == kRewriteItemsPerCommand) emit();
  });
  if (st.ok() && !items.empty()) emit();
  return st;
}

}  // namespace basalt::persistence
