// Internal to the http module: turning request bodies into rows of raw
// values for one pipeline's input schema, scoring them with one served
// version, and writing the results as the native API's rows or as Open
// Inference Protocol output tensors. Bodies are simdjson DOM documents
// (json_body.h); raw values point into the document, which must outlive the
// table. Answers are written with a JsonWriter. Thread-safe (pure functions).
#ifndef PODIUM_HTTP_SCORING_H_
#define PODIUM_HTTP_SCORING_H_

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/engine.h"
#include "http/json_writer.h"
#include "pipeline/input.h"
#include "serving/model_manager.h"

namespace podium::http {

// An error meant for the caller: HTTP status and message.
struct ApiError {
  int status = 400;
  std::string message;
};

template <typename T>
struct ApiResult {
  std::optional<T> value;
  ApiError error;
  bool ok() const { return value.has_value(); }
};

// rows x inputs raw values, in the pipeline's input order; errors name row r
// as "<row_prefix>[r]" ("records[3]", "row[3]").
struct RawTable {
  size_t rows = 0;
  size_t fields = 0;
  std::vector<RawValue> cells;
  std::string row_prefix;  // "records" or "row"
};

// {"records": [{field: value}]} or {"columns": {field: [values]}}. Fields a
// row omits are missing; unknown fields are refused.
ApiResult<RawTable> NativeTable(simdjson::dom::object body, const serving::ServedVersion& version, int64_t max_rows);
// OIP "inputs": one tensor per input field (shape [N] or [N, 1]), or one
// [N, k] tensor in schema order when every input is numeric.
ApiResult<RawTable> OipTable(simdjson::dom::object body, const serving::ServedVersion& version, int64_t max_rows);

// The sticky key a request carries in `field`: the first row's value.
std::optional<std::string> NativeKey(simdjson::dom::object body, const std::string& field);
std::optional<std::string> OipKey(simdjson::dom::object body, const std::string& field);

// Names of a plan's outputs: "prediction" or "probability_<class>"...,
// then "label" (classification), "decision" (override rules), "flags"
// (annotate rules).
struct OutputLayout {
  std::vector<std::string> value_names;  // the pipeline's ValueColumnNames
  bool label = false;
  std::string label_name;  // the pipeline's LabelColumnName
  std::vector<std::string> derived_names;  // post.outputs, after the label
  bool decision = false;
  bool flags = false;
};
OutputLayout LayoutOf(const engine::ScoringPlan& plan);

// Encodes and scores the table. Errors name the row and field (400), or
// 412 when explanations are asked of a model without node cover.
ApiResult<engine::BatchResult> ScoreTable(const serving::ServedVersion& version, const RawTable& table, bool explain);

// Writes the native API's per-row objects as one array.
void WriteNativeRows(const engine::ScoringPlan& plan, const engine::BatchResult& result, int reasons,
                     JsonWriter* out);
// The names of the OIP output tensors of a plan with this layout, in answer order.
std::vector<std::string> OipOutputNames(const OutputLayout& layout);
// A 400 naming the model's outputs when `requested` names one it lacks.
std::optional<ApiError> CheckRequestedOutputs(const engine::ScoringPlan& plan,
                                              const std::vector<std::string>& requested);
// Writes the OIP output tensors as one array; `requested` (already checked)
// empty means all, else those, in the order asked.
void WriteOipOutputs(const engine::ScoringPlan& plan, const engine::BatchResult& result,
                     const std::vector<std::string>& requested, JsonWriter* out);

// OIP datatype of each input field: FP64, INT64, BOOL, BYTES.
std::string OipDatatype(FieldType type);

}  // namespace podium::http

#endif  // PODIUM_HTTP_SCORING_H_
