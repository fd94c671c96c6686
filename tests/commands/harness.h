// In-process command harness: a full engine (config, keyspace, command table, dispatcher)
// with a ManualClock, driven without sockets. Replies are returned as exact RESP bytes, so
// tests assert what a client would receive.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"
#include "commands/command_table.h"
#include "commands/dispatcher.h"
#include "commands/keyspace_events.h"
#include "common/clock.h"
#include "config/config.h"
#include "protocol/reply_writer.h"
#include "store/keyspace.h"

namespace basalt::test {

// Records every propagated command as one space-joined line, e.g. "SET k v PXAT 1700000001000".
class RecordingPropagator : public cmd::Propagator {
 public:
  void Propagate(int db, std::span<const std::string_view> argv) override;
  std::vector<std::string> lines;
  std::vector<int> dbs;
};

class TestSession : public cmd::ClientSession {};

class Harness {
 public:
  Harness();

  // Runs one command as `session` (default: the harness's own client) and returns the reply.
  std::string Run(std::initializer_list<std::string_view> args);
  std::string Run(const std::vector<std::string>& args);
  std::string RunAs(TestSession& session, std::initializer_list<std::string_view> args);

  ManualClock& clock() { return clock_; }
  config::Config& config() { return config_; }
  store::Keyspace& keyspace() { return keyspace_; }
  cmd::ServerContext& server() { return context_; }
  TestSession& session() { return session_; }
  RecordingPropagator& propagated() { return propagator_; }

 private:
  ManualClock clock_;
  config::Config config_;
  store::Keyspace keyspace_;
  cmd::CommandTable table_;
  cmd::ServerContext context_;
  cmd::Dispatcher dispatcher_;
  cmd::KeyspaceEvents events_;
  RecordingPropagator propagator_;
  TestSession session_;
};

// Expected-reply builders: exact RESP2 bytes.
inline std::string Ok() { return "+OK\r\n"; }
inline std::string Nil() { return "$-1\r\n"; }
inline std::string NilArray() { return "*-1\r\n"; }
inline std::string Int(long long v) { return ":" + std::to_string(v) + "\r\n"; }
inline std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
inline std::string Simple(std::string_view s) { return "+" + std::string(s) + "\r\n"; }
inline std::string Err(std::string_view s) { return "-" + std::string(s) + "\r\n"; }
// An array of bulk strings.
std::string BulkArray(std::initializer_list<std::string_view> items);
std::string BulkArray(const std::vector<std::string>& items);

// Splits a reply that is a flat array of bulk strings into its items (for order-free checks).
std::vector<std::string> ParseBulkArray(const std::string& reply);

}  // namespace basalt::test
