// PMML export round trips (formats/pmml_export.h): every golden case and the
// XGBoost, LightGBM and PMML fixtures of src/formats/testdata are exported,
// the document is imported again (formats/pmml.h), and both pipelines score
// the same rows with the reference scorer and the compiled engine. The
// outputs must be identical: bit for bit (the export spells every
// computation operation for operation), the same labels and decisions, and
// the same rows refused. A pipeline the exporter refuses must be one of the
// refusals listed below, with its reason.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/status.h"
#include "engine/engine.h"
#include "formats/lightgbm.h"
#include "formats/pmml.h"
#include "formats/pmml_export.h"
#include "formats/xgboost.h"
#include "pipeline/input.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_json.h"
#include "pipeline/prediction.h"
#include "reference/reference.h"
#include "csv_line.h"

namespace podium {
namespace {

namespace fs = std::filesystem;

// Sources the exporter refuses, with a part of the reason it gives.
const std::map<std::string, std::string>& ExpectedRefusals() {
  static const auto* refusals = new std::map<std::string, std::string>{
      {"golden/error_unknown_level", "unknown level policy 'error'"},
      // Scorecards with reason codes: PMML ranks reason codes in Scorecards only.
      {"golden/pmml_scorecard", "post.reason_order 'smallest'"},
      {"golden/pmml_scorecard_derived", "post.reason_order 'largest'"},
      {"golden/pmml_scorecard_reason_codes", "post.reason_order 'smallest'"},
      {"pmml/scorecard.pmml", "post.reason_order 'smallest'"},
      {"pmml/scorecard_derived.pmml", "post.reason_order 'largest'"},
  };
  return *refusals;
}

PmmlImportOptions ImportOptions(const std::string& name) {
  PmmlImportOptions options;
  options.name = name;
  return options;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A model source: a pipeline, and the rows to score it on (cells by input
// name; an absent or empty cell is missing).
struct Source {
  std::string name;
  Pipeline pipeline;
  std::vector<std::map<std::string, std::string>> rows;
};

using golden::SplitCsvLine;

std::vector<std::map<std::string, std::string>> ReadCsv(const fs::path& path) {
  std::istringstream in(ReadText(path));
  std::string line;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> cells = SplitCsvLine(line);
    if (header.empty()) {
      header = cells;
      continue;
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string FormatDouble(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

// Rows that reach every split: each tree threshold on an input, its
// neighbours, missing values, every level and an unknown one.
std::vector<std::map<std::string, std::string>> ProbeRows(const Pipeline& pipeline, int count) {
  std::map<std::string, std::vector<double>> thresholds;
  if (const auto* ensemble = std::get_if<TreeEnsembleModel>(&pipeline.model.body)) {
    for (const Tree& tree : ensemble->trees) {
      for (size_t i = 0; i < tree.feature.size(); ++i) {
        if (tree.left[i] < 0) continue;
        double t = tree.threshold[i];
        if (ensemble->precision == NumericPrecision::kFloat32) t = static_cast<float>(t);
        thresholds[pipeline.features[static_cast<size_t>(tree.feature[i])]].push_back(t);
      }
    }
  }
  std::mt19937_64 random(20261126);
  std::vector<std::map<std::string, std::string>> rows;
  for (int r = 0; r < count; ++r) {
    std::map<std::string, std::string> row;
    for (const InputField& field : pipeline.inputs) {
      const int pick = static_cast<int>(random() % 10);
      if (pick == 0) continue;  // missing
      if (field.type == FieldType::kCategory) {
        if (!field.levels.empty() && pick > 1) {
          row[field.name] = field.levels[random() % field.levels.size()];
        } else {
          row[field.name] = pick == 1 ? "no_such_level" : "level_" + std::to_string(random() % 4);
        }
        continue;
      }
      if (field.type == FieldType::kBoolean) {
        row[field.name] = random() % 2 ? "true" : "false";
        continue;
      }
      const std::vector<double>& known = thresholds[field.name];
      double value = std::uniform_real_distribution<double>(-3, 3)(random);
      if (!known.empty() && pick > 3) {
        value = known[random() % known.size()];
        const int nudge = static_cast<int>(random() % 5);
        if (nudge == 1) value = std::nextafter(value, -INFINITY);
        if (nudge == 2) value = std::nextafter(value, INFINITY);
        if (nudge == 3) value = std::nextafter(static_cast<float>(value), -INFINITY);
        if (nudge == 4) value = std::nextafter(static_cast<float>(value), INFINITY);
      }
      if (field.type == FieldType::kInteger) value = std::round(value);
      if (field.min) value = std::max(value, *field.min);
      if (field.max) value = std::min(value, *field.max);
      row[field.name] = FormatDouble(value);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Source> Sources() {
  std::vector<Source> sources;
  const fs::path root(PODIUM_SOURCE_DIR);
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(root / "tests" / "golden" / "cases")) {
    if (entry.is_directory()) cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  for (const fs::path& dir : cases) {
    Source source;
    source.name = "golden/" + dir.filename().string();
    Result<Pipeline> pipeline = InvalidArgumentError("no model");
    if (fs::exists(dir / "model.pmml")) {
      pipeline = ImportPmml(ReadText(dir / "model.pmml"), ImportOptions(dir.filename().string()));
    } else if (fs::exists(dir / "model.txt")) {
      LightgbmImportOptions options;
      options.name = dir.filename().string();
      pipeline = ImportLightgbmText(ReadText(dir / "model.txt"), options);
    } else if (fs::exists(dir / "pipeline.json")) {
      pipeline = ReadPipelineJson(ReadText(dir / "pipeline.json"));
    } else {
      continue;  // another kind of case (another format's), not loaded here
    }
    if (!pipeline.ok()) continue;  // the golden suite reports it
    source.pipeline = std::move(pipeline).value();
    source.rows = ReadCsv(dir / "input.csv");
    std::vector<std::map<std::string, std::string>> probes = ProbeRows(source.pipeline, 100);
    source.rows.insert(source.rows.end(), probes.begin(), probes.end());
    sources.push_back(std::move(source));
  }
  const fs::path testdata = root / "src" / "formats" / "testdata";
  auto add_fixtures = [&](const std::string& folder, const std::string& extension,
                          const std::function<Result<Pipeline>(const std::string&, const std::string&)>& import) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(testdata / folder)) {
      if (entry.path().extension() == extension) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      Result<Pipeline> pipeline = import(ReadText(file), file.stem().string());
      if (!pipeline.ok()) continue;
      Source source;
      source.name = folder + "/" + file.filename().string();
      source.pipeline = std::move(pipeline).value();
      source.rows = ProbeRows(source.pipeline, 300);
      sources.push_back(std::move(source));
    }
  };
  add_fixtures("xgboost", ".json", [](const std::string& text, const std::string& name) {
    XgboostImportOptions options;
    options.name = name;
    return ImportXgboostJson(text, options);
  });
  add_fixtures("lightgbm", ".txt", [](const std::string& text, const std::string& name) {
    LightgbmImportOptions options;
    options.name = name;
    return ImportLightgbmText(text, options);
  });
  add_fixtures("pmml", ".pmml", [](const std::string& text, const std::string& name) {
    return ImportPmml(text, ImportOptions(name));
  });
  return sources;
}

// What one scorer made of one row, comparable across pipelines whose
// classes may be listed in another order.
struct Outcome {
  bool ok = false;
  StatusCode code = StatusCode::kOk;
  std::vector<double> values;
  std::string label;
  std::string decision;
  std::string flags;            // the texts of the annotate rules that fired
  std::vector<double> derived;  // post.outputs
};

bool SameBits(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0 || (a == 0 && b == 0);
}

Outcome Describe(const Pipeline& pipeline, const Result<Prediction>& result) {
  Outcome outcome;
  outcome.ok = result.ok();
  if (!result.ok()) {
    outcome.code = result.status().code();
    return outcome;
  }
  outcome.values = result->values;
  outcome.derived = result->derived;
  if (result->label >= 0) outcome.label = pipeline.model.classes[static_cast<size_t>(result->label)];
  const std::vector<std::string> decisions = DecisionVocabulary(pipeline);
  if (result->decision >= 0) outcome.decision = decisions[static_cast<size_t>(result->decision)];
  for (int32_t rule : result->fired_rules) {
    const BusinessRule& fired = pipeline.post.rules[static_cast<size_t>(rule)];
    if (fired.action == RuleAction::kAnnotate) outcome.flags += (fired.reason.empty() ? fired.name : fired.reason) + ";";
  }
  return outcome;
}

using Scorer = std::function<Result<Prediction>(const std::vector<RawValue>&)>;

Scorer EngineScorer(const std::shared_ptr<const engine::ScoringPlan>& plan) {
  std::shared_ptr<engine::Scratch> scratch = plan->NewScratch();
  return [plan, scratch](const std::vector<RawValue>& raw) -> Result<Prediction> {
    std::vector<double> encoded;
    for (size_t i = 0; i < raw.size(); ++i) {
      ASSIGN_OR_RETURN(double value, plan->EncodeInput(static_cast<int>(i), raw[i]));
      encoded.push_back(value);
    }
    Prediction prediction;
    RETURN_IF_ERROR(plan->ScoreRow(encoded.data(), *scratch, &prediction));
    return prediction;
  };
}

std::vector<RawValue> RawRow(const Pipeline& pipeline, const std::map<std::string, std::string>& row) {
  std::vector<RawValue> raw;
  for (const InputField& field : pipeline.inputs) {
    const auto it = row.find(field.name);
    raw.push_back(it == row.end() ? RawValue::Missing() : RawValue::Text(it->second));
  }
  return raw;
}

class PmmlExportRoundTrip : public testing::TestWithParam<std::string> {};

TEST_P(PmmlExportRoundTrip, ScoresIdentically) {
  static const std::vector<Source> sources = Sources();
  const auto found = std::find_if(sources.begin(), sources.end(),
                                  [](const Source& s) { return s.name == GetParam(); });
  ASSERT_NE(found, sources.end());
  const Source& source = *found;
  Result<std::string> document = ExportPmml(source.pipeline, PmmlExportOptions{});
  const auto refusal = ExpectedRefusals().find(source.name);
  if (refusal != ExpectedRefusals().end()) {
    ASSERT_FALSE(document.ok()) << "expected a refusal mentioning '" << refusal->second << "'";
    EXPECT_EQ(document.status().code(), StatusCode::kUnimplemented);
    EXPECT_NE(document.status().message().find(refusal->second), std::string::npos) << document.status().ToString();
    return;
  }
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  // Deterministic: the same pipeline gives the same bytes.
  Result<std::string> again = ExportPmml(source.pipeline, PmmlExportOptions{});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*document, *again);

  Result<Pipeline> imported = ImportPmml(*document, ImportOptions(source.pipeline.name));
  ASSERT_TRUE(imported.ok()) << imported.status().ToString() << "\n" << *document;
  EXPECT_EQ(ValueColumnNames(*imported), ValueColumnNames(source.pipeline));
  if (source.pipeline.model.task != Task::kRegression) {
    EXPECT_EQ(LabelColumnName(*imported), LabelColumnName(source.pipeline));
  }
  std::vector<std::string> original_inputs;
  std::vector<std::string> imported_inputs;
  for (const InputField& field : source.pipeline.inputs) original_inputs.push_back(field.name);
  for (const InputField& field : imported->inputs) imported_inputs.push_back(field.name);
  EXPECT_EQ(imported_inputs, original_inputs);

  // The model kind, precision and output transform survive (so the float32
  // and margin-chain paths are really taken, not approximated).
  ASSERT_EQ(imported->model.body.index(), source.pipeline.model.body.index());
  if (const auto* ensemble = std::get_if<TreeEnsembleModel>(&source.pipeline.model.body)) {
    const auto& back = std::get<TreeEnsembleModel>(imported->model.body);
    EXPECT_EQ(back.precision, ensemble->precision);
    EXPECT_EQ(back.output_transform, ensemble->output_transform);
    EXPECT_EQ(back.num_outputs, ensemble->num_outputs);
    // (One tree is its own sum and its own average.)
    if (ensemble->trees.size() != 1) {
      EXPECT_EQ(back.aggregation, ensemble->aggregation);
    }
  }
  // A clustering model comes back member for member: the measure, every
  // per-feature term and every center coordinate.
  if (const auto* clustering = std::get_if<ClusteringModel>(&source.pipeline.model.body)) {
    const auto& back = std::get<ClusteringModel>(imported->model.body);
    EXPECT_EQ(imported->model.task, Task::kClustering);
    EXPECT_EQ(back.measure, clustering->measure);
    EXPECT_EQ(back.minkowski_p, clustering->minkowski_p);
    EXPECT_EQ(back.compare, clustering->compare);
    EXPECT_EQ(back.field_weights, clustering->field_weights);
    EXPECT_EQ(back.similarity_scale, clustering->similarity_scale);
    EXPECT_EQ(back.missing_weights, clustering->missing_weights);
    EXPECT_EQ(back.centers, clustering->centers);
    EXPECT_EQ(back.binary.c11, clustering->binary.c11);
    EXPECT_EQ(back.binary.d00, clustering->binary.d00);
  }
  EXPECT_EQ(imported->model.classes, source.pipeline.model.classes);
  // Derived outputs come back under their names, the Target's clamping and
  // rounding as the same prediction expression.
  ASSERT_EQ(imported->post.outputs.size(), source.pipeline.post.outputs.size());
  for (size_t i = 0; i < source.pipeline.post.outputs.size(); ++i) {
    EXPECT_EQ(imported->post.outputs[i].name, source.pipeline.post.outputs[i].name);
  }
  EXPECT_EQ(imported->post.prediction_expression, source.pipeline.post.prediction_expression);

  Result<std::shared_ptr<const engine::ScoringPlan>> original_plan = engine::ScoringPlan::Compile(source.pipeline);
  Result<std::shared_ptr<const engine::ScoringPlan>> imported_plan = engine::ScoringPlan::Compile(*imported);
  ASSERT_TRUE(original_plan.ok()) << original_plan.status().ToString();
  ASSERT_TRUE(imported_plan.ok()) << imported_plan.status().ToString();
  const Scorer original_engine = EngineScorer(*original_plan);
  const Scorer imported_engine = EngineScorer(*imported_plan);
  ASSERT_FALSE(source.rows.empty());
  int scored = 0;
  for (size_t r = 0; r < source.rows.size(); ++r) {
    const std::vector<RawValue> original_raw = RawRow(source.pipeline, source.rows[r]);
    const std::vector<RawValue> imported_raw = RawRow(*imported, source.rows[r]);
    const Outcome expected = Describe(source.pipeline, reference::ScoreRow(source.pipeline, original_raw));
    const std::vector<std::pair<std::string, Outcome>> actual = {
        {"engine, original", Describe(source.pipeline, original_engine(original_raw))},
        {"reference, imported", Describe(*imported, reference::ScoreRow(*imported, imported_raw))},
        {"engine, imported", Describe(*imported, imported_engine(imported_raw))},
    };
    scored += expected.ok ? 1 : 0;
    for (const auto& [scorer, outcome] : actual) {
      SCOPED_TRACE("row " + std::to_string(r) + ", " + scorer);
      ASSERT_EQ(outcome.ok, expected.ok) << StatusCodeName(outcome.code);
      if (!expected.ok) {
        EXPECT_EQ(outcome.code, expected.code);
        continue;
      }
      ASSERT_EQ(outcome.values.size(), expected.values.size());
      for (size_t k = 0; k < expected.values.size(); ++k) {
        EXPECT_PRED2(SameBits, outcome.values[k], expected.values[k]) << "values[" << k << "]";
      }
      EXPECT_EQ(outcome.label, expected.label);
      EXPECT_EQ(outcome.decision, expected.decision);
      EXPECT_EQ(outcome.flags, expected.flags);
      ASSERT_EQ(outcome.derived.size(), expected.derived.size());
      for (size_t k = 0; k < expected.derived.size(); ++k) {
        EXPECT_PRED2(SameBits, outcome.derived[k], expected.derived[k]) << "derived[" << k << "]";
      }
    }
  }
  EXPECT_GT(scored, 0) << "no row was scored";
}

std::vector<std::string> SourceNames() {
  std::vector<std::string> names;
  for (const Source& source : Sources()) names.push_back(source.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Sources, PmmlExportRoundTrip, testing::ValuesIn(SourceNames()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(PmmlExportRoundTripSuite, CoversTheSources) {
  // Every golden case and fixture folder contributes.
  EXPECT_GE(SourceNames().size(), 30u);
  // Every clustering measure is exported and read back (golden cases and
  // src/formats/testdata/pmml/clustering_*.pmml).
  std::set<ClusterMeasure> measures;
  for (const Source& source : Sources()) {
    if (const auto* clustering = std::get_if<ClusteringModel>(&source.pipeline.model.body)) {
      measures.insert(clustering->measure);
    }
  }
  EXPECT_EQ(measures.size(), 9u);
}

}  // namespace
}  // namespace podium
