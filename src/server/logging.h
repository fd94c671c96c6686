// spdlog setup from the loglevel/logfile parameters, with Redis's level names.
#pragma once

#include <string>

#include "basalt/status.h"

namespace basalt::server {

// Sends the default logger to `logfile` (empty: standard output) at Redis level `level`.
Status SetupLogging(const std::string& logfile, const std::string& level);
// Changes the level at runtime (CONFIG SET loglevel).
void SetLogLevel(const std::string& level);

}  // namespace basalt::server
