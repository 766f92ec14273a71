// Exporting pipelines as PMML 4.4 documents (docs/formats/pmml-export.md).
//
// ExportPmml writes a pipeline so that any conforming PMML consumer, and
// ImportPmml (formats/pmml.h) in particular, scores it as Podium does. The
// rule is the importer's in reverse: exact or refused. Every construct is
// spelled so that PMML's semantics give the IR's value, missing values
// included; what PMML (or the importer reading it back) cannot express is an
// error naming the construct, never a different model.
//   * inputs      -> DataDictionary DataFields and MiningSchema MiningFields
//                    (ranges as Intervals, levels as Values, the missing and
//                    invalid value policies as treatments);
//   * transforms  -> DerivedFields of the TransformationDictionary (Apply
//                    trees, NormDiscrete, Discretize, MapValues);
//   * GLMs        -> RegressionModel;
//   * tree ensembles -> MiningModel with a Segmentation of TreeModels (sum or
//                    average), logistic, softmax and exp outputs as a
//                    modelChain ending in a RegressionModel that applies
//                    them; float32 ensembles with mathContext="float";
//   * outputs     -> Output OutputFields named as the pipeline names its
//                    columns (ValueColumnNames, LabelColumnName).
// The document is deterministic: the same pipeline gives the same bytes (no
// timestamps, numbers in shortest round-trip form).
//
// Errors: kUnimplemented naming the construct PMML cannot carry (business
// rules, an encoder's unknown-level error on an open category, ...); kInvalidArgument
// when the pipeline does not validate or holds text XML cannot carry
// (control characters in a name).
//
// Thread-safe (pure function).
#ifndef PODIUM_FORMATS_PMML_EXPORT_H_
#define PODIUM_FORMATS_PMML_EXPORT_H_

#include <string>

#include "base/status.h"
#include "pipeline/pipeline.h"

namespace podium {

struct PmmlExportOptions {
  // Header/Application version attribute; empty (the default) omits it, so
  // that documents do not change with the build that wrote them.
  std::string application_version;
};

// The PMML 4.4 document (UTF-8, indented with two spaces, ending in a
// newline) that scores `pipeline`.
Result<std::string> ExportPmml(const Pipeline& pipeline, const PmmlExportOptions& options);

}  // namespace podium

#endif  // PODIUM_FORMATS_PMML_EXPORT_H_
