// Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME,
// PERSIST.
//
// Deadlines are absolute Unix milliseconds everywhere below the handlers. Relative forms are
// propagated as PEXPIREAT with the computed deadline, so the AOF and replicas expire the key
// at the same instant however late they apply the command.
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"

namespace basalt::cmd {

namespace {

enum ExpireFlag : unsigned {
  kExpireNx = 1u << 0,
  kExpireXx = 1u << 1,
  kExpireGt = 1u << 2,
  kExpireLt = 1u << 3,
};

// NX | XX | GT | LT after the time argument, any order, repeats allowed.
bool ParseExpireFlags(CommandContext& ctx, unsigned* flags) {
  for (size_t i = 3; i < ctx.argc(); ++i) {
    const std::string_view opt = ctx.arg(i);
    if (IsOption(opt, "nx")) {
      *flags |= kExpireNx;
    } else if (IsOption(opt, "xx")) {
      *flags |= kExpireXx;
    } else if (IsOption(opt, "gt")) {
      *flags |= kExpireGt;
    } else if (IsOption(opt, "lt")) {
      *flags |= kExpireLt;
    } else {
      ctx.reply.Error("ERR Unsupported option " + std::string(opt));
      return false;
    }
  }
  if ((*flags & kExpireNx) && (*flags & (kExpireXx | kExpireGt | kExpireLt))) {
    ctx.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((*flags & kExpireGt) && (*flags & kExpireLt)) {
    ctx.reply.Error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

// Whether the NX/XX/GT/LT conditions allow replacing `current` (-1: no TTL) with `when`. A key
// without a TTL counts as an infinite TTL: GT never beats it, LT always does.
bool ConditionsAllow(unsigned flags, int64_t current, int64_t when) {
  if ((flags & kExpireNx) && current != -1) return false;
  if ((flags & kExpireXx) && current == -1) return false;
  if ((flags & kExpireGt) && (current == -1 || when <= current)) return false;
  if ((flags & kExpireLt) && current != -1 && when >= current) return false;
  return true;
}

void InvalidExpireTime(CommandContext& ctx) {
  ctx.reply.Error("ERR invalid expire time in '" + ctx.spec.full_name + "' command");
}

// The four setters. `relative`: the time counts from now; `seconds`: its unit is seconds.
void ExpireGeneric(CommandContext& ctx, bool relative, bool seconds) {
  unsigned flags = 0;
  if (!ParseExpireFlags(ctx, &flags)) return;
  int64_t when;
  if (!ParseIntArg(ctx, ctx.arg(2), &when)) return;
  // Negative times are allowed (they delete the key), but a deadline that does not fit in
  // 64 bits of milliseconds is an error.
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) return InvalidExpireTime(ctx);
    when *= 1000;
  }
  const int64_t base = relative ? ctx.now_ms : 0;
  if (when > INT64_MAX - base) return InvalidExpireTime(ctx);
  when += base;

  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (e == nullptr || !ConditionsAllow(flags, e->expire_at(), when)) {
    ctx.reply.Integer(0);
    return;
  }

  // A deadline already reached deletes the key now, and replicas get a plain DEL. While
  // loading, or on a replica, the TTL is stored as given instead: the source of the stream
  // decides when the key goes.
  const bool may_delete = !ctx.server.loading && !ctx.server.keyspace.replica_mode();
  if (when <= ctx.now_ms && may_delete) {
    ctx.db().Delete(key);
    ctx.MarkDirty();
    NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
    ctx.PropagateAs({"DEL", std::string(key)});
    ctx.reply.Integer(1);
    return;
  }
  // Entries use -1 for "no TTL", so a negative deadline kept on a replica is stored as 0: as
  // much in the past, and still a TTL.
  ctx.db().SetExpire(key, when < 0 ? 0 : when);
  ctx.MarkDirty();
  ctx.reply.Integer(1);
  // After the reply, unlike the deleting branch above: a RESP3 client subscribed to its own
  // events sees the push in the same place as with Redis.
  NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "expire", key);
  // PEXPIREAT is already absolute in milliseconds and is propagated as sent.
  if (relative || seconds) {
    std::vector<std::string> argv = {"PEXPIREAT", std::string(key), std::to_string(when)};
    for (size_t i = 3; i < ctx.argc(); ++i) argv.emplace_back(ctx.arg(i));
    ctx.PropagateAs(std::move(argv));
  }
}

void Expire(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void PExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void ExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }
void PExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }

// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 for a key without TTL.
// Seconds are rounded to the nearest, as Redis does ((ms + 500) / 1000).
void TtlGeneric(CommandContext& ctx, bool absolute, bool millis) {
  const store::Entry* e = LookupRead(ctx, ctx.arg(1), /*touch=*/false);
  if (e == nullptr) {
    ctx.reply.Integer(-2);
    return;
  }
  if (!e->has_expire()) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t ms = absolute ? e->expire_at() : e->expire_at() - ctx.now_ms;
  if (ms < 0) ms = 0;
  ctx.reply.Integer(millis ? ms : (ms + 500) / 1000);
}

void Ttl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PTtl(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void ExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void PExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void Persist(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  const store::Entry* e = LookupWrite(ctx, key);
  if (e == nullptr || !e->has_expire()) {
    ctx.reply.Integer(0);
    return;
  }
  ctx.db().SetExpire(key, -1);
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "persist", key);
  ctx.reply.Integer(1);
}

CommandSpec KeySpec(std::string_view name, int arity, uint32_t flags, Handler handler,
                    std::string_view summary, std::string_view since) {
  return SingleKeySpec(name, arity, flags, handler, "generic", summary, since);
}

}  // namespace

void RegisterExpireCommands(CommandTable& table) {
  constexpr uint32_t kSetter = kWrite | kFast;
  constexpr uint32_t kGetter = kReadOnly | kFast;
  table.Add(KeySpec("expire", -3, kSetter, Expire, "Set a key's time to live in seconds", "1.0.0"));
  table.Add(KeySpec("pexpire", -3, kSetter, PExpire, "Set a key's time to live in milliseconds",
                    "2.6.0"));
  table.Add(KeySpec("expireat", -3, kSetter, ExpireAt,
                    "Set the expiration for a key as a UNIX timestamp", "1.2.0"));
  table.Add(KeySpec("pexpireat", -3, kSetter, PExpireAt,
                    "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
                    "2.6.0"));
  table.Add(KeySpec("ttl", 2, kGetter, Ttl, "Get the time to live for a key in seconds", "1.0.0"));
  table.Add(
      KeySpec("pttl", 2, kGetter, PTtl, "Get the time to live for a key in milliseconds", "2.6.0"));
  table.Add(KeySpec("expiretime", 2, kGetter, ExpireTime,
                    "Get the expiration Unix timestamp for a key", "7.0.0"));
  table.Add(KeySpec("pexpiretime", 2, kGetter, PExpireTime,
                    "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0"));
  table.Add(KeySpec("persist", 2, kSetter, Persist, "Remove the expiration from a key", "2.2.0"));
}

}  // namespace basalt::cmd
