// CLIENT TRACKING (client-side caching) through the in-process harness: default mode,
// OPTIN/OPTOUT with CLIENT CACHING, NOLOOP, BCAST with prefixes, REDIRECT to a RESP2
// subscriber, flushes, and the introspection commands. Expected bytes were taken from
// redis-server 7.0.15.
#include <doctest/doctest.h>

#include "commands/harness.h"

using namespace basalt::test;

namespace {

std::string Invalidate(std::initializer_list<std::string_view> keys) {
  std::string out = ">2\r\n" + Bulk("invalidate") + "*" + std::to_string(keys.size()) + "\r\n";
  for (std::string_view k : keys) out += Bulk(k);
  return out;
}

const std::string kFlushAll = ">2\r\n" + Bulk("invalidate") + "_\r\n";

}  // namespace

TEST_SUITE("client tracking") {
  TEST_CASE("a key read by a tracking client is invalidated once when another client changes it") {
    Harness h;
    TestSession& c = h.NewSession();
    TestSession& writer = h.NewSession();
    c.resp = 3;
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "ON"}) == Ok());
    CHECK(h.RunAs(c, {"GET", "k"}) == "_\r\n");
    CHECK(h.RunAs(c, {"MGET", "a", "b"}) == "*2\r\n_\r\n_\r\n");
    CHECK(h.RunAs(writer, {"SET", "k", "1"}) == Ok());
    CHECK(c.TakePushed() == Invalidate({"k"}));
    CHECK(h.RunAs(writer, {"SET", "k", "2"}) == Ok());  // not read again: nothing more
    CHECK(c.TakePushed().empty());
    CHECK(h.RunAs(writer, {"DEL", "b"}) == Int(0));  // no change: no message
    CHECK(h.RunAs(writer, {"SET", "b", "1"}) == Ok());
    CHECK(c.TakePushed() == Invalidate({"b"}));
  }

  TEST_CASE("every key of a numkeys read is tracked, not only the first") {
    Harness h;
    TestSession& c = h.NewSession();
    TestSession& writer = h.NewSession();
    c.resp = 3;
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "ON"}) == Ok());
    CHECK(h.RunAs(c, {"SINTERCARD", "2", "s1", "s2", "LIMIT", "5"}) == Int(0));
    CHECK(h.RunAs(c, {"ZUNION", "2", "z1", "z2", "WEIGHTS", "1", "2"}) == "*0\r\n");
    CHECK(h.RunAs(writer, {"SADD", "s2", "m"}) == Int(1));
    CHECK(c.TakePushed() == Invalidate({"s2"}));
    CHECK(h.RunAs(writer, {"ZADD", "z2", "1", "m"}) == Int(1));
    CHECK(c.TakePushed() == Invalidate({"z2"}));
    // Arguments after the keys (LIMIT, WEIGHTS) are not keys.
    CHECK(h.RunAs(writer, {"SET", "LIMIT", "x"}) == Ok());
    CHECK(h.RunAs(writer, {"SET", "WEIGHTS", "x"}) == Ok());
    CHECK(c.TakePushed().empty());
  }

  TEST_CASE("own writes are invalidated after the reply; NOLOOP skips them") {
    Harness h;
    TestSession& c = h.NewSession();
    c.resp = 3;
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "ON"}) == Ok());
    h.RunAs(c, {"GET", "k"});
    CHECK(h.RunAs(c, {"SET", "k", "1"}) == Ok());
    CHECK(c.TakePushed() == Invalidate({"k"}));  // delivered when the unit ended
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "ON", "NOLOOP"}) == Ok());
    h.RunAs(c, {"GET", "k"});
    CHECK(h.RunAs(c, {"SET", "k", "2"}) == Ok());
    CHECK(c.TakePushed().empty());
  }

  TEST_CASE("expiry and FLUSHALL invalidate; FLUSHALL sends one null per command") {
    Harness h;
    TestSession& c = h.NewSession();
    c.resp = 3;
    h.Run({"SET", "t", "v", "PX", "10"});
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "ON"}) == Ok());
    h.RunAs(c, {"GET", "t"});
    h.clock().AdvanceMs(20);
    CHECK(h.Run({"EXISTS", "t"}) == Int(0));  // lazy expiry
    CHECK(c.TakePushed() == Invalidate({"t"}));
    CHECK(h.Run({"FLUSHALL"}) == Ok());
    CHECK(c.TakePushed() == kFlushAll);
    CHECK(h.Run({"SWAPDB", "0", "1"}) == Ok());
    CHECK(c.TakePushed().empty());
  }

  TEST_CASE("OPTIN tracks only after CLIENT CACHING YES; OPTOUT all but after CACHING NO") {
    Harness h;
    TestSession& c = h.NewSession();
    c.resp = 3;
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "ON", "OPTIN"}) == Ok());
    h.RunAs(c, {"GET", "a"});
    CHECK(h.RunAs(c, {"CLIENT", "CACHING", "YES"}) == Ok());
    h.RunAs(c, {"GET", "b"});
    h.RunAs(c, {"GET", "c"});  // CACHING applied to one command only
    h.Run({"MSET", "a", "1", "b", "1", "c", "1"});
    CHECK(c.TakePushed() == Invalidate({"b"}));
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "OFF"}) == Ok());
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "ON", "OPTOUT"}) == Ok());
    CHECK(h.RunAs(c, {"CLIENT", "CACHING", "NO"}) == Ok());
    h.RunAs(c, {"GET", "a"});
    h.RunAs(c, {"GET", "b"});
    h.Run({"MSET", "a", "2", "b", "2"});
    CHECK(c.TakePushed() == Invalidate({"b"}));
  }

  TEST_CASE("BCAST sends every change under the prefixes, one message per unit") {
    Harness h;
    TestSession& c = h.NewSession();
    c.resp = 3;
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "b"}) == Ok());
    CHECK(h.Run({"MSET", "a1", "1", "b1", "2", "c1", "3", "a2", "4"}) == Ok());
    std::string got = c.TakePushed();
    CHECK(got.find(Invalidate({"a1", "a2"})) != std::string::npos);
    CHECK(got.find(Invalidate({"b1"})) != std::string::npos);
    CHECK(got.size() == Invalidate({"a1", "a2"}).size() + Invalidate({"b1"}).size());
  }

  TEST_CASE("REDIRECT to a RESP2 subscriber of __redis__:invalidate") {
    Harness h;
    TestSession& c = h.NewSession();
    TestSession& r = h.NewSession();
    h.RunAs(r, {"SUBSCRIBE", "__redis__:invalidate"});
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "ON", "REDIRECT", std::to_string(r.id)}) == Ok());
    CHECK(h.RunAs(c, {"CLIENT", "GETREDIR"}) == Int(static_cast<long long>(r.id)));
    h.RunAs(c, {"GET", "k"});
    h.Run({"SET", "k", "1"});
    h.Run({"FLUSHALL"});
    const std::string head = "*3\r\n" + Bulk("message") + Bulk("__redis__:invalidate");
    CHECK(r.TakePushed() == head + "*1\r\n" + Bulk("k") + head + "$-1\r\n");
    CHECK(c.TakePushed().empty());
  }

  TEST_CASE("a redirect target that disconnects marks the redirection broken") {
    Harness h;
    TestSession& c = h.NewSession();
    TestSession& r = h.NewSession();
    c.resp = 3;
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "ON", "REDIRECT", std::to_string(r.id)}) == Ok());
    h.RunAs(c, {"GET", "k"});
    const uint64_t rid = r.id;
    h.CloseSession(r);
    h.Run({"SET", "k", "1"});
    CHECK(c.TakePushed() ==
          ">2\r\n" + Bulk("tracking-redir-broken") + Int(static_cast<long long>(rid)));
    CHECK(h.RunAs(c, {"CLIENT", "INFO"}).find("flags=tR ") != std::string::npos);
  }

  TEST_CASE("option errors, in Redis's order") {
    Harness h;
    CHECK(h.Run({"CLIENT", "TRACKING", "ON", "REDIRECT", "999"}) ==
          Err("ERR The client ID you want redirect to does not exist"));
    CHECK(h.Run({"CLIENT", "TRACKING", "ON", "PREFIX", "x"}) ==
          Err("ERR PREFIX option requires BCAST mode to be enabled"));
    CHECK(h.Run({"CLIENT", "TRACKING", "ON", "OPTIN", "BCAST"}) ==
          Err("ERR OPTIN and OPTOUT are not compatible with BCAST"));
    CHECK(h.Run({"CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT"}) ==
          Err("ERR You can't use both OPTIN and OPTOUT"));
    CHECK(h.Run({"CLIENT", "TRACKING", "ON", "BOGUS"}) == Err("ERR syntax error"));
    CHECK(h.Run({"CLIENT", "TRACKING", "MAYBE"}) == Err("ERR syntax error"));
    CHECK(h.Run({"CLIENT", "CACHING", "YES"}) ==
          Err("ERR CLIENT CACHING can be called only when the client is in tracking mode with "
              "OPTIN or OPTOUT mode enabled"));
    CHECK(h.Run({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "b"}) == Ok());
    CHECK(h.Run({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "ab"}) ==
          Err("ERR Prefix 'ab' overlaps with an existing prefix 'a'. Prefixes for a single "
              "client must not overlap."));
    CHECK(h.Run({"CLIENT", "TRACKING", "ON", "OPTIN"}) ==
          Err("ERR You can't switch BCAST mode on/off before disabling tracking for this "
              "client, and then re-enabling it with a different mode."));
    CHECK(h.Run({"CLIENT", "CACHING", "YES"}) ==
          Err("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."));
  }

  TEST_CASE("TRACKINGINFO and GETREDIR, RESP2 and RESP3") {
    Harness h;
    CHECK(h.Run({"CLIENT", "GETREDIR"}) == Int(-1));
    CHECK(h.Run({"CLIENT", "TRACKINGINFO"}) == "*6\r\n" + Bulk("flags") + "*1\r\n" + Bulk("off") +
                                                   Bulk("redirect") + Int(-1) + Bulk("prefixes") +
                                                   "*0\r\n");
    h.session().resp = 3;
    CHECK(h.Run({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "b", "PREFIX", "a", "NOLOOP"}) ==
          Ok());
    CHECK(h.Run({"CLIENT", "TRACKINGINFO"}) ==
          "%3\r\n" + Bulk("flags") + "~3\r\n" + Bulk("on") + Bulk("bcast") + Bulk("noloop") +
              Bulk("redirect") + Int(0) + Bulk("prefixes") + "*2\r\n" + Bulk("a") + Bulk("b"));
    CHECK(h.Run({"CLIENT", "GETREDIR"}) == Int(0));
    CHECK(h.Run({"CLIENT", "INFO"}).find("flags=tB ") != std::string::npos);
  }
}

TEST_SUITE("client tracking limits") {
  TEST_CASE("past tracking-table-max-keys, remembered keys are invalidated to make room") {
    Harness h;
    TestSession& c = h.NewSession();
    c.resp = 3;
    CHECK(h.Run({"CONFIG", "SET", "tracking-table-max-keys", "2"}) == Ok());
    CHECK(h.RunAs(c, {"CLIENT", "TRACKING", "ON"}) == Ok());
    h.RunAs(c, {"MGET", "a", "b", "c"});
    std::string got = c.TakePushed();
    CHECK(got.find(Bulk("invalidate")) != std::string::npos);  // one key went
    CHECK(h.server().tracking.tracked_keys() == 2);
    CHECK(h.Run({"INFO", "stats"}).find("tracking_total_keys:2\r\n") != std::string::npos);
  }
}
