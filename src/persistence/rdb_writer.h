// RdbWriter: serializes a keyspace into an RDB version 10 stream (what Redis 7.0 writes), so
// redis-check-rdb verifies our files and a real redis-server loads them.
//
// Usage, by the snapshotter (which decides what to write and in which order):
//
//   RdbWriter w(&sink, {.compression = true, .checksum = true});
//   w.WriteHeader(aux);                            // magic, version, AUX fields
//   for each non-empty database d:                 // Redis skips empty databases
//     w.BeginDatabase(d, keys, keys_with_ttl);     // SELECTDB + RESIZEDB
//     for each entry e of d: w.WriteEntry(e);
//   w.Finish();                                    // EOF + CRC-64, flushed to the sink
//   sink.Sync();                                   // durability is the caller's choice
//
// Encoding choices match Redis's so files compare well: a string of at most 11 bytes that is a
// canonical integer fitting in 32 bits is stored as an INT8/16/32 special encoding; with
// compression on, a string longer than 20 bytes is stored LZF-compressed when that saves at
// least 4 bytes; otherwise raw. Keys follow the same rules as values. Our LZF bytes differ from
// liblzf's (both decode to the same string).
//
// Performance: bytes are gathered in a buffer of options.buffer_size and handed to the sink in
// large chunks; the checksum is updated per chunk as it leaves (one pass over the data). Values
// larger than the buffer go to the sink directly. No heap allocation per key (the LZF scratch
// buffer only grows).
//
// Errors: the first sink error is sticky; every later call returns it.
//
// Collections are written in the encodings Redis 7.0 writes (see value_codec.h).
//
// Not thread-safe; the sink must outlive the writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "basalt/status.h"
#include "common/lzf.h"
#include "persistence/byte_io.h"
#include "store/access.h"

namespace basalt::store {
class Entry;
}

namespace basalt::persistence {

struct RdbWriterOptions {
  bool compression = true;  // rdbcompression
  bool checksum = true;     // rdbchecksum; when off the trailer is 8 zero bytes
  size_t buffer_size = 64 * 1024;
  // Under an LRU or LFU maxmemory-policy each key's access record goes before it, as Redis
  // writes it (IDLE: seconds since the last access; FREQ: the decayed LFU counter), read at
  // access_now_ms, so a restart or a replica keeps what eviction knows.
  store::AccessMode access_mode = store::AccessMode::kNone;
  int64_t access_now_ms = 0;
  int64_t lfu_decay_time = 1;
};

// The AUX fields Redis 7.0 writes after the header, in this order.
struct RdbAuxFields {
  std::string redis_ver = "7.0.15";
  int redis_bits = 64;
  int64_t ctime = 0;     // Unix seconds when the snapshot started
  int64_t used_mem = 0;  // bytes
  // Present when the file is for replication (full sync) or may later seed one: the
  // replication id and offset the data corresponds to, and the db the stream last selected.
  struct Replication {
    int stream_db = 0;
    std::string repl_id;  // 40 hex characters
    int64_t offset = 0;
  };
  std::optional<Replication> replication;
  bool aof_base = false;  // true when the file is the base of a multi-part AOF
  // The function libraries' source code (FUNCTION LOAD), written after the AUX fields as
  // Redis 7.0 writes them (opcode FUNCTION2, then the code as a string).
  std::vector<std::string> function_libraries;
};

class RdbWriter {
 public:
  RdbWriter(ByteSink* sink, const RdbWriterOptions& options);
  ~RdbWriter();
  RdbWriter(const RdbWriter&) = delete;
  RdbWriter& operator=(const RdbWriter&) = delete;

  // "REDIS0010", the AUX fields, then the function libraries. Call once, first.
  Status WriteHeader(const RdbAuxFields& aux);
  // One function library's record (FUNCTION DUMP's payload is a list of them).
  Status WriteFunctionLibrary(std::string_view code);
  // One more AUX field (after WriteHeader, before the first database).
  Status WriteAux(std::string_view field, std::string_view value);
  // SELECTDB `db`, then RESIZEDB with the database's key count and count of keys with a TTL
  // (hints for the loader's table sizes; they need not be exact).
  Status BeginDatabase(int db, uint64_t keys, uint64_t keys_with_ttl);
  // One key of the current database, with its TTL if it has one.
  Status WriteEntry(const store::Entry& e);
  // The same from parts: a string key; expire_at_ms < 0 means no TTL.
  Status WriteString(std::string_view key, std::string_view value, int64_t expire_at_ms);
  // The value alone, as DUMP's payload starts: its type byte, then its encoding.
  Status WriteValue(const store::Entry& e);
  // A collection's record in pieces: its TTL, type and key here, then its body through a
  // BodyCursor (value_codec.h), then EndObject(). Nothing else may be written in between.
  Status BeginObject(const store::Entry& e);
  Status EndObject();
  // A whole record (TTL, type, key, value) serialized earlier by another writer of the same
  // options, e.g. into a StringSink: an entry saved while another record was open.
  Status AppendRecord(std::string_view record);

  // For the per-type codecs (persistence/value_codec.h), which write a collection's body:
  // a length, a string (with the integer and LZF encodings), raw bytes, a binary double.
  void AppendLength(uint64_t len) { PutLength(len); }
  void AppendString(std::string_view s) { PutString(s); }
  void AppendRaw(std::string_view s) { PutBytes(s.data(), s.size()); }
  // A string already LZF-compressed (`lzf` decompresses to raw_len bytes).
  void AppendLzfString(std::string_view lzf, size_t raw_len);
  bool compression() const { return options_.compression; }
  void AppendBinaryDouble(double v);
  // EOF opcode and the checksum, then everything is handed to the sink (Flush, not Sync).
  // Nothing may be written afterwards.
  Status Finish();

  // Hands the buffered bytes to the sink without ending the stream (DUMP, which has no EOF).
  Status FlushBuffered() {
    Drain();
    return status_;
  }

  // Bytes produced so far (buffered ones included).
  uint64_t bytes_written() const { return flushed_ + buffer_used_; }
  uint64_t keys_written() const { return keys_written_; }
  const Status& status() const { return status_; }

 private:
  void PutByte(uint8_t b);
  void PutBytes(const char* data, size_t n);
  void PutLength(uint64_t len);
  void PutString(std::string_view s);
  void PutAux(std::string_view field, std::string_view value);
  void PutExpire(int64_t expire_at_ms);   // nothing when < 0
  void PutAccess(const store::Entry& e);  // IDLE or FREQ per options_ (see RdbWriterOptions)
  bool TryPutInteger(std::string_view s);
  bool TryPutLzf(std::string_view s);
  // Makes room for n bytes in the buffer, draining it to the sink when needed.
  void Reserve(size_t n);
  // Checksums the buffered bytes and hands them to the sink.
  void Drain();

  ByteSink* sink_;
  RdbWriterOptions options_;
  std::unique_ptr<char[]> buffer_;
  size_t buffer_used_ = 0;
  uint64_t flushed_ = 0;
  uint64_t crc_ = 0;
  uint64_t keys_written_ = 0;
  bool finished_ = false;
  Status status_;
  LzfCompressor lzf_;
  std::string lzf_scratch_;
};

}  // namespace basalt::persistence
