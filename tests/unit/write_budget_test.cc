// WriteBudget: how much of a connection's pending output one turn of the loop writes.
#include "server/write_budget.h"

#include <doctest/doctest.h>

using basalt::server::WriteBudget;

TEST_SUITE("write_budget") {
  TEST_CASE("output up to the cap plus its tail goes out whole") {
    CHECK(WriteBudget::Allowance(0, false) == 0);
    CHECK(WriteBudget::Allowance(100, false) == 100);
    CHECK(WriteBudget::Allowance(WriteBudget::kPerTurn, false) == WriteBudget::kPerTurn);
    // A 64 KB value's reply ($65536\r\n...\r\n) is not split for its last bytes.
    CHECK(WriteBudget::Allowance(65536 + 9, false) == 65536 + 9);
    const size_t edge = WriteBudget::kPerTurn + WriteBudget::kTail;
    CHECK(WriteBudget::Allowance(edge, false) == edge);
  }

  TEST_CASE("past the tail, one turn writes the cap and the rest waits") {
    const size_t edge = WriteBudget::kPerTurn + WriteBudget::kTail;
    CHECK(WriteBudget::Allowance(edge + 1, false) == WriteBudget::kPerTurn);
    CHECK(WriteBudget::Allowance(16 * 16393, false) == WriteBudget::kPerTurn);  // -P 16 of 16 KB
    CHECK(WriteBudget::Allowance(size_t{1} << 30, false) == WriteBudget::kPerTurn);
  }

  TEST_CASE("replicas and a server above maxmemory are not capped") {
    CHECK(WriteBudget::Allowance(16 * 16393, true) == 16 * 16393);
    CHECK(WriteBudget::Allowance(size_t{1} << 30, true) == size_t{1} << 30);
  }
}
