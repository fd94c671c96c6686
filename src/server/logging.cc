#include "server/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace basalt::server {

void SetLogLevel(const std::string& level) {
  // Redis's four levels onto spdlog's: verbose sits between debug and notice.
  spdlog::level::level_enum l = spdlog::level::info;
  if (level == "debug") l = spdlog::level::trace;
  if (level == "verbose") l = spdlog::level::debug;
  if (level == "notice") l = spdlog::level::info;
  if (level == "warning") l = spdlog::level::warn;
  spdlog::set_level(l);
}

Status SetupLogging(const std::string& logfile, const std::string& level) {
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (logfile.empty()) {
      logger = spdlog::stdout_logger_mt("basalt");
    } else {
      logger = spdlog::basic_logger_mt("basalt", logfile);
    }
  } catch (const spdlog::spdlog_ex& e) {
    return Status::IoError("Can't open the log file '" + logfile + "': " + e.what());
  }
  // Close to Redis's "pid:M 21 Nov 2026 23:38:10.123 * message".
  logger->set_pattern("%P:M %d %b %Y %H:%M:%S.%e %L %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  SetLogLevel(level);
  return Status::Ok();
}

}  // namespace basalt::server
