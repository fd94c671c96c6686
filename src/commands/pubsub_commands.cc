// Pub/sub: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB. Subscriptions and
// delivery live in clients/pubsub.h; RESP2's subscribed mode is enforced by the dispatcher.
#include <algorithm>

#include "clients/pubsub.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/helpers.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

using clients::ChannelKind;

struct KindNames {
  std::string_view subscribe;
  std::string_view unsubscribe;
};

KindNames NamesOf(ChannelKind kind) {
  switch (kind) {
    case ChannelKind::kChannel:
      return {"subscribe", "unsubscribe"};
    case ChannelKind::kPattern:
      return {"psubscribe", "punsubscribe"};
    case ChannelKind::kShard:
      break;
  }
  return {"ssubscribe", "sunsubscribe"};
}

// The count a confirmation shows: channels + patterns, or shard channels alone for the shard
// commands (as Redis 7.0 counts them).
int64_t ConfirmationCount(const ClientSession& client, ChannelKind kind) {
  const clients::Subscriptions* subs = client.subscriptions();
  if (subs == nullptr) return 0;
  return static_cast<int64_t>(kind == ChannelKind::kShard ? subs->shard_count() : subs->count());
}

// One confirmation: [kind, name (or nil), count], a push in RESP3. Redis sends confirmations
// even to a client that turned replies off (CLIENT REPLY OFF), so it still learns that its
// subscriptions took: they then leave as pushes, outside the request's dropped reply.
void Confirm(CommandContext& ctx, std::string_view what, const std::string_view* name,
             int64_t count) {
  std::string pushed;
  protocol::ReplyWriter push_writer(&pushed, ctx.reply.protocol());
  protocol::ReplyWriter& out = ctx.client.replies_suppressed() ? push_writer : ctx.reply;
  out.PushHeader(3);
  out.Bulk(what);
  if (name != nullptr) {
    out.Bulk(*name);
  } else {
    out.Null();
  }
  out.Integer(count);
  if (!pushed.empty()) ctx.client.Deliver(pushed);
}

void SubscribeTo(CommandContext& ctx, ChannelKind kind) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view name = ctx.arg(i);
    ctx.server.pubsub.Subscribe(ctx.client, kind, name);
    Confirm(ctx, NamesOf(kind).subscribe, &name, ConfirmationCount(ctx.client, kind));
  }
}

void UnsubscribeFrom(CommandContext& ctx, ChannelKind kind) {
  const std::string_view what = NamesOf(kind).unsubscribe;
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      std::string_view name = ctx.arg(i);
      ctx.server.pubsub.Unsubscribe(ctx.client, kind, name);
      Confirm(ctx, what, &name, ConfirmationCount(ctx.client, kind));
    }
    return;
  }
  // Without arguments: every subscription of this kind in subscription order (each
  // confirmation with the count left after it), or one confirmation with a nil name.
  const int64_t before = ConfirmationCount(ctx.client, kind);
  std::vector<std::string> all = ctx.server.pubsub.UnsubscribeAll(ctx.client, kind);
  if (all.empty()) {
    Confirm(ctx, what, nullptr, ConfirmationCount(ctx.client, kind));
    return;
  }
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string_view name = all[i];
    Confirm(ctx, what, &name, before - static_cast<int64_t>(i) - 1);
  }
}

void Subscribe(CommandContext& ctx) { SubscribeTo(ctx, ChannelKind::kChannel); }
void PSubscribe(CommandContext& ctx) { SubscribeTo(ctx, ChannelKind::kPattern); }
void SSubscribe(CommandContext& ctx) { SubscribeTo(ctx, ChannelKind::kShard); }
void Unsubscribe(CommandContext& ctx) { UnsubscribeFrom(ctx, ChannelKind::kChannel); }
void PUnsubscribe(CommandContext& ctx) { UnsubscribeFrom(ctx, ChannelKind::kPattern); }
void SUnsubscribe(CommandContext& ctx) { UnsubscribeFrom(ctx, ChannelKind::kShard); }

void Publish(CommandContext& ctx) {
  size_t n = ctx.server.pubsub.Publish(ctx.arg(1), ctx.arg(2));
  ctx.reply.Integer(static_cast<int64_t>(n));
}

void SPublish(CommandContext& ctx) {
  size_t n = ctx.server.pubsub.PublishShard(ctx.arg(1), ctx.arg(2));
  ctx.reply.Integer(static_cast<int64_t>(n));
}

void ReplyChannels(CommandContext& ctx, ChannelKind kind) {
  if (ctx.argc() > 3) {
    SubcommandSyntaxError(ctx);
    return;
  }
  std::string_view pattern;
  if (ctx.argc() == 3) pattern = ctx.arg(2);
  std::vector<std::string> names =
      ctx.server.pubsub.Channels(kind, ctx.argc() == 3 ? &pattern : nullptr);
  ctx.reply.ArrayHeader(names.size());
  for (const std::string& n : names) ctx.reply.Bulk(n);
}

void ReplyNumSub(CommandContext& ctx, ChannelKind kind) {
  ctx.reply.ArrayHeader((ctx.argc() - 2) * 2);  // a flat array in RESP3 too, as Redis
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Bulk(ctx.arg(i));
    ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub.Subscribers(kind, ctx.arg(i))));
  }
}

void PubSubChannels(CommandContext& ctx) { ReplyChannels(ctx, ChannelKind::kChannel); }
void PubSubShardChannels(CommandContext& ctx) { ReplyChannels(ctx, ChannelKind::kShard); }
void PubSubNumSub(CommandContext& ctx) { ReplyNumSub(ctx, ChannelKind::kChannel); }
void PubSubShardNumSub(CommandContext& ctx) { ReplyNumSub(ctx, ChannelKind::kShard); }
void PubSubNumPat(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub.pattern_count()));
}

void PubSubHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: "
      "'*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.SimpleString(line);
}

constexpr uint32_t kSubscribeFlags = kPubSub | kNoScript | kLoading | kStale | kSubscribedMode;

CommandSpec ChannelSpec(std::string_view name, int arity, uint32_t flags, Handler handler,
                        std::string_view summary, std::string_view since,
                        std::string_view complexity, int first_key = 0, int last_key = 0) {
  return {.name = name,
          .arity = arity,
          .flags = flags,
          .first_key = first_key,
          .last_key = last_key,
          .key_step = first_key > 0 ? 1 : 0,
          .handler = handler,
          .group = "pubsub",
          .summary = summary,
          .since = since,
          .complexity = complexity};
}

}  // namespace

void RegisterPubSubCommands(CommandTable& table) {
  table.Add(ChannelSpec("subscribe", -2, kSubscribeFlags, Subscribe,
                        "Listen for messages published to the given channels", "2.0.0",
                        "O(N) where N is the number of channels to subscribe to."));
  table.Add(ChannelSpec("unsubscribe", -1, kSubscribeFlags, Unsubscribe,
                        "Stop listening for messages posted to the given channels", "2.0.0",
                        "O(N) where N is the number of clients already subscribed to a channel."));
  table.Add(ChannelSpec("psubscribe", -2, kSubscribeFlags, PSubscribe,
                        "Listen for messages published to channels matching the given patterns",
                        "2.0.0",
                        "O(N) where N is the number of patterns the client is already "
                        "subscribed to."));
  table.Add(ChannelSpec(
      "punsubscribe", -1, kSubscribeFlags, PUnsubscribe,
      "Stop listening for messages posted to channels matching the given patterns", "2.0.0",
      "O(N+M) where N is the number of patterns the client is already subscribed and M is the "
      "number of total patterns subscribed in the system (by any client)."));
  table.Add(ChannelSpec("ssubscribe", -2, kSubscribeFlags, SSubscribe,
                        "Listen for messages published to the given shard channels", "7.0.0",
                        "O(N) where N is the number of shard channels to subscribe to.", 1, -1));
  table.Add(ChannelSpec("sunsubscribe", -1, kSubscribeFlags, SUnsubscribe,
                        "Stop listening for messages posted to the given shard channels", "7.0.0",
                        "O(N) where N is the number of clients already subscribed to a shard "
                        "channel.",
                        1, -1));
  table.Add(ChannelSpec("publish", 3, kPubSub | kLoading | kStale | kFast | kMayReplicate, Publish,
                        "Post a message to a channel", "2.0.0",
                        "O(N+M) where N is the number of clients subscribed to the receiving "
                        "channel and M is the total number of subscribed patterns (by any "
                        "client)."));
  table.Add(ChannelSpec("spublish", 3, kPubSub | kLoading | kStale | kFast | kMayReplicate,
                        SPublish, "Post a message to a shard channel", "7.0.0",
                        "O(N) where N is the number of clients subscribed to the receiving shard "
                        "channel.",
                        1, 1));
  auto sub = [](std::string_view name, int arity, Handler h, std::string_view summary,
                std::string_view since, std::string_view complexity) {
    return ChannelSpec(name, arity, kPubSub | kLoading | kStale, h, summary, since, complexity);
  };
  table.Add(
      {.name = "pubsub",
       .arity = -2,
       .group = "pubsub",
       .summary = "A container for Pub/Sub commands",
       .since = "2.8.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           sub("channels", -2, PubSubChannels, "List active channels", "2.8.0",
               "O(N) where N is the number of active channels, and assuming constant time "
               "pattern matching (relatively short channels and patterns)"),
           sub("numsub", -2, PubSubNumSub, "Get the count of subscribers for channels", "2.8.0",
               "O(N) for the NUMSUB subcommand, where N is the number of requested "
               "channels"),
           sub("numpat", 2, PubSubNumPat,
               "Get the count of unique patterns pattern "
               "subscriptions",
               "2.8.0", "O(1)"),
           sub("shardchannels", -2, PubSubShardChannels, "List active shard channels", "7.0.0",
               "O(N) where N is the number of active shard channels, and assuming "
               "constant time pattern matching (relatively short shard channels)."),
           sub("shardnumsub", -2, PubSubShardNumSub,
               "Get the count of subscribers for shard channels", "7.0.0",
               "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
               "shard channels"),
           sub("help", 2, PubSubHelp, "Show helpful text about the different subcommands", "6.2.0",
               "O(1)"),
       }});
}

}  // namespace basalt::cmd
