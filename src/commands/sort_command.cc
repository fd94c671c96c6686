// SORT and SORT_RO: sort the elements of a list, set or sorted set, by themselves or by weights
// read from other keys (BY pattern), and return them, values other keys hold for them (GET
// pattern), or store the result as a list (STORE, SORT only).
//
// Behaviour follows Redis 7.0, including its C-string habits, which are observable:
//  - ALPHA compares with strcoll() unless STORE is given, and then binary-safe. strcoll stops at
//    a NUL byte; basalt runs in the C locale, where strcoll is strcmp, so the non-STORE compare
//    is a byte compare that ends at the first NUL.
//  - Weights are read with strtod: leading whitespace, hex and "inf" are accepted, the text must
//    be consumed up to its first NUL, and overflow, underflow and NaN are refused. A missing
//    weight key (or one of the wrong type) weighs 0, or sorts first with ALPHA.
//  - Patterns are searched for '*' and "->" only up to their first NUL.
//  - Equal numeric weights fall back to a binary compare of the elements, so the order is
//    total; equal ALPHA weights are left in the source's order (a stable sort, as glibc's qsort
//    is for these sizes).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "store/hash_ref.h"
#include "store/list_value.h"
#include "store/set_value.h"
#include "store/zset_value.h"

namespace basalt::cmd {

namespace {

struct SortSpec {
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;  // BY without '*': keep the source's order, no weights
  bool has_by = false;
  std::string_view by;
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  bool has_store = false;
  std::string_view store;
  std::vector<std::string_view> gets;
};

struct SortItem {
  std::string element;
  double score = 0;
  std::optional<std::string> weight;  // ALPHA with BY: the weight's text, absent when missing
};

// The output window [start, end] over n elements (end < start: nothing), clamped as Redis
// clamps LIMIT: a negative offset is 0, a negative count means "to the end".
struct Window {
  int64_t start;
  int64_t end;
};

Window LimitWindow(const SortSpec& spec, int64_t n) {
  int64_t start = std::min(std::max<int64_t>(spec.limit_start, 0), n);
  const int64_t count = std::min(std::max<int64_t>(spec.limit_count, -1), n);
  int64_t end = count < 0 ? n - 1 : start + count - 1;
  if (start >= n) {
    start = n - 1;
    end = n - 2;
  }
  if (end >= n) end = n - 1;
  return {start, end};
}

// What C code sees of a binary string: the bytes before the first NUL.
std::string_view CString(std::string_view s) { return s.substr(0, s.find('\0')); }

bool ParseSortSpec(CommandContext& ctx, bool readonly, SortSpec* spec) {
  for (size_t j = 2; j < ctx.argc(); ++j) {
    const std::string_view a = ctx.arg(j);
    const size_t left = ctx.argc() - j - 1;
    if (IsOption(a, "asc")) {
      spec->desc = false;
    } else if (IsOption(a, "desc")) {
      spec->desc = true;
    } else if (IsOption(a, "alpha")) {
      spec->alpha = true;
    } else if (IsOption(a, "limit") && left >= 2) {
      if (!ParseIntArg(ctx, ctx.arg(j + 1), &spec->limit_start) ||
          !ParseIntArg(ctx, ctx.arg(j + 2), &spec->limit_count)) {
        return false;
      }
      j += 2;
    } else if (!readonly && IsOption(a, "store") && left >= 1) {
      spec->has_store = true;
      spec->store = ctx.arg(++j);
    } else if (IsOption(a, "by") && left >= 1) {
      spec->has_by = true;
      spec->by = ctx.arg(++j);
      // A constant pattern names no per-element key: nothing to sort by. Like Redis, a later
      // BY with a '*' does not undo it.
      if (CString(spec->by).find('*') == std::string_view::npos) spec->dontsort = true;
    } else if (IsOption(a, "get") && left >= 1) {
      spec->gets.push_back(ctx.arg(++j));
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// The value `pattern` names for `element`: "#" is the element itself; otherwise the first '*'
// is replaced by the element to form a key, whose string value is the answer, or, when the
// pattern continues with "->field" after the '*', that field of the hash at the key. Missing
// keys, fields and values of another type give nothing.
std::optional<std::string> LookupByPattern(CommandContext& ctx, std::string_view pattern,
                                           std::string_view element) {
  const std::string_view text = CString(pattern);
  if (text == "#") return std::string(element);
  const size_t star = text.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  const size_t arrow = text.find("->", star + 1);
  const bool has_field = arrow != std::string_view::npos && arrow + 2 < text.size();
  const size_t key_end = has_field ? arrow : pattern.size();
  std::string key(pattern.substr(0, star));
  key.append(element);
  key.append(pattern.substr(star + 1, key_end - star - 1));
  store::Entry* e = LookupRead(ctx, key);
  if (e == nullptr) return std::nullopt;
  if (!has_field) {
    if (e->type() != store::ValueType::kString) return std::nullopt;
    return std::string(e->string_value());
  }
  if (e->type() != store::ValueType::kHash) return std::nullopt;
  const store::HashRef hash(e);
  std::string_view value;
  if (!hash.Get(pattern.substr(arrow + 2), &value)) return std::nullopt;
  return std::string(value);
}

// A weight as Redis's strtod-based reading accepts it (see the file comment).
bool ParseWeight(std::string_view text, double* out) {
  const std::string c(CString(text));
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(c.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || std::isnan(v)) return false;
  *out = v;
  return true;
}

int BinaryCompare(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// strcoll in the C locale: bytes up to the first NUL.
int CollateCompare(std::string_view a, std::string_view b) {
  return BinaryCompare(CString(a), CString(b));
}

int CompareItems(const SortItem& a, const SortItem& b, const SortSpec& spec) {
  int cmp;
  if (!spec.alpha) {
    cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : BinaryCompare(a.element, b.element);
  } else if (spec.has_by) {
    if (!a.weight || !b.weight) {
      cmp = a.weight.has_value() - b.weight.has_value();  // a missing weight sorts first
    } else {
      cmp = spec.has_store ? BinaryCompare(*a.weight, *b.weight)
                           : CollateCompare(*a.weight, *b.weight);
    }
  } else {
    cmp =
        spec.has_store ? BinaryCompare(a.element, b.element) : CollateCompare(a.element, b.element);
  }
  return spec.desc ? -cmp : cmp;
}

// Reads every item's weight; false when a numeric one is not a number (Redis still reads the
// rest, so every weight key counts as a keyspace hit or miss).
bool LoadWeights(CommandContext& ctx, const SortSpec& spec, std::vector<SortItem>& items) {
  bool ok = true;
  for (SortItem& item : items) {
    std::optional<std::string> by;
    if (spec.has_by) {
      by = LookupByPattern(ctx, spec.by, item.element);
      if (!by) continue;
    }
    if (spec.alpha) {
      if (spec.has_by) item.weight = std::move(by);
    } else if (!ParseWeight(spec.has_by ? *by : item.element, &item.score)) {
      ok = false;
    }
  }
  return ok;
}

// Copies the elements of an ordered source (list or zset) in ranks [from, to] of the order
// DESC asks for (reversed from the tail), using range(first, last_exclusive, out) in ascending
// ranks.
template <typename Range>
void LoadOrderedWindow(size_t n, bool desc, Window w, Range&& range, std::vector<SortItem>& items) {
  if (w.end < w.start) return;
  const auto from = static_cast<size_t>(w.start), to = static_cast<size_t>(w.end);
  range(desc ? n - 1 - to : from, desc ? n - from : to + 1, items);
  if (desc) std::reverse(items.begin(), items.end());
}

void LoadList(const store::ListValue& list, bool window_only, bool desc, Window w,
              std::vector<SortItem>& items) {
  auto range = [&](size_t first, size_t last, std::vector<SortItem>& out) {
    if (last > first) {
      list.ForRange(first, last - 1, [&](std::string_view v) { out.push_back({std::string(v)}); });
    }
  };
  if (window_only) return LoadOrderedWindow(list.size(), desc, w, range, items);
  range(0, list.size(), items);
}

// A sorted set: with nothing to sort by, the window in score order (from the top with DESC);
// otherwise every member, to be sorted.
void LoadZset(const store::ZsetValue& zset, bool window_only, bool desc, Window w,
              std::vector<SortItem>& items) {
  auto range = [&](size_t first, size_t last, std::vector<SortItem>& out) {
    zset.ForEachInRanks(first, last, false, [&](std::string_view member, double) {
      out.push_back({std::string(member)});
    });
  };
  if (window_only) return LoadOrderedWindow(zset.size(), desc, w, range, items);
  range(0, zset.size(), items);
}

// Loads the source's elements into `items`, and sets *w to the window over them. Lists and
// sorted sets with nothing to sort load only the window (ordered as DESC asks); then *w is
// rebased onto what was loaded. False after a WRONGTYPE reply.
bool LoadSource(CommandContext& ctx, SortSpec& spec, std::vector<SortItem>& items, Window* w) {
  store::Entry* e = LookupRead(ctx, ctx.arg(1));
  if (e == nullptr) {
    *w = LimitWindow(spec, 0);
    return true;
  }
  const store::ValueType type = e->type();
  if (type == store::ValueType::kSet) {
    // A set's order is its hash table's; a stored result must not depend on it (replicas and
    // the AOF replay the SORT), so STORE sorts a set even when told not to, and so does a
    // script (what it does with the order may be written), as Redis does.
    if (spec.dontsort && (spec.has_store || ctx.client.runs_scripts)) {
      spec.dontsort = false;
      spec.alpha = true;
      spec.has_by = false;
    }
    const auto& set = static_cast<const store::SetValue&>(*e->object());
    items.reserve(set.size());
    set.ForEach([&](std::string_view m) { items.push_back({std::string(m)}); });
    *w = LimitWindow(spec, static_cast<int64_t>(items.size()));
    return true;
  }
  if (type == store::ValueType::kList) {
    const auto& list = static_cast<const store::ListValue&>(*e->object());
    *w = LimitWindow(spec, static_cast<int64_t>(list.size()));
    LoadList(list, spec.dontsort, spec.desc, *w, items);
  } else if (type == store::ValueType::kZSet) {
    // Redis turns a listpack zset into its skiplist encoding for any SORT (SORT_RO too), which
    // OBJECT ENCODING shows afterwards. Not a change of the contents: a snapshot in progress
    // is told (it keeps the old form), WATCH and tracking are not, as in Redis.
    if (static_cast<const store::ZsetValue*>(e->object())->is_listpack()) {
      store::Keyspace::QuietChanges quiet(ctx.server.keyspace);
      e = ctx.db().PrepareModify(e);
      static_cast<store::ZsetValue*>(e->object())->ConvertToTree();
    }
    const auto& zset = static_cast<const store::ZsetValue&>(*e->object());
    *w = LimitWindow(spec, static_cast<int64_t>(zset.size()));
    LoadZset(zset, spec.dontsort, spec.desc, *w, items);
  } else {
    ctx.reply.Error(err::kWrongType);
    return false;
  }
  if (spec.dontsort && w->end >= w->start) *w = {0, w->end - w->start};
  return true;
}

void ReplySorted(CommandContext& ctx, const SortSpec& spec, const std::vector<SortItem>& items,
                 Window w, size_t outputlen) {
  ctx.reply.ArrayHeader(outputlen);
  for (int64_t j = w.start; j <= w.end; ++j) {
    const std::string& element = items[static_cast<size_t>(j)].element;
    if (spec.gets.empty()) ctx.reply.Bulk(element);
    for (std::string_view pattern : spec.gets) {
      std::optional<std::string> value = LookupByPattern(ctx, pattern, element);
      value ? ctx.reply.Bulk(*value) : ctx.reply.Null();
    }
  }
}

// STORE: the result replaces the destination as a list (TTL dropped); an empty result deletes
// it. GET values that are missing are stored as empty strings.
void StoreSorted(CommandContext& ctx, const SortSpec& spec, const std::vector<SortItem>& items,
                 Window w, size_t outputlen) {
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  auto* list = new store::ListValue();
  for (int64_t j = w.start; j <= w.end; ++j) {
    const std::string& element = items[static_cast<size_t>(j)].element;
    if (spec.gets.empty()) list->PushBack(element, limits);
    for (std::string_view pattern : spec.gets) {
      list->PushBack(LookupByPattern(ctx, pattern, element).value_or(""), limits);
    }
  }
  // Like Redis: a write lookup (lazily expiring the destination) before overwriting it, but a
  // plain delete, expired or not, when the result is empty.
  if (outputlen > 0) {
    LookupWrite(ctx, spec.store);
    ctx.db().SetObject(spec.store, store::ValueType::kList, list);
    NotifyKeyspaceEvent(ctx, config::kNotifyList, "sortstore", spec.store);
    ctx.MarkDirty(static_cast<int64_t>(outputlen));
  } else {
    delete list;
    if (ctx.db().Delete(spec.store)) {
      NotifyKeyspaceEvent(ctx, config::kNotifyGeneric, "del", spec.store);
      ctx.MarkDirty();
    }
  }
  ctx.reply.Integer(static_cast<int64_t>(outputlen));
}

void SortGeneric(CommandContext& ctx, bool readonly) {
  SortSpec spec;
  if (!ParseSortSpec(ctx, readonly, &spec)) return;
  std::vector<SortItem> items;
  Window w{};
  if (!LoadSource(ctx, spec, items, &w)) return;
  if (!spec.dontsort) {
    if (!LoadWeights(ctx, spec, items)) {
      ctx.reply.Error("ERR One or more scores can't be converted into double");
      return;
    }
    std::stable_sort(items.begin(), items.end(), [&](const SortItem& a, const SortItem& b) {
      return CompareItems(a, b, spec) < 0;
    });
  }
  const size_t rows = w.end >= w.start ? static_cast<size_t>(w.end - w.start + 1) : 0;
  const size_t outputlen = spec.gets.empty() ? rows : rows * spec.gets.size();
  spec.has_store ? StoreSorted(ctx, spec, items, w, outputlen)
                 : ReplySorted(ctx, spec, items, w, outputlen);
}

void Sort(CommandContext& ctx) { SortGeneric(ctx, /*readonly=*/false); }
void SortRo(CommandContext& ctx) { SortGeneric(ctx, /*readonly=*/true); }

// SORT's STORE destination, found as Redis 7.0 finds it: LIMIT's two arguments and BY's and
// GET's one are skipped, anything else is read as an option; the last STORE wins.
void StoreKey(std::span<const std::string_view> args, std::vector<size_t>* out) {
  size_t destination = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "get") || EqualsIgnoreCase(args[i], "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(args[i], "store") && i + 1 < args.size()) {
      destination = i + 1;
    }
  }
  if (destination != 0) out->push_back(destination);
}

}  // namespace

void RegisterSortCommands(CommandTable& table) {
  constexpr std::string_view kComplexity =
      "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
      "number of returned elements. When the elements are not sorted, complexity is O(N).";
  // The range names the source; the STORE destination is found in the options (StoreKey). The
  // keys BY and GET patterns form are not known before the data is read (as in Redis).
  CommandSpec sort =
      SingleKeySpec("sort", -2, kWrite | kDenyOom | kMovableKeys, Sort, "generic",
                    "Sort the elements in a list, set or sorted set", "1.0.0", kComplexity);
  sort.option_keys = StoreKey;
  table.Add(std::move(sort));
  table.Add(SingleKeySpec("sort_ro", -2, kReadOnly | kMovableKeys, SortRo, "generic",
                          "Sort the elements in a list, set or sorted set. Read-only variant of "
                          "SORT.",
                          "7.0.0", kComplexity));
}

}  // namespace basalt::cmd
