#include "store/stream_id.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/strings.h"

namespace basalt::store {

bool StreamId::Increment() {
  if (seq != UINT64_MAX) {
    ++seq;
    return true;
  }
  if (ms == UINT64_MAX) return false;
  ++ms;
  seq = 0;
  return true;
}

bool StreamId::Decrement() {
  if (seq != 0) {
    --seq;
    return true;
  }
  if (ms == 0) return false;
  --ms;
  seq = UINT64_MAX;
  return true;
}

std::string StreamId::ToString() const {
  char buf[kTextMax];
  return std::string(Format(buf));
}

std::string_view StreamId::Format(char* buf) const {
  char* p = buf;
  p += FormatUint64(ms, p);
  *p++ = '-';
  p += FormatUint64(seq, p);
  return {buf, static_cast<size_t>(p - buf)};
}

void StreamId::ToBigEndian(uint8_t* out) const {
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<uint8_t>(ms >> (56 - 8 * i));
    out[8 + i] = static_cast<uint8_t>(seq >> (56 - 8 * i));
  }
}

StreamId StreamId::FromBigEndian(const uint8_t* in) {
  StreamId id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | in[i];
    id.seq = (id.seq << 8) | in[8 + i];
  }
  return id;
}

bool ParseStreamIdPart(std::string_view text, uint64_t* out) {
  int64_t v;
  if (ParseInt64(text, &v)) {
    if (v < 0) return false;
    *out = static_cast<uint64_t>(v);
    return true;
  }
  // Past int64 (or not canonical): C's strtoull decides, on a NUL-terminated copy.
  if (text.empty() || text.size() > 127) return false;
  char buf[128];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  const unsigned long long parsed = std::strtoull(buf, &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0') return false;
  *out = parsed;
  return true;
}

bool ParseStreamId(std::string_view text, uint64_t missing_seq, StreamId* out, bool* seq_given,
                   bool* seq_auto) {
  if (text.size() > 127) return false;
  // The text is read as a C string: an embedded NUL ends it.
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
  if (seq_given != nullptr) *seq_given = true;
  if (seq_auto != nullptr) *seq_auto = false;
  const size_t dash = text.find('-');
  StreamId id;
  if (!ParseStreamIdPart(text.substr(0, dash), &id.ms)) return false;
  if (dash == std::string_view::npos) {
    id.seq = missing_seq;
    if (seq_given != nullptr) *seq_given = false;
  } else {
    const std::string_view seq = text.substr(dash + 1);
    if (seq_auto != nullptr && seq == "*") {
      *seq_auto = true;
    } else if (!ParseStreamIdPart(seq, &id.seq)) {
      return false;
    }
  }
  *out = id;
  return true;
}

}  // namespace basalt::store
