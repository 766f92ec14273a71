// TreeSHAP explanations against a brute-force Shapley computation.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/engine.h"
#include "engine/test_util.h"

namespace podium::engine {
namespace {

using ::podium::engine::testing::CategoryField;
using ::podium::engine::testing::kNaN;
using ::podium::engine::testing::MustCompile;
using ::podium::engine::testing::NodeSpec;
using ::podium::engine::testing::TreeOf;
using ::podium::engine::testing::TreePipeline;

// Where a row goes at `node`, as the IR defines it (double or float compare).
bool GoesLeft(const Tree& tree, size_t node, double x, bool float32) {
  if (std::isnan(x)) return tree.default_left[node] != 0;
  if (float32) return static_cast<float>(x) < static_cast<float>(tree.threshold[node]);
  return x < tree.threshold[node];
}

// v(S): the tree's expectation when the features in `known` follow the row
// and the others are averaged over the children by cover.
double Conditional(const Tree& tree, int32_t node, const std::vector<double>& x, uint32_t known,
                   int output, bool float32) {
  const size_t n = static_cast<size_t>(node);
  if (tree.left[n] < 0) {
    return tree.leaf_width == 1 ? tree.leaf_values[n]
                                : tree.leaf_values[n * static_cast<size_t>(tree.leaf_width) + static_cast<size_t>(output)];
  }
  const int32_t f = tree.feature[n];
  if ((known >> f) & 1u) {
    const bool left = GoesLeft(tree, n, x[static_cast<size_t>(f)], float32);
    return Conditional(tree, left ? tree.left[n] : tree.right[n], x, known, output, float32);
  }
  const double l = tree.cover[static_cast<size_t>(tree.left[n])];
  const double r = tree.cover[static_cast<size_t>(tree.right[n])];
  return (l * Conditional(tree, tree.left[n], x, known, output, float32) +
          r * Conditional(tree, tree.right[n], x, known, output, float32)) /
         tree.cover[n];
}

// Exact Shapley values of v over `m` features, by enumerating subsets.
std::vector<double> BruteForceShap(const Tree& tree, const std::vector<double>& x, int m, int output,
                                   bool float32) {
  std::vector<double> factorial(static_cast<size_t>(m) + 1, 1.0);
  for (int i = 1; i <= m; ++i) factorial[static_cast<size_t>(i)] = factorial[static_cast<size_t>(i) - 1] * i;
  std::vector<double> phi(static_cast<size_t>(m), 0.0);
  for (int i = 0; i < m; ++i) {
    for (uint32_t s = 0; s < (1u << m); ++s) {
      if ((s >> i) & 1u) continue;
      const int size = __builtin_popcount(s);
      const double weight = factorial[static_cast<size_t>(size)] *
                            factorial[static_cast<size_t>(m - size - 1)] / factorial[static_cast<size_t>(m)];
      phi[static_cast<size_t>(i)] += weight * (Conditional(tree, 0, x, s | (1u << i), output, float32) -
                                               Conditional(tree, 0, x, s, output, float32));
    }
  }
  return phi;
}

// A random binary tree over `m` numeric features (features may repeat on a
// path), with covers that add up.
Tree RandomTree(std::mt19937& rng, int m, int max_depth, int leaf_width = 1) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<NodeSpec> nodes;
  std::vector<int> depth_of;
  nodes.push_back({});
  depth_of.push_back(0);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const bool split = depth_of[i] < max_depth && (depth_of[i] < 2 || unit(rng) < 0.7);
    if (!split) {
      nodes[i].value = std::round((unit(rng) * 4 - 2) * 1024) / 1024;
      continue;
    }
    nodes[i].feature = static_cast<int32_t>(rng() % static_cast<uint32_t>(m));
    nodes[i].threshold = std::round(unit(rng) * 64) / 64;  // exact in float
    nodes[i].default_left = unit(rng) < 0.5;
    nodes[i].left = static_cast<int32_t>(nodes.size());
    nodes[i].right = static_cast<int32_t>(nodes.size() + 1);
    nodes.push_back({});
    nodes.push_back({});
    depth_of.push_back(depth_of[i] + 1);
    depth_of.push_back(depth_of[i] + 1);
  }
  // Covers: random at leaves, sums above (children come after parents).
  for (size_t i = nodes.size(); i-- > 0;) {
    if (nodes[i].feature < 0) {
      nodes[i].cover = 1.0 + std::floor(unit(rng) * 100);
    } else {
      nodes[i].cover = nodes[static_cast<size_t>(nodes[i].left)].cover + nodes[static_cast<size_t>(nodes[i].right)].cover;
    }
  }
  Tree tree = TreeOf(nodes);
  if (leaf_width > 1) {
    tree.leaf_width = leaf_width;
    tree.leaf_values.assign(nodes.size() * static_cast<size_t>(leaf_width), 0.0);
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].feature >= 0) continue;
      for (int k = 0; k < leaf_width; ++k) {
        tree.leaf_values[i * static_cast<size_t>(leaf_width) + static_cast<size_t>(k)] = unit(rng);
      }
    }
  }
  return tree;
}

std::vector<double> RandomRow(std::mt19937& rng, int m) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<double> x(static_cast<size_t>(m));
  for (double& v : x) v = unit(rng) < 0.15 ? kNaN : unit(rng);
  return x;
}

Prediction Explain(const ScoringPlan& plan, const std::vector<double>& x) {
  auto scratch = plan.NewScratch();
  Prediction p;
  Status status = plan.ScoreRow(x.data(), *scratch, &p, /*explain=*/true);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return p;
}

double Margin(double p) { return std::log(p / (1.0 - p)); }

TEST(TreeShapTest, SingleTreesMatchBruteForceShapley) {
  std::mt19937 rng(20240611);
  for (int trial = 0; trial < 60; ++trial) {
    const int m = 2 + trial % 5;  // 2..6 features
    const bool float32 = trial % 2 == 1;
    Tree tree = RandomTree(rng, m, 1 + trial % 6);
    TreeEnsembleModel e;
    e.base_score = {0.25};
    e.precision = float32 ? NumericPrecision::kFloat32 : NumericPrecision::kFloat64;
    e.trees = {tree};
    auto plan = MustCompile(TreePipeline(m, e, Task::kRegression));
    ASSERT_NE(plan, nullptr);
    for (int r = 0; r < 5; ++r) {
      const std::vector<double> x = RandomRow(rng, m);
      const Prediction p = Explain(*plan, x);
      const std::vector<double> expected = BruteForceShap(tree, x, m, 0, float32);
      ASSERT_EQ(p.contributions.size(), static_cast<size_t>(m) + 1);
      double sum = 0.0;
      for (int j = 0; j < m; ++j) {
        EXPECT_EQ(p.contributions[static_cast<size_t>(j)].feature, j);
        EXPECT_NEAR(p.contributions[static_cast<size_t>(j)].value, expected[static_cast<size_t>(j)], 1e-12)
            << "trial " << trial << " row " << r << " feature " << j;
        sum += p.contributions[static_cast<size_t>(j)].value;
      }
      const Contribution& bias = p.contributions.back();
      EXPECT_EQ(bias.feature, -1);
      EXPECT_NEAR(bias.value, 0.25 + Conditional(tree, 0, x, 0, 0, float32), 1e-12);
      EXPECT_NEAR(sum + bias.value, p.values[0], 1e-9) << "contributions sum to the margin";
    }
  }
}

TEST(TreeShapTest, BinaryEnsembleSumsTreesInMarginSpace) {
  std::mt19937 rng(7);
  const int m = 5;
  TreeEnsembleModel e;
  e.base_score = {-0.3};
  e.output_transform = OutputTransform::kLogistic;
  e.precision = NumericPrecision::kFloat32;
  for (int t = 0; t < 20; ++t) e.trees.push_back(RandomTree(rng, m, 5));
  auto plan = MustCompile(TreePipeline(m, e, Task::kClassification, {"no", "yes"}));
  ASSERT_NE(plan, nullptr);
  for (int r = 0; r < 20; ++r) {
    const std::vector<double> x = RandomRow(rng, m);
    const Prediction p = Explain(*plan, x);
    std::vector<double> expected(static_cast<size_t>(m), 0.0);
    double bias = -0.3;
    for (const Tree& tree : e.trees) {
      const std::vector<double> phi = BruteForceShap(tree, x, m, 0, true);
      for (int j = 0; j < m; ++j) expected[static_cast<size_t>(j)] += phi[static_cast<size_t>(j)];
      bias += Conditional(tree, 0, x, 0, 0, true);
    }
    double sum = 0.0;
    for (int j = 0; j < m; ++j) {
      EXPECT_NEAR(p.contributions[static_cast<size_t>(j)].value, expected[static_cast<size_t>(j)], 1e-10);
      sum += p.contributions[static_cast<size_t>(j)].value;
    }
    EXPECT_NEAR(p.contributions.back().value, bias, 1e-10);
    // The margin was summed in float; the contributions in double.
    EXPECT_NEAR(sum + p.contributions.back().value, Margin(p.values[1]), 1e-5);
  }
}

TEST(TreeShapTest, MulticlassExplainsThePredictedClassOnly) {
  std::mt19937 rng(99);
  const int m = 4;
  TreeEnsembleModel e;
  e.num_outputs = 3;
  e.base_score = {0.1, 0.2, 0.3};
  e.output_transform = OutputTransform::kSoftmax;
  for (int t = 0; t < 9; ++t) {
    Tree tree = RandomTree(rng, m, 4);
    tree.output = t % 3;
    e.trees.push_back(tree);
  }
  auto plan = MustCompile(TreePipeline(m, e, Task::kClassification, {"a", "b", "c"}));
  ASSERT_NE(plan, nullptr);
  for (int r = 0; r < 20; ++r) {
    const std::vector<double> x = RandomRow(rng, m);
    const Prediction p = Explain(*plan, x);
    const int k = p.label;
    ASSERT_GE(k, 0);
    std::vector<double> expected(static_cast<size_t>(m), 0.0);
    double margin = e.base_score[static_cast<size_t>(k)];
    for (const Tree& tree : e.trees) {
      if (tree.output != k) continue;
      const std::vector<double> phi = BruteForceShap(tree, x, m, 0, false);
      for (int j = 0; j < m; ++j) expected[static_cast<size_t>(j)] += phi[static_cast<size_t>(j)];
      margin += Conditional(tree, 0, x, (1u << m) - 1, 0, false);
    }
    double sum = 0.0;
    for (const Contribution& c : p.contributions) sum += c.value;
    for (int j = 0; j < m; ++j) {
      EXPECT_NEAR(p.contributions[static_cast<size_t>(j)].value, expected[static_cast<size_t>(j)], 1e-12);
    }
    EXPECT_NEAR(sum, margin, 1e-12);
  }
}

TEST(TreeShapTest, AveragedVectorLeavesDivideByTreeCount) {
  std::mt19937 rng(5);
  const int m = 4;
  TreeEnsembleModel e;
  e.num_outputs = 3;
  e.base_score = {0.0, 0.0, 0.0};
  e.aggregation = Aggregation::kAverage;
  for (int t = 0; t < 5; ++t) e.trees.push_back(RandomTree(rng, m, 4, /*leaf_width=*/3));
  auto plan = MustCompile(TreePipeline(m, e, Task::kClassification, {"a", "b", "c"}));
  ASSERT_NE(plan, nullptr);
  for (int r = 0; r < 20; ++r) {
    const std::vector<double> x = RandomRow(rng, m);
    const Prediction p = Explain(*plan, x);
    const int k = p.label;
    std::vector<double> expected(static_cast<size_t>(m), 0.0);
    for (const Tree& tree : e.trees) {
      const std::vector<double> phi = BruteForceShap(tree, x, m, k, false);
      for (int j = 0; j < m; ++j) expected[static_cast<size_t>(j)] += phi[static_cast<size_t>(j)] / 5.0;
    }
    double sum = 0.0;
    for (const Contribution& c : p.contributions) sum += c.value;
    for (int j = 0; j < m; ++j) {
      EXPECT_NEAR(p.contributions[static_cast<size_t>(j)].value, expected[static_cast<size_t>(j)], 1e-12);
    }
    EXPECT_NEAR(sum, p.values[static_cast<size_t>(k)], 1e-12);
  }
}

TEST(TreeShapTest, HandComputedStump) {
  // x0 < 0.5 ? 1 : 3, covers 30 / 10: E = (30 * 1 + 10 * 3) / 40 = 1.5.
  Tree tree = TreeOf({{.feature = 0, .threshold = 0.5, .left = 1, .right = 2, .cover = 40},
                      {.value = 1.0, .cover = 30},
                      {.value = 3.0, .cover = 10}});
  TreeEnsembleModel e;
  e.base_score = {0.5};
  e.trees = {tree};
  auto plan = MustCompile(TreePipeline(2, e, Task::kRegression));
  const Prediction p = Explain(*plan, {0.9, 0.0});
  ASSERT_EQ(p.contributions.size(), 3u);
  EXPECT_DOUBLE_EQ(p.contributions[0].value, 1.5);  // 3 - 1.5
  EXPECT_DOUBLE_EQ(p.contributions[1].value, 0.0);
  EXPECT_DOUBLE_EQ(p.contributions[2].value, 2.0);  // 0.5 + 1.5
}

TEST(TreeShapTest, CategoricalSplitFollowsTheRowsLevel) {
  Pipeline p;
  p.inputs = {CategoryField("color", {"red", "green", "blue"}), testing::NumberField("x")};
  p.features = {"color", "x"};
  TreeEnsembleModel e;
  e.base_score = {0.0};
  e.trees = {TreeOf({{.feature = 0, .left = 1, .right = 2, .cover = 10, .levels = {"red"}},
                     {.feature = 1, .threshold = 1.0, .left = 3, .right = 4, .cover = 4},
                     {.value = 5.0, .cover = 6},
                     {.value = 1.0, .cover = 2},
                     {.value = 2.0, .cover = 2}})};
  p.model.task = Task::kRegression;
  p.model.body = e;
  auto plan = MustCompile(p);
  ASSERT_NE(plan, nullptr);
  // E = 0.4 * 1.5 + 0.6 * 5 = 3.6. Row (red, 2): f = 2.
  const Prediction red = Explain(*plan, {plan->LevelCode("red"), 2.0});
  EXPECT_EQ(red.values[0], 2.0);
  double sum = 0.0;
  for (const Contribution& c : red.contributions) sum += c.value;
  EXPECT_NEAR(sum, 2.0, 1e-12);
  EXPECT_NEAR(red.contributions[2].value, 3.6, 1e-12);
  // Shapley by hand: v({}) = 3.6, v({c}) = 1.5, v({x}) = 0.4 * 2 + 3 = 3.8,
  // v({c, x}) = 2. phi_c = ((1.5 - 3.6) + (2 - 3.8)) / 2 = -1.95.
  EXPECT_NEAR(red.contributions[0].value, -1.95, 1e-12);
  EXPECT_NEAR(red.contributions[1].value, 0.35, 1e-12);
}

}  // namespace
}  // namespace podium::engine
