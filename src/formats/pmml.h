// Importing PMML documents (versions 3.0 to 4.4; docs/formats/pmml.md).
//
// ImportPmml lowers a PMML document to the pipeline IR (pipeline/pipeline.h)
// exactly, or refuses it: a construct whose PMML meaning the IR cannot express
// is an error naming the element and its line, never an approximation.
//   * DataDictionary + MiningSchema -> input fields. Only active fields become
//     inputs; continuous double/integer fields are numbers/integers (an
//     Interval is the allowed range), categorical/ordinal string fields
//     categories (Value elements are the levels), boolean fields booleans.
//     missingValueReplacement and invalidValueTreatment become the field's
//     on_missing/on_invalid policies.
//   * TransformationDictionary and LocalTransformations -> derive transforms
//     in the expression language (docs/formats/pmml.md lists the constructs
//     and how each is spelled); string-valued MapValues and Discretize, which
//     the IR's columns cannot hold, are kept symbolic and every comparison
//     with them is spelled over their inputs.
//   * RegressionModel -> a GLM; TreeModel -> a one-tree ensemble; MiningModel
//     with a Segmentation of TreeModels (sum, average, weightedAverage,
//     majorityVote, weightedMajorityVote) -> a tree ensemble.
//   * GeneralRegressionModel (regression, generalLinear, generalizedLinear,
//     multinomialLogistic, ordinalMultinomial) -> a GLM whose features are
//     the parameters' PPMatrix products; links the IR lacks and ordinal
//     models with more than two categories go through derived columns.
//   * Scorecard -> a column per Characteristic holding its first matching
//     Attribute's partial score, summed by an identity GLM (baselines as the
//     GLM's feature means); reasonCode outputs are refused.
//   * NaiveBayesModel -> log-likelihood columns per input and class and a
//     multinomial GLM over them (softmax = PMML's normalisation).
//   * NeuralNetwork -> a derived column per NeuralInput and hidden neuron and
//     a GLM for the output layer (softmax of identity neurons: multinomial;
//     an identity output neuron: gaussian identity with the de-normalisation
//     folded in; other output layers through derived columns).
//   * SupportVectorMachineModel -> a derived column per kernel value K(x, v_i)
//     and an identity GLM (regression); a binary classifier's 0/1 decision
//     (f(x) against the threshold) and a binomial GLM over it. Multiclass
//     SVMs are refused.
//   * Targets rescaleFactor/rescaleConstant are folded into the model.
// One code path serves every version; where versions differ (usageType
// "predicted" before 4.3 and "target" since, attributes added in later
// versions) the difference is handled where the attribute is read.
//
// Safety: the document is parsed by pugixml with no DTD processing and no
// entity expansion; a document with a DOCTYPE (and so any ENTITY declaration)
// is refused before anything else is looked at. Input size and element
// nesting depth are bounded (options); the nesting check is iterative.
//
// Errors (messages start with the element and its line, e.g.
// "<Apply> (line 12): function 'substring' is not supported ..."):
//   kInvalidArgument   not XML, not PMML, or malformed PMML (a missing
//                      attribute, an unknown field, a bad number);
//   kResourceExhausted the text is larger than options.max_bytes, nests
//                      deeper than options.max_depth, or the trees would need
//                      more than options.max_nodes nodes;
//   kUnimplemented     valid PMML that the IR cannot express exactly.
// Never crashes or throws on any input.
//
// Thread-safe (pure function).
#ifndef PODIUM_FORMATS_PMML_H_
#define PODIUM_FORMATS_PMML_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "pipeline/pipeline.h"

namespace podium {

struct PmmlImportOptions {
  // Pipeline::name. The caller usually derives it from the file name.
  std::string name;
  // Refuse larger documents (bytes).
  size_t max_bytes = size_t{64} << 20;
  // Refuse documents whose elements nest deeper than this.
  int max_depth = 512;
  // Refuse models whose trees would need more nodes than this, over all trees
  // (predicates such as compound ones are expanded into binary splits).
  size_t max_nodes = 10'000'000;
};

// True when `text` looks like a PMML document: XML whose root element is
// PMML (in any namespace). Cheap; for format detection.
bool LooksLikePmml(std::string_view text);

// Parses a PMML document and returns the pipeline that scores it. The result
// passes ValidatePipeline. Pipeline::source records the provenance, e.g.
// "pmml 4.4 RegressionModel (Application: KNIME 4.7)".
Result<Pipeline> ImportPmml(std::string_view xml, const PmmlImportOptions& options);

// The post.prediction_expression that a regression's Target min, max and
// castInteger ("round", "ceiling" or "floor"; empty for none) become: the
// prediction (`score`) clamped to [min, max], then cast to a whole number,
// halves rounded toward +infinity. Empty when there is nothing to do. The
// exporter recognises exactly these texts.
std::string TargetPredictionExpression(std::optional<double> min, std::optional<double> max, std::string_view cast);

}  // namespace podium

#endif  // PODIUM_FORMATS_PMML_H_
