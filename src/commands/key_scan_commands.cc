// Keyspace iteration: KEYS, SCAN and RANDOMKEY.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/key_commands_internal.h"

namespace basalt::cmd {

namespace {

void Keys(CommandContext& ctx) {
  const std::string_view pattern = ctx.arg(1);
  const bool all = pattern == "*";
  const store::Database& db = ctx.db();
  // Expired keys are hidden but not deleted here (Redis's KEYS does the same); they go on the
  // next access or active cycle. The table is not modified during the walk, so a full cursor
  // loop visits every entry exactly once.
  const size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  uint64_t cursor = 0;
  do {
    cursor = db.Scan(cursor, [&](const store::Entry* e) {
      if (store::Database::IsExpired(e, ctx.now_ms)) return;
      if (!all && !GlobMatch(pattern, e->key())) return;
      ctx.reply.Bulk(e->key());
      ++n;
    });
  } while (cursor != 0);
  ctx.reply.EndDeferredArray(token, n);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
//
// As in Redis 7, COUNT is a hint for how many keys to gather before filtering: buckets are
// visited until COUNT keys were collected, the cursor wraps to 0, or 10 x COUNT buckets were
// visited (so a sparse table still answers quickly). Filters then drop keys not matching the
// pattern, expired keys (deleted on the way, as on any access) and keys of another type. An
// unknown TYPE name simply matches nothing, as in Redis 7.0.
void Scan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(1), &cursor)) {
    ctx.reply.Error(err::kInvalidCursor);
    return;
  }
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 2, /*allow_type=*/true, &opts)) return;

  store::Database& db = ctx.db();
  const auto wanted = static_cast<size_t>(opts.count);
  uint64_t steps_left =
      opts.count > INT64_MAX / 10 ? UINT64_MAX : static_cast<uint64_t>(opts.count) * 10;
  std::vector<std::string> keys;
  do {
    cursor = db.Scan(cursor, [&keys](const store::Entry* e) { keys.emplace_back(e->key()); });
  } while (cursor != 0 && steps_left-- > 0 && keys.size() < wanted);

  std::erase_if(keys, [&](const std::string& key) {
    if (opts.has_pattern && !GlobMatch(opts.pattern, key)) return true;
    const store::Entry* e = db.Lookup(key, ctx.now_ms, /*touch=*/false);
    if (e == nullptr) return true;
    return opts.has_type && !EqualsIgnoreCase(store::TypeName(e->type()), opts.type);
  });

  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& key : keys) ctx.reply.Bulk(key);
}

// A random live key. Expired keys met on the way are deleted and the draw repeats, so an
// all-expired database answers nil. A replica cannot delete them, and when every key has a
// TTL they might all be logically expired: after 100 draws it returns one anyway, as Redis
// does, rather than loop forever.
void RandomKey(CommandContext& ctx) {
  store::Database& db = ctx.db();
  const bool replica = ctx.server.keyspace.replica_mode();
  const bool all_volatile = db.size() == db.expires_count();
  int tries_left = 100;
  while (true) {
    const store::Entry* e = db.RandomEntry(ctx.server.keyspace.rng());
    if (e == nullptr) {
      ctx.reply.Null();
      return;
    }
    if (store::Database::IsExpired(e, ctx.now_ms)) {
      if (replica && all_volatile && --tries_left == 0) {
        ctx.reply.Bulk(e->key());
        return;
      }
      if (!replica) db.Lookup(std::string(e->key()), ctx.now_ms, /*touch=*/false);
      continue;
    }
    ctx.reply.Bulk(e->key());
    return;
  }
}

}  // namespace

void RegisterKeyScanCommands(CommandTable& table) {
  table.Add({.name = "keys",
             .arity = 2,
             .flags = kReadOnly,
             .handler = Keys,
             .group = "generic",
             .summary = "Find all keys matching the given pattern",
             .since = "1.0.0",
             .complexity = "O(N) with N being the number of keys in the database, under the "
                           "assumption that the key names in the database and the given pattern "
                           "have limited length."});
  table.Add({.name = "scan",
             .arity = -2,
             .flags = kReadOnly,
             .handler = Scan,
             .group = "generic",
             .summary = "Incrementally iterate the keys space",
             .since = "2.8.0",
             .complexity = "O(1) for every call. O(N) for a complete iteration, including "
                           "enough command calls for the cursor to return back to 0. N is the "
                           "number of elements inside the collection."});
  table.Add({.name = "randomkey",
             .arity = 1,
             .flags = kReadOnly,
             .handler = RandomKey,
             .group = "generic",
             .summary = "Return a random key from the keyspace",
             .since = "1.0.0",
             .complexity = "O(1)"});
}

}  // namespace basalt::cmd
