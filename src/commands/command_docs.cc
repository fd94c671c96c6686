// COMMAND [COUNT | INFO | DOCS | LIST | GETKEYS | GETKEYSANDFLAGS | HELP]: the command table
// described to clients in Redis 7.0's formats. redis-cli reads COMMAND DOCS at startup for its
// hints and cluster clients read COMMAND for key positions.
//
// CommandSpec carries flags, key positions and docs but not Redis's ACL categories, tips or
// key-spec flags, so those are derived: categories from flags and group (plus a short list of
// exceptions below), key specs from the first/last/step key positions, tips from a table.
#include <vector>

#include "commands/helpers.h"
#include "commands/server_group.h"

namespace basalt::cmd {

namespace {

// Flag names in the order COMMAND INFO lists them.
// Redis hides some (sentinel); movablekeys is shown for commands with a movable_keys finder.
constexpr std::pair<Flag, std::string_view> kFlagNames[] = {
    {kWrite, "write"},
    {kReadOnly, "readonly"},
    {kDenyOom, "denyoom"},
    {kAdmin, "admin"},
    {kPubSub, "pubsub"},
    {kNoScript, "noscript"},
    {kBlocking, "blocking"},
    {kLoading, "loading"},
    {kStale, "stale"},
    {kSkipMonitor, "skip_monitor"},
    {kSkipSlowlog, "skip_slowlog"},
    {kFast, "fast"},
    {kNoAuth, "no_auth"},
    // may_replicate is not shown (Redis hides it too).
    {kNoMandatoryKeys, "no_mandatory_keys"},
    {kNoAsyncLoading, "no_async_loading"},
    {kNoMulti, "no_multi"},
    {kMovableKeys, "movablekeys"},
    {kAllowBusy, "allow_busy"},
    {kAsking, "asking"},
};

// ACL categories, in Redis's order.
enum Category : uint32_t {
  kCatKeyspace = 1u << 0,
  kCatRead = 1u << 1,
  kCatWrite = 1u << 2,
  kCatSet = 1u << 3,
  kCatSortedSet = 1u << 4,
  kCatList = 1u << 5,
  kCatHash = 1u << 6,
  kCatString = 1u << 7,
  kCatBitmap = 1u << 8,
  kCatHyperLogLog = 1u << 9,
  kCatGeo = 1u << 10,
  kCatStream = 1u << 11,
  kCatPubSub = 1u << 12,
  kCatAdmin = 1u << 13,
  kCatFast = 1u << 14,
  kCatSlow = 1u << 15,
  kCatBlocking = 1u << 16,
  kCatDangerous = 1u << 17,
  kCatConnection = 1u << 18,
  kCatTransaction = 1u << 19,
  kCatScripting = 1u << 20,
};
constexpr std::string_view kCategoryNames[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting",
};

constexpr std::pair<std::string_view, uint32_t> kGroupCategories[] = {
    {"generic", kCatKeyspace},
    {"string", kCatString},
    {"list", kCatList},
    {"set", kCatSet},
    {"sorted-set", kCatSortedSet},
    {"sorted_set", kCatSortedSet},
    {"hash", kCatHash},
    {"bitmap", kCatBitmap},
    {"hyperloglog", kCatHyperLogLog},
    {"geo", kCatGeo},
    {"stream", kCatStream},
    {"pubsub", kCatPubSub},
    {"connection", kCatConnection},
    {"transactions", kCatTransaction},
    {"scripting", kCatScripting},
};

// Categories Redis gives that neither the flags nor the group imply.
constexpr std::pair<std::string_view, uint32_t> kExtraCategories[] = {
    {"command", kCatConnection},
    {"dbsize", kCatKeyspace},
    {"flushdb", kCatKeyspace | kCatDangerous},
    {"flushall", kCatKeyspace | kCatDangerous},
    {"swapdb", kCatKeyspace | kCatDangerous},
    {"keys", kCatDangerous},
    {"info", kCatDangerous},
    {"lastsave", kCatAdmin | kCatDangerous},
    {"migrate", kCatDangerous},
    {"restore", kCatDangerous},
    {"restore-asking", kCatKeyspace | kCatDangerous},
    {"readonly", kCatConnection},
    {"readwrite", kCatConnection},
    {"asking", kCatConnection},
    {"role", kCatAdmin | kCatDangerous},
};

// Commands whose categories replace their group's: SORT is in the "generic" group but Redis files
// it under the types it sorts, not @keyspace.
constexpr std::pair<std::string_view, uint32_t> kOwnCategories[] = {
    {"sort", kCatSet | kCatSortedSet | kCatList | kCatDangerous},
    {"sort_ro", kCatSet | kCatSortedSet | kCatList | kCatDangerous},
    {"wait", kCatConnection},
};

// Redis's command tips (cluster routing and output determinism) for the commands basalt has.
struct Tips {
  std::string_view command;  // full name
  std::string_view tips[3];  // unused slots are empty
};
constexpr std::string_view kNondeterministic = "nondeterministic_output";
constexpr std::string_view kUnordered = "nondeterministic_output_order";
constexpr std::string_view kAllShards = "request_policy:all_shards";
constexpr std::string_view kMultiShard = "request_policy:multi_shard";
constexpr std::string_view kAggSum = "response_policy:agg_sum";
constexpr std::string_view kAllSucceeded = "response_policy:all_succeeded";
constexpr Tips kTips[] = {
    {"mget", {kMultiShard}},
    {"cluster|slaves", {kNondeterministic}},
    {"cluster|count-failure-reports", {kNondeterministic}},
    {"cluster|slots", {kNondeterministic}},
    {"cluster|bumpepoch", {kNondeterministic}},
    {"cluster|shards", {kNondeterministic}},
    {"cluster|replicas", {kNondeterministic}},
    {"cluster|getkeysinslot", {kNondeterministic}},
    {"cluster|nodes", {kNondeterministic}},
    {"cluster|links", {kNondeterministic}},
    {"cluster|info", {kNondeterministic}},
    {"module|list", {kUnordered}},
    {"mset", {kMultiShard, kAllSucceeded}},
    {"msetnx", {kMultiShard, "response_policy:agg_min"}},
    {"del", {kMultiShard, kAggSum}},
    {"unlink", {kMultiShard, kAggSum}},
    {"exists", {kMultiShard, kAggSum}},
    {"touch", {kMultiShard, kAggSum}},
    {"dbsize", {kAllShards, kAggSum}},
    {"flushdb", {kAllShards, kAllSucceeded}},
    {"flushall", {kAllShards, kAllSucceeded}},
    {"keys", {kAllShards, kUnordered}},
    {"scan", {kNondeterministic, "request_policy:special"}},
    {"randomkey", {kAllShards, kNondeterministic}},
    {"ttl", {kNondeterministic}},
    {"pttl", {kNondeterministic}},
    {"ping", {kAllShards, kAllSucceeded}},
    {"client|info", {kNondeterministic}},
    {"client|list", {kNondeterministic}},
    {"time", {kNondeterministic}},
    {"info", {kNondeterministic, kAllShards, "response_policy:special"}},
    {"config|set", {"request_policy:all_nodes", kAllSucceeded}},
    {"command", {kUnordered}},
    {"command|info", {kUnordered}},
    {"command|docs", {kUnordered}},
    {"command|list", {kUnordered}},
    {"lastsave", {kNondeterministic}},
    {"memory|doctor", {kNondeterministic, kAllShards, "response_policy:special"}},
    {"memory|malloc-stats", {kNondeterministic, kAllShards, "response_policy:special"}},
    {"memory|purge", {kAllShards, kAllSucceeded}},
    {"memory|stats", {kNondeterministic, kAllShards, "response_policy:special"}},
    {"xadd", {kNondeterministic}},
    {"xautoclaim", {kNondeterministic}},
    {"xclaim", {kNondeterministic}},
    {"xpending", {kNondeterministic}},
    {"xtrim", {kNondeterministic}},
    {"xinfo|consumers", {kNondeterministic}},
};

std::vector<std::string_view> TipsOf(const CommandSpec& spec) {
  std::vector<std::string_view> out;
  for (const Tips& t : kTips) {
    if (t.command != spec.full_name) continue;
    for (std::string_view tip : t.tips) {
      if (!tip.empty()) out.push_back(tip);
    }
  }
  return out;
}

uint32_t Categories(const CommandSpec& spec) {
  uint32_t cats = 0;
  const CommandSpec& top = spec.parent ? *spec.parent : spec;
  if (spec.flags & kWrite) cats |= kCatWrite;
  // As Redis implies them: read-only scripting commands (EVAL_RO) are not @read.
  if ((spec.flags & kReadOnly) && top.group != "scripting") cats |= kCatRead;
  if (spec.flags & kAdmin) cats |= kCatAdmin | kCatDangerous;
  if (spec.flags & kBlocking) cats |= kCatBlocking;
  cats |= (spec.flags & kFast) ? kCatFast : kCatSlow;
  // A container lists only what its subcommands share by exception (COMMAND's @connection).
  bool own = false;
  for (const auto& [name, cat] : kOwnCategories) {
    if (spec.name == name) {
      cats |= cat;
      own = true;
    }
  }
  if (!spec.is_container() && !own) {
    for (const auto& [group, cat] : kGroupCategories) {
      if (spec.group == group) cats |= cat;
    }
  }
  for (const auto& [name, cat] : kExtraCategories) {
    if (top.name == name) cats |= cat;
  }
  return cats;
}

bool ParseCategory(std::string_view name, uint32_t* out) {
  for (size_t i = 0; i < std::size(kCategoryNames); ++i) {
    if (EqualsIgnoreCase(name, kCategoryNames[i])) {
      *out = 1u << i;
      return true;
    }
  }
  return false;
}

// Key-spec flags derived from the command flags: reads are RO+access, writes are assumed to
// read and update (the safe guess when the exact access is unknown).
std::vector<std::string_view> KeyFlags(const CommandSpec& spec) {
  if (!spec.key_flags.empty()) {
    std::vector<std::string_view> declared;
    std::string_view rest = spec.key_flags;
    while (!rest.empty()) {
      const size_t space = rest.find(' ');
      declared.push_back(rest.substr(0, space));
      rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    }
    return declared;
  }
  if (spec.flags & kWrite) return {"RW", "access", "update"};
  if (spec.flags & kReadOnly) return {"RO", "access"};
  return {"RO"};
}

void ReplyFlagSet(CommandContext& ctx, const std::vector<std::string_view>& flags) {
  ctx.reply.SetHeader(flags.size());
  for (std::string_view f : flags) ctx.reply.SimpleString(f);
}

// One key spec's opening: its notes and flags, and a begin_search at a fixed index (or, with
// `keyword`, after that keyword searched from `index`).
void ReplyKeySpecStart(CommandContext& ctx, const CommandSpec& spec, int64_t index,
                       std::string_view keyword = {}) {
  const bool notes = !spec.key_notes.empty();
  ctx.reply.MapHeader(notes ? 4 : 3);
  if (notes) {
    ctx.reply.Bulk("notes");
    ctx.reply.Bulk(spec.key_notes);
  }
  ctx.reply.Bulk("flags");
  ReplyFlagSet(ctx, KeyFlags(spec));
  ctx.reply.Bulk("begin_search");
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("type");
  ctx.reply.Bulk(keyword.empty() ? "index" : "keyword");
  ctx.reply.Bulk("spec");
  if (keyword.empty()) {
    ctx.reply.MapHeader(1);
    ctx.reply.Bulk("index");
    ctx.reply.Integer(index);
  } else {
    ctx.reply.MapHeader(2);
    ctx.reply.Bulk("keyword");
    ctx.reply.Bulk(keyword);
    ctx.reply.Bulk("startfrom");
    ctx.reply.Integer(index);
  }
  ctx.reply.Bulk("find_keys");
  ctx.reply.MapHeader(2);
}

// A key spec's find_keys: its type and its integer fields.
void ReplyFindKeys(CommandContext& ctx, std::string_view type,
                   std::initializer_list<std::pair<std::string_view, int64_t>> fields) {
  ctx.reply.Bulk("type");
  ctx.reply.Bulk(type);
  ctx.reply.Bulk("spec");
  ctx.reply.MapHeader(fields.size());
  for (const auto& [name, value] : fields) {
    ctx.reply.Bulk(name);
    ctx.reply.Integer(value);
  }
}

// The range of first/last/step as one key spec, and a numkeys command's keys as a keynum spec
// (the count at keynum_index, the keys right after it).
void ReplyKeySpecs(CommandContext& ctx, const CommandSpec& spec) {
  const bool range = spec.first_key > 0;
  const bool keynum = spec.keynum_index > 0;
  const bool keyword = !spec.key_keyword.empty();
  ctx.reply.SetHeader((range ? 1 : 0) + (keynum ? 1 : 0) + (keyword ? 1 : 0));
  if (keyword) {
    // The keys are the first half of the arguments after the keyword.
    ReplyKeySpecStart(ctx, spec, spec.key_keyword_from, spec.key_keyword);
    ReplyFindKeys(ctx, "range", {{"lastkey", -1}, {"keystep", 1}, {"limit", 2}});
  }
  if (range) {
    ReplyKeySpecStart(ctx, spec, spec.first_key);
    // lastkey is relative to the first key when counted from the front, as in key specs.
    ReplyFindKeys(ctx, "range",
                  {{"lastkey", spec.last_key < 0 ? spec.last_key : spec.last_key - spec.first_key},
                   {"keystep", spec.key_step},
                   {"limit", 0}});
  }
  if (keynum) {
    ReplyKeySpecStart(ctx, spec, spec.keynum_index);
    ReplyFindKeys(ctx, "keynum", {{"keynumidx", 0}, {"firstkey", 1}, {"keystep", 1}});
  }
}

void ReplyCommandInfo(CommandContext& ctx, const CommandSpec& spec) {
  ctx.reply.ArrayHeader(10);
  ctx.reply.Bulk(spec.full_name);
  ctx.reply.Integer(spec.arity);
  std::vector<std::string_view> flags;
  for (const auto& [bit, name] : kFlagNames) {
    if (spec.flags & bit) flags.push_back(name);
  }
  ReplyFlagSet(ctx, flags);
  ctx.reply.Integer(spec.first_key);
  ctx.reply.Integer(spec.last_key);
  ctx.reply.Integer(spec.key_step);
  std::vector<std::string> cats;
  const uint32_t bits = Categories(spec);
  for (size_t i = 0; i < std::size(kCategoryNames); ++i) {
    if (bits & (1u << i)) cats.push_back("@" + std::string(kCategoryNames[i]));
  }
  ctx.reply.SetHeader(cats.size());
  for (const std::string& c : cats) ctx.reply.SimpleString(c);
  const auto tips = TipsOf(spec);
  ctx.reply.SetHeader(tips.size());
  for (std::string_view tip : tips) ctx.reply.Bulk(tip);
  ReplyKeySpecs(ctx, spec);
  // Redis sends an empty set, but a non-empty array, of subcommands.
  if (spec.subcommands.empty()) {
    ctx.reply.SetHeader(0);
    return;
  }
  ctx.reply.ArrayHeader(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) ReplyCommandInfo(ctx, sub);
}

void ReplyCommandDocs(CommandContext& ctx, const CommandSpec& spec) {
  const bool has_subs = !spec.subcommands.empty();
  const bool has_complexity = !spec.complexity.empty();
  ctx.reply.MapHeader(3 + (has_complexity ? 1 : 0) + (has_subs ? 1 : 0));
  ctx.reply.Bulk("summary");
  ctx.reply.Bulk(spec.summary);
  ctx.reply.Bulk("since");
  ctx.reply.Bulk(spec.since);
  ctx.reply.Bulk("group");
  ctx.reply.Bulk(spec.group);
  if (has_complexity) {
    ctx.reply.Bulk("complexity");
    ctx.reply.Bulk(spec.complexity);
  }
  if (has_subs) {
    ctx.reply.Bulk("subcommands");
    ctx.reply.MapHeader(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) {
      ctx.reply.Bulk(sub.full_name);
      ReplyCommandDocs(ctx, sub);
    }
  }
}

// "get", "GET" or "client|list".
const CommandSpec* LookupByFullName(const CommandTable& table, std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return table.Find(name);
  const CommandSpec* parent = table.Find(name.substr(0, bar));
  if (parent == nullptr) return nullptr;
  return CommandTable::FindSubcommand(*parent, name.substr(bar + 1));
}

void ReplyAllCommandInfo(CommandContext& ctx) {
  const auto& all = ctx.server.commands.all();
  ctx.reply.ArrayHeader(all.size());
  for (const auto& spec : all) ReplyCommandInfo(ctx, *spec);
}

void CommandAll(CommandContext& ctx) { ReplyAllCommandInfo(ctx); }

void CommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.commands.size()));
}

void CommandInfo(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    ReplyAllCommandInfo(ctx);
    return;
  }
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandSpec* spec = LookupByFullName(ctx.server.commands, ctx.arg(i));
    if (spec == nullptr) {
      ctx.reply.Null();
    } else {
      ReplyCommandInfo(ctx, *spec);
    }
  }
}

void CommandDocs(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  if (ctx.argc() == 2) {
    for (const auto& spec : ctx.server.commands.all()) specs.push_back(spec.get());
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (const CommandSpec* s = LookupByFullName(ctx.server.commands, ctx.arg(i))) {
        specs.push_back(s);
      }
    }
  }
  ctx.reply.MapHeader(specs.size());
  for (const CommandSpec* spec : specs) {
    ctx.reply.Bulk(spec->full_name);
    ReplyCommandDocs(ctx, *spec);
  }
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: names of commands
// and subcommands ("config|get").
void CommandList(CommandContext& ctx) {
  enum class By { kAll, kModule, kCategory, kPattern } by = By::kAll;
  std::string_view value;
  uint32_t category = 0;
  if (ctx.argc() == 5 && IsOption(ctx.arg(2), "filterby")) {
    value = ctx.arg(4);
    if (IsOption(ctx.arg(3), "module")) {
      by = By::kModule;
    } else if (IsOption(ctx.arg(3), "aclcat")) {
      by = By::kCategory;
      // An unknown category simply matches nothing.
      if (!ParseCategory(value, &category)) by = By::kModule;
    } else if (IsOption(ctx.arg(3), "pattern")) {
      by = By::kPattern;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  } else if (ctx.argc() != 2) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  auto matches = [&](const CommandSpec& spec) {
    switch (by) {
      case By::kAll:
        return true;
      case By::kModule:
        return false;  // basalt has no modules
      case By::kCategory:
        return (Categories(spec) & category) != 0;
      case By::kPattern:
        return GlobMatch(value, spec.full_name, /*nocase=*/true);
    }
    return false;
  };
  std::vector<std::string_view> names;
  for (const auto& spec : ctx.server.commands.all()) {
    if (matches(*spec)) names.push_back(spec->full_name);
    for (const CommandSpec& sub : spec->subcommands) {
      if (matches(sub)) names.push_back(sub.full_name);
    }
  }
  ctx.reply.ArrayHeader(names.size());
  for (std::string_view n : names) ctx.reply.Bulk(n);
}

// Finds the command `args` would run and the positions of its keys; replies with Redis's
// error and returns nullptr when there is none.
const CommandSpec* KeysOf(CommandContext& ctx, std::span<const std::string_view> args,
                          std::vector<size_t>* positions) {
  const CommandSpec* spec = ctx.server.commands.Find(args[0]);
  if (spec != nullptr && spec->is_container()) {
    spec = args.size() >= 2 ? CommandTable::FindSubcommand(*spec, args[1]) : nullptr;
  }
  if (spec == nullptr) {
    ctx.reply.Error("ERR Invalid command specified");
    return nullptr;
  }
  if (!spec->ArityOk(args.size())) {
    ctx.reply.Error("ERR Invalid number of arguments specified for command");
    return nullptr;
  }
  if (spec->first_key <= 0 && spec->keynum_index <= 0 && spec->option_keys == nullptr) {
    ctx.reply.Error("ERR The command has no key arguments");
    return nullptr;
  }
  if (!KeyPositions(*spec, args, positions) || positions->empty()) {
    // EVAL and FCALL may have no keys (numkeys 0, or more than the arguments): no keys.
    if (spec->flags & kNoMandatoryKeys) {
      positions->clear();
      return spec;
    }
    ctx.reply.Error("ERR Invalid arguments specified for command");
    return nullptr;
  }
  return spec;
}

void CommandGetKeys(CommandContext& ctx) {
  std::vector<size_t> positions;
  auto args = ctx.args.subspan(2);
  if (KeysOf(ctx, args, &positions) == nullptr) return;
  ctx.reply.ArrayHeader(positions.size());
  for (size_t p : positions) ctx.reply.Bulk(args[p]);
}

void CommandGetKeysAndFlags(CommandContext& ctx) {
  std::vector<size_t> positions;
  auto args = ctx.args.subspan(2);
  const CommandSpec* spec = KeysOf(ctx, args, &positions);
  if (spec == nullptr) return;
  const std::vector<std::string_view> flags = KeyFlags(*spec);
  ctx.reply.ArrayHeader(positions.size());
  for (size_t p : positions) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(args[p]);
    ReplyFlagSet(ctx, flags);
  }
}

void CommandHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "COMMAND",
            {"(no subcommand)", "    Reply with the details of every command.", "COUNT",
             "    Reply with the number of commands.",
             "LIST [FILTERBY (MODULE <name>|ACLCAT <category>|PATTERN <pattern>)]",
             "    Reply with the names of all commands, or of those matching the filter.",
             "INFO [<command-name> ...]",
             "    Reply with the details of the named commands (all when none is named).",
             "DOCS [<command-name> ...]",
             "    Reply with the documentation of the named commands (all when none is named).",
             "GETKEYS <full-command>", "    Reply with the keys a complete command would access.",
             "GETKEYSANDFLAGS <full-command>",
             "    Reply with those keys and how the command would access each of them."});
}

}  // namespace

void RegisterCommandCommand(CommandTable& table) {
  constexpr uint32_t kBase = kLoading | kStale;
  auto sub = [](std::string_view name, int arity, Handler h, std::string_view summary,
                std::string_view since, std::string_view complexity) {
    return CommandSpec{.name = name,
                       .arity = arity,
                       .flags = kLoading | kStale,
                       .handler = h,
                       .group = "server",
                       .summary = summary,
                       .since = since,
                       .complexity = complexity};
  };
  constexpr std::string_view kPerArg = "O(N) where N is the number of arguments to the command";
  constexpr std::string_view kPerLookup = "O(N) where N is the number of commands to look up";
  constexpr std::string_view kPerCommand = "O(N) where N is the total number of Redis commands";
  table.Add(
      {.name = "command",
       .arity = -1,
       .flags = kBase,
       .handler = CommandAll,
       .group = "server",
       .summary = "Get array of Redis command details",
       .since = "2.8.13",
       .complexity = kPerCommand,
       .subcommands = {
           sub("count", 2, CommandCount, "Get total number of Redis commands", "2.8.13", "O(1)"),
           sub("info", -2, CommandInfo,
               "Get array of specific Redis command details, or all when no argument is "
               "given.",
               "2.8.13", kPerLookup),
           sub("docs", -2, CommandDocs, "Get array of specific Redis command documentation",
               "7.0.0", kPerLookup),
           sub("list", -2, CommandList, "Get an array of Redis command names", "7.0.0",
               kPerCommand),
           sub("getkeys", -4, CommandGetKeys, "Extract keys given a full Redis command", "2.8.13",
               kPerArg),
           sub("getkeysandflags", -4, CommandGetKeysAndFlags,
               "Extract keys and access flags given a full Redis command", "7.0.0", kPerArg),
           sub("help", 2, CommandHelp, "Show helpful text about the different subcommands", "5.0.0",
               "O(1)"),
       }});
}

}  // namespace basalt::cmd
