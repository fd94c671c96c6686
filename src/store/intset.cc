#include "store/intset.h"

#include <cstring>
#include <stdexcept>

#include "common/memory.h"

namespace basalt::store {

namespace {

uint32_t Load32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void StoreLE(uint8_t* p, uint64_t v, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// The little-endian two's complement integer of `width` bytes at p.
int64_t LoadMember(const uint8_t* p, uint32_t width) {
  uint64_t u = 0;
  for (uint32_t i = 0; i < width; ++i) u |= static_cast<uint64_t>(p[i]) << (8 * i);
  const uint64_t sign = uint64_t{1} << (8 * width - 1);
  return static_cast<int64_t>((u ^ sign) - sign);
}

uint32_t WidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

uint8_t* AllocateBlock(size_t bytes) { return static_cast<uint8_t*>(mem::Allocate(bytes)); }

uint8_t* ResizeBlock(uint8_t* p, size_t bytes) {
  return static_cast<uint8_t*>(mem::Reallocate(p, bytes));
}

}  // namespace

IntSet::IntSet() : data_(AllocateBlock(kHeaderSize)) {
  StoreLE(data_, 2, 4);
  SetLength(0);
}

IntSet::~IntSet() { mem::Free(data_); }

IntSet::IntSet(IntSet&& other) noexcept : data_(other.data_) { other.data_ = nullptr; }

IntSet& IntSet::operator=(IntSet&& other) noexcept {
  if (this != &other) {
    mem::Free(data_);
    data_ = other.data_;
    other.data_ = nullptr;
  }
  return *this;
}

IntSet IntSet::Clone() const {
  const std::string_view b = bytes();
  uint8_t* copy = AllocateBlock(b.size());
  std::memcpy(copy, b.data(), b.size());
  return IntSet(copy);
}

std::optional<IntSet> IntSet::FromBytes(std::string_view blob) {
  if (blob.size() < kHeaderSize) return std::nullopt;
  const auto* b = reinterpret_cast<const uint8_t*>(blob.data());
  const uint32_t width = Load32(b);
  if (width != 2 && width != 4 && width != 8) return std::nullopt;
  const uint32_t n = Load32(b + 4);
  if (n == 0 || kHeaderSize + uint64_t{n} * width != blob.size()) return std::nullopt;
  const uint8_t* members = b + kHeaderSize;
  int64_t prev = LoadMember(members, width);
  for (uint32_t i = 1; i < n; ++i) {
    const int64_t v = LoadMember(members + uint64_t{i} * width, width);
    if (v <= prev) return std::nullopt;
    prev = v;
  }
  uint8_t* copy = AllocateBlock(blob.size());
  std::memcpy(copy, b, blob.size());
  return IntSet(copy);
}

size_t IntSet::size() const { return Load32(data_ + 4); }

uint32_t IntSet::encoding() const { return Load32(data_); }

int64_t IntSet::Get(size_t i) const {
  const uint32_t width = encoding();
  return LoadMember(data_ + kHeaderSize + i * width, width);
}

int64_t IntSet::Random(std::mt19937_64& rng) const {
  std::uniform_int_distribution<size_t> pick(0, size() - 1);
  return Get(pick(rng));
}

std::string_view IntSet::bytes() const {
  return std::string_view(reinterpret_cast<const char*>(data_), kHeaderSize + size() * encoding());
}

size_t IntSet::MemoryUsage() const { return mem::UsableSize(data_); }

void IntSet::SetLength(uint32_t n) { StoreLE(data_ + 4, n, 4); }

size_t IntSet::Search(int64_t v, bool* found) const {
  *found = false;
  const size_t n = size();
  if (n == 0) return 0;
  const uint32_t width = encoding();
  const uint8_t* members = data_ + kHeaderSize;
  // Appending in order is common (SADD of increasing ids): check the ends first.
  if (v > LoadMember(members + (n - 1) * width, width)) return n;
  if (v < LoadMember(members, width)) return 0;
  size_t lo = 0;
  size_t hi = n;  // the answer lies in [lo, hi]
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int64_t m = LoadMember(members + mid * width, width);
    if (m == v) {
      *found = true;
      return mid;
    }
    if (m < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

bool IntSet::Contains(int64_t v) const {
  if (WidthFor(v) > encoding()) return false;
  bool found;
  Search(v, &found);
  return found;
}

bool IntSet::Insert(int64_t v) {
  const uint32_t width = encoding();
  const size_t n = size();
  if (n == UINT32_MAX) throw std::length_error("intset has 2^32-1 members");
  const uint32_t needed = WidthFor(v);
  if (needed > width) {
    UpgradeAndInsert(v, needed);
    return true;
  }
  bool found;
  const size_t i = Search(v, &found);
  if (found) return false;
  const size_t new_bytes = kHeaderSize + (n + 1) * width;
  if (new_bytes > mem::UsableSize(data_)) data_ = ResizeBlock(data_, new_bytes);
  uint8_t* at = data_ + kHeaderSize + i * width;
  std::memmove(at + width, at, (n - i) * width);
  StoreLE(at, static_cast<uint64_t>(v), width);
  SetLength(static_cast<uint32_t>(n + 1));
  return true;
}

void IntSet::UpgradeAndInsert(int64_t v, uint32_t wider) {
  const uint32_t narrow = encoding();
  const size_t n = size();
  data_ = ResizeBlock(data_, kHeaderSize + (n + 1) * wider);
  uint8_t* members = data_ + kHeaderSize;
  // v does not fit the old width, so it lies beyond every member: below them all if negative.
  const size_t shift = v < 0 ? 1 : 0;
  // From the last member down: each wide write lands at or after the narrow bytes still unread.
  for (size_t i = n; i-- > 0;) {
    const int64_t m = LoadMember(members + i * narrow, narrow);
    StoreLE(members + (i + shift) * wider, static_cast<uint64_t>(m), wider);
  }
  StoreLE(members + (shift == 1 ? 0 : n) * wider, static_cast<uint64_t>(v), wider);
  StoreLE(data_, wider, 4);
  SetLength(static_cast<uint32_t>(n + 1));
}

bool IntSet::Remove(int64_t v) {
  const uint32_t width = encoding();
  if (WidthFor(v) > width) return false;
  bool found;
  const size_t i = Search(v, &found);
  if (!found) return false;
  const size_t n = size();
  uint8_t* at = data_ + kHeaderSize + i * width;
  std::memmove(at, at + width, (n - i - 1) * width);
  SetLength(static_cast<uint32_t>(n - 1));
  data_ = ResizeBlock(data_, kHeaderSize + (n - 1) * width);
  return true;
}

}  // namespace basalt::store
