// Sorted sets through the RDB codec: DUMP payloads byte-identical to redis-server 7.0.15's,
// every load type, the encoding rules on load, corrupt blobs refused, and the AOF rewrite.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/crc64.h"
#include "persistence/rdb_dump.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_reader.h"
#include "persistence/value_codec.h"
#include "protocol/command_encoder.h"
#include "store/entry.h"
#include "store/zset_value.h"
#include "unit/rdb_test_util.h"

using namespace basalt;
using namespace basalt::persistence;
using store::EncodingLimits;
using store::ZsetValue;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using rdbtest::Le;
using rdbtest::Payload;

// An RDB string of up to 63 bytes.
std::string Str(std::string_view s) { return static_cast<char>(s.size()) + std::string(s); }

std::string BinaryDouble(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return Le(bits, 8);
}

// redis-server 7.0.15's DUMP of ZADD zl 1 a 1.5 b -3 c 1e17 d inf e 0.1 j -inf i
// 4611686018427388928 h 42 member-longer-than-the-rest (a listpack), with rdbcompression off
// and on; and of ZADD sk 1 a 2.5 b -1 c -inf d 1e300 e -0.0 f with zset-max-listpack-entries 0.
constexpr std::string_view kListpackDump =
    "11408a8a0000001200816902842d696e6605816302dffd02816a0293302e313030303030303030303030303030"
    "303114816102010181620283312e35049b6d656d6265722d6c6f6e6765722d7468616e2d7468652d72657374"
    "1c2a01816402f400008a5d784563010981680296342e36313136383630313834323733383839652b31381781"
    "650283696e6604ff0a00cd17e15052da03f9";
constexpr std::string_view kListpackDumpCompressed =
    "11c34082408a1c8a0000001200816902842d696e6605816302dffd02816a0293302e3130e005001a31148161"
    "02010181620283312e35049b6d656d6265722d6c6f6e672006037468616e20041f652d726573741c2a018164"
    "02f400008a5d784563010981680296342e3631313614383630313834323733383839652b3138178165028320"
    "790104ff0a00d969d8e04c781d59";
constexpr std::string_view kTreeDump =
    "050601659c7500883ce4377e016200000000000004400161000000000000f03f01660000000000000080016300"
    "0000000000f0bf0164000000000000f0ff0a00c5792e16e104e256";

struct Pair {
  std::string member;
  double score;
};

std::unique_ptr<ZsetValue> Make(const std::vector<Pair>& pairs, const EncodingLimits& limits) {
  auto z = std::make_unique<ZsetValue>();
  for (const Pair& p : pairs) z->Set(p.member, p.score, limits);
  return z;
}

const std::vector<Pair> kListpackPairs = {{"a", 1},
                                          {"b", 1.5},
                                          {"c", -3},
                                          {"d", 1e17},
                                          {"e", kInf},
                                          {"j", 0.1},
                                          {"i", -kInf},
                                          {"h", 4611686018427388928.0},
                                          {"member-longer-than-the-rest", 42}};
const std::vector<Pair> kTreePairs = {{"a", 1},     {"b", 2.5},   {"c", -1},
                                      {"d", -kInf}, {"e", 1e300}, {"f", -0.0}};

std::string DumpOf(ZsetValue* z, bool compress) {
  store::Entry* e = store::Entry::NewObject("k", store::ValueType::kZSet, z, -1);
  std::string out = DumpFormatInstance().Dump(*e, compress);
  store::Entry::Destroy(e);
  return out;
}

// Restores a payload; the value (nullptr when refused).
std::unique_ptr<store::Entry, void (*)(store::Entry*)> Restore(const std::string& payload,
                                                               const EncodingLimits& limits) {
  store::Entry* e = nullptr;
  auto r = DumpFormatInstance().Restore(payload, "k", -1, limits, &e);
  if (r != cmd::DumpFormat::RestoreResult::kOk) e = nullptr;
  return {e, [](store::Entry* p) {
            if (p != nullptr) store::Entry::Destroy(p);
          }};
}

const ZsetValue& AsZset(const store::Entry& e) {
  REQUIRE(e.type() == store::ValueType::kZSet);
  return static_cast<const ZsetValue&>(*e.object());
}

std::vector<Pair> Contents(const ZsetValue& z) {
  std::vector<Pair> out;
  z.ForEach([&](std::string_view m, double s) { out.push_back({std::string(m), s}); });
  return out;
}

bool Same(const std::vector<Pair>& a, const std::vector<Pair>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].member != b[i].member || a[i].score != b[i].score) return false;
  }
  return true;
}

// A zset listpack blob as an RDB string (lengths < 16384), built from raw element texts.
std::string ListpackBody(uint8_t type, const std::vector<std::string>& texts) {
  store::Listpack lp;
  for (const std::string& t : texts) lp.Append(t);
  std::string blob(lp.bytes());
  std::string len = blob.size() < 64 ? std::string(1, static_cast<char>(blob.size()))
                                     : std::string{static_cast<char>(0x40 | (blob.size() >> 8)),
                                                   static_cast<char>(blob.size() & 0xff)};
  return std::string(1, static_cast<char>(type)) + len + blob;
}

}  // namespace

TEST_SUITE("zset codec") {
  TEST_CASE("DUMP of a listpack zset is byte-identical to Redis 7.0's, compressed or not") {
    EncodingLimits limits;
    CHECK(DumpOf(Make(kListpackPairs, limits).release(), false) == rdbtest::FromHex(kListpackDump));
    CHECK(DumpOf(Make(kListpackPairs, limits).release(), true) ==
          rdbtest::FromHex(kListpackDumpCompressed));
  }

  TEST_CASE("DUMP of a tree zset is ZSET_2 from the highest element down, as Redis writes it") {
    EncodingLimits limits;
    limits.zset_max_listpack_entries = 0;
    auto z = Make(kTreePairs, limits);
    REQUIRE_FALSE(z->is_listpack());
    CHECK(DumpOf(z.release(), false) == rdbtest::FromHex(kTreeDump));
  }

  TEST_CASE("Redis's payloads restore with their contents and Redis's encodings") {
    EncodingLimits limits;
    auto lp = Restore(rdbtest::FromHex(kListpackDumpCompressed), limits);
    REQUIRE(lp != nullptr);
    CHECK(AsZset(*lp).is_listpack());
    CHECK(Same(Contents(AsZset(*lp)), Contents(*Make(kListpackPairs, limits))));
    // A small ZSET_2 comes back as a listpack, keeping -0.0's sign bit out of it (as Redis).
    auto tree = Restore(rdbtest::FromHex(kTreeDump), limits);
    REQUIRE(tree != nullptr);
    CHECK(AsZset(*tree).is_listpack());
    CHECK(Same(Contents(AsZset(*tree)), Contents(*Make(kTreePairs, limits))));
    // With the limits lowered, the same payloads load as trees.
    limits.zset_max_listpack_entries = 5;
    auto big_lp = Restore(rdbtest::FromHex(kListpackDump), limits);
    REQUIRE(big_lp != nullptr);
    CHECK_FALSE(AsZset(*big_lp).is_listpack());
    CHECK(AsZset(*big_lp).CheckInvariants());
    auto big_tree = Restore(rdbtest::FromHex(kTreeDump), limits);
    REQUIRE(big_tree != nullptr);
    CHECK_FALSE(AsZset(*big_tree).is_listpack());
    // A tree keeps the scores exactly, -0.0 included, and dumps back to Redis's bytes.
    double s = 1;
    CHECK(AsZset(*big_tree).Score("f", &s));
    CHECK(std::signbit(s));
    CHECK(DumpOf(static_cast<ZsetValue*>(AsZset(*big_tree).Clone()), false) ==
          rdbtest::FromHex(kTreeDump));
  }

  TEST_CASE("member length decides on ZSET_2 load, not on listpack load (as Redis 7.0)") {
    EncodingLimits limits;
    limits.zset_max_listpack_value = 3;
    auto lp = Restore(rdbtest::FromHex(kListpackDump), limits);
    REQUIRE(lp != nullptr);
    CHECK(AsZset(*lp).is_listpack());
    std::string body = "\x05\x02" + Str("abcd") + BinaryDouble(1) + Str("a") + BinaryDouble(0);
    auto tree = Restore(Payload(body), limits);
    REQUIRE(tree != nullptr);
    CHECK_FALSE(AsZset(*tree).is_listpack());
    limits.zset_max_listpack_value = 4;
    auto small = Restore(Payload(body), limits);
    REQUIRE(small != nullptr);
    CHECK(AsZset(*small).is_listpack());
  }

  TEST_CASE("ZSET with text scores and ZSET_ZIPLIST load") {
    EncodingLimits limits;
    std::string zset = "\x03\x04" + Str("a") + Str("1.5") + Str("b") + "\xfe" + Str("c") + "\xff" +
                       Str("d") + Str("-2");
    auto z = Restore(Payload(zset), limits);
    REQUIRE(z != nullptr);
    CHECK(AsZset(*z).is_listpack());
    CHECK(Same(Contents(AsZset(*z)), {{"c", -kInf}, {"d", -2}, {"a", 1.5}, {"b", kInf}}));
    // 253 is NaN: refused.
    std::string nan = "\x03\x01" + Str("a") + "\xfd";
    CHECK(Restore(Payload(nan), limits) == nullptr);

    // A ziplist: [zlbytes][zltail][zllen] entries [prevlen][encoding][data], 0xFF.
    std::vector<std::string> entries = {"\x01m", "\xf2", "\x01n",
                                        "\x03"
                                        "2.5"};
    std::string zl;
    std::vector<size_t> offsets;
    size_t prev = 0;
    for (const std::string& e : entries) {
      offsets.push_back(10 + zl.size());
      zl += static_cast<char>(prev);
      zl += e;
      prev = e.size() + 1;
    }
    const std::string head = Le(10 + zl.size() + 1, 4) + Le(offsets.back(), 4) + Le(4, 2);
    std::string blob = head + zl + "\xff";
    std::string body = "\x0c" + Str(blob);
    auto fromzl = Restore(Payload(body), limits);
    REQUIRE(fromzl != nullptr);
    CHECK(AsZset(*fromzl).is_listpack());
    CHECK(Same(Contents(AsZset(*fromzl)), {{"m", 1}, {"n", 2.5}}));
  }

  TEST_CASE("corrupt zset listpacks are refused, never adopted") {
    EncodingLimits limits;
    auto refused = [&](const std::vector<std::string>& texts) {
      return Restore(Payload(ListpackBody(rdb::kTypeZSetListpack, texts)), limits) == nullptr;
    };
    CHECK_FALSE(refused({"a", "1", "b", "2"}));
    CHECK(refused({"a", "1", "b"}));                 // odd
    CHECK(refused({"b", "2", "a", "1"}));            // scores out of order
    CHECK(refused({"b", "1", "a", "1"}));            // members out of order
    CHECK(refused({"a", "1", "a", "2"}));            // repeated member
    CHECK(refused({"a", "1", "b", "2", "a", "3"}));  // repeated, not adjacent
    CHECK(refused({"a", "nan"}));
    CHECK(refused({"a", "1x"}));
    CHECK(refused({"a", " 1"}));
    CHECK(refused({"a", ""}));
    // An empty listpack is an empty key: skipped, not an error (the load reports no value).
    DumpedValue v;
    std::string empty = ListpackBody(rdb::kTypeZSetListpack, {});
    CHECK(ReadDumpedValue(empty, limits, &v).ok());
    CHECK(v.object.value == nullptr);
    // Broken bytes inside a valid RDB string.
    std::string body = ListpackBody(rdb::kTypeZSetListpack, {"a", "1", "b", "2"});
    body[body.size() - 2] = '\x05';  // the last element's backlen
    CHECK(Restore(Payload(body), limits) == nullptr);
  }

  TEST_CASE("ZSET_2 with a repeated member or a NaN score is refused") {
    EncodingLimits limits;
    std::string dup = "\x05\x02" + Str("a") + BinaryDouble(1) + Str("a") + BinaryDouble(2);
    CHECK(Restore(Payload(dup), limits) == nullptr);
    std::string nan =
        "\x05\x01" + Str("a") + BinaryDouble(std::numeric_limits<double>::quiet_NaN());
    CHECK(Restore(Payload(nan), limits) == nullptr);
    std::string huge = "\x05\x80\x10\x00\x00\x00" + Str("a") + BinaryDouble(1);
    CHECK(Restore(Payload(huge), limits) == nullptr);
  }

  TEST_CASE("every truncation of a zset body is an error, never a crash") {
    EncodingLimits limits;
    limits.zset_max_listpack_entries = 0;
    for (std::string_view hex : {kListpackDump, kListpackDumpCompressed, kTreeDump}) {
      const std::string payload = rdbtest::FromHex(hex);
      const std::string body = payload.substr(0, payload.size() - 10);
      for (size_t cut = 0; cut < body.size(); ++cut) {
        DumpedValue v;
        CHECK_FALSE(ReadDumpedValue(body.substr(0, cut), limits, &v).ok());
      }
      DumpedValue v;
      CHECK(ReadDumpedValue(body, limits, &v).ok());
    }
  }

  TEST_CASE("a corrupt zset in an RDB file is refused with the key named") {
    std::string file = "REDIS0010";
    file += std::string("\xfe\x00", 2);  // SELECTDB 0
    file += ListpackBody(rdb::kTypeZSetListpack, {"b", "2", "a", "1"}).insert(1, Str("myzset"));
    file += "\xff" + Le(0, 8);
    rdbtest::Collector col;
    Status s = rdbtest::ReadAll(file, &col, {});
    CHECK_FALSE(s.ok());
    CHECK_MESSAGE(s.message().find("key 'myzset' at offset") != std::string::npos, s.message());
  }

  TEST_CASE("the AOF rewrite emits ZADD in batches of 64, scores as %.17g") {
    for (int64_t entries : {128, 0}) {
      EncodingLimits limits;
      limits.zset_max_listpack_entries = entries;
      auto z = std::make_unique<ZsetValue>();
      for (int i = 0; i < 150; ++i) z->Set("m" + std::to_string(1000 + i), i + 0.1, limits);
      z->Set("m0999", -kInf, limits);
      store::Entry* e = store::Entry::NewObject("key", store::ValueType::kZSet, z.release(), -1);
      std::string out;
      int flushes = 0;
      REQUIRE(AppendRewriteCommands(*e, out, [&] {
                ++flushes;
                return Status::Ok();
              }).ok());
      store::Entry::Destroy(e);
      CHECK(flushes == 3);
      std::string want;
      std::vector<std::string> items = {"-inf", "m0999"};
      for (int i = 0; i < 150; ++i) {
        char buf[40];
        std::snprintf(buf, sizeof(buf), "%.17g", i + 0.1);
        items.push_back(buf);
        items.push_back("m" + std::to_string(1000 + i));
      }
      for (size_t at = 0; at < items.size(); at += 128) {
        std::vector<std::string_view> argv = {"ZADD", "key"};
        for (size_t i = at; i < std::min(items.size(), at + 128); ++i) argv.push_back(items[i]);
        protocol::AppendCommand(want, argv);
      }
      CHECK(out == want);
    }
  }
}
