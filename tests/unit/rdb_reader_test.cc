#include "persistence/rdb_reader.h"

#include <doctest/doctest.h>

#include <string>

#include "persistence/rdb_format.h"
#include "store/hash_value.h"
#include "store/keyspace.h"
#include "store/listpack.h"
#include "unit/rdb_test_util.h"

using namespace basalt;
using namespace basalt::persistence;
using rdbtest::Collector;
using rdbtest::Key;
using rdbtest::StreamBuilder;

namespace {

std::string Fixture(const std::string& name) {
  std::string bytes = rdbtest::ReadFileBytes(rdbtest::DataDir() / name);
  REQUIRE_MESSAGE(!bytes.empty(), "missing fixture " << name);
  return bytes;
}

// Every key of a keyspace, sorted, as the reader tests compare them.
std::vector<Key> Dump(const store::Keyspace& ks) {
  std::vector<Key> keys;
  for (int db = 0; db < ks.db_count(); ++db) {
    uint64_t cursor = 0;
    do {
      cursor = ks.db(db).Scan(cursor, [&](const store::Entry* e) {
        keys.push_back({db, std::string(e->key()), std::string(e->string_value()),
                        e->has_expire() ? e->expire_at() : -1});
      });
    } while (cursor != 0);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

bool Contains(const Status& s, std::string_view text) {
  return s.message().find(text) != std::string::npos;
}

}  // namespace

TEST_SUITE("rdb reader") {
  TEST_CASE("redis-server's dump of every string encoding loads with identical contents") {
    std::string bytes = Fixture("strings.rdb");
    std::vector<Key> expected = rdbtest::ReadExpected("strings.expected");
    REQUIRE(expected.size() > 40);
    for (size_t buffer : {size_t{64 * 1024}, size_t{64}, size_t{100}}) {
      CAPTURE(buffer);
      Collector c;
      RdbReaderOptions o;
      o.buffer_size = buffer;
      RdbReadStats stats;
      Status s = rdbtest::ReadAll(bytes, &c, o, &stats);
      REQUIRE_MESSAGE(s.ok(), s.ToString());
      CHECK(c.Sorted() == expected);
      CHECK(stats.version == 10);
      CHECK(stats.checksum_verified);
      CHECK(stats.bytes_read == bytes.size());
      CHECK(stats.keys_read == expected.size());
      CHECK(stats.aux.redis_ver == "7.0.15");
      CHECK(stats.aux.redis_bits == 64);
      CHECK(stats.aux.aof_base == 0);
      CHECK(stats.aux.ctime > 0);
      CHECK(stats.aux.used_mem > 0);
      CHECK(stats.aux.repl_offset == -1);
      CHECK(c.selects == std::vector<int>{0, 1, 5, 15});
      REQUIRE(c.resizes.size() == 4);
      CHECK(c.resizes[1] == std::tuple<int, uint64_t, uint64_t>(1, 5, 0));
      CHECK(c.resizes[2] == std::tuple<int, uint64_t, uint64_t>(5, 2, 1));
    }
  }

  TEST_CASE("the same dump without compression and checksum loads the same keys") {
    std::string bytes = Fixture("strings_nocompress_nochecksum.rdb");
    CHECK(bytes.substr(bytes.size() - 8) == std::string(8, '\0'));
    Collector c;
    RdbReadStats stats;
    Status s = rdbtest::ReadAll(bytes, &c, {}, &stats);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    CHECK(c.Sorted() == rdbtest::ReadExpected("strings.expected"));
    CHECK(!stats.checksum_verified);
  }

  TEST_CASE("a dump of many keys loads into a keyspace with their TTLs") {
    store::Keyspace ks(16);
    std::string bytes = Fixture("many_keys.rdb");
    StringSource src(bytes);
    RdbLoadStats stats;
    Status s = LoadRdb(&src, &ks, {}, &stats);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    CHECK(Dump(ks) == rdbtest::ReadExpected("many_keys.expected"));
    CHECK(stats.keys_loaded == 1000);
    CHECK(stats.expired_skipped == 0);
    CHECK(ks.db(0).expires_count() == 334);
  }

  TEST_CASE("an empty server's dump has aux fields and no keys") {
    Collector c;
    RdbReadStats stats;
    REQUIRE(rdbtest::ReadAll(Fixture("empty.rdb"), &c, {}, &stats).ok());
    CHECK(c.keys.empty());
    CHECK(c.selects.empty());
    CHECK(stats.aux_fields == 5);
    CHECK(stats.checksum_verified);
  }

  TEST_CASE("Redis's hashes, lists, sets and zsets load") {
    struct Case {
      const char* file;
      const char* key;
      const char* type;
      const char* encoding;
    };
    for (Case c : {Case{"list.rdb", "mylist", "list", "quicklist"},
                   Case{"hash.rdb", "myhash", "hash", "listpack"},
                   Case{"set.rdb", "myset", "set", "hashtable"},
                   Case{"zset.rdb", "myzset", "zset", "listpack"}}) {
      CAPTURE(c.file);
      Collector col;
      Status s = rdbtest::ReadAll(Fixture(c.file), &col, {});
      REQUIRE_MESSAGE(s.ok(), s.message());
      REQUIRE(col.objects.size() == 1);
      CHECK(col.objects[0].key == c.key);
      CHECK(col.objects[0].type == c.type);
      CHECK(col.objects[0].encoding == c.encoding);
      CHECK(col.keys.size() == 1);  // and the string next to it
    }
  }

  TEST_CASE("a big HASH loads into a table sized for all its fields, no rehash pending") {
    // HASH: type 4, a 14-bit count, then field and value strings. Converting the empty
    // value to a table used to leave a 4-bucket array that the real size could not replace,
    // so every field went into a handful of chains.
    constexpr int kFields = 3000;
    std::string body = "\x04";
    body += static_cast<char>(0x40 | (kFields >> 8));
    body += static_cast<char>(kFields & 0xff);
    for (int i = 0; i < kFields; ++i) {
      const std::string f = "f" + std::to_string(i);
      body += static_cast<char>(f.size()) + f + "\x01v";
    }
    DumpedValue v;
    Status st = ReadDumpedValue(body, store::EncodingLimits{}, &v);
    REQUIRE_MESSAGE(st.ok(), st.message());
    auto* h = static_cast<store::HashValue*>(v.object.value.get());
    REQUIRE(h != nullptr);
    CHECK(h->size() == kFields);
    CHECK(h->table_bucket_count() >= kFields);
    CHECK_FALSE(h->table_rehashing());
    std::string_view value;
    CHECK(h->Get("f2999", &value));
  }

  TEST_CASE("a HASH_LISTPACK past hash-max-listpack-value loads as a table, integers too") {
    // The limit applies to an integer element's text: 123456 is 6 bytes.
    store::Listpack lp;
    for (const char* s : {"f", "123456", "g", "ab"}) lp.Append(s);
    std::string body(1, static_cast<char>(rdb::kTypeHashListpack));
    body += static_cast<char>(lp.bytes().size());
    body += lp.bytes();
    for (int max : {0, 2, 5, 6, 19, 64}) {
      CAPTURE(max);
      store::EncodingLimits limits;
      limits.hash_max_listpack_value = max;
      DumpedValue v;
      Status st = ReadDumpedValue(body, limits, &v);
      REQUIRE_MESSAGE(st.ok(), st.message());
      auto* h = static_cast<store::HashValue*>(v.object.value.get());
      CHECK(h->is_listpack() == (max >= 6));
      CHECK(h->size() == 2);
    }
  }

  TEST_CASE("HASH_LISTPACK blobs load in place; repeats, odd counts and bad bytes are refused") {
    auto body_of = [](const store::Listpack& lp) {
      std::string body(1, static_cast<char>(rdb::kTypeHashListpack));
      body += static_cast<char>(0x40 | (lp.bytes().size() >> 8));  // 14-bit length
      body += static_cast<char>(lp.bytes().size() & 0xff);
      body += lp.bytes();
      return body;
    };
    auto load = [&](const store::Listpack& lp, DumpedValue* v) {
      return ReadDumpedValue(body_of(lp), store::EncodingLimits{}, v);
    };
    store::Listpack good;
    for (const char* s : {"name", "ada", "7", "-9223372036854775808", "", "0", "x", ""}) {
      good.Append(s);
    }
    DumpedValue v;
    REQUIRE(load(good, &v).ok());
    auto* h = static_cast<store::HashValue*>(v.object.value.get());
    REQUIRE(h->is_listpack());
    std::vector<std::pair<std::string, std::string>> pairs;
    h->ForEach([&](std::string_view f, std::string_view val) { pairs.emplace_back(f, val); });
    CHECK(pairs == std::vector<std::pair<std::string, std::string>>{
                       {"name", "ada"}, {"7", "-9223372036854775808"}, {"", "0"}, {"x", ""}});

    // A field repeated as an integer and as its digits is the same field.
    store::Listpack repeated;
    for (const char* s : {"12", "a", "b", "c"}) repeated.Append(s);
    repeated.Append(std::string_view("12"));
    repeated.Append("d");
    DumpedValue r;
    Status st = load(repeated, &r);
    CHECK_MESSAGE(Contains(st, "duplicate fields in a hash listpack"), st.message());
    // Values may repeat.
    store::Listpack same_values;
    for (const char* s : {"a", "1", "b", "1"}) same_values.Append(s);
    DumpedValue sv;
    CHECK(load(same_values, &sv).ok());

    store::Listpack odd;
    for (const char* s : {"a", "1", "b"}) odd.Append(s);
    DumpedValue o;
    CHECK(Contains(load(odd, &o), "odd number of elements"));

    DumpedValue e;
    CHECK(load(store::Listpack(), &e).ok());
    CHECK(e.object.value == nullptr);  // an empty hash is skipped

    std::string bad = body_of(good);
    bad[bad.size() - 1] = 'x';  // the terminator
    DumpedValue b;
    CHECK(Contains(ReadDumpedValue(bad, store::EncodingLimits{}, &b), "invalid listpack"));
  }

  TEST_CASE("a function library (written by redis-server 7.0.15) reaches the visitor") {
    Collector c;
    Status s = rdbtest::ReadAll(Fixture("function.rdb"), &c, {});
    REQUIRE_MESSAGE(s.ok(), s.message());
    REQUIRE(c.functions.size() == 1);
    CHECK(c.functions[0] ==
          "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)");
    CHECK(c.keys.size() == 1);
    // A visitor that cannot keep functions stops the read.
    Collector refusing;
    refusing.accept_functions = false;
    CHECK(rdbtest::ReadAll(Fixture("function.rdb"), &refusing, {}).code() ==
          Status::Code::kNotSupported);
  }

  TEST_CASE("a function library of Redis 7.0's release candidates (opcode 0xf6) is rebuilt") {
    StreamBuilder b;
    b.Byte(rdb::kOpFunctionPreGa).Str("oldlib").Str("LUA").Byte(1).Str("a description");
    b.Str("redis.register_function('f', function() return 1 end)");
    b.Byte(rdb::kOpFunctionPreGa).Str("nodesc").Str("lua").Byte(0).Str("return");
    Collector c;
    Status s = rdbtest::ReadAll(b.Finish(), &c);
    REQUIRE_MESSAGE(s.ok(), s.message());
    REQUIRE(c.functions.size() == 2);
    CHECK(c.functions[0] ==
          "#!LUA name=oldlib\nredis.register_function('f', function() return 1 end)");
    CHECK(c.functions[1] == "#!lua name=nodesc\nreturn");
    // Cut inside each field: Redis's texts name the field.
    const std::string whole = StreamBuilder()
                                  .Byte(rdb::kOpFunctionPreGa)
                                  .Str("n")
                                  .Str("lua")
                                  .Byte(1)
                                  .Str("d")
                                  .Str("body")
                                  .Finish();
    std::vector<std::string> codes;
    CHECK(ReadFunctionPayload(whole.substr(9, whole.size() - 9 - 9), &codes).ok());
    CHECK(codes == std::vector<std::string>{"#!lua name=n\nbody"});
  }

  TEST_CASE("FUNCTION DUMP bodies: only function records, Redis's texts for the rest") {
    std::vector<std::string> codes;
    const std::string f5 = std::string("\xf5\x05") + "#!lua";
    CHECK(ReadFunctionPayload(f5 + f5, &codes).ok());
    CHECK(codes == std::vector<std::string>{"#!lua", "#!lua"});
    codes.clear();
    CHECK(ReadFunctionPayload("", &codes).ok());
    CHECK(codes.empty());
    CHECK(ReadFunctionPayload(std::string("\x00\x01k\x01v", 5), &codes).message() ==
          "given type is not a function");
    CHECK(ReadFunctionPayload(std::string("\xf5\x09#!lua"), &codes).message() ==
          "Failed loading library payload");
    CHECK(ReadFunctionPayload(std::string("\xf6\x01n"), &codes).message() ==
          "Failed loading engine name");
    CHECK(ReadFunctionPayload(std::string("\xf6\x01n\x03lua"), &codes).message() ==
          "Failed loading library description indicator");
    CHECK(ReadFunctionPayload(std::string("\xf6\x01n\x03lua\x01"), &codes).message() ==
          "Failed loading library description");
    CHECK(ReadFunctionPayload(std::string("\xf6\x01n\x03lua\x00", 8), &codes).message() ==
          "Failed loading library blob");
    CHECK(ReadFunctionPayload(std::string("\xf6"), &codes).message() ==
          "Failed loading library name");
  }

  TEST_CASE("EXPIRETIME in seconds, IDLE and FREQ are accepted") {
    StreamBuilder b;
    b.Byte(rdb::kOpSelectDb).Byte(3);
    b.Byte(rdb::kOpExpireTime).Le(1700000000, 4).Byte(0).Str("sec").Str("v1");
    b.Byte(rdb::kOpIdle).Byte(0x40).Byte(0x10).Byte(0).Str("idle").Str("v2");
    b.Byte(rdb::kOpFreq).Byte(200).Byte(0).Str("freq").Str("v3");
    b.Byte(rdb::kOpExpireTimeMs).Le(5, 8).Byte(rdb::kOpFreq).Byte(1).Byte(0).Str("both").Str("v4");
    Collector c;
    Status s = rdbtest::ReadAll(b.Finish(), &c);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    REQUIRE(c.keys.size() == 4);
    CHECK(c.keys[0] == Key{3, "sec", "v1", 1700000000000});
    CHECK(c.keys[1] == Key{3, "idle", "v2", -1});
    CHECK(c.keys[2] == Key{3, "freq", "v3", -1});
    CHECK(c.keys[3] == Key{3, "both", "v4", 5});
  }

  TEST_CASE("expire times before the epoch mean already expired, -1 means none") {
    StreamBuilder b;
    b.Byte(rdb::kOpExpireTimeMs).Le(static_cast<uint64_t>(-1), 8).Byte(0).Str("a").Str("1");
    b.Byte(rdb::kOpExpireTimeMs).Le(static_cast<uint64_t>(-5000), 8).Byte(0).Str("b").Str("2");
    Collector c;
    REQUIRE(rdbtest::ReadAll(b.Finish(), &c).ok());
    REQUIRE(c.keys.size() == 2);
    CHECK(c.keys[0].expire_at_ms == -1);
    CHECK(c.keys[1].expire_at_ms == 0);
  }

  TEST_CASE("unknown aux fields are passed on and otherwise ignored") {
    StreamBuilder b;
    b.Byte(rdb::kOpAux).Str("lua").Str("return 1");
    b.Byte(rdb::kOpAux).Str("future-field").Byte(0xc0).Byte(7);
    b.Byte(rdb::kOpAux).Str("AOF-PREAMBLE").Str("1");
    b.Byte(0).Str("k").Str("v");
    Collector c;
    RdbReadStats stats;
    REQUIRE(rdbtest::ReadAll(b.Finish(), &c, {}, &stats).ok());
    REQUIRE(c.aux.size() == 3);
    CHECK(c.aux[1] == std::pair<std::string, std::string>("future-field", "7"));
    CHECK(stats.aux.aof_base == 1);
    CHECK(c.keys.size() == 1);
  }

  TEST_CASE("old versions without a checksum load; version 11 is refused") {
    StreamBuilder v3("0003");
    v3.Byte(rdb::kOpSelectDb).Byte(0).Byte(0).Str("a").Str("b");
    Collector c;
    RdbReadStats stats;
    std::string old = v3.FinishWithoutChecksum(false);
    REQUIRE(rdbtest::ReadAll(old, &c, {}, &stats).ok());
    CHECK(stats.version == 3);
    CHECK(!stats.checksum_verified);
    CHECK(stats.bytes_read == old.size());
    CHECK(c.keys.size() == 1);

    Status s = rdbtest::ReadAll(StreamBuilder("0011").Finish(), &c);
    CHECK(s.code() == Status::Code::kNotSupported);
    CHECK_MESSAGE(Contains(s, "unsupported RDB version 11"), s.message());
    s = rdbtest::ReadAll(StreamBuilder("0000").Finish(), &c);
    CHECK(Contains(s, "unsupported RDB version 0"));
  }

  TEST_CASE("a zero checksum is not checked, as Redis does") {
    StreamBuilder b;
    b.Byte(0).Str("k").Str("v");
    Collector c;
    RdbReadStats stats;
    REQUIRE(rdbtest::ReadAll(b.FinishWithoutChecksum(true), &c, {}, &stats).ok());
    CHECK(!stats.checksum_verified);
  }

  TEST_CASE("wrong magic, bad version digits and truncated headers are corruption") {
    Collector c;
    Status s = rdbtest::ReadAll("RADIS0010\xff", &c);
    CHECK(s.IsCorruption());
    CHECK(Contains(s, "wrong signature"));
    s = rdbtest::ReadAll("hello", &c);
    CHECK(Contains(s, "wrong signature"));
    s = rdbtest::ReadAll("REDIS00x0", &c);
    CHECK(Contains(s, "wrong signature"));
    s = rdbtest::ReadAll("REDIS00", &c);
    CHECK(s.IsCorruption());
    CHECK_MESSAGE(Contains(s, "unexpected end of file at offset 7 (reading the header"),
                  s.message());
    s = rdbtest::ReadAll("", &c);
    CHECK(s.IsCorruption());
  }

  TEST_CASE("an unknown opcode is named with its offset") {
    StreamBuilder b;
    b.Byte(0x16);
    Collector c;
    Status s = rdbtest::ReadAll(b.Finish(), &c);
    CHECK(s.IsCorruption());
    CHECK_MESSAGE(s.message() == "unknown opcode 0x16 at offset 9", s.message());
    StreamBuilder b8;
    b8.Byte(0).Str("k").Str("v").Byte(8);
    s = rdbtest::ReadAll(b8.Finish(), &c);
    CHECK(s.message() == "unknown opcode 0x08 at offset 14");
  }

  TEST_CASE("module data is refused") {
    StreamBuilder b;
    b.Byte(rdb::kOpModuleAux).Le(0x1234, 8);
    Collector c;
    Status s = rdbtest::ReadAll(b.Finish(), &c);
    CHECK(s.code() == Status::Code::kNotSupported);
    CHECK(Contains(s, "MODULE_AUX at offset 9"));
  }

  TEST_CASE("bad length and string encodings are corruption") {
    Collector c;
    StreamBuilder len;
    len.Byte(0).Byte(0x82);
    Status s = rdbtest::ReadAll(len.Finish(), &c);
    CHECK(s.IsCorruption());
    CHECK_MESSAGE(Contains(s, "unknown length encoding 0x82 at offset 10"), s.message());
    StreamBuilder enc;
    enc.Byte(0).Str("k").Byte(0xc4);
    s = rdbtest::ReadAll(enc.Finish(), &c);
    CHECK_MESSAGE(Contains(s, "unknown string encoding 0xc4 at offset 12"), s.message());
  }

  TEST_CASE("broken LZF strings are corruption") {
    Collector c;
    // Back reference before any output.
    StreamBuilder bad;
    bad.Byte(0).Str("k").Byte(0xc3).Byte(2).Byte(10).Byte(0x20).Byte(0);
    Status s = rdbtest::ReadAll(bad.Finish(), &c);
    CHECK(s.IsCorruption());
    CHECK_MESSAGE(Contains(s, "invalid LZF data"), s.message());
    // Decodes to fewer bytes than the stated length.
    StreamBuilder short_out;
    short_out.Byte(0).Str("k").Byte(0xc3).Byte(2).Byte(5).Byte(0).Raw("a");
    s = rdbtest::ReadAll(short_out.Finish(), &c);
    CHECK(Contains(s, "invalid LZF data"));
    // An absurd stated length is refused before allocating it.
    StreamBuilder huge;
    huge.Byte(0)
        .Str("k")
        .Byte(0xc3)
        .Byte(2)
        .Byte(0x81)
        .Raw(std::string("\x00\x00\x01\x00\x00\x00\x00\x00", 8))
        .Byte(0)
        .Raw("a");
    s = rdbtest::ReadAll(huge.Finish(), &c);
    CHECK_MESSAGE(Contains(s, "claims 1099511627776 bytes from 2 compressed bytes"), s.message());
  }

  TEST_CASE("a huge string length fails at the end of the data without allocating it") {
    StreamBuilder b;
    b.Byte(0).Str("k").Byte(0x81).Raw(std::string("\x10\x00\x00\x00\x00\x00\x00\x00", 8));
    b.Raw("some bytes");
    std::string bytes = b.Finish();
    Collector c;
    Status s = rdbtest::ReadAll(bytes, &c);
    CHECK(s.IsCorruption());
    CHECK_MESSAGE(Contains(s, "unexpected end of file at offset " + std::to_string(bytes.size())),
                  s.message());
    // A source that does not know its size: read in chunks until the data runs out.
    rdbtest::TrickleSource trickle(bytes, 7);
    s = ReadRdb(&trickle, &c, {}, nullptr);
    CHECK(s.IsCorruption());
    CHECK(Contains(s, "unexpected end of file"));
  }

  TEST_CASE("SELECTDB beyond the configured databases is refused") {
    StreamBuilder b;
    b.Byte(rdb::kOpSelectDb).Byte(20).Byte(0).Str("k").Str("v");
    Collector c;
    RdbReaderOptions o;
    o.databases = 16;
    Status s = rdbtest::ReadAll(b.Finish(), &c, o);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(Contains(s, "selects database 20"));
    o.databases = 32;
    CHECK(rdbtest::ReadAll(b.Finish(), &c, o).ok());
  }

  TEST_CASE("progress is reported by bytes and once at the end; an error aborts the read") {
    std::string bytes = Fixture("many_keys.rdb");
    std::vector<std::pair<uint64_t, uint64_t>> calls;
    RdbReaderOptions o;
    o.progress_interval_bytes = 4096;
    o.progress = [&](uint64_t b, uint64_t k) {
      calls.emplace_back(b, k);
      return Status::Ok();
    };
    Collector c;
    REQUIRE(rdbtest::ReadAll(bytes, &c, o).ok());
    REQUIRE(calls.size() >= bytes.size() / 4096);
    CHECK(calls.back() == std::pair<uint64_t, uint64_t>(bytes.size(), 1000));
    for (size_t i = 1; i < calls.size(); ++i) CHECK(calls[i].first >= calls[i - 1].first);

    o.progress = [](uint64_t, uint64_t) { return Status::Busy("shutting down"); };
    Collector c2;
    Status s = rdbtest::ReadAll(bytes, &c2, o);
    CHECK(s.code() == Status::Code::kBusy);
    CHECK(c2.keys.size() < 1000);
  }

  TEST_CASE("the reader stops at the checksum and reports the RDB's exact size") {
    StreamBuilder b;
    b.Byte(0).Str("k").Str("v");
    std::string rdb = b.Finish();
    std::string with_tail = rdb + "*1\r\n$4\r\nPING\r\n";
    Collector c;
    RdbReadStats stats;
    REQUIRE(rdbtest::ReadAll(with_tail, &c, {}, &stats).ok());
    CHECK(stats.bytes_read == rdb.size());
  }

  TEST_CASE("LoadRdb drops keys already expired unless told to keep them") {
    StreamBuilder b;
    b.Byte(rdb::kOpExpireTimeMs).Le(1000, 8).Byte(0).Str("old").Str("1");
    b.Byte(rdb::kOpExpireTimeMs).Le(3000, 8).Byte(0).Str("new").Str("2");
    b.Byte(0).Str("forever").Str("3");
    std::string bytes = b.Finish();
    RdbLoadOptions o;
    o.now_ms = 2000;
    {
      store::Keyspace ks(16);
      StringSource src(bytes);
      RdbLoadStats stats;
      REQUIRE(LoadRdb(&src, &ks, o, &stats).ok());
      CHECK(stats.keys_loaded == 2);
      CHECK(stats.expired_skipped == 1);
      CHECK(stats.read.keys_read == 3);
      CHECK(ks.db(0).LookupRaw("old") == nullptr);
      REQUIRE(ks.db(0).LookupRaw("new") != nullptr);
      CHECK(ks.db(0).LookupRaw("new")->expire_at() == 3000);
    }
    {
      o.skip_expired = false;
      store::Keyspace ks(16);
      StringSource src(bytes);
      RdbLoadStats stats;
      REQUIRE(LoadRdb(&src, &ks, o, &stats).ok());
      CHECK(stats.keys_loaded == 3);
      CHECK(ks.db(0).LookupRaw("old") != nullptr);
    }
  }

  TEST_CASE("LoadRdb refuses duplicate keys and a keyspace that is not empty") {
    StreamBuilder b;
    b.Byte(0).Str("k").Str("1").Byte(0).Str("k").Str("2");
    store::Keyspace ks(16);
    std::string bytes = b.Finish();
    StringSource src(bytes);
    Status s = LoadRdb(&src, &ks, {}, nullptr);
    CHECK(s.IsCorruption());
    CHECK(s.message() == "duplicate key 'k' in database 0");

    StreamBuilder ok;
    ok.Byte(0).Str("x").Str("1");
    std::string ok_bytes = ok.Finish();
    StringSource src2(ok_bytes);
    s = LoadRdb(&src2, &ks, {}, nullptr);
    CHECK(s.code() == Status::Code::kInvalidArgument);
  }

  TEST_CASE("LoadRdb fills the same keyspace with and without its insert thread") {
    // Enough keys for many of the thread's batches, in three databases, with collections.
    StreamBuilder b;
    for (int db = 0; db < 3; ++db) {
      b.Byte(rdb::kOpSelectDb).Byte(static_cast<uint8_t>(db));
      b.Byte(rdb::kOpResizeDb).Byte(0x40 | 0x3f).Byte(0xff).Byte(0);
      for (int i = 0; i < 9000; ++i) {
        const std::string key = "k" + std::to_string(db) + ":" + std::to_string(i);
        if (i % 10 == 0) {
          store::Listpack lp;
          for (const std::string& s :
               {std::string("f"), std::to_string(i), std::string("g"), std::string("v")}) {
            lp.Append(s);
          }
          b.Byte(rdb::kTypeHashListpack).Str(key).Str(lp.bytes());
        } else {
          b.Byte(0).Str(key).Str("v" + std::to_string(i));
        }
      }
    }
    const std::string bytes = b.Finish();
    auto load = [&](bool thread, store::Keyspace* ks, RdbLoadStats* stats) {
      RdbLoadOptions o;
      o.insert_thread = thread;
      StringSource src(bytes);
      return LoadRdb(&src, ks, o, stats);
    };
    store::Keyspace inline_ks(16);
    store::Keyspace threaded_ks(16);
    RdbLoadStats inline_stats;
    RdbLoadStats threaded_stats;
    REQUIRE(load(false, &inline_ks, &inline_stats).ok());
    REQUIRE(load(true, &threaded_ks, &threaded_stats).ok());
    CHECK(inline_stats.keys_loaded == 27000);
    CHECK(threaded_stats.keys_loaded == 27000);
    for (int db = 0; db < 3; ++db) {
      CHECK(threaded_ks.db(db).size() == 9000);
      CHECK(inline_ks.db(db).size() == 9000);
    }
    const store::Entry* h = threaded_ks.db(2).LookupRaw("k2:8990");
    REQUIRE(h != nullptr);
    CHECK(h->type() == store::ValueType::kHash);
    const store::Entry* s = threaded_ks.db(1).LookupRaw("k1:8999");
    REQUIRE(s != nullptr);
    CHECK(s->string_value() == "v8999");
  }

  TEST_CASE("a duplicate key or a corrupt tail stops a threaded load; nothing leaks") {
    for (bool corrupt_tail : {false, true}) {
      CAPTURE(corrupt_tail);
      StreamBuilder b;
      for (int i = 0; i < 20000; ++i) b.Byte(0).Str("key" + std::to_string(i)).Str("v");
      if (corrupt_tail) {
        b.Byte(0).Str("last").Byte(0x80 | 0x3f);  // a length encoding that does not exist
      } else {
        b.Byte(0).Str("key17").Str("again");
      }
      for (int i = 0; i < 9000; ++i) b.Byte(0).Str("after" + std::to_string(i)).Str("v");
      const std::string bytes = b.Finish();
      store::Keyspace ks(16);
      StringSource src(bytes);
      RdbLoadOptions o;
      o.insert_thread = true;
      Status st = LoadRdb(&src, &ks, o, nullptr);
      REQUIRE(st.IsCorruption());
      if (!corrupt_tail) CHECK(st.message() == "duplicate key 'key17' in database 0");
    }
  }

  TEST_CASE("LoadRdb checks databases against the keyspace's count") {
    StreamBuilder b;
    b.Byte(rdb::kOpSelectDb).Byte(4).Byte(0).Str("k").Str("v");
    std::string bytes = b.Finish();
    store::Keyspace small(4);
    StringSource src(bytes);
    CHECK(LoadRdb(&src, &small, {}, nullptr).code() == Status::Code::kInvalidArgument);
    store::Keyspace big(5);
    StringSource src2(bytes);
    REQUIRE(LoadRdb(&src2, &big, {}, nullptr).ok());
    CHECK(big.db(4).LookupRaw("k") != nullptr);
  }

  TEST_CASE("keys with unprintable bytes are escaped in messages") {
    StreamBuilder b;
    b.Byte(rdb::kTypeListQuicklist2).Str(std::string("a\x01'", 3)).Raw("junk");
    Collector c;
    Status s = rdbtest::ReadAll(b.Finish(), &c);
    CHECK_MESSAGE(Contains(s, "key 'a\\x01\\x27' at offset 9: "), s.message());
  }
}
