// RequestReader: big bulks received into buffers of their own, split at every boundary.
#include "protocol/request_reader.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::protocol {
namespace {

using R = RequestParser::Result;
using Args = std::vector<std::string>;

std::string Command(const Args& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

std::string Value(size_t n, char seed) {
  std::string v(n, '\0');
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<char>(seed + i * 7 + (i >> 8));
  return v;
}

// One recv as a connection makes it: up to `max` bytes of `src` into the reader's read target,
// its spans in order (header, payload, tail). Returns the bytes taken.
size_t Receive(RequestReader& reader, std::string_view src, size_t max = SIZE_MAX,
               size_t chunk = 16 * 1024) {
  RequestReader::ReadTarget target = reader.ReadSpace(chunk);
  size_t n = 0;
  for (std::span<char> span : {target.head, target.payload, target.tail}) {
    const size_t take = std::min({span.size(), max - n, src.size() - n});
    if (take == 0) continue;  // an empty span has no data pointer to copy to
    std::memcpy(span.data(), src.data() + n, take);
    n += take;
  }
  reader.CommitRead(n);
  return n;
}

// redis-benchmark's -P `n` batch of SETs of `size`-byte values.
std::string SetBatch(int n, size_t size, char seed) {
  std::string batch;
  for (int i = 0; i < n; ++i)
    batch += Command({"SET", "key:" + std::to_string(i), Value(size, seed)});
  return batch;
}

struct Fed {
  std::vector<Args> requests;
  // Per request, per argument: whether it came in a buffer of its own (TakeBuffer found it).
  std::vector<std::vector<bool>> own_buffer;
  size_t reads = 0;
};

// Feeds `stream` in reads whose sizes come from `reads` (cycled), taking every request and the
// buffer of every argument that has one.
Fed Feed(const std::string& stream, const std::vector<size_t>& reads) {
  ParserLimits limits;
  RequestReader reader(&limits);
  Fed fed;
  size_t pos = 0, turn = 0;
  while (pos < stream.size()) {
    pos += Receive(reader, std::string_view(stream).substr(pos), reads[turn++ % reads.size()]);
    ++fed.reads;
    while (reader.Next() == R::kComplete) {
      Args args;
      std::vector<bool> own;
      for (std::string_view a : reader.args()) {
        args.emplace_back(a);
        HeapString* buffer = reader.TakeBuffer(a);
        own.push_back(buffer != nullptr);
        if (buffer != nullptr) {
          CHECK(buffer->view() == a);
          HeapString::Destroy(buffer);
        }
      }
      fed.requests.push_back(std::move(args));
      fed.own_buffer.push_back(std::move(own));
      reader.FinishRequest();
    }
  }
  CHECK(reader.buffered() == 0);
  return fed;
}

}  // namespace

TEST_SUITE("request_reader") {
  TEST_CASE("bulks from kBigArgLen up get a buffer of their own, at every split of the input") {
    for (size_t size : {size_t(kBigArgLen) - 1, size_t(kBigArgLen), size_t(kBigArgLen) + 1}) {
      CAPTURE(size);
      const std::string value = Value(size, 'a');
      const Args set = {"SET", "k", value};
      const Args get = {"GET", "k"};
      const std::string stream = Command(set) + Command(get);
      const size_t payload_at = stream.find("\r\n", stream.find("$" + std::to_string(size))) + 2;
      const bool big = size >= static_cast<size_t>(kBigArgLen);
      // Two reads, cut at every byte around the header, the payload's start and its end.
      std::vector<size_t> cuts;
      for (size_t c = 1; c < payload_at + 24; ++c) cuts.push_back(c);
      for (size_t c = payload_at + size - 8; c < payload_at + size + 12; ++c) cuts.push_back(c);
      for (size_t cut : cuts) {
        CAPTURE(cut);
        Fed fed = Feed(stream, {cut, stream.size()});
        REQUIRE(fed.requests.size() == 2);
        CHECK(fed.requests[0] == set);
        CHECK(fed.requests[1] == get);
        CHECK(fed.own_buffer[0] == std::vector<bool>{false, false, big});
      }
      // Many small reads, and odd read sizes.
      for (size_t step : {1, 7, 1000, 4096, 16384}) {
        CAPTURE(step);
        Fed fed = Feed(stream, {step});
        REQUIRE(fed.requests.size() == 2);
        CHECK(fed.requests[0] == set);
        CHECK(fed.own_buffer[0][2] == big);
      }
    }
  }

  TEST_CASE("several big bulks in one request, and small arguments after them") {
    const Args mset = {"MSET", "a", Value(40000, 'x'), "b", Value(kBigArgLen, 'y'), "c", "z"};
    const std::string stream = Command(mset) + Command({"PING"}) + Command(mset);
    for (size_t step : {3, 5000, 16384, 100000}) {
      Fed fed = Feed(stream, {step});
      REQUIRE(fed.requests.size() == 3);
      CHECK(fed.requests[0] == mset);
      CHECK(fed.requests[1] == Args{"PING"});
      CHECK(fed.requests[2] == mset);
      // A bulk that arrived whole with its header stays in the input: only short reads are
      // sure to split both big ones.
      if (step <= 16384) {
        CHECK(fed.own_buffer[2] ==
              std::vector<bool>{false, false, true, false, true, false, false});
      }
    }
  }

  TEST_CASE("a stream of big values keeps taking the big-bulk path, however fast it arrives") {
    // Reads as large as offered: growing reads for a pipeline must not swallow big values
    // into the input buffer (which would copy them again and grow the buffer to their size).
    std::string stream;
    std::vector<Args> sets;
    for (char c = 'a'; c < 'i'; ++c) {
      sets.push_back({"SET", std::string(1, c), Value(40000, c)});
      stream += Command(sets.back());
    }
    Fed fed = Feed(stream, {size_t(1) << 30});
    CHECK(fed.requests == sets);
    for (const std::vector<bool>& own : fed.own_buffer) {
      CHECK(own == std::vector<bool>{false, false, true});
    }
  }

  TEST_CASE(
      "a pipeline of big values is read one read a request: a bulk's rest, the next's start") {
    // redis-benchmark -P 16 with 40 KB values, read as fast as offered.
    const std::string batch = SetBatch(16, 40000, 'p') + Command({"GET", "key:3"});
    Fed fed = Feed(batch, {SIZE_MAX});
    REQUIRE(fed.requests.size() == 17);
    for (int i = 0; i < 16; ++i) {
      CAPTURE(i);
      CHECK(fed.requests[i] == Args{"SET", "key:" + std::to_string(i), Value(40000, 'p')});
      CHECK(fed.own_buffer[i] == std::vector<bool>{false, false, true});
    }
    CHECK(fed.requests[16] == Args{"GET", "key:3"});
    // The first read (a plain chunk), then one per request: its rest and the next one's start.
    CHECK(fed.reads == 1 + 16);
    // The read that completes the first bulk ends at every byte around the second request's
    // header, and further in (its tail full).
    const std::string two = SetBatch(2, 40000, 'q');
    const size_t second_at = two.size() / 2;
    const size_t second_payload_at = two.find("\r\n", two.find("$40000", second_at)) + 2;
    std::vector<size_t> ends = {second_at + RequestReader::kBulkTail + 100};
    for (size_t end = second_at - 2; end < second_payload_at + 4; ++end) ends.push_back(end);
    for (size_t end : ends) {
      CAPTURE(end);
      Fed f = Feed(two, {16 * 1024, end - 16 * 1024, SIZE_MAX});
      REQUIRE(f.requests.size() == 2);
      CHECK(f.requests[0] == Args{"SET", "key:0", Value(40000, 'q')});
      CHECK(f.requests[1] == Args{"SET", "key:1", Value(40000, 'q')});
      CHECK(f.own_buffer[1] == std::vector<bool>{false, false, true});
    }
  }

  TEST_CASE("a big bulk's rest gets no tail until its buffer holds the whole bulk") {
    // Bigger than kBigBulkFirstCapacity: the buffer grows as the bytes arrive, and bytes past
    // its end belong to the bulk, not to what follows it.
    const size_t size = RequestReader::kBigBulkFirstCapacity + 100000;
    const Args set = {"SET", "big", Value(size, 'z')};
    const std::string stream = Command(set) + Command({"PING"});
    ParserLimits limits;
    RequestReader reader(&limits);
    Receive(reader, stream, 1000);
    CHECK(reader.Next() == R::kNeedMore);
    REQUIRE(reader.receiving_big_bulk());
    RequestReader::ReadTarget target = reader.ReadSpace(16 * 1024);
    CHECK(target.tail.empty());
    reader.AbandonRead();
    Fed fed = Feed(stream, {1000, SIZE_MAX});
    REQUIRE(fed.requests.size() == 2);
    CHECK(fed.requests[0] == set);
    CHECK(fed.requests[1] == Args{"PING"});
  }

  TEST_CASE("big values sent alike are read whole, one read each, into their own buffers") {
    // Same header length and value size each time: from the third on, the header goes to the
    // input and the payload straight into its buffer, in one read.
    ParserLimits limits;
    RequestReader reader(&limits);
    std::vector<size_t> reads_per_request;
    for (char c = 'a'; c < 'g'; ++c) {
      const Args set = {"SET", std::string("key:") + c, Value(65536, c)};
      const std::string request = Command(set);
      CAPTURE(c);
      size_t pos = 0, reads = 0;
      R result = R::kNeedMore;
      while (result == R::kNeedMore && pos < request.size()) {
        pos += Receive(reader, std::string_view(request).substr(pos));
        ++reads;
        result = reader.Next();  // as a connection does after each read
      }
      REQUIRE(result == R::kComplete);
      CHECK(Args(reader.args().begin(), reader.args().end()) == set);
      HeapString* taken = reader.TakeBuffer(reader.args()[2]);
      REQUIRE(taken != nullptr);
      CHECK(taken->view() == set[2]);
      HeapString::Destroy(taken);
      reader.FinishRequest();
      CHECK(reader.Next() == R::kNeedMore);
      reads_per_request.push_back(reads);
    }
    CHECK(reads_per_request == std::vector<size_t>{2, 2, 1, 1, 1, 1});
    // The spare for the next one is counted as the client's memory, and given back when idle.
    CHECK(reader.predicts_big_bulk());
    CHECK(reader.ReadSpace(16 * 1024, /*may_predict=*/false).payload.empty());
    CHECK(reader.ReadSpace(16 * 1024).payload.size() == 65536 + 2);
    CHECK(reader.holds_spare());
    CHECK(reader.memory_usage() > 65536);
    reader.ReleaseSpare();
    CHECK_FALSE(reader.holds_spare());
    CHECK(reader.memory_usage() < 65536);
    CHECK(reader.ReadSpace(16 * 1024).payload.empty());
  }

  TEST_CASE("a predicted read's tail takes what follows the request, and tells a pipeline") {
    ParserLimits limits;
    RequestReader reader(&limits);
    std::vector<Args> got;
    auto take_all = [&] {
      while (reader.Next() == R::kComplete) {
        got.emplace_back(reader.args().begin(), reader.args().end());
        for (std::string_view a : reader.args()) {
          if (HeapString* b = reader.TakeBuffer(a)) HeapString::Destroy(b);
        }
        reader.FinishRequest();
      }
    };
    auto receive_whole = [&](const std::string& bytes) {
      for (size_t pos = 0; pos < bytes.size();) {
        pos += Receive(reader, std::string_view(bytes).substr(pos));
        take_all();
      }
    };
    receive_whole(Command({"SET", "k1", Value(40000, 'a')}));
    receive_whole(Command({"SET", "k2", Value(40000, 'b')}));
    // A client that waits for each reply: its request alone, the tail empty.
    RequestReader::ReadTarget target = reader.ReadSpace(16 * 1024);
    REQUIRE(target.payload.size() == 40002);
    CHECK(target.tail.size() == RequestReader::kPredictedTail);
    receive_whole(Command({"SET", "k3", Value(40000, 'c')}));
    CHECK_FALSE(reader.last_read_overran());
    // A pipelining one: one read takes the request and the start of the next ones.
    std::vector<Args> batch;
    std::string stream;
    for (char c = 'd'; c < 'h'; ++c) {
      batch.push_back({"SET", std::string("k") + c, Value(40000, c)});
      stream += Command(batch.back());
    }
    batch.push_back({"GET", "k1"});
    stream += Command(batch.back());
    const size_t first = Receive(reader, stream);
    CHECK(first == 29 + 40002 + RequestReader::kPredictedTail);
    CHECK(reader.last_read_overran());
    take_all();
    receive_whole(stream.substr(first));
    REQUIRE(got.size() == 3 + batch.size());
    CHECK(std::vector<Args>(got.begin() + 3, got.end()) == batch);
    CHECK(reader.buffered() == 0);
  }

  TEST_CASE("a request not shaped as predicted is parsed as if read plainly, at every split") {
    // Two alike arm the prediction; then requests it gets wrong (small ones, a longer key, an
    // inline command, a small value, arguments after the value) and ones it takes with another
    // length (same header length, value a little longer or shorter).
    std::vector<Args> requests = {{"SET", "k1", Value(40000, 'a')},
                                  {"SET", "k2", Value(40000, 'b')},
                                  {"GET", "k1"},
                                  {"PING"},
                                  {"SET", "k3", Value(40001, 'c')},
                                  {"SET", "k4", Value(40000, 'd')},
                                  {"SET", "k5", Value(40000, 'e')},
                                  {"SET", "k6", Value(39999, 'f')},
                                  {"SET", "key7", Value(40000, 'g')},
                                  {"SET", "k8", Value(40000, 'h')},
                                  {"SET", "k9", Value(40000, 'i')},
                                  {"SET", "k0", Value(kBigArgLen - 1, 'j')},
                                  {"SET", "ka", Value(40000, 'k')},
                                  {"SET", "kb", Value(40000, 'l'), "PX", "100"},
                                  {"SET", "kc", Value(40000, 'm')}};
    std::string stream;
    for (const Args& r : requests) stream += r == Args{"PING"} ? "PING\r\n" : Command(r);
    for (std::vector<size_t> reads :
         std::vector<std::vector<size_t>>{{SIZE_MAX}, {1}, {7}, {4096}, {16384, 30}, {60000}}) {
      CAPTURE(reads[0]);
      Fed fed = Feed(stream, reads);
      CHECK(fed.requests == requests);
    }
    // The first read of each request cut short (the header is 29 bytes), the next ones taking
    // all they are offered, the following requests' bytes included.
    for (size_t cut : {1, 10, 28, 29, 30, 31, 129, 40000, 40030, 40031, 40032}) {
      CAPTURE(cut);
      ParserLimits limits;
      RequestReader reader(&limits);
      std::vector<Args> got;
      size_t pos = 0, limit = cut;
      while (pos < stream.size()) {
        pos += Receive(reader, std::string_view(stream).substr(pos), limit);
        limit = SIZE_MAX;
        while (reader.Next() == R::kComplete) {
          got.emplace_back(reader.args().begin(), reader.args().end());
          reader.FinishRequest();
          limit = cut;
        }
      }
      CHECK(got == requests);
      CHECK(reader.buffered() == 0);
    }
  }

  TEST_CASE("a predicted read that takes in more than the predicted request") {
    // Armed by two alike, then a request unlike them arrives with the next one behind it: a
    // shorter value (bytes of the next request land in the spare), a shorter or longer key (the
    // payload starts before or after the predicted header's end), a longer value.
    const std::vector<Args> unlike = {{"SET", "k6", Value(39999, 'f')},
                                      {"SET", "k", Value(40000, 'g')},
                                      {"SET", "key7", Value(40000, 'h')},
                                      {"SET", "k8", Value(40001, 'i')}};
    for (const Args& next : unlike) {
      CAPTURE(next[1]);
      ParserLimits limits;
      RequestReader reader(&limits);
      std::vector<Args> got;
      auto take = [&](const std::string& bytes) {
        size_t pos = 0;
        while (pos < bytes.size()) {
          pos += Receive(reader, std::string_view(bytes).substr(pos));
          while (reader.Next() == R::kComplete) {
            got.emplace_back(reader.args().begin(), reader.args().end());
            reader.FinishRequest();
          }
        }
      };
      take(Command({"SET", "k1", Value(40000, 'a')}));
      take(Command({"SET", "k2", Value(40000, 'b')}));
      REQUIRE(reader.ReadSpace(16 * 1024).payload.size() == 40002);  // armed
      take(Command(next) + Command({"GET", "k1"}) + "PING\r\n");
      REQUIRE(got.size() == 5);
      CHECK(got[2] == next);
      CHECK(got[3] == Args{"GET", "k1"});
      CHECK(got[4] == Args{"PING"});
      CHECK(reader.buffered() == 0);
    }
  }

  TEST_CASE("the input buffer stays one read chunk while a big bulk arrives") {
    ParserLimits limits;
    RequestReader reader(&limits);
    const std::string value = Value(1 << 20, 'q');
    const std::string stream = Command({"SET", "k", value});
    size_t pos = 0;
    size_t reads = 0;
    while (pos < stream.size()) {
      pos += Receive(reader, std::string_view(stream).substr(pos));
      ++reads;
      // The query buffer limit sees what was received (a complete bulk's CRLF is dropped).
      CHECK(reader.buffered() + 2 >= pos);
      if (reader.Next() == R::kComplete) break;
    }
    CHECK(pos == stream.size());
    CHECK(reads == 2);  // the first chunk, then the rest straight into the value's buffer
    CHECK(reader.memory_usage() < 16 * 1024 * 2 + value.size() + 64);
    HeapString* taken = reader.TakeBuffer(reader.args()[2]);
    REQUIRE(taken != nullptr);
    CHECK(taken->view() == value);
    CHECK(reader.TakeBuffer(reader.args()[2]) == nullptr);  // handed over once
    HeapString::Destroy(taken);
    reader.FinishRequest();
    CHECK(reader.buffered() == 0);
  }

  TEST_CASE("pipelined batches a little over one read chunk are read whole once seen") {
    // redis-benchmark -P 16 with 1 KB values sends 17 KB at a time: a 16 KB offer splits every
    // batch into two reads (and two replies' sends). After one split the buffer must stay big
    // enough, however often the batches leave it empty in between.
    ParserLimits limits;
    RequestReader reader(&limits);
    const std::string batch = SetBatch(16, 1024, 'b');
    REQUIRE(batch.size() > 16 * 1024);
    std::vector<size_t> reads_per_batch;
    for (int round = 0; round < 6; ++round) {
      size_t pos = 0, reads = 0;
      while (pos < batch.size()) {
        pos += Receive(reader, std::string_view(batch).substr(pos));
        ++reads;
        while (reader.Next() == R::kComplete) reader.FinishRequest();
        reader.ShrinkIfIdle(32 * 1024);
      }
      reads_per_batch.push_back(reads);
    }
    CHECK(reads_per_batch.front() == 2);
    for (size_t i = 1; i < reads_per_batch.size(); ++i) CHECK(reads_per_batch[i] == 1);
  }

  TEST_CASE("a first buffer sized for the batch waiting holds every batch whole, and alone") {
    // The connection sizes a new input buffer by what the socket holds: a 17 KB batch gets
    // kFirstReadOfBurst. Then no batch needs a second read, and the buffer never regrows (a
    // fresh server's 1000 pipelining clients each touched a 16 KB and a 64 KB block before).
    ParserLimits limits;
    RequestReader reader(&limits);
    CHECK(reader.needs_input_buffer());
    const std::string batch = SetBatch(16, 1024, 'b');
    REQUIRE(batch.size() > 16 * 1024);
    REQUIRE(batch.size() <= RequestReader::kFirstReadOfBurst);
    for (int round = 0; round < 6; ++round) {
      CAPTURE(round);
      const size_t chunk = reader.needs_input_buffer() ? RequestReader::kFirstReadOfBurst : 16384;
      CHECK(Receive(reader, batch, SIZE_MAX, chunk) == batch.size());
      CHECK_FALSE(reader.needs_input_buffer());
      CHECK_FALSE(reader.burst_continues());
      int completed = 0;
      for (; reader.Next() == R::kComplete; ++completed) reader.FinishRequest();
      CHECK(completed == 16);
      reader.ShrinkIfIdle(32 * 1024);
      CHECK(reader.memory_usage() == RequestReader::kFirstReadOfBurst);
    }
  }

  TEST_CASE("an input buffer given back is taken again, sized anew") {
    ParserLimits limits;
    RequestReader reader(&limits);
    auto serve = [&reader](const std::string& request) {
      size_t pos = 0;
      while (pos < request.size()) {
        pos += Receive(reader, std::string_view(request).substr(pos));
        while (reader.Next() == R::kComplete) reader.FinishRequest();
        reader.ShrinkIfIdle(32 * 1024);
      }
    };
    const std::string big = Command({"SET", "k", Value(20000, 'c')});
    serve(big);
    serve(big);
    REQUIRE(reader.memory_usage() > 32 * 1024);
    CHECK_FALSE(reader.needs_input_buffer());
    serve(Command({"PING"}));  // a burst that used little of it: given back
    CHECK(reader.needs_input_buffer());
    CHECK(reader.memory_usage() == 0);
  }

  TEST_CASE("an idle reader gives back an empty input buffer, never one holding a request") {
    ParserLimits limits;
    RequestReader reader(&limits);
    CHECK_FALSE(reader.holds_idle_memory());  // nothing taken yet
    const std::string set = Command({"SET", "k", Value(1000, 'i')});
    Receive(reader, std::string_view(set).substr(0, 500));
    REQUIRE(reader.Next() == R::kNeedMore);
    CHECK_FALSE(reader.holds_idle_memory());  // half a request waits in it
    Receive(reader, std::string_view(set).substr(500));
    REQUIRE(reader.Next() == R::kComplete);
    CHECK(reader.args()[2] == Value(1000, 'i'));
    reader.FinishRequest();
    CHECK(reader.holds_idle_memory());
    reader.ReleaseIdleMemory();
    CHECK(reader.memory_usage() == 0);
    CHECK(reader.needs_input_buffer());
    CHECK_FALSE(reader.holds_idle_memory());
    CHECK(Receive(reader, set) == set.size());
    REQUIRE(reader.Next() == R::kComplete);
    CHECK(reader.args()[2] == Value(1000, 'i'));
  }

  TEST_CASE("a read cap bounds what is offered, however much the input buffer has room for") {
    ParserLimits limits;
    RequestReader reader(&limits);
    const std::string batch = SetBatch(16, 16 * 1024, 'c');
    // Uncapped, reads that fill what they are given grow to the whole free buffer.
    size_t pos = 0;
    for (int i = 0; i < 4; ++i) pos += Receive(reader, std::string_view(batch).substr(pos));
    REQUIRE(reader.ReadSpace(16 * 1024).head.size() > 64 * 1024);
    CHECK(reader.ReadSpace(16 * 1024, true, 32 * 1024).head.size() == 32 * 1024);
    // Never below the chunk asked for.
    CHECK(reader.ReadSpace(16 * 1024, true, 1024).head.size() == 16 * 1024);
    // What was read is still parsed whole.
    size_t complete = 0;
    while (reader.Next() == R::kComplete) {
      ++complete;
      reader.FinishRequest();
    }
    CHECK(complete > 0);
  }

  TEST_CASE("a pipeline's first read is cut short, so its first reply need not wait for the rest") {
    // redis-benchmark -P 16 with 16 KB values sends 262 KB at once. Read whole, the first
    // request's reply waited for 128 KB to be received and run (p50 1.5x Redis's).
    ParserLimits limits;
    RequestReader reader(&limits);
    const std::string batch = SetBatch(16, 16 * 1024, 'd');
    for (int round = 0; round < 4; ++round) {
      CAPTURE(round);
      // A new connection's buffer is one 16 KB chunk; once grown, the cut is what limits.
      size_t pos = Receive(reader, batch);
      CHECK(pos == (round == 0 ? 16 * 1024 : RequestReader::kFirstReadOfBurst));
      CHECK(reader.burst_continues());
      int completed = 0;
      while (reader.Next() == R::kComplete) {
        CHECK(reader.args()[1] == "key:" + std::to_string(completed));
        reader.FinishRequest();
        ++completed;
      }
      CHECK(completed == (round == 0 ? 0 : 1));
      size_t biggest_later_read = 0;
      while (pos < batch.size()) {
        const size_t n = Receive(reader, std::string_view(batch).substr(pos));
        CHECK_FALSE(reader.burst_continues());
        biggest_later_read = std::max(biggest_later_read, n);
        pos += n;
        while (reader.Next() == R::kComplete) {
          CHECK(reader.args()[2] == Value(16 * 1024, 'd'));
          reader.FinishRequest();
          ++completed;
        }
        reader.ShrinkIfIdle(32 * 1024);
      }
      CHECK(completed == 16);
      // The rest of the batch still comes in big reads.
      if (round > 0) CHECK(biggest_later_read > RequestReader::kFirstReadOfBurst);
    }
  }

  TEST_CASE("a request that fits its first read does not count as a burst") {
    ParserLimits limits;
    RequestReader reader(&limits);
    const std::string get = Command({"GET", "k"});
    for (int i = 0; i < 3; ++i) {
      CHECK(Receive(reader, get) == get.size());
      CHECK_FALSE(reader.burst_continues());
      REQUIRE(reader.Next() == R::kComplete);
      reader.FinishRequest();
    }
  }

  TEST_CASE("a connection that calms down gives its grown input buffer back") {
    ParserLimits limits;
    RequestReader reader(&limits);
    const std::string big = Command({"SET", "k", Value(20000, 'c')});
    const std::string small = Command({"PING"});
    for (const std::string* request : {&big, &big, &small}) {
      size_t pos = 0;
      while (pos < request->size()) {
        pos += Receive(reader, std::string_view(*request).substr(pos));
        while (reader.Next() == R::kComplete) reader.FinishRequest();
        reader.ShrinkIfIdle(32 * 1024);
      }
    }
    CHECK(reader.memory_usage() <= 32 * 1024 + 1024);
  }

  TEST_CASE("a request kept for retry is parsed again whole, with what followed it") {
    // As a connection does: KeepForRetry right after the request ran, before reading more.
    const Args set = {"SET", "k", Value(50000, 'r'), "PX", "100000"};
    const Args get = {"GET", "k"};
    const std::string stream = Command(set) + Command(get) + Command(get);
    for (size_t step : {7, 4096, 16384}) {
      CAPTURE(step);
      ParserLimits limits;
      RequestReader reader(&limits);
      std::vector<Args> got;
      bool retried = false;
      size_t pos = 0;
      while (pos < stream.size()) {
        pos += Receive(reader, std::string_view(stream).substr(pos), step);
        while (reader.Next() == R::kComplete) {
          got.emplace_back(reader.args().begin(), reader.args().end());
          if (!retried) {  // the first run of the SET blocks
            retried = true;
            reader.KeepForRetry();
            continue;
          }
          reader.FinishRequest();
        }
      }
      CHECK(got == std::vector<Args>{set, set, get, get});
      CHECK(reader.buffered() == 0);
    }
  }

  // A connection woken from a block (BLPOP, CLIENT PAUSE) runs what it had read while a read is
  // already pending: the requests it finishes then must not move where that read writes.
  TEST_CASE("requests finished while a read is pending leave its target in place") {
    ParserLimits limits;
    RequestReader reader(&limits);
    const std::string first = Command({"BLPOP", "l", "0"}) + Command({"INCR", "n"});
    Receive(reader, first);
    REQUIRE(reader.Next() == R::kComplete);
    reader.FinishRequest();  // BLPOP blocks; INCR waits in the input
    RequestReader::ReadTarget target = reader.ReadSpace(16 * 1024);  // the read while blocked
    REQUIRE(reader.Next() == R::kComplete);  // woken: INCR runs, the input is empty
    CHECK(reader.args()[0] == "INCR");
    reader.FinishRequest();
    const std::string next = Command({"GET", "n"});
    REQUIRE(target.head.size() >= next.size());
    std::memcpy(target.head.data(), next.data(), next.size());
    reader.CommitRead(next.size());
    REQUIRE(reader.Next() == R::kComplete);
    CHECK(Args(reader.args().begin(), reader.args().end()) == Args{"GET", "n"});
    reader.FinishRequest();
    CHECK(reader.buffered() == 0);
  }

  TEST_CASE("a big bulk is not taken out of the input while a read is pending") {
    ParserLimits limits;
    RequestReader reader(&limits);
    const Args set = {"SET", "big", Value(100000, 'p')};
    const std::string stream = Command({"BLPOP", "l", "0"}) + Command(set) + Command({"PING"});
    const size_t first = Receive(reader, stream);  // BLPOP and the SET's first bytes
    REQUIRE(reader.Next() == R::kComplete);
    reader.FinishRequest();  // BLPOP blocks
    RequestReader::ReadTarget target = reader.ReadSpace(16 * 1024);
    CHECK(reader.Next() == R::kNeedMore);  // woken: the SET is incomplete
    CHECK_FALSE(reader.receiving_big_bulk());
    const size_t n = std::min(target.head.size(), stream.size() - first);
    std::memcpy(target.head.data(), stream.data() + first, n);
    reader.CommitRead(n);
    std::vector<Args> got;
    size_t pos = first + n;
    while (true) {
      while (reader.Next() == R::kComplete) {
        got.emplace_back(reader.args().begin(), reader.args().end());
        reader.FinishRequest();
      }
      if (pos == stream.size()) break;
      pos += Receive(reader, std::string_view(stream).substr(pos));
    }
    REQUIRE(got.size() == 2);
    CHECK(got[0][0] == "SET");
    CHECK(got[0][2].size() == 100000);
    CHECK(got[0] == set);
    CHECK(got[1] == Args{"PING"});
  }

  TEST_CASE("an announced bulk reserves memory only as its bytes arrive") {
    ParserLimits limits;
    RequestReader reader(&limits);
    const std::string head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000\r\n";
    Receive(reader, head);
    CHECK(reader.Next() == R::kNeedMore);
    REQUIRE(reader.receiving_big_bulk());
    CHECK(reader.memory_usage() <= 16 * 1024 + RequestReader::kBigBulkFirstCapacity + 64);
    // A value past the first capacity is received through a few doublings, byte for byte.
    const Args set = {"SET", "k", Value(RequestReader::kBigBulkFirstCapacity * 2 + 12345, 'g')};
    Fed fed = Feed(Command(set) + Command({"GET", "k"}), {size_t(1) << 30});
    REQUIRE(fed.requests.size() == 2);
    CHECK(fed.requests[0] == set);
    CHECK(fed.own_buffer[0] == std::vector<bool>{false, false, true});
  }

  TEST_CASE("a big bulk still arriving is freed with the reader") {
    ParserLimits limits;
    auto reader = std::make_unique<RequestReader>(&limits);
    const std::string head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\nabc";
    Receive(*reader, head);
    CHECK(reader->Next() == R::kNeedMore);
    CHECK(reader->receiving_big_bulk());
    CHECK(reader->ReadSpace(16 * 1024).head.size() == 100000 + 2 - 3);
    reader.reset();  // ASan reports a leak if the partial buffer were not freed
  }
}

}  // namespace basalt::protocol
