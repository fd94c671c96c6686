#include "commands/dispatcher.h"

#include "commands/errors.h"
#include "common/clock.h"
#include "common/memory.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

// Redis quotes at most ~128 bytes of the arguments in "unknown command" errors.
void AppendArgsPreview(std::string& out, std::span<const std::string_view> args, size_t from) {
  std::string preview;
  for (size_t i = from; i < args.size() && preview.size() < 128; ++i) {
    preview += '\'';
    preview.append(args[i].substr(0, 128 - preview.size()));
    preview += "' ";
  }
  out += preview;
}

}  // namespace

std::string UnknownCommandError(std::span<const std::string_view> args) {
  std::string msg = "ERR unknown command '";
  msg.append(args[0].substr(0, 128));
  msg += "', with args beginning with: ";
  AppendArgsPreview(msg, args, 1);
  return msg;
}

const CommandSpec* Dispatcher::Resolve(std::span<const std::string_view> args,
                                       protocol::ReplyWriter& reply) {
  const CommandSpec* spec = server_.commands.Find(args[0]);
  if (spec == nullptr) {
    reply.Error(UnknownCommandError(args));
    return nullptr;
  }
  if (!spec->is_container()) {
    if (!spec->ArityOk(args.size())) {
      ++spec->stats.rejected_calls;
      reply.Error("ERR wrong number of arguments for '" + spec->full_name + "' command");
      return nullptr;
    }
    return spec;
  }
  if (args.size() < 2) {
    // A container with a handler of its own runs it bare (COMMAND lists every command).
    if (spec->handler != nullptr && spec->ArityOk(args.size())) return spec;
    ++spec->stats.rejected_calls;
    reply.Error("ERR wrong number of arguments for '" + spec->full_name + "' command");
    return nullptr;
  }
  const CommandSpec* sub = CommandTable::FindSubcommand(*spec, args[1]);
  if (sub == nullptr) {
    std::string msg = "ERR unknown subcommand '";
    msg.append(args[1].substr(0, 128));
    msg += "'. Try " + ToUpper(spec->name) + " HELP.";
    reply.Error(msg);
    return nullptr;
  }
  if (!sub->ArityOk(args.size())) {
    ++sub->stats.rejected_calls;
    reply.Error("ERR wrong number of arguments for '" + sub->full_name + "' command");
    return nullptr;
  }
  return sub;
}

std::string_view Dispatcher::Refusal(const ClientSession& client, const CommandSpec& spec) {
  const config::Settings& s = server_.config.settings();
  uint32_t flags = spec.parent ? (spec.flags | spec.parent->flags) : spec.flags;
  if (!client.authenticated && !s.requirepass.empty() && !(flags & kNoAuth)) return err::kNoAuth;
  if (server_.loading && !(flags & kLoading)) return err::kLoading;
  if (s.maxmemory > 0 && (flags & kDenyOom) && mem::Used() > s.maxmemory) return err::kOom;
  if ((flags & kWrite) && server_.persistence != nullptr) {
    refusal_ = server_.persistence->WriteRefusal();
    if (!refusal_.empty()) return refusal_;
  }
  return {};
}

void Dispatcher::Execute(ClientSession& client, std::span<const std::string_view> args,
                         protocol::ReplyWriter& reply) {
  if (args.empty()) return;
  const uint64_t errors_before = reply.errors_written();
  Run(client, args, reply);
  server_.stats.total_error_replies += reply.errors_written() - errors_before;
}

void Dispatcher::Run(ClientSession& client, std::span<const std::string_view> args,
                     protocol::ReplyWriter& reply) {
  const CommandSpec* spec = Resolve(args, reply);
  if (spec == nullptr) return;
  if (std::string_view refusal = Refusal(client, *spec); !refusal.empty()) {
    ++spec->stats.rejected_calls;
    reply.Error(refusal);
    return;
  }

  const uint64_t errors_before = reply.errors_written();
  const int64_t start_us = MonotonicUs();
  CommandContext ctx(server_, client, reply, args, *spec, server_.clock.NowMs());
  spec->handler(ctx);
  const int64_t elapsed_us = MonotonicUs() - start_us;

  CommandStats& stats = spec->stats;
  ++stats.calls;
  stats.usec += static_cast<uint64_t>(elapsed_us);
  if (reply.errors_written() != errors_before) ++stats.failed_calls;
  ++server_.stats.total_commands_processed;
  client.last_command = spec->full_name;
  if (ctx.dirty() > 0 && !ctx.propagation_suppressed()) Propagate(ctx, args);
}

void Dispatcher::Propagate(const CommandContext& ctx, std::span<const std::string_view> args) {
  if (server_.propagator == nullptr) return;
  if (ctx.rewritten().empty()) {
    server_.propagator->Propagate(ctx.client.db, args);
    return;
  }
  std::vector<std::string_view> views;
  for (const std::vector<std::string>& argv : ctx.rewritten()) {
    views.assign(argv.begin(), argv.end());
    server_.propagator->Propagate(ctx.client.db, views);
  }
}

}  // namespace basalt::cmd
