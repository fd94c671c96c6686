// InputBuffer: append at the end, consume from the front, compact, grow, shrink when idle.
#include "protocol/input_buffer.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

namespace basalt::protocol {
namespace {

void Append(InputBuffer& buf, std::string_view bytes) {
  std::span<char> space = buf.PrepareWrite(bytes.size());
  REQUIRE(space.size() >= bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  buf.CommitWrite(bytes.size());
}

}  // namespace

TEST_SUITE("input_buffer") {
  TEST_CASE("a new buffer is empty and holds no memory") {
    InputBuffer buf;
    CHECK(buf.size() == 0);
    CHECK(buf.capacity() == 0);
    CHECK(buf.readable().empty());
  }

  TEST_CASE("written bytes are readable and consumed from the front") {
    InputBuffer buf;
    Append(buf, "hello ");
    Append(buf, "world");
    CHECK(buf.readable() == "hello world");
    buf.Consume(6);
    CHECK(buf.readable() == "world");
    CHECK(buf.size() == 5);
    Append(buf, "!");
    CHECK(buf.readable() == "world!");
    buf.Consume(6);
    CHECK(buf.size() == 0);
    // Consuming everything rewinds, so the whole capacity is free again.
    CHECK(buf.free_space() == buf.capacity());
  }

  TEST_CASE("PrepareWrite returns at least the requested space, possibly more") {
    InputBuffer buf;
    std::span<char> space = buf.PrepareWrite(10);
    CHECK(space.size() >= 10);
    CHECK(buf.capacity() >= 10);
    CHECK(space.size() == buf.free_space());
    // A partial commit: only what was committed becomes readable.
    std::memcpy(space.data(), "abc", 3);
    buf.CommitWrite(3);
    CHECK(buf.readable() == "abc");
  }

  TEST_CASE("unread bytes slide to the front instead of growing when that makes room") {
    InputBuffer buf;
    std::string first(buf.PrepareWrite(1).size(), 'a');  // fill the first allocation exactly
    Append(buf, first);
    size_t cap = buf.capacity();
    CHECK(buf.free_space() == 0);
    buf.Consume(cap - 4);
    Append(buf, "bcd");
    CHECK(buf.capacity() == cap);
    CHECK(buf.readable() == "aaaabcd");
  }

  TEST_CASE("growth keeps the unread bytes intact") {
    InputBuffer buf;
    std::string expected;
    for (int i = 0; i < 2000; ++i) {
      std::string piece = std::to_string(i) + ",";
      Append(buf, piece);
      expected += piece;
      if (i % 3 == 0) {
        buf.Consume(1);
        expected.erase(0, 1);
      }
    }
    CHECK(buf.readable() == expected);
  }

  TEST_CASE("a big announced size is allocated exactly, not rounded to a power of two") {
    InputBuffer buf;
    Append(buf, "*2\r\n");
    const size_t big = 3 * 1024 * 1024 + 17;
    std::span<char> space = buf.PrepareWrite(big);
    CHECK(space.size() == big);
    CHECK(buf.capacity() == 4 + big);
    CHECK(buf.readable() == "*2\r\n");
    // Smaller requests double instead.
    InputBuffer small;
    Append(small, std::string(1500, 'x'));
    CHECK(small.capacity() == 2048);
  }

  TEST_CASE("ShrinkIfEmpty frees a large idle buffer but keeps a small or busy one") {
    InputBuffer buf;
    Append(buf, std::string(100000, 'x'));
    buf.ShrinkIfEmpty(32 * 1024);
    CHECK(buf.capacity() >= 100000);  // not empty: kept
    buf.Consume(100000);
    buf.ShrinkIfEmpty(32 * 1024);
    CHECK(buf.capacity() == 0);
    CHECK(buf.size() == 0);
    Append(buf, "again");
    CHECK(buf.readable() == "again");
    buf.Consume(5);
    size_t cap = buf.capacity();
    buf.ShrinkIfEmpty(32 * 1024);
    CHECK(buf.capacity() == cap);  // small: kept
  }

}  // TEST_SUITE

}  // namespace basalt::protocol
