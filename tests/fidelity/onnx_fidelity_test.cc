// ONNX fidelity: Podium must score imported ONNX models as onnxruntime does.
// The oracle is onnxruntime itself (npm onnxruntime-node 1.30.0, CPU): the
// models in tests/fidelity/onnx were written by generate.py (Debian's
// python3-onnx, graphs built by hand with onnx.helper) and their outputs
// recorded by run_oracle.js into <model>.expected.csv; all are committed.
// The ctest test onnx_fidelity_oracle re-runs both scripts when node and
// onnxruntime-node are installed, so the committed outputs cannot drift.
//
// Each model is loaded as a user would (app::ScoreFile on the .onnx file and
// its input CSV, 1,200 rows) and every output compared by position: the
// label exactly, numbers within the model's tolerance
//   |podium - onnxruntime| <= abs + rel * |onnxruntime|
// onnxruntime computes in float32 (inputs, matrix products, tree sums,
// logistic and softmax); Podium computes transforms and GLMs in double from
// the same float inputs and parameters, and sums trees in float32 in a
// different order (base value first). So:
//   * trees: the same leaves are chosen (exact float comparisons, every
//     BRANCH_* mode and missing-value direction mapped exactly); the sums
//     differ by float rounding: abs 1e-5 (sums of 24 leaves up to ~10 in
//     magnitude; a different leaf would move a value by 1e-3 or more);
//   * linear models and MLPs: float32 dot products against double ones,
//     1e-5 relative plus 1e-5 absolute for values near zero;
//   * SVMs: kernel values in float; the degree-3 POLY kernel cubes float dot
//     products and sums 25 terms of up to a few hundred: abs 1e-3;
//   * probabilities: abs 1e-6 (onnxruntime's float logistic computes
//     1 - 1/(1 + exp(s)) for negative scores, which loses relative precision
//     for tiny probabilities);
//   * SVM classifiers with support vectors: Podium's values are vote shares,
//     compared with the shares the signs of onnxruntime's decision values
//     give (Case::votes): exact, as are the labels;
//   * SVM classifiers with Platt scaling (Case::platt), two to four classes:
//     onnxruntime's probabilities (its float sigmoid and pairwise coupling
//     solver, spelled in float32 operations) as derived outputs of the same names, abs 1e-6
//     plus 1e-5 relative; labels exact (the vote, not the arg max).
// Missing values (8-10% of cells for the tree and preprocessing models) must
// be missing on both sides or on neither.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/app.h"
#include "pipeline/pipeline.h"

namespace podium {
namespace {

const std::string kModels = std::string(PODIUM_SOURCE_DIR) + "/tests/fidelity/onnx";

struct Tolerance {
  double abs;
  double rel;
};

struct Case {
  std::string name;
  Tolerance tolerance;
  // onnxruntime's second output holds an SVMClassifier's one-vs-one decision
  // values d (pairs (0,1), (0,2), ..., (1,2), ...; [-d, d] for two classes)
  // and Podium's value columns the vote shares they give: a pair's vote goes
  // to its first class when d > 0, else (NaN included) to its second.
  // (onnxruntime votes on the double sum and writes it rounded to float; the
  // sign is the same unless |d| < 1e-45.)
  bool votes = false;
  // An SVMClassifier with prob_a/prob_b: onnxruntime's second output
  // holds its Platt probabilities, which Podium writes as derived outputs
  // under the same names (the value columns are the vote shares, whose arg
  // max is the label).
  bool platt = false;
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

// Per model: see the header comment for where each bound comes from.
const std::vector<Case> kCases = {
    {"tree_regressor", {1e-5, 1e-6}},
    {"tree_regressor_average", {1e-6, 1e-6}},
    {"tree_binary", {1e-6, 1e-6}},
    {"tree_multiclass", {1e-6, 1e-6}},
    {"tree_forest", {1e-6, 1e-6}},
    {"linear_regressor", {1e-5, 1e-5}},
    {"linear_binary", {1e-6, 1e-5}},
    {"linear_multiclass", {1e-6, 1e-5}},
    {"preprocessed_linear", {1e-6, 1e-5}},
    {"mlp_classifier", {1e-6, 1e-5}},
    {"mlp_regressor", {1e-5, 1e-5}},
    {"tree_equality", {1e-5, 1e-6}},
    {"categorical_trees", {1e-5, 1e-6}},
    {"tree_ensemble_v5", {1e-5, 1e-6}},
    {"svm_rbf", {1e-5, 1e-5}},
    {"svm_poly", {1e-3, 1e-5}},
    {"svm_sigmoid", {1e-5, 1e-5}},
    // Vote shares are fractions computed from the signs of the decisions.
    {"svc_binary_rbf", {1e-12, 0}, true},
    {"svc_multiclass_linear", {1e-12, 0}, true},
    {"svc_multiclass_poly", {1e-12, 0}, true},
    {"svc_multiclass_sigmoid", {1e-12, 0}, true},
    {"svc_linear_softmax", {1e-6, 1e-5}},
    // Float arithmetic spelled operation for operation; exp and the kernels
    // may differ from onnxruntime's by an ulp of float.
    {"svc_platt_linear", {1e-6, 1e-5}, false, true},
    {"svc_platt_rbf", {1e-6, 1e-5}, false, true},
    {"svc_platt_positive_a", {1e-6, 1e-5}, false, true},
    {"svc_platt_3_rbf", {1e-6, 1e-5}, false, true},
    {"svc_platt_4_linear", {1e-6, 1e-5}, false, true},
    {"svc_platt_4_rbf", {1e-6, 1e-5}, false, true},
};

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

Table ReadCsv(const std::string& path) {
  Table table;
  std::ifstream in(path);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    // n commas, n + 1 cells (a missing value is an empty cell, even alone).
    std::vector<std::string> cells(1);
    for (const char c : line) {
      if (c == ',') {
        cells.emplace_back();
      } else {
        cells.back() += c;
      }
    }
    // A lone missing value is written as "" (an empty line would be no row).
    for (std::string& cell : cells) {
      if (cell == "\"\"") cell.clear();
    }
    if (first) {
      table.header = cells;
      first = false;
    } else {
      table.rows.push_back(cells);
    }
  }
  return table;
}

size_t ColumnIndex(const Table& table, const std::string& name) {
  const auto it = std::find(table.header.begin(), table.header.end(), name);
  return it == table.header.end() ? table.header.size() : static_cast<size_t>(it - table.header.begin());
}

// onnxruntime's label and decision values as the label and the vote share of
// each class (see Case::votes).
Table VoteShares(const Table& decisions, size_t classes) {
  Table shares;
  shares.header = {"label"};
  for (size_t c = 0; c < classes; ++c) shares.header.push_back("votes_" + std::to_string(c));
  const size_t pairs = classes * (classes - 1) / 2;
  for (const std::vector<std::string>& row : decisions.rows) {
    std::vector<int> votes(classes, 0);
    size_t pair = 0;
    for (size_t i = 0; i + 1 < classes; ++i) {
      for (size_t j = i + 1; j < classes; ++j, ++pair) {
        // Columns: label, then the decisions ([-d, d] for two classes).
        const std::string& d = row.at(classes == 2 ? 2 : 1 + pair);
        ++votes[!d.empty() && std::stod(d) > 0 ? i : j];
      }
    }
    std::vector<std::string> cells = {row.at(0)};
    for (const int v : votes) {
      char text[32];
      std::snprintf(text, sizeof text, "%.17g", static_cast<double>(v) / static_cast<double>(pairs));
      cells.push_back(text);
    }
    shares.rows.push_back(std::move(cells));
  }
  return shares;
}

class OnnxFidelityTest : public testing::TestWithParam<Case> {};

TEST_P(OnnxFidelityTest, PodiumMatchesOnnxruntime) {
  const Case& c = GetParam();
  const std::string model_path = kModels + "/" + c.name + ".onnx";
  Result<app::LoadedModel> model = app::LoadModelFile(model_path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->format, app::ModelFormat::kOnnx);
  const Pipeline& pipeline = model->pipeline;

  const std::string out_dir = std::string(PODIUM_ONNX_FIDELITY_DIR);
  std::filesystem::create_directories(out_dir);
  app::ScoreRequest request;
  request.model_path = model_path;
  request.job.input_path = kModels + "/" + c.name + ".csv";
  request.job.output_path = out_dir + "/" + c.name + ".podium.csv";
  request.job.keep = jobs::ScoreFileOptions::Keep::kNone;
  Result<jobs::ScoreSummary> summary = app::ScoreFile(request);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();

  Table expected = ReadCsv(kModels + "/" + c.name + ".expected.csv");
  if (c.votes) {
    ASSERT_EQ(expected.header.at(0), "label");
    expected = VoteShares(expected, pipeline.model.classes.size());
  }
  const Table actual = ReadCsv(request.job.output_path);
  ASSERT_EQ(expected.rows.size(), 1200u);
  ASSERT_EQ(actual.rows.size(), expected.rows.size());

  // onnxruntime's numeric columns, in order, against Podium's value columns
  // (the graph's output names, one per class for probabilities).
  std::vector<size_t> expected_values;
  size_t expected_label = expected.header.size();
  for (size_t i = 0; i < expected.header.size(); ++i) {
    if (expected.header[i] == "label") {
      expected_label = i;
    } else {
      expected_values.push_back(i);
    }
  }
  std::vector<std::string> value_names = ValueColumnNames(pipeline);
  if (c.platt) {
    // The derived outputs, one per class in class order, as onnxruntime's
    // columns (<output>_<class label> against its <output>_<index>).
    value_names.clear();
    for (const DerivedOutput& output : pipeline.post.outputs) value_names.push_back(output.name);
  }
  ASSERT_EQ(value_names.size(), expected_values.size());
  std::vector<size_t> actual_values;
  for (const std::string& name : value_names) {
    actual_values.push_back(ColumnIndex(actual, name));
    ASSERT_LT(actual_values.back(), actual.header.size()) << "no column " << name;
  }
  if (pipeline.model.task == Task::kRegression) {
    // The value column is named after the graph output.
    EXPECT_EQ(value_names[0], expected.header[expected_values[0]]);
  }
  size_t actual_label = actual.header.size();
  if (expected_label < expected.header.size()) {
    actual_label = ColumnIndex(actual, LabelColumnName(pipeline));
    ASSERT_LT(actual_label, actual.header.size());
    EXPECT_EQ(LabelColumnName(pipeline), "label");
  }

  double max_abs = 0, max_rel = 0;
  size_t missing = 0;
  for (size_t r = 0; r < expected.rows.size(); ++r) {
    const auto& want = expected.rows[r];
    const auto& got = actual.rows[r];
    ASSERT_EQ(want.size(), expected.header.size()) << "row " << r + 1;
    ASSERT_EQ(got.size(), actual.header.size()) << "row " << r + 1;
    if (expected_label < expected.header.size()) {
      ASSERT_EQ(got[actual_label], want[expected_label]) << "row " << r + 1 << ": label";
    }
    for (size_t k = 0; k < expected_values.size(); ++k) {
      const std::string& w = want[expected_values[k]];
      const std::string& g = got[actual_values[k]];
      if (w.empty() || g.empty()) {
        ASSERT_EQ(w.empty(), g.empty()) << "row " << r + 1 << ", " << value_names[k] << ": onnxruntime '" << w
                                        << "', podium '" << g << "'";
        ++missing;
        continue;
      }
      const double e = std::stod(w);
      const double a = std::stod(g);
      const double diff = std::fabs(a - e);
      max_abs = std::max(max_abs, diff);
      if (e != 0) max_rel = std::max(max_rel, diff / std::fabs(e));
      ASSERT_LE(diff, c.tolerance.abs + c.tolerance.rel * std::fabs(e))
          << "row " << r + 1 << ", " << value_names[k] << ": onnxruntime " << w << ", podium " << g;
    }
  }
  std::cout << c.name << ": " << expected.rows.size() << " rows, max abs error " << max_abs
            << ", max rel error " << max_rel << ", missing values " << missing << "\n";
}

INSTANTIATE_TEST_SUITE_P(Models, OnnxFidelityTest, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

// Every model the generator lists is checked above.
TEST(OnnxFidelitySuite, EveryGeneratedModelIsChecked) {
  std::ifstream in(kModels + "/models.json");
  ASSERT_TRUE(in.good());
  const nlohmann::json models = nlohmann::json::parse(in);
  std::vector<std::string> listed;
  for (const auto& [name, spec] : models.items()) listed.push_back(name);
  std::vector<std::string> checked;
  for (const Case& c : kCases) checked.push_back(c.name);
  std::sort(listed.begin(), listed.end());
  std::sort(checked.begin(), checked.end());
  EXPECT_EQ(listed, checked);
}

}  // namespace
}  // namespace podium
