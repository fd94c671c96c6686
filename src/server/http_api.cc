// See http_api.h. Prometheus's text format (version 0.0.4): "# TYPE name kind" once per
// family, then its samples together, label values escaped (\\, \", \n).
#include "server/http_api.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>

#include "common/strings.h"

namespace basalt::server::http {
namespace {

constexpr std::string_view kPrefix = "basalt_";

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t from = 0;
  for (size_t at = s.find(sep); at != std::string_view::npos; at = s.find(sep, from)) {
    out.push_back(s.substr(from, at - from));
    from = at + 1;
  }
  out.push_back(s.substr(from));
  return out;
}

// Standard base64 (RFC 4648, padding optional); false on any other character.
bool Base64Decode(std::string_view in, std::string* out) {
  uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      return false;
    }
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out->push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A decimal value INFO prints ("12", "-3", "0.75", "1.5e3"); "50.00%" counts as 50.00.
bool AsNumber(std::string_view text, std::string_view* number) {
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  if (text.empty()) return false;
  double v;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  *number = text;
  return true;
}

// A metric or label name: letters, digits and '_' (anything else becomes '_').
std::string SafeName(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) c = '_';
  }
  return out;
}

std::string LabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// INFO fields that are text even when they happen to look like a number (a sha1, an id).
bool IsText(std::string_view name) {
  static constexpr std::string_view kText[] = {"redis_git_sha1", "redis_build_id", "run_id",
                                               "master_replid", "master_replid2"};
  for (std::string_view t : kText) {
    if (name == t) return true;
  }
  return false;
}

// INFO fields that only ever grow: Prometheus's rate() wants them typed as counters.
bool IsCounter(std::string_view family) {
  static constexpr std::string_view kCounters[] = {
      "expired_keys",
      "evicted_keys",
      "evicted_clients",
      "keyspace_hits",
      "keyspace_misses",
      "rejected_connections",
      "sync_full",
      "sync_partial_ok",
      "sync_partial_err",
      "expired_time_cap_reached_count",
      "commandstats_calls",
      "commandstats_usec",
      "commandstats_rejected_calls",
      "commandstats_failed_calls",
      "errorstats_count",
      "io_threaded_reads_processed",
      "io_threaded_writes_processed",
      "unexpected_error_replies",
      "dump_payload_sanitizations",
  };
  // Named like totals, but sizes and counts of the moment.
  static constexpr std::string_view kGauges[] = {
      "expired_stale_perc",      "total_system_memory", "used_memory_vm_total",
      "current_save_keys_total", "total_blocking_keys", "total_blocking_keys_on_nokey"};
  for (std::string_view g : kGauges) {
    if (family == g) return false;
  }
  if (family.starts_with("total_") || family.ends_with("_total")) return true;
  for (std::string_view c : kCounters) {
    if (family == c) return true;
  }
  return false;
}

// The samples of the metric families, each family's together, families in first-seen order.
class Exposition {
 public:
  void Add(std::string family, std::string labels, std::string_view value) {
    auto [it, fresh] = index_.try_emplace(family, families_.size());
    if (fresh) families_.push_back({family, {}});
    families_[it->second].samples.push_back({std::move(labels), std::string(value)});
  }

  std::string Text() const {
    std::string out;
    for (const Family& f : families_) {
      const std::string name = std::string(kPrefix) + f.name;
      out += "# TYPE " + name + (IsCounter(f.name) ? " counter\n" : " gauge\n");
      for (const auto& [labels, value] : f.samples) {
        out += name;
        if (!labels.empty()) out += "{" + labels + "}";
        out += " " + value + "\n";
      }
    }
    return out;
  }

 private:
  struct Family {
    std::string name;
    std::vector<std::pair<std::string, std::string>> samples;
  };
  std::vector<Family> families_;
  std::map<std::string, size_t, std::less<>> index_;
};

// A per-key line's family prefix and its label: "db0" -> keyspace, db="0"; "cmdstat_get" ->
// commandstats, cmd="get"; ... Unknown names keep their own family and no label.
std::pair<std::string, std::string> KeyedLine(std::string_view name) {
  struct Kind {
    std::string_view prefix, family, label;
  };
  static constexpr Kind kKinds[] = {
      {"cmdstat_", "commandstats", "cmd"},
      {"errorstat_", "errorstats", "error"},
      {"latency_percentiles_usec_", "latency_percentiles_usec", "cmd"},
      {"slave", "replica", "replica"},
      {"db", "keyspace", "db"},
  };
  for (const Kind& k : kKinds) {
    if (name.starts_with(k.prefix) && name.size() > k.prefix.size()) {
      return {std::string(k.family),
              std::string(k.label) + "=\"" + LabelValue(name.substr(k.prefix.size())) + "\""};
    }
  }
  return {SafeName(name), ""};
}

// "name:k1=v1,k2=v2": one sample per numeric pair, the text pairs as extra labels.
void AddKeyedLine(Exposition& out, std::string_view name, std::string_view value) {
  auto [family, labels] = KeyedLine(name);
  std::vector<std::pair<std::string_view, std::string_view>> numbers;
  for (std::string_view pair : Split(value, ',')) {
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view k = pair.substr(0, eq), v = pair.substr(eq + 1);
    std::string_view number;
    if (AsNumber(v, &number)) {
      numbers.emplace_back(k, number);
    } else {
      labels += (labels.empty() ? "" : ",") + SafeName(k) + "=\"" + LabelValue(v) + "\"";
    }
  }
  for (const auto& [k, v] : numbers) out.Add(family + "_" + SafeName(k), labels, v);
}

// Compares in time that depends on the lengths only, so the answer's timing does not tell how
// much of a guess was right.
bool SecretsEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool Unauthorized(const Request& request, std::string_view requirepass) {
  if (requirepass.empty()) return false;
  const std::string_view auth = Trim(request.authorization);
  const size_t space = auth.find(' ');
  if (space == std::string_view::npos) return true;
  const std::string_view scheme = auth.substr(0, space);  // case-insensitive (RFC 9110)
  const std::string_view credentials = Trim(auth.substr(space + 1));
  if (EqualsIgnoreCase(scheme, "bearer")) return !SecretsEqual(credentials, requirepass);
  if (EqualsIgnoreCase(scheme, "basic")) {
    std::string decoded;
    if (!Base64Decode(credentials, &decoded)) return true;
    return !SecretsEqual(decoded, "default:" + std::string(requirepass));
  }
  return true;
}

Response Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// A RESP2 status or error line's text ("+PONG\r\n" -> "PONG").
std::string LineText(std::string_view reply) {
  if (reply.size() >= 3) reply = reply.substr(1, reply.size() - 3);
  return std::string(reply);
}

// A bulk reply's payload ("$5\r\nhello\r\n" -> "hello"); false for anything else.
bool BulkPayload(std::string_view reply, std::string* out) {
  if (reply.empty() || reply[0] != '$') return false;
  const size_t header_end = reply.find("\r\n");
  if (header_end == std::string_view::npos || reply.size() < header_end + 4) return false;
  *out = std::string(reply.substr(header_end + 2, reply.size() - header_end - 4));
  return true;
}

// INFO through the dispatcher: its text, or the error as a 503.
bool RunInfo(const RunCommand& run, std::vector<std::string> args, std::string* text,
             Response* failure) {
  const std::string reply = run(args);
  if (BulkPayload(reply, text)) return true;
  *failure = Text(reply.starts_with("-") ? 503 : 500, LineText(reply) + "\n");
  return false;
}

std::string QueryParameter(std::string_view query, std::string_view name) {
  for (std::string_view pair : Split(query, '&')) {
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return "";
}

}  // namespace

HeadStatus ParseHead(std::string_view bytes, Request* out) {
  // The head ends at a blank line; lines may end with a bare LF (RFC 9112 lets servers take
  // them), which Trim's removal of a trailing CR makes the same.
  size_t end = bytes.find("\r\n\r\n");
  size_t end_len = 4;
  if (const size_t bare = bytes.find("\n\n"); bare != std::string_view::npos && bare < end) {
    end = bare;
    end_len = 2;
  }
  if (end == std::string_view::npos) {
    return bytes.size() >= kMaxHeadBytes ? HeadStatus::kBad : HeadStatus::kNeedMore;
  }
  if (end + end_len > kMaxHeadBytes) return HeadStatus::kBad;
  std::vector<std::string_view> lines = Split(bytes.substr(0, end), '\n');
  const std::vector<std::string_view> words = Split(Trim(lines[0]), ' ');
  if (words.size() != 3 || !words[2].starts_with("HTTP/1.")) return HeadStatus::kBad;
  out->method = std::string(words[0]);
  const std::string_view target = words[1];
  const size_t q = target.find('?');
  out->path = std::string(target.substr(0, q));
  out->query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = Trim(lines[i]);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return HeadStatus::kBad;
    if (EqualsIgnoreCase(line.substr(0, colon), "authorization")) {
      out->authorization = std::string(Trim(line.substr(colon + 1)));
    }
  }
  return HeadStatus::kComplete;
}

std::string Serialize(const Response& response, bool head_only) {
  static const std::map<int, std::string_view> kReasons = {{200, "OK"},
                                                           {400, "Bad Request"},
                                                           {401, "Unauthorized"},
                                                           {403, "Forbidden"},
                                                           {404, "Not Found"},
                                                           {405, "Method Not Allowed"},
                                                           {431, "Request Header Fields Too Large"},
                                                           {500, "Internal Server Error"},
                                                           {503, "Service Unavailable"}};
  const auto reason = kReasons.find(response.status);
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                    std::string(reason == kReasons.end() ? "Unknown" : reason->second) + "\r\n";
  out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  out += "Connection: close\r\n\r\n";
  if (!head_only) out += response.body;
  return out;
}

Response Handle(const Request& request, std::string_view requirepass, const RunCommand& run) {
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = Text(405, "only GET and HEAD\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (request.path == "/health") {
    const std::string reply = run({"PING"});
    return reply == "+PONG\r\n" ? Text(200, "OK\n") : Text(503, LineText(reply) + "\n");
  }
  if (request.path != "/metrics" && request.path != "/info") {
    return Text(404, "not found: try /health, /metrics or /info\n");
  }
  if (Unauthorized(request, requirepass)) {
    Response r = Text(401, "the password (requirepass) is needed\n");
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"basalt\"");
    return r;
  }
  std::string info;
  Response failure;
  if (request.path == "/info") {
    const std::string section = QueryParameter(request.query, "section");
    std::vector<std::string> args{"INFO"};
    if (!section.empty()) args.push_back(section);
    if (!RunInfo(run, std::move(args), &info, &failure)) return failure;
    return Text(200, info);
  }
  if (!RunInfo(run, {"INFO", "everything"}, &info, &failure)) return failure;
  Response r = Text(200, InfoToPrometheus(info));
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

std::string InfoToPrometheus(std::string_view info) {
  Exposition out;
  std::string info_labels;
  for (std::string_view line : Split(info, '\n')) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    std::string_view number;
    if (AsNumber(value, &number) && !IsText(name)) {
      out.Add(SafeName(name), "", number);
    } else if (value.find('=') != std::string_view::npos) {
      AddKeyedLine(out, name, value);
    } else if (!name.ends_with("_human")) {  // the numbers are there already
      info_labels +=
          (info_labels.empty() ? "" : ",") + SafeName(name) + "=\"" + LabelValue(value) + "\"";
    }
  }
  if (!info_labels.empty()) out.Add("info", info_labels, "1");
  return out.Text();
}

}  // namespace basalt::server::http
