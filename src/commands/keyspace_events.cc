#include "commands/keyspace_events.h"

#include "commands/keyspace_notify.h"
#include "commands/write_stream.h"

namespace basalt::cmd {

void KeyspaceEvents::OnKeyExpired(int db, std::string_view key) {
  ++server_.dirty;
  // Inside a request this joins the request's execution unit (a write to an expired key goes
  // out as MULTI, DEL, the write, EXEC, as in Redis 7.0); from the cron it is a unit alone.
  std::string_view argv[] = {"DEL", key};
  server_.writes.Append(db, argv);
  // Lazy and active expiry both pass here, so both notify, as in Redis. The key is not unlinked
  // yet, but delivery only queues bytes to subscribers, so nobody can observe the difference.
  NotifyKeyspaceEvent(server_, config::kNotifyExpired, "expired", key, db);
}

// Redis publishes "new" where a key is added to a database, whichever command adds it, and so
// before that command's own event; the change feed reports creation at that same point.
void KeyspaceEvents::OnKeyChanged(int db, std::string_view key, store::KeyChange change) {
  if (change == store::KeyChange::kCreated) {
    NotifyKeyspaceEvent(server_, config::kNotifyNew, "new", key, db);
  }
}

}  // namespace basalt::cmd
