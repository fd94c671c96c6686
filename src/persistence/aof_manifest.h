// The AOF manifest of Redis 7's multi-part layout (appenddirname/appendfilename.manifest):
//
//   file appendonly.aof.1.base.rdb seq 1 type b
//   file appendonly.aof.1.incr.aof seq 1 type i
//   file appendonly.aof.2.incr.aof seq 2 type i
//
// One base file (an RDB snapshot or RESP commands), then incr files of RESP commands applied in
// order; 'h' marks history files that are no longer part of the dataset and may be deleted.
// The manifest is replaced atomically, so it always names a complete dataset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "basalt/status.h"

namespace basalt::persistence {

struct AofFileInfo {
  enum class Type : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };
  std::string name;
  int64_t seq = 0;
  Type type = Type::kIncr;
};

struct AofManifest {
  std::optional<AofFileInfo> base;
  std::vector<AofFileInfo> incrs;    // in replay order
  std::vector<AofFileInfo> history;  // to delete

  int64_t NextBaseSeq() const { return base ? base->seq + 1 : 1; }
  int64_t NextIncrSeq() const { return incrs.empty() ? 1 : incrs.back().seq + 1; }

  std::string Format() const;
  // Parses manifest text; errors name the line.
  static Result<AofManifest> Parse(const std::string& text);
};

// File names as Redis 7 forms them from appendfilename.
std::string AofManifestName(const std::string& appendfilename);
std::string AofBaseName(const std::string& appendfilename, int64_t seq, bool rdb_preamble);
std::string AofIncrName(const std::string& appendfilename, int64_t seq);

}  // namespace basalt::persistence
