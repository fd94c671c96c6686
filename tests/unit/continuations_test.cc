// Continuations: the reads and writes that continue a burst run a slice at a time, each slice
// posted behind the event loop's next poll.
#include "server/continuations.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

using basalt::server::Continuations;
using Step = Continuations::Step;

namespace {

// What a fake client ran: its id and the step.
using Ran = std::vector<std::pair<int, Step>>;

struct FakeClient final : Continuations::Client {
  int id = 0;
  bool is_closed = false;
  Ran* ran = nullptr;
  std::function<void()> then;  // what the step goes on to do (run the loop, say)
  bool closed() const override { return is_closed; }
  void Continue(Step step) override {
    ran->emplace_back(id, step);
    if (then) then();
  }
};

// The event loop's queue, reduced to what was posted and not yet run.
struct FakeLoop {
  std::vector<std::function<void()>> posted;
  Continuations::Post Poster() {
    return [this](std::function<void()> fn) { posted.push_back(std::move(fn)); };
  }
  // Runs what was posted so far (what is posted meanwhile waits for the next call).
  void RunPosted() {
    std::vector<std::function<void()>> now;
    now.swap(posted);
    for (auto& fn : now) fn();
  }
};

std::vector<std::shared_ptr<FakeClient>> MakeClients(int n, Ran& ran) {
  std::vector<std::shared_ptr<FakeClient>> clients;
  for (int i = 0; i < n; ++i) {
    auto c = std::make_shared<FakeClient>();
    c->id = i;
    c->ran = &ran;
    clients.push_back(c);
  }
  return clients;
}

std::vector<int> Ids(const Ran& ran) {
  std::vector<int> ids;
  for (const auto& [id, step] : ran) ids.push_back(id);
  return ids;
}

// A loop, and slices of 16 reads of 1 KB each.
struct SixteenReadsPerSlice {
  FakeLoop loop;
  Continuations steps{loop.Poster(), [] { return size_t{1024}; }, 16 * 1024};
  Ran ran;
};

}  // namespace

TEST_SUITE("continuations") {
  TEST_CASE("a slice runs as many steps as its bytes allow, never fewer than the minimum") {
    FakeLoop loop;
    size_t cap = 48 * 1024;
    Continuations steps(loop.Poster(), [&cap] { return cap; });
    Ran ran;
    auto clients = MakeClients(200, ran);
    for (auto& c : clients) steps.Add(c, Step::kRead);
    loop.RunPosted();
    CHECK(ran.size() == Continuations::kSliceBytes / (48 * 1024));
    cap = 16 * 1024 * 1024;  // one read would fill a slice: the minimum applies
    ran.clear();
    loop.RunPosted();
    CHECK(ran.size() == Continuations::kMinStepsPerSlice);
    cap = 0;  // counted as one byte each
    ran.clear();
    loop.RunPosted();
    CHECK(ran.size() ==
          200 - Continuations::kSliceBytes / (48 * 1024) - Continuations::kMinStepsPerSlice);
  }

  TEST_CASE("a write counts as what one turn may write, a read as the read cap") {
    FakeLoop loop;
    const size_t write = Continuations::kWriteCost;
    Continuations steps(
        loop.Poster(), [] { return size_t{1024}; }, 10 * write + 40 * 1024);
    Ran ran;
    auto clients = MakeClients(100, ran);
    for (int i = 0; i < 10; ++i) steps.Add(clients[i], Step::kWrite);
    for (int i = 10; i < 100; ++i) steps.Add(clients[i], Step::kRead);
    loop.RunPosted();
    // The ten writes take all but 40 KB of the slice; 40 reads of 1 KB take the rest.
    CHECK(ran.size() == 50);
    CHECK(ran[0].second == Step::kWrite);
    CHECK(ran[9].second == Step::kWrite);
    CHECK(ran[10].second == Step::kRead);
  }

  TEST_CASE("reads are deferred only while many clients are busy") {
    CHECK_FALSE(Continuations::Defers(0));
    CHECK_FALSE(Continuations::Defers(50));
    CHECK_FALSE(Continuations::Defers(Continuations::kMinBusyToDefer - 1));
    CHECK(Continuations::Defers(Continuations::kMinBusyToDefer));
    CHECK(Continuations::Defers(1000));
  }

  TEST_CASE("steps wait for the posted slice, then run in order, a slice per poll") {
    SixteenReadsPerSlice f;
    auto& [loop, steps, ran] = f;
    auto clients = MakeClients(40, ran);
    for (int i = 0; i < 40; ++i) steps.Add(clients[i], i % 3 ? Step::kRead : Step::kWrite);
    CHECK(ran.empty());              // nothing runs inside Add
    CHECK(loop.posted.size() == 1);  // one slice posted, however many wait
    CHECK(steps.waiting() == 40);

    loop.RunPosted();  // 16 steps: the minimum, though the writes alone exceed the bytes
    REQUIRE(ran.size() == 16);
    for (int i = 0; i < 16; ++i) {
      CHECK(ran[i].first == i);
      CHECK(ran[i].second == (i % 3 ? Step::kRead : Step::kWrite));
    }
    CHECK(loop.posted.size() == 1);  // the rest go in the next slice, behind the next poll

    loop.RunPosted();
    CHECK(ran.size() == 32);
    loop.RunPosted();
    CHECK(ran.size() == 40);
    CHECK(ran.back().first == 39);
    CHECK(loop.posted.empty());  // nothing left: no slice posted
    CHECK(steps.waiting() == 0);
  }

  TEST_CASE("a client that closed while waiting is dropped, its step not run") {
    SixteenReadsPerSlice f;
    auto& [loop, steps, ran] = f;
    auto clients = MakeClients(3, ran);
    steps.Add(clients[0], Step::kRead);
    steps.Add(clients[1], Step::kWrite);
    steps.Add(clients[2], Step::kWrite);
    clients[1]->is_closed = true;
    loop.RunPosted();
    CHECK(Ids(ran) == std::vector<int>{0, 2});
  }

  TEST_CASE("one client may wait with a read and a write at once: both run") {
    SixteenReadsPerSlice f;
    auto& [loop, steps, ran] = f;
    auto clients = MakeClients(1, ran);
    steps.Add(clients[0], Step::kWrite);
    steps.Add(clients[0], Step::kRead);
    loop.RunPosted();
    CHECK(ran == Ran{{0, Step::kWrite}, {0, Step::kRead}});
  }

  TEST_CASE("a step added while a slice runs waits for the next slice") {
    SixteenReadsPerSlice f;
    auto& [loop, steps, ran] = f;
    auto clients = MakeClients(2, ran);
    auto late = std::make_shared<FakeClient>();
    late->id = 99;
    late->ran = &ran;
    struct AddsOnContinue final : Continuations::Client {
      Continuations* steps;
      std::shared_ptr<FakeClient> late;
      bool closed() const override { return false; }
      void Continue(Step) override { steps->Add(late, Step::kWrite); }
    };
    auto adder = std::make_shared<AddsOnContinue>();
    adder->steps = &steps;
    adder->late = late;
    steps.Add(clients[0], Step::kRead);
    steps.Add(adder, Step::kRead);
    steps.Add(clients[1], Step::kRead);
    loop.RunPosted();
    CHECK(Ids(ran) == std::vector<int>{0, 1});
    CHECK(loop.posted.size() == 1);
    loop.RunPosted();
    CHECK(Ids(ran) == std::vector<int>{0, 1, 99});
  }

  TEST_CASE("a step that turns the loop (a busy script) may empty the queue under its slice") {
    SixteenReadsPerSlice t;
    auto clients = MakeClients(21, t.ran);
    for (int i = 0; i < 20; ++i) t.steps.Add(clients[i], Step::kRead);
    // Client 0's read runs a script that turns the loop: a step added there posts a slice,
    // which runs inside this one and takes the 16 steps after it.
    clients[0]->then = [&] {
      clients[0]->then = nullptr;
      t.steps.Add(clients[20], Step::kRead);
      t.loop.RunPosted();
    };
    t.loop.RunPosted();
    // The outer slice runs the 4 steps left and stops at the empty queue.
    t.loop.RunPosted();
    std::vector<int> ids = Ids(t.ran);
    std::sort(ids.begin(), ids.end());
    std::vector<int> each_once(21);
    for (int i = 0; i < 21; ++i) each_once[i] = i;
    CHECK(ids == each_once);
    CHECK(t.steps.waiting() == 0);
  }

  TEST_CASE("the read cap is asked again at each slice") {
    FakeLoop loop;
    size_t cap = 1024;
    Continuations steps(
        loop.Poster(), [&cap] { return cap; }, 32 * 1024);  // 32, then 16
    Ran ran;
    auto clients = MakeClients(60, ran);
    for (auto& c : clients) steps.Add(c, Step::kRead);
    loop.RunPosted();
    CHECK(ran.size() == 32);
    cap = 64 * 1024;  // bigger reads now: the minimum applies
    loop.RunPosted();
    CHECK(ran.size() == 32 + Continuations::kMinStepsPerSlice);
  }
}
