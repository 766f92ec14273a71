#include "formats/xgboost.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/file.h"
#include "pipeline/validate.h"

namespace podium {
namespace {

using Json = nlohmann::json;

// A small, hand-written model in XGBoost 1.7's JSON layout: one tree
//   node 0: f1 < 0.5 (missing -> left) ? node 1 : node 2
//   node 1: leaf -0.25    node 2: leaf 0.75
Json OneTree() {
  return Json::parse(R"({
    "left_children": [1, -1, -1],
    "right_children": [2, -1, -1],
    "parents": [2147483647, 0, 0],
    "split_indices": [1, 0, 0],
    "split_conditions": [0.5, -0.25, 0.75],
    "split_type": [0, 0, 0],
    "default_left": [1, 0, 0],
    "sum_hessian": [10.0, 4.0, 6.0],
    "base_weights": [0.0, -0.25, 0.75],
    "loss_changes": [3.0, 0.0, 0.0],
    "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
    "id": 0,
    "tree_param": {"num_deleted": "0", "num_feature": "2", "num_nodes": "3", "size_leaf_vector": "0"}
  })");
}

Json MinimalModel(const std::string& objective = "binary:logistic", int trees = 1) {
  Json model = Json::parse(R"({
    "learner": {
      "attributes": {},
      "feature_names": [],
      "feature_types": [],
      "gradient_booster": {
        "model": {
          "gbtree_model_param": {"num_parallel_tree": "1", "num_trees": "1", "size_leaf_vector": "0"},
          "tree_info": [],
          "trees": []
        },
        "name": "gbtree"
      },
      "learner_model_param": {"base_score": "5E-1", "boost_from_average": "1", "num_class": "0",
                              "num_feature": "2", "num_target": "1"},
      "objective": {"name": "", "reg_loss_param": {"scale_pos_weight": "1"}}
    },
    "version": [1, 7, 4]
  })");
  model["learner"]["objective"]["name"] = objective;
  Json& gbtree = model["learner"]["gradient_booster"]["model"];
  gbtree["gbtree_model_param"]["num_trees"] = std::to_string(trees);
  for (int t = 0; t < trees; ++t) {
    gbtree["trees"].push_back(OneTree());
    gbtree["tree_info"].push_back(0);
  }
  return model;
}

Json& TreeOf(Json& model, int t) { return model["learner"]["gradient_booster"]["model"]["trees"][t]; }

Result<Pipeline> Import(const Json& model, XgboostImportOptions options = {}) {
  return ImportXgboostJson(model.dump(), options);
}

const TreeEnsembleModel& Ensemble(const Pipeline& pipeline) {
  return std::get<TreeEnsembleModel>(pipeline.model.body);
}

// Asserts the error code and that the message contains `substring`.
void ExpectError(const Result<Pipeline>& result, StatusCode code, const std::string& substring) {
  ASSERT_FALSE(result.ok()) << "expected an error containing: " << substring;
  EXPECT_EQ(result.status().code(), code) << result.status().ToString();
  EXPECT_NE(result.status().message().find(substring), std::string::npos) << result.status().message();
}

std::string ReadTestdata(const std::string& name) {
  Result<std::string> text =
      ReadFileToString(std::string(PODIUM_SOURCE_DIR) + "/src/formats/testdata/xgboost/" + name);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : std::string();
}

float Logit(float p) { return -std::log(1.0f / p - 1.0f); }

// --- The mapping -------------------------------------------------------------

TEST(XgboostImportTest, MinimalBinaryLogistic) {
  XgboostImportOptions options;
  options.name = "churn";
  Result<Pipeline> result = Import(MinimalModel(), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Pipeline& p = *result;
  EXPECT_TRUE(ValidatePipeline(p).ok());
  EXPECT_EQ(p.name, "churn");
  EXPECT_EQ(p.source, "xgboost 1.7.4 binary:logistic gbtree");
  ASSERT_EQ(p.inputs.size(), 2u);
  EXPECT_EQ(p.inputs[0].name, "f0");
  EXPECT_EQ(p.inputs[1].name, "f1");
  for (const InputField& field : p.inputs) {
    EXPECT_EQ(field.type, FieldType::kNumber);
    EXPECT_EQ(field.on_missing.kind, ValuePolicyKind::kMissing);
    EXPECT_EQ(field.on_invalid.kind, ValuePolicyKind::kError);
  }
  EXPECT_EQ(p.features, (std::vector<std::string>{"f0", "f1"}));
  EXPECT_TRUE(p.transforms.empty());
  EXPECT_EQ(p.model.task, Task::kClassification);
  EXPECT_EQ(p.model.classes, (std::vector<std::string>{"0", "1"}));
  const TreeEnsembleModel& e = Ensemble(p);
  EXPECT_EQ(e.num_outputs, 1);
  EXPECT_EQ(e.aggregation, Aggregation::kSum);
  EXPECT_EQ(e.output_transform, OutputTransform::kLogistic);
  EXPECT_EQ(e.precision, NumericPrecision::kFloat32);
  EXPECT_EQ(e.base_score, std::vector<double>{0.0});  // logit(0.5)
  ASSERT_EQ(e.trees.size(), 1u);
  const Tree& t = e.trees[0];
  EXPECT_EQ(t.feature, (std::vector<int32_t>{1, -1, -1}));
  EXPECT_EQ(t.threshold[0], 0.5);
  EXPECT_EQ(t.left, (std::vector<int32_t>{1, -1, -1}));
  EXPECT_EQ(t.right, (std::vector<int32_t>{2, -1, -1}));
  EXPECT_EQ(t.default_left, (std::vector<uint8_t>{1, 0, 0}));
  EXPECT_EQ(t.leaf_values, (std::vector<double>{0.0, -0.25, 0.75}));
  EXPECT_EQ(t.cover, (std::vector<double>{10.0, 4.0, 6.0}));
  EXPECT_TRUE(t.category_levels.empty());
  EXPECT_EQ(t.leaf_width, 1);
  EXPECT_EQ(t.output, 0);
}

TEST(XgboostImportTest, ObjectiveMapping) {
  struct Case {
    const char* objective;
    Task task;
    OutputTransform transform;
    size_t classes;
  };
  const Case cases[] = {
      {"binary:logistic", Task::kClassification, OutputTransform::kLogistic, 2},
      {"reg:logistic", Task::kClassification, OutputTransform::kLogistic, 2},
      {"binary:logitraw", Task::kRegression, OutputTransform::kIdentity, 0},
      {"reg:squarederror", Task::kRegression, OutputTransform::kIdentity, 0},
      {"reg:linear", Task::kRegression, OutputTransform::kIdentity, 0},
      {"reg:pseudohubererror", Task::kRegression, OutputTransform::kIdentity, 0},
      {"reg:absoluteerror", Task::kRegression, OutputTransform::kIdentity, 0},
      {"reg:squaredlogerror", Task::kRegression, OutputTransform::kIdentity, 0},
      {"count:poisson", Task::kRegression, OutputTransform::kExp, 0},
      {"reg:gamma", Task::kRegression, OutputTransform::kExp, 0},
      {"reg:tweedie", Task::kRegression, OutputTransform::kExp, 0},
  };
  for (const Case& c : cases) {
    Result<Pipeline> result = Import(MinimalModel(c.objective));
    ASSERT_TRUE(result.ok()) << c.objective << ": " << result.status().ToString();
    EXPECT_EQ(result->model.task, c.task) << c.objective;
    EXPECT_EQ(Ensemble(*result).output_transform, c.transform) << c.objective;
    EXPECT_EQ(result->model.classes.size(), c.classes) << c.objective;
    EXPECT_EQ(result->source, "xgboost 1.7.4 " + std::string(c.objective) + " gbtree");
  }
}

TEST(XgboostImportTest, BaseScoreToMarginPerObjective) {
  // XGBoost converts base_score in float: logit for the logistic objectives,
  // log for the log-link ones, nothing otherwise (binary:logitraw included).
  struct Case {
    const char* objective;
    const char* base_score;
    double margin;
  };
  const Case cases[] = {
      {"binary:logistic", "3E-1", Logit(0.3f)},
      {"reg:logistic", "8E-1", Logit(0.8f)},
      {"binary:logitraw", "3E-1", static_cast<double>(0.3f)},
      {"reg:squarederror", "1.25E1", 12.5},
      {"reg:pseudohubererror", "-2E0", -2.0},
      {"count:poisson", "3E-1", static_cast<double>(std::log(0.3f))},
      {"reg:gamma", "2.5E0", static_cast<double>(std::log(2.5f))},
      {"reg:tweedie", "7E0", static_cast<double>(std::log(7.0f))},
  };
  for (const Case& c : cases) {
    Json model = MinimalModel(c.objective);
    model["learner"]["learner_model_param"]["base_score"] = c.base_score;
    Result<Pipeline> result = Import(model);
    ASSERT_TRUE(result.ok()) << c.objective << ": " << result.status().ToString();
    EXPECT_EQ(Ensemble(*result).base_score, std::vector<double>{c.margin}) << c.objective;
  }
}

TEST(XgboostImportTest, BaseScoreAsListOrNumber) {
  Json model = MinimalModel("reg:squarederror");
  model["learner"]["learner_model_param"]["base_score"] = "[2.5E-1]";
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Ensemble(*result).base_score, std::vector<double>{0.25});
  model["learner"]["learner_model_param"]["base_score"] = 1.5;
  result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Ensemble(*result).base_score, std::vector<double>{1.5});
}

TEST(XgboostImportTest, BaseScoreOutsideTheObjectivesDomain) {
  Json model = MinimalModel("binary:logistic");
  model["learner"]["learner_model_param"]["base_score"] = "1.5E0";
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "learner.learner_model_param.base_score: 1.5 is outside (0, 1), as binary:logistic requires");
  model = MinimalModel("count:poisson");
  model["learner"]["learner_model_param"]["base_score"] = "0";
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "learner.learner_model_param.base_score: 0 is not positive, as count:poisson requires");
  model["learner"]["learner_model_param"]["base_score"] = "abc";
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "learner.learner_model_param.base_score: 'abc' is not a finite number");
}

TEST(XgboostImportTest, DefaultLeftPassesThroughAndAcceptsBooleans) {
  Json model = MinimalModel("reg:squarederror");
  TreeOf(model, 0)["default_left"] = Json::array({0, 0, 0});
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Ensemble(*result).trees[0].default_left[0], 0);
  TreeOf(model, 0)["default_left"] = Json::array({true, false, false});
  result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Ensemble(*result).trees[0].default_left[0], 1);
  TreeOf(model, 0)["default_left"] = Json::array({2, 0, 0});
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "learner.gradient_booster.model.trees[0].default_left[0]: expected 0 or 1, got 2");
}

TEST(XgboostImportTest, MulticlassTreesGoToTheirClass) {
  Json model = MinimalModel("multi:softprob", 6);
  model["learner"]["learner_model_param"]["num_class"] = "3";
  model["learner"]["gradient_booster"]["model"]["tree_info"] = Json::array({0, 1, 2, 0, 1, 2});
  XgboostImportOptions options;
  options.class_labels = {"low", "mid", "high"};
  Result<Pipeline> result = Import(model, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const TreeEnsembleModel& e = Ensemble(*result);
  EXPECT_EQ(result->model.task, Task::kClassification);
  EXPECT_EQ(result->model.classes, options.class_labels);
  EXPECT_EQ(e.num_outputs, 3);
  EXPECT_EQ(e.output_transform, OutputTransform::kSoftmax);
  EXPECT_EQ(e.base_score, (std::vector<double>{0.5, 0.5, 0.5}));
  for (int t = 0; t < 6; ++t) EXPECT_EQ(e.trees[static_cast<size_t>(t)].output, t % 3);

  model["learner"]["gradient_booster"]["model"]["tree_info"][4] = 3;
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "learner.gradient_booster.model.tree_info[4]: output 3 is out of range (3 outputs)");
  model["learner"]["learner_model_param"]["num_class"] = "1";
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "learner.learner_model_param.num_class: multi:softprob needs num_class >= 2, got 1");
}

TEST(XgboostImportTest, FeatureNamesFromModelOrOptions) {
  Json model = MinimalModel();
  model["learner"]["feature_names"] = Json::array({"age", "income"});
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->features, (std::vector<std::string>{"age", "income"}));
  EXPECT_EQ(result->inputs[1].name, "income");

  XgboostImportOptions options;
  options.feature_names = {"a", "b"};
  result = Import(model, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->features, (std::vector<std::string>{"a", "b"}));

  options.feature_names = {"a"};
  ExpectError(Import(model, options), StatusCode::kInvalidArgument,
              "options.feature_names: 1 names given, but the model has 2 features");
  options.feature_names = {"a", "a"};
  ExpectError(Import(model, options), StatusCode::kInvalidArgument,
              "options.feature_names[1]: 'a' is listed twice");
  model["learner"]["feature_names"] = Json::array({"age"});
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "learner.feature_names: 1 names for 2 features (num_feature)");
}

TEST(XgboostImportTest, ClassLabelOptions) {
  XgboostImportOptions options;
  options.class_labels = {"stay", "churn"};
  Result<Pipeline> result = Import(MinimalModel(), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->model.classes, options.class_labels);
  options.class_labels = {"a", "b", "c"};
  ExpectError(Import(MinimalModel(), options), StatusCode::kInvalidArgument,
              "options.class_labels: 3 labels given, but the model has 2 classes");
  options.class_labels = {"a", "b"};
  ExpectError(Import(MinimalModel("reg:squarederror"), options), StatusCode::kInvalidArgument,
              "options.class_labels: reg:squarederror is a regression objective; it has no classes");
}

TEST(XgboostImportTest, UnreachableNodesAreDroppedAndTheRestRenumbered) {
  // Node 1 is a deleted node nobody points to; the leaves are 2 and 3.
  Json model = MinimalModel("reg:squarederror");
  Json& tree = TreeOf(model, 0);
  tree["left_children"] = Json::array({3, -1, -1, -1});
  tree["right_children"] = Json::array({2, -1, -1, -1});
  tree["split_indices"] = Json::array({0, 0, 0, 0});
  tree["split_conditions"] = Json::array({1.5, 99.0, 2.0, 3.0});
  tree["split_type"] = Json::array({0, 0, 0, 0});
  tree["default_left"] = Json::array({0, 0, 0, 0});
  tree["sum_hessian"] = Json::array({5.0, 0.0, 2.0, 3.0});
  tree["tree_param"]["num_nodes"] = "4";
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Tree& t = Ensemble(*result).trees[0];
  // Breadth first: 0 -> 0, 3 (left) -> 1, 2 (right) -> 2.
  EXPECT_EQ(t.left, (std::vector<int32_t>{1, -1, -1}));
  EXPECT_EQ(t.right, (std::vector<int32_t>{2, -1, -1}));
  EXPECT_EQ(t.leaf_values, (std::vector<double>{0.0, 3.0, 2.0}));
  EXPECT_EQ(t.cover, (std::vector<double>{5.0, 3.0, 2.0}));
}

TEST(XgboostImportTest, ValuesAreRoundedToFloat) {
  Json model = MinimalModel("reg:squarederror");
  TreeOf(model, 0)["split_conditions"] = Json::array({0.1, 0.2, 0.3});
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Tree& t = Ensemble(*result).trees[0];
  EXPECT_EQ(t.threshold[0], static_cast<double>(0.1f));
  EXPECT_EQ(t.leaf_values[1], static_cast<double>(0.2f));
  EXPECT_EQ(t.leaf_values[2], static_cast<double>(0.3f));
}

TEST(XgboostImportTest, DartLeafValuesAreScaledByTheirWeight) {
  Json model = MinimalModel("binary:logistic", 2);
  Json gbtree = model["learner"]["gradient_booster"];
  model["learner"]["gradient_booster"] =
      Json{{"name", "dart"}, {"gbtree", gbtree}, {"weight_drop", {0.5, 0.3}}};
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->source, "xgboost 1.7.4 binary:logistic dart");
  const TreeEnsembleModel& e = Ensemble(*result);
  EXPECT_EQ(e.trees[0].leaf_values[2], static_cast<double>(0.75f * 0.5f));
  EXPECT_EQ(e.trees[1].leaf_values[1], static_cast<double>(-0.25f * 0.3f));
  EXPECT_EQ(e.trees[1].leaf_values[2], static_cast<double>(0.75f * 0.3f));

  model["learner"]["gradient_booster"]["weight_drop"] = Json::array({0.5});
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "learner.gradient_booster.weight_drop: has 1 entries but there are 2 trees");
}

TEST(XgboostImportTest, CategoricalSplitSwapsChildren) {
  // Node 0 sends categories {1, 3} right in XGBoost; the IR lists the levels
  // that go left, so the children swap and so does the missing direction.
  Json model = MinimalModel();
  model["learner"]["feature_types"] = Json::array({"float", "c"});
  Json& tree = TreeOf(model, 0);
  tree["split_type"] = Json::array({1, 0, 0});
  tree["split_conditions"] = Json::parse("[null, -0.25, 0.75]");
  tree["categories"] = Json::array({3, 1});
  tree["categories_nodes"] = Json::array({0});
  tree["categories_segments"] = Json::array({0});
  tree["categories_sizes"] = Json::array({2});
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->inputs[1].type, FieldType::kCategory);
  EXPECT_TRUE(result->inputs[1].levels.empty());
  EXPECT_EQ(result->inputs[0].type, FieldType::kNumber);
  const Tree& t = Ensemble(*result).trees[0];
  ASSERT_EQ(t.category_levels.size(), 3u);
  EXPECT_EQ(t.category_levels[0], (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(t.left[0], 2);
  EXPECT_EQ(t.right[0], 1);
  EXPECT_EQ(t.default_left[0], 0);  // XGBoost: missing -> left child -> IR right
}

TEST(XgboostImportTest, NonFiniteWordsAreReadAsXgboostWritesThem) {
  // XGBoost writes NaN for a categorical split's condition.
  Json model = MinimalModel();
  model["learner"]["feature_types"] = Json::array({"float", "c"});
  Json& tree = TreeOf(model, 0);
  tree["split_type"] = Json::array({1, 0, 0});
  tree["categories"] = Json::array({1});
  tree["categories_nodes"] = Json::array({0});
  tree["categories_segments"] = Json::array({0});
  tree["categories_sizes"] = Json::array({1});
  std::string text = model.dump();
  const std::string conditions = "\"split_conditions\":[0.5,";
  ASSERT_NE(text.find(conditions), std::string::npos);
  text.replace(text.find(conditions), conditions.size(), "\"split_conditions\":[NaN,");
  Result<Pipeline> result = ImportXgboostJson(text, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();

  // A non-finite leaf value is an error naming the node.
  text = MinimalModel().dump();
  text.replace(text.find("\"split_conditions\":[0.5,-0.25,"), 30, "\"split_conditions\":[0.5,-Infinity,");
  ExpectError(ImportXgboostJson(text, {}), StatusCode::kInvalidArgument,
              "learner.gradient_booster.model.trees[0].split_conditions[1]: leaf value -Infinity is not a "
              "finite float");
  // "NaN" inside a string is left alone.
  Json named = MinimalModel();
  named["learner"]["feature_names"] = Json::array({"NaN", "Infinity"});
  result = Import(named);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->features, (std::vector<std::string>{"NaN", "Infinity"}));
}

TEST(XgboostImportTest, MixedNumericAndCategoricalSplitsAreRefused) {
  Json model = MinimalModel("binary:logistic", 2);
  Json& tree = TreeOf(model, 1);
  tree["split_type"] = Json::array({1, 0, 0});
  tree["categories"] = Json::array({2});
  tree["categories_nodes"] = Json::array({0});
  tree["categories_segments"] = Json::array({0});
  tree["categories_sizes"] = Json::array({1});
  ExpectError(Import(model), StatusCode::kUnimplemented,
              "learner.gradient_booster.model.trees[1]: node 0 splits feature 1 by category, but trees[0] "
              "node 0 splits it by value");
  model["learner"]["feature_types"] = Json::array({"float", "c"});
  ExpectError(Import(model), StatusCode::kUnimplemented,
              "learner.gradient_booster.model.trees[0]: node 0 splits feature 1 by value, but feature_types "
              "declares it categorical");
}

// --- Real XGBoost 1.7.4 files (testdata/xgboost/make_testdata.py) -----------

TEST(XgboostImportTest, RealModelsImportAndValidate) {
  for (const char* name : {"binary_logistic.json", "multi_softprob.json", "count_poisson.json",
                           "dart_binary_logistic.json", "reg_squarederror_pruned.json", "categorical.json"}) {
    Result<Pipeline> result = ImportXgboostJson(ReadTestdata(name), {});
    ASSERT_TRUE(result.ok()) << name << ": " << result.status().ToString();
    EXPECT_TRUE(ValidatePipeline(*result).ok()) << name;
    EXPECT_EQ(result->source.rfind("xgboost 1.7.4 ", 0), 0u) << result->source;
  }
}

TEST(XgboostImportTest, RealBinaryModelKeepsFeatureNames) {
  Result<Pipeline> result = ImportXgboostJson(ReadTestdata("binary_logistic.json"), {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->features, (std::vector<std::string>{"age", "income", "tenure"}));
  EXPECT_EQ(Ensemble(*result).trees.size(), 3u);
}

TEST(XgboostImportTest, RealPrunedModelDropsDeletedNodes) {
  const std::string text = ReadTestdata("reg_squarederror_pruned.json");
  const Json raw = Json::parse(text);
  Result<Pipeline> result = ImportXgboostJson(text, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Json& trees = raw["learner"]["gradient_booster"]["model"]["trees"];
  for (size_t t = 0; t < trees.size(); ++t) {
    const size_t stored = trees[t]["left_children"].size();
    const size_t deleted = std::stoul(trees[t]["tree_param"]["num_deleted"].get<std::string>());
    EXPECT_EQ(Ensemble(*result).trees[t].left.size(), stored - deleted) << "tree " << t;
  }
}

TEST(XgboostImportTest, RealMulticlassModel) {
  Result<Pipeline> result = ImportXgboostJson(ReadTestdata("multi_softprob.json"), {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->model.classes, (std::vector<std::string>{"0", "1", "2"}));
  const TreeEnsembleModel& e = Ensemble(*result);
  EXPECT_EQ(e.num_outputs, 3);
  ASSERT_EQ(e.trees.size(), 6u);
  for (size_t t = 0; t < 6; ++t) EXPECT_EQ(e.trees[t].output, static_cast<int>(t % 3));
}

TEST(XgboostImportTest, GblinearIsUnimplemented) {
  ExpectError(ImportXgboostJson(ReadTestdata("gblinear.json"), {}), StatusCode::kUnimplemented,
              "learner.gradient_booster.name: gblinear (linear booster) models are not supported");
}

// --- Refusals and malformed input ---------------------------------------------

TEST(XgboostImportTest, UnsupportedObjectives) {
  for (const char* objective : {"binary:hinge", "rank:pairwise", "survival:cox", "multi:unknown"}) {
    ExpectError(Import(MinimalModel(objective)), StatusCode::kUnimplemented,
                "learner.objective.name: objective '" + std::string(objective) + "' is not supported");
  }
}

TEST(XgboostImportTest, ChildOutOfRangeNamesThePath) {
  // Tree 3 has 15 nodes and node 7 points at 99.
  Json model = MinimalModel("reg:squarederror", 4);
  Json& tree = TreeOf(model, 3);
  const int n = 15;
  Json left = Json::array(), right = Json::array(), zeros = Json::array(), values = Json::array();
  for (int i = 0; i < n; ++i) {
    const bool internal = i < 7;
    left.push_back(internal ? 2 * i + 1 : -1);
    right.push_back(internal ? 2 * i + 2 : -1);
    zeros.push_back(0);
    values.push_back(0.5);
  }
  // Make node 7 internal with a bad left child.
  left[7] = 99;
  right[7] = 14;
  tree["left_children"] = left;
  tree["right_children"] = right;
  tree["split_indices"] = zeros;
  tree["split_type"] = zeros;
  tree["default_left"] = zeros;
  tree["split_conditions"] = values;
  tree["sum_hessian"] = values;
  tree["tree_param"]["num_nodes"] = "15";
  // Node 7 is reached through node 3 only if 3 is internal: it is (3 < 7).
  ExpectError(
      Import(model), StatusCode::kInvalidArgument,
      "learner.gradient_booster.model.trees[3].left_children[7]: child 99 is out of range (15 nodes)");
}

TEST(XgboostImportTest, MalformedTrees) {
  struct Case {
    const char* what;
    void (*mutate)(Json& tree);
    const char* message;
  };
  const Case cases[] = {
      {"cycle to the root", [](Json& t) { t["left_children"][0] = 0; },
       "learner.gradient_booster.model.trees[0].left_children[0]: node 0 is reached twice (the nodes do not "
       "form a tree)"},
      {"shared child", [](Json& t) { t["right_children"][0] = 1; },
       "learner.gradient_booster.model.trees[0].right_children[0]: node 1 is reached twice"},
      {"negative child", [](Json& t) { t["right_children"][0] = -7; },
       "learner.gradient_booster.model.trees[0].right_children[0]: child -7 is out of range (3 nodes)"},
      {"half leaf", [](Json& t) { t["right_children"][1] = 2; },
       "learner.gradient_booster.model.trees[0].right_children[1]: node 1 has no left child (-1) but right "
       "child 2"},
      {"short array",
       [](Json& t) {
         t["right_children"] = Json::array({2, -1});
       },
       "learner.gradient_booster.model.trees[0].right_children: has 2 entries, expected 3 (the length of "
       "left_children)"},
      {"long hessian", [](Json& t) { t["sum_hessian"].push_back(1.0); },
       "learner.gradient_booster.model.trees[0].sum_hessian: has 4 entries, expected 3"},
      {"feature out of range", [](Json& t) { t["split_indices"][0] = 2; },
       "learner.gradient_booster.model.trees[0].split_indices[0]: feature 2 is out of range (num_feature 2)"},
      {"missing member", [](Json& t) { t.erase("split_indices"); },
       "learner.gradient_booster.model.trees[0]: missing member 'split_indices'"},
      {"wrong element type", [](Json& t) { t["left_children"][1] = "x"; },
       "learner.gradient_booster.model.trees[0].left_children[1]: expected an integer, got a string"},
      {"fractional child", [](Json& t) { t["left_children"][0] = 1.5; },
       "learner.gradient_booster.model.trees[0].left_children[0]: expected an integer, got a number"},
      {"wrong array type", [](Json& t) { t["split_conditions"] = Json::object(); },
       "learner.gradient_booster.model.trees[0].split_conditions: expected an array, got an object"},
      {"empty tree", [](Json& t) { t["left_children"] = Json::array(); },
       "learner.gradient_booster.model.trees[0].left_children: the tree has no nodes"},
      {"num_nodes disagrees", [](Json& t) { t["tree_param"]["num_nodes"] = "5"; },
       "learner.gradient_booster.model.trees[0].tree_param.num_nodes: says 5 nodes but left_children has 3"},
      {"nan threshold", [](Json& t) { t["split_conditions"][0] = nullptr; },
       "learner.gradient_booster.model.trees[0].split_conditions[0]: split condition NaN is not a finite "
       "float"},
      {"threshold beyond float", [](Json& t) { t["split_conditions"][0] = 1e300; },
       "learner.gradient_booster.model.trees[0].split_conditions[0]: split condition 1e+300 is not a finite "
       "float"},
      {"negative cover", [](Json& t) { t["sum_hessian"][2] = -1.0; },
       "learner.gradient_booster.model.trees[0].sum_hessian[2]: cover -1 is not a finite number >= 0"},
      {"bad split type", [](Json& t) { t["split_type"][0] = 2; },
       "learner.gradient_booster.model.trees[0].split_type[0]: expected 0 (numeric) or 1 (categorical), got "
       "2"},
      {"categorical without categories", [](Json& t) { t["split_type"][0] = 1; },
       "learner.gradient_booster.model.trees[0]: node 0 is a categorical split but categories_nodes does not "
       "list it"},
      {"multi-target tree", [](Json& t) { t["tree_param"]["size_leaf_vector"] = "3"; },
       "learner.gradient_booster.model.trees[0].tree_param.size_leaf_vector: multi-target trees"},
  };
  for (const Case& c : cases) {
    Json model = MinimalModel();
    c.mutate(TreeOf(model, 0));
    const StatusCode code = std::string(c.what) == "multi-target tree" ? StatusCode::kUnimplemented
                                                                       : StatusCode::kInvalidArgument;
    SCOPED_TRACE(c.what);
    ExpectError(Import(model), code, c.message);
  }
}

TEST(XgboostImportTest, MalformedDocuments) {
  struct Case {
    const char* what;
    void (*mutate)(Json& model);
    const char* message;
  };
  const Case cases[] = {
      {"no learner", [](Json& m) { m.erase("learner"); }, "the document: missing member 'learner'"},
      {"learner not an object", [](Json& m) { m["learner"] = 3; },
       "learner: expected an object, got a number"},
      {"no objective name", [](Json& m) { m["learner"]["objective"].erase("name"); },
       "learner.objective: missing member 'name'"},
      {"no num_feature", [](Json& m) { m["learner"]["learner_model_param"].erase("num_feature"); },
       "learner.learner_model_param: missing member 'num_feature'"},
      {"num_feature not a number",
       [](Json& m) { m["learner"]["learner_model_param"]["num_feature"] = "two"; },
       "learner.learner_model_param.num_feature: 'two' is not a finite number"},
      {"too many features", [](Json& m) { m["learner"]["learner_model_param"]["num_feature"] = "2000000"; },
       "learner.learner_model_param.num_feature: 2000000 is outside [0, 1000000]"},
      {"classes for a binary objective",
       [](Json& m) { m["learner"]["learner_model_param"]["num_class"] = "3"; },
       "learner.learner_model_param.num_class: 3 classes, but binary:logistic has a single output"},
      {"multi-target", [](Json& m) { m["learner"]["learner_model_param"]["num_target"] = "2"; },
       "learner.learner_model_param.num_target: multi-target models (2 targets) are not supported"},
      {"tree_info too short",
       [](Json& m) { m["learner"]["gradient_booster"]["model"]["tree_info"] = Json::array(); },
       "learner.gradient_booster.model.tree_info: has 0 entries but there are 1 trees"},
      {"num_trees disagrees",
       [](Json& m) { m["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "4"; },
       "learner.gradient_booster.model.gbtree_model_param.num_trees: says 4 trees but the model has 1"},
      {"tree not an object",
       [](Json& m) { m["learner"]["gradient_booster"]["model"]["trees"][0] = Json::array(); },
       "learner.gradient_booster.model.trees[0]: expected an object, got an array"},
      {"unknown booster", [](Json& m) { m["learner"]["gradient_booster"]["name"] = "forest"; },
       "learner.gradient_booster.name: booster 'forest' is not supported"},
      {"duplicate feature names",
       [](Json& m) {
         m["learner"]["feature_names"] = Json::array({"x", "x"});
       },
       "learner.feature_names[1]: 'x' is listed twice"},
      {"dart without weights",
       [](Json& m) {
         Json gbtree = m["learner"]["gradient_booster"];
         m["learner"]["gradient_booster"] = Json{{"name", "dart"}, {"gbtree", gbtree}};
       },
       "learner.gradient_booster: missing member 'weight_drop'"},
  };
  for (const Case& c : cases) {
    Json model = MinimalModel();
    c.mutate(model);
    SCOPED_TRACE(c.what);
    const bool unimplemented =
        std::string(c.what) == "multi-target" || std::string(c.what) == "unknown booster";
    ExpectError(Import(model), unimplemented ? StatusCode::kUnimplemented : StatusCode::kInvalidArgument,
                c.message);
  }
}

TEST(XgboostImportTest, NodeLimitCountsAllTrees) {
  XgboostImportOptions options;
  options.max_nodes = 5;
  ExpectError(Import(MinimalModel("reg:squarederror", 2), options), StatusCode::kInvalidArgument,
              "learner.gradient_booster.model.trees[1]: the model has more than 5 nodes");
  options.max_nodes = 6;
  EXPECT_TRUE(Import(MinimalModel("reg:squarederror", 2), options).ok());
}

TEST(XgboostImportTest, NotJson) {
  ExpectError(ImportXgboostJson("{\"learner\": [1, 2", {}), StatusCode::kInvalidArgument,
              "not valid JSON (at byte 17)");  // the end of the text
  ExpectError(ImportXgboostJson("", {}), StatusCode::kInvalidArgument, "not valid JSON (at byte 0)");
  // Byte offsets refer to the original text even after NaN was rewritten.
  ExpectError(ImportXgboostJson("[NaN, NaN, x]", {}), StatusCode::kInvalidArgument,
              "not valid JSON (at byte 11)");
  ExpectError(ImportXgboostJson("{\"learner\": 1e400}", {}), StatusCode::kInvalidArgument,
              "not valid JSON: number overflow parsing '1e400'");
  ExpectError(ImportXgboostJson("[1, 2]", {}), StatusCode::kInvalidArgument,
              "the document: expected an object, got an array");
}

TEST(XgboostImportTest, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  ExpectError(ImportXgboostJson(deep, {}), StatusCode::kResourceExhausted, "JSON nests deeper than");
}

TEST(XgboostImportTest, EveryTruncationFailsCleanly) {
  const std::string text = ReadTestdata("categorical.json");
  ASSERT_FALSE(text.empty());
  for (size_t size = 0; size < text.size(); ++size) {
    Result<Pipeline> result = ImportXgboostJson(std::string_view(text).substr(0, size), {});
    ASSERT_FALSE(result.ok()) << size;
    ASSERT_EQ(result.status().code(), StatusCode::kInvalidArgument)
        << size << ": " << result.status().ToString();
  }
  EXPECT_TRUE(ImportXgboostJson(text, {}).ok());
}

}  // namespace
}  // namespace podium
