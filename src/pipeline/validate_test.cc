#include "pipeline/validate.h"

#include <gtest/gtest.h>

#include <limits>

namespace podium {
namespace {

// A small valid regression tree pipeline that each test then breaks.
Pipeline TreePipeline() {
  Pipeline pipeline;
  pipeline.inputs = {{.name = "x"}, {.name = "y"}, {.name = "c", .type = FieldType::kCategory}};
  pipeline.features = {"x", "y"};
  TreeEnsembleModel ensemble;
  ensemble.base_score = {0.5};
  Tree tree;
  tree.feature = {0, -1, 1, -1, -1};
  tree.threshold = {1.0, 0, 2.0, 0, 0};
  tree.left = {1, -1, 3, -1, -1};
  tree.right = {2, -1, 4, -1, -1};
  tree.default_left = {1, 0, 0, 0, 0};
  tree.leaf_values = {0, 1, 0, 2, 3};
  ensemble.trees = {tree};
  pipeline.model.body = ensemble;
  return pipeline;
}

Tree& FirstTree(Pipeline& pipeline) {
  return std::get<TreeEnsembleModel>(pipeline.model.body).trees[0];
}

void ExpectInvalid(const Pipeline& pipeline, const std::string& substring) {
  Status status = ValidatePipeline(pipeline);
  ASSERT_FALSE(status.ok()) << "expected: " << substring;
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(substring), std::string::npos) << status.message();
}

// The types of a valid pipeline's derived outputs.
std::vector<ColumnType> OutputTypes(const Pipeline& pipeline) {
  Result<PipelineColumns> columns = ResolveColumns(pipeline);
  EXPECT_TRUE(columns.ok()) << columns.status().ToString();
  if (!columns.ok()) return {};
  Result<std::vector<ColumnType>> types = DerivedOutputTypes(pipeline, *columns);
  EXPECT_TRUE(types.ok()) << types.status().ToString();
  return types.ok() ? *types : std::vector<ColumnType>{};
}

TEST(ValidateTest, ValidTreePipeline) {
  Pipeline pipeline = TreePipeline();
  EXPECT_TRUE(ValidatePipeline(pipeline).ok()) << ValidatePipeline(pipeline).ToString();
  EXPECT_EQ(TreeDepth(FirstTree(pipeline)), 2);
  EXPECT_EQ(ModelOutputCount(pipeline.model), 1);
}

TEST(ValidateTest, PredictionExpressionAndDerivedOutputs) {
  Pipeline pipeline = TreePipeline();
  pipeline.post.prediction_expression = "min(score, x)";
  pipeline.post.outputs = {{"flag", "prediction > 1 and c == 'a'"}, {"twice", "if flag then 2 * score else 0"}};
  EXPECT_TRUE(ValidatePipeline(pipeline).ok()) << ValidatePipeline(pipeline).ToString();
  EXPECT_EQ(OutputTypes(pipeline), (std::vector<ColumnType>{ColumnType::kBoolean, ColumnType::kNumber}));
  pipeline.post.prediction_expression = "score > 1";
  ExpectInvalid(pipeline, "post.prediction_expression: the expression gives a boolean, but a prediction is a number");
  pipeline.post.prediction_expression = "score + z";
  ExpectInvalid(pipeline, "post.prediction_expression: column 9: unknown column 'z'");
  pipeline.post.prediction_expression = "";
  pipeline.output_names.value = "x";
  ExpectInvalid(pipeline, "post.outputs: the model output 'x' has the name of a pipeline column");
  pipeline.output_names.value = "score";
  ExpectInvalid(pipeline, "post.outputs: a model output named 'score' would be hidden by the model's score");
  pipeline.output_names.value = "";
  pipeline.post.outputs.push_back({"reason_x", "1"});
  ExpectInvalid(pipeline, "post.outputs[2]: 'reason_x' is the name of a column scoring adds");
}

TEST(ValidateTest, ColumnsAreDefinedOnce) {
  Pipeline pipeline = TreePipeline();
  pipeline.transforms = {ClipTransform{.input = "x", .output = "y"}};
  ExpectInvalid(pipeline, "transforms[0] (clip): column 'y' is already defined");
  pipeline = TreePipeline();
  pipeline.inputs.push_back({.name = "x"});
  ExpectInvalid(pipeline, "column 'x' is already defined");
}

TEST(ValidateTest, TransformsReadEarlierColumnsOfTheRightType) {
  Pipeline pipeline = TreePipeline();
  pipeline.transforms = {StandardizeTransform{.input = "z", .output = "z2"}};
  ExpectInvalid(pipeline, "transforms[0] (standardize): reads column 'z', which is not defined before it");
  pipeline.transforms = {StandardizeTransform{.input = "c", .output = "c2"}};
  ExpectInvalid(pipeline, "column 'c' is a category; this transform needs a number");
  pipeline.transforms = {OneHotTransform{.input = "x", .levels = {"a"}}};
  ExpectInvalid(pipeline, "transforms[0] (one_hot): column 'x' is a number; this transform needs a category");
  pipeline.transforms = {StandardizeTransform{.input = "x", .output = "x2", .scale = 0}};
  ExpectInvalid(pipeline, "scale must be greater than 0");
  pipeline.transforms = {BucketizeTransform{.input = "x", .output = "b", .edges = {1, 1}}};
  ExpectInvalid(pipeline, "edges must be strictly increasing");
  pipeline.transforms = {BucketizeTransform{.input = "x", .output = "b", .edges = {1, 2}, .labels = {"a", "b"}}};
  ExpectInvalid(pipeline, "2 edges make 3 buckets, but 2 labels are given");
  pipeline.transforms = {OneHotTransform{.input = "c", .levels = {"a", "a"}}};
  ExpectInvalid(pipeline, "level 'a' is listed twice");
  pipeline.transforms = {ImputeTransform{.input = "c", .output = "c2", .value = 1.0}};
  ExpectInvalid(pipeline, "the value must be a string for column 'c'");
}

TEST(ValidateTest, DerivedExpressionsAreTypeChecked) {
  Pipeline pipeline = TreePipeline();
  pipeline.transforms = {DeriveTransform{.output = "r", .expression = "x / max(y, 1)"},
                         DeriveTransform{.output = "flag", .expression = "c == \"a\" and x > 1"}};
  pipeline.features = {"r", "flag"};
  EXPECT_TRUE(ValidatePipeline(pipeline).ok()) << ValidatePipeline(pipeline).ToString();
  Result<PipelineColumns> columns = ResolveColumns(pipeline);
  ASSERT_TRUE(columns.ok());
  EXPECT_EQ(columns->Find("flag")->type, ColumnType::kBoolean);
  EXPECT_EQ(columns->Find("r")->defined_by, -1);
  pipeline.transforms = {DeriveTransform{.output = "r", .expression = "x + unknown_col"}};
  ExpectInvalid(pipeline, "transforms[0] (derive): expression");
  pipeline.transforms = {DeriveTransform{.output = "r", .expression = "(x + "}};
  ExpectInvalid(pipeline, "transforms[0] (derive): expression");
}

TEST(ValidateTest, FeaturesMustExistOnce) {
  Pipeline pipeline = TreePipeline();
  pipeline.features = {"x", "nope"};
  ExpectInvalid(pipeline, "features[1]: column 'nope' is not defined");
  pipeline.features = {"x", "x"};
  ExpectInvalid(pipeline, "features[1]: 'x' is listed twice");
}

TEST(ValidateTest, MalformedTrees) {
  Pipeline pipeline = TreePipeline();
  FirstTree(pipeline).left[2] = 40;
  ExpectInvalid(pipeline, "model.trees[0]: node 2: child 40 is out of range (5 nodes)");

  pipeline = TreePipeline();
  FirstTree(pipeline).right[2] = 0;  // cycle back to the root
  ExpectInvalid(pipeline, "model.trees[0]: node 0 is reached twice");

  pipeline = TreePipeline();
  FirstTree(pipeline).feature[0] = 7;
  ExpectInvalid(pipeline, "node 0: feature index 7 is out of range (2 features)");

  pipeline = TreePipeline();
  FirstTree(pipeline).leaf_values.pop_back();
  ExpectInvalid(pipeline, "'leaf_values' has 4 entries, expected 5");

  pipeline = TreePipeline();
  FirstTree(pipeline).threshold[0] = std::numeric_limits<double>::infinity();
  ExpectInvalid(pipeline, "node 0: threshold must be a finite number");

  pipeline = TreePipeline();
  FirstTree(pipeline).left.clear();
  ExpectInvalid(pipeline, "the tree has no nodes");

  pipeline = TreePipeline();
  FirstTree(pipeline).output = 3;
  ExpectInvalid(pipeline, "output 3 is out of range (1 outputs)");
}

TEST(ValidateTest, Float32ThresholdsAreFloats) {
  // -DBL_MAX is a fine double threshold, but rounds to -inf in float.
  Pipeline pipeline = TreePipeline();
  FirstTree(pipeline).threshold[0] = -std::numeric_limits<double>::max();
  EXPECT_TRUE(ValidatePipeline(pipeline).ok());
  std::get<TreeEnsembleModel>(pipeline.model.body).precision = NumericPrecision::kFloat32;
  ExpectInvalid(pipeline, "model.trees[0]: node 0: threshold is outside float range (precision float32");
  FirstTree(pipeline).threshold[0] = -std::numeric_limits<float>::max();
  EXPECT_TRUE(ValidatePipeline(pipeline).ok());
  FirstTree(pipeline).threshold[2] = 1e39;
  ExpectInvalid(pipeline, "node 2: threshold is outside float range");
}

TEST(ValidateTest, CategoricalSplits) {
  Pipeline pipeline = TreePipeline();
  pipeline.features = {"x", "c"};
  FirstTree(pipeline).category_levels = {{}, {}, {"a"}, {}, {}};
  EXPECT_TRUE(ValidatePipeline(pipeline).ok()) << ValidatePipeline(pipeline).ToString();
  FirstTree(pipeline).category_levels = {};
  ExpectInvalid(pipeline, "node 2: a numeric split on category column 'c'");
  pipeline = TreePipeline();
  FirstTree(pipeline).category_levels = {{"a"}, {}, {}, {}, {}};
  ExpectInvalid(pipeline, "node 0: a categorical split on 'x', which is not a category");
}

TEST(ValidateTest, OutputsMatchTheTask) {
  Pipeline pipeline = TreePipeline();
  std::get<TreeEnsembleModel>(pipeline.model.body).output_transform = OutputTransform::kLogistic;
  ExpectInvalid(pipeline, "a logistic output needs a classifier with two classes");
  pipeline.model.task = Task::kClassification;
  pipeline.model.classes = {"no", "yes"};
  EXPECT_TRUE(ValidatePipeline(pipeline).ok());
  pipeline.model.classes = {"no", "no"};
  ExpectInvalid(pipeline, "model.classes: level 'no' is listed twice");
  pipeline = TreePipeline();
  std::get<TreeEnsembleModel>(pipeline.model.body).base_score = {0.1, 0.2};
  ExpectInvalid(pipeline, "base_score has 2 entries, expected one per output (1)");
  pipeline = TreePipeline();
  pipeline.post.threshold = 0.5;
  ExpectInvalid(pipeline, "a threshold applies to binary classifiers only");
}

TEST(ValidateTest, Glm) {
  Pipeline pipeline = TreePipeline();
  GlmModel glm;
  glm.family = GlmFamily::kPoisson;
  glm.link = LinkFunction::kLog;
  glm.intercepts = {0.1};
  glm.coefficients = {0.5, -0.5};
  glm.offset = "x";
  pipeline.model.body = glm;
  EXPECT_TRUE(ValidatePipeline(pipeline).ok()) << ValidatePipeline(pipeline).ToString();
  glm.coefficients = {0.5};
  pipeline.model.body = glm;
  ExpectInvalid(pipeline, "1 coefficients given, expected 1 x 2 features");
  glm.coefficients = {0.5, 0.5};
  glm.offset = "c";
  pipeline.model.body = glm;
  ExpectInvalid(pipeline, "offset column 'c' is not a defined numeric column");
  glm.offset.clear();
  glm.family = GlmFamily::kBinomial;
  pipeline.model.body = glm;
  ExpectInvalid(pipeline, "a binomial GLM is a classifier with two classes");
  pipeline.features = {"x", "c"};
  ExpectInvalid(pipeline, "a GLM needs numeric features, but 'c' is a category");
}

TEST(ValidateTest, Rules) {
  Pipeline pipeline = TreePipeline();
  pipeline.post.rules = {{"r1", "score > 0.5 and c == \"a\"", RuleAction::kAnnotate, "", "high"}};
  EXPECT_TRUE(ValidatePipeline(pipeline).ok()) << ValidatePipeline(pipeline).ToString();
  pipeline.post.rules = {{"r1", "score + 1", RuleAction::kAnnotate, "", ""}};
  ExpectInvalid(pipeline, "post.rules[0] (r1): 'when' must be a condition");
  pipeline.post.rules = {{"r1", "x > 1", RuleAction::kOverride, "", ""}};
  ExpectInvalid(pipeline, "post.rules[0] (r1): an override rule needs a decision");
  pipeline.post.rules = {{"r1", "score > 1", RuleAction::kAnnotate, "", ""}};
  pipeline.inputs.push_back({.name = "score"});
  ExpectInvalid(pipeline, "a column named 'score' would hide the model's score");
}

TEST(ValidateTest, InputFields) {
  Pipeline pipeline = TreePipeline();
  pipeline.inputs[0].min = 5;
  pipeline.inputs[0].max = 1;
  ExpectInvalid(pipeline, "inputs[0] (x): min is greater than max");
  pipeline = TreePipeline();
  pipeline.inputs[2].levels = {"a", "b"};
  pipeline.inputs[2].on_invalid = {ValuePolicyKind::kReplace, std::string("z")};
  ExpectInvalid(pipeline, "inputs[2] (c): the replacement 'z' is not one of the field's levels");
  pipeline = TreePipeline();
  pipeline.inputs[0].on_missing = {ValuePolicyKind::kReplace, std::string("z")};
  ExpectInvalid(pipeline, "inputs[0] (x): the replacement value must be a number");
  pipeline = TreePipeline();
  pipeline.inputs.clear();
  ExpectInvalid(pipeline, "the pipeline has no input fields");
}

}  // namespace
}  // namespace podium
