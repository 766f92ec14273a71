#include "http/openapi.h"

#include <nlohmann/json.hpp>

#include "http/scoring.h"

namespace podium::http {
namespace {

using nlohmann::json;

json FieldSchema(const InputField& field) {
  json schema;
  switch (field.type) {
    case FieldType::kNumber: schema["type"] = "number"; break;
    case FieldType::kInteger: schema["type"] = "integer"; break;
    case FieldType::kBoolean: schema["type"] = "boolean"; break;
    case FieldType::kCategory:
      schema["type"] = "string";
      if (!field.levels.empty()) schema["enum"] = field.levels;
      break;
  }
  if (field.min) schema["minimum"] = *field.min;
  if (field.max) schema["maximum"] = *field.max;
  if (!field.description.empty()) schema["description"] = field.description;
  schema["nullable"] = field.on_missing.kind != ValuePolicyKind::kError;
  return schema;
}

json ExampleValue(const InputField& field) {
  switch (field.type) {
    case FieldType::kNumber:
    case FieldType::kInteger: return field.min ? *field.min : 0.0;
    case FieldType::kBoolean: return false;
    case FieldType::kCategory: return field.levels.empty() ? json("") : json(field.levels.front());
  }
  return nullptr;
}

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string OpenApiDocument(const std::string& model, int64_t version, const engine::ScoringPlan& plan) {
  const Pipeline& pipeline = plan.pipeline();
  json properties = json::object();
  json required = json::array();
  json example = json::object();
  for (const InputField& field : pipeline.inputs) {
    properties[field.name] = FieldSchema(field);
    if (field.on_missing.kind == ValuePolicyKind::kError) required.push_back(field.name);
    example[field.name] = ExampleValue(field);
  }
  json record = {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
  if (!required.empty()) record["required"] = required;

  const OutputLayout layout = LayoutOf(plan);
  json row_properties = json::object();
  for (const std::string& name : layout.value_names) row_properties[name] = {{"type", "number"}, {"nullable", true}};
  if (layout.label) row_properties[layout.label_name] = {{"type", "string"}, {"enum", plan.classes()}};
  for (const DerivedOutput& output : plan.pipeline().post.outputs) {
    row_properties[output.name] = output.categories.empty()
                                      ? json{{"type", "number"}, {"nullable", true}}
                                      : json{{"type", "string"}, {"enum", output.categories}, {"nullable", true}};
  }
  if (layout.decision || layout.label) {
    row_properties["decision"] = {{"type", "string"}, {"enum", plan.decision_vocabulary()}};
  }
  if (layout.flags) row_properties["flags"] = {{"type", "array"}, {"items", {{"type", "string"}}}};
  json reason = {{"type", "object"}};
  reason["properties"]["feature"] = {{"type", "string"}};
  reason["properties"]["contribution"] = {{"type", "number"}};
  row_properties["reasons"] = {{"type", "array"}, {"items", reason}};

  json error = {{"type", "object"}, {"properties", {{"error", {{"type", "string"}}}}}, {"required", {"error"}}};
  json doc = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Podium model '" + model + "'"},
        {"version", std::to_string(version)},
        {"description", pipeline.description.empty() ? pipeline.name : pipeline.description}}},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Record", record},
          {"PredictRequest",
           {{"type", "object"},
            {"properties",
             {{"records", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Record"}}}}},
              {"columns", {{"type", "object"}, {"additionalProperties", {{"type", "array"}}}}},
              {"explain", {{"type", "boolean"}}},
              {"reasons", {{"type", "integer"}, {"minimum", 0}}},
              {"id", {{"type", "string"}}}}}}},
          {"PredictRow", {{"type", "object"}, {"properties", row_properties}}},
          {"PredictResponse",
           {{"type", "object"},
            {"properties",
             {{"model", {{"type", "string"}}},
              {"version", {{"type", "integer"}}},
              {"slot", {{"type", "string"}, {"enum", {"champion", "challenger"}}}},
              {"fallback", {{"type", "boolean"}}},
              {"id", {{"type", "string"}}},
              {"rows", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/PredictRow"}}}}}}}}},
          {"Error", error}}}}},
      {"security", json::array({{{"bearer", json::array()}}})},
      {"paths",
       {{"/v1/models/" + model + ":predict",
         {{"post",
           {{"summary", "Score rows with the serving version of '" + model + "'"},
            {"parameters",
             json::array({{{"name", "explain"},
                           {"in", "query"},
                           {"required", false},
                           {"schema", {{"type", "boolean"}}},
                           {"description", "add reason codes to each row"}}})},
            {"requestBody",
             {{"required", true},
              {"content",
               {{"application/json",
                 {{"schema", {{"$ref", "#/components/schemas/PredictRequest"}}},
                  {"example", {{"records", json::array({example})}}}}}}}}},
            {"responses",
             {{"200",
               {{"description", "one row per input row"},
                {"content",
                 {{"application/json", {{"schema", {{"$ref", "#/components/schemas/PredictResponse"}}}}}}}}},
              {"400",
               {{"description", "the request names the field and the problem"},
                {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}},
              {"401", {{"description", "missing or wrong bearer token"}}},
              {"413", {{"description", "body or rows over the limit"}}},
              {"503", {{"description", "the model is disabled and declares no fallback"}}}}}}}}}}}};
  return doc.dump(2);
}

std::string TryPage(const std::string& model, int64_t version, const engine::ScoringPlan& plan) {
  const Pipeline& pipeline = plan.pipeline();
  json example = json::object();
  std::string rows;
  for (const InputField& field : pipeline.inputs) {
    example[field.name] = ExampleValue(field);
    std::string detail(FieldTypeName(field.type));
    if (field.min) detail += ", min " + json(*field.min).dump();
    if (field.max) detail += ", max " + json(*field.max).dump();
    if (!field.levels.empty()) detail += ", levels " + json(field.levels).dump();
    if (field.on_missing.kind == ValuePolicyKind::kError) detail += ", required";
    rows += "<tr><td><code>" + Escape(field.name) + "</code></td><td>" + Escape(detail) + "</td></tr>\n";
  }
  const std::string body = json{{"records", json::array({example})}}.dump(2);
  const std::string path = "/v1/models/" + model + ":predict";
  std::string html = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Try )" +
                     Escape(model) + R"(</title>
<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
textarea{width:100%;height:16em;font-family:monospace}pre{background:#f4f4f4;padding:1em;overflow:auto}
td{padding:0 1em 0 0}</style></head><body>
<h1>Model <code>)" + Escape(model) +
                     "</code>, version " + std::to_string(version) + "</h1>\n<p>" + Escape(pipeline.description) +
                     R"(</p>
<h2>Inputs</h2><table>
)" + rows + R"(</table>
<h2>Request</h2>
<p>POST <code>)" + Escape(path) +
                     R"(</code> &nbsp; <label>Bearer token <input id="token" type="password" size="30"></label>
<label><input id="explain" type="checkbox"> explain</label></p>
<textarea id="body">)" + Escape(body) +
                     R"(</textarea>
<p><button id="send">Send</button></p>
<h2>Response</h2><pre id="out"></pre>
<script>
document.getElementById('send').onclick = async function () {
  const out = document.getElementById('out');
  const headers = {'Content-Type': 'application/json'};
  const token = document.getElementById('token').value;
  if (token) headers['Authorization'] = 'Bearer ' + token;
  const url = ')" + path + R"(' + (document.getElementById('explain').checked ? '?explain=true' : '');
  try {
    const response = await fetch(url, {method: 'POST', headers: headers, body: document.getElementById('body').value});
    const text = await response.text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
    out.textContent = response.status + ' ' + response.statusText + '\n' + shown;
  } catch (e) {
    out.textContent = String(e);
  }
};
</script></body></html>
)";
  return html;
}

}  // namespace podium::http
