// The stream value (store/stream_value.h): entries in Redis's node format, ranges both ways,
// deletion, trimming by length and by ID (exact and whole nodes only), node validation, the
// group counters.
#include "store/stream_value.h"

#include <doctest/doctest.h>

#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace basalt::store;

namespace {

std::vector<std::string> Ids(const StreamValue& s, StreamId from = StreamId::Min(),
                             StreamId to = StreamId::Max(), bool reverse = false) {
  std::vector<std::string> out;
  s.ForRange(from, to, reverse, [&](const StreamEntryView& e) { out.push_back(e.id.ToString()); });
  return out;
}

void Add(StreamValue& s, StreamId id, std::vector<std::string_view> fv,
         const EncodingLimits& limits = {}) {
  s.Append(id, fv, limits);
}

}  // namespace

TEST_CASE("StreamId parses as Redis reads IDs and orders as pairs") {
  StreamId id;
  bool seq_given = false, seq_auto = false;
  CHECK(ParseStreamId("5-3", 0, &id, &seq_given));
  CHECK(id == StreamId{5, 3});
  CHECK(seq_given);
  CHECK(ParseStreamId("7", 99, &id, &seq_given));
  CHECK(id == StreamId{7, 99});
  CHECK_FALSE(seq_given);
  CHECK(ParseStreamId("7-*", 0, &id, &seq_given, &seq_auto));
  CHECK(seq_auto);
  CHECK_FALSE(ParseStreamId("7-*", 0, &id));
  CHECK_FALSE(ParseStreamId("-1", 0, &id));
  CHECK_FALSE(ParseStreamId("1-", 0, &id));
  CHECK_FALSE(ParseStreamId("a-1", 0, &id));
  CHECK_FALSE(ParseStreamId("18446744073709551616-0", 0, &id));
  CHECK(ParseStreamId("18446744073709551615-18446744073709551615", 0, &id));
  CHECK(id == StreamId::Max());
  CHECK(StreamId{1, 5} < StreamId{2, 0});
  StreamId max = StreamId::Max();
  CHECK_FALSE(max.Increment());
  StreamId edge{3, UINT64_MAX};
  CHECK(edge.Increment());
  CHECK(edge == StreamId{4, 0});
  CHECK(edge.Decrement());
  CHECK(edge == StreamId{3, UINT64_MAX});
  uint8_t be[16];
  StreamId{0x0102030405060708ULL, 9}.ToBigEndian(be);
  CHECK(be[0] == 1);
  CHECK(be[15] == 9);
  CHECK(StreamId::FromBigEndian(be) == StreamId{0x0102030405060708ULL, 9});
}

TEST_CASE("entries come back with their fields, in both directions") {
  StreamValue s;
  Add(s, {1, 0}, {"a", "1", "b", "x"});
  Add(s, {1, 1}, {"a", "2", "b", "y"});          // the master's fields: values only
  Add(s, {2, 0}, {"c", "hello", "a", "-7000"});  // other fields
  CHECK(s.length() == 3);
  CHECK(s.CheckInvariants());
  std::vector<std::string> seen;
  s.ForRange(StreamId::Min(), StreamId::Max(), false, [&](const StreamEntryView& e) {
    std::string line = e.id.ToString();
    for (std::string_view x : e.fields_values) line += " " + std::string(x);
    seen.push_back(line);
  });
  CHECK(seen == std::vector<std::string>{"1-0 a 1 b x", "1-1 a 2 b y", "2-0 c hello a -7000"});
  CHECK(Ids(s, {1, 1}, StreamId::Max(), true) == std::vector<std::string>{"2-0", "1-1"});
  CHECK(Ids(s, {1, 1}, {1, 1}) == std::vector<std::string>{"1-1"});
  CHECK(Ids(s, {3, 0}, StreamId::Max()).empty());
}

TEST_CASE("nodes split at stream-node-max-entries and ranges cross them") {
  EncodingLimits limits;
  limits.stream_node_max_entries = 3;
  StreamValue s;
  for (uint64_t i = 1; i <= 10; ++i) Add(s, {i, 0}, {"f", "v"}, limits);
  CHECK(s.nodes().size() == 4);
  CHECK(s.CheckInvariants());
  CHECK(Ids(s, {3, 0}, {7, 0}) == std::vector<std::string>{"3-0", "4-0", "5-0", "6-0", "7-0"});
  CHECK(Ids(s, {3, 0}, {7, 0}, true) ==
        std::vector<std::string>{"7-0", "6-0", "5-0", "4-0", "3-0"});
}

TEST_CASE("nodes split at stream-node-max-bytes") {
  EncodingLimits limits;
  limits.stream_node_max_bytes = 100;
  StreamValue s;
  for (uint64_t i = 1; i <= 10; ++i) Add(s, {i, 0}, {"field", std::string(30, 'x')}, limits);
  CHECK(s.nodes().size() > 3);
  CHECK(s.CheckInvariants());
  CHECK(Ids(s).size() == 10);
}

TEST_CASE("XDEL marks entries and drops a node with none left") {
  EncodingLimits limits;
  limits.stream_node_max_entries = 2;
  StreamValue s;
  for (uint64_t i = 1; i <= 4; ++i) Add(s, {i, 0}, {"f", "v"}, limits);
  CHECK(s.Delete({1, 0}));
  CHECK_FALSE(s.Delete({1, 0}));
  CHECK_FALSE(s.Delete({9, 0}));
  CHECK(s.first_id() == StreamId{2, 0});
  CHECK(s.max_deleted_id() == StreamId{1, 0});
  CHECK(s.nodes().size() == 2);
  CHECK(s.Delete({2, 0}));
  CHECK(s.nodes().size() == 1);
  CHECK(s.length() == 2);
  CHECK(s.CheckInvariants());
  CHECK(Ids(s, StreamId::Min(), StreamId::Max(), true) == std::vector<std::string>{"4-0", "3-0"});
}

TEST_CASE("trimming by length: exact marks inside a node, approximate takes whole nodes") {
  EncodingLimits limits;
  limits.stream_node_max_entries = 10;
  StreamValue exact;
  StreamValue approx;
  for (uint64_t i = 1; i <= 100; ++i) {
    Add(exact, {i, 0}, {"f", "v"}, limits);
    Add(approx, {i, 0}, {"f", "v"}, limits);
  }
  CHECK(exact.Trim({.maxlen = 25}) == 75);
  CHECK(exact.length() == 25);
  CHECK(Ids(exact).front() == "76-0");
  CHECK(exact.first_id() == StreamId{76, 0});
  CHECK(exact.CheckInvariants());
  CHECK(approx.Trim({.maxlen = 25, .approx = true}) == 70);
  CHECK(approx.length() == 30);
  CHECK(approx.CheckInvariants());
  StreamValue limited;
  for (uint64_t i = 1; i <= 100; ++i) Add(limited, {i, 0}, {"f", "v"}, limits);
  CHECK(limited.Trim({.maxlen = 0, .approx = true, .limit = 35}) == 30);
}

TEST_CASE("trimming by ID") {
  EncodingLimits limits;
  limits.stream_node_max_entries = 4;
  StreamValue s;
  for (uint64_t i = 1; i <= 12; ++i) Add(s, {i, 0}, {"f", "v"}, limits);
  CHECK(s.Trim({.by = StreamValue::TrimBy::kMinId, .minid = {7, 0}}) == 6);
  CHECK(Ids(s).front() == "7-0");
  CHECK(s.CheckInvariants());
  // A node whose last entry is deleted keeps its (now all deleted) entries after a trim.
  StreamValue t;
  for (uint64_t i = 1; i <= 4; ++i) Add(t, {i, 0}, {"f", "v"}, limits);
  CHECK(t.Delete({4, 0}));
  CHECK(t.Trim({.by = StreamValue::TrimBy::kMinId, .minid = {4, 0}}) == 3);
  CHECK(t.length() == 0);
  CHECK(t.nodes().size() == 1);
  CHECK(t.CheckInvariants());
  CHECK(Ids(t).empty());
}

TEST_CASE("ValidateNode refuses what a corrupt file could hold") {
  StreamValue s;
  Add(s, {5, 0}, {"a", "1"});
  Add(s, {5, 1}, {"b", "2"});
  const auto& [master, node] = *s.nodes().begin();
  uint64_t live;
  StreamId last;
  CHECK(StreamValue::ValidateNode(node, master, StreamId::Min(), &live, &last));
  CHECK(live == 2);
  CHECK(last == StreamId{5, 1});
  CHECK_FALSE(StreamValue::ValidateNode(node, master, StreamId{5, 0}, &live, &last));
  Listpack bad;
  bad.AppendInt(1);
  bad.AppendInt(0);
  bad.AppendInt(5);  // five master fields that are not there
  bad.Append("x");
  CHECK_FALSE(StreamValue::ValidateNode(bad, {1, 0}, StreamId::Min(), &live, &last));
  Listpack wrong_count = node.Clone();
  wrong_count.Replace(wrong_count.First(), "3");
  CHECK_FALSE(StreamValue::ValidateNode(wrong_count, master, StreamId::Min(), &live, &last));
}

TEST_CASE("groups: claims, acks, consumers, and the read counter") {
  StreamValue s;
  for (uint64_t i = 1; i <= 5; ++i) Add(s, {i, 0}, {"f", "v"});
  StreamGroup* g = s.groups().Create("g", StreamId::Min(), 0);
  REQUIRE(g != nullptr);
  CHECK(s.groups().Create("g", StreamId::Min(), 0) == nullptr);
  StreamConsumer* alice = g->CreateConsumer("alice", 100);
  StreamConsumer* bob = g->CreateConsumer("bob", 100);
  g->Claim({1, 0}, alice);
  g->Claim({2, 0}, alice);
  g->Claim({2, 0}, bob);
  CHECK(alice->pending.size() == 1);
  CHECK(bob->pending.size() == 1);
  CHECK(g->Ack({1, 0}));
  CHECK_FALSE(g->Ack({1, 0}));
  CHECK(g->DeleteConsumer("bob") == 1);
  CHECK(g->pending.empty());
  s.AdvanceGroup(*g, {1, 0});
  s.AdvanceGroup(*g, {2, 0});
  CHECK(g->entries_read == 2);
  int64_t lag;
  CHECK(s.GroupLag(*g, &lag));
  CHECK(lag == 3);
  CHECK(s.Delete({4, 0}));
  CHECK_FALSE(s.GroupLag(*g, &lag));  // a deletion ahead of the group: unknown
  auto* copy = static_cast<StreamValue*>(s.Clone());
  CHECK(copy->groups().Find("g")->consumers.size() == 1);
  CHECK(copy->length() == 4);
  delete copy;
}

TEST_CASE("random appends, deletions and trims agree with a plain model") {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    EncodingLimits limits;
    limits.stream_node_max_entries = static_cast<int64_t>(rng() % 6);  // 0: no limit
    limits.stream_node_max_bytes = rng() % 3 == 0 ? 120 : 4096;
    StreamValue s;
    std::map<StreamId, std::vector<std::string>> model;
    StreamId next{1, 0};
    const std::vector<std::string> names = {"a", "b", "temp", "12", "-7", ""};
    for (int step = 0; step < 400; ++step) {
      const uint32_t op = rng() % 10;
      if (op < 6) {
        next = rng() % 3 == 0 ? StreamId{next.ms + 1 + rng() % 300, rng() % 2} : next;
        next.Increment();
        std::vector<std::string> fv;
        const size_t pairs = 1 + rng() % 3;
        for (size_t i = 0; i < pairs; ++i) {
          fv.push_back(names[rng() % names.size()]);
          fv.push_back(rng() % 4 == 0 ? std::string(rng() % 90, 'v')
                                      : std::to_string(rng() % 1000));
        }
        std::vector<std::string_view> views(fv.begin(), fv.end());
        s.Append(next, views, limits);
        model[next] = fv;
      } else if (op < 8 && !model.empty()) {
        auto it = model.begin();
        std::advance(it, rng() % model.size());
        CHECK(s.Delete(it->first));
        model.erase(it);
      } else {
        StreamValue::TrimSpec spec;
        spec.approx = rng() % 2 == 0;
        if (rng() % 2 == 0) {
          spec.maxlen = rng() % 40;
        } else {
          spec.by = StreamValue::TrimBy::kMinId;
          spec.minid = {next.ms > 200 ? next.ms - rng() % 200 : 0, 0};
        }
        const uint64_t before = s.length();
        const uint64_t removed = s.Trim(spec);
        CHECK(s.length() == before - removed);
        // What a trim removes is always the oldest live entries.
        for (uint64_t i = 0; i < removed; ++i) model.erase(model.begin());
        if (!spec.approx && spec.by == StreamValue::TrimBy::kMaxLen)
          CHECK(s.length() <= spec.maxlen);
      }
      REQUIRE(s.CheckInvariants());
      REQUIRE(s.length() == model.size());
    }
    std::vector<std::string> got;
    s.ForRange(StreamId::Min(), StreamId::Max(), true, [&](const StreamEntryView& e) {
      std::string line = e.id.ToString();
      for (std::string_view x : e.fields_values) line += "|" + std::string(x);
      got.push_back(line);
    });
    std::vector<std::string> want;
    for (auto it = model.rbegin(); it != model.rend(); ++it) {
      std::string line = it->first.ToString();
      for (const std::string& x : it->second) line += "|" + x;
      want.push_back(line);
    }
    CHECK(got == want);
    if (!model.empty()) CHECK(s.first_id() == model.begin()->first);
  }
}

TEST_CASE("after XSETID below a deleted entry, new entries follow it in its node and stay found") {
  StreamValue s;
  Add(s, {1, 0}, {"a", "1"});
  Add(s, {2, 0}, {"a", "1"});
  Add(s, {3, 0}, {"a", "1"});
  CHECK(s.Delete({3, 0}));  // stays in the node, marked
  s.set_last_id({2, 0});    // what XSETID 2-0 allows (only the last live entry bounds it)
  Add(s, {2, 1}, {"b", "2"});
  CHECK(s.CheckInvariants());
  CHECK(Ids(s, {2, 1}, {2, 1}) == std::vector<std::string>{"2-1"});
  CHECK(Ids(s, StreamId::Min(), StreamId::Max(), true) ==
        std::vector<std::string>{"2-1", "2-0", "1-0"});
  CHECK(s.Delete({2, 1}));
  CHECK(s.CheckInvariants());
  // A full tail whose master is above the new ID takes it anyway: nodes stay in entry order.
  EncodingLimits two;
  two.stream_node_max_entries = 2;
  StreamValue t;
  Add(t, {5, 0}, {"a", "1"}, two);
  Add(t, {6, 0}, {"a", "1"}, two);
  CHECK(t.Delete({6, 0}));
  // An exact trim marks 5-0 and keeps the node (its last entry is not below the ID): the stream
  // is empty, so XSETID may go below the node's master.
  CHECK(t.Trim({.by = StreamValue::TrimBy::kMinId, .minid = {6, 0}}) == 1);
  CHECK(t.length() == 0);
  t.set_last_id({1, 0});
  Add(t, {2, 0}, {"a", "1"}, two);
  CHECK(t.nodes().size() == 1);
  CHECK(t.CheckInvariants());
  CHECK(Ids(t) == std::vector<std::string>{"2-0"});
  Add(t, {9, 0}, {"a", "1"}, two);
  CHECK(t.nodes().size() == 2);
  CHECK(Ids(t, StreamId::Min(), StreamId::Max(), true) == std::vector<std::string>{"9-0", "2-0"});
  CHECK(t.CheckInvariants());
}
