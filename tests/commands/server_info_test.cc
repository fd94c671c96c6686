#include "commands/server_info.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "commands/harness.h"

using namespace basalt::test;
using basalt::cmd::BytesToHuman;
using basalt::cmd::InstantaneousMetrics;
using basalt::cmd::ServerStats;

namespace {

// The text of a RESP2 bulk reply.
std::string BulkText(const std::string& reply) {
  size_t eol = reply.find("\r\n");
  REQUIRE(reply[0] == '$');
  return reply.substr(eol + 2, reply.size() - eol - 4);
}

std::vector<std::string> Headers(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = text.find("# ", pos)) != std::string::npos) {
    size_t eol = text.find("\r\n", pos);
    out.push_back(text.substr(pos + 2, eol - pos - 2));
    pos = eol;
  }
  return out;
}

// The value of "name:value" in INFO text, or "<missing>".
std::string Field(const std::string& text, const std::string& name) {
  const std::string all = "\r\n" + text;
  size_t pos = all.find("\r\n" + name + ":");
  if (pos == std::string::npos) return "<missing>";
  size_t start = pos + 2 + name.size() + 1;
  return all.substr(start, all.find("\r\n", start) - start);
}

}  // namespace

TEST_SUITE("info") {
  TEST_CASE("INFO without arguments has the default sections in Redis's order") {
    Harness h;
    std::string text = BulkText(h.Run({"INFO"}));
    CHECK(Headers(text) == std::vector<std::string>{"Server", "Clients", "Memory", "Persistence",
                                                    "Stats", "Replication", "CPU", "Modules",
                                                    "Errorstats", "Cluster", "Keyspace"});
    CHECK(text.rfind("# Server\r\nredis_version:7.0.15\r\n", 0) == 0);
    CHECK(text.ends_with("\r\n\r\n# Keyspace\r\n"));
    CHECK(BulkText(h.Run({"INFO", "default"})).size() > 0);
  }

  TEST_CASE("INFO all and everything add the command statistics and latency percentiles") {
    Harness h;
    for (std::string_view which : {"all", "everything", "ALL"}) {
      std::vector<std::string> headers = Headers(BulkText(h.Run({"INFO", which})));
      REQUIRE(headers.size() == 13);
      CHECK(headers[8] == "Commandstats");
      CHECK(headers[10] == "Latencystats");
    }
    CHECK(BulkText(h.Run({"INFO"})).find("Latencystats") == std::string::npos);
    CHECK(BulkText(h.Run({"INFO", "latencystats"})).find("latency_percentiles_usec_info:p50=") !=
          std::string::npos);
  }

  TEST_CASE("INFO sections come in fixed order, once, whatever the request") {
    Harness h;
    CHECK(h.Run({"INFO", "keyspace", "cluster"}) ==
          Bulk("# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n"));
    CHECK(h.Run({"INFO", "KEYSPACE", "keyspace"}) == Bulk("# Keyspace\r\n"));
    CHECK(h.Run({"INFO", "nosuch"}) == Bulk(""));
  }

  TEST_CASE("INFO is a verbatim string in RESP3") {
    Harness h;
    h.Run({"HELLO", "3"});
    CHECK(h.Run({"INFO", "keyspace"}) == "=16\r\ntxt:# Keyspace\r\n\r\n");
  }

  TEST_CASE("INFO server names the compatible Redis version, a stable run id and uptime") {
    Harness h;
    h.server().tcp_port = 7777;
    std::string text = BulkText(h.Run({"INFO", "server"}));
    CHECK(Field(text, "redis_version") == "7.0.15");
    CHECK(Field(text, "redis_mode") == "standalone");
    CHECK(Field(text, "arch_bits") == "64");
    CHECK(Field(text, "tcp_port") == "7777");
    CHECK(Field(text, "uptime_in_seconds") == "0");
    CHECK(Field(text, "hz") == "10");
    CHECK(Field(text, "basalt_version") != "<missing>");
    CHECK(Field(text, "process_id") != "<missing>");
    CHECK(Field(text, "executable") == "");
    const std::string run_id = Field(text, "run_id");
    CHECK(run_id.size() == 40);
    CHECK(run_id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(h.server().run_id == run_id);
    h.clock().AdvanceMs(2 * 86400 * 1000 + 5000);
    text = BulkText(h.Run({"INFO", "server"}));
    CHECK(Field(text, "uptime_in_seconds") == std::to_string(2 * 86400 + 5));
    CHECK(Field(text, "uptime_in_days") == "2");
    CHECK(Field(text, "run_id") == run_id);
  }

  TEST_CASE("INFO keyspace counts keys and keys with a TTL per database") {
    Harness h;
    h.Run({"SET", "a", "1"});
    h.Run({"SET", "b", "2", "PX", "100000"});
    h.Run({"SELECT", "3"});
    h.Run({"SET", "c", "3"});
    CHECK(h.Run({"INFO", "keyspace"}) == Bulk("# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n"
                                              "db3:keys=1,expires=0,avg_ttl=0\r\n"));
  }

  TEST_CASE("INFO stats reports commands, keyspace hits and misses") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"GET", "k"});
    h.Run({"GET", "nope"});
    std::string text = BulkText(h.Run({"INFO", "stats"}));
    CHECK(Field(text, "total_commands_processed") == "3");
    CHECK(Field(text, "keyspace_hits") == "1");
    CHECK(Field(text, "keyspace_misses") == "1");
    CHECK(Field(text, "instantaneous_ops_per_sec") == "0");
    CHECK(Field(text, "total_connections_received") == "0");
    CHECK(Field(text, "expired_keys") == "0");
  }

  TEST_CASE("INFO clients counts the connected clients") {
    Harness h;
    h.NewSession().query_buffer = 300;
    std::string text = BulkText(h.Run({"INFO", "clients"}));
    CHECK(Field(text, "connected_clients") == "2");
    CHECK(Field(text, "maxclients") == "10000");
    CHECK(Field(text, "client_recent_max_input_buffer") == "300");
    CHECK(Field(text, "blocked_clients") == "0");
  }

  TEST_CASE("INFO memory reports used memory in bytes and human units") {
    Harness h;
    h.config().settings().maxmemory = 1024 * 1024;
    std::string text = BulkText(h.Run({"INFO", "memory"}));
    CHECK(std::stoll(Field(text, "used_memory")) >= 0);
    CHECK(Field(text, "used_memory_human") != "<missing>");
    CHECK(Field(text, "used_memory_rss") != "<missing>");
    CHECK(Field(text, "maxmemory") == "1048576");
    CHECK(Field(text, "maxmemory_human") == "1.00M");
    CHECK(Field(text, "maxmemory_policy") == "noeviction");
  }

  TEST_CASE("INFO persistence follows the dirty counter and appendonly") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"SET", "k", "w"});
    std::string text = BulkText(h.Run({"INFO", "persistence"}));
    CHECK(Field(text, "loading") == "0");
    CHECK(Field(text, "rdb_changes_since_last_save") == "2");
    CHECK(Field(text, "rdb_bgsave_in_progress") == "0");
    CHECK(Field(text, "aof_enabled") == "0");
    h.config().settings().appendonly = true;
    CHECK(Field(BulkText(h.Run({"INFO", "persistence"})), "aof_enabled") == "1");
  }

  TEST_CASE("INFO replication describes a primary without replicas") {
    Harness h;
    std::string text = BulkText(h.Run({"INFO", "replication"}));
    CHECK(Field(text, "role") == "master");
    CHECK(Field(text, "connected_slaves") == "0");
    CHECK(Field(text, "master_replid").size() == 40);
    CHECK(Field(text, "master_repl_offset") == "0");
  }

  TEST_CASE("INFO cpu reports six-decimal seconds") {
    Harness h;
    std::string text = BulkText(h.Run({"INFO", "cpu"}));
    std::string sys = Field(text, "used_cpu_sys");
    REQUIRE(sys.find('.') != std::string::npos);
    CHECK(sys.size() - sys.find('.') - 1 == 6);
    CHECK(Field(text, "used_cpu_user_main_thread") != "<missing>");
  }

  TEST_CASE("INFO commandstats counts calls, rejected and failed calls per command") {
    Harness h;
    h.Run({"SET", "k", "v"});
    h.Run({"GET", "k"});
    h.Run({"GET", "k"});
    h.Run({"GET"});
    h.Run({"INCR", "k"});
    h.Run({"CONFIG", "GET", "hz"});
    std::string text = BulkText(h.Run({"INFO", "commandstats"}));
    CHECK(text.rfind("# Commandstats\r\n", 0) == 0);
    CHECK(text.find("\r\ncmdstat_get:calls=2,usec=") != std::string::npos);
    CHECK(text.find(",rejected_calls=1,failed_calls=0\r\n") != std::string::npos);
    CHECK(text.find("\r\ncmdstat_incr:calls=1,") != std::string::npos);
    CHECK(text.find("rejected_calls=0,failed_calls=1\r\n") != std::string::npos);
    CHECK(text.find("\r\ncmdstat_config|get:calls=1,") != std::string::npos);
    CHECK(text.find("cmdstat_ping") == std::string::npos);
  }

  TEST_CASE("CONFIG RESETSTAT zeroes the statistics but not the uptime") {
    Harness h;
    h.clock().AdvanceMs(7000);
    h.Run({"GET", "k"});
    CHECK(h.Run({"CONFIG", "RESETSTAT"}) == Ok());
    // RESETSTAT itself is counted after it ran, as in Redis.
    std::string text = BulkText(h.Run({"INFO", "commandstats"}));
    CHECK(text.rfind("# Commandstats\r\ncmdstat_config|resetstat:calls=1,", 0) == 0);
    CHECK(text.find("cmdstat_get") == std::string::npos);
    text = BulkText(h.Run({"INFO", "stats"}));
    CHECK(Field(text, "keyspace_misses") == "0");
    CHECK(Field(text, "total_commands_processed") == "2");
    CHECK(Field(BulkText(h.Run({"INFO", "server"})), "uptime_in_seconds") == "7");
  }

  TEST_CASE("TIME reports the clock as seconds and microseconds") {
    Harness h;
    CHECK(h.Run({"TIME"}) == BulkArray({"1700000000", "0"}));
    h.clock().AdvanceMs(1500);
    CHECK(h.Run({"TIME"}) == BulkArray({"1700000001", "500000"}));
    CHECK(h.Run({"TIME", "x"}) == Err("ERR wrong number of arguments for 'time' command"));
  }
}

TEST_SUITE("info metrics") {
  TEST_CASE("instantaneous ops per second average the recent samples") {
    InstantaneousMetrics m;
    ServerStats stats;
    int64_t now = 1'000'000;
    m.Sample(stats, now);
    for (int i = 0; i < 16; ++i) {
      now += 100;
      stats.total_commands_processed += 50;  // 500 per second
      stats.total_net_input_bytes += 1024;   // 10 KiB per second
      m.Sample(stats, now);
    }
    CHECK(m.ops_per_sec() == doctest::Approx(500));
    CHECK(m.input_kbps() == doctest::Approx(10));
    CHECK(m.output_kbps() == doctest::Approx(0));
  }

  TEST_CASE("samples closer than 100 ms and counters that went back are skipped") {
    InstantaneousMetrics m;
    ServerStats stats;
    stats.total_commands_processed = 1000;
    m.Sample(stats, 0);
    stats.total_commands_processed = 2000;
    m.Sample(stats, 50);
    CHECK(m.ops_per_sec() == 0);
    stats.total_commands_processed = 10;  // CONFIG RESETSTAT between samples
    m.Sample(stats, 200);
    CHECK(m.ops_per_sec() == 0);
    m.Reset();
    CHECK(m.ops_per_sec() == 0);
  }

  TEST_CASE("INFO reports the server's samples") {
    Harness h;
    InstantaneousMetrics m;
    h.server().metrics = &m;
    ServerStats stats;
    m.Sample(stats, 0);
    stats.total_commands_processed = 1600;
    m.Sample(stats, 1000);  // one sample of 1600/s, averaged over 16 slots
    std::string text = BulkText(h.Run({"INFO", "stats"}));
    CHECK(Field(text, "instantaneous_ops_per_sec") == "100");
    h.Run({"CONFIG", "RESETSTAT"});
    CHECK(m.ops_per_sec() == 0);
  }

  TEST_CASE("BytesToHuman uses Redis's binary units with two decimals") {
    CHECK(BytesToHuman(0) == "0B");
    CHECK(BytesToHuman(1023) == "1023B");
    CHECK(BytesToHuman(1024) == "1.00K");
    CHECK(BytesToHuman(1536 * 1024) == "1.50M");
    CHECK(BytesToHuman(1024LL * 1024 * 1024) == "1.00G");
    CHECK(BytesToHuman(3LL * 1024 * 1024 * 1024 * 1024) == "3.00T");
  }

  TEST_CASE("INFO errorstats counts error replies by code, refusals and queued commands too") {
    Harness h;
    h.Run({"NOSUCH"});
    h.Run({"GET"});
    h.Run({"SET", "k", "v"});
    h.Run({"LPUSH", "k", "x"});
    h.Run({"MULTI"});
    h.Run({"LPUSH", "k", "x"});
    h.Run({"INCR", "k"});
    h.Run({"EXEC"});  // WRONGTYPE and ERR inside the array
    h.Run({"EXEC"});  // without MULTI
    h.Run({"MULTI"});
    h.Run({"NOSUCH"});
    h.Run({"EXEC"});  // EXECABORT
    CHECK(BulkText(h.Run({"INFO", "errorstats"})) ==
          "# Errorstats\r\nerrorstat_ERR:count=5\r\nerrorstat_EXECABORT:count=1\r\n"
          "errorstat_WRONGTYPE:count=2\r\n");
    CHECK(BulkText(h.Run({"INFO", "stats"})).find("total_error_replies:8\r\n") !=
          std::string::npos);
    CHECK(h.Run({"CONFIG", "RESETSTAT"}) == Ok());
    CHECK(BulkText(h.Run({"INFO", "errorstats"})) == "# Errorstats\r\n");
  }
}
