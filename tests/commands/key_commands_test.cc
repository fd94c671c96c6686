// Generic key commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, RENAME, RENAMENX, COPY, MOVE,
// DBSIZE, FLUSHDB, FLUSHALL, SWAPDB. Expected bytes were checked against redis-server 7.0.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "commands/harness.h"
#include "store/entry.h"
#include "store/list_value.h"

using namespace basalt;
using namespace basalt::test;

namespace {

// Puts a list value at `key` of database `db` directly (no command, so no propagation).
void AddList(Harness& h, int db, std::string_view key, std::vector<std::string> items) {
  auto* list = new store::ListValue();
  for (const std::string& item : items) list->PushBack(item, {});
  h.keyspace().db(db).Insert(store::Entry::NewObject(key, store::ValueType::kList, list, -1));
}

store::ListValue* ListAt(Harness& h, int db, std::string_view key) {
  store::Entry* e = h.keyspace().db(db).LookupRaw(key);
  REQUIRE(e != nullptr);
  REQUIRE(e->type() == store::ValueType::kList);
  return static_cast<store::ListValue*>(e->object());
}

std::vector<std::string> Items(const store::ListValue* list) {
  std::vector<std::string> out;
  list->ForEach([&](std::string_view v) { out.emplace_back(v); });
  return out;
}

// Sets a string key with a TTL of `ms` from now, the way a client would.
void SetWithTtl(Harness& h, std::string_view key, std::string_view value, int64_t ms) {
  REQUIRE(h.Run({"SET", key, value}) == Ok());
  REQUIRE(h.Run({"PEXPIRE", key, std::to_string(ms)}) == Int(1));
}

std::string Select(Harness& h, int db) { return h.Run({"SELECT", std::to_string(db)}); }

}  // namespace

TEST_SUITE("key commands") {
  TEST_CASE("DEL removes existing keys and counts each once") {
    Harness h;
    h.Run({"SET", "a", "1"});
    h.Run({"SET", "b", "2"});
    CHECK(h.Run({"DEL", "a", "a", "b", "nope"}) == Int(2));
    CHECK(h.Run({"EXISTS", "a", "b"}) == Int(0));
    CHECK(h.Run({"DEL", "a"}) == Int(0));
    CHECK(h.Run({"DEL"}) == Err("ERR wrong number of arguments for 'del' command"));
  }

  TEST_CASE("DEL is propagated as sent, and not at all when nothing was removed") {
    Harness h;
    h.Run({"SET", "a", "1"});
    h.propagated().lines.clear();
    h.Run({"DEL", "nope"});
    CHECK(h.propagated().lines.empty());
    h.Run({"del", "a", "nope"});
    REQUIRE(h.propagated().lines.size() == 1);
    CHECK(h.propagated().lines[0] == "del a nope");
  }

  TEST_CASE("DEL of an expired key counts 0 and only the expiry's DEL is propagated") {
    Harness h;
    SetWithTtl(h, "k", "v", 100);
    h.clock().AdvanceMs(101);
    h.propagated().lines.clear();
    CHECK(h.Run({"DEL", "k"}) == Int(0));
    CHECK(h.propagated().lines == std::vector<std::string>{"DEL k"});
  }

  TEST_CASE("UNLINK behaves as DEL") {
    Harness h;
    h.Run({"SET", "a", "1"});
    AddList(h, 0, "l", {"x"});
    CHECK(h.Run({"UNLINK", "a", "l", "nope"}) == Int(2));
    CHECK(h.Run({"DBSIZE"}) == Int(0));
    CHECK(h.propagated().lines.back() == "UNLINK a l nope");
    CHECK(h.Run({"UNLINK"}) == Err("ERR wrong number of arguments for 'unlink' command"));
  }

  TEST_CASE("EXISTS counts every argument, duplicates included") {
    Harness h;
    h.Run({"SET", "a", "1"});
    CHECK(h.Run({"EXISTS", "a"}) == Int(1));
    CHECK(h.Run({"EXISTS", "a", "a", "b"}) == Int(2));
    CHECK(h.Run({"EXISTS", "nope"}) == Int(0));
    CHECK(h.propagated().lines.size() == 1);
  }

  TEST_CASE("EXISTS does not see an expired key") {
    Harness h;
    SetWithTtl(h, "k", "v", 1000);
    h.clock().AdvanceMs(1000);
    CHECK(h.Run({"EXISTS", "k"}) == Int(1));  // due at the deadline, gone right after
    h.clock().AdvanceMs(1);
    CHECK(h.Run({"EXISTS", "k"}) == Int(0));
  }

  TEST_CASE("EXISTS and TYPE count keyspace hits and misses") {
    Harness h;
    h.Run({"SET", "a", "1"});
    const uint64_t hits = h.keyspace().stats().keyspace_hits;
    const uint64_t misses = h.keyspace().stats().keyspace_misses;
    h.Run({"EXISTS", "a", "b"});
    h.Run({"TYPE", "a"});
    CHECK(h.keyspace().stats().keyspace_hits == hits + 2);
    CHECK(h.keyspace().stats().keyspace_misses == misses + 1);
  }

  TEST_CASE("TYPE names the value type, none for a missing key") {
    Harness h;
    h.Run({"SET", "s", "v"});
    AddList(h, 0, "l", {"x"});
    CHECK(h.Run({"TYPE", "s"}) == Simple("string"));
    CHECK(h.Run({"TYPE", "l"}) == Simple("list"));
    CHECK(h.Run({"TYPE", "nope"}) == Simple("none"));
    CHECK(h.Run({"TYPE"}) == Err("ERR wrong number of arguments for 'type' command"));
  }

  TEST_CASE("TYPE of an expired key is none") {
    Harness h;
    SetWithTtl(h, "k", "v", 10);
    h.clock().AdvanceMs(11);
    CHECK(h.Run({"TYPE", "k"}) == Simple("none"));
  }

  TEST_CASE("TOUCH counts the keys that exist and is not propagated") {
    Harness h;
    h.Run({"SET", "a", "1"});
    h.Run({"SET", "b", "1"});
    h.propagated().lines.clear();
    CHECK(h.Run({"TOUCH", "a", "b", "c", "a"}) == Int(3));
    CHECK(h.Run({"TOUCH", "nope"}) == Int(0));
    CHECK(h.propagated().lines.empty());
  }

  TEST_CASE("RENAME moves the value to the new name") {
    Harness h;
    h.Run({"SET", "a", "1"});
    CHECK(h.Run({"RENAME", "a", "b"}) == Ok());
    CHECK(h.Run({"GET", "a"}) == Nil());
    CHECK(h.Run({"GET", "b"}) == Bulk("1"));
    CHECK(h.propagated().lines.back() == "RENAME a b");
  }

  TEST_CASE("RENAME of a missing key is an error") {
    Harness h;
    CHECK(h.Run({"RENAME", "nope", "x"}) == Err("ERR no such key"));
    CHECK(h.Run({"RENAME", "nope", "nope"}) == Err("ERR no such key"));
    SetWithTtl(h, "gone", "v", 5);
    h.clock().AdvanceMs(6);
    CHECK(h.Run({"RENAME", "gone", "x"}) == Err("ERR no such key"));
  }

  TEST_CASE("RENAME to the same name succeeds without propagating") {
    Harness h;
    SetWithTtl(h, "a", "1", 5000);
    h.propagated().lines.clear();
    CHECK(h.Run({"RENAME", "a", "a"}) == Ok());
    CHECK(h.Run({"GET", "a"}) == Bulk("1"));
    CHECK(h.Run({"PTTL", "a"}) == Int(5000));
    CHECK(h.propagated().lines.empty());
  }

  TEST_CASE("RENAME keeps the TTL of the source") {
    Harness h;
    SetWithTtl(h, "a", "1", 5000);
    CHECK(h.Run({"RENAME", "a", "b"}) == Ok());
    CHECK(h.Run({"PTTL", "b"}) == Int(5000));
    h.clock().AdvanceMs(5001);
    CHECK(h.Run({"EXISTS", "b"}) == Int(0));
  }

  TEST_CASE("RENAME replaces a destination of any type, and its TTL") {
    Harness h;
    h.Run({"SET", "src", "v"});
    AddList(h, 0, "dst", {"x"});
    h.Run({"PEXPIRE", "dst", "100"});
    CHECK(h.Run({"RENAME", "src", "dst"}) == Ok());
    CHECK(h.Run({"TYPE", "dst"}) == Simple("string"));
    CHECK(h.Run({"PTTL", "dst"}) == Int(-1));
    CHECK(h.Run({"DBSIZE"}) == Int(1));

    AddList(h, 0, "l", {"y"});
    CHECK(h.Run({"RENAME", "l", "dst"}) == Ok());
    CHECK(h.Run({"TYPE", "dst"}) == Simple("list"));
    CHECK(Items(ListAt(h, 0, "dst")) == std::vector<std::string>{"y"});
  }

  TEST_CASE("RENAME onto an expired destination propagates its expiry first, in one MULTI/EXEC") {
    Harness h;
    SetWithTtl(h, "dst", "old", 10);
    h.Run({"SET", "src", "new"});
    h.clock().AdvanceMs(11);
    h.propagated().lines.clear();
    CHECK(h.Run({"RENAME", "src", "dst"}) == Ok());
    CHECK(h.propagated().lines ==
          std::vector<std::string>{"MULTI", "DEL dst", "RENAME src dst", "EXEC"});
    CHECK(h.Run({"GET", "dst"}) == Bulk("new"));
  }

  TEST_CASE("RENAMENX renames only when the destination is absent") {
    Harness h;
    h.Run({"SET", "a", "1"});
    h.Run({"SET", "b", "2"});
    CHECK(h.Run({"RENAMENX", "a", "b"}) == Int(0));
    CHECK(h.Run({"GET", "b"}) == Bulk("2"));
    CHECK(h.Run({"RENAMENX", "a", "c"}) == Int(1));
    CHECK(h.Run({"GET", "c"}) == Bulk("1"));
    CHECK(h.Run({"EXISTS", "a"}) == Int(0));
    CHECK(h.Run({"RENAMENX", "c", "c"}) == Int(0));
    CHECK(h.Run({"RENAMENX", "nope", "x"}) == Err("ERR no such key"));
    CHECK(h.propagated().lines.back() == "RENAMENX a c");
  }

  TEST_CASE("RENAMENX keeps the TTL") {
    Harness h;
    SetWithTtl(h, "a", "1", 3000);
    CHECK(h.Run({"RENAMENX", "a", "b"}) == Int(1));
    CHECK(h.Run({"PTTL", "b"}) == Int(3000));
  }

  TEST_CASE("COPY duplicates a key and keeps its TTL") {
    Harness h;
    SetWithTtl(h, "a", "1", 4000);
    CHECK(h.Run({"COPY", "a", "b"}) == Int(1));
    CHECK(h.Run({"GET", "b"}) == Bulk("1"));
    CHECK(h.Run({"PTTL", "b"}) == Int(4000));
    CHECK(h.Run({"GET", "a"}) == Bulk("1"));
    CHECK(h.propagated().lines.back() == "COPY a b");
  }

  TEST_CASE("COPY is a deep copy") {
    Harness h;
    h.Run({"SET", "a", std::string(300, 'x')});
    CHECK(h.Run({"COPY", "a", "b"}) == Int(1));
    h.Run({"SET", "a", "changed"});
    CHECK(h.Run({"GET", "b"}) == Bulk(std::string(300, 'x')));

    AddList(h, 0, "l", {"x"});
    CHECK(h.Run({"COPY", "l", "l2"}) == Int(1));
    ListAt(h, 0, "l")->PushBack("y", {});
    CHECK(Items(ListAt(h, 0, "l2")) == std::vector<std::string>{"x"});
  }

  TEST_CASE("COPY does not overwrite without REPLACE") {
    Harness h;
    h.Run({"SET", "a", "1"});
    h.Run({"SET", "b", "2"});
    h.propagated().lines.clear();
    CHECK(h.Run({"COPY", "a", "b"}) == Int(0));
    CHECK(h.Run({"GET", "b"}) == Bulk("2"));
    CHECK(h.propagated().lines.empty());
    CHECK(h.Run({"COPY", "a", "b", "REPLACE"}) == Int(1));
    CHECK(h.Run({"GET", "b"}) == Bulk("1"));
    CHECK(h.Run({"COPY", "a", "b", "replace", "replace"}) == Int(1));
  }

  TEST_CASE("COPY REPLACE takes the source's TTL, or none") {
    Harness h;
    h.Run({"SET", "a", "1"});
    SetWithTtl(h, "b", "2", 100);
    CHECK(h.Run({"COPY", "a", "b", "REPLACE"}) == Int(1));
    CHECK(h.Run({"PTTL", "b"}) == Int(-1));
  }

  TEST_CASE("COPY of a missing key replies 0") {
    Harness h;
    CHECK(h.Run({"COPY", "nope", "x"}) == Int(0));
    CHECK(h.Run({"EXISTS", "x"}) == Int(0));
  }

  TEST_CASE("COPY DB copies into another database") {
    Harness h;
    SetWithTtl(h, "a", "1", 2000);
    CHECK(h.Run({"COPY", "a", "a", "DB", "1"}) == Int(1));
    CHECK(h.Run({"COPY", "a", "a", "db", "1"}) == Int(0));
    CHECK(h.Run({"COPY", "a", "b", "db", "1", "db", "2"}) == Int(1));
    CHECK(Select(h, 1) == Ok());
    CHECK(h.Run({"GET", "a"}) == Bulk("1"));
    CHECK(h.Run({"PTTL", "a"}) == Int(2000));
    CHECK(h.Run({"EXISTS", "b"}) == Int(0));
    CHECK(Select(h, 2) == Ok());
    CHECK(h.Run({"GET", "b"}) == Bulk("1"));
  }

  TEST_CASE("COPY errors") {
    Harness h;
    h.Run({"SET", "a", "1"});
    CHECK(h.Run({"COPY", "a", "a"}) == Err("ERR source and destination objects are the same"));
    CHECK(h.Run({"COPY", "nope", "nope"}) ==
          Err("ERR source and destination objects are the same"));
    CHECK(h.Run({"COPY", "a", "a", "DB", "0"}) ==
          Err("ERR source and destination objects are the same"));
    CHECK(h.Run({"COPY", "a", "b", "DB", "16"}) == Err("ERR DB index is out of range"));
    CHECK(h.Run({"COPY", "a", "b", "DB", "-1"}) == Err("ERR DB index is out of range"));
    CHECK(h.Run({"COPY", "a", "b", "DB", "abc"}) ==
          Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"COPY", "a", "b", "DB", "4294967296"}) ==
          Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
    CHECK(h.Run({"COPY", "a", "b", "DB"}) == Err("ERR syntax error"));
    CHECK(h.Run({"COPY", "a", "b", "foo"}) == Err("ERR syntax error"));
    // Options are checked in order.
    CHECK(h.Run({"COPY", "a", "b", "DB", "99", "foo"}) == Err("ERR DB index is out of range"));
    CHECK(h.Run({"COPY", "a", "b", "foo", "DB", "99"}) == Err("ERR syntax error"));
    CHECK(h.Run({"COPY", "a"}) == Err("ERR wrong number of arguments for 'copy' command"));
  }

  TEST_CASE("MOVE moves a key with its TTL to another database") {
    Harness h;
    SetWithTtl(h, "a", "1", 7000);
    CHECK(h.Run({"MOVE", "a", "1"}) == Int(1));
    CHECK(h.Run({"EXISTS", "a"}) == Int(0));
    CHECK(h.propagated().lines.back() == "MOVE a 1");
    CHECK(h.propagated().dbs.back() == 0);
    CHECK(Select(h, 1) == Ok());
    CHECK(h.Run({"GET", "a"}) == Bulk("1"));
    CHECK(h.Run({"PTTL", "a"}) == Int(7000));
    h.clock().AdvanceMs(7001);
    CHECK(h.Run({"EXISTS", "a"}) == Int(0));
  }

  TEST_CASE("MOVE replies 0 when the key exists in the target or is missing") {
    Harness h;
    h.Run({"SET", "a", "here"});
    CHECK(h.Run({"COPY", "a", "a", "DB", "1"}) == Int(1));
    CHECK(h.Run({"MOVE", "a", "1"}) == Int(0));
    CHECK(h.Run({"GET", "a"}) == Bulk("here"));
    CHECK(h.Run({"MOVE", "nope", "1"}) == Int(0));
  }

  TEST_CASE("MOVE errors") {
    Harness h;
    h.Run({"SET", "a", "1"});
    CHECK(h.Run({"MOVE", "a", "0"}) == Err("ERR source and destination objects are the same"));
    CHECK(h.Run({"MOVE", "nope", "0"}) == Err("ERR source and destination objects are the same"));
    CHECK(h.Run({"MOVE", "a", "16"}) == Err("ERR DB index is out of range"));
    CHECK(h.Run({"MOVE", "a", "-1"}) == Err("ERR DB index is out of range"));
    CHECK(h.Run({"MOVE", "a", "x"}) == Err("ERR value is not an integer or out of range"));
    CHECK(h.Run({"MOVE", "a", "2147483648"}) ==
          Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  }

  TEST_CASE("DBSIZE counts the keys of the selected database") {
    Harness h;
    CHECK(h.Run({"DBSIZE"}) == Int(0));
    h.Run({"SET", "a", "1"});
    h.Run({"SET", "b", "1"});
    CHECK(h.Run({"DBSIZE"}) == Int(2));
    CHECK(Select(h, 3) == Ok());
    CHECK(h.Run({"DBSIZE"}) == Int(0));
  }

  TEST_CASE("FLUSHDB empties only the selected database") {
    Harness h;
    h.Run({"SET", "a", "1"});
    CHECK(Select(h, 1) == Ok());
    h.Run({"SET", "b", "1"});
    SetWithTtl(h, "c", "1", 100);
    CHECK(h.Run({"FLUSHDB"}) == Ok());
    CHECK(h.Run({"DBSIZE"}) == Int(0));
    CHECK(h.keyspace().db(1).expires_count() == 0);
    CHECK(h.propagated().lines.back() == "FLUSHDB");
    CHECK(h.propagated().dbs.back() == 1);
    CHECK(Select(h, 0) == Ok());
    CHECK(h.Run({"DBSIZE"}) == Int(1));
  }

  TEST_CASE("FLUSHDB accepts ASYNC and SYNC and is propagated even when empty") {
    Harness h;
    h.Run({"SET", "a", "1"});
    CHECK(h.Run({"FLUSHDB", "ASYNC"}) == Ok());
    CHECK(h.Run({"DBSIZE"}) == Int(0));
    h.propagated().lines.clear();
    CHECK(h.Run({"flushdb", "sync"}) == Ok());
    CHECK(h.propagated().lines == std::vector<std::string>{"flushdb sync"});
    CHECK(h.Run({"FLUSHDB", "foo"}) == Err("ERR syntax error"));
    CHECK(h.Run({"FLUSHDB", "async", "sync"}) == Err("ERR syntax error"));
  }

  TEST_CASE("FLUSHALL empties every database") {
    Harness h;
    for (int db = 0; db < 4; ++db) {
      CHECK(Select(h, db) == Ok());
      h.Run({"SET", "k", "v"});
      SetWithTtl(h, "t", "v", 100);
    }
    h.propagated().lines.clear();
    CHECK(h.Run({"FLUSHALL"}) == Ok());
    CHECK(h.keyspace().TotalKeys() == 0);
    CHECK(h.keyspace().db(2).expires_count() == 0);
    CHECK(h.propagated().lines == std::vector<std::string>{"FLUSHALL"});
    CHECK(h.Run({"FLUSHALL", "ASYNC"}) == Ok());
    CHECK(h.Run({"FLUSHALL", "SYNC"}) == Ok());
    CHECK(h.propagated().lines.size() == 3);
    CHECK(h.Run({"FLUSHALL", "async", "foo"}) == Err("ERR syntax error"));
    CHECK(h.Run({"FLUSHALL", "now"}) == Err("ERR syntax error"));
  }

  TEST_CASE("SWAPDB exchanges the contents of two databases, TTLs included") {
    Harness h;
    h.Run({"SET", "zero", "0"});
    CHECK(Select(h, 1) == Ok());
    SetWithTtl(h, "one", "1", 9000);
    CHECK(h.Run({"SWAPDB", "0", "1"}) == Ok());
    CHECK(h.Run({"GET", "zero"}) == Bulk("0"));
    CHECK(h.Run({"EXISTS", "one"}) == Int(0));
    CHECK(Select(h, 0) == Ok());
    CHECK(h.Run({"GET", "one"}) == Bulk("1"));
    CHECK(h.Run({"PTTL", "one"}) == Int(9000));
    CHECK(h.keyspace().db(0).expires_count() == 1);
    CHECK(h.keyspace().db(1).expires_count() == 0);
    CHECK(h.propagated().lines.back() == "SWAPDB 0 1");
  }

  TEST_CASE("SWAPDB of a database with itself is accepted and propagated") {
    Harness h;
    h.Run({"SET", "a", "1"});
    h.propagated().lines.clear();
    CHECK(h.Run({"SWAPDB", "0", "0"}) == Ok());
    CHECK(h.Run({"GET", "a"}) == Bulk("1"));
    CHECK(h.propagated().lines == std::vector<std::string>{"SWAPDB 0 0"});
  }

  TEST_CASE("SWAPDB errors") {
    Harness h;
    CHECK(h.Run({"SWAPDB", "abc", "0"}) == Err("ERR invalid first DB index"));
    CHECK(h.Run({"SWAPDB", "0", "abc"}) == Err("ERR invalid second DB index"));
    CHECK(h.Run({"SWAPDB", "16", "abc"}) == Err("ERR invalid second DB index"));
    CHECK(h.Run({"SWAPDB", "4294967296", "0"}) == Err("ERR invalid first DB index"));
    CHECK(h.Run({"SWAPDB", "0", "4294967296"}) == Err("ERR invalid second DB index"));
    CHECK(h.Run({"SWAPDB", "0", "16"}) == Err("ERR DB index is out of range"));
    CHECK(h.Run({"SWAPDB", "-1", "0"}) == Err("ERR DB index is out of range"));
    CHECK(h.Run({"SWAPDB", "0"}) == Err("ERR wrong number of arguments for 'swapdb' command"));
    CHECK(h.propagated().lines.empty());
  }

  TEST_CASE("key commands are registered with Redis's metadata") {
    Harness h;
    const cmd::CommandSpec* del = h.server().commands.Find("del");
    REQUIRE(del != nullptr);
    CHECK(del->arity == -2);
    CHECK(del->first_key == 1);
    CHECK(del->last_key == -1);
    CHECK(del->key_step == 1);
    CHECK(del->group == "generic");
    const cmd::CommandSpec* rename = h.server().commands.Find("rename");
    REQUIRE(rename != nullptr);
    CHECK(rename->last_key == 2);
    CHECK((rename->flags & cmd::kWrite) != 0);
    const cmd::CommandSpec* dbsize = h.server().commands.Find("dbsize");
    REQUIRE(dbsize != nullptr);
    CHECK(dbsize->group == "server");
    CHECK(dbsize->first_key == 0);
    for (std::string_view name : {"unlink", "exists", "type", "touch", "renamenx", "copy", "move",
                                  "flushdb", "flushall", "swapdb", "keys", "scan", "randomkey"}) {
      const cmd::CommandSpec* spec = h.server().commands.Find(name);
      REQUIRE_MESSAGE(spec != nullptr, name);
      CHECK(!spec->summary.empty());
      CHECK(!spec->since.empty());
      CHECK(!spec->complexity.empty());
    }
  }
}
