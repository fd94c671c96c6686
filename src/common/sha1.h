// SHA-1 (FIPS 180-4), for script names: EVAL identifies a script by the SHA-1 of its body,
// in lower-case hex, as Redis does (SCRIPT LOAD's reply, EVALSHA, redis.sha1hex).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace basalt {

std::array<uint8_t, 20> Sha1(std::string_view data);
// The 40 lower-case hex digits of Sha1(data).
std::string Sha1Hex(std::string_view data);

}  // namespace basalt
