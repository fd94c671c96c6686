// Incremental request parser: RESP multibulk and inline (telnet) commands. No I/O.
//
// The caller owns the input bytes. Parse() is given the bytes from the start of the current
// request to the end of what has been read; on kNeedMore it remembers how far it got (offsets,
// not pointers, so the caller may move or grow its buffer), and the next call resumes there
// instead of rescanning. That keeps a large value arriving in many reads linear, not quadratic.
// On kComplete, args() views point into the caller's bytes (or into the parser for inline
// commands, whose escapes rewrite the text) and stay valid until the next Parse() call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::protocol {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = INT32_MAX;       // elements in one request (Redis: INT_MAX)
  size_t max_inline_len = 64 * 1024;           // an inline request, or a header line
};

// Bulk arguments at least this long are received into a buffer of their own (RequestReader).
inline constexpr int64_t kBigArgLen = 32 * 1024;
// What a client that still has to AUTH may announce (as in Redis 7).
inline constexpr int64_t kUnauthenticatedMaxArgs = 10;
inline constexpr int64_t kUnauthenticatedMaxBulk = 16384;

class RequestParser {
 public:
  enum class Result { kComplete, kNeedMore, kError };

  explicit RequestParser(const ParserLimits* limits) : limits_(limits) {}

  Result Parse(std::string_view input);

  // After kComplete: the request's arguments (possibly empty: blank line, "*0") and its size.
  std::span<const std::string_view> args() const { return args_; }
  size_t consumed() const { return consumed_; }
  // After kError: the full error text, e.g. "ERR Protocol error: invalid bulk length".
  const std::string& error() const { return error_; }
  // After kNeedMore: the bulk argument whose header has been read but whose payload (and its
  // CRLF) has not all arrived, if any. `offset` is where the payload starts in the input given
  // to Parse(); every byte from there on belongs to it.
  struct PendingBulk {
    size_t offset;
    size_t length;  // payload bytes, without the CRLF
  };
  bool pending_bulk(PendingBulk* out) const;
  // Gives the pending bulk's payload from outside the input (the caller received it, and its
  // CRLF, into a buffer of its own, which must outlive the request). The next Parse() resumes
  // at the same offset: the input holds neither the payload nor its CRLF.
  void SupplyPendingBulk(std::string_view payload);
  // While set, requests larger than an AUTH needs are refused ("unauthenticated ... length").
  void set_auth_required(bool v) { auth_required_ = v; }
  // True while a multibulk request is partially parsed.
  bool in_request() const { return pos_ > 0; }
  void Reset();

 private:
  Result ParseMultibulk(std::string_view input);
  Result ParseInline(std::string_view input);
  Result Fail(std::string_view message);
  // Finds the '\r' ending the header line that starts at pos_ (its type byte included, as
  // Redis searches). Returns kNeedMore (no CR yet, or no byte after it), kError (no CR within
  // the inline limit) or kComplete with *cr_pos set; pos_ is not moved.
  Result FindHeaderEnd(std::string_view input, const char* too_long_error, size_t* cr_pos);
  Result Finish(std::string_view input);

  const ParserLimits* limits_;
  bool auth_required_ = false;
  size_t pos_ = 0;              // resume offset within the current request
  int64_t args_expected_ = -1;  // -1: multibulk header not read yet
  int64_t bulk_len_ = -1;       // -1: bulk header not read yet
  // Each argument: its offset and length in the input, or its bytes elsewhere (external).
  struct ArgSpan {
    size_t offset;
    size_t length;
    const char* external;  // non-null: the argument lives outside the input
  };
  std::vector<ArgSpan> spans_;
  std::vector<std::string_view> args_;
  std::vector<std::string> inline_args_;
  size_t consumed_ = 0;
  std::string error_;
};

// Splits an inline command line the way Redis does (sdssplitargs): whitespace separates,
// "double quotes" take \n \r \t \b \a \\ \" \xHH escapes, 'single quotes' take \'.
// A closing quote must be followed by whitespace or the end. Returns false on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace basalt::protocol
