#include "http/registry_json.h"

#include <functional>

namespace podium::http {
namespace {

using nlohmann::json;

// Stored JSON text as a JSON value; text that is not JSON stays a string.
json Embedded(const std::string& text) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return value.is_discarded() ? json(text) : value;
}

// The inverse of Embedded: the registry stores JSON text in its compact
// dump, which dump() reproduces.
std::string Unembedded(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

json Strings(const std::vector<std::string>& items) { return items; }

// Reading a server's answer: a member of the wrong type throws, and Decode
// turns that into one error naming what was wrong.
template <typename T>
Result<T> Decode(const json& document, const char* what, const std::function<void(const json&, T&)>& read) {
  T value{};
  try {
    if (!document.is_object()) return DataLossError(std::string(what) + ": expected a JSON object");
    read(document, value);
  } catch (const json::exception& e) {
    return DataLossError(std::string(what) + ": " + e.what());
  }
  return value;
}

std::string Text(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? std::string() : it->get<std::string>();
}

int64_t Integer(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? 0 : it->get<int64_t>();
}

std::vector<std::string> TextList(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? std::vector<std::string>() : it->get<std::vector<std::string>>();
}

void ReadApproval(const json& j, registry::ApprovalInfo& a) {
  a.environment = Text(j, "environment");
  a.approver = Text(j, "approver");
  a.approver_role = Text(j, "approver_role");
  a.decision = Text(j, "decision");
  a.comment = Text(j, "comment");
  a.signed_at = Text(j, "signed_at");
  a.statement = Text(j, "statement");
  a.public_key = Text(j, "public_key");
  a.signature = Text(j, "signature");
}

void ReadVersion(const json& j, registry::VersionInfo& v) {
  v.model = Text(j, "model");
  v.number = Integer(j, "version");
  v.artifact_digest = Text(j, "artifact_digest");
  v.source = Text(j, "source");
  v.source_digest = Text(j, "source_digest");
  v.features = TextList(j, "features");
  v.recipe = Unembedded(j.at("recipe"));
  v.hyperparameters = Unembedded(j.at("hyperparameters"));
  v.metrics = j.at("metrics").get<std::map<std::string, double>>();
  v.code_ref = Text(j, "code_ref");
  v.creator = Text(j, "creator");
  v.created_at = Text(j, "created_at");
  v.archived = j.at("archived").get<bool>();
  for (const json& d : j.at("datasets")) v.datasets.push_back({Text(d, "name"), Text(d, "version"), Text(d, "role")});
  v.aliases = TextList(j, "aliases");
  v.environments = TextList(j, "environments");
  for (const json& a : j.at("approvals")) {
    registry::ApprovalInfo approval;
    ReadApproval(a, approval);
    v.approvals.push_back(std::move(approval));
  }
}

void ReadDataset(const json& j, registry::DatasetInfo& d) {
  d.name = Text(j, "name");
  d.version = Text(j, "version");
  d.fingerprint = Text(j, "fingerprint");
  d.schema = Unembedded(j.at("schema"));
  d.row_count = Integer(j, "row_count");
  d.profile = Unembedded(j.at("profile"));
  d.created_by = Text(j, "created_by");
  d.created_at = Text(j, "created_at");
}

}  // namespace

json UserJson(const registry::UserInfo& user) {
  return {{"name", user.name},
          {"role", registry::RoleName(user.role)},
          {"public_key", user.public_key},
          {"created_at", user.created_at}};
}

json ModelJson(const registry::ModelInfo& model) {
  return {{"name", model.spec.name},
          {"description", model.spec.description},
          {"tags", Strings(model.spec.tags)},
          {"intended_use", model.spec.intended_use},
          {"use_case", model.spec.use_case},
          {"jurisdiction", model.spec.jurisdiction},
          {"restricted_features", Strings(model.spec.restricted_features)},
          {"owner", model.owner},
          {"archived", model.archived},
          {"created_at", model.created_at},
          {"latest_version", model.latest_version}};
}

json VersionJson(const registry::VersionInfo& v) {
  json datasets = json::array();
  for (const registry::DatasetUse& d : v.datasets) {
    datasets.push_back({{"name", d.name}, {"version", d.version}, {"role", d.role}});
  }
  json approvals = json::array();
  for (const registry::ApprovalInfo& a : v.approvals) {
    approvals.push_back({{"environment", a.environment},
                         {"approver", a.approver},
                         {"approver_role", a.approver_role},
                         {"decision", a.decision},
                         {"comment", a.comment},
                         {"signed_at", a.signed_at},
                         {"statement", a.statement},
                         {"public_key", a.public_key},
                         {"signature", a.signature}});
  }
  return {{"model", v.model},
          {"version", v.number},
          {"artifact_digest", v.artifact_digest},
          {"source", v.source},
          {"source_digest", v.source_digest},
          {"features", Strings(v.features)},
          {"recipe", Embedded(v.recipe)},
          {"hyperparameters", Embedded(v.hyperparameters)},
          {"metrics", v.metrics},
          {"code_ref", v.code_ref},
          {"creator", v.creator},
          {"created_at", v.created_at},
          {"archived", v.archived},
          {"datasets", datasets},
          {"aliases", Strings(v.aliases)},
          {"environments", Strings(v.environments)},
          {"approvals", approvals}};
}

json DatasetJson(const registry::DatasetInfo& d) {
  return {{"name", d.name},
          {"version", d.version},
          {"fingerprint", d.fingerprint},
          {"schema", Embedded(d.schema)},
          {"row_count", d.row_count},
          {"profile", Embedded(d.profile)},
          {"created_by", d.created_by},
          {"created_at", d.created_at}};
}

json EnvironmentJson(const registry::EnvironmentInfo& e) {
  return {{"name", e.name},
          {"order", e.order},
          {"required_approvals", e.policy.required_approvals},
          {"required_risk_approvals", e.policy.required_risk_approvals}};
}

json FeaturePolicyJson(const registry::FeaturePolicy& p) {
  return {{"name", p.name},
          {"use_case", p.use},
          {"jurisdiction", p.jurisdiction},
          {"forbidden_features", Strings(p.forbidden_features)},
          {"reason", p.reason}};
}

json SearchHitJson(const registry::SearchHit& hit) {
  return {{"model", hit.model}, {"version", hit.version}, {"description", hit.description}, {"owner", hit.owner}};
}

json AuditRecordJson(const registry::AuditRecord& r) {
  return {{"seq", r.seq},       {"time", r.time},     {"actor", r.actor},   {"action", r.action},
          {"entity", r.entity}, {"before", r.before}, {"after", r.after},   {"reason", r.reason},
          {"prev_hash", r.prev_hash}, {"hash", r.hash}};
}

json DeploymentAtJson(const registry::DeploymentAt& d) {
  return {{"model", d.model},
          {"environment", d.environment},
          {"time", d.time},
          {"version", d.version ? json(*d.version) : json(nullptr)},
          {"deployed_by", d.deployed_by},
          {"deployed_at", d.deployed_at},
          {"reason", d.reason},
          {"audit_seq", d.audit_seq}};
}

json VerifyReportJson(const registry::VerifyReport& report) {
  return {{"artifact_digest", report.artifact_digest}, {"approvals_checked", report.approvals_checked}};
}

json LineageJson(const registry::Lineage& lineage) {
  json datasets = json::array();
  for (const registry::DatasetInfo& d : lineage.datasets) datasets.push_back(DatasetJson(d));
  return {{"version", VersionJson(lineage.version)},
          {"datasets", datasets},
          {"depends_on", Strings(lineage.depends_on)},
          {"depended_on_by", Strings(lineage.depended_on_by)}};
}

json StatementJson(const registry::ApprovalStatement& s) {
  return {{"model", s.model},
          {"version", s.version},
          {"artifact_digest", s.artifact_digest},
          {"environment", s.environment},
          {"decision", s.decision},
          {"approver", s.approver},
          {"comment", s.comment},
          {"time", s.time}};
}

Result<registry::UserInfo> UserFromJson(const json& document) {
  Result<registry::UserInfo> user = Decode<registry::UserInfo>(document, "user", [](const json& j, auto& u) {
    u.name = Text(j, "name");
    u.public_key = Text(j, "public_key");
    u.created_at = Text(j, "created_at");
  });
  if (!user.ok()) return user;
  Result<registry::Role> role = registry::ParseRole(document.is_object() && document.contains("role") &&
                                                            document["role"].is_string()
                                                        ? document["role"].get<std::string>()
                                                        : "");
  if (!role.ok()) return DataLossError("user: " + role.status().message());
  user->role = *role;
  return user;
}

Result<registry::ModelInfo> ModelFromJson(const json& document) {
  return Decode<registry::ModelInfo>(document, "model", [](const json& j, auto& m) {
    m.spec.name = Text(j, "name");
    m.spec.description = Text(j, "description");
    m.spec.tags = TextList(j, "tags");
    m.spec.intended_use = Text(j, "intended_use");
    m.spec.use_case = Text(j, "use_case");
    m.spec.jurisdiction = Text(j, "jurisdiction");
    m.spec.restricted_features = TextList(j, "restricted_features");
    m.owner = Text(j, "owner");
    m.archived = j.at("archived").get<bool>();
    m.created_at = Text(j, "created_at");
    m.latest_version = Integer(j, "latest_version");
  });
}

Result<registry::VersionInfo> VersionFromJson(const json& document) {
  return Decode<registry::VersionInfo>(document, "version", ReadVersion);
}

Result<registry::DatasetInfo> DatasetFromJson(const json& document) {
  return Decode<registry::DatasetInfo>(document, "dataset", ReadDataset);
}

Result<registry::EnvironmentInfo> EnvironmentFromJson(const json& document) {
  return Decode<registry::EnvironmentInfo>(document, "environment", [](const json& j, auto& e) {
    e.name = Text(j, "name");
    e.order = static_cast<int>(Integer(j, "order"));
    e.policy.required_approvals = static_cast<int>(Integer(j, "required_approvals"));
    e.policy.required_risk_approvals = static_cast<int>(Integer(j, "required_risk_approvals"));
  });
}

Result<registry::FeaturePolicy> FeaturePolicyFromJson(const json& document) {
  return Decode<registry::FeaturePolicy>(document, "feature policy", [](const json& j, auto& p) {
    p.name = Text(j, "name");
    p.use = Text(j, "use_case");
    p.jurisdiction = Text(j, "jurisdiction");
    p.forbidden_features = TextList(j, "forbidden_features");
    p.reason = Text(j, "reason");
  });
}

Result<registry::SearchHit> SearchHitFromJson(const json& document) {
  return Decode<registry::SearchHit>(document, "search hit", [](const json& j, auto& h) {
    h.model = Text(j, "model");
    h.version = Integer(j, "version");
    h.description = Text(j, "description");
    h.owner = Text(j, "owner");
  });
}

Result<registry::AuditRecord> AuditRecordFromJson(const json& document) {
  return Decode<registry::AuditRecord>(document, "audit record", [](const json& j, auto& r) {
    r.seq = Integer(j, "seq");
    r.time = Text(j, "time");
    r.actor = Text(j, "actor");
    r.action = Text(j, "action");
    r.entity = Text(j, "entity");
    r.before = Text(j, "before");
    r.after = Text(j, "after");
    r.reason = Text(j, "reason");
    r.prev_hash = Text(j, "prev_hash");
    r.hash = Text(j, "hash");
  });
}

Result<registry::DeploymentAt> DeploymentAtFromJson(const json& document) {
  return Decode<registry::DeploymentAt>(document, "deployment", [](const json& j, auto& d) {
    d.model = Text(j, "model");
    d.environment = Text(j, "environment");
    d.time = Text(j, "time");
    if (j.contains("version") && !j["version"].is_null()) d.version = j["version"].get<int64_t>();
    d.deployed_by = Text(j, "deployed_by");
    d.deployed_at = Text(j, "deployed_at");
    d.reason = Text(j, "reason");
    d.audit_seq = Integer(j, "audit_seq");
  });
}

Result<registry::VerifyReport> VerifyReportFromJson(const json& document) {
  return Decode<registry::VerifyReport>(document, "verification", [](const json& j, auto& r) {
    r.artifact_digest = Text(j, "artifact_digest");
    r.approvals_checked = static_cast<int>(Integer(j, "approvals_checked"));
  });
}

Result<registry::Lineage> LineageFromJson(const json& document) {
  return Decode<registry::Lineage>(document, "lineage", [](const json& j, auto& l) {
    ReadVersion(j.at("version"), l.version);
    for (const json& d : j.at("datasets")) {
      registry::DatasetInfo dataset;
      ReadDataset(d, dataset);
      l.datasets.push_back(std::move(dataset));
    }
    l.depends_on = TextList(j, "depends_on");
    l.depended_on_by = TextList(j, "depended_on_by");
  });
}

Result<registry::ApprovalStatement> StatementFromJson(const json& document) {
  return Decode<registry::ApprovalStatement>(document, "statement", [](const json& j, auto& s) {
    s.model = Text(j, "model");
    s.version = Integer(j, "version");
    s.artifact_digest = Text(j, "artifact_digest");
    s.environment = Text(j, "environment");
    s.decision = Text(j, "decision");
    s.approver = Text(j, "approver");
    s.comment = Text(j, "comment");
    s.time = Text(j, "time");
  });
}

}  // namespace podium::http
