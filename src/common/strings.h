// Number parsing and formatting with Redis's exact rules, plus small string helpers.
//
// Redis is strict about integers ("+1", "01", " 1" and "-0" are not integers) and formats
// floats in specific ways; clients compare reply bytes, so these rules live in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace basalt {

// Strict signed 64-bit integer: optional '-', no leading zeros, no '+', no spaces.
bool ParseInt64(std::string_view s, int64_t* out);
// Same, as Redis's string2l for 32-bit-ish bounded options; bounds are checked by callers.
inline std::optional<int64_t> ToInt64(std::string_view s) {
  int64_t v;
  if (!ParseInt64(s, &v)) return std::nullopt;
  return v;
}
// Unsigned 64-bit integer, digits only (for SCAN cursors).
bool ParseUint64(std::string_view s, uint64_t* out);
// A double as Redis's string2d: no leading space, whole string consumed, "inf"/"-inf" allowed,
// NaN rejected.
bool ParseDouble(std::string_view s, double* out);
// A long double as Redis's string2ld (INCRBYFLOAT): like ParseDouble but long double precision.
bool ParseLongDouble(std::string_view s, long double* out);

// Decimal digits of v into buf (needs 21 bytes); returns the length.
int FormatInt64(int64_t v, char* buf);
int FormatUint64(uint64_t v, char* buf);
std::string Int64ToString(int64_t v);
// "%.17Lf" with trailing zeros (and a trailing '.') removed: INCRBYFLOAT's human format.
std::string FormatLongDoubleHuman(long double v);
// "%.17g", with inf / -inf / nan spelled as Redis does; used for double replies.
std::string FormatDouble(double v);
// "%f" with trailing zeros (and a trailing '.') removed: 50 -> "50", 99.9 -> "99.9" (how Redis
// shows latency percentiles).
std::string FormatFixedTrimmed(double v);

// Memory sizes as Redis's memtoull: "512mb", "1gb", "100" ("k"=1000, "kb"=1024, ...). As there,
// a missing number reads as 0 ("" and "mb" are 0); unlike there, overflow past INT64_MAX fails.
bool ParseMemorySize(std::string_view s, int64_t* out);

// `s` up to its first NUL: how a name reads where Redis formats it into a message with %s.
inline std::string_view UpToNul(std::string_view s) { return s.substr(0, s.find('\0')); }

char AsciiLower(char c);
void ToLowerInPlace(std::string& s);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Redis's glob matching (KEYS, SCAN MATCH, CONFIG GET): * ? [abc] [^a] [a-z] and \x escapes.
// As in Redis, an empty text matches only an empty pattern ("*" does not match ""): callers
// listing keys treat a lone "*" as "everything" themselves.
bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

// `n` random lowercase hex digits (run ids, replication ids, the EOF mark of a streamed RDB).
std::string RandomHex(size_t n);

}  // namespace basalt
