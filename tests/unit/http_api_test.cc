// The HTTP port's requests and answers (server/http_api.h) without sockets: request heads,
// routing, the password, and INFO as Prometheus metrics.
#include "server/http_api.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace basalt::server::http;

namespace {

// A dispatcher stand-in: PING answers `ping`, INFO answers `info` as a bulk reply.
struct FakeServer {
  std::string ping = "+PONG\r\n";
  std::string info = "# Server\r\nredis_version:7.0.15\r\nuptime_in_seconds:5\r\n";
  std::vector<std::vector<std::string>> calls;

  RunCommand Runner() {
    return [this](const std::vector<std::string>& args) {
      calls.push_back(args);
      if (args[0] == "PING") return ping;
      if (info.starts_with("-")) return info;
      return "$" + std::to_string(info.size()) + "\r\n" + info + "\r\n";
    };
  }
};

Request Get(std::string path, std::string authorization = "") {
  Request r;
  r.method = "GET";
  const size_t q = path.find('?');
  r.path = path.substr(0, q);
  r.query = q == std::string::npos ? "" : path.substr(q + 1);
  r.authorization = std::move(authorization);
  return r;
}

}  // namespace

TEST_SUITE("http api") {
  TEST_CASE("a request head parses once its blank line is in, and not past the size limit") {
    Request r;
    CHECK(ParseHead("GET /metrics HTTP/1.1\r\nHost: x\r\n", &r) == HeadStatus::kNeedMore);
    REQUIRE(ParseHead("GET /info?section=memory HTTP/1.1\r\nHost: x\r\nauthorization: Bearer "
                      "pw\r\n\r\n",
                      &r) == HeadStatus::kComplete);
    CHECK(r.method == "GET");
    CHECK(r.path == "/info");
    CHECK(r.query == "section=memory");
    CHECK(r.authorization == "Bearer pw");
    REQUIRE(ParseHead("GET /health HTTP/1.0\nX: y\n\n", &r) == HeadStatus::kComplete);
    CHECK(r.path == "/health");
    CHECK(ParseHead("GET /\r\n\r\n", &r) == HeadStatus::kBad);
    CHECK(ParseHead("GET / SPDY/3\r\n\r\n", &r) == HeadStatus::kBad);
    CHECK(ParseHead("GET / HTTP/1.1\r\nno colon here\r\n\r\n", &r) == HeadStatus::kBad);
    CHECK(ParseHead(std::string(kMaxHeadBytes, 'x'), &r) == HeadStatus::kBad);
    CHECK(ParseHead("GET / HTTP/1.1\r\nX: " + std::string(kMaxHeadBytes, 'x') + "\r\n\r\n", &r) ==
          HeadStatus::kBad);
  }

  TEST_CASE("/health follows PING, with no password needed") {
    FakeServer s;
    CHECK(Handle(Get("/health"), "secret", s.Runner()).status == 200);
    s.ping = "-LOADING Redis is loading the dataset in memory\r\n";
    const Response r = Handle(Get("/health"), "", s.Runner());
    CHECK(r.status == 503);
    CHECK(r.body == "LOADING Redis is loading the dataset in memory\n");
  }

  TEST_CASE("/metrics and /info need requirepass as a bearer token or basic credentials") {
    FakeServer s;
    CHECK(Handle(Get("/metrics"), "", s.Runner()).status == 200);
    CHECK(Handle(Get("/metrics"), "pw", s.Runner()).status == 401);
    CHECK(Handle(Get("/info", "Bearer nope"), "pw", s.Runner()).status == 401);
    CHECK(Handle(Get("/info", "Bearer pw"), "pw", s.Runner()).status == 200);
    // "default:pw" and "other:pw"
    CHECK(Handle(Get("/metrics", "Basic ZGVmYXVsdDpwdw=="), "pw", s.Runner()).status == 200);
    CHECK(Handle(Get("/metrics", "Basic b3RoZXI6cHc="), "pw", s.Runner()).status == 401);
    CHECK(Handle(Get("/metrics", "Basic !!"), "pw", s.Runner()).status == 401);
    CHECK(Handle(Get("/metrics", "bearer pw"), "pw", s.Runner()).status == 200);  // any case
    CHECK(Handle(Get("/metrics", "Bearer pwx"), "pw", s.Runner()).status == 401);
    CHECK(Handle(Get("/metrics", "Bearer"), "pw", s.Runner()).status == 401);
    CHECK(s.calls.size() == 4);  // refused requests ran nothing
  }

  TEST_CASE("/info passes its section on; errors become 503; other paths and methods refused") {
    FakeServer s;
    CHECK(Handle(Get("/info?section=memory&x=1"), "", s.Runner()).body == s.info);
    CHECK(s.calls.back() == std::vector<std::string>{"INFO", "memory"});
    s.info = "-BUSY Redis is busy running a script.\r\n";
    CHECK(Handle(Get("/metrics"), "", s.Runner()).status == 503);
    CHECK(Handle(Get("/"), "", s.Runner()).status == 404);
    Request post = Get("/metrics");
    post.method = "POST";
    CHECK(Handle(post, "", s.Runner()).status == 405);
    const std::string head = Serialize(Handle(Get("/health"), "", s.Runner()), true);
    CHECK(head.find("Content-Length: 3\r\n") != std::string::npos);
    CHECK(head.ends_with("\r\n\r\n"));
  }

  TEST_CASE("INFO as Prometheus: numbers, typed counters, labelled per-key lines, text labels") {
    const std::string info =
        "# Server\r\nredis_version:7.0.15\r\nrun_id:0123\r\nuptime_in_seconds:5\r\n"
        "# "
        "Memory\r\ntotal_system_memory:1000\r\nused_memory:100\r\nused_memory_human:100B\r\nused_"
        "memory_peak_perc:50.00%\r\n"
        "# Stats\r\ntotal_commands_processed:7\r\nkeyspace_hits:2\r\n"
        "# Commandstats\r\ncmdstat_get:calls=2,usec=5,usec_per_call=2.50,rejected_calls=0,"
        "failed_calls=0\r\ncmdstat_set:calls=1,usec=3,usec_per_call=3.00,rejected_calls=0,"
        "failed_calls=0\r\n"
        "# Replication\r\nrole:master\r\nslave0:ip=127.0.0.1,port=6380,state=online,offset=5,"
        "lag=0\r\n"
        "# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=10\r\ndb2:keys=1,expires=0,avg_ttl=0\r\n";
    const std::string text = InfoToPrometheus(info);
    auto has = [&](std::string_view line) {
      CHECK_MESSAGE(text.find(std::string(line) + "\n") != std::string::npos, line);
    };
    has("# TYPE basalt_uptime_in_seconds gauge");
    has("basalt_uptime_in_seconds 5");
    has("basalt_used_memory 100");
    has("basalt_used_memory_peak_perc 50.00");
    has("# TYPE basalt_total_commands_processed counter");
    has("# TYPE basalt_keyspace_hits counter");
    has("# TYPE basalt_total_system_memory gauge");
    has("# TYPE basalt_commandstats_calls counter");
    has("basalt_commandstats_calls{cmd=\"get\"} 2");
    has("basalt_commandstats_calls{cmd=\"set\"} 1");
    has("basalt_commandstats_usec_per_call{cmd=\"get\"} 2.50");
    has("basalt_keyspace_keys{db=\"0\"} 3");
    has("basalt_keyspace_keys{db=\"2\"} 1");
    has("basalt_replica_offset{replica=\"0\",ip=\"127.0.0.1\",state=\"online\"} 5");
    has("basalt_info{redis_version=\"7.0.15\",run_id=\"0123\",role=\"master\"} 1");
    CHECK(text.find("used_memory_human") == std::string::npos);
    // Each family's samples together, under one TYPE line.
    CHECK(text.find("# TYPE basalt_commandstats_calls") ==
          text.rfind("# TYPE basalt_commandstats_calls"));
    CHECK(text.find("basalt_commandstats_calls{cmd=\"set\"}") <
          text.find("# TYPE basalt_commandstats_usec "));
  }

  TEST_CASE("label values are escaped") {
    const std::string text = InfoToPrometheus("executable:/tmp/a\"b\\c\r\n");
    CHECK(text.find("basalt_info{executable=\"/tmp/a\\\"b\\\\c\"} 1\n") != std::string::npos);
  }
}
