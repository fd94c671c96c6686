// maxmemory eviction (commands/eviction.h) and the access records it reads (store/access.h),
// through the harness with its manual clock: which keys each policy takes, which reads count
// as accesses (as in redis-server 7.0.15: TYPE, EXISTS, TTL and OBJECT do not), OBJECT
// IDLETIME / FREQ, and that an eviction is a deletion everyone hears of (write stream,
// "evicted" event, WATCH). Memory is process-wide (mem::Used), so limits are set relative to
// it: "free about n keys' worth" rather than absolute sizes.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "commands/harness.h"
#include "common/memory.h"

using namespace basalt;
using namespace basalt::test;

namespace {

const std::string kValue(100, 'v');

std::string Key(int i) { return "k" + std::to_string(i); }

int64_t IntReply(const std::string& reply) {
  REQUIRE(reply.size() > 3);
  REQUIRE(reply[0] == ':');
  return std::stoll(reply.substr(1));
}

// A harness with `policy`, samples high enough that the sampled pool always holds the true
// best candidates of a 100-key database (so the tests check the policy, not the sampling).
void UsePolicy(Harness& h, std::string_view policy) {
  REQUIRE(h.Run({"CONFIG", "SET", "maxmemory-policy", policy, "maxmemory-samples", "200"}) == Ok());
}

// Sets maxmemory so that about `keys` keys of `key_bytes` each must go, then runs a command
// (every command evicts first).
void SqueezeBy(Harness& h, int keys, int64_t key_bytes) {
  h.config().settings().maxmemory = mem::Used() - keys * key_bytes + key_bytes / 2;
  h.Run({"PING"});
  h.config().settings().maxmemory = 0;
}

bool Exists(Harness& h, const std::string& key) { return h.Run({"EXISTS", key}) == Int(1); }

int CountExisting(Harness& h, int from, int to) {
  int n = 0;
  for (int i = from; i < to; ++i) n += Exists(h, Key(i)) ? 1 : 0;
  return n;
}

int64_t EvictedKeys(Harness& h) {
  const std::string info = h.Run({"INFO", "stats"});
  const size_t at = info.find("evicted_keys:");
  REQUIRE(at != std::string::npos);
  return std::stoll(info.substr(at + 13));
}

}  // namespace

TEST_SUITE("eviction") {
  TEST_CASE("LRU: the keys read longest ago go; TYPE, EXISTS, TTL and OBJECT are not reads") {
    Harness h;
    UsePolicy(h, "allkeys-lru");
    for (int i = 0; i < 100; ++i) h.Run({"SET", Key(i), kValue});
    const int64_t key_bytes = IntReply(h.Run({"MEMORY", "USAGE", Key(0)}));
    h.clock().AdvanceMs(100'000);
    for (int i = 0; i < 25; ++i) h.Run({"GET", Key(i)});
    for (int i = 25; i < 50; ++i) h.Run({"TOUCH", Key(i)});
    for (int i = 50; i < 100; ++i) {
      h.Run({"TYPE", Key(i)});
      h.Run({"TTL", Key(i)});
      h.Run({"OBJECT", "IDLETIME", Key(i)});
    }
    CHECK(h.Run({"OBJECT", "IDLETIME", Key(0)}) == Int(0));
    CHECK(h.Run({"OBJECT", "IDLETIME", Key(30)}) == Int(0));
    CHECK(h.Run({"OBJECT", "IDLETIME", Key(60)}) == Int(100));
    CHECK(h.Run({"OBJECT", "FREQ", Key(0)}).starts_with("-ERR An LFU maxmemory policy is not"));

    SqueezeBy(h, 20, key_bytes);
    const int64_t evicted = EvictedKeys(h);
    CHECK(evicted >= 15);
    CHECK(evicted <= 25);
    CHECK(CountExisting(h, 0, 50) == 50);
    CHECK(CountExisting(h, 50, 100) == 50 - evicted);
    // Each went to the write stream as a DEL of its own.
    int dels = 0;
    for (const std::string& line : h.propagated().lines) dels += line.starts_with("DEL k") ? 1 : 0;
    CHECK(dels == evicted);
  }

  TEST_CASE("LFU: the least read keys go; OBJECT FREQ counts and decays by lfu-decay-time") {
    Harness h;
    UsePolicy(h, "allkeys-lfu");
    // A log factor of 0 makes every access count: the counters are exact.
    REQUIRE(h.Run({"CONFIG", "SET", "lfu-log-factor", "0"}) == Ok());
    for (int i = 0; i < 100; ++i) h.Run({"SET", Key(i), kValue});
    const int64_t key_bytes = IntReply(h.Run({"MEMORY", "USAGE", Key(0)}));
    for (int i = 0; i < 50; ++i) {
      for (int n = 0; n < 10; ++n) h.Run({"GET", Key(i)});
    }
    CHECK(h.Run({"OBJECT", "FREQ", Key(0)}) == Int(15));  // 5 for a new key, +1 per read
    CHECK(h.Run({"OBJECT", "FREQ", Key(99)}) == Int(5));
    CHECK(h.Run({"OBJECT", "IDLETIME", Key(0)}).starts_with("-ERR An LFU maxmemory policy is"));
    h.clock().AdvanceMs(3 * 60'000);
    CHECK(h.Run({"OBJECT", "FREQ", Key(0)}) == Int(12));  // one step a minute
    CHECK(h.Run({"OBJECT", "FREQ", Key(99)}) == Int(2));

    SqueezeBy(h, 20, key_bytes);
    CHECK(EvictedKeys(h) >= 15);
    CHECK(CountExisting(h, 0, 50) == 50);
    CHECK(CountExisting(h, 50, 100) == 50 - EvictedKeys(h));
  }

  TEST_CASE("volatile-ttl takes the nearest expiry first; volatile-* never a key without TTL") {
    Harness h;
    UsePolicy(h, "volatile-ttl");
    for (int i = 0; i < 50; ++i) h.Run({"SET", Key(i), kValue});
    for (int i = 50; i < 100; ++i) {
      h.Run({"SET", Key(i), kValue, "EX", std::to_string(1000 + i)});
    }
    const int64_t key_bytes = IntReply(h.Run({"MEMORY", "USAGE", Key(0)}));
    SqueezeBy(h, 10, key_bytes);
    const int64_t evicted = EvictedKeys(h);
    CHECK(evicted >= 5);
    CHECK(CountExisting(h, 50, 50 + static_cast<int>(evicted)) == 0);
    CHECK(CountExisting(h, 50 + static_cast<int>(evicted), 100) == 50 - evicted);

    // Nothing with a TTL left and still over the limit: writes that may grow memory refuse,
    // reads and deletions still run.
    h.config().settings().maxmemory = 1;
    CHECK(h.Run({"SET", "x", "y"}) ==
          Err("OOM command not allowed when used memory > 'maxmemory'."));
    CHECK(CountExisting(h, 0, 50) == 50);
    CHECK(CountExisting(h, 50, 100) == 0);
    CHECK(h.Run({"GET", Key(0)}) == Bulk(kValue));
    CHECK(h.Run({"DEL", Key(0)}) == Int(1));
    h.config().settings().maxmemory = 0;
  }

  TEST_CASE("allkeys-random takes keys until under the limit; noeviction takes none") {
    Harness h;
    for (int i = 0; i < 100; ++i) h.Run({"SET", Key(i), kValue});
    const int64_t key_bytes = IntReply(h.Run({"MEMORY", "USAGE", Key(0)}));
    h.config().settings().maxmemory = mem::Used() - 10 * key_bytes;
    CHECK(h.Run({"SET", "x", "y"}) ==
          Err("OOM command not allowed when used memory > 'maxmemory'."));
    CHECK(h.Run({"DBSIZE"}) == Int(100));
    h.config().settings().maxmemory = 0;
    UsePolicy(h, "allkeys-random");
    SqueezeBy(h, 10, key_bytes);
    CHECK(EvictedKeys(h) >= 5);
    CHECK(h.Run({"DBSIZE"}) == Int(100 - EvictedKeys(h)));
    CHECK(h.Run({"CONFIG", "RESETSTAT"}) == Ok());
    CHECK(EvictedKeys(h) == 0);
  }

  TEST_CASE("an eviction is a deletion: UNLINK when lazy, the evicted event, WATCH aborts") {
    Harness h;
    UsePolicy(h, "allkeys-random");
    REQUIRE(h.Run({"CONFIG", "SET", "lazyfree-lazy-eviction", "yes", "notify-keyspace-events",
                   "Ee"}) == Ok());
    h.Run({"SET", "only", kValue});
    const int64_t key_bytes = IntReply(h.Run({"MEMORY", "USAGE", "only"}));
    TestSession& watcher = h.NewSession();
    REQUIRE(h.RunAs(watcher, {"WATCH", "only"}) == Ok());
    TestSession& listener = h.NewSession();
    h.RunAs(listener, {"SUBSCRIBE", "__keyevent@0__:evicted"});
    listener.TakePushed();
    SqueezeBy(h, 1, key_bytes);
    CHECK(h.Run({"EXISTS", "only"}) == Int(0));
    CHECK(std::find(h.propagated().lines.begin(), h.propagated().lines.end(), "UNLINK only") !=
          h.propagated().lines.end());
    CHECK(listener.TakePushed().find("__keyevent@0__:evicted\r\n$4\r\nonly") != std::string::npos);
    REQUIRE(h.RunAs(watcher, {"MULTI"}) == Ok());
    REQUIRE(h.RunAs(watcher, {"PING"}) == Simple("QUEUED"));
    CHECK(h.RunAs(watcher, {"EXEC"}) == NilArray());
  }

  TEST_CASE(
      "a key written before LRU tracking began counts from then, and records from its next "
      "access on") {
    Harness h;
    h.Run({"SET", "old", "v"});
    h.Run({"SET", "older", "v", "EX", "1000"});
    CHECK(h.Run({"OBJECT", "IDLETIME", "old"}) == Int(0));  // no access record kept
    h.clock().AdvanceMs(30'000);
    UsePolicy(h, "allkeys-lru");
    h.clock().AdvanceMs(50'000);
    CHECK(h.Run({"OBJECT", "IDLETIME", "old"}) == Int(50));
    CHECK(h.Run({"GET", "old"}) == Bulk("v"));
    CHECK(h.Run({"GET", "older"}) == Bulk("v"));
    h.clock().AdvanceMs(10'000);
    CHECK(h.Run({"OBJECT", "IDLETIME", "old"}) == Int(10));
    CHECK(h.Run({"OBJECT", "IDLETIME", "older"}) == Int(10));
    CHECK(h.Run({"TTL", "older"}) == Int(910));
    // Overwrites and TTL changes are accesses too.
    h.clock().AdvanceMs(5'000);
    h.Run({"SET", "old", "longer value"});
    h.Run({"EXPIRE", "older", "500"});
    CHECK(h.Run({"OBJECT", "IDLETIME", "old"}) == Int(0));
    CHECK(h.Run({"OBJECT", "IDLETIME", "older"}) == Int(0));
    CHECK(h.Run({"GET", "old"}) == Bulk("longer value"));
  }

  TEST_CASE("a client caching an evicted key is told to drop it") {
    Harness h;
    UsePolicy(h, "allkeys-random");
    h.Run({"SET", "cached", kValue});
    const int64_t key_bytes = IntReply(h.Run({"MEMORY", "USAGE", "cached"}));
    TestSession& reader = h.NewSession();
    reader.resp = 3;
    REQUIRE(h.RunAs(reader, {"CLIENT", "TRACKING", "ON"}) == Ok());
    REQUIRE(h.RunAs(reader, {"GET", "cached"}) == Bulk(kValue));
    SqueezeBy(h, 1, key_bytes);
    CHECK(h.Run({"EXISTS", "cached"}) == Int(0));
    CHECK(reader.TakePushed() == ">2\r\n" + Bulk("invalidate") + "*1\r\n" + Bulk("cached"));
  }

  TEST_CASE("a policy change starts the candidate pool afresh: LRU idle times are no LFU scores") {
    Harness h;
    UsePolicy(h, "allkeys-lru");
    for (int i = 0; i < 100; ++i) h.Run({"SET", Key(i), kValue});
    const int64_t key_bytes = IntReply(h.Run({"MEMORY", "USAGE", Key(0)}));
    h.clock().AdvanceMs(1'000'000);
    for (int i = 0; i < 50; ++i) h.Run({"GET", Key(i)});
    SqueezeBy(h, 3, key_bytes);  // leaves k50.. with idle times of 1000 s in the pool
    const int64_t under_lru = EvictedKeys(h);
    REQUIRE(under_lru >= 1);
    REQUIRE(CountExisting(h, 0, 50) == 50);
    UsePolicy(h, "allkeys-lfu");
    REQUIRE(h.Run({"CONFIG", "SET", "lfu-log-factor", "0"}) == Ok());
    // Now k50.. are the keys read most: the least read are k0..k49.
    for (int i = 50; i < 100; ++i) {
      for (int n = 0; n < 10; ++n) h.Run({"GET", Key(i)});
    }
    SqueezeBy(h, 10, key_bytes);
    const int64_t under_lfu = EvictedKeys(h) - under_lru;
    CHECK(under_lfu >= 5);
    CHECK(CountExisting(h, 50, 100) == 50 - under_lru);
    CHECK(CountExisting(h, 0, 50) == 50 - under_lfu);
  }

  TEST_CASE("INFO shows the policy and the time spent over the limit") {
    Harness h;
    UsePolicy(h, "volatile-lru");
    CHECK(h.Run({"INFO", "memory"}).find("maxmemory_policy:volatile-lru\r\n") != std::string::npos);
    h.Run({"SET", "persistent", "v"});
    h.config().settings().maxmemory = 1;  // over, and no key with a TTL to evict
    CHECK(h.Run({"SET", "x", "y"}) ==
          Err("OOM command not allowed when used memory > 'maxmemory'."));
    h.clock().AdvanceMs(2'000);
    const std::string stats = h.Run({"INFO", "stats"});
    CHECK(stats.find("current_eviction_exceeded_time:2000\r\n") != std::string::npos);
    h.config().settings().maxmemory = 2 * mem::Used();  // under again at the next command
    h.clock().AdvanceMs(500);
    h.Run({"PING"});
    CHECK(h.Run({"INFO", "stats"}).find("total_eviction_exceeded_time:2500\r\n") !=
          std::string::npos);
    h.config().settings().maxmemory = 0;
    CHECK(h.Run({"INFO", "stats"}).find("current_eviction_exceeded_time:0\r\n") !=
          std::string::npos);
  }
}
