#include <doctest/doctest.h>

#include "commands/harness.h"

using namespace basalt::test;

namespace {

constexpr const char* kBadName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// A CLIENT LIST line as Redis 7.0 lays it out, for a client with empty buffers.
std::string Line(uint64_t id, std::string_view addr, std::string_view laddr, int fd,
                 std::string_view name, int age, int idle, int argv_mem, std::string_view cmd,
                 int resp = 2, std::string_view flags = "N", int db = 0) {
  return "id=" + std::to_string(id) + " addr=" + std::string(addr) +
         " laddr=" + std::string(laddr) + " fd=" + std::to_string(fd) +
         " name=" + std::string(name) + " age=" + std::to_string(age) +
         " idle=" + std::to_string(idle) + " flags=" + std::string(flags) +
         " db=" + std::to_string(db) +
         " sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=" + std::to_string(argv_mem) +
         " multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=" + std::to_string(argv_mem) +
         " events=r cmd=" + std::string(cmd) +
         " user=default redir=-1 resp=" + std::to_string(resp) + "\n";
}

}  // namespace

TEST_SUITE("client") {
  TEST_CASE("CLIENT ID is the connection's id") {
    Harness h;
    CHECK(h.Run({"CLIENT", "ID"}) == Int(1));
    TestSession& other = h.NewSession();
    CHECK(h.RunAs(other, {"client", "id"}) == Int(2));
    CHECK(h.Run({"CLIENT", "ID", "x"}) ==
          Err("ERR wrong number of arguments for 'client|id' command"));
  }

  TEST_CASE("CLIENT SETNAME and GETNAME; an empty name removes it") {
    Harness h;
    CHECK(h.Run({"CLIENT", "GETNAME"}) == Nil());
    CHECK(h.Run({"CLIENT", "SETNAME", "web-1"}) == Ok());
    CHECK(h.Run({"CLIENT", "GETNAME"}) == Bulk("web-1"));
    CHECK(h.Run({"CLIENT", "SETNAME", ""}) == Ok());
    CHECK(h.Run({"CLIENT", "GETNAME"}) == Nil());
  }

  TEST_CASE("CLIENT SETNAME refuses spaces, newlines and non-printable bytes") {
    Harness h;
    CHECK(h.Run({"CLIENT", "SETNAME", "a b"}) == Err(kBadName));
    CHECK(h.Run({"CLIENT", "SETNAME", "a\nb"}) == Err(kBadName));
    CHECK(h.Run({"CLIENT", "SETNAME", "caf\xc3\xa9"}) == Err(kBadName));
    CHECK(h.Run({"CLIENT", "GETNAME"}) == Nil());
  }

  TEST_CASE("CLIENT INFO shows Redis 7.0's fields in order for the calling client") {
    Harness h;
    TestSession& s = h.session();
    s.peer = "127.0.0.1:50000";
    s.local = "127.0.0.1:6379";
    s.fd_number = 8;
    h.Run({"CLIENT", "SETNAME", "me"});
    h.clock().AdvanceMs(3500);
    s.last_interaction_ms = h.clock().NowMs() - 1000;
    CHECK(h.Run({"CLIENT", "INFO"}) ==
          Bulk(Line(1, "127.0.0.1:50000", "127.0.0.1:6379", 8, "me", 3, 1, 10, "client|info")));
  }

  TEST_CASE("CLIENT INFO is a verbatim string in RESP3") {
    Harness h;
    h.Run({"HELLO", "3"});
    std::string line = Line(1, "", "", -1, "", 0, 0, 10, "client|info", 3);
    CHECK(h.Run({"CLIENT", "INFO"}) ==
          "=" + std::to_string(line.size() + 4) + "\r\ntxt:" + line + "\r\n");
  }

  TEST_CASE("CLIENT LIST has one line per client, others showing their last command") {
    Harness h;
    TestSession& other = h.NewSession();
    h.RunAs(other, {"PING"});
    CHECK(h.Run({"CLIENT", "LIST"}) == Bulk(Line(1, "", "", -1, "", 0, 0, 10, "client|list") +
                                            Line(2, "", "", -1, "", 0, 0, 0, "ping")));
  }

  TEST_CASE("CLIENT LIST TYPE filters by client type") {
    Harness h;
    TestSession& replica = h.NewSession();
    replica.is_replica = true;
    CHECK(h.Run({"CLIENT", "LIST", "TYPE", "replica"}) ==
          Bulk(Line(2, "", "", -1, "", 0, 0, 0, "NULL", 2, "S")));
    CHECK(h.Run({"CLIENT", "LIST", "TYPE", "slave"}) ==
          h.Run({"CLIENT", "LIST", "TYPE", "replica"}));
    CHECK(h.Run({"CLIENT", "LIST", "TYPE", "normal"}) ==
          Bulk(Line(1, "", "", -1, "", 0, 0, 20, "client|list")));
    CHECK(h.Run({"CLIENT", "LIST", "TYPE", "pubsub"}) == Bulk(""));
    CHECK(h.Run({"CLIENT", "LIST", "TYPE", "master"}) == Bulk(""));
    CHECK(h.Run({"CLIENT", "LIST", "TYPE", "foo"}) == Err("ERR Unknown client type 'foo'"));
  }

  TEST_CASE("CLIENT LIST ID lists the given clients in the given order") {
    Harness h;
    h.NewSession();
    std::string reply = h.Run({"CLIENT", "LIST", "ID", "2", "9", "1"});
    CHECK(reply == Bulk(Line(2, "", "", -1, "", 0, 0, 0, "NULL") +
                        Line(1, "", "", -1, "", 0, 0, 15, "client|list")));
    CHECK(h.Run({"CLIENT", "LIST", "ID", "0"}) == Bulk(""));
    CHECK(h.Run({"CLIENT", "LIST", "ID", "1", "abc"}) == Err("ERR Invalid client ID"));
    CHECK(h.Run({"CLIENT", "LIST", "ID", "1", "TYPE", "normal"}) == Err("ERR Invalid client ID"));
    CHECK(h.Run({"CLIENT", "LIST", "TYPE", "normal", "ID", "1"}) == Err("ERR syntax error"));
    CHECK(h.Run({"CLIENT", "LIST", "foo"}) == Err("ERR syntax error"));
  }

  TEST_CASE("CLIENT KILL ip:port closes that client or says there is none") {
    Harness h;
    TestSession& other = h.NewSession();
    other.peer = "10.0.0.2:4000";
    CHECK(h.Run({"CLIENT", "KILL", "10.0.0.9:1"}) == Err("ERR No such client"));
    CHECK_FALSE(other.killed);
    CHECK(h.Run({"CLIENT", "KILL", "10.0.0.2:4000"}) == Ok());
    CHECK(other.killed);
    CHECK(other.close_after_reply);
  }

  TEST_CASE("CLIENT KILL filters count the killed clients and skip the caller by default") {
    Harness h;
    TestSession& a = h.NewSession();
    TestSession& b = h.NewSession();
    a.local = "127.0.0.1:6379";
    b.local = "127.0.0.1:6380";
    h.session().local = "127.0.0.1:6379";
    CHECK(h.Run({"CLIENT", "KILL", "ID", "99"}) == Int(0));
    CHECK(h.Run({"CLIENT", "KILL", "LADDR", "127.0.0.1:6379"}) == Int(1));
    CHECK(a.killed);
    CHECK_FALSE(b.killed);
    CHECK_FALSE(h.session().close_after_reply);
    CHECK(h.Run({"CLIENT", "KILL", "ID", "3", "TYPE", "normal", "USER", "default"}) == Int(1));
    CHECK(b.killed);
  }

  TEST_CASE("CLIENT KILL SKIPME no may close the caller after its reply") {
    Harness h;
    h.session().peer = "127.0.0.1:5555";
    CHECK(h.Run({"CLIENT", "KILL", "ADDR", "127.0.0.1:5555"}) == Int(0));
    CHECK_FALSE(h.session().close_after_reply);
    CHECK(h.Run({"CLIENT", "KILL", "ADDR", "127.0.0.1:5555", "SKIPME", "no"}) == Int(1));
    CHECK(h.session().close_after_reply);
  }

  TEST_CASE("CLIENT KILL errors are Redis's") {
    Harness h;
    CHECK(h.Run({"CLIENT", "KILL", "ID", "abc"}) == Err("ERR client-id should be greater than 0"));
    CHECK(h.Run({"CLIENT", "KILL", "ID", "0"}) == Err("ERR client-id should be greater than 0"));
    CHECK(h.Run({"CLIENT", "KILL", "TYPE", "foo"}) == Err("ERR Unknown client type 'foo'"));
    CHECK(h.Run({"CLIENT", "KILL", "USER", "nosuch"}) == Err("ERR No such user 'nosuch'"));
    CHECK(h.Run({"CLIENT", "KILL", "SKIPME", "maybe"}) == Err("ERR syntax error"));
    CHECK(h.Run({"CLIENT", "KILL", "SKIPME", "no", "ID"}) == Err("ERR syntax error"));
    CHECK(h.Run({"CLIENT", "KILL", "MAXAGE", "5"}) == Err("ERR syntax error"));
    CHECK(h.Run({"CLIENT", "KILL"}) ==
          Err("ERR wrong number of arguments for 'client|kill' command"));
  }

  TEST_CASE("CLIENT NO-EVICT accepts ON and OFF only") {
    Harness h;
    CHECK(h.Run({"CLIENT", "NO-EVICT", "on"}) == Ok());
    CHECK(h.Run({"CLIENT", "NO-EVICT", "OFF"}) == Ok());
    CHECK(h.Run({"CLIENT", "NO-EVICT", "maybe"}) == Err("ERR syntax error"));
  }

  TEST_CASE("CLIENT HELP, unknown subcommands and the bare container") {
    Harness h;
    std::string help = h.Run({"CLIENT", "HELP"});
    CHECK(help.rfind("*", 0) == 0);
    CHECK(help.find("+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n") !=
          std::string::npos);
    CHECK(help.size() > 40);
    CHECK(help.ends_with("\r\n+HELP\r\n+    Prints this help.\r\n"));
    CHECK(h.Run({"CLIENT", "nosuch"}) == Err("ERR unknown subcommand 'nosuch'. Try CLIENT HELP."));
    CHECK(h.Run({"CLIENT"}) == Err("ERR wrong number of arguments for 'client' command"));
  }

  TEST_CASE("CLIENT LIST without a directory shows only the caller") {
    Harness h;
    h.server().clients = nullptr;
    h.NewSession();
    CHECK(h.Run({"CLIENT", "LIST"}) == Bulk(Line(1, "", "", -1, "", 0, 0, 10, "client|list")));
  }
}
