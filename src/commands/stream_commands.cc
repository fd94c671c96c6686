// Stream entries: XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID, the helpers the other stream
// files share (stream_commands_internal.h), and the registration of every stream command.
//
// Errors and their order are redis-server 7.0.15's: XADD and XTRIM read all their options
// before looking at the key, XDEL looks at the key first. Trimming with "~" is propagated as
// the exact trim it turned out to be ("=" and the length, or the first ID, it left), and a
// generated ID as the ID it became, so a replica or an AOF replay ends with the same stream.
#include <string>
#include <vector>

#include "clients/key_waits.h"
#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/stream_commands_internal.h"
#include "common/strings.h"

namespace basalt::cmd {

using store::StreamId;
using store::StreamValue;

bool ParseStrictStreamId(CommandContext& ctx, std::string_view text, StreamId* id,
                         uint64_t missing_seq) {
  if (store::ParseStreamId(text, missing_seq, id)) return true;
  ctx.reply.Error(kInvalidStreamId);
  return false;
}

bool ParseRangeStreamId(CommandContext& ctx, std::string_view text, StreamId* id,
                        uint64_t missing_seq) {
  if (text == "-") {
    *id = StreamId::Min();
    return true;
  }
  if (text == "+") {
    *id = StreamId::Max();
    return true;
  }
  return ParseStrictStreamId(ctx, text, id, missing_seq);
}

namespace {

// "(id" (never "(" alone): *exclusive set and the ID after the parenthesis parsed strictly.
bool ParseIntervalId(CommandContext& ctx, std::string_view text, StreamId* id, bool* exclusive,
                     uint64_t missing_seq) {
  *exclusive = text.size() > 1 && text[0] == '(';
  if (*exclusive) return ParseStrictStreamId(ctx, text.substr(1), id, missing_seq);
  return ParseRangeStreamId(ctx, text, id, missing_seq);
}

}  // namespace

bool ParseIntervalStart(CommandContext& ctx, std::string_view text, StreamId* id) {
  bool exclusive;
  if (!ParseIntervalId(ctx, text, id, &exclusive, 0)) return false;
  if (exclusive && !id->Increment()) {
    ctx.reply.Error("ERR invalid start ID for the interval");
    return false;
  }
  return true;
}

bool ParseIntervalEnd(CommandContext& ctx, std::string_view text, StreamId* id) {
  bool exclusive;
  if (!ParseIntervalId(ctx, text, id, &exclusive, UINT64_MAX)) return false;
  if (exclusive && !id->Decrement()) {
    ctx.reply.Error("ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

void ReplyStreamEntry(CommandContext& ctx, const store::StreamEntryView& entry) {
  char buf[StreamId::kTextMax];
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(entry.id.Format(buf));
  ctx.reply.ArrayHeader(entry.fields_values.size());
  for (std::string_view item : entry.fields_values) ctx.reply.Bulk(item);
}

size_t ReplyStreamRange(CommandContext& ctx, const StreamValue& s, StreamId start, StreamId end,
                        size_t count, bool reverse) {
  const size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  s.ForRange(start, end, reverse, [&](const store::StreamEntryView& entry) {
    ReplyStreamEntry(ctx, entry);
    return ++n != count;
  });
  ctx.reply.EndDeferredArray(token, n);
  return n;
}

void ReplyNoGroup(CommandContext& ctx, std::string_view key, std::string_view group) {
  ctx.reply.Error("NOGROUP No such key '" + std::string(UpToNul(key)) + "' or consumer group '" +
                  std::string(UpToNul(group)) + "'");
}

void PropagateClaim(CommandContext& ctx, std::string_view key, std::string_view group_name,
                    const store::StreamGroup& group, StreamId id, const store::StreamNack& nack) {
  ctx.PropagateAs(
      {"XCLAIM", std::string(key), std::string(group_name), std::string(nack.consumer->name), "0",
       id.ToString(), "TIME", Int64ToString(nack.delivery_time_ms), "RETRYCOUNT",
       std::to_string(nack.delivery_count), "FORCE", "JUSTID", "LASTID", group.last_id.ToString()});
}

void PropagateGroupLastId(CommandContext& ctx, std::string_view key, std::string_view group_name,
                          const store::StreamGroup& group) {
  ctx.PropagateAs({"XGROUP", "SETID", std::string(key), std::string(group_name),
                   group.last_id.ToString(), "ENTRIESREAD", Int64ToString(group.entries_read)});
}

store::StreamValue& ModifyGroups(CommandContext& ctx, store::Entry* e) {
  store::Keyspace::QuietChanges quiet(ctx.server.keyspace);
  return static_cast<StreamValue&>(*ctx.db().PrepareModify(e)->object());
}

bool ObeysWithoutChecks(const CommandContext& ctx) {
  return ctx.client.is_primary || ctx.client.replays_aof;
}

store::StreamConsumer* ConsumerForDelivery(CommandContext& ctx, std::string_view key,
                                           store::StreamGroup& group, std::string_view name,
                                           bool* created) {
  *created = false;
  if (store::StreamConsumer* found = group.FindConsumer(name)) return found;
  *created = true;
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyStream, "xgroup-createconsumer", key);
  return group.CreateConsumer(name, ctx.now_ms);
}

namespace {

// ---- Trimming options (XADD and XTRIM) ------------------------------------------------------

struct TrimArgs {
  StreamValue::TrimSpec spec;
  bool trims = false;        // MAXLEN or MINID given
  bool limit_given = false;  // LIMIT given
  size_t modifier_at = 0;    // the "~" or "=" argument, 0 if none
  size_t threshold_at = 0;   // the MAXLEN count or MINID ID
};

// Parses MAXLEN/MINID [=|~] threshold at args[*i] ("maxlen" or "minid" recognized by the
// caller); *i is left on the threshold. False after replying.
bool ParseTrimStrategy(CommandContext& ctx, size_t* i, TrimArgs* out) {
  if (out->trims) {
    ctx.reply.Error(
        "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
    return false;
  }
  const bool by_id = IsOption(ctx.arg(*i), "minid");
  const size_t more = ctx.argc() - 1 - *i;
  out->spec.approx = false;
  out->modifier_at = 0;
  if (more >= 2 && (ctx.arg(*i + 1) == "~" || ctx.arg(*i + 1) == "=")) {
    out->spec.approx = ctx.arg(*i + 1) == "~";
    out->modifier_at = ++*i;
  }
  const std::string_view value = ctx.arg(++*i);
  if (by_id) {
    if (!ParseStrictStreamId(ctx, value, &out->spec.minid)) return false;
    out->spec.by = StreamValue::TrimBy::kMinId;
  } else {
    int64_t maxlen;
    if (!ParseIntArg(ctx, value, &maxlen)) return false;
    if (maxlen < 0) {
      ctx.reply.Error("ERR The MAXLEN argument must be >= 0.");
      return false;
    }
    out->spec.maxlen = static_cast<uint64_t>(maxlen);
    out->spec.by = StreamValue::TrimBy::kMaxLen;
  }
  out->threshold_at = *i;
  out->trims = true;
  return true;
}

bool ParseLimit(CommandContext& ctx, std::string_view value, TrimArgs* out) {
  if (!ParseIntArg(ctx, value, &out->spec.limit)) return false;
  if (out->spec.limit < 0) {
    ctx.reply.Error("ERR The LIMIT argument must be >= 0.");
    return false;
  }
  out->limit_given = true;
  return true;
}

// The checks after the options: LIMIT needs a strategy and "~"; without LIMIT, "~" examines
// at most 100 nodes' worth of entries. A primary's or the AOF's command is never limited.
bool FinishTrimArgs(CommandContext& ctx, TrimArgs* out) {
  if (out->limit_given && !out->trims) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return false;
  }
  if (ObeysWithoutChecks(ctx)) {
    out->spec.limit = 0;
  } else if (out->limit_given) {
    if (!out->spec.approx) {
      ctx.reply.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return false;
    }
  } else if (out->spec.approx) {
    const int64_t entries = ctx.server.keyspace.encoding_limits().stream_node_max_entries;
    out->spec.limit = entries <= 0 || entries > 10000 ? 1000000 : 100 * entries;
  } else {
    out->spec.limit = 0;
  }
  return true;
}

// An approximate trim is propagated as the exact one it came to: "=" and the length left, or
// the first ID left (deleted entries included), so replicas trim the same entries.
void RewriteApproxTrim(const TrimArgs& trim, const StreamValue& s, std::vector<std::string>* argv) {
  if (!trim.spec.approx) return;
  (*argv)[trim.modifier_at] = "=";
  if (trim.spec.by == StreamValue::TrimBy::kMaxLen) {
    (*argv)[trim.threshold_at] = std::to_string(s.length());
  } else {
    StreamId first = StreamId::Max();
    s.FirstStoredId(&first);
    (*argv)[trim.threshold_at] = first.ToString();
  }
}

// ---- XADD ------------------------------------------------------------------------------------

struct AddArgs {
  TrimArgs trim;
  bool no_mkstream = false;
  bool id_auto = true;  // "*"
  bool seq_auto = false;
  StreamId id;
  size_t id_at = 0;
};

bool ParseAddArgs(CommandContext& ctx, AddArgs* out) {
  size_t i = 2;
  for (; i < ctx.argc(); ++i) {
    const std::string_view opt = ctx.arg(i);
    const bool more = i + 1 < ctx.argc();
    if (opt == "*") break;
    if ((IsOption(opt, "maxlen") || IsOption(opt, "minid")) && more) {
      if (!ParseTrimStrategy(ctx, &i, &out->trim)) return false;
    } else if (IsOption(opt, "limit") && more) {
      if (!ParseLimit(ctx, ctx.arg(++i), &out->trim)) return false;
    } else if (IsOption(opt, "nomkstream")) {
      out->no_mkstream = true;
    } else {
      // "5" is 5-0, only "5-*" takes the next sequence number.
      bool seq_given;
      if (!store::ParseStreamId(opt, 0, &out->id, &seq_given, &out->seq_auto)) {
        ctx.reply.Error(kInvalidStreamId);
        return false;
      }
      out->id_auto = false;
      break;
    }
  }
  out->id_at = i;
  if (!FinishTrimArgs(ctx, &out->trim)) return false;
  const size_t pairs = ctx.argc() - (i + 1);
  if (i >= ctx.argc() || pairs < 2 || pairs % 2 != 0) {
    ctx.reply.Error("ERR wrong number of arguments for 'xadd' command");
    return false;
  }
  if (!out->id_auto && !out->seq_auto && out->id.IsZero()) {
    ctx.reply.Error("ERR The ID specified in XADD must be greater than 0-0");
    return false;
  }
  return true;
}

// The ID the new entry gets; false after replying why there is none.
bool NextEntryId(CommandContext& ctx, const StreamValue& s, const AddArgs& args, StreamId* id) {
  const StreamId last = s.last_id();
  if (args.id_auto) {
    const auto now = static_cast<uint64_t>(ctx.now_ms);
    *id = now > last.ms ? StreamId{now, 0} : last;
    if (now <= last.ms) id->Increment();
    return true;
  }
  *id = args.id;
  if (args.seq_auto && args.id.ms == last.ms) {
    if (last.seq == UINT64_MAX) {
      ctx.reply.Error("ERR Elements are too large to be stored");
      return false;
    }
    *id = {last.ms, last.seq + 1};
  }
  if (*id <= last) {
    ctx.reply.Error(
        "ERR The ID specified in XADD is equal or smaller than the target stream top item");
    return false;
  }
  return true;
}

void XAdd(CommandContext& ctx) {
  AddArgs args;
  if (!ParseAddArgs(ctx, &args)) return;
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kStream)) return;
  if (e == nullptr && args.no_mkstream) {
    ctx.reply.Null();
    return;
  }
  const StreamValue* existing = e != nullptr ? &AsStream(e) : nullptr;
  if (existing != nullptr && existing->last_id() == StreamId::Max()) {
    ctx.reply.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
    return;
  }
  StreamValue fresh_probe;
  StreamId id;
  if (!NextEntryId(ctx, existing != nullptr ? *existing : fresh_probe, args, &id)) return;
  StreamValue* s;
  if (e == nullptr) {
    s = new StreamValue();
    ctx.db().AddObject(key, store::ValueType::kStream, s);
  } else {
    s = &static_cast<StreamValue&>(*ctx.db().PrepareModify(e)->object());
  }
  s->Append(id, ctx.args.subspan(args.id_at + 1), ctx.server.keyspace.encoding_limits());
  char buf[StreamId::kTextMax];
  ctx.reply.Bulk(id.Format(buf));
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyStream, "xadd", key);
  std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
  if (args.trim.trims) {
    if (s->Trim(args.trim.spec) > 0) NotifyKeyspaceEvent(ctx, config::kNotifyStream, "xtrim", key);
    RewriteApproxTrim(args.trim, *s, &argv);
  }
  if (args.id_auto || args.seq_auto) argv[args.id_at] = id.ToString();
  ctx.PropagateAs(std::move(argv));
  ctx.server.key_waits.Signal(ctx.client.db, key);  // blocked readers may take it
}

// ---- XTRIM, XRANGE, XLEN, XDEL, XSETID ------------------------------------------------------

// The stream at `key` for a change; nullptr after replying 0 (no key) or WRONGTYPE.
store::Entry* StreamOrZero(CommandContext& ctx, std::string_view key) {
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kStream)) return nullptr;
  if (e == nullptr) ctx.reply.Integer(0);
  return e;
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void XTrim(CommandContext& ctx) {
  TrimArgs trim;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const std::string_view opt = ctx.arg(i);
    const bool more = i + 1 < ctx.argc();
    if ((IsOption(opt, "maxlen") || IsOption(opt, "minid")) && more) {
      if (!ParseTrimStrategy(ctx, &i, &trim)) return;
    } else if (IsOption(opt, "limit") && more) {
      if (!ParseLimit(ctx, ctx.arg(++i), &trim)) return;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if (!trim.trims && !trim.limit_given) {
    ctx.reply.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return;
  }
  if (!FinishTrimArgs(ctx, &trim)) return;
  const std::string_view key = ctx.arg(1);
  store::Entry* e = StreamOrZero(ctx, key);
  if (e == nullptr) return;
  if (!AsStream(e).TrimWouldRemove(trim.spec)) {
    ctx.reply.Integer(0);
    return;
  }
  StreamValue& s = static_cast<StreamValue&>(*ctx.db().PrepareModify(e)->object());
  const uint64_t removed = s.Trim(trim.spec);
  ctx.reply.Integer(static_cast<int64_t>(removed));
  if (removed == 0) return;
  ctx.MarkDirty(static_cast<int64_t>(removed));
  NotifyKeyspaceEvent(ctx, config::kNotifyStream, "xtrim", key);
  std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
  RewriteApproxTrim(trim, s, &argv);
  ctx.PropagateAs(std::move(argv));
}

void RangeCommand(CommandContext& ctx, bool reverse) {
  StreamId start;
  StreamId end;
  if (!ParseIntervalStart(ctx, ctx.arg(reverse ? 3 : 2), &start)) return;
  if (!ParseIntervalEnd(ctx, ctx.arg(reverse ? 2 : 3), &end)) return;
  int64_t count = -1;
  for (size_t i = 4; i < ctx.argc(); ++i) {
    if (!IsOption(ctx.arg(i), "count") || i + 1 >= ctx.argc()) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    if (!ParseIntArg(ctx, ctx.arg(++i), &count)) return;
    if (count < 0) count = 0;
  }
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (!CheckType(ctx, e, store::ValueType::kStream)) return;
  if (e == nullptr) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  if (count == 0) {
    ctx.reply.NullArray();
    return;
  }
  ReplyStreamRange(ctx, AsStream(e), start, end, count < 0 ? 0 : static_cast<size_t>(count),
                   reverse);
}

void XRange(CommandContext& ctx) { RangeCommand(ctx, false); }
void XRevRange(CommandContext& ctx) { RangeCommand(ctx, true); }

void XLen(CommandContext& ctx) {
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (!CheckType(ctx, e, store::ValueType::kStream)) return;
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(AsStream(e).length()));
}

// XDEL key id [id ...]: the key first, then every ID, then the deletions.
void XDel(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  store::Entry* e = StreamOrZero(ctx, key);
  if (e == nullptr) return;
  std::vector<StreamId> ids(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!ParseStrictStreamId(ctx, ctx.arg(i), &ids[i - 2])) return;
  }
  int64_t deleted = 0;
  for (StreamId id : ids) {
    bool present = false;
    AsStream(e).Find(id, [&](const store::StreamEntryView&) { present = true; });
    if (!present) continue;
    if (deleted++ == 0) ctx.db().PrepareModify(e);
    AsStream(e).Delete(id);
  }
  ctx.reply.Integer(deleted);
  if (deleted == 0) return;
  ctx.MarkDirty(deleted);
  NotifyKeyspaceEvent(ctx, config::kNotifyStream, "xdel", key);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
void XSetId(CommandContext& ctx) {
  StreamId id;
  if (!ParseStrictStreamId(ctx, ctx.arg(2), &id)) return;
  int64_t entries_added = -1;
  StreamId max_deleted;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    const bool more = i + 1 < ctx.argc();
    if (IsOption(ctx.arg(i), "entriesadded") && more) {
      if (!ParseIntArg(ctx, ctx.arg(i + 1), &entries_added)) return;
      if (entries_added < 0) {
        ctx.reply.Error("ERR entries_added must be positive");
        return;
      }
    } else if (IsOption(ctx.arg(i), "maxdeletedid") && more) {
      if (!ParseStrictStreamId(ctx, ctx.arg(i + 1), &max_deleted)) return;
      if (id < max_deleted) {
        ctx.reply.Error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
        return;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (e == nullptr) {
    ctx.reply.Error("ERR no such key");
    return;
  }
  if (!CheckType(ctx, e, store::ValueType::kStream)) return;
  const StreamValue& s = AsStream(e);
  StreamId top;
  if (s.length() > 0 && s.EdgeId(true, &top)) {
    if (id < top) {
      ctx.reply.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entries_added >= 0 && s.length() > static_cast<uint64_t>(entries_added)) {
      ctx.reply.Error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
      return;
    }
  }
  StreamValue& changed = static_cast<StreamValue&>(*ctx.db().PrepareModify(e)->object());
  changed.set_last_id(id);
  if (entries_added >= 0) changed.set_entries_added(static_cast<uint64_t>(entries_added));
  if (!max_deleted.IsZero()) changed.set_max_deleted_id(max_deleted);
  ctx.reply.Ok();
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyStream, "xsetid", key);
}

}  // namespace

std::string_view StreamKeyFlags(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kFlags[] = {
      {"xadd", "RW update"},    {"xack", "RW update"},
      {"xclaim", "RW update"},  {"xsetid", "RW update"},
      {"setid", "RW update"},   {"xdel", "RW delete"},
      {"xtrim", "RW delete"},   {"xautoclaim", "RW delete"},
      {"destroy", "RW delete"}, {"delconsumer", "RW delete"},
      {"create", "RW insert"},  {"createconsumer", "RW insert"},
      {"xlen", "RO"},           {"xreadgroup", "RO access"},
  };
  for (const auto& [command, flags] : kFlags) {
    if (command == name) return flags;
  }
  return {};
}

void RegisterStreamCommands(CommandTable& table) {
  auto add = [&](std::string_view name, int arity, uint32_t flags, Handler handler,
                 std::string_view summary, std::string_view since, std::string_view complexity) {
    CommandSpec spec =
        SingleKeySpec(name, arity, flags, handler, "stream", summary, since, complexity);
    spec.key_flags = StreamKeyFlags(name);
    if (name == "xadd")
      spec.key_notes = "UPDATE instead of INSERT because of the optional trimming feature";
    table.Add(std::move(spec));
  };
  add("xadd", -5, kWrite | kDenyOom | kFast, XAdd, "Appends a new entry to a stream", "5.0.0",
      "O(1) when adding a new entry, O(N) when trimming where N being the number of entries "
      "evicted.");
  add("xtrim", -4, kWrite, XTrim, "Deletes messages from the beginning of a stream.", "5.0.0",
      "O(N), with N being the number of evicted entries. Constant times are very small however, "
      "since entries are organized in macro nodes containing multiple entries that can be "
      "released with a single deallocation.");
  add("xrange", -4, kReadOnly, XRange,
      "Return a range of elements in a stream, with IDs matching "
      "the specified IDs interval",
      "5.0.0",
      "O(N) with N being the number of elements being returned. If N is constant (e.g. always "
      "asking for the first 10 elements with COUNT), you can consider it O(1).");
  add("xrevrange", -4, kReadOnly, XRevRange,
      "Return a range of elements in a stream, with IDs matching the specified IDs interval, in "
      "reverse order (from greater to smaller IDs) compared to XRANGE",
      "5.0.0",
      "O(N) with N being the number of elements returned. If N is constant (e.g. always asking "
      "for the first 10 elements with COUNT), you can consider it O(1).");
  add("xlen", 2, kReadOnly | kFast, XLen, "Return the number of entries in a stream", "5.0.0",
      "O(1)");
  add("xdel", -3, kWrite | kFast, XDel,
      "Removes the specified entries from the stream. Returns the number of items actually "
      "deleted, that may be different from the number of IDs passed in case certain IDs do not "
      "exist.",
      "5.0.0",
      "O(1) for each single item to delete in the stream, regardless of the "
      "stream size.");
  add("xsetid", -3, kWrite | kDenyOom | kFast, XSetId,
      "An internal command for replicating stream values", "5.0.0", "O(1)");
  RegisterStreamReadCommands(table);
  RegisterStreamGroupCommands(table);
  RegisterStreamInfoCommand(table);
}

}  // namespace basalt::cmd
