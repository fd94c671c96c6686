// The append-only file in Redis 7's multi-part layout: the directory, its manifest, the writer
// of the current incr file, and the file side of a rewrite.
//
// A rewrite keeps the dataset complete at every instant:
//   1. BeginRewrite: a new incr file is created and added to the manifest (persisted), and the
//      writer switches to it. From here on, writes land in the new incr file.
//   2. The snapshot of the keyspace as of step 1 is written to a temp file (SnapshotJob).
//   3. CommitRewrite: the temp file becomes the new base; the manifest is replaced by
//      {new base, new incr, old files as history}; the old files are deleted, then the
//      manifest is persisted once more without them (a crash in between leaves them listed as
//      history, and Open deletes them).
// If 2 fails or the process dies, the manifest of step 1 (old base, old incrs, new incr) is
// still complete: nothing acknowledged is lost, nothing is applied twice.
//
// A manifest that cannot be written leaves the one before it in force. When only the final
// directory fsync failed, the new manifest is visible but a crash may still undo it: then
// both are complete, so no file either names is deleted until a later manifest is durable,
// and no new file takes such a file's name (a manifest would then be paired with data written
// for another: replayed twice, or missing).
#pragma once

#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "basalt/status.h"
#include "common/file_util.h"
#include "config/settings.h"
#include "persistence/aof_manifest.h"
#include "persistence/aof_writer.h"

namespace basalt::persistence {

class AofManager {
 public:
  explicit AofManager(AofWriterEvents events);
  ~AofManager();

  // Paths derived from the settings.
  static std::string DirectoryPath(const config::Settings& s);
  static std::string ManifestPath(const config::Settings& s);

  // Writes the current dataset to `path` (a temp file) durably, synchronously.
  using BaseWriter = std::function<Status(const std::string& path)>;

  // Opens the AOF for appending after the dataset was loaded and starts the writer thread:
  // - with a manifest: appends to its last incr file (one is created if it has none);
  // - without one (a fresh AOF): writes base 1 from the loaded dataset with `write_base`, then
  //   the manifest {base 1, incr 1}, as Redis 7 does at start.
  Status Open(const config::Settings& s, const BaseWriter& write_base);
  // Turning appendonly on at runtime: the files on disk do not hold the dataset, so writes go
  // to a new incr file that the manifest names only once a rewrite has produced the base to
  // go with it (see CommitRewrite). Until then a crash leaves the old manifest in force.
  Status OpenPendingRewrite(const config::Settings& s);
  // True between OpenPendingRewrite and the commit of the rewrite that completes it.
  bool awaiting_base() const { return awaiting_base_; }
  // Drains, fsyncs and closes (shutdown, or appendonly turned off).
  Status Close();
  bool is_open() const { return writer_ && writer_->running(); }
  bool has_base() const { return manifest_.base.has_value(); }

  AofWriter& writer() { return *writer_; }
  const AofWriter& writer() const { return *writer_; }
  const AofManifest& manifest() const { return manifest_; }

  // Step 1 of a rewrite (see above). Returns the path the new base should be written to as a
  // temp file, and the final base path, via out-params. On failure (the new incr file or the
  // manifest naming it could not be made) the writer goes on in its current file and nothing
  // of the attempt is left in use.
  Status BeginRewrite(const config::Settings& s, std::string* temp_path, std::string* base_path);
  // Step 3, after the new base file is durable at base_path. Deletes replaced files. On
  // failure the rewrite is over: the manifest of step 1 stays in force and the new base is
  // dropped (see above).
  Status CommitRewrite(const config::Settings& s, const std::string& base_path);
  // Abandons a rewrite whose base could not be made: the manifest of step 1 stays in force;
  // a base left at base_path by a failed finish is removed.
  void AbortRewrite(const config::Settings& s, const std::string& base_path);
  bool rewrite_in_progress() const { return rewrite_incr_seq_ > 0; }

  // Tests: replaces file::WriteFileAtomically for the manifest, to make it fail.
  using ManifestWriter =
      std::function<Status(const std::string& path, std::string_view text, bool* replaced)>;
  void set_manifest_writer_for_testing(ManifestWriter fn) { manifest_writer_ = std::move(fn); }

  // Closes the descriptor of a replaced file once its name is gone, off the event loop: the
  // last close is what frees its blocks (Redis's bg_unlink). By default it is closed at once.
  void set_background_close(std::function<void(int fd)> fn) { background_close_ = std::move(fn); }

  // Sizes for auto-rewrite and INFO.
  int64_t base_size() const { return base_size_; }
  int64_t current_size() const;
  int64_t size_after_last_rewrite() const { return size_after_rewrite_; }

 private:
  // *replaced: see file::WriteFileAtomically.
  Status PersistManifest(const config::Settings& s, const AofManifest& m, bool* replaced = nullptr);
  // BeginRewrite with the AOF open: a new incr file, in the manifest, and the writer on it.
  Status SwitchToNewIncr(const config::Settings& s);
  // A file made for an attempt that failed: removed, unless a manifest on disk may name it
  // (maybe_listed) or it cannot be removed; then it joins the history (see above).
  void DropUnlistedFile(const config::Settings& s, const std::string& name, int64_t seq,
                        bool maybe_listed);
  // The first number from `seq` on that names no history file (as a base, or an incr file).
  int64_t FreeSeq(const config::Settings& s, int64_t seq, bool base) const;
  Status CreateInitialFiles(const config::Settings& s, const BaseWriter& write_base);
  Status StartWriter(const config::Settings& s);
  // Deletes the manifest's history files, then persists the manifest without them.
  void DeleteHistory(const config::Settings& s);
  int64_t ComputeFilesSize(const config::Settings& s) const;

  AofWriterEvents events_;
  ManifestWriter manifest_writer_ = [](const std::string& path, std::string_view text,
                                       bool* replaced) {
    return file::WriteFileAtomically(path, text, replaced);
  };
  std::function<void(int fd)> background_close_ = [](int fd) { ::close(fd); };
  std::unique_ptr<AofWriter> writer_;
  uint64_t last_seq_ = 0;  // the last batch of a closed writer: the next one continues from it
  AofManifest manifest_;
  int64_t rewrite_incr_seq_ = 0;  // > 0 while a rewrite is in progress
  bool awaiting_base_ = false;    // manifest_ (in memory) is ahead of the one on disk
  int64_t min_base_seq_ = 1;      // no base number below this may be (re)used
  int64_t rewrite_base_seq_ = 0;  // sequence of the base the running rewrite writes
  int64_t base_size_ = 0;
  int64_t incr_size_at_open_ = 0;  // bytes in incr files before the writer started
  int64_t size_after_rewrite_ = 0;
};

}  // namespace basalt::persistence
