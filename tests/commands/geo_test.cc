// Geo commands through the in-process harness: what reaches the write stream (GEOADD as the
// ZADD it is, the STORE forms as sent, nothing for reads and no-ops) and the keyspace events.
// Reply bytes are compared with redis-server 7.0.15 by tests/integration/test_geo.py.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "commands/harness.h"

using namespace basalt;
using namespace basalt::test;

TEST_SUITE("geo commands") {
  TEST_CASE("GEOADD reaches the write stream as a ZADD of the scores, options as typed") {
    Harness h;
    REQUIRE(h.Run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269",
                   "37.502669", "Catania"}) == Int(2));
    REQUIRE(h.Run({"GEOADD", "Sicily", "ch", "NX", "1", "1", "Palermo", "2", "2", "x"}) == Int(1));
    // Nothing changed, an invalid pair, a wrong type: nothing to send.
    REQUIRE(h.Run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo"}) == Int(0));
    REQUIRE(h.Run({"GEOADD", "Sicily", "1", "1", "y", "200", "1", "z"}) ==
            Err("ERR invalid longitude,latitude pair 200.000000,1.000000"));
    REQUIRE(h.Run({"SET", "s", "v"}) == Ok());
    REQUIRE(h.Run({"GEOADD", "s", "1", "1", "a"}).rfind("-WRONGTYPE", 0) == 0);
    CHECK(h.propagated().lines ==
          std::vector<std::string>{"zadd Sicily 3479099956230698 Palermo 3479447370796909 Catania",
                                   "zadd Sicily ch NX 3377822707026402 Palermo 3378191666521995 x",
                                   "SET s v"});
  }

  TEST_CASE("searches: the STORE forms are sent as typed when they change data, reads never") {
    Harness h;
    REQUIRE(h.Run({"GEOADD", "g", "13.361389", "38.115556", "Palermo"}) == Int(1));
    h.propagated().lines.clear();
    REQUIRE(h.Run({"GEORADIUS", "g", "13", "38", "100", "km"}) == BulkArray({"Palermo"}));
    REQUIRE(h.Run({"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m"}) ==
            BulkArray({"Palermo"}));
    REQUIRE(h.Run({"GEORADIUS", "g", "13", "38", "100", "km", "STORE", "d"}) == Int(1));
    REQUIRE(h.Run({"GEOSEARCHSTORE", "e", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"}) ==
            Int(0));  // empty, and e did not exist: no change
    REQUIRE(h.Run({"GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", "0", "0", "BYBOX", "1", "1",
                   "km"}) == Int(0));  // deletes d
    CHECK(h.propagated().lines ==
          std::vector<std::string>{"GEORADIUS g 13 38 100 km STORE d",
                                   "GEOSEARCHSTORE d nokey FROMLONLAT 0 0 BYBOX 1 1 km"});
    CHECK(h.Run({"EXISTS", "d"}) == Int(0));
  }

  TEST_CASE("the events: zadd, georadiusstore, geosearchstore, and del for an emptied result") {
    Harness h;
    REQUIRE(h.Run({"CONFIG", "SET", "notify-keyspace-events", "KEA"}) == Ok());
    TestSession& watcher = h.NewSession();
    h.RunAs(watcher, {"PSUBSCRIBE", "__keyevent@0__:*"});
    watcher.TakePushed();
    h.Run({"GEOADD", "g", "13.361389", "38.115556", "Palermo"});
    h.Run({"GEORADIUS", "g", "13", "38", "100", "km", "STOREDIST", "d"});
    h.Run({"GEOSEARCHSTORE", "e", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "1", "km"});
    h.Run({"GEOSEARCHSTORE", "e", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "1", "km"});
    const std::string pushed = watcher.TakePushed();
    const std::vector<std::string> expected{"__keyevent@0__:zadd", "__keyevent@0__:georadiusstore",
                                            "__keyevent@0__:geosearchstore", "__keyevent@0__:del"};
    size_t at = 0;
    for (const std::string& channel : expected) {
      at = pushed.find(channel, at);
      CHECK_MESSAGE(at != std::string::npos, channel);
    }
  }
}
