// Reading and writing the pipeline artifact (docs/formats/pipeline.md).
//
// The artifact is JSON. Its canonical form (WritePipelineJson with
// pretty=false) has sorted keys, no insignificant white space and numbers in
// shortest round-trip form, so that PipelineDigest is stable: reading an
// artifact and writing it again gives the same bytes and the same digest.
// Thread-safe (pure functions).
#ifndef PODIUM_PIPELINE_PIPELINE_JSON_H_
#define PODIUM_PIPELINE_PIPELINE_JSON_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "pipeline/pipeline.h"

namespace podium {

// Parses and validates an artifact. Unknown members are errors (a misspelt
// option must not be silently ignored). Errors name the JSON path, e.g.
// "model.trees[3].left: expected an array of integers".
Result<Pipeline> ReadPipelineJson(std::string_view json);

// Serialises a pipeline. pretty=false gives the canonical form.
std::string WritePipelineJson(const Pipeline& pipeline, bool pretty = false);

// "sha256:<hex>" of the canonical form.
std::string PipelineDigest(const Pipeline& pipeline);

// True when the JSON text looks like a Podium pipeline artifact (has the
// "format": "podium-pipeline" member), without validating it.
bool LooksLikePipelineJson(std::string_view json);

}  // namespace podium

#endif  // PODIUM_PIPELINE_PIPELINE_JSON_H_
