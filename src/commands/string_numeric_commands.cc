// Counters on string values: INCR, DECR, INCRBY, DECRBY (64-bit integers, strict parsing,
// overflow refused) and INCRBYFLOAT (long double). Both keep the key's TTL. A missing key
// counts as 0.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/string_commands_internal.h"

namespace basalt::cmd {

namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// The body of the integer counters; propagated as sent, since integer steps replay exactly.
void IncrBy(CommandContext& ctx, int64_t delta) {
  std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  int64_t value = 0;
  if (e != nullptr && !ParseIntArg(ctx, e->string_value(), &value)) return;
  if ((delta < 0 && value < 0 && delta < kInt64Min - value) ||
      (delta > 0 && value > 0 && delta > kInt64Max - value)) {
    ctx.reply.Error(err::kOverflow);
    return;
  }
  value += delta;
  char buf[21];
  const int len = FormatInt64(value, buf);
  // An existing key keeps its TTL; a new one has none (a stale TTL a replica still hides
  // must not leak onto it).
  ctx.db().SetString(key, std::string_view(buf, static_cast<size_t>(len)), -1,
                     /*keep_ttl=*/e != nullptr);
  ctx.MarkDirty();
  // INCR, DECR and DECRBY are all "incrby" events, as in Redis.
  NotifyKeyspaceEvent(ctx, config::kNotifyString, "incrby", key);
  ctx.reply.Integer(value);
}

void Incr(CommandContext& ctx) { IncrBy(ctx, 1); }
void Decr(CommandContext& ctx) { IncrBy(ctx, -1); }

void IncrByCommand(CommandContext& ctx) {
  int64_t delta;
  if (!ParseIntArg(ctx, ctx.arg(2), &delta)) return;
  IncrBy(ctx, delta);
}

void DecrByCommand(CommandContext& ctx) {
  int64_t delta;
  if (!ParseIntArg(ctx, ctx.arg(2), &delta)) return;
  // -INT64_MIN does not exist; Redis refuses it with its own message.
  if (delta == kInt64Min) {
    ctx.reply.Error("ERR decrement would overflow");
    return;
  }
  IncrBy(ctx, -delta);
}

// The result is stored in INCRBYFLOAT's human format and propagated as SET <result> KEEPTTL,
// so replicas and AOF replays do not depend on their own floating-point arithmetic.
void IncrByFloat(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  long double value = 0;
  long double delta;
  if ((e != nullptr && !ParseLongDouble(e->string_value(), &value)) ||
      !ParseLongDouble(ctx.arg(2), &delta)) {
    ctx.reply.Error(err::kNotFloat);
    return;
  }
  value += delta;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.Error(err::kNanOrInf);
    return;
  }
  std::string formatted = FormatLongDoubleHuman(value);
  ctx.db().SetString(key, formatted, -1, /*keep_ttl=*/e != nullptr);
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyString, "incrbyfloat", key);
  ctx.reply.Bulk(formatted);
  ctx.PropagateAs({"SET", std::string(key), std::move(formatted), "KEEPTTL"});
}

}  // namespace

void RegisterStringNumericCommands(CommandTable& table) {
  constexpr uint32_t kFlags = kWrite | kDenyOom | kFast;
  table.Add(StringKeySpec("incr", 2, kFlags, Incr, "Increment the integer value of a key by one",
                          "1.0.0"));
  table.Add(StringKeySpec("decr", 2, kFlags, Decr, "Decrement the integer value of a key by one",
                          "1.0.0"));
  table.Add(StringKeySpec("incrby", 3, kFlags, IncrByCommand,
                          "Increment the integer value of a key by the given amount", "1.0.0"));
  table.Add(StringKeySpec("decrby", 3, kFlags, DecrByCommand,
                          "Decrement the integer value of a key by the given number", "1.0.0"));
  table.Add(StringKeySpec("incrbyfloat", 3, kFlags, IncrByFloat,
                          "Increment the float value of a key by the given amount", "2.6.0"));
}

}  // namespace basalt::cmd
