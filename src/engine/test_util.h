// Helpers shared by the engine tests: small pipelines built directly from the
// pipeline.h structs, and one-call scoring.
#ifndef PODIUM_ENGINE_TEST_UTIL_H_
#define PODIUM_ENGINE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace podium::engine::testing {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline InputField NumberField(const std::string& name) {
  InputField field;
  field.name = name;
  field.type = FieldType::kNumber;
  return field;
}

inline InputField CategoryField(const std::string& name, std::vector<std::string> levels = {}) {
  InputField field;
  field.name = name;
  field.type = FieldType::kCategory;
  field.levels = std::move(levels);
  return field;
}

// A regression pipeline whose model is the Gaussian GLM 0 + 1 * x_j: the
// contributions of a row (explain = true) are then exactly its feature values.
inline Pipeline FeatureProbe(std::vector<InputField> inputs, std::vector<Transform> transforms,
                             std::vector<std::string> features) {
  Pipeline p;
  p.name = "probe";
  p.inputs = std::move(inputs);
  p.transforms = std::move(transforms);
  p.features = std::move(features);
  GlmModel glm;
  glm.intercepts = {0.0};
  glm.coefficients.assign(p.features.size(), 1.0);
  p.model.task = Task::kRegression;
  p.model.body = glm;
  return p;
}

inline std::shared_ptr<const ScoringPlan> MustCompile(const Pipeline& pipeline) {
  auto plan = ScoringPlan::Compile(pipeline);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return nullptr;
  return *plan;
}

// Encodes raw values and scores the row.
inline Result<Prediction> Score(const ScoringPlan& plan, const std::vector<RawValue>& raw,
                                bool explain = false) {
  std::vector<double> encoded(static_cast<size_t>(plan.num_inputs()));
  RETURN_IF_ERROR(plan.EncodeRow(raw.data(), encoded.data()));
  auto scratch = plan.NewScratch();
  Prediction prediction;
  RETURN_IF_ERROR(plan.ScoreRow(encoded.data(), *scratch, &prediction, explain));
  return prediction;
}

// The model features of a FeatureProbe row.
inline std::vector<double> Features(const ScoringPlan& plan, const std::vector<RawValue>& raw) {
  Result<Prediction> prediction = Score(plan, raw, /*explain=*/true);
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  std::vector<double> features;
  if (!prediction.ok()) return features;
  for (const Contribution& c : prediction->contributions) {
    if (c.feature >= 0) features.push_back(c.value);
  }
  return features;
}

// NaN-aware equality for feature vectors.
inline ::testing::AssertionResult SameValues(const std::vector<double>& actual,
                                             const std::vector<double>& expected) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure() << "size " << actual.size() << " != " << expected.size();
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    const bool both_nan = std::isnan(actual[i]) && std::isnan(expected[i]);
    if (!both_nan && actual[i] != expected[i]) {
      return ::testing::AssertionFailure()
             << "[" << i << "]: " << actual[i] << " != expected " << expected[i];
    }
  }
  return ::testing::AssertionSuccess();
}

// A tree node for TreeOf: an internal node splits on `feature`, a leaf has
// feature -1 and `value`.
struct NodeSpec {
  int32_t feature = -1;
  double threshold = 0.0;
  int32_t left = -1;
  int32_t right = -1;
  bool default_left = true;
  double value = 0.0;
  double cover = 1.0;
  std::vector<std::string> levels = {};
};

inline Tree TreeOf(const std::vector<NodeSpec>& nodes, int32_t output = 0) {
  Tree tree;
  bool categorical = false;
  for (const NodeSpec& n : nodes) categorical = categorical || !n.levels.empty();
  for (const NodeSpec& n : nodes) {
    tree.feature.push_back(n.feature);
    tree.threshold.push_back(n.threshold);
    tree.left.push_back(n.left);
    tree.right.push_back(n.right);
    tree.default_left.push_back(n.default_left ? 1 : 0);
    tree.leaf_values.push_back(n.feature < 0 ? n.value : 0.0);
    tree.cover.push_back(n.cover);
    if (categorical) tree.category_levels.push_back(n.levels);
  }
  tree.output = output;
  return tree;
}

// A pipeline of numeric inputs x0..x{n-1} feeding a tree ensemble directly.
inline Pipeline TreePipeline(int num_features, TreeEnsembleModel ensemble, Task task,
                             std::vector<std::string> classes = {}) {
  Pipeline p;
  p.name = "trees";
  for (int i = 0; i < num_features; ++i) {
    // Appended rather than "x" + to_string(i): GCC 12 warns falsely (-Wrestrict) on the latter.
    std::string name = "x";
    name += std::to_string(i);
    p.inputs.push_back(NumberField(name));
    p.features.push_back(name);
  }
  p.model.task = task;
  p.model.classes = std::move(classes);
  p.model.body = std::move(ensemble);
  return p;
}

}  // namespace podium::engine::testing

#endif  // PODIUM_ENGINE_TEST_UTIL_H_
