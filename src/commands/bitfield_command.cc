// BITFIELD and BITFIELD_RO: integers of 1 to 64 bits (unsigned up to 63, since a reply is a
// signed 64-bit integer) at arbitrary bit offsets of a string.
//
// The whole command is parsed before anything runs, so a bad argument anywhere leaves the value
// untouched. Overflow of SET and INCRBY follows the OVERFLOW mode in force where the operation
// appears: WRAP (modular, the default), SAT (clamp to the type's range) or FAIL (no write, a
// null reply).
#include <cstdint>
#include <string_view>
#include <vector>

#include "commands/bit_commands_internal.h"
#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"

namespace basalt::cmd {

namespace {

enum class OpCode { kGet, kSet, kIncrBy };
enum class Overflow { kWrap, kSat, kFail };

struct FieldOp {
  OpCode code;
  Overflow overflow;
  bool is_signed;
  int bits;
  uint64_t offset;
  int64_t value;  // SET's value or INCRBY's increment
};

// Parses "i<bits>" (1..64) or "u<bits>" (1..63); the prefix is case-sensitive, as in Redis.
bool ParseFieldType(CommandContext& ctx, std::string_view text, bool* is_signed, int* bits) {
  constexpr std::string_view kError =
      "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
      "i64 is.";
  int64_t n = 0;
  const bool ok = !text.empty() && (text[0] == 'i' || text[0] == 'u') &&
                  ParseInt64(text.substr(1), &n) && n >= 1 && n <= (text[0] == 'i' ? 64 : 63);
  if (!ok) {
    ctx.reply.Error(kError);
    return false;
  }
  *is_signed = text[0] == 'i';
  *bits = static_cast<int>(n);
  return true;
}

// One subcommand starting at argument *j; advances *j past its arguments. OVERFLOW only
// changes *overflow and adds no operation (*op untouched, returns true with *added false).
bool ParseOp(CommandContext& ctx, size_t* j, Overflow* overflow, FieldOp* op, bool* added) {
  std::string_view name = ctx.arg(*j);
  const size_t remaining = ctx.argc() - *j - 1;
  *added = false;
  if (IsOption(name, "OVERFLOW") && remaining >= 1) {
    std::string_view mode = ctx.arg(++*j);
    if (IsOption(mode, "WRAP")) {
      *overflow = Overflow::kWrap;
    } else if (IsOption(mode, "SAT")) {
      *overflow = Overflow::kSat;
    } else if (IsOption(mode, "FAIL")) {
      *overflow = Overflow::kFail;
    } else {
      ctx.reply.Error("ERR Invalid OVERFLOW type specified");
      return false;
    }
    return true;
  }
  if (IsOption(name, "GET") && remaining >= 2) {
    op->code = OpCode::kGet;
  } else if (IsOption(name, "SET") && remaining >= 3) {
    op->code = OpCode::kSet;
  } else if (IsOption(name, "INCRBY") && remaining >= 3) {
    op->code = OpCode::kIncrBy;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  if (!ParseFieldType(ctx, ctx.arg(*j + 1), &op->is_signed, &op->bits)) return false;
  if (!ParseBitOffset(ctx, ctx.arg(*j + 2), op->bits, &op->offset)) return false;
  op->value = 0;
  if (op->code != OpCode::kGet && !ParseIntArg(ctx, ctx.arg(*j + 3), &op->value)) return false;
  op->overflow = *overflow;
  *j += op->code == OpCode::kGet ? 2 : 3;
  *added = true;
  return true;
}

// The field's raw bits (zero-extended), read bit by bit; bytes past `len` read as zeros.
uint64_t ReadField(const uint8_t* p, size_t len, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int i = 0; i < bits; ++i, ++offset) {
    const uint64_t byte = offset >> 3;
    const int bit = byte < len ? (p[byte] >> (7 - (offset & 7))) & 1 : 0;
    v = (v << 1) | static_cast<uint64_t>(bit);
  }
  return v;
}

void WriteField(uint8_t* p, uint64_t offset, int bits, uint64_t v) {
  for (int i = bits - 1; i >= 0; --i, ++offset) {
    const auto mask = static_cast<uint8_t>(0x80u >> (offset & 7));
    if ((v >> i) & 1) {
      p[offset >> 3] |= mask;
    } else {
      p[offset >> 3] &= static_cast<uint8_t>(~mask);
    }
  }
}

// Interprets raw field bits as the op's type.
__int128 FieldValue(const FieldOp& op, uint64_t raw) {
  if (!op.is_signed || op.bits == 64) {
    return op.is_signed ? static_cast<__int128>(static_cast<int64_t>(raw)) : raw;
  }
  const uint64_t sign = uint64_t{1} << (op.bits - 1);
  return static_cast<__int128>(static_cast<int64_t>((raw ^ sign) - sign));
}

struct WriteOutcome {
  bool fail = false;   // FAIL mode and out of range: nothing is written
  uint64_t raw = 0;    // the bits to store
  int64_t stored = 0;  // the stored value, as the type reads it
};

// Which side of the op's type `wanted` falls out on: 1 above, -1 below, 0 inside.
int OverflowSide(const FieldOp& op, __int128 wanted, __int128 min, __int128 max) {
  // Redis 7.0 checks a signed SET by computing max - value in 64 bits, which wraps for values
  // at least 2^63 below max: those are reported as too big, so SAT stores the maximum. We
  // reproduce that, replies and stored bits being observable.
  if (op.code == OpCode::kSet && op.is_signed && op.bits < 64 &&
      max - wanted >= (static_cast<__int128>(1) << 63)) {
    return 1;
  }
  return wanted > max ? 1 : wanted < min ? -1 : 0;
}

// Fits `wanted` (exact, in 128 bits) into the op's type under its overflow mode.
WriteOutcome FitValue(const FieldOp& op, __int128 wanted) {
  const __int128 one = 1;
  const __int128 min = op.is_signed ? -(one << (op.bits - 1)) : 0;
  const __int128 max = op.is_signed ? (one << (op.bits - 1)) - 1 : (one << op.bits) - 1;
  WriteOutcome out;
  const int side = OverflowSide(op, wanted, min, max);
  if (side != 0) {
    if (op.overflow == Overflow::kFail) {
      out.fail = true;
      return out;
    }
    if (op.overflow == Overflow::kSat) wanted = side > 0 ? max : min;
  }
  // Two's complement truncation to the field's width is exactly WRAP's modular result.
  const uint64_t mask = op.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << op.bits) - 1;
  out.raw = static_cast<uint64_t>(wanted) & mask;
  out.stored = static_cast<int64_t>(FieldValue(op, out.raw));
  return out;
}

// Runs a SET or INCRBY; returns whether it stored anything.
bool RunWrite(CommandContext& ctx, BitStringEditor& bits, const FieldOp& op) {
  const uint64_t old_raw = ReadField(bits.data(), bits.size(), op.offset, op.bits);
  const __int128 old_value = FieldValue(op, old_raw);
  // An unsigned SET takes the argument as the 64-bit pattern it is: -1 is 2^64-1, too big.
  const __int128 wanted = op.code == OpCode::kIncrBy ? old_value + op.value
                          : op.is_signed             ? static_cast<__int128>(op.value)
                                         : static_cast<__int128>(static_cast<uint64_t>(op.value));
  const WriteOutcome out = FitValue(op, wanted);
  if (out.fail) {
    ctx.reply.Null();
    return false;
  }
  ctx.reply.Integer(op.code == OpCode::kSet ? static_cast<int64_t>(old_value) : out.stored);
  if (out.raw == old_raw && !bits.grew()) return false;
  if (out.raw != old_raw) WriteField(bits.Touch(), op.offset, op.bits, out.raw);
  return true;
}

void ReplyGet(CommandContext& ctx, const uint8_t* p, size_t len, const FieldOp& op) {
  ctx.reply.Integer(static_cast<int64_t>(FieldValue(op, ReadField(p, len, op.offset, op.bits))));
}

void BitFieldGeneric(CommandContext& ctx, bool read_only_command) {
  std::vector<FieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  uint64_t write_end = 0;  // one past the last bit a SET / INCRBY touches
  for (size_t j = 2; j < ctx.argc(); ++j) {
    FieldOp op;
    bool added;
    if (!ParseOp(ctx, &j, &overflow, &op, &added)) return;
    if (!added) continue;
    if (op.code != OpCode::kGet) write_end = std::max(write_end, op.offset + op.bits);
    ops.push_back(op);
  }
  std::string_view key = ctx.arg(1);
  if (write_end == 0) {
    store::Entry* e = LookupRead(ctx, key);
    if (!CheckType(ctx, e, store::ValueType::kString)) return;
    std::string_view value = e == nullptr ? std::string_view() : e->string_value();
    ctx.reply.ArrayHeader(ops.size());
    for (const FieldOp& op : ops) {
      ReplyGet(ctx, reinterpret_cast<const uint8_t*>(value.data()), value.size(), op);
    }
    return;
  }
  if (read_only_command) {
    ctx.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
    return;
  }
  BitStringEditor bits;
  // Created or lengthened even if every write then fails its overflow check, as in Redis,
  // which then neither propagates nor signals the key (BitStringEditor grows it quietly).
  if (!bits.Open(ctx, key, ((write_end - 1) >> 3) + 1)) return;
  ctx.reply.ArrayHeader(ops.size());
  int64_t changes = 0;
  for (const FieldOp& op : ops) {
    if (op.code == OpCode::kGet) {
      ReplyGet(ctx, bits.data(), bits.size(), op);
    } else if (RunWrite(ctx, bits, op)) {
      ++changes;
    }
  }
  // A write that stored its field's old value into grown bytes changed the key all the same.
  if (changes > 0) bits.Touch();
  bits.Finish();
  // Only writes that stored something count: a BITFIELD of GETs, of values already there or
  // of failed writes is not propagated.
  if (changes > 0) {
    ctx.MarkDirty(changes);
    NotifyKeyspaceEvent(ctx, config::kNotifyString, "setbit", key);
  }
}

void BitField(CommandContext& ctx) { BitFieldGeneric(ctx, false); }
void BitFieldRo(CommandContext& ctx) { BitFieldGeneric(ctx, true); }

}  // namespace

void RegisterBitfieldCommands(CommandTable& table) {
  table.Add(SingleKeySpec("bitfield", -2, kWrite | kDenyOom, BitField, "bitmap",
                          "Perform arbitrary bitfield integer operations on strings", "3.2.0",
                          "O(1) for each subcommand specified"));
  table.Add(SingleKeySpec("bitfield_ro", -2, kReadOnly | kFast, BitFieldRo, "bitmap",
                          "Perform arbitrary bitfield integer operations on strings. Read-only "
                          "variant of BITFIELD",
                          "6.0.0", "O(1) for each subcommand specified"));
}

}  // namespace basalt::cmd
