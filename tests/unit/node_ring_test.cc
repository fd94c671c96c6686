// NodeRing (a list's node sequence) against std::deque: random pushes, pops, inserts and
// erases at both ends and in the middle, through wrap-around and growth; and the memory it
// accounts.
#include "store/node_ring.h"

#include <doctest/doctest.h>

#include <deque>
#include <random>
#include <string>
#include <vector>

#include "common/memory.h"

using basalt::store::NodeRing;

TEST_SUITE("node ring") {
  TEST_CASE("random operations match std::deque") {
    std::mt19937 rng(7);
    NodeRing<std::string> ring;
    std::deque<std::string> model;
    for (int step = 0; step < 20000; ++step) {
      const std::string v = "v" + std::to_string(step);
      const size_t op = rng() % 7;
      if (op == 0) {
        ring.emplace_back(v);
        model.push_back(v);
      } else if (op == 1) {
        ring.emplace_front(v);
        model.push_front(v);
      } else if (op == 2 && !model.empty()) {
        ring.pop_back();
        model.pop_back();
      } else if (op == 3 && !model.empty()) {
        ring.pop_front();
        model.pop_front();
      } else if (op == 4) {
        const size_t at = rng() % (model.size() + 1);
        ring.insert(at, std::string(v));
        model.insert(model.begin() + static_cast<std::ptrdiff_t>(at), v);
      } else if (op == 5 && !model.empty()) {
        const size_t at = rng() % model.size();
        ring.erase(at);
        model.erase(model.begin() + static_cast<std::ptrdiff_t>(at));
      }
      REQUIRE(ring.size() == model.size());
      if (step % 97 == 0) {
        CHECK(std::vector<std::string>(ring.begin(), ring.end()) ==
              std::vector<std::string>(model.begin(), model.end()));
        CHECK(std::vector<std::string>(ring.rbegin(), ring.rend()) ==
              std::vector<std::string>(model.rbegin(), model.rend()));
      }
    }
  }

  TEST_CASE("one node takes one slot; the memory is accounted and returned") {
    const int64_t before = basalt::mem::Used();
    {
      NodeRing<std::string> ring;
      CHECK(ring.capacity() == 0);
      ring.emplace_back("a");
      CHECK(ring.capacity() == 1);
      ring.emplace_front("b");
      ring.emplace_back("c");
      CHECK(ring.capacity() == 4);
      CHECK(ring.front() == "b");
      CHECK(ring.back() == "c");
      CHECK(basalt::mem::Used() > before);
    }
    CHECK(basalt::mem::Used() == before);
  }
}
