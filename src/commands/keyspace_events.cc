#include "commands/keyspace_events.h"

namespace basalt::cmd {

void KeyspaceEvents::OnKeyExpired(int db, std::string_view key) {
  ++server_.dirty;
  if (server_.propagator == nullptr) return;
  std::string_view argv[] = {"DEL", key};
  server_.propagator->Propagate(db, argv);
}

}  // namespace basalt::cmd
