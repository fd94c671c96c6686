// Reading RDB files (versions 1 to 10, i.e. up to Redis 7.0).
//
// Two layers:
//  - ReadRdb() parses a stream and reports what it finds to an RdbVisitor. It knows nothing
//    about the keyspace, so the AOF loader (RDB preamble), a replica (full sync) or a checking
//    tool can reuse it.
//  - LoadRdb() is ReadRdb() with a visitor that fills a store::Keyspace.
//
// What is accepted: every string encoding Redis writes (raw, INT8/16/32, LZF), the
// collection encodings that value_codec.h reads, AUX (unknown
// fields are passed to the visitor and otherwise ignored), SELECTDB, RESIZEDB, EXPIRETIME_MS
// and the older EXPIRETIME (seconds), IDLE and FREQ (passed on as access hints).
//
// Errors (the first one stops the read; the message names the byte offset where the offending
// item starts):
//  - Corruption: the bytes are not a valid RDB stream. "wrong signature ...", "unexpected end
//    of file at offset N (reading ...)", "unknown opcode 0x.. at offset N", "unknown length
//    encoding ...", "invalid LZF data ...", "bad RDB checksum ...", duplicate keys.
//  - NotSupported: valid RDB content basalt cannot hold yet: "unsupported RDB version 11 ...",
//    "key 'foo' at offset N: type stream (19, listpacks v2), which basalt does not support yet",
//    functions (FUNCTION2) and module data (MODULE_AUX).
//  - InvalidArgument: a SELECTDB beyond options.databases (the file needs more databases than
//    the server is configured with).
//  - IoError from the source, and any error a visitor or the progress callback returns.
//
// A failed read may already have reported keys to the visitor: it never rolls back. Whoever
// loads must load into a fresh keyspace and discard it on error (LoadRdb requires an empty
// one) — a corrupt file is never half-loaded into live data.
//
// The stream ends right after the checksum; the reader may have read ahead from the source
// beyond it. stats.bytes_read is the exact size of the RDB part, so a caller that continues
// after it (an AOF with an RDB preamble) reopens or seeks the file there.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "basalt/status.h"
#include "persistence/byte_io.h"
#include "persistence/value_codec.h"
#include "store/encoding_limits.h"
#include "store/entry.h"

namespace basalt::store {
class Keyspace;
}  // namespace basalt::store

namespace basalt::persistence {

// Receives the contents of an RDB stream in file order. Views are valid only during the call.
// A non-ok return stops the read with that status.
class RdbVisitor {
 public:
  virtual ~RdbVisitor() = default;
  // Every AUX field, well-known or not.
  virtual Status OnAux(std::string_view field, std::string_view value) { return Status::Ok(); }
  virtual Status OnSelectDb(int db) { return Status::Ok(); }
  // Sizing hints for database `db` (the one last selected). When the source knows its size,
  // hints larger than the remaining data could hold are lowered to that bound.
  virtual Status OnResizeDb(int db, uint64_t keys, uint64_t keys_with_ttl) { return Status::Ok(); }
  // A string key. expire_at_ms: absolute Unix ms, or -1 when the key has no TTL (a stored
  // time before the epoch is reported as 0: already expired).
  virtual Status OnString(int db, std::string_view key, std::string_view value,
                          int64_t expire_at_ms) = 0;
  // A function library's source code (FUNCTION LOAD's argument). By default refused
  // (NotSupported), for visitors that cannot keep one.
  virtual Status OnFunctionLibrary(std::string_view code);
  // Redis's LRU or LFU item for the next key (IDLE: seconds since its last access; FREQ: its
  // LFU counter), each -1 when absent. Called just before that key's OnString / OnObject.
  virtual void OnAccessHint(int64_t idle_seconds, int64_t lfu_freq) {}
  // A collection key (hash, list, set, zset), decoded and validated; the visitor takes the
  // value. Empty collections are skipped before this, as Redis 7.0 skips them. By default
  // collections are refused (NotSupported), for visitors that only understand strings.
  virtual Status OnObject(int db, std::string_view key, store::ValueType type,
                          std::unique_ptr<store::CompositeValue> value, int64_t expire_at_ms);
};

// The well-known AUX fields, as found in the file (-1 / empty when absent).
struct RdbAuxInfo {
  std::string redis_ver;
  int64_t redis_bits = -1;
  int64_t ctime = -1;
  int64_t used_mem = -1;
  int64_t repl_stream_db = -1;
  std::string repl_id;
  int64_t repl_offset = -1;
  int aof_base = -1;  // 0 or 1 when present ("aof-base", or "aof-preamble" from Redis 5/6)
};

struct RdbReadStats {
  int version = 0;
  uint64_t bytes_read = 0;  // up to and including the checksum
  uint64_t keys_read = 0;
  uint64_t aux_fields = 0;
  // False when the file's checksum was not checked: disabled in options, written as zero
  // (the writer ran with rdbchecksum no), or a version before 5 which has none.
  bool checksum_verified = false;
  RdbAuxInfo aux;
};

struct RdbReaderOptions {
  bool verify_checksum = true;
  // SELECTDB must name a database below this.
  int databases = 16;
  // progress(bytes_read, keys_read) is called each time about this many more bytes have been
  // read (checked between keys), and once at the end. A non-ok return aborts the read with
  // that status (e.g. shutdown requested while loading).
  uint64_t progress_interval_bytes = 2 * 1024 * 1024;
  std::function<Status(uint64_t bytes_read, uint64_t keys_read)> progress;
  // Size of the read buffer; longer strings are read straight into their own storage.
  size_t buffer_size = 64 * 1024;
  // Collections within these limits load compact (listpack, intset), as in Redis.
  store::EncodingLimits limits;
};

// Parses a whole RDB stream from `source`, reporting to `visitor`. `stats` (optional) is filled
// as far as the read got, also on error.
Status ReadRdb(ByteSource* source, RdbVisitor* visitor, const RdbReaderOptions& options,
               RdbReadStats* stats);

// A value as DUMP writes it: the type byte, then the value (no key, no footer). Used by
// RESTORE after it checked the footer.
struct DumpedValue {
  bool is_string = false;
  std::string string_value;
  DecodedValue object;
};
Status ReadDumpedValue(std::string_view body, const store::EncodingLimits& limits,
                       DumpedValue* out);

// FUNCTION DUMP's body (the payload without its footer): function library records only.
// Sets *codes to the libraries' code in payload order.
Status ReadFunctionPayload(std::string_view body, std::vector<std::string>* codes);

struct RdbLoadOptions {
  RdbReaderOptions reader;  // reader.databases is taken from the keyspace
  // Keys whose TTL is before now_ms are dropped, as a Redis primary does on load. Replicas
  // (whose primary decides expiry) and AOF preambles load them. Access records (IDLE, FREQ)
  // count from now_ms too.
  bool skip_expired = true;
  int64_t now_ms = 0;
  // Insert into the tables on a second thread while this one reads and decodes
  // (keyspace_loader.cc); false does both on the calling thread.
  bool insert_thread = true;
};

struct RdbLoadStats {
  RdbReadStats read;
  // The function libraries' code, in file order: the caller installs them (they are not keys).
  std::vector<std::string> function_libraries;
  uint64_t keys_loaded = 0;
  uint64_t expired_skipped = 0;
};

// A key as error messages show it: quoted, printable bytes as they are, others as \xHH, long
// keys cut.
std::string QuoteKey(std::string_view key);

// Loads an RDB stream into `keyspace`, which must hold no keys (InvalidArgument otherwise).
// On error the keyspace holds an unspecified part of the file and the caller must discard it.
// A key that appears twice in one database is a Corruption error.
Status LoadRdb(ByteSource* source, store::Keyspace* keyspace, const RdbLoadOptions& options,
               RdbLoadStats* stats);

}  // namespace basalt::persistence
