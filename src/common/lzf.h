// LZF compression, as used for long strings in RDB files (string encoding 0xC3).
//
// The format is a sequence of items, each starting with a control byte `c`:
//   c < 0x20          literal run: the next c+1 bytes (1..32) are copied to the output.
//   c >= 0x20         back reference: len = c >> 5 (1..6; 7 means "7 + the next byte"), then
//                     one byte `lo`; copy len+2 bytes (3..264) starting at distance
//                     ((c & 0x1f) << 8 | lo) + 1 (1..8192) before the current output end.
//                     Source and destination may overlap (runs).
// There is no header, length or end marker: the container (RDB) stores both lengths.
//
// This is our own implementation of that public format; output is valid LZF but not byte-for-
// byte what liblzf produces (no consumer depends on that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace basalt {

// Holds the match-finder's hash table so repeated calls allocate nothing and do not clear it
// (stale entries are detected, not wiped). One per thread; not thread-safe.
class LzfCompressor {
 public:
  LzfCompressor();
  ~LzfCompressor();
  LzfCompressor(const LzfCompressor&) = delete;
  LzfCompressor& operator=(const LzfCompressor&) = delete;

  // Compresses `in_len` bytes into `out`, writing at most `out_cap` bytes. Returns the
  // compressed size, or 0 when the result would not fit in out_cap (callers pass a cap below
  // in_len to compress only when it pays), when in_len is 0, or when in_len is over 2 GB.
  size_t Compress(const void* in, size_t in_len, void* out, size_t out_cap);

 private:
  static constexpr int kHashBits = 14;
  std::unique_ptr<uint32_t[]> table_;
  // Positions are stored as base_ + index; entries below base_ belong to earlier inputs.
  uint32_t base_ = 0;
};

// Compress with a thread-local LzfCompressor.
size_t LzfCompress(const void* in, size_t in_len, void* out, size_t out_cap);

// Decompresses `in_len` bytes into `out` (capacity `out_cap`). Returns the number of bytes
// produced, or -1 when the input is malformed (truncated item, reference before the start of
// the output) or would produce more than out_cap bytes. Never reads or writes out of bounds,
// whatever the input; bytes of out between the result and out_cap may be overwritten.
int64_t LzfDecompress(const void* in, size_t in_len, void* out, size_t out_cap);

// How many bytes past out_cap LzfDecompressWithSlack may write.
inline constexpr size_t kLzfDecompressSlack = 32;
// LzfDecompress for a caller whose buffer has kLzfDecompressSlack writable bytes after out_cap
// (their contents afterwards are unspecified): faster on the short copies RDB blobs are made
// of. Same result and the same checks otherwise.
int64_t LzfDecompressWithSlack(const void* in, size_t in_len, void* out, size_t out_cap);

}  // namespace basalt
