// Writer -> reader round trips, torn and corrupt inputs, and interop with Redis's own checker.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "persistence/rdb_reader.h"
#include "persistence/rdb_writer.h"
#include "store/keyspace.h"
#include "unit/rdb_test_util.h"

using namespace basalt;
using namespace basalt::persistence;
using rdbtest::Collector;
using rdbtest::Key;

namespace {

// Keys covering every encoding decision, spread over a few databases, some with TTLs.
std::vector<Key> VariedKeys() {
  std::vector<Key> keys;
  std::vector<std::string> values = {"",
                                     "0",
                                     "-1",
                                     "1",
                                     "127",
                                     "128",
                                     "-128",
                                     "-129",
                                     "255",
                                     "256",
                                     "32767",
                                     "32768",
                                     "-32768",
                                     "-32769",
                                     "2147483647",
                                     "2147483648",
                                     "-2147483648",
                                     "-2147483649",
                                     "4294967296",
                                     "9223372036854775807",
                                     "-9223372036854775808",
                                     "007",
                                     "-0",
                                     "+5",
                                     "1.5",
                                     "12345678901",
                                     std::string("\0", 1),
                                     std::string("\xff\x00\x01", 3),
                                     std::string(20, 'x'),
                                     std::string(21, 'x'),
                                     std::string(63, 'y'),
                                     std::string(64, 'y'),
                                     std::string(16383, 'z'),
                                     std::string(16384, 'z'),
                                     rdbtest::LcgBytes(9, 5000),
                                     rdbtest::LcgBytes(10, 100000),
                                     std::string(200000, 'w')};
  int i = 0;
  for (const auto& v : values) {
    keys.push_back({0, "v:" + std::to_string(i), v, -1});
    keys.push_back({0, v, "value for key " + std::to_string(i), i % 2 ? 1700000000000 + i : -1});
    ++i;
  }
  for (int db = 1; db < 16; db += 7) {
    for (int k = 0; k < 300; ++k) {
      keys.push_back({db, "db" + std::to_string(db) + ":" + std::to_string(k),
                      std::string(k % 50, static_cast<char>('a' + k % 26)),
                      k % 4 == 0 ? int64_t{4102444800000} + k : -1});
    }
  }
  std::sort(keys.begin(), keys.end());
  // Values double as keys above; the same text may appear twice in db 0 ("" and "0", ...).
  keys.erase(std::unique(keys.begin(), keys.end(),
                         [](const Key& a, const Key& b) { return a.db == b.db && a.key == b.key; }),
             keys.end());
  return keys;
}

std::string Write(const std::vector<Key>& keys, RdbWriterOptions options) {
  std::string out;
  StringSink sink(&out);
  RdbWriter w(&sink, options);
  RdbAuxFields aux;
  aux.ctime = 1700000000;
  aux.used_mem = 12345678;
  REQUIRE(w.WriteHeader(aux).ok());
  int db = -1;
  for (const auto& k : keys) {
    if (k.db != db) {
      db = k.db;
      uint64_t n = 0;
      uint64_t ttl = 0;
      for (const auto& o : keys) {
        n += o.db == db;
        ttl += o.db == db && o.expire_at_ms >= 0;
      }
      REQUIRE(w.BeginDatabase(db, n, ttl).ok());
    }
    REQUIRE(w.WriteString(k.key, k.value, k.expire_at_ms).ok());
  }
  REQUIRE(w.Finish().ok());
  return out;
}

// A small valid file with every kind of item, for the exhaustive corruption tests.
std::string SmallFile() {
  std::vector<Key> keys = {{0, "plain", "value", -1},
                           {0, "int", "-32769", 1700000000000},
                           {0, "12", std::string(40, 'c'), -1},
                           {0, "empty", "", -1},
                           {3, "other", "db3", 4102444800000}};
  return Write(keys, {});
}

}  // namespace

TEST_SUITE("rdb round trip") {
  TEST_CASE("every key, value and TTL survives writer then reader") {
    std::vector<Key> keys = VariedKeys();
    for (bool compression : {true, false}) {
      for (size_t wbuf : {size_t{64 * 1024}, size_t{64}, size_t{1000}}) {
        CAPTURE(compression);
        CAPTURE(wbuf);
        RdbWriterOptions wo;
        wo.compression = compression;
        wo.buffer_size = wbuf;
        std::string bytes = Write(keys, wo);
        for (size_t rbuf : {size_t{64 * 1024}, size_t{64}}) {
          Collector c;
          RdbReaderOptions ro;
          ro.buffer_size = rbuf;
          RdbReadStats stats;
          Status s = rdbtest::ReadAll(bytes, &c, ro, &stats);
          REQUIRE_MESSAGE(s.ok(), s.ToString());
          CHECK(c.Sorted() == keys);
          CHECK(stats.checksum_verified);
          CHECK(stats.bytes_read == bytes.size());
        }
        rdbtest::TrickleSource trickle(bytes, 3);
        Collector c;
        REQUIRE(ReadRdb(&trickle, &c, {}, nullptr).ok());
        CHECK(c.Sorted() == keys);
      }
    }
  }

  TEST_CASE("compression makes a compressible dataset smaller") {
    std::vector<Key> keys;
    for (int i = 0; i < 100; ++i) {
      keys.push_back({0, "k" + std::to_string(i), std::string(1000, 'a' + i % 26), -1});
    }
    RdbWriterOptions off;
    off.compression = false;
    CHECK(Write(keys, {}).size() * 10 < Write(keys, off).size());
  }

  TEST_CASE("a keyspace written entry by entry loads back identically") {
    store::Keyspace ks(16);
    for (int i = 0; i < 5000; ++i) {
      ks.db(i % 3).SetString("key:" + std::to_string(i), std::string(i % 300, 'q'),
                             i % 5 == 0 ? 4102444800000 + i : -1);
    }
    std::string out;
    StringSink sink(&out);
    RdbWriter w(&sink, {});
    REQUIRE(w.WriteHeader({}).ok());
    for (int db = 0; db < ks.db_count(); ++db) {
      const store::Database& d = ks.db(db);
      if (d.size() == 0) continue;
      REQUIRE(w.BeginDatabase(db, d.size(), d.expires_count()).ok());
      uint64_t cursor = 0;
      do {
        cursor = d.Scan(cursor, [&](const store::Entry* e) { REQUIRE(w.WriteEntry(*e).ok()); });
      } while (cursor != 0);
    }
    REQUIRE(w.Finish().ok());
    CHECK(w.keys_written() == 5000);

    store::Keyspace loaded(16);
    StringSource src(out);
    RdbLoadStats stats;
    REQUIRE(LoadRdb(&src, &loaded, {}, &stats).ok());
    CHECK(stats.keys_loaded == 5000);
    for (int db = 0; db < 3; ++db) {
      CHECK(loaded.db(db).size() == ks.db(db).size());
      CHECK(loaded.db(db).expires_count() == ks.db(db).expires_count());
    }
    for (int i = 0; i < 5000; i += 7) {
      const store::Entry* e = loaded.db(i % 3).LookupRaw("key:" + std::to_string(i));
      REQUIRE(e != nullptr);
      CHECK(e->string_value() == std::string(i % 300, 'q'));
      CHECK(e->expire_at() == (i % 5 == 0 ? 4102444800000 + i : -1));
    }
  }

  TEST_CASE("a file torn at every byte offset is corruption, never success") {
    std::string whole = SmallFile();
    Collector full;
    REQUIRE(rdbtest::ReadAll(whole, &full).ok());
    for (size_t n = 0; n < whole.size(); ++n) {
      CAPTURE(n);
      Collector c;
      Status s = rdbtest::ReadAll(std::string_view(whole).substr(0, n), &c);
      CHECK(s.IsCorruption());
      CHECK(c.keys.size() <= full.keys.size());
      rdbtest::TrickleSource trickle(std::string_view(whole).substr(0, n), 5);
      Collector c2;
      CHECK(ReadRdb(&trickle, &c2, {}, nullptr).IsCorruption());
    }
  }

  TEST_CASE("redis-server's dump torn at every byte offset is corruption") {
    std::string whole = rdbtest::ReadFileBytes(rdbtest::DataDir() / "strings.rdb");
    REQUIRE(!whole.empty());
    for (size_t n = 0; n < whole.size(); n += (n < 200 || n + 200 > whole.size()) ? 1 : 13) {
      CAPTURE(n);
      Collector c;
      RdbReaderOptions o;
      o.buffer_size = 128;
      std::vector<char> exact(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
      Status s = rdbtest::ReadAll(std::string_view(exact.data(), exact.size()), &c, o);
      CHECK(s.IsCorruption());
    }
  }

  TEST_CASE("a flipped byte in a value is caught by the checksum") {
    std::string bytes = SmallFile();
    size_t at = bytes.find("value");
    REQUIRE(at != std::string::npos);
    bytes[at + 2] ^= 0x01;
    Collector c;
    Status s = rdbtest::ReadAll(bytes, &c);
    CHECK(s.IsCorruption());
    CHECK_MESSAGE(s.message().find("bad RDB checksum at offset") == 0, s.message());
    // Without verification the damaged value loads.
    RdbReaderOptions o;
    o.verify_checksum = false;
    Collector c2;
    RdbReadStats stats;
    REQUIRE(rdbtest::ReadAll(bytes, &c2, o, &stats).ok());
    CHECK(!stats.checksum_verified);
  }

  TEST_CASE("every single-byte change of a checksummed file is an error, never a crash") {
    std::string whole = SmallFile();
    for (size_t i = 0; i < whole.size(); ++i) {
      for (int mask : {0x01, 0x80, 0xff, 0x3c}) {
        std::string bytes = whole;
        bytes[i] = static_cast<char>(bytes[i] ^ mask);
        std::vector<char> exact(bytes.begin(), bytes.end());
        Collector c;
        Status s = rdbtest::ReadAll(std::string_view(exact.data(), exact.size()), &c);
        CHECK_MESSAGE(!s.ok(), "offset " << i << " mask " << mask);
      }
    }
  }

  TEST_CASE("random garbage after a valid header never crashes the reader") {
    std::mt19937_64 rng(42);
    for (int iter = 0; iter < 2000; ++iter) {
      std::string bytes = "REDIS0010";
      size_t n = rng() % 200;
      for (size_t i = 0; i < n; ++i) {
        // Bias toward small lengths and opcodes so parsing goes deeper.
        uint64_t r = rng();
        bytes += static_cast<char>(r % 4 == 0 ? 0xf8 + r % 8 : r % 3 == 0 ? r % 8 : r >> 8);
      }
      std::vector<char> exact(bytes.begin(), bytes.end());
      Collector c;
      RdbReaderOptions o;
      o.verify_checksum = iter % 2 == 0;
      o.databases = 1000;
      Status s = rdbtest::ReadAll(std::string_view(exact.data(), exact.size()), &c, o);
      (void)s;
    }
  }

  TEST_CASE("redis-check-rdb accepts files written by RdbWriter") {
    if (!std::filesystem::exists("/usr/bin/redis-check-rdb")) return;
    auto dir = std::filesystem::temp_directory_path();
    for (bool compression : {true, false}) {
      auto path = dir / ("basalt-rdb-interop-" + std::to_string(::getpid()) + "-" +
                         std::to_string(compression) + ".rdb");
      RdbWriterOptions wo;
      wo.compression = compression;
      std::string bytes = Write(VariedKeys(), wo);
      {
        std::ofstream out(path, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      }
      std::string cmd =
          "/usr/bin/redis-check-rdb '" + path.string() + "' > '" + path.string() + ".log' 2>&1";
      int rc = std::system(cmd.c_str());
      std::string log = rdbtest::ReadFileBytes(path.string() + ".log");
      CHECK_MESSAGE(rc == 0, log);
      CHECK(log.find("RDB looks OK") != std::string::npos);
      std::filesystem::remove(path);
      std::filesystem::remove(path.string() + ".log");
    }
  }
}
