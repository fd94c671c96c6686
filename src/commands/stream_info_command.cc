// XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS, XINFO HELP: maps in RESP3, flat
// arrays in RESP2, with redis-server 7.0.15's fields in its order.
//
// radix-tree-keys is the number of nodes; radix-tree-nodes is the number of nodes the radix
// tree Redis keeps them in would have, for keys inserted and not removed (a removal can leave
// Redis's tree with a node more than this count).
#include <string>

#include "commands/helpers.h"
#include "commands/server_group.h"
#include "commands/stream_commands_internal.h"
#include "common/strings.h"

namespace basalt::cmd {

using store::StreamId;
using store::StreamValue;

namespace {

using Key = std::array<uint8_t, 16>;

// Nodes of a radix tree whose compressed nodes run until the keys branch: at `depth`, keys
// [lo, hi) share their first `depth` bytes.
size_t RaxNodes(const std::vector<Key>& keys, size_t lo, size_t hi, size_t depth) {
  if (depth == 16) return 1;
  bool branches = false;
  for (size_t i = lo + 1; i < hi && !branches; ++i) branches = keys[i][depth] != keys[lo][depth];
  if (!branches) {
    // A compressed node up to where the keys part (or end), then what follows.
    size_t common = depth + 1;
    while (common < 16) {
      bool same = true;
      for (size_t i = lo + 1; i < hi && same; ++i) same = keys[i][common] == keys[lo][common];
      if (!same) break;
      ++common;
    }
    return 1 + RaxNodes(keys, lo, hi, common);
  }
  size_t nodes = 1;
  for (size_t i = lo; i < hi;) {
    size_t j = i + 1;
    while (j < hi && keys[j][depth] == keys[i][depth]) ++j;
    nodes += RaxNodes(keys, i, j, depth + 1);
    i = j;
  }
  return nodes;
}

size_t RadixTreeNodes(const StreamValue& s) {
  if (s.nodes().empty()) return 1;
  std::vector<Key> keys;
  keys.reserve(s.nodes().size());
  for (const auto& [master, node] : s.nodes()) {
    Key k;
    master.ToBigEndian(k.data());
    keys.push_back(k);
  }
  return RaxNodes(keys, 0, keys.size(), 0);
}

void BulkId(CommandContext& ctx, StreamId id) {
  char buf[StreamId::kTextMax];
  ctx.reply.Bulk(id.Format(buf));
}

void ReplyEdgeEntry(CommandContext& ctx, const StreamValue& s, bool last) {
  bool found = false;
  s.ForRange(StreamId::Min(), StreamId::Max(), last, [&](const store::StreamEntryView& entry) {
    ReplyStreamEntry(ctx, entry);
    found = true;
    return false;
  });
  if (!found) ctx.reply.Null();
}

// The seven fields both forms of XINFO STREAM start with.
void ReplyStreamHead(CommandContext& ctx, const StreamValue& s) {
  ctx.reply.Bulk("length");
  ctx.reply.Integer(static_cast<int64_t>(s.length()));
  ctx.reply.Bulk("radix-tree-keys");
  ctx.reply.Integer(static_cast<int64_t>(s.nodes().size()));
  ctx.reply.Bulk("radix-tree-nodes");
  ctx.reply.Integer(static_cast<int64_t>(RadixTreeNodes(s)));
  ctx.reply.Bulk("last-generated-id");
  BulkId(ctx, s.last_id());
  ctx.reply.Bulk("max-deleted-entry-id");
  BulkId(ctx, s.max_deleted_id());
  ctx.reply.Bulk("entries-added");
  ctx.reply.Integer(static_cast<int64_t>(s.entries_added()));
  ctx.reply.Bulk("recorded-first-entry-id");
  BulkId(ctx, s.first_id());
}

void ReplyEntriesRead(CommandContext& ctx, const StreamValue& s, const store::StreamGroup& g) {
  ctx.reply.Bulk("entries-read");
  g.entries_read >= 0 ? ctx.reply.Integer(g.entries_read) : ctx.reply.Null();
  ctx.reply.Bulk("lag");
  int64_t lag;
  s.GroupLag(g, &lag) ? ctx.reply.Integer(lag) : ctx.reply.Null();
}

void ReplyFullGroup(CommandContext& ctx, const StreamValue& s, std::string_view name,
                    const store::StreamGroup& g, size_t count) {
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("name");
  ctx.reply.Bulk(name);
  ctx.reply.Bulk("last-delivered-id");
  BulkId(ctx, g.last_id);
  ReplyEntriesRead(ctx, s, g);
  ctx.reply.Bulk("pel-count");
  ctx.reply.Integer(static_cast<int64_t>(g.pending.size()));
  ctx.reply.Bulk("pending");
  const size_t shown = count == 0 ? g.pending.size() : std::min(count, g.pending.size());
  ctx.reply.ArrayHeader(shown);
  size_t n = 0;
  for (auto it = g.pending.begin(); n < shown; ++it, ++n) {
    ctx.reply.ArrayHeader(4);
    BulkId(ctx, it->first);
    ctx.reply.Bulk(it->second.consumer->name);
    ctx.reply.Integer(it->second.delivery_time_ms);
    ctx.reply.Integer(static_cast<int64_t>(it->second.delivery_count));
  }
  ctx.reply.Bulk("consumers");
  ctx.reply.ArrayHeader(g.consumers.size());
  for (const auto& [cname, consumer] : g.consumers) {
    ctx.reply.MapHeader(4);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(cname);
    ctx.reply.Bulk("seen-time");
    ctx.reply.Integer(consumer.seen_time_ms);
    ctx.reply.Bulk("pel-count");
    ctx.reply.Integer(static_cast<int64_t>(consumer.pending.size()));
    ctx.reply.Bulk("pending");
    const size_t mine =
        count == 0 ? consumer.pending.size() : std::min(count, consumer.pending.size());
    ctx.reply.ArrayHeader(mine);
    size_t m = 0;
    for (auto it = consumer.pending.begin(); m < mine; ++it, ++m) {
      ctx.reply.ArrayHeader(3);
      BulkId(ctx, it->first);
      ctx.reply.Integer(it->second->delivery_time_ms);
      ctx.reply.Integer(static_cast<int64_t>(it->second->delivery_count));
    }
  }
}

// The stream of XINFO's key; nullptr after replying.
const StreamValue* InfoStream(CommandContext& ctx) {
  store::Entry* e = LookupRead(ctx, ctx.arg(2));
  if (e == nullptr) {
    ctx.reply.Error("ERR no such key");
    return nullptr;
  }
  if (!CheckType(ctx, e, store::ValueType::kStream)) return nullptr;
  return &AsStream(e);
}

void XInfoStream(CommandContext& ctx) {
  // The key first, then the options (Redis's order).
  const StreamValue* s = InfoStream(ctx);
  if (s == nullptr) return;
  const bool full = ctx.argc() >= 4 && IsOption(ctx.arg(3), "full");
  int64_t count = 10;
  if ((ctx.argc() > 3 && !full) || ctx.argc() == 5 || ctx.argc() > 6 ||
      (ctx.argc() == 6 && !IsOption(ctx.arg(4), "count"))) {
    SubcommandSyntaxError(ctx);
    return;
  }
  if (ctx.argc() == 6 && !ParseIntArg(ctx, ctx.arg(5), &count)) return;
  if (!full) {
    ctx.reply.MapHeader(10);
    ReplyStreamHead(ctx, *s);
    ctx.reply.Bulk("groups");
    ctx.reply.Integer(static_cast<int64_t>(s->groups().size()));
    ctx.reply.Bulk("first-entry");
    ReplyEdgeEntry(ctx, *s, false);
    ctx.reply.Bulk("last-entry");
    ReplyEdgeEntry(ctx, *s, true);
    return;
  }
  // COUNT 0 shows everything; a negative COUNT is the default.
  const size_t limit = count == 0 ? 0 : static_cast<size_t>(count < 0 ? 10 : count);
  ctx.reply.MapHeader(9);
  ReplyStreamHead(ctx, *s);
  ctx.reply.Bulk("entries");
  ReplyStreamRange(ctx, *s, StreamId::Min(), StreamId::Max(), limit, false);
  ctx.reply.Bulk("groups");
  ctx.reply.ArrayHeader(s->groups().size());
  for (const auto& [name, group] : s->groups().all()) ReplyFullGroup(ctx, *s, name, group, limit);
}

void XInfoGroups(CommandContext& ctx) {
  const StreamValue* s = InfoStream(ctx);
  if (s == nullptr) return;
  ctx.reply.ArrayHeader(s->groups().size());
  for (const auto& [name, group] : s->groups().all()) {
    ctx.reply.MapHeader(6);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("consumers");
    ctx.reply.Integer(static_cast<int64_t>(group.consumers.size()));
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(group.pending.size()));
    ctx.reply.Bulk("last-delivered-id");
    BulkId(ctx, group.last_id);
    ReplyEntriesRead(ctx, *s, group);
  }
}

void XInfoConsumers(CommandContext& ctx) {
  const StreamValue* s = InfoStream(ctx);
  if (s == nullptr) return;
  const store::StreamGroup* group = s->groups().Find(ctx.arg(3));
  if (group == nullptr) {
    ctx.reply.Error("NOGROUP No such consumer group '" + std::string(UpToNul(ctx.arg(3))) +
                    "' for key name '" + std::string(UpToNul(ctx.arg(2))) + "'");
    return;
  }
  ctx.reply.ArrayHeader(group->consumers.size());
  for (const auto& [name, consumer] : group->consumers) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(consumer.pending.size()));
    ctx.reply.Bulk("idle");
    const int64_t idle = store::WrappingSub(ctx.now_ms, consumer.seen_time_ms);
    ctx.reply.Integer(idle < 0 ? 0 : idle);
  }
}

void XInfoHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "XINFO",
            {"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>",
             "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]",
             "    Show information about the stream."});
}

}  // namespace

void RegisterStreamInfoCommand(CommandTable& table) {
  auto sub = [](std::string_view name, int arity, Handler handler, std::string_view summary,
                std::string_view since, std::string_view complexity) {
    return KeysSpec(name, arity, kReadOnly, {2, 2, 1}, handler, "stream", summary, since,
                    complexity);
  };
  table.Add(
      {.name = "xinfo",
       .arity = -2,
       .group = "stream",
       .summary = "A container for stream introspection commands",
       .since = "5.0.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           sub("stream", -3, XInfoStream, "Get information about a stream", "5.0.0", "O(1)"),
           sub("groups", 3, XInfoGroups, "List the consumer groups of a stream", "5.0.0", "O(1)"),
           sub("consumers", 4, XInfoConsumers, "List the consumers in a consumer group", "5.0.0",
               "O(1)"),
           KeylessSpec("help", 2, kLoading | kStale, XInfoHelp, "stream",
                       "Show helpful text about the different subcommands", "5.0.0"),
       }});
}

}  // namespace basalt::cmd
