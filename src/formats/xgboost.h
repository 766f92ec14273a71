// Importing XGBoost models saved as JSON (Booster.save_model("model.json"),
// XGBoost 1.0 and later; the schema is dmlc/xgboost doc/model.schema).
//
// The importer maps the model onto the pipeline IR (pipeline/pipeline.h) so
// that every Podium scorer reproduces XGBoost's own predict() and
// predict(pred_contribs=True):
//   * one input field per model feature, in feature order: kNumber, missing
//     allowed (a missing value follows each split's default direction, as in
//     XGBoost), invalid values (text, non-finite numbers) are errors;
//   * a TreeEnsembleModel with NumericPrecision::kFloat32: XGBoost compares
//     (float)x < split_condition and sums the leaf values in float, starting
//     from the base score, in tree order. Thresholds and leaf values are the
//     float values stored in the file; node cover is sum_hessian (TreeSHAP);
//   * base_score is converted to margin space the way XGBoost does it, in
//     float: logit for binary:logistic and reg:logistic, log for
//     count:poisson, reg:gamma and reg:tweedie, unchanged otherwise
//     (binary:logitraw included); multi:* models get num_class outputs, each
//     starting from base_score (or from its own value when base_score is a
//     list, as later XGBoost versions write it);
//   * dart boosters: each tree's leaf values are multiplied (in float) by its
//     weight_drop, which is what XGBoost's inference does;
//   * nodes that no path from the root reaches (XGBoost's pruned, "deleted"
//     nodes) are dropped, and the rest renumbered breadth first.
//
// Objectives and what they import as:
//   binary:logistic                     classifier, classes {"0","1"}, logistic
//   reg:logistic                        the same two-class classifier: the IR's
//                                       logistic output is for classifiers only,
//                                       so XGBoost's prediction is p(classes[1])
//   binary:logitraw                     regression, identity: predict() returns
//                                       the margin, and so does Podium
//   reg:squarederror, reg:linear, reg:pseudohubererror, reg:absoluteerror,
//   reg:squaredlogerror, reg:quantileerror (one quantile)
//                                       regression, identity
//   count:poisson, reg:gamma, reg:tweedie
//                                       regression, exp
//   multi:softprob, multi:softmax       classifier with num_class outputs,
//                                       softmax (multi:softmax's predict()
//                                       returns the arg max, Podium's label)
// Anything else (binary:hinge, rank:*, survival:*, gblinear boosters,
// multi-target trees) is kUnimplemented with a message naming what is missing.
//
// Categorical splits (split_type 1, XGBoost >= 1.5 with enable_categorical):
// XGBoost sends the listed categories right and everything else (unlisted or
// invalid categories) left. The importer swaps the children, so that the IR's
// category_levels (which go left) are exactly XGBoost's list, and inverts
// default_left. The feature becomes a kCategory input with open levels whose
// values are XGBoost's category codes written as integer text ("0", "3"; a
// category field takes strings, not JSON numbers); a code that no split lists
// follows XGBoost's "not in the list" branch. A feature may not mix numeric
// and categorical splits (kUnimplemented).
//
// All trees are used, as Booster.predict() does; the scikit-learn wrapper's
// best_iteration (early stopping) is not applied.
//
// Verified against XGBoost 1.7.4 itself by tests/fidelity: predictions and
// pred_contribs of every objective above but reg:linear (a deprecated alias)
// and reg:quantileerror (new in 2.0), plus dart and categorical models. Other
// versions are read by the keys of doc/model.schema; a base_score written as
// a list ("[5E-1]", one value or one per output) is accepted too.
//
// Errors:
//   kInvalidArgument   the text is not JSON, or not a well-formed XGBoost
//                      model: a missing member, a wrong type, arrays of
//                      inconsistent lengths, a child index out of range, a
//                      cycle, a feature index >= num_feature, a base_score
//                      outside its objective's domain, more than
//                      options.max_nodes nodes, kMaxXgboostFeatures features or
//                      kMaxXgboostClasses classes;
//                      or the options do not fit the model. Messages name the
//                      JSON path, e.g. "learner.gradient_booster.model.trees[3]
//                      .left_children[7]: child 99 is out of range (15 nodes)".
//   kResourceExhausted the JSON nests deeper than kDefaultMaxJsonNesting
//                      (base/json_guard.h), refused before parsing; or memory
//                      ran out.
//   kUnimplemented     a valid model that Podium cannot represent (see above).
// Never crashes or throws on any input.
//
// Thread-safe (pure function).
#ifndef PODIUM_FORMATS_XGBOOST_H_
#define PODIUM_FORMATS_XGBOOST_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pipeline/pipeline.h"

namespace podium {

// Limits on what an imported model may hold (hostile files must not exhaust
// memory).
inline constexpr size_t kMaxXgboostNodes = 10'000'000;  // over all trees
inline constexpr int kMaxXgboostFeatures = 1'000'000;
inline constexpr int kMaxXgboostClasses = 100'000;

struct XgboostImportOptions {
  // Input field names, one per model feature. Empty: the model's
  // learner.feature_names, or f0, f1, ... when it has none. Names must be
  // unique and non-empty.
  std::vector<std::string> feature_names;
  // Classifier class labels in output order (two for binary models). Empty:
  // "0", "1", ... Must be empty for regression objectives.
  std::vector<std::string> class_labels;
  // Pipeline::name. The caller usually derives it from the file name.
  std::string name;
  // Refuse models with more nodes than this, over all trees (a hostile file
  // must not exhaust memory). Lower it to bound memory further.
  size_t max_nodes = kMaxXgboostNodes;
};

// Parses an XGBoost JSON model and returns the pipeline that scores it. The
// result passes ValidatePipeline. Pipeline::source records the provenance,
// e.g. "xgboost 1.7.4 binary:logistic gbtree".
Result<Pipeline> ImportXgboostJson(std::string_view json, const XgboostImportOptions& options);

}  // namespace podium

#endif  // PODIUM_FORMATS_XGBOOST_H_
