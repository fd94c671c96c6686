#include "replication/full_sync.h"

#include <algorithm>

#include "common/strings.h"

namespace basalt::replication {

namespace {
constexpr size_t kEofMarkLen = 40;  // Redis's RDB_EOF_MARK_SIZE
}

FullSync::FullSync(std::vector<Target> targets)
    : targets_(std::move(targets)), eof_mark_(RandomHex(kEofMarkLen)) {}

void FullSync::Begin() {
  // Each loop runs over a copy: a Deliver that passes a replica's output limit closes it at
  // once, and the close drops it from targets_ (its object lives until the loop turn ends).
  const std::vector<Target> targets = targets_;
  for (const Target& t : targets) {
    if (t.eof_framing) t.client->Deliver("$EOF:" + eof_mark_ + "\r\n");
  }
}

Status FullSync::Append(std::string_view data) {
  bytes_ += data.size();
  const std::vector<Target> targets = targets_;
  for (const Target& t : targets) {
    if (t.eof_framing) t.client->Deliver(data);
  }
  if (any_length_framed()) held_.append(data);
  return Status::Ok();
}

void FullSync::Finish() {
  const std::vector<Target> targets = targets_;
  for (const Target& t : targets) {
    if (t.eof_framing) {
      t.client->Deliver(eof_mark_);
    } else {
      t.client->Deliver("$" + std::to_string(held_.size()) + "\r\n");
      t.client->Deliver(held_);
    }
  }
  held_.clear();
  held_.shrink_to_fit();
}

void FullSync::Drop(const cmd::ClientSession& client) {
  std::erase_if(targets_, [&](const Target& t) { return t.client == &client; });
}

size_t FullSync::largest_backlog() const {
  size_t most = 0;
  for (const Target& t : targets_) most = std::max(most, t.client->output_buffer_size());
  return most;
}

bool FullSync::any_length_framed() const {
  return std::any_of(targets_.begin(), targets_.end(),
                     [](const Target& t) { return !t.eof_framing; });
}

}  // namespace basalt::replication
