// Streams in RDB and AOF rewrite (see type_codecs.h).
//
// Redis 7.0 writes STREAM_LISTPACKS_2: the nodes (a 16-byte big-endian master ID and the
// listpack, each as a string), the length and last ID, the first ID, the newest deleted ID and
// the entries-added counter; then each group (name, last delivered ID, entries read, its
// pending entries as raw 16-byte IDs with an 8-byte little-endian delivery time and a count)
// with its consumers (name, 8-byte seen time, their pending IDs). STREAM_LISTPACKS (Redis 5
// and 6) lacks the three counters and the groups' entries read: they are derived on load as
// Redis 7.0 derives them.
//
// Loading checks more than Redis does (whose loader trusts much of a file): every node is
// walked whole, IDs must ascend across nodes, the length must be the live entries counted and
// the last ID must not be below the last entry, and every pending entry must belong to one
// consumer. The commands rely on these, so a file breaking them is corrupt, never a crash.
//
// An AOF rewrite emits an XADD per entry (an empty stream: XADD ... MAXLEN 0 0-1 x y), XSETID
// with the counters, XGROUP CREATE ... ENTRIESREAD per group, and per consumer either an XCLAIM
// ... JUSTID FORCE for each pending entry or XGROUP CREATECONSUMER, as Redis's rewrite does.
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/strings.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"
#include "persistence/type_codecs.h"
#include "protocol/command_encoder.h"

namespace basalt::persistence {

namespace {

using store::StreamId;
using store::StreamValue;

std::string_view IdBytes(StreamId id, char* buf) {
  id.ToBigEndian(reinterpret_cast<uint8_t*>(buf));
  return {buf, 16};
}

std::string_view TimeBytes(int64_t ms, char* buf) {
  auto u = static_cast<uint64_t>(ms);
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(u >> (8 * i));
  return {buf, 8};
}

void AppendId(RdbWriter& w, StreamId id) {
  w.AppendLength(id.ms);
  w.AppendLength(id.seq);
}

void WriteGroups(RdbWriter& w, const store::StreamGroups& groups) {
  char buf[16];
  w.AppendLength(groups.size());
  for (const auto& [name, group] : groups.all()) {
    w.AppendString(name);
    AppendId(w, group.last_id);
    w.AppendLength(static_cast<uint64_t>(group.entries_read));
    w.AppendLength(group.pending.size());
    for (const auto& [id, nack] : group.pending) {
      w.AppendRaw(IdBytes(id, buf));
      w.AppendRaw(TimeBytes(nack.delivery_time_ms, buf));
      w.AppendLength(nack.delivery_count);
    }
    w.AppendLength(group.consumers.size());
    for (const auto& [cname, consumer] : group.consumers) {
      w.AppendString(cname);
      w.AppendRaw(TimeBytes(consumer.seen_time_ms, buf));
      w.AppendLength(consumer.pending.size());
      for (const auto& [id, nack] : consumer.pending) w.AppendRaw(IdBytes(id, buf));
    }
  }
}

Status Corrupt(std::string_view what) {
  return Status::Corruption("a stream with " + std::string(what));
}

Status ReadId(RdbValueInput& in, StreamId* id, std::string_view what) {
  Status st = in.ReadLength(&id->ms, what);
  if (st.ok()) st = in.ReadLength(&id->seq, what);
  return st;
}

Status ReadRawId(RdbValueInput& in, StreamId* id, std::string_view what) {
  std::string_view raw;
  Status st = in.ReadRaw(16, &raw, what);
  if (st.ok()) *id = StreamId::FromBigEndian(reinterpret_cast<const uint8_t*>(raw.data()));
  return st;
}

Status ReadTime(RdbValueInput& in, int64_t* ms, std::string_view what) {
  std::string_view raw;
  Status st = in.ReadRaw(8, &raw, what);
  if (!st.ok()) return st;
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | static_cast<uint8_t>(raw[static_cast<size_t>(i)]);
  *ms = static_cast<int64_t>(u);
  return Status::Ok();
}

// The nodes, the length and the last ID.
Status ReadNodes(RdbValueInput& in, StreamValue& s) {
  uint64_t count;
  Status st = in.ReadLength(&count, "a stream's node count");
  if (!st.ok()) return st;
  std::string scratch;
  StreamId after = StreamId::Min();
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view key;
    if (st = in.ReadString(&scratch, &key, "a stream node's ID"); !st.ok()) return st;
    if (key.size() != 16) return Corrupt("a node key that is no stream ID");
    const StreamId master = StreamId::FromBigEndian(reinterpret_cast<const uint8_t*>(key.data()));
    // Nodes in their map's order, each once (Redis refuses a repeated one too).
    if (i > 0 && master <= s.nodes().rbegin()->first) {
      return Corrupt("nodes out of order or repeated");
    }
    std::string_view blob;
    if (st = in.ReadBlob(&blob, "a stream node"); !st.ok()) return st;
    std::optional<store::Listpack> lp = store::Listpack::FromBytes(blob);
    if (!lp || lp->empty()) return Corrupt("an invalid or empty node listpack");
    uint64_t live;
    StreamId last;
    if (!StreamValue::ValidateNode(*lp, master, after, &live, &last)) {
      return Corrupt("a malformed node or entries out of order");
    }
    s.AdoptNode(master, std::move(*lp), live);
    after = last;
  }
  uint64_t length;
  StreamId last_id;
  if (st = in.ReadLength(&length, "a stream's length"); !st.ok()) return st;
  if (st = ReadId(in, &last_id, "a stream's last ID"); !st.ok()) return st;
  if (length != s.length()) return Corrupt("a length other than its entries");
  if (count > 0 && last_id < after) return Corrupt("a last ID below its last entry");
  s.set_last_id(last_id);
  return Status::Ok();
}

Status ReadConsumers(RdbValueInput& in, store::StreamGroup& group) {
  uint64_t count;
  Status st = in.ReadLength(&count, "a stream group's consumer count");
  if (!st.ok()) return st;
  std::string scratch;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name_view;
    if (st = in.ReadString(&scratch, &name_view, "a stream consumer's name"); !st.ok()) return st;
    const std::string name(name_view);
    int64_t seen;
    if (st = ReadTime(in, &seen, "a stream consumer's seen time"); !st.ok()) return st;
    store::StreamConsumer* consumer = group.CreateConsumer(name, seen);
    if (consumer == nullptr) return Corrupt("a consumer named twice in a group");
    uint64_t pending;
    if (st = in.ReadLength(&pending, "a stream consumer's pending count"); !st.ok()) return st;
    for (uint64_t j = 0; j < pending; ++j) {
      StreamId id;
      if (st = ReadRawId(in, &id, "a stream consumer's pending ID"); !st.ok()) return st;
      auto it = group.pending.find(id);
      if (it == group.pending.end() || it->second.consumer != nullptr) {
        return Corrupt("a consumer's pending entry missing from its group or owned twice");
      }
      it->second.consumer = consumer;
      consumer->pending.emplace(id, &it->second);
    }
  }
  for (const auto& [id, nack] : group.pending) {
    if (nack.consumer == nullptr) return Corrupt("a pending entry no consumer owns");
  }
  return Status::Ok();
}

Status ReadGroups(uint8_t rdb_type, RdbValueInput& in, StreamValue& s) {
  uint64_t count;
  Status st = in.ReadLength(&count, "a stream's group count");
  if (!st.ok()) return st;
  std::string scratch;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name_view;
    if (st = in.ReadString(&scratch, &name_view, "a stream group's name"); !st.ok()) return st;
    const std::string name(name_view);
    StreamId last_id;
    if (st = ReadId(in, &last_id, "a stream group's last ID"); !st.ok()) return st;
    int64_t entries_read;
    if (rdb_type == rdb::kTypeStreamListpacks2) {
      uint64_t raw;
      if (st = in.ReadLength(&raw, "a stream group's entries read"); !st.ok()) return st;
      entries_read = static_cast<int64_t>(raw);
    } else {
      entries_read = s.EstimateEntriesRead(last_id);
    }
    store::StreamGroup* group = s.groups().Create(name, last_id, entries_read);
    if (group == nullptr) return Corrupt("a group named twice");
    uint64_t pending;
    if (st = in.ReadLength(&pending, "a stream group's pending count"); !st.ok()) return st;
    if (in.remaining() >= 0 && pending > static_cast<uint64_t>(in.remaining()) / 25) {
      return Corrupt("more pending entries than the data left can hold");
    }
    for (uint64_t j = 0; j < pending; ++j) {
      StreamId id;
      int64_t when;
      uint64_t deliveries;
      if (st = ReadRawId(in, &id, "a pending entry's ID"); !st.ok()) return st;
      if (st = ReadTime(in, &when, "a pending entry's delivery time"); !st.ok()) return st;
      if (st = in.ReadLength(&deliveries, "a pending entry's delivery count"); !st.ok()) return st;
      auto [it, added] = group->pending.try_emplace(id);
      if (!added) return Corrupt("a pending entry listed twice");
      it->second.delivery_time_ms = when;
      it->second.delivery_count = deliveries;
    }
    if (st = ReadConsumers(in, *group); !st.ok()) return st;
  }
  return Status::Ok();
}

void WriteStreamNode(RdbWriter& w, StreamId master, const store::Listpack& node) {
  char buf[16];
  w.AppendString(IdBytes(master, buf));
  w.AppendString(node.bytes());
}

// What follows the nodes: the counters and the groups.
void WriteStreamTail(RdbWriter& w, const StreamValue& s) {
  w.AppendLength(s.length());
  AppendId(w, s.last_id());
  AppendId(w, s.first_id());
  AppendId(w, s.max_deleted_id());
  w.AppendLength(s.entries_added());
  WriteGroups(w, s.groups());
}

// Nodes a few at a time (each holds up to stream-node-max-entries entries), then the tail.
class StreamNodeCursor final : public BodyCursor {
 public:
  explicit StreamNodeCursor(const StreamValue& s) : s_(s), next_(s.nodes().begin()) {}
  bool WriteSome(RdbWriter& w, size_t max_elements) override {
    if (!started_) {
      w.AppendLength(s_.nodes().size());
      started_ = true;
    }
    size_t written = 0;
    while (next_ != s_.nodes().end() && written < max_elements) {
      WriteStreamNode(w, next_->first, next_->second);
      written += next_->second.size() / 4 + 1;  // roughly entries: 4+ elements each
      ++next_;
    }
    if (next_ != s_.nodes().end()) return false;
    WriteStreamTail(w, s_);
    return true;
  }

 private:
  const StreamValue& s_;
  bool started_ = false;
  StreamValue::NodeMap::const_iterator next_;
};

}  // namespace

void WriteStreamBody(RdbWriter& w, const StreamValue& s) {
  w.AppendLength(s.nodes().size());
  for (const auto& [master, node] : s.nodes()) WriteStreamNode(w, master, node);
  WriteStreamTail(w, s);
}

std::unique_ptr<BodyCursor> NewStreamBodyCursor(const StreamValue& s) {
  return std::make_unique<StreamNodeCursor>(s);
}

Status ReadStreamBody(uint8_t rdb_type, RdbValueInput& in, DecodedValue* out) {
  out->type = store::ValueType::kStream;
  auto s = std::make_unique<StreamValue>();
  Status st = ReadNodes(in, *s);
  if (!st.ok()) return st;
  if (rdb_type == rdb::kTypeStreamListpacks2) {
    StreamId first;
    StreamId max_deleted;
    uint64_t added;
    if (st = ReadId(in, &first, "a stream's first ID"); !st.ok()) return st;
    if (st = ReadId(in, &max_deleted, "a stream's deleted ID"); !st.ok()) return st;
    if (st = in.ReadLength(&added, "a stream's entries added"); !st.ok()) return st;
    s->set_first_id(first);
    s->set_max_deleted_id(max_deleted);
    s->set_entries_added(added);
  } else {
    // Redis 7.0's upgrade: the first live entry (or the highest ID when none), no deletion
    // known, the entries added taken as the length.
    StreamId first = StreamId::Max();
    s->EdgeId(false, &first);
    s->set_first_id(first);
    s->set_entries_added(s->length());
  }
  if (st = ReadGroups(rdb_type, in, *s); !st.ok()) return st;
  out->value = std::move(s);
  return Status::Ok();
}

Status AppendStreamRewrite(std::string_view key, const StreamValue& s, std::string& out,
                           const std::function<Status()>& flush) {
  char id_buf[StreamId::kTextMax];
  Status st;
  std::vector<std::string_view> argv;
  auto emit = [&] {
    protocol::AppendCommand(out, argv);
    if (st.ok()) st = flush();
    return st.ok();
  };
  if (s.length() > 0) {
    s.ForRange(StreamId::Min(), StreamId::Max(), false, [&](const store::StreamEntryView& e) {
      argv = {"XADD", key, e.id.Format(id_buf)};
      argv.insert(argv.end(), e.fields_values.begin(), e.fields_values.end());
      return emit();
    });
  } else {
    argv = {"XADD", key, "MAXLEN", "0", "0-1", "x", "y"};
    emit();
  }
  if (!st.ok()) return st;
  const std::string last = s.last_id().ToString();
  const std::string added = std::to_string(s.entries_added());
  const std::string max_deleted = s.max_deleted_id().ToString();
  argv = {"XSETID", key, last, "ENTRIESADDED", added, "MAXDELETEDID", max_deleted};
  // XSETID refuses a deleted ID above the last one, which an XSETID that lowered the last ID
  // leaves behind: the last ID matters more (new IDs must stay above it), so it goes alone.
  if (s.max_deleted_id() > s.last_id()) argv.resize(5);
  if (!emit()) return st;
  for (const auto& [name, group] : s.groups().all()) {
    const std::string group_last = group.last_id.ToString();
    const std::string read = Int64ToString(group.entries_read);
    argv = {"XGROUP", "CREATE", key, name, group_last, "ENTRIESREAD", read};
    if (!emit()) return st;
    for (const auto& [cname, consumer] : group.consumers) {
      if (consumer.pending.empty()) {
        argv = {"XGROUP", "CREATECONSUMER", key, name, cname};
        if (!emit()) return st;
        continue;
      }
      for (const auto& [id, nack] : consumer.pending) {
        const std::string time = Int64ToString(nack->delivery_time_ms);
        const std::string retries = std::to_string(nack->delivery_count);
        argv = {"XCLAIM", key,  name,         cname,   "0",      id.Format(id_buf),
                "TIME",   time, "RETRYCOUNT", retries, "JUSTID", "FORCE"};
        if (!emit()) return st;
      }
    }
  }
  return st;
}

}  // namespace basalt::persistence
