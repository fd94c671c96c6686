// ReadBudget: how much one read of a connection may take, given the connections a turn serves.
#include "server/read_budget.h"

#include <doctest/doctest.h>

using basalt::server::ReadBudget;

TEST_SUITE("read_budget") {
  TEST_CASE("a few connections a turn read as much as their pipelines hold") {
    CHECK(ReadBudget::PerRead(0) == ReadBudget::kPerTurn);
    CHECK(ReadBudget::PerRead(1) == ReadBudget::kPerTurn);
    CHECK(ReadBudget::PerRead(200) > 64 * 1024);  // a -P 16 batch of 16 KB SETs is 262 KB
  }

  TEST_CASE("many connections a turn share the turn's budget, down to a floor") {
    CHECK(ReadBudget::PerRead(256) == 64 * 1024);
    CHECK(ReadBudget::PerRead(512) == ReadBudget::kMinPerRead);
    CHECK(ReadBudget::PerRead(1000) == ReadBudget::kMinPerRead);
    CHECK(ReadBudget::PerRead(100000) == ReadBudget::kMinPerRead);
  }
}
