// The two sorts whose orders Redis replies show, for commands whose comparator has ties (or is
// no strict weak ordering at all): the same input must come out in the same order as from
// redis-server, and std::sort / std::stable_sort promise a different one.
//
//  - MergeSortLikeLibc: glibc 2.36's qsort, a top-down merge sort (first half n/2 elements)
//    that takes the left element when cmp(left, right) <= 0. Stable for a consistent
//    comparator, and defined for an inconsistent one (NaN distances compare "less" both ways).
//  - PartialQuicksortLikeRedis: Redis's pqsort, Bentley & McIlroy's quicksort ("Engineering a
//    Sort Function", 1993, as in BSD libc) that only recurses into partitions overlapping the
//    ranks [lo, hi], so only those ranks end up in order. Not stable.
//
// `cmp(a, b)` returns a negative, zero or positive int, as C's qsort comparators do.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace basalt {

template <typename T, typename Cmp>
void MergeSortLikeLibc(std::vector<T>& v, Cmp cmp) {
  if (v.size() < 2) return;
  std::vector<T> scratch(v.size());
  // Sorts v[from, from + n) using scratch[from, from + n).
  auto sort = [&](auto& self, size_t from, size_t n) -> void {
    if (n <= 1) return;
    const size_t n1 = n / 2;
    const size_t n2 = n - n1;
    self(self, from, n1);
    self(self, from + n1, n2);
    size_t left = from, right = from + n1, out = from;
    const size_t left_end = from + n1, right_end = from + n;
    while (left < left_end && right < right_end) {
      if (cmp(v[left], v[right]) <= 0) {
        scratch[out++] = std::move(v[left++]);
      } else {
        scratch[out++] = std::move(v[right++]);
      }
    }
    while (left < left_end) scratch[out++] = std::move(v[left++]);
    // What is left on the right is already in place.
    for (size_t i = from; i < out; ++i) v[i] = std::move(scratch[i]);
  };
  sort(sort, 0, v.size());
}

namespace sort_orders_internal {

template <typename T, typename Cmp>
void InsertionSort(std::vector<T>& v, size_t from, size_t n, Cmp& cmp) {
  for (size_t i = from + 1; i < from + n; ++i) {
    for (size_t j = i; j > from && cmp(v[j - 1], v[j]) > 0; --j) std::swap(v[j], v[j - 1]);
  }
}

// The median of three by index, with Bentley & McIlroy's tie rules.
template <typename T, typename Cmp>
size_t Median3(const std::vector<T>& v, size_t a, size_t b, size_t c, Cmp& cmp) {
  if (cmp(v[a], v[b]) < 0) {
    if (cmp(v[b], v[c]) < 0) return b;
    return cmp(v[a], v[c]) < 0 ? c : a;
  }
  if (cmp(v[b], v[c]) > 0) return b;
  return cmp(v[a], v[c]) < 0 ? a : c;
}

// Swaps v[a, a + n) with v[b, b + n), element i with element i.
template <typename T>
void SwapBlocks(std::vector<T>& v, size_t a, size_t b, size_t n) {
  for (size_t i = 0; i < n; ++i) std::swap(v[a + i], v[b + i]);
}

}  // namespace sort_orders_internal

template <typename T, typename Cmp>
void PartialQuicksortLikeRedis(std::vector<T>& v, Cmp cmp, size_t lo, size_t hi) {
  using namespace sort_orders_internal;
  // Whether a partition v[from, from + n) holds any of the ranks [lo, hi].
  auto wanted = [&](size_t from, size_t n) { return hi >= from && lo < from + n; };
  auto sort = [&](auto& self, size_t a, size_t n) -> void {
    for (;;) {
      if (n < 7) {
        InsertionSort(v, a, n, cmp);
        return;
      }
      size_t pm = a + n / 2;
      if (n > 7) {
        size_t pl = a;
        size_t pn = a + n - 1;
        if (n > 40) {
          const size_t d = n / 8;
          pl = Median3(v, pl, pl + d, pl + 2 * d, cmp);
          pm = Median3(v, pm - d, pm, pm + d, cmp);
          pn = Median3(v, pn - 2 * d, pn - d, pn, cmp);
        }
        pm = Median3(v, pl, pm, pn, cmp);
      }
      std::swap(v[a], v[pm]);  // the pivot waits at v[a]
      // Three-way partition: equal keys gather at both ends ([a+1, pa) and (pd, a+n)), less
      // in [pa, pb), greater in (pc, pd]. Indexes are signed: pc may pass below a + 1.
      ptrdiff_t pa = a + 1, pb = a + 1;
      ptrdiff_t pc = a + n - 1, pd = a + n - 1;
      for (;;) {
        int r;
        while (pb <= pc && (r = cmp(v[pb], v[a])) <= 0) {
          if (r == 0) std::swap(v[pa++], v[pb]);
          ++pb;
        }
        while (pb <= pc && (r = cmp(v[pc], v[a])) >= 0) {
          if (r == 0) std::swap(v[pc], v[pd--]);
          --pc;
        }
        if (pb > pc) break;
        std::swap(v[pb++], v[pc--]);
      }
      // (No switch to an insertion sort when nothing moved: later BSD sorts have one, Redis
      // 7.0's pqsort does not, and with ties the two orders differ.)
      const ptrdiff_t end = a + n;
      ptrdiff_t r = std::min<ptrdiff_t>(pa - a, pb - pa);
      SwapBlocks(v, a, pb - r, r);
      r = std::min<ptrdiff_t>(pd - pc, end - pd - 1);
      SwapBlocks(v, pb, end - r, r);
      if ((r = pb - pa) > 1 && wanted(a, r)) self(self, a, r);
      if ((r = pd - pc) > 1) {
        a = end - r;
        n = r;
        if (wanted(a, n)) continue;
      }
      return;
    }
  };
  sort(sort, 0, v.size());
}

}  // namespace basalt
