#include "persistence/rdb_writer.h"

#include <algorithm>
#include <cstring>

#include "common/crc64.h"
#include "common/strings.h"
#include "persistence/rdb_format.h"
#include "persistence/value_codec.h"
#include "store/entry.h"

namespace basalt::persistence {

namespace {

// Headers and lengths must always fit; tiny configured buffers are raised to this.
constexpr size_t kMinBufferSize = 64;

void EncodeLittleEndian(uint64_t v, int bytes, char* out) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

RdbWriter::RdbWriter(ByteSink* sink, const RdbWriterOptions& options)
    : sink_(sink), options_(options) {
  options_.buffer_size = std::max(options_.buffer_size, kMinBufferSize);
  buffer_.reset(new char[options_.buffer_size]);
}

RdbWriter::~RdbWriter() = default;

void RdbWriter::Drain() {
  if (buffer_used_ == 0) return;
  crc_ = Crc64(crc_, buffer_.get(), buffer_used_);
  if (status_.ok()) status_ = sink_->Append(std::string_view(buffer_.get(), buffer_used_));
  flushed_ += buffer_used_;
  buffer_used_ = 0;
}

void RdbWriter::Reserve(size_t n) {
  if (options_.buffer_size - buffer_used_ < n) Drain();
}

void RdbWriter::PutByte(uint8_t b) {
  Reserve(1);
  buffer_[buffer_used_++] = static_cast<char>(b);
}

void RdbWriter::PutBytes(const char* data, size_t n) {
  if (n <= options_.buffer_size - buffer_used_) {
    std::memcpy(buffer_.get() + buffer_used_, data, n);
    buffer_used_ += n;
    return;
  }
  Drain();
  if (n < options_.buffer_size) {
    std::memcpy(buffer_.get(), data, n);
    buffer_used_ = n;
    return;
  }
  // Too big to be worth copying: checksum it in place and pass it through.
  crc_ = Crc64(crc_, data, n);
  if (status_.ok()) status_ = sink_->Append(std::string_view(data, n));
  flushed_ += n;
}

void RdbWriter::PutLength(uint64_t len) {
  Reserve(9);
  char* p = buffer_.get() + buffer_used_;
  if (len <= rdb::kLen6BitMax) {
    p[0] = static_cast<char>(len);
    buffer_used_ += 1;
  } else if (len <= rdb::kLen14BitMax) {
    p[0] = static_cast<char>((rdb::kLen14Bit << 6) | (len >> 8));
    p[1] = static_cast<char>(len & 0xff);
    buffer_used_ += 2;
  } else if (len <= UINT32_MAX) {
    p[0] = static_cast<char>(rdb::kLen32Bit);
    for (int i = 0; i < 4; ++i) p[1 + i] = static_cast<char>((len >> (8 * (3 - i))) & 0xff);
    buffer_used_ += 5;
  } else {
    p[0] = static_cast<char>(rdb::kLen64Bit);
    for (int i = 0; i < 8; ++i) p[1 + i] = static_cast<char>((len >> (8 * (7 - i))) & 0xff);
    buffer_used_ += 9;
  }
}

bool RdbWriter::TryPutInteger(std::string_view s) {
  if (s.empty() || s.size() > rdb::kIntEncodingMaxLength) return false;
  // ParseInt64 accepts only the canonical spelling ("12", not "012" or "+12"), which is what
  // makes the encoding lossless: the loader turns the number back into exactly this text.
  int64_t v;
  if (!ParseInt64(s, &v)) return false;
  Reserve(5);
  char* p = buffer_.get() + buffer_used_;
  if (v >= INT8_MIN && v <= INT8_MAX) {
    p[0] = static_cast<char>(rdb::kEncodedPrefix | rdb::kEncInt8);
    EncodeLittleEndian(static_cast<uint64_t>(v), 1, p + 1);
    buffer_used_ += 2;
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    p[0] = static_cast<char>(rdb::kEncodedPrefix | rdb::kEncInt16);
    EncodeLittleEndian(static_cast<uint64_t>(v), 2, p + 1);
    buffer_used_ += 3;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    p[0] = static_cast<char>(rdb::kEncodedPrefix | rdb::kEncInt32);
    EncodeLittleEndian(static_cast<uint64_t>(v), 4, p + 1);
    buffer_used_ += 5;
  } else {
    return false;
  }
  return true;
}

bool RdbWriter::TryPutLzf(std::string_view s) {
  if (!options_.compression || s.size() <= rdb::kLzfMinLength) return false;
  size_t cap = s.size() - rdb::kLzfMinSaving;
  if (lzf_scratch_.size() < cap) lzf_scratch_.resize(std::max(cap, lzf_scratch_.size() * 2));
  size_t clen = lzf_.Compress(s.data(), s.size(), lzf_scratch_.data(), cap);
  if (clen == 0) return false;
  PutByte(rdb::kEncodedPrefix | rdb::kEncLzf);
  PutLength(clen);
  PutLength(s.size());
  PutBytes(lzf_scratch_.data(), clen);
  return true;
}

void RdbWriter::AppendLzfString(std::string_view lzf, size_t raw_len) {
  PutByte(rdb::kEncodedPrefix | rdb::kEncLzf);
  PutLength(lzf.size());
  PutLength(raw_len);
  PutBytes(lzf.data(), lzf.size());
}

void RdbWriter::PutString(std::string_view s) {
  if (TryPutInteger(s) || TryPutLzf(s)) return;
  PutLength(s.size());
  PutBytes(s.data(), s.size());
}

Status RdbWriter::WriteHeader(const RdbAuxFields& aux) {
  if (finished_) return Status::InvalidArgument("RDB writer used after Finish()");
  PutBytes(rdb::kMagic.data(), rdb::kMagic.size());
  PutBytes(rdb::kVersionText.data(), rdb::kVersionText.size());
  PutAux(rdb::kAuxRedisVer, aux.redis_ver);
  PutAux(rdb::kAuxRedisBits, Int64ToString(aux.redis_bits));
  PutAux(rdb::kAuxCtime, Int64ToString(aux.ctime));
  PutAux(rdb::kAuxUsedMem, Int64ToString(aux.used_mem));
  if (aux.replication) {
    PutAux(rdb::kAuxReplStreamDb, Int64ToString(aux.replication->stream_db));
    PutAux(rdb::kAuxReplId, aux.replication->repl_id);
    PutAux(rdb::kAuxReplOffset, Int64ToString(aux.replication->offset));
  }
  PutAux(rdb::kAuxAofBase, aux.aof_base ? "1" : "0");
  for (const std::string& code : aux.function_libraries) WriteFunctionLibrary(code);
  return status_;  // sticky: the first failure of any write above
}

Status RdbWriter::WriteFunctionLibrary(std::string_view code) {
  PutByte(rdb::kOpFunction2);
  PutString(code);
  return status_;
}

Status RdbWriter::WriteAux(std::string_view field, std::string_view value) {
  if (finished_) return Status::InvalidArgument("RDB writer used after Finish()");
  PutAux(field, value);
  return status_;
}

void RdbWriter::PutAux(std::string_view field, std::string_view value) {
  PutByte(rdb::kOpAux);
  PutString(field);
  PutString(value);
}

Status RdbWriter::BeginDatabase(int db, uint64_t keys, uint64_t keys_with_ttl) {
  if (finished_) return Status::InvalidArgument("RDB writer used after Finish()");
  if (db < 0) return Status::InvalidArgument("negative database number");
  PutByte(rdb::kOpSelectDb);
  PutLength(static_cast<uint64_t>(db));
  PutByte(rdb::kOpResizeDb);
  PutLength(keys);
  PutLength(keys_with_ttl);
  return status_;
}

void RdbWriter::PutExpire(int64_t expire_at_ms) {
  if (expire_at_ms < 0) return;
  Reserve(9);
  buffer_[buffer_used_] = static_cast<char>(rdb::kOpExpireTimeMs);
  EncodeLittleEndian(static_cast<uint64_t>(expire_at_ms), 8, buffer_.get() + buffer_used_ + 1);
  buffer_used_ += 9;
}

Status RdbWriter::WriteString(std::string_view key, std::string_view value, int64_t expire_at_ms) {
  if (finished_) return Status::InvalidArgument("RDB writer used after Finish()");
  PutExpire(expire_at_ms);
  PutByte(rdb::kTypeString);
  PutString(key);
  PutString(value);
  ++keys_written_;
  return status_;
}

void RdbWriter::PutAccess(const store::Entry& e) {
  if (!e.has_access()) return;
  if (options_.access_mode == store::AccessMode::kLru) {
    PutByte(rdb::kOpIdle);
    PutLength(
        static_cast<uint64_t>(store::access::LruIdleMs(e.access(), options_.access_now_ms) / 1000));
  } else if (options_.access_mode == store::AccessMode::kLfu) {
    PutByte(rdb::kOpFreq);
    PutByte(static_cast<uint8_t>(
        store::access::LfuDecayed(e.access(), options_.access_now_ms, options_.lfu_decay_time)));
  }
}

Status RdbWriter::WriteEntry(const store::Entry& e) {
  if (e.type() == store::ValueType::kString) {
    if (finished_) return Status::InvalidArgument("RDB writer used after Finish()");
    PutExpire(e.has_expire() ? e.expire_at() : -1);
    PutAccess(e);
    PutByte(rdb::kTypeString);
    PutString(e.key());
    PutString(e.string_value());
    ++keys_written_;
    return status_;
  }
  if (Status st = BeginObject(e); !st.ok()) return st;
  WriteObjectBody(*this, e);
  return EndObject();
}

Status RdbWriter::BeginObject(const store::Entry& e) {
  if (finished_) return Status::InvalidArgument("RDB writer used after Finish()");
  PutExpire(e.has_expire() ? e.expire_at() : -1);
  PutAccess(e);
  PutByte(RdbTypeOf(e));
  PutString(e.key());
  return status_;
}

Status RdbWriter::EndObject() {
  ++keys_written_;
  return status_;
}

Status RdbWriter::AppendRecord(std::string_view record) {
  if (finished_) return Status::InvalidArgument("RDB writer used after Finish()");
  PutBytes(record.data(), record.size());
  ++keys_written_;
  return status_;
}

Status RdbWriter::WriteValue(const store::Entry& e) {
  if (finished_) return Status::InvalidArgument("RDB writer used after Finish()");
  if (e.type() == store::ValueType::kString) {
    PutByte(rdb::kTypeString);
    PutString(e.string_value());
  } else {
    PutByte(RdbTypeOf(e));
    WriteObjectBody(*this, e);
  }
  return status_;
}

void RdbWriter::AppendBinaryDouble(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  Reserve(8);
  EncodeLittleEndian(bits, 8, buffer_.get() + buffer_used_);
  buffer_used_ += 8;
}

Status RdbWriter::Finish() {
  if (finished_) return Status::InvalidArgument("RDB writer used after Finish()");
  finished_ = true;
  PutByte(rdb::kOpEof);
  Drain();
  char trailer[rdb::kChecksumSize];
  EncodeLittleEndian(options_.checksum ? crc_ : 0, rdb::kChecksumSize, trailer);
  if (status_.ok()) status_ = sink_->Append(std::string_view(trailer, sizeof(trailer)));
  flushed_ += sizeof(trailer);
  if (status_.ok()) status_ = sink_->Flush();
  return status_;
}

}  // namespace basalt::persistence
