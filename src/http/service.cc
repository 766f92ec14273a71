#include "http/service.h"

#include <charconv>
#include <chrono>
#include <ctime>
#include <span>
#include <nlohmann/json.hpp>

#include "base/json_guard.h"
#include "http/openapi.h"
#include "http/registry_api.h"
#include "http/json_body.h"
#include "http/json_writer.h"
#include "http/scoring.h"

namespace podium::http {

using nlohmann::json;
using serving::ModelEntry;
using serving::ServedVersion;
using serving::ServingSnapshot;

// The parsed target of a request and what the handlers learn about it.
struct Service::Route {
  std::vector<std::string> segments;  // path split on '/', without empties
  std::string query;
  std::string endpoint = "not_found";  // the metrics label
  std::string model;                   // model named by the path
  std::optional<int64_t> path_version;  // /versions/{v}
  std::string verb;                     // after ':' in the last segment
  int64_t answered_version = 0;         // the version that answered
  int64_t rows = 0;                     // rows scored
};

namespace {

HttpResponse Json(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump();
  return response;
}

HttpResponse Error(int status, std::string message) { return Json(status, json{{"error", std::move(message)}}); }
HttpResponse Error(const ApiError& error) { return Error(error.status, error.message); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0 && !b.empty();
}

std::string_view BearerToken(std::string_view header) {
  constexpr std::string_view kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size()) return {};
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(kPrefix[i]))) {
      return {};
    }
  }
  return header.substr(kPrefix.size());
}

std::optional<int64_t> ParseVersion(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

bool QueryFlag(std::string_view query, std::string_view name) {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view item = query.substr(pos, amp - pos);
    if (item == name || item == std::string(name) + "=true" || item == std::string(name) + "=1") return true;
    pos = amp + 1;
  }
  return false;
}

std::string IsoTime(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

json VersionJson(const ServedVersion& v) {
  return {{"version", v.version()},     {"slot", serving::SlotName(v.slot())},
          {"source", v.source().Describe()},  {"digest", v.digest()},
          {"format", v.format()},       {"loaded_at", IsoTime(v.loaded_at())},
          {"load_seconds", v.load_seconds()}};
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

Service::Service(Options options, serving::ModelManager* manager, serving::ShadowLog* shadow, Metrics* metrics)
    : options_(std::move(options)),
      manager_(manager),
      shadow_(shadow),
      metrics_(metrics),
      parsers_(std::make_unique<JsonParserPool>()) {
  if (options_.registry_role) {
    registry_tokens_ = std::make_unique<TokenRoleCache>(options_.registry_role, TokenRoleCache::Options{});
  }
}

Service::~Service() = default;

uint64_t Service::NextDraw() { return SplitMix64(draws_.fetch_add(1, std::memory_order_relaxed)); }

HttpResponse Service::Handle(const HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  Route route;
  const size_t question = request.target.find('?');
  const std::string path = request.target.substr(0, question);
  if (question != std::string::npos) route.query = request.target.substr(question + 1);
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) route.segments.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  if (!route.segments.empty()) {
    std::string& last = route.segments.back();
    const size_t colon = last.find(':');
    if (colon != std::string::npos) {
      route.verb = last.substr(colon + 1);
      last.resize(colon);
    }
  }
  HttpResponse response;
  try {
    response = Dispatch(request, route);
  } catch (const std::exception& e) {
    response = Error(500, std::string("internal error: ") + e.what());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Only served models become metric labels: names from unknown paths would
  // grow the label set without bound.
  if (!route.model.empty() && route.answered_version == 0 && manager_->Snapshot()->Find(route.model) == nullptr) {
    route.model.clear();
  }
  metrics_->RecordRequest(route.endpoint, route.model, route.answered_version, response.status, seconds, route.rows);
  return response;
}

HttpResponse Service::Dispatch(const HttpRequest& request, Route& route) {
  const std::vector<std::string>& s = route.segments;
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  auto method_not_allowed = [&](const char* allowed) {
    HttpResponse response = Error(405, "use " + std::string(allowed) + " for " + request.target);
    response.headers.emplace_back("Allow", allowed);
    return response;
  };

  // Health: never authenticated.
  if (s.size() == 3 && s[0] == "v2" && s[1] == "health" && route.verb.empty()) {
    route.endpoint = "health";
    if (!get) return method_not_allowed("GET");
    if (s[2] == "live") return Json(200, json{{"live", true}});
    if (s[2] == "ready") {
      return ready() ? Json(200, json{{"ready", true}}) : Json(400, json{{"ready", false}, {"error", "draining"}});
    }
    return Error(404, "no such endpoint: " + request.target);
  }

  // The registry API authenticates callers with the registry's own tokens.
  if (RegistryApi::IsRegistryTarget(request.target)) {
    route.endpoint = "registry";
    if (options_.registry_api == nullptr) {
      return Error(404, "this server has no model registry (it was started with --no-registry or "
                        "'registry: false')");
    }
    return options_.registry_api->Handle(request);
  }

  // Which token this endpoint needs.
  const bool is_admin = s.size() >= 1 && s[0] == "v1" && s.size() >= 2 && s[1] == "admin";
  const bool is_inference =
      (s.size() >= 3 && s[0] == "v2" && s[1] == "models" && route.verb.empty() && s.back() == "infer") ||
      (s.size() >= 3 && s[0] == "v1" && s[1] == "models" && (route.verb == "predict" || s.back() == "try"));
  const std::string_view token = BearerToken(request.authorization);
  if (is_admin) {
    route.endpoint = "admin";
    const std::string& admin = options_.admin_token.empty() ? options_.api_token : options_.admin_token;
    if (token.empty()) {
      HttpResponse response = Error(401, "this endpoint needs 'Authorization: Bearer <admin token>'");
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return response;
    }
    if (!ConstantTimeEquals(token, admin)) {
      if (registry_tokens_ == nullptr) return Error(403, "the token is not the admin token");
      Result<registry::Role> role = registry_tokens_->RoleOf(token);
      if (!role.ok()) return Error(403, "the token is neither the admin token nor a registry token");
      if (!registry::RoleAllows(*role, registry::Action::kPromote)) {
        return Error(403, "the registry role '" + std::string(registry::RoleName(*role)) +
                              "' may not act on served models (mlops or admin may)");
      }
    }
  } else if (!(is_inference && options_.public_inference)) {
    if (!ConstantTimeEquals(token, options_.api_token) &&
        !(registry_tokens_ != nullptr && !token.empty() && registry_tokens_->RoleOf(token).ok())) {
      route.endpoint = "unauthenticated";
      HttpResponse response = Error(401, token.empty() ? "this endpoint needs 'Authorization: Bearer <token>'"
                                                       : "the bearer token is not valid");
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return response;
    }
  }

  if (s.size() == 1 && s[0] == "metrics" && route.verb.empty()) {
    route.endpoint = "metrics";
    if (!get) return method_not_allowed("GET");
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4";
    response.body = metrics_->RenderPrometheus(*manager_->Snapshot(), shadow_);
    if (options_.deployments != nullptr) {
      // The change feed: whether it can read the registry now, and the last
      // change it delivered.
      response.body += "# HELP podium_registry_feed_up 1 while the registry change feed reads changes.\n"
                       "# TYPE podium_registry_feed_up gauge\n"
                       "podium_registry_feed_up " +
                       std::string(options_.deployments->feed_health().ok() ? "1" : "0") +
                       "\n# HELP podium_registry_feed_last_change The last registry change (audit sequence) "
                       "delivered.\n# TYPE podium_registry_feed_last_change gauge\npodium_registry_feed_last_change " +
                       std::to_string(options_.deployments->last_seq()) + "\n";
    }
    return response;
  }

  // --- Open Inference Protocol v2 ---------------------------------------------
  if (!s.empty() && s[0] == "v2") {
    if (s.size() == 1 && route.verb.empty()) {
      route.endpoint = "server_metadata";
      if (!get) return method_not_allowed("GET");
      return Json(200, json{{"name", "podium"}, {"version", options_.server_version}, {"extensions", json::array()}});
    }
    if (s.size() >= 3 && s[1] == "models" && route.verb.empty()) {
      route.model = s[2];
      size_t next = 3;
      if (s.size() >= 5 && s[3] == "versions") {
        route.path_version = ParseVersion(s[4]);
        if (!route.path_version) return Error(400, "version '" + s[4] + "' is not a positive integer");
        next = 5;
      }
      if (s.size() == next) {
        route.endpoint = "model_metadata";
        if (!get) return method_not_allowed("GET");
        return ModelMetadata(route);
      }
      if (s.size() == next + 1 && s[next] == "ready") {
        route.endpoint = "model_ready";
        if (!get) return method_not_allowed("GET");
        std::shared_ptr<const ServingSnapshot> snapshot = manager_->Snapshot();
        const ModelEntry* entry = snapshot->Find(route.model);
        if (entry == nullptr) return Error(404, "no model named '" + route.model + "'");
        if (route.path_version && !entry->FindVersion(*route.path_version)) {
          return Error(404, "model '" + route.model + "' has no loaded version " + std::to_string(*route.path_version));
        }
        const bool model_ready = entry->enabled && ready();
        return model_ready ? Json(200, json{{"name", route.model}, {"ready", true}})
                           : Json(400, json{{"name", route.model}, {"ready", false},
                                            {"error", entry->enabled ? "draining" : "disabled"}});
      }
      if (s.size() == next + 1 && s[next] == "infer") {
        route.endpoint = "infer";
        if (!post) return method_not_allowed("POST");
        return Infer(request, route, /*oip=*/true);
      }
    }
    return Error(404, "no such endpoint: " + request.target);
  }

  // --- Native API ----------------------------------------------------------------
  if (s.size() >= 2 && s[0] == "v1" && s[1] == "models") {
    if (s.size() == 2 && route.verb.empty()) {
      route.endpoint = "models";
      if (!get) return method_not_allowed("GET");
      json models = json::array();
      std::shared_ptr<const ServingSnapshot> snapshot = manager_->Snapshot();
      for (const auto& [name, entry] : snapshot->models) {
        models.push_back({{"name", name},
                          {"version", entry->champion->version()},
                          {"enabled", entry->enabled},
                          {"policy", serving::PolicyKindName(entry->spec.policy.kind)}});
      }
      return Json(200, json{{"models", models}});
    }
    route.model = s[2];
    if (s.size() == 3 && route.verb == "predict") {
      route.endpoint = "predict";
      if (!post) return method_not_allowed("POST");
      return Infer(request, route, /*oip=*/false);
    }
    if (s.size() == 5 && s[3] == "versions" && route.verb == "predict") {
      route.endpoint = "predict";
      route.path_version = ParseVersion(s[4]);
      if (!route.path_version) return Error(400, "version '" + s[4] + "' is not a positive integer");
      if (!post) return method_not_allowed("POST");
      return Infer(request, route, /*oip=*/false);
    }
    if (s.size() == 4 && route.verb.empty()) {
      if (!get) return method_not_allowed("GET");
      std::shared_ptr<const ServingSnapshot> snapshot = manager_->Snapshot();
      const ModelEntry* entry = snapshot->Find(route.model);
      if (entry == nullptr) return Error(404, "no model named '" + route.model + "'");
      if (s[3] == "status") {
        route.endpoint = "status";
        return ModelStatus(route);
      }
      if (s[3] == "stats") {
        route.endpoint = "stats";
        HttpResponse response;
        response.body = metrics_->ModelStatsJson(route.model);
        return response;
      }
      if (s[3] == "openapi.json") {
        route.endpoint = "openapi";
        HttpResponse response;
        response.body = OpenApiDocument(route.model, entry->champion->version(), entry->champion->plan());
        return response;
      }
      if (s[3] == "try") {
        route.endpoint = "try";
        HttpResponse response;
        response.content_type = "text/html; charset=utf-8";
        response.body = TryPage(route.model, entry->champion->version(), entry->champion->plan());
        return response;
      }
      if (s[3] == "shadow") {
        route.endpoint = "shadow";
        json lines = json::array();
        for (const std::string& line : shadow_->Recent(route.model, 100)) lines.push_back(json::parse(line));
        return Json(200, json{{"model", route.model}, {"total", shadow_->Count(route.model)}, {"records", lines}});
      }
    }
    return Error(404, "no such endpoint: " + request.target);
  }

  if (is_admin) {
    if (s.size() == 4 && s[2] == "models" && !route.verb.empty()) {
      if (!post) return method_not_allowed("POST");
      route.model = s[3];
      return Admin(route);
    }
    return Error(404, "no such endpoint: " + request.target);
  }
  return Error(404, "no such endpoint: " + request.target);
}

HttpResponse Service::Admin(const Route& route) {
  if (route.verb == "reload") {
    Status status = manager_->Reload(route.model);
    std::shared_ptr<const ServingSnapshot> snapshot = manager_->Snapshot();
    const ModelEntry* entry = snapshot->Find(route.model);
    if (entry == nullptr) return Error(404, status.message());
    json body = {{"model", route.model}, {"version", entry->champion->version()}};
    if (entry->challenger) body["challenger_version"] = entry->challenger->version();
    if (!status.ok()) {
      body["error"] = status.message();
      body["serving"] = "the previous version keeps serving";
      return Json(HttpStatusFor(status.code()), body);
    }
    return Json(200, body);
  }
  if (route.verb == "disable" || route.verb == "enable") {
    Status status = manager_->SetEnabled(route.model, route.verb == "enable");
    if (!status.ok()) return Error(HttpStatusFor(status.code()), status.message());
    return Json(200, json{{"model", route.model}, {"enabled", route.verb == "enable"}});
  }
  return Error(404, "unknown admin action ':" + route.verb + "' (reload, disable, enable)");
}

HttpResponse Service::ModelMetadata(const Route& route) {
  std::shared_ptr<const ServingSnapshot> snapshot = manager_->Snapshot();
  const ModelEntry* entry = snapshot->Find(route.model);
  if (entry == nullptr) return Error(404, "no model named '" + route.model + "'");
  std::shared_ptr<const ServedVersion> version = entry->champion;
  if (route.path_version) {
    version = entry->FindVersion(*route.path_version);
    if (!version) {
      return Error(404, "model '" + route.model + "' has no loaded version " + std::to_string(*route.path_version));
    }
  }
  const engine::ScoringPlan& plan = version->plan();
  json inputs = json::array();
  for (const InputField& field : plan.pipeline().inputs) {
    inputs.push_back({{"name", field.name}, {"datatype", OipDatatype(field.type)}, {"shape", {-1}}});
  }
  json outputs = json::array();
  const OutputLayout layout = LayoutOf(plan);
  for (const std::string& name : layout.value_names) {
    outputs.push_back({{"name", name}, {"datatype", "FP64"}, {"shape", {-1}}});
  }
  if (layout.label) outputs.push_back({{"name", layout.label_name}, {"datatype", "BYTES"}, {"shape", {-1}}});
  for (const DerivedOutput& output : plan.pipeline().post.outputs) {
    outputs.push_back({{"name", output.name}, {"datatype", output.categories.empty() ? "FP64" : "BYTES"}, {"shape", {-1}}});
  }
  if (layout.decision || layout.label) outputs.push_back({{"name", "decision"}, {"datatype", "BYTES"}, {"shape", {-1}}});
  if (layout.flags) outputs.push_back({{"name", "flags"}, {"datatype", "BYTES"}, {"shape", {-1}}});
  json versions = json::array({std::to_string(entry->champion->version())});
  if (entry->challenger) versions.push_back(std::to_string(entry->challenger->version()));
  return Json(200, json{{"name", route.model},
                        {"versions", versions},
                        {"platform", "podium_" + version->format()},
                        {"inputs", inputs},
                        {"outputs", outputs},
                        {"parameters", {{"version", std::to_string(version->version())}}}});
}

HttpResponse Service::ModelStatus(const Route& route) {
  std::shared_ptr<const ServingSnapshot> snapshot = manager_->Snapshot();
  const ModelEntry* entry = snapshot->Find(route.model);
  json history = json::array();
  for (const serving::VersionRecord& record : entry->history) {
    json line = {{"version", record.version},
                 {"slot", serving::SlotName(record.slot)},
                 {"state", serving::VersionStateName(record.state)},
                 {"source", record.source},
                 {"time", IsoTime(record.time)}};
    if (!record.digest.empty()) line["digest"] = record.digest;
    if (!record.error.empty()) line["error"] = record.error;
    history.push_back(std::move(line));
  }
  const serving::ModelHealth& health = entry->health;
  json body = {{"name", route.model},
               {"enabled", entry->enabled},
               {"state", entry->enabled ? "serving" : "disabled"},
               {"policy",
                {{"kind", serving::PolicyKindName(entry->spec.policy.kind)},
                 {"challenger_percent", entry->spec.policy.challenger_percent},
                 {"sticky_field", entry->spec.policy.sticky_field}}},
               {"champion", VersionJson(*entry->champion)},
               {"health",
                {{"loads_ok", health.loads_ok},
                 {"loads_failed", health.loads_failed},
                 {"swaps", health.swaps},
                 {"last_load_seconds", health.last_load_seconds},
                 {"last_error", health.last_error.empty() ? json(nullptr) : json(health.last_error)}}},
               {"history", history}};
  if (!health.last_error.empty()) body["health"]["last_error_time"] = IsoTime(health.last_error_time);
  if (entry->challenger) body["challenger"] = VersionJson(*entry->challenger);
  if (entry->spec.fallback_decision) body["fallback_decision"] = *entry->spec.fallback_decision;
  if (options_.deployments != nullptr) {
    json slots = json::array();
    for (const deploy::DeploymentState& state : options_.deployments->States()) {
      if (state.name != route.model) continue;
      json slot = {{"slot", serving::SlotName(state.slot)},
                   {"reference", state.reference.ToString()},
                   {"registry_version", state.version},
                   {"digest", state.digest},
                   {"applied_change", state.applied_seq}};
      slot["last_error"] = state.last_error.empty() ? json(nullptr) : json(state.last_error);
      slots.push_back(std::move(slot));
    }
    if (!slots.empty()) {
      const Status feed = options_.deployments->feed_health();
      body["deployment"] = {{"slots", std::move(slots)},
                            {"feed", {{"ok", feed.ok()},
                                      {"error", feed.ok() ? json(nullptr) : json(feed.message())},
                                      {"last_change", options_.deployments->last_seq()}}}};
    }
  }
  return Json(200, body);
}

HttpResponse Service::Infer(const HttpRequest& request, Route& route, bool oip) {
  // Pin the snapshot for the whole request.
  std::shared_ptr<const ServingSnapshot> snapshot = manager_->Snapshot();
  const ModelEntry* entry = snapshot->Find(route.model);
  if (entry == nullptr) return Error(404, "no model named '" + route.model + "'");

  Status nesting = CheckJsonNesting(request.body, options_.max_json_depth);
  if (!nesting.ok()) return Error(400, "request body: " + nesting.message());
  // The parsed document lives in the leased parser until the answer is written.
  JsonParserPool::Lease parser = parsers_->Acquire();
  simdjson::dom::element root;
  std::string parse_error;
  if (!ParseJsonBody(parser.parser(), request.body, &root, &parse_error)) return Error(400, parse_error);
  simdjson::dom::object body;
  if (root.get_object().get(body)) return Error(400, "request body: expected a JSON object");

  // Top-level members.
  static constexpr std::string_view kNative[] = {"records", "columns", "explain", "reasons", "id"};
  static constexpr std::string_view kOip[] = {"id", "parameters", "inputs", "outputs"};
  const std::span<const std::string_view> known = oip ? std::span<const std::string_view>(kOip)
                                                      : std::span<const std::string_view>(kNative);
  std::optional<std::string_view> id;
  bool explain = QueryFlag(route.query, "explain");
  int reasons = 0;
  std::vector<std::string> requested;
  for (auto [key, value] : body) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Error(400, "request body: unknown member \"" + std::string(key) + "\"");
    }
    if (key == "id") {
      if (!value.is_string()) return Error(400, "id: expected a string");
      id = value.get_string().value_unsafe();
    } else if (key == "parameters") {
      if (!value.is_object()) return Error(400, "parameters: expected an object");
    } else if (key == "outputs") {
      simdjson::dom::array outputs;
      if (value.get_array().get(outputs)) return Error(400, "outputs: expected an array");
      size_t i = 0;
      for (simdjson::dom::element output : outputs) {
        simdjson::dom::element name;
        if (!output.is_object() || output.get_object().value_unsafe().at_key("name").get(name) || !name.is_string()) {
          return Error(400, "outputs[" + std::to_string(i) + "].name: required string");
        }
        requested.emplace_back(name.get_string().value_unsafe());
        ++i;
      }
    } else if (key == "explain") {
      if (!value.is_bool()) return Error(400, "explain: expected true or false");
      explain = explain || value.get_bool().value_unsafe();
    } else if (key == "reasons") {
      int64_t count = -1;
      const simdjson::dom::element_type type = value.type();
      if ((type != simdjson::dom::element_type::INT64 && type != simdjson::dom::element_type::UINT64) ||
          value.get_int64().get(count) || count < 0 || count > 1000) {
        return Error(400, "reasons: expected an integer between 0 and 1000");
      }
      reasons = static_cast<int>(count);
      explain = explain || reasons > 0;
    }
  }

  // Route: a version named in the path, else the traffic policy.
  std::shared_ptr<const ServedVersion> version;
  serving::Route decision;
  if (!entry->enabled) {
    decision = serving::DecideRoute(entry->spec.policy, {false, entry->spec.fallback_decision.has_value(), false,
                                                         std::nullopt, 0});
  } else if (route.path_version) {
    version = entry->FindVersion(*route.path_version);
    if (!version) {
      return Error(404, "model '" + route.model + "' has no loaded version " + std::to_string(*route.path_version));
    }
  } else {
    std::optional<std::string> key;
    if (!request.podium_key.empty()) {
      key = request.podium_key;
    } else if (entry->spec.policy.kind == serving::PolicyKind::kSticky) {
      key = oip ? OipKey(body, entry->spec.policy.sticky_field) : NativeKey(body, entry->spec.policy.sticky_field);
    }
    serving::RouteInput input;
    input.enabled = true;
    input.has_fallback = entry->spec.fallback_decision.has_value();
    input.has_challenger = entry->challenger != nullptr;
    if (key) input.key = *key;
    input.random = NextDraw();
    decision = serving::DecideRoute(entry->spec.policy, input);
    version = decision.target == serving::Target::kChallenger ? entry->challenger : entry->champion;
  }

  if (decision.target == serving::Target::kUnavailable) {
    return Error(503, "model '" + route.model + "' is disabled and declares no fallback decision");
  }
  HttpResponse response;
  JsonWriter out(&response.body);
  if (decision.target == serving::Target::kFallback) {
    // Count the rows against the champion's schema only to answer one
    // decision per row; the model does not run.
    ApiResult<RawTable> table = oip ? OipTable(body, *entry->champion, options_.max_rows)
                                    : NativeTable(body, *entry->champion, options_.max_rows);
    if (!table.ok()) return Error(table.error);
    const std::string& fallback = *entry->spec.fallback_decision;
    const size_t n = table.value->rows;
    out.BeginObject();
    if (id) out.Key("id").String(*id);
    if (oip) {
      out.Key("model_name").String(route.model);
      out.Key("model_version").String("");
      out.Key("parameters").BeginObject().Key("fallback").Bool(true).EndObject();
      out.Key("outputs").BeginArray().BeginObject();
      out.Key("name").String("decision");
      out.Key("shape").BeginArray().Integer(static_cast<int64_t>(n)).EndArray();
      out.Key("datatype").String("BYTES");
      out.Key("data").BeginArray();
      for (size_t r = 0; r < n; ++r) out.String(fallback);
      out.EndArray().EndObject().EndArray();
    } else {
      out.Key("model").String(route.model);
      out.Key("version").Null();
      out.Key("fallback").Bool(true);
      out.Key("rows").BeginArray();
      for (size_t r = 0; r < n; ++r) {
        out.BeginObject().Key("decision").String(fallback).Key("fallback").Bool(true).EndObject();
      }
      out.EndArray();
    }
    out.EndObject();
    return response;
  }

  const Pipeline& pipeline = version->plan().pipeline();
  ApiResult<RawTable> table = oip ? OipTable(body, *version, options_.max_rows)
                                  : NativeTable(body, *version, options_.max_rows);
  if (!table.ok()) return Error(table.error);
  if (explain && reasons == 0) reasons = pipeline.post.reason_code_count > 0 ? pipeline.post.reason_code_count : 3;
  if (oip) {
    if (std::optional<ApiError> unknown = CheckRequestedOutputs(version->plan(), requested)) return Error(*unknown);
  }
  ApiResult<engine::BatchResult> result = ScoreTable(*version, *table.value, explain && !oip);
  if (!result.ok()) return Error(result.error);
  route.answered_version = version->version();
  route.rows = static_cast<int64_t>(table.value->rows);

  // The native rows are written once and, under shadow, also logged.
  std::string native_rows;
  if (!oip || decision.shadow) {
    JsonWriter rows(&native_rows);
    WriteNativeRows(version->plan(), *result.value, oip ? 0 : (explain ? reasons : 0), &rows);
  }
  out.BeginObject();
  if (id) out.Key("id").String(*id);
  if (oip) {
    out.Key("model_name").String(route.model);
    out.Key("model_version").String(std::to_string(version->version()));
    out.Key("parameters").BeginObject().Key("slot").String(serving::SlotName(version->slot())).EndObject();
    out.Key("outputs");
    WriteOipOutputs(version->plan(), *result.value, requested, &out);
  } else {
    out.Key("model").String(route.model);
    out.Key("version").Integer(version->version());
    out.Key("slot").String(serving::SlotName(version->slot()));
    out.Key("rows").Raw(native_rows);
  }
  out.EndObject();

  if (decision.shadow && entry->challenger && shadow_ != nullptr) {
    // The challenger scores the same rows silently, after the answer is on
    // its way when run_later is set; the caller sees the champion only,
    // whatever happens here. The task pins the snapshot (and so both
    // versions) and keeps its own copy of the body, parsed again there.
    std::string line;
    JsonWriter head(&line);
    head.BeginObject();
    head.Key("time").String(IsoTime(std::chrono::system_clock::now()));
    head.Key("model").String(route.model);
    if (id) head.Key("id").String(*id);
    head.Key("rows").Integer(route.rows);
    head.Key("champion_version").Integer(version->version());
    head.Key("challenger_version").Integer(entry->challenger->version());
    head.Key("champion").Raw(native_rows);
    auto task = [snapshot, model = route.model, oip, max_rows = options_.max_rows, shadow = shadow_,
                 parsers = parsers_.get(), body_text = request.body, line = std::move(line)]() mutable {
      const serving::ServedVersion& challenger = *snapshot->Find(model)->challenger;
      JsonWriter rest = JsonWriter::Resume(&line);
      JsonParserPool::Lease lease = parsers->Acquire();
      simdjson::dom::element document;
      std::string problem;
      // The body parsed once already; it parses the same again.
      ParseJsonBody(lease.parser(), body_text, &document, &problem);
      const simdjson::dom::object body = document.get_object().value_unsafe();
      ApiResult<RawTable> table = oip ? OipTable(body, challenger, max_rows) : NativeTable(body, challenger, max_rows);
      if (!table.ok()) {
        rest.Key("challenger_error").String(table.error.message);
      } else {
        ApiResult<engine::BatchResult> scored = ScoreTable(challenger, *table.value, false);
        if (scored.ok()) {
          rest.Key("challenger");
          WriteNativeRows(challenger.plan(), *scored.value, 0, &rest);
        } else {
          rest.Key("challenger_error").String(scored.error.message);
        }
      }
      rest.EndObject();
      shadow->Append(model, line);
    };
    if (options_.run_later) {
      options_.run_later(std::move(task));
    } else {
      task();
    }
  }
  return response;
}

}  // namespace podium::http
