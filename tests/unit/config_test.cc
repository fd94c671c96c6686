// Config: the parameter table, Set/Get with Redis's error texts (checked with CONFIG SET on
// redis-server 7.0.15), the TOML loader, command-line flags, and config/basalt.toml itself.
#include "config/config.h"

#include <doctest/doctest.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace basalt::config {
namespace {

using Origin = Config::Origin;

std::string SetError(Config& c, std::string_view name, std::string_view value,
                     Origin origin = Origin::kRuntime) {
  Status st = c.Set(name, value, origin);
  return st.ok() ? "OK" : st.message();
}

std::string Get(const Config& c, std::string_view name) {
  const ParamDef* def = c.Find(name);
  REQUIRE(def != nullptr);
  return c.Get(*def);
}

// A TOML file in the temp directory, removed at scope exit.
class TempToml {
 public:
  explicit TempToml(const std::string& text) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("basalt_config_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) +
              ".toml"))
                .string();
    std::ofstream(path_) << text;
  }
  ~TempToml() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string LoadError(Config& c, const std::string& text) {
  TempToml file(text);
  Status st = c.LoadToml(file.path());
  if (st.ok()) return "OK";
  // Drop the temp path so messages compare stably.
  std::string msg = st.message();
  if (msg.rfind(file.path(), 0) == 0) msg = "<file>" + msg.substr(file.path().size());
  return msg;
}

Status ApplyArgs(Config& c, std::vector<std::string> args) { return c.ApplyCommandLine(args); }

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("defaults read back as Redis prints them") {
    Config c;
    CHECK(Get(c, "port") == "6379");
    CHECK(Get(c, "bind") == "127.0.0.1");
    CHECK(Get(c, "databases") == "16");
    CHECK(Get(c, "hz") == "10");
    CHECK(Get(c, "daemonize") == "no");
    CHECK(Get(c, "pidfile") == "");
    CHECK(SetError(c, "daemonize", "yes") == "can't set immutable config");
    CHECK(Get(c, "supervised") == "no");
    CHECK(SetError(c, "supervised", "systemd") == "can't set immutable config");
    CHECK(Get(c, "loglevel") == "notice");
    CHECK(Get(c, "maxmemory") == "0");
    CHECK(Get(c, "maxmemory-policy") == "noeviction");
    CHECK(Get(c, "proto-max-bulk-len") == "536870912");
    CHECK(Get(c, "client-query-buffer-limit") == "1073741824");
    CHECK(Get(c, "save") == "3600 1 300 100 60 10000");
    CHECK(Get(c, "appendonly") == "no");
    CHECK(Get(c, "rdbcompression") == "yes");
    CHECK(Get(c, "appendfsync") == "everysec");
    CHECK(Get(c, "requirepass") == "");
    CHECK(Get(c, "auto-aof-rewrite-min-size") == "67108864");
    CHECK(Get(c, "client-output-buffer-limit") ==
          "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  }

  TEST_CASE("parameter names are unique and found case-insensitively") {
    Config c;
    std::set<std::string> names;
    for (const ParamDef& p : c.params()) {
      CHECK(names.insert(std::string(p.name)).second);
      CHECK(c.Find(p.name) == &p);
      CHECK_FALSE(p.help.empty());
    }
    CHECK(c.Find("MaxMemory") == c.Find("maxmemory"));
    CHECK(c.Find("no-such-thing") == nullptr);
  }

  TEST_CASE("booleans take yes or no in any case") {
    Config c;
    CHECK(SetError(c, "rdbcompression", "no") == "OK");
    CHECK_FALSE(c.settings().rdbcompression);
    CHECK(SetError(c, "rdbcompression", "YES") == "OK");
    CHECK(c.settings().rdbcompression);
    for (const char* bad : {"1", "true", "", "yes "}) {
      CHECK(SetError(c, "rdbcompression", bad) == "argument must be 'yes' or 'no'");
    }
    CHECK(c.settings().rdbcompression);
  }

  TEST_CASE("integers follow string2ll and their bounds") {
    Config c;
    CHECK(SetError(c, "hz", "100") == "OK");
    CHECK(c.settings().hz == 100);
    for (const char* bad : {"abc", "01", "+1", " 5", "5 ", "1.5", ""}) {
      CAPTURE(bad);
      CHECK(SetError(c, "hz", bad) == "argument couldn't be parsed into an integer");
    }
    CHECK(SetError(c, "hz", "-1") == "argument must be between 0 and 2147483647 inclusive");
    CHECK(SetError(c, "hz", "1000000000000") ==
          "argument must be between 0 and 2147483647 inclusive");
    CHECK(SetError(c, "maxclients", "0") == "argument must be between 1 and 4294967295 inclusive");
    CHECK(SetError(c, "port", "65536", Origin::kStartup) ==
          "argument must be between 0 and 65535 inclusive");
    CHECK(c.settings().hz == 100);
  }

  TEST_CASE("memory values take units and report their bounds") {
    Config c;
    CHECK(SetError(c, "maxmemory", "1mb") == "OK");
    CHECK(c.settings().maxmemory == 1024 * 1024);
    CHECK(Get(c, "maxmemory") == "1048576");
    CHECK(SetError(c, "maxmemory", "1GB") == "OK");
    CHECK(SetError(c, "maxmemory", "") == "OK");  // memtoull reads "" as 0, as Redis does
    CHECK(c.settings().maxmemory == 0);
    for (const char* bad : {"-1", "1x", "1.5mb", " 1"}) {
      CAPTURE(bad);
      CHECK(SetError(c, "maxmemory", bad) == "argument must be a memory value");
    }
    CHECK(SetError(c, "proto-max-bulk-len", "1") ==
          "argument must be between 1048576 and 9223372036854775807 inclusive");
    CHECK(SetError(c, "proto-max-bulk-len", "1mb") == "OK");
  }

  TEST_CASE("enums list their choices, and store the canonical spelling") {
    Config c;
    CHECK(SetError(c, "loglevel", "foo") ==
          "argument(s) must be one of the following: debug, verbose, notice, warning");
    CHECK(SetError(c, "appendfsync", "sometimes") ==
          "argument(s) must be one of the following: always, everysec, no");
    CHECK(SetError(c, "loglevel", "WARNING") == "OK");
    CHECK(Get(c, "loglevel") == "warning");
  }

  TEST_CASE("save points and output buffer limits are validated as a whole") {
    Config c;
    CHECK(SetError(c, "save", "900 1 300 10") == "OK");
    CHECK(Get(c, "save") == "900 1 300 10");
    CHECK(SetError(c, "save", "100 0") == "OK");
    for (const char* bad : {"900", "0 1", "abc 1", "900 -1", "900 1 300"}) {
      CAPTURE(bad);
      CHECK(SetError(c, "save", bad) == "Invalid save parameters");
    }
    CHECK(Get(c, "save") == "100 0");
    CHECK(SetError(c, "save", "") == "OK");
    CHECK(c.settings().save.empty());
    CHECK(Get(c, "save") == "");

    CHECK(SetError(c, "client-output-buffer-limit", "replica 1mb 2kb 30") == "OK");
    CHECK(Get(c, "client-output-buffer-limit") ==
          "normal 0 0 0 slave 1048576 2048 30 pubsub 33554432 8388608 60");
    CHECK(SetError(c, "client-output-buffer-limit", "normal 0 0") ==
          "Wrong number of arguments in buffer limit configuration.");
    CHECK(SetError(c, "client-output-buffer-limit", "foo 0 0 0") ==
          "Invalid client class specified in buffer limit configuration.");
    CHECK(SetError(c, "client-output-buffer-limit", "normal x 0 0") ==
          "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    CHECK(SetError(c, "client-output-buffer-limit", "normal 1mb 1kb -1") ==
          "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    // A failed multi-class set changes nothing.
    CHECK(SetError(c, "client-output-buffer-limit", "pubsub 1 1 1 normal x 0 0") != "OK");
    CHECK(c.settings().output_limit_pubsub.hard_bytes == 32LL * 1024 * 1024);
  }

  TEST_CASE("immutable parameters are refused only at runtime") {
    Config c;
    CHECK(SetError(c, "databases", "5") == "can't set immutable config");
    CHECK(c.settings().databases == 16);
    CHECK(SetError(c, "databases", "5", Origin::kStartup) == "OK");
    CHECK(c.settings().databases == 5);
    Status unknown = c.Set("no-such-thing", "1", Origin::kRuntime);
    CHECK(unknown.IsNotFound());
  }

  TEST_CASE("change listeners run after a successful runtime set only") {
    Config c;
    int calls = 0;
    c.OnChange("loglevel", [&] { ++calls; });
    CHECK(c.Set("loglevel", "debug", Origin::kStartup).ok());
    CHECK(calls == 0);
    CHECK(c.Set("LOGLEVEL", "verbose", Origin::kRuntime).ok());
    CHECK(calls == 1);
    CHECK_FALSE(c.Set("loglevel", "bogus", Origin::kRuntime).ok());
    CHECK(calls == 1);
  }

  TEST_CASE("a change that fails to take effect keeps the previous value") {
    Config c;
    int calls = 0;
    c.OnChangeMayFail("appendonly", [&] {
      ++calls;
      return Status::IoError("Unable to turn on AOF. Check server logs.");
    });
    Status st = c.Set("appendonly", "yes", Config::Origin::kRuntime);
    CHECK(st.message() == "Unable to turn on AOF. Check server logs.");
    CHECK(calls == 1);
    CHECK_FALSE(c.settings().appendonly);
    // Startup applies the value without listeners (nothing is running yet to refuse it).
    CHECK(c.Set("appendonly", "yes", Config::Origin::kStartup).ok());
    CHECK(c.settings().appendonly);
  }

  TEST_CASE("a TOML file sets parameters by their Redis names") {
    Config c;
    CHECK(LoadError(c,
                    "port = 6380\n"
                    "appendonly = true\n"
                    "maxmemory = \"100mb\"\n"
                    "auto-aof-rewrite-min-size = 1024\n"
                    "save = \"\"\n"
                    "loglevel = \"debug\"\n"
                    "databases = 4\n") == "OK");
    CHECK(c.settings().port == 6380);
    CHECK(c.settings().appendonly);
    CHECK(c.settings().maxmemory == 100LL * 1024 * 1024);
    CHECK(c.settings().auto_aof_rewrite_min_size == 1024);
    CHECK(c.settings().save.empty());
    CHECK(c.settings().loglevel == "debug");
    CHECK(c.settings().databases == 4);
  }

  TEST_CASE("TOML errors name the key and the problem") {
    Config c;
    CHECK(LoadError(c, "prot = 1\n") == "<file>: unknown configuration key 'prot'");
    CHECK(LoadError(c, "port = \"6380\"\n") ==
          "<file>: invalid value for 'port': must be an integer");
    CHECK(LoadError(c, "appendonly = \"yes\"\n") ==
          "<file>: invalid value for 'appendonly': must be true or false");
    CHECK(LoadError(c, "dir = 5\n") == "<file>: invalid value for 'dir': must be a string");
    CHECK(LoadError(c, "maxmemory = 1.5\n") ==
          "<file>: invalid value for 'maxmemory': must be an integer or a size such as \"512mb\"");
    CHECK(LoadError(c, "port = 70000\n") ==
          "<file>: invalid value for 'port': argument must be between 0 and 65535 inclusive");
    CHECK(LoadError(c, "maxmemory = \"lots\"\n") ==
          "<file>: invalid value for 'maxmemory': argument must be a memory value");
    CHECK(LoadError(c, "[network]\nport = 1\n") == "<file>: unknown configuration key 'network'");
    std::string syntax = LoadError(c, "port = \n");
    CHECK(syntax.rfind("<file>:1: ", 0) == 0);
    CHECK(c.settings().port == 6379);  // nothing above took effect
    Status missing = c.LoadToml("/nonexistent/dir/basalt.toml");
    CHECK_FALSE(missing.ok());
  }

  TEST_CASE("command-line flags take one or more words up to the next flag") {
    Config c;
    REQUIRE(
        ApplyArgs(c, {"--port", "6380", "--save", "900", "1", "300", "10", "--loglevel", "warning"})
            .ok());
    CHECK(c.settings().port == 6380);
    CHECK(Get(c, "save") == "900 1 300 10");
    CHECK(c.settings().loglevel == "warning");
    REQUIRE(ApplyArgs(c, {"--save", "", "--databases", "2"}).ok());  // --save ''
    CHECK(c.settings().save.empty());
    CHECK(c.settings().databases == 2);
    REQUIRE(ApplyArgs(c, {"--bind", "127.0.0.1", "::1"}).ok());
    CHECK(c.settings().bind == "127.0.0.1 ::1");
    REQUIRE(ApplyArgs(c, {}).ok());
  }

  TEST_CASE("--save without a value means no save points, as in Redis") {
    Config c;
    REQUIRE(ApplyArgs(c, {"--save"}).ok());
    CHECK(c.settings().save.empty());
    Config d;
    REQUIRE(ApplyArgs(d, {"--save", "--port", "7000"}).ok());
    CHECK(d.settings().save.empty());
    CHECK(d.settings().port == 7000);
  }

  TEST_CASE("bad command-line flags are reported with the flag's name") {
    Config c;
    Status unknown = ApplyArgs(c, {"--no-such-option", "1"});
    CHECK(unknown.message() == "unknown option '--no-such-option'");
    Status missing = ApplyArgs(c, {"--port"});
    CHECK(missing.message() == "missing value for '--port'");
    Status bad = ApplyArgs(c, {"--port", "x"});
    CHECK(bad.message() == "invalid value for 'port': argument couldn't be parsed into an integer");
    Status stray = ApplyArgs(c, {"6380"});
    CHECK(stray.message() == "unexpected argument '6380'");
    CHECK(c.settings().port == 6379);
  }

  TEST_CASE("config/basalt.toml loads cleanly, lists every parameter, and shows the defaults") {
    const std::string path = std::string(BASALT_SOURCE_DIR) + "/config/basalt.toml";
    Config loaded;
    Status st = loaded.LoadToml(path);
    REQUIRE_MESSAGE(st.ok(), st.message());
    toml::table root = toml::parse_file(path);
    const Config defaults;
    std::set<std::string> in_file;
    for (const auto& [key, node] : root) in_file.insert(std::string(key.str()));
    for (const ParamDef& p : defaults.params()) {
      CAPTURE(p.name);
      CHECK(in_file.count(std::string(p.name)) == 1);
      CHECK(loaded.Get(*loaded.Find(p.name)) == defaults.Get(p));
    }
    CHECK(in_file.size() == defaults.params().size());
  }

}  // TEST_SUITE

}  // namespace basalt::config
