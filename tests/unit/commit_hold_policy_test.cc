// CommitHoldPolicy: when the next AOF batch waits for the clients the last one released.
#include "server/commit_hold_policy.h"

#include <doctest/doctest.h>

using basalt::server::CommitHoldPolicy;

namespace {

// One cycle: `released` clients released, `returned` of them back before the next release.
void Cycle(CommitHoldPolicy& p, size_t released, size_t returned) {
  p.OnRelease(released);
  for (size_t i = 0; i < returned; ++i) p.OnReturn();
}

// Releases `released` clients and reports whether the batch waits before any of them is back.
bool WaitsAfterRelease(CommitHoldPolicy& p, size_t released) {
  p.OnRelease(released);
  return p.ShouldWait();
}

}  // namespace

TEST_SUITE("commit hold policy") {
  TEST_CASE("clients that all come back are waited for, until the last one is back") {
    CommitHoldPolicy p;
    CHECK_FALSE(p.ShouldWait());  // nothing released yet
    p.OnRelease(3);
    CHECK(p.ShouldWait());
    p.OnReturn();
    p.OnReturn();
    CHECK(p.ShouldWait());
    p.OnReturn();
    CHECK_FALSE(p.ShouldWait());
    for (int i = 0; i < 20; ++i) Cycle(p, 50, 50);
    CHECK(p.return_share() == doctest::Approx(1.0));
    CHECK(WaitsAfterRelease(p, 50));
  }

  TEST_CASE("handing a batch over ends the cycle's wait; later returns still count") {
    // A client released and then idle must not make every later batch of a client that keeps
    // pipelining (and so is never released entirely) wait.
    CommitHoldPolicy p;
    p.OnRelease(2);
    CHECK(p.ShouldWait());
    p.OnSubmit();
    CHECK_FALSE(p.ShouldWait());
    p.OnReturn();
    p.OnReturn();
    p.OnRelease(2);  // the share measured in the cycle includes the returns after the submit
    CHECK(p.return_share() == doctest::Approx(1.0));
    CHECK(p.ShouldWait());
  }

  TEST_CASE("a release of no client never waits") {
    CommitHoldPolicy p;
    CHECK_FALSE(WaitsAfterRelease(p, 0));
  }

  TEST_CASE("clients that do not come back (a connection pool) stop being waited for") {
    CommitHoldPolicy p;
    for (int i = 0; i < 10; ++i) Cycle(p, 1, 0);
    CHECK(p.return_share() < CommitHoldPolicy::kMinReturnShare);
    // From now on only one cycle in kProbeEvery waits.
    int waits = 0;
    const int cycles = 8 * static_cast<int>(CommitHoldPolicy::kProbeEvery);
    for (int i = 0; i < cycles; ++i) {
      if (WaitsAfterRelease(p, 1)) ++waits;
    }
    CHECK(waits == cycles / static_cast<int>(CommitHoldPolicy::kProbeEvery));
  }

  TEST_CASE("a share of clients that come back sets how many returns a batch waits for") {
    CommitHoldPolicy p;
    for (int i = 0; i < 40; ++i) Cycle(p, 50, 45);  // five idle clients in every cycle
    CHECK(p.return_share() == doctest::Approx(0.9).epsilon(0.01));
    p.OnRelease(50);
    for (int i = 0; i < 44; ++i) p.OnReturn();
    CHECK(p.ShouldWait());
    p.OnReturn();  // the 45th: as many as usually come back
    CHECK_FALSE(p.ShouldWait());
  }

  TEST_CASE("clients that start coming back again are waited for again") {
    CommitHoldPolicy p;
    for (int i = 0; i < 10; ++i) Cycle(p, 4, 0);
    REQUIRE(p.return_share() < CommitHoldPolicy::kMinReturnShare);
    for (int i = 0; i < 10; ++i) Cycle(p, 4, 4);
    CHECK(p.return_share() >= CommitHoldPolicy::kMinReturnShare);
    CHECK(WaitsAfterRelease(p, 4));
  }
}
