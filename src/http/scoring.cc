#include "http/scoring.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "http/json_body.h"
#include "pipeline/prediction.h"

namespace podium::http {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

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

// A JSON scalar as a raw value; false for arrays and objects.
bool ToRaw(element value, RawValue* raw) {
  switch (value.type()) {
    case element_type::NULL_VALUE: *raw = RawValue::Missing(); return true;
    case element_type::BOOL: *raw = RawValue::Boolean(value.get_bool().value_unsafe()); return true;
    case element_type::STRING: *raw = RawValue::Text(value.get_string().value_unsafe()); return true;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: *raw = RawValue::Number(value.get_double().value_unsafe()); return true;
    default: return false;
  }
}

std::string KeyText(element value) {
  if (value.is_string()) return std::string(value.get_string().value_unsafe());
  if (value.is_null()) return "";
  return simdjson::minify(value);
}

// The member `name` of `body`, or a null element when absent.
bool Member(object body, std::string_view name, element* value) {
  return body.at_key(name).get(*value) == simdjson::SUCCESS;
}

// Array sizes saturate in simdjson's DOM; count exactly (bounded by `limit`,
// past which the exact count does not matter).
size_t CountUpTo(array values, size_t limit) {
  size_t n = values.size();
  if (n < 0xFFFFFF) return n;
  n = 0;
  for (element e : values) {
    (void)e;
    if (++n > limit) break;
  }
  return n;
}

// "12" when exact, "more than 10000" when counting stopped at the limit.
std::string RowCountText(array values, size_t counted) {
  if (values.size() < 0xFFFFFF) return std::to_string(counted);
  return "more than " + std::to_string(counted - 1);
}

}  // namespace

ApiResult<RawTable> NativeTable(object body, const serving::ServedVersion& version, int64_t max_rows) {
  const Pipeline& pipeline = version.plan().pipeline();
  RawTable table;
  table.fields = pipeline.inputs.size();
  element records_value, columns_value;
  const bool has_records = Member(body, "records", &records_value);
  const bool has_columns = Member(body, "columns", &columns_value);
  if (has_records == has_columns) {
    return Error<RawTable>(400, "the body needs exactly one of \"records\" (a list of objects) or \"columns\" (an "
                                "object of lists)");
  }
  const size_t row_limit = static_cast<size_t>(max_rows);
  if (has_records) {
    array records;
    if (records_value.get_array().get(records)) return Error<RawTable>(400, "\"records\" must be an array of objects");
    const size_t count = CountUpTo(records, row_limit);
    if (count > row_limit) {
      return Error<RawTable>(413, "\"records\" has " + RowCountText(records, count) + " rows; the limit is " +
                                      std::to_string(max_rows));
    }
    table.rows = count;
    table.row_prefix = "records";
    table.cells.assign(table.rows * table.fields, RawValue::Missing());
    size_t r = 0;
    for (element record_value : records) {
      object record;
      if (record_value.get_object().get(record)) {
        return Error<RawTable>(400, "records[" + std::to_string(r) + "]: expected an object, got " +
                                        JsonTypeName(record_value));
      }
      size_t expected = 0;  // clients usually send the fields in schema order
      for (auto [name, value] : record) {
        const int field = expected < table.fields && pipeline.inputs[expected].name == name
                              ? static_cast<int>(expected)
                              : version.InputIndex(name);
        expected = static_cast<size_t>(field) + 1;
        if (field < 0) {
          return Error<RawTable>(400, "records[" + std::to_string(r) + "]." + std::string(name) + ": unknown field");
        }
        if (!ToRaw(value, &table.cells[r * table.fields + static_cast<size_t>(field)])) {
          return Error<RawTable>(400, "records[" + std::to_string(r) + "]." + std::string(name) +
                                          ": expected a number, string, boolean or null, got " +
                                          JsonTypeName(value));
        }
      }
      ++r;
    }
    return Ok(std::move(table));
  }
  object columns;
  if (columns_value.get_object().get(columns)) return Error<RawTable>(400, "\"columns\" must be an object of arrays");
  bool first = true;
  table.row_prefix = "row";
  for (auto [name_view, values_value] : columns) {
    const std::string name(name_view);
    const int field = version.InputIndex(name);
    if (field < 0) return Error<RawTable>(400, "columns." + name + ": unknown field");
    array values;
    if (values_value.get_array().get(values)) return Error<RawTable>(400, "columns." + name + ": expected an array");
    const size_t count = CountUpTo(values, row_limit);
    if (first) {
      if (count > row_limit) {
        return Error<RawTable>(413, "columns." + name + " has " + RowCountText(values, count) +
                                        " rows; the limit is " + std::to_string(max_rows));
      }
      table.rows = count;
      table.cells.assign(table.rows * table.fields, RawValue::Missing());
      first = false;
    } else if (count != table.rows) {
      return Error<RawTable>(400, "columns." + name + ": has " + std::to_string(count) +
                                      (count > row_limit ? " or more" : "") + " values, other columns have " +
                                      std::to_string(table.rows));
    }
    size_t r = 0;
    for (element value : values) {
      if (!ToRaw(value, &table.cells[r * table.fields + static_cast<size_t>(field)])) {
        return Error<RawTable>(400, "columns." + name + "[" + std::to_string(r) +
                                        "]: expected a number, string, boolean or null, got " + JsonTypeName(value));
      }
      ++r;
    }
  }
  return Ok(std::move(table));
}

namespace {

struct DatatypeInfo {
  enum class Kind { kBool, kInt, kUint, kFloat, kBytes } kind;
  double lo = 0, hi = 0;
};

std::optional<DatatypeInfo> LookupDatatype(std::string_view name) {
  using K = DatatypeInfo::Kind;
  static const std::map<std::string, DatatypeInfo, std::less<>> kTypes = {
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

// Appends the leaves of (possibly nested) `data` to `out`; false past `limit`.
bool Flatten(element data, std::vector<element>* out, size_t limit) {
  array items;
  if (data.get_array().get(items)) {
    if (out->size() >= limit) return false;
    out->push_back(data);
    return true;
  }
  for (element item : items) {
    if (!Flatten(item, out, limit)) return false;
  }
  return true;
}

// Checks one element against the tensor's datatype and converts it.
std::optional<std::string> ConvertElement(element value, const DatatypeInfo& type, const std::string& datatype,
                                          RawValue* raw) {
  using K = DatatypeInfo::Kind;
  if (value.is_null()) {
    *raw = RawValue::Missing();
    return std::nullopt;
  }
  switch (type.kind) {
    case K::kBool:
      if (!value.is_bool()) return std::string("expected true or false for BOOL, got ") + JsonTypeName(value);
      *raw = RawValue::Boolean(value.get_bool().value_unsafe());
      return std::nullopt;
    case K::kInt:
    case K::kUint: {
      const element_type t = value.type();
      if (t != element_type::INT64 && t != element_type::UINT64) {
        return "expected an integer for " + datatype + ", got " + JsonTypeName(value);
      }
      const double v = value.get_double().value_unsafe();
      if (t == element_type::UINT64 ? v > type.hi : (v < type.lo || v > type.hi)) {
        return simdjson::minify(value) + " is out of range for " + datatype;
      }
      *raw = RawValue::Number(v);
      return std::nullopt;
    }
    case K::kFloat:
      if (!value.is_number()) return "expected a number for " + datatype + ", got " + JsonTypeName(value);
      *raw = RawValue::Number(value.get_double().value_unsafe());
      return std::nullopt;
    case K::kBytes:
      if (!value.is_string()) return std::string("expected a string for BYTES, got ") + JsonTypeName(value);
      *raw = RawValue::Text(value.get_string().value_unsafe());
      return std::nullopt;
  }
  return "unsupported datatype";
}

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  std::string datatype;
  DatatypeInfo type;
  std::vector<element> elements;
};

ApiResult<Tensor> ReadTensor(element input_value, size_t i, int64_t max_rows) {
  const std::string where = "inputs[" + std::to_string(i) + "]";
  object input;
  if (input_value.get_object().get(input)) return Error<Tensor>(400, where + ": expected an object");
  static constexpr std::string_view kMembers[] = {"name", "shape", "datatype", "data", "parameters"};
  for (auto [key, value] : input) {
    if (std::find(std::begin(kMembers), std::end(kMembers), key) == std::end(kMembers)) {
      return Error<Tensor>(400, where + "." + std::string(key) + ": unknown member");
    }
  }
  Tensor tensor;
  element name;
  if (!Member(input, "name", &name) || !name.is_string()) return Error<Tensor>(400, where + ".name: required string");
  tensor.name = std::string(name.get_string().value_unsafe());
  const std::string named = where + " ('" + tensor.name + "')";
  element datatype;
  if (!Member(input, "datatype", &datatype) || !datatype.is_string()) {
    return Error<Tensor>(400, named + ".datatype: required string");
  }
  tensor.datatype = std::string(datatype.get_string().value_unsafe());
  std::optional<DatatypeInfo> type = LookupDatatype(tensor.datatype);
  if (!type) {
    return Error<Tensor>(400, named + ".datatype: '" + tensor.datatype +
                                  "' is not supported (BOOL, INT8..INT64, UINT8..UINT64, FP32, FP64, BYTES)");
  }
  tensor.type = *type;
  element shape_value;
  array shape;
  if (!Member(input, "shape", &shape_value) || shape_value.get_array().get(shape) || shape.size() == 0 ||
      shape.size() > 2) {
    return Error<Tensor>(400, named + ".shape: required, [N] or [N, k]");
  }
  uint64_t count = 1;
  for (element dim : shape) {
    int64_t d = 0;
    const element_type t = dim.type();
    if ((t != element_type::INT64 && t != element_type::UINT64) || dim.get_int64().get(d) || d < 0 ||
        d > (int64_t{1} << 40)) {
      return Error<Tensor>(400, named + ".shape: dimensions must be non-negative integers");
    }
    tensor.shape.push_back(d);
    count *= static_cast<uint64_t>(d);
  }
  if (tensor.shape[0] > max_rows) {
    return Error<Tensor>(413, named + ": " + std::to_string(tensor.shape[0]) + " rows; the limit is " +
                                  std::to_string(max_rows));
  }
  element data;
  if (!Member(input, "data", &data)) return Error<Tensor>(400, named + ".data: required");
  if (!Flatten(data, &tensor.elements, count + 1) || tensor.elements.size() != count) {
    return Error<Tensor>(400, named + ".data: shape " + simdjson::minify(shape_value) + " needs " +
                                  std::to_string(count) + " elements");
  }
  return Ok(std::move(tensor));
}

}  // namespace

ApiResult<RawTable> OipTable(object body, const serving::ServedVersion& version, int64_t max_rows) {
  const Pipeline& pipeline = version.plan().pipeline();
  element inputs_value;
  array inputs;
  if (!Member(body, "inputs", &inputs_value) || inputs_value.get_array().get(inputs) || inputs.size() == 0) {
    return Error<RawTable>(400, "\"inputs\": required, a non-empty array of tensors");
  }
  std::vector<Tensor> tensors;
  size_t i = 0;
  for (element input : inputs) {
    ApiResult<Tensor> tensor = ReadTensor(input, i++, max_rows);
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
      std::optional<std::string> problem = ConvertElement(t.elements[e], t.type, t.datatype, &table.cells[e]);
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
          ConvertElement(t.elements[r], t.type, t.datatype, &table.cells[r * table.fields + field_index]);
      if (problem) return Error<RawTable>(400, where + ".data[" + std::to_string(r) + "]: " + *problem);
    }
  }
  return Ok(std::move(table));
}

std::optional<std::string> NativeKey(object body, const std::string& field) {
  if (field.empty()) return std::nullopt;
  element records_value, columns_value;
  array records;
  if (Member(body, "records", &records_value) && !records_value.get_array().get(records)) {
    for (element first : records) {
      element value;
      if (first.is_object() && !first.get_object().value_unsafe().at_key(field).get(value)) return KeyText(value);
      break;
    }
  }
  object columns;
  if (Member(body, "columns", &columns_value) && !columns_value.get_object().get(columns)) {
    element values;
    array list;
    if (!columns.at_key(field).get(values) && !values.get_array().get(list)) {
      for (element first : list) return KeyText(first);
    }
  }
  return std::nullopt;
}

std::optional<std::string> OipKey(object body, const std::string& field) {
  if (field.empty()) return std::nullopt;
  element inputs_value;
  array inputs;
  if (!Member(body, "inputs", &inputs_value) || inputs_value.get_array().get(inputs)) return std::nullopt;
  for (element input_value : inputs) {
    object input;
    if (input_value.get_object().get(input)) continue;
    element name, data;
    if (!Member(input, "name", &name) || !name.is_string() || name.get_string().value_unsafe() != field ||
        !Member(input, "data", &data)) {
      continue;
    }
    element first = data;
    array items;
    while (!first.get_array().get(items)) {
      bool found = false;
      for (element item : items) {
        first = item;
        found = true;
        break;
      }
      if (!found) break;
    }
    if (!first.is_array()) return KeyText(first);
  }
  return std::nullopt;
}

OutputLayout LayoutOf(const engine::ScoringPlan& plan) {
  OutputLayout layout;
  const Pipeline& pipeline = plan.pipeline();
  layout.value_names = ValueColumnNames(pipeline);
  layout.label = pipeline.model.task != Task::kRegression;
  layout.label_name = LabelColumnName(pipeline);
  for (const DerivedOutput& output : pipeline.post.outputs) layout.derived_names.push_back(output.name);
  for (const BusinessRule& rule : pipeline.post.rules) {
    layout.decision |= rule.action == RuleAction::kOverride;
    layout.flags |= rule.action == RuleAction::kAnnotate;
  }
  return layout;
}

ApiResult<engine::BatchResult> ScoreTable(const serving::ServedVersion& version, const RawTable& table,
                                          bool explain) {
  const engine::ScoringPlan& plan = version.plan();
  if (explain && plan.pipeline().model.task == Task::kClustering) {
    return Error<engine::BatchResult>(412, "a clustering model has no reason codes (its outputs are the distances "
                                           "to the cluster centers, not a score made of feature contributions)");
  }
  if (explain && !plan.pipeline().post.prediction_expression.empty()) {
    return Error<engine::BatchResult>(412, "this model cannot explain its scores (post.prediction_expression "
                                           "replaces the model's prediction, so feature contributions would not "
                                           "add up to it)");
  }
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

std::string FlagText(const BusinessRule& rule) { return rule.reason.empty() ? rule.name : rule.reason; }

}  // namespace

void WriteNativeRows(const engine::ScoringPlan& plan, const engine::BatchResult& result, int reasons,
                     JsonWriter* out) {
  const OutputLayout layout = LayoutOf(plan);
  const Pipeline& pipeline = plan.pipeline();
  const size_t k = static_cast<size_t>(result.num_values);
  const size_t width = plan.feature_names().size() + 1;
  std::vector<Contribution> contributions;
  out->BeginArray();
  for (size_t r = 0; r < result.rows; ++r) {
    out->BeginObject();
    for (size_t v = 0; v < k; ++v) out->Key(layout.value_names[v]).Number(result.values[r * k + v]);
    if (layout.label) {
      const int32_t label = result.labels[r];
      out->Key(layout.label_name);
      label >= 0 ? out->String(plan.classes()[label]) : out->Null();
    }
    const size_t nd = layout.derived_names.size();
    for (size_t j = 0; j < nd; ++j) {
      const double value = result.derived[r * nd + j];
      const std::vector<std::string>& categories = pipeline.post.outputs[j].categories;
      out->Key(layout.derived_names[j]);
      if (categories.empty()) {
        out->Number(value);
      } else {
        // A category output holds its category's position (NaN: missing).
        std::isnan(value) ? out->Null() : out->String(categories[static_cast<size_t>(value)]);
      }
    }
    const int32_t decision = result.decisions[r];
    if (layout.decision || layout.label) {
      out->Key("decision");
      decision >= 0 ? out->String(plan.decision_vocabulary()[decision]) : out->Null();
    }
    if (layout.flags) {
      out->Key("flags").BeginArray();
      for (uint32_t i = result.fired_offsets[r]; i < result.fired_offsets[r + 1]; ++i) {
        const BusinessRule& rule = pipeline.post.rules[result.fired_rules[i]];
        if (rule.action == RuleAction::kAnnotate) out->String(FlagText(rule));
      }
      out->EndArray();
    }
    if (reasons > 0 && !result.contributions.empty()) {
      contributions.clear();
      for (size_t j = 0; j + 1 < width; ++j) {
        // A missing feature has no contribution (a GLM's score is then missing too).
        const double value = result.contributions[r * width + j];
        if (std::isfinite(value)) contributions.push_back({static_cast<int32_t>(j), value});
      }
      out->Key("reasons").BeginArray();
      for (const Contribution& c : TopReasons(contributions, reasons, pipeline.post)) {
        out->BeginObject();
        out->Key("feature").String(ReasonLabel(pipeline, c.feature));
        out->Key("contribution").Number(c.value);
        out->EndObject();
      }
      out->EndArray();
    }
    out->EndObject();
  }
  out->EndArray();
}

std::vector<std::string> OipOutputNames(const OutputLayout& layout) {
  std::vector<std::string> names = layout.value_names;
  if (layout.label) names.push_back(layout.label_name);
  names.insert(names.end(), layout.derived_names.begin(), layout.derived_names.end());
  if (layout.decision || layout.label) names.push_back("decision");
  if (layout.flags) names.push_back("flags");
  return names;
}

std::optional<ApiError> CheckRequestedOutputs(const engine::ScoringPlan& plan,
                                              const std::vector<std::string>& requested) {
  if (requested.empty()) return std::nullopt;
  const std::vector<std::string> names = OipOutputNames(LayoutOf(plan));
  for (const std::string& name : requested) {
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    return ApiError{400, "outputs: no output named '" + name + "' (this model has " + list + ")"};
  }
  return std::nullopt;
}

void WriteOipOutputs(const engine::ScoringPlan& plan, const engine::BatchResult& result,
                     const std::vector<std::string>& requested, JsonWriter* out) {
  const OutputLayout layout = LayoutOf(plan);
  const Pipeline& pipeline = plan.pipeline();
  const size_t n = result.rows;
  const size_t k = static_cast<size_t>(result.num_values);
  const std::vector<std::string> names = OipOutputNames(layout);
  auto begin = [&](const std::string& name, const char* datatype) {
    out->BeginObject();
    out->Key("name").String(name);
    out->Key("shape").BeginArray().Integer(static_cast<int64_t>(n)).EndArray();
    out->Key("datatype").String(datatype);
    out->Key("data").BeginArray();
  };
  auto end = [&] { out->EndArray().EndObject(); };
  // Writes output `index` of OipOutputNames.
  auto write = [&](size_t index) {
    if (index < k) {
      begin(names[index], "FP64");
      for (size_t r = 0; r < n; ++r) out->Number(result.values[r * k + index]);
      return end();
    }
    const std::string& name = names[index];
    if (layout.label && index == k) {
      begin(name, "BYTES");
      for (size_t r = 0; r < n; ++r) {
        out->String(result.labels[r] >= 0 ? std::string_view(plan.classes()[result.labels[r]]) : std::string_view());
      }
      return end();
    }
    const size_t nd = layout.derived_names.size();
    const size_t first_derived = k + (layout.label ? 1 : 0);
    if (index >= first_derived && index < first_derived + nd) {
      const size_t j = index - first_derived;
      const std::vector<std::string>& categories = pipeline.post.outputs[j].categories;
      begin(name, categories.empty() ? "FP64" : "BYTES");
      for (size_t r = 0; r < n; ++r) {
        const double value = result.derived[r * nd + j];
        if (categories.empty()) {
          out->Number(value);
        } else {
          out->String(std::isnan(value) ? std::string_view() : std::string_view(categories[static_cast<size_t>(value)]));
        }
      }
      return end();
    }
    if (name == "decision" && (layout.decision || layout.label)) {
      begin(name, "BYTES");
      for (size_t r = 0; r < n; ++r) {
        out->String(result.decisions[r] >= 0 ? std::string_view(plan.decision_vocabulary()[result.decisions[r]])
                                             : std::string_view());
      }
      return end();
    }
    begin(name, "BYTES");  // flags
    for (size_t r = 0; r < n; ++r) {
      std::string flags;
      for (uint32_t i = result.fired_offsets[r]; i < result.fired_offsets[r + 1]; ++i) {
        const BusinessRule& rule = pipeline.post.rules[result.fired_rules[i]];
        if (rule.action != RuleAction::kAnnotate) continue;
        if (!flags.empty()) flags += "; ";
        flags += FlagText(rule);
      }
      out->String(flags);
    }
    end();
  };
  out->BeginArray();
  if (requested.empty()) {
    for (size_t i = 0; i < names.size(); ++i) write(i);
  } else {
    for (const std::string& name : requested) {
      const auto it = std::find(names.begin(), names.end(), name);
      if (it != names.end()) write(static_cast<size_t>(it - names.begin()));
    }
  }
  out->EndArray();
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
