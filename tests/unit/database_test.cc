// Database and Keyspace: the only mutation API. TTL index consistency, lazy and active expiry
// (Redis's "now > deadline" rule), replica mode, string edits across the inline/heap boundary,
// and the listener calls that snapshots, propagation and WATCH rely on.
#include "store/database.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/memory.h"
#include "store/keyspace.h"

namespace basalt::store {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

// Records listener calls, with the state of the entry as it was when announced.
class Recorder : public KeyspaceListener {
 public:
  void BeforeEntryChange(int db, const Entry& e) override {
    std::string value = e.type() == ValueType::kString ? std::string(e.string_value()) : "?";
    events.push_back("change " + std::to_string(db) + " " + std::string(e.key()) + "=" + value +
                     " ttl=" + std::to_string(e.expire_at()));
  }
  void BeforeDatabaseReset(int db) override { events.push_back("reset " + std::to_string(db)); }
  void OnKeyExpired(int db, std::string_view key) override {
    events.push_back("expired " + std::to_string(db) + " " + std::string(key));
  }
  std::vector<std::string> events;
};

struct Fixture {
  Keyspace ks{4};
  Recorder rec;
  Fixture() { ks.AddListener(&rec); }
  Database& db() { return ks.db(0); }
};

// Counts the entries with a TTL by walking the table: must equal expires_count().
size_t CountWithTtl(const Database& db) {
  size_t n = 0, total = 0;
  uint64_t cursor = 0;
  do {
    cursor = db.Scan(cursor, [&](const Entry* e) {
      ++total;
      if (e->has_expire()) ++n;
    });
  } while (cursor != 0);
  REQUIRE(total == db.size());
  return n;
}

void CheckTtlIndex(const Database& db) { CHECK(CountWithTtl(db) == db.expires_count()); }

std::string ValueOf(Database& db, std::string_view key) {
  Entry* e = db.LookupRaw(key);
  REQUIRE(e != nullptr);
  return std::string(e->string_value());
}

}  // namespace

TEST_SUITE("database") {
  TEST_CASE("SetString creates and replaces, announcing only changes to existing entries") {
    Fixture f;
    Entry* e = f.db().SetString("k", "v1", -1);
    CHECK(e->string_value() == "v1");
    CHECK(f.rec.events.empty());
    CHECK(f.db().size() == 1);
    f.db().SetString("k", "v2", kNow + 1000);
    CHECK(f.rec.events == std::vector<std::string>{"change 0 k=v1 ttl=-1"});
    CHECK(ValueOf(f.db(), "k") == "v2");
    CHECK(f.db().expires_count() == 1);
    f.db().SetString("k", "v3", -1);  // a plain SET drops the TTL
    CHECK(f.db().expires_count() == 0);
    CHECK_FALSE(f.db().LookupRaw("k")->has_expire());
    CHECK(f.db().size() == 1);
    CheckTtlIndex(f.db());
  }

  TEST_CASE("SetString with keep_ttl keeps the key's TTL, and gives none to a new key") {
    Fixture f;
    f.db().SetString("k", "v", kNow + 5000);
    Entry* e = f.db().SetString("k", std::string(500, 'x'), -1, /*keep_ttl=*/true);
    CHECK(e->expire_at() == kNow + 5000);
    CHECK(f.db().expires_count() == 1);
    Entry* fresh = f.db().SetString("new", "v", kNow + 1, /*keep_ttl=*/true);
    CHECK_FALSE(fresh->has_expire());
    Entry* plain = f.db().SetString("plain", "v", -1);
    CHECK_FALSE(f.db().SetString("plain", "w", -1, true)->has_expire());
    CHECK(plain != nullptr);
    CHECK(f.db().expires_count() == 1);
    CheckTtlIndex(f.db());
  }

  TEST_CASE("SetString overwrites a value of the same shape in place, without allocating") {
    Fixture f;
    Entry* small = f.db().SetString("s", "abc", -1);
    const int64_t used = mem::Used();
    CHECK(f.db().SetString("s", "xyz", -1) == small);  // same length inline: same entry
    CHECK(mem::Used() == used);
    CHECK(ValueOf(f.db(), "s") == "xyz");
    CHECK(f.rec.events == std::vector<std::string>{"change 0 s=abc ttl=-1"});  // announced first
    CHECK(f.db().SetString("s", "longer", -1) != small);  // another length: rebuilt
    CHECK(ValueOf(f.db(), "s") == "longer");

    Entry* big = f.db().SetString("b", std::string(1000, 'a'), -1);
    const int64_t used_big = mem::Used();
    CHECK(f.db().SetString("b", std::string(900, 'b'), -1) == big);  // fits the heap string
    CHECK(mem::Used() == used_big);
    CHECK(ValueOf(f.db(), "b") == std::string(900, 'b'));
    // A value that would leave most of the old buffer unused gets its own.
    CHECK(f.db().SetString("b", std::string(300, 'c'), -1) != big);
    CHECK(ValueOf(f.db(), "b") == std::string(300, 'c'));

    // A TTL that changes (set, or dropped by a plain SET) rebuilds; KEEPTTL may stay in place.
    Entry* t = f.db().SetString("t", "v1", kNow + 5000);
    Entry* kept = f.db().SetString("t", "v2", -1, /*keep_ttl=*/true);
    CHECK(kept == t);
    CHECK(kept->expire_at() == kNow + 5000);
    Entry* dropped = f.db().SetString("t", "v3", -1);
    CHECK_FALSE(dropped->has_expire());
    CHECK(f.db().expires_count() == 0);
    CheckTtlIndex(f.db());
  }

  TEST_CASE("SetOwnedString adopts the buffer, in place of a heap string value") {
    Fixture f;
    Entry* e = f.db().SetString("k", std::string(1000, 'a'), -1);
    HeapString* mine = HeapString::Create(std::string(5000, 'z'), 5002);
    CHECK(f.db().SetOwnedString("k", mine, -1) == e);
    CHECK(e->heap_string() == mine);
    CHECK(ValueOf(f.db(), "k") == std::string(5000, 'z'));
    HeapString* other = HeapString::Create(std::string(200, 'y'), 200);
    Entry* fresh = f.db().SetOwnedString("new", other, kNow + 10);
    CHECK(fresh->heap_string() == other);
    CHECK(f.db().expires_count() == 1);
  }

  TEST_CASE("a value a reply still holds is never changed in place") {
    // A GET's reply may hold the stored bytes by reference until the socket takes them
    // (server/output_queue.h): every change must leave those bytes as they were.
    Fixture f;
    const std::string before(1000, 'a');
    Entry* e = f.db().SetString("k", before, -1);
    HeapString* held = HeapString::Share(e->heap_string());

    SUBCASE("SET of a value the same size") {
      Entry* after = f.db().SetString("k", std::string(1000, 'b'), -1);
      CHECK(after->heap_string() != held);
      CHECK(ValueOf(f.db(), "k") == std::string(1000, 'b'));
    }
    SUBCASE("SETRANGE and APPEND") {
      f.db().SetRange("k", 0, "zz");
      f.db().SetRange("k", 1000, "tail");
      CHECK(ValueOf(f.db(), "k") == "zz" + std::string(998, 'a') + "tail");
    }
    SUBCASE("an in-place edit after UnshareString (SETBIT, BITFIELD)") {
      Entry* now = f.db().Lookup("k", kNow);
      now->UnshareString();
      now->heap_string()->data()[0] = 'q';
      CHECK(ValueOf(f.db(), "k")[0] == 'q');
    }
    SUBCASE("SetOwnedString and DEL") {
      f.db().SetOwnedString("k", HeapString::Create(std::string(1000, 'c'), 1000), -1);
      CHECK(ValueOf(f.db(), "k") == std::string(1000, 'c'));
      CHECK(f.db().Delete("k"));
    }
    CHECK(held->view() == before);
    CHECK_FALSE(held->shared());  // the store let go of it: the reply's share is the last
    HeapString::Release(held);
  }

  TEST_CASE("Delete removes present keys, expired ones included") {
    Fixture f;
    f.db().SetString("a", "1", -1);
    f.db().SetString("b", "2", kNow - 10);  // already past its deadline
    CHECK(f.db().Delete("a"));
    CHECK_FALSE(f.db().Delete("a"));
    CHECK(f.db().Delete("b"));
    CHECK(f.db().size() == 0);
    CHECK(f.db().expires_count() == 0);
    CHECK(f.rec.events ==
          std::vector<std::string>{"change 0 a=1 ttl=-1",
                                   "change 0 b=2 ttl=" + std::to_string(kNow - 10)});
  }

  TEST_CASE("Take hands the entry over with its TTL; Insert tracks it in the new database") {
    Fixture f;
    f.db().SetString("k", std::string(300, 'h'), kNow + 100);
    f.db().SetString("other", "o", kNow + 200);
    Entry* e = f.db().Take("k");
    REQUIRE(e != nullptr);
    CHECK(f.db().Take("k") == nullptr);
    CHECK(f.db().expires_count() == 1);
    CheckTtlIndex(f.db());
    Database& db2 = f.ks.db(2);
    db2.Insert(e);
    CHECK(db2.expires_count() == 1);
    CHECK(db2.Lookup("k", kNow)->expire_at() == kNow + 100);
    CHECK(f.db().Lookup("k", kNow) == nullptr);
    CheckTtlIndex(db2);
    // A renamed copy under another key, as RENAME builds it.
    Entry* moved = db2.Take("k");
    Entry* renamed = Entry::Rebuild(moved, "k2", moved->expire_at());
    Entry::FreeShell(moved);
    db2.Insert(renamed);
    CHECK(ValueOf(db2, "k2") == std::string(300, 'h'));
    CheckTtlIndex(db2);
  }

  TEST_CASE("SetExpire adds, changes and removes a TTL keeping the index consistent") {
    Fixture f;
    for (int i = 0; i < 50; ++i) f.db().SetString("k" + std::to_string(i), "v", -1);
    CHECK(f.db().SetExpire("absent", kNow) == nullptr);
    for (int i = 0; i < 50; i += 2) {
      Entry* e = f.db().SetExpire("k" + std::to_string(i), kNow + i);
      CHECK(e->expire_at() == kNow + i);
      CHECK(e->string_value() == "v");
    }
    CHECK(f.db().expires_count() == 25);
    CheckTtlIndex(f.db());
    CHECK(f.db().SetExpire("k0", kNow + 999)->expire_at() == kNow + 999);  // change
    CHECK(f.db().expires_count() == 25);
    for (int i = 0; i < 50; i += 4) f.db().SetExpire("k" + std::to_string(i), -1);  // remove
    CHECK(f.db().expires_count() == 12);
    CheckTtlIndex(f.db());
    CHECK_FALSE(f.db().LookupRaw("k0")->has_expire());
    CHECK(f.db().LookupRaw("k2")->expire_at() == kNow + 2);
    // Every entry still in the index is found by the sweep (which reads the index).
    Database::SweepResult r = f.db().SweepExpired(kNow + 10'000, 1000);
    CHECK(r.expired == 12);
    CHECK(f.db().expires_count() == 0);
    CHECK(f.db().size() == 38);
  }

  TEST_CASE("Lookup expires a key only once now is past its deadline") {
    Fixture f;
    f.db().SetString("k", "v", kNow);
    CHECK(f.db().Lookup("k", kNow - 1) != nullptr);
    CHECK(f.db().Lookup("k", kNow) != nullptr);  // now == deadline: still alive, as in Redis
    CHECK(f.rec.events.empty());
    CHECK(f.db().Lookup("k", kNow + 1) == nullptr);
    CHECK(f.rec.events ==
          std::vector<std::string>{"change 0 k=v ttl=" + std::to_string(kNow), "expired 0 k"});
    CHECK(f.db().size() == 0);
    CHECK(f.db().expires_count() == 0);
    CHECK(f.ks.stats().expired_keys == 1);
    CHECK(f.db().Lookup("missing", kNow) == nullptr);
    CHECK(Database::IsExpired(f.db().SetString("x", "v", kNow), kNow + 1));
  }

  TEST_CASE("a replica hides expired keys but leaves their deletion to the primary") {
    Fixture f;
    f.ks.set_replica_mode(true);
    f.db().SetString("k", "v", kNow);
    f.db().SetString("live", "v", kNow + 100);
    CHECK(f.db().Lookup("k", kNow + 1) == nullptr);
    CHECK(f.db().LookupRaw("k") != nullptr);
    CHECK(f.db().size() == 2);
    CHECK(f.db().SweepExpired(kNow + 1, 100).checked == 0);
    CHECK(f.ks.ActiveExpireCycle(kNow + 1, 1'000'000) == 0);
    CHECK(f.db().size() == 2);
    CHECK(f.rec.events.empty());
    CHECK(f.db().Delete("k"));  // the primary's DEL
    f.ks.set_replica_mode(false);
    CHECK(f.db().Lookup("live", kNow + 101) == nullptr);
  }

  TEST_CASE("a replica's primary sees the expired keys it has not deleted yet") {
    Fixture f;
    f.ks.set_replica_mode(true);
    f.db().SetString("k", "v", kNow);
    f.ks.set_applying_primary_stream(true);
    CHECK(f.db().Lookup("k", kNow + 1) != nullptr);  // its DEL k finds the key
    f.ks.set_applying_primary_stream(false);
    CHECK(f.db().Lookup("k", kNow + 1) == nullptr);  // clients still see it gone
    CHECK(f.db().size() == 1);
    CHECK(f.rec.events.empty());
  }

  TEST_CASE("SweepExpired reclaims every expired key over repeated calls") {
    Fixture f;
    for (int i = 0; i < 1000; ++i) {
      // Even keys are past their deadline, odd keys are not; some keys have no TTL at all.
      int64_t ttl = i % 10 == 9 ? -1 : (i % 2 == 0 ? kNow - 1 : kNow + 1000);
      f.db().SetString("k" + std::to_string(i), "v", ttl);
    }
    size_t reclaimed = 0, calls = 0;
    while (f.db().expires_count() > 0 && calls < 1000) {
      Database::SweepResult r = f.db().SweepExpired(kNow, 7);
      CHECK(r.checked <= 7);
      reclaimed += r.expired;
      ++calls;
      if (reclaimed == 500) break;
    }
    CHECK(reclaimed == 500);
    CHECK(f.db().size() == 500);
    CHECK(f.db().expires_count() == 400);
    CheckTtlIndex(f.db());
    for (int i = 0; i < 1000; ++i) {
      CHECK((f.db().LookupRaw("k" + std::to_string(i)) != nullptr) == (i % 2 == 1));
    }
    CHECK(f.ks.stats().expired_keys == 500);
    size_t expired_events = 0;
    for (const std::string& ev : f.rec.events) expired_events += ev.rfind("expired", 0) == 0;
    CHECK(expired_events == 500);
  }

  TEST_CASE("ActiveExpireCycle reclaims all expired keys in every database") {
    Fixture f;
    for (int d = 0; d < 4; ++d) {
      for (int i = 0; i < 3000; ++i) {
        f.ks.db(d).SetString("k" + std::to_string(i), "v", i < 2000 ? kNow - 1 : kNow + 1000);
      }
    }
    size_t total = 0;
    for (int cycle = 0; cycle < 100 && f.ks.TotalKeys() > 4 * 1000; ++cycle) {
      total += f.ks.ActiveExpireCycle(kNow, 10'000'000);
    }
    CHECK(total == 4 * 2000);
    for (int d = 0; d < 4; ++d) {
      CHECK(f.ks.db(d).size() == 1000);
      CHECK(f.ks.db(d).expires_count() == 1000);
      CheckTtlIndex(f.ks.db(d));
    }
    CHECK(f.ks.stats().expired_keys == 4 * 2000);
    // Nothing is left to reclaim.
    CHECK(f.ks.ActiveExpireCycle(kNow, 10'000'000) == 0);
  }

  TEST_CASE("AppendString and SetRange edit strings across the inline/heap boundary") {
    Fixture f;
    Database& db = f.db();
    db.SetString("k", std::string(120, 'a'), kNow + 50);
    Entry* e = db.AppendString("k", std::string(8, 'b'));  // 128: still inline
    CHECK(e->encoding() == Encoding::kInline);
    CHECK(e->string_value() == std::string(120, 'a') + std::string(8, 'b'));
    e = db.AppendString("k", "c");  // 129: moves to the heap
    CHECK(e->encoding() == Encoding::kHeapString);
    CHECK(e->string_value() == std::string(120, 'a') + std::string(8, 'b') + "c");
    CHECK(e->expire_at() == kNow + 50);
    CHECK(db.expires_count() == 1);
    e = db.AppendString("k", std::string(10000, 'd'));  // grows in place
    CHECK(e->string_value().size() == 10129);
    CHECK(db.LookupRaw("k") == e);
    e = db.SetRange("k", 1, "XY");
    CHECK(e->string_value().substr(0, 4) == "aXYa");
    e = db.SetRange("k", 10200, "end");  // zero-padded up to the offset
    CHECK(e->string_value().size() == 10203);
    CHECK(e->string_value().substr(10129, 71) == std::string(71, '\0'));
    CHECK(e->string_value().substr(10200) == "end");
    CheckTtlIndex(db);

    db.SetString("small", "hello", -1);
    e = db.SetRange("small", 8, "x");
    CHECK(e->string_value() == std::string("hello\0\0\0x", 9));
    e = db.SetRange("small", 0, std::string(200, 'z'));  // inline to heap through SetRange
    CHECK(e->encoding() == Encoding::kHeapString);
    CHECK(e->string_value() == std::string(200, 'z'));
    CHECK(db.expires_count() == 1);
    // Each edit announced the entry as it was before.
    CHECK(f.rec.events.size() == 7);
    CHECK(f.rec.events[0] ==
          "change 0 k=" + std::string(120, 'a') + " ttl=" + std::to_string(kNow + 50));
    CHECK(f.rec.events[5] == "change 0 small=hello ttl=-1");
  }

  TEST_CASE("PrepareModify announces an in-place change and returns the entry") {
    Fixture f;
    Entry* e = f.db().SetString("k", std::string(300, 'x'), -1);
    CHECK(f.db().PrepareModify(e) == e);
    CHECK(f.rec.events ==
          std::vector<std::string>{"change 0 k=" + std::string(300, 'x') + " ttl=-1"});
  }

  TEST_CASE("SwapContents exchanges keys and TTL indexes; Clear empties a database") {
    Fixture f;
    Database& a = f.ks.db(1);
    Database& b = f.ks.db(3);
    for (int i = 0; i < 100; ++i) a.SetString("a" + std::to_string(i), "v", i % 2 ? kNow + 5 : -1);
    b.SetString("b", "v", kNow - 1);
    f.ks.SwapDatabases(1, 3);
    CHECK(f.rec.events == std::vector<std::string>{"reset 1", "reset 3"});
    CHECK(a.size() == 1);
    CHECK(b.size() == 100);
    CHECK(a.expires_count() == 1);
    CHECK(b.expires_count() == 50);
    CheckTtlIndex(a);
    CheckTtlIndex(b);
    CHECK(a.index() == 1);  // databases keep their numbers
    // Expiry after the swap is reported under the new database number.
    CHECK(a.Lookup("b", kNow) == nullptr);
    CHECK(f.rec.events.back() == "expired 1 b");
    CHECK(b.SweepExpired(kNow + 6, 1000).expired == 50);
    CHECK(b.size() == 50);
    f.ks.SwapDatabases(2, 2);  // a no-op
    CHECK(f.rec.events.back().rfind("expired 3", 0) == 0);

    f.rec.events.clear();
    b.Clear();
    CHECK(f.rec.events == std::vector<std::string>{"reset 3"});
    CHECK(b.size() == 0);
    CHECK(b.expires_count() == 0);
    CHECK(b.LookupRaw("a1") == nullptr);
    b.SetString("again", "v", kNow + 1);
    CHECK(b.expires_count() == 1);
    CHECK(b.SweepExpired(kNow + 2, 10).expired == 1);
  }

  TEST_CASE("FlushAll empties every database and TotalKeys counts them all") {
    Fixture f;
    for (int d = 0; d < 4; ++d) {
      for (int i = 0; i <= d; ++i) f.ks.db(d).SetString("k" + std::to_string(i), "v", kNow + 1);
    }
    CHECK(f.ks.TotalKeys() == 10);
    f.ks.FlushAll();
    CHECK(f.ks.TotalKeys() == 0);
    for (int d = 0; d < 4; ++d) CHECK(f.ks.db(d).expires_count() == 0);
  }

  TEST_CASE("new entries carry the snapshot bit the keyspace hands out") {
    Fixture f;
    Entry* before = f.db().SetString("old", "v", -1);
    CHECK_FALSE(before->snapshot_bit());
    f.ks.set_new_entry_bit(true);
    CHECK(f.db().SetString("new", "v", -1)->snapshot_bit());
    CHECK(f.db().SetString("old", std::string(200, 'x'), -1)->snapshot_bit());  // replaced
    CHECK(f.db().SetRange("new", 0, std::string(200, 'y'))->snapshot_bit());
  }

  TEST_CASE("a keyspace returns all its memory when destroyed") {
    const int64_t before = mem::Used();
    {
      Keyspace ks(2);
      for (int i = 0; i < 5000; ++i) {
        ks.db(i % 2).SetString("k" + std::to_string(i), std::string(i % 400, 'v'),
                               i % 3 ? kNow + i : -1);
      }
      for (int i = 0; i < 5000; i += 5) ks.db(i % 2).Delete("k" + std::to_string(i));
      ks.db(0).AppendString("k2", std::string(1000, 'z'));
      ks.RehashFor(1000);
      CHECK(mem::Used() > before);
    }
    CHECK(mem::Used() == before);
  }

}  // TEST_SUITE

}  // namespace basalt::store
