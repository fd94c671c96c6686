// What a standalone server without modules answers for Redis's cluster and module commands,
// as redis-server 7.0.15 answers them with cluster-enabled no and no module loaded: CLUSTER
// (every subcommand), READONLY, READWRITE and ASKING refuse with "This instance has cluster
// support disabled"; MODULE LIST is empty; MODULE LOAD / LOADEX / UNLOAD are refused unless
// enable-module-command allows the client (the gatekeeper checks it) and then fail, since
// basalt loads no module. Client libraries and tools probe with these to learn what a server
// is (cluster or not, which modules), so they get Redis's answers rather than "unknown
// command".
#include <spdlog/spdlog.h>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/server_group.h"

namespace basalt::cmd {
namespace {

void ClusterDisabled(CommandContext& ctx) {
  ctx.reply.Error("ERR This instance has cluster support disabled");
}

void ModuleHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "MODULE",
            {"LIST", "    Return a list of loaded modules.", "LOAD <path> [<arg> ...]",
             "    Load a module library from <path>, passing to it any optional arguments.",
             "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
             "    Load a module library from <path>, while passing it module configurations and "
             "optional arguments.",
             "UNLOAD <name>", "    Unload a module."});
}

void ModuleList(CommandContext& ctx) { ctx.reply.ArrayHeader(0); }

void ModuleLoad(CommandContext& ctx) {
  spdlog::warn("Module {} failed to load: basalt does not load modules", ctx.arg(2));
  ctx.reply.Error("ERR Error loading the extension. Please check the server logs.");
}

void ModuleUnload(CommandContext& ctx) {
  ctx.reply.Error("ERR Error unloading module: no such module with that name");
}

}  // namespace

void RegisterStandaloneCommands(CommandTable& table) {
  // Every CLUSTER subcommand has the same answer here.
  auto disabled = [](std::string_view name, int arity, uint32_t flags, std::string_view summary,
                     std::string_view since, std::string_view complexity) {
    return KeylessSpec(name, arity, flags, ClusterDisabled, "cluster", summary, since, complexity);
  };
  table.Add(
      {.name = "cluster",
       .arity = -2,
       .group = "cluster",
       .summary = "A container for cluster commands",
       .since = "3.0.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           disabled("addslots", -3, kAdmin | kStale | kNoAsyncLoading,
                    "Assign new hash slots to receiving node", "3.0.0",
                    "O(N) where N is the total number of hash slot arguments"),
           disabled(
               "addslotsrange", -4, kAdmin | kStale | kNoAsyncLoading,
               "Assign new hash slots to receiving node", "7.0.0",
               "O(N) where N is the total number of the slots between the start slot and end slot "
               "arguments."),
           disabled("bumpepoch", 2, kAdmin | kStale | kNoAsyncLoading,
                    "Advance the cluster config epoch", "3.0.0", "O(1)"),
           disabled("count-failure-reports", 3, kAdmin | kStale,
                    "Return the number of failure reports active for a given node", "3.0.0",
                    "O(N) where N is the number of failure reports"),
           disabled("countkeysinslot", 3, kStale,
                    "Return the number of local keys in the specified hash slot", "3.0.0", "O(1)"),
           disabled("delslots", -3, kAdmin | kStale | kNoAsyncLoading,
                    "Set hash slots as unbound in receiving node", "3.0.0",
                    "O(N) where N is the total number of hash slot arguments"),
           disabled(
               "delslotsrange", -4, kAdmin | kStale | kNoAsyncLoading,
               "Set hash slots as unbound in receiving node", "7.0.0",
               "O(N) where N is the total number of the slots between the start slot and end slot "
               "arguments."),
           disabled("failover", -2, kAdmin | kStale | kNoAsyncLoading,
                    "Forces a replica to perform a manual failover of its master.", "3.0.0",
                    "O(1)"),
           disabled("flushslots", 2, kAdmin | kStale | kNoAsyncLoading,
                    "Delete a node's own slots information", "3.0.0", "O(1)"),
           disabled("forget", 3, kAdmin | kStale | kNoAsyncLoading,
                    "Remove a node from the nodes table", "3.0.0", "O(1)"),
           disabled("getkeysinslot", 4, kStale, "Return local key names in the specified hash slot",
                    "3.0.0", "O(log(N)) where N is the number of requested keys"),
           disabled("help", 2, kLoading | kStale,
                    "Show helpful text about the different subcommands", "5.0.0", "O(1)"),
           disabled("info", 2, kStale, "Provides info about Redis Cluster node state", "3.0.0",
                    "O(1)"),
           disabled("keyslot", 3, kStale, "Returns the hash slot of the specified key", "3.0.0",
                    "O(N) where N is the number of bytes in the key"),
           disabled("links", 2, kStale,
                    "Returns a list of all TCP links to and from peer nodes in cluster", "7.0.0",
                    "O(N) where N is the total number of Cluster nodes"),
           disabled("meet", -4, kAdmin | kStale | kNoAsyncLoading,
                    "Force a node cluster to handshake with another node", "3.0.0", "O(1)"),
           disabled("myid", 2, kStale, "Return the node id", "3.0.0", "O(1)"),
           disabled("nodes", 2, kStale, "Get Cluster config for the node", "3.0.0",
                    "O(N) where N is the total number of Cluster nodes"),
           disabled("replicas", 3, kAdmin | kStale,
                    "List replica nodes of the specified master node", "5.0.0", "O(1)"),
           disabled("replicate", 3, kAdmin | kStale | kNoAsyncLoading,
                    "Reconfigure a node as a replica of the specified master node", "3.0.0",
                    "O(1)"),
           disabled(
               "reset", -2, kAdmin | kNoScript | kStale, "Reset a Redis Cluster node", "3.0.0",
               "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a "
               "side effect."),
           disabled("saveconfig", 2, kAdmin | kStale | kNoAsyncLoading,
                    "Forces the node to save cluster state on disk", "3.0.0", "O(1)"),
           disabled("set-config-epoch", 3, kAdmin | kStale | kNoAsyncLoading,
                    "Set the configuration epoch in a new node", "3.0.0", "O(1)"),
           disabled("setslot", -4, kAdmin | kStale | kNoAsyncLoading,
                    "Bind a hash slot to a specific node", "3.0.0", "O(1)"),
           disabled("shards", 2, kStale, "Get array of cluster slots to node mappings", "7.0.0",
                    "O(N) where N is the total number of cluster nodes"),
           disabled("slaves", 3, kAdmin | kStale, "List replica nodes of the specified master node",
                    "3.0.0", "O(1)"),
           disabled("slots", 2, kStale, "Get array of Cluster slot to node mappings", "3.0.0",
                    "O(N) where N is the total number of Cluster nodes"),
       }});
  for (std::string_view name : {"readonly", "readwrite"}) {
    table.Add(KeylessSpec(name, 1, kLoading | kStale | kFast, ClusterDisabled, "cluster",
                          name == "readonly"
                              ? "Enables read queries for a connection to a cluster replica node"
                              : "Disables read queries for a connection to a cluster replica node",
                          "3.0.0", "O(1)"));
  }
  table.Add(KeylessSpec("asking", 1, kFast, ClusterDisabled, "cluster",
                        "Sent by cluster clients after an -ASK redirect", "3.0.0", "O(1)"));
  table.Add(
      {.name = "module",
       .arity = -2,
       .group = "server",
       .summary = "A container for module commands",
       .since = "4.0.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           KeylessSpec("help", 2, kLoading | kStale, ModuleHelp, "server",
                       "Show helpful text about the different subcommands", "5.0.0", "O(1)"),
           KeylessSpec("list", 2, kAdmin | kNoScript, ModuleList, "server",
                       "List all modules loaded by the server", "4.0.0",
                       "O(N) where N is the number of loaded modules."),
           KeylessSpec("load", -3, kAdmin | kNoScript | kNoAsyncLoading | kProtected, ModuleLoad,
                       "server", "Load a module", "4.0.0", "O(1)"),
           KeylessSpec("loadex", -3, kAdmin | kNoScript | kNoAsyncLoading | kProtected, ModuleLoad,
                       "server", "Load a module with extended parameters", "7.0.0", "O(1)"),
           KeylessSpec("unload", 3, kAdmin | kNoScript | kNoAsyncLoading | kProtected, ModuleUnload,
                       "server", "Unload a module", "4.0.0", "O(1)"),
       }});
}

}  // namespace basalt::cmd
