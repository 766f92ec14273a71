// The tree kernels (internal): the compact 8-byte node walk, the 16-byte node
// walk, the perfect-tree walk, the block kernel and the single-row kernels all
// find the same leaves and the same float sums.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <random>

#include "engine/forest.h"
#include "engine/plan.h"
#include "engine/test_util.h"

namespace podium::engine::internal {
namespace {

using ::podium::engine::testing::NodeSpec;
using ::podium::engine::testing::TreeOf;
using ::podium::engine::testing::TreePipeline;

constexpr int kFeatures = 9;

Tree RandomTree(std::mt19937& rng, int max_depth) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<NodeSpec> nodes = {{}};
  std::vector<int> depth = {0};
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (depth[i] >= max_depth || (depth[i] > 0 && unit(rng) < 0.25)) {
      nodes[i].value = static_cast<float>(unit(rng) - 0.5);
      continue;
    }
    nodes[i].feature = static_cast<int32_t>(rng() % kFeatures);
    nodes[i].threshold = static_cast<float>(unit(rng) * 2 - 1);
    nodes[i].default_left = unit(rng) < 0.5;
    nodes[i].left = static_cast<int32_t>(nodes.size());
    nodes[i].right = static_cast<int32_t>(nodes.size() + 1);
    nodes.push_back({});
    nodes.push_back({});
    depth.push_back(depth[i] + 1);
    depth.push_back(depth[i] + 1);
  }
  return TreeOf(nodes);
}

std::unique_ptr<Plan> RandomPlan(std::mt19937& rng, int trees) {
  TreeEnsembleModel e;
  e.base_score = {0.5};
  e.precision = NumericPrecision::kFloat32;
  for (int t = 0; t < trees; ++t) e.trees.push_back(RandomTree(rng, 1 + t % 9));
  Result<std::unique_ptr<Plan>> plan = CompilePlan(TreePipeline(kFeatures, e, Task::kRegression));
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? std::move(plan).value() : nullptr;
}

// Feature rows in the forest layout, with ~10% missing values and some
// infinities (huge doubles cast to float).
std::vector<float> RandomBlock(std::mt19937& rng, const Forest<float>& forest, size_t rows) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::vector<float> block(rows * forest.stride, 0.0f);
  for (size_t r = 0; r < rows; ++r) {
    float* row = block.data() + r * forest.stride;
    for (int j = 0; j < kFeatures; ++j) {
      const double u = unit(rng);
      const float v = u < 0.1 ? std::nanf("") : u < 0.12 ? (u < 0.11 ? kInf : -kInf) : static_cast<float>(unit(rng) * 2.2 - 1.1);
      row[2 * j] = std::isnan(v) ? kInf : v;
      row[2 * j + 1] = std::isnan(v) ? -kInf : v;
    }
    row[2 * kFeatures] = -kInf;
  }
  return block;
}

TEST(ForestTest, CompactAndWideNodesAgreeInEveryKernel) {
  std::mt19937 rng(11);
  std::unique_ptr<Plan> plan = RandomPlan(rng, 45);
  ASSERT_NE(plan, nullptr);
  const Forest<float>& compact = plan->forest32;
  ASSERT_FALSE(compact.compact.empty()) << "a float forest without categorical splits is compacted";
  ASSERT_EQ(compact.perfect.depth, 9u) << "its single-row sum walks perfect trees";
  Forest<float> wide = compact;
  wide.compact.clear();
  wide.perfect = PerfectTrees{};

  const size_t rows = 160;  // a multiple of kBlockLanes
  const std::vector<float> block = RandomBlock(rng, compact, rows);
  std::vector<float> acc_compact(rows, 0.5f), acc_wide(rows, 0.5f);
  AccumulateBlock(compact, block.data(), rows, acc_compact.data());
  AccumulateBlock(wide, block.data(), rows, acc_wide.data());

  std::vector<uint32_t> leaves_compact(compact.roots.size()), leaves_wide(compact.roots.size());
  for (size_t r = 0; r < rows; ++r) {
    const float* row = block.data() + r * compact.stride;
    EXPECT_EQ(acc_compact[r], acc_wide[r]) << "row " << r;
    float sum_perfect = 0.5f, sum_wide = 0.5f;
    SumRow(compact, row, &sum_perfect);
    SumRow(wide, row, &sum_wide);
    EXPECT_EQ(sum_perfect, acc_compact[r]) << "row " << r;
    EXPECT_EQ(sum_wide, acc_compact[r]) << "row " << r;
    FindLeaves(compact, row, leaves_compact.data());
    FindLeaves(wide, row, leaves_wide.data());
    EXPECT_EQ(leaves_compact, leaves_wide) << "row " << r;
    // The leaves are those of a plain walk of the IR trees, and the sum is
    // theirs in tree order.
    float expected = 0.5f;
    const auto& trees = std::get<TreeEnsembleModel>(plan->pipeline.model.body).trees;
    for (size_t t = 0; t < trees.size(); ++t) {
      const Tree& tree = trees[t];
      int32_t n = 0;
      while (tree.left[static_cast<size_t>(n)] >= 0) {
        const size_t i = static_cast<size_t>(n);
        const float x = row[2 * tree.feature[i]] == std::numeric_limits<float>::infinity() &&
                                row[2 * tree.feature[i] + 1] == -std::numeric_limits<float>::infinity()
                            ? std::nanf("")
                            : row[2 * tree.feature[i]];
        const bool left = std::isnan(x) ? tree.default_left[i] != 0 : x < static_cast<float>(tree.threshold[i]);
        n = left ? tree.left[i] : tree.right[i];
      }
      EXPECT_EQ(compact.nodes[leaves_compact[t]].value, static_cast<float>(tree.leaf_values[static_cast<size_t>(n)]));
      expected += static_cast<float>(tree.leaf_values[static_cast<size_t>(n)]);
    }
    EXPECT_EQ(expected, acc_compact[r]) << "row " << r;
  }
}

TEST(ForestTest, LeavesLoopOnThemselves) {
  std::mt19937 rng(3);
  std::unique_ptr<Plan> plan = RandomPlan(rng, 12);
  ASSERT_NE(plan, nullptr);
  const Forest<float>& forest = plan->forest32;
  for (size_t i = 0; i < forest.nodes.size(); ++i) {
    const FlatNode<float>& n = forest.nodes[i];
    if (n.feature == 2 * static_cast<uint32_t>(kFeatures)) {
      EXPECT_EQ(n.left, i) << "a leaf is its own left child";
    } else {
      EXPECT_GT(n.left, i) << "children come after their parent";
      EXPECT_LT(n.left + 1, forest.nodes.size());
    }
  }
}

// Every node and leaf of a perfect tree has its own place, within the tree's
// slots, and the nodes of each group's subtree share one 8-slot block.
TEST(ForestTest, PerfectShapePlacesEveryNodeOnce) {
  for (uint32_t depth = 1; depth <= kMaxPerfectDepth; ++depth) {
    const PerfectShape shape = PerfectShapeOf(depth);
    std::vector<int> node_uses(shape.tree_nodes, 0);
    std::vector<int> leaf_uses(size_t{1} << depth, 0);
    for (uint32_t path = 0; path < (uint32_t{1} << depth); ++path) {
      uint32_t g = 1;
      std::vector<uint32_t> blocks;
      for (uint32_t level = 0; level < depth; ++level) {
        const uint32_t group = shape.GroupStartingAt(level);
        if (group > 0) g = 8 * g + static_cast<uint32_t>(shape.enter[group]);
        ASSERT_LT(g, shape.tree_nodes) << "depth " << depth << " path " << path << " level " << level;
        ASSERT_NE(g % 8, 0u) << "slot 0 of a block is unused";
        if (blocks.empty() || blocks.back() != g / 8) blocks.push_back(g / 8);
        // The first time a path reaches a node it is new; paths sharing a
        // prefix reach it again only through the same prefix.
        if ((path & ((uint32_t{1} << (depth - level)) - 1)) == 0) ++node_uses[g];
        g = g + (g & 7u) + ((path >> (depth - 1 - level)) & 1u);
      }
      ASSERT_GE(g, shape.leaf_offset);
      ASSERT_LT(g - shape.leaf_offset, leaf_uses.size()) << "depth " << depth << " path " << path;
      ++leaf_uses[g - shape.leaf_offset];
      EXPECT_EQ(blocks.size(), (depth + 2) / 3) << "a path reads one block per group, depth " << depth;
    }
    size_t nodes = 0;
    for (int uses : node_uses) {
      EXPECT_LE(uses, 1) << "depth " << depth;
      nodes += static_cast<size_t>(uses);
    }
    EXPECT_EQ(nodes, (size_t{1} << depth) - 1) << "depth " << depth;
    for (size_t leaf = 0; leaf < leaf_uses.size(); ++leaf) {
      EXPECT_EQ(leaf_uses[leaf], 1) << "depth " << depth << " leaf " << leaf;
    }
  }
}

TEST(ForestTest, OrderKeysKeepTheOrderOfFloats) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const float values[] = {-kInf, -3.4e38f, -1.0f, -1e-45f, -0.0f, 0.0f, 1e-45f, 1.17549435e-38f,
                          std::nextafter(1.0f, 0.0f), 1.0f, std::nextafter(1.0f, 2.0f), 3.4e38f, kInf};
  for (float x : values) {
    for (float y : values) {
      EXPECT_EQ(OrderKey(x) < OrderKey(y), x < y) << x << " vs " << y;
    }
  }
}

// The perfect-tree walk against the compact walk at every depth it takes, for
// group sizes that leave tails of four and of one tree, with shallow leaves
// padded down.
TEST(ForestTest, PerfectTreesMatchTheCompactWalkAtEveryDepth) {
  std::mt19937 rng(29);
  for (uint32_t depth = 1; depth <= kMaxPerfectDepth; ++depth) {
    for (int trees : {5, 23}) {
      TreeEnsembleModel e;
      e.base_score = {0.5};
      e.precision = NumericPrecision::kFloat32;
      for (int t = 0; t < trees; ++t) {
        e.trees.push_back(RandomTree(rng, t == 0 ? static_cast<int>(depth) : 1 + t % static_cast<int>(depth)));
      }
      Result<std::unique_ptr<Plan>> plan = CompilePlan(TreePipeline(kFeatures, e, Task::kRegression));
      ASSERT_TRUE(plan.ok()) << plan.status().ToString();
      const Forest<float>& perfect = (*plan)->forest32;
      const uint32_t deepest = *std::max_element(perfect.depths.begin(), perfect.depths.end());
      ASSERT_EQ(perfect.perfect.depth, deepest) << "depth " << depth;
      Forest<float> compact = perfect;
      compact.perfect = PerfectTrees{};
      const size_t rows = 64;
      const std::vector<float> block = RandomBlock(rng, perfect, rows);
      for (size_t r = 0; r < rows; ++r) {
        const float* row = block.data() + r * perfect.stride;
        float sum_perfect = 0.25f, sum_compact = 0.25f;
        SumRow(perfect, row, &sum_perfect);
        SumRow(compact, row, &sum_compact);
        ASSERT_EQ(sum_perfect, sum_compact) << "depth " << depth << ", " << trees << " trees, row " << r;
      }
    }
  }
}

// Several outputs, a tree each (as in a softmax booster): each tree's leaf is
// added to its output's sum in tree order, as the compact walk's leaves give.
TEST(ForestTest, PerfectTreesAddEachTreeToItsOutput) {
  std::mt19937 rng(41);
  constexpr int kOutputs = 3;
  TreeEnsembleModel e;
  e.num_outputs = kOutputs;
  e.base_score = {0.5, 0.5, 0.5};
  e.precision = NumericPrecision::kFloat32;
  for (int t = 0; t < 3 * 13; ++t) {
    Tree tree = RandomTree(rng, 1 + t % 7);
    tree.output = t % kOutputs;
    e.trees.push_back(std::move(tree));
  }
  Result<std::unique_ptr<Plan>> plan =
      CompilePlan(TreePipeline(kFeatures, e, Task::kClassification, {"a", "b", "c"}));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const Forest<float>& forest = (*plan)->forest32;
  ASSERT_FALSE(forest.one_output_sum);
  ASSERT_GT(forest.perfect.depth, 0u) << "several scalar outputs walk perfect trees";
  const size_t rows = 64;
  const std::vector<float> block = RandomBlock(rng, forest, rows);
  std::vector<uint32_t> leaves(forest.roots.size());
  for (size_t r = 0; r < rows; ++r) {
    const float* row = block.data() + r * forest.stride;
    float perfect[kOutputs] = {0.25f, 0.5f, 0.75f};
    float expected[kOutputs] = {0.25f, 0.5f, 0.75f};
    AccumulatePerfectRow(forest, row, perfect);
    FindLeaves(forest, row, leaves.data());
    for (size_t t = 0; t < leaves.size(); ++t) expected[forest.tree_output[t]] += forest.nodes[leaves[t]].value;
    for (int o = 0; o < kOutputs; ++o) EXPECT_EQ(perfect[o], expected[o]) << "row " << r << " output " << o;
  }
}

// Thresholds and values at the edges of float order: signed zeros, the
// largest floats, the smallest subnormals, neighbours of a threshold, and
// infinite values (thresholds are finite floats: validation refuses others).
TEST(ForestTest, PerfectTreesCompareAtTheEdgesOfFloatOrder) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const double thresholds[] = {-3.4e38, -1.0, -0.0, 0.0, 1e-45, 1.0, 3.4e38};
  const float values[] = {-kInf, -1.0f, std::nextafter(-1.0f, 0.0f), -1e-45f, -0.0f, 0.0f, 1e-45f,
                          std::nextafter(1.0f, 0.0f), 1.0f, std::nextafter(1.0f, 2.0f), kInf};
  TreeEnsembleModel e;
  e.base_score = {0.0};
  e.precision = NumericPrecision::kFloat32;
  for (size_t i = 0; i < std::size(thresholds); ++i) {
    // A two-level tree: the edge threshold, then a split on another feature
    // on one side, so that the forest is deeper than one step.
    e.trees.push_back(TreeOf({{.feature = 0, .threshold = thresholds[i], .left = 1, .right = 2},
                              {.feature = 1, .threshold = 0.5, .left = 3, .right = 4},
                              {.value = 100.0 * static_cast<double>(i + 1)},
                              {.value = 1.0},
                              {.value = 2.0}}));
  }
  Result<std::unique_ptr<Plan>> plan = CompilePlan(TreePipeline(2, e, Task::kRegression));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const Forest<float>& perfect = (*plan)->forest32;
  ASSERT_EQ(perfect.perfect.depth, 2u);
  Forest<float> compact = perfect;
  compact.perfect = PerfectTrees{};
  std::vector<float> row(perfect.stride, 0.0f);
  row[4] = -kInf;  // the sentinel
  for (float x : values) {
    for (float x1 : {0.0f, 1.0f}) {
      row[0] = row[1] = x;
      row[2] = row[3] = x1;
      float sum_perfect = 0.0f, sum_compact = 0.0f;
      SumRow(perfect, row.data(), &sum_perfect);
      SumRow(compact, row.data(), &sum_compact);
      float expected = 0.0f;
      for (size_t i = 0; i < std::size(thresholds); ++i) {
        const bool right = x >= static_cast<float>(thresholds[i]);
        expected += right ? 100.0f * static_cast<float>(i + 1) : (x1 >= 0.5f ? 2.0f : 1.0f);
      }
      EXPECT_EQ(sum_perfect, expected) << "x = " << x << ", x1 = " << x1;
      EXPECT_EQ(sum_compact, expected) << "x = " << x << ", x1 = " << x1;
    }
  }
}

// The perfect trees are built only for what they can walk: not for
// categorical splits, vector leaves, trees deeper than kMaxPerfectDepth or
// more feature slots than kMaxPerfectSlots.
TEST(ForestTest, PerfectTreesOnlyWhereTheyApply) {
  std::mt19937 rng(5);
  auto depth_of = [](const Pipeline& p) {
    Result<std::unique_ptr<Plan>> plan = CompilePlan(p);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return plan.ok() ? (*plan)->forest32.perfect.depth : 99u;
  };
  TreeEnsembleModel shallow;
  shallow.precision = NumericPrecision::kFloat32;
  shallow.base_score = {0.0};
  shallow.trees.push_back(RandomTree(rng, 4));
  EXPECT_GT(depth_of(TreePipeline(kFeatures, shallow, Task::kRegression)), 0u);

  TreeEnsembleModel deep = shallow;
  deep.trees.push_back(RandomTree(rng, static_cast<int>(kMaxPerfectDepth) + 1));
  deep.trees.back() = [&] {
    // A path as deep as the limit + 1, whatever the random tree became.
    std::vector<NodeSpec> chain;
    for (int level = 0; level <= static_cast<int>(kMaxPerfectDepth); ++level) {
      chain.push_back({.feature = level % kFeatures, .threshold = 0.0, .left = 2 * level + 1, .right = 2 * level + 2});
      chain.push_back({.value = 1.0});
    }
    chain.push_back({.value = 2.0});
    // Node 2k is internal with children 2k+1 (leaf) and 2k+2 (next level).
    return TreeOf(chain);
  }();
  EXPECT_EQ(depth_of(TreePipeline(kFeatures, deep, Task::kRegression)), 0u);

  TreeEnsembleModel wide = shallow;
  EXPECT_EQ(depth_of(TreePipeline(static_cast<int>(kMaxPerfectSlots) / 2, wide, Task::kRegression)), 0u);

  // Categorical splits and vector leaves (checked on the forest itself).
  Result<std::unique_ptr<Plan>> plan = CompilePlan(TreePipeline(kFeatures, shallow, Task::kRegression));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  Forest<float> forest = (*plan)->forest32;
  forest.has_categorical = true;
  BuildPerfectTrees(&forest);
  EXPECT_EQ(forest.perfect.depth, 0u);
  forest.has_categorical = false;
  forest.has_vector_leaves = true;
  BuildPerfectTrees(&forest);
  EXPECT_EQ(forest.perfect.depth, 0u);
  forest.has_vector_leaves = false;
  BuildPerfectTrees(&forest);
  EXPECT_GT(forest.perfect.depth, 0u);
}

}  // namespace
}  // namespace podium::engine::internal
