#include "commands/write_stream.h"

#include <algorithm>

#include "common/strings.h"
#include "protocol/command_encoder.h"

namespace basalt::cmd {

namespace {

constexpr std::string_view kMulti = "*1\r\n$5\r\nMULTI\r\n";
constexpr std::string_view kExec = "*1\r\n$4\r\nEXEC\r\n";
// A staging buffer that held a big value is released rather than kept for the next unit.
constexpr size_t kKeepStagingCapacity = 64 * 1024;

void ReleaseIfLarge(std::string& s) {
  s.clear();
  if (s.capacity() > kKeepStagingCapacity) std::string().swap(s);
}

}  // namespace

void AppendSelect(std::string& out, int db) {
  std::string db_text = Int64ToString(db);
  std::string_view select[] = {"SELECT", db_text};
  protocol::AppendCommand(out, select);
}

void WriteStream::RemoveConsumer(WriteStreamConsumer* consumer) {
  consumers_.erase(std::remove(consumers_.begin(), consumers_.end(), consumer), consumers_.end());
}

bool WriteStream::accepting() const {
  return std::any_of(consumers_.begin(), consumers_.end(),
                     [](const WriteStreamConsumer* c) { return c->accepting(); });
}

void WriteStream::Append(int db, std::span<const std::string_view> argv) {
  if (!accepting()) return;
  if (staged_commands_ == 0) {
    start_db_ = current_db_ = db;
  } else if (db != current_db_) {
    AppendSelect(staged_, db);
    current_db_ = db;
  }
  protocol::AppendCommand(staged_, argv);
  ++staged_commands_;
  if (depth_ == 0) Commit();
}

bool WriteStream::EndUnit() {
  if (--depth_ > 0) return false;
  return Commit();
}

bool WriteStream::Commit() {
  if (staged_commands_ == 0) return false;
  WriteUnit unit{.start_db = start_db_, .end_db = current_db_, .commands = staged_commands_};
  if (staged_commands_ > 1) {
    wrapped_.reserve(kMulti.size() + staged_.size() + kExec.size());
    wrapped_.append(kMulti).append(staged_).append(kExec);
    unit.resp = wrapped_;
  } else {
    unit.resp = staged_;
  }
  bool wait_for_durability = false;
  for (WriteStreamConsumer* c : consumers_) {
    if (c->accepting() && c->Consume(unit)) wait_for_durability = true;
  }
  ++units_committed_;
  staged_commands_ = 0;
  ReleaseIfLarge(staged_);
  ReleaseIfLarge(wrapped_);
  return wait_for_durability;
}

}  // namespace basalt::cmd
