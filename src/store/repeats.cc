#include "store/repeats.h"

#include <algorithm>
#include <cstring>

namespace basalt::store {

namespace {

uint64_t Fingerprint(std::string_view s) {
  uint64_t head = 0;
  uint64_t tail = 0;
  if (s.size() >= 8) {
    // Fixed-size copies compile to plain loads.
    std::memcpy(&head, s.data(), 8);
    std::memcpy(&tail, s.data() + s.size() - 8, 8);
  } else {
    for (char c : s) head = (head << 8) | static_cast<unsigned char>(c);
  }
  return (head * 0x9E3779B97F4A7C15ULL) ^ (tail + s.size()) * 0xC2B2AE3D27D4EB4FULL;
}

}  // namespace

RepeatFinder::RepeatFinder(size_t n) : items_(stack_) {
  if (n > kPairwise) {
    heap_.resize(n);
    items_ = heap_.data();
  }
}

void RepeatFinder::Add(std::string_view text) {
  items_[count_++] = {Fingerprint(text), text.data(), text.size()};
}

bool RepeatFinder::Found() {
  auto text = [](const Item& i) { return std::string_view(i.data, i.size); };
  auto equal = [&](const Item& a, const Item& b) { return a.tag == b.tag && text(a) == text(b); };
  if (count_ <= kPairwise) {
    for (size_t a = 1; a < count_; ++a) {
      for (size_t b = 0; b < a; ++b) {
        if (equal(items_[a], items_[b])) return true;
      }
    }
    return false;
  }
  std::sort(items_, items_ + count_, [&](const Item& a, const Item& b) {
    return a.tag != b.tag ? a.tag < b.tag : text(a) < text(b);
  });
  for (size_t a = 1; a < count_; ++a) {
    if (equal(items_[a], items_[a - 1])) return true;
  }
  return false;
}

}  // namespace basalt::store
