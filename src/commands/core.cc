#include "commands/core.h"

namespace basalt::cmd {

Core::Core(store::Keyspace& keyspace, config::Config& config, const Clock& clock)
    : keyspace_(keyspace),
      registries_(keyspace),
      context_(keyspace, config, clock, table_, writes_, registries_),
      dispatcher_(context_),
      events_(context_),
      evictor_(context_) {
  RegisterAllCommands(table_);
  auto sync_tracking_limit = [this, &config] {
    registries_.tracking.set_max_keys(
        static_cast<size_t>(config.settings().tracking_table_max_keys));
  };
  sync_tracking_limit();
  config.OnChange("tracking-table-max-keys", sync_tracking_limit);
  auto sync_encoding_limits = [this, &config] {
    const config::Settings& s = config.settings();
    keyspace_.set_encoding_limits({
        .hash_max_listpack_entries = s.hash_max_listpack_entries,
        .hash_max_listpack_value = s.hash_max_listpack_value,
        .set_max_intset_entries = s.set_max_intset_entries,
        .zset_max_listpack_entries = s.zset_max_listpack_entries,
        .zset_max_listpack_value = s.zset_max_listpack_value,
        .list_max_listpack_size = s.list_max_listpack_size,
        .list_compress_depth = s.list_compress_depth,
        .stream_node_max_bytes = s.stream_node_max_bytes,
        .stream_node_max_entries = s.stream_node_max_entries,
    });
  };
  sync_encoding_limits();
  for (std::string_view name :
       {"hash-max-listpack-entries", "hash-max-listpack-value", "set-max-intset-entries",
        "zset-max-listpack-entries", "zset-max-listpack-value", "list-max-listpack-size",
        "list-compress-depth", "stream-node-max-bytes", "stream-node-max-entries"}) {
    config.OnChange(name, sync_encoding_limits);
  }
  auto sync_lazy_free = [this, &config] {
    const config::Settings& s = config.settings();
    keyspace_.lazy_free_policy() = {.expire = s.lazyfree_lazy_expire,
                                    .server_del = s.lazyfree_lazy_server_del,
                                    .user_del = s.lazyfree_lazy_user_del,
                                    .user_flush = s.lazyfree_lazy_user_flush};
  };
  sync_lazy_free();
  for (std::string_view name : {"lazyfree-lazy-expire", "lazyfree-lazy-server-del",
                                "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush"}) {
    config.OnChange(name, sync_lazy_free);
  }
  // The evictor parses maxmemory-policy; an LRU or LFU one makes keys record their accesses
  // (store/access.h).
  auto sync_access_policy = [this, &config, &clock] {
    const config::Settings& s = config.settings();
    evictor_.SetPolicy(s.maxmemory_policy);
    keyspace_.set_access_policy({.mode = evictor_.access_mode(),
                                 .lfu_log_factor = s.lfu_log_factor,
                                 .lfu_decay_time = s.lfu_decay_time},
                                clock.NowMs());
  };
  sync_access_policy();
  for (std::string_view name : {"maxmemory-policy", "lfu-log-factor", "lfu-decay-time"}) {
    config.OnChange(name, sync_access_policy);
  }
  config.OnChange("maxmemory", [this] { evictor_.RequestRun(); });
  context_.dispatcher = &dispatcher_;
  context_.evictor = &evictor_;
  context_.stats.start_time_ms = clock.NowMs();
  keyspace_.AddListener(&events_);
  keyspace_.AddListener(&registries_.watches);
  keyspace_.AddListener(&registries_.tracking);
}

Core::~Core() {
  keyspace_.RemoveListener(&registries_.tracking);
  keyspace_.RemoveListener(&registries_.watches);
  keyspace_.RemoveListener(&events_);
}

void Core::OnClientOpen(ClientSession& client) { registries_.OnClientOpen(client); }

void Core::OnClientClose(ClientSession& client) { registries_.OnClientClose(client); }

ServerContext::ServerContext(store::Keyspace& ks, config::Config& cfg, const Clock& clk,
                             CommandTable& table, WriteStream& stream,
                             clients::Registries& registries)
    : keyspace(ks),
      config(cfg),
      clock(clk),
      commands(table),
      writes(stream),
      watches(registries.watches),
      pubsub(registries.pubsub),
      pause(registries.pause),
      write_holds(registries.write_holds),
      blocked(registries.blocked),
      key_waits(registries.key_waits),
      monitors(registries.monitors),
      tracking(registries.tracking),
      client_index(registries.index) {}

}  // namespace basalt::cmd
