// CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO: client-side caching's commands. The
// tracking itself (tables, invalidation messages) is clients/tracking.h.
#include "clients/tracking.h"
#include "commands/errors.h"
#include "commands/helpers.h"
#include "commands/server_group.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

// Parses the options after ON|OFF in Redis's order; replies with the error and returns false.
bool ParseTrackingOptions(CommandContext& ctx, clients::TrackingOptions* opt) {
  for (size_t i = 3; i < ctx.argc(); ++i) {
    const bool more = i + 1 < ctx.argc();
    std::string_view a = ctx.arg(i);
    if (IsOption(a, "redirect") && more) {
      if (opt->redirect != 0) {
        ctx.reply.Error("ERR A client can only redirect to a single other client");
        return false;
      }
      int64_t id;
      if (!ParseInt64(ctx.arg(++i), &id)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      if (id <= 0 || ctx.server.tracking_index().Find(static_cast<uint64_t>(id)) == nullptr) {
        ctx.reply.Error("ERR The client ID you want redirect to does not exist");
        return false;
      }
      opt->redirect = static_cast<uint64_t>(id);
    } else if (IsOption(a, "bcast")) {
      opt->bcast = true;
    } else if (IsOption(a, "optin")) {
      opt->optin = true;
    } else if (IsOption(a, "optout")) {
      opt->optout = true;
    } else if (IsOption(a, "noloop")) {
      opt->noloop = true;
    } else if (IsOption(a, "prefix") && more) {
      opt->prefixes.emplace_back(ctx.arg(++i));
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

void ClientTracking(CommandContext& ctx) {
  clients::TrackingOptions opt;
  if (!ParseTrackingOptions(ctx, &opt)) return;
  if (IsOption(ctx.arg(2), "on")) {
    if (std::string error = ctx.server.tracking.Enable(ctx.client, opt); !error.empty()) {
      ctx.reply.Error(error);
      return;
    }
  } else if (IsOption(ctx.arg(2), "off")) {
    ctx.server.tracking.Disable(ctx.client);
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  ctx.reply.Ok();
}

void ClientCaching(CommandContext& ctx) {
  clients::TrackingState* st = ctx.client.tracking();
  if (st == nullptr || !st->on) {
    ctx.reply.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        "or OPTOUT mode enabled");
    return;
  }
  if (IsOption(ctx.arg(2), "yes")) {
    if (!st->options.optin) {
      ctx.reply.Error(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      return;
    }
  } else if (IsOption(ctx.arg(2), "no")) {
    if (!st->options.optout) {
      ctx.reply.Error(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      return;
    }
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  st->caching_given = true;
  ctx.reply.Ok();
}

void ClientGetRedir(CommandContext& ctx) {
  const clients::TrackingState* st = ctx.client.tracking();
  const bool on = st != nullptr && st->on;
  ctx.reply.Integer(on ? static_cast<int64_t>(st->options.redirect) : -1);
}

void ClientTrackingInfo(CommandContext& ctx) {
  const clients::TrackingState* st = ctx.client.tracking();
  const bool on = st != nullptr && st->on;
  std::vector<std::string_view> flags = {on ? "on" : "off"};
  if (on) {
    if (st->options.bcast) flags.push_back("bcast");
    if (st->options.optin) flags.push_back("optin");
    if (st->options.optin && st->caching_given) flags.push_back("caching-yes");
    if (st->options.optout) flags.push_back("optout");
    if (st->options.optout && st->caching_given) flags.push_back("caching-no");
    if (st->options.noloop) flags.push_back("noloop");
    if (st->redirect_broken) flags.push_back("broken_redirect");
  }
  ctx.reply.MapHeader(3);
  ctx.reply.Bulk("flags");
  ctx.reply.SetHeader(flags.size());
  for (std::string_view f : flags) ctx.reply.Bulk(f);
  ctx.reply.Bulk("redirect");
  ctx.reply.Integer(on ? static_cast<int64_t>(st->options.redirect) : -1);
  ctx.reply.Bulk("prefixes");
  if (!on) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  ctx.reply.ArrayHeader(st->prefixes.size());
  for (const std::string& p : st->prefixes) ctx.reply.Bulk(p);
}

}  // namespace

std::vector<CommandSpec> ClientTrackingSubcommands() {
  constexpr uint32_t kBase = kNoScript | kLoading | kStale;
  auto sub = [](std::string_view name, int arity, Handler h, std::string_view summary,
                std::string_view since, std::string_view complexity) {
    return KeylessSpec(name, arity, kBase, h, "connection", summary, since, complexity);
  };
  return {
      sub("tracking", -3, ClientTracking,
          "Enable or disable server assisted client side caching support", "6.0.0",
          "O(1). Some options may introduce additional complexity."),
      sub("caching", 3, ClientCaching,
          "Instruct the server about tracking or not keys in the next request", "6.0.0", "O(1)"),
      sub("getredir", 2, ClientGetRedir, "Get tracking notifications redirection client ID if any",
          "6.0.0", "O(1)"),
      sub("trackinginfo", 2, ClientTrackingInfo,
          "Return information about server assisted client side caching for the current "
          "connection",
          "6.2.0", "O(1)"),
  };
}

}  // namespace basalt::cmd
