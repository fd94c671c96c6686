// Helpers shared by the RDB reader/writer tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/crc64.h"
#include "persistence/byte_io.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_reader.h"

namespace basalt::rdbtest {

// `v` as `bytes` little-endian bytes.
inline std::string Le(uint64_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// A value (type byte first) made into a DUMP payload: RDB version 10 and CRC-64.
inline std::string Payload(std::string body) {
  body += Le(persistence::rdb::kVersion, 2);
  body += Le(Crc64(0, body), 8);
  return body;
}

struct Key {
  int db = 0;
  std::string key;
  std::string value;
  int64_t expire_at_ms = -1;
  auto Tie() const { return std::tie(db, key, value, expire_at_ms); }
  bool operator==(const Key& o) const { return Tie() == o.Tie(); }
  bool operator<(const Key& o) const { return Tie() < o.Tie(); }
};

inline std::ostream& operator<<(std::ostream& os, const Key& k) {
  return os << "{db " << k.db << ", key of " << k.key.size() << " bytes '" << k.key.substr(0, 40)
            << "', value of " << k.value.size() << " bytes, expire " << k.expire_at_ms << "}";
}

// Records everything a stream reports.
class Collector : public persistence::RdbVisitor {
 public:
  Status OnAux(std::string_view field, std::string_view value) override {
    aux.emplace_back(std::string(field), std::string(value));
    return Status::Ok();
  }
  Status OnSelectDb(int db) override {
    selects.push_back(db);
    return Status::Ok();
  }
  Status OnResizeDb(int db, uint64_t keys_hint, uint64_t expires_hint) override {
    resizes.emplace_back(db, keys_hint, expires_hint);
    return Status::Ok();
  }
  Status OnString(int db, std::string_view key, std::string_view value,
                  int64_t expire_at_ms) override {
    keys.push_back({db, std::string(key), std::string(value), expire_at_ms});
    return Status::Ok();
  }
  Status OnFunctionLibrary(std::string_view code) override {
    if (!accept_functions) return RdbVisitor::OnFunctionLibrary(code);
    functions.emplace_back(code);
    return Status::Ok();
  }
  // Access hints as "idle=<s>" / "freq=<n>", in stream order.
  void OnAccessHint(int64_t idle_seconds, int64_t lfu_freq) override {
    hints.push_back(idle_seconds >= 0 ? "idle=" + std::to_string(idle_seconds)
                                      : "freq=" + std::to_string(lfu_freq));
  }
  // Collections are recorded as (key, TYPE name, OBJECT ENCODING name).
  Status OnObject(int db, std::string_view key, store::ValueType type,
                  std::unique_ptr<store::CompositeValue> value, int64_t expire_at_ms) override {
    objects.push_back(
        {std::string(key), std::string(store::TypeName(type)), std::string(value->EncodingName())});
    return Status::Ok();
  }
  std::vector<Key> Sorted() const {
    std::vector<Key> k = keys;
    std::sort(k.begin(), k.end());
    return k;
  }

  std::vector<std::pair<std::string, std::string>> aux;
  bool accept_functions = true;
  std::vector<std::string> functions;
  std::vector<std::string> hints;
  std::vector<int> selects;
  std::vector<std::tuple<int, uint64_t, uint64_t>> resizes;
  std::vector<Key> keys;
  struct Object {
    std::string key;
    std::string type;
    std::string encoding;
  };
  std::vector<Object> objects;
};

// Hands out at most `step` bytes per Read and does not know its size: exercises every refill
// path of a reader.
class TrickleSource : public persistence::ByteSource {
 public:
  TrickleSource(std::string_view data, size_t step) : data_(data), step_(step) {}
  Status Read(char* buf, size_t n, size_t* got) override {
    size_t k = std::min({n, step_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, k, buf);
    pos_ += k;
    *got = k;
    return Status::Ok();
  }

 private:
  std::string_view data_;
  size_t step_;
  size_t pos_ = 0;
};

inline Status ReadAll(std::string_view bytes, Collector* c,
                      persistence::RdbReaderOptions options = {},
                      persistence::RdbReadStats* stats = nullptr) {
  persistence::StringSource src(bytes);
  return persistence::ReadRdb(&src, c, options, stats);
}

inline std::filesystem::path DataDir() {
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "data";
}

inline std::string ReadFileBytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string FromHex(std::string_view hex) {
  if (hex == "-") return "";
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// Parses a fixture's ".expected" listing (see tests/data/README.md).
inline std::vector<Key> ReadExpected(const std::string& name) {
  std::ifstream in(DataDir() / name);
  std::vector<Key> keys;
  Key k;
  std::string key_hex;
  std::string value_hex;
  while (in >> k.db >> key_hex >> value_hex >> k.expire_at_ms) {
    k.key = FromHex(key_hex);
    k.value = FromHex(value_hex);
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// An RDB stream built by hand, for inputs the writer would never produce.
class StreamBuilder {
 public:
  explicit StreamBuilder(std::string_view version = "0010") {
    bytes_ = "REDIS";
    bytes_ += version;
  }
  StreamBuilder& Raw(std::string_view b) {
    bytes_ += b;
    return *this;
  }
  StreamBuilder& Byte(uint8_t b) {
    bytes_ += static_cast<char>(b);
    return *this;
  }
  // A short raw string (length < 64).
  StreamBuilder& Str(std::string_view s) {
    Byte(static_cast<uint8_t>(s.size()));
    return Raw(s);
  }
  StreamBuilder& Le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) Byte(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  // EOF opcode and a correct checksum.
  std::string Finish() const {
    std::string out = bytes_ + '\xff';
    uint64_t crc = Crc64(0, out);
    for (int i = 0; i < 8; ++i) out += static_cast<char>(crc >> (8 * i));
    return out;
  }
  // EOF opcode without checksum (versions before 5) or with a zero one.
  std::string FinishWithoutChecksum(bool zero_trailer) const {
    std::string out = bytes_ + '\xff';
    if (zero_trailer) out.append(8, '\0');
    return out;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// Incompressible-looking bytes; same generator as tests/data/generate_fixtures.py.
inline std::string LcgBytes(uint32_t seed, size_t n) {
  std::string out;
  uint64_t x = seed;
  for (size_t i = 0; i < n; ++i) {
    x = (x * 1103515245 + 12345) % (uint64_t{1} << 31);
    out += static_cast<char>((x >> 16) & 0xff);
  }
  return out;
}

}  // namespace basalt::rdbtest
