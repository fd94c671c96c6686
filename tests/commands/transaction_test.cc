// MULTI / EXEC / DISCARD / WATCH / UNWATCH with Redis 7.0's replies, and what a transaction
// puts on the write stream. Expected bytes were taken from redis-server 7.0.15.
#include <doctest/doctest.h>

#include "commands/harness.h"

using namespace basalt::test;

namespace {

// Runs MULTI, PING, EXEC for `s` and returns EXEC's reply: "*1\r\n+PONG\r\n" when the
// transaction ran, "*-1\r\n" when a watched key broke it.
std::string PingTransaction(Harness& h, TestSession& s) {
  REQUIRE(h.RunAs(s, {"MULTI"}) == Ok());
  REQUIRE(h.RunAs(s, {"PING"}) == Simple("QUEUED"));
  return h.RunAs(s, {"EXEC"});
}

const std::string kRan = "*1\r\n+PONG\r\n";

}  // namespace

TEST_SUITE("transactions") {
  TEST_CASE("queued commands run at EXEC, replies in one array") {
    Harness h;
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"SET", "s", "x"}) == Simple("QUEUED"));
    CHECK(h.Run({"INCR", "s"}) == Simple("QUEUED"));
    CHECK(h.Run({"GET", "s"}) == Simple("QUEUED"));
    CHECK(h.Run({"GET", "s"}) == Simple("QUEUED"));
    CHECK(h.keyspace().db(0).LookupRaw("s") == nullptr);  // nothing ran yet
    CHECK(h.Run({"EXEC"}) ==
          "*4\r\n+OK\r\n-ERR value is not an integer or out of range\r\n" + Bulk("x") + Bulk("x"));
    CHECK(h.Run({"GET", "s"}) == Bulk("x"));
  }

  TEST_CASE("an error while queueing aborts the whole transaction") {
    Harness h;
    SUBCASE("unknown command") {
      CHECK(h.Run({"MULTI"}) == Ok());
      CHECK(h.Run({"foo"}) == Err("ERR unknown command 'foo', with args beginning with: "));
    }
    SUBCASE("wrong arity") {
      CHECK(h.Run({"MULTI"}) == Ok());
      CHECK(h.Run({"SET", "a"}) == Err("ERR wrong number of arguments for 'set' command"));
    }
    SUBCASE("a command not allowed in a transaction") {
      CHECK(h.Run({"MULTI"}) == Ok());
      CHECK(h.Run({"SAVE"}) == Err("ERR Command not allowed inside a transaction"));
    }
    CHECK(h.Run({"SET", "a", "1"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) == Err("EXECABORT Transaction discarded because of previous errors."));
    CHECK(h.Run({"GET", "a"}) == Nil());
    CHECK(h.Run({"EXEC"}) == Err("ERR EXEC without MULTI"));
  }

  TEST_CASE("OOM at queue time aborts; EXEC counts as a write when it holds one") {
    Harness h;
    h.Run({"SET", "x", std::string(100, 'x')});
    h.config().settings().maxmemory = 1;  // exceeded from now on
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"GET", "a"}) == Simple("QUEUED"));
    CHECK(h.Run({"SET", "a", "1"}) ==
          Err("OOM command not allowed when used memory > 'maxmemory'."));
    CHECK(h.Run({"EXEC"}) == Err("EXECABORT Transaction discarded because of previous errors."));

    // Memory ran out after a write was queued: EXEC itself is refused and ends the transaction.
    h.config().settings().maxmemory = 0;
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"SET", "a", "1"}) == Simple("QUEUED"));
    h.config().settings().maxmemory = 1;
    CHECK(h.Run({"EXEC"}) == Err("EXECABORT Transaction discarded because of: OOM command not "
                                 "allowed when used memory > 'maxmemory'."));
    CHECK(h.Run({"EXEC"}) == Err("ERR EXEC without MULTI"));
    // A read-only transaction still runs.
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"GET", "a"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) == "*1\r\n$-1\r\n");
  }

  TEST_CASE("EXEC refused before it runs answers EXECABORT with the reason and ends MULTI") {
    Harness h;
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"SET", "a", "1"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC", "extra"}) ==
          Err("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
              "command"));
    CHECK(h.Run({"SET", "a", "1"}) == Ok());
    CHECK(h.Run({"EXEC", "x"}) == Err("EXECABORT Transaction discarded because of: wrong number "
                                      "of arguments for 'exec' command"));
    h.config().settings().requirepass = "pw";
    h.session().authenticated = false;
    CHECK(h.Run({"EXEC"}) ==
          Err("EXECABORT Transaction discarded because of: NOAUTH Authentication required."));
    h.session().authenticated = true;
    h.Run({"SUBSCRIBE", "c"});
    CHECK(h.Run({"EXEC"}) ==
          Err("EXECABORT Transaction discarded because of: Can't execute 'exec': only "
              "(P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
              "context"));
  }

  TEST_CASE("nested MULTI and WATCH inside MULTI are errors that do not abort") {
    Harness h;
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"MULTI"}) == Err("ERR MULTI calls can not be nested"));
    CHECK(h.Run({"WATCH", "a"}) == Err("ERR WATCH inside MULTI is not allowed"));
    CHECK(h.Run({"SET", "a", "1"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) == "*1\r\n+OK\r\n");
  }

  TEST_CASE("EXEC and DISCARD without MULTI; an empty transaction") {
    Harness h;
    CHECK(h.Run({"EXEC"}) == Err("ERR EXEC without MULTI"));
    CHECK(h.Run({"DISCARD"}) == Err("ERR DISCARD without MULTI"));
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"EXEC"}) == "*0\r\n");
  }

  TEST_CASE("DISCARD drops the queue and the watched keys") {
    Harness h;
    TestSession& other = h.NewSession();
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"SET", "a", "1"}) == Simple("QUEUED"));
    CHECK(h.Run({"DISCARD"}) == Ok());
    CHECK(h.Run({"GET", "a"}) == Nil());
    CHECK(h.RunAs(other, {"SET", "k", "v"}) == Ok());
    CHECK(PingTransaction(h, h.session()) == kRan);
  }

  TEST_CASE("QUIT and RESET run at once inside MULTI") {
    Harness h;
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"SET", "a", "1"}) == Simple("QUEUED"));
    CHECK(h.Run({"RESET"}) == Simple("RESET"));
    CHECK(h.Run({"EXEC"}) == Err("ERR EXEC without MULTI"));
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"QUIT"}) == Ok());
    CHECK(h.session().close_after_reply);
  }

  TEST_CASE("a write by another client to a watched key makes EXEC return a null array") {
    Harness h;
    TestSession& other = h.NewSession();
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.RunAs(other, {"SET", "k", "v"}) == Ok());
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"SET", "a", "1"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) == NilArray());
    CHECK(h.Run({"GET", "a"}) == Nil());
    // The transaction is over: its watches are gone too.
    CHECK(h.RunAs(other, {"SET", "k", "w"}) == Ok());
    CHECK(PingTransaction(h, h.session()) == kRan);
  }

  TEST_CASE("RESP3 gets a null for a broken transaction") {
    Harness h;
    h.session().resp = 3;
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.Run({"SET", "k", "v"}) == Ok());  // our own writes count too
    CHECK(PingTransaction(h, h.session()) == "_\r\n");
  }

  TEST_CASE("every kind of change to a watched key breaks the transaction") {
    Harness h;
    TestSession& other = h.NewSession();
    std::vector<std::vector<std::string>> changes = {
        {"SET", "k", "2"},
        {"DEL", "k"},
        {"EXPIRE", "k", "100"},
        {"APPEND", "k", "x"},
        {"INCR", "k"},
        {"RENAME", "k", "z"},
        {"RENAME", "src", "k"},
        {"MOVE", "k", "1"},
        {"FLUSHDB"},
        {"FLUSHALL"},
        {"SWAPDB", "0", "1"},
        {"GETDEL", "k"},
        {"SETRANGE", "k", "0", "x"},
        {"PEXPIREAT", "k", "1"},
        {"COPY", "src", "k", "REPLACE"},
    };
    for (const auto& change : changes) {
      CAPTURE(change[0]);
      h.Run({"FLUSHALL"});
      h.Run({"SET", "k", "1"});
      h.Run({"SET", "src", "9"});
      CHECK(h.Run({"WATCH", "k"}) == Ok());
      std::vector<std::string_view> argv(change.begin(), change.end());
      std::string out;
      basalt::protocol::ReplyWriter w(&out);
      h.core().dispatcher().Execute(other, argv, w);
      CHECK(PingTransaction(h, h.session()) == NilArray());
    }
  }

  TEST_CASE("commands that change nothing do not break a watch") {
    Harness h;
    TestSession& other = h.NewSession();
    h.Run({"SET", "k", "1"});
    CHECK(h.Run({"WATCH", "k", "z"}) == Ok());
    CHECK(h.RunAs(other, {"PERSIST", "k"}) == Int(0));
    CHECK(h.RunAs(other, {"SET", "k", "2", "NX"}) == Nil());
    CHECK(h.RunAs(other, {"DEL", "z"}) == Int(0));
    CHECK(h.RunAs(other, {"GET", "k"}) == Bulk("1"));
    CHECK(h.RunAs(other, {"FLUSHDB"}) != "");  // but this one does: k exists
    h.Run({"SET", "k", "1"});
    CHECK(h.Run({"WATCH", "z"}) == Ok());
    CHECK(h.RunAs(other, {"FLUSHDB"}) == Ok());            // z absent: no change for z
    CHECK(PingTransaction(h, h.session()) == NilArray());  // k's watch was already broken
    CHECK(h.Run({"WATCH", "z"}) == Ok());
    CHECK(h.RunAs(other, {"FLUSHDB"}) == Ok());
    CHECK(PingTransaction(h, h.session()) == kRan);
  }

  TEST_CASE("a watch is per database") {
    Harness h;
    TestSession& other = h.NewSession();
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.RunAs(other, {"SELECT", "1"}) == Ok());
    CHECK(h.RunAs(other, {"SET", "k", "1"}) == Ok());
    CHECK(PingTransaction(h, h.session()) == kRan);
  }

  TEST_CASE("SWAPDB breaks a watch on a key present only in the other database") {
    Harness h;
    TestSession& other = h.NewSession();
    h.Run({"SELECT", "1"});
    h.Run({"SET", "k", "1"});
    h.Run({"SELECT", "0"});
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.RunAs(other, {"SWAPDB", "0", "1"}) == Ok());
    CHECK(PingTransaction(h, h.session()) == NilArray());
  }

  TEST_CASE("a watched key that expires before EXEC breaks it, as in Redis 7.0") {
    Harness h;
    h.Run({"SET", "k", "v", "PX", "50"});
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    h.clock().AdvanceMs(100);  // nobody touched the key: it just expired
    CHECK(PingTransaction(h, h.session()) == NilArray());
  }

  TEST_CASE("a key already expired when watched is no change when it is deleted") {
    Harness h;
    h.Run({"SET", "k", "v", "PX", "50"});
    h.clock().AdvanceMs(100);
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    SUBCASE("left alone") {}
    SUBCASE("deleted by a lazy expiry") { CHECK(h.Run({"GET", "k"}) == Nil()); }
    CHECK(PingTransaction(h, h.session()) == kRan);
  }

  TEST_CASE("a key already expired when watched and then written breaks it") {
    Harness h;
    h.Run({"SET", "k", "v", "PX", "50"});
    h.clock().AdvanceMs(100);
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.Run({"SET", "k", "new"}) == Ok());
    CHECK(PingTransaction(h, h.session()) == NilArray());
  }

  TEST_CASE("UNWATCH forgets the keys and a broken mark; inside MULTI it is queued") {
    Harness h;
    TestSession& other = h.NewSession();
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    h.RunAs(other, {"SET", "k", "1"});
    CHECK(h.Run({"UNWATCH"}) == Ok());
    CHECK(PingTransaction(h, h.session()) == kRan);

    CHECK(h.Run({"WATCH", "k"}) == Ok());
    h.RunAs(other, {"SET", "k", "2"});
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"UNWATCH"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) == NilArray());
  }

  TEST_CASE("a closed client leaves the watch registry") {
    Harness h;
    TestSession& other = h.NewSession();
    CHECK(h.RunAs(other, {"WATCH", "a", "b"}) == Ok());
    CHECK(h.core().watches().watched_keys() == 2);
    h.CloseSession(other);
    CHECK(h.core().watches().watched_keys() == 0);
    CHECK(h.Run({"SET", "a", "1"}) == Ok());
  }

  TEST_CASE("CLIENT INFO shows x while in MULTI with the queue length, d for a broken watch") {
    Harness h;
    TestSession& other = h.NewSession();
    auto field = [&](std::string_view name) {
      std::string info = h.Run({"CLIENT", "INFO"});
      size_t at = info.find(" " + std::string(name) + "=");
      REQUIRE(at != std::string::npos);
      size_t begin = at + name.size() + 2;
      return info.substr(begin, info.find(' ', begin) - begin);
    };
    CHECK(field("flags") == "N");
    CHECK(field("multi") == "-1");
    h.Run({"WATCH", "k"});
    h.RunAs(other, {"SET", "k", "1"});
    CHECK(field("flags") == "d");
    h.Run({"MULTI"});
    h.Run({"SET", "a", "1"});
    CHECK(h.Run({"EXEC"}) == NilArray());
    h.Run({"MULTI"});
    h.Run({"SET", "a", "1"});
    h.Run({"SET", "b", "1"});
    std::string info;
    {
      // CLIENT INFO itself would be queued: look from another client.
      std::string list = h.RunAs(other, {"CLIENT", "LIST"});
      CHECK(list.find("id=1 ") != std::string::npos);
      CHECK(list.find("flags=x db=0 sub=0 psub=0 ssub=0 multi=2 ") != std::string::npos);
    }
    h.Run({"DISCARD"});
  }
}

TEST_SUITE("transactions on the write stream") {
  TEST_CASE("a transaction of several writes goes out as one MULTI ... EXEC unit") {
    Harness h;
    h.Run({"MULTI"});
    h.Run({"SET", "a", "1"});
    h.Run({"GET", "a"});
    h.Run({"INCR", "a"});
    h.Run({"EXEC"});
    CHECK(h.propagated().units == 1);
    CHECK(h.propagated().lines == std::vector<std::string>{"MULTI", "SET a 1", "INCR a", "EXEC"});
  }

  TEST_CASE("a transaction with one write is not wrapped; one without writes emits nothing") {
    Harness h;
    h.Run({"MULTI"});
    h.Run({"SET", "a", "1"});
    h.Run({"GET", "a"});
    h.Run({"EXEC"});
    h.Run({"MULTI"});
    h.Run({"GET", "a"});
    h.Run({"EXEC"});
    CHECK(h.propagated().lines == std::vector<std::string>{"SET a 1"});
  }

  TEST_CASE("SELECT inside a transaction switches the database within the unit") {
    Harness h;
    h.Run({"MULTI"});
    h.Run({"SET", "a", "1"});
    h.Run({"SELECT", "3"});
    h.Run({"SET", "b", "2"});
    h.Run({"EXEC"});
    CHECK(h.propagated().lines == std::vector<std::string>{"MULTI", "SET a 1", "SET b 2", "EXEC"});
    CHECK(h.propagated().dbs == std::vector<int>{0, 0, 3, 3});
  }

  TEST_CASE("all commands of a transaction see one clock reading") {
    Harness h;
    h.Run({"MULTI"});
    h.Run({"SET", "a", "1", "PX", "100"});
    h.Run({"SET", "b", "1", "PX", "100"});
    h.Run({"EXEC"});
    const std::string at = std::to_string(h.clock().NowMs() + 100);
    CHECK(h.propagated().lines ==
          std::vector<std::string>{"MULTI", "SET a 1 PXAT " + at, "SET b 1 PXAT " + at, "EXEC"});
  }

  TEST_CASE("an aborted or broken transaction emits nothing") {
    Harness h;
    TestSession& other = h.NewSession();
    h.Run({"MULTI"});
    h.Run({"SET", "a", "1"});
    h.Run({"nosuch"});
    h.Run({"EXEC"});
    h.Run({"WATCH", "k"});
    h.RunAs(other, {"GET", "k"});
    h.RunAs(other, {"SET", "k", "1"});
    h.Run({"MULTI"});
    h.Run({"SET", "a", "1"});
    h.Run({"EXEC"});
    CHECK(h.propagated().lines == std::vector<std::string>{"SET k 1"});
  }
}
