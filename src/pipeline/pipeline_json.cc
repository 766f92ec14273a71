#include "pipeline/pipeline_json.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "base/json_guard.h"
#include "base/sha256.h"
#include "pipeline/validate.h"

namespace podium {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kFormatName = "podium-pipeline";

// ---------------------------------------------------------------------------
// Reading. Every accessor knows the JSON path of the value it reads, so that
// errors say where the problem is; unknown members are errors.
// ---------------------------------------------------------------------------

class Reader {
 public:
  Reader(const Json& json, std::string path) : json_(json), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  const Json& json() const { return json_; }

  Status Error(const std::string& message) const {
    return InvalidArgumentError((path_.empty() ? std::string("document") : path_) + ": " + message);
  }

  Status ExpectObject(std::initializer_list<std::string_view> allowed) const {
    if (!json_.is_object()) return Error("expected an object");
    for (const auto& [key, value] : json_.items()) {
      bool known = false;
      for (std::string_view name : allowed) known = known || key == name;
      if (!known) return Child(key).Error("unknown member (misspelt?)");
    }
    return Status::Ok();
  }

  bool Has(std::string_view key) const { return json_.is_object() && json_.contains(key); }

  Reader Child(std::string_view key) const {
    static const Json kNull;
    std::string path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    auto it = json_.find(key);
    return Reader(it == json_.end() ? kNull : *it, std::move(path));
  }

  Reader Element(size_t i) const { return Reader(json_[i], path_ + "[" + std::to_string(i) + "]"); }

  Result<std::string> String() const {
    if (!json_.is_string()) return Error("expected a string");
    return json_.get<std::string>();
  }
  Result<double> Number() const {
    if (!json_.is_number()) return Error("expected a number");
    const double value = json_.get<double>();
    if (!std::isfinite(value)) return Error("expected a finite number");
    return value;
  }
  Result<int64_t> Integer() const {
    if (json_.is_number_integer()) return json_.get<int64_t>();
    if (json_.is_number_float()) {
      const double value = json_.get<double>();
      if (value == std::floor(value) && std::fabs(value) < 9e15) return static_cast<int64_t>(value);
    }
    return Error("expected an integer");
  }
  Result<bool> Boolean() const {
    if (!json_.is_boolean()) return Error("expected true or false");
    return json_.get<bool>();
  }
  Result<size_t> ArraySize() const {
    if (!json_.is_array()) return Error("expected an array");
    return json_.size();
  }

  // Optional members: absent (or null) gives the default.
  Result<std::string> OptionalString(std::string_view key, std::string fallback = "") const {
    Reader child = Child(key);
    if (child.json_.is_null()) return fallback;
    return child.String();
  }
  Result<std::optional<double>> OptionalNumber(std::string_view key) const {
    Reader child = Child(key);
    if (child.json_.is_null()) return std::optional<double>();
    ASSIGN_OR_RETURN(double value, child.Number());
    return std::optional<double>(value);
  }
  Result<double> NumberOr(std::string_view key, double fallback) const {
    Reader child = Child(key);
    if (child.json_.is_null()) return fallback;
    return child.Number();
  }
  Result<bool> BooleanOr(std::string_view key, bool fallback) const {
    Reader child = Child(key);
    if (child.json_.is_null()) return fallback;
    return child.Boolean();
  }

  Result<std::vector<std::string>> Strings() const {
    if (json_.is_null()) return std::vector<std::string>();
    ASSIGN_OR_RETURN(size_t n, ArraySize());
    std::vector<std::string> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(std::string s, Element(i).String());
      out.push_back(std::move(s));
    }
    return out;
  }
  Result<std::vector<double>> Numbers() const {
    if (json_.is_null()) return std::vector<double>();
    ASSIGN_OR_RETURN(size_t n, ArraySize());
    std::vector<double> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const Json& e = json_[i];
      if (!e.is_number() || !std::isfinite(e.get<double>())) {
        return Element(i).Error("expected a finite number");
      }
      out.push_back(e.get<double>());
    }
    return out;
  }
  Result<std::vector<int32_t>> Int32s() const {
    if (json_.is_null()) return std::vector<int32_t>();
    ASSIGN_OR_RETURN(size_t n, ArraySize());
    std::vector<int32_t> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const Json& e = json_[i];
      if (!e.is_number_integer() || e.get<int64_t>() < INT32_MIN || e.get<int64_t>() > INT32_MAX) {
        return Element(i).Error("expected a 32-bit integer");
      }
      out.push_back(static_cast<int32_t>(e.get<int64_t>()));
    }
    return out;
  }

  // An enumeration member: the name must be one of `names`.
  template <typename E>
  Result<E> Enum(const std::vector<std::pair<std::string_view, E>>& names) const {
    ASSIGN_OR_RETURN(std::string value, String());
    std::string allowed;
    for (const auto& [name, e] : names) {
      if (value == name) return e;
      allowed += allowed.empty() ? "" : ", ";
      allowed += name;
    }
    return Error("'" + value + "' is not one of: " + allowed);
  }
  template <typename E>
  Result<E> EnumOr(std::string_view key, E fallback,
                   const std::vector<std::pair<std::string_view, E>>& names) const {
    Reader child = Child(key);
    if (child.json_.is_null()) return fallback;
    return child.Enum(names);
  }

 private:
  const Json& json_;
  std::string path_;
};

const std::vector<std::pair<std::string_view, FieldType>> kFieldTypes = {
    {"number", FieldType::kNumber},
    {"integer", FieldType::kInteger},
    {"boolean", FieldType::kBoolean},
    {"category", FieldType::kCategory}};
const std::vector<std::pair<std::string_view, ImputeStrategy>> kImputeStrategies = {
    {"constant", ImputeStrategy::kConstant},
    {"mean", ImputeStrategy::kMean},
    {"median", ImputeStrategy::kMedian},
    {"most_frequent", ImputeStrategy::kMostFrequent}};
const std::vector<std::pair<std::string_view, UnknownLevelPolicy>> kUnknownPolicies = {
    {"error", UnknownLevelPolicy::kError},
    {"ignore", UnknownLevelPolicy::kIgnore},
    {"missing", UnknownLevelPolicy::kMissing}};
const std::vector<std::pair<std::string_view, GlmFamily>> kFamilies = {
    {"gaussian", GlmFamily::kGaussian}, {"binomial", GlmFamily::kBinomial},
    {"poisson", GlmFamily::kPoisson},   {"gamma", GlmFamily::kGamma},
    {"tweedie", GlmFamily::kTweedie},   {"multinomial", GlmFamily::kMultinomial}};
const std::vector<std::pair<std::string_view, LinkFunction>> kLinks = {
    {"identity", LinkFunction::kIdentity}, {"logit", LinkFunction::kLogit},
    {"probit", LinkFunction::kProbit},     {"log", LinkFunction::kLog},
    {"cloglog", LinkFunction::kCloglog},   {"inverse", LinkFunction::kInverse}};
const std::vector<std::pair<std::string_view, OutputTransform>> kOutputTransforms = {
    {"identity", OutputTransform::kIdentity},
    {"logistic", OutputTransform::kLogistic},
    {"softmax", OutputTransform::kSoftmax},
    {"exp", OutputTransform::kExp}};
const std::vector<std::pair<std::string_view, Aggregation>> kAggregations = {
    {"sum", Aggregation::kSum}, {"average", Aggregation::kAverage}};
const std::vector<std::pair<std::string_view, NumericPrecision>> kPrecisions = {
    {"float64", NumericPrecision::kFloat64}, {"float32", NumericPrecision::kFloat32}};
const std::vector<std::pair<std::string_view, Task>> kTasks = {
    {"regression", Task::kRegression}, {"classification", Task::kClassification}, {"clustering", Task::kClustering}};
const std::vector<std::pair<std::string_view, ClusterMeasure>> kClusterMeasures = {
    {"euclidean", ClusterMeasure::kEuclidean},
    {"squared_euclidean", ClusterMeasure::kSquaredEuclidean},
    {"cityblock", ClusterMeasure::kCityBlock},
    {"chebychev", ClusterMeasure::kChebychev},
    {"minkowski", ClusterMeasure::kMinkowski},
    {"simple_matching", ClusterMeasure::kSimpleMatching},
    {"jaccard", ClusterMeasure::kJaccard},
    {"tanimoto", ClusterMeasure::kTanimoto},
    {"binary_similarity", ClusterMeasure::kBinarySimilarity}};
const std::vector<std::pair<std::string_view, CompareFunction>> kCompareFunctions = {
    {"abs_diff", CompareFunction::kAbsDiff},
    {"gauss_sim", CompareFunction::kGaussSim},
    {"delta", CompareFunction::kDelta},
    {"equal", CompareFunction::kEqual},
    {"table", CompareFunction::kTable}};
// kBinarySimilarity's coefficients, as named in the artifact.
constexpr std::pair<std::string_view, double BinarySimilarity::*> kBinaryCoefficients[] = {
    {"c00", &BinarySimilarity::c00}, {"c01", &BinarySimilarity::c01}, {"c10", &BinarySimilarity::c10},
    {"c11", &BinarySimilarity::c11}, {"d00", &BinarySimilarity::d00}, {"d01", &BinarySimilarity::d01},
    {"d10", &BinarySimilarity::d10}, {"d11", &BinarySimilarity::d11}};
const std::vector<std::pair<std::string_view, RuleAction>> kRuleActions = {
    {"override", RuleAction::kOverride}, {"annotate", RuleAction::kAnnotate}};
const std::vector<std::pair<std::string_view, ReasonOrder>> kReasonOrders = {
    {"absolute", ReasonOrder::kByAbsoluteValue},
    {"largest", ReasonOrder::kLargestFirst},
    {"smallest", ReasonOrder::kSmallestFirst}};

template <typename E>
std::string_view NameOf(const std::vector<std::pair<std::string_view, E>>& names, E value) {
  for (const auto& [name, e] : names) {
    if (e == value) return name;
  }
  return "?";
}

Result<std::variant<double, std::string>> ReadScalar(const Reader& r) {
  if (r.json().is_string()) return std::variant<double, std::string>(r.json().get<std::string>());
  ASSIGN_OR_RETURN(double v, r.Number());
  return std::variant<double, std::string>(v);
}

// "error" | "missing" | {"replace": value}
Result<ValuePolicy> ReadPolicy(const Reader& r, ValuePolicy fallback) {
  if (r.json().is_null()) return fallback;
  ValuePolicy policy;
  if (r.json().is_object()) {
    RETURN_IF_ERROR(r.ExpectObject({"replace"}));
    policy.kind = ValuePolicyKind::kReplace;
    ASSIGN_OR_RETURN(policy.replacement, ReadScalar(r.Child("replace")));
    return policy;
  }
  ASSIGN_OR_RETURN(policy.kind, r.Enum<ValuePolicyKind>({{"error", ValuePolicyKind::kError},
                                                         {"missing", ValuePolicyKind::kMissing}}));
  return policy;
}

Result<InputField> ReadInput(const Reader& r) {
  RETURN_IF_ERROR(r.ExpectObject(
      {"name", "type", "description", "min", "max", "levels", "on_missing", "on_invalid"}));
  InputField field;
  ASSIGN_OR_RETURN(field.name, r.Child("name").String());
  ASSIGN_OR_RETURN(field.type, r.Child("type").Enum(kFieldTypes));
  ASSIGN_OR_RETURN(field.description, r.OptionalString("description"));
  ASSIGN_OR_RETURN(field.min, r.OptionalNumber("min"));
  ASSIGN_OR_RETURN(field.max, r.OptionalNumber("max"));
  ASSIGN_OR_RETURN(field.levels, r.Child("levels").Strings());
  ASSIGN_OR_RETURN(field.on_missing, ReadPolicy(r.Child("on_missing"), field.on_missing));
  ASSIGN_OR_RETURN(field.on_invalid, ReadPolicy(r.Child("on_invalid"), field.on_invalid));
  return field;
}

Result<Transform> ReadTransform(const Reader& r) {
  if (!r.json().is_object()) return r.Error("expected an object");
  ASSIGN_OR_RETURN(std::string op, r.Child("op").String());
  if (op == "impute") {
    RETURN_IF_ERROR(r.ExpectObject({"op", "input", "output", "strategy", "value"}));
    ImputeTransform t;
    ASSIGN_OR_RETURN(t.input, r.Child("input").String());
    ASSIGN_OR_RETURN(t.output, r.Child("output").String());
    ASSIGN_OR_RETURN(t.strategy, r.EnumOr("strategy", ImputeStrategy::kConstant, kImputeStrategies));
    ASSIGN_OR_RETURN(t.value, ReadScalar(r.Child("value")));
    return Transform(std::move(t));
  }
  if (op == "clip") {
    RETURN_IF_ERROR(r.ExpectObject({"op", "input", "output", "min", "max"}));
    ClipTransform t;
    ASSIGN_OR_RETURN(t.input, r.Child("input").String());
    ASSIGN_OR_RETURN(t.output, r.Child("output").String());
    ASSIGN_OR_RETURN(t.min, r.OptionalNumber("min"));
    ASSIGN_OR_RETURN(t.max, r.OptionalNumber("max"));
    return Transform(std::move(t));
  }
  if (op == "standardize") {
    RETURN_IF_ERROR(r.ExpectObject({"op", "input", "output", "mean", "scale"}));
    StandardizeTransform t;
    ASSIGN_OR_RETURN(t.input, r.Child("input").String());
    ASSIGN_OR_RETURN(t.output, r.Child("output").String());
    ASSIGN_OR_RETURN(t.mean, r.Child("mean").Number());
    ASSIGN_OR_RETURN(t.scale, r.Child("scale").Number());
    return Transform(std::move(t));
  }
  if (op == "min_max") {
    RETURN_IF_ERROR(r.ExpectObject({"op", "input", "output", "min", "max", "to_min", "to_max"}));
    MinMaxTransform t;
    ASSIGN_OR_RETURN(t.input, r.Child("input").String());
    ASSIGN_OR_RETURN(t.output, r.Child("output").String());
    ASSIGN_OR_RETURN(t.min, r.Child("min").Number());
    ASSIGN_OR_RETURN(t.max, r.Child("max").Number());
    ASSIGN_OR_RETURN(t.to_min, r.NumberOr("to_min", 0.0));
    ASSIGN_OR_RETURN(t.to_max, r.NumberOr("to_max", 1.0));
    return Transform(std::move(t));
  }
  if (op == "log" || op == "log1p" || op == "power") {
    RETURN_IF_ERROR(op == "power" ? r.ExpectObject({"op", "input", "output", "exponent"})
                                  : r.ExpectObject({"op", "input", "output"}));
    MathTransform t;
    t.function = op == "log" ? MathFunction::kLog : op == "log1p" ? MathFunction::kLog1p : MathFunction::kPower;
    ASSIGN_OR_RETURN(t.input, r.Child("input").String());
    ASSIGN_OR_RETURN(t.output, r.Child("output").String());
    if (op == "power") {
      ASSIGN_OR_RETURN(t.exponent, r.Child("exponent").Number());
    }
    return Transform(std::move(t));
  }
  if (op == "bucketize") {
    RETURN_IF_ERROR(r.ExpectObject({"op", "input", "output", "edges", "right_closed", "labels"}));
    BucketizeTransform t;
    ASSIGN_OR_RETURN(t.input, r.Child("input").String());
    ASSIGN_OR_RETURN(t.output, r.Child("output").String());
    ASSIGN_OR_RETURN(t.edges, r.Child("edges").Numbers());
    ASSIGN_OR_RETURN(t.right_closed, r.BooleanOr("right_closed", false));
    ASSIGN_OR_RETURN(t.labels, r.Child("labels").Strings());
    return Transform(std::move(t));
  }
  if (op == "one_hot") {
    RETURN_IF_ERROR(r.ExpectObject({"op", "input", "output_prefix", "levels", "unknown"}));
    OneHotTransform t;
    ASSIGN_OR_RETURN(t.input, r.Child("input").String());
    ASSIGN_OR_RETURN(t.output_prefix, r.OptionalString("output_prefix"));
    ASSIGN_OR_RETURN(t.levels, r.Child("levels").Strings());
    ASSIGN_OR_RETURN(t.unknown, r.EnumOr("unknown", UnknownLevelPolicy::kIgnore, kUnknownPolicies));
    return Transform(std::move(t));
  }
  if (op == "ordinal") {
    RETURN_IF_ERROR(r.ExpectObject({"op", "input", "output", "levels", "unknown", "unknown_value"}));
    OrdinalTransform t;
    ASSIGN_OR_RETURN(t.input, r.Child("input").String());
    ASSIGN_OR_RETURN(t.output, r.Child("output").String());
    ASSIGN_OR_RETURN(t.levels, r.Child("levels").Strings());
    ASSIGN_OR_RETURN(t.unknown, r.EnumOr("unknown", UnknownLevelPolicy::kError, kUnknownPolicies));
    ASSIGN_OR_RETURN(t.unknown_value, r.NumberOr("unknown_value", -1.0));
    return Transform(std::move(t));
  }
  if (op == "derive") {
    RETURN_IF_ERROR(r.ExpectObject({"op", "output", "expression"}));
    DeriveTransform t;
    ASSIGN_OR_RETURN(t.output, r.Child("output").String());
    ASSIGN_OR_RETURN(t.expression, r.Child("expression").String());
    return Transform(std::move(t));
  }
  return r.Child("op").Error("unknown transform '" + op +
                             "' (known: impute, clip, standardize, min_max, log, log1p, power, "
                             "bucketize, one_hot, ordinal, derive)");
}

Result<Tree> ReadTree(const Reader& r) {
  RETURN_IF_ERROR(r.ExpectObject({"feature", "threshold", "left", "right", "default_left",
                                   "category_levels", "leaf_values", "cover", "leaf_width",
                                   "output"}));
  Tree tree;
  ASSIGN_OR_RETURN(tree.feature, r.Child("feature").Int32s());
  ASSIGN_OR_RETURN(tree.threshold, r.Child("threshold").Numbers());
  ASSIGN_OR_RETURN(tree.left, r.Child("left").Int32s());
  ASSIGN_OR_RETURN(tree.right, r.Child("right").Int32s());
  ASSIGN_OR_RETURN(std::vector<int32_t> default_left, r.Child("default_left").Int32s());
  for (size_t i = 0; i < default_left.size(); ++i) {
    if (default_left[i] != 0 && default_left[i] != 1) {
      return r.Child("default_left").Element(i).Error("expected 0 or 1");
    }
    tree.default_left.push_back(static_cast<uint8_t>(default_left[i]));
  }
  ASSIGN_OR_RETURN(tree.leaf_values, r.Child("leaf_values").Numbers());
  ASSIGN_OR_RETURN(tree.cover, r.Child("cover").Numbers());
  ASSIGN_OR_RETURN(int64_t width, r.Has("leaf_width") ? r.Child("leaf_width").Integer() : Result<int64_t>(1));
  ASSIGN_OR_RETURN(int64_t output, r.Has("output") ? r.Child("output").Integer() : Result<int64_t>(0));
  if (width < 1 || width > 1'000'000) return r.Child("leaf_width").Error("out of range");
  if (output < 0 || output > 1'000'000) return r.Child("output").Error("out of range");
  tree.leaf_width = static_cast<int32_t>(width);
  tree.output = static_cast<int32_t>(output);
  // category_levels: {"<node>": ["level", ...], ...}, only for categorical splits.
  Reader levels = r.Child("category_levels");
  if (!levels.json().is_null()) {
    if (!levels.json().is_object()) return levels.Error("expected an object of node -> levels");
    tree.category_levels.resize(tree.left.size());
    for (const auto& [key, value] : levels.json().items()) {
      size_t node = 0;
      auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), node);
      if (ec != std::errc() || end != key.data() + key.size() || node >= tree.left.size()) {
        return levels.Child(key).Error("not a node index of this tree");
      }
      ASSIGN_OR_RETURN(tree.category_levels[node], levels.Child(key).Strings());
      if (tree.category_levels[node].empty()) return levels.Child(key).Error("needs at least one level");
    }
  }
  return tree;
}

// tables: {"<feature>": {"levels": [...], "values": [[row], ...]}, ...}, only
// for table features; the others get an empty table.
Status ReadCompareTables(const Reader& tables, size_t num_features, ClusteringModel& clustering) {
  if (tables.json().is_null()) return Status::Ok();
  if (!tables.json().is_object()) return tables.Error("expected an object of feature -> table");
  clustering.tables.resize(num_features);
  for (const auto& [key, value] : tables.json().items()) {
    size_t feature = 0;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), feature);
    if (ec != std::errc() || end != key.data() + key.size() || feature >= num_features) {
      return tables.Child(key).Error("not a feature index of this model");
    }
    const Reader table = tables.Child(key);
    RETURN_IF_ERROR(table.ExpectObject({"levels", "values"}));
    CompareTable& out = clustering.tables[feature];
    ASSIGN_OR_RETURN(out.levels, table.Child("levels").Strings());
    if (out.levels.empty()) return table.Child("levels").Error("needs at least one level");
    const Reader rows = table.Child("values");
    ASSIGN_OR_RETURN(size_t n, rows.ArraySize());
    if (n != out.levels.size()) {
      return rows.Error("has " + std::to_string(n) + " rows, expected one per level (" +
                        std::to_string(out.levels.size()) + ")");
    }
    for (size_t i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(std::vector<double> row, rows.Element(i).Numbers());
      if (row.size() != n) {
        return rows.Element(i).Error("has " + std::to_string(row.size()) + " values, expected one per level (" +
                                     std::to_string(n) + ")");
      }
      out.values.insert(out.values.end(), row.begin(), row.end());
    }
  }
  return Status::Ok();
}

// The members of a "type": "clustering" model (other than type, task and
// classes).
Result<ClusteringModel> ReadClustering(const Reader& r) {
  ClusteringModel clustering;
  ASSIGN_OR_RETURN(clustering.measure, r.Child("measure").Enum(kClusterMeasures));
  ASSIGN_OR_RETURN(clustering.minkowski_p, r.NumberOr("minkowski_p", 2.0));
  if (r.Has("binary_similarity")) {
    const Reader binary = r.Child("binary_similarity");
    RETURN_IF_ERROR(binary.ExpectObject({"c00", "c01", "c10", "c11", "d00", "d01", "d10", "d11"}));
    for (const auto& [name, member] : kBinaryCoefficients) {
      ASSIGN_OR_RETURN(clustering.binary.*member, binary.NumberOr(name, 0.0));
    }
  }
  const Reader compare = r.Child("compare");
  ASSIGN_OR_RETURN(size_t n, compare.ArraySize());
  for (size_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(CompareFunction function, compare.Element(i).Enum(kCompareFunctions));
    clustering.compare.push_back(function);
  }
  ASSIGN_OR_RETURN(clustering.field_weights, r.Child("field_weights").Numbers());
  ASSIGN_OR_RETURN(clustering.similarity_scale, r.Child("similarity_scale").Numbers());
  ASSIGN_OR_RETURN(clustering.missing_weights, r.Child("missing_weights").Numbers());
  RETURN_IF_ERROR(ReadCompareTables(r.Child("tables"), n, clustering));
  // centers: one array per cluster.
  const Reader rows = r.Child("centers");
  ASSIGN_OR_RETURN(size_t clusters, rows.ArraySize());
  size_t width = 0;
  for (size_t c = 0; c < clusters; ++c) {
    ASSIGN_OR_RETURN(std::vector<double> row, rows.Element(c).Numbers());
    if (c > 0 && row.size() != width) {
      return rows.Element(c).Error("has " + std::to_string(row.size()) + " coordinates but centers[0] has " +
                                   std::to_string(width));
    }
    width = row.size();
    clustering.centers.insert(clustering.centers.end(), row.begin(), row.end());
  }
  return clustering;
}

Result<Model> ReadModel(const Reader& r) {
  if (!r.json().is_object()) return r.Error("expected an object");
  Model model;
  ASSIGN_OR_RETURN(std::string type, r.Child("type").String());
  ASSIGN_OR_RETURN(model.task, r.Child("task").Enum(kTasks));
  ASSIGN_OR_RETURN(model.classes, r.Child("classes").Strings());
  if (type == "glm") {
    RETURN_IF_ERROR(r.ExpectObject({"type", "task", "classes", "family", "link", "tweedie_power",
                                    "intercepts", "coefficients", "offset", "feature_means"}));
    GlmModel glm;
    ASSIGN_OR_RETURN(glm.family, r.Child("family").Enum(kFamilies));
    ASSIGN_OR_RETURN(glm.link, r.Child("link").Enum(kLinks));
    ASSIGN_OR_RETURN(glm.tweedie_power, r.NumberOr("tweedie_power", 1.5));
    ASSIGN_OR_RETURN(glm.intercepts, r.Child("intercepts").Numbers());
    // coefficients: one array per linear predictor.
    Reader rows = r.Child("coefficients");
    ASSIGN_OR_RETURN(size_t n, rows.ArraySize());
    for (size_t i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(std::vector<double> row, rows.Element(i).Numbers());
      glm.coefficients.insert(glm.coefficients.end(), row.begin(), row.end());
    }
    if (n != glm.intercepts.size()) {
      return rows.Error("has " + std::to_string(n) + " rows but there are " +
                        std::to_string(glm.intercepts.size()) + " intercepts");
    }
    ASSIGN_OR_RETURN(glm.offset, r.OptionalString("offset"));
    ASSIGN_OR_RETURN(glm.feature_means, r.Child("feature_means").Numbers());
    model.body = std::move(glm);
    return model;
  }
  if (type == "tree_ensemble") {
    RETURN_IF_ERROR(r.ExpectObject({"type", "task", "classes", "num_outputs", "aggregation",
                                    "output_transform", "precision", "base_score", "trees"}));
    TreeEnsembleModel ensemble;
    ASSIGN_OR_RETURN(int64_t outputs, r.Child("num_outputs").Integer());
    if (outputs < 1 || outputs > 100'000) return r.Child("num_outputs").Error("out of range");
    ensemble.num_outputs = static_cast<int32_t>(outputs);
    ASSIGN_OR_RETURN(ensemble.aggregation, r.EnumOr("aggregation", Aggregation::kSum, kAggregations));
    ASSIGN_OR_RETURN(ensemble.output_transform, r.Child("output_transform").Enum(kOutputTransforms));
    ASSIGN_OR_RETURN(ensemble.precision, r.EnumOr("precision", NumericPrecision::kFloat64, kPrecisions));
    ASSIGN_OR_RETURN(ensemble.base_score, r.Child("base_score").Numbers());
    Reader trees = r.Child("trees");
    ASSIGN_OR_RETURN(size_t n, trees.ArraySize());
    ensemble.trees.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(Tree tree, ReadTree(trees.Element(i)));
      ensemble.trees.push_back(std::move(tree));
    }
    model.body = std::move(ensemble);
    return model;
  }
  if (type == "clustering") {
    RETURN_IF_ERROR(r.ExpectObject({"type", "task", "classes", "measure", "minkowski_p", "binary_similarity",
                                    "compare", "field_weights", "similarity_scale", "missing_weights",
                                    "tables", "centers"}));
    ASSIGN_OR_RETURN(ClusteringModel clustering, ReadClustering(r));
    model.body = std::move(clustering);
    return model;
  }
  return r.Child("type").Error("unknown model type '" + type + "' (known: glm, tree_ensemble, clustering)");
}

Result<BusinessRule> ReadRule(const Reader& r) {
  RETURN_IF_ERROR(r.ExpectObject({"name", "when", "action", "decision", "reason"}));
  BusinessRule rule;
  ASSIGN_OR_RETURN(rule.name, r.OptionalString("name"));
  ASSIGN_OR_RETURN(rule.when, r.Child("when").String());
  ASSIGN_OR_RETURN(rule.action, r.Child("action").Enum(kRuleActions));
  ASSIGN_OR_RETURN(rule.decision, r.OptionalString("decision"));
  ASSIGN_OR_RETURN(rule.reason, r.OptionalString("reason"));
  return rule;
}

Result<DerivedOutput> ReadDerivedOutput(const Reader& r) {
  RETURN_IF_ERROR(r.ExpectObject({"name", "expression", "categories"}));
  DerivedOutput output;
  ASSIGN_OR_RETURN(output.name, r.Child("name").String());
  ASSIGN_OR_RETURN(output.expression, r.Child("expression").String());
  ASSIGN_OR_RETURN(output.categories, r.Child("categories").Strings());
  return output;
}

Result<PostProcessing> ReadPost(const Reader& r) {
  PostProcessing post;
  if (r.json().is_null()) return post;
  RETURN_IF_ERROR(r.ExpectObject({"threshold", "rules", "reason_codes", "reason_order", "reason_one_sided",
                                  "reason_labels", "prediction_expression", "outputs"}));
  ASSIGN_OR_RETURN(post.threshold, r.OptionalNumber("threshold"));
  ASSIGN_OR_RETURN(post.prediction_expression, r.OptionalString("prediction_expression"));
  Reader outputs = r.Child("outputs");
  if (!outputs.json().is_null()) {
    ASSIGN_OR_RETURN(size_t n, outputs.ArraySize());
    for (size_t i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(DerivedOutput output, ReadDerivedOutput(outputs.Element(i)));
      post.outputs.push_back(std::move(output));
    }
  }
  if (r.Has("reason_codes")) {
    ASSIGN_OR_RETURN(int64_t count, r.Child("reason_codes").Integer());
    if (count < 0 || count > 10'000) return r.Child("reason_codes").Error("out of range");
    post.reason_code_count = static_cast<int32_t>(count);
  }
  if (r.Has("reason_order")) {
    ASSIGN_OR_RETURN(post.reason_order, r.Child("reason_order").Enum(kReasonOrders));
  }
  ASSIGN_OR_RETURN(post.reason_one_sided, r.BooleanOr("reason_one_sided", false));
  ASSIGN_OR_RETURN(post.reason_labels, r.Child("reason_labels").Strings());
  Reader rules = r.Child("rules");
  if (!rules.json().is_null()) {
    ASSIGN_OR_RETURN(size_t n, rules.ArraySize());
    for (size_t i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(BusinessRule rule, ReadRule(rules.Element(i)));
      post.rules.push_back(std::move(rule));
    }
  }
  return post;
}

Result<Pipeline> ReadDocument(const Reader& r) {
  RETURN_IF_ERROR(r.ExpectObject({"format", "format_version", "name", "description", "source",
                                  "inputs", "transforms", "features", "model", "post", "output_names"}));
  ASSIGN_OR_RETURN(std::string format, r.Child("format").String());
  if (format != kFormatName) {
    return r.Child("format").Error("expected \"" + std::string(kFormatName) + "\"");
  }
  Pipeline pipeline;
  ASSIGN_OR_RETURN(int64_t version, r.Child("format_version").Integer());
  if (version < 1 || version > kPipelineFormatVersion) {
    return r.Child("format_version")
        .Error("version " + std::to_string(version) + " is not supported (this build reads 1 to " +
               std::to_string(kPipelineFormatVersion) + "; a newer Podium wrote this file)");
  }
  pipeline.format_version = static_cast<int>(version);
  ASSIGN_OR_RETURN(pipeline.name, r.OptionalString("name"));
  ASSIGN_OR_RETURN(pipeline.description, r.OptionalString("description"));
  ASSIGN_OR_RETURN(pipeline.source, r.OptionalString("source"));
  Reader inputs = r.Child("inputs");
  ASSIGN_OR_RETURN(size_t n_inputs, inputs.ArraySize());
  for (size_t i = 0; i < n_inputs; ++i) {
    ASSIGN_OR_RETURN(InputField field, ReadInput(inputs.Element(i)));
    pipeline.inputs.push_back(std::move(field));
  }
  Reader transforms = r.Child("transforms");
  if (!transforms.json().is_null()) {
    ASSIGN_OR_RETURN(size_t n, transforms.ArraySize());
    for (size_t i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(Transform t, ReadTransform(transforms.Element(i)));
      pipeline.transforms.push_back(std::move(t));
    }
  }
  ASSIGN_OR_RETURN(pipeline.features, r.Child("features").Strings());
  ASSIGN_OR_RETURN(pipeline.model, ReadModel(r.Child("model")));
  ASSIGN_OR_RETURN(pipeline.post, ReadPost(r.Child("post")));
  if (r.Has("output_names")) {
    const Reader names = r.Child("output_names");
    RETURN_IF_ERROR(names.ExpectObject({"value", "probabilities", "affinities", "label", "reasons"}));
    ASSIGN_OR_RETURN(pipeline.output_names.value, names.OptionalString("value"));
    ASSIGN_OR_RETURN(pipeline.output_names.label, names.OptionalString("label"));
    if (names.Has("probabilities")) {
      ASSIGN_OR_RETURN(pipeline.output_names.probabilities, names.Child("probabilities").Strings());
    }
    if (names.Has("affinities")) {
      ASSIGN_OR_RETURN(pipeline.output_names.affinities, names.Child("affinities").Strings());
    }
    ASSIGN_OR_RETURN(pipeline.output_names.reasons, names.Child("reasons").Strings());
  }
  return pipeline;
}

// ---------------------------------------------------------------------------
// Writing. Every member is written (defaults included) so that the canonical
// form of one pipeline is unique.
// ---------------------------------------------------------------------------

Json ScalarJson(const std::variant<double, std::string>& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::get<std::string>(v);
}

Json PolicyJson(const ValuePolicy& policy) {
  switch (policy.kind) {
    case ValuePolicyKind::kError: return "error";
    case ValuePolicyKind::kMissing: return "missing";
    case ValuePolicyKind::kReplace: return Json{{"replace", ScalarJson(policy.replacement)}};
  }
  return nullptr;
}

Json InputJson(const InputField& field) {
  Json j = {{"name", field.name},
            {"type", NameOf(kFieldTypes, field.type)},
            {"on_missing", PolicyJson(field.on_missing)},
            {"on_invalid", PolicyJson(field.on_invalid)}};
  if (!field.description.empty()) j["description"] = field.description;
  if (field.min) j["min"] = *field.min;
  if (field.max) j["max"] = *field.max;
  if (!field.levels.empty()) j["levels"] = field.levels;
  return j;
}

Json UnknownJson(UnknownLevelPolicy policy) { return NameOf(kUnknownPolicies, policy); }

struct TransformWriter {
  Json operator()(const ImputeTransform& t) const {
    return {{"op", "impute"}, {"input", t.input}, {"output", t.output},
            {"strategy", NameOf(kImputeStrategies, t.strategy)}, {"value", ScalarJson(t.value)}};
  }
  Json operator()(const ClipTransform& t) const {
    Json j = {{"op", "clip"}, {"input", t.input}, {"output", t.output}};
    if (t.min) j["min"] = *t.min;
    if (t.max) j["max"] = *t.max;
    return j;
  }
  Json operator()(const StandardizeTransform& t) const {
    return {{"op", "standardize"}, {"input", t.input}, {"output", t.output},
            {"mean", t.mean}, {"scale", t.scale}};
  }
  Json operator()(const MinMaxTransform& t) const {
    return {{"op", "min_max"}, {"input", t.input}, {"output", t.output}, {"min", t.min},
            {"max", t.max}, {"to_min", t.to_min}, {"to_max", t.to_max}};
  }
  Json operator()(const MathTransform& t) const {
    Json j = {{"op", TransformOpName(Transform(t))}, {"input", t.input}, {"output", t.output}};
    if (t.function == MathFunction::kPower) j["exponent"] = t.exponent;
    return j;
  }
  Json operator()(const BucketizeTransform& t) const {
    Json j = {{"op", "bucketize"}, {"input", t.input}, {"output", t.output},
              {"edges", t.edges}, {"right_closed", t.right_closed}};
    if (!t.labels.empty()) j["labels"] = t.labels;
    return j;
  }
  Json operator()(const OneHotTransform& t) const {
    Json j = {{"op", "one_hot"}, {"input", t.input}, {"levels", t.levels}, {"unknown", UnknownJson(t.unknown)}};
    if (!t.output_prefix.empty()) j["output_prefix"] = t.output_prefix;
    return j;
  }
  Json operator()(const OrdinalTransform& t) const {
    return {{"op", "ordinal"}, {"input", t.input}, {"output", t.output}, {"levels", t.levels},
            {"unknown", UnknownJson(t.unknown)}, {"unknown_value", t.unknown_value}};
  }
  Json operator()(const DeriveTransform& t) const {
    return {{"op", "derive"}, {"output", t.output}, {"expression", t.expression}};
  }
};

Json TreeJson(const Tree& tree) {
  std::vector<int> default_left(tree.default_left.begin(), tree.default_left.end());
  Json j = {{"feature", tree.feature},   {"threshold", tree.threshold},
            {"left", tree.left},         {"right", tree.right},
            {"default_left", default_left}, {"leaf_values", tree.leaf_values},
            {"leaf_width", tree.leaf_width}, {"output", tree.output}};
  if (!tree.cover.empty()) j["cover"] = tree.cover;
  Json levels = Json::object();
  for (size_t i = 0; i < tree.category_levels.size(); ++i) {
    if (!tree.category_levels[i].empty()) levels[std::to_string(i)] = tree.category_levels[i];
  }
  if (!levels.empty()) j["category_levels"] = std::move(levels);
  return j;
}

// `j` holds the task and classes already.
Json ClusteringJson(const ClusteringModel& clustering, const Model& model, Json j) {
  j["type"] = "clustering";
  j["measure"] = NameOf(kClusterMeasures, clustering.measure);
  if (clustering.measure == ClusterMeasure::kMinkowski) j["minkowski_p"] = clustering.minkowski_p;
  if (clustering.measure == ClusterMeasure::kBinarySimilarity) {
    Json binary = Json::object();
    for (const auto& [name, member] : kBinaryCoefficients) binary[std::string(name)] = clustering.binary.*member;
    j["binary_similarity"] = std::move(binary);
  }
  Json compare = Json::array();
  for (CompareFunction function : clustering.compare) compare.push_back(NameOf(kCompareFunctions, function));
  j["compare"] = std::move(compare);
  j["field_weights"] = clustering.field_weights;
  if (!clustering.similarity_scale.empty()) j["similarity_scale"] = clustering.similarity_scale;
  if (!clustering.missing_weights.empty()) j["missing_weights"] = clustering.missing_weights;
  Json tables = Json::object();
  for (size_t i = 0; i < clustering.tables.size(); ++i) {
    const CompareTable& table = clustering.tables[i];
    if (table.levels.empty()) continue;
    const size_t n = table.levels.size();
    Json values = Json::array();
    for (size_t r = 0; r < n && (r + 1) * n <= table.values.size(); ++r) {
      values.push_back(std::vector<double>(table.values.begin() + static_cast<ptrdiff_t>(r * n),
                                           table.values.begin() + static_cast<ptrdiff_t>((r + 1) * n)));
    }
    tables[std::to_string(i)] = {{"levels", table.levels}, {"values", std::move(values)}};
  }
  if (!tables.empty()) j["tables"] = std::move(tables);
  Json rows = Json::array();
  const size_t clusters = model.classes.size();
  const size_t width = clusters == 0 ? 0 : clustering.centers.size() / clusters;
  for (size_t c = 0; c < clusters; ++c) {
    rows.push_back(std::vector<double>(clustering.centers.begin() + static_cast<ptrdiff_t>(c * width),
                                       clustering.centers.begin() + static_cast<ptrdiff_t>((c + 1) * width)));
  }
  j["centers"] = std::move(rows);
  return j;
}

Json ModelJson(const Model& model) {
  Json j = {{"task", NameOf(kTasks, model.task)}};
  if (!model.classes.empty()) j["classes"] = model.classes;
  if (const auto* glm = std::get_if<GlmModel>(&model.body)) {
    j["type"] = "glm";
    j["family"] = NameOf(kFamilies, glm->family);
    j["link"] = NameOf(kLinks, glm->link);
    if (glm->family == GlmFamily::kTweedie) j["tweedie_power"] = glm->tweedie_power;
    j["intercepts"] = glm->intercepts;
    Json rows = Json::array();
    const size_t width = glm->intercepts.empty() ? 0 : glm->coefficients.size() / glm->intercepts.size();
    for (size_t p = 0; p < glm->intercepts.size(); ++p) {
      rows.push_back(std::vector<double>(glm->coefficients.begin() + static_cast<ptrdiff_t>(p * width),
                                         glm->coefficients.begin() + static_cast<ptrdiff_t>((p + 1) * width)));
    }
    j["coefficients"] = std::move(rows);
    if (!glm->offset.empty()) j["offset"] = glm->offset;
    if (!glm->feature_means.empty()) j["feature_means"] = glm->feature_means;
    return j;
  }
  if (const auto* clustering = std::get_if<ClusteringModel>(&model.body)) return ClusteringJson(*clustering, model, j);
  const auto& ensemble = std::get<TreeEnsembleModel>(model.body);
  j["type"] = "tree_ensemble";
  j["num_outputs"] = ensemble.num_outputs;
  j["aggregation"] = NameOf(kAggregations, ensemble.aggregation);
  j["output_transform"] = NameOf(kOutputTransforms, ensemble.output_transform);
  j["precision"] = NameOf(kPrecisions, ensemble.precision);
  j["base_score"] = ensemble.base_score;
  Json trees = Json::array();
  for (const Tree& tree : ensemble.trees) trees.push_back(TreeJson(tree));
  j["trees"] = std::move(trees);
  return j;
}

Json PostJson(const PostProcessing& post) {
  Json j = {{"reason_codes", post.reason_code_count}};
  if (post.threshold) j["threshold"] = *post.threshold;
  // Written only when not the default, so older artifacts keep their digests.
  if (post.reason_order != ReasonOrder::kByAbsoluteValue) j["reason_order"] = NameOf(kReasonOrders, post.reason_order);
  if (post.reason_one_sided) j["reason_one_sided"] = true;
  if (!post.reason_labels.empty()) j["reason_labels"] = post.reason_labels;
  if (!post.prediction_expression.empty()) j["prediction_expression"] = post.prediction_expression;
  if (!post.outputs.empty()) {
    Json outputs = Json::array();
    for (const DerivedOutput& output : post.outputs) {
      Json o = {{"name", output.name}, {"expression", output.expression}};
      if (!output.categories.empty()) o["categories"] = output.categories;
      outputs.push_back(std::move(o));
    }
    j["outputs"] = std::move(outputs);
  }
  if (!post.rules.empty()) {
    Json rules = Json::array();
    for (const BusinessRule& rule : post.rules) {
      Json r = {{"when", rule.when}, {"action", NameOf(kRuleActions, rule.action)}};
      if (!rule.name.empty()) r["name"] = rule.name;
      if (!rule.decision.empty()) r["decision"] = rule.decision;
      if (!rule.reason.empty()) r["reason"] = rule.reason;
      rules.push_back(std::move(r));
    }
    j["rules"] = std::move(rules);
  }
  return j;
}

}  // namespace

Result<Pipeline> ReadPipelineJson(std::string_view json) {
  RETURN_IF_ERROR(CheckJsonNesting(json));
  Json document;
  try {
    document = Json::parse(json);
  } catch (const Json::exception& e) {
    // nlohmann::json reports errors by exception; they stop here.
    return InvalidArgumentError(std::string("not valid JSON: ") + e.what());
  }
  ASSIGN_OR_RETURN(Pipeline pipeline, ReadDocument(Reader(document, "")));
  RETURN_IF_ERROR(ValidatePipeline(pipeline));
  return pipeline;
}

std::string WritePipelineJson(const Pipeline& pipeline, bool pretty) {
  Json j = {{"format", kFormatName},
            {"format_version", pipeline.format_version},
            {"name", pipeline.name},
            {"inputs", Json::array()},
            {"transforms", Json::array()},
            {"features", pipeline.features},
            {"model", ModelJson(pipeline.model)},
            {"post", PostJson(pipeline.post)}};
  if (!pipeline.description.empty()) j["description"] = pipeline.description;
  if (!pipeline.source.empty()) j["source"] = pipeline.source;
  // Written only when set, so pipelines without it keep their digests.
  if (!pipeline.output_names.empty()) {
    Json names = Json::object();
    if (!pipeline.output_names.value.empty()) names["value"] = pipeline.output_names.value;
    if (!pipeline.output_names.probabilities.empty()) names["probabilities"] = pipeline.output_names.probabilities;
    if (!pipeline.output_names.affinities.empty()) names["affinities"] = pipeline.output_names.affinities;
    if (!pipeline.output_names.label.empty()) names["label"] = pipeline.output_names.label;
    if (!pipeline.output_names.reasons.empty()) names["reasons"] = pipeline.output_names.reasons;
    j["output_names"] = std::move(names);
  }
  for (const InputField& field : pipeline.inputs) j["inputs"].push_back(InputJson(field));
  for (const Transform& t : pipeline.transforms) j["transforms"].push_back(std::visit(TransformWriter{}, t));
  // nlohmann::json keeps object members in a std::map, so keys come out
  // sorted; numbers are printed in shortest round-trip form.
  return pretty ? j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"
                : j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string PipelineDigest(const Pipeline& pipeline) {
  return "sha256:" + Sha256Hex(WritePipelineJson(pipeline, /*pretty=*/false));
}

bool LooksLikePipelineJson(std::string_view json) {
  return json.find("\"podium-pipeline\"") != std::string_view::npos;
}

}  // namespace podium
