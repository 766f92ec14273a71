#include "http/scoring.h"

#include <cmath>
#include <limits>
#include <map>

#include "pipeline/prediction.h"

namespace podium::http {
namespace {

using nlohmann::json;

template <typename T>
ApiResult<T> Error(int status, std::string message) {
  ApiResult<T> result;
  result.error = {status, std::move(message)};
  return result;
}

template <typename T>
ApiResult<T> Ok(T value) {
  ApiResult<T> result;
  result.value = std::move(value);
  return result;
}

std::string JsonTypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

// A JSON scalar as a raw value; false for arrays and objects.
bool ToRaw(const json& value, RawValue* raw) {
  switch (value.type()) {
    case json::value_t::null: *raw = RawValue::Missing(); return true;
    case json::value_t::boolean: *raw = RawValue::Boolean(value.get<bool>()); return true;
    case json::value_t::string: *raw = RawValue::Text(value.get_ref<const std::string&>()); return true;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: *raw = RawValue::Number(value.get<double>()); return true;
    default: return false;
  }
}

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string KeyText(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

}  // namespace

ApiResult<RawTable> NativeTable(const json& body, const serving::ServedVersion& version, int64_t max_rows) {
  const Pipeline& pipeline = version.plan().pipeline();
  RawTable table;
  table.fields = pipeline.inputs.size();
  const bool has_records = body.contains("records");
  const bool has_columns = body.contains("columns");
  if (has_records == has_columns) {
    return Error<RawTable>(400, "the body needs exactly one of \"records\" (a list of objects) or \"columns\" (an "
                                "object of lists)");
  }
  if (has_records) {
    const json& records = body["records"];
    if (!records.is_array()) return Error<RawTable>(400, "\"records\" must be an array of objects");
    if (static_cast<int64_t>(records.size()) > max_rows) {
      return Error<RawTable>(413, "\"records\" has " + std::to_string(records.size()) +
                                      " rows; the limit is " + std::to_string(max_rows));
    }
    table.rows = records.size();
    table.row_prefix = "records";
    table.cells.assign(table.rows * table.fields, RawValue::Missing());
    for (size_t r = 0; r < records.size(); ++r) {
      const json& record = records[r];
      const std::string where = "records[" + std::to_string(r) + "]";
      if (!record.is_object()) return Error<RawTable>(400, where + ": expected an object, got " + JsonTypeName(record));
      for (const auto& [name, value] : record.items()) {
        const int field = version.InputIndex(name);
        if (field < 0) return Error<RawTable>(400, where + "." + name + ": unknown field");
        if (!ToRaw(value, &table.cells[r * table.fields + static_cast<size_t>(field)])) {
          return Error<RawTable>(400, where + "." + name + ": expected a number, string, boolean or null, got " +
                                          JsonTypeName(value));
        }
      }
    }
    return Ok(std::move(table));
  }
  const json& columns = body["columns"];
  if (!columns.is_object()) return Error<RawTable>(400, "\"columns\" must be an object of arrays");
  bool first = true;
  table.row_prefix = "row";
  for (const auto& [name, values] : columns.items()) {
    const int field = version.InputIndex(name);
    if (field < 0) return Error<RawTable>(400, "columns." + name + ": unknown field");
    if (!values.is_array()) return Error<RawTable>(400, "columns." + name + ": expected an array");
    if (first) {
      if (static_cast<int64_t>(values.size()) > max_rows) {
        return Error<RawTable>(413, "columns." + name + " has " + std::to_string(values.size()) +
                                        " rows; the limit is " + std::to_string(max_rows));
      }
      table.rows = values.size();
      table.cells.assign(table.rows * table.fields, RawValue::Missing());
      first = false;
    } else if (values.size() != table.rows) {
      return Error<RawTable>(400, "columns." + name + ": has " + std::to_string(values.size()) +
                                      " values, other columns have " + std::to_string(table.rows));
    }
    for (size_t r = 0; r < values.size(); ++r) {
      if (!ToRaw(values[r], &table.cells[r * table.fields + static_cast<size_t>(field)])) {
        return Error<RawTable>(400, "columns." + name + "[" + std::to_string(r) +
                                        "]: expected a number, string, boolean or null, got " +
                                        JsonTypeName(values[r]));
      }
    }
  }
  return Ok(std::move(table));
}

namespace {

struct DatatypeInfo {
  enum class Kind { kBool, kInt, kUint, kFloat, kBytes } kind;
  double lo = 0, hi = 0;
};

std::optional<DatatypeInfo> LookupDatatype(const std::string& name) {
  using K = DatatypeInfo::Kind;
  static const std::map<std::string, DatatypeInfo> kTypes = {
      {"BOOL", {K::kBool}},
      {"INT8", {K::kInt, -128.0, 127.0}},
      {"INT16", {K::kInt, -32768.0, 32767.0}},
      {"INT32", {K::kInt, -2147483648.0, 2147483647.0}},
      {"INT64", {K::kInt, -9223372036854775808.0, 9223372036854775807.0}},
      {"UINT8", {K::kUint, 0, 255.0}},
      {"UINT16", {K::kUint, 0, 65535.0}},
      {"UINT32", {K::kUint, 0, 4294967295.0}},
      {"UINT64", {K::kUint, 0, 18446744073709551615.0}},
      {"FP32", {K::kFloat}},
      {"FP64", {K::kFloat}},
      {"BYTES", {K::kBytes}},
  };
  auto it = kTypes.find(name);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

// Appends the leaves of (possibly nested) `data` to `out`.
bool Flatten(const json& data, std::vector<const json*>* out, size_t limit) {
  if (!data.is_array()) {
    if (out->size() >= limit) return false;
    out->push_back(&data);
    return true;
  }
  for (const json& item : data) {
    if (!Flatten(item, out, limit)) return false;
  }
  return true;
}

// Checks one element against the tensor's datatype and converts it.
std::optional<std::string> ConvertElement(const json& value, const DatatypeInfo& type, const std::string& datatype,
                                          RawValue* raw) {
  using K = DatatypeInfo::Kind;
  if (value.is_null()) {
    *raw = RawValue::Missing();
    return std::nullopt;
  }
  switch (type.kind) {
    case K::kBool:
      if (!value.is_boolean()) return "expected true or false for BOOL, got " + JsonTypeName(value);
      *raw = RawValue::Boolean(value.get<bool>());
      return std::nullopt;
    case K::kInt:
    case K::kUint: {
      if (!value.is_number_integer()) return "expected an integer for " + datatype + ", got " + JsonTypeName(value);
      const double v = value.get<double>();
      if (value.is_number_unsigned() ? v > type.hi : (v < type.lo || v > type.hi)) {
        return value.dump() + " is out of range for " + datatype;
      }
      *raw = RawValue::Number(v);
      return std::nullopt;
    }
    case K::kFloat:
      if (!value.is_number()) return "expected a number for " + datatype + ", got " + JsonTypeName(value);
      *raw = RawValue::Number(value.get<double>());
      return std::nullopt;
    case K::kBytes:
      if (!value.is_string()) return "expected a string for BYTES, got " + JsonTypeName(value);
      *raw = RawValue::Text(value.get_ref<const std::string&>());
      return std::nullopt;
  }
  return "unsupported datatype";
}

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  std::string datatype;
  DatatypeInfo type;
  std::vector<const json*> elements;
};

ApiResult<Tensor> ReadTensor(const json& input, size_t i, int64_t max_rows) {
  const std::string where = "inputs[" + std::to_string(i) + "]";
  if (!input.is_object()) return Error<Tensor>(400, where + ": expected an object");
  static const char* kMembers[] = {"name", "shape", "datatype", "data", "parameters"};
  for (const auto& [key, value] : input.items()) {
    if (std::find(std::begin(kMembers), std::end(kMembers), key) == std::end(kMembers)) {
      return Error<Tensor>(400, where + "." + key + ": unknown member");
    }
  }
  Tensor tensor;
  if (!input.contains("name") || !input["name"].is_string()) return Error<Tensor>(400, where + ".name: required string");
  tensor.name = input["name"].get<std::string>();
  const std::string named = where + " ('" + tensor.name + "')";
  if (!input.contains("datatype") || !input["datatype"].is_string()) {
    return Error<Tensor>(400, named + ".datatype: required string");
  }
  tensor.datatype = input["datatype"].get<std::string>();
  std::optional<DatatypeInfo> type = LookupDatatype(tensor.datatype);
  if (!type) {
    return Error<Tensor>(400, named + ".datatype: '" + tensor.datatype +
                                  "' is not supported (BOOL, INT8..INT64, UINT8..UINT64, FP32, FP64, BYTES)");
  }
  tensor.type = *type;
  if (!input.contains("shape") || !input["shape"].is_array() || input["shape"].empty() ||
      input["shape"].size() > 2) {
    return Error<Tensor>(400, named + ".shape: required, [N] or [N, k]");
  }
  uint64_t count = 1;
  for (const json& dim : input["shape"]) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0 || dim.get<int64_t>() > (int64_t{1} << 40)) {
      return Error<Tensor>(400, named + ".shape: dimensions must be non-negative integers");
    }
    tensor.shape.push_back(dim.get<int64_t>());
    count *= static_cast<uint64_t>(tensor.shape.back());
  }
  if (tensor.shape[0] > max_rows) {
    return Error<Tensor>(413, named + ": " + std::to_string(tensor.shape[0]) + " rows; the limit is " +
                                  std::to_string(max_rows));
  }
  if (!input.contains("data")) return Error<Tensor>(400, named + ".data: required");
  if (!Flatten(input["data"], &tensor.elements, count + 1) || tensor.elements.size() != count) {
    return Error<Tensor>(400, named + ".data: shape " + input["shape"].dump() + " needs " + std::to_string(count) +
                                  " elements");
  }
  return Ok(std::move(tensor));
}

}  // namespace

ApiResult<RawTable> OipTable(const json& body, const serving::ServedVersion& version, int64_t max_rows) {
  const Pipeline& pipeline = version.plan().pipeline();
  if (!body.contains("inputs") || !body["inputs"].is_array() || body["inputs"].empty()) {
    return Error<RawTable>(400, "\"inputs\": required, a non-empty array of tensors");
  }
  const json& inputs = body["inputs"];
  std::vector<Tensor> tensors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ApiResult<Tensor> tensor = ReadTensor(inputs[i], i, max_rows);
    if (!tensor.ok()) return Error<RawTable>(tensor.error.status, tensor.error.message);
    tensors.push_back(std::move(*tensor.value));
  }
  RawTable table;
  table.fields = pipeline.inputs.size();
  table.row_prefix = "row";
  // One [N, k] tensor in schema order.
  if (tensors.size() == 1 && version.InputIndex(tensors[0].name) < 0 && tensors[0].shape.size() == 2 &&
      tensors[0].shape[1] == static_cast<int64_t>(table.fields)) {
    const Tensor& t = tensors[0];
    for (const InputField& field : pipeline.inputs) {
      if (field.type == FieldType::kCategory) {
        return Error<RawTable>(400, "inputs[0] ('" + t.name + "'): input '" + field.name +
                                        "' is a category; send one BYTES tensor per input field");
      }
    }
    table.rows = static_cast<size_t>(t.shape[0]);
    table.cells.resize(t.elements.size());
    for (size_t e = 0; e < t.elements.size(); ++e) {
      std::optional<std::string> problem = ConvertElement(*t.elements[e], t.type, t.datatype, &table.cells[e]);
      if (problem) {
        return Error<RawTable>(400, "inputs[0] ('" + t.name + "'): element " + std::to_string(e) + " (row " +
                                        std::to_string(e / table.fields) + ", input '" +
                                        pipeline.inputs[e % table.fields].name + "'): " + *problem);
      }
    }
    return Ok(std::move(table));
  }
  std::vector<bool> seen(table.fields, false);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    const std::string where = "inputs[" + std::to_string(i) + "] ('" + t.name + "')";
    const int index = version.InputIndex(t.name);
    if (index < 0) {
      return Error<RawTable>(400, where + ": no input field of that name (or send one [N, " +
                                      std::to_string(table.fields) + "] tensor in schema order)");
    }
    const size_t field_index = static_cast<size_t>(index);
    if (seen[field_index]) return Error<RawTable>(400, where + ": the field is given twice");
    seen[field_index] = true;
    if (t.shape.size() == 2 && t.shape[1] != 1) return Error<RawTable>(400, where + ".shape: expected [N] or [N, 1]");
    const InputField& field = pipeline.inputs[field_index];
    if (field.type == FieldType::kCategory && t.type.kind != DatatypeInfo::Kind::kBytes) {
      return Error<RawTable>(400, where + ".datatype: '" + field.name + "' is a category: expected BYTES");
    }
    const size_t rows = static_cast<size_t>(t.shape[0]);
    if (i == 0) {
      table.rows = rows;
      table.cells.assign(table.rows * table.fields, RawValue::Missing());
    } else if (rows != table.rows) {
      return Error<RawTable>(400, where + ".shape: " + std::to_string(rows) + " rows, the first tensor has " +
                                      std::to_string(table.rows));
    }
    for (size_t r = 0; r < rows; ++r) {
      std::optional<std::string> problem =
          ConvertElement(*t.elements[r], t.type, t.datatype, &table.cells[r * table.fields + field_index]);
      if (problem) return Error<RawTable>(400, where + ".data[" + std::to_string(r) + "]: " + *problem);
    }
  }
  return Ok(std::move(table));
}

std::optional<std::string> NativeKey(const json& body, const std::string& field) {
  if (field.empty()) return std::nullopt;
  auto records = body.find("records");
  if (records != body.end() && records->is_array() && !records->empty() && (*records)[0].is_object()) {
    auto it = (*records)[0].find(field);
    if (it != (*records)[0].end()) return KeyText(*it);
  }
  auto columns = body.find("columns");
  if (columns != body.end() && columns->is_object()) {
    auto it = columns->find(field);
    if (it != columns->end() && it->is_array() && !it->empty()) return KeyText((*it)[0]);
  }
  return std::nullopt;
}

std::optional<std::string> OipKey(const json& body, const std::string& field) {
  if (field.empty()) return std::nullopt;
  auto inputs = body.find("inputs");
  if (inputs == body.end() || !inputs->is_array()) return std::nullopt;
  for (const json& input : *inputs) {
    if (!input.is_object()) continue;
    auto name = input.find("name");
    auto data = input.find("data");
    if (name == input.end() || !name->is_string() || *name != field || data == input.end()) continue;
    const json* first = &*data;
    while (first->is_array() && !first->empty()) first = &(*first)[0];
    if (!first->is_array()) return KeyText(*first);
  }
  return std::nullopt;
}

OutputLayout LayoutOf(const engine::ScoringPlan& plan) {
  OutputLayout layout;
  const Pipeline& pipeline = plan.pipeline();
  layout.value_names = ValueColumnNames(pipeline);
  layout.label = pipeline.model.task != Task::kRegression;
  layout.label_name = LabelColumnName(pipeline);
  for (const BusinessRule& rule : pipeline.post.rules) {
    layout.decision |= rule.action == RuleAction::kOverride;
    layout.flags |= rule.action == RuleAction::kAnnotate;
  }
  return layout;
}

ApiResult<engine::BatchResult> ScoreTable(const serving::ServedVersion& version, const RawTable& table,
                                          bool explain) {
  const engine::ScoringPlan& plan = version.plan();
  if (explain && !plan.can_explain()) {
    return Error<engine::BatchResult>(412, "this model cannot explain its scores (its trees have no node cover)");
  }
  std::vector<double> encoded(table.rows * table.fields);
  for (size_t r = 0; r < table.rows; ++r) {
    for (size_t f = 0; f < table.fields; ++f) {
      Result<double> value = plan.EncodeInput(static_cast<int>(f), table.cells[r * table.fields + f]);
      if (!value.ok()) {
        return Error<engine::BatchResult>(HttpStatusFor(value.status().code()),
                                          table.row_prefix + "[" + std::to_string(r) + "]: " +
                                              value.status().message());
      }
      encoded[r * table.fields + f] = *value;
    }
  }
  engine::BatchResult result;
  {
    serving::ServedVersion::ScratchLease scratch = version.AcquireScratch();
    plan.ScoreBatch(encoded.data(), table.rows, scratch.get(), &result, explain);
  }
  if (!result.errors.empty()) {
    const engine::RowError& error = result.errors.front();
    return Error<engine::BatchResult>(HttpStatusFor(error.status.code()),
                                      table.row_prefix + "[" + std::to_string(error.row) + "]: " +
                                          error.status.message());
  }
  return Ok(std::move(result));
}

namespace {

json NumberOrNull(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

std::string FlagText(const BusinessRule& rule) { return rule.reason.empty() ? rule.name : rule.reason; }

}  // namespace

json NativeRows(const engine::ScoringPlan& plan, const engine::BatchResult& result, int reasons) {
  const OutputLayout layout = LayoutOf(plan);
  const Pipeline& pipeline = plan.pipeline();
  json rows = json::array();
  const size_t k = static_cast<size_t>(result.num_values);
  const size_t width = plan.feature_names().size() + 1;
  for (size_t r = 0; r < result.rows; ++r) {
    json row = json::object();
    for (size_t v = 0; v < k; ++v) row[layout.value_names[v]] = NumberOrNull(result.values[r * k + v]);
    if (layout.label) {
      const int32_t label = result.labels[r];
      row[layout.label_name] = label >= 0 ? json(plan.classes()[label]) : json(nullptr);
    }
    const int32_t decision = result.decisions[r];
    if (layout.decision || layout.label) {
      row["decision"] = decision >= 0 ? json(plan.decision_vocabulary()[decision]) : json(nullptr);
    }
    if (layout.flags) {
      json flags = json::array();
      for (uint32_t i = result.fired_offsets[r]; i < result.fired_offsets[r + 1]; ++i) {
        const BusinessRule& rule = pipeline.post.rules[result.fired_rules[i]];
        if (rule.action == RuleAction::kAnnotate) flags.push_back(FlagText(rule));
      }
      row["flags"] = std::move(flags);
    }
    if (reasons > 0 && !result.contributions.empty()) {
      std::vector<Contribution> contributions;
      for (size_t j = 0; j + 1 < width; ++j) {
        // A missing feature has no contribution (a GLM's score is then missing too).
        const double value = result.contributions[r * width + j];
        if (std::isfinite(value)) contributions.push_back({static_cast<int32_t>(j), value});
      }
      json list = json::array();
      for (const Contribution& c : TopReasons(contributions, reasons)) {
        list.push_back({{"feature", plan.feature_names()[c.feature]}, {"contribution", NumberOrNull(c.value)}});
      }
      row["reasons"] = std::move(list);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

ApiResult<json> OipOutputs(const engine::ScoringPlan& plan, const engine::BatchResult& result,
                           const std::vector<std::string>& requested) {
  const OutputLayout layout = LayoutOf(plan);
  const Pipeline& pipeline = plan.pipeline();
  const size_t n = result.rows;
  const size_t k = static_cast<size_t>(result.num_values);
  std::vector<json> all;
  auto tensor = [&](const std::string& name, const char* datatype, json data) {
    all.push_back({{"name", name}, {"shape", {n}}, {"datatype", datatype}, {"data", std::move(data)}});
  };
  for (size_t v = 0; v < k; ++v) {
    json data = json::array();
    for (size_t r = 0; r < n; ++r) data.push_back(NumberOrNull(result.values[r * k + v]));
    tensor(layout.value_names[v], "FP64", std::move(data));
  }
  if (layout.label) {
    json data = json::array();
    for (size_t r = 0; r < n; ++r) data.push_back(result.labels[r] >= 0 ? plan.classes()[result.labels[r]] : "");
    tensor(layout.label_name, "BYTES", std::move(data));
  }
  if (layout.decision || layout.label) {
    json data = json::array();
    for (size_t r = 0; r < n; ++r) {
      data.push_back(result.decisions[r] >= 0 ? plan.decision_vocabulary()[result.decisions[r]] : "");
    }
    tensor("decision", "BYTES", std::move(data));
  }
  if (layout.flags) {
    json data = json::array();
    for (size_t r = 0; r < n; ++r) {
      std::string flags;
      for (uint32_t i = result.fired_offsets[r]; i < result.fired_offsets[r + 1]; ++i) {
        const BusinessRule& rule = pipeline.post.rules[result.fired_rules[i]];
        if (rule.action != RuleAction::kAnnotate) continue;
        if (!flags.empty()) flags += "; ";
        flags += FlagText(rule);
      }
      data.push_back(flags);
    }
    tensor("flags", "BYTES", std::move(data));
  }
  if (requested.empty()) return Ok(json(all));
  json selected = json::array();
  for (const std::string& name : requested) {
    auto it = std::find_if(all.begin(), all.end(), [&](const json& t) { return t["name"] == name; });
    if (it == all.end()) {
      std::string names;
      for (const json& t : all) names += (names.empty() ? "" : ", ") + t["name"].get<std::string>();
      return Error<json>(400, "outputs: no output named '" + name + "' (this model has " + names + ")");
    }
    selected.push_back(*it);
  }
  return Ok(std::move(selected));
}

std::string OipDatatype(FieldType type) {
  switch (type) {
    case FieldType::kNumber: return "FP64";
    case FieldType::kInteger: return "INT64";
    case FieldType::kBoolean: return "BOOL";
    case FieldType::kCategory: return "BYTES";
  }
  return "BYTES";
}

}  // namespace podium::http
