// The "skiplist" encoding of a sorted set (store/zset_value.h): a member table plus an
// order-statistic B+tree over the same nodes.
//
// Memory per element is the goal. Redis pays a skiplist node (score, member pointer, backward
// pointer, 1-32 levels of forward pointer + span) and a dict entry for each member. Here:
//
//  - One block per member, [next][score][length][member bytes] (20 bytes + the member), chained
//    in the table the keyspace uses (ChainedTable: incremental rehash, SCAN's guarantee), which
//    adds one bucket pointer per member at most.
//  - A B+tree whose leaves hold pointers to those blocks in (score, member) order, 62 to a
//    leaf; inner nodes hold child pointers, each child's element count (so rank queries
//    descend by counts) and each child's first element (so key searches descend by
//    comparison). Leaves average between 70% (random inserts) and 100% full (inserts at either
//    end, which is how RDB files and AOF rewrites replay), so the tree costs 8-12 bytes per
//    element; inner nodes add about 1/60 of that.
//
// Nodes carry no parent or sibling pointers: every operation descends from the root and
// remembers its path, which is at most a handful of levels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/memory.h"
#include "store/chained_table.h"

namespace basalt::store {

// One member: a single block, see the header comment.
class ZsetNode {
 public:
  static ZsetNode* New(std::string_view member, double score);
  static void Destroy(ZsetNode* n);
  std::string_view member() const { return {reinterpret_cast<const char*>(this) + kHeader, size_}; }
  double score() const { return score_; }
  void set_score(double s) { score_ = s; }
  ZsetNode* next() const { return next_; }
  void set_next(ZsetNode* n) { next_ = n; }
  ZsetNode** next_link() { return &next_; }

 private:
  ZsetNode() = default;
  ZsetNode* next_ = nullptr;
  double score_ = 0;
  uint32_t size_ = 0;
  // The member starts right after size_, in what would otherwise be tail padding (checked
  // against the layout in ZsetNode::New).
  static constexpr size_t kHeader = sizeof(void*) + sizeof(double) + sizeof(uint32_t);
};

struct ZsetNodeTraits {
  static std::string_view Key(const ZsetNode* n) { return n->member(); }
  static ZsetNode* Next(const ZsetNode* n) { return n->next(); }
  static void SetNext(ZsetNode* n, ZsetNode* next) { n->set_next(next); }
  static ZsetNode** NextLink(ZsetNode* n) { return n->next_link(); }
  static void Destroy(ZsetNode* n) { ZsetNode::Destroy(n); }
  static uint64_t Hash(std::string_view member);
};

using ZsetTable = ChainedTable<ZsetNode, ZsetNodeTraits>;

// (score, member) order: scores numerically (so -0.0 == 0.0), then member bytes, a prefix
// first.
inline bool ZsetLess(double sa, std::string_view ma, double sb, std::string_view mb) {
  if (sa != sb) return sa < sb;
  return ma < mb;
}

class ZsetTree {
 public:
  using NodeVector = std::vector<ZsetNode*, mem::Allocator<ZsetNode*>>;
  // The tree's blocks and a descent's path (zset_tree.cc).
  struct Leaf;
  struct Inner;
  struct Slot;
  struct Path;

  static ZsetTree* New();
  static void Delete(ZsetTree* t);
  ZsetTree(const ZsetTree&) = delete;
  ZsetTree& operator=(const ZsetTree&) = delete;

  size_t size() const { return table_.size(); }
  ZsetNode* Find(std::string_view member) const { return table_.Find(member); }
  // The same with the member's ZsetNodeTraits::Hash, for a caller that inserts next.
  ZsetNode* Find(std::string_view member, uint64_t hash) const { return table_.Find(member, hash); }

  // Adds a member that may be present: false (nothing changed) when it is.
  bool Insert(std::string_view member, double score);
  // Adds a member that Find(member, hash) just reported absent, without looking again.
  void InsertAbsent(std::string_view member, double score, uint64_t hash);
  // Moves an existing member to a new score.
  void Rescore(ZsetNode* n, double score);
  bool Remove(std::string_view member);
  size_t RemoveRanks(size_t from, size_t to);

  size_t RankOf(const ZsetNode* n) const;
  const ZsetNode* At(size_t rank) const;
  size_t ScoreLowerBound(double score, bool exclusive) const;
  size_t LexLowerBound(std::string_view member, bool exclusive) const;

  using VisitFn = bool (*)(void* ctx, std::string_view member, double score);
  void VisitRanks(size_t from, size_t to, bool reverse, VisitFn fn, void* ctx) const;
  uint64_t Scan(uint64_t cursor, VisitFn fn, void* ctx) const;

  // Bulk construction of an empty tree from elements already in order (a listpack, another
  // tree): AddToTable() each, collecting the nodes, then BuildFromSorted() them. O(n), and
  // the leaves come out full. Nothing else may touch the tree in between.
  ZsetNode* AddToTable(std::string_view member, double score);
  void BuildFromSorted(const NodeVector& nodes);
  void Reserve(size_t n) { table_.Reserve(n); }
  size_t MemoryUsage() const;

  // Checks every structural invariant (tests).
  bool Validate() const;

 private:
  ZsetTree() = default;
  ~ZsetTree();

  Leaf* NewLeaf();
  Inner* NewInner();
  void FreeBlock(void* block);
  void FreeSubtree(void* node, int height);

  template <typename Pred>
  size_t Descend(Pred pred, Path* path) const;
  void InsertNode(ZsetNode* n);
  void RemoveNode(const ZsetNode* n);
  size_t DescendRank(size_t rank, Path* path) const;
  bool ShiftToNeighbour(Path* path, ZsetNode* n);
  void PropagateSplit(Path* path, void* extra, const bool* leftmost, const bool* rightmost);
  void Rebalance(Path* path);
  template <typename Block>
  void MergeOrRedistribute(Inner* parent, uint32_t idx);
  void RebuildWithout(size_t from, size_t to);
  template <typename Fn>
  void ForEachNode(void* node, int height, Fn&& fn) const;
  const Leaf* StepLeaf(Path* path, bool forward) const;
  size_t ValidateSubtree(const void* node, int height, const ZsetNode** prev, bool* ok) const;

  ZsetTable table_;
  void* root_ = nullptr;  // a Leaf when height_ == 0, else an Inner
  int height_ = 0;
  size_t node_bytes_ = 0;  // usable bytes of the member blocks
  size_t tree_bytes_ = 0;  // usable bytes of leaves and inner nodes
};

}  // namespace basalt::store
