// Consumer groups: XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP), XACK,
// XPENDING, XCLAIM, XAUTOCLAIM.
//
// As in Redis 7.0, changes to groups and pending entries do not signal the key (ModifyGroups),
// except XGROUP DESTROY, which wakes the group's blocked readers with an error, and XGROUP
// CREATE ... MKSTREAM making the key. A claim is propagated as the XCLAIM ... FORCE JUSTID
// that recreates the pending entry as it now is (stream_commands_internal.h); a claim of an
// entry deleted from the stream drops it from the group and propagates the same XCLAIM, whose
// replay drops it too.
#include <string>
#include <vector>

#include "clients/key_waits.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/server_group.h"
#include "commands/stream_commands_internal.h"
#include "common/strings.h"

namespace basalt::cmd {

using store::StreamId;
using store::StreamValue;

namespace {

// ---- XGROUP ----------------------------------------------------------------------------------

constexpr std::string_view kKeyMustExist =
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
    "use the MKSTREAM option to create an empty stream automatically.";

void ReplyNoSuchGroup(CommandContext& ctx, std::string_view group, std::string_view key) {
  ctx.reply.Error("NOGROUP No such consumer group '" + std::string(UpToNul(group)) +
                  "' for key name '" + std::string(UpToNul(key)) + "'");
}

// ENTRIESREAD n (and, for CREATE, MKSTREAM) after the ID; false after replying.
bool ParseGroupOptions(CommandContext& ctx, bool create, bool* mkstream, int64_t* entries_read) {
  for (size_t i = 5; i < ctx.argc();) {
    if (create && IsOption(ctx.arg(i), "mkstream")) {
      *mkstream = true;
      ++i;
    } else if (IsOption(ctx.arg(i), "entriesread") && i + 1 < ctx.argc()) {
      if (!ParseIntArg(ctx, ctx.arg(i + 1), entries_read)) return false;
      if (*entries_read < -1) {
        ctx.reply.Error("ERR value for ENTRIESREAD must be positive or -1");
        return false;
      }
      i += 2;
    } else {
      SubcommandSyntaxError(ctx);
      return false;
    }
  }
  return true;
}

// The stream of XGROUP's key; false after replying (missing without `may_create`, wrong type).
bool GroupKey(CommandContext& ctx, bool may_create, store::Entry** e) {
  *e = LookupWrite(ctx, ctx.arg(2));
  if (*e == nullptr && !may_create) {
    ctx.reply.Error(kKeyMustExist);
    return false;
  }
  return CheckType(ctx, *e, store::ValueType::kStream);
}

void XGroupCreate(CommandContext& ctx) {
  bool mkstream = false;
  int64_t entries_read = -1;
  if (!ParseGroupOptions(ctx, true, &mkstream, &entries_read)) return;
  store::Entry* e;
  if (!GroupKey(ctx, mkstream, &e)) return;
  // Redis counts the arguments once the options and the key passed.
  if (ctx.argc() > 8) {
    SubcommandSyntaxError(ctx);
    return;
  }
  StreamId id;
  if (ctx.arg(4) == "$") {
    if (e != nullptr) id = AsStream(e).last_id();
  } else if (!ParseStrictStreamId(ctx, ctx.arg(4), &id)) {
    return;
  }
  const std::string_view key = ctx.arg(2);
  if (e != nullptr && AsStream(e).groups().Find(ctx.arg(3)) != nullptr) {
    ctx.reply.Error("BUSYGROUP Consumer Group name already exists");
    return;
  }
  StreamValue* s;
  if (e == nullptr) {
    s = new StreamValue();
    ctx.db().AddObject(key, store::ValueType::kStream, s);
  } else {
    s = &ModifyGroups(ctx, e);
  }
  s->groups().Create(ctx.arg(3), id, entries_read);
  ctx.reply.Ok();
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyStream, "xgroup-create", key);
}

// The group SETID, CREATECONSUMER and DELCONSUMER act on; nullptr after replying.
store::StreamGroup* ExistingGroup(CommandContext& ctx, store::Entry** e) {
  if (!GroupKey(ctx, false, e)) return nullptr;
  store::StreamGroup* group = AsStream(*e).groups().Find(ctx.arg(3));
  if (group == nullptr) ReplyNoSuchGroup(ctx, ctx.arg(3), ctx.arg(2));
  return group;
}

void XGroupSetId(CommandContext& ctx) {
  bool unused = false;
  int64_t entries_read = -1;
  if (!ParseGroupOptions(ctx, false, &unused, &entries_read)) return;
  store::Entry* e;
  if (ExistingGroup(ctx, &e) == nullptr) return;
  if (ctx.argc() != 5 && ctx.argc() != 7) {
    SubcommandSyntaxError(ctx);
    return;
  }
  StreamId id;
  if (ctx.arg(4) == "$") {
    id = AsStream(e).last_id();
  } else if (!ParseRangeStreamId(ctx, ctx.arg(4), &id, 0)) {
    return;
  }
  store::StreamGroup& group = *ModifyGroups(ctx, e).groups().Find(ctx.arg(3));
  group.last_id = id;
  group.entries_read = entries_read;
  ctx.reply.Ok();
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyStream, "xgroup-setid", ctx.arg(2));
}

void XGroupDestroy(CommandContext& ctx) {
  store::Entry* e;
  if (!GroupKey(ctx, false, &e)) return;
  if (AsStream(e).groups().Find(ctx.arg(3)) == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  ModifyGroups(ctx, e).groups().Destroy(ctx.arg(3));
  ctx.reply.Integer(1);
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyStream, "xgroup-destroy", ctx.arg(2));
  // Its blocked readers get their error now.
  ctx.server.key_waits.Signal(ctx.client.db, ctx.arg(2));
}

void XGroupCreateConsumer(CommandContext& ctx) {
  store::Entry* e;
  if (ExistingGroup(ctx, &e) == nullptr) return;
  if (AsStream(e).groups().Find(ctx.arg(3))->FindConsumer(ctx.arg(4)) != nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  ModifyGroups(ctx, e).groups().Find(ctx.arg(3))->CreateConsumer(ctx.arg(4), ctx.now_ms);
  ctx.reply.Integer(1);
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyStream, "xgroup-createconsumer", ctx.arg(2));
}

void XGroupDelConsumer(CommandContext& ctx) {
  store::Entry* e;
  if (ExistingGroup(ctx, &e) == nullptr) return;
  if (AsStream(e).groups().Find(ctx.arg(3))->FindConsumer(ctx.arg(4)) == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  const size_t pending = ModifyGroups(ctx, e).groups().Find(ctx.arg(3))->DeleteConsumer(ctx.arg(4));
  ctx.reply.Integer(static_cast<int64_t>(pending));
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyStream, "xgroup-delconsumer", ctx.arg(2));
}

void XGroupHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "XGROUP",
      {"CREATE <key> <groupname> <id|$> [option]",
       "    Create a new consumer group. Options are:", "    * MKSTREAM",
       "      Create the empty stream if it does not exist.", "    * ENTRIESREAD entries_read",
       "      Set the group's entries_read counter (internal use).",
       "CREATECONSUMER <key> <groupname> <consumer>",
       "    Create a new consumer in the specified group.",
       "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
       "DESTROY <key> <groupname>", "    Remove the specified group.",
       "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
       "    Set the current group ID and entries_read counter."});
}

// ---- XACK, XPENDING ------------------------------------------------------------------------

// XACK key group id [id ...]: the key and group first (neither: 0), then every ID.
void XAck(CommandContext& ctx) {
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (!CheckType(ctx, e, store::ValueType::kStream)) return;
  if (e == nullptr || AsStream(e).groups().Find(ctx.arg(2)) == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  std::vector<StreamId> ids(ctx.argc() - 3);
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (!ParseStrictStreamId(ctx, ctx.arg(i), &ids[i - 3])) return;
  }
  int64_t acked = 0;
  for (StreamId id : ids) {
    const store::StreamGroup& group = *AsStream(e).groups().Find(ctx.arg(2));
    if (group.pending.find(id) == group.pending.end()) continue;
    ModifyGroups(ctx, e).groups().Find(ctx.arg(2))->Ack(id);
    ++acked;
  }
  ctx.reply.Integer(acked);
  if (acked > 0) ctx.MarkDirty(acked);
}

void ReplyPendingSummary(CommandContext& ctx, const store::StreamGroup& group) {
  ctx.reply.ArrayHeader(4);
  ctx.reply.Integer(static_cast<int64_t>(group.pending.size()));
  if (group.pending.empty()) {
    ctx.reply.Null();
    ctx.reply.Null();
    ctx.reply.NullArray();
    return;
  }
  char buf[StreamId::kTextMax];
  ctx.reply.Bulk(group.pending.begin()->first.Format(buf));
  ctx.reply.Bulk(group.pending.rbegin()->first.Format(buf));
  size_t with_pending = 0;
  for (const auto& [name, consumer] : group.consumers) with_pending += !consumer.pending.empty();
  ctx.reply.ArrayHeader(with_pending);
  for (const auto& [name, consumer] : group.consumers) {
    if (consumer.pending.empty()) continue;
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(std::to_string(consumer.pending.size()));
  }
}

const store::StreamNack* AsNack(const store::StreamNack& nack) { return &nack; }
const store::StreamNack* AsNack(const store::StreamNack* nack) { return nack; }

// The extended form's rows: [id, consumer, idle ms, deliveries] for pending entries in
// [start, end] idle at least `min_idle`, at most `count`.
template <typename Pel>
void ReplyPendingRange(CommandContext& ctx, const Pel& pel, StreamId start, StreamId end,
                       int64_t count, int64_t min_idle) {
  const size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  char buf[StreamId::kTextMax];
  for (auto it = pel.lower_bound(start); count > 0 && it != pel.end() && it->first <= end; ++it) {
    const store::StreamNack& nack = *AsNack(it->second);
    const int64_t idle = store::WrappingSub(ctx.now_ms, nack.delivery_time_ms);
    if (min_idle != 0 && idle < min_idle) continue;
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(it->first.Format(buf));
    ctx.reply.Bulk(nack.consumer->name);
    ctx.reply.Integer(idle < 0 ? 0 : idle);
    ctx.reply.Integer(static_cast<int64_t>(nack.delivery_count));
    ++n;
    --count;
  }
  ctx.reply.EndDeferredArray(token, n);
}

// XPENDING key group [[IDLE min-idle] start end count [consumer]]
void XPending(CommandContext& ctx) {
  const size_t argc = ctx.argc();
  if (argc != 3 && (argc < 6 || argc > 9)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  int64_t min_idle = 0;
  int64_t count = 0;
  StreamId start;
  StreamId end;
  std::string_view consumer_name;
  if (argc >= 6) {
    size_t at = 3;
    if (IsOption(ctx.arg(3), "idle")) {
      if (!ParseIntArg(ctx, ctx.arg(4), &min_idle)) return;
      if (argc < 8) {
        ctx.reply.Error(err::kSyntax);
        return;
      }
      at = 5;
    }
    if (!ParseIntArg(ctx, ctx.arg(at + 2), &count)) return;
    if (!ParseIntervalStart(ctx, ctx.arg(at), &start)) return;
    if (!ParseIntervalEnd(ctx, ctx.arg(at + 1), &end)) return;
    if (at + 3 < argc) consumer_name = ctx.arg(at + 3);
  }
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (!CheckType(ctx, e, store::ValueType::kStream)) return;
  const store::StreamGroup* group = e != nullptr ? AsStream(e).groups().Find(ctx.arg(2)) : nullptr;
  if (group == nullptr) {
    ReplyNoGroup(ctx, ctx.arg(1), ctx.arg(2));
    return;
  }
  if (argc == 3) {
    ReplyPendingSummary(ctx, *group);
    return;
  }
  if (consumer_name.data() == nullptr) {
    ReplyPendingRange(ctx, group->pending, start, end, count, min_idle);
    return;
  }
  auto it = group->consumers.find(consumer_name);
  if (it == group->consumers.end()) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  ReplyPendingRange(ctx, it->second.pending, start, end, count, min_idle);
}

// ---- XCLAIM, XAUTOCLAIM ----------------------------------------------------------------------

struct ClaimOptions {
  int64_t delivery_time = -1;  // -1: now
  int64_t retry_count = -1;    // -1: not given
  bool force = false;
  bool justid = false;
  StreamId last_id;
};

// The options after XCLAIM's IDs (from `i`); false after replying.
bool ParseClaimOptions(CommandContext& ctx, size_t i, ClaimOptions* o) {
  for (; i < ctx.argc(); ++i) {
    const std::string_view opt = ctx.arg(i);
    const bool more = i + 1 < ctx.argc();
    if (IsOption(opt, "force")) {
      o->force = true;
    } else if (IsOption(opt, "justid")) {
      o->justid = true;
    } else if (IsOption(opt, "idle") && more) {
      if (!ParseIntArg(ctx, ctx.arg(++i), &o->delivery_time,
                       "ERR Invalid IDLE option argument for XCLAIM")) {
        return false;
      }
      o->delivery_time = store::WrappingSub(ctx.now_ms, o->delivery_time);
    } else if (IsOption(opt, "time") && more) {
      if (!ParseIntArg(ctx, ctx.arg(++i), &o->delivery_time,
                       "ERR Invalid TIME option argument for XCLAIM")) {
        return false;
      }
    } else if (IsOption(opt, "retrycount") && more) {
      if (!ParseIntArg(ctx, ctx.arg(++i), &o->retry_count,
                       "ERR Invalid RETRYCOUNT option argument for XCLAIM")) {
        return false;
      }
    } else if (IsOption(opt, "lastid") && more) {
      if (!ParseStrictStreamId(ctx, ctx.arg(++i), &o->last_id)) return false;
    } else {
      ctx.reply.Error("ERR Unrecognized XCLAIM option '" + std::string(UpToNul(opt)) + "'");
      return false;
    }
  }
  return true;
}

// A pending entry whose stream entry is gone leaves the group; the XCLAIM propagated for it
// (naming its old owner) makes replicas drop it too.
void DropVanished(CommandContext& ctx, std::string_view key, std::string_view group_name,
                  store::StreamGroup& group, StreamId id) {
  PropagateClaim(ctx, key, group_name, group, id, group.pending.at(id));
  group.Ack(id);
  ctx.MarkDirty();
}

// Moves pending entry `id` to `name` (created when missing) as delivered at `when`, and
// propagates it; returns the nack.
store::StreamNack& ClaimFor(CommandContext& ctx, std::string_view key, std::string_view group_name,
                            store::StreamGroup& group, std::string_view name, StreamId id,
                            int64_t when) {
  bool created;
  store::StreamConsumer* consumer = ConsumerForDelivery(ctx, key, group, name, &created);
  consumer->seen_time_ms = ctx.now_ms;
  store::StreamNack& nack = group.Claim(id, consumer);
  nack.delivery_time_ms = when;
  ctx.MarkDirty();
  return nack;
}

void ReplyClaimed(CommandContext& ctx, const StreamValue& s, StreamId id, bool justid) {
  if (justid) {
    char buf[StreamId::kTextMax];
    ctx.reply.Bulk(id.Format(buf));
    return;
  }
  s.Find(id, [&](const store::StreamEntryView& entry) { ReplyStreamEntry(ctx, entry); });
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n]
//   [FORCE] [JUSTID] [LASTID id]
void XClaim(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  const std::string_view group_name = ctx.arg(2);
  store::Entry* e = LookupRead(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kStream)) return;
  if (e == nullptr || AsStream(e).groups().Find(group_name) == nullptr) {
    ReplyNoGroup(ctx, key, group_name);
    return;
  }
  int64_t min_idle;
  if (!ParseIntArg(ctx, ctx.arg(4), &min_idle, "ERR Invalid min-idle-time argument for XCLAIM")) {
    return;
  }
  std::vector<StreamId> ids;
  size_t i = 5;
  for (StreamId id; i < ctx.argc() && store::ParseStreamId(ctx.arg(i), 0, &id); ++i) {
    ids.push_back(id);
  }
  ClaimOptions o;
  if (!ParseClaimOptions(ctx, i, &o)) return;
  if (o.delivery_time < 0 || o.delivery_time > ctx.now_ms) o.delivery_time = ctx.now_ms;
  StreamValue& s = ModifyGroups(ctx, e);
  store::StreamGroup& group = *s.groups().Find(group_name);
  bool propagate_last_id = false;
  if (o.last_id > group.last_id) {
    group.last_id = o.last_id;
    propagate_last_id = true;
  }
  const size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  for (StreamId id : ids) {
    auto it = group.pending.find(id);
    const bool exists = s.Find(id, [](const store::StreamEntryView&) {});
    if (!exists) {
      if (it != group.pending.end()) DropVanished(ctx, key, group_name, group, id);
      continue;
    }
    if (it == group.pending.end()) {
      if (!o.force) continue;
    } else if (min_idle > 0 &&
               store::WrappingSub(ctx.now_ms, it->second.delivery_time_ms) < min_idle) {
      continue;
    }
    store::StreamNack& nack =
        ClaimFor(ctx, key, group_name, group, ctx.arg(3), id, o.delivery_time);
    if (o.retry_count >= 0) {
      nack.delivery_count = static_cast<uint64_t>(o.retry_count);
    } else if (!o.justid) {
      ++nack.delivery_count;
    }
    ReplyClaimed(ctx, s, id, o.justid);
    ++n;
    PropagateClaim(ctx, key, group_name, group, id, nack);
    propagate_last_id = false;
  }
  ctx.reply.EndDeferredArray(token, n);
  if (propagate_last_id) {
    PropagateGroupLastId(ctx, key, group_name, group);
    ctx.MarkDirty();
  }
  if (ctx.rewritten().empty()) ctx.SuppressPropagation();
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
struct AutoClaimArgs {
  int64_t min_idle = 0;
  StreamId start;
  int64_t count = 100;
  bool justid = false;
};

// XAUTOCLAIM's arguments after the consumer; false after replying.
bool ParseAutoClaimArgs(CommandContext& ctx, AutoClaimArgs* a) {
  if (!ParseIntArg(ctx, ctx.arg(4), &a->min_idle,
                   "ERR Invalid min-idle-time argument for XAUTOCLAIM")) {
    return false;
  }
  if (!ParseIntervalStart(ctx, ctx.arg(5), &a->start)) return false;
  for (size_t i = 6; i < ctx.argc(); ++i) {
    if (IsOption(ctx.arg(i), "count") && i + 1 < ctx.argc()) {
      // Redis's bound keeps COUNT x 16 bytes of IDs within a long.
      constexpr int64_t kMaxCount = INT64_MAX / 16;
      if (!ParseInt64(ctx.arg(++i), &a->count) || a->count < 1 || a->count > kMaxCount) {
        ctx.reply.Error("ERR COUNT must be > 0");
        return false;
      }
    } else if (IsOption(ctx.arg(i), "justid")) {
      a->justid = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

void XAutoClaim(CommandContext& ctx) {
  // Redis looks the key up first (a miss counts, and publishes keymiss), then reads the
  // arguments, then checks the type.
  const std::string_view key = ctx.arg(1);
  const std::string_view group_name = ctx.arg(2);
  store::Entry* e = LookupRead(ctx, key);
  AutoClaimArgs a;
  if (!ParseAutoClaimArgs(ctx, &a)) return;
  const int64_t min_idle = a.min_idle;
  const bool justid = a.justid;
  int64_t count = a.count;
  if (!CheckType(ctx, e, store::ValueType::kStream)) return;
  if (e == nullptr || AsStream(e).groups().Find(group_name) == nullptr) {
    ReplyNoGroup(ctx, key, group_name);
    return;
  }
  StreamValue& s = ModifyGroups(ctx, e);
  store::StreamGroup& group = *s.groups().Find(group_name);
  std::string* out = ctx.reply.buffer();
  std::string claimed;
  ctx.reply.set_buffer(&claimed);
  size_t n = 0;
  std::vector<StreamId> deleted;
  int64_t attempts = count * 10;
  auto it = group.pending.lower_bound(a.start);
  while (attempts-- > 0 && count > 0 && it != group.pending.end()) {
    const StreamId id = it->first;
    ++it;
    if (!s.Find(id, [](const store::StreamEntryView&) {})) {
      DropVanished(ctx, key, group_name, group, id);
      deleted.push_back(id);
      --count;
      continue;
    }
    if (min_idle > 0 &&
        store::WrappingSub(ctx.now_ms, group.pending.at(id).delivery_time_ms) < min_idle)
      continue;
    store::StreamNack& nack = ClaimFor(ctx, key, group_name, group, ctx.arg(3), id, ctx.now_ms);
    if (!justid) ++nack.delivery_count;
    ReplyClaimed(ctx, s, id, justid);
    ++n;
    --count;
    PropagateClaim(ctx, key, group_name, group, id, nack);
  }
  ctx.reply.set_buffer(out);
  char buf[StreamId::kTextMax];
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk(it == group.pending.end() ? "0-0" : it->first.Format(buf));
  ctx.reply.ArrayHeader(n);
  ctx.reply.Raw(claimed);
  ctx.reply.ArrayHeader(deleted.size());
  for (StreamId id : deleted) ctx.reply.Bulk(id.Format(buf));
  if (ctx.rewritten().empty()) ctx.SuppressPropagation();
}

}  // namespace

void RegisterStreamGroupCommands(CommandTable& table) {
  auto sub = [](std::string_view name, int arity, uint32_t flags, Handler handler,
                std::string_view summary, std::string_view since, std::string_view complexity) {
    CommandSpec spec =
        KeysSpec(name, arity, flags, {2, 2, 1}, handler, "stream", summary, since, complexity);
    spec.key_flags = StreamKeyFlags(name);
    return spec;
  };
  table.Add({.name = "xgroup",
             .arity = -2,
             .group = "stream",
             .summary = "A container for consumer groups commands",
             .since = "5.0.0",
             .complexity = "Depends on subcommand.",
             .subcommands = {
                 sub("create", -5, kWrite | kDenyOom, XGroupCreate, "Create a consumer group.",
                     "5.0.0", "O(1)"),
                 sub("setid", -5, kWrite, XGroupSetId,
                     "Set a consumer group to an arbitrary last "
                     "delivered ID value.",
                     "5.0.0", "O(1)"),
                 sub("destroy", 4, kWrite, XGroupDestroy, "Destroy a consumer group.", "5.0.0",
                     "O(N) where N is the number of entries in the group's pending entries "
                     "list (PEL)."),
                 sub("createconsumer", 5, kWrite | kDenyOom, XGroupCreateConsumer,
                     "Create a consumer in a consumer group.", "6.2.0", "O(1)"),
                 sub("delconsumer", 5, kWrite, XGroupDelConsumer,
                     "Delete a consumer from a consumer group.", "5.0.0", "O(1)"),
                 KeylessSpec("help", 2, kLoading | kStale, XGroupHelp, "stream",
                             "Show helpful text about the different subcommands", "5.0.0"),
             }});
  auto add = [&](std::string_view name, int arity, uint32_t flags, Handler handler,
                 std::string_view summary, std::string_view since, std::string_view complexity) {
    CommandSpec spec =
        SingleKeySpec(name, arity, flags, handler, "stream", summary, since, complexity);
    spec.key_flags = StreamKeyFlags(name);
    table.Add(std::move(spec));
  };
  add("xack", -4, kWrite | kFast, XAck,
      "Marks a pending message as correctly processed, effectively removing it from the pending "
      "entries list of the consumer group. Return value of the command is the number of "
      "messages successfully acknowledged, that is, the IDs we were actually able to resolve in "
      "the PEL.",
      "5.0.0", "O(1) for each message ID processed.");
  add("xpending", -3, kReadOnly, XPending,
      "Return information and entries from a stream consumer group pending entries list, that "
      "are messages fetched but never acknowledged.",
      "5.0.0",
      "O(N) with N being the number of elements returned, so asking for a small fixed number "
      "of entries per call is O(1). O(M), where M is the total number of entries scanned when "
      "used with the IDLE filter. When the command returns just the summary and the list of "
      "consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for "
      "iterating every consumer.");
  add("xclaim", -6, kWrite | kFast, XClaim,
      "Changes (or acquires) ownership of a message in a consumer group, as if the message was "
      "delivered to the specified consumer.",
      "5.0.0", "O(log N) with N being the number of messages in the PEL of the consumer group.");
  add("xautoclaim", -6, kWrite | kFast, XAutoClaim,
      "Changes (or acquires) ownership of messages in a consumer group, as if the messages "
      "were delivered to the specified consumer.",
      "6.2.0", "O(1) if COUNT is small.");
}

}  // namespace basalt::cmd
