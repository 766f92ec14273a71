// ScoreRow and ScoreBatch allocate nothing once their outputs have been used:
// every operator new in this test binary is counted.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "engine/engine.h"
#include "engine/test_util.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// The replacements below pair malloc with free; GCC cannot see that through
// the replaced operators and warns.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace podium::engine {
namespace {

using ::podium::engine::testing::CategoryField;
using ::podium::engine::testing::MustCompile;
using ::podium::engine::testing::NodeSpec;
using ::podium::engine::testing::NumberField;
using ::podium::engine::testing::TreeOf;

// Transforms, a derive expression, trees with a categorical split, derived
// outputs and rules reading them.
Pipeline Busy(NumericPrecision precision) {
  Pipeline p;
  p.inputs = {NumberField("a"), NumberField("b"), CategoryField("color", {"red", "green", "blue"})};
  p.transforms = {ImputeTransform{"a", "a_i", ImputeStrategy::kMean, 1.0},
                  DeriveTransform{"ab", "a_i * b + 1"},
                  OneHotTransform{"color", "", {"red", "green"}, UnknownLevelPolicy::kIgnore}};
  p.features = {"a_i", "ab", "color=red", "color"};
  TreeEnsembleModel e;
  e.base_score = {0.1};
  e.output_transform = OutputTransform::kLogistic;
  e.precision = precision;
  for (int t = 0; t < 20; ++t) {
    e.trees.push_back(TreeOf({{.feature = t % 2, .threshold = 0.5, .left = 1, .right = 2, .cover = 10},
                              {.feature = 3, .left = 3, .right = 4, .cover = 6, .levels = {"blue"}},
                              {.value = 0.3, .cover = 4},
                              {.value = -0.2, .cover = 2},
                              {.value = 0.1 * t, .cover = 4}}));
  }
  p.model.task = Task::kClassification;
  p.model.classes = {"no", "yes"};
  p.model.body = e;
  p.post.outputs = {{"band", "if probability_yes > 0.5 then 2 else 1"}, {"top", "band == 2 and ab > 0"}};
  p.post.rules = {BusinessRule{"hi", "score > 0.5", RuleAction::kAnnotate, "", "high"},
                  BusinessRule{"red", "color == \"red\"", RuleAction::kOverride, "check", ""},
                  BusinessRule{"top", "top", RuleAction::kAnnotate, "", "top band"}};
  return p;
}

TEST(AllocationTest, ScoreRowAndScoreBatchAllocateNothingOnceWarm) {
  for (NumericPrecision precision : {NumericPrecision::kFloat32, NumericPrecision::kFloat64}) {
    auto plan = MustCompile(Busy(precision));
    ASSERT_NE(plan, nullptr);
    const double red = plan->LevelCode("red");
    const double blue = plan->LevelCode("blue");
    std::vector<double> rows;
    for (int r = 0; r < 300; ++r) {
      rows.push_back(r % 7 == 0 ? testing::kNaN : r * 0.01);
      rows.push_back(r * -0.003);
      rows.push_back(r % 2 == 0 ? red : blue);
    }
    auto scratch = plan->NewScratch();
    Prediction prediction;
    BatchResult batch;
    ASSERT_TRUE(plan->ScoreRow(rows.data(), *scratch, &prediction, true).ok());
    plan->ScoreBatch(rows.data(), 300, *scratch, &batch, true);

    const long before = g_allocations.load();
    for (int r = 0; r < 300; ++r) {
      ASSERT_TRUE(plan->ScoreRow(rows.data() + 3 * r, *scratch, &prediction, r % 2 == 0).ok());
    }
    plan->ScoreBatch(rows.data(), 300, *scratch, &batch, true);
    plan->ScoreBatch(rows.data(), 300, *scratch, &batch, false);
    EXPECT_EQ(g_allocations.load() - before, 0);
    EXPECT_EQ(batch.errors.size(), 0u);
  }
}

// A clustering model with a derived feature, missing values and a rule.
TEST(AllocationTest, ClusteringAllocatesNothingOnceWarm) {
  Pipeline p;
  p.inputs = {NumberField("a"), NumberField("b")};
  p.transforms = {DeriveTransform{"ab", "a * b"}};
  p.features = {"a", "b", "ab"};
  ClusteringModel m;
  m.measure = ClusterMeasure::kMinkowski;
  m.minkowski_p = 1.5;
  m.compare = {CompareFunction::kAbsDiff, CompareFunction::kGaussSim, CompareFunction::kEqual};
  m.field_weights = {1, 2, 3};
  m.similarity_scale = {0, 1, 0};
  m.missing_weights = {1, 2, 1};
  for (int c = 0; c < 8; ++c) m.centers.insert(m.centers.end(), {c * 0.5, -c * 0.25, c * 1.0});
  p.model.task = Task::kClustering;
  p.model.classes = {"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"};
  p.model.body = m;
  p.post.rules = {BusinessRule{"far", "score > 2", RuleAction::kAnnotate, "", "far"}};
  auto plan = MustCompile(p);
  ASSERT_NE(plan, nullptr);
  std::vector<double> rows;
  for (int r = 0; r < 300; ++r) {
    rows.push_back(r % 7 == 0 ? testing::kNaN : r * 0.01);
    rows.push_back(r * -0.003);
  }
  auto scratch = plan->NewScratch();
  Prediction prediction;
  BatchResult batch;
  ASSERT_TRUE(plan->ScoreRow(rows.data(), *scratch, &prediction).ok());
  plan->ScoreBatch(rows.data(), 300, *scratch, &batch);

  const long before = g_allocations.load();
  for (int r = 0; r < 300; ++r) ASSERT_TRUE(plan->ScoreRow(rows.data() + 2 * r, *scratch, &prediction).ok());
  plan->ScoreBatch(rows.data(), 300, *scratch, &batch);
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(batch.errors.size(), 0u);
}

}  // namespace
}  // namespace podium::engine
