// The pipeline: Podium's one canonical model IR.
//
// A Pipeline is the whole scoring recipe: typed inputs -> transforms -> one
// model -> post-processing (threshold, business rules, reason codes). It is a
// plain, declarative value (no callbacks), so it can be serialised as the
// pipeline artifact (docs/formats/pipeline.md), scored by the reference scorer
// and the compiled engine, and later lowered to SQL, C, Java or JavaScript.
//
// Value semantics shared by every scorer (docs/formats/pipeline.md, "Values"):
//   * Every value is either missing or finite. Missing is represented by NaN.
//   * A computation that yields NaN or +/-Inf (log(0), 1/0) yields missing.
//   * Category values are strings; booleans are 0/1.
//
// Pipelines are built by importers and by the JSON reader, and must pass
// ValidatePipeline (pipeline/validate.h) before a scorer accepts them.
// Thread-compatible value types.
#ifndef PODIUM_PIPELINE_PIPELINE_H_
#define PODIUM_PIPELINE_PIPELINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace podium {

// The artifact format version this build writes. Readers accept 1..this.
inline constexpr int kPipelineFormatVersion = 1;

// ---------------------------------------------------------------------------
// Input schema
// ---------------------------------------------------------------------------

enum class FieldType {
  kNumber,    // double
  kInteger,   // whole number (stored as double; must be integral)
  kBoolean,   // true/false (1/0)
  kCategory,  // string value, optionally from a closed set of levels
};

// What to do with a missing value (empty cell, JSON null) or an invalid one
// (unparseable, out of range, unknown level, non-finite number).
enum class ValuePolicyKind {
  kError,    // reject the row with an error naming the field
  kMissing,  // treat the value as missing
  kReplace,  // substitute `replacement`
};

struct ValuePolicy {
  ValuePolicyKind kind = ValuePolicyKind::kError;
  // For kReplace: a number (number/integer/boolean fields) or a string
  // (category fields).
  std::variant<double, std::string> replacement = 0.0;
};

struct InputField {
  std::string name;
  FieldType type = FieldType::kNumber;
  std::string description;
  // Numeric range, inclusive. Values outside are invalid.
  std::optional<double> min;
  std::optional<double> max;
  // For kCategory: the allowed levels. Empty means any string is allowed (an
  // "open" category); values that no transform or expression names then
  // behave as a level equal to nothing.
  std::vector<std::string> levels;
  // Missing values: by default allowed (kMissing). kError makes the field
  // required.
  ValuePolicy on_missing{ValuePolicyKind::kMissing, 0.0};
  // Invalid values: by default an error.
  ValuePolicy on_invalid{ValuePolicyKind::kError, 0.0};
};

// ---------------------------------------------------------------------------
// Transforms. Each reads named columns and defines new ones; a column name is
// defined exactly once (inputs included), so a pipeline is in SSA form.
// ---------------------------------------------------------------------------

enum class ImputeStrategy { kConstant, kMean, kMedian, kMostFrequent };

// Missing -> value. `value` holds the fitted statistic (or the constant);
// the strategy records how it was obtained. For a category input the value is
// a level (string).
struct ImputeTransform {
  std::string input;
  std::string output;
  ImputeStrategy strategy = ImputeStrategy::kConstant;
  std::variant<double, std::string> value = 0.0;
};

// Clamps to [min, max]; either bound may be absent.
struct ClipTransform {
  std::string input;
  std::string output;
  std::optional<double> min;
  std::optional<double> max;
};

// (x - mean) / scale. scale must be > 0.
struct StandardizeTransform {
  std::string input;
  std::string output;
  double mean = 0.0;
  double scale = 1.0;
};

// (x - min) / (max - min) * (to_max - to_min) + to_min; max must be > min.
struct MinMaxTransform {
  std::string input;
  std::string output;
  double min = 0.0;
  double max = 1.0;
  double to_min = 0.0;
  double to_max = 1.0;
};

enum class MathFunction {
  kLog,    // natural log; x <= 0 gives missing
  kLog1p,  // log(1 + x); x <= -1 gives missing
  kPower,  // pow(x, exponent); non-finite results give missing
};

struct MathTransform {
  std::string input;
  std::string output;
  MathFunction function = MathFunction::kLog;
  double exponent = 1.0;  // kPower only
};

// Maps x to the index of its bucket: with edges e_0 < e_1 < ... < e_{n-1},
// bucket 0 is x < e_0, bucket i is e_{i-1} <= x < e_i, bucket n is x >= e_{n-1}
// (right_closed=false). With right_closed=true the comparisons are
// x <= e_0, e_{i-1} < x <= e_i. Missing stays missing. If `labels` is non-empty
// (n + 1 of them) the output is a category column with those levels.
struct BucketizeTransform {
  std::string input;
  std::string output;
  std::vector<double> edges;
  bool right_closed = false;
  std::vector<std::string> labels;
};

// What an encoder does with a level it was not fitted on.
enum class UnknownLevelPolicy {
  kError,    // reject the row, naming the field and the level
  kIgnore,   // one-hot: all zeros; ordinal: `unknown_value`
  kMissing,  // all outputs missing
};

// One numeric 0/1 column per level, named `<output_prefix><level>`
// (output_prefix defaults to "<input>=" when empty). Missing input gives all
// outputs missing.
struct OneHotTransform {
  std::string input;
  std::string output_prefix;
  std::vector<std::string> levels;
  UnknownLevelPolicy unknown = UnknownLevelPolicy::kIgnore;
};

// Level -> its position in `levels` (0-based) as a number.
struct OrdinalTransform {
  std::string input;
  std::string output;
  std::vector<std::string> levels;
  UnknownLevelPolicy unknown = UnknownLevelPolicy::kError;
  double unknown_value = -1.0;
};

// A derived column from an expression in the expression language
// (docs/formats/expressions.md), e.g. "usage_7d / max(avg_weekly_usage, 1)".
struct DeriveTransform {
  std::string output;
  std::string expression;
};

using Transform =
    std::variant<ImputeTransform, ClipTransform, StandardizeTransform,
                 MinMaxTransform, MathTransform, BucketizeTransform,
                 OneHotTransform, OrdinalTransform, DeriveTransform>;

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

enum class Task { kRegression, kClassification, kClustering };

enum class GlmFamily { kGaussian, kBinomial, kPoisson, kGamma, kTweedie, kMultinomial };
enum class LinkFunction { kIdentity, kLogit, kProbit, kLog, kCloglog, kInverse };

// A generalised linear model. For every family but multinomial there is one
// linear predictor eta = intercept + sum_j coefficients[j] * x_j (+ offset) and
// the response is link^-1(eta). Multinomial has one row of coefficients per
// class and the response is softmax over the rows.
struct GlmModel {
  GlmFamily family = GlmFamily::kGaussian;
  LinkFunction link = LinkFunction::kIdentity;
  double tweedie_power = 1.5;  // kTweedie only (informational for scoring)
  // intercepts.size() == number of linear predictors (1, or the number of
  // classes for multinomial); coefficients is row-major
  // [predictor][feature] over Pipeline::features.
  std::vector<double> intercepts;
  std::vector<double> coefficients;
  // Column added to eta as is (e.g. log exposure). Empty: none.
  std::string offset;
  // Mean of each feature in training data, the baseline of the exact
  // contributions coefficient * (x - mean). Empty: baseline 0.
  std::vector<double> feature_means;
};

// One binary decision tree in structure-of-arrays form. Node 0 is the root.
// An internal node i sends a row to left[i] when the feature value x satisfies
//   numeric split:     x < threshold[i]
//   categorical split: x's level is one of category_levels[i]
// and to right[i] otherwise; a missing x goes left when default_left[i].
// A leaf has left[i] == right[i] == -1 and contributes leaf_values
// [i * leaf_width, (i + 1) * leaf_width).
struct Tree {
  std::vector<int32_t> feature;    // index into Pipeline::features; -1 at leaves
  std::vector<double> threshold;   // numeric splits
  std::vector<int32_t> left;
  std::vector<int32_t> right;
  std::vector<uint8_t> default_left;
  // Optional: per node, non-empty for categorical splits (the levels that go
  // left). Empty vector (size 0) when the tree has no categorical split.
  std::vector<std::vector<std::string>> category_levels;
  std::vector<double> leaf_values;
  // Optional: training weight (hessian sum) of each node, needed by TreeSHAP.
  std::vector<double> cover;
  // leaf_width == 1: the tree adds to output `output`.
  // leaf_width == num_outputs: the tree adds a vector to all outputs.
  int32_t leaf_width = 1;
  int32_t output = 0;
};

enum class Aggregation {
  kSum,      // outputs = base_score + sum of trees (gradient boosting)
  kAverage,  // outputs = base_score + sum of trees / number of trees (forest)
};

enum class OutputTransform {
  kIdentity,
  kLogistic,  // one output: p(positive class) = 1 / (1 + exp(-margin))
  kSoftmax,   // one output per class
  kExp,       // log-link regression (poisson, gamma, tweedie)
};

// How numeric split comparisons and sums are carried out. kFloat32 casts the
// feature value to float before comparing it with a float threshold and sums
// leaf values in float, as XGBoost does; kFloat64 uses doubles throughout.
enum class NumericPrecision { kFloat64, kFloat32 };

struct TreeEnsembleModel {
  int32_t num_outputs = 1;
  Aggregation aggregation = Aggregation::kSum;
  OutputTransform output_transform = OutputTransform::kIdentity;
  NumericPrecision precision = NumericPrecision::kFloat64;
  std::vector<double> base_score;  // one per output (margin space)
  std::vector<Tree> trees;
};

// How a center-based clustering model compares a row with a cluster center
// (PMML 4.4 "Cluster Models", ComparisonMeasure). The first five are
// distances: the nearest cluster (smallest value) wins. The last four are
// similarities of binary (0/1) data: the most similar cluster (largest
// value) wins.
enum class ClusterMeasure {
  kEuclidean,         // (adjust * sum_i w_i c_i^2)^(1/2)
  kSquaredEuclidean,  // adjust * sum_i w_i c_i^2
  kCityBlock,         // adjust * sum_i w_i c_i
  kChebychev,         // adjust * max_i w_i c_i
  kMinkowski,         // (adjust * sum_i w_i c_i^p)^(1/p)
  kSimpleMatching,    // (a11 + a00) / (a11 + a10 + a01 + a00)
  kJaccard,           // a11 / (a11 + a10 + a01)
  kTanimoto,          // (a11 + a00) / (a11 + 2 (a10 + a01) + a00)
  kBinarySimilarity,  // sum c_xy a_xy / sum d_xy a_xy
};

// c_i = compare(x_i, y_i) of a row value x_i with a center coordinate y_i.
enum class CompareFunction {
  kAbsDiff,   // |x - y|
  kGaussSim,  // exp(-ln(2) (x - y)^2 / s^2), s = similarity_scale
  kDelta,     // 0 when x == y, else 1
  kEqual,     // 1 when x == y, else 0
  kTable,     // tables[i].values[level(x) * L + level(y)] (a category feature)
};

// A kTable feature's comparison matrix (PMML's Comparisons): the feature is
// a category column whose closed level set is `levels`; c(x, y) is
// values[r * L + c] where x = levels[r], y = levels[c] and L = levels.size().
// The feature's center coordinates are level positions (0-based).
struct CompareTable {
  std::vector<std::string> levels;
  std::vector<double> values;  // row-major L x L, finite, >= 0
};

// kBinarySimilarity's coefficients: with a_xy the number of features whose
// row value is x and center coordinate is y, the similarity is
// (c11 a11 + c10 a10 + c01 a01 + c00 a00) / (d11 a11 + d10 a10 + d01 a01 + d00 a00).
struct BinarySimilarity {
  double c00 = 0.0, c01 = 0.0, c10 = 0.0, c11 = 0.0;
  double d00 = 0.0, d01 = 0.0, d10 = 0.0, d11 = 0.0;
};

// A center-based clustering model: one center per cluster (Model::classes
// names the clusters), the row's affinity to each cluster (a distance or a
// similarity, per `measure`) as the outputs, the best cluster as the label.
// Missing features are left out and distances scaled by
//   adjust = sum_i q_i / sum_{i not missing} q_i   (q = missing_weights)
// before the outer power; a row with every feature missing has missing
// affinities and no cluster. Similarities count only the features present.
struct ClusteringModel {
  ClusterMeasure measure = ClusterMeasure::kEuclidean;
  double minkowski_p = 2.0;  // kMinkowski only; >= 1
  BinarySimilarity binary;   // kBinarySimilarity only
  // One per feature (Pipeline::features). Distances only: similarities use
  // neither compare functions nor weights.
  std::vector<CompareFunction> compare;
  std::vector<double> field_weights;     // w_i > 0
  // Optional (empty: none): s_i > 0 for kGaussSim features, 0 for the others.
  std::vector<double> similarity_scale;
  // Optional (empty: every q_i is 1): PMML's MissingValueWeights, q_i > 0.
  std::vector<double> missing_weights;
  // Optional (empty: no kTable feature): one per feature, the matrix of a
  // kTable feature and empty (no levels) for the others.
  std::vector<CompareTable> tables;
  // Row-major [cluster][feature]; binary (0/1) for similarity measures; the
  // level position for kTable features.
  std::vector<double> centers;
};

// Whether the best cluster is the one with the largest affinity.
bool IsSimilarity(ClusterMeasure measure);

using ModelBody = std::variant<GlmModel, TreeEnsembleModel, ClusteringModel>;

struct Model {
  Task task = Task::kRegression;
  // Classification: class labels in output order. A model with one logistic
  // output has two classes {negative, positive}. Clustering: the cluster ids,
  // in center order.
  std::vector<std::string> classes;
  ModelBody body;
};

// ---------------------------------------------------------------------------
// Post-processing
// ---------------------------------------------------------------------------

enum class RuleAction {
  kOverride,  // set the decision to `decision` (first matching override wins)
  kAnnotate,  // add `reason` to the row's flags, keep the decision
};

// A business rule: when the boolean expression `when` holds for a row (over
// inputs and transformed columns, plus `score`, the model's primary output),
// it acts. Rules are evaluated in order.
struct BusinessRule {
  std::string name;
  std::string when;
  RuleAction action = RuleAction::kAnnotate;
  std::string decision;  // kOverride only
  std::string reason;
};

// How a row's reason codes are chosen from its feature contributions.
enum class ReasonOrder {
  kByAbsoluteValue,  // largest |contribution| first
  kLargestFirst,     // largest (most positive) contribution first
  kSmallestFirst,    // smallest (most negative) contribution first
};

// A value computed from the prediction after the model (a score band, a
// rounded premium, a KPI): `expression` (docs/formats/expressions.md) sees
// the inputs, every transformed column, `score` (the model's primary output,
// as rules see it), the model's value columns by their names
// (ValueColumnNames: the prediction, or one probability or affinity per
// class) and the derived outputs before it. A number or a boolean (0/1);
// missing when the expression is. Rules see the derived outputs (not the
// value columns).
//
// With `categories` (distinct, non-empty texts) the output is a category: the
// expression gives its position in `categories` (0-based), and any other
// value (not a whole number in range, or missing) gives missing. Later
// outputs and rules see it as a category column (compared with string
// literals); Prediction::derived holds the position.
struct DerivedOutput {
  std::string name;
  std::string expression;
  std::vector<std::string> categories = {};  // empty: a number or a boolean
};

// PostProcessing::reason_code_count unless set.
inline constexpr int32_t kDefaultReasonCodeCount = 3;

struct PostProcessing {
  // Regression only: when set, an expression (a number) that replaces the
  // model's prediction, e.g. a clamp or rounding of it (PMML's Target min,
  // max and castInteger). It sees the inputs, every transformed column and
  // `score`, the model's own prediction. Feature contributions explain the
  // model's prediction, not this value, so such a pipeline cannot be
  // explained.
  std::string prediction_expression;
  // Evaluated in order after the model (and prediction_expression), before
  // the business rules, which may read them by name.
  std::vector<DerivedOutput> outputs;
  // Binary classification: the predicted label is classes[1] when
  // p(classes[1]) >= threshold, else classes[0]. Multiclass: arg max.
  std::optional<double> threshold;
  std::vector<BusinessRule> rules;
  // Default number of reason codes when a caller asks for them.
  int32_t reason_code_count = kDefaultReasonCodeCount;
  // The order of reason codes; ties go to the lower feature index.
  ReasonOrder reason_order = ReasonOrder::kByAbsoluteValue;
  // With a signed order only: a contribution that is zero or on the other
  // side of zero (negative for kLargestFirst, positive for kSmallestFirst)
  // is never a reason code, so a row may have fewer reasons than asked for.
  bool reason_one_sided = false;
  // The text a reason code reports for each model feature, in feature order
  // (e.g. a scorecard's reason code "RC1" for the column summing its
  // points). Empty: the feature names.
  std::vector<std::string> reason_labels;
};

// ---------------------------------------------------------------------------
// The pipeline
// ---------------------------------------------------------------------------

// What the model's outputs are called when its source names them (a PMML
// target field and its OutputFields). Empty members take Podium's names:
// prediction, probability_<class>, label; for clustering distance_<cluster>
// (similarity_<cluster>) and cluster.
struct OutputNames {
  std::string value;                       // regression: the predicted value
  std::vector<std::string> probabilities;  // classification: one per class, in class order
  std::vector<std::string> affinities;     // clustering: one per cluster, in class order
  std::string label;                       // classification and clustering: the predicted class or cluster
  // The reason-code columns by rank: reasons[k] names the column of the
  // (k+1)-th reason (a PMML reasonCode OutputField of rank k+1); later ranks
  // keep reason_<rank>.
  std::vector<std::string> reasons;
  bool empty() const {
    return value.empty() && probabilities.empty() && affinities.empty() && label.empty() && reasons.empty();
  }
};

struct Pipeline {
  int format_version = kPipelineFormatVersion;
  std::string name;
  std::string description;
  std::vector<InputField> inputs;
  std::vector<Transform> transforms;
  // The model's input columns, in order (names of inputs or transform
  // outputs). Numeric or boolean columns; a category column is allowed only
  // where every tree split on it is categorical.
  std::vector<std::string> features;
  Model model;
  PostProcessing post;
  OutputNames output_names;
  // Free-form provenance: which tool produced the model, from which file.
  std::string source;
};

// The names of a pipeline's value columns (the predicted value, one
// probability per class, or one affinity per cluster: distance_<cluster> or
// similarity_<cluster>) and of its label column (classifiers: label;
// clustering: cluster), after output_names: what `podium score` and the
// server call them.
std::vector<std::string> ValueColumnNames(const Pipeline& pipeline);
std::string LabelColumnName(const Pipeline& pipeline);
// The column of a row's `rank`-th reason code (1-based):
// output_names.reasons[rank - 1] when set, else reason_<rank>.
std::string ReasonColumnName(const Pipeline& pipeline, int rank);
// What a reason code reports for model feature `feature`: its reason label
// when the pipeline has them, else the feature's name.
const std::string& ReasonLabel(const Pipeline& pipeline, int32_t feature);
std::string_view ReasonOrderName(ReasonOrder order);

std::string_view TaskName(Task task);  // "regression", "classification", "clustering"
std::string_view FieldTypeName(FieldType type);
std::string_view GlmFamilyName(GlmFamily family);
std::string_view LinkFunctionName(LinkFunction link);
std::string_view OutputTransformName(OutputTransform transform);
std::string_view ClusterMeasureName(ClusterMeasure measure);
std::string_view CompareFunctionName(CompareFunction compare);

// The names of the columns a transform defines (one-hot defines several).
std::vector<std::string> TransformOutputs(const Transform& transform);
// The names of the columns a transform reads directly (expressions excluded:
// their references are found by parsing).
std::vector<std::string> TransformInputs(const Transform& transform);
// "impute", "clip", ..., as written in the artifact's "op" member.
std::string_view TransformOpName(const Transform& transform);

}  // namespace podium

#endif  // PODIUM_PIPELINE_PIPELINE_H_
