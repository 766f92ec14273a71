#include "engine/engine.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/plan.h"

namespace podium::engine {

using internal::Forest;
using internal::kBlockLanes;
using internal::OpKind;
using internal::Plan;
using internal::ScratchBuffers;
using internal::TransformOp;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline double Finite(double v) { return std::isfinite(v) ? v : kNaN; }

// The level index of a code in an encoder's table, or -1.
inline int32_t LevelIndex(const TransformOp& op, double code) {
  if (!(code >= 0.0 && code < static_cast<double>(op.level_of_code.size()))) return -1;
  return op.level_of_code[static_cast<size_t>(code)];
}

Status UnknownLevelError(const Plan& plan, const TransformOp& op, double code) {
  std::string level = "an unknown level";
  if (code >= 0.0 && code < static_cast<double>(plan.code_names.size())) {
    level = "level '" + plan.code_names[static_cast<size_t>(code)] + "'";
  }
  return InvalidArgumentError(op.where + ": column '" + op.column + "': " + level +
                              " is not one of the encoder's levels");
}

// Runs the transforms on one row's slots (inputs already in place).
Status RunTransforms(const Plan& plan, double* slots) {
  for (const TransformOp& op : plan.ops) {
    const double x = op.in >= 0 ? slots[op.in] : 0.0;
    double* out = slots + op.out;
    switch (op.kind) {
      case OpKind::kImpute:
        *out = std::isnan(x) ? op.a : x;
        break;
      case OpKind::kClip:
        *out = x < op.a ? op.a : (x > op.b ? op.b : x);
        break;
      case OpKind::kStandardize:
        *out = Finite((x - op.a) / op.b);
        break;
      case OpKind::kMinMax:
        *out = Finite((x - op.a) / (op.b - op.a) * (op.d - op.c) + op.c);
        break;
      case OpKind::kLog:
        *out = x > 0.0 ? Finite(std::log(x)) : kNaN;
        break;
      case OpKind::kLog1p:
        *out = x > -1.0 ? Finite(std::log1p(x)) : kNaN;
        break;
      case OpKind::kPower:
        *out = std::isnan(x) ? kNaN : Finite(std::pow(x, op.a));
        break;
      case OpKind::kBucketize: {
        if (std::isnan(x)) {
          *out = kNaN;
          break;
        }
        // right_closed=false: bucket = number of edges <= x; true: < x.
        const auto it = op.right_closed ? std::lower_bound(op.edges.begin(), op.edges.end(), x)
                                        : std::upper_bound(op.edges.begin(), op.edges.end(), x);
        *out = op.bucket_values[static_cast<size_t>(it - op.edges.begin())];
        break;
      }
      case OpKind::kOneHot: {
        const size_t n = static_cast<size_t>(op.num_levels);
        if (std::isnan(x)) {
          std::fill(out, out + n, kNaN);
          break;
        }
        const int32_t level = LevelIndex(op, x);
        if (level >= 0) {
          std::fill(out, out + n, 0.0);
          out[level] = 1.0;
          break;
        }
        switch (op.unknown) {
          case UnknownLevelPolicy::kError: return UnknownLevelError(plan, op, x);
          case UnknownLevelPolicy::kIgnore: std::fill(out, out + n, 0.0); break;
          case UnknownLevelPolicy::kMissing: std::fill(out, out + n, kNaN); break;
        }
        break;
      }
      case OpKind::kOrdinal: {
        if (std::isnan(x)) {
          *out = kNaN;
          break;
        }
        const int32_t level = LevelIndex(op, x);
        if (level >= 0) {
          *out = static_cast<double>(level);
          break;
        }
        switch (op.unknown) {
          case UnknownLevelPolicy::kError: return UnknownLevelError(plan, op, x);
          case UnknownLevelPolicy::kIgnore: *out = op.unknown_value; break;
          case UnknownLevelPolicy::kMissing: *out = kNaN; break;
        }
        break;
      }
      case OpKind::kDerive:
        *out = Finite(plan.programs[static_cast<size_t>(op.program)].Eval(slots));
        break;
    }
  }
  return Status::Ok();
}

double InverseLink(LinkFunction link, double eta) {
  switch (link) {
    case LinkFunction::kIdentity: return eta;
    case LinkFunction::kLogit: return 1.0 / (1.0 + std::exp(-eta));
    case LinkFunction::kProbit: return 0.5 * std::erfc(-eta / std::sqrt(2.0));
    case LinkFunction::kLog: return std::exp(eta);
    case LinkFunction::kCloglog: return 1.0 - std::exp(-std::exp(eta));
    case LinkFunction::kInverse: return 1.0 / eta;
  }
  return kNaN;
}

void Softmax(const double* margins, int k, double* values) {
  double max = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < k; ++i) {
    if (std::isnan(margins[i])) {
      std::fill(values, values + k, kNaN);
      return;
    }
    max = std::max(max, margins[i]);
  }
  double sum = 0.0;
  for (int i = 0; i < k; ++i) {
    values[i] = std::exp(margins[i] - max);
    sum += values[i];
  }
  for (int i = 0; i < k; ++i) values[i] = Finite(values[i] / sum);
}

// ---------------------------------------------------------------------------
// Clustering (pipeline.h, ClusteringModel)
// ---------------------------------------------------------------------------

inline double CompareTerm(const internal::ClusterPlan& c, size_t i, double x, double y) {
  switch (c.compare[i]) {
    case CompareFunction::kAbsDiff: return std::fabs(x - y);
    case CompareFunction::kGaussSim: return std::exp(-std::log(2.0) * (x - y) * (x - y) / c.scale_squared[i]);
    case CompareFunction::kDelta: return x == y ? 0.0 : 1.0;
    case CompareFunction::kEqual: return x == y ? 1.0 : 0.0;
    case CompareFunction::kTable: {
      // x is a level code (CheckClusterFeatures made sure it has a row), y a
      // level position.
      const size_t row = static_cast<size_t>(c.table_row_of_code[i][static_cast<size_t>(x)]);
      return c.tables[i].values[row * c.tables[i].levels.size() + static_cast<size_t>(y)];
    }
  }
  return kNaN;
}

// Distances of one feature row to every center (out: num_clusters values).
void ClusterDistances(const internal::ClusterPlan& c, const double* x, size_t f, double* out) {
  double present_q = 0.0;
  for (size_t i = 0; i < f; ++i) {
    if (!std::isnan(x[i])) present_q += c.missing_weights[i];
  }
  if (present_q == 0.0) {
    std::fill(out, out + c.num_clusters, kNaN);
    return;
  }
  const double adjust = c.total_missing_weight / present_q;
  for (int k = 0; k < c.num_clusters; ++k) {
    const double* center = c.centers.data() + static_cast<size_t>(k) * f;
    double sum = 0.0;
    double max = 0.0;
    for (size_t i = 0; i < f; ++i) {
      if (std::isnan(x[i])) continue;
      const double d = CompareTerm(c, i, x[i], center[i]);
      const double w = c.weights[i];
      switch (c.measure) {
        case ClusterMeasure::kEuclidean:
        case ClusterMeasure::kSquaredEuclidean: sum += w * d * d; break;
        case ClusterMeasure::kCityBlock: sum += w * d; break;
        case ClusterMeasure::kChebychev: max = std::max(max, w * d); break;
        case ClusterMeasure::kMinkowski: sum += w * std::pow(std::fabs(d), c.p); break;
        default: break;
      }
    }
    double distance = kNaN;
    switch (c.measure) {
      case ClusterMeasure::kEuclidean: distance = std::sqrt(adjust * sum); break;
      case ClusterMeasure::kSquaredEuclidean:
      case ClusterMeasure::kCityBlock: distance = adjust * sum; break;
      case ClusterMeasure::kChebychev: distance = adjust * max; break;
      case ClusterMeasure::kMinkowski: distance = std::pow(adjust * sum, 1.0 / c.p); break;
      default: break;
    }
    out[k] = Finite(distance);
  }
}

// Similarities of one row of 0/1 values (CheckClusterFeatures) to every center.
void ClusterSimilarities(const internal::ClusterPlan& c, const double* x, size_t f, double* out) {
  for (int k = 0; k < c.num_clusters; ++k) {
    const double* center = c.centers.data() + static_cast<size_t>(k) * f;
    double a11 = 0.0, a10 = 0.0, a01 = 0.0, a00 = 0.0;
    for (size_t i = 0; i < f; ++i) {
      if (std::isnan(x[i])) continue;
      const bool one = x[i] == 1.0;
      const bool center_one = center[i] == 1.0;
      if (one) {
        (center_one ? a11 : a10) += 1.0;
      } else {
        (center_one ? a01 : a00) += 1.0;
      }
    }
    double value = kNaN;
    if (a11 + a10 + a01 + a00 > 0.0) {
      const BinarySimilarity& b = c.binary;
      switch (c.measure) {
        case ClusterMeasure::kSimpleMatching: value = (a11 + a00) / (a11 + a10 + a01 + a00); break;
        case ClusterMeasure::kJaccard: value = a11 / (a11 + a10 + a01); break;
        case ClusterMeasure::kTanimoto: value = (a11 + a00) / (a11 + 2.0 * (a10 + a01) + a00); break;
        case ClusterMeasure::kBinarySimilarity:
          value = (b.c11 * a11 + b.c10 * a10 + b.c01 * a01 + b.c00 * a00) /
                  (b.d11 * a11 + b.d10 * a10 + b.d01 * a01 + b.d00 * a00);
          break;
        default: break;
      }
    }
    out[k] = Finite(value);
  }
}

// A table feature's level must have a row of its table; validation makes
// that so, and a broken invariant is a row error (as the reference scorer
// reports it), never a lookup out of bounds.
Status CheckTableFeatures(const Plan& plan, const double* x) {
  const internal::ClusterPlan& c = plan.cluster;
  for (size_t i = 0; i < c.table_row_of_code.size(); ++i) {
    const std::vector<int32_t>& rows = c.table_row_of_code[i];
    if (rows.empty() || std::isnan(x[i])) continue;
    if (x[i] >= 0.0 && x[i] < static_cast<double>(rows.size()) && rows[static_cast<size_t>(x[i])] >= 0) continue;
    std::string level = "an unknown level";
    if (x[i] >= 0.0 && x[i] < static_cast<double>(plan.code_names.size())) {
      level = "'" + plan.code_names[static_cast<size_t>(x[i])] + "'";
    }
    return InvalidArgumentError("model feature '" + plan.pipeline.features[i] + "' is " + level +
                                ", which is not a level of its comparison table");
  }
  return Status::Ok();
}

// Similarity measures compare 0/1 values: any other present value is a row
// error naming the feature (as the reference scorer reports it). Table
// features are checked for a row of their table.
Status CheckClusterFeatures(const Plan& plan, const double* x) {
  if (!plan.is_clustering) return Status::Ok();
  if (!plan.cluster.similarity) return CheckTableFeatures(plan, x);
  for (int i = 0; i < plan.num_features; ++i) {
    if (std::isnan(x[i]) || x[i] == 0.0 || x[i] == 1.0) continue;
    return InvalidArgumentError("model feature '" + plan.pipeline.features[static_cast<size_t>(i)] + "' is " +
                                std::to_string(x[i]) + ", but " +
                                std::string(ClusterMeasureName(plan.cluster.measure)) + " compares 0/1 values");
  }
  return Status::Ok();
}

void ClusterMargins(const Plan& plan, const double* features, double* margins) {
  const size_t f = static_cast<size_t>(plan.num_features);
  if (plan.cluster.similarity) {
    ClusterSimilarities(plan.cluster, features, f, margins);
  } else {
    ClusterDistances(plan.cluster, features, f, margins);
  }
}

// Model outputs (margins) -> response-scale values.
void ComputeValues(const Plan& plan, const double* margins, double* values) {
  if (plan.is_clustering) {
    std::copy(margins, margins + plan.num_values, values);
    return;
  }
  if (plan.is_glm) {
    const internal::GlmPlan& glm = plan.glm;
    if (glm.family == GlmFamily::kMultinomial) {
      Softmax(margins, glm.num_predictors, values);
      return;
    }
    const double response = Finite(InverseLink(glm.link, margins[0]));
    if (plan.num_values == 2) {
      values[0] = 1.0 - response;
      values[1] = response;
    } else {
      values[0] = response;
    }
    return;
  }
  switch (plan.output_transform) {
    case OutputTransform::kIdentity:
      for (int o = 0; o < plan.num_outputs; ++o) values[o] = Finite(margins[o]);
      break;
    case OutputTransform::kLogistic: {
      const double p = Finite(1.0 / (1.0 + std::exp(-margins[0])));
      values[0] = 1.0 - p;
      values[1] = p;
      break;
    }
    case OutputTransform::kSoftmax:
      Softmax(margins, plan.num_outputs, values);
      break;
    case OutputTransform::kExp:
      values[0] = Finite(std::exp(margins[0]));
      break;
  }
}

// The predicted label (-1 for regression or missing values) and `score`.
int32_t ComputeLabel(const Plan& plan, const double* values, double* score) {
  if (plan.task == Task::kRegression) {
    *score = values[0];
    return -1;
  }
  if (plan.task == Task::kClustering) {
    // The nearest (or most similar) cluster with a value; lowest index on ties.
    int32_t best = -1;
    for (int i = 0; i < plan.num_values; ++i) {
      if (std::isnan(values[i])) continue;
      if (best < 0 || (plan.cluster.similarity ? values[i] > values[best] : values[i] < values[best])) best = i;
    }
    *score = best >= 0 ? values[best] : kNaN;
    return best;
  }
  if (plan.num_values == 2) {
    *score = values[1];
    if (std::isnan(values[1])) return -1;
    return values[1] >= plan.threshold ? 1 : 0;
  }
  int32_t best = 0;
  for (int i = 0; i < plan.num_values; ++i) {
    if (std::isnan(values[i])) {
      *score = kNaN;
      return -1;
    }
    if (values[i] > values[best]) best = i;
  }
  *score = values[best];
  return best;
}

// Applies the business rules to one row; fills scratch.fired and returns the
// decision.
int32_t ApplyRules(const Plan& plan, double* slots, int32_t label, std::vector<int32_t>* fired) {
  fired->clear();
  int32_t decision = label;
  bool overridden = false;
  for (size_t i = 0; i < plan.rules.size(); ++i) {
    const internal::RulePlan& rule = plan.rules[i];
    if (rule.is_override && overridden) continue;
    const double when = plan.programs[static_cast<size_t>(rule.program)].Eval(slots);
    if (std::isnan(when) || when == 0.0) continue;
    if (rule.is_override) {
      overridden = true;
      decision = rule.decision;
    }
    fired->push_back(static_cast<int32_t>(i));
  }
  return decision;
}

// A block of feature rows whose sentinel slots (forest.h) hold -inf. Only the
// feature slots are written afterwards.
template <typename T>
void FillSentinels(std::vector<T>* block, size_t rows, size_t stride, size_t sentinel) {
  block->assign(rows * stride, T(0));
  for (size_t r = 0; r < rows; ++r) block->data()[r * stride + sentinel] = -std::numeric_limits<T>::infinity();
}

inline void GatherFeatures(const Plan& plan, const double* source, double* row) {
  const int32_t* slots = plan.feature_slots.data();
  for (int j = 0; j < plan.num_features; ++j) row[j] = source[slots[j]];
}

// One feature row in the forest's layout (forest.h: two slots per feature).
template <typename T>
inline void GatherTreeFeatures(const Plan& plan, const double* source, T* row) {
  constexpr T kInf = std::numeric_limits<T>::infinity();
  const int32_t* slots = plan.feature_slots.data();
  for (int j = 0; j < plan.num_features; ++j) {
    const T v = static_cast<T>(source[slots[j]]);
    const bool missing = v != v;
    row[2 * j] = missing ? kInf : v;
    row[2 * j + 1] = missing ? -kInf : v;
  }
}

// Tree sums (acc, rows x k, in T) -> margins in double.
template <typename T>
void FinishMargins(const Plan& plan, const T* acc, size_t rows, double* margins) {
  const size_t k = static_cast<size_t>(plan.num_outputs);
  const size_t n = rows * k;
  if (plan.aggregation == Aggregation::kAverage) {
    const double trees = static_cast<double>(plan.num_trees);
    for (size_t i = 0; i < n; ++i) {
      const double sum = static_cast<double>(acc[i]);
      margins[i] = (plan.num_trees > 0 ? sum / trees : 0.0) + plan.base_score[i % k];
    }
  } else {
    for (size_t i = 0; i < n; ++i) margins[i] = static_cast<double>(acc[i]);
  }
}

// Initial tree sums: base_score for kSum (in T), 0 for kAverage.
template <typename T>
void InitAcc(const Plan& plan, size_t rows, T* acc) {
  const size_t k = static_cast<size_t>(plan.num_outputs);
  for (size_t o = 0; o < k; ++o) {
    const T start = plan.aggregation == Aggregation::kAverage ? T(0) : static_cast<T>(plan.base_score[o]);
    for (size_t r = 0; r < rows; ++r) acc[r * k + o] = start;
  }
}

template <typename T>
const Forest<T>& ForestOf(const Plan& plan) {
  if constexpr (std::is_same_v<T, float>) {
    return plan.forest32;
  } else {
    return plan.forest64;
  }
}

template <typename T>
std::vector<T>& FeatureBlock(ScratchBuffers& s) {
  if constexpr (std::is_same_v<T, float>) {
    return s.features32;
  } else {
    return s.features64;
  }
}

template <typename T>
std::vector<T>& AccBlock(ScratchBuffers& s) {
  if constexpr (std::is_same_v<T, float>) {
    return s.acc32;
  } else {
    return s.acc64;
  }
}

// Margins of one feature row (single-row path): trees walked interleaved.
template <typename T>
void RowMargins(const Plan& plan, ScratchBuffers& s, const T* row, double* margins) {
  const Forest<T>& forest = ForestOf<T>(plan);
  T* acc = AccBlock<T>(s).data();
  InitAcc(plan, 1, acc);
  if (forest.one_output_sum) {
    internal::SumRow(forest, row, acc);
    FinishMargins(plan, acc, 1, margins);
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (forest.perfect.depth > 0) {
      internal::AccumulatePerfectRow(forest, row, acc);
      FinishMargins(plan, acc, 1, margins);
      return;
    }
  }
  internal::FindLeaves(forest, row, s.leaves.data());
  const size_t num_trees = forest.roots.size();
  const size_t k = static_cast<size_t>(forest.num_outputs);
  for (size_t t = 0; t < num_trees; ++t) {
    const int32_t output = forest.tree_output[t];
    if (output >= 0) {
      acc[output] += forest.nodes[s.leaves[t]].value;
    } else {
      const T* leaf = forest.leaf_pool.data() + forest.leaf_offset[s.leaves[t]];
      for (size_t o = 0; o < k; ++o) acc[o] += leaf[o];
    }
  }
  FinishMargins(plan, acc, 1, margins);
}

void GlmMargins(const Plan& plan, const double* features, const double* slots, double* margins) {
  const internal::GlmPlan& glm = plan.glm;
  const size_t f = static_cast<size_t>(plan.num_features);
  const double offset = glm.offset_slot >= 0 ? slots[glm.offset_slot] : 0.0;
  for (int p = 0; p < glm.num_predictors; ++p) {
    const double* coef = glm.coefficients.data() + static_cast<size_t>(p) * f;
    double eta = glm.intercepts[static_cast<size_t>(p)];
    for (size_t j = 0; j < f; ++j) eta += coef[j] * features[j];
    if (glm.offset_slot >= 0) eta += offset;
    margins[p] = eta;
  }
}

// Contributions of one row to output `output` (num_features + 1 values).
template <typename T>
void Explain(const Plan& plan, ScratchBuffers& s, const T* tree_row, const double* glm_row,
             const double* slots, int output, double* phi) {
  const size_t f = static_cast<size_t>(plan.num_features);
  if (plan.is_glm) {
    const internal::GlmPlan& glm = plan.glm;
    const double* coef = glm.coefficients.data() + static_cast<size_t>(output) * f;
    double bias = glm.intercepts[static_cast<size_t>(output)];
    for (size_t j = 0; j < f; ++j) {
      phi[j] = coef[j] * (glm_row[j] - glm.means[j]);
      bias += coef[j] * glm.means[j];
    }
    if (glm.offset_slot >= 0) bias += slots[glm.offset_slot];
    phi[f] = bias;
    return;
  }
  std::fill(phi, phi + f + 1, 0.0);
  const Forest<T>& forest = ForestOf<T>(plan);
  const double scale = plan.aggregation == Aggregation::kAverage && plan.num_trees > 0
                           ? 1.0 / static_cast<double>(plan.num_trees)
                           : 1.0;
  for (const internal::ShapTree& tree : plan.shap_trees) {
    internal::TreeShap(tree, forest, tree_row, output, scale, s.shap_work.data(), phi);
  }
  phi[f] = plan.expected_margin[static_cast<size_t>(output)];
}

int ExplainedOutput(const Plan& plan, int32_t label) {
  if (plan.num_outputs == 1) return 0;
  return label >= 0 ? label : 0;
}

}  // namespace

// ---------------------------------------------------------------------------

Scratch::Scratch(std::unique_ptr<ScratchBuffers> buffers) : buffers_(std::move(buffers)) {}
Scratch::~Scratch() = default;

ScoringPlan::ScoringPlan(std::unique_ptr<Plan> plan) : plan_(std::move(plan)) {}
ScoringPlan::~ScoringPlan() = default;

Result<std::shared_ptr<const ScoringPlan>> ScoringPlan::Compile(const Pipeline& pipeline) {
  ASSIGN_OR_RETURN(std::unique_ptr<Plan> plan, internal::CompilePlan(pipeline));
  return std::shared_ptr<const ScoringPlan>(new ScoringPlan(std::move(plan)));
}

const Pipeline& ScoringPlan::pipeline() const { return plan_->pipeline; }
int ScoringPlan::num_inputs() const { return plan_->num_inputs; }
int ScoringPlan::num_values() const { return plan_->num_values; }
const std::vector<std::string>& ScoringPlan::feature_names() const { return plan_->pipeline.features; }
const std::vector<std::string>& ScoringPlan::classes() const { return plan_->pipeline.model.classes; }
int ScoringPlan::num_derived() const { return plan_->num_derived; }

const std::vector<std::string>& ScoringPlan::decision_vocabulary() const {
  return plan_->decision_vocabulary;
}
bool ScoringPlan::can_explain() const { return plan_->can_explain; }

double ScoringPlan::LevelCode(std::string_view text) const {
  auto it = plan_->level_codes.find(text);
  return it == plan_->level_codes.end() ? kUnknownLevel : static_cast<double>(it->second);
}

Result<double> ScoringPlan::EncodeInput(int field, const RawValue& raw) const {
  if (field < 0 || field >= plan_->num_inputs) {
    return OutOfRangeError("input field " + std::to_string(field) + " does not exist (" +
                           std::to_string(plan_->num_inputs) + " inputs)");
  }
  ASSIGN_OR_RETURN(InputValue value, ConvertInput(plan_->pipeline.inputs[static_cast<size_t>(field)], raw));
  if (value.missing) return kNaN;
  if (plan_->input_is_category[static_cast<size_t>(field)]) return LevelCode(value.text);
  return value.number;
}

Status ScoringPlan::EncodeRow(const RawValue* raw, double* encoded) const {
  for (int i = 0; i < plan_->num_inputs; ++i) {
    ASSIGN_OR_RETURN(encoded[i], EncodeInput(i, raw[i]));
  }
  return Status::Ok();
}

std::unique_ptr<Scratch> ScoringPlan::NewScratch() const {
  const Plan& p = *plan_;
  auto s = std::make_unique<ScratchBuffers>();
  s->plan = &p;
  const size_t block_rows = p.block_rows;
  s->slots.assign(block_rows * static_cast<size_t>(p.num_slots), 0.0);
  const size_t k = static_cast<size_t>(std::max(p.num_outputs, 1));
  if (!p.is_glm && !p.is_clustering) {
    if (p.float32) {
      FillSentinels(&s->features32, block_rows, p.forest32.stride, 2 * static_cast<size_t>(p.num_features));
      s->acc32.assign(block_rows * k, 0.0f);
    } else {
      FillSentinels(&s->features64, block_rows, p.forest64.stride, 2 * static_cast<size_t>(p.num_features));
      s->acc64.assign(block_rows * k, 0.0);
    }
    s->leaves.assign(p.num_trees, 0);
    s->shap_work.resize(internal::ShapWorkSize(p.max_depth));
  } else {
    s->features64.assign(block_rows * static_cast<size_t>(p.num_features), 0.0);
  }
  s->margins.assign(block_rows * k, 0.0);
  s->failed.assign(block_rows, 0);
  s->fired.reserve(p.rules.size());
  s->phi.assign(static_cast<size_t>(p.num_features) + 1, 0.0);
  return std::unique_ptr<Scratch>(new Scratch(std::move(s)));
}

namespace {

// The derived outputs of one row into `derived` (num_derived), each also in
// its slot for the outputs after it and the rules.
void ComputeDerived(const Plan& plan, const double* values, double score, double* slots, double* derived) {
  if (plan.num_derived == 0) return;
  slots[plan.score_slot] = score;
  std::copy(values, values + plan.num_values, slots + plan.value_slot);
  for (size_t i = 0; i < plan.output_programs.size(); ++i) {
    double value = plan.programs[static_cast<size_t>(plan.output_programs[i])].Eval(slots);
    double slot = value;
    const std::vector<double>& codes = plan.output_codes[i];
    if (!codes.empty()) {
      // A category output: the value is the category's position, its slot
      // the category's level code; anything else is missing.
      if (value >= 0 && value < static_cast<double>(codes.size()) && value == std::floor(value)) {
        slot = codes[static_cast<size_t>(value)];
      } else {
        value = kNaN;
        slot = kNaN;
      }
    }
    slots[static_cast<size_t>(plan.derived_slot) + i] = slot;
    derived[i] = value;
  }
}

// Shared by ScoreRow and ScoreBatch: everything after the margins of one row.
// Fills values (num_values) and derived (num_derived), returns the label, sets
// *decision and s.fired.
int32_t FinishRow(const Plan& plan, ScratchBuffers& s, const double* margins, double* slots,
                  double* values, double* derived, int32_t* decision) {
  ComputeValues(plan, margins, values);
  if (plan.prediction_program >= 0) {
    // post.prediction_expression sees the model's own prediction as `score`.
    slots[plan.score_slot] = values[0];
    values[0] = plan.programs[static_cast<size_t>(plan.prediction_program)].Eval(slots);
  }
  double score = kNaN;
  const int32_t label = ComputeLabel(plan, values, &score);
  ComputeDerived(plan, values, score, slots, derived);
  if (plan.rules.empty()) {
    s.fired.clear();
    *decision = label;
    return label;
  }
  slots[plan.score_slot] = score;
  *decision = ApplyRules(plan, slots, label, &s.fired);
  return label;
}

template <typename T>
Status ScoreRowImpl(const Plan& plan, const double* inputs, ScratchBuffers& s, Prediction* out,
                    bool explain) {
  double* slots = s.slots.data();
  const double* source = inputs;
  if (plan.needs_slots) {
    std::memcpy(slots, inputs, sizeof(double) * static_cast<size_t>(plan.num_inputs));
    RETURN_IF_ERROR(RunTransforms(plan, slots));
    source = slots;
  }
  double* margins = s.margins.data();
  T* tree_row = nullptr;
  double* glm_row = nullptr;
  if (plan.is_glm) {
    glm_row = s.features64.data();
    GatherFeatures(plan, source, glm_row);
    GlmMargins(plan, glm_row, slots, margins);
  } else if (plan.is_clustering) {
    double* row = s.features64.data();
    GatherFeatures(plan, source, row);
    RETURN_IF_ERROR(CheckClusterFeatures(plan, row));
    ClusterMargins(plan, row, margins);
  } else {
    tree_row = FeatureBlock<T>(s).data();
    GatherTreeFeatures(plan, source, tree_row);
    RowMargins<T>(plan, s, tree_row, margins);
  }
  out->values.resize(static_cast<size_t>(plan.num_values));
  out->derived.resize(static_cast<size_t>(plan.num_derived));
  if (out->fired_rules.capacity() < plan.rules.size()) out->fired_rules.reserve(plan.rules.size());
  out->label = FinishRow(plan, s, margins, slots, out->values.data(), out->derived.data(), &out->decision);
  out->fired_rules.assign(s.fired.begin(), s.fired.end());
  if (explain) {
    const size_t f = static_cast<size_t>(plan.num_features);
    out->contributions.resize(f + 1);
    double* values = s.phi.data();
    Explain<T>(plan, s, tree_row, glm_row, slots, ExplainedOutput(plan, out->label), values);
    for (size_t j = 0; j <= f; ++j) {
      out->contributions[j].feature = j < f ? static_cast<int32_t>(j) : -1;
      out->contributions[j].value = values[j];
    }
  } else {
    out->contributions.clear();
  }
  return Status::Ok();
}

}  // namespace

Status ScoringPlan::ScoreRow(const double* encoded_inputs, Scratch& scratch, Prediction* out,
                             bool explain) const {
  ScratchBuffers& s = *scratch.buffers_;
  assert(s.plan == plan_.get() && "a Scratch is used with the plan that made it");
  if (explain && !plan_->can_explain) return FailedPreconditionError(plan_->explain_error);
  if (plan_->float32) return ScoreRowImpl<float>(*plan_, encoded_inputs, s, out, explain);
  return ScoreRowImpl<double>(*plan_, encoded_inputs, s, out, explain);
}

namespace {

template <typename T>
void ScoreBlock(const Plan& plan, const double* inputs, size_t first, size_t rows, ScratchBuffers& s,
                BatchResult* out, bool explain) {
  const size_t num_inputs = static_cast<size_t>(plan.num_inputs);
  const size_t num_slots = static_cast<size_t>(plan.num_slots);
  const size_t k = static_cast<size_t>(plan.num_outputs);
  const size_t f = static_cast<size_t>(plan.num_features);
  uint8_t* failed = s.failed.data();
  // GLMs and clustering models read dense feature rows; trees the forest's layout.
  const bool dense = plan.is_glm || plan.is_clustering;
  T* block = dense ? nullptr : FeatureBlock<T>(s).data();
  double* glm_block = dense ? s.features64.data() : nullptr;
  const size_t stride = dense ? f : ForestOf<T>(plan).stride;

  // 1. Transforms and features, row by row.
  for (size_t r = 0; r < rows; ++r) {
    const double* row = inputs + (first + r) * num_inputs;
    failed[r] = 0;
    const double* source = row;
    if (plan.needs_slots) {
      double* slots = s.slots.data() + r * num_slots;
      std::memcpy(slots, row, sizeof(double) * num_inputs);
      Status status = RunTransforms(plan, slots);
      if (!status.ok()) {
        failed[r] = 1;
        out->errors.push_back(RowError{first + r, std::move(status)});
        continue;
      }
      source = slots;
    }
    if (dense) {
      GatherFeatures(plan, source, glm_block + r * stride);
      Status status = CheckClusterFeatures(plan, glm_block + r * stride);
      if (!status.ok()) {
        failed[r] = 1;
        out->errors.push_back(RowError{first + r, std::move(status)});
      }
    } else {
      GatherTreeFeatures(plan, source, block + r * stride);
    }
  }

  // 2. The model, for the whole block.
  double* margins = s.margins.data();
  if (plan.is_glm) {
    for (size_t r = 0; r < rows; ++r) {
      GlmMargins(plan, glm_block + r * stride, s.slots.data() + r * num_slots, margins + r * k);
    }
  } else if (plan.is_clustering) {
    for (size_t r = 0; r < rows; ++r) {
      if (!failed[r]) ClusterMargins(plan, glm_block + r * stride, margins + r * k);
    }
  } else {
    // Whole groups of kBlockLanes rows go through the block kernel; the rest
    // (a single-row request, the tail of a file) through the single-row walk,
    // which costs about what one lane of the block kernel does instead of a
    // whole padded group. Both add the trees in tree order, so the margins
    // are the same either way.
    const size_t full = rows / kBlockLanes * kBlockLanes;
    if (full > 0) {
      T* acc = AccBlock<T>(s).data();
      InitAcc(plan, full, acc);
      internal::AccumulateBlock(ForestOf<T>(plan), block, full, acc);
      FinishMargins(plan, acc, full, margins);
    }
    for (size_t r = full; r < rows; ++r) RowMargins<T>(plan, s, block + r * stride, margins + r * k);
  }

  // 3. Post-processing and explanations, row by row.
  const size_t nv = static_cast<size_t>(plan.num_values);
  const size_t nd = static_cast<size_t>(plan.num_derived);
  for (size_t r = 0; r < rows; ++r) {
    const size_t row = first + r;
    double* values = out->values.data() + row * nv;
    double* derived = out->derived.data() + row * nd;
    if (failed[r]) {
      std::fill(values, values + nv, kNaN);
      std::fill(derived, derived + nd, kNaN);
      out->labels[row] = -1;
      out->decisions[row] = -1;
      out->fired_offsets[row + 1] = static_cast<uint32_t>(out->fired_rules.size());
      if (explain) std::fill(out->contributions.begin() + static_cast<ptrdiff_t>(row * (f + 1)),
                             out->contributions.begin() + static_cast<ptrdiff_t>((row + 1) * (f + 1)), kNaN);
      continue;
    }
    double* slots = s.slots.data() + r * num_slots;
    int32_t decision = -1;
    const int32_t label = FinishRow(plan, s, margins + r * k, slots, values, derived, &decision);
    out->labels[row] = label;
    out->decisions[row] = decision;
    out->fired_rules.insert(out->fired_rules.end(), s.fired.begin(), s.fired.end());
    out->fired_offsets[row + 1] = static_cast<uint32_t>(out->fired_rules.size());
    if (explain) {
      Explain<T>(plan, s, plan.is_glm ? nullptr : block + r * stride,
                 plan.is_glm ? glm_block + r * stride : nullptr, slots, ExplainedOutput(plan, label),
                 out->contributions.data() + row * (f + 1));
    }
  }
}

}  // namespace

void ScoringPlan::ScoreBatch(const double* encoded_inputs, size_t rows, Scratch& scratch,
                             BatchResult* out, bool explain) const {
  ScratchBuffers& s = *scratch.buffers_;
  const Plan& plan = *plan_;
  assert(s.plan == &plan && "a Scratch is used with the plan that made it");
  const size_t nv = static_cast<size_t>(plan.num_values);
  const size_t f = static_cast<size_t>(plan.num_features);
  out->rows = rows;
  out->num_values = plan.num_values;
  out->num_derived = plan.num_derived;
  out->values.resize(rows * nv);
  out->derived.resize(rows * static_cast<size_t>(plan.num_derived));
  out->labels.resize(rows);
  out->decisions.resize(rows);
  out->fired_offsets.resize(rows + 1);
  out->fired_offsets[0] = 0;
  out->fired_rules.clear();
  out->errors.clear();
  if (explain) {
    out->contributions.resize(rows * (f + 1));
  } else {
    out->contributions.clear();
  }
  if (explain && !plan.can_explain) {
    std::fill(out->values.begin(), out->values.end(), kNaN);
    std::fill(out->derived.begin(), out->derived.end(), kNaN);
    std::fill(out->labels.begin(), out->labels.end(), -1);
    std::fill(out->decisions.begin(), out->decisions.end(), -1);
    std::fill(out->fired_offsets.begin(), out->fired_offsets.end(), 0);
    std::fill(out->contributions.begin(), out->contributions.end(), kNaN);
    const Status status = FailedPreconditionError(plan.explain_error);
    out->errors.reserve(rows);
    for (size_t r = 0; r < rows; ++r) out->errors.push_back(RowError{r, status});
    return;
  }
  for (size_t first = 0; first < rows; first += plan.block_rows) {
    const size_t n = std::min(plan.block_rows, rows - first);
    if (plan.float32) {
      ScoreBlock<float>(plan, encoded_inputs, first, n, s, out, explain);
    } else {
      ScoreBlock<double>(plan, encoded_inputs, first, n, s, out, explain);
    }
  }
}

}  // namespace podium::engine
