// String commands on part of a value: APPEND, STRLEN, GETRANGE (and its old name SUBSTR),
// SETRANGE. Writes keep the key's TTL; results may not grow past proto-max-bulk-len.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/string_commands_internal.h"
#include "store/entry.h"

namespace basalt::cmd {

namespace {

// A missing key is created with the value (even an empty one, as Redis does).
void Append(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  std::string_view suffix = ctx.arg(2);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  size_t total;
  if (e == nullptr) {
    ctx.db().SetString(key, suffix, -1);
    total = suffix.size();
  } else {
    const size_t current = e->string_value().size();
    if (!CheckStringLength(ctx, current, suffix.size())) return;
    // Appending nothing changes no bytes but still counts as a write, as in Redis: it is
    // propagated, and announced as a change (WATCH aborts, tracking invalidates).
    if (suffix.empty()) {
      ctx.db().PrepareModify(e);
    } else {
      ctx.db().SetRange(key, current, suffix);
    }
    total = current + suffix.size();
  }
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyString, "append", key);
  ctx.reply.Integer(static_cast<int64_t>(total));
}

void StrLen(CommandContext& ctx) {
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(e->string_value().size()));
}

// Inclusive range with negative indexes counting from the end; out-of-range ends are clamped
// and an empty or inverted range (or a missing key) gives an empty string.
void GetRange(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseIntArg(ctx, ctx.arg(2), &start) || !ParseIntArg(ctx, ctx.arg(3), &end)) return;
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (e == nullptr) {
    ctx.reply.Bulk("");
    return;
  }
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  std::string_view value = e->string_value();
  const int64_t len = static_cast<int64_t>(value.size());
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.Bulk("");
    return;
  }
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) {
    ctx.reply.Bulk("");
    return;
  }
  ctx.reply.Bulk(value.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

// Creates `key` as `offset` zero bytes followed by `bytes`.
void CreatePadded(CommandContext& ctx, std::string_view key, size_t offset,
                  std::string_view bytes) {
  const size_t len = offset + bytes.size();
  if (len <= store::kInlineStringMax) {
    char buf[store::kInlineStringMax];
    std::memset(buf, 0, offset);
    std::memcpy(buf + offset, bytes.data(), bytes.size());
    ctx.db().SetString(key, std::string_view(buf, len), -1);
    return;
  }
  std::string value(len, '\0');
  value.replace(offset, bytes.size(), bytes);
  ctx.db().SetString(key, value, -1);
}

// Writing nothing never creates a key nor checks the size: it just reports the length.
void SetRange(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  std::string_view bytes = ctx.arg(3);
  int64_t offset;
  if (!ParseIntArg(ctx, ctx.arg(2), &offset)) return;
  if (offset < 0) {
    ctx.reply.Error(err::kOffsetOutOfRange);
    return;
  }
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckType(ctx, e, store::ValueType::kString)) return;
  const size_t current = e == nullptr ? 0 : e->string_value().size();
  if (bytes.empty()) {
    ctx.reply.Integer(static_cast<int64_t>(current));
    return;
  }
  if (!CheckStringLength(ctx, static_cast<uint64_t>(offset), bytes.size())) return;
  const size_t at = static_cast<size_t>(offset);
  if (e == nullptr) {
    CreatePadded(ctx, key, at, bytes);
  } else {
    ctx.db().SetRange(key, at, bytes);
  }
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyString, "setrange", key);
  ctx.reply.Integer(static_cast<int64_t>(std::max(current, at + bytes.size())));
}

constexpr std::string_view kGetRangeComplexity =
    "O(N) where N is the length of the returned string. The complexity is ultimately determined "
    "by the returned length, but because creating a substring from an existing string is very "
    "cheap, it can be considered O(1) for small strings.";

}  // namespace

void RegisterStringRangeCommands(CommandTable& table) {
  table.Add(StringKeySpec(
      "append", 3, kWrite | kDenyOom | kFast, Append, "Append a value to a key", "2.0.0",
      "O(1). The amortized time complexity is O(1) assuming the appended value is small and the "
      "already present value is of any size, since the dynamic string library used by Redis "
      "will double the free space available on every reallocation."));
  table.Add(StringKeySpec("strlen", 2, kReadOnly | kFast, StrLen,
                          "Get the length of the value stored in a key", "2.2.0", "O(1)"));
  table.Add(StringKeySpec("getrange", 4, kReadOnly, GetRange,
                          "Get a substring of the string stored at a key", "2.4.0",
                          kGetRangeComplexity));
  // SUBSTR is GETRANGE's name from before 2.0, kept for old clients (deprecated in Redis).
  table.Add(StringKeySpec("substr", 4, kReadOnly, GetRange,
                          "Get a substring of the string stored at a key", "1.0.0",
                          kGetRangeComplexity));
  table.Add(StringKeySpec(
      "setrange", 4, kWrite | kDenyOom, SetRange,
      "Overwrite part of a string at key starting at the specified offset", "2.2.0",
      "O(1), not counting the time taken to copy the new string in place. Usually, this string "
      "is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M "
      "being the length of the value argument."));
}

}  // namespace basalt::cmd
