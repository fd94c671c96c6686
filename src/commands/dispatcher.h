// The single gatekeeper: every request passes through Execute(), which finds the command,
// checks arity, authentication, the client's mode (MULTI, subscribed), memory, write refusals
// and loading state, queues it when the client is in MULTI, and otherwise runs it in an
// execution unit: handler, statistics, and its writes staged on the write stream. Handlers may
// assume valid arity. Whatever answers the request with an error, a refusal here or the
// handler, the client's last_error_kind says why (error_kind.h).
//
// An execution unit is one top-level request (EXEC runs its whole transaction inside the
// unit of the EXEC request). It freezes the clock for every command in it and commits the
// unit's writes to the write stream once, at its end (see write_stream.h).
#pragma once

#include <span>
#include <string_view>

#include "commands/command.h"
#include "commands/command_table.h"
#include "commands/script_host.h"

namespace basalt::cmd {

class Dispatcher {
 public:
  explicit Dispatcher(ServerContext& server) : server_(server) {}

  // One request of `client`.
  void Execute(ClientSession& client, std::span<const std::string_view> args,
               protocol::ReplyWriter& reply);
  // Runs a command inside the current execution unit, without the admission checks (EXEC's
  // queued commands were resolved and checked when queued).
  void CallQueued(ClientSession& client, const CommandSpec& spec,
                  std::span<const std::string_view> args, protocol::ReplyWriter& reply);

  // A command a script calls (redis.call, redis.pcall) on behalf of `caller`, as the script's
  // own session `script` (the caller's database at the start, the script's RESP version).
  // First the checks of what a script may run, with Redis's texts (unknown command, arity,
  // noscript, writes from a read-only script, READONLY replica, MISCONF, NOREPLICAS, OOM per
  // `rules`); then the command runs inside the script's execution unit, its writes staged
  // with the script's. Returns the refusal, or an empty one when the command ran (its reply,
  // maybe an error, is in `reply`).
  ErrorReply CallFromScript(ClientSession& caller, ClientSession& script,
                            std::span<const std::string_view> args, protocol::ReplyWriter& reply,
                            ScriptRules& rules);
  // Whether the request being run was admitted with used memory over maxmemory and nothing
  // left to evict (Redis's pre-command OOM state): a script started then may not grow memory.
  bool admitted_out_of_memory() const { return admitted_out_of_memory_; }

  // Runs again, in an execution unit of its own and without the admission checks (it passed
  // them when it blocked), the command of a client woken because a key it waited for is ready.
  void RunWoken(ClientSession& client, std::span<const std::string_view> args,
                protocol::ReplyWriter& reply);
  // Whether the command running now is such a woken one (a stream read then serves the ready
  // key, KeyWaits::serving(), as it was found ready).
  bool in_woken_run() const { return woken_run_; }
  // The wait of a blocked command ended without it running again (timeout, CLIENT UNBLOCK,
  // WAIT's acknowledgements): its run time goes to its statistics, latency histogram and the
  // slow log, as Redis counts a command when it is unblocked. `failed`: it answered an error.
  void NoteWaitEnded(ClientSession& client, std::span<const std::string_view> args, bool failed);

  // Marks requests handled back to back with nothing waited for between them (the pipeline
  // of one read): within a run, the clock reading that ends one command's timer also starts
  // the next unit, so a pipelined command reads the clock once instead of twice (each read
  // was ~3.4% of the server's time at -P 16). Its timer then also counts the dispatch of its
  // request (tens of ns). Outside a run (embedded Store, AOF loading, a replica's stream),
  // every unit reads the clock: an idle gap between two calls must not freeze time.
  class Run {
   public:
    explicit Run(Dispatcher& d) : d_(d) { ++d_.run_depth_; }
    ~Run() {
      if (--d_.run_depth_ == 0) d_.run_clock_valid_ = false;
    }
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

   private:
    Dispatcher& d_;
  };

  // Finds the command or subcommand; replies with Redis's error and returns nullptr otherwise.
  const CommandSpec* Resolve(std::span<const std::string_view> args, protocol::ReplyWriter& reply);
  // The same, giving the error text instead of replying.
  const CommandSpec* Resolve(std::span<const std::string_view> args, std::string* error);

 private:
  void Admit(ClientSession& client, std::span<const std::string_view> args,
             protocol::ReplyWriter& reply);
  // Admit for a client whose replies are off (CLIENT REPLY OFF|SKIP).
  void AdmitUnanswered(ClientSession& client, std::span<const std::string_view> args,
                       protocol::ReplyWriter& reply);
  // The checks that may refuse a known command; returns the refusal or an empty one.
  // Evicts keys first when memory is over maxmemory (eviction.h).
  // `flags`: the command's for this call (CallFlags).
  ErrorReply Refusal(const ClientSession& client, const CommandSpec& spec, uint32_t flags);
  // READONLY on a replica, NOREPLICAS below min-replicas-to-write (for writes only).
  ErrorReply ReplicationRefusal(const ClientSession& client, uint32_t flags) const;
  // A write a script of `caller` may not run: from a read-only script, on a read-only replica,
  // while writes are refused (MISCONF). Redis checks in this order.
  ErrorReply ScriptWriteRefusal(const ClientSession& caller, uint32_t flags,
                                const ScriptRules& rules) const;
  bool IsPrimaryLink(const ClientSession& client) const;
  // Runs the handler, counts statistics and stages the command's writes. Returns the kind of
  // the reply it wrote (kNone when not an error).
  ErrorKind Call(ClientSession& client, const CommandSpec& spec,
                 std::span<const std::string_view> args, protocol::ReplyWriter& reply);
  // A write (or an EXEC of writes) to a big collection the background snapshot has yet to
  // save waits for it (clients::WriteHolds) rather than stopping the server while it is saved.
  bool HoldsForSnapshot(ClientSession& client, const CommandSpec& spec,
                        std::span<const std::string_view> args);
  void AbortExec(ClientSession& client, const ErrorReply& refusal, protocol::ReplyWriter& reply);
  void StageWrites(const CommandContext& ctx, std::span<const std::string_view> args);
  // `shown`: the arguments with passwords redacted (ShownArgs).
  void FeedMonitors(const ClientSession& client, std::span<const std::string_view> shown);
  // A command ran for `elapsed_us`: its latency histogram, the slow log.
  void NoteRunTime(const CommandContext& ctx, int64_t elapsed_us);
  // Adds the command of `ctx` to the slow log.
  void LogSlow(const CommandContext& ctx, int64_t elapsed_us);
  // The arguments as MONITOR and the slow log show them: the redacted ones as "(redacted)".
  static std::vector<std::string_view> ShownArgs(const CommandContext& ctx);
  // Whether the command may change data (or replicate): EXEC when a queued command may.
  static bool MayWrite(const ClientSession& client, const CommandSpec& spec, uint32_t flags);
  // The command's flags for this call: its own (and its container's), or what its call_flags
  // makes of them (EVAL of a script with a shebang).
  uint32_t CallFlags(const CommandSpec& spec, std::span<const std::string_view> args) const;
  // The key arguments per the command's key positions.
  static std::vector<std::string_view> KeysOf(const CommandSpec& spec,
                                              std::span<const std::string_view> args);
  void BeginUnit(ClientSession& client);
  void EndUnit(ClientSession& client);

  ServerContext& server_;
  int unit_depth_ = 0;
  int64_t unit_now_ms_ = 0;
  // The clock reading that started the unit also starts its first command's timer, so a plain
  // command reads the clock twice (as Redis's call() does), not three times: at -P 16 the
  // reads were ~8% of the server's time.
  int64_t unit_start_us_ = 0;
  bool unit_start_unused_ = false;
  // See Run: the last command's end, while a run lasts.
  int run_depth_ = 0;
  bool woken_run_ = false;  // inside RunWoken: the command was counted when it blocked
  bool run_clock_valid_ = false;
  int64_t run_clock_us_ = 0;
  bool admitted_out_of_memory_ = false;
  bool propagation_off_ = false;  // a script's command under redis.set_repl(REPL_NONE)
};

// "ERR unknown command 'foo', with args beginning with: 'a' 'b' " as Redis formats it.
std::string UnknownCommandError(std::span<const std::string_view> args);
// The full flags of a command or subcommand (a subcommand inherits its container's).
inline uint32_t EffectiveFlags(const CommandSpec& spec) {
  return spec.parent ? (spec.flags | spec.parent->flags) : spec.flags;
}

}  // namespace basalt::cmd
