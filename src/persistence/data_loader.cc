#include "persistence/data_loader.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "commands/command_table.h"
#include "commands/core.h"
#include "commands/keyspace_events.h"
#include "common/clock.h"
#include "common/file_util.h"
#include "common/memory.h"
#include "persistence/aof_loader.h"
#include "persistence/aof_manager.h"
#include "persistence/byte_io.h"
#include "persistence/rdb_dump.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_reader.h"

namespace basalt::persistence {

namespace {

// The same error, its message prefixed with the file it is about (the code is kept: a
// corrupt file and a type basalt cannot hold yet are different problems).
Status WithFileName(const Status& st, const std::string& path) {
  std::string msg = "Error loading " + path + ": " + st.message();
  switch (st.code()) {
    case Status::Code::kNotSupported:
      return Status::NotSupported(msg);
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(msg);
    case Status::Code::kIoError:
      return Status::IoError(msg);
    default:
      return Status::Corruption(msg);
  }
}

// Logs loading progress at most once a second.
class ProgressLog {
 public:
  explicit ProgressLog(int64_t total_bytes) : total_(total_bytes), last_(MonotonicUs()) {}
  void Report(uint64_t bytes, uint64_t keys) {
    int64_t now = MonotonicUs();
    if (now - last_ < 1'000'000) return;
    last_ = now;
    double pct = total_ > 0 ? 100.0 * static_cast<double>(bytes) / static_cast<double>(total_) : 0;
    spdlog::info("Loading: {} keys, {:.1f} MB ({:.1f}%)", keys,
                 static_cast<double>(bytes) / (1024.0 * 1024.0), pct);
  }

 private:
  int64_t total_;
  int64_t last_;
};

// Runs AOF commands against the keyspace being loaded, with a command table and dispatcher of
// its own (the live ones belong to the event loop thread).
class ReplayContext {
 public:
  ReplayContext(const config::Config& config, const Clock& clock, store::Keyspace& target,
                DatasetLoadResult* result)
      : config_(config), core_(target, config_, clock), result_(result) {
    session_.authenticated = true;
    // The file is the dataset: refusing a command for memory (OOM) would silently drop data
    // that the next snapshot or rewrite then loses for good. Redis's loading skips the check.
    config_.settings().maxmemory = 0;
    core_.context().dump_format = &DumpFormatInstance();
  }

  Status Execute(std::span<const std::string_view> argv) {
    const cmd::CommandSpec* spec = core_.commands().Find(argv[0]);
    if (spec == nullptr) {
      return Status::Corruption("Unknown command '" + std::string(argv[0].substr(0, 128)) +
                                "' reading the append only file");
    }
    // FUNCTION LOAD, DELETE, FLUSH and RESTORE change the function libraries, which live in
    // the engine's interpreter: the engine replays them after the load.
    if (spec->name == "function") {
      result_->function_commands.emplace_back(argv.begin(), argv.end());
      return Status::Ok();
    }
    // Redis 7 and basalt log a script's effects; only an AOF of Redis 6 or older holds the
    // scripts themselves, and the replay has no interpreter: stop rather than drop them.
    if (spec->group == "scripting") {
      return Status::NotSupported("'" + std::string(argv[0].substr(0, 128)) +
                                  "' in the append only file: scripts are not replayed (an AOF "
                                  "written by Redis 6 or older)");
    }
    reply_.clear();
    protocol::ReplyWriter writer(&reply_);
    core_.dispatcher().Execute(session_, argv, writer);
    return Status::Ok();
  }

 private:
  config::Config config_;
  cmd::Core core_;
  DatasetLoadResult* result_;
  cmd::ClientSession session_;
  std::string reply_;
};

Status Cancelled() { return Status::Busy("loading stopped: the server is shutting down"); }

Status LoadRdbFile(const std::string& path, const Clock& clock, store::Keyspace& target,
                   bool skip_expired, DatasetLoadResult* result, const std::atomic<bool>* cancel) {
  std::unique_ptr<FileSource> source;
  if (Status st = FileSource::Open(path, &source); !st.ok()) return st;
  ProgressLog progress(source->size());
  RdbLoadOptions options;
  options.skip_expired = skip_expired;
  options.now_ms = clock.NowMs();
  options.reader.progress = [&](uint64_t bytes, uint64_t keys) {
    if (cancel != nullptr && cancel->load()) return Cancelled();
    progress.Report(bytes, keys);
    return Status::Ok();
  };
  RdbLoadStats stats;
  Status st = LoadRdb(source.get(), &target, options, &stats);
  result->keys_loaded += stats.keys_loaded;
  result->expired_skipped += stats.expired_skipped;
  result->bytes += stats.read.bytes_read;
  if (!st.ok()) return WithFileName(st, path);
  for (std::string& code : stats.function_libraries) {
    result->function_libraries.push_back(std::move(code));
  }
  result->repl_id = stats.read.aux.repl_id;
  result->repl_offset = stats.read.aux.repl_offset;
  result->repl_stream_db = static_cast<int>(std::max<int64_t>(stats.read.aux.repl_stream_db, 0));
  return Status::Ok();
}

bool StartsWithRdbMagic(const std::string& path) {
  std::unique_ptr<FileSource> source;
  if (!FileSource::Open(path, &source).ok()) return false;
  char magic[rdb::kMagic.size()];
  size_t got = 0;
  if (!source->Read(magic, sizeof(magic), &got).ok() || got != sizeof(magic)) return false;
  return std::string_view(magic, sizeof(magic)) == rdb::kMagic;
}

Status LoadAof(const config::Config& config, const Clock& clock, store::Keyspace& target,
               DatasetLoadResult* result, const std::atomic<bool>* cancel) {
  const config::Settings& s = config.settings();
  const std::string manifest_path = AofManager::ManifestPath(s);
  if (!file::Exists(manifest_path)) {
    result->source = "nothing (no AOF manifest yet)";
    return Status::Ok();
  }
  std::string text;
  if (Status st = file::ReadFile(manifest_path, &text); !st.ok()) return st;
  auto manifest = AofManifest::Parse(text);
  if (!manifest.ok()) {
    return Status::Corruption(manifest_path + ": " + manifest.status().message());
  }
  const std::string dir = AofManager::DirectoryPath(s);
  ReplayContext replay(config, clock, target, result);
  auto execute = [&replay](std::span<const std::string_view> argv) { return replay.Execute(argv); };
  AofReplayStats replay_stats;
  if (manifest->base) {
    std::string base = file::JoinPath(dir, manifest->base->name);
    if (StartsWithRdbMagic(base)) {
      // Expired keys of a preamble load too; the commands after it may refer to them.
      if (Status st = LoadRdbFile(base, clock, target, false, result, cancel); !st.ok()) {
        return st;
      }
    } else {
      AofReplayOptions options;
      if (Status st = ReplayAofFile(base, options, execute, &replay_stats); !st.ok()) return st;
    }
  }
  for (size_t i = 0; i < manifest->incrs.size(); ++i) {
    std::string path = file::JoinPath(dir, manifest->incrs[i].name);
    AofReplayOptions options;
    options.allow_truncated_tail = s.aof_load_truncated && i + 1 == manifest->incrs.size();
    ProgressLog progress(file::FileSize(path).ok() ? *file::FileSize(path) : 0);
    options.progress = [&](uint64_t bytes) {
      if (cancel != nullptr && cancel->load()) return Cancelled();
      progress.Report(bytes, target.TotalKeys());
      return Status::Ok();
    };
    Status st = ReplayAofFile(path, options, execute, &replay_stats);
    if (!st.ok()) return st;
    if (replay_stats.truncated_at >= 0) {
      spdlog::warn(
          "!!! Warning: short read while loading the AOF file {}!!! AOF loaded "
          "anyway because aof-load-truncated is enabled; truncated at offset {}",
          path, replay_stats.truncated_at);
    }
  }
  result->aof_commands = replay_stats.commands;
  result->bytes += replay_stats.bytes;
  result->keys_loaded = target.TotalKeys();
  result->source = "AOF " + manifest_path;
  return Status::Ok();
}

}  // namespace

std::string RdbFilePath(const config::Settings& s) { return file::JoinPath(s.dir, s.dbfilename); }

bool HasDatasetToLoad(const config::Config& config) {
  const config::Settings& s = config.settings();
  return file::Exists(s.appendonly ? AofManager::ManifestPath(s) : RdbFilePath(s));
}

Status LoadDataset(const config::Config& config, const Clock& clock, store::Keyspace& target,
                   DatasetLoadResult* result, const std::atomic<bool>* cancel) {
  const int64_t start = MonotonicUs();
  const config::Settings& s = config.settings();
  Status st;
  if (s.appendonly) {
    st = LoadAof(config, clock, target, result, cancel);
    // An AOF's preamble is not the whole dataset: its replication fields mean nothing here.
    result->repl_id.clear();
  } else {
    const std::string path = RdbFilePath(s);
    if (file::Exists(path)) {
      result->source = "RDB " + path;
      st = LoadRdbFile(path, clock, target, true, result, cancel);
    } else {
      result->source = "nothing (no RDB file)";
    }
  }
  result->seconds = static_cast<double>(MonotonicUs() - start) / 1e6;
  return st;
}

}  // namespace basalt::persistence
