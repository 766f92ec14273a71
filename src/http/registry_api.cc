#include "http/registry_api.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "app/app.h"
#include "base/base64.h"
#include "base/json_guard.h"
#include "engine/engine.h"
#include "http/registry_json.h"
#include "pipeline/pipeline_json.h"

namespace podium::http {
namespace {

using nlohmann::json;
using registry::Registry;

// --- responses -------------------------------------------------------------------

HttpResponse JsonAnswer(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump();
  return response;
}

HttpResponse TextAnswer(std::string content_type, std::string body) {
  HttpResponse response;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

HttpResponse ErrorAnswer(const Status& status) {
  HttpResponse response = JsonAnswer(HttpStatusFor(status.code()),
                                     json{{"error", status.message()}, {"code", StatusCodeName(status.code())}});
  if (status.code() == StatusCode::kUnauthenticated) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

// --- the request -------------------------------------------------------------------

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%') {
      unsigned value = 0;
      if (i + 2 >= text.size() ||
          std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr != text.data() + i + 3) {
        return InvalidArgumentError(std::string(what) + ": malformed percent-encoding at '" +
                                    std::string(text.substr(i, 3)) + "'");
      }
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// Query parameters in the order given; a name may repeat (metric=...).
class Query {
 public:
  static Result<Query> Parse(std::string_view raw) {
    Query query;
    size_t pos = 0;
    while (pos < raw.size()) {
      size_t amp = raw.find('&', pos);
      if (amp == std::string_view::npos) amp = raw.size();
      const std::string_view item = raw.substr(pos, amp - pos);
      pos = amp + 1;
      if (item.empty()) continue;
      const size_t eq = item.find('=');
      ASSIGN_OR_RETURN(std::string name, PercentDecode(item.substr(0, eq), true, "query"));
      std::string value;
      if (eq != std::string_view::npos) {
        ASSIGN_OR_RETURN(value, PercentDecode(item.substr(eq + 1), true, "query parameter '" + name + "'"));
      }
      query.items_.emplace_back(std::move(name), std::move(value));
    }
    return query;
  }

  // The last value given for `name`.
  std::optional<std::string> Get(std::string_view name) const {
    std::optional<std::string> value;
    for (const auto& [n, v] : items_) {
      if (n == name) value = v;
    }
    return value;
  }
  std::vector<std::string> All(std::string_view name) const {
    std::vector<std::string> values;
    for (const auto& [n, v] : items_) {
      if (n == name) values.push_back(v);
    }
    return values;
  }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

std::string_view BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return {};
  }
  return header.substr(kScheme.size());
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0 && !b.empty();
}

// One request on its way through a handler.
struct Call {
  const HttpRequest& request;
  Registry& registry;
  const RegistryApi::Options& options;
  std::string token;
  std::string path;                                 // without the query
  std::map<std::string, std::string> path_params;  // {model} -> "credit"
  Query query;
};

Result<int64_t> ParseInteger(std::string_view text, std::string_view what, int64_t lo, int64_t hi) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return InvalidArgumentError(std::string(what) + ": '" + std::string(text.substr(0, 64)) + "' is not an integer");
  }
  if (value < lo || value > hi) {
    return InvalidArgumentError(std::string(what) + ": " + std::to_string(value) + " is outside [" +
                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return value;
}

Result<int64_t> PathVersion(const Call& call) {
  return ParseInteger(call.path_params.at("version"), "version", 1, INT64_MAX);
}

Result<bool> QueryBool(const Call& call, std::string_view name) {
  const std::optional<std::string> value = call.query.Get(name);
  if (!value || value->empty() || *value == "true" || *value == "1") return value.has_value();
  if (*value == "false" || *value == "0") return false;
  return InvalidArgumentError(std::string(name) + ": '" + value->substr(0, 64) + "' is not true or false");
}

Result<std::string> RequiredQuery(const Call& call, std::string_view name) {
  std::optional<std::string> value = call.query.Get(name);
  if (!value || value->empty()) return InvalidArgumentError(std::string(name) + ": required query parameter");
  return *value;
}

// The JSON body: guarded against deep nesting, then parsed; an empty body
// reads as {} where the endpoint allows it.
Result<json> ParseBody(const Call& call, bool may_be_empty) {
  const std::string& text = call.request.body;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    if (may_be_empty) return json::object();
    return InvalidArgumentError("request body: expected a JSON object");
  }
  const Status nesting = CheckJsonNesting(text, call.options.max_json_depth);
  if (!nesting.ok()) return InvalidArgumentError("request body: " + nesting.message());
  json body;
  try {
    body = json::parse(text);
  } catch (const json::exception& e) {  // syntax errors, and numbers such as 1e999 that overflow
    return InvalidArgumentError(std::string("request body is not valid JSON: ") + e.what());
  }
  if (!body.is_object()) return InvalidArgumentError("request body: expected a JSON object");
  return body;
}

// Reads the members of a JSON object, keeping the first problem; Finish
// reports it, or else a member nobody read (a typo never goes unnoticed).
class Fields {
 public:
  explicit Fields(const json& object, std::string prefix = "") : object_(object), prefix_(std::move(prefix)) {}

  std::string Text(const char* key, bool required = false) {
    const json* value = Find(key, required);
    if (value == nullptr) return {};
    if (!value->is_string()) return Fail(key, "expected a string"), std::string();
    return value->get<std::string>();
  }
  int64_t Integer(const char* key, bool required, int64_t lo, int64_t hi, int64_t fallback = 0) {
    const json* value = Find(key, required);
    if (value == nullptr) return fallback;
    if (!value->is_number_integer()) return Fail(key, "expected an integer"), fallback;
    const int64_t x = value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
                          ? INT64_MAX
                          : value->get<int64_t>();
    if (x < lo || x > hi) {
      Fail(key, std::to_string(x) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return fallback;
    }
    return x;
  }
  std::vector<std::string> TextList(const char* key) {
    const json* value = Find(key, false);
    std::vector<std::string> items;
    if (value == nullptr) return items;
    if (!value->is_array()) return Fail(key, "expected an array of strings"), items;
    for (size_t i = 0; i < value->size(); ++i) {
      if (!(*value)[i].is_string()) {
        Fail(std::string(key) + "[" + std::to_string(i) + "]", "expected a string");
        return {};
      }
      items.push_back((*value)[i].get<std::string>());
    }
    return items;
  }
  std::map<std::string, double> Numbers(const char* key) {
    const json* value = Find(key, false);
    std::map<std::string, double> numbers;
    if (value == nullptr) return numbers;
    if (!value->is_object()) return Fail(key, "expected an object of numbers"), numbers;
    for (const auto& [name, x] : value->items()) {
      if (!x.is_number()) {
        Fail(std::string(key) + "." + name, "expected a number");
        return {};
      }
      numbers[name] = x.get<double>();
    }
    return numbers;
  }
  // A member of any JSON type, as compact JSON text (fallback when absent).
  std::string JsonText(const char* key, const char* fallback, bool object_only) {
    const json* value = Find(key, false);
    if (value == nullptr) return fallback;
    if (object_only && !value->is_object()) return Fail(key, "expected a JSON object"), std::string(fallback);
    return value->dump();
  }
  const json* Object(const char* key, bool required) {
    const json* value = Find(key, required);
    if (value != nullptr && !value->is_object()) return Fail(key, "expected an object"), nullptr;
    return value;
  }
  const json* Array(const char* key) {
    const json* value = Find(key, false);
    if (value != nullptr && !value->is_array()) return Fail(key, "expected an array"), nullptr;
    return value;
  }
  void Fail(const std::string& key, const std::string& problem) {
    if (status_.ok()) status_ = InvalidArgumentError(prefix_ + key + ": " + problem);
  }
  std::string Where(const std::string& key) const { return prefix_ + key; }

  Status Finish() const {
    if (!status_.ok()) return status_;
    for (const auto& [key, value] : object_.items()) {
      if (!read_.count(key)) return InvalidArgumentError(prefix_ + key + ": unknown member");
    }
    return Status::Ok();
  }

 private:
  const json* Find(const char* key, bool required) {
    read_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required) Fail(key, "required");
      return nullptr;
    }
    return &*it;
  }

  const json& object_;
  const std::string prefix_;
  std::set<std::string> read_;
  Status status_;
};

// --- pagination -------------------------------------------------------------------

struct PageRequest {
  int limit = RegistryApi::kDefaultPageSize;
  std::optional<std::string> after;  // the key of the last item of the previous page
};

// A page token names its list, so a token of another list is refused.
std::string PageToken(std::string_view list, std::string_view key) {
  return Base64UrlEncode(std::string(list) + ":" + std::string(key));
}

Result<PageRequest> ReadPage(const Call& call, std::string_view list) {
  PageRequest page;
  if (std::optional<std::string> limit = call.query.Get("limit")) {
    ASSIGN_OR_RETURN(int64_t value, ParseInteger(*limit, "limit", 1, RegistryApi::kMaxPageSize));
    page.limit = static_cast<int>(value);
  }
  if (std::optional<std::string> token = call.query.Get("page_token"); token && !token->empty()) {
    Result<std::string> decoded = Base64UrlDecode(*token);
    const std::string prefix = std::string(list) + ":";
    if (!decoded.ok() || decoded->rfind(prefix, 0) != 0) {
      return InvalidArgumentError("page_token: not a page token of this list (pass next_page_token unchanged)");
    }
    page.after = decoded->substr(prefix.size());
  }
  return page;
}

// A key whose byte order is the numeric order of `value`.
std::string OrderedKey(int64_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof(buffer), "%020llu",
                static_cast<unsigned long long>(static_cast<uint64_t>(value) ^ (uint64_t{1} << 63)));
  return buffer;
}

// The answer {"<list>": [...], "next_page_token": T, "next": URL}; the last
// two only when more items follow. Also a Link: <URL>; rel="next" header.
HttpResponse PageAnswer(const Call& call, std::string_view list, json items,
                        const std::optional<std::string>& next_key) {
  json body = json::object();
  body[std::string(list)] = std::move(items);
  HttpResponse response;
  if (next_key) {
    const std::string token = PageToken(list, *next_key);
    std::string next = call.path + "?";
    for (const auto& [name, value] : call.query.items()) {
      if (name == "page_token") continue;
      std::string encoded;
      for (char c : name + "=" + value) {
        const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
                           c == '~' || c == '=' || c == ':' || c == '@';
        if (plain) {
          encoded += c;
        } else {
          char hex[4];
          std::snprintf(hex, sizeof(hex), "%%%02X", static_cast<unsigned char>(c));
          encoded += hex;
        }
      }
      next += encoded + "&";
    }
    next += "page_token=" + token;
    body["next_page_token"] = token;
    body["next"] = next;
    response.headers.emplace_back("Link", "<" + next + ">; rel=\"next\"");
  }
  response.body = body.dump();
  return response;
}

// One page of a whole list: `items` in any order; they are ordered by `key`
// so a page token (the last key served) finds its place even if that item
// is gone.
template <typename T, typename KeyFn, typename JsonFn>
Result<HttpResponse> PageOfList(const Call& call, std::string_view list, std::vector<T> items, KeyFn key,
                                JsonFn to_json) {
  ASSIGN_OR_RETURN(PageRequest page, ReadPage(call, list));
  std::stable_sort(items.begin(), items.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
  size_t begin = 0;
  if (page.after) {
    begin = static_cast<size_t>(std::upper_bound(items.begin(), items.end(), *page.after,
                                                 [&](const std::string& after, const T& item) {
                                                   return after < key(item);
                                                 }) -
                                items.begin());
  }
  const size_t end = std::min(items.size(), begin + static_cast<size_t>(page.limit));
  json out = json::array();
  for (size_t i = begin; i < end; ++i) out.push_back(to_json(items[i]));
  std::optional<std::string> next;
  if (end < items.size()) next = key(items[end - 1]);
  return PageAnswer(call, list, std::move(out), next);
}

// --- handlers: users, tokens, keys, grants --------------------------------------------

Result<HttpResponse> InitAdmin(Call& call) {
  if (call.token.empty()) {
    return UnauthenticatedError("creating the first admin needs 'Authorization: Bearer <the server's API token>'");
  }
  if (!ConstantTimeEquals(call.token, call.options.bootstrap_token)) {
    return PermissionDeniedError("creating the first admin needs the server's API token");
  }
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  const std::string name = f.Text("name", true);
  RETURN_IF_ERROR(f.Finish());
  ASSIGN_OR_RETURN(std::string token, call.registry.CreateFirstAdmin(name));
  return JsonAnswer(201, json{{"name", name}, {"role", "admin"}, {"token", token}});
}

Result<HttpResponse> WhoAmI(Call& call) {
  ASSIGN_OR_RETURN(registry::UserInfo me, call.registry.WhoAmI(call.token));
  return JsonAnswer(200, UserJson(me));
}

Result<HttpResponse> SetPublicKey(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  const std::string key = f.Text("public_key", true);
  RETURN_IF_ERROR(f.Finish());
  RETURN_IF_ERROR(call.registry.SetPublicKey(call.token, key));
  ASSIGN_OR_RETURN(registry::UserInfo me, call.registry.WhoAmI(call.token));
  return JsonAnswer(200, UserJson(me));
}

Result<HttpResponse> ListUsers(Call& call) {
  ASSIGN_OR_RETURN(std::vector<registry::UserInfo> users, call.registry.ListUsers(call.token));
  return PageOfList(call, "users", std::move(users), [](const registry::UserInfo& u) { return u.name; }, UserJson);
}

Result<HttpResponse> CreateUser(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  const std::string name = f.Text("name", true);
  const std::string role_name = f.Text("role", true);
  RETURN_IF_ERROR(f.Finish());
  Result<registry::Role> role = registry::ParseRole(role_name);
  if (!role.ok()) return role.status().WithContext("role");
  ASSIGN_OR_RETURN(std::string token, call.registry.CreateUser(call.token, name, *role));
  return JsonAnswer(201, json{{"name", name}, {"role", registry::RoleName(*role)}, {"token", token}});
}

Result<HttpResponse> IssueToken(Call& call) {
  const std::string& user = call.path_params.at("user");
  ASSIGN_OR_RETURN(std::string token, call.registry.IssueToken(call.token, user));
  return JsonAnswer(201, json{{"user", user}, {"token", token}});
}

Result<HttpResponse> RevokeTokens(Call& call) {
  const std::string& user = call.path_params.at("user");
  ASSIGN_OR_RETURN(int64_t revoked, call.registry.RevokeTokens(call.token, user));
  return JsonAnswer(200, json{{"user", user}, {"revoked", revoked}});
}

Result<HttpResponse> GrantModelRole(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  const std::string user = f.Text("user", true);
  const std::string role_name = f.Text("role", true);
  RETURN_IF_ERROR(f.Finish());
  Result<registry::Role> role = registry::ParseRole(role_name);
  if (!role.ok()) return role.status().WithContext("role");
  const std::string& model = call.path_params.at("model");
  RETURN_IF_ERROR(call.registry.GrantModelRole(call.token, model, user, *role));
  return JsonAnswer(200, json{{"model", model}, {"user", user}, {"role", registry::RoleName(*role)}});
}

// --- environments and feature policies -----------------------------------------------

Result<HttpResponse> ListEnvironments(Call& call) {
  ASSIGN_OR_RETURN(std::vector<registry::EnvironmentInfo> environments, call.registry.ListEnvironments(call.token));
  return PageOfList(
      call, "environments", std::move(environments),
      [](const registry::EnvironmentInfo& e) { return OrderedKey(e.order) + "/" + e.name; }, EnvironmentJson);
}

Result<HttpResponse> ConfigureEnvironment(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  registry::EnvironmentInfo environment;
  environment.name = call.path_params.at("environment");
  environment.order = static_cast<int>(f.Integer("order", true, -1000000, 1000000));
  environment.policy.required_approvals = static_cast<int>(f.Integer("required_approvals", false, 0, 1000));
  environment.policy.required_risk_approvals = static_cast<int>(f.Integer("required_risk_approvals", false, 0, 1000));
  RETURN_IF_ERROR(f.Finish());
  RETURN_IF_ERROR(call.registry.ConfigureEnvironment(call.token, environment));
  return JsonAnswer(200, EnvironmentJson(environment));
}

Result<HttpResponse> ListFeaturePolicies(Call& call) {
  ASSIGN_OR_RETURN(std::vector<registry::FeaturePolicy> policies, call.registry.ListFeaturePolicies(call.token));
  return PageOfList(call, "feature_policies", std::move(policies),
                    [](const registry::FeaturePolicy& p) { return p.name; }, FeaturePolicyJson);
}

Result<HttpResponse> AddFeaturePolicy(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  registry::FeaturePolicy policy;
  policy.name = f.Text("name", true);
  policy.use = f.Text("use_case");
  policy.jurisdiction = f.Text("jurisdiction");
  policy.forbidden_features = f.TextList("forbidden_features");
  policy.reason = f.Text("reason", true);
  RETURN_IF_ERROR(f.Finish());
  if (policy.use.empty()) policy.use = "*";
  if (policy.jurisdiction.empty()) policy.jurisdiction = "*";
  if (policy.forbidden_features.empty()) return InvalidArgumentError("forbidden_features: name at least one feature");
  RETURN_IF_ERROR(call.registry.AddFeaturePolicy(call.token, policy));
  return JsonAnswer(201, FeaturePolicyJson(policy));
}

// --- models -----------------------------------------------------------------------

Result<HttpResponse> ListModels(Call& call) {
  ASSIGN_OR_RETURN(bool include_archived, QueryBool(call, "include_archived"));
  ASSIGN_OR_RETURN(std::vector<registry::ModelInfo> models, call.registry.ListModels(call.token, include_archived));
  return PageOfList(call, "models", std::move(models), [](const registry::ModelInfo& m) { return m.spec.name; },
                    ModelJson);
}

Result<HttpResponse> CreateModel(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  registry::ModelSpec spec;
  spec.name = f.Text("name", true);
  spec.description = f.Text("description");
  spec.tags = f.TextList("tags");
  spec.intended_use = f.Text("intended_use");
  spec.use_case = f.Text("use_case");
  spec.jurisdiction = f.Text("jurisdiction");
  spec.restricted_features = f.TextList("restricted_features");
  RETURN_IF_ERROR(f.Finish());
  ASSIGN_OR_RETURN(registry::ModelInfo model, call.registry.CreateModel(call.token, spec));
  return JsonAnswer(201, ModelJson(model));
}

Result<HttpResponse> GetModel(Call& call) {
  ASSIGN_OR_RETURN(registry::ModelInfo model, call.registry.GetModel(call.token, call.path_params.at("model")));
  return JsonAnswer(200, ModelJson(model));
}

Result<std::string> ReasonOnly(const Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call, true));
  Fields f(body);
  std::string reason = f.Text("reason");
  RETURN_IF_ERROR(f.Finish());
  return reason;
}

Result<HttpResponse> ArchiveModel(Call& call) {
  ASSIGN_OR_RETURN(std::string reason, ReasonOnly(call));
  const std::string& model = call.path_params.at("model");
  RETURN_IF_ERROR(call.registry.ArchiveModel(call.token, model, reason));
  return JsonAnswer(200, json{{"model", model}, {"archived", true}});
}

Result<HttpResponse> AddDependency(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  const std::string depends_on = f.Text("depends_on", true);
  const std::string reason = f.Text("reason");
  RETURN_IF_ERROR(f.Finish());
  const std::string& model = call.path_params.at("model");
  RETURN_IF_ERROR(call.registry.AddDependency(call.token, model, depends_on, reason));
  return JsonAnswer(201, json{{"model", model}, {"depends_on", depends_on}});
}

// --- versions ---------------------------------------------------------------------

Result<HttpResponse> ListVersions(Call& call) {
  ASSIGN_OR_RETURN(std::vector<registry::VersionInfo> versions,
                   call.registry.ListVersions(call.token, call.path_params.at("model")));
  return PageOfList(call, "versions", std::move(versions),
                    [](const registry::VersionInfo& v) { return OrderedKey(v.number); }, VersionJson);
}

Result<HttpResponse> RegisterVersion(Call& call) {
  // Refuse an unauthenticated upload before spending time on its artifact.
  RETURN_IF_ERROR(call.registry.WhoAmI(call.token).status());
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  const std::string encoded = f.Text("artifact_base64", true);
  const std::string format_name = f.Text("format");
  const std::string file_name = f.Text("file_name");
  // Where a pipeline came from, when the client imported it itself.
  const std::string source = f.Text("source");
  const std::string source_digest = f.Text("source_digest");
  registry::RegisterVersionRequest request;
  request.model = call.path_params.at("model");
  request.metrics = f.Numbers("metrics");
  request.hyperparameters = f.JsonText("hyperparameters", "{}", /*object_only=*/true);
  request.recipe = f.JsonText("recipe", "{}", /*object_only=*/false);
  request.code_ref = f.Text("code_ref");
  request.reason = f.Text("reason");
  if (const json* datasets = f.Array("datasets")) {
    for (size_t i = 0; i < datasets->size(); ++i) {
      const std::string where = "datasets[" + std::to_string(i) + "]";
      if (!(*datasets)[i].is_object()) {
        f.Fail(where, "expected an object {name, version, role}");
        break;
      }
      Fields d((*datasets)[i], where + ".");
      registry::DatasetUse use{d.Text("name", true), d.Text("version", true), d.Text("role")};
      RETURN_IF_ERROR(d.Finish());
      if (use.role.empty()) use.role = "training";
      request.datasets.push_back(std::move(use));
    }
  }
  RETURN_IF_ERROR(f.Finish());
  Result<std::string> artifact = Base64Decode(encoded);
  if (!artifact.ok()) return artifact.status().WithContext("artifact_base64");
  Result<app::ModelFormat> format = app::ParseModelFormat(format_name.empty() ? "auto" : format_name);
  if (!format.ok()) return format.status().WithContext("format");
  // The same checks as `podium registry register`: parse (importing other
  // formats), validate and compile before anything is stored.
  const std::string name = file_name.empty() ? request.model : file_name;
  ASSIGN_OR_RETURN(app::LoadedModel loaded, app::LoadModelText(*artifact, name, *format));
  Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(loaded.pipeline);
  if (!plan.ok()) return plan.status().WithContext("artifact");
  request.artifact = WritePipelineJson(loaded.pipeline, false);
  if (loaded.format == app::ModelFormat::kPipeline) {
    request.source = source.empty() ? "podium" : source;
    request.source_digest = source_digest;
  } else {
    if (!source.empty() || !source_digest.empty()) {
      return InvalidArgumentError("source, source_digest: only for a Podium pipeline; the server records them "
                                  "itself when it imports the artifact");
    }
    request.source = std::string(app::ModelFormatName(loaded.format));  // "xgboost", "pmml"
    request.source_digest = registry::ArtifactDigest(*artifact);
  }
  ASSIGN_OR_RETURN(registry::VersionInfo version, call.registry.RegisterVersion(call.token, request));
  HttpResponse response = JsonAnswer(201, VersionJson(version));
  response.headers.emplace_back("Location", std::string(kRegistryApiPrefix) + "/models/" + version.model +
                                                "/versions/" + std::to_string(version.number));
  return response;
}

Result<HttpResponse> GetVersion(Call& call) {
  ASSIGN_OR_RETURN(int64_t number, PathVersion(call));
  ASSIGN_OR_RETURN(registry::VersionInfo version,
                   call.registry.GetVersion(call.token, call.path_params.at("model"), number));
  return JsonAnswer(200, VersionJson(version));
}

Result<HttpResponse> GetArtifact(Call& call) {
  ASSIGN_OR_RETURN(int64_t number, PathVersion(call));
  const std::string& model = call.path_params.at("model");
  ASSIGN_OR_RETURN(std::string bytes, call.registry.GetArtifact(call.token, model, number));
  const std::string digest = registry::ArtifactDigest(bytes);
  HttpResponse response = TextAnswer("application/json", std::move(bytes));
  response.headers.emplace_back("X-Podium-Artifact-Digest", digest);
  response.headers.emplace_back("ETag", "\"" + digest + "\"");
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"" + model + "-" + std::to_string(number) + ".json\"");
  return response;
}

Result<HttpResponse> Resolve(Call& call) {
  ASSIGN_OR_RETURN(std::string reference, RequiredQuery(call, "reference"));
  ASSIGN_OR_RETURN(registry::VersionInfo resolved, call.registry.Resolve(call.token, reference));
  // The whole record (aliases, deployments, approvals), as GET of the version.
  ASSIGN_OR_RETURN(registry::VersionInfo version,
                   call.registry.GetVersion(call.token, resolved.model, resolved.number));
  return JsonAnswer(200, VersionJson(version));
}

Result<HttpResponse> ArchiveVersion(Call& call) {
  ASSIGN_OR_RETURN(int64_t number, PathVersion(call));
  ASSIGN_OR_RETURN(std::string reason, ReasonOnly(call));
  const std::string& model = call.path_params.at("model");
  RETURN_IF_ERROR(call.registry.ArchiveVersion(call.token, model, number, reason));
  return JsonAnswer(200, json{{"model", model}, {"version", number}, {"archived", true}});
}

Result<HttpResponse> Promote(Call& call) {
  ASSIGN_OR_RETURN(int64_t number, PathVersion(call));
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  const std::string environment = f.Text("environment", true);
  const std::string reason = f.Text("reason");
  RETURN_IF_ERROR(f.Finish());
  const std::string& model = call.path_params.at("model");
  RETURN_IF_ERROR(call.registry.Promote(call.token, model, number, environment, reason));
  return JsonAnswer(200, json{{"model", model}, {"version", number}, {"environment", environment}});
}

Result<HttpResponse> VerifyVersion(Call& call) {
  ASSIGN_OR_RETURN(int64_t number, PathVersion(call));
  ASSIGN_OR_RETURN(registry::VerifyReport report,
                   call.registry.VerifyVersion(call.token, call.path_params.at("model"), number));
  return JsonAnswer(200, VerifyReportJson(report));
}

Result<HttpResponse> SetAlias(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  const int64_t number = f.Integer("version", true, 1, INT64_MAX);
  const std::string reason = f.Text("reason");
  RETURN_IF_ERROR(f.Finish());
  const std::string& model = call.path_params.at("model");
  const std::string& alias = call.path_params.at("alias");
  RETURN_IF_ERROR(call.registry.SetAlias(call.token, model, alias, number, reason));
  return JsonAnswer(200, json{{"model", model}, {"alias", alias}, {"version", number}});
}

Result<HttpResponse> RemoveAlias(Call& call) {
  ASSIGN_OR_RETURN(std::string reason, ReasonOnly(call));
  const std::string& model = call.path_params.at("model");
  const std::string& alias = call.path_params.at("alias");
  RETURN_IF_ERROR(call.registry.RemoveAlias(call.token, model, alias, reason));
  return JsonAnswer(200, json{{"model", model}, {"alias", alias}, {"removed", true}});
}

// --- approvals --------------------------------------------------------------------

Result<HttpResponse> PrepareDecision(Call& call) {
  ASSIGN_OR_RETURN(int64_t number, PathVersion(call));
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  const std::string environment = f.Text("environment", true);
  const std::string decision = f.Text("decision", true);
  const std::string comment = f.Text("comment");
  RETURN_IF_ERROR(f.Finish());
  ASSIGN_OR_RETURN(registry::ApprovalStatement statement,
                   call.registry.PrepareDecision(call.token, call.path_params.at("model"), number, environment,
                                                 decision, comment));
  return JsonAnswer(200, json{{"statement", StatementJson(statement)},
                              {"canonical", registry::CanonicalStatement(statement)}});
}

Result<HttpResponse> Decide(Call& call) {
  ASSIGN_OR_RETURN(int64_t number, PathVersion(call));
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  const json* statement_json = f.Object("statement", true);
  registry::DecisionRequest request;
  request.signature = f.Text("signature", true);
  RETURN_IF_ERROR(f.Finish());
  Fields s(*statement_json, "statement.");
  registry::ApprovalStatement& st = request.statement;
  st.model = s.Text("model", true);
  st.version = s.Integer("version", true, 1, INT64_MAX);
  st.artifact_digest = s.Text("artifact_digest", true);
  st.environment = s.Text("environment", true);
  st.decision = s.Text("decision", true);
  st.approver = s.Text("approver", true);
  st.comment = s.Text("comment");
  st.time = s.Text("time", true);
  RETURN_IF_ERROR(s.Finish());
  const std::string& model = call.path_params.at("model");
  if (st.model != model || st.version != number) {
    return InvalidArgumentError("statement: it is about " + st.model + " version " + std::to_string(st.version) +
                                ", the path about " + model + " version " + std::to_string(number));
  }
  RETURN_IF_ERROR(call.registry.Decide(call.token, request));
  return JsonAnswer(201, json{{"model", model},
                              {"version", number},
                              {"environment", st.environment},
                              {"decision", st.decision},
                              {"approver", st.approver}});
}

// --- datasets, lineage ------------------------------------------------------------

Result<HttpResponse> RegisterDataset(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call, false));
  Fields f(body);
  registry::DatasetInfo dataset;
  dataset.name = f.Text("name", true);
  dataset.version = f.Text("version", true);
  dataset.fingerprint = f.Text("fingerprint");
  dataset.row_count = f.Integer("row_count", false, 0, INT64_MAX);
  dataset.schema = f.JsonText("schema", "{}", /*object_only=*/false);
  dataset.profile = f.JsonText("profile", "{}", /*object_only=*/false);
  RETURN_IF_ERROR(f.Finish());
  RETURN_IF_ERROR(call.registry.RegisterDataset(call.token, dataset));
  ASSIGN_OR_RETURN(registry::DatasetInfo stored, call.registry.GetDataset(call.token, dataset.name, dataset.version));
  return JsonAnswer(201, DatasetJson(stored));
}

Result<HttpResponse> GetDataset(Call& call) {
  ASSIGN_OR_RETURN(registry::DatasetInfo dataset, call.registry.GetDataset(call.token, call.path_params.at("dataset"),
                                                                           call.path_params.at("version")));
  return JsonAnswer(200, DatasetJson(dataset));
}

Result<HttpResponse> GetLineage(Call& call) {
  ASSIGN_OR_RETURN(int64_t number, PathVersion(call));
  ASSIGN_OR_RETURN(registry::Lineage lineage,
                   call.registry.GetLineage(call.token, call.path_params.at("model"), number));
  return JsonAnswer(200, LineageJson(lineage));
}

// --- search, cards, diffs ---------------------------------------------------------

Result<registry::SearchQuery::MetricRange> ParseMetricRange(const std::string& text) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (true) {
    const size_t colon = text.find(':', pos);
    parts.push_back(text.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos));
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  if (parts.size() != 3 || parts[0].empty()) {
    return InvalidArgumentError("metric: '" + text.substr(0, 64) +
                                "' must be NAME:MIN:MAX (either bound may be empty)");
  }
  registry::SearchQuery::MetricRange range{parts[0], std::nullopt, std::nullopt};
  for (int i = 1; i <= 2; ++i) {
    if (parts[i].empty()) continue;
    double x = 0;
    auto [end, ec] = std::from_chars(parts[i].data(), parts[i].data() + parts[i].size(), x);
    if (ec != std::errc() || end != parts[i].data() + parts[i].size() || !std::isfinite(x)) {
      return InvalidArgumentError("metric: '" + parts[i].substr(0, 64) + "' is not a number");
    }
    (i == 1 ? range.min : range.max) = x;
  }
  return range;
}

// Search results come newest first per model and carry no stable key of
// their own order across calls, so the page token holds an offset.
Result<HttpResponse> Search(Call& call) {
  constexpr int kMaxSearchResults = 10000;  // the registry's own cap on one search
  ASSIGN_OR_RETURN(PageRequest page, ReadPage(call, "hits"));
  int64_t offset = 0;
  if (page.after) {
    Result<int64_t> parsed = ParseInteger(*page.after, "page_token", 0, kMaxSearchResults);
    if (!parsed.ok()) return InvalidArgumentError("page_token: not a page token of this list");
    offset = *parsed;
  }
  registry::SearchQuery query;
  query.text = call.query.Get("q").value_or("");
  query.owner = call.query.Get("owner").value_or("");
  query.environment = call.query.Get("environment").value_or("");
  query.alias = call.query.Get("alias").value_or("");
  query.dataset = call.query.Get("dataset").value_or("");
  ASSIGN_OR_RETURN(query.include_archived, QueryBool(call, "include_archived"));
  for (const std::string& metric : call.query.All("metric")) {
    ASSIGN_OR_RETURN(registry::SearchQuery::MetricRange range, ParseMetricRange(metric));
    query.metrics.push_back(std::move(range));
  }
  // One more than the page, to know whether another page follows.
  query.limit = static_cast<int>(std::min<int64_t>(offset + page.limit + 1, kMaxSearchResults));
  ASSIGN_OR_RETURN(std::vector<registry::SearchHit> hits, call.registry.Search(call.token, query));
  json items = json::array();
  const size_t end = std::min(hits.size(), static_cast<size_t>(offset + page.limit));
  for (size_t i = static_cast<size_t>(offset); i < end; ++i) items.push_back(SearchHitJson(hits[i]));
  std::optional<std::string> next;
  if (end < hits.size()) next = std::to_string(end);
  return PageAnswer(call, "hits", std::move(items), next);
}

Result<HttpResponse> ModelCard(Call& call) {
  ASSIGN_OR_RETURN(int64_t number, PathVersion(call));
  const std::string format = call.query.Get("format").value_or("markdown");
  if (format != "markdown" && format != "html") {
    return InvalidArgumentError("format: '" + format.substr(0, 64) + "' must be markdown or html");
  }
  ASSIGN_OR_RETURN(std::string card, call.registry.ModelCard(call.token, call.path_params.at("model"), number, format));
  return TextAnswer(format == "html" ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8", std::move(card));
}

Result<HttpResponse> Diff(Call& call) {
  ASSIGN_OR_RETURN(std::string from_text, RequiredQuery(call, "from"));
  ASSIGN_OR_RETURN(std::string to_text, RequiredQuery(call, "to"));
  ASSIGN_OR_RETURN(int64_t from, ParseInteger(from_text, "from", 1, INT64_MAX));
  ASSIGN_OR_RETURN(int64_t to, ParseInteger(to_text, "to", 1, INT64_MAX));
  ASSIGN_OR_RETURN(std::string diff, call.registry.Diff(call.token, call.path_params.at("model"), from, to));
  return TextAnswer("text/plain; charset=utf-8", std::move(diff));
}

// --- audit ------------------------------------------------------------------------

// Audit records are in sequence order, so the page token is the last seq
// served and the next page is simply "after it".
Result<HttpResponse> AuditLog(Call& call) {
  ASSIGN_OR_RETURN(PageRequest page, ReadPage(call, "records"));
  registry::AuditQuery query;
  const std::optional<std::string> entity = call.query.Get("entity");
  const std::optional<std::string> model = call.query.Get("model");
  if (entity && model) return InvalidArgumentError("entity, model: give one or the other");
  if (entity) query.entity_prefix = *entity;
  if (model) query.entity_prefix = "model/" + *model;
  if (std::optional<std::string> after = call.query.Get("after")) {
    ASSIGN_OR_RETURN(query.after_seq, ParseInteger(*after, "after", 0, INT64_MAX));
  }
  if (page.after) {
    Result<int64_t> seq = ParseInteger(*page.after, "page_token", 0, INT64_MAX);
    if (!seq.ok()) return InvalidArgumentError("page_token: not a page token of this list");
    query.after_seq = std::max(query.after_seq, *seq);
  }
  query.since = call.query.Get("since").value_or("");
  query.until = call.query.Get("until").value_or("");
  query.limit = page.limit + 1;
  ASSIGN_OR_RETURN(std::vector<registry::AuditRecord> records, call.registry.AuditLog(call.token, query));
  const bool more = records.size() > static_cast<size_t>(page.limit);
  if (more) records.resize(static_cast<size_t>(page.limit));
  json items = json::array();
  for (const registry::AuditRecord& r : records) items.push_back(AuditRecordJson(r));
  std::optional<std::string> next;
  if (more) next = std::to_string(records.back().seq);
  return PageAnswer(call, "records", std::move(items), next);
}

Result<HttpResponse> VerifyAudit(Call& call) {
  ASSIGN_OR_RETURN(int64_t records, call.registry.VerifyAudit(call.token));
  return JsonAnswer(200, json{{"intact", true}, {"records", records}});
}

Result<HttpResponse> DeployedAt(Call& call) {
  ASSIGN_OR_RETURN(std::string at, RequiredQuery(call, "at"));
  ASSIGN_OR_RETURN(registry::DeploymentAt deployment,
                   call.registry.DeployedAt(call.token, call.path_params.at("model"),
                                            call.path_params.at("environment"), at));
  return JsonAnswer(200, DeploymentAtJson(deployment));
}

Result<HttpResponse> OpenApi(Call&) { return TextAnswer("application/json", RegistryApi::OpenApiDocument()); }

// --- the route table --------------------------------------------------------------

using Handler = Result<HttpResponse> (*)(Call&);

// One endpoint. The table below both dispatches requests and generates the
// OpenAPI document. Compact specs:
//   body    "name!:string role!:string" (! = required; types string,
//           integer, number, boolean, object, any, string[], object[])
//   answer  a schema name ("Version"), a page "models:Model", an inline
//           object "{user:string token:string}", or a media type ("text/plain").
struct Endpoint {
  const char* method;
  const char* path;  // below kRegistryApiPrefix; {name} matches one segment
  Handler handler;
  const char* summary;
  const char* query;  // accepted query parameters, space-separated
  const char* body;
  const char* answer;
  int success;
};

const std::vector<Endpoint>& Endpoints() {
  static const std::vector<Endpoint> kEndpoints = {
      {"GET", "/openapi.json", OpenApi, "This document (no token needed)", "", "", "application/json", 200},
      // users, tokens, keys, grants
      {"POST", "/users:init-admin", InitAdmin,
       "Create the first admin and return its token (once; needs the server's API token)", "", "name!:string",
       "{name:string role:string token:string}", 201},
      {"GET", "/whoami", WhoAmI, "The caller's user", "", "", "User", 200},
      {"PUT", "/whoami/public-key", SetPublicKey, "Register the caller's Ed25519 public key (hex)", "",
       "public_key!:string", "User", 200},
      {"GET", "/users", ListUsers, "List users", "limit page_token", "", "users:User", 200},
      {"POST", "/users", CreateUser, "Add a user and return its first token (admin)", "",
       "name!:string role!:string", "{name:string role:string token:string}", 201},
      {"POST", "/users/{user}/tokens", IssueToken, "Issue a new token for a user (admin, or the user)", "", "",
       "{user:string token:string}", 201},
      {"DELETE", "/users/{user}/tokens", RevokeTokens, "Revoke every token of a user (admin, or the user)", "", "",
       "{user:string revoked:integer}", 200},
      // environments and feature policies
      {"GET", "/environments", ListEnvironments, "List environments in promotion order", "limit page_token", "",
       "environments:Environment", 200},
      {"PUT", "/environments/{environment}", ConfigureEnvironment, "Add or change an environment (admin)", "",
       "order!:integer required_approvals:integer required_risk_approvals:integer", "Environment", 200},
      {"GET", "/feature-policies", ListFeaturePolicies, "List feature policies", "limit page_token", "",
       "feature_policies:FeaturePolicy", 200},
      {"POST", "/feature-policies", AddFeaturePolicy, "Forbid features for a use case and jurisdiction (admin)", "",
       "name!:string use_case:string jurisdiction:string forbidden_features!:string[] reason!:string",
       "FeaturePolicy", 201},
      // models
      {"GET", "/models", ListModels, "List registered models", "include_archived limit page_token", "",
       "models:Model", 200},
      {"POST", "/models", CreateModel, "Create a registered model", "",
       "name!:string description:string tags:string[] intended_use:string use_case:string jurisdiction:string "
       "restricted_features:string[]",
       "Model", 201},
      {"GET", "/models/{model}", GetModel, "A registered model", "", "", "Model", 200},
      {"POST", "/models/{model}:archive", ArchiveModel, "Retire a model (refused while others depend on it)", "",
       "reason:string", "{model:string archived:boolean}", 200},
      {"POST", "/models/{model}/grants", GrantModelRole, "Give a user a role on this model (admin)", "",
       "user!:string role!:string", "{model:string user:string role:string}", 200},
      {"POST", "/models/{model}/dependencies", AddDependency, "Record that this model depends on another", "",
       "depends_on!:string reason:string", "{model:string depends_on:string}", 201},
      {"GET", "/models/{model}/diff", Diff, "What changed between two versions (plain text)", "from to", "",
       "text/plain", 200},
      {"GET", "/models/{model}/deployments/{environment}", DeployedAt,
       "Which version was in the environment at a time, and who put it there", "at", "", "DeploymentAt", 200},
      {"PUT", "/models/{model}/aliases/{alias}", SetAlias, "Point an alias at a version", "",
       "version!:integer reason:string", "{model:string alias:string version:integer}", 200},
      {"DELETE", "/models/{model}/aliases/{alias}", RemoveAlias, "Remove an alias", "", "reason:string",
       "{model:string alias:string removed:boolean}", 200},
      // versions
      {"GET", "/models/{model}/versions", ListVersions, "List a model's versions", "limit page_token", "",
       "versions:Version", 200},
      {"POST", "/models/{model}/versions", RegisterVersion,
       "Register a version: the model file base64-encoded (Podium pipeline or XGBoost JSON), checked and "
       "compiled before it is stored",
       "",
       "artifact_base64!:string format:string file_name:string source:string source_digest:string metrics:object "
       "hyperparameters:object recipe:any code_ref:string datasets:object[] reason:string",
       "Version", 201},
      {"GET", "/models/{model}/versions/{version}", GetVersion, "A version", "", "", "Version", 200},
      {"GET", "/models/{model}/versions/{version}/artifact", GetArtifact,
       "The version's artifact (canonical pipeline JSON), digest-checked; X-Podium-Artifact-Digest names it", "",
       "", "application/octet-stream", 200},
      {"POST", "/models/{model}/versions/{version}:archive", ArchiveVersion, "Archive a version", "",
       "reason:string", "{model:string version:integer archived:boolean}", 200},
      {"POST", "/models/{model}/versions/{version}:promote", Promote, "Deploy a version into an environment", "",
       "environment!:string reason:string", "{model:string version:integer environment:string}", 200},
      {"POST", "/models/{model}/versions/{version}:verify", VerifyVersion,
       "Re-check the artifact digest and every approval signature", "", "", "VerifyReport", 200},
      {"POST", "/models/{model}/versions/{version}/decisions:prepare", PrepareDecision,
       "The statement to sign for an approval or rejection (sign 'canonical' with Ed25519)", "",
       "environment!:string decision!:string comment:string", "{statement:object canonical:string}", 200},
      {"POST", "/models/{model}/versions/{version}/decisions", Decide, "Record a signed approval or rejection", "",
       "statement!:object signature!:string",
       "{model:string version:integer environment:string decision:string approver:string}", 201},
      {"GET", "/models/{model}/versions/{version}/lineage", GetLineage, "Datasets and dependencies of a version", "",
       "", "Lineage", 200},
      {"GET", "/models/{model}/versions/{version}/card", ModelCard, "Model card (Markdown or HTML)", "format", "",
       "text/markdown", 200},
      // references, datasets, search, audit
      {"GET", "/resolve", Resolve, "Resolve MODEL, MODEL@N, MODEL@alias or MODEL@environment to a version",
       "reference", "", "Version", 200},
      {"POST", "/datasets", RegisterDataset, "Register a dataset version", "",
       "name!:string version!:string fingerprint:string row_count:integer schema:any profile:any", "Dataset", 201},
      {"GET", "/datasets/{dataset}/versions/{version}", GetDataset, "A dataset version", "", "", "Dataset", 200},
      {"GET", "/search", Search, "Search versions by text and filters",
       "q owner environment alias dataset metric include_archived limit page_token", "", "hits:SearchHit", 200},
      {"GET", "/audit", AuditLog, "Audit records in sequence order (the change feed)",
       "entity model after since until limit page_token", "", "records:AuditRecord", 200},
      {"POST", "/audit:verify", VerifyAudit, "Walk the whole audit hash chain", "", "",
       "{intact:boolean records:integer}", 200},
  };
  return kEndpoints;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

// Splits a path below the prefix into segments; the last one's ":verb" is
// returned apart.
std::vector<std::string> Segments(std::string_view path, std::string* verb) {
  std::vector<std::string> segments;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) segments.emplace_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  verb->clear();
  if (!segments.empty()) {
    const size_t colon = segments.back().find(':');
    if (colon != std::string::npos) {
      *verb = segments.back().substr(colon + 1);
      segments.back().resize(colon);
    }
  }
  return segments;
}

// Matches `segments`/`verb` against an endpoint path; fills the {params}.
bool Matches(const Endpoint& endpoint, const std::vector<std::string>& segments, const std::string& verb,
             std::map<std::string, std::string>* params) {
  std::string pattern_verb;
  const std::vector<std::string> pattern = Segments(endpoint.path, &pattern_verb);
  if (pattern.size() != segments.size() || pattern_verb != verb) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i].size() > 2 && pattern[i].front() == '{' && pattern[i].back() == '}') {
      if (segments[i].empty()) return false;
      found[pattern[i].substr(1, pattern[i].size() - 2)] = segments[i];
    } else if (pattern[i] != segments[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

// --- OpenAPI ----------------------------------------------------------------------

json TypeSchema(const std::string& type) {
  if (type == "string[]") return {{"type", "array"}, {"items", {{"type", "string"}}}};
  if (type == "object[]") return {{"type", "array"}, {"items", {{"type", "object"}}}};
  if (type == "any") return json::object();
  return {{"type", type}};
}

// "name!:string role:string" -> an object schema.
json SpecSchema(const std::string& spec) {
  json schema = {{"type", "object"}, {"properties", json::object()}};
  json required = json::array();
  for (const std::string& item : Words(spec)) {
    const size_t colon = item.find(':');
    std::string name = item.substr(0, colon);
    if (!name.empty() && name.back() == '!') {
      name.pop_back();
      required.push_back(name);
    }
    schema["properties"][name] = TypeSchema(item.substr(colon + 1));
  }
  if (!required.empty()) schema["required"] = required;
  return schema;
}

// A record's schema, read off the codec's output for an empty record, so
// the document follows registry_json.cc.
json SchemaOfSample(const json& sample) {
  json schema = {{"type", "object"}, {"properties", json::object()}};
  for (const auto& [name, value] : sample.items()) {
    json property;
    if (value.is_string()) property = {{"type", "string"}};
    if (value.is_boolean()) property = {{"type", "boolean"}};
    if (value.is_number_integer()) property = {{"type", "integer"}};
    if (value.is_number_float()) property = {{"type", "number"}};
    if (value.is_array()) property = {{"type", "array"}};
    if (value.is_object()) property = {{"type", "object"}};
    if (value.is_null()) property = {{"nullable", true}};
    schema["properties"][name] = property;
  }
  return schema;
}

json ComponentSchemas() {
  registry::VersionInfo version;
  version.recipe = "{}";
  version.hyperparameters = "{}";
  registry::DatasetInfo dataset;
  dataset.schema = "{}";
  dataset.profile = "{}";
  registry::Lineage lineage;
  lineage.version = version;
  json schemas = {
      {"Error", SpecSchema("error!:string code!:string")},
      {"User", SchemaOfSample(UserJson({}))},
      {"Model", SchemaOfSample(ModelJson({}))},
      {"Version", SchemaOfSample(VersionJson(version))},
      {"Dataset", SchemaOfSample(DatasetJson(dataset))},
      {"Environment", SchemaOfSample(EnvironmentJson({}))},
      {"FeaturePolicy", SchemaOfSample(FeaturePolicyJson({}))},
      {"SearchHit", SchemaOfSample(SearchHitJson({}))},
      {"AuditRecord", SchemaOfSample(AuditRecordJson({}))},
      {"DeploymentAt", SchemaOfSample(DeploymentAtJson({}))},
      {"VerifyReport", SchemaOfSample(VerifyReportJson({}))},
      {"Lineage", SchemaOfSample(LineageJson(lineage))},
  };
  schemas["Version"]["properties"]["metrics"]["additionalProperties"] = {{"type", "number"}};
  return schemas;
}

const std::map<std::string, std::pair<std::string, std::string>>& QueryDocs() {
  static const std::map<std::string, std::pair<std::string, std::string>> kDocs = {
      {"limit", {"integer", "Items per page: 1 to 1000, default 100"}},
      {"page_token", {"string", "The next_page_token of the previous page, unchanged"}},
      {"include_archived", {"boolean", "Include archived items"}},
      {"reference", {"string", "MODEL, MODEL@N, MODEL@alias or MODEL@environment"}},
      {"q", {"string", "Words matched as prefixes against names, descriptions and tags"}},
      {"owner", {"string", "Models owned by this user"}},
      {"environment", {"string", "Versions deployed there now"}},
      {"alias", {"string", "Versions holding this alias"}},
      {"dataset", {"string", "Versions trained or validated on this dataset"}},
      {"metric", {"string", "NAME:MIN:MAX, either bound may be empty; repeat for several"}},
      {"entity", {"string", "Entity prefix, e.g. model/credit/alias"}},
      {"model", {"string", "Records about this model (entity prefix model/NAME)"}},
      {"after", {"integer", "Only records after this sequence number"}},
      {"since", {"string", "YYYY-MM-DD or RFC 3339 UTC, inclusive"}},
      {"until", {"string", "YYYY-MM-DD (end of that day) or RFC 3339 UTC, inclusive"}},
      {"format", {"string", "markdown (default) or html"}},
      {"from", {"integer", "The older version"}},
      {"to", {"integer", "The newer version"}},
      {"at", {"string", "YYYY-MM-DD (end of that day) or RFC 3339 UTC"}},
  };
  return kDocs;
}

// {version} is a number under /models/ and a dataset's free-form version
// under /datasets/.
bool IsVersionNumber(const Endpoint& endpoint, const std::string& param) {
  return param == "version" && std::string_view(endpoint.path).rfind("/models/", 0) == 0;
}

json AnswerContent(const std::string& answer) {
  if (answer.find('/') != std::string::npos) {
    json schema = answer == "application/octet-stream" ? json{{"type", "string"}, {"format", "binary"}}
                                                       : json{{"type", "string"}};
    return {{answer == "application/octet-stream" ? "application/json" : answer, {{"schema", schema}}}};
  }
  json schema;
  if (answer.front() == '{') {
    std::string spec = answer.substr(1, answer.size() - 2);
    std::replace(spec.begin(), spec.end(), ',', ' ');
    schema = SpecSchema(spec);
  } else if (const size_t colon = answer.find(':'); colon != std::string::npos) {
    schema = {{"type", "object"},
              {"properties",
               {{answer.substr(0, colon),
                 {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/" + answer.substr(colon + 1)}}}}},
                {"next_page_token", {{"type", "string"}, {"description", "Present when another page follows"}}},
                {"next", {{"type", "string"}, {"description", "The next page's URL (also a Link header)"}}}}},
              {"required", {answer.substr(0, colon)}}};
  } else {
    schema = {{"$ref", "#/components/schemas/" + answer}};
  }
  return {{"application/json", {{"schema", schema}}}};
}

}  // namespace

RegistryApi::RegistryApi(Options options, registry::Registry* registry)
    : options_(std::move(options)), registry_(registry) {}

bool RegistryApi::IsRegistryTarget(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.rfind(kRegistryApiPrefix, 0) != 0) return false;
  const std::string_view rest = path.substr(kRegistryApiPrefix.size());
  return rest.empty() || rest.front() == '/' || rest.front() == ':';
}

HttpResponse RegistryApi::Handle(const HttpRequest& request) const {
  const size_t question = request.target.find('?');
  const std::string path = request.target.substr(0, question);
  Result<Query> query = Query::Parse(question == std::string::npos ? "" : request.target.substr(question + 1));
  if (!query.ok()) return ErrorAnswer(query.status());
  std::string verb;
  std::vector<std::string> segments = Segments(path.substr(kRegistryApiPrefix.size()), &verb);
  for (std::string& segment : segments) {
    Result<std::string> decoded = PercentDecode(segment, false, "path");
    if (!decoded.ok()) return ErrorAnswer(decoded.status());
    segment = std::move(decoded).value();
  }
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  std::string allowed;
  for (const Endpoint& endpoint : Endpoints()) {
    std::map<std::string, std::string> params;
    if (!Matches(endpoint, segments, verb, &params)) continue;
    if (endpoint.method != method) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(endpoint.method);
      continue;
    }
    const std::vector<std::string> accepted = Words(endpoint.query);
    for (const auto& [name, value] : query->items()) {
      if (std::find(accepted.begin(), accepted.end(), name) == accepted.end()) {
        return ErrorAnswer(InvalidArgumentError(
            "unknown query parameter '" + name.substr(0, 64) + "'" +
            (accepted.empty() ? std::string(" (this endpoint takes none)")
                              : " (accepted: " + std::string(endpoint.query) + ")")));
      }
    }
    Call call{request, *registry_, options_, std::string(BearerToken(request.authorization)), path,
              std::move(params), std::move(query).value()};
    // A missing token is refused before the input is looked at; a wrong one
    // is the registry's to judge.
    const bool needs_registry_token = endpoint.handler != OpenApi && endpoint.handler != InitAdmin;
    if (needs_registry_token && call.token.empty()) {
      return ErrorAnswer(UnauthenticatedError("this endpoint needs 'Authorization: Bearer <registry API token>'"));
    }
    Result<HttpResponse> response = endpoint.handler(call);
    if (!response.ok()) return ErrorAnswer(response.status());
    return std::move(response).value();
  }
  if (!allowed.empty()) {
    HttpResponse response = ErrorAnswer(Status(StatusCode::kInvalidArgument, "use " + allowed + " for " + path));
    response.status = 405;
    response.headers.emplace_back("Allow", allowed);
    return response;
  }
  return ErrorAnswer(NotFoundError("no such registry endpoint: " + request.method + " " + path.substr(0, 200) +
                                   " (see " + std::string(kRegistryApiPrefix) + "/openapi.json)"));
}

std::string RegistryApi::OpenApiDocument() {
  json paths = json::object();
  for (const Endpoint& endpoint : Endpoints()) {
    std::string method = endpoint.method;
    std::transform(method.begin(), method.end(), method.begin(), [](char c) { return std::tolower(c); });
    json operation = {{"summary", endpoint.summary}};
    json parameters = json::array();
    std::string verb;
    for (const std::string& segment : Segments(endpoint.path, &verb)) {
      if (segment.front() != '{') continue;
      const std::string name = segment.substr(1, segment.size() - 2);
      parameters.push_back({{"name", name},
                            {"in", "path"},
                            {"required", true},
                            {"schema", {{"type", IsVersionNumber(endpoint, name) ? "integer" : "string"}}}});
    }
    for (const std::string& name : Words(endpoint.query)) {
      const auto& [type, description] = QueryDocs().at(name);
      parameters.push_back(
          {{"name", name}, {"in", "query"}, {"schema", {{"type", type}}}, {"description", description}});
    }
    if (!parameters.empty()) operation["parameters"] = parameters;
    if (*endpoint.body != '\0') {
      operation["requestBody"] = {{"required", true},
                                  {"content", {{"application/json", {{"schema", SpecSchema(endpoint.body)}}}}}};
    }
    json error = {{"description", "Refused: {\"error\": what and where, \"code\": the status code name}"},
                  {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
    operation["responses"] = {{std::to_string(endpoint.success),
                               {{"description", "Success"}, {"content", AnswerContent(endpoint.answer)}}},
                              {"4XX", error},
                              {"5XX", error}};
    if (std::string(endpoint.path) != "/openapi.json") {
      operation["security"] = json::array({{{"bearer", json::array()}}});
    }
    paths[std::string(kRegistryApiPrefix) + endpoint.path][method] = std::move(operation);
  }
  json document = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Podium model registry API"},
        {"version", "1"},
        {"description",
         "The model registry's use-cases over HTTP (docs/SERVER.md, \"Registry API\"). Every call but this "
         "document needs 'Authorization: Bearer <registry API token>'; lists are paginated with limit and "
         "page_token."}}},
      {"paths", paths},
      {"components",
       {{"schemas", ComponentSchemas()},
        {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
  return document.dump(2);
}

}  // namespace podium::http
