// Blocked clients (clients/blocking.h) through WAIT, CLIENT UNBLOCK and INFO, in-process with a
// manual clock. Expected texts were taken from redis-server 7.0.15 (a primary with no replicas).
#include <doctest/doctest.h>

#include "clients/registries.h"
#include "commands/harness.h"

using namespace basalt::test;

namespace {

void Tick(Harness& h) { h.core().registries().blocked.Tick(h.clock().NowMs()); }

std::string InfoField(Harness& h, std::string_view field) {
  const std::string info = h.Run({"INFO", "clients"});
  const size_t at = info.find(std::string(field) + ":");
  if (at == std::string::npos) return "";
  const size_t begin = at + field.size() + 1;
  return info.substr(begin, info.find("\r\n", begin) - begin);
}

}  // namespace

TEST_SUITE("blocking") {
  TEST_CASE("WAIT answers at once when no replica is wanted") {
    Harness h;
    CHECK(h.Run({"WAIT", "0", "0"}) == Int(0));
    CHECK(h.Run({"WAIT", "-3", "100"}) == Int(0));
    CHECK_FALSE(h.session().blocked);
  }

  TEST_CASE("WAIT for replicas that never come replies 0 when its timeout passes") {
    Harness h;
    TestSession& waiter = h.NewSession();
    CHECK(h.RunAs(waiter, {"WAIT", "1", "100"}).empty());
    CHECK(waiter.blocked);
    CHECK(InfoField(h, "blocked_clients") == "1");
    CHECK(InfoField(h, "clients_in_timeout_table") == "1");
    h.clock().AdvanceMs(99);
    Tick(h);
    CHECK(waiter.blocked);
    CHECK(waiter.pushed.empty());
    h.clock().AdvanceMs(1);
    Tick(h);
    CHECK_FALSE(waiter.blocked);
    CHECK(waiter.TakePushed() == Int(0));
    CHECK(waiter.wakes == 1);
    CHECK(InfoField(h, "blocked_clients") == "0");
    Tick(h);  // ended once: nothing more is delivered
    CHECK(waiter.pushed.empty());
  }

  TEST_CASE("WAIT with timeout 0 waits until CLIENT UNBLOCK") {
    Harness h;
    TestSession& waiter = h.NewSession();
    CHECK(h.RunAs(waiter, {"WAIT", "2", "0"}).empty());
    CHECK(InfoField(h, "clients_in_timeout_table") == "0");
    h.clock().AdvanceMs(1'000'000'000);
    Tick(h);
    CHECK(waiter.blocked);
    const std::string id = std::to_string(waiter.id);
    CHECK(h.Run({"CLIENT", "UNBLOCK", id}) == Int(1));
    CHECK(waiter.TakePushed() == Int(0));
    CHECK_FALSE(waiter.blocked);
    CHECK(h.Run({"CLIENT", "UNBLOCK", id}) == Int(0));  // no longer blocked
  }

  TEST_CASE("CLIENT UNBLOCK ERROR ends the wait with an UNBLOCKED error") {
    Harness h;
    TestSession& waiter = h.NewSession();
    CHECK(h.RunAs(waiter, {"WAIT", "1", "5000"}).empty());
    CHECK(h.Run({"CLIENT", "UNBLOCK", std::to_string(waiter.id), "error"}) == Int(1));
    CHECK(waiter.TakePushed() == Err("UNBLOCKED client unblocked via CLIENT UNBLOCK"));
    h.clock().AdvanceMs(5000);
    Tick(h);  // its deadline went with it
    CHECK(waiter.pushed.empty());
  }

  TEST_CASE("CLIENT UNBLOCK: its errors, unknown ids, and paused clients are not unblocked") {
    Harness h;
    CHECK(h.Run({"CLIENT", "UNBLOCK", "1", "later"}) ==
          Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
    CHECK(h.Run({"CLIENT", "UNBLOCK", "x", "later"}) ==
          Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
    CHECK(h.Run({"CLIENT", "UNBLOCK", "x"}) == Err("ERR value is not an integer or out of range"));
    // The subcommand is named as sent.
    CHECK(h.Run({"client", "Unblock", "1", "timeout", "extra"}) ==
          Err("ERR unknown subcommand or wrong number of arguments for 'Unblock'. Try CLIENT "
              "HELP."));
    CHECK(h.Run({"CLIENT", "UNBLOCK", "999999"}) == Int(0));
    TestSession& paused = h.NewSession();
    CHECK(h.Run({"CLIENT", "PAUSE", "100000", "WRITE"}) == Ok());
    CHECK(h.RunAs(paused, {"SET", "k", "v"}).empty());
    CHECK(paused.blocked);
    CHECK(h.Run({"CLIENT", "UNBLOCK", std::to_string(paused.id)}) == Int(0));
    CHECK(paused.blocked);
    CHECK(h.Run({"CLIENT", "UNPAUSE"}) == Ok());
  }

  TEST_CASE("WAIT's argument errors") {
    Harness h;
    CHECK(h.Run({"WAIT", "x", "0"}) == Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"WAIT", "1", "x"}) == Err("ERR timeout is not an integer or out of range"));
    CHECK(h.Run({"WAIT", "1", "-1"}) == Err("ERR timeout is negative"));
    CHECK(h.Run({"WAIT", "1", "1.5"}) == Err("ERR timeout is not an integer or out of range"));
    CHECK(h.Run({"WAIT", "1"}) == Err("ERR wrong number of arguments for 'wait' command"));
  }

  TEST_CASE("WAIT does not block inside MULTI, nor a client that cannot block") {
    Harness h;
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"WAIT", "1", "0"}) == "+QUEUED\r\n");
    CHECK(h.Run({"EXEC"}) == "*1\r\n" + Int(0));
    CHECK_FALSE(h.session().blocked);
    TestSession& embedded = h.NewSession();
    embedded.may_block = false;
    CHECK(h.RunAs(embedded, {"WAIT", "1", "0"}) == Int(0));
    CHECK_FALSE(embedded.blocked);
  }

  TEST_CASE("a client that disconnects while blocked leaves no wait behind") {
    Harness h;
    TestSession& waiter = h.NewSession();
    CHECK(h.RunAs(waiter, {"WAIT", "1", "100"}).empty());
    h.CloseSession(waiter);
    CHECK(InfoField(h, "blocked_clients") == "0");
    h.clock().AdvanceMs(100);
    Tick(h);  // nothing to answer, nobody to touch
    CHECK(InfoField(h, "clients_in_timeout_table") == "0");
  }

  TEST_CASE("waits end in deadline order, each once") {
    Harness h;
    TestSession& late = h.NewSession();
    TestSession& early = h.NewSession();
    CHECK(h.RunAs(late, {"WAIT", "1", "300"}).empty());
    CHECK(h.RunAs(early, {"WAIT", "1", "100"}).empty());
    h.clock().AdvanceMs(150);
    Tick(h);
    CHECK(early.TakePushed() == Int(0));
    CHECK(late.blocked);
    h.clock().AdvanceMs(150);
    Tick(h);
    CHECK(late.TakePushed() == Int(0));
    CHECK(early.pushed.empty());
  }

  TEST_CASE("a command that blocked is one call, shown once to monitors, however it ends") {
    Harness h;
    TestSession& mon = h.NewSession();
    h.RunAs(mon, {"MONITOR"});
    TestSession& served = h.NewSession();
    TestSession& timed_out = h.NewSession();
    TestSession& unblocked = h.NewSession();
    h.RunAs(served, {"BLPOP", "q", "0"});
    h.RunAs(timed_out, {"BLPOP", "other", "1"});
    h.RunAs(unblocked, {"BLPOP", "third", "0"});
    h.Run({"RPUSH", "q", "x"});
    h.clock().AdvanceMs(1000);
    Tick(h);
    h.Run({"CLIENT", "UNBLOCK", std::to_string(unblocked.id), "ERROR"});
    CHECK(served.TakePushed() == "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
    CHECK(timed_out.TakePushed() == "*-1\r\n");
    const std::string stats = h.Run({"INFO", "commandstats"});
    CHECK(stats.find("cmdstat_blpop:calls=3,") != std::string::npos);
    CHECK(stats.find(",rejected_calls=0,failed_calls=1\r\n") != std::string::npos);
    size_t shown = 0;
    for (size_t at = 0; (at = mon.pushed.find("\"BLPOP\"", at)) != std::string::npos; ++at) ++shown;
    CHECK(shown == 3);
    // Each is timed once, when its wait ended: three runs in the histogram too.
    CHECK(h.Run({"LATENCY", "HISTOGRAM", "blpop"}).find("$5\r\ncalls\r\n:3\r\n") !=
          std::string::npos);
  }
}
