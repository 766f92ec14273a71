// ClusteringModel lowered to the IR (docs/formats/pmml.md, "ClusteringModel →
// clustering model").
//
// A center-based ClusteringModel is the IR's clustering model term for term:
// the ComparisonMeasure's measure, each center ClusteringField's compare
// function, fieldWeight and similarityScale, the MissingValueWeights, and one
// center per Cluster (its Array, one coordinate per center field). A
// cluster's id (its `id` attribute, else its 1-based position) is its class,
// what PMML's predictedValue gives. Distribution-based models, CenterFields,
// the `table` compare function and Comparisons matrices are refused.
//
// Output fields name the pipeline's outputs: predictedValue, entityId and
// clusterId (where it is the id) name the cluster column; affinity,
// clusterAffinity and entityAffinity with a `value` (a cluster id) name that
// cluster's affinity column. The winner's affinity alone (no `value`) and
// other features are not outputs of the IR and are refused by name.
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "formats/pmml_internal.h"

namespace podium::pmml_internal {
namespace {

// Coordinates (clusters times center fields) held while importing.
constexpr size_t kMaxCoordinates = 10'000'000;
constexpr size_t kMaxClusters = 100'000;

Result<CompareFunction> ReadCompareFunction(const Locator& at, const pugi::xml_node& node, const std::string& name) {
  if (name == "absDiff") return CompareFunction::kAbsDiff;
  if (name == "gaussSim") return CompareFunction::kGaussSim;
  if (name == "delta") return CompareFunction::kDelta;
  if (name == "equal") return CompareFunction::kEqual;
  if (name == "table") return at.Unsupported(node, "compareFunction \"table\" (a Comparisons matrix)");
  return at.Invalid(node, "unknown compareFunction " + QuoteString(name) +
                              " (PMML's are absDiff, gaussSim, delta, equal, table)");
}

// The ComparisonMeasure: kind, measure and the default compare function.
struct Measure {
  ClusterMeasure measure = ClusterMeasure::kEuclidean;
  double minkowski_p = 2.0;
  BinarySimilarity binary;
  CompareFunction compare = CompareFunction::kAbsDiff;
};

Result<Measure> ReadMeasure(const Locator& at, const pugi::xml_node& model) {
  const pugi::xml_node comparison = FirstChild(model, "ComparisonMeasure");
  if (!comparison) return at.Invalid(model, "missing ComparisonMeasure");
  const std::optional<std::string> kind = Attribute(comparison, "kind");
  if (kind != "distance" && kind != "similarity") {
    return at.Invalid(comparison, "kind must be \"distance\" or \"similarity\"");
  }
  Measure out;
  ASSIGN_OR_RETURN(out.compare,
                   ReadCompareFunction(at, comparison, Attribute(comparison, "compareFunction").value_or("absDiff")));
  const std::vector<pugi::xml_node> elements = ElementChildren(comparison);
  if (elements.size() != 1) return at.Invalid(comparison, "expected exactly one measure element");
  const pugi::xml_node element = elements[0];
  const std::string_view name = LocalName(element);
  if (name == "euclidean") {
    out.measure = ClusterMeasure::kEuclidean;
  } else if (name == "squaredEuclidean") {
    out.measure = ClusterMeasure::kSquaredEuclidean;
  } else if (name == "cityBlock") {
    out.measure = ClusterMeasure::kCityBlock;
  } else if (name == "chebychev") {
    out.measure = ClusterMeasure::kChebychev;
  } else if (name == "minkowski") {
    out.measure = ClusterMeasure::kMinkowski;
    if (!Attribute(element, "p-parameter")) return at.Invalid(element, "missing attribute 'p-parameter'");
    ASSIGN_OR_RETURN(out.minkowski_p, NumberAttribute(at, element, "p-parameter", 2.0));
    if (out.minkowski_p < 1.0) return at.Unsupported(element, "p-parameter below 1 (not a distance)");
  } else if (name == "simpleMatching") {
    out.measure = ClusterMeasure::kSimpleMatching;
  } else if (name == "jaccard") {
    out.measure = ClusterMeasure::kJaccard;
  } else if (name == "tanimoto") {
    out.measure = ClusterMeasure::kTanimoto;
  } else if (name == "binarySimilarity") {
    out.measure = ClusterMeasure::kBinarySimilarity;
    const std::pair<const char*, double BinarySimilarity::*> coefficients[] = {
        {"c00-parameter", &BinarySimilarity::c00}, {"c01-parameter", &BinarySimilarity::c01},
        {"c10-parameter", &BinarySimilarity::c10}, {"c11-parameter", &BinarySimilarity::c11},
        {"d00-parameter", &BinarySimilarity::d00}, {"d01-parameter", &BinarySimilarity::d01},
        {"d10-parameter", &BinarySimilarity::d10}, {"d11-parameter", &BinarySimilarity::d11}};
    for (const auto& [attribute, member] : coefficients) {
      if (!Attribute(element, attribute)) return at.Invalid(element, "missing attribute '" + std::string(attribute) + "'");
      ASSIGN_OR_RETURN(out.binary.*member, NumberAttribute(at, element, attribute, 0.0));
    }
  } else {
    return at.Invalid(element, "unknown measure (PMML's are euclidean, squaredEuclidean, chebychev, cityBlock, "
                               "minkowski, simpleMatching, jaccard, tanimoto, binarySimilarity)");
  }
  if ((*kind == "similarity") != IsSimilarity(out.measure)) {
    return at.Invalid(element, std::string(name) + " is a " + (IsSimilarity(out.measure) ? "similarity" : "distance") +
                                   " but the ComparisonMeasure's kind is " + QuoteString(*kind));
  }
  return out;
}

// The center ClusteringFields as model features, with their terms.
Status ReadFields(ModelBuilder& build, const pugi::xml_node& model, const Measure& measure,
                  ClusteringModel& clustering) {
  const Locator& at = build.at();
  const std::vector<pugi::xml_node> fields = Children(model, "ClusteringField");
  if (fields.empty()) return at.Invalid(model, "no ClusteringField");
  bool any_gauss = false;
  std::vector<double> scales;
  std::set<std::string> seen;
  for (const pugi::xml_node& field : fields) {
    if (FirstChild(field, "Comparisons")) return at.Unsupported(field, "a Comparisons matrix");
    const std::string center = Attribute(field, "isCenterField").value_or("true");
    if (center != "true" && center != "false") return at.Invalid(field, "isCenterField must be true or false");
    if (center == "false") continue;  // not compared with the centers
    ASSIGN_OR_RETURN(const ScopeField* input, build.Field(field));
    const std::string name = *Attribute(field, "field");
    if (input->symbolic || (input->type != expr::Type::kNumber && input->type != expr::Type::kBoolean)) {
      return at.Unsupported(field, "field " + QuoteString(name) +
                                       " is not numeric (the IR compares numbers; encode categories first)");
    }
    if (!seen.insert(input->column).second) return at.Invalid(field, "field " + QuoteString(name) + " is listed twice");
    build.FeatureIndex(input->column);
    ASSIGN_OR_RETURN(const double weight, NumberAttribute(at, field, "fieldWeight", 1.0));
    if (!(weight > 0.0)) return at.Invalid(field, "fieldWeight must be positive");
    CompareFunction compare = measure.compare;
    if (const std::optional<std::string> own = Attribute(field, "compareFunction")) {
      ASSIGN_OR_RETURN(compare, ReadCompareFunction(at, field, *own));
    }
    double scale = 0.0;
    if (IsSimilarity(measure.measure)) {
      // Binary similarities count matches: no compare function, no weight.
      if (weight != 1.0) {
        return at.Unsupported(field, "fieldWeight with " + std::string(ClusterMeasureName(measure.measure)) +
                                         " (binary similarities count matching values and use no weights)");
      }
      compare = CompareFunction::kAbsDiff;
    } else if (compare == CompareFunction::kGaussSim) {
      if (!Attribute(field, "similarityScale")) return at.Invalid(field, "gaussSim needs a similarityScale");
      ASSIGN_OR_RETURN(scale, NumberAttribute(at, field, "similarityScale", 0.0));
      if (!(scale > 0.0)) return at.Invalid(field, "similarityScale must be positive");
      any_gauss = true;
    }
    clustering.compare.push_back(compare);
    clustering.field_weights.push_back(weight);
    scales.push_back(scale);
  }
  if (clustering.compare.empty()) return at.Invalid(model, "no ClusteringField is a center field");
  if (any_gauss) clustering.similarity_scale = std::move(scales);
  return Status::Ok();
}

Result<std::vector<double>> ReadNumbers(const Locator& at, const pugi::xml_node& array, size_t expected,
                                        const std::string& what) {
  const std::string type = Attribute(array, "type").value_or("real");
  if (type != "real" && type != "int") return at.Invalid(array, "expected a numeric Array (type real or int)");
  ASSIGN_OR_RETURN(std::vector<std::string> items, ArrayItems(at, array));
  if (items.size() != expected) {
    return at.Invalid(array, what + " has " + std::to_string(items.size()) + " values, expected " +
                                 std::to_string(expected) + " (one per center field)");
  }
  std::vector<double> values;
  for (const std::string& item : items) {
    const std::optional<double> value = ParseDouble(item);
    if (!value) return at.Invalid(array, what + ": " + QuoteString(item) + " is not a finite number");
    values.push_back(*value);
  }
  return values;
}

// One center per Cluster; its id (else its position) is its class.
Status ReadClusters(ModelBuilder& build, const pugi::xml_node& model, ClusteringModel& clustering,
                    std::vector<std::string>& names) {
  const Locator& at = build.at();
  const size_t f = clustering.compare.size();
  const std::vector<pugi::xml_node> clusters = Children(model, "Cluster");
  if (clusters.empty()) return at.Invalid(model, "no Cluster");
  if (clusters.size() > kMaxClusters || clusters.size() * f > kMaxCoordinates) {
    return at.Unsupported(model, "more than " + std::to_string(kMaxCoordinates) + " center coordinates");
  }
  if (const std::optional<std::string> n = Attribute(model, "numberOfClusters")) {
    if (*n != std::to_string(clusters.size())) {
      return at.Invalid(model, "numberOfClusters is " + *n + " but " + std::to_string(clusters.size()) +
                                   " Clusters are listed");
    }
  }
  std::vector<std::string>& ids = build.pipeline().model.classes;
  std::set<std::string> seen;
  for (size_t c = 0; c < clusters.size(); ++c) {
    const pugi::xml_node& cluster = clusters[c];
    const std::string id = Attribute(cluster, "id").value_or(std::to_string(c + 1));
    if (id.empty()) return at.Invalid(cluster, "the cluster id is empty");
    if (!seen.insert(id).second) return at.Invalid(cluster, "cluster id " + QuoteString(id) + " is used twice");
    const pugi::xml_node array = FirstChild(cluster, "Array");
    if (!array) return at.Invalid(cluster, "a center-based cluster needs its center as an Array");
    ASSIGN_OR_RETURN(std::vector<double> center, ReadNumbers(at, array, f, "the center"));
    if (IsSimilarity(clustering.measure)) {
      for (double v : center) {
        if (v != 0.0 && v != 1.0) {
          return at.Invalid(array, std::string(ClusterMeasureName(clustering.measure)) +
                                       " compares binary data, but the center has a value other than 0 and 1");
        }
      }
    }
    clustering.centers.insert(clustering.centers.end(), center.begin(), center.end());
    ids.push_back(id);
    names.push_back(Attribute(cluster, "name").value_or(id));
  }
  return Status::Ok();
}

Status ReadMissingValueWeights(const Locator& at, const pugi::xml_node& model, ClusteringModel& clustering) {
  const pugi::xml_node weights = FirstChild(model, "MissingValueWeights");
  if (!weights) return Status::Ok();
  for (const pugi::xml_node& field : Children(model, "ClusteringField")) {
    if (Attribute(field, "isCenterField") == "false") {
      return at.Unsupported(weights, "MissingValueWeights in a model with a ClusteringField that is not a center "
                                     "field (which weights belong to which field is ambiguous)");
    }
  }
  if (IsSimilarity(clustering.measure)) {
    return at.Unsupported(weights, "MissingValueWeights with a similarity measure (only distances are adjusted)");
  }
  const pugi::xml_node array = FirstChild(weights, "Array");
  if (!array) return at.Invalid(weights, "missing Array");
  ASSIGN_OR_RETURN(clustering.missing_weights,
                   ReadNumbers(at, array, clustering.compare.size(), "MissingValueWeights"));
  for (double q : clustering.missing_weights) {
    if (!(q > 0.0)) return at.Invalid(array, "a missing-value weight must be positive");
  }
  return Status::Ok();
}

// The Output element as the pipeline's output names.
Status ReadOutput(ModelBuilder& build, const pugi::xml_node& model, const std::vector<std::string>& names) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  const std::vector<std::string>& ids = pipeline.model.classes;
  const pugi::xml_node output = FirstChild(model, "Output");
  if (!output) return Status::Ok();
  bool ids_are_positions = true;
  for (size_t c = 0; c < ids.size(); ++c) ids_are_positions = ids_are_positions && ids[c] == std::to_string(c + 1);
  bool names_are_ids = names == ids;
  std::vector<std::string> affinities;
  bool named_affinity = false;
  for (const pugi::xml_node& field : Children(output, "OutputField")) {
    const std::string feature = Attribute(field, "feature").value_or("predictedValue");
    const std::optional<std::string> name = Attribute(field, "name");
    if (!name) return at.Invalid(field, "missing attribute 'name'");
    if (!ElementChildren(field).empty()) return at.Unsupported(field, "an OutputField computed by an expression");
    if (feature == "predictedValue" || feature == "entityId" || feature == "clusterId" ||
        feature == "predictedDisplayValue") {
      if (feature == "clusterId" && !ids_are_positions) {
        return at.Unsupported(field, "clusterId of clusters whose ids are not their positions 1, 2, ...");
      }
      if (feature == "predictedDisplayValue" && !names_are_ids) {
        return at.Unsupported(field, "predictedDisplayValue of clusters whose names differ from their ids (the "
                                     "pipeline's cluster column holds the ids)");
      }
      if (!pipeline.output_names.label.empty()) {
        return at.Unsupported(field, "a second OutputField for the predicted cluster (already named " +
                                         QuoteString(pipeline.output_names.label) + ")");
      }
      pipeline.output_names.label = *name;
      continue;
    }
    if (feature == "affinity" || feature == "clusterAffinity" || feature == "entityAffinity") {
      const std::optional<std::string> value = Attribute(field, "value");
      if (!value) {
        return at.Unsupported(field, feature + " of the predicted cluster (the pipeline outputs the affinity to "
                                               "every cluster; name one with the value attribute)");
      }
      size_t c = 0;
      while (c < ids.size() && ids[c] != *value) ++c;
      if (c == ids.size()) return at.Invalid(field, "value " + QuoteString(*value) + " is not a cluster id");
      if (affinities.empty()) affinities = ValueColumnNames(pipeline);
      affinities[c] = *name;
      named_affinity = true;
      continue;
    }
    return at.Unsupported(field, "output feature " + QuoteString(feature) +
                                     " (supported for clustering: predictedValue, predictedDisplayValue, entityId, "
                                     "clusterId, and affinity, clusterAffinity or entityAffinity of a cluster)");
  }
  if (named_affinity) pipeline.output_names.affinities = std::move(affinities);
  return Status::Ok();
}

}  // namespace

Status LowerClustering(ModelBuilder& build, const pugi::xml_node& model) {
  const Locator& at = build.at();
  const std::optional<std::string> model_class = Attribute(model, "modelClass");
  if (model_class == "distributionBased") {
    return at.Unsupported(model, "modelClass \"distributionBased\" (only center-based clustering is supported)");
  }
  if (model_class != "centerBased") return at.Invalid(model, "modelClass must be \"centerBased\" or \"distributionBased\"");
  if (const pugi::xml_node center_fields = FirstChild(model, "CenterFields")) {
    return at.Unsupported(center_fields, "CenterFields (name the center coordinates with ClusteringFields)");
  }
  ASSIGN_OR_RETURN(const Measure measure, ReadMeasure(at, model));
  ClusteringModel clustering;
  clustering.measure = measure.measure;
  clustering.minkowski_p = measure.minkowski_p;
  clustering.binary = measure.binary;
  RETURN_IF_ERROR(ReadFields(build, model, measure, clustering));
  RETURN_IF_ERROR(ReadMissingValueWeights(at, model, clustering));
  Pipeline& pipeline = build.pipeline();
  pipeline.model.task = Task::kClustering;
  pipeline.model.classes.clear();
  std::vector<std::string> names;
  RETURN_IF_ERROR(ReadClusters(build, model, clustering, names));
  pipeline.model.body = std::move(clustering);
  return ReadOutput(build, model, names);
}

}  // namespace podium::pmml_internal
