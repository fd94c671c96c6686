#include "commands/core.h"

namespace basalt::cmd {

Core::Core(store::Keyspace& keyspace, config::Config& config, const Clock& clock)
    : keyspace_(keyspace),
      watches_(keyspace),
      context_(keyspace, config, clock, table_, writes_, watches_, pubsub_),
      dispatcher_(context_),
      events_(context_) {
  RegisterAllCommands(table_);
  context_.dispatcher = &dispatcher_;
  context_.stats.start_time_ms = clock.NowMs();
  keyspace_.AddListener(&events_);
  keyspace_.AddListener(&watches_);
}

Core::~Core() {
  keyspace_.RemoveListener(&watches_);
  keyspace_.RemoveListener(&events_);
}

void Core::OnClientClose(ClientSession& client) {
  watches_.UnwatchAll(client);
  pubsub_.UnsubscribeAll(client);
}

}  // namespace basalt::cmd
