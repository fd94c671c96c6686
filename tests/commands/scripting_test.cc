// EVAL / EVALSHA / EVAL_RO / SCRIPT through the in-process harness: what a script puts on the
// write stream (its effects, never the script), the frozen clock inside a script, WATCH and
// MULTI around scripts, the OOM rules, the script cache, blocking commands inside and around
// scripts, and RESP3 replies. Expected bytes and write streams were taken from redis-server
// 7.0.15 (the write streams from its AOF).
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "commands/harness.h"
#include "common/sha1.h"

using namespace basalt;
using namespace basalt::test;

namespace {

using Lines = std::vector<std::string>;

// The error a script raised by redis.call (or error()) on its first line, as EVAL answers it.
std::string ScriptError(std::string_view message, std::string_view body) {
  return Err(std::string(message) + " script: " + Sha1Hex(body) + ", on @user_script:1.");
}

std::string InfoField(Harness& h, std::string_view section, std::string_view field) {
  const std::string info = h.Run({"INFO", section});
  const size_t at = info.find("\r\n" + std::string(field) + ":");
  if (at == std::string::npos) return "";
  const size_t begin = at + 2 + field.size() + 1;
  return info.substr(begin, info.find("\r\n", begin) - begin);
}

std::string CachedScripts(Harness& h) { return InfoField(h, "memory", "number_of_cached_scripts"); }

const std::string kOom = "OOM command not allowed when used memory > 'maxmemory'.";

// Puts the harness over its memory limit with nothing to evict: every later command is
// admitted in the out-of-memory state (memory is process-wide, always above 1 byte).
void RunOutOfMemory(Harness& h) {
  h.Run({"SET", "x", std::string(100, 'x')});
  REQUIRE(h.Run({"CONFIG", "SET", "maxmemory-policy", "noeviction"}) == Ok());
  REQUIRE(h.Run({"CONFIG", "SET", "maxmemory", "1"}) == Ok());
  REQUIRE(h.Run({"SET", "y", "1"}) == Err(kOom));
}

}  // namespace

TEST_SUITE("scripting") {
  TEST_CASE("a script's two writes go out as MULTI, the writes, EXEC, and never the EVAL") {
    Harness h;
    CHECK(h.Run({"EVAL", "redis.call('SET', KEYS[1], ARGV[1]); redis.call('INCR', 'n'); return 1",
                 "1", "a", "v"}) == Int(1));
    CHECK(h.propagated().units == 1);
    CHECK(h.propagated().lines == Lines{"MULTI", "SET a v", "INCR n", "EXEC"});
    CHECK(h.Run({"GET", "a"}) == Bulk("v"));
  }

  TEST_CASE("a script with one write sends that write alone, unwrapped") {
    Harness h;
    CHECK(h.Run({"EVAL", "return redis.call('SET', KEYS[1], 'one')", "1", "b"}) == Ok());
    CHECK(h.propagated().units == 1);
    CHECK(h.propagated().lines == Lines{"SET b one"});
    CHECK(h.propagated().dbs == std::vector<int>{0});
  }

  TEST_CASE("redis.set_repl(REPL_NONE) keeps the next writes off the stream, REPL_ALL resumes") {
    Harness h;
    CHECK(h.Run({"EVAL",
                 "redis.call('SET', 'a', '1') redis.set_repl(redis.REPL_NONE) "
                 "redis.call('SET', 'b', '2') redis.set_repl(redis.REPL_ALL) "
                 "return redis.call('SET', 'c', '3')",
                 "0"}) == Ok());
    CHECK(h.propagated().lines == Lines{"MULTI", "SET a 1", "SET c 3", "EXEC"});
    CHECK(h.Run({"MGET", "a", "b", "c"}) == "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
    // The next script starts propagating again.
    CHECK(h.Run({"EVAL", "return redis.call('SET', 'd', '4')", "0"}) == Ok());
    CHECK(h.propagated().lines.back() == "SET d 4");
  }

  TEST_CASE("a script that only reads, or writes that change nothing, sends nothing") {
    Harness h;
    h.Run({"SET", "a", "v"});
    const size_t units = h.propagated().units;
    CHECK(h.Run({"EVAL", "return redis.call('GET', KEYS[1])", "1", "a"}) == Bulk("v"));
    CHECK(h.Run({"EVAL", "redis.call('GET', 'a'); return redis.call('DEL', 'nokey')", "0"}) ==
          Int(0));
    CHECK(h.Run({"EVAL_RO", "return redis.call('EXISTS', KEYS[1])", "1", "a"}) == Int(1));
    CHECK(h.Run({"EVAL", "return 1", "0"}) == Int(1));
    CHECK(h.propagated().units == units);
    CHECK(h.propagated().lines == Lines{"SET a v"});
  }

  TEST_CASE("SET EX inside a script goes out with an absolute PXAT, as a client's SET EX") {
    Harness h;
    const std::string at = std::to_string(h.clock().NowMs() + 100'000);
    CHECK(h.Run({"SET", "c", "v", "EX", "100"}) == Ok());
    CHECK(h.Run({"EVAL", "return redis.call('SET', KEYS[1], 'v', 'EX', 100)", "1", "t"}) == Ok());
    CHECK(h.propagated().lines == Lines{"SET c v PXAT " + at, "SET t v PXAT " + at});
    CHECK(h.Run({"PTTL", "t"}) == Int(100'000));
  }

  TEST_CASE(
      "a script's SELECT moves only the script: its write goes out in db 1, the caller "
      "stays in db 0") {
    Harness h;
    CHECK(h.Run({"EVAL",
                 "redis.call('SELECT', 1); redis.call('SET', KEYS[1], 'one'); "
                 "return redis.call('GET', KEYS[1])",
                 "1", "k"}) == Bulk("one"));
    CHECK(h.propagated().lines == Lines{"SET k one"});
    CHECK(h.propagated().dbs == std::vector<int>{1});
    CHECK(h.session().db == 0);
    CHECK(h.Run({"GET", "k"}) == Nil());
    // The next script starts in its caller's database again.
    CHECK(h.Run({"EVAL", "return redis.call('GET', KEYS[1])", "1", "k"}) == Nil());
    CHECK(h.Run({"SET", "x", "1"}) == Ok());
    CHECK(h.propagated().lines == Lines{"SET k one", "SET x 1"});
    CHECK(h.propagated().dbs == std::vector<int>{1, 0});
    CHECK(h.Run({"SELECT", "1"}) == Ok());
    CHECK(h.Run({"GET", "k"}) == Bulk("one"));
  }

  TEST_CASE("a script that writes, SELECTs and writes again switches db inside its unit") {
    Harness h;
    CHECK(h.Run({"EVAL",
                 "redis.call('SET', 'a', '1'); redis.call('SELECT', 2); "
                 "return redis.call('SET', 'b', '2')",
                 "0"}) == Ok());
    CHECK(h.propagated().units == 1);
    CHECK(h.propagated().lines == Lines{"MULTI", "SET a 1", "SET b 2", "EXEC"});
    CHECK(h.propagated().dbs == std::vector<int>{0, 0, 2, 2});
    CHECK(h.session().db == 0);
    CHECK(h.Run({"SET", "y", "1"}) == Ok());
    CHECK(h.propagated().dbs.back() == 0);
  }

  TEST_CASE("time is frozen inside a script: a PX 1 key it set stays until the script ends") {
    ClockTurningMonitor monitor;  // outlives the harness, which closes it
    Harness h;
    AttachClockTurner(h, monitor, 10);
    const int64_t start = h.clock().NowMs();
    CHECK(h.Run({"EVAL",
                 "redis.call('SET', KEYS[1], 'v', 'PX', 1); "
                 "local first = redis.call('PTTL', KEYS[1]); "
                 "redis.call('PING'); redis.call('PING'); "
                 "return {redis.call('EXISTS', KEYS[1]), first, redis.call('PTTL', KEYS[1]), "
                 "redis.call('GET', KEYS[1])}",
                 "1", "k"}) == "*4\r\n:1\r\n:1\r\n:1\r\n" + Bulk("v"));
    CHECK(h.clock().NowMs() >= start + 50);  // the clock did move while the script ran
    CHECK(h.propagated().lines.front() == "SET k v PXAT " + std::to_string(start + 1));
    CHECK(h.Run({"GET", "k"}) == Nil());
  }

  TEST_CASE("a key that expired before the script started is not visible inside it") {
    Harness h;
    CHECK(h.Run({"SET", "old", "v", "PX", "100"}) == Ok());
    CHECK(h.Run({"SET", "live", "v", "PX", "200"}) == Ok());
    // At its deadline a key still lives (Redis expires it once the deadline has passed).
    h.clock().AdvanceMs(100);
    CHECK(h.Run({"EVAL", "return redis.call('GET', KEYS[1])", "1", "old"}) == Bulk("v"));
    h.clock().AdvanceMs(1);
    CHECK(h.Run({"EVAL",
                 "return {redis.call('EXISTS', KEYS[1]), redis.call('GET', KEYS[1]), "
                 "redis.call('PTTL', KEYS[2])}",
                 "2", "old", "live"}) == "*3\r\n:0\r\n$-1\r\n:99\r\n");
    CHECK(h.Run({"EVAL", "return redis.call('PTTL', KEYS[1])", "1", "live"}) == Int(99));
    CHECK(h.Run({"EVAL", "return redis.call('GET', KEYS[1])", "1", "old"}) == Nil());
    CHECK(h.Run({"EXISTS", "old"}) == Int(0));
  }

  TEST_CASE("a script of another client writing a WATCHed key makes EXEC return a null array") {
    Harness h;
    TestSession& other = h.NewSession();
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.RunAs(other, {"EVAL", "return redis.call('SET', KEYS[1], 'x')", "1", "k"}) == Ok());
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"SET", "a", "1"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) == NilArray());
    CHECK(h.Run({"GET", "a"}) == Nil());
  }

  TEST_CASE("a script that only reads a WATCHed key leaves the transaction alone") {
    Harness h;
    TestSession& other = h.NewSession();
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"WATCH", "k"}) == Ok());
    CHECK(h.RunAs(other, {"EVAL", "return redis.call('GET', KEYS[1])", "1", "k"}) == Bulk("v"));
    CHECK(h.RunAs(other, {"EVAL", "return redis.call('DEL', 'nokey')", "0"}) == Int(0));
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"SET", "a", "1"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) == "*1\r\n+OK\r\n");
  }

  TEST_CASE("EVAL inside MULTI is queued and runs at EXEC") {
    Harness h;
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"EVAL", "return redis.call('INCR', KEYS[1])", "1", "m"}) == Simple("QUEUED"));
    CHECK(h.Run({"GET", "m"}) == Simple("QUEUED"));
    CHECK(h.keyspace().db(0).LookupRaw("m") == nullptr);  // nothing ran yet
    CHECK(h.Run({"EXEC"}) == "*2\r\n:1\r\n" + Bulk("1"));
    // One write in the whole transaction: not wrapped.
    CHECK(h.propagated().lines == Lines{"INCR m"});
  }

  TEST_CASE("two scripts in one transaction make one MULTI/EXEC unit") {
    Harness h;
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"EVAL", "return redis.call('SET', 'ma', '1')", "0"}) == Simple("QUEUED"));
    CHECK(h.Run({"EVAL", "return redis.call('SET', 'mb', '2')", "0"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) == "*2\r\n+OK\r\n+OK\r\n");
    CHECK(h.propagated().units == 1);
    CHECK(h.propagated().lines == Lines{"MULTI", "SET ma 1", "SET mb 2", "EXEC"});
  }

  TEST_CASE("out of memory, a script's first denyoom command fails, reads and deletes run") {
    Harness h;
    RunOutOfMemory(h);
    const std::string set = "return redis.call('SET', 'a', 'b')";
    CHECK(h.Run({"EVAL", set, "0"}) == ScriptError(kOom, set));
    // The exact bytes redis-server 7.0.15 answers for its own spelling of the script.
    CHECK(h.Run({"EVAL", "return redis.call('set','a','b')", "0"}) ==
          Err(kOom + " script: ff967d0ae0e68b4f9e360fa91c54598bc25ad9b6, on @user_script:1."));
    CHECK(h.Run({"EVAL", "return redis.pcall('SET', 'a', 'b')", "0"}) == Err(kOom));
    CHECK(h.Run({"EVAL", "return redis.call('GET', 'x')", "0"}) == Bulk(std::string(100, 'x')));
    CHECK(h.Run({"EVAL_RO", "return redis.call('GET', 'x')", "0"}) == Bulk(std::string(100, 'x')));
    CHECK(h.Run({"EVAL", "return redis.call('DEL', 'nokey')", "0"}) == Int(0));
    CHECK(h.Run({"EVAL", "#!lua flags=no-writes\nreturn redis.call('GET', 'x')", "0"}) ==
          Bulk(std::string(100, 'x')));
    CHECK(h.Run({"GET", "a"}) == Nil());
    CHECK(h.Run({"CONFIG", "SET", "maxmemory", "0"}) == Ok());
  }

  TEST_CASE("out of memory, a script flagged allow-oom may write") {
    Harness h;
    RunOutOfMemory(h);
    CHECK(h.Run({"EVAL", "#!lua flags=allow-oom\nreturn redis.call('SET', 'a', 'b')", "0"}) ==
          Ok());
    CHECK(h.Run({"GET", "a"}) == Bulk("b"));
    CHECK(h.propagated().lines.back() == "SET a b");
    CHECK(h.Run({"CONFIG", "SET", "maxmemory", "0"}) == Ok());
  }

  TEST_CASE("out of memory, once a script called a write command its denyoom commands run") {
    // Redis marks the script dirty when it calls any write command (SCRIPT_WRITE_DIRTY), not
    // only one that changed data: an EXPIRE of a missing key lets the SET through.
    Harness h;
    RunOutOfMemory(h);
    CHECK(h.Run({"EVAL", "redis.call('EXPIRE', 'nokey', 100); return redis.call('SET', 'a', 'b')",
                 "0"}) == Ok());
    CHECK(h.Run({"EVAL", "redis.call('DEL', 'nokey'); return redis.call('SET', 'c', 'd')", "0"}) ==
          Ok());
    CHECK(h.Run({"GET", "a"}) == Bulk("b"));
    CHECK(h.Run({"CONFIG", "SET", "maxmemory", "0"}) == Ok());
  }

  TEST_CASE(
      "out of memory, a shebang script without allow-oom or no-writes is refused as a "
      "denyoom command") {
    // Redis 7.0.15 turns the script's flags into EVAL's command flags (scriptFlagsToCmdFlags):
    // such a script is a denyoom write, refused by the generic OOM check before it starts,
    // whether or not it would write. The "allow-oom flag is not set" text of
    // scriptPrepareForRun is not what a client gets.
    Harness h;
    RunOutOfMemory(h);
    CHECK(h.Run({"EVAL", "#!lua\nreturn redis.call('SET', 'a', 'b')", "0"}) == Err(kOom));
    CHECK(h.Run({"EVAL", "#!lua\nreturn redis.call('GET', 'x')", "0"}) == Err(kOom));
    CHECK(h.Run({"GET", "a"}) == Nil());
    CHECK(h.Run({"CONFIG", "SET", "maxmemory", "0"}) == Ok());
  }

  TEST_CASE("out of memory, a shebang script that may write is refused when queued in MULTI") {
    Harness h;
    RunOutOfMemory(h);
    CHECK(h.Run({"MULTI"}) == Ok());
    CHECK(h.Run({"EVAL", "#!lua\nreturn redis.call('SET', 'a', 'b')", "0"}) == Err(kOom));
    CHECK(h.Run({"EXEC"}) == Err("EXECABORT Transaction discarded because of previous errors."));
    CHECK(h.Run({"CONFIG", "SET", "maxmemory", "0"}) == Ok());
  }

  TEST_CASE(
      "CLIENT PAUSE WRITE holds EVAL and EVALSHA (they may write) but not EVAL_RO or a "
      "no-writes script") {
    // As redis-server 7.0.15: EVAL and EVALSHA are may-replicate commands, parked by a write
    // pause whatever the script does, unless a shebang declares no-writes.
    Harness h;
    TestSession& writer = h.NewSession();
    TestSession& hasher = h.NewSession();
    TestSession& reader = h.NewSession();
    CHECK(h.Run({"SCRIPT", "LOAD", "return 1"}) ==
          Bulk("e0e1f9fabfc9d4800c877a703b823ac0578ff8db"));
    CHECK(h.Run({"CLIENT", "PAUSE", "100000", "WRITE"}) == Ok());
    CHECK(h.RunAs(writer, {"EVAL", "return redis.call('SET', 'pw', '1')", "0"}).empty());
    CHECK(writer.blocked);
    CHECK(h.RunAs(hasher, {"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}).empty());
    CHECK(hasher.blocked);
    CHECK(h.Run({"GET", "pw"}) == Nil());
    CHECK(h.RunAs(reader, {"EVAL_RO", "return redis.call('GET', 'pw')", "0"}) == Nil());
    CHECK(h.RunAs(reader, {"EVAL", "#!lua flags=no-writes\nreturn 1", "0"}) == Int(1));
    CHECK(h.Run({"CLIENT", "UNPAUSE"}) == Ok());
    CHECK_FALSE(writer.blocked);
    CHECK(h.RunAs(writer, {"EVAL", "return redis.call('SET', 'pw', '1')", "0"}) == Ok());
    CHECK(h.Run({"GET", "pw"}) == Bulk("1"));
  }

  TEST_CASE("SCRIPT LOAD caches for EVALSHA and SCRIPT EXISTS, SCRIPT FLUSH forgets: NOSCRIPT") {
    Harness h;
    const std::string body = "return redis.call('get',KEYS[1])";
    const std::string sha = "fd758d1589d044dd850a6f05d52f2eefd27f033f";  // redis-server's
    const std::string upper = "FD758D1589D044DD850A6F05D52F2EEFD27F033F";
    CHECK(CachedScripts(h) == "0");
    CHECK(h.Run({"SCRIPT", "LOAD", body}) == Bulk(sha));
    CHECK(CachedScripts(h) == "1");
    CHECK(h.Run({"SCRIPT", "LOAD", body}) == Bulk(sha));  // once
    CHECK(CachedScripts(h) == "1");
    h.Run({"SET", "k", "v"});
    CHECK(h.Run({"EVALSHA", sha, "1", "k"}) == Bulk("v"));
    CHECK(h.Run({"EVALSHA", upper, "1", "k"}) == Bulk("v"));
    CHECK(h.Run({"EVALSHA_RO", sha, "1", "k"}) == Bulk("v"));
    CHECK(h.Run({"SCRIPT", "EXISTS", sha, upper, "nope"}) == "*3\r\n:1\r\n:1\r\n:0\r\n");
    // EVAL caches what it ran too.
    CHECK(h.Run({"EVAL", "return 2", "0"}) == Int(2));
    CHECK(CachedScripts(h) == "2");
    CHECK(h.Run({"EVALSHA", "7f923f79fe76194c868d7e1d0820de36700eb649", "0"}) == Int(2));

    CHECK(h.Run({"SCRIPT", "FLUSH"}) == Ok());
    CHECK(CachedScripts(h) == "0");
    CHECK(h.Run({"EVALSHA", sha, "1", "k"}) ==
          Err("NOSCRIPT No matching script. Please use EVAL."));
    CHECK(h.Run({"EVALSHA_RO", sha, "1", "k"}) ==
          Err("NOSCRIPT No matching script. Please use EVAL."));
    CHECK(h.Run({"SCRIPT", "EXISTS", sha}) == "*1\r\n:0\r\n");
    CHECK(h.Run({"EVALSHA", "zz", "0"}) == Err("NOSCRIPT No matching script. Please use EVAL."));
    // Loaded again after a flush, it runs again.
    CHECK(h.Run({"SCRIPT", "LOAD", body}) == Bulk(sha));
    CHECK(h.Run({"EVALSHA", sha, "1", "k"}) == Bulk("v"));
    CHECK(h.Run({"SCRIPT", "FLUSH", "ASYNC"}) == Ok());
    CHECK(CachedScripts(h) == "0");
    CHECK(h.Run({"SCRIPT", "FLUSH", "x"}) ==
          Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option"));
  }

  TEST_CASE("blocking commands flagged noscript are refused inside a script") {
    Harness h;
    const std::string refused = "ERR This Redis command is not allowed from script";
    CHECK(h.Run({"EVAL", "return redis.pcall('BLPOP', 'q', 0)", "0"}) == Err(refused));
    CHECK(h.Run({"EVAL", "return redis.pcall('BRPOP', 'q', 0)", "0"}) == Err(refused));
    CHECK(h.Run({"EVAL", "return redis.pcall('BLMOVE', 'q', 'r', 'LEFT', 'LEFT', 0)", "0"}) ==
          Err(refused));
    CHECK(h.Run({"EVAL", "return redis.pcall('BRPOPLPUSH', 'q', 'r', 0)", "0"}) == Err(refused));
    CHECK(h.Run({"EVAL", "return redis.pcall('BZPOPMIN', 'z', 0)", "0"}) == Err(refused));
    CHECK(h.Run({"EVAL", "return redis.pcall('WAIT', 0, 0)", "0"}) == Err(refused));
    const std::string blpop = "return redis.call('BLPOP', 'q', 0)";
    CHECK(h.Run({"EVAL", blpop, "0"}) == ScriptError(refused, blpop));
    CHECK_FALSE(h.session().blocked);
  }

  TEST_CASE("BLMPOP and BZMPOP (not noscript) give their timeout answer inside a script") {
    Harness h;
    CHECK(h.Run({"EVAL", "return redis.call('BLMPOP', 0, 1, 'q', 'LEFT')", "0"}) == Nil());
    CHECK(h.Run({"EVAL", "return redis.call('BZMPOP', 0, 1, 'z', 'MIN')", "0"}) == Nil());
    CHECK_FALSE(h.session().blocked);
    CHECK(h.Run({"RPUSH", "q", "a"}) == Int(1));
    CHECK(h.Run({"EVAL", "return redis.call('BLMPOP', 0, 1, 'q', 'LEFT')", "0"}) ==
          "*2\r\n$1\r\nq\r\n*1\r\n$1\r\na\r\n");
  }

  TEST_CASE("a script's LPUSH wakes a client blocked in BLPOP, after the script ends") {
    Harness h;
    TestSession& waiter = h.NewSession();
    CHECK(h.RunAs(waiter, {"BLPOP", "q", "0"}).empty());
    CHECK(waiter.blocked);
    // Inside the script the element is still there: the waiter is served only afterwards.
    CHECK(h.Run({"EVAL", "redis.call('LPUSH', KEYS[1], 'x'); return redis.call('LLEN', KEYS[1])",
                 "1", "q"}) == Int(1));
    CHECK_FALSE(waiter.blocked);
    CHECK(waiter.TakePushed() == "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
    CHECK(h.Run({"LLEN", "q"}) == Int(0));
    // As redis-server writes it: the script's push, then the served pop as a unit of its own.
    CHECK(h.propagated().lines == Lines{"LPUSH q x", "LPOP q"});
    CHECK(h.propagated().units == 2);
  }

  TEST_CASE("a script error after a write keeps the write and sends it") {
    Harness h;
    const std::string body = "redis.call('SET', KEYS[1], 'v'); return redis.call('INCR', KEYS[1])";
    CHECK(h.Run({"EVAL", body, "1", "k"}) ==
          ScriptError("ERR value is not an integer or out of range", body));
    CHECK(Sha1Hex(body) == "627882996d3b39b76d5cd6f8de73fcf8f34bf737");
    CHECK(h.Run({"GET", "k"}) == Bulk("v"));
    CHECK(h.propagated().lines == Lines{"SET k v"});

    const std::string boom =
        "redis.call('SET', 'e1', 'v'); redis.call('SET', 'e2', 'v'); "
        "error('boom')";
    CHECK(h.Run({"EVAL", boom, "0"}) == ScriptError("ERR user_script:1: boom", boom));
    CHECK(h.Run({"MGET", "e1", "e2"}) == BulkArray({"v", "v"}));
    CHECK(h.propagated().lines == Lines{"SET k v", "MULTI", "SET e1 v", "SET e2 v", "EXEC"});
  }

  TEST_CASE("RESP3: redis.setresp(3) makes HGETALL a map for a RESP3 caller") {
    Harness h;
    h.Run({"HSET", "one", "f", "v"});
    h.Run({"HSET", "two", "f", "v", "g", "w"});
    REQUIRE(h.Run({"HELLO", "3"}).starts_with("%7\r\n"));
    CHECK(h.Run({"EVAL", "redis.setresp(3); return redis.call('HGETALL', KEYS[1])", "1", "one"}) ==
          "%1\r\n$1\r\nf\r\n$1\r\nv\r\n");
    const std::string map =
        h.Run({"EVAL", "redis.setresp(3); return redis.call('HGETALL', KEYS[1])", "1", "two"});
    CHECK(map.starts_with("%2\r\n"));
    CHECK(map.find("$1\r\nf\r\n$1\r\nv\r\n") != std::string::npos);
    CHECK(map.find("$1\r\ng\r\n$1\r\nw\r\n") != std::string::npos);
    CHECK(map.size() == 4 + 2 * 14);
    // Without setresp(3) the script reads RESP2: a flat array.
    CHECK(h.Run({"EVAL", "return redis.call('HGETALL', KEYS[1])", "1", "one"}) ==
          BulkArray({"f", "v"}));
    CHECK(h.Run({"EVAL", "redis.setresp(3); return redis.call('HGET', KEYS[1], 'zz')", "1",
                 "one"}) == "_\r\n");
    CHECK(h.Run({"EVAL", "redis.setresp(3); return redis.call('SMEMBERS', 'none')", "0"}) ==
          "~0\r\n");
    // A RESP2 caller gets the map flattened.
    REQUIRE(h.Run({"HELLO", "2"}).starts_with("*14\r\n"));
    CHECK(h.Run({"EVAL", "redis.setresp(3); return redis.call('HGETALL', KEYS[1])", "1", "one"}) ==
          BulkArray({"f", "v"}));
  }

  TEST_CASE("an error object without an err field still answers an error (Redis crashes)") {
    Harness h;
    const std::string body = "error({foo = 'bar'})";
    CHECK(h.Run({"EVAL", body, "0"}) ==
          Err("ERR the script raised an error without an 'err' field script: " + Sha1Hex(body) +
              ", on @user_script:1."));
    CHECK(h.Run({"PING"}) == "+PONG\r\n");
  }
}
