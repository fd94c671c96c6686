// INFO errorstats' counting rules (error_stats.h); what the dispatcher counts is tested through
// the harness (server_info_test.cc).
#include "commands/error_stats.h"

#include <doctest/doctest.h>

#include <string>

TEST_SUITE("error stats") {
  TEST_CASE("the code is the first word within 31 bytes, else ERR; at most 128 codes") {
    basalt::cmd::ErrorStats stats;
    stats.Count("WRONGTYPE Operation against a key holding the wrong kind of value");
    stats.Count("ERR syntax error");
    stats.Count("NOSPACEINTHISMESSAGE");
    stats.Count(std::string(40, 'X') + " after forty bytes");
    CHECK(stats.counts().at("ERR") == 3);
    CHECK(stats.counts().at("WRONGTYPE") == 1);
    for (int i = 0; i < 200; ++i) stats.Count("C" + std::to_string(i) + " made up");
    CHECK(stats.counts().size() == basalt::cmd::ErrorStats::kMaxCodes);
    stats.Count("WRONGTYPE again");  // known codes go on counting
    CHECK(stats.counts().at("WRONGTYPE") == 2);
  }
}
