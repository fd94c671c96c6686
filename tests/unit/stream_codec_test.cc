// Streams through the RDB codec: DUMP payloads byte-identical to redis-server 7.0.15's (nodes,
// tombstones, an emptied stream, huge IDs, a consumer group), Redis's compressed and type-15
// payloads restored, every truncation and the corruptions a loader must refuse, and the AOF
// rewrite's commands.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/crc64.h"
#include "persistence/rdb_dump.h"
#include "persistence/rdb_format.h"
#include "persistence/value_codec.h"
#include "protocol/command_encoder.h"
#include "store/entry.h"
#include "store/stream_value.h"
#include "unit/rdb_test_util.h"

using namespace basalt;
using namespace basalt::persistence;
using store::EncodingLimits;
using store::StreamId;
using store::StreamValue;

namespace {

// redis-server 7.0.15's DUMP payloads (rdbcompression no unless said):
//   kSameFields:  XADD sa 1700000000000-1 temp 21 name sensor-alpha, -2 temp 22 ..., -3 temp 23 ...
//   kOtherFields: XADD sb 5-1 a 1; XADD sb 5-2 b hello c -7; XADD sb 1000-0 a x
//   kTombstone:   XADD sc 10-1 f v1; 10-2 f v2; 10-3 f v3; XDEL sc 10-2
//   kEmptied:     XADD sd 7-1 f v; XADD sd 7-2 f w; XDEL sd 7-1 7-2
//   kWithGroup:   XADD se 100-1 k v1 .. 100-4 k v4; XGROUP CREATE se g1 0; XREADGROUP GROUP g1
//                 alice COUNT 2 STREAMS se >; XREADGROUP GROUP g1 bob COUNT 1 STREAMS se >
//   kSameFieldsCompressed: kSameFields with rdbcompression yes
//   kType15:      kWithGroup's stream and a group g2 at 100-2 as Redis 6 (STREAM_LISTPACKS) writes
//   kHugeIds:     XADD h 18446744073709551614-5 a 1; XADD h 18446744073709551615-0 a 123456789012
constexpr std::string_view kSameFields =
    "1301100000018bcfe56800000000000000000140636300000018000301000102018474656d7005846e616d6505"
    "000102010001000115018c73656e736f722d616c7068610d050102010001010116018c73656e736f722d616c70"
    "68610d050102010001020117018c73656e736f722d616c7068610d0501ff03810000018bcfe568000381000001"
    "8bcfe5680001000003000a002126952026398124";
constexpr std::string_view kOtherFields =
    "130110000000000000000500000000000000014043430000001800030100010101816102000102010001000101"
    "01040100010001010102018162028568656c6c6f06816302dff90208010201c3e302dfff028178020401ff0343"
    "e8000501000003000a00271dbc613532d5aa";
constexpr std::string_view kTombstone =
    "130110000000000000000a00000000000000013636000000140002010101010181660200010201000100018276"
    "31030401030100010101827632030401020100010201827633030401ff020a030a010a0203000a0084cde06a9d"
    "633ec6";
constexpr std::string_view kEmptied = "13000007020000070202000a0059837721adff43d5";
constexpr std::string_view kWithGroup =
    "130110000000000000006400000000000000014042420000001900040100010101816b02000102010001000182"
    "7631030401020100010101827632030401020100010201827633030401020100010301827634030401ff044064"
    "0440640100000401026731406403030300000000000000640000000000000001d5ffd952a20100000100000000"
    "000000640000000000000002d5ffd952a20100000100000000000000640000000000000003d5ffd952a2010000"
    "010205616c696365d5ffd952a20100000200000000000000640000000000000001000000000000006400000000"
    "0000000203626f62d5ffd952a201000001000000000000006400000000000000030a0014e055a3362e9202";
constexpr std::string_view kSameFieldsCompressed =
    "1301100000018bcfe568000000000000000001c340464063176300000018000301000102018474656d7005846e"
    "616d6505400f000020011015018c73656e736f722d616c7068610d052027040001010116e00c1702020117e007"
    "170101ff03810000018bcfe5680003810000018bcfe5680001000003000a000622e28ae050f72a";
constexpr std::string_view kType15 =
    "0f0110000000000000006400000000000000014042420000001900040100010101816b02000102010001000182"
    "7631030401020100010101827632030401020100010201827633030401020100010301827634030401ff044064"
    "04020267314064030300000000000000640000000000000001626eda52a2010000010000000000000064000000"
    "0000000002626eda52a20100000100000000000000640000000000000003626eda52a2010000010205616c6963"
    "65626eda52a201000002000000000000006400000000000000010000000000000064000000000000000203626f"
    "62626eda52a2010000010000000000000064000000000000000302673240640200000a001f65d534fc20b3ba";
constexpr std::string_view kHugeIds =
    "130110fffffffffffffffe00000000000000052f2f0000000f0002010001010181610200010201000100010101"
    "040102010101dffb02f4141a99be1c000000090401ff0281ffffffffffffffff0081fffffffffffffffe050000"
    "02000a00c94b91ac614e4f87";

using rdbtest::Le;
using rdbtest::Payload;

// A payload's value alone (type byte and body), without the trailer.
std::string BodyOf(std::string_view payload) {
  return std::string(payload.substr(0, payload.size() - 10));
}

std::string DumpOf(StreamValue* s) {
  store::Entry* e = store::Entry::NewObject("k", store::ValueType::kStream, s, -1);
  std::string out = DumpFormatInstance().Dump(*e, false);
  store::Entry::Destroy(e);
  return out;
}

using EntryPtr = std::unique_ptr<store::Entry, void (*)(store::Entry*)>;

EntryPtr Restore(const std::string& payload) {
  store::Entry* e = nullptr;
  auto r = DumpFormatInstance().Restore(payload, "k", -1, EncodingLimits{}, &e);
  if (r != cmd::DumpFormat::RestoreResult::kOk) e = nullptr;
  return {e, [](store::Entry* p) {
            if (p != nullptr) store::Entry::Destroy(p);
          }};
}

const StreamValue& AsStream(const store::Entry& e) {
  REQUIRE(e.type() == store::ValueType::kStream);
  return static_cast<const StreamValue&>(*e.object());
}

std::vector<std::string> Entries(const StreamValue& s) {
  std::vector<std::string> out;
  s.ForRange(StreamId::Min(), StreamId::Max(), false, [&](const store::StreamEntryView& e) {
    std::string line = e.id.ToString();
    for (std::string_view x : e.fields_values) line += " " + std::string(x);
    out.push_back(line);
  });
  return out;
}

void Add(StreamValue& s, StreamId id, std::vector<std::string_view> fv) {
  s.Append(id, fv, EncodingLimits{});
}

// RDB pieces for hand-made bodies: a length (< 16384) and a string.
std::string Len(size_t n) {
  if (n < 64) return std::string(1, static_cast<char>(n));
  return {static_cast<char>(0x40 | (n >> 8)), static_cast<char>(n & 0xff)};
}
std::string Str(std::string_view s) { return Len(s.size()) + std::string(s); }
std::string RawId(StreamId id) {
  std::string out(16, '\0');
  id.ToBigEndian(reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

// A type-19 body of one node holding 100-1 k v1 and 100-2 k v2, then `tail_after_counters`
// (the group count and the groups).
std::string OneNodeBody(std::string_view groups, std::string_view key = {}, uint64_t length = 2) {
  StreamValue s;
  Add(s, {100, 1}, {"k", "v1"});
  Add(s, {100, 2}, {"k", "v2"});
  const auto& [master, node] = *s.nodes().begin();
  std::string body = "\x13" + Len(1);
  body += Str(key.empty() ? RawId(master) : std::string(key));
  body += Str(node.bytes());
  body += Len(length) + "\x40\x64\x02" + "\x40\x64\x01" + std::string("\x00\x00", 2) + "\x02";
  return body + std::string(groups);
}

// One group g (last 100-2, 2 read) with `pel` (raw IDs) and consumers (name, their raw IDs).
std::string Groups(const std::vector<StreamId>& pel,
                   const std::vector<std::pair<std::string, std::vector<StreamId>>>& consumers,
                   int copies = 1) {
  std::string out = Len(static_cast<size_t>(copies));
  for (int c = 0; c < copies; ++c) {
    out += Str("g") + "\x40\x64\x02" + "\x02" + Len(pel.size());
    for (StreamId id : pel) out += RawId(id) + Le(1234, 8) + "\x01";
    out += Len(consumers.size());
    for (const auto& [name, ids] : consumers) {
      out += Str(name) + Le(5678, 8) + Len(ids.size());
      for (StreamId id : ids) out += RawId(id);
    }
  }
  return out;
}

}  // namespace

TEST_SUITE("stream codec") {
  TEST_CASE(
      "DUMP is byte-identical to Redis 7.0's: same fields, other fields, tombstones, emptied") {
    auto same = std::make_unique<StreamValue>();
    for (uint64_t i = 1; i <= 3; ++i) {
      const std::string temp = std::to_string(20 + i);
      Add(*same, {1700000000000, i}, {"temp", temp, "name", "sensor-alpha"});
    }
    CHECK(DumpOf(same.release()) == rdbtest::FromHex(kSameFields));
    auto other = std::make_unique<StreamValue>();
    Add(*other, {5, 1}, {"a", "1"});
    Add(*other, {5, 2}, {"b", "hello", "c", "-7"});
    Add(*other, {1000, 0}, {"a", "x"});
    CHECK(DumpOf(other.release()) == rdbtest::FromHex(kOtherFields));
    auto tomb = std::make_unique<StreamValue>();
    Add(*tomb, {10, 1}, {"f", "v1"});
    Add(*tomb, {10, 2}, {"f", "v2"});
    Add(*tomb, {10, 3}, {"f", "v3"});
    CHECK(tomb->Delete({10, 2}));
    CHECK(DumpOf(tomb.release()) == rdbtest::FromHex(kTombstone));
    auto emptied = std::make_unique<StreamValue>();
    Add(*emptied, {7, 1}, {"f", "v"});
    Add(*emptied, {7, 2}, {"f", "w"});
    CHECK(emptied->Delete({7, 1}));
    CHECK(emptied->Delete({7, 2}));
    CHECK(DumpOf(emptied.release()) == rdbtest::FromHex(kEmptied));
    auto huge = std::make_unique<StreamValue>();
    Add(*huge, {UINT64_MAX - 1, 5}, {"a", "1"});
    Add(*huge, {UINT64_MAX, 0}, {"a", "123456789012"});
    CHECK(DumpOf(huge.release()) == rdbtest::FromHex(kHugeIds));
  }

  TEST_CASE("Redis's payloads restore and dump back to the same bytes") {
    for (std::string_view hex :
         {kSameFields, kOtherFields, kTombstone, kEmptied, kWithGroup, kHugeIds}) {
      auto e = Restore(rdbtest::FromHex(hex));
      REQUIRE(e != nullptr);
      CHECK(AsStream(*e).CheckInvariants());
      CHECK(DumpOf(static_cast<StreamValue*>(AsStream(*e).Clone())) == rdbtest::FromHex(hex));
    }
    auto packed = Restore(rdbtest::FromHex(kSameFieldsCompressed));
    REQUIRE(packed != nullptr);
    CHECK(Entries(AsStream(*packed)).size() == 3);
    CHECK(DumpOf(static_cast<StreamValue*>(AsStream(*packed).Clone())) ==
          rdbtest::FromHex(kSameFields));
    auto group = Restore(rdbtest::FromHex(kWithGroup));
    REQUIRE(group != nullptr);
    const store::StreamGroup* g1 = AsStream(*group).groups().Find("g1");
    REQUIRE(g1 != nullptr);
    CHECK(g1->pending.size() == 3);
    CHECK(g1->consumers.size() == 2);
    CHECK(g1->entries_read == 3);
    CHECK(g1->pending.at({100, 3}).consumer->name == "bob");
  }

  TEST_CASE("a type-15 payload gets Redis 7.0's derived counters") {
    auto e = Restore(rdbtest::FromHex(kType15));
    REQUIRE(e != nullptr);
    const StreamValue& s = AsStream(*e);
    CHECK(s.length() == 4);
    CHECK(s.entries_added() == 4);
    CHECK(s.first_id() == StreamId{100, 1});
    CHECK(s.max_deleted_id().IsZero());
    // Both groups sit in the middle of the stream: their entries read cannot be told.
    CHECK(s.groups().Find("g1")->entries_read == -1);
    CHECK(s.groups().Find("g2")->entries_read == -1);
  }

  TEST_CASE("every truncation of a payload is refused") {
    const std::string body = BodyOf(rdbtest::FromHex(kWithGroup));
    for (size_t cut = 1; cut < body.size(); ++cut) {
      CAPTURE(cut);
      CHECK(Restore(Payload(body.substr(0, cut))) == nullptr);
    }
    CHECK(Restore(Payload(body)) != nullptr);
  }

  TEST_CASE("corruptions a loader must refuse") {
    const std::vector<StreamId> both = {{100, 1}, {100, 2}};
    CHECK(Restore(Payload(OneNodeBody(Groups(both, {{"a", both}})))) != nullptr);
    // A node key that is no 16-byte ID.
    CHECK(Restore(Payload(OneNodeBody(Groups({}, {}), "short"))) == nullptr);
    // A length other than the entries.
    CHECK(Restore(Payload(OneNodeBody(Groups({}, {}), {}, 3))) == nullptr);
    // A consumer's pending entry the group does not list.
    CHECK(Restore(Payload(OneNodeBody(Groups({{100, 1}}, {{"a", both}})))) == nullptr);
    // A pending entry owned by two consumers, or by none.
    CHECK(Restore(Payload(OneNodeBody(Groups(both, {{"a", both}, {"b", {{100, 1}}}})))) == nullptr);
    CHECK(Restore(Payload(OneNodeBody(Groups(both, {{"a", {{100, 1}}}})))) == nullptr);
    // The same ID twice in a group's pending list; a group or a consumer named twice.
    CHECK(Restore(Payload(OneNodeBody(Groups({{100, 1}, {100, 1}}, {})))) == nullptr);
    CHECK(Restore(Payload(OneNodeBody(Groups({}, {}, 2)))) == nullptr);
    CHECK(Restore(Payload(OneNodeBody(Groups({}, {{"a", {}}, {"a", {}}})))) == nullptr);
  }

  TEST_CASE("nodes repeated or out of order are refused") {
    // Two nodes under master 10-0 (Redis refuses it too), and a node under 5-0 after one under
    // 10-0 (Redis takes it and then lists entries out of order).
    CHECK(Restore(rdbtest::FromHex(
              "130210000000000000000a000000000000000028280000000f0002010001010181660200010201"
              "0001000181610204010201010100018162020401ff10000000000000000a00000000000000002828"
              "0000000f000201000101018166020001020102010001816302040102010301000181640204"
              "01ff040d000a00000004000a007f4d1effee3e260a")) == nullptr);
    CHECK(Restore(rdbtest::FromHex(
              "130210000000000000000a000000000000000028280000000f0002010001010181660200010201"
              "0001000181610204010201010100018162020401ff1000000000000000050000000000000000"
              "28280000000f0002010001010181660200010201070100018163020401020108010001816402"
              "0401ff040d000a00000004000a00248f291c59043560")) == nullptr);
  }

  TEST_CASE("a stream whose new entries follow a deleted one in its node saves and loads") {
    auto s = std::make_unique<StreamValue>();
    Add(*s, {1, 0}, {"a", "1"});
    Add(*s, {2, 0}, {"a", "1"});
    Add(*s, {3, 0}, {"a", "1"});
    REQUIRE(s->Delete({3, 0}));
    s->set_last_id({2, 0});
    Add(*s, {2, 1}, {"b", "2"});
    auto e = Restore(DumpOf(s.release()));
    REQUIRE(e != nullptr);
    CHECK(Entries(AsStream(*e)) == std::vector<std::string>{"1-0 a 1", "2-0 a 1", "2-1 b 2"});
  }

  TEST_CASE("the AOF rewrite rebuilds entries, counters, groups and pending entries") {
    auto e = Restore(rdbtest::FromHex(kWithGroup));
    REQUIRE(e != nullptr);
    StreamValue& s = const_cast<StreamValue&>(AsStream(*e));
    s.groups().Find("g1")->CreateConsumer("idle", 1);
    std::string out;
    REQUIRE(AppendRewriteCommands(*e, out, [] { return Status::Ok(); }).ok());
    std::string want;
    auto add = [&](std::vector<std::string_view> argv) { protocol::AppendCommand(want, argv); };
    for (int i = 1; i <= 4; ++i) {
      const std::string id = "100-" + std::to_string(i);
      const std::string v = "v" + std::to_string(i);
      add({"XADD", "k", id, "k", v});
    }
    add({"XSETID", "k", "100-4", "ENTRIESADDED", "4", "MAXDELETEDID", "0-0"});
    add({"XGROUP", "CREATE", "k", "g1", "100-3", "ENTRIESREAD", "3"});
    const store::StreamGroup& g1 = *s.groups().Find("g1");
    for (const auto& [name, ids] : std::vector<std::pair<std::string, std::vector<StreamId>>>{
             {"alice", {{100, 1}, {100, 2}}}, {"bob", {{100, 3}}}}) {
      for (StreamId id : ids) {
        const std::string text = id.ToString();
        const std::string time = std::to_string(g1.pending.at(id).delivery_time_ms);
        add({"XCLAIM", "k", "g1", name, "0", text, "TIME", time, "RETRYCOUNT", "1", "JUSTID",
             "FORCE"});
      }
      if (name == "bob") add({"XGROUP", "CREATECONSUMER", "k", "g1", "idle"});
    }
    CHECK(out == want);
    auto empty = Restore(rdbtest::FromHex(kEmptied));
    REQUIRE(empty != nullptr);
    std::string empty_out;
    REQUIRE(AppendRewriteCommands(*empty, empty_out, [] { return Status::Ok(); }).ok());
    std::string empty_want;
    protocol::AppendCommand(
        empty_want, std::vector<std::string_view>{"XADD", "k", "MAXLEN", "0", "0-1", "x", "y"});
    protocol::AppendCommand(empty_want,
                            std::vector<std::string_view>{"XSETID", "k", "7-2", "ENTRIESADDED", "2",
                                                          "MAXDELETEDID", "7-2"});
    CHECK(empty_out == empty_want);
  }
}
