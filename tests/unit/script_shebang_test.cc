#include <doctest/doctest.h>

#include <string>

#include "scripting/lua_scripts.h"

namespace basalt::scripting {

TEST_CASE("a script without a shebang is compiled as written, in compatibility mode") {
  ScriptFlags flags;
  std::string code;
  CHECK(ParseShebang("return 1", &flags, &code).empty());
  CHECK_FALSE(flags.shebang);
  CHECK(code == "return 1");
}

TEST_CASE("shebang flags are read and the shebang line is left empty") {
  ScriptFlags flags;
  std::string code;
  CHECK(ParseShebang("#!lua flags=no-writes,allow-oom\nreturn 1", &flags, &code).empty());
  CHECK(flags.shebang);
  CHECK(flags.no_writes);
  CHECK(flags.allow_oom);
  CHECK_FALSE(flags.allow_stale);
  CHECK(code == "\nreturn 1");  // line 2 stays line 2 in error messages
  CHECK(ParseShebang("#!lua flags=\nreturn 1", &flags, &code).empty());
  CHECK_FALSE(flags.no_writes);
  CHECK(ParseShebang("#!lua flags=no-cluster,allow-cross-slot-keys,allow-stale\n", &flags, &code)
            .empty());
  CHECK(flags.allow_stale);
}

TEST_CASE("a malformed shebang gets Redis's error") {
  ScriptFlags flags;
  std::string code;
  CHECK(ParseShebang("#!lua", &flags, &code) == "ERR Invalid script shebang");
  CHECK(ParseShebang("#!lux\nreturn 1", &flags, &code) ==
        "ERR Unexpected engine in script shebang: #!lux");
  CHECK(ParseShebang("#!lua flags=foo\nreturn 1", &flags, &code) ==
        "ERR Unexpected flag in script shebang: foo");
  CHECK(ParseShebang("#!lua flags=no-writes,\nreturn 1", &flags, &code) ==
        "ERR Unexpected flag in script shebang: ");
  CHECK(ParseShebang("#!lua name=x\nreturn 1", &flags, &code) ==
        "ERR Unknown lua shebang option: name=x");
}

}  // namespace basalt::scripting
