// One server's command machinery, composed in one place: the command table, the dispatcher,
// the write stream, the keyspace listeners (expiry propagation, WATCH) and the client
// registries, all wired to a keyspace and a config. The engine, the command test harness and
// the AOF replay each own one, so the three can never be wired differently.
#pragma once

#include "clients/registries.h"
#include "commands/command.h"
#include "commands/command_table.h"
#include "commands/dispatcher.h"
#include "commands/eviction.h"
#include "commands/keyspace_events.h"
#include "commands/write_stream.h"
#include "common/clock.h"
#include "config/config.h"
#include "store/keyspace.h"

namespace basalt::cmd {

class Core {
 public:
  Core(store::Keyspace& keyspace, config::Config& config, const Clock& clock);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  ServerContext& context() { return context_; }
  Dispatcher& dispatcher() { return dispatcher_; }
  CommandTable& commands() { return table_; }
  KeyspaceEvents& events() { return events_; }
  Evictor& evictor() { return evictor_; }
  const Evictor& evictor() const { return evictor_; }
  WriteStream& writes() { return writes_; }
  clients::WatchRegistry& watches() { return registries_.watches; }
  clients::PubSubRegistry& pubsub() { return registries_.pubsub; }
  clients::Registries& registries() { return registries_; }

  // A client connected: it is listed by id (CLIENT TRACKING REDIRECT finds it).
  void OnClientOpen(ClientSession& client);
  // A client is gone: it leaves every registry (watched keys, channels, tracking, ...).
  void OnClientClose(ClientSession& client);

 private:
  store::Keyspace& keyspace_;
  CommandTable table_;
  WriteStream writes_;
  clients::Registries registries_;
  ServerContext context_;
  Dispatcher dispatcher_;
  KeyspaceEvents events_;
  Evictor evictor_;
};

}  // namespace basalt::cmd
