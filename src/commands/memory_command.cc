// MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP: memory introspection, with
// Redis 7.0's reply shapes and argument errors and basalt's own numbers.
//
// MEMORY USAGE counts the bytes basalt really holds for a key: the entry block (header, TTL
// fields, key, and an inline string or the pointer to the value), a separately allocated string,
// and a collection's CompositeValue, allocator rounding included. A collection made of many
// blocks (a hash or set table, a list's listpack nodes) is measured on its first SAMPLES blocks
// and extrapolated, as Redis samples (default 5; SAMPLES 0 measures everything). Redis's figure
// for the same key is larger (its robj, dict entry and sds headers); the two are not meant to
// match.

#include <string>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/server_group.h"
#include "commands/server_info.h"
#include "common/memory.h"
#include "store/hash_value.h"
#include "store/list_value.h"
#include "store/set_value.h"

namespace basalt::cmd {

namespace {

constexpr int64_t kDefaultSamples = 5;

size_t KeyMemoryUsage(store::Entry* e, size_t samples) {
  size_t total = mem::UsableSize(e);
  if (e->encoding() == store::Encoding::kHeapString) total += mem::UsableSize(e->heap_string());
  if (e->encoding() == store::Encoding::kCompact) total += mem::UsableSize(e->compact_block());
  if (e->encoding() != store::Encoding::kObject) return total;
  // The types with many separately allocated parts sample them; the others (compact, or the
  // sorted set, whose value reports only its exact figure) are measured whole.
  const store::CompositeValue* value = e->object();
  switch (e->type()) {
    case store::ValueType::kHash:
      return total + static_cast<const store::HashValue*>(value)->SampledMemoryUsage(samples);
    case store::ValueType::kSet:
      return total + static_cast<const store::SetValue*>(value)->SampledMemoryUsage(samples);
    case store::ValueType::kList:
      return total + static_cast<const store::ListValue*>(value)->SampledMemoryUsage(samples);
    default:
      return total + value->MemoryUsage();
  }
}

void MemoryUsage(CommandContext& ctx) {
  int64_t samples = kDefaultSamples;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (!IsOption(ctx.arg(j), "samples") || j + 1 >= ctx.argc()) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    if (!ParseIntArg(ctx, ctx.arg(++j), &samples)) return;
    if (samples < 0) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  // Like OBJECT, a lookup that neither touches nor notifies.
  store::Entry* e = ctx.db().Lookup(ctx.arg(2), ctx.now_ms, /*touch=*/false);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Integer(static_cast<int64_t>(KeyMemoryUsage(e, static_cast<size_t>(samples))));
}

struct MemoryFigures {
  int64_t used = 0;     // what INFO reports as used_memory
  int64_t dataset = 0;  // the accounted heap: keys, values and what the keyspace owns
  int64_t peak = 0;
  int64_t rss = 0;
  int64_t keys = 0;
};

MemoryFigures Measure(ServerContext& server) {
  MemoryFigures f;
  f.used = UsedMemory(server);
  f.dataset = DatasetMemory(server);
  f.peak = PeakMemory(server, f.used);
  f.rss = ResidentMemory();
  for (int i = 0; i < server.keyspace.db_count(); ++i) {
    f.keys += static_cast<int64_t>(server.keyspace.db(i).size());
  }
  return f;
}

double Percent(int64_t part, int64_t whole) {
  return whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

// MEMORY STATS: Redis's field names, limited to the ones basalt measures (no allocator
// internals, no per-database hash table overhead, no startup baseline).
void MemoryStats(CommandContext& ctx) {
  const MemoryFigures f = Measure(ctx.server);
  ctx.reply.MapHeader(11);
  auto integer = [&](std::string_view name, int64_t v) {
    ctx.reply.Bulk(name);
    ctx.reply.Integer(v);
  };
  auto real = [&](std::string_view name, double v) {
    ctx.reply.Bulk(name);
    ctx.reply.Double(v);
  };
  integer("peak.allocated", f.peak);
  integer("total.allocated", f.used);
  integer("overhead.total", f.used - f.dataset);
  integer("keys.count", f.keys);
  integer("keys.bytes-per-key", f.keys > 0 ? f.dataset / f.keys : 0);
  integer("dataset.bytes", f.dataset);
  real("dataset.percentage", Percent(f.dataset, f.used));
  real("peak.percentage", Percent(f.used, f.peak));
  integer("rss.bytes", f.rss);
  real("fragmentation", f.used > 0 ? static_cast<double>(f.rss) / f.used : 0.0);
  integer("fragmentation.bytes", f.rss - f.used);
}

// MEMORY DOCTOR: a short report of what the figures suggest.
void MemoryDoctor(CommandContext& ctx) {
  const MemoryFigures f = Measure(ctx.server);
  std::string report;
  if (f.keys == 0) {
    report = "The dataset is empty: nothing to diagnose yet.\n";
  } else {
    report = "basalt holds " + std::to_string(f.keys) + " keys in " + BytesToHuman(f.dataset) +
             " (peak " + BytesToHuman(f.peak) + ", resident " + BytesToHuman(f.rss) + ").\n";
    bool issues = false;
    if (f.peak > f.used * 3 / 2) {
      report += "* Peak memory is well above current use: an earlier burst may still hold RSS.\n";
      issues = true;
    }
    if (f.used > 0 && f.rss > f.used * 3 / 2 && f.rss - f.used > 10 * 1024 * 1024) {
      report +=
          "* Resident memory exceeds used memory by a wide margin (fragmentation or freed "
          "pages not yet returned; MEMORY PURGE may help).\n";
      issues = true;
    }
    if (!issues) report += "No memory problems detected.\n";
  }
  ctx.reply.Verbatim(report);
}

void MemoryMallocStats(CommandContext& ctx) {
  const MemoryFigures f = Measure(ctx.server);
  std::string text = "allocator: " + std::string(mem::AllocatorName()) + "\n";
  text += "allocated: " + std::to_string(f.dataset) + "\n";
  text += "resident: " + std::to_string(f.rss) + "\n";
  ctx.reply.Verbatim(text);
}

void MemoryPurge(CommandContext& ctx) {
  mem::ReturnFreePages();
  ctx.reply.Ok();
}

void MemoryHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "MEMORY",
            {"DOCTOR", "    Report what the memory figures suggest.", "MALLOC-STATS",
             "    Report the allocator's figures.", "PURGE",
             "    Ask the allocator to return free pages to the system.", "STATS",
             "    Reply with the server's memory figures.", "USAGE <key> [SAMPLES <count>]",
             "    Reply with the bytes <key> and its value take. Big collections are measured",
             "    on <count> of their parts (default: 5, 0 means all)."});
}

}  // namespace

void RegisterMemoryCommand(CommandTable& table) {
  auto sub = [](std::string_view name, Handler h, std::string_view summary,
                std::string_view complexity) {
    return KeylessSpec(name, 2, 0, h, "server", summary, "4.0.0", complexity);
  };
  CommandSpec usage = KeylessSpec("usage", -3, kReadOnly, MemoryUsage, "server",
                                  "Estimate the memory usage of a key", "4.0.0",
                                  "O(N) where N is the number of samples.");
  usage.first_key = 2;
  usage.last_key = 2;
  usage.key_step = 1;
  CommandSpec help =
      sub("help", MemoryHelp, "Show helpful text about the different subcommands", "O(1)");
  help.flags = kLoading | kStale;
  table.Add({.name = "memory",
             .arity = -2,
             .group = "server",
             .summary = "A container for memory diagnostics commands",
             .since = "4.0.0",
             .complexity = "Depends on subcommand.",
             // Redis lists subcommands in its dict's order, which varies between processes.
             .subcommands = {
                 sub("purge", MemoryPurge, "Ask the allocator to release memory",
                     "Depends on how much memory is allocated, could be slow"),
                 usage,
                 sub("stats", MemoryStats, "Show memory usage details", "O(1)"),
                 sub("doctor", MemoryDoctor, "Outputs memory problems report", "O(1)"),
                 help,
                 sub("malloc-stats", MemoryMallocStats, "Show allocator internal stats",
                     "Depends on how much memory is allocated, could be slow"),
             }});
}

}  // namespace basalt::cmd
