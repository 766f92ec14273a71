// Documents generated from a served pipeline: an OpenAPI 3.0 description of
// its native predict endpoint (input schema with types, ranges and levels;
// the response rows), and a self-contained HTML page with a form to try a
// request from a browser (no external assets). Thread-safe (pure functions).
#ifndef PODIUM_HTTP_OPENAPI_H_
#define PODIUM_HTTP_OPENAPI_H_

#include <string>

#include "engine/engine.h"

namespace podium::http {

std::string OpenApiDocument(const std::string& model, int64_t version, const engine::ScoringPlan& plan);
std::string TryPage(const std::string& model, int64_t version, const engine::ScoringPlan& plan);

}  // namespace podium::http

#endif  // PODIUM_HTTP_OPENAPI_H_
