// The bitmap commands' shared pieces (see bit_commands_internal.h): offset parsing, the
// word-at-a-time scans, and write access to a string's bytes.
#include <bit>
#include <cstring>
#include <string_view>

#include "commands/bit_commands_internal.h"
#include "commands/helpers.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

constexpr std::string_view kBadOffset = "ERR bit offset is not an integer or out of range";

uint64_t LoadBigEndian(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
  return w;
}

// One body, compiled twice on x86-64: with the POPCNT instruction for the CPUs that have it
// (nearly all) and portably for the rest, chosen once at run time.
template <typename Count>
inline uint64_t PopCountWith(const uint8_t* p, size_t len, Count count) {
  uint64_t total = 0;
  size_t i = 0;
  for (; i + 32 <= len; i += 32) {
    uint64_t w[4];
    std::memcpy(w, p + i, sizeof(w));
    total += count(w[0]) + count(w[1]) + count(w[2]) + count(w[3]);
  }
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, sizeof(w));
    total += count(w);
  }
  for (; i < len; ++i) total += count(p[i]);
  return total;
}

uint64_t PopCountPortable(const uint8_t* p, size_t len) {
  return PopCountWith(p, len, [](uint64_t w) { return static_cast<uint64_t>(std::popcount(w)); });
}

#if defined(__x86_64__)
__attribute__((target("popcnt"))) uint64_t PopCountHardware(const uint8_t* p, size_t len) {
  return PopCountWith(p, len,
                      [](uint64_t w) { return static_cast<uint64_t>(__builtin_popcountll(w)); });
}
#endif

// Appends zero bytes to `data` so it holds `len` bytes; the result lives in a heap string
// sized exactly (a bitmap grown to a far offset rarely grows again by much).
store::Entry* MakeZeroPadded(store::Database& db, std::string_view key, std::string_view data,
                             size_t len, bool keep_ttl) {
  if (len <= store::kInlineStringMax) {
    char buf[store::kInlineStringMax] = {};
    if (!data.empty()) std::memcpy(buf, data.data(), data.size());
    return db.SetString(key, std::string_view(buf, len), -1, keep_ttl);
  }
  HeapString* s = HeapString::Create(data, len);
  std::memset(s->data() + data.size(), 0, len - data.size());
  s->len = len;
  return db.SetOwnedString(key, s, -1, keep_ttl);
}

}  // namespace

bool ParseBitOffset(CommandContext& ctx, std::string_view text, int bits, uint64_t* offset) {
  const bool by_width = bits > 0 && !text.empty() && text[0] == '#';
  int64_t n;
  if (!ParseInt64(by_width ? text.substr(1) : text, &n)) {
    ctx.reply.Error(kBadOffset);
    return false;
  }
  // Redis multiplies without an overflow check: a huge #N wraps around (two's complement)
  // and the range check below then judges whatever that gave.
  if (by_width) n = static_cast<int64_t>(static_cast<uint64_t>(n) * static_cast<uint64_t>(bits));
  const int64_t max_len = ctx.server.config.settings().proto_max_bulk_len;
  if (n < 0 || (n >> 3) >= max_len) {
    ctx.reply.Error(kBadOffset);
    return false;
  }
  *offset = static_cast<uint64_t>(n);
  return true;
}

uint64_t PopCount(const uint8_t* p, size_t len) {
#if defined(__x86_64__)
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  if (has_popcnt) return PopCountHardware(p, len);
#endif
  return PopCountPortable(p, len);
}

int64_t FindFirstBit(const uint8_t* p, size_t len, int bit) {
  // Looking for a 0 is looking for a 1 in the complement.
  const uint64_t flip = bit ? 0 : ~uint64_t{0};
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const uint64_t w = LoadBigEndian(p + i) ^ flip;
    if (w != 0) return static_cast<int64_t>(i * 8 + std::countl_zero(w));
  }
  for (; i < len; ++i) {
    const uint8_t b = p[i] ^ static_cast<uint8_t>(flip);
    if (b != 0) return static_cast<int64_t>(i * 8 + std::countl_zero(b));
  }
  return -1;
}

bool BitStringEditor::Open(CommandContext& ctx, std::string_view key, size_t min_len) {
  ctx_ = &ctx;
  store::Database& db = ctx.db();
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kString)) return false;
  // Redis signals the key only for the writes that then succeed (Touch below), not for this
  // growth: a WATCH survives a BITFIELD whose every write fails.
  store::Keyspace::QuietChanges quiet(ctx.server.keyspace);
  if (e == nullptr) {
    e = MakeZeroPadded(db, key, {}, min_len, false);
    grew_ = true;
  } else if (e->string_value().size() < min_len) {
    grew_ = true;
    if (e->encoding() == store::Encoding::kHeapString || min_len <= store::kInlineStringMax) {
      e = db.SetRange(key, min_len - 1, std::string_view("\0", 1));
    } else {
      e = MakeZeroPadded(db, key, e->string_value(), min_len, /*keep_ttl=*/true);
    }
  }
  entry_ = e;
  size_ = e->string_value().size();
  buffered_ = e->encoding() != store::Encoding::kHeapString;
  if (buffered_) {
    std::memcpy(buf_, e->string_value().data(), size_);
    data_ = buf_;
  } else {
    data_ = reinterpret_cast<uint8_t*>(e->heap_string()->data());
  }
  return true;
}

uint8_t* BitStringEditor::Touch() {
  if (!touched_) {
    ctx_->db().PrepareModify(entry_);
    touched_ = true;
    if (!buffered_) {
      entry_->UnshareString();  // a reply may still be sending the bytes as they were
      data_ = reinterpret_cast<uint8_t*>(entry_->heap_string()->data());
    }
  }
  return data_;
}

void BitStringEditor::Finish() {
  if (buffered_ && touched_) {
    entry_->TryOverwriteString(std::string_view(reinterpret_cast<const char*>(buf_), size_));
  }
}

}  // namespace basalt::cmd
