// What a command is (CommandSpec), who runs it (ClientSession), what it runs against
// (ServerContext) and what a handler receives (CommandContext).
//
// This layer knows no sockets: the network server implements ClientSession and the
// ClientDirectory / ServerControl interfaces; tests and the embedded engine provide their own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clients/client.h"
#include "commands/error_kind.h"
#include "commands/error_stats.h"
#include "commands/latency_histogram.h"
#include "commands/latency_monitor.h"
#include "commands/slowlog.h"
#include "common/clock.h"
#include "common/heap_string.h"
#include "config/config.h"
#include "protocol/reply_writer.h"
#include "store/keyspace.h"

namespace basalt::clients {
struct Registries;
class WatchRegistry;
class PubSubRegistry;
class ClientPause;
class WriteHolds;
class BlockedClients;
class KeyWaits;
class MonitorFeed;
class TrackingRegistry;
class ClientIndex;
}  // namespace basalt::clients

namespace basalt::cmd {

class CommandContext;
class Dispatcher;
struct ServerContext;
class Evictor;
class WriteStream;
using Handler = void (*)(CommandContext& ctx);

// Command flags, as COMMAND INFO reports them.
enum Flag : uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  kDenyOom = 1u << 2,
  kAdmin = 1u << 3,
  kNoScript = 1u << 4,
  kLoading = 1u << 5,  // allowed while the dataset is loading
  kStale = 1u << 6,    // allowed on a replica with a broken link
  kFast = 1u << 7,
  kNoAuth = 1u << 8,  // allowed before authentication
  kNoMulti = 1u << 9,
  kSkipSlowlog = 1u << 10,
  kAllowBusy = 1u << 11,
  kNoPropagate = 1u << 12,
  kMayReplicate = 1u << 13,
  kSentinel = 1u << 14,  // not shown by COMMAND INFO, as in Redis
  kPubSub = 1u << 15,
  kBlocking = 1u << 16,         // may block the client (BLPOP, WAIT-like pops); implies @blocking
  kNoAsyncLoading = 1u << 17,   // refused while a replica loads a sync in the background
  kMovableKeys = 1u << 18,      // keys found by CommandSpec::movable_keys, not the range alone
  kSkipMonitor = 1u << 19,      // not shown to MONITOR as such (EVAL: its commands are shown)
  kNoMandatoryKeys = 1u << 20,  // may name no key at all (EVAL with numkeys 0)
  kAsking = 1u << 21,           // RESTORE-ASKING: accepted in a slot being imported (cluster)
  // Internal (not shown by COMMAND INFO): how the command relates to a client's mode.
  kNotQueued = 1u << 24,       // runs at once inside MULTI (EXEC, DISCARD, MULTI, WATCH, ...)
  kSubscribedMode = 1u << 25,  // allowed in RESP2's subscribed mode ((P|S)SUBSCRIBE, PING, ...)
  kProtected = 1u << 26,       // DEBUG: refused unless enable-debug-command allows the client
};

// Mutable per-command counters for INFO commandstats.
struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
  // Run times (latency-tracking), made at the first call: ~24 KB, for commands in use only.
  std::shared_ptr<LatencyHistogram> latency;
};

struct CommandSpec {
  std::string_view name;  // lower case; subcommands use their own name ("setname")
  int arity = 0;          // > 0: exact argument count; < 0: at least -arity
  uint32_t flags = 0;
  int first_key = 0;  // key positions as COMMAND INFO reports them (0 = no keys)
  int last_key = 0;   // -1: last argument
  int key_step = 0;
  // Movable keys (Redis's keynum key spec): args[keynum_index] is how many keys follow it
  // (ZUNION numkeys key..., LMPOP numkeys key..., ZUNIONSTORE dest numkeys key...). 0: none.
  int keynum_index = 0;
  // COMMAND INFO's key-spec flags ("RW update"), when declared; otherwise they are guessed from
  // the command flags (RO access / RW access update). And the key spec's notes, if any.
  std::string_view key_flags;
  std::string_view key_notes;
  // Keys that are the first half of what follows a keyword (XREAD's STREAMS), searched from
  // argument key_keyword_from on: COMMAND INFO shows them as Redis's keyword key spec.
  std::string_view key_keyword;
  int key_keyword_from = 0;
  // Keys found only by reading the options (SORT's STORE destination): appended to `out`.
  void (*option_keys)(std::span<const std::string_view> args, std::vector<size_t>* out) = nullptr;
  Handler handler = nullptr;
  // Flags that depend on the call (EVAL: a script's shebang declares whether it writes): the
  // gatekeeper's checks use what this returns for `args` instead of `flags` (with a
  // container's). Null for nearly every command.
  uint32_t (*call_flags)(const ServerContext& server, std::span<const std::string_view> args,
                         uint32_t flags) = nullptr;
  std::string_view group;
  std::string_view summary;
  std::string_view since;
  std::string_view complexity;
  std::vector<CommandSpec> subcommands;  // container commands (CLIENT, CONFIG, ...)

  // Filled in by the table.
  std::string full_name;  // "get", "client|setname"
  mutable CommandStats stats;
  const CommandSpec* parent = nullptr;

  bool is_container() const { return !subcommands.empty(); }
  bool ArityOk(size_t argc) const {
    return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
  }
};

// Spec builders for the common shapes, so registrations list only what differs.
// Where a command's keys are, as COMMAND INFO reports them: arguments first to last (a negative
// last counts from the end: -1 the last argument) at every step-th.
struct KeyRange {
  int first = 1;
  int last = 1;
  int step = 1;
};
// The positions in `args` (args[0] the command name) of the keys a call of `spec` names: its
// range, then its movable keys (a numkeys count's, then those its options name). False when a
// numkeys argument is not a count of arguments that follow it (the command itself refuses such a
// call).
bool KeyPositions(const CommandSpec& spec, std::span<const std::string_view> args,
                  std::vector<size_t>* out);
// A numkeys command: the key count at args[count_index] and the keys after it; `reported` is the
// range COMMAND INFO shows, as Redis reports it (none, or the destination of a STORE form).
CommandSpec WithKeyCount(CommandSpec spec, int count_index, KeyRange reported);
// A command with keys (DEL key..., RENAME key newkey, BLPOP key... timeout, ...).
inline CommandSpec KeysSpec(std::string_view name, int arity, uint32_t flags, KeyRange keys,
                            Handler handler, std::string_view group, std::string_view summary,
                            std::string_view since, std::string_view complexity = "O(1)") {
  return {.name = name,
          .arity = arity,
          .flags = flags,
          .first_key = keys.first,
          .last_key = keys.last,
          .key_step = keys.step,
          .handler = handler,
          .group = group,
          .summary = summary,
          .since = since,
          .complexity = complexity};
}
// A command whose one key is its first argument (GET key, EXPIRE key seconds, ...).
inline CommandSpec SingleKeySpec(std::string_view name, int arity, uint32_t flags, Handler handler,
                                 std::string_view group, std::string_view summary,
                                 std::string_view since, std::string_view complexity = "O(1)") {
  return KeysSpec(name, arity, flags, {}, handler, group, summary, since, complexity);
}
// A command (or subcommand) without keys.
inline CommandSpec KeylessSpec(std::string_view name, int arity, uint32_t flags, Handler handler,
                               std::string_view group, std::string_view summary,
                               std::string_view since, std::string_view complexity = "O(1)") {
  return {.name = name,
          .arity = arity,
          .flags = flags,
          .handler = handler,
          .group = group,
          .summary = summary,
          .since = since,
          .complexity = complexity};
}

// A connected client (or an in-process caller). The server derives its Connection from it;
// its modes (MULTI, subscribed) and Deliver() come from clients::Client.
class ClientSession : public clients::Client {
 public:
  std::string name;
  int db = 0;
  bool authenticated = false;
  std::string user = "default";
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_command = "NULL";  // full name of the last command, for CLIENT LIST
  bool close_after_reply = false;
  bool is_replica = false;
  bool is_primary = false;    // the link to the primary this replica follows (flag M)
  bool runs_scripts = false;  // the session a script's commands run as (scripting/)
  // The session an AOF's commands are replayed as (with the primary link, what Redis calls a
  // client it must obey: FUNCTION LOAD has no time limit for it).
  bool replays_aof = false;
  // Replication offset just past this client's last write (WAIT waits for replicas to ack it).
  int64_t last_write_offset = 0;
  bool no_evict = false;  // CLIENT NO-EVICT ON (shown in CLIENT LIST)
  // An in-process client whose caller cannot wait for a reply (the HTTP port's, on the loop's
  // own stack): never parked by CLIENT PAUSE. It runs only PING and INFO.
  bool answers_at_once = false;
  // Set when a request of this client committed writes that a durable consumer (the AOF)
  // must report durable before the client's replies may leave; the connection takes it.
  bool awaits_durability = false;
  // Why the last request's reply was an error (kNone when it was not), set by the dispatcher
  // for every request: in-process callers act on it instead of parsing the text.
  ErrorKind last_error_kind = ErrorKind::kNone;
  // Run time of the command this client is blocked in so far (Dispatcher::NoteWaitEnded).
  int64_t blocked_run_us = 0;

  // Connection details for CLIENT LIST / CLIENT INFO; in-process sessions report nothing.
  virtual std::string peer_address() const { return ""; }
  virtual std::string local_address() const { return ""; }
  virtual int fd() const { return -1; }
  virtual size_t query_buffer_size() const { return 0; }
  virtual size_t query_buffer_free() const { return 0; }
  virtual size_t output_buffer_size() const { return 0; }
  virtual size_t memory_usage() const { return 0; }
  // The part of memory_usage() allocated through mem:: (input buffers, big bulks being
  // received), which mem::Used() counts already: used_memory adds only the rest.
  virtual size_t memory_in_accounted_heap() const { return 0; }
  // Closes the connection after the current batch of replies.
  virtual void Kill() { close_after_reply = true; }
  // The buffer a big bulk argument of the running request was received into, if `arg` is one:
  // the caller owns it from now on and may keep it as a stored value instead of copying the
  // bytes (SET of a large value). Only the request's own arguments match; copies (a queued
  // MULTI command) and in-process sessions return nullptr.
  virtual HeapString* TakeArgBuffer(std::string_view arg) { return nullptr; }
  // Whether a blocking command (WAIT; later the blocking pops) may park this client. One that
  // cannot (an in-process caller, with no event loop to wake it) gets the answer the command
  // gives without blocking, as Redis answers a client inside MULTI.
  virtual bool can_block() const { return false; }
};

// The set of connected clients, for CLIENT LIST/KILL and INFO clients.
class ClientDirectory {
 public:
  virtual ~ClientDirectory() = default;
  virtual void ForEach(const std::function<void(ClientSession&)>& fn) = 0;
  virtual size_t count() const = 0;
};

// Server-wide actions a command may ask for.
class ServerControl {
 public:
  virtual ~ServerControl() = default;
  // SHUTDOWN: returns an error text to reply with, or empty when the shutdown was started.
  // `force`: exit even when the final save fails.
  virtual std::string RequestShutdown(bool save, bool nosave, bool force) = 0;
  // Called again and again while a script runs past busy-reply-threshold: serves other
  // clients' input and output for a moment (Redis's processEventsWhileBlocked), so they get
  // -BUSY and SCRIPT KILL can arrive. Nothing that changes the dataset runs meanwhile, and
  // the script's caller (`caller_id`) is left alone until the script returns.
  virtual void ServeWhileBusy(uint64_t caller_id) { (void)caller_id; }
};

// Persistence operations commands may ask for (SAVE, BGSAVE, BGREWRITEAOF, INFO persistence).
// Implemented by the persistence layer; absent (nullptr) in engines without persistence.
class PersistenceControl {
 public:
  virtual ~PersistenceControl() = default;
  // Each returns the error to reply with (kBusy when a job is in the way, kIoError when the
  // disk failed), or an empty one on success.
  virtual ErrorReply Save() = 0;
  virtual ErrorReply BackgroundSave(bool schedule, std::string* status_reply) = 0;
  virtual ErrorReply RewriteAof(std::string* status_reply) = 0;
  virtual int64_t last_save_unix_seconds() const = 0;
  // Appends the "# Persistence" section's fields (name:value\r\n lines).
  virtual void AppendInfoFields(std::string& out) const = 0;
  // Non-empty (the full error text) when writes must be refused (a failed background save with
  // stop-writes-on-bgsave-error, or a failing AOF): always a disk failure, so the dispatcher
  // refuses with ErrorKind::kWriteRefused.
  virtual std::string WriteRefusal() const = 0;
  // True when a write to `key` of database `db` must wait: the background snapshot in progress
  // has not saved the key yet and saving it is a long job (a big collection), now asked to be
  // done next. The dispatcher holds the command back (clients::WriteHolds) and runs it again
  // once write_hold_releases() has moved on.
  virtual bool HoldsWrite(int db, std::string_view key) { return false; }
  // False when HoldsWrite is false for every key (no snapshot is being written): a write then
  // costs no key lookup.
  virtual bool may_hold_writes() const { return false; }
  virtual uint64_t write_hold_releases() const { return 0; }
};

class CommandTable;
class ReplicationControl;    // commands/replication_control.h
class DumpFormat;            // commands/dump_format.h
class ScriptHost;            // commands/script_host.h
class FunctionHost;          // commands/function_host.h
class InstantaneousMetrics;  // commands/server_info.h
class ServiceStatus;         // commands/service_status.h

struct ServerStats {
  uint64_t total_commands_processed = 0;
  uint64_t total_connections_received = 0;
  uint64_t rejected_connections = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t client_query_buffer_limit_disconnections = 0;
  uint64_t client_output_buffer_limit_disconnections = 0;
  uint64_t sync_full = 0;         // full syncs served to replicas
  uint64_t sync_partial_ok = 0;   // PSYNCs answered +CONTINUE
  uint64_t sync_partial_err = 0;  // PSYNCs with an id that could not continue
  int64_t start_time_ms = 0;
};

// Everything a command may touch. One per server (or embedded engine), composed by cmd::Core.
struct ServerContext {
  ServerContext(store::Keyspace& ks, config::Config& cfg, const Clock& clk, CommandTable& table,
                WriteStream& stream, clients::Registries& registries);

  store::Keyspace& keyspace;
  config::Config& config;
  const Clock& clock;
  CommandTable& commands;
  // Where writes go after they are applied (AOF, replicas): see write_stream.h.
  WriteStream& writes;
  // The client registries (clients/registries.h), by part.
  clients::WatchRegistry& watches;
  clients::PubSubRegistry& pubsub;
  clients::ClientPause& pause;
  clients::WriteHolds& write_holds;
  clients::BlockedClients& blocked;
  clients::KeyWaits& key_waits;
  clients::MonitorFeed& monitors;
  clients::TrackingRegistry& tracking;
  // Every connected client by id (tracking redirection).
  const clients::ClientIndex& tracking_index() const { return client_index; }
  const clients::ClientIndex& client_index;
  Dispatcher* dispatcher = nullptr;  // EXEC (and later scripts) run commands through it
  Evictor* evictor = nullptr;        // maxmemory eviction (eviction.h), run by the dispatcher
  ClientDirectory* clients = nullptr;
  ServerControl* control = nullptr;
  PersistenceControl* persistence = nullptr;
  // Replication (replication_control.h); null where nothing replicates (the embedded Store).
  ReplicationControl* replication = nullptr;
  // DUMP/RESTORE's payload codec (dump_format.h), from the persistence layer; null where no
  // one provided it (those commands then refuse).
  const DumpFormat* dump_format = nullptr;
  // EVAL and SCRIPT's engine (script_host.h), from the scripting layer; null where none was
  // installed (those commands then refuse).
  ScriptHost* scripts = nullptr;
  // FUNCTION and FCALL's engine (function_host.h), from the scripting layer; null where none
  // was installed (those commands then refuse).
  FunctionHost* functions = nullptr;
  ServerStats stats;
  ErrorStats error_stats;  // INFO errorstats: fed by the dispatcher and the connections
  SlowLog slowlog;         // SLOWLOG: fed by the dispatcher
  LatencyMonitor latency;  // LATENCY LATEST ...: fed by the dispatcher (and the cron's jobs)
  // Rate samples for INFO's instantaneous_* fields; owned and sampled by the server (may be null).
  InstantaneousMetrics* metrics = nullptr;
  int64_t dirty = 0;  // changes since the last save
  bool loading = false;
  bool active_expire = true;  // the cron's expire cycle runs (DEBUG SET-ACTIVE-EXPIRE)
  std::string run_id;
  int tcp_port = 0;
  std::string executable;
  std::string config_file;
  std::string supervised = "no";  // INFO process_supervised: no, upstart or systemd
  // Status for a service manager (server/supervision.h); null when the server runs under none.
  ServiceStatus* service_status = nullptr;
};

// What a handler gets: its arguments, its client, the server and the reply writer.
class CommandContext {
 public:
  CommandContext(ServerContext& server, ClientSession& client, protocol::ReplyWriter& reply,
                 std::span<const std::string_view> args, const CommandSpec& spec, int64_t now_ms)
      : server(server), client(client), reply(reply), args(args), spec(spec), now_ms(now_ms) {}

  ServerContext& server;
  ClientSession& client;
  protocol::ReplyWriter& reply;
  std::span<const std::string_view> args;  // args[0] is the command name as sent
  const CommandSpec& spec;
  // One clock reading per execution unit: every command of a transaction sees the same time.
  const int64_t now_ms;

  store::Database& db() { return server.keyspace.db(client.db); }
  std::string_view arg(size_t i) const { return args[i]; }
  size_t argc() const { return args.size(); }

  // Records a change to the dataset. The dispatcher adds the command to the write stream when
  // it did any.
  void MarkDirty(int64_t n = 1) {
    server.dirty += n;
    dirty_ += n;
  }
  int64_t dirty() const { return dirty_; }
  // Propagate this argv instead of the original (e.g. SET EX rewritten to SET PXAT). May be
  // called several times to propagate several commands.
  void PropagateAs(std::vector<std::string> argv) { rewritten_.push_back(std::move(argv)); }
  const std::vector<std::vector<std::string>>& rewritten() const { return rewritten_; }
  // Do not propagate this command even though it changed data.
  void SuppressPropagation() { suppress_ = true; }
  bool propagation_suppressed() const { return suppress_; }

  // Replies with an error whose kind callers may act on (see error_kind.h). A plain
  // reply.Error() is taken for ErrorKind::kArgument, which is what most handler errors are.
  void Fail(const ErrorReply& error) {
    error_kind_ = error.kind;
    reply.Error(error.text);
  }
  ErrorKind error_kind() const { return error_kind_; }

  // Shows argument i as "(redacted)" in MONITOR and the slow log: a password (AUTH, HELLO's
  // AUTH pair, CONFIG SET requirepass), as Redis's handlers redact them.
  void RedactArg(size_t i) { redacted_.push_back(i); }
  const std::vector<size_t>& redacted_args() const { return redacted_; }

 private:
  ErrorKind error_kind_ = ErrorKind::kNone;
  int64_t dirty_ = 0;
  bool suppress_ = false;
  std::vector<std::vector<std::string>> rewritten_;
  std::vector<size_t> redacted_;
};

}  // namespace basalt::cmd
