#include "store/zset_tree.h"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>

#include "common/hash.h"

namespace basalt::store {

namespace {

// Capacities chosen so a block's header and array fill a 512-byte allocation class.
constexpr uint32_t kLeafCap = 63;
constexpr uint32_t kInnerCap = 21;
// Deeper than any tree can get: every node but those on the edges keeps at least a quarter
// of its capacity, so 32 levels would hold more elements than memory can.
constexpr int kMaxHeight = 32;

}  // namespace

// ---- ZsetNode ------------------------------------------------------------------------------

ZsetNode* ZsetNode::New(std::string_view member, double score) {
  static_assert(std::is_standard_layout_v<ZsetNode>);
  static_assert(offsetof(ZsetNode, size_) + sizeof(uint32_t) == kHeader);
  // The object is constructed in the block, so the block holds all of it even for members
  // shorter than its tail padding.
  void* block = mem::Allocate(std::max(sizeof(ZsetNode), kHeader + member.size()));
  auto* n = new (block) ZsetNode();
  n->score_ = score;
  n->size_ = static_cast<uint32_t>(member.size());
  if (!member.empty()) std::memcpy(reinterpret_cast<char*>(n) + kHeader, member.data(), n->size_);
  return n;
}

void ZsetNode::Destroy(ZsetNode* n) {
  n->~ZsetNode();
  mem::Free(n);
}

uint64_t ZsetNodeTraits::Hash(std::string_view member) { return HashKey(member); }

// ---- Blocks --------------------------------------------------------------------------------

struct ZsetTree::Slot {
  void* child;
  size_t count;           // elements under child
  const ZsetNode* first;  // child's smallest element: what searches compare against
};

struct ZsetTree::Leaf {
  static constexpr uint32_t kCap = kLeafCap;
  uint32_t n = 0;
  ZsetNode* e[kLeafCap];
};

struct ZsetTree::Inner {
  static constexpr uint32_t kCap = kInnerCap;
  uint32_t n = 0;
  Slot e[kInnerCap];
};

// A root-to-leaf descent: inner[l] is the inner node at depth l and idx[l] the child taken.
struct ZsetTree::Path {
  Inner* inner[kMaxHeight];
  uint32_t idx[kMaxHeight];
  Leaf* leaf;
  uint32_t pos;
};

namespace {

template <typename Block, typename E>
void InsertAt(Block* b, uint32_t pos, const E& v) {
  std::memmove(&b->e[pos + 1], &b->e[pos], (b->n - pos) * sizeof(b->e[0]));
  b->e[pos] = v;
  ++b->n;
}

template <typename Block>
void EraseAt(Block* b, uint32_t pos) {
  std::memmove(&b->e[pos], &b->e[pos + 1], (b->n - pos - 1) * sizeof(b->e[0]));
  --b->n;
}

// Moves b's entries [k, n) to the front of the empty block `to`.
template <typename Block>
void MoveTail(Block* b, uint32_t k, Block* to) {
  std::memcpy(&to->e[0], &b->e[k], (b->n - k) * sizeof(b->e[0]));
  to->n = b->n - k;
  b->n = k;
}

// Evens out two neighbours; `right` follows `left`.
template <typename Block>
void Redistribute(Block* left, Block* right) {
  const uint32_t total = left->n + right->n;
  const uint32_t want_left = total / 2;
  if (left->n > want_left) {
    const uint32_t move = left->n - want_left;
    std::memmove(&right->e[move], &right->e[0], right->n * sizeof(right->e[0]));
    std::memcpy(&right->e[0], &left->e[want_left], move * sizeof(right->e[0]));
    left->n = want_left;
    right->n += move;
  } else if (left->n < want_left) {
    const uint32_t move = want_left - left->n;
    std::memcpy(&left->e[left->n], &right->e[0], move * sizeof(right->e[0]));
    std::memmove(&right->e[0], &right->e[move], (right->n - move) * sizeof(right->e[0]));
    left->n = want_left;
    right->n -= move;
  }
}

size_t CountOf(const ZsetTree::Leaf* l) { return l->n; }
size_t CountOf(const ZsetTree::Inner* in) {
  size_t total = 0;
  for (uint32_t i = 0; i < in->n; ++i) total += in->e[i].count;
  return total;
}
const ZsetNode* FirstOf(const ZsetTree::Leaf* l) { return l->e[0]; }
const ZsetNode* FirstOf(const ZsetTree::Inner* in) { return in->e[0].first; }

// Either kind of block, given the height of the level it sits on (0: leaves).
size_t CountAt(const void* b, int height) {
  return height == 0 ? CountOf(static_cast<const ZsetTree::Leaf*>(b))
                     : CountOf(static_cast<const ZsetTree::Inner*>(b));
}
const ZsetNode* FirstAt(const void* b, int height) {
  return height == 0 ? FirstOf(static_cast<const ZsetTree::Leaf*>(b))
                     : FirstOf(static_cast<const ZsetTree::Inner*>(b));
}
uint32_t EntriesAt(const void* b, int height) {
  return height == 0 ? static_cast<const ZsetTree::Leaf*>(b)->n
                     : static_cast<const ZsetTree::Inner*>(b)->n;
}

// Splits the full block b (entries cap) to make room for v at pos: entries [k, cap) move to
// `fresh`, which will follow b. At the right edge of the tree an insert past the end leaves
// b full and starts `fresh` with v alone (and mirrored at the left edge), so elements added in
// order, as files and rewrites replay them, fill blocks completely instead of half.
template <typename Block, typename E>
void SplitInsert(Block* b, uint32_t pos, const E& v, bool leftmost, bool rightmost, Block* fresh) {
  const uint32_t cap = b->n;
  uint32_t k = cap / 2;
  if (rightmost && pos == cap) k = cap;
  if (leftmost && pos == 0) k = 0;
  MoveTail(b, k, fresh);
  if (pos < k || (pos == k && k < cap)) {
    InsertAt(b, pos, v);
  } else {
    InsertAt(fresh, pos - k, v);
  }
}

}  // namespace

// ---- Lifetime and blocks -------------------------------------------------------------------

ZsetTree* ZsetTree::New() { return new (mem::Allocate(sizeof(ZsetTree))) ZsetTree(); }

void ZsetTree::Delete(ZsetTree* t) {
  t->~ZsetTree();
  mem::Free(t);
}

ZsetTree::~ZsetTree() {
  if (root_ != nullptr) FreeSubtree(root_, height_);
}

ZsetTree::Leaf* ZsetTree::NewLeaf() {
  void* block = mem::Allocate(sizeof(Leaf));
  tree_bytes_ += mem::UsableSize(block);
  return new (block) Leaf();
}

ZsetTree::Inner* ZsetTree::NewInner() {
  void* block = mem::Allocate(sizeof(Inner));
  tree_bytes_ += mem::UsableSize(block);
  return new (block) Inner();
}

void ZsetTree::FreeBlock(void* block) {
  tree_bytes_ -= mem::UsableSize(block);
  mem::Free(block);
}

// Frees the blocks of a subtree (not the member nodes: the table owns those).
void ZsetTree::FreeSubtree(void* node, int height) {
  if (height > 0) {
    auto* in = static_cast<Inner*>(node);
    for (uint32_t i = 0; i < in->n; ++i) FreeSubtree(in->e[i].child, height - 1);
  }
  FreeBlock(node);
}

size_t ZsetTree::MemoryUsage() const {
  return mem::UsableSize(const_cast<ZsetTree*>(this)) + table_.MemoryUsage() + node_bytes_ +
         tree_bytes_;
}

// ---- Descents ------------------------------------------------------------------------------

// The rank of the first element satisfying `pred` (false for a prefix of the order, true for
// the rest), with the path to where it is or would be inserted.
template <typename Pred>
size_t ZsetTree::Descend(Pred pred, Path* path) const {
  size_t rank = 0;
  void* node = root_;
  for (int level = 0; level < height_; ++level) {
    auto* in = static_cast<Inner*>(node);
    uint32_t lo = 0;
    uint32_t hi = in->n;
    while (lo < hi) {
      const uint32_t mid = (lo + hi) / 2;
      if (pred(in->e[mid].first)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    // The child before the first one that starts with a match may end with matches.
    const uint32_t i = lo == 0 ? 0 : lo - 1;
    for (uint32_t j = 0; j < i; ++j) rank += in->e[j].count;
    path->inner[level] = in;
    path->idx[level] = i;
    node = in->e[i].child;
  }
  auto* leaf = static_cast<Leaf*>(node);
  uint32_t lo = 0;
  uint32_t hi = leaf->n;
  while (lo < hi) {
    const uint32_t mid = (lo + hi) / 2;
    if (pred(leaf->e[mid])) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  path->leaf = leaf;
  path->pos = lo;
  return rank + lo;
}

// The path to the element at `rank` (< size()); returns rank.
size_t ZsetTree::DescendRank(size_t rank, Path* path) const {
  size_t left = rank;
  void* node = root_;
  for (int level = 0; level < height_; ++level) {
    auto* in = static_cast<Inner*>(node);
    uint32_t i = 0;
    while (i + 1 < in->n && left >= in->e[i].count) left -= in->e[i++].count;
    path->inner[level] = in;
    path->idx[level] = i;
    node = in->e[i].child;
  }
  path->leaf = static_cast<Leaf*>(node);
  path->pos = static_cast<uint32_t>(left);
  return rank;
}

size_t ZsetTree::RankOf(const ZsetNode* n) const {
  Path p;
  return Descend(
      [n](const ZsetNode* e) {
        return !ZsetLess(e->score(), e->member(), n->score(), n->member());
      },
      &p);
}

const ZsetNode* ZsetTree::At(size_t rank) const {
  Path p;
  DescendRank(rank, &p);
  return p.leaf->e[p.pos];
}

size_t ZsetTree::ScoreLowerBound(double score, bool exclusive) const {
  if (root_ == nullptr) return 0;
  Path p;
  if (exclusive) return Descend([score](const ZsetNode* e) { return e->score() > score; }, &p);
  return Descend([score](const ZsetNode* e) { return e->score() >= score; }, &p);
}

size_t ZsetTree::LexLowerBound(std::string_view member, bool exclusive) const {
  if (root_ == nullptr) return 0;
  Path p;
  if (exclusive) return Descend([member](const ZsetNode* e) { return e->member() > member; }, &p);
  return Descend([member](const ZsetNode* e) { return e->member() >= member; }, &p);
}

// ---- Insert --------------------------------------------------------------------------------

bool ZsetTree::Insert(std::string_view member, double score) {
  table_.RehashStep(1);
  ZsetNode* n = ZsetNode::New(member, score);
  if (!table_.InsertIfAbsent(n, ZsetNodeTraits::Hash(member))) {
    ZsetNode::Destroy(n);
    return false;
  }
  node_bytes_ += mem::UsableSize(n);
  InsertNode(n);
  return true;
}

void ZsetTree::InsertAbsent(std::string_view member, double score, uint64_t hash) {
  table_.RehashStep(1);
  ZsetNode* n = ZsetNode::New(member, score);
  table_.Insert(n, hash);
  node_bytes_ += mem::UsableSize(n);
  InsertNode(n);
}

void ZsetTree::Rescore(ZsetNode* n, double score) {
  RemoveNode(n);
  n->set_score(score);
  InsertNode(n);
}

void ZsetTree::InsertNode(ZsetNode* n) {
  if (root_ == nullptr) {
    Leaf* leaf = NewLeaf();
    InsertAt(leaf, 0, n);
    root_ = leaf;
    height_ = 0;
    return;
  }
  Path p;
  Descend(
      [n](const ZsetNode* e) {
        return !ZsetLess(e->score(), e->member(), n->score(), n->member());
      },
      &p);
  // Whether the block at each depth is the first / last of its level (for edge splits).
  bool leftmost[kMaxHeight + 1];
  bool rightmost[kMaxHeight + 1];
  leftmost[0] = rightmost[0] = true;
  for (int l = 0; l < height_; ++l) {
    p.inner[l]->e[p.idx[l]].count++;
    leftmost[l + 1] = leftmost[l] && p.idx[l] == 0;
    rightmost[l + 1] = rightmost[l] && p.idx[l] + 1 == p.inner[l]->n;
  }
  Leaf* extra = nullptr;
  if (p.leaf->n < Leaf::kCap) {
    InsertAt(p.leaf, p.pos, n);
  } else if (height_ > 0 && ShiftToNeighbour(&p, n)) {
    // Placed without a split.
  } else {
    extra = NewLeaf();
    SplitInsert(p.leaf, p.pos, n, leftmost[height_], rightmost[height_], extra);
  }
  PropagateSplit(&p, extra, leftmost, rightmost);
}

// p->leaf is full: makes room by passing its first element to the previous leaf or its last
// to the next one, when that neighbour (under the same parent) has room. Splitting only when
// both neighbours are full keeps randomly filled leaves about 85% full instead of 70%.
bool ZsetTree::ShiftToNeighbour(Path* p, ZsetNode* n) {
  Inner* par = p->inner[height_ - 1];
  const uint32_t i = p->idx[height_ - 1];
  Leaf* leaf = p->leaf;
  if (i > 0) {
    auto* left = static_cast<Leaf*>(par->e[i - 1].child);
    if (left->n < Leaf::kCap) {
      // n sorts after everything in `left` (the descent chose this leaf over it).
      ZsetNode* moved = p->pos == 0 ? n : leaf->e[0];
      InsertAt(left, left->n, moved);
      if (moved != n) {
        EraseAt(leaf, 0);
        InsertAt(leaf, p->pos - 1, n);
      }
      par->e[i - 1].count++;
      par->e[i].count--;
      return true;
    }
  }
  if (i + 1 < par->n) {
    auto* right = static_cast<Leaf*>(par->e[i + 1].child);
    if (right->n < Leaf::kCap) {
      ZsetNode* moved = p->pos == leaf->n ? n : leaf->e[leaf->n - 1];
      InsertAt(right, 0, moved);
      if (moved != n) {
        --leaf->n;
        InsertAt(leaf, p->pos, n);
      }
      par->e[i + 1].first = moved;
      par->e[i + 1].count++;
      par->e[i].count--;
      return true;
    }
  }
  return false;
}

// After an insert into p->leaf, which split off `extra` (or not): puts the split-off blocks
// into their parents, splitting those in turn when full, and refreshes counts and first
// elements on the way up; grows a new root when the old one split.
void ZsetTree::PropagateSplit(Path* p, void* extra, const bool* leftmost, const bool* rightmost) {
  void* child = p->leaf;
  for (int l = height_ - 1; l >= 0; --l) {
    const int child_height = height_ - 1 - l;
    Inner* par = p->inner[l];
    const uint32_t i = p->idx[l];
    par->e[i].first = FirstAt(child, child_height);
    if (extra != nullptr) {
      par->e[i].count = CountAt(child, child_height);
      const Slot s{extra, CountAt(extra, child_height), FirstAt(extra, child_height)};
      if (par->n < Inner::kCap) {
        InsertAt(par, i + 1, s);
        extra = nullptr;
      } else {
        Inner* fresh = NewInner();
        SplitInsert(par, i + 1, s, leftmost[l], rightmost[l], fresh);
        extra = fresh;
      }
    }
    child = par;
  }
  if (extra == nullptr) return;
  if (height_ + 1 >= kMaxHeight) std::abort();  // unreachable: see kMaxHeight
  Inner* root = NewInner();
  InsertAt(root, 0, Slot{root_, CountAt(root_, height_), FirstAt(root_, height_)});
  InsertAt(root, 1, Slot{extra, CountAt(extra, height_), FirstAt(extra, height_)});
  root_ = root;
  ++height_;
}

// ---- Remove --------------------------------------------------------------------------------

bool ZsetTree::Remove(std::string_view member) {
  table_.RehashStep(1);
  ZsetNode** link = table_.FindLink(member);
  if (link == nullptr) return false;
  ZsetNode* n = *link;
  RemoveNode(n);
  table_.Unlink(link);
  node_bytes_ -= mem::UsableSize(n);
  ZsetNode::Destroy(n);
  table_.MaybeShrink();
  return true;
}

void ZsetTree::RemoveNode(const ZsetNode* n) {
  Path p;
  // Descending to the first element after n (not the first at or after it) takes the child
  // that holds n even when n starts a child: a lower bound would stop at the end of the
  // child before.
  Descend(
      [n](const ZsetNode* e) { return ZsetLess(n->score(), n->member(), e->score(), e->member()); },
      &p);
  for (int l = 0; l < height_; ++l) p.inner[l]->e[p.idx[l]].count--;
  EraseAt(p.leaf, p.pos - 1);
  Rebalance(&p);
}

// After a removal from p->leaf: frees blocks that became empty, merges or evens out blocks
// that fell under a quarter full with a neighbour, refreshes first elements, and lowers the
// root while it has a single child.
void ZsetTree::Rebalance(Path* p) {
  void* child = p->leaf;
  for (int l = height_ - 1; l >= 0; --l) {
    const int child_height = height_ - 1 - l;
    Inner* par = p->inner[l];
    const uint32_t i = p->idx[l];
    const uint32_t entries = EntriesAt(child, child_height);
    if (entries == 0) {
      FreeBlock(child);
      EraseAt(par, i);
    } else {
      par->e[i].first = FirstAt(child, child_height);
      const uint32_t cap = child_height == 0 ? Leaf::kCap : Inner::kCap;
      if (entries < cap / 4 && par->n > 1) {
        if (child_height == 0) {
          MergeOrRedistribute<Leaf>(par, i);
        } else {
          MergeOrRedistribute<Inner>(par, i);
        }
      }
    }
    child = par;
  }
  if (EntriesAt(root_, height_) == 0) {
    FreeBlock(root_);
    root_ = nullptr;
    height_ = 0;
    return;
  }
  while (height_ > 0 && static_cast<Inner*>(root_)->n == 1) {
    void* only = static_cast<Inner*>(root_)->e[0].child;
    FreeBlock(root_);
    root_ = only;
    --height_;
  }
}

// parent->e[idx] is under a quarter full: merge it with a neighbour when both fit in one
// block, else share the neighbour's entries evenly (so both end at least half full).
template <typename Block>
void ZsetTree::MergeOrRedistribute(Inner* parent, uint32_t idx) {
  const uint32_t li = idx > 0 ? idx - 1 : idx;
  const uint32_t ri = li + 1;
  auto* left = static_cast<Block*>(parent->e[li].child);
  auto* right = static_cast<Block*>(parent->e[ri].child);
  if (left->n + right->n <= Block::kCap) {
    std::memcpy(&left->e[left->n], &right->e[0], right->n * sizeof(right->e[0]));
    left->n += right->n;
    parent->e[li].count += parent->e[ri].count;
    FreeBlock(right);
    EraseAt(parent, ri);
  } else {
    Redistribute(left, right);
    parent->e[li].count = CountOf(left);
    parent->e[ri].count = CountOf(right);
    parent->e[ri].first = FirstOf(right);
  }
  parent->e[li].first = FirstOf(left);
}

// ---- Rank ranges ---------------------------------------------------------------------------

size_t ZsetTree::RemoveRanks(size_t from, size_t to) {
  const size_t k = to - from;
  if (k == 0) return 0;
  // One removal costs a descent and a rebalance; a rebuild costs a pass over what stays. Past
  // about 1/16 of the set, rebuilding is the cheaper of the two.
  if (k * 16 > size()) {
    RebuildWithout(from, to);
    return k;
  }
  for (size_t i = 0; i < k; ++i) {
    const ZsetNode* n = At(from);
    RemoveNode(n);
    ZsetNode* owned = table_.Remove(n->member());
    node_bytes_ -= mem::UsableSize(owned);
    ZsetNode::Destroy(owned);
    table_.RehashStep(1);
  }
  table_.MaybeShrink();
  return k;
}

template <typename Fn>
void ZsetTree::ForEachNode(void* node, int height, Fn&& fn) const {
  if (height == 0) {
    auto* leaf = static_cast<Leaf*>(node);
    for (uint32_t i = 0; i < leaf->n; ++i) fn(leaf->e[i]);
    return;
  }
  auto* in = static_cast<Inner*>(node);
  for (uint32_t i = 0; i < in->n; ++i) ForEachNode(in->e[i].child, height - 1, fn);
}

void ZsetTree::RebuildWithout(size_t from, size_t to) {
  NodeVector keep;
  keep.reserve(size() - (to - from));
  size_t rank = 0;
  ForEachNode(root_, height_, [&](ZsetNode* n) {
    if (rank < from || rank >= to) {
      keep.push_back(n);
    } else {
      ZsetNode* owned = table_.Remove(n->member());
      node_bytes_ -= mem::UsableSize(owned);
      ZsetNode::Destroy(owned);
    }
    ++rank;
  });
  FreeSubtree(root_, height_);
  root_ = nullptr;
  height_ = 0;
  BuildFromSorted(keep);
  table_.MaybeShrink();
}

ZsetNode* ZsetTree::AddToTable(std::string_view member, double score) {
  ZsetNode* n = ZsetNode::New(member, score);
  table_.Insert(n, ZsetNodeTraits::Hash(member));
  node_bytes_ += mem::UsableSize(n);
  return n;
}

// Packs `nodes` into full leaves, then the leaves into full inner nodes, level by level. Each
// level spreads its entries evenly over the blocks it needs, so the last is never starved.
void ZsetTree::BuildFromSorted(const NodeVector& nodes) {
  if (nodes.empty()) return;
  std::vector<Slot, mem::Allocator<Slot>> level;
  const size_t leaves = (nodes.size() + Leaf::kCap - 1) / Leaf::kCap;
  level.reserve(leaves);
  for (size_t g = 0, at = 0; g < leaves; ++g) {
    const size_t take = nodes.size() / leaves + (g < nodes.size() % leaves ? 1 : 0);
    Leaf* leaf = NewLeaf();
    std::memcpy(&leaf->e[0], &nodes[at], take * sizeof(ZsetNode*));
    leaf->n = static_cast<uint32_t>(take);
    at += take;
    level.push_back(Slot{leaf, take, leaf->e[0]});
  }
  int height = 0;
  while (level.size() > 1) {
    const size_t groups = (level.size() + Inner::kCap - 1) / Inner::kCap;
    std::vector<Slot, mem::Allocator<Slot>> up;
    up.reserve(groups);
    for (size_t g = 0, at = 0; g < groups; ++g) {
      const size_t take = level.size() / groups + (g < level.size() % groups ? 1 : 0);
      Inner* in = NewInner();
      std::memcpy(&in->e[0], &level[at], take * sizeof(Slot));
      in->n = static_cast<uint32_t>(take);
      at += take;
      up.push_back(Slot{in, CountOf(in), FirstOf(in)});
    }
    level.swap(up);
    ++height;
  }
  root_ = level[0].child;
  height_ = height;
}

// Moves the path to the first (forward) or last leaf after / before its leaf; returns it.
const ZsetTree::Leaf* ZsetTree::StepLeaf(Path* p, bool forward) const {
  int l = height_ - 1;
  while (l >= 0 && (forward ? p->idx[l] + 1 >= p->inner[l]->n : p->idx[l] == 0)) --l;
  if (l < 0) return nullptr;
  p->idx[l] += forward ? 1 : -1;
  void* node = p->inner[l]->e[p->idx[l]].child;
  for (++l; l < height_; ++l) {
    auto* in = static_cast<Inner*>(node);
    p->inner[l] = in;
    p->idx[l] = forward ? 0 : in->n - 1;
    node = in->e[p->idx[l]].child;
  }
  p->leaf = static_cast<Leaf*>(node);
  return p->leaf;
}

void ZsetTree::VisitRanks(size_t from, size_t to, bool reverse, VisitFn fn, void* ctx) const {
  if (from >= to) return;
  Path p;
  DescendRank(reverse ? to - 1 : from, &p);
  const Leaf* leaf = p.leaf;
  uint32_t pos = p.pos;
  for (size_t left = to - from;;) {
    const ZsetNode* n = leaf->e[pos];
    if (!fn(ctx, n->member(), n->score()) || --left == 0) return;
    if (!reverse) {
      if (++pos < leaf->n) continue;
      leaf = StepLeaf(&p, true);
      pos = 0;
    } else {
      if (pos-- > 0) continue;
      leaf = StepLeaf(&p, false);
      pos = leaf->n - 1;
    }
  }
}

uint64_t ZsetTree::Scan(uint64_t cursor, VisitFn fn, void* ctx) const {
  return table_.Scan(cursor, [&](ZsetNode* n) { fn(ctx, n->member(), n->score()); });
}

// ---- Validation (tests) --------------------------------------------------------------------

size_t ZsetTree::ValidateSubtree(const void* node, int height, const ZsetNode** prev,
                                 bool* ok) const {
  if (height == 0) {
    auto* leaf = static_cast<const Leaf*>(node);
    if (leaf->n == 0 || leaf->n > Leaf::kCap) *ok = false;
    for (uint32_t i = 0; i < leaf->n; ++i) {
      const ZsetNode* n = leaf->e[i];
      if (*prev != nullptr &&
          !ZsetLess((*prev)->score(), (*prev)->member(), n->score(), n->member())) {
        *ok = false;
      }
      if (table_.Find(n->member()) != n) *ok = false;
      *prev = n;
    }
    return leaf->n;
  }
  auto* in = static_cast<const Inner*>(node);
  if (in->n == 0 || in->n > Inner::kCap || (node == root_ && in->n < 2)) *ok = false;
  size_t total = 0;
  for (uint32_t i = 0; i < in->n; ++i) {
    if (in->e[i].first != FirstAt(in->e[i].child, height - 1)) *ok = false;
    const size_t c = ValidateSubtree(in->e[i].child, height - 1, prev, ok);
    if (c != in->e[i].count) *ok = false;
    total += c;
  }
  return total;
}

bool ZsetTree::Validate() const {
  if (root_ == nullptr) return size() == 0 && tree_bytes_ == 0;
  bool ok = true;
  const ZsetNode* prev = nullptr;
  size_t bytes = 0;
  ForEachNode(root_, height_, [&](ZsetNode* n) { bytes += mem::UsableSize(n); });
  ok = ok && bytes == node_bytes_;
  return ValidateSubtree(root_, height_, &prev, &ok) == size() && ok;
}

}  // namespace basalt::store
