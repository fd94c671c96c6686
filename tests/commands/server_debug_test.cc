// DEBUG through the in-process harness: refused unless enable-debug-command allows the client,
// and the subcommands basalt has. Expected texts were taken from redis-server 7.0.15.
#include <doctest/doctest.h>

#include <string>

#include "commands/harness.h"

using namespace basalt::test;

namespace {

constexpr std::string_view kNotAllowed =
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "
    "can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.";

void AllowDebug(Harness& h, std::string_view how) {
  REQUIRE(
      h.config().Set("enable-debug-command", how, basalt::config::Config::Origin::kStartup).ok());
}

}  // namespace

TEST_SUITE("debug") {
  TEST_CASE("refused by default, before it runs, and it dooms a transaction") {
    Harness h;
    CHECK(h.Run({"DEBUG", "SLEEP", "0"}) == Err(kNotAllowed));
    CHECK(h.Run({"DEBUG", "NOSUCH"}) == Err(kNotAllowed));
    CHECK(h.Run({"DEBUG"}) == Err("ERR wrong number of arguments for 'debug' command"));
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"DEBUG", "SLEEP", "0"}) == Err(kNotAllowed));
    CHECK(h.Run({"EXEC"}) == Err("EXECABORT Transaction discarded because of previous errors."));
    CHECK(h.Run({"CONFIG", "SET", "enable-debug-command", "yes"}) ==
          Err("ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - "
              "can't set immutable config"));
  }

  TEST_CASE("local allows loopback clients only") {
    Harness h;
    AllowDebug(h, "local");
    h.session().peer = "127.0.0.1:5000";
    CHECK(h.Run({"DEBUG", "SLEEP", "0"}) == Ok());
    TestSession& remote = h.NewSession();
    remote.peer = "10.1.2.3:5000";
    CHECK(h.RunAs(remote, {"DEBUG", "SLEEP", "0"}) == Err(kNotAllowed));
  }

  TEST_CASE("POPULATE makes missing keys only, padded to a size, and propagates nothing") {
    Harness h;
    AllowDebug(h, "yes");
    CHECK(h.Run({"SET", "key:1", "mine"}) == Ok());
    const size_t propagated = h.propagated().lines.size();
    CHECK(h.Run({"DEBUG", "POPULATE", "3"}) == Ok());
    CHECK(h.Run({"GET", "key:0"}) == Bulk("value:0"));
    CHECK(h.Run({"GET", "key:1"}) == Bulk("mine"));
    CHECK(h.Run({"GET", "key:2"}) == Bulk("value:2"));
    CHECK(h.Run({"DEBUG", "POPULATE", "2", "p", "10"}) == Ok());
    CHECK(h.Run({"GET", "p:1"}) == Bulk(std::string("value:1\0\0\0", 10)));
    CHECK(h.Run({"DEBUG", "POPULATE", "1", "q", "3"}) == Ok());
    CHECK(h.Run({"GET", "q:0"}) == Bulk("val"));
    CHECK(h.Run({"DBSIZE"}) == Int(6));
    CHECK(h.propagated().lines.size() == propagated);
    const std::string not_positive = Err("ERR value is out of range, must be positive");
    CHECK(h.Run({"DEBUG", "POPULATE", "-1"}) == not_positive);
    CHECK(h.Run({"DEBUG", "POPULATE", "x"}) == not_positive);
    CHECK(h.Run({"DEBUG", "POPULATE", "1", "a", "b"}) == not_positive);
    CHECK(h.Run({"DEBUG", "POPULATE", "1", "a", "2", "3"}) ==
          Err("ERR unknown subcommand or wrong number of arguments for 'POPULATE'. Try DEBUG "
              "HELP."));
  }

  TEST_CASE("SET-ACTIVE-EXPIRE, SLEEP, ERROR and unknown subcommands") {
    Harness h;
    AllowDebug(h, "yes");
    CHECK(h.Run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}) == Ok());
    CHECK_FALSE(h.server().active_expire);
    CHECK(h.Run({"DEBUG", "set-active-expire", "1"}) == Ok());
    CHECK(h.server().active_expire);
    CHECK(h.Run({"DEBUG", "SLEEP", "0"}) == Ok());
    CHECK(h.Run({"DEBUG", "SLEEP", "soon"}) == Ok());  // read as 0, as Redis's atof reads it
    CHECK(h.Run({"DEBUG", "ERROR", "WRONG it failed"}) == Err("WRONG it failed"));
    CHECK(h.Run({"DEBUG", "sleep"}) ==
          Err("ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP."));
    CHECK(h.Run({"DEBUG", "RELOAD"}) ==
          Err("ERR unknown subcommand or wrong number of arguments for 'RELOAD'. Try DEBUG "
              "HELP."));
    CHECK(h.Run({"DEBUG", "HELP"}).find("SET-ACTIVE-EXPIRE <0|1>") != std::string::npos);
  }
}
