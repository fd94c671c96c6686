// What a key remembers of its accesses, for maxmemory eviction and OBJECT IDLETIME / FREQ.
//
// An entry's 24-bit access field (store/entry.h) means one of two things, as in Redis:
//   LRU: the access clock, in seconds, of the last access (wraps after 194 days);
//   LFU: [minutes of the last decrement: 16 bits][logarithmic access counter: 8 bits].
// The counter starts at kLfuInitial so that new keys are not the first evicted, grows by one
// with probability 1 / ((counter - kLfuInitial) * lfu-log-factor + 1) per access, and loses
// one per lfu-decay-time minutes without access. Both readings equal Redis's for the same
// history, so OBJECT IDLETIME and OBJECT FREQ answer the same numbers.
//
// Only LRU and LFU policies keep the field (AccessMode::kNone otherwise); entries built before
// a policy asked for it have none and count as last accessed when tracking began, until their
// next access gives them one (Database::Lookup).
#pragma once

#include <cstdint>

namespace basalt::store {

enum class AccessMode : uint8_t { kNone, kLru, kLfu };

struct AccessPolicy {
  AccessMode mode = AccessMode::kNone;
  int64_t lfu_log_factor = 10;  // lfu-log-factor
  int64_t lfu_decay_time = 1;   // lfu-decay-time, minutes per counter step (0: no decay)
};

namespace access {

inline constexpr uint32_t kClockMax = (1u << 24) - 1;
inline constexpr uint32_t kLfuInitial = 5;
// What a new entry's field holds until the database stamps it (Database::OnNewEntry); an entry
// rebuilt from another (RENAME, MOVE) arrives with its record instead and keeps it.
inline constexpr uint32_t kUnstamped = kClockMax;

// The LRU clock for a time: seconds, modulo 2^24.
uint32_t LruClock(int64_t now_ms);
// Milliseconds since the access an LRU field records (one wrap of the clock is understood).
int64_t LruIdleMs(uint32_t field, int64_t now_ms);

// A new key's LFU field: the current minute and the initial counter.
uint32_t LfuNew(int64_t now_ms);
// The counter after the decay owed since the field's minute (not stored: reading is free).
uint32_t LfuDecayed(uint32_t field, int64_t now_ms, int64_t decay_time);
// The field after one access: decayed, then incremented with the logarithmic probability
// (`random01` uniform in [0, 1)), stamped with the current minute.
uint32_t LfuTouched(uint32_t field, int64_t now_ms, const AccessPolicy& policy, double random01);

// A new key's field under `policy`.
uint32_t Fresh(const AccessPolicy& policy, int64_t now_ms);

// The field for a key that arrives with Redis's hints (an RDB's IDLE / FREQ items, RESTORE's
// IDLETIME / FREQ options): seconds since its last access for LRU, its counter for LFU; -1
// when not given. kUnstamped when no hint applies to `mode` (the key is then stamped as new).
uint32_t FromHints(AccessMode mode, int64_t idle_seconds, int64_t lfu_freq, int64_t now_ms);

}  // namespace access
}  // namespace basalt::store
