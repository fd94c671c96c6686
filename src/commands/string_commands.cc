// String commands on whole values: GET, SET (with NX/XX/GET/EX/PX/EXAT/PXAT/KEEPTTL), SETNX,
// SETEX, PSETEX, GETSET, GETDEL, GETEX, MGET, MSET, MSETNX. The partial-value commands live in
// string_range_commands.cc, the counters in string_numeric_commands.cc.
//
// Replication and the AOF must see absolute expiry times, so every command here that sets a TTL
// is propagated in a rewritten form (SET ... PXAT <ms>, PEXPIREAT), exactly as Redis 7.0 does.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/string_commands_internal.h"

namespace basalt::cmd {

namespace {

// Option bits shared by SET and GETEX.
enum SetFlag : uint32_t {
  kSetNx = 1u << 0,
  kSetXx = 1u << 1,
  kSetGet = 1u << 2,
  kKeepTtl = 1u << 3,
  kPersist = 1u << 4,
  kExpireEx = 1u << 5,
  kExpirePx = 1u << 6,
  kExpireExAt = 1u << 7,
  kExpirePxAt = 1u << 8,
};
constexpr uint32_t kAnyExpire = kExpireEx | kExpirePx | kExpireExAt | kExpirePxAt;

struct StringOptions {
  uint32_t flags = 0;
  std::string_view expire;  // the time argument of the last EX/PX/EXAT/PXAT
};

// The expire option `opt` names (0 if none).
uint32_t ExpireFlagFor(std::string_view opt) {
  if (IsOption(opt, "EX")) return kExpireEx;
  if (IsOption(opt, "PX")) return kExpirePx;
  if (IsOption(opt, "EXAT")) return kExpireExAt;
  if (IsOption(opt, "PXAT")) return kExpirePxAt;
  return 0;
}

// Parses SET's options (from argument 3) or GETEX's (from argument 2). Conflicting options are a
// syntax error, but repeating one is allowed and the last occurrence wins, as in Redis.
bool ParseStringOptions(CommandContext& ctx, bool for_set, StringOptions* out) {
  uint32_t& f = out->flags;
  for (size_t j = for_set ? 3 : 2; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    const bool has_next = j + 1 < ctx.argc();
    uint32_t expire_flag = ExpireFlagFor(opt);
    if (for_set && IsOption(opt, "NX") && !(f & kSetXx)) {
      f |= kSetNx;
    } else if (for_set && IsOption(opt, "XX") && !(f & kSetNx)) {
      f |= kSetXx;
    } else if (for_set && IsOption(opt, "GET")) {
      f |= kSetGet;
    } else if (for_set && IsOption(opt, "KEEPTTL") && !(f & kAnyExpire)) {
      f |= kKeepTtl;
    } else if (!for_set && IsOption(opt, "PERSIST") && !(f & kAnyExpire)) {
      f |= kPersist;
    } else if (expire_flag != 0 && has_next &&
               !(f & (kKeepTtl | kPersist | (kAnyExpire & ~expire_flag)))) {
      f |= expire_flag;
      out->expire = ctx.arg(++j);
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

void ReplyInvalidExpire(CommandContext& ctx) {
  ctx.reply.Error("ERR invalid expire time in '" + ctx.spec.full_name + "' command");
}

// Turns the time argument of an EX/PX/EXAT/PXAT option into an absolute unix time in ms.
// Non-positive times and times that overflow once scaled or made absolute are rejected.
bool ResolveExpire(CommandContext& ctx, uint32_t flags, std::string_view text, int64_t* at_ms) {
  int64_t v;
  if (!ParseIntArg(ctx, text, &v)) return false;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const bool seconds = (flags & (kExpireEx | kExpireExAt)) != 0;
  if (v <= 0 || (seconds && v > kMax / 1000)) {
    ReplyInvalidExpire(ctx);
    return false;
  }
  if (seconds) v *= 1000;
  if (flags & (kExpireEx | kExpirePx)) {
    if (v > kMax - ctx.now_ms) {
      ReplyInvalidExpire(ctx);
      return false;
    }
    v += ctx.now_ms;
  }
  *at_ms = v;
  return true;
}

// A string value as a bulk reply. A big one is handed to the client's output by reference
// where it can take one (see common/heap_string.h): the reply is not a second copy of it.
void ReplyValue(CommandContext& ctx, store::Entry* e) {
  if (e->encoding() == store::Encoding::kHeapString) {
    ctx.reply.SharedBulk(e->heap_string());
  } else {
    ctx.reply.Bulk(e->string_value());
  }
}

// Replies the current value of `key` for SET GET / GETSET and reports whether the key exists.
// False (after WRONGTYPE) when the key holds another type; then nothing may change.
bool ReplyOldValue(CommandContext& ctx, std::string_view key, bool* found) {
  store::Entry* e = LookupRead(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kString)) return false;
  *found = e != nullptr;
  if (e == nullptr) {
    ctx.reply.Null();
  } else {
    ReplyValue(ctx, e);
  }
  return true;
}

// Stores a string value. A big value that arrived as this request's own argument is kept in
// the buffer it was received into (the socket's copy was the only one); the view `value` stays
// valid, now inside the stored entry, for propagation after the change.
void StoreStringValue(CommandContext& ctx, std::string_view key, std::string_view value,
                      int64_t at_ms, bool keep_ttl = false) {
  if (value.size() > store::kInlineStringMax) {
    if (HeapString* owned = ctx.client.TakeArgBuffer(value)) {
      ctx.db().SetOwnedString(key, owned, at_ms, keep_ttl);
      return;
    }
  }
  ctx.db().SetString(key, value, at_ms, keep_ttl);
}

// What SET, SETNX, SETEX and PSETEX reply when the key was (or was not) written.
enum class SetReply { kOk, kOneZero };

// The common body of the SET family (Redis's setGenericCommand).
void SetGeneric(CommandContext& ctx, const StringOptions& opts, std::string_view key,
                std::string_view value, SetReply reply_kind) {
  const uint32_t flags = opts.flags;
  int64_t at_ms = -1;
  if ((flags & kAnyExpire) && !ResolveExpire(ctx, flags, opts.expire, &at_ms)) return;

  bool found;
  if (flags & kSetGet) {
    if (!ReplyOldValue(ctx, key, &found)) return;
  } else {
    found = LookupWrite(ctx, key) != nullptr;
  }
  if (((flags & kSetNx) && found) || ((flags & kSetXx) && !found)) {
    if (!(flags & kSetGet)) {
      reply_kind == SetReply::kOneZero ? ctx.reply.Integer(0) : ctx.reply.Null();
    }
    return;
  }

  StoreStringValue(ctx, key, value, at_ms, (flags & kKeepTtl) != 0);
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyString, "set", key);
  if (flags & kAnyExpire) NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "expire", key);
  if (!(flags & kSetGet)) {
    reply_kind == SetReply::kOneZero ? ctx.reply.Integer(1) : ctx.reply.Ok();
  }

  if (flags & kAnyExpire) {
    // Relative or second-based times become one absolute form; NX/XX/GET are dropped since
    // the outcome is already decided.
    ctx.PropagateAs({"SET", std::string(key), std::string(value), "PXAT", Int64ToString(at_ms)});
  } else if (flags & kSetGet) {
    // Replicas must not answer with the old value: drop every GET option.
    std::vector<std::string> argv;
    for (size_t j = 0; j < ctx.argc(); ++j) {
      if (j >= 3 && IsOption(ctx.arg(j), "GET")) continue;
      argv.emplace_back(ctx.arg(j));
    }
    ctx.PropagateAs(std::move(argv));
  }
}

void Get(CommandContext& ctx) {
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  if (e == nullptr) {
    ctx.reply.Null();
  } else {
    ReplyValue(ctx, e);
  }
}

void Set(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    // The benchmark path: no options, so no parsing, no lookup unless a TTL could be pending.
    ExpireBeforeOverwrite(ctx, ctx.arg(1));
    StoreStringValue(ctx, ctx.arg(1), ctx.arg(2), -1);
    ctx.MarkDirty();
    NotifyKeyspaceEvent(ctx, config::kNotifyString, "set", ctx.arg(1));
    ctx.reply.Ok();
    return;
  }
  StringOptions opts;
  if (!ParseStringOptions(ctx, /*for_set=*/true, &opts)) return;
  SetGeneric(ctx, opts, ctx.arg(1), ctx.arg(2), SetReply::kOk);
}

void SetNx(CommandContext& ctx) {
  SetGeneric(ctx, StringOptions{.flags = kSetNx}, ctx.arg(1), ctx.arg(2), SetReply::kOneZero);
}

void SetEx(CommandContext& ctx) {
  SetGeneric(ctx, StringOptions{.flags = kExpireEx, .expire = ctx.arg(2)}, ctx.arg(1), ctx.arg(3),
             SetReply::kOk);
}

void PSetEx(CommandContext& ctx) {
  SetGeneric(ctx, StringOptions{.flags = kExpirePx, .expire = ctx.arg(2)}, ctx.arg(1), ctx.arg(3),
             SetReply::kOk);
}

// GETSET clears any TTL, like a plain SET, and is propagated as one.
void GetSet(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  bool found;
  if (!ReplyOldValue(ctx, key, &found)) return;
  StoreStringValue(ctx, key, ctx.arg(2), -1);
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyString, "set", key);
  ctx.PropagateAs({"SET", std::string(key), std::string(ctx.arg(2))});
}

void GetDel(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  store::Entry* e = LookupRead(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  ReplyValue(ctx, e);
  ctx.db().Delete(key);
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
  ctx.PropagateAs({"DEL", std::string(key)});
}

// GETEX is never propagated as itself: it becomes PEXPIREAT, PERSIST or, when given an
// absolute time already in the past, DEL.
void GetEx(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  StringOptions opts;
  if (!ParseStringOptions(ctx, /*for_set=*/false, &opts)) return;
  store::Entry* e = LookupRead(ctx, key);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  const uint32_t flags = opts.flags;
  int64_t at_ms = -1;
  if ((flags & kAnyExpire) && !ResolveExpire(ctx, flags, opts.expire, &at_ms)) return;
  ReplyValue(ctx, e);

  store::Database& db = ctx.db();
  // While loading or as a replica the primary's stream decides when keys go away.
  const bool may_delete = !ctx.server.loading && !ctx.server.keyspace.replica_mode();
  if ((flags & (kExpireExAt | kExpirePxAt)) && at_ms <= ctx.now_ms && may_delete) {
    db.Delete(key);
    ctx.MarkDirty();
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
    ctx.PropagateAs({"DEL", std::string(key)});
  } else if (flags & kAnyExpire) {
    db.SetExpire(key, at_ms);
    ctx.MarkDirty();
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "expire", key);
    ctx.PropagateAs({"PEXPIREAT", std::string(key), Int64ToString(at_ms)});
  } else if ((flags & kPersist) && e->has_expire()) {
    db.SetExpire(key, -1);
    ctx.MarkDirty();
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "persist", key);
    ctx.PropagateAs({"PERSIST", std::string(key)});
  }
}

// Keys of other types read as nil rather than failing the whole reply.
void MGet(CommandContext& ctx) {
  ctx.reply.ArrayHeader(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    store::Entry* e = LookupRead(ctx, ctx.arg(i));
    if (e == nullptr || e->type() != store::ValueType::kString) {
      ctx.reply.Null();
    } else {
      ReplyValue(ctx, e);
    }
  }
}

// MSET and MSETNX. Later pairs win over earlier ones for a repeated key; every key loses its
// TTL.
void MSetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argc() % 2 == 0) {
    ctx.reply.Error("ERR wrong number of arguments for '" + ctx.spec.full_name + "' command");
    return;
  }
  if (nx) {
    for (size_t i = 1; i < ctx.argc(); i += 2) {
      if (LookupWrite(ctx, ctx.arg(i)) != nullptr) {
        ctx.reply.Integer(0);
        return;
      }
    }
  }
  store::Database& db = ctx.db();
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    if (!nx) ExpireBeforeOverwrite(ctx, ctx.arg(i));
    db.SetString(ctx.arg(i), ctx.arg(i + 1), -1);
    NotifyKeyspaceEvent(ctx, config::kNotifyString, "set", ctx.arg(i));
  }
  ctx.MarkDirty(static_cast<int64_t>(ctx.argc() - 1) / 2);
  nx ? ctx.reply.Integer(1) : ctx.reply.Ok();
}

void MSet(CommandContext& ctx) { MSetGeneric(ctx, /*nx=*/false); }
void MSetNx(CommandContext& ctx) { MSetGeneric(ctx, /*nx=*/true); }

}  // namespace

CommandSpec StringKeySpec(std::string_view name, int arity, uint32_t flags, Handler handler,
                          std::string_view summary, std::string_view since,
                          std::string_view complexity) {
  return SingleKeySpec(name, arity, flags, handler, "string", summary, since, complexity);
}

bool CheckStringLength(CommandContext& ctx, uint64_t base, uint64_t extra) {
  const uint64_t max = static_cast<uint64_t>(ctx.server.config.settings().proto_max_bulk_len);
  if (base > max || extra > max - base) {
    ctx.reply.Error(err::kStringTooLong);
    return false;
  }
  return true;
}

void RegisterStringCommands(CommandTable& table) {
  table.Add(StringKeySpec("get", 2, kReadOnly | kFast, Get, "Get the value of a key", "1.0.0"));
  table.Add(
      StringKeySpec("set", -3, kWrite | kDenyOom, Set, "Set the string value of a key", "1.0.0"));
  table.Add(StringKeySpec("setnx", 3, kWrite | kDenyOom | kFast, SetNx,
                          "Set the value of a key, only if the key does not exist", "1.0.0"));
  table.Add(StringKeySpec("setex", 4, kWrite | kDenyOom, SetEx,
                          "Set the value and expiration of a key", "2.0.0"));
  table.Add(StringKeySpec("psetex", 4, kWrite | kDenyOom, PSetEx,
                          "Set the value and expiration in milliseconds of a key", "2.6.0"));
  table.Add(StringKeySpec("getset", 3, kWrite | kDenyOom | kFast, GetSet,
                          "Set the string value of a key and return its old value", "1.0.0"));
  table.Add(StringKeySpec("getdel", 2, kWrite | kFast, GetDel,
                          "Get the value of a key and delete the key", "6.2.0"));
  table.Add(StringKeySpec("getex", -2, kWrite | kFast, GetEx,
                          "Get the value of a key and optionally set its expiration", "6.2.0"));
  table.Add(KeysSpec("mget", -2, kReadOnly | kFast, {1, -1, 1}, MGet, "string",
                     "Get the values of all the given keys", "1.0.0",
                     "O(N) where N is the number of keys to retrieve."));
  table.Add(KeysSpec("mset", -3, kWrite | kDenyOom, {1, -1, 2}, MSet, "string",
                     "Set multiple keys to multiple values", "1.0.1",
                     "O(N) where N is the number of keys to set."));
  table.Add(KeysSpec("msetnx", -3, kWrite | kDenyOom, {1, -1, 2}, MSetNx, "string",
                     "Set multiple keys to multiple values, only if none of the keys exist",
                     "1.0.1", "O(N) where N is the number of keys to set."));
  RegisterStringRangeCommands(table);
  RegisterStringNumericCommands(table);
}

}  // namespace basalt::cmd
