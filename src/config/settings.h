// The server's settings as plain typed fields, read directly on hot paths. Each field is
// described once in the parameter table (config.cc), which feeds the TOML loader, command-line
// flags and CONFIG GET/SET; the initializers here are the defaults.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace basalt::config {

// One class of client-output-buffer-limit: "hard soft seconds" (0 = no limit).
struct OutputBufferLimit {
  int64_t hard_bytes = 0;
  int64_t soft_bytes = 0;
  int64_t soft_seconds = 0;
};

struct SavePoint {
  int64_t seconds;
  int64_t changes;
};

struct Settings {
  // Network.
  std::string bind = "127.0.0.1";
  // With no password, refuse connections from other addresses than loopback (Redis 7).
  bool protected_mode = true;
  int64_t port = 6379;
  // The HTTP observability port (basalt's own; server/http_api.h): 0 = off.
  int64_t http_port = 0;
  std::string http_bind = "127.0.0.1";
  int64_t tcp_backlog = 511;
  int64_t timeout = 0;
  int64_t tcp_keepalive = 300;
  int64_t maxclients = 10000;
  // Security.
  std::string requirepass;
  // Whether CONFIG SET may change the protected parameters (dir, dbfilename): no, yes, or
  // local (only for clients on the loopback interface). Redis 7's guard against a client
  // pointing a snapshot at another file (an authorized_keys, say).
  std::string enable_protected_configs = "no";
  std::string enable_debug_command = "no";   // no, yes, or local
  std::string enable_module_command = "no";  // MODULE LOAD / LOADEX / UNLOAD: likewise
  // General.
  int64_t databases = 16;
  std::string loglevel = "notice";
  std::string logfile;
  bool daemonize = false;
  std::string pidfile;
  std::string supervised = "no";  // no, upstart, systemd or auto
  int64_t hz = 10;
  // basalt's own: how long the event loop polls before sleeping while events arrive close
  // together (server/server.cc RunLoop); 0 never polls.
  int64_t busy_poll_us = 50;
  // Keyspace notification classes (config/notify_flags.h bits), parsed once when set so the
  // hot path tests one int; 0 = off.
  int notify_keyspace_events = 0;
  // Client-side caching: at most this many keys are remembered (0 = no limit).
  int64_t tracking_table_max_keys = 1000000;
  int64_t slowlog_log_slower_than = 10000;  // microseconds; negative: off
  int64_t slowlog_max_len = 128;
  // Milliseconds a script may run before other clients are answered -BUSY and SCRIPT KILL may
  // stop it (0: never; the script holds the server until it returns).
  int64_t busy_reply_threshold = 5000;
  // Bytes a sparse HyperLogLog (header included) may grow to before it becomes dense.
  int64_t hll_sparse_max_bytes = 3000;
  bool latency_tracking = true;  // per-command run time histograms (INFO latencystats)
  std::vector<double> latency_tracking_info_percentiles = {50.0, 99.0, 99.9};
  int64_t latency_monitor_threshold = 0;  // milliseconds; 0: off
  // Protocol and client limits.
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  OutputBufferLimit output_limit_normal;
  OutputBufferLimit output_limit_replica{256LL * 1024 * 1024, 64LL * 1024 * 1024, 60};
  OutputBufferLimit output_limit_pubsub{32LL * 1024 * 1024, 8LL * 1024 * 1024, 60};
  // Encodings of collections (store/encoding_limits.h): past these, a compact listpack or
  // intset becomes a real table, list, or index.
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 1;  // Redis's default: 0 (config/basalt.toml)
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  // Freeing big values on a background thread (Redis's lazyfree-lazy-* parameters).
  bool lazyfree_lazy_eviction = false;
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_server_del = false;
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_user_flush = false;
  // Memory.
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  int64_t maxmemory_samples = 5;
  int64_t maxmemory_eviction_tenacity = 10;
  int64_t lfu_log_factor = 10;
  int64_t lfu_decay_time = 1;
  bool replica_ignore_maxmemory = true;
  // Persistence.
  std::string dir = "./";
  std::string dbfilename = "dump.rdb";
  std::vector<SavePoint> save = {{3600, 1}, {300, 100}, {60, 10000}};
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool stop_writes_on_bgsave_error = true;
  bool appendonly = false;
  std::string appendfsync = "everysec";
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  bool aof_use_rdb_preamble = true;
  bool aof_load_truncated = true;
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  // Replication.
  std::string replicaof;  // "host port" of the primary to follow (empty: this is a primary)
  std::string masterauth;
  std::string masteruser;
  bool replica_read_only = true;
  bool replica_serve_stale_data = true;
  int64_t replica_priority = 100;
  bool replica_announced = true;
  bool repl_diskless_sync = true;
  int64_t repl_diskless_sync_delay = 5;
  int64_t repl_diskless_sync_max_replicas = 0;
  std::string repl_diskless_load = "swapdb";
  int64_t repl_backlog_size = 1024 * 1024;
  int64_t repl_backlog_ttl = 3600;
  int64_t repl_ping_replica_period = 10;
  int64_t repl_timeout = 60;
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;
  int64_t shutdown_timeout = 10;
  // What SIGTERM / SIGINT do (shutdown-on-sigterm / -sigint): kShutdown* flags, 0 = default.
  int64_t shutdown_on_sigterm = 0;
  int64_t shutdown_on_sigint = 0;
  // What a replica tells its primary to list it as (INFO replication, and so Sentinel): behind
  // NAT or in a container its own address and port are not the ones to reach it by.
  std::string replica_announce_ip;
  int64_t replica_announce_port = 0;
};

// shutdown-on-sigterm / shutdown-on-sigint flags (Redis's words: save, nosave, now, force).
inline constexpr int64_t kShutdownSave = 1;
inline constexpr int64_t kShutdownNoSave = 2;
inline constexpr int64_t kShutdownNow = 4;
inline constexpr int64_t kShutdownForce = 8;

}  // namespace basalt::config
