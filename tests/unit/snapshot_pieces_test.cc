// Big collections are written a piece per snapshot slice (snapshotter.h). The file must still
// be the exact keyspace at Begin(), whatever changes in between: writes to the open record,
// to pending big and small keys, deletions, new keys, emptied databases, and keys asked for
// ahead of the walk (SaveSoon). These tests write a real RDB and read it back.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "persistence/byte_io.h"
#include "persistence/rdb_reader.h"
#include "persistence/snapshot_encoders.h"
#include "persistence/snapshotter.h"
#include "persistence/value_codec.h"
#include "store/hash_ref.h"
#include "store/hash_value.h"
#include "store/keyspace.h"
#include "store/list_value.h"
#include "store/set_value.h"
#include "store/zset_value.h"

namespace {

using basalt::Status;
using namespace basalt::store;
using namespace basalt::persistence;

// A key's contents in a form that compares across encodings: type, elements (sorted where the
// type has no order of its own) and TTL.
std::string Canonical(ValueType type, const CompositeValue* object, std::string_view string,
                      int64_t expire_at) {
  std::vector<std::string> items;
  switch (type) {
    case ValueType::kString:
      items.emplace_back(string);
      break;
    case ValueType::kHash:
      static_cast<const HashValue*>(object)->ForEach([&](std::string_view f, std::string_view v) {
        items.push_back(std::string(f) + "=" + std::string(v));
      });
      std::sort(items.begin(), items.end());
      break;
    case ValueType::kSet:
      static_cast<const SetValue*>(object)->ForEach(
          [&](std::string_view m) { items.emplace_back(m); });
      std::sort(items.begin(), items.end());
      break;
    case ValueType::kList:
      static_cast<const ListValue*>(object)->ForEach(
          [&](std::string_view v) { items.emplace_back(v); });
      break;
    case ValueType::kZSet:
      static_cast<const ZsetValue*>(object)->ForEach([&](std::string_view m, double score) {
        items.push_back(std::string(m) + "@" + std::to_string(score));
      });
      break;
    default:
      break;
  }
  std::string out = std::string(TypeName(type)) + " ttl=" + std::to_string(expire_at) + ":";
  for (const std::string& item : items) out += item + ",";
  return out;
}

using Image = std::map<std::pair<int, std::string>, std::string>;

Image Capture(Keyspace& ks) {
  Image out;
  for (int d = 0; d < ks.db_count(); ++d) {
    ks.db(d).ForEach([&](Entry* e) {
      std::string& image = out[{d, std::string(e->key())}];
      if (e->encoding() == Encoding::kCompact) {  // a small hash: no object
        HashValue copy;
        HashRef(e).ForEach(
            [&](std::string_view f, std::string_view v) { copy.Set(f, v, EncodingLimits{}); });
        image = Canonical(e->type(), &copy, {}, e->expire_at());
        return;
      }
      const bool object = e->encoding() == Encoding::kObject;
      image = Canonical(e->type(), object ? e->object() : nullptr,
                        object ? std::string_view() : e->string_value(), e->expire_at());
    });
  }
  return out;
}

// Builds the image of an RDB stream; a key seen twice is counted.
class ImageVisitor : public RdbVisitor {
 public:
  Status OnSelectDb(int db) override { return Status::Ok(); }
  Status OnString(int db, std::string_view key, std::string_view value,
                  int64_t expire_at_ms) override {
    Add(db, key, Canonical(ValueType::kString, nullptr, value, expire_at_ms));
    return Status::Ok();
  }
  Status OnObject(int db, std::string_view key, ValueType type,
                  std::unique_ptr<CompositeValue> value, int64_t expire_at_ms) override {
    Add(db, key, Canonical(type, value.get(), {}, expire_at_ms));
    return Status::Ok();
  }
  Image image;
  int duplicates = 0;

 private:
  void Add(int db, std::string_view key, std::string canonical) {
    if (!image.emplace(std::make_pair(db, std::string(key)), std::move(canonical)).second) {
      ++duplicates;
    }
  }
};

class Forwarder : public KeyspaceListener {
 public:
  explicit Forwarder(Snapshotter* s) : s_(s) {}
  void BeforeEntryChange(int db, const Entry& e) override { s_->BeforeEntryChange(db, e); }
  void BeforeDatabaseReset(int db) override { s_->BeforeDatabaseReset(db); }

 private:
  Snapshotter* s_;
};

const EncodingLimits kLimits;
constexpr int kBig = 6000;  // elements: above kPiecewiseMinElements

std::string Name(const char* prefix, int i) { return prefix + std::to_string(i); }

void AddBigCollections(Keyspace& ks, int db, const std::string& tag) {
  auto* h = new HashValue();
  auto* s = new SetValue();
  auto* l = new ListValue();
  auto* z = new ZsetValue();
  for (int i = 0; i < kBig; ++i) {
    h->Set(Name("field:", i), Name("value:", i), kLimits);
    s->Add(Name("member:", i), kLimits);
    l->PushBack(Name("element:", i), kLimits);
    z->Set(Name("m:", i), (i * 7919) % 1000, kLimits);
  }
  ks.db(db).AddObject("hash" + tag, ValueType::kHash, h);
  ks.db(db).AddObject("set" + tag, ValueType::kSet, s);
  ks.db(db).AddObject("list" + tag, ValueType::kList, l);
  ks.db(db).AddObject("zset" + tag, ValueType::kZSet, z);
  ks.db(db).SetExpire("zset" + tag, 4'000'000'000'000);
}

void Fill(Keyspace& ks) {
  for (int db = 0; db < 3; ++db) {
    AddBigCollections(ks, db, "");
    AddBigCollections(ks, db, ":2");
    for (int i = 0; i < 2000; ++i) {
      ks.db(db).SetString(Name("key:", i), Name("v", i), i % 4 == 0 ? 5'000'000'000'000 : -1);
    }
    auto* small = new HashValue();
    small->Set("a", "1", kLimits);
    ks.db(db).AddObject("small-hash", ValueType::kHash, small);
  }
}

template <typename T>
T* Modify(Keyspace& ks, int db, const std::string& key) {
  Entry* e = ks.db(db).LookupRaw(key);
  if (e == nullptr) return nullptr;
  return static_cast<T*>(ks.db(db).PrepareModify(e)->object());
}

// A hash may be a bare listpack in its entry, so it is changed through a HashRef.
std::optional<HashRef> ModifyHash(Keyspace& ks, int db, const std::string& key) {
  Entry* e = ks.db(db).LookupRaw(key);
  if (e == nullptr) return std::nullopt;
  return HashRef(ks.db(db).PrepareModify(e));
}

// One change of the kinds commands make, to big and small keys alike.
void Mutate(Keyspace& ks, Snapshotter& snap, std::mt19937& rng, int* fresh) {
  const int db = static_cast<int>(rng() % 3);
  const std::string tag = rng() % 2 ? "" : ":2";
  switch (rng() % 10) {
    case 0:
      if (auto h = ModifyHash(ks, db, "hash" + tag)) h->Set("late", "x", kLimits);
      break;
    case 1:
      if (auto* l = Modify<ListValue>(ks, db, "list" + tag)) l->PushFront("late", kLimits);
      break;
    case 2:
      ks.db(db).Delete("set" + tag);
      break;
    case 3:
      if (auto* z = Modify<ZsetValue>(ks, db, "zset" + tag)) z->Remove("m:1");
      break;
    case 4:
      ks.db(db).SetString(Name("key:", static_cast<int>(rng() % 2000)), "overwritten", -1);
      break;
    case 5:
      if (auto h = ModifyHash(ks, db, "small-hash")) h->Set("b", "2", kLimits);
      break;
    case 6:
      ks.db(db).SetString(Name("fresh:", (*fresh)++), "new", -1);
      break;
    case 7:
      // A client asked for it: saved next, ahead of the walk.
      snap.SaveSoon(db, "hash" + tag);
      break;
    case 8:
      ks.db(db).SetExpire(Name("key:", static_cast<int>(rng() % 2000)), 3);
      break;
    case 9:
      if (rng() % 8 == 0) ks.db(2).Clear();
      break;
  }
}

// A filled keyspace whose changes reach a snapshotter, as the engine wires them.
struct Filled {
  Filled() {
    Fill(ks);
    ks.AddListener(&fwd);
  }
  Keyspace ks{16};
  Snapshotter snap{ks};
  Forwarder fwd{&snap};
};

// An RDB written into memory, and read back.
struct RdbOutput {
  Image Read(int* duplicates) const {
    StringSource source(bytes);
    ImageVisitor visitor;
    Status st = ReadRdb(&source, &visitor, {}, nullptr);
    REQUIRE_MESSAGE(st.ok(), st.ToString());
    *duplicates = visitor.duplicates;
    return std::move(visitor.image);
  }
  std::string bytes;
  StringSink sink{&bytes};
  RdbEncoder encoder{&sink, {}, {}};
};

struct Run {
  Image written;
  int duplicates = 0;
  int steps = 0;
};

Run Snapshot(Keyspace& ks, Snapshotter& snap, std::mt19937* rng, int changes_per_step) {
  RdbOutput out;
  snap.Begin(&out.encoder);
  Run run;
  int fresh = 0;
  while (!snap.Step(0)) {
    ++run.steps;
    for (int i = 0; rng != nullptr && i < changes_per_step; ++i) Mutate(ks, snap, *rng, &fresh);
  }
  REQUIRE(snap.status().ok());
  run.written = out.Read(&run.duplicates);
  return run;
}

}  // namespace

TEST_SUITE("snapshot pieces") {
  TEST_CASE("big collections are written in pieces, over many slices") {
    Filled f;
    auto& [ks, snap, fwd] = f;
    Image expected = Capture(ks);
    Run run = Snapshot(ks, snap, nullptr, 0);
    CHECK(run.duplicates == 0);
    CHECK(run.written == expected);
    // 24 big collections of 6000 elements, 512 per slice: far more slices than collections.
    CHECK(run.steps > 200);
  }

  TEST_CASE("changes during the walk never reach the file, nor lose what was there") {
    for (uint32_t seed = 1; seed <= 6; ++seed) {
      Filled f;
      auto& [ks, snap, fwd] = f;
      Image expected = Capture(ks);
      std::mt19937 rng(seed);
      Run run = Snapshot(ks, snap, &rng, 1 + seed % 3);
      INFO("seed " << seed << ", steps " << run.steps);
      CHECK(run.duplicates == 0);
      CHECK(run.written == expected);

      // The per-entry bits are consistent again: the next snapshot sees the new state.
      Image now = Capture(ks);
      Run second = Snapshot(ks, snap, nullptr, 0);
      CHECK(second.duplicates == 0);
      CHECK(second.written == now);
    }
  }

  TEST_CASE("a write is held while its key is open or a pending big collection") {
    Filled f;
    auto& [ks, snap, fwd] = f;
    RdbOutput out;
    snap.Begin(&out.encoder);
    Entry* big = ks.db(1).LookupRaw("hash:2");
    Entry* small = ks.db(1).LookupRaw("key:7");
    CHECK(snap.HoldsWrite(1, *big));
    CHECK_FALSE(snap.HoldsWrite(1, *small));
    // Asked for, it is the next record opened; held until that record is complete.
    const uint64_t releases = snap.releases();
    snap.SaveSoon(1, "hash:2");
    CHECK_FALSE(snap.Step(0));
    CHECK(snap.HoldsWrite(1, *big));
    while (snap.HoldsWrite(1, *big)) CHECK_FALSE(snap.Step(0));
    CHECK(snap.releases() > releases);
    while (!snap.Step(0)) {
    }
    CHECK_FALSE(snap.HoldsWrite(1, *big));
  }

  TEST_CASE("a change to the open record first completes it with the old contents") {
    Filled f;
    auto& [ks, snap, fwd] = f;
    Image expected = Capture(ks);
    RdbOutput out;
    snap.Begin(&out.encoder);
    snap.SaveSoon(1, "hash:2");
    snap.SaveSoon(2, "list");
    CHECK_FALSE(snap.Step(0));  // hash:2 is open, a piece of it written
    ModifyHash(ks, 1, "hash:2")->Set("late", "x", kLimits);
    ModifyHash(ks, 1, "hash:2")->Delete("field:5999");
    CHECK_FALSE(snap.Step(0));  // list is open
    Modify<ListValue>(ks, 2, "list")->PopFront();
    ks.db(2).Delete("list");
    while (!snap.Step(0)) {
    }
    int duplicates = 0;
    CHECK(out.Read(&duplicates) == expected);
    CHECK(duplicates == 0);
  }

  TEST_CASE("an abort with queued keys leaves the next snapshot exact") {
    Filled f;
    auto& [ks, snap, fwd] = f;
    {
      RdbOutput out;
      snap.Begin(&out.encoder);
      for (int i = 0; i < 30; ++i) snap.Step(0);  // a record is open; others queue behind
      snap.SaveSoon(0, "list");
      snap.SaveSoon(2, "zset:2");
      snap.Abort();
    }
    while (!snap.Step(0)) {
    }
    Image expected = Capture(ks);
    Run run = Snapshot(ks, snap, nullptr, 0);
    CHECK(run.duplicates == 0);
    CHECK(run.written == expected);
  }
}
