#include "formats/lightgbm.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "data/number.h"
#include "formats/message.h"
#include "pipeline/validate.h"

namespace podium {
namespace {

// LightGBM's zero band: with missing type Zero, |x| <= kZeroThreshold counts
// as zero. LightGBM declares it as a double initialised from the float
// literal 1e-35f, so this is that float's value.
constexpr double kZeroThreshold = static_cast<double>(1e-35f);

constexpr std::string_view kCategorySuffix = "#category";
constexpr std::string_view kNonzeroSuffix = "#nonzero";

// decision_type bits.
constexpr int64_t kCategoricalMask = 1;
constexpr int64_t kDefaultLeftMask = 2;
enum class MissingType { kNone = 0, kZero = 1, kNaN = 2 };

using formats_internal::Quote;

// Shortest text that reads back as `value` (messages, expressions).
std::string Show(double value) {
  std::string out;
  if (!FormatNumber(value, &out)) return std::isnan(value) ? "NaN" : (value > 0 ? "inf" : "-inf");
  return out;
}

// ---------------------------------------------------------------------------
// Lines and "key=value" sections
// ---------------------------------------------------------------------------

struct Entry {
  std::string_view value;
  size_t line = 0;  // 1-based
};

// The keys of one section (the header or one Tree=N block), and the line
// where the section starts.
struct Section {
  std::map<std::string_view, Entry, std::less<>> keys;
  std::vector<std::string_view> flags;  // bare words, e.g. average_output
  size_t line = 0;
};

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view> Tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const size_t begin = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > begin) tokens.push_back(text.substr(begin, i - begin));
  }
  return tokens;
}

std::optional<int64_t> ParseInteger(std::string_view token) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return value;
}

// Errors in the header name the key and its line; in a tree, also the tree.
class Where {
 public:
  explicit Where(std::string prefix) : prefix_(std::move(prefix)) {}

  Status Invalid(const Entry& entry, std::string_view key, const std::string& problem) const {
    return InvalidArgumentError(At(entry.line) + std::string(key) + ": " + problem);
  }
  Status Invalid(size_t line, const std::string& problem) const { return InvalidArgumentError(At(line) + problem); }
  Status Unimplemented(size_t line, const std::string& problem) const { return UnimplementedError(At(line) + problem); }

 private:
  std::string At(size_t line) const { return prefix_ + " (line " + std::to_string(line) + "): "; }

  std::string prefix_;
};

Result<Entry> Required(const Section& section, std::string_view key, const Where& where) {
  const auto it = section.keys.find(key);
  if (it == section.keys.end()) {
    return where.Invalid(section.line, "missing key '" + std::string(key) + "'");
  }
  return it->second;
}

const Entry* Optional(const Section& section, std::string_view key) {
  const auto it = section.keys.find(key);
  return it == section.keys.end() ? nullptr : &it->second;
}

Result<int64_t> IntegerValue(const Entry& entry, std::string_view key, const Where& where, int64_t min, int64_t max) {
  const std::optional<int64_t> value = ParseInteger(entry.value);
  if (!value) return where.Invalid(entry, key, Quote(entry.value) + " is not an integer");
  if (*value < min || *value > max) {
    return where.Invalid(
        entry, key, std::to_string(*value) + " is outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return *value;
}

Result<std::vector<int64_t>> IntegerArray(const Entry& entry, std::string_view key, const Where& where,
                                          size_t expected) {
  const std::vector<std::string_view> tokens = Tokens(entry.value);
  if (tokens.size() != expected) {
    return where.Invalid(entry, key,
                         "has " + std::to_string(tokens.size()) + " values, expected " + std::to_string(expected));
  }
  std::vector<int64_t> out;
  out.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::optional<int64_t> value = ParseInteger(tokens[i]);
    if (!value) {
      return where.Invalid(entry, std::string(key) + "[" + std::to_string(i) + "]",
                           Quote(tokens[i]) + " is not an integer");
    }
    out.push_back(*value);
  }
  return out;
}

// Finite doubles; `expected` of them unless it is npos.
Result<std::vector<double>> NumberArray(const Entry& entry, std::string_view key, const Where& where, size_t expected) {
  const std::vector<std::string_view> tokens = Tokens(entry.value);
  if (expected != std::string_view::npos && tokens.size() != expected) {
    return where.Invalid(entry, key,
                         "has " + std::to_string(tokens.size()) + " values, expected " + std::to_string(expected));
  }
  std::vector<double> out;
  out.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::optional<double> value = ParseNumber(tokens[i]);
    if (!value) {
      return where.Invalid(entry, std::string(key) + "[" + std::to_string(i) + "]",
                           Quote(tokens[i]) + " is not a finite number");
    }
    out.push_back(*value);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Objectives
// ---------------------------------------------------------------------------

enum class ObjectiveKind { kBinary, kCrossEntropy, kIdentity, kExp, kMulticlass };

struct ObjectiveName {
  std::string_view name;
  ObjectiveKind kind;
};

// LightGBM writes the canonical names; the aliases are accepted too.
constexpr ObjectiveName kObjectives[] = {
    {"binary", ObjectiveKind::kBinary},
    {"cross_entropy", ObjectiveKind::kCrossEntropy},
    {"xentropy", ObjectiveKind::kCrossEntropy},
    {"regression", ObjectiveKind::kIdentity},
    {"regression_l2", ObjectiveKind::kIdentity},
    {"l2", ObjectiveKind::kIdentity},
    {"mean_squared_error", ObjectiveKind::kIdentity},
    {"mse", ObjectiveKind::kIdentity},
    {"l2_root", ObjectiveKind::kIdentity},
    {"root_mean_squared_error", ObjectiveKind::kIdentity},
    {"rmse", ObjectiveKind::kIdentity},
    {"regression_l1", ObjectiveKind::kIdentity},
    {"l1", ObjectiveKind::kIdentity},
    {"mean_absolute_error", ObjectiveKind::kIdentity},
    {"mae", ObjectiveKind::kIdentity},
    {"huber", ObjectiveKind::kIdentity},
    {"fair", ObjectiveKind::kIdentity},
    {"quantile", ObjectiveKind::kIdentity},
    {"mape", ObjectiveKind::kIdentity},
    {"mean_absolute_percentage_error", ObjectiveKind::kIdentity},
    {"lambdarank", ObjectiveKind::kIdentity},
    {"rank_xendcg", ObjectiveKind::kIdentity},
    {"xendcg", ObjectiveKind::kIdentity},
    {"xe_ndcg", ObjectiveKind::kIdentity},
    {"xe_ndcg_mart", ObjectiveKind::kIdentity},
    {"xendcg_mart", ObjectiveKind::kIdentity},
    {"poisson", ObjectiveKind::kExp},
    {"gamma", ObjectiveKind::kExp},
    {"tweedie", ObjectiveKind::kExp},
    {"multiclass", ObjectiveKind::kMulticlass},
    {"softmax", ObjectiveKind::kMulticlass},
};

constexpr std::string_view kSupportedObjectives =
    "binary, cross_entropy, regression, regression_l1, huber, fair, quantile, mape, poisson, gamma, "
    "tweedie, multiclass, lambdarank, rank_xendcg";

struct Objective {
  std::string text;  // as written, for the source line
  ObjectiveKind kind = ObjectiveKind::kIdentity;
  double sigmoid = 1.0;
  std::optional<int64_t> num_class;  // multiclass num_class:k
};

Result<Objective> ParseObjective(const Entry* entry, const Where& where) {
  Objective objective;
  if (entry == nullptr) {
    // No objective line: LightGBM's prediction is the raw score.
    objective.text = "(no objective)";
    return objective;
  }
  const std::vector<std::string_view> tokens = Tokens(entry->value);
  if (tokens.empty()) return where.Invalid(*entry, "objective", "is empty");
  objective.text = std::string(entry->value);
  const std::string_view name = tokens[0];
  const ObjectiveName* found = nullptr;
  for (const ObjectiveName& candidate : kObjectives) {
    if (candidate.name == name) found = &candidate;
  }
  if (found == nullptr) {
    if (name == "multiclassova" || name == "multiclass_ova" || name == "ova" || name == "ovr") {
      return where.Unimplemented(entry->line,
                                 "objective: multiclassova gives each class its own sigmoid, unnormalised; "
                                 "the IR has no such output (retrain with multiclass)");
    }
    if (name == "cross_entropy_lambda" || name == "xentlambda") {
      return where.Unimplemented(entry->line, "objective: cross_entropy_lambda's output transform is not supported");
    }
    return where.Unimplemented(entry->line, "objective: " + Quote(name) + " is not supported (supported: " +
                                                std::string(kSupportedObjectives) + ")");
  }
  objective.kind = found->kind;
  for (size_t i = 1; i < tokens.size(); ++i) {
    const std::string_view token = tokens[i];
    const size_t colon = token.find(':');
    const std::string_view key = token.substr(0, colon);
    const std::string_view value = colon == std::string_view::npos ? std::string_view() : token.substr(colon + 1);
    if (key == "sqrt") {
      return where.Unimplemented(entry->line,
                                 "objective: regression on the square root of the label (sqrt) is not "
                                 "supported");
    }
    if (objective.kind == ObjectiveKind::kBinary && key == "sigmoid") {
      const std::optional<double> sigmoid = ParseNumber(value);
      if (!sigmoid || !(*sigmoid > 0)) {
        return where.Invalid(*entry, "objective", "sigmoid " + Quote(value) + " is not a positive number");
      }
      objective.sigmoid = *sigmoid;
    } else if (objective.kind == ObjectiveKind::kMulticlass && key == "num_class") {
      const std::optional<int64_t> count = ParseInteger(value);
      if (!count) return where.Invalid(*entry, "objective", "num_class " + Quote(value) + " is not an integer");
      objective.num_class = *count;
    }
    // Other parameters (alpha, tweedie_variance_power, ...) shape training
    // only.
  }
  return objective;
}

// True when multiplying by `scale` is exact for every double that neither
// overflows nor underflows: a power of two.
bool IsPowerOfTwo(double scale) {
  int exponent = 0;
  return std::isfinite(scale) && std::frexp(scale, &exponent) == 0.5;
}

// ---------------------------------------------------------------------------
// Trees
// ---------------------------------------------------------------------------

struct Context {
  int64_t num_feature = 0;
  const std::vector<std::string>* feature_names = nullptr;
  std::vector<std::string> features;  // the IR's feature columns
  // Per model feature: the index in `features` of its derived columns, or -1.
  std::vector<int32_t> category_column;
  std::vector<int32_t> nonzero_column;
  std::vector<int64_t> max_category;  // per model feature, -1 when none
  size_t total_nodes = 0;
  size_t max_nodes = 0;
};

int32_t DerivedColumn(Context* context, std::vector<int32_t>* columns, int64_t feature, std::string_view suffix) {
  int32_t& column = (*columns)[static_cast<size_t>(feature)];
  if (column < 0) {
    column = static_cast<int32_t>(context->features.size());
    context->features.push_back((*context->feature_names)[static_cast<size_t>(feature)] + std::string(suffix));
  }
  return column;
}

Result<Tree> ConvertTree(const Section& section, size_t index, Context* context) {
  const Where where("Tree=" + std::to_string(index));
  ASSIGN_OR_RETURN(const Entry num_leaves_entry, Required(section, "num_leaves", where));
  const int64_t node_limit = static_cast<int64_t>(
      std::min<size_t>(context->max_nodes, static_cast<size_t>(std::numeric_limits<int32_t>::max() / 2)));
  ASSIGN_OR_RETURN(const int64_t num_leaves, IntegerValue(num_leaves_entry, "num_leaves", where, 1, node_limit));
  const size_t leaves = static_cast<size_t>(num_leaves);
  const size_t internal = leaves - 1;
  const size_t total = internal + leaves;
  if (total > context->max_nodes - std::min(context->max_nodes, context->total_nodes)) {
    return ResourceExhaustedError("Tree=" + std::to_string(index) + ": the model has more than " +
                                  std::to_string(context->max_nodes) + " nodes");
  }
  context->total_nodes += total;
  if (const Entry* linear = Optional(section, "is_linear"); linear != nullptr && linear->value != "0") {
    return where.Unimplemented(linear->line, "is_linear: linear trees (linear_tree=true) are not supported");
  }

  ASSIGN_OR_RETURN(const Entry leaf_value_entry, Required(section, "leaf_value", where));
  ASSIGN_OR_RETURN(const std::vector<double> leaf_value, NumberArray(leaf_value_entry, "leaf_value", where, leaves));

  Tree tree;
  if (internal == 0) {
    tree.feature = {-1};
    tree.threshold = {0.0};
    tree.left = {-1};
    tree.right = {-1};
    tree.default_left = {0};
    tree.leaf_values = leaf_value;
    return tree;
  }

  // Errors about a node name the line of the array they are about.
  std::map<std::string_view, size_t> lines;
  auto integers = [&](std::string_view key, size_t size) -> Result<std::vector<int64_t>> {
    ASSIGN_OR_RETURN(const Entry entry, Required(section, key, where));
    lines[key] = entry.line;
    return IntegerArray(entry, key, where, size);
  };
  ASSIGN_OR_RETURN(const std::vector<int64_t> split_feature, integers("split_feature", internal));
  ASSIGN_OR_RETURN(const std::vector<int64_t> decision_type, integers("decision_type", internal));
  ASSIGN_OR_RETURN(const std::vector<int64_t> left_child, integers("left_child", internal));
  ASSIGN_OR_RETURN(const std::vector<int64_t> right_child, integers("right_child", internal));
  ASSIGN_OR_RETURN(const Entry threshold_entry, Required(section, "threshold", where));
  ASSIGN_OR_RETURN(const std::vector<double> threshold, NumberArray(threshold_entry, "threshold", where, internal));
  lines["threshold"] = threshold_entry.line;

  // Node cover: the data counts, which LightGBM's own SHAP values use.
  std::vector<double> cover;
  const Entry* internal_count = Optional(section, "internal_count");
  const Entry* leaf_count = Optional(section, "leaf_count");
  if (internal_count != nullptr && leaf_count != nullptr) {
    ASSIGN_OR_RETURN(const std::vector<double> inner, NumberArray(*internal_count, "internal_count", where, internal));
    ASSIGN_OR_RETURN(const std::vector<double> outer, NumberArray(*leaf_count, "leaf_count", where, leaves));
    cover = inner;
    cover.insert(cover.end(), outer.begin(), outer.end());
    for (const double c : cover) {
      if (c < 0) return where.Invalid(internal_count->line, "a node count is negative");
    }
  }

  // Categorical bitsets.
  int64_t num_cat = 0;
  if (const Entry* entry = Optional(section, "num_cat")) {
    ASSIGN_OR_RETURN(num_cat, IntegerValue(*entry, "num_cat", where, 0, static_cast<int64_t>(internal)));
  }
  std::vector<int64_t> cat_boundaries;
  std::vector<int64_t> cat_threshold;
  if (num_cat > 0) {
    ASSIGN_OR_RETURN(const Entry words_entry, Required(section, "cat_threshold", where));
    const std::vector<std::string_view> words = Tokens(words_entry.value);
    ASSIGN_OR_RETURN(cat_threshold, IntegerArray(words_entry, "cat_threshold", where, words.size()));
    for (size_t i = 0; i < cat_threshold.size(); ++i) {
      if (cat_threshold[i] < 0 || cat_threshold[i] > int64_t{0xFFFFFFFF}) {
        return where.Invalid(words_entry, "cat_threshold[" + std::to_string(i) + "]",
                             std::to_string(cat_threshold[i]) + " is not a 32-bit word");
      }
    }
    ASSIGN_OR_RETURN(const Entry bounds_entry, Required(section, "cat_boundaries", where));
    ASSIGN_OR_RETURN(cat_boundaries,
                     IntegerArray(bounds_entry, "cat_boundaries", where, static_cast<size_t>(num_cat) + 1));
    if (cat_boundaries.front() != 0 || cat_boundaries.back() != static_cast<int64_t>(cat_threshold.size())) {
      return where.Invalid(
          bounds_entry, "cat_boundaries",
          "must run from 0 to the number of cat_threshold words (" + std::to_string(cat_threshold.size()) + ")");
    }
    for (size_t i = 1; i < cat_boundaries.size(); ++i) {
      if (cat_boundaries[i] < cat_boundaries[i - 1]) {
        return where.Invalid(bounds_entry, "cat_boundaries[" + std::to_string(i) + "]", "is decreasing");
      }
    }
  }

  // IR node ids: internal node i is i, leaf j is internal + j. Walk from the
  // root: every node must be reached exactly once.
  auto node_id = [&](int64_t child) -> int64_t {
    return child >= 0 ? child : static_cast<int64_t>(internal) + (-child - 1);
  };
  tree.feature.assign(total, -1);
  tree.threshold.assign(total, 0.0);
  tree.left.assign(total, -1);
  tree.right.assign(total, -1);
  tree.default_left.assign(total, 0);
  tree.leaf_values.assign(total, 0.0);
  std::vector<uint8_t> reached(total, 0);
  reached[0] = 1;
  std::vector<size_t> stack = {0};
  while (!stack.empty()) {
    const size_t node = stack.back();
    stack.pop_back();
    if (node >= internal) continue;
    for (const bool is_left : {true, false}) {
      const int64_t child = is_left ? left_child[node] : right_child[node];
      const std::string key = std::string(is_left ? "left_child" : "right_child") + "[" + std::to_string(node) + "]";
      const bool in_range =
          child >= 0 ? child < static_cast<int64_t>(internal) : child >= -static_cast<int64_t>(leaves);
      if (!in_range) {
        return where.Invalid(lines[is_left ? "left_child" : "right_child"],
                             key + ": child " + std::to_string(child) + " is out of range (" +
                                 std::to_string(internal) + " internal nodes, " + std::to_string(leaves) + " leaves)");
      }
      const size_t id = static_cast<size_t>(node_id(child));
      if (reached[id]) {
        return where.Invalid(lines[is_left ? "left_child" : "right_child"],
                             key + ": " +
                                 (child >= 0 ? "node " + std::to_string(child) : "leaf " + std::to_string(-child - 1)) +
                                 " is reached twice (the nodes do not form a tree)");
      }
      reached[id] = 1;
      (is_left ? tree.left : tree.right)[node] = static_cast<int32_t>(id);
      stack.push_back(id);
    }
  }
  for (size_t id = 0; id < total; ++id) {
    if (!reached[id]) {
      const std::string name =
          id < internal ? "internal node " + std::to_string(id) : "leaf " + std::to_string(id - internal);
      return where.Invalid(section.line, name + " is not reached from the root");
    }
  }
  for (size_t j = 0; j < leaves; ++j) tree.leaf_values[internal + j] = leaf_value[j];
  if (!cover.empty()) tree.cover = std::move(cover);

  for (size_t node = 0; node < internal; ++node) {
    const std::string at = "node " + std::to_string(node) + ": ";
    const int64_t feature = split_feature[node];
    if (feature < 0 || feature >= context->num_feature) {
      return where.Invalid(lines["split_feature"], at + "split_feature " + std::to_string(feature) +
                                                       " is out of range (" + std::to_string(context->num_feature) +
                                                       " features)");
    }
    const int64_t type = decision_type[node];
    if (type < 0 || type > 15) {
      return where.Invalid(lines["decision_type"], at + "decision_type " + std::to_string(type) + " is not valid");
    }
    const int64_t missing_bits = (type >> 2) & 3;
    if (missing_bits == 3) {
      return where.Invalid(lines["decision_type"],
                           at + "decision_type " + std::to_string(type) + " has an unknown missing type");
    }
    const MissingType missing = static_cast<MissingType>(missing_bits);
    const bool default_left = (type & kDefaultLeftMask) != 0;

    if ((type & kCategoricalMask) != 0) {
      // The threshold is the index of the split's bitset.
      const double slot = threshold[node];
      if (slot != std::floor(slot) || slot < 0 || slot >= static_cast<double>(num_cat)) {
        return where.Invalid(lines["threshold"], at + "categorical threshold " + Show(slot) +
                                                     " is not a bitset index (num_cat " + std::to_string(num_cat) +
                                                     ")");
      }
      const size_t k = static_cast<size_t>(slot);
      std::vector<std::string> levels;
      for (int64_t w = cat_boundaries[k]; w < cat_boundaries[k + 1]; ++w) {
        const uint32_t word = static_cast<uint32_t>(cat_threshold[static_cast<size_t>(w)]);
        for (int bit = 0; bit < 32; ++bit) {
          if ((word >> bit) & 1u) {
            const int64_t code = (w - cat_boundaries[k]) * 32 + bit;
            if (code > kMaxLightgbmCategory) {
              return where.Unimplemented(
                  lines["threshold"],
                  at + "category " + std::to_string(code) + " is larger than " + std::to_string(kMaxLightgbmCategory));
            }
            levels.push_back(std::to_string(code));
            int64_t& max = context->max_category[static_cast<size_t>(feature)];
            if (code > max) max = code;
          }
        }
      }
      if (levels.empty()) {
        return where.Unimplemented(lines["threshold"], at + "a categorical split that lists no category, which the IR "
                                                            "cannot express");
      }
      if (tree.category_levels.empty()) tree.category_levels.resize(total);
      tree.category_levels[node] = std::move(levels);
      tree.feature[node] = DerivedColumn(context, &context->category_column, feature, kCategorySuffix);
      // Missing and negative values go right whatever the missing type.
      tree.default_left[node] = 0;
      continue;
    }

    // x <= t is x < nextafter(t, +inf), exactly.
    const double t = threshold[node];
    const double below = std::nextafter(t, std::numeric_limits<double>::infinity());
    if (!std::isfinite(below)) {
      return where.Unimplemented(lines["threshold"], at + "threshold " + Show(t) + " is the largest double");
    }
    tree.threshold[node] = below;
    tree.feature[node] = static_cast<int32_t>(feature);
    switch (missing) {
      case MissingType::kNone:
        // Missing is read as 0.0 and compared.
        tree.default_left[node] = 0.0 <= t ? 1 : 0;
        break;
      case MissingType::kNaN:
        tree.default_left[node] = default_left ? 1 : 0;
        break;
      case MissingType::kZero: {
        tree.default_left[node] = default_left ? 1 : 0;
        // The zero band already goes the default way when the comparison
        // sends all of it there; otherwise zero must read as missing.
        const bool band_follows = default_left ? kZeroThreshold <= t : t < -kZeroThreshold;
        if (!band_follows) {
          tree.feature[node] = DerivedColumn(context, &context->nonzero_column, feature, kNonzeroSuffix);
        }
        break;
      }
    }
  }
  return tree;
}

// "`name`" with backquotes doubled, for expressions.
std::string Column(std::string_view name) {
  std::string out = "`";
  for (const char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

Status CheckNames(const std::vector<std::string>& names, std::string_view what) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) return InvalidArgumentError(std::string(what) + "[" + std::to_string(i) + "] is empty");
    if (!seen.insert(names[i]).second) {
      return InvalidArgumentError(std::string(what) + "[" + std::to_string(i) + "]: " + Quote(names[i]) +
                                  " is listed twice");
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// The importer
// ---------------------------------------------------------------------------

Result<Pipeline> Import(std::string_view text, const LightgbmImportOptions& options) {
  if (text.size() > options.max_bytes) {
    return ResourceExhaustedError("the model text is " + std::to_string(text.size()) + " bytes, more than the " +
                                  std::to_string(options.max_bytes) + " allowed");
  }
  const std::vector<std::string_view> lines = SplitLines(text);
  if (lines.empty() || lines[0] != "tree") {
    return InvalidArgumentError("not a LightGBM text model (line 1): expected 'tree'");
  }

  // Sections: the header, then one per Tree=N, up to "end of trees".
  Section header;
  header.line = 1;
  std::vector<Section> tree_sections;
  Section* current = &header;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) continue;
    if (line == "end of trees") break;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      current->flags.push_back(line);
      continue;
    }
    const std::string_view key = line.substr(0, eq);
    const std::string_view value = line.substr(eq + 1);
    if (key == "Tree") {
      if (tree_sections.size() >= options.max_trees) {
        return ResourceExhaustedError("line " + std::to_string(i + 1) + ": the model has more than " +
                                      std::to_string(options.max_trees) + " trees");
      }
      if (ParseInteger(value) != static_cast<int64_t>(tree_sections.size())) {
        return InvalidArgumentError("line " + std::to_string(i + 1) +
                                    ": expected Tree=" + std::to_string(tree_sections.size()) + ", got " + Quote(line));
      }
      tree_sections.emplace_back();
      current = &tree_sections.back();
      current->line = i + 1;
      continue;
    }
    if (!current->keys.emplace(key, Entry{value, i + 1}).second) {
      return InvalidArgumentError("line " + std::to_string(i + 1) + ": key '" + std::string(key) + "' is repeated");
    }
  }

  const Where where("header");
  ASSIGN_OR_RETURN(const Entry version, Required(header, "version", where));
  if (version.value != "v2" && version.value != "v3" && version.value != "v4") {
    return where.Unimplemented(version.line,
                               "version: " + Quote(version.value) + " is not supported (supported: v2, v3, v4)");
  }
  ASSIGN_OR_RETURN(const Entry num_class_entry, Required(header, "num_class", where));
  ASSIGN_OR_RETURN(const int64_t num_class, IntegerValue(num_class_entry, "num_class", where, 1, kMaxLightgbmClasses));
  int64_t per_iteration = num_class;
  if (const Entry* entry = Optional(header, "num_tree_per_iteration")) {
    ASSIGN_OR_RETURN(per_iteration, IntegerValue(*entry, "num_tree_per_iteration", where, 1, kMaxLightgbmClasses));
  }
  if (const Entry* entry = Optional(header, "label_index")) {
    RETURN_IF_ERROR(IntegerValue(*entry, "label_index", where, 0, std::numeric_limits<int32_t>::max()).status());
  }
  ASSIGN_OR_RETURN(const Entry max_feature_entry, Required(header, "max_feature_idx", where));
  ASSIGN_OR_RETURN(const int64_t max_feature_idx,
                   IntegerValue(max_feature_entry, "max_feature_idx", where, 0, kMaxLightgbmFeatures - 1));
  const size_t num_feature = static_cast<size_t>(max_feature_idx) + 1;
  ASSIGN_OR_RETURN(Objective objective, ParseObjective(Optional(header, "objective"), where));
  bool average_output = false;
  for (const std::string_view flag : header.flags) average_output = average_output || flag == "average_output";

  const bool multiclass = objective.kind == ObjectiveKind::kMulticlass;
  if (multiclass) {
    if (num_class < 2) {
      return where.Invalid(num_class_entry, "num_class",
                           "multiclass needs at least 2 classes, got " + std::to_string(num_class));
    }
    if (objective.num_class && *objective.num_class != num_class) {
      return where.Invalid(num_class_entry, "num_class",
                           std::to_string(num_class) +
                               " differs from the objective's num_class:" + std::to_string(*objective.num_class));
    }
    if (per_iteration != num_class) {
      return where.Invalid(
          num_class_entry, "num_tree_per_iteration",
          std::to_string(per_iteration) + " trees per iteration for " + std::to_string(num_class) + " classes");
    }
  } else if (num_class != 1 || per_iteration != 1) {
    return where.Invalid(num_class_entry, "num_class",
                         "objective " + Quote(objective.text) + " has one output, but num_class is " +
                             std::to_string(num_class) + " and num_tree_per_iteration " +
                             std::to_string(per_iteration));
  }
  if (average_output && per_iteration > 1) {
    return UnimplementedError("header: average_output with " + std::to_string(per_iteration) +
                              " trees per iteration is not supported (the IR averages over all trees)");
  }
  if (objective.sigmoid != 1.0 && !IsPowerOfTwo(objective.sigmoid)) {
    return UnimplementedError("header: objective " + Quote(objective.text) + ": sigmoid " + Show(objective.sigmoid) +
                              " is not supported (only powers of two, such as 1 or 2, can be folded into the "
                              "leaf values exactly)");
  }
  if (tree_sections.size() % static_cast<size_t>(per_iteration) != 0) {
    return InvalidArgumentError("the model has " + std::to_string(tree_sections.size()) +
                                " trees, not a multiple of num_tree_per_iteration (" + std::to_string(per_iteration) +
                                ")");
  }

  // Feature names.
  std::vector<std::string> feature_names;
  if (!options.feature_names.empty()) {
    if (options.feature_names.size() != num_feature) {
      return InvalidArgumentError("options.feature_names: " + std::to_string(options.feature_names.size()) +
                                  " names given, but the model has " + std::to_string(num_feature) + " features");
    }
    RETURN_IF_ERROR(CheckNames(options.feature_names, "options.feature_names"));
    feature_names = options.feature_names;
  } else if (const Entry* names = Optional(header, "feature_names")) {
    for (const std::string_view token : Tokens(names->value)) feature_names.emplace_back(token);
    if (feature_names.size() != num_feature) {
      return where.Invalid(*names, "feature_names",
                           std::to_string(feature_names.size()) + " names for " + std::to_string(num_feature) +
                               " features (max_feature_idx + 1)");
    }
    const Status unique = CheckNames(feature_names, "feature_names");
    if (!unique.ok()) return where.Invalid(*names, "feature_names", unique.message());
  } else {
    for (size_t i = 0; i < num_feature; ++i) feature_names.push_back("f" + std::to_string(i));
  }

  // Classes.
  std::vector<std::string> classes;
  const bool classifier =
      objective.kind == ObjectiveKind::kBinary || objective.kind == ObjectiveKind::kCrossEntropy || multiclass;
  if (classifier) {
    const size_t count = multiclass ? static_cast<size_t>(num_class) : 2;
    if (!options.class_labels.empty()) {
      if (options.class_labels.size() != count) {
        return InvalidArgumentError("options.class_labels: " + std::to_string(options.class_labels.size()) +
                                    " labels given, but the model has " + std::to_string(count) + " classes");
      }
      RETURN_IF_ERROR(CheckNames(options.class_labels, "options.class_labels"));
      classes = options.class_labels;
    } else {
      for (size_t i = 0; i < count; ++i) classes.push_back(std::to_string(i));
    }
  } else if (!options.class_labels.empty()) {
    return InvalidArgumentError("options.class_labels: objective " + Quote(objective.text) +
                                " is a regression objective; it has no classes");
  }

  Context context;
  context.num_feature = static_cast<int64_t>(num_feature);
  context.feature_names = &feature_names;
  context.features = feature_names;
  context.category_column.assign(num_feature, -1);
  context.nonzero_column.assign(num_feature, -1);
  context.max_category.assign(num_feature, -1);
  context.max_nodes = options.max_nodes;

  TreeEnsembleModel ensemble;
  ensemble.num_outputs = multiclass ? static_cast<int32_t>(num_class) : 1;
  ensemble.aggregation = average_output ? Aggregation::kAverage : Aggregation::kSum;
  switch (objective.kind) {
    case ObjectiveKind::kBinary:
    case ObjectiveKind::kCrossEntropy:
      ensemble.output_transform = OutputTransform::kLogistic;
      break;
    case ObjectiveKind::kIdentity:
      ensemble.output_transform = OutputTransform::kIdentity;
      break;
    case ObjectiveKind::kExp:
      ensemble.output_transform = OutputTransform::kExp;
      break;
    case ObjectiveKind::kMulticlass:
      ensemble.output_transform = OutputTransform::kSoftmax;
      break;
  }
  ensemble.precision = NumericPrecision::kFloat64;
  ensemble.base_score.assign(static_cast<size_t>(ensemble.num_outputs), 0.0);
  ensemble.trees.reserve(tree_sections.size());
  for (size_t t = 0; t < tree_sections.size(); ++t) {
    ASSIGN_OR_RETURN(Tree tree, ConvertTree(tree_sections[t], t, &context));
    tree.output = static_cast<int32_t>(t % static_cast<size_t>(per_iteration));
    if (objective.sigmoid != 1.0) {
      // A power-of-two scale is exact unless a value leaves the normal range.
      for (double& value : tree.leaf_values) {
        const double scaled = value * objective.sigmoid;
        if (!std::isfinite(scaled) || scaled / objective.sigmoid != value) {
          return UnimplementedError("Tree=" + std::to_string(t) + ": leaf value " + Show(value) +
                                    " cannot be scaled by sigmoid " + Show(objective.sigmoid) + " exactly");
        }
        value = scaled;
      }
    }
    ensemble.trees.push_back(std::move(tree));
  }

  Pipeline pipeline;
  pipeline.name = options.name;
  pipeline.inputs.reserve(num_feature);
  for (size_t i = 0; i < num_feature; ++i) {
    InputField field;
    field.name = feature_names[i];
    field.type = FieldType::kNumber;
    field.on_missing = ValuePolicy{ValuePolicyKind::kMissing, 0.0};
    field.on_invalid = ValuePolicy{ValuePolicyKind::kError, 0.0};
    if (context.category_column[i] >= 0) {
      field.description = "LightGBM categorical feature: the category code (truncated towards zero)";
    }
    pipeline.inputs.push_back(std::move(field));
  }
  // Derived columns, in the order the trees first used them.
  std::vector<std::pair<int32_t, Transform>> derived;
  size_t bucket_edges = 0;
  for (size_t i = 0; i < num_feature; ++i) {
    const std::string& name = feature_names[i];
    if (context.nonzero_column[i] >= 0) {
      // Division by zero is missing: the zero band reads as missing.
      DeriveTransform derive;
      derive.output = context.features[static_cast<size_t>(context.nonzero_column[i])];
      derive.expression =
          Column(name) + " / (if abs(" + Column(name) + ") > " + Show(kZeroThreshold) + " then 1 else 0)";
      derived.emplace_back(context.nonzero_column[i], std::move(derive));
    }
    if (context.category_column[i] >= 0) {
      // Buckets: x <= -1 ("negative"), -1 < x < 1 ("0"), k <= x < k + 1
      // ("k"), ..., x >= max + 1 ("out_of_range"): LightGBM's truncation.
      const int64_t max = context.max_category[i];
      bucket_edges += static_cast<size_t>(max) + 2;
      if (bucket_edges > options.max_nodes) {
        return ResourceExhaustedError("the categorical features need more than " + std::to_string(options.max_nodes) +
                                      " bucket edges");
      }
      BucketizeTransform bucketize;
      bucketize.input = name;
      bucketize.output = context.features[static_cast<size_t>(context.category_column[i])];
      bucketize.edges.push_back(std::nextafter(-1.0, 0.0));
      bucketize.labels.push_back("negative");
      for (int64_t k = 1; k <= max + 1; ++k) bucketize.edges.push_back(static_cast<double>(k));
      for (int64_t k = 0; k <= max; ++k) bucketize.labels.push_back(std::to_string(k));
      bucketize.labels.push_back("out_of_range");
      derived.emplace_back(context.category_column[i], std::move(bucketize));
    }
  }
  std::sort(derived.begin(), derived.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [column, transform] : derived) pipeline.transforms.push_back(std::move(transform));
  {
    std::set<std::string_view> inputs(feature_names.begin(), feature_names.end());
    for (size_t i = num_feature; i < context.features.size(); ++i) {
      if (inputs.count(context.features[i]) != 0) {
        return UnimplementedError("the derived column " + Quote(context.features[i]) +
                                  " has the name of a model feature; rename the features");
      }
    }
  }
  pipeline.features = std::move(context.features);
  pipeline.model.task = classifier ? Task::kClassification : Task::kRegression;
  pipeline.model.classes = std::move(classes);
  const size_t tree_count = ensemble.trees.size();
  pipeline.model.body = std::move(ensemble);
  pipeline.source = "lightgbm " + std::string(version.value) + " " + objective.text;
  pipeline.description = "Imported from a LightGBM model (" + objective.text + ", " + std::to_string(tree_count) +
                         " trees" + (average_output ? ", averaged" : "") + ")";

  const Status valid = ValidatePipeline(pipeline);
  if (!valid.ok()) return valid.WithContext("the imported LightGBM model is not a valid pipeline");
  return pipeline;
}

}  // namespace

bool LooksLikeLightgbm(std::string_view text) {
  const size_t end = text.find('\n');
  std::string_view first = text.substr(0, end);
  if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
  if (first != "tree") return false;
  const std::string_view head = text.substr(0, size_t{1} << 16);
  return head.find("\nversion=v") != std::string_view::npos && head.find("\nnum_class=") != std::string_view::npos;
}

Result<Pipeline> ImportLightgbmText(std::string_view text, const LightgbmImportOptions& options) {
  try {
    return Import(text, options);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while importing the LightGBM model");
  } catch (const std::exception& e) {
    return InternalError(std::string("LightGBM import failed unexpectedly: ") + e.what());
  }
}

}  // namespace podium
