// PFADD, PFCOUNT, PFMERGE: HyperLogLogs as Redis 7.0 keeps them, in plain string values
// (store/hyperloglog.h has the format). A value that is no HyperLogLog gets Redis's WRONGTYPE
// text, a HyperLogLog whose registers do not decode its INVALIDOBJ.
#include <string>

#include "commands/bit_commands_internal.h"
#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "store/hyperloglog.h"

namespace basalt::cmd {

namespace {

constexpr std::string_view kNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kCorrupt = "INVALIDOBJ Corrupted HLL object detected";

// A string key that holds a HyperLogLog (or nothing): false after replying the error.
bool CheckHll(CommandContext& ctx, const store::Entry* e) {
  if (!CheckType(ctx, e, store::ValueType::kString)) return false;
  if (e != nullptr && !store::hll::LooksValid(e->string_value())) {
    ctx.reply.Error(kNotHll);
    return false;
  }
  return true;
}

size_t SparseMaxBytes(const CommandContext& ctx) {
  return static_cast<size_t>(ctx.server.config.settings().hll_sparse_max_bytes);
}

// Stores `value` as key's new bytes, keeping its TTL.
void Store(CommandContext& ctx, std::string_view key, const std::string& value) {
  ctx.db().SetString(key, value, -1, /*keep_ttl=*/true);
}

// PFADD into a dense value, edited in place (a 12 KB copy per PFADD halved its rate).
void PfAddDense(CommandContext& ctx, std::string_view key) {
  BitStringEditor bytes;
  if (!bytes.Open(ctx, key, store::hll::kDenseSize)) return;
  int updated = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    int index;
    const int value = store::hll::ElementRegister(ctx.arg(i), &index);
    if (store::hll::DenseRegister(bytes.data(), index) >= value) continue;
    store::hll::SetDenseRegister(bytes.Touch(), index, value);
    ++updated;
  }
  if (updated > 0) {
    store::hll::MarkCacheStale(bytes.Touch());
    bytes.Finish();
    ctx.MarkDirty(updated);
    NotifyKeyspaceEvent(ctx, config::kNotifyString, "pfadd", key);
  }
  ctx.reply.Integer(updated > 0 ? 1 : 0);
}

void PfAdd(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  store::Entry* e = LookupWrite(ctx, key);
  if (!CheckHll(ctx, e)) return;
  if (e != nullptr && store::hll::IsDense(e->string_value())) {
    PfAddDense(ctx, key);
    return;
  }
  int updated = 0;
  std::string hll;
  if (e == nullptr) {
    hll = store::hll::NewSparse();
    ++updated;  // a new key is a change, even with no elements
  } else {
    hll.assign(e->string_value());
  }
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const int result = store::hll::Add(hll, ctx.arg(i), SparseMaxBytes(ctx));
    if (result < 0) {
      // Redis edits the value in place: what the elements before this one changed stays
      // (unannounced, not propagated), whatever the reply.
      if (updated > 0) Store(ctx, key, hll);
      ctx.reply.Error(kCorrupt);
      return;
    }
    updated += result;
  }
  if (updated > 0) {
    store::hll::InvalidateCache(hll);
    Store(ctx, key, hll);
    ctx.MarkDirty(updated);
    NotifyKeyspaceEvent(ctx, config::kNotifyString, "pfadd", key);
  }
  ctx.reply.Integer(updated > 0 ? 1 : 0);
}

// PFCOUNT of several keys: the estimate of their union, nothing written.
void PfCountUnion(CommandContext& ctx) {
  store::hll::RawRegisters max{};
  for (size_t i = 1; i < ctx.argc(); ++i) {
    store::Entry* e = LookupRead(ctx, ctx.arg(i));
    if (!CheckHll(ctx, e)) return;
    if (e == nullptr) continue;
    if (!store::hll::MergeInto(max, e->string_value())) {
      ctx.reply.Error(kCorrupt);
      return;
    }
  }
  ctx.reply.Integer(static_cast<int64_t>(store::hll::CountRaw(max)));
}

// PFCOUNT of one key answers its cached cardinality, computing and storing it when the cache
// is stale: a write, as in Redis (propagated, WATCH sees it).
void PfCount(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    PfCountUnion(ctx);
    return;
  }
  const std::string_view key = ctx.arg(1);
  // A read lookup, as Redis's (a read-only command; a miss is a keyspace miss and a keymiss
  // event), although it may store the cache.
  store::Entry* e = LookupRead(ctx, key);
  if (!CheckHll(ctx, e)) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  uint64_t count;
  if (!store::hll::CachedCount(e->string_value(), &count)) {
    bool corrupt;
    count = store::hll::Count(e->string_value(), &corrupt);
    if (corrupt) {
      ctx.reply.Error(kCorrupt);
      return;
    }
    BitStringEditor bytes;  // in place: the value may be a dense 12 KB
    if (!bytes.Open(ctx, key, store::hll::kHeaderSize)) return;
    store::hll::StoreCachedCount(bytes.Touch(), count);
    bytes.Finish();
    ctx.MarkDirty();
  }
  ctx.reply.Integer(static_cast<int64_t>(count));
}

// PFMERGE dest [source ...]: dest becomes the union of itself and the sources (dense when
// any of them is dense, as in Redis).
void PfMerge(CommandContext& ctx) {
  store::hll::RawRegisters max{};
  bool dense = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    store::Entry* e = LookupRead(ctx, ctx.arg(i));
    if (!CheckHll(ctx, e)) return;
    if (e == nullptr) continue;
    dense = dense || store::hll::IsDense(e->string_value());
    if (!store::hll::MergeInto(max, e->string_value())) {
      ctx.reply.Error(kCorrupt);
      return;
    }
  }
  const std::string_view key = ctx.arg(1);
  store::Entry* target = LookupWrite(ctx, key);
  std::string hll =
      target == nullptr ? store::hll::NewSparse() : std::string(target->string_value());
  if (dense && !store::hll::ToDense(hll)) {
    ctx.reply.Error(kCorrupt);
    return;
  }
  for (int i = 0; i < store::hll::kRegisters; ++i) {
    if (max[i] != 0) store::hll::SetRegister(hll, i, max[i], SparseMaxBytes(ctx));
  }
  store::hll::InvalidateCache(hll);
  Store(ctx, key, hll);
  ctx.MarkDirty();
  NotifyKeyspaceEvent(ctx, config::kNotifyString, "pfadd", key);
  ctx.reply.Ok();
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key: GETREG and TODENSE turn a sparse value dense
// (a change: propagated as sent), as Redis's do.
void PfDebug(CommandContext& ctx) {
  const std::string_view sub = ctx.arg(1);
  const std::string_view key = ctx.arg(2);
  store::Entry* e = LookupWrite(ctx, key);
  if (e == nullptr) {
    ctx.reply.Error("ERR The specified key does not exist");
    return;
  }
  if (!CheckHll(ctx, e)) return;
  const bool sparse = !store::hll::IsDense(e->string_value());
  auto make_dense = [&]() -> bool {
    std::string hll(e->string_value());
    if (!store::hll::ToDense(hll)) {
      ctx.reply.Error(kCorrupt);
      return false;
    }
    Store(ctx, key, hll);
    ctx.MarkDirty();
    return true;
  };
  if (IsOption(sub, "getreg")) {
    if (sparse && !make_dense()) return;
    const auto* bytes =
        reinterpret_cast<const uint8_t*>(LookupWrite(ctx, key)->string_value().data());
    ctx.reply.ArrayHeader(store::hll::kRegisters);
    for (int i = 0; i < store::hll::kRegisters; ++i) {
      ctx.reply.Integer(store::hll::DenseRegister(bytes, i));
    }
  } else if (IsOption(sub, "decode")) {
    if (!sparse) {
      ctx.reply.Error("ERR HLL encoding is not sparse");
      return;
    }
    ctx.reply.Bulk(store::hll::DescribeSparse(e->string_value()));
  } else if (IsOption(sub, "encoding")) {
    ctx.reply.SimpleString(sparse ? "sparse" : "dense");
  } else if (IsOption(sub, "todense")) {
    if (sparse && !make_dense()) return;
    ctx.reply.Integer(sparse ? 1 : 0);
  } else {
    ctx.reply.Error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }
}

void PfSelfTest(CommandContext& ctx) {
  const std::string failure = store::hll::SelfTest();
  if (failure.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error("TESTFAILED " + failure);
  }
}

}  // namespace

void RegisterHyperLogLogCommands(CommandTable& table) {
  table.Add(KeysSpec("pfdebug", 3, kWrite | kDenyOom | kAdmin, {2, 2, 1}, PfDebug, "hyperloglog",
                     "Internal commands for debugging HyperLogLog values", "2.8.9", "N/A"));
  table.Add(KeylessSpec("pfselftest", 1, kAdmin, PfSelfTest, "hyperloglog",
                        "An internal command for testing HyperLogLog values", "2.8.9", "N/A"));
  table.Add(KeysSpec("pfadd", -2, kWrite | kDenyOom | kFast, {1, 1, 1}, PfAdd, "hyperloglog",
                     "Adds the specified elements to the specified HyperLogLog.", "2.8.9",
                     "O(1) to add every element."));
  table.Add(KeysSpec("pfcount", -2, kReadOnly | kMayReplicate, {1, -1, 1}, PfCount, "hyperloglog",
                     "Return the approximated cardinality of the set(s) observed by the "
                     "HyperLogLog at key(s).",
                     "2.8.9",
                     "O(1) with a very small average constant time when called with a single "
                     "key. O(N) with N being the number of keys, and much bigger constant times, "
                     "when called with multiple keys."));
  table.Add(KeysSpec("pfmerge", -2, kWrite | kDenyOom, {1, -1, 1}, PfMerge, "hyperloglog",
                     "Merge N different HyperLogLogs into a single one.", "2.8.9",
                     "O(N) to merge N HyperLogLogs, but with high constant times."));
}

}  // namespace basalt::cmd
