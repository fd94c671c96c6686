// INFO [section ...]: the server's report, in Redis 7.0's sections, field names and order, so
// tools that parse it (redis-cli, monitoring agents, client libraries) find what they expect.
// Fields basalt has no counterpart for are reported with their idle value (0, "ok", -1).
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <random>

#include "clients/blocking.h"
#include "clients/pubsub.h"
#include "clients/tracking.h"
#include "commands/command_table.h"
#include "commands/eviction.h"
#include "commands/function_host.h"
#include "commands/helpers.h"
#include "commands/replication_control.h"
#include "commands/script_host.h"
#include "commands/server_group.h"
#include "commands/server_info.h"
#include "common/memory.h"

namespace basalt::cmd {

namespace {

enum Section : uint32_t {
  kServer = 1u << 0,
  kClients = 1u << 1,
  kMemory = 1u << 2,
  kPersistence = 1u << 3,
  kStats = 1u << 4,
  kReplication = 1u << 5,
  kCpu = 1u << 6,
  kModules = 1u << 7,
  kCommandStats = 1u << 8,
  kErrorStats = 1u << 9,
  kCluster = 1u << 10,
  kKeyspace = 1u << 11,
  kLatencyStats = 1u << 12,
};
constexpr uint32_t kAllSections = (1u << 13) - 1;
constexpr uint32_t kDefaultSections = kAllSections & ~(kCommandStats | kLatencyStats);

struct SectionName {
  std::string_view name;  // as requested (lower case)
  std::string_view title;
  Section bit;
};
// In the order INFO prints them.
constexpr SectionName kSections[] = {
    {"server", "Server", kServer},
    {"clients", "Clients", kClients},
    {"memory", "Memory", kMemory},
    {"persistence", "Persistence", kPersistence},
    {"stats", "Stats", kStats},
    {"replication", "Replication", kReplication},
    {"cpu", "CPU", kCpu},
    {"modules", "Modules", kModules},
    {"commandstats", "Commandstats", kCommandStats},
    {"errorstats", "Errorstats", kErrorStats},
    {"latencystats", "Latencystats", kLatencyStats},
    {"cluster", "Cluster", kCluster},
    {"keyspace", "Keyspace", kKeyspace},
};

uint32_t SelectSections(std::span<const std::string_view> requested) {
  if (requested.empty()) return kDefaultSections;
  uint32_t mask = 0;
  for (std::string_view r : requested) {
    if (EqualsIgnoreCase(r, "default")) {
      mask |= kDefaultSections;
    } else if (EqualsIgnoreCase(r, "all") || EqualsIgnoreCase(r, "everything")) {
      mask |= kAllSections;
    } else {
      for (const SectionName& s : kSections) {
        if (EqualsIgnoreCase(r, s.name)) mask |= s.bit;
      }
    }
  }
  return mask;
}

// "name:value\r\n" lines.
class Fields {
 public:
  explicit Fields(std::string& out) : out_(out) {}
  void Add(std::string_view name, std::string_view value) {
    out_.append(name);
    out_ += ':';
    out_.append(value);
    out_.append("\r\n");
  }
  void Add(std::string_view name, const char* value) { Add(name, std::string_view(value)); }
  void Add(std::string_view name, const std::string& value) { Add(name, std::string_view(value)); }
  void Add(std::string_view name, int64_t value) { Add(name, Int64ToString(value)); }
  void Add(std::string_view name, uint64_t value) { Add(name, static_cast<int64_t>(value)); }
  void Add(std::string_view name, int value) { Add(name, static_cast<int64_t>(value)); }
  // Fixed-point with `decimals` digits ("0.00", "1.213562").
  void Fixed(std::string_view name, double value, int decimals = 2) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
    Add(name, std::string_view(buf));
  }
  // For sections another layer formats (persistence).
  std::string& out() { return out_; }

 private:
  std::string& out_;
};

struct ClientTotals {
  size_t count = 0;
  int64_t normal_memory = 0;
  int64_t replica_memory = 0;
  int64_t max_input_buffer = 0;
  int64_t max_output_buffer = 0;
  int64_t in_accounted_heap = 0;  // of the two above, what mem::Used() counts already
};

ClientTotals SumClients(ServerContext& server) {
  ClientTotals t;
  if (server.clients == nullptr) return t;
  server.clients->ForEach([&](ClientSession& s) {
    ++t.count;
    int64_t mem = static_cast<int64_t>(s.memory_usage());
    (s.is_replica ? t.replica_memory : t.normal_memory) += mem;
    t.in_accounted_heap += static_cast<int64_t>(s.memory_in_accounted_heap());
    t.max_input_buffer = std::max(t.max_input_buffer, static_cast<int64_t>(s.query_buffer_size()));
    t.max_output_buffer =
        std::max(t.max_output_buffer, static_cast<int64_t>(s.output_buffer_size()));
  });
  return t;
}

int64_t EffectiveHz(const config::Settings& s) { return std::clamp<int64_t>(s.hz, 1, 500); }

void ServerSection(ServerContext& server, int64_t now_ms, Fields& f) {
  struct utsname name {};
  uname(&name);
  const int64_t uptime_s = (now_ms - server.stats.start_time_ms) / 1000;
  f.Add("redis_version", kRedisCompatVersion);
  f.Add("redis_git_sha1", "00000000");
  f.Add("redis_git_dirty", 0);
  f.Add("redis_build_id", "0");
  f.Add("redis_mode", "standalone");
  f.Add("os", std::string(name.sysname) + " " + name.release + " " + name.machine);
  f.Add("arch_bits", static_cast<int>(sizeof(void*) * 8));
  f.Add("monotonic_clock", "POSIX clock_gettime");
  f.Add("multiplexing_api", "epoll");
  f.Add("atomicvar_api", "c11-builtin");
#ifdef __GNUC__
  f.Add("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                           std::to_string(__GNUC_PATCHLEVEL__));
#endif
  f.Add("process_id", static_cast<int64_t>(getpid()));
  f.Add("process_supervised", server.supervised);
  f.Add("run_id", EnsureRunId(server));
  f.Add("tcp_port", server.tcp_port);
  f.Add("server_time_usec", server.clock.NowUs());
  f.Add("uptime_in_seconds", uptime_s);
  f.Add("uptime_in_days", uptime_s / 86400);
  f.Add("hz", EffectiveHz(server.config.settings()));
  f.Add("configured_hz", server.config.settings().hz);
  f.Add("lru_clock", (now_ms / 1000) & ((1 << 24) - 1));
  f.Add("executable", server.executable);
  f.Add("config_file", server.config_file);
  f.Add("io_threads_active", 0);
  f.Add("basalt_version", kBasaltVersion);
}

void ClientsSection(ServerContext& server, const ClientTotals& clients, Fields& f) {
  f.Add("connected_clients", clients.count);
  f.Add("cluster_connections", 0);
  f.Add("maxclients", server.config.settings().maxclients);
  f.Add("client_recent_max_input_buffer", clients.max_input_buffer);
  f.Add("client_recent_max_output_buffer", clients.max_output_buffer);
  f.Add("blocked_clients", static_cast<int64_t>(server.blocked.size()));
  f.Add("tracking_clients", server.tracking.tracking_clients());
  f.Add("clients_in_timeout_table", static_cast<int64_t>(server.blocked.with_deadline()));
}

// The two Lua interpreters' memory (outside used_memory, as in Redis), the cached scripts and
// the function libraries.
void ScriptsMemoryFields(const ServerContext& server, Fields& f) {
  auto size = [](bool present, size_t n) { return present ? static_cast<int64_t>(n) : 0; };
  const bool scripts = server.scripts != nullptr;
  const bool functions = server.functions != nullptr;
  const int64_t vm_eval = size(scripts, scripts ? server.scripts->interpreter_memory() : 0);
  const int64_t vm_functions =
      size(functions, functions ? server.functions->interpreter_memory() : 0);
  const int64_t scripts_eval = size(scripts, scripts ? server.scripts->scripts_memory() : 0);
  const int64_t libraries = size(functions, functions ? server.functions->libraries_memory() : 0);
  f.Add("used_memory_lua", vm_eval);
  f.Add("used_memory_vm_eval", vm_eval);
  f.Add("used_memory_lua_human", BytesToHuman(vm_eval));
  f.Add("used_memory_scripts_eval", scripts_eval);
  f.Add("number_of_cached_scripts", size(scripts, scripts ? server.scripts->cached_scripts() : 0));
  f.Add("number_of_functions", size(functions, functions ? server.functions->function_count() : 0));
  f.Add("number_of_libraries", size(functions, functions ? server.functions->library_count() : 0));
  f.Add("used_memory_vm_functions", vm_functions);
  f.Add("used_memory_vm_total", vm_eval + vm_functions);
  f.Add("used_memory_vm_total_human", BytesToHuman(vm_eval + vm_functions));
  f.Add("used_memory_functions", libraries);
  f.Add("used_memory_scripts", scripts_eval + libraries);
  f.Add("used_memory_scripts_human", BytesToHuman(scripts_eval + libraries));
}

void MemorySection(ServerContext& server, const ClientTotals& clients, Fields& f) {
  const config::Settings& s = server.config.settings();
  // Clients' input buffers are allocated through mem:: too: counted once, as client memory.
  const int64_t dataset = mem::Used() - clients.in_accounted_heap;
  const int64_t used = dataset + clients.normal_memory + clients.replica_memory;
  int64_t peak = used;
  if (server.metrics != nullptr) {
    server.metrics->NotePeakMemory(used);
    peak = server.metrics->peak_memory();
  }
  const int64_t rss = ResidentMemory();
  const int64_t system = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  f.Add("used_memory", used);
  f.Add("used_memory_human", BytesToHuman(used));
  f.Add("used_memory_rss", rss);
  f.Add("used_memory_rss_human", BytesToHuman(rss));
  f.Add("used_memory_peak", peak);
  f.Add("used_memory_peak_human", BytesToHuman(peak));
  f.Add("used_memory_peak_perc", [&] {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.2f%%", peak > 0 ? 100.0 * used / peak : 0.0);
    return std::string(buf);
  }());
  f.Add("used_memory_overhead", used - dataset);
  f.Add("used_memory_dataset", dataset);
  f.Add("total_system_memory", system);
  f.Add("total_system_memory_human", BytesToHuman(system));
  ScriptsMemoryFields(server, f);
  f.Add("maxmemory", s.maxmemory);
  f.Add("maxmemory_human", BytesToHuman(s.maxmemory));
  f.Add("maxmemory_policy", s.maxmemory_policy);
  f.Fixed("mem_fragmentation_ratio", used > 0 ? static_cast<double>(rss) / used : 0.0);
  f.Add("mem_fragmentation_bytes", rss - used);
  // maxmemory weighs the data and the clients' query buffers (mem::Used), not output buffers.
  f.Add("mem_not_counted_for_evict", used - mem::Used());
  f.Add("mem_replication_backlog", 0);
  f.Add("mem_clients_slaves", clients.replica_memory);
  f.Add("mem_clients_normal", clients.normal_memory);
  f.Add("mem_aof_buffer", 0);
  f.Add("mem_allocator", mem::AllocatorName());
  f.Add("active_defrag_running", 0);
  f.Add("lazyfree_pending_objects", server.keyspace.lazyfree_pending().load());
  f.Add("lazyfreed_objects", server.keyspace.lazyfreed_objects());
}

// The persistence layer reports its own state; without one (a bare engine) nothing is ever
// saved or rewritten and the fields say so.
void PersistenceSection(ServerContext& server, Fields& f) {
  if (server.persistence != nullptr) {
    server.persistence->AppendInfoFields(f.out());
    return;
  }
  const config::Settings& s = server.config.settings();
  f.Add("loading", server.loading ? 1 : 0);
  f.Add("async_loading", 0);
  f.Add("current_cow_peak", 0);
  f.Add("current_cow_size", 0);
  f.Add("current_cow_size_age", 0);
  f.Fixed("current_fork_perc", 0.0);
  f.Add("current_save_keys_processed", 0);
  f.Add("current_save_keys_total", 0);
  f.Add("rdb_changes_since_last_save", server.dirty);
  f.Add("rdb_bgsave_in_progress", 0);
  f.Add("rdb_last_save_time", server.stats.start_time_ms / 1000);
  f.Add("rdb_last_bgsave_status", "ok");
  f.Add("rdb_last_bgsave_time_sec", -1);
  f.Add("rdb_current_bgsave_time_sec", -1);
  f.Add("rdb_saves", 0);
  f.Add("rdb_last_cow_size", 0);
  f.Add("rdb_last_load_keys_expired", 0);
  f.Add("rdb_last_load_keys_loaded", 0);
  f.Add("aof_enabled", s.appendonly ? 1 : 0);
  f.Add("aof_rewrite_in_progress", 0);
  f.Add("aof_rewrite_scheduled", 0);
  f.Add("aof_last_rewrite_time_sec", -1);
  f.Add("aof_current_rewrite_time_sec", -1);
  f.Add("aof_last_bgrewrite_status", "ok");
  f.Add("aof_rewrites", 0);
  f.Add("aof_rewrites_consecutive_failures", 0);
  f.Add("aof_last_write_status", "ok");
  f.Add("aof_last_cow_size", 0);
  f.Add("module_fork_in_progress", 0);
  f.Add("module_fork_last_cow_size", 0);
}

void StatsSection(ServerContext& server, Fields& f) {
  const ServerStats& st = server.stats;
  const store::KeyspaceStats& ks = server.keyspace.stats();
  const InstantaneousMetrics* m = server.metrics;
  f.Add("total_connections_received", st.total_connections_received);
  f.Add("total_commands_processed", st.total_commands_processed);
  f.Add("instantaneous_ops_per_sec", static_cast<int64_t>(m ? m->ops_per_sec() : 0));
  f.Add("total_net_input_bytes", st.total_net_input_bytes);
  f.Add("total_net_output_bytes", st.total_net_output_bytes);
  f.Add("total_net_repl_input_bytes", 0);
  f.Add("total_net_repl_output_bytes", 0);
  f.Fixed("instantaneous_input_kbps", m ? m->input_kbps() : 0.0);
  f.Fixed("instantaneous_output_kbps", m ? m->output_kbps() : 0.0);
  f.Fixed("instantaneous_input_repl_kbps", 0.0);
  f.Fixed("instantaneous_output_repl_kbps", 0.0);
  f.Add("rejected_connections", st.rejected_connections);
  f.Add("sync_full", st.sync_full);
  f.Add("sync_partial_ok", st.sync_partial_ok);
  f.Add("sync_partial_err", st.sync_partial_err);
  f.Add("expired_keys", ks.expired_keys);
  f.Fixed("expired_stale_perc", static_cast<double>(ks.expired_stale_perc_x100) / 100);
  f.Add("expired_time_cap_reached_count", 0);
  f.Add("expire_cycle_cpu_milliseconds", ks.expire_cycle_cpu_us / 1000);
  const int64_t now_ms = server.clock.NowMs();
  f.Add("evicted_keys", server.evictor != nullptr ? server.evictor->evicted_keys() : 0);
  f.Add("evicted_clients", 0);
  f.Add("total_eviction_exceeded_time",
        server.evictor != nullptr ? server.evictor->total_exceeded_ms(now_ms) : 0);
  f.Add("current_eviction_exceeded_time",
        server.evictor != nullptr ? server.evictor->current_exceeded_ms(now_ms) : 0);
  f.Add("keyspace_hits", ks.keyspace_hits);
  f.Add("keyspace_misses", ks.keyspace_misses);
  f.Add("pubsub_channels", server.pubsub.channel_count());
  f.Add("pubsub_patterns", server.pubsub.pattern_count());
  f.Add("pubsubshard_channels", server.pubsub.shard_channel_count());
  f.Add("latest_fork_usec", 0);
  f.Add("total_forks", 0);
  f.Add("migrate_cached_sockets", 0);
  f.Add("slave_expires_tracked_keys", 0);
  f.Add("active_defrag_hits", 0);
  f.Add("active_defrag_misses", 0);
  f.Add("active_defrag_key_hits", 0);
  f.Add("active_defrag_key_misses", 0);
  f.Add("total_active_defrag_time", 0);
  f.Add("current_active_defrag_time", 0);
  f.Add("tracking_total_keys", server.tracking.tracked_keys());
  f.Add("tracking_total_items", server.tracking.tracked_items());
  f.Add("tracking_total_prefixes", server.tracking.prefix_count());
  f.Add("unexpected_error_replies", st.unexpected_error_replies);
  f.Add("total_error_replies", st.total_error_replies);
  f.Add("dump_payload_sanitizations", 0);
  // Not in Redis 7.0's INFO; basalt's own counters of clients closed for buffer limits.
  f.Add("client_query_buffer_limit_disconnections", st.client_query_buffer_limit_disconnections);
  f.Add("client_output_buffer_limit_disconnections", st.client_output_buffer_limit_disconnections);
}

// A server without replication (the embedded engine) reports itself a primary without replicas.
void ReplicationSection(ServerContext& server, Fields& f) {
  if (server.replication != nullptr) {
    server.replication->AppendInfoFields(f.out());
    return;
  }
  f.Add("role", "master");
  f.Add("connected_slaves", 0);
  f.Add("master_failover_state", "no-failover");
  f.Add("master_replid", EnsureRunId(server));
  f.Add("master_replid2", std::string(40, '0'));
  f.Add("master_repl_offset", 0);
  f.Add("second_repl_offset", -1);
  f.Add("repl_backlog_active", 0);
  f.Add("repl_backlog_size", server.config.settings().repl_backlog_size);
  f.Add("repl_backlog_first_byte_offset", 0);
  f.Add("repl_backlog_histlen", 0);
}

double Seconds(const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

void CpuSection(Fields& f) {
  rusage self{}, children{}, thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  f.Fixed("used_cpu_sys", Seconds(self.ru_stime), 6);
  f.Fixed("used_cpu_user", Seconds(self.ru_utime), 6);
  f.Fixed("used_cpu_sys_children", Seconds(children.ru_stime), 6);
  f.Fixed("used_cpu_user_children", Seconds(children.ru_utime), 6);
  f.Fixed("used_cpu_sys_main_thread", Seconds(thread.ru_stime), 6);
  f.Fixed("used_cpu_user_main_thread", Seconds(thread.ru_utime), 6);
}

void CommandStatsLine(const CommandSpec& spec, std::string& out) {
  const CommandStats& s = spec.stats;
  if (s.calls == 0 && s.failed_calls == 0 && s.rejected_calls == 0) return;
  char buf[160];
  std::snprintf(buf, sizeof(buf),
                ":calls=%" PRIu64 ",usec=%" PRIu64 ",usec_per_call=%.2f,rejected_calls=%" PRIu64
                ",failed_calls=%" PRIu64 "\r\n",
                s.calls, s.usec, s.calls ? static_cast<double>(s.usec) / s.calls : 0.0,
                s.rejected_calls, s.failed_calls);
  out += "cmdstat_" + spec.full_name + buf;
}

// latency_percentiles_usec_<command>:p50=1.003,p99=2.007,p99.9=3.007
void LatencyStatsLine(const CommandSpec& spec, const std::vector<double>& percentiles,
                      std::string& out) {
  if (!spec.stats.latency) return;
  out += "latency_percentiles_usec_" + spec.full_name + ":";
  for (size_t i = 0; i < percentiles.size(); ++i) {
    char value[48];
    std::snprintf(
        value, sizeof(value), "%.3f",
        static_cast<double>(spec.stats.latency->ValueAtPercentile(percentiles[i])) / 1000.0);
    out += (i == 0 ? "p" : ",p") + FormatFixedTrimmed(percentiles[i]) + "=" + value;
  }
  out += "\r\n";
}

void LatencyStatsSection(ServerContext& server, std::string& out) {
  const std::vector<double>& percentiles =
      server.config.settings().latency_tracking_info_percentiles;
  for (const auto& spec : server.commands.all()) {
    LatencyStatsLine(*spec, percentiles, out);
    for (const CommandSpec& sub : spec->subcommands) LatencyStatsLine(sub, percentiles, out);
  }
}

void CommandStatsSection(ServerContext& server, std::string& out) {
  for (const auto& spec : server.commands.all()) {
    CommandStatsLine(*spec, out);
    for (const CommandSpec& sub : spec->subcommands) CommandStatsLine(sub, out);
  }
}

void KeyspaceSection(ServerContext& server, Fields& f) {
  for (int i = 0; i < server.keyspace.db_count(); ++i) {
    const store::Database& db = server.keyspace.db(i);
    if (db.size() == 0) continue;
    f.Add("db" + std::to_string(i), "keys=" + std::to_string(db.size()) + ",expires=" +
                                        std::to_string(db.expires_count()) + ",avg_ttl=0");
  }
}

void AppendSection(ServerContext& server, Section section, int64_t now_ms,
                   const ClientTotals& clients, std::string& out) {
  Fields f(out);
  switch (section) {
    case kServer:
      return ServerSection(server, now_ms, f);
    case kClients:
      return ClientsSection(server, clients, f);
    case kMemory:
      return MemorySection(server, clients, f);
    case kPersistence:
      return PersistenceSection(server, f);
    case kStats:
      return StatsSection(server, f);
    case kReplication:
      return ReplicationSection(server, f);
    case kCpu:
      return CpuSection(f);
    case kCommandStats:
      return CommandStatsSection(server, out);
    case kLatencyStats:
      return LatencyStatsSection(server, out);
    case kCluster:
      return f.Add("cluster_enabled", 0);
    case kKeyspace:
      return KeyspaceSection(server, f);
    case kErrorStats:
      for (const auto& [code, count] : server.error_stats.counts()) {
        f.Add("errorstat_" + code, "count=" + std::to_string(count));
      }
      return;
    case kModules:
      return;
  }
}

void Info(CommandContext& ctx) {
  ctx.reply.Verbatim(GenerateInfo(ctx.server, ctx.args.subspan(1), ctx.now_ms));
}

}  // namespace

void InstantaneousMetrics::Sample(const ServerStats& stats, int64_t now_ms) {
  NotePeakMemory(mem::Used());
  const bool counters_went_back = stats.total_commands_processed < last_commands_ ||
                                  stats.total_net_input_bytes < last_input_ ||
                                  stats.total_net_output_bytes < last_output_;
  if (last_ms_ >= 0 && !counters_went_back) {
    const int64_t elapsed = now_ms - last_ms_;
    if (elapsed < kMinIntervalMs) return;
    auto rate = [elapsed](uint64_t now, uint64_t before) {
      return static_cast<double>(now - before) * 1000.0 / static_cast<double>(elapsed);
    };
    ops_[next_] = rate(stats.total_commands_processed, last_commands_);
    input_[next_] = rate(stats.total_net_input_bytes, last_input_);
    output_[next_] = rate(stats.total_net_output_bytes, last_output_);
    next_ = (next_ + 1) % kSamples;
  }
  last_ms_ = now_ms;
  last_commands_ = stats.total_commands_processed;
  last_input_ = stats.total_net_input_bytes;
  last_output_ = stats.total_net_output_bytes;
}

void InstantaneousMetrics::Reset() {
  ops_.fill(0);
  input_.fill(0);
  output_.fill(0);
  next_ = 0;
  last_ms_ = -1;
  last_commands_ = last_input_ = last_output_ = 0;
  peak_memory_ = 0;
}

double InstantaneousMetrics::Average(const Ring& ring) const {
  double sum = 0;
  for (double v : ring) sum += v;
  return sum / kSamples;
}

std::string GenerateInfo(ServerContext& server, std::span<const std::string_view> sections,
                         int64_t now_ms) {
  const uint32_t mask = SelectSections(sections);
  ClientTotals clients;
  if (mask & (kClients | kMemory)) clients = SumClients(server);
  std::string out;
  for (const SectionName& s : kSections) {
    if (!(mask & s.bit)) continue;
    if (!out.empty()) out += "\r\n";
    out += "# ";
    out.append(s.title);
    out += "\r\n";
    AppendSection(server, s.bit, now_ms, clients, out);
  }
  return out;
}

int64_t ResidentMemory() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long long size = 0, resident = 0;
  int n = std::fscanf(f, "%lld %lld", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * sysconf(_SC_PAGESIZE) : 0;
}

int64_t DatasetMemory(ServerContext& server) {
  return mem::Used() - SumClients(server).in_accounted_heap;
}

int64_t UsedMemory(ServerContext& server) {
  ClientTotals clients = SumClients(server);
  return mem::Used() - clients.in_accounted_heap + clients.normal_memory + clients.replica_memory;
}

int64_t PeakMemory(ServerContext& server, int64_t used) {
  if (server.metrics == nullptr) return used;
  server.metrics->NotePeakMemory(used);
  return server.metrics->peak_memory();
}

std::string BytesToHuman(int64_t bytes) {
  static constexpr const char* kUnits[] = {"K", "M", "G", "T", "P"};
  if (bytes < 1024) return std::to_string(bytes) + "B";
  double v = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f%s", v, kUnits[unit]);
  return buf;
}

const std::string& EnsureRunId(ServerContext& server) {
  if (server.run_id.empty()) server.run_id = RandomHex(40);
  return server.run_id;
}

void ResetServerStatistics(ServerContext& server) {
  const int64_t start_time_ms = server.stats.start_time_ms;
  server.stats = ServerStats{};
  server.stats.start_time_ms = start_time_ms;
  store::KeyspaceStats& ks = server.keyspace.stats();
  ks.expired_keys = ks.keyspace_hits = ks.keyspace_misses = 0;
  ks.expired_stale_perc_x100 = ks.expire_cycle_cpu_us = 0;
  server.error_stats.Reset();
  for (const auto& spec : server.commands.all()) {
    spec->stats = CommandStats{};
    for (const CommandSpec& sub : spec->subcommands) sub.stats = CommandStats{};
  }
  if (server.metrics != nullptr) server.metrics->Reset();
  if (server.evictor != nullptr) server.evictor->ResetStats(server.clock.NowMs());
}

void RegisterInfoCommand(CommandTable& table) {
  table.Add({.name = "info",
             .arity = -1,
             .flags = kLoading | kStale,
             .handler = Info,
             .group = "server",
             .summary = "Get information and statistics about the server",
             .since = "1.0.0",
             .complexity = "O(1)"});
}

}  // namespace basalt::cmd
