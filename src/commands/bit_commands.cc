// Bitmap commands on string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP. BITFIELD lives in
// bitfield_command.cc, LCS in lcs_command.cc; all are registered from here.
//
// The argument checks follow Redis 7.0's order, which is observable: BITCOUNT and BITPOS look
// the key up before parsing their range, so a missing key answers 0 (or BITPOS's -1 / 0) even
// to malformed ranges.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/bit_commands_internal.h"
#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/string_commands_internal.h"

namespace basalt::cmd {

namespace {

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

uint8_t BitMask(uint64_t bit_offset) { return static_cast<uint8_t>(0x80u >> (bit_offset & 7)); }

void SetBit(CommandContext& ctx) {
  constexpr std::string_view kBadBit = "ERR bit is not an integer or out of range";
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.arg(2), 0, &offset)) return;
  int64_t on;
  if (!ParseIntArg(ctx, ctx.arg(3), &on, kBadBit)) return;
  if (on & ~int64_t{1}) {
    ctx.reply.Error(kBadBit);
    return;
  }
  BitStringEditor bits;
  if (!bits.Open(ctx, ctx.arg(1), (offset >> 3) + 1)) return;
  const size_t byte = offset >> 3;
  const uint8_t mask = BitMask(offset);
  const int old = (bits.data()[byte] & mask) ? 1 : 0;
  // Storing the bit already there is no write (no event, not propagated) unless the string
  // had to be created or lengthened for it.
  if (bits.grew() || old != on) {
    uint8_t* p = bits.Touch();
    p[byte] = on ? (p[byte] | mask) : (p[byte] & ~mask);
    bits.Finish();
    ctx.MarkDirty();
    NotifyKeyspaceEvent(ctx, config::kNotifyString, "setbit", ctx.arg(1));
  }
  ctx.reply.Integer(old);
}

void GetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.arg(2), 0, &offset)) return;
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  int bit = 0;
  if (e != nullptr) {
    std::string_view value = e->string_value();
    const uint64_t byte = offset >> 3;
    bit = byte < value.size() && (Bytes(value)[byte] & BitMask(offset)) ? 1 : 0;
  }
  ctx.reply.Integer(bit);
}

// A BITCOUNT / BITPOS range resolved to bit positions [first, last] inside the string.
struct BitSpan {
  uint64_t first = 0;
  uint64_t last = 0;
  bool empty = true;
};

// Resolves start/end in bytes or bits (`in_bits`) against a string of `len` bytes the way
// GETRANGE does: negative values count from the end, then both are clamped into the string.
BitSpan ResolveSpan(int64_t start, int64_t end, bool in_bits, size_t len) {
  const int64_t total = static_cast<int64_t>(len) * (in_bits ? 8 : 1);
  if (start < 0) start += total;
  if (end < 0) end += total;
  start = std::max<int64_t>(start, 0);
  end = std::max<int64_t>(end, 0);
  end = std::min(end, total - 1);
  BitSpan span;
  if (start > end) return span;
  span.empty = false;
  span.first = in_bits ? static_cast<uint64_t>(start) : static_cast<uint64_t>(start) * 8;
  span.last = in_bits ? static_cast<uint64_t>(end) : static_cast<uint64_t>(end) * 8 + 7;
  return span;
}

// Parses the optional BYTE | BIT unit; replies a syntax error for anything else.
bool ParseUnit(CommandContext& ctx, std::string_view arg, bool* in_bits) {
  if (IsOption(arg, "BIT")) {
    *in_bits = true;
  } else if (IsOption(arg, "BYTE")) {
    *in_bits = false;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  return true;
}

uint64_t CountSpan(const uint8_t* p, BitSpan span) {
  const uint64_t first_byte = span.first >> 3;
  const uint64_t last_byte = span.last >> 3;
  uint64_t count = PopCount(p + first_byte, last_byte - first_byte + 1);
  // Take back the bits of the edge bytes that lie outside the span.
  const auto before = static_cast<uint8_t>(~(0xFFu >> (span.first & 7)));
  const auto after = static_cast<uint8_t>(0xFFu >> ((span.last & 7) + 1));
  count -= static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(p[first_byte] & before)));
  count -= static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(p[last_byte] & after)));
  return count;
}

void BitCount(CommandContext& ctx) {
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  std::string_view value = e->string_value();
  int64_t start = 0;
  int64_t end = static_cast<int64_t>(value.size()) - 1;
  bool in_bits = false;
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    if (!ParseIntArg(ctx, ctx.arg(2), &start) || !ParseIntArg(ctx, ctx.arg(3), &end)) return;
    // Redis answers an inverted all-negative range before it looks at the unit.
    if (start < 0 && end < 0 && start > end) {
      ctx.reply.Integer(0);
      return;
    }
    if (ctx.argc() == 5 && !ParseUnit(ctx, ctx.arg(4), &in_bits)) return;
  } else if (ctx.argc() != 2) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  const BitSpan span = ResolveSpan(start, end, in_bits, value.size());
  ctx.reply.Integer(span.empty ? 0 : static_cast<int64_t>(CountSpan(Bytes(value), span)));
}

// The first bit equal to `bit` in the span, or -1.
int64_t FindInSpan(const uint8_t* p, BitSpan span, int bit) {
  uint64_t pos = span.first;
  // Bit by bit up to a byte boundary, then whole words, then the tail bit by bit.
  for (; pos <= span.last && (pos & 7) != 0; ++pos) {
    if (((p[pos >> 3] & BitMask(pos)) != 0) == (bit == 1)) return static_cast<int64_t>(pos);
  }
  if (pos > span.last) return -1;
  const uint64_t whole_bytes = (span.last + 1 - pos) >> 3;
  const int64_t found = FindFirstBit(p + (pos >> 3), whole_bytes, bit);
  if (found >= 0) return static_cast<int64_t>(pos) + found;
  for (pos += whole_bytes * 8; pos <= span.last; ++pos) {
    if (((p[pos >> 3] & BitMask(pos)) != 0) == (bit == 1)) return static_cast<int64_t>(pos);
  }
  return -1;
}

void BitPos(CommandContext& ctx) {
  int64_t bit;
  if (!ParseIntArg(ctx, ctx.arg(2), &bit)) return;
  if (bit != 0 && bit != 1) {
    ctx.reply.Error("ERR The bit argument must be 1 or 0.");
    return;
  }
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  // A missing key is an endless run of zeros.
  if (e == nullptr) {
    ctx.reply.Integer(bit ? -1 : 0);
    return;
  }
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  std::string_view value = e->string_value();
  int64_t start = 0;
  int64_t end = static_cast<int64_t>(value.size()) - 1;
  bool in_bits = false;
  const bool end_given = ctx.argc() >= 5;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    if (!ParseIntArg(ctx, ctx.arg(3), &start)) return;
    if (ctx.argc() == 6 && !ParseUnit(ctx, ctx.arg(5), &in_bits)) return;
    if (end_given && !ParseIntArg(ctx, ctx.arg(4), &end)) return;
  } else if (ctx.argc() != 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  const BitSpan span = ResolveSpan(start, end, in_bits, value.size());
  if (span.empty) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t pos = FindInSpan(Bytes(value), span, static_cast<int>(bit));
  // Without an explicit end the string is taken as followed by zeros, so a clear bit is
  // always found: the first one past the string.
  if (pos < 0 && bit == 0 && !end_given) pos = static_cast<int64_t>(span.last + 1);
  ctx.reply.Integer(pos);
}

enum class BitOpKind { kAnd, kOr, kXor, kNot };

bool ParseBitOpKind(std::string_view name, BitOpKind* kind) {
  if (IsOption(name, "AND")) {
    *kind = BitOpKind::kAnd;
  } else if (IsOption(name, "OR")) {
    *kind = BitOpKind::kOr;
  } else if (IsOption(name, "XOR")) {
    *kind = BitOpKind::kXor;
  } else if (IsOption(name, "NOT")) {
    *kind = BitOpKind::kNot;
  } else {
    return false;
  }
  return true;
}

// The result is as long as the longest source; shorter (and missing) sources count as zeros.
std::string ComputeBitOp(BitOpKind kind, const std::vector<std::string_view>& sources, size_t len) {
  std::string out(len, '\0');
  auto* r = reinterpret_cast<uint8_t*>(out.data());
  const uint8_t* first = Bytes(sources[0]);
  std::copy(first, first + sources[0].size(), r);
  if (kind == BitOpKind::kNot) {
    for (size_t i = 0; i < len; ++i) r[i] = static_cast<uint8_t>(~r[i]);
    return out;
  }
  for (size_t j = 1; j < sources.size(); ++j) {
    const uint8_t* s = Bytes(sources[j]);
    const size_t n = sources[j].size();
    if (kind == BitOpKind::kAnd) {
      for (size_t i = 0; i < n; ++i) r[i] &= s[i];
      std::fill(r + n, r + len, uint8_t{0});
    } else if (kind == BitOpKind::kOr) {
      for (size_t i = 0; i < n; ++i) r[i] |= s[i];
    } else {
      for (size_t i = 0; i < n; ++i) r[i] ^= s[i];
    }
  }
  return out;
}

void BitOp(CommandContext& ctx) {
  BitOpKind kind;
  if (!ParseBitOpKind(ctx.arg(1), &kind)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (kind == BitOpKind::kNot && ctx.argc() != 4) {
    ctx.reply.Error("ERR BITOP NOT must be called with a single source key.");
    return;
  }
  std::vector<std::string_view> sources;
  size_t len = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    store::Entry* e = LookupRead(ctx, ctx.arg(j));
    if (!CheckType(ctx, e, store::ValueType::kString)) return;
    sources.push_back(e == nullptr ? std::string_view() : e->string_value());
    len = std::max(len, sources.back().size());
  }
  const std::string_view dest = ctx.arg(2);
  if (len > 0) {
    const std::string result = ComputeBitOp(kind, sources, len);
    ExpireBeforeOverwrite(ctx, dest);
    ctx.db().SetString(dest, result, -1);
    ctx.MarkDirty();
    NotifyKeyspaceEvent(ctx, config::kNotifyString, "set", dest);
  } else if (ctx.db().Delete(dest)) {
    // An empty result deletes the destination; with nothing to delete it is no write at all.
    ctx.MarkDirty();
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", dest);
  }
  ctx.reply.Integer(static_cast<int64_t>(len));
}

CommandSpec BitmapSpec(std::string_view name, int arity, uint32_t flags, Handler handler,
                       std::string_view summary, std::string_view since,
                       std::string_view complexity) {
  return SingleKeySpec(name, arity, flags, handler, "bitmap", summary, since, complexity);
}

}  // namespace

void RegisterBitCommands(CommandTable& table) {
  table.Add(BitmapSpec("setbit", 4, kWrite | kDenyOom, SetBit,
                       "Sets or clears the bit at offset in the string value stored at key",
                       "2.2.0", "O(1)"));
  table.Add(BitmapSpec("getbit", 3, kReadOnly | kFast, GetBit,
                       "Returns the bit value at offset in the string value stored at key", "2.2.0",
                       "O(1)"));
  table.Add(BitmapSpec("bitcount", -2, kReadOnly, BitCount, "Count set bits in a string", "2.6.0",
                       "O(N)"));
  table.Add(BitmapSpec("bitpos", -3, kReadOnly, BitPos, "Find first bit set or clear in a string",
                       "2.8.7", "O(N)"));
  CommandSpec bitop = BitmapSpec("bitop", -4, kWrite | kDenyOom, BitOp,
                                 "Perform bitwise operations between strings", "2.6.0", "O(N)");
  bitop.first_key = 2;
  bitop.last_key = -1;
  table.Add(std::move(bitop));
  RegisterBitfieldCommands(table);
  RegisterLcsCommand(table);
}

}  // namespace basalt::cmd
