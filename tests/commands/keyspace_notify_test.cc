// Keyspace notifications (notify-keyspace-events): the events each command publishes, both
// channel kinds, class filtering, key creation, key misses, lazy and active expiry, and the
// parameter's CONFIG GET/SET forms. Event sequences were taken from redis-server 7.0.15.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "commands/harness.h"

using namespace basalt::test;

namespace {

using Events = std::vector<std::string>;

// A keyevent message as Take() shows it: channel, space, payload (the key).
std::string E(std::string_view event, std::string_view key, int db = 0) {
  return "__keyevent@" + std::to_string(db) + "__:" + std::string(event) + " " + std::string(key);
}

// A keyspace message: the key's channel and the event as payload.
std::string K(std::string_view key, std::string_view event, int db = 0) {
  return "__keyspace@" + std::to_string(db) + "__:" + std::string(key) + " " + std::string(event);
}

// Reads one RESP bulk string at `pos` of `bytes`, moving `pos` past it.
std::string ReadBulk(const std::string& bytes, size_t& pos) {
  REQUIRE(bytes[pos] == '$');
  const size_t eol = bytes.find("\r\n", pos);
  const size_t len = std::stoul(bytes.substr(pos + 1, eol - pos - 1));
  std::string out = bytes.substr(eol + 2, len);
  pos = eol + 2 + len + 2;
  return out;
}

// Splits what was pushed to a session (RESP2 arrays or RESP3 pushes of pmessage/message) into
// "channel payload" strings, in delivery order.
Events Parse(const std::string& pushed) {
  Events out;
  size_t pos = 0;
  while (pos < pushed.size()) {
    REQUIRE((pushed[pos] == '*' || pushed[pos] == '>'));
    const int items = pushed[pos + 1] - '0';
    pos += 4;
    const std::string kind = ReadBulk(pushed, pos);
    if (items == 4) ReadBulk(pushed, pos);  // the pattern of a pmessage
    const std::string channel = ReadBulk(pushed, pos);
    const std::string payload = ReadBulk(pushed, pos);
    CHECK((kind == "message" || kind == "pmessage"));
    out.push_back(channel + " " + payload);
  }
  return out;
}

// A harness with notifications configured and a second client listening to every keyspace and
// keyevent channel of every database.
struct Notified {
  explicit Notified(std::string_view classes) : watcher(h.NewSession()) {
    REQUIRE(h.Run({"CONFIG", "SET", "notify-keyspace-events", classes}) == Ok());
    h.RunAs(watcher, {"PSUBSCRIBE", "__key*__:*"});
    watcher.TakePushed();
  }
  // Runs a command as the harness's own client and returns the events it published.
  Events After(std::initializer_list<std::string_view> args) {
    h.Run(args);
    return Taken();
  }
  Events Taken() { return Parse(watcher.TakePushed()); }

  Harness h;
  TestSession& watcher;
};

}  // namespace

TEST_SUITE("keyspace notifications") {
  TEST_CASE("nothing is published while notify-keyspace-events is empty (the default)") {
    Harness h;
    TestSession& w = h.NewSession();
    h.RunAs(w, {"PSUBSCRIBE", "*"});
    w.TakePushed();
    CHECK(h.Run({"CONFIG", "GET", "notify-keyspace-events"}) ==
          BulkArray({"notify-keyspace-events", ""}));
    h.Run({"SET", "k", "v", "PX", "10"});
    h.Run({"GET", "nope"});
    h.Run({"DEL", "k"});
    CHECK(w.TakePushed().empty());
  }

  TEST_CASE("K publishes the event on the key's channel, E the key on the event's channel") {
    Notified n("KEA");
    CHECK(n.After({"SET", "k", "v"}) == Events{K("k", "set"), E("set", "k")});
    REQUIRE(n.h.Run({"CONFIG", "SET", "notify-keyspace-events", "K$"}) == Ok());
    CHECK(n.After({"SET", "k", "v"}) == Events{K("k", "set")});
    REQUIRE(n.h.Run({"CONFIG", "SET", "notify-keyspace-events", "E$"}) == Ok());
    CHECK(n.After({"SET", "k", "v"}) == Events{E("set", "k")});
    // Classes alone publish nothing: there is no channel kind to publish on.
    REQUIRE(n.h.Run({"CONFIG", "SET", "notify-keyspace-events", "A"}) == Ok());
    CHECK(n.After({"SET", "k", "v"}).empty());
  }

  TEST_CASE("subscribers of one exact channel get plain messages, RESP3 ones as pushes") {
    Harness h;
    h.Run({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
    TestSession& space = h.NewSession();
    TestSession& event = h.NewSession();
    event.resp = 3;
    h.RunAs(space, {"SUBSCRIBE", "__keyspace@0__:k"});
    h.RunAs(event, {"SUBSCRIBE", "__keyevent@0__:del"});
    space.TakePushed();
    event.TakePushed();
    h.Run({"SET", "k", "v"});
    h.Run({"DEL", "k"});
    CHECK(space.TakePushed() == "*3\r\n" + Bulk("message") + Bulk("__keyspace@0__:k") +
                                    Bulk("set") + "*3\r\n" + Bulk("message") +
                                    Bulk("__keyspace@0__:k") + Bulk("del"));
    CHECK(event.TakePushed() ==
          ">3\r\n" + Bulk("message") + Bulk("__keyevent@0__:del") + Bulk("k"));
  }

  TEST_CASE("SET family: set, and expire after it when a TTL is given; nothing when refused") {
    Notified n("EA");
    CHECK(n.After({"SET", "a", "1"}) == Events{E("set", "a")});
    CHECK(n.After({"SET", "a", "2", "XX", "KEEPTTL"}) == Events{E("set", "a")});
    CHECK(n.After({"SET", "a", "3", "NX"}).empty());
    CHECK(n.After({"SET", "b", "3", "XX"}).empty());
    CHECK(n.After({"SET", "a", "4", "EX", "100"}) == Events{E("set", "a"), E("expire", "a")});
    CHECK(n.After({"SET", "a", "5", "PX", "100", "GET"}) ==
          Events{E("set", "a"), E("expire", "a")});
    CHECK(n.After({"SET", "c", "1", "EXAT", "9999999999"}) ==
          Events{E("set", "c"), E("expire", "c")});
    CHECK(n.After({"SET", "c", "1", "PXAT", "9999999999000"}) ==
          Events{E("set", "c"), E("expire", "c")});
    CHECK(n.After({"SETNX", "a", "x"}).empty());
    CHECK(n.After({"SETNX", "d", "x"}) == Events{E("set", "d")});
    CHECK(n.After({"SETEX", "e", "100", "x"}) == Events{E("set", "e"), E("expire", "e")});
    CHECK(n.After({"PSETEX", "f", "100", "x"}) == Events{E("set", "f"), E("expire", "f")});
    CHECK(n.After({"SET", "e", "x", "EX", "0"}).empty());  // invalid expire time
  }

  TEST_CASE("GETSET, GETDEL and GETEX publish what they changed, and only that") {
    Notified n("EA");
    CHECK(n.After({"GETSET", "a", "1"}) == Events{E("set", "a")});
    CHECK(n.After({"GETSET", "a", "2"}) == Events{E("set", "a")});
    CHECK(n.After({"GETEX", "a"}).empty());
    CHECK(n.After({"GETEX", "a", "PERSIST"}).empty());  // had no TTL
    CHECK(n.After({"GETEX", "a", "EX", "100"}) == Events{E("expire", "a")});
    CHECK(n.After({"GETEX", "a", "PX", "100000"}) == Events{E("expire", "a")});
    CHECK(n.After({"GETEX", "a", "PERSIST"}) == Events{E("persist", "a")});
    CHECK(n.After({"GETEX", "a", "EXAT", "1"}) == Events{E("del", "a")});  // already past
    CHECK(n.After({"GETEX", "a", "EX", "100"}).empty());                   // no such key
    n.h.Run({"SET", "b", "1"});
    n.Taken();
    CHECK(n.After({"GETDEL", "b"}) == Events{E("del", "b")});
    CHECK(n.After({"GETDEL", "b"}).empty());
  }

  TEST_CASE("MSET publishes set per pair, repeats included; a refused MSETNX nothing") {
    Notified n("EA");
    CHECK(n.After({"MSET", "a", "1", "b", "2", "a", "3"}) ==
          Events{E("set", "a"), E("set", "b"), E("set", "a")});
    CHECK(n.After({"MSETNX", "c", "1", "d", "2"}) == Events{E("set", "c"), E("set", "d")});
    CHECK(n.After({"MSETNX", "c", "1", "e", "2"}).empty());
  }

  TEST_CASE("APPEND publishes append even for nothing; SETRANGE only when it writes bytes") {
    Notified n("EA");
    CHECK(n.After({"APPEND", "a", "x"}) == Events{E("append", "a")});
    CHECK(n.After({"APPEND", "a", ""}) == Events{E("append", "a")});
    CHECK(n.After({"APPEND", "b", ""}) == Events{E("append", "b")});  // creates "b"
    CHECK(n.After({"SETRANGE", "s", "2", "ab"}) == Events{E("setrange", "s")});
    CHECK(n.After({"SETRANGE", "s", "0", "x"}) == Events{E("setrange", "s")});
    CHECK(n.After({"SETRANGE", "s", "0", ""}).empty());
    CHECK(n.After({"SETRANGE", "t", "5", ""}).empty());
    CHECK(n.After({"SETRANGE", "s", "-1", "x"}).empty());
  }

  TEST_CASE("INCR, DECR, INCRBY and DECRBY are incrby events; INCRBYFLOAT incrbyfloat") {
    Notified n("EA");
    CHECK(n.After({"INCR", "c"}) == Events{E("incrby", "c")});
    CHECK(n.After({"DECR", "c"}) == Events{E("incrby", "c")});
    CHECK(n.After({"INCRBY", "c", "5"}) == Events{E("incrby", "c")});
    CHECK(n.After({"INCRBY", "c", "0"}) == Events{E("incrby", "c")});
    CHECK(n.After({"DECRBY", "c", "2"}) == Events{E("incrby", "c")});
    CHECK(n.After({"INCRBYFLOAT", "f", "1.5"}) == Events{E("incrbyfloat", "f")});
    CHECK(n.After({"INCRBYFLOAT", "f", "0"}) == Events{E("incrbyfloat", "f")});
    n.h.Run({"SET", "s", "x"});
    n.Taken();
    CHECK(n.After({"INCR", "s"}).empty());
    CHECK(n.After({"INCRBYFLOAT", "s", "1"}).empty());
    CHECK(n.After({"INCRBY", "c", "9223372036854775807"}).empty());  // overflow
  }

  TEST_CASE("DEL and UNLINK publish del once per removed key") {
    Notified n("EA");
    n.h.Run({"MSET", "a", "1", "b", "2", "c", "3"});
    n.Taken();
    CHECK(n.After({"DEL", "a", "nope", "b", "a"}) == Events{E("del", "a"), E("del", "b")});
    CHECK(n.After({"UNLINK", "c", "nope"}) == Events{E("del", "c")});
    CHECK(n.After({"DEL", "nope"}).empty());
  }

  TEST_CASE("RENAME publishes rename_from then rename_to, not a del of the destination") {
    Notified n("KEA");
    n.h.Run({"MSET", "a", "1", "b", "2"});
    n.Taken();
    CHECK(n.After({"RENAME", "a", "b"}) == Events{K("a", "rename_from"), E("rename_from", "a"),
                                                  K("b", "rename_to"), E("rename_to", "b")});
    REQUIRE(n.h.Run({"CONFIG", "SET", "notify-keyspace-events", "Eg"}) == Ok());
    CHECK(n.After({"RENAME", "b", "b"}).empty());
    CHECK(n.After({"RENAME", "nope", "x"}).empty());
    CHECK(n.After({"RENAMENX", "b", "c"}) == Events{E("rename_from", "b"), E("rename_to", "c")});
    n.h.Run({"SET", "d", "1"});
    CHECK(n.After({"RENAMENX", "c", "d"}).empty());
  }

  TEST_CASE("MOVE and COPY publish in the database each side is in") {
    Notified n("KEA");
    n.h.Run({"SET", "m", "1"});
    n.Taken();
    CHECK(n.After({"MOVE", "m", "2"}) == Events{K("m", "move_from"), E("move_from", "m"),
                                                K("m", "move_to", 2), E("move_to", "m", 2)});
    CHECK(n.After({"MOVE", "m", "2"}).empty());
    REQUIRE(n.h.Run({"CONFIG", "SET", "notify-keyspace-events", "Eg"}) == Ok());
    n.h.Run({"SET", "s", "1"});
    CHECK(n.After({"COPY", "s", "t"}) == Events{E("copy_to", "t")});
    CHECK(n.After({"COPY", "s", "t"}).empty());
    CHECK(n.After({"COPY", "s", "t", "REPLACE"}) == Events{E("copy_to", "t")});
    CHECK(n.After({"COPY", "s", "t", "DB", "3"}) == Events{E("copy_to", "t", 3)});
    CHECK(n.After({"COPY", "nope", "t"}).empty());
  }

  TEST_CASE("EXPIRE family: expire, del for a deadline already past, nothing when refused") {
    Notified n("EA");
    n.h.Run({"SET", "k", "v"});
    n.Taken();
    CHECK(n.After({"EXPIRE", "k", "100"}) == Events{E("expire", "k")});
    CHECK(n.After({"PEXPIRE", "k", "100000"}) == Events{E("expire", "k")});
    CHECK(n.After({"EXPIREAT", "k", "99999999999"}) == Events{E("expire", "k")});
    CHECK(n.After({"PEXPIREAT", "k", "99999999999000"}) == Events{E("expire", "k")});
    CHECK(n.After({"EXPIRE", "k", "100", "NX"}).empty());
    CHECK(n.After({"EXPIRE", "k", "100", "GT"}).empty());
    CHECK(n.After({"EXPIRE", "nope", "100"}).empty());
    CHECK(n.After({"PERSIST", "k"}) == Events{E("persist", "k")});
    CHECK(n.After({"PERSIST", "k"}).empty());
    CHECK(n.After({"EXPIRE", "k", "-1"}) == Events{E("del", "k")});
    n.h.Run({"SET", "k", "v"});
    n.Taken();
    CHECK(n.After({"PEXPIREAT", "k", "1"}) == Events{E("del", "k")});
  }

  TEST_CASE("whole-database commands and plain reads publish nothing") {
    Notified n("KEA");
    n.h.Run({"MSET", "a", "1", "b", "2"});
    n.h.Run({"EXPIRE", "a", "100"});
    n.Taken();
    for (auto cmd : {std::vector<std::string>{"GET", "a"},
                     {"MGET", "a", "b"},
                     {"EXISTS", "a"},
                     {"TYPE", "a"},
                     {"TTL", "a"},
                     {"STRLEN", "a"},
                     {"TOUCH", "a"},
                     {"KEYS", "*"},
                     {"SCAN", "0"},
                     {"RANDOMKEY"},
                     {"DBSIZE"},
                     {"SWAPDB", "0", "1"},
                     {"FLUSHDB"},
                     {"FLUSHALL"}}) {
      CAPTURE(cmd[0]);
      n.h.Run(cmd);
      CHECK(n.Taken().empty());
    }
  }

  TEST_CASE("classes filter events: $ string, g generic, x expired") {
    Notified n("E$");
    CHECK(n.After({"SET", "k", "v", "EX", "100"}) == Events{E("set", "k")});
    CHECK(n.After({"DEL", "k"}).empty());
    REQUIRE(n.h.Run({"CONFIG", "SET", "notify-keyspace-events", "Eg"}) == Ok());
    CHECK(n.After({"SET", "k", "v", "EX", "100"}) == Events{E("expire", "k")});
    CHECK(n.After({"INCR", "c"}).empty());
    REQUIRE(n.h.Run({"CONFIG", "SET", "notify-keyspace-events", "Ex"}) == Ok());
    CHECK(n.After({"SET", "t", "v", "PX", "10"}).empty());
    n.h.clock().AdvanceMs(11);
    CHECK(n.After({"GET", "t"}) == Events{E("expired", "t")});
  }

  TEST_CASE("new (n) comes before the creating command's event, and only with n") {
    Notified n("EAn");
    CHECK(n.After({"SET", "a", "1"}) == Events{E("new", "a"), E("set", "a")});
    CHECK(n.After({"SET", "a", "2"}) == Events{E("set", "a")});
    CHECK(n.After({"INCR", "c"}) == Events{E("new", "c"), E("incrby", "c")});
    CHECK(n.After({"APPEND", "p", "x"}) == Events{E("new", "p"), E("append", "p")});
    CHECK(n.After({"MSET", "a", "1", "b", "2"}) ==
          Events{E("set", "a"), E("new", "b"), E("set", "b")});
    CHECK(n.After({"RENAME", "a", "r"}) ==
          Events{E("new", "r"), E("rename_from", "a"), E("rename_to", "r")});
    CHECK(n.After({"COPY", "r", "b", "REPLACE"}) == Events{E("new", "b"), E("copy_to", "b")});
    CHECK(n.After({"MOVE", "b", "4"}) ==
          Events{E("new", "b", 4), E("move_from", "b"), E("move_to", "b", 4)});
    REQUIRE(n.h.Run({"CONFIG", "SET", "notify-keyspace-events", "EA"}) == Ok());
    CHECK(n.After({"SET", "z", "1"}) == Events{E("set", "z")});
  }

  TEST_CASE("keymiss (m) is published by reads that find no key, never by writes") {
    Notified n("Em");
    for (auto cmd : {std::vector<std::string>{"GET", "x"},
                     {"GETRANGE", "x", "0", "1"},
                     {"SUBSTR", "x", "0", "1"},
                     {"STRLEN", "x"},
                     {"EXISTS", "x"},
                     {"TYPE", "x"},
                     {"TTL", "x"},
                     {"PTTL", "x"},
                     {"EXPIRETIME", "x"},
                     {"PEXPIRETIME", "x"},
                     {"TOUCH", "x"},
                     {"GETEX", "x"},
                     {"GETDEL", "x"},
                     {"COPY", "x", "y"}}) {
      CAPTURE(cmd[0]);
      n.h.Run(cmd);
      CHECK(n.Taken() == Events{E("keymiss", "x")});
    }
    CHECK(n.After({"MGET", "x", "y"}) == Events{E("keymiss", "x"), E("keymiss", "y")});
    CHECK(n.After({"EXISTS", "x", "x"}) == Events{E("keymiss", "x"), E("keymiss", "x")});
    for (auto cmd : {std::vector<std::string>{"DEL", "x"},
                     {"EXPIRE", "x", "1"},
                     {"PERSIST", "x"},
                     {"RENAME", "x", "y"},
                     {"MOVE", "x", "1"},
                     {"SET", "x", "1", "XX"},
                     {"SETRANGE", "x", "0", ""}}) {
      CAPTURE(cmd[0]);
      n.h.Run(cmd);
      CHECK(n.Taken().empty());
    }
    // Reads that read the old value before a write miss too, then create the key.
    REQUIRE(n.h.Run({"CONFIG", "SET", "notify-keyspace-events", "Emn$"}) == Ok());
    CHECK(n.After({"GETSET", "g", "1"}) == Events{E("keymiss", "g"), E("new", "g"), E("set", "g")});
    CHECK(n.After({"SET", "h", "1", "GET"}) ==
          Events{E("keymiss", "h"), E("new", "h"), E("set", "h")});
    CHECK(n.After({"GET", "h"}).empty());
  }

  TEST_CASE("lazy expiry publishes expired before whatever the command does next") {
    Notified n("KEAmn");
    n.h.Run({"SET", "a", "1", "PX", "100"});
    n.h.Run({"SET", "b", "1", "PX", "100"});
    n.h.Run({"SET", "c", "1", "PX", "100"});
    n.Taken();
    n.h.clock().AdvanceMs(101);
    CHECK(n.After({"SET", "a", "2"}) == Events{K("a", "expired"), E("expired", "a"), K("a", "new"),
                                               E("new", "a"), K("a", "set"), E("set", "a")});
    REQUIRE(n.h.Run({"CONFIG", "SET", "notify-keyspace-events", "EAm"}) == Ok());
    CHECK(n.After({"GET", "b"}) == Events{E("expired", "b"), E("keymiss", "b")});
    CHECK(n.After({"EXPIRE", "c", "10"}) == Events{E("expired", "c")});
    CHECK(n.h.Run({"DBSIZE"}) == Int(1));
  }

  TEST_CASE("active expiry publishes expired in the key's database") {
    Notified n("KEx");
    n.h.Run({"SET", "a", "1", "PX", "100"});
    n.h.Run({"SELECT", "3"});
    n.h.Run({"SET", "b", "1", "PX", "100"});
    n.h.Run({"SET", "keep", "1", "PX", "100000"});
    n.h.Run({"SELECT", "0"});
    n.h.clock().AdvanceMs(101);
    size_t removed = 0;
    for (int i = 0; i < 100 && removed < 2; ++i) {
      removed += n.h.keyspace().ActiveExpireCycle(n.h.clock().NowMs(), 1'000'000'000);
    }
    REQUIRE(removed == 2);
    Events got = n.Taken();
    std::sort(got.begin(), got.end());
    CHECK(got ==
          Events{E("expired", "a"), E("expired", "b", 3), K("a", "expired"), K("b", "expired", 3)});
  }

  TEST_CASE("a transaction publishes each command's events as EXEC runs it") {
    Notified n("EA");
    n.h.Run({"MULTI"});
    CHECK(n.After({"SET", "k", "1"}).empty());  // queued
    n.h.Run({"INCR", "k"});
    n.h.Run({"DEL", "k"});
    CHECK(n.After({"EXEC"}) == Events{E("set", "k"), E("incrby", "k"), E("del", "k")});
  }

  TEST_CASE("CONFIG SET accepts the classes in any order and CONFIG GET renders Redis's form") {
    Harness h;
    auto set_get = [&h](std::string_view classes) {
      REQUIRE(h.Run({"CONFIG", "SET", "notify-keyspace-events", classes}) == Ok());
      std::vector<std::string> got = ParseBulkArray(h.Run({"CONFIG", "GET", "notify-*"}));
      REQUIRE(got.size() == 2);
      CHECK(got[0] == "notify-keyspace-events");
      return got[1];
    };
    CHECK(set_get("KEA") == "AKE");
    CHECK(set_get("EK") == "KE");
    CHECK(set_get("KKEE") == "KE");
    CHECK(set_get("Elg") == "glE");
    CHECK(set_get("gx$K") == "g$xK");
    CHECK(set_get("mEKndtexzh") == "hzxetdnKEm");
    CHECK(set_get("ndtexzhsl$") == "$lshzxetdn");
    CHECK(set_get("g$lshzxetd") == "A");  // every type class reads back as A
    CHECK(set_get("g$lshzxetdK") == "AK");
    CHECK(set_get("KEAmn") == "AKEm");  // A hides n (it stays on: see the "new" test)
    CHECK(set_get("") == "");
  }

  TEST_CASE("CONFIG SET refuses other characters with Redis's message and changes nothing") {
    Harness h;
    REQUIRE(h.Run({"CONFIG", "SET", "notify-keyspace-events", "Kx"}) == Ok());
    const std::string refused =
        Err("ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    CHECK(h.Run({"CONFIG", "SET", "notify-keyspace-events", "KEAQ"}) == refused);
    CHECK(h.Run({"CONFIG", "SET", "notify-keyspace-events", "kea"}) == refused);
    CHECK(h.Run({"CONFIG", "SET", "notify-keyspace-events", "K E"}) == refused);
    CHECK(h.Run({"CONFIG", "GET", "notify-keyspace-events"}) ==
          BulkArray({"notify-keyspace-events", "xK"}));
  }
}
