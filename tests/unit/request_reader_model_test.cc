// RequestReader against a model: random request streams (small, mid-sized and big bulks, runs
// of big values alike so reads are predicted, values past kMaxPredictedBulk and past
// kBigBulkFirstCapacity, inline requests) fed through random reads as a connection makes them
// (any chunk, cap and prediction setting; short reads, empty reads, requests taken while a read
// is pending, requests kept for retry, idle memory given back). Every request must come out
// whole and in order, whatever the reads. The hand-written cases in request_reader_test.cc
// each pin one path; this one checks that the paths hand over to each other at any byte.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_reader.h"

namespace basalt::protocol {
namespace {

using R = RequestParser::Result;
using Args = std::vector<std::string>;

std::string Encode(const Args& args) {
  std::string out = "*";
  out.append(std::to_string(args.size())).append("\r\n");
  for (const std::string& a : args) {
    out.append("$").append(std::to_string(a.size())).append("\r\n").append(a).append("\r\n");
  }
  return out;
}

class StreamMaker {
 public:
  explicit StreamMaker(uint32_t seed) : rng_(seed) {}

  // About `count` requests, their bytes appended to `stream`.
  std::vector<Args> Make(int count, std::string& stream) {
    std::vector<Args> requests;
    while (static_cast<int>(requests.size()) < count) {
      const int kind = Pick(0, 9);
      if (kind <= 2) {
        Add(requests, stream, {"SET", Key(Pick(1, 12)), Bytes(Pick(0, 200))});
      } else if (kind == 3) {
        Add(requests, stream, {"MSET", Key(3), Bytes(Pick(0, 20000)), Key(4), Bytes(Pick(0, 40))});
      } else if (kind == 4) {
        AddInline(requests, stream);
      } else if (kind == 5) {
        Add(requests, stream, {"SET", Key(8), Bytes(Around(kBigArgLen))});
      } else if (kind <= 7) {
        AddRunAlike(requests, stream);
      } else if (kind == 8) {
        // Two big bulks in one request, and a small argument after them.
        Add(requests, stream,
            {"MSET", Key(5), Bytes(Pick(kBigArgLen, 3 * kBigArgLen)), Key(6),
             Bytes(Pick(kBigArgLen, 2 * kBigArgLen))});
      } else if (Pick(0, 15) == 0) {
        // Past kBigBulkFirstCapacity: its buffer grows as the bytes arrive.
        Add(requests, stream, {"SET", Key(9), Bytes(RequestReader::kBigBulkFirstCapacity + 100)});
      } else {
        Add(requests, stream, {"SET", Key(9), Bytes(Around(RequestReader::kMaxPredictedBulk))});
      }
    }
    return requests;
  }

  int Pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  // Where each request made so far ends in the stream.
  const std::vector<size_t>& ends() const { return ends_; }

 private:
  // Big values sent alike (same key length, same size), so the reader predicts them; the last
  // one sometimes breaks the shape.
  void AddRunAlike(std::vector<Args>& requests, std::string& stream) {
    const size_t size = Pick(0, 3) == 0 ? Around(RequestReader::kMaxPredictedBulk)
                                        : static_cast<size_t>(Pick(kBigArgLen, 100 * 1024));
    const int run = Pick(2, 6);
    for (int i = 0; i < run; ++i) {
      // The last one may differ: in its header's length, or only in its value's.
      const int odd = i == run - 1 ? Pick(0, 3) : 0;
      Add(requests, stream,
          {"SET", Key(odd == 1 ? 7 : 10), Bytes(odd >= 2 ? size + Pick(-100, 100) : size)});
    }
  }

  void AddInline(std::vector<Args>& requests, std::string& stream) {
    Args args = {"SET", Key(Pick(1, 6)), Key(Pick(1, 30))};
    if (Pick(0, 1) == 0) args = {"PING"};
    std::string line;
    for (const std::string& a : args) line += (line.empty() ? "" : " ") + a;
    stream += line + "\r\n";
    requests.push_back(std::move(args));
    ends_.push_back(stream.size());
  }

  void Add(std::vector<Args>& requests, std::string& stream, Args args) {
    stream += Encode(args);
    requests.push_back(std::move(args));
    ends_.push_back(stream.size());
  }

  size_t Around(size_t n) { return n + Pick(-3, 3); }
  std::string Key(int n) {
    std::string k(n, 'k');
    for (char& c : k) c = static_cast<char>('a' + Pick(0, 25));
    return k;
  }
  // Every byte value, CR and LF among them.
  std::string Bytes(size_t n) {
    std::string v(n, '\0');
    const int seed = Pick(0, 255);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<char>(seed + i * 31 + (i >> 9));
    return v;
  }

  std::mt19937 rng_;
  std::vector<size_t> ends_;
};

// A connection over the reader, the client's bytes arriving in random pieces.
class ModelConnection {
 public:
  ModelConnection(const std::string& stream, const std::vector<Args>& expected, StreamMaker& rng)
      : stream_(stream), expected_(expected), rng_(rng), reader_(&limits_) {}

  void Run() {
    size_t steps = 0;
    while (next_ < expected_.size()) {
      REQUIRE(++steps < 1000000);
      if (sent_ < stream_.size() && (sent_ == pos_ || rng_.Pick(0, 2) == 0)) ClientWrites();
      if (sent_ > pos_) ReadOnce();
      TakeRequests();
      if (rng_.Pick(0, 9) == 0) GiveBackIdleMemory();
    }
    CHECK(pos_ == stream_.size());
    CHECK(reader_.buffered() == 0);
  }
  // The most memory the reader held after any read.
  size_t largest_memory() const { return largest_memory_; }

 private:
  // The client sends everything, or up to the end of one of its next few requests (as a
  // client writes whole requests), or a random piece.
  void ClientWrites() {
    const size_t left = stream_.size() - sent_;
    const int how = rng_.Pick(0, 4);
    if (how == 0) {
      sent_ = stream_.size();
    } else if (how >= 3) {
      const std::vector<size_t>& ends = rng_.ends();
      auto next = std::upper_bound(ends.begin(), ends.end(), sent_);
      sent_ = *std::min(next + rng_.Pick(0, 2), ends.end() - 1);
    } else {
      sent_ += std::min<size_t>(left, rng_.Pick(1, how == 1 ? 64 : 256 * 1024));
    }
  }

  void ReadOnce() {
    static constexpr size_t kChunks[] = {4 * 1024, 16 * 1024, 32 * 1024};
    static constexpr size_t kCaps[] = {SIZE_MAX, 48 * 1024, 64 * 1024, 1024 * 1024};
    RequestReader::ReadTarget target =
        reader_.ReadSpace(kChunks[rng_.Pick(0, 2)], rng_.Pick(0, 3) != 0, kCaps[rng_.Pick(0, 3)]);
    // Requests may be taken while the read is pending (a client woken from a block).
    if (rng_.Pick(0, 4) == 0) TakeRequests(/*read_pending=*/true);
    if (rng_.Pick(0, 12) == 0) {
      reader_.AbandonRead();  // would block, or was cancelled
      return;
    }
    size_t max = sent_ - pos_;
    if (rng_.Pick(0, 3) == 0) max = rng_.Pick(1, static_cast<int>(std::min<size_t>(max, 70000)));
    size_t n = 0;
    for (std::span<char> span : {target.head, target.payload, target.tail}) {
      const size_t take = std::min(span.size(), max - n);
      if (take == 0) continue;
      std::memcpy(span.data(), stream_.data() + pos_ + n, take);
      n += take;
    }
    if (n == 0) {
      reader_.AbandonRead();
      return;
    }
    pos_ += n;
    reader_.CommitRead(n);
    largest_memory_ = std::max(largest_memory_, reader_.memory_usage());
  }

  void TakeRequests(bool read_pending = false) {
    R result;
    while ((result = reader_.Next()) == R::kComplete) {
      REQUIRE(next_ < expected_.size());
      const std::span<const std::string_view> args = reader_.args();
      INFO("request ", next_);
      REQUIRE(args.size() == expected_[next_].size());
      for (size_t i = 0; i < args.size(); ++i) REQUIRE(args[i] == expected_[next_][i]);
      // A paused client keeps its request and runs it again (at once, or after more reads,
      // maybe while one is pending); then the bytes must be whole.
      if (!read_pending && !retried_ && rng_.Pick(0, 6) == 0) {
        reader_.KeepForRetry();
        retried_ = true;
        if (rng_.Pick(0, 1) == 0) return;
        continue;
      }
      retried_ = false;
      // SET adopts its value's buffer, when the value came in one.
      if (rng_.Pick(0, 1) == 0 && args.size() > 2) {
        HeapString* own = reader_.TakeBuffer(args[2]);
        if (own != nullptr) {
          CHECK(own->view() == expected_[next_][2]);
          HeapString::Destroy(own);
        }
      }
      reader_.FinishRequest();
      ++next_;
    }
    REQUIRE(result == R::kNeedMore);
  }

  // What a connection does between bursts: gives back an idle buffer, a grown one.
  void GiveBackIdleMemory() {
    if (rng_.Pick(0, 1) == 0) {
      reader_.ShrinkIfIdle(32 * 1024);
    } else if (reader_.holds_idle_memory()) {
      reader_.ReleaseIdleMemory();
    }
  }

  const std::string& stream_;
  const std::vector<Args>& expected_;
  StreamMaker& rng_;
  ParserLimits limits_;
  RequestReader reader_;
  size_t sent_ = 0;  // bytes the client has written
  size_t pos_ = 0;   // bytes read
  size_t next_ = 0;  // the next expected request
  bool retried_ = false;
  size_t largest_memory_ = 0;
};

}  // namespace

TEST_SUITE("request_reader_model") {
  TEST_CASE("random requests through random reads come out whole and in order") {
    for (uint32_t seed = 1; seed <= 600; ++seed) {
      CAPTURE(seed);
      StreamMaker maker(seed);
      std::string stream;
      const std::vector<Args> expected = maker.Make(maker.Pick(1, 40), stream);
      size_t largest = 0;
      for (const Args& a : expected) largest = std::max(largest, Encode(a).size());
      ModelConnection connection(stream, expected, maker);
      connection.Run();
      // Held at most: a few copies of the biggest request (its buffer, one kept for retry
      // rewritten into the input, a spare) and the read chunks around them.
      CHECK(connection.largest_memory() <= 3 * largest + 1024 * 1024);
    }
  }
}

}  // namespace basalt::protocol
