// DUMP and RESTORE: a key's value as Redis's serialized payload (dump_format.h), and back.
//
// RESTORE is propagated with an absolute TTL (ttl rewritten, ABSTTL added), like every command
// that sets an expiry; a payload restored already expired only deletes what REPLACE removed,
// and is propagated as that DEL.
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/dump_format.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "common/strings.h"
#include "store/access.h"

namespace basalt::cmd {

namespace {

bool DumpAvailable(CommandContext& ctx) {
  if (ctx.server.dump_format != nullptr) return true;
  ctx.reply.Error("ERR DUMP payloads are not available in this build");
  return false;
}

void Dump(CommandContext& ctx) {
  if (!DumpAvailable(ctx)) return;
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(ctx.server.dump_format->Dump(*e, ctx.server.config.settings().rdbcompression));
}

struct RestoreOptions {
  bool replace = false;
  bool absolute_ttl = false;
  int64_t idle_seconds = -1;  // IDLETIME: applies under an LRU policy
  int64_t lfu_freq = -1;      // FREQ: applies under an LFU policy
};

// REPLACE, ABSTTL, IDLETIME seconds, FREQ frequency. IDLETIME and FREQ exclude each other, as
// in Redis.
bool ParseRestoreOptions(CommandContext& ctx, RestoreOptions* opts) {
  bool idle = false;
  bool freq = false;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.arg(j);
    const bool has_value = j + 1 < ctx.argc();
    int64_t v;
    if (IsOption(opt, "replace")) {
      opts->replace = true;
    } else if (IsOption(opt, "absttl")) {
      opts->absolute_ttl = true;
    } else if (IsOption(opt, "idletime") && has_value && !freq) {
      if (!ParseIntArg(ctx, ctx.arg(++j), &v)) return false;
      if (v < 0) {
        ctx.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
        return false;
      }
      idle = true;
      opts->idle_seconds = v;
    } else if (IsOption(opt, "freq") && has_value && !idle) {
      if (!ParseIntArg(ctx, ctx.arg(++j), &v)) return false;
      if (v < 0 || v > 255) {
        ctx.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return false;
      }
      freq = true;
      opts->lfu_freq = v;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void Restore(CommandContext& ctx) {
  if (!DumpAvailable(ctx)) return;
  RestoreOptions opts;
  if (!ParseRestoreOptions(ctx, &opts)) return;
  const std::string_view key = ctx.arg(1);
  if (!opts.replace && LookupWrite(ctx, key) != nullptr) {
    ctx.reply.Error("BUSYKEY Target key name already exists.");
    return;
  }
  int64_t ttl;
  if (!ParseIntArg(ctx, ctx.arg(2), &ttl)) return;
  if (ttl < 0) {
    ctx.reply.Error("ERR Invalid TTL value, must be >= 0");
    return;
  }
  if (ttl > 0 && !opts.absolute_ttl) ttl += ctx.now_ms;  // overflow is Redis's too
  store::Entry* fresh = nullptr;
  switch (ctx.server.dump_format->Restore(ctx.arg(3), key, ttl > 0 ? ttl : -1,
                                          ctx.server.keyspace.encoding_limits(), &fresh)) {
    case DumpFormat::RestoreResult::kBadVersionOrChecksum:
      ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
      return;
    case DumpFormat::RestoreResult::kBadData:
      ctx.reply.Error("ERR Bad data format");
      return;
    case DumpFormat::RestoreResult::kOk:
      break;
  }
  const bool deleted = opts.replace && ctx.db().Delete(key);
  // A replica or a loading server keeps what its source decided to keep.
  const bool expired =
      ttl > 0 && ttl <= ctx.now_ms && !ctx.server.loading && !ctx.server.keyspace.replica_mode();
  if (expired) {
    store::Entry::Destroy(fresh);
    if (deleted) {
      ctx.MarkDirty();
      NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", key);
      ctx.PropagateAs({"DEL", std::string(key)});
    }
    ctx.reply.Ok();
    return;
  }
  if (fresh->has_access()) {
    fresh->set_access(store::access::FromHints(ctx.server.keyspace.access_policy().mode,
                                               opts.idle_seconds, opts.lfu_freq, ctx.now_ms));
  }
  ctx.db().Insert(fresh);
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "restore", key);
  ctx.reply.Ok();
  if (ttl > 0 && !opts.absolute_ttl) {
    std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
    argv[2] = Int64ToString(ttl);
    argv.emplace_back("ABSTTL");
    ctx.PropagateAs(std::move(argv));
  }
}

}  // namespace

void RegisterDumpCommands(CommandTable& table) {
  table.Add(SingleKeySpec("dump", 2, kReadOnly, Dump, "generic",
                          "Return a serialized version of the value stored at the specified key.",
                          "2.6.0",
                          "O(1) to access the key and additional O(N*M) to serialize it, where N "
                          "is the number of Redis objects composing the value and M their "
                          "average size."));
  table.Add(SingleKeySpec("restore", -4, kWrite | kDenyOom, Restore, "generic",
                          "Create a key using the provided serialized value, previously obtained "
                          "using DUMP.",
                          "2.6.0",
                          "O(1) to create the new key and additional O(N*M) to reconstruct the "
                          "serialized value."));
  // What a cluster's MIGRATE sends to a slot's new node; outside a cluster it is RESTORE.
  table.Add(SingleKeySpec(
      "restore-asking", -4, kWrite | kDenyOom | kAsking, Restore, "server",
      "An internal command for migrating keys in a cluster", "3.0.0",
      "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, "
      "where N is the number of Redis objects composing the value and M their average size. For "
      "small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply "
      "O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting "
      "values into sorted sets is O(log(N))."));
}

}  // namespace basalt::cmd
