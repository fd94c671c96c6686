// replication::Backlog: offsets as Redis counts them, wrap-around at every position, what a
// reconnecting replica can be given, and resizing.
#include "replication/backlog.h"

#include <doctest/doctest.h>

#include <string>

namespace basalt::replication {
namespace {

std::string From(const Backlog& b, int64_t next) {
  REQUIRE(b.Covers(next));
  std::string out;
  b.CopyFrom(next, out);
  return out;
}

}  // namespace

TEST_SUITE("replication backlog") {
  TEST_CASE("offsets start after the offset the backlog is created at") {
    Backlog b(16, 100);
    CHECK(b.offset() == 100);
    CHECK(b.histlen() == 0);
    CHECK(b.Covers(101));  // nothing missing
    CHECK_FALSE(b.Covers(100));
    b.Append("abc");
    CHECK(b.offset() == 103);
    CHECK(b.first_offset() == 101);
    CHECK(From(b, 101) == "abc");
    CHECK(From(b, 103) == "c");
    CHECK(From(b, 104).empty());
    CHECK_FALSE(b.Covers(105));  // a replica ahead of us is not ours
  }

  TEST_CASE("only the last capacity bytes are kept, across every wrap position") {
    for (size_t chunk = 1; chunk <= 20; ++chunk) {
      CAPTURE(chunk);
      Backlog b(8, 0);
      std::string all;
      for (int i = 0; i < 7; ++i) {
        std::string piece;
        for (size_t j = 0; j < chunk; ++j) piece += static_cast<char>('a' + (all.size() + j) % 26);
        b.Append(piece);
        all += piece;
        const size_t kept = std::min<size_t>(all.size(), 8);
        CHECK(b.histlen() == kept);
        CHECK(b.offset() == static_cast<int64_t>(all.size()));
        CHECK(b.first_offset() == static_cast<int64_t>(all.size() - kept + 1));
        CHECK(From(b, b.first_offset()) == all.substr(all.size() - kept));
        CHECK_FALSE(b.Covers(b.first_offset() - 1));
      }
    }
  }

  TEST_CASE("resizing keeps the most recent history that fits") {
    Backlog b(8, 0);
    b.Append("0123456789");  // keeps 23456789
    b.Resize(4);
    CHECK(b.histlen() == 4);
    CHECK(From(b, 7) == "6789");
    b.Append("ab");
    CHECK(From(b, 9) == "89ab");
    b.Resize(16);
    CHECK(From(b, 9) == "89ab");
    b.Append("cdefghij");
    CHECK(From(b, 9) == "89abcdefghij");
    CHECK(b.offset() == 20);
  }
}

}  // namespace basalt::replication
