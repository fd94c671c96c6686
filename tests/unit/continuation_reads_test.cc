// ContinuationReads: the reads that continue a burst start a slice at a time, each slice
// posted behind the event loop's next poll.
#include "server/continuation_reads.h"

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <vector>

using basalt::server::ContinuationReads;

namespace {

struct FakeReader final : ContinuationReads::Reader {
  int id = 0;
  bool is_closed = false;
  std::vector<int>* started = nullptr;
  bool closed() const override { return is_closed; }
  void StartDeferredRead() override { started->push_back(id); }
};

// The event loop's queue, reduced to what was posted and not yet run.
struct FakeLoop {
  std::vector<std::function<void()>> posted;
  ContinuationReads::Post Poster() {
    return [this](std::function<void()> fn) { posted.push_back(std::move(fn)); };
  }
  // Runs what was posted so far (what is posted meanwhile waits for the next call).
  void RunPosted() {
    std::vector<std::function<void()>> now;
    now.swap(posted);
    for (auto& fn : now) fn();
  }
};

std::vector<std::shared_ptr<FakeReader>> MakeReaders(int n, std::vector<int>& started) {
  std::vector<std::shared_ptr<FakeReader>> readers;
  for (int i = 0; i < n; ++i) {
    auto r = std::make_shared<FakeReader>();
    r->id = i;
    r->started = &started;
    readers.push_back(r);
  }
  return readers;
}

// A loop, and slices of 16 reads of 1 KB each.
struct SixteenPerSlice {
  FakeLoop loop;
  ContinuationReads reads{loop.Poster(), [] { return size_t{1024}; }, 16 * 1024};
  std::vector<int> started;
};

}  // namespace

TEST_SUITE("continuation_reads") {
  TEST_CASE("a slice starts as many reads as its bytes allow, never fewer than the minimum") {
    FakeLoop loop;
    ContinuationReads reads(loop.Poster(), [] { return size_t{48 * 1024}; });
    CHECK(reads.ReadsPerSlice(48 * 1024) == ContinuationReads::kSliceBytes / (48 * 1024));
    CHECK(reads.ReadsPerSlice(16 * 1024 * 1024) == ContinuationReads::kMinReadsPerSlice);
    CHECK(reads.ReadsPerSlice(0) == ContinuationReads::kSliceBytes);
  }

  TEST_CASE("reads are deferred only while many clients are busy") {
    CHECK_FALSE(ContinuationReads::Defers(0));
    CHECK_FALSE(ContinuationReads::Defers(50));
    CHECK_FALSE(ContinuationReads::Defers(ContinuationReads::kMinBusyToDefer - 1));
    CHECK(ContinuationReads::Defers(ContinuationReads::kMinBusyToDefer));
    CHECK(ContinuationReads::Defers(1000));
  }

  TEST_CASE("reads wait for the posted slice, then start in order, a slice per poll") {
    SixteenPerSlice f;
    auto& [loop, reads, started] = f;
    auto readers = MakeReaders(40, started);
    for (auto& r : readers) reads.Add(r);
    CHECK(started.empty());          // nothing starts inside Add
    CHECK(loop.posted.size() == 1);  // one slice posted, however many wait
    CHECK(reads.waiting() == 40);

    loop.RunPosted();
    REQUIRE(started.size() == 16);
    for (int i = 0; i < 16; ++i) CHECK(started[i] == i);
    CHECK(loop.posted.size() == 1);  // the rest go in the next slice, behind the next poll

    loop.RunPosted();
    CHECK(started.size() == 32);
    loop.RunPosted();
    CHECK(started.size() == 40);
    CHECK(started.back() == 39);
    CHECK(loop.posted.empty());  // nothing left: no slice posted
    CHECK(reads.waiting() == 0);
  }

  TEST_CASE("a reader that closed while waiting is dropped, not started") {
    SixteenPerSlice f;
    auto& [loop, reads, started] = f;
    auto readers = MakeReaders(3, started);
    for (auto& r : readers) reads.Add(r);
    readers[1]->is_closed = true;
    loop.RunPosted();
    CHECK(started == std::vector<int>{0, 2});
  }

  TEST_CASE("a reader added while a slice runs waits for the next slice") {
    SixteenPerSlice f;
    auto& [loop, reads, started] = f;
    auto readers = MakeReaders(2, started);
    auto late = std::make_shared<FakeReader>();
    late->id = 99;
    late->started = &started;
    struct AddsOnStart final : ContinuationReads::Reader {
      ContinuationReads* reads;
      std::shared_ptr<FakeReader> late;
      bool closed() const override { return false; }
      void StartDeferredRead() override { reads->Add(late); }
    };
    auto adder = std::make_shared<AddsOnStart>();
    adder->reads = &reads;
    adder->late = late;
    reads.Add(readers[0]);
    reads.Add(adder);
    reads.Add(readers[1]);
    loop.RunPosted();
    CHECK(started == std::vector<int>{0, 1});
    CHECK(loop.posted.size() == 1);
    loop.RunPosted();
    CHECK(started == std::vector<int>{0, 1, 99});
  }

  TEST_CASE("the read cap is asked again at each slice") {
    FakeLoop loop;
    size_t cap = 1024;
    ContinuationReads reads(
        loop.Poster(), [&cap] { return cap; }, 32 * 1024);  // 32, then 16
    std::vector<int> started;
    auto readers = MakeReaders(60, started);
    for (auto& r : readers) reads.Add(r);
    loop.RunPosted();
    CHECK(started.size() == 32);
    cap = 64 * 1024;  // bigger reads now: the minimum applies
    loop.RunPosted();
    CHECK(started.size() == 32 + ContinuationReads::kMinReadsPerSlice);
  }
}
