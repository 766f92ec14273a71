#include "formats/xgboost.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/json_guard.h"
#include "data/number.h"
#include "formats/message.h"
#include "pipeline/validate.h"

namespace podium {
namespace {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------
// JSON text. XGBoost writes non-finite floats as the bare words NaN, Infinity
// and -Infinity (categorical splits store NaN as their split condition), which
// JSON does not have. Outside strings, NaN becomes null and the infinities
// become the strings "Infinity" and "-Infinity"; the number readers below
// accept those spellings where a non-finite value can be meaningful.
// ---------------------------------------------------------------------------

struct PreparedJson {
  std::string text;
  // (end of a replacement in `text`, end of the replaced word in the
  // original), in increasing order: to report parse errors at the original
  // byte offset.
  std::vector<std::pair<size_t, size_t>> shifts;

  size_t OriginalOffset(size_t offset) const {
    size_t original = offset;
    for (const auto& [prepared_end, original_end] : shifts) {
      if (prepared_end > offset) break;
      original = offset - prepared_end + original_end;
    }
    return original;
  }
};

PreparedJson PrepareJson(std::string_view json) {
  struct Word {
    std::string_view from;
    std::string_view to;
  };
  static constexpr Word kWords[] = {
      {"-Infinity", "\"-Infinity\""}, {"Infinity", "\"Infinity\""}, {"-NaN", "null"}, {"NaN", "null"}};
  PreparedJson out;
  out.text.reserve(json.size() + 16);
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out.text.push_back(c);
      if (c == '\\' && i + 1 < json.size()) {
        out.text.push_back(json[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == 'N' || c == 'I' || c == '-') {
      bool replaced = false;
      for (const Word& word : kWords) {
        if (json.substr(i, word.from.size()) == word.from) {
          out.text.append(word.to);
          i += word.from.size() - 1;
          out.shifts.emplace_back(out.text.size(), i + 1);
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    out.text.push_back(c);
  }
  return out;
}

// nlohmann's messages read "[json.exception.parse_error.101] parse error at
// line 1, column 7: syntax error while parsing value - ..."; keep the part
// after the position, which the caller reports as a byte offset instead.
std::string ParseErrorReason(const std::string& what) {
  std::string reason = what;
  if (const size_t bracket = reason.find("] "); bracket != std::string::npos) {
    reason = reason.substr(bracket + 2);
  }
  if (reason.rfind("parse error", 0) == 0) {
    if (const size_t colon = reason.find(": "); colon != std::string::npos) {
      reason = reason.substr(colon + 2);
    }
  }
  return reason;
}

// ---------------------------------------------------------------------------
// Path-aware access to the parsed document. Every error names the JSON path.
// ---------------------------------------------------------------------------

std::string_view JsonTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::binary:
      return "binary data";
    case Json::value_t::discarded:
      return "nothing";
  }
  return "an unknown value";
}

Status Invalid(const std::string& path, const std::string& problem) {
  return InvalidArgumentError(path + ": " + problem);
}

Status WrongType(const std::string& path, std::string_view expected, const Json& value) {
  return Invalid(path, "expected " + std::string(expected) + ", got " + std::string(JsonTypeName(value)));
}

std::string Index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

using formats_internal::Quote;

// Formats a number for a message: integers as such, others shortest-ish.
std::string Show(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

const Json* FindMember(const Json& object, std::string_view key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// `parent` is an object at `path`.
Result<const Json*> Member(const Json& parent, const std::string& path, std::string_view key) {
  const Json* member = FindMember(parent, key);
  if (member == nullptr) return Invalid(path, "missing member '" + std::string(key) + "'");
  return member;
}

Result<const Json*> ObjectMember(const Json& parent, const std::string& path, std::string_view key) {
  ASSIGN_OR_RETURN(const Json* member, Member(parent, path, key));
  if (!member->is_object()) return WrongType(path + "." + std::string(key), "an object", *member);
  return member;
}

Result<const Json*> ArrayMember(const Json& parent, const std::string& path, std::string_view key) {
  ASSIGN_OR_RETURN(const Json* member, Member(parent, path, key));
  if (!member->is_array()) return WrongType(path + "." + std::string(key), "an array", *member);
  return member;
}

Result<std::string> StringMember(const Json& parent, const std::string& path, std::string_view key) {
  ASSIGN_OR_RETURN(const Json* member, Member(parent, path, key));
  if (!member->is_string()) return WrongType(path + "." + std::string(key), "a string", *member);
  return member->get<std::string>();
}

// A JSON integer as int64 (unsigned values beyond int64 saturate, which every
// range check then rejects).
std::optional<int64_t> AsInteger(const Json& value) {
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  return std::nullopt;
}

// A number that XGBoost writes as a JSON number or, in learner_model_param
// and tree_param, as a decimal string ("5E-1").
Result<double> NumberOrNumericString(const Json& value, const std::string& path) {
  if (value.is_number()) {
    const double number = value.get<double>();
    if (!std::isfinite(number)) return Invalid(path, "the number is not finite");
    return number;
  }
  if (!value.is_string()) return WrongType(path, "a number or a numeric string", value);
  const std::string& text = value.get_ref<const std::string&>();
  const std::optional<double> number = ParseNumber(text);
  if (!number) return Invalid(path, Quote(text) + " is not a finite number");
  return *number;
}

Result<int64_t> IntegerOrNumericString(const Json& value, const std::string& path, int64_t min, int64_t max) {
  ASSIGN_OR_RETURN(const double number, NumberOrNumericString(value, path));
  if (number != std::floor(number)) return Invalid(path, Show(number) + " is not a whole number");
  if (number < static_cast<double>(min) || number > static_cast<double>(max)) {
    return Invalid(path,
                   Show(number) + " is outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<int64_t>(number);
}

Status ReadIntegers(const Json& array, const std::string& path, std::vector<int64_t>* out) {
  out->clear();
  out->reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    const std::optional<int64_t> value = AsInteger(array[i]);
    if (!value) return WrongType(Index(path, i), "an integer", array[i]);
    out->push_back(*value);
  }
  return Status::Ok();
}

// Numbers, with null and the strings "NaN", "Infinity", "-Infinity" read as
// the non-finite values XGBoost meant (see PrepareJson). Callers check
// finiteness where it matters.
Status ReadNumbers(const Json& array, const std::string& path, std::vector<double>* out) {
  out->clear();
  out->reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    const Json& e = array[i];
    if (e.is_number()) {
      out->push_back(e.get<double>());
    } else if (e.is_null()) {
      out->push_back(std::numeric_limits<double>::quiet_NaN());
    } else if (e.is_string() && e.get_ref<const std::string&>() == "Infinity") {
      out->push_back(std::numeric_limits<double>::infinity());
    } else if (e.is_string() && e.get_ref<const std::string&>() == "-Infinity") {
      out->push_back(-std::numeric_limits<double>::infinity());
    } else if (e.is_string() && e.get_ref<const std::string&>() == "NaN") {
      out->push_back(std::numeric_limits<double>::quiet_NaN());
    } else {
      return WrongType(Index(path, i), "a number", e);
    }
  }
  return Status::Ok();
}

// 0/1 integers (XGBoost 1.x and 2.x) or booleans.
Status ReadFlags(const Json& array, const std::string& path, std::vector<uint8_t>* out) {
  out->clear();
  out->reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    const Json& e = array[i];
    if (e.is_boolean()) {
      out->push_back(e.get<bool>() ? 1 : 0);
      continue;
    }
    const std::optional<int64_t> value = AsInteger(e);
    if (!value) return WrongType(Index(path, i), "0 or 1", e);
    if (*value != 0 && *value != 1)
      return Invalid(Index(path, i), "expected 0 or 1, got " + std::to_string(*value));
    out->push_back(static_cast<uint8_t>(*value));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Objectives
// ---------------------------------------------------------------------------

enum class BaseScoreLink { kIdentity, kLogit, kLog };

struct Objective {
  std::string_view name;
  Task task;
  OutputTransform transform;
  BaseScoreLink link;
  bool multiclass;
};

constexpr Objective kObjectives[] = {
    {"binary:logistic", Task::kClassification, OutputTransform::kLogistic, BaseScoreLink::kLogit, false},
    {"reg:logistic", Task::kClassification, OutputTransform::kLogistic, BaseScoreLink::kLogit, false},
    // XGBoost 1.7 leaves logitraw's base_score as it is (verified against
    // predict(output_margin=True)).
    {"binary:logitraw", Task::kRegression, OutputTransform::kIdentity, BaseScoreLink::kIdentity, false},
    {"reg:squarederror", Task::kRegression, OutputTransform::kIdentity, BaseScoreLink::kIdentity, false},
    {"reg:linear", Task::kRegression, OutputTransform::kIdentity, BaseScoreLink::kIdentity, false},
    {"reg:pseudohubererror", Task::kRegression, OutputTransform::kIdentity, BaseScoreLink::kIdentity, false},
    {"reg:absoluteerror", Task::kRegression, OutputTransform::kIdentity, BaseScoreLink::kIdentity, false},
    {"reg:squaredlogerror", Task::kRegression, OutputTransform::kIdentity, BaseScoreLink::kIdentity, false},
    {"reg:quantileerror", Task::kRegression, OutputTransform::kIdentity, BaseScoreLink::kIdentity, false},
    {"count:poisson", Task::kRegression, OutputTransform::kExp, BaseScoreLink::kLog, false},
    {"reg:gamma", Task::kRegression, OutputTransform::kExp, BaseScoreLink::kLog, false},
    {"reg:tweedie", Task::kRegression, OutputTransform::kExp, BaseScoreLink::kLog, false},
    {"multi:softprob", Task::kClassification, OutputTransform::kSoftmax, BaseScoreLink::kIdentity, true},
    {"multi:softmax", Task::kClassification, OutputTransform::kSoftmax, BaseScoreLink::kIdentity, true},
};

const Objective* FindObjective(std::string_view name) {
  for (const Objective& objective : kObjectives) {
    if (objective.name == name) return &objective;
  }
  return nullptr;
}

// XGBoost's ObjFunction::ProbToMargin, computed in float as XGBoost does.
Result<double> BaseScoreToMargin(double base_score, const Objective& objective, const std::string& path) {
  const float b = static_cast<float>(base_score);
  if (!std::isfinite(b)) return Invalid(path, Show(base_score) + " is outside the float range");
  switch (objective.link) {
    case BaseScoreLink::kIdentity:
      return static_cast<double>(b);
    case BaseScoreLink::kLogit:
      if (!(b > 0.0f && b < 1.0f)) {
        return Invalid(
            path, Show(base_score) + " is outside (0, 1), as " + std::string(objective.name) + " requires");
      }
      return static_cast<double>(-std::log(1.0f / b - 1.0f));
    case BaseScoreLink::kLog:
      if (!(b > 0.0f)) {
        return Invalid(
            path, Show(base_score) + " is not positive, as " + std::string(objective.name) + " requires");
      }
      return static_cast<double>(std::log(b));
  }
  return InternalError("unknown base score link");
}

// base_score is "5E-1" in XGBoost 1.x/2.x and "[5E-1]" (one value per output,
// or a single value) in later versions.
Result<std::vector<double>> ReadBaseScore(const Json& value, const std::string& path, size_t outputs) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    size_t begin = text.find_first_not_of(' ');
    if (begin != std::string::npos && text[begin] == '[') {
      const size_t end = text.find_last_not_of(' ');
      if (text[end] != ']') return Invalid(path, Quote(text) + " is not a number or a list of numbers");
      std::vector<double> values;
      std::string_view body(text.data() + begin + 1, end - begin - 1);
      while (!body.empty()) {
        const size_t comma = body.find(',');
        const std::string_view item = body.substr(0, comma);
        const std::optional<double> parsed = ParseNumber(item);
        if (!parsed) return Invalid(path, Quote(std::string(item)) + " is not a finite number");
        const double number = *parsed;
        if (values.size() >= outputs) {
          return Invalid(path, "more values than outputs (" + std::to_string(outputs) + ")");
        }
        values.push_back(number);
        if (comma == std::string_view::npos) break;
        body.remove_prefix(comma + 1);
      }
      if (values.size() == 1) values.assign(outputs, values[0]);
      if (values.size() != outputs) {
        return Invalid(path,
                       std::to_string(values.size()) + " values for " + std::to_string(outputs) + " outputs");
      }
      return values;
    }
  }
  ASSIGN_OR_RETURN(const double number, NumberOrNumericString(value, path));
  return std::vector<double>(outputs, number);
}

// ---------------------------------------------------------------------------
// Trees
// ---------------------------------------------------------------------------

// How a feature is split on: by value, by category, or not at all.
enum class SplitKind : uint8_t { kUnused, kNumeric, kCategorical };

struct FeatureUse {
  SplitKind kind = SplitKind::kUnused;
  std::string first_at;  // "trees[3] node 5", for messages
};

struct ModelContext {
  const Objective* objective = nullptr;
  int64_t num_feature = 0;
  int num_outputs = 1;
  std::vector<uint8_t> declared_categorical;  // per feature, from feature_types
  std::vector<FeatureUse> feature_use;        // per feature
  size_t total_nodes = 0;
  size_t max_nodes = kMaxXgboostNodes;
};

// The parsed arrays of one XGBoost tree.
struct RawTree {
  std::vector<int64_t> left;
  std::vector<int64_t> right;
  std::vector<int64_t> split_index;
  std::vector<double> split_condition;
  std::vector<uint8_t> default_left;
  std::vector<double> sum_hessian;  // empty when absent
  std::vector<int64_t> split_type;  // empty when absent (all numeric)
  std::vector<int64_t> categories;
  std::vector<int64_t> categories_nodes;
  std::vector<int64_t> categories_segments;
  std::vector<int64_t> categories_sizes;
};

Status ReadRawTree(const Json& tree, const std::string& path, ModelContext* context, RawTree* raw) {
  if (!tree.is_object()) return WrongType(path, "an object", tree);
  ASSIGN_OR_RETURN(const Json* left, ArrayMember(tree, path, "left_children"));
  const size_t n = left->size();
  if (n == 0) return Invalid(path + ".left_children", "the tree has no nodes");
  if (n > context->max_nodes - std::min(context->max_nodes, context->total_nodes)) {
    return Invalid(path, "the model has more than " + std::to_string(context->max_nodes) + " nodes");
  }
  context->total_nodes += n;

  if (const Json* tree_param = FindMember(tree, "tree_param")) {
    const std::string param_path = path + ".tree_param";
    if (!tree_param->is_object()) return WrongType(param_path, "an object", *tree_param);
    if (const Json* num_nodes = FindMember(*tree_param, "num_nodes")) {
      ASSIGN_OR_RETURN(const int64_t count, IntegerOrNumericString(*num_nodes, param_path + ".num_nodes", 0,
                                                                   std::numeric_limits<int32_t>::max()));
      if (static_cast<size_t>(count) != n) {
        return Invalid(param_path + ".num_nodes",
                       "says " + std::to_string(count) + " nodes but left_children has " + std::to_string(n));
      }
    }
    if (const Json* leaf_vector = FindMember(*tree_param, "size_leaf_vector")) {
      ASSIGN_OR_RETURN(const int64_t size,
                       IntegerOrNumericString(*leaf_vector, param_path + ".size_leaf_vector", 0,
                                              std::numeric_limits<int32_t>::max()));
      if (size > 1) {
        return UnimplementedError(param_path +
                                  ".size_leaf_vector: multi-target trees (vector leaves of size " +
                                  std::to_string(size) + ") are not supported");
      }
    }
  }

  RETURN_IF_ERROR(ReadIntegers(*left, path + ".left_children", &raw->left));
  auto sized = [&](std::string_view key, size_t size) -> Status {
    if (size != n) {
      return Invalid(path + "." + std::string(key), "has " + std::to_string(size) + " entries, expected " +
                                                        std::to_string(n) + " (the length of left_children)");
    }
    return Status::Ok();
  };
  ASSIGN_OR_RETURN(const Json* right, ArrayMember(tree, path, "right_children"));
  RETURN_IF_ERROR(sized("right_children", right->size()));
  RETURN_IF_ERROR(ReadIntegers(*right, path + ".right_children", &raw->right));
  ASSIGN_OR_RETURN(const Json* split_indices, ArrayMember(tree, path, "split_indices"));
  RETURN_IF_ERROR(sized("split_indices", split_indices->size()));
  RETURN_IF_ERROR(ReadIntegers(*split_indices, path + ".split_indices", &raw->split_index));
  ASSIGN_OR_RETURN(const Json* conditions, ArrayMember(tree, path, "split_conditions"));
  RETURN_IF_ERROR(sized("split_conditions", conditions->size()));
  RETURN_IF_ERROR(ReadNumbers(*conditions, path + ".split_conditions", &raw->split_condition));
  ASSIGN_OR_RETURN(const Json* default_left, ArrayMember(tree, path, "default_left"));
  RETURN_IF_ERROR(sized("default_left", default_left->size()));
  RETURN_IF_ERROR(ReadFlags(*default_left, path + ".default_left", &raw->default_left));

  raw->sum_hessian.clear();
  if (const Json* hessian = FindMember(tree, "sum_hessian")) {
    if (!hessian->is_array()) return WrongType(path + ".sum_hessian", "an array", *hessian);
    RETURN_IF_ERROR(sized("sum_hessian", hessian->size()));
    RETURN_IF_ERROR(ReadNumbers(*hessian, path + ".sum_hessian", &raw->sum_hessian));
  }
  raw->split_type.clear();
  raw->categories.clear();
  raw->categories_nodes.clear();
  raw->categories_segments.clear();
  raw->categories_sizes.clear();
  if (const Json* split_type = FindMember(tree, "split_type")) {
    if (!split_type->is_array()) return WrongType(path + ".split_type", "an array", *split_type);
    RETURN_IF_ERROR(sized("split_type", split_type->size()));
    RETURN_IF_ERROR(ReadIntegers(*split_type, path + ".split_type", &raw->split_type));
    bool any_categorical = false;
    for (size_t i = 0; i < n; ++i) {
      if (raw->split_type[i] != 0 && raw->split_type[i] != 1) {
        return Invalid(Index(path + ".split_type", i),
                       "expected 0 (numeric) or 1 (categorical), got " + std::to_string(raw->split_type[i]));
      }
      any_categorical = any_categorical || (raw->split_type[i] == 1 && raw->left[i] != -1);
    }
    if (any_categorical) {
      const std::pair<std::string_view, std::vector<int64_t>*> arrays[] = {
          {"categories", &raw->categories},
          {"categories_nodes", &raw->categories_nodes},
          {"categories_segments", &raw->categories_segments},
          {"categories_sizes", &raw->categories_sizes}};
      for (const auto& [key, out] : arrays) {
        ASSIGN_OR_RETURN(const Json* array, ArrayMember(tree, path, key));
        RETURN_IF_ERROR(ReadIntegers(*array, path + "." + std::string(key), out));
      }
      const size_t m = raw->categories_nodes.size();
      if (raw->categories_segments.size() != m || raw->categories_sizes.size() != m) {
        return Invalid(path, "categories_nodes, categories_segments and categories_sizes have " +
                                 std::to_string(m) + ", " + std::to_string(raw->categories_segments.size()) +
                                 " and " + std::to_string(raw->categories_sizes.size()) +
                                 " entries; they must have the same length");
      }
    }
  }
  return Status::Ok();
}

// Converts one XGBoost tree. `weight` scales the leaf values (dart), in float.
Result<Tree> ConvertTree(const RawTree& raw, const std::string& path, const std::string& short_name,
                         std::optional<float> weight, ModelContext* context) {
  const size_t n = raw.left.size();
  const std::string left_path = path + ".left_children";
  const std::string right_path = path + ".right_children";
  auto out_of_range = [&](const std::string& where, size_t node, int64_t child) {
    return Invalid(Index(where, node),
                   "child " + std::to_string(child) + " is out of range (" + std::to_string(n) + " nodes)");
  };

  // Breadth-first walk from the root: every child must be a node and be
  // reached once (no cycles, no shared subtrees). Unreached nodes (XGBoost's
  // deleted nodes) are dropped; `order` is the new numbering.
  std::vector<int32_t> new_id(n, -1);
  std::vector<int32_t> order = {0};
  new_id[0] = 0;
  for (size_t head = 0; head < order.size(); ++head) {
    const size_t node = static_cast<size_t>(order[head]);
    const int64_t left = raw.left[node];
    const int64_t right = raw.right[node];
    if (left == -1) {
      if (right != -1) {
        return Invalid(Index(right_path, node), "node " + std::to_string(node) +
                                                    " has no left child (-1) but right child " +
                                                    std::to_string(right));
      }
      continue;
    }
    if (left < 0 || static_cast<uint64_t>(left) >= n) return out_of_range(left_path, node, left);
    if (right < 0 || static_cast<uint64_t>(right) >= n) return out_of_range(right_path, node, right);
    for (const auto& [child, where] : {std::pair{left, &left_path}, std::pair{right, &right_path}}) {
      if (new_id[static_cast<size_t>(child)] != -1) {
        return Invalid(Index(*where, node),
                       "node " + std::to_string(child) + " is reached twice (the nodes do not form a tree)");
      }
      new_id[static_cast<size_t>(child)] = static_cast<int32_t>(order.size());
      order.push_back(static_cast<int32_t>(child));
    }
  }

  // Categorical splits: node -> [begin, end) in raw.categories.
  std::unordered_map<int64_t, std::pair<size_t, size_t>> category_ranges;
  for (size_t k = 0; k < raw.categories_nodes.size(); ++k) {
    const int64_t node = raw.categories_nodes[k];
    const int64_t begin = raw.categories_segments[k];
    const int64_t size = raw.categories_sizes[k];
    if (node < 0 || static_cast<uint64_t>(node) >= n) {
      return Invalid(Index(path + ".categories_nodes", k),
                     "node " + std::to_string(node) + " is out of range (" + std::to_string(n) + " nodes)");
    }
    if (begin < 0 || size < 0 || static_cast<uint64_t>(begin) > raw.categories.size() ||
        static_cast<uint64_t>(size) > raw.categories.size() - static_cast<uint64_t>(begin)) {
      return Invalid(Index(path + ".categories_segments", k),
                     "segment [" + std::to_string(begin) + ", +" + std::to_string(size) +
                         ") is outside categories (" + std::to_string(raw.categories.size()) + " entries)");
    }
    if (!category_ranges
             .emplace(node, std::pair{static_cast<size_t>(begin), static_cast<size_t>(begin + size)})
             .second) {
      return Invalid(Index(path + ".categories_nodes", k),
                     "node " + std::to_string(node) + " is listed twice");
    }
  }

  const size_t m = order.size();
  Tree tree;
  tree.feature.assign(m, -1);
  tree.threshold.assign(m, 0.0);
  tree.left.assign(m, -1);
  tree.right.assign(m, -1);
  tree.default_left.assign(m, 0);
  tree.leaf_values.assign(m, 0.0);
  if (!raw.sum_hessian.empty()) tree.cover.assign(m, 0.0);
  for (size_t k = 0; k < m; ++k) {
    const size_t node = static_cast<size_t>(order[k]);
    const std::string at = short_name + " node " + std::to_string(node);
    if (!raw.sum_hessian.empty()) {
      const double cover = raw.sum_hessian[node];
      if (!std::isfinite(cover) || cover < 0) {
        return Invalid(Index(path + ".sum_hessian", node),
                       "cover " + Show(cover) + " is not a finite number >= 0");
      }
      tree.cover[k] = static_cast<double>(static_cast<float>(cover));
    }
    if (raw.left[node] == -1) {
      // XGBoost stores a leaf's value in split_conditions.
      const float value = static_cast<float>(raw.split_condition[node]);
      if (!std::isfinite(value)) {
        return Invalid(Index(path + ".split_conditions", node),
                       "leaf value " + Show(raw.split_condition[node]) + " is not a finite float");
      }
      tree.leaf_values[k] = static_cast<double>(weight ? value * *weight : value);
      continue;
    }
    const int64_t feature = raw.split_index[node];
    if (feature < 0 || feature >= context->num_feature) {
      return Invalid(Index(path + ".split_indices", node), "feature " + std::to_string(feature) +
                                                               " is out of range (num_feature " +
                                                               std::to_string(context->num_feature) + ")");
    }
    tree.feature[k] = static_cast<int32_t>(feature);
    const bool categorical = !raw.split_type.empty() && raw.split_type[node] == 1;
    FeatureUse& use = context->feature_use[static_cast<size_t>(feature)];
    const SplitKind kind = categorical ? SplitKind::kCategorical : SplitKind::kNumeric;
    const bool declared = context->declared_categorical[static_cast<size_t>(feature)] != 0;
    const std::string mixing = "; features that mix numeric and categorical splits are not supported";
    if (declared && !categorical) {
      return UnimplementedError(path + ": node " + std::to_string(node) + " splits feature " +
                                std::to_string(feature) +
                                " by value, but feature_types declares it categorical" + mixing);
    }
    if (use.kind != SplitKind::kUnused && use.kind != kind) {
      return UnimplementedError(path + ": node " + std::to_string(node) + " splits feature " +
                                std::to_string(feature) + (categorical ? " by category" : " by value") +
                                ", but " + use.first_at + " splits it " +
                                (categorical ? "by value" : "by category") + mixing);
    }
    if (use.kind == SplitKind::kUnused) use = FeatureUse{kind, at};

    const int32_t left = new_id[static_cast<size_t>(raw.left[node])];
    const int32_t right = new_id[static_cast<size_t>(raw.right[node])];
    if (!categorical) {
      const float threshold = static_cast<float>(raw.split_condition[node]);
      if (!std::isfinite(threshold)) {
        return Invalid(Index(path + ".split_conditions", node),
                       "split condition " + Show(raw.split_condition[node]) + " is not a finite float");
      }
      tree.threshold[k] = static_cast<double>(threshold);
      tree.left[k] = left;
      tree.right[k] = right;
      tree.default_left[k] = raw.default_left[node];
      continue;
    }
    // XGBoost sends the listed categories right and all others left; the IR
    // sends the listed levels left, so the children swap and so does the
    // missing-value direction.
    const auto range = category_ranges.find(static_cast<int64_t>(node));
    if (range == category_ranges.end()) {
      return Invalid(path, "node " + std::to_string(node) +
                               " is a categorical split but categories_nodes does not list it");
    }
    std::set<int64_t> codes;
    for (size_t c = range->second.first; c < range->second.second; ++c) {
      const int64_t code = raw.categories[c];
      if (code < 0 || code > std::numeric_limits<int32_t>::max()) {
        return Invalid(Index(path + ".categories", c),
                       "category " + std::to_string(code) + " is not a valid category code");
      }
      codes.insert(code);
    }
    if (codes.empty()) {
      return UnimplementedError(path + ": node " + std::to_string(node) +
                                " is a categorical split with no categories, which the IR cannot express");
    }
    if (tree.category_levels.empty()) tree.category_levels.resize(m);
    std::vector<std::string>& levels = tree.category_levels[k];
    for (int64_t code : codes) levels.push_back(std::to_string(code));
    tree.left[k] = right;
    tree.right[k] = left;
    tree.default_left[k] = raw.default_left[node] ? 0 : 1;
  }
  return tree;
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

Status CheckNames(const std::vector<std::string>& names, const std::string& path) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) return Invalid(Index(path, i), "the name is empty");
    if (!seen.insert(names[i]).second) return Invalid(Index(path, i), Quote(names[i]) + " is listed twice");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ReadStrings(const Json& array, const std::string& path) {
  std::vector<std::string> out;
  out.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string()) return WrongType(Index(path, i), "a string", array[i]);
    out.push_back(array[i].get<std::string>());
  }
  return out;
}

std::string VersionText(const Json& root) {
  const Json* version = FindMember(root, "version");
  if (version == nullptr || !version->is_array() || version->empty() || version->size() > 3) return "";
  std::string text;
  for (const Json& part : *version) {
    const std::optional<int64_t> number = AsInteger(part);
    if (!number || *number < 0) return "";
    if (!text.empty()) text += '.';
    text += std::to_string(*number);
  }
  return text;
}

// ---------------------------------------------------------------------------
// The importer
// ---------------------------------------------------------------------------

Result<Pipeline> Import(const Json& root, const XgboostImportOptions& options) {
  if (!root.is_object()) return WrongType("the document", "an object", root);
  ASSIGN_OR_RETURN(const Json* learner, ObjectMember(root, "the document", "learner"));
  const std::string learner_path = "learner";

  // Objective.
  ASSIGN_OR_RETURN(const Json* objective_json, ObjectMember(*learner, learner_path, "objective"));
  ASSIGN_OR_RETURN(const std::string objective_name,
                   StringMember(*objective_json, learner_path + ".objective", "name"));
  ModelContext context;
  // Node ids are int32 in the IR.
  context.max_nodes = std::min<size_t>(options.max_nodes, std::numeric_limits<int32_t>::max());
  context.objective = FindObjective(objective_name);
  if (context.objective == nullptr) {
    return UnimplementedError("learner.objective.name: objective " + Quote(objective_name) +
                              " is not supported (supported: binary:logistic, binary:logitraw, "
                              "reg:logistic, reg:squarederror, reg:linear, reg:pseudohubererror, "
                              "reg:absoluteerror, reg:squaredlogerror, reg:quantileerror, count:poisson, "
                              "reg:gamma, reg:tweedie, multi:softprob, multi:softmax)");
  }
  const Objective& objective = *context.objective;

  // Model parameters.
  const std::string param_path = learner_path + ".learner_model_param";
  ASSIGN_OR_RETURN(const Json* params, ObjectMember(*learner, learner_path, "learner_model_param"));
  ASSIGN_OR_RETURN(const Json* num_feature_json, Member(*params, param_path, "num_feature"));
  ASSIGN_OR_RETURN(context.num_feature, IntegerOrNumericString(*num_feature_json, param_path + ".num_feature",
                                                               0, kMaxXgboostFeatures));
  int64_t num_class = 0;
  if (const Json* json = FindMember(*params, "num_class")) {
    ASSIGN_OR_RETURN(num_class,
                     IntegerOrNumericString(*json, param_path + ".num_class", 0, kMaxXgboostClasses));
  }
  if (const Json* json = FindMember(*params, "num_target")) {
    ASSIGN_OR_RETURN(const int64_t num_target, IntegerOrNumericString(*json, param_path + ".num_target", 0,
                                                                      std::numeric_limits<int32_t>::max()));
    if (num_target > 1) {
      return UnimplementedError(param_path + ".num_target: multi-target models (" +
                                std::to_string(num_target) + " targets) are not supported");
    }
  }
  if (objective.multiclass) {
    if (num_class < 2) {
      return Invalid(param_path + ".num_class",
                     std::string(objective.name) + " needs num_class >= 2, got " + std::to_string(num_class));
    }
    context.num_outputs = static_cast<int>(num_class);
  } else if (num_class > 1) {
    return Invalid(param_path + ".num_class", std::to_string(num_class) + " classes, but " +
                                                  std::string(objective.name) + " has a single output");
  }
  std::vector<double> base_score(static_cast<size_t>(context.num_outputs), 0.5);
  if (const Json* json = FindMember(*params, "base_score")) {
    ASSIGN_OR_RETURN(base_score, ReadBaseScore(*json, param_path + ".base_score",
                                               static_cast<size_t>(context.num_outputs)));
  }
  for (double& score : base_score) {
    ASSIGN_OR_RETURN(score, BaseScoreToMargin(score, objective, param_path + ".base_score"));
  }

  // Features.
  const size_t num_feature = static_cast<size_t>(context.num_feature);
  std::vector<std::string> model_feature_names;
  if (const Json* names = FindMember(*learner, "feature_names")) {
    if (!names->is_array()) return WrongType(learner_path + ".feature_names", "an array", *names);
    ASSIGN_OR_RETURN(model_feature_names, ReadStrings(*names, learner_path + ".feature_names"));
    if (!model_feature_names.empty() && model_feature_names.size() != num_feature) {
      return Invalid(learner_path + ".feature_names", std::to_string(model_feature_names.size()) +
                                                          " names for " + std::to_string(num_feature) +
                                                          " features (num_feature)");
    }
    RETURN_IF_ERROR(CheckNames(model_feature_names, learner_path + ".feature_names"));
  }
  context.declared_categorical.assign(num_feature, 0);
  context.feature_use.assign(num_feature, FeatureUse{});
  if (const Json* types = FindMember(*learner, "feature_types")) {
    if (!types->is_array()) return WrongType(learner_path + ".feature_types", "an array", *types);
    ASSIGN_OR_RETURN(const std::vector<std::string> type_names,
                     ReadStrings(*types, learner_path + ".feature_types"));
    if (!type_names.empty() && type_names.size() != num_feature) {
      return Invalid(learner_path + ".feature_types", std::to_string(type_names.size()) + " types for " +
                                                          std::to_string(num_feature) +
                                                          " features (num_feature)");
    }
    for (size_t i = 0; i < type_names.size(); ++i) context.declared_categorical[i] = type_names[i] == "c";
  }
  std::vector<std::string> feature_names;
  if (!options.feature_names.empty()) {
    if (options.feature_names.size() != num_feature) {
      return Invalid("options.feature_names", std::to_string(options.feature_names.size()) +
                                                  " names given, but the model has " +
                                                  std::to_string(num_feature) + " features");
    }
    RETURN_IF_ERROR(CheckNames(options.feature_names, "options.feature_names"));
    feature_names = options.feature_names;
  } else if (!model_feature_names.empty()) {
    feature_names = std::move(model_feature_names);
  } else {
    feature_names.reserve(num_feature);
    for (size_t i = 0; i < num_feature; ++i) feature_names.push_back("f" + std::to_string(i));
  }

  // Classes.
  std::vector<std::string> classes;
  if (objective.task == Task::kClassification) {
    const size_t count = objective.multiclass ? static_cast<size_t>(num_class) : 2;
    if (!options.class_labels.empty()) {
      if (options.class_labels.size() != count) {
        return Invalid("options.class_labels", std::to_string(options.class_labels.size()) +
                                                   " labels given, but the model has " +
                                                   std::to_string(count) + " classes");
      }
      RETURN_IF_ERROR(CheckNames(options.class_labels, "options.class_labels"));
      classes = options.class_labels;
    } else {
      for (size_t i = 0; i < count; ++i) classes.push_back(std::to_string(i));
    }
  } else if (!options.class_labels.empty()) {
    return Invalid("options.class_labels",
                   std::string(objective.name) + " is a regression objective; it has no classes");
  }

  // The booster.
  ASSIGN_OR_RETURN(const Json* booster, ObjectMember(*learner, learner_path, "gradient_booster"));
  const std::string booster_path = learner_path + ".gradient_booster";
  ASSIGN_OR_RETURN(const std::string booster_name, StringMember(*booster, booster_path, "name"));
  const Json* model = nullptr;
  std::string model_path;
  std::vector<double> weight_drop;
  bool dart = false;
  if (booster_name == "gbtree") {
    ASSIGN_OR_RETURN(model, ObjectMember(*booster, booster_path, "model"));
    model_path = booster_path + ".model";
  } else if (booster_name == "dart") {
    dart = true;
    ASSIGN_OR_RETURN(const Json* gbtree, ObjectMember(*booster, booster_path, "gbtree"));
    ASSIGN_OR_RETURN(model, ObjectMember(*gbtree, booster_path + ".gbtree", "model"));
    model_path = booster_path + ".gbtree.model";
    ASSIGN_OR_RETURN(const Json* weights, ArrayMember(*booster, booster_path, "weight_drop"));
    RETURN_IF_ERROR(ReadNumbers(*weights, booster_path + ".weight_drop", &weight_drop));
  } else if (booster_name == "gblinear") {
    return UnimplementedError(booster_path +
                              ".name: gblinear (linear booster) models are not supported; "
                              "only tree boosters (gbtree, dart) can be imported");
  } else {
    return UnimplementedError(booster_path + ".name: booster " + Quote(booster_name) + " is not supported");
  }

  ASSIGN_OR_RETURN(const Json* trees, ArrayMember(*model, model_path, "trees"));
  ASSIGN_OR_RETURN(const Json* tree_info_json, ArrayMember(*model, model_path, "tree_info"));
  std::vector<int64_t> tree_info;
  RETURN_IF_ERROR(ReadIntegers(*tree_info_json, model_path + ".tree_info", &tree_info));
  if (tree_info.size() != trees->size()) {
    return Invalid(model_path + ".tree_info", "has " + std::to_string(tree_info.size()) +
                                                  " entries but there are " + std::to_string(trees->size()) +
                                                  " trees");
  }
  if (const Json* param = FindMember(*model, "gbtree_model_param")) {
    if (!param->is_object()) return WrongType(model_path + ".gbtree_model_param", "an object", *param);
    if (const Json* num_trees = FindMember(*param, "num_trees")) {
      const std::string path = model_path + ".gbtree_model_param.num_trees";
      ASSIGN_OR_RETURN(const int64_t count,
                       IntegerOrNumericString(*num_trees, path, 0, std::numeric_limits<int64_t>::max() / 2));
      if (static_cast<size_t>(count) != trees->size()) {
        return Invalid(path, "says " + std::to_string(count) + " trees but the model has " +
                                 std::to_string(trees->size()));
      }
    }
  }
  if (dart && weight_drop.size() != trees->size()) {
    return Invalid(booster_path + ".weight_drop", "has " + std::to_string(weight_drop.size()) +
                                                      " entries but there are " +
                                                      std::to_string(trees->size()) + " trees");
  }

  TreeEnsembleModel ensemble;
  ensemble.num_outputs = context.num_outputs;
  ensemble.aggregation = Aggregation::kSum;
  ensemble.output_transform = objective.transform;
  ensemble.precision = NumericPrecision::kFloat32;
  ensemble.base_score = base_score;
  ensemble.trees.reserve(trees->size());
  RawTree raw;
  for (size_t t = 0; t < trees->size(); ++t) {
    const std::string short_name = "trees[" + std::to_string(t) + "]";
    const std::string path = model_path + "." + short_name;
    if (tree_info[t] < 0 || tree_info[t] >= context.num_outputs) {
      return Invalid(Index(model_path + ".tree_info", t),
                     "output " + std::to_string(tree_info[t]) + " is out of range (" +
                         std::to_string(context.num_outputs) + " outputs)");
    }
    std::optional<float> weight;
    if (dart) {
      weight = static_cast<float>(weight_drop[t]);
      if (!std::isfinite(*weight)) {
        return Invalid(Index(booster_path + ".weight_drop", t),
                       "weight " + Show(weight_drop[t]) + " is not a finite float");
      }
    }
    RETURN_IF_ERROR(ReadRawTree((*trees)[t], path, &context, &raw));
    ASSIGN_OR_RETURN(Tree tree, ConvertTree(raw, path, short_name, weight, &context));
    tree.output = static_cast<int32_t>(tree_info[t]);
    ensemble.trees.push_back(std::move(tree));
  }

  Pipeline pipeline;
  pipeline.name = options.name;
  pipeline.inputs.reserve(num_feature);
  for (size_t i = 0; i < num_feature; ++i) {
    InputField field;
    field.name = feature_names[i];
    const bool categorical =
        context.declared_categorical[i] != 0 || context.feature_use[i].kind == SplitKind::kCategorical;
    field.type = categorical ? FieldType::kCategory : FieldType::kNumber;
    field.on_missing = ValuePolicy{ValuePolicyKind::kMissing, 0.0};
    field.on_invalid = ValuePolicy{ValuePolicyKind::kError, 0.0};
    if (categorical) field.description = "XGBoost category code (a whole number, written as text)";
    pipeline.inputs.push_back(std::move(field));
  }
  pipeline.features = std::move(feature_names);
  pipeline.model.task = objective.task;
  pipeline.model.classes = std::move(classes);
  const size_t tree_count = ensemble.trees.size();
  pipeline.model.body = std::move(ensemble);
  const std::string version = VersionText(root);
  pipeline.source = "xgboost " + (version.empty() ? std::string("(unknown version)") : version) + " " +
                    std::string(objective.name) + " " + booster_name;
  pipeline.description = "Imported from an XGBoost model (" + std::string(objective.name) + ", " +
                         booster_name + ", " + std::to_string(tree_count) + " trees)";

  const Status valid = ValidatePipeline(pipeline);
  if (!valid.ok()) return valid.WithContext("the imported XGBoost model is not a valid pipeline");
  return pipeline;
}

}  // namespace

Result<Pipeline> ImportXgboostJson(std::string_view json, const XgboostImportOptions& options) {
  RETURN_IF_ERROR(CheckJsonNesting(json));
  try {
    const PreparedJson prepared = PrepareJson(json);
    Json root;
    try {
      root = Json::parse(prepared.text);
    } catch (const Json::parse_error& e) {
      const size_t byte = e.byte > 0 ? e.byte - 1 : 0;
      return InvalidArgumentError("not valid JSON (at byte " + std::to_string(prepared.OriginalOffset(byte)) +
                                  "): " + ParseErrorReason(e.what()));
    } catch (const Json::exception& e) {
      // E.g. out_of_range.406, a number too large for a double ("1e400").
      return InvalidArgumentError("not valid JSON: " + ParseErrorReason(e.what()));
    }
    return Import(root, options);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while importing the XGBoost model");
  } catch (const std::exception& e) {
    return InternalError(std::string("XGBoost import failed unexpectedly: ") + e.what());
  }
}

}  // namespace podium
