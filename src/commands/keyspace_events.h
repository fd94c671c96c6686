// The engine's keyspace listener: turns lazy and active expirations into DELs on the write
// stream (so the AOF and replicas delete the key at the same point) and into "expired"
// notifications, publishes "new" for every created key (keyspace_notify.h), and forwards entry
// changes to an optional observer (the snapshotter, while a snapshot runs).
#pragma once

#include "commands/command.h"
#include "store/keyspace.h"

namespace basalt::cmd {

class KeyspaceEvents final : public store::KeyspaceListener {
 public:
  explicit KeyspaceEvents(ServerContext& server) : server_(server) {}

  // Receives BeforeEntryChange / BeforeDatabaseReset while set (nullptr to detach).
  void set_observer(store::KeyspaceListener* observer) { observer_ = observer; }

  void BeforeEntryChange(int db, const store::Entry& e) override {
    if (observer_ != nullptr) observer_->BeforeEntryChange(db, e);
  }
  void BeforeDatabaseReset(int db) override {
    if (observer_ != nullptr) observer_->BeforeDatabaseReset(db);
  }
  void OnKeyExpired(int db, std::string_view key) override;
  void OnKeyChanged(int db, std::string_view key, store::KeyChange change) override;
  // A key created quietly is still "new" (Redis's dbAdd publishes it).
  bool hears_quiet_changes() const override { return true; }

 private:
  ServerContext& server_;
  store::KeyspaceListener* observer_ = nullptr;
};

}  // namespace basalt::cmd
