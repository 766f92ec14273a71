#include "registry/report.h"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "pipeline/pipeline_json.h"

namespace podium::registry {
namespace {

using Json = nlohmann::json;

std::string Number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", x);
  return buffer;
}

// Table cells must not break the table.
std::string Cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out.empty() ? "-" : out;
}

std::string ModelKind(const Pipeline& p) {
  if (const auto* glm = std::get_if<GlmModel>(&p.model.body)) {
    return "GLM (" + std::string(GlmFamilyName(glm->family)) + ", " + std::string(LinkFunctionName(glm->link)) + " link)";
  }
  if (const auto* clustering = std::get_if<ClusteringModel>(&p.model.body)) {
    return "clustering (" + std::to_string(p.model.classes.size()) + " centers, " +
           std::string(ClusterMeasureName(clustering->measure)) + ")";
  }
  const auto& trees = std::get<TreeEnsembleModel>(p.model.body);
  return "tree ensemble (" + std::to_string(trees.trees.size()) + " trees, " +
         std::string(trees.aggregation == Aggregation::kSum ? "boosted" : "averaged") + ")";
}

std::string Outputs(const Pipeline& p) {
  if (p.model.task == Task::kRegression) return "prediction (regression)";
  std::string out;
  if (p.model.task == Task::kClustering) {
    out = "clustering: ";
    const std::vector<std::string> values = ValueColumnNames(p);
    for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + values[i];
    out += ", " + LabelColumnName(p);
  } else {
    out = "classification: ";
    for (size_t i = 0; i < p.model.classes.size(); ++i) out += (i ? ", " : "") + std::string("probability_") + p.model.classes[i];
    out += ", label";
  }
  if (!p.post.rules.empty()) out += ", decision/flags from " + std::to_string(p.post.rules.size()) + " business rules";
  return out;
}

// Each transform as canonical JSON, keyed by what it defines.
std::map<std::string, std::string> TransformsByOutput(const Pipeline& p) {
  std::map<std::string, std::string> out;
  Json json = Json::parse(WritePipelineJson(p, false), nullptr, false);
  if (!json.is_object() || !json.contains("transforms")) return out;
  size_t i = 0;
  for (const Json& t : json["transforms"]) {
    std::string key;
    const std::vector<std::string> outputs = i < p.transforms.size() ? TransformOutputs(p.transforms[i]) : std::vector<std::string>{};
    for (const std::string& o : outputs) key += (key.empty() ? "" : ",") + o;
    out[key.empty() ? "#" + std::to_string(i) : key] = t.dump();
    ++i;
  }
  return out;
}

std::map<std::string, double> Coefficients(const Pipeline& p) {
  std::map<std::string, double> out;
  const auto* glm = std::get_if<GlmModel>(&p.model.body);
  if (glm == nullptr) return out;
  const size_t n = p.features.size();
  const size_t rows = glm->intercepts.size();
  for (size_t r = 0; r < rows; ++r) {
    std::string suffix;  // appended: GCC 12 warns falsely (-Wrestrict) on "[" + to_string(r)
    if (rows > 1) suffix.append("[").append(std::to_string(r)).append("]");
    out["(intercept)" + suffix] = glm->intercepts[r];
    for (size_t j = 0; j < n && r * n + j < glm->coefficients.size(); ++j) {
      out[p.features[j] + suffix] = glm->coefficients[r * n + j];
    }
  }
  return out;
}

std::map<std::string, std::string> FlatJson(const std::string& text) {
  std::map<std::string, std::string> out;
  Json json = Json::parse(text, nullptr, false);
  if (!json.is_object()) return out;
  for (const auto& [key, value] : json.items()) out[key] = value.dump();
  return out;
}

template <typename V, typename F>
void DiffMaps(std::ostringstream& out, const std::string& title, const std::map<std::string, V>& a,
              const std::map<std::string, V>& b, F show) {
  std::ostringstream body;
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  for (const std::string& k : keys) {
    const auto ia = a.find(k), ib = b.find(k);
    if (ia == a.end()) {
      body << "  + " << k << ": " << show(ib->second) << "\n";
    } else if (ib == b.end()) {
      body << "  - " << k << ": " << show(ia->second) << "\n";
    } else if (!(ia->second == ib->second)) {
      body << "  ~ " << k << ": " << show(ia->second) << " -> " << show(ib->second) << "\n";
    }
  }
  const std::string text = body.str();
  out << title << (text.empty() ? ": unchanged\n" : ":\n" + text);
}

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string RenderModelCard(const ModelInfo& model, const Lineage& lineage, const Pipeline& pipeline) {
  const VersionInfo& v = lineage.version;
  std::ostringstream md;
  md << "# Model card: " << model.spec.name << " version " << v.number << "\n\n";
  if (!model.spec.description.empty()) md << model.spec.description << "\n\n";
  md << "| | |\n|---|---|\n";
  md << "| Owner | " << Cell(model.owner) << " |\n";
  md << "| Version author | " << Cell(v.creator) << " |\n";
  md << "| Registered | " << Cell(v.created_at) << " |\n";
  md << "| Artifact | " << Cell(v.artifact_digest) << " |\n";
  md << "| Source | " << Cell(v.source) << (v.source_digest.empty() ? "" : " (" + v.source_digest + ")") << " |\n";
  md << "| Code | " << Cell(v.code_ref) << " |\n";
  std::string tags;
  for (const std::string& t : model.spec.tags) tags += (tags.empty() ? "" : ", ") + t;
  md << "| Tags | " << Cell(tags) << " |\n\n";

  md << "## Intended use\n\n" << (model.spec.intended_use.empty() ? "Not stated." : model.spec.intended_use) << "\n\n";
  md << "Use case: " << (model.spec.use_case.empty() ? "-" : model.spec.use_case)
     << "; jurisdiction: " << (model.spec.jurisdiction.empty() ? "-" : model.spec.jurisdiction) << ".\n\n";
  md << "## Limitations\n\n";
  md << "- Valid only for inputs within the declared schema below; values outside declared ranges or levels follow "
        "each field's invalid-value policy.\n";
  if (!model.spec.restricted_features.empty()) {
    std::string restricted;
    for (const std::string& f : model.spec.restricted_features) restricted += (restricted.empty() ? "" : ", ") + f;
    md << "- Must never read these features: " << restricted << ".\n";
  }
  md << "\n## Inputs\n\n| Field | Type | Range or levels | Description |\n|---|---|---|---|\n";
  for (const InputField& f : pipeline.inputs) {
    std::string range;
    if (f.min || f.max) range = "[" + (f.min ? Number(*f.min) : "") + ", " + (f.max ? Number(*f.max) : "") + "]";
    for (size_t i = 0; i < f.levels.size() && i < 12; ++i) range += (i ? ", " : "") + f.levels[i];
    if (f.levels.size() > 12) range += ", ...";
    md << "| " << Cell(f.name) << " | " << FieldTypeName(f.type) << " | " << Cell(range) << " | " << Cell(f.description)
       << " |\n";
  }
  md << "\n## Outputs\n\n" << Outputs(pipeline) << "\n\n";
  md << "## Model\n\n" << ModelKind(pipeline) << " over " << pipeline.features.size() << " features, after "
     << pipeline.transforms.size() << " transforms.\n\n";
  md << "## Training data\n\n";
  if (lineage.datasets.empty()) {
    md << "No datasets recorded.\n\n";
  } else {
    md << "| Dataset | Version | Role | Rows | Fingerprint |\n|---|---|---|---|---|\n";
    for (const DatasetInfo& d : lineage.datasets) {
      std::string role;
      for (const DatasetUse& u : v.datasets) {
        if (u.name == d.name && u.version == d.version) role += (role.empty() ? "" : ", ") + u.role;
      }
      md << "| " << Cell(d.name) << " | " << Cell(d.version) << " | " << Cell(role) << " | " << d.row_count << " | "
         << Cell(d.fingerprint) << " |\n";
    }
    md << "\n";
  }
  md << "## Metrics\n\n";
  if (v.metrics.empty()) {
    md << "No metrics recorded.\n\n";
  } else {
    md << "| Metric | Value |\n|---|---|\n";
    for (const auto& [name, value] : v.metrics) md << "| " << Cell(name) << " | " << Number(value) << " |\n";
    md << "\n";
  }
  md << "## Approvals\n\n";
  if (v.approvals.empty()) {
    md << "No approvals recorded.\n\n";
  } else {
    md << "| Environment | Decision | By | Role | Signed at | Comment |\n|---|---|---|---|---|---|\n";
    for (const ApprovalInfo& a : v.approvals) {
      md << "| " << Cell(a.environment) << " | " << Cell(a.decision) << " | " << Cell(a.approver) << " | "
         << Cell(a.approver_role) << " | " << Cell(a.signed_at) << " | " << Cell(a.comment) << " |\n";
    }
    md << "\n";
  }
  md << "## Deployment\n\n";
  std::string where;
  for (const std::string& e : v.environments) where += (where.empty() ? "" : ", ") + e;
  std::string aliases;
  for (const std::string& a : v.aliases) aliases += (aliases.empty() ? "" : ", ") + a;
  md << "Environments: " << (where.empty() ? "none" : where) << ". Aliases: " << (aliases.empty() ? "none" : aliases)
     << ".\n";
  if (!lineage.depends_on.empty() || !lineage.depended_on_by.empty()) {
    std::string up, down;
    for (const std::string& m : lineage.depends_on) up += (up.empty() ? "" : ", ") + m;
    for (const std::string& m : lineage.depended_on_by) down += (down.empty() ? "" : ", ") + m;
    md << "\nDepends on: " << (up.empty() ? "none" : up) << ". Used by: " << (down.empty() ? "none" : down) << ".\n";
  }
  return md.str();
}

std::string MarkdownCardToHtml(const std::string& markdown) {
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Model card</title>"
          "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style></head><body>\n";
  std::istringstream in(markdown);
  std::string line;
  bool in_table = false, in_list = false, table_header_done = false;
  auto close_blocks = [&] {
    if (in_table) html << "</table>\n";
    if (in_list) html << "</ul>\n";
    in_table = in_list = false;
  };
  while (std::getline(in, line)) {
    if (line.rfind("|", 0) == 0) {
      if (line.rfind("|---", 0) == 0) continue;
      if (!in_table) {
        close_blocks();
        html << "<table>\n";
        in_table = true;
        table_header_done = false;
      }
      // Split on unescaped '|'.
      std::vector<std::string> cells;
      std::string cell;
      for (size_t i = 1; i < line.size(); ++i) {
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
          cell += '|';
          ++i;
        } else if (line[i] == '|') {
          cells.push_back(cell);
          cell.clear();
        } else {
          cell += line[i];
        }
      }
      const char* tag = table_header_done ? "td" : "th";
      html << "<tr>";
      for (std::string& c : cells) {
        while (!c.empty() && c.front() == ' ') c.erase(c.begin());
        while (!c.empty() && c.back() == ' ') c.pop_back();
        html << "<" << tag << ">" << HtmlEscape(c) << "</" << tag << ">";
      }
      html << "</tr>\n";
      table_header_done = true;
      continue;
    }
    if (line.rfind("- ", 0) == 0) {
      if (!in_list) {
        close_blocks();
        html << "<ul>\n";
        in_list = true;
      }
      html << "<li>" << HtmlEscape(line.substr(2)) << "</li>\n";
      continue;
    }
    close_blocks();
    if (line.rfind("## ", 0) == 0) {
      html << "<h2>" << HtmlEscape(line.substr(3)) << "</h2>\n";
    } else if (line.rfind("# ", 0) == 0) {
      html << "<h1>" << HtmlEscape(line.substr(2)) << "</h1>\n";
    } else if (!line.empty()) {
      html << "<p>" << HtmlEscape(line) << "</p>\n";
    }
  }
  close_blocks();
  html << "</body></html>\n";
  return html.str();
}

std::string DiffVersions(const VersionInfo& a, const Pipeline& pa, const VersionInfo& b, const Pipeline& pb) {
  std::ostringstream out;
  out << "diff " << a.model << " version " << a.number << " -> version " << b.number << "\n";
  out << "artifact: " << (a.artifact_digest == b.artifact_digest ? "unchanged (" + a.artifact_digest + ")"
                                                                  : a.artifact_digest + " -> " + b.artifact_digest)
      << "\n";
  std::map<std::string, std::string> inputs_a, inputs_b;
  auto describe = [](const InputField& f) {
    std::string d(FieldTypeName(f.type));
    if (f.min || f.max) d += " [" + (f.min ? Number(*f.min) : "") + ", " + (f.max ? Number(*f.max) : "") + "]";
    if (!f.levels.empty()) d += " " + std::to_string(f.levels.size()) + " levels";
    return d;
  };
  for (const InputField& f : pa.inputs) inputs_a[f.name] = describe(f);
  for (const InputField& f : pb.inputs) inputs_b[f.name] = describe(f);
  auto same = [](const std::string& s) { return s; };
  DiffMaps(out, "schema (inputs)", inputs_a, inputs_b, same);
  DiffMaps(out, "transforms", TransformsByOutput(pa), TransformsByOutput(pb), same);
  std::map<std::string, std::string> features_a, features_b;
  // Appended: GCC 12 warns falsely (-Wrestrict) on "#" + to_string(i).
  for (size_t i = 0; i < pa.features.size(); ++i) features_a[pa.features[i]].append("#").append(std::to_string(i));
  for (size_t i = 0; i < pb.features.size(); ++i) features_b[pb.features[i]].append("#").append(std::to_string(i));
  DiffMaps(out, "model features", features_a, features_b, same);
  const std::string kind_a = ModelKind(pa), kind_b = ModelKind(pb);
  out << "model: " << (kind_a == kind_b ? "unchanged (" + kind_a + ")" : kind_a + " -> " + kind_b) << "\n";
  const auto coef_a = Coefficients(pa), coef_b = Coefficients(pb);
  if (!coef_a.empty() || !coef_b.empty()) {
    DiffMaps(out, "coefficients", coef_a, coef_b, [](double x) { return Number(x); });
  }
  DiffMaps(out, "hyperparameters", FlatJson(a.hyperparameters), FlatJson(b.hyperparameters), same);
  DiffMaps(out, "metrics", a.metrics, b.metrics, [](double x) { return Number(x); });
  std::map<std::string, std::string> data_a, data_b;
  for (const DatasetUse& d : a.datasets) data_a[d.role + " " + d.name] = d.version;
  for (const DatasetUse& d : b.datasets) data_b[d.role + " " + d.name] = d.version;
  DiffMaps(out, "datasets", data_a, data_b, same);
  out << "code: " << (a.code_ref == b.code_ref ? "unchanged" : (a.code_ref.empty() ? "-" : a.code_ref) + " -> " +
                                                                    (b.code_ref.empty() ? "-" : b.code_ref))
      << "\n";
  return out.str();
}

}  // namespace podium::registry
