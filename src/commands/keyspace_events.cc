#include "commands/keyspace_events.h"

#include "commands/write_stream.h"

namespace basalt::cmd {

void KeyspaceEvents::OnKeyExpired(int db, std::string_view key) {
  ++server_.dirty;
  // Inside a request this joins the request's execution unit (a write to an expired key goes
  // out as MULTI, DEL, the write, EXEC, as in Redis 7.0); from the cron it is a unit alone.
  std::string_view argv[] = {"DEL", key};
  server_.writes.Append(db, argv);
}

}  // namespace basalt::cmd
