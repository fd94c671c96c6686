#include "store/hyperloglog.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace basalt::store::hll {

namespace {

constexpr int kPrecision = 14;       // register index bits
constexpr int kQ = 64 - kPrecision;  // bits left for the zero run
constexpr uint64_t kIndexMask = kRegisters - 1;
constexpr int kRegisterMax = 63;
constexpr uint8_t kEncodingDense = 0;
constexpr uint8_t kEncodingSparse = 1;
constexpr size_t kEncodingOffset = 4;
constexpr size_t kCacheOffset = 8;
constexpr uint64_t kSeed = 0xadc83b19ULL;
constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)

// Sparse opcodes.
constexpr int kZeroMaxLen = 64;
constexpr int kXZeroMaxLen = 16384;
constexpr int kValMaxValue = 32;
constexpr int kValMaxLen = 4;

bool IsZero(const uint8_t* p) { return (*p & 0xc0) == 0; }
bool IsXZero(const uint8_t* p) { return (*p & 0xc0) == 0x40; }
int ZeroLen(const uint8_t* p) { return (*p & 0x3f) + 1; }
// An XZERO cut short by the end of the value reads 0 for its second byte, as Redis's does
// (it reads the string's terminator): a corrupt value then decodes, and is written, alike.
int XZeroLen(const uint8_t* p, const uint8_t* end) {
  return (((*p & 0x3f) << 8) | (p + 1 < end ? p[1] : 0)) + 1;
}
int ValValue(const uint8_t* p) { return ((*p >> 2) & 0x1f) + 1; }
int ValLen(const uint8_t* p) { return (*p & 0x3) + 1; }
void SetVal(uint8_t* p, int value, int len) {
  *p = static_cast<uint8_t>(((value - 1) << 2) | (len - 1) | 0x80);
}
void SetZero(uint8_t* p, int len) { *p = static_cast<uint8_t>(len - 1); }
void SetXZero(uint8_t* p, int len) {
  const int l = len - 1;
  p[0] = static_cast<uint8_t>((l >> 8) | 0x40);
  p[1] = static_cast<uint8_t>(l & 0xff);
}
// Writes a run of `len` zero registers (ZERO or XZERO) at p; returns the bytes written.
int PutZeroRun(uint8_t* p, int len) {
  if (len > kZeroMaxLen) {
    SetXZero(p, len);
    return 2;
  }
  SetZero(p, len);
  return 1;
}

uint8_t* Bytes(std::string& s) { return reinterpret_cast<uint8_t*>(s.data()); }
const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Dense registers: 6 bits each, packed from the least significant bit of each byte. The
// last register's bits end inside the last byte, so the byte after it is never needed.
int DenseGet(const uint8_t* regs, int index) {
  const size_t bit = static_cast<size_t>(index) * 6;
  const size_t byte = bit / 8;
  const unsigned shift = bit & 7;
  unsigned v = regs[byte] >> shift;
  if (shift > 2) v |= static_cast<unsigned>(regs[byte + 1]) << (8 - shift);
  return static_cast<int>(v & kRegisterMax);
}

void DenseSet(uint8_t* regs, int index, int value) {
  const size_t bit = static_cast<size_t>(index) * 6;
  const size_t byte = bit / 8;
  const unsigned shift = bit & 7;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kRegisterMax << shift)) | (value << shift));
  if (shift > 2) {
    const unsigned rest = 8 - shift;
    regs[byte + 1] =
        static_cast<uint8_t>((regs[byte + 1] & ~(kRegisterMax >> rest)) | (value >> rest));
  }
}

// The register an element lands in and the value it offers there.
int PatternOf(std::string_view element, int* index) {
  uint64_t hash = MurmurHash64A(element, kSeed);
  *index = static_cast<int>(hash & kIndexMask);
  hash >>= kPrecision;
  hash |= uint64_t{1} << kQ;  // the run ends by the 50th bit
  int count = 1;
  for (uint64_t bit = 1; (hash & bit) == 0; bit <<= 1) ++count;
  return count;
}

int DenseSetIfHigher(std::string& hll, int index, int value) {
  uint8_t* regs = Bytes(hll) + kHeaderSize;
  if (DenseGet(regs, index) >= value) return 0;
  DenseSet(regs, index, value);
  return 1;
}

// Decodes a sparse value's opcodes: fn(value, run) for each run in order. False when they
// do not cover exactly kRegisters registers.
template <typename Fn>
bool ForEachRun(std::string_view hll, Fn&& fn) {
  const uint8_t* p = Bytes(hll) + kHeaderSize;
  const uint8_t* end = Bytes(hll) + hll.size();
  int index = 0;
  while (p < end) {
    int value = 0;
    int run;
    if (IsZero(p)) {
      run = ZeroLen(p++);
    } else if (IsXZero(p)) {
      run = XZeroLen(p, end);
      p += 2;
    } else {
      value = ValValue(p);
      run = ValLen(p++);
    }
    if (index + run > kRegisters) return false;
    fn(index, value, run);
    index += run;
  }
  return index == kRegisters;
}

// Ertl's estimator pieces, as Redis computes them (they converge in a few steps).
double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double y = 1;
  double z = x;
  double previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double y = 1.0;
  double z = 1 - x;
  double previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (previous != z);
  return z / 3;
}

// A histogram of register values: 64 slots, as a corrupt dense value may hold any 6-bit value.
using Histogram = int[64];

uint64_t Estimate(const Histogram& histogram) {
  const double m = kRegisters;
  double z = m * Tau((m - histogram[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * Sigma(histogram[0] / m);
  return static_cast<uint64_t>(std::llroundl(kAlphaInf * m * m / z));
}

// After a sparse write, as Redis does: merges adjacent VAL opcodes of equal value (up to five
// opcodes from `from`, the one before the change), then marks the cache stale.
void FinishSparseWrite(std::string& hll, size_t from) {
  uint8_t* start = Bytes(hll);
  uint8_t* p = start + from;
  uint8_t* end = start + hll.size();
  int scan = 5;
  size_t removed = 0;
  while (p < end && scan--) {
    if (IsXZero(p)) {
      p += 2;
      continue;
    }
    if (IsZero(p)) {
      ++p;
      continue;
    }
    if (p + 1 < end && !IsZero(p + 1) && !IsXZero(p + 1) && ValValue(p) == ValValue(p + 1)) {
      const int len = ValLen(p) + ValLen(p + 1);
      if (len <= kValMaxLen) {
        SetVal(p + 1, ValValue(p), len);
        std::memmove(p, p + 1, static_cast<size_t>(end - p - 1));
        --end;
        ++removed;
        continue;  // the merged opcode may merge with the next one too
      }
    }
    ++p;
  }
  hll.resize(hll.size() - removed);
  // Redis's sparse write ends by marking the cached cardinality stale (its dense write
  // leaves that to PFADD): it shows when a later element of the same PFADD is refused.
  InvalidateCache(hll);
}

// Sparse register write (Redis's hllSparseSet): 1 changed, 0 not, -1 corrupt.
int SparseSet(std::string& hll, int index, int value, size_t sparse_max_bytes) {
  if (value > kValMaxValue) {
    if (!ToDense(hll)) return -1;
    return DenseSetIfHigher(hll, index, value);
  }
  // Find the opcode covering `index`.
  const uint8_t* base = Bytes(hll);
  size_t pos = kHeaderSize;
  size_t prev = 0;
  bool has_prev = false;
  int first = 0;
  int span = 0;
  while (pos < hll.size()) {
    const uint8_t* p = base + pos;
    size_t oplen = 1;
    if (IsZero(p)) {
      span = ZeroLen(p);
    } else if (IsXZero(p)) {
      span = XZeroLen(p, base + hll.size());
      oplen = 2;
    } else {
      span = ValLen(p);
    }
    if (index <= first + span - 1) break;
    prev = pos;
    has_prev = true;
    pos += oplen;
    first += span;
  }
  if (span == 0 || pos >= hll.size()) return -1;
  uint8_t* p = Bytes(hll) + pos;
  const bool is_zero = IsZero(p);
  const bool is_xzero = IsXZero(p);
  const bool is_val = !is_zero && !is_xzero;
  const int run = is_zero    ? ZeroLen(p)
                  : is_xzero ? XZeroLen(p, Bytes(hll) + hll.size())
                             : ValLen(p);
  if (is_val) {
    if (ValValue(p) >= value) return 0;
    if (run == 1) {
      SetVal(p, value, 1);
      FinishSparseWrite(hll, has_prev ? prev : kHeaderSize);
      return 1;
    }
  }
  if (is_zero && run == 1) {
    SetVal(p, value, 1);
    FinishSparseWrite(hll, has_prev ? prev : kHeaderSize);
    return 1;
  }
  // Split the run: what comes before `index`, the new value, what comes after it.
  uint8_t seq[5];
  int n = 0;
  const int last = first + span - 1;
  if (is_val) {
    const int current = ValValue(p);
    if (index != first) SetVal(seq + n++, current, index - first);
    SetVal(seq + n++, value, 1);
    if (index != last) SetVal(seq + n++, current, last - index);
  } else {
    if (index != first) n += PutZeroRun(seq + n, index - first);
    SetVal(seq + n++, value, 1);
    if (index != last) n += PutZeroRun(seq + n, last - index);
  }
  const size_t old_len = is_xzero ? 2 : 1;
  if (static_cast<size_t>(n) > old_len && hll.size() + n - old_len > sparse_max_bytes) {
    if (!ToDense(hll)) return -1;
    return DenseSetIfHigher(hll, index, value);
  }
  // The value's length changes by n - old_len, also for an XZERO cut short (whose missing
  // byte counted): then the new opcodes' last byte falls past the end, as in Redis.
  const size_t new_size = hll.size() + n - old_len;
  hll.replace(pos, std::min(old_len, hll.size() - pos), reinterpret_cast<const char*>(seq),
              static_cast<size_t>(n));
  hll.resize(new_size);
  FinishSparseWrite(hll, has_prev ? prev : kHeaderSize);
  return 1;
}

}  // namespace

uint64_t MurmurHash64A(std::string_view key, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  const auto* data = reinterpret_cast<const uint8_t*>(key.data());
  const size_t len = key.size();
  uint64_t h = seed ^ (static_cast<uint64_t>(len) * m);
  const size_t blocks = len / 8;
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; --b) k = (k << 8) | data[i * 8 + b];  // little-endian
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const uint8_t* tail = data + blocks * 8;
  const size_t rest = len & 7;
  if (rest > 0) {
    for (size_t b = rest; b-- > 0;) h ^= static_cast<uint64_t>(tail[b]) << (8 * b);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

bool LooksValid(std::string_view s) {
  if (s.size() < kHeaderSize || s.substr(0, 4) != "HYLL") return false;
  const auto encoding = static_cast<uint8_t>(s[kEncodingOffset]);
  if (encoding > kEncodingSparse) return false;
  return encoding != kEncodingDense || s.size() == kDenseSize;
}

bool IsDense(std::string_view s) {
  return static_cast<uint8_t>(s[kEncodingOffset]) == kEncodingDense;
}

std::string NewSparse() {
  std::string s(kHeaderSize + 2, '\0');
  std::memcpy(s.data(), "HYLL", 4);
  s[kEncodingOffset] = static_cast<char>(kEncodingSparse);
  SetXZero(Bytes(s) + kHeaderSize, kXZeroMaxLen);
  return s;
}

int Add(std::string& hll, std::string_view element, size_t sparse_max_bytes) {
  int index;
  const int value = PatternOf(element, &index);
  return SetRegister(hll, index, static_cast<uint8_t>(value), sparse_max_bytes);
}

int SetRegister(std::string& hll, int index, uint8_t value, size_t sparse_max_bytes) {
  if (IsDense(hll)) return DenseSetIfHigher(hll, index, value);
  return SparseSet(hll, index, value, sparse_max_bytes);
}

bool CachedCount(std::string_view hll, uint64_t* count) {
  const uint8_t* card = Bytes(hll) + kCacheOffset;
  if (card[7] & 0x80) return false;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | card[i];
  *count = v;
  return true;
}

void SetCachedCount(std::string& hll, uint64_t count) { StoreCachedCount(Bytes(hll), count); }

void InvalidateCache(std::string& hll) { MarkCacheStale(Bytes(hll)); }

uint64_t Count(std::string_view hll, bool* corrupt) {
  Histogram histogram = {};
  *corrupt = false;
  if (IsDense(hll)) {
    const uint8_t* regs = Bytes(hll) + kHeaderSize;
    for (int i = 0; i < kRegisters; ++i) ++histogram[DenseGet(regs, i)];
  } else if (!ForEachRun(hll, [&](int, int value, int run) { histogram[value] += run; })) {
    *corrupt = true;
    return 0;
  }
  return Estimate(histogram);
}

uint64_t CountRaw(const RawRegisters& registers) {
  Histogram histogram = {};
  for (uint8_t v : registers) ++histogram[v];
  return Estimate(histogram);
}

bool MergeInto(RawRegisters& max, std::string_view hll) {
  if (IsDense(hll)) {
    const uint8_t* regs = Bytes(hll) + kHeaderSize;
    for (int i = 0; i < kRegisters; ++i) {
      const auto v = static_cast<uint8_t>(DenseGet(regs, i));
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  return ForEachRun(hll, [&](int index, int value, int run) {
    if (value == 0) return;
    for (int i = index; i < index + run; ++i) {
      if (value > max[i]) max[i] = static_cast<uint8_t>(value);
    }
  });
}

bool ToDense(std::string& hll) {
  if (IsDense(hll)) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), hll.data(), kHeaderSize);
  dense[kEncodingOffset] = static_cast<char>(kEncodingDense);
  uint8_t* regs = Bytes(dense) + kHeaderSize;
  const bool whole = ForEachRun(hll, [&](int index, int value, int run) {
    if (value == 0) return;
    for (int i = index; i < index + run; ++i) DenseSet(regs, i, value);
  });
  if (!whole) return false;
  hll.swap(dense);
  return true;
}

std::string DescribeSparse(std::string_view hll) {
  std::string out;
  const uint8_t* p = Bytes(hll) + kHeaderSize;
  const uint8_t* end = Bytes(hll) + hll.size();
  while (p < end) {
    if (IsZero(p)) {
      out += "z:" + std::to_string(ZeroLen(p++));
    } else if (IsXZero(p)) {
      out += "Z:" + std::to_string(XZeroLen(p, end));
      p += 2;
    } else {
      out += "v:" + std::to_string(ValValue(p)) + "," + std::to_string(ValLen(p));
      ++p;
    }
    out += ' ';
  }
  if (!out.empty()) out.pop_back();
  return out;
}

std::string SelfTest() {
  // Every register of a dense value keeps what was written to it, its neighbours untouched.
  std::mt19937 rng(12345);
  std::vector<uint8_t> regs(kDenseSize - kHeaderSize + 1, 0);
  std::vector<uint8_t> expected(kRegisters);
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < kRegisters; ++i) {
      expected[i] = static_cast<uint8_t>(rng() % 64);
      DenseSet(regs.data(), i, expected[i]);
    }
    for (int i = 0; i < kRegisters; ++i) {
      if (DenseGet(regs.data(), i) != expected[i]) {
        return "dense register " + std::to_string(i) + " did not keep its value";
      }
    }
  }
  // The same elements into a sparse and a dense value: the same registers and estimate, and an
  // estimate within five standard errors (1.04 / sqrt(registers)) of the truth.
  std::string sparse = NewSparse();
  std::string dense = NewSparse();
  ToDense(dense);
  const double bound = 5 * 1.04 / std::sqrt(static_cast<double>(kRegisters));
  for (int n = 1; n <= 20000; ++n) {
    const std::string element = "selftest:" + std::to_string(n);
    Add(sparse, element, 1 << 20);
    Add(dense, element, 1 << 20);
    if (n % 1000 != 0 && n != 1 && n != 10 && n != 100) continue;
    RawRegisters a{}, b{};
    if (!MergeInto(a, sparse) || !MergeInto(b, dense) || a != b) {
      return "the encodings disagree after " + std::to_string(n) + " elements";
    }
    bool corrupt = false;
    const uint64_t count = Count(sparse, &corrupt);
    if (corrupt || count != Count(dense, &corrupt)) {
      return "the estimates disagree after " + std::to_string(n) + " elements";
    }
    const double error = std::fabs(static_cast<double>(count) - n) / n;
    if (n >= 100 && error > bound) {
      return "estimate " + std::to_string(count) + " for " + std::to_string(n) + " elements";
    }
  }
  return "";
}

int ElementRegister(std::string_view element, int* index) { return PatternOf(element, index); }

int DenseRegister(const uint8_t* hll, int index) { return DenseGet(hll + kHeaderSize, index); }

void SetDenseRegister(uint8_t* hll, int index, int value) {
  DenseSet(hll + kHeaderSize, index, value);
}

void MarkCacheStale(uint8_t* hll) { hll[kCacheOffset + 7] |= 0x80; }

void StoreCachedCount(uint8_t* hll, uint64_t count) {
  for (int i = 0; i < 8; ++i) hll[kCacheOffset + i] = static_cast<uint8_t>(count >> (8 * i));
}

}  // namespace basalt::store::hll
