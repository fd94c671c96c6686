#include "protocol/reply_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/strings.h"

namespace basalt::protocol {

void ReplyWriter::AppendNumberLine(char type, int64_t v) {
  char buf[24];
  buf[0] = type;
  int len = 1 + FormatInt64(v, buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->append(buf, len);
}

void ReplyWriter::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::Error(std::string_view message) {
  ++errors_written_;
  out_->push_back('-');
  size_t start = out_->size();
  out_->append(message);
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyWriter::Integer(int64_t v) { AppendNumberLine(':', v); }

void ReplyWriter::SharedBulk(HeapString* s) {
  if (sink_ == nullptr || out_ != sink_buffer_ || s->len < kShareMinBytes) return Bulk(s->view());
  const size_t header_at = out_->size();
  AppendNumberLine('$', static_cast<int64_t>(s->len));
  if (sink_->Share(s)) {
    out_->append("\r\n", 2);
    return;
  }
  out_->resize(header_at);
  Bulk(s->view());
}

void ReplyWriter::Bulk(std::string_view s) {
  // A small value (most elements of LRANGE, SMEMBERS, HGETALL, ...) goes out in one append:
  // header, value and CRLF are put together on the stack, instead of three appends that each
  // check the capacity.
  constexpr size_t kSmallBulk = 128;
  if (s.size() <= kSmallBulk) {
    char buf[kSmallBulk + 32];
    buf[0] = '$';
    size_t n = 1 + static_cast<size_t>(FormatInt64(static_cast<int64_t>(s.size()), buf + 1));
    buf[n++] = '\r';
    buf[n++] = '\n';
    if (!s.empty()) std::memcpy(buf + n, s.data(), s.size());
    n += s.size();
    buf[n++] = '\r';
    buf[n++] = '\n';
    out_->append(buf, n);
    return;
  }
  // Grow once for the whole reply: appending a big value that does not fit and then its CRLF
  // would reallocate twice, copying the value each time.
  const size_t needed = out_->size() + s.size() + 24;  // header, value and CRLF
  if (needed > out_->capacity()) out_->reserve(std::max(needed, 2 * out_->capacity()));
  AppendNumberLine('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::Null() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyWriter::NullArray() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyWriter::AggregateHeader(char type, size_t n) {
  AppendNumberLine(type, static_cast<int64_t>(n));
}

void ReplyWriter::MapHeader(size_t n) {
  if (resp_ >= 3) {
    AggregateHeader('%', n);
  } else {
    AggregateHeader('*', n * 2);
  }
}

void ReplyWriter::Double(double v) { FormattedDouble(FormatDouble(v)); }

void ReplyWriter::FormattedDouble(std::string_view text) {
  if (resp_ < 3) {
    Bulk(text);
    return;
  }
  out_->push_back(',');
  out_->append(text);
  out_->append("\r\n", 2);
}

void ReplyWriter::Bool(bool v) {
  if (resp_ >= 3) {
    out_->append(v ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(v ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyWriter::BigNumber(std::string_view digits) {
  if (resp_ < 3) {
    Bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n", 2);
}

void ReplyWriter::Verbatim(std::string_view text, std::string_view format) {
  if (resp_ < 3) {
    Bulk(text);
    return;
  }
  // The format is exactly three characters by protocol; pad or cut to keep the length right.
  char fmt[3] = {' ', ' ', ' '};
  for (size_t i = 0; i < 3 && i < format.size(); ++i) fmt[i] = format[i];
  AppendNumberLine('=', static_cast<int64_t>(text.size() + 4));
  out_->append(fmt, 3);
  out_->push_back(':');
  out_->append(text);
  out_->append("\r\n", 2);
}

size_t ReplyWriter::BeginDeferredArray() { return out_->size(); }

void ReplyWriter::EndDeferredArray(size_t token, size_t n) {
  char buf[24];
  buf[0] = '*';
  int len = 1 + FormatInt64(static_cast<int64_t>(n), buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->insert(token, buf, len);
}

}  // namespace basalt::protocol
