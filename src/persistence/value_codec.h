// How collections are saved and restored: the RDB body of each type in Redis 7.0's encodings
// (so redis-server and redis-check-rdb read our files and we read theirs), and the commands an
// AOF rewrite emits to rebuild them. This header dispatches on the type; each type's codec is
// its own file (hash_codec.cc, ...), declared in type_codecs.h.
//
// Strings are not handled here: the RDB writer and reader do them inline (the hot path of a
// snapshot of a cache).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "basalt/status.h"
#include "store/encoding_limits.h"
#include "store/entry.h"

namespace basalt::persistence {

class RdbWriter;

// ---- Writing -------------------------------------------------------------------------------

// The RDB type byte Redis 7.0 writes for e's value (e is not a string).
uint8_t RdbTypeOf(const store::Entry& e);
// Writes e's value body, which follows the type byte and key.
void WriteObjectBody(RdbWriter& w, const store::Entry& e);

// ---- Writing in pieces (a background snapshot of a big collection) ------------------------

// Writes one collection's body a few elements per call, so a snapshot taken in the event loop
// never stops it for a whole big value. It reads the value in place: the value must neither
// change nor be freed until the body is complete (the snapshotter guarantees it: a change
// first completes the body).
class BodyCursor {
 public:
  virtual ~BodyCursor() = default;
  // Writes about max_elements more elements (at least one node of a list); true when the body
  // is complete, exactly as WriteObjectBody would have written it.
  virtual bool WriteSome(RdbWriter& w, size_t max_elements) = 0;
};

// Collections of at least this many elements are written in pieces: below it, the whole body
// takes well under a millisecond.
inline constexpr size_t kPiecewiseMinElements = 4096;

// Whether e's body is written in pieces: a collection of kPiecewiseMinElements or more
// elements, in an encoding walked element by element (a compact blob is written whole).
bool WritesInPieces(const store::Entry& e);
// A cursor over e's body when WritesInPieces(e); nullptr otherwise.
std::unique_ptr<BodyCursor> OpenBodyCursor(const store::Entry& e);

// ---- Reading -------------------------------------------------------------------------------

// What a codec reads a body from: the RDB parser (a file, a replica's stream) or a RESTORE
// payload. Each call fails with Corruption (naming `what` and the offset) on bad or missing
// bytes; views are valid until the next call.
class RdbValueInput {
 public:
  virtual ~RdbValueInput() = default;
  virtual Status ReadLength(uint64_t* len, std::string_view what) = 0;
  virtual Status ReadString(std::string* scratch, std::string_view* out, std::string_view what) = 0;
  // ReadString into a buffer the input keeps across values (a compressed blob allocates
  // nothing per key): *out is valid until the next read.
  virtual Status ReadBlob(std::string_view* out, std::string_view what) = 0;
  // ReadBlob that also gives the blob's LZF-compressed bytes when the input held it so (empty
  // otherwise; valid until the next read), for a value that keeps nodes compressed.
  virtual Status ReadBlobAndPacked(std::string_view* out, std::string_view* lzf,
                                   std::string_view what) {
    *lzf = {};
    return ReadBlob(out, what);
  }
  // n (at most 16) bytes as they are (a stream's pending entry IDs and times); *out is valid
  // until the next read.
  virtual Status ReadRaw(size_t n, std::string_view* out, std::string_view what) = 0;
  // 8 bytes, little-endian IEEE 754 (ZSET_2).
  virtual Status ReadBinaryDouble(double* out, std::string_view what) = 0;
  // One length byte, then that many ASCII bytes; 253/254/255 mean nan/+inf/-inf (ZSET).
  virtual Status ReadTextDouble(double* out, std::string_view what) = 0;
  // Bytes the input holds at most from here (-1: unknown), to refuse absurd counts early.
  virtual int64_t remaining() const = 0;
};

struct DecodedValue {
  store::ValueType type = store::ValueType::kString;
  // Null when the stored collection was empty: Redis 7.0 skips such keys on load.
  std::unique_ptr<store::CompositeValue> value;
};

// Reads the body of a value of RDB type `rdb_type` (a collection type). Collections within
// `limits` come back compact, as Redis loads them. Inner blobs (listpacks, ziplists, intsets)
// are validated: a corrupt one is Corruption, never a crash. NotSupported for types basalt
// does not hold (modules).
Status ReadObjectBody(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                      DecodedValue* out);

// ---- AOF rewrite ---------------------------------------------------------------------------

// Appends to `out` the commands that rebuild e (not a string) in RESP: batches of at most 64
// elements per command, as Redis writes them, then PEXPIREAT when e has a TTL. `flush` is
// called whenever `out` has grown large, so a huge collection is never held whole; its error
// stops the walk.
Status AppendRewriteCommands(const store::Entry& e, std::string& out,
                             const std::function<Status()>& flush);

// Elements per command in an AOF rewrite (Redis's AOF_REWRITE_ITEMS_PER_CMD).
inline constexpr size_t kRewriteItemsPerCommand = 64;

}  // namespace basalt::persistence
