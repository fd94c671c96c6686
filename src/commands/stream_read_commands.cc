// XREAD and XREADGROUP, blocking included.
//
// XREAD STREAMS k... id...: each stream with entries past its ID is answered (an array of
// [key, entries] pairs; a map in RESP3), or, with BLOCK, the client waits. XREADGROUP GROUP g c:
// ">" delivers entries past the group's last delivered ID to consumer c and records them as
// pending (not with NOACK); an explicit ID reads back c's own pending entries past it.
//
// Blocking uses the keys-waits mechanism of the list pops (blocking_internal.h) with a readiness
// check of its own: an XREAD waiter is ready when its stream's last ID passes the ID it waits
// after ("$" is made that ID when it blocks), an XREADGROUP waiter when its stream's last ID
// passes its group's, or when the stream or group is gone (its wait then ends with Redis's
// UNBLOCKED / NOGROUP error). The woken command runs again and serves only the key that became
// ready, as Redis serves a blocked reader from the key that was signalled.
//
// Propagation is Redis 7.0's: a delivery becomes XCLAIM ... FORCE JUSTID LASTID per entry; with
// NOACK the new last delivered ID becomes XGROUP SETID ... ENTRIESREAD (after XGROUP
// CREATECONSUMER when the read made the consumer); a history read or an XREAD propagates nothing.
#include <string>
#include <vector>

#include "clients/key_waits.h"
#include "commands/blocking_internal.h"
#include "commands/command_table.h"
#include "commands/dispatcher.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/stream_commands_internal.h"
#include "common/strings.h"

namespace basalt::cmd {

using store::StreamId;
using store::StreamValue;

namespace {

// A blocked reader served without COUNT gets at most this many entries, so a low ID does not
// make one wake-up send a whole stream.
constexpr size_t kBlockedDefaultCount = 1000;

struct ReadArgs {
  bool group_form = false;
  std::string_view group;
  std::string_view consumer;
  int64_t count = 0;
  int64_t block_ms = -1;  // -1: no BLOCK
  bool noack = false;
  size_t streams_at = 0;  // the first key
  size_t nkeys = 0;
  std::vector<StreamId> ids;      // per key; Max() stands for ">"
  std::vector<bool> new_entries;  // per key: ">" (XREADGROUP)
};

bool ParseReadOptions(CommandContext& ctx, ReadArgs* a) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string_view opt = ctx.arg(i);
    const size_t more = ctx.argc() - i - 1;
    if (IsOption(opt, "block") && more > 0) {
      if (ctx.client.runs_scripts) {
        ctx.reply.Error("ERR " + std::string(UpToNul(ctx.arg(0))) +
                        " command is not allowed with BLOCK option from scripts");
        return false;
      }
      if (!ParseTimeoutMs(ctx, ctx.arg(++i), &a->block_ms)) return false;
    } else if (IsOption(opt, "count") && more > 0) {
      if (!ParseIntArg(ctx, ctx.arg(++i), &a->count)) return false;
      if (a->count < 0) a->count = 0;
    } else if (IsOption(opt, "streams") && more > 0) {
      a->streams_at = i + 1;
      if ((ctx.argc() - a->streams_at) % 2 != 0) {
        ctx.reply.Error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
        return false;
      }
      a->nkeys = (ctx.argc() - a->streams_at) / 2;
      break;
    } else if (IsOption(opt, "group") && more >= 2) {
      if (!a->group_form) {
        ctx.reply.Error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->group = ctx.arg(i + 1);
      a->consumer = ctx.arg(i + 2);
      i += 2;
    } else if (IsOption(opt, "noack")) {
      if (!a->group_form) {
        ctx.reply.Error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->noack = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (a->streams_at == 0) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  if (a->group_form && a->consumer.data() == nullptr) {
    ctx.reply.Error("ERR Missing GROUP option for XREADGROUP");
    return false;
  }
  return true;
}

store::StreamGroup* FindGroup(store::Entry* e, std::string_view name) {
  return e == nullptr ? nullptr : AsStream(e).groups().Find(name);
}

// The IDs, stream by stream: the key's type, then (XREADGROUP) its group, then the ID.
bool ParseReadIds(CommandContext& ctx, ReadArgs* a) {
  a->ids.resize(a->nkeys);
  a->new_entries.assign(a->nkeys, false);
  for (size_t i = 0; i < a->nkeys; ++i) {
    const std::string_view key = ctx.arg(a->streams_at + i);
    const std::string_view text = ctx.arg(a->streams_at + a->nkeys + i);
    store::Entry* e = LookupRead(ctx, key);
    if (!CheckType(ctx, e, store::ValueType::kStream)) return false;
    if (a->group_form && FindGroup(e, a->group) == nullptr) {
      ctx.reply.Error("NOGROUP No such key '" + std::string(UpToNul(key)) +
                      "' or consumer group '" + std::string(UpToNul(a->group)) +
                      "' in XREADGROUP with GROUP option");
      return false;
    }
    if (text == "$") {
      if (a->group_form) {
        ctx.reply.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
        return false;
      }
      a->ids[i] = e != nullptr ? AsStream(e).last_id() : StreamId::Min();
    } else if (text == ">") {
      if (!a->group_form) {
        ctx.reply.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
            "<consumer> option.");
        return false;
      }
      a->ids[i] = StreamId::Max();
      a->new_entries[i] = true;
    } else if (!ParseStrictStreamId(ctx, text, &a->ids[i])) {
      return false;
    } else if (a->group_form && a->ids[i] == StreamId::Max()) {
      a->new_entries[i] = true;  // Redis's own mark for ">": the last possible ID reads as ">"
    }
  }
  return true;
}

// Delivers the entries past the group's last delivered ID (at most `count`, 0: all) to
// `consumer`, as XREADGROUP ">" does: each becomes pending (unless `noack`), propagated as the
// XCLAIM that recreates it; with NOACK the group's new last ID is propagated instead.
void DeliverNew(CommandContext& ctx, std::string_view key, std::string_view group_name,
                StreamValue& s, store::StreamGroup& group, store::StreamConsumer* consumer,
                size_t count, bool noack) {
  StreamId start = group.last_id;
  start.Increment();
  const size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  bool moved = false;
  s.ForRange(start, StreamId::Max(), false, [&](const store::StreamEntryView& entry) {
    if (entry.id > group.last_id) {
      s.AdvanceGroup(group, entry.id);
      moved = true;
    }
    ReplyStreamEntry(ctx, entry);
    if (!noack) {
      store::StreamNack& nack = group.Claim(entry.id, consumer);
      nack.delivery_time_ms = ctx.now_ms;
      nack.delivery_count = 1;
      PropagateClaim(ctx, key, group_name, group, entry.id, nack);
    }
    return ++n != count;
  });
  ctx.reply.EndDeferredArray(token, n);
  if (noack && moved) PropagateGroupLastId(ctx, key, group_name, group);
  if (moved || n > 0) ctx.MarkDirty();
}

// The consumer's own pending entries past `after` (at most `count`): [id, fields], or
// [id, nil] for an entry deleted since. Redis 7.0 counts the others as delivered again (now),
// and propagates nothing.
void ReplyHistory(CommandContext& ctx, const StreamValue& s, store::StreamConsumer& consumer,
                  StreamId after, size_t count) {
  const size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  char buf[StreamId::kTextMax];
  for (auto it = consumer.pending.upper_bound(after); it != consumer.pending.end(); ++it) {
    if (count != 0 && n == count) break;
    const StreamId id = it->first;
    if (s.Find(id, [&](const store::StreamEntryView& entry) { ReplyStreamEntry(ctx, entry); })) {
      it->second->delivery_time_ms = ctx.now_ms;
      ++it->second->delivery_count;
    } else {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(id.Format(buf));
      ctx.reply.NullArray();
    }
    ++n;
  }
  ctx.reply.EndDeferredArray(token, n);
}

// Answers stream `i` of the call: [key, entries]. `after` is the ID entries must pass.
void ServeStream(CommandContext& ctx, const ReadArgs& a, size_t i, store::Entry* e, StreamId after,
                 size_t count) {
  const std::string_view key = ctx.arg(a.streams_at + i);
  if (ctx.reply.protocol() < 3) ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(key);
  if (!a.group_form) {
    after.Increment();
    ReplyStreamRange(ctx, AsStream(e), after, StreamId::Max(), count, false);
    return;
  }
  StreamValue& s = ModifyGroups(ctx, e);
  store::StreamGroup& group = *s.groups().Find(a.group);
  bool created;
  store::StreamConsumer* consumer = ConsumerForDelivery(ctx, key, group, a.consumer, &created);
  consumer->seen_time_ms = ctx.now_ms;
  if (!a.new_entries[i]) {
    ReplyHistory(ctx, s, *consumer, after, count);
    return;
  }
  if (created && a.noack) {
    ctx.PropagateAs({"XGROUP", "CREATECONSUMER", std::string(key), std::string(a.group),
                     std::string(a.consumer)});
  }
  DeliverNew(ctx, key, a.group, s, group, consumer, count, a.noack);
}

// Whether stream `i` has something for the call now, and after which ID (*after).
bool HasData(const ReadArgs& a, size_t i, store::Entry* e, StreamId* after) {
  if (e == nullptr) return false;
  const StreamValue& s = AsStream(e);
  if (a.group_form && !a.new_entries[i]) {
    *after = a.ids[i];
    return true;  // a history read always answers
  }
  StreamId top;
  if (s.length() == 0 || !s.EdgeId(true, &top)) return false;
  *after = a.group_form ? s.groups().Find(a.group)->last_id : a.ids[i];
  return top > *after;
}

// Writes the answer's streams, when body() answered any (bodies are written aside first: their
// count comes first); returns how many.
template <typename Body>
size_t ReplyStreams(CommandContext& ctx, Body&& body) {
  std::string* out = ctx.reply.buffer();
  std::string streams;
  ctx.reply.set_buffer(&streams);
  const size_t n = body();
  ctx.reply.set_buffer(out);
  if (n > 0) {
    ctx.reply.protocol() >= 3 ? ctx.reply.MapHeader(n) : ctx.reply.ArrayHeader(n);
    ctx.reply.Raw(streams);
  }
  return n;
}

// A woken reader: the ready key alone, as found ready (ServeBlockedClients checked it). Only
// ">" blocks an XREADGROUP, and a blocked XREAD's IDs are IDs ("$" was made one).
void ServeWoken(CommandContext& ctx, ReadArgs* args, std::string_view ready) {
  const ReadArgs& a = *args;
  size_t i = 0;
  while (i < a.nkeys && ctx.arg(a.streams_at + i) != ready) ++i;
  args->ids.assign(a.nkeys, StreamId::Max());
  args->new_entries.assign(a.nkeys, true);
  if (!a.group_form) store::ParseStreamId(ctx.arg(a.streams_at + a.nkeys + i), 0, &args->ids[i]);
  store::Entry* e = LookupWrite(ctx, ready);
  if (!a.group_form && (e == nullptr || e->type() != store::ValueType::kStream)) {
    ctx.reply.NullArray();  // found ready an instant ago; kept safe all the same
    return;
  }
  if (a.group_form) {
    if (e == nullptr || e->type() != store::ValueType::kStream) {
      ctx.reply.Error("UNBLOCKED the stream key no longer exists");
      return;
    }
    if (FindGroup(e, a.group) == nullptr) {
      ctx.reply.Error("NOGROUP the consumer group this client was blocked on no longer exists");
      return;
    }
  }
  const size_t count = a.count > 0 ? static_cast<size_t>(a.count) : kBlockedDefaultCount;
  const StreamId after = a.group_form ? FindGroup(e, a.group)->last_id : a.ids[i];
  ReplyStreams(ctx, [&] {
    ServeStream(ctx, a, i, e, after, count);
    return size_t{1};
  });
}

// What a blocked reader waits for, per key, as Redis checks it when the key is signalled (an
// XADD, the key made or removed, XGROUP DESTROY: see KeyWaits::ReadyKey): an XREAD waiter wants
// the stream's last ID past its own; an XREADGROUP waiter past its group's, or the stream or
// group gone, whatever removed it (its wait then ends with an error).
clients::KeyWaits::ReadyCheck ReadinessOf(const ReadArgs& a, const CommandContext& ctx) {
  if (a.group_form) {
    return [group = std::string(a.group)](std::string_view, const store::Entry* e, bool signalled) {
      if (e == nullptr || e->type() != store::ValueType::kStream) return true;
      const auto& s = static_cast<const StreamValue&>(*e->object());
      const store::StreamGroup* g = s.groups().Find(group);
      return g == nullptr || (signalled && s.last_id() > g->last_id);
    };
  }
  std::vector<std::pair<std::string, StreamId>> waits;
  for (size_t i = 0; i < a.nkeys; ++i) waits.emplace_back(ctx.arg(a.streams_at + i), a.ids[i]);
  return [waits = std::move(waits)](std::string_view key, const store::Entry* e, bool signalled) {
    if (!signalled || e == nullptr || e->type() != store::ValueType::kStream) return false;
    const auto& s = static_cast<const StreamValue&>(*e->object());
    for (const auto& [k, after] : waits) {
      if (k == key) return s.last_id() > after;
    }
    return false;
  };
}

void Block(CommandContext& ctx, const ReadArgs& a) {
  if (!MayBlock(ctx)) {
    ctx.reply.NullArray();
    return;
  }
  std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
  for (size_t i = 0; i < a.nkeys && !a.group_form; ++i) {
    argv[a.streams_at + a.nkeys + i] = a.ids[i].ToString();  // "$" as the ID it meant
  }
  const int64_t deadline = a.block_ms == 0 ? 0 : ctx.now_ms + a.block_ms;
  BlockForKeys(ctx, ctx.args.subspan(a.streams_at, a.nkeys), deadline, store::ValueType::kStream,
               ReadinessOf(a, ctx), std::move(argv));
}

void ReadCommand(CommandContext& ctx, bool group_form) {
  ReadArgs a;
  a.group_form = group_form;
  if (!ParseReadOptions(ctx, &a)) return;
  const clients::KeyWaits::Key* ready = ctx.server.key_waits.serving();
  if (ctx.server.dispatcher->in_woken_run() && ready != nullptr) {
    ServeWoken(ctx, &a, ready->key);
  } else {
    if (!ParseReadIds(ctx, &a)) return;
    const size_t served = ReplyStreams(ctx, [&] {
      size_t n = 0;
      for (size_t i = 0; i < a.nkeys; ++i) {
        store::Entry* e = LookupRead(ctx, ctx.arg(a.streams_at + i));
        StreamId after;
        if (!HasData(a, i, e, &after)) continue;
        ServeStream(ctx, a, i, e, after, static_cast<size_t>(a.count));
        ++n;
      }
      return n;
    });
    if (served == 0) a.block_ms >= 0 ? Block(ctx, a) : ctx.reply.NullArray();
  }
  // Only what the handlers propagated explicitly (deliveries), never the command itself.
  if (ctx.rewritten().empty()) ctx.SuppressPropagation();
}

void XRead(CommandContext& ctx) { ReadCommand(ctx, false); }
void XReadGroup(CommandContext& ctx) { ReadCommand(ctx, true); }

// COMMAND GETKEYS: the keys are the first half of what follows STREAMS, searched for from
// argument From on (XREADGROUP's GROUP and consumer could be called "streams").
template <size_t From>
void ReadKeys(std::span<const std::string_view> args, std::vector<size_t>* out) {
  for (size_t i = From; i < args.size(); ++i) {
    if (!EqualsIgnoreCase(args[i], "streams")) continue;
    const size_t n = (args.size() - i - 1) / 2;
    for (size_t k = 0; k < n; ++k) out->push_back(i + 1 + k);
    return;
  }
}

template <size_t From>
CommandSpec ReadSpec(std::string_view name, int arity, uint32_t flags, Handler handler,
                     std::string_view summary, std::string_view complexity) {
  CommandSpec spec = KeylessSpec(name, arity, flags | kBlocking | kMovableKeys, handler, "stream",
                                 summary, "5.0.0", complexity);
  spec.option_keys = ReadKeys<From>;
  spec.key_keyword = "STREAMS";
  spec.key_keyword_from = From;
  spec.key_flags = StreamKeyFlags(name);  // XREADGROUP's is read-only, as Redis declares it
  return spec;
}

}  // namespace

void RegisterStreamReadCommands(CommandTable& table) {
  table.Add(ReadSpec<1>(
      "xread", -4, kReadOnly, XRead,
      "Return never seen elements in multiple streams, with IDs greater than the ones reported "
      "by the caller for each stream. Can block.",
      "For each stream mentioned: O(N) with N being the number of elements being returned, it "
      "means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, "
      "XADD will pay O(M) time in order to serve the M clients blocked on the stream getting "
      "new data."));
  table.Add(ReadSpec<4>(
      "xreadgroup", -7, kWrite, XReadGroup,
      "Return new entries from a stream using a consumer group, or access the history of the "
      "pending entries for a given consumer. Can block.",
      "For each stream mentioned: O(M) with M being the number of elements returned. If M is "
      "constant (e.g. always asking for the first 10 elements with COUNT), you can consider it "
      "O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to "
      "serve the N clients blocked on the stream getting new data."));
}

}  // namespace basalt::cmd
