#include "persistence/rdb_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "common/crc64.h"
#include "common/hash.h"
#include "common/lzf.h"
#include "common/strings.h"
#include "persistence/rdb_format.h"
#include "persistence/value_codec.h"

namespace basalt::persistence {

namespace {

// LZF turns 3 input bytes into at most 264 output bytes; a claimed size beyond this ratio is
// corrupt, and checking it first keeps a bad length from allocating gigabytes.
constexpr uint64_t kMaxLzfRatio = 88;
// Long strings are read in growing chunks so a corrupt length costs at most about twice the
// bytes the source really has.
constexpr size_t kMinReadChunk = 1 << 20;
constexpr size_t kMinBufferSize = 64;

std::string Hex(uint64_t v, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int i = digits - 1; i >= 0; --i) s += kDigits[(v >> (4 * i)) & 0xf];
  return s;
}

uint64_t DecodeLittleEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

uint64_t DecodeBigEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

int64_t ParseAuxInt(std::string_view v) {
  int64_t out;
  return ParseInt64(v, &out) ? out : -1;
}

// One pass over one stream. Bytes are read into buffer_ in large chunks; buffer_[0] is at file
// offset base_. The checksum covers bytes up to crc_pos_ and catches up lazily (before bytes
// leave the buffer and at the EOF opcode), so small fields cost no CRC call each.
class Parser final : public RdbValueInput {
 public:
  Parser(ByteSource* source, RdbVisitor* visitor, const RdbReaderOptions& options,
         RdbReadStats* stats)
      : source_(source),
        visitor_(visitor),
        options_(options),
        stats_(stats),
        cap_(std::max(options.buffer_size, kMinBufferSize)),
        buffer_(new char[cap_]) {}

  Status Run();
  // DUMP payloads: one type byte and a value, nothing else.
  Status ReadDumped(DumpedValue* out);
  // FUNCTION DUMP payloads: function library records up to the end, nothing else.
  Status ReadFunctionRecords(std::vector<std::string>* codes);
  // A library in the format of Redis 7.0's release candidates (name, engine, description,
  // body), which Redis 7.0 still reads: its code as FUNCTION LOAD would take it.
  Status ReadPreGaFunction(std::string* code);

 private:
  uint64_t Offset() const { return base_ + pos_; }
  // "Unexpected end of file"; `end` is where the data ran out (default: the buffered end).
  Status Eof(std::string_view what, uint64_t start) const { return Eof(what, start, base_ + len_); }
  static Status Eof(std::string_view what, uint64_t start, uint64_t end);
  // Makes at least n (<= cap_) bytes available at pos_. The check is inline: nearly every
  // field of a file is already buffered, and this runs for each of them.
  Status Fill(size_t n, std::string_view what, uint64_t start) {
    if (len_ - pos_ >= n) return Status::Ok();
    return Refill(n, what, start);
  }
  Status Refill(size_t n, std::string_view what, uint64_t start);
  void CatchUpCrc() {
    if (checksumming_ && crc_pos_ < pos_) {
      crc_ = Crc64(crc_, buffer_.get() + crc_pos_, pos_ - crc_pos_);
    }
    crc_pos_ = pos_;
  }
  Status ReadFixed(size_t n, const char** p, std::string_view what, uint64_t start);
  Status ReadLength(uint64_t* len, bool* encoded, std::string_view what);
  bool TryShortLength(uint64_t* len, size_t* header) const;
  // n bytes; *out views the buffer (valid until the next read) or *scratch.
  Status ReadBytes(uint64_t n, std::string* scratch, std::string_view* out, std::string_view what,
                   uint64_t start);

  // RdbValueInput, for the collection codecs.
  Status ReadLength(uint64_t* len, std::string_view what) override;
  Status ReadString(std::string* scratch, std::string_view* out, std::string_view what) override;
  Status ReadBlob(std::string_view* out, std::string_view what) override {
    return ReadString(&blob_scratch_, out, what);
  }
  Status ReadBlobAndPacked(std::string_view* out, std::string_view* lzf,
                           std::string_view what) override {
    last_lzf_ = {};
    Status s = ReadString(&blob_scratch_, out, what);
    *lzf = last_lzf_;
    return s;
  }
  Status ReadRaw(size_t n, std::string_view* out, std::string_view what) override {
    const char* p;
    Status s = ReadFixed(n, &p, what, Offset());
    if (s.ok()) *out = std::string_view(p, n);
    return s;
  }
  Status ReadBinaryDouble(double* out, std::string_view what) override;
  Status ReadTextDouble(double* out, std::string_view what) override;
  int64_t remaining() const override {
    return source_->size() >= 0 ? source_->size() - static_cast<int64_t>(Offset()) : -1;
  }

 private:
  Status ReadLzf(std::string* scratch, std::string_view* out, uint64_t start);

  Status ReadHeader();
  Status ReadAux();
  Status ReadSelectDb(uint64_t start);
  Status ReadResizeDb();
  Status ReadItem(uint8_t op, uint64_t start, int64_t* expire_at_ms);
  Status ReadKey(uint8_t type, uint64_t start, int64_t expire_at_ms);
  Status ReadObject(uint8_t type, std::string_view key, uint64_t start, int64_t expire_at_ms);
  Status ReadTrailer();
  Status MaybeReportProgress(bool force);

  ByteSource* source_;
  RdbVisitor* visitor_;
  const RdbReaderOptions& options_;
  RdbReadStats* stats_;
  size_t cap_;
  std::unique_ptr<char[]> buffer_;
  size_t pos_ = 0;
  size_t len_ = 0;
  uint64_t base_ = 0;
  size_t crc_pos_ = 0;
  uint64_t crc_ = 0;
  bool checksumming_ = false;
  int db_ = 0;
  uint64_t last_progress_ = 0;
  std::string key_scratch_;
  std::string value_scratch_;
  std::string lzf_scratch_;
  std::string_view last_lzf_;  // the compressed bytes of the last LZF string read
  std::string blob_scratch_;   // ReadBlob's
  std::string aux_scratch_;
};

Status Parser::Eof(std::string_view what, uint64_t start, uint64_t end) {
  std::string msg = "unexpected end of file at offset " + std::to_string(end);
  msg += " (reading ";
  msg += what;
  msg += " at offset " + std::to_string(start) + ")";
  return Status::Corruption(std::move(msg));
}

Status Parser::Refill(size_t n, std::string_view what, uint64_t start) {
  CatchUpCrc();
  std::memmove(buffer_.get(), buffer_.get() + pos_, len_ - pos_);
  base_ += pos_;
  len_ -= pos_;
  pos_ = 0;
  crc_pos_ = 0;
  while (len_ < n) {
    size_t got = 0;
    Status s = source_->Read(buffer_.get() + len_, cap_ - len_, &got);
    if (!s.ok()) return s;
    if (got == 0) return Eof(what, start);
    len_ += got;
  }
  return Status::Ok();
}

Status Parser::ReadFixed(size_t n, const char** p, std::string_view what, uint64_t start) {
  Status s = Fill(n, what, start);
  if (!s.ok()) return s;
  *p = buffer_.get() + pos_;
  pos_ += n;
  return Status::Ok();
}

Status Parser::ReadLength(uint64_t* len, bool* encoded, std::string_view what) {
  uint64_t start = Offset();
  const char* p;
  Status s = ReadFixed(1, &p, what, start);
  if (!s.ok()) return s;
  auto first = static_cast<uint8_t>(*p);
  *encoded = false;
  switch (first >> 6) {
    case rdb::kLen6Bit:
      *len = first & 0x3f;
      return Status::Ok();
    case rdb::kLen14Bit:
      if (s = ReadFixed(1, &p, what, start); !s.ok()) return s;
      *len = (uint64_t{first & 0x3fu} << 8) | static_cast<uint8_t>(*p);
      return Status::Ok();
    case rdb::kLenEncoded:
      *encoded = true;
      *len = first & 0x3f;
      return Status::Ok();
  }
  int bytes = first == rdb::kLen32Bit ? 4 : first == rdb::kLen64Bit ? 8 : 0;
  if (bytes == 0) {
    return Status::Corruption("unknown length encoding " + Hex(first, 2) + " at offset " +
                              std::to_string(start) + " (reading " + std::string(what) + ")");
  }
  if (s = ReadFixed(bytes, &p, what, start); !s.ok()) return s;
  *len = DecodeBigEndian(p, bytes);
  return Status::Ok();
}

Status Parser::ReadBytes(uint64_t n, std::string* scratch, std::string_view* out,
                         std::string_view what, uint64_t start) {
  if (n <= cap_) {
    Status s = Fill(n, what, start);
    if (!s.ok()) return s;
    *out = std::string_view(buffer_.get() + pos_, n);
    pos_ += n;
    return Status::Ok();
  }
  if (source_->size() >= 0 && n > static_cast<uint64_t>(source_->size()) - Offset()) {
    return Eof(what, start, static_cast<uint64_t>(source_->size()));
  }
  // Too long for the buffer: take what is buffered, then read the rest straight into scratch,
  // checksumming as it arrives.
  size_t buffered = len_ - pos_;
  scratch->assign(buffer_.get() + pos_, buffered);
  pos_ = len_;
  CatchUpCrc();
  base_ += len_;
  pos_ = len_ = crc_pos_ = 0;
  uint64_t remaining = n - buffered;
  while (remaining > 0) {
    size_t chunk = static_cast<size_t>(
        std::min<uint64_t>(remaining, std::max<size_t>(kMinReadChunk, scratch->size())));
    size_t at = scratch->size();
    scratch->resize(at + chunk);
    while (chunk > 0) {
      size_t got = 0;
      Status s = source_->Read(scratch->data() + at, chunk, &got);
      if (!s.ok()) return s;
      if (got == 0) return Eof(what, start);
      if (checksumming_) crc_ = Crc64(crc_, scratch->data() + at, got);
      base_ += got;
      at += got;
      chunk -= got;
      remaining -= got;
    }
  }
  *out = *scratch;
  return Status::Ok();
}

Status Parser::ReadLzf(std::string* scratch, std::string_view* out, uint64_t start) {
  uint64_t compressed_len;
  uint64_t len;
  bool encoded1;
  bool encoded2;
  Status s = ReadLength(&compressed_len, &encoded1, "an LZF string's compressed length");
  if (s.ok()) s = ReadLength(&len, &encoded2, "an LZF string's length");
  if (!s.ok()) return s;
  if (encoded1 || encoded2) {
    return Status::Corruption("invalid LZF string header at offset " + std::to_string(start));
  }
  std::string_view compressed;
  s = ReadBytes(compressed_len, &lzf_scratch_, &compressed, "LZF data", start);
  if (!s.ok()) return s;
  if (len / kMaxLzfRatio > compressed_len) {
    return Status::Corruption("LZF string at offset " + std::to_string(start) + " claims " +
                              std::to_string(len) + " bytes from " +
                              std::to_string(compressed_len) + " compressed bytes");
  }
  scratch->resize(len + kLzfDecompressSlack);
  int64_t got = LzfDecompressWithSlack(compressed.data(), compressed.size(), scratch->data(), len);
  scratch->resize(len);  // shrinking keeps the buffer: no allocation
  if (got < 0 || static_cast<uint64_t>(got) != len) {
    return Status::Corruption("invalid LZF data in the string at offset " + std::to_string(start));
  }
  *out = *scratch;
  last_lzf_ = compressed;
  return Status::Ok();
}

// Most lengths in a file are the 1- or 2-byte forms; with those bytes buffered they decode here
// without the general path's calls. Returns false (consuming nothing) for anything else.
bool Parser::TryShortLength(uint64_t* len, size_t* header) const {
  const size_t avail = len_ - pos_;
  if (avail < 2) return false;
  const auto* b = reinterpret_cast<const uint8_t*>(buffer_.get() + pos_);
  switch (b[0] >> 6) {
    case rdb::kLen6Bit:
      *len = b[0] & 0x3f;
      *header = 1;
      return true;
    case rdb::kLen14Bit:
      *len = (uint64_t{b[0] & 0x3fu} << 8) | b[1];
      *header = 2;
      return true;
  }
  return false;
}

Status Parser::ReadString(std::string* scratch, std::string_view* out, std::string_view what) {
  uint64_t short_len;
  size_t header;
  if (TryShortLength(&short_len, &header) && len_ - pos_ >= header + short_len) {
    // A raw string already in the buffer (keys, fields, members, small blobs): a view.
    *out = std::string_view(buffer_.get() + pos_ + header, short_len);
    pos_ += header + short_len;
    return Status::Ok();
  }
  uint64_t start = Offset();
  uint64_t len;
  bool encoded;
  Status s = ReadLength(&len, &encoded, what);
  if (!s.ok()) return s;
  if (!encoded) return ReadBytes(len, scratch, out, what, start);
  if (len == rdb::kEncLzf) return ReadLzf(scratch, out, start);
  int bytes = len == rdb::kEncInt8 ? 1 : len == rdb::kEncInt16 ? 2 : len == rdb::kEncInt32 ? 4 : 0;
  if (bytes == 0) {
    return Status::Corruption("unknown string encoding " + Hex(0xC0 | len, 2) + " at offset " +
                              std::to_string(start));
  }
  const char* p;
  if (s = ReadFixed(bytes, &p, what, start); !s.ok()) return s;
  uint64_t raw = DecodeLittleEndian(p, bytes);
  int64_t v = bytes == 1   ? static_cast<int8_t>(raw)
              : bytes == 2 ? static_cast<int16_t>(raw)
                           : static_cast<int32_t>(raw);
  scratch->resize(24);
  scratch->resize(static_cast<size_t>(FormatInt64(v, scratch->data())));
  *out = *scratch;
  return Status::Ok();
}

Status Parser::ReadHeader() {
  const char* p;
  Status s = ReadFixed(rdb::kHeaderSize, &p, "the header", 0);
  if (!s.ok()) {
    // A file shorter than "REDIS" that does not start like one is simply not an RDB file.
    size_t have = len_;
    size_t cmp = std::min(have, rdb::kMagic.size());
    if (s.IsCorruption() && std::memcmp(buffer_.get(), rdb::kMagic.data(), cmp) != 0) {
      return Status::Corruption("wrong signature: not an RDB file (no 'REDIS' at offset 0)");
    }
    return s;
  }
  if (std::memcmp(p, rdb::kMagic.data(), rdb::kMagic.size()) != 0) {
    return Status::Corruption("wrong signature: not an RDB file (no 'REDIS' at offset 0)");
  }
  int version = 0;
  for (size_t i = rdb::kMagic.size(); i < rdb::kHeaderSize; ++i) {
    if (p[i] < '0' || p[i] > '9') {
      return Status::Corruption("wrong signature: bad version digits at offset 5");
    }
    version = version * 10 + (p[i] - '0');
  }
  stats_->version = version;
  if (version < 1 || version > rdb::kVersion) {
    return Status::NotSupported("unsupported RDB version " + std::to_string(version) +
                                " (basalt reads versions 1 to " + std::to_string(rdb::kVersion) +
                                ")");
  }
  checksumming_ = options_.verify_checksum && version >= rdb::kFirstVersionWithChecksum;
  return Status::Ok();
}

Status Parser::ReadAux() {
  std::string_view field;
  std::string_view value;
  Status s = ReadString(&aux_scratch_, &field, "an AUX field name");
  if (!s.ok()) return s;
  // The value's read may move the buffer; keep the name in its own storage.
  if (field.data() != aux_scratch_.data()) aux_scratch_.assign(field);
  field = aux_scratch_;
  if (s = ReadString(&value_scratch_, &value, "an AUX field value"); !s.ok()) return s;
  ++stats_->aux_fields;
  RdbAuxInfo& aux = stats_->aux;
  if (EqualsIgnoreCase(field, rdb::kAuxRedisVer)) {
    aux.redis_ver.assign(value);
  } else if (EqualsIgnoreCase(field, rdb::kAuxRedisBits)) {
    aux.redis_bits = ParseAuxInt(value);
  } else if (EqualsIgnoreCase(field, rdb::kAuxCtime)) {
    aux.ctime = ParseAuxInt(value);
  } else if (EqualsIgnoreCase(field, rdb::kAuxUsedMem)) {
    aux.used_mem = ParseAuxInt(value);
  } else if (EqualsIgnoreCase(field, rdb::kAuxReplStreamDb)) {
    aux.repl_stream_db = ParseAuxInt(value);
  } else if (EqualsIgnoreCase(field, rdb::kAuxReplId)) {
    aux.repl_id.assign(value);
  } else if (EqualsIgnoreCase(field, rdb::kAuxReplOffset)) {
    aux.repl_offset = ParseAuxInt(value);
  } else if (EqualsIgnoreCase(field, rdb::kAuxAofBase) ||
             EqualsIgnoreCase(field, rdb::kAuxAofPreamble)) {
    aux.aof_base = ParseAuxInt(value) > 0 ? 1 : 0;
  }
  return visitor_->OnAux(field, value);
}

Status Parser::ReadLength(uint64_t* len, std::string_view what) {
  size_t header;
  if (TryShortLength(len, &header)) {
    pos_ += header;
    return Status::Ok();
  }
  const uint64_t start = Offset();
  bool encoded;
  Status s = ReadLength(len, &encoded, what);
  if (s.ok() && encoded) {
    return Status::Corruption("a string encoding where a length belongs at offset " +
                              std::to_string(start) + " (reading " + std::string(what) + ")");
  }
  return s;
}

Status Parser::ReadBinaryDouble(double* out, std::string_view what) {
  const char* p;
  Status s = ReadFixed(8, &p, what, Offset());
  if (!s.ok()) return s;
  uint64_t bits = DecodeLittleEndian(p, 8);
  std::memcpy(out, &bits, sizeof(bits));
  return Status::Ok();
}

Status Parser::ReadTextDouble(double* out, std::string_view what) {
  const uint64_t start = Offset();
  const char* p;
  Status s = ReadFixed(1, &p, what, start);
  if (!s.ok()) return s;
  const auto len = static_cast<uint8_t>(*p);
  // Lengths 253..255 stand for the values that have no plain spelling.
  if (len == 253) {
    *out = std::numeric_limits<double>::quiet_NaN();
  } else if (len == 254) {
    *out = std::numeric_limits<double>::infinity();
  } else if (len == 255) {
    *out = -std::numeric_limits<double>::infinity();
  } else {
    if (s = ReadFixed(len, &p, what, start); !s.ok()) return s;
    if (!ParseDouble(std::string_view(p, len), out)) {
      return Status::Corruption("invalid double at offset " + std::to_string(start) + " (reading " +
                                std::string(what) + ")");
    }
  }
  return Status::Ok();
}

Status Parser::ReadKey(uint8_t type, uint64_t start, int64_t expire_at_ms) {
  std::string_view key;
  Status s = ReadString(&key_scratch_, &key, "a key");
  if (!s.ok()) return s;
  if (key.data() != key_scratch_.data()) key_scratch_.assign(key);
  key = key_scratch_;
  if (type != rdb::kTypeString) return ReadObject(type, key, start, expire_at_ms);
  std::string_view value;
  if (s = ReadString(&value_scratch_, &value, "a string value"); !s.ok()) return s;
  ++stats_->keys_read;
  return visitor_->OnString(db_, key, value, expire_at_ms);
}

// A collection: its type's codec reads the body (value_codec.h); errors name the key.
Status Parser::ReadObject(uint8_t type, std::string_view key, uint64_t start,
                          int64_t expire_at_ms) {
  DecodedValue decoded;
  Status s = ReadObjectBody(type, *this, options_.limits, &decoded);
  if (!s.ok()) {
    std::string msg = "key " + QuoteKey(key) + " at offset " + std::to_string(start) + ": " +
                      std::string(s.message());
    return s.code() == Status::Code::kNotSupported ? Status::NotSupported(std::move(msg))
                                                   : Status::Corruption(std::move(msg));
  }
  ++stats_->keys_read;
  if (decoded.value == nullptr) return Status::Ok();  // an empty collection: skipped, as Redis
  return visitor_->OnObject(db_, key, decoded.type, std::move(decoded.value), expire_at_ms);
}

Status Parser::ReadTrailer() {
  stats_->checksum_verified = false;
  if (stats_->version < rdb::kFirstVersionWithChecksum) return Status::Ok();
  CatchUpCrc();  // the checksum covers everything up to and including the EOF opcode
  uint64_t start = Offset();
  const char* p;
  Status s = ReadFixed(rdb::kChecksumSize, &p, "the checksum", start);
  if (!s.ok()) return s;
  uint64_t stored = DecodeLittleEndian(p, rdb::kChecksumSize);
  // Zero means the writer had checksums turned off; Redis skips the check then too.
  if (!checksumming_ || stored == 0) return Status::Ok();
  if (stored != crc_) {
    return Status::Corruption("bad RDB checksum at offset " + std::to_string(start) +
                              ": the file says " + Hex(stored, 16) + ", the data hashes to " +
                              Hex(crc_, 16));
  }
  stats_->checksum_verified = true;
  return Status::Ok();
}

Status Parser::MaybeReportProgress(bool force) {
  if (!options_.progress) return Status::Ok();
  uint64_t at = Offset();
  if (!force && at - last_progress_ < options_.progress_interval_bytes) return Status::Ok();
  last_progress_ = at;
  return options_.progress(at, stats_->keys_read);
}

Status Parser::ReadSelectDb(uint64_t start) {
  uint64_t db;
  bool encoded;
  Status s = ReadLength(&db, &encoded, "a database number");
  if (!s.ok()) return s;
  if (encoded || db >= static_cast<uint64_t>(options_.databases)) {
    return Status::InvalidArgument("the RDB file selects database " + std::to_string(db) +
                                   " at offset " + std::to_string(start) + " but the server has " +
                                   std::to_string(options_.databases) + " databases");
  }
  db_ = static_cast<int>(db);
  return visitor_->OnSelectDb(db_);
}

Status Parser::ReadResizeDb() {
  uint64_t keys;
  uint64_t expires;
  bool encoded;
  Status s = ReadLength(&keys, &encoded, "RESIZEDB sizes");
  if (s.ok()) s = ReadLength(&expires, &encoded, "RESIZEDB sizes");
  if (!s.ok()) return s;
  // Hints only size tables; a corrupt one must not make a loader allocate for more keys than
  // the rest of the data can hold (a key takes at least 3 bytes).
  if (source_->size() >= 0) {
    uint64_t room = (static_cast<uint64_t>(source_->size()) - Offset()) / 3;
    keys = std::min(keys, room);
    expires = std::min(expires, room);
  }
  return visitor_->OnResizeDb(db_, keys, expires);
}

// One item after its first byte `op` (not EOF). An expiry, like LRU/LFU data, only prepares the
// next key; as in Redis it carries over other items until a key takes it.
Status Parser::ReadItem(uint8_t op, uint64_t start, int64_t* expire_at_ms) {
  const char* p;
  Status s;
  switch (op) {
    case rdb::kOpExpireTimeMs:
      if (s = ReadFixed(8, &p, "an expire time", start); s.ok()) {
        *expire_at_ms = static_cast<int64_t>(DecodeLittleEndian(p, 8));
      }
      return s;
    case rdb::kOpExpireTime:
      if (s = ReadFixed(4, &p, "an expire time", start); s.ok()) {
        *expire_at_ms = int64_t{static_cast<int32_t>(DecodeLittleEndian(p, 4))} * 1000;
      }
      return s;
    case rdb::kOpFreq:
      if (s = ReadFixed(1, &p, "an LFU counter", start); s.ok()) {
        visitor_->OnAccessHint(-1, static_cast<uint8_t>(*p));
      }
      return s;
    case rdb::kOpIdle: {
      uint64_t idle;
      bool encoded;
      if (s = ReadLength(&idle, &encoded, "an LRU idle time"); s.ok()) {
        visitor_->OnAccessHint(
            static_cast<int64_t>(std::min<uint64_t>(idle, std::numeric_limits<int64_t>::max())),
            -1);
      }
      return s;
    }
    case rdb::kOpSelectDb:
      return ReadSelectDb(start);
    case rdb::kOpResizeDb:
      return ReadResizeDb();
    case rdb::kOpAux:
      return ReadAux();
    case rdb::kOpFunction2: {
      std::string_view code;
      if (s = ReadString(&value_scratch_, &code, "a function library"); !s.ok()) return s;
      return visitor_->OnFunctionLibrary(code);
    }
    case rdb::kOpFunctionPreGa: {
      std::string code;
      if (s = ReadPreGaFunction(&code); !s.ok()) return s;
      return visitor_->OnFunctionLibrary(code);
    }
    case rdb::kOpModuleAux:
      return Status::NotSupported("the RDB file contains module data (MODULE_AUX at offset " +
                                  std::to_string(start) + "), which basalt does not support");
  }
  if (!rdb::IsValueType(op)) {
    return Status::Corruption("unknown opcode " + Hex(op, 2) + " at offset " +
                              std::to_string(start));
  }
  // -1 in the file means no TTL; any other time before the epoch is long past.
  int64_t expire = *expire_at_ms < -1 ? 0 : *expire_at_ms;
  *expire_at_ms = -1;
  s = ReadKey(op, start, expire);
  if (s.ok()) s = MaybeReportProgress(false);
  return s;
}

Status Parser::ReadDumped(DumpedValue* out) {
  const char* p;
  Status s = ReadFixed(1, &p, "a value type", 0);
  if (!s.ok()) return s;
  const auto type = static_cast<uint8_t>(*p);
  if (type == rdb::kTypeString) {
    out->is_string = true;
    std::string_view value;
    s = ReadString(&value_scratch_, &value, "a string value");
    if (s.ok()) out->string_value.assign(value);
    return s;
  }
  if (!rdb::IsValueType(type)) return Status::Corruption("unknown value type " + Hex(type, 2));
  return ReadObjectBody(type, *this, options_.limits, &out->object);
}

Status Parser::Run() {
  Status s = ReadHeader();
  int64_t expire_at_ms = -1;
  while (s.ok()) {
    uint64_t start = Offset();
    const char* p;
    if (s = ReadFixed(1, &p, "an opcode", start); !s.ok()) break;
    auto op = static_cast<uint8_t>(*p);
    if (op == rdb::kOpEof) {
      s = ReadTrailer();
      break;
    }
    s = ReadItem(op, start, &expire_at_ms);
  }
  stats_->bytes_read = Offset();
  if (s.ok()) s = MaybeReportProgress(true);
  return s;
}

}  // namespace

std::string QuoteKey(std::string_view key) {
  constexpr size_t kMaxShown = 64;
  std::string out = "'";
  for (size_t i = 0; i < key.size() && i < kMaxShown; ++i) {
    auto c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += Hex(c, 2).substr(2);
    }
  }
  if (key.size() > kMaxShown) out += "...";
  out += "'";
  return out;
}

Status RdbVisitor::OnObject(int db, std::string_view key, store::ValueType type,
                            std::unique_ptr<store::CompositeValue> value, int64_t expire_at_ms) {
  return Status::NotSupported("key " + QuoteKey(key) + " has type " +
                              std::string(store::TypeName(type)) +
                              ", which this reader does not accept");
}

Status RdbVisitor::OnFunctionLibrary(std::string_view /*code*/) {
  return Status::NotSupported(
      "the RDB file contains a function library, which this reader "
      "does not accept");
}

Status ReadRdb(ByteSource* source, RdbVisitor* visitor, const RdbReaderOptions& options,
               RdbReadStats* stats) {
  RdbReadStats local;
  if (stats == nullptr) stats = &local;
  *stats = RdbReadStats();
  Parser parser(source, visitor, options, stats);
  return parser.Run();
}

Status Parser::ReadFunctionRecords(std::vector<std::string>* codes) {
  const auto size = static_cast<uint64_t>(source_->size());
  while (Offset() < size) {
    const uint64_t start = Offset();
    const char* p;
    if (Status s = ReadFixed(1, &p, "a function record", start); !s.ok()) return s;
    const auto op = static_cast<uint8_t>(*p);
    // Redis's texts (FUNCTION RESTORE answers them).
    if (op == rdb::kOpFunctionPreGa) {
      std::string code;
      if (Status s = ReadPreGaFunction(&code); !s.ok()) return s;
      codes->push_back(std::move(code));
      continue;
    }
    if (op != rdb::kOpFunction2) return Status::Corruption("given type is not a function");
    std::string_view code;
    if (Status s = ReadString(&value_scratch_, &code, "a function library"); !s.ok()) {
      return Status::Corruption("Failed loading library payload");
    }
    codes->emplace_back(code);
  }
  return Status::Ok();
}

Status Parser::ReadPreGaFunction(std::string* code) {
  std::string name;
  std::string engine;
  std::string_view field;
  if (!ReadString(&value_scratch_, &field, "a library name").ok()) {
    return Status::Corruption("Failed loading library name");
  }
  name.assign(field);
  if (!ReadString(&value_scratch_, &field, "an engine name").ok()) {
    return Status::Corruption("Failed loading engine name");
  }
  engine.assign(field);
  uint64_t has_description;
  if (!ReadLength(&has_description, "a description indicator").ok()) {
    return Status::Corruption("Failed loading library description indicator");
  }
  if (has_description != 0 && !ReadString(&value_scratch_, &field, "a description").ok()) {
    return Status::Corruption("Failed loading library description");
  }
  if (!ReadString(&value_scratch_, &field, "a library").ok()) {
    return Status::Corruption("Failed loading library blob");
  }
  // The description is dropped, as Redis 7.0 drops it: a library's code names it.
  *code = "#!" + engine + " name=" + name + "\n";
  code->append(field);
  return Status::Ok();
}

namespace {

// For the payload readers (DUMP, FUNCTION DUMP), which read no keyed records.
class NoVisitor final : public RdbVisitor {
  Status OnString(int, std::string_view, std::string_view, int64_t) override {
    return Status::Ok();
  }
};

}  // namespace

Status ReadFunctionPayload(std::string_view body, std::vector<std::string>* codes) {
  NoVisitor visitor;
  StringSource source(body);
  RdbReaderOptions options;
  RdbReadStats stats;
  Parser parser(&source, &visitor, options, &stats);
  return parser.ReadFunctionRecords(codes);
}

Status ReadDumpedValue(std::string_view body, const store::EncodingLimits& limits,
                       DumpedValue* out) {
  NoVisitor visitor;
  StringSource source(body);
  RdbReaderOptions options;
  options.limits = limits;
  RdbReadStats stats;
  Parser parser(&source, &visitor, options, &stats);
  return parser.ReadDumped(out);
}

}  // namespace basalt::persistence
