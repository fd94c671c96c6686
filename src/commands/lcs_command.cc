// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest common subsequence
// of two strings, by the classic O(N*M) dynamic programming table.
//
// Several subsequences may be longest; which one is reported depends on how the table is
// walked back, so the walk makes Redis's choices (on a tie it steps back in the second
// string), and IDX lists the matching ranges in the order that walk meets them: from the
// ends of the strings towards their starts.
#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "commands/bit_commands_internal.h"
#include "commands/command_table.h"
#include "commands/helpers.h"

namespace basalt::cmd {

namespace {

struct LcsOptions {
  bool len = false;
  bool idx = false;
  bool with_match_len = false;
  int64_t min_match_len = 0;
};

bool ParseLcsOptions(CommandContext& ctx, LcsOptions* opts) {
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    if (IsOption(opt, "IDX")) {
      opts->idx = true;
    } else if (IsOption(opt, "LEN")) {
      opts->len = true;
    } else if (IsOption(opt, "WITHMATCHLEN")) {
      opts->with_match_len = true;
    } else if (IsOption(opt, "MINMATCHLEN") && j + 1 < ctx.argc()) {
      if (!ParseIntArg(ctx, ctx.arg(++j), &opts->min_match_len)) return false;
      if (opts->min_match_len < 0) opts->min_match_len = 0;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (opts->idx && opts->len) {
    ctx.reply.Error("ERR If you want both the length and indexes, please just use IDX.");
    return false;
  }
  return true;
}

// The table: cell (i, j) holds the LCS length of a's first i bytes and b's first j bytes.
class LcsTable {
 public:
  LcsTable(std::string_view a, std::string_view b)
      : a_(a), b_(b), width_(b.size() + 1), cells_((a.size() + 1) * width_, 0) {
    for (size_t i = 1; i <= a.size(); ++i) {
      for (size_t j = 1; j <= b.size(); ++j) {
        at(i, j) =
            a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }
  uint32_t length() const { return cell(a_.size(), b_.size()); }
  uint32_t cell(size_t i, size_t j) const { return cells_[i * width_ + j]; }

 private:
  uint32_t& at(size_t i, size_t j) { return cells_[i * width_ + j]; }
  std::string_view a_, b_;
  size_t width_;
  std::vector<uint32_t> cells_;
};

struct MatchRange {
  size_t a_start, a_end, b_start, b_end;
};

// Walks the table back from the end, building the subsequence (back to front) and the
// contiguous matching ranges in the order met.
void WalkBack(const LcsTable& t, std::string_view a, std::string_view b, std::string* lcs,
              std::vector<MatchRange>* ranges) {
  lcs->assign(t.length(), '\0');
  size_t fill = lcs->size();
  size_t i = a.size(), j = b.size();
  bool open = false;
  MatchRange cur{};
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1]) {
      (*lcs)[--fill] = a[i - 1];
      if (open && cur.a_start == i && cur.b_start == j) {
        --cur.a_start;
        --cur.b_start;
      } else {
        cur = {i - 1, i - 1, j - 1, j - 1};
        open = true;
      }
      --i;
      --j;
      // A range touching the start of either string cannot grow further.
      if (cur.a_start == 0 || cur.b_start == 0) {
        ranges->push_back(cur);
        open = false;
      }
      continue;
    }
    if (t.cell(i - 1, j) > t.cell(i, j - 1)) {
      --i;
    } else {
      --j;
    }
    if (open) {
      ranges->push_back(cur);
      open = false;
    }
  }
}

void ReplyIdx(CommandContext& ctx, const LcsOptions& opts, const std::vector<MatchRange>& ranges,
              uint32_t length) {
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("matches");
  size_t shown = 0;
  for (const MatchRange& r : ranges) {
    if (static_cast<int64_t>(r.a_end - r.a_start + 1) >= opts.min_match_len) ++shown;
  }
  ctx.reply.ArrayHeader(shown);
  for (const MatchRange& r : ranges) {
    const size_t match_len = r.a_end - r.a_start + 1;
    if (static_cast<int64_t>(match_len) < opts.min_match_len) continue;
    ctx.reply.ArrayHeader(opts.with_match_len ? 3 : 2);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(static_cast<int64_t>(r.a_start));
    ctx.reply.Integer(static_cast<int64_t>(r.a_end));
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(static_cast<int64_t>(r.b_start));
    ctx.reply.Integer(static_cast<int64_t>(r.b_end));
    if (opts.with_match_len) ctx.reply.Integer(static_cast<int64_t>(match_len));
  }
  ctx.reply.Bulk("len");
  ctx.reply.Integer(length);
}

void Lcs(CommandContext& ctx) {
  store::Entry* ea = LookupRead(ctx, ctx.arg(1));
  store::Entry* eb = LookupRead(ctx, ctx.arg(2));
  if ((ea != nullptr && ea->type() != store::ValueType::kString) ||
      (eb != nullptr && eb->type() != store::ValueType::kString)) {
    ctx.reply.Error("ERR The specified keys must contain string values");
    return;
  }
  LcsOptions opts;
  if (!ParseLcsOptions(ctx, &opts)) return;
  std::string_view a = ea == nullptr ? std::string_view() : ea->string_value();
  std::string_view b = eb == nullptr ? std::string_view() : eb->string_value();
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    ctx.reply.Error("ERR String too long for LCS");
    return;
  }
  try {
    const LcsTable table(a, b);
    if (opts.len && !opts.idx) {
      ctx.reply.Integer(table.length());
      return;
    }
    std::string lcs;
    std::vector<MatchRange> ranges;
    WalkBack(table, a, b, &lcs, &ranges);
    if (opts.idx) {
      ReplyIdx(ctx, opts, ranges, table.length());
    } else {
      ctx.reply.Bulk(lcs);
    }
  } catch (const std::bad_alloc&) {
    ctx.reply.Error("ERR Insufficient memory, failed allocating transient memory for LCS");
  }
}

}  // namespace

void RegisterLcsCommand(CommandTable& table) {
  CommandSpec lcs =
      SingleKeySpec("lcs", -3, kReadOnly, Lcs, "string", "Find longest common substring", "7.0.0",
                    "O(N*M) where N and M are the lengths of s1 and s2, "
                    "respectively");
  lcs.last_key = 2;
  table.Add(std::move(lcs));
}

}  // namespace basalt::cmd
