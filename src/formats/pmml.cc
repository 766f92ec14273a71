#include "formats/pmml.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "data/number.h"
#include "formats/pmml_business_rules.h"
#include "formats/pmml_internal.h"
#include "pipeline/validate.h"

namespace podium {
namespace pmml_internal {

// ---------------------------------------------------------------------------
// Shared helpers (declared in pmml_internal.h)
// ---------------------------------------------------------------------------

std::string_view LocalName(const pugi::xml_node& node) {
  const std::string_view name = node.name();
  const size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::vector<pugi::xml_node> Children(const pugi::xml_node& node, std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && LocalName(child) == name) out.push_back(child);
  }
  return out;
}

std::vector<pugi::xml_node> ElementChildren(const pugi::xml_node& node) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && LocalName(child) != "Extension") out.push_back(child);
  }
  return out;
}

pugi::xml_node FirstChild(const pugi::xml_node& node, std::string_view name) {
  for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && LocalName(child) == name) return child;
  }
  return pugi::xml_node();
}

std::optional<std::string> Attribute(const pugi::xml_node& node, std::string_view name) {
  for (pugi::xml_attribute attribute = node.first_attribute(); attribute; attribute = attribute.next_attribute()) {
    if (name == attribute.name()) return std::string(attribute.value());
  }
  return std::nullopt;
}

Locator::Locator(std::string_view text) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
}

int Locator::LineOfOffset(ptrdiff_t offset) const {
  if (offset < 0) return 0;
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), static_cast<size_t>(offset));
  return static_cast<int>(it - line_starts_.begin());
}

int Locator::LineOf(const pugi::xml_node& node) const { return LineOfOffset(node.offset_debug()); }

std::string Locator::Where(const pugi::xml_node& node) const {
  std::string where = "<";
  where += LocalName(node);
  where += '>';
  const int line = LineOf(node);
  if (line > 0) where += " (line " + std::to_string(line) + ")";
  return where;
}

Status Locator::Invalid(const pugi::xml_node& node, const std::string& problem) const {
  return InvalidArgumentError(Where(node) + ": " + problem);
}

Status Locator::Unsupported(const pugi::xml_node& node, const std::string& problem) const {
  return UnimplementedError(Where(node) + ": " + problem);
}

const ScopeField* Scope::Find(std::string_view name) const {
  const auto it = fields.find(name);
  return it == fields.end() ? nullptr : &it->second;
}

std::string Scope::FreshColumn(const std::string& base) {
  if (columns.find(base) == columns.end()) return base;
  for (int i = 2;; ++i) {
    std::string name = base + "#" + std::to_string(i);
    if (columns.find(name) == columns.end()) return name;
  }
}

std::string QuoteColumn(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string QuoteString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string NumberLiteral(double value) {
  std::string text;
  FormatNumber(value, &text);
  return value < 0 ? "(" + text + ")" : text;
}

std::optional<double> ParseDouble(std::string_view text) {
  // XML attribute values may carry spaces; PMML spells infinity "INF".
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' || text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  if (text.empty()) return std::nullopt;
  const std::optional<double> value = ParseNumber(text);
  if (!value || !std::isfinite(*value)) return std::nullopt;
  return value;
}

Result<const ScopeField*> ModelBuilder::Field(const pugi::xml_node& node, std::string_view attribute) const {
  const std::optional<std::string> name = Attribute(node, attribute);
  if (!name) return at_.Invalid(node, "missing attribute '" + std::string(attribute) + "'");
  const ScopeField* field = scope_.Find(*name);
  if (field == nullptr) return at_.Invalid(node, "unknown field " + QuoteString(*name));
  return field;
}

int32_t ModelBuilder::FeatureIndex(const std::string& column) {
  const auto [it, added] = feature_index_.emplace(column, static_cast<int32_t>(pipeline_.features.size()));
  if (added) pipeline_.features.push_back(column);
  return it->second;
}

ModelBuilder::Checkpoint ModelBuilder::Save() const {
  return Checkpoint{pipeline_.transforms.size(), pipeline_.features.size(), scope_.columns, feature_index_,
                    helper_columns_};
}

void ModelBuilder::Restore(Checkpoint checkpoint) {
  pipeline_.transforms.resize(checkpoint.transforms);
  pipeline_.features.resize(checkpoint.features);
  scope_.columns = std::move(checkpoint.columns);
  feature_index_ = std::move(checkpoint.feature_index);
  helper_columns_ = std::move(checkpoint.helper_columns);
}

std::string ModelBuilder::AddHelperColumn(const std::string& base, const std::string& expression) {
  if (const auto it = helper_columns_.find(expression); it != helper_columns_.end()) return it->second;
  const std::string column = scope_.FreshColumn(base);
  scope_.columns.insert(column);
  pipeline_.transforms.push_back(DeriveTransform{column, expression});
  helper_columns_.emplace(expression, column);
  return column;
}

Result<double> NumberAttribute(const Locator& at, const pugi::xml_node& node, std::string_view name,
                               std::optional<double> fallback) {
  const std::optional<std::string> text = Attribute(node, name);
  if (!text) {
    if (fallback) return *fallback;
    return at.Invalid(node, "missing attribute '" + std::string(name) + "'");
  }
  const std::optional<double> value = ParseDouble(*text);
  if (!value) return at.Invalid(node, std::string(name) + " is not a finite number");
  return *value;
}

Result<size_t> ClassIndex(const Locator& at, const pugi::xml_node& where, const std::vector<std::string>& classes,
                          const std::string& label) {
  const auto it = std::find(classes.begin(), classes.end(), label);
  if (it == classes.end()) return at.Invalid(where, QuoteString(label) + " is not a class of the target");
  return static_cast<size_t>(it - classes.begin());
}

Result<std::vector<double>> DistributionProbabilities(const Locator& at, const pugi::xml_node& owner,
                                                      const std::vector<pugi::xml_node>& distribution,
                                                      const std::vector<std::string>& classes,
                                                      const std::optional<std::string>& score) {
  double total = 0;
  bool all_probabilities = true;
  std::vector<double> counts(classes.size(), 0.0);
  std::vector<double> probabilities(classes.size(), 0.0);
  for (const pugi::xml_node& entry : distribution) {
    ASSIGN_OR_RETURN(const size_t k, ClassIndex(at, entry, classes, Attribute(entry, "value").value_or("")));
    const std::optional<double> count = ParseDouble(Attribute(entry, "recordCount").value_or(""));
    if (!count || *count < 0) return at.Invalid(entry, "recordCount is not a non-negative number");
    counts[k] += *count;
    total += *count;
    if (const std::optional<std::string> p = Attribute(entry, "probability")) {
      const std::optional<double> probability = ParseDouble(*p);
      if (!probability || *probability < 0 || *probability > 1) {
        return at.Invalid(entry, "probability is not between 0 and 1");
      }
      probabilities[k] = *probability;
    } else {
      all_probabilities = false;
    }
  }
  if (!all_probabilities) {
    if (total <= 0) return at.Invalid(owner, "the ScoreDistribution records no counts");
    for (size_t k = 0; k < classes.size(); ++k) probabilities[k] = counts[k] / total;
  }
  if (score) {
    size_t label = 0;
    if (classes.size() == 2) {
      label = probabilities[1] >= 0.5 ? 1 : 0;
    } else {
      for (size_t k = 1; k < classes.size(); ++k) {
        if (probabilities[k] > probabilities[label]) label = k;
      }
    }
    ASSIGN_OR_RETURN(const size_t scored, ClassIndex(at, owner, classes, *score));
    if (scored != label) {
      return at.Unsupported(owner, "the score " + QuoteString(*score) +
                                       " is not the most probable class of its ScoreDistribution");
    }
  }
  return probabilities;
}

Result<std::vector<std::string>> ArrayItems(const Locator& at, const pugi::xml_node& array) {
  std::vector<std::string> items;
  const std::string text = array.child_value();
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    std::string item;
    if (text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '"') {
          item += '"';
          i += 2;
        } else if (text[i] == '"') {
          ++i;
          closed = true;
          break;
        } else {
          item += text[i++];
        }
      }
      if (!closed) return at.Invalid(array, "unterminated quoted item");
    } else {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) item += text[i++];
    }
    items.push_back(std::move(item));
  }
  if (const std::optional<std::string> n = Attribute(array, "n")) {
    if (*n != std::to_string(items.size())) {
      return at.Invalid(array, "n is " + *n + " but the array has " + std::to_string(items.size()) + " items");
    }
  }
  return items;
}

pugi::xml_node PredicateOf(const pugi::xml_node& node) {
  for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element) continue;
    const std::string_view kind = LocalName(child);
    if (kind == "SimplePredicate" || kind == "CompoundPredicate" || kind == "SimpleSetPredicate" || kind == "True" ||
        kind == "False") {
      return child;
    }
  }
  return pugi::xml_node();
}

}  // namespace pmml_internal

namespace {

using pmml_internal::Attribute;
using pmml_internal::Children;
using pmml_internal::FirstChild;
using pmml_internal::LocalName;
using pmml_internal::Locator;
using pmml_internal::ArrayItems;
using pmml_internal::ParseDouble;
using pmml_internal::PredicateOf;
using pmml_internal::TargetInfo;
using pmml_internal::QuoteString;
using pmml_internal::Scope;
using pmml_internal::ScopeField;

constexpr int kMaxChildrenPerNode = 256;
// Parts of one CompoundPredicate, numbers of one SimpleSetPredicate: each is a
// level of recursion when the predicate is expanded into splits.
constexpr size_t kMaxPredicateParts = 100;
constexpr int kMaxClasses = 100'000;

// ---------------------------------------------------------------------------
// Version
// ---------------------------------------------------------------------------

struct PmmlVersion {
  int major = 4;
  int minor = 4;
  bool AtLeast(int want_major, int want_minor) const {
    return major > want_major || (major == want_major && minor >= want_minor);
  }
  std::string Text() const { return std::to_string(major) + "." + std::to_string(minor); }
};

Result<PmmlVersion> ReadVersion(const Locator& at, const pugi::xml_node& root) {
  const std::optional<std::string> text = Attribute(root, "version");
  if (!text) return at.Invalid(root, "missing attribute 'version'");
  PmmlVersion version;
  // "4.4", and 4.2.1's "4.2.1" (the patch level changes nothing here).
  const size_t dot = text->find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 >= text->size() ||
      !std::isdigit(static_cast<unsigned char>((*text)[0])) ||
      !std::isdigit(static_cast<unsigned char>((*text)[dot + 1]))) {
    return at.Invalid(root, "version " + QuoteString(*text) + " is not of the form major.minor");
  }
  version.major = (*text)[0] - '0';
  version.minor = (*text)[dot + 1] - '0';
  if (dot != 1 || (dot + 2 < text->size() && (*text)[dot + 2] != '.')) {
    return at.Invalid(root, "version " + QuoteString(*text) + " is not of the form major.minor");
  }
  if (!version.AtLeast(3, 0) || version.AtLeast(4, 5)) {
    return at.Unsupported(root, "PMML version " + *text + " (supported: 3.0 to 4.4)");
  }
  return version;
}

// An attribute value that a later version introduced, refused in documents
// of earlier versions (their schema does not allow it).
Status RequireVersion(const Locator& at, const pugi::xml_node& node, const PmmlVersion& version, int major,
                      int minor, const std::string& what) {
  if (version.AtLeast(major, minor)) return Status::Ok();
  return at.Invalid(node, what + " is PMML " + std::to_string(major) + "." + std::to_string(minor) +
                              " or later, but the document is version " + version.Text());
}

// ---------------------------------------------------------------------------
// Parsing with safety limits
// ---------------------------------------------------------------------------

struct ParsedDocument {
  pugi::xml_document document;
  pugi::xml_node root;
};

Status ParseDocument(std::string_view xml, const PmmlImportOptions& options, const Locator& at,
                     ParsedDocument& out) {
  if (xml.size() > options.max_bytes) {
    return ResourceExhaustedError("the document is " + std::to_string(xml.size()) + " bytes, more than the limit of " +
                                  std::to_string(options.max_bytes));
  }
  // parse_doctype keeps a DOCTYPE as a node so that it can be refused; pugixml
  // never reads a DTD nor expands entities other than the five predefined
  // ones and character references.
  const unsigned int flags = (pugi::parse_default | pugi::parse_doctype) & ~pugi::parse_pi;
  const pugi::xml_parse_result result = out.document.load_buffer(xml.data(), xml.size(), flags, pugi::encoding_utf8);
  if (!result) {
    return InvalidArgumentError("line " + std::to_string(at.LineOfOffset(result.offset)) +
                                ": not well-formed XML: " + result.description());
  }
  for (pugi::xml_node child = out.document.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_doctype) {
      return InvalidArgumentError("<!DOCTYPE> (line " +
                                  std::to_string(at.LineOfOffset(child.offset_debug())) +
                                  "): document type declarations are refused (no DTD processing or entity expansion)");
    }
    if (child.type() == pugi::node_element) {
      if (out.root) return at.Invalid(child, "more than one root element");
      out.root = child;
    }
  }
  if (!out.root) return InvalidArgumentError("line 1: the document has no root element");
  if (LocalName(out.root) != "PMML") return at.Invalid(out.root, "the root element is not PMML");
  // Element depth, iteratively (the lowering below recurses, bounded by it).
  int depth = 0;
  pugi::xml_node node = out.root;
  while (node) {
    if (node.type() == pugi::node_element && depth + 1 > options.max_depth) {
      return ResourceExhaustedError(at.Where(node) + ": elements nest deeper than " +
                                    std::to_string(options.max_depth) + " levels");
    }
    if (node.first_child()) {
      node = node.first_child();
      ++depth;
      continue;
    }
    while (node && !node.next_sibling() && node != out.root) {
      node = node.parent();
      --depth;
    }
    if (!node || node == out.root) break;
    node = node.next_sibling();
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Data dictionary and mining schema
// ---------------------------------------------------------------------------

struct DataFieldInfo {
  pugi::xml_node element;
  std::string name;
  std::string optype;
  std::string data_type;
  std::vector<std::string> valid_values;
  pugi::xml_node first_invalid_value;  // a Value with property "invalid"
};

Result<std::map<std::string, DataFieldInfo, std::less<>>> ReadDataDictionary(const Locator& at,
                                                                              const pugi::xml_node& root) {
  const pugi::xml_node dictionary = FirstChild(root, "DataDictionary");
  if (!dictionary) return at.Invalid(root, "missing DataDictionary");
  std::map<std::string, DataFieldInfo, std::less<>> fields;
  for (const pugi::xml_node& element : Children(dictionary, "DataField")) {
    DataFieldInfo field;
    field.element = element;
    field.name = Attribute(element, "name").value_or("");
    if (field.name.empty()) return at.Invalid(element, "missing attribute 'name'");
    field.optype = Attribute(element, "optype").value_or("");
    field.data_type = Attribute(element, "dataType").value_or("");
    if (field.optype.empty()) return at.Invalid(element, "missing attribute 'optype'");
    if (field.data_type.empty()) return at.Invalid(element, "missing attribute 'dataType'");
    for (const pugi::xml_node& value : Children(element, "Value")) {
      const std::string property = Attribute(value, "property").value_or("valid");
      const std::optional<std::string> text = Attribute(value, "value");
      if (!text) return at.Invalid(value, "missing attribute 'value'");
      if (property == "valid") {
        field.valid_values.push_back(*text);
      } else if (property == "missing") {
        return at.Unsupported(value, "a Value that stands for missing (" + QuoteString(*text) +
                                         "): input fields treat only empty values as missing");
      } else if (property == "invalid") {
        if (!field.first_invalid_value) field.first_invalid_value = value;
      } else {
        return at.Invalid(value, "unknown property " + QuoteString(property));
      }
    }
    if (!fields.emplace(field.name, field).second) {
      return at.Invalid(element, "field " + QuoteString(field.name) + " is defined twice");
    }
  }
  return fields;
}

// A replacement value for a field's policy: a number, a boolean, or a level.
Result<std::variant<double, std::string>> PolicyValue(const Locator& at, const pugi::xml_node& node,
                                                      const InputField& field, const std::string& text) {
  if (field.type == FieldType::kCategory) {
    if (!field.levels.empty() && std::find(field.levels.begin(), field.levels.end(), text) == field.levels.end()) {
      return at.Invalid(node, QuoteString(text) + " is not a valid value of the field");
    }
    return std::variant<double, std::string>(text);
  }
  if (field.type == FieldType::kBoolean) {
    if (text == "true" || text == "1") return std::variant<double, std::string>(1.0);
    if (text == "false" || text == "0") return std::variant<double, std::string>(0.0);
    return at.Invalid(node, QuoteString(text) + " is not a boolean");
  }
  const std::optional<double> value = ParseDouble(text);
  if (!value) return at.Invalid(node, QuoteString(text) + " is not a number");
  return std::variant<double, std::string>(*value);
}

// The input field of one active MiningField.
Result<InputField> MakeInputField(const Locator& at, const PmmlVersion& version, const DataFieldInfo& data,
                                  const pugi::xml_node& mining_field) {
  InputField field;
  field.name = data.name;
  const std::string optype = Attribute(mining_field, "optype").value_or(data.optype);
  const std::string& data_type = data.data_type;
  const bool categorical = optype == "categorical" || optype == "ordinal";
  if (optype != "continuous" && !categorical) {
    return at.Invalid(data.element, "unknown optype " + QuoteString(optype));
  }
  if (data_type == "string") {
    if (!categorical) return at.Invalid(data.element, "a continuous field must be numeric");
    field.type = FieldType::kCategory;
  } else if (data_type == "boolean") {
    field.type = FieldType::kBoolean;
  } else if (data_type == "double" || data_type == "integer") {
    // Values listed for a categorical number are matched as written ("1",
    // not "1.0"), as category levels are.
    if (categorical && !data.valid_values.empty()) {
      field.type = FieldType::kCategory;
    } else {
      field.type = data_type == "integer" ? FieldType::kInteger : FieldType::kNumber;
    }
  } else if (data_type == "float") {
    // Read as a number; ReadInputs rounds it to single precision, as PMML
    // does, in a derived column the model reads instead.
    if (categorical) return at.Unsupported(data.element, "a categorical field of dataType float");
    if (!Children(data.element, "Interval").empty()) {
      // PMML checks the rounded value, Podium's inputs the value as written.
      return at.Unsupported(Children(data.element, "Interval")[0], "an Interval on a field of dataType float");
    }
    field.type = FieldType::kNumber;
  } else {
    return at.Unsupported(data.element, "dataType " + QuoteString(data_type));
  }
  if (data.first_invalid_value && (field.type != FieldType::kCategory || data.valid_values.empty())) {
    // With listed valid levels an invalid Value is simply not a level; a
    // number or an open category would accept it.
    return at.Unsupported(data.first_invalid_value, "a Value marked invalid for a field without a list of valid values");
  }
  if (field.type == FieldType::kCategory) {
    field.levels = data.valid_values;
  } else if (!data.valid_values.empty() && field.type != FieldType::kBoolean) {
    return at.Unsupported(data.element, "a list of valid values for a continuous field");
  }
  const std::vector<pugi::xml_node> intervals = Children(data.element, "Interval");
  if (intervals.size() > 1) return at.Unsupported(intervals[1], "more than one Interval (a union of ranges)");
  if (!intervals.empty()) {
    const pugi::xml_node& interval = intervals[0];
    if (field.type != FieldType::kNumber && field.type != FieldType::kInteger) {
      return at.Invalid(interval, "an Interval on a non-numeric field");
    }
    const std::string closure = Attribute(interval, "closure").value_or("");
    const bool left_open = closure == "openOpen" || closure == "openClosed";
    const bool right_open = closure == "openOpen" || closure == "closedOpen";
    if (closure != "openOpen" && closure != "openClosed" && closure != "closedOpen" && closure != "closedClosed") {
      return at.Invalid(interval, "unknown closure " + QuoteString(closure));
    }
    // An open bound b is the closed bound nextafter(b): exact in doubles.
    constexpr double kInf = std::numeric_limits<double>::infinity();
    if (const std::optional<std::string> text = Attribute(interval, "leftMargin")) {
      const std::optional<double> left = ParseDouble(*text);
      if (!left) return at.Invalid(interval, "leftMargin is not a finite number");
      field.min = left_open ? std::nextafter(*left, kInf) : *left;
    }
    if (const std::optional<std::string> text = Attribute(interval, "rightMargin")) {
      const std::optional<double> right = ParseDouble(*text);
      if (!right) return at.Invalid(interval, "rightMargin is not a finite number");
      field.max = right_open ? std::nextafter(*right, -kInf) : *right;
    }
  }

  // Missing values: replaced when a replacement is given (the treatment
  // attribute only says how it was obtained), refused with returnInvalid.
  field.on_missing = ValuePolicy{ValuePolicyKind::kMissing, 0.0};
  if (const std::optional<std::string> replacement = Attribute(mining_field, "missingValueReplacement")) {
    ASSIGN_OR_RETURN(auto value, PolicyValue(at, mining_field, field, *replacement));
    field.on_missing = ValuePolicy{ValuePolicyKind::kReplace, value};
  }
  const std::string missing_treatment = Attribute(mining_field, "missingValueTreatment").value_or("asIs");
  if (missing_treatment == "returnInvalid") {
    RETURN_IF_ERROR(RequireVersion(at, mining_field, version, 4, 4, "missingValueTreatment returnInvalid"));
    if (field.on_missing.kind == ValuePolicyKind::kReplace) {
      return at.Invalid(mining_field, "missingValueTreatment returnInvalid with a missingValueReplacement");
    }
    field.on_missing = ValuePolicy{ValuePolicyKind::kError, 0.0};
  } else if (missing_treatment != "asIs" && missing_treatment != "asMean" && missing_treatment != "asMode" &&
             missing_treatment != "asMedian" && missing_treatment != "asValue") {
    return at.Invalid(mining_field, "unknown missingValueTreatment " + QuoteString(missing_treatment));
  }

  // Invalid values (out of the Interval, not a listed level, not parseable).
  const std::string invalid_treatment = Attribute(mining_field, "invalidValueTreatment").value_or("returnInvalid");
  if (invalid_treatment == "returnInvalid") {
    field.on_invalid = ValuePolicy{ValuePolicyKind::kError, 0.0};
  } else if (invalid_treatment == "asMissing") {
    // Treated as missing, so the missing-value replacement applies too.
    field.on_invalid = field.on_missing;
  } else if (invalid_treatment == "asValue") {
    RETURN_IF_ERROR(RequireVersion(at, mining_field, version, 4, 4, "invalidValueTreatment asValue"));
    const std::optional<std::string> replacement = Attribute(mining_field, "invalidValueReplacement");
    if (!replacement) return at.Invalid(mining_field, "invalidValueTreatment asValue needs invalidValueReplacement");
    ASSIGN_OR_RETURN(auto value, PolicyValue(at, mining_field, field, *replacement));
    field.on_invalid = ValuePolicy{ValuePolicyKind::kReplace, value};
  } else if (invalid_treatment == "asIs") {
    // The value is used as it is: no range or level check. A value that is
    // not even of the field's type cannot be used at all and stays an error.
    field.min.reset();
    field.max.reset();
    field.levels.clear();
    field.on_invalid = ValuePolicy{ValuePolicyKind::kError, 0.0};
  } else {
    return at.Invalid(mining_field, "unknown invalidValueTreatment " + QuoteString(invalid_treatment));
  }
  return field;
}

// ---------------------------------------------------------------------------
// The import
// ---------------------------------------------------------------------------

bool IsModelElement(std::string_view name) {
  static constexpr std::string_view kModels[] = {
      "AssociationModel", "BayesianNetworkModel", "BaselineModel", "ClusteringModel", "GaussianProcessModel",
      "GeneralRegressionModel", "MiningModel", "NaiveBayesModel", "NearestNeighborModel", "NeuralNetwork",
      "RegressionModel", "RuleSetModel", "SequenceModel", "Scorecard", "SupportVectorMachineModel",
      "TextModel", "TimeSeriesModel", "TreeModel", "AnomalyDetectionModel"};
  return std::find(std::begin(kModels), std::end(kModels), name) != std::end(kModels);
}

// A tree's node arrays being built, with the node budget.
struct TreeBuilder {
  Tree tree;
  size_t* budget = nullptr;
  int32_t width = 1;

  Result<int32_t> AddNode() {
    if (*budget == 0) return ResourceExhaustedError("the trees need more nodes than the limit");
    --*budget;
    tree.feature.push_back(-1);
    tree.threshold.push_back(0.0);
    tree.left.push_back(-1);
    tree.right.push_back(-1);
    tree.default_left.push_back(0);
    tree.category_levels.emplace_back();
    tree.leaf_values.insert(tree.leaf_values.end(), static_cast<size_t>(width), 0.0);
    return static_cast<int32_t>(tree.feature.size() - 1);
  }
};

// What a path from the root has established about one feature.
struct FeatureFacts {
  double low = -std::numeric_limits<double>::infinity();   // x >= low
  double high = std::numeric_limits<double>::infinity();   // x < high
  int missing = -1;  // -1 unknown, 0 present, 1 missing
  std::optional<std::set<std::string>> within;  // the level is one of these
  std::set<std::string> excluded;               // the level is none of these
};
using PathFacts = std::map<int32_t, FeatureFacts>;

// Builds the subtree reached in a given state.
using Cont = std::function<Result<int32_t>(const PathFacts&)>;

// One of the IR's binary tests on a feature.
struct Test {
  int32_t feature = -1;
  bool categorical = false;
  double threshold = 0.0;         // numeric: left when x < threshold
  std::set<std::string> levels;   // categorical: left when the level is listed
};

class Importer {
 public:
  Importer(std::string_view xml, const PmmlImportOptions& options)
      : xml_(xml), options_(options), at_(xml), budget_(options.max_nodes) {}

  Result<Pipeline> Run();

 private:
  Status ReadInputs(const pugi::xml_node& model);
  Status ReadTransformations(const pugi::xml_node& container);
  Status ReadTargets(const pugi::xml_node& model);
  Status CheckOutput(const pugi::xml_node& model);
  // transformedValue and decision OutputFields as derived outputs (post.outputs).
  // `visible` receives the scope the outputs saw, with every output in it.
  Status AddDerivedOutputs(const std::vector<pugi::xml_node>& fields, Scope* visible);
  // The business rules of the decision and flags OutputFields Podium's
  // exporter writes (formats/pmml_business_rules.h); `outputs` as
  // AddDerivedOutputs left it.
  Status ReadBusinessRules(const std::vector<pugi::xml_node>& fields, const Scope& outputs);
  // A derived column over the inputs, before the document's transformations.
  std::string AddInputColumn(const std::string& base, const std::string& expression);
  Status TreatOutliers(const pugi::xml_node& mining_field, InputField& field, ScopeField& visible);
  Result<DerivedOutput> LowerDecision(const pugi::xml_node& field, const Scope& scope);
  Status AddDecisionCases(const pugi::xml_node& node, const Scope& scope, const std::vector<std::string>& decisions,
                          const std::string& guard, std::vector<std::pair<std::string, std::string>>& cases);
  Status ReadClasses(const pugi::xml_node& model);
  Status LowerRegression(const pugi::xml_node& model);
  Status LowerTreeEnsemble(const pugi::xml_node& model);
  Result<Tree> LowerTree(const pugi::xml_node& tree_model, double scale, bool vote);
  Status CheckNestedSchema(const pugi::xml_node& model);
  // Tree-ensemble margins chained into an output transform, and mathContext
  // (what formats/pmml_export.h writes; see "Margin chains" below).
  Status LowerTreeModelChain(const pugi::xml_node& model, const pugi::xml_node& segmentation);
  Result<NumericPrecision> TreeMathContext(const pugi::xml_node& model);
  // Segmentations other than tree ensembles: segments lowered to columns
  // and combined by expressions (formats/pmml_segmentation.cc).
  bool FitsTreeEnsemble(const pugi::xml_node& model) const;
  Status LowerSegmentedModel(const pugi::xml_node& model);
  Result<std::vector<std::string>> LowerSegmentation(const pugi::xml_node& model, bool classification,
                                                     const std::vector<std::string>& classes);
  Result<std::vector<std::string>> LowerSegmentModel(const pugi::xml_node& model, bool vote,
                                                     const std::vector<std::string>& classes);
  Status AddChainOutputs(const pugi::xml_node& model, const std::string& selected,
                         const std::vector<std::string>& values, const std::vector<std::string>& classes);
  Result<double> ReadDecisionThreshold(const pugi::xml_node& field, const std::vector<std::string>& probabilities);
  // multipleModelMethod selectAll: every Segment's result as columns, read by
  // segmentId OutputFields (derived outputs); no prediction of its own.
  Status LowerSelectAll(const pugi::xml_node& model);
  Status AddSegmentOutput(const pugi::xml_node& field);
  // entityId of a TreeModel: the winning Node's id as a category derived output.
  // `as_columns`: whether the tree became expression columns (pmml_tree_missing.cc);
  // unknown for a segment's tree, whose lowering is then tried.
  Result<DerivedOutput> TreeEntityId(const pugi::xml_node& field, const pugi::xml_node& tree_model,
                                     std::optional<bool> as_columns);
  // The same for a Segment's TreeModel under selectAll, in the segment's field scope.
  Result<DerivedOutput> SegmentTreeEntityId(const pugi::xml_node& field, const pugi::xml_node& tree_model);
  Result<bool> AddLog1pField(const pugi::xml_node& derived);

  // Features and helper columns.
  int32_t FeatureIndex(const std::string& column) { return build_.FeatureIndex(column); }
  std::string AddHelperColumn(const std::string& base, const std::string& expression) {
    return build_.AddHelperColumn(base, expression);
  }
  Result<const ScopeField*> Field(const pugi::xml_node& node, std::string_view attribute = "field") {
    return build_.Field(node, attribute);
  }
  // The field whose value a column holds (nullptr for helper columns).
  const ScopeField* ColumnField(const std::string& column) const;
  void SingleOutMissingInFloat(TreeEnsembleModel& ensemble);
  // The least split threshold above v, so that `x <= v` is `x < NextAbove(v)`
  // in the trees' precision: in float (mathContext="float") the next float,
  // as the comparison is float(x) < float(threshold).
  double NextAbove(double v) const {
    if (!float_splits_) return std::nextafter(v, std::numeric_limits<double>::infinity());
    return static_cast<double>(std::nextafter(static_cast<float>(v), std::numeric_limits<float>::infinity()));
  }
  // Whether the trees being lowered compare in float.
  bool float_splits_ = false;
  // Set when LowerTree refused a null prediction that can happen (the tree then goes to
  // pmml_tree_missing.cc's expression columns).
  bool null_prediction_refused_ = false;

  std::string_view xml_;
  const PmmlImportOptions& options_;
  Locator at_;
  size_t budget_;
  PmmlVersion version_;
  std::map<std::string, DataFieldInfo, std::less<>> dictionary_;
  Scope scope_;
  Pipeline pipeline_;
  TargetInfo target_;
  // Target min, max and castInteger of a regression (post.prediction_expression).
  std::optional<double> target_min_;
  std::optional<double> target_max_;
  std::string cast_integer_;
  bool classification_ = false;
  // Under selectAll, each Segment's result by the Segment's id.
  struct SegmentResult {
    std::string selected;             // 0/1 column: the Segment's predicate is TRUE
    std::vector<std::string> values;  // the prediction, or one probability per class
    std::optional<DerivedOutput> entity;  // a TreeModel's entityId, when an OutputField asks for it
  };
  bool select_all_ = false;
  std::map<std::string, SegmentResult, std::less<>> segment_results_;
  pmml_internal::ModelBuilder build_{at_, scope_, pipeline_};
  friend class TreeLowering;
};

// MissingSplit singles out a missing number with a split at -DBL_MAX, which
// in float precision rounds to -inf and no longer separates missing values
// from present ones; such splits move to a 0/1 is_missing helper column, as
// for categories (present values go left).
void Importer::SingleOutMissingInFloat(TreeEnsembleModel& ensemble) {
  if (ensemble.precision != NumericPrecision::kFloat32) return;
  for (Tree& tree : ensemble.trees) {
    for (size_t i = 0; i < tree.left.size(); ++i) {
      if (tree.left[i] < 0 || tree.default_left[i] != 1 ||
          tree.threshold[i] != -std::numeric_limits<double>::max()) {
        continue;
      }
      const std::string column = pipeline_.features[static_cast<size_t>(tree.feature[i])];
      const std::string helper =
          AddHelperColumn("is_missing(" + column + ")", "is_missing(" + pmml_internal::QuoteColumn(column) + ")");
      tree.feature[i] = FeatureIndex(helper);
      tree.threshold[i] = 0.5;
      tree.default_left[i] = 0;
      std::swap(tree.left[i], tree.right[i]);
    }
  }
}

const ScopeField* Importer::ColumnField(const std::string& column) const {
  for (const auto& [name, field] : scope_.fields) {
    if (field.column == column) return &field;
  }
  return nullptr;
}

Status Importer::ReadInputs(const pugi::xml_node& model) {
  const pugi::xml_node schema = FirstChild(model, "MiningSchema");
  if (!schema) return at_.Invalid(model, "missing MiningSchema");
  for (const pugi::xml_node& mining_field : Children(schema, "MiningField")) {
    const std::optional<std::string> name = Attribute(mining_field, "name");
    if (!name) return at_.Invalid(mining_field, "missing attribute 'name'");
    const auto data = dictionary_.find(*name);
    if (data == dictionary_.end()) {
      return at_.Invalid(mining_field, "field " + QuoteString(*name) + " is not in the DataDictionary");
    }
    const std::string usage = Attribute(mining_field, "usageType").value_or("active");
    if (usage == "predicted" || usage == "target") {
      if (usage == "target") RETURN_IF_ERROR(RequireVersion(at_, mining_field, version_, 4, 3, "usageType target"));
      if (!target_.name.empty()) return at_.Unsupported(mining_field, "more than one target field");
      target_.name = *name;
      continue;
    }
    if (usage == "supplementary" || usage == "frequencyWeight" || usage == "analysisWeight") continue;
    if (usage != "active") return at_.Unsupported(mining_field, "usageType " + QuoteString(usage));
    ASSIGN_OR_RETURN(InputField field, MakeInputField(at_, version_, data->second, mining_field));
    if (scope_.Find(field.name) != nullptr) {
      return at_.Invalid(mining_field, "field " + QuoteString(field.name) + " is listed twice");
    }
    ScopeField visible;
    visible.column = field.name;
    visible.type = field.type == FieldType::kCategory  ? expr::Type::kString
                   : field.type == FieldType::kBoolean ? expr::Type::kBoolean
                                                        : expr::Type::kNumber;
    visible.integral = field.type == FieldType::kInteger;
    visible.ordinal = Attribute(mining_field, "optype").value_or(data->second.optype) == "ordinal";
    visible.levels = field.levels;
    visible.may_be_missing =
        field.on_missing.kind == ValuePolicyKind::kMissing || field.on_invalid.kind == ValuePolicyKind::kMissing;
    visible.unchecked = Attribute(mining_field, "invalidValueTreatment") == "asIs";
    scope_.columns.insert(field.name);
    if (data->second.data_type == "float") {
      visible.column = AddInputColumn(field.name + "#float", "float32(" + pmml_internal::QuoteColumn(field.name) + ")");
    }
    RETURN_IF_ERROR(TreatOutliers(mining_field, field, visible));
    scope_.fields.emplace(field.name, std::move(visible));
    pipeline_.inputs.push_back(std::move(field));
  }
  return Status::Ok();
}

std::string Importer::AddInputColumn(const std::string& base, const std::string& expression) {
  const std::string column = scope_.FreshColumn(base);
  scope_.columns.insert(column);
  pipeline_.transforms.push_back(DeriveTransform{column, expression});
  return column;
}

// MiningField outliers: a value below lowValue or above highValue is
// treated as missing (asMissingValues, so the missingValueReplacement
// applies to it) or set to that bound (asExtremeValues). A derived column
// does it, and the model reads that column; the missing-value replacement
// moves into it, so that an outlier replaced and a missing value replaced
// are the same value and a replacement is never itself treated as an
// outlier.
Status Importer::TreatOutliers(const pugi::xml_node& mining_field, InputField& field, ScopeField& visible) {
  const std::string outliers = Attribute(mining_field, "outliers").value_or("asIs");
  if (outliers == "asIs") return Status::Ok();
  if (outliers != "asMissingValues" && outliers != "asExtremeValues") {
    return at_.Invalid(mining_field, "unknown outlier treatment " + QuoteString(outliers));
  }
  if (field.type != FieldType::kNumber && field.type != FieldType::kInteger) {
    return at_.Invalid(mining_field, "outlier treatment " + QuoteString(outliers) + " on a field that is not a number");
  }
  std::optional<double> low;
  std::optional<double> high;
  if (Attribute(mining_field, "lowValue")) {
    ASSIGN_OR_RETURN(low, pmml_internal::NumberAttribute(at_, mining_field, "lowValue", std::nullopt));
  }
  if (Attribute(mining_field, "highValue")) {
    ASSIGN_OR_RETURN(high, pmml_internal::NumberAttribute(at_, mining_field, "highValue", std::nullopt));
  }
  if (!low && !high) {
    return at_.Invalid(mining_field, "outlier treatment " + QuoteString(outliers) + " needs lowValue or highValue");
  }
  if (low && high && *low > *high) return at_.Invalid(mining_field, "lowValue is above highValue");
  if (field.on_invalid.kind == ValuePolicyKind::kReplace &&
      (field.on_missing.kind != ValuePolicyKind::kReplace ||
       field.on_invalid.replacement != field.on_missing.replacement)) {
    return at_.Unsupported(mining_field, "an outlier treatment with invalidValueTreatment asValue");
  }
  std::optional<double> replacement;
  if (field.on_missing.kind == ValuePolicyKind::kReplace) {
    replacement = std::get<double>(field.on_missing.replacement);
    field.on_missing = ValuePolicy{ValuePolicyKind::kMissing, 0.0};
    if (field.on_invalid.kind == ValuePolicyKind::kReplace) field.on_invalid = field.on_missing;  // asMissing
  }
  const std::string x = pmml_internal::QuoteColumn(visible.column);
  const std::string missing = replacement ? pmml_internal::NumberLiteral(*replacement) : "(0 / 0)";
  const std::string present = replacement ? "coalesce(" + x + ", " + missing + ")" : x;
  std::string expression = present;
  const bool as_missing = outliers == "asMissingValues";
  if (high) {
    expression = "(if " + x + " > " + pmml_internal::NumberLiteral(*high) + " then " +
                 (as_missing ? missing : pmml_internal::NumberLiteral(*high)) + " else " + expression + ")";
  }
  if (low) {
    expression = "(if " + x + " < " + pmml_internal::NumberLiteral(*low) + " then " +
                 (as_missing ? missing : pmml_internal::NumberLiteral(*low)) + " else " + expression + ")";
  }
  visible.column = AddInputColumn(field.name + "#outliers", expression);
  // A bound or replacement with a fraction makes an integer field's values
  // fractional.
  for (const std::optional<double>& value : {low, high, replacement}) {
    if (value && *value != std::floor(*value)) visible.integral = false;
  }
  visible.may_be_missing = !replacement && (as_missing || visible.may_be_missing);
  return Status::Ok();
}

Status Importer::ReadTransformations(const pugi::xml_node& container) {
  if (!container) return Status::Ok();
  if (LocalName(container) == "TransformationDictionary") {
    RETURN_IF_ERROR(pmml_internal::AddDefineFunctions(at_, scope_, container));
  } else if (const pugi::xml_node function = FirstChild(container, "DefineFunction")) {
    return at_.Invalid(function, "DefineFunction belongs in the TransformationDictionary");
  }
  for (const pugi::xml_node& derived : Children(container, "DerivedField")) {
    ASSIGN_OR_RETURN(const bool added, AddLog1pField(derived));
    if (added) continue;
    RETURN_IF_ERROR(pmml_internal::AddDerivedField(at_, scope_, derived, pipeline_.transforms));
  }
  return Status::Ok();
}

// PMML 4.4's ln1p over a numeric field, as the exporter writes the IR's
// log1p transform: a DerivedField whose body is exactly Apply ln1p(FieldRef)
// becomes that transform. Any other ln1p is an expression (the language's
// log1p, pmml_expr.cc).
Result<bool> Importer::AddLog1pField(const pugi::xml_node& derived) {
  std::vector<pugi::xml_node> body;
  for (pugi::xml_node child = derived.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && LocalName(child) != "Extension") body.push_back(child);
  }
  if (body.size() != 1 || LocalName(body[0]) != "Apply" || Attribute(body[0], "function") != "ln1p") return false;
  std::vector<pugi::xml_node> args;
  for (pugi::xml_node child = body[0].first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && LocalName(child) != "Extension") args.push_back(child);
  }
  const std::optional<std::string> name = Attribute(derived, "name");
  for (const char* attribute : {"mapMissingTo", "defaultValue", "invalidValueTreatment"}) {
    if (Attribute(body[0], attribute)) return false;
  }
  if (args.size() != 1 || LocalName(args[0]) != "FieldRef" || !name || name->empty() ||
      Attribute(args[0], "mapMissingTo") || Attribute(derived, "dataType").value_or("double") != "double") {
    return false;
  }
  if (scope_.Find(*name) != nullptr) return at_.Invalid(derived, "field " + QuoteString(*name) + " is defined twice");
  ASSIGN_OR_RETURN(const ScopeField* input, Field(args[0]));
  if (input->symbolic || input->type != expr::Type::kNumber) return at_.Invalid(args[0], "the field is not numeric");
  ScopeField field;
  field.column = scope_.FreshColumn(*name);
  scope_.columns.insert(field.column);
  pipeline_.transforms.push_back(MathTransform{input->column, field.column, MathFunction::kLog1p, 1.0});
  scope_.fields.emplace(*name, std::move(field));
  return true;
}

Status Importer::ReadTargets(const pugi::xml_node& model) {
  const pugi::xml_node targets = FirstChild(model, "Targets");
  if (!targets) return Status::Ok();
  for (const pugi::xml_node& target : Children(targets, "Target")) {
    const std::string field = Attribute(target, "field").value_or(target_.name);
    if (field != target_.name) return at_.Unsupported(target, "a Target for a field other than the model's target");
    // min, max and castInteger apply to regressions only (PMML 4.4, Targets):
    // the prediction is clamped, then rescaled, then cast.
    for (const char* bound : {"min", "max"}) {
      const std::optional<std::string> text = Attribute(target, bound);
      if (!text) continue;
      if (classification_) return at_.Unsupported(target, std::string(bound) + " on a classifier's target");
      const std::optional<double> value = ParseDouble(*text);
      if (!value) return at_.Invalid(target, std::string(bound) + " is not a finite number");
      (std::string_view(bound) == "min" ? target_min_ : target_max_) = *value;
    }
    if (target_min_ && target_max_ && *target_min_ > *target_max_) {
      return at_.Invalid(target, "min " + pmml_internal::NumberLiteral(*target_min_) + " is above max " +
                                     pmml_internal::NumberLiteral(*target_max_));
    }
    if (const std::optional<std::string> cast = Attribute(target, "castInteger")) {
      if (classification_) return at_.Unsupported(target, "castInteger on a classifier's target");
      if (*cast != "round" && *cast != "ceiling" && *cast != "floor") {
        return at_.Invalid(target, "castInteger " + QuoteString(*cast) + " (expected round, ceiling or floor)");
      }
      cast_integer_ = *cast;
    }
    for (const pugi::xml_node& value : Children(target, "TargetValue")) {
      if (Attribute(value, "defaultValue") || Attribute(value, "priorProbability") || FirstChild(value, "Partition")) {
        return at_.Unsupported(value, "default values and prior probabilities of a target");
      }
    }
    if (const std::optional<std::string> text = Attribute(target, "rescaleFactor")) {
      const std::optional<double> value = ParseDouble(*text);
      if (!value) return at_.Invalid(target, "rescaleFactor is not a finite number");
      target_.rescale_factor = *value;
      target_.rescaled = true;
    }
    if (const std::optional<std::string> text = Attribute(target, "rescaleConstant")) {
      const std::optional<double> value = ParseDouble(*text);
      if (!value) return at_.Invalid(target, "rescaleConstant is not a finite number");
      target_.rescale_constant = *value;
      target_.rescaled = true;
    }
    if (target_.rescaled && classification_) return at_.Unsupported(target, "rescaling a classifier's output");
    // Rescaling is folded into the model, so the model's prediction is
    // already rescaled; clamping must come before it.
    if (target_.rescaled && (target_min_ || target_max_)) {
      return at_.Unsupported(target, "min/max together with rescaleFactor or rescaleConstant");
    }
  }
  pipeline_.post.prediction_expression = TargetPredictionExpression(target_min_, target_max_, cast_integer_);
  return Status::Ok();
}

// Checks the Output element and names the pipeline's outputs as the document
// does: the predicted value (or class) under its predictedValue OutputField's
// name, else the target field's; each class probability under its
// OutputField's name, else probability_<class>.
Status Importer::CheckOutput(const pugi::xml_node& model) {
  if (LocalName(model) == "ClusteringModel") return Status::Ok();  // named by pmml_clustering.cc
  const std::vector<std::string>& classes = pipeline_.model.classes;
  std::string predicted = target_.name;
  std::vector<std::string> probabilities;
  for (const std::string& c : classes) probabilities.push_back("probability_" + c);
  bool named_probability = false;
  std::vector<pugi::xml_node> reason_fields;
  std::vector<pugi::xml_node> derived_fields;
  std::vector<pugi::xml_node> rule_fields;
  if (const pugi::xml_node output = FirstChild(model, "Output")) {
    for (const pugi::xml_node& field : Children(output, "OutputField")) {
      const std::string feature = Attribute(field, "feature").value_or("predictedValue");
      const std::optional<std::string> name = Attribute(field, "name");
      if (!name) return at_.Invalid(field, "missing attribute 'name'");
      if (Attribute(field, "segmentId")) {
        if (!select_all_) {
          return at_.Unsupported(field, "a segmentId OutputField outside a MiningModel with multipleModelMethod "
                                        "selectAll");
        }
        RETURN_IF_ERROR(AddSegmentOutput(field));
        continue;
      }
      if (select_all_ &&
          (feature == "predictedValue" || feature == "predictedDisplayValue" || feature == "probability")) {
        return at_.Unsupported(field, "output feature " + QuoteString(feature) +
                                          " without a segmentId under multipleModelMethod selectAll (the "
                                          "MiningModel combines no result of its own; name a Segment's with "
                                          "segmentId)");
      }
      if (pmml_rules::IsRuleField(field)) {
        rule_fields.push_back(field);  // read last: rules see every output
        continue;
      }
      // A RuleSet's confidence and entityId are derived outputs of its lowering.
      if (LocalName(model) == "RuleSetModel" && pmml_internal::IsRuleSetOutput(feature)) continue;
      // A text-valued transformedValue of a binary classifier is its
      // decision threshold; numbers and booleans are derived outputs.
      const bool text = Attribute(field, "dataType").value_or("string") == "string";
      if (feature == "transformedValue" && text && classification_ && named_probability && FirstChild(field, "Apply")) {
        ASSIGN_OR_RETURN(pipeline_.post.threshold, ReadDecisionThreshold(field, probabilities));
        predicted = *name;
        continue;
      }
      if (feature == "entityId" && LocalName(model) == "TreeModel") {
        derived_fields.push_back(field);  // a category output, lowered with the derived outputs
        continue;
      }
      if (feature == "entityId" && LocalName(model) == "MiningModel") {
        return at_.Unsupported(field, "entityId of a MiningModel (the ids of its Segments are not read as an "
                                      "output; a TreeModel's entityId is)");
      }
      if (feature == "transformedValue" || feature == "decision") {
        derived_fields.push_back(field);  // lowered after the loop, once the outputs are named
        continue;
      }
      if (FirstChild(field, "Apply") || FirstChild(field, "FieldRef") || FirstChild(field, "Constant")) {
        return at_.Unsupported(field, "an OutputField computed by an expression");
      }
      if (feature == "predictedValue") {
        predicted = *name;
        continue;
      }
      if (feature == "predictedDisplayValue") continue;
      if (feature == "probability") {
        if (!classification_) return at_.Invalid(field, "a probability output of a regression model");
        const std::optional<std::string> value = Attribute(field, "value");
        if (!value) continue;  // the predicted class's probability: no column of its own
        const auto it = std::find(classes.begin(), classes.end(), *value);
        if (it == classes.end()) {
          return at_.Invalid(field, "probability of " + QuoteString(*value) + ", which is not a class of the model");
        }
        probabilities[static_cast<size_t>(it - classes.begin())] = *name;
        named_probability = true;
        continue;
      }
      if (feature == "reasonCode" && LocalName(model) == "Scorecard") {
        reason_fields.push_back(field);  // named after the loop, by rank
        continue;
      }
      return at_.Unsupported(field, "output feature " + QuoteString(feature) +
                                        " (supported: predictedValue, predictedDisplayValue, probability)");
    }
  }
  RETURN_IF_ERROR(pmml_internal::NameReasonCodeOutputs(at_, model, reason_fields, pipeline_.output_names));
  if (classification_) {
    pipeline_.output_names.label = predicted;
    if (named_probability) pipeline_.output_names.probabilities = std::move(probabilities);
  } else {
    pipeline_.output_names.value = predicted;
  }
  Scope outputs;
  RETURN_IF_ERROR(AddDerivedOutputs(derived_fields, &outputs));
  return ReadBusinessRules(rule_fields, outputs);
}

// Each transformedValue OutputField becomes a derived output of the same
// name. Its expression sees the fields, the model's value outputs under
// their names (a regression's also under the target field's name) and the
// transformedValue fields before it.
Status Importer::AddDerivedOutputs(const std::vector<pugi::xml_node>& fields, Scope* visible) {
  Scope& scope = *visible;
  scope = scope_;
  auto add = [&](const std::string& name, const std::string& column, expr::Type type) {
    ScopeField field;
    field.column = column;
    field.type = type;
    scope.fields.insert_or_assign(name, std::move(field));
  };
  // A category output (an entityId, a decision): a string column over its
  // categories that later fields may read.
  auto add_category_output = [&](const std::string& name, DerivedOutput output) {
    ScopeField field;
    field.column = name;
    field.type = expr::Type::kString;
    field.levels = output.categories;
    scope.fields.insert_or_assign(name, std::move(field));
    pipeline_.post.outputs.push_back(std::move(output));
  };
  const std::vector<std::string> values = ValueColumnNames(pipeline_);
  for (const std::string& value : values) add(value, value, expr::Type::kNumber);
  if (!classification_ && !target_.name.empty() && scope.Find(target_.name) == nullptr) {
    add(target_.name, values[0], expr::Type::kNumber);
  }
  for (const pugi::xml_node& field : fields) {
    const std::string name = *Attribute(field, "name");
    if (Attribute(field, "feature") == "entityId") {
      // The OutputField's Output belongs to the TreeModel (CheckOutput).
      ASSIGN_OR_RETURN(DerivedOutput entity,
                       TreeEntityId(field, field.parent().parent(),
                                    !std::holds_alternative<TreeEnsembleModel>(pipeline_.model.body)));
      add_category_output(name, std::move(entity));
      continue;
    }
    if (Attribute(field, "feature") == "decision") {
      ASSIGN_OR_RETURN(DerivedOutput decision, LowerDecision(field, scope));
      add_category_output(name, std::move(decision));
      continue;
    }
    const std::vector<pugi::xml_node> body = pmml_internal::ElementChildren(field);
    if (body.size() != 1) return at_.Invalid(field, "a transformedValue OutputField needs one expression");
    const std::string data_type = Attribute(field, "dataType").value_or("double");
    if (data_type == "string") {
      return at_.Unsupported(field, "a transformedValue OutputField of dataType string (derived outputs are "
                                    "numbers or booleans)");
    }
    ASSIGN_OR_RETURN(pmml_internal::Lowered value, pmml_internal::LowerExpression(at_, scope, body[0]));
    if (value.symbolic || value.type == expr::Type::kString) {
      return at_.Unsupported(field, "a transformedValue OutputField that gives text (derived outputs are numbers "
                                    "or booleans)");
    }
    if (data_type == "boolean" && value.type != expr::Type::kBoolean) {
      return at_.Unsupported(field, "a boolean OutputField computed from a number");
    }
    if (data_type != "boolean" && value.type == expr::Type::kBoolean) {
      return at_.Unsupported(field, "dataType " + QuoteString(data_type) + " over a boolean value");
    }
    if (data_type == "integer" && !value.integral) {
      return at_.Unsupported(field, "dataType integer over a value that may have a fraction (PMML would convert it)");
    }
    pipeline_.post.outputs.push_back(DerivedOutput{name, value.text});
    add(name, name, value.type);
  }
  return Status::Ok();
}

Status Importer::ReadBusinessRules(const std::vector<pugi::xml_node>& fields, const Scope& outputs) {
  if (fields.empty()) return Status::Ok();
  // Rules read `score`, not the value columns: the output field holding the
  // score (the prediction, or the probability of the second class) is it.
  Scope scope = outputs;
  const std::vector<std::string> values = ValueColumnNames(pipeline_);
  for (const std::string& value : values) scope.fields.erase(value);
  if (!classification_ && !target_.name.empty()) scope.fields.erase(target_.name);
  if (!classification_ || values.size() == 2) {
    ScopeField score;
    score.column = "score";
    score.type = expr::Type::kNumber;
    scope.fields.insert_or_assign(classification_ ? values[1] : values[0], std::move(score));
  }
  pmml_rules::ModelOutputs model;
  model.classification = classification_;
  model.classes = pipeline_.model.classes;
  if (classification_) model.probability_fields = values;
  model.threshold = pipeline_.post.threshold.value_or(0.5);
  return pmml_rules::ReadRules(at_, scope, model, fields, &pipeline_.post.rules);
}

// A decision OutputField: its expression, a tree of `if`s whose leaves are
// Constants, picks one of the Decisions (every value it can give is listed
// there); the derived output's expression gives the picked value's position
// in the list. PMML's `if` is missing when its condition is, so a case holds
// only when every condition on its path is true; when none holds the
// position is -1, which is missing.
Result<DerivedOutput> Importer::LowerDecision(const pugi::xml_node& field, const Scope& scope) {
  DerivedOutput output;
  output.name = *Attribute(field, "name");
  std::vector<pugi::xml_node> body;
  for (const pugi::xml_node& child : pmml_internal::ElementChildren(field)) {
    if (LocalName(child) != "Decisions") body.push_back(child);
  }
  if (body.size() != 1) return at_.Invalid(field, "a decision OutputField needs one expression");
  const pugi::xml_node decisions = FirstChild(field, "Decisions");
  if (!decisions) return at_.Invalid(field, "a decision OutputField needs its Decisions");
  for (const pugi::xml_node& decision : Children(decisions, "Decision")) {
    const std::optional<std::string> value = Attribute(decision, "value");
    if (!value || value->empty()) return at_.Invalid(decision, "missing attribute 'value'");
    if (std::find(output.categories.begin(), output.categories.end(), *value) != output.categories.end()) {
      return at_.Invalid(decision, "the decision " + QuoteString(*value) + " is listed twice");
    }
    output.categories.push_back(*value);
  }
  if (output.categories.empty()) return at_.Invalid(decisions, "no Decision");
  std::vector<std::pair<std::string, std::string>> cases;
  RETURN_IF_ERROR(AddDecisionCases(body[0], scope, output.categories, "true", cases));
  std::string position = "-1";
  for (auto it = cases.rbegin(); it != cases.rend(); ++it) {
    const size_t index = static_cast<size_t>(
        std::find(output.categories.begin(), output.categories.end(), it->second) - output.categories.begin());
    position = "(if " + it->first + " then " + std::to_string(index) + " else " + position + ")";
  }
  output.expression = std::move(position);
  return output;
}

// Appends the (condition, value) cases of a decision expression under
// `guard`, in order.
Status Importer::AddDecisionCases(const pugi::xml_node& node, const Scope& scope,
                                  const std::vector<std::string>& decisions, const std::string& guard,
                                  std::vector<std::pair<std::string, std::string>>& cases) {
  if (LocalName(node) == "Constant") {
    const std::string value = node.child_value();
    // Decisions list every value the decision can take.
    if (std::find(decisions.begin(), decisions.end(), value) == decisions.end()) {
      return at_.Invalid(node, "the decision " + QuoteString(value) + " is not in Decisions");
    }
    cases.emplace_back(guard, value);
    return Status::Ok();
  }
  if (LocalName(node) != "Apply" || Attribute(node, "function") != "if") {
    return at_.Unsupported(node, "a decision computed other than by 'if' over Constants");
  }
  const std::vector<pugi::xml_node> args = pmml_internal::ElementChildren(node);
  if (args.size() != 2 && args.size() != 3) return at_.Invalid(node, "'if' takes 2 or 3 arguments");
  ASSIGN_OR_RETURN(pmml_internal::Lowered condition, pmml_internal::LowerExpression(at_, scope, args[0]));
  if (condition.type != expr::Type::kBoolean) return at_.Invalid(args[0], "the condition of 'if' is not a boolean");
  const std::string c = "(" + condition.text + ")";
  RETURN_IF_ERROR(AddDecisionCases(args[1], scope, decisions, "(" + guard + " and " + c + ")", cases));
  if (args.size() == 3) {
    RETURN_IF_ERROR(AddDecisionCases(args[2], scope, decisions, "(" + guard + " and not " + c + ")", cases));
  }
  return Status::Ok();
}

// A TreeModel's entityId OutputField: the id of the Node that gives the
// prediction, as a category output over the Nodes' ids (PMML leaves ids
// optional; without one the output has no value to give, so every Node
// needs one). The tree is lowered a second time, from a copy whose Node
// scores are the Nodes' positions in document order, as a regression: its
// leaves then hold the position of the Node that PMML's walk ends at (the
// same walk, missing values and strategies included), and the tree spelled
// as an expression gives the category's position.
Result<DerivedOutput> Importer::TreeEntityId(const pugi::xml_node& field, const pugi::xml_node& tree_model,
                                             std::optional<bool> as_columns) {
  const std::string strategy = Attribute(tree_model, "missingValueStrategy").value_or("none");
  if (strategy != "none" && strategy != "defaultChild" && strategy != "lastPrediction" &&
      strategy != "nullPrediction") {
    return at_.Unsupported(field, "entityId with missingValueStrategy " + QuoteString(strategy) +
                                      " (the prediction may combine several Nodes)");
  }
  DerivedOutput output;
  output.name = *Attribute(field, "name");
  pugi::xml_document scratch;
  const pugi::xml_node copy = scratch.append_copy(tree_model);
  std::vector<std::pair<pugi::xml_node, pugi::xml_node>> pending = {{tree_model, copy}};
  while (!pending.empty()) {  // document order: a Node before its children, children in order
    auto [original, copied] = pending.back();
    pending.pop_back();
    if (LocalName(original) == "Node") {
      const std::optional<std::string> id = Attribute(original, "id");
      if (!id || id->empty()) {
        return at_.Unsupported(original, "entityId of a tree with a Node without an id (the output is the winning "
                                         "Node's id)");
      }
      if (std::find(output.categories.begin(), output.categories.end(), *id) != output.categories.end()) {
        return at_.Invalid(original, "Node id " + QuoteString(*id) + " is used twice");
      }
      pugi::xml_attribute score = copied.attribute("score");
      if (!score) score = copied.append_attribute("score");
      score.set_value(std::to_string(output.categories.size()).c_str());
      output.categories.push_back(*id);
    }
    std::vector<std::pair<pugi::xml_node, pugi::xml_node>> children;
    for (pugi::xml_node a = original.first_child(), b = copied.first_child(); a && b;
         a = a.next_sibling(), b = b.next_sibling()) {
      if (a.type() == pugi::node_element && LocalName(a) == "Node") children.emplace_back(a, b);
    }
    pending.insert(pending.end(), children.rbegin(), children.rend());
  }
  copy.attribute("functionName").set_value("regression");
  std::string column;
  Result<Tree> positions = Tree{};
  if (!as_columns.value_or(false)) {
    const bool classification = classification_;
    const size_t budget = budget_;
    pmml_internal::ModelBuilder::Checkpoint checkpoint = build_.Save();
    classification_ = false;
    null_prediction_refused_ = false;
    positions = LowerTree(copy, 1.0, false);
    classification_ = classification;
    if (!as_columns && !positions.ok() && null_prediction_refused_) {
      as_columns = true;
      budget_ = budget;
      build_.Restore(std::move(checkpoint));
    }
  }
  if (as_columns.value_or(false)) {
    // The tree becomes expression columns (a null prediction can happen):
    // so do the positions, missing where PMML gives no prediction.
    ASSIGN_OR_RETURN(const std::vector<std::string> columns, pmml_internal::TreeModelColumns(build_, copy, {}));
    column = columns[0];
  } else {
    RETURN_IF_ERROR(positions.status());
    ASSIGN_OR_RETURN(column,
                     pmml_internal::TreeValueColumn(build_, field, *positions, float_splits_, output.name + " node"));
  }
  output.expression = pmml_internal::QuoteColumn(column);
  return output;
}

// Classes of a classifier from the target's DataField, when it lists them.
Status Importer::ReadClasses(const pugi::xml_node& model) {
  if (target_.name.empty()) return at_.Invalid(model, "a classifier needs a predicted (target) MiningField");
  const DataFieldInfo& data = dictionary_.at(target_.name);
  if (data.valid_values.size() > static_cast<size_t>(kMaxClasses)) return at_.Unsupported(data.element, "too many classes");
  pipeline_.model.classes = data.valid_values;
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// RegressionModel -> GLM
// ---------------------------------------------------------------------------

Status Importer::LowerRegression(const pugi::xml_node& model) {
  const std::vector<pugi::xml_node> tables = Children(model, "RegressionTable");
  if (tables.empty()) return at_.Invalid(model, "missing RegressionTable");
  const std::string method = Attribute(model, "normalizationMethod").value_or("none");
  // Terms: (column -> coefficient) per table, features in first-use order.
  std::vector<std::map<int32_t, double>> rows(tables.size());
  std::vector<double> intercepts;
  for (size_t t = 0; t < tables.size(); ++t) {
    const pugi::xml_node& table = tables[t];
    const std::optional<double> intercept = ParseDouble(Attribute(table, "intercept").value_or(""));
    if (!intercept) return at_.Invalid(table, "missing or non-numeric attribute 'intercept'");
    intercepts.push_back(*intercept);
    auto add_term = [&](const pugi::xml_node& term, const std::string& column) -> Status {
      const std::optional<double> coefficient = ParseDouble(Attribute(term, "coefficient").value_or(""));
      if (!coefficient) return at_.Invalid(term, "missing or non-numeric attribute 'coefficient'");
      const int32_t index = FeatureIndex(column);
      if (rows[t].count(index) != 0) return at_.Unsupported(term, "the same term twice in one table");
      rows[t][index] = *coefficient;
      return Status::Ok();
    };
    for (pugi::xml_node term = table.first_child(); term; term = term.next_sibling()) {
      if (term.type() != pugi::node_element) continue;
      const std::string_view kind = LocalName(term);
      if (kind == "Extension") continue;
      if (kind == "NumericPredictor") {
        ASSIGN_OR_RETURN(const ScopeField* field, Field(term, "name"));
        if (field->type != expr::Type::kNumber) return at_.Invalid(term, "the field is not numeric");
        const std::optional<double> exponent = ParseDouble(Attribute(term, "exponent").value_or("1"));
        if (!exponent) return at_.Invalid(term, "exponent is not a number");
        std::string column = field->column;
        if (*exponent != 1.0) {
          column = AddHelperColumn(field->column + "^" + pmml_internal::NumberLiteral(*exponent),
                                   "pow(" + pmml_internal::QuoteColumn(field->column) + ", " +
                                       pmml_internal::NumberLiteral(*exponent) + ")");
        }
        RETURN_IF_ERROR(add_term(term, column));
      } else if (kind == "CategoricalPredictor") {
        ASSIGN_OR_RETURN(const ScopeField* field, Field(term, "name"));
        const std::optional<std::string> value = Attribute(term, "value");
        if (!value) return at_.Invalid(term, "missing attribute 'value'");
        ASSIGN_OR_RETURN(std::string condition, pmml_internal::EqualsText(at_, term, *field, *value));
        // A boolean column: 1 when equal, 0 when not, missing when x is.
        const std::string base = (field->symbolic ? *Attribute(term, "name") : field->column) + "=" + *value;
        RETURN_IF_ERROR(add_term(term, AddHelperColumn(base, condition)));
      } else if (kind == "PredictorTerm") {
        std::string product;
        std::string name;
        for (const pugi::xml_node& ref : Children(term, "FieldRef")) {
          ASSIGN_OR_RETURN(const ScopeField* field, Field(ref));
          if (field->type != expr::Type::kNumber) return at_.Invalid(ref, "the field is not numeric");
          product += (product.empty() ? "" : " * ") + pmml_internal::QuoteColumn(field->column);
          name += (name.empty() ? "" : "*") + field->column;
        }
        if (product.empty()) return at_.Invalid(term, "a PredictorTerm without FieldRef");
        RETURN_IF_ERROR(add_term(term, AddHelperColumn(name, product)));
      } else {
        return at_.Unsupported(term, "unknown RegressionTable term");
      }
    }
  }
  GlmModel glm;
  auto fill = [&](const std::vector<size_t>& which) {
    const size_t features = pipeline_.features.size();
    glm.coefficients.assign(which.size() * features, 0.0);
    glm.intercepts.clear();
    for (size_t r = 0; r < which.size(); ++r) {
      glm.intercepts.push_back(intercepts[which[r]]);
      for (const auto& [index, coefficient] : rows[which[r]]) {
        glm.coefficients[r * features + static_cast<size_t>(index)] = coefficient;
      }
    }
  };
  if (!classification_) {
    if (tables.size() != 1) return at_.Invalid(tables[1], "a regression model has one RegressionTable");
    if (method == "none") {
      glm.link = LinkFunction::kIdentity;
    } else if (method == "exp") {
      glm.link = LinkFunction::kLog;
    } else if (method == "softmax" || method == "logit") {
      glm.link = LinkFunction::kLogit;
    } else if (method == "probit") {
      glm.link = LinkFunction::kProbit;
    } else if (method == "cloglog") {
      glm.link = LinkFunction::kCloglog;
    } else {
      return at_.Unsupported(model, "normalizationMethod " + QuoteString(method) + " (the IR has no such link)");
    }
    fill({0});
    if (target_.rescaled) {
      if (glm.link != LinkFunction::kIdentity) {
        return at_.Unsupported(FirstChild(model, "Targets"), "rescaling a regression with a non-identity normalization");
      }
      for (double& c : glm.coefficients) c *= target_.rescale_factor;
      glm.intercepts[0] = glm.intercepts[0] * target_.rescale_factor + target_.rescale_constant;
    }
    pipeline_.model.task = Task::kRegression;
    pipeline_.model.body = std::move(glm);
    return Status::Ok();
  }
  std::vector<std::string> categories;
  for (const pugi::xml_node& table : tables) {
    const std::optional<std::string> category = Attribute(table, "targetCategory");
    if (!category) return at_.Invalid(table, "a classifier's RegressionTable needs targetCategory");
    if (std::find(categories.begin(), categories.end(), *category) != categories.end()) {
      return at_.Invalid(table, "targetCategory " + QuoteString(*category) + " appears twice");
    }
    categories.push_back(*category);
  }
  if (tables.size() < 2) return at_.Invalid(model, "a classifier needs a RegressionTable per class");
  std::vector<std::string>& classes = pipeline_.model.classes;
  if (!classes.empty()) {
    std::vector<std::string> sorted_classes = classes;
    std::vector<std::string> sorted_categories = categories;
    std::sort(sorted_classes.begin(), sorted_classes.end());
    std::sort(sorted_categories.begin(), sorted_categories.end());
    if (sorted_classes != sorted_categories) {
      return at_.Unsupported(model, "the RegressionTables' categories differ from the target's values");
    }
  }
  if (method == "softmax") {
    glm.family = GlmFamily::kMultinomial;
    glm.link = LinkFunction::kIdentity;
    std::vector<size_t> all(tables.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    fill(all);
    classes = categories;
  } else if (method == "logit" || method == "probit" || method == "cloglog" || method == "none") {
    // PMML: p(first) = inverse link of its table, p(second) = 1 - p(first);
    // the second table is not used. The IR's binomial GLM gives classes[1]
    // the inverse link, hence the order.
    if (tables.size() != 2) {
      return at_.Unsupported(model, "normalizationMethod " + QuoteString(method) + " with more than two classes");
    }
    glm.family = GlmFamily::kBinomial;
    glm.link = method == "logit"    ? LinkFunction::kLogit
               : method == "probit" ? LinkFunction::kProbit
               : method == "cloglog" ? LinkFunction::kCloglog
                                      : LinkFunction::kIdentity;
    fill({0});
    classes = {categories[1], categories[0]};
  } else {
    return at_.Unsupported(model, "normalizationMethod " + QuoteString(method) + " for a classifier");
  }
  pipeline_.model.task = Task::kClassification;
  pipeline_.model.body = std::move(glm);
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// TreeModel -> binary trees
// ---------------------------------------------------------------------------

// A parsed predicate: builds the subtree that routes to `on_true`,
// `on_false` or `on_unknown` (PMML's three-valued predicate logic).
using Predicate = std::function<Result<int32_t>(const PathFacts&, const Cont& on_true, const Cont& on_false,
                                                const Cont& on_unknown)>;

class TreeLowering {
 public:
  TreeLowering(Importer& importer, TreeBuilder& builder, bool unknown_is_false)
      : importer_(importer), at_(importer.at_), builder_(builder), unknown_is_false_(unknown_is_false) {}

  Result<Predicate> ParsePredicate(const pugi::xml_node& node);

  // Routes on `test`, with a missing value going to `on_missing`.
  Result<int32_t> Split(const Test& test, const PathFacts& facts, const Cont& left, const Cont& right,
                        const Cont& on_missing);

 private:
  Result<int32_t> MissingSplit(int32_t feature, const PathFacts& facts, const Cont& on_missing,
                               const Cont& on_present);
  Result<Predicate> ParseSimple(const pugi::xml_node& node);
  Predicate HelperPredicate(const std::string& base, const std::string& condition, bool never_missing);
  Result<Predicate> ParseSet(const pugi::xml_node& node);
  Result<Predicate> ParseCompound(const pugi::xml_node& node);

  Importer& importer_;
  const Locator& at_;
  TreeBuilder& builder_;
  bool unknown_is_false_;
};

Result<int32_t> TreeLowering::MissingSplit(int32_t feature, const PathFacts& facts, const Cont& on_missing,
                                           const Cont& on_present) {
  const auto known = facts.find(feature);
  if (known != facts.end() && known->second.missing == 1) return on_missing(facts);
  if (known != facts.end() && known->second.missing == 0) return on_present(facts);
  const std::string& column = importer_.pipeline_.features[static_cast<size_t>(feature)];
  const ScopeField* field = importer_.ColumnField(column);
  PathFacts if_missing = facts;
  if_missing[feature].missing = 1;
  PathFacts if_present = facts;
  if_present[feature].missing = 0;
  if (field != nullptr && !field->may_be_missing) return on_present(if_present);
  ASSIGN_OR_RETURN(const int32_t node, builder_.AddNode());
  if (field != nullptr && field->type == expr::Type::kString) {
    // Categorical splits cannot single out missing values; a 0/1 helper
    // column can.
    const std::string helper =
        importer_.AddHelperColumn("is_missing(" + column + ")", "is_missing(" + pmml_internal::QuoteColumn(column) + ")");
    builder_.tree.feature[static_cast<size_t>(node)] = importer_.FeatureIndex(helper);
    builder_.tree.threshold[static_cast<size_t>(node)] = 0.5;
    ASSIGN_OR_RETURN(const int32_t present, on_present(if_present));
    ASSIGN_OR_RETURN(const int32_t missing, on_missing(if_missing));
    builder_.tree.left[static_cast<size_t>(node)] = present;
    builder_.tree.right[static_cast<size_t>(node)] = missing;
    return node;
  }
  // Every present value is finite, so none is below -DBL_MAX: only a missing
  // value goes left.
  builder_.tree.feature[static_cast<size_t>(node)] = feature;
  builder_.tree.threshold[static_cast<size_t>(node)] = -std::numeric_limits<double>::max();
  builder_.tree.default_left[static_cast<size_t>(node)] = 1;
  ASSIGN_OR_RETURN(const int32_t missing, on_missing(if_missing));
  ASSIGN_OR_RETURN(const int32_t present, on_present(if_present));
  builder_.tree.left[static_cast<size_t>(node)] = missing;
  builder_.tree.right[static_cast<size_t>(node)] = present;
  return node;
}

Result<int32_t> TreeLowering::Split(const Test& test, const PathFacts& facts, const Cont& left, const Cont& right,
                                    const Cont& on_missing) {
  const ScopeField* field = importer_.ColumnField(importer_.pipeline_.features[static_cast<size_t>(test.feature)]);
  FeatureFacts current = facts.count(test.feature) ? facts.at(test.feature) : FeatureFacts();
  if (current.missing == 1) return on_missing(facts);
  if (current.missing == -1 && field != nullptr && !field->may_be_missing) current.missing = 0;
  if (test.categorical && !current.within && field != nullptr && !field->levels.empty()) {
    // A closed category's levels are all it can be.
    current.within = std::set<std::string>(field->levels.begin(), field->levels.end());
  }
  // Range and level facts hold for present values; `missing` says whether
  // the value may still be missing on this path.
  int decided = 0;  // -1: always left, 1: always right (present values)
  if (test.categorical) {
    if (current.within) {
      bool all_in = true;
      bool none_in = true;
      for (const std::string& level : *current.within) {
        if (current.excluded.count(level)) continue;
        (test.levels.count(level) ? none_in : all_in) = false;
      }
      decided = all_in ? -1 : none_in ? 1 : 0;
    }
    if (decided == 0 && std::all_of(test.levels.begin(), test.levels.end(), [&](const std::string& level) {
          return current.excluded.count(level) != 0;
        })) {
      decided = 1;
    }
  } else if (current.high <= test.threshold) {
    decided = -1;
  } else if (current.low >= test.threshold) {
    decided = 1;
  }
  FeatureFacts left_facts = current;
  FeatureFacts right_facts = current;
  if (test.categorical) {
    std::set<std::string> within;
    for (const std::string& level : test.levels) {
      if (!current.within || current.within->count(level)) within.insert(level);
    }
    left_facts.within = std::move(within);
    right_facts.excluded.insert(test.levels.begin(), test.levels.end());
  } else {
    left_facts.high = std::min(current.high, test.threshold);
    right_facts.low = std::max(current.low, test.threshold);
  }
  const bool maybe_missing = current.missing != 0;
  const bool missing_left = maybe_missing && &on_missing == &left;
  const bool missing_right = maybe_missing && &on_missing == &right && !missing_left;
  if (maybe_missing && !missing_left && !missing_right) {
    // Three ways: single out the missing value first.
    const Cont present = [&](const PathFacts& g) { return Split(test, g, left, right, on_missing); };
    return MissingSplit(test.feature, facts, on_missing, present);
  }
  // Present values go by the test; a missing one (if any) with them on the
  // side named by the default direction, so that side keeps missing = -1.
  if (!missing_left) left_facts.missing = 0;
  if (!missing_right) right_facts.missing = 0;
  PathFacts to_left = facts;
  to_left[test.feature] = left_facts;
  PathFacts to_right = facts;
  to_right[test.feature] = right_facts;
  if ((decided == -1 && !missing_right) || (decided == 1 && !missing_left)) {
    return decided == -1 ? left(to_left) : right(to_right);
  }
  if (decided != 0) {
    // Present values all go one way, missing ones the other.
    const Cont& present_side = decided == -1 ? left : right;
    PathFacts present_facts = decided == -1 ? to_left : to_right;
    present_facts[test.feature].missing = 0;
    const Cont present = [&](const PathFacts&) { return present_side(present_facts); };
    return MissingSplit(test.feature, facts, on_missing, present);
  }
  ASSIGN_OR_RETURN(const int32_t node, builder_.AddNode());
  builder_.tree.feature[static_cast<size_t>(node)] = test.feature;
  if (test.categorical) {
    builder_.tree.category_levels[static_cast<size_t>(node)] =
        std::vector<std::string>(test.levels.begin(), test.levels.end());
  } else {
    builder_.tree.threshold[static_cast<size_t>(node)] = test.threshold;
  }
  builder_.tree.default_left[static_cast<size_t>(node)] = missing_left ? 1 : 0;
  ASSIGN_OR_RETURN(const int32_t left_node, left(to_left));
  ASSIGN_OR_RETURN(const int32_t right_node, right(to_right));
  builder_.tree.left[static_cast<size_t>(node)] = left_node;
  builder_.tree.right[static_cast<size_t>(node)] = right_node;
  return node;
}

// A predicate on a string-valued derived field (which has no column): a
// split on a 0/1 helper column holding the condition.
Predicate TreeLowering::HelperPredicate(const std::string& base, const std::string& condition, bool never_missing) {
  const int32_t feature = importer_.FeatureIndex(importer_.AddHelperColumn(base, condition));
  const bool unknown_is_false = unknown_is_false_;
  TreeLowering* self = this;
  return [self, feature, unknown_is_false, never_missing](const PathFacts& facts, const Cont& t, const Cont& f,
                                                          const Cont& u) {
    Test test{feature, false, 0.5, {}};  // left: the condition is false
    PathFacts known = facts;
    if (never_missing) known[feature].missing = 0;
    return self->Split(test, known, f, t, unknown_is_false ? f : u);
  };
}

Result<Predicate> TreeLowering::ParseSimple(const pugi::xml_node& node) {
  ASSIGN_OR_RETURN(const ScopeField* field, importer_.Field(node));
  const std::string op = Attribute(node, "operator").value_or("");
  if (field->symbolic) {
    const std::string name = *Attribute(node, "field");
    if (op == "isMissing" || op == "isNotMissing") {
      const std::string missing = pmml_internal::MissingTest(*field);
      return HelperPredicate("is_missing(" + name + ")", op == "isMissing" ? missing : "(not " + missing + ")", true);
    }
    if (op != "equal" && op != "notEqual") {
      return at_.Unsupported(node, "operator " + QuoteString(op) + " on a string-valued derived field");
    }
    const std::optional<std::string> value = Attribute(node, "value");
    if (!value) return at_.Invalid(node, "missing attribute 'value'");
    ASSIGN_OR_RETURN(std::string equals, pmml_internal::EqualsText(at_, node, *field, *value));
    return op == "equal" ? HelperPredicate(name + "=" + *value, equals, false)
                         : HelperPredicate(name + "!=" + *value, "(not " + equals + ")", false);
  }
  const int32_t feature = importer_.FeatureIndex(field->column);
  const bool unknown_is_false = unknown_is_false_;
  TreeLowering* self = this;
  if (op == "isMissing" || op == "isNotMissing") {
    const bool want_missing = op == "isMissing";
    return Predicate([self, feature, want_missing](const PathFacts& facts, const Cont& t, const Cont& f,
                                                   const Cont&) {
      return want_missing ? self->MissingSplit(feature, facts, t, f) : self->MissingSplit(feature, facts, f, t);
    });
  }
  const std::optional<std::string> value = Attribute(node, "value");
  if (!value) return at_.Invalid(node, "missing attribute 'value'");
  Test test;
  test.feature = feature;
  bool swap = false;
  if (field->type == expr::Type::kString) {
    test.categorical = true;
    if (op == "equal" || op == "notEqual") {
      test.levels = {*value};
      swap = op == "notEqual";
    } else if (op == "lessThan" || op == "lessOrEqual" || op == "greaterThan" || op == "greaterOrEqual") {
      if (!field->ordinal || field->levels.empty()) {
        return at_.Unsupported(node, "an order comparison on a category that is not ordinal with listed values");
      }
      const auto position = std::find(field->levels.begin(), field->levels.end(), *value);
      if (position == field->levels.end()) return at_.Invalid(node, QuoteString(*value) + " is not a value of the field");
      const bool inclusive = op == "lessOrEqual" || op == "greaterThan";
      const auto end = inclusive ? position + 1 : position;
      test.levels.insert(field->levels.begin(), end);
      swap = op == "greaterThan" || op == "greaterOrEqual";
      if (test.levels.empty()) {
        // Nothing is below the first level.
        return Predicate([self, feature, swap, unknown_is_false](const PathFacts& facts, const Cont& t,
                                                                  const Cont& f, const Cont& u) {
          const Cont& outcome = swap ? t : f;
          return self->MissingSplit(feature, facts, unknown_is_false ? f : u, outcome);
        });
      }
    } else {
      return at_.Invalid(node, "unknown operator " + QuoteString(op));
    }
  } else {
    double number = 0;
    if (field->type == expr::Type::kBoolean) {
      if (*value != "true" && *value != "false" && *value != "1" && *value != "0") {
        return at_.Invalid(node, QuoteString(*value) + " is not a boolean");
      }
      number = (*value == "true" || *value == "1") ? 1 : 0;
    } else {
      const std::optional<double> parsed = ParseDouble(*value);
      if (!parsed) return at_.Invalid(node, QuoteString(*value) + " is not a finite number");
      number = *parsed;
    }
    const double next = importer_.NextAbove(number);
    if (op == "equal" || op == "notEqual") {
      // v <= x < nextafter(v) is x == v.
      const bool negate = op == "notEqual";
      return Predicate([self, feature, number, next, negate, unknown_is_false](
                           const PathFacts& facts, const Cont& t, const Cont& f, const Cont& u) {
        const Cont& yes = negate ? f : t;
        const Cont& no = negate ? t : f;
        const Cont& missing = unknown_is_false ? f : u;
        Test low{feature, false, number, {}};
        Test high{feature, false, next, {}};
        const Cont upper = [&](const PathFacts& g) { return self->Split(high, g, yes, no, missing); };
        return self->Split(low, facts, no, upper, missing);
      });
    }
    if (op == "lessThan") {
      test.threshold = number;
    } else if (op == "lessOrEqual") {
      test.threshold = next;  // x <= v is x < nextafter(v, +inf)
    } else if (op == "greaterThan") {
      test.threshold = next;
      swap = true;
    } else if (op == "greaterOrEqual") {
      test.threshold = number;
      swap = true;
    } else {
      return at_.Invalid(node, "unknown operator " + QuoteString(op));
    }
  }
  return Predicate([self, test, swap, unknown_is_false](const PathFacts& facts, const Cont& t, const Cont& f,
                                                        const Cont& u) {
    return self->Split(test, facts, swap ? f : t, swap ? t : f, unknown_is_false ? f : u);
  });
}

Result<Predicate> TreeLowering::ParseSet(const pugi::xml_node& node) {
  ASSIGN_OR_RETURN(const ScopeField* field, importer_.Field(node));
  const std::string op = Attribute(node, "booleanOperator").value_or("");
  if (op != "isIn" && op != "isNotIn") return at_.Invalid(node, "unknown booleanOperator " + QuoteString(op));
  const pugi::xml_node array = FirstChild(node, "Array");
  if (!array) return at_.Invalid(node, "missing Array");
  ASSIGN_OR_RETURN(std::vector<std::string> items, ArrayItems(at_, array));
  const bool negate = op == "isNotIn";
  if (field->symbolic) {
    std::string any;
    for (const std::string& item : items) {
      ASSIGN_OR_RETURN(std::string equals, pmml_internal::EqualsText(at_, node, *field, item));
      any += (any.empty() ? "" : " or ") + equals;
    }
    if (any.empty()) any = "false";
    const std::string name = *Attribute(node, "field");
    return negate ? HelperPredicate(name + " not in set", "(not (" + any + "))", false)
                  : HelperPredicate(name + " in set", "(" + any + ")", false);
  }
  const int32_t feature = importer_.FeatureIndex(field->column);
  const bool unknown_is_false = unknown_is_false_;
  TreeLowering* self = this;
  if (field->type != expr::Type::kString) {
    if (items.size() > kMaxPredicateParts) return at_.Unsupported(array, "more than 100 numbers in a set");
    // A set of numbers: a disjunction of equalities.
    std::vector<Predicate> equals;
    for (const std::string& item : items) {
      const std::optional<double> number = ParseDouble(item);
      if (!number && field->type != expr::Type::kBoolean) {
        return at_.Invalid(node, QuoteString(item) + " is not a number");
      }
      double v = number.value_or(item == "true" ? 1 : 0);
      const double next = importer_.NextAbove(v);
      equals.push_back([self, feature, v, next](const PathFacts& facts, const Cont& t, const Cont& f, const Cont& u) {
        Test low{feature, false, v, {}};
        Test high{feature, false, next, {}};
        const Cont upper = [&](const PathFacts& g) { return self->Split(high, g, t, f, u); };
        return self->Split(low, facts, f, upper, u);
      });
    }
    // Present values: some equality holds or none does; missing -> unknown.
    return Predicate([self, feature, equals, negate, unknown_is_false](const PathFacts& facts, const Cont& t,
                                                                      const Cont& f, const Cont& u) {
      const Cont& yes = negate ? f : t;
      const Cont& no = negate ? t : f;
      const Cont& missing = unknown_is_false ? f : u;
      std::function<Result<int32_t>(size_t, const PathFacts&)> from = [&](size_t i, const PathFacts& g) -> Result<int32_t> {
        if (i == equals.size()) return no(g);
        const Cont next = [&](const PathFacts& h) { return from(i + 1, h); };
        return equals[i](g, yes, next, yes);  // present here: the missing branch is never taken
      };
      const Cont present = [&](const PathFacts& g) { return from(0, g); };
      return self->MissingSplit(feature, facts, missing, present);
    });
  }
  Test test;
  test.feature = feature;
  test.categorical = true;
  test.levels.insert(items.begin(), items.end());
  if (test.levels.empty()) {
    return Predicate([self, feature, negate, unknown_is_false](const PathFacts& facts, const Cont& t, const Cont& f,
                                                              const Cont& u) {
      return self->MissingSplit(feature, facts, unknown_is_false ? f : u, negate ? t : f);
    });
  }
  return Predicate([self, test, negate, unknown_is_false](const PathFacts& facts, const Cont& t, const Cont& f,
                                                          const Cont& u) {
    return self->Split(test, facts, negate ? f : t, negate ? t : f, unknown_is_false ? f : u);
  });
}

Result<Predicate> TreeLowering::ParseCompound(const pugi::xml_node& node) {
  const std::string op = Attribute(node, "booleanOperator").value_or("");
  std::vector<Predicate> parts;
  for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element || LocalName(child) == "Extension") continue;
    ASSIGN_OR_RETURN(Predicate part, ParsePredicate(child));
    parts.push_back(std::move(part));
  }
  if (parts.size() < 2) return at_.Invalid(node, "a CompoundPredicate needs at least two predicates");
  if (parts.size() > kMaxPredicateParts) return at_.Unsupported(node, "more than 100 predicates in a CompoundPredicate");
  using Chain = std::function<Result<int32_t>(size_t, bool, const PathFacts&)>;
  if (op == "and" || op == "or") {
    const bool is_and = op == "and";
    return Predicate([parts, is_and](const PathFacts& facts, const Cont& t, const Cont& f, const Cont& u) {
      // and: false decides, unknown remembered; or: the same with true.
      const Cont& decisive = is_and ? f : t;
      const Cont& neutral_end = is_and ? t : f;
      Chain from = [&](size_t i, bool seen_unknown, const PathFacts& g) -> Result<int32_t> {
        if (i == parts.size()) return seen_unknown ? u(g) : neutral_end(g);
        const Cont next = [&, i, seen_unknown](const PathFacts& h) { return from(i + 1, seen_unknown, h); };
        const Cont next_unknown = [&, i](const PathFacts& h) { return from(i + 1, true, h); };
        // Unknown routed like the decisive value cannot change the outcome.
        const Cont& unknown = &u == &decisive ? decisive : next_unknown;
        return is_and ? parts[i](g, next, decisive, unknown) : parts[i](g, decisive, next, unknown);
      };
      return from(0, false, facts);
    });
  }
  if (op == "xor") {
    return Predicate([parts](const PathFacts& facts, const Cont& t, const Cont& f, const Cont& u) {
      Chain from = [&](size_t i, bool odd, const PathFacts& g) -> Result<int32_t> {
        if (i == parts.size()) return odd ? t(g) : f(g);
        const Cont flip = [&, i, odd](const PathFacts& h) { return from(i + 1, !odd, h); };
        const Cont keep = [&, i, odd](const PathFacts& h) { return from(i + 1, odd, h); };
        return parts[i](g, flip, keep, u);
      };
      return from(0, false, facts);
    });
  }
  if (op == "surrogate") {
    return Predicate([parts](const PathFacts& facts, const Cont& t, const Cont& f, const Cont& u) {
      Chain from = [&](size_t i, bool, const PathFacts& g) -> Result<int32_t> {
        if (i == parts.size()) return u(g);
        const Cont next = [&, i](const PathFacts& h) { return from(i + 1, false, h); };
        return parts[i](g, t, f, next);
      };
      return from(0, false, facts);
    });
  }
  return at_.Invalid(node, "unknown booleanOperator " + QuoteString(op));
}

Result<Predicate> TreeLowering::ParsePredicate(const pugi::xml_node& node) {
  const std::string_view kind = LocalName(node);
  if (kind == "True" || kind == "False") {
    const bool value = kind == "True";
    return Predicate([value](const PathFacts& facts, const Cont& t, const Cont& f, const Cont&) {
      return value ? t(facts) : f(facts);
    });
  }
  if (kind == "SimplePredicate") return ParseSimple(node);
  if (kind == "SimpleSetPredicate") return ParseSet(node);
  if (kind == "CompoundPredicate") return ParseCompound(node);
  return at_.Unsupported(node, "predicate element is not supported");
}


// A PMML Node with its parsed predicate and children.
struct PmmlNode {
  pugi::xml_node element;
  Predicate predicate;
  std::vector<PmmlNode> children;
};

Result<Tree> Importer::LowerTree(const pugi::xml_node& tree_model, double scale, bool vote) {
  const std::string missing_strategy = Attribute(tree_model, "missingValueStrategy").value_or("none");
  const std::string no_true_child = Attribute(tree_model, "noTrueChildStrategy").value_or("returnNullPrediction");
  if (Attribute(tree_model, "noTrueChildStrategy")) {
    RETURN_IF_ERROR(RequireVersion(at_, tree_model, version_, 4, 1, "noTrueChildStrategy"));
  }
  if (missing_strategy != "none" && missing_strategy != "defaultChild" && missing_strategy != "lastPrediction" &&
      missing_strategy != "nullPrediction") {
    return at_.Unsupported(tree_model, "missingValueStrategy " + QuoteString(missing_strategy));
  }
  if (no_true_child != "returnNullPrediction" && no_true_child != "returnLastPrediction") {
    return at_.Invalid(tree_model, "unknown noTrueChildStrategy " + QuoteString(no_true_child));
  }
  const std::string split = Attribute(tree_model, "splitCharacteristic").value_or("multiSplit");
  if (split != "multiSplit" && split != "binarySplit") {
    return at_.Invalid(tree_model, "unknown splitCharacteristic " + QuoteString(split));
  }
  const pugi::xml_node root_element = FirstChild(tree_model, "Node");
  if (!root_element) return at_.Invalid(tree_model, "missing Node");

  TreeBuilder builder;
  builder.budget = &budget_;
  const std::vector<std::string>& classes = pipeline_.model.classes;
  builder.width = classification_ ? static_cast<int32_t>(classes.size()) : 1;
  TreeLowering lowering(*this, builder, missing_strategy == "none");

  // Parse the nodes (recursion bounded by the document's depth limit).
  std::function<Result<PmmlNode>(const pugi::xml_node&)> parse = [&](const pugi::xml_node& element) -> Result<PmmlNode> {
    PmmlNode node;
    node.element = element;
    const pugi::xml_node predicate = PredicateOf(element);
    if (!predicate) return at_.Invalid(element, "a Node without a predicate");
    ASSIGN_OR_RETURN(node.predicate, lowering.ParsePredicate(predicate));
    const std::vector<pugi::xml_node> children = Children(element, "Node");
    if (children.size() > static_cast<size_t>(kMaxChildrenPerNode)) {
      return at_.Unsupported(element, "more than 256 child Nodes");
    }
    if (split == "binarySplit" && !children.empty() && children.size() != 2) {
      return at_.Invalid(element, "a binarySplit tree with " + std::to_string(children.size()) + " children");
    }
    if (FirstChild(element, "Regression") || FirstChild(element, "DecisionTree")) {
      return at_.Unsupported(element, "a model embedded in a Node");
    }
    for (const pugi::xml_node& child : children) {
      ASSIGN_OR_RETURN(PmmlNode parsed, parse(child));
      node.children.push_back(std::move(parsed));
    }
    return node;
  };
  ASSIGN_OR_RETURN(PmmlNode root, parse(root_element));

  // A node's prediction as leaf values.
  auto leaf = [&](const PmmlNode& node, const std::string& why) -> Result<int32_t> {
    const std::optional<std::string> score = Attribute(node.element, "score");
    std::vector<double> values(static_cast<size_t>(builder.width), 0.0);
    if (!classification_) {
      if (!score) return at_.Unsupported(node.element, "no score for " + why);
      const std::optional<double> value = ParseDouble(*score);
      if (!value) return at_.Invalid(node.element, "score " + QuoteString(*score) + " is not a number");
      values[0] = *value * scale;
    } else {
      const std::vector<pugi::xml_node> distribution = Children(node.element, "ScoreDistribution");
      if (!score && distribution.empty()) return at_.Unsupported(node.element, "no score for " + why);
      if (vote || distribution.empty()) {
        if (!score) return at_.Unsupported(node.element, "no score for " + why);
        ASSIGN_OR_RETURN(const size_t k, pmml_internal::ClassIndex(at_, node.element, classes, *score));
        values[k] = scale;
      } else {
        ASSIGN_OR_RETURN(const std::vector<double> probabilities,
                         pmml_internal::DistributionProbabilities(at_, node.element, distribution, classes, score));
        for (size_t k = 0; k < values.size(); ++k) values[k] = probabilities[k] * scale;
      }
    }
    ASSIGN_OR_RETURN(const int32_t index, builder.AddNode());
    std::copy(values.begin(), values.end(),
              builder.tree.leaf_values.begin() + static_cast<ptrdiff_t>(index) * builder.width);
    return index;
  };

  std::function<Result<int32_t>(const PmmlNode&, const PathFacts&)> subtree;
  std::function<Result<int32_t>(const PmmlNode&, size_t, const PathFacts&)> children_from;
  subtree = [&](const PmmlNode& node, const PathFacts& facts) -> Result<int32_t> {
    if (node.children.empty()) return leaf(node, "a leaf");
    return children_from(node, 0, facts);
  };
  children_from = [&](const PmmlNode& node, size_t i, const PathFacts& facts) -> Result<int32_t> {
    if (i == node.children.size()) {
      if (no_true_child == "returnLastPrediction") return leaf(node, "returnLastPrediction");
      null_prediction_refused_ = true;
      return at_.Unsupported(node.element,
                             "no child's predicate may hold here, and noTrueChildStrategy returnNullPrediction "
                             "would give no prediction, which the IR's trees cannot return");
    }
    const PmmlNode& child = node.children[i];
    const Cont on_true = [&](const PathFacts& g) { return subtree(child, g); };
    const Cont on_false = [&, i](const PathFacts& g) { return children_from(node, i + 1, g); };
    if (missing_strategy == "none") return child.predicate(facts, on_true, on_false, on_false);
    Cont on_unknown;
    if (missing_strategy == "lastPrediction") {
      on_unknown = [&](const PathFacts&) { return leaf(node, "lastPrediction"); };
    } else if (missing_strategy == "nullPrediction") {
      on_unknown = [&](const PathFacts&) -> Result<int32_t> {
        null_prediction_refused_ = true;
        return at_.Unsupported(child.element,
                               "a missing value makes this predicate unknown, and missingValueStrategy "
                               "nullPrediction would give no prediction, which the IR's trees cannot return");
      };
    } else {
      // The default child being the one tested, unknown goes where true does
      // (the same continuation, so a single split with a default direction).
      const std::optional<std::string> default_id = Attribute(node.element, "defaultChild");
      if (default_id && Attribute(child.element, "id") == default_id) {
        return child.predicate(facts, on_true, on_false, on_true);
      }
      on_unknown = [&](const PathFacts& g) -> Result<int32_t> {
        const std::optional<std::string> id = Attribute(node.element, "defaultChild");
        if (!id) return at_.Unsupported(node.element, "missingValueStrategy defaultChild, but the node has no defaultChild");
        for (const PmmlNode& candidate : node.children) {
          if (Attribute(candidate.element, "id") == id) return subtree(candidate, g);
        }
        return at_.Invalid(node.element, "defaultChild " + QuoteString(*id) + " is not a child of the node");
      };
    }
    return child.predicate(facts, on_true, on_false, on_unknown);
  };

  // The root's own predicate: PMML requires it to hold (it is normally True).
  const Cont root_true = [&](const PathFacts& g) { return subtree(root, g); };
  const Cont root_false = [&](const PathFacts&) -> Result<int32_t> {
    return at_.Unsupported(root.element, "the root Node's predicate may not hold, which gives no prediction");
  };
  Result<int32_t> built = root.predicate(PathFacts(), root_true, root_false, root_false);
  if (!built.ok()) return built.status();
  // Nodes were appended children-first; the IR wants the root at 0.
  Tree& tree = builder.tree;
  const int32_t root_index = *built;
  if (root_index != 0) {
    const size_t n = tree.feature.size();
    std::vector<int32_t> order;  // new -> old, breadth first from the root
    std::vector<int32_t> renumber(n, -1);
    order.push_back(root_index);
    renumber[static_cast<size_t>(root_index)] = 0;
    for (size_t head = 0; head < order.size(); ++head) {
      const size_t old = static_cast<size_t>(order[head]);
      for (const int32_t child : {tree.left[old], tree.right[old]}) {
        if (child >= 0 && renumber[static_cast<size_t>(child)] < 0) {
          renumber[static_cast<size_t>(child)] = static_cast<int32_t>(order.size());
          order.push_back(child);
        }
      }
    }
    Tree renumbered;
    renumbered.leaf_width = tree.leaf_width;
    for (const int32_t old_signed : order) {
      const size_t old = static_cast<size_t>(old_signed);
      renumbered.feature.push_back(tree.feature[old]);
      renumbered.threshold.push_back(tree.threshold[old]);
      renumbered.left.push_back(tree.left[old] < 0 ? -1 : renumber[static_cast<size_t>(tree.left[old])]);
      renumbered.right.push_back(tree.right[old] < 0 ? -1 : renumber[static_cast<size_t>(tree.right[old])]);
      renumbered.default_left.push_back(tree.default_left[old]);
      renumbered.category_levels.push_back(tree.category_levels[old]);
      for (int32_t k = 0; k < builder.width; ++k) {
        renumbered.leaf_values.push_back(tree.leaf_values[old * static_cast<size_t>(builder.width) + static_cast<size_t>(k)]);
      }
    }
    tree = std::move(renumbered);
  }
  tree.leaf_width = builder.width;
  tree.output = 0;
  const bool any_categorical = std::any_of(tree.category_levels.begin(), tree.category_levels.end(),
                                           [](const std::vector<std::string>& levels) { return !levels.empty(); });
  if (!any_categorical) tree.category_levels.clear();
  return std::move(tree);
}

// A segment's own MiningSchema may only list fields of the top-level one,
// without treatments of its own.
Status Importer::CheckNestedSchema(const pugi::xml_node& model) {
  const pugi::xml_node schema = FirstChild(model, "MiningSchema");
  if (!schema) return at_.Invalid(model, "missing MiningSchema");
  for (const pugi::xml_node& field : Children(schema, "MiningField")) {
    const std::string name = Attribute(field, "name").value_or("");
    const std::string usage = Attribute(field, "usageType").value_or("active");
    if (usage == "predicted" || usage == "target") continue;
    if (scope_.Find(name) == nullptr) return at_.Invalid(field, "field " + QuoteString(name) + " is not an input of the model");
    for (std::string_view attribute : {"missingValueReplacement", "missingValueTreatment", "invalidValueTreatment",
                                       "outliers", "lowValue", "highValue"}) {
      if (Attribute(field, attribute)) {
        return at_.Unsupported(field, std::string(attribute) + " in a segment's MiningSchema");
      }
    }
  }
  if (const pugi::xml_node targets = FirstChild(model, "Targets")) return at_.Unsupported(targets, "Targets in a segment");
  return Status::Ok();
}

Status Importer::LowerTreeEnsemble(const pugi::xml_node& model) {
  if (LocalName(model) == "MiningModel" && !FitsTreeEnsemble(model)) return LowerSegmentedModel(model);
  if (const pugi::xml_node chain = FirstChild(model, "Segmentation");
      chain && Attribute(chain, "multipleModelMethod") == "modelChain") {
    return LowerTreeModelChain(model, chain);
  }
  TreeEnsembleModel ensemble;
  ensemble.num_outputs = classification_ ? static_cast<int32_t>(pipeline_.model.classes.size()) : 1;
  ensemble.base_score.assign(static_cast<size_t>(ensemble.num_outputs), 0.0);
  ensemble.output_transform = OutputTransform::kIdentity;
  const double factor = target_.rescale_factor;
  ASSIGN_OR_RETURN(ensemble.precision, TreeMathContext(model));
  float_splits_ = ensemble.precision == NumericPrecision::kFloat32;
  if (ensemble.precision == NumericPrecision::kFloat32 && (classification_ || target_.rescaled)) {
    return at_.Unsupported(model, "mathContext float for a classifier or with Targets rescaling (the IR sums "
                                  "regression trees in float, nothing else)");
  }
  if (LocalName(model) == "TreeModel") {
    // Strategies that follow several children, and null predictions that can happen,
    // become expression columns; every other tree stays an exact IR tree.
    bool as_columns = pmml_internal::FollowsSeveralChildren(model);
    Result<Tree> tree = Tree{};
    if (!as_columns) {
      const size_t budget = budget_;
      pmml_internal::ModelBuilder::Checkpoint checkpoint = build_.Save();
      null_prediction_refused_ = false;
      tree = LowerTree(model, factor, false);
      as_columns = !tree.ok() && null_prediction_refused_;
      if (as_columns) {
        budget_ = budget;
        build_.Restore(std::move(checkpoint));  // the attempt's helper columns
      }
    } else if (Attribute(model, "noTrueChildStrategy")) {
      RETURN_IF_ERROR(RequireVersion(at_, model, version_, 4, 1, "noTrueChildStrategy"));
    }
    if (as_columns) {
      ASSIGN_OR_RETURN(const std::vector<std::string> columns,
                       pmml_internal::TreeModelColumns(build_, model, pipeline_.model.classes));
      return pmml_internal::SetCombinedModel(build_, columns, classification_, target_);
    }
    if (!tree.ok()) return tree.status();
    ensemble.trees.push_back(std::move(*tree));
    ensemble.base_score[0] += classification_ ? 0.0 : target_.rescale_constant;
    pipeline_.model.body = std::move(ensemble);
    return Status::Ok();
  }
  const pugi::xml_node segmentation = FirstChild(model, "Segmentation");
  if (!segmentation) return at_.Unsupported(model, "a MiningModel without Segmentation");
  const std::string method = Attribute(segmentation, "multipleModelMethod").value_or("");
  const std::vector<pugi::xml_node> segments = Children(segmentation, "Segment");
  if (segments.empty()) return at_.Invalid(segmentation, "no Segment");
  if (ensemble.precision == NumericPrecision::kFloat32 && method != "sum") {
    return at_.Unsupported(segmentation, "mathContext float with multipleModelMethod " + QuoteString(method) +
                                             " (the IR sums trees in float only for sum)");
  }
  double weight_total = 0;
  std::vector<double> weights;
  for (const pugi::xml_node& segment : segments) {
    const std::optional<double> weight = ParseDouble(Attribute(segment, "weight").value_or("1"));
    if (!weight || *weight < 0) return at_.Invalid(segment, "weight is not a non-negative number");
    weights.push_back(*weight);
    weight_total += *weight;
  }
  bool vote = false;
  bool weighted = false;
  if (classification_) {
    if (method == "majorityVote" || method == "weightedMajorityVote") {
      vote = true;
      weighted = method == "weightedMajorityVote";
    } else if (method == "average" || method == "weightedAverage") {
      weighted = method == "weightedAverage";
    } else {
      return at_.Unsupported(segmentation, "multipleModelMethod " + QuoteString(method) + " for a classifier");
    }
  } else if (method == "weightedAverage") {
    weighted = true;
  } else if (method != "sum" && method != "average") {
    return at_.Unsupported(segmentation, "multipleModelMethod " + QuoteString(method) + " for a regression");
  }
  if (weighted && weight_total <= 0) return at_.Invalid(segmentation, "the segment weights sum to zero");
  // sum: a plain sum; average and (majority) votes: the IR's average;
  // weighted forms: each tree's leaves scaled by weight / total, summed.
  ensemble.aggregation = (method == "sum" || weighted) ? Aggregation::kSum : Aggregation::kAverage;
  for (size_t s = 0; s < segments.size(); ++s) {
    const pugi::xml_node& segment = segments[s];
    const pugi::xml_node predicate = PredicateOf(segment);
    if (!predicate || LocalName(predicate) != "True") {
      return at_.Unsupported(predicate ? predicate : segment, "a Segment whose predicate is not True");
    }
    pugi::xml_node tree_model;
    for (pugi::xml_node child = segment.first_child(); child; child = child.next_sibling()) {
      if (child.type() == pugi::node_element && IsModelElement(LocalName(child))) {
        if (tree_model) return at_.Invalid(child, "more than one model in a Segment");
        tree_model = child;
      }
    }
    if (!tree_model) return at_.Invalid(segment, "a Segment without a model");
    if (LocalName(tree_model) != "TreeModel") {
      return at_.Unsupported(tree_model, "a segment model other than TreeModel");
    }
    const std::string function = Attribute(tree_model, "functionName").value_or("");
    if (function != (classification_ ? "classification" : "regression")) {
      return at_.Unsupported(tree_model, "functionName " + QuoteString(function) + " differs from the MiningModel's");
    }
    RETURN_IF_ERROR(CheckNestedSchema(tree_model));
    RETURN_IF_ERROR(ReadTransformations(FirstChild(tree_model, "LocalTransformations")));
    const double scale = (weighted ? weights[s] / weight_total : 1.0) * (classification_ ? 1.0 : factor);
    ASSIGN_OR_RETURN(Tree tree, LowerTree(tree_model, scale, vote));
    ensemble.trees.push_back(std::move(tree));
  }
  if (!classification_) ensemble.base_score[0] = target_.rescale_constant;
  pipeline_.model.body = std::move(ensemble);
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Margin chains and mathContext: reading back what the exporter writes
// (formats/pmml_export.h, docs/formats/pmml-export.md). A MiningModel whose
// modelChain computes tree-ensemble margins (MiningModels summing regression
// TreeModels, or single TreeModels), each an OutputField, and ends in a
// RegressionModel that only applies logit, softmax or exp to them (every
// table: intercept 0 and at most the coefficient 1 on one margin) is one IR
// tree ensemble with that output transform.
// ---------------------------------------------------------------------------

Result<NumericPrecision> Importer::TreeMathContext(const pugi::xml_node& model) {
  std::optional<std::string> seen;
  std::vector<pugi::xml_node> pending = {model};
  while (!pending.empty()) {
    const pugi::xml_node current = pending.back();
    pending.pop_back();
    const std::string context = Attribute(current, "mathContext").value_or("double");
    if (context != "double" && context != "float") {
      return at_.Invalid(current, "unknown mathContext " + QuoteString(context));
    }
    if (seen && *seen != context) return at_.Unsupported(current, "models of one ensemble with different mathContexts");
    seen = context;
    if (LocalName(current) != "MiningModel") continue;
    for (const pugi::xml_node& segment : Children(FirstChild(current, "Segmentation"), "Segment")) {
      for (pugi::xml_node child = segment.first_child(); child; child = child.next_sibling()) {
        const std::string_view name = LocalName(child);
        if (child.type() == pugi::node_element && (name == "TreeModel" || name == "MiningModel")) pending.push_back(child);
      }
    }
  }
  return seen == "float" ? NumericPrecision::kFloat32 : NumericPrecision::kFloat64;
}

Status Importer::LowerTreeModelChain(const pugi::xml_node& model, const pugi::xml_node& segmentation) {
  const std::string shape =
      "multipleModelMethod 'modelChain' other than tree-ensemble margins followed by a RegressionModel applying "
      "logit, softmax or exp";
  const std::vector<pugi::xml_node> segments = Children(segmentation, "Segment");
  if (segments.size() < 2) return at_.Unsupported(segmentation, shape);
  if (target_.rescaled) return at_.Unsupported(FirstChild(model, "Targets"), "Targets on a modelChain");
  auto model_of = [&](const pugi::xml_node& segment) -> Result<pugi::xml_node> {
    const pugi::xml_node predicate = PredicateOf(segment);
    if (!predicate || LocalName(predicate) != "True") {
      return at_.Unsupported(predicate ? predicate : segment, "a Segment whose predicate is not True");
    }
    pugi::xml_node found;
    for (pugi::xml_node child = segment.first_child(); child; child = child.next_sibling()) {
      if (child.type() != pugi::node_element || !IsModelElement(LocalName(child))) continue;
      if (found) return at_.Invalid(child, "more than one model in a Segment");
      found = child;
    }
    if (!found) return at_.Invalid(segment, "a Segment without a model");
    return found;
  };
  // The margins: each a regression ensemble naming its prediction.
  std::vector<pugi::xml_node> margin_models;
  std::vector<std::string> margins;
  for (size_t s = 0; s + 1 < segments.size(); ++s) {
    ASSIGN_OR_RETURN(const pugi::xml_node margin_model, model_of(segments[s]));
    const std::string_view kind = LocalName(margin_model);
    if ((kind != "MiningModel" && kind != "TreeModel") ||
        Attribute(margin_model, "functionName").value_or("") != "regression") {
      return at_.Unsupported(margin_model, shape);
    }
    const std::vector<pugi::xml_node> fields = Children(FirstChild(margin_model, "Output"), "OutputField");
    if (fields.size() != 1 || Attribute(fields[0], "feature").value_or("predictedValue") != "predictedValue" ||
        !Attribute(fields[0], "name")) {
      return at_.Unsupported(margin_model, shape + " (each margin model has one predictedValue OutputField)");
    }
    margin_models.push_back(margin_model);
    margins.push_back(*Attribute(fields[0], "name"));
  }
  ASSIGN_OR_RETURN(const pugi::xml_node last, model_of(segments.back()));
  if (LocalName(last) != "RegressionModel" ||
      Attribute(last, "functionName").value_or("") != (classification_ ? "classification" : "regression")) {
    return at_.Unsupported(last, shape);
  }
  if (Attribute(last, "mathContext").value_or("double") != "double") {
    return at_.Unsupported(last, "mathContext float on the output transform (the IR applies it in double)");
  }
  for (const pugi::xml_node& field : Children(FirstChild(last, "MiningSchema"), "MiningField")) {
    const std::string name = Attribute(field, "name").value_or("");
    const std::string usage = Attribute(field, "usageType").value_or("active");
    if (usage == "predicted" || usage == "target") continue;
    if (std::find(margins.begin(), margins.end(), name) == margins.end()) {
      return at_.Unsupported(field, shape + " (it reads only the margins)");
    }
  }
  // Each table: intercept 0 and nothing, or the coefficient 1 on one margin.
  const std::vector<pugi::xml_node> tables = Children(last, "RegressionTable");
  std::vector<std::optional<size_t>> table_margin;
  std::vector<std::string> categories;
  for (const pugi::xml_node& table : tables) {
    if (ParseDouble(Attribute(table, "intercept").value_or("")) != 0.0) return at_.Unsupported(table, shape);
    std::optional<size_t> uses;
    for (pugi::xml_node term = table.first_child(); term; term = term.next_sibling()) {
      if (term.type() != pugi::node_element || LocalName(term) == "Extension") continue;
      const auto it = std::find(margins.begin(), margins.end(), Attribute(term, "name").value_or(""));
      if (uses || LocalName(term) != "NumericPredictor" || it == margins.end() ||
          ParseDouble(Attribute(term, "coefficient").value_or("")) != 1.0 ||
          ParseDouble(Attribute(term, "exponent").value_or("1")) != 1.0) {
        return at_.Unsupported(term, shape);
      }
      uses = static_cast<size_t>(it - margins.begin());
    }
    table_margin.push_back(uses);
    categories.push_back(Attribute(table, "targetCategory").value_or(""));
  }
  const std::string method = Attribute(last, "normalizationMethod").value_or("none");
  TreeEnsembleModel ensemble;
  std::vector<int32_t> output_of(margins.size(), -1);  // margin -> IR output
  std::vector<std::string> classes;
  if (!classification_ && method == "exp" && margins.size() == 1 && tables.size() == 1 && table_margin[0] == 0u) {
    ensemble.output_transform = OutputTransform::kExp;
    output_of[0] = 0;
  } else if (classification_ && method == "logit" && margins.size() == 1 && tables.size() == 2 &&
             table_margin[0] == 0u && !table_margin[1]) {
    // PMML's logit: the first table's category gets 1 / (1 + exp(-y)).
    ensemble.output_transform = OutputTransform::kLogistic;
    output_of[0] = 0;
    classes = {categories[1], categories[0]};
  } else if (classification_ && method == "softmax" && tables.size() == margins.size()) {
    ensemble.output_transform = OutputTransform::kSoftmax;
    for (size_t t = 0; t < tables.size(); ++t) {
      if (!table_margin[t] || output_of[*table_margin[t]] >= 0) return at_.Unsupported(tables[t], shape);
      output_of[*table_margin[t]] = static_cast<int32_t>(t);
    }
    classes = categories;
  } else {
    return at_.Unsupported(last, shape);
  }
  if (classification_) {
    std::vector<std::string> sorted_classes = pipeline_.model.classes;
    std::vector<std::string> sorted_categories = classes;
    std::sort(sorted_classes.begin(), sorted_classes.end());
    std::sort(sorted_categories.begin(), sorted_categories.end());
    if (sorted_classes != sorted_categories) {
      return at_.Unsupported(last, "the RegressionTables' categories differ from the target's values");
    }
    pipeline_.model.classes = classes;
  }
  ensemble.num_outputs = ensemble.output_transform == OutputTransform::kSoftmax ? static_cast<int32_t>(margins.size()) : 1;
  ensemble.base_score.assign(static_cast<size_t>(ensemble.num_outputs), 0.0);
  ensemble.aggregation = Aggregation::kSum;
  ensemble.precision = NumericPrecision::kFloat64;
  // The margins are regressions: their trees have scalar leaves.
  const bool classification = classification_;
  classification_ = false;
  Status lowered = Status::Ok();
  for (size_t m = 0; m < margin_models.size() && lowered.ok(); ++m) {
    const pugi::xml_node& margin_model = margin_models[m];
    Result<NumericPrecision> precision = TreeMathContext(margin_model);
    if (!precision.ok()) {
      lowered = precision.status();
      break;
    }
    if (m > 0 && *precision != ensemble.precision) {
      lowered = at_.Unsupported(margin_model, "margins with different mathContexts");
      break;
    }
    ensemble.precision = *precision;
    float_splits_ = ensemble.precision == NumericPrecision::kFloat32;
    std::vector<pugi::xml_node> tree_models;
    if (LocalName(margin_model) == "TreeModel") {
      tree_models.push_back(margin_model);
    } else {
      const pugi::xml_node inner = FirstChild(margin_model, "Segmentation");
      if (!inner || Attribute(inner, "multipleModelMethod").value_or("") != "sum") {
        lowered = at_.Unsupported(inner ? inner : margin_model, shape + " (a margin sums its trees)");
        break;
      }
      lowered = CheckNestedSchema(margin_model);
      for (const pugi::xml_node& segment : Children(inner, "Segment")) {
        if (!lowered.ok()) break;
        Result<pugi::xml_node> tree_model = model_of(segment);
        if (!tree_model.ok()) {
          lowered = tree_model.status();
        } else if (LocalName(*tree_model) != "TreeModel" ||
                   Attribute(*tree_model, "functionName").value_or("") != "regression") {
          lowered = at_.Unsupported(*tree_model, shape + " (a margin sums regression TreeModels)");
        } else {
          tree_models.push_back(*tree_model);
        }
      }
    }
    for (const pugi::xml_node& tree_model : tree_models) {
      if (!lowered.ok()) break;
      lowered = CheckNestedSchema(tree_model);
      if (lowered.ok()) lowered = ReadTransformations(FirstChild(tree_model, "LocalTransformations"));
      if (!lowered.ok()) break;
      Result<Tree> tree = LowerTree(tree_model, 1.0, false);
      if (!tree.ok()) {
        lowered = tree.status();
        break;
      }
      tree->output = output_of[m];
      ensemble.trees.push_back(std::move(tree).value());
    }
  }
  classification_ = classification;
  RETURN_IF_ERROR(lowered);
  pipeline_.model.body = std::move(ensemble);
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Segmentations combined by expressions (docs/formats/pmml.md, "MiningModel →
// segments as columns"): any Segmentation the tree-ensemble paths above do not
// express. Each segment's model is lowered by its own lowerer over features of
// its own and becomes derived columns (pmml_segmentation.cc); the segment's
// predicate becomes a 0/1 "selected" column; the combination method becomes
// columns over those; the pipeline's model is a trivial GLM over the result.
// ---------------------------------------------------------------------------

namespace {

// The one model element of a Segment, or a null node.
pugi::xml_node SegmentModel(const pugi::xml_node& segment) {
  for (pugi::xml_node child = segment.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && IsModelElement(LocalName(child))) return child;
  }
  return pugi::xml_node();
}

// The one model of a Segment: none or several is an invalid document.
Result<pugi::xml_node> OnlySegmentModel(const Locator& at, const pugi::xml_node& segment) {
  const pugi::xml_node inner = SegmentModel(segment);
  if (!inner) return at.Invalid(segment, "a Segment without a model");
  for (pugi::xml_node other = inner.next_sibling(); other; other = other.next_sibling()) {
    if (other.type() == pugi::node_element && IsModelElement(LocalName(other))) {
      return at.Invalid(other, "more than one model in a Segment");
    }
  }
  return inner;
}

bool AllTrue(const std::vector<pugi::xml_node>& segments) {
  return std::all_of(segments.begin(), segments.end(), [](const pugi::xml_node& segment) {
    const pugi::xml_node predicate = PredicateOf(segment);
    return predicate && LocalName(predicate) == "True";
  });
}

// What the exporter writes as a margin chain (LowerTreeModelChain): margins
// summing regression TreeModels, each one predictedValue OutputField, then a
// RegressionModel applying exp, logit or softmax, every table's intercept 0
// and at most the coefficient 1 on one margin.
bool IsMarginChain(const std::vector<pugi::xml_node>& segments) {
  if (segments.size() < 2 || !AllTrue(segments)) return false;
  for (size_t s = 0; s + 1 < segments.size(); ++s) {
    const pugi::xml_node margin = SegmentModel(segments[s]);
    const std::string_view kind = LocalName(margin);
    if ((kind != "TreeModel" && kind != "MiningModel") || Attribute(margin, "functionName") != "regression") {
      return false;
    }
    const std::vector<pugi::xml_node> fields = Children(FirstChild(margin, "Output"), "OutputField");
    if (fields.size() != 1 || Attribute(fields[0], "feature").value_or("predictedValue") != "predictedValue") {
      return false;
    }
    if (kind == "MiningModel") {
      const pugi::xml_node inner = FirstChild(margin, "Segmentation");
      const std::vector<pugi::xml_node> trees = Children(inner, "Segment");
      if (Attribute(inner, "multipleModelMethod") != "sum" || !AllTrue(trees)) return false;
      for (const pugi::xml_node& tree : trees) {
        if (LocalName(SegmentModel(tree)) != "TreeModel") return false;
      }
    }
  }
  const pugi::xml_node last = SegmentModel(segments.back());
  const std::string method = Attribute(last, "normalizationMethod").value_or("none");
  if (LocalName(last) != "RegressionModel" || (method != "exp" && method != "logit" && method != "softmax")) {
    return false;
  }
  for (const pugi::xml_node& table : Children(last, "RegressionTable")) {
    if (ParseDouble(Attribute(table, "intercept").value_or("")) != 0.0) return false;
    size_t terms = 0;
    for (pugi::xml_node term = table.first_child(); term; term = term.next_sibling()) {
      if (term.type() != pugi::node_element || LocalName(term) == "Extension") continue;
      if (LocalName(term) != "NumericPredictor" || ParseDouble(Attribute(term, "coefficient").value_or("")) != 1.0 ||
          ParseDouble(Attribute(term, "exponent").value_or("1")) != 1.0 || ++terms > 1) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

// The tree-ensemble paths keep the models they express as one IR tree
// ensemble (exact TreeSHAP reason codes, float arithmetic): every Segment
// <True/> with a TreeModel of the MiningModel's function under a method the
// ensemble sums, or the margin chain the exporter writes.
bool Importer::FitsTreeEnsemble(const pugi::xml_node& model) const {
  const pugi::xml_node segmentation = FirstChild(model, "Segmentation");
  if (!segmentation) return true;  // refused there
  const std::vector<pugi::xml_node> segments = Children(segmentation, "Segment");
  if (segments.empty()) return true;  // refused there
  const std::string method = Attribute(segmentation, "multipleModelMethod").value_or("");
  if (method == "modelChain") return IsMarginChain(segments);
  const std::string function = Attribute(model, "functionName").value_or("");
  const bool expressed = function == "classification"
                             ? method == "average" || method == "weightedAverage" || method == "majorityVote" ||
                                   method == "weightedMajorityVote"
                             : method == "sum" || method == "average" || method == "weightedAverage";
  if (!expressed || !AllTrue(segments)) return false;
  return std::all_of(segments.begin(), segments.end(), [&](const pugi::xml_node& segment) {
    const pugi::xml_node tree = SegmentModel(segment);
    // A tree whose missing values follow several children has no IR tree.
    return LocalName(tree) == "TreeModel" && Attribute(tree, "functionName") == function &&
           !pmml_internal::FollowsSeveralChildren(tree);
  });
}

Status Importer::LowerSegmentedModel(const pugi::xml_node& model) {
  // Each class is several columns per segment, and a vote compares every
  // pair of classes.
  constexpr size_t kMaxSegmentedClasses = 100;
  if (pipeline_.model.classes.size() > kMaxSegmentedClasses) {
    return at_.Unsupported(model, "more than " + std::to_string(kMaxSegmentedClasses) +
                                      " classes in a MiningModel combined by expressions");
  }
  if (const pugi::xml_node segmentation = FirstChild(model, "Segmentation");
      segmentation && Attribute(segmentation, "multipleModelMethod") == "selectAll") {
    return LowerSelectAll(model);
  }
  ASSIGN_OR_RETURN(const std::vector<std::string> columns,
                   LowerSegmentation(model, classification_, pipeline_.model.classes));
  return pmml_internal::SetCombinedModel(build_, columns, classification_, target_);
}

Result<std::vector<std::string>> Importer::LowerSegmentation(const pugi::xml_node& model, bool classification,
                                                             const std::vector<std::string>& classes) {
  const pugi::xml_node segmentation = FirstChild(model, "Segmentation");
  if (!segmentation) return at_.Unsupported(model, "a MiningModel without Segmentation");
  const std::string method = Attribute(segmentation, "multipleModelMethod").value_or("");
  if (method == "selectAll") {
    return at_.Unsupported(segmentation, "multipleModelMethod 'selectAll' in a segment (it gives every segment's "
                                         "result, and the enclosing Segmentation needs one; only the outermost "
                                         "MiningModel may select all, its results read by segmentId OutputFields)");
  }
  const std::vector<pugi::xml_node> segments = Children(segmentation, "Segment");
  if (segments.empty()) return at_.Invalid(segmentation, "no Segment");
  const bool chain = method == "modelChain";
  const bool vote = method == "majorityVote" || method == "weightedMajorityVote";
  const std::string function = classification ? "classification" : "regression";
  std::vector<pmml_internal::SegmentColumns> results;
  for (size_t s = 0; s < segments.size(); ++s) {
    const pugi::xml_node& segment = segments[s];
    const pugi::xml_node predicate = PredicateOf(segment);
    if (!predicate) return at_.Invalid(segment, "a Segment without a predicate");
    ASSIGN_OR_RETURN(const std::string condition, pmml_internal::PredicateText(at_, scope_, predicate));
    pmml_internal::SegmentColumns columns;
    columns.always = LocalName(predicate) == "True";
    const std::optional<double> weight = ParseDouble(Attribute(segment, "weight").value_or("1"));
    if (!weight || *weight < 0) return at_.Invalid(segment, "weight is not a non-negative number");
    columns.weight = *weight;
    const std::string id = Attribute(segment, "id").value_or(std::to_string(s + 1));
    columns.selected = AddHelperColumn("segment " + id + " selected", "if " + condition + " then 1 else 0");
    ASSIGN_OR_RETURN(const pugi::xml_node inner, OnlySegmentModel(at_, segment));
    const std::string inner_function = Attribute(inner, "functionName").value_or("");
    // In a modelChain, earlier segments may compute anything later ones read;
    // only segments of the MiningModel's function give its result.
    const bool result = inner_function == function;
    if (!result && !chain) {
      return at_.Unsupported(inner, "functionName " + QuoteString(inner_function) + " differs from the MiningModel's");
    }
    std::vector<std::string> inner_classes = classes;
    if (inner_function == "classification" && !result) {
      std::string target = target_.name;
      for (const pugi::xml_node& field : Children(FirstChild(inner, "MiningSchema"), "MiningField")) {
        const std::string usage = Attribute(field, "usageType").value_or("active");
        if (usage == "predicted" || usage == "target") target = Attribute(field, "name").value_or("");
      }
      const auto data = dictionary_.find(target);
      inner_classes = data == dictionary_.end() ? std::vector<std::string>{} : data->second.valid_values;
    } else if (inner_function != "classification") {
      inner_classes.clear();
    }
    ASSIGN_OR_RETURN(columns.values, LowerSegmentModel(inner, vote, inner_classes));
    if (chain) RETURN_IF_ERROR(AddChainOutputs(inner, columns.selected, columns.values, inner_classes));
    if (result) results.push_back(std::move(columns));
  }
  if (results.empty()) return at_.Invalid(segmentation, "no Segment has the MiningModel's functionName");
  return pmml_internal::CombineSegments(build_, segmentation, method, results, classification,
                                        classification ? classes.size() : 1);
}

Result<std::vector<std::string>> Importer::LowerSegmentModel(const pugi::xml_node& inner, bool vote,
                                                             const std::vector<std::string>& classes) {
  const std::string_view kind = LocalName(inner);
  const std::string function = Attribute(inner, "functionName").value_or("");
  if (function != "regression" && function != "classification") {
    return at_.Unsupported(inner, "functionName " + QuoteString(function) + " in a Segment");
  }
  const bool classification = function == "classification";
  if (Attribute(inner, "isScorable").value_or("true") == "false") {
    return at_.Invalid(inner, "the model is marked isScorable=\"false\"");
  }
  if (Attribute(inner, "mathContext").value_or("double") != "double" &&
      (kind != "TreeModel" || classification)) {
    return at_.Unsupported(inner, "mathContext " + QuoteString(*Attribute(inner, "mathContext")) +
                                      " in a segment combined by expressions (float arithmetic is supported for "
                                      "regression TreeModels and the tree ensembles above)");
  }
  if (classification && classes.size() < 2) {
    return at_.Unsupported(inner, "a classifier segment needs its target's classes listed as Value elements");
  }
  RETURN_IF_ERROR(CheckNestedSchema(inner));
  // The segment's fields are its own (PMML's field scope): its derived
  // fields leave the scope with it; their columns stay, uniquely named.
  const auto saved_fields = scope_.fields;
  Model saved_model = std::move(pipeline_.model);
  const PostProcessing saved_post = pipeline_.post;
  const OutputNames saved_names = pipeline_.output_names;
  const TargetInfo saved_target = target_;
  const bool saved_classification = classification_;
  build_.ClearFeatures();
  target_ = TargetInfo{};
  target_.name = saved_target.name;
  classification_ = classification;
  pipeline_.model = Model{};
  pipeline_.model.task = classification ? Task::kClassification : Task::kRegression;
  pipeline_.model.classes = classes;
  auto lower = [&]() -> Result<std::vector<std::string>> {
    RETURN_IF_ERROR(ReadTransformations(FirstChild(inner, "LocalTransformations")));
    if (kind == "MiningModel") return LowerSegmentation(inner, classification, classes);
    if (kind == "RegressionModel") {
      RETURN_IF_ERROR(LowerRegression(inner));
    } else if (kind == "TreeModel") {
      TreeEnsembleModel ensemble;
      ensemble.num_outputs = classification ? static_cast<int32_t>(classes.size()) : 1;
      ensemble.base_score.assign(static_cast<size_t>(ensemble.num_outputs), 0.0);
      ASSIGN_OR_RETURN(ensemble.precision, TreeMathContext(inner));
      float_splits_ = ensemble.precision == NumericPrecision::kFloat32;
      // Missing values that follow several children, or a null prediction that can
      // happen: the tree's own columns (pmml_tree_missing.cc), in `classes` order. A vote
      // counts a leaf's score, which such a tree does not have.
      const bool several = pmml_internal::FollowsSeveralChildren(inner);
      if (several && vote && classification) {
        return at_.Unsupported(inner, "missingValueStrategy " + QuoteString(*Attribute(inner, "missingValueStrategy")) +
                                          " in a segment of a majority vote");
      }
      if (several && Attribute(inner, "noTrueChildStrategy")) {
        RETURN_IF_ERROR(RequireVersion(at_, inner, version_, 4, 1, "noTrueChildStrategy"));
      }
      const size_t budget = budget_;
      pmml_internal::ModelBuilder::Checkpoint checkpoint = build_.Save();
      null_prediction_refused_ = false;
      Result<Tree> tree = several ? Result<Tree>(Tree{}) : LowerTree(inner, 1.0, vote && classification);
      if (several || (!tree.ok() && null_prediction_refused_ && !(vote && classification))) {
        budget_ = budget;
        build_.Restore(std::move(checkpoint));
        return pmml_internal::TreeModelColumns(build_, inner, classes);
      }
      if (!tree.ok()) return tree.status();
      ensemble.trees.push_back(std::move(*tree));
      pipeline_.model.body = std::move(ensemble);
    } else if (kind == "GeneralRegressionModel") {
      RETURN_IF_ERROR(pmml_internal::LowerGeneralRegression(build_, inner, target_, classification));
    } else if (kind == "Scorecard" && !classification) {
      RETURN_IF_ERROR(pmml_internal::LowerScorecard(build_, inner, target_));
    } else if (kind == "NaiveBayesModel" && classification) {
      RETURN_IF_ERROR(pmml_internal::LowerNaiveBayes(build_, inner));
    } else if (kind == "NeuralNetwork") {
      RETURN_IF_ERROR(pmml_internal::LowerNeuralNetwork(build_, inner, target_, classification));
    } else if (kind == "SupportVectorMachineModel") {
      RETURN_IF_ERROR(pmml_internal::LowerSupportVectorMachine(build_, inner, target_, classification));
    } else if (kind == "RuleSetModel" && classification) {
      RETURN_IF_ERROR(pmml_internal::LowerRuleSet(build_, inner));
    } else {
      return at_.Unsupported(inner, "a " + std::string(kind) + " with functionName " + QuoteString(function) +
                                        " in a Segment");
    }
    const std::string base = Attribute(inner, "modelName").value_or(std::string(kind));
    ASSIGN_OR_RETURN(std::vector<std::string> columns, pmml_internal::ModelValueColumns(build_, inner, base));
    if (!classification) return columns;
    // In the MiningModel's class order.
    const std::vector<std::string>& own = pipeline_.model.classes;
    std::vector<std::string> ordered;
    for (const std::string& c : classes) {
      const auto it = std::find(own.begin(), own.end(), c);
      if (it == own.end() || own.size() != classes.size() || columns.size() != own.size()) {
        return at_.Unsupported(inner, "the segment's classes differ from its target's values");
      }
      ordered.push_back(columns[static_cast<size_t>(it - own.begin())]);
    }
    return ordered;
  };
  Result<std::vector<std::string>> values = lower();
  scope_.fields = saved_fields;
  build_.ClearFeatures();
  pipeline_.model = std::move(saved_model);
  pipeline_.post = saved_post;
  pipeline_.output_names = saved_names;
  target_ = saved_target;
  classification_ = saved_classification;
  return values;
}

// A modelChain segment's OutputFields become fields later segments read:
// missing when the segment is not selected.
Status Importer::AddChainOutputs(const pugi::xml_node& model, const std::string& selected,
                                 const std::vector<std::string>& values, const std::vector<std::string>& classes) {
  const std::string missing_number = "(0 / 0)";
  const std::string is_selected = pmml_internal::QuoteColumn(selected) + " == 1";
  auto value_of = [&](const std::string& base, const std::string& value) {
    return AddHelperColumn(base, "if " + is_selected + " then " + value + " else " + missing_number);
  };
  for (const pugi::xml_node& field : Children(FirstChild(model, "Output"), "OutputField")) {
    const std::optional<std::string> name = Attribute(field, "name");
    if (!name) return at_.Invalid(field, "missing attribute 'name'");
    if (scope_.Find(*name) != nullptr) return at_.Invalid(field, "field " + QuoteString(*name) + " is defined twice");
    if (FirstChild(field, "Apply") || FirstChild(field, "FieldRef") || FirstChild(field, "Constant")) {
      return at_.Unsupported(field, "an OutputField computed by an expression in a modelChain");
    }
    const std::string feature = Attribute(field, "feature").value_or("predictedValue");
    ScopeField visible;
    if (feature == "predictedValue" && classes.empty()) {
      visible.column = value_of(*name, pmml_internal::QuoteColumn(values[0]));
    } else if (feature == "predictedValue") {
      // The predicted class, the first of the most probable: a symbolic
      // category, spelled as "equals class k" tests.
      pmml_internal::SymbolicCategory symbolic;
      for (size_t k = 0; k < classes.size(); ++k) {
        std::string condition = is_selected;
        for (size_t j = 0; j < classes.size(); ++j) {
          if (j == k) continue;
          condition += " and " + pmml_internal::QuoteColumn(values[k]) + (j < k ? " > " : " >= ") +
                       pmml_internal::QuoteColumn(values[j]);
        }
        symbolic.equals[classes[k]] = "(if " + is_selected + " then (" + condition + ") else ((0 / 0) > 0))";
      }
      symbolic.is_missing = "(not (" + is_selected + ") or is_missing(" + pmml_internal::QuoteColumn(values[0]) + "))";
      visible.type = expr::Type::kString;
      visible.levels = classes;
      visible.symbolic = std::move(symbolic);
    } else if (feature == "probability" && !classes.empty()) {
      const std::optional<std::string> value = Attribute(field, "value");
      std::string text;
      if (value) {
        const auto it = std::find(classes.begin(), classes.end(), *value);
        if (it == classes.end()) {
          return at_.Invalid(field, "probability of " + QuoteString(*value) + ", which is not a class of the model");
        }
        text = pmml_internal::QuoteColumn(values[static_cast<size_t>(it - classes.begin())]);
      } else {
        text = "max(";
        for (size_t k = 0; k < values.size(); ++k) text += (k == 0 ? "" : ", ") + pmml_internal::QuoteColumn(values[k]);
        text += ")";
      }
      visible.column = value_of(*name, text);
    } else {
      return at_.Unsupported(field, "output feature " + QuoteString(feature) +
                                        " in a modelChain (supported: predictedValue, probability of a classifier)");
    }
    scope_.fields.emplace(*name, std::move(visible));
  }
  return Status::Ok();
}

// multipleModelMethod selectAll (PMML 4.4, Multiple Models: "all models for
// which the predicate in the Segment evaluates to true are evaluated"): no
// result is combined, so each Segment's result becomes columns that
// segmentId OutputFields read (AddSegmentOutput), missing when the Segment is
// not selected. The MiningModel gives no prediction of its own: the
// pipeline's prediction (or probabilities) is missing on every row.
Status Importer::LowerSelectAll(const pugi::xml_node& model) {
  const pugi::xml_node segmentation = FirstChild(model, "Segmentation");
  const std::vector<pugi::xml_node> segments = Children(segmentation, "Segment");
  if (segments.empty()) return at_.Invalid(segmentation, "no Segment");
  const std::string function = classification_ ? "classification" : "regression";
  const std::vector<std::string> classes = pipeline_.model.classes;
  for (size_t s = 0; s < segments.size(); ++s) {
    const pugi::xml_node& segment = segments[s];
    const pugi::xml_node predicate = PredicateOf(segment);
    if (!predicate) return at_.Invalid(segment, "a Segment without a predicate");
    ASSIGN_OR_RETURN(const std::string condition, pmml_internal::PredicateText(at_, scope_, predicate));
    const std::optional<std::string> id = Attribute(segment, "id");
    if (id && segment_results_.count(*id) > 0) {
      return at_.Invalid(segment, "Segment id " + QuoteString(*id) + " is used twice");
    }
    SegmentResult result;
    result.selected = AddHelperColumn("segment " + id.value_or(std::to_string(s + 1)) + " selected",
                                      "if " + condition + " then 1 else 0");
    ASSIGN_OR_RETURN(const pugi::xml_node inner, OnlySegmentModel(at_, segment));
    const std::string inner_function = Attribute(inner, "functionName").value_or("");
    if (inner_function != function) {
      return at_.Unsupported(inner, "functionName " + QuoteString(inner_function) + " differs from the MiningModel's");
    }
    ASSIGN_OR_RETURN(result.values, LowerSegmentModel(inner, false, classes));
    for (const pugi::xml_node& field : Children(FirstChild(model, "Output"), "OutputField")) {
      if (!id || Attribute(field, "segmentId") != id || Attribute(field, "feature") != "entityId") continue;
      if (LocalName(inner) != "TreeModel") {
        return at_.Unsupported(field, "entityId of a Segment whose model is not a TreeModel");
      }
      if (!Attribute(field, "name")) return at_.Invalid(field, "missing attribute 'name'");
      ASSIGN_OR_RETURN(result.entity, SegmentTreeEntityId(field, inner));
      break;  // one column serves every such OutputField
    }
    if (id) segment_results_.emplace(*id, std::move(result));
  }
  select_all_ = true;
  // Missing on every row: one column per output, with distinct expressions
  // so that they stay distinct columns.
  std::vector<std::string> none;
  for (size_t k = 0; k < (classification_ ? classes.size() : 1); ++k) {
    none.push_back(AddHelperColumn("selectAll result", "(0 / 0) + " + std::to_string(k)));
  }
  return pmml_internal::SetCombinedModel(build_, none, classification_, target_);
}

// A Segment's TreeModel entityId: the tree is lowered again in the segment's
// own field scope (its LocalTransformations), as LowerSegmentModel does.
Result<DerivedOutput> Importer::SegmentTreeEntityId(const pugi::xml_node& field, const pugi::xml_node& tree_model) {
  const auto saved_fields = scope_.fields;
  const bool saved_classification = classification_;
  build_.ClearFeatures();
  auto lower = [&]() -> Result<DerivedOutput> {
    RETURN_IF_ERROR(ReadTransformations(FirstChild(tree_model, "LocalTransformations")));
    ASSIGN_OR_RETURN(const NumericPrecision precision, TreeMathContext(tree_model));
    float_splits_ = precision == NumericPrecision::kFloat32;
    return TreeEntityId(field, tree_model, std::nullopt);
  };
  Result<DerivedOutput> entity = lower();
  scope_.fields = saved_fields;
  build_.ClearFeatures();
  classification_ = saved_classification;
  return entity;
}

// A segmentId OutputField under selectAll: that Segment's predictedValue (a
// regression's prediction; a classifier's predicted class, the first of the
// most probable, as a category output over the classes) or probability (of
// its `value` class, else of the predicted class), missing when the Segment
// is not selected. Later transformedValue fields read it by name.
Status Importer::AddSegmentOutput(const pugi::xml_node& field) {
  const std::string name = *Attribute(field, "name");
  const std::string id = *Attribute(field, "segmentId");
  const auto found = segment_results_.find(id);
  if (found == segment_results_.end()) {
    return at_.Invalid(field, "segmentId " + QuoteString(id) + " names no Segment (a Segment's id attribute)");
  }
  if (scope_.Find(name) != nullptr) return at_.Invalid(field, "field " + QuoteString(name) + " is defined twice");
  if (FirstChild(field, "Apply") || FirstChild(field, "FieldRef") || FirstChild(field, "Constant")) {
    return at_.Unsupported(field, "an OutputField computed by an expression with a segmentId");
  }
  const SegmentResult& segment = found->second;
  const std::vector<std::string>& classes = pipeline_.model.classes;
  const std::string selected = pmml_internal::QuoteColumn(segment.selected) + " == 1";
  auto column = [&](size_t k) { return pmml_internal::QuoteColumn(segment.values[k]); };
  const std::string feature = Attribute(field, "feature").value_or("predictedValue");
  DerivedOutput output;
  output.name = name;
  if (feature == "predictedValue" && !classification_) {
    output.expression = "if " + selected + " then " + column(0) + " else (0 / 0)";
  } else if (feature == "predictedValue") {
    // -1, which is missing, when the Segment is not selected or a
    // probability is missing (the conditions are then false or missing).
    std::string position = "-1";
    for (size_t k = classes.size(); k-- > 0;) {
      std::string condition = selected;
      for (size_t j = 0; j < classes.size(); ++j) {
        if (j != k) condition += " and " + column(k) + (j < k ? " > " : " >= ") + column(j);
      }
      position = "(if " + condition + " then " + std::to_string(k) + " else " + position + ")";
    }
    output.expression = position;
    output.categories = classes;
  } else if (feature == "probability" && classification_) {
    std::string probability;
    if (const std::optional<std::string> value = Attribute(field, "value")) {
      const auto it = std::find(classes.begin(), classes.end(), *value);
      if (it == classes.end()) {
        return at_.Invalid(field, "probability of " + QuoteString(*value) + ", which is not a class of the model");
      }
      probability = column(static_cast<size_t>(it - classes.begin()));
    } else {
      probability = "max(";
      for (size_t k = 0; k < classes.size(); ++k) probability += (k == 0 ? "" : ", ") + column(k);
      probability += ")";
    }
    output.expression = "if " + selected + " then " + probability + " else (0 / 0)";
  } else if (feature == "entityId" && segment.entity) {
    // The winning Node's position; -1, which is missing, when not selected.
    output.expression = "if " + selected + " then " + segment.entity->expression + " else -1";
    output.categories = segment.entity->categories;
  } else {
    return at_.Unsupported(field, "output feature " + QuoteString(feature) +
                                      " with a segmentId (supported: predictedValue, probability of a classifier, "
                                      "entityId of a TreeModel)");
  }
  ScopeField visible;
  visible.column = name;
  visible.type = output.categories.empty() ? expr::Type::kNumber : expr::Type::kString;
  visible.levels = output.categories;
  scope_.fields.emplace(name, std::move(visible));
  pipeline_.post.outputs.push_back(std::move(output));
  return Status::Ok();
}

// A binary classifier's decision threshold, as the exporter writes it: the
// label OutputField is
//   if(greaterOrEqual(<probability of classes[1]>, t), classes[1], classes[0])
// over an earlier probability OutputField. Any other expression is refused.
Result<double> Importer::ReadDecisionThreshold(const pugi::xml_node& field,
                                               const std::vector<std::string>& probabilities) {
  const std::string shape = "an OutputField computed by an expression (other than a binary classifier's "
                            "threshold on its probability)";
  const std::vector<std::string>& classes = pipeline_.model.classes;
  if (classes.size() != 2) return at_.Unsupported(field, shape);
  auto elements = [](const pugi::xml_node& node) {
    std::vector<pugi::xml_node> out;
    for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
      if (child.type() == pugi::node_element && LocalName(child) != "Extension") out.push_back(child);
    }
    return out;
  };
  const std::vector<pugi::xml_node> body = elements(field);
  if (body.size() != 1 || Attribute(body[0], "function") != "if") return at_.Unsupported(field, shape);
  const std::vector<pugi::xml_node> branches = elements(body[0]);
  if (branches.size() != 3 || LocalName(branches[0]) != "Apply" ||
      Attribute(branches[0], "function") != "greaterOrEqual" || LocalName(branches[1]) != "Constant" ||
      LocalName(branches[2]) != "Constant" || branches[1].child_value() != classes[1] ||
      branches[2].child_value() != classes[0]) {
    return at_.Unsupported(body[0], shape);
  }
  const std::vector<pugi::xml_node> compare = elements(branches[0]);
  if (compare.size() != 2 || LocalName(compare[0]) != "FieldRef" || LocalName(compare[1]) != "Constant" ||
      Attribute(compare[0], "field") != probabilities[1]) {
    return at_.Unsupported(branches[0], shape);
  }
  const std::optional<double> threshold = ParseDouble(compare[1].child_value());
  if (!threshold) return at_.Invalid(compare[1], "the threshold is not a finite number");
  return *threshold;
}

Result<Pipeline> Importer::Run() {
  ParsedDocument parsed;
  RETURN_IF_ERROR(ParseDocument(xml_, options_, at_, parsed));
  const pugi::xml_node& root = parsed.root;
  ASSIGN_OR_RETURN(version_, ReadVersion(at_, root));
  ASSIGN_OR_RETURN(dictionary_, ReadDataDictionary(at_, root));

  pugi::xml_node model;
  for (pugi::xml_node child = root.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element || !IsModelElement(LocalName(child))) continue;
    if (model) return at_.Unsupported(child, "more than one model in the document");
    model = child;
  }
  if (!model) return at_.Invalid(root, "no model element");
  const std::string_view kind = LocalName(model);
  if (kind != "RegressionModel" && kind != "TreeModel" && kind != "MiningModel" && kind != "GeneralRegressionModel" &&
      kind != "Scorecard" && kind != "NaiveBayesModel" && kind != "NeuralNetwork" &&
      kind != "SupportVectorMachineModel" && kind != "RuleSetModel" && kind != "ClusteringModel") {
    return at_.Unsupported(model, "this model type (supported: RegressionModel, GeneralRegressionModel, Scorecard, "
                                  "NaiveBayesModel, NeuralNetwork, SupportVectorMachineModel, RuleSetModel, "
                                  "ClusteringModel, TreeModel, MiningModel)");
  }
  if (kind != "TreeModel" && kind != "MiningModel" && Attribute(model, "mathContext").value_or("double") != "double") {
    return at_.Unsupported(model, "mathContext " + QuoteString(*Attribute(model, "mathContext")) +
                                      " (only tree ensembles are computed in float)");
  }
  if (Attribute(model, "isScorable").value_or("true") == "false") {
    return at_.Invalid(model, "the model is marked isScorable=\"false\"");
  }
  const std::string function = Attribute(model, "functionName").value_or("");
  if (kind == "ClusteringModel" ? function != "clustering" : function != "regression" && function != "classification") {
    return at_.Unsupported(model, "functionName " + QuoteString(function) + " for a " + std::string(kind));
  }
  classification_ = function == "classification";
  RETURN_IF_ERROR(ReadInputs(model));
  if (classification_) RETURN_IF_ERROR(ReadClasses(model));
  RETURN_IF_ERROR(ReadTransformations(FirstChild(root, "TransformationDictionary")));
  RETURN_IF_ERROR(ReadTransformations(FirstChild(model, "LocalTransformations")));
  RETURN_IF_ERROR(ReadTargets(model));
  pipeline_.model.task = classification_ ? Task::kClassification : Task::kRegression;
  if (kind == "RegressionModel") {
    RETURN_IF_ERROR(LowerRegression(model));
  } else if (kind == "GeneralRegressionModel") {
    RETURN_IF_ERROR(pmml_internal::LowerGeneralRegression(build_, model, target_, classification_));
  } else if (kind == "Scorecard") {
    if (classification_) return at_.Unsupported(model, "a Scorecard with functionName classification");
    RETURN_IF_ERROR(pmml_internal::LowerScorecard(build_, model, target_));
  } else if (kind == "NaiveBayesModel") {
    if (!classification_) return at_.Unsupported(model, "a NaiveBayesModel with functionName regression");
    RETURN_IF_ERROR(pmml_internal::LowerNaiveBayes(build_, model));
  } else if (kind == "NeuralNetwork") {
    RETURN_IF_ERROR(pmml_internal::LowerNeuralNetwork(build_, model, target_, classification_));
  } else if (kind == "SupportVectorMachineModel") {
    RETURN_IF_ERROR(pmml_internal::LowerSupportVectorMachine(build_, model, target_, classification_));
  } else if (kind == "ClusteringModel") {
    // Its Output names the pipeline's outputs there (CheckOutput skips it).
    RETURN_IF_ERROR(pmml_internal::LowerClustering(build_, model));
  } else if (kind == "RuleSetModel") {
    // A rule's score is a class; the specification scores rule sets as
    // classifiers only.
    if (!classification_) return at_.Unsupported(model, "a RuleSetModel with functionName regression");
    RETURN_IF_ERROR(pmml_internal::LowerRuleSet(build_, model, /*with_outputs=*/true));
  } else {
    if (classification_ && pipeline_.model.classes.size() < 2) {
      return at_.Unsupported(dictionary_.at(target_.name).element,
                             "a tree classifier needs the target's classes listed as Value elements");
    }
    RETURN_IF_ERROR(LowerTreeEnsemble(model));
  }
  if (auto* ensemble = std::get_if<TreeEnsembleModel>(&pipeline_.model.body)) SingleOutMissingInFloat(*ensemble);
  RETURN_IF_ERROR(CheckOutput(model));

  pipeline_.name = options_.name;
  std::string source = "pmml " + version_.Text() + " " + std::string(kind);
  if (const pugi::xml_node header = FirstChild(root, "Header")) {
    if (const pugi::xml_node application = FirstChild(header, "Application")) {
      source += " (" + Attribute(application, "name").value_or("?");
      if (const std::optional<std::string> app_version = Attribute(application, "version")) source += " " + *app_version;
      source += ")";
    }
    pipeline_.description = Attribute(header, "description").value_or("");
  }
  pipeline_.source = std::move(source);
  if (const Status status = ValidatePipeline(pipeline_); !status.ok()) {
    return status.WithContext(at_.Where(model) + ": the imported pipeline does not validate");
  }
  return std::move(pipeline_);
}

}  // namespace

std::string TargetPredictionExpression(std::optional<double> min, std::optional<double> max, std::string_view cast) {
  std::string x = "score";
  if (min) x = "max(" + x + ", " + pmml_internal::NumberLiteral(*min) + ")";
  if (max) x = "min(" + x + ", " + pmml_internal::NumberLiteral(*max) + ")";
  if (cast == "floor") return "floor(" + x + ")";
  if (cast == "ceiling") return "ceil(" + x + ")";
  if (cast == "round") {
    // Halves toward +infinity, as the PMML built-in round; x - floor(x) is
    // exact in doubles.
    return "(floor(" + x + ") + (if " + x + " - floor(" + x + ") >= 0.5 then 1 else 0))";
  }
  return x == "score" ? std::string() : x;
}

bool LooksLikePmml(std::string_view text) {
  // Skip a byte order mark, the XML declaration, comments and white space;
  // the first element must be PMML (optionally prefixed).
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  for (int guard = 0; guard < 64; ++guard) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    if (text.substr(0, 2) == "<?" || text.substr(0, 4) == "<!--") {
      const size_t end = text.find(text[1] == '?' ? "?>" : "-->");
      if (end == std::string_view::npos) return false;
      text.remove_prefix(end + (text[1] == '?' ? 2 : 3));
      continue;
    }
    break;
  }
  // A DOCTYPE naming PMML still marks a PMML document (which the importer
  // then refuses with a clear message).
  if (text.substr(0, 9) == "<!DOCTYPE") {
    text.remove_prefix(9);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  } else if (text.empty() || text.front() != '<') {
    return false;
  } else {
    text.remove_prefix(1);
  }
  const size_t end = text.find_first_of(" \t\r\n>/");
  std::string_view name = text.substr(0, end);
  if (const size_t colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
  return name == "PMML";
}

Result<Pipeline> ImportPmml(std::string_view xml, const PmmlImportOptions& options) {
  try {
    Importer importer(xml, options);
    return importer.Run();
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while importing the PMML document");
  } catch (const std::exception& e) {
    return InternalError(std::string("PMML import failed: ") + e.what());
  }
}

}  // namespace podium
