// The compiled scoring engine: the fast evaluator of Podium pipelines.
//
// ScoringPlan::Compile validates a Pipeline (pipeline/pipeline.h) and lowers it
// once into flat, cache-friendly arrays: a slot per column, a small program of
// transform steps, compiled expressions, and every tree re-laid out as flat
// nodes (16 bytes, or 8 for float models without categorical splits; right
// child = left child + 1; leaves looping on themselves; missing values
// resolved before the walk) so that a block of rows, or the trees of one row,
// walk a fixed number of steps in lock step without branches (forest.h).
// The result is immutable and shared by all threads; each thread scores with
// its own Scratch. The kernels are portable scalar code: on the reference
// machine (AMD EPYC, AVX-512) a 16-lane gather costs ~4.7 ns, which makes
// gather-based SIMD walks slower than interleaved scalar ones.
//
// Semantics are exactly those of the IR comments (pipeline.h, prediction.h)
// and of the reference scorer (reference/reference.h):
//   * NaN is missing; a transform or expression result that is not finite is
//     missing. Booleans are 0/1.
//   * Category values are carried as level codes (see EncodeInput): one code
//     per distinct string the pipeline mentions (input levels, encoder levels,
//     imputed values, bucket labels, split levels, expression literals), the
//     same code for the same string in every column. A string the pipeline
//     never mentions (open categories) is kUnknownLevel, equal to no level.
//   * Trees: numeric x < threshold goes left, a categorical split sends the
//     listed levels left, missing follows default_left. kFloat32 compares
//     (float)x < (float)threshold and sums leaves in float from
//     (float)base_score in tree order (XGBoost's CPU predictor, bit for bit up
//     to the output transform, which is computed in double). kAverage sums the
//     trees (in float for kFloat32, from 0) in tree order, divides the sum by
//     the number of trees in double and adds base_score.
//   * `score` in business rules is the model's primary output: p(classes[1])
//     for a two-class model, the prediction for regression, the largest class
//     probability for multiclass. A rule whose `when` is missing does not fire.
//   * post.prediction_expression replaces a regression's prediction (its
//     `score` is the model's own); derived outputs (post.outputs) are then
//     evaluated in order, seeing `score`, the value columns and the outputs
//     before them, and the rules see them. A category output holds its
//     category's position (its slot, the category's level code); any other
//     value is missing. A prediction_expression makes can_explain() false.
//   * When the model's output is missing (a GLM with a missing feature), the
//     label is -1 and `score` is missing; override rules may still decide.
//   * Clustering: the centers are one contiguous row-major array; the values
//     are the affinities (pipeline.h, ClusteringModel), the label the nearest
//     (most similar) cluster, lowest index on ties, `score` its affinity. A
//     non-0/1 feature for a similarity measure is a row error; clustering
//     models cannot be explained (can_explain() is false).
//
// Explanations (explain = true) are contributions to the margin (link space)
// of the explained output: the only output of a one-output model, else the
// output of the predicted class. GLM: coefficient_j * (x_j - mean_j), bias =
// intercept + sum_j coefficient_j * mean_j + offset. Trees: exact
// path-dependent TreeSHAP (Lundberg et al. 2018, Algorithm 2) weighted by node
// `cover`, summed over the trees of that output (divided by the number of
// trees for kAverage); bias = base_score + the trees' expected values. This is
// XGBoost's pred_contribs=True. Trees without `cover` cannot be explained.
//
// Thread safety: ScoringPlan is immutable; all its methods are const and
// thread-safe. A Scratch belongs to one thread at a time.
#ifndef PODIUM_ENGINE_ENGINE_H_
#define PODIUM_ENGINE_ENGINE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pipeline/input.h"
#include "pipeline/pipeline.h"
#include "pipeline/prediction.h"

namespace podium::engine {

namespace internal {
struct Plan;
struct ScratchBuffers;
}  // namespace internal

// The encoded value of a category string the pipeline never mentions.
inline constexpr double kUnknownLevel = -1.0;

// Per-thread working memory of one plan, sized once by NewScratch. Not
// thread-safe; use one per thread. Only the plan that made it may use it.
class Scratch {
 public:
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

 private:
  friend class ScoringPlan;
  explicit Scratch(std::unique_ptr<internal::ScratchBuffers> buffers);
  std::unique_ptr<internal::ScratchBuffers> buffers_;
};

// A row that could not be scored, and why.
struct RowError {
  size_t row = 0;
  Status status;
};

// The results of ScoreBatch for `rows` rows; K = ScoringPlan::num_values().
// A failed row has NaN values and contributions, label and decision -1, no
// fired rules, and an entry in `errors`.
struct BatchResult {
  size_t rows = 0;
  int num_values = 0;
  std::vector<double> values;       // rows x K, row-major (Prediction::values)
  int num_derived = 0;
  // rows x num_derived, row-major (Prediction::derived).
  std::vector<double> derived;
  std::vector<int32_t> labels;      // rows (Prediction::label)
  std::vector<int32_t> decisions;   // rows (Prediction::decision)
  // The fired rules of row r are fired_rules[fired_offsets[r] ..
  // fired_offsets[r + 1]) (Prediction::fired_rules). fired_offsets has rows+1
  // entries.
  std::vector<uint32_t> fired_offsets;
  std::vector<int32_t> fired_rules;
  // Only with explain = true: rows x (num_features + 1), row-major; entry j <
  // num_features is model feature j, the last is the bias.
  std::vector<double> contributions;
  // Failed rows, in ascending row order.
  std::vector<RowError> errors;
};

class ScoringPlan {
 public:
  ~ScoringPlan();
  ScoringPlan(const ScoringPlan&) = delete;
  ScoringPlan& operator=(const ScoringPlan&) = delete;

  // Validates the pipeline (ValidatePipeline) and compiles it. The plan keeps
  // its own copy of the pipeline. Errors: kInvalidArgument from validation.
  static Result<std::shared_ptr<const ScoringPlan>> Compile(const Pipeline& pipeline);

  const Pipeline& pipeline() const;

  // --- Inputs -------------------------------------------------------------
  // Number of input fields = doubles per encoded row (pipeline().inputs order).
  int num_inputs() const;
  // Encodes one raw value of input field `field` into the double the plan
  // computes on: ConvertInput (missing/invalid policies, range) then, for a
  // category, its level code (kUnknownLevel for a string the pipeline never
  // mentions). Missing is NaN. Errors: kInvalidArgument naming the field
  // (from the field's policies); kOutOfRange when `field` is not an input.
  Result<double> EncodeInput(int field, const RawValue& raw) const;
  // Encodes a whole row: raw[i] for input i, into encoded[0, num_inputs()).
  Status EncodeRow(const RawValue* raw, double* encoded) const;
  // The level code of `text` (kUnknownLevel when the pipeline never mentions
  // it). For tests and tools that build encoded rows directly.
  double LevelCode(std::string_view text) const;

  // --- Outputs ------------------------------------------------------------
  // Values per row (Prediction::values): 1 for regression, else the number of
  // classes.
  int num_values() const;
  // Derived outputs per row (Prediction::derived): post.outputs.size().
  int num_derived() const;
  // The model's features (Pipeline::features); contributions follow them.
  const std::vector<std::string>& feature_names() const;
  // Model::classes (empty for regression).
  const std::vector<std::string>& classes() const;
  // DecisionVocabulary(pipeline()): what Prediction::decision indexes.
  const std::vector<std::string>& decision_vocabulary() const;
  // Whether explain = true is supported: false when a tree has no cover or is
  // deeper than 125 levels.
  bool can_explain() const;

  // --- Scoring ------------------------------------------------------------
  // Per-thread buffers for this plan.
  std::unique_ptr<Scratch> NewScratch() const;

  // Scores one encoded row (num_inputs() doubles). Allocates nothing once
  // `out` has held a prediction of this plan (its vectors are reused).
  // Errors: kInvalidArgument naming the field for row-level failures (an
  // unknown level under an encoder's kError policy); kFailedPrecondition for
  // explain = true when !can_explain().
  Status ScoreRow(const double* encoded_inputs, Scratch& scratch, Prediction* out,
                  bool explain = false) const;

  // Scores `rows` encoded rows, row-major [rows x num_inputs()]. Rows are
  // transformed a block at a time and every tree is walked for the whole
  // block (tree-outer, rows-inner). Row failures are recorded in out->errors
  // and the other rows are scored; explain = true when !can_explain() fails
  // every row with kFailedPrecondition. `out` is overwritten (its capacity is
  // reused).
  void ScoreBatch(const double* encoded_inputs, size_t rows, Scratch& scratch, BatchResult* out,
                  bool explain = false) const;

 private:
  explicit ScoringPlan(std::unique_ptr<internal::Plan> plan);
  std::unique_ptr<internal::Plan> plan_;
};

}  // namespace podium::engine

#endif  // PODIUM_ENGINE_ENGINE_H_
