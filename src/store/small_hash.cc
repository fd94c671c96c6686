#include "store/small_hash.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "common/memory.h"
#include "common/varint.h"
#include "store/listpack.h"
#include "store/repeats.h"

namespace basalt::store {

namespace {

// Writes v into buf (varint::kMaxSize bytes); returns its bytes.
std::string_view EncodeVarint(uint64_t v, char* buf) {
  return {buf, static_cast<size_t>(varint::Put(buf, v) - buf)};
}

uint64_t DecodeVarint(const uint8_t** p) {
  uint64_t v;
  *p = varint::Get(*p, &v);
  return v;
}

}  // namespace

uint8_t* SmallHash::NewBlock() {
  auto* block = static_cast<uint8_t*>(mem::Allocate(1));
  block[0] = 0;
  return block;
}

uint8_t* SmallHash::FromListpack(const Listpack& pairs) {
  const std::string_view bytes = pairs.bytes();
  size_t longest;
  return FromListpackBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                           pairs.size(), &longest);
}

uint8_t* SmallHash::FromListpackBytes(const uint8_t* pairs, size_t size, size_t elements,
                                      size_t* longest) {
  // One walk, into a buffer reserved up front so the fields the repeat check keeps views of
  // never move: an element's text with its varint takes at most 3 listpack bytes per byte
  // (the integer 0 is 2 bytes there, "0" with its length 2 here; -2^63 is 10 against 21).
  thread_local std::string scratch;
  scratch.clear();
  scratch.reserve(3 * size + varint::kMaxSize);
  char buf[varint::kMaxSize];
  scratch.append(EncodeVarint(elements / 2, buf));
  RepeatFinder fields(elements / 2);
  *longest = 0;
  bool is_field = true;
  char digits[Listpack::kIntBufSize];
  for (uint32_t p = Listpack::FirstInBytes(pairs); p != Listpack::kNone;
       p = Listpack::NextInBytes(pairs, p)) {
    const std::string_view text = Listpack::GetInBytes(pairs, p).Text(digits);
    scratch.append(EncodeVarint(text.size(), buf));
    scratch.append(text);
    if (is_field)
      fields.Add(std::string_view(scratch.data() + scratch.size() - text.size(), text.size()));
    *longest = std::max(*longest, text.size());
    is_field = !is_field;
  }
  uint8_t* block = nullptr;
  if (!fields.Found()) {
    block = static_cast<uint8_t*>(mem::Allocate(scratch.size()));
    std::memcpy(block, scratch.data(), scratch.size());
  }
  // A huge blob's buffer is not kept for the rest of the process.
  if (scratch.capacity() > (size_t{1} << 20)) std::string().swap(scratch);
  return block;
}

uint8_t* SmallHash::CopyBlock(const uint8_t* block) {
  const size_t n = SmallHash(const_cast<uint8_t*>(block)).bytes();
  auto* copy = static_cast<uint8_t*>(mem::Allocate(n));
  std::memcpy(copy, block, n);
  return copy;
}

size_t SmallHash::size() const {
  const uint8_t* p = block_;
  return static_cast<size_t>(DecodeVarint(&p));
}

const uint8_t* SmallHash::FirstPair() const {
  const uint8_t* p = block_;
  DecodeVarint(&p);
  return p;
}

std::string_view SmallHash::Read(const uint8_t** p) {
  const auto len = static_cast<size_t>(DecodeVarint(p));
  std::string_view s(reinterpret_cast<const char*>(*p), len);
  *p += len;
  return s;
}

size_t SmallHash::bytes() const {
  const uint8_t* p = FirstPair();
  for (size_t i = 2 * size(); i > 0; --i) Read(&p);
  return static_cast<size_t>(p - block_);
}

size_t SmallHash::MemoryUsage() const { return mem::UsableSize(block_); }

size_t SmallHash::Find(std::string_view field, size_t* end) const {
  const uint8_t* p = FirstPair();
  for (size_t i = size(); i > 0; --i) {
    const uint8_t* pair = p;
    if (Read(&p) == field) return static_cast<size_t>(pair - block_);
    Read(&p);
  }
  if (end != nullptr) *end = static_cast<size_t>(p - block_);
  return 0;
}

bool SmallHash::Get(std::string_view field, std::string_view* value) const {
  const size_t at = Find(field, nullptr);
  if (at == 0) return false;
  const uint8_t* p = block_ + at;
  Read(&p);
  *value = Read(&p);
  return true;
}

bool SmallHash::Contains(std::string_view field) const { return Find(field, nullptr) != 0; }

void SmallHash::Splice(size_t total, size_t at, size_t remove,
                       std::initializer_list<std::string_view> parts) {
  size_t insert = 0;
  for (std::string_view part : parts) insert += part.size();
  const size_t tail = total - at - remove;
  const size_t new_total = total - remove + insert;
  if (new_total > total) block_ = static_cast<uint8_t*>(mem::Reallocate(block_, new_total));
  std::memmove(block_ + at + insert, block_ + at + remove, tail);
  uint8_t* out = block_ + at;
  for (std::string_view part : parts) {
    if (!part.empty()) std::memcpy(out, part.data(), part.size());
    out += part.size();
  }
  // A shrunk block is given back too: a hash that lost fields keeps no slack.
  if (new_total < total) block_ = static_cast<uint8_t*>(mem::Reallocate(block_, new_total));
}

void SmallHash::SetCount(size_t total, size_t count) {
  const size_t old_size = varint::Size(size());
  char buf[varint::kMaxSize];
  std::string_view encoded = EncodeVarint(count, buf);
  if (encoded.size() == old_size) {
    std::memcpy(block_, encoded.data(), encoded.size());
  } else {
    Splice(total, 0, old_size, {encoded});
  }
}

bool SmallHash::Set(std::string_view field, std::string_view value) {
  // A value read from this very block would move under the splice: copy it first.
  std::string copy;
  const auto* data = reinterpret_cast<const uint8_t*>(value.data());
  if (!value.empty() && data >= block_ && data < block_ + MemoryUsage()) {
    copy.assign(value);
    value = copy;
  }
  char len_buf[varint::kMaxSize];
  std::string_view len = EncodeVarint(value.size(), len_buf);
  size_t total = 0;
  const size_t at = Find(field, &total);
  if (at != 0) {
    const uint8_t* p = block_ + at;
    Read(&p);
    const size_t value_at = static_cast<size_t>(p - block_);
    Read(&p);
    Splice(bytes(), value_at, static_cast<size_t>(p - block_) - value_at, {len, value});
    return false;
  }
  char field_len_buf[varint::kMaxSize];
  std::string_view field_len = EncodeVarint(field.size(), field_len_buf);
  Splice(total, total, 0, {field_len, field, len, value});
  SetCount(total + field_len.size() + field.size() + len.size() + value.size(), size() + 1);
  return true;
}

bool SmallHash::Delete(std::string_view field) {
  const size_t at = Find(field, nullptr);
  if (at == 0) return false;
  const size_t total = bytes();
  const uint8_t* p = block_ + at;
  Read(&p);
  Read(&p);
  const size_t pair = static_cast<size_t>(p - block_) - at;
  Splice(total, at, pair, {});
  SetCount(total - pair, size() - 1);
  return true;
}

void SmallHash::RandomPair(std::mt19937_64& rng, std::string_view* field,
                           std::string_view* value) const {
  size_t skip = std::uniform_int_distribution<size_t>(0, size() - 1)(rng);
  const uint8_t* p = FirstPair();
  for (; skip > 0; --skip) {
    Read(&p);
    Read(&p);
  }
  *field = Read(&p);
  *value = Read(&p);
}

}  // namespace basalt::store
