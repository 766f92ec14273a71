// The golden-case suite: behaviour tests as data files anyone can read.
//
// Each folder under tests/golden/cases/<name>/ is one case (tests/golden/
// README.md describes the files): a pipeline artifact, input rows and the
// expected outputs of every row. Every row is scored by the reference scorer
// and by the compiled engine, and both must match the expectations. One gtest
// test (so one ctest test) per case folder, found at run time.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/status.h"
#include "formats/lightgbm.h"
#include "formats/pmml.h"
#include "pipeline/input.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_json.h"
#include "pipeline/prediction.h"
#include "reference/reference.h"
#if PODIUM_GOLDEN_HAS_ENGINE
#include "engine/engine.h"
#include "csv_line.h"
#endif

namespace podium {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr double kDefaultTolerance = 1e-12;
constexpr size_t kMinimumCases = 10;

fs::path CasesDir() { return fs::path(PODIUM_SOURCE_DIR) / "tests" / "golden" / "cases"; }

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(CasesDir(), ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

using golden::SplitCsvLine;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

struct GoldenCase {
  std::string name;
  Pipeline pipeline;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<Json> expected;  // one per row
  double tolerance = kDefaultTolerance;
  bool explain = false;
};

Result<GoldenCase> LoadCase(const std::string& name) {
  const fs::path dir = CasesDir() / name;
  GoldenCase golden;
  golden.name = name;

  // A case holds a pipeline artifact, or a PMML document (formats/pmml.h) or
  // a LightGBM text model (formats/lightgbm.h) that is imported and then
  // checked like any pipeline.
  const bool pmml = fs::exists(dir / "model.pmml");
  const bool lightgbm = !pmml && fs::exists(dir / "model.txt");
  const std::string model_file = pmml ? "model.pmml" : lightgbm ? "model.txt" : "pipeline.json";
  ASSIGN_OR_RETURN(std::string artifact, ReadText(dir / model_file));
  Result<Pipeline> pipeline = InvalidArgumentError("no model");
  if (pmml) {
    PmmlImportOptions options;
    options.name = name;
    pipeline = ImportPmml(artifact, options);
  } else if (lightgbm) {
    LightgbmImportOptions options;
    options.name = name;
    pipeline = ImportLightgbmText(artifact, options);
  } else {
    pipeline = ReadPipelineJson(artifact);
  }
  if (!pipeline.ok()) return pipeline.status().WithContext(model_file);
  golden.pipeline = std::move(pipeline).value();

  if (fs::exists(dir / "case.json")) {
    ASSIGN_OR_RETURN(std::string text, ReadText(dir / "case.json"));
    const Json options = Json::parse(text, nullptr, false);
    if (!options.is_object()) return InvalidArgumentError("case.json: expected an object");
    golden.tolerance = options.value("tolerance", kDefaultTolerance);
    golden.explain = options.value("explain", false);
  }

  ASSIGN_OR_RETURN(std::string csv, ReadText(dir / "input.csv"));
  std::vector<std::string> lines = Lines(csv);
  if (lines.empty()) return InvalidArgumentError("input.csv: no header");
  golden.header = SplitCsvLine(lines[0]);
  for (size_t i = 1; i < lines.size(); ++i) {
    golden.rows.push_back(SplitCsvLine(lines[i]));
    if (golden.rows.back().size() != golden.header.size()) {
      return InvalidArgumentError("input.csv: line " + std::to_string(i + 1) + " has " +
                                  std::to_string(golden.rows.back().size()) + " fields, the header " +
                                  std::to_string(golden.header.size()));
    }
  }

  ASSIGN_OR_RETURN(std::string ndjson, ReadText(dir / "expected.ndjson"));
  for (const std::string& line : Lines(ndjson)) {
    Json row = Json::parse(line, nullptr, false);
    if (!row.is_object()) {
      return InvalidArgumentError("expected.ndjson: line " + std::to_string(golden.expected.size() + 1) +
                                  " is not a JSON object");
    }
    golden.expected.push_back(std::move(row));
  }
  if (golden.expected.size() != golden.rows.size()) {
    return InvalidArgumentError("expected.ndjson has " + std::to_string(golden.expected.size()) +
                                " rows, input.csv " + std::to_string(golden.rows.size()));
  }
  return golden;
}

// The row's cells as RawValues in pipeline.inputs order (CSV columns are
// matched by name; an empty cell is missing).
Result<std::vector<RawValue>> RawRow(const GoldenCase& golden, const std::vector<std::string>& cells) {
  std::vector<RawValue> raw;
  for (const InputField& field : golden.pipeline.inputs) {
    auto it = std::find(golden.header.begin(), golden.header.end(), field.name);
    if (it == golden.header.end()) {
      return InvalidArgumentError("input.csv has no column '" + field.name + "'");
    }
    raw.push_back(RawValue::Text(cells[static_cast<size_t>(it - golden.header.begin())]));
  }
  return raw;
}

// A scorer under test: scores one row (RawValues in pipeline.inputs order).
using RowScorer = std::function<Result<Prediction>(const std::vector<RawValue>&)>;

RowScorer ReferenceScorer(const Pipeline& pipeline, bool explain) {
  return [&pipeline, explain](const std::vector<RawValue>& raw) {
    return reference::ScoreRow(pipeline, raw, explain);
  };
}

#if PODIUM_GOLDEN_HAS_ENGINE
// The compiled engine, row by row: EncodeInput for each field, then ScoreRow.
Result<RowScorer> EngineScorer(const Pipeline& pipeline, bool explain) {
  ASSIGN_OR_RETURN(std::shared_ptr<const engine::ScoringPlan> plan,
                   engine::ScoringPlan::Compile(pipeline));
  std::shared_ptr<engine::Scratch> scratch = plan->NewScratch();
  return RowScorer([plan, scratch, explain](const std::vector<RawValue>& raw) -> Result<Prediction> {
    std::vector<double> encoded;
    for (size_t i = 0; i < raw.size(); ++i) {
      ASSIGN_OR_RETURN(double value, plan->EncodeInput(static_cast<int>(i), raw[i]));
      encoded.push_back(value);
    }
    Prediction prediction;
    RETURN_IF_ERROR(plan->ScoreRow(encoded.data(), *scratch, &prediction, explain));
    return prediction;
  });
}
#endif

bool Near(double actual, double expected, double tolerance) {
  if (std::isnan(expected) || std::isnan(actual)) return std::isnan(expected) && std::isnan(actual);
  return std::fabs(actual - expected) <= tolerance * std::max(1.0, std::fabs(expected));
}

// A JSON number, or null for missing (NaN).
double NumberOrNan(const Json& value) {
  return value.is_number() ? value.get<double>() : std::nan("");
}

std::string NameOrNull(const std::vector<std::string>& names, int32_t index) {
  if (index < 0) return "null";
  if (static_cast<size_t>(index) >= names.size()) return "<out of range " + std::to_string(index) + ">";
  return names[static_cast<size_t>(index)];
}

std::string ExpectedNameOrNull(const Json& value) {
  return value.is_string() ? value.get<std::string>() : std::string("null");
}

// Checks one scored row against its expectation.
void CheckRow(const GoldenCase& golden, const Json& expected, const Result<Prediction>& result) {
  const Pipeline& pipeline = golden.pipeline;
  if (expected.contains("error")) {
    ASSERT_FALSE(result.ok()) << "expected an error containing '" << expected["error"].get<std::string>()
                              << "', but the row was scored";
    const std::string wanted = expected["error"].get<std::string>();
    EXPECT_TRUE(result.status().message().find(wanted) != std::string::npos)
        << "expected the error message to contain '" << wanted << "', but it is: "
        << result.status().ToString();
    if (expected.contains("code")) {
      EXPECT_EQ(StatusCodeName(result.status().code()), expected["code"].get<std::string>());
    }
    return;
  }
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Prediction& prediction = *result;

  const Json& values = expected.at("values");
  ASSERT_EQ(prediction.values.size(), values.size());
  for (size_t k = 0; k < values.size(); ++k) {
    EXPECT_PRED3(Near, prediction.values[k], NumberOrNan(values[k]), golden.tolerance) << "values[" << k << "]";
  }
  EXPECT_EQ(NameOrNull(pipeline.model.classes, prediction.label), ExpectedNameOrNull(expected.at("label")))
      << "label";
  EXPECT_EQ(NameOrNull(DecisionVocabulary(pipeline), prediction.decision),
            ExpectedNameOrNull(expected.at("decision")))
      << "decision";
  std::vector<std::string> fired;
  for (int32_t rule : prediction.fired_rules) {
    fired.push_back(rule >= 0 && static_cast<size_t>(rule) < pipeline.post.rules.size()
                        ? pipeline.post.rules[static_cast<size_t>(rule)].name
                        : "<out of range " + std::to_string(rule) + ">");
  }
  EXPECT_EQ(fired, expected.value("fired_rules", std::vector<std::string>())) << "fired_rules";

  // Derived outputs: required, by name, exactly when the pipeline has them.
  const std::vector<DerivedOutput>& outputs = pipeline.post.outputs;
  ASSERT_EQ(prediction.derived.size(), outputs.size());
  if (outputs.empty()) {
    EXPECT_FALSE(expected.contains("outputs")) << "expected.ndjson has outputs, but the pipeline has none";
  } else {
    ASSERT_TRUE(expected.contains("outputs")) << "expected.ndjson has no outputs for the pipeline's post.outputs";
    const Json& wanted = expected.at("outputs");
    ASSERT_EQ(wanted.size(), outputs.size()) << "outputs";
    for (size_t i = 0; i < outputs.size(); ++i) {
      ASSERT_TRUE(wanted.contains(outputs[i].name)) << "expected.ndjson has no output '" << outputs[i].name << "'";
      const Json& value = wanted[outputs[i].name];
      if (outputs[i].categories.empty()) {
        EXPECT_PRED3(Near, prediction.derived[i], NumberOrNan(value), golden.tolerance) << "outputs." << outputs[i].name;
        continue;
      }
      // A category output holds its category's position; expected is the text.
      const int32_t position = std::isnan(prediction.derived[i]) ? -1 : static_cast<int32_t>(prediction.derived[i]);
      EXPECT_EQ(NameOrNull(outputs[i].categories, position), ExpectedNameOrNull(value)) << "outputs." << outputs[i].name;
    }
  }

  if (!golden.explain) {
    EXPECT_TRUE(prediction.contributions.empty()) << "contributions without explain";
    return;
  }
  const Json& contributions = expected.at("contributions");
  ASSERT_EQ(contributions.size(), pipeline.features.size() + 1)
      << "expected.ndjson must list every feature and the bias";
  ASSERT_EQ(prediction.contributions.size(), pipeline.features.size() + 1);
  for (size_t j = 0; j <= pipeline.features.size(); ++j) {
    const Contribution& c = prediction.contributions[j];
    const bool bias = j == pipeline.features.size();
    const std::string name = bias ? "bias" : pipeline.features[j];
    EXPECT_EQ(c.feature, bias ? -1 : static_cast<int32_t>(j)) << "contributions[" << j << "].feature";
    ASSERT_TRUE(contributions.contains(name)) << "expected.ndjson has no contribution for '" << name << "'";
    EXPECT_PRED3(Near, c.value, NumberOrNan(contributions[name]), golden.tolerance)
        << "contribution of '" << name << "'";
  }
  if (expected.contains("reasons")) {
    // Every reason code of the row, in the pipeline's reason order, as reported.
    std::vector<std::string> reasons;
    for (const Contribution& c : TopReasons(prediction.contributions, -1, pipeline.post)) {
      reasons.push_back(ReasonLabel(pipeline, c.feature));
    }
    EXPECT_EQ(reasons, expected["reasons"].get<std::vector<std::string>>()) << "reasons";
  }
}

void CheckScorer(const GoldenCase& golden, const RowScorer& scorer) {
  for (size_t r = 0; r < golden.rows.size(); ++r) {
    SCOPED_TRACE("input.csv row " + std::to_string(r + 1) + " (line " + std::to_string(r + 2) +
                 "), expected " + golden.expected[r].dump());
    Result<std::vector<RawValue>> raw = RawRow(golden, golden.rows[r]);
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    CheckRow(golden, golden.expected[r], scorer(*raw));
  }
}

class GoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, ReferenceAndEngineMatchExpected) {
  Result<GoldenCase> golden = LoadCase(GetParam());
  ASSERT_TRUE(golden.ok()) << GetParam() << ": " << golden.status().ToString();
  {
    SCOPED_TRACE("scorer: reference");
    CheckScorer(*golden, ReferenceScorer(golden->pipeline, golden->explain));
  }
#if PODIUM_GOLDEN_HAS_ENGINE
  {
    SCOPED_TRACE("scorer: engine");
    Result<RowScorer> engine = EngineScorer(golden->pipeline, golden->explain);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    CheckScorer(*golden, *engine);
  }
#else
  RecordProperty("engine", "not built: only the reference scorer was checked");
#endif
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenTest, testing::ValuesIn(CaseNames()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(GoldenSuite, HasCases) { EXPECT_GE(CaseNames().size(), kMinimumCases) << CasesDir(); }

}  // namespace
}  // namespace podium
