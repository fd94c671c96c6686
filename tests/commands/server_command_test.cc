#include <doctest/doctest.h>

#include <algorithm>

#include "commands/harness.h"

using namespace basalt::test;

namespace {

// COMMAND INFO GET as redis-server 7.0.15 sends it (RESP2).
constexpr std::string_view kGetInfo =
    "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n"
    "+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\n"
    "begin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n"
    "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n"
    ":0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";

// The same in RESP3: sets for flags, categories, tips and key specs; maps inside key specs.
constexpr std::string_view kGetInfoResp3 =
    "*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n"
    "+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\n"
    "begin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n"
    "$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n"
    ":0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n";

// COMMAND INFO CONFIG|GET as redis-server 7.0.15 sends it.
constexpr std::string_view kConfigGetInfo =
    "*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n"
    ":0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n";

int ArrayLength(const std::string& reply) { return std::stoi(reply.substr(1)); }

}  // namespace

TEST_SUITE("command") {
  TEST_CASE("COMMAND COUNT is the number of top-level commands") {
    Harness h;
    CHECK(h.Run({"COMMAND", "COUNT"}) == Int(static_cast<long long>(h.server().commands.size())));
    CHECK(h.Run({"COMMAND", "COUNT", "x"}) ==
          Err("ERR wrong number of arguments for 'command|count' command"));
  }

  TEST_CASE("COMMAND INFO GET matches Redis byte for byte in RESP2 and RESP3") {
    Harness h;
    CHECK(h.Run({"COMMAND", "INFO", "get"}) == "*1\r\n" + std::string(kGetInfo));
    CHECK(h.Run({"COMMAND", "INFO", "GET"}) == "*1\r\n" + std::string(kGetInfo));
    h.Run({"HELLO", "3"});
    CHECK(h.Run({"COMMAND", "INFO", "get"}) == "*1\r\n" + std::string(kGetInfoResp3));
  }

  TEST_CASE("COMMAND INFO finds subcommands by full name and answers nil for unknown names") {
    Harness h;
    CHECK(h.Run({"COMMAND", "INFO", "config|get"}) == "*1\r\n" + std::string(kConfigGetInfo));
    CHECK(h.Run({"COMMAND", "INFO", "nosuch", "get"}) == "*2\r\n$-1\r\n" + std::string(kGetInfo));
    CHECK(h.Run({"COMMAND", "INFO", "get|foo"}) == "*1\r\n$-1\r\n");
  }

  TEST_CASE("COMMAND INFO reports Redis's tips") {
    Harness h;
    CHECK(h.Run({"COMMAND", "INFO", "time"}) ==
          "*1\r\n*10\r\n$4\r\ntime\r\n:1\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n"
          ":0\r\n*1\r\n+@fast\r\n*1\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n");
  }

  TEST_CASE("COMMAND INFO of a container lists its subcommands as an array") {
    Harness h;
    std::string reply = h.Run({"COMMAND", "INFO", "config"});
    CHECK(reply.rfind("*1\r\n*10\r\n$6\r\nconfig\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n*1\r\n+@slow\r\n"
                      "*0\r\n*0\r\n*5\r\n*10\r\n$10\r\nconfig|get\r\n",
                      0) == 0);
  }

  TEST_CASE("COMMAND and COMMAND INFO without names describe every command") {
    Harness h;
    const int n = static_cast<int>(h.server().commands.size());
    std::string all = h.Run({"COMMAND"});
    CHECK(ArrayLength(all) == n);
    CHECK(all == h.Run({"COMMAND", "INFO"}));
    CHECK(all.find(std::string(kGetInfo)) != std::string::npos);
  }

  TEST_CASE("COMMAND DOCS gives summary, since, group and complexity") {
    Harness h;
    CHECK(h.Run({"COMMAND", "DOCS", "get"}) == "*2\r\n" + Bulk("get") + "*8\r\n" + Bulk("summary") +
                                                   Bulk("Get the value of a key") + Bulk("since") +
                                                   Bulk("1.0.0") + Bulk("group") + Bulk("string") +
                                                   Bulk("complexity") + Bulk("O(1)"));
    CHECK(h.Run({"COMMAND", "DOCS", "nosuch"}) == "*0\r\n");
  }

  TEST_CASE("COMMAND DOCS in RESP3 is a map of maps, as Redis sends it") {
    Harness h;
    h.Run({"HELLO", "3"});
    CHECK(h.Run({"COMMAND", "DOCS", "config|help"}) ==
          "%1\r\n$11\r\nconfig|help\r\n%4\r\n$7\r\nsummary\r\n$49\r\nShow helpful text about "
          "the different subcommands\r\n$5\r\nsince\r\n$5\r\n5.0.0\r\n$5\r\ngroup\r\n$6\r\n"
          "server\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n");
  }

  TEST_CASE("COMMAND DOCS of a container nests its subcommands") {
    Harness h;
    std::string reply = h.Run({"COMMAND", "DOCS", "client"});
    const size_t subs = h.server().commands.Find("client")->subcommands.size();
    CHECK(reply.find(Bulk("subcommands") + "*" + std::to_string(2 * subs) + "\r\n" +
                     Bulk("client|id")) != std::string::npos);
    const int n = static_cast<int>(h.server().commands.size());
    CHECK(ArrayLength(h.Run({"COMMAND", "DOCS"})) == 2 * n);
  }

  TEST_CASE("COMMAND LIST names commands and subcommands, optionally filtered") {
    Harness h;
    std::vector<std::string> names = ParseBulkArray(h.Run({"COMMAND", "LIST"}));
    CHECK(std::count(names.begin(), names.end(), "get") == 1);
    CHECK(std::count(names.begin(), names.end(), "config|get") == 1);
    CHECK(h.Run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "conf*"}) ==
          BulkArray({"config", "config|get", "config|set", "config|resetstat", "config|rewrite",
                     "config|help"}));
    names = ParseBulkArray(h.Run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection"}));
    CHECK(std::count(names.begin(), names.end(), "ping") == 1);
    CHECK(std::count(names.begin(), names.end(), "client|kill") == 1);
    CHECK(std::count(names.begin(), names.end(), "get") == 0);
    CHECK(h.Run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"}) == "*0\r\n");
    CHECK(h.Run({"COMMAND", "LIST", "FILTERBY", "MODULE", "foo"}) == "*0\r\n");
  }

  TEST_CASE("COMMAND LIST syntax errors") {
    Harness h;
    CHECK(h.Run({"COMMAND", "LIST", "foo"}) == Err("ERR syntax error"));
    CHECK(h.Run({"COMMAND", "LIST", "FILTERBY", "PATTERN"}) == Err("ERR syntax error"));
    CHECK(h.Run({"COMMAND", "LIST", "FILTERBY", "foo", "bar"}) == Err("ERR syntax error"));
  }

  TEST_CASE("COMMAND GETKEYS extracts the keys of a full command") {
    Harness h;
    CHECK(h.Run({"COMMAND", "GETKEYS", "get", "a"}) == BulkArray({"a"}));
    CHECK(h.Run({"COMMAND", "GETKEYS", "SET", "a", "b", "EX", "10"}) == BulkArray({"a"}));
    CHECK(h.Run({"COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"}) == BulkArray({"a", "b"}));
    CHECK(h.Run({"COMMAND", "GETKEYSANDFLAGS", "get", "a"}) ==
          "*1\r\n*2\r\n" + Bulk("a") + "*2\r\n+RO\r\n+access\r\n");
  }

  TEST_CASE("COMMAND GETKEYS finds the keys of numkeys commands where their count says") {
    Harness h;
    CHECK(h.Run({"COMMAND", "GETKEYS", "zunion", "2", "a", "b", "WEIGHTS", "1", "2"}) ==
          BulkArray({"a", "b"}));
    CHECK(h.Run({"COMMAND", "GETKEYS", "zunionstore", "d", "2", "a", "b"}) ==
          BulkArray({"d", "a", "b"}));
    CHECK(h.Run({"COMMAND", "GETKEYS", "sintercard", "1", "a", "LIMIT", "5"}) == BulkArray({"a"}));
    CHECK(h.Run({"COMMAND", "GETKEYS", "lmpop", "2", "a", "b", "LEFT"}) == BulkArray({"a", "b"}));
    CHECK(h.Run({"COMMAND", "GETKEYS", "blmpop", "0", "2", "a", "b", "LEFT"}) ==
          BulkArray({"a", "b"}));
    CHECK(h.Run({"COMMAND", "GETKEYS", "bzmpop", "0", "1", "z", "MIN"}) == BulkArray({"z"}));
    // A count that is not one of the arguments after it (or none at all), as Redis answers.
    for (std::initializer_list<std::string_view> bad :
         {std::initializer_list<std::string_view>{"COMMAND", "GETKEYS", "zunion", "3", "a", "b"},
          {"COMMAND", "GETKEYS", "zunion", "x", "a"},
          {"COMMAND", "GETKEYS", "zunion", "-1", "a"},
          {"COMMAND", "GETKEYS", "zunion", "0", "a"}}) {
      CHECK(h.Run(bad) == Err("ERR Invalid arguments specified for command"));
    }
    CHECK(h.Run({"COMMAND", "GETKEYS", "zunionstore", "d", "0", "a"}) == BulkArray({"d"}));
  }

  TEST_CASE("COMMAND INFO shows a numkeys command as Redis does: movablekeys, no range") {
    Harness h;
    const std::string info = h.Run({"COMMAND", "INFO", "blmpop"});
    CHECK(info.find("*3\r\n+write\r\n+blocking\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n") !=
          std::string::npos);
    CHECK(info.find("+@blocking\r\n") != std::string::npos);
    CHECK(info.find("$6\r\nkeynum\r\n") != std::string::npos);
    CHECK(h.Run({"COMMAND", "INFO", "zunionstore"}).find("+movablekeys\r\n:1\r\n:1\r\n:1\r\n") !=
          std::string::npos);
  }

  TEST_CASE("COMMAND GETKEYS errors are Redis's") {
    Harness h;
    CHECK(h.Run({"COMMAND", "GETKEYS", "foo", "a"}) == Err("ERR Invalid command specified"));
    CHECK(h.Run({"COMMAND", "GETKEYS", "client", "foo"}) == Err("ERR Invalid command specified"));
    CHECK(h.Run({"COMMAND", "GETKEYS", "get", "a", "b"}) ==
          Err("ERR Invalid number of arguments specified for command"));
    CHECK(h.Run({"COMMAND", "GETKEYS", "echo", "a"}) ==
          Err("ERR The command has no key arguments"));
    CHECK(h.Run({"COMMAND", "GETKEYS", "client", "list"}) ==
          Err("ERR The command has no key arguments"));
    CHECK(h.Run({"COMMAND", "GETKEYS", "ping"}) ==
          Err("ERR wrong number of arguments for 'command|getkeys' command"));
  }

  TEST_CASE("COMMAND HELP and unknown subcommands") {
    Harness h;
    std::string help = h.Run({"COMMAND", "HELP"});
    CHECK(help.find("\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n") !=
          std::string::npos);
    CHECK(help.ends_with("\r\n+HELP\r\n+    Prints this help.\r\n"));
    CHECK(h.Run({"COMMAND", "nosuch"}) ==
          Err("ERR unknown subcommand 'nosuch'. Try COMMAND HELP."));
  }

  TEST_CASE("the connection and server commands carry Redis's flags") {
    Harness h;
    auto flags_of = [&](std::string_view name) {
      std::string reply = h.Run({"COMMAND", "INFO", name});
      size_t start = reply.find("\r\n*", 8) + 2;  // after name and arity
      return reply.substr(start, reply.find("\r\n:", start) - start);
    };
    CHECK(flags_of("auth") ==
          "*6\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n+no_auth\r\n+allow_busy");
    CHECK(flags_of("hello") == flags_of("auth"));
    CHECK(flags_of("quit") == flags_of("auth"));
    CHECK(flags_of("shutdown") ==
          "*6\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n+no_multi\r\n+allow_busy");
    CHECK(flags_of("time") == "*3\r\n+loading\r\n+stale\r\n+fast");
    CHECK(flags_of("info") == "*2\r\n+loading\r\n+stale");
    CHECK(flags_of("ping") == "*1\r\n+fast");
  }

  TEST_CASE("COMMAND needs authentication like ordinary commands") {
    Harness h;
    h.config().settings().requirepass = "secret";
    CHECK(h.Run({"COMMAND", "COUNT"}) == Err("NOAUTH Authentication required."));
    CHECK(h.Run({"AUTH", "secret"}) == Ok());
    CHECK(h.Run({"COMMAND", "COUNT"}) != Err("NOAUTH Authentication required."));
  }
}

TEST_SUITE("shutdown") {
  TEST_CASE("SHUTDOWN asks the server to stop and sends no reply when it starts") {
    Harness h;
    CHECK(h.Run({"SHUTDOWN"}) == "");
    CHECK(h.control().shutdown_requests == 1);
    CHECK_FALSE(h.control().last_save);
    CHECK_FALSE(h.control().last_nosave);
    CHECK_FALSE(h.control().last_force);
    CHECK(h.Run({"SHUTDOWN", "NOSAVE", "NOW", "FORCE"}) == "");
    CHECK(h.control().last_nosave);
    CHECK(h.control().last_force);
    CHECK(h.Run({"shutdown", "save"}) == "");
    CHECK(h.control().last_save);
    CHECK_FALSE(h.control().last_force);
    CHECK(h.control().shutdown_requests == 3);
  }

  TEST_CASE("SHUTDOWN passes on the server's refusal") {
    Harness h;
    h.control().error = "ERR Errors trying to SHUTDOWN. Check logs.";
    CHECK(h.Run({"SHUTDOWN"}) == Err("ERR Errors trying to SHUTDOWN. Check logs."));
  }

  TEST_CASE("SHUTDOWN option errors and ABORT") {
    Harness h;
    CHECK(h.Run({"SHUTDOWN", "foo"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SHUTDOWN", "NOSAVE", "SAVE"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SHUTDOWN", "ABORT", "NOW"}) == Err("ERR syntax error"));
    CHECK(h.Run({"SHUTDOWN", "ABORT"}) == Err("ERR No shutdown in progress."));
    CHECK(h.control().shutdown_requests == 0);
  }

  TEST_CASE("SHUTDOWN without a server to stop is an error") {
    Harness h;
    h.server().control = nullptr;
    CHECK(h.Run({"SHUTDOWN"}) == Err("ERR SHUTDOWN is not available in this server"));
  }
}
