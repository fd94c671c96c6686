// The forkless snapshot must capture exactly the state at Begin(), however the keyspace changes
// while the walk is under way.
#include "persistence/snapshotter.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>
#include <tuple>

#include "store/keyspace.h"

using basalt::Status;
using basalt::persistence::SnapshotEncoder;
using basalt::persistence::Snapshotter;
using basalt::store::Entry;
using basalt::store::Keyspace;

namespace {

using Row = std::tuple<std::string, int64_t>;  // value, expire_at
using Image = std::map<std::pair<int, std::string>, Row>;

// Records what a snapshot writes; a key written twice is a failure.
class CapturingEncoder : public SnapshotEncoder {
 public:
  Status BeginDatabase(int db, uint64_t, uint64_t) override {
    db_ = db;
    return Status::Ok();
  }
  Status WriteEntry(const Entry& e) override {
    auto [it, inserted] = image.emplace(std::make_pair(db_, std::string(e.key())),
                                        Row{std::string(e.string_value()), e.expire_at()});
    if (!inserted) ++duplicates;
    return Status::Ok();
  }
  Status Finish() override {
    finished = true;
    return Status::Ok();
  }
  Image image;
  int duplicates = 0;
  bool finished = false;

 private:
  int db_ = -1;
};

// Forwards keyspace change announcements to the snapshotter, as the engine does.
class Forwarder : public basalt::store::KeyspaceListener {
 public:
  explicit Forwarder(Snapshotter* s) : s_(s) {}
  void BeforeEntryChange(int db, const Entry& e) override { s_->BeforeEntryChange(db, e); }
  void BeforeDatabaseReset(int db) override { s_->BeforeDatabaseReset(db); }

 private:
  Snapshotter* s_;
};

Image Capture(Keyspace& ks) {
  Image out;
  for (int d = 0; d < ks.db_count(); ++d) {
    uint64_t cursor = 0;
    do {
      cursor = ks.db(d).Scan(cursor, [&](Entry* e) {
        out[{d, std::string(e->key())}] = Row{std::string(e->string_value()), e->expire_at()};
      });
    } while (cursor != 0);
  }
  return out;
}

void Fill(Keyspace& ks, int n, std::mt19937& rng) {
  for (int i = 0; i < n; ++i) {
    int db = static_cast<int>(rng() % 3);
    std::string key = "key:" + std::to_string(i);
    int64_t ttl = (i % 5 == 0) ? 1'000'000 + i : -1;
    ks.db(db).SetString(key, "value-" + std::to_string(i) + std::string(i % 200, 'x'), ttl);
  }
}

// One random change of the kinds commands make.
void Mutate(Keyspace& ks, std::mt19937& rng, int* next_key) {
  int db = static_cast<int>(rng() % 3);
  std::string key = "key:" + std::to_string(rng() % 3000);
  switch (rng() % 7) {
    case 0:
      ks.db(db).SetString(key, "overwritten", -1);
      break;
    case 1:
      ks.db(db).Delete(key);
      break;
    case 2:
      if (ks.db(db).LookupRaw(key)) ks.db(db).SetExpire(key, 5);  // already past
      break;
    case 3:
      if (ks.db(db).LookupRaw(key)) ks.db(db).SetExpire(key, -1);
      break;
    case 4:
      if (ks.db(db).LookupRaw(key)) ks.db(db).Lookup(key, 1'000'000'000);  // lazily expires
      break;
    case 5:
      // Growth: many fresh keys force the tables to rehash mid-walk.
      for (int i = 0; i < 50; ++i) {
        ks.db(db).SetString("new:" + std::to_string((*next_key)++), "fresh", -1);
      }
      break;
    case 6:
      if (Entry* e = ks.db(db).LookupRaw(key); e && e->string_value().size() > 5) {
        ks.db(db).AppendString(key, "+appended");
      }
      break;
  }
}

}  // namespace

TEST_SUITE("snapshotter") {
  TEST_CASE("an untouched keyspace is written completely, each key once") {
    Keyspace ks(16);
    std::mt19937 rng(1);
    Fill(ks, 2000, rng);
    Image expected = Capture(ks);
    Snapshotter snap(ks);
    Forwarder fwd(&snap);
    ks.AddListener(&fwd);
    CapturingEncoder enc;
    snap.Begin(&enc);
    while (!snap.Step(0)) {
    }
    CHECK(enc.finished);
    CHECK(enc.duplicates == 0);
    CHECK(enc.image == expected);
  }

  TEST_CASE("writes, deletes, expiries and table growth during the walk do not leak in") {
    for (uint32_t seed = 1; seed <= 5; ++seed) {
      Keyspace ks(16);
      std::mt19937 rng(seed);
      Fill(ks, 3000, rng);
      Image expected = Capture(ks);
      Snapshotter snap(ks);
      Forwarder fwd(&snap);
      ks.AddListener(&fwd);
      CapturingEncoder enc;
      snap.Begin(&enc);
      int next_key = 0;
      int steps = 0;
      while (!snap.Step(0)) {
        for (int i = 0; i < 20; ++i) Mutate(ks, rng, &next_key);
        ++steps;
      }
      INFO("seed " << seed << ", steps " << steps);
      CHECK(steps > 3);
      CHECK(enc.duplicates == 0);
      CHECK(enc.image == expected);

      // The per-entry bits are consistent again: a second snapshot sees the new state.
      Image now = Capture(ks);
      CapturingEncoder second;
      snap.Begin(&second);
      while (!snap.Step(0)) Mutate(ks, rng, &next_key);
      CHECK(second.duplicates == 0);
      CHECK(second.image == now);
    }
  }

  TEST_CASE("emptying and swapping databases mid-walk keeps their old contents in the file") {
    Keyspace ks(16);
    std::mt19937 rng(7);
    Fill(ks, 3000, rng);
    Image expected = Capture(ks);
    Snapshotter snap(ks);
    Forwarder fwd(&snap);
    ks.AddListener(&fwd);
    CapturingEncoder enc;
    snap.Begin(&enc);
    snap.Step(0);
    ks.SwapDatabases(1, 2);
    snap.Step(0);
    ks.db(0).Clear();
    ks.db(5).SetString("late", "x", -1);
    while (!snap.Step(0)) {
    }
    CHECK(enc.duplicates == 0);
    CHECK(enc.image == expected);
  }

  TEST_CASE("after an abort the next snapshot is exact again") {
    Keyspace ks(16);
    std::mt19937 rng(9);
    Fill(ks, 3000, rng);
    Snapshotter snap(ks);
    Forwarder fwd(&snap);
    ks.AddListener(&fwd);
    CapturingEncoder first;
    snap.Begin(&first);
    snap.Step(0);
    snap.Abort();
    CHECK(snap.active());  // cleaning up the bits
    int next_key = 0;
    while (!snap.Step(0)) Mutate(ks, rng, &next_key);
    CHECK_FALSE(snap.active());
    CHECK_FALSE(first.finished);

    Image expected = Capture(ks);
    CapturingEncoder second;
    snap.Begin(&second);
    while (!snap.Step(0)) Mutate(ks, rng, &next_key);
    CHECK(second.duplicates == 0);
    CHECK(second.image == expected);
  }
}
