// Builds RESP2 or RESP3 replies into an output buffer.
//
// Handlers never write protocol bytes themselves: they describe the reply (a map, a double, a
// null) and the writer picks the encoding for the client's protocol version, the way Redis
// degrades RESP3 types for RESP2 clients (maps become flat arrays, doubles become bulk strings,
// booleans become integers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/heap_string.h"

namespace basalt::protocol {

// Where a reply can take a big value by reference instead of by copy: a connection's output
// queue (server/output_queue.h). Share() is handed the bulk header already written to the
// buffer; it returns false (and changes nothing) when it cannot take the value by reference
// now, and the writer copies it as usual.
class ShareSink {
 public:
  virtual bool Share(HeapString* value) = 0;

 protected:
  ~ShareSink() = default;
};

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string* out, int protocol_version = 2)
      : out_(out), resp_(protocol_version) {}

  int protocol() const { return resp_; }
  void set_protocol(int version) { resp_ = version; }
  std::string* buffer() { return out_; }
  void set_buffer(std::string* out) { out_ = out; }

  void SimpleString(std::string_view s);
  void Ok() { out_->append("+OK\r\n", 5); }
  // `message` carries the error code first ("ERR syntax error", "WRONGTYPE ..."). CR and LF in
  // it are replaced by spaces, as Redis does, so the error stays one line.
  void Error(std::string_view message);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  // A stored string value: by reference when it is big and the buffer has a ShareSink (a GET
  // of a 1 MB value then costs no copy into the output), by copy otherwise.
  void SharedBulk(HeapString* s);
  // Replies written to `*buffer` may take values by reference through `sink`; writing to any
  // other buffer (set_buffer) copies them.
  void set_share_sink(ShareSink* sink, const std::string* buffer) {
    sink_ = sink;
    sink_buffer_ = buffer;
  }
  // Smaller values are copied. Measured with redis-benchmark GET at -P 16 (ops/s against
  // copying): 16 KB values by reference gained 1.35x at -c 5 but lost 0.7-0.8x at -c 50, where
  // redis-benchmark's own receive became the bottleneck (its recvfrom cost 12 us a call instead
  // of 2 for the same bytes); from 64 KB up sharing won or tied in every cell tried (64 KB
  // -c 5 -P 1: 1.5x; -c 50 -P 16: p99 4.4 ms instead of 26).
  static constexpr size_t kShareMinBytes = 64 * 1024;
  // The absent value: $-1 in RESP2, _ in RESP3.
  void Null();
  // The absent aggregate: *-1 in RESP2, _ in RESP3.
  void NullArray();
  void ArrayHeader(size_t n) { AggregateHeader('*', n); }
  // A map of n pairs (write 2n elements next); RESP2 sees a flat array.
  void MapHeader(size_t n);
  void SetHeader(size_t n) { AggregateHeader(resp_ >= 3 ? '~' : '*', n); }
  void PushHeader(size_t n) { AggregateHeader(resp_ >= 3 ? '>' : '*', n); }
  void Double(double v);
  // A double already formatted by the caller (GEOPOS's human format): a RESP3 double, a bulk
  // string in RESP2.
  void FormattedDouble(std::string_view text);
  void Bool(bool v);
  // A big number's digits: ( in RESP3, a bulk string in RESP2.
  void BigNumber(std::string_view digits);
  // Verbatim text (INFO, CLIENT LIST): '=' with a 3-letter format in RESP3, bulk in RESP2.
  void Verbatim(std::string_view text, std::string_view format = "txt");
  // Raw protocol bytes, for precomputed replies.
  void Raw(std::string_view bytes) { out_->append(bytes); }

  // Array whose length is known only after its elements are written (KEYS, SCAN).
  size_t BeginDeferredArray();
  void EndDeferredArray(size_t token, size_t n);

  uint64_t errors_written() const { return errors_written_; }

 private:
  void AggregateHeader(char type, size_t n);
  void AppendNumberLine(char type, int64_t v);

  std::string* out_;
  ShareSink* sink_ = nullptr;
  const std::string* sink_buffer_ = nullptr;
  int resp_;
  uint64_t errors_written_ = 0;
};

}  // namespace basalt::protocol
