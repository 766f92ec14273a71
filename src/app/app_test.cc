#include "app/app.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/file.h"

namespace podium::app {
namespace {

std::string Source(const std::string& relative) { return std::string(PODIUM_SOURCE_DIR) + "/" + relative; }

TEST(AppTest, LoadsPipelineFilesAndTellsTheFormat) {
  Result<LoadedModel> model = LoadModelFile(Source("data/demo/churn_pipeline.json"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->format, ModelFormat::kPipeline);
  EXPECT_EQ(model->pipeline.name, "churn_demo");
  EXPECT_EQ(model->digest.rfind("sha256:", 0), 0u);
}

TEST(AppTest, LoadsXgboostJsonDirectly) {
  const std::string path = Source("src/formats/testdata/xgboost/binary_logistic.json");
  Result<LoadedModel> model = LoadModelFile(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->format, ModelFormat::kXgboost);
  EXPECT_EQ(model->pipeline.name, "binary_logistic");
  EXPECT_TRUE(std::holds_alternative<TreeEnsembleModel>(model->pipeline.model.body));
  // Naming the wrong format fails with the reader's own message.
  Result<LoadedModel> wrong = LoadModelFile(path, ModelFormat::kPipeline);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("binary_logistic.json"), std::string::npos);
}

TEST(AppTest, LoadsLightgbmTextDirectly) {
  const std::string path = Source("src/formats/testdata/lightgbm/multiclass.txt");
  Result<LoadedModel> model = LoadModelFile(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->format, ModelFormat::kLightgbm);
  EXPECT_EQ(model->pipeline.name, "multiclass");
  EXPECT_EQ(model->pipeline.model.classes.size(), 3u);
  Result<LoadedModel> forced = LoadModelFile(path, ModelFormat::kLightgbm);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  Result<LoadedModel> wrong = LoadModelFile(path, ModelFormat::kXgboost);
  ASSERT_FALSE(wrong.ok());
  Result<LoadedModel> broken = LoadModelText("tree\nversion=v4\nnum_class=1\n", "broken.txt");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("'broken.txt' (LightGBM text)"), std::string::npos)
      << broken.status().message();
}

TEST(AppTest, UnknownContentAndMissingFiles) {
  const std::string path = (std::filesystem::path(::testing::TempDir()) / "podium_app_unknown.json").string();
  ASSERT_TRUE(WriteFileAtomically(path, "{\"hello\": 1}").ok());
  Result<LoadedModel> model = LoadModelFile(path);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(model.status().message().find("cannot tell the model format"), std::string::npos);
  std::filesystem::remove(path);
  EXPECT_EQ(LoadModelFile("/nonexistent/model.json").status().code(), StatusCode::kNotFound);
}

TEST(AppTest, ParseModelFormat) {
  EXPECT_EQ(*ParseModelFormat("auto"), ModelFormat::kAuto);
  EXPECT_EQ(*ParseModelFormat("podium"), ModelFormat::kPipeline);
  EXPECT_EQ(*ParseModelFormat("xgboost"), ModelFormat::kXgboost);
  EXPECT_EQ(*ParseModelFormat("pmml"), ModelFormat::kPmml);
  EXPECT_EQ(*ParseModelFormat("lightgbm"), ModelFormat::kLightgbm);
  EXPECT_EQ(ModelFormatName(ModelFormat::kLightgbm), "lightgbm");
  EXPECT_EQ(*ParseModelFormat("onnx"), ModelFormat::kOnnx);
  EXPECT_EQ(ModelFormatName(ModelFormat::kOnnx), "onnx");
  EXPECT_EQ(ParseModelFormat("sklearn").status().code(), StatusCode::kInvalidArgument);
}

TEST(AppTest, LoadsOnnxDirectly) {
  const std::string path = Source("src/formats/testdata/onnx/tree_multiclass.onnx");
  Result<LoadedModel> model = LoadModelFile(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->format, ModelFormat::kOnnx);
  EXPECT_EQ(model->pipeline.name, "tree_multiclass");
  EXPECT_EQ(model->pipeline.model.classes, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(model->pipeline.output_names.label, "label");
  // Feature names are an ONNX option; other formats refuse them.
  ImportOptions options;
  options.feature_names = {"a", "b", "c", "d"};
  Result<LoadedModel> named = LoadModelFile(path, ModelFormat::kAuto, options);
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->pipeline.inputs[0].name, "a");
  Result<LoadedModel> refused =
      LoadModelFile(Source("src/formats/testdata/lightgbm/multiclass.txt"), ModelFormat::kAuto, options);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  Result<LoadedModel> broken = LoadModelText("garbage", "broken.onnx", ModelFormat::kOnnx);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("'broken.onnx' (ONNX): not an ONNX model"), std::string::npos)
      << broken.status().message();
}

TEST(AppTest, DescribeNamesEveryPart) {
  Result<LoadedModel> model = LoadModelFile(Source("src/pipeline/testdata/credit_glm.json"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::string text = DescribePipeline(*model);
  for (const char* part : {"Pipeline: credit_risk", "Digest: sha256:", "age: integer in [0, 120]; missing: error",
                           "home: category {owner, rent, parents, other}; missing: missing; invalid: replace with 'other'",
                           "debt_ratio = debt / max(income_i, 1)", "one-hot home -> 3 columns",
                           "age_band = bucketize(age, edges 25, 40, 60, labels young, adult, middle, senior)",
                           "GLM, family binomial, link logit", "label: bad when p(bad) >= 0.4, else good",
                           "rule minor: when age < 18 -> decide 'decline' (applicant under 18)"}) {
    EXPECT_NE(text.find(part), std::string::npos) << "missing: " << part << "\n" << text;
  }
  Result<LoadedModel> trees = LoadModelFile(Source("src/formats/testdata/xgboost/multi_softprob.json"));
  ASSERT_TRUE(trees.ok());
  const std::string tree_text = DescribePipeline(*trees);
  EXPECT_NE(tree_text.find("tree ensemble:"), std::string::npos) << tree_text;
  EXPECT_NE(tree_text.find("output softmax"), std::string::npos) << tree_text;
  EXPECT_NE(DescribePipelineJson(*trees).find("\"type\": \"tree_ensemble\""), std::string::npos);
}

TEST(AppTest, DescribeListsThePredictionExpressionAndDerivedOutputs) {
  Result<LoadedModel> model = LoadModelFile(Source("tests/golden/cases/pmml_output_transformed_value/model.pmml"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::string text = DescribePipeline(*model);
  for (const char* part : {"  prediction: (floor(min(max(score, 300), 1500)) + ", "(score = the model's prediction)",
                           "  output Monthly = (`Premium` / 12)\n", "  output Surcharge = (`Monthly` * 0.1)\n"}) {
    EXPECT_NE(text.find(part), std::string::npos) << "missing: " << part << "\n" << text;
  }
  const std::string json = DescribePipelineJson(*model);
  EXPECT_NE(json.find("\"name\": \"Flagged\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"prediction_expression\": "), std::string::npos) << json;
}

}  // namespace
}  // namespace podium::app
