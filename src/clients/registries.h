// The server-wide client registries, owned together (by cmd::Core) and cleaned up together
// when a client disconnects.
#pragma once

#include "clients/blocking.h"
#include "clients/client.h"
#include "clients/key_waits.h"
#include "clients/monitor.h"
#include "clients/pause.h"
#include "clients/pubsub.h"
#include "clients/tracking.h"
#include "clients/transaction.h"
#include "clients/write_holds.h"
#include "store/keyspace.h"

namespace basalt::clients {

struct Registries {
  explicit Registries(store::Keyspace& keyspace)
      : watches(keyspace), tracking(index), key_waits(keyspace) {}

  ClientIndex index;
  WatchRegistry watches;
  PubSubRegistry pubsub;
  ClientPause pause;
  WriteHolds write_holds;  // writes waiting for the background snapshot
  BlockedClients blocked;
  MonitorFeed monitors;
  TrackingRegistry tracking;
  KeyWaits key_waits;  // the keys blocked clients wait for (blocking pops)

  // A client connected: it can be found by id (tracking redirection).
  void OnClientOpen(Client& client) { index.Add(client); }
  // A client is gone: it leaves every registry.
  void OnClientClose(Client& client) {
    tracking.Disable(client);
    index.Remove(client);
    watches.UnwatchAll(client);
    pubsub.UnsubscribeAll(client);
    pause.Forget(client);
    write_holds.Forget(client);
    blocked.Forget(client);
    key_waits.Remove(client);
    if (client.monitor) monitors.Remove(client);
  }
};

}  // namespace basalt::clients
