#include "common/sha1.h"

#include <doctest/doctest.h>

#include <string>

namespace basalt {

TEST_CASE("SHA-1 gives the FIPS 180 test vectors") {
  CHECK(Sha1Hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(Sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(Sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(Sha1Hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST_CASE("SHA-1 pads correctly at every length around a block boundary") {
  // 55 bytes fit the length in one final block; 56 to 63 need a second one.
  CHECK(Sha1Hex(std::string(55, 'x')) == "cef734ba81a024479e09eb5a75b6ddae62e6abf1");
  CHECK(Sha1Hex(std::string(56, 'x')) == "901305367c259952f4e7af8323f480d59f81335b");
  CHECK(Sha1Hex(std::string(64, 'x')) == "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163");
}

TEST_CASE("SHA-1 of a script body is the name EVAL gives it") {
  // As redis-server 7.0.15 answers SCRIPT LOAD "return 1".
  CHECK(Sha1Hex("return 1") == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

}  // namespace basalt
