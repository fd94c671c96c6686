#include <doctest/doctest.h>

#include "commands/harness.h"

using namespace basalt::test;

namespace {

// HELLO's reply for client 1, as a RESP2 flat array or a RESP3 map.
std::string HelloReply(int proto, int id = 1) {
  std::string body = Bulk("server") + Bulk("redis") + Bulk("version") + Bulk("7.0.15") +
                     Bulk("proto") + Int(proto) + Bulk("id") + Int(id) + Bulk("mode") +
                     Bulk("standalone") + Bulk("role") + Bulk("master") + Bulk("modules") +
                     "*0\r\n";
  return (proto == 3 ? "%7\r\n" : "*14\r\n") + body;
}

const char* const kHelloNoAuth =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time";

}  // namespace

TEST_SUITE("connection") {
  TEST_CASE("PING answers PONG or echoes its argument; ECHO echoes") {
    Harness h;
    CHECK(h.Run({"PING"}) == Simple("PONG"));
    CHECK(h.Run({"PING", "hi"}) == Bulk("hi"));
    CHECK(h.Run({"PING", "a", "b"}) == Err("ERR wrong number of arguments for 'ping' command"));
    CHECK(h.Run({"ECHO", "x y"}) == Bulk("x y"));
  }

  TEST_CASE("SELECT switches database and checks the index") {
    Harness h;
    CHECK(h.Run({"SELECT", "3"}) == Ok());
    CHECK(h.session().db == 3);
    CHECK(h.Run({"SELECT", "16"}) == Err("ERR DB index is out of range"));
    CHECK(h.Run({"SELECT", "x"}) == Err("ERR value is not an integer or out of range"));
  }

  TEST_CASE("QUIT replies OK and closes after the reply") {
    Harness h;
    CHECK(h.Run({"QUIT"}) == Ok());
    CHECK(h.session().close_after_reply);
  }

  TEST_CASE("HELLO without arguments reports the current protocol as a flat array") {
    Harness h;
    CHECK(h.Run({"HELLO"}) == HelloReply(2));
    CHECK(h.session().resp == 2);
  }

  TEST_CASE("HELLO 3 switches to RESP3: its own reply and later replies are RESP3") {
    Harness h;
    CHECK(h.Run({"HELLO", "3"}) == HelloReply(3));
    CHECK(h.session().resp == 3);
    CHECK(h.Run({"CLIENT", "GETNAME"}) == "_\r\n");
    CHECK(h.Run({"CONFIG", "GET", "hz"}) == "%1\r\n" + Bulk("hz") + Bulk("10"));
    CHECK(h.Run({"HELLO", "2"}) == HelloReply(2));
    CHECK(h.Run({"CLIENT", "GETNAME"}) == Nil());
  }

  TEST_CASE("HELLO refuses unknown protocol versions and bad options") {
    Harness h;
    CHECK(h.Run({"HELLO", "4"}) == Err("NOPROTO unsupported protocol version"));
    CHECK(h.Run({"HELLO", "1"}) == Err("NOPROTO unsupported protocol version"));
    CHECK(h.Run({"HELLO", "abc"}) == Err("ERR Protocol version is not an integer or out of range"));
    CHECK(h.Run({"HELLO", "3", "foo"}) == Err("ERR Syntax error in HELLO option 'foo'"));
    CHECK(h.Run({"HELLO", "2", "AUTH"}) == Err("ERR Syntax error in HELLO option 'AUTH'"));
    CHECK(h.Run({"HELLO", "2", "auth", "default"}) ==
          Err("ERR Syntax error in HELLO option 'auth'"));
    CHECK(h.Run({"HELLO", "2", "setname"}) == Err("ERR Syntax error in HELLO option 'setname'"));
    CHECK(h.Run({"HELLO", "3", "setname", "a b"}) ==
          Err("ERR Client names cannot contain spaces, newlines or special characters."));
    CHECK(h.session().resp == 2);
  }

  TEST_CASE("HELLO SETNAME names the connection") {
    Harness h;
    CHECK(h.Run({"HELLO", "2", "SETNAME", "worker"}) == HelloReply(2));
    CHECK(h.Run({"CLIENT", "GETNAME"}) == Bulk("worker"));
  }

  TEST_CASE("AUTH without a configured password is refused with Redis's hint") {
    Harness h;
    CHECK(h.Run({"AUTH", "foo"}) ==
          Err("ERR AUTH <password> called without any password configured for the default "
              "user. Are you sure your configuration is correct?"));
    // The default user without a password accepts any password when named explicitly.
    CHECK(h.Run({"AUTH", "default", "anything"}) == Ok());
    CHECK(h.Run({"AUTH", "alice", "x"}) ==
          Err("WRONGPASS invalid username-password pair or user is disabled."));
    CHECK(h.Run({"AUTH", "a", "b", "c"}) == Err("ERR syntax error"));
  }

  TEST_CASE("requirepass: commands answer NOAUTH until AUTH with the right password") {
    Harness h;
    h.config().settings().requirepass = "secret";
    CHECK(h.Run({"GET", "k"}) == Err("NOAUTH Authentication required."));
    CHECK(h.Run({"AUTH", "wrong"}) ==
          Err("WRONGPASS invalid username-password pair or user is disabled."));
    CHECK(h.Run({"AUTH", "default", "wrong"}) ==
          Err("WRONGPASS invalid username-password pair or user is disabled."));
    CHECK(h.Run({"AUTH", "other", "secret"}) ==
          Err("WRONGPASS invalid username-password pair or user is disabled."));
    CHECK_FALSE(h.session().authenticated);
    CHECK(h.Run({"AUTH", "secret"}) == Ok());
    CHECK(h.session().authenticated);
    CHECK(h.Run({"GET", "k"}) == Nil());
    CHECK(h.Run({"AUTH", "default", "secret"}) == Ok());
  }

  TEST_CASE("a failed AUTH keeps an earlier successful one") {
    Harness h;
    h.config().settings().requirepass = "secret";
    CHECK(h.Run({"AUTH", "secret"}) == Ok());
    CHECK(h.Run({"AUTH", "wrong"}) ==
          Err("WRONGPASS invalid username-password pair or user is disabled."));
    CHECK(h.Run({"GET", "k"}) == Nil());
  }

  TEST_CASE("QUIT, AUTH and HELLO are allowed before authentication") {
    Harness h;
    h.config().settings().requirepass = "secret";
    CHECK(h.Run({"HELLO"}) == Err(kHelloNoAuth));
    CHECK(h.Run({"HELLO", "3"}) == Err(kHelloNoAuth));
    CHECK(h.Run({"CLIENT", "ID"}) == Err("NOAUTH Authentication required."));
    CHECK(h.Run({"QUIT"}) == Ok());
  }

  TEST_CASE("HELLO AUTH authenticates and switches protocol in one step") {
    Harness h;
    h.config().settings().requirepass = "secret";
    CHECK(h.Run({"HELLO", "3", "AUTH", "default", "wrong"}) ==
          Err("WRONGPASS invalid username-password pair or user is disabled."));
    CHECK(h.session().resp == 2);
    CHECK(h.Run({"HELLO", "3", "AUTH", "default", "secret", "SETNAME", "x"}) == HelloReply(3));
    CHECK(h.session().authenticated);
    CHECK(h.Run({"CLIENT", "GETNAME"}) == Bulk("x"));
  }

  TEST_CASE("HELLO AUTH sticks even when its SETNAME is invalid") {
    Harness h;
    h.config().settings().requirepass = "secret";
    CHECK(h.Run({"HELLO", "3", "AUTH", "default", "secret", "SETNAME", "a b"}) ==
          Err("ERR Client names cannot contain spaces, newlines or special characters."));
    CHECK(h.session().authenticated);
    CHECK(h.session().resp == 2);
    CHECK(h.Run({"GET", "k"}) == Nil());
  }

  TEST_CASE("HELLO reports the client's id") {
    Harness h;
    TestSession& other = h.NewSession();
    CHECK(h.RunAs(other, {"HELLO"}) == HelloReply(2, static_cast<int>(other.id)));
  }
}
