// ScoreBatch against ScoreRow, and the engine against the reference scorer,
// on random rows with missing values, unknown levels and failing rows.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

#include "engine/engine.h"
#include "engine/test_util.h"
#include "reference/reference.h"

namespace podium::engine {
namespace {

using ::podium::engine::testing::CategoryField;
using ::podium::engine::testing::kNaN;
using ::podium::engine::testing::MustCompile;
using ::podium::engine::testing::NumberField;

bool Same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }
bool Near(double a, double b, double tolerance) {
  return (std::isnan(a) && std::isnan(b)) || std::fabs(a - b) <= tolerance;
}

Tree RandomTree(std::mt19937& rng, int num_features, int depth, const std::vector<int>& category_features,
                const std::vector<std::string>& levels, int output, int leaf_width) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Tree t;
  std::vector<int> depth_of = {0};
  t.feature = {-1};
  bool any_categorical = false;
  std::vector<std::vector<std::string>> cats = {{}};
  for (size_t i = 0; i < t.feature.size(); ++i) {
    if (depth_of[i] >= depth || (depth_of[i] > 1 && unit(rng) < 0.2)) continue;
    const int f = static_cast<int>(rng() % static_cast<uint32_t>(num_features));
    t.feature[i] = f;
    if (std::find(category_features.begin(), category_features.end(), f) != category_features.end()) {
      for (const std::string& level : levels) {
        if (unit(rng) < 0.5) cats[i].push_back(level);
      }
      if (cats[i].empty()) cats[i].push_back(levels[0]);
      any_categorical = true;
    }
    const int32_t child = static_cast<int32_t>(t.feature.size());
    t.feature.push_back(-1);
    t.feature.push_back(-1);
    cats.emplace_back();
    cats.emplace_back();
    depth_of.push_back(depth_of[i] + 1);
    depth_of.push_back(depth_of[i] + 1);
    (void)child;
  }
  const size_t n = t.feature.size();
  t.threshold.assign(n, 0.0);
  t.left.assign(n, -1);
  t.right.assign(n, -1);
  t.default_left.assign(n, 0);
  t.cover.assign(n, 0.0);
  t.leaf_width = leaf_width;
  t.output = output;
  t.leaf_values.assign(n * static_cast<size_t>(leaf_width), 0.0);
  int32_t next = 1;
  for (size_t i = 0; i < n; ++i) {
    if (t.feature[i] < 0) {
      for (int k = 0; k < leaf_width; ++k) t.leaf_values[i * static_cast<size_t>(leaf_width) + static_cast<size_t>(k)] = unit(rng) - 0.5;
      t.cover[i] = 1.0 + std::floor(unit(rng) * 50);
      continue;
    }
    t.threshold[i] = cats[i].empty() ? unit(rng) * 2 - 1 : 0.0;
    t.default_left[i] = unit(rng) < 0.5;
    t.left[i] = next;
    t.right[i] = next + 1;
    next += 2;
  }
  for (size_t i = n; i-- > 0;) {
    if (t.feature[i] >= 0) t.cover[i] = t.cover[static_cast<size_t>(t.left[i])] + t.cover[static_cast<size_t>(t.right[i])];
  }
  if (any_categorical) t.category_levels = cats;
  return t;
}

// Inputs: a, b, c (numbers), color (open category), size (closed). Transforms
// of every kind; features include a one-hot with an error policy (rows with an
// unknown size fail), and rules on `score`.
Pipeline RandomPipeline(std::mt19937& rng, int variant) {
  Pipeline p;
  p.inputs = {NumberField("a"), NumberField("b"), NumberField("c"), CategoryField("color"),
              CategoryField("size", {"S", "M", "L", "XL"})};
  p.transforms = {
      ImputeTransform{"a", "a_i", ImputeStrategy::kMedian, 0.25},
      ClipTransform{"b", "b_c", -0.8, 0.8},
      StandardizeTransform{"c", "c_s", 0.1, 0.5},
      MathTransform{"a_i", "a_sq", MathFunction::kPower, 2.0},
      MathTransform{"c", "c_log", MathFunction::kLog, 1.0},
      BucketizeTransform{"b", "b_band", {-0.5, 0.0, 0.5}, variant % 2 == 0, {"lo", "mid", "hi", "top"}},
      OneHotTransform{"size", "size_", {"S", "M", "L"}, UnknownLevelPolicy::kError},
      OrdinalTransform{"color", "color_rank", {"red", "green", "blue"}, UnknownLevelPolicy::kIgnore, -1.0},
      DeriveTransform{"ab", "a_i * b_c + 1"},
      MinMaxTransform{"b", "b_mm", -1.0, 1.0, 0.0, 10.0},
      MathTransform{"c", "c_l1p", MathFunction::kLog1p, 1.0},
  };
  p.features = {"a_i", "b_c", "c_s", "a_sq", "c_log", "size_S", "size_M", "size_L", "color_rank", "ab",
                "b_mm", "c_l1p"};
  const std::vector<std::string> classes3 = {"x", "y", "z"};
  if (variant < 4) {
    // Trees; variants 2-3 add a categorical feature.
    std::vector<int> categorical;
    std::vector<std::string> levels;
    if (variant >= 2) {
      p.features.push_back("color");
      p.features.push_back("b_band");
      categorical = {12, 13};
      levels = {"red", "green", "blue", "lo", "mid", "hi", "top"};
    }
    TreeEnsembleModel e;
    const bool multiclass = variant == 1 || variant == 3;
    e.num_outputs = multiclass ? 3 : 1;
    e.base_score.assign(static_cast<size_t>(e.num_outputs), 0.2);
    e.output_transform = multiclass ? OutputTransform::kSoftmax : OutputTransform::kLogistic;
    e.precision = variant % 2 == 0 ? NumericPrecision::kFloat32 : NumericPrecision::kFloat64;
    for (int t = 0; t < 37; ++t) {
      e.trees.push_back(RandomTree(rng, static_cast<int>(p.features.size()), 1 + t % 7, categorical, levels,
                                   multiclass ? t % 3 : 0, 1));
    }
    p.model.task = Task::kClassification;
    p.model.classes = multiclass ? classes3 : std::vector<std::string>{"no", "yes"};
    p.model.body = e;
  } else if (variant == 4) {
    // Random forest of vector leaves, averaged.
    TreeEnsembleModel e;
    e.num_outputs = 3;
    e.base_score = {0.0, 0.1, 0.0};
    e.aggregation = Aggregation::kAverage;
    for (int t = 0; t < 11; ++t) {
      e.trees.push_back(RandomTree(rng, static_cast<int>(p.features.size()), 6, {}, {}, 0, 3));
    }
    p.model.task = Task::kClassification;
    p.model.classes = classes3;
    p.model.body = e;
  } else {
    GlmModel glm;
    glm.family = GlmFamily::kBinomial;
    glm.link = LinkFunction::kLogit;
    glm.intercepts = {0.3};
    std::uniform_real_distribution<double> unit(-1.0, 1.0);
    for (size_t j = 0; j < p.features.size(); ++j) glm.coefficients.push_back(unit(rng));
    glm.feature_means.assign(p.features.size(), 0.1);
    p.model.task = Task::kClassification;
    p.model.classes = {"no", "yes"};
    p.model.body = glm;
  }
  p.post.rules = {
      BusinessRule{"hi", "score > 0.6", RuleAction::kAnnotate, "", "high"},
      BusinessRule{"red", "color == \"red\" and a > 0", RuleAction::kOverride, "red_case", ""},
      BusinessRule{"low", "score < 0.2", RuleAction::kOverride, "low_case", ""},
      BusinessRule{"mid", "b_band == \"mid\"", RuleAction::kAnnotate, "", "mid"},
  };
  return p;
}

struct RawRow {
  std::vector<std::string> text;  // storage for category values
  std::vector<RawValue> values;
};

RawRow RandomRaw(std::mt19937& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  static const char* kColors[] = {"red", "green", "blue", "mauve"};
  static const char* kSizes[] = {"S", "M", "L", "XL"};
  RawRow row;
  row.text = {kColors[rng() % 4], kSizes[rng() % 4]};
  for (int i = 0; i < 3; ++i) {
    row.values.push_back(unit(rng) < 0.1 ? RawValue::Missing() : RawValue::Number(unit(rng) * 2 - 1));
  }
  row.values.push_back(unit(rng) < 0.1 ? RawValue::Missing() : RawValue::Text(row.text[0]));
  // XL is a level of the field but not of the one-hot: those rows fail.
  row.values.push_back(unit(rng) < 0.1 ? RawValue::Missing() : RawValue::Text(row.text[1]));
  return row;
}

TEST(BatchTest, BatchEqualsRowByRowOnRandomPipelines) {
  std::mt19937 rng(42);
  for (int variant = 0; variant < 6; ++variant) {
    SCOPED_TRACE("variant " + std::to_string(variant));
    auto plan = MustCompile(RandomPipeline(rng, variant));
    ASSERT_NE(plan, nullptr);
    const size_t rows = 1000;  // not a multiple of the block size
    const size_t ni = static_cast<size_t>(plan->num_inputs());
    std::vector<double> encoded(rows * ni);
    for (size_t r = 0; r < rows; ++r) {
      RawRow raw = RandomRaw(rng);
      ASSERT_TRUE(plan->EncodeRow(raw.values.data(), encoded.data() + r * ni).ok());
    }
    auto scratch = plan->NewScratch();
    for (bool explain : {false, true}) {
      BatchResult batch;
      plan->ScoreBatch(encoded.data(), rows, *scratch, &batch, explain);
      ASSERT_EQ(batch.rows, rows);
      const size_t k = static_cast<size_t>(plan->num_values());
      const size_t f = plan->feature_names().size();
      size_t next_error = 0;
      size_t failures = 0;
      Prediction p;
      for (size_t r = 0; r < rows; ++r) {
        Status status = plan->ScoreRow(encoded.data() + r * ni, *scratch, &p, explain);
        if (!status.ok()) {
          ++failures;
          ASSERT_LT(next_error, batch.errors.size());
          EXPECT_EQ(batch.errors[next_error].row, r);
          EXPECT_EQ(batch.errors[next_error].status, status);
          ++next_error;
          EXPECT_EQ(batch.labels[r], -1);
          EXPECT_TRUE(std::isnan(batch.values[r * k]));
          EXPECT_EQ(batch.fired_offsets[r], batch.fired_offsets[r + 1]);
          continue;
        }
        for (size_t i = 0; i < k; ++i) ASSERT_TRUE(Same(batch.values[r * k + i], p.values[i])) << "row " << r;
        EXPECT_EQ(batch.labels[r], p.label);
        EXPECT_EQ(batch.decisions[r], p.decision);
        std::vector<int32_t> fired(batch.fired_rules.begin() + batch.fired_offsets[r],
                                   batch.fired_rules.begin() + batch.fired_offsets[r + 1]);
        EXPECT_EQ(fired, p.fired_rules) << "row " << r;
        if (explain) {
          ASSERT_EQ(p.contributions.size(), f + 1);
          for (size_t j = 0; j <= f; ++j) {
            ASSERT_TRUE(Same(batch.contributions[r * (f + 1) + j], p.contributions[j].value)) << "row " << r;
          }
        }
      }
      EXPECT_EQ(next_error, batch.errors.size());
      EXPECT_GT(failures, 10u);  // the XL rows
      EXPECT_LT(failures, 300u);
    }
  }
}

// Small batches mix the block kernel (whole groups of rows) with the
// single-row walk (the rest); every split gives the row-by-row answers.
TEST(BatchTest, SmallBatchesEqualRowByRow) {
  std::mt19937 rng(7);
  for (int variant = 0; variant < 6; ++variant) {
    SCOPED_TRACE("variant " + std::to_string(variant));
    auto plan = MustCompile(RandomPipeline(rng, variant));
    ASSERT_NE(plan, nullptr);
    const size_t ni = static_cast<size_t>(plan->num_inputs());
    const size_t k = static_cast<size_t>(plan->num_values());
    auto scratch = plan->NewScratch();
    for (size_t rows : {1, 2, 15, 16, 17, 33}) {
      std::vector<double> encoded(rows * ni);
      for (size_t r = 0; r < rows; ++r) {
        RawRow raw = RandomRaw(rng);
        ASSERT_TRUE(plan->EncodeRow(raw.values.data(), encoded.data() + r * ni).ok());
      }
      BatchResult batch;
      plan->ScoreBatch(encoded.data(), rows, *scratch, &batch);
      Prediction p;
      for (size_t r = 0; r < rows; ++r) {
        if (!plan->ScoreRow(encoded.data() + r * ni, *scratch, &p).ok()) continue;
        for (size_t i = 0; i < k; ++i) {
          ASSERT_TRUE(Same(batch.values[r * k + i], p.values[i])) << rows << " rows, row " << r;
        }
        EXPECT_EQ(batch.labels[r], p.label);
      }
    }
  }
}

TEST(BatchTest, AgreesWithReferenceScorer) {
  std::mt19937 rng(4242);
  for (int variant = 0; variant < 6; ++variant) {
    SCOPED_TRACE("variant " + std::to_string(variant));
    Pipeline pipeline = RandomPipeline(rng, variant);
    auto plan = MustCompile(pipeline);
    ASSERT_NE(plan, nullptr);
    auto scratch = plan->NewScratch();
    for (int r = 0; r < 200; ++r) {
      RawRow raw = RandomRaw(rng);
      std::vector<double> encoded(static_cast<size_t>(plan->num_inputs()));
      ASSERT_TRUE(plan->EncodeRow(raw.values.data(), encoded.data()).ok());
      Prediction mine;
      Status status = plan->ScoreRow(encoded.data(), *scratch, &mine, false);
      Result<Prediction> theirs = reference::ScoreRow(pipeline, raw.values, false);
      ASSERT_EQ(status.ok(), theirs.ok()) << status.ToString() << " vs " << theirs.status().ToString();
      if (!status.ok()) {
        EXPECT_EQ(status.code(), theirs.status().code());
        continue;
      }
      ASSERT_EQ(mine.values.size(), theirs->values.size());
      for (size_t i = 0; i < mine.values.size(); ++i) {
        EXPECT_TRUE(Near(mine.values[i], theirs->values[i], 1e-12)) << "row " << r << ": " << mine.values[i]
                                                                    << " vs " << theirs->values[i];
      }
      EXPECT_EQ(mine.label, theirs->label) << "row " << r;
      EXPECT_EQ(mine.decision, theirs->decision) << "row " << r;
      EXPECT_EQ(mine.fired_rules, theirs->fired_rules) << "row " << r;
      if (r < 15) {
        // Explanations: TreeSHAP here, brute-force Shapley values there.
        ASSERT_TRUE(plan->ScoreRow(encoded.data(), *scratch, &mine, true).ok());
        Result<Prediction> explained = reference::ScoreRow(pipeline, raw.values, true);
        ASSERT_TRUE(explained.ok()) << explained.status().ToString();
        ASSERT_EQ(mine.contributions.size(), explained->contributions.size());
        for (size_t j = 0; j < mine.contributions.size(); ++j) {
          EXPECT_EQ(mine.contributions[j].feature, explained->contributions[j].feature);
          EXPECT_TRUE(Near(mine.contributions[j].value, explained->contributions[j].value, 1e-9))
              << "row " << r << " contribution " << j << ": " << mine.contributions[j].value << " vs "
              << explained->contributions[j].value;
        }
      }
    }
  }
}

TEST(BatchTest, ThreadsShareOnePlan) {
  std::mt19937 rng(1);
  auto plan = MustCompile(RandomPipeline(rng, 0));
  ASSERT_NE(plan, nullptr);
  const size_t rows = 4000;
  const size_t ni = static_cast<size_t>(plan->num_inputs());
  std::vector<double> encoded(rows * ni);
  for (size_t r = 0; r < rows; ++r) {
    RawRow raw = RandomRaw(rng);
    ASSERT_TRUE(plan->EncodeRow(raw.values.data(), encoded.data() + r * ni).ok());
  }
  BatchResult whole;
  plan->ScoreBatch(encoded.data(), rows, *plan->NewScratch(), &whole);
  BatchResult halves[2];
  std::thread workers[2];
  for (int i = 0; i < 2; ++i) {
    workers[i] = std::thread([&, i] {
      auto scratch = plan->NewScratch();
      plan->ScoreBatch(encoded.data() + static_cast<size_t>(i) * (rows / 2) * ni, rows / 2, *scratch, &halves[i]);
    });
  }
  for (std::thread& w : workers) w.join();
  for (size_t r = 0; r < rows; ++r) {
    const BatchResult& half = halves[r / (rows / 2)];
    const size_t hr = r % (rows / 2);
    EXPECT_TRUE(Same(whole.values[r * 2 + 1], half.values[hr * 2 + 1]));
    EXPECT_EQ(whole.labels[r], half.labels[hr]);
  }
}

TEST(BatchTest, EmptyBatch) {
  std::mt19937 rng(3);
  auto plan = MustCompile(RandomPipeline(rng, 0));
  BatchResult out;
  out.errors.push_back({});
  plan->ScoreBatch(nullptr, 0, *plan->NewScratch(), &out);
  EXPECT_EQ(out.rows, 0u);
  EXPECT_TRUE(out.values.empty());
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(out.fired_offsets, (std::vector<uint32_t>{0}));
}

}  // namespace
}  // namespace podium::engine
