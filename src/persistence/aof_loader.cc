#include "persistence/aof_loader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "protocol/input_buffer.h"
#include "protocol/request_parser.h"

namespace basalt::persistence {

namespace {

constexpr size_t kReadChunk = 1 << 20;

// AOF files come from us (or Redis): no client limits apply to what they contain.
protocol::ParserLimits AofLimits() {
  protocol::ParserLimits limits;
  limits.max_bulk_len = INT64_MAX / 2;
  limits.max_multibulk_len = INT32_MAX;
  return limits;
}

Status BadFormat(const std::string& origin, uint64_t offset, std::string_view why) {
  return Status::Corruption("Bad file format reading the append only file " + origin +
                            " at offset " + std::to_string(offset) + ": " + std::string(why));
}

// Redis logs a transaction - and a write command together with the DEL of the expired key it
// touched - as MULTI ... EXEC. The commands in between are held until EXEC, so a file that
// ends inside a transaction (a crash in the middle of it) applies none of them: the tail is
// then torn from the MULTI on, as Redis reverts it.
struct Transaction {
  bool open = false;
  uint64_t start = 0;  // file offset of the MULTI
  std::vector<std::vector<std::string>> queued;
};

// Runs one complete command, or queues it / runs the queue at MULTI and EXEC.
Status RunCommand(std::span<const std::string_view> args, uint64_t offset,
                  const std::string& origin, const AofCommandFn& execute, Transaction& tx,
                  AofReplayStats* stats) {
  auto failed = [&](const Status& st, uint64_t at) {
    return Status::Corruption(st.message() + " in " + origin + " at offset " + std::to_string(at));
  };
  if (EqualsIgnoreCase(args[0], "multi")) {
    if (tx.open) return BadFormat(origin, offset, "MULTI inside MULTI");
    tx.open = true;
    tx.start = offset;
    return Status::Ok();
  }
  if (EqualsIgnoreCase(args[0], "exec")) {
    if (!tx.open) return BadFormat(origin, offset, "EXEC without MULTI");
    for (const std::vector<std::string>& queued : tx.queued) {
      std::vector<std::string_view> argv(queued.begin(), queued.end());
      if (Status st = execute(argv); !st.ok()) return failed(st, tx.start);
      ++stats->commands;
    }
    tx = Transaction{};
    return Status::Ok();
  }
  if (tx.open) {
    tx.queued.emplace_back(args.begin(), args.end());
    return Status::Ok();
  }
  if (Status st = execute(args); !st.ok()) return failed(st, offset);
  ++stats->commands;
  return Status::Ok();
}

// Parses and executes every complete command at the front of `input`. Returns the number of
// bytes consumed; stops at an incomplete command. `base_offset` is the file offset of input[0].
Result<size_t> ReplayComplete(std::string_view input, uint64_t base_offset,
                              protocol::RequestParser& parser, const std::string& origin,
                              const AofCommandFn& execute, Transaction& tx, AofReplayStats* stats) {
  size_t pos = 0;
  while (pos < input.size()) {
    std::string_view rest = input.substr(pos);
    if (rest[0] == '#') {  // annotation line (Redis 7 timestamps); skip it whole
      size_t nl = rest.find('\n');
      if (nl == std::string_view::npos) break;
      pos += nl + 1;
      continue;
    }
    if (rest[0] != '*') return BadFormat(origin, base_offset + pos, "expected '*'");
    auto r = parser.Parse(rest);
    if (r == protocol::RequestParser::Result::kNeedMore) break;
    if (r == protocol::RequestParser::Result::kError) {
      return BadFormat(origin, base_offset + pos, parser.error());
    }
    if (!parser.args().empty()) {
      Status st = RunCommand(parser.args(), base_offset + pos, origin, execute, tx, stats);
      if (!st.ok()) return st;
    }
    pos += parser.consumed();
  }
  return pos;
}

}  // namespace

Status ReplayAofBytes(std::string_view data, const std::string& origin, const AofCommandFn& execute,
                      AofReplayStats* stats) {
  protocol::ParserLimits limits = AofLimits();
  protocol::RequestParser parser(&limits);
  Transaction tx;
  auto consumed = ReplayComplete(data, 0, parser, origin, execute, tx, stats);
  if (!consumed.ok()) return consumed.status();
  stats->bytes += *consumed;
  if (*consumed != data.size()) {
    return BadFormat(origin, *consumed, "unexpected end of file");
  }
  if (tx.open) return BadFormat(origin, tx.start, "unexpected end of file inside MULTI/EXEC");
  return Status::Ok();
}

Status ReplayAofFile(const std::string& path, const AofReplayOptions& options,
                     const AofCommandFn& execute, AofReplayStats* stats) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("open '" + path + "': " + file::ErrnoText(errno));
  protocol::ParserLimits limits = AofLimits();
  protocol::RequestParser parser(&limits);
  protocol::InputBuffer input;
  uint64_t offset = 0;  // file offset of input.readable()[0]
  uint64_t last_progress = 0;
  Transaction tx;
  Status result = Status::Ok();
  while (true) {
    std::span<char> space = input.PrepareWrite(kReadChunk);
    ssize_t n = ::read(fd, space.data(), space.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      result = Status::IoError("read '" + path + "': " + file::ErrnoText(errno));
      break;
    }
    if (n == 0) break;
    input.CommitWrite(static_cast<size_t>(n));
    auto consumed = ReplayComplete(input.readable(), offset, parser, path, execute, tx, stats);
    if (!consumed.ok()) {
      result = consumed.status();
      break;
    }
    // The parser resumes mid-request from offsets relative to the request start, which stays
    // at the front of the buffer after Consume.
    input.Consume(*consumed);
    offset += *consumed;
    if (options.progress && offset - last_progress >= (1u << 20)) {
      last_progress = offset;
      result = options.progress(offset);
      if (!result.ok()) break;
    }
  }
  ::close(fd);
  stats->bytes += offset;
  if (!result.ok() || (input.size() == 0 && !tx.open)) return result;
  // Bytes remain that do not form a whole command, or a transaction lacks its EXEC: a torn
  // tail, from the unfinished command or from the MULTI on.
  const uint64_t cut = tx.open ? tx.start : offset;
  if (!options.allow_truncated_tail) {
    return BadFormat(path, cut,
                     tx.open ? "unexpected end of file inside MULTI/EXEC; set "
                               "aof-load-truncated yes to start with it reverted"
                             : "unexpected end of file (torn last command); set "
                               "aof-load-truncated yes to start with it cut off");
  }
  if (::truncate(path.c_str(), static_cast<off_t>(cut)) != 0) {
    return Status::IoError("truncate '" + path + "': " + file::ErrnoText(errno));
  }
  stats->truncated_at = static_cast<int64_t>(cut);
  return Status::Ok();
}

}  // namespace basalt::persistence
