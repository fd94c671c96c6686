// In-process command harness: a full engine (config, keyspace, command table, dispatcher)
// with a ManualClock, driven without sockets. Replies are returned as exact RESP bytes, so
// tests assert what a client would receive.
#pragma once

#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/command.h"
#include "commands/core.h"
#include "commands/script_host.h"
#include "commands/write_stream.h"
#include "common/clock.h"
#include "config/config.h"
#include "protocol/reply_writer.h"
#include "store/keyspace.h"

namespace basalt::test {

// Records the write stream: every committed command as one space-joined line, e.g.
// "SET k v PXAT 1700000001000", with the database it runs in. SELECTs are folded into `dbs`;
// a unit of several writes shows as "MULTI", its commands, "EXEC".
class RecordingPropagator : public cmd::WriteStreamConsumer {
 public:
  bool accepting() const override { return true; }
  bool Consume(const cmd::WriteUnit& unit) override;
  std::vector<std::string> lines;
  std::vector<int> dbs;
  size_t units = 0;
};

// A client whose connection details tests can set; Kill() and pushed bytes are recorded.
class TestSession : public cmd::ClientSession {
 public:
  std::string pushed;  // everything Deliver()ed (pub/sub messages), in order
  std::string peer;
  std::string local;
  int fd_number = -1;
  size_t query_buffer = 0;
  size_t output_buffer = 0;
  size_t memory = 0;
  bool killed = false;

  std::string peer_address() const override { return peer; }
  std::string local_address() const override { return local; }
  int fd() const override { return fd_number; }
  size_t query_buffer_size() const override { return query_buffer; }
  size_t output_buffer_size() const override { return output_buffer; }
  size_t memory_usage() const override { return memory; }
  void Kill() override {
    killed = true;
    cmd::ClientSession::Kill();
  }
  void Deliver(std::string_view bytes) override { pushed.append(bytes); }
  // Sessions stand for connections: they may block (WAIT) unless a test says otherwise.
  bool may_block = true;
  bool can_block() const override { return may_block; }
  int wakes = 0;  // Wake() calls: a connection would resume reading its input
  void Wake() override { ++wakes; }
  // Returns and clears what was pushed so far.
  std::string TakePushed() { return std::exchange(pushed, {}); }
};

// The harness's client registry: its own session plus those made with NewSession(), in id
// order. Killed sessions stay listed (a real server drops them after the reply is flushed).
class FakeClientDirectory : public cmd::ClientDirectory {
 public:
  void ForEach(const std::function<void(cmd::ClientSession&)>& fn) override;
  size_t count() const override { return sessions.size(); }
  std::vector<TestSession*> sessions;
};

// Records SHUTDOWN requests; `error` is what RequestShutdown answers (empty: accepted).
class FakeServerControl : public cmd::ServerControl {
 public:
  std::string RequestShutdown(bool save, bool nosave, bool force) override;
  // A busy script hands the loop over: the test's `while_busy` plays the other clients.
  void ServeWhileBusy(uint64_t caller_id) override {
    ++busy_turns;
    busy_caller = caller_id;
    if (while_busy) while_busy();
  }
  std::function<void()> while_busy;
  int busy_turns = 0;
  uint64_t busy_caller = 0;
  int shutdown_requests = 0;
  bool last_save = false;
  bool last_nosave = false;
  bool last_force = false;
  std::string error;
};

class Harness {
 public:
  Harness();
  ~Harness();

  // Runs one command as `session` (default: the harness's own client) and returns the reply.
  std::string Run(std::initializer_list<std::string_view> args);
  std::string Run(const std::vector<std::string>& args);
  std::string RunAs(TestSession& session, std::initializer_list<std::string_view> args);

  ManualClock& clock() { return clock_; }
  config::Config& config() { return config_; }
  store::Keyspace& keyspace() { return keyspace_; }
  cmd::ServerContext& server() { return core_.context(); }
  cmd::Core& core() { return core_; }
  TestSession& session() { return session_; }
  RecordingPropagator& propagated() { return propagator_; }
  FakeClientDirectory& clients() { return directory_; }
  FakeServerControl& control() { return control_; }
  // A further connected client with the next id, listed in clients(); owned by the harness.
  TestSession& NewSession();
  // Disconnects a session made by NewSession (it leaves every registry and the directory).
  void CloseSession(TestSession& session);

 private:
  ManualClock clock_;
  config::Config config_;
  store::Keyspace keyspace_;
  cmd::Core core_;
  RecordingPropagator propagator_;
  TestSession session_;
  FakeClientDirectory directory_;
  FakeServerControl control_;
  // EVAL's and FCALL's engines (the functions' is owned by the scripts'), as the server's.
  std::unique_ptr<cmd::ScriptHost> scripts_;
  std::deque<std::unique_ptr<TestSession>> extra_sessions_;
  uint64_t next_session_id_ = 2;
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

// A monitor whose every delivery moves the clock on: with it listening, time passes between
// the commands a script runs (as wall time would on a real server).
class ClockTurningMonitor : public TestSession {
 public:
  ManualClock* clock = nullptr;
  int64_t step_ms = 0;
  void Deliver(std::string_view bytes) override {
    TestSession::Deliver(bytes);
    if (clock != nullptr) clock->AdvanceMs(step_ms);
  }
};

// Connects `monitor` to `h` as a MONITOR client turning the clock by `step_ms` per line. The
// monitor must outlive the harness (declare it first): the harness closes it on destruction.
void AttachClockTurner(Harness& h, ClockTurningMonitor& monitor, int64_t step_ms);

}  // namespace basalt::test
