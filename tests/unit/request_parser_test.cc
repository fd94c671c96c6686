// RequestParser: RESP multibulk and inline requests, fed whole, split at every byte, in random
// pieces, and malformed. Expected error texts and edge cases were checked against redis-server
// 7.0.15 over a raw socket.
#include "protocol/request_parser.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

namespace basalt::protocol {
namespace {

using Args = std::vector<std::string>;
using R = RequestParser::Result;

struct Outcome {
  std::vector<Args> requests;  // empty requests ("*0", blank lines) are not recorded
  std::string error;           // set when the parser reported kError
  size_t leftover = 0;         // bytes left unparsed at the end
};

// Plays the connection's part: appends each chunk to a buffer, parses every complete request
// from its front, and drops the consumed bytes. Parse() always sees the bytes from the start
// of the current request, as its contract requires.
Outcome Feed(const std::vector<std::string>& chunks, const ParserLimits& limits = {}) {
  RequestParser parser(&limits);
  Outcome out;
  std::string buf;
  for (const std::string& chunk : chunks) {
    buf += chunk;
    while (!buf.empty()) {
      R r = parser.Parse(buf);
      if (r == R::kNeedMore) break;
      if (r == R::kError) {
        out.error = parser.error();
        return out;
      }
      Args args(parser.args().begin(), parser.args().end());
      if (!args.empty()) out.requests.push_back(std::move(args));
      REQUIRE(parser.consumed() > 0);
      REQUIRE(parser.consumed() <= buf.size());
      buf.erase(0, parser.consumed());
    }
  }
  out.leftover = buf.size();
  return out;
}

Outcome FeedWhole(const std::string& input, const ParserLimits& limits = {}) {
  return Feed({input}, limits);
}

std::string Multibulk(const Args& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// Parses `input` (one request) alone and returns the single result.
R ParseOne(const std::string& input, std::string* error = nullptr,
           const ParserLimits& limits = {}) {
  RequestParser parser(&limits);
  R r = parser.Parse(input);
  if (error != nullptr) *error = parser.error();
  return r;
}

std::string ErrorOf(const std::string& input, const ParserLimits& limits = {}) {
  Outcome o = FeedWhole(input, limits);
  return o.error;
}

const std::string kBinary = std::string("a\0b\r\nc\rd\ne$*\r\n", 15);

}  // namespace

TEST_SUITE("request_parser") {
  TEST_CASE("a multibulk request parses into its arguments and reports its size") {
    ParserLimits limits;
    RequestParser parser(&limits);
    std::string input = Multibulk({"SET", "key", "value"}) + "*1\r\n$4\r\nPING\r\n";
    REQUIRE(parser.Parse(input) == R::kComplete);
    REQUIRE(parser.args().size() == 3);
    CHECK(parser.args()[0] == "SET");
    CHECK(parser.args()[1] == "key");
    CHECK(parser.args()[2] == "value");
    CHECK(parser.consumed() == Multibulk({"SET", "key", "value"}).size());
    CHECK_FALSE(parser.in_request());
  }

  TEST_CASE("a pipeline split at every byte boundary yields the same requests") {
    std::string input = Multibulk({"SET", "k", kBinary}) + Multibulk({"GET", "k"}) + "*0\r\n" +
                        "PING\r\n" + Multibulk({"ECHO", ""}) + "*-1\r\n" + "\n" +
                        "ECHO \"a b\" 'c d'\n" + Multibulk({"DEL", "k", "x", "y"});
    Outcome whole = FeedWhole(input);
    REQUIRE(whole.error.empty());
    REQUIRE(whole.requests.size() == 6);
    CHECK(whole.requests[0] == Args{"SET", "k", kBinary});
    CHECK(whole.requests[2] == Args{"PING"});
    CHECK(whole.requests[3] == Args{"ECHO", ""});
    CHECK(whole.requests[4] == Args{"ECHO", "a b", "c d"});
    CHECK(whole.leftover == 0);
    for (size_t k = 0; k <= input.size(); ++k) {
      CAPTURE(k);
      Outcome split = Feed({input.substr(0, k), input.substr(k)});
      CHECK(split.error.empty());
      CHECK(split.requests == whole.requests);
      CHECK(split.leftover == 0);
    }
  }

  TEST_CASE("every proper prefix of a request needs more, then the whole request completes") {
    const std::vector<std::string> inputs = {Multibulk({"SET", "key", kBinary}),
                                             Multibulk({"X", std::string(40000, 'v'), "y"}),
                                             "*0\r\n",
                                             "*-1\r\n",
                                             "SET a \"b\\x41\"\r\n",
                                             "PING\n"};
    for (const std::string& input : inputs) {
      ParserLimits limits;
      RequestParser parser(&limits);
      for (size_t k = 0; k < input.size(); ++k) {
        CAPTURE(k);
        REQUIRE(parser.Parse(std::string_view(input).substr(0, k)) == R::kNeedMore);
      }
      REQUIRE(parser.Parse(input) == R::kComplete);
      CHECK(parser.consumed() == input.size());
      // A fresh parser given everything at once agrees.
      RequestParser fresh(&limits);
      REQUIRE(fresh.Parse(input) == R::kComplete);
      REQUIRE(fresh.args().size() == parser.args().size());
      for (size_t i = 0; i < fresh.args().size(); ++i) CHECK(fresh.args()[i] == parser.args()[i]);
    }
  }

  TEST_CASE("random splits of a long pipeline yield the same requests") {
    std::mt19937 rng(12345);
    std::vector<Args> expected;
    std::string input;
    for (int i = 0; i < 300; ++i) {
      Args args{"SET", "key:" + std::to_string(i)};
      std::string value(rng() % (i % 50 == 0 ? 70000 : 40), 'x');
      for (char& c : value) c = static_cast<char>(rng());
      args.push_back(value);
      expected.push_back(args);
      input += Multibulk(args);
      if (i % 7 == 0) {
        input += "INCR counter\r\n";
        expected.push_back({"INCR", "counter"});
      }
    }
    for (int round = 0; round < 20; ++round) {
      std::vector<std::string> chunks;
      for (size_t pos = 0; pos < input.size();) {
        size_t n = 1 + rng() % (round < 10 ? 16 : 5000);
        chunks.push_back(input.substr(pos, n));
        pos += n;
      }
      Outcome o = Feed(chunks);
      CHECK(o.error.empty());
      CHECK(o.leftover == 0);
      CHECK(o.requests == expected);
    }
  }

  TEST_CASE("many requests in one buffer are parsed one by one") {
    std::string input;
    for (int i = 0; i < 2000; ++i) input += Multibulk({"INCR", "n" + std::to_string(i)});
    Outcome o = FeedWhole(input);
    REQUIRE(o.requests.size() == 2000);
    CHECK(o.requests[1999] == Args{"INCR", "n1999"});
  }

  TEST_CASE("bulk payloads are binary safe, and empty bulks are empty arguments") {
    Outcome o = FeedWhole(Multibulk({kBinary, "", std::string(1, '\0')}));
    REQUIRE(o.requests.size() == 1);
    CHECK(o.requests[0] == Args{kBinary, "", std::string(1, '\0')});
  }

  TEST_CASE("the two bytes after a bulk payload are skipped unchecked, as Redis does") {
    // Redis 7.0 answers "*1\r\n$4\r\nPINGxyPING\r\n" with two PONGs.
    Outcome o = FeedWhole("*1\r\n$4\r\nPINGxyPING\r\n");
    REQUIRE(o.requests.size() == 2);
    CHECK(o.requests[0] == Args{"PING"});
    CHECK(o.requests[1] == Args{"PING"});
  }

  TEST_CASE("*0 and *-1 are empty requests that consume their header") {
    ParserLimits limits;
    RequestParser parser(&limits);
    REQUIRE(parser.Parse("*0\r\n*1\r\n") == R::kComplete);
    CHECK(parser.args().empty());
    CHECK(parser.consumed() == 4);
    REQUIRE(parser.Parse("*-1\r\n") == R::kComplete);
    CHECK(parser.args().empty());
    CHECK(parser.consumed() == 5);
    // Any negative count is an empty request in Redis.
    Outcome o = FeedWhole("*-5\r\n*1\r\n$4\r\nPING\r\n");
    CHECK(o.error.empty());
    CHECK(o.requests == std::vector<Args>{{"PING"}});
  }

  TEST_CASE("a bad multibulk count is 'invalid multibulk length'") {
    const std::string kMsg = "ERR Protocol error: invalid multibulk length";
    CHECK(ErrorOf("*abc\r\n") == kMsg);
    CHECK(ErrorOf("*+1\r\n") == kMsg);
    CHECK(ErrorOf("*01\r\n") == kMsg);
    CHECK(ErrorOf("* 1\r\n") == kMsg);
    CHECK(ErrorOf("*1 \r\n") == kMsg);
    CHECK(ErrorOf("*\r\n") == kMsg);
    CHECK(ErrorOf("*2147483648\r\n") == kMsg);
    // Redis 7.0 takes any count up to INT_MAX (a bulk insert of millions of members is one
    // request); what a client may buffer is bounded by client-query-buffer-limit instead.
    CHECK(ParseOne("*1048577\r\n") == R::kNeedMore);
    CHECK(ParseOne("*2147483647\r\n") == R::kNeedMore);
    // A header longer than the inline limit but terminated is parsed, and is not a number.
    CHECK(ErrorOf("*" + std::string(70000, '1') + "\r\n") == kMsg);
  }

  TEST_CASE("a bad bulk length is 'invalid bulk length'") {
    const std::string kMsg = "ERR Protocol error: invalid bulk length";
    CHECK(ErrorOf("*1\r\n$-1\r\n") == kMsg);
    CHECK(ErrorOf("*1\r\n$-0\r\n") == kMsg);
    CHECK(ErrorOf("*1\r\n$x\r\n") == kMsg);
    CHECK(ErrorOf("*1\r\n$+1\r\n") == kMsg);
    CHECK(ErrorOf("*1\r\n$01\r\n") == kMsg);
    CHECK(ErrorOf("*1\r\n$4 \r\n") == kMsg);
    CHECK(ErrorOf("*1\r\n$\r\n") == kMsg);
    CHECK(ErrorOf("*1\r\n$536870913\r\n") == kMsg);  // proto-max-bulk-len + 1
    CHECK(ParseOne("*1\r\n$536870912\r\n") == R::kNeedMore);
    ParserLimits small;
    small.max_bulk_len = 10;
    CHECK(ErrorOf("*1\r\n$11\r\n", small) == kMsg);
    CHECK(FeedWhole("*1\r\n$10\r\n0123456789\r\n", small).requests.size() == 1);
    CHECK(ErrorOf("*1\r\n$" + std::string(70000, '1') + "\r\n") == kMsg);
  }

  TEST_CASE("lengths of every digit count parse as the general number rules say") {
    // Short canonical lengths take a one-pass scan; the rest go through ParseInt64: both ways
    // must agree on every case at their border.
    const std::string kBulk = "ERR Protocol error: invalid bulk length";
    const std::string kMulti = "ERR Protocol error: invalid multibulk length";
    CHECK(FeedWhole("*1\r\n$0\r\n\r\n").requests == std::vector<Args>{{""}});
    CHECK(ErrorOf("*1\r\n$00\r\n") == kBulk);
    CHECK(ErrorOf("*00\r\n") == kMulti);
    CHECK(ErrorOf("*1\r\n$" + std::string(18, '9') + "\r\n") == kBulk);
    CHECK(ErrorOf("*1\r\n$1" + std::string(18, '0') + "\r\n") == kBulk);
    CHECK(ErrorOf("*1\r\n$" + std::string(25, '9') + "\r\n") == kBulk);
    CHECK(ErrorOf("*" + std::string(18, '9') + "\r\n") == kMulti);
    CHECK(ErrorOf("*1\r\n$3x\r\n") == kBulk);
    // A line ended by LF alone is not complete: it waits, as a line without CR does.
    CHECK(ParseOne("*1\n") == R::kNeedMore);
    CHECK(ParseOne("*1\r\n$3\n") == R::kNeedMore);
    // The CR has arrived but not the byte after it.
    CHECK(ParseOne("*1\r") == R::kNeedMore);
    CHECK(ParseOne("*1\r\n$3\r") == R::kNeedMore);
  }

  TEST_CASE("a NUL byte before a line's end makes the line wait, as Redis's strchr does") {
    using namespace std::string_literals;
    // Inline: nothing runs, however many lines follow, until the buffer passes the inline limit.
    CHECK(ParseOne("\0PING\r\n"s) == R::kNeedMore);
    CHECK(ParseOne("ECHO a\0b\r\nPING\r\n"s) == R::kNeedMore);
    CHECK(ErrorOf("ECHO a\0b\r\n"s + std::string(70000, 'x')) ==
          "ERR Protocol error: too big inline request");
    // Header lines likewise, with their own errors past the limit.
    CHECK(ParseOne("*1\0\r\n$4\r\nPING\r\n"s) == R::kNeedMore);
    CHECK(ParseOne("*1\r\n\0\r\n"s) == R::kNeedMore);
    CHECK(ParseOne("*1\r\n$4\0\r\nPING\r\n"s) == R::kNeedMore);
    CHECK(ErrorOf("*1\0\r\n"s + std::string(70000, 'x')) ==
          "ERR Protocol error: too big mbulk count string");
    CHECK(ErrorOf("*1\r\n$4\0\r\n"s + std::string(70000, 'x')) ==
          "ERR Protocol error: too big bulk count string");
    // A NUL after the line's end, or inside a bulk's payload, is just a byte.
    Outcome o = FeedWhole("PING\r\n\0"s);
    CHECK(o.error.empty());
    CHECK(o.requests == std::vector<Args>{{"PING"}});
    o = FeedWhole("*2\r\n$4\r\nECHO\r\n$3\r\na\0b\r\n"s);
    CHECK(o.error.empty());
    CHECK(o.requests == std::vector<Args>{{"ECHO", "a\0b"s}});
  }

  TEST_CASE("a non-bulk argument is \"expected '$', got 'x'\" once its line is complete") {
    CHECK(ErrorOf("*1\r\nx\r\n") == "ERR Protocol error: expected '$', got 'x'");
    CHECK(ErrorOf("*2\r\n$1\r\na\r\n:1\r\n") == "ERR Protocol error: expected '$', got ':'");
    // The reply writer turns the CR into a space, giving Redis's "got ' '".
    CHECK(ErrorOf("*1\r\n\r\n") == "ERR Protocol error: expected '$', got '\r'");
    // Redis waits for the end of the line before judging it.
    CHECK(ParseOne("*1\r\nx") == R::kNeedMore);
    CHECK(ParseOne("*1\r\n\r") == R::kNeedMore);
  }

  TEST_CASE("a header line over 64KB without CR is 'too big (m)bulk count string'") {
    CHECK(ErrorOf("*" + std::string(70000, '1')) ==
          "ERR Protocol error: too big mbulk count string");
    CHECK(ErrorOf("*1\r\n$" + std::string(70000, '1')) ==
          "ERR Protocol error: too big bulk count string");
    CHECK(ErrorOf("*1\r\n" + std::string(70000, 'x')) ==
          "ERR Protocol error: too big bulk count string");
    // Exactly at the limit it still waits.
    CHECK(ParseOne("*" + std::string(64 * 1024 - 1, '1')) == R::kNeedMore);
    // The CR has arrived but not the LF: wait, even past the limit.
    CHECK(ParseOne("*" + std::string(70000, '1') + "\r") == R::kNeedMore);
  }

  TEST_CASE("an inline request over 64KB without newline is 'too big inline request'") {
    CHECK(ErrorOf(std::string(70000, 'x')) == "ERR Protocol error: too big inline request");
    // Requests before it are served first, as Redis does.
    Outcome o = FeedWhole("PING\n" + std::string(70000, 'x'));
    CHECK(o.requests == std::vector<Args>{{"PING"}});
    CHECK(o.error == "ERR Protocol error: too big inline request");
    CHECK(ParseOne(std::string(64 * 1024, 'x')) == R::kNeedMore);
    // A long line whose newline has already arrived is accepted, as Redis does.
    Outcome long_line = FeedWhole("ECHO " + std::string(70000, 'y') + "\r\n");
    REQUIRE(long_line.error.empty());
    REQUIRE(long_line.requests.size() == 1);
    CHECK(long_line.requests[0][1].size() == 70000);
  }

  TEST_CASE("before AUTH, more than 10 arguments or a bulk over 16KB is refused") {
    ParserLimits limits;
    RequestParser parser(&limits);
    parser.set_auth_required(true);
    CHECK(parser.Parse("*11\r\n") == R::kError);
    CHECK(parser.error() == "ERR Protocol error: unauthenticated multibulk length");
    CHECK(parser.Parse("*2\r\n$4\r\nAUTH\r\n$16385\r\n") == R::kError);
    CHECK(parser.error() == "ERR Protocol error: unauthenticated bulk length");
    // An AUTH-sized request is fine, and the limits go once authenticated.
    CHECK(parser.Parse("*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n") == R::kComplete);
    parser.set_auth_required(false);
    CHECK(parser.Parse("*11\r\n") == R::kNeedMore);
  }

  TEST_CASE("the parser starts afresh after an error") {
    ParserLimits limits;
    RequestParser parser(&limits);
    REQUIRE(parser.Parse("*2\r\n$3\r\nGET\r\n$x\r\n") == R::kError);
    CHECK_FALSE(parser.in_request());
    REQUIRE(parser.Parse("*1\r\n$4\r\nPING\r\n") == R::kComplete);
    CHECK(parser.args()[0] == "PING");
  }

  TEST_CASE("a pending bulk is reported with where its payload starts, and can be supplied") {
    ParserLimits limits;
    RequestParser parser(&limits);
    const std::string head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\n";
    RequestParser::PendingBulk pending{};
    CHECK_FALSE(parser.pending_bulk(&pending));
    REQUIRE(parser.Parse(head + "abc") == R::kNeedMore);
    REQUIRE(parser.pending_bulk(&pending));
    CHECK(pending.offset == head.size());
    CHECK(pending.length == 40000);
    // The caller received the payload elsewhere; the input now ends where the payload began.
    const std::string payload(40000, 'v');
    parser.SupplyPendingBulk(payload);
    CHECK_FALSE(parser.pending_bulk(&pending));
    REQUIRE(parser.Parse(head) == R::kComplete);
    REQUIRE(parser.args().size() == 3);
    CHECK(parser.args()[1] == "k");
    CHECK(parser.args()[2].data() == payload.data());
    CHECK(parser.consumed() == head.size());
    // Arguments after a supplied one come from the input again, at the same offset.
    const std::string head2 = "*3\r\n$3\r\nSET\r\n$40000\r\n";
    REQUIRE(parser.Parse(head2) == R::kNeedMore);
    parser.SupplyPendingBulk(payload);
    const std::string partial = head2 + "$1\r\n";
    REQUIRE(parser.Parse(partial) == R::kNeedMore);
    REQUIRE(parser.pending_bulk(&pending));  // a small one: the reader leaves it in the input
    CHECK(pending.offset == head2.size() + 4);
    CHECK(pending.length == 1);
    // The input must outlive the arguments that point into it: a named string, no temporary.
    const std::string complete = head2 + "$1\r\nz\r\n";
    REQUIRE(parser.Parse(complete) == R::kComplete);
    CHECK(parser.args()[1].size() == 40000);
    CHECK(parser.args()[2] == "z");
    CHECK(parser.consumed() == head2.size() + 7);
  }

  TEST_CASE("inline requests split on whitespace and ignore empty lines") {
    CHECK(FeedWhole("SET a b\n").requests == std::vector<Args>{{"SET", "a", "b"}});
    CHECK(FeedWhole("SET a b\r\n").requests == std::vector<Args>{{"SET", "a", "b"}});
    CHECK(FeedWhole("  ECHO \t  a   \t\r\n").requests == std::vector<Args>{{"ECHO", "a"}});
    CHECK(FeedWhole("PING\r\r\n").requests == std::vector<Args>{{"PING"}});
    // \v and \f are skipped between arguments but do not end an unquoted argument (sdssplitargs).
    CHECK(FeedWhole("\vPING\n").requests == std::vector<Args>{{"PING"}});
    CHECK(FeedWhole("ECHO a\vb\n").requests == std::vector<Args>{{"ECHO", "a\vb"}});
    ParserLimits limits;
    RequestParser parser(&limits);
    for (std::string blank : {"\n", "\r\n", "   \r\n", "\t\n"}) {
      CAPTURE(blank);
      REQUIRE(parser.Parse(blank) == R::kComplete);
      CHECK(parser.args().empty());
      CHECK(parser.consumed() == blank.size());
    }
    CHECK(FeedWhole("\r\n\nPING\n").requests == std::vector<Args>{{"PING"}});
    CHECK(ParseOne("PING\r") == R::kNeedMore);
    CHECK(ParseOne("PING") == R::kNeedMore);
  }

  TEST_CASE("inline double quotes take escapes; invalid \\x escapes lose only the backslash") {
    auto one = [](const std::string& line) {
      Outcome o = FeedWhole(line + "\n");
      REQUIRE(o.error.empty());
      REQUIRE(o.requests.size() == 1);
      return o.requests[0];
    };
    CHECK(one("ECHO \"t\\tn\\nr\\rb\\ba\\a\\\\\"") == Args{"ECHO", "t\tn\nr\rb\ba\a\\"});
    CHECK(one("ECHO \"a\\\"b\"") == Args{"ECHO", "a\"b"});
    CHECK(one("ECHO \"\\x41\\x6a\\xfF\"") == Args{"ECHO", "Aj\xff"});
    CHECK(one("ECHO \"\\x00\"") == Args{"ECHO", std::string(1, '\0')});
    // Checked against Redis: "\xZZ" -> "xZZ", "\x4" -> "x4", "\X41" -> "X41", "\q" -> "q".
    CHECK(one("ECHO \"\\xZZ\"") == Args{"ECHO", "xZZ"});
    CHECK(one("ECHO \"\\x4\"") == Args{"ECHO", "x4"});
    CHECK(one("ECHO \"\\X41\"") == Args{"ECHO", "X41"});
    CHECK(one("ECHO \"a\\qb\"") == Args{"ECHO", "aqb"});
    CHECK(one("ECHO \"a\\x\"") == Args{"ECHO", "ax"});
    CHECK(one("ECHO \"\" ''") == Args{"ECHO", "", ""});
    CHECK(one("ECHO \"a b\"\t\"c\"") == Args{"ECHO", "a b", "c"});
    CHECK(one("ECHO \"a'b\"") == Args{"ECHO", "a'b"});
    // Unquoted backslashes are literal; a quote inside a word opens a quoted part.
    CHECK(one("ECHO a\\nb") == Args{"ECHO", "a\\nb"});
    CHECK(one("ECHO ab\"c d\"") == Args{"ECHO", "abc d"});
  }

  TEST_CASE("inline single quotes take only \\'") {
    auto one = [](const std::string& line) {
      Outcome o = FeedWhole(line + "\r\n");
      REQUIRE(o.error.empty());
      REQUIRE(o.requests.size() == 1);
      return o.requests[0];
    };
    CHECK(one("ECHO 'it\\'s'") == Args{"ECHO", "it's"});
    CHECK(one("ECHO 'a\\nb'") == Args{"ECHO", "a\\nb"});
    CHECK(one("ECHO 'a\"b'") == Args{"ECHO", "a\"b"});
    CHECK(one("ECHO 'a' 'b c'") == Args{"ECHO", "a", "b c"});
  }

  TEST_CASE("unbalanced or glued quotes are 'unbalanced quotes in request'") {
    const std::string kMsg = "ERR Protocol error: unbalanced quotes in request";
    CHECK(ErrorOf("ECHO \"abc\r\n") == kMsg);
    CHECK(ErrorOf("ECHO 'abc\n") == kMsg);
    CHECK(ErrorOf("ECHO \"a\"b\r\n") == kMsg);
    CHECK(ErrorOf("ECHO 'a'b\r\n") == kMsg);
    CHECK(ErrorOf("ECHO a\"b c\"d\r\n") == kMsg);
    CHECK(ErrorOf("ECHO 'a\\\\'\n") == kMsg);  // \' inside single quotes escapes the quote
    CHECK(ErrorOf("ECHO \"abc\\\n") == kMsg);  // a trailing backslash cannot close the quote
  }

  TEST_CASE("SplitInlineArgs follows sdssplitargs") {
    std::vector<std::string> out;
    REQUIRE(SplitInlineArgs("  a  \"b c\"  'd'  ", &out));
    CHECK(out == Args{"a", "b c", "d"});
    out.clear();
    REQUIRE(SplitInlineArgs("", &out));
    CHECK(out.empty());
    // A closing quote may be followed by any whitespace, \v included.
    out.clear();
    REQUIRE(SplitInlineArgs("\"a\"\v", &out));
    CHECK(out == Args{"a"});
    out.clear();
    CHECK_FALSE(SplitInlineArgs("\"a\"x", &out));
    // The line is a C string to Redis: a NUL ends it.
    out.clear();
    REQUIRE(SplitInlineArgs(std::string_view("ab\0cd", 5), &out));
    CHECK(out == Args{"ab"});
  }

}  // TEST_SUITE

}  // namespace basalt::protocol
