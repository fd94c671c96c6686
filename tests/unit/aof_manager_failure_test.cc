// AofManager when its manifest cannot be written: at the first start, at a rewrite's start and
// commit, and when dropping the history. The manifest writer is replaced to fail before the
// rename (the old manifest stays) or after it (only the directory fsync failed: the new one is
// visible, but a crash may still undo it). Whatever happens, the manifest on disk names a
// complete set of files, and no file a manifest may name is deleted or reused.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "persistence/aof_manager.h"
#include "persistence/aof_manifest.h"

using namespace basalt;
using namespace basalt::persistence;

namespace {

enum class ManifestFault { kNone, kBeforeRename, kAfterRename };

struct Fixture {
  Fixture() : aof({}) {
    char tmpl[] = "/tmp/basalt-aof-manager-test-XXXXXX";
    settings.dir = mkdtemp(tmpl);
    settings.appendfsync = "no";
    aof.set_manifest_writer_for_testing(
        [this](const std::string& path, std::string_view text, bool* replaced) {
          ++manifest_writes;
          if (fault == ManifestFault::kBeforeRename) {
            *replaced = false;
            return Status::IoError("injected: manifest not renamed");
          }
          Status st = file::WriteFileAtomically(path, text, replaced);
          if (st.ok() && fault == ManifestFault::kAfterRename) {
            return Status::IoError("injected: directory fsync failed");
          }
          return st;
        });
  }
  ~Fixture() {
    CHECK(aof.Close().ok());
    std::filesystem::remove_all(settings.dir);
  }

  std::string Dir() const { return AofManager::DirectoryPath(settings); }
  std::string PathOf(const std::string& name) const { return file::JoinPath(Dir(), name); }
  Status Open() {
    return aof.Open(settings, [](const std::string& path) {
      return file::WriteFileAtomically(path, "base 1");
    });
  }
  // The manifest on disk, as a restart would read it.
  AofManifest OnDisk() const {
    std::string text;
    REQUIRE(file::ReadFile(AofManager::ManifestPath(settings), &text).ok());
    auto m = AofManifest::Parse(text);
    REQUIRE(m.ok());
    return *m;
  }
  std::set<std::string> Files() const {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(Dir())) {
      out.insert(e.path().filename().string());
    }
    return out;
  }
  // A restart loads the base and the incr files the manifest on disk names: they must exist.
  void CheckOnDiskIsComplete() const {
    AofManifest m = OnDisk();
    if (m.base) CHECK(file::Exists(PathOf(m.base->name)));
    for (const AofFileInfo& f : m.incrs) CHECK(file::Exists(PathOf(f.name)));
  }
  // Appends one command through the writer and waits until it is written.
  void Write(std::string_view value) {
    std::string_view argv[] = {"SET", "k", value};
    aof.writer().Append(0, argv);
    REQUIRE(aof.writer().WaitDurable(aof.writer().Submit()).ok());
  }
  int64_t SizeOf(const std::string& name) const { return *file::FileSize(PathOf(name)); }
  // A rewrite whose base is written (the SnapshotJob's part) and committed.
  std::string Rewrite() {
    std::string temp, base;
    REQUIRE(aof.BeginRewrite(settings, &temp, &base).ok());
    REQUIRE(file::WriteFileAtomically(base, "new base").ok());
    REQUIRE(aof.CommitRewrite(settings, base).ok());
    return base.substr(base.find_last_of('/') + 1);
  }

  config::Settings settings;
  AofManager aof;
  ManifestFault fault = ManifestFault::kNone;
  int manifest_writes = 0;
};

std::vector<std::string> Names(const std::vector<AofFileInfo>& files) {
  std::vector<std::string> out;
  for (const AofFileInfo& f : files) out.push_back(f.name);
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_SUITE("aof manager failures") {
  TEST_CASE("a manifest that cannot be written at the first start leaves no AOF files") {
    Fixture f;
    f.fault = ManifestFault::kBeforeRename;
    CHECK_FALSE(f.Open().ok());
    CHECK(f.Files().empty());
    f.fault = ManifestFault::kNone;
    REQUIRE(f.Open().ok());
    CHECK(f.OnDisk().base->name == "appendonly.aof.1.base.rdb");
    f.CheckOnDiskIsComplete();
  }

  TEST_CASE("a first start whose manifest is in place after all keeps the files it names") {
    Fixture f;
    f.fault = ManifestFault::kAfterRename;
    CHECK_FALSE(f.Open().ok());
    f.CheckOnDiskIsComplete();
    f.fault = ManifestFault::kNone;
    REQUIRE(f.Open().ok());  // the next start opens what the manifest names
    CHECK(Names(f.OnDisk().incrs) == Strings{"appendonly.aof.1.incr.aof"});
  }

  TEST_CASE("a rewrite whose start cannot write the manifest goes on in the old incr file") {
    Fixture f;
    REQUIRE(f.Open().ok());
    f.Write("1");
    const int64_t before = f.SizeOf("appendonly.aof.1.incr.aof");
    f.fault = ManifestFault::kBeforeRename;
    std::string temp, base;
    CHECK_FALSE(f.aof.BeginRewrite(f.settings, &temp, &base).ok());
    CHECK_FALSE(f.aof.rewrite_in_progress());
    CHECK_FALSE(file::Exists(f.PathOf("appendonly.aof.2.incr.aof")));  // never used: removed
    CHECK(Names(f.OnDisk().incrs) == Strings{"appendonly.aof.1.incr.aof"});
    f.Write("2");
    CHECK(f.SizeOf("appendonly.aof.1.incr.aof") > before);
    f.fault = ManifestFault::kNone;
    CHECK(f.Rewrite() == "appendonly.aof.2.base.rdb");
    CHECK(Names(f.OnDisk().incrs) == Strings{"appendonly.aof.2.incr.aof"});
    CHECK(f.Files() == std::set<std::string>{"appendonly.aof.2.base.rdb",
                                             "appendonly.aof.2.incr.aof",
                                             "appendonly.aof.manifest"});
  }

  TEST_CASE("a rewrite start whose manifest is in place after all keeps its incr file unused") {
    Fixture f;
    REQUIRE(f.Open().ok());
    f.fault = ManifestFault::kAfterRename;
    std::string temp, base;
    CHECK_FALSE(f.aof.BeginRewrite(f.settings, &temp, &base).ok());
    // The visible manifest names the new file: it stays (empty; the writer stays in incr 1,
    // which both manifests name).
    CHECK(Names(f.OnDisk().incrs) ==
          Strings{"appendonly.aof.1.incr.aof", "appendonly.aof.2.incr.aof"});
    f.CheckOnDiskIsComplete();
    f.Write("1");
    CHECK(f.SizeOf("appendonly.aof.2.incr.aof") == 0);
    CHECK(f.SizeOf("appendonly.aof.1.incr.aof") > 0);
    // The next attempt takes a new name (incr 2 may still be named by a manifest that a crash
    // brings back), then the commit drops the unused file with the replaced ones.
    f.fault = ManifestFault::kNone;
    std::string new_base = f.Rewrite();
    CHECK(Names(f.OnDisk().incrs) == Strings{"appendonly.aof.3.incr.aof"});
    CHECK(f.Files() ==
          std::set<std::string>{new_base, "appendonly.aof.3.incr.aof", "appendonly.aof.manifest"});
  }

  TEST_CASE("a commit that cannot write the manifest keeps the old one and drops the new base") {
    Fixture f;
    REQUIRE(f.Open().ok());
    std::string temp, base;
    REQUIRE(f.aof.BeginRewrite(f.settings, &temp, &base).ok());
    REQUIRE(file::WriteFileAtomically(base, "new base").ok());
    f.fault = ManifestFault::kBeforeRename;
    CHECK_FALSE(f.aof.CommitRewrite(f.settings, base).ok());
    CHECK_FALSE(f.aof.rewrite_in_progress());
    CHECK_FALSE(file::Exists(base));
    AofManifest m = f.OnDisk();
    CHECK(m.base->name == "appendonly.aof.1.base.rdb");
    CHECK(Names(m.incrs) == Strings{"appendonly.aof.1.incr.aof", "appendonly.aof.2.incr.aof"});
    f.Write("after");
    CHECK(f.SizeOf("appendonly.aof.2.incr.aof") > 0);  // the incr file of step 1 stays in use
    f.fault = ManifestFault::kNone;
    // A base number is never reused within a process.
    CHECK(f.Rewrite() == "appendonly.aof.3.base.rdb");
    f.CheckOnDiskIsComplete();
  }

  TEST_CASE("a commit whose manifest is in place after all keeps every file either names") {
    Fixture f;
    REQUIRE(f.Open().ok());
    f.Write("1");
    std::string temp, base;
    REQUIRE(f.aof.BeginRewrite(f.settings, &temp, &base).ok());
    REQUIRE(file::WriteFileAtomically(base, "new base").ok());
    f.fault = ManifestFault::kAfterRename;
    CHECK_FALSE(f.aof.CommitRewrite(f.settings, base).ok());
    // Visible: the new manifest; a crash may bring back the old one. Both must be complete.
    AofManifest m = f.OnDisk();
    CHECK(m.base->name == "appendonly.aof.2.base.rdb");
    f.CheckOnDiskIsComplete();
    for (const char* name : {"appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof",
                             "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"}) {
      CHECK_MESSAGE(file::Exists(f.PathOf(name)), name);
    }
    // The failed base is history now: the next manifest lists it so, a new base never takes
    // its name, and it goes with the next commit.
    f.fault = ManifestFault::kNone;
    std::string temp2, base2;
    REQUIRE(f.aof.BeginRewrite(f.settings, &temp2, &base2).ok());
    m = f.OnDisk();
    CHECK(m.base->name == "appendonly.aof.1.base.rdb");
    CHECK(Names(m.history) == Strings{"appendonly.aof.2.base.rdb"});
    CHECK(base2.ends_with("appendonly.aof.3.base.rdb"));
    REQUIRE(file::WriteFileAtomically(base2, "newer base").ok());
    REQUIRE(f.aof.CommitRewrite(f.settings, base2).ok());
    CHECK(f.Files() == std::set<std::string>{"appendonly.aof.3.base.rdb",
                                             "appendonly.aof.3.incr.aof",
                                             "appendonly.aof.manifest"});
  }

  TEST_CASE("a base left by a failed finish is removed when the rewrite is abandoned") {
    Fixture f;
    REQUIRE(f.Open().ok());
    std::string temp, base;
    REQUIRE(f.aof.BeginRewrite(f.settings, &temp, &base).ok());
    // The snapshot's rename succeeded, its directory fsync failed: the job failed.
    REQUIRE(file::WriteFileAtomically(base, "new base").ok());
    f.aof.AbortRewrite(f.settings, base);
    CHECK_FALSE(file::Exists(base));
    CHECK(f.OnDisk().base->name == "appendonly.aof.1.base.rdb");
    f.CheckOnDiskIsComplete();
  }

  TEST_CASE("a history the manifest cannot drop is deleted, and dropped at the next start") {
    Fixture f;
    REQUIRE(f.Open().ok());
    std::string temp, base;
    REQUIRE(f.aof.BeginRewrite(f.settings, &temp, &base).ok());
    REQUIRE(file::WriteFileAtomically(base, "new base").ok());
    // The commit's manifest is written, the one without the history is not.
    int calls = 0;
    f.aof.set_manifest_writer_for_testing(
        [&calls](const std::string& path, std::string_view text, bool* replaced) {
          if (++calls == 2) {
            *replaced = false;
            return Status::IoError("injected");
          }
          return file::WriteFileAtomically(path, text, replaced);
        });
    REQUIRE(f.aof.CommitRewrite(f.settings, base).ok());
    AofManifest m = f.OnDisk();
    CHECK(Names(m.history) == Strings{"appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof"});
    CHECK_FALSE(file::Exists(f.PathOf("appendonly.aof.1.base.rdb")));
    f.CheckOnDiskIsComplete();
    REQUIRE(f.aof.Close().ok());
    REQUIRE(f.Open().ok());
    CHECK(f.OnDisk().history.empty());
  }

  TEST_CASE("replaced files lose their names at once; their last close is left to the worker") {
    Fixture f;
    std::vector<int> held;  // what the persistence manager hands to its background worker
    f.aof.set_background_close([&held](int fd) { held.push_back(fd); });
    REQUIRE(f.Open().ok());
    f.Rewrite();
    CHECK_FALSE(file::Exists(f.PathOf("appendonly.aof.1.base.rdb")));
    CHECK_FALSE(file::Exists(f.PathOf("appendonly.aof.1.incr.aof")));
    CHECK(f.OnDisk().history.empty());
    REQUIRE(held.size() == 2);
    // Still open, so its blocks are not freed yet: the old base reads whole.
    char text[16] = {};
    CHECK(::pread(held[0], text, sizeof(text) - 1, 0) == 6);
    CHECK(std::string(text) == "base 1");
    for (int fd : held) CHECK(::close(fd) == 0);
  }

  TEST_CASE("a history file that cannot be deleted stays listed and its name is not reused") {
    Fixture f;
    REQUIRE(f.Open().ok());
    REQUIRE(f.aof.Close().ok());
    // A manifest (as a crash would leave it) with a history incr file that unlink refuses (a
    // directory), and no incr file: the incr file made at open must not take its name.
    AofManifest m;
    m.base = AofFileInfo{"appendonly.aof.1.base.rdb", 1, AofFileInfo::Type::kBase};
    m.history.push_back({"appendonly.aof.1.incr.aof", 1, AofFileInfo::Type::kHistory});
    REQUIRE(file::RemoveFile(f.PathOf("appendonly.aof.1.incr.aof")).ok());
    REQUIRE(::mkdir(f.PathOf("appendonly.aof.1.incr.aof").c_str(), 0755) == 0);
    REQUIRE(file::WriteFileAtomically(AofManager::ManifestPath(f.settings), m.Format()).ok());
    REQUIRE(f.Open().ok());
    AofManifest on_disk = f.OnDisk();
    CHECK(Names(on_disk.history) == Strings{"appendonly.aof.1.incr.aof"});
    CHECK(Names(on_disk.incrs) == Strings{"appendonly.aof.2.incr.aof"});
    f.Write("1");
    CHECK(f.SizeOf("appendonly.aof.2.incr.aof") > 0);
    REQUIRE(::rmdir(f.PathOf("appendonly.aof.1.incr.aof").c_str()) == 0);
  }
}
