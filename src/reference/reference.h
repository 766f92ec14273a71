// The reference scorer: the plain, literal reading of the pipeline IR
// (pipeline/pipeline.h), used as the oracle that the compiled engine and every
// exporter are tested against. It is simple and slow on purpose: columns live
// in a std::map keyed by name, expressions are interpreted from their syntax
// tree, trees are walked node by node and tree explanations are exact Shapley
// values computed by brute force over feature subsets. Do not use it to serve.
//
// Semantics (each one the comment in pipeline.h that defines it):
//   * Inputs are converted by ConvertInput (pipeline/input.h), so missing and
//     invalid values follow each field's policies exactly as in every scorer.
//   * Transforms run in order; a numeric computation that yields NaN or +/-Inf
//     yields missing. Boolean columns hold 0/1.
//   * A GLM with a missing feature or offset has missing outputs (NaN values).
//   * Tree splits: numeric x < threshold goes left, a categorical split sends
//     the listed levels left, a missing x follows default_left. With
//     NumericPrecision::kFloat32 the comparison is (float)x < (float)threshold
//     and leaves are summed in float: from (float)base_score in tree order for
//     kSum; for kAverage the trees' float sum (from 0) is divided by the
//     number of trees (all trees, whatever output they add to) in double and
//     base_score added in double. The output
//     transform is applied in double.
//   * Labels: binary p(classes[1]) >= threshold (default 0.5); multiclass arg
//     max, lowest index on ties; -1 when the probabilities are missing.
//   * Clustering: per cluster the distance or similarity of pipeline.h's
//     ClusteringModel, computed term by term over the present features (the
//     missing-value adjustment for distances); the label is the nearest (most
//     similar) cluster with a value, lowest index on ties, -1 when none has
//     one. A non-0/1 feature for a similarity measure is kInvalidArgument
//     naming the feature; explain = true is kFailedPrecondition.
//   * post.prediction_expression replaces a regression's prediction (seeing
//     the model's own as `score`); the derived outputs (post.outputs) follow
//     in order, each seeing `score`, the value columns by name and the outputs
//     before it (a category output as its category's text, its position in
//     Prediction::derived; any other value is missing). explain = true with a
//     prediction_expression is kFailedPrecondition.
//   * Business rules see every column, the derived outputs and `score`: p(classes[1]) for a binary
//     model, the prediction for regression, the largest class probability for
//     multiclass (missing when the outputs are). A rule whose condition is
//     missing does not fire; overrides still apply to a row with no label.
//
// Explanations (explain = true) are in the link/margin space of the explained
// output (the only output of a one-output model, the predicted class
// otherwise):
//   * GLM: coefficient_j * (x_j - mean_j) per feature; the bias is
//     intercept + sum_j coefficient_j * mean_j + offset.
//   * Trees: exact path-dependent Shapley values (the quantity TreeSHAP
//     computes), by enumerating every subset of the features a tree uses. A
//     tree that uses more than kMaxExplainedTreeFeatures distinct features is
//     refused with kResourceExhausted. Trees need `cover`. Per-tree values
//     are summed over the trees that add to the explained output; for
//     kAverage each is divided by the total number of trees, as the margin is.
//   * A multi-output row with no predicted class (missing outputs) gets no
//     contributions.
//
// Thread-safe (pure functions).
#ifndef PODIUM_REFERENCE_REFERENCE_H_
#define PODIUM_REFERENCE_REFERENCE_H_

#include <vector>

#include "base/status.h"
#include "pipeline/input.h"
#include "pipeline/pipeline.h"
#include "pipeline/prediction.h"

namespace podium::reference {

// Brute-force Shapley values cost 2^k conditional expectations per tree for a
// tree using k distinct features; beyond this the scorer refuses to explain.
inline constexpr int kMaxExplainedTreeFeatures = 16;

// Scores one row: `inputs` aligned with pipeline.inputs (one RawValue per
// input field). The pipeline must be valid (ValidatePipeline).
// Errors:
//   kInvalidArgument   the row: wrong number of values, a value refused by
//                      its field's policy, an unknown level under an
//                      encoder's kError policy (each names the field)
//   kFailedPrecondition explain = true on a tree without `cover`, or with a
//                      cover <= 0 at an internal node
//   kResourceExhausted explain = true on a tree using more than
//                      kMaxExplainedTreeFeatures distinct features
//   kInternal          the pipeline was not valid after all
Result<Prediction> ScoreRow(const Pipeline& pipeline, const std::vector<RawValue>& inputs,
                            bool explain = false);

}  // namespace podium::reference

#endif  // PODIUM_REFERENCE_REFERENCE_H_
