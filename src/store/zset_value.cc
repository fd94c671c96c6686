#include "store/zset_value.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/strings.h"
#include "store/zset_tree.h"

namespace basalt::store {

namespace {

// Redis 7.0 writes an integral score as integer text when it lies within +-2^62 (where the
// conversion to a 64-bit integer is exact), which the listpack then stores as an integer.
constexpr double kIntegralLimit = 4611686018427387904.0;

struct ScoreBuffer {
  char data[32];  // "%.17g" needs at most 24
};

// The text Redis 7.0 inserts into a zset listpack for `score` (never NaN).
std::string_view ScoreText(double score, ScoreBuffer* buf) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  if (score >= -kIntegralLimit && score <= kIntegralLimit) {
    const auto ll = static_cast<int64_t>(score);
    if (static_cast<double>(ll) == score) {
      return {buf->data, static_cast<size_t>(FormatInt64(ll, buf->data))};
    }
  }
  const int len = std::snprintf(buf->data, sizeof(buf->data), "%.17g", score);
  return {buf->data, static_cast<size_t>(len)};
}

// A listpack score element: an integer, or text strtod accepts whole. Loading validates every
// score with this, so the values in memory always parse.
bool ParseScore(const Listpack::Value& v, double* score) {
  if (v.is_int) {
    *score = static_cast<double>(v.num);
    return true;
  }
  return ParseDouble(v.str, score);
}

double ScoreAt(const Listpack& lp, uint32_t pos) {
  double score = 0;
  ParseScore(lp.Get(pos), &score);
  return score;
}

bool TooLong(size_t len, const EncodingLimits& limits) {
  return len > static_cast<uint64_t>(limits.zset_max_listpack_value);
}

bool TooMany(size_t n, const EncodingLimits& limits) {
  return n > static_cast<uint64_t>(limits.zset_max_listpack_entries);
}

// The rank of the first pair for which pred(member, score) holds (pairs are in order and
// pred is false then true along them); the pair count when none does.
template <typename Pred>
size_t ListpackLowerBound(const Listpack& lp, Pred pred) {
  NumberBuffer buf;
  size_t rank = 0;
  for (uint32_t p = lp.First(); p != Listpack::kNone; ++rank) {
    const uint32_t s = lp.Next(p);
    if (pred(lp.Get(p).Text(buf.data), ScoreAt(lp, s))) return rank;
    p = lp.Next(s);
  }
  return rank;
}

}  // namespace

// ---- Lifetime ------------------------------------------------------------------------------

ZsetValue::ZsetValue() = default;

ZsetValue::ZsetValue(Listpack pairs) : listpack_(std::move(pairs)) {}

ZsetValue::~ZsetValue() {
  if (tree_ != nullptr) ZsetTree::Delete(tree_);
}

ZsetValue* ZsetValue::NewFor(size_t size_hint, size_t max_member_len,
                             const EncodingLimits& limits) {
  auto* z = new ZsetValue();
  if (TooMany(size_hint, limits) || TooLong(max_member_len, limits)) {
    z->ConvertToTree();
    z->Reserve(size_hint);
  }
  return z;
}

size_t ZsetValue::size() const { return tree_ ? tree_->size() : listpack_.size() / 2; }

size_t ZsetValue::MemoryUsage() const {
  // The empty listpack a tree-encoded value keeps is held memory too.
  size_t total = mem::UsableSize(const_cast<ZsetValue*>(this)) + listpack_.MemoryUsage();
  if (tree_ != nullptr) total += tree_->MemoryUsage();
  return total;
}

CompositeValue* ZsetValue::Clone() const {
  if (tree_ == nullptr) return new ZsetValue(listpack_.Clone());
  auto* copy = new ZsetValue();
  ZsetTree* t = ZsetTree::New();
  t->Reserve(size());
  ZsetTree::NodeVector nodes;
  nodes.reserve(size());
  ForEach([&](std::string_view m, double s) { nodes.push_back(t->AddToTable(m, s)); });
  t->BuildFromSorted(nodes);
  copy->tree_ = t;
  return copy;
}

bool ZsetValue::CheckInvariants() const {
  if (tree_ != nullptr) return tree_->Validate() && listpack_.empty();
  if (listpack_.size() % 2 != 0) return false;
  bool ok = true;
  bool first = true;
  std::string prev_member;
  double prev_score = 0;
  ForEach([&](std::string_view m, double s) {
    if (!first && !ZsetLess(prev_score, prev_member, s, m)) ok = false;
    first = false;
    prev_member.assign(m);
    prev_score = s;
  });
  return ok;
}

bool ZsetValue::IsValidListpack(const Listpack& lp) {
  if (lp.size() % 2 != 0) return false;
  // Members formatted from integers need a buffer that outlives the next element's.
  NumberBuffer bufs[2];
  std::string_view prev_member;
  double prev_score = 0;
  int which = 0;
  for (uint32_t p = lp.First(); p != Listpack::kNone; which ^= 1) {
    const uint32_t s = lp.Next(p);
    double score;
    if (!ParseScore(lp.Get(s), &score) || std::isnan(score)) return false;
    const std::string_view member = lp.Get(p).Text(bufs[which].data);
    if (p != lp.First() && !ZsetLess(prev_score, prev_member, score, member)) return false;
    prev_member = member;
    prev_score = score;
    p = lp.Next(s);
  }
  return !lp.HasRepeats(2);
}

// ---- Conversions ---------------------------------------------------------------------------

void ZsetValue::ConvertToTree() {
  if (tree_ != nullptr) return;
  ZsetTree* t = ZsetTree::New();
  t->Reserve(size());
  ZsetTree::NodeVector nodes;
  nodes.reserve(size());
  ForEach([&](std::string_view m, double s) { nodes.push_back(t->AddToTable(m, s)); });
  t->BuildFromSorted(nodes);
  tree_ = t;
  listpack_ = Listpack();
}

void ZsetValue::ConvertToListpackIfFits(const EncodingLimits& limits) {
  if (tree_ == nullptr || TooMany(size(), limits)) return;
  bool fits = true;
  ForEach([&](std::string_view m, double) {
    fits = !TooLong(m.size(), limits);
    return fits;
  });
  if (!fits) return;
  Listpack lp;
  ScoreBuffer buf;
  ForEach([&](std::string_view m, double s) {
    lp.Append(m);
    lp.Append(ScoreText(s, &buf));
  });
  ZsetTree::Delete(tree_);
  tree_ = nullptr;
  listpack_ = std::move(lp);
}

void ZsetValue::Reserve(size_t n) {
  if (tree_ != nullptr) tree_->Reserve(n);
}

bool ZsetValue::InsertForLoad(std::string_view member, double score) {
  if (tree_ == nullptr) ConvertToTree();
  return tree_->Insert(member, score);
}

// ---- Point operations ----------------------------------------------------------------------

bool ZsetValue::Score(std::string_view member, double* score) const {
  if (tree_ != nullptr) {
    const ZsetNode* n = tree_->Find(member);
    if (n == nullptr) return false;
    *score = n->score();
    return true;
  }
  const uint32_t p = listpack_.Find(listpack_.First(), member, 2);
  if (p == Listpack::kNone) return false;
  *score = ScoreAt(listpack_, listpack_.Next(p));
  return true;
}

// Inserts a pair that is not present at its place in the listpack's order.
static void ListpackInsert(Listpack& lp, std::string_view member, double score) {
  ScoreBuffer sbuf;
  const std::string_view text = ScoreText(score, &sbuf);
  NumberBuffer mbuf;
  for (uint32_t p = lp.First(); p != Listpack::kNone;) {
    const uint32_t s = lp.Next(p);
    if (ZsetLess(score, member, ScoreAt(lp, s), lp.Get(p).Text(mbuf.data))) {
      lp.InsertAfter(lp.InsertBefore(p, member), text);
      return;
    }
    p = lp.Next(s);
  }
  lp.Append(member);
  lp.Append(text);
}

ZsetValue::SetResult ZsetValue::Set(std::string_view member, double score,
                                    const EncodingLimits& limits) {
  if (tree_ == nullptr) {
    const uint32_t p = listpack_.Find(listpack_.First(), member, 2);
    if (p != Listpack::kNone) {
      if (ScoreAt(listpack_, listpack_.Next(p)) == score) return SetResult::kUnchanged;
      listpack_.DeleteRange(p, 2);
      ListpackInsert(listpack_, member, score);
      return SetResult::kUpdated;
    }
    if (!TooMany(size() + 1, limits) && !TooLong(member.size(), limits)) {
      ListpackInsert(listpack_, member, score);
      return SetResult::kAdded;
    }
    ConvertToTree();
  }
  // One hash of the member serves the lookup and the insert.
  const uint64_t hash = ZsetNodeTraits::Hash(member);
  if (ZsetNode* n = tree_->Find(member, hash)) {
    if (n->score() == score) return SetResult::kUnchanged;
    tree_->Rescore(n, score);
    return SetResult::kUpdated;
  }
  tree_->InsertAbsent(member, score, hash);
  return SetResult::kAdded;
}

bool ZsetValue::Remove(std::string_view member) {
  if (tree_ != nullptr) return tree_->Remove(member);
  const uint32_t p = listpack_.Find(listpack_.First(), member, 2);
  if (p == Listpack::kNone) return false;
  listpack_.DeleteRange(p, 2);
  return true;
}

// ---- Ranks ---------------------------------------------------------------------------------

bool ZsetValue::Rank(std::string_view member, size_t* rank, double* score) const {
  if (tree_ != nullptr) {
    const ZsetNode* n = tree_->Find(member);
    if (n == nullptr) return false;
    *rank = tree_->RankOf(n);
    *score = n->score();
    return true;
  }
  size_t r = 0;
  for (uint32_t p = listpack_.First(); p != Listpack::kNone; ++r) {
    const uint32_t s = listpack_.Next(p);
    if (listpack_.Get(p).Equals(member)) {
      *rank = r;
      *score = ScoreAt(listpack_, s);
      return true;
    }
    p = listpack_.Next(s);
  }
  return false;
}

size_t ZsetValue::ScoreLowerBound(double score, bool exclusive) const {
  if (tree_ != nullptr) return tree_->ScoreLowerBound(score, exclusive);
  return ListpackLowerBound(
      listpack_, [&](std::string_view, double s) { return exclusive ? s > score : s >= score; });
}

size_t ZsetValue::LexLowerBound(std::string_view member, bool exclusive) const {
  if (tree_ != nullptr) return tree_->LexLowerBound(member, exclusive);
  return ListpackLowerBound(
      listpack_, [&](std::string_view m, double) { return exclusive ? m > member : m >= member; });
}

void ZsetValue::At(size_t rank, std::string_view* member, double* score, NumberBuffer* buf) const {
  if (tree_ != nullptr) {
    const ZsetNode* n = tree_->At(rank);
    *member = n->member();
    *score = n->score();
    return;
  }
  const uint32_t p = listpack_.Seek(static_cast<int64_t>(2 * rank));
  *member = listpack_.Get(p).Text(buf->data);
  *score = ScoreAt(listpack_, listpack_.Next(p));
}

void ZsetValue::VisitRanks(size_t from, size_t to, bool reverse, VisitFn fn, void* ctx) const {
  if (from >= to) return;
  if (tree_ != nullptr) {
    tree_->VisitRanks(from, to, reverse, fn, ctx);
    return;
  }
  NumberBuffer buf;
  uint32_t p = listpack_.Seek(static_cast<int64_t>(2 * (reverse ? to - 1 : from)));
  for (size_t left = to - from; left > 0; --left) {
    const uint32_t s = listpack_.Next(p);
    if (!fn(ctx, listpack_.Get(p).Text(buf.data), ScoreAt(listpack_, s))) return;
    if (left == 1) return;
    p = reverse ? listpack_.Prev(listpack_.Prev(p)) : listpack_.Next(s);
  }
}

uint64_t ZsetValue::VisitScan(uint64_t cursor, VisitFn fn, void* ctx) const {
  if (tree_ != nullptr) return tree_->Scan(cursor, fn, ctx);
  VisitRanks(0, size(), false, fn, ctx);
  return 0;
}

size_t ZsetValue::RemoveRanks(size_t from, size_t to) {
  if (from >= to) return 0;
  if (tree_ != nullptr) return tree_->RemoveRanks(from, to);
  listpack_.DeleteRange(listpack_.Seek(static_cast<int64_t>(2 * from)), 2 * (to - from));
  return to - from;
}

}  // namespace basalt::store
