#include "cli/registry_client.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/base64.h"
#include "base/json_guard.h"
#include "cli/http_client.h"
#include "http/registry_api.h"
#include "http/registry_json.h"

namespace podium::cli {
namespace {

using nlohmann::json;
using registry::Registry;

// --- in this process -----------------------------------------------------------------

class LocalClient final : public RegistryClient {
 public:
  explicit LocalClient(std::unique_ptr<Registry> registry) : registry_(std::move(registry)) {}

  Result<std::string> CreateFirstAdmin(std::string_view, std::string_view name) override {
    return registry_->CreateFirstAdmin(name);
  }
  Result<std::string> CreateUser(std::string_view token, std::string_view name, registry::Role role) override {
    return registry_->CreateUser(token, name, role);
  }
  Result<std::string> IssueToken(std::string_view token, std::string_view user) override {
    return registry_->IssueToken(token, user);
  }
  Result<int64_t> RevokeTokens(std::string_view token, std::string_view user) override {
    return registry_->RevokeTokens(token, user);
  }
  Result<registry::UserInfo> WhoAmI(std::string_view token) override { return registry_->WhoAmI(token); }
  Result<std::vector<registry::UserInfo>> ListUsers(std::string_view token) override {
    return registry_->ListUsers(token);
  }
  Status SetPublicKey(std::string_view token, std::string_view key) override {
    return registry_->SetPublicKey(token, key);
  }
  Status GrantModelRole(std::string_view token, std::string_view model, std::string_view user,
                        registry::Role role) override {
    return registry_->GrantModelRole(token, model, user, role);
  }
  Result<std::vector<registry::EnvironmentInfo>> ListEnvironments(std::string_view token) override {
    return registry_->ListEnvironments(token);
  }
  Status ConfigureEnvironment(std::string_view token, const registry::EnvironmentInfo& environment) override {
    return registry_->ConfigureEnvironment(token, environment);
  }
  Status AddFeaturePolicy(std::string_view token, const registry::FeaturePolicy& policy) override {
    return registry_->AddFeaturePolicy(token, policy);
  }
  Result<std::vector<registry::FeaturePolicy>> ListFeaturePolicies(std::string_view token) override {
    return registry_->ListFeaturePolicies(token);
  }
  Result<registry::ModelInfo> CreateModel(std::string_view token, const registry::ModelSpec& spec) override {
    return registry_->CreateModel(token, spec);
  }
  Result<std::vector<registry::ModelInfo>> ListModels(std::string_view token, bool include_archived) override {
    return registry_->ListModels(token, include_archived);
  }
  Result<registry::VersionInfo> RegisterVersion(std::string_view token,
                                                const registry::RegisterVersionRequest& request) override {
    return registry_->RegisterVersion(token, request);
  }
  Result<registry::VersionInfo> GetVersion(std::string_view token, std::string_view model, int64_t number) override {
    return registry_->GetVersion(token, model, number);
  }
  Result<std::vector<registry::VersionInfo>> ListVersions(std::string_view token, std::string_view model) override {
    return registry_->ListVersions(token, model);
  }
  Result<registry::VersionInfo> Resolve(std::string_view token, std::string_view reference) override {
    return registry_->Resolve(token, reference);
  }
  Status SetAlias(std::string_view token, std::string_view model, std::string_view alias, int64_t number,
                  std::string_view reason) override {
    return registry_->SetAlias(token, model, alias, number, reason);
  }
  Status RemoveAlias(std::string_view token, std::string_view model, std::string_view alias,
                     std::string_view reason) override {
    return registry_->RemoveAlias(token, model, alias, reason);
  }
  Result<registry::ApprovalStatement> PrepareDecision(std::string_view token, std::string_view model, int64_t number,
                                                      std::string_view environment, std::string_view decision,
                                                      std::string_view comment) override {
    return registry_->PrepareDecision(token, model, number, environment, decision, comment);
  }
  Status Decide(std::string_view token, const registry::DecisionRequest& request) override {
    return registry_->Decide(token, request);
  }
  Status Promote(std::string_view token, std::string_view model, int64_t number, std::string_view environment,
                 std::string_view reason) override {
    return registry_->Promote(token, model, number, environment, reason);
  }
  Status ArchiveVersion(std::string_view token, std::string_view model, int64_t number,
                        std::string_view reason) override {
    return registry_->ArchiveVersion(token, model, number, reason);
  }
  Status ArchiveModel(std::string_view token, std::string_view model, std::string_view reason) override {
    return registry_->ArchiveModel(token, model, reason);
  }
  Status RegisterDataset(std::string_view token, const registry::DatasetInfo& dataset) override {
    return registry_->RegisterDataset(token, dataset);
  }
  Status AddDependency(std::string_view token, std::string_view model, std::string_view depends_on,
                       std::string_view reason) override {
    return registry_->AddDependency(token, model, depends_on, reason);
  }
  Result<registry::Lineage> GetLineage(std::string_view token, std::string_view model, int64_t number) override {
    return registry_->GetLineage(token, model, number);
  }
  Result<std::vector<registry::SearchHit>> Search(std::string_view token, const registry::SearchQuery& query) override {
    return registry_->Search(token, query);
  }
  Result<std::string> ModelCard(std::string_view token, std::string_view model, int64_t number,
                                std::string_view format) override {
    return registry_->ModelCard(token, model, number, format);
  }
  Result<std::string> Diff(std::string_view token, std::string_view model, int64_t a, int64_t b) override {
    return registry_->Diff(token, model, a, b);
  }
  Result<registry::VerifyReport> VerifyVersion(std::string_view token, std::string_view model,
                                               int64_t number) override {
    return registry_->VerifyVersion(token, model, number);
  }
  Result<int64_t> VerifyAudit(std::string_view token) override { return registry_->VerifyAudit(token); }
  Result<std::vector<registry::AuditRecord>> AuditLog(std::string_view token,
                                                      const registry::AuditQuery& query) override {
    return registry_->AuditLog(token, query);
  }
  Result<registry::DeploymentAt> DeployedAt(std::string_view token, std::string_view model,
                                            std::string_view environment, std::string_view time) override {
    return registry_->DeployedAt(token, model, environment, time);
  }

 private:
  std::unique_ptr<Registry> registry_;
};

// --- over HTTP -------------------------------------------------------------------------

std::string Escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "%%%02X", static_cast<unsigned char>(c));
      out += hex;
    }
  }
  return out;
}

// The server's refusal as the Status the registry returned there.
Status StatusOfAnswer(const HttpAnswer& answer) {
  const json body = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  std::string message = "the server answered HTTP " + std::to_string(answer.status);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    message = body["error"].get<std::string>();
    if (body.contains("code") && body["code"].is_string()) {
      for (int c = static_cast<int>(StatusCode::kCancelled); c <= static_cast<int>(StatusCode::kUnauthenticated); ++c) {
        if (StatusCodeName(static_cast<StatusCode>(c)) == body["code"].get<std::string>()) {
          return Status(static_cast<StatusCode>(c), message);
        }
      }
    }
  } else if (!answer.body.empty()) {
    message += ": " + answer.body.substr(0, 200);
  }
  switch (answer.status) {
    case 400: return InvalidArgumentError(message);
    case 401: return UnauthenticatedError(message);
    case 403: return PermissionDeniedError(message);
    case 404: return NotFoundError(message);
    case 409: return AlreadyExistsError(message);
    case 412: return FailedPreconditionError(message);
    case 503: return UnavailableError(message);
    default: return InternalError(message);
  }
}

// Text that must be JSON in the request (recipe, hyperparameters, schema,
// profile), as the registry would check it.
Result<json> JsonValue(std::string_view what, const std::string& text) {
  const Status nesting = CheckJsonNesting(text);
  if (!nesting.ok()) return InvalidArgumentError(std::string(what) + ": " + nesting.message());
  json value = json::parse(text.empty() ? "{}" : text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return InvalidArgumentError(std::string(what) + " is not valid JSON");
  return value;
}

class RemoteClient final : public RegistryClient {
 public:
  explicit RemoteClient(HttpClient http) : http_(std::move(http)) {}

  Result<std::string> CreateFirstAdmin(std::string_view token, std::string_view name) override {
    ASSIGN_OR_RETURN(json answer, Call("POST", "/users:init-admin", token, json{{"name", name}}));
    return TextOf(answer, "token");
  }
  Result<std::string> CreateUser(std::string_view token, std::string_view name, registry::Role role) override {
    ASSIGN_OR_RETURN(json answer,
                     Call("POST", "/users", token, json{{"name", name}, {"role", registry::RoleName(role)}}));
    return TextOf(answer, "token");
  }
  Result<std::string> IssueToken(std::string_view token, std::string_view user) override {
    ASSIGN_OR_RETURN(json answer, Call("POST", "/users/" + Escaped(user) + "/tokens", token, json()));
    return TextOf(answer, "token");
  }
  Result<int64_t> RevokeTokens(std::string_view token, std::string_view user) override {
    ASSIGN_OR_RETURN(json answer, Call("DELETE", "/users/" + Escaped(user) + "/tokens", token, json()));
    if (!answer.contains("revoked") || !answer["revoked"].is_number_integer()) return Malformed("revoked");
    return answer["revoked"].get<int64_t>();
  }
  Result<registry::UserInfo> WhoAmI(std::string_view token) override {
    ASSIGN_OR_RETURN(json answer, Call("GET", "/whoami", token, json()));
    return http::UserFromJson(answer);
  }
  Result<std::vector<registry::UserInfo>> ListUsers(std::string_view token) override {
    return ListAll<registry::UserInfo>("/users?", "users", token, SIZE_MAX, http::UserFromJson);
  }
  Status SetPublicKey(std::string_view token, std::string_view key) override {
    return Call("PUT", "/whoami/public-key", token, json{{"public_key", key}}).status();
  }
  Status GrantModelRole(std::string_view token, std::string_view model, std::string_view user,
                        registry::Role role) override {
    return Call("POST", "/models/" + Escaped(model) + "/grants", token,
                json{{"user", user}, {"role", registry::RoleName(role)}})
        .status();
  }
  Result<std::vector<registry::EnvironmentInfo>> ListEnvironments(std::string_view token) override {
    return ListAll<registry::EnvironmentInfo>("/environments?", "environments", token, SIZE_MAX,
                                              http::EnvironmentFromJson);
  }
  Status ConfigureEnvironment(std::string_view token, const registry::EnvironmentInfo& e) override {
    return Call("PUT", "/environments/" + Escaped(e.name), token,
                json{{"order", e.order},
                     {"required_approvals", e.policy.required_approvals},
                     {"required_risk_approvals", e.policy.required_risk_approvals}})
        .status();
  }
  Status AddFeaturePolicy(std::string_view token, const registry::FeaturePolicy& p) override {
    return Call("POST", "/feature-policies", token,
                json{{"name", p.name},
                     {"use_case", p.use},
                     {"jurisdiction", p.jurisdiction},
                     {"forbidden_features", p.forbidden_features},
                     {"reason", p.reason}})
        .status();
  }
  Result<std::vector<registry::FeaturePolicy>> ListFeaturePolicies(std::string_view token) override {
    return ListAll<registry::FeaturePolicy>("/feature-policies?", "feature_policies", token, SIZE_MAX,
                                            http::FeaturePolicyFromJson);
  }
  Result<registry::ModelInfo> CreateModel(std::string_view token, const registry::ModelSpec& spec) override {
    ASSIGN_OR_RETURN(json answer, Call("POST", "/models", token,
                                       json{{"name", spec.name},
                                            {"description", spec.description},
                                            {"tags", spec.tags},
                                            {"intended_use", spec.intended_use},
                                            {"use_case", spec.use_case},
                                            {"jurisdiction", spec.jurisdiction},
                                            {"restricted_features", spec.restricted_features}}));
    return http::ModelFromJson(answer);
  }
  Result<std::vector<registry::ModelInfo>> ListModels(std::string_view token, bool include_archived) override {
    return ListAll<registry::ModelInfo>(include_archived ? "/models?include_archived=true&" : "/models?", "models",
                                        token, SIZE_MAX, http::ModelFromJson);
  }
  Result<registry::VersionInfo> RegisterVersion(std::string_view token,
                                                const registry::RegisterVersionRequest& request) override {
    // The artifact is already the canonical pipeline (the command imported
    // and checked it), so the server registers exactly these bytes.
    ASSIGN_OR_RETURN(json recipe, JsonValue("recipe", request.recipe));
    ASSIGN_OR_RETURN(json hyperparameters, JsonValue("hyperparameters", request.hyperparameters));
    json datasets = json::array();
    for (const registry::DatasetUse& d : request.datasets) {
      datasets.push_back({{"name", d.name}, {"version", d.version}, {"role", d.role}});
    }
    json body = {{"artifact_base64", Base64Encode(request.artifact)},
                 {"format", "pipeline"},
                 {"source", request.source},
                 {"source_digest", request.source_digest},
                 {"metrics", request.metrics},
                 {"hyperparameters", hyperparameters},
                 {"recipe", recipe},
                 {"code_ref", request.code_ref},
                 {"datasets", datasets},
                 {"reason", request.reason}};
    ASSIGN_OR_RETURN(json answer, Call("POST", "/models/" + Escaped(request.model) + "/versions", token, body));
    return http::VersionFromJson(answer);
  }
  Result<registry::VersionInfo> GetVersion(std::string_view token, std::string_view model, int64_t number) override {
    ASSIGN_OR_RETURN(json answer, Call("GET", VersionPath(model, number), token, json()));
    return http::VersionFromJson(answer);
  }
  Result<std::vector<registry::VersionInfo>> ListVersions(std::string_view token, std::string_view model) override {
    return ListAll<registry::VersionInfo>("/models/" + Escaped(model) + "/versions?", "versions", token, SIZE_MAX,
                                          http::VersionFromJson);
  }
  Result<registry::VersionInfo> Resolve(std::string_view token, std::string_view reference) override {
    ASSIGN_OR_RETURN(json answer, Call("GET", "/resolve?reference=" + Escaped(reference), token, json()));
    return http::VersionFromJson(answer);
  }
  Status SetAlias(std::string_view token, std::string_view model, std::string_view alias, int64_t number,
                  std::string_view reason) override {
    return Call("PUT", "/models/" + Escaped(model) + "/aliases/" + Escaped(alias), token,
                json{{"version", number}, {"reason", reason}})
        .status();
  }
  Status RemoveAlias(std::string_view token, std::string_view model, std::string_view alias,
                     std::string_view reason) override {
    return Call("DELETE", "/models/" + Escaped(model) + "/aliases/" + Escaped(alias), token, json{{"reason", reason}})
        .status();
  }
  Result<registry::ApprovalStatement> PrepareDecision(std::string_view token, std::string_view model, int64_t number,
                                                      std::string_view environment, std::string_view decision,
                                                      std::string_view comment) override {
    ASSIGN_OR_RETURN(json answer,
                     Call("POST", VersionPath(model, number) + "/decisions:prepare", token,
                          json{{"environment", environment}, {"decision", decision}, {"comment", comment}}));
    if (!answer.contains("statement")) return Malformed("statement");
    return http::StatementFromJson(answer["statement"]);
  }
  Status Decide(std::string_view token, const registry::DecisionRequest& request) override {
    const registry::ApprovalStatement& s = request.statement;
    return Call("POST", VersionPath(s.model, s.version) + "/decisions", token,
                json{{"statement", http::StatementJson(s)}, {"signature", request.signature}})
        .status();
  }
  Status Promote(std::string_view token, std::string_view model, int64_t number, std::string_view environment,
                 std::string_view reason) override {
    return Call("POST", VersionPath(model, number) + ":promote", token,
                json{{"environment", environment}, {"reason", reason}})
        .status();
  }
  Status ArchiveVersion(std::string_view token, std::string_view model, int64_t number,
                        std::string_view reason) override {
    return Call("POST", VersionPath(model, number) + ":archive", token, json{{"reason", reason}}).status();
  }
  Status ArchiveModel(std::string_view token, std::string_view model, std::string_view reason) override {
    return Call("POST", "/models/" + Escaped(model) + ":archive", token, json{{"reason", reason}}).status();
  }
  Status RegisterDataset(std::string_view token, const registry::DatasetInfo& d) override {
    ASSIGN_OR_RETURN(json schema, JsonValue("schema", d.schema));
    ASSIGN_OR_RETURN(json profile, JsonValue("profile", d.profile));
    return Call("POST", "/datasets", token,
                json{{"name", d.name},
                     {"version", d.version},
                     {"fingerprint", d.fingerprint},
                     {"row_count", d.row_count},
                     {"schema", schema},
                     {"profile", profile}})
        .status();
  }
  Status AddDependency(std::string_view token, std::string_view model, std::string_view depends_on,
                       std::string_view reason) override {
    return Call("POST", "/models/" + Escaped(model) + "/dependencies", token,
                json{{"depends_on", depends_on}, {"reason", reason}})
        .status();
  }
  Result<registry::Lineage> GetLineage(std::string_view token, std::string_view model, int64_t number) override {
    ASSIGN_OR_RETURN(json answer, Call("GET", VersionPath(model, number) + "/lineage", token, json()));
    return http::LineageFromJson(answer);
  }
  Result<std::vector<registry::SearchHit>> Search(std::string_view token, const registry::SearchQuery& query) override {
    std::string target = "/search?";
    auto add = [&target](const char* name, const std::string& value) {
      if (!value.empty()) target += std::string(name) + "=" + Escaped(value) + "&";
    };
    add("q", query.text);
    add("owner", query.owner);
    add("environment", query.environment);
    add("alias", query.alias);
    add("dataset", query.dataset);
    for (const registry::SearchQuery::MetricRange& range : query.metrics) {
      add("metric", range.name + ":" + (range.min ? Number(*range.min) : "") + ":" +
                        (range.max ? Number(*range.max) : ""));
    }
    if (query.include_archived) target += "include_archived=true&";
    return ListAll<registry::SearchHit>(target, "hits", token, static_cast<size_t>(std::max(query.limit, 1)),
                                        http::SearchHitFromJson);
  }
  Result<std::string> ModelCard(std::string_view token, std::string_view model, int64_t number,
                                std::string_view format) override {
    ASSIGN_OR_RETURN(HttpAnswer answer,
                     Exchange("GET", VersionPath(model, number) + "/card?format=" + Escaped(format), token, json()));
    return answer.body;
  }
  Result<std::string> Diff(std::string_view token, std::string_view model, int64_t a, int64_t b) override {
    ASSIGN_OR_RETURN(HttpAnswer answer, Exchange("GET",
                                                 "/models/" + Escaped(model) + "/diff?from=" + std::to_string(a) +
                                                     "&to=" + std::to_string(b),
                                                 token, json()));
    return answer.body;
  }
  Result<registry::VerifyReport> VerifyVersion(std::string_view token, std::string_view model,
                                               int64_t number) override {
    ASSIGN_OR_RETURN(json answer, Call("POST", VersionPath(model, number) + ":verify", token, json()));
    return http::VerifyReportFromJson(answer);
  }
  Result<int64_t> VerifyAudit(std::string_view token) override {
    ASSIGN_OR_RETURN(json answer, Call("POST", "/audit:verify", token, json()));
    if (!answer.contains("records") || !answer["records"].is_number_integer()) return Malformed("records");
    return answer["records"].get<int64_t>();
  }
  Result<std::vector<registry::AuditRecord>> AuditLog(std::string_view token,
                                                      const registry::AuditQuery& query) override {
    std::string target = "/audit?";
    if (!query.entity_prefix.empty()) target += "entity=" + Escaped(query.entity_prefix) + "&";
    if (query.after_seq > 0) target += "after=" + std::to_string(query.after_seq) + "&";
    if (!query.since.empty()) target += "since=" + Escaped(query.since) + "&";
    if (!query.until.empty()) target += "until=" + Escaped(query.until) + "&";
    return ListAll<registry::AuditRecord>(target, "records", token, static_cast<size_t>(std::max(query.limit, 1)),
                                          http::AuditRecordFromJson);
  }
  Result<registry::DeploymentAt> DeployedAt(std::string_view token, std::string_view model,
                                            std::string_view environment, std::string_view time) override {
    ASSIGN_OR_RETURN(json answer, Call("GET",
                                       "/models/" + Escaped(model) + "/deployments/" + Escaped(environment) +
                                           "?at=" + Escaped(time),
                                       token, json()));
    return http::DeploymentAtFromJson(answer);
  }

 private:
  static std::string VersionPath(std::string_view model, int64_t number) {
    return "/models/" + Escaped(model) + "/versions/" + std::to_string(number);
  }
  static std::string Number(double x) {
    std::ostringstream out;
    out.precision(17);
    out << x;
    return out.str();
  }
  static Status Malformed(std::string_view member) {
    return DataLossError("the server's answer has no valid '" + std::string(member) + "'");
  }
  static Result<std::string> TextOf(const json& answer, const char* member) {
    if (!answer.contains(member) || !answer[member].is_string()) return Malformed(member);
    return answer[member].get<std::string>();
  }

  // One exchange; a non-2xx answer becomes the server's error.
  Result<HttpAnswer> Exchange(std::string_view method, const std::string& target, std::string_view token,
                              const json& body) const {
    ASSIGN_OR_RETURN(HttpAnswer answer, http_.Send(method, std::string(http::kRegistryApiPrefix) + target,
                                                   body.is_null() ? "" : body.dump(), token));
    if (answer.status < 200 || answer.status > 299) return StatusOfAnswer(answer);
    return answer;
  }
  Result<json> Call(std::string_view method, const std::string& target, std::string_view token,
                    const json& body) const {
    ASSIGN_OR_RETURN(HttpAnswer answer, Exchange(method, target, token, body));
    json parsed = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) return DataLossError("the server's answer is not a JSON object");
    return parsed;
  }
  // Walks a paginated list until its end or `max_items`.
  template <typename T, typename FromJson>
  Result<std::vector<T>> ListAll(const std::string& target, const char* list, std::string_view token,
                                 size_t max_items, FromJson from_json) const {
    std::vector<T> items;
    std::string page_token;
    while (items.size() < max_items) {
      const size_t limit = std::min<size_t>(max_items - items.size(), http::RegistryApi::kMaxPageSize);
      std::string page = target + "limit=" + std::to_string(limit);
      if (!page_token.empty()) page += "&page_token=" + Escaped(page_token);
      ASSIGN_OR_RETURN(json answer, Call("GET", page, token, json()));
      if (!answer.contains(list) || !answer[list].is_array()) return Malformed(list);
      for (const json& item : answer[list]) {
        ASSIGN_OR_RETURN(T value, from_json(item));
        items.push_back(std::move(value));
      }
      if (!answer.contains("next_page_token") || !answer["next_page_token"].is_string()) break;
      page_token = answer["next_page_token"].get<std::string>();
    }
    return items;
  }

  HttpClient http_;
};

}  // namespace

std::unique_ptr<RegistryClient> LocalRegistryClient(std::unique_ptr<Registry> registry) {
  return std::make_unique<LocalClient>(std::move(registry));
}

Result<std::unique_ptr<RegistryClient>> RemoteRegistryClient(std::string_view server_url) {
  ASSIGN_OR_RETURN(HttpClient http, HttpClient::Create(server_url, HttpClient::Options{}));
  return std::unique_ptr<RegistryClient>(std::make_unique<RemoteClient>(std::move(http)));
}

}  // namespace podium::cli
