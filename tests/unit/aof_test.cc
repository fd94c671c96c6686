// AOF building blocks: the manifest, replay of RESP command files (torn and corrupt tails),
// and the writer's SELECT handling and file switch.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "commands/write_stream.h"
#include "common/file_util.h"
#include "persistence/aof_loader.h"
#include "persistence/aof_manifest.h"
#include "persistence/aof_writer.h"
#include "protocol/command_encoder.h"

using namespace basalt;
using namespace basalt::persistence;

namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/basalt-aof-test-XXXXXX";
  return mkdtemp(tmpl);
}

std::string Cmd(std::vector<std::string_view> argv) {
  std::string out;
  protocol::AppendCommand(out, argv);
  return out;
}

// Replays `path`, collecting each command as a space-joined line.
Status Replay(const std::string& path, bool allow_torn, std::vector<std::string>* lines,
              AofReplayStats* stats) {
  AofReplayOptions options;
  options.allow_truncated_tail = allow_torn;
  return ReplayAofFile(
      path, options,
      [&](std::span<const std::string_view> argv) {
        std::string line;
        for (auto a : argv) line += (line.empty() ? "" : " ") + std::string(a);
        lines->push_back(line);
        return Status::Ok();
      },
      stats);
}

void WriteFile(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(file::WriteFully(fd, data, path).ok());
  ::close(fd);
}

}  // namespace

TEST_SUITE("aof manifest") {
  TEST_CASE("formats and parses Redis 7's manifest lines") {
    AofManifest m;
    m.base = AofFileInfo{"appendonly.aof.1.base.rdb", 1, AofFileInfo::Type::kBase};
    m.incrs.push_back({"appendonly.aof.1.incr.aof", 1, AofFileInfo::Type::kIncr});
    m.incrs.push_back({"appendonly.aof.2.incr.aof", 2, AofFileInfo::Type::kIncr});
    std::string text = m.Format();
    CHECK(text ==
          "file appendonly.aof.1.base.rdb seq 1 type b\n"
          "file appendonly.aof.1.incr.aof seq 1 type i\n"
          "file appendonly.aof.2.incr.aof seq 2 type i\n");
    auto parsed = AofManifest::Parse(text);
    REQUIRE(parsed.ok());
    CHECK(parsed->base->name == "appendonly.aof.1.base.rdb");
    CHECK(parsed->incrs.size() == 2);
    CHECK(parsed->NextIncrSeq() == 3);
    CHECK(parsed->NextBaseSeq() == 2);
  }

  TEST_CASE("replaced files are listed as history whatever they were") {
    // A rewrite's commit lists the old base and incr files as history until they are deleted;
    // a crash in between must leave a manifest the next start accepts, with one base.
    AofManifest m;
    m.base = AofFileInfo{"appendonly.aof.3.base.rdb", 3, AofFileInfo::Type::kBase};
    m.history.push_back({"appendonly.aof.2.base.rdb", 2, AofFileInfo::Type::kBase});
    m.history.push_back({"appendonly.aof.2.incr.aof", 2, AofFileInfo::Type::kIncr});
    m.incrs.push_back({"appendonly.aof.3.incr.aof", 3, AofFileInfo::Type::kIncr});
    CHECK(m.Format() ==
          "file appendonly.aof.3.base.rdb seq 3 type b\n"
          "file appendonly.aof.2.base.rdb seq 2 type h\n"
          "file appendonly.aof.2.incr.aof seq 2 type h\n"
          "file appendonly.aof.3.incr.aof seq 3 type i\n");
    auto parsed = AofManifest::Parse(m.Format());
    REQUIRE(parsed.ok());
    CHECK(parsed->base->name == "appendonly.aof.3.base.rdb");
    CHECK(parsed->history.size() == 2);
    CHECK(parsed->incrs.size() == 1);
  }

  TEST_CASE("names with spaces survive a round trip") {
    AofManifest m;
    m.incrs.push_back({"my file.aof", 1, AofFileInfo::Type::kIncr});
    auto parsed = AofManifest::Parse(m.Format());
    REQUIRE(parsed.ok());
    CHECK(parsed->incrs[0].name == "my file.aof");
  }

  TEST_CASE("malformed manifests are rejected with the line number") {
    CHECK_FALSE(AofManifest::Parse("").ok());
    auto bad = AofManifest::Parse("file a seq 1 type b\nfile b seq x type i\n");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message().find("line 2") != std::string::npos);
    CHECK_FALSE(AofManifest::Parse("file a seq 1 type z\n").ok());
    CHECK_FALSE(AofManifest::Parse("file a seq 1\n").ok());
    CHECK_FALSE(AofManifest::Parse("file ../x seq 1 type i\n").ok());
    CHECK_FALSE(AofManifest::Parse("file a seq 1 type b\nfile b seq 2 type b\n").ok());
    CHECK(AofManifest::Parse("# comment\nfile a seq 1 type i\n").ok());
  }
}

TEST_SUITE("aof replay") {
  TEST_CASE("replays every command of a well-formed file") {
    std::string dir = TempDir();
    std::string path = dir + "/a.aof";
    WriteFile(path, Cmd({"SELECT", "0"}) + Cmd({"SET", "k", "v\r\n"}) + Cmd({"DEL", "k"}));
    std::vector<std::string> lines;
    AofReplayStats stats;
    REQUIRE(Replay(path, false, &lines, &stats).ok());
    CHECK(lines == std::vector<std::string>{"SELECT 0", "SET k v\r\n", "DEL k"});
    CHECK(stats.truncated_at == -1);
  }

  TEST_CASE("a torn last command at every byte offset is cut off when allowed") {
    std::string dir = TempDir();
    const std::string whole = Cmd({"SET", "a", "1"}) + Cmd({"SET", "b", "2"});
    const size_t first_len = Cmd({"SET", "a", "1"}).size();
    for (size_t cut = first_len + 1; cut < whole.size(); ++cut) {
      std::string path = dir + "/torn.aof";
      WriteFile(path, whole.substr(0, cut));
      std::vector<std::string> lines;
      AofReplayStats stats;
      Status st = Replay(path, true, &lines, &stats);
      INFO("cut at " << cut);
      REQUIRE(st.ok());
      CHECK(lines == std::vector<std::string>{"SET a 1"});
      CHECK(stats.truncated_at == static_cast<int64_t>(first_len));
      CHECK(*file::FileSize(path) == static_cast<int64_t>(first_len));

      // Refused when not allowed, with the file and offset named.
      WriteFile(path, whole.substr(0, cut));
      lines.clear();
      AofReplayStats strict;
      st = Replay(path, false, &lines, &strict);
      CHECK_FALSE(st.ok());
      CHECK(st.message().find(path) != std::string::npos);
      CHECK(st.message().find("offset " + std::to_string(first_len)) != std::string::npos);
    }
  }

  TEST_CASE("garbage before the tail is corruption, never skipped") {
    std::string dir = TempDir();
    std::string path = dir + "/bad.aof";
    std::string data = Cmd({"SET", "a", "1"}) + "xyz\r\n" + Cmd({"SET", "b", "2"});
    WriteFile(path, data);
    std::vector<std::string> lines;
    AofReplayStats stats;
    Status st = Replay(path, true, &lines, &stats);
    CHECK(st.IsCorruption());
    const std::string at = "offset " + std::to_string(Cmd({"SET", "a", "1"}).size());
    CHECK(st.message().find(at) != std::string::npos);

    WriteFile(path, Cmd({"SET", "a", "1"}) + "*2\r\n$3\r\nGET\r\n:1\r\n");
    CHECK(Replay(path, true, &lines, &stats).IsCorruption());
  }

  TEST_CASE("an error from a command aborts the replay with its offset") {
    std::string dir = TempDir();
    std::string path = dir + "/e.aof";
    WriteFile(path, Cmd({"SET", "a", "1"}) + Cmd({"NOPE"}));
    AofReplayStats stats;
    Status st = ReplayAofFile(
        path, {},
        [](std::span<const std::string_view> argv) {
          return argv[0] == "NOPE" ? Status::Corruption("Unknown command 'NOPE'") : Status::Ok();
        },
        &stats);
    CHECK(st.IsCorruption());
    CHECK(st.message().find("NOPE") != std::string::npos);
  }
}

TEST_SUITE("aof writer") {
  TEST_CASE("WriteFullyV writes every piece in order, beyond IOV_MAX pieces") {
    std::string dir = TempDir();
    std::string path = dir + "/v.aof";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    std::vector<std::string> storage;
    std::string expected;
    for (int i = 0; i < 3000; ++i) {
      storage.push_back(i % 7 == 0 ? std::string() : std::to_string(i) + ",");
      expected += storage.back();
    }
    std::vector<std::string_view> pieces(storage.begin(), storage.end());
    REQUIRE(file::WriteFullyV(fd, pieces, path).ok());
    ::close(fd);
    std::string got;
    REQUIRE(file::ReadFile(path, &got).ok());
    CHECK(got == expected);
  }

  TEST_CASE("many batches queued together land in order") {
    std::string dir = TempDir();
    std::string path = dir + "/many.aof";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    AofWriter writer({});
    writer.Start(fd, path, FsyncPolicy::kEverySec);
    std::string expected;
    for (int i = 0; i < 500; ++i) {
      std::string v = std::to_string(i);
      std::string_view set[] = {"SET", "k", v};
      writer.Append(0, set);
      if (i == 0) expected += Cmd({"SELECT", "0"});
      expected += Cmd({"SET", "k", v});
      writer.Submit();
    }
    REQUIRE(writer.Stop().ok());
    std::string got;
    REQUIRE(file::ReadFile(path, &got).ok());
    CHECK(got == expected);
  }

  TEST_CASE("writes commands with SELECT on database changes and switches files") {
    std::string dir = TempDir();
    std::string first = dir + "/1.aof", second = dir + "/2.aof";
    int fd1 = ::open(first.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int fd2 = ::open(second.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    uint64_t durable = 0;
    AofWriter writer({.on_durable = [&](uint64_t seq) { durable = seq; }});
    writer.Start(fd1, first, FsyncPolicy::kAlways);
    std::string_view set[] = {"SET", "k", "v"};
    writer.Append(0, set);
    writer.Append(0, set);
    writer.Append(3, set);
    uint64_t seq = writer.Submit();
    REQUIRE(writer.WaitDurable(seq).ok());
    CHECK(writer.durable_seq() >= seq);
    writer.SwitchFile(fd2, second);
    writer.Append(3, set);
    writer.Submit();
    REQUIRE(writer.Stop().ok());
    std::string a, b;
    REQUIRE(file::ReadFile(first, &a).ok());
    REQUIRE(file::ReadFile(second, &b).ok());
    CHECK(a == Cmd({"SELECT", "0"}) + Cmd({"SET", "k", "v"}) + Cmd({"SET", "k", "v"}) +
                   Cmd({"SELECT", "3"}) + Cmd({"SET", "k", "v"}));
    // A new file begins with its own SELECT, so it replays correctly on its own.
    CHECK(b == Cmd({"SELECT", "3"}) + Cmd({"SET", "k", "v"}));
    CHECK(durable >= seq);
  }

  TEST_CASE("a write-stream unit is selected by its start database and leaves its end one") {
    std::string dir = TempDir();
    std::string path = dir + "/u.aof";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    AofWriter writer({});
    writer.Start(fd, path, FsyncPolicy::kNo);
    const std::string unit = Cmd({"MULTI"}) + Cmd({"SET", "a", "1"}) + Cmd({"SELECT", "2"}) +
                             Cmd({"SET", "b", "1"}) + Cmd({"EXEC"});
    writer.AppendUnit(0, 2, unit);
    writer.AppendUnit(2, 2, Cmd({"DEL", "b"}));  // already in 2: no SELECT
    writer.AppendUnit(0, 0, Cmd({"DEL", "a"}));
    writer.Submit();
    REQUIRE(writer.Stop().ok());
    std::string got;
    REQUIRE(file::ReadFile(path, &got).ok());
    CHECK(got == Cmd({"SELECT", "0"}) + unit + Cmd({"DEL", "b"}) + Cmd({"SELECT", "0"}) +
                     Cmd({"DEL", "a"}));
  }

  TEST_CASE("a submit with nothing new covers the batch a file switch took along") {
    // A rewrite starting in the same loop turn as a client's write hands that write to the
    // writer with its file switch; the client must still wait for it, so the loop's own
    // submit returns that batch, not 0.
    std::string dir = TempDir();
    std::string first = dir + "/1.aof", second = dir + "/2.aof";
    int fd1 = ::open(first.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int fd2 = ::open(second.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    AofWriter writer({});
    writer.Start(fd1, first, FsyncPolicy::kAlways);
    std::string_view set[] = {"SET", "k", "v"};
    writer.Append(0, set);
    writer.SwitchFile(fd2, second);
    CHECK_FALSE(writer.pending());
    const uint64_t seq = writer.Submit();
    CHECK(seq == 1);
    REQUIRE(writer.WaitDurable(seq).ok());
    CHECK(writer.durable_seq() >= 1);
    REQUIRE(writer.Stop().ok());
    std::string a;
    REQUIRE(file::ReadFile(first, &a).ok());
    CHECK(a == Cmd({"SELECT", "0"}) + Cmd({"SET", "k", "v"}));
  }

  TEST_CASE("a writer that replaces another continues its batch numbers") {
    std::string dir = TempDir();
    std::string path = dir + "/1.aof";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    uint64_t reported = 0;
    AofWriter writer({.on_durable = [&](uint64_t seq) { reported = seq; }});
    writer.Start(fd, path, FsyncPolicy::kAlways, 41);
    CHECK(writer.submitted_seq() == 41);
    CHECK(writer.durable_seq() == 41);
    std::string_view set[] = {"SET", "k", "v"};
    writer.Append(0, set);
    const uint64_t seq = writer.Submit();
    CHECK(seq == 42);
    REQUIRE(writer.WaitDurable(seq).ok());
    REQUIRE(writer.Stop().ok());
    CHECK(reported == 42);
    CHECK(writer.last_fsync_duration_us() >= 0);
  }
}
