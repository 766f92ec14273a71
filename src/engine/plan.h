// Internal: the compiled form of a pipeline (what ScoringPlan holds) and the
// per-thread scratch buffers. Built once by CompilePlan (compile.cc), then
// read-only.
//
// Columns live in "slots": slot i < num_inputs is input field i, then one slot
// per transform output column in definition order, then the rule `score`;
// with derived outputs, then one slot per value (Prediction::values) and one
// per derived output.
// Category columns hold level codes (Plan::level_codes).
#ifndef PODIUM_ENGINE_PLAN_H_
#define PODIUM_ENGINE_PLAN_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/forest.h"
#include "engine/tree_shap.h"
#include "expr/expr.h"
#include "pipeline/pipeline.h"

namespace podium::engine::internal {

// Rows transformed and scored together by ScoreBatch: every tree is walked for
// a whole block before the next tree, so a block should be large enough to
// amortise bringing a tree into cache and small enough for its feature rows
// to stay in L1/L2. Forests whose nodes overflow L2 use larger blocks.
inline constexpr size_t kSmallBlockRows = 128;
inline constexpr size_t kLargeBlockRows = 512;
inline constexpr size_t kLargeForestBytes = 512 * 1024;
static_assert(kSmallBlockRows % kBlockLanes == 0 && kLargeBlockRows % kBlockLanes == 0,
              "the block kernel pads rows to a multiple of kBlockLanes within a block");

enum class OpKind : uint8_t {
  kImpute,       // missing -> a
  kClip,         // clamp to [a, b]
  kStandardize,  // (x - a) / b
  kMinMax,       // (x - a) / (b - a) * (d - c) + c
  kLog,
  kLog1p,
  kPower,        // pow(x, a)
  kBucketize,
  kOneHot,
  kOrdinal,
  kDerive,
};

struct TransformOp {
  OpKind kind = OpKind::kImpute;
  int32_t in = -1;   // input slot
  int32_t out = -1;  // output slot (one-hot: the first of num_levels)
  double a = 0.0;
  double b = 0.0;
  double c = 0.0;
  double d = 0.0;
  // Bucketize: edges, and the value of each bucket (its index, or the code of
  // its label).
  std::vector<double> edges;
  std::vector<double> bucket_values;
  bool right_closed = false;
  // One-hot / ordinal: level index of each level code, -1 for other codes.
  std::vector<int32_t> level_of_code;
  int32_t num_levels = 0;
  UnknownLevelPolicy unknown = UnknownLevelPolicy::kError;
  double unknown_value = -1.0;
  int32_t program = -1;  // derive: index into Plan::programs
  std::string where;     // "transforms[3] (one_hot)", for row errors
  std::string column;    // the input column's name, for row errors
};

struct GlmPlan {
  GlmFamily family = GlmFamily::kGaussian;
  LinkFunction link = LinkFunction::kIdentity;
  int num_predictors = 1;
  std::vector<double> intercepts;
  std::vector<double> coefficients;  // [predictor][feature]
  std::vector<double> means;         // per feature (zeros when not given)
  int32_t offset_slot = -1;
};

// A clustering model: per-feature terms and every center in one contiguous
// row-major [cluster][feature] array.
struct ClusterPlan {
  ClusterMeasure measure = ClusterMeasure::kEuclidean;
  bool similarity = false;  // the largest affinity wins
  int num_clusters = 0;
  double p = 2.0;           // minkowski
  std::vector<CompareFunction> compare;
  std::vector<double> weights;
  std::vector<double> scale_squared;    // s^2 for gauss_sim features
  std::vector<double> missing_weights;  // q_i (all 1 when the model gives none)
  double total_missing_weight = 0.0;    // sum of q_i
  BinarySimilarity binary;
  std::vector<double> centers;
  // Table features: the table, and level code -> row of the table (-1: no
  // row); both empty for the other features, all empty without tables.
  std::vector<CompareTable> tables;
  std::vector<std::vector<int32_t>> table_row_of_code;
};

struct RulePlan {
  int32_t program = -1;
  bool is_override = false;
  int32_t decision = -1;  // index into the decision vocabulary
};

struct Plan {
  Pipeline pipeline;
  int num_inputs = 0;
  int num_slots = 0;         // including the score slot
  int score_slot = -1;
  int value_slot = -1;       // the first value slot (derived outputs only)
  int derived_slot = -1;     // the first derived output's slot
  int num_derived = 0;       // post.outputs
  int num_features = 0;
  int num_values = 0;        // Prediction::values per row
  int num_outputs = 0;       // model outputs (margins) per row
  std::vector<int32_t> feature_slots;
  // True when scoring must materialise slots (transforms, rules or an offset);
  // otherwise features are read straight from the encoded inputs.
  bool needs_slots = false;

  // Level codes: every string the pipeline mentions, code = position.
  std::map<std::string, int32_t, std::less<>> level_codes;
  std::vector<std::string> code_names;
  std::vector<uint8_t> input_is_category;

  std::vector<TransformOp> ops;
  std::vector<expr::Program> programs;

  // The model: a GLM, a clustering model, or trees in float or double.
  bool is_glm = false;
  GlmPlan glm;
  bool is_clustering = false;
  ClusterPlan cluster;
  bool float32 = false;
  Forest<float> forest32;
  Forest<double> forest64;
  Aggregation aggregation = Aggregation::kSum;
  OutputTransform output_transform = OutputTransform::kIdentity;
  std::vector<double> base_score;
  size_t num_trees = 0;
  int max_depth = 0;
  size_t block_rows = kSmallBlockRows;  // rows per ScoreBatch block

  // Explanations.
  bool can_explain = true;
  std::string explain_error;  // why not, when !can_explain
  std::vector<ShapTree> shap_trees;
  std::vector<double> expected_margin;  // per output: base + trees' expected values

  // Post-processing.
  Task task = Task::kRegression;
  double threshold = 0.5;
  std::vector<RulePlan> rules;
  std::vector<std::string> decision_vocabulary;
  int32_t prediction_program = -1;     // post.prediction_expression, -1 when none
  std::vector<int32_t> output_programs;  // one per post.outputs
  // Per post.outputs: empty, or for a category output the level code of
  // each category (what its slot holds for later outputs and rules).
  std::vector<std::vector<double>> output_codes;
};

// Per-thread buffers, sized once for the plan.
struct ScratchBuffers {
  const Plan* plan = nullptr;
  std::vector<double> slots;        // block_rows x num_slots
  std::vector<float> features32;    // block_rows x stride
  std::vector<double> features64;
  std::vector<float> acc32;         // block_rows x num_outputs
  std::vector<double> acc64;
  std::vector<double> margins;      // block_rows x num_outputs
  std::vector<uint8_t> failed;      // block_rows
  std::vector<uint32_t> leaves;     // one per tree (single row)
  std::vector<int32_t> fired;       // rules fired for one row
  std::vector<PathElement> shap_work;
  std::vector<double> phi;          // num_features + 1 contributions
};

Result<std::unique_ptr<Plan>> CompilePlan(const Pipeline& pipeline);

}  // namespace podium::engine::internal

#endif  // PODIUM_ENGINE_PLAN_H_
