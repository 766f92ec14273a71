// The tree kernels (internal): the compact 8-byte node walk, the 16-byte node
// walk, the block kernel and the single-row kernels all find the same leaves
// and the same float sums.
#include <gtest/gtest.h>

#include <cmath>
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
  Forest<float> wide = compact;
  wide.compact.clear();

  const size_t rows = 160;  // a multiple of kBlockLanes
  const std::vector<float> block = RandomBlock(rng, compact, rows);
  std::vector<float> acc_compact(rows, 0.5f), acc_wide(rows, 0.5f);
  AccumulateBlock(compact, block.data(), rows, acc_compact.data());
  AccumulateBlock(wide, block.data(), rows, acc_wide.data());

  std::vector<uint32_t> leaves_compact(compact.roots.size()), leaves_wide(compact.roots.size());
  for (size_t r = 0; r < rows; ++r) {
    const float* row = block.data() + r * compact.stride;
    EXPECT_EQ(acc_compact[r], acc_wide[r]) << "row " << r;
    float sum_compact = 0.5f, sum_wide = 0.5f;
    SumRow(compact, row, &sum_compact);
    SumRow(wide, row, &sum_wide);
    EXPECT_EQ(sum_compact, acc_compact[r]) << "row " << r;
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

}  // namespace
}  // namespace podium::engine::internal
