// The bundled demo pipeline against scikit-learn itself: the fixture retrains
// it with data/demo/make_churn_pipeline.py (Debian's python3-sklearn) and
// records LogisticRegression.predict_proba for every row; Podium scores the
// raw CSV through its own transforms and must give the same probabilities.
// Tolerance: 1e-12 relative. Both sides compute the same double-precision
// formulas; only the order of the dot product's additions may differ.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "app/app.h"

namespace podium {
namespace {

// The first `columns` cells of each row, as numbers.
std::vector<std::vector<double>> ReadNumbers(const std::string& path, size_t columns) {
  std::ifstream in(path);
  std::vector<std::vector<double>> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::stringstream cells(line);
    std::string cell;
    while (row.size() < columns && std::getline(cells, cell, ',')) {
      row.push_back(cell.empty() ? std::nan("") : std::stod(cell));
    }
    rows.push_back(row);
  }
  return rows;
}

TEST(SklearnDemoFidelity, PodiumMatchesPredictProba) {
  const std::string dir = PODIUM_SKLEARN_FIDELITY_DIR;
  app::ScoreRequest request;
  request.model_path = dir + "/churn_pipeline.json";
  request.job.input_path = std::string(PODIUM_SOURCE_DIR) + "/data/demo/mlc_churn.csv";
  request.job.output_path = dir + "/podium_scores.csv";
  request.job.keep = jobs::ScoreFileOptions::Keep::kNone;
  Result<jobs::ScoreSummary> summary = app::ScoreFile(request);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_EQ(summary->rows_scored, 5000);
  const auto expected = ReadNumbers(dir + "/expected.csv", 2);
  const auto actual = ReadNumbers(dir + "/podium_scores.csv", 2);
  ASSERT_EQ(expected.size(), 5000u);
  ASSERT_EQ(actual.size(), 5000u);
  double worst = 0;
  for (size_t r = 0; r < expected.size(); ++r) {
    for (size_t k = 0; k < 2; ++k) {
      const double relative = std::fabs(actual[r][k] - expected[r][k]) / std::max(std::fabs(expected[r][k]), 1e-300);
      worst = std::max(worst, relative);
      ASSERT_LE(relative, 1e-12) << "row " << r << " class " << k;
    }
  }
  std::cout << "largest relative difference from scikit-learn: " << worst << "\n";
}

}  // namespace
}  // namespace podium
