// Pub/sub through the in-process harness: confirmations, delivery to other sessions in RESP2
// and RESP3, patterns, shard channels, RESP2's subscribed mode and PUBSUB introspection.
// Expected bytes were taken from redis-server 7.0.15.
#include <doctest/doctest.h>

#include "commands/harness.h"

using namespace basalt::test;

namespace {

std::string Confirm(std::string_view kind, std::string_view name, long long count,
                    char type = '*') {
  return std::string(1, type) + "3\r\n" + Bulk(kind) + Bulk(name) + Int(count);
}

std::string Message(std::string_view channel, std::string_view payload, char type = '*') {
  return std::string(1, type) + "3\r\n" + Bulk("message") + Bulk(channel) + Bulk(payload);
}

}  // namespace

TEST_SUITE("pubsub") {
  TEST_CASE("SUBSCRIBE confirms each channel with the running count") {
    Harness h;
    CHECK(h.Run({"SUBSCRIBE", "a", "b", "a"}) == Confirm("subscribe", "a", 1) +
                                                     Confirm("subscribe", "b", 2) +
                                                     Confirm("subscribe", "a", 2));
    CHECK(h.Run({"PSUBSCRIBE", "x*"}) == Confirm("psubscribe", "x*", 3));
    CHECK(h.Run({"UNSUBSCRIBE", "b", "nope"}) ==
          Confirm("unsubscribe", "b", 2) + Confirm("unsubscribe", "nope", 2));
    CHECK(h.Run({"PUNSUBSCRIBE"}) == Confirm("punsubscribe", "x*", 1));
    CHECK(h.Run({"UNSUBSCRIBE"}) == Confirm("unsubscribe", "a", 0));
    CHECK(h.Run({"UNSUBSCRIBE"}) == "*3\r\n" + Bulk("unsubscribe") + Nil() + Int(0));
    CHECK(h.Run({"PUNSUBSCRIBE"}) == "*3\r\n" + Bulk("punsubscribe") + Nil() + Int(0));
    CHECK(h.Run({"GET", "k"}) == Nil());  // out of subscribed mode again
  }

  TEST_CASE("PUBLISH delivers to every subscriber and counts them") {
    Harness h;
    TestSession& s1 = h.NewSession();
    TestSession& s2 = h.NewSession();
    s2.resp = 3;
    h.RunAs(s1, {"SUBSCRIBE", "news"});
    h.RunAs(s2, {"SUBSCRIBE", "news"});
    CHECK(h.Run({"PUBLISH", "news", "hi\r\nthere"}) == Int(2));
    CHECK(s1.TakePushed() == Message("news", "hi\r\nthere"));
    CHECK(s2.TakePushed() == Message("news", "hi\r\nthere", '>'));
    CHECK(h.Run({"PUBLISH", "other", "x"}) == Int(0));
    CHECK(s1.TakePushed().empty());
  }

  TEST_CASE("patterns get pmessage once per matching pattern") {
    Harness h;
    TestSession& s = h.NewSession();
    h.RunAs(s, {"PSUBSCRIBE", "n*", "*s", "z*"});
    h.RunAs(s, {"SUBSCRIBE", "news"});
    CHECK(h.Run({"PUBLISH", "news", "m"}) == Int(3));
    std::string got = s.TakePushed();
    CHECK(got.find(Message("news", "m")) == 0);  // the channel's subscribers come first
    CHECK(got.find("*4\r\n" + Bulk("pmessage") + Bulk("n*") + Bulk("news") + Bulk("m")) !=
          std::string::npos);
    CHECK(got.find("*4\r\n" + Bulk("pmessage") + Bulk("*s") + Bulk("news") + Bulk("m")) !=
          std::string::npos);
  }

  TEST_CASE("shard channels are a namespace of their own") {
    Harness h;
    TestSession& s = h.NewSession();
    CHECK(h.RunAs(s, {"SSUBSCRIBE", "sc"}) == Confirm("ssubscribe", "sc", 1));
    CHECK(h.RunAs(s, {"SUBSCRIBE", "c"}) == Confirm("subscribe", "c", 1));
    CHECK(h.Run({"PUBLISH", "sc", "x"}) == Int(0));
    CHECK(h.Run({"SPUBLISH", "sc", "x"}) == Int(1));
    CHECK(s.TakePushed() == "*3\r\n" + Bulk("smessage") + Bulk("sc") + Bulk("x"));
    CHECK(h.Run({"PUBSUB", "SHARDCHANNELS"}) == BulkArray({"sc"}));
    CHECK(h.Run({"PUBSUB", "SHARDNUMSUB", "sc", "nope"}) ==
          "*4\r\n" + Bulk("sc") + Int(1) + Bulk("nope") + Int(0));
    CHECK(h.RunAs(s, {"SUNSUBSCRIBE"}) == Confirm("sunsubscribe", "sc", 0));
  }

  TEST_CASE("RESP2 subscribed mode allows only the subscription commands, PING, QUIT, RESET") {
    Harness h;
    h.Run({"SUBSCRIBE", "c"});
    CHECK(h.Run({"GET", "a"}) ==
          Err("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
              "RESET are allowed in this context"));
    CHECK(h.Run({"CLIENT", "ID"}) ==
          Err("ERR Can't execute 'client|id': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
              "QUIT / RESET are allowed in this context"));
    CHECK(h.Run({"PING"}) == "*2\r\n" + Bulk("pong") + Bulk(""));
    CHECK(h.Run({"PING", "x"}) == "*2\r\n" + Bulk("pong") + Bulk("x"));
    CHECK(h.Run({"RESET"}) == Simple("RESET"));
    CHECK(h.Run({"PING"}) == Simple("PONG"));
    CHECK(h.Run({"PUBLISH", "c", "m"}) == Int(0));  // RESET dropped the subscription
  }

  TEST_CASE("RESP3 subscribers may run any command and get pushes") {
    Harness h;
    h.session().resp = 3;
    CHECK(h.Run({"SUBSCRIBE", "c"}) == Confirm("subscribe", "c", 1, '>'));
    CHECK(h.Run({"GET", "a"}) == "_\r\n");
    CHECK(h.Run({"PING"}) == Simple("PONG"));
    CHECK(h.Run({"UNSUBSCRIBE", "c", "d"}) ==
          Confirm("unsubscribe", "c", 0, '>') + Confirm("unsubscribe", "d", 0, '>'));
  }

  TEST_CASE("SUBSCRIBE queued in MULTI runs at EXEC") {
    Harness h;
    h.Run({"MULTI"});
    CHECK(h.Run({"SUBSCRIBE", "c"}) == Simple("QUEUED"));
    CHECK(h.Run({"PING"}) == Simple("QUEUED"));
    CHECK(h.Run({"EXEC"}) ==
          "*2\r\n" + Confirm("subscribe", "c", 1) + "*2\r\n" + Bulk("pong") + Bulk(""));
  }

  TEST_CASE("PUBSUB CHANNELS, NUMSUB, NUMPAT") {
    Harness h;
    TestSession& s = h.NewSession();
    h.RunAs(s, {"SUBSCRIBE", "news.a", "news.b", "other"});
    h.RunAs(s, {"PSUBSCRIBE", "p1", "p2"});
    std::vector<std::string> all = ParseBulkArray(h.Run({"PUBSUB", "CHANNELS"}));
    std::sort(all.begin(), all.end());
    CHECK(all == std::vector<std::string>{"news.a", "news.b", "other"});
    std::vector<std::string> news = ParseBulkArray(h.Run({"PUBSUB", "CHANNELS", "news.*"}));
    CHECK(news.size() == 2);
    CHECK(h.Run({"PUBSUB", "CHANNELS", "x", "y"}) ==
          Err("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB "
              "HELP."));
    CHECK(h.Run({"PUBSUB", "NUMSUB", "other", "none"}) ==
          "*4\r\n" + Bulk("other") + Int(1) + Bulk("none") + Int(0));
    CHECK(h.Run({"PUBSUB", "NUMSUB"}) == "*0\r\n");
    CHECK(h.Run({"PUBSUB", "NUMPAT"}) == Int(2));
    h.CloseSession(s);
    CHECK(h.Run({"PUBSUB", "NUMPAT"}) == Int(0));
    CHECK(h.Run({"PUBSUB", "CHANNELS"}) == "*0\r\n");
  }

  TEST_CASE("CLIENT LIST shows P and the sub, psub and ssub counts") {
    Harness h;
    TestSession& s = h.NewSession();
    h.RunAs(s, {"SUBSCRIBE", "a", "b"});
    h.RunAs(s, {"PSUBSCRIBE", "p"});
    h.RunAs(s, {"SSUBSCRIBE", "s"});
    std::string list = h.Run({"CLIENT", "LIST"});
    CHECK(list.find("id=2 ") != std::string::npos);
    CHECK(list.find("flags=P db=0 sub=2 psub=1 ssub=1 multi=-1") != std::string::npos);
  }
}
