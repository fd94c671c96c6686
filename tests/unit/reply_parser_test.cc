// protocol::ParseReply: every RESP2 and RESP3 reply type, replies cut at every byte, and
// inputs that are not RESP.
#include "protocol/reply_parser.h"

#include <doctest/doctest.h>

#include <string>

namespace basalt::protocol {
namespace {

using K = Reply::Kind;

Reply Complete(std::string_view in) {
  Reply r;
  size_t consumed = 0;
  std::string error;
  REQUIRE_MESSAGE(ParseReply(in, &r, &consumed, &error) == ReplyParse::kComplete, error);
  CHECK(consumed == in.size());
  return r;
}

std::string ErrorOf(std::string_view in, const ReplyLimits& limits = {}) {
  Reply r;
  size_t consumed = 0;
  std::string error;
  CHECK(ParseReply(in, &r, &consumed, &error, limits) == ReplyParse::kError);
  CHECK(!error.empty());
  return error;
}

TEST_SUITE("reply_parser") {
  TEST_CASE("RESP2 replies decode to their kind and value") {
    CHECK(Complete("+OK\r\n").text == "OK");
    CHECK(Complete("+\r\n").kind == K::kSimpleString);
    Reply e = Complete("-ERR unknown command 'x'\r\n");
    CHECK(e.kind == K::kError);
    CHECK(e.text == "ERR unknown command 'x'");
    CHECK(Complete(":-42\r\n").integer == -42);
    Reply b = Complete(std::string("$5\r\na\r\n\0b\r\n", 11));
    CHECK(b.kind == K::kBulkString);
    CHECK(b.text == std::string("a\r\n\0b", 5));
    CHECK(Complete("$0\r\n\r\n").text.empty());
    CHECK(Complete("$-1\r\n").kind == K::kNull);
    CHECK(Complete("*-1\r\n").kind == K::kNull);
    CHECK(Complete("*0\r\n").kind == K::kArray);
    Reply a = Complete("*3\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n");
    REQUIRE(a.elements.size() == 3);
    CHECK(a.elements[0].integer == 1);
    CHECK(a.elements[1].elements[0].text == "x");
    CHECK(a.elements[2].kind == K::kNull);
  }

  TEST_CASE("RESP3 replies decode to their kind and value") {
    CHECK(Complete("_\r\n").kind == K::kNull);
    CHECK(Complete("#t\r\n").integer == 1);
    CHECK(Complete("#f\r\n").integer == 0);
    Reply d = Complete(",3.25\r\n");
    CHECK(d.kind == K::kDouble);
    CHECK(d.number == 3.25);
    CHECK(d.text == "3.25");
    CHECK(Complete(",inf\r\n").number > 1e308);
    CHECK(Complete(",-inf\r\n").number < -1e308);
    CHECK(Complete("(3492890328409238509324850943850943825024385\r\n").text ==
          "3492890328409238509324850943850943825024385");
    Reply be = Complete("!21\r\nSYNTAX invalid syntax\r\n");
    CHECK(be.kind == K::kError);
    CHECK(be.text == "SYNTAX invalid syntax");
    Reply v = Complete("=15\r\ntxt:Some string\r\n");
    CHECK(v.kind == K::kVerbatim);
    CHECK(v.format == "txt");
    CHECK(v.text == "Some string");
    Reply m = Complete("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n");
    CHECK(m.kind == K::kMap);
    REQUIRE(m.elements.size() == 4);
    CHECK(m.elements[2].text == "second");
    CHECK(Complete("~2\r\n+a\r\n+b\r\n").kind == K::kSet);
    Reply p = Complete(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
    CHECK(p.kind == K::kPush);
    CHECK(p.elements[2].text == "hi");
  }

  TEST_CASE("attributes are read and dropped with the reply they annotate") {
    Reply r = Complete("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:7\r\n");
    CHECK(r.kind == K::kArray);
    REQUIRE(r.elements.size() == 1);
    CHECK(r.elements[0].integer == 7);
  }

  TEST_CASE("every proper prefix of a reply needs more, and consumes nothing") {
    const std::string whole =
        "*4\r\n+OK\r\n$12\r\nhello\r\nworld\r\n%1\r\n:1\r\n#t\r\n=8\r\nmkd:# hi\r\n";
    Complete(whole);
    for (size_t cut = 0; cut < whole.size(); ++cut) {
      Reply r;
      size_t consumed = 12345;
      std::string error;
      CHECK_MESSAGE(ParseReply(std::string_view(whole).substr(0, cut), &r, &consumed, &error) ==
                        ReplyParse::kNeedMore,
                    "cut at " << cut << ": " << error);
      CHECK(consumed == 12345);
    }
  }

  TEST_CASE("replies back to back are taken one at a time") {
    const std::string two =
        "+FULLRESYNC 8de1787ba490483314a4d30f1c628bc5025eb761 0\r\n$3\r\nabc\r\n";
    Reply r;
    size_t consumed = 0;
    std::string error;
    REQUIRE(ParseReply(two, &r, &consumed, &error) == ReplyParse::kComplete);
    CHECK(r.text == "FULLRESYNC 8de1787ba490483314a4d30f1c628bc5025eb761 0");
    REQUIRE(ParseReply(std::string_view(two).substr(consumed), &r, &consumed, &error) ==
            ReplyParse::kComplete);
    CHECK(r.text == "abc");
  }

  TEST_CASE("what is not RESP is refused, saying why") {
    ErrorOf("?\r\n");
    ErrorOf("$abc\r\n");
    ErrorOf("$-2\r\n");
    ErrorOf("*-5\r\n");
    ErrorOf("$3\r\nabcXY");
    ErrorOf(":12a\r\n");
    ErrorOf("#x\r\n");
    ErrorOf(",nope\r\n");
    ErrorOf("_x\r\n");
    ErrorOf("=3\r\ntxt\r\n");
    ErrorOf("!-1\r\n");
    ErrorOf("*2\r\n:1\r\n?\r\n");
    ErrorOf("+" + std::string(70 * 1024, 'a'));  // no CRLF in sight
  }

  TEST_CASE("limits: nesting depth, bulk length and element count") {
    ReplyLimits limits;
    limits.max_depth = 3;
    CHECK(Complete("*1\r\n*1\r\n*1\r\n:1\r\n").kind == K::kArray);
    ErrorOf("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", limits);
    limits = {};
    limits.max_bulk = 10;
    ErrorOf("$11\r\n", limits);
    limits = {};
    limits.max_elements = 4;
    ErrorOf("*5\r\n", limits);
    ErrorOf("%3\r\n", limits);
    // A huge announced count costs nothing until its elements arrive.
    Reply r;
    size_t consumed = 0;
    std::string error;
    CHECK(ParseReply("*4000000000\r\n:1\r\n", &r, &consumed, &error) == ReplyParse::kNeedMore);
  }
}

}  // namespace
}  // namespace basalt::protocol
