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

  TEST_CASE("unknown command and subcommand texts stop at a NUL, as C's printf does") {
    Harness h;
    CHECK(h.Run({std::string("\0x", 2), "3"}) ==
          Err("ERR unknown command '', with args beginning with: '3' "));
    CHECK(h.Run({"FOO", std::string("a\0b", 3), "c"}) ==
          Err("ERR unknown command 'FOO', with args beginning with: 'a' 'c' "));
    CHECK(h.Run({"CLIENT", std::string("a\0b", 3)}) ==
          Err("ERR unknown subcommand 'a'. Try CLIENT HELP."));
  }

  TEST_CASE("the argument preview fills exactly 128 bytes") {
    Harness h;
    const std::string y200(200, 'y');
    CHECK(h.Run({"FOO", y200}) == Err("ERR unknown command 'FOO', with args beginning with: '" +
                                      std::string(128, 'y') + "' "));
    CHECK(h.Run({"FOO", std::string(124, 'y'), "zzzzz"}) ==
          Err("ERR unknown command 'FOO', with args beginning with: '" + std::string(124, 'y') +
              "' 'z' "));
  }

  TEST_CASE("SELECT beyond a C int has Redis's range error") {
    Harness h;
    CHECK(h.Run({"SELECT", "2147483648"}) ==
          Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
    CHECK(h.Run({"SELECT", "-2147483649"}) ==
          Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
    CHECK(h.Run({"SELECT", "2147483647"}) == Err("ERR DB index is out of range"));
    CHECK(h.Run({"SELECT", "x"}) == Err("ERR value is not an integer or out of range"));
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
    CHECK(h.Run({"zRevRangeByScore", "z", "+inf", "-inf"}) == "*0\r\n");
    // Only ASCII letters fold; any other byte must match exactly.
    CHECK(h.Run({"\x07\x05\x14", "k"}).starts_with("-ERR unknown command"));
    CHECK(h.Run({"ge\x74", "k"}) == Bulk("v"));
    CHECK(h.Run({"ge\x54", "k"}) == Bulk("v"));
    CHECK(h.Run({"ge\x34", "k"}).starts_with("-ERR unknown command"));
    CHECK(h.Run({std::string_view("get\0", 4), "k"}).starts_with("-ERR unknown command"));
    CHECK(h.Run({std::string(40, 'a'), "k"}).starts_with("-ERR unknown command"));
  }

  TEST_CASE("requirepass makes commands answer NOAUTH until AUTH") {
    Harness h;
    h.config().settings().requirepass = "secret";
    CHECK(h.Run({"GET", "k"}) == Err("NOAUTH Authentication required."));
    CHECK(h.Run({"nosuch"}) == Err("ERR unknown command 'nosuch', with args beginning with: "));
  }

  TEST_CASE("a run reuses one command's end as the next one's time; after it, time is read") {
    Harness h;
    {
      basalt::cmd::Dispatcher::Run run(h.core().dispatcher());
      CHECK(h.Run({"SET", "k", "v", "PX", "100"}) == Ok());
      // Time that passes inside a run (nothing is waited for there in the server) is only
      // seen once a command reads the clock again: this unit starts at SET's end.
      h.clock().AdvanceMs(200);
      CHECK(h.Run({"GET", "k"}) == Bulk("v"));
      // GET's end read the advanced clock: the next unit starts there.
      CHECK(h.Run({"GET", "k"}) == Nil());
      CHECK(h.Run({"SET", "k2", "v", "PX", "100"}) == Ok());
    }
    // Out of the run the next unit reads the clock itself, however long the gap was.
    h.clock().AdvanceMs(200);
    CHECK(h.Run({"GET", "k2"}) == Nil());
    {
      basalt::cmd::Dispatcher::Run run(h.core().dispatcher());
      CHECK(h.Run({"SET", "k3", "v", "PX", "100"}) == Ok());
    }
    h.clock().AdvanceMs(200);
    {
      // A new run does not start from the last one's end.
      basalt::cmd::Dispatcher::Run run(h.core().dispatcher());
      CHECK(h.Run({"GET", "k3"}) == Nil());
    }
  }

  TEST_CASE("writes are propagated, reads are not") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"GET", "k"});
    REQUIRE(h.propagated().lines.size() == 1);
    CHECK(h.propagated().lines[0] == "SET k v");
  }
}
