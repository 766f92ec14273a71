// NeuralNetwork import (formats/pmml_neural_network.cc): activations,
// normalisations, NeuralInputs and NeuralOutputs, missing inputs, refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "formats/pmml_test_util.h"

namespace podium {
namespace {

using pmml_testing::ExpectError;
using pmml_testing::Import;
using pmml_testing::Score;
using pmml_testing::ScoreValue;

// Inputs x (number), s (category u/v) and the target y; the model starts on
// line 6, NeuralInputs on line 8, the layers from line 9, one per line.
std::string NetDoc(const std::string& attributes, const std::vector<std::string>& layers, const std::string& outputs,
                   bool classification = false) {
  const std::string fields =
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
      "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\"><Value value=\"u\"/><Value value=\"v\"/>"
      "</DataField>" +
      std::string(classification
                      ? "<DataField name=\"y\" optype=\"categorical\" dataType=\"string\"><Value value=\"a\"/>"
                        "<Value value=\"b\"/></DataField>"
                      : "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>");
  std::string body = "<NeuralNetwork functionName=\"" + std::string(classification ? "classification" : "regression") +
                     "\" " + attributes + ">\n"
                     "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"s\"/>"
                     "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n"
                     "<NeuralInputs><NeuralInput id=\"i1\"><DerivedField name=\"nx\" optype=\"continuous\" "
                     "dataType=\"double\"><NormContinuous field=\"x\"><LinearNorm orig=\"0\" norm=\"-1\"/>"
                     "<LinearNorm orig=\"10\" norm=\"1\"/></NormContinuous></DerivedField></NeuralInput>"
                     "<NeuralInput id=\"i2\"><DerivedField name=\"su\" optype=\"continuous\" dataType=\"double\">"
                     "<NormDiscrete field=\"s\" value=\"u\"/></DerivedField></NeuralInput></NeuralInputs>\n";
  for (const std::string& layer : layers) body += layer + "\n";
  body += outputs + "\n</NeuralNetwork>\n";
  return pmml_testing::Doc(fields, body);
}

std::string Identity(const std::string& field = "y") {
  return "<NeuralOutputs><NeuralOutput outputNeuron=\"o\"><DerivedField optype=\"continuous\" dataType=\"double\">"
         "<FieldRef field=\"" + field + "\"/></DerivedField></NeuralOutput></NeuralOutputs>";
}

std::string Classes() {
  return "<NeuralOutputs><NeuralOutput outputNeuron=\"oa\"><DerivedField optype=\"categorical\" dataType=\"string\">"
         "<NormDiscrete field=\"y\" value=\"a\"/></DerivedField></NeuralOutput>"
         "<NeuralOutput outputNeuron=\"ob\"><DerivedField optype=\"categorical\" dataType=\"string\">"
         "<NormDiscrete field=\"y\" value=\"b\"/></DerivedField></NeuralOutput></NeuralOutputs>";
}

// One hidden neuron h = f(0.5 + 2 nx - su) and the output y = 1 + 3 h.
std::string OneHidden(const std::string& activation) {
  return NetDoc("activationFunction=\"identity\"",
                {"<NeuralLayer activationFunction=\"" + activation + "\" threshold=\"0.25\"><Neuron id=\"h\" "
                 "bias=\"0.5\"><Con from=\"i1\" weight=\"2\"/><Con from=\"i2\" weight=\"-1\"/></Neuron></NeuralLayer>",
                 "<NeuralLayer><Neuron id=\"o\" bias=\"1\"><Con from=\"h\" weight=\"3\"/></Neuron></NeuralLayer>"},
                Identity());
}

double Nx(double x) { return -1 + x / 5; }

TEST(PmmlNeuralNetwork, ActivationFunctions) {
  struct Case {
    std::string name;
    double (*f)(double);
  };
  const std::vector<Case> cases = {
      {"identity", [](double z) { return z; }},
      {"logistic", [](double z) { return 1 / (1 + std::exp(-z)); }},
      {"tanh", [](double z) { return std::tanh(z); }},
      {"exponential", [](double z) { return std::exp(z); }},
      {"reciprocal", [](double z) { return 1 / z; }},
      {"square", [](double z) { return z * z; }},
      {"Gauss", [](double z) { return std::exp(-z * z); }},
      {"Elliott", [](double z) { return z / (1 + std::fabs(z)); }},
      {"rectifier", [](double z) { return std::max(0.0, z); }},
      {"threshold", [](double z) { return z > 0.25 ? 1.0 : 0.0; }},
      {"sine", [](double z) { return std::sin(z); }},
      {"cosine", [](double z) { return std::cos(z); }},
      {"arctan", [](double z) { return 2 * std::atan(z) / 3.141592653589793; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Pipeline> pipeline = Import(OneHidden(c.name));
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    for (double x : {0.0, 1.0, 2.5, 7.0, 10.0}) {
      for (const char* s : {"u", "v"}) {
        const double z = 0.5 + 2 * Nx(x) - (s[0] == 'u' ? 1 : 0);
        const double want = 1 + 3 * c.f(z);
        EXPECT_NEAR(ScoreValue(*pipeline, {{"x", std::to_string(x)}, {"s", s}}), want, 1e-12 * (1 + std::fabs(want)))
            << "x=" << x << " s=" << s;
      }
    }
    // A missing input makes the prediction missing, whatever the activation.
    EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"s", "u"}})));
    EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"x", "1"}})));
  }
  // The logistic of a very negative z is 0, not missing.
  Result<Pipeline> logistic = Import(OneHidden("logistic"));
  ASSERT_TRUE(logistic.ok());
  EXPECT_NEAR(ScoreValue(*logistic, {{"x", "-5000"}, {"s", "u"}}), 1.0, 1e-15);
}

// PMML's radial basis neuron: Z = Σ (value − weight)² / (2 width²) and the
// value exp(fanIn · ln(altitude) − Z); the bias plays no part. Width and
// altitude come from the Neuron, else its NeuralLayer, else the network.
TEST(PmmlNeuralNetwork, RadialBasisNeurons) {
  const std::string doc = NetDoc(
      "activationFunction=\"identity\" width=\"3\"",
      {"<NeuralLayer activationFunction=\"radialBasis\" altitude=\"1.5\"><Neuron id=\"h1\" bias=\"9\">"
       "<Con from=\"i1\" weight=\"0.5\"/><Con from=\"i2\" weight=\"-1\"/></Neuron>"
       "<Neuron id=\"h2\" width=\"0.8\" altitude=\"0.5\"><Con from=\"i1\" weight=\"-0.25\"/></Neuron></NeuralLayer>",
       "<NeuralLayer><Neuron id=\"o\" bias=\"0.1\"><Con from=\"h1\" weight=\"2\"/><Con from=\"h2\" "
       "weight=\"-3\"/></Neuron></NeuralLayer>"},
      Identity());
  Result<Pipeline> pipeline = Import(doc);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  for (double x : {0.0, 2.0, 3.75, 9.0}) {
    for (const char* s : {"u", "v"}) {
      const double su = s[0] == 'u' ? 1 : 0;
      const double z1 = ((Nx(x) - 0.5) * (Nx(x) - 0.5) + (su + 1) * (su + 1)) / (2 * 3 * 3);
      const double h1 = std::exp(2 * std::log(1.5) - z1);
      const double z2 = (Nx(x) + 0.25) * (Nx(x) + 0.25) / (2 * 0.8 * 0.8);
      const double h2 = std::exp(1 * std::log(0.5) - z2);
      const double want = 0.1 + 2 * h1 - 3 * h2;
      EXPECT_NEAR(ScoreValue(*pipeline, {{"x", std::to_string(x)}, {"s", s}}), want, 1e-12 * (1 + std::fabs(want)))
          << "x=" << x << " s=" << s;
    }
  }
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"s", "u"}})));
  // x = 7.5 puts nx = 0.5 on h1's first weight: h1 = 1.5² e^(−(0 + 2²) / 18).
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "7.5"}, {"s", "u"}}),
              0.1 + 2 * 2.25 * std::exp(-(0.0 + 4) / 18) - 3 * 0.5 * std::exp(-(0.75 * 0.75) / 1.28), 1e-12);
}

TEST(PmmlNeuralNetwork, RegressionFoldsDenormalisationAndTargets) {
  const std::string doc =
      NetDoc("activationFunction=\"tanh\"",
             {"<NeuralLayer><Neuron id=\"h1\" bias=\"0.1\"><Con from=\"i1\" weight=\"0.7\"/><Con from=\"i2\" "
              "weight=\"0.3\"/></Neuron><Neuron id=\"h2\" bias=\"-0.2\"><Con from=\"i1\" weight=\"-1.1\"/></Neuron>"
              "</NeuralLayer>",
              "<NeuralLayer activationFunction=\"identity\"><Neuron id=\"o\" bias=\"0.05\"><Con from=\"h1\" "
              "weight=\"1.5\"/><Con from=\"h2\" weight=\"-0.5\"/></Neuron></NeuralLayer>"},
             "<NeuralOutputs><NeuralOutput outputNeuron=\"o\"><DerivedField optype=\"continuous\" "
             "dataType=\"double\"><NormContinuous field=\"y\"><LinearNorm orig=\"100\" norm=\"0\"/>"
             "<LinearNorm orig=\"300\" norm=\"1\"/></NormContinuous></DerivedField></NeuralOutput></NeuralOutputs>");
  Result<Pipeline> pipeline = Import(doc);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  // The output layer is the GLM itself.
  const auto* glm = std::get_if<GlmModel>(&pipeline->model.body);
  ASSERT_NE(glm, nullptr);
  EXPECT_EQ(glm->family, GlmFamily::kGaussian);
  for (double x : {-3.0, 0.0, 4.0, 12.5}) {
    const double h1 = std::tanh(0.1 + 0.7 * Nx(x) + 0.3);
    const double h2 = std::tanh(-0.2 - 1.1 * Nx(x));
    const double o = 0.05 + 1.5 * h1 - 0.5 * h2;
    const double want = 100 + o * 200;
    EXPECT_NEAR(ScoreValue(*pipeline, {{"x", std::to_string(x)}, {"s", "u"}}), want, 1e-9 * std::fabs(want));
  }
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"x", "1"}})));

  // A non-identity output activation goes through a derived column.
  std::string logistic = doc;
  const std::string identity = "activationFunction=\"identity\"";
  logistic.replace(logistic.find(identity), identity.size(), "activationFunction=\"logistic\"");
  Result<Pipeline> derived = Import(logistic);
  ASSERT_TRUE(derived.ok()) << derived.status().ToString();
  const double h1 = std::tanh(0.1 + 0.7 * Nx(2) + 0.3);
  const double h2 = std::tanh(-0.2 - 1.1 * Nx(2));
  const double o = 1 / (1 + std::exp(-(0.05 + 1.5 * h1 - 0.5 * h2)));
  EXPECT_NEAR(ScoreValue(*derived, {{"x", "2"}, {"s", "u"}}), 100 + 200 * o, 1e-12);
}

TEST(PmmlNeuralNetwork, SoftmaxClassifierIsAMultinomialGlm) {
  Result<Pipeline> pipeline =
      Import(NetDoc("activationFunction=\"logistic\"",
                    {"<NeuralLayer><Neuron id=\"h\" bias=\"0.2\"><Con from=\"i1\" weight=\"1.3\"/><Con from=\"i2\" "
                     "weight=\"-0.4\"/></Neuron></NeuralLayer>",
                     "<NeuralLayer activationFunction=\"identity\" normalizationMethod=\"softmax\"><Neuron id=\"oa\" "
                     "bias=\"0.5\"><Con from=\"h\" weight=\"2\"/></Neuron><Neuron id=\"ob\" bias=\"-0.5\"><Con "
                     "from=\"h\" weight=\"-1\"/></Neuron></NeuralLayer>"},
                    Classes(), true));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const auto* glm = std::get_if<GlmModel>(&pipeline->model.body);
  ASSERT_NE(glm, nullptr);
  EXPECT_EQ(glm->family, GlmFamily::kMultinomial);
  EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"a", "b"}));
  const double h = 1 / (1 + std::exp(-(0.2 + 1.3 * Nx(3) - 0.4)));
  const double ea = std::exp(0.5 + 2 * h);
  const double eb = std::exp(-0.5 - h);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "3"}, {"s", "u"}}, 0), ea / (ea + eb), 1e-14);
  Result<Prediction> missing = Score(*pipeline, {{"s", "u"}});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(std::isnan(missing->values[0]));
  EXPECT_EQ(missing->label, -1);
}

TEST(PmmlNeuralNetwork, SimplemaxAndSoftmaxOverActivations) {
  const std::string layer =
      "<Neuron id=\"oa\" bias=\"0.5\"><Con from=\"i1\" weight=\"2\"/></Neuron><Neuron id=\"ob\" bias=\"-0.5\">"
      "<Con from=\"i1\" weight=\"-1\"/><Con from=\"i2\" weight=\"1\"/></Neuron></NeuralLayer>";
  const double za = 0.5 + 2 * Nx(4);
  const double zb = -0.5 - Nx(4) + 1;
  {
    Result<Pipeline> pipeline = Import(NetDoc("activationFunction=\"exponential\" normalizationMethod=\"simplemax\"",
                                              {"<NeuralLayer>" + layer}, Classes(), true));
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "4"}, {"s", "u"}}, 0), std::exp(za) / (std::exp(za) + std::exp(zb)),
                1e-14);
  }
  {
    Result<Pipeline> pipeline = Import(NetDoc("activationFunction=\"rectifier\" normalizationMethod=\"simplemax\"",
                                              {"<NeuralLayer>" + layer}, Classes(), true));
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    // x = 6: za = 0.9, zb = 0.3: both positive.
    EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "6"}, {"s", "u"}}, 0), 0.75, 1e-14);
    // x = 8: zb < 0, so b has probability 0 and a 1.
    EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "8"}, {"s", "v"}}, 0), 1.0, 1e-15);
    EXPECT_EQ(ScoreValue(*pipeline, {{"x", "8"}, {"s", "v"}}, 1), 0.0);
  }
  {
    Result<Pipeline> pipeline = Import(NetDoc("activationFunction=\"tanh\" normalizationMethod=\"softmax\"",
                                              {"<NeuralLayer>" + layer}, Classes(), true));
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    const double a = std::exp(std::tanh(za));
    const double b = std::exp(std::tanh(zb));
    EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "4"}, {"s", "u"}}, 0), a / (a + b), 1e-14);
  }
}

TEST(PmmlNeuralNetwork, HiddenLayerNormalisation) {
  // A softmax hidden layer feeding an identity output.
  Result<Pipeline> pipeline = Import(NetDoc(
      "activationFunction=\"identity\"",
      {"<NeuralLayer normalizationMethod=\"softmax\"><Neuron id=\"h1\" bias=\"1\"><Con from=\"i1\" weight=\"2\"/>"
       "</Neuron><Neuron id=\"h2\"><Con from=\"i2\" weight=\"1\"/></Neuron></NeuralLayer>",
       "<NeuralLayer><Neuron id=\"o\"><Con from=\"h1\" weight=\"10\"/></Neuron></NeuralLayer>"},
      Identity()));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const double a = std::exp(1 + 2 * Nx(6));
  const double b = std::exp(1.0);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "6"}, {"s", "u"}}), 10 * a / (a + b), 1e-13);
}

TEST(PmmlNeuralNetwork, InputsThatFeedNoNeuronStillMakeThePredictionMissing) {
  Result<Pipeline> pipeline = Import(NetDoc(
      "activationFunction=\"identity\"",
      {"<NeuralLayer><Neuron id=\"o\" bias=\"2\"><Con from=\"i1\" weight=\"1\"/></Neuron></NeuralLayer>"}, Identity()));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "5"}, {"s", "v"}}), 2.0, 1e-15);
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"x", "5"}})));
}

TEST(PmmlNeuralNetwork, InputsMayUsePmml44Tanh) {
  std::string doc = NetDoc(
      "activationFunction=\"identity\"",
      {"<NeuralLayer><Neuron id=\"o\"><Con from=\"i1\" weight=\"1\"/><Con from=\"i2\" weight=\"0\"/></Neuron>"
       "</NeuralLayer>"},
      Identity());
  const std::string norm = "<NormContinuous field=\"x\"><LinearNorm orig=\"0\" norm=\"-1\"/><LinearNorm orig=\"10\" "
                           "norm=\"1\"/></NormContinuous>";
  doc.replace(doc.find(norm), norm.size(), "<Apply function=\"tanh\"><FieldRef field=\"x\"/></Apply>");
  Result<Pipeline> pipeline = Import(doc);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(ScoreValue(*pipeline, {{"x", "0.3"}, {"s", "u"}}), std::tanh(0.3));
}

TEST(PmmlNeuralNetwork, LongSumsContinueInOrder) {
  // 250 connections: the sum goes on in further columns, in Con order.
  std::string cons;
  for (int i = 0; i < 250; ++i) cons += "<Con from=\"i1\" weight=\"0.01\"/>";
  Result<Pipeline> pipeline = Import(NetDoc(
      "activationFunction=\"identity\"",
      {"<NeuralLayer activationFunction=\"logistic\"><Neuron id=\"h\" bias=\"0.5\">" + cons + "</Neuron></NeuralLayer>",
       "<NeuralLayer><Neuron id=\"o\"><Con from=\"h\" weight=\"1\"/></Neuron></NeuralLayer>"},
      Identity()));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  double z = 0.5;
  for (int i = 0; i < 250; ++i) z += 0.01 * Nx(7);
  EXPECT_EQ(ScoreValue(*pipeline, {{"x", "7"}, {"s", "u"}}), 1 / (1 + std::exp(-z)));
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"s", "u"}})));
}

TEST(PmmlNeuralNetwork, RefusalsNameElementAndLine) {
  struct Case {
    std::string document;
    StatusCode code;
    std::string fragment;
  };
  const std::string output_layer = "<NeuralLayer><Neuron id=\"o\"><Con from=\"i1\" weight=\"1\"/></Neuron></NeuralLayer>";
  const std::string class_layer =
      "<NeuralLayer><Neuron id=\"oa\"><Con from=\"i1\" weight=\"1\"/></Neuron><Neuron id=\"ob\"><Con from=\"i2\" "
      "weight=\"1\"/></Neuron></NeuralLayer>";
  const std::vector<Case> cases = {
      {OneHidden("radialBasis"), StatusCode::kInvalidArgument,
       "<Neuron> (line 9): a radialBasis neuron needs a width (on the Neuron, its NeuralLayer or the NeuralNetwork)"},
      {NetDoc("activationFunction=\"radialBasis\" width=\"1\" altitude=\"0\"", {output_layer}, Identity()),
       StatusCode::kUnimplemented, "<NeuralLayer> (line 9): a radialBasis altitude that is not positive"},
      {NetDoc("activationFunction=\"radialBasis\"",
              {"<NeuralLayer><Neuron id=\"o\" width=\"2\" altitude=\"-1\"><Con from=\"i1\" weight=\"1\"/></Neuron>"
               "</NeuralLayer>"},
              Identity()),
       StatusCode::kUnimplemented, "<Neuron> (line 9): a radialBasis altitude that is not positive"},
      {NetDoc("activationFunction=\"radialBasis\" width=\"0\"", {output_layer}, Identity()),
       StatusCode::kInvalidArgument, "<Neuron> (line 9): a radialBasis neuron's width is 0"},
      {OneHidden("softplus"), StatusCode::kInvalidArgument,
       "<NeuralLayer> (line 9): unknown activationFunction 'softplus'"},
      {NetDoc("activationFunction=\"sine2\"", {output_layer}, Identity()), StatusCode::kInvalidArgument,
       "<NeuralNetwork> (line 6): unknown activationFunction 'sine2'"},
      {NetDoc("activationFunction=\"logistic\"", {class_layer}, Classes(), true), StatusCode::kUnimplemented,
       "<NeuralLayer> (line 9): normalizationMethod none in a classifier's output layer"},
      {NetDoc("activationFunction=\"tanh\" normalizationMethod=\"simplemax\"", {class_layer}, Classes(), true),
       StatusCode::kUnimplemented, "<NeuralLayer> (line 9): simplemax over activation tanh"},
      {NetDoc("activationFunction=\"identity\" normalizationMethod=\"softmax\"",
              {"<NeuralLayer><Neuron id=\"oa\"><Con from=\"i1\" weight=\"1\"/></Neuron><Neuron id=\"ob\"><Con "
               "from=\"i2\" weight=\"1\"/></Neuron><Neuron id=\"oc\"><Con from=\"i2\" weight=\"2\"/></Neuron>"
               "</NeuralLayer>"},
              Classes(), true),
       StatusCode::kUnimplemented, "<NeuralLayer> (line 9): an output layer with neurons that give no class"},
      {NetDoc("activationFunction=\"identity\"", {output_layer},
              "<NeuralOutputs><NeuralOutput outputNeuron=\"o\"><DerivedField optype=\"continuous\" "
              "dataType=\"double\"><NormContinuous field=\"y\"><LinearNorm orig=\"0\" norm=\"0\"/><LinearNorm "
              "orig=\"1\" norm=\"0.5\"/><LinearNorm orig=\"2\" norm=\"2\"/></NormContinuous></DerivedField>"
              "</NeuralOutput></NeuralOutputs>"),
       StatusCode::kUnimplemented, "<NormContinuous> (line 10): de-normalising with other than two LinearNorm elements"},
      {NetDoc("activationFunction=\"identity\"", {output_layer},
              "<NeuralOutputs><NeuralOutput outputNeuron=\"o\"><DerivedField optype=\"continuous\" "
              "dataType=\"double\"><Apply function=\"exp\"><FieldRef field=\"y\"/></Apply></DerivedField>"
              "</NeuralOutput></NeuralOutputs>"),
       StatusCode::kUnimplemented, "<Apply> (line 10): a regression's NeuralOutput other than FieldRef or NormContinuous"},
      {NetDoc("activationFunction=\"identity\"", {output_layer}, Identity("x")), StatusCode::kUnimplemented,
       "<FieldRef> (line 10): a NeuralOutput for a field other than the target"},
      {NetDoc("activationFunction=\"identity\"",
              {"<NeuralLayer><Neuron id=\"o\"><Con from=\"nowhere\" weight=\"1\"/></Neuron></NeuralLayer>"}, Identity()),
       StatusCode::kInvalidArgument, "<Con> (line 9): neuron 'nowhere' is not an input or a neuron of an earlier layer"},
      {NetDoc("activationFunction=\"identity\"", {"<NeuralLayer><Neuron id=\"o\"><Con from=\"i1\"/></Neuron></NeuralLayer>"},
              Identity()),
       StatusCode::kInvalidArgument, "<Con> (line 9): missing attribute 'weight'"},
      {NetDoc("activationFunction=\"identity\"", {output_layer}, ""), StatusCode::kInvalidArgument,
       "<NeuralNetwork> (line 6): missing NeuralOutputs"},
      {NetDoc("activationFunction=\"identity\"",
              {"<NeuralLayer><Neuron id=\"i1\"><Con from=\"i1\" weight=\"1\"/></Neuron></NeuralLayer>"}, Identity()),
       StatusCode::kInvalidArgument, "<Neuron> (line 9): neuron id 'i1' is used twice"},
      {NetDoc("activationFunction=\"identity\"", {}, Identity()), StatusCode::kInvalidArgument,
       "<NeuralNetwork> (line 6): no NeuralLayer"},
  };
  for (const Case& c : cases) ExpectError(Import(c.document), c.code, c.fragment);
}

}  // namespace
}  // namespace podium
