// The AOF writer's failure path, with file operations that fail on demand: a failed batch is
// never reported done, nothing after it is either, a torn write is cut back, kept batches are
// written again in order by a retry, and a failed fsync waits for a rewrite.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "commands/write_stream.h"
#include "common/file_util.h"
#include "persistence/aof_writer.h"
#include "protocol/command_encoder.h"

using namespace basalt;
using namespace basalt::persistence;

namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/basalt-aoffail-XXXXXX";
  return ::mkdtemp(tmpl);
}

int OpenAppend(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

std::string ReadAll(const std::string& path) {
  std::string out;
  REQUIRE(file::ReadFile(path, &out).ok());
  return out;
}

std::string Cmd(std::vector<std::string_view> argv) {
  std::string out;
  protocol::AppendCommand(out, argv);
  return out;
}

// Real file operations, failing while armed: writes on `fail_fd` (-1: any) after writing
// `partial` bytes of them, fsyncs on `fail_sync_fd`.
class FaultyOps : public AofFileOps {
 public:
  std::atomic<bool> fail_writes{false};
  std::atomic<int> fail_write_fd{-1};
  std::atomic<size_t> partial{0};
  std::atomic<int> write_errno{ENOSPC};
  std::atomic<bool> fail_syncs{false};
  std::atomic<int> write_calls{0};

  int WriteAll(int fd, std::span<const std::string_view> pieces, size_t* written) override {
    ++write_calls;
    const int target = fail_write_fd.load();
    if (!fail_writes || (target >= 0 && target != fd)) {
      return AofFileOps::WriteAll(fd, pieces, written);
    }
    *written = 0;
    const size_t n = std::min(partial.load(), pieces.empty() ? 0 : pieces[0].size());
    if (n > 0) *written = static_cast<size_t>(::write(fd, pieces[0].data(), n));
    return write_errno;
  }
  int SyncData(int fd) override { return fail_syncs ? EIO : AofFileOps::SyncData(fd); }
};

// What the writer reported, waited for with a deadline (never a timing assertion).
struct Reports {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<AofFailure> failures;
  int recoveries = 0;
  uint64_t durable = 0;

  AofWriterEvents Events() {
    return {
        .on_durable =
            [this](uint64_t seq) {
              std::lock_guard<std::mutex> lock(mu);
              durable = seq;
              cv.notify_all();
            },
        .on_failure =
            [this](const AofFailure& f) {
              std::lock_guard<std::mutex> lock(mu);
              failures.push_back(f);
              cv.notify_all();
            },
        .on_recovered =
            [this] {
              std::lock_guard<std::mutex> lock(mu);
              ++recoveries;
              cv.notify_all();
            },
    };
  }
  template <typename Pred>
  bool WaitFor(Pred pred) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(30), pred);
  }
  size_t failure_count() {
    std::lock_guard<std::mutex> lock(mu);
    return failures.size();
  }
};

const std::string_view kSetA[] = {"SET", "a", "1"};
const std::string_view kSetB[] = {"SET", "b", "2"};
const std::string_view kSetC[] = {"SET", "c", "3"};
const std::string_view kSetD[] = {"SET", "d", "4"};

}  // namespace

TEST_SUITE("aof writer failures") {
  TEST_CASE("a failed write is cut back, kept, and written again in order by a retry") {
    const std::string path = TempDir() + "/incr.aof";
    FaultyOps ops;
    Reports reports;
    AofWriter writer(reports.Events(), &ops);
    writer.Start(OpenAppend(path), path, FsyncPolicy::kEverySec);
    writer.Append(0, kSetA);
    const uint64_t first = writer.Submit();
    REQUIRE(writer.WaitDurable(first).ok());
    const std::string good = ReadAll(path);

    // A full disk: the batch is torn after 5 bytes, then the call fails.
    ops.partial = 5;
    ops.fail_writes = true;
    writer.Append(0, kSetB);
    const uint64_t second = writer.Submit();
    Status st = writer.WaitDurable(second);
    CHECK(st.code() == Status::Code::kIoError);
    CHECK(st.message().find("No space left on device") != std::string::npos);
    REQUIRE(reports.WaitFor([&] { return !reports.failures.empty(); }));
    CHECK(reports.failures[0].error_number == ENOSPC);
    CHECK_FALSE(reports.failures[0].needs_rewrite);
    CHECK_FALSE(writer.healthy());
    CHECK(ReadAll(path) == good);  // no torn batch left in the file

    // Later batches are kept behind the failed one, not written and not reported.
    writer.Append(0, kSetC);
    const uint64_t third = writer.Submit();
    writer.RetryFailedWrite();  // still failing: proves the round with `third` ran
    REQUIRE(reports.WaitFor([&] { return reports.failures.size() >= 2; }));
    CHECK(writer.durable_seq() == first);
    CHECK(ReadAll(path) == good);

    ops.fail_writes = false;
    writer.RetryFailedWrite();
    REQUIRE(reports.WaitFor([&] { return reports.recoveries == 1 && reports.durable >= third; }));
    CHECK(writer.healthy());
    CHECK(ReadAll(path) == good + Cmd({"SET", "b", "2"}) + Cmd({"SET", "c", "3"}));
    REQUIRE(writer.Stop().ok());
  }

  TEST_CASE("without a retry nothing after a failed batch is written or reported") {
    const std::string path = TempDir() + "/incr.aof";
    FaultyOps ops;
    Reports reports;
    AofWriter writer(reports.Events(), &ops);
    writer.Start(OpenAppend(path), path, FsyncPolicy::kNo);
    ops.fail_writes = true;
    ops.write_errno = EIO;
    writer.Append(0, kSetA);
    const uint64_t first = writer.Submit();
    REQUIRE(reports.WaitFor([&] { return !reports.failures.empty(); }));
    ops.fail_writes = false;  // the disk is fine again, but nobody asked to retry
    writer.Append(0, kSetB);
    writer.Submit();
    writer.Append(0, kSetC);
    const uint64_t last = writer.Submit();
    const int calls = ops.write_calls;
    CHECK(writer.WaitDurable(last).code() == Status::Code::kIoError);
    CHECK(writer.durable_seq() < first);
    CHECK(ops.write_calls == calls);
    // Stopping makes one last attempt: everything lands, in order, once.
    REQUIRE(writer.Stop().ok());
    CHECK(ReadAll(path) == Cmd({"SELECT", "0"}) + Cmd({"SET", "a", "1"}) + Cmd({"SET", "b", "2"}) +
                               Cmd({"SET", "c", "3"}));
  }

  TEST_CASE("a failed fsync is not retried: the file waits for a rewrite's switch and commit") {
    const std::string dir = TempDir();
    const std::string first_path = dir + "/1.aof", second_path = dir + "/2.aof";
    FaultyOps ops;
    Reports reports;
    AofWriter writer(reports.Events(), &ops);
    writer.Start(OpenAppend(first_path), first_path, FsyncPolicy::kAlways);
    writer.Append(0, kSetA);
    REQUIRE(writer.WaitDurable(writer.Submit()).ok());

    ops.fail_syncs = true;
    writer.Append(0, kSetB);
    const uint64_t failed = writer.Submit();
    CHECK(writer.WaitDurable(failed).code() == Status::Code::kIoError);
    REQUIRE(reports.WaitFor([&] { return !reports.failures.empty(); }));
    CHECK(reports.failures[0].needs_rewrite);
    CHECK(reports.failures[0].error_number == EIO);
    ops.fail_syncs = false;
    const size_t first_size = ReadAll(first_path).size();

    // A retry does nothing for a suspect file; later batches wait for the switch.
    writer.Append(0, kSetC);
    writer.Submit();
    writer.RetryFailedWrite();
    writer.SwitchFile(OpenAppend(second_path), second_path);
    writer.Append(0, kSetD);
    const uint64_t after = writer.Submit();
    // The new file is written, but nothing is reported until the rewrite commits.
    const std::string expected_second = Cmd({"SELECT", "0"}) + Cmd({"SET", "d", "4"});
    for (int i = 0; i < 3000 && ReadAll(second_path) != expected_second; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(ReadAll(second_path) == expected_second);
    CHECK(ReadAll(first_path).size() == first_size);  // SET c was dropped: the base holds it
    CHECK_FALSE(writer.healthy());
    CHECK(writer.durable_seq() < after);

    writer.RewriteCommitted();
    REQUIRE(reports.WaitFor([&] { return reports.recoveries == 1 && reports.durable >= after; }));
    CHECK(writer.healthy());
    REQUIRE(writer.Stop().ok());
  }

  TEST_CASE("a failure after a rewrite's switch needs a later rewrite, not that one's commit") {
    const std::string dir = TempDir();
    const std::string p1 = dir + "/1.aof", p2 = dir + "/2.aof", p3 = dir + "/3.aof";
    FaultyOps ops;
    Reports reports;
    AofWriter writer(reports.Events(), &ops);
    writer.Start(OpenAppend(p1), p1, FsyncPolicy::kAlways);
    writer.SwitchFile(OpenAppend(p2), p2);
    ops.fail_syncs = true;
    writer.Append(0, kSetA);
    writer.Submit();
    REQUIRE(reports.WaitFor([&] { return !reports.failures.empty(); }));
    ops.fail_syncs = false;
    writer.RewriteCommitted();  // the rewrite that switched to 2.aof snapshotted before SET a
    writer.Append(0, kSetB);
    const uint64_t seq = writer.Submit();
    CHECK(writer.WaitDurable(seq).code() == Status::Code::kIoError);
    writer.SwitchFile(OpenAppend(p3), p3);
    writer.RewriteCommitted();
    REQUIRE(reports.WaitFor([&] { return reports.recoveries == 1 && reports.durable >= seq; }));
    REQUIRE(writer.Stop().ok());
  }

  TEST_CASE("a switch while writes fail drops the kept batches for the rewrite's base") {
    const std::string dir = TempDir();
    const std::string p1 = dir + "/1.aof", p2 = dir + "/2.aof";
    FaultyOps ops;
    Reports reports;
    AofWriter writer(reports.Events(), &ops);
    const int fd1 = OpenAppend(p1);
    writer.Start(fd1, p1, FsyncPolicy::kEverySec);
    ops.fail_write_fd = fd1;
    ops.fail_writes = true;
    writer.Append(0, kSetA);
    writer.Submit();
    REQUIRE(reports.WaitFor([&] { return !reports.failures.empty(); }));
    CHECK_FALSE(reports.failures[0].needs_rewrite);
    writer.SwitchFile(OpenAppend(p2), p2);
    writer.Append(0, kSetB);
    const uint64_t seq = writer.Submit();
    CHECK(writer.WaitDurable(seq).code() == Status::Code::kIoError);
    // From the switch on only a rewrite can recover: the loop is told, in case this one fails.
    REQUIRE(reports.WaitFor([&] { return reports.failures.back().needs_rewrite; }));
    writer.RewriteCommitted();
    REQUIRE(reports.WaitFor([&] { return reports.recoveries == 1 && reports.durable >= seq; }));
    REQUIRE(writer.Stop().ok());
    CHECK(ReadAll(p1).empty());
    CHECK(ReadAll(p2) == Cmd({"SELECT", "0"}) + Cmd({"SET", "b", "2"}));
  }

  TEST_CASE("stopping with batches that cannot be written reports it") {
    const std::string path = TempDir() + "/incr.aof";
    FaultyOps ops;
    Reports reports;
    AofWriter writer(reports.Events(), &ops);
    writer.Start(OpenAppend(path), path, FsyncPolicy::kEverySec);
    ops.fail_writes = true;
    writer.Append(0, kSetA);
    writer.Submit();
    const Status st = writer.Stop();
    CHECK(st.code() == Status::Code::kIoError);
    CHECK(ReadAll(path).empty());
  }
}
