// Importing LightGBM models saved as text (Booster.save_model("model.txt"),
// model format versions v2 to v4; docs/formats/lightgbm.md).
//
// ImportLightgbmText lowers the model to the pipeline IR (pipeline/pipeline.h)
// exactly, or refuses it: a split whose LightGBM meaning the IR cannot express
// is an error naming the tree and node, never an approximation.
//   * One kNumber input field per model feature (max_feature_idx + 1), named
//     after feature_names; missing allowed, invalid values are errors.
//   * A TreeEnsembleModel with NumericPrecision::kFloat64: LightGBM compares
//     the double feature value with the double threshold and sums the leaf
//     values in double, in tree order, from 0.
//   * Numeric splits ("x <= threshold" goes left) become x < nextafter(
//     threshold, +inf). The missing type (decision_type bits 2-3) decides
//     where a missing value goes:
//       NaN   missing follows default_left;
//       None  missing is read as 0.0 and compared: left when 0 <= threshold;
//       Zero  missing and zero (|x| <= 1e-35f) follow default_left. When the
//             threshold already sends the zero band the default way the node
//             is lowered as is; otherwise it splits a derived column
//             "<feature>#nonzero", the feature with its zero band made
//             missing.
//   * Categorical splits (decision_type bit 0) list the categories that go
//     left in a bitset of 32-bit words (cat_boundaries / cat_threshold).
//     LightGBM truncates the value towards zero; a negative or missing value
//     goes right. Each categorical feature gets a bucketize transform with
//     labels, "<feature>#category": the category code as text ("0", "1", ...)
//     for values in (-1, max code + 1), "negative" and "out_of_range" beyond.
//     The split's category_levels are the listed codes; missing goes right.
//   * Objectives (with the parameters LightGBM writes after the name):
//       binary sigmoid:s          classifier {"0","1"}, logistic; s must be a
//                                 power of two (it is folded into the leaf
//                                 values, which is exact) else kUnimplemented
//       cross_entropy (xentropy)  the same classifier, logistic
//       regression, regression_l1, huber, fair, quantile, mape (and aliases),
//       lambdarank, rank_xendcg   regression, identity (rankers: the score)
//       poisson, gamma, tweedie   regression, exp
//       multiclass num_class:k    classifier {"0".."k-1"}, softmax; tree i
//                                 adds to class i % num_tree_per_iteration
//     Not supported (kUnimplemented): multiclassova, cross_entropy_lambda,
//     regression with sqrt, custom objectives, linear trees, and
//     average_output with more than one tree per iteration.
//   * average_output (random forest mode) -> Aggregation::kAverage.
//
// Errors:
//   kInvalidArgument   not a LightGBM text model, or a malformed one: a
//                      missing or bad header key, arrays of the wrong length,
//                      a child index out of range, a cycle or shared node, a
//                      feature index beyond max_feature_idx, a bad bitset.
//                      Messages name the tree, the key and its line, e.g.
//                      "Tree=3 (line 57): left_child[2]: child 9 is out of
//                      range (4 internal nodes, 5 leaves)".
//   kResourceExhausted the text is larger than options.max_bytes, or the
//                      model has more than options.max_trees trees or
//                      options.max_nodes nodes (categorical bucket edges
//                      count as nodes); or memory ran out.
//   kUnimplemented     a valid model that the IR cannot express exactly.
// Never crashes or throws on any input.
//
// Thread-safe (pure function).
#ifndef PODIUM_FORMATS_LIGHTGBM_H_
#define PODIUM_FORMATS_LIGHTGBM_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pipeline/pipeline.h"

namespace podium {

inline constexpr int kMaxLightgbmFeatures = 1'000'000;
inline constexpr int kMaxLightgbmClasses = 100'000;
// The largest category code a categorical split may list.
inline constexpr int kMaxLightgbmCategory = 1'000'000;

struct LightgbmImportOptions {
  // Input field names, one per model feature. Empty: the model's
  // feature_names, or f0, f1, ... when it has none. Unique and non-empty.
  std::vector<std::string> feature_names;
  // Classifier class labels in output order (two for binary models). Empty:
  // "0", "1", ... Must be empty for regression objectives.
  std::vector<std::string> class_labels;
  // Pipeline::name. The caller usually derives it from the file name.
  std::string name;
  // Refuse larger texts (bytes).
  size_t max_bytes = size_t{1} << 30;
  // Refuse models with more trees than this.
  size_t max_trees = 1'000'000;
  // Refuse models with more nodes than this, over all trees.
  size_t max_nodes = 10'000'000;
};

// True when `text` looks like a LightGBM text model: its first line is
// "tree" and it has "version=v" and "num_class=" lines. Cheap; for format
// detection.
bool LooksLikeLightgbm(std::string_view text);

// Parses a LightGBM text model and returns the pipeline that scores it. The
// result passes ValidatePipeline. Pipeline::source records the provenance,
// e.g. "lightgbm v4 binary sigmoid:1".
Result<Pipeline> ImportLightgbmText(std::string_view text, const LightgbmImportOptions& options);

}  // namespace podium

#endif  // PODIUM_FORMATS_LIGHTGBM_H_
