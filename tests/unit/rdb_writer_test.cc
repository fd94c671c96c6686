#include "persistence/rdb_writer.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "persistence/rdb_format.h"
#include "store/entry.h"
#include "store/hash_ref.h"
#include "store/hash_value.h"
#include "store/listpack.h"
#include "unit/rdb_test_util.h"

using namespace basalt;
using namespace basalt::persistence;
using basalt::rdbtest::Collector;

namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

RdbAuxFields TinyAux() {
  RdbAuxFields aux;
  aux.ctime = 1700000000;
  aux.used_mem = 1000000;
  return aux;
}

// The header Redis 7.0.15 writes for TinyAux(), byte by byte.
std::string TinyHeaderBytes() {
  std::string h = "REDIS0010";
  h += "\xfa\x09redis-ver\x06"
       "7.0.15";
  h += "\xfa\x0aredis-bits" + Bytes({0xc0, 64});
  h += "\xfa\x05"
       "ctime" +
       Bytes({0xc2, 0x00, 0xf1, 0x53, 0x65});
  h += "\xfa\x08used-mem" + Bytes({0xc2, 0x40, 0x42, 0x0f, 0x00});
  h += "\xfa\x08"
       "aof-base" +
       Bytes({0xc0, 0x00});
  return h;
}

std::string WriteStrings(const std::vector<rdbtest::Key>& keys, RdbWriterOptions options = {}) {
  std::string out;
  StringSink sink(&out);
  RdbWriter w(&sink, options);
  REQUIRE(w.WriteHeader(TinyAux()).ok());
  int db = -1;
  for (const auto& k : keys) {
    if (k.db != db) {
      db = k.db;
      REQUIRE(w.BeginDatabase(db, keys.size(), 0).ok());
    }
    REQUIRE(w.WriteString(k.key, k.value, k.expire_at_ms).ok());
  }
  REQUIRE(w.Finish().ok());
  CHECK(w.bytes_written() == out.size());
  return out;
}

// The encoded form of `s` as the only value in a stream: what follows type + key "k".
std::string EncodedValue(const std::string& s, bool compression = true) {
  RdbWriterOptions o;
  o.compression = compression;
  std::string out = WriteStrings({{0, "k", s, -1}}, o);
  std::string prefix = TinyHeaderBytes() + Bytes({0xfe, 0, 0xfb, 1, 0, 0x00, 1, 'k'});
  REQUIRE(out.substr(0, prefix.size()) == prefix);
  return out.substr(prefix.size(), out.size() - prefix.size() - 9);
}

}  // namespace

TEST_SUITE("rdb writer") {
  TEST_CASE("a tiny dataset is written byte for byte as Redis would") {
    std::string out;
    StringSink sink(&out);
    RdbWriter w(&sink, {});
    REQUIRE(w.WriteHeader(TinyAux()).ok());
    REQUIRE(w.BeginDatabase(0, 2, 1).ok());
    REQUIRE(w.WriteString("k", "v", 1700000000123).ok());
    REQUIRE(w.WriteString("foo", "300", -1).ok());
    REQUIRE(w.Finish().ok());

    std::string body = TinyHeaderBytes();
    body += Bytes({0xfe, 0x00, 0xfb, 0x02, 0x01});
    body += Bytes({0xfc, 0x7b, 0x68, 0xe5, 0xcf, 0x8b, 0x01, 0x00, 0x00});
    body += Bytes({0x00, 0x01, 'k', 0x01, 'v'});
    body += Bytes({0x00, 0x03, 'f', 'o', 'o', 0xc1, 0x2c, 0x01});
    body += Bytes({0xff});
    uint64_t crc = Crc64(0, body);
    std::string expected = body;
    for (int i = 0; i < 8; ++i) expected += static_cast<char>(crc >> (8 * i));
    CHECK(out == expected);
    CHECK(w.keys_written() == 2);
  }

  TEST_CASE("with checksums off the trailer is eight zero bytes") {
    RdbWriterOptions o;
    o.checksum = false;
    std::string out = WriteStrings({{0, "a", "b", -1}}, o);
    CHECK(out.substr(out.size() - 9) == Bytes({0xff, 0, 0, 0, 0, 0, 0, 0, 0}));
  }

  TEST_CASE("replication aux fields follow used-mem in Redis's order") {
    std::string out;
    StringSink sink(&out);
    RdbWriter w(&sink, {});
    RdbAuxFields aux = TinyAux();
    aux.replication = RdbAuxFields::Replication{3, std::string(40, 'a'), 1234};
    aux.aof_base = true;
    REQUIRE(w.WriteHeader(aux).ok());
    REQUIRE(w.Finish().ok());
    Collector c;
    RdbReadStats stats;
    REQUIRE(rdbtest::ReadAll(out, &c, {}, &stats).ok());
    REQUIRE(c.aux.size() == 8);
    CHECK(c.aux[4] == std::pair<std::string, std::string>("repl-stream-db", "3"));
    CHECK(c.aux[5].first == "repl-id");
    CHECK(c.aux[6] == std::pair<std::string, std::string>("repl-offset", "1234"));
    CHECK(c.aux[7] == std::pair<std::string, std::string>("aof-base", "1"));
    CHECK(stats.aux.repl_id == std::string(40, 'a'));
    CHECK(stats.aux.repl_offset == 1234);
    CHECK(stats.aux.repl_stream_db == 3);
    CHECK(stats.aux.aof_base == 1);
    CHECK(stats.aux.ctime == 1700000000);
    CHECK(stats.aux.redis_ver == "7.0.15");
  }

  TEST_CASE("canonical integers that fit 32 bits use the smallest integer encoding") {
    CHECK(EncodedValue("0") == Bytes({0xc0, 0x00}));
    CHECK(EncodedValue("-1") == Bytes({0xc0, 0xff}));
    CHECK(EncodedValue("127") == Bytes({0xc0, 0x7f}));
    CHECK(EncodedValue("-128") == Bytes({0xc0, 0x80}));
    CHECK(EncodedValue("128") == Bytes({0xc1, 0x80, 0x00}));
    CHECK(EncodedValue("-129") == Bytes({0xc1, 0x7f, 0xff}));
    CHECK(EncodedValue("12345") == Bytes({0xc1, 0x39, 0x30}));
    CHECK(EncodedValue("32767") == Bytes({0xc1, 0xff, 0x7f}));
    CHECK(EncodedValue("32768") == Bytes({0xc2, 0x00, 0x80, 0x00, 0x00}));
    CHECK(EncodedValue("-32769") == Bytes({0xc2, 0xff, 0x7f, 0xff, 0xff}));
    CHECK(EncodedValue("2147483647") == Bytes({0xc2, 0xff, 0xff, 0xff, 0x7f}));
    CHECK(EncodedValue("-2147483648") == Bytes({0xc2, 0x00, 0x00, 0x00, 0x80}));
  }

  TEST_CASE("integers beyond 32 bits and non-canonical numbers stay raw") {
    CHECK(EncodedValue("2147483648") ==
          "\x0a"
          "2147483648");
    CHECK(EncodedValue("-2147483649") == "\x0b-2147483649");
    CHECK(EncodedValue("4294967296") ==
          "\x0a"
          "4294967296");
    CHECK(EncodedValue("007") ==
          "\x03"
          "007");
    CHECK(EncodedValue("-0") == "\x02-0");
    CHECK(EncodedValue("+1") == "\x02+1");
    CHECK(EncodedValue(" 1") == "\x02 1");
    CHECK(EncodedValue("") == std::string(1, '\0'));
  }

  TEST_CASE("integer-looking keys are integer-encoded too") {
    std::string out = WriteStrings({{0, "12345", "v", -1}});
    std::string want = Bytes({0x00, 0xc1, 0x39, 0x30, 0x01, 'v'});
    CHECK(out.find(want) != std::string::npos);
  }

  TEST_CASE("lengths use the 6-bit, 14-bit and 32-bit forms at their boundaries") {
    CHECK(EncodedValue(std::string(63, 'x'), false).substr(0, 1) == Bytes({63}));
    CHECK(EncodedValue(std::string(64, 'x'), false).substr(0, 2) == Bytes({0x40, 0x40}));
    CHECK(EncodedValue(std::string(16383, 'x'), false).substr(0, 2) == Bytes({0x7f, 0xff}));
    CHECK(EncodedValue(std::string(16384, 'x'), false).substr(0, 5) ==
          Bytes({0x80, 0x00, 0x00, 0x40, 0x00}));
  }

  TEST_CASE("strings over 20 bytes are LZF-compressed only when that saves 4 bytes") {
    CHECK(EncodedValue(std::string(20, 'x')) == "\x14" + std::string(20, 'x'));
    std::string v = EncodedValue(std::string(21, 'x'));
    CHECK(static_cast<uint8_t>(v[0]) == 0xc3);
    CHECK(static_cast<uint8_t>(v[2]) == 21);  // original length after the compressed one
    std::string random = rdbtest::LcgBytes(1, 300);
    CHECK(EncodedValue(random) == "\x41\x2c" + random);  // 300 as a 14-bit length
    CHECK(EncodedValue(std::string(21, 'x'), false) == "\x15" + std::string(21, 'x'));
  }

  TEST_CASE("a small hash is written as HASH_LISTPACK holding Redis's listpack bytes") {
    auto* h = new store::HashValue();
    h->Set("f1", "v1", {});
    h->Set("f2", "12", {});
    store::Entry* e = store::Entry::NewObject("myhash", store::ValueType::kHash, h, -1);
    std::string out;
    StringSink sink(&out);
    RdbWriter w(&sink, {.compression = false});
    REQUIRE(w.WriteValue(*e).ok());
    REQUIRE(w.FlushBuffered().ok());
    // The entry keeps a small hash in its compact block (h is gone); the file gets the
    // listpack Redis would hold, "12" as an integer.
    REQUIRE(e->encoding() == store::Encoding::kCompact);
    store::Listpack expected;
    for (const char* s : {"f1", "v1", "f2", "12"}) expected.Append(s);
    REQUIRE(expected.Get(expected.Seek(3)).is_int);
    const std::string block(expected.bytes());
    REQUIRE(out.size() == 2 + block.size());
    CHECK(static_cast<uint8_t>(out[0]) == rdb::kTypeHashListpack);
    CHECK(static_cast<uint8_t>(out[1]) == block.size());  // a 6-bit length
    CHECK(out.substr(2) == block);
    store::Entry::Destroy(e);
  }

  TEST_CASE("WriteEntry writes a string entry with its TTL") {
    store::Entry* plain = store::Entry::NewString("a", "1", -1);
    store::Entry* ttl = store::Entry::NewString("b", std::string(500, 'y'), 1234567);
    std::string out;
    StringSink sink(&out);
    RdbWriter w(&sink, {});
    REQUIRE(w.WriteHeader(TinyAux()).ok());
    REQUIRE(w.BeginDatabase(2, 2, 1).ok());
    REQUIRE(w.WriteEntry(*plain).ok());
    REQUIRE(w.WriteEntry(*ttl).ok());
    REQUIRE(w.Finish().ok());
    Collector c;
    RdbReaderOptions opts;
    REQUIRE(rdbtest::ReadAll(out, &c, opts).ok());
    REQUIRE(c.keys.size() == 2);
    CHECK(c.keys[0] == rdbtest::Key{2, "a", "1", -1});
    CHECK(c.keys[1] == rdbtest::Key{2, "b", std::string(500, 'y'), 1234567});
    store::Entry::Destroy(plain);
    store::Entry::Destroy(ttl);
  }

  TEST_CASE("calls after Finish are refused") {
    std::string out;
    StringSink sink(&out);
    RdbWriter w(&sink, {});
    REQUIRE(w.WriteHeader(TinyAux()).ok());
    REQUIRE(w.Finish().ok());
    CHECK(!w.WriteString("k", "v", -1).ok());
    CHECK(!w.Finish().ok());
  }

  TEST_CASE("a sink error is sticky and reported by later calls") {
    struct FailingSink : ByteSink {
      Status Append(std::string_view data) override {
        if (++calls > 1) return Status::IoError("disk full");
        n += data.size();
        return Status::Ok();
      }
      Status Flush() override { return Status::Ok(); }
      uint64_t bytes_written() const override { return n; }
      int calls = 0;
      uint64_t n = 0;
    } sink;
    RdbWriterOptions o;
    o.buffer_size = 64;
    RdbWriter w(&sink, o);
    REQUIRE(w.WriteHeader(TinyAux()).ok());
    Status s;
    for (int i = 0; i < 100 && s.ok(); ++i) s = w.WriteString("key", std::string(50, 'v'), -1);
    CHECK(s.code() == Status::Code::kIoError);
    CHECK(w.Finish().code() == Status::Code::kIoError);
  }

  TEST_CASE("a file written through FileSink reads back the same") {
    auto path = std::filesystem::temp_directory_path() /
                ("basalt-rdb-writer-test-" + std::to_string(::getpid()) + ".rdb");
    std::unique_ptr<FileSink> sink;
    REQUIRE(FileSink::Open(path.string(), FileSink::Mode::kTruncate, &sink).ok());
    RdbWriter w(sink.get(), {});
    REQUIRE(w.WriteHeader(TinyAux()).ok());
    REQUIRE(w.BeginDatabase(0, 1000, 0).ok());
    for (int i = 0; i < 1000; ++i) {
      REQUIRE(w.WriteString("key:" + std::to_string(i), std::string(i, 'v'), -1).ok());
    }
    REQUIRE(w.Finish().ok());
    REQUIRE(sink->Sync().ok());
    REQUIRE(sink->Close().ok());
    CHECK(std::filesystem::file_size(path) == w.bytes_written());

    std::unique_ptr<FileSource> src;
    REQUIRE(FileSource::Open(path.string(), &src).ok());
    CHECK(src->size() == static_cast<int64_t>(w.bytes_written()));
    Collector c;
    RdbReadStats stats;
    REQUIRE(ReadRdb(src.get(), &c, {}, &stats).ok());
    CHECK(c.keys.size() == 1000);
    CHECK(stats.checksum_verified);
    CHECK(c.keys[999].value == std::string(999, 'v'));
    std::filesystem::remove(path);
  }

  TEST_CASE("under LRU / LFU a key's access record goes before it, as Redis writes it") {
    const int64_t now = 1'700'000'000'000;
    store::Entry::SetAccessFieldForNewEntries(true);
    store::Entry* idle = store::Entry::NewString("idle", "v", now + 60'000);
    idle->set_access(store::access::LruClock(now - 1000 * 1000));
    store::Entry* plain = store::Entry::NewString("plain", "v", -1);
    store::Entry::SetAccessFieldForNewEntries(false);
    store::Entry* untracked = store::Entry::NewString("untracked", "v", -1);
    auto write = [&](store::AccessMode mode, uint32_t field) {
      plain->set_access(field);
      RdbWriterOptions o;
      o.access_mode = mode;
      o.access_now_ms = now;
      std::string out;
      StringSink sink(&out);
      RdbWriter w(&sink, o);
      REQUIRE(w.WriteHeader(TinyAux()).ok());
      REQUIRE(w.BeginDatabase(0, 3, 1).ok());
      for (const store::Entry* e : {idle, plain, untracked}) REQUIRE(w.WriteEntry(*e).ok());
      REQUIRE(w.Finish().ok());
      return out;
    };
    // LRU: EXPIRETIME_MS first, then IDLE (0xF8, seconds as a length), then the key.
    const std::string lru = write(store::AccessMode::kLru, store::access::LruClock(now));
    const std::string idle_item = Bytes({0xf8, 0x43, 0xe8}) + Bytes({0x00, 4}) + "idle";
    CHECK(lru.find(idle_item) != std::string::npos);
    rdbtest::Collector c;
    StringSource src(lru);
    REQUIRE(ReadRdb(&src, &c, {}, nullptr).ok());
    CHECK(c.hints == std::vector<std::string>{"idle=1000", "idle=0"});
    CHECK(c.keys.size() == 3);
    // LFU: FREQ (0xF9, one byte: the counter after decay).
    const std::string lfu =
        write(store::AccessMode::kLfu, (store::access::LfuNew(now) & ~0xFFu) | 9);
    rdbtest::Collector d;
    StringSource src2(lfu);
    REQUIRE(ReadRdb(&src2, &d, {}, nullptr).ok());
    REQUIRE(d.hints.size() == 2);
    CHECK(d.hints[1] == "freq=9");
    // No policy that tracks: nothing before the keys.
    rdbtest::Collector e;
    const std::string none = write(store::AccessMode::kNone, 0);
    StringSource src3(none);
    REQUIRE(ReadRdb(&src3, &e, {}, nullptr).ok());
    CHECK(e.hints.empty());
    store::Entry::Destroy(idle);
    store::Entry::Destroy(plain);
    store::Entry::Destroy(untracked);
  }
}
