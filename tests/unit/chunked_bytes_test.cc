// ChunkedBytes (a replica's snapshot in transfer) and ChunkedSource: every byte kept in order
// across chunk boundaries, the EOF mark found and cut off wherever it straddles them.
#include <doctest/doctest.h>

#include <string>

#include "persistence/byte_io.h"

using basalt::persistence::ChunkedBytes;
using basalt::persistence::ChunkedSource;

namespace {

constexpr size_t kChunk = ChunkedBytes::kChunkSize;

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

std::string ReadAll(const ChunkedBytes& bytes, size_t step) {
  ChunkedSource source(bytes);
  std::string out;
  std::string buf(step, '\0');
  for (size_t got = 0;; out.append(buf, 0, got)) {
    REQUIRE(source.Read(buf.data(), step, &got).ok());
    if (got == 0) return out;
  }
}

}  // namespace

TEST_SUITE("chunked bytes") {
  TEST_CASE("appends of any size are read back whole, in reads of any size") {
    const std::string data = Pattern(2 * kChunk + 12345);
    ChunkedBytes bytes;
    for (size_t at = 0, piece = 1; at < data.size(); at += piece, piece = piece * 3 + 1) {
      bytes.Append(std::string_view(data).substr(at, piece));
    }
    CHECK(bytes.size() == data.size());
    CHECK(bytes.chunks().size() == 3);
    CHECK(bytes.chunks()[0].size() == kChunk);
    CHECK(ChunkedSource(bytes).size() == static_cast<int64_t>(data.size()));
    for (size_t step : {size_t{1} << 16, kChunk - 1, kChunk + 7, 3 * kChunk}) {
      CAPTURE(step);
      CHECK(ReadAll(bytes, step) == data);
    }
  }

  TEST_CASE("a tail straddling a chunk boundary is found and dropped") {
    const std::string mark(40, 'M');
    for (size_t before : {kChunk - 40, kChunk - 39, kChunk - 1, kChunk, kChunk + 1}) {
      CAPTURE(before);
      const std::string body = Pattern(before);
      ChunkedBytes bytes;
      bytes.Append(body);
      CHECK_FALSE(bytes.EndsWith(mark));
      bytes.Append(mark.substr(0, 17));
      CHECK_FALSE(bytes.EndsWith(mark));
      bytes.Append(mark.substr(17));
      CHECK(bytes.EndsWith(mark));
      bytes.DropBack(mark.size());
      CHECK(bytes.size() == body.size());
      CHECK(ReadAll(bytes, 1 << 20) == body);
      bytes.Append("x");  // appending goes on after a drop
      CHECK(ReadAll(bytes, 1 << 20) == body + "x");
    }
  }

  TEST_CASE("short contents, empty contents, and a clear") {
    ChunkedBytes bytes;
    CHECK_FALSE(bytes.EndsWith("abc"));
    CHECK(bytes.EndsWith(""));
    CHECK(ReadAll(bytes, 16).empty());
    bytes.Append("ab");
    CHECK_FALSE(bytes.EndsWith("xab"));
    CHECK(bytes.EndsWith("ab"));
    bytes.DropBack(2);
    CHECK(bytes.size() == 0);
    CHECK(bytes.chunks().empty());
    bytes.Append("hello");
    bytes.Clear();
    CHECK(bytes.size() == 0);
    CHECK(ReadAll(bytes, 16).empty());
  }
}
