#include "protocol/request_parser.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/strings.h"

namespace basalt::protocol {

void RequestParser::Reset() {
  pos_ = 0;
  args_expected_ = -1;
  bulk_len_ = -1;
  spans_.clear();
}

RequestParser::Result RequestParser::Fail(std::string_view message) {
  error_.assign("ERR Protocol error: ");
  error_.append(message);
  Reset();
  return Result::kError;
}

RequestParser::Result RequestParser::Parse(std::string_view input) {
  args_.clear();
  if (input.empty()) return Result::kNeedMore;
  if (input[0] == '*') return ParseMultibulk(input);
  return ParseInline(input);
}

namespace {

// Where a line that starts at `from` ends at `terminator`, found as Redis finds it: with strchr
// over its NUL-terminated query buffer, so a NUL byte before the terminator means no line end
// yet. Redis's connection then waits for more input until the buffer passes the inline limit
// (and any line after it waits too); nullptr here is the same wait.
const char* FindLineEnd(std::string_view input, size_t from, char terminator) {
  const char* start = input.data() + from;
  const auto* end = static_cast<const char*>(std::memchr(start, terminator, input.size() - from));
  if (end == nullptr || std::memchr(start, '\0', end - start) != nullptr) return nullptr;
  return end;
}

}  // namespace

RequestParser::Result RequestParser::FindHeaderEnd(std::string_view input,
                                                   const char* too_long_error, size_t* cr_pos) {
  const char* cr = FindLineEnd(input, pos_, '\r');
  if (cr == nullptr) {
    // Only a line still without its CR is too long; a terminated long line is parsed (and
    // rejected as a bad number), as Redis does.
    if (input.size() - pos_ > limits_->max_inline_len) return Fail(too_long_error);
    return Result::kNeedMore;
  }
  *cr_pos = static_cast<size_t>(cr - input.data());
  // Like Redis, the line ends at '\r' and the byte after it is skipped unchecked, but it must
  // have arrived.
  if (*cr_pos + 1 >= input.size()) return Result::kNeedMore;
  return Result::kComplete;
}

namespace {

// The common header line: "<digits>\r" starting at `from`, its '\n' byte arrived, the digits
// a canonical number (no sign, no leading zero) of at most 18 digits. Gives the value and the
// CR's position, as FindHeaderEnd + ParseInt64 would, in one pass and without a memchr call
// per line. Anything else (a partial line, a sign, 19+ digits, junk) is left to that general
// path, which decides it (and its error) as before.
bool ScanPlainNumberLine(std::string_view input, size_t from, int64_t* value, size_t* cr_pos) {
  const size_t limit = std::min(input.size(), from + 18);
  uint64_t v = 0;
  size_t i = from;
  for (; i < limit; ++i) {
    const unsigned digit = static_cast<unsigned char>(input[i]) - '0';
    if (digit > 9) break;
    v = v * 10 + digit;
  }
  if (i == from || i + 1 >= input.size() || input[i] != '\r') return false;
  if (input[from] == '0' && i - from > 1) return false;
  *value = static_cast<int64_t>(v);
  *cr_pos = i;
  return true;
}

}  // namespace

RequestParser::Result RequestParser::ParseMultibulk(std::string_view input) {
  if (args_expected_ < 0) {
    size_t cr = 0;
    int64_t count = 0;
    bool ok = ScanPlainNumberLine(input, pos_ + 1, &count, &cr);
    if (!ok) {
      Result r = FindHeaderEnd(input, "too big mbulk count string", &cr);
      if (r != Result::kComplete) return r;
      ok = ParseInt64(input.substr(pos_ + 1, cr - pos_ - 1), &count);
    }
    pos_ = cr + 2;
    if (!ok || count > limits_->max_multibulk_len) return Fail("invalid multibulk length");
    // Before AUTH a client may not make the server buffer much (Redis's limits).
    if (auth_required_ && count > kUnauthenticatedMaxArgs) {
      return Fail("unauthenticated multibulk length");
    }
    if (count <= 0) return Finish(input);  // "*0" and "*-1" are empty requests, skipped
    args_expected_ = count;
    // Bound the up-front reservation: a client may announce many arguments and send none.
    spans_.reserve(static_cast<size_t>(count < 1024 ? count : 1024));
  }
  while (static_cast<int64_t>(spans_.size()) < args_expected_) {
    if (bulk_len_ < 0) {
      size_t cr = 0;
      int64_t len = 0;
      bool ok = pos_ < input.size() && input[pos_] == '$' &&
                ScanPlainNumberLine(input, pos_ + 1, &len, &cr);
      if (!ok) {
        // Redis judges the type byte only once the whole line is there: "*1\r\nx" waits.
        Result r = FindHeaderEnd(input, "too big bulk count string", &cr);
        if (r != Result::kComplete) return r;
        if (input[pos_] != '$') {
          std::string msg = "expected '$', got '";
          msg.push_back(input[pos_]);
          msg.push_back('\'');
          return Fail(msg);
        }
        ok = ParseInt64(input.substr(pos_ + 1, cr - pos_ - 1), &len);
      }
      pos_ = cr + 2;
      if (!ok || len < 0 || len > limits_->max_bulk_len) return Fail("invalid bulk length");
      if (auth_required_ && len > kUnauthenticatedMaxBulk) {
        return Fail("unauthenticated bulk length");
      }
      bulk_len_ = len;
    }
    size_t need = pos_ + static_cast<size_t>(bulk_len_) + 2;
    if (input.size() < need) return Result::kNeedMore;
    spans_.push_back({pos_, static_cast<size_t>(bulk_len_), nullptr});
    pos_ = need;  // the CRLF after the payload is skipped unchecked, as Redis does
    bulk_len_ = -1;
  }
  return Finish(input);
}

bool RequestParser::pending_bulk(PendingBulk* out) const {
  if (args_expected_ < 0 || bulk_len_ < 0) return false;
  *out = {pos_, static_cast<size_t>(bulk_len_)};
  return true;
}

void RequestParser::SupplyPendingBulk(std::string_view payload) {
  spans_.push_back({pos_, payload.size(), payload.data()});
  bulk_len_ = -1;
}

RequestParser::Result RequestParser::Finish(std::string_view input) {
  args_.reserve(spans_.size());
  for (const ArgSpan& a : spans_) {
    args_.emplace_back(a.external != nullptr ? a.external : input.data() + a.offset, a.length);
  }
  consumed_ = pos_;
  pos_ = 0;
  args_expected_ = -1;
  bulk_len_ = -1;
  spans_.clear();
  return Result::kComplete;
}

RequestParser::Result RequestParser::ParseInline(std::string_view input) {
  const char* nl = FindLineEnd(input, 0, '\n');
  if (nl == nullptr) {
    if (input.size() > limits_->max_inline_len) return Fail("too big inline request");
    return Result::kNeedMore;
  }
  // A line whose newline has arrived is accepted whatever its length, as in Redis (whose
  // limit applies only to a buffer still waiting for its newline).
  size_t nl_pos = nl - input.data();
  size_t line_len = nl_pos;
  if (line_len > 0 && input[line_len - 1] == '\r') --line_len;
  inline_args_.clear();
  if (!SplitInlineArgs(input.substr(0, line_len), &inline_args_)) {
    return Fail("unbalanced quotes in request");
  }
  for (const std::string& a : inline_args_) args_.emplace_back(a);
  consumed_ = nl_pos + 1;
  return Result::kComplete;
}

namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return AsciiLower(c) - 'a' + 10;
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  // Redis treats the line as a C string: a NUL byte ends it. (A request line never holds one:
  // the parser waits at a NUL; this is for the other lines split here, the AOF manifest's.)
  size_t nul = line.find('\0');
  if (nul != std::string_view::npos) line = line.substr(0, nul);
  size_t i = 0;
  const size_t n = line.size();
  auto at = [&](size_t k) { return k < n ? line[k] : '\0'; };
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return true;
    std::string current;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      char c = at(i);
      if (in_double) {
        if (c == '\\' && at(i + 1) == 'x' && IsHex(at(i + 2)) && IsHex(at(i + 3))) {
          current.push_back(static_cast<char>(HexValue(at(i + 2)) * 16 + HexValue(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          ++i;
          switch (line[i]) {
            case 'n':
              current.push_back('\n');
              break;
            case 'r':
              current.push_back('\r');
              break;
            case 't':
              current.push_back('\t');
              break;
            case 'b':
              current.push_back('\b');
              break;
            case 'a':
              current.push_back('\a');
              break;
            default:
              current.push_back(line[i]);
              break;
          }
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !IsSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          current.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(i + 1) == '\'') {
          ++i;
          current.push_back('\'');
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !IsSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          current.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            current.push_back(c);
            break;
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(current));
  }
}

}  // namespace basalt::protocol
