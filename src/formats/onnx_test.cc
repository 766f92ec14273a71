#include "formats/onnx.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "pipeline/input.h"
#include "pipeline/prediction.h"
#include "reference/reference.h"

namespace podium {
namespace {

// ---------------------------------------------------------------------------
// Building models
// ---------------------------------------------------------------------------

onnx::ModelProto NewModel(int64_t onnx_opset = 13, int64_t ml_opset = 3) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("onnx-test");
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_version(onnx_opset);
  opset = model.add_opset_import();
  opset->set_domain("ai.onnx.ml");
  opset->set_version(ml_opset);
  model.mutable_graph()->set_name("test");
  return model;
}

void AddInput(onnx::ModelProto* model, const std::string& name, int64_t columns,
              int32_t type = onnx::TensorProto::FLOAT) {
  onnx::ValueInfoProto* input = model->mutable_graph()->add_input();
  input->set_name(name);
  onnx::TypeProto_Tensor* tensor = input->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(type);
  tensor->mutable_shape()->add_dim()->set_dim_param("N");
  tensor->mutable_shape()->add_dim()->set_dim_value(columns);
}

void AddOutput(onnx::ModelProto* model, const std::string& name) {
  onnx::ValueInfoProto* output = model->mutable_graph()->add_output();
  output->set_name(name);
  output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
}

onnx::NodeProto* AddNode(onnx::ModelProto* model, const std::string& op, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs, const std::string& name = "",
                         bool ml = false) {
  onnx::NodeProto* node = model->mutable_graph()->add_node();
  node->set_op_type(op);
  node->set_name(name);
  if (ml) node->set_domain("ai.onnx.ml");
  for (const std::string& input : inputs) node->add_input(input);
  for (const std::string& output : outputs) node->add_output(output);
  return node;
}

onnx::AttributeProto* NewAttr(onnx::NodeProto* node, const std::string& name, onnx::AttributeProto::AttributeType type) {
  onnx::AttributeProto* attr = node->add_attribute();
  attr->set_name(name);
  attr->set_type(type);
  return attr;
}
void SetInt(onnx::NodeProto* node, const std::string& name, int64_t v) { NewAttr(node, name, onnx::AttributeProto::INT)->set_i(v); }
void SetFloat(onnx::NodeProto* node, const std::string& name, float v) { NewAttr(node, name, onnx::AttributeProto::FLOAT)->set_f(v); }
void SetString(onnx::NodeProto* node, const std::string& name, const std::string& v) {
  NewAttr(node, name, onnx::AttributeProto::STRING)->set_s(v);
}
void SetInts(onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto* attr = NewAttr(node, name, onnx::AttributeProto::INTS);
  for (const int64_t x : v) attr->add_ints(x);
}
void SetFloats(onnx::NodeProto* node, const std::string& name, const std::vector<float>& v) {
  onnx::AttributeProto* attr = NewAttr(node, name, onnx::AttributeProto::FLOATS);
  for (const float x : v) attr->add_floats(x);
}
void SetStrings(onnx::NodeProto* node, const std::string& name, const std::vector<std::string>& v) {
  onnx::AttributeProto* attr = NewAttr(node, name, onnx::AttributeProto::STRINGS);
  for (const std::string& x : v) attr->add_strings(x);
}

onnx::TensorProto* AddInitializer(onnx::ModelProto* model, const std::string& name, const std::vector<int64_t>& dims,
                                  const std::vector<float>& values) {
  onnx::TensorProto* tensor = model->mutable_graph()->add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(onnx::TensorProto::FLOAT);
  for (const int64_t d : dims) tensor->add_dims(d);
  for (const float v : values) tensor->add_float_data(v);
  return tensor;
}

// X [N,2] -> LinearRegressor -> "variable".
onnx::ModelProto LinearRegressorModel() {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 2);
  onnx::NodeProto* node = AddNode(&model, "LinearRegressor", {"X"}, {"variable"}, "ols", true);
  SetFloats(node, "coefficients", {2.0f, -0.5f});
  SetFloats(node, "intercepts", {1.0f});
  AddOutput(&model, "variable");
  return model;
}

// One tree: node 0 splits feature 0 at `threshold` with `mode`; the true
// child (node 1) has weight 10, the false child (node 2) weight 20.
onnx::ModelProto OneSplitTree(const std::string& mode, float threshold, int64_t tracks_true) {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 1);
  onnx::NodeProto* node = AddNode(&model, "TreeEnsembleRegressor", {"X"}, {"variable"}, "trees", true);
  SetInts(node, "nodes_treeids", {0, 0, 0});
  SetInts(node, "nodes_nodeids", {0, 1, 2});
  SetInts(node, "nodes_featureids", {0, 0, 0});
  SetStrings(node, "nodes_modes", {mode, "LEAF", "LEAF"});
  SetFloats(node, "nodes_values", {threshold, 0, 0});
  SetInts(node, "nodes_truenodeids", {1, 0, 0});
  SetInts(node, "nodes_falsenodeids", {2, 0, 0});
  SetInts(node, "nodes_missing_value_tracks_true", {tracks_true, 0, 0});
  SetInts(node, "target_treeids", {0, 0});
  SetInts(node, "target_nodeids", {1, 2});
  SetInts(node, "target_ids", {0, 0});
  SetFloats(node, "target_weights", {10, 20});
  SetInt(node, "n_targets", 1);
  AddOutput(&model, "variable");
  return model;
}

onnx::NodeProto* NodeOf(onnx::ModelProto* model, int i = 0) { return model->mutable_graph()->mutable_node(i); }

onnx::AttributeProto* AttrOf(onnx::NodeProto* node, const std::string& name) {
  for (onnx::AttributeProto& attr : *node->mutable_attribute()) {
    if (attr.name() == name) return &attr;
  }
  return nullptr;
}

Result<Pipeline> Import(const onnx::ModelProto& model, OnnxImportOptions options = {}) {
  options.name = "test";
  return ImportOnnx(model.SerializeAsString(), options);
}

// Scores one row with the reference scorer; numbers per input ("" missing).
std::vector<double> Score(const Pipeline& pipeline, const std::vector<std::string>& cells) {
  std::vector<RawValue> raw;
  for (const std::string& cell : cells) raw.push_back(cell.empty() ? RawValue::Missing() : RawValue::Text(cell));
  Result<Prediction> prediction = reference::ScoreRow(pipeline, raw);
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  return prediction.ok() ? prediction->values : std::vector<double>{};
}

void ExpectError(const Result<Pipeline>& result, StatusCode code, const std::string& part) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status().ToString();
  EXPECT_NE(result.status().message().find(part), std::string::npos)
      << "'" << result.status().message() << "' does not contain '" << part << "'";
}

// ---------------------------------------------------------------------------
// What maps to what
// ---------------------------------------------------------------------------

TEST(OnnxImport, LinearRegressorBecomesGaussianGlm) {
  Result<Pipeline> result = Import(LinearRegressorModel());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->inputs.size(), 2u);
  EXPECT_EQ(result->inputs[0].name, "X_0");
  EXPECT_EQ(result->inputs[1].name, "X_1");
  EXPECT_EQ(result->output_names.value, "variable");
  EXPECT_EQ(result->source, "onnx ir_version 8, ai.onnx 13, ai.onnx.ml 3 (onnx-test)");
  const auto& glm = std::get<GlmModel>(result->model.body);
  EXPECT_EQ(glm.family, GlmFamily::kGaussian);
  EXPECT_EQ(glm.coefficients, (std::vector<double>{2.0, -0.5}));
  EXPECT_DOUBLE_EQ(Score(*result, {"3", "2"})[0], 1.0 + 6.0 - 1.0);
}

TEST(OnnxImport, FeatureNamesFromOptions) {
  OnnxImportOptions options;
  options.feature_names = {"age", "income"};
  Result<Pipeline> result = Import(LinearRegressorModel(), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->inputs[0].name, "age");
  EXPECT_EQ(result->features, (std::vector<std::string>{"age", "income"}));
  options.feature_names = {"age"};
  ExpectError(Import(LinearRegressorModel(), options), StatusCode::kInvalidArgument, "2 numeric columns");
}

TEST(OnnxImport, OneColumnInputsAreNamedAfterTheirTensors) {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "age", 1);
  AddInput(&model, "income", 1);
  onnx::NodeProto* concat = AddNode(&model, "Concat", {"age", "income"}, {"joined"}, "concat");
  SetInt(concat, "axis", 1);
  onnx::NodeProto* scaler = AddNode(&model, "Scaler", {"joined"}, {"scaled"}, "scaler", true);
  SetFloats(scaler, "offset", {1.0f, 2.0f});
  SetFloats(scaler, "scale", {0.5f, 0.1f});
  onnx::NodeProto* ols = AddNode(&model, "LinearRegressor", {"scaled"}, {"y"}, "ols", true);
  SetFloats(ols, "coefficients", {1.0f, 1.0f});
  AddOutput(&model, "y");
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->inputs[0].name, "age");
  EXPECT_EQ(result->inputs[1].name, "income");
  EXPECT_EQ(result->features, (std::vector<std::string>{"scaled_0", "scaled_1"}));
  // (3 - 1) * 0.5 + (12 - 2) * float(0.1), in float.
  const double expected = 1.0 + static_cast<double>(static_cast<float>(10.0f * 0.1f));
  EXPECT_DOUBLE_EQ(Score(*result, {"3", "12"})[0], expected);
}

TEST(OnnxImport, BranchModesMapToLessThanExactly) {
  // With float x and t: LEQ sends x == t to the true branch, LT does not;
  // GTE sends it to the true branch, GT does not; EQ only x == t, NEQ all
  // but x == t.
  struct Case {
    std::string mode;
    double at_threshold;  // value for x == 0.5
    double below;         // value for x = 0.25
  };
  for (const Case& c : {Case{"BRANCH_LEQ", 10, 10}, Case{"BRANCH_LT", 20, 10}, Case{"BRANCH_GTE", 10, 20},
                        Case{"BRANCH_GT", 20, 20}, Case{"BRANCH_EQ", 10, 20}, Case{"BRANCH_NEQ", 20, 10}}) {
    for (int64_t tracks : {0, 1}) {
      Result<Pipeline> result = Import(OneSplitTree(c.mode, 0.5f, tracks));
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      const auto& ensemble = std::get<TreeEnsembleModel>(result->model.body);
      EXPECT_EQ(ensemble.precision, NumericPrecision::kFloat32);
      EXPECT_DOUBLE_EQ(Score(*result, {"0.5"})[0], c.at_threshold) << c.mode;
      EXPECT_DOUBLE_EQ(Score(*result, {"0.25"})[0], c.below) << c.mode;
      // Just above the threshold in float, and missing.
      const std::string above = std::to_string(std::nextafter(0.5f, 1.0f));
      const bool true_above = c.mode == "BRANCH_GTE" || c.mode == "BRANCH_GT" || c.mode == "BRANCH_NEQ";
      EXPECT_DOUBLE_EQ(Score(*result, {"0.500000059604644775390625"})[0], true_above ? 10.0 : 20.0)
          << c.mode << " " << above;
      // Missing: the true branch when tracked; NaN != t is true anyway.
      const bool true_missing = tracks != 0 || c.mode == "BRANCH_NEQ";
      EXPECT_DOUBLE_EQ(Score(*result, {""})[0], true_missing ? 10.0 : 20.0) << c.mode << " tracks " << tracks;
    }
  }
}

TEST(OnnxImport, MlpBecomesMultinomialGlmOverTheHiddenLayer) {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 2);
  AddInitializer(&model, "W1", {2, 3}, {1, 0, -1, 0, 1, 1});
  AddInitializer(&model, "B1", {3}, {0, 0.5f, 0});
  AddInitializer(&model, "W2", {3, 2}, {1, -1, 2, 0, 0, 1});
  AddInitializer(&model, "B2", {2}, {0.25f, 0});
  AddNode(&model, "Gemm", {"X", "W1", "B1"}, {"h"}, "dense1");
  AddNode(&model, "Relu", {"h"}, {"a"}, "relu");
  AddNode(&model, "Gemm", {"a", "W2", "B2"}, {"logits"}, "dense2");
  AddNode(&model, "Softmax", {"logits"}, {"probabilities"}, "softmax");
  onnx::NodeProto* argmax = AddNode(&model, "ArgMax", {"probabilities"}, {"label"}, "argmax");
  SetInt(argmax, "axis", 1);
  SetInt(argmax, "keepdims", 0);
  AddOutput(&model, "label");
  AddOutput(&model, "probabilities");
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const auto& glm = std::get<GlmModel>(result->model.body);
  EXPECT_EQ(glm.family, GlmFamily::kMultinomial);
  EXPECT_EQ(result->features, (std::vector<std::string>{"a_0", "a_1", "a_2"}));
  EXPECT_EQ(result->model.classes, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(result->output_names.probabilities, (std::vector<std::string>{"probabilities_0", "probabilities_1"}));
  EXPECT_EQ(result->output_names.label, "label");
  // x = (1, 2): h = (1, 2.5, 1), logits = (1 + 5 + 0.25, -1 + 1) = (6.25, 0).
  const std::vector<double> p = Score(*result, {"1", "2"});
  EXPECT_NEAR(p[0], 1.0 / (1.0 + std::exp(-6.25)), 1e-12);
}

TEST(OnnxImport, FinalSigmoidBecomesBinomialGlm) {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 2);
  AddInitializer(&model, "W", {2, 1}, {1.5f, -2});
  AddInitializer(&model, "B", {1}, {0.25f});
  AddNode(&model, "Gemm", {"X", "W", "B"}, {"logit"}, "dense");
  AddNode(&model, "Sigmoid", {"logit"}, {"p"}, "sigmoid");
  AddOutput(&model, "p");
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const auto& glm = std::get<GlmModel>(result->model.body);
  EXPECT_EQ(glm.family, GlmFamily::kBinomial);
  EXPECT_EQ(result->features, (std::vector<std::string>{"X_0", "X_1"}));
  EXPECT_EQ(result->output_names.probabilities, (std::vector<std::string>{"p_0", "p_1"}));
  const std::vector<double> p = Score(*result, {"1", "0.5"});
  EXPECT_NEAR(p[1], 1.0 / (1.0 + std::exp(-(1.5 - 1.0 + 0.25))), 1e-12);
}

TEST(OnnxImport, SvmRegressorKernels) {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 2);
  onnx::NodeProto* svr = AddNode(&model, "SVMRegressor", {"X"}, {"y"}, "svr", true);
  SetString(svr, "kernel_type", "RBF");
  SetFloats(svr, "kernel_params", {0.5f, 0, 0});
  SetInt(svr, "n_supports", 2);
  SetFloats(svr, "support_vectors", {0, 0, 1, 2});
  SetFloats(svr, "coefficients", {2, -1});
  SetFloats(svr, "rho", {0.25f});
  AddOutput(&model, "y");
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  // x = (1, 1): |x - s1|^2 = 2, |x - s2|^2 = 1.
  const double expected = 0.25 + 2 * static_cast<double>(static_cast<float>(std::exp(-1.0))) -
                          static_cast<double>(static_cast<float>(std::exp(-0.5)));
  EXPECT_NEAR(Score(*result, {"1", "1"})[0], expected, 1e-12);
  SetInt(svr, "one_class", 1);
  ExpectError(Import(model), StatusCode::kUnimplemented, "node 'svr' (SVMRegressor): one_class=1");
  model.mutable_graph()->mutable_node(0)->clear_attribute();
  onnx::NodeProto* bad = NodeOf(&model);
  SetInt(bad, "n_supports", 2);
  SetFloats(bad, "support_vectors", {0, 0, 1});
  SetFloats(bad, "coefficients", {2, -1});
  SetFloats(bad, "rho", {0.25f});
  ExpectError(Import(model), StatusCode::kInvalidArgument, "3 support vector values and 2 coefficients");
}

// X [N,2] -> SVMClassifier (LINEAR kernel) -> label, scores. One support
// vector per class: sv0 = (1, 0) for "a", sv1 = (0, 1) for "b", sv2 =
// (-1, -1) for "c". Decision values (rho 0):
//   d_ab = c[0][0] K0 + c[0][1] K1,  d_ac = c[1][0] K0 + c[0][2] K2,
//   d_bc = c[1][1] K1 + c[1][2] K2.
onnx::ModelProto SvcModel() {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 2);
  onnx::NodeProto* svc = AddNode(&model, "SVMClassifier", {"X"}, {"label", "scores"}, "svc", true);
  SetString(svc, "kernel_type", "LINEAR");
  SetFloats(svc, "kernel_params", {0, 0, 0});
  SetStrings(svc, "classlabels_strings", {"a", "b", "c"});
  SetInts(svc, "vectors_per_class", {1, 1, 1});
  SetFloats(svc, "support_vectors", {1, 0, 0, 1, -1, -1});
  SetFloats(svc, "coefficients", {1, -1, 1, 1, 1, -1});
  SetFloats(svc, "rho", {0, 0, 0});
  AddOutput(&model, "label");
  AddOutput(&model, "scores");
  return model;
}

Result<Prediction> ScoreFull(const Pipeline& pipeline, const std::vector<std::string>& cells) {
  std::vector<RawValue> raw;
  for (const std::string& cell : cells) raw.push_back(cell.empty() ? RawValue::Missing() : RawValue::Text(cell));
  return reference::ScoreRow(pipeline, raw);
}

TEST(OnnxImport, SvmClassifierVotesOneVersusOne) {
  Result<Pipeline> result = Import(SvcModel());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->model.classes, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(result->output_names.probabilities,
            (std::vector<std::string>{"scores_votes_a", "scores_votes_b", "scores_votes_c"}));
  EXPECT_EQ(result->output_names.label, "label");
  const auto& ensemble = std::get<TreeEnsembleModel>(result->model.body);
  EXPECT_EQ(ensemble.trees.size(), 3u);  // one per pair of classes
  EXPECT_EQ(ensemble.aggregation, Aggregation::kAverage);
  EXPECT_EQ(result->features,
            (std::vector<std::string>{"scores#decision0_1", "scores#decision0_2", "scores#decision1_2"}));
  struct Row {
    std::vector<std::string> x;
    std::vector<double> shares;
    int32_t label;
  };
  for (const Row& row : {
           // K = (2, 1, -3): d_ab = 1 (a), d_ac = -1 (c), d_bc = 4 (b): a
           // three-way tie goes to the first class, as onnxruntime's.
           Row{{"2", "1"}, {1.0 / 3, 1.0 / 3, 1.0 / 3}, 0},
           // K = (0, 2, -2): d_ab = -2 (b), d_ac = -2 (c), d_bc = 4 (b).
           Row{{"0", "2"}, {0, 2.0 / 3, 1.0 / 3}, 1},
           // K = (1, 1, -2): d_ab = 0 is not > 0, so b; d_ac = -1 (c); d_bc = 3 (b).
           Row{{"1", "1"}, {0, 2.0 / 3, 1.0 / 3}, 1},
           // A missing input: every decision is NaN, every vote goes to the
           // later class of its pair.
           Row{{"", "1"}, {0, 1.0 / 3, 2.0 / 3}, 2},
       }) {
    Result<Prediction> prediction = ScoreFull(*result, row.x);
    ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
    EXPECT_EQ(prediction->values, row.shares) << row.x[0] << "," << row.x[1];
    EXPECT_EQ(prediction->label, row.label) << row.x[0] << "," << row.x[1];
  }
  // post_transform changes only onnxruntime's decision tensor, never the
  // votes: the same pipeline.
  onnx::ModelProto logistic = SvcModel();
  SetString(NodeOf(&logistic), "post_transform", "LOGISTIC");
  Result<Pipeline> same = Import(logistic);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(std::get<TreeEnsembleModel>(same->model.body).trees.size(), 3u);
  EXPECT_EQ(Score(*same, {"0", "2"}), (std::vector<double>{0, 2.0 / 3, 1.0 / 3}));
}

TEST(OnnxImport, SvmClassifierBinaryRbfAndVoteNamesWithoutScores) {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 1);
  onnx::NodeProto* svc = AddNode(&model, "SVMClassifier", {"X"}, {"label", "scores"}, "svc", true);
  SetString(svc, "kernel_type", "RBF");
  SetFloats(svc, "kernel_params", {0.5f, 0, 0});
  SetInts(svc, "classlabels_ints", {4, 7});
  SetInts(svc, "vectors_per_class", {1, 1});
  SetFloats(svc, "support_vectors", {0, 2});
  SetFloats(svc, "coefficients", {1, -1});
  SetFloats(svc, "rho", {0.125f});
  AddOutput(&model, "label");  // the scores tensor is not a graph output
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->output_names.probabilities, (std::vector<std::string>{"votes_4", "votes_7"}));
  // x = 0.5: d = float(exp(-0.125)) - float(exp(-1.125)) + 0.125 > 0: class 4.
  // x = 1.9: d = exp(-0.5 * 3.61) - exp(-0.005) + 0.125 < 0: class 7.
  EXPECT_EQ(Score(*result, {"0.5"}), (std::vector<double>{1, 0}));
  EXPECT_EQ(Score(*result, {"1.9"}), (std::vector<double>{0, 1}));
}

TEST(OnnxImport, SvmClassifierBinaryPlattProbabilitiesAreDerivedOutputs) {
  // d = 0.5 x - 0.5 (-x) + 0.25 = x + 0.25; A = -2, B = 0.5.
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 1);
  onnx::NodeProto* svc = AddNode(&model, "SVMClassifier", {"X"}, {"label", "probabilities"}, "svc", true);
  SetFloats(svc, "kernel_params", {0, 0, 0});
  SetInts(svc, "classlabels_ints", {0, 1});
  SetInts(svc, "vectors_per_class", {1, 1});
  SetFloats(svc, "support_vectors", {1, -1});
  SetFloats(svc, "coefficients", {0.5f, -0.5f});
  SetFloats(svc, "rho", {0.25f});
  SetFloats(svc, "prob_a", {-2});
  SetFloats(svc, "prob_b", {0.5f});
  AddOutput(&model, "label");
  AddOutput(&model, "probabilities");
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  // The class values stay the vote shares, whose arg max is onnxruntime's
  // label; its probabilities are derived outputs under the graph's names.
  EXPECT_EQ(result->output_names.probabilities,
            (std::vector<std::string>{"probabilities_votes_0", "probabilities_votes_1"}));
  ASSERT_EQ(result->post.outputs.size(), 2u);
  EXPECT_EQ(result->post.outputs[0].name, "probabilities_0");
  EXPECT_EQ(result->post.outputs[1].name, "probabilities_1");
  struct Row {
    std::string x;
    int32_t label;
    double p0;  // onnxruntime's float sigmoid and coupling solver, computed in numpy float32
    double p1;
  };
  for (const Row& row : {
           // d = 1.25: Platt's 1 / (1 + exp(-2)) = 0.88079707..., after two solver rounds in float:
           Row{"1", 0, 0.8807968497276306, 0.11920318752527237},
           Row{"-1", 1, 0.11904698610305786, 0.8809531331062317},  // d = -0.75
           // d = 0 is not > 0: the vote (and label) goes to class 1.
           Row{"-0.25", 1, 0.3755354881286621, 0.6244645118713379},
           // d = 0.245: |r01 - r10| < 0.01 stops the solver at once at 1/2,
           // while the vote goes to class 0.
           Row{"-0.005", 0, 0.5, 0.5},
           Row{"3", 0, 0.9975213408470154, 0.0024786321446299553},
           // A missing input: NaN decision, the vote to class 1, and
           // onnxruntime's solver stops at once.
           Row{"", 1, 0.5, 0.5},
       }) {
    Result<Prediction> prediction = ScoreFull(*result, {row.x});
    ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
    EXPECT_EQ(prediction->label, row.label) << row.x;
    ASSERT_EQ(prediction->derived.size(), 2u);
    // Float results; exp may differ from numpy's float exp by an ulp.
    EXPECT_NEAR(prediction->derived[0], row.p0, 2e-7) << row.x;
    EXPECT_NEAR(prediction->derived[1], row.p1, 2e-7) << row.x;
  }
}

TEST(OnnxImport, SvmClassifierThreeClassPlattProbabilitiesCoupleThePairs) {
  // SvcModel's decisions: d_ab = x0 - x1, d_ac = -x1, d_bc = x0 + 2 x1.
  onnx::ModelProto model = SvcModel();
  SetFloats(NodeOf(&model), "prob_a", {-1, -2, -0.5f});
  SetFloats(NodeOf(&model), "prob_b", {0.25f, -0.5f, 0});
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->output_names.probabilities,
            (std::vector<std::string>{"scores_votes_a", "scores_votes_b", "scores_votes_c"}));
  ASSERT_EQ(result->post.outputs.size(), 3u);
  EXPECT_EQ(result->post.outputs[0].name, "scores_a");
  EXPECT_EQ(result->post.outputs[2].name, "scores_c");
  struct Row {
    std::vector<std::string> x;
    int32_t label;
    std::vector<double> p;  // onnxruntime's float sigmoid and coupling solver, simulated in numpy float32
  };
  for (const Row& row : {
           // d = (1, -1, 4): a three-way tie of votes goes to a, while b is
           // the most probable (the solver stops after two rounds).
           Row{{"2", "1"}, 0, {0.3137513995170593, 0.43436214327812195, 0.25188636779785156}},
           // d = (-2, -2, 4): three rounds.
           Row{{"0", "2"}, 1, {0.04470636695623398, 0.8365002274513245, 0.11879324913024902}},
           // d = (2, 1.5, -2.5): a wins both its pairs.
           Row{{"0.5", "-1.5"}, 0, {0.859903872013092, 0.09265230596065521, 0.04744400829076767}},
           // d = (0, -4, 12): d_ab = 0 votes for b.
           Row{{"4", "4"}, 1, {0.19918647408485413, 0.7113385200500488, 0.08947497606277466}},
           // A missing input: NaN decisions stop onnxruntime's solver at
           // once, at float 1/3 each.
           Row{{"", "1"}, 2, {0.3333333432674408, 0.3333333432674408, 0.3333333432674408}},
       }) {
    Result<Prediction> prediction = ScoreFull(*result, row.x);
    ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
    EXPECT_EQ(prediction->label, row.label) << row.x[0] << "," << row.x[1];
    ASSERT_EQ(prediction->derived.size(), 3u);
    for (size_t c = 0; c < 3; ++c) {
      // Float results; exp may differ from numpy's float exp by an ulp.
      EXPECT_NEAR(prediction->derived[c], row.p[c], 2e-7) << row.x[0] << "," << row.x[1] << " class " << c;
    }
  }
}

TEST(OnnxImport, SvmClassifierWithoutSupportVectorsIsASoftmaxGlm) {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 2);
  onnx::NodeProto* svc = AddNode(&model, "SVMClassifier", {"X"}, {"label", "probabilities"}, "svc", true);
  SetString(svc, "kernel_type", "RBF");  // ignored without support vectors, as by onnxruntime
  SetFloats(svc, "kernel_params", {0.5f, 0, 0});
  SetInts(svc, "classlabels_ints", {0, 1, 2});
  SetFloats(svc, "coefficients", {1, 0, 0, 1, -1, -1});
  SetFloats(svc, "rho", {0.5f});
  SetString(svc, "post_transform", "SOFTMAX");
  AddOutput(&model, "label");
  AddOutput(&model, "probabilities");
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const auto& glm = std::get<GlmModel>(result->model.body);
  EXPECT_EQ(glm.family, GlmFamily::kMultinomial);
  EXPECT_EQ(glm.intercepts, (std::vector<double>{0.5, 0.5, 0.5}));  // rho[0] for every class
  EXPECT_EQ(glm.coefficients, (std::vector<double>{1, 0, 0, 1, -1, -1}));
  EXPECT_EQ(result->output_names.probabilities,
            (std::vector<std::string>{"probabilities_0", "probabilities_1", "probabilities_2"}));
  // x = (1, 2): scores (1.5, 2.5, -2.5).
  const std::vector<double> p = Score(*result, {"1", "2"});
  const double sum = std::exp(1.5) + std::exp(2.5) + std::exp(-2.5);
  EXPECT_NEAR(p[1], std::exp(2.5) / sum, 1e-12);
}

TEST(OnnxImport, SvmClassifierRefusesInconsistentAttributes) {
  struct Case {
    std::string attribute;
    std::vector<float> floats;
    std::vector<int64_t> ints;
    std::string kind;  // "floats", "ints", "string", "remove"
    std::string value;
    StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"vectors_per_class", {}, {1, 1}, "ints", "", StatusCode::kInvalidArgument,
       "node 'svc' (SVMClassifier): vectors_per_class has 2 entries for 3 classes"},
      {"vectors_per_class", {}, {1, 1, 2}, "ints", "", StatusCode::kInvalidArgument,
       "6 support vector values for 4 support vectors (vectors_per_class) of 2 columns"},
      {"vectors_per_class", {}, {1, -1, 1}, "ints", "", StatusCode::kInvalidArgument,
       "vectors_per_class holds -1"},
      {"coefficients", {1, -1, 1, 1, 1}, {}, "floats", "", StatusCode::kInvalidArgument,
       "5 coefficients for 3 support vectors and 3 classes (2 rows of 3)"},
      {"rho", {0, 0}, {}, "floats", "", StatusCode::kInvalidArgument, "2 rho values for 3 pairs of classes"},
      {"kernel_type", {}, {}, "string", "CUBIC", StatusCode::kInvalidArgument,
       "unknown kernel_type 'CUBIC' (LINEAR, POLY, RBF or SIGMOID)"},
      {"kernel_params", {0.5f, 1}, {}, "floats", "", StatusCode::kInvalidArgument,
       "kernel_params holds 2 values (gamma, coef0 and degree: 3, or none)"},
      {"kernel_params", {}, {}, "remove", "", StatusCode::kInvalidArgument,
       "attribute 'kernel_params' is missing (onnxruntime requires it)"},
      {"post_transform", {}, {}, "string", "SQUARE", StatusCode::kInvalidArgument,
       "unknown post_transform 'SQUARE'"},
      {"prob_a", {-1, -1, -1}, {}, "floats", "", StatusCode::kInvalidArgument, "3 prob_a values but 0 prob_b values"},
  };
  for (const Case& c : cases) {
    onnx::ModelProto model = SvcModel();
    onnx::NodeProto* node = NodeOf(&model);
    auto* attributes = node->mutable_attribute();
    for (int i = 0; i < attributes->size(); ++i) {
      if (attributes->Get(i).name() == c.attribute) {
        attributes->DeleteSubrange(i, 1);
        break;
      }
    }
    if (c.kind == "floats") SetFloats(node, c.attribute, c.floats);
    if (c.kind == "ints") SetInts(node, c.attribute, c.ints);
    if (c.kind == "string") SetString(node, c.attribute, c.value);
    SCOPED_TRACE(c.attribute);
    ExpectError(Import(model), c.code, c.message);
  }
}

TEST(OnnxImport, SvmClassifierRefusesWhatTheIrCannotMatch) {
  // Platt scaling needs one prob_a and prob_b per pair of classes.
  onnx::ModelProto model = SvcModel();
  SetFloats(NodeOf(&model), "prob_a", {-1, -1});
  SetFloats(NodeOf(&model), "prob_b", {0, 0});
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "node 'svc' (SVMClassifier): 2 prob_a and prob_b values for 3 pairs of classes");

  // Platt-scaled probabilities of more than 10 classes: the unrolled
  // coupling solver would grow too large. Ten classes import.
  const auto platt_model = [](int classes) {
    const int pairs = classes * (classes - 1) / 2;
    onnx::ModelProto many = NewModel();
    AddInput(&many, "X", 2);
    onnx::NodeProto* svc = AddNode(&many, "SVMClassifier", {"X"}, {"label", "scores"}, "svc", true);
    SetFloats(svc, "kernel_params", {0, 0, 0});
    std::vector<std::string> labels;
    for (int c = 0; c < classes; ++c) labels.push_back("c" + std::to_string(c));
    SetStrings(svc, "classlabels_strings", labels);
    SetInts(svc, "vectors_per_class", std::vector<int64_t>(classes, 1));
    std::vector<float> vectors;
    for (int c = 0; c < classes; ++c) vectors.insert(vectors.end(), {std::cos(c * 0.7f), std::sin(c * 0.7f)});
    SetFloats(svc, "support_vectors", vectors);
    SetFloats(svc, "coefficients", std::vector<float>((classes - 1) * classes, 1));
    SetFloats(svc, "rho", std::vector<float>(pairs, 0));
    SetFloats(svc, "prob_a", std::vector<float>(pairs, -1.5f));
    SetFloats(svc, "prob_b", std::vector<float>(pairs, 0.125f));
    AddOutput(&many, "label");
    AddOutput(&many, "scores");
    return many;
  };
  ExpectError(Import(platt_model(11)), StatusCode::kUnimplemented,
              "node 'svc' (SVMClassifier): prob_a and prob_b for 11 classes are not supported");
  Result<Pipeline> ten = Import(platt_model(10));
  ASSERT_TRUE(ten.ok()) << ten.status().ToString();
  Result<Prediction> prediction = ScoreFull(*ten, {"0.5", "-0.25"});
  ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
  ASSERT_EQ(prediction->derived.size(), 10u);
  double sum = 0;
  for (const double p : prediction->derived) sum += p;
  EXPECT_NEAR(sum, 1, 1e-5);  // the solver stopped: probabilities, not missing

  // Decision values are not probabilities: no ZipMap or ArgMax over them.
  model = SvcModel();
  onnx::NodeProto* zipmap = AddNode(&model, "ZipMap", {"scores"}, {"map"}, "zipmap", true);
  SetStrings(zipmap, "classlabels_strings", {"a", "b", "c"});
  ExpectError(Import(model), StatusCode::kUnimplemented,
              "node 'zipmap' (ZipMap): the input is an SVMClassifier's pairwise decision values");
  model = SvcModel();
  SetInt(AddNode(&model, "ArgMax", {"scores"}, {"index"}, "argmax"), "axis", 1);
  ExpectError(Import(model), StatusCode::kUnimplemented,
              "node 'argmax' (ArgMax): the input is an SVMClassifier's pairwise decision values");

  // Without support vectors: one row of coefficients per class, SOFTMAX only,
  // and not two classes (onnxruntime's binary label rule is not an arg max).
  const auto linear = [](const std::vector<int64_t>& labels, const std::vector<float>& coefficients,
                         const std::string& post) {
    onnx::ModelProto m = NewModel();
    AddInput(&m, "X", 2);
    onnx::NodeProto* svc = AddNode(&m, "SVMClassifier", {"X"}, {"label", "scores"}, "svc", true);
    SetFloats(svc, "kernel_params", {0, 0, 0});
    SetInts(svc, "classlabels_ints", labels);
    SetFloats(svc, "coefficients", coefficients);
    SetFloats(svc, "rho", {0});
    SetString(svc, "post_transform", post);
    AddOutput(&m, "label");
    return m;
  };
  ExpectError(Import(linear({0, 1, 2}, {1, 2, 3, 4, 5}, "SOFTMAX")), StatusCode::kInvalidArgument,
              "5 coefficients for 3 classes of 2 columns");
  ExpectError(Import(linear({0, 1, 2}, {1, 2, 3, 4, 5, 6}, "NONE")), StatusCode::kUnimplemented,
              "post_transform NONE without support vectors is not supported");
  ExpectError(Import(linear({0, 1}, {1, 2, 3, 4}, "SOFTMAX")), StatusCode::kUnimplemented,
              "two classes without support vectors are not supported");
  model = linear({0, 1, 2}, {1, 2, 3, 4, 5, 6}, "SOFTMAX");
  SetFloats(NodeOf(&model), "support_vectors", {1, 2});
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "2 support vector values, but vectors_per_class counts no support vectors");
}

TEST(OnnxImport, LongSumsAreSplitIntoPartialSums) {
  onnx::ModelProto model = NewModel();
  const int k = 300;
  AddInput(&model, "X", k);
  AddInitializer(&model, "W", {k, 1}, std::vector<float>(k, 1.0f));
  AddNode(&model, "MatMul", {"X", "W"}, {"s"}, "sum");
  onnx::NodeProto* tanh = AddNode(&model, "Tanh", {"s"}, {"y"}, "tanh");
  (void)tanh;
  AddOutput(&model, "y");
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::vector<std::string> cells(k, "0.001");
  EXPECT_NEAR(Score(*result, cells)[0], std::tanh(0.3), 1e-6);
}

TEST(OnnxImport, ImputerAndBinarizer) {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 1);
  onnx::NodeProto* imputer = AddNode(&model, "Imputer", {"X"}, {"filled"}, "imputer", true);
  SetFloats(imputer, "imputed_value_floats", {1.5f});
  SetFloat(imputer, "replaced_value_float", std::numeric_limits<float>::quiet_NaN());
  onnx::NodeProto* binarizer = AddNode(&model, "Binarizer", {"filled"}, {"flag"}, "binarizer", true);
  SetFloat(binarizer, "threshold", 1.0f);
  onnx::NodeProto* ols = AddNode(&model, "LinearRegressor", {"flag"}, {"y"}, "ols", true);
  SetFloats(ols, "coefficients", {3.0f});
  AddOutput(&model, "y");
  Result<Pipeline> result = Import(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_DOUBLE_EQ(Score(*result, {""})[0], 3.0);    // imputed 1.5 > 1
  EXPECT_DOUBLE_EQ(Score(*result, {"0.5"})[0], 0.0);
  EXPECT_DOUBLE_EQ(Score(*result, {"2"})[0], 3.0);
}

TEST(OnnxImport, NormalizerAsOnnxruntime) {
  for (const std::string norm : {"MAX", "L1", "L2"}) {
    onnx::ModelProto model = NewModel();
    AddInput(&model, "X", 2);
    onnx::NodeProto* normalizer = AddNode(&model, "Normalizer", {"X"}, {"n"}, "normalizer", true);
    SetString(normalizer, "norm", norm);
    // Column 1 only: a GLM's 0 * missing would be missing.
    onnx::TensorProto* index = model.mutable_graph()->add_initializer();
    index->set_name("index");
    index->set_data_type(onnx::TensorProto::INT64);
    index->add_dims(1);
    index->add_int64_data(1);
    AddNode(&model, "ArrayFeatureExtractor", {"n", "index"}, {"second"}, "pick", true);
    onnx::NodeProto* ols = AddNode(&model, "LinearRegressor", {"second"}, {"y"}, "ols", true);
    SetFloats(ols, "coefficients", {1.0f});
    AddOutput(&model, "y");
    Result<Pipeline> result = Import(model);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    // A zero norm leaves the row as it is (onnxruntime: [0, -1] stays).
    EXPECT_DOUBLE_EQ(Score(*result, {"0", "-1"})[0], -1.0) << norm;
    EXPECT_DOUBLE_EQ(Score(*result, {"-3", "-4"})[0],
                     norm == "MAX" ? static_cast<double>(-4.0f / -3.0f) : norm == "L1" ? static_cast<double>(-4.0f / 7.0f)
                                                                                      : static_cast<double>(-0.8f))
        << norm;
    // The row maximum skips a missing value; sums do not.
    const std::vector<double> with_missing = Score(*result, {"", "2"});
    if (norm == "MAX") {
      EXPECT_DOUBLE_EQ(with_missing[0], 1.0);
    } else {
      EXPECT_TRUE(std::isnan(with_missing[0])) << norm;
    }
  }
}

// color (string) -> OneHotEncoder -> Reshape [-1, 3] ; size (string) ->
// CategoryMapper -> Cast -> Concat -> LinearRegressor.
onnx::ModelProto CategoricalModel() {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "color", 1, onnx::TensorProto::STRING);
  AddInput(&model, "size", 1, onnx::TensorProto::STRING);
  onnx::NodeProto* onehot = AddNode(&model, "OneHotEncoder", {"color"}, {"color_onehot"}, "onehot", true);
  SetStrings(onehot, "cats_strings", {"red", "green", "blue"});
  onnx::TensorProto* shape = model.mutable_graph()->add_initializer();
  shape->set_name("shape");
  shape->set_data_type(onnx::TensorProto::INT64);
  shape->add_dims(2);
  shape->add_int64_data(-1);
  shape->add_int64_data(3);
  AddNode(&model, "Reshape", {"color_onehot", "shape"}, {"color_flat"}, "reshape");
  onnx::NodeProto* mapper = AddNode(&model, "CategoryMapper", {"size"}, {"size_code"}, "size_map", true);
  SetStrings(mapper, "cats_strings", {"S", "M", "L"});
  SetInts(mapper, "cats_int64s", {10, 20, 30});
  SetInt(mapper, "default_int64", -5);
  onnx::NodeProto* cast = AddNode(&model, "Cast", {"size_code"}, {"size_float"}, "cast");
  SetInt(cast, "to", onnx::TensorProto::FLOAT);
  onnx::NodeProto* concat = AddNode(&model, "Concat", {"color_flat", "size_float"}, {"joined"}, "concat");
  SetInt(concat, "axis", 1);
  onnx::NodeProto* ols = AddNode(&model, "LinearRegressor", {"joined"}, {"y"}, "ols", true);
  SetFloats(ols, "coefficients", {1, 2, 4, 100});
  AddOutput(&model, "y");
  return model;
}

TEST(OnnxImport, StringColumnsThroughEncoders) {
  Result<Pipeline> result = Import(CategoricalModel());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->inputs[0].type, FieldType::kCategory);
  EXPECT_EQ(result->features,
            (std::vector<std::string>{"color_onehot=red", "color_onehot=green", "color_onehot=blue", "size_float"}));
  EXPECT_DOUBLE_EQ(Score(*result, {"green", "M"})[0], 2.0 + 2000.0);
  // Unknown and empty strings: no one-hot column set, the mapper's default.
  EXPECT_DOUBLE_EQ(Score(*result, {"purple", "XL"})[0], -500.0);
  EXPECT_DOUBLE_EQ(Score(*result, {"", ""})[0], -500.0);
  // zeros=0: onnxruntime fails on an unknown category; so does the row.
  onnx::ModelProto strict = CategoricalModel();
  SetInt(NodeOf(&strict, 0), "zeros", 0);
  Result<Pipeline> strict_result = Import(strict);
  ASSERT_TRUE(strict_result.ok()) << strict_result.status().ToString();
  EXPECT_FALSE(reference::ScoreRow(*strict_result, {RawValue::Text("purple"), RawValue::Text("S")}).ok());
}

TEST(OnnxImport, LabelEncoderOrdinalAndChains) {
  for (const bool ordinal : {true, false}) {
    onnx::ModelProto model = NewModel();
    AddInput(&model, "c", 1, onnx::TensorProto::STRING);
    onnx::NodeProto* encoder = AddNode(&model, "LabelEncoder", {"c"}, {"code"}, "encoder", true);
    SetStrings(encoder, "keys_strings", {"a", "it's"});
    SetFloats(encoder, "values_floats", ordinal ? std::vector<float>{0, 1} : std::vector<float>{2.5f, -1});
    SetFloat(encoder, "default_float", 7);
    onnx::NodeProto* ols = AddNode(&model, "LinearRegressor", {"code"}, {"y"}, "ols", true);
    SetFloats(ols, "coefficients", {1});
    AddOutput(&model, "y");
    Result<Pipeline> result = Import(model);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_DOUBLE_EQ(Score(*result, {"it's"})[0], ordinal ? 1.0 : -1.0);
    EXPECT_DOUBLE_EQ(Score(*result, {"zzz"})[0], 7.0);
    EXPECT_EQ(std::holds_alternative<OrdinalTransform>(result->transforms[0]), ordinal);
  }
}

TEST(OnnxImport, RefusesEncodersItCannotLower) {
  onnx::ModelProto model = CategoricalModel();
  AttrOf(NodeOf(&model, 0), "cats_strings")->set_strings(1, "red");
  ExpectError(Import(model), StatusCode::kInvalidArgument, "node 'onehot' (OneHotEncoder): category 'red' is repeated");
  model = CategoricalModel();
  NodeOf(&model, 0)->set_input(0, "size_code");
  ExpectError(Import(model), StatusCode::kInvalidArgument, "input 'size_code' is not defined before this node");
  model = CategoricalModel();
  AttrOf(NodeOf(&model, 2), "cats_int64s")->add_ints(40);
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "node 'size_map' (CategoryMapper): cats_strings and cats_int64s differ in length");
  // A string column cannot feed arithmetic.
  model = CategoricalModel();
  NodeOf(&model, 3)->set_input(0, "size");
  ExpectError(Import(model), StatusCode::kUnimplemented, "node 'cast' (Cast)");
}

TEST(OnnxImport, LooksLikeOnnx) {
  EXPECT_TRUE(LooksLikeOnnx(LinearRegressorModel().SerializeAsString()));
  EXPECT_FALSE(LooksLikeOnnx(""));
  EXPECT_FALSE(LooksLikeOnnx("{\"format_version\": 1}"));
  EXPECT_FALSE(LooksLikeOnnx("<?xml version=\"1.0\"?><PMML/>"));
  onnx::ModelProto no_graph;
  no_graph.set_ir_version(8);
  EXPECT_FALSE(LooksLikeOnnx(no_graph.SerializeAsString()));
  const std::string bytes = LinearRegressorModel().SerializeAsString();
  EXPECT_FALSE(LooksLikeOnnx(bytes.substr(0, bytes.size() - 3)));  // truncated
}

// ---------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------

TEST(OnnxImport, RefusesOversizedAndMalformedBytes) {
  OnnxImportOptions options;
  options.max_bytes = 10;
  ExpectError(Import(LinearRegressorModel(), options), StatusCode::kResourceExhausted, "more than the limit");
  ExpectError(ImportOnnx("\xff\xff\xff\xff not protobuf", {}), StatusCode::kInvalidArgument, "cannot be parsed");
  onnx::ModelProto no_graph;
  no_graph.set_ir_version(8);
  ExpectError(ImportOnnx(no_graph.SerializeAsString(), {}), StatusCode::kInvalidArgument, "no graph");
}

TEST(OnnxImport, RefusesUnsupportedOperatorsNamingTheNode) {
  onnx::ModelProto model = LinearRegressorModel();
  NodeOf(&model)->set_op_type("DictVectorizer");
  ExpectError(Import(model), StatusCode::kUnimplemented, "node 'ols' (DictVectorizer): operator DictVectorizer");
  NodeOf(&model)->set_op_type("Frobnicate");
  ExpectError(Import(model), StatusCode::kUnimplemented, "node 'ols' (Frobnicate): operator 'Frobnicate'");
  NodeOf(&model)->set_op_type("LinearRegressor");
  NodeOf(&model)->set_domain("com.example");
  ExpectError(Import(model), StatusCode::kUnimplemented, "domain 'com.example'");
}

TEST(OnnxImport, RefusesUnsupportedOpsets) {
  onnx::ModelProto model = LinearRegressorModel();
  model.mutable_opset_import(1)->set_version(9);
  ExpectError(Import(model), StatusCode::kUnimplemented, "opset ai.onnx.ml 9 is not supported");
  model = LinearRegressorModel();
  model.mutable_opset_import(0)->set_version(3);
  ExpectError(Import(model), StatusCode::kUnimplemented, "opset ai.onnx 3 is not supported");
}

TEST(OnnxImport, RefusesSubgraphs) {
  onnx::ModelProto model = LinearRegressorModel();
  onnx::NodeProto* node = AddNode(&model, "If", {"cond"}, {"z"}, "branch");
  onnx::AttributeProto* attr = NewAttr(node, "then_branch", onnx::AttributeProto::GRAPH);
  attr->mutable_g()->set_name("then");
  ExpectError(Import(model), StatusCode::kUnimplemented, "node 'branch' (If): subgraphs and control flow");
}

TEST(OnnxImport, RefusesUndefinedTensorsAndShapeMismatches) {
  onnx::ModelProto model = LinearRegressorModel();
  NodeOf(&model)->set_input(0, "nope");
  ExpectError(Import(model), StatusCode::kInvalidArgument, "node 'ols' (LinearRegressor): input 'nope' is not defined");
  model = LinearRegressorModel();
  AttrOf(NodeOf(&model), "coefficients")->clear_floats();
  AttrOf(NodeOf(&model), "coefficients")->add_floats(1.0f);
  ExpectError(Import(model), StatusCode::kInvalidArgument, "1 coefficients for 2 columns");
  model = NewModel();
  AddInput(&model, "X", 3);
  AddInitializer(&model, "W", {2, 1}, {1, 1});
  AddNode(&model, "MatMul", {"X", "W"}, {"y"}, "mm");
  AddOutput(&model, "y");
  ExpectError(Import(model), StatusCode::kInvalidArgument, "node 'mm' (MatMul): B is [2, 1] but A has 3 columns");
}

TEST(OnnxImport, RefusesWhatTheIrCannotExpress) {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 2);
  AddInitializer(&model, "W", {2, 2}, {1, 0, 0, 1});
  onnx::NodeProto* gemm = AddNode(&model, "Gemm", {"X", "W"}, {"y"}, "dense");
  SetInt(gemm, "transA", 1);
  AddOutput(&model, "y");
  ExpectError(Import(model), StatusCode::kUnimplemented, "node 'dense' (Gemm): transA=1");

  model = OneSplitTree("BRANCH_LEQ", std::numeric_limits<float>::max(), 0);
  ExpectError(Import(model), StatusCode::kUnimplemented, "(the largest float) with mode BRANCH_LEQ");
  model = OneSplitTree("BRANCH_LEQ", 0.5f, 0);
  SetString(NodeOf(&model), "aggregate_function", "MAX");
  ExpectError(Import(model), StatusCode::kUnimplemented, "aggregate_function MAX");

  model = NewModel();
  AddInput(&model, "X", 2);
  onnx::NodeProto* logreg = AddNode(&model, "LinearClassifier", {"X"}, {"label", "p"}, "logreg", true);
  SetFloats(logreg, "coefficients", {1, 2});
  SetInts(logreg, "classlabels_ints", {0, 1});
  SetString(logreg, "post_transform", "NONE");
  AddOutput(&model, "label");
  ExpectError(Import(model), StatusCode::kUnimplemented, "node 'logreg' (LinearClassifier): a binary classifier");
}

TEST(OnnxImport, RefusesAnArgMaxThatWouldNameAnotherLabel) {
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 2);
  onnx::NodeProto* logreg = AddNode(&model, "LinearClassifier", {"X"}, {"label", "p"}, "logreg", true);
  SetFloats(logreg, "coefficients", {1, 2, 3, 4});
  SetStrings(logreg, "classlabels_strings", {"no", "yes"});
  SetString(logreg, "post_transform", "SOFTMAX");
  onnx::NodeProto* argmax = AddNode(&model, "ArgMax", {"p"}, {"index"}, "argmax");
  SetInt(argmax, "axis", 1);
  AddOutput(&model, "index");
  ExpectError(Import(model), StatusCode::kUnimplemented, "node 'argmax' (ArgMax): the arg max is a class index");
}

TEST(OnnxImport, RefusesShapesThatAreNotRowByRow) {
  // [N] into an estimator: onnxruntime reads it as one row.
  onnx::ModelProto model = NewModel();
  onnx::ValueInfoProto* input = model.mutable_graph()->add_input();
  input->set_name("x");
  input->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  input->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("N");
  AddInput(&model, "Y", 2);
  onnx::NodeProto* ols = AddNode(&model, "LinearRegressor", {"x"}, {"y"}, "ols", true);
  SetFloats(ols, "coefficients", {1});
  AddOutput(&model, "y");
  ExpectError(Import(model), StatusCode::kUnimplemented, "node 'ols' (LinearRegressor): the input must be of shape [N,k]");
  // [N] + [N,2] broadcasts the trailing axes, not row by row.
  NodeOf(&model)->set_op_type("Add");
  NodeOf(&model)->set_domain("");
  NodeOf(&model)->clear_attribute();
  NodeOf(&model)->add_input("Y");
  ExpectError(Import(model), StatusCode::kUnimplemented, "node 'ols' (Add): per-row operands of different ranks");
}

// TreeEnsemble (ai.onnx.ml opset 5): node 0 splits feature 0 at 0.5 with
// `mode`; its true child is leaf 0 (10), its false child leaf 1 (20).
onnx::ModelProto TreeEnsembleV5(int mode) {
  onnx::ModelProto model = NewModel(13, 5);
  AddInput(&model, "X", 1);
  onnx::NodeProto* node = AddNode(&model, "TreeEnsemble", {"X"}, {"y"}, "trees", true);
  SetInt(node, "n_targets", 1);
  SetInts(node, "tree_roots", {0});
  SetInts(node, "nodes_featureids", {0});
  onnx::AttributeProto* splits = NewAttr(node, "nodes_splits", onnx::AttributeProto::TENSOR);
  splits->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  splits->mutable_t()->add_dims(1);
  splits->mutable_t()->add_float_data(0.5f);
  onnx::AttributeProto* modes = NewAttr(node, "nodes_modes", onnx::AttributeProto::TENSOR);
  modes->mutable_t()->set_data_type(onnx::TensorProto::UINT8);
  modes->mutable_t()->add_dims(1);
  modes->mutable_t()->add_int32_data(mode);
  SetInts(node, "nodes_truenodeids", {0});
  SetInts(node, "nodes_trueleafs", {1});
  SetInts(node, "nodes_falsenodeids", {1});
  SetInts(node, "nodes_falseleafs", {1});
  SetInts(node, "leaf_targetids", {0, 0});
  onnx::AttributeProto* weights = NewAttr(node, "leaf_weights", onnx::AttributeProto::TENSOR);
  weights->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  weights->mutable_t()->add_dims(2);
  weights->mutable_t()->add_float_data(10);
  weights->mutable_t()->add_float_data(20);
  AddOutput(&model, "y");
  return model;
}

TEST(OnnxImport, TreeEnsembleOpset5) {
  // mode: at x == 0.5, below (0.25)
  const double expected[6][2] = {{10, 10}, {20, 10}, {10, 20}, {20, 20}, {10, 20}, {20, 10}};
  for (int mode = 0; mode < 6; ++mode) {
    Result<Pipeline> result = Import(TreeEnsembleV5(mode));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_DOUBLE_EQ(Score(*result, {"0.5"})[0], expected[mode][0]) << mode;
    EXPECT_DOUBLE_EQ(Score(*result, {"0.25"})[0], expected[mode][1]) << mode;
  }
  ExpectError(Import(TreeEnsembleV5(6)), StatusCode::kUnimplemented, "tree 0, node 0: mode MEMBER is not supported");
  ExpectError(Import(TreeEnsembleV5(9)), StatusCode::kInvalidArgument, "unknown mode 9");
  onnx::ModelProto model = TreeEnsembleV5(0);
  AttrOf(NodeOf(&model), "nodes_falsenodeids")->set_ints(0, 5);
  ExpectError(Import(model), StatusCode::kInvalidArgument, "tree 0, node 0: leaf 5 is out of range (2 leaves)");
  model = TreeEnsembleV5(0);
  AttrOf(NodeOf(&model), "nodes_trueleafs")->set_ints(0, 0);  // node 0 is its own child
  ExpectError(Import(model), StatusCode::kInvalidArgument, "is reached twice");
  model = TreeEnsembleV5(0);
  AttrOf(NodeOf(&model), "tree_roots")->set_ints(0, 3);
  ExpectError(Import(model), StatusCode::kInvalidArgument, "tree 0: root 3 is out of range");
  // The opset 5 operator only exists in ai.onnx.ml 5.
  model = TreeEnsembleV5(0);
  model.mutable_opset_import(1)->set_version(3);
  ExpectError(Import(model), StatusCode::kUnimplemented, "opset 3 of ai.onnx.ml is not supported for this operator");
}

TEST(OnnxImport, RefusesMalformedTrees) {
  onnx::ModelProto model = OneSplitTree("BRANCH_LEQ", 0.5f, 0);
  AttrOf(NodeOf(&model), "nodes_featureids")->set_ints(0, 3);
  ExpectError(Import(model), StatusCode::kInvalidArgument,
              "node 'trees' (TreeEnsembleRegressor): tree 0, node 0: feature id 3 is out of range (1 columns)");
  model = OneSplitTree("BRANCH_LEQ", 0.5f, 0);
  AttrOf(NodeOf(&model), "nodes_truenodeids")->set_ints(0, 0);  // back to the root
  ExpectError(Import(model), StatusCode::kInvalidArgument, "is reached twice");
  model = OneSplitTree("BRANCH_LEQ", 0.5f, 0);
  AttrOf(NodeOf(&model), "nodes_falsenodeids")->set_ints(0, 1);  // both children the same node
  ExpectError(Import(model), StatusCode::kInvalidArgument, "is reached twice");
  model = OneSplitTree("BRANCH_LEQ", 0.5f, 0);
  AttrOf(NodeOf(&model), "nodes_falsenodeids")->set_ints(0, 7);
  ExpectError(Import(model), StatusCode::kInvalidArgument, "child node id 7 does not exist");
  model = OneSplitTree("BRANCH_LEQ", 0.5f, 0);
  AttrOf(NodeOf(&model), "target_nodeids")->set_ints(0, 0);
  ExpectError(Import(model), StatusCode::kInvalidArgument, "tree 0, node 0 is not a leaf");
  model = OneSplitTree("BRANCH_LEQ", 0.5f, 0);
  AttrOf(NodeOf(&model), "nodes_modes")->set_strings(0, "BRANCH_SOMETIMES");
  ExpectError(Import(model), StatusCode::kInvalidArgument, "unknown mode 'BRANCH_SOMETIMES'");
  model = OneSplitTree("BRANCH_LEQ", 0.5f, 0);
  AttrOf(NodeOf(&model), "nodes_values")->set_floats(0, std::numeric_limits<float>::quiet_NaN());
  ExpectError(Import(model), StatusCode::kUnimplemented, "tree 0, node 0: threshold NaN is not finite");
  model = OneSplitTree("BRANCH_LEQ", 0.5f, 0);
  AttrOf(NodeOf(&model), "nodes_modes")->add_strings("LEAF");
  ExpectError(Import(model), StatusCode::kInvalidArgument, "nodes_modes has 4 entries");
}

TEST(OnnxImport, RefusesModelsBeyondTheLimits) {
  OnnxImportOptions options;
  options.max_tree_nodes = 2;
  ExpectError(Import(OneSplitTree("BRANCH_LEQ", 0.5f, 0), options), StatusCode::kResourceExhausted, "tree nodes");
  options = {};
  options.max_graph_nodes = 0;
  ExpectError(Import(LinearRegressorModel(), options), StatusCode::kResourceExhausted, "nodes");
  options = {};
  options.max_columns = 1;
  ExpectError(Import(LinearRegressorModel(), options), StatusCode::kResourceExhausted, "columns");
  {
    // A chain of Identity nodes over a wide tensor.
    onnx::ModelProto chain = NewModel();
    AddInput(&chain, "X", 1000);
    std::string previous = "X";
    for (int i = 0; i < 50; ++i) {
      const std::string next = std::string("t").append(std::to_string(i));
      AddNode(&chain, "Identity", {previous}, {next}, std::string("id").append(std::to_string(i)));
      previous = next;
    }
    AddOutput(&chain, previous);
    options = {};
    options.max_tensor_columns = 20'000;
    ExpectError(Import(chain, options), StatusCode::kResourceExhausted, "node 'id20' (Identity): the graph's tensors");
  }
  onnx::ModelProto model = NewModel();
  AddInput(&model, "X", 100);
  AddInitializer(&model, "W", {100, 100}, std::vector<float>(10000, 1.0f));
  AddNode(&model, "MatMul", {"X", "W"}, {"y"}, "mm");
  AddOutput(&model, "y");
  options = {};
  options.max_expression_terms = 5000;
  ExpectError(Import(model, options), StatusCode::kResourceExhausted, "node 'mm' (MatMul): the graph's expressions");
  options = {};
  options.max_constant_elements = 100;
  ExpectError(Import(model, options), StatusCode::kResourceExhausted, "initializer 'W'");
}

// ---------------------------------------------------------------------------
// External data
// ---------------------------------------------------------------------------

class OnnxExternalDataTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("podium_onnx_test_" + std::to_string(::getpid()) + "_" +
             testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "model");
    std::filesystem::create_directories(root_ / "outside");
    const float weights[2] = {2.0f, -0.5f};
    for (const auto& path : {root_ / "model" / "weights.bin", root_ / "outside" / "weights.bin"}) {
      std::ofstream out(path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(weights), sizeof weights);
    }
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // X [N,2] @ W (external, [2,1]) -> y.
  static onnx::ModelProto Model(const std::string& location) {
    onnx::ModelProto model = NewModel();
    AddInput(&model, "X", 2);
    onnx::TensorProto* w = AddInitializer(&model, "W", {2, 1}, {});
    w->set_data_location(onnx::TensorProto::EXTERNAL);
    onnx::StringStringEntryProto* entry = w->add_external_data();
    entry->set_key("location");
    entry->set_value(location);
    AddNode(&model, "MatMul", {"X", "W"}, {"y"}, "mm");
    AddOutput(&model, "y");
    return model;
  }
  OnnxImportOptions Options() const {
    OnnxImportOptions options;
    options.model_folder = (root_ / "model").string();
    return options;
  }

  std::filesystem::path root_;
};

TEST_F(OnnxExternalDataTest, ReadsDataInsideTheModelFolder) {
  Result<Pipeline> result = Import(Model("weights.bin"), Options());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_DOUBLE_EQ(Score(*result, {"3", "2"})[0], 6.0 - 1.0);
}

TEST_F(OnnxExternalDataTest, RefusedWithoutAModelFolder) {
  ExpectError(Import(Model("weights.bin")), StatusCode::kPermissionDenied,
              "initializer 'W': its data is in an external file ('weights.bin')");
}

TEST_F(OnnxExternalDataTest, RefusesAbsolutePaths) {
  ExpectError(Import(Model((root_ / "outside" / "weights.bin").string()), Options()),
              StatusCode::kPermissionDenied, "is an absolute path");
}

TEST_F(OnnxExternalDataTest, RefusesDotDot) {
  ExpectError(Import(Model("../outside/weights.bin"), Options()), StatusCode::kPermissionDenied, "contains '..'");
  ExpectError(Import(Model("sub/../../outside/weights.bin"), Options()), StatusCode::kPermissionDenied,
              "contains '..'");
}

TEST_F(OnnxExternalDataTest, RefusesSymbolicLinksOut) {
  std::filesystem::create_symlink(root_ / "outside" / "weights.bin", root_ / "model" / "link.bin");
  std::filesystem::create_directory_symlink(root_ / "outside", root_ / "model" / "dir");
  ExpectError(Import(Model("link.bin"), Options()), StatusCode::kPermissionDenied, "resolves outside");
  ExpectError(Import(Model("dir/weights.bin"), Options()), StatusCode::kPermissionDenied, "resolves outside");
  // A link that stays inside the folder is fine.
  std::filesystem::create_symlink(root_ / "model" / "weights.bin", root_ / "model" / "inside.bin");
  EXPECT_TRUE(Import(Model("inside.bin"), Options()).ok());
}

TEST_F(OnnxExternalDataTest, RefusesMissingAndShortFiles) {
  ExpectError(Import(Model("nope.bin"), Options()), StatusCode::kInvalidArgument, "cannot be opened");
  {
    std::ofstream out(root_ / "model" / "short.bin", std::ios::binary);
    out << "abc";
  }
  ExpectError(Import(Model("short.bin"), Options()), StatusCode::kInvalidArgument, "is too short");
}

}  // namespace
}  // namespace podium
