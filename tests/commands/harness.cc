#include "commands/harness.h"

#include <cstdlib>

namespace basalt::test {

void RecordingPropagator::Propagate(int db, std::span<const std::string_view> argv) {
  std::string line;
  for (std::string_view a : argv) {
    if (!line.empty()) line += ' ';
    line += a;
  }
  lines.push_back(line);
  dbs.push_back(db);
}

void FakeClientDirectory::ForEach(const std::function<void(cmd::ClientSession&)>& fn) {
  std::vector<TestSession*> snapshot = sessions;
  for (TestSession* s : snapshot) fn(*s);
}

std::string FakeServerControl::RequestShutdown(bool save, bool nosave) {
  ++shutdown_requests;
  last_save = save;
  last_nosave = nosave;
  return error;
}

Harness::Harness()
    : keyspace_(static_cast<int>(config_.settings().databases)),
      context_(keyspace_, config_, clock_, table_),
      dispatcher_(context_),
      events_(context_) {
  cmd::RegisterAllCommands(table_);
  keyspace_.set_listener(&events_);
  context_.propagator = &propagator_;
  context_.stats.start_time_ms = clock_.NowMs();
  session_.id = 1;
  session_.created_ms = session_.last_interaction_ms = clock_.NowMs();
  directory_.sessions.push_back(&session_);
  context_.clients = &directory_;
  context_.control = &control_;
}

TestSession& Harness::NewSession() {
  auto session = std::make_unique<TestSession>();
  session->id = directory_.sessions.back()->id + 1;
  session->created_ms = session->last_interaction_ms = clock_.NowMs();
  directory_.sessions.push_back(session.get());
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
  dispatcher_.Execute(session_, views, writer);
  return out;
}

std::string Harness::RunAs(TestSession& session, std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> views(args);
  std::string out;
  protocol::ReplyWriter writer(&out, session.resp);
  dispatcher_.Execute(session, views, writer);
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

}  // namespace basalt::test
