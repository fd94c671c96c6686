// INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT. Expected bytes checked against redis-server 7.0.15.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "commands/harness.h"
#include "commands/string_test_helpers.h"

using namespace basalt::test;

namespace {

constexpr int64_t kStart = 1'700'000'000'000;
const std::string kNotInteger = Err("ERR value is not an integer or out of range");
const std::string kOverflow = Err("ERR increment or decrement would overflow");
const std::string kNotFloat = Err("ERR value is not a valid float");
const std::string kNanOrInf = Err("ERR increment would produce NaN or Infinity");

}  // namespace

TEST_SUITE("string numeric commands") {
  TEST_CASE("INCR and DECR count from zero on a missing key") {
    Harness h;
    CHECK(h.Run({"INCR", "n"}) == Int(1));
    CHECK(h.Run({"INCR", "n"}) == Int(2));
    CHECK(h.Run({"DECR", "n"}) == Int(1));
    CHECK(h.Run({"DECR", "m"}) == Int(-1));
    CHECK(h.Run({"GET", "n"}) == Bulk("1"));
    CHECK(h.Run({"GET", "m"}) == Bulk("-1"));
  }

  TEST_CASE("INCRBY and DECRBY add the given amount") {
    Harness h;
    CHECK(h.Run({"INCRBY", "n", "10"}) == Int(10));
    CHECK(h.Run({"INCRBY", "n", "-25"}) == Int(-15));
    CHECK(h.Run({"DECRBY", "n", "5"}) == Int(-20));
    CHECK(h.Run({"DECRBY", "n", "-20"}) == Int(0));
    CHECK(h.Run({"INCRBY", "n", "0"}) == Int(0));
    CHECK(h.Run({"GET", "n"}) == Bulk("0"));
  }

  TEST_CASE("the integer commands are propagated as sent") {
    Harness h;
    h.Run({"INCR", "n"});
    h.Run({"DECR", "n"});
    h.Run({"INCRBY", "n", "7"});
    h.Run({"DECRBY", "n", "3"});
    CHECK(Propagated(h) ==
          std::vector<std::string>{"INCR n", "DECR n", "INCRBY n 7", "DECRBY n 3"});
  }

  TEST_CASE("INCR parses stored values strictly") {
    Harness h;
    for (std::string bad :
         std::vector<std::string>{" 1", "1 ", "01", "-0", "+1", "1.5", "abc", "", "0x10",
                                  "9223372036854775808", std::string("1\0", 2)}) {
      CAPTURE(bad);
      h.Run({"SET", "n", bad});
      CHECK(h.Run({"INCR", "n"}) == kNotInteger);
      CHECK(h.Run({"GET", "n"}) == Bulk(bad));
    }
    h.Run({"SET", "n", "-9223372036854775807"});
    CHECK(h.Run({"DECR", "n"}) == Int(INT64_MIN));
  }

  TEST_CASE("INCRBY parses the increment strictly, before looking at the key") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"INCRBY", "n", "+1"}) == kNotInteger);
    CHECK(h.Run({"INCRBY", "n", "1.0"}) == kNotInteger);
    CHECK(h.Run({"DECRBY", "n", "x"}) == kNotInteger);
    CHECK(h.Run({"INCRBY", "l", "x"}) == kNotInteger);
    CHECK(h.Run({"INCRBY", "n", "99999999999999999999"}) == kNotInteger);
    CHECK_FALSE(Stored(h, "n"));
  }

  TEST_CASE("the integer commands refuse to overflow") {
    Harness h;
    h.Run({"SET", "n", "9223372036854775807"});
    CHECK(h.Run({"INCR", "n"}) == kOverflow);
    CHECK(h.Run({"INCRBY", "n", "1"}) == kOverflow);
    CHECK(h.Run({"DECRBY", "n", "-1"}) == kOverflow);
    CHECK(h.Run({"INCRBY", "n", "0"}) == Int(INT64_MAX));
    h.Run({"SET", "n", "-9223372036854775808"});
    CHECK(h.Run({"DECR", "n"}) == kOverflow);
    CHECK(h.Run({"INCRBY", "n", "-1"}) == kOverflow);
    CHECK(h.Run({"DECRBY", "n", "9223372036854775807"}) == kOverflow);
    CHECK(h.Run({"INCRBY", "n", "9223372036854775807"}) == Int(-1));
    CHECK(h.Run({"INCRBY", "m", "-9223372036854775808"}) == Int(INT64_MIN));
    CHECK(Propagated(h).back() == "INCRBY m -9223372036854775808");
  }

  TEST_CASE("DECRBY of the smallest integer has its own error") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"DECRBY", "n", "-9223372036854775808"}) == Err("ERR decrement would overflow"));
    CHECK(h.Run({"DECRBY", "l", "-9223372036854775808"}) == Err("ERR decrement would overflow"));
    CHECK_FALSE(Stored(h, "n"));
  }

  TEST_CASE("the integer commands are WRONGTYPE on other types") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"INCR", "l"}) == Err(kWrongType));
    CHECK(h.Run({"DECR", "l"}) == Err(kWrongType));
    CHECK(h.Run({"INCRBY", "l", "2"}) == Err(kWrongType));
    CHECK(h.Run({"DECRBY", "l", "2"}) == Err(kWrongType));
    CHECK(Propagated(h).empty());
  }

  TEST_CASE("INCR keeps the TTL of an existing key") {
    Harness h;
    h.Run({"SET", "n", "5", "EX", "100"});
    CHECK(h.Run({"INCR", "n"}) == Int(6));
    CHECK(StoredExpireAt(h, "n") == kStart + 100'000);
    h.clock().AdvanceMs(100'001);
    CHECK(h.Run({"INCR", "n"}) == Int(1));
    CHECK(StoredExpireAt(h, "n") == -1);
  }

  TEST_CASE("INCR on an expired key propagates the DEL first, both in one MULTI/EXEC") {
    Harness h;
    h.Run({"SET", "n", "5", "PX", "1"});
    h.clock().AdvanceMs(2);
    h.propagated().lines.clear();
    CHECK(h.Run({"INCR", "n"}) == Int(1));
    CHECK(Propagated(h) == std::vector<std::string>{"MULTI", "DEL n", "INCR n", "EXEC"});
  }

  TEST_CASE("INCR works on heap-stored values") {
    Harness h;
    // Not an integer, but long: the parse must fail cleanly.
    h.Run({"SET", "n", std::string(200, '1')});
    CHECK(h.Run({"INCR", "n"}) == kNotInteger);
  }

  TEST_CASE("INCRBYFLOAT adds and replies in the human format") {
    Harness h;
    CHECK(h.Run({"INCRBYFLOAT", "f", "3"}) == Bulk("3"));
    h.Run({"SET", "f", "10"});
    CHECK(h.Run({"INCRBYFLOAT", "f", "10.1"}) == Bulk("20.1"));
    CHECK(h.Run({"INCRBYFLOAT", "f", "-20.1"}) == Bulk("0"));
    CHECK(h.Run({"INCRBYFLOAT", "f", "-0.0"}) == Bulk("0"));
    CHECK(h.Run({"INCRBYFLOAT", "f", "1.23e-5"}) == Bulk("0.0000123"));
    h.Run({"SET", "f", "1.1"});
    CHECK(h.Run({"INCRBYFLOAT", "f", "2.2"}) == Bulk("3.3"));
    CHECK(h.Run({"INCRBYFLOAT", "f", "1e17"}) == Bulk("100000000000000003.296875"));
    h.Run({"SET", "f", "7"});
    CHECK(h.Run({"INCRBYFLOAT", "f", "-8"}) == Bulk("-1"));
    CHECK(h.Run({"GET", "f"}) == Bulk("-1"));
  }

  TEST_CASE("INCRBYFLOAT accepts what strtold accepts, without spaces") {
    Harness h;
    h.Run({"SET", "f", "0x10"});
    CHECK(h.Run({"INCRBYFLOAT", "f", "1"}) == Bulk("17"));
    h.Run({"SET", "f", "5."});
    CHECK(h.Run({"INCRBYFLOAT", "f", ".5"}) == Bulk("5.5"));
    CHECK(h.Run({"INCRBYFLOAT", "f", "5.0e3"}) == Bulk("5005.5"));
    CHECK(h.Run({"INCRBYFLOAT", "f", " 1"}) == kNotFloat);
    CHECK(h.Run({"INCRBYFLOAT", "f", "1 "}) == kNotFloat);
    CHECK(h.Run({"INCRBYFLOAT", "f", "1e"}) == kNotFloat);
    CHECK(h.Run({"INCRBYFLOAT", "f", "abc"}) == kNotFloat);
    CHECK(h.Run({"INCRBYFLOAT", "f", "nan"}) == kNotFloat);
    CHECK(h.Run({"INCRBYFLOAT", "f", std::string("1\0", 2)}) == kNotFloat);
    h.Run({"SET", "g", "abc"});
    CHECK(h.Run({"INCRBYFLOAT", "g", "1"}) == kNotFloat);
  }

  TEST_CASE("INCRBYFLOAT refuses infinite and NaN results") {
    Harness h;
    h.Run({"SET", "f", "1"});
    CHECK(h.Run({"INCRBYFLOAT", "f", "inf"}) == kNanOrInf);
    CHECK(h.Run({"INCRBYFLOAT", "f", "-infinity"}) == kNanOrInf);
    CHECK(h.Run({"GET", "f"}) == Bulk("1"));
    CHECK(Propagated(h) == std::vector<std::string>{"SET f 1"});
  }

  TEST_CASE("INCRBYFLOAT checks the type before the increment") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"INCRBYFLOAT", "l", "x"}) == Err(kWrongType));
    CHECK(h.Run({"INCRBYFLOAT", "l", "1"}) == Err(kWrongType));
  }

  TEST_CASE("INCRBYFLOAT handles values beyond double range in long double") {
    Harness h;
    std::string reply = h.Run({"INCRBYFLOAT", "f", "1e400"});
    CHECK(reply.rfind("$401\r\n1000000000000000000", 0) == 0);
    CHECK(h.Run({"STRLEN", "f"}) == Int(401));
  }

  TEST_CASE("INCRBYFLOAT propagates SET with the result and KEEPTTL, and keeps the TTL") {
    Harness h;
    h.Run({"SET", "f", "1", "EX", "100"});
    h.propagated().lines.clear();
    CHECK(h.Run({"INCRBYFLOAT", "f", "0.5"}) == Bulk("1.5"));
    CHECK(StoredExpireAt(h, "f") == kStart + 100'000);
    CHECK(h.Run({"INCRBYFLOAT", "g", "2"}) == Bulk("2"));
    CHECK(StoredExpireAt(h, "g") == -1);
    CHECK(Propagated(h) == std::vector<std::string>{"SET f 1.5 KEEPTTL", "SET g 2 KEEPTTL"});
  }
}
