// The compiled clustering model: affinities, the predicted cluster, missing
// values, ties and rules against hand-computed values and the reference
// scorer; the batch path; row errors; explanations refused; and no heap
// allocation once warm.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/engine.h"
#include "engine/test_util.h"
#include "reference/reference.h"

namespace podium::engine {
namespace {

using ::podium::engine::testing::kNaN;
using ::podium::engine::testing::MustCompile;
using ::podium::engine::testing::CategoryField;
using ::podium::engine::testing::NumberField;
using ::podium::engine::testing::SameValues;
using ::podium::engine::testing::Score;

// Three numeric inputs; the model's features are a, b and 2 * c (derived).
Pipeline Clusters(ClusteringModel model, std::vector<std::string> ids) {
  Pipeline p;
  p.name = "segments";
  p.inputs = {NumberField("a"), NumberField("b"), NumberField("c")};
  p.transforms = {DeriveTransform{"c2", "2 * c"}};
  p.features = {"a", "b", "c2"};
  p.model.task = Task::kClustering;
  p.model.classes = std::move(ids);
  p.model.body = std::move(model);
  return p;
}

ClusteringModel Distance(ClusterMeasure measure) {
  ClusteringModel m;
  m.measure = measure;
  m.minkowski_p = 3;
  m.compare = {CompareFunction::kAbsDiff, CompareFunction::kGaussSim, CompareFunction::kDelta};
  m.field_weights = {1.0, 2.0, 0.5};
  m.similarity_scale = {0.0, 2.0, 0.0};
  m.missing_weights = {1.0, 1.0, 2.0};
  m.centers = {0, 0, 0,  //
               3, 4, 2,  //
               -1, 1, 6};
  return m;
}

std::vector<RawValue> Row(std::vector<std::string> cells) {
  std::vector<RawValue> raw;
  for (const std::string& cell : cells) raw.push_back(cell.empty() ? RawValue::Missing() : RawValue::Text(cell));
  return raw;
}

TEST(ClusteringEngineTest, DistancesByHand) {
  // Row a = 1, b = 2, c = 1 (c2 = 2). Terms per cluster:
  //   cluster 0: |1 - 0| = 1, g(2 - 0) = 0.5, delta(2, 0) = 1
  //   cluster 1: |1 - 3| = 2, g(2 - 4) = 0.5, delta(2, 2) = 0
  //   cluster 2: |1 + 1| = 2, g(2 - 1) = 2^-0.25, delta(2, 6) = 1
  // with g(z) = exp(-ln 2 * z^2 / 4) and weights (1, 2, 0.5).
  const double g1 = std::exp(-std::log(2.0) / 4);
  struct Case {
    ClusterMeasure measure;
    std::vector<double> values;
    int32_t label;
  };
  const std::vector<Case> cases = {
      {ClusterMeasure::kSquaredEuclidean, {1 + 2 * 0.25 + 0.5, 4 + 2 * 0.25, 4 + 2 * g1 * g1 + 0.5}, 0},
      {ClusterMeasure::kEuclidean,
       {std::sqrt(1 + 2 * 0.25 + 0.5), std::sqrt(4 + 2 * 0.25), std::sqrt(4 + 2 * g1 * g1 + 0.5)}, 0},
      {ClusterMeasure::kCityBlock, {1 + 1 + 0.5, 2 + 1, 2 + 2 * g1 + 0.5}, 0},
      {ClusterMeasure::kChebychev, {1, 2, 2}, 0},  // max(2, 2 * g1, 0.5) = 2
      {ClusterMeasure::kMinkowski,
       {std::cbrt(1 + 2 * 0.125 + 0.5), std::cbrt(8 + 2 * 0.125), std::cbrt(8 + 2 * g1 * g1 * g1 + 0.5)}, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(ClusterMeasureName(c.measure));
    const Pipeline pipeline = Clusters(Distance(c.measure), {"k0", "k1", "k2"});
    auto plan = MustCompile(pipeline);
    ASSERT_NE(plan, nullptr);
    EXPECT_EQ(plan->num_values(), 3);
    Result<Prediction> engine = Score(*plan, Row({"1", "2", "1"}));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    ASSERT_EQ(engine->values.size(), 3u);
    for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(engine->values[k], c.values[k], 1e-12) << k;
    EXPECT_EQ(engine->label, c.label);
    EXPECT_EQ(engine->decision, c.label);
    Result<Prediction> reference = reference::ScoreRow(pipeline, Row({"1", "2", "1"}));
    ASSERT_TRUE(reference.ok()) << reference.status().ToString();
    EXPECT_TRUE(SameValues(engine->values, reference->values));
  }
}

TEST(ClusteringEngineTest, MissingValuesTiesAndRules) {
  Pipeline pipeline = Clusters(Distance(ClusterMeasure::kCityBlock), {"k0", "k1", "k2"});
  pipeline.post.rules = {BusinessRule{"far", "score > 3", RuleAction::kOverride, "outlier", ""}};
  auto plan = MustCompile(pipeline);
  ASSERT_NE(plan, nullptr);
  // c missing: q = (1, 1, 2), adjustM = 4 / 2; a = 1, b = 2 as above.
  Result<Prediction> p = Score(*plan, Row({"1", "2", ""}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(SameValues(p->values, {2 * (1 + 1.0), 2 * (2 + 1.0), 2 * (2 + 2 * std::exp(-std::log(2.0) / 4))}));
  EXPECT_EQ(p->label, 0);
  EXPECT_EQ(p->decision, 3);  // score 4 > 3: the override "outlier" (after the three clusters)
  // Every feature missing: no affinities, no cluster, and `score` is missing.
  p = Score(*plan, Row({"", "", ""}));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(SameValues(p->values, {kNaN, kNaN, kNaN}));
  EXPECT_EQ(p->label, -1);
  EXPECT_EQ(p->decision, -1);
  // An exact tie goes to the lower index: two equal centers.
  ClusteringModel twins = Distance(ClusterMeasure::kEuclidean);
  twins.centers = {1, 1, 1, 1, 1, 1, 0, 0, 0};
  auto twin_plan = MustCompile(Clusters(twins, {"first", "second", "other"}));
  ASSERT_NE(twin_plan, nullptr);
  p = Score(*twin_plan, Row({"1", "1", "0.5"}));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->values[0], p->values[1]);
  EXPECT_EQ(p->label, 0);
}

ClusteringModel Binary(ClusterMeasure measure) {
  ClusteringModel m;
  m.measure = measure;
  m.compare.assign(3, CompareFunction::kAbsDiff);
  m.field_weights.assign(3, 1.0);
  m.binary = {.c00 = 0, .c01 = 0, .c10 = 0, .c11 = 1, .d00 = 0, .d01 = 1, .d10 = 1, .d11 = 1};
  m.centers = {1, 1, 0,  //
               0, 0, 0};
  return m;
}

TEST(ClusteringEngineTest, SimilaritiesPickTheLargest) {
  // Row (1, 0, c2 = 2 * 0 = 0): to (1, 1, 0) a11 = 1, a01 = 1, a00 = 1; to (0, 0, 0) a10 = 1, a00 = 2.
  struct Case {
    ClusterMeasure measure;
    std::vector<double> values;
    int32_t label;
  };
  const std::vector<Case> cases = {
      {ClusterMeasure::kSimpleMatching, {2.0 / 3, 2.0 / 3}, 0},
      {ClusterMeasure::kJaccard, {0.5, 0.0}, 0},
      {ClusterMeasure::kTanimoto, {2.0 / 4, 2.0 / 4}, 0},
      {ClusterMeasure::kBinarySimilarity, {0.5, 0.0}, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(ClusterMeasureName(c.measure));
    const Pipeline pipeline = Clusters(Binary(c.measure), {"pair", "none"});
    auto plan = MustCompile(pipeline);
    ASSERT_NE(plan, nullptr);
    Result<Prediction> p = Score(*plan, Row({"1", "0", "0"}));
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_TRUE(SameValues(p->values, c.values));
    EXPECT_EQ(p->label, c.label);
    // A value other than 0 or 1 is a row error naming the feature (c2 = 2).
    p = Score(*plan, Row({"1", "0", "1"}));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find("model feature 'c2' is 2.000000, but"), std::string::npos)
        << p.status().ToString();
    Result<Prediction> reference = reference::ScoreRow(pipeline, Row({"1", "0", "1"}));
    ASSERT_FALSE(reference.ok());
    EXPECT_EQ(reference.status().message(), p.status().message());
  }
  // Jaccard of an all-zero row and an all-zero center is undefined: missing,
  // and not a candidate.
  auto plan = MustCompile(Clusters(Binary(ClusterMeasure::kJaccard), {"pair", "none"}));
  Result<Prediction> p = Score(*plan, Row({"0", "0", "0"}));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(SameValues(p->values, {0.0, kNaN}));
  EXPECT_EQ(p->label, 0);
}

TEST(ClusteringEngineTest, BatchMatchesRowsAndReportsRowErrors) {
  const Pipeline pipeline = Clusters(Binary(ClusterMeasure::kTanimoto), {"pair", "none"});
  auto plan = MustCompile(pipeline);
  ASSERT_NE(plan, nullptr);
  std::vector<double> rows;
  const int n = 300;
  for (int r = 0; r < n; ++r) {
    rows.push_back(r % 2);
    rows.push_back(r % 5 == 0 ? kNaN : (r / 2) % 2);
    rows.push_back(r == 77 ? 3.0 : (r / 3) % 2 * 0.5);  // c2 = 2c: 0 or 1; row 77 gives 6
  }
  auto scratch = plan->NewScratch();
  BatchResult batch;
  plan->ScoreBatch(rows.data(), n, *scratch, &batch);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].row, 77u);
  EXPECT_NE(batch.errors[0].status.message().find("model feature 'c2' is 6.000000"), std::string::npos);
  for (int r = 0; r < n; ++r) {
    Prediction single;
    const Status status = plan->ScoreRow(rows.data() + 3 * r, *scratch, &single);
    if (r == 77) {
      EXPECT_FALSE(status.ok());
      EXPECT_EQ(batch.labels[77], -1);
      EXPECT_TRUE(std::isnan(batch.values[2 * 77]));
      continue;
    }
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_TRUE(SameValues({batch.values[2 * r], batch.values[2 * r + 1]}, single.values)) << r;
    EXPECT_EQ(batch.labels[r], single.label) << r;
  }
}

// a (abs_diff) and the category color (table; an invalid value is missing).
// The table is not symmetric: rows are the row's color, columns the center's.
Pipeline TableClusters(ClusterMeasure measure) {
  Pipeline p;
  p.name = "colors";
  InputField color = CategoryField("color", {"red", "green", "blue"});
  color.on_invalid = ValuePolicy{ValuePolicyKind::kMissing, 0.0};
  p.inputs = {NumberField("a"), color};
  p.features = {"a", "color"};
  p.model.task = Task::kClustering;
  p.model.classes = {"warm", "cool"};
  ClusteringModel m;
  m.measure = measure;
  m.compare = {CompareFunction::kAbsDiff, CompareFunction::kTable};
  m.field_weights = {1.0, 2.0};
  m.tables = {CompareTable{},
              CompareTable{.levels = {"red", "green", "blue"}, .values = {0, 1, 4,  //
                                                                          3, 0, 2,  //
                                                                          5, 2, 0}}};
  m.centers = {0, 0,   // warm: a = 0, red
               3, 2};  // cool: a = 3, blue
  p.model.body = std::move(m);
  return p;
}

TEST(ClusteringEngineTest, TableCompareMatchesReference) {
  struct Case {
    ClusterMeasure measure;
    std::vector<std::string> row;
    std::vector<double> values;
    int32_t label;
  };
  const std::vector<Case> cases = {
      // green vs red is 3 (row green, column red), green vs blue 2; weight 2.
      {ClusterMeasure::kCityBlock, {"1", "green"}, {1 + 2 * 3, 2 + 2 * 2}, 1},
      {ClusterMeasure::kSquaredEuclidean, {"1", "green"}, {1 + 2 * 9, 4 + 2 * 4}, 1},
      {ClusterMeasure::kChebychev, {"1", "blue"}, {2 * 5, 2}, 1},
      {ClusterMeasure::kEuclidean, {"2", "red"}, {2, std::sqrt(1 + 2 * 16)}, 0},
      // Missing, or invalid and so missing: a alone, scaled by 2 / 1.
      {ClusterMeasure::kCityBlock, {"1", ""}, {2 * 1, 2 * 2}, 0},
      {ClusterMeasure::kCityBlock, {"1", "purple"}, {2 * 1, 2 * 2}, 0},
      {ClusterMeasure::kCityBlock, {"", "blue"}, {2 * 2 * 5, 0}, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(ClusterMeasureName(c.measure)) + " " + c.row[0] + "," + c.row[1]);
    const Pipeline pipeline = TableClusters(c.measure);
    auto plan = MustCompile(pipeline);
    ASSERT_NE(plan, nullptr);
    Result<Prediction> engine = Score(*plan, Row(c.row));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    ASSERT_EQ(engine->values.size(), 2u);
    for (size_t k = 0; k < 2; ++k) EXPECT_DOUBLE_EQ(engine->values[k], c.values[k]) << k;
    EXPECT_EQ(engine->label, c.label);
    Result<Prediction> reference = reference::ScoreRow(pipeline, Row(c.row));
    ASSERT_TRUE(reference.ok()) << reference.status().ToString();
    EXPECT_TRUE(SameValues(engine->values, reference->values));
    EXPECT_EQ(engine->label, reference->label);
  }
}

TEST(ClusteringEngineTest, ExplanationsAreRefused) {
  auto plan = MustCompile(Clusters(Distance(ClusterMeasure::kEuclidean), {"k0", "k1", "k2"}));
  ASSERT_NE(plan, nullptr);
  EXPECT_FALSE(plan->can_explain());
  Result<Prediction> p = Score(*plan, Row({"1", "2", "1"}), /*explain=*/true);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(p.status().message().find("a clustering model has no reason codes"), std::string::npos);
  const std::vector<double> row = {1, 2, 1};
  auto scratch = plan->NewScratch();
  BatchResult batch;
  plan->ScoreBatch(row.data(), 1, *scratch, &batch, /*explain=*/true);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].status.code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace podium::engine
