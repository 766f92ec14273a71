// SupportVectorMachineModel lowered to the IR (docs/formats/pmml.md,
// "SupportVectorMachineModel → GLM").
//
// PMML's regression SVM is f(x) = Σ_i α_i K(x, v_i) + b over the vector x of
// the VectorFields (FieldRefs, and CategoricalPredictors as 0/1 indicators).
// Each kernel value K(x, v_i) becomes a derived column (formats/svm_kernel.h
// spells the kernels; equal support vectors share one column), and f is a
// gaussian identity GLM with coefficients α_i and intercept b, into which
// Targets rescaling folds. With svmRepresentation="Coefficients" (a linear
// kernel written as a hyperplane) f = Σ_j c_j x_j + b is that GLM over the
// vector fields themselves. Every kernel term reads every vector field (a
// zero coordinate included), so a missing input makes the prediction missing,
// as PMML's evaluation of the vector does.
//
// Binary classification (one machine with targetCategory and
// alternateTargetCategory, either classificationMethod): PMML's label is
// targetCategory when f(x) < threshold (f(x) > threshold with maxWins), else
// alternateTargetCategory. A 0/1 column holds "alternateTargetCategory is
// decided" and a binomial identity GLM over it gives that class probability
// 1 or 0, so Podium's label (p >= 0.5) is PMML's exactly. PMML defines no
// probabilities for SVMs; these are the decision itself.
//
// Multiclass (several machines, three or more classes): OneAgainstOne machines
// vote (targetCategory when f(x) < threshold, maxWins: f(x) > threshold, else
// alternateTargetCategory) and the class with most votes wins, ties to the
// first class; OneAgainstAll machines name their targetCategory, and the
// machine with the smallest f(x) (largest with maxWins) wins. Per-class count
// columns and a multinomial GLM over their logarithms give the vote shares,
// or 1 for the winner, as probabilities (LowerMulticlass).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "formats/pmml_internal.h"
#include "formats/svm_kernel.h"

namespace podium::pmml_internal {
namespace {

using svm_kernel::Kernel;

// Terms per generated sum (the expression language nests at most 256 levels
// and takes at most 65,536 bytes); longer sums go through partial-sum columns.
constexpr size_t kMaxTermsPerSum = 64;
constexpr size_t kMaxSumBytes = 16384;
// Kernel terms (support vectors times vector fields) in one model.
constexpr size_t kMaxKernelTerms = 1'000'000;
// Coordinates of the VectorInstances (vectors times vector fields) held while
// importing.
constexpr size_t kMaxCoordinates = 10'000'000;
// OneAgainstAll machines: each winner test compares with every other machine
// in one expression (the expression language nests at most 256 levels).
constexpr size_t kMaxOneAgainstAllMachines = 100;

// A count attribute (numberOfFields, n, ...) must agree with what is listed.
Status CheckCount(const Locator& at, const pugi::xml_node& node, std::string_view name, size_t count) {
  const std::optional<std::string> text = Attribute(node, name);
  if (text && *text != std::to_string(count)) {
    return at.Invalid(node, std::string(name) + " is " + *text + " but " + std::to_string(count) + " are listed");
  }
  return Status::Ok();
}

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t begin = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > begin) out.push_back(text.substr(begin, i - begin));
  }
  return out;
}

struct KernelSpec {
  Kernel kernel = Kernel::kLinear;
  double gamma = 1.0;
  double coef0 = 1.0;
  double degree = 1.0;
};

Result<KernelSpec> ReadKernel(const Locator& at, const pugi::xml_node& model) {
  KernelSpec spec;
  pugi::xml_node element;
  for (const pugi::xml_node& child : ElementChildren(model)) {
    const std::string_view name = LocalName(child);
    if (name != "LinearKernelType" && name != "PolynomialKernelType" && name != "RadialBasisKernelType" &&
        name != "SigmoidKernelType") {
      continue;
    }
    if (element) return at.Invalid(child, "a second kernel type");
    element = child;
  }
  if (!element) {
    return at.Invalid(model, "missing the kernel type (LinearKernelType, PolynomialKernelType, "
                             "RadialBasisKernelType or SigmoidKernelType)");
  }
  const std::string_view name = LocalName(element);
  spec.kernel = name == "LinearKernelType"       ? Kernel::kLinear
                : name == "PolynomialKernelType" ? Kernel::kPolynomial
                : name == "RadialBasisKernelType" ? Kernel::kRadialBasis
                                                  : Kernel::kSigmoid;
  ASSIGN_OR_RETURN(spec.gamma, NumberAttribute(at, element, "gamma", 1.0));
  ASSIGN_OR_RETURN(spec.coef0, NumberAttribute(at, element, "coef0", 1.0));
  ASSIGN_OR_RETURN(spec.degree, NumberAttribute(at, element, "degree", 1.0));
  if (spec.kernel == Kernel::kPolynomial && (spec.degree < 0 || spec.degree != std::floor(spec.degree))) {
    // pow of a negative base to a fraction, or of 0 to a negative power, has
    // no finite value, which PMML leaves undefined.
    return at.Unsupported(element, "degree " + NumberLiteral(spec.degree) + " (supported: whole numbers from 0)");
  }
  return spec;
}

// The VectorFields as columns holding the vector's components, in order.
Result<std::vector<std::string>> ReadVectorFields(ModelBuilder& build, const pugi::xml_node& fields) {
  const Locator& at = build.at();
  std::vector<std::string> columns;
  for (const pugi::xml_node& child : ElementChildren(fields)) {
    const std::string_view kind = LocalName(child);
    if (kind == "FieldRef") {
      ASSIGN_OR_RETURN(Lowered value, LowerExpression(at, build.scope(), child));
      if (value.symbolic || value.type != expr::Type::kNumber) {
        return at.Unsupported(child, "a vector field that is not a number (categorical fields enter through "
                                     "CategoricalPredictor)");
      }
      columns.push_back(value.column != nullptr && !value.column->column.empty()
                            ? value.column->column
                            : build.AddHelperColumn(Attribute(child, "field").value_or("x"), value.text));
    } else if (kind == "CategoricalPredictor") {
      ASSIGN_OR_RETURN(const ScopeField* field, build.Field(child, "name"));
      const std::optional<std::string> level = Attribute(child, "value");
      if (!level) return at.Invalid(child, "missing attribute 'value'");
      ASSIGN_OR_RETURN(const double coefficient, NumberAttribute(at, child, "coefficient", 1.0));
      if (coefficient != 1.0) {
        return at.Unsupported(child, "a CategoricalPredictor with coefficient " + NumberLiteral(coefficient) +
                                         " in VectorFields (the component is the 0/1 indicator; supported: 1)");
      }
      ASSIGN_OR_RETURN(const std::string equals, EqualsText(at, child, *field, *level));
      const std::string name = Attribute(child, "name").value_or("x") + "=" + *level;
      columns.push_back(build.AddHelperColumn(name, IndicatorText(equals)));
    } else {
      return at.Invalid(child, "a VectorFields entry other than FieldRef or CategoricalPredictor");
    }
  }
  if (columns.empty()) return at.Invalid(fields, "no vector fields");
  RETURN_IF_ERROR(CheckCount(at, fields, "numberOfFields", columns.size()));
  return columns;
}

// A VectorInstance's coordinates (Array or REAL-SparseArray).
Result<std::vector<double>> ReadInstance(const Locator& at, const pugi::xml_node& instance, size_t width) {
  const std::vector<pugi::xml_node> body = ElementChildren(instance);
  if (body.size() != 1) return at.Invalid(instance, "a VectorInstance holds one Array or REAL-SparseArray");
  const pugi::xml_node& array = body[0];
  std::vector<double> values;
  if (LocalName(array) == "Array") {
    const std::string type = Attribute(array, "type").value_or("real");
    if (type != "real" && type != "int") return at.Invalid(array, "an Array of type " + QuoteString(type));
    ASSIGN_OR_RETURN(const std::vector<std::string> items, ArrayItems(at, array));
    for (const std::string& item : items) {
      const std::optional<double> value = ParseDouble(item);
      if (!value) return at.Invalid(array, QuoteString(item) + " is not a finite number");
      values.push_back(*value);
    }
    if (values.size() != width) {
      return at.Invalid(array, std::to_string(values.size()) + " values for " + std::to_string(width) +
                                   " vector fields");
    }
    return values;
  }
  if (LocalName(array) != "REAL-SparseArray") {
    return at.Invalid(array, "a VectorInstance holds one Array or REAL-SparseArray");
  }
  ASSIGN_OR_RETURN(const double fill, NumberAttribute(at, array, "defaultValue", 0.0));
  RETURN_IF_ERROR(CheckCount(at, array, "n", width));
  values.assign(width, fill);
  const pugi::xml_node indices = FirstChild(array, "Indices");
  const pugi::xml_node entries = FirstChild(array, "REAL-Entries");
  const std::vector<std::string> index_words = indices ? Words(indices.child_value()) : std::vector<std::string>{};
  const std::vector<std::string> entry_words = entries ? Words(entries.child_value()) : std::vector<std::string>{};
  if (index_words.size() != entry_words.size()) {
    return at.Invalid(array, std::to_string(index_words.size()) + " Indices for " +
                                 std::to_string(entry_words.size()) + " REAL-Entries");
  }
  std::set<size_t> seen;
  for (size_t i = 0; i < index_words.size(); ++i) {
    const std::optional<double> index = ParseDouble(index_words[i]);
    if (!index || *index < 1 || *index > static_cast<double>(width) || *index != std::floor(*index)) {
      return at.Invalid(indices, "index " + QuoteString(index_words[i]) + " is not between 1 and " +
                                     std::to_string(width));
    }
    const size_t position = static_cast<size_t>(*index) - 1;
    if (!seen.insert(position).second) return at.Invalid(indices, "index " + index_words[i] + " is listed twice");
    const std::optional<double> value = ParseDouble(entry_words[i]);
    if (!value) return at.Invalid(entries, QuoteString(entry_words[i]) + " is not a finite number");
    values[position] = *value;
  }
  return values;
}

// `terms` summed in one expression, long sums through partial-sum columns.
std::string SumOf(ModelBuilder& build, const std::string& base, std::vector<std::string> terms) {
  while (true) {
    size_t bytes = 0;
    for (const std::string& term : terms) bytes += term.size() + 3;
    if (terms.size() <= kMaxTermsPerSum && bytes <= kMaxSumBytes) break;
    std::vector<std::string> partials;
    std::string chunk;
    size_t count = 0;
    for (const std::string& term : terms) {
      if (count > 0 && (count == kMaxTermsPerSum || chunk.size() + term.size() + 3 > kMaxSumBytes)) {
        partials.push_back(QuoteColumn(build.AddHelperColumn(base + "#sum", chunk)));
        chunk.clear();
        count = 0;
      }
      chunk += (count == 0 ? "" : " + ") + term;
      ++count;
    }
    partials.push_back(QuoteColumn(build.AddHelperColumn(base + "#sum", chunk)));
    terms = std::move(partials);
  }
  std::string sum;
  for (const std::string& term : terms) sum += (sum.empty() ? "" : " + ") + term;
  return sum;
}

// One machine's f(x) = Σ_k coefficient_k · column_k + intercept.
struct MachineForm {
  std::vector<std::pair<std::string, double>> terms;
  double intercept = 0.0;
};

using Instances = std::map<std::string, std::vector<double>>;

Result<MachineForm> ReadMachine(ModelBuilder& build, const pugi::xml_node& model, const pugi::xml_node& machine,
                                bool coefficients_representation, const KernelSpec& kernel,
                                const std::vector<std::string>& components, const Instances& instances) {
  const Locator& at = build.at();
  const size_t width = components.size();
  MachineForm form;
  const pugi::xml_node coefficients_node = FirstChild(machine, "Coefficients");
  if (!coefficients_node) return at.Invalid(machine, "missing Coefficients");
  ASSIGN_OR_RETURN(form.intercept, NumberAttribute(at, coefficients_node, "absoluteValue", 0.0));
  std::vector<double> alphas;
  for (const pugi::xml_node& coefficient : Children(coefficients_node, "Coefficient")) {
    ASSIGN_OR_RETURN(const double alpha, NumberAttribute(at, coefficient, "value", 0.0));
    alphas.push_back(alpha);
  }
  RETURN_IF_ERROR(CheckCount(at, coefficients_node, "numberOfCoefficients", alphas.size()));

  const pugi::xml_node vectors = FirstChild(machine, "SupportVectors");
  if (coefficients_representation) {
    if (kernel.kernel != Kernel::kLinear) {
      return at.Invalid(model, "svmRepresentation Coefficients (a hyperplane) needs a LinearKernelType");
    }
    if (vectors && !Children(vectors, "SupportVector").empty()) {
      return at.Invalid(vectors, "SupportVectors with svmRepresentation Coefficients");
    }
    if (alphas.size() != width) {
      return at.Invalid(coefficients_node, std::to_string(alphas.size()) + " Coefficients for " +
                                               std::to_string(width) + " vector fields");
    }
    for (size_t j = 0; j < width; ++j) form.terms.emplace_back(components[j], alphas[j]);
    return form;
  }
  if (!vectors) return at.Invalid(machine, "missing SupportVectors (svmRepresentation SupportVectors)");
  const std::vector<pugi::xml_node> support = Children(vectors, "SupportVector");
  if (support.empty()) {
    // f would be the constant b, answering even where an input is missing.
    return at.Unsupported(vectors, "a SupportVectorMachine without support vectors");
  }
  RETURN_IF_ERROR(CheckCount(at, vectors, "numberOfSupportVectors", support.size()));
  RETURN_IF_ERROR(CheckCount(at, vectors, "numberOfAttributes", width));
  if (alphas.size() != support.size()) {
    return at.Invalid(coefficients_node, std::to_string(alphas.size()) + " Coefficients for " +
                                             std::to_string(support.size()) + " support vectors");
  }
  if (support.size() > kMaxKernelTerms / width) {
    return ResourceExhaustedError(at.Where(vectors) + ": more than " + std::to_string(kMaxKernelTerms) +
                                  " kernel terms (support vectors times vector fields)");
  }
  for (size_t i = 0; i < support.size(); ++i) {
    const std::optional<std::string> id = Attribute(support[i], "vectorId");
    if (!id) return at.Invalid(support[i], "missing attribute 'vectorId'");
    const auto it = instances.find(*id);
    if (it == instances.end()) {
      return at.Invalid(support[i], "vector id " + QuoteString(*id) + " is not in the VectorDictionary");
    }
    const std::vector<double>& v = it->second;
    std::vector<std::string> parts;
    for (size_t j = 0; j < width; ++j) {
      parts.push_back(svm_kernel::Term(kernel.kernel, QuoteColumn(components[j]), NumberLiteral(v[j])));
    }
    const std::string base = "K(" + *id + ")";
    const std::string sum = SumOf(build, base, std::move(parts));
    const std::string expression =
        svm_kernel::Expression(kernel.kernel, sum, kernel.gamma, kernel.coef0, kernel.degree, NumberLiteral);
    // Equal vectors give equal expressions, and so share one column.
    form.terms.emplace_back(build.AddHelperColumn(base, expression), alphas[i]);
  }
  return form;
}

// A column holding the machine's f(x) = Σ_k coefficient_k · column_k + intercept.
std::string DecisionValue(ModelBuilder& build, const MachineForm& form) {
  std::vector<std::string> parts;
  for (const auto& [column, coefficient] : form.terms) {
    parts.push_back(NumberLiteral(coefficient) + " * " + QuoteColumn(column));
  }
  parts.push_back(NumberLiteral(form.intercept));
  return build.AddHelperColumn("f(x)", SumOf(build, "f(x)", std::move(parts)));
}

Result<bool> MaxWins(const Locator& at, const pugi::xml_node& model) {
  const std::string max_wins = Attribute(model, "maxWins").value_or("false");
  if (max_wins != "true" && max_wins != "false") return at.Invalid(model, "maxWins is not a boolean");
  return max_wins == "true";
}

// A binary classifier: PMML's label is targetCategory when f(x) < threshold
// (maxWins: f(x) > threshold), else alternateTargetCategory. The IR gets a
// 0/1 column d = [alternateTargetCategory is decided] and a binomial identity
// GLM p = d over the classes [targetCategory, alternateTargetCategory], whose
// label (p >= 0.5) is exactly PMML's.
Status LowerBinaryClassifier(ModelBuilder& build, const pugi::xml_node& model, const pugi::xml_node& machine,
                             const MachineForm& form) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  const std::optional<std::string> category = Attribute(machine, "targetCategory");
  const std::optional<std::string> alternate = Attribute(machine, "alternateTargetCategory");
  if (!category) return at.Invalid(machine, "a classifier's SupportVectorMachine needs targetCategory");
  if (!alternate) {
    // Older documents leave the second class to be inferred.
    return at.Unsupported(machine, "a binary classifier's SupportVectorMachine without alternateTargetCategory");
  }
  if (*category == *alternate) return at.Invalid(machine, "targetCategory equals alternateTargetCategory");
  const std::vector<std::string>& listed = pipeline.model.classes;
  if (!listed.empty()) {
    const bool same = listed.size() == 2 && ((listed[0] == *category && listed[1] == *alternate) ||
                                             (listed[0] == *alternate && listed[1] == *category));
    if (!same) {
      return at.Invalid(machine, "the target's values are not targetCategory and alternateTargetCategory");
    }
  }
  ASSIGN_OR_RETURN(const bool max_wins, MaxWins(at, model));
  ASSIGN_OR_RETURN(const double model_threshold, NumberAttribute(at, model, "threshold", 0.0));
  ASSIGN_OR_RETURN(const double threshold, NumberAttribute(at, machine, "threshold", model_threshold));

  const std::string value = DecisionValue(build, form);
  // Not targetCategory: f >= threshold (f <= threshold with maxWins); missing
  // when f is.
  const std::string decided = QuoteColumn(value) + (max_wins ? " <= " : " >= ") + NumberLiteral(threshold);
  const std::string indicator = build.AddHelperColumn(*alternate + " decided", IndicatorText(decided));
  const int32_t index = build.FeatureIndex(indicator);
  GlmModel glm;
  glm.family = GlmFamily::kBinomial;
  glm.link = LinkFunction::kIdentity;
  glm.coefficients.assign(pipeline.features.size(), 0.0);
  glm.coefficients[static_cast<size_t>(index)] = 1.0;
  glm.intercepts = {0.0};
  pipeline.model.task = Task::kClassification;
  pipeline.model.classes = {*category, *alternate};
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

// ln of a count column c as the GLM's softmax needs it: softmax(ln c) is
// c / Σ c. A count of 0 is held as ln 0 = kLogZero, whose share is exactly 0;
// missing stays missing.
constexpr double kLogZero = -800.0;
std::string LogCount(const std::string& column) {
  const std::string x = QuoteColumn(column);
  return "(if is_missing(" + x + ") then " + x + " else if " + x + " > 0 then log(" + x + ") else " +
         NumberLiteral(kLogZero) + ")";
}

// A multiclass classifier: one machine per pair of classes (OneAgainstOne) or
// per class (OneAgainstAll). Each class k gets a count column c_k (votes, or
// "k is the winner" as 0/1) and a multinomial GLM with coefficient 1 on
// ln c_k, whose softmax is c_k / Σ c: the vote shares, or 1 for the winner.
// Equal counts give equal probabilities, and Podium's label is then the
// lowest class index: PMML's "first category" among the tied ones. The IR's
// trees could hold one-hot votes too, but they cannot give the missing
// prediction PMML gives when an input is missing; the GLM does (every count
// column reads every machine's f).
Status LowerMulticlass(ModelBuilder& build, const pugi::xml_node& model, const std::vector<pugi::xml_node>& machines,
                       const std::vector<MachineForm>& forms, bool one_against_one) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  ASSIGN_OR_RETURN(const bool max_wins, MaxWins(at, model));
  ASSIGN_OR_RETURN(const double model_threshold, NumberAttribute(at, model, "threshold", 0.0));
  // Classes: the target's Values, else in the order the machines name them.
  std::vector<std::string> classes = pipeline.model.classes;
  const bool listed = !classes.empty();
  auto class_index = [&](const pugi::xml_node& machine, const std::string& label) -> Result<size_t> {
    const auto it = std::find(classes.begin(), classes.end(), label);
    if (it != classes.end()) return static_cast<size_t>(it - classes.begin());
    if (listed) return at.Invalid(machine, QuoteString(label) + " is not a class of the target");
    classes.push_back(label);
    return classes.size() - 1;
  };
  std::vector<std::string> values;  // f(x) per machine
  std::vector<size_t> first;        // targetCategory per machine
  std::vector<size_t> second;       // alternateTargetCategory per machine (OneAgainstOne)
  for (size_t m = 0; m < machines.size(); ++m) {
    const pugi::xml_node& machine = machines[m];
    const std::optional<std::string> category = Attribute(machine, "targetCategory");
    if (!category) return at.Invalid(machine, "a classifier's SupportVectorMachine needs targetCategory");
    ASSIGN_OR_RETURN(const size_t t, class_index(machine, *category));
    first.push_back(t);
    if (one_against_one) {
      const std::optional<std::string> alternate = Attribute(machine, "alternateTargetCategory");
      if (!alternate) {
        return at.Invalid(machine, "a OneAgainstOne SupportVectorMachine needs alternateTargetCategory");
      }
      if (*alternate == *category) return at.Invalid(machine, "targetCategory equals alternateTargetCategory");
      ASSIGN_OR_RETURN(const size_t a, class_index(machine, *alternate));
      second.push_back(a);
    } else if (std::find(first.begin(), first.end() - 1, t) != first.end() - 1) {
      return at.Invalid(machine, "a second OneAgainstAll machine for class " + QuoteString(*category));
    }
    values.push_back(DecisionValue(build, forms[m]));
  }
  if (classes.size() < 3) {
    // Two classes: Podium's binary label (p(second) >= 0.5) would give a
    // tie to the second class, PMML to the first.
    return at.Unsupported(machines[1], "several SupportVectorMachines for " + std::to_string(classes.size()) +
                                           " classes (a binary classifier has one machine)");
  }

  // Count expressions per class.
  std::vector<std::vector<std::string>> terms(classes.size());
  if (one_against_one) {
    for (size_t m = 0; m < machines.size(); ++m) {
      ASSIGN_OR_RETURN(const double threshold, NumberAttribute(at, machines[m], "threshold", model_threshold));
      // targetCategory wins: f < threshold (f > threshold with maxWins);
      // missing when f is.
      const std::string wins = QuoteColumn(values[m]) + (max_wins ? " > " : " < ") + NumberLiteral(threshold);
      const std::string decided = QuoteColumn(build.AddHelperColumn(classes[first[m]] + " wins machine " +
                                                                        std::to_string(m + 1),
                                                                    IndicatorText(wins)));
      terms[first[m]].push_back(decided);
      terms[second[m]].push_back("(1 - " + decided + ")");
    }
  } else {
    if (machines.size() > kMaxOneAgainstAllMachines) {
      return at.Unsupported(model, "more than " + std::to_string(kMaxOneAgainstAllMachines) +
                                       " OneAgainstAll SupportVectorMachines");
    }
    // The machine with the smallest f (largest with maxWins) names the class;
    // PMML leaves ties open, Podium gives them to the first such machine in
    // document order: f_m beats every earlier machine strictly and every
    // later one or equals it.
    for (size_t m = 0; m < machines.size(); ++m) {
      std::string condition;
      for (size_t j = 0; j < machines.size(); ++j) {
        if (j == m) continue;
        const std::string op = j < m ? (max_wins ? " > " : " < ") : (max_wins ? " >= " : " <= ");
        condition += (condition.empty() ? "" : " and ") + QuoteColumn(values[m]) + op + QuoteColumn(values[j]);
      }
      terms[first[m]].push_back(QuoteColumn(
          build.AddHelperColumn(classes[first[m]] + " wins", IndicatorText(condition))));
    }
  }
  std::vector<std::string> logs(classes.size());
  for (size_t k = 0; k < classes.size(); ++k) {
    if (terms[k].empty()) continue;  // never voted for: intercept ln 0
    const std::string count =
        build.AddHelperColumn(std::string(one_against_one ? "votes " : "winner ") + classes[k],
                              SumOf(build, "votes " + classes[k], terms[k]));
    logs[k] = build.AddHelperColumn("ln " + count, LogCount(count));
  }
  // Every machine's f is a feature, so that a missing f (a missing input)
  // makes the prediction missing for every class.
  std::vector<std::pair<size_t, int32_t>> rows;
  for (size_t k = 0; k < classes.size(); ++k) {
    if (!logs[k].empty()) rows.emplace_back(k, build.FeatureIndex(logs[k]));
  }
  for (const std::string& value : values) build.FeatureIndex(value);
  GlmModel glm;
  glm.family = GlmFamily::kMultinomial;
  glm.link = LinkFunction::kIdentity;
  const size_t n = pipeline.features.size();
  glm.coefficients.assign(classes.size() * n, 0.0);
  glm.intercepts.assign(classes.size(), kLogZero);
  for (const auto& [k, feature] : rows) {
    glm.intercepts[k] = 0.0;
    glm.coefficients[k * n + static_cast<size_t>(feature)] = 1.0;
  }
  pipeline.model.task = Task::kClassification;
  pipeline.model.classes = std::move(classes);
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

}  // namespace

Status LowerSupportVectorMachine(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target,
                                 bool classification) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  const std::string representation = Attribute(model, "svmRepresentation").value_or("SupportVectors");
  if (representation != "SupportVectors" && representation != "Coefficients") {
    return at.Invalid(model, "unknown svmRepresentation " + QuoteString(representation));
  }
  const std::string method = Attribute(model, "classificationMethod").value_or("OneAgainstAll");
  if (method != "OneAgainstAll" && method != "OneAgainstOne") {
    return at.Invalid(model, "unknown classificationMethod " + QuoteString(method));
  }
  const std::vector<pugi::xml_node> machines = Children(model, "SupportVectorMachine");
  if (machines.empty()) return at.Invalid(model, "missing SupportVectorMachine");
  if (machines.size() > 1) {
    if (!classification) {
      return at.Invalid(machines[1], "a regression SupportVectorMachineModel has one SupportVectorMachine");
    }
  }
  ASSIGN_OR_RETURN(const KernelSpec kernel, ReadKernel(at, model));

  const pugi::xml_node dictionary = FirstChild(model, "VectorDictionary");
  if (!dictionary) return at.Invalid(model, "missing VectorDictionary");
  const pugi::xml_node fields = FirstChild(dictionary, "VectorFields");
  if (!fields) return at.Invalid(dictionary, "missing VectorFields");
  ASSIGN_OR_RETURN(const std::vector<std::string> components, ReadVectorFields(build, fields));
  Instances instances;
  const std::vector<pugi::xml_node> instance_nodes = Children(dictionary, "VectorInstance");
  if (instance_nodes.size() > kMaxCoordinates / components.size()) {
    return ResourceExhaustedError(at.Where(dictionary) + ": more than " + std::to_string(kMaxCoordinates) +
                                  " vector coordinates (VectorInstances times vector fields)");
  }
  for (const pugi::xml_node& instance : instance_nodes) {
    const std::optional<std::string> id = Attribute(instance, "id");
    if (!id) return at.Invalid(instance, "missing attribute 'id'");
    ASSIGN_OR_RETURN(std::vector<double> values, ReadInstance(at, instance, components.size()));
    if (!instances.emplace(*id, std::move(values)).second) {
      return at.Invalid(instance, "vector id " + QuoteString(*id) + " is used twice");
    }
  }
  RETURN_IF_ERROR(CheckCount(at, dictionary, "numberOfVectors", instance_nodes.size()));
  if (machines.size() > 1) {
    std::vector<MachineForm> forms;
    for (const pugi::xml_node& machine : machines) {
      ASSIGN_OR_RETURN(MachineForm form, ReadMachine(build, model, machine, representation == "Coefficients", kernel,
                                                     components, instances));
      forms.push_back(std::move(form));
    }
    return LowerMulticlass(build, model, machines, forms, method == "OneAgainstOne");
  }
  ASSIGN_OR_RETURN(const MachineForm form, ReadMachine(build, model, machines[0], representation == "Coefficients",
                                                       kernel, components, instances));
  if (classification) return LowerBinaryClassifier(build, model, machines[0], form);

  std::vector<std::pair<int32_t, double>> indexed;
  for (const auto& [column, coefficient] : form.terms) indexed.emplace_back(build.FeatureIndex(column), coefficient);
  GlmModel glm;
  glm.family = GlmFamily::kGaussian;
  glm.link = LinkFunction::kIdentity;
  glm.coefficients.assign(pipeline.features.size(), 0.0);
  for (const auto& [index, coefficient] : indexed) {
    glm.coefficients[static_cast<size_t>(index)] += coefficient * target.rescale_factor;
  }
  glm.intercepts = {form.intercept * target.rescale_factor + target.rescale_constant};
  pipeline.model.task = Task::kRegression;
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

}  // namespace podium::pmml_internal
