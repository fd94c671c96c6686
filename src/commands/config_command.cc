// CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the parameter table in config/config.h.
#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "commands/helpers.h"
#include "commands/server_group.h"

namespace basalt::cmd {

namespace {

bool HasGlob(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

// CONFIG GET pattern [pattern ...]: a map of every matching parameter, each listed once. A
// pattern without wildcards is an exact (case-insensitive) name and is echoed as spelled;
// wildcard matches report the parameter's own name.
void ConfigGet(CommandContext& ctx) {
  const config::Config& cfg = ctx.server.config;
  std::vector<std::pair<std::string_view, const config::ParamDef*>> found;
  // By the name reported: a parameter and its alias are two entries, as in Redis.
  std::unordered_set<std::string> seen;
  auto add = [&](std::string_view name, const config::ParamDef* def) {
    if (seen.insert(ToLower(name)).second) found.emplace_back(name, def);
  };
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view pattern = ctx.arg(i);
    if (!HasGlob(pattern)) {
      const config::ParamDef* def = cfg.Find(pattern);
      if (def != nullptr) add(pattern, def);
      continue;
    }
    for (const config::ParamDef& def : cfg.params()) {
      if (GlobMatch(pattern, def.name, /*nocase=*/true)) add(def.name, &def);
      if (!def.alias.empty() && GlobMatch(pattern, def.alias, /*nocase=*/true)) {
        add(def.alias, &def);
      }
    }
  }
  ctx.reply.MapHeader(found.size());
  for (const auto& [name, def] : found) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(cfg.Get(*def));
  }
}

std::string SetFailed(std::string_view name, std::string_view why) {
  return "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
         std::string(why);
}

// Applies every pair of a validated CONFIG SET in order. A change can still be refused as it
// is applied (maxclients beyond the open-file limit, appendonly whose file cannot be opened):
// the pairs applied before it are then set back, newest first, as Redis restores its backup.
Status ApplyAllOrNone(config::Config& cfg, const std::vector<const config::ParamDef*>& defs,
                      CommandContext& ctx, const config::ParamDef** failed) {
  std::vector<std::string> before;
  before.reserve(defs.size());
  for (const config::ParamDef* def : defs) before.push_back(cfg.Get(*def));
  for (size_t k = 0; k < defs.size(); ++k) {
    Status st = cfg.Set(defs[k]->name, ctx.arg(3 + 2 * k), config::Config::Origin::kRuntime);
    if (st.ok()) continue;
    *failed = defs[k];
    for (size_t j = k; j-- > 0;) {
      // Cannot fail but for a change that is refused both ways, which leaves what it was.
      (void)cfg.Set(defs[j]->name, before[j], config::Config::Origin::kRuntime);
    }
    return st;
  }
  return Status::Ok();
}

// CONFIG SET name value [name value ...] applies all pairs or none. Names are checked first
// (unknown, immutable, protected, repeated: reported as spelled), then every value is validated
// against a scratch copy of the settings (reported under the parameter's own name), and only then
// is anything applied, so listeners never see a value that is then refused by validation.
void ConfigSet(CommandContext& ctx) {
  if ((ctx.argc() - 2) % 2 != 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  config::Config& cfg = ctx.server.config;
  // Every secret is redacted, whatever error the call ends with (as Redis does).
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    const config::ParamDef* def = cfg.Find(ctx.arg(i));
    if (def != nullptr && def->sensitive) ctx.RedactArg(i + 1);
  }
  std::vector<const config::ParamDef*> defs;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    std::string_view name = ctx.arg(i);
    const config::ParamDef* def = cfg.Find(name);
    if (def == nullptr) {
      ctx.reply.Error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                      std::string(name) + "'");
      return;
    }
    if (!def->runtime_mutable) {
      ctx.reply.Error(SetFailed(name, "can't set immutable config"));
      return;
    }
    if (def->protected_config &&
        !config::AllowsProtectedChange(cfg.settings(), IsLocalClient(ctx.client))) {
      ctx.reply.Error(SetFailed(name, "can't set protected config"));
      return;
    }
    if (std::find(defs.begin(), defs.end(), def) != defs.end()) {
      ctx.reply.Error(SetFailed(name, "duplicate parameter"));
      return;
    }
    defs.push_back(def);
  }
  config::Settings scratch = cfg.settings();
  for (size_t k = 0; k < defs.size(); ++k) {
    if (Status st = defs[k]->set(scratch, ctx.arg(3 + 2 * k)); !st.ok()) {
      ctx.reply.Error(SetFailed(defs[k]->name, st.message()));
      return;
    }
  }
  const config::ParamDef* failed = nullptr;
  if (Status st = ApplyAllOrNone(cfg, defs, ctx, &failed); !st.ok()) {
    ctx.reply.Error(SetFailed(failed->name, st.message()));
    return;
  }
  ctx.reply.Ok();
}

void ConfigResetStat(CommandContext& ctx) {
  ResetServerStatistics(ctx.server);
  ctx.reply.Ok();
}

// basalt reads TOML, whose comments and layout it cannot rewrite faithfully yet.
void ConfigRewrite(CommandContext& ctx) {
  if (ctx.server.config_file.empty()) {
    ctx.reply.Error("ERR The server is running without a config file");
  } else {
    ctx.reply.Error("ERR CONFIG REWRITE is not supported for TOML config files");
  }
}

void ConfigHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "CONFIG",
            {"GET <pattern> [<pattern> ...]",
             "    Reply with every parameter whose name matches a glob-style <pattern>, and its "
             "value.",
             "SET <name> <value> [<name> <value> ...]",
             "    Change parameters at runtime; either all of them change or none does.",
             "RESETSTAT", "    Zero the statistics INFO reports.", "REWRITE",
             "    Save the running configuration to the config file (not supported for TOML)."});
}

}  // namespace

void RegisterConfigCommand(CommandTable& table) {
  constexpr uint32_t kBase = kAdmin | kNoScript | kLoading | kStale;
  constexpr std::string_view kPerParam =
      "O(N) when N is the number of configuration parameters provided";
  auto sub = [](std::string_view name, int arity, uint32_t flags, Handler h,
                std::string_view summary, std::string_view since,
                std::string_view complexity = "O(1)") {
    return KeylessSpec(name, arity, flags, h, "server", summary, since, complexity);
  };
  table.Add(
      {.name = "config",
       .arity = -2,
       .group = "server",
       .summary = "A container for server configuration commands",
       .since = "2.0.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           sub("get", -3, kBase, ConfigGet, "Get the values of configuration parameters", "2.0.0",
               kPerParam),
           sub("set", -4, kBase, ConfigSet, "Set configuration parameters to the given values",
               "2.0.0", kPerParam),
           sub("resetstat", 2, kBase, ConfigResetStat, "Reset the stats returned by INFO", "2.0.0"),
           sub("rewrite", 2, kBase, ConfigRewrite,
               "Rewrite the configuration file with the in memory configuration", "2.8.0"),
           sub("help", 2, kLoading | kStale, ConfigHelp,
               "Show helpful text about the different subcommands", "5.0.0"),
       }});
}

}  // namespace basalt::cmd
