#include "commands/dispatcher.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "clients/key_waits.h"
#include "clients/registries.h"
#include "commands/errors.h"
#include "commands/eviction.h"
#include "commands/helpers.h"
#include "commands/replication_control.h"
#include "commands/script_host.h"
#include "commands/write_stream.h"
#include "common/clock.h"
#include "common/memory.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

// What C's "%.*s" prints of `s`: at most `max` bytes, and nothing from a NUL on. Redis formats
// these errors with printf, and clients see exactly that.
std::string_view AsCString(std::string_view s, size_t max) {
  s = s.substr(0, s.find('\0'));
  return s.substr(0, max);
}

// Redis quotes arguments while its text is under 128 bytes, each cut to what is left of them.
void AppendArgsPreview(std::string& out, std::span<const std::string_view> args, size_t from) {
  std::string preview;
  for (size_t i = from; i < args.size() && preview.size() < 128; ++i) {
    const size_t room = 128 - preview.size();
    preview += '\'';
    preview.append(AsCString(args[i], room));
    preview += "' ";
  }
  out += preview;
}

// The kind of what the handler of `ctx` wrote from `reply_start` on: the one it declared with
// Fail(), else kArgument for an error reply. Only the reply's first byte tells an error reply
// from an array holding errors (EXEC's queued commands): both count in errors_written().
ErrorKind ReplyKind(const CommandContext& ctx, size_t reply_start) {
  const std::string& out = *ctx.reply.buffer();
  if (out.size() <= reply_start || out[reply_start] != '-') return ErrorKind::kNone;
  return ctx.error_kind() != ErrorKind::kNone ? ctx.error_kind() : ErrorKind::kArgument;
}

}  // namespace

std::string UnknownCommandError(std::span<const std::string_view> args) {
  std::string msg = "ERR unknown command '";
  msg.append(AsCString(args[0], 128));
  msg += "', with args beginning with: ";
  AppendArgsPreview(msg, args, 1);
  return msg;
}

const CommandSpec* Dispatcher::Resolve(std::span<const std::string_view> args,
                                       protocol::ReplyWriter& reply) {
  std::string error;
  const CommandSpec* spec = Resolve(args, &error);
  if (spec == nullptr) reply.Error(error);
  return spec;
}

const CommandSpec* Dispatcher::Resolve(std::span<const std::string_view> args, std::string* error) {
  const CommandSpec* spec = server_.commands.Find(args[0]);
  if (spec == nullptr) {
    *error = UnknownCommandError(args);
    return nullptr;
  }
  auto wrong_arity = [error](const CommandSpec& s) {
    ++s.stats.rejected_calls;
    *error = "ERR wrong number of arguments for '" + s.full_name + "' command";
    return nullptr;
  };
  if (!spec->is_container()) return spec->ArityOk(args.size()) ? spec : wrong_arity(*spec);
  if (args.size() < 2) {
    // A container with a handler of its own runs it bare (COMMAND lists every command).
    if (spec->handler != nullptr && spec->ArityOk(args.size())) return spec;
    return wrong_arity(*spec);
  }
  const CommandSpec* sub = CommandTable::FindSubcommand(*spec, args[1]);
  if (sub == nullptr) {
    *error = "ERR unknown subcommand '";
    error->append(AsCString(args[1], 128));
    *error += "'. Try " + ToUpper(spec->name) + " HELP.";
    return nullptr;
  }
  return sub->ArityOk(args.size()) ? sub : wrong_arity(*sub);
}

std::vector<std::string_view> Dispatcher::KeysOf(const CommandSpec& spec,
                                                 std::span<const std::string_view> args) {
  std::vector<size_t> positions;
  (void)KeyPositions(spec, args, &positions);  // a bad numkeys: the command refuses the call
  std::vector<std::string_view> keys;
  keys.reserve(positions.size());
  for (size_t p : positions) keys.push_back(args[p]);
  return keys;
}

uint32_t Dispatcher::CallFlags(const CommandSpec& spec,
                               std::span<const std::string_view> args) const {
  const uint32_t flags = EffectiveFlags(spec);
  return spec.call_flags == nullptr ? flags : spec.call_flags(server_, args, flags);
}

bool Dispatcher::MayWrite(const ClientSession& client, const CommandSpec& spec, uint32_t flags) {
  if (client.in_multi() && spec.name == "exec") flags |= client.transaction()->queued_flags;
  return (flags & (kWrite | kMayReplicate)) != 0;
}

ErrorReply Dispatcher::Refusal(const ClientSession& client, const CommandSpec& spec,
                               uint32_t flags) {
  const config::Settings& s = server_.config.settings();
  // EXEC is as much a write (and as much a memory user) as what it will run.
  uint32_t effective = flags;
  if (client.in_multi() && spec.name == "exec") effective |= client.transaction()->queued_flags;
  if (flags & kProtected) {
    // DEBUG, or MODULE's LOAD / LOADEX / UNLOAD: each has its own switch.
    const bool module = spec.parent != nullptr && spec.parent->name == "module";
    const bool local = IsLocalClient(client);
    if (module ? !config::AllowsModuleCommand(s, local) : !config::AllowsDebugCommand(s, local)) {
      return {ErrorKind::kArgument,
              std::string("ERR ") + (module ? "MODULE" : "DEBUG") +
                  " command not allowed. If the " +
                  (module ? "enable-module-command" : "enable-debug-command") +
                  " option is set to \"local\", you can run it from a local connection, "
                  "otherwise you need to set this option in the configuration file, and then "
                  "restart the server."};
    }
  }
  // After the protected check, as in Redis: an unauthenticated DEBUG or MODULE LOAD learns it
  // is refused by configuration, nothing more.
  if (!client.authenticated && !s.requirepass.empty() && !(flags & kNoAuth)) {
    return {ErrorKind::kNoAuth, std::string(err::kNoAuth)};
  }
  if (client.in_multi() && (flags & kNoMulti)) {
    return {ErrorKind::kClientMode, std::string(err::kNotInMulti)};
  }
  // A script is busy: its caller is inside it, the dataset is half way through it.
  const bool script_busy = server_.scripts != nullptr && server_.scripts->busy();
  // Every command first makes room (Redis evicts before reads too); only those that may use
  // more memory are refused when nothing more can be evicted. Not while a script is busy: it
  // must not lose keys between two of its own commands.
  if (!script_busy) {
    admitted_out_of_memory_ =
        s.maxmemory > 0 && server_.evictor->Perform() == Evictor::Result::kFail;
    if (admitted_out_of_memory_ && (effective & kDenyOom)) {
      return {ErrorKind::kOutOfMemory, std::string(err::kOom)};
    }
  }
  // PING too, as in Redis: a health check must not say all is well while writes are refused.
  if (((effective & kWrite) || spec.name == "ping") && server_.persistence != nullptr) {
    ErrorReply refusal{ErrorKind::kWriteRefused, server_.persistence->WriteRefusal()};
    if (!refusal.empty()) return refusal;
  }
  if (ErrorReply refusal = ReplicationRefusal(client, effective); !refusal.empty()) {
    return refusal;
  }
  if (client.subscribed() && client.resp == 2 && !(flags & kSubscribedMode)) {
    return {ErrorKind::kClientMode,
            "ERR Can't execute '" + spec.full_name +
                "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
                "this context"};
  }
  if (server_.replication != nullptr && server_.replication->stale() && !(flags & kStale)) {
    return {ErrorKind::kReplication,
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."};
  }
  if (server_.loading && !(flags & kLoading)) {
    return {ErrorKind::kLoading, std::string(err::kLoading)};
  }
  if (script_busy && !(flags & kAllowBusy)) {
    return {ErrorKind::kBusy, std::string(server_.scripts->busy_error())};
  }
  return {};
}

ErrorReply Dispatcher::ReplicationRefusal(const ClientSession& client, uint32_t flags) const {
  ReplicationControl* repl = server_.replication;
  if (repl == nullptr || !(flags & kWrite)) return {};
  if (std::string refusal = repl->NoReplicasRefusal(); !refusal.empty()) {
    return {ErrorKind::kReplication, std::move(refusal)};
  }
  // The primary's own stream is what a replica applies: only other clients are refused.
  if (repl->is_replica() && server_.config.settings().replica_read_only &&
      !repl->IsPrimaryLink(client)) {
    return {ErrorKind::kReplication, "READONLY You can't write against a read only replica."};
  }
  return {};
}

void Dispatcher::Execute(ClientSession& client, std::span<const std::string_view> args,
                         protocol::ReplyWriter& reply) {
  if (args.empty()) return;
  client.last_error_kind = ErrorKind::kNone;
  const uint64_t errors_before = reply.errors_written();
  const uint64_t units_before = server_.writes.units_committed();
  if (client.replies_suppressed()) {
    AdmitUnanswered(client, args, reply);
  } else {
    Admit(client, args, reply);
  }
  if (!client.blocked) client.EndRequest();  // a waiting request ends when its wait does
  if (server_.replication != nullptr && server_.writes.units_committed() != units_before) {
    client.last_write_offset = server_.replication->offset();
  }
  server_.stats.total_error_replies += reply.errors_written() - errors_before;
  // Clients blocked on keys this request made ready are served right after it.
  if (unit_depth_ == 0 && server_.key_waits.has_ready()) ServeBlockedClients(server_);
}

void Dispatcher::RunWoken(ClientSession& client, std::span<const std::string_view> args,
                          protocol::ReplyWriter& reply) {
  const CommandSpec* spec = Resolve(args, reply);
  if (spec == nullptr) return;
  const uint64_t units_before = server_.writes.units_committed();
  BeginUnit(client);
  woken_run_ = true;
  client.last_error_kind = Call(client, *spec, args, reply);
  woken_run_ = false;
  EndUnit(client);
  if (server_.replication != nullptr && server_.writes.units_committed() != units_before) {
    client.last_write_offset = server_.replication->offset();
  }
}

void Dispatcher::NoteWaitEnded(ClientSession& client, std::span<const std::string_view> args,
                               bool failed) {
  std::string unknown;
  const CommandSpec* spec = Resolve(args, &unknown);
  const int64_t run_us = std::exchange(client.blocked_run_us, 0);
  if (spec == nullptr) return;
  spec->stats.usec += static_cast<uint64_t>(run_us);
  if (failed) ++spec->stats.failed_calls;
  std::string unused;
  protocol::ReplyWriter writer(&unused);
  const CommandContext ctx(server_, client, writer, args, *spec, server_.clock.NowMs());
  NoteRunTime(ctx, run_us);
}

// CLIENT REPLY OFF or SKIP: the request runs as any other, its reply written aside and dropped
// unless the request itself turned replies back on (CLIENT REPLY ON answers +OK). A command
// never writes half a reply under a mode it changes: only CLIENT REPLY and RESET change it.
void Dispatcher::AdmitUnanswered(ClientSession& client, std::span<const std::string_view> args,
                                 protocol::ReplyWriter& reply) {
  std::string* out = reply.buffer();
  std::string aside;
  reply.set_buffer(&aside);
  Admit(client, args, reply);
  reply.set_buffer(out);
  if (!client.replies_suppressed()) out->append(aside);
}

void Dispatcher::Admit(ClientSession& client, std::span<const std::string_view> args,
                       protocol::ReplyWriter& reply) {
  // Any refusal while queueing dooms the transaction (EXEC then answers EXECABORT).
  auto refuse = [&](const ErrorReply& refusal) {
    if (EqualsIgnoreCase(args[0], "exec")) return AbortExec(client, refusal, reply);
    client.last_error_kind = refusal.kind;
    reply.Error(refusal.text);
    server_.error_stats.Count(refusal.text);
    if (client.in_multi()) client.transaction()->aborted = true;
  };
  ErrorReply unresolved{ErrorKind::kArgument, {}};
  const CommandSpec* spec = Resolve(args, &unresolved.text);
  if (spec == nullptr) return refuse(unresolved);
  const uint32_t flags = CallFlags(*spec, args);
  if (ErrorReply refusal = Refusal(client, *spec, flags); !refusal.empty()) {
    ++spec->stats.rejected_calls;
    return refuse(refusal);
  }
  // CLIENT PAUSE: the command waits, unanswered and unconsumed, until the pause ends.
  if (server_.pause.Holds(MayWrite(client, *spec, flags)) && !client.is_replica &&
      !client.answers_at_once) {
    server_.pause.Park(client);
    return;
  }
  if (HoldsForSnapshot(client, *spec, args)) {
    server_.write_holds.Park(client, server_.persistence->write_hold_releases());
    return;
  }
  if (client.in_multi() && !(flags & kNotQueued)) {
    client.transaction()->Queue(std::vector<std::string>(args.begin(), args.end()), flags, spec);
    reply.SimpleString("QUEUED");
    return;
  }
  BeginUnit(client);
  client.last_error_kind = Call(client, *spec, args, reply);
  EndUnit(client);
  // CLIENT CACHING applies to the one next command (or the whole transaction).
  if (!client.in_multi() && (spec->parent ? spec->parent->name : spec->name) != "client") {
    clients::TrackingRegistry::CommandDone(client);
  }
}

bool Dispatcher::HoldsForSnapshot(ClientSession& client, const CommandSpec& spec,
                                  std::span<const std::string_view> args) {
  PersistenceControl* persistence = server_.persistence;
  if (persistence == nullptr || !client.holdable || !persistence->may_hold_writes()) return false;
  auto holds = [&](int db, const CommandSpec& s, std::span<const std::string_view> argv) {
    if (!(EffectiveFlags(s) & kWrite)) return false;
    for (std::string_view key : KeysOf(s, argv)) {
      if (persistence->HoldsWrite(db, key)) return true;
    }
    return false;
  };
  if (!client.in_multi()) return holds(client.db, spec, args);
  if (spec.name != "exec") return false;
  // The transaction's writes; a SELECT inside it moves the rest to another database (a key
  // missed here is still saved correctly, only in one go).
  int db = client.db;
  for (const clients::QueuedCommand& q : client.transaction()->queue) {
    const auto& queued = *static_cast<const CommandSpec*>(q.resolved);
    std::vector<std::string_view> argv(q.argv.begin(), q.argv.end());
    int64_t selected;
    if (queued.name == "select" && argv.size() == 2 && ParseInt64(argv[1], &selected)) {
      db = static_cast<int>(selected);
    } else if (holds(db, queued, argv)) {
      return true;
    }
  }
  return false;
}

// A refused EXEC (wrong arity, NOAUTH, OOM, MISCONF, subscribed mode, ...) ends the
// transaction if there is one, and says why, as Redis does: the reason keeps its error code
// unless it is the generic ERR. The refusal's kind stays the kind of the answer.
void Dispatcher::AbortExec(ClientSession& client, const ErrorReply& refusal,
                           protocol::ReplyWriter& reply) {
  std::string_view reason = refusal.text;
  if (reason.starts_with("ERR ")) reason.remove_prefix(4);
  client.last_error_kind = refusal.kind;
  reply.Error("EXECABORT Transaction discarded because of: " + std::string(reason));
  server_.error_stats.Count("EXECABORT");
  if (clients::Transaction* tx = client.transaction()) {
    server_.watches.UnwatchAll(client);
    tx->EndMulti();
    tx->watch_broken = false;
  }
}

void Dispatcher::CallQueued(ClientSession& client, const CommandSpec& spec,
                            std::span<const std::string_view> args, protocol::ReplyWriter& reply) {
  Call(client, spec, args, reply);
}

ErrorReply Dispatcher::CallFromScript(ClientSession& caller, ClientSession& script,
                                      std::span<const std::string_view> args,
                                      protocol::ReplyWriter& reply, ScriptRules& rules) {
  // Redis's lookup: a container's subcommand when one is named, else the container itself
  // (whose arity then refuses it).
  const CommandSpec* spec = server_.commands.Find(args[0]);
  if (spec != nullptr && spec->is_container() && args.size() >= 2) {
    spec = CommandTable::FindSubcommand(*spec, args[1]);
  }
  if (spec == nullptr) {
    return {ErrorKind::kArgument, "ERR Unknown Redis command called from script"};
  }
  if (!spec->ArityOk(args.size())) {
    return {ErrorKind::kArgument, "ERR Wrong number of args calling Redis command from script"};
  }
  const uint32_t flags = EffectiveFlags(*spec);
  if (flags & kNoScript) {
    return {ErrorKind::kArgument, "ERR This Redis command is not allowed from script"};
  }
  if (ErrorReply refusal = ScriptWriteRefusal(caller, flags, rules); !refusal.empty()) {
    return refusal;
  }
  // Once the script wrote, it must run to its end: refusing now would leave half its effects.
  if (rules.out_of_memory && !rules.allow_oom && !rules.wrote && (flags & kDenyOom) &&
      server_.config.settings().maxmemory > 0 && !IsPrimaryLink(caller)) {
    return {ErrorKind::kOutOfMemory, std::string(err::kOom)};
  }
  // From its first write command on (whether or not it changed anything), the script must be
  // able to finish: the state checks above no longer refuse it.
  if (flags & kWrite) rules.wrote = true;
  propagation_off_ = !rules.propagate;
  Call(script, *spec, args, reply);
  propagation_off_ = false;
  // Client-side caching: what a script read, its caller read.
  if ((flags & kReadOnly) && caller.tracking() != nullptr) {
    server_.tracking.RememberKeys(caller, KeysOf(*spec, args));
  }
  return {};
}

ErrorReply Dispatcher::ScriptWriteRefusal(const ClientSession& caller, uint32_t flags,
                                          const ScriptRules& rules) const {
  // PUBLISH too (may replicate): a read-only script has no effects at all.
  if (rules.read_only && (flags & (kWrite | kMayReplicate))) {
    return {ErrorKind::kArgument, "ERR Write commands are not allowed from read-only scripts."};
  }
  if (!(flags & kWrite)) return {};
  // A script that wrote already must be able to finish: the state checks come first only.
  if (rules.wrote) return {};
  if (ErrorReply refusal = ReplicationRefusal(caller, flags); !refusal.empty()) return refusal;
  if (server_.persistence != nullptr) {
    ErrorReply refusal{ErrorKind::kWriteRefused, server_.persistence->WriteRefusal()};
    if (!refusal.empty()) return refusal;
  }
  return {};
}

bool Dispatcher::IsPrimaryLink(const ClientSession& client) const {
  return server_.replication != nullptr && server_.replication->IsPrimaryLink(client);
}

void Dispatcher::BeginUnit(ClientSession& client) {
  if (unit_depth_++ == 0) {
    unit_start_us_ = run_clock_valid_ ? run_clock_us_ : server_.clock.NowUs();
    unit_now_ms_ = unit_start_us_ / 1000;
    unit_start_unused_ = true;
    server_.keyspace.set_now_ms(unit_now_ms_);  // new and overwritten keys' access stamp
  }
  server_.writes.BeginUnit();
  server_.tracking.BeginUnit(&client);
}

void Dispatcher::EndUnit(ClientSession& client) {
  if (--unit_depth_ == 0) unit_start_unused_ = false;
  if (server_.writes.EndUnit()) client.awaits_durability = true;
  // Invalidations for this client's own writes follow its reply, never precede it.
  server_.tracking.EndUnit();
}

ErrorKind Dispatcher::Call(ClientSession& client, const CommandSpec& spec,
                           std::span<const std::string_view> args, protocol::ReplyWriter& reply) {
  const uint64_t errors_before = reply.errors_written();
  const size_t reply_start = reply.buffer()->size();
  const int64_t start_us =
      std::exchange(unit_start_unused_, false) ? unit_start_us_ : server_.clock.NowUs();
  if (!woken_run_) client.blocked_run_us = 0;  // a wait that ended unreported adds nothing
  CommandContext ctx(server_, client, reply, args, spec, unit_now_ms_);
  // A script is shown to monitors before the commands it runs (which are shown as it runs them).
  const bool monitor_first = (EffectiveFlags(spec) & kSkipMonitor) != 0;
  if (monitor_first && !server_.monitors.empty() && !woken_run_) FeedMonitors(client, args);
  spec.handler(ctx);
  // Wall-clock time, as Redis times commands: a clock stepped back counts as no time.
  const int64_t end_us = server_.clock.NowUs();
  const int64_t elapsed_us = std::max<int64_t>(0, end_us - start_us);
  if (run_depth_ > 0) {
    run_clock_us_ = end_us;
    run_clock_valid_ = true;
  }

  // A command that blocked is one call: counted (and shown to monitors) when it first ran, timed
  // when its wait ends, by the run that served it (RunWoken) or by NoteWaitEnded. Its wait is
  // not its run time.
  CommandStats& stats = spec.stats;
  if (!woken_run_) {
    ++stats.calls;
    ++server_.stats.total_commands_processed;
  }
  if (reply.errors_written() != errors_before) ++stats.failed_calls;
  client.last_command = spec.full_name;
  if (ctx.dirty() > 0 && !ctx.propagation_suppressed() && !propagation_off_) {
    StageWrites(ctx, args);
  }
  // Client-side caching remembers the keys of what a tracking client read.
  if ((EffectiveFlags(spec) & kReadOnly) && client.tracking() != nullptr) {
    server_.tracking.RememberKeys(client, KeysOf(spec, args));
  }
  if (client.blocked) {
    client.blocked_run_us += elapsed_us;
  } else {
    const int64_t run_us = elapsed_us + std::exchange(client.blocked_run_us, 0);
    stats.usec += static_cast<uint64_t>(run_us);
    NoteRunTime(ctx, run_us);
  }
  // Administrative commands are not shown to monitors (they may carry secrets).
  if (!server_.monitors.empty() && !woken_run_ && !monitor_first &&
      !(EffectiveFlags(spec) & kAdmin)) {
    FeedMonitors(client, ShownArgs(ctx));
  }
  const ErrorKind kind = ReplyKind(ctx, reply_start);
  if (kind != ErrorKind::kNone) {
    // INFO errorstats: the code is the error line's first word.
    std::string_view line = std::string_view(*reply.buffer()).substr(reply_start + 1);
    server_.error_stats.Count(line.substr(0, line.find('\r')));
  }
  return kind;
}

void Dispatcher::NoteRunTime(const CommandContext& ctx, int64_t elapsed_us) {
  const config::Settings& s = server_.config.settings();
  if (s.latency_tracking) {
    CommandStats& stats = ctx.spec.stats;
    if (!stats.latency) stats.latency = std::make_shared<LatencyHistogram>();
    stats.latency->Record(elapsed_us);
  }
  if (s.latency_monitor_threshold > 0) {
    const bool fast = (EffectiveFlags(ctx.spec) & kFast) != 0;
    server_.latency.AddIfNeeded(fast ? "fast-command" : "command", elapsed_us / 1000,
                                s.latency_monitor_threshold, server_.clock.NowMs() / 1000);
  }
  if (s.slowlog_log_slower_than < 0 || (EffectiveFlags(ctx.spec) & kSkipSlowlog)) return;
  if (SlowLog::IsSlow(elapsed_us, s.slowlog_log_slower_than)) {
    LogSlow(ctx, elapsed_us);
  } else {
    server_.slowlog.Trim(s.slowlog_max_len);
  }
}

std::vector<std::string_view> Dispatcher::ShownArgs(const CommandContext& ctx) {
  std::vector<std::string_view> shown(ctx.args.begin(), ctx.args.end());
  for (size_t i : ctx.redacted_args()) {
    if (i < shown.size()) shown[i] = "(redacted)";
  }
  return shown;
}

void Dispatcher::LogSlow(const CommandContext& ctx, int64_t elapsed_us) {
  const std::vector<std::string_view> shown = ShownArgs(ctx);
  SlowLogEntry entry{.unix_seconds = server_.clock.NowMs() / 1000,
                     .duration_us = elapsed_us,
                     .args = SlowLog::Abbreviate(shown),
                     .peer = ctx.client.peer_address(),
                     .client_name = ctx.client.name};
  server_.slowlog.Add(std::move(entry), server_.config.settings().slowlog_max_len);
}

void Dispatcher::FeedMonitors(const ClientSession& client,
                              std::span<const std::string_view> shown) {
  const int64_t wall_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  const std::string addr = client.peer_address();
  server_.monitors.Feed(wall_us, client.db, addr.empty() ? "in-process" : addr, shown);
}

void Dispatcher::StageWrites(const CommandContext& ctx, std::span<const std::string_view> args) {
  // Append itself does nothing while no consumer accepts (no AOF, no replica).
  if (ctx.rewritten().empty()) {
    server_.writes.Append(ctx.client.db, args);
    return;
  }
  if (!server_.writes.accepting()) return;
  std::vector<std::string_view> views;
  for (const std::vector<std::string>& argv : ctx.rewritten()) {
    views.assign(argv.begin(), argv.end());
    server_.writes.Append(ctx.client.db, views);
  }
}

}  // namespace basalt::cmd
