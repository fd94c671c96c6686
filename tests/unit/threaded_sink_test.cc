// The writer thread behind a background snapshot's file: bytes arrive whole and in order, the
// producer never waits for a stalled target until the queue's cap, and errors come back.
#include "persistence/threaded_sink.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "persistence/snapshot_encoders.h"
#include "persistence/snapshotter.h"
#include "store/keyspace.h"

using basalt::Status;
using basalt::persistence::ByteSink;
using basalt::persistence::FileSink;
using basalt::persistence::RdbEncoder;
using basalt::persistence::Snapshotter;
using basalt::persistence::StringSink;
using basalt::persistence::ThreadedSink;

namespace {

constexpr ThreadedSink::Limits kSmall{
    .block_bytes = 4096, .behind_bytes = 16384, .max_queued_bytes = 32768};

// A target whose writes wait until the test lets a number of them through.
class GatedSink : public ByteSink {
 public:
  Status Append(std::string_view data) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return allowed_ > 0; });
    --allowed_;
    ++written_;
    out_.append(data);
    cv_.notify_all();
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  uint64_t bytes_written() const override { return out_.size(); }
  void Allow(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    allowed_ += n;
    cv_.notify_all();
  }
  int written() {
    std::lock_guard<std::mutex> lock(mu_);
    return written_;
  }
  std::string out() {
    std::lock_guard<std::mutex> lock(mu_);
    return out_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int allowed_ = 0;
  int written_ = 0;
  std::string out_;
};

class FailingSink : public ByteSink {
 public:
  Status Append(std::string_view) override { return Status::IoError("No space left on device"); }
  Status Flush() override { return Status::Ok(); }
  uint64_t bytes_written() const override { return 0; }
};

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace

TEST_CASE("threaded sink: appends of any size arrive whole and in order") {
  const std::string data = RandomBytes(200'000, 7);
  for (size_t step : {1ul, 7ul, 4095ul, 4096ul, 4097ul, 50'000ul, 200'000ul}) {
    CAPTURE(step);
    StringSink target;
    ThreadedSink sink(&target, kSmall);
    for (size_t at = 0; at < data.size(); at += step) {
      REQUIRE(sink.Append(std::string_view(data).substr(at, step)).ok());
    }
    CHECK(sink.bytes_written() == data.size());
    REQUIRE(sink.Finish().ok());
    CHECK(target.contents() == data);
    CHECK(sink.Finish().ok());  // idempotent
    CHECK(!sink.Append("x").ok());
  }
}

TEST_CASE("threaded sink: Sync waits for every byte, then the target is idle") {
  StringSink target;
  ThreadedSink sink(&target, kSmall);
  const std::string data = RandomBytes(10'000, 3);
  REQUIRE(sink.Append(data).ok());
  REQUIRE(sink.Sync().ok());
  CHECK(target.contents() == data);  // the partial last block too
  REQUIRE(sink.Append("tail").ok());
  REQUIRE(sink.Finish().ok());
  CHECK(target.contents() == data + "tail");
}

TEST_CASE("threaded sink: a stalled target does not hold the producer before the cap") {
  GatedSink target;
  ThreadedSink sink(&target, kSmall);
  const std::string block(kSmall.block_bytes, 'b');
  // Nothing is written, yet the producer goes on: the blocks queue.
  for (int i = 0; i < 3; ++i) REQUIRE(sink.Append(block).ok());
  CHECK_FALSE(sink.behind());
  REQUIRE(sink.Append(block).ok());  // 16 KB queued
  CHECK(sink.behind());
  CHECK(target.written() == 0);
  for (int i = 0; i < 4; ++i) REQUIRE(sink.Append(block).ok());  // up to the 32 KB cap

  SUBCASE("at the cap, Append waits until a block is written") {
    std::atomic<int> written_at_return{-1};
    std::thread producer([&] {
      REQUIRE(sink.Append(block).ok());
      written_at_return = target.written();
    });
    target.Allow(1);
    producer.join();
    CHECK(written_at_return.load() >= 1);
  }
  SUBCASE("behind() clears as the target catches up") {
    target.Allow(1000);
    REQUIRE(sink.Sync().ok());
    CHECK_FALSE(sink.behind());
  }
  target.Allow(1000);
  REQUIRE(sink.Finish().ok());
  CHECK(target.out().size() == sink.bytes_written());
}

TEST_CASE("threaded sink: the target's error reaches the producer, and Finish returns it") {
  FailingSink target;
  ThreadedSink sink(&target, kSmall);
  const std::string block(kSmall.block_bytes, 'e');
  Status first_error;
  for (int i = 0; i < 100 && first_error.ok(); ++i) first_error = sink.Append(block);
  // The failure is seen at a later hand-over, or at the latest by Finish.
  Status finished = sink.Finish();
  CHECK(!finished.ok());
  CHECK(finished.message().find("No space left") != std::string::npos);
  if (!first_error.ok()) CHECK(first_error.message() == finished.message());
}

TEST_CASE("threaded sink: a write error from a real file (/dev/full) fails Sync") {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;  // no such device here
  FileSink file(fd, "/dev/full");
  ThreadedSink sink(&file, kSmall);
  (void)sink.Append(std::string(100'000, 'f'));  // its error may come now or at Sync
  CHECK(!sink.Sync().ok());
}

// The composition a BGSAVE uses, with its file a pipe that nobody reads: the walk is stepped
// only while the writer is not behind (as PersistenceManager does), and no step waits in write().
TEST_CASE("threaded sink: a snapshot walk goes on while its file does not drain") {
  basalt::store::Keyspace ks(16);
  for (int i = 0; i < 20'000; ++i) {
    ks.db(i % 3).SetString("key:" + std::to_string(i), RandomBytes(100 + i % 300, i), -1);
  }
  // The same walk written straight to memory is what the pipe must carry.
  StringSink expected_sink;
  {
    RdbEncoder enc(&expected_sink, {}, {});
    Snapshotter snap(ks);
    snap.Begin(&enc);
    while (!snap.Step(0)) {
    }
    REQUIRE(snap.status().ok());
  }
  const std::string& expected = expected_sink.contents();

  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  auto file = std::make_unique<FileSink>(fds[1], "pipe");
  auto writer = std::make_unique<ThreadedSink>(
      file.get(),
      ThreadedSink::Limits{
          .block_bytes = 64 << 10, .behind_bytes = 256 << 10, .max_queued_bytes = 64 << 20});
  RdbEncoder enc(writer.get(), {}, {});
  Snapshotter snap(ks);
  snap.Begin(&enc);
  bool walked = false;
  while (!writer->behind() && !walked) walked = snap.Step(0);
  // The pipe holds 64 KB and nobody reads it, yet the walk got past 256 KB of output.
  CHECK(writer->behind());
  CHECK(writer->bytes_written() >= (256u << 10));

  std::string received;
  std::thread reader([&] {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) received.append(buf, static_cast<size_t>(n));
  });
  while (!walked) {
    if (!writer->behind()) walked = snap.Step(0);
  }
  REQUIRE(snap.status().ok());
  REQUIRE(writer->Finish().ok());
  REQUIRE(file->Close().ok());
  reader.join();
  ::close(fds[0]);
  CHECK(received.size() == expected.size());
  CHECK(received == expected);
}
