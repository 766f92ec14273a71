// ClusteringModel lowered to the IR (docs/formats/pmml.md, "ClusteringModel →
// clustering model").
//
// A center-based ClusteringModel is the IR's clustering model term for term:
// the ComparisonMeasure's measure, each center ClusteringField's compare
// function, fieldWeight and similarityScale, the MissingValueWeights, and one
// center per Cluster (its Array, one coordinate per center field). A
// cluster's id (its `id` attribute, else its 1-based position) is its class,
// what PMML's predictedValue gives. A field compared by `table` is a
// categorical input whose DataField lists its values: the IR feature is the
// category column, its table the field's Comparisons Matrix (rows and
// columns in the order of the DataField's valid Values) and its center
// coordinates the values' positions. Distribution-based models and
// CenterFields are refused.
//
// Output fields name the pipeline's outputs: predictedValue, entityId and
// clusterId (where it is the id) name the cluster column; affinity,
// clusterAffinity and entityAffinity with a `value` (a cluster id) name that
// cluster's affinity column. The winner's affinity alone (no `value`) and
// other features are not outputs of the IR and are refused by name.
#include <algorithm>
#include <cmath>
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
// Values of one field's Comparisons matrix (its values squared).
constexpr size_t kMaxTableValues = 1'000'000;

Result<CompareFunction> ReadCompareFunction(const Locator& at, const pugi::xml_node& node, const std::string& name) {
  if (name == "absDiff") return CompareFunction::kAbsDiff;
  if (name == "gaussSim") return CompareFunction::kGaussSim;
  if (name == "delta") return CompareFunction::kDelta;
  if (name == "equal") return CompareFunction::kEqual;
  if (name == "table") return CompareFunction::kTable;
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

// A Matrix of n x n comparisons, row-major. kind "any" lists every row as
// an Array, "symmetric" the lower triangle (row r has r + 1 values),
// "diagonal" the diagonal; or MatCells (1-based row and col) with
// diagDefault and offDiagDefault for the cells not listed.
Result<std::vector<double>> ReadMatrix(const Locator& at, const pugi::xml_node& matrix, size_t n) {
  const std::string kind = Attribute(matrix, "kind").value_or("any");
  if (kind != "any" && kind != "symmetric" && kind != "diagonal") {
    return at.Invalid(matrix, "unknown kind " + QuoteString(kind) + " (PMML's are diagonal, symmetric, any)");
  }
  for (const char* size : {"nbRows", "nbCols"}) {
    const std::optional<std::string> given = Attribute(matrix, size);
    if (given && *given != std::to_string(n)) {
      return at.Invalid(matrix, std::string(size) + " is " + *given + ", but the field has " + std::to_string(n) +
                                    " values");
    }
  }
  std::optional<double> diagonal_default;
  std::optional<double> off_diagonal_default;
  if (Attribute(matrix, "diagDefault")) {
    ASSIGN_OR_RETURN(diagonal_default, NumberAttribute(at, matrix, "diagDefault", 0.0));
  }
  if (Attribute(matrix, "offDiagDefault")) {
    ASSIGN_OR_RETURN(off_diagonal_default, NumberAttribute(at, matrix, "offDiagDefault", 0.0));
  }
  std::vector<std::optional<double>> cells(n * n);
  const auto set = [&](const pugi::xml_node& node, size_t r, size_t c, double v) -> Status {
    for (const auto& [i, j] : {std::pair{r, c}, std::pair{c, r}}) {
      if (i != r && kind != "symmetric") continue;
      std::optional<double>& cell = cells[i * n + j];
      if (cell && *cell != v) {
        return at.Invalid(node, "cell (" + std::to_string(i + 1) + ", " + std::to_string(j + 1) + ") is given twice");
      }
      cell = v;
    }
    return Status::Ok();
  };
  const std::vector<pugi::xml_node> arrays = Children(matrix, "Array");
  const std::vector<pugi::xml_node> mat_cells = Children(matrix, "MatCell");
  if (!arrays.empty() && !mat_cells.empty()) return at.Invalid(matrix, "both Arrays and MatCells");
  const size_t rows = kind == "diagonal" ? 1 : n;
  if (!arrays.empty() && arrays.size() != rows) {
    return at.Invalid(matrix, "a Matrix of kind " + kind + " over " + std::to_string(n) + " values needs " +
                                  std::to_string(rows) + (rows == 1 ? " Array" : " Arrays") + ", not " +
                                  std::to_string(arrays.size()));
  }
  for (size_t r = 0; r < arrays.size(); ++r) {
    const size_t width = kind == "any" || kind == "diagonal" ? n : r + 1;
    ASSIGN_OR_RETURN(std::vector<std::string> items, ArrayItems(at, arrays[r]));
    if (items.size() != width) {
      return at.Invalid(arrays[r], "row " + std::to_string(r + 1) + " of a Matrix of kind " + kind + " has " +
                                       std::to_string(items.size()) + " values, expected " + std::to_string(width));
    }
    for (size_t c = 0; c < width; ++c) {
      const std::optional<double> value = ParseDouble(items[c]);
      if (!value) return at.Invalid(arrays[r], QuoteString(items[c]) + " is not a finite number");
      RETURN_IF_ERROR(kind == "diagonal" ? set(arrays[r], c, c, *value) : set(arrays[r], r, c, *value));
    }
  }
  for (const pugi::xml_node& cell : mat_cells) {
    size_t index[2] = {0, 0};
    for (int k = 0; k < 2; ++k) {
      const char* name = k == 0 ? "row" : "col";
      const std::optional<std::string> text = Attribute(cell, name);
      if (!text) return at.Invalid(cell, "missing attribute '" + std::string(name) + "'");
      const std::optional<double> value = ParseDouble(*text);
      if (!value || *value < 1.0 || *value > static_cast<double>(n) || *value != std::floor(*value)) {
        return at.Invalid(cell, std::string(name) + " " + QuoteString(*text) + " is not a position from 1 to " +
                                    std::to_string(n));
      }
      index[k] = static_cast<size_t>(*value) - 1;
    }
    if (kind == "diagonal" && index[0] != index[1]) return at.Invalid(cell, "an off-diagonal cell of a diagonal Matrix");
    const std::string text = cell.text().get();
    const std::optional<double> value = ParseDouble(text);
    if (!value) return at.Invalid(cell, QuoteString(text) + " is not a finite number");
    RETURN_IF_ERROR(set(cell, index[0], index[1], *value));
  }
  std::vector<double> values;
  for (size_t r = 0; r < n; ++r) {
    for (size_t c = 0; c < n; ++c) {
      const std::optional<double> fallback = r == c ? diagonal_default : off_diagonal_default;
      const std::optional<double>& cell = cells[r * n + c] ? cells[r * n + c] : fallback;
      if (!cell) {
        return at.Invalid(matrix, "cell (" + std::to_string(r + 1) + ", " + std::to_string(c + 1) +
                                      ") is not given and the Matrix has no " +
                                      (r == c ? "diagDefault" : "offDiagDefault"));
      }
      if (*cell < 0.0) {
        return at.Unsupported(matrix, "a negative comparison (cell (" + std::to_string(r + 1) + ", " +
                                          std::to_string(c + 1) + "); distances compare by non-negative terms)");
      }
      values.push_back(*cell);
    }
  }
  return values;
}

// A ClusteringField compared by `table`: a categorical field with a closed
// list of values, whose Comparisons matrix has a row and a column per value,
// in the DataField's order.
Result<CompareTable> ReadTable(const Locator& at, const pugi::xml_node& field, const ScopeField& input,
                               const std::string& name) {
  if (input.symbolic || !input.inline_text.empty() || input.column.empty() || input.type != expr::Type::kString) {
    return at.Unsupported(field, "compareFunction table on field " + QuoteString(name) +
                                     ", which is not a categorical input field");
  }
  if (input.unchecked) {
    return at.Unsupported(field, "compareFunction table on field " + QuoteString(name) +
                                     " read with invalidValueTreatment asIs (a value outside its Values has no row "
                                     "in the Comparisons matrix)");
  }
  if (input.levels.empty()) {
    return at.Unsupported(field, "compareFunction table on field " + QuoteString(name) +
                                     ", which has no list of valid values (the Comparisons matrix is indexed by them)");
  }
  const pugi::xml_node comparisons = FirstChild(field, "Comparisons");
  if (!comparisons) return at.Invalid(field, "compareFunction table needs a Comparisons matrix");
  const pugi::xml_node matrix = FirstChild(comparisons, "Matrix");
  if (!matrix) return at.Invalid(comparisons, "missing Matrix");
  const size_t n = input.levels.size();
  if (n * n > kMaxTableValues) {
    return at.Unsupported(comparisons, "a Comparisons matrix of more than " + std::to_string(kMaxTableValues) +
                                           " values");
  }
  CompareTable table;
  table.levels = input.levels;
  ASSIGN_OR_RETURN(table.values, ReadMatrix(at, matrix, n));
  return table;
}

// The center ClusteringFields as model features, with their terms.
Status ReadFields(ModelBuilder& build, const pugi::xml_node& model, const Measure& measure,
                  ClusteringModel& clustering) {
  const Locator& at = build.at();
  const std::vector<pugi::xml_node> fields = Children(model, "ClusteringField");
  if (fields.empty()) return at.Invalid(model, "no ClusteringField");
  bool any_gauss = false;
  bool any_table = false;
  std::vector<double> scales;
  std::vector<CompareTable> tables;
  std::set<std::string> seen;
  for (const pugi::xml_node& field : fields) {
    const std::string center = Attribute(field, "isCenterField").value_or("true");
    if (center != "true" && center != "false") return at.Invalid(field, "isCenterField must be true or false");
    if (center == "false") continue;  // not compared with the centers
    ASSIGN_OR_RETURN(const ScopeField* input, build.Field(field));
    const std::string name = *Attribute(field, "field");
    CompareFunction compare = measure.compare;
    if (const std::optional<std::string> own = Attribute(field, "compareFunction")) {
      ASSIGN_OR_RETURN(compare, ReadCompareFunction(at, field, *own));
    }
    // Similarities use no compare function: their fields are binary numbers.
    CompareTable table;
    if (compare == CompareFunction::kTable && !IsSimilarity(measure.measure)) {
      ASSIGN_OR_RETURN(table, ReadTable(at, field, *input, name));
      any_table = true;
    } else if (input->symbolic || (input->type != expr::Type::kNumber && input->type != expr::Type::kBoolean)) {
      return at.Unsupported(field, "field " + QuoteString(name) +
                                       " is not numeric (the IR compares numbers, and categories by a table; encode "
                                       "categories first)");
    }
    if (!seen.insert(input->column).second) return at.Invalid(field, "field " + QuoteString(name) + " is listed twice");
    build.FeatureIndex(input->column);
    ASSIGN_OR_RETURN(const double weight, NumberAttribute(at, field, "fieldWeight", 1.0));
    if (!(weight > 0.0)) return at.Invalid(field, "fieldWeight must be positive");
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
    tables.push_back(std::move(table));
  }
  if (clustering.compare.empty()) return at.Invalid(model, "no ClusteringField is a center field");
  if (any_gauss) clustering.similarity_scale = std::move(scales);
  if (any_table) clustering.tables = std::move(tables);
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

// A cluster's center: a number per center field, a value of the field
// (its level position in the IR) for a table field.
Result<std::vector<double>> ReadCenter(const Locator& at, const pugi::xml_node& array,
                                       const ClusteringModel& clustering) {
  if (clustering.tables.empty()) return ReadNumbers(at, array, clustering.compare.size(), "the center");
  const std::string type = Attribute(array, "type").value_or("string");
  if (type != "real" && type != "int" && type != "string") {
    return at.Invalid(array, "unknown Array type " + QuoteString(type));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> items, ArrayItems(at, array));
  const size_t f = clustering.compare.size();
  if (items.size() != f) {
    return at.Invalid(array, "the center has " + std::to_string(items.size()) + " values, expected " +
                                 std::to_string(f) + " (one per center field)");
  }
  std::vector<double> center;
  for (size_t i = 0; i < f; ++i) {
    const std::vector<std::string>& levels = clustering.tables[i].levels;
    if (levels.empty()) {
      const std::optional<double> value = ParseDouble(items[i]);
      if (!value) return at.Invalid(array, "the center: " + QuoteString(items[i]) + " is not a finite number");
      center.push_back(*value);
      continue;
    }
    const auto level = std::find(levels.begin(), levels.end(), items[i]);
    if (level == levels.end()) {
      return at.Invalid(array, "the center: " + QuoteString(items[i]) + " is not a value of center field " +
                                   std::to_string(i + 1) + " (compared by table)");
    }
    center.push_back(static_cast<double>(level - levels.begin()));
  }
  return center;
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
    ASSIGN_OR_RETURN(std::vector<double> center, ReadCenter(at, array, clustering));
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
    // PMML 2 and 3 named the coordinates by normalized DerivedFields whose
    // pairing with the ClusteringFields' compare functions and weights is
    // not defined; PMML 4 dropped the element for the center ClusteringFields.
    return at.Unsupported(center_fields, "CenterFields, a PMML 2/3 element that PMML 4 removed (the center "
                                         "coordinates follow the center ClusteringFields; derive the coordinates "
                                         "as DerivedFields and name them there)");
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
