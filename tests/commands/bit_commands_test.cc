// SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO LCS. Expected replies checked
// against redis-server 7.0.15.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "commands/harness.h"
#include "commands/string_test_helpers.h"

using namespace basalt::test;

namespace {

const std::string kBadOffset = Err("ERR bit offset is not an integer or out of range");
const std::string kBadBit = Err("ERR bit is not an integer or out of range");
const std::string kBadType =
    Err("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
        "i64 is.");
const std::string kSyntax = Err("ERR syntax error");
const std::string kNotInt = Err("ERR value is not an integer or out of range");

std::string Arr(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& item : items) out += item;
  return out;
}

}  // namespace

TEST_SUITE("bit commands") {
  TEST_CASE("SETBIT returns the old bit, grows the string and GETBIT reads it") {
    Harness h;
    CHECK(h.Run({"SETBIT", "k", "7", "1"}) == Int(0));
    CHECK(h.Run({"GET", "k"}) == Bulk("\x01"));
    CHECK(h.Run({"SETBIT", "k", "7", "0"}) == Int(1));
    CHECK(h.Run({"SETBIT", "k", "0", "1"}) == Int(0));
    CHECK(h.Run({"SETBIT", "k", "17", "1"}) == Int(0));
    CHECK(h.Run({"GET", "k"}) == Bulk(std::string("\x80\x00\x40", 3)));
    CHECK(h.Run({"GETBIT", "k", "0"}) == Int(1));
    CHECK(h.Run({"GETBIT", "k", "1"}) == Int(0));
    CHECK(h.Run({"GETBIT", "k", "17"}) == Int(1));
    CHECK(h.Run({"GETBIT", "k", "100000"}) == Int(0));
    CHECK(h.Run({"GETBIT", "missing", "3"}) == Int(0));
  }

  TEST_CASE("SETBIT of the bit already there is not a write unless the string grows") {
    Harness h;
    h.Run({"SETBIT", "k", "3", "1"});
    CHECK(h.Run({"SETBIT", "k", "3", "1"}) == Int(1));
    CHECK(h.Run({"SETBIT", "k", "2", "0"}) == Int(0));
    CHECK(h.Run({"SETBIT", "k", "20", "0"}) == Int(0));  // grows: a write
    CHECK(h.Run({"STRLEN", "k"}) == Int(3));
    CHECK(Propagated(h) == std::vector<std::string>{"SETBIT k 3 1", "SETBIT k 20 0"});
  }

  TEST_CASE("writes that store the bits already there leave a WATCH alone") {
    Harness h;
    h.Run({"SET", "k", "a"});
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.Run({"SETBIT", "k", "1", "1"}) == Int(1));
    CHECK(h.Run({"BITFIELD", "k", "SET", "u8", "0", "97"}) == "*1\r\n:97\r\n");
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"PING"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) == "*1\r\n+PONG\r\n");
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.Run({"SETBIT", "k", "0", "1"}) == Int(0));
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"EXEC"}) == NilArray());
  }

  TEST_CASE("SETBIT keeps the TTL and crosses the inline/heap boundary") {
    Harness h;
    h.Run({"SET", "k", "abc", "EX", "100"});
    CHECK(h.Run({"SETBIT", "k", "2000", "1"}) == Int(0));
    CHECK(h.Run({"TTL", "k"}) == Int(100));
    CHECK(h.Run({"STRLEN", "k"}) == Int(251));
    CHECK(h.Run({"GETRANGE", "k", "0", "2"}) == Bulk("abc"));
    CHECK(h.Run({"GETBIT", "k", "2000"}) == Int(1));
    CHECK(h.Run({"SETBIT", "k", "2001", "1"}) == Int(0));
    CHECK(h.Run({"BITCOUNT", "k"}) == Int(10 + 2));
  }

  TEST_CASE("SETBIT and GETBIT argument errors") {
    Harness h;
    CHECK(h.Run({"SETBIT", "k", "-1", "1"}) == kBadOffset);
    CHECK(h.Run({"SETBIT", "k", "abc", "1"}) == kBadOffset);
    CHECK(h.Run({"SETBIT", "k", "#1", "1"}) == kBadOffset);
    CHECK(h.Run({"SETBIT", "k", "4294967296", "1"}) == kBadOffset);  // byte 512 MB
    CHECK(h.Run({"SETBIT", "k", "1", "2"}) == kBadBit);
    CHECK(h.Run({"SETBIT", "k", "1", "-1"}) == kBadBit);
    CHECK(h.Run({"SETBIT", "k", "1", "x"}) == kBadBit);
    CHECK(h.Run({"GETBIT", "k", "-1"}) == kBadOffset);
    CHECK(h.Run({"EXISTS", "k"}) == Int(0));
    PutList(h, "l");
    CHECK(h.Run({"SETBIT", "l", "1", "1"}) == Err(kWrongType));
    CHECK(h.Run({"GETBIT", "l", "1"}) == Err(kWrongType));
    CHECK(h.Run({"SETBIT", "l", "x", "1"}) == kBadOffset);  // arguments first
  }

  TEST_CASE("the offset limit follows proto-max-bulk-len") {
    Harness h;
    h.Run({"CONFIG", "SET", "proto-max-bulk-len", "1048576"});
    CHECK(h.Run({"SETBIT", "k", "8388608", "1"}) == kBadOffset);
    CHECK(h.Run({"SETBIT", "k", "8388607", "1"}) == Int(0));
    CHECK(h.Run({"STRLEN", "k"}) == Int(1048576));
    CHECK(h.Run({"BITFIELD", "k", "SET", "u8", "8388608", "1"}) == kBadOffset);
    CHECK(h.Run({"BITFIELD", "k", "GET", "u8", "#1048575"}) == Arr({Int(1)}));
  }

  TEST_CASE("BITCOUNT in bytes and bits, with negative and clamped ranges") {
    Harness h;
    h.Run({"SET", "k", "foobar"});
    CHECK(h.Run({"BITCOUNT", "k"}) == Int(26));
    CHECK(h.Run({"BITCOUNT", "k", "0", "0"}) == Int(4));
    CHECK(h.Run({"BITCOUNT", "k", "1", "1"}) == Int(6));
    CHECK(h.Run({"BITCOUNT", "k", "1", "1", "byte"}) == Int(6));
    CHECK(h.Run({"BITCOUNT", "k", "5", "30", "BIT"}) == Int(17));
    CHECK(h.Run({"BITCOUNT", "k", "-2", "-1"}) == Int(7));
    CHECK(h.Run({"BITCOUNT", "k", "-100", "100"}) == Int(26));
    CHECK(h.Run({"BITCOUNT", "k", "3", "1"}) == Int(0));
    CHECK(h.Run({"BITCOUNT", "k", "-1", "-2", "nonsense"}) == Int(0));  // answered first
    CHECK(h.Run({"BITCOUNT", "k", "0", "-1", "nonsense"}) == kSyntax);
    CHECK(h.Run({"BITCOUNT", "k", "1"}) == kSyntax);
    CHECK(h.Run({"BITCOUNT", "k", "0", "1", "BIT", "x"}) == kSyntax);
    CHECK(h.Run({"BITCOUNT", "k", "a", "1"}) == kNotInt);
    // A missing key is 0 before any argument is looked at.
    CHECK(h.Run({"BITCOUNT", "missing", "a", "b"}) == Int(0));
    CHECK(h.Run({"BITCOUNT", "missing", "1"}) == Int(0));
    h.Run({"SET", "e", ""});
    CHECK(h.Run({"BITCOUNT", "e", "0", "-1", "BIT"}) == Int(0));
  }

  TEST_CASE("BITCOUNT counts long values word by word") {
    Harness h;
    std::string v(1000, '\xff');
    v[500] = '\x01';
    h.Run({"SET", "k", v});
    CHECK(h.Run({"BITCOUNT", "k"}) == Int(999 * 8 + 1));
    CHECK(h.Run({"BITCOUNT", "k", "3", "7997", "BIT"}) == Int(7995 - 7));
    CHECK(h.Run({"BITCOUNT", "k", "499", "501"}) == Int(17));
  }

  TEST_CASE("BITPOS finds set and clear bits") {
    Harness h;
    h.Run({"SET", "k", std::string("\xff\xf0\x00", 3)});
    CHECK(h.Run({"BITPOS", "k", "0"}) == Int(12));
    CHECK(h.Run({"BITPOS", "k", "1"}) == Int(0));
    CHECK(h.Run({"BITPOS", "k", "1", "2"}) == Int(-1));
    CHECK(h.Run({"BITPOS", "k", "0", "1", "1"}) == Int(12));
    CHECK(h.Run({"BITPOS", "k", "1", "7", "15", "BIT"}) == Int(7));
    CHECK(h.Run({"BITPOS", "k", "0", "3", "11", "bit"}) == Int(-1));
    CHECK(h.Run({"BITPOS", "k", "0", "3", "12", "bit"}) == Int(12));
    CHECK(h.Run({"BITPOS", "k", "1", "-1"}) == Int(-1));
    CHECK(h.Run({"BITPOS", "k", "1", "2", "1"}) == Int(-1));
    CHECK(h.Run({"BITPOS", "missing", "0"}) == Int(0));
    CHECK(h.Run({"BITPOS", "missing", "1"}) == Int(-1));
    CHECK(h.Run({"BITPOS", "missing", "1", "junk"}) == Int(-1));
  }

  TEST_CASE("BITPOS 0 on all ones: past the end without an end, -1 with one") {
    Harness h;
    h.Run({"SET", "k", std::string(20, '\xff')});
    CHECK(h.Run({"BITPOS", "k", "0"}) == Int(160));
    CHECK(h.Run({"BITPOS", "k", "0", "2"}) == Int(160));
    CHECK(h.Run({"BITPOS", "k", "0", "2", "-1"}) == Int(-1));
    CHECK(h.Run({"BITPOS", "k", "0", "0", "-1", "BIT"}) == Int(-1));
    h.Run({"SET", "e", ""});
    CHECK(h.Run({"BITPOS", "e", "0"}) == Int(-1));
    CHECK(h.Run({"BITPOS", "e", "1"}) == Int(-1));
  }

  TEST_CASE("BITPOS argument errors") {
    Harness h;
    h.Run({"SET", "k", "a"});
    CHECK(h.Run({"BITPOS", "k", "2"}) == Err("ERR The bit argument must be 1 or 0."));
    CHECK(h.Run({"BITPOS", "missing", "x"}) == kNotInt);
    CHECK(h.Run({"BITPOS", "k", "1", "x"}) == kNotInt);
    CHECK(h.Run({"BITPOS", "k", "1", "0", "x"}) == kNotInt);
    CHECK(h.Run({"BITPOS", "k", "1", "0", "x", "WORD"}) == kSyntax);  // the unit is read first
    CHECK(h.Run({"BITPOS", "k", "1", "0", "1", "BIT", "x"}) == kSyntax);
    PutList(h, "l");
    CHECK(h.Run({"BITPOS", "l", "1"}) == Err(kWrongType));
    CHECK(h.Run({"BITCOUNT", "l"}) == Err(kWrongType));
  }

  TEST_CASE("BITOP AND OR XOR NOT, shorter sources padded with zeros") {
    Harness h;
    h.Run({"SET", "a", "foof"});
    h.Run({"SET", "b", "ab"});
    CHECK(h.Run({"BITOP", "AND", "d", "a", "b"}) == Int(4));
    CHECK(h.Run({"GET", "d"}) == Bulk(std::string("`b\0\0", 4)));
    CHECK(h.Run({"BITOP", "or", "d", "a", "b", "missing"}) == Int(4));
    CHECK(h.Run({"GET", "d"}) == Bulk("goof"));
    CHECK(h.Run({"BITOP", "XOR", "d", "a", "b"}) == Int(4));
    CHECK(h.Run({"GET", "d"}) == Bulk(std::string("\x07\x0d"
                                                  "of",
                                                  4)));
    CHECK(h.Run({"BITOP", "NOT", "d", "b"}) == Int(2));
    CHECK(h.Run({"GET", "d"}) == Bulk("\x9e\x9d"));
    CHECK(h.Run({"BITOP", "AND", "d", "a", "missing"}) == Int(4));
    CHECK(h.Run({"GET", "d"}) == Bulk(std::string(4, '\0')));
  }

  TEST_CASE("BITOP overwrites any destination and deletes it for an empty result") {
    Harness h;
    h.Run({"SET", "a", "x"});
    PutList(h, "d");
    h.Run({"SET", "t", "v", "EX", "100"});
    CHECK(h.Run({"BITOP", "OR", "d", "a"}) == Int(1));
    CHECK(h.Run({"TYPE", "d"}) == Simple("string"));
    CHECK(h.Run({"BITOP", "OR", "t", "a"}) == Int(1));
    CHECK(h.Run({"TTL", "t"}) == Int(-1));
    CHECK(h.Run({"BITOP", "AND", "d", "m1", "m2"}) == Int(0));
    CHECK(h.Run({"EXISTS", "d"}) == Int(0));
    CHECK(h.Run({"BITOP", "AND", "d", "m1"}) == Int(0));
    // The second empty result had nothing to delete: not a write, not propagated.
    CHECK(Propagated(h) == std::vector<std::string>{"SET a x", "SET t v PXAT 1700000100000",
                                                    "BITOP OR d a", "BITOP OR t a",
                                                    "BITOP AND d m1 m2"});
  }

  TEST_CASE("BITOP errors") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"BITOP", "NOT", "d", "a", "b"}) ==
          Err("ERR BITOP NOT must be called with a single source key."));
    CHECK(h.Run({"BITOP", "NAND", "d", "a"}) == kSyntax);
    CHECK(h.Run({"BITOP", "AND", "d", "a", "l"}) == Err(kWrongType));
    CHECK(h.Run({"BITOP", "AND", "d"}) == Err("ERR wrong number of arguments for 'bitop' command"));
  }

  TEST_CASE("BITFIELD GET SET INCRBY with u and i types and #N offsets") {
    Harness h;
    CHECK(h.Run({"BITFIELD", "k", "SET", "u8", "0", "255", "GET", "u8", "0", "GET", "i8", "0"}) ==
          Arr({Int(0), Int(255), Int(-1)}));
    CHECK(h.Run({"BITFIELD", "k", "INCRBY", "u4", "#1", "3", "GET", "u4", "4"}) ==
          Arr({Int(2), Int(2)}));
    CHECK(h.Run({"BITFIELD", "k", "SET", "i16", "#1", "-2", "GET", "u16", "8"}) ==
          Arr({Int(0), Int(255)}));
    CHECK(h.Run({"GET", "k"}) == Bulk(std::string("\xf2\x00\xff\xfe", 4)));
    CHECK(h.Run({"BITFIELD", "k", "GET", "u8", "100"}) == Arr({Int(0)}));
    CHECK(h.Run({"BITFIELD", "k"}) == "*0\r\n");
    CHECK(h.Run({"BITFIELD", "missing", "GET", "i64", "0"}) == Arr({Int(0)}));
    CHECK(h.Run({"EXISTS", "missing"}) == Int(0));
  }

  TEST_CASE("BITFIELD overflow at every width: WRAP, SAT and FAIL") {
    Harness h;
    for (int bits = 1; bits <= 64; ++bits) {
      const std::string i = "i" + std::to_string(bits);
      const long long max = bits == 64 ? INT64_MAX : (1LL << (bits - 1)) - 1;
      const long long min = -max - 1;
      CAPTURE(bits);
      h.Run({"DEL", "k"});
      CHECK(h.Run({"BITFIELD", "k", "SET", i, "0", std::to_string(max), "INCRBY", i, "0", "1"}) ==
            Arr({Int(0), Int(min)}));
      CHECK(h.Run({"BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", i, "0", "-1"}) == Arr({Int(min)}));
      CHECK(h.Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", i, "0", "-1"}) == Arr({Nil()}));
      CHECK(h.Run({"BITFIELD", "k", "OVERFLOW", "SAT", "SET", i, "0", std::to_string(max), "INCRBY",
                   i, "0", "9223372036854775807"}) == Arr({Int(min), Int(max)}));
      if (bits == 64) continue;
      const std::string u = "u" + std::to_string(bits);
      const auto umax = static_cast<long long>((1ULL << bits) - 1);
      h.Run({"DEL", "k"});
      CHECK(h.Run({"BITFIELD", "k", "SET", u, "0", std::to_string(umax), "INCRBY", u, "0", "1"}) ==
            Arr({Int(0), Int(0)}));
      CHECK(h.Run({"BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", u, "0", "-5", "SET", u, "0", "-1",
                   "GET", u, "0"}) == Arr({Int(0), Int(0), Int(umax)}));
      CHECK(h.Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", u, "0", "1", "SET", u, "0",
                   "-1"}) == Arr({Nil(), Nil()}));
      CHECK(h.Run({"BITFIELD", "k", "OVERFLOW", "WRAP", "SET", u, "0", "-1", "GET", u, "0"}) ==
            Arr({Int(umax), Int(umax)}));
    }
  }

  TEST_CASE("BITFIELD i64 and u63 extremes") {
    Harness h;
    CHECK(h.Run({"BITFIELD", "k", "SET", "i64", "3", "-9223372036854775808", "INCRBY", "i64", "3",
                 "-1"}) == Arr({Int(0), Int(INT64_MAX)}));
    CHECK(h.Run({"BITFIELD", "k", "SET", "u63", "5", "9223372036854775807", "GET", "u63", "5"}) ==
          Arr({Int(INT64_MAX - 1), Int(INT64_MAX)}));
    CHECK(h.Run({"BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u63", "5",
                 "9223372036854775807"}) == Arr({Int(INT64_MAX)}));
  }

  TEST_CASE("BITFIELD SAT of a signed SET 2^63 below the maximum saturates upwards, as in Redis") {
    Harness h;
    CHECK(h.Run({"BITFIELD",
                 "q",
                 "OVERFLOW",
                 "SAT",
                 "SET",
                 "i8",
                 "0",
                 "-9223372036854775808",
                 "GET",
                 "i8",
                 "0",
                 "SET",
                 "i8",
                 "0",
                 "-9223372036854775681",
                 "GET",
                 "i8",
                 "0",
                 "SET",
                 "i8",
                 "0",
                 "-9223372036854775680",
                 "GET",
                 "i8",
                 "0",
                 "OVERFLOW",
                 "WRAP",
                 "SET",
                 "i8",
                 "0",
                 "-9223372036854775808",
                 "GET",
                 "i8",
                 "0"}) ==
          Arr({Int(0), Int(127), Int(127), Int(127), Int(127), Int(-128), Int(-128), Int(0)}));
    CHECK(h.Run({"BITFIELD", "q", "OVERFLOW", "SAT", "SET", "i1", "0", "-9223372036854775808",
                 "GET", "i1", "0", "SET", "i1", "0", "-2", "GET", "i1", "0"}) ==
          Arr({Int(0), Int(0), Int(0), Int(-1)}));
  }

  TEST_CASE("BITFIELD counts and propagates only the writes that stored something") {
    Harness h;
    CHECK(h.Run({"BITFIELD", "k", "SET", "u8", "0", "5"}) == Arr({Int(0)}));
    CHECK(h.Run({"BITFIELD", "k", "SET", "u8", "0", "5", "INCRBY", "u8", "0", "0"}) ==
          Arr({Int(5), Int(5)}));
    CHECK(h.Run({"BITFIELD", "k", "GET", "u8", "0"}) == Arr({Int(5)}));
    // FAIL writes nothing, yet the string was lengthened for it (as Redis does, unpropagated).
    CHECK(h.Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "9"}) == Arr({Nil()}));
    CHECK(h.Run({"STRLEN", "k"}) == Int(13));
    CHECK(Propagated(h) == std::vector<std::string>{"BITFIELD k SET u8 0 5"});
  }

  TEST_CASE("BITFIELD argument errors, checked before anything runs") {
    Harness h;
    CHECK(h.Run({"BITFIELD", "k", "GET", "u64", "0"}) == kBadType);
    CHECK(h.Run({"BITFIELD", "k", "GET", "i65", "0"}) == kBadType);
    CHECK(h.Run({"BITFIELD", "k", "GET", "I8", "0"}) == kBadType);
    CHECK(h.Run({"BITFIELD", "k", "GET", "u0", "0"}) == kBadType);
    CHECK(h.Run({"BITFIELD", "k", "GET", "u8", "#-1"}) == kBadOffset);
    CHECK(h.Run({"BITFIELD", "k", "GET", "u8", "#"}) == kBadOffset);
    CHECK(h.Run({"BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u8"}) == kSyntax);
    CHECK(h.Run({"BITFIELD", "k", "SET", "u8", "0", "x"}) == kNotInt);
    CHECK(h.Run({"BITFIELD", "k", "OVERFLOW", "SATURATE"}) ==
          Err("ERR Invalid OVERFLOW type specified"));
    CHECK(h.Run({"BITFIELD", "k", "FOO"}) == kSyntax);
    CHECK(h.Run({"EXISTS", "k"}) == Int(0));
    PutList(h, "l");
    CHECK(h.Run({"BITFIELD", "l", "GET", "u8", "0"}) == Err(kWrongType));
    CHECK(h.Run({"BITFIELD", "l"}) == Err(kWrongType));
  }

  TEST_CASE("BITFIELD_RO runs GETs only") {
    Harness h;
    h.Run({"SET", "k", "\x81"});
    CHECK(h.Run({"BITFIELD_RO", "k", "GET", "u1", "0", "GET", "i2", "6"}) == Arr({Int(1), Int(1)}));
    CHECK(h.Run({"BITFIELD_RO", "k", "GET", "u8", "0", "SET", "u8", "0", "1"}) ==
          Err("ERR BITFIELD_RO only supports the GET subcommand"));
    CHECK(h.Run({"BITFIELD_RO", "k", "INCRBY", "u8", "0", "x"}) == kNotInt);
    CHECK(h.Run({"BITFIELD_RO", "k", "OVERFLOW", "SAT"}) == "*0\r\n");
    CHECK(h.Run({"GET", "k"}) == Bulk("\x81"));
  }

  TEST_CASE("LCS: the string, LEN and IDX with ranges from the ends backwards") {
    Harness h;
    h.Run({"SET", "a", "ohmytext"});
    h.Run({"SET", "b", "mynewtext"});
    CHECK(h.Run({"LCS", "a", "b"}) == Bulk("mytext"));
    CHECK(h.Run({"LCS", "a", "b", "LEN"}) == Int(6));
    CHECK(h.Run({"LCS", "a", "b", "IDX"}) ==
          Arr({Bulk("matches"),
               Arr({Arr({Arr({Int(4), Int(7)}), Arr({Int(5), Int(8)})}),
                    Arr({Arr({Int(2), Int(3)}), Arr({Int(0), Int(1)})})}),
               Bulk("len"), Int(6)}));
    CHECK(h.Run({"LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}) ==
          Arr({Bulk("matches"), Arr({Arr({Arr({Int(4), Int(7)}), Arr({Int(5), Int(8)}), Int(4)})}),
               Bulk("len"), Int(6)}));
    CHECK(h.Run({"LCS", "a", "missing"}) == Bulk(""));
    CHECK(h.Run({"LCS", "a", "missing", "IDX"}) ==
          Arr({Bulk("matches"), "*0\r\n", Bulk("len"), Int(0)}));
    h.Run({"HELLO", "3"});
    CHECK(h.Run({"LCS", "a", "missing", "IDX"}) ==
          "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
  }

  TEST_CASE("LCS errors") {
    Harness h;
    h.Run({"SET", "a", "x"});
    PutList(h, "l");
    CHECK(h.Run({"LCS", "a", "l", "BAD"}) ==
          Err("ERR The specified keys must contain string values"));
    CHECK(h.Run({"LCS", "a", "b", "LEN", "IDX"}) ==
          Err("ERR If you want both the length and indexes, please just use IDX."));
    CHECK(h.Run({"LCS", "a", "b", "MINMATCHLEN"}) == kSyntax);
    CHECK(h.Run({"LCS", "a", "b", "MINMATCHLEN", "x"}) == kNotInt);
    CHECK(h.Run({"LCS", "a", "b", "FOO"}) == kSyntax);
  }

  TEST_CASE("a BITFIELD whose writes all fail grows the key without breaking a WATCH") {
    Harness h;
    REQUIRE(h.Run({"SET", "k", "a"}) == Ok());
    REQUIRE(h.Run({"WATCH", "k", "fresh"}) == Ok());
    // u2 holds at most 3: both writes fail, yet the strings are created or lengthened.
    CHECK(h.Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "100", "9"}) == "*1\r\n$-1\r\n");
    CHECK(h.Run({"BITFIELD", "fresh", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"}) ==
          "*1\r\n$-1\r\n");
    CHECK(h.Run({"STRLEN", "k"}) == Int(13));
    CHECK(h.Run({"EXISTS", "fresh"}) == Int(1));
    REQUIRE(h.Run({"MULTI"}) == Ok());
    REQUIRE(h.Run({"PING"}) == "+QUEUED\r\n");
    CHECK(h.Run({"EXEC"}) == "*1\r\n+PONG\r\n");
    CHECK(h.propagated().lines.size() == 1);  // the SET; nothing of the failed BITFIELDs
    // A write that succeeds signals the key, even one storing the zeros already there.
    REQUIRE(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.Run({"BITFIELD", "k", "SET", "u2", "200", "0"}) == "*1\r\n:0\r\n");
    REQUIRE(h.Run({"MULTI"}) == Ok());
    REQUIRE(h.Run({"PING"}) == "+QUEUED\r\n");
    CHECK(h.Run({"EXEC"}) == NilArray());
  }
}
