#include "protocol/reply_parser.h"

#include "common/strings.h"

namespace basalt::protocol {

namespace {

constexpr size_t kMaxLine = 64 * 1024;

// One pass over `in` from `pos_`. Every read first checks that its bytes have arrived, so a
// prefix of a valid reply always ends in kNeedMore, never in an error or a read past the end.
class Decoder {
 public:
  Decoder(std::string_view in, const ReplyLimits& limits, std::string* error)
      : in_(in), limits_(limits), error_(error) {}

  ReplyParse Decode(Reply* out, int depth);
  size_t position() const { return pos_; }

 private:
  ReplyParse Line(std::string_view* line);
  ReplyParse Length(std::string_view line, int64_t max, int64_t* n);
  ReplyParse Blob(int64_t n, std::string* text);
  ReplyParse Aggregate(std::string_view line, Reply::Kind kind, int per_entry, Reply* out,
                       int depth);
  ReplyParse Scalar(char type, std::string_view line, Reply* out);
  ReplyParse Fail(std::string why) {
    *error_ = std::move(why);
    return ReplyParse::kError;
  }

  std::string_view in_;
  const ReplyLimits& limits_;
  std::string* error_;
  size_t pos_ = 0;
};

ReplyParse Decoder::Line(std::string_view* line) {
  const size_t end = in_.find("\r\n", pos_);
  if (end == std::string_view::npos) {
    // Lines are a type byte and digits, or a status or error text: far below this. A peer that
    // sends more without a CRLF is not speaking RESP, and we stop buffering for it.
    return in_.size() - pos_ > kMaxLine ? Fail("reply line too long") : ReplyParse::kNeedMore;
  }
  *line = in_.substr(pos_, end - pos_);
  pos_ = end + 2;
  return ReplyParse::kComplete;
}

ReplyParse Decoder::Length(std::string_view line, int64_t max, int64_t* n) {
  if (!ParseInt64(line, n) || *n < -1) return Fail("invalid length '" + std::string(line) + "'");
  if (*n > max) return Fail("length " + std::string(line) + " over the limit");
  return ReplyParse::kComplete;
}

ReplyParse Decoder::Blob(int64_t n, std::string* text) {
  const size_t len = static_cast<size_t>(n);
  if (in_.size() - pos_ < len + 2) return ReplyParse::kNeedMore;
  if (in_.substr(pos_ + len, 2) != "\r\n") return Fail("bulk not followed by CRLF");
  text->assign(in_.substr(pos_, len));
  pos_ += len + 2;
  return ReplyParse::kComplete;
}

ReplyParse Decoder::Aggregate(std::string_view line, Reply::Kind kind, int per_entry, Reply* out,
                              int depth) {
  int64_t n;
  if (ReplyParse r = Length(line, limits_.max_elements / per_entry, &n);
      r != ReplyParse::kComplete) {
    return r;
  }
  if (n < 0) {
    out->kind = Reply::Kind::kNull;
    return ReplyParse::kComplete;
  }
  if (depth >= limits_.max_depth) return Fail("replies nested too deep");
  out->kind = kind;
  // Grown as elements arrive, not reserved from the announced count: a peer announcing 2^32
  // elements and sending none must not make us allocate for them.
  out->elements.clear();
  for (int64_t i = 0; i < n * per_entry; ++i) {
    out->elements.emplace_back();
    if (ReplyParse r = Decode(&out->elements.back(), depth + 1); r != ReplyParse::kComplete) {
      return r;
    }
  }
  return ReplyParse::kComplete;
}

ReplyParse Decoder::Scalar(char type, std::string_view line, Reply* out) {
  switch (type) {
    case '+':
      out->kind = Reply::Kind::kSimpleString;
      out->text.assign(line);
      return ReplyParse::kComplete;
    case '-':
      out->kind = Reply::Kind::kError;
      out->text.assign(line);
      return ReplyParse::kComplete;
    case ':':
      out->kind = Reply::Kind::kInteger;
      if (!ParseInt64(line, &out->integer)) return Fail("invalid integer");
      return ReplyParse::kComplete;
    case '_':
      out->kind = Reply::Kind::kNull;
      return line.empty() ? ReplyParse::kComplete : Fail("invalid null");
    case '#':
      out->kind = Reply::Kind::kBoolean;
      if (line != "t" && line != "f") return Fail("invalid boolean");
      out->integer = line == "t" ? 1 : 0;
      return ReplyParse::kComplete;
    case ',':
      out->kind = Reply::Kind::kDouble;
      out->text.assign(line);
      if (!ParseDouble(line, &out->number)) return Fail("invalid double");
      return ReplyParse::kComplete;
    case '(':
      out->kind = Reply::Kind::kBigNumber;
      out->text.assign(line);
      return ReplyParse::kComplete;
    default:
      return Fail(std::string("unknown reply type '") + type + "'");
  }
}

ReplyParse Decoder::Decode(Reply* out, int depth) {
  if (pos_ >= in_.size()) return ReplyParse::kNeedMore;
  const char type = in_[pos_++];
  std::string_view line;
  if (ReplyParse r = Line(&line); r != ReplyParse::kComplete) return r;
  switch (type) {
    case '$':
    case '!':
    case '=': {
      int64_t n;
      if (ReplyParse r = Length(line, limits_.max_bulk, &n); r != ReplyParse::kComplete) return r;
      if (n < 0) {
        if (type != '$') return Fail("invalid length");
        out->kind = Reply::Kind::kNull;
        return ReplyParse::kComplete;
      }
      if (ReplyParse r = Blob(n, &out->text); r != ReplyParse::kComplete) return r;
      out->kind = type == '$'   ? Reply::Kind::kBulkString
                  : type == '!' ? Reply::Kind::kError
                                : Reply::Kind::kVerbatim;
      if (type == '=') {
        if (out->text.size() < 4 || out->text[3] != ':') return Fail("invalid verbatim string");
        out->format = out->text.substr(0, 3);
        out->text.erase(0, 4);
      }
      return ReplyParse::kComplete;
    }
    case '*':
      return Aggregate(line, Reply::Kind::kArray, 1, out, depth);
    case '~':
      return Aggregate(line, Reply::Kind::kSet, 1, out, depth);
    case '>':
      return Aggregate(line, Reply::Kind::kPush, 1, out, depth);
    case '%':
      return Aggregate(line, Reply::Kind::kMap, 2, out, depth);
    case '|': {
      Reply attributes;
      if (ReplyParse r = Aggregate(line, Reply::Kind::kMap, 2, &attributes, depth);
          r != ReplyParse::kComplete) {
        return r;
      }
      return Decode(out, depth);
    }
    default:
      return Scalar(type, line, out);
  }
}

}  // namespace

ReplyParse ParseReply(std::string_view in, Reply* out, size_t* consumed, std::string* error,
                      const ReplyLimits& limits) {
  Decoder decoder(in, limits, error);
  *out = Reply();
  const ReplyParse result = decoder.Decode(out, 0);
  if (result == ReplyParse::kComplete) *consumed = decoder.position();
  return result;
}

}  // namespace basalt::protocol
