// The server-wide client registries, owned together (by cmd::Core) and cleaned up together
// when a client disconnects.
#pragma once

#include "clients/client.h"
#include "clients/monitor.h"
#include "clients/pause.h"
#include "clients/pubsub.h"
#include "clients/transaction.h"
#include "store/keyspace.h"

namespace basalt::clients {

struct Registries {
  explicit Registries(store::Keyspace& keyspace) : watches(keyspace) {}

  WatchRegistry watches;
  PubSubRegistry pubsub;
  ClientPause pause;
  MonitorFeed monitors;

  // A client is gone: it leaves every registry.
  void OnClientClose(Client& client) {
    watches.UnwatchAll(client);
    pubsub.UnsubscribeAll(client);
    pause.Forget(client);
    if (client.monitor) monitors.Remove(client);
  }
};

}  // namespace basalt::clients
