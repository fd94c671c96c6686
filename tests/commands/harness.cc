#include "commands/harness.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

#include "persistence/rdb_dump.h"
#include "protocol/request_parser.h"
#include "scripting/lua_scripts.h"

namespace basalt::test {

bool RecordingPropagator::Consume(const cmd::WriteUnit& unit) {
  ++units;
  protocol::ParserLimits limits;
  protocol::RequestParser parser(&limits);
  std::string_view rest = unit.resp;
  int db = unit.start_db;
  while (!rest.empty()) {
    REQUIRE(parser.Parse(rest) == protocol::RequestParser::Result::kComplete);
    std::string line;
    for (std::string_view a : parser.args()) {
      if (!line.empty()) line += ' ';
      line += a;
    }
    rest.remove_prefix(parser.consumed());
    if (line.starts_with("SELECT ")) {
      db = std::stoi(line.substr(7));
      continue;
    }
    lines.push_back(line);
    dbs.push_back(db);
  }
  CHECK(db == unit.end_db);
  return false;
}

void FakeClientDirectory::ForEach(const std::function<void(cmd::ClientSession&)>& fn) {
  std::vector<TestSession*> snapshot = sessions;
  for (TestSession* s : snapshot) fn(*s);
}

std::string FakeServerControl::RequestShutdown(bool save, bool nosave, bool force) {
  ++shutdown_requests;
  last_save = save;
  last_nosave = nosave;
  last_force = force;
  return error;
}

Harness::Harness()
    : keyspace_(static_cast<int>(config_.settings().databases)), core_(keyspace_, config_, clock_) {
  core_.writes().AddConsumer(&propagator_);
  session_.id = 1;
  session_.created_ms = session_.last_interaction_ms = clock_.NowMs();
  directory_.sessions.push_back(&session_);
  core_.OnClientOpen(session_);
  server().clients = &directory_;
  server().control = &control_;
  server().dump_format = &persistence::DumpFormatInstance();
  auto scripts = std::make_unique<scripting::LuaScripts>();
  server().functions = &scripts->functions();
  server().scripts = scripts.get();
  scripts_ = std::move(scripts);
}

Harness::~Harness() {
  core_.writes().RemoveConsumer(&propagator_);
  for (TestSession* s : directory_.sessions) core_.OnClientClose(*s);
}

void Harness::CloseSession(TestSession& session) {
  core_.OnClientClose(session);
  auto& all = directory_.sessions;
  all.erase(std::remove(all.begin(), all.end(), &session), all.end());
}

TestSession& Harness::NewSession() {
  auto session = std::make_unique<TestSession>();
  session->id = next_session_id_++;
  session->created_ms = session->last_interaction_ms = clock_.NowMs();
  directory_.sessions.push_back(session.get());
  core_.OnClientOpen(*session);
  extra_sessions_.push_back(std::move(session));
  return *extra_sessions_.back();
}

std::string Harness::Run(std::initializer_list<std::string_view> args) {
  return RunAs(session_, args);
}

std::string Harness::Run(const std::vector<std::string>& args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  std::string out;
  protocol::ReplyWriter writer(&out, session_.resp);
  core_.dispatcher().Execute(session_, views, writer);
  return out;
}

std::string Harness::RunAs(TestSession& session, std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> views(args);
  std::string out;
  protocol::ReplyWriter writer(&out, session.resp);
  core_.dispatcher().Execute(session, views, writer);
  return out;
}

std::string BulkArray(std::initializer_list<std::string_view> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (std::string_view s : items) out += Bulk(s);
  return out;
}

std::string BulkArray(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += Bulk(s);
  return out;
}

std::vector<std::string> ParseBulkArray(const std::string& reply) {
  std::vector<std::string> items;
  if (reply.empty() || reply[0] != '*') return items;
  size_t pos = reply.find("\r\n");
  long n = std::strtol(reply.c_str() + 1, nullptr, 10);
  pos += 2;
  for (long i = 0; i < n && pos < reply.size(); ++i) {
    size_t eol = reply.find("\r\n", pos);
    long len = std::strtol(reply.c_str() + pos + 1, nullptr, 10);
    pos = eol + 2;
    items.push_back(reply.substr(pos, static_cast<size_t>(len)));
    pos += static_cast<size_t>(len) + 2;
  }
  return items;
}

void AttachClockTurner(Harness& h, ClockTurningMonitor& monitor, int64_t step_ms) {
  monitor.id = 1000;
  monitor.clock = &h.clock();
  monitor.step_ms = step_ms;
  h.clients().sessions.push_back(&monitor);
  h.core().OnClientOpen(monitor);
  h.RunAs(monitor, {"MONITOR"});
}

}  // namespace basalt::test
