#include "common/crc64.h"

#include <doctest/doctest.h>

#include <random>
#include <string>

using basalt::Crc64;
using basalt::Crc64Reference;

TEST_SUITE("crc64") {
  TEST_CASE("check value of 123456789 is Redis's") {
    CHECK(Crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
    CHECK(Crc64Reference(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
  }

  TEST_CASE("empty input leaves the running value unchanged") {
    CHECK(Crc64(0, "", 0) == 0);
    CHECK(Crc64(0x1234, "", 0) == 0x1234);
  }

  TEST_CASE("fast paths agree with the bitwise definition for every length and alignment") {
    // Every length up to 400 crosses the table/folding threshold and each folding stage (64-byte
    // lanes, 16-byte steps, the tail); longer ones step faster. Running values too.
    std::mt19937_64 rng(7);
    std::string data(3000, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    for (size_t start = 0; start < 17; ++start) {
      for (size_t len = 0; start + len <= data.size(); len += len < 400 ? 1 : 1 + len / 8) {
        const uint64_t seed = len % 3 == 0 ? 0 : rng();
        REQUIRE(Crc64(seed, data.data() + start, len) ==
                Crc64Reference(seed, data.data() + start, len));
      }
    }
  }

  TEST_CASE("incremental checksum over any split equals the one-shot checksum") {
    std::mt19937_64 rng(11);
    std::string data(4096, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    uint64_t whole = Crc64(0, data);
    for (size_t cut = 0; cut <= data.size(); cut += 97) {
      uint64_t part = Crc64(0, data.data(), cut);
      CHECK(Crc64(part, data.data() + cut, data.size() - cut) == whole);
    }
    // Many small pieces.
    uint64_t running = 0;
    for (size_t i = 0; i < data.size(); i += 13) {
      running = Crc64(running, data.data() + i, std::min<size_t>(13, data.size() - i));
    }
    CHECK(running == whole);
  }

  TEST_CASE("a single flipped bit changes the checksum") {
    std::string data(1000, 'x');
    uint64_t before = Crc64(0, data);
    data[500] ^= 0x10;
    CHECK(Crc64(0, data) != before);
  }
}
