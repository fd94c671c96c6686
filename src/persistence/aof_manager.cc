#include "persistence/aof_manager.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "common/file_util.h"

namespace basalt::persistence {

namespace {

Result<int> OpenForAppend(const std::string& path, bool truncate) {
  int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return Status::IoError("open '" + path + "': " + file::ErrnoText(errno));
  return fd;
}

}  // namespace

AofManager::AofManager(AofWriterEvents events) : events_(std::move(events)) {}

AofManager::~AofManager() {
  if (Status st = Close(); !st.ok()) spdlog::warn("Closing the AOF: {}", st.message());
}

std::string AofManager::DirectoryPath(const config::Settings& s) {
  return file::JoinPath(s.dir, s.appenddirname);
}

std::string AofManager::ManifestPath(const config::Settings& s) {
  return file::JoinPath(DirectoryPath(s), AofManifestName(s.appendfilename));
}

Status AofManager::PersistManifest(const config::Settings& s, const AofManifest& m) {
  return file::WriteFileAtomically(ManifestPath(s), m.Format());
}

int64_t AofManager::ComputeFilesSize(const config::Settings& s) const {
  int64_t total = 0;
  for (const AofFileInfo& f : manifest_.incrs) {
    auto size = file::FileSize(file::JoinPath(DirectoryPath(s), f.name));
    if (size.ok()) total += *size;
  }
  return total;
}

Status AofManager::Open(const config::Settings& s, const BaseWriter& write_base) {
  const std::string dir = DirectoryPath(s);
  if (Status st = file::MakeDirectory(dir); !st.ok()) return st;
  manifest_ = AofManifest{};
  awaiting_base_ = false;
  min_base_seq_ = 1;
  if (!file::Exists(ManifestPath(s))) {
    if (Status st = CreateInitialFiles(s, write_base); !st.ok()) return st;
    return StartWriter(s);
  }
  std::string text;
  if (Status st = file::ReadFile(ManifestPath(s), &text); !st.ok()) return st;
  auto parsed = AofManifest::Parse(text);
  if (!parsed.ok()) return parsed.status();
  manifest_ = std::move(parsed.value());
  // Left listed by a crash after a rewrite committed (or by Redis): deleted now, as Redis
  // does at start.
  DeleteHistory(s);
  if (manifest_.incrs.empty()) {
    // A base alone: start an incr file and record it before any write.
    AofManifest next = manifest_;
    next.incrs.push_back({AofIncrName(s.appendfilename, next.NextIncrSeq()), next.NextIncrSeq(),
                          AofFileInfo::Type::kIncr});
    auto fd = OpenForAppend(file::JoinPath(dir, next.incrs.back().name), true);
    if (!fd.ok()) return fd.status();
    ::close(*fd);
    if (Status st = PersistManifest(s, next); !st.ok()) return st;
    manifest_ = std::move(next);
  }
  return StartWriter(s);
}

Status AofManager::CreateInitialFiles(const config::Settings& s, const BaseWriter& write_base) {
  // The base holds what was loaded (usually nothing), so the files are complete from the first
  // write on; the manifest is written last and makes them the AOF in one step.
  const std::string dir = DirectoryPath(s);
  AofManifest next;
  next.base = AofFileInfo{AofBaseName(s.appendfilename, 1, s.aof_use_rdb_preamble), 1,
                          AofFileInfo::Type::kBase};
  next.incrs.push_back({AofIncrName(s.appendfilename, 1), 1, AofFileInfo::Type::kIncr});
  const std::string temp =
      file::JoinPath(dir, "temp-rewriteaof-" + std::to_string(::getpid()) + ".aof");
  if (Status st = write_base(temp); !st.ok()) return st;
  if (Status st = file::RenameFile(temp, file::JoinPath(dir, next.base->name)); !st.ok()) {
    return st;
  }
  auto fd = OpenForAppend(file::JoinPath(dir, next.incrs.back().name), true);
  if (!fd.ok()) return fd.status();
  ::close(*fd);
  if (Status st = PersistManifest(s, next); !st.ok()) return st;
  manifest_ = std::move(next);
  spdlog::info("Creating AOF base file {} on server start", manifest_.base->name);
  return Status::Ok();
}

Status AofManager::OpenPendingRewrite(const config::Settings& s) {
  const std::string dir = DirectoryPath(s);
  if (Status st = file::MakeDirectory(dir); !st.ok()) return st;
  AofManifest old;
  if (file::Exists(ManifestPath(s))) {
    std::string text;
    if (Status st = file::ReadFile(ManifestPath(s), &text); !st.ok()) return st;
    auto parsed = AofManifest::Parse(text);
    if (parsed.ok()) old = std::move(parsed.value());
  }
  // In memory: no base yet, a fresh incr file, and every old file to be dropped on commit.
  manifest_ = AofManifest{};
  if (old.base) manifest_.history.push_back(*old.base);
  for (const AofFileInfo& f : old.incrs) manifest_.history.push_back(f);
  for (const AofFileInfo& f : old.history) manifest_.history.push_back(f);
  const int64_t seq = old.incrs.empty() ? 1 : old.NextIncrSeq();
  manifest_.incrs.push_back({AofIncrName(s.appendfilename, seq), seq, AofFileInfo::Type::kIncr});
  // Keep base numbers increasing across the switch: reusing an old base's name would let a
  // crash between the rename and the manifest update pair the old manifest with new data.
  min_base_seq_ = old.base ? old.base->seq + 1 : 1;
  auto fd = OpenForAppend(file::JoinPath(dir, manifest_.incrs.back().name), true);
  if (!fd.ok()) return fd.status();
  ::close(*fd);
  awaiting_base_ = true;
  return StartWriter(s);
}

Status AofManager::StartWriter(const config::Settings& s) {
  const std::string dir = DirectoryPath(s);
  const std::string incr_path = file::JoinPath(dir, manifest_.incrs.back().name);
  auto fd = OpenForAppend(incr_path, false);
  if (!fd.ok()) return fd.status();
  base_size_ = 0;
  if (manifest_.base) {
    auto size = file::FileSize(file::JoinPath(dir, manifest_.base->name));
    if (size.ok()) base_size_ = *size;
  }
  incr_size_at_open_ = ComputeFilesSize(s);
  size_after_rewrite_ = base_size_ + incr_size_at_open_;
  writer_ = std::make_unique<AofWriter>(events_);
  writer_->Start(*fd, incr_path, ParseFsyncPolicy(s.appendfsync), last_seq_);
  return Status::Ok();
}

Status AofManager::Close() {
  if (!writer_) return Status::Ok();
  Status st = writer_->Stop();
  last_seq_ = writer_->submitted_seq();
  writer_.reset();
  return st;
}

void AofManager::DeleteHistory(const config::Settings& s) {
  if (manifest_.history.empty()) return;
  // The dataset does not depend on these files: a failure to delete only leaves litter.
  for (const AofFileInfo& f : manifest_.history) {
    if (Status st = file::RemoveFile(file::JoinPath(DirectoryPath(s), f.name)); !st.ok()) {
      spdlog::warn("Could not remove old AOF file: {}", st.message());
    }
  }
  AofManifest next = manifest_;
  next.history.clear();
  if (Status st = PersistManifest(s, next); !st.ok()) {
    spdlog::warn("Could not drop the history from the AOF manifest: {}", st.message());
    return;
  }
  manifest_ = std::move(next);
}

int64_t AofManager::current_size() const {
  int64_t incr = incr_size_at_open_ + (writer_ ? writer_->current_file_bytes() : 0);
  return base_size_ + incr;
}

Status AofManager::BeginRewrite(const config::Settings& s, std::string* temp_path,
                                std::string* base_path) {
  const std::string dir = DirectoryPath(s);
  if (Status st = file::MakeDirectory(dir); !st.ok()) return st;
  AofManifest next = manifest_;
  if (is_open()) {
    // The snapshot is taken now, so writes from now on go to a new incr file; the older incr
    // files are covered by the new base once it commits.
    int64_t seq = next.NextIncrSeq();
    next.incrs.push_back({AofIncrName(s.appendfilename, seq), seq, AofFileInfo::Type::kIncr});
    const std::string incr_path = file::JoinPath(dir, next.incrs.back().name);
    auto fd = OpenForAppend(incr_path, true);
    if (!fd.ok()) return fd.status();
    // While awaiting the first base the manifest on disk is the old one and stays so until the
    // commit; otherwise the new incr file joins it now, so the dataset stays complete.
    if (!awaiting_base_) {
      if (Status st = PersistManifest(s, next); !st.ok()) {
        ::close(*fd);
        return st;
      }
    }
    // The old incr files stay part of the dataset until the rewrite commits.
    incr_size_at_open_ += writer_->current_file_bytes();
    writer_->SwitchFile(*fd, incr_path);
    rewrite_incr_seq_ = seq;
    manifest_ = std::move(next);
  } else {
    rewrite_incr_seq_ = INT64_MAX;  // AOF off: the rewrite produces a base alone
  }
  *temp_path = file::JoinPath(dir, "temp-rewriteaof-bg-" + std::to_string(::getpid()) + ".aof");
  rewrite_base_seq_ = std::max(manifest_.NextBaseSeq(), min_base_seq_);
  *base_path =
      file::JoinPath(dir, AofBaseName(s.appendfilename, rewrite_base_seq_, s.aof_use_rdb_preamble));
  return Status::Ok();
}

Status AofManager::CommitRewrite(const config::Settings& s, const std::string& base_path) {
  AofManifest next;
  next.base = AofFileInfo{base_path.substr(base_path.find_last_of('/') + 1), rewrite_base_seq_,
                          AofFileInfo::Type::kBase};
  std::vector<AofFileInfo> replaced;
  if (manifest_.base) replaced.push_back(*manifest_.base);
  for (const AofFileInfo& f : manifest_.incrs) {
    if (f.seq >= rewrite_incr_seq_) {
      next.incrs.push_back(f);
    } else {
      replaced.push_back(f);
    }
  }
  for (const AofFileInfo& f : manifest_.history) replaced.push_back(f);
  // The replaced files stay listed, as history, until they are deleted: a crash before the
  // deletion must not leave files that nothing would ever delete.
  next.history = std::move(replaced);
  rewrite_incr_seq_ = 0;
  if (Status st = PersistManifest(s, next); !st.ok()) return st;
  manifest_ = std::move(next);
  awaiting_base_ = false;
  DeleteHistory(s);
  auto size = file::FileSize(base_path);
  base_size_ = size.ok() ? *size : 0;
  incr_size_at_open_ = 0;  // the only incr file left is the writer's current one
  size_after_rewrite_ = current_size();
  return Status::Ok();
}

void AofManager::AbortRewrite() { rewrite_incr_seq_ = 0; }

}  // namespace basalt::persistence
