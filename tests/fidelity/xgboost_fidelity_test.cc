// XGBoost fidelity: Podium must score imported XGBoost models exactly as
// XGBoost does. The oracle is XGBoost itself: tests/fidelity/xgboost/
// generate.py (a ctest fixture) trains models with fixed seeds and records
// Booster.predict() and predict(pred_contribs=True) on >= 10,000 rows with
// ~5% missing cells and ~5% of rows holding a feature exactly at one of the
// model's split thresholds. Each model is imported with ImportXgboostJson and
// scored by
//   * the compiled engine, row by row (ScoreRow, explain = true) and as one
//     batch (ScoreBatch, explain = true): values and contributions, every row;
//   * the reference scorer: values on every row, and its brute-force Shapley
//     values on a sample of rows.
//
// Tolerances:
//   * Values: |podium - xgboost| <= 1e-6 * max(|xgboost|, FLT_MIN). XGBoost
//     computes the margin in float (the IR's kFloat32 reproduces that sum bit
//     for bit) and then the output transform in float (sigmoid, softmax, exp:
//     a few float ulps, i.e. a relative error of at most ~5e-7), while Podium
//     applies the transform to the same float margin in double. So the
//     difference is relative to the value and 1e-6 covers a handful of float
//     ulps. The floor FLT_MIN (1.2e-38) only matters below float's normal
//     range, where XGBoost's float result is denormal and has no relative
//     precision left; no value in these data sets comes near it.
//     dart models are held to the same bound: their leaf values are scaled
//     by weight_drop in float at import, which XGBoost's sum reproduces.
//   * Contributions: |podium - xgboost| <= 1e-5 on the margin scale, absolute.
//     XGBoost runs TreeSHAP in float; Podium in double; both are the same
//     algorithm on the same float tree, so differences are float rounding
//     accumulated over a few dozen trees.
//   * multi:softmax: XGBoost's predict() returns the arg max class; Podium's
//     label must equal it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/status.h"
#include "formats/xgboost.h"
#include "pipeline/input.h"
#include "pipeline/pipeline.h"
#include "pipeline/prediction.h"
#include "pipeline/validate.h"
#if PODIUM_FIDELITY_HAS_ENGINE
#include "engine/engine.h"
#endif
#if PODIUM_FIDELITY_HAS_REFERENCE
#include "reference/reference.h"
#endif

namespace podium {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr double kValueRelTolerance = 1e-6;
constexpr double kValueFloor = FLT_MIN;
constexpr double kContribAbsTolerance = 1e-5;
constexpr size_t kMinimumRows = 10'000;
// Rows explained by the reference scorer's brute-force Shapley values (2^k
// subsets per tree for a tree using k features): every 10th row of models
// with at most 10 features, every 100th of wider ones.
size_t ReferenceShapStride(size_t features) { return features <= 10 ? 10 : 100; }

// The models generate.py writes. The churn model needs the demo data set.
const char* const kModels[] = {
    "binary_logistic",
    "binary_logitraw",
    "reg_logistic",
    "reg_squarederror",
    "reg_pseudohubererror",
    "reg_absoluteerror",
    "reg_squaredlogerror",
    "multi_softprob",
    "multi_softmax",
    "count_poisson",
    "reg_gamma",
    "reg_tweedie",
    "dart_binary_logistic",
    "categorical_binary_logistic",
    "churn_binary_logistic",
};

fs::path DataDir() { return fs::path(PODIUM_XGB_FIDELITY_DIR); }

std::vector<std::string> SplitLine(const std::string& line) {
  std::vector<std::string> cells(1);
  for (char c : line) {
    if (c == ',') {
      cells.emplace_back();
    } else if (c != '\r') {
      cells.back() += c;
    }
  }
  return cells;
}

// A CSV file as rows of cells (generate.py never quotes).
std::vector<std::vector<std::string>> ReadCsv(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(SplitLine(line));
  }
  return rows;
}

std::vector<std::vector<double>> ReadNumbers(const fs::path& path) {
  std::vector<std::vector<double>> rows;
  for (const auto& cells : ReadCsv(path)) {
    std::vector<double> row;
    for (const std::string& cell : cells) row.push_back(std::stod(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

struct Case {
  std::string name;
  Json manifest;
  Pipeline pipeline;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // cells; "" = missing
  std::vector<std::vector<double>> predictions;
  std::vector<std::vector<double>> contribs;  // classes x (features + 1), class-major
  bool label_only = false;                    // multi:softmax
};

// Loads a case; returns false if it cannot, with a failure recorded or, when
// the case is legitimately absent, a reason to skip in *skip.
bool LoadCase(const std::string& name, Case* out, std::string* skip) {
  const fs::path dir = DataDir() / name;
  if (!fs::exists(dir / "model.json")) {
    if (name == "churn_binary_logistic" &&
        !fs::exists(fs::path(PODIUM_SOURCE_DIR) / "data" / "demo" / "mlc_churn.csv")) {
      *skip = "data/demo/mlc_churn.csv is absent, so generate.py made no churn model";
      return false;
    }
    ADD_FAILURE() << "missing " << (dir / "model.json") << ": run the xgboost_fidelity_generate fixture";
    return false;
  }
  Result<std::string> manifest_text = ReadFileToString((DataDir() / "manifest.json").string());
  if (!manifest_text.ok()) {
    ADD_FAILURE() << manifest_text.status().ToString();
    return false;
  }
  const Json manifest = Json::parse(*manifest_text);
  for (const Json& entry : manifest["models"]) {
    if (entry["name"] == name) out->manifest = entry;
  }
  if (out->manifest.is_null()) {
    ADD_FAILURE() << name << " is not in manifest.json";
    return false;
  }
  Result<std::string> model = ReadFileToString((dir / "model.json").string());
  if (!model.ok()) {
    ADD_FAILURE() << model.status().ToString();
    return false;
  }
  XgboostImportOptions options;
  options.name = name;
  Result<Pipeline> pipeline = ImportXgboostJson(*model, options);
  if (!pipeline.ok()) {
    ADD_FAILURE() << name << ": import failed: " << pipeline.status().ToString();
    return false;
  }
  out->name = name;
  out->pipeline = std::move(pipeline).value();
  auto csv = ReadCsv(dir / "data.csv");
  if (csv.empty()) {
    ADD_FAILURE() << "empty data.csv";
    return false;
  }
  out->header = csv.front();
  out->rows.assign(csv.begin() + 1, csv.end());
  out->predictions = ReadNumbers(dir / "predictions.csv");
  out->contribs = ReadNumbers(dir / "contribs.csv");
  out->label_only = out->manifest["objective"] == "multi:softmax";
  EXPECT_EQ(out->header, out->pipeline.features);
  EXPECT_EQ(out->predictions.size(), out->rows.size());
  EXPECT_EQ(out->contribs.size(), out->rows.size());
  // The churn data set has 5,000 rows; the synthetic ones have kMinimumRows.
  if (name != "churn_binary_logistic") {
    EXPECT_GE(out->rows.size(), kMinimumRows);
  }
  return !testing::Test::HasFailure();
}

// Which Podium value corresponds to XGBoost's prediction column `k`: a
// single-logistic classifier reports {1 - p, p} and XGBoost reports p.
size_t PodiumValueIndex(const Pipeline& pipeline, size_t k) {
  const auto& ensemble = std::get<TreeEnsembleModel>(pipeline.model.body);
  return ensemble.output_transform == OutputTransform::kLogistic ? 1 : k;
}

int NumFeatures(const Case& c) { return static_cast<int>(c.pipeline.features.size()); }

// Largest allowed |podium - xgboost| for value `expected`.
double ValueAllowance(double expected) {
  return kValueRelTolerance * std::max(std::fabs(expected), kValueFloor);
}

// Running maxima, printed per model and scorer.
struct Stats {
  size_t rows = 0;
  size_t explained_rows = 0;
  double max_value_rel = 0.0;
  double max_value_abs = 0.0;
  double max_contrib_abs = 0.0;
  size_t failures = 0;

  void Report(const std::string& model, const std::string& scorer) const {
    std::cout << "[fidelity] model=" << model << " scorer=" << scorer << " rows=" << rows
              << " explained_rows=" << explained_rows << " max_value_rel_diff=" << max_value_rel
              << " max_value_abs_diff=" << max_value_abs << " max_contrib_abs_diff=" << max_contrib_abs
              << std::endl;
  }
};

constexpr size_t kMaxReportedFailures = 10;

// Compares one row's values (and label) with XGBoost's.
void CompareValues(const Case& c, size_t row, const double* values, int32_t label, Stats* stats) {
  const std::vector<double>& expected = c.predictions[row];
  if (c.label_only) {
    if (label != static_cast<int32_t>(expected[0]) && ++stats->failures <= kMaxReportedFailures) {
      ADD_FAILURE() << c.name << " row " << row << ": label " << label << ", XGBoost predicts "
                    << expected[0];
    }
    return;
  }
  for (size_t k = 0; k < expected.size(); ++k) {
    const double actual = values[PodiumValueIndex(c.pipeline, k)];
    const double diff = std::fabs(actual - expected[k]);
    stats->max_value_abs = std::max(stats->max_value_abs, diff);
    stats->max_value_rel =
        std::max(stats->max_value_rel, diff / std::max(std::fabs(expected[k]), kValueFloor));
    if (!(diff <= ValueAllowance(expected[k])) && ++stats->failures <= kMaxReportedFailures) {
      ADD_FAILURE() << c.name << " row " << row << " value " << k << ": podium " << actual << ", xgboost "
                    << expected[k] << " (diff " << diff << ")";
    }
  }
}

// Compares one row's contributions (features then bias, for the explained
// output) with XGBoost's block for that output.
void CompareContribs(const Case& c, size_t row, const double* contribs, int32_t label, Stats* stats) {
  const size_t width = static_cast<size_t>(NumFeatures(c)) + 1;
  const std::vector<double>& all = c.contribs[row];
  const size_t blocks = all.size() / width;
  size_t block = 0;
  if (blocks > 1) {
    if (label < 0 || static_cast<size_t>(label) >= blocks) {
      ADD_FAILURE() << c.name << " row " << row << ": label " << label << " out of range";
      return;
    }
    block = static_cast<size_t>(label);
  }
  ++stats->explained_rows;
  for (size_t j = 0; j < width; ++j) {
    const double expected = all[block * width + j];
    const double diff = std::fabs(contribs[j] - expected);
    stats->max_contrib_abs = std::max(stats->max_contrib_abs, diff);
    if (!(diff <= kContribAbsTolerance) && ++stats->failures <= kMaxReportedFailures) {
      ADD_FAILURE() << c.name << " row " << row << " contribution " << (j + 1 == width ? "bias" : c.header[j])
                    << ": podium " << contribs[j] << ", xgboost " << expected << " (diff " << diff << ")";
    }
  }
}

std::vector<double> ContributionValues(const Prediction& prediction, int num_features) {
  // Prediction::contributions: one entry per feature plus the bias (last).
  std::vector<double> out(static_cast<size_t>(num_features) + 1, 0.0);
  for (const Contribution& c : prediction.contributions) {
    const size_t index = c.feature < 0 ? static_cast<size_t>(num_features) : static_cast<size_t>(c.feature);
    if (index < out.size()) out[index] += c.value;
  }
  return out;
}

class XgboostFidelityTest : public testing::TestWithParam<const char*> {};

// Declares `Case c` loaded for this test's model, or ends the test.
#define LOAD_CASE_OR_RETURN(c)                 \
  Case c;                                      \
  do {                                         \
    std::string skip;                          \
    if (!LoadCase(GetParam(), &c, &skip)) {    \
      if (!skip.empty()) GTEST_SKIP() << skip; \
      return;                                  \
    }                                          \
  } while (false)

TEST_P(XgboostFidelityTest, ImportedPipelineIsValid) {
  LOAD_CASE_OR_RETURN(c);
  EXPECT_TRUE(ValidatePipeline(c.pipeline).ok());
  EXPECT_EQ(c.pipeline.source, "xgboost 1.7.4 " + c.manifest["objective"].get<std::string>() + " " +
                                   c.manifest["booster"].get<std::string>());
  EXPECT_EQ(std::get<TreeEnsembleModel>(c.pipeline.model.body).trees.size(),
            c.manifest["trees"].get<size_t>());
}

#if PODIUM_FIDELITY_HAS_ENGINE
Result<std::vector<double>> EncodeRows(const engine::ScoringPlan& plan, const Case& c) {
  const size_t inputs = static_cast<size_t>(plan.num_inputs());
  std::vector<double> encoded(c.rows.size() * inputs);
  for (size_t r = 0; r < c.rows.size(); ++r) {
    if (c.rows[r].size() != inputs) {
      return InvalidArgumentError("row " + std::to_string(r) + " has " + std::to_string(c.rows[r].size()) +
                                  " cells");
    }
    for (size_t i = 0; i < inputs; ++i) {
      Result<double> value = plan.EncodeInput(static_cast<int>(i), RawValue::Text(c.rows[r][i]));
      if (!value.ok()) return value.status().WithContext("row " + std::to_string(r));
      encoded[r * inputs + i] = *value;
    }
  }
  return encoded;
}

TEST_P(XgboostFidelityTest, EngineScoreRowMatchesXgboost) {
  LOAD_CASE_OR_RETURN(c);
  Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(c.pipeline);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_TRUE((*plan)->can_explain());
  Result<std::vector<double>> encoded = EncodeRows(**plan, c);
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  std::unique_ptr<engine::Scratch> scratch = (*plan)->NewScratch();
  const size_t inputs = static_cast<size_t>((*plan)->num_inputs());
  Stats stats;
  Prediction prediction;
  for (size_t r = 0; r < c.rows.size(); ++r) {
    const Status status =
        (*plan)->ScoreRow(encoded->data() + r * inputs, *scratch, &prediction, /*explain=*/true);
    ASSERT_TRUE(status.ok()) << "row " << r << ": " << status.ToString();
    ++stats.rows;
    CompareValues(c, r, prediction.values.data(), prediction.label, &stats);
    const std::vector<double> contribs = ContributionValues(prediction, NumFeatures(c));
    CompareContribs(c, r, contribs.data(), prediction.label, &stats);
  }
  stats.Report(c.name, "engine.ScoreRow");
  EXPECT_EQ(stats.failures, 0u);
}

TEST_P(XgboostFidelityTest, EngineScoreBatchMatchesXgboost) {
  LOAD_CASE_OR_RETURN(c);
  Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(c.pipeline);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  Result<std::vector<double>> encoded = EncodeRows(**plan, c);
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  std::unique_ptr<engine::Scratch> scratch = (*plan)->NewScratch();
  engine::BatchResult batch;
  (*plan)->ScoreBatch(encoded->data(), c.rows.size(), *scratch, &batch, /*explain=*/true);
  ASSERT_TRUE(batch.errors.empty()) << batch.errors.front().status.ToString();
  ASSERT_EQ(batch.rows, c.rows.size());
  const size_t k = static_cast<size_t>(batch.num_values);
  const size_t width = static_cast<size_t>(NumFeatures(c)) + 1;
  ASSERT_EQ(batch.contributions.size(), c.rows.size() * width);
  Stats stats;
  for (size_t r = 0; r < c.rows.size(); ++r) {
    ++stats.rows;
    CompareValues(c, r, batch.values.data() + r * k, batch.labels[r], &stats);
    CompareContribs(c, r, batch.contributions.data() + r * width, batch.labels[r], &stats);
  }
  stats.Report(c.name, "engine.ScoreBatch");
  EXPECT_EQ(stats.failures, 0u);
}
#else
TEST_P(XgboostFidelityTest, EngineScoreRowMatchesXgboost) {
  GTEST_SKIP() << "built without the engine module (no podium_engine target)";
}
#endif

#if PODIUM_FIDELITY_HAS_REFERENCE
std::vector<RawValue> RawRow(const std::vector<std::string>& cells) {
  std::vector<RawValue> raw;
  raw.reserve(cells.size());
  for (const std::string& cell : cells) raw.push_back(RawValue::Text(cell));
  return raw;
}

TEST_P(XgboostFidelityTest, ReferenceMatchesXgboost) {
  LOAD_CASE_OR_RETURN(c);
  Stats stats;
  for (size_t r = 0; r < c.rows.size(); ++r) {
    // Explanations by brute force on a sample of rows; values on all.
    const bool explain = r % ReferenceShapStride(c.pipeline.features.size()) == 0;
    Result<Prediction> prediction = reference::ScoreRow(c.pipeline, RawRow(c.rows[r]), explain);
    ASSERT_TRUE(prediction.ok()) << "row " << r << ": " << prediction.status().ToString();
    ++stats.rows;
    CompareValues(c, r, prediction->values.data(), prediction->label, &stats);
    if (explain) {
      const std::vector<double> contribs = ContributionValues(*prediction, NumFeatures(c));
      CompareContribs(c, r, contribs.data(), prediction->label, &stats);
    }
  }
  stats.Report(c.name, "reference");
  EXPECT_EQ(stats.failures, 0u);
}
#else
TEST_P(XgboostFidelityTest, ReferenceMatchesXgboost) {
  GTEST_SKIP() << "built without the reference module (no podium_reference target)";
}
#endif

INSTANTIATE_TEST_SUITE_P(Models, XgboostFidelityTest, testing::ValuesIn(kModels),
                         [](const testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param);
                         });

}  // namespace
}  // namespace podium
