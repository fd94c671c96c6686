// Generic key commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, RENAME, RENAMENX, COPY, MOVE and the
// whole-database commands DBSIZE, FLUSHDB, FLUSHALL, SWAPDB. KEYS, SCAN and RANDOMKEY live in
// key_scan_commands.cc.
#include <string>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/key_commands_internal.h"
#include "commands/keyspace_notify.h"

namespace basalt::cmd {

namespace {

// DEL and UNLINK. An expired key is lazily removed first (its own DEL is propagated by the
// keyspace listener) and is not counted, as in Redis.
void DeleteKeys(CommandContext& ctx, bool lazy) {
  store::Database& db = ctx.db();
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (LookupWrite(ctx, ctx.arg(i)) == nullptr) continue;
    if (db.Delete(ctx.arg(i), lazy)) {
      NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", ctx.arg(i));
      ++deleted;
    }
  }
  if (deleted > 0) ctx.MarkDirty(deleted);
  ctx.reply.Integer(deleted);
}

// DEL frees inline unless lazyfree-lazy-user-del; UNLINK hands collections of more than 64
// elements to the background thread (Keyspace::DisposeEntry).
void Del(CommandContext& ctx) { DeleteKeys(ctx, ctx.server.keyspace.lazy_free_policy().user_del); }

void Unlink(CommandContext& ctx) { DeleteKeys(ctx, /*lazy=*/true); }

// EXISTS and TOUCH: the number of given keys that exist, duplicates counted each time. Only
// TOUCH counts as an access for LRU/LFU eviction.
void CountExisting(CommandContext& ctx, bool touch) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (LookupRead(ctx, ctx.arg(i), touch) != nullptr) ++n;
  }
  ctx.reply.Integer(n);
}

void Exists(CommandContext& ctx) { CountExisting(ctx, /*touch=*/false); }

void Touch(CommandContext& ctx) { CountExisting(ctx, /*touch=*/true); }

void Type(CommandContext& ctx) {
  store::Entry* e = LookupRead(ctx, ctx.arg(1), /*touch=*/false);
  ctx.reply.SimpleString(e == nullptr ? "none" : store::TypeName(e->type()));
}

// RENAME and RENAMENX. The value and the TTL move to the new name; an existing destination of
// any type is replaced (RENAME) or left alone (RENAMENX replies 0).
void RenameGeneric(CommandContext& ctx, bool nx) {
  std::string_view src = ctx.arg(1);
  std::string_view dst = ctx.arg(2);
  if (LookupWrite(ctx, src) == nullptr) {
    ctx.reply.Error(err::kNoSuchKey);
    return;
  }
  // Renaming a key to itself changes nothing and is not propagated.
  if (src == dst) {
    nx ? ctx.reply.Integer(0) : ctx.reply.Ok();
    return;
  }
  store::Database& db = ctx.db();
  const bool dst_exists = LookupWrite(ctx, dst) != nullptr;
  if (dst_exists && nx) {
    ctx.reply.Integer(0);
    return;
  }
  if (dst_exists) db.Delete(dst);
  store::Entry* old = db.Take(src);
  store::Entry* moved = store::Entry::Rebuild(old, dst, old->expire_at());
  store::Entry::FreeShell(old);
  db.Insert(moved);
  ctx.MarkDirty();
  // A replaced destination is not announced as deleted: Redis reports only the rename.
  NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "rename_from", src);
  NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "rename_to", dst);
  nx ? ctx.reply.Integer(1) : ctx.reply.Ok();
}

void Rename(CommandContext& ctx) { RenameGeneric(ctx, false); }
void RenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

// COPY source destination [DB destination-db] [REPLACE]: a deep copy that keeps the TTL.
void Copy(CommandContext& ctx) {
  int dst_index = ctx.client.db;
  bool replace = false;
  // Options are checked in order, so a bad DB index is reported before a later syntax error.
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (IsOption(ctx.arg(i), "replace")) {
      replace = true;
    } else if (IsOption(ctx.arg(i), "db") && i + 1 < ctx.argc()) {
      if (!ParseDbIndexArg(ctx, ctx.arg(++i), &dst_index)) return;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  std::string_view src_key = ctx.arg(1);
  std::string_view dst_key = ctx.arg(2);
  if (dst_index == ctx.client.db && src_key == dst_key) {
    ctx.reply.Error(err::kSameObject);
    return;
  }
  store::Entry* src = LookupRead(ctx, src_key);
  if (src == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  store::Database& dst = ctx.server.keyspace.db(dst_index);
  if (dst.Lookup(dst_key, ctx.now_ms) != nullptr) {
    if (!replace) {
      ctx.reply.Integer(0);
      return;
    }
    dst.Delete(dst_key);
  }
  // Deleting dst_key never touches src (a different key, or a different database), so src is
  // still valid here.
  dst.Insert(store::Entry::Clone(src, dst_key, src->expire_at()));
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx.server, config::kNotifyGeneric, "copy_to", dst_key, dst_index);
  ctx.reply.Integer(1);
}

// MOVE key db: moves the entry (value and TTL) unless the key exists in the target database.
void Move(CommandContext& ctx) {
  int dst_index;
  if (!ParseDbIndexArg(ctx, ctx.arg(2), &dst_index)) return;
  if (dst_index == ctx.client.db) {
    ctx.reply.Error(err::kSameObject);
    return;
  }
  std::string_view key = ctx.arg(1);
  if (LookupWrite(ctx, key) == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  store::Database& dst = ctx.server.keyspace.db(dst_index);
  if (dst.Lookup(key, ctx.now_ms) != nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  dst.Insert(ctx.db().Take(key));
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "move_from", key);
  NotifyKeyspaceEvent(ctx.server, config::kNotifyGeneric, "move_to", key, dst_index);
  ctx.reply.Integer(1);
}

void DbSize(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.db().size())); }

// The optional ASYNC|SYNC argument of FLUSHDB and FLUSHALL; without one,
// lazyfree-lazy-user-flush decides. ASYNC frees the old keys on the background thread.
bool ParseFlushMode(CommandContext& ctx, bool* lazy) {
  *lazy = ctx.server.keyspace.lazy_free_policy().user_flush;
  if (ctx.argc() == 1) return true;
  if (ctx.argc() == 2 && (IsOption(ctx.arg(1), "sync") || IsOption(ctx.arg(1), "async"))) {
    *lazy = IsOption(ctx.arg(1), "async");
    return true;
  }
  ctx.reply.Error(err::kSyntax);
  return false;
}

// FLUSHDB and FLUSHALL are propagated even when nothing was removed (Redis forces it), so a
// replica or the AOF that somehow diverged is emptied too: mark at least one change.
void FlushDb(CommandContext& ctx) {
  bool lazy;
  if (!ParseFlushMode(ctx, &lazy)) return;
  const auto removed = static_cast<int64_t>(ctx.db().size());
  ctx.db().Clear(lazy);
  ctx.MarkDirty(removed > 0 ? removed : 1);
  ctx.reply.Ok();
}

// Redis also writes an RDB after FLUSHALL when save points are configured; that belongs to the
// persistence layer and is not done here.
void FlushAll(CommandContext& ctx) {
  bool lazy;
  if (!ParseFlushMode(ctx, &lazy)) return;
  const auto removed = static_cast<int64_t>(ctx.server.keyspace.TotalKeys());
  ctx.server.keyspace.FlushAll(lazy);
  ctx.MarkDirty(removed + 1);
  ctx.reply.Ok();
}

void SwapDb(CommandContext& ctx) {
  int a, b;
  if (!ParseIntRangeArg(ctx, ctx.arg(1), &a, "ERR invalid first DB index")) return;
  if (!ParseIntRangeArg(ctx, ctx.arg(2), &b, "ERR invalid second DB index")) return;
  const int n = ctx.server.keyspace.db_count();
  if (a < 0 || a >= n || b < 0 || b >= n) {
    ctx.reply.Error(err::kDbIndexRange);
    return;
  }
  // Swapping a database with itself is accepted and propagated, as Redis does.
  ctx.server.keyspace.SwapDatabases(a, b);
  ctx.MarkDirty();
  ctx.reply.Ok();
}

}  // namespace

bool ParseIntRangeArg(CommandContext& ctx, std::string_view text, int* out,
                      std::string_view error) {
  int64_t v;
  if (!ParseInt64(text, &v)) {
    ctx.reply.Error(error.empty() ? err::kNotInteger : error);
    return false;
  }
  if (v < INT32_MIN || v > INT32_MAX) {
    ctx.reply.Error(error.empty() ? "ERR value is out of range, value must between -2147483648 and "
                                    "2147483647"
                                  : error);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool ParseDbIndexArg(CommandContext& ctx, std::string_view text, int* out) {
  int v;
  if (!ParseIntRangeArg(ctx, text, &v)) return false;
  if (v < 0 || v >= ctx.server.keyspace.db_count()) {
    ctx.reply.Error(err::kDbIndexRange);
    return false;
  }
  *out = v;
  return true;
}

void RegisterKeyCommands(CommandTable& table) {
  table.Add(KeysSpec("del", -2, kWrite, {1, -1, 1}, Del, "generic", "Delete a key", "1.0.0",
                     "O(N) where N is the number of keys that will be removed."));
  table.Add(KeysSpec("unlink", -2, kWrite | kFast, {1, -1, 1}, Unlink, "generic",
                     "Delete a key asynchronously in another thread. Otherwise it is just as DEL, "
                     "but non blocking.",
                     "4.0.0", "O(1) for each key removed regardless of its size."));
  table.Add(KeysSpec("exists", -2, kReadOnly | kFast, {1, -1, 1}, Exists, "generic",
                     "Determine if a key exists", "1.0.0",
                     "O(N) where N is the number of keys to check."));
  table.Add(SingleKeySpec("type", 2, kReadOnly | kFast, Type, "generic",
                          "Determine the type stored at key", "1.0.0"));
  table.Add(KeysSpec(
      "touch", -2, kReadOnly | kFast, {1, -1, 1}, Touch, "generic",
      "Alters the last access time of a key(s). Returns the number of existing keys specified.",
      "3.2.1", "O(N) where N is the number of keys that will be touched."));
  table.Add(KeysSpec("rename", 3, kWrite, {1, 2, 1}, Rename, "generic", "Rename a key", "1.0.0"));
  table.Add(KeysSpec("renamenx", 3, kWrite | kFast, {1, 2, 1}, RenameNx, "generic",
                     "Rename a key, only if the new key does not exist", "1.0.0"));
  table.Add(KeysSpec("copy", -3, kWrite | kDenyOom, {1, 2, 1}, Copy, "generic", "Copy a key",
                     "6.2.0",
                     "O(N) worst case for collections, where N is the number of nested items. O(1) "
                     "for string values."));
  table.Add(SingleKeySpec("move", 3, kWrite | kFast, Move, "generic",
                          "Move a key to another database", "1.0.0"));
  // Redis files the whole-database commands under the "server" group.
  table.Add({.name = "dbsize",
             .arity = 1,
             .flags = kReadOnly | kFast,
             .handler = DbSize,
             .group = "server",
             .summary = "Return the number of keys in the selected database",
             .since = "1.0.0",
             .complexity = "O(1)"});
  table.Add({.name = "flushdb",
             .arity = -1,
             .flags = kWrite,
             .handler = FlushDb,
             .group = "server",
             .summary = "Remove all keys from the current database",
             .since = "1.0.0",
             .complexity = "O(N) where N is the number of keys in the selected database"});
  table.Add({.name = "flushall",
             .arity = -1,
             .flags = kWrite,
             .handler = FlushAll,
             .group = "server",
             .summary = "Remove all keys from all databases",
             .since = "1.0.0",
             .complexity = "O(N) where N is the total number of keys in all databases"});
  table.Add({.name = "swapdb",
             .arity = 3,
             .flags = kWrite | kFast,
             .handler = SwapDb,
             .group = "server",
             .summary = "Swaps two Redis databases",
             .since = "4.0.0",
             .complexity = "O(N) where N is the count of clients watching or blocking on keys "
                           "from both databases."});
  RegisterKeyScanCommands(table);
}

}  // namespace basalt::cmd
