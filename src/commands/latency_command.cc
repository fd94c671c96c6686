// LATENCY: the latency monitor's events (LATEST, HISTORY, RESET, GRAPH, DOCTOR; see
// latency_monitor.h) and the commands' run time histograms (HISTOGRAM; see latency_histogram.h).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/server_group.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

void LatencyLatest(CommandContext& ctx) {
  const std::vector<LatencyMonitor::Event>& events = ctx.server.latency.events();
  ctx.reply.ArrayHeader(events.size());
  for (const LatencyMonitor::Event& e : events) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(e.name);
    ctx.reply.Integer(e.latest().unix_seconds);
    ctx.reply.Integer(e.latest().latency_ms);
    ctx.reply.Integer(e.max_ms);
  }
}

void LatencyHistory(CommandContext& ctx) {
  const LatencyMonitor::Event* e = ctx.server.latency.Find(ctx.arg(2));
  const std::vector<LatencyMonitor::Sample> samples =
      e != nullptr ? e->History() : std::vector<LatencyMonitor::Sample>{};
  ctx.reply.ArrayHeader(samples.size());
  for (const LatencyMonitor::Sample& s : samples) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(s.unix_seconds);
    ctx.reply.Integer(s.latency_ms);
  }
}

void LatencyReset(CommandContext& ctx) {
  const size_t reset = ctx.server.latency.Reset(ctx.args.subspan(2));
  ctx.reply.Integer(static_cast<int64_t>(reset));
}

// One column a sample, oldest on the left, as high as the sample is within the samples' range.
std::string Graph(const LatencyMonitor::Event& e, int64_t now_seconds) {
  const std::vector<LatencyMonitor::Sample> samples = e.History();
  int64_t low = samples.front().latency_ms, high = low;
  for (const LatencyMonitor::Sample& s : samples) {
    low = std::min(low, s.latency_ms);
    high = std::max(high, s.latency_ms);
  }
  std::string out = e.name + " - high " + std::to_string(high) + " ms, low " + std::to_string(low) +
                    " ms (all time high " + std::to_string(e.max_ms) + " ms)\n" +
                    std::string(80, '-') + "\n";
  constexpr int kRows = 4;
  for (int row = kRows; row >= 1; --row) {
    std::string line;
    for (const LatencyMonitor::Sample& s : samples) {
      // The lowest sample gets one row, the highest all of them.
      const int64_t height =
          high == low ? kRows : 1 + (s.latency_ms - low) * (kRows - 1) / (high - low);
      line += height >= row ? '#' : ' ';
    }
    out += line + "\n";
  }
  const int64_t newest_age = now_seconds - samples.back().unix_seconds;
  const int64_t oldest_age = now_seconds - samples.front().unix_seconds;
  return out + "oldest sample " + std::to_string(oldest_age) + "s ago (left), newest " +
         std::to_string(newest_age) + "s ago (right)\n";
}

void LatencyGraph(CommandContext& ctx) {
  const LatencyMonitor::Event* e = ctx.server.latency.Find(ctx.arg(2));
  if (e == nullptr) {
    ctx.reply.Error("ERR No samples available for event '" + std::string(ctx.arg(2)) + "'");
    return;
  }
  ctx.reply.Verbatim(Graph(*e, ctx.now_ms / 1000));
}

void LatencyDoctor(CommandContext& ctx) {
  const int64_t threshold = ctx.server.config.settings().latency_monitor_threshold;
  std::string text;
  if (threshold == 0) {
    text =
        "The latency monitor is off, so there is nothing to report. Turn it on with CONFIG SET "
        "latency-monitor-threshold <milliseconds>: events that take at least that long are "
        "then recorded.\n";
  } else if (ctx.server.latency.events().empty()) {
    text = "No event has taken " + std::to_string(threshold) +
           " ms or more since the monitor was turned on or last reset.\n";
  } else {
    text = "Events that took " + std::to_string(threshold) + " ms or more:\n\n";
    for (const LatencyMonitor::Event& e : ctx.server.latency.events()) {
      const std::vector<LatencyMonitor::Sample> samples = e.History();
      int64_t sum = 0;
      for (const LatencyMonitor::Sample& s : samples) sum += s.latency_ms;
      text += "- " + e.name + ": " + std::to_string(samples.size()) +
              " seconds with such events, " + "average " +
              std::to_string(sum / static_cast<int64_t>(samples.size())) + " ms, worst " +
              std::to_string(e.max_ms) + " ms, latest " +
              std::to_string(ctx.now_ms / 1000 - e.latest().unix_seconds) + " s ago.\n";
    }
    text += "\nSLOWLOG GET shows which commands were slow; INFO latencystats their percentiles.\n";
  }
  ctx.reply.Verbatim(text);
}

// {"calls": n, "histogram_usec": {us: cumulative count, ...}}
void ReplyDistribution(CommandContext& ctx, const LatencyHistogram& h) {
  std::vector<std::pair<int64_t, uint64_t>> levels;
  h.ForEachLevel([&](int64_t us, uint64_t cumulative) { levels.emplace_back(us, cumulative); });
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("calls");
  ctx.reply.Integer(static_cast<int64_t>(h.total()));
  ctx.reply.Bulk("histogram_usec");
  ctx.reply.MapHeader(levels.size());
  for (const auto& [us, cumulative] : levels) {
    ctx.reply.Integer(us);
    ctx.reply.Integer(static_cast<int64_t>(cumulative));
  }
}

// `spec` if it has run, then (for a container) its subcommands that have.
void CollectTimed(const CommandSpec& spec, std::vector<const CommandSpec*>& out) {
  if (spec.stats.latency) out.push_back(&spec);
  for (const CommandSpec& sub : spec.subcommands) CollectTimed(sub, out);
}

// LATENCY HISTOGRAM [command ...]: every command that has run, or those named ("client" names
// all of CLIENT's subcommands, "client|list" one); unknown names are skipped.
void LatencyHistogramCommand(CommandContext& ctx) {
  std::vector<const CommandSpec*> timed;
  if (ctx.argc() == 2) {
    for (const auto& spec : ctx.server.commands.all()) CollectTimed(*spec, timed);
  }
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const std::string_view arg = ctx.arg(i);
    const size_t bar = arg.find('|');
    const CommandSpec* spec = ctx.server.commands.Find(arg.substr(0, bar));
    if (spec != nullptr && bar != std::string_view::npos) {
      spec = CommandTable::FindSubcommand(*spec, arg.substr(bar + 1));
    }
    if (spec != nullptr) CollectTimed(*spec, timed);
  }
  ctx.reply.MapHeader(timed.size());
  for (const CommandSpec* spec : timed) {
    ctx.reply.Bulk(spec->full_name);
    ReplyDistribution(ctx, *spec->stats.latency);
  }
}

void LatencyHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "LATENCY",
            {"DOCTOR", "    Report on the events the latency monitor recorded.", "GRAPH <event>",
             "    Draw the recorded samples of <event> as text.", "HISTORY <event>",
             "    Reply with the samples of <event>: unix time and milliseconds.", "LATEST",
             "    Reply with each event's latest sample and its worst ever.", "RESET [<event> ...]",
             "    Forget the samples of the given events (default: of every event).",
             "HISTOGRAM [<command> ...]",
             "    Reply with the run time distribution of the given commands (default: of",
             "    every command that ran): calls, and cumulative counts per microsecond bound."});
}

}  // namespace

void RegisterLatencyCommand(CommandTable& table) {
  constexpr uint32_t kSub = kAdmin | kNoScript | kLoading | kStale;
  auto sub = [](std::string_view name, int arity, uint32_t flags, Handler h,
                std::string_view summary, std::string_view complexity = "O(1)") {
    return KeylessSpec(name, arity, flags, h, "server", summary, "2.8.13", complexity);
  };
  CommandSpec histogram =
      sub("histogram", -2, kSub, LatencyHistogramCommand,
          "Return the cumulative distribution of latencies of a subset of commands or all.",
          "O(N) where N is the number of commands with latency information being retrieved.");
  histogram.since = "7.0.0";
  CommandSpec help = sub("help", 2, kLoading | kStale, LatencyHelp,
                         "Show helpful text about the different subcommands.");
  help.since = "2.8.13";
  table.Add({.name = "latency",
             .arity = -2,
             .group = "server",
             .summary = "A container for latency diagnostics commands",
             .since = "2.8.13",
             .complexity = "Depends on subcommand.",
             .subcommands = {
                 sub("latest", 2, kSub, LatencyLatest,
                     "Return the latest latency samples for all events."),
                 sub("history", 3, kSub, LatencyHistory,
                     "Return timestamp-latency samples for the event."),
                 sub("reset", -2, kSub, LatencyReset, "Reset latency data for one or more events."),
                 sub("graph", 3, kSub, LatencyGraph, "Return a latency graph for the event."),
                 sub("doctor", 2, kSub, LatencyDoctor,
                     "Return a human readable latency analysis report."),
                 histogram,
                 help,
             }});
}

}  // namespace basalt::cmd
