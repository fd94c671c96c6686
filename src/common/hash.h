// Keyed 64-bit hash for the keyspace. The seed is random per process so clients cannot craft
// keys that all land in one bucket (hash flooding).
#pragma once

#include <cstdint>
#include <string_view>

namespace basalt {

uint64_t HashBytes(std::string_view data, uint64_t seed);
uint64_t ProcessHashSeed();
inline uint64_t HashKey(std::string_view key) { return HashBytes(key, ProcessHashSeed()); }

}  // namespace basalt
