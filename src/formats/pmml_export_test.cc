#include "formats/pmml_export.h"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "formats/pmml.h"
#include "pipeline/input.h"
#include "pipeline/pipeline_json.h"
#include "pipeline/prediction.h"
#include "pipeline/validate.h"
#include "reference/reference.h"

namespace podium {
namespace {

namespace fs = std::filesystem;

fs::path SourceDir() { return fs::path(PODIUM_SOURCE_DIR); }

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Pipeline GoldenPipeline(const std::string& name) {
  Result<Pipeline> pipeline =
      ReadPipelineJson(ReadText(SourceDir() / "tests" / "golden" / "cases" / name / "pipeline.json"));
  EXPECT_TRUE(pipeline.ok()) << name << ": " << pipeline.status().ToString();
  return pipeline.ok() ? *pipeline : Pipeline();
}

PmmlImportOptions ImportOptions() {
  PmmlImportOptions options;
  options.name = "roundtrip";
  return options;
}

Pipeline RoundTrip(const Pipeline& pipeline) {
  Result<std::string> document = ExportPmml(pipeline, PmmlExportOptions{});
  EXPECT_TRUE(document.ok()) << document.status().ToString();
  if (!document.ok()) return pipeline;
  Result<Pipeline> imported = ImportPmml(*document, ImportOptions());
  EXPECT_TRUE(imported.ok()) << imported.status().ToString() << "\n" << *document;
  return imported.ok() ? *imported : pipeline;
}

bool SameBits(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0 || (a == 0 && b == 0);
}

// Scores `rows` (cells in input order, nullopt = missing) with the pipeline
// and its round trip; every value must be the same double.
void ExpectSameScores(const Pipeline& pipeline, const std::vector<std::vector<std::optional<std::string>>>& rows) {
  const Pipeline back = RoundTrip(pipeline);
  for (const auto& row : rows) {
    std::vector<RawValue> raw;
    std::string trace;
    for (const auto& cell : row) {
      raw.push_back(cell ? RawValue::Text(*cell) : RawValue::Missing());
      trace += (cell ? *cell : "<missing>") + " ";
    }
    SCOPED_TRACE("row: " + trace);
    const Result<Prediction> expected = reference::ScoreRow(pipeline, raw);
    const Result<Prediction> actual = reference::ScoreRow(back, raw);
    ASSERT_EQ(actual.ok(), expected.ok()) << (actual.ok() ? expected.status() : actual.status()).ToString();
    if (!expected.ok()) continue;
    ASSERT_EQ(actual->values.size(), expected->values.size());
    for (size_t k = 0; k < expected->values.size(); ++k) {
      EXPECT_PRED2(SameBits, actual->values[k], expected->values[k]) << "values[" << k << "]";
    }
    EXPECT_EQ(actual->label, expected->label);
  }
}

// A regression whose prediction is the one column `feature` (coefficient 1).
Pipeline Regression(std::vector<InputField> inputs, std::vector<Transform> transforms, const std::string& feature) {
  Pipeline pipeline;
  pipeline.name = "t";
  pipeline.inputs = std::move(inputs);
  pipeline.transforms = std::move(transforms);
  pipeline.features = {feature};
  GlmModel glm;
  glm.intercepts = {0};
  glm.coefficients = {1};
  pipeline.model.body = glm;
  return pipeline;
}

InputField NumberField(const std::string& name) {
  InputField field;
  field.name = name;
  return field;
}

InputField CategoryField(const std::string& name, std::vector<std::string> levels) {
  InputField field;
  field.name = name;
  field.type = FieldType::kCategory;
  field.levels = std::move(levels);
  return field;
}

InputField BooleanField(const std::string& name) {
  InputField field;
  field.name = name;
  field.type = FieldType::kBoolean;
  return field;
}

// The values every numeric input takes in the tests below: missing, both
// sides of the edges used, zero, negatives, fractions.
const std::vector<std::optional<std::string>>& Numbers() {
  static const auto* numbers = new std::vector<std::optional<std::string>>{
      std::nullopt, "0", "-0", "1", "2", "2.5", "-3", "0.1", "1e-300", "100", "-1.5", "-1", "-0.999", "1e-10"};
  return *numbers;
}

TEST(PmmlExport, ExpressionsKeepTheLanguagesSemantics) {
  // Each expression is one derived column; the language's missing-value
  // rules (if takes else on a missing condition, min/max are missing with
  // any argument, coalesce) must survive PMML's different ones.
  const std::vector<std::string> expressions = {
      "if a > 1 then a else b",
      "if f then a else 7",
      "min(a, b)",
      "max(a, 2)",
      "min(a)",
      "coalesce(a, b, 3)",
      "-a",
      "a - b * 2 / (b + 1)",
      "a in (1, 2)",
      "a not in (0, 2.5)",
      "c == 'x'",
      "'y' != c",
      "c in ('x', 'zz')",
      "not f",
      "is_missing(a) or f",
      "is_missing(c) and not is_missing(b)",
      "(a > b) == f",
      "a <= b",
      "a >= 0 and b < 2",
      "pow(a, 2) + abs(b) + floor(a) * ceil(b)",
      "log(a) + log10(b)",
      "sqrt(a) - exp(b)",
      "sin(a) + cos(b) * atan(a)",
      "pow(b, 0.5)",
      "a / b",
  };
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (const auto& a : Numbers()) {
    for (const std::optional<std::string>& b : {std::optional<std::string>(), std::optional<std::string>("2"),
                                                 std::optional<std::string>("-0.5"), std::optional<std::string>("0")}) {
      for (const std::optional<std::string>& c :
           {std::optional<std::string>(), std::optional<std::string>("x"), std::optional<std::string>("y")}) {
        for (const std::optional<std::string>& f : {std::optional<std::string>(), std::optional<std::string>("true"),
                                                     std::optional<std::string>("false")}) {
          rows.push_back({a, b, c, f});
        }
      }
    }
  }
  for (const std::string& expression : expressions) {
    SCOPED_TRACE(expression);
    ExpectSameScores(Regression({NumberField("a"), NumberField("b"), CategoryField("c", {"x", "y"}), BooleanField("f")},
                                {DeriveTransform{"d", expression}}, "d"),
                     rows);
  }
}

TEST(PmmlExport, TransformsKeepTheirValues) {
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (const auto& x : Numbers()) {
    for (const std::optional<std::string>& c : {std::optional<std::string>(), std::optional<std::string>("x"),
                                                 std::optional<std::string>("y"), std::optional<std::string>("z")}) {
      rows.push_back({x, c});
    }
  }
  const std::vector<InputField> inputs = {NumberField("x"), CategoryField("c", {"x", "y", "z"})};
  struct Case {
    Transform transform;
    std::string feature;
  };
  const std::vector<Case> cases = {
      {ImputeTransform{"x", "out", ImputeStrategy::kMean, 2.5}, "out"},
      {ClipTransform{"x", "out", -1.0, 2.0}, "out"},
      {ClipTransform{"x", "out", std::nullopt, 0.5}, "out"},
      {ClipTransform{"x", "out", 0.0, std::nullopt}, "out"},
      {StandardizeTransform{"x", "out", 0.3, 1.7}, "out"},
      {MinMaxTransform{"x", "out", -3, 7, -1, 1}, "out"},
      {MathTransform{"x", "out", MathFunction::kLog, 1.0}, "out"},
      {MathTransform{"x", "out", MathFunction::kLog1p, 1.0}, "out"},
      {MathTransform{"x", "out", MathFunction::kPower, 0.5}, "out"},
      {MathTransform{"x", "out", MathFunction::kPower, -2}, "out"},
      {BucketizeTransform{"x", "out", {0, 1, 2.5}, false, {}}, "out"},
      {BucketizeTransform{"x", "out", {0, 1, 2.5}, true, {}}, "out"},
      {OneHotTransform{"c", "c=", {"x", "y"}, UnknownLevelPolicy::kIgnore}, "c=y"},
      {OneHotTransform{"c", "c=", {"x", "y"}, UnknownLevelPolicy::kMissing}, "c=x"},
      {OrdinalTransform{"c", "out", {"y", "x"}, UnknownLevelPolicy::kIgnore, -7}, "out"},
      {OrdinalTransform{"c", "out", {"y", "x"}, UnknownLevelPolicy::kMissing, -1}, "out"},
      {OrdinalTransform{"c", "out", {"x", "y", "z"}, UnknownLevelPolicy::kError, -1}, "out"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(TransformOpName(c.transform)) + " -> " + c.feature);
    ExpectSameScores(Regression(inputs, {c.transform}, c.feature), rows);
  }
  // A bucketize with labels and a category imputation give category columns,
  // read through encoders.
  ExpectSameScores(Regression(inputs,
                              {BucketizeTransform{"x", "band", {0, 2}, false, {"low", "mid", "high"}},
                               OneHotTransform{"band", "", {"low", "high"}, UnknownLevelPolicy::kIgnore}},
                              "band=high"),
                   rows);
  ExpectSameScores(Regression(inputs,
                              {ImputeTransform{"c", "c2", ImputeStrategy::kMostFrequent, std::string("z")},
                               OrdinalTransform{"c2", "rank", {"z", "x"}, UnknownLevelPolicy::kIgnore, 5}},
                              "rank"),
                   rows);
}

// One split at the root with two leaves.
Tree Stump(int32_t feature, double threshold, bool default_left, double left, double right) {
  Tree tree;
  tree.feature = {feature, -1, -1};
  tree.threshold = {threshold, 0, 0};
  tree.left = {1, -1, -1};
  tree.right = {2, -1, -1};
  tree.default_left = {static_cast<uint8_t>(default_left ? 1 : 0), 0, 0};
  tree.leaf_values = {0, left, right};
  return tree;
}

TEST(PmmlExport, TreeSplitsOnBooleansAndNumbers) {
  Pipeline pipeline = Regression({BooleanField("f"), NumberField("x")}, {}, "f");
  pipeline.features = {"f", "x"};
  TreeEnsembleModel ensemble;
  ensemble.base_score = {0.125};
  // Booleans split inside (0, 1], at 0 (every value right) and above 1 (every
  // value left), with missing values either way.
  ensemble.trees = {Stump(0, 0.5, false, 1, 2),     Stump(0, 1, true, 4, 8),     Stump(0, 0, true, 16, 32),
                    Stump(0, 2, false, 64, 128),    Stump(0, 2, true, 256, 512), Stump(0, -1, false, 1024, 2048),
                    Stump(1, 0.25, true, 0.5, 0.75), Stump(1, -1.5, false, 3, 5)};
  pipeline.model.body = ensemble;
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (const std::optional<std::string>& f :
       {std::optional<std::string>(), std::optional<std::string>("true"), std::optional<std::string>("false")}) {
    for (const auto& x : Numbers()) rows.push_back({f, x});
    rows.push_back({f, "0.25"});
    rows.push_back({f, "0.24999999999999997"});
  }
  ExpectSameScores(pipeline, rows);
  for (TreeEnsembleModel* model : {&std::get<TreeEnsembleModel>(pipeline.model.body)}) {
    model->precision = NumericPrecision::kFloat32;
  }
  ExpectSameScores(pipeline, rows);
}

TEST(PmmlExport, InverseLinkGlmIsAGeneralRegressionModel) {
  InputField exposure = NumberField("exposure");
  Pipeline pipeline = Regression({NumberField("x"), BooleanField("f"), exposure}, {}, "x");
  pipeline.features = {"x", "f"};
  GlmModel glm;
  glm.family = GlmFamily::kGamma;
  glm.link = LinkFunction::kInverse;
  glm.intercepts = {0.75};
  glm.coefficients = {0.125, -0.3};
  glm.offset = "exposure";
  pipeline.model.body = glm;
  Result<std::string> document = ExportPmml(pipeline, PmmlExportOptions{});
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  EXPECT_NE(document->find("<GeneralRegressionModel functionName=\"regression\" modelType=\"generalizedLinear\" "
                           "linkFunction=\"power\" linkParameter=\"-1\" distribution=\"gamma\""),
            std::string::npos)
      << *document;
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (const auto& x : Numbers()) {
    for (const std::optional<std::string>& f :
         {std::optional<std::string>(), std::optional<std::string>("true"), std::optional<std::string>("false")}) {
      rows.push_back({x, f, "0.5"});
      rows.push_back({x, f, std::nullopt});
    }
  }
  ExpectSameScores(pipeline, rows);
  EXPECT_EQ(std::get<GlmModel>(RoundTrip(pipeline).model.body).link, LinkFunction::kInverse);
}

TEST(PmmlExport, InputPoliciesBecomeTreatments) {
  InputField x = NumberField("x");
  x.min = -2;
  x.max = 10;
  x.on_missing = {ValuePolicyKind::kReplace, 1.5};
  x.on_invalid = {ValuePolicyKind::kReplace, 9.0};
  InputField n = NumberField("n");
  n.type = FieldType::kInteger;
  n.on_invalid = {ValuePolicyKind::kMissing, 0.0};
  InputField m = NumberField("m");
  m.on_missing = {ValuePolicyKind::kError, 0.0};
  InputField c = CategoryField("c", {"a", "b"});
  c.on_missing = {ValuePolicyKind::kReplace, std::string("b")};
  c.on_invalid = {ValuePolicyKind::kReplace, std::string("a")};
  Pipeline pipeline = Regression({x, n, c, m},
                                 {OneHotTransform{"c", "", {"a", "b"}, UnknownLevelPolicy::kError},
                                  DeriveTransform{"sum", "x + coalesce(n, 100) + `c=b` + m"}},
                                 "sum");
  const Pipeline back = RoundTrip(pipeline);
  ASSERT_EQ(back.inputs.size(), 4u);
  EXPECT_EQ(back.inputs[0].min, -2.0);
  EXPECT_EQ(back.inputs[0].max, 10.0);
  EXPECT_EQ(back.inputs[0].on_missing.kind, ValuePolicyKind::kReplace);
  EXPECT_EQ(back.inputs[1].type, FieldType::kInteger);
  EXPECT_EQ(back.inputs[1].on_missing.kind, ValuePolicyKind::kMissing);
  EXPECT_EQ(back.inputs[1].on_invalid.kind, ValuePolicyKind::kMissing);
  EXPECT_EQ(back.inputs[3].on_missing.kind, ValuePolicyKind::kError);
  EXPECT_EQ(back.inputs[3].on_invalid.kind, ValuePolicyKind::kError);
  EXPECT_EQ(back.inputs[2].levels, (std::vector<std::string>{"a", "b"}));
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (const std::optional<std::string>& xv : {std::optional<std::string>(), std::optional<std::string>("3"),
                                                std::optional<std::string>("11"), std::optional<std::string>("abc")}) {
    for (const std::optional<std::string>& nv : {std::optional<std::string>(), std::optional<std::string>("4"),
                                                  std::optional<std::string>("4.5")}) {
      for (const std::optional<std::string>& cv : {std::optional<std::string>(), std::optional<std::string>("a"),
                                                    std::optional<std::string>("q")}) {
        rows.push_back({xv, nv, cv, "1"});
        rows.push_back({xv, nv, cv, std::nullopt});
      }
    }
  }
  ExpectSameScores(pipeline, rows);
}

TEST(PmmlExport, DocumentsAreWellFormedAndDeclareEveryField) {
  for (const auto& entry : fs::directory_iterator(SourceDir() / "tests" / "golden" / "cases")) {
    if (!fs::exists(entry.path() / "pipeline.json")) continue;
    const std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    Result<std::string> document = ExportPmml(GoldenPipeline(name), PmmlExportOptions{});
    if (!document.ok()) {
      EXPECT_EQ(document.status().code(), StatusCode::kUnimplemented) << document.status().ToString();
      continue;
    }
    pugi::xml_document xml;
    ASSERT_TRUE(xml.load_string(document->c_str())) << *document;
    const pugi::xml_node root = xml.document_element();
    EXPECT_STREQ(root.name(), "PMML");
    EXPECT_STREQ(root.attribute("xmlns").value(), "http://www.dmg.org/PMML-4_4");
    EXPECT_STREQ(root.attribute("version").value(), "4.4");
    EXPECT_STREQ(root.child("Header").child("Application").attribute("name").value(), "Podium");
    EXPECT_FALSE(root.child("Header").child("Timestamp"));
    // Declared: DataFields, DerivedFields, OutputFields (a modelChain's
    // later segments read the earlier ones').
    std::set<std::string> declared;
    for (const char* kind : {"DataField", "DerivedField", "OutputField"}) {
      for (const pugi::xpath_node& node : root.select_nodes((std::string("//") + kind).c_str())) {
        EXPECT_TRUE(declared.insert(node.node().attribute("name").value()).second)
            << kind << " " << node.node().attribute("name").value() << " declared twice";
      }
    }
    const std::vector<std::pair<std::string, std::string>> references = {
        {"FieldRef", "field"},         {"NormDiscrete", "field"},       {"Discretize", "field"},
        {"FieldColumnPair", "field"},  {"SimplePredicate", "field"},    {"SimpleSetPredicate", "field"},
        {"MiningField", "name"},       {"NumericPredictor", "name"},    {"CategoricalPredictor", "name"},
        {"Target", "field"}};
    for (const auto& [kind, attribute] : references) {
      for (const pugi::xpath_node& node : root.select_nodes(("//" + kind).c_str())) {
        const std::string field = node.node().attribute(attribute.c_str()).value();
        EXPECT_TRUE(declared.count(field)) << kind << " refers to undeclared field '" << field << "'";
      }
    }
    // Every defaultChild names a child Node.
    for (const pugi::xpath_node& node : root.select_nodes("//Node[@defaultChild]")) {
      const std::string id = node.node().attribute("defaultChild").value();
      EXPECT_TRUE(node.node().find_child_by_attribute("Node", "id", id.c_str())) << "defaultChild " << id;
    }
  }
}

// Expected documents for a few pipelines, so that output changes show in
// review. PODIUM_UPDATE_EXPORT_GOLDEN=1 rewrites them.
TEST(PmmlExport, MatchesExpectedDocuments) {
  const bool update = std::getenv("PODIUM_UPDATE_EXPORT_GOLDEN") != nullptr;
  for (const std::string name : {"glm_logistic_onehot", "float32_precision", "bucketize_labels",
                                 "forest_average_vector_leaves", "boosted_binary_logistic", "glm_poisson_offset"}) {
    SCOPED_TRACE(name);
    Result<std::string> document = ExportPmml(GoldenPipeline(name), PmmlExportOptions{});
    ASSERT_TRUE(document.ok()) << document.status().ToString();
    const fs::path expected = SourceDir() / "src" / "formats" / "testdata" / "pmml_export" / (name + ".pmml");
    if (update) {
      std::ofstream(expected, std::ios::binary) << *document;
      continue;
    }
    EXPECT_EQ(*document, ReadText(expected)) << "to accept the new output: PODIUM_UPDATE_EXPORT_GOLDEN=1";
  }
}

TEST(PmmlExport, HeaderCarriesIdentityAndOptions) {
  Pipeline pipeline = GoldenPipeline("glm_logistic_onehot");
  pipeline.source = "xgboost 1.7 binary:logistic";
  pipeline.post.reason_code_count = 5;
  pipeline.description = "two\nlines\tand a tab";
  PmmlExportOptions options;
  options.application_version = "1.2.3";
  Result<std::string> document = ExportPmml(pipeline, options);
  ASSERT_TRUE(document.ok());
  EXPECT_NE(document->find("<Extension name=\"podium.source\" value=\"xgboost 1.7 binary:logistic\" />"),
            std::string::npos);
  EXPECT_NE(document->find("<Extension name=\"podium.reason_code_count\" value=\"5\" />"), std::string::npos);
  EXPECT_NE(document->find("<Application name=\"Podium\" version=\"1.2.3\" />"), std::string::npos);
  Result<Pipeline> back = ImportPmml(*document, ImportOptions());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->description, pipeline.description);
}

void ExpectRefused(const Pipeline& pipeline, StatusCode code, const std::string& part) {
  Result<std::string> document = ExportPmml(pipeline, PmmlExportOptions{});
  ASSERT_FALSE(document.ok()) << *document;
  EXPECT_EQ(document.status().code(), code) << document.status().ToString();
  EXPECT_NE(document.status().message().find(part), std::string::npos) << document.status().ToString();
}

TEST(PmmlExport, RefusesWhatPmmlCannotExpress) {
  const std::vector<InputField> inputs = {NumberField("x"), CategoryField("c", {}), BooleanField("f")};
  ExpectRefused(Regression(inputs, {OneHotTransform{"c", "", {"a"}, UnknownLevelPolicy::kError}}, "c=a"),
                StatusCode::kUnimplemented, "unknown level policy 'error'");
  ExpectRefused(Regression(inputs, {ImputeTransform{"f", "g", ImputeStrategy::kConstant, 1.0}}, "g"),
                StatusCode::kUnimplemented, "impute 'g'");
  Pipeline log_binomial = GoldenPipeline("glm_logistic_onehot");
  std::get<GlmModel>(log_binomial.model.body).link = LinkFunction::kLog;
  ExpectRefused(log_binomial, StatusCode::kUnimplemented, "link 'log'");
  InputField policy = NumberField("x");
  policy.on_missing = {ValuePolicyKind::kReplace, 0.0};
  policy.on_invalid = {ValuePolicyKind::kMissing, 0.0};
  ExpectRefused(Regression({policy}, {}, "x"), StatusCode::kUnimplemented, "on_invalid 'missing'");
  ExpectRefused(Regression({NumberField("bad\x01name")}, {}, "bad\x01name"), StatusCode::kInvalidArgument,
                "control character");
  Pipeline float_average = GoldenPipeline("float32_precision");
  std::get<TreeEnsembleModel>(float_average.model.body).aggregation = Aggregation::kAverage;
  ExpectRefused(float_average, StatusCode::kUnimplemented, "float32");
  Pipeline clash = Regression(inputs, {}, "x");
  clash.output_names.value = "x";
  ExpectRefused(clash, StatusCode::kUnimplemented, "PMML field names are unique");
  // A tree whose PMML would nest deeper than the importer reads.
  Pipeline deep = Regression(inputs, {}, "x");
  Tree chain;
  constexpr int kDepth = 500;
  for (int i = 0; i < kDepth; ++i) {
    // Node 2i splits; 2i + 1 is a leaf; 2i + 2 the next split (or the last leaf).
    chain.feature.insert(chain.feature.end(), {0, -1});
    chain.threshold.insert(chain.threshold.end(), {static_cast<double>(i), 0});
    chain.left.insert(chain.left.end(), {2 * i + 1, -1});
    chain.right.insert(chain.right.end(), {2 * i + 2, -1});
    chain.default_left.insert(chain.default_left.end(), {0, 0});
    chain.leaf_values.insert(chain.leaf_values.end(), {0, static_cast<double>(i)});
  }
  chain.feature.push_back(-1);
  chain.threshold.push_back(0);
  chain.left.push_back(-1);
  chain.right.push_back(-1);
  chain.default_left.push_back(0);
  chain.leaf_values.push_back(-1);
  TreeEnsembleModel deep_ensemble;
  deep_ensemble.base_score = {0};
  deep_ensemble.trees = {chain};
  deep.model.body = deep_ensemble;
  ExpectRefused(deep, StatusCode::kUnimplemented, "deeper than 480 levels");
  Pipeline invalid = Regression(inputs, {}, "nothing");
  ExpectRefused(invalid, StatusCode::kInvalidArgument, "does not validate");
  // Reason-code settings (an imported Scorecard's) have no RegressionModel equivalent.
  Pipeline ordered = Regression(inputs, {}, "x");
  ordered.post.reason_order = ReasonOrder::kLargestFirst;
  ordered.post.reason_one_sided = true;  // valid with a signed order only
  ExpectRefused(ordered, StatusCode::kUnimplemented, "post.reason_order 'largest'");
  Pipeline labelled = Regression(inputs, {}, "x");
  labelled.post.reason_labels = {"RC1"};
  ExpectRefused(labelled, StatusCode::kUnimplemented, "post.reason_labels");
  Pipeline named = Regression(inputs, {}, "x");
  named.output_names.reasons = {"Reason Code 1"};
  ExpectRefused(named, StatusCode::kUnimplemented, "output_names.reasons");
}

// Derived outputs become transformedValue OutputFields (`score` spelled as
// the output field holding it) and a Target's clamping and rounding come
// back as the same prediction expression; other prediction expressions are
// refused.
TEST(PmmlExport, DerivedOutputsAndTargetRoundTrip) {
  Pipeline pipeline = Regression({NumberField("x")}, {}, "x");
  pipeline.post.prediction_expression = TargetPredictionExpression(-2, 50, "round");
  pipeline.post.outputs = {{"half", "score / 2"},
                           {"big", "half > 1 and x < 90"},
                           {"band", "if prediction >= 10 then 2 else min(half, 1)"}};
  Result<std::string> document = ExportPmml(pipeline, PmmlExportOptions{});
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  EXPECT_NE(document->find("castInteger=\"round\" min=\"-2\" max=\"50\""), std::string::npos)
      << *document;
  EXPECT_NE(document->find("name=\"big\" optype=\"categorical\" dataType=\"boolean\" feature=\"transformedValue\""),
            std::string::npos)
      << *document;
  const Pipeline back = RoundTrip(pipeline);
  EXPECT_EQ(back.post.prediction_expression, pipeline.post.prediction_expression);
  ASSERT_EQ(back.post.outputs.size(), 3u);
  for (const std::string x : {"-10", "-2.5", "0.5", "1.5", "2.5", "3", "19.5", "60", "100"}) {
    SCOPED_TRACE("x = " + x);
    const Result<Prediction> expected = reference::ScoreRow(pipeline, {RawValue::Text(x)});
    const Result<Prediction> actual = reference::ScoreRow(back, {RawValue::Text(x)});
    ASSERT_TRUE(expected.ok() && actual.ok());
    EXPECT_PRED2(SameBits, actual->values[0], expected->values[0]);
    ASSERT_EQ(actual->derived.size(), 3u);
    for (size_t k = 0; k < 3; ++k) EXPECT_PRED2(SameBits, actual->derived[k], expected->derived[k]) << k;
  }
  Pipeline other = Regression({NumberField("x")}, {}, "x");
  other.post.prediction_expression = "score * 2";
  ExpectRefused(other, StatusCode::kUnimplemented,
                "post.prediction_expression 'score * 2' has no PMML equivalent (a PMML Target can only clamp");
  other.post.prediction_expression = "floor(max(score, x))";
  ExpectRefused(other, StatusCode::kUnimplemented, "post.prediction_expression 'floor(max(score, x))'");
}

// Category derived outputs become decision OutputFields listing their
// categories: an if-then-else chain of positions is written branch for
// branch, any other position expression as one case per category; a
// position that is a fraction, out of range or missing gives no decision.
TEST(PmmlExport, CategoryOutputsBecomeDecisions) {
  Pipeline pipeline = Regression({NumberField("x")}, {}, "x");
  pipeline.post.outputs = {
      {"action", "if score > 10 then 2 else if score > 5 then 1 else if score > 2 then 0 else -1",
       {"approve", "review", "decline"}},
      {"bucket", "floor(score / 4)", {"low", "mid", "high"}},
      {"always_none", "if x > 0 then 7 else 0.5", {"never"}},
      {"needs_review", "action == 'review' or bucket in ('high')"},
  };
  Result<std::string> document = ExportPmml(pipeline, PmmlExportOptions{});
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  EXPECT_NE(document->find("name=\"action\" optype=\"categorical\" dataType=\"string\" feature=\"decision\""),
            std::string::npos)
      << *document;
  EXPECT_NE(document->find("<Decision value=\"review\" />"), std::string::npos) << *document;
  const Pipeline back = RoundTrip(pipeline);
  ASSERT_EQ(back.post.outputs.size(), 4u);
  EXPECT_EQ(back.post.outputs[0].categories, pipeline.post.outputs[0].categories);
  EXPECT_EQ(back.post.outputs[1].categories, pipeline.post.outputs[1].categories);
  for (const std::string x : {"-10", "1", "1.5", "2.5", "3", "5", "5.5", "8", "10", "10.5", "11.9", "12", "30"}) {
    SCOPED_TRACE("x = " + x);
    const Result<Prediction> expected = reference::ScoreRow(pipeline, {RawValue::Text(x)});
    const Result<Prediction> actual = reference::ScoreRow(back, {RawValue::Text(x)});
    ASSERT_TRUE(expected.ok() && actual.ok());
    ASSERT_EQ(actual->derived.size(), 4u);
    for (size_t k = 0; k < 4; ++k) EXPECT_PRED2(SameBits, actual->derived[k], expected->derived[k]) << k;
  }
  // Spot checks of the original's values, so that the comparison above is
  // not between two equally wrong pipelines.
  const Result<Prediction> low = reference::ScoreRow(back, {RawValue::Text("1.5")});
  ASSERT_TRUE(low.ok());
  EXPECT_TRUE(std::isnan(low->derived[0]));  // -1: no decision
  EXPECT_EQ(low->derived[1], 0);             // floor(1.5 / 4) = 0: "low"
  EXPECT_TRUE(std::isnan(low->derived[2]));
  const Result<Prediction> review = reference::ScoreRow(back, {RawValue::Text("8")});
  ASSERT_TRUE(review.ok());
  EXPECT_EQ(review->derived[0], 1);
  EXPECT_EQ(review->derived[3], 1);
  const Result<Prediction> beyond = reference::ScoreRow(back, {RawValue::Text("12")});
  ASSERT_TRUE(beyond.ok());
  EXPECT_TRUE(std::isnan(beyond->derived[1]));  // floor(12 / 4) = 3 is out of range: no category
}

// Business rules become the decision and flags OutputFields: the first
// override rule that holds, else the label; the reasons of the annotate
// rules that hold, joined by "; ". Reading them back gives the same rules.
TEST(PmmlExport, BusinessRulesBecomeDecisionAndFlags) {
  const Pipeline pipeline = GoldenPipeline("business_rules");
  Result<std::string> document = ExportPmml(pipeline, PmmlExportOptions{});
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  EXPECT_NE(document->find("name=\"decision\" optype=\"categorical\" dataType=\"string\" feature=\"decision\""),
            std::string::npos)
      << *document;
  EXPECT_NE(document->find("<Extension extender=\"Podium\" name=\"rule\" value=\"big_amount\">large "
                           "amount</Extension>"),
            std::string::npos)
      << *document;
  EXPECT_NE(document->find("<Apply function=\"substring\">"), std::string::npos);
  const Pipeline back = RoundTrip(pipeline);
  ASSERT_EQ(back.post.rules.size(), 5u);
  // Override rules first, then annotate rules, each in the original order.
  const std::vector<std::string> names = {"blocked_country", "high_score", "vip_pass", "big_amount", "vip_note"};
  for (size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i]);
    const auto original = std::find_if(pipeline.post.rules.begin(), pipeline.post.rules.end(),
                                       [&](const BusinessRule& r) { return r.name == names[i]; });
    ASSERT_NE(original, pipeline.post.rules.end());
    EXPECT_EQ(back.post.rules[i].name, original->name);
    EXPECT_EQ(back.post.rules[i].action, original->action);
    EXPECT_EQ(back.post.rules[i].decision, original->decision);
    EXPECT_EQ(back.post.rules[i].reason, original->reason);
  }
  EXPECT_EQ(DecisionVocabulary(back), DecisionVocabulary(pipeline));
}

// Decisions and flags of a regression (no label: no decision unless an
// override holds) and of a multiclass model (the arg max when none holds)
// come back the same, row for row; a multiclass `score` is the largest
// probability, which a derived output can read and a rule cannot.
TEST(PmmlExport, RulesOfRegressionAndMulticlassModelsRoundTrip) {
  auto decision_and_flags = [](const Pipeline& pipeline, const Prediction& prediction) {
    std::string text = prediction.decision >= 0
                           ? DecisionVocabulary(pipeline)[static_cast<size_t>(prediction.decision)]
                           : "(none)";
    for (int32_t rule : prediction.fired_rules) {
      const BusinessRule& fired = pipeline.post.rules[static_cast<size_t>(rule)];
      if (fired.action == RuleAction::kAnnotate) text += " | " + fired.reason;
    }
    return text;
  };
  Pipeline regression = Regression({NumberField("x")}, {}, "x");
  regression.post.outputs = {{"doubled", "score * 2"}};
  regression.post.rules = {
      {"cap", "score > 10", RuleAction::kOverride, "capped", ""},
      {"negative", "x < 0", RuleAction::kAnnotate, "", "below zero"},
      {"big", "doubled > 30", RuleAction::kAnnotate, "", "large"},
      {"floor", "x < -5", RuleAction::kOverride, "floored", "very low"},
  };
  const Pipeline regression_back = RoundTrip(regression);
  std::set<std::string> seen;
  for (const std::string x : {"-10", "-5", "-1", "0", "3", "10", "10.5", "16", ""}) {
    SCOPED_TRACE("x = " + x);
    const RawValue raw = x.empty() ? RawValue::Missing() : RawValue::Text(x);
    const Result<Prediction> expected = reference::ScoreRow(regression, {raw});
    const Result<Prediction> actual = reference::ScoreRow(regression_back, {raw});
    ASSERT_TRUE(expected.ok() && actual.ok());
    EXPECT_EQ(decision_and_flags(regression_back, *actual), decision_and_flags(regression, *expected));
    seen.insert(decision_and_flags(regression, *expected));
  }
  EXPECT_EQ(seen, (std::set<std::string>{"(none)", "(none) | below zero", "capped", "capped | large",
                                         "floored | below zero"}));

  Pipeline multiclass = GoldenPipeline("glm_multinomial");
  multiclass.post.outputs = {{"confidence", "score"}};
  multiclass.post.rules = {
      {"manual", "x1 > 5", RuleAction::kOverride, "manual", ""},
      {"unsure", "confidence < 0.5", RuleAction::kAnnotate, "", "low confidence"},
  };
  const Pipeline multiclass_back = RoundTrip(multiclass);
  std::set<std::string> decisions;
  for (int x1 = -6; x1 <= 7; x1 += 1) {
    for (int x2 = -6; x2 <= 6; x2 += 2) {
      SCOPED_TRACE("x1 = " + std::to_string(x1) + ", x2 = " + std::to_string(x2));
      const std::string a = std::to_string(x1);
      const std::string b = std::to_string(x2);
      const std::vector<RawValue> raw = {RawValue::Text(a), RawValue::Text(b)};  // views of a and b
      const Result<Prediction> expected = reference::ScoreRow(multiclass, raw);
      const Result<Prediction> actual = reference::ScoreRow(multiclass_back, raw);
      ASSERT_TRUE(expected.ok()) << expected.status().ToString();
      ASSERT_TRUE(actual.ok()) << actual.status().ToString();
      EXPECT_EQ(decision_and_flags(multiclass_back, *actual), decision_and_flags(multiclass, *expected));
      EXPECT_PRED2(SameBits, actual->derived[0], expected->derived[0]);
      decisions.insert(DecisionVocabulary(multiclass)[static_cast<size_t>(expected->decision)]);
    }
  }
  EXPECT_EQ(decisions.count("manual"), 1u);
  EXPECT_GE(decisions.size(), 3u);  // the grid reaches several classes as well

  Pipeline reads_score = multiclass;
  reads_score.post.rules = {{"sure", "score > 0.9", RuleAction::kAnnotate, "", "sure"}};
  ExpectRefused(reads_score, StatusCode::kUnimplemented, "reads `score` of a multiclass model");
}

// A document with Podium's rule Extensions must have exactly the shape the
// exporter writes: anything else would be scored by rules it does not hold.
TEST(PmmlExport, ImporterRefusesRuleFieldsOfAnotherShape) {
  Result<std::string> document = ExportPmml(GoldenPipeline("business_rules"), PmmlExportOptions{});
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  // Replaces every `from`, or only the last one.
  auto import_edited = [&](const std::string& from, const std::string& to, bool last_only) {
    std::string edited = *document;
    int replaced = 0;
    for (size_t at = last_only ? edited.rfind(from) : edited.find(from); at != std::string::npos;
         at = last_only ? std::string::npos : edited.find(from, at + to.size())) {
      edited.replace(at, from.size(), to);
      ++replaced;
    }
    EXPECT_GT(replaced, 0) << from;
    return ImportPmml(edited, ImportOptions());
  };
  // The flag text no longer the rule's reason.
  Result<Pipeline> relabelled = import_edited("; large amount", "; big", false);
  ASSERT_FALSE(relabelled.ok());
  EXPECT_NE(relabelled.status().message().find("the flag 'big' is not what rule 'big_amount' reports"),
            std::string::npos)
      << relabelled.status().ToString();
  // The label when no rule holds (last in the document) with a threshold
  // other than the pipeline's.
  Result<Pipeline> threshold = import_edited("<Constant dataType=\"double\">0.7</Constant>",
                                             "<Constant dataType=\"double\">0.6</Constant>", true);
  ASSERT_FALSE(threshold.ok());
  EXPECT_EQ(threshold.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(threshold.status().message().find("the shape Podium writes (here the label when no rule holds"),
            std::string::npos)
      << threshold.status().ToString();
  // A decision left out of the Decisions.
  Result<Pipeline> unlisted = import_edited("<Decision value=\"approve_vip\" />", "", false);
  ASSERT_FALSE(unlisted.ok());
  EXPECT_NE(unlisted.status().message().find("must list the classes, then the rules' decisions"),
            std::string::npos)
      << unlisted.status().ToString();
}

// The importer's side of the round trip refuses what the exporter never
// writes rather than guessing.
TEST(PmmlExport, ImporterRefusesOtherChainsAndFloatModels) {
  Result<std::string> document = ExportPmml(GoldenPipeline("boosted_binary_logistic"), PmmlExportOptions{});
  ASSERT_TRUE(document.ok());
  auto import_changed = [&](const std::string& from, const std::string& to) {
    std::string text = *document;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return ImportPmml(text, ImportOptions());
  };
  // A chain of another shape is combined by expressions (docs/formats/pmml.md,
  // "MiningModel → segments as columns"): here p = logistic(2 * margin).
  Result<Pipeline> original = ImportPmml(*document, ImportOptions());
  ASSERT_TRUE(original.ok()) << original.status().ToString();
  Result<Pipeline> scaled = import_changed("<NumericPredictor name=\"margin\" coefficient=\"1\"",
                                           "<NumericPredictor name=\"margin\" coefficient=\"2\"");
  ASSERT_TRUE(scaled.ok()) << scaled.status().ToString();
  EXPECT_TRUE(std::holds_alternative<GlmModel>(scaled->model.body));
  auto positive = [](const Pipeline& pipeline) {
    std::vector<RawValue> raw;
    for (const InputField& input : pipeline.inputs) raw.push_back(RawValue::Text(input.name == "a" ? "-1" : "0.5"));
    const Result<Prediction> prediction = reference::ScoreRow(pipeline, raw);
    EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
    return prediction.ok() ? prediction->values[1] : -1.0;
  };
  const double p = positive(*original);
  EXPECT_NEAR(positive(*scaled), 1 / (1 + std::exp(-2 * std::log(p / (1 - p)))), 1e-12);
  Result<Pipeline> other_threshold = import_changed("function=\"greaterOrEqual\"", "function=\"greaterThan\"");
  ASSERT_FALSE(other_threshold.ok());
  EXPECT_NE(other_threshold.status().message().find("threshold"), std::string::npos);
  Result<std::string> log1p = ExportPmml(GoldenPipeline("numeric_transforms"), PmmlExportOptions{});
  ASSERT_TRUE(log1p.ok()) << log1p.status().ToString();
  const size_t field = log1p->find("<FieldRef", log1p->find("function=\"ln1p\""));
  ASSERT_NE(field, std::string::npos);
  std::string constant = *log1p;
  constant.replace(field, constant.find("/>", field) + 2 - field, "<Constant dataType=\"double\">2</Constant>");
  // Any other ln1p is an expression over the language's log1p.
  Result<Pipeline> ln1p_of_constant = ImportPmml(constant, ImportOptions());
  ASSERT_TRUE(ln1p_of_constant.ok()) << ln1p_of_constant.status().ToString();
  bool derived_log1p = false;
  for (const Transform& transform : ln1p_of_constant->transforms) {
    if (const auto* derive = std::get_if<DeriveTransform>(&transform)) derived_log1p |= derive->expression == "log1p(2)";
  }
  EXPECT_TRUE(derived_log1p);
  Result<std::string> glm = ExportPmml(GoldenPipeline("glm_logistic_onehot"), PmmlExportOptions{});
  ASSERT_TRUE(glm.ok());
  std::string text = *glm;
  text.replace(text.find("<RegressionModel "), 17, "<RegressionModel mathContext=\"float\" ");
  Result<Pipeline> float_glm = ImportPmml(text, ImportOptions());
  ASSERT_FALSE(float_glm.ok());
  EXPECT_EQ(float_glm.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(float_glm.status().message().find("mathContext"), std::string::npos);
}

TEST(PmmlExport, ClusteringModelIsWrittenMeasureForMeasure) {
  Pipeline p;
  p.name = "segments";
  InputField flag;
  flag.name = "flag";
  flag.type = FieldType::kBoolean;
  p.inputs = {{.name = "x"}, {.name = "y"}, flag};
  p.transforms = {StandardizeTransform{.input = "y", .output = "y_std", .mean = 1, .scale = 2}};
  p.features = {"x", "y_std"};
  ClusteringModel m;
  m.measure = ClusterMeasure::kMinkowski;
  m.minkowski_p = 2.5;
  m.compare = {CompareFunction::kEqual, CompareFunction::kGaussSim};
  m.field_weights = {0.5, 2};
  m.similarity_scale = {0, 1.25};
  m.missing_weights = {3, 1};
  m.centers = {0, 0.1, 1, -2};
  p.model.task = Task::kClustering;
  p.model.classes = {"a", "b"};
  p.model.body = m;
  p.output_names.label = "segment";
  Result<std::string> document = ExportPmml(p, PmmlExportOptions{});
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  pugi::xml_document xml;
  ASSERT_TRUE(xml.load_string(document->c_str()));
  const pugi::xml_node model = xml.child("PMML").child("ClusteringModel");
  ASSERT_TRUE(model);
  EXPECT_STREQ(model.attribute("functionName").value(), "clustering");
  EXPECT_STREQ(model.attribute("modelClass").value(), "centerBased");
  EXPECT_STREQ(model.attribute("numberOfClusters").value(), "2");
  // No target: PMML's clustering models predict no field.
  for (pugi::xml_node field : model.child("MiningSchema").children("MiningField")) {
    EXPECT_FALSE(field.attribute("usageType")) << field.attribute("name").value();
  }
  EXPECT_STREQ(model.child("ComparisonMeasure").attribute("kind").value(), "distance");
  EXPECT_STREQ(model.child("ComparisonMeasure").child("minkowski").attribute("p-parameter").value(), "2.5");
  const pugi::xml_node second = model.child("ClusteringField").next_sibling("ClusteringField");
  EXPECT_STREQ(second.attribute("field").value(), "y_std");
  EXPECT_STREQ(second.attribute("compareFunction").value(), "gaussSim");
  EXPECT_STREQ(second.attribute("similarityScale").value(), "1.25");
  EXPECT_STREQ(model.child("MissingValueWeights").child("Array").child_value(), "3 1");
  EXPECT_STREQ(model.child("Cluster").attribute("id").value(), "a");
  EXPECT_STREQ(model.child("Cluster").child("Array").child_value(), "0 0.1");
  std::vector<std::string> outputs;
  for (pugi::xml_node field : model.child("Output").children("OutputField")) {
    outputs.push_back(std::string(field.attribute("name").value()) + ":" + field.attribute("feature").value() + ":" +
                      field.attribute("value").value());
  }
  EXPECT_EQ(outputs, (std::vector<std::string>{"segment:predictedValue:", "distance_a:affinity:a",
                                               "distance_b:affinity:b"}));

  // Imported again, it scores identically.
  const Pipeline back = RoundTrip(p);
  ASSERT_EQ(back.model.task, Task::kClustering);
  EXPECT_EQ(LabelColumnName(back), "segment");
  for (const std::vector<std::string>& cells :
       std::vector<std::vector<std::string>>{{"0", "1.2", "true"}, {"1", "", ""}, {"", "-3", "false"}, {"", "", ""}}) {
    std::vector<RawValue> raw;
    for (const std::string& cell : cells) raw.push_back(cell.empty() ? RawValue::Missing() : RawValue::Text(cell));
    Result<Prediction> expected = reference::ScoreRow(p, raw);
    Result<Prediction> actual = reference::ScoreRow(back, raw);
    ASSERT_TRUE(expected.ok() && actual.ok());
    ASSERT_EQ(actual->values.size(), 2u);
    for (size_t k = 0; k < 2; ++k) EXPECT_PRED2(SameBits, actual->values[k], expected->values[k]);
    EXPECT_EQ(actual->label, expected->label);
  }

  // A boolean feature has no PMML distance.
  p.features = {"x", "flag"};
  Result<std::string> refused = ExportPmml(p, PmmlExportOptions{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(refused.status().message().find("clustering feature 'flag' is not a number"), std::string::npos)
      << refused.status().ToString();
}


TEST(PmmlExport, ClusteringTableIsWrittenInTheDataFieldsOrder) {
  Pipeline p;
  p.name = "colors";
  InputField color;
  color.name = "color";
  color.type = FieldType::kCategory;
  color.levels = {"blue", "red", "light green"};  // the DataField's order
  color.on_invalid = ValuePolicy{ValuePolicyKind::kMissing, 0.0};
  p.inputs = {{.name = "x"}, color};
  p.transforms = {ImputeTransform{.input = "color", .output = "color_filled", .value = std::string("red")}};
  p.features = {"x", "color"};
  ClusteringModel m;
  m.measure = ClusterMeasure::kCityBlock;
  m.compare = {CompareFunction::kAbsDiff, CompareFunction::kTable};
  m.field_weights = {1, 2};
  // The table's own order differs: red, light green, blue (not symmetric).
  m.tables = {CompareTable{}, CompareTable{.levels = {"red", "light green", "blue"},
                                           .values = {0, 1, 2,  //
                                                      3, 0, 4,  //
                                                      5, 6, 0}}};
  m.centers = {0, 0,  // red
               2, 1};  // light green
  p.model.task = Task::kClustering;
  p.model.classes = {"a", "b"};
  p.model.body = m;
  ASSERT_TRUE(ValidatePipeline(p).ok()) << ValidatePipeline(p).ToString();
  Result<std::string> document = ExportPmml(p, PmmlExportOptions{});
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  pugi::xml_document xml;
  ASSERT_TRUE(xml.load_string(document->c_str()));
  const pugi::xml_node model = xml.child("PMML").child("ClusteringModel");
  const pugi::xml_node field = model.child("ClusteringField").next_sibling("ClusteringField");
  EXPECT_STREQ(field.attribute("compareFunction").value(), "table");
  const pugi::xml_node matrix = field.child("Comparisons").child("Matrix");
  std::vector<std::string> rows;
  for (pugi::xml_node array : matrix.children("Array")) rows.push_back(array.child_value());
  // Rows and columns blue, red, light green.
  EXPECT_EQ(rows, (std::vector<std::string>{"0 5 6", "2 0 1", "4 3 0"}));
  EXPECT_STREQ(model.child("Cluster").next_sibling("Cluster").child("Array").child_value(), "2 \"light green\"");

  const Pipeline back = RoundTrip(p);
  for (const std::vector<std::string>& cells : std::vector<std::vector<std::string>>{
           {"1", "blue"}, {"0", "light green"}, {"3", "red"}, {"2", ""}, {"2", "purple"}, {"", "blue"}, {"", ""}}) {
    std::vector<RawValue> raw;
    for (const std::string& cell : cells) raw.push_back(cell.empty() ? RawValue::Missing() : RawValue::Text(cell));
    Result<Prediction> expected = reference::ScoreRow(p, raw);
    Result<Prediction> actual = reference::ScoreRow(back, raw);
    ASSERT_TRUE(expected.ok() && actual.ok());
    ASSERT_EQ(actual->values.size(), 2u);
    for (size_t k = 0; k < 2; ++k) EXPECT_PRED2(SameBits, actual->values[k], expected->values[k]);
    EXPECT_EQ(actual->label, expected->label);
  }
  // blue against red is row blue, column red: 5; x adds 1.
  std::vector<RawValue> blue = {RawValue::Text("1"), RawValue::Text("blue")};
  Result<Prediction> scored = reference::ScoreRow(back, blue);
  ASSERT_TRUE(scored.ok());
  EXPECT_EQ(scored->values, (std::vector<double>{1 + 2 * 5, 1 + 2 * 6}));

  // A table feature that is not an input field has no DataField to index by.
  p.features = {"x", "color_filled"};
  Result<std::string> refused = ExportPmml(p, PmmlExportOptions{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(refused.status().message().find("clustering feature 'color_filled' is compared by a table but is not a "
                                            "categorical input field"),
            std::string::npos)
      << refused.status().ToString();
}

}  // namespace
}  // namespace podium
