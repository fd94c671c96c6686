#include "store/ziplist_convert.h"

#include <cstdint>

namespace basalt::store {

namespace {

constexpr uint8_t kEnd = 0xFF;
constexpr uint8_t kBigLength = 0xFE;  // a 4-byte length follows (ziplist prevlen, zipmap len)
constexpr size_t kZiplistHeader = 10;
constexpr uint16_t kZiplistCountUnknown = 65535;
constexpr uint8_t kZipmapCountUnknown = 254;

uint32_t Load32LE(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

uint32_t Load32BE(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | static_cast<uint32_t>(p[3]);
}

// Little-endian two's complement integer of `n` bytes.
int64_t LoadSigned(const uint8_t* p, int n) {
  uint64_t u = 0;
  for (int i = 0; i < n; ++i) u |= static_cast<uint64_t>(p[i]) << (8 * i);
  const uint64_t sign = uint64_t{1} << (8 * n - 1);
  return static_cast<int64_t>((u ^ sign) - sign);
}

struct ZiplistEntry {
  uint64_t prevlen = 0;
  uint64_t size = 0;  // the whole entry: prevlen field, encoding, data
  bool is_int = false;
  int64_t num = 0;
  std::string_view str;
};

// Bytes of integer data after an integer encoding byte; -1 for bytes that are no encoding.
int IntDataBytes(uint8_t enc) {
  switch (enc) {
    case 0xC0:
      return 2;
    case 0xD0:
      return 4;
    case 0xE0:
      return 8;
    case 0xF0:
      return 3;
    case 0xFE:
      return 1;
    default:
      return enc >= 0xF1 && enc <= 0xFD ? 0 : -1;
  }
}

// Parses the entry at `pos`, which must end at or before `end` (the terminator's offset).
bool ParseZiplistEntry(const uint8_t* b, size_t pos, size_t end, ZiplistEntry* e) {
  const size_t room = end - pos;
  size_t at = 0;  // offset inside the entry
  if (b[pos] < kBigLength) {
    e->prevlen = b[pos];
    at = 1;
  } else {
    if (room < 5) return false;
    e->prevlen = Load32LE(b + pos + 1);
    at = 5;
  }
  if (at >= room) return false;
  const uint8_t enc = b[pos + at];
  uint64_t data = 0;
  size_t field = 1;  // encoding bytes
  e->is_int = enc >= 0xC0;
  if (e->is_int) {
    const int n = IntDataBytes(enc);
    if (n < 0) return false;
    data = static_cast<uint64_t>(n);
  } else if (enc < 0x40) {
    data = enc & 0x3F;
  } else if (enc < 0x80) {
    field = 2;
    if (at + field > room) return false;
    data = static_cast<uint64_t>(enc & 0x3F) << 8 | b[pos + at + 1];
  } else {
    field = 5;
    if (at + field > room) return false;
    data = Load32BE(b + pos + at + 1);
  }
  e->size = at + field + data;
  if (e->size > room) return false;
  const uint8_t* payload = b + pos + at + field;
  if (!e->is_int) {
    e->str = std::string_view(reinterpret_cast<const char*>(payload), data);
  } else if (data == 0) {
    e->num = (enc & 0x0F) - 1;
  } else {
    e->num = LoadSigned(payload, static_cast<int>(data));
  }
  return true;
}

// Reads a zipmap length at *pos (which must be below `end`) and steps over it.
bool ReadZipmapLength(const uint8_t* b, size_t end, size_t* pos, uint64_t* len) {
  const uint8_t first = b[*pos];
  if (first < kBigLength) {
    *len = first;
    *pos += 1;
    return true;
  }
  if (first != kBigLength || end - *pos < 5) return false;
  *len = Load32LE(b + *pos + 1);
  *pos += 5;
  return true;
}

}  // namespace

std::optional<Listpack> ZiplistToListpack(std::string_view ziplist_blob) {
  const size_t size = ziplist_blob.size();
  const auto* b = reinterpret_cast<const uint8_t*>(ziplist_blob.data());
  if (size < kZiplistHeader + 1 || size > UINT32_MAX) return std::nullopt;
  if (Load32LE(b) != size || b[size - 1] != kEnd) return std::nullopt;
  const size_t end = size - 1;
  const uint32_t tail = Load32LE(b + 4);
  const uint16_t header_count = static_cast<uint16_t>(b[8] | b[9] << 8);
  if (tail > end) return std::nullopt;

  Listpack out;
  // Entries shrink or keep their size in a listpack, bar a few bytes of backlen.
  out.Reserve(size + size / 8 + 16);
  size_t pos = kZiplistHeader;
  size_t last = 0;
  uint64_t prev_size = 0;
  size_t count = 0;
  while (b[pos] != kEnd) {  // ParseZiplistEntry keeps pos <= end
    ZiplistEntry e;
    if (!ParseZiplistEntry(b, pos, end, &e) || e.prevlen != prev_size) return std::nullopt;
    if (e.is_int) {
      out.AppendInt(e.num);
    } else {
      out.Append(e.str);
    }
    prev_size = e.size;
    last = pos;
    pos += e.size;
    ++count;
  }
  if (pos != end) return std::nullopt;  // an early 0xFF with bytes after it
  if (count > 0 && last != tail) return std::nullopt;
  if (header_count != kZiplistCountUnknown && header_count != count) return std::nullopt;
  out.ShrinkToFit();
  return out;
}

std::optional<Listpack> ZipmapToListpack(std::string_view zipmap) {
  const size_t size = zipmap.size();
  const auto* b = reinterpret_cast<const uint8_t*>(zipmap.data());
  if (size < 2 || b[size - 1] != kEnd) return std::nullopt;
  const size_t end = size - 1;

  Listpack out;
  out.Reserve(size + size / 4 + 16);
  size_t pos = 1;
  size_t count = 0;
  // Every step below leaves pos <= end, so b[pos] is readable.
  while (b[pos] != kEnd) {
    uint64_t len;
    if (!ReadZipmapLength(b, end, &pos, &len) || len > end - pos) return std::nullopt;
    const auto* field = reinterpret_cast<const char*>(b + pos);
    pos += len;
    const std::string_view field_text(field, len);
    if (pos == end || !ReadZipmapLength(b, end, &pos, &len) || pos == end) return std::nullopt;
    const uint8_t free = b[pos++];
    if (len + free > end - pos) return std::nullopt;
    out.Append(field_text);
    out.Append(std::string_view(reinterpret_cast<const char*>(b + pos), len));
    pos += len + free;
    ++count;
  }
  if (count == 0) return std::nullopt;
  if (b[0] != kZipmapCountUnknown && b[0] != count) return std::nullopt;
  out.ShrinkToFit();
  return out;
}

}  // namespace basalt::store
