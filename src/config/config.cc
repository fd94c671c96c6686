#include "config/config.h"

#include <filesystem>
#include <sstream>

#include "common/strings.h"
#include "config/notify_flags.h"

namespace basalt::config {

namespace {

using Getter = std::function<std::string(const Settings&)>;
using Setter = std::function<Status(Settings&, std::string_view)>;

Status Invalid(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

ParamDef Protected(ParamDef def) {
  def.protected_config = true;
  return def;
}

ParamDef Sensitive(ParamDef def) {
  def.sensitive = true;
  return def;
}

// Redis chdir()s into dir and CONFIG GET answers getcwd(): an absolute path without a trailing
// slash. basalt keeps dir as given (it never changes its working directory) and answers the
// same absolute path, which backup tools read to find dump.rdb.
std::string AbsoluteDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(dir, ec);
  if (ec) return dir;
  std::string out = p.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

ParamDef Bool(std::string_view name, bool Settings::*field, bool runtime, std::string_view help) {
  return {name,
          ParamKind::kBool,
          runtime,
          help,
          [field](const Settings& s) { return std::string(s.*field ? "yes" : "no"); },
          [field](Settings& s, std::string_view v) {
            if (EqualsIgnoreCase(v, "yes")) {
              s.*field = true;
            } else if (EqualsIgnoreCase(v, "no")) {
              s.*field = false;
            } else {
              return Invalid("argument must be 'yes' or 'no'");
            }
            return Status::Ok();
          }};
}

ParamDef Int(std::string_view name, int64_t Settings::*field, int64_t lo, int64_t hi, bool runtime,
             std::string_view help) {
  return {name,
          ParamKind::kInt,
          runtime,
          help,
          [field](const Settings& s) { return Int64ToString(s.*field); },
          [field, lo, hi](Settings& s, std::string_view v) {
            int64_t n;
            if (!ParseInt64(v, &n)) return Invalid("argument couldn't be parsed into an integer");
            if (n < lo || n > hi) {
              return Invalid("argument must be between " + Int64ToString(lo) + " and " +
                             Int64ToString(hi) + " inclusive");
            }
            s.*field = n;
            return Status::Ok();
          }};
}

ParamDef Memory(std::string_view name, int64_t Settings::*field, int64_t lo, int64_t hi,
                bool runtime, std::string_view help) {
  return {name,
          ParamKind::kMemory,
          runtime,
          help,
          [field](const Settings& s) { return Int64ToString(s.*field); },
          [field, lo, hi](Settings& s, std::string_view v) {
            int64_t n;
            if (!ParseMemorySize(v, &n)) return Invalid("argument must be a memory value");
            if (n < lo || n > hi) {
              return Invalid("argument must be between " + Int64ToString(lo) + " and " +
                             Int64ToString(hi) + " inclusive");
            }
            s.*field = n;
            return Status::Ok();
          }};
}

ParamDef String(std::string_view name, std::string Settings::*field, bool runtime,
                std::string_view help) {
  return {name,
          ParamKind::kString,
          runtime,
          help,
          [field](const Settings& s) { return s.*field; },
          [field](Settings& s, std::string_view v) {
            s.*field = std::string(v);
            return Status::Ok();
          }};
}

ParamDef Enum(std::string_view name, std::string Settings::*field,
              std::vector<std::string_view> choices, bool runtime, std::string_view help) {
  return {name,
          ParamKind::kEnum,
          runtime,
          help,
          [field](const Settings& s) { return s.*field; },
          [field, choices](Settings& s, std::string_view v) {
            for (std::string_view c : choices) {
              if (EqualsIgnoreCase(v, c)) {
                s.*field = std::string(c);
                return Status::Ok();
              }
            }
            std::string msg = "argument(s) must be one of the following: ";
            for (size_t i = 0; i < choices.size(); ++i) {
              if (i > 0) msg += ", ";
              msg += choices[i];
            }
            return Invalid(msg);
          }};
}

ParamDef Special(std::string_view name, bool runtime, std::string_view help, Getter get,
                 Setter set) {
  return {name, ParamKind::kSpecial, runtime, help, std::move(get), std::move(set)};
}

ParamDef Aliased(ParamDef def, std::string_view alias) {
  def.alias = alias;
  return def;
}

ParamDef Percentiles(std::string_view name, std::vector<double> Settings::*field,
                     std::string_view help) {
  return Special(
      name, true, help,
      [field](const Settings& s) {
        std::string out;
        for (double p : s.*field) out += (out.empty() ? "" : " ") + FormatFixedTrimmed(p);
        return out;
      },
      [field](Settings& s, std::string_view v) {
        std::vector<double> parsed;
        std::istringstream words{std::string(v)};
        for (std::string word; words >> word;) {
          double p;
          if (!ParseDouble(word, &p))
            return Invalid("Invalid latency-tracking-info-percentiles parameters");
          if (p < 0.0 || p > 100.0) {
            return Invalid(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
          }
          parsed.push_back(p);
        }
        s.*field = std::move(parsed);
        return Status::Ok();
      });
}

constexpr int64_t kIntMax = 2147483647;
constexpr int64_t kLongMax = INT64_MAX;

// shutdown-on-sigterm / shutdown-on-sigint: "default", or some of save / nosave / now / force
// (not save and nosave), shown in that order.
ParamDef ShutdownOnSignal(std::string_view name, int64_t Settings::*field, std::string_view help) {
  static constexpr std::pair<std::string_view, int64_t> kWords[] = {{"save", kShutdownSave},
                                                                    {"nosave", kShutdownNoSave},
                                                                    {"now", kShutdownNow},
                                                                    {"force", kShutdownForce}};
  return Special(
      name, true, help,
      [field](const Settings& s) {
        std::string out;
        for (const auto& [word, bit] : kWords) {
          if (s.*field & bit) out += (out.empty() ? "" : " ") + std::string(word);
        }
        return out.empty() ? std::string("default") : out;
      },
      [field](Settings& s, std::string_view v) {
        int64_t flags = 0;
        int words_seen = 0;
        bool all_known = true;
        std::istringstream words{std::string(v)};
        for (std::string word; all_known && words >> word; ++words_seen) {
          bool known = EqualsIgnoreCase(word, "default");
          for (const auto& [name, bit] : kWords) {
            if (EqualsIgnoreCase(word, name)) {
              flags |= bit;
              known = true;
            }
          }
          all_known = known;
        }
        if (words_seen == 0 || !all_known) {
          return Invalid(
              "argument(s) must be one of the following: default, save, nosave, now, force");
        }
        if ((flags & kShutdownSave) && (flags & kShutdownNoSave)) {
          return Invalid("shutdown options SAVE and NOSAVE can't be used simultaneously");
        }
        s.*field = flags;
        return Status::Ok();
      });
}

void AddReplicationParams(std::vector<ParamDef>& t) {
  using S = Settings;
  t.push_back(
      Aliased(String("replicaof", &S::replicaof, false,
                     "\"host port\" of the primary to replicate (empty = run as a primary)."),
              "slaveof"));
  t.push_back(Sensitive(
      String("masterauth", &S::masterauth, true, "Password to AUTH with at the primary.")));
  t.push_back(Sensitive(String("masteruser", &S::masteruser, true,
                               "User to AUTH as at the primary (empty = password only).")));
  t.push_back(Aliased(Bool("replica-read-only", &S::replica_read_only, true,
                           "A replica refuses writes from its clients."),
                      "slave-read-only"));
  t.push_back(Aliased(Bool("replica-serve-stale-data", &S::replica_serve_stale_data, true,
                           "A replica whose link is down still answers from its data."),
                      "slave-serve-stale-data"));
  t.push_back(Aliased(Int("replica-priority", &S::replica_priority, 0, kIntMax, true,
                          "Sentinel promotes replicas with a lower number first (0 = never)."),
                      "slave-priority"));
  t.push_back(
      Bool("replica-announced", &S::replica_announced, true, "Sentinel lists this replica."));
  t.push_back(Bool("repl-diskless-sync", &S::repl_diskless_sync, true,
                   "Full syncs stream the snapshot to replicas instead of sending a file."));
  t.push_back(Int("repl-diskless-sync-delay", &S::repl_diskless_sync_delay, 0, kIntMax, true,
                  "Seconds a full sync waits for more replicas to share its snapshot."));
  t.push_back(Int("repl-diskless-sync-max-replicas", &S::repl_diskless_sync_max_replicas, 0,
                  kIntMax, true,
                  "Start a waiting full sync once this many replicas wait (0 = "
                  "wait the whole delay)."));
  t.push_back(Enum("repl-diskless-load", &S::repl_diskless_load,
                   {"disabled", "on-empty-db", "swapdb"}, true,
                   "How a replica loads a full sync: swapdb keeps serving the old data until "
                   "the new is loaded (memory holds both), disabled stores the file first."));
  t.push_back(Memory("repl-backlog-size", &S::repl_backlog_size, 1, kLongMax, true,
                     "Bytes of replication stream kept for partial resyncs."));
  t.push_back(Int("repl-backlog-ttl", &S::repl_backlog_ttl, 0, kIntMax, true,
                  "Free the backlog after this many seconds without replicas (0 = never)."));
  t.push_back(Aliased(Int("repl-ping-replica-period", &S::repl_ping_replica_period, 1, kIntMax,
                          true, "Seconds between PINGs sent to replicas."),
                      "repl-ping-slave-period"));
  t.push_back(Int("repl-timeout", &S::repl_timeout, 1, kIntMax, true,
                  "Seconds of silence after which a replication link is taken as broken."));
  t.push_back(Aliased(Int("min-replicas-to-write", &S::min_replicas_to_write, 0, kIntMax, true,
                          "Refuse writes with fewer good replicas than this (0 = off)."),
                      "min-slaves-to-write"));
  t.push_back(Aliased(Int("min-replicas-max-lag", &S::min_replicas_max_lag, 0, kIntMax, true,
                          "A replica is good when its last ACK is at most this many seconds old."),
                      "min-slaves-max-lag"));
  t.push_back(Int("shutdown-timeout", &S::shutdown_timeout, 0, kIntMax, true,
                  "Seconds SHUTDOWN waits (writes paused) for lagging replicas to catch up."));
  t.push_back(ShutdownOnSignal("shutdown-on-sigterm", &S::shutdown_on_sigterm,
                               "What SIGTERM does: default (save if save points are set), or "
                               "some of save, nosave, now, force."));
  t.push_back(ShutdownOnSignal("shutdown-on-sigint", &S::shutdown_on_sigint,
                               "What SIGINT does, as shutdown-on-sigterm."));
  t.push_back(Aliased(String("replica-announce-ip", &S::replica_announce_ip, true,
                             "Address a replica gives its primary to be listed by (\"\" = the "
                             "address the primary sees)."),
                      "slave-announce-ip"));
  t.push_back(Aliased(Int("replica-announce-port", &S::replica_announce_port, 0, 65535, true,
                          "Port a replica gives its primary to be listed by (0 = its port)."),
                      "slave-announce-port"));
}

void AddEncodingParams(std::vector<ParamDef>& t) {
  using S = Settings;
  t.push_back(Bool("lazyfree-lazy-eviction", &S::lazyfree_lazy_eviction, true,
                   "Free evicted collections on a background thread (replicated as UNLINK)."));
  t.push_back(Bool("lazyfree-lazy-expire", &S::lazyfree_lazy_expire, true,
                   "Free expired collections on a background thread."));
  t.push_back(Bool("lazyfree-lazy-server-del", &S::lazyfree_lazy_server_del, true,
                   "Free overwritten or implicitly deleted collections on a background thread."));
  t.push_back(Bool("lazyfree-lazy-user-del", &S::lazyfree_lazy_user_del, true,
                   "DEL frees collections on a background thread, as UNLINK does."));
  t.push_back(Bool("lazyfree-lazy-user-flush", &S::lazyfree_lazy_user_flush, true,
                   "FLUSHALL / FLUSHDB without SYNC free on a background thread, as ASYNC does."));
  t.push_back(
      Aliased(Int("hash-max-listpack-entries", &S::hash_max_listpack_entries, 0, kLongMax, true,
                  "A hash with more fields than this leaves the compact listpack encoding."),
              "hash-max-ziplist-entries"));
  t.push_back(
      Aliased(Memory("hash-max-listpack-value", &S::hash_max_listpack_value, 0, kLongMax, true,
                     "A hash with a field or value longer than this leaves the listpack."),
              "hash-max-ziplist-value"));
  t.push_back(Int("set-max-intset-entries", &S::set_max_intset_entries, 0, kLongMax, true,
                  "A set of integers with more members than this leaves the intset."));
  t.push_back(Aliased(Int("zset-max-listpack-entries", &S::zset_max_listpack_entries, 0, kLongMax,
                          true, "A sorted set with more members than this leaves the listpack."),
                      "zset-max-ziplist-entries"));
  t.push_back(
      Aliased(Memory("zset-max-listpack-value", &S::zset_max_listpack_value, 0, kLongMax, true,
                     "A sorted set with a member longer than this leaves the listpack."),
              "zset-max-ziplist-value"));
  t.push_back(
      Aliased(Int("list-max-listpack-size", &S::list_max_listpack_size, -kIntMax - 1, kIntMax, true,
                  "Size of a list node: > 0 elements, or -1..-5 for 4, 8, 16, 32, 64 KB."),
              "list-max-ziplist-size"));
  t.push_back(Int("list-compress-depth", &S::list_compress_depth, 0, kIntMax, true,
                  "List nodes kept uncompressed at each end (0 = no compression)."));
  t.push_back(Memory("stream-node-max-bytes", &S::stream_node_max_bytes, 0, kLongMax, true,
                     "A stream node (listpack) takes new entries up to this size (0 = no limit)."));
  t.push_back(Int("stream-node-max-entries", &S::stream_node_max_entries, 0, kLongMax, true,
                  "A stream node takes at most this many entries (0 = no limit)."));
}

std::vector<ParamDef> BuildTable() {
  using S = Settings;
  std::vector<ParamDef> t;
  // Network.
  t.push_back(String("bind", &S::bind, false, "Addresses to listen on, separated by spaces."));
  t.push_back(Bool("protected-mode", &S::protected_mode, true,
                   "Without a password (requirepass), accept connections from 127.0.0.1 and ::1 "
                   "only."));
  t.push_back(Int("port", &S::port, 0, 65535, false, "TCP port to listen on."));
  t.push_back(Int("http-port", &S::http_port, 0, 65535, false,
                  "HTTP port for /health, /metrics (Prometheus) and /info (0 = off)."));
  t.push_back(String("http-bind", &S::http_bind, false,
                     "Addresses the HTTP port listens on, separated by spaces."));
  t.push_back(
      Int("tcp-backlog", &S::tcp_backlog, 0, kIntMax, false, "Backlog of the listening socket."));
  t.push_back(Int("timeout", &S::timeout, 0, kIntMax, true,
                  "Close a client after this many idle seconds (0 = never)."));
  t.push_back(Int("tcp-keepalive", &S::tcp_keepalive, 0, kIntMax, true,
                  "TCP keepalive interval in seconds (0 = off)."));
  t.push_back(Int("maxclients", &S::maxclients, 1, 4294967295LL, true,
                  "Maximum number of connected clients."));
  t.push_back(Sensitive(String("requirepass", &S::requirepass, true,
                               "Password clients must AUTH with (empty = no password).")));
  t.push_back(Enum("enable-protected-configs", &S::enable_protected_configs, {"no", "yes", "local"},
                   false, "Whether CONFIG SET may change dir and dbfilename: no, yes, or local."));
  t.push_back(Enum("enable-debug-command", &S::enable_debug_command, {"no", "yes", "local"}, false,
                   "Whether clients may run DEBUG: no, yes, or local."));
  t.push_back(Enum("enable-module-command", &S::enable_module_command, {"no", "yes", "local"},
                   false,
                   "Whether clients may run MODULE LOAD / UNLOAD: no, yes, or local (basalt "
                   "loads no module: allowed, they fail)."));
  // General.
  t.push_back(Int("databases", &S::databases, 1, kIntMax, false, "Number of databases."));
  t.push_back(Enum("loglevel", &S::loglevel, {"debug", "verbose", "notice", "warning"}, true,
                   "Log verbosity."));
  t.push_back(String("logfile", &S::logfile, false, "Log file path (empty = standard output)."));
  t.push_back(Bool("daemonize", &S::daemonize, false,
                   "Run in the background, detached from the terminal (logging to standard "
                   "output then goes to /dev/null)."));
  t.push_back(String("pidfile", &S::pidfile, false,
                     "File the server's pid is written to, removed at exit (empty = none, or "
                     "/var/run/redis.pid when daemonized, as Redis)."));
  t.push_back(Enum("supervised", &S::supervised, {"upstart", "systemd", "auto", "no"}, false,
                   "Tell a service manager when the server is ready and stopping: systemd "
                   "(Type=notify units), upstart (expect stop), auto or no."));
  t.push_back(Int("hz", &S::hz, 0, kIntMax, true,
                  "Background task frequency per second (clamped to 1..500)."));
  t.push_back(Int("busy-poll-us", &S::busy_poll_us, 0, 1000, true,
                  "Microseconds the event loop polls before sleeping under load (0 = never)."));
  t.push_back(Special(
      "notify-keyspace-events", true,
      "Keyspace notification classes to publish, as Redis's letters (\"\" = none).",
      [](const S& s) { return FormatNotifyFlags(s.notify_keyspace_events); },
      [](S& s, std::string_view v) { return ParseNotifyFlags(v, &s.notify_keyspace_events); }));
  t.push_back(Int("tracking-table-max-keys", &S::tracking_table_max_keys, 0, kLongMax, true,
                  "Keys remembered for client-side caching before the oldest are invalidated "
                  "(0 = no limit)."));
  t.push_back(Aliased(
      Int("busy-reply-threshold", &S::busy_reply_threshold, 0, kLongMax, true,
          "Milliseconds a script runs before other clients get -BUSY and SCRIPT KILL can stop "
          "it (0 = never)."),
      "lua-time-limit"));
  t.push_back(Memory("hll-sparse-max-bytes", &S::hll_sparse_max_bytes, 0, kLongMax, true,
                     "Bytes a sparse HyperLogLog may take before it is made dense (denser "
                     "registers: faster PFADD, more memory)."));
  t.push_back(Int("slowlog-log-slower-than", &S::slowlog_log_slower_than, -1, kLongMax, true,
                  "Log commands that run at least this many microseconds (-1 = none, 0 = all)."));
  t.push_back(Int("slowlog-max-len", &S::slowlog_max_len, 0, kLongMax, true,
                  "Entries the slow log keeps (the oldest are dropped)."));
  t.push_back(Bool("latency-tracking", &S::latency_tracking, true,
                   "Keep a histogram of each command's run times (INFO latencystats)."));
  t.push_back(Percentiles("latency-tracking-info-percentiles",
                          &S::latency_tracking_info_percentiles,
                          "Percentiles INFO latencystats shows, separated by spaces."));
  t.push_back(Int("latency-monitor-threshold", &S::latency_monitor_threshold, 0, kLongMax, true,
                  "Record events (LATENCY LATEST) that take at least this many ms (0 = off)."));
  // Limits.
  t.push_back(Memory("proto-max-bulk-len", &S::proto_max_bulk_len, 1024 * 1024, kLongMax, true,
                     "Largest bulk string a client may send."));
  t.push_back(Memory("client-query-buffer-limit", &S::client_query_buffer_limit, 1024 * 1024,
                     kLongMax, true, "Largest unprocessed input a client may accumulate."));
  t.push_back(Special(
      "client-output-buffer-limit", true,
      "Output buffer limits per client class: class hard soft soft-seconds.",
      [](const S& s) { return FormatOutputBufferLimits(s); },
      [](S& s, std::string_view v) { return ParseOutputBufferLimits(v, &s); }));
  t.push_back(Memory("maxmemory", &S::maxmemory, 0, kLongMax, true,
                     "Refuse writes above this memory use (0 = no limit)."));
  t.push_back(Enum("maxmemory-policy", &S::maxmemory_policy,
                   {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                    "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"},
                   true,
                   "What to do at maxmemory: evict keys (allkeys-* all of them, volatile-* only "
                   "those with a TTL: least recently used, least frequently used, random, "
                   "nearest expiry) or refuse writes (noeviction)."));
  t.push_back(Int("maxmemory-samples", &S::maxmemory_samples, 1, kIntMax, true,
                  "Keys sampled per eviction: more is closer to true LRU/LFU, and slower."));
  t.push_back(Int("maxmemory-eviction-tenacity", &S::maxmemory_eviction_tenacity, 0, 100, true,
                  "How long one command may spend evicting (10 = 500 us; 100 = no limit); the "
                  "rest continues from the cron."));
  t.push_back(Int("lfu-log-factor", &S::lfu_log_factor, 0, kIntMax, true,
                  "LFU counter growth: higher needs more accesses per step of the counter."));
  t.push_back(Int("lfu-decay-time", &S::lfu_decay_time, 0, kIntMax, true,
                  "Minutes without access per step down of the LFU counter (0 = never)."));
  t.push_back(Aliased(Bool("replica-ignore-maxmemory", &S::replica_ignore_maxmemory, true,
                           "A replica does not evict: its primary's deletions arrive instead."),
                      "slave-ignore-maxmemory"));
  // Persistence.
  ParamDef dir = Protected(String("dir", &S::dir, true, "Directory for RDB and AOF files."));
  dir.get = [](const S& s) { return AbsoluteDir(s.dir); };
  t.push_back(std::move(dir));
  t.push_back(Protected(Special(
      "dbfilename", true, "RDB snapshot file name.", [](const S& s) { return s.dbfilename; },
      [](S& s, std::string_view v) {
        if (v.find('/') != std::string_view::npos) {
          return Invalid("dbfilename can't be a path, just a filename");
        }
        s.dbfilename = std::string(v);
        return Status::Ok();
      })));
  t.push_back(Special(
      "save", true, "Snapshot after <seconds> if at least <changes> writes, as pairs.",
      [](const S& s) {
        std::string out;
        for (const SavePoint& p : s.save) {
          if (!out.empty()) out += ' ';
          out += Int64ToString(p.seconds) + " " + Int64ToString(p.changes);
        }
        return out;
      },
      [](S& s, std::string_view v) { return ParseSavePoints(v, &s.save); }));
  t.push_back(Bool("rdbcompression", &S::rdbcompression, true, "LZF-compress strings in RDB."));
  t.push_back(Bool("rdbchecksum", &S::rdbchecksum, true, "Write and verify the RDB CRC64."));
  t.push_back(Bool("stop-writes-on-bgsave-error", &S::stop_writes_on_bgsave_error, true,
                   "Refuse writes while the last background save failed."));
  t.push_back(Bool("appendonly", &S::appendonly, true, "Log every write to the AOF."));
  t.push_back(Enum("appendfsync", &S::appendfsync, {"always", "everysec", "no"}, true,
                   "When to fsync the AOF."));
  t.push_back(String("appendfilename", &S::appendfilename, false, "AOF base name."));
  t.push_back(String("appenddirname", &S::appenddirname, false, "AOF directory name."));
  t.push_back(Bool("aof-use-rdb-preamble", &S::aof_use_rdb_preamble, true,
                   "Write the AOF base file in RDB format."));
  t.push_back(Bool("aof-load-truncated", &S::aof_load_truncated, true,
                   "Start even when the AOF ends in a torn record (cut it off)."));
  t.push_back(Int("auto-aof-rewrite-percentage", &S::auto_aof_rewrite_percentage, 0, kIntMax, true,
                  "Rewrite the AOF when it grew by this percent (0 = off)."));
  t.push_back(Memory("auto-aof-rewrite-min-size", &S::auto_aof_rewrite_min_size, 0, kLongMax, true,
                     "Do not rewrite automatically below this AOF size."));
  AddReplicationParams(t);
  AddEncodingParams(t);
  return t;
}

}  // namespace

namespace {
bool Allows(const std::string& setting, bool local) {
  return setting == "yes" || (setting == "local" && local);
}
}  // namespace

bool AllowsProtectedChange(const Settings& s, bool local) {
  return Allows(s.enable_protected_configs, local);
}

bool AllowsDebugCommand(const Settings& s, bool local) {
  return Allows(s.enable_debug_command, local);
}

bool AllowsModuleCommand(const Settings& s, bool local) {
  return Allows(s.enable_module_command, local);
}

Config::Config() : params_(BuildTable()) {}

const ParamDef* Config::Find(std::string_view name) const {
  for (const ParamDef& p : params_) {
    if (EqualsIgnoreCase(p.name, name) || (!p.alias.empty() && EqualsIgnoreCase(p.alias, name))) {
      return &p;
    }
  }
  return nullptr;
}

Status Config::Set(std::string_view name, std::string_view value, Origin origin) {
  const ParamDef* def = Find(name);
  if (def == nullptr) return Status::NotFound("unknown parameter '" + std::string(name) + "'");
  if (origin == Origin::kRuntime && !def->runtime_mutable) {
    return Status::InvalidArgument("can't set immutable config");
  }
  if (origin != Origin::kRuntime) return def->set(settings_, value);
  // CONFIG GET's text of a value is valid CONFIG SET input: it restores the value exactly.
  const std::string before = def->get(settings_);
  Status st = def->set(settings_, value);
  if (!st.ok()) return st;
  st = NotifyChanged(def->name);
  // Cannot fail: the text was produced from a value this parameter held.
  if (!st.ok()) (void)def->set(settings_, before);
  return st;
}

void Config::OnChange(std::string_view name, std::function<void()> fn) {
  OnChangeMayFail(name, [fn = std::move(fn)] {
    fn();
    return Status::Ok();
  });
}

void Config::OnChangeMayFail(std::string_view name, std::function<Status()> fn) {
  listeners_[std::string(name)].push_back(std::move(fn));
}

Status Config::NotifyChanged(std::string_view name) {
  Status result;
  auto it = listeners_.find(name);
  if (it == listeners_.end()) return result;
  for (auto& fn : it->second) {
    Status st = fn();
    if (result.ok()) result = st;
  }
  return result;
}

Status ParseOutputBufferLimits(std::string_view text, Settings* s) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) words.push_back(w);
  if (words.size() % 4 != 0)
    return Invalid("Wrong number of arguments in buffer limit configuration.");
  Settings updated = *s;
  for (size_t i = 0; i < words.size(); i += 4) {
    OutputBufferLimit* target;
    std::string cls = ToLower(words[i]);
    if (cls == "normal") {
      target = &updated.output_limit_normal;
    } else if (cls == "replica" || cls == "slave") {
      target = &updated.output_limit_replica;
    } else if (cls == "pubsub") {
      target = &updated.output_limit_pubsub;
    } else {
      return Invalid("Invalid client class specified in buffer limit configuration.");
    }
    int64_t hard, soft, secs;
    if (!ParseMemorySize(words[i + 1], &hard) || !ParseMemorySize(words[i + 2], &soft) ||
        !ParseInt64(words[i + 3], &secs) || secs < 0) {
      return Invalid("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    }
    *target = {hard, soft, secs};
  }
  *s = updated;
  return Status::Ok();
}

std::string FormatOutputBufferLimits(const Settings& s) {
  auto one = [](std::string_view cls, const OutputBufferLimit& l) {
    return std::string(cls) + " " + Int64ToString(l.hard_bytes) + " " +
           Int64ToString(l.soft_bytes) + " " + Int64ToString(l.soft_seconds);
  };
  return one("normal", s.output_limit_normal) + " " + one("slave", s.output_limit_replica) + " " +
         one("pubsub", s.output_limit_pubsub);
}

Status ParseSavePoints(std::string_view text, std::vector<SavePoint>* out) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) words.push_back(w);
  if (words.size() % 2 != 0) return Invalid("Invalid save parameters");
  std::vector<SavePoint> points;
  for (size_t i = 0; i < words.size(); i += 2) {
    int64_t secs, changes;
    if (!ParseInt64(words[i], &secs) || !ParseInt64(words[i + 1], &changes) || secs < 1 ||
        changes < 0) {
      return Invalid("Invalid save parameters");
    }
    points.push_back({secs, changes});
  }
  *out = std::move(points);
  return Status::Ok();
}

}  // namespace basalt::config
