// ReplyWriter: exact RESP2 and RESP3 bytes for every reply type, including how RESP3-only
// types degrade for RESP2 clients (as Redis 7.0 encodes them).
#include "protocol/reply_writer.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

namespace basalt::protocol {
namespace {

// Runs `write` against a fresh writer of the given protocol and returns the bytes.
template <typename Fn>
std::string Reply(int resp, Fn&& write) {
  std::string out;
  ReplyWriter w(&out, resp);
  write(w);
  return out;
}

}  // namespace

TEST_SUITE("reply_writer") {
  TEST_CASE("simple strings, OK, integers and bulks are the same in RESP2 and RESP3") {
    for (int resp : {2, 3}) {
      CAPTURE(resp);
      CHECK(Reply(resp, [](ReplyWriter& w) { w.SimpleString("PONG"); }) == "+PONG\r\n");
      CHECK(Reply(resp, [](ReplyWriter& w) { w.Ok(); }) == "+OK\r\n");
      CHECK(Reply(resp, [](ReplyWriter& w) { w.Integer(0); }) == ":0\r\n");
      CHECK(Reply(resp, [](ReplyWriter& w) { w.Integer(-42); }) == ":-42\r\n");
      CHECK(Reply(resp, [](ReplyWriter& w) { w.Integer(INT64_MAX); }) ==
            ":9223372036854775807\r\n");
      CHECK(Reply(resp, [](ReplyWriter& w) { w.Integer(INT64_MIN); }) ==
            ":-9223372036854775808\r\n");
      CHECK(Reply(resp, [](ReplyWriter& w) { w.Bulk("hello"); }) == "$5\r\nhello\r\n");
      CHECK(Reply(resp, [](ReplyWriter& w) { w.Bulk(""); }) == "$0\r\n\r\n");
      std::string binary("a\0\r\nb", 5);
      CHECK(Reply(resp, [&](ReplyWriter& w) { w.Bulk(binary); }) == "$5\r\n" + binary + "\r\n");
      CHECK(Reply(resp, [](ReplyWriter& w) { w.ArrayHeader(0); }) == "*0\r\n");
      CHECK(Reply(resp, [](ReplyWriter& w) { w.Raw("+RAW\r\n"); }) == "+RAW\r\n");
    }
  }

  TEST_CASE("bulks of every size around the small-value path are framed alike") {
    for (size_t n : {size_t{1}, size_t{9}, size_t{10}, size_t{99}, size_t{100}, size_t{127},
                     size_t{128}, size_t{129}, size_t{1000}, size_t{70000}}) {
      CAPTURE(n);
      const std::string value(n, 'x');
      std::string out = "prefix";
      ReplyWriter w(&out, 2);
      w.Bulk(value);
      w.Bulk(std::string_view(out).substr(0, 3));  // a view into the buffer itself
      CHECK(out == "prefix$" + std::to_string(n) + "\r\n" + value + "\r\n$3\r\npre\r\n");
    }
  }

  TEST_CASE("null is $-1 or *-1 in RESP2 and _ in RESP3") {
    CHECK(Reply(2, [](ReplyWriter& w) { w.Null(); }) == "$-1\r\n");
    CHECK(Reply(2, [](ReplyWriter& w) { w.NullArray(); }) == "*-1\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Null(); }) == "_\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.NullArray(); }) == "_\r\n");
  }

  TEST_CASE("a map is a flat array of 2n elements in RESP2 and % in RESP3") {
    auto write = [](ReplyWriter& w) {
      w.MapHeader(2);
      w.Bulk("a");
      w.Integer(1);
      w.Bulk("b");
      w.Integer(2);
    };
    CHECK(Reply(2, write) == "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n");
    CHECK(Reply(3, write) == "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n");
    CHECK(Reply(2, [](ReplyWriter& w) { w.MapHeader(0); }) == "*0\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.MapHeader(0); }) == "%0\r\n");
  }

  TEST_CASE("sets and pushes are arrays in RESP2") {
    CHECK(Reply(2, [](ReplyWriter& w) { w.SetHeader(3); }) == "*3\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.SetHeader(3); }) == "~3\r\n");
    CHECK(Reply(2, [](ReplyWriter& w) { w.PushHeader(3); }) == "*3\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.PushHeader(3); }) == ">3\r\n");
  }

  TEST_CASE("doubles use %.17g, as a bulk in RESP2 and ',' in RESP3") {
    CHECK(Reply(2, [](ReplyWriter& w) { w.Double(1.5); }) == "$3\r\n1.5\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Double(1.5); }) == ",1.5\r\n");
    CHECK(Reply(2, [](ReplyWriter& w) { w.Double(0.1); }) == "$19\r\n0.10000000000000001\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Double(0.1); }) == ",0.10000000000000001\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Double(3); }) == ",3\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Double(-2.5e-300); }) == ",-2.5e-300\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Double(1.1); }) == ",1.1000000000000001\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Double(1e20); }) == ",1e+20\r\n");
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(Reply(2, [&](ReplyWriter& w) { w.Double(inf); }) == "$3\r\ninf\r\n");
    CHECK(Reply(2, [&](ReplyWriter& w) { w.Double(-inf); }) == "$4\r\n-inf\r\n");
    CHECK(Reply(3, [&](ReplyWriter& w) { w.Double(inf); }) == ",inf\r\n");
    CHECK(Reply(3, [&](ReplyWriter& w) { w.Double(-inf); }) == ",-inf\r\n");
  }

  TEST_CASE("booleans are integers 1/0 in RESP2 and #t/#f in RESP3") {
    CHECK(Reply(2, [](ReplyWriter& w) { w.Bool(true); }) == ":1\r\n");
    CHECK(Reply(2, [](ReplyWriter& w) { w.Bool(false); }) == ":0\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Bool(true); }) == "#t\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Bool(false); }) == "#f\r\n");
  }

  TEST_CASE("verbatim text is a bulk in RESP2 and '=' with its format in RESP3") {
    CHECK(Reply(2, [](ReplyWriter& w) { w.Verbatim("Some string"); }) == "$11\r\nSome string\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Verbatim("Some string"); }) ==
          "=15\r\ntxt:Some string\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Verbatim("# x\r\n", "mkd"); }) ==
          "=9\r\nmkd:# x\r\n\r\n");
    CHECK(Reply(3, [](ReplyWriter& w) { w.Verbatim(""); }) == "=4\r\ntxt:\r\n");
  }

  TEST_CASE("errors keep their code and have CR and LF replaced by spaces") {
    std::string out;
    ReplyWriter w(&out);
    w.Error("ERR syntax error");
    CHECK(out == "-ERR syntax error\r\n");
    out.clear();
    w.Error("ERR bad\r\nthing\n");
    CHECK(out == "-ERR bad  thing \r\n");
    out.clear();
    w.Error("WRONGTYPE Operation against a key holding the wrong kind of value");
    CHECK(out == "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    CHECK(w.errors_written() == 3);
    // Errors are the same in RESP3.
    CHECK(Reply(3, [](ReplyWriter& w3) { w3.Error("ERR x"); }) == "-ERR x\r\n");
  }

  TEST_CASE("a deferred array gets its header in front of the elements written after it") {
    for (int resp : {2, 3}) {
      std::string out = "+before\r\n";
      ReplyWriter w(&out, resp);
      size_t token = w.BeginDeferredArray();
      w.Bulk("a");
      w.Integer(7);
      w.Null();
      w.EndDeferredArray(token, 3);
      std::string null_reply = resp == 2 ? "$-1\r\n" : "_\r\n";
      CHECK(out == "+before\r\n*3\r\n$1\r\na\r\n:7\r\n" + null_reply);
    }
    // Nested: an outer array of one deferred array.
    std::string out;
    ReplyWriter w(&out);
    w.ArrayHeader(2);
    w.Bulk("0");
    size_t token = w.BeginDeferredArray();
    for (int i = 0; i < 12; ++i) w.Integer(i);
    w.EndDeferredArray(token, 12);
    CHECK(out.substr(0, 18) == "*2\r\n$1\r\n0\r\n*12\r\n:0");
    CHECK(Reply(2, [](ReplyWriter& w2) { w2.EndDeferredArray(w2.BeginDeferredArray(), 0); }) ==
          "*0\r\n");
  }

  TEST_CASE("the protocol and buffer can be switched") {
    std::string a, b;
    ReplyWriter w(&a);
    CHECK(w.protocol() == 2);
    w.set_protocol(3);
    w.Null();
    w.set_buffer(&b);
    w.set_protocol(2);
    w.Null();
    CHECK(a == "_\r\n");
    CHECK(b == "$-1\r\n");
    CHECK(w.buffer() == &b);
  }

}  // TEST_SUITE

}  // namespace basalt::protocol
