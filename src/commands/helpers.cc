#include "commands/helpers.h"

#include <cctype>
#include <cstdint>

#include "commands/keyspace_notify.h"
#include "common/strings.h"

namespace basalt::cmd {

store::Entry* LookupRead(CommandContext& ctx, std::string_view key, bool touch) {
  store::Entry* e = ctx.db().Lookup(key, ctx.now_ms, touch);
  store::KeyspaceStats& stats = ctx.server.keyspace.stats();
  if (e != nullptr) {
    ++stats.keyspace_hits;
  } else {
    ++stats.keyspace_misses;
    // Redis publishes keymiss exactly where it counts a read miss (its read lookups).
    NotifyKeyspaceEvent(ctx, config::kNotifyKeyMiss, "keymiss", key);
  }
  return e;
}

store::Entry* LookupWrite(CommandContext& ctx, std::string_view key) {
  return ctx.db().Lookup(key, ctx.now_ms);
}

bool CheckType(CommandContext& ctx, const store::Entry* e, store::ValueType type) {
  if (e == nullptr || e->type() == type) return true;
  ctx.reply.Error(err::kWrongType);
  return false;
}

bool ParseIntArg(CommandContext& ctx, std::string_view text, int64_t* out, std::string_view error) {
  if (ParseInt64(text, out)) return true;
  ctx.reply.Error(error);
  return false;
}

bool ParseTimeoutMs(CommandContext& ctx, std::string_view text, int64_t* timeout_ms) {
  if (!ParseInt64(text, timeout_ms)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return false;
  }
  if (*timeout_ms < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return false;
  }
  if (*timeout_ms > INT64_MAX - ctx.now_ms) {
    ctx.reply.Error("ERR timeout is out of range");
    return false;
  }
  return true;
}

void SubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                  std::string(ctx.arg(1).substr(0, 128)) + "'. Try " + ToUpper(ctx.arg(0)) +
                  " HELP.");
}

bool ParseDbIndex(CommandContext& ctx, std::string_view text, int* out) {
  int64_t idx;
  if (!ParseInt64(text, &idx)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (idx < 0 || idx >= ctx.server.keyspace.db_count()) {
    ctx.reply.Error(err::kDbIndexRange);
    return false;
  }
  *out = static_cast<int>(idx);
  return true;
}

bool ParseScanCursor(std::string_view text, uint64_t* out) {
  text = text.substr(0, text.find('\0'));
  if (text.empty()) {
    *out = 0;
    return true;
  }
  if (std::isspace(static_cast<unsigned char>(text[0]))) return false;
  size_t i = 0;
  const bool negative = text[0] == '-';
  if (text[0] == '-' || text[0] == '+') ++i;
  if (i == text.size()) return false;
  uint64_t v = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = negative ? (~v + 1) : v;
  return true;
}

bool ParseScanOptions(CommandContext& ctx, size_t first, bool allow_type, ScanOptions* opts) {
  for (size_t i = first; i < ctx.argc(); i += 2) {
    const bool has_value = i + 1 < ctx.argc();
    const std::string_view name = ctx.arg(i);
    if (IsOption(name, "count") && has_value) {
      if (!ParseIntArg(ctx, ctx.arg(i + 1), &opts->count)) return false;
      if (opts->count < 1) {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
    } else if (IsOption(name, "match") && has_value) {
      opts->pattern = ctx.arg(i + 1);
      opts->has_pattern = opts->pattern != "*";
    } else if (allow_type && IsOption(name, "type") && has_value) {
      opts->type = ctx.arg(i + 1);
      opts->has_type = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

RepeatedPickReply::RepeatedPickReply(CommandContext& ctx)
    : ctx_(ctx), start_(ctx.reply.buffer()->size()) {
  const int64_t hard = ctx.server.config.settings().output_limit_normal.hard_bytes;
  limit_ = static_cast<uint64_t>(
      hard > 0 && hard < kMaxRepeatedPickReplyBytes ? hard : kMaxRepeatedPickReplyBytes);
}

bool RepeatedPickReply::Admit(uint64_t count, uint64_t min_bytes) {
  if (min_bytes == 0 || count <= limit_ / min_bytes) return true;
  ctx_.reply.Error(err::kOutOfRange);
  return false;
}

bool RepeatedPickReply::StillFits() {
  std::string* out = ctx_.reply.buffer();
  if (out->size() - start_ <= limit_) return true;
  out->resize(start_);
  ctx_.reply.Error(err::kOutOfRange);
  return false;
}

bool ClampRange(int64_t start, int64_t stop, size_t size, size_t* from, size_t* to) {
  const auto n = static_cast<int64_t>(size);
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  if (start < 0) start = 0;
  if (start > stop || start >= n) return false;
  if (stop >= n) stop = n - 1;
  *from = static_cast<size_t>(start);
  *to = static_cast<size_t>(stop);
  return true;
}

void ReplyScan(CommandContext& ctx, uint64_t cursor, const std::vector<std::string>& items) {
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.ArrayHeader(items.size());
  for (const std::string& item : items) ctx.reply.Bulk(item);
}

bool IsLocalClient(const ClientSession& client) {
  const std::string peer = client.peer_address();
  if (peer.empty()) return true;
  const std::string_view ip = std::string_view(peer).substr(0, peer.rfind(':'));
  return ip == "127.0.0.1" || ip == "::1";
}

}  // namespace basalt::cmd
