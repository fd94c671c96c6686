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

namespace basalt::protocol {

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
  // A double already formatted by the caller (e.g. INCRBYFLOAT's human format).
  void Bool(bool v);
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
  int resp_;
  uint64_t errors_written_ = 0;
};

}  // namespace basalt::protocol
