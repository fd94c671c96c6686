// Hash commands: HSET HSETNX HMSET HGET HMGET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL
// HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, over store::HashRef (a small hash's listpack in its
// entry, or a HashValue).
//
// Conventions shared by every collection command file:
//  - a command that finds no key answers as for an empty collection and never creates one,
//    unless it adds elements;
//  - an existing value is announced (PrepareModify) only once the command is sure to change
//    it, so a failed or no-op command neither dirties WATCH nor makes a snapshot copy;
//  - the last element removed deletes the key ("del" event after the command's own event).
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/random_picks.h"
#include "common/strings.h"
#include "store/hash_ref.h"

namespace basalt::cmd {

namespace {

using store::HashRef;

// The hash at `key` for a read: nullopt when absent; *ok is false after a WRONGTYPE reply.
std::optional<HashRef> ReadHash(CommandContext& ctx, std::string_view key, bool* ok) {
  store::Entry* e = LookupRead(ctx, key);
  *ok = CheckType(ctx, e, store::ValueType::kHash);
  if (!*ok || e == nullptr) return std::nullopt;
  return HashRef(e);
}

// The hash at `key` about to receive fields: the existing one, announced as changing, or a
// new empty one. nullopt after a WRONGTYPE reply.
std::optional<HashRef> HashForAdd(CommandContext& ctx, std::string_view key) {
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kHash)) return std::nullopt;
  if (e == nullptr) {
    // Born compact: no HashValue and listpack to build only to convert them at once.
    e = store::Entry::NewCompact(key, store::ValueType::kHash, store::SmallHash::NewBlock(), -1);
    ctx.db().Insert(e);
    return HashRef(e);
  }
  return HashRef(ctx.db().PrepareModify(e));
}

// Redis converts before adding when one of the arguments is too long for a listpack (even a
// value later overwritten in the same HSET). The field count is checked after the writes
// (HashValue::Set), so repeated fields do not count twice.
void ConvertForArgs(CommandContext& ctx, HashRef& h, size_t first, size_t last) {
  if (!h.is_listpack()) return;
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  for (size_t i = first; i <= last; ++i) {
    if (ctx.arg(i).size() > static_cast<uint64_t>(limits.hash_max_listpack_value)) {
      h.ConvertToTable();
      return;
    }
  }
}

void HSetGeneric(CommandContext& ctx, bool reply_count) {
  if (ctx.argc() % 2 != 0) {
    ctx.reply.Error("ERR wrong number of arguments for '" + ctx.spec.full_name + "' command");
    return;
  }
  const std::string_view key = ctx.arg(1);
  std::optional<HashRef> h = HashForAdd(ctx, key);
  if (!h) return;
  ConvertForArgs(ctx, *h, 2, ctx.argc() - 1);
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) created += h->Set(ctx.arg(i), ctx.arg(i + 1), limits);
  reply_count ? ctx.reply.Integer(created) : ctx.reply.Ok();
  ctx.MarkDirty(static_cast<int64_t>((ctx.argc() - 2) / 2));
  NotifyKeyspaceEvent(ctx, config::kNotifyHash, "hset", key);
}

void HSet(CommandContext& ctx) { HSetGeneric(ctx, /*reply_count=*/true); }
void HMSet(CommandContext& ctx) { HSetGeneric(ctx, /*reply_count=*/false); }

void HSetNx(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kHash)) return;
  if (e != nullptr && HashRef(e).Contains(ctx.arg(2))) {
    ctx.reply.Integer(0);
    return;
  }
  std::optional<HashRef> h = HashForAdd(ctx, key);
  ConvertForArgs(ctx, *h, 2, 3);
  h->Set(ctx.arg(2), ctx.arg(3), ctx.server.keyspace.encoding_limits());
  ctx.reply.Integer(1);
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyHash, "hset", key);
}

void HGet(CommandContext& ctx) {
  bool ok;
  std::optional<HashRef> h = ReadHash(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  std::string_view value;
  if (!h || !h->Get(ctx.arg(2), &value)) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(value);
}

void HMGet(CommandContext& ctx) {
  bool ok;
  std::optional<HashRef> h = ReadHash(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view value;
    if (h && h->Get(ctx.arg(i), &value)) {
      ctx.reply.Bulk(value);
    } else {
      ctx.reply.Null();
    }
  }
}

void HDel(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kHash)) return;
  int64_t deleted = 0;
  bool prepared = false;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  HashRef h(e);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!h.Contains(ctx.arg(i))) continue;
    if (!prepared) ctx.db().PrepareModify(e);
    prepared = true;
    h.Delete(ctx.arg(i));
    ++deleted;
    if (h.size() == 0) break;
  }
  ctx.reply.Integer(deleted);
  if (deleted == 0) return;
  ctx.MarkDirty(deleted);
  NotifyKeyspaceEvent(ctx, config::kNotifyHash, "hdel", key);
  if (h.size() == 0) {
    ctx.db().Delete(key);
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
  }
}

void HLen(CommandContext& ctx) {
  bool ok;
  std::optional<HashRef> h = ReadHash(ctx, ctx.arg(1), &ok);
  if (ok) ctx.reply.Integer(!h ? 0 : static_cast<int64_t>(h->size()));
}

void HStrLen(CommandContext& ctx) {
  bool ok;
  std::optional<HashRef> h = ReadHash(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  std::string_view value;
  const bool found = h && h->Get(ctx.arg(2), &value);
  ctx.reply.Integer(found ? static_cast<int64_t>(value.size()) : 0);
}

void HExists(CommandContext& ctx) {
  bool ok;
  std::optional<HashRef> h = ReadHash(ctx, ctx.arg(1), &ok);
  if (ok) ctx.reply.Integer(h && h->Contains(ctx.arg(2)) ? 1 : 0);
}

enum class Parts { kFields, kValues, kBoth };

void HGetAllGeneric(CommandContext& ctx, Parts parts) {
  bool ok;
  std::optional<HashRef> h = ReadHash(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  const size_t n = !h ? 0 : h->size();
  parts == Parts::kBoth ? ctx.reply.MapHeader(n) : ctx.reply.ArrayHeader(n);
  if (!h) return;
  h->ForEach([&](std::string_view field, std::string_view value) {
    if (parts != Parts::kValues) ctx.reply.Bulk(field);
    if (parts != Parts::kFields) ctx.reply.Bulk(value);
  });
}

void HKeys(CommandContext& ctx) { HGetAllGeneric(ctx, Parts::kFields); }
void HVals(CommandContext& ctx) { HGetAllGeneric(ctx, Parts::kValues); }
void HGetAll(CommandContext& ctx) { HGetAllGeneric(ctx, Parts::kBoth); }

// The field's current value for HINCRBY / HINCRBYFLOAT (absent: nullopt-like false).
bool CurrentValue(store::Entry* e, std::string_view field, std::string_view* value) {
  return e != nullptr && HashRef(e).Get(field, value);
}

// Stores the new value of an increment and announces it.
void StoreIncrement(CommandContext& ctx, store::Entry* e, std::string_view value,
                    std::string_view event) {
  const std::string_view key = ctx.arg(1);
  HashRef h = e == nullptr ? std::move(*HashForAdd(ctx, key)) : HashRef(ctx.db().PrepareModify(e));
  h.Set(ctx.arg(2), value, ctx.server.keyspace.encoding_limits());
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyHash, event, key);
}

void HIncrBy(CommandContext& ctx) {
  int64_t incr;
  if (!ParseIntArg(ctx, ctx.arg(3), &incr)) return;
  store::Entry* e = LookupWrite(ctx, ctx.arg(1));
  if (!CheckType(ctx, e, store::ValueType::kHash)) return;
  std::string_view current;
  int64_t value = 0;
  if (CurrentValue(e, ctx.arg(2), &current) && !ParseInt64(current, &value)) {
    ctx.reply.Error("ERR hash value is not an integer");
    return;
  }
  if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
      (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
    ctx.reply.Error(err::kOverflow);
    return;
  }
  value += incr;
  StoreIncrement(ctx, e, Int64ToString(value), "hincrby");
  ctx.reply.Integer(value);
}

void HIncrByFloat(CommandContext& ctx) {
  long double incr;
  if (!ParseLongDouble(ctx.arg(3), &incr)) {
    ctx.reply.Error(err::kNotFloat);
    return;
  }
  if (std::isnan(incr) || std::isinf(incr)) {
    ctx.reply.Error("ERR value is NaN or Infinity");
    return;
  }
  store::Entry* e = LookupWrite(ctx, ctx.arg(1));
  if (!CheckType(ctx, e, store::ValueType::kHash)) return;
  std::string_view current;
  long double value = 0;
  if (CurrentValue(e, ctx.arg(2), &current) && !ParseLongDouble(current, &value)) {
    ctx.reply.Error("ERR hash value is not a float");
    return;
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.Error(err::kNanOrInf);
    return;
  }
  const std::string text = FormatLongDoubleHuman(value);
  StoreIncrement(ctx, e, text, "hincrbyfloat");
  ctx.reply.Bulk(text);
  // Replicas and the AOF get the result, not the float arithmetic (which could differ).
  ctx.PropagateAs({"HSET", std::string(ctx.arg(1)), std::string(ctx.arg(2)), text});
}

// One HRANDFIELD element: the field, or with WITHVALUES the field and its value (a pair of
// its own in RESP3, two flat elements in RESP2).
void ReplyRandomElement(CommandContext& ctx, std::string_view field, std::string_view value,
                        bool with_values) {
  if (with_values && ctx.reply.protocol() >= 3) ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(field);
  if (with_values) ctx.reply.Bulk(value);
}

// `count` distinct random fields of h (count < h.size()), with their values.
void ReplyDistinctRandom(CommandContext& ctx, const HashRef& h, size_t count, bool with_values) {
  using Pair = std::pair<std::string, std::string>;
  const std::vector<Pair> picked = PickDistinct<Pair>(
      ctx.server.keyspace.rng(), h.size(), count,
      [&] {
        std::vector<Pair> all;
        h.ForEach([&](std::string_view f, std::string_view v) { all.emplace_back(f, v); });
        return all;
      },
      [&] {
        std::string_view f;
        std::string_view v;
        h.RandomField(ctx.server.keyspace.rng(), &f, &v);
        return Pair(f, v);
      },
      [](const Pair& p) { return p.first; });
  ReplyPicksHeader(ctx, count, with_values);
  for (const auto& [f, v] : picked) ReplyRandomElement(ctx, f, v, with_values);
}

void HRandFieldWithCount(CommandContext& ctx, int64_t count, bool with_values) {
  bool ok;
  std::optional<HashRef> h = ReadHash(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  ReplyRandomPicks(
      ctx, !h ? 0 : h->size(), count, with_values,
      [&] {
        std::string_view f;
        std::string_view v;
        h->RandomField(ctx.server.keyspace.rng(), &f, &v);
        ReplyRandomElement(ctx, f, v, with_values);
      },
      [&] {
        h->ForEach([&](std::string_view f, std::string_view v) {
          ReplyRandomElement(ctx, f, v, with_values);
        });
      },
      [&](size_t n) { ReplyDistinctRandom(ctx, *h, n, with_values); });
}

// HRANDFIELD key [count [WITHVALUES]]
void HRandField(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    int64_t count;
    bool with_values;
    if (!ParseRandomCount(ctx, "withvalues", &count, &with_values)) return;
    HRandFieldWithCount(ctx, count, with_values);
    return;
  }
  bool ok;
  std::optional<HashRef> h = ReadHash(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  if (!h) {
    ctx.reply.Null();
    return;
  }
  std::string_view f;
  std::string_view v;
  h->RandomField(ctx.server.keyspace.rng(), &f, &v);
  ctx.reply.Bulk(f);
}

// HSCAN key cursor [MATCH pattern] [COUNT count]. A listpack answers whole with cursor 0; a
// table walks buckets until COUNT fields were seen or 10 x COUNT buckets, then filters fields
// by the pattern (as Redis 7.0 measures it: fields, not fields and values).
void HScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) {
    ctx.reply.Error(err::kInvalidCursor);
    return;
  }
  bool ok;
  std::optional<HashRef> h = ReadHash(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  if (!h) {
    ReplyScan(ctx, 0, {});
    return;
  }
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 3, /*allow_type=*/false, &opts)) return;
  std::vector<std::string> found;  // field, value, field, value, ...
  auto collect = [&](std::string_view f, std::string_view v) {
    if (opts.has_pattern && !GlobMatch(opts.pattern, f)) return;
    found.emplace_back(f);
    found.emplace_back(v);
  };
  if (h->is_listpack()) {
    cursor = h->Scan(0, collect);
  } else {
    cursor = WalkScanSteps(cursor, opts.count, [&](uint64_t at, uint64_t* seen) {
      return h->Scan(at, [&](std::string_view f, std::string_view v) {
        ++*seen;
        collect(f, v);
      });
    });
  }
  ReplyScan(ctx, cursor, found);
}

}  // namespace

void RegisterHashCommands(CommandTable& table) {
  auto add = [&](std::string_view name, int arity, uint32_t flags, Handler handler,
                 std::string_view summary, std::string_view since,
                 std::string_view complexity = "O(1)") {
    CommandSpec spec =
        SingleKeySpec(name, arity, flags, handler, "hash", summary, since, complexity);
    table.Add(std::move(spec));
  };
  add("hset", -4, kWrite | kDenyOom | kFast, HSet, "Set the string value of a hash field", "2.0.0",
      "O(1) for each field/value pair added");
  add("hmset", -4, kWrite | kDenyOom | kFast, HMSet, "Set multiple hash fields to multiple values",
      "2.0.0", "O(N) where N is the number of fields being set.");
  add("hsetnx", 4, kWrite | kDenyOom | kFast, HSetNx,
      "Set the value of a hash field, only if the field does not exist", "2.0.0");
  add("hget", 3, kReadOnly | kFast, HGet, "Get the value of a hash field", "2.0.0");
  add("hmget", -3, kReadOnly | kFast, HMGet, "Get the values of all the given hash fields", "2.0.0",
      "O(N) where N is the number of fields being requested.");
  add("hdel", -3, kWrite | kFast, HDel, "Delete one or more hash fields", "2.0.0",
      "O(N) where N is the number of fields to be removed.");
  add("hlen", 2, kReadOnly | kFast, HLen, "Get the number of fields in a hash", "2.0.0");
  add("hstrlen", 3, kReadOnly | kFast, HStrLen, "Get the length of the value of a hash field",
      "3.2.0");
  add("hexists", 3, kReadOnly | kFast, HExists, "Determine if a hash field exists", "2.0.0");
  add("hkeys", 2, kReadOnly, HKeys, "Get all the fields in a hash", "2.0.0",
      "O(N) where N is the size of the hash.");
  add("hvals", 2, kReadOnly, HVals, "Get all the values in a hash", "2.0.0",
      "O(N) where N is the size of the hash.");
  add("hgetall", 2, kReadOnly, HGetAll, "Get all the fields and values in a hash", "2.0.0",
      "O(N) where N is the size of the hash.");
  add("hincrby", 4, kWrite | kDenyOom | kFast, HIncrBy,
      "Increment the integer value of a hash field by the given number", "2.0.0");
  add("hincrbyfloat", 4, kWrite | kDenyOom | kFast, HIncrByFloat,
      "Increment the float value of a hash field by the given amount", "2.6.0");
  add("hrandfield", -2, kReadOnly, HRandField, "Get one or multiple random fields from a hash",
      "6.2.0", "O(N) where N is the number of fields returned");
  add("hscan", -3, kReadOnly, HScan, "Incrementally iterate hash fields and associated values",
      "2.8.0",
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
      "the cursor to return back to 0. N is the number of elements inside the collection.");
}

}  // namespace basalt::cmd
