// Keyspace notifications (notify-keyspace-events): commands that change a key, expiry, reads
// that miss and key creation publish an event through pub/sub, as Redis 7.0 does:
//   __keyspace@<db>__:<key>    with the event name as the message (class K), and
//   __keyevent@<db>__:<event>  with the key as the message (class E).
// An event is published when its class bit and K or E are set in the config.
//
// Who emits what (event names and classes are Redis 7.0's):
//   handlers      set, setrange, append, incrby, incrbyfloat ($); del, expire, persist,
//                 rename_from/rename_to, move_from/move_to, copy_to (g), only when the
//                 command changed something
//   KeyspaceEvents  expired (x) for lazy and active expiry; new (n) for every created key
//   LookupRead    keymiss (m) when a read finds no key
// FLUSHDB, FLUSHALL and SWAPDB publish nothing, as in Redis.
#pragma once

#include <string_view>

#include "commands/command.h"
#include "config/notify_flags.h"

namespace basalt::cmd {

// Builds and publishes the event; use NotifyKeyspaceEvent, which skips it cheaply when off.
void PublishKeyspaceEvent(ServerContext& server, int type_flag, std::string_view event,
                          std::string_view key, int db);

// Publishes `event` about `key` of database `db` if class `type_flag` (a config::NotifyFlag)
// is enabled. Costs one test of a cached bitmask when notifications are off.
inline void NotifyKeyspaceEvent(ServerContext& server, int type_flag, std::string_view event,
                                std::string_view key, int db) {
  if ((server.config.settings().notify_keyspace_events & type_flag) == 0) return;
  PublishKeyspaceEvent(server, type_flag, event, key, db);
}

// The same for a key of the client's current database, from a handler.
inline void NotifyKeyspaceEvent(CommandContext& ctx, int type_flag, std::string_view event,
                                std::string_view key) {
  NotifyKeyspaceEvent(ctx.server, type_flag, event, key, ctx.client.db);
}

}  // namespace basalt::cmd
