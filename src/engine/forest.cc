#include "engine/forest.h"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace podium::engine::internal {
namespace {

// Trees a single-row walk interleaves: sixteen independent chains hide the
// latency of each step's dependent loads (8, 10, 12, 14, 15 and 20 measured
// slower on the 500 x 8 model, and for the perfect-tree walk 12, 14, 18, 20
// and 24).
constexpr size_t kRowGroup = 16;

// How a kernel reads nodes: the 16-byte nodes of any forest, or the 8-byte
// compact nodes of a float forest without categorical splits.
template <typename T, bool kCategorical>
struct WideNodes {
  const Forest<T>& forest;
  const FlatNode<T>* nodes;
  explicit WideNodes(const Forest<T>& f) : forest(f), nodes(f.nodes.data()) {}
  uint32_t Next(uint32_t i, const T* row) const { return Step<T, kCategorical>(forest, nodes, i, row); }
  T Value(uint32_t i) const { return nodes[i].value; }
};

// kBorrow picks how the comparison is written: `!(x < t)` compiles to a
// compare and a subtract-with-borrow, `x >= t` to a compare and a set; they
// differ only for NaN, which feature rows never hold. The first is faster in
// the single-row walk and the second in the block walk (measured).
template <bool kBorrow>
struct CompactNodes {
  const CompactNode* nodes;
  explicit CompactNodes(const Forest<float>& f) : nodes(f.compact.data()) {}
  uint32_t Next(uint32_t i, const float* row) const {
#if defined(__x86_64__) && defined(__GNUC__)
    if constexpr (kBorrow) {
      // The step in seven instructions, the single-row walk's whole cost:
      // compiled, the carry becomes a zeroed register, a set and an add,
      // and the node is addressed through an extra lea (about 10% slower on
      // the 500 x 8 model). CF = x < threshold (or unordered, which feature
      // rows never are); sbb -1 adds 1 - CF. The memory clobber orders the
      // asm after every store (it reads the nodes and the row).
      uint32_t next = i;
      uint64_t slot;
      float threshold;
      float x;
      asm("movss (%[nodes],%q[next],8), %[threshold]\n\t"
          "movl 4(%[nodes],%q[next],8), %k[next]\n\t"
          "movzbl %b[next], %k[slot]\n\t"
          "movss (%[row],%[slot],4), %[x]\n\t"
          "shrl %[bits], %k[next]\n\t"
          "comiss %[threshold], %[x]\n\t"
          "sbbl $-1, %k[next]"
          : [next] "+r"(next), [slot] "=&r"(slot), [threshold] "=&x"(threshold), [x] "=&x"(x)
          : [nodes] "r"(nodes), [row] "r"(row), [bits] "i"(kCompactSlotBits)
          : "cc", "memory");
      return next;
    }
#endif
    const CompactNode& n = nodes[i];
    const float x = row[n.word & kCompactSlotMask];
    const bool right = kBorrow ? !(x < n.value) : x >= n.value;
    return (n.word >> kCompactSlotBits) + static_cast<uint32_t>(right);
  }
  float Value(uint32_t i) const { return nodes[i].value; }
};

// Walks one tree for kLanes consecutive rows in lock step and adds the leaves
// to acc. The lanes are independent chains of loads, so they overlap.
template <typename T, typename Nodes, int kLanes>
inline void WalkLanes(const Forest<T>& forest, const Nodes& walker, uint32_t root, uint32_t depth,
                      int output, const T* rows, size_t stride, T* acc) {
  uint32_t idx[kLanes];
#pragma GCC unroll 16
  for (int k = 0; k < kLanes; ++k) idx[k] = root;
  for (uint32_t d = 0; d < depth; ++d) {
#pragma GCC unroll 16
    for (int k = 0; k < kLanes; ++k) idx[k] = walker.Next(idx[k], rows + static_cast<size_t>(k) * stride);
  }
  const size_t k_out = static_cast<size_t>(forest.num_outputs);
  if (output >= 0) {
#pragma GCC unroll 16
    for (int k = 0; k < kLanes; ++k) {
      acc[static_cast<size_t>(k) * k_out + static_cast<size_t>(output)] += walker.Value(idx[k]);
    }
  } else {
    for (int k = 0; k < kLanes; ++k) {
      const T* leaf = forest.leaf_pool.data() + forest.leaf_offset[idx[k]];
      T* a = acc + static_cast<size_t>(k) * k_out;
      for (size_t o = 0; o < k_out; ++o) a[o] += leaf[o];
    }
  }
}

template <typename T, typename Nodes>
void AccumulateBlockImpl(const Forest<T>& forest, const T* block, size_t rows, T* acc) {
  constexpr int kLanes = static_cast<int>(kBlockLanes);
  const Nodes walker(forest);
  const size_t stride = forest.stride;
  const size_t k_out = static_cast<size_t>(forest.num_outputs);
  const size_t num_trees = forest.roots.size();
  for (size_t t = 0; t < num_trees; ++t) {
    const uint32_t root = forest.roots[t];
    const uint32_t depth = forest.depths[t];
    const int output = forest.tree_output[t];
    for (size_t r = 0; r < rows; r += kLanes) {
      WalkLanes<T, Nodes, kLanes>(forest, walker, root, depth, output, block + r * stride, stride,
                                  acc + r * k_out);
    }
  }
}

// Walks trees [t, t + kLanes) of one row interleaved: kLanes independent
// chains of loads that overlap. kSum: adds the leaf values to *total in tree
// order; otherwise stores the leaves.
template <size_t kLanes, typename T, typename Nodes, bool kSum>
inline void WalkTreeGroup(const Forest<T>& forest, const Nodes& walker, size_t t, const T* row, uint32_t* leaves,
                          T* total) {
  uint32_t idx[kLanes];
  uint32_t depth = 0;
#pragma GCC unroll 16
  for (size_t k = 0; k < kLanes; ++k) {
    idx[k] = forest.roots[t + k];
    depth = std::max(depth, forest.depths[t + k]);
  }
  for (uint32_t d = 0; d < depth; ++d) {
#pragma GCC unroll 16
    for (size_t k = 0; k < kLanes; ++k) idx[k] = walker.Next(idx[k], row);
  }
#pragma GCC unroll 16
  for (size_t k = 0; k < kLanes; ++k) {
    if constexpr (kSum) {
      *total += walker.Value(idx[k]);
    } else {
      leaves[t + k] = idx[k];
    }
  }
}

// Walks the trees of one row kRowGroup at a time, interleaved, the last few
// four and then one at a time. kSum: the forest has one output and scalar
// leaves, and the leaf values are added to *sum in tree order as each group
// finishes (the adds overlap the next group's walk); otherwise the leaves are
// stored.
template <typename T, typename Nodes, bool kSum>
void WalkRow(const Forest<T>& forest, const T* row, uint32_t* leaves, T* sum) {
  const Nodes walker(forest);
  const size_t num_trees = forest.roots.size();
  T total = kSum ? *sum : T(0);
  size_t t = 0;
  for (; t + kRowGroup <= num_trees; t += kRowGroup) {
    WalkTreeGroup<kRowGroup, T, Nodes, kSum>(forest, walker, t, row, leaves, &total);
  }
  for (; t + 4 <= num_trees; t += 4) WalkTreeGroup<4, T, Nodes, kSum>(forest, walker, t, row, leaves, &total);
  for (; t < num_trees; ++t) WalkTreeGroup<1, T, Nodes, kSum>(forest, walker, t, row, leaves, &total);
  if constexpr (kSum) *sum = total;
}

// One step of the perfect-tree walk (see PerfectTrees) for the tree kLane
// trees after `base`: node g = 8 * block + j goes to 8 * block + 2j + CF, that
// is g + j + CF, with CF = key(x) < key(threshold) from an unsigned compare
// (a float compare adds a longer load and a move of its flags to the chain
// from one node to the next). The tree's distance from `base` is a constant
// of the instruction, so all lanes share one base register. The memory
// clobber orders the asm after every store (it reads the nodes and keys).
template <uint32_t kTreeNodes, bool kBlockRoot, size_t kLane>
[[gnu::always_inline]] inline uint32_t PerfectStep(const PerfectNode* base, const uint32_t* keys,
                                                   uint32_t g) {
#if defined(__x86_64__) && defined(__GNUC__)
  uint64_t slot;
  if constexpr (kBlockRoot) {
    // j = 1 at a block's root: four instructions.
    asm("movl %c[disp]+4(%[base],%q[g],8), %k[slot]\n\t"
        "movl (%[keys],%[slot],4), %k[slot]\n\t"
        "cmpl %c[disp](%[base],%q[g],8), %k[slot]\n\t"
        "adcl $1, %k[g]"
        : [g] "+r"(g), [slot] "=&r"(slot)
        : [base] "r"(base), [keys] "r"(keys), [disp] "i"(kLane * kTreeNodes * sizeof(PerfectNode))
        : "cc", "memory");
  } else {
    uint64_t j;
    asm("movl %k[g], %k[j]\n\t"
        "andl $7, %k[j]\n\t"
        "movl %c[disp]+4(%[base],%q[g],8), %k[slot]\n\t"
        "movl (%[keys],%[slot],4), %k[slot]\n\t"
        "cmpl %c[disp](%[base],%q[g],8), %k[slot]\n\t"
        "adcl %k[j], %k[g]"
        : [g] "+r"(g), [j] "=&r"(j), [slot] "=&r"(slot)
        : [base] "r"(base), [keys] "r"(keys), [disp] "i"(kLane * kTreeNodes * sizeof(PerfectNode))
        : "cc", "memory");
  }
  return g;
#else
  const PerfectNode& n = base[kLane * kTreeNodes + g];
  return g + (g & 7u) + static_cast<uint32_t>(keys[n.slot] < n.key);
#endif
}

template <uint32_t kTreeNodes, bool kBlockRoot, size_t... kLane>
[[gnu::always_inline]] inline void PerfectLanes(const PerfectNode* base, const uint32_t* keys, uint32_t* g,
                                                std::index_sequence<kLane...>) {
  ((g[kLane] = PerfectStep<kTreeNodes, kBlockRoot, kLane>(base, keys, g[kLane])), ...);
}

// One level of the walk for every lane; entering a group first moves each
// lane to its child block. Levels and lanes are unrolled at compile time
// (every index into g is a constant) and forced inline (a walk split into
// calls passes g through memory, about 50% slower), so that the lanes'
// indices stay in registers.
template <uint32_t kDepth, uint32_t kLevel, size_t... kLane>
[[gnu::always_inline]] inline void PerfectLevel(const PerfectNode* base, const uint32_t* keys, uint32_t* g,
                                                std::index_sequence<kLane...> lanes) {
  constexpr PerfectShape kShape = PerfectShapeOf(kDepth);
  constexpr uint32_t kGroup = kShape.GroupStartingAt(kLevel);
  if constexpr (kGroup > 0) {
    constexpr uint32_t kEnter = static_cast<uint32_t>(kShape.enter[kGroup]);
    ((g[kLane] = 8 * g[kLane] + kEnter), ...);
  }
  constexpr bool kBlockRoot = kLevel == 0 || kGroup > 0;
  PerfectLanes<kShape.tree_nodes, kBlockRoot>(base, keys, g, lanes);
}

template <uint32_t kDepth, size_t... kLane, uint32_t... kLevel>
[[gnu::always_inline]] inline void PerfectLevels(const PerfectNode* base, const uint32_t* keys, uint32_t* g,
                                                 std::index_sequence<kLane...> lanes,
                                                 std::integer_sequence<uint32_t, kLevel...>) {
  (PerfectLevel<kDepth, kLevel>(base, keys, g, lanes), ...);
}

// Walks trees [t, t + lanes) of one row interleaved and adds their leaf
// values in tree order: to *total (kOneOutput), or each to
// acc[outputs[tree]].
template <uint32_t kDepth, bool kOneOutput, size_t... kLane>
[[gnu::always_inline]] inline void PerfectGroup(const PerfectTrees& trees, size_t t, const uint32_t* keys,
                                                const int32_t* outputs, float* total, float* acc,
                                                std::index_sequence<kLane...> lanes) {
  constexpr PerfectShape kShape = PerfectShapeOf(kDepth);
  const PerfectNode* base = trees.nodes.data() + t * kShape.tree_nodes;
  uint32_t g[sizeof...(kLane)] = {(static_cast<void>(kLane), 1u)...};
  PerfectLevels<kDepth>(base, keys, g, lanes, std::make_integer_sequence<uint32_t, kDepth>{});
  const float* leaves = trees.leaves.data() + (t << kDepth) - kShape.leaf_offset;
  // Comma folds run left to right: tree order.
  if constexpr (kOneOutput) {
    ((*total += leaves[(kLane << kDepth) + g[kLane]]), ...);
  } else {
    ((acc[outputs[t + kLane]] += leaves[(kLane << kDepth) + g[kLane]]), ...);
  }
}

// The perfect-tree walk of one row: kOneOutput adds every leaf to acc[0],
// otherwise tree t's leaf goes to acc[tree_output[t]].
template <uint32_t kDepth, bool kOneOutput>
void PerfectRow(const Forest<float>& forest, const float* row, float* acc) {
  const PerfectTrees& trees = forest.perfect;
  const size_t num_trees = forest.roots.size();
  const int32_t* outputs = forest.tree_output.data();
  uint32_t keys[kMaxPerfectSlots];
  for (size_t j = 0; j < forest.stride; ++j) keys[j] = OrderKey(row[j]);
  // One output: the running sum stays in a register.
  float total = acc[0];
  size_t t = 0;
  for (; t + kRowGroup <= num_trees; t += kRowGroup) {
    PerfectGroup<kDepth, kOneOutput>(trees, t, keys, outputs, &total, acc, std::make_index_sequence<kRowGroup>{});
  }
  for (; t + 4 <= num_trees; t += 4) {
    PerfectGroup<kDepth, kOneOutput>(trees, t, keys, outputs, &total, acc, std::make_index_sequence<4>{});
  }
  for (; t < num_trees; ++t) {
    PerfectGroup<kDepth, kOneOutput>(trees, t, keys, outputs, &total, acc, std::make_index_sequence<1>{});
  }
  if constexpr (kOneOutput) acc[0] = total;
}

template <bool kOneOutput, uint32_t... kDepth>
void DispatchPerfectRow(const Forest<float>& forest, const float* row, float* acc,
                        std::integer_sequence<uint32_t, kDepth...>) {
  const uint32_t depth = forest.perfect.depth;
  (void)((depth == kDepth + 1 ? (PerfectRow<kDepth + 1, kOneOutput>(forest, row, acc), true) : false) || ...);
}

// Copies the subtree of forest node n to perfect-tree node g (level
// `level`), computing the children's places as the walk does.
void FillPerfect(const Forest<float>& forest, const PerfectShape& shape, uint32_t n, uint32_t g, uint32_t level,
                 uint32_t sentinel, PerfectNode* nodes, float* leaves) {
  const FlatNode<float>& node = forest.nodes[n];
  if (level == shape.depth) {
    leaves[g - shape.leaf_offset] = node.value;
    return;
  }
  auto child = [&](uint32_t carry) {
    uint32_t next = g + (g & 7u) + carry;
    const uint32_t group = shape.GroupStartingAt(level + 1);
    if (group > 0 && level + 1 < shape.depth) next = 8 * next + static_cast<uint32_t>(shape.enter[group]);
    return next;
  };
  if (node.left == n) {  // a leaf above the last level: padding down to its slot
    nodes[g] = PerfectNode{~uint32_t{0}, sentinel};  // the sentinel key is below every other
    FillPerfect(forest, shape, n, child(1), level + 1, sentinel, nodes, leaves);
    return;
  }
  // Thresholds are never NaN: validation refuses non-finite ones.
  nodes[g] = PerfectNode{OrderKey(node.value), node.feature};
  FillPerfect(forest, shape, node.left, child(1), level + 1, sentinel, nodes, leaves);
  FillPerfect(forest, shape, node.left + 1, child(0), level + 1, sentinel, nodes, leaves);
}

}  // namespace

template <typename T>
void AccumulateBlock(const Forest<T>& forest, const T* block, size_t rows, T* acc) {
  if constexpr (std::is_same_v<T, float>) {
    if (!forest.compact.empty()) return AccumulateBlockImpl<T, CompactNodes<false>>(forest, block, rows, acc);
  }
  if (forest.has_categorical) {
    AccumulateBlockImpl<T, WideNodes<T, true>>(forest, block, rows, acc);
  } else {
    AccumulateBlockImpl<T, WideNodes<T, false>>(forest, block, rows, acc);
  }
}

template <typename T>
void FindLeaves(const Forest<T>& forest, const T* row, uint32_t* leaves) {
  if constexpr (std::is_same_v<T, float>) {
    if (!forest.compact.empty()) return WalkRow<T, CompactNodes<true>, false>(forest, row, leaves, nullptr);
  }
  if (forest.has_categorical) {
    WalkRow<T, WideNodes<T, true>, false>(forest, row, leaves, nullptr);
  } else {
    WalkRow<T, WideNodes<T, false>, false>(forest, row, leaves, nullptr);
  }
}

template <typename T>
void SumRow(const Forest<T>& forest, const T* row, T* sum) {
  if constexpr (std::is_same_v<T, float>) {
    if (forest.perfect.depth > 0) {
      return DispatchPerfectRow<true>(forest, row, sum, std::make_integer_sequence<uint32_t, kMaxPerfectDepth>{});
    }
    if (!forest.compact.empty()) return WalkRow<T, CompactNodes<true>, true>(forest, row, nullptr, sum);
  }
  if (forest.has_categorical) {
    WalkRow<T, WideNodes<T, true>, true>(forest, row, nullptr, sum);
  } else {
    WalkRow<T, WideNodes<T, false>, true>(forest, row, nullptr, sum);
  }
}

void BuildCompactNodes(Forest<float>* forest) {
  forest->compact.clear();
  if (forest->has_categorical || forest->stride > kCompactSlotMask + 1 ||
      forest->nodes.size() > (size_t{1} << (32 - kCompactSlotBits))) {
    return;
  }
  forest->compact.reserve(forest->nodes.size());
  for (const FlatNode<float>& n : forest->nodes) {
    forest->compact.push_back(CompactNode{n.value, (n.left << kCompactSlotBits) | n.feature});
  }
}

void AccumulatePerfectRow(const Forest<float>& forest, const float* row, float* acc) {
  DispatchPerfectRow<false>(forest, row, acc, std::make_integer_sequence<uint32_t, kMaxPerfectDepth>{});
}

void BuildPerfectTrees(Forest<float>* forest) {
  PerfectTrees& perfect = forest->perfect;
  perfect = PerfectTrees{};
  if (forest->has_categorical || forest->has_vector_leaves || forest->roots.empty()) return;
  const uint32_t depth = *std::max_element(forest->depths.begin(), forest->depths.end());
  if (depth == 0 || depth > kMaxPerfectDepth || forest->stride > kMaxPerfectSlots) return;
  const PerfectShape shape = PerfectShapeOf(depth);
  const size_t num_trees = forest->roots.size();
  const size_t tree_bytes = shape.tree_nodes * sizeof(PerfectNode) + (sizeof(float) << depth);
  if (num_trees * tree_bytes > kMaxPerfectBytes) return;
  const uint32_t sentinel = 2 * static_cast<uint32_t>(forest->num_features);
  perfect.depth = depth;
  perfect.nodes.assign(num_trees * shape.tree_nodes, PerfectNode{0, sentinel});
  perfect.leaves.assign(num_trees << depth, 0.0f);
  for (size_t t = 0; t < num_trees; ++t) {
    FillPerfect(*forest, shape, forest->roots[t], 1, 0, sentinel, perfect.nodes.data() + t * shape.tree_nodes,
                perfect.leaves.data() + (t << depth));
  }
}

template void AccumulateBlock<float>(const Forest<float>&, const float*, size_t, float*);
template void AccumulateBlock<double>(const Forest<double>&, const double*, size_t, double*);
template void FindLeaves<float>(const Forest<float>&, const float*, uint32_t*);
template void FindLeaves<double>(const Forest<double>&, const double*, uint32_t*);
template void SumRow<float>(const Forest<float>&, const float*, float*);
template void SumRow<double>(const Forest<double>&, const double*, double*);

}  // namespace podium::engine::internal
