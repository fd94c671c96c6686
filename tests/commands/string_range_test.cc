// APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE. Expected bytes checked against redis-server 7.0.15.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "commands/harness.h"
#include "commands/string_test_helpers.h"

using namespace basalt::test;

namespace {

constexpr int64_t kStart = 1'700'000'000'000;
const std::string kTooLong = Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");

}  // namespace

TEST_SUITE("string range commands") {
  TEST_CASE("APPEND creates the key and returns the new length") {
    Harness h;
    CHECK(h.Run({"APPEND", "k", "Hello"}) == Int(5));
    CHECK(h.Run({"APPEND", "k", " World"}) == Int(11));
    CHECK(h.Run({"GET", "k"}) == Bulk("Hello World"));
    CHECK(Propagated(h) == std::vector<std::string>{"APPEND k Hello", "APPEND k  World"});
  }

  TEST_CASE("APPEND of nothing still creates the key and counts as a write") {
    Harness h;
    CHECK(h.Run({"APPEND", "k", ""}) == Int(0));
    CHECK(h.Run({"GET", "k"}) == Bulk(""));
    CHECK(h.Run({"APPEND", "k", ""}) == Int(0));
    CHECK(Propagated(h) == std::vector<std::string>{"APPEND k ", "APPEND k "});
  }

  TEST_CASE("APPEND of nothing to an existing key aborts a WATCH, as any write does") {
    Harness h;
    h.Run({"SET", "k", "a"});
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.Run({"APPEND", "k", ""}) == Int(1));
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"PING"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) == NilArray());
  }

  TEST_CASE("APPEND grows a value across the inline/heap boundary") {
    Harness h;
    std::string expected;
    for (int i = 0; i < 60; ++i) {
      std::string piece = std::to_string(i) + "-abc|";
      expected += piece;
      CHECK(h.Run({"APPEND", "k", piece}) == Int(static_cast<long long>(expected.size())));
    }
    REQUIRE(expected.size() > 128);
    CHECK(h.Run({"GET", "k"}) == Bulk(expected));
    CHECK(h.Run({"STRLEN", "k"}) == Int(static_cast<long long>(expected.size())));
  }

  TEST_CASE("APPEND is binary safe") {
    Harness h;
    std::string a("\0\r\n", 3);
    std::string b("x\0", 2);
    h.Run({"APPEND", "k", a});
    h.Run({"APPEND", "k", b});
    CHECK(h.Run({"GET", "k"}) == Bulk(a + b));
  }

  TEST_CASE("APPEND keeps the TTL") {
    Harness h;
    h.Run({"SET", "k", "v", "EX", "100"});
    CHECK(h.Run({"APPEND", "k", std::string(200, 'x')}) == Int(201));
    CHECK(StoredExpireAt(h, "k") == kStart + 100'000);
    h.Run({"APPEND", "k", "y"});
    CHECK(StoredExpireAt(h, "k") == kStart + 100'000);
  }

  TEST_CASE("APPEND to an expired key starts from scratch") {
    Harness h;
    h.Run({"SET", "k", "old", "PX", "10"});
    h.clock().AdvanceMs(11);
    h.propagated().lines.clear();
    CHECK(h.Run({"APPEND", "k", "new"}) == Int(3));
    CHECK(StoredExpireAt(h, "k") == -1);
    CHECK(Propagated(h) == std::vector<std::string>{"MULTI", "DEL k", "APPEND k new", "EXEC"});
  }

  TEST_CASE("APPEND on another type is WRONGTYPE") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"APPEND", "l", "x"}) == Err(kWrongType));
    CHECK(Propagated(h).empty());
  }

  TEST_CASE("APPEND past proto-max-bulk-len is refused") {
    Harness h;
    h.config().settings().proto_max_bulk_len = 10;
    CHECK(h.Run({"APPEND", "k", "123456"}) == Int(6));
    CHECK(h.Run({"APPEND", "k", "7890"}) == Int(10));
    CHECK(h.Run({"APPEND", "k", "x"}) == kTooLong);
    CHECK(h.Run({"APPEND", "k", ""}) == Int(10));
    CHECK(h.Run({"GET", "k"}) == Bulk("1234567890"));
  }

  TEST_CASE("STRLEN returns the length, 0 for a missing key") {
    Harness h;
    CHECK(h.Run({"STRLEN", "k"}) == Int(0));
    h.Run({"SET", "k", std::string("a\0b", 3)});
    CHECK(h.Run({"STRLEN", "k"}) == Int(3));
    h.Run({"SET", "big", std::string(1000, 'x')});
    CHECK(h.Run({"STRLEN", "big"}) == Int(1000));
    h.Run({"SET", "e", ""});
    CHECK(h.Run({"STRLEN", "e"}) == Int(0));
    PutList(h, "l");
    CHECK(h.Run({"STRLEN", "l"}) == Err(kWrongType));
  }

  TEST_CASE("GETRANGE takes inclusive ranges with negative indexes") {
    Harness h;
    h.Run({"SET", "s", "Hello World"});
    CHECK(h.Run({"GETRANGE", "s", "0", "4"}) == Bulk("Hello"));
    CHECK(h.Run({"GETRANGE", "s", "-5", "-1"}) == Bulk("World"));
    CHECK(h.Run({"GETRANGE", "s", "0", "-1"}) == Bulk("Hello World"));
    CHECK(h.Run({"GETRANGE", "s", "10", "-1"}) == Bulk("d"));
    CHECK(h.Run({"GETRANGE", "s", "3", "3"}) == Bulk("l"));
  }

  TEST_CASE("GETRANGE clamps out-of-range indexes and returns empty for empty ranges") {
    Harness h;
    h.Run({"SET", "s", "Hello World"});
    CHECK(h.Run({"GETRANGE", "s", "-100", "100"}) == Bulk("Hello World"));
    CHECK(h.Run({"GETRANGE", "s", "-9223372036854775808", "9223372036854775807"}) ==
          Bulk("Hello World"));
    CHECK(h.Run({"GETRANGE", "s", "-1", "-5"}) == Bulk(""));
    CHECK(h.Run({"GETRANGE", "s", "5", "3"}) == Bulk(""));
    CHECK(h.Run({"GETRANGE", "s", "20", "30"}) == Bulk(""));
    CHECK(h.Run({"GETRANGE", "s", "11", "-1"}) == Bulk(""));
    CHECK(h.Run({"GETRANGE", "s", "-1", "0"}) == Bulk(""));
    CHECK(h.Run({"GETRANGE", "s", "-100", "-50"}) == Bulk("H"));
    h.Run({"SET", "e", ""});
    CHECK(h.Run({"GETRANGE", "e", "0", "-1"}) == Bulk(""));
    CHECK(h.Run({"GETRANGE", "e", "-1", "0"}) == Bulk(""));
    CHECK(h.Run({"GETRANGE", "nope", "0", "1"}) == Bulk(""));
  }

  TEST_CASE("GETRANGE reads heap strings and binary values") {
    Harness h;
    std::string big(300, 'a');
    big[150] = '\0';
    big[151] = '\n';
    h.Run({"SET", "k", big});
    CHECK(h.Run({"GETRANGE", "k", "149", "152"}) == Bulk(std::string("a\0\na", 4)));
    CHECK(h.Run({"GETRANGE", "k", "-2", "-1"}) == Bulk("aa"));
  }

  TEST_CASE("GETRANGE errors: integers are checked before the key") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"GETRANGE", "l", "0", "x"}) == Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"GETRANGE", "nope", "a", "0"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"GETRANGE", "l", "0", "1"}) == Err(kWrongType));
  }

  TEST_CASE("SUBSTR is GETRANGE under its old name") {
    Harness h;
    h.Run({"SET", "s", "Hello World"});
    CHECK(h.Run({"SUBSTR", "s", "-5", "-1"}) == Bulk("World"));
    CHECK(h.Run({"SUBSTR", "s", "0"}) == Err("ERR wrong number of arguments for 'substr' command"));
  }

  TEST_CASE("SETRANGE overwrites bytes and returns the new length") {
    Harness h;
    h.Run({"SET", "k", "Hello World"});
    CHECK(h.Run({"SETRANGE", "k", "6", "Redis"}) == Int(11));
    CHECK(h.Run({"GET", "k"}) == Bulk("Hello Redis"));
    CHECK(h.Run({"SETRANGE", "k", "6", "basalt!"}) == Int(13));
    CHECK(h.Run({"GET", "k"}) == Bulk("Hello basalt!"));
    CHECK(Propagated(h).back() == "SETRANGE k 6 basalt!");
  }

  TEST_CASE("SETRANGE pads a missing key with zero bytes") {
    Harness h;
    CHECK(h.Run({"SETRANGE", "k", "5", "ab"}) == Int(7));
    CHECK(h.Run({"GET", "k"}) == Bulk(std::string("\0\0\0\0\0ab", 7)));
    CHECK(h.Run({"SETRANGE", "k", "1", "X"}) == Int(7));
    CHECK(h.Run({"GET", "k"}) == Bulk(std::string("\0X\0\0\0ab", 7)));
  }

  TEST_CASE("SETRANGE pads past the inline size into a heap string") {
    Harness h;
    CHECK(h.Run({"SETRANGE", "new", "200", "z"}) == Int(201));
    CHECK(h.Run({"GET", "new"}) == Bulk(std::string(200, '\0') + "z"));
    h.Run({"SET", "k", "abc"});
    CHECK(h.Run({"SETRANGE", "k", "130", "xy"}) == Int(132));
    CHECK(h.Run({"GET", "k"}) == Bulk("abc" + std::string(127, '\0') + "xy"));
    CHECK(h.Run({"SETRANGE", "k", "400", "q"}) == Int(401));
    CHECK(h.Run({"GETRANGE", "k", "128", "-1"}) ==
          Bulk(std::string(2, '\0') + "xy" + std::string(268, '\0') + "q"));
    CHECK(h.Run({"SETRANGE", "k", "0", "ABC"}) == Int(401));
    CHECK(h.Run({"GETRANGE", "k", "0", "3"}) == Bulk(std::string("ABC\0", 4)));
  }

  TEST_CASE("SETRANGE with an empty value creates nothing and reports the length") {
    Harness h;
    CHECK(h.Run({"SETRANGE", "k", "0", ""}) == Int(0));
    CHECK(h.Run({"SETRANGE", "k", "100", ""}) == Int(0));
    CHECK_FALSE(Stored(h, "k"));
    h.Run({"SET", "s", "abc"});
    CHECK(h.Run({"SETRANGE", "s", "1000", ""}) == Int(3));
    CHECK(h.Run({"GET", "s"}) == Bulk("abc"));
    CHECK(Propagated(h) == std::vector<std::string>{"SET s abc"});
  }

  TEST_CASE("SETRANGE keeps the TTL") {
    Harness h;
    h.Run({"SET", "k", "v", "EX", "100"});
    h.Run({"SETRANGE", "k", "0", "w"});
    CHECK(StoredExpireAt(h, "k") == kStart + 100'000);
    h.Run({"SETRANGE", "k", "300", "w"});
    CHECK(StoredExpireAt(h, "k") == kStart + 100'000);
  }

  TEST_CASE("SETRANGE errors") {
    Harness h;
    PutList(h, "l");
    CHECK(h.Run({"SETRANGE", "k", "-1", "x"}) == Err("ERR offset is out of range"));
    CHECK(h.Run({"SETRANGE", "l", "-1", ""}) == Err("ERR offset is out of range"));
    CHECK(h.Run({"SETRANGE", "k", "abc", "x"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"SETRANGE", "l", "0", "x"}) == Err(kWrongType));
    CHECK(h.Run({"SETRANGE", "l", "0", ""}) == Err(kWrongType));
    CHECK_FALSE(Stored(h, "k"));
  }

  TEST_CASE("SETRANGE past proto-max-bulk-len is refused") {
    Harness h;
    h.config().settings().proto_max_bulk_len = 16;
    CHECK(h.Run({"SETRANGE", "k", "15", "x"}) == Int(16));
    CHECK(h.Run({"SETRANGE", "k", "16", "x"}) == kTooLong);
    CHECK(h.Run({"SETRANGE", "k", "15", "xy"}) == kTooLong);
    CHECK(h.Run({"SETRANGE", "new", "9223372036854775807", "x"}) == kTooLong);
    CHECK_FALSE(Stored(h, "new"));
  }
}
