// Internal: a tree ensemble lowered to flat node arrays, and the kernels that
// walk it. Not part of the engine's public API.
//
// Layout. All trees of a plan share one node array. Nodes are re-laid out so
// that the right child of every internal node is its left child + 1, and every
// leaf is its own left child. A walk of exactly depth(tree) steps therefore
// ends on the row's leaf whatever its depth, with no branch on "is this a
// leaf": rows of a block (or trees of a single row) advance in lock step and
// their independent loads overlap. Each tree starts on a cache line and its
// nodes are packed by cache line (a sibling pair with its nearest descendant
// pairs; see LayOutTree in compile.cc), so a walk touches few lines. A single
// row of a shallow float forest walks a second copy of the trees, padded to
// perfect binary trees placed by index arithmetic (PerfectTrees).
//
// Feature rows. Missing values are resolved before the walk, so that a
// numeric step is one comparison, `right = x >= threshold`: each feature j
// occupies two slots, 2j holding x with missing replaced by +inf (read by
// nodes whose missing values go right) and 2j+1 holding x with missing
// replaced by -inf (read by default-left nodes). This is exact: a finite
// threshold sends +inf right and -inf left, as `x < threshold` does for
// genuine infinities (only possible in float32, from huge doubles). Slot 2F
// (F = number of features) is a sentinel holding -inf; leaves read it and
// store their value as the threshold, so `-inf >= value` is false and the
// walk stays on the leaf. Rows of a block are `stride` slots apart.
//
// T is float for NumericPrecision::kFloat32 (values cast to float, as XGBoost
// compares them) and double for kFloat64.
#ifndef PODIUM_ENGINE_FOREST_H_
#define PODIUM_ENGINE_FOREST_H_

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <vector>

namespace podium::engine::internal {

inline constexpr uint32_t kFeatureMask = 0x3fffffffu;
inline constexpr uint32_t kCategoricalBit = 0x40000000u;
inline constexpr uint32_t kDefaultRightBit = 0x80000000u;

template <typename T>
struct alignas(16) FlatNode {
  // Internal numeric node: the threshold. Categorical node: the index of its
  // category set. Leaf: the leaf value (leaf_width 1) or 0 (vector leaves).
  T value;
  // Feature slot (kFeatureMask bits: 2 * feature + default_left for numeric
  // splits, 2 * feature for categorical ones, the sentinel for leaves), plus
  // for categorical splits the kCategoricalBit and kDefaultRightBit flags.
  uint32_t feature;
  // Index of the left child in Forest::nodes; the right child is left + 1. A
  // leaf points to itself.
  uint32_t left;
};
static_assert(sizeof(FlatNode<float>) == 16 && sizeof(FlatNode<double>) == 16);

// The compact form of a FlatNode<float> (8 bytes, so twice as many nodes per
// cache line and an index that scales in the address): word = left <<
// kCompactSlotBits | feature slot. Used for float forests without categorical
// splits whose slots and node count fit.
inline constexpr uint32_t kCompactSlotBits = 8;
inline constexpr uint32_t kCompactSlotMask = (1u << kCompactSlotBits) - 1;

struct CompactNode {
  float value;
  uint32_t word;
};
static_assert(sizeof(CompactNode) == 8);

// Allocates on cache-line boundaries, so that the cache-line packing of the
// node layout (compile.cc) holds in memory.
template <typename U>
struct LineAlignedAllocator {
  using value_type = U;
  static constexpr std::align_val_t kAlign{64};
  LineAlignedAllocator() = default;
  template <typename V>
  LineAlignedAllocator(const LineAlignedAllocator<V>&) noexcept {}
  U* allocate(size_t n) { return static_cast<U*>(::operator new(n * sizeof(U), kAlign)); }
  void deallocate(U* p, size_t) noexcept { ::operator delete(p, kAlign); }
  template <typename V>
  bool operator==(const LineAlignedAllocator<V>&) const noexcept { return true; }
};

// A node of PerfectTrees: the threshold as an order key (OrderKey), and the
// feature slot whose key is compared with it.
struct PerfectNode {
  uint32_t key;
  uint32_t slot;
};
static_assert(sizeof(PerfectNode) == 8);

// An unsigned key with the order of the floats it maps (not NaN): x < y if and
// only if OrderKey(x) < OrderKey(y). -0 and +0 map to the same key.
inline uint32_t OrderKey(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x + 0.0f);  // -0 + 0 is +0
  return (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
}

// Where the nodes of a perfect tree of depth D lie (see PerfectTrees). Levels
// go in groups of three, the root group taking the D - 3 * floor((D - 1) / 3)
// levels left over, and each subtree of a group fills one block of 8 node
// slots, a cache line (7 nodes; slot 0 unused), so a root-to-leaf path reads
// ceil(D / 3) lines of nodes and one of leaves. Within a block, node g =
// 8b + j (1 <= j < 8) has children g + j (x >= threshold) and g + j + 1 (x <
// threshold). Entering group L from the exit g of the block above, the walk
// goes to 8 * g + enter[L], the root of the child block. After D steps, the
// row's leaf is number g - leaf_offset of the tree's 2^D leaves.
inline constexpr uint32_t kMaxPerfectDepth = 10;
struct PerfectShape {
  uint32_t depth = 0;
  uint32_t root_levels = 0;
  uint32_t groups = 0;  // groups after the root group
  int32_t enter[kMaxPerfectDepth] = {};
  uint32_t leaf_offset = 0;
  uint32_t tree_nodes = 0;  // node slots per tree
  // The group whose first level is `level`, or 0 (also for the root group).
  constexpr uint32_t GroupStartingAt(uint32_t level) const {
    return level >= root_levels && (level - root_levels) % 3 == 0 ? 1 + (level - root_levels) / 3 : 0;
  }
};

constexpr PerfectShape PerfectShapeOf(uint32_t depth) {
  PerfectShape shape;
  shape.depth = depth;
  shape.root_levels = depth - 3 * ((depth - 1) / 3);
  shape.groups = (depth - shape.root_levels) / 3;
  // first[L]: index of the first block of group L.
  uint32_t first[kMaxPerfectDepth + 2] = {0, 1};
  for (uint32_t group = 1; group <= shape.groups; ++group) {
    first[group + 1] = first[group] + (uint32_t{1} << (shape.root_levels + 3 * (group - 1)));
  }
  for (uint32_t group = 1; group <= shape.groups; ++group) {
    // The child block of exit g is g + k: block 0's exits are j in
    // [2^r, 2^(r+1)); other blocks' exits are 8b + j, j in [8, 16).
    const int64_t k = group == 1 ? 1 - (int64_t{1} << shape.root_levels)
                                 : int64_t{first[group]} - 8 * int64_t{first[group - 1]} - 8;
    shape.enter[group] = static_cast<int32_t>(8 * k + 1);
  }
  shape.leaf_offset = shape.groups == 0 ? uint32_t{1} << depth : 8 * first[shape.groups] + 8;
  shape.tree_nodes = 8 * first[shape.groups + 1];
  return shape;
}

// The single-row form of a float forest with scalar leaves (one output or
// several, a tree each), no categorical splits and trees at most
// kMaxPerfectDepth deep: every tree
// padded to a perfect binary tree of the forest's depth D, without child
// links. Tree t's nodes are nodes[t * shape.tree_nodes ..] placed as
// PerfectShapeOf(D) says, its leaves leaves[t * 2^D ..]. A step is an integer
// compare of the row's key with the node's whose carry is added into the
// node's index, so it needs neither a child link nor a branch. A leaf
// shallower than D continues through padding nodes that read the sentinel
// slot (whose key is below every node key) down to its one leaf slot. As every
// tree has the same size, the trees walked together lie a constant distance
// apart, and one base register addresses all of them.
struct PerfectTrees {
  uint32_t depth = 0;  // D; 0: not built
  std::vector<PerfectNode, LineAlignedAllocator<PerfectNode>> nodes;
  std::vector<float, LineAlignedAllocator<float>> leaves;
};

// The most bytes the perfect-tree layout may take (deeper or larger forests
// walk the compact nodes).
inline constexpr size_t kMaxPerfectBytes = size_t{64} << 20;
// Most feature slots (forest stride) of a perfect-tree walk: its keys live on
// the stack.
inline constexpr size_t kMaxPerfectSlots = 1024;

template <typename T>
struct Forest {
  std::vector<FlatNode<T>> nodes;
  std::vector<uint32_t> roots;        // per tree: index of its root in nodes
  std::vector<uint32_t> depths;       // per tree: number of steps to any leaf
  std::vector<int32_t> tree_output;   // per tree: its output, or -1 (vector leaf)
  int num_outputs = 1;
  int num_features = 0;
  size_t stride = 1;                  // slots per feature row (>= 2 * num_features + 1)
  bool has_categorical = false;
  bool has_vector_leaves = false;
  // One output and no vector leaves: SumRow applies.
  bool one_output_sum = false;
  // Vector leaves: the leaf values of node n are leaf_pool[leaf_offset[n] ..
  // + num_outputs). Empty without vector leaves.
  std::vector<uint32_t> leaf_offset;
  std::vector<T> leaf_pool;
  // Category sets: set s is the bit set cat_bits[s * cat_words ..] over level
  // codes; a set bit sends the code left.
  std::vector<uint64_t> cat_bits;
  uint32_t cat_words = 0;
  uint32_t num_codes = 0;
  // The same nodes in compact form when BuildCompactNodes applies (float
  // only); the kernels then walk these. Explanations read `nodes`.
  std::vector<CompactNode, LineAlignedAllocator<CompactNode>> compact;
  // The same trees as perfect binary trees of depth perfect.depth when
  // BuildPerfectTrees applies (float only); single rows are then walked there
  // (SumRow, AccumulatePerfectRow).
  PerfectTrees perfect;
};

// Where node `n` sends the row `row` (true: right).
// Without categorical splits in the forest, no flag bits are set and the
// feature field is the slot itself.
template <typename T, bool kCategorical>
inline uint32_t GoesRight(const Forest<T>& forest, const FlatNode<T>& n, const T* row) {
  const uint32_t f = n.feature;
  const T v = row[kCategorical ? (f & kFeatureMask) : f];
  if constexpr (kCategorical) {
    if (f & kCategoricalBit) {
      // Slot 2j: missing reads as +inf.
      if (v == std::numeric_limits<T>::infinity()) return f >> 31;
      const double code = static_cast<double>(v);
      if (!(code >= 0.0 && code < static_cast<double>(forest.num_codes))) return 1;
      const uint32_t c = static_cast<uint32_t>(code);
      const uint64_t* set = forest.cat_bits.data() +
                            static_cast<size_t>(static_cast<uint32_t>(n.value)) * forest.cat_words;
      return ((set[c >> 6] >> (c & 63)) & 1u) ^ 1u;
    }
  }
  return static_cast<uint32_t>(v >= n.value);
}

template <typename T, bool kCategorical>
inline uint32_t Step(const Forest<T>& forest, const FlatNode<T>* nodes, uint32_t i, const T* row) {
  const FlatNode<T>& n = nodes[i];
  return n.left + GoesRight<T, kCategorical>(forest, n, row);
}

// Adds every tree to acc (rows x num_outputs, row-major, in T) for `rows`
// feature rows of `block` (rows apart by forest.stride), tree by tree in tree
// order. `rows` may be rounded up by the caller to a multiple of the lane
// count; `block` and `acc` must then have room for the padded rows.
template <typename T>
void AccumulateBlock(const Forest<T>& forest, const T* block, size_t rows, T* acc);

// Finds the leaf of every tree for one feature row: leaves[t] = node index.
// Trees are walked several at a time, interleaved.
template <typename T>
void FindLeaves(const Forest<T>& forest, const T* row, uint32_t* leaves);

// For a forest with one output and scalar leaves (one_output_sum): adds the
// leaf values of one feature row to *sum in tree order.
template <typename T>
void SumRow(const Forest<T>& forest, const T* row, T* sum);

// Rows the block kernel walks together; AccumulateBlock needs `rows` rounded
// up to a multiple of this.
inline constexpr size_t kBlockLanes = 16;

// Fills forest->compact when the forest qualifies (see CompactNode).
void BuildCompactNodes(Forest<float>* forest);

// Fills forest->perfect when the forest qualifies (see PerfectTrees).
void BuildPerfectTrees(Forest<float>* forest);

// For a forest whose perfect trees are built (perfect.depth > 0): adds each
// tree's leaf value for one feature row to acc[tree_output[t]], tree by tree
// in tree order. SumRow does this itself for one output.
void AccumulatePerfectRow(const Forest<float>& forest, const float* row, float* acc);

extern template void AccumulateBlock<float>(const Forest<float>&, const float*, size_t, float*);
extern template void AccumulateBlock<double>(const Forest<double>&, const double*, size_t, double*);
extern template void FindLeaves<float>(const Forest<float>&, const float*, uint32_t*);
extern template void FindLeaves<double>(const Forest<double>&, const double*, uint32_t*);
extern template void SumRow<float>(const Forest<float>&, const float*, float*);
extern template void SumRow<double>(const Forest<double>&, const double*, double*);

}  // namespace podium::engine::internal

#endif  // PODIUM_ENGINE_FOREST_H_
