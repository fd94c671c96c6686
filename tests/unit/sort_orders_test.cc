// The sorts whose orders Redis's replies show (common/sort_orders.h): the merge sort keeps
// ties in input order and tolerates an inconsistent comparator; the partial quicksort orders
// exactly the ranks asked for, and leaves the rest as a permutation.
#include "common/sort_orders.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

using namespace basalt;

namespace {

// (key, input position): sorting by key alone shows what happened to ties.
using Item = std::pair<int, int>;

int ByKey(const Item& a, const Item& b) { return a.first < b.first ? -1 : a.first > b.first; }

std::vector<Item> RandomItems(std::mt19937& rng, int n, int distinct) {
  std::vector<Item> v;
  for (int i = 0; i < n; ++i) v.emplace_back(static_cast<int>(rng() % distinct), i);
  return v;
}

}  // namespace

TEST_SUITE("sort orders") {
  TEST_CASE("the merge sort is the stable sort") {
    std::mt19937 rng(7);
    for (int n : {0, 1, 2, 7, 40, 41, 100, 1000}) {
      std::vector<Item> v = RandomItems(rng, n, 5);
      std::vector<Item> expected = v;
      std::stable_sort(expected.begin(), expected.end(),
                       [](const Item& a, const Item& b) { return a.first < b.first; });
      MergeSortLikeLibc(v, ByKey);
      CHECK(v == expected);
    }
  }

  TEST_CASE("the merge sort takes the left element when the comparator says less both ways") {
    std::vector<Item> v{{1, 0}, {0, 1}, {2, 2}};
    MergeSortLikeLibc(v, [](const Item&, const Item&) { return -1; });
    CHECK(v == std::vector<Item>{{1, 0}, {0, 1}, {2, 2}});
  }

  TEST_CASE("the partial quicksort orders the ranks asked for and keeps every element") {
    std::mt19937 rng(11);
    for (int round = 0; round < 300; ++round) {
      const int n = 1 + static_cast<int>(rng() % 200);
      std::vector<Item> v = RandomItems(rng, n, round % 2 ? 1000000 : 6);
      const size_t keep = 1 + rng() % n;
      std::vector<Item> sorted = v;
      std::sort(sorted.begin(), sorted.end());
      PartialQuicksortLikeRedis(v, ByKey, 0, keep - 1);
      for (size_t i = 0; i < keep; ++i) CHECK(v[i].first == sorted[i].first);
      std::vector<Item> all = v;
      std::sort(all.begin(), all.end());
      CHECK(all == sorted);
    }
  }

  TEST_CASE("the partial quicksort is not stable: Bentley-McIlroy moves equal keys") {
    std::vector<Item> v;
    for (int i = 0; i < 20; ++i) v.emplace_back(i == 0 ? 1 : 0, i);
    PartialQuicksortLikeRedis(v, ByKey, 0, 4);
    for (int i = 0; i < 5; ++i) CHECK(v[i].first == 0);
    bool reordered = false;
    for (int i = 1; i < 5; ++i) reordered = reordered || v[i].second < v[i - 1].second;
    CHECK(reordered);
  }
}
