// A small hash lives in its entry as one SmallHash block (Encoding::kCompact) and is changed
// through store::HashRef: the block must match a std::map model and a listpack hash through
// random changes (order included), give Redis's listpack bytes for the file, and the entry must
// follow every move of the block, switch to a table object past the limits, and copy, free and
// count the block like any value.
#include "store/hash_ref.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>

#include "common/memory.h"
#include "store/database.h"
#include "store/keyspace.h"
#include "store/listpack.h"
#include "store/small_hash.h"

namespace basalt::store {

namespace {

std::map<std::string, std::string> Contents(const HashRef& h) {
  std::map<std::string, std::string> out;
  h.ForEach([&](std::string_view f, std::string_view v) { out.emplace(f, v); });
  return out;
}

Entry* NewSmallHash(Database& db, std::string_view key) {
  return db.AddObject(key, ValueType::kHash, new HashValue);
}

}  // namespace

TEST_SUITE("hash in its entry") {
  TEST_CASE("SmallHash matches a listpack hash, order and listpack bytes included") {
    std::mt19937_64 rng(7);
    for (int round = 0; round < 20; ++round) {
      SmallHash small(SmallHash::NewBlock());
      Listpack lp;  // the same pairs as Redis holds them
      std::map<std::string, std::string> model;
      // Up to 300 fields: the count's varint grows past 127 and shrinks back.
      const size_t fields = round % 2 ? 300 : 40;
      for (int step = 0; step < 1500; ++step) {
        const std::string field = "f" + std::to_string(rng() % fields);
        const uint32_t at = lp.Find(lp.First(), field, 2);
        if (rng() % 3 == 0) {
          CHECK(small.Delete(field) == (at != Listpack::kNone));
          if (at != Listpack::kNone) lp.DeleteRange(at, 2);
          model.erase(field);
          continue;
        }
        // Integers, short and 128+ byte strings (a two-byte length), empty values.
        std::string value;
        switch (rng() % 4) {
          case 0:
            value = std::to_string(static_cast<int64_t>(rng() % 100000) - 500);
            break;
          case 1:
            value = std::string(rng() % 300, static_cast<char>('a' + rng() % 26));
            break;
          case 2:
            value = "";
            break;
          default:
            value = "v" + std::to_string(rng() % 1000);
            break;
        }
        CHECK(small.Set(field, value) == (at == Listpack::kNone));
        if (at == Listpack::kNone) {
          lp.Append(field);
          lp.Append(value);
        } else {
          lp.Replace(lp.Next(at), value);
        }
        model[field] = value;
      }
      REQUIRE(small.size() == model.size());
      std::string_view v;
      for (const auto& [f, want] : model) {
        REQUIRE(small.Get(f, &v));
        CHECK(v == want);
      }
      CHECK_FALSE(small.Contains("absent"));
      std::string rebuilt = "prefix";  // appended after what the buffer holds
      const size_t start = Listpack::BeginBytes(rebuilt);
      small.ForEach([&](std::string_view f, std::string_view v) {
        Listpack::AppendElementBytes(rebuilt, f);
        Listpack::AppendElementBytes(rebuilt, v);
      });
      Listpack::EndBytes(rebuilt, start, 2 * small.size());
      CHECK(rebuilt.substr(start) == lp.bytes());  // same order, same encodings
      SmallHash back(SmallHash::FromListpack(lp));
      CHECK(back.bytes() == small.bytes());
      CHECK(std::string_view(reinterpret_cast<char*>(back.block()), back.bytes()) ==
            std::string_view(reinterpret_cast<char*>(small.block()), small.bytes()));
      mem::Free(back.block());
      mem::Free(small.block());
    }
  }

  TEST_CASE("SmallHash: a value read from the block itself can be set") {
    SmallHash small(SmallHash::NewBlock());
    small.Set("a", std::string(200, 'x'));
    small.Set("b", "short");
    std::string_view a;
    REQUIRE(small.Get("a", &a));
    CHECK(small.Set("b", a) == false);  // the block grows under the view
    std::string_view b;
    REQUIRE(small.Get("b", &b));
    CHECK(b == std::string(200, 'x'));
    mem::Free(small.block());
  }

  TEST_CASE("a new hash is a bare listpack in its entry, and stays one while it is small") {
    Keyspace ks(1);
    Entry* e = NewSmallHash(ks.db(0), "h");
    CHECK(e->encoding() == Encoding::kCompact);
    const EncodingLimits limits;
    {
      HashRef h(e);
      for (int i = 0; i < 50; ++i) h.Set("field:" + std::to_string(i), std::to_string(i), limits);
    }
    CHECK(e->encoding() == Encoding::kCompact);
    HashRef h(e);
    CHECK(h.size() == 50);
    std::string_view v;
    REQUIRE(h.Get("field:49", &v));
    CHECK(v == "49");
  }

  TEST_CASE("the entry follows the block through random changes, then becomes an object") {
    Keyspace ks(1);
    Entry* e = NewSmallHash(ks.db(0), "h");
    EncodingLimits limits;
    limits.hash_max_listpack_entries = 64;
    std::map<std::string, std::string> model;
    std::mt19937_64 rng(11);
    for (int step = 0; step < 3000 && e->encoding() == Encoding::kCompact; ++step) {
      // Each change through a handle of its own, as commands do: a stale block would show.
      const std::string field = "f" + std::to_string(rng() % 80);
      if (rng() % 4 == 0 && model.size() > 1) {
        CHECK(HashRef(e).Delete(field) == (model.erase(field) == 1));
      } else {
        const std::string value(rng() % 40, static_cast<char>('a' + rng() % 26));
        CHECK(HashRef(e).Set(field, value, limits) == !model.count(field));
        model[field] = value;
      }
      if (e->encoding() == Encoding::kCompact) CHECK(Contents(HashRef(e)) == model);
    }
    REQUIRE(e->encoding() == Encoding::kObject);  // past 64 fields
    CHECK(model.size() > 64);
    CHECK(Contents(HashRef(e)) == model);
    CHECK_FALSE(HashRef(e).is_listpack());
  }

  TEST_CASE("a long value moves the hash into a table object at once") {
    Keyspace ks(1);
    Entry* e = NewSmallHash(ks.db(0), "h");
    const EncodingLimits limits;
    HashRef h(e);
    h.Set("a", "1", limits);
    h.Set("b", std::string(limits.hash_max_listpack_value + 1, 'x'), limits);
    CHECK(e->encoding() == Encoding::kObject);
    CHECK(h.size() == 2);
    CHECK(Contents(HashRef(e)).at("a") == "1");
  }

  TEST_CASE("the last field deleted with a live handle, then the key: nothing leaks") {
    const size_t before = mem::Used();
    {
      Keyspace ks(1);
      Entry* e = NewSmallHash(ks.db(0), "h");
      HashRef h(e);
      h.Set("only", "x", EncodingLimits{});
      CHECK(h.Delete("only"));
      CHECK(h.size() == 0);
      CHECK(ks.db(0).Delete("h"));  // the handle is only destroyed after this
    }
    CHECK(mem::Used() == before);
  }

  TEST_CASE("COPY's clone, a TTL change and MEMORY's count see the block") {
    Keyspace ks(1);
    Database& db = ks.db(0);
    Entry* e = NewSmallHash(db, "h");
    HashRef(e).Set("f", "v", EncodingLimits{});
    Entry* copy = Entry::Clone(e, "h2", -1);
    CHECK(copy->encoding() == Encoding::kCompact);
    CHECK(copy->compact_block() != e->compact_block());
    db.Insert(copy);
    HashRef(copy).Set("g", "w", EncodingLimits{});
    CHECK(HashRef(db.LookupRaw("h")).size() == 1);
    CHECK(HashRef(db.LookupRaw("h2")).size() == 2);
    Entry* with_ttl = db.SetExpire("h", 5'000'000'000'000);
    CHECK(with_ttl->encoding() == Encoding::kCompact);
    CHECK(Contents(HashRef(with_ttl)).at("f") == "v");
    CHECK(with_ttl->MemoryUsage() ==
          mem::UsableSize(with_ttl) + mem::UsableSize(with_ttl->compact_block()));
  }
}

}  // namespace basalt::store
