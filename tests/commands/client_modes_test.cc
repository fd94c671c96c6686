// CLIENT PAUSE / UNPAUSE (the first blocked clients) and MONITOR, through the in-process
// harness. Expected texts were taken from redis-server 7.0.15.
#include <doctest/doctest.h>

#include "clients/registries.h"
#include "commands/harness.h"

using namespace basalt::test;

TEST_SUITE("client pause") {
  TEST_CASE("ALL parks every command unanswered until the pause ends") {
    Harness h;
    TestSession& other = h.NewSession();
    CHECK(h.Run({"CLIENT", "PAUSE", "1000"}) == Ok());
    CHECK(h.RunAs(other, {"GET", "k"}) == "");  // no reply: parked
    CHECK(other.blocked);
    CHECK(h.RunAs(other, {"CLIENT", "UNPAUSE"}).empty());  // even UNPAUSE waits, as in Redis
    h.clock().AdvanceMs(999);
    h.core().registries().pause.Tick(h.clock().NowMs());
    CHECK(other.blocked);
    h.clock().AdvanceMs(1);
    h.core().registries().pause.Tick(h.clock().NowMs());
    CHECK_FALSE(other.blocked);
    CHECK(h.RunAs(other, {"GET", "k"}) == Nil());  // the connection retries its command
  }

  TEST_CASE("WRITE parks writes (and EXEC or queueing of writes) but not reads") {
    Harness h;
    TestSession& other = h.NewSession();
    CHECK(h.Run({"CLIENT", "PAUSE", "1000", "WRITE"}) == Ok());
    CHECK(h.RunAs(other, {"GET", "k"}) == Nil());
    CHECK(h.RunAs(other, {"MULTI"}) == Ok());
    CHECK(h.RunAs(other, {"SET", "k", "v"}).empty());
    CHECK(other.blocked);
    CHECK(h.Run({"CLIENT", "UNPAUSE"}) == Ok());  // not a write: it runs
    CHECK_FALSE(other.blocked);
  }

  TEST_CASE("WRITE parks PUBLISH and SPUBLISH: they may replicate") {
    // As redis-server 7.0.15 (a PUBLISH under CLIENT PAUSE 2000 WRITE answered after 2 s).
    Harness h;
    TestSession& publisher = h.NewSession();
    TestSession& shard_publisher = h.NewSession();
    CHECK(h.Run({"CLIENT", "PAUSE", "1000", "WRITE"}) == Ok());
    CHECK(h.RunAs(publisher, {"PUBLISH", "c", "m"}).empty());
    CHECK(publisher.blocked);
    CHECK(h.RunAs(shard_publisher, {"SPUBLISH", "c", "m"}).empty());
    CHECK(shard_publisher.blocked);
    CHECK(h.Run({"CLIENT", "UNPAUSE"}) == Ok());
    CHECK_FALSE(publisher.blocked);
    CHECK(h.RunAs(publisher, {"PUBLISH", "c", "m"}) == Int(0));
  }

  TEST_CASE("UNPAUSE wakes parked clients at once") {
    Harness h;
    TestSession& writer = h.NewSession();
    TestSession& admin = h.NewSession();
    CHECK(h.RunAs(admin, {"CLIENT", "PAUSE", "100000", "WRITE"}) == Ok());
    CHECK(h.RunAs(writer, {"SET", "k", "v"}).empty());
    CHECK(writer.blocked);
    CHECK(h.RunAs(admin, {"CLIENT", "UNPAUSE"}) == Ok());
    CHECK_FALSE(writer.blocked);
    CHECK(h.RunAs(writer, {"SET", "k", "v"}) == Ok());
  }

  TEST_CASE("a paused client that disconnects is forgotten") {
    Harness h;
    TestSession& other = h.NewSession();
    CHECK(h.Run({"CLIENT", "PAUSE", "100000", "WRITE"}) == Ok());
    CHECK(h.RunAs(other, {"SET", "k", "v"}).empty());
    CHECK(h.core().registries().pause.parked() == 1);
    h.CloseSession(other);
    CHECK(h.core().registries().pause.parked() == 0);
  }

  TEST_CASE("CLIENT PAUSE argument errors") {
    Harness h;
    CHECK(h.Run({"CLIENT", "PAUSE", "abc", "foo"}) ==
          Err("ERR CLIENT PAUSE mode must be WRITE or ALL"));
    CHECK(h.Run({"CLIENT", "PAUSE", "abc"}) ==
          Err("ERR timeout is not an integer or out of range"));
    CHECK(h.Run({"CLIENT", "PAUSE", "-1"}) == Err("ERR timeout is negative"));
    // The subcommand is named as sent (redis-server 7.0.15 echoes 'PAUSE', 'PaUse', ...).
    CHECK(h.Run({"CLIENT", "PAUSE", "10", "x", "y"}) ==
          Err("ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT "
              "HELP."));
    CHECK(h.Run({"client", "PaUse", "10", "x", "y"}) ==
          Err("ERR unknown subcommand or wrong number of arguments for 'PaUse'. Try CLIENT "
              "HELP."));
    CHECK(h.Run({"CLIENT", "PAUSE", "0"}) == Ok());  // a pause that is already over
    h.core().registries().pause.Tick(h.clock().NowMs());
    CHECK(h.Run({"GET", "k"}) == Nil());
  }

  TEST_CASE("CLIENT LIST shows b for a parked client and e for NO-EVICT") {
    Harness h;
    TestSession& other = h.NewSession();
    CHECK(h.Run({"CLIENT", "NO-EVICT", "on"}) == Ok());
    CHECK(h.Run({"CLIENT", "PAUSE", "100000", "WRITE"}) == Ok());
    CHECK(h.RunAs(other, {"SET", "k", "v"}).empty());
    std::string list = h.Run({"CLIENT", "LIST"});
    CHECK(list.find("id=1 ") != std::string::npos);
    CHECK(list.find("flags=e ") != std::string::npos);
    CHECK(list.find("flags=b ") != std::string::npos);
  }
}

TEST_SUITE("monitor") {
  TEST_CASE("MONITOR receives each executed command with db and address, quoted") {
    Harness h;
    TestSession& mon = h.NewSession();
    h.session().peer = "127.0.0.1:5000";
    CHECK(h.RunAs(mon, {"MONITOR"}) == Ok());
    h.Run({"SELECT", "2"});
    h.Run({"SET", "a", std::string("b\n\x01\"\\", 5)});
    std::string got = mon.TakePushed();
    // Strip the timestamps: "+<sec>.<usec> ".
    std::vector<std::string> lines;
    for (size_t pos = 0; pos < got.size();) {
      size_t end = got.find("\r\n", pos);
      REQUIRE(end != std::string::npos);
      std::string line = got.substr(pos, end - pos);
      REQUIRE(line[0] == '+');
      CHECK(line.find('.') == 11);
      lines.push_back(line.substr(line.find(' ') + 1));
      pos = end + 2;
    }
    CHECK(lines == std::vector<std::string>{R"([2 127.0.0.1:5000] "SELECT" "2")",
                                            R"([2 127.0.0.1:5000] "SET" "a" "b\n\x01\"\\")"});
  }

  TEST_CASE("MONITOR hides admin commands and redacts passwords; EXEC after its commands") {
    Harness h;
    TestSession& mon = h.NewSession();
    h.session().peer = "p";
    CHECK(h.RunAs(mon, {"MONITOR"}) == Ok());
    h.Run({"CONFIG", "GET", "port"});
    h.Run({"AUTH", "secret"});
    h.Run({"HELLO", "2", "AUTH", "default", "secret"});
    h.Run({"nosuch"});  // refused commands never ran: not shown
    h.Run({"MULTI"});
    h.Run({"GET", "a"});
    h.Run({"EXEC"});
    std::string got = mon.TakePushed();
    CHECK(got.find("secret") == std::string::npos);
    CHECK(got.find("config") == std::string::npos);
    CHECK(got.find("nosuch") == std::string::npos);
    CHECK(got.find(R"x("AUTH" "(redacted)")x") != std::string::npos);
    CHECK(got.find(R"x("HELLO" "2" "AUTH" "(redacted)" "(redacted)")x") != std::string::npos);
    size_t multi = got.find(R"("MULTI")");
    size_t get = got.find(R"("GET" "a")");
    size_t exec = got.find(R"("EXEC")");
    CHECK(multi < get);
    CHECK(get < exec);
  }

  TEST_CASE("MONITOR inside a transaction is refused; a second MONITOR gets no reply") {
    Harness h;
    h.Run({"MULTI"});
    h.Run({"MONITOR"});
    CHECK(h.Run({"EXEC"}) == "*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n");
    CHECK(h.Run({"MONITOR"}) == Ok());
    CHECK(h.Run({"MONITOR"}).empty());
    CHECK(h.Run({"CLIENT", "INFO"}).find("flags=O ") != std::string::npos);
  }
}

TEST_SUITE("client reply") {
  TEST_CASE("OFF answers nothing, not even errors, until ON answers +OK") {
    Harness h;
    CHECK(h.Run({"CLIENT", "REPLY", "OFF"}).empty());
    CHECK(h.Run({"SET", "k", "v"}).empty());
    CHECK(h.Run({"NOSUCH"}).empty());
    CHECK(h.Run({"GET"}).empty());
    CHECK(h.Run({"CLIENT", "REPLY", "ON"}) == Ok());
    CHECK(h.Run({"GET", "k"}) == Bulk("v"));  // the writes ran
  }

  TEST_CASE("SKIP drops the next request's reply only; under OFF it changes nothing") {
    Harness h;
    CHECK(h.Run({"CLIENT", "REPLY", "SKIP"}).empty());
    CHECK(h.Run({"PING"}).empty());
    CHECK(h.Run({"PING"}) == "+PONG\r\n");
    CHECK(h.Run({"CLIENT", "REPLY", "SKIP"}).empty());
    CHECK(h.Run({"CLIENT", "REPLY", "SKIP"}).empty());  // skipped, and skips the next
    CHECK(h.Run({"PING"}).empty());
    CHECK(h.Run({"PING"}) == "+PONG\r\n");
    CHECK(h.Run({"CLIENT", "REPLY", "OFF"}).empty());
    CHECK(h.Run({"CLIENT", "REPLY", "SKIP"}).empty());
    CHECK(h.Run({"CLIENT", "REPLY", "ON"}) == Ok());
    CHECK(h.Run({"PING"}) == "+PONG\r\n");
  }

  TEST_CASE("a queued command's QUEUED is a reply like any other") {
    Harness h;
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"CLIENT", "REPLY", "SKIP"}) == "+QUEUED\r\n");
    CHECK(h.Run({"EXEC"}) == "*1\r\n");  // SKIP ran inside EXEC: EXEC's reply went out
    CHECK(h.Run({"PING"}).empty());
    CHECK(h.Run({"CLIENT", "REPLY", "maybe"}) == "-ERR syntax error\r\n");
  }

  TEST_CASE("RESET ends OFF (and answers) but not a SKIP in progress") {
    Harness h;
    h.Run({"CLIENT", "REPLY", "OFF"});
    CHECK(h.Run({"RESET"}) == "+RESET\r\n");
    h.Run({"CLIENT", "REPLY", "SKIP"});
    CHECK(h.Run({"RESET"}).empty());
    CHECK(h.Run({"PING"}) == "+PONG\r\n");
  }

  TEST_CASE("pushes still arrive under OFF; a waiting request's late reply does not") {
    Harness h;
    TestSession& sub = h.NewSession();
    h.RunAs(sub, {"HELLO", "3"});
    CHECK(h.RunAs(sub, {"CLIENT", "REPLY", "OFF"}).empty());
    CHECK(h.RunAs(sub, {"SUBSCRIBE", "c"}).empty());
    CHECK(sub.TakePushed() == ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
    CHECK(h.Run({"PUBLISH", "c", "m"}) == Int(1));
    CHECK(sub.TakePushed() == ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n");

    TestSession& waiter = h.NewSession();
    CHECK(h.RunAs(waiter, {"CLIENT", "REPLY", "SKIP"}).empty());
    CHECK(h.RunAs(waiter, {"BLPOP", "q", "0"}).empty());
    CHECK(waiter.blocked);
    CHECK(h.Run({"RPUSH", "q", "x"}) == Int(1));
    CHECK_FALSE(waiter.blocked);
    CHECK(waiter.TakePushed().empty());               // served, but not answered
    CHECK(h.RunAs(waiter, {"PING"}) == "+PONG\r\n");  // the SKIP is over
    CHECK(h.Run({"LLEN", "q"}) == Int(0));
  }

  TEST_CASE("a monitor that turned replies off gets no feed, as in Redis") {
    Harness h;
    TestSession& mon = h.NewSession();
    CHECK(h.RunAs(mon, {"MONITOR"}) == Ok());
    CHECK(h.RunAs(mon, {"CLIENT", "REPLY", "OFF"}).empty());
    h.Run({"SET", "x", "1"});
    CHECK(mon.TakePushed().empty());
    CHECK(h.RunAs(mon, {"CLIENT", "REPLY", "ON"}) == Ok());
    h.Run({"SET", "x", "2"});
    CHECK(mon.TakePushed().find(R"("SET" "x" "2")") != std::string::npos);
  }
}
