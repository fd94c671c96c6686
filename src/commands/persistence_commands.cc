// SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF: thin handlers over cmd::PersistenceControl.
#include "commands/command_table.h"
#include "commands/helpers.h"

namespace basalt::cmd {

namespace {

bool RequirePersistence(CommandContext& ctx) {
  if (ctx.server.persistence != nullptr) return true;
  ctx.reply.Error("ERR persistence is not available in this engine");
  return false;
}

// The persistence layer's answer: its error with its kind (a save in progress is kBusy, a
// failed disk kIoError: callers such as the embedded Store tell them apart by kind), else
// `on_success`.
void ReplyWith(CommandContext& ctx, const ErrorReply& error, std::string_view on_success) {
  if (error.empty()) {
    ctx.reply.SimpleString(on_success);
  } else {
    ctx.Fail(error);
  }
}

void Save(CommandContext& ctx) {
  if (!RequirePersistence(ctx)) return;
  ReplyWith(ctx, ctx.server.persistence->Save(), "OK");
}

void BgSave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() > 1) {
    // Only "BGSAVE SCHEDULE": anything else, extra arguments included, is a syntax error.
    if (ctx.argc() != 2 || !IsOption(ctx.arg(1), "schedule")) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    schedule = true;
  }
  if (!RequirePersistence(ctx)) return;
  std::string status;
  ErrorReply error = ctx.server.persistence->BackgroundSave(schedule, &status);
  ReplyWith(ctx, error, status);
}

void LastSave(CommandContext& ctx) {
  if (!RequirePersistence(ctx)) return;
  ctx.reply.Integer(ctx.server.persistence->last_save_unix_seconds());
}

void BgRewriteAof(CommandContext& ctx) {
  if (!RequirePersistence(ctx)) return;
  std::string status;
  ErrorReply error = ctx.server.persistence->RewriteAof(&status);
  ReplyWith(ctx, error, status);
}

}  // namespace

void RegisterPersistenceCommands(CommandTable& table) {
  table.Add({.name = "save",
             .arity = 1,
             .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti,
             .handler = Save,
             .group = "server",
             .summary = "Synchronously save the dataset to disk",
             .since = "1.0.0",
             .complexity = "O(N) where N is the total number of keys in all databases"});
  table.Add({.name = "bgsave",
             .arity = -1,
             .flags = kAdmin | kNoScript | kNoAsyncLoading,
             .handler = BgSave,
             .group = "server",
             .summary = "Asynchronously save the dataset to disk",
             .since = "1.0.0",
             .complexity = "O(N) where N is the total number of keys in all databases"});
  table.Add({.name = "lastsave",
             .arity = 1,
             .flags = kLoading | kStale | kFast,
             .handler = LastSave,
             .group = "server",
             .summary = "Get the UNIX time stamp of the last successful save to disk",
             .since = "1.0.0",
             .complexity = "O(1)"});
  table.Add({.name = "bgrewriteaof",
             .arity = 1,
             .flags = kAdmin | kNoScript | kNoAsyncLoading,
             .handler = BgRewriteAof,
             .group = "server",
             .summary = "Asynchronously rewrite the append-only file",
             .since = "1.0.0",
             .complexity = "O(1)"});
}

}  // namespace basalt::cmd
