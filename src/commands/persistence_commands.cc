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

void Save(CommandContext& ctx) {
  if (!RequirePersistence(ctx)) return;
  std::string err = ctx.server.persistence->Save();
  if (err.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(err);
  }
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
  std::string err = ctx.server.persistence->BackgroundSave(schedule, &status);
  if (err.empty()) {
    ctx.reply.SimpleString(status);
  } else {
    ctx.reply.Error(err);
  }
}

void LastSave(CommandContext& ctx) {
  if (!RequirePersistence(ctx)) return;
  ctx.reply.Integer(ctx.server.persistence->last_save_unix_seconds());
}

void BgRewriteAof(CommandContext& ctx) {
  if (!RequirePersistence(ctx)) return;
  std::string status;
  std::string err = ctx.server.persistence->RewriteAof(&status);
  if (err.empty()) {
    ctx.reply.SimpleString(status);
  } else {
    ctx.reply.Error(err);
  }
}

}  // namespace

void RegisterPersistenceCommands(CommandTable& table) {
  table.Add({.name = "save",
             .arity = 1,
             .flags = kAdmin | kNoScript | kNoMulti,
             .handler = Save,
             .group = "server",
             .summary = "Synchronously save the dataset to disk",
             .since = "1.0.0",
             .complexity = "O(N) where N is the total number of keys in all databases"});
  table.Add({.name = "bgsave",
             .arity = -1,
             .flags = kAdmin | kNoScript,
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
             .flags = kAdmin | kNoScript,
             .handler = BgRewriteAof,
             .group = "server",
             .summary = "Asynchronously rewrite the append-only file",
             .since = "1.0.0",
             .complexity = "O(1)"});
}

}  // namespace basalt::cmd
