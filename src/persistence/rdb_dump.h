// The DUMP / RESTORE payload format (commands/dump_format.h) over the RDB codecs.
#pragma once

#include "commands/dump_format.h"

namespace basalt::persistence {

class RdbDumpFormat final : public cmd::DumpFormat {
 public:
  std::string Dump(const store::Entry& e, bool compress) const override;
  RestoreResult Restore(std::string_view payload, std::string_view key, int64_t expire_at_ms,
                        const store::EncodingLimits& limits, store::Entry** out) const override;
  std::string DumpFunctions(const std::vector<std::string>& codes, bool compress) const override;
  std::string RestoreFunctions(std::string_view payload,
                               std::vector<std::string>* codes) const override;
};

// One instance is enough: the format has no state.
const cmd::DumpFormat& DumpFormatInstance();

}  // namespace basalt::persistence
