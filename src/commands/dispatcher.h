// The single gatekeeper: every request passes through Execute(), which finds the command,
// checks arity, authentication, loading state and memory, runs the handler, counts statistics
// and hands writes to the propagation path. Handlers may assume valid arity.
#pragma once

#include <span>
#include <string_view>

#include "commands/command.h"
#include "commands/command_table.h"

namespace basalt::cmd {

class Dispatcher {
 public:
  explicit Dispatcher(ServerContext& server) : server_(server) {}

  void Execute(ClientSession& client, std::span<const std::string_view> args,
               protocol::ReplyWriter& reply);

 private:
  void Run(ClientSession& client, std::span<const std::string_view> args,
           protocol::ReplyWriter& reply);
  // Finds the command or subcommand; replies with Redis's error and returns nullptr otherwise.
  const CommandSpec* Resolve(std::span<const std::string_view> args, protocol::ReplyWriter& reply);
  // The checks that may refuse a known command; returns the error text or empty.
  std::string_view Refusal(const ClientSession& client, const CommandSpec& spec);
  void Propagate(const CommandContext& ctx, std::span<const std::string_view> args);

  ServerContext& server_;
  std::string refusal_;  // storage for a refusal text built at runtime
};

// "ERR unknown command 'foo', with args beginning with: 'a' 'b' " as Redis formats it.
std::string UnknownCommandError(std::span<const std::string_view> args);

}  // namespace basalt::cmd
