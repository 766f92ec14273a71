// NeuralNetwork lowered to the IR (docs/formats/pmml.md, "NeuralNetwork").
//
// Each neuron computes Z = bias + Σ weight · (the value of the neuron it is
// connected from), in the order of its Con elements, and then its layer's
// activation function of Z; a layer's normalizationMethod (softmax,
// simplemax) then applies to the activated values of the whole layer. The
// NeuralInputs are DerivedFields over the document's fields. A radialBasis
// neuron's Z is instead Σ (value − weight)² / (2 · width²) and its value
// exp(fanIn · ln(altitude) − Z), fanIn being its number of connections.
//
// Every NeuralInput and every hidden neuron becomes a derived column in the
// expression language. The last layer becomes the model:
//   * a classifier whose output layer is softmax over identity activations is
//     a multinomial GLM whose rows are the output neurons' biases and weights
//     over the previous layer's columns;
//   * other classifiers get a derived column per output neuron and a
//     multinomial GLM reading them: coefficient 1 on each activated value for
//     softmax, on ln p for simplemax (softmax of ln p is p);
//   * a regression whose output neuron has the identity activation and no
//     normalisation is a gaussian identity GLM over the previous layer, with
//     the NeuralOutput's de-normalisation (the inverse of a two-point
//     NormContinuous) and the Targets rescaling folded into the coefficients;
//     otherwise the output neuron is a derived column and the GLM reads it.
// PMML's result is missing when an input is missing: every NeuralInput column
// is also a feature of the GLM (with coefficient 0 where it is not read
// directly), so a missing input makes the prediction missing even when the
// input feeds no neuron.
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "formats/pmml_internal.h"

namespace podium::pmml_internal {
namespace {

// Terms of one sum in one expression; longer sums continue in further helper
// columns, in the same order (the expression language nests at most 256
// levels and PMML adds the terms one by one).
constexpr size_t kTermsPerExpression = 100;
// Neurons of one normalised layer (max() and the sums take them all).
constexpr size_t kMaxNormalisedNeurons = 200;
// ln p for a probability that is 0 in doubles: exp(-800 - ln max p) is 0.
constexpr double kLogZero = -800.0;

// The single expression element of a DerivedField.
pugi::xml_node ExpressionOf(const pugi::xml_node& derived) {
  for (pugi::xml_node child = derived.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && LocalName(child) != "Extension") return child;
  }
  return {};
}

// A layer's settings: its own attributes, else the network's.
struct LayerSettings {
  std::string activation;
  double threshold = 0.0;
  std::string normalization;
  // radialBasis: the layer's (else the network's) width and altitude, which
  // a Neuron's own attributes override.
  std::optional<double> width;
  double altitude = 1.0;
};

Result<LayerSettings> ReadSettings(const Locator& at, const pugi::xml_node& model, const pugi::xml_node& layer) {
  LayerSettings settings;
  const std::optional<std::string> activation = Attribute(layer, "activationFunction");
  const std::optional<std::string> network_activation = Attribute(model, "activationFunction");
  if (!activation && !network_activation) return at.Invalid(model, "missing attribute 'activationFunction'");
  settings.activation = activation ? *activation : *network_activation;
  const pugi::xml_node threshold_node = Attribute(layer, "threshold") ? layer : model;
  ASSIGN_OR_RETURN(settings.threshold, NumberAttribute(at, threshold_node, "threshold", 0.0));
  settings.normalization =
      Attribute(layer, "normalizationMethod").value_or(Attribute(model, "normalizationMethod").value_or("none"));
  if (settings.normalization != "none" && settings.normalization != "softmax" &&
      settings.normalization != "simplemax") {
    return at.Invalid(layer, "unknown normalizationMethod " + QuoteString(settings.normalization));
  }
  if (Attribute(layer, "width") || Attribute(model, "width")) {
    const pugi::xml_node width_node = Attribute(layer, "width") ? layer : model;
    ASSIGN_OR_RETURN(settings.width, NumberAttribute(at, width_node, "width", std::nullopt));
  }
  const pugi::xml_node altitude_node = Attribute(layer, "altitude") ? layer : model;
  ASSIGN_OR_RETURN(settings.altitude, NumberAttribute(at, altitude_node, "altitude", 1.0));
  return settings;
}

// The activation function of z (a column or a parenthesised expression), or
// an empty string when the expression language cannot spell it exactly.
std::string Activation(const LayerSettings& settings, const std::string& z) {
  const std::string& f = settings.activation;
  if (f == "identity") return z;
  // 1 / (1 + e^-z), spelled so that no exponential overflows (PMML's value
  // for a very negative z is 0, not missing).
  if (f == "logistic") return "(if " + z + " >= 0 then 1 / (1 + exp(-" + z + ")) else exp(" + z + ") / (1 + exp(" + z + ")))";
  if (f == "tanh") return "tanh(" + z + ")";
  if (f == "exponential") return "exp(" + z + ")";
  if (f == "reciprocal") return "(1 / " + z + ")";
  if (f == "square") return "(" + z + " * " + z + ")";
  if (f == "Gauss") return "exp(-(" + z + " * " + z + "))";
  if (f == "Elliott") return "(" + z + " / (1 + abs(" + z + ")))";
  if (f == "rectifier") return "max(0, " + z + ")";
  if (f == "threshold") return "(" + IndicatorText(z + " > " + NumberLiteral(settings.threshold)) + ")";
  if (f == "sine") return "sin(" + z + ")";
  if (f == "cosine") return "cos(" + z + ")";
  // PMML's arctan is scaled to (-1, 1): 2 · arctan(z) / π.
  if (f == "arctan") return "(2 * atan(" + z + ") / " + NumberLiteral(std::acos(-1.0)) + ")";
  // radialBasis: z is the neuron's scaled squared distance (RadialInput), and
  // the value exp(fanIn · ln(altitude) − z) has its constant folded in there.
  if (f == "radialBasis") return "exp(-" + z + ")";
  return "";
}

bool KnownActivation(const std::string& f) {
  for (const char* name : {"threshold", "logistic", "tanh", "identity", "exponential", "reciprocal", "square",
                           "Gauss", "sine", "cosine", "Elliott", "arctan", "rectifier", "radialBasis"}) {
    if (f == name) return true;
  }
  return false;
}

// Activations whose values are never negative (simplemax divides by the sum).
bool NonNegative(const std::string& f) {
  return f == "logistic" || f == "exponential" || f == "square" || f == "Gauss" || f == "rectifier" ||
         f == "threshold" || f == "radialBasis";
}

// Activations that read z more than once: z gets a column of its own.
bool ReadsZTwice(const std::string& f) { return f == "logistic" || f == "square" || f == "Gauss" || f == "Elliott"; }

// One neuron as read: bias and connections (column, weight) in document order.
struct Neuron {
  std::string id;
  pugi::xml_node element;
  double bias = 0.0;
  std::vector<std::pair<std::string, double>> connections;
  // radialBasis: the Neuron's own width and altitude, when given.
  std::optional<double> width;
  std::optional<double> altitude;
};

class NetworkLowering {
 public:
  NetworkLowering(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target, bool classification)
      : build_(build), at_(build.at()), model_(model), target_(target), classification_(classification) {}

  Status Run();

 private:
  Status ReadInputs();
  Result<std::vector<Neuron>> ReadLayer(const pugi::xml_node& layer);
  // Z of a neuron as an expression (a column when the sum is long).
  std::string NeuronInput(const Neuron& neuron);
  // A radialBasis neuron's Z − fanIn · ln(altitude), Z being PMML's
  // Σ (value − weight)² / (2 · width²), as an expression.
  Result<std::string> RadialInput(const pugi::xml_node& layer, const LayerSettings& settings, const Neuron& neuron);
  // The layer's values: one column per neuron, activated and normalised.
  Result<std::vector<std::string>> LayerColumns(const pugi::xml_node& layer, const LayerSettings& settings,
                                                const std::vector<Neuron>& neurons);
  Status LowerClassifier(const pugi::xml_node& layer, const LayerSettings& settings, const std::vector<Neuron>& neurons);
  Status LowerRegression(const pugi::xml_node& layer, const LayerSettings& settings, const std::vector<Neuron>& neurons);
  // Registers the previous layer's columns and every input as features (in
  // that order), so that a missing input makes the prediction missing.
  void AddBaseFeatures();

  ModelBuilder& build_;
  const Locator& at_;
  pugi::xml_node model_;
  const TargetInfo& target_;
  bool classification_;
  std::map<std::string, std::string> column_of_;  // neuron id -> column
  std::vector<std::string> input_columns_;
  std::vector<std::string> previous_;  // the previous layer's columns
};

Status NetworkLowering::ReadInputs() {
  const pugi::xml_node inputs = FirstChild(model_, "NeuralInputs");
  if (!inputs) return at_.Invalid(model_, "missing NeuralInputs");
  for (const pugi::xml_node& input : Children(inputs, "NeuralInput")) {
    const std::optional<std::string> id = Attribute(input, "id");
    if (!id) return at_.Invalid(input, "missing attribute 'id'");
    const pugi::xml_node derived = FirstChild(input, "DerivedField");
    if (!derived) return at_.Invalid(input, "missing DerivedField");
    const pugi::xml_node expression = ExpressionOf(derived);
    if (!expression) return at_.Invalid(derived, "missing an expression");
    ASSIGN_OR_RETURN(Lowered value, LowerExpression(at_, build_.scope(), expression));
    if (value.symbolic || value.type == expr::Type::kString) {
      return at_.Unsupported(expression, "a NeuralInput that is not a number");
    }
    std::string column;
    if (value.column != nullptr && value.type == expr::Type::kNumber) {
      column = value.column->column;
    } else {
      const std::string text = value.type == expr::Type::kBoolean ? IndicatorText(value.text) : value.text;
      column = build_.AddHelperColumn(Attribute(derived, "name").value_or("input " + *id), text);
    }
    if (!column_of_.emplace(*id, column).second) return at_.Invalid(input, "neuron id " + QuoteString(*id) + " is used twice");
    input_columns_.push_back(column);
    previous_.push_back(column);
  }
  if (input_columns_.empty()) return at_.Invalid(inputs, "no NeuralInput");
  return Status::Ok();
}

Result<std::vector<Neuron>> NetworkLowering::ReadLayer(const pugi::xml_node& layer) {
  std::vector<Neuron> neurons;
  for (const pugi::xml_node& element : Children(layer, "Neuron")) {
    Neuron neuron;
    neuron.element = element;
    const std::optional<std::string> id = Attribute(element, "id");
    if (!id) return at_.Invalid(element, "missing attribute 'id'");
    neuron.id = *id;
    ASSIGN_OR_RETURN(neuron.bias, NumberAttribute(at_, element, "bias", 0.0));
    if (Attribute(element, "width")) {
      ASSIGN_OR_RETURN(neuron.width, NumberAttribute(at_, element, "width", std::nullopt));
    }
    if (Attribute(element, "altitude")) {
      ASSIGN_OR_RETURN(neuron.altitude, NumberAttribute(at_, element, "altitude", std::nullopt));
    }
    for (const pugi::xml_node& con : Children(element, "Con")) {
      const std::optional<std::string> from = Attribute(con, "from");
      if (!from) return at_.Invalid(con, "missing attribute 'from'");
      const auto it = column_of_.find(*from);
      if (it == column_of_.end()) {
        return at_.Invalid(con, "neuron " + QuoteString(*from) + " is not an input or a neuron of an earlier layer");
      }
      ASSIGN_OR_RETURN(const double weight, NumberAttribute(at_, con, "weight", std::nullopt));
      neuron.connections.emplace_back(it->second, weight);
    }
    neurons.push_back(std::move(neuron));
  }
  if (neurons.empty()) return at_.Invalid(layer, "a NeuralLayer without neurons");
  return neurons;
}

std::string NetworkLowering::NeuronInput(const Neuron& neuron) {
  std::string sum = NumberLiteral(neuron.bias);
  size_t terms = 0;
  for (const auto& [column, weight] : neuron.connections) {
    if (terms == kTermsPerExpression) {
      sum = QuoteColumn(build_.AddHelperColumn("neuron " + neuron.id + " partial sum", "(" + sum + ")"));
      terms = 0;
    }
    sum += " + " + NumberLiteral(weight) + " * " + QuoteColumn(column);
    ++terms;
  }
  return "(" + sum + ")";
}

Result<std::string> NetworkLowering::RadialInput(const pugi::xml_node& layer, const LayerSettings& settings,
                                                 const Neuron& neuron) {
  const std::optional<double> width = neuron.width ? neuron.width : settings.width;
  if (!width) {
    return at_.Invalid(neuron.element, "a radialBasis neuron needs a width (on the Neuron, its NeuralLayer or the "
                                       "NeuralNetwork)");
  }
  if (*width == 0) return at_.Invalid(neuron.element, "a radialBasis neuron's width is 0");
  const double altitude = neuron.altitude.value_or(settings.altitude);
  if (altitude <= 0) {
    return at_.Unsupported(neuron.altitude ? neuron.element : layer,
                           "a radialBasis altitude that is not positive (ln(altitude) has no value)");
  }
  if (neuron.connections.empty()) return at_.Invalid(neuron.element, "a radialBasis neuron without connections");
  // Σ (value − weight)², in Con order, long sums continued in further columns.
  std::string sum;
  size_t terms = 0;
  for (const auto& [column, weight] : neuron.connections) {
    if (terms == kTermsPerExpression) {
      sum = QuoteColumn(build_.AddHelperColumn("neuron " + neuron.id + " partial sum", "(" + sum + ")"));
      terms = 1;
    }
    const std::string difference = "(" + QuoteColumn(column) + " - " + NumberLiteral(weight) + ")";
    sum += (sum.empty() ? "" : " + ") + difference + " * " + difference;
    ++terms;
  }
  const double fan_in = static_cast<double>(neuron.connections.size());
  const double scale = 2 * *width * *width;
  return "((" + sum + ") / " + NumberLiteral(scale) + " - " + NumberLiteral(fan_in * std::log(altitude)) + ")";
}

Result<std::vector<std::string>> NetworkLowering::LayerColumns(const pugi::xml_node& layer,
                                                               const LayerSettings& settings,
                                                               const std::vector<Neuron>& neurons) {
  std::vector<std::string> activated;
  for (const Neuron& neuron : neurons) {
    std::string z;
    if (settings.activation == "radialBasis") {
      ASSIGN_OR_RETURN(z, RadialInput(layer, settings, neuron));
    } else {
      z = NeuronInput(neuron);
    }
    if (ReadsZTwice(settings.activation)) {
      z = QuoteColumn(build_.AddHelperColumn("neuron " + neuron.id + " input", z));
    }
    const std::string base = settings.normalization == "none" ? "neuron " + neuron.id : "neuron " + neuron.id + " activation";
    activated.push_back(build_.AddHelperColumn(base, Activation(settings, z)));
  }
  if (settings.normalization == "none") return activated;
  if (neurons.size() > kMaxNormalisedNeurons) {
    return at_.Unsupported(layer, "normalizationMethod over more than " + std::to_string(kMaxNormalisedNeurons) +
                                      " neurons");
  }
  std::vector<std::string> out;
  if (settings.normalization == "simplemax") {
    // y_j / Σ y.
    std::string sum;
    for (const std::string& column : activated) sum += (sum.empty() ? "" : " + ") + QuoteColumn(column);
    const std::string total = QuoteColumn(build_.AddHelperColumn("layer sum", "(" + sum + ")"));
    for (size_t j = 0; j < neurons.size(); ++j) {
      out.push_back(build_.AddHelperColumn("neuron " + neurons[j].id, QuoteColumn(activated[j]) + " / " + total));
    }
    return out;
  }
  // softmax: exp(y_j - max y) / Σ exp(y_k - max y), which is exp(y_j) / Σ exp(y_k)
  // without overflow.
  std::string arguments;
  for (const std::string& column : activated) arguments += (arguments.empty() ? "" : ", ") + QuoteColumn(column);
  const std::string max = QuoteColumn(build_.AddHelperColumn("layer max", "max(" + arguments + ")"));
  std::vector<std::string> exps;
  std::string sum;
  for (size_t j = 0; j < neurons.size(); ++j) {
    exps.push_back(QuoteColumn(build_.AddHelperColumn("neuron " + neurons[j].id + " exp",
                                                      "exp(" + QuoteColumn(activated[j]) + " - " + max + ")")));
    sum += (sum.empty() ? "" : " + ") + exps.back();
  }
  const std::string total = QuoteColumn(build_.AddHelperColumn("layer sum", "(" + sum + ")"));
  for (size_t j = 0; j < neurons.size(); ++j) {
    out.push_back(build_.AddHelperColumn("neuron " + neurons[j].id, exps[j] + " / " + total));
  }
  return out;
}

void NetworkLowering::AddBaseFeatures() {
  for (const std::string& column : previous_) build_.FeatureIndex(column);
  for (const std::string& column : input_columns_) build_.FeatureIndex(column);
}

// Which output neuron gives each class (NormDiscrete of the target), and the
// classes in the target's Value order (else in NeuralOutput order).
Status NetworkLowering::LowerClassifier(const pugi::xml_node& layer, const LayerSettings& settings,
                                        const std::vector<Neuron>& neurons) {
  Pipeline& pipeline = build_.pipeline();
  const pugi::xml_node outputs = FirstChild(model_, "NeuralOutputs");
  if (!outputs) return at_.Invalid(model_, "missing NeuralOutputs");
  std::map<std::string, size_t> neuron_of_class;
  std::vector<std::string> order;
  std::set<size_t> mapped;
  for (const pugi::xml_node& output : Children(outputs, "NeuralOutput")) {
    const std::optional<std::string> id = Attribute(output, "outputNeuron");
    if (!id) return at_.Invalid(output, "missing attribute 'outputNeuron'");
    size_t index = neurons.size();
    for (size_t j = 0; j < neurons.size(); ++j) {
      if (neurons[j].id == *id) index = j;
    }
    if (index == neurons.size()) return at_.Invalid(output, "neuron " + QuoteString(*id) + " is not in the last layer");
    const pugi::xml_node derived = FirstChild(output, "DerivedField");
    const pugi::xml_node expression = derived ? ExpressionOf(derived) : pugi::xml_node();
    if (!expression || LocalName(expression) != "NormDiscrete") {
      return at_.Unsupported(expression ? expression : output,
                             "a classifier's NeuralOutput other than NormDiscrete of the target");
    }
    if (Attribute(expression, "field") != target_.name) {
      return at_.Unsupported(expression, "a NeuralOutput for a field other than the target");
    }
    if (Attribute(expression, "mapMissingTo")) return at_.Unsupported(expression, "mapMissingTo in a NeuralOutput");
    const std::optional<std::string> value = Attribute(expression, "value");
    if (!value) return at_.Invalid(expression, "missing attribute 'value'");
    if (!neuron_of_class.emplace(*value, index).second) {
      return at_.Invalid(output, "class " + QuoteString(*value) + " has two output neurons");
    }
    if (!mapped.insert(index).second) return at_.Unsupported(output, "an output neuron that gives two classes");
    order.push_back(*value);
  }
  std::vector<std::string> classes = pipeline.model.classes.empty() ? order : pipeline.model.classes;
  if (classes.size() < 2) return at_.Invalid(outputs, "a classifier needs at least two classes");
  for (const std::string& c : classes) {
    if (!neuron_of_class.count(c)) return at_.Unsupported(outputs, "no output neuron for class " + QuoteString(c));
  }
  if (neuron_of_class.size() != classes.size()) {
    return at_.Invalid(outputs, "a NeuralOutput for a value that is not a class of the target");
  }
  if (mapped.size() != neurons.size()) {
    // The normalisation runs over the whole layer: the classes' probabilities
    // would not be all of it.
    return at_.Unsupported(layer, "an output layer with neurons that give no class");
  }
  if (settings.normalization == "none") {
    return at_.Unsupported(layer, "normalizationMethod none in a classifier's output layer: PMML's probabilities are "
                                  "the output neurons' values as they are, which need not add up to 1, while the "
                                  "IR's classifiers normalise theirs");
  }
  if (settings.normalization == "simplemax" && !NonNegative(settings.activation)) {
    return at_.Unsupported(layer, "simplemax over activation " + settings.activation +
                                      ", whose negative values would be negative probabilities");
  }

  GlmModel glm;
  glm.family = GlmFamily::kMultinomial;
  glm.link = LinkFunction::kIdentity;
  std::vector<std::map<int32_t, double>> rows(classes.size());
  if (settings.normalization == "softmax" && settings.activation == "identity") {
    // softmax(bias + weights · previous): the GLM itself.
    AddBaseFeatures();
    for (size_t k = 0; k < classes.size(); ++k) {
      const Neuron& neuron = neurons[neuron_of_class.at(classes[k])];
      glm.intercepts.push_back(neuron.bias);
      for (const auto& [column, weight] : neuron.connections) rows[k][build_.FeatureIndex(column)] += weight;
    }
  } else {
    std::vector<std::string> values;  // what the softmax of the GLM reads, per neuron
    if (settings.normalization == "softmax") {
      LayerSettings activated = settings;
      activated.normalization = "none";
      ASSIGN_OR_RETURN(values, LayerColumns(layer, activated, neurons));
    } else {
      // simplemax: p_j = y_j / Σ y, and softmax(ln p) = p.
      ASSIGN_OR_RETURN(std::vector<std::string> p, LayerColumns(layer, settings, neurons));
      for (size_t j = 0; j < neurons.size(); ++j) {
        const std::string x = QuoteColumn(p[j]);
        values.push_back(build_.AddHelperColumn("ln " + p[j], "(if is_missing(" + x + ") then " + x + " else if " + x +
                                                                  " > 0 then log(" + x + ") else " +
                                                                  NumberLiteral(kLogZero) + ")"));
      }
    }
    AddBaseFeatures();
    for (size_t k = 0; k < classes.size(); ++k) {
      glm.intercepts.push_back(0.0);
      rows[k][build_.FeatureIndex(values[neuron_of_class.at(classes[k])])] = 1.0;
    }
  }
  const size_t features = pipeline.features.size();
  glm.coefficients.assign(classes.size() * features, 0.0);
  for (size_t k = 0; k < classes.size(); ++k) {
    for (const auto& [index, value] : rows[k]) glm.coefficients[k * features + static_cast<size_t>(index)] = value;
  }
  pipeline.model.task = Task::kClassification;
  pipeline.model.classes = std::move(classes);
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

Status NetworkLowering::LowerRegression(const pugi::xml_node& layer, const LayerSettings& settings,
                                        const std::vector<Neuron>& neurons) {
  Pipeline& pipeline = build_.pipeline();
  const pugi::xml_node outputs = FirstChild(model_, "NeuralOutputs");
  if (!outputs) return at_.Invalid(model_, "missing NeuralOutputs");
  const std::vector<pugi::xml_node> list = Children(outputs, "NeuralOutput");
  if (list.size() != 1) return at_.Unsupported(outputs, "a regression with other than one NeuralOutput");
  const pugi::xml_node output = list[0];
  const std::optional<std::string> id = Attribute(output, "outputNeuron");
  if (!id) return at_.Invalid(output, "missing attribute 'outputNeuron'");
  size_t index = neurons.size();
  for (size_t j = 0; j < neurons.size(); ++j) {
    if (neurons[j].id == *id) index = j;
  }
  if (index == neurons.size()) return at_.Invalid(output, "neuron " + QuoteString(*id) + " is not in the last layer");
  const pugi::xml_node derived = FirstChild(output, "DerivedField");
  const pugi::xml_node expression = derived ? ExpressionOf(derived) : pugi::xml_node();
  if (!expression) return at_.Invalid(output, "missing DerivedField");
  if (LocalName(expression) != "FieldRef" && LocalName(expression) != "NormContinuous") {
    return at_.Unsupported(expression, "a regression's NeuralOutput other than FieldRef or NormContinuous of the target");
  }
  if (Attribute(expression, "field") != target_.name) {
    return at_.Unsupported(expression, "a NeuralOutput for a field other than the target");
  }
  // The target is slope · y + shift of the neuron's value y.
  double slope = 1.0;
  double shift = 0.0;
  if (LocalName(expression) == "NormContinuous") {
    for (const char* attribute : {"mapMissingTo", "outliers"}) {
      if (Attribute(expression, attribute)) {
        return at_.Unsupported(expression, std::string(attribute) + " in a NeuralOutput's NormContinuous");
      }
    }
    const std::vector<pugi::xml_node> norms = Children(expression, "LinearNorm");
    if (norms.size() != 2) {
      return at_.Unsupported(expression, "de-normalising with other than two LinearNorm elements");
    }
    ASSIGN_OR_RETURN(const double o1, NumberAttribute(at_, norms[0], "orig", std::nullopt));
    ASSIGN_OR_RETURN(const double n1, NumberAttribute(at_, norms[0], "norm", std::nullopt));
    ASSIGN_OR_RETURN(const double o2, NumberAttribute(at_, norms[1], "orig", std::nullopt));
    ASSIGN_OR_RETURN(const double n2, NumberAttribute(at_, norms[1], "norm", std::nullopt));
    if (!(o1 < o2)) return at_.Invalid(norms[1], "LinearNorm orig values must increase strictly");
    if (n1 == n2) return at_.Invalid(norms[1], "LinearNorm norm values must differ to be inverted");
    // orig = o1 + (y - n1) · (o2 - o1) / (n2 - n1).
    slope = (o2 - o1) / (n2 - n1);
    shift = o1 - n1 * slope;
  } else if (Attribute(expression, "mapMissingTo")) {
    return at_.Unsupported(expression, "mapMissingTo in a NeuralOutput");
  }
  const double factor = target_.rescale_factor * slope;
  const double constant = target_.rescale_factor * shift + target_.rescale_constant;

  GlmModel glm;
  glm.family = GlmFamily::kGaussian;
  glm.link = LinkFunction::kIdentity;
  std::map<int32_t, double> row;
  if (settings.activation == "identity" && settings.normalization == "none") {
    AddBaseFeatures();
    const Neuron& neuron = neurons[index];
    glm.intercepts = {neuron.bias * factor + constant};
    for (const auto& [column, weight] : neuron.connections) row[build_.FeatureIndex(column)] += weight;
    for (auto& [feature, weight] : row) weight *= factor;
  } else {
    ASSIGN_OR_RETURN(const std::vector<std::string> columns, LayerColumns(layer, settings, neurons));
    AddBaseFeatures();
    glm.intercepts = {constant};
    row[build_.FeatureIndex(columns[index])] = factor;
  }
  glm.coefficients.assign(pipeline.features.size(), 0.0);
  for (const auto& [feature, weight] : row) glm.coefficients[static_cast<size_t>(feature)] = weight;
  pipeline.model.task = Task::kRegression;
  pipeline.model.classes.clear();
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

Status NetworkLowering::Run() {
  RETURN_IF_ERROR(ReadInputs());
  const std::vector<pugi::xml_node> layers = Children(model_, "NeuralLayer");
  if (layers.empty()) return at_.Invalid(model_, "no NeuralLayer");
  for (size_t l = 0; l < layers.size(); ++l) {
    const pugi::xml_node& layer = layers[l];
    ASSIGN_OR_RETURN(const LayerSettings settings, ReadSettings(at_, model_, layer));
    const pugi::xml_node where = Attribute(layer, "activationFunction") ? layer : model_;
    if (!KnownActivation(settings.activation)) {
      return at_.Invalid(where, "unknown activationFunction " + QuoteString(settings.activation));
    }
    if (Activation(settings, "z").empty()) {
      return at_.Unsupported(where, "activationFunction " + settings.activation);
    }
    ASSIGN_OR_RETURN(const std::vector<Neuron> neurons, ReadLayer(layer));
    std::set<std::string> ids;
    for (const Neuron& neuron : neurons) {
      if (column_of_.count(neuron.id) || !ids.insert(neuron.id).second) {
        return at_.Invalid(neuron.element, "neuron id " + QuoteString(neuron.id) + " is used twice");
      }
    }
    if (l + 1 == layers.size()) {
      return classification_ ? LowerClassifier(layer, settings, neurons) : LowerRegression(layer, settings, neurons);
    }
    ASSIGN_OR_RETURN(std::vector<std::string> columns, LayerColumns(layer, settings, neurons));
    for (size_t j = 0; j < neurons.size(); ++j) column_of_.emplace(neurons[j].id, columns[j]);
    previous_ = std::move(columns);
  }
  return Status::Ok();
}

}  // namespace

Status LowerNeuralNetwork(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target,
                          bool classification) {
  if (target.rescaled && classification) return build.at().Unsupported(model, "rescaling a classifier's output");
  NetworkLowering lowering(build, model, target, classification);
  return lowering.Run();
}

}  // namespace podium::pmml_internal
