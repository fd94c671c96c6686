#include "common/strings.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

namespace basalt {

bool ParseInt64(std::string_view s, int64_t* out) {
  // Longest valid text is "-9223372036854775808" (20 chars).
  if (s.empty() || s.size() > 20) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  // 18 digits cannot overflow: the common short numbers (lengths, counts, members stored as
  // integers) skip the per-digit overflow check.
  if (s.size() - i <= 18) {
    for (; i < s.size(); ++i) {
      const unsigned digit = static_cast<unsigned char>(s[i]) - '0';
      if (digit > 9) return false;
      v = v * 10 + digit;
    }
    *out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    return true;
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseUint64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

namespace {

// strtod/strtold need a NUL-terminated buffer; request arguments are not terminated.
constexpr size_t kMaxFloatChars = 5 * 1024;

template <typename F, typename Conv>
bool ParseFloating(std::string_view s, F* out, Conv convert) {
  if (s.empty() || s.size() >= kMaxFloatChars) return false;
  char buf[kMaxFloatChars];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  if (std::isspace(static_cast<unsigned char>(buf[0]))) return false;
  errno = 0;
  char* end = nullptr;
  F v = convert(buf, &end);
  if (end != buf + s.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) return false;
  if (errno == EINVAL || std::isnan(v)) return false;
  *out = v;
  return true;
}

// Plain decimals of at most 15 digits ("-12.5", "3", "0.001"): the digits as an integer and
// the power of ten are both exact doubles, so one IEEE division yields the correctly rounded
// value, the same that strtod computes, for a fraction of its cost (zset listpacks keep such
// scores as text and every load and listpack lookup parses them). False for anything else,
// which strtod then decides.
bool ParseShortDecimal(std::string_view s, double* out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  const bool negative = i == 1;
  uint64_t mantissa = 0;
  int digits = 0;
  int fraction_digits = 0;
  bool dot = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      if (++digits > 15) return false;
      mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
      fraction_digits += dot ? 1 : 0;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  if (digits == 0) return false;
  const double v = static_cast<double>(mantissa) / kPow10[fraction_digits];
  *out = negative ? -v : v;
  return true;
}

}  // namespace

bool ParseDouble(std::string_view s, double* out) {
  if (ParseShortDecimal(s, out)) return true;
  return ParseFloating<double>(s, out, [](const char* b, char** e) { return std::strtod(b, e); });
}

bool ParseLongDouble(std::string_view s, long double* out) {
  return ParseFloating<long double>(s, out,
                                    [](const char* b, char** e) { return std::strtold(b, e); });
}

namespace {

// The decimal digits of u into buf (up to 20); returns how many.
int FormatDigits(uint64_t u, char* buf) {
  // Two digits per step from a table, into their final place: replies format a number for
  // almost every command (lengths, counts, bulk headers).
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  int digits = 1;
  for (uint64_t t = u; t >= 10; t /= 10) ++digits;
  char* p = buf + digits;
  while (u >= 100) {
    const unsigned pair = static_cast<unsigned>(u % 100) * 2;
    u /= 100;
    *--p = kPairs[pair + 1];
    *--p = kPairs[pair];
  }
  if (u >= 10) {
    *--p = kPairs[u * 2 + 1];
    *--p = kPairs[u * 2];
  } else {
    *--p = static_cast<char>('0' + u);
  }
  return digits;
}

}  // namespace

int FormatInt64(int64_t v, char* buf) {
  if (v >= 0) return FormatDigits(static_cast<uint64_t>(v), buf);
  *buf = '-';
  return 1 + FormatDigits(0 - static_cast<uint64_t>(v), buf + 1);
}

int FormatUint64(uint64_t v, char* buf) { return FormatDigits(v, buf); }

std::string Int64ToString(int64_t v) {
  char buf[21];
  return std::string(buf, FormatInt64(v, buf));
}

std::string FormatLongDoubleHuman(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // 17 digits after the point round-trip the small decimals users type (10.1 stays 10.1).
  char buf[kMaxFloatChars];
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (len <= 0 || static_cast<size_t>(len) >= sizeof(buf)) return "0";
  if (std::memchr(buf, '.', len) != nullptr) {
    while (buf[len - 1] == '0') --len;
    if (buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, len);
}

std::string FormatFixedTrimmed(double v) {
  char buf[400];  // "%f" of DBL_MAX is 316 characters
  const int n = std::snprintf(buf, sizeof(buf), "%f", v);
  std::string s(buf, static_cast<size_t>(std::max(n, 0)));
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  // An integral value below 1e17 has at most 17 digits, so "%.17g" prints it exactly, in plain
  // notation, as the integer it is (Redis's d2string takes the same shortcut). -0.0 keeps its
  // sign through snprintf.
  if (v == std::trunc(v) && std::fabs(v) < 1e17 && (v != 0 || !std::signbit(v))) {
    char ibuf[24];
    return std::string(ibuf, FormatInt64(static_cast<int64_t>(v), ibuf));
  }
  char buf[64];
  int len = std::snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, len);
}

bool ParseMemorySize(std::string_view s, int64_t* out) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  std::string unit = ToLower(s.substr(digits));
  int64_t mul;
  if (unit.empty() || unit == "b") {
    mul = 1;
  } else if (unit == "k") {
    mul = 1000;
  } else if (unit == "kb") {
    mul = 1024;
  } else if (unit == "m") {
    mul = 1000 * 1000;
  } else if (unit == "mb") {
    mul = 1024 * 1024;
  } else if (unit == "g") {
    mul = 1000LL * 1000 * 1000;
  } else if (unit == "gb") {
    mul = 1024LL * 1024 * 1024;
  } else {
    return false;
  }
  // Like memtoull, no digits at all read as 0: Redis accepts CONFIG SET maxmemory "" (or "mb").
  uint64_t n = 0;
  if (digits > 0 && !ParseUint64(s.substr(0, digits), &n)) return false;
  if (n > static_cast<uint64_t>(INT64_MAX) / mul) return false;
  *out = static_cast<int64_t>(n) * mul;
  return true;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

void ToLowerInPlace(std::string& s) {
  for (char& c : s) c = AsciiLower(c);
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  ToLowerInPlace(out);
  return out;
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

namespace {

// Matches one bracket class starting just after '['. Advances *p past the closing ']' (or to the
// end of the pattern when unterminated, which Redis treats as closed) and reports a match.
bool MatchClass(std::string_view pat, size_t* p, char c, bool nocase) {
  size_t i = *p;
  bool negate = false;
  if (i < pat.size() && pat[i] == '^') {
    negate = true;
    ++i;
  }
  bool matched = false;
  auto fold = [nocase](char x) { return nocase ? AsciiLower(x) : x; };
  while (i < pat.size() && pat[i] != ']') {
    if (pat[i] == '\\' && i + 1 < pat.size()) {
      // Redis compares an escaped member exactly, even with nocase.
      if (pat[i + 1] == c) matched = true;
      i += 2;
    } else if (i + 2 < pat.size() && pat[i + 1] == '-') {
      // Ordered before folding, as Redis does: with nocase [Z-a] becomes 'z'..'a', empty.
      char lo = pat[i], hi = pat[i + 2];
      if (lo > hi) std::swap(lo, hi);
      lo = fold(lo);
      hi = fold(hi);
      char x = fold(c);
      if (x >= lo && x <= hi) matched = true;
      i += 3;
    } else {
      if (fold(pat[i]) == fold(c)) matched = true;
      ++i;
    }
  }
  *p = i < pat.size() ? i + 1 : i;
  return negate ? !matched : matched;
}

}  // namespace

bool GlobMatch(std::string_view pat, std::string_view text, bool nocase) {
  // Iterative matcher: on mismatch, retry from the last '*' consuming one more character. The
  // last star subsumes earlier ones, so one backtrack point suffices and there is no recursion.
  // Redis never matches an empty string with a non-empty pattern, not even "*" (KEYS and SCAN
  // special-case a lone "*" to list the empty key).
  if (text.empty()) return pat.empty();
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pat.size()) {
      char pc = pat[p];
      if (pc == '*') {
        while (p < pat.size() && pat[p] == '*') ++p;
        if (p == pat.size()) return true;
        star_p = p;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        size_t np = p + 1;
        if (MatchClass(pat, &np, text[t], nocase)) {
          p = np;
          ++t;
          continue;
        }
      } else {
        size_t np = p;
        if (pc == '\\' && p + 1 < pat.size()) ++np;
        char lit = pat[np];
        bool eq = nocase ? AsciiLower(lit) == AsciiLower(text[t]) : lit == text[t];
        if (eq) {
          p = np + 1;
          ++t;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

std::string RandomHex(size_t n) {
  // Seeded per call from the OS: ids are made rarely, and must differ across processes.
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (char& c : out) c = kHex[rng() & 15];
  return out;
}

}  // namespace basalt
