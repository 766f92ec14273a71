// Documents generated from registry records: model cards and version diffs.
// Pure functions over the registry's records and the versions' pipelines.
// Thread-safe.
#ifndef PODIUM_REGISTRY_REPORT_H_
#define PODIUM_REGISTRY_REPORT_H_

#include <string>

#include "pipeline/pipeline.h"
#include "registry/registry.h"

namespace podium::registry {

// A Markdown model card: identity, intended use and limitations, inputs,
// outputs, model, training data, metrics, approvals and deployments.
std::string RenderModelCard(const ModelInfo& model, const Lineage& lineage, const Pipeline& pipeline);

// The same card as a self-contained HTML page (the Markdown subset the card
// uses: headings, paragraphs, bullet lists and tables), text escaped.
std::string MarkdownCardToHtml(const std::string& markdown);

// What changed from version `a` to version `b`: inputs (added, removed,
// retyped), transforms, model kind and parameters (GLM coefficients per
// feature, tree counts), hyperparameters, metrics, datasets and code.
std::string DiffVersions(const VersionInfo& a, const Pipeline& pa, const VersionInfo& b, const Pipeline& pb);

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_REPORT_H_
