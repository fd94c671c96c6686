// OutputQueue: replies waiting for the socket, with big values spliced in by reference; and
// the shares that keep those values alive (common/heap_string.h).
#include "server/output_queue.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "common/heap_string.h"

using basalt::HeapString;
using basalt::server::OutputQueue;
using basalt::server::Splice;

namespace {

// Everything Gather offers from the front, at most max_bytes, concatenated.
std::string Peek(const OutputQueue& q, size_t max_bytes, size_t max_pieces = 64) {
  std::vector<OutputQueue::Piece> pieces(max_pieces);
  const size_t n = q.Gather(pieces, max_bytes);
  std::string out;
  for (size_t i = 0; i < n; ++i) out.append(pieces[i].data, pieces[i].size);
  return out;
}

// Drains the queue in writes of `step` bytes, as a socket taking `step` at a time would.
std::string Drain(OutputQueue& q, size_t step) {
  std::string sent;
  while (!q.empty()) {
    std::string piece = Peek(q, step);
    REQUIRE(!piece.empty());
    sent += piece;
    q.Consume(piece.size(), nullptr);
  }
  return sent;
}

// "hdr1|" + value + "|mid|" + value2 + "|end": two splices in one block of bytes.
struct TwoSplices {
  HeapString* a = HeapString::Create(std::string(70, 'a'), 70);
  HeapString* b = HeapString::Create(std::string(33, 'b'), 33);
  std::string expected = "hdr1|" + std::string(70, 'a') + "|mid|" + std::string(33, 'b') + "|end";
  void PushTo(OutputQueue& q) {
    std::string bytes = "hdr1||mid||end";
    q.Push(std::move(bytes), 0, {{5, HeapString::Share(a)}, {10, HeapString::Share(b)}});
  }
  ~TwoSplices() {
    HeapString::Release(a);
    HeapString::Release(b);
  }
};

}  // namespace

TEST_SUITE("output_queue") {
  TEST_CASE("a shared string lives until its last holder lets go") {
    HeapString* s = HeapString::Create("value", 5);
    CHECK_FALSE(s->shared());
    HeapString::Share(s);
    HeapString::Share(s);
    CHECK(s->shared());
    HeapString::Release(s);  // the owner: the bytes stay for the two holders
    CHECK(s->view() == "value");
    HeapString::Release(s);
    CHECK_FALSE(s->shared());
    HeapString::Release(s);  // the last one frees it (ASan would report a leak otherwise)
  }

  TEST_CASE("splices go out in place, whatever size each write takes") {
    TwoSplices t;
    for (size_t step = 1; step <= t.expected.size() + 1; ++step) {
      CAPTURE(step);
      OutputQueue q;
      t.PushTo(q);
      CHECK(q.bytes() == t.expected.size());
      CHECK(Drain(q, step) == t.expected);
      CHECK(q.bytes() == 0);
      CHECK_FALSE(t.a->shared());  // every share was given back once sent
      CHECK_FALSE(t.b->shared());
    }
  }

  TEST_CASE("blocks stay in order and a write may span several of them") {
    TwoSplices t;
    OutputQueue q;
    q.Push(std::string("first;"), 0, {});
    t.PushTo(q);
    q.Push(std::string("xxlast"), 2, {});  // its first two bytes were sent already
    const std::string all = "first;" + t.expected + "last";
    CHECK(q.bytes() == all.size());
    CHECK(Peek(q, 1 << 20) == all);
    CHECK(Drain(q, 7) == all);
  }

  TEST_CASE("the piece limit and the byte limit both stop a gather") {
    TwoSplices t;
    OutputQueue q;
    t.PushTo(q);
    CHECK(Peek(q, 1 << 20, 2) == "hdr1|" + std::string(70, 'a'));
    CHECK(Peek(q, 8) == "hdr1|aaa");
    // The size a block had when queued decides whether its writes are capped.
    q.Push(std::string("next"), 0, {});
    CHECK(q.front_block_size() == t.expected.size());
    q.Consume(15, nullptr);
    CHECK(q.front_block_size() == t.expected.size());
    q.Consume(t.expected.size() - 15, nullptr);
    CHECK(q.front_block_size() == 4);
  }

  TEST_CASE("a splice at the very start or end of a block, and an empty value") {
    HeapString* v = HeapString::Create("VV", 2);
    HeapString* empty = HeapString::Create("", 0);
    OutputQueue q;
    q.Push(std::string("ab"), 0,
           {{0, HeapString::Share(v)}, {2, HeapString::Share(empty)}, {2, HeapString::Share(v)}});
    CHECK(q.bytes() == 6);
    CHECK(Drain(q, 1) == "VVabVV");
    CHECK_FALSE(v->shared());
    CHECK_FALSE(empty->shared());
    HeapString::Release(v);
    HeapString::Release(empty);
  }

  TEST_CASE("dropping the queue gives every share back") {
    TwoSplices t;
    {
      OutputQueue q;
      t.PushTo(q);
      q.Consume(8, nullptr);  // partway into the first value
      CHECK(t.a->shared());
    }
    CHECK_FALSE(t.a->shared());
    CHECK_FALSE(t.b->shared());
  }

  TEST_CASE("a drained block becomes the next output buffer, unless it is a big one") {
    OutputQueue q;
    std::string small;
    small.reserve(4096);
    small.assign(3000, 's');
    q.Push(std::move(small), 0, {});
    std::string spare;
    q.Consume(3000, &spare);
    CHECK(spare.empty());
    CHECK(spare.capacity() >= 4096);

    std::string sealed(2 << 20, 'x');  // a sealed block: freed, not kept
    q.Push(std::move(sealed), 0, {});
    std::string other;
    q.Consume(2 << 20, &other);
    CHECK(other.capacity() < (2u << 20));
    CHECK(q.owned_capacity() == 0);
  }

  TEST_CASE("a queue that never drains keeps a bounded array, and its order") {
    OutputQueue q;
    q.Push("block 0;", 0, {});
    size_t most = 0;
    for (int i = 1; i <= 10000; ++i) {
      q.Push("block " + std::to_string(i) + ";", 0, {});
      const std::string front = "block " + std::to_string(i - 1) + ";";
      REQUIRE(Peek(q, front.size()) == front);
      q.Consume(front.size(), nullptr);
      most = std::max(most, q.array_bytes());
    }
    CHECK(most <= 4096);  // a few blocks' worth, not 10,000 sent ones
    CHECK(Drain(q, 3) == "block 10000;");
  }

  TEST_CASE("an empty queue gives its array back; one with blocks keeps them") {
    OutputQueue q;
    CHECK(q.array_bytes() == 0);  // a new queue allocates nothing
    q.Push("one;", 0, {});
    q.Push("two;", 0, {});
    q.ReleaseIfEmpty();
    CHECK(Drain(q, 5) == "one;two;");
    CHECK(q.array_bytes() > 0);  // kept for the next blocks
    q.ReleaseIfEmpty();
    CHECK(q.array_bytes() == 0);
    q.Push("three;", 0, {});
    CHECK(Drain(q, 100) == "three;");
  }
}
