// The classes of keyspace notifications (the notify-keyspace-events parameter) as bits, and
// their text form. The text is Redis's: one character per class, parsed in any order and
// rendered in one canonical order, so CONFIG GET shows what Redis would.
#pragma once

#include <string>
#include <string_view>

#include "basalt/status.h"

namespace basalt::config {

enum NotifyFlag : int {
  kNotifyKeyspace = 1 << 0,  // K: publish on __keyspace@<db>__:<key>
  kNotifyKeyevent = 1 << 1,  // E: publish on __keyevent@<db>__:<event>
  kNotifyGeneric = 1 << 2,   // g: DEL, EXPIRE, RENAME, ...
  kNotifyString = 1 << 3,    // $
  kNotifyList = 1 << 4,      // l
  kNotifySet = 1 << 5,       // s
  kNotifyHash = 1 << 6,      // h
  kNotifyZset = 1 << 7,      // z
  kNotifyExpired = 1 << 8,   // x: a key's TTL ran out (lazy or active expiry)
  kNotifyEvicted = 1 << 9,   // e: removed by maxmemory eviction
  kNotifyStream = 1 << 10,   // t
  kNotifyKeyMiss = 1 << 11,  // m: a read found no key
  kNotifyModule = 1 << 12,   // d
  kNotifyNew = 1 << 13,      // n: a key was created
  // A: every type class. Not K/E (where to publish), m or n: those two are noisy enough that
  // Redis makes them opt-in even with A.
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// Parses the class characters ("KEA", "Ex$", "" = off) into bits. Any other character (the
// check is case-sensitive) fails with Redis's CONFIG SET message.
Status ParseNotifyFlags(std::string_view text, int* flags);
// Renders bits the way Redis's CONFIG GET does: "A" when every type class is on (which then
// hides n), else the classes in the order g$lshzxetdn; then K, E and m.
std::string FormatNotifyFlags(int flags);

}  // namespace basalt::config
