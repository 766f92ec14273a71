#include "pipeline/validate.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <type_traits>

#include "expr/expr.h"

namespace podium {
namespace {

std::string Quote(std::string_view name) {
  // Appended, not concatenated: GCC 12 warns falsely (-Wrestrict) on "'" + std::string(...).
  std::string quoted = "'";
  quoted.append(name);
  quoted += '\'';
  return quoted;
}

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kNumber: return "number";
    case ColumnType::kBoolean: return "boolean";
    case ColumnType::kCategory: return "category";
  }
  return "?";
}

bool IsNumeric(ColumnType type) { return type != ColumnType::kCategory; }

Status CheckUniqueLevels(const std::vector<std::string>& levels, const std::string& where) {
  std::set<std::string_view> seen;
  for (const std::string& level : levels) {
    if (!seen.insert(level).second) {
      return InvalidArgumentError(where + ": level " + Quote(level) + " is listed twice");
    }
  }
  return Status::Ok();
}

Status CheckFinite(double value, const std::string& where) {
  if (!std::isfinite(value)) return InvalidArgumentError(where + " must be a finite number");
  return Status::Ok();
}

Status CheckInputField(const InputField& field, const std::string& where) {
  if (field.name.empty()) return InvalidArgumentError(where + ": the field has no name");
  if (field.min && field.max && *field.min > *field.max) {
    return InvalidArgumentError(where + ": min is greater than max");
  }
  if (field.type != FieldType::kCategory && !field.levels.empty()) {
    return InvalidArgumentError(where + ": only category fields have levels");
  }
  RETURN_IF_ERROR(CheckUniqueLevels(field.levels, where));
  for (const ValuePolicy* policy : {&field.on_missing, &field.on_invalid}) {
    if (policy->kind != ValuePolicyKind::kReplace) continue;
    const bool is_text = std::holds_alternative<std::string>(policy->replacement);
    if (is_text != (field.type == FieldType::kCategory)) {
      return InvalidArgumentError(where + ": the replacement value must be " +
                                  (field.type == FieldType::kCategory ? "a string" : "a number"));
    }
    if (is_text && !field.levels.empty()) {
      const std::string& level = std::get<std::string>(policy->replacement);
      if (std::find(field.levels.begin(), field.levels.end(), level) == field.levels.end()) {
        return InvalidArgumentError(where + ": the replacement " + Quote(level) +
                                    " is not one of the field's levels");
      }
    }
    if (!is_text) RETURN_IF_ERROR(CheckFinite(std::get<double>(policy->replacement), where + ": the replacement"));
  }
  return Status::Ok();
}

class ColumnResolver {
 public:
  explicit ColumnResolver(const Pipeline& pipeline) : pipeline_(pipeline) {}

  Result<PipelineColumns> Run() {
    for (size_t i = 0; i < pipeline_.inputs.size(); ++i) {
      const InputField& field = pipeline_.inputs[i];
      const std::string where = "inputs[" + std::to_string(i) + "] (" + field.name + ")";
      RETURN_IF_ERROR(CheckInputField(field, where));
      ColumnInfo info;
      info.name = field.name;
      info.type = field.type == FieldType::kCategory  ? ColumnType::kCategory
                  : field.type == FieldType::kBoolean ? ColumnType::kBoolean
                                                      : ColumnType::kNumber;
      info.levels = field.levels;
      info.defined_by = static_cast<int>(i);
      RETURN_IF_ERROR(Define(std::move(info), where));
    }
    for (size_t i = 0; i < pipeline_.transforms.size(); ++i) {
      const Transform& transform = pipeline_.transforms[i];
      where_ = "transforms[" + std::to_string(i) + "] (" + std::string(TransformOpName(transform)) + ")";
      defined_by_ = -1 - static_cast<int>(i);
      RETURN_IF_ERROR(std::visit([this](const auto& t) { return Check(t); }, transform));
    }
    return std::move(result_);
  }

 private:
  Result<const ColumnInfo*> Input(const std::string& name) {
    const ColumnInfo* info = result_.Find(name);
    if (info == nullptr) {
      return InvalidArgumentError(where_ + ": reads column " + Quote(name) +
                                  ", which is not defined before it");
    }
    return info;
  }

  Result<const ColumnInfo*> NumericInput(const std::string& name) {
    ASSIGN_OR_RETURN(const ColumnInfo* info, Input(name));
    if (!IsNumeric(info->type)) {
      return InvalidArgumentError(where_ + ": column " + Quote(name) +
                                  " is a category; this transform needs a number");
    }
    return info;
  }

  Result<const ColumnInfo*> CategoryInput(const std::string& name) {
    ASSIGN_OR_RETURN(const ColumnInfo* info, Input(name));
    if (info->type != ColumnType::kCategory) {
      return InvalidArgumentError(where_ + ": column " + Quote(name) + " is a " +
                                  std::string(ColumnTypeName(info->type)) +
                                  "; this transform needs a category");
    }
    return info;
  }

  Status Define(ColumnInfo info, const std::string& where) {
    if (info.name.empty()) return InvalidArgumentError(where + ": an output column has no name");
    if (result_.index.count(info.name) != 0) {
      return InvalidArgumentError(where + ": column " + Quote(info.name) +
                                  " is already defined (each column is defined once)");
    }
    result_.index.emplace(info.name, static_cast<int>(result_.columns.size()));
    result_.columns.push_back(std::move(info));
    return Status::Ok();
  }

  Status DefineNumber(const std::string& name, ColumnType type = ColumnType::kNumber) {
    ColumnInfo info;
    info.name = name;
    info.type = type;
    info.defined_by = defined_by_;
    return Define(std::move(info), where_);
  }

  Status Check(const ImputeTransform& t) {
    ASSIGN_OR_RETURN(const ColumnInfo* input, Input(t.input));
    const bool text = std::holds_alternative<std::string>(t.value);
    if (text != (input->type == ColumnType::kCategory)) {
      return InvalidArgumentError(where_ + ": the value must be " +
                                  (text ? std::string("a number") : std::string("a string")) +
                                  " for column " + Quote(t.input));
    }
    if (!text) RETURN_IF_ERROR(CheckFinite(std::get<double>(t.value), where_ + ": value"));
    ColumnInfo info = *input;
    info.name = t.output;
    info.defined_by = defined_by_;
    if (text && !info.levels.empty() &&
        std::find(info.levels.begin(), info.levels.end(), std::get<std::string>(t.value)) ==
            info.levels.end()) {
      info.levels.push_back(std::get<std::string>(t.value));
    }
    return Define(std::move(info), where_);
  }

  Status Check(const ClipTransform& t) {
    RETURN_IF_ERROR(NumericInput(t.input));
    if (t.min) RETURN_IF_ERROR(CheckFinite(*t.min, where_ + ": min"));
    if (t.max) RETURN_IF_ERROR(CheckFinite(*t.max, where_ + ": max"));
    if (t.min && t.max && *t.min > *t.max) return InvalidArgumentError(where_ + ": min is greater than max");
    return DefineNumber(t.output);
  }

  Status Check(const StandardizeTransform& t) {
    RETURN_IF_ERROR(NumericInput(t.input));
    RETURN_IF_ERROR(CheckFinite(t.mean, where_ + ": mean"));
    RETURN_IF_ERROR(CheckFinite(t.scale, where_ + ": scale"));
    if (!(t.scale > 0)) return InvalidArgumentError(where_ + ": scale must be greater than 0");
    return DefineNumber(t.output);
  }

  Status Check(const MinMaxTransform& t) {
    RETURN_IF_ERROR(NumericInput(t.input));
    for (double v : {t.min, t.max, t.to_min, t.to_max}) RETURN_IF_ERROR(CheckFinite(v, where_ + ": bounds"));
    if (!(t.max > t.min)) return InvalidArgumentError(where_ + ": max must be greater than min");
    return DefineNumber(t.output);
  }

  Status Check(const MathTransform& t) {
    RETURN_IF_ERROR(NumericInput(t.input));
    RETURN_IF_ERROR(CheckFinite(t.exponent, where_ + ": exponent"));
    return DefineNumber(t.output);
  }

  Status Check(const BucketizeTransform& t) {
    RETURN_IF_ERROR(NumericInput(t.input));
    if (t.edges.empty()) return InvalidArgumentError(where_ + ": needs at least one edge");
    for (size_t i = 0; i < t.edges.size(); ++i) {
      RETURN_IF_ERROR(CheckFinite(t.edges[i], where_ + ": edges[" + std::to_string(i) + "]"));
      if (i > 0 && !(t.edges[i] > t.edges[i - 1])) {
        return InvalidArgumentError(where_ + ": edges must be strictly increasing (edges[" +
                                    std::to_string(i) + "])");
      }
    }
    if (t.labels.empty()) return DefineNumber(t.output);
    if (t.labels.size() != t.edges.size() + 1) {
      return InvalidArgumentError(where_ + ": " + std::to_string(t.edges.size()) + " edges make " +
                                  std::to_string(t.edges.size() + 1) + " buckets, but " +
                                  std::to_string(t.labels.size()) + " labels are given");
    }
    RETURN_IF_ERROR(CheckUniqueLevels(t.labels, where_));
    ColumnInfo info;
    info.name = t.output;
    info.type = ColumnType::kCategory;
    info.levels = t.labels;
    info.defined_by = defined_by_;
    return Define(std::move(info), where_);
  }

  Status Check(const OneHotTransform& t) {
    RETURN_IF_ERROR(CategoryInput(t.input));
    if (t.levels.empty()) return InvalidArgumentError(where_ + ": needs at least one level");
    RETURN_IF_ERROR(CheckUniqueLevels(t.levels, where_));
    for (const std::string& name : TransformOutputs(t)) RETURN_IF_ERROR(DefineNumber(name));
    return Status::Ok();
  }

  Status Check(const OrdinalTransform& t) {
    RETURN_IF_ERROR(CategoryInput(t.input));
    if (t.levels.empty()) return InvalidArgumentError(where_ + ": needs at least one level");
    RETURN_IF_ERROR(CheckUniqueLevels(t.levels, where_));
    RETURN_IF_ERROR(CheckFinite(t.unknown_value, where_ + ": unknown_value"));
    return DefineNumber(t.output);
  }

  Status Check(const DeriveTransform& t) {
    Result<expr::Type> type = CheckExpression(t.expression, result_, {});
    if (!type.ok()) return type.status().WithContext(where_ + ": expression");
    if (*type == expr::Type::kString) {
      return InvalidArgumentError(where_ + ": the expression gives a string; derived columns "
                                  "must be numbers or booleans");
    }
    return DefineNumber(t.output, *type == expr::Type::kBoolean ? ColumnType::kBoolean
                                                                : ColumnType::kNumber);
  }

 public:
  // Parses and type-checks `text` over `columns` plus `extra` names (numbers).
  static Result<expr::Type> CheckExpression(const std::string& text, const PipelineColumns& columns,
                                            const std::vector<std::string>& extra) {
    ASSIGN_OR_RETURN(std::unique_ptr<expr::Node> ast, expr::Parse(text));
    return expr::TypeCheck(*ast, [&](std::string_view name) -> std::optional<expr::Type> {
      if (const ColumnInfo* info = columns.Find(name)) return ExprTypeOf(info->type);
      if (std::find(extra.begin(), extra.end(), name) != extra.end()) return expr::Type::kNumber;
      return std::nullopt;
    });
  }

 private:
  const Pipeline& pipeline_;
  PipelineColumns result_;
  std::string where_;
  int defined_by_ = 0;
};

Status CheckTree(const Tree& tree, const std::string& where, int num_features, int num_outputs,
                 const std::vector<const ColumnInfo*>& features, NumericPrecision precision) {
  const size_t n = tree.left.size();
  if (n == 0) return InvalidArgumentError(where + ": the tree has no nodes");
  auto size_error = [&](std::string_view member, size_t size, size_t expected) {
    return InvalidArgumentError(where + ": '" + std::string(member) + "' has " + std::to_string(size) +
                                " entries, expected " + std::to_string(expected));
  };
  if (tree.right.size() != n) return size_error("right", tree.right.size(), n);
  if (tree.feature.size() != n) return size_error("feature", tree.feature.size(), n);
  if (tree.threshold.size() != n) return size_error("threshold", tree.threshold.size(), n);
  if (tree.default_left.size() != n) return size_error("default_left", tree.default_left.size(), n);
  if (!tree.cover.empty() && tree.cover.size() != n) return size_error("cover", tree.cover.size(), n);
  if (!tree.category_levels.empty() && tree.category_levels.size() != n) {
    return size_error("category_levels", tree.category_levels.size(), n);
  }
  if (tree.leaf_width != 1 && tree.leaf_width != num_outputs) {
    return InvalidArgumentError(where + ": leaf_width must be 1 or the number of outputs (" +
                                std::to_string(num_outputs) + ")");
  }
  if (tree.leaf_width == 1 && (tree.output < 0 || tree.output >= num_outputs)) {
    return InvalidArgumentError(where + ": output " + std::to_string(tree.output) +
                                " is out of range (" + std::to_string(num_outputs) + " outputs)");
  }
  const size_t width = static_cast<size_t>(tree.leaf_width);
  if (tree.leaf_values.size() != n * width) return size_error("leaf_values", tree.leaf_values.size(), n * width);

  // Walk from the root: every reachable node must be reached exactly once, so
  // the tree has no cycles and no shared subtrees.
  std::vector<uint8_t> seen(n, 0);
  std::vector<int32_t> stack = {0};
  while (!stack.empty()) {
    const int32_t node = stack.back();
    stack.pop_back();
    const std::string at = where + ": node " + std::to_string(node);
    if (seen[static_cast<size_t>(node)]) {
      return InvalidArgumentError(at + " is reached twice (the nodes do not form a tree)");
    }
    seen[static_cast<size_t>(node)] = 1;
    const int32_t left = tree.left[static_cast<size_t>(node)];
    const int32_t right = tree.right[static_cast<size_t>(node)];
    if (left == -1 && right == -1) {
      for (size_t k = 0; k < width; ++k) {
        RETURN_IF_ERROR(CheckFinite(tree.leaf_values[static_cast<size_t>(node) * width + k], at + ": leaf value"));
      }
      continue;
    }
    for (int32_t child : {left, right}) {
      if (child < 0 || static_cast<size_t>(child) >= n) {
        return InvalidArgumentError(at + ": child " + std::to_string(child) + " is out of range (" +
                                    std::to_string(n) + " nodes)");
      }
    }
    const int32_t feature = tree.feature[static_cast<size_t>(node)];
    if (feature < 0 || feature >= num_features) {
      return InvalidArgumentError(at + ": feature index " + std::to_string(feature) +
                                  " is out of range (" + std::to_string(num_features) + " features)");
    }
    const bool categorical = !tree.category_levels.empty() &&
                             !tree.category_levels[static_cast<size_t>(node)].empty();
    const ColumnInfo& column = *features[static_cast<size_t>(feature)];
    if (categorical && column.type != ColumnType::kCategory) {
      return InvalidArgumentError(at + ": a categorical split on " + Quote(column.name) +
                                  ", which is not a category");
    }
    if (!categorical) {
      if (column.type == ColumnType::kCategory) {
        return InvalidArgumentError(at + ": a numeric split on category column " + Quote(column.name));
      }
      const double threshold = tree.threshold[static_cast<size_t>(node)];
      RETURN_IF_ERROR(CheckFinite(threshold, at + ": threshold"));
      // A threshold that rounds to -inf in float would compare a missing
      // value sent left (read as -inf by the engine) as not below it.
      if (precision == NumericPrecision::kFloat32 && std::isinf(static_cast<float>(threshold))) {
        return InvalidArgumentError(at + ": threshold is outside float range (precision float32 compares in float)");
      }
    }
    stack.push_back(right);
    stack.push_back(left);
  }
  return Status::Ok();
}

Status CheckGlm(const GlmModel& glm, const Model& model, const PipelineColumns& columns,
                size_t num_features) {
  const size_t predictors = glm.intercepts.size();
  if (glm.family == GlmFamily::kMultinomial) {
    if (model.task != Task::kClassification || predictors != model.classes.size() || predictors < 2) {
      return InvalidArgumentError("model: a multinomial GLM needs one intercept per class (" +
                                  std::to_string(model.classes.size()) + " classes, " +
                                  std::to_string(predictors) + " intercepts)");
    }
  } else {
    if (predictors != 1) {
      return InvalidArgumentError("model: a " + std::string(GlmFamilyName(glm.family)) +
                                  " GLM has exactly one intercept");
    }
    if (glm.family == GlmFamily::kBinomial) {
      if (model.task != Task::kClassification || model.classes.size() != 2) {
        return InvalidArgumentError("model: a binomial GLM is a classifier with two classes");
      }
    } else if (model.task != Task::kRegression) {
      return InvalidArgumentError("model: a " + std::string(GlmFamilyName(glm.family)) +
                                  " GLM is a regression model");
    }
  }
  if (glm.coefficients.size() != predictors * num_features) {
    return InvalidArgumentError("model: " + std::to_string(glm.coefficients.size()) +
                                " coefficients given, expected " + std::to_string(predictors) + " x " +
                                std::to_string(num_features) + " features");
  }
  if (!glm.feature_means.empty() && glm.feature_means.size() != num_features) {
    return InvalidArgumentError("model: feature_means has " + std::to_string(glm.feature_means.size()) +
                                " entries, expected " + std::to_string(num_features));
  }
  for (double v : glm.intercepts) RETURN_IF_ERROR(CheckFinite(v, "model: intercept"));
  for (double v : glm.coefficients) RETURN_IF_ERROR(CheckFinite(v, "model: coefficient"));
  for (double v : glm.feature_means) RETURN_IF_ERROR(CheckFinite(v, "model: feature mean"));
  if (glm.family == GlmFamily::kTweedie) RETURN_IF_ERROR(CheckFinite(glm.tweedie_power, "model: tweedie_power"));
  if (!glm.offset.empty()) {
    const ColumnInfo* offset = columns.Find(glm.offset);
    if (offset == nullptr || !IsNumeric(offset->type)) {
      return InvalidArgumentError("model: offset column " + Quote(glm.offset) +
                                  " is not a defined numeric column");
    }
  }
  return Status::Ok();
}

Status CheckEnsemble(const TreeEnsembleModel& ensemble, const Model& model,
                     const std::vector<const ColumnInfo*>& features) {
  const int k = ensemble.num_outputs;
  if (k < 1) return InvalidArgumentError("model: num_outputs must be at least 1");
  if (ensemble.base_score.size() != static_cast<size_t>(k)) {
    return InvalidArgumentError("model: base_score has " + std::to_string(ensemble.base_score.size()) +
                                " entries, expected one per output (" + std::to_string(k) + ")");
  }
  for (double v : ensemble.base_score) RETURN_IF_ERROR(CheckFinite(v, "model: base_score"));
  const size_t classes = model.classes.size();
  switch (ensemble.output_transform) {
    case OutputTransform::kLogistic:
      if (model.task != Task::kClassification || classes != 2 || k != 1) {
        return InvalidArgumentError("model: a logistic output needs a classifier with two classes and one output");
      }
      break;
    case OutputTransform::kSoftmax:
      if (model.task != Task::kClassification || classes != static_cast<size_t>(k) || k < 2) {
        return InvalidArgumentError("model: a softmax output needs one output per class");
      }
      break;
    case OutputTransform::kExp:
      if (model.task != Task::kRegression || k != 1) {
        return InvalidArgumentError("model: an exp output is for regression with one output");
      }
      break;
    case OutputTransform::kIdentity:
      if (model.task == Task::kRegression ? k != 1 : classes != static_cast<size_t>(k)) {
        return InvalidArgumentError(model.task == Task::kRegression
                                        ? "model: regression has one output"
                                        : "model: an identity classifier outputs one probability per class");
      }
      break;
  }
  for (size_t t = 0; t < ensemble.trees.size(); ++t) {
    RETURN_IF_ERROR(CheckTree(ensemble.trees[t], "model.trees[" + std::to_string(t) + "]",
                              static_cast<int>(features.size()), k, features, ensemble.precision));
  }
  return Status::Ok();
}

// Per-feature members of a clustering model: `what` has one entry per
// feature, each checked by `ok` (described by `rule`).
template <typename T, typename Ok>
Status CheckPerFeature(const std::vector<T>& values, size_t num_features, const std::string& what, Ok ok,
                       const std::string& rule) {
  if (values.size() != num_features) {
    return InvalidArgumentError("model." + what + ": " + std::to_string(values.size()) + " entries, expected one per "
                                "feature (" + std::to_string(num_features) + ")");
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!ok(values[i], i)) return InvalidArgumentError("model." + what + "[" + std::to_string(i) + "] " + rule);
  }
  return Status::Ok();
}

// Feature i's table: present exactly for a table feature, square over
// distinct levels that are the feature column's closed level set (so every
// value reaching the model has a row), finite non-negative comparisons, and
// centers that are level positions.
Status CheckCompareTable(const ClusteringModel& clustering, const Model& model, const ColumnInfo& feature,
                         size_t i) {
  const std::string at = "model.tables[" + std::to_string(i) + "]";
  const bool table = clustering.compare[i] == CompareFunction::kTable;
  const bool has_levels = !clustering.tables.empty() && !clustering.tables[i].levels.empty();
  if (table != has_levels) {
    return InvalidArgumentError(table ? "model.compare[" + std::to_string(i) + "]: table needs model.tables[" +
                                            std::to_string(i) + "]"
                                      : at + ": only a table feature has a table");
  }
  if (!table) return Status::Ok();
  const CompareTable& t = clustering.tables[i];
  const size_t n = t.levels.size();
  const std::set<std::string> levels(t.levels.begin(), t.levels.end());
  if (levels.size() != n) return InvalidArgumentError(at + ".levels: a level is listed twice");
  if (feature.type != ColumnType::kCategory || feature.levels.empty() ||
      std::set<std::string>(feature.levels.begin(), feature.levels.end()) != levels) {
    return InvalidArgumentError(at + ": feature " + Quote(feature.name) +
                                " must be a category column whose levels are the table's levels");
  }
  if (t.values.size() != n * n) {
    return InvalidArgumentError(at + ".values: " + std::to_string(t.values.size()) + " values, expected " +
                                std::to_string(n) + " x " + std::to_string(n));
  }
  for (double v : t.values) {
    if (!(std::isfinite(v) && v >= 0.0)) {
      return InvalidArgumentError(at + ".values: a comparison must be a finite number >= 0");
    }
  }
  const size_t f = clustering.compare.size();
  for (size_t c = 0; c < model.classes.size(); ++c) {
    const double y = clustering.centers[c * f + i];
    if (!(y >= 0.0 && y < static_cast<double>(n) && y == std::floor(y))) {
      return InvalidArgumentError("model.centers[" + std::to_string(c) + "][" + std::to_string(i) +
                                  "]: a table feature's coordinate is a level position, 0 to " +
                                  std::to_string(n - 1));
    }
  }
  return Status::Ok();
}

Status CheckClustering(const ClusteringModel& clustering, const Model& model,
                       const std::vector<const ColumnInfo*>& features) {
  if (model.task != Task::kClustering) {
    return InvalidArgumentError("model: a clustering model has task clustering");
  }
  const size_t f = features.size();
  if (f == 0) return InvalidArgumentError("features: a clustering model needs at least one feature");
  for (size_t i = 0; i < f; ++i) {
    const bool table = i < clustering.compare.size() && clustering.compare[i] == CompareFunction::kTable;
    if (!table && !IsNumeric(features[i]->type)) {
      return InvalidArgumentError("features: a clustering model needs numeric features, but " +
                                  Quote(features[i]->name) +
                                  " is a category (one-hot or ordinal encode it, or compare it by a table)");
    }
  }
  const size_t k = model.classes.size();
  if (clustering.centers.size() != k * f) {
    return InvalidArgumentError("model.centers: " + std::to_string(clustering.centers.size()) +
                                " coordinates given, expected " + std::to_string(k) + " clusters x " +
                                std::to_string(f) + " features");
  }
  for (double v : clustering.centers) RETURN_IF_ERROR(CheckFinite(v, "model.centers: a coordinate"));
  if (!clustering.tables.empty() && clustering.tables.size() != f) {
    return InvalidArgumentError("model.tables: " + std::to_string(clustering.tables.size()) +
                                " entries, expected one per feature (" + std::to_string(f) + ")");
  }
  if (clustering.measure == ClusterMeasure::kMinkowski &&
      !(std::isfinite(clustering.minkowski_p) && clustering.minkowski_p >= 1.0)) {
    return InvalidArgumentError("model.minkowski_p must be a finite number >= 1");
  }
  const auto positive = [](double w, size_t) { return std::isfinite(w) && w > 0.0; };
  RETURN_IF_ERROR(CheckPerFeature(clustering.field_weights, f, "field_weights", positive, "must be positive"));
  if (!clustering.missing_weights.empty()) {
    RETURN_IF_ERROR(CheckPerFeature(clustering.missing_weights, f, "missing_weights", positive, "must be positive"));
  }
  const auto no_compare = [](CompareFunction c, size_t) { return c == CompareFunction::kAbsDiff; };
  if (IsSimilarity(clustering.measure)) {
    // Binary similarities count matching 0/1 values: compare functions and
    // weights have no place in them.
    const std::string measure(ClusterMeasureName(clustering.measure));
    RETURN_IF_ERROR(CheckPerFeature(clustering.compare, f, "compare", no_compare,
                                    "must be abs_diff: " + measure + " uses no compare function"));
    RETURN_IF_ERROR(CheckPerFeature(clustering.field_weights, f, "field_weights",
                                    [](double w, size_t) { return w == 1.0; },
                                    "must be 1: " + measure + " uses no field weights"));
    if (!clustering.similarity_scale.empty() || !clustering.missing_weights.empty() || !clustering.tables.empty()) {
      return InvalidArgumentError("model: " + measure + " uses neither similarity_scale, missing_weights nor tables");
    }
    for (size_t i = 0; i < clustering.centers.size(); ++i) {
      const double v = clustering.centers[i];
      if (v != 0.0 && v != 1.0) {
        return InvalidArgumentError("model.centers[" + std::to_string(i / f) + "][" + std::to_string(i % f) +
                                    "]: " + measure + " compares binary data, and this coordinate is not 0 or 1");
      }
    }
    if (clustering.measure == ClusterMeasure::kBinarySimilarity) {
      const BinarySimilarity& b = clustering.binary;
      for (double v : {b.c00, b.c01, b.c10, b.c11, b.d00, b.d01, b.d10, b.d11}) {
        RETURN_IF_ERROR(CheckFinite(v, "model.binary_similarity: a coefficient"));
      }
    }
    return Status::Ok();
  }
  RETURN_IF_ERROR(CheckPerFeature(clustering.compare, f, "compare", [](CompareFunction, size_t) { return true; }, ""));
  if (clustering.similarity_scale.empty()) {
    for (size_t i = 0; i < f; ++i) {
      if (clustering.compare[i] == CompareFunction::kGaussSim) {
        return InvalidArgumentError("model.compare[" + std::to_string(i) + "]: gauss_sim needs similarity_scale");
      }
    }
  } else {
    RETURN_IF_ERROR(CheckPerFeature(
        clustering.similarity_scale, f, "similarity_scale",
        [&](double s, size_t i) {
          return clustering.compare[i] == CompareFunction::kGaussSim ? std::isfinite(s) && s > 0.0 : s == 0.0;
        },
        "must be positive for a gauss_sim feature and 0 for the others"));
  }
  for (size_t i = 0; i < f; ++i) RETURN_IF_ERROR(CheckCompareTable(clustering, model, *features[i], i));
  return Status::Ok();
}

}  // namespace

expr::Type ExprTypeOf(ColumnType type) {
  switch (type) {
    case ColumnType::kNumber: return expr::Type::kNumber;
    case ColumnType::kBoolean: return expr::Type::kBoolean;
    case ColumnType::kCategory: return expr::Type::kString;
  }
  return expr::Type::kNumber;
}

const ColumnInfo* PipelineColumns::Find(std::string_view name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &columns[static_cast<size_t>(it->second)];
}

Result<PipelineColumns> ResolveColumns(const Pipeline& pipeline) {
  return ColumnResolver(pipeline).Run();
}

int ModelOutputCount(const Model& model) {
  if (const auto* glm = std::get_if<GlmModel>(&model.body)) return static_cast<int>(glm->intercepts.size());
  if (std::holds_alternative<ClusteringModel>(model.body)) return static_cast<int>(model.classes.size());
  return std::get<TreeEnsembleModel>(model.body).num_outputs;
}

int TreeDepth(const Tree& tree) {
  int depth = 0;
  std::vector<std::pair<int32_t, int>> stack = {{0, 0}};
  while (!stack.empty()) {
    auto [node, d] = stack.back();
    stack.pop_back();
    depth = std::max(depth, d);
    const int32_t left = tree.left[static_cast<size_t>(node)];
    if (left < 0) continue;
    stack.push_back({left, d + 1});
    stack.push_back({tree.right[static_cast<size_t>(node)], d + 1});
  }
  return depth;
}

namespace {

// How reason codes are chosen and reported: one-sided only for a signed
// order; one non-empty, distinct label per model feature.
Status CheckReasonSettings(const Pipeline& pipeline) {
  const PostProcessing& post = pipeline.post;
  if (post.reason_one_sided && post.reason_order == ReasonOrder::kByAbsoluteValue) {
    return InvalidArgumentError("post.reason_one_sided: needs a signed reason_order (largest or smallest)");
  }
  if (post.reason_labels.empty()) return Status::Ok();
  if (post.reason_labels.size() != pipeline.features.size()) {
    return InvalidArgumentError("post.reason_labels: " + std::to_string(post.reason_labels.size()) +
                                " labels for " + std::to_string(pipeline.features.size()) + " features");
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < post.reason_labels.size(); ++i) {
    const std::string& label = post.reason_labels[i];
    if (label.empty()) return InvalidArgumentError("post.reason_labels[" + std::to_string(i) + "] is empty");
    if (!seen.insert(label).second) {
      return InvalidArgumentError("post.reason_labels: " + Quote(label) + " is used twice");
    }
  }
  return Status::Ok();
}

// Output names, when a source gave them: of the task's kind, one per class,
// non-empty and distinct, and not the names of the columns scoring adds
// after them (decision, flags, reason_<n>...).
Status CheckOutputNames(const Pipeline& pipeline) {
  const OutputNames& names = pipeline.output_names;
  if (names.empty()) return Status::Ok();
  const bool regression = pipeline.model.task == Task::kRegression;
  const bool clustering = pipeline.model.task == Task::kClustering;
  if (regression && (!names.probabilities.empty() || !names.affinities.empty() || !names.label.empty())) {
    return InvalidArgumentError("output_names: a regression model names only its value");
  }
  if (!regression && !names.value.empty()) {
    return InvalidArgumentError(clustering ? "output_names.value: a clustering model names its affinities and label instead"
                                           : "output_names.value: a classifier names its probabilities and label instead");
  }
  if (clustering && !names.probabilities.empty()) {
    return InvalidArgumentError("output_names.probabilities: a clustering model names its affinities instead");
  }
  if (!clustering && !names.affinities.empty()) {
    return InvalidArgumentError("output_names.affinities: only a clustering model has affinities");
  }
  if (!names.affinities.empty() && names.affinities.size() != pipeline.model.classes.size()) {
    return InvalidArgumentError("output_names.affinities: " + std::to_string(names.affinities.size()) +
                                " names for " + std::to_string(pipeline.model.classes.size()) + " clusters");
  }
  if (!names.probabilities.empty() && names.probabilities.size() != pipeline.model.classes.size()) {
    return InvalidArgumentError("output_names.probabilities: " + std::to_string(names.probabilities.size()) +
                                " names for " + std::to_string(pipeline.model.classes.size()) + " classes");
  }
  std::vector<std::string> all = ValueColumnNames(pipeline);
  if (!regression) all.push_back(LabelColumnName(pipeline));
  all.insert(all.end(), names.reasons.begin(), names.reasons.end());
  std::set<std::string_view> seen;
  for (const std::string& name : all) {
    if (name.empty()) return InvalidArgumentError("output_names: an output name is empty");
    if (name == "decision" || name == "flags" || name.rfind("reason_", 0) == 0) {
      return InvalidArgumentError("output_names: " + Quote(name) + " is the name of a column scoring adds");
    }
    if (!seen.insert(name).second) return InvalidArgumentError("output_names: " + Quote(name) + " is used twice");
  }
  return Status::Ok();
}

bool IsScoringColumnName(std::string_view name) {
  return name == "decision" || name == "flags" || name.rfind("reason_", 0) == 0;
}

// prediction_expression: a regression's number over the columns and `score`.
Status CheckPredictionExpression(const Pipeline& pipeline, const PipelineColumns& columns) {
  const PostProcessing& post = pipeline.post;
  if (post.prediction_expression.empty()) return Status::Ok();
  if (pipeline.model.task != Task::kRegression) {
    return InvalidArgumentError("post.prediction_expression: only a regression's prediction can be replaced");
  }
  if (columns.Find("score") != nullptr) {
    return InvalidArgumentError("post.prediction_expression: a column named 'score' would hide the model's "
                                "prediction; rename the column");
  }
  Result<std::unique_ptr<expr::Node>> ast = expr::Parse(post.prediction_expression);
  if (!ast.ok()) return ast.status().WithContext("post.prediction_expression");
  Result<expr::Type> type = expr::TypeCheck(**ast, [&](std::string_view name) -> std::optional<expr::Type> {
    if (const ColumnInfo* info = columns.Find(name)) return ExprTypeOf(info->type);
    if (name == "score") return expr::Type::kNumber;
    return std::nullopt;
  });
  if (!type.ok()) return type.status().WithContext("post.prediction_expression");
  if (*type != expr::Type::kNumber) {
    return InvalidArgumentError("post.prediction_expression: the expression gives a " +
                                std::string(expr::TypeName(*type)) + ", but a prediction is a number");
  }
  return Status::Ok();
}

// Derived outputs' names: non-empty, distinct, and no other name a
// post-processing expression or an output row already uses.
Status CheckDerivedOutputNames(const Pipeline& pipeline, const PipelineColumns& columns) {
  const PostProcessing& post = pipeline.post;
  if (post.outputs.empty()) return Status::Ok();
  if (columns.Find("score") != nullptr) {
    return InvalidArgumentError("post.outputs: a column named 'score' would hide the model's score in output "
                                "expressions; rename the column");
  }
  std::set<std::string> taken = {"score"};
  for (const std::string& value : ValueColumnNames(pipeline)) {
    if (value == "score") {
      return InvalidArgumentError("post.outputs: a model output named 'score' would be hidden by the model's score "
                                  "in output expressions; rename it in output_names");
    }
    if (columns.Find(value) != nullptr) {
      return InvalidArgumentError("post.outputs: the model output " + Quote(value) +
                                  " has the name of a pipeline column, so output expressions could not tell "
                                  "them apart; rename it in output_names");
    }
    taken.insert(value);
  }
  if (pipeline.model.task != Task::kRegression) taken.insert(LabelColumnName(pipeline));
  for (size_t i = 0; i < post.outputs.size(); ++i) {
    const std::string& name = post.outputs[i].name;
    const std::string where = "post.outputs[" + std::to_string(i) + "]";
    if (name.empty()) return InvalidArgumentError(where + ": the name is empty");
    if (columns.Find(name) != nullptr) {
      return InvalidArgumentError(where + ": " + Quote(name) + " is already a column of the pipeline");
    }
    if (IsScoringColumnName(name)) {
      return InvalidArgumentError(where + ": " + Quote(name) + " is the name of a column scoring adds");
    }
    if (!taken.insert(name).second) {
      return InvalidArgumentError(where + ": " + Quote(name) + " is already the name of an output");
    }
  }
  for (const std::string& reason : pipeline.output_names.reasons) {
    if (taken.count(reason) != 0) {
      return InvalidArgumentError("post.outputs: " + Quote(reason) + " is already the name of a reason column");
    }
  }
  return Status::Ok();
}

}  // namespace

std::optional<expr::Type> PostColumnType(const Pipeline& pipeline, const PipelineColumns& columns,
                                         const std::vector<ColumnType>& derived, size_t outputs,
                                         bool values, std::string_view name) {
  if (const ColumnInfo* info = columns.Find(name)) return ExprTypeOf(info->type);
  if (name == "score") return expr::Type::kNumber;
  for (size_t i = 0; i < outputs && i < derived.size(); ++i) {
    if (pipeline.post.outputs[i].name == name) return ExprTypeOf(derived[i]);
  }
  if (!values) return std::nullopt;
  for (const std::string& value : ValueColumnNames(pipeline)) {
    if (value == name) return expr::Type::kNumber;
  }
  return std::nullopt;
}

Result<std::vector<ColumnType>> DerivedOutputTypes(const Pipeline& pipeline, const PipelineColumns& columns) {
  RETURN_IF_ERROR(CheckDerivedOutputNames(pipeline, columns));
  std::vector<ColumnType> types;
  for (size_t i = 0; i < pipeline.post.outputs.size(); ++i) {
    const DerivedOutput& output = pipeline.post.outputs[i];
    const std::string where = "post.outputs[" + std::to_string(i) + "] (" + output.name + "): expression";
    Result<std::unique_ptr<expr::Node>> ast = expr::Parse(output.expression);
    if (!ast.ok()) return ast.status().WithContext(where);
    Result<expr::Type> type = expr::TypeCheck(**ast, [&](std::string_view name) {
      return PostColumnType(pipeline, columns, types, i, /*values=*/true, name);
    });
    if (!type.ok()) return type.status().WithContext(where);
    if (*type == expr::Type::kString) {
      return InvalidArgumentError(where + ": the expression gives a string; a derived output is a number "
                                  "or a boolean (or a category's position in `categories`)");
    }
    if (!output.categories.empty()) {
      const std::string at = "post.outputs[" + std::to_string(i) + "] (" + output.name + ")";
      if (*type != expr::Type::kNumber) {
        return InvalidArgumentError(at + ": a category output's expression gives the category's position, a number");
      }
      for (const std::string& category : output.categories) {
        if (category.empty()) return InvalidArgumentError(at + ": categories: a category is empty");
      }
      RETURN_IF_ERROR(CheckUniqueLevels(output.categories, at + ": categories"));
      types.push_back(ColumnType::kCategory);
      continue;
    }
    types.push_back(*type == expr::Type::kBoolean ? ColumnType::kBoolean : ColumnType::kNumber);
  }
  return types;
}

Status ValidatePipeline(const Pipeline& pipeline) {
  if (pipeline.format_version < 1 || pipeline.format_version > kPipelineFormatVersion) {
    return InvalidArgumentError("format_version " + std::to_string(pipeline.format_version) +
                                " is not supported (this build reads 1 to " +
                                std::to_string(kPipelineFormatVersion) + ")");
  }
  if (pipeline.inputs.empty()) return InvalidArgumentError("inputs: the pipeline has no input fields");
  ASSIGN_OR_RETURN(PipelineColumns columns, ResolveColumns(pipeline));

  std::vector<const ColumnInfo*> features;
  std::set<std::string_view> seen_features;
  for (size_t i = 0; i < pipeline.features.size(); ++i) {
    const std::string& name = pipeline.features[i];
    const ColumnInfo* info = columns.Find(name);
    if (info == nullptr) {
      return InvalidArgumentError("features[" + std::to_string(i) + "]: column " + Quote(name) +
                                  " is not defined by the inputs or transforms");
    }
    if (!seen_features.insert(name).second) {
      return InvalidArgumentError("features[" + std::to_string(i) + "]: " + Quote(name) + " is listed twice");
    }
    features.push_back(info);
  }

  const Model& model = pipeline.model;
  if (model.task == Task::kClassification) {
    if (model.classes.size() < 2) return InvalidArgumentError("model: a classifier needs at least two classes");
    RETURN_IF_ERROR(CheckUniqueLevels(model.classes, "model.classes"));
  } else if (model.task == Task::kClustering) {
    if (model.classes.empty()) return InvalidArgumentError("model.classes: a clustering model needs at least one cluster");
    RETURN_IF_ERROR(CheckUniqueLevels(model.classes, "model.classes"));
    if (!std::holds_alternative<ClusteringModel>(model.body)) {
      return InvalidArgumentError("model: task clustering needs a model of type clustering");
    }
  } else if (!model.classes.empty()) {
    return InvalidArgumentError("model: a regression model has no classes");
  }
  if (const auto* glm = std::get_if<GlmModel>(&model.body)) {
    for (const ColumnInfo* feature : features) {
      if (!IsNumeric(feature->type)) {
        return InvalidArgumentError("features: a GLM needs numeric features, but " + Quote(feature->name) +
                                    " is a category (one-hot or ordinal encode it)");
      }
    }
    RETURN_IF_ERROR(CheckGlm(*glm, model, columns, features.size()));
  } else if (const auto* clustering = std::get_if<ClusteringModel>(&model.body)) {
    RETURN_IF_ERROR(CheckClustering(*clustering, model, features));
  } else {
    RETURN_IF_ERROR(CheckEnsemble(std::get<TreeEnsembleModel>(model.body), model, features));
  }

  const PostProcessing& post = pipeline.post;
  if (post.threshold) {
    if (model.task != Task::kClassification || model.classes.size() != 2) {
      return InvalidArgumentError("post.threshold: a threshold applies to binary classifiers only");
    }
    if (!(*post.threshold >= 0.0 && *post.threshold <= 1.0)) {
      return InvalidArgumentError("post.threshold must be between 0 and 1");
    }
  }
  if (post.reason_code_count < 0) return InvalidArgumentError("post.reason_codes must not be negative");
  RETURN_IF_ERROR(CheckReasonSettings(pipeline));
  if (!post.rules.empty() && columns.Find("score") != nullptr) {
    return InvalidArgumentError("post.rules: a column named 'score' would hide the model's score in rule "
                                "conditions; rename the column");
  }
  RETURN_IF_ERROR(CheckPredictionExpression(pipeline, columns));
  ASSIGN_OR_RETURN(const std::vector<ColumnType> derived, DerivedOutputTypes(pipeline, columns));
  for (size_t i = 0; i < post.rules.size(); ++i) {
    const BusinessRule& rule = post.rules[i];
    const std::string where = "post.rules[" + std::to_string(i) + "]" +
                              (rule.name.empty() ? std::string() : " (" + rule.name + ")");
    // Rules see the columns, `score` and the derived outputs.
    auto check = [&]() -> Result<expr::Type> {
      ASSIGN_OR_RETURN(std::unique_ptr<expr::Node> ast, expr::Parse(rule.when));
      return expr::TypeCheck(*ast, [&](std::string_view name) {
        return PostColumnType(pipeline, columns, derived, derived.size(), /*values=*/false, name);
      });
    };
    Result<expr::Type> type = check();
    if (!type.ok()) return type.status().WithContext(where + ": when");
    if (*type != expr::Type::kBoolean) {
      return InvalidArgumentError(where + ": 'when' must be a condition (true or false)");
    }
    if (rule.action == RuleAction::kOverride && rule.decision.empty()) {
      return InvalidArgumentError(where + ": an override rule needs a decision");
    }
  }
  return CheckOutputNames(pipeline);
}

}  // namespace podium
