// Whether a small collection loaded from outside (an RDB blob) names the same field or member
// twice, which makes the file corrupt, as in Redis.
//
// Each text gets a fingerprint of its length and first and last eight bytes, which settles
// most comparisons without touching the bytes. Up to kPairwise texts (RDB's small hashes and
// zsets: 128 elements by default) are compared pair by pair, which beats sorting at that size
// and lives on the stack; more are sorted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace basalt::store {

class RepeatFinder {
 public:
  // For `n` texts, added one by one with Add (the texts must outlive Found()).
  explicit RepeatFinder(size_t n);
  void Add(std::string_view text);
  // Whether two of the texts added are equal.
  bool Found();

 private:
  static constexpr size_t kPairwise = 160;
  // Plain members, no initializers: the stack array must not pay for clearing unused slots.
  struct Item {
    uint64_t tag;
    const char* data;
    size_t size;
  };
  Item stack_[kPairwise];
  std::vector<Item> heap_;
  Item* items_;
  size_t count_ = 0;
};

}  // namespace basalt::store
