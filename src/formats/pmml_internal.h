// Internal to the PMML importer (formats/pmml.h): the parsed document with
// its line table, the field scope, and the lowering of PMML expressions to
// Podium's expression language. Not a public interface.
#ifndef PODIUM_FORMATS_PMML_INTERNAL_H_
#define PODIUM_FORMATS_PMML_INTERNAL_H_

#include <pugixml.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "expr/expr.h"
#include "pipeline/pipeline.h"

namespace podium::pmml_internal {

// The element name without a namespace prefix: PMML files use the default
// namespace, a "pmml:" prefix, or none, and every version has its own URI.
std::string_view LocalName(const pugi::xml_node& node);

// Element children with a given local name.
std::vector<pugi::xml_node> Children(const pugi::xml_node& node, std::string_view name);
// All element children, Extensions skipped.
std::vector<pugi::xml_node> ElementChildren(const pugi::xml_node& node);
pugi::xml_node FirstChild(const pugi::xml_node& node, std::string_view name);
// The attribute's value, or nullopt when absent.
std::optional<std::string> Attribute(const pugi::xml_node& node, std::string_view name);

// Maps byte offsets of the source text to 1-based line numbers, so that every
// error names the element and its line.
class Locator {
 public:
  explicit Locator(std::string_view text);
  int LineOf(const pugi::xml_node& node) const;
  int LineOfOffset(ptrdiff_t offset) const;  // 0 when unknown
  // "<Apply> (line 12)".
  std::string Where(const pugi::xml_node& node) const;
  // kInvalidArgument / kUnimplemented with the element and line in front.
  Status Invalid(const pugi::xml_node& node, const std::string& problem) const;
  Status Unsupported(const pugi::xml_node& node, const std::string& problem) const;

 private:
  std::vector<size_t> line_starts_;
};

// A string-valued derived field (MapValues or Discretize to strings). The IR's
// derived columns are numbers or booleans, so such a field has no column of
// its own; what PMML can ask of it (is it equal to a value, is it missing) is
// spelled as boolean expressions over the columns it derives from.
struct SymbolicCategory {
  // value -> "the field equals value" (missing when the field is missing),
  // for every value the field can take.
  std::map<std::string, std::string> equals;
  // "the field is missing" (never missing itself).
  std::string is_missing;
};

// A column visible to PMML expressions under a PMML field name.
struct ScopeField {
  std::string column;  // the pipeline column that holds the value (empty when symbolic)
  expr::Type type = expr::Type::kNumber;
  bool integral = false;  // values are whole numbers (integer fields)
  bool ordinal = false;   // optype ordinal: levels are ordered
  std::vector<std::string> levels;  // category columns with a closed set
  bool may_be_missing = true;
  std::optional<SymbolicCategory> symbolic;  // set for string-valued derived fields
  // Set for a DefineFunction's ParameterField bound to an argument that is
  // not a plain field (pmml_expr.cc inlines user functions): the argument's
  // expression, used wherever the column would be (`column` is then empty).
  std::string inline_text;
  bool may_be_invalid = false;  // that argument may be invalid (see Lowered)
  // An input read with invalidValueTreatment asIs: its invalid values reach
  // expressions as values, and which ones PMML calls invalid is not kept.
  bool unchecked = false;
};

// Field names -> columns, and the pipeline's column names (to keep generated
// names unique).
struct Scope {
  std::map<std::string, ScopeField, std::less<>> fields;
  std::set<std::string, std::less<>> columns;
  // The TransformationDictionary's DefineFunctions by name: an Apply naming
  // one is lowered by inlining its body (pmml_expr.cc).
  std::map<std::string, pugi::xml_node, std::less<>> functions;
  // The user functions being inlined, outermost first (to refuse recursion).
  std::vector<std::string> calls;
  const ScopeField* Find(std::string_view name) const;
  // `base`, or `base#2`, `base#3`, ... : a column name not yet used.
  std::string FreshColumn(const std::string& base);
};

// An expression-language text and what it evaluates to.
struct Lowered {
  std::string text;
  expr::Type type = expr::Type::kNumber;
  bool integral = false;
  // Set when the expression is just a column (text is the quoted name).
  const ScopeField* column = nullptr;
  // Set for Constant: its text as written (compared with category columns).
  std::optional<std::string> literal;
  // Set for string-valued MapValues and Discretize (text is then empty).
  std::optional<SymbolicCategory> symbolic;
  // The value may be one PMML calls invalid (x / 0, ln(0), an overflow), which
  // Podium, as everywhere, holds as missing (Apply defaultValue and
  // invalidValueTreatment depend on it).
  bool may_be_invalid = false;
};

// Expression-language spellings.
std::string QuoteColumn(std::string_view name);
std::string QuoteString(std::string_view text);
std::string NumberLiteral(double value);  // parenthesised when negative
std::optional<double> ParseDouble(std::string_view text);

// "field is missing" and "field == value" (value as PMML text: a level, a
// number or a boolean) as boolean expressions; missing when the field is.
std::string MissingTest(const ScopeField& field);
Result<std::string> EqualsText(const Locator& at, const pugi::xml_node& node, const ScopeField& field,
                               const std::string& value);

// Lowers one PMML expression element (Constant, FieldRef, NormContinuous,
// NormDiscrete, Discretize, MapValues, Apply) to an expression over the
// columns in `scope`. Errors name the element and line.
// `want_string`: the result is declared a string, so MapValues and
// Discretize give a symbolic category even when their values look numeric.
Result<Lowered> LowerExpression(const Locator& at, const Scope& scope, const pugi::xml_node& node,
                                bool want_string = false);

// Registers the DefineFunctions of a TransformationDictionary in `scope`
// (checked when an Apply inlines them); refuses one named like a built-in.
Status AddDefineFunctions(const Locator& at, Scope& scope, const pugi::xml_node& dictionary);

// Lowers a DerivedField: either an alias of an existing column (a plain
// FieldRef) or a derive transform appended to `transforms`; the field is
// added to `scope`.
Status AddDerivedField(const Locator& at, Scope& scope, const pugi::xml_node& derived_field,
                       std::vector<Transform>& transforms);

// pmml_strings.cc: PMML's string functions (uppercase, lowercase, substring,
// trimBlanks, concat, replace, matches, stringLength; formatNumber is
// refused). Arguments must take finitely many values (categories with listed
// levels, symbolic categories, constants): the function is evaluated at
// import for each, and a text result is a SymbolicCategory. `args` are the
// Apply's expression children, lowered. Errors name the Apply and its line.
bool IsStringFunction(std::string_view function);
Result<Lowered> LowerStringFunction(const Locator& at, const pugi::xml_node& apply, const std::string& function,
                                    const std::vector<Lowered>& args);

// The space-separated items of a PMML Array (strings may be quoted).
Result<std::vector<std::string>> ArrayItems(const Locator& at, const pugi::xml_node& array);

// The finite number in attribute `name` of `node`; `fallback` when the
// attribute is absent, which without a fallback is an error.
Result<double> NumberAttribute(const Locator& at, const pugi::xml_node& node, std::string_view name,
                               std::optional<double> fallback);

// The index of class `label` in `classes` (kInvalidArgument naming `where`).
Result<size_t> ClassIndex(const Locator& at, const pugi::xml_node& where, const std::vector<std::string>& classes,
                          const std::string& label);

// The class probabilities of a node's or rule's ScoreDistributions (not
// empty): their `probability` attributes when all have one, else recordCount
// / total. With `score` (the element's predicted class), refuses an element
// whose score is not the class the IR's label rule picks from these
// probabilities (binary: p(second) >= 0.5, else the first largest), as the
// IR's label follows the probabilities.
Result<std::vector<double>> DistributionProbabilities(const Locator& at, const pugi::xml_node& owner,
                                                      const std::vector<pugi::xml_node>& distribution,
                                                      const std::vector<std::string>& classes,
                                                      const std::optional<std::string>& score);

// The first predicate element (SimplePredicate, CompoundPredicate,
// SimpleSetPredicate, True, False) among a node's children, or a null node.
pugi::xml_node PredicateOf(const pugi::xml_node& node);

// A boolean expression as a number: 1 when true, 0 when false, missing when
// missing (the expression language's `if` would take the else branch).
std::string IndicatorText(const std::string& condition);

// A PMML predicate as a boolean expression under PMML's three-valued logic:
// true, false, or missing for UNKNOWN (a comparison with a missing value).
// `if p then a else b` then takes `a` exactly when PMML's predicate is TRUE.
Result<std::string> PredicateText(const Locator& at, const Scope& scope, const pugi::xml_node& predicate);

// The model's target field and the Targets rescaling of its prediction.
struct TargetInfo {
  std::string name;
  double rescale_factor = 1.0;
  double rescale_constant = 0.0;
  bool rescaled = false;
};

// What a model lowering adds to the pipeline being built: model features and
// helper columns (a derive transform per distinct expression, so equal terms
// share one column).
class ModelBuilder {
 public:
  ModelBuilder(const Locator& at, Scope& scope, Pipeline& pipeline) : at_(at), scope_(scope), pipeline_(pipeline) {}
  ModelBuilder(const ModelBuilder&) = delete;
  ModelBuilder& operator=(const ModelBuilder&) = delete;

  // The index of `column` among the model's features, added when new.
  int32_t FeatureIndex(const std::string& column);
  // A column holding `expression`, named `base` (made unique).
  std::string AddHelperColumn(const std::string& base, const std::string& expression);
  // The field named by the node's attribute (kInvalidArgument when absent or unknown).
  Result<const ScopeField*> Field(const pugi::xml_node& node, std::string_view attribute = "field") const;
  // Forgets the model's features (pmml_segmentation.cc: each segment's model
  // is lowered over features of its own, then becomes derived columns).
  void ClearFeatures();
  // What the builder has added so far, to undo a lowering that failed part
  // way (its helper columns and features) before another is tried.
  struct Checkpoint {
    size_t transforms = 0;
    size_t features = 0;
    std::set<std::string, std::less<>> columns;
    std::map<std::string, int32_t, std::less<>> feature_index;
    std::map<std::string, std::string, std::less<>> helper_columns;
  };
  Checkpoint Save() const;
  void Restore(Checkpoint checkpoint);

  const Locator& at() const { return at_; }
  const Scope& scope() const { return scope_; }
  Pipeline& pipeline() { return pipeline_; }

 private:
  const Locator& at_;
  Scope& scope_;
  Pipeline& pipeline_;
  std::map<std::string, int32_t, std::less<>> feature_index_;
  std::map<std::string, std::string, std::less<>> helper_columns_;  // expression -> column
};

// Model lowerings (one file each). They set pipeline.model (task, classes,
// body) and the features; classes arrive as the target's listed values (may
// be empty). Errors name the element and line.
//   pmml_general_regression.cc: GeneralRegressionModel -> GLM.
Status LowerGeneralRegression(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target,
                              bool classification);
//   pmml_scorecard.cc: Scorecard -> identity GLM over one column per Characteristic.
Status LowerScorecard(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target);
//   Whether a Scorecard computes reason codes (useReasonCodes, default true).
Result<bool> UsesReasonCodes(const Locator& at, const pugi::xml_node& model);
//   A Scorecard's reasonCode OutputFields (rank k, default 1) name the reason columns: names.reasons.
Status NameReasonCodeOutputs(const Locator& at, const pugi::xml_node& model,
                             const std::vector<pugi::xml_node>& fields, OutputNames& names);
//   pmml_naive_bayes.cc: NaiveBayesModel -> multinomial GLM over log-likelihood columns.
Status LowerNaiveBayes(ModelBuilder& build, const pugi::xml_node& model);
//   pmml_neural_network.cc: NeuralNetwork -> derived columns per neuron and a GLM.
Status LowerNeuralNetwork(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target,
                          bool classification);
//   pmml_svm.cc: SupportVectorMachineModel -> identity GLM over kernel columns (regression), or a
//   binomial GLM over the 0/1 decision of one machine (binary classification).
Status LowerSupportVectorMachine(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target,
                                 bool classification);
//   pmml_ruleset.cc: RuleSetModel (classification) -> one tree chaining 0/1 "rule fires" columns.
//   With `with_outputs` (the document's model, not a Segment's) its confidence and entityId
//   OutputFields become derived outputs (post.outputs).
Status LowerRuleSet(ModelBuilder& build, const pugi::xml_node& model, bool with_outputs = false);
//   The OutputField features LowerRuleSet reads itself (the Output check skips them).
bool IsRuleSetOutput(std::string_view feature);

//   pmml_clustering.cc: center-based ClusteringModel -> the IR's clustering model; also names
//   the pipeline's outputs from the model's Output.
Status LowerClustering(ModelBuilder& build, const pugi::xml_node& model);

//   pmml_segmentation.cc: MiningModel segments combined by expressions.
//   One segment's outputs as columns, and whether the segment takes part.
struct SegmentColumns {
  std::string selected;             // a 0/1 column: 1 when the Segment's predicate is TRUE
  bool always = false;              // the predicate is <True/>
  double weight = 1.0;
  std::vector<std::string> values;  // the prediction, or one probability per class
};
//   The outputs of the model lowered into build.pipeline() (model and features) as derived
//   columns: the prediction (regression) or one probability per class, in model.classes order.
Result<std::vector<std::string>> ModelValueColumns(ModelBuilder& build, const pugi::xml_node& model,
                                                   const std::string& base);
//   The columns of a Segmentation's result under multipleModelMethod `method` (`outputs`
//   values per segment); refuses what the IR cannot give, naming the Segmentation.
Result<std::vector<std::string>> CombineSegments(ModelBuilder& build, const pugi::xml_node& segmentation,
                                                 const std::string& method, const std::vector<SegmentColumns>& segments,
                                                 bool classification, size_t outputs);
//   One IR tree's value (leaf width 1) over the model's features (build.pipeline().features) as an
//   expression column named after `base`, compared in float with `in_float`, as the segments'
//   trees; refuses a tree deeper than the expression language nests, naming `where`.
Result<std::string> TreeValueColumn(ModelBuilder& build, const pugi::xml_node& where, const Tree& tree,
                                    bool in_float, const std::string& base);
//   The pipeline's model over combined columns: a gaussian identity GLM on the prediction
//   (with the Targets rescaling), or a multinomial GLM over log-probabilities.
Status SetCombinedModel(ModelBuilder& build, const std::vector<std::string>& columns, bool classification,
                        const TargetInfo& target);

//   pmml_tree_missing.cc: a TreeModel whose missing-value handling the IR's binary trees cannot
//   express (missingValueStrategy weightedConfidence or aggregateNodes, or a null prediction
//   that can happen) as derived columns: the prediction (regression) or one probability per
//   class in `classes` order, all missing where PMML gives no prediction. SetCombinedModel
//   then makes them the pipeline's model. `classes` is empty for a regression.
Result<std::vector<std::string>> TreeModelColumns(ModelBuilder& build, const pugi::xml_node& tree_model,
                                                  const std::vector<std::string>& classes);
//   Whether the TreeModel's missingValueStrategy follows several children at once
//   (weightedConfidence, aggregateNodes), which only TreeModelColumns lowers.
bool FollowsSeveralChildren(const pugi::xml_node& tree_model);

}  // namespace podium::pmml_internal

#endif  // PODIUM_FORMATS_PMML_INTERNAL_H_
