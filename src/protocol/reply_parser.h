// Replies as a client reads them: RESP2 and RESP3 values decoded from bytes.
//
// The embedded Store reads its in-process session's replies with it, and a replica will read
// its primary's handshake replies (+PONG, +FULLRESYNC <replid> <offset>, -NOAUTH ...) with it.
// (The replication stream itself is requests, read by request_parser.h, and a full sync's RDB
// payload is streamed after its $<len> or $EOF:<mark> line, never held as one Reply.)
//
// Parsing restarts from the first byte on every call: a reply that arrives in pieces is parsed
// again whole once more bytes came. That suits replies of a few MB at most, which is all its
// users read; nothing is consumed until a reply is complete.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::protocol {

struct Reply {
  enum class Kind : uint8_t {
    kSimpleString,  // +
    kError,         // - and RESP3's blob error !
    kInteger,       // :
    kBulkString,    // $
    kNull,          // $-1, *-1 and RESP3's _
    kArray,         // *
    kDouble,        // ,  (text holds the digits as sent, number their value)
    kBoolean,       // #  (integer is 1 or 0)
    kBigNumber,     // (  (text holds the digits)
    kVerbatim,      // =  (format holds "txt" or "mkd", text the rest)
    kMap,           // %  (elements: key, value, key, value, ...)
    kSet,           // ~
    kPush,          // >
  };
  Kind kind = Kind::kNull;
  std::string text;
  std::string format;
  int64_t integer = 0;
  double number = 0;
  std::vector<Reply> elements;
};

struct ReplyLimits {
  int max_depth = 64;                // arrays, maps, sets, pushes inside each other
  int64_t max_bulk = 512LL << 20;    // a bulk's announced length (proto-max-bulk-len)
  int64_t max_elements = 1LL << 32;  // an aggregate's announced count
};

enum class ReplyParse { kComplete, kNeedMore, kError };

// Decodes the reply at the start of `in`. kComplete: *out holds it and *consumed its length in
// bytes (more replies may follow). kNeedMore: `in` holds a proper prefix of a reply, and
// nothing is consumed. kError: `in` does not start with a RESP reply; *error says why.
// RESP3 attributes (|) are read and dropped with the reply they annotate.
ReplyParse ParseReply(std::string_view in, Reply* out, size_t* consumed, std::string* error,
                      const ReplyLimits& limits = {});

}  // namespace basalt::protocol
