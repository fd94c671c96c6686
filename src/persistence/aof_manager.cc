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

Status AofManager::PersistManifest(const config::Settings& s, const AofManifest& m,
                                   bool* replaced) {
  bool ignored = false;
  return manifest_writer_(ManifestPath(s), m.Format(), replaced ? replaced : &ignored);
}

void AofManager::DropUnlistedFile(const config::Settings& s, const std::string& name, int64_t seq,
                                  bool maybe_listed) {
  const std::string path = file::JoinPath(DirectoryPath(s), name);
  if (!maybe_listed) {
    Status st = file::RemoveFile(path);
    if (st.ok()) return;
    spdlog::warn("Could not remove unused AOF file: {}", st.message());
  }
  // A manifest on disk may name it (or it could not be removed): listed as history, it is
  // deleted once a later manifest without it is durable, and no new file takes its name.
  if (std::none_of(manifest_.history.begin(), manifest_.history.end(),
                   [&](const AofFileInfo& f) { return f.name == name; })) {
    manifest_.history.push_back({name, seq, AofFileInfo::Type::kHistory});
  }
}

int64_t AofManager::FreeSeq(const config::Settings& s, int64_t seq, bool base) const {
  // Deleting the history would delete a new file that took a history file's name.
  auto listed = [&](int64_t n) {
    return std::any_of(manifest_.history.begin(), manifest_.history.end(), [&](const auto& f) {
      return base ? f.name == AofBaseName(s.appendfilename, n, true) ||
                        f.name == AofBaseName(s.appendfilename, n, false)
                  : f.name == AofIncrName(s.appendfilename, n);
    });
  };
  while (listed(seq)) ++seq;
  return seq;
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
    const int64_t seq = FreeSeq(s, next.NextIncrSeq(), false);
    next.incrs.push_back({AofIncrName(s.appendfilename, seq), seq, AofFileInfo::Type::kIncr});
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
  const std::string base_path = file::JoinPath(dir, next.base->name);
  const std::string incr_path = file::JoinPath(dir, next.incrs.back().name);
  const std::string temp =
      file::JoinPath(dir, "temp-rewriteaof-" + std::to_string(::getpid()) + ".aof");
  Status st = write_base(temp);
  if (st.ok()) {
    st = file::RenameFile(temp, base_path);
    // The rename's failure is what matters; a temp file left is swept at the next start.
    if (!st.ok()) (void)file::RemoveFile(temp);
  }
  if (st.ok()) {
    auto fd = OpenForAppend(incr_path, true);
    if (fd.ok()) ::close(*fd);
    st = fd.status();
  }
  bool replaced = false;
  if (st.ok()) st = PersistManifest(s, next, &replaced);
  if (!st.ok()) {
    // Without the manifest these files are nobody's (the next start makes them afresh over
    // any left here); with it in place after all (only the directory fsync failed) they are
    // the AOF.
    if (!replaced) {
      (void)file::RemoveFile(base_path);
      (void)file::RemoveFile(incr_path);
    }
    return st;
  }
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
  const int64_t seq = FreeSeq(s, old.NextIncrSeq(), false);
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
  // The manifest listing these files as history must be durable before they go: a crash must
  // not bring back an older manifest that still needs them (Open reads a manifest whose
  // rename a failed directory fsync may not have made durable).
  if (Status st = file::SyncDirectory(DirectoryPath(s)); !st.ok()) {
    spdlog::warn("Not removing old AOF files yet: {}", st.message());
    return;
  }
  // The dataset does not depend on these files: a failure to delete only leaves litter, still
  // listed so that a later attempt deletes it and no new file takes its name meanwhile.
  AofManifest next = manifest_;
  next.history.clear();
  for (const AofFileInfo& f : manifest_.history) {
    const std::string path = file::JoinPath(DirectoryPath(s), f.name);
    if (Status st = file::RemoveFileFreeingLater(path, background_close_); !st.ok()) {
      spdlog::warn("Could not remove old AOF file: {}", st.message());
      next.history.push_back(f);
    }
  }
  if (next.history.size() == manifest_.history.size()) return;
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
  if (is_open()) {
    if (Status st = SwitchToNewIncr(s); !st.ok()) return st;
  } else {
    rewrite_incr_seq_ = INT64_MAX;  // AOF off: the rewrite produces a base alone
  }
  *temp_path = file::JoinPath(dir, "temp-rewriteaof-bg-" + std::to_string(::getpid()) + ".aof");
  // A base number is never used twice by one process: a failed attempt's base may still be
  // named by a manifest on disk (see CommitRewrite), and a crash must never pair a manifest
  // with a base written for another one.
  rewrite_base_seq_ = FreeSeq(s, std::max(manifest_.NextBaseSeq(), min_base_seq_), true);
  min_base_seq_ = rewrite_base_seq_ + 1;
  *base_path =
      file::JoinPath(dir, AofBaseName(s.appendfilename, rewrite_base_seq_, s.aof_use_rdb_preamble));
  return Status::Ok();
}

Status AofManager::SwitchToNewIncr(const config::Settings& s) {
  // The snapshot is taken now, so writes from now on go to a new incr file; the older incr
  // files are covered by the new base once it commits.
  AofManifest next = manifest_;
  const int64_t seq = FreeSeq(s, next.NextIncrSeq(), false);
  next.incrs.push_back({AofIncrName(s.appendfilename, seq), seq, AofFileInfo::Type::kIncr});
  const std::string incr_path = file::JoinPath(DirectoryPath(s), next.incrs.back().name);
  auto fd = OpenForAppend(incr_path, true);
  if (!fd.ok()) return fd.status();
  // While awaiting the first base the manifest on disk is the old one and stays so until the
  // commit; otherwise the new incr file joins it now, so the dataset stays complete.
  if (!awaiting_base_) {
    bool replaced = false;
    if (Status st = PersistManifest(s, next, &replaced); !st.ok()) {
      ::close(*fd);
      // Writes stay in the current incr file, which every manifest that may be on disk lists;
      // the new one was never written.
      DropUnlistedFile(s, next.incrs.back().name, seq, replaced);
      return st;
    }
  }
  // The old incr files stay part of the dataset until the rewrite commits.
  incr_size_at_open_ += writer_->current_file_bytes();
  writer_->SwitchFile(*fd, incr_path);
  rewrite_incr_seq_ = seq;
  manifest_ = std::move(next);
  return Status::Ok();
}

Status AofManager::CommitRewrite(const config::Settings& s, const std::string& base_path) {
  AofManifest next;
  next.base = AofFileInfo{base_path.substr(base_path.find_last_of('/') + 1), rewrite_base_seq_,
                          AofFileInfo::Type::kBase};
  std::vector<AofFileInfo> replaced_files;
  if (manifest_.base) replaced_files.push_back(*manifest_.base);
  for (const AofFileInfo& f : manifest_.incrs) {
    if (f.seq >= rewrite_incr_seq_) {
      next.incrs.push_back(f);
    } else {
      replaced_files.push_back(f);
    }
  }
  for (const AofFileInfo& f : manifest_.history) replaced_files.push_back(f);
  // The replaced files stay listed, as history, until they are deleted: a crash before the
  // deletion must not leave files that nothing would ever delete.
  next.history = std::move(replaced_files);
  rewrite_incr_seq_ = 0;
  bool replaced = false;
  if (Status st = PersistManifest(s, next, &replaced); !st.ok()) {
    // The manifest of BeginRewrite stays in force, complete (the writer's incr file is in
    // it). The new base goes, unless the manifest naming it is in place after all (only its
    // directory fsync failed): both manifests are complete, so every file stays until a later
    // manifest is durable.
    DropUnlistedFile(s, next.base->name, next.base->seq, replaced);
    return st;
  }
  manifest_ = std::move(next);
  awaiting_base_ = false;
  DeleteHistory(s);
  auto size = file::FileSize(base_path);
  base_size_ = size.ok() ? *size : 0;
  incr_size_at_open_ = 0;  // the only incr file left is the writer's current one
  size_after_rewrite_ = current_size();
  return Status::Ok();
}

void AofManager::AbortRewrite(const config::Settings& s, const std::string& base_path) {
  rewrite_incr_seq_ = 0;
  // A failed finish may have renamed the base into place (its directory fsync failed). No
  // manifest names it (its number is new), so it is only litter.
  if (!base_path.empty() && file::Exists(base_path)) {
    const std::string name = base_path.substr(base_path.find_last_of('/') + 1);
    DropUnlistedFile(s, name, rewrite_base_seq_, false);
  }
}

}  // namespace basalt::persistence
