#include "common/lzf.h"

#include <cstring>

namespace basalt {

namespace {

constexpr size_t kMaxLiteralRun = 32;
constexpr size_t kMaxDistance = 8192;
constexpr size_t kMinMatch = 3;
constexpr size_t kMaxMatch = 7 + 255 + 2;
constexpr size_t kMaxInput = size_t{1} << 31;

inline uint32_t Load24(const unsigned char* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16);
}

// Writes literal runs for in[start, start+n) into out[*op...]; false when out_cap is exceeded.
inline bool EmitLiterals(const unsigned char* in, size_t start, size_t n, unsigned char* out,
                         size_t* op, size_t out_cap) {
  while (n > 0) {
    size_t run = n < kMaxLiteralRun ? n : kMaxLiteralRun;
    if (out_cap - *op < run + 1) return false;
    out[(*op)++] = static_cast<unsigned char>(run - 1);
    std::memcpy(out + *op, in + start, run);
    *op += run;
    start += run;
    n -= run;
  }
  return true;
}

}  // namespace

LzfCompressor::LzfCompressor() : table_(new uint32_t[size_t{1} << kHashBits]()) {}
LzfCompressor::~LzfCompressor() = default;

size_t LzfCompressor::Compress(const void* in_data, size_t in_len, void* out_data, size_t out_cap) {
  if (in_len == 0 || in_len > kMaxInput) return 0;
  // Keep base_ + index within uint32; restart the generations (one clear) when it would wrap.
  if (uint64_t{base_} + in_len + 1 > UINT32_MAX) {
    std::memset(table_.get(), 0, sizeof(uint32_t) << kHashBits);
    base_ = 0;
  }
  const auto* in = static_cast<const unsigned char*>(in_data);
  auto* out = static_cast<unsigned char*>(out_data);
  uint32_t* table = table_.get();
  const uint32_t base = base_;
  base_ += static_cast<uint32_t>(in_len) + 1;

  size_t op = 0;
  size_t lit_start = 0;
  size_t i = 0;
  auto slot = [](uint32_t v) { return (v * 2654435761u) >> (32 - kHashBits); };

  while (i + kMinMatch <= in_len) {
    uint32_t v = Load24(in + i);
    uint32_t h = slot(v);
    uint32_t stored = table[h];
    table[h] = base + static_cast<uint32_t>(i);
    // A candidate from an earlier input (below base) or any stale value is filtered by range;
    // within range a wrong candidate is harmless because the bytes are compared.
    size_t cand = stored - base;
    if (stored < base || cand >= i || i - cand > kMaxDistance || Load24(in + cand) != v) {
      ++i;
      continue;
    }
    size_t limit = in_len - i < kMaxMatch ? in_len - i : kMaxMatch;
    size_t len = kMinMatch;
    while (len < limit && in[cand + len] == in[i + len]) ++len;

    if (!EmitLiterals(in, lit_start, i - lit_start, out, &op, out_cap)) return 0;
    size_t code_len = len - 2;   // 1..262
    size_t dist = i - cand - 1;  // 0..8191
    size_t need = code_len < 7 ? 2 : 3;
    if (out_cap - op < need) return 0;
    if (code_len < 7) {
      out[op++] = static_cast<unsigned char>((code_len << 5) | (dist >> 8));
    } else {
      out[op++] = static_cast<unsigned char>((7 << 5) | (dist >> 8));
      out[op++] = static_cast<unsigned char>(code_len - 7);
    }
    out[op++] = static_cast<unsigned char>(dist & 0xff);

    i += len;
    lit_start = i;
    // Index the last two positions the match covered, so a following repeat is found.
    for (size_t k = i - 2; k < i && k + kMinMatch <= in_len; ++k) {
      table[slot(Load24(in + k))] = base + static_cast<uint32_t>(k);
    }
  }
  if (!EmitLiterals(in, lit_start, in_len - lit_start, out, &op, out_cap)) return 0;
  return op;
}

size_t LzfCompress(const void* in, size_t in_len, void* out, size_t out_cap) {
  thread_local LzfCompressor compressor;
  return compressor.Compress(in, in_len, out, out_cap);
}

namespace {

// The decoder behind both entry points. `writable` >= out_cap is how far the caller lets it
// write: with room past the end, short copies become fixed-size 8/16/32-byte moves (a few
// instructions) instead of variable-length memcpy calls, which matters for RDB blobs made of
// many 3-8 byte matches. Bytes between the result and `writable` are left unspecified.
int64_t Decompress(const unsigned char* in, size_t in_len, unsigned char* out, size_t out_cap,
                   size_t writable) {
  size_t ip = 0;
  size_t op = 0;
  while (ip < in_len) {
    size_t ctrl = in[ip++];
    if (ctrl < 0x20) {
      size_t run = ctrl + 1;
      if (in_len - ip < run || out_cap - op < run) return -1;
      if (in_len - ip >= kMaxLiteralRun && writable - op >= kMaxLiteralRun) {
        std::memcpy(out + op, in + ip, kMaxLiteralRun);
      } else {
        std::memcpy(out + op, in + ip, run);
      }
      ip += run;
      op += run;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) {
      if (ip >= in_len) return -1;
      len += in[ip++];
    }
    if (ip >= in_len) return -1;
    size_t dist = ((ctrl & 0x1f) << 8) + in[ip++] + 1;
    len += 2;
    if (dist > op || out_cap - op < len) return -1;
    unsigned char* dst = out + op;
    const unsigned char* src = dst - dist;
    if (dist >= 8 && len <= 8 && writable - op >= 8) {
      std::memcpy(dst, src, 8);
    } else if (dist >= 16 && writable - op >= len + 16) {
      // Each 16-byte step reads bytes written before it (dist >= 16), so runs come out right.
      for (size_t k = 0; k < len; k += 16) std::memcpy(dst + k, src + k, 16);
    } else if (dist >= len) {
      std::memcpy(dst, src, len);
    } else {
      // Overlapping copy repeats the last `dist` bytes; must go forward byte by byte.
      for (size_t k = 0; k < len; ++k) dst[k] = src[k];
    }
    op += len;
  }
  return static_cast<int64_t>(op);
}

}  // namespace

int64_t LzfDecompress(const void* in, size_t in_len, void* out, size_t out_cap) {
  return Decompress(static_cast<const unsigned char*>(in), in_len, static_cast<unsigned char*>(out),
                    out_cap, out_cap);
}

int64_t LzfDecompressWithSlack(const void* in, size_t in_len, void* out, size_t out_cap) {
  return Decompress(static_cast<const unsigned char*>(in), in_len, static_cast<unsigned char*>(out),
                    out_cap, out_cap + kLzfDecompressSlack);
}

}  // namespace basalt
