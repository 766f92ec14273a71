#include "reference/reference.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "expr/expr.h"
#include "pipeline/validate.h"

namespace podium::reference {
namespace {

// A column value: missing (monostate), a number (booleans as 0/1) or a
// category level. expr::Value also has bool, which appears only while an
// expression is being evaluated.
using Value = expr::Value;
using Columns = std::map<std::string, Value, std::less<>>;

bool IsMissing(const Value& value) { return std::holds_alternative<std::monostate>(value); }

// "A computation that yields NaN or +/-Inf yields missing."
Value NumberOrMissing(double x) { return std::isfinite(x) ? Value(x) : Value(); }

std::string Quote(std::string_view text) {
  // Appended, not concatenated: GCC 12 warns falsely (-Wrestrict) on "'" + std::string(...).
  std::string quoted = "'";
  quoted.append(text);
  quoted += '\'';
  return quoted;
}

// The state of one row while it is scored.
struct Row {
  const Pipeline& pipeline;
  const PipelineColumns& types;
  Columns columns;
  // The transform being applied, for messages: "transforms[2] (one_hot)".
  std::string where;
};

Result<const Value*> Lookup(const Columns& columns, std::string_view name) {
  auto it = columns.find(name);
  if (it == columns.end()) return InternalError("column " + Quote(name) + " is not defined");
  return &it->second;
}

// A numeric column's value, nullopt when missing.
Result<std::optional<double>> ReadNumber(const Columns& columns, std::string_view name) {
  ASSIGN_OR_RETURN(const Value* value, Lookup(columns, name));
  if (IsMissing(*value)) return std::optional<double>();
  if (const auto* number = std::get_if<double>(value)) return std::optional<double>(*number);
  return InternalError("column " + Quote(name) + " is not a number");
}

// A category column's level, nullopt when missing.
Result<std::optional<std::string>> ReadLevel(const Columns& columns, std::string_view name) {
  ASSIGN_OR_RETURN(const Value* value, Lookup(columns, name));
  if (IsMissing(*value)) return std::optional<std::string>();
  if (const auto* level = std::get_if<std::string>(value)) return std::optional<std::string>(*level);
  return InternalError("column " + Quote(name) + " is not a category");
}

// Evaluates an expression over the row's columns and the post-processing
// names in `post` (`score`, value columns, derived outputs; empty for
// transforms). Boolean columns are handed to the interpreter as booleans, not
// 0/1; `post` holds booleans as such.
Result<Value> Evaluate(const std::string& text, const Row& row, const Columns& post) {
  ASSIGN_OR_RETURN(std::unique_ptr<expr::Node> ast, expr::Parse(text));
  return expr::Interpret(*ast, [&](std::string_view name) -> Value {
    auto it = row.columns.find(name);
    if (it == row.columns.end()) {
      auto extra = post.find(name);
      return extra == post.end() ? Value() : extra->second;
    }
    const ColumnInfo* info = row.types.Find(name);
    if (info != nullptr && info->type == ColumnType::kBoolean) {
      if (const auto* number = std::get_if<double>(&it->second)) return Value(*number != 0.0);
    }
    return it->second;
  });
}

// ---------------------------------------------------------------------------
// Transforms, one function per kind, each the literal reading of its comment.
// ---------------------------------------------------------------------------

Status Apply(const ImputeTransform& t, Row& row) {
  ASSIGN_OR_RETURN(const Value* input, Lookup(row.columns, t.input));
  Value output = *input;
  if (IsMissing(output)) {
    output = std::visit([](const auto& v) { return Value(v); }, t.value);
  }
  row.columns[t.output] = std::move(output);
  return Status::Ok();
}

Status Apply(const ClipTransform& t, Row& row) {
  ASSIGN_OR_RETURN(std::optional<double> x, ReadNumber(row.columns, t.input));
  Value output;
  if (x) {
    double clipped = *x;
    if (t.min && clipped < *t.min) clipped = *t.min;
    if (t.max && clipped > *t.max) clipped = *t.max;
    output = NumberOrMissing(clipped);
  }
  row.columns[t.output] = output;
  return Status::Ok();
}

Status Apply(const StandardizeTransform& t, Row& row) {
  ASSIGN_OR_RETURN(std::optional<double> x, ReadNumber(row.columns, t.input));
  row.columns[t.output] = x ? NumberOrMissing((*x - t.mean) / t.scale) : Value();
  return Status::Ok();
}

Status Apply(const MinMaxTransform& t, Row& row) {
  ASSIGN_OR_RETURN(std::optional<double> x, ReadNumber(row.columns, t.input));
  row.columns[t.output] =
      x ? NumberOrMissing((*x - t.min) / (t.max - t.min) * (t.to_max - t.to_min) + t.to_min)
        : Value();
  return Status::Ok();
}

Status Apply(const MathTransform& t, Row& row) {
  ASSIGN_OR_RETURN(std::optional<double> x, ReadNumber(row.columns, t.input));
  Value output;
  if (x) {
    switch (t.function) {
      case MathFunction::kLog:
        if (*x > 0) output = NumberOrMissing(std::log(*x));
        break;
      case MathFunction::kLog1p:
        if (*x > -1) output = NumberOrMissing(std::log1p(*x));
        break;
      case MathFunction::kPower:
        output = NumberOrMissing(std::pow(*x, t.exponent));
        break;
    }
  }
  row.columns[t.output] = output;
  return Status::Ok();
}

Status Apply(const BucketizeTransform& t, Row& row) {
  ASSIGN_OR_RETURN(std::optional<double> x, ReadNumber(row.columns, t.input));
  Value output;
  if (x) {
    // Bucket i (0 < i < n) is e_{i-1} <= x < e_i (or e_{i-1} < x <= e_i when
    // right-closed); bucket 0 lies below e_0 and bucket n above e_{n-1}.
    const size_t n = t.edges.size();
    auto below = [&](double edge) { return t.right_closed ? *x <= edge : *x < edge; };
    size_t bucket = n;
    for (size_t i = 0; i < n; ++i) {
      if (below(t.edges[i])) {
        bucket = i;
        break;
      }
    }
    if (t.labels.empty()) {
      output = static_cast<double>(bucket);
    } else {
      output = t.labels[bucket];
    }
  }
  row.columns[t.output] = output;
  return Status::Ok();
}

// The kError unknown-level policy: reject the row naming the column and level.
Status UnknownLevelError(const Row& row, const std::string& column, const std::string& level) {
  return InvalidArgumentError(row.where + ": column " + Quote(column) + ": level " + Quote(level) +
                              " is not one of the encoder's levels");
}

Status Apply(const OneHotTransform& t, Row& row) {
  ASSIGN_OR_RETURN(std::optional<std::string> level, ReadLevel(row.columns, t.input));
  const std::vector<std::string> names = TransformOutputs(Transform(t));
  const bool known =
      level && std::find(t.levels.begin(), t.levels.end(), *level) != t.levels.end();
  bool all_missing = !level;
  if (level && !known) {
    switch (t.unknown) {
      case UnknownLevelPolicy::kError:
        return UnknownLevelError(row, t.input, *level);
      case UnknownLevelPolicy::kIgnore:
        break;  // all zeros
      case UnknownLevelPolicy::kMissing:
        all_missing = true;
        break;
    }
  }
  for (size_t i = 0; i < t.levels.size(); ++i) {
    row.columns[names[i]] = all_missing ? Value() : Value(level == t.levels[i] ? 1.0 : 0.0);
  }
  return Status::Ok();
}

Status Apply(const OrdinalTransform& t, Row& row) {
  ASSIGN_OR_RETURN(std::optional<std::string> level, ReadLevel(row.columns, t.input));
  Value output;
  if (level) {
    auto it = std::find(t.levels.begin(), t.levels.end(), *level);
    if (it != t.levels.end()) {
      output = static_cast<double>(it - t.levels.begin());
    } else {
      switch (t.unknown) {
        case UnknownLevelPolicy::kError:
          return UnknownLevelError(row, t.input, *level);
        case UnknownLevelPolicy::kIgnore:
          output = t.unknown_value;
          break;
        case UnknownLevelPolicy::kMissing:
          break;
      }
    }
  }
  row.columns[t.output] = output;
  return Status::Ok();
}

Status Apply(const DeriveTransform& t, Row& row) {
  ASSIGN_OR_RETURN(Value result, Evaluate(t.expression, row, Columns()));
  Value output;
  if (const auto* number = std::get_if<double>(&result)) {
    output = NumberOrMissing(*number);
  } else if (const auto* flag = std::get_if<bool>(&result)) {
    output = *flag ? 1.0 : 0.0;  // booleans are 0/1
  } else if (std::holds_alternative<std::string>(result)) {
    return InternalError("derive " + Quote(t.output) + ": the expression gave a string");
  }
  row.columns[t.output] = output;
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

// What the model computes for a row: margins (link space) and response-scale
// outputs, one of each per model output.
struct ModelResult {
  std::vector<double> margins;
  std::vector<double> outputs;
};

double Logistic(double margin) { return 1.0 / (1.0 + std::exp(-margin)); }

std::vector<double> Softmax(const std::vector<double>& margins) {
  double max = margins.empty() ? 0.0 : margins[0];
  for (double m : margins) max = std::max(max, m);
  std::vector<double> out(margins.size());
  double sum = 0.0;
  for (size_t k = 0; k < margins.size(); ++k) {
    out[k] = std::exp(margins[k] - max);
    sum += out[k];
  }
  for (double& p : out) p /= sum;
  return out;
}

double InverseLink(LinkFunction link, double eta) {
  switch (link) {
    case LinkFunction::kIdentity: return eta;
    case LinkFunction::kLogit: return Logistic(eta);
    case LinkFunction::kProbit: return 0.5 * std::erfc(-eta / std::sqrt(2.0));
    case LinkFunction::kLog: return std::exp(eta);
    case LinkFunction::kCloglog: return 1.0 - std::exp(-std::exp(eta));
    case LinkFunction::kInverse: return 1.0 / eta;
  }
  return std::nan("");
}

// The model's features for a row, as column values (numbers or levels).
Result<std::vector<Value>> GatherFeatures(const Row& row) {
  std::vector<Value> features;
  for (const std::string& name : row.pipeline.features) {
    ASSIGN_OR_RETURN(const Value* value, Lookup(row.columns, name));
    features.push_back(*value);
  }
  return features;
}

// A missing model feature or offset makes the linear predictor missing, and
// with it every output ("a computation that yields NaN yields missing").
double FeatureNumber(const Value& value) {
  if (const auto* number = std::get_if<double>(&value)) return *number;
  return std::nan("");
}

Result<ModelResult> ScoreGlm(const GlmModel& glm, const std::vector<Value>& features,
                             const Row& row) {
  const size_t num_features = features.size();
  double offset = 0.0;
  if (!glm.offset.empty()) {
    ASSIGN_OR_RETURN(std::optional<double> value, ReadNumber(row.columns, glm.offset));
    offset = value ? *value : std::nan("");
  }
  ModelResult result;
  for (size_t r = 0; r < glm.intercepts.size(); ++r) {
    double eta = glm.intercepts[r];
    for (size_t j = 0; j < num_features; ++j) {
      eta += glm.coefficients[r * num_features + j] * FeatureNumber(features[j]);
    }
    eta += offset;
    result.margins.push_back(eta);
  }
  if (glm.family == GlmFamily::kMultinomial) {
    result.outputs = Softmax(result.margins);
  } else {
    result.outputs.push_back(InverseLink(glm.link, result.margins[0]));
  }
  for (double& output : result.outputs) {
    if (!std::isfinite(output)) output = std::nan("");
  }
  return result;
}

// Whether a row with `x` goes to the left child of internal node `node`.
bool GoesLeft(const Tree& tree, size_t node, const Value& x, NumericPrecision precision) {
  if (IsMissing(x)) return tree.default_left[node] != 0;
  const bool categorical = !tree.category_levels.empty() && !tree.category_levels[node].empty();
  if (categorical) {
    const auto* level = std::get_if<std::string>(&x);
    const std::vector<std::string>& left = tree.category_levels[node];
    return level != nullptr && std::find(left.begin(), left.end(), *level) != left.end();
  }
  const double number = FeatureNumber(x);
  if (precision == NumericPrecision::kFloat32) {
    return static_cast<float>(number) < static_cast<float>(tree.threshold[node]);
  }
  return number < tree.threshold[node];
}

bool IsLeaf(const Tree& tree, size_t node) { return tree.left[node] == -1 && tree.right[node] == -1; }

size_t FindLeaf(const Tree& tree, const std::vector<Value>& features, NumericPrecision precision) {
  size_t node = 0;
  while (!IsLeaf(tree, node)) {
    const Value& x = features[static_cast<size_t>(tree.feature[node])];
    node = static_cast<size_t>(GoesLeft(tree, node, x, precision) ? tree.left[node] : tree.right[node]);
  }
  return node;
}

// The value a leaf adds to `output`, or nullopt when the tree does not add to it.
std::optional<double> LeafValue(const Tree& tree, size_t leaf, int output) {
  if (tree.leaf_width == 1) {
    if (tree.output != output) return std::nullopt;
    return tree.leaf_values[leaf];
  }
  return tree.leaf_values[leaf * static_cast<size_t>(tree.leaf_width) + static_cast<size_t>(output)];
}

Result<ModelResult> ScoreEnsemble(const TreeEnsembleModel& ensemble,
                                  const std::vector<Value>& features) {
  const int num_outputs = ensemble.num_outputs;
  const size_t num_trees = ensemble.trees.size();
  std::vector<size_t> leaves;
  for (const Tree& tree : ensemble.trees) leaves.push_back(FindLeaf(tree, features, ensemble.precision));

  ModelResult result;
  for (int k = 0; k < num_outputs; ++k) {
    const double base = ensemble.base_score[static_cast<size_t>(k)];
    double margin = 0.0;
    if (ensemble.precision == NumericPrecision::kFloat32) {
      if (ensemble.aggregation == Aggregation::kSum) {
        float sum = static_cast<float>(base);
        for (size_t t = 0; t < num_trees; ++t) {
          if (auto v = LeafValue(ensemble.trees[t], leaves[t], k)) sum += static_cast<float>(*v);
        }
        margin = sum;
      } else {
        // The trees' sum in float from 0; the division and base_score in double.
        float sum = 0.0f;
        for (size_t t = 0; t < num_trees; ++t) {
          if (auto v = LeafValue(ensemble.trees[t], leaves[t], k)) sum += static_cast<float>(*v);
        }
        margin = num_trees == 0 ? base : base + static_cast<double>(sum) / static_cast<double>(num_trees);
      }
    } else {
      if (ensemble.aggregation == Aggregation::kSum) {
        margin = base;
        for (size_t t = 0; t < num_trees; ++t) {
          if (auto v = LeafValue(ensemble.trees[t], leaves[t], k)) margin += *v;
        }
      } else {
        double sum = 0.0;
        for (size_t t = 0; t < num_trees; ++t) {
          if (auto v = LeafValue(ensemble.trees[t], leaves[t], k)) sum += *v;
        }
        margin = num_trees == 0 ? base : base + sum / static_cast<double>(num_trees);
      }
    }
    result.margins.push_back(margin);
  }

  switch (ensemble.output_transform) {
    case OutputTransform::kIdentity:
      result.outputs = result.margins;
      break;
    case OutputTransform::kLogistic:
      for (double m : result.margins) result.outputs.push_back(Logistic(m));
      break;
    case OutputTransform::kSoftmax:
      result.outputs = Softmax(result.margins);
      break;
    case OutputTransform::kExp:
      for (double m : result.margins) result.outputs.push_back(std::exp(m));
      break;
  }
  for (double& output : result.outputs) {
    if (!std::isfinite(output)) output = std::nan("");
  }
  return result;
}

// ---------------------------------------------------------------------------
// Explanations
// ---------------------------------------------------------------------------

Result<std::vector<Contribution>> ExplainGlm(const GlmModel& glm, const std::vector<Value>& features,
                                             const Row& row, int explained) {
  const size_t num_features = features.size();
  const size_t r = static_cast<size_t>(explained);
  std::vector<Contribution> contributions;
  double bias = glm.intercepts[r];
  for (size_t j = 0; j < num_features; ++j) {
    const double coefficient = glm.coefficients[r * num_features + j];
    const double mean = glm.feature_means.empty() ? 0.0 : glm.feature_means[j];
    contributions.push_back({static_cast<int32_t>(j), coefficient * (FeatureNumber(features[j]) - mean)});
    bias += coefficient * mean;
  }
  if (!glm.offset.empty()) {
    ASSIGN_OR_RETURN(std::optional<double> offset, ReadNumber(row.columns, glm.offset));
    bias += offset ? *offset : std::nan("");
  }
  contributions.push_back({-1, bias});
  return contributions;
}

// E[f(x) | x_S] along the tree's own paths: at a node splitting on a feature
// in S follow x, otherwise average the children weighted by
// cover[child] / cover[node].
double ConditionalExpectation(const Tree& tree, size_t node, const std::vector<Value>& features,
                              const std::vector<bool>& in_subset, NumericPrecision precision,
                              int output) {
  if (IsLeaf(tree, node)) return *LeafValue(tree, node, output);
  const size_t feature = static_cast<size_t>(tree.feature[node]);
  const size_t left = static_cast<size_t>(tree.left[node]);
  const size_t right = static_cast<size_t>(tree.right[node]);
  if (in_subset[feature]) {
    const size_t next = GoesLeft(tree, node, features[feature], precision) ? left : right;
    return ConditionalExpectation(tree, next, features, in_subset, precision, output);
  }
  return tree.cover[left] / tree.cover[node] *
             ConditionalExpectation(tree, left, features, in_subset, precision, output) +
         tree.cover[right] / tree.cover[node] *
             ConditionalExpectation(tree, right, features, in_subset, precision, output);
}

// Adds one tree's exact Shapley values for `output`, times `scale`, to
// `phi` (one per feature) and its expected value to `*bias`.
Status ExplainTree(const Tree& tree, size_t tree_index, const std::vector<Value>& features,
                   NumericPrecision precision, int output, double scale,
                   std::vector<double>& phi, double* bias) {
  const std::string where = "model.trees[" + std::to_string(tree_index) + "]";
  const size_t num_nodes = tree.left.size();
  if (tree.cover.size() != num_nodes) {
    return FailedPreconditionError(where + " has no cover; explanations need each node's cover");
  }
  std::set<int32_t> used;
  for (size_t node = 0; node < num_nodes; ++node) {
    if (IsLeaf(tree, node)) continue;
    used.insert(tree.feature[node]);
    if (!(tree.cover[node] > 0) || !std::isfinite(tree.cover[node])) {
      return FailedPreconditionError(where + ": node " + std::to_string(node) +
                                     " has cover " + std::to_string(tree.cover[node]) +
                                     "; explanations need positive covers");
    }
  }
  const std::vector<int32_t> players(used.begin(), used.end());
  const int m = static_cast<int>(players.size());
  if (m > kMaxExplainedTreeFeatures) {
    return ResourceExhaustedError(
        where + " uses " + std::to_string(m) + " distinct features; the reference scorer explains "
        "trees with at most " + std::to_string(kMaxExplainedTreeFeatures) +
        " (its brute-force Shapley values cost 2^features)");
  }

  // v[mask]: the conditional expectation given the players in `mask`.
  const size_t subsets = size_t{1} << m;
  std::vector<double> v(subsets);
  std::vector<bool> in_subset(features.size(), false);
  for (size_t mask = 0; mask < subsets; ++mask) {
    for (int i = 0; i < m; ++i) in_subset[static_cast<size_t>(players[static_cast<size_t>(i)])] = (mask >> i) & 1;
    v[mask] = ConditionalExpectation(tree, 0, features, in_subset, precision, output);
  }

  // Shapley weight of a coalition of size s not containing the player:
  // s! (m - s - 1)! / m!.
  std::vector<double> factorial(static_cast<size_t>(m) + 1, 1.0);
  for (int i = 1; i <= m; ++i) factorial[static_cast<size_t>(i)] = factorial[static_cast<size_t>(i) - 1] * i;
  for (int i = 0; i < m; ++i) {
    double value = 0.0;
    for (size_t mask = 0; mask < subsets; ++mask) {
      if ((mask >> i) & 1) continue;
      const int s = std::popcount(mask);
      const double weight = factorial[static_cast<size_t>(s)] *
                            factorial[static_cast<size_t>(m - s - 1)] / factorial[static_cast<size_t>(m)];
      value += weight * (v[mask | (size_t{1} << i)] - v[mask]);
    }
    phi[static_cast<size_t>(players[static_cast<size_t>(i)])] += scale * value;
  }
  *bias += scale * v[0];
  return Status::Ok();
}

Result<std::vector<Contribution>> ExplainEnsemble(const TreeEnsembleModel& ensemble,
                                                  const std::vector<Value>& features, int explained) {
  std::vector<double> phi(features.size(), 0.0);
  double bias = ensemble.base_score[static_cast<size_t>(explained)];
  const double scale = ensemble.aggregation == Aggregation::kAverage && !ensemble.trees.empty()
                           ? 1.0 / static_cast<double>(ensemble.trees.size())
                           : 1.0;
  for (size_t t = 0; t < ensemble.trees.size(); ++t) {
    const Tree& tree = ensemble.trees[t];
    if (tree.leaf_width == 1 && tree.output != explained) continue;
    RETURN_IF_ERROR(ExplainTree(tree, t, features, ensemble.precision, explained, scale, phi, &bias));
  }
  std::vector<Contribution> contributions;
  for (size_t j = 0; j < phi.size(); ++j) contributions.push_back({static_cast<int32_t>(j), phi[j]});
  contributions.push_back({-1, bias});
  return contributions;
}

// ---------------------------------------------------------------------------
// Clustering: PMML's center-based comparison measures, term by term
// ---------------------------------------------------------------------------

double Compare(const ClusteringModel& model, size_t i, double x, double y) {
  switch (model.compare[i]) {
    case CompareFunction::kAbsDiff: return std::fabs(x - y);
    case CompareFunction::kGaussSim: {
      const double s = model.similarity_scale[i];
      return std::exp(-std::log(2.0) * (x - y) * (x - y) / (s * s));
    }
    case CompareFunction::kDelta: return x == y ? 0.0 : 1.0;
    case CompareFunction::kEqual: return x == y ? 1.0 : 0.0;
    case CompareFunction::kTable: {
      // x and y are level positions (TableFeature, the center coordinate).
      const CompareTable& table = model.tables[i];
      return table.values[static_cast<size_t>(x) * table.levels.size() + static_cast<size_t>(y)];
    }
  }
  return std::nan("");
}

// A table feature's category as its level position; missing stays missing.
// Validation makes the table's levels the column's closed level set, so any
// other level is a broken invariant, reported rather than scored.
Result<double> TableFeature(const CompareTable& table, const Value& value, const std::string& name) {
  const auto* level = std::get_if<std::string>(&value);
  if (level == nullptr) return std::nan("");
  for (size_t r = 0; r < table.levels.size(); ++r) {
    if (table.levels[r] == *level) return static_cast<double>(r);
  }
  return InvalidArgumentError("model feature " + Quote(name) + " is " + Quote(*level) +
                              ", which is not a level of its comparison table");
}

// The distance of a row to center `c`: missing features left out, the
// aggregate scaled by sum(q) / sum(q of present features).
double ClusterDistance(const ClusteringModel& model, const std::vector<double>& x, size_t c) {
  const size_t f = x.size();
  double all_q = 0.0;
  double present_q = 0.0;
  double sum = 0.0;
  double max = 0.0;
  for (size_t i = 0; i < f; ++i) {
    const double q = model.missing_weights.empty() ? 1.0 : model.missing_weights[i];
    all_q += q;
    if (std::isnan(x[i])) continue;
    present_q += q;
    const double d = Compare(model, i, x[i], model.centers[c * f + i]);
    const double w = model.field_weights[i];
    switch (model.measure) {
      case ClusterMeasure::kEuclidean:
      case ClusterMeasure::kSquaredEuclidean: sum += w * d * d; break;
      case ClusterMeasure::kCityBlock: sum += w * d; break;
      case ClusterMeasure::kChebychev: max = std::max(max, w * d); break;
      case ClusterMeasure::kMinkowski: sum += w * std::pow(std::fabs(d), model.minkowski_p); break;
      default: return std::nan("");
    }
  }
  if (present_q == 0.0) return std::nan("");
  const double adjust = all_q / present_q;
  switch (model.measure) {
    case ClusterMeasure::kEuclidean: return std::sqrt(adjust * sum);
    case ClusterMeasure::kSquaredEuclidean:
    case ClusterMeasure::kCityBlock: return adjust * sum;
    case ClusterMeasure::kChebychev: return adjust * max;
    case ClusterMeasure::kMinkowski: return std::pow(adjust * sum, 1.0 / model.minkowski_p);
    default: return std::nan("");
  }
}

// The similarity of a row of 0/1 values to center `c`, counting the present
// features by (row value, center value).
Result<double> ClusterSimilarity(const ClusteringModel& model, const std::vector<double>& x, size_t c,
                                 const std::vector<std::string>& names) {
  const size_t f = x.size();
  double a[2][2] = {{0.0, 0.0}, {0.0, 0.0}};  // a[row value][center value]
  for (size_t i = 0; i < f; ++i) {
    if (std::isnan(x[i])) continue;
    if (x[i] != 0.0 && x[i] != 1.0) {
      return InvalidArgumentError("model feature " + Quote(names[i]) + " is " + std::to_string(x[i]) + ", but " +
                                  std::string(ClusterMeasureName(model.measure)) + " compares 0/1 values");
    }
    a[x[i] == 1.0][model.centers[c * f + i] == 1.0] += 1.0;
  }
  const double a11 = a[1][1], a10 = a[1][0], a01 = a[0][1], a00 = a[0][0];
  if (a11 + a10 + a01 + a00 == 0.0) return std::nan("");
  double value = std::nan("");
  switch (model.measure) {
    case ClusterMeasure::kSimpleMatching: value = (a11 + a00) / (a11 + a10 + a01 + a00); break;
    case ClusterMeasure::kJaccard: value = a11 / (a11 + a10 + a01); break;
    case ClusterMeasure::kTanimoto: value = (a11 + a00) / (a11 + 2.0 * (a10 + a01) + a00); break;
    case ClusterMeasure::kBinarySimilarity: {
      const BinarySimilarity& b = model.binary;
      value = (b.c11 * a11 + b.c10 * a10 + b.c01 * a01 + b.c00 * a00) /
              (b.d11 * a11 + b.d10 * a10 + b.d01 * a01 + b.d00 * a00);
      break;
    }
    default: break;
  }
  return std::isfinite(value) ? value : std::nan("");
}

Result<ModelResult> ScoreClustering(const ClusteringModel& model, const std::vector<Value>& features,
                                    const Row& row) {
  std::vector<double> x;
  for (size_t i = 0; i < features.size(); ++i) {
    if (model.compare[i] == CompareFunction::kTable) {
      ASSIGN_OR_RETURN(const double level, TableFeature(model.tables[i], features[i], row.pipeline.features[i]));
      x.push_back(level);
    } else {
      x.push_back(FeatureNumber(features[i]));
    }
  }
  ModelResult result;
  const size_t clusters = row.pipeline.model.classes.size();
  for (size_t c = 0; c < clusters; ++c) {
    if (IsSimilarity(model.measure)) {
      ASSIGN_OR_RETURN(double similarity, ClusterSimilarity(model, x, c, row.pipeline.features));
      result.outputs.push_back(similarity);
    } else {
      const double distance = ClusterDistance(model, x, c);
      result.outputs.push_back(std::isfinite(distance) ? distance : std::nan(""));
    }
  }
  result.margins = result.outputs;
  return result;
}

// The nearest (distances) or most similar (similarities) cluster among those
// with a value; the lowest index on ties; -1 when every value is missing.
int32_t BestCluster(const ClusteringModel& model, const std::vector<double>& values) {
  int32_t best = -1;
  for (size_t c = 0; c < values.size(); ++c) {
    if (std::isnan(values[c])) continue;
    const bool better = best < 0 || (IsSimilarity(model.measure) ? values[c] > values[static_cast<size_t>(best)]
                                                                  : values[c] < values[static_cast<size_t>(best)]);
    if (better) best = static_cast<int32_t>(c);
  }
  return best;
}

// ---------------------------------------------------------------------------
// Post-processing
// ---------------------------------------------------------------------------

// Classification values from the model outputs: a one-output model gives
// {1 - p, p}; otherwise the outputs are the class probabilities.
std::vector<double> ClassValues(const Model& model, const std::vector<double>& outputs) {
  if (outputs.size() == 1 && model.classes.size() == 2) return {1.0 - outputs[0], outputs[0]};
  return outputs;
}

int32_t PredictLabel(const Pipeline& pipeline, const std::vector<double>& values) {
  for (double value : values) {
    if (std::isnan(value)) return -1;  // a missing probability predicts nothing
  }
  if (pipeline.model.classes.size() == 2) {
    return values[1] >= pipeline.post.threshold.value_or(0.5) ? 1 : 0;
  }
  int32_t best = 0;
  for (size_t k = 1; k < values.size(); ++k) {
    if (values[k] > values[static_cast<size_t>(best)]) best = static_cast<int32_t>(k);
  }
  return best;
}

// The model's primary output, as rules see it in `score`.
double PrimaryScore(const Pipeline& pipeline, const std::vector<double>& values, int32_t label) {
  if (pipeline.model.task == Task::kRegression) return values[0];
  if (pipeline.model.task == Task::kClustering) return label >= 0 ? values[static_cast<size_t>(label)] : std::nan("");
  if (pipeline.model.classes.size() == 2) return values[1];
  double best = values[0];
  for (double value : values) {
    if (std::isnan(value)) return value;
    best = std::max(best, value);
  }
  return best;
}

// post.prediction_expression: the regression's prediction, replaced by the
// expression over the columns and `score` (the model's own prediction).
Status ApplyPredictionExpression(const Pipeline& pipeline, const Row& row, Prediction& prediction) {
  if (pipeline.post.prediction_expression.empty()) return Status::Ok();
  const Columns post = {{"score", NumberOrMissing(prediction.values[0])}};
  Result<Value> value = Evaluate(pipeline.post.prediction_expression, row, post);
  if (!value.ok()) return value.status().WithContext("post.prediction_expression");
  const auto* number = std::get_if<double>(&*value);
  prediction.values[0] = number != nullptr ? *number : std::nan("");
  return Status::Ok();
}

// The derived outputs, in order, each seeing `score`, the value columns and
// the outputs before it; adds every output to `post` (for the rules) and to
// prediction.derived (booleans as 0/1, missing as NaN).
Status ComputeDerivedOutputs(const Pipeline& pipeline, const Row& row, Prediction& prediction, Columns& post) {
  prediction.derived.clear();
  if (pipeline.post.outputs.empty()) return Status::Ok();
  Columns visible = post;
  const std::vector<std::string> value_names = ValueColumnNames(pipeline);
  for (size_t k = 0; k < value_names.size(); ++k) visible[value_names[k]] = NumberOrMissing(prediction.values[k]);
  for (size_t i = 0; i < pipeline.post.outputs.size(); ++i) {
    const DerivedOutput& output = pipeline.post.outputs[i];
    Result<Value> value = Evaluate(output.expression, row, visible);
    if (!value.ok()) return value.status().WithContext("post.outputs[" + std::to_string(i) + "]");
    double number = std::nan("");
    if (const auto* x = std::get_if<double>(&*value)) number = *x;
    if (const auto* b = std::get_if<bool>(&*value)) number = *b ? 1.0 : 0.0;
    if (std::holds_alternative<std::string>(*value)) return InternalError("post.outputs[" + std::to_string(i) + "] gave a string");
    Value seen = *value;
    if (!output.categories.empty()) {
      // "The expression gives the category's position; any other value is
      // missing."
      const bool position = std::isfinite(number) && number == std::floor(number) && number >= 0 &&
                            number < static_cast<double>(output.categories.size());
      seen = position ? Value(output.categories[static_cast<size_t>(number)]) : Value();
      if (!position) number = std::nan("");
    }
    prediction.derived.push_back(number);
    visible[output.name] = seen;
    post[output.name] = seen;
  }
  return Status::Ok();
}

Status ApplyRules(const Pipeline& pipeline, const Row& row, Prediction& prediction) {
  const std::vector<std::string> vocabulary = DecisionVocabulary(pipeline);
  const double score = PrimaryScore(pipeline, prediction.values, prediction.label);
  Columns post = {{"score", NumberOrMissing(score)}};
  RETURN_IF_ERROR(ComputeDerivedOutputs(pipeline, row, prediction, post));
  prediction.decision = prediction.label;
  bool overridden = false;
  for (size_t i = 0; i < pipeline.post.rules.size(); ++i) {
    const BusinessRule& rule = pipeline.post.rules[i];
    Result<Value> when = Evaluate(rule.when, row, post);
    if (!when.ok()) return when.status().WithContext("post.rules[" + std::to_string(i) + "]");
    const auto* holds = std::get_if<bool>(&*when);
    if (holds == nullptr || !*holds) continue;  // false or missing: the rule does not fire
    if (rule.action == RuleAction::kAnnotate) {
      prediction.fired_rules.push_back(static_cast<int32_t>(i));
    } else if (!overridden) {
      auto it = std::find(vocabulary.begin(), vocabulary.end(), rule.decision);
      if (it == vocabulary.end()) return InternalError("decision " + Quote(rule.decision) + " is not in the vocabulary");
      prediction.decision = static_cast<int32_t>(it - vocabulary.begin());
      prediction.fired_rules.push_back(static_cast<int32_t>(i));
      overridden = true;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Prediction> ScoreRow(const Pipeline& pipeline, const std::vector<RawValue>& inputs,
                            bool explain) {
  if (inputs.size() != pipeline.inputs.size()) {
    return InvalidArgumentError("the row has " + std::to_string(inputs.size()) +
                                " values, but the pipeline has " +
                                std::to_string(pipeline.inputs.size()) + " input fields");
  }
  Result<PipelineColumns> types = ResolveColumns(pipeline);
  if (!types.ok()) return InternalError("the pipeline is not valid: " + types.status().message());
  Row row{pipeline, *types, {}, {}};

  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputField& field = pipeline.inputs[i];
    ASSIGN_OR_RETURN(InputValue value, ConvertInput(field, inputs[i]));
    Value column;
    if (!value.missing) {
      if (field.type == FieldType::kCategory) {
        column = std::string(value.text);
      } else {
        column = value.number;
      }
    }
    row.columns[field.name] = std::move(column);
  }

  for (size_t i = 0; i < pipeline.transforms.size(); ++i) {
    const Transform& transform = pipeline.transforms[i];
    row.where = "transforms[" + std::to_string(i) + "] (" + std::string(TransformOpName(transform)) + ")";
    RETURN_IF_ERROR(std::visit([&](const auto& t) { return Apply(t, row); }, transform));
  }

  ASSIGN_OR_RETURN(std::vector<Value> features, GatherFeatures(row));
  const Model& model = pipeline.model;
  if (explain && model.task == Task::kClustering) {
    return FailedPreconditionError("a clustering model has no reason codes: its outputs are distances to cluster "
                                   "centers, not a score made of feature contributions");
  }
  Result<ModelResult> scored =
      std::holds_alternative<GlmModel>(model.body)
          ? ScoreGlm(std::get<GlmModel>(model.body), features, row)
      : std::holds_alternative<ClusteringModel>(model.body)
          ? ScoreClustering(std::get<ClusteringModel>(model.body), features, row)
          : ScoreEnsemble(std::get<TreeEnsembleModel>(model.body), features);
  if (!scored.ok()) return scored.status();

  Prediction prediction;
  if (model.task == Task::kClustering) {
    prediction.values = scored->outputs;
    prediction.label = BestCluster(std::get<ClusteringModel>(model.body), prediction.values);
  } else if (model.task == Task::kClassification) {
    prediction.values = ClassValues(model, scored->outputs);
    prediction.label = PredictLabel(pipeline, prediction.values);
  } else {
    prediction.values = scored->outputs;
    if (explain && !pipeline.post.prediction_expression.empty()) {
      return FailedPreconditionError("post.prediction_expression replaces the model's prediction, so feature "
                                     "contributions would not add up to it");
    }
    RETURN_IF_ERROR(ApplyPredictionExpression(pipeline, row, prediction));
  }
  RETURN_IF_ERROR(ApplyRules(pipeline, row, prediction));

  if (explain) {
    // The only output of a one-output model, the predicted class otherwise.
    const int explained = scored->margins.size() == 1 ? 0 : prediction.label;
    if (explained >= 0) {
      if (const auto* glm = std::get_if<GlmModel>(&model.body)) {
        ASSIGN_OR_RETURN(prediction.contributions, ExplainGlm(*glm, features, row, explained));
      } else {
        ASSIGN_OR_RETURN(prediction.contributions,
                         ExplainEnsemble(std::get<TreeEnsembleModel>(model.body), features, explained));
      }
    }
  }
  return prediction;
}

}  // namespace podium::reference
