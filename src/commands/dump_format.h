// DUMP and RESTORE's payload: a value in RDB encoding, then the RDB version (2 bytes,
// little-endian) and a CRC-64 of everything before it (8 bytes, little-endian), exactly as
// Redis 7.0 makes it, so payloads move between Redis and basalt (MIGRATE-style tools, backups).
//
// The RDB codecs belong to the persistence layer, which implements this; the engine (and the
// command test harness, and the AOF replayer) hand it to the commands through ServerContext.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/encoding_limits.h"
#include "store/entry.h"

namespace basalt::cmd {

class DumpFormat {
 public:
  virtual ~DumpFormat() = default;
  // The payload of e's value.
  virtual std::string Dump(const store::Entry& e, bool compress) const = 0;

  enum class RestoreResult { kOk, kBadVersionOrChecksum, kBadData };
  // A new entry (not inserted anywhere) for `key` holding the payload's value, with TTL
  // expire_at_ms (< 0: none). Collections within `limits` come back compact.
  virtual RestoreResult Restore(std::string_view payload, std::string_view key,
                                int64_t expire_at_ms, const store::EncodingLimits& limits,
                                store::Entry** out) const = 0;

  // FUNCTION DUMP's payload: a function library record per library's code, then the same
  // footer.
  virtual std::string DumpFunctions(const std::vector<std::string>& codes, bool compress) const = 0;
  // FUNCTION RESTORE: the libraries' code the payload holds, in order. Redis's error text
  // (without its ERR code) when the payload is not one, empty when fine.
  virtual std::string RestoreFunctions(std::string_view payload,
                                       std::vector<std::string>* codes) const = 0;
};

}  // namespace basalt::cmd
