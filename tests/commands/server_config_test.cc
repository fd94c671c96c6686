#include <doctest/doctest.h>

#include <filesystem>

#include "commands/harness.h"

using namespace basalt::test;

namespace {

std::string SetFailed(std::string_view name, std::string_view why) {
  return Err("ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
             std::string(why));
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("CONFIG GET of an exact name echoes the name as spelled") {
    Harness h;
    CHECK(h.Run({"CONFIG", "GET", "maxmemory"}) == BulkArray({"maxmemory", "0"}));
    CHECK(h.Run({"CONFIG", "GET", "MAXMEMORY"}) == BulkArray({"MAXMEMORY", "0"}));
    CHECK(h.Run({"CONFIG", "GET", "nosuch"}) == "*0\r\n");
  }

  TEST_CASE("CONFIG GET globs match case-insensitively and report the parameter's name") {
    Harness h;
    CHECK(h.Run({"CONFIG", "GET", "MAXMEMORY-P*"}) ==
          BulkArray({"maxmemory-policy", "noeviction"}));
    CHECK(h.Run({"CONFIG", "GET", "p[o]rt"}) == BulkArray({"port", "6379"}));
    std::vector<std::string> all = ParseBulkArray(h.Run({"CONFIG", "GET", "*"}));
    size_t names = 0;  // a parameter and its older alias are listed apart, as in Redis
    for (const basalt::config::ParamDef& def : h.config().params())
      names += def.alias.empty() ? 1 : 2;
    CHECK(all.size() == 2 * names);
    CHECK(h.Run({"CONFIG", "GET", "hash-max-zip*"}) ==
          BulkArray({"hash-max-ziplist-entries", "512", "hash-max-ziplist-value", "64"}));
    CHECK(h.Run({"CONFIG", "GET", "SLAVE-READ-ONLY"}) == BulkArray({"SLAVE-READ-ONLY", "yes"}));
  }

  TEST_CASE("CONFIG GET with several patterns lists each parameter once") {
    Harness h;
    CHECK(h.Run({"CONFIG", "GET", "port", "hz"}) == BulkArray({"port", "6379", "hz", "10"}));
    CHECK(h.Run({"CONFIG", "GET", "port", "PORT", "po*"}) == BulkArray({"port", "6379"}));
  }

  TEST_CASE("CONFIG GET replies with a map in RESP3") {
    Harness h;
    h.Run({"HELLO", "3"});
    CHECK(h.Run({"CONFIG", "GET", "hz", "port"}) ==
          "%2\r\n" + Bulk("hz") + Bulk("10") + Bulk("port") + Bulk("6379"));
  }

  TEST_CASE("CONFIG SET changes values, with memory units and yes/no") {
    Harness h;
    CHECK(h.Run({"CONFIG", "SET", "maxmemory", "100mb", "appendonly", "yes"}) == Ok());
    CHECK(h.config().settings().maxmemory == 100LL * 1024 * 1024);
    CHECK(h.config().settings().appendonly);
    CHECK(h.Run({"CONFIG", "GET", "maxmemory"}) == BulkArray({"maxmemory", "104857600"}));
    CHECK(h.Run({"config", "set", "HZ", "20"}) == Ok());
    CHECK(h.config().settings().hz == 20);
  }

  TEST_CASE("CONFIG SET refuses unknown, immutable and repeated parameters as Redis says") {
    Harness h;
    CHECK(h.Run({"CONFIG", "SET", "foo", "bar"}) ==
          Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"));
    CHECK(h.Run({"CONFIG", "SET", "hz", "abc", "foo", "bar"}) ==
          Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"));
    CHECK(h.Run({"CONFIG", "SET", "port", "7000"}) ==
          SetFailed("port", "can't set immutable config"));
    CHECK(h.Run({"CONFIG", "SET", "DATABASES", "5"}) ==
          SetFailed("DATABASES", "can't set immutable config"));
    CHECK(h.Run({"CONFIG", "SET", "hz", "abc", "databases", "5"}) ==
          SetFailed("databases", "can't set immutable config"));
    CHECK(h.Run({"CONFIG", "SET", "hz", "10", "HZ", "11"}) ==
          SetFailed("HZ", "duplicate parameter"));
  }

  TEST_CASE("dir and dbfilename are protected: CONFIG SET changes them only when allowed") {
    Harness h;
    h.session().peer = "10.0.0.7:50000";
    CHECK(h.Run({"CONFIG", "SET", "dir", "/tmp"}) ==
          SetFailed("dir", "can't set protected config"));
    CHECK(h.Run({"CONFIG", "SET", "hz", "20", "DBFILENAME", "x.rdb"}) ==
          SetFailed("DBFILENAME", "can't set protected config"));
    CHECK(h.config().settings().hz == 10);  // nothing applied
    CHECK(h.Run({"CONFIG", "SET", "enable-protected-configs", "yes"}) ==
          SetFailed("enable-protected-configs", "can't set immutable config"));
    // local: only clients on the loopback address.
    REQUIRE(h.config()
                .Set("enable-protected-configs", "local", basalt::config::Config::Origin::kStartup)
                .ok());
    CHECK(h.Run({"CONFIG", "SET", "dbfilename", "x.rdb"}) ==
          SetFailed("dbfilename", "can't set protected config"));
    for (const char* peer : {"127.0.0.1:50000", "::1:50000"}) {
      h.session().peer = peer;
      CHECK(h.Run({"CONFIG", "SET", "dbfilename", "x.rdb"}) == Ok());
    }
    h.session().peer = "10.0.0.7:50000";
    REQUIRE(h.config()
                .Set("enable-protected-configs", "yes", basalt::config::Config::Origin::kStartup)
                .ok());
    CHECK(h.Run({"CONFIG", "SET", "dbfilename", "y.rdb"}) == Ok());
    CHECK(h.Run({"CONFIG", "GET", "dbfilename"}) == BulkArray({"dbfilename", "y.rdb"}));
    CHECK(h.Run({"CONFIG", "SET", "dbfilename", "a/b.rdb"}) ==
          SetFailed("dbfilename", "dbfilename can't be a path, just a filename"));
    CHECK(h.Run({"CONFIG", "GET", "enable-protected-configs"}) ==
          BulkArray({"enable-protected-configs", "yes"}));
  }

  TEST_CASE("CONFIG GET dir answers an absolute path, as Redis's getcwd()") {
    Harness h;
    REQUIRE(h.config().Set("dir", "/tmp/./", basalt::config::Config::Origin::kStartup).ok());
    CHECK(h.Run({"CONFIG", "GET", "dir"}) == BulkArray({"dir", "/tmp"}));
    REQUIRE(h.config().Set("dir", "/", basalt::config::Config::Origin::kStartup).ok());
    CHECK(h.Run({"CONFIG", "GET", "dir"}) == BulkArray({"dir", "/"}));
    REQUIRE(h.config().Set("dir", "./", basalt::config::Config::Origin::kStartup).ok());
    std::vector<std::string> got = ParseBulkArray(h.Run({"CONFIG", "GET", "dir"}));
    REQUIRE(got.size() == 2);
    CHECK(got[1] == std::filesystem::current_path().string());
  }

  TEST_CASE("CONFIG SET value errors name the parameter and give Redis's reason") {
    Harness h;
    CHECK(h.Run({"CONFIG", "SET", "HZ", "abc"}) ==
          SetFailed("hz", "argument couldn't be parsed into an integer"));
    CHECK(h.Run({"CONFIG", "SET", "hz", "1000000000000"}) ==
          SetFailed("hz", "argument must be between 0 and 2147483647 inclusive"));
    CHECK(h.Run({"CONFIG", "SET", "timeout", "-1"}) ==
          SetFailed("timeout", "argument must be between 0 and 2147483647 inclusive"));
    CHECK(h.Run({"CONFIG", "SET", "maxmemory", "abc"}) ==
          SetFailed("maxmemory", "argument must be a memory value"));
    CHECK(h.Run({"CONFIG", "SET", "appendonly", "maybe"}) ==
          SetFailed("appendonly", "argument must be 'yes' or 'no'"));
    CHECK(h.Run({"CONFIG", "SET", "loglevel", "foo"}) ==
          SetFailed("loglevel",
                    "argument(s) must be one of the following: debug, verbose, notice, warning"));
    CHECK(h.Run({"CONFIG", "SET", "save", "10 a"}) == SetFailed("save", "Invalid save parameters"));
    CHECK(h.Run({"CONFIG", "SET", "maxclients", "0"}) ==
          SetFailed("maxclients", "argument must be between 1 and 4294967295 inclusive"));
  }

  TEST_CASE("CONFIG SET argument count errors") {
    Harness h;
    CHECK(h.Run({"CONFIG", "SET", "hz"}) ==
          Err("ERR wrong number of arguments for 'config|set' command"));
    CHECK(h.Run({"CONFIG", "SET", "hz", "10", "maxmemory"}) == Err("ERR syntax error"));
    CHECK(h.Run({"CONFIG", "GET"}) ==
          Err("ERR wrong number of arguments for 'config|get' command"));
    CHECK(h.Run({"CONFIG"}) == Err("ERR wrong number of arguments for 'config' command"));
  }

  TEST_CASE("CONFIG SET is all or nothing") {
    Harness h;
    int hz_changes = 0;
    h.config().OnChange("hz", [&] { ++hz_changes; });
    CHECK(h.Run({"CONFIG", "SET", "hz", "20", "maxmemory", "abc"}) ==
          SetFailed("maxmemory", "argument must be a memory value"));
    CHECK(h.config().settings().hz == 10);
    CHECK(hz_changes == 0);
    CHECK(h.Run({"CONFIG", "SET", "hz", "20", "maxmemory", "1gb"}) == Ok());
    CHECK(h.config().settings().hz == 20);
    CHECK(h.config().settings().maxmemory == 1024LL * 1024 * 1024);
    CHECK(hz_changes == 1);
  }

  TEST_CASE("CONFIG SET refused while applying sets back the pairs applied before it") {
    Harness h;
    bool refuse = true;  // as maxclients is refused beyond the open-file limit
    h.config().OnChangeMayFail("maxmemory", [&] {
      return refuse ? basalt::Status::InvalidArgument("no room") : basalt::Status::Ok();
    });
    std::vector<int64_t> hz_seen;
    h.config().OnChange("hz", [&] { hz_seen.push_back(h.config().settings().hz); });
    CHECK(h.Run({"CONFIG", "SET", "hz", "20", "maxmemory", "1gb", "maxclients", "50"}) ==
          SetFailed("maxmemory", "no room"));
    CHECK(h.config().settings().hz == 10);
    CHECK(h.config().settings().maxmemory == 0);
    CHECK(h.config().settings().maxclients == 10000);
    CHECK(hz_seen == std::vector<int64_t>{20, 10});  // listeners learn of the way back too
    refuse = false;
    CHECK(h.Run({"CONFIG", "SET", "hz", "20", "maxmemory", "1gb"}) == Ok());
    CHECK(h.config().settings().hz == 20);
  }

  TEST_CASE("CONFIG REWRITE needs a config file") {
    Harness h;
    CHECK(h.Run({"CONFIG", "REWRITE"}) == Err("ERR The server is running without a config file"));
    h.server().config_file = "/etc/basalt.toml";
    CHECK(h.Run({"CONFIG", "REWRITE"}) ==
          Err("ERR CONFIG REWRITE is not supported for TOML config files"));
  }

  TEST_CASE("CONFIG HELP and unknown subcommands") {
    Harness h;
    std::string help = h.Run({"CONFIG", "HELP"});
    CHECK(help.rfind("*", 0) == 0);
    CHECK(help.find("\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n") !=
          std::string::npos);
    CHECK(help.ends_with("\r\n+HELP\r\n+    Prints this help.\r\n"));
    CHECK(h.Run({"CONFIG", "nope"}) == Err("ERR unknown subcommand 'nope'. Try CONFIG HELP."));
  }
}
