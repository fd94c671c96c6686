#include "store/listpack.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/memory.h"
#include "common/strings.h"
#include "store/repeats.h"

namespace basalt::store {

namespace {

constexpr uint8_t kEnd = 0xFF;
constexpr uint8_t k32BitString = 0xF0;
constexpr uint8_t kInt16 = 0xF1;
constexpr uint8_t kInt24 = 0xF2;
constexpr uint8_t kInt32 = 0xF3;
constexpr uint8_t kInt64 = 0xF4;
constexpr uint32_t kEmptySize = Listpack::kHeaderSize + 1;
constexpr size_t kMaxBlock = UINT32_MAX;

uint32_t Load32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

uint64_t Load64(const uint8_t* p) {
  return static_cast<uint64_t>(Load32(p)) | static_cast<uint64_t>(Load32(p + 4)) << 32;
}

// Little-endian store of the low `n` bytes of v.
void StoreLE(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Bytes of the backlen of an element whose encoding + data take `len` bytes. The thresholds
// are Redis's (16383 already takes three bytes there); a reader validating our blocks
// recomputes them, so they must match exactly.
uint32_t BacklenSize(uint64_t len) {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

// 7 bits per byte, highest bits first; every byte but the first has its top bit set, which
// tells a reader walking backwards from the last byte to keep going.
uint32_t EncodeBacklen(uint64_t len, uint8_t* out) {
  const uint32_t n = BacklenSize(len);
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t byte = static_cast<uint8_t>((len >> (7 * (n - 1 - i))) & 127);
    if (i > 0) byte |= 128;
    out[i] = byte;
  }
  return n;
}

// `last` is the final backlen byte of an element in a validated block.
uint64_t DecodeBacklen(const uint8_t* last) {
  uint64_t len = 0;
  for (unsigned shift = 0;; shift += 7, --last) {
    len |= static_cast<uint64_t>(*last & 127) << shift;
    if ((*last & 128) == 0) return len;
  }
}

// Bytes of an element's encoding that must be present to know its size; 0 for bytes that
// start no element (0xF5..0xFE, and the terminator).
uint32_t SizeFieldBytes(uint8_t b) {
  if (b < 0xE0) return 1;
  if (b < 0xF0) return 2;
  if (b == k32BitString) return 5;
  if (b <= kInt64) return 1;
  return 0;
}

// Encoding + data bytes of the element at p (not the terminator). Reads up to
// SizeFieldBytes(p[0]) bytes.
uint64_t EncodedSize(const uint8_t* p) {
  const uint8_t b = p[0];
  if (b < 0x80) return 1;
  if (b < 0xC0) return 1 + (b & 0x3F);
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 2 + ((static_cast<uint32_t>(b & 0x0F) << 8) | p[1]);
  switch (b) {
    case k32BitString:
      return 5 + static_cast<uint64_t>(Load32(p + 1));
    case kInt16:
      return 3;
    case kInt24:
      return 4;
    case kInt32:
      return 5;
    default:
      return 9;
  }
}

// Whole element (with backlen) at p in a validated block.
uint32_t ElementSize(const uint8_t* p) {
  const uint64_t len = EncodedSize(p);
  return static_cast<uint32_t>(len + BacklenSize(len));
}

// Sign-extends the low `bits` bits of u.
int64_t SignExtend(uint64_t u, int bits) {
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((u ^ sign) - sign);
}

Listpack::Value Decode(const uint8_t* p) {
  Listpack::Value v;
  const uint8_t b = p[0];
  const char* text = reinterpret_cast<const char*>(p);
  v.is_int = true;
  if (b < 0x80) {
    v.num = b;
  } else if (b < 0xC0) {
    v.is_int = false;
    v.str = std::string_view(text + 1, b & 0x3F);
  } else if (b < 0xE0) {
    v.num = SignExtend((static_cast<uint64_t>(b & 0x1F) << 8) | p[1], 13);
  } else if (b < 0xF0) {
    v.is_int = false;
    v.str = std::string_view(text + 2, (static_cast<size_t>(b & 0x0F) << 8) | p[1]);
  } else if (b == k32BitString) {
    v.is_int = false;
    v.str = std::string_view(text + 5, Load32(p + 1));
  } else if (b == kInt16) {
    v.num = SignExtend(p[1] | static_cast<uint64_t>(p[2]) << 8, 16);
  } else if (b == kInt24) {
    v.num =
        SignExtend(p[1] | static_cast<uint64_t>(p[2]) << 8 | static_cast<uint64_t>(p[3]) << 16, 24);
  } else if (b == kInt32) {
    v.num = SignExtend(Load32(p + 1), 32);
  } else {
    v.num = static_cast<int64_t>(Load64(p + 1));
  }
  return v;
}

// Smallest integer encoding of v into out (9 bytes); returns its length.
uint32_t EncodeInt(int64_t v, uint8_t* out) {
  if (v >= 0 && v <= 127) {
    out[0] = static_cast<uint8_t>(v);
    return 1;
  }
  const uint64_t u = static_cast<uint64_t>(v);
  if (v >= -4096 && v <= 4095) {
    out[0] = static_cast<uint8_t>(0xC0 | ((u >> 8) & 0x1F));
    out[1] = static_cast<uint8_t>(u);
    return 2;
  }
  if (v >= INT16_MIN && v <= INT16_MAX) {
    out[0] = kInt16;
    StoreLE(out + 1, u, 2);
    return 3;
  }
  if (v >= -(1 << 23) && v < (1 << 23)) {
    out[0] = kInt24;
    StoreLE(out + 1, u, 3);
    return 4;
  }
  if (v >= INT32_MIN && v <= INT32_MAX) {
    out[0] = kInt32;
    StoreLE(out + 1, u, 4);
    return 5;
  }
  out[0] = kInt64;
  StoreLE(out + 1, u, 8);
  return 9;
}

// Encoding bytes in front of a string of `len` bytes (written to out, 5 bytes) ; returns
// their count.
uint32_t EncodeStringHead(size_t len, uint8_t* out) {
  if (len < 64) {
    out[0] = static_cast<uint8_t>(0x80 | len);
    return 1;
  }
  if (len < 4096) {
    out[0] = static_cast<uint8_t>(0xE0 | (len >> 8));
    out[1] = static_cast<uint8_t>(len);
    return 2;
  }
  out[0] = k32BitString;
  StoreLE(out + 1, len, 4);
  return 5;
}

// Steps *pos over the element there after checking that its encoding is known, that it ends
// before the terminator at size - 1, and that its backlen is exactly the one Redis writes.
// Reads only bytes below size - 1.
bool StepChecked(const uint8_t* b, size_t size, size_t* pos) {
  const size_t room = size - 1 - *pos;  // bytes before the terminator
  const uint8_t* p = b + *pos;
  const uint32_t field = SizeFieldBytes(p[0]);
  if (field == 0 || field > room) return false;
  const uint64_t len = EncodedSize(p);
  const uint32_t back = BacklenSize(len);
  if (len + back > room) return false;
  if (back == 1) {
    // Most elements: the backlen is the length itself, one byte.
    if (p[len] != len) return false;
  } else {
    uint8_t expected[5];
    EncodeBacklen(len, expected);
    if (std::memcmp(p + len, expected, back) != 0) return false;
  }
  *pos += len + back;
  return true;
}

// A string to insert may be a Value read from this very block; the mutation moves the bytes
// under it, so such a string is copied out first.
std::string_view DetachFrom(const uint8_t* block, uint32_t total, std::string_view s,
                            std::string* copy) {
  const auto* begin = reinterpret_cast<const char*>(block);
  std::less<const char*> before;
  if (!s.empty() && !before(s.data(), begin) && before(s.data(), begin + total)) {
    copy->assign(s);
    return *copy;
  }
  return s;
}

}  // namespace

// An element ready to be copied into the block: encoding (with integer data), string data,
// backlen.
struct Listpack::Encoded {
  uint8_t head[9];
  uint32_t head_len = 0;
  const char* data = nullptr;
  uint32_t data_len = 0;
  uint8_t back[5];
  uint32_t back_len = 0;

  static Encoded ForInt(int64_t v) {
    Encoded e;
    e.head_len = EncodeInt(v, e.head);
    e.back_len = EncodeBacklen(e.head_len, e.back);
    return e;
  }

  static Encoded ForString(std::string_view s) {
    int64_t v;
    if (ParseInt64(s, &v)) return ForInt(v);
    if (s.size() > kMaxBlock) throw std::length_error("listpack element larger than 4 GB");
    Encoded e;
    e.head_len = EncodeStringHead(s.size(), e.head);
    e.data = s.data();
    e.data_len = static_cast<uint32_t>(s.size());
    e.back_len = EncodeBacklen(uint64_t{e.head_len} + e.data_len, e.back);
    return e;
  }

  uint64_t size() const { return uint64_t{head_len} + data_len + back_len; }

  void WriteTo(uint8_t* p) const {
    std::memcpy(p, head, head_len);
    if (data_len != 0) std::memcpy(p + head_len, data, data_len);
    std::memcpy(p + head_len + data_len, back, back_len);
  }
};

std::string_view Listpack::Value::Text(char* buf) const {
  if (!is_int) return str;
  return std::string_view(buf, static_cast<size_t>(FormatInt64(num, buf)));
}

bool Listpack::Value::Equals(std::string_view s) const {
  if (!is_int) return str == s;
  // Canonical integer text and int64 values correspond one to one, so parsing `s` strictly
  // is the same test as comparing it with the formatted number.
  int64_t v;
  return ParseInt64(s, &v) && v == num;
}

bool Listpack::HasRepeats(uint32_t step) const {
  if (step == 0) step = 1;
  const size_t n = (count_ + step - 1) / step;
  if (n < 2) return false;
  // Integers are compared as their text: each gets its own slot of digits.
  constexpr size_t kStackTexts = 160;
  char stack_digits[kStackTexts * kIntBufSize];
  std::string heap_digits;
  char* digits = stack_digits;
  if (n > kStackTexts) {
    heap_digits.resize(n * kIntBufSize);
    digits = heap_digits.data();
  }
  RepeatFinder finder(n);
  size_t i = 0;
  for (uint32_t p = First(); p != kNone; ++i) {
    finder.Add(Get(p).Text(digits + i * kIntBufSize));
    for (uint32_t k = 0; k < step && p != kNone; ++k) p = Next(p);
  }
  return finder.Found();
}

Listpack::Listpack() : data_(static_cast<uint8_t*>(mem::Allocate(kEmptySize))), count_(0) {
  SetTotal(kEmptySize);
  StoreCount();
  data_[kHeaderSize] = kEnd;
}

Listpack::~Listpack() { mem::Free(data_); }

Listpack::Listpack(Listpack&& other) noexcept : data_(other.data_), count_(other.count_) {
  other.data_ = nullptr;
  other.count_ = 0;
}

Listpack& Listpack::operator=(Listpack&& other) noexcept {
  if (this != &other) {
    mem::Free(data_);
    data_ = other.data_;
    count_ = other.count_;
    other.data_ = nullptr;
    other.count_ = 0;
  }
  return *this;
}

Listpack Listpack::Clone() const {
  const uint32_t total = Total();
  auto* copy = static_cast<uint8_t*>(mem::Allocate(total));
  std::memcpy(copy, data_, total);
  return Listpack(copy, count_);
}

bool Listpack::Validate(std::string_view blob, size_t* count) {
  const size_t size = blob.size();
  if (size < kEmptySize || size > kMaxBlock) return false;
  const auto* b = reinterpret_cast<const uint8_t*>(blob.data());
  if (Load32(b) != size || b[size - 1] != kEnd) return false;
  size_t n = 0;
  size_t pos = kHeaderSize;
  // StepChecked leaves pos at or before the terminator, so b[pos] is always readable.
  while (b[pos] != kEnd) {
    if (!StepChecked(b, size, &pos)) return false;
    ++n;
  }
  if (pos != size - 1) return false;  // a 0xFF in the middle: bytes after it are junk
  const uint16_t header_count = static_cast<uint16_t>(b[4] | b[5] << 8);
  if (header_count != kCountUnknown && header_count != n) return false;
  *count = n;
  return true;
}

std::optional<Listpack> Listpack::FromBytes(std::string_view blob) {
  size_t count;
  if (!Validate(blob, &count)) return std::nullopt;
  auto* data = static_cast<uint8_t*>(mem::Allocate(blob.size()));
  std::memcpy(data, blob.data(), blob.size());
  return Listpack(data, count);
}

uint32_t Listpack::FirstInBytes(const uint8_t* block) {
  return block[kHeaderSize] == kEnd ? kNone : kHeaderSize;
}

uint32_t Listpack::NextInBytes(const uint8_t* block, uint32_t pos) {
  const uint32_t next = pos + ElementSize(block + pos);
  return block[next] == kEnd ? kNone : next;
}

Listpack::Value Listpack::GetInBytes(const uint8_t* block, uint32_t pos) {
  return Decode(block + pos);
}

std::string_view Listpack::bytes() const {
  return std::string_view(reinterpret_cast<const char*>(data_), Total());
}

size_t Listpack::bytes_size() const { return Total(); }

size_t Listpack::MemoryUsage() const { return mem::UsableSize(data_); }

uint32_t Listpack::Total() const { return Load32(data_); }

void Listpack::SetTotal(uint32_t total) { StoreLE(data_, total, 4); }

void Listpack::StoreCount() {
  const uint64_t shown = count_ < kCountUnknown ? count_ : kCountUnknown;
  StoreLE(data_ + 4, shown, 2);
}

uint32_t Listpack::First() const { return count_ == 0 ? kNone : kHeaderSize; }

uint32_t Listpack::Last() const { return count_ == 0 ? kNone : Prev(Total() - 1); }

uint32_t Listpack::Next(uint32_t pos) const { return NextInBytes(data_, pos); }

uint32_t Listpack::Prev(uint32_t pos) const {
  if (pos <= kHeaderSize) return kNone;
  const uint64_t len = DecodeBacklen(data_ + pos - 1);
  return static_cast<uint32_t>(pos - len - BacklenSize(len));
}

uint32_t Listpack::Seek(int64_t index) const {
  const auto n = static_cast<int64_t>(count_);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return kNone;
  uint32_t pos;
  if (index <= n / 2) {
    pos = kHeaderSize;
    for (int64_t i = 0; i < index; ++i) pos += ElementSize(data_ + pos);
  } else {
    pos = Total() - 1;
    for (int64_t i = n; i > index; --i) pos = Prev(pos);
  }
  return pos;
}

Listpack::Value Listpack::Get(uint32_t pos) const { return Decode(data_ + pos); }

uint32_t Listpack::Find(uint32_t start, std::string_view s, uint32_t step) const {
  if (start == kNone) return kNone;
  if (step == 0) step = 1;
  int64_t s_num = 0;
  const bool s_is_int = ParseInt64(s, &s_num);
  uint32_t pos = start;
  while (true) {
    const Value v = Decode(data_ + pos);
    // A string element is compared by bytes even when `s` is an integer: a block from outside
    // may hold integer text as a string, and its text is still what Redis compares.
    if (v.is_int ? (s_is_int && v.num == s_num) : v.str == s) return pos;
    for (uint32_t i = 0; i < step; ++i) {
      pos += ElementSize(data_ + pos);
      if (data_[pos] == kEnd) return kNone;
    }
  }
}

uint32_t Listpack::Splice(uint32_t pos, uint32_t remove_bytes, const Encoded* enc,
                          int64_t count_delta) {
  const uint32_t old_total = Total();
  const uint64_t add = enc != nullptr ? enc->size() : 0;
  const uint64_t new_total = uint64_t{old_total} - remove_bytes + add;
  if (new_total > kMaxBlock) throw std::length_error("listpack larger than 4 GB");
  const uint32_t tail = old_total - pos - remove_bytes;  // the terminator included
  // Grow before moving the tail right; shrink after moving it left.
  if (new_total > old_total && new_total > mem::UsableSize(data_)) {
    data_ = static_cast<uint8_t*>(mem::Reallocate(data_, new_total));
  }
  if (add != remove_bytes) std::memmove(data_ + pos + add, data_ + pos + remove_bytes, tail);
  if (new_total < old_total) data_ = static_cast<uint8_t*>(mem::Reallocate(data_, new_total));
  if (enc != nullptr) enc->WriteTo(data_ + pos);
  count_ = static_cast<size_t>(static_cast<int64_t>(count_) + count_delta);
  SetTotal(static_cast<uint32_t>(new_total));
  StoreCount();
  return pos;
}

uint32_t Listpack::InsertAt(uint32_t pos, std::string_view s) {
  std::string copy;
  const Encoded enc = Encoded::ForString(DetachFrom(data_, Total(), s, &copy));
  return Splice(pos, 0, &enc, 1);
}

void Listpack::Append(std::string_view s) { InsertAt(Total() - 1, s); }

void Listpack::Prepend(std::string_view s) { InsertAt(kHeaderSize, s); }

void Listpack::AppendInt(int64_t v) {
  const Encoded enc = Encoded::ForInt(v);
  Splice(Total() - 1, 0, &enc, 1);
}

uint32_t Listpack::InsertBefore(uint32_t pos, std::string_view s) { return InsertAt(pos, s); }

uint32_t Listpack::InsertAfter(uint32_t pos, std::string_view s) {
  return InsertAt(pos + ElementSize(data_ + pos), s);
}

uint32_t Listpack::Replace(uint32_t pos, std::string_view s) {
  std::string copy;
  const Encoded enc = Encoded::ForString(DetachFrom(data_, Total(), s, &copy));
  return Splice(pos, ElementSize(data_ + pos), &enc, 0);
}

uint32_t Listpack::Delete(uint32_t pos) {
  Splice(pos, ElementSize(data_ + pos), nullptr, -1);
  return data_[pos] == kEnd ? kNone : pos;
}

void Listpack::DeleteRange(uint32_t pos, size_t count) {
  if (pos == kNone) return;
  uint32_t end = pos;
  size_t n = 0;
  for (; n < count && data_[end] != kEnd; ++n) end += ElementSize(data_ + end);
  if (n == 0) return;
  Splice(pos, end - pos, nullptr, -static_cast<int64_t>(n));
}

void Listpack::Clear() {
  if (count_ == 0) return;
  DeleteRange(kHeaderSize, count_);
}

void Listpack::Reserve(size_t total_bytes) {
  if (total_bytes > kMaxBlock) throw std::length_error("listpack larger than 4 GB");
  if (total_bytes > mem::UsableSize(data_)) {
    data_ = static_cast<uint8_t*>(mem::Reallocate(data_, total_bytes));
  }
}

void Listpack::ShrinkToFit() {
  const uint32_t total = Total();
  if (total < mem::UsableSize(data_)) {
    data_ = static_cast<uint8_t*>(mem::Reallocate(data_, total));
  }
}

size_t Listpack::BeginBytes(std::string& out) {
  const size_t start = out.size();
  out.append(kHeaderSize, '\0');
  return start;
}

void Listpack::AppendElementBytes(std::string& out, std::string_view s) {
  // The common case first: a short text that cannot be an integer (it does not start with a
  // digit or '-'), [10llllll][bytes][backlen], the backlen one byte.
  if (!s.empty() && s.size() < 64 && s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
    out.push_back(static_cast<char>(0x80 | s.size()));
    out.append(s);
    out.push_back(static_cast<char>(1 + s.size()));
    return;
  }
  const Encoded enc = Encoded::ForString(s);
  const size_t at = out.size();
  out.resize(at + enc.size());
  enc.WriteTo(reinterpret_cast<uint8_t*>(out.data() + at));
}

void Listpack::EndBytes(std::string& out, size_t start, size_t count) {
  out.push_back(static_cast<char>(kEnd));
  const size_t total = out.size() - start;
  if (total > kMaxBlock) throw std::length_error("listpack larger than 4 GB");
  auto* header = reinterpret_cast<uint8_t*>(out.data() + start);
  StoreLE(header, total, 4);
  StoreLE(header + 4, count < kCountUnknown ? count : kCountUnknown, 2);
}

size_t Listpack::EntrySizeFor(std::string_view s) {
  int64_t v;
  if (ParseInt64(s, &v)) return EntrySizeForInt(v);
  uint8_t head[5];
  const uint64_t len = EncodeStringHead(s.size(), head) + s.size();
  return len + BacklenSize(len);
}

size_t Listpack::EntrySizeForInt(int64_t v) {
  uint8_t head[9];
  const uint32_t len = EncodeInt(v, head);
  return len + BacklenSize(len);
}

}  // namespace basalt::store
