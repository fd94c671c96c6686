#include <doctest/doctest.h>

#include "commands/harness.h"

using namespace basalt::test;

TEST_SUITE("dispatcher") {
  TEST_CASE("unknown command quotes the name and the first arguments") {
    Harness h;
    CHECK(h.Run({"foo", "a", "b"}) ==
          Err("ERR unknown command 'foo', with args beginning with: 'a' 'b' "));
    CHECK(h.Run({"foo"}) == Err("ERR unknown command 'foo', with args beginning with: "));
  }

  TEST_CASE("unknown command preview stops near 128 bytes") {
    Harness h;
    std::string big(300, 'x');
    std::string reply = h.Run({"nope", big, "second"});
    CHECK(reply.find("second") == std::string::npos);
    CHECK(reply.size() < 300);
  }

  TEST_CASE("wrong arity names the command in lower case") {
    Harness h;
    CHECK(h.Run({"GET"}) == Err("ERR wrong number of arguments for 'get' command"));
    CHECK(h.Run({"get", "a", "b"}) == Err("ERR wrong number of arguments for 'get' command"));
  }

  TEST_CASE("command names are case-insensitive") {
    Harness h;
    CHECK(h.Run({"SeT", "k", "v"}) == Ok());
    CHECK(h.Run({"gEt", "k"}) == Bulk("v"));
  }

  TEST_CASE("requirepass makes commands answer NOAUTH until AUTH") {
    Harness h;
    h.config().settings().requirepass = "secret";
    CHECK(h.Run({"GET", "k"}) == Err("NOAUTH Authentication required."));
    CHECK(h.Run({"nosuch"}) == Err("ERR unknown command 'nosuch', with args beginning with: "));
  }

  TEST_CASE("writes are propagated, reads are not") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"GET", "k"});
    REQUIRE(h.propagated().lines.size() == 1);
    CHECK(h.propagated().lines[0] == "SET k v");
  }
}
