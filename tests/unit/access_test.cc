// Access records for LRU/LFU eviction (store/access.h) and the entry's optional access field:
// the clock and counter arithmetic (numbers as Redis 7.0 computes them for the same history,
// wraps included) and an entry's layout with and without the field.
#include "store/access.h"

#include <doctest/doctest.h>

#include <string>

#include "common/memory.h"
#include "store/entry.h"

namespace basalt::store {

TEST_SUITE("access") {
  TEST_CASE("LRU clock: seconds modulo 2^24; idle time understands one wrap") {
    const int64_t t = 1'700'000'000'000;
    const uint32_t field = access::LruClock(t);
    CHECK(field == ((t / 1000) & access::kClockMax));
    CHECK(access::LruIdleMs(field, t) == 0);
    CHECK(access::LruIdleMs(field, t + 999) == 0);  // one-second resolution, as Redis's
    CHECK(access::LruIdleMs(field, t + 61'500) == 61'000);
    // A field recorded just before the clock wrapped.
    const int64_t before_wrap = int64_t{access::kClockMax} * 1000;
    CHECK(access::LruClock(before_wrap) == access::kClockMax);
    CHECK(access::LruClock(before_wrap + 1000) == 0);
    CHECK(access::LruIdleMs(access::kClockMax - 1, before_wrap + 5000) == 5000);
  }

  TEST_CASE("LFU: new keys start at 5; a read grows the counter logarithmically") {
    const int64_t t = 600'000;  // minute 10
    const uint32_t fresh = access::LfuNew(t);
    CHECK((fresh & 0xFF) == access::kLfuInitial);
    CHECK((fresh >> 8) == 10);
    AccessPolicy policy{.mode = AccessMode::kLfu, .lfu_log_factor = 10, .lfu_decay_time = 1};
    // At or below the initial value an access always counts.
    CHECK((access::LfuTouched(fresh, t, policy, 0.999) & 0xFF) == 6);
    // At 15 the chance is 1 / ((15 - 5) * 10 + 1) = 1/101.
    const uint32_t at15 = (10u << 8) | 15;
    CHECK((access::LfuTouched(at15, t, policy, 1.0 / 102) & 0xFF) == 16);
    CHECK((access::LfuTouched(at15, t, policy, 1.0 / 100) & 0xFF) == 15);
    // 255 is the ceiling.
    CHECK((access::LfuTouched((10u << 8) | 255, t, policy, 0.0) & 0xFF) == 255);
  }

  TEST_CASE("LFU: the counter loses one per lfu-decay-time minutes, understanding a wrap") {
    const uint32_t field = (10u << 8) | 20;
    CHECK(access::LfuDecayed(field, 10 * 60'000, 1) == 20);
    CHECK(access::LfuDecayed(field, 13 * 60'000 + 59'000, 1) == 17);
    CHECK(access::LfuDecayed(field, 16 * 60'000, 2) == 17);
    CHECK(access::LfuDecayed(field, 50 * 60'000, 1) == 0);
    CHECK(access::LfuDecayed(field, 50 * 60'000, 0) == 20);  // 0: never decays
    // Stamped at minute 65534, read at minute 1 after the 16-bit wrap: 2 minutes.
    const uint32_t late = (65534u << 8) | 20;
    CHECK(access::LfuDecayed(late, int64_t{65536 + 1} * 60'000, 1) == 18);
    // A touch restamps the minute after applying the decay it owed.
    AccessPolicy policy{.mode = AccessMode::kLfu, .lfu_log_factor = 10, .lfu_decay_time = 1};
    const uint32_t touched = access::LfuTouched(field, 13 * 60'000, policy, 0.999);
    CHECK((touched & 0xFF) == 17);
    CHECK((touched >> 8) == 13);
  }

  TEST_CASE("an entry carries the access field only when built while it was asked for") {
    const int64_t before = mem::Used();
    {
      Entry::SetAccessFieldForNewEntries(false);
      Entry* plain = Entry::NewString("key:0000001", "v000000001", -1);
      CHECK_FALSE(plain->has_access());
      Entry::SetAccessFieldForNewEntries(true);
      Entry* tracked = Entry::NewString("key:0000001", "v000000001", 1234);
      Entry* heap = Entry::NewString("big", std::string(1000, 'x'), -1);
      REQUIRE(tracked->has_access());
      tracked->set_access(0xABCDEF);
      tracked->set_expire_slot(77);
      // The field sits between the header and the TTL; everything else reads as before.
      CHECK(tracked->access() == 0xABCDEF);
      CHECK(tracked->expire_at() == 1234);
      CHECK(tracked->expire_slot() == 77);
      CHECK(tracked->key() == "key:0000001");
      CHECK(tracked->string_value() == "v000000001");
      CHECK(heap->has_access());
      CHECK(heap->string_value() == std::string(1000, 'x'));
      CHECK(tracked->MemoryUsage() >= plain->MemoryUsage());
      // Rebuilt without its TTL, the entry keeps its record.
      Entry* rebuilt = Entry::Rebuild(tracked, tracked->key(), -1);
      Entry::FreeShell(tracked);
      CHECK(rebuilt->has_access());
      CHECK(rebuilt->access() == 0xABCDEF);
      CHECK_FALSE(rebuilt->has_expire());
      CHECK(rebuilt->string_value() == "v000000001");
      // A plain entry rebuilt while tracking gains a field (stamped by the database).
      Entry* grown = Entry::Rebuild(plain, plain->key(), 99);
      Entry::FreeShell(plain);
      CHECK(grown->has_access());
      CHECK(grown->expire_at() == 99);
      CHECK(grown->string_value() == "v000000001");
      Entry::Destroy(rebuilt);
      Entry::Destroy(grown);
      Entry::Destroy(heap);
      Entry::SetAccessFieldForNewEntries(false);
    }
    CHECK(mem::Used() == before);
  }
}

}  // namespace basalt::store
