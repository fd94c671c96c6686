// Number parsing and formatting with Redis's rules (string2ll, string2d, string2ld, ld2string's
// human mode, memtoull). Expected values were checked against redis-server 7.0.15 through
// INCRBY, INCRBYFLOAT, ZADD and CONFIG SET.
#include "common/strings.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace basalt {
namespace {

bool IsInt(std::string_view s) {
  int64_t v;
  return ParseInt64(s, &v);
}

int64_t Int(std::string_view s) {
  int64_t v = 12345;
  REQUIRE(ParseInt64(s, &v));
  return v;
}

bool IsDouble(std::string_view s) {
  double v;
  return ParseDouble(s, &v);
}

long double LongDouble(std::string_view s) {
  long double v = 0;
  REQUIRE(ParseLongDouble(s, &v));
  return v;
}

bool IsMemory(std::string_view s) {
  int64_t v;
  return ParseMemorySize(s, &v);
}

int64_t Memory(std::string_view s) {
  int64_t v = -1;
  REQUIRE(ParseMemorySize(s, &v));
  return v;
}

}  // namespace

TEST_SUITE("strings") {
  TEST_CASE("ParseInt64 accepts canonical integers only") {
    CHECK(Int("0") == 0);
    CHECK(Int("7") == 7);
    CHECK(Int("-7") == -7);
    CHECK(Int("1234567890") == 1234567890);
    CHECK(Int("9223372036854775807") == INT64_MAX);
    CHECK(Int("-9223372036854775808") == INT64_MIN);
    for (const char* bad : {"",
                            "-",
                            "-0",
                            "+1",
                            "+0",
                            "01",
                            "00",
                            "-01",
                            " 1",
                            "1 ",
                            "1a",
                            "a1",
                            "0x10",
                            "1.0",
                            "1e3",
                            "9223372036854775808",
                            "-9223372036854775809",
                            "18446744073709551616",
                            "99999999999999999999",
                            "123456789012345678901",
                            "--1"}) {
      CAPTURE(bad);
      CHECK_FALSE(IsInt(bad));
    }
    CHECK_FALSE(IsInt(std::string_view("1\0", 2)));
    CHECK_FALSE(
        IsInt(std::string_view("\0"
                               "1",
                               2)));
  }

  TEST_CASE("ParseInt64 leaves the output alone on failure") {
    int64_t v = 99;
    CHECK_FALSE(ParseInt64("9223372036854775808", &v));
    CHECK(v == 99);
    CHECK(ToInt64("42") == 42);
    CHECK_FALSE(ToInt64("x").has_value());
  }

  TEST_CASE("ParseUint64 takes digits only, up to UINT64_MAX") {
    uint64_t v = 0;
    CHECK(ParseUint64("0", &v));
    CHECK(v == 0);
    CHECK(ParseUint64("18446744073709551615", &v));
    CHECK(v == UINT64_MAX);
    CHECK(ParseUint64("007", &v));
    CHECK(v == 7);
    for (const char* bad : {"", "18446744073709551616", "99999999999999999999", "+1", "-1", " 1",
                            "1 ", "1x", "000000000000000000001"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseUint64(bad, &v));
    }
  }

  TEST_CASE("FormatInt64 and Int64ToString print every int64") {
    CHECK(Int64ToString(0) == "0");
    CHECK(Int64ToString(-1) == "-1");
    CHECK(Int64ToString(INT64_MAX) == "9223372036854775807");
    CHECK(Int64ToString(INT64_MIN) == "-9223372036854775808");
    char buf[21];
    CHECK(FormatInt64(INT64_MIN, buf) == 20);
    for (int64_t v : {int64_t{1}, int64_t{-10}, int64_t{1} << 40, -(int64_t{1} << 62) + 3}) {
      CHECK(Int(Int64ToString(v)) == v);
    }
  }

  TEST_CASE("ParseDouble follows string2d") {
    double v = 0;
    CHECK(ParseDouble("1.5", &v));
    CHECK(v == 1.5);
    CHECK(ParseDouble("-1.5e10", &v));
    CHECK(v == -1.5e10);
    CHECK(ParseDouble("+1.5", &v));
    CHECK(ParseDouble(".5", &v));
    CHECK(v == 0.5);
    CHECK(ParseDouble("5.", &v));
    CHECK(ParseDouble("0x10", &v));  // strtod reads hex; Redis's ZADD z 0x10 m scores 16
    CHECK(v == 16);
    CHECK(ParseDouble("1e-310", &v));  // subnormal, not zero: accepted
    CHECK(ParseDouble("inf", &v));
    CHECK(std::isinf(v));
    CHECK(v > 0);
    CHECK(ParseDouble("-inf", &v));
    CHECK(v < 0);
    CHECK(ParseDouble("Infinity", &v));
    CHECK(ParseDouble("+INF", &v));
    for (const char* bad : {"", " 1", "\t1", "1 ", "1x", "x", "nan", "NaN", "-nan", "1e400",
                            "-1e400", "1e-400", "1.5.5", "--1"}) {
      CAPTURE(bad);
      CHECK_FALSE(IsDouble(bad));
    }
    CHECK_FALSE(IsDouble(std::string_view("1\0", 2)));
    CHECK_FALSE(
        IsDouble(std::string_view("1.5\0"
                                  "5",
                                  5)));
  }

  TEST_CASE("ParseDouble's short-decimal path gives strtod's exact bits") {
    // Plain decimals of up to 15 digits skip strtod; the result must be bit-identical,
    // including -0 and the digit counts around the path's limit.
    std::mt19937_64 rng(42);
    auto check = [](const std::string& s) {
      CAPTURE(s);
      double ours = 0;
      REQUIRE(ParseDouble(s, &ours));
      const double theirs = std::strtod(s.c_str(), nullptr);
      CHECK(std::memcmp(&ours, &theirs, sizeof(double)) == 0);
    };
    for (const char* s :
         {"0", "-0", "0.0", "-0.0", ".5", "-.5", "5.", "007.25", "0.1", "0.3", "123456789012345",
          "12345678901234.5", "1234567890123456", "0.000000000000001", "0.0000000000000001",
          "999999999999999", "-999999999999999.9", "4503599627370497.5"}) {
      check(s);
    }
    for (int i = 0; i < 200000; ++i) {
      std::string s = rng() % 2 ? "-" : "";
      const int digits = 1 + static_cast<int>(rng() % 18);
      const int dot_at = static_cast<int>(rng() % (digits + 1));
      for (int d = 0; d < digits; ++d) {
        if (d == dot_at) s += '.';
        s += static_cast<char>('0' + rng() % 10);
      }
      check(s);
    }
  }

  TEST_CASE("ParseLongDouble follows string2ld: long double range, 5K character limit") {
    CHECK(LongDouble("10.5") == 10.5L);
    CHECK(LongDouble("1e400") > 1e300L);  // INCRBYFLOAT k 1e400 works in Redis
    CHECK(LongDouble("1e-400") > 0);
    CHECK(LongDouble("0x10") == 16);
    long double v;
    for (const char* bad : {"", " 1", "1 ", "nan", "1e5000", "-1e5000", "abc"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseLongDouble(bad, &v));
    }
    CHECK_FALSE(ParseLongDouble(std::string_view("1\0", 2), &v));
    std::string long_number = "0." + std::string(5200, '0') + "1";
    CHECK_FALSE(ParseLongDouble(long_number, &v));
  }

  TEST_CASE("FormatLongDoubleHuman prints INCRBYFLOAT results as Redis does") {
    CHECK(FormatLongDoubleHuman(LongDouble("10.5")) == "10.5");
    CHECK(FormatLongDoubleHuman(LongDouble("3000")) == "3000");
    CHECK(FormatLongDoubleHuman(LongDouble("5.0e3")) == "5000");
    CHECK(FormatLongDoubleHuman(LongDouble("-0")) == "0");
    CHECK(FormatLongDoubleHuman(-0.0L) == "0");
    CHECK(FormatLongDoubleHuman(LongDouble("-1e-20")) == "0");
    CHECK(FormatLongDoubleHuman(LongDouble("0.1")) == "0.1");
    CHECK(FormatLongDoubleHuman(LongDouble("1.5e-5")) == "0.000015");
    CHECK(FormatLongDoubleHuman(LongDouble("10") + LongDouble("0.1")) == "10.1");
    CHECK(FormatLongDoubleHuman(LongDouble("3.0000000000000000001")) == "3");
    CHECK(FormatLongDoubleHuman(LongDouble("1.23456789012345678901")) == "1.23456789012345679");
    CHECK(FormatLongDoubleHuman(LongDouble("-2.5")) == "-2.5");
    CHECK(FormatLongDoubleHuman(0) == "0");
    // The long expansions of large values, as INCRBYFLOAT printed them.
    CHECK(FormatLongDoubleHuman(LongDouble("1e300")) ==
          "1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849"
          "1520837504971903503725086142748359035925561846729839130962605207486462873271356418436532"
          "9408425510760601678972665293237003055138294762099454029477278188962060617926761162709741"
          "0650567187386105690089424915104006144");
    CHECK(FormatLongDoubleHuman(LongDouble("1e400")) ==
          "1000000000000000000028188068394758651458645343362905203862591069353968553400862986203936"
          "3994848324160522094053927317616200295822777259255734023828976593340661017797447434546173"
          "9178624481166749717237789438243915933380474706750262466844013592375136038303437354855052"
          "4495596497902182503828009106841494740245689865304095101751265809261582758892018347251164"
          "3316591362664138176309734806343732497430221946880");
    const long double inf = std::numeric_limits<long double>::infinity();
    CHECK(FormatLongDoubleHuman(inf) == "inf");
    CHECK(FormatLongDoubleHuman(-inf) == "-inf");
    // The largest long doubles still fit the 5K buffer.
    std::string max = FormatLongDoubleHuman(std::numeric_limits<long double>::max());
    CHECK(max.size() == 4933);
  }

  TEST_CASE("FormatDouble is %.17g with inf spelled out") {
    CHECK(FormatDouble(1.5) == "1.5");
    CHECK(FormatDouble(0.1) == "0.10000000000000001");
    CHECK(FormatDouble(1.1) == "1.1000000000000001");
    CHECK(FormatDouble(3) == "3");
    CHECK(FormatDouble(1e20) == "1e+20");
    CHECK(FormatDouble(-1e-5) == "-1.0000000000000001e-05");
    CHECK(FormatDouble(std::numeric_limits<double>::infinity()) == "inf");
    CHECK(FormatDouble(-std::numeric_limits<double>::infinity()) == "-inf");
    CHECK(FormatDouble(std::nan("")) == "nan");
    double v;
    REQUIRE(ParseDouble(FormatDouble(0.3), &v));
    CHECK(v == 0.3);  // 17 significant digits round-trip
  }

  TEST_CASE("FormatDouble's shortcut for integral values prints what %.17g prints") {
    auto printf17g = [](double d) {
      char buf[64];
      return std::string(buf, std::snprintf(buf, sizeof(buf), "%.17g", d));
    };
    std::vector<double> values = {0.0,
                                  -0.0,
                                  1,
                                  -1,
                                  9,
                                  10,
                                  99,
                                  100,
                                  12345,
                                  -4096,
                                  1e15,
                                  -1e15,
                                  9007199254740992.0,
                                  9007199254740993.0,
                                  99999999999999984.0,
                                  1e17,
                                  -1e17,
                                  1e16 + 2,
                                  123456789012345678.0};
    for (double d = 1; d < 1e18; d = d * 7 + 3) values.push_back(-d);
    for (double d : values) {
      CAPTURE(d);
      CHECK(FormatDouble(d) == printf17g(d));
    }
    CHECK(FormatDouble(-0.0) == "-0");
    CHECK(FormatDouble(1e17) == "1e+17");
  }

  TEST_CASE("FormatInt64 around every digit-count boundary") {
    char buf[21];
    for (int64_t p = 1; p <= INT64_MAX / 10; p *= 10) {
      for (int64_t v : {p - 1, p, p + 1, -(p - 1), -p, -(p + 1), p * 9 + (p - 1)}) {
        CAPTURE(v);
        CHECK(std::string(buf, FormatInt64(v, buf)) == std::to_string(v));
      }
    }
  }

  TEST_CASE("ParseDouble of plain integers equals strtod's result, sign of zero included") {
    for (const char* text : {"0", "-0", "000123", "-000123", "999999999999999", "-999999999999999",
                             "9999999999999999", "12345678901234567890", "1", "-1"}) {
      CAPTURE(text);
      double v = 1.5;
      REQUIRE(ParseDouble(text, &v));
      const double expected = std::strtod(text, nullptr);
      CHECK(v == expected);
      CHECK(std::signbit(v) == std::signbit(expected));
    }
    double v;
    for (const char* bad : {"-", "", "1-", "--1", "12a", " 1"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseDouble(bad, &v));
    }
  }

  TEST_CASE("ParseInt64 at the 18/19-digit boundary of its unchecked loop") {
    CHECK(Int("999999999999999999") == 999999999999999999);
    CHECK(Int("-999999999999999999") == -999999999999999999);
    CHECK(Int("1000000000000000000") == 1000000000000000000);
    CHECK(Int("-9223372036854775808") == INT64_MIN);
    CHECK_FALSE(IsInt("9223372036854775808"));
    CHECK_FALSE(IsInt("99999999999999999a"));
    CHECK_FALSE(IsInt("-0"));
    CHECK_FALSE(IsInt("012"));
    CHECK_FALSE(IsInt("1/"));  // '/' is just below '0'
    CHECK_FALSE(IsInt("1:"));  // ':' is just above '9'
  }

  TEST_CASE("ParseMemorySize takes Redis's units, case-insensitively") {
    CHECK(Memory("0") == 0);
    CHECK(Memory("100") == 100);
    CHECK(Memory("00100") == 100);
    CHECK(Memory("1b") == 1);
    CHECK(Memory("1k") == 1000);
    CHECK(Memory("1kb") == 1024);
    CHECK(Memory("2m") == 2000000);
    CHECK(Memory("2mb") == 2 * 1024 * 1024);
    CHECK(Memory("3g") == 3000000000LL);
    CHECK(Memory("3gb") == 3LL * 1024 * 1024 * 1024);
    CHECK(Memory("1GB") == 1024LL * 1024 * 1024);
    CHECK(Memory("1Kb") == 1024);
    CHECK(Memory("512MB") == 512LL * 1024 * 1024);
    CHECK(Memory("9223372036854775807") == INT64_MAX);
    // Redis's memtoull reads no digits as 0: CONFIG SET maxmemory "" (or "mb") is accepted.
    CHECK(Memory("") == 0);
    CHECK(Memory("mb") == 0);
    for (const char* bad :
         {"-1", "+1", " 1", "1 ", "1 mb", "1.5mb", "1x", "1kib", "1tb", "b1", "kb1", " "}) {
      CAPTURE(bad);
      CHECK_FALSE(IsMemory(bad));
    }
    // Sizes are int64 here and overflow is refused. Redis 7.0 keeps maxmemory unsigned and
    // wraps silently on overflow ("9223372036854775807kb" is accepted); we do not copy that.
    CHECK_FALSE(IsMemory("9223372036854775808"));
    CHECK_FALSE(IsMemory("9007199254740992kb"));
    CHECK(Memory("9007199254740991kb") == 9007199254740991LL * 1024);
  }

  TEST_CASE("case helpers fold ASCII only") {
    CHECK(ToLower("HeLLo-1") == "hello-1");
    CHECK(ToUpper("HeLLo-1") == "HELLO-1");
    CHECK(ToLower("\xC3\x89") == "\xC3\x89");
    CHECK(EqualsIgnoreCase("GET", "get"));
    CHECK_FALSE(EqualsIgnoreCase("GET", "gets"));
    CHECK_FALSE(EqualsIgnoreCase("[", "{"));  // '[' + 32 is '{': not letters
    std::string s = "ABC";
    ToLowerInPlace(s);
    CHECK(s == "abc");
    CHECK(AsciiLower('Z') == 'z');
    CHECK(AsciiLower('@') == '@');
  }

}  // TEST_SUITE

}  // namespace basalt
