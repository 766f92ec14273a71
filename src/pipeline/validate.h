// Structural and type checks of a Pipeline, and the column table that the
// checks derive (every column's type, in definition order). Every importer
// and the JSON reader hand their result to ValidatePipeline; scorers accept
// only validated pipelines.
// Thread-safe (pure functions).
#ifndef PODIUM_PIPELINE_VALIDATE_H_
#define PODIUM_PIPELINE_VALIDATE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "expr/expr.h"
#include "pipeline/pipeline.h"

namespace podium {

enum class ColumnType { kNumber, kBoolean, kCategory };

// The expression-language type of a column: numbers and booleans as such,
// categories as strings.
expr::Type ExprTypeOf(ColumnType type);

struct ColumnInfo {
  std::string name;
  ColumnType type = ColumnType::kNumber;
  // Category columns: the closed set of levels, empty when open.
  std::vector<std::string> levels;
  // Index of the input field (>= 0) or of the transform (-1 - index) that
  // defines the column.
  int defined_by = 0;
};

struct PipelineColumns {
  std::vector<ColumnInfo> columns;          // inputs first, then transform outputs
  std::map<std::string, int, std::less<>> index;  // name -> position in columns
  const ColumnInfo* Find(std::string_view name) const;
};

// Resolves the column table, checking that names are unique and that each
// transform reads columns defined before it with the right types. Errors name
// the transform ("transforms[2] (one_hot): ...").
Result<PipelineColumns> ResolveColumns(const Pipeline& pipeline);

// Full check: columns, expressions (parsed and type-checked), features, the
// model's shape (array sizes, child indices in range, every tree acyclic with
// each node reached once, feature indices in range), classes against outputs,
// and post-processing. Errors are kInvalidArgument and name the place, e.g.
// "model.trees[3]: node 7: left child 40 is out of range (31 nodes)".
Status ValidatePipeline(const Pipeline& pipeline);

// The type of each of post.outputs (number or boolean), in order, with the
// same checks as ValidatePipeline (each expression parsed and type-checked
// over the columns, `score`, the value columns and the outputs before it;
// errors name "post.outputs[i] (name)").
Result<std::vector<ColumnType>> DerivedOutputTypes(const Pipeline& pipeline, const PipelineColumns& columns);

// The type of `name` in a derived output's expression (values = true) or a
// rule condition (values = false): a column's type, a number for `score`,
// derived output i's type for i < `outputs` (`derived` holds their types),
// and with `values` a number for the value columns (ValueColumnNames).
// std::nullopt when there is no such name.
std::optional<expr::Type> PostColumnType(const Pipeline& pipeline, const PipelineColumns& columns,
                                         const std::vector<ColumnType>& derived, size_t outputs,
                                         bool values, std::string_view name);

// The number of values the model produces before post-processing: 1 for
// regression and for a single-logistic binary model, else one per class.
int ModelOutputCount(const Model& model);

// Depth of the deepest leaf (root = 0). The tree must be valid.
int TreeDepth(const Tree& tree);

}  // namespace podium

#endif  // PODIUM_PIPELINE_VALIDATE_H_
