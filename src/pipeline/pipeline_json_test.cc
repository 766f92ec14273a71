#include "pipeline/pipeline_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/file.h"

namespace podium {
namespace {

std::string TestdataPath(const std::string& name) {
  return std::string(PODIUM_SOURCE_DIR) + "/src/pipeline/testdata/" + name;
}

nlohmann::json LoadExample() {
  Result<std::string> text = ReadFileToString(TestdataPath("credit_glm.json"));
  EXPECT_TRUE(text.ok());
  return nlohmann::json::parse(*text);
}

// Reads `doc` and expects an error whose message contains `substring`.
void ExpectReadError(const nlohmann::json& doc, const std::string& substring) {
  Result<Pipeline> pipeline = ReadPipelineJson(doc.dump());
  ASSERT_FALSE(pipeline.ok()) << "expected an error containing: " << substring;
  EXPECT_EQ(pipeline.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pipeline.status().message().find(substring), std::string::npos)
      << pipeline.status().message();
}

TEST(PipelineJsonTest, ReadsTheExample) {
  Result<Pipeline> pipeline = ReadPipelineJson(LoadExample().dump());
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->name, "credit_risk");
  ASSERT_EQ(pipeline->inputs.size(), 5u);
  EXPECT_EQ(pipeline->inputs[0].type, FieldType::kInteger);
  EXPECT_EQ(pipeline->inputs[0].on_missing.kind, ValuePolicyKind::kError);
  EXPECT_EQ(pipeline->inputs[2].on_missing.kind, ValuePolicyKind::kReplace);
  EXPECT_EQ(std::get<double>(pipeline->inputs[2].on_missing.replacement), 0.0);
  ASSERT_EQ(pipeline->transforms.size(), 7u);
  const auto& derive = std::get<DeriveTransform>(pipeline->transforms[1]);
  EXPECT_EQ(derive.expression, "debt / max(income_i, 1)");
  const auto& glm = std::get<GlmModel>(pipeline->model.body);
  EXPECT_EQ(glm.family, GlmFamily::kBinomial);
  EXPECT_EQ(glm.coefficients.size(), 7u);
  EXPECT_EQ(pipeline->post.threshold, 0.4);
  ASSERT_EQ(pipeline->post.rules.size(), 2u);
  EXPECT_EQ(pipeline->post.rules[0].action, RuleAction::kOverride);
}

TEST(PipelineJsonTest, CanonicalFormIsStable) {
  Result<Pipeline> first = ReadPipelineJson(LoadExample().dump(4));
  ASSERT_TRUE(first.ok());
  const std::string canonical = WritePipelineJson(*first);
  Result<Pipeline> second = ReadPipelineJson(canonical);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(WritePipelineJson(*second), canonical);
  EXPECT_EQ(PipelineDigest(*first), PipelineDigest(*second));
  EXPECT_EQ(PipelineDigest(*first).rfind("sha256:", 0), 0u);
  EXPECT_EQ(PipelineDigest(*first).size(), 7u + 64u);
  // Pretty output reads back to the same pipeline.
  Result<Pipeline> pretty = ReadPipelineJson(WritePipelineJson(*first, /*pretty=*/true));
  ASSERT_TRUE(pretty.ok());
  EXPECT_EQ(WritePipelineJson(*pretty), canonical);
  // Key order in the source does not matter.
  EXPECT_TRUE(LooksLikePipelineJson(canonical));
}

TEST(PipelineJsonTest, AnyChangeChangesTheDigest) {
  Result<Pipeline> pipeline = ReadPipelineJson(LoadExample().dump());
  ASSERT_TRUE(pipeline.ok());
  const std::string digest = PipelineDigest(*pipeline);
  std::get<GlmModel>(pipeline->model.body).coefficients[2] += 1e-12;
  EXPECT_NE(PipelineDigest(*pipeline), digest);
}

TEST(PipelineJsonTest, OutputNamesRoundTripAndAreValidated) {
  nlohmann::json doc = LoadExample();
  Result<Pipeline> plain = ReadPipelineJson(doc.dump());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(WritePipelineJson(*plain).find("output_names"), std::string::npos) << "written only when set";
  EXPECT_EQ(ValueColumnNames(*plain), (std::vector<std::string>{"probability_good", "probability_bad"}));
  EXPECT_EQ(LabelColumnName(*plain), "label");

  doc["output_names"] = {{"probabilities", {"P_good", "P_bad"}}, {"label", "risk"}};
  Result<Pipeline> named = ReadPipelineJson(doc.dump());
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(ValueColumnNames(*named), (std::vector<std::string>{"P_good", "P_bad"}));
  EXPECT_EQ(LabelColumnName(*named), "risk");
  EXPECT_NE(PipelineDigest(*named), PipelineDigest(*plain));
  Result<Pipeline> again = ReadPipelineJson(WritePipelineJson(*named));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(WritePipelineJson(*again), WritePipelineJson(*named));

  const std::vector<std::pair<nlohmann::json, std::string>> bad = {
      {{{"value", "y"}}, "a classifier names its probabilities and label"},
      {{{"probabilities", {"only_one"}}}, "1 names for 2 classes"},
      {{{"probabilities", {"p", "p"}}}, "'p' is used twice"},
      {{{"label", "decision"}}, "'decision' is the name of a column scoring adds"},
      {{{"label", ""}, {"probabilities", {"a", ""}}}, "an output name is empty"},
      {{{"colour", "red"}}, "colour"},
  };
  for (const auto& [names, expected] : bad) {
    doc["output_names"] = names;
    Result<Pipeline> refused = ReadPipelineJson(doc.dump());
    ASSERT_FALSE(refused.ok()) << names.dump();
    EXPECT_NE(refused.status().message().find(expected), std::string::npos) << refused.status().message();
  }
}

TEST(PipelineJsonTest, ReasonSettingsRoundTripAndAreValidated) {
  nlohmann::json doc = LoadExample();
  Result<Pipeline> plain = ReadPipelineJson(doc.dump());
  ASSERT_TRUE(plain.ok());
  const std::string plain_text = WritePipelineJson(*plain);
  for (const char* member : {"reason_order", "reason_one_sided", "reason_labels", "\"reasons\""}) {
    EXPECT_EQ(plain_text.find(member), std::string::npos) << member << " is written only when set";
  }

  doc["post"]["reason_order"] = "smallest";
  doc["post"]["reason_one_sided"] = true;
  doc["post"]["reason_labels"] = {"A", "B", "C", "D", "E", "F", "G"};
  doc["output_names"] = {{"reasons", {"Reason Code 1", "Reason Code 2"}}};
  Result<Pipeline> set = ReadPipelineJson(doc.dump());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->post.reason_order, ReasonOrder::kSmallestFirst);
  EXPECT_TRUE(set->post.reason_one_sided);
  EXPECT_EQ(ReasonLabel(*set, 6), "G");
  EXPECT_EQ(ReasonColumnName(*set, 2), "Reason Code 2");
  EXPECT_EQ(ReasonColumnName(*set, 3), "reason_3");
  EXPECT_NE(PipelineDigest(*set), PipelineDigest(*plain));
  Result<Pipeline> again = ReadPipelineJson(WritePipelineJson(*set));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(WritePipelineJson(*again), WritePipelineJson(*set));
  EXPECT_NE(WritePipelineJson(*set, /*pretty=*/false).find("\"reason_order\":\"smallest\""), std::string::npos);

  struct Bad {
    std::string member;
    nlohmann::json value;
    std::string expected;
  };
  const std::vector<Bad> bad = {
      {"reason_order", "sideways", "sideways"},
      {"reason_labels", {"A", "B"}, "post.reason_labels: 2 labels for 7 features"},
      {"reason_labels", {"A", "B", "C", "D", "E", "F", "A"}, "post.reason_labels: 'A' is used twice"},
      {"reason_labels", {"A", "B", "C", "", "E", "F", "G"}, "post.reason_labels[3] is empty"},
  };
  for (const Bad& b : bad) {
    nlohmann::json broken = doc;
    broken["post"][b.member] = b.value;
    ExpectReadError(broken, b.expected);
  }
  nlohmann::json unsigned_one_sided = doc;
  unsigned_one_sided["post"]["reason_order"] = "absolute";
  ExpectReadError(unsigned_one_sided, "post.reason_one_sided: needs a signed reason_order");
  for (const auto& [reasons, expected] : std::vector<std::pair<nlohmann::json, std::string>>{
           {{"risk", "risk"}, "'risk' is used twice"},
           {{"reason_1"}, "'reason_1' is the name of a column scoring adds"},
           {{"x", ""}, "an output name is empty"},
           {{"label"}, "'label' is used twice"}}) {
    nlohmann::json broken = doc;
    broken["output_names"] = nlohmann::json::object();
    broken["output_names"]["reasons"] = reasons;
    ExpectReadError(broken, expected);
  }
}

TEST(PipelineJsonTest, DerivedOutputsRoundTripAndAreValidated) {
  nlohmann::json doc = LoadExample();
  Result<Pipeline> plain = ReadPipelineJson(doc.dump());
  ASSERT_TRUE(plain.ok());
  const std::string plain_text = WritePipelineJson(*plain);
  EXPECT_EQ(plain_text.find("\"outputs\""), std::string::npos) << "written only when set";
  EXPECT_EQ(plain_text.find("prediction_expression"), std::string::npos) << "written only when set";

  doc["post"]["outputs"] = {{{"name", "band"}, {"expression", "if probability_bad > 0.5 then 2 else 1"}},
                            {{"name", "risky"}, {"expression", "band == 2 and debt_ratio > 1"}},
                            {{"name", "tier"}, {"expression", "band - 1"}, {"categories", {"low", "high"}}}};
  doc["post"]["rules"].push_back({{"name", "risky"}, {"when", "risky"}, {"action", "annotate"}});
  Result<Pipeline> set = ReadPipelineJson(doc.dump());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->post.outputs.size(), 3u);
  EXPECT_EQ(set->post.outputs[2].categories, (std::vector<std::string>{"low", "high"}));
  EXPECT_EQ(set->post.outputs[1].name, "risky");
  EXPECT_EQ(set->post.outputs[1].expression, "band == 2 and debt_ratio > 1");
  EXPECT_NE(PipelineDigest(*set), PipelineDigest(*plain));
  Result<Pipeline> again = ReadPipelineJson(WritePipelineJson(*set));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(WritePipelineJson(*again), WritePipelineJson(*set));

  const std::vector<std::pair<nlohmann::json, std::string>> bad = {
      {{{{"name", "band"}, {"expression", "score * 2"}}, {{"name", "band"}, {"expression", "1"}}},
       "post.outputs[1]: 'band' is already the name of an output"},
      {{{{"name", "age_z"}, {"expression", "1"}}}, "post.outputs[0]: 'age_z' is already a column of the pipeline"},
      {{{{"name", "label"}, {"expression", "1"}}}, "post.outputs[0]: 'label' is already the name of an output"},
      {{{{"name", "probability_bad"}, {"expression", "1"}}},
       "post.outputs[0]: 'probability_bad' is already the name of an output"},
      {{{{"name", "decision"}, {"expression", "1"}}}, "post.outputs[0]: 'decision' is the name of a column scoring adds"},
      {{{{"name", ""}, {"expression", "1"}}}, "post.outputs[0]: the name is empty"},
      {{{{"name", "a"}, {"expression", "b + 1"}}, {{"name", "b"}, {"expression", "2"}}},
       "post.outputs[0] (a): expression: column 1: unknown column 'b'"},
      {{{{"name", "a"}, {"expression", "home"}}},
       "post.outputs[0] (a): expression: the expression gives a string; a derived output is a number or a boolean"},
      {{{{"name", "a"}, {"expression", "score +"}}}, "post.outputs[0] (a): expression: column 8:"},
      {{{{"name", "a"}, {"expression", "score > 1"}, {"categories", {"x", "y"}}}},
       "post.outputs[0] (a): a category output's expression gives the category's position, a number"},
      {{{{"name", "a"}, {"expression", "1"}, {"categories", {"x", "x"}}}},
       "post.outputs[0] (a): categories: level 'x' is listed twice"},
      {{{{"name", "a"}, {"expression", "1"}, {"categories", {""}}}}, "post.outputs[0] (a): categories: a category is empty"},
      {{{{"name", "a"}, {"expression", "1"}, {"categories", {"x"}}}, {{"name", "b"}, {"expression", "a + 1"}}},
       "post.outputs[1] (b): expression: column 1: '+' needs numbers, but 'a' is a string"},
  };
  for (const auto& [outputs, expected] : bad) {
    nlohmann::json broken = LoadExample();
    broken["post"]["outputs"] = outputs;
    ExpectReadError(broken, expected);
  }
  nlohmann::json unnamed = LoadExample();
  unnamed["post"]["outputs"] = {{{"expression", "1"}}};
  ExpectReadError(unnamed, "post.outputs[0].name: expected a string");
  // Rules see derived outputs but not the value columns.
  nlohmann::json rule_values = LoadExample();
  rule_values["post"]["rules"].push_back({{"when", "probability_bad > 0.5"}, {"action", "annotate"}});
  ExpectReadError(rule_values, "post.rules[2]: when: column 1: unknown column 'probability_bad'");
  // prediction_expression is for regressions only.
  nlohmann::json classifier = LoadExample();
  classifier["post"]["prediction_expression"] = "score";
  ExpectReadError(classifier, "post.prediction_expression: only a regression's prediction can be replaced");
}

TEST(PipelineJsonTest, TreeEnsembleRoundTrip) {
  Pipeline pipeline;
  pipeline.name = "trees";
  pipeline.inputs = {{.name = "x"}, {.name = "c", .type = FieldType::kCategory, .levels = {"a", "b", "c"}}};
  pipeline.features = {"x", "c"};
  pipeline.model.task = Task::kClassification;
  pipeline.model.classes = {"no", "yes"};
  TreeEnsembleModel ensemble;
  ensemble.output_transform = OutputTransform::kLogistic;
  ensemble.precision = NumericPrecision::kFloat32;
  ensemble.base_score = {-0.25};
  Tree tree;
  tree.feature = {0, 1, -1, -1, -1};
  tree.threshold = {0.30000001192092896, 0, 0, 0, 0};
  tree.left = {1, 3, -1, -1, -1};
  tree.right = {2, 4, -1, -1, -1};
  tree.default_left = {1, 0, 0, 0, 0};
  tree.category_levels = {{}, {"a", "c"}, {}, {}, {}};
  tree.leaf_values = {0, 0, 0.5, -0.25, 0.125};
  tree.cover = {10, 6, 4, 3, 3};
  ensemble.trees = {tree};
  pipeline.model.body = ensemble;
  const std::string json = WritePipelineJson(pipeline);
  Result<Pipeline> read = ReadPipelineJson(json);
  ASSERT_TRUE(read.ok()) << read.status().ToString() << "\n" << json;
  const auto& t = std::get<TreeEnsembleModel>(read->model.body).trees[0];
  EXPECT_EQ(t.threshold[0], 0.30000001192092896);
  EXPECT_EQ(t.category_levels[1], (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(std::get<TreeEnsembleModel>(read->model.body).precision, NumericPrecision::kFloat32);
  EXPECT_EQ(WritePipelineJson(*read), json);
}

TEST(PipelineJsonTest, ErrorsNameThePath) {
  nlohmann::json doc = LoadExample();
  doc["inputs"][1]["type"] = "float";
  ExpectReadError(doc, "inputs[1].type: 'float' is not one of: number, integer, boolean, category");

  doc = LoadExample();
  doc["transforms"][3]["scale"] = "big";
  ExpectReadError(doc, "transforms[3].scale: expected a number");

  doc = LoadExample();
  doc["transforms"][0]["stratgey"] = "mean";
  ExpectReadError(doc, "transforms[0].stratgey: unknown member (misspelt?)");

  doc = LoadExample();
  doc["transforms"][0]["op"] = "winsorize";
  ExpectReadError(doc, "transforms[0].op: unknown transform 'winsorize'");

  doc = LoadExample();
  doc["model"]["coefficients"][0][2] = nullptr;
  ExpectReadError(doc, "model.coefficients[0][2]: expected a finite number");

  doc = LoadExample();
  doc["format_version"] = 99;
  ExpectReadError(doc, "format_version: version 99 is not supported");

  doc = LoadExample();
  doc["format"] = "something-else";
  ExpectReadError(doc, "format: expected \"podium-pipeline\"");
}

TEST(PipelineJsonTest, ValidationErrorsAreReported) {
  nlohmann::json doc = LoadExample();
  doc["features"][0] = "age_zz";
  ExpectReadError(doc, "features[0]: column 'age_zz' is not defined");

  doc = LoadExample();
  doc["transforms"][1]["expression"] = "debt / max(incme, 1)";
  ExpectReadError(doc, "transforms[1] (derive): expression");

  doc = LoadExample();
  doc["model"]["coefficients"][0].erase(0);
  ExpectReadError(doc, "6 coefficients given, expected 1 x 7 features");
}

TEST(PipelineJsonTest, MalformedDocuments) {
  for (const char* text : {"", "{", "[]", "null", "{\"format\": \"podium-pipeline\"}", "\xff\xfe"}) {
    Result<Pipeline> pipeline = ReadPipelineJson(text);
    EXPECT_FALSE(pipeline.ok()) << text;
  }
  Result<Pipeline> deep = ReadPipelineJson(std::string(100000, '['));
  EXPECT_EQ(deep.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(ReadPipelineJson("{\"a\": ").status().message().find("not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace podium
