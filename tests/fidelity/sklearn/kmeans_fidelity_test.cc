// A PMML ClusteringModel from scikit-learn's KMeans, against KMeans itself:
// the fixture fits KMeans with make_kmeans_pmml.py (Debian's python3-sklearn)
// on the churn data, writes its cluster_centers_ as a PMML 4.4 ClusteringModel
// (euclidean) and records KMeans.predict() and KMeans.transform() for every
// row. Podium imports the PMML and scores the raw CSV (the batch job, so the
// compiled engine's batch path) and the first rows again with the reference
// scorer. Labels must be the same exactly; distances agree within 1e-9
// relative (scikit-learn computes them as sqrt(|x|^2 - 2 x.c + |c|^2), Podium
// as sqrt(sum (x - c)^2), so the last bits differ).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/app.h"
#include "formats/pmml.h"
#include "reference/reference.h"

namespace podium {
namespace {

constexpr int kClusters = 6;
constexpr size_t kRows = 5000;

// A CSV file of plain cells (no quoted commas) as header -> column.
std::map<std::string, std::vector<std::string>> ReadColumns(const std::string& path) {
  std::ifstream in(path);
  std::map<std::string, std::vector<std::string>> columns;
  std::vector<std::string> header;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> cells;
    std::stringstream stream(line);
    std::string cell;
    while (std::getline(stream, cell, ',')) {
      if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
      cells.push_back(cell);
    }
    if (header.empty()) {
      header = cells;
      continue;
    }
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) columns[header[i]].push_back(cells[i]);
  }
  return columns;
}

double Relative(double actual, double expected) {
  return std::fabs(actual - expected) / std::max(std::fabs(expected), 1e-300);
}

TEST(SklearnKMeansFidelity, PodiumMatchesPredictAndTransform) {
  const std::string dir = PODIUM_SKLEARN_FIDELITY_DIR;
  app::ScoreRequest request;
  request.model_path = dir + "/kmeans.pmml";
  request.job.input_path = std::string(PODIUM_SOURCE_DIR) + "/data/demo/mlc_churn.csv";
  request.job.output_path = dir + "/kmeans_scores.csv";
  request.job.keep = jobs::ScoreFileOptions::Keep::kNone;
  Result<jobs::ScoreSummary> summary = app::ScoreFile(request);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_EQ(summary->rows_scored, static_cast<int64_t>(kRows));

  auto expected = ReadColumns(dir + "/kmeans_expected.csv");
  auto actual = ReadColumns(dir + "/kmeans_scores.csv");
  ASSERT_EQ(expected["label"].size(), kRows);
  ASSERT_EQ(actual["cluster"].size(), kRows);
  for (int k = 0; k < kClusters; ++k) {
    ASSERT_EQ(expected["distance_" + std::to_string(k)].size(), kRows) << k;
    ASSERT_EQ(actual["distance_" + std::to_string(k)].size(), kRows) << k;
  }
  double worst = 0;
  std::set<std::string> labels;
  for (size_t r = 0; r < kRows; ++r) {
    ASSERT_EQ(actual["cluster"][r], expected["label"][r]) << "row " << r;
    labels.insert(actual["cluster"][r]);
    for (int k = 0; k < kClusters; ++k) {
      const std::string name = "distance_" + std::to_string(k);
      const double relative = Relative(std::stod(actual[name][r]), std::stod(expected[name][r]));
      worst = std::max(worst, relative);
      ASSERT_LE(relative, 1e-9) << "row " << r << " " << name;
    }
  }
  EXPECT_EQ(labels.size(), static_cast<size_t>(kClusters)) << "every cluster predicted at least once";
  std::cout << "largest relative distance difference from scikit-learn: " << worst << "\n";

  // The reference scorer agrees on the first rows too.
  std::ifstream pmml(dir + "/kmeans.pmml");
  std::stringstream text;
  text << pmml.rdbuf();
  PmmlImportOptions options;
  options.name = "kmeans";
  Result<Pipeline> pipeline = ImportPmml(text.str(), options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  auto data = ReadColumns(std::string(PODIUM_SOURCE_DIR) + "/data/demo/mlc_churn.csv");
  for (size_t r = 0; r < 200; ++r) {
    std::vector<RawValue> raw;
    for (const InputField& field : pipeline->inputs) raw.push_back(RawValue::Text(data[field.name][r]));
    Result<Prediction> prediction = reference::ScoreRow(*pipeline, raw);
    ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
    ASSERT_GE(prediction->label, 0);
    EXPECT_EQ(pipeline->model.classes[static_cast<size_t>(prediction->label)], expected["label"][r]) << "row " << r;
    for (int k = 0; k < kClusters; ++k) {
      EXPECT_LE(Relative(prediction->values[static_cast<size_t>(k)],
                         std::stod(expected["distance_" + std::to_string(k)][r])),
                1e-9)
          << "row " << r << " cluster " << k;
    }
  }
}

}  // namespace
}  // namespace podium
