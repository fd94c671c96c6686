// The run time histogram (latency_histogram.h) against numbers redis-server 7.0.15 answers for
// the same runs, and the latency monitor's samples (latency_monitor.h).
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "commands/latency_histogram.h"
#include "commands/latency_monitor.h"

using basalt::cmd::LatencyHistogram;
using basalt::cmd::LatencyMonitor;

namespace {

std::vector<std::pair<int64_t, uint64_t>> Levels(const LatencyHistogram& h) {
  std::vector<std::pair<int64_t, uint64_t>> out;
  h.ForEachLevel([&](int64_t us, uint64_t n) { out.emplace_back(us, n); });
  return out;
}

}  // namespace

TEST_SUITE("latency histogram") {
  TEST_CASE("percentiles are the highest value of their bucket, p0 the lowest") {
    LatencyHistogram h;
    for (int i = 0; i < 3; ++i) h.Record(2);   // INFO shows 2.007
    for (int i = 0; i < 1; ++i) h.Record(11);  // 11.007
    CHECK(h.total() == 4);
    CHECK(h.ValueAtPercentile(50) == 2007);
    CHECK(h.ValueAtPercentile(99) == 11007);
    CHECK(h.ValueAtPercentile(100) == 11007);
    CHECK(h.ValueAtPercentile(0) == 2000);
    LatencyHistogram wide;
    wide.Record(6);  // p0=5.984 p50=6.015 in Redis
    CHECK(wide.ValueAtPercentile(0) == 5984);
    CHECK(wide.ValueAtPercentile(50) == 6015);
    wide.Record(56);  // 56.063
    CHECK(wide.ValueAtPercentile(100) == 56063);
  }

  TEST_CASE("a run of 0 us counts as 1 ns; one past a second as a second") {
    LatencyHistogram h;
    h.Record(0);
    CHECK(h.ValueAtPercentile(50) == 1);
    LatencyHistogram slow;
    slow.Record(2'000'000);
    CHECK(slow.ValueAtPercentile(50) == 1'002'438'655);
    CHECK(Levels(slow).empty());  // past the last level Redis reports (~0.54 s)
    CHECK(slow.total() == 1);
  }

  TEST_CASE("levels: cumulative counts at 1, 2, 4, 8, 16, 33, 66 ... us where they grow") {
    LatencyHistogram h;
    for (int i = 0; i < 3; ++i) h.Record(1);
    h.Record(2);
    h.Record(2);
    using L = std::vector<std::pair<int64_t, uint64_t>>;
    CHECK(Levels(h) == L{{1, 3}, {2, 5}});
    h.Record(7);
    h.Record(30);
    h.Record(40);
    h.Record(1000);
    CHECK(Levels(h) == L{{1, 3}, {2, 5}, {8, 6}, {33, 7}, {66, 8}, {1056, 9}});
  }
}

TEST_SUITE("latency monitor") {
  TEST_CASE("nothing is recorded below the threshold or with the monitor off") {
    LatencyMonitor m;
    m.AddIfNeeded("command", 500, 0, 100);
    m.AddIfNeeded("command", 9, 10, 100);
    CHECK(m.events().empty());
    m.AddIfNeeded("command", 10, 10, 100);
    CHECK(m.events().size() == 1);
  }

  TEST_CASE("one sample a second, the worst of it; the all-time worst survives the ring") {
    LatencyMonitor m;
    m.Add("command", 20, 100);
    m.Add("command", 50, 100);
    m.Add("command", 30, 100);
    m.Add("fast-command", 5, 101);
    const LatencyMonitor::Event* e = m.Find("command");
    REQUIRE(e != nullptr);
    REQUIRE(e->History().size() == 1);
    CHECK(e->latest().latency_ms == 50);
    for (int s = 0; s < 200; ++s) m.Add("command", 10, 200 + s);
    e = m.Find("command");
    CHECK(e->History().size() == LatencyMonitor::kSamples);
    CHECK(e->History().front().unix_seconds == 240);  // the oldest 40 were overwritten
    CHECK(e->latest().unix_seconds == 399);
    CHECK(e->max_ms == 50);
    CHECK(m.events()[0].name == "command");  // in the order they first happened
  }

  TEST_CASE("RESET forgets the named events, or all, and counts them") {
    LatencyMonitor m;
    m.Add("a", 1, 1);
    m.Add("b", 1, 1);
    m.Add("c", 1, 1);
    std::vector<std::string_view> names = {"a", "nosuch", "a"};
    CHECK(m.Reset(names) == 1);
    CHECK(m.Reset({}) == 2);
    CHECK(m.events().empty());
  }
}
