// The HTTP observability port's requests and answers, without sockets (http_port.h serves them):
//
//   GET /health   200 "OK" when the server answers PING; 503 with its error otherwise
//                 (LOADING while the dataset loads, BUSY while a script runs too long, ...).
//                 Needs no password: a probe learns nothing else from it.
//   GET /metrics  INFO everything in Prometheus's text format (version 0.0.4).
//   GET /info     INFO as text; /info?section=memory for one section (INFO's section names).
//
// With requirepass set, /metrics and /info need the password as a Bearer token or as HTTP
// basic credentials for the user "default" (what Prometheus's `authorization` and
// `basic_auth` send); otherwise 401. Requests go to the same dispatcher as any client's, as a
// client of their own, so what they show is exactly INFO's numbers.
//
// One request per connection (the answer says Connection: close); a request head is at most
// kMaxHeadBytes. protected-mode applies as on the Redis port: while no password is set, other
// addresses than 127.0.0.1 and ::1 get 403.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::server::http {

inline constexpr size_t kMaxHeadBytes = 8192;

// The 403 body for a client protected-mode refuses (another address than loopback while no
// password is set), as the Redis port refuses it.
inline constexpr std::string_view kProtectedModeRefusal =
    "protected mode: no password (requirepass) is set, so only 127.0.0.1 and ::1 may connect; "
    "set a password, or protected-mode no on a trusted network\n";

struct Request {
  std::string method;
  std::string path;   // without the query
  std::string query;  // after '?', "" when none
  std::string authorization;
};

enum class HeadStatus { kComplete, kNeedMore, kBad };
// Parses a request head at the start of `bytes`: complete once the blank line has arrived.
HeadStatus ParseHead(std::string_view bytes, Request* out);

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};
// The whole answer: status line, headers (Content-Length, Connection: close), body. HEAD
// answers carry the headers only.
std::string Serialize(const Response& response, bool head_only);

// Runs a command as the HTTP port's client; returns its RESP2 reply bytes.
using RunCommand = std::function<std::string(const std::vector<std::string>& args)>;

Response Handle(const Request& request, std::string_view requirepass, const RunCommand& run);

// INFO's text as Prometheus metrics: "basalt_<field> <number>" per numeric field, the text
// fields as labels of basalt_info, and the per-key lines (db0:keys=..., cmdstat_get:calls=...,
// errorstat_ERR:count=..., latency_percentiles_usec_get:p50=..., slave0:...) as labelled
// families (basalt_keyspace_keys{db="0"}, basalt_commandstats_calls{cmd="get"}, ...).
std::string InfoToPrometheus(std::string_view info);

}  // namespace basalt::server::http
