// A stream entry's ID: milliseconds and a sequence number, both 64-bit unsigned, ordered as the
// pair. "0-0" is below every entry a stream can hold; "18446744073709551615-18446744073709551615"
// is the last possible one.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace basalt::store {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  auto operator<=>(const StreamId&) const = default;

  static constexpr StreamId Min() { return {0, 0}; }
  static constexpr StreamId Max() { return {UINT64_MAX, UINT64_MAX}; }
  bool IsZero() const { return ms == 0 && seq == 0; }

  // The next / previous ID; false (unchanged) at Max() / Min().
  bool Increment();
  bool Decrement();

  // "ms-seq".
  std::string ToString() const;
  // Writes "ms-seq" into buf (at least kTextMax bytes) and returns it.
  static constexpr size_t kTextMax = 41;
  std::string_view Format(char* buf) const;

  // 16 bytes, both numbers big-endian, so that byte order is ID order: the key of a stream
  // node in an RDB file, and a pending entry's ID there.
  void ToBigEndian(uint8_t* out) const;
  static StreamId FromBigEndian(const uint8_t* in);
};

// a - b as Redis computes idle times, lags and counters: in 64 bits that wrap, so a loaded or
// client-given extreme (a delivery time of INT64_MIN, ENTRIESREAD 2^63-1) is no undefined
// behaviour, and answers what Redis answers.
inline int64_t WrappingSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

// One number of an ID as Redis reads it: a decimal integer, refused when negative or past
// 64 bits. Values past INT64_MAX are read as C's strtoull reads them (a leading space or sign
// passes). False when not a number.
bool ParseStreamIdPart(std::string_view text, uint64_t* out);

// "ms" or "ms-seq" (an ID at most 127 bytes long). Without "-seq", *seq_given is false and seq
// is `missing_seq`. "ms-*" sets *seq_auto (only when seq_auto is not null; refused otherwise).
bool ParseStreamId(std::string_view text, uint64_t missing_seq, StreamId* out,
                   bool* seq_given = nullptr, bool* seq_auto = nullptr);

}  // namespace basalt::store
