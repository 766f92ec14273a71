// What scoring one row of a pipeline produces. The reference scorer and the
// compiled engine both fill this struct, and must agree on it.
#ifndef PODIUM_PIPELINE_PREDICTION_H_
#define PODIUM_PIPELINE_PREDICTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"

namespace podium {

// The contribution of one model feature to the margin (link-space value) of
// the explained output. feature == -1 is the bias (expected value).
struct Contribution {
  int32_t feature = -1;
  double value = 0.0;
};

struct Prediction {
  // Response-scale outputs:
  //   regression: {prediction}
  //   classification: one probability per class, in Model::classes order
  //   (a single-logistic-output model gives {1 - p, p}).
  //   clustering: one affinity (distance or similarity) per cluster.
  std::vector<double> values;
  // Classification: index into Model::classes of the predicted label
  // (threshold or arg max); clustering: of the nearest (most similar)
  // cluster, -1 when every affinity is missing; -1 for regression.
  int32_t label = -1;
  // Index into DecisionVocabulary(pipeline) of the final decision: the label
  // unless an override rule fired; -1 when there is none (regression without
  // a firing override rule).
  int32_t decision = -1;
  // Indices into PostProcessing::rules of the annotate rules that fired, and
  // of the override rule that set the decision (if any), in rule order.
  std::vector<int32_t> fired_rules;
  // One value per PostProcessing::outputs, in order: the number, 0/1 for a
  // boolean, the position in DerivedOutput::categories for a category output,
  // NaN when missing.
  std::vector<double> derived;
  // Filled only when explanations are requested: one entry per model feature
  // plus the bias (feature == -1, last), for the explained output: the only
  // output of a regression or binary model, the predicted class otherwise.
  // Their sum equals the explained output's margin.
  std::vector<Contribution> contributions;
};

// The decisions a pipeline can make: its classes, then the distinct decisions
// of its override rules in rule order.
std::vector<std::string> DecisionVocabulary(const Pipeline& pipeline);

// The top `k` contributions by absolute value (ties: lower feature index
// first), excluding the bias. These are a row's reason codes.
std::vector<Contribution> TopReasons(const std::vector<Contribution>& contributions, int k);

// A row's reason codes under a pipeline's post-processing: the first `k`
// contributions (bias excluded) in post.reason_order, ties to the lower
// feature index; with post.reason_one_sided, only those strictly on the
// order's side of zero, and none at all when a contribution is missing.
// Report them with ReasonLabel (pipeline.h).
std::vector<Contribution> TopReasons(const std::vector<Contribution>& contributions, int k,
                                     const PostProcessing& post);

}  // namespace podium

#endif  // PODIUM_PIPELINE_PREDICTION_H_
