#include "cli/registry_commands.h"

#include <sys/stat.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>

#include "app/app.h"
#include "base/file.h"
#include "engine/engine.h"
#include "pipeline/pipeline_json.h"
#include "cli/registry_client.h"
#include "registry/registry.h"
#include "registry/store/postgres_database.h"

namespace podium::cli {

using registry::Registry;

constexpr int kExitFailure = 1;

// Everything the registry and audit commands parse into. Each subcommand
// pointer is set by AddRegistryCommands.
class RegistryCommands {
 public:
  // store (or server) and identity
  std::string data_dir, store_url, server, token;
  // the subcommands
  CLI::App* registry = nullptr;
  CLI::App* audit = nullptr;
  CLI::App *init_admin = nullptr, *user_add = nullptr, *user_list = nullptr, *token_cmd = nullptr,
           *whoami = nullptr, *keygen = nullptr, *grant = nullptr, *create = nullptr, *register_cmd = nullptr,
           *list = nullptr, *show = nullptr, *search = nullptr, *alias = nullptr, *promote = nullptr,
           *approve = nullptr, *reject = nullptr, *archive = nullptr, *lineage = nullptr, *diff = nullptr,
           *card = nullptr, *verify = nullptr, *dataset_add = nullptr, *depend = nullptr, *policy_add = nullptr,
           *policy_list = nullptr, *env_set = nullptr, *env_list = nullptr, *audit_verify = nullptr,
           *audit_log = nullptr;
  // arguments (shared by the commands that take them)
  std::string name, role, model, reference, file, format = "auto", reason, comment, key_file, out, environment,
      alias_name, user, text, owner, dataset, depends_on, recipe, hyperparameters, code_ref, source_digest;
  int64_t version = 0, version_b = 0;
  bool remove = false, all = false, json = false;
  std::vector<std::string> tags, restricted, metrics, datasets, metric_filters, forbid;
  std::string description, intended_use, use_case, jurisdiction;
  std::string fingerprint, schema, profile;
  int64_t rows = 0;
  int order = 0, approvals = 0, risk_approvals = 0, limit = 100;
  std::string since, until, at, entity;
  std::string statement_file, signature, public_key;
};

namespace {

int Fail(const Status& status) {
  std::cerr << "podium: error: " << status.message() << " [" << StatusCodeName(status.code()) << "]\n";
  return kExitFailure;
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

// The registry of --server (or $PODIUM_SERVER) over HTTP, else the store
// opened here.
Result<std::unique_ptr<RegistryClient>> OpenRegistry(const RegistryCommands& c) {
  const std::string server = c.server.empty() ? EnvOr("PODIUM_SERVER", "") : c.server;
  if (!server.empty()) {
    if (!c.data_dir.empty() || !c.store_url.empty()) {
      return InvalidArgumentError("--server talks to a running server's registry; drop --data-dir and --store");
    }
    return RemoteRegistryClient(server);
  }
  registry::RegistryOptions options;
  options.data_dir = c.data_dir.empty() ? EnvOr("PODIUM_DATA_DIR", "./podium-data") : c.data_dir;
  options.postgres_url = c.store_url.empty() ? EnvOr("PODIUM_REGISTRY_URL", "") : c.store_url;
  if (!options.postgres_url.empty() && !registry::IsPostgresUrl(options.postgres_url)) {
    return InvalidArgumentError("--store must be a postgresql:// URL (the default store is the data directory)");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Registry> opened, Registry::Open(options));
  return LocalRegistryClient(std::move(opened));
}

std::string Token(const RegistryCommands& c) { return c.token.empty() ? EnvOr("PODIUM_API_TOKEN", "") : c.token; }

// "@file" reads the file; anything else is the text itself.
Result<std::string> TextOrFile(const std::string& value) {
  if (!value.empty() && value[0] == '@') return ReadFileToString(value.substr(1), size_t{16} << 20);
  return value;
}

Result<std::map<std::string, double>> ParseMetrics(const std::vector<std::string>& items) {
  std::map<std::string, double> metrics;
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    char* end = nullptr;
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    const double x = std::strtod(value.c_str(), &end);
    if (eq == std::string::npos || value.empty() || *end != '\0') {
      return InvalidArgumentError("--metric '" + item + "' must be NAME=NUMBER");
    }
    metrics[item.substr(0, eq)] = x;
  }
  return metrics;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.push_back("");
  return parts;
}

std::string Join(const std::vector<std::string>& items, const std::string& separator = ", ") {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

void PrintVersion(const registry::VersionInfo& v, std::ostream& out) {
  out << v.model << " version " << v.number << (v.archived ? " (archived)" : "") << "\n";
  out << "  artifact:    " << v.artifact_digest << "\n";
  out << "  source:      " << v.source << (v.source_digest.empty() ? "" : " (" + v.source_digest + ")") << "\n";
  out << "  created:     " << v.created_at << " by " << v.creator << "\n";
  if (!v.code_ref.empty()) out << "  code:        " << v.code_ref << "\n";
  out << "  inputs:      " << Join(v.features) << "\n";
  if (!v.metrics.empty()) {
    out << "  metrics:    ";
    for (const auto& [name, value] : v.metrics) out << " " << name << "=" << value;
    out << "\n";
  }
  if (v.hyperparameters != "{}") out << "  hyperparams: " << v.hyperparameters << "\n";
  if (v.recipe != "{}") out << "  recipe:      " << v.recipe << "\n";
  for (const registry::DatasetUse& d : v.datasets) out << "  dataset:     " << d.name << "@" << d.version << " (" << d.role << ")\n";
  if (!v.aliases.empty()) out << "  aliases:     " << Join(v.aliases) << "\n";
  if (!v.environments.empty()) out << "  deployed in: " << Join(v.environments) << "\n";
  for (const registry::ApprovalInfo& a : v.approvals) {
    out << "  " << a.decision << ": " << a.environment << " by " << a.approver << " (" << a.approver_role << ") at "
        << a.signed_at << ": " << a.comment << "\n";
  }
}

int RunDecision(RegistryClient& reg, const RegistryCommands& c, const std::string& decision) {
  Result<std::string> key_text = ReadFileToString(c.key_file, 4096);
  if (!key_text.ok()) return Fail(key_text.status());
  Result<registry::SigningKeyPair> key = registry::ParseSecretKeyFile(*key_text);
  if (!key.ok()) return Fail(key.status().WithContext("'" + c.key_file + "'"));
  Result<registry::ApprovalStatement> statement =
      reg.PrepareDecision(Token(c), c.model, c.version, c.environment, decision, c.comment);
  if (!statement.ok()) return Fail(statement.status());
  registry::DecisionRequest request;
  request.statement = *statement;
  Result<std::string> signature = registry::SignMessage(registry::CanonicalStatement(*statement), key->secret_key_hex);
  if (!signature.ok()) return Fail(signature.status());
  request.signature = *signature;
  const Status status = reg.Decide(Token(c), request);
  if (!status.ok()) return Fail(status);
  std::cout << (decision == "approve" ? "approved " : "rejected ") << c.model << " version " << c.version << " for "
            << c.environment << "\nsigned statement:\n"
            << registry::CanonicalStatement(*statement) << "signature: " << *signature << "\n";
  return 0;
}

int RunRegistry(RegistryClient& reg, RegistryCommands& c) {
  const std::string token = Token(c);
  if (*c.user_add) {
    Result<registry::Role> role = registry::ParseRole(c.role);
    if (!role.ok()) return Fail(role.status());
    Result<std::string> t = reg.CreateUser(token, c.name, *role);
    if (!t.ok()) return Fail(t.status());
    std::cout << "created user " << c.name << " (" << c.role << ")\ntoken (shown once): " << *t << "\n";
    return 0;
  }
  if (*c.user_list) {
    Result<std::vector<registry::UserInfo>> users = reg.ListUsers(token);
    if (!users.ok()) return Fail(users.status());
    for (const auto& u : *users) {
      std::cout << u.name << "\t" << registry::RoleName(u.role) << "\t" << (u.public_key.empty() ? "-" : u.public_key)
                << "\n";
    }
    return 0;
  }
  if (*c.token_cmd && c.remove) {
    Result<int64_t> revoked = reg.RevokeTokens(token, c.name);
    if (!revoked.ok()) return Fail(revoked.status());
    std::cout << "revoked " << *revoked << " token(s) of " << c.name << "\n";
    return 0;
  }
  if (*c.token_cmd) {
    Result<std::string> t = reg.IssueToken(token, c.name);
    if (!t.ok()) return Fail(t.status());
    std::cout << "token for " << c.name << " (shown once): " << *t << "\n";
    return 0;
  }
  if (*c.whoami) {
    Result<registry::UserInfo> me = reg.WhoAmI(token);
    if (!me.ok()) return Fail(me.status());
    std::cout << me->name << " (" << registry::RoleName(me->role) << ")"
              << (me->public_key.empty() ? "" : ", public key " + me->public_key) << "\n";
    return 0;
  }
  if (*c.keygen) {
    struct stat info;
    if (::stat(c.out.c_str(), &info) == 0) {
      return Fail(AlreadyExistsError("'" + c.out + "' exists; a key file is never overwritten"));
    }
    Result<registry::SigningKeyPair> pair = registry::GenerateSigningKeyPair();
    if (!pair.ok()) return Fail(pair.status());
    // Register first: a key the registry refuses is not written.
    const Status registered = reg.SetPublicKey(token, pair->public_key_hex);
    if (!registered.ok()) return Fail(registered);
    const mode_t old_mask = ::umask(077);
    const Status written = WriteFileAtomically(c.out, registry::FormatSecretKeyFile(*pair));
    ::umask(old_mask);
    if (!written.ok()) return Fail(written);
    std::cout << "secret key written to " << c.out << " (keep it private)\npublic key: " << pair->public_key_hex << "\n";
    return 0;
  }
  if (*c.grant) {
    Result<registry::Role> role = registry::ParseRole(c.role);
    if (!role.ok()) return Fail(role.status());
    const Status status = reg.GrantModelRole(token, c.model, c.user, *role);
    if (!status.ok()) return Fail(status);
    std::cout << "granted " << c.role << " on " << c.model << " to " << c.user << "\n";
    return 0;
  }
  if (*c.create) {
    registry::ModelSpec spec{c.model, c.description, c.tags, c.intended_use, c.use_case, c.jurisdiction, c.restricted};
    Result<registry::ModelInfo> m = reg.CreateModel(token, spec);
    if (!m.ok()) return Fail(m.status());
    std::cout << "created model " << m->spec.name << " (owner " << m->owner << ")\n";
    return 0;
  }
  if (*c.register_cmd) {
    Result<app::ModelFormat> format = app::ParseModelFormat(c.format);
    if (!format.ok()) return Fail(format.status());
    // Parse, validate and compile the file before anything is stored.
    Result<app::LoadedModel> loaded = app::LoadModelFile(c.file, *format);
    if (!loaded.ok()) return Fail(loaded.status());
    Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(loaded->pipeline);
    if (!plan.ok()) return Fail(plan.status().WithContext("'" + c.file + "'"));
    registry::RegisterVersionRequest request;
    request.model = c.model;
    request.artifact = WritePipelineJson(loaded->pipeline, false);
    request.source = loaded->format == app::ModelFormat::kPipeline ? "podium"
                                                                   : std::string(app::ModelFormatName(loaded->format));
    if (loaded->format != app::ModelFormat::kPipeline) {
      Result<std::string> original = ReadFileToString(c.file);
      if (!original.ok()) return Fail(original.status());
      request.source_digest = registry::ArtifactDigest(*original);
    }
    Result<std::string> recipe = TextOrFile(c.recipe.empty() ? "{}" : c.recipe);
    if (!recipe.ok()) return Fail(recipe.status());
    request.recipe = *recipe;
    Result<std::string> hyper = TextOrFile(c.hyperparameters.empty() ? "{}" : c.hyperparameters);
    if (!hyper.ok()) return Fail(hyper.status());
    request.hyperparameters = *hyper;
    Result<std::map<std::string, double>> metrics = ParseMetrics(c.metrics);
    if (!metrics.ok()) return Fail(metrics.status());
    request.metrics = *metrics;
    request.code_ref = c.code_ref;
    for (const std::string& d : c.datasets) {
      const std::vector<std::string> parts = Split(d, ':');
      if (parts.size() < 2 || parts.size() > 3) {
        return Fail(InvalidArgumentError("--dataset '" + d + "' must be NAME:VERSION[:training|validation]"));
      }
      request.datasets.push_back({parts[0], parts[1], parts.size() == 3 ? parts[2] : "training"});
    }
    request.reason = c.reason;
    Result<registry::VersionInfo> v = reg.RegisterVersion(token, request);
    if (!v.ok()) return Fail(v.status());
    std::cout << "registered " << v->model << " version " << v->number << " (" << v->artifact_digest << ")\n";
    return 0;
  }
  if (*c.list) {
    if (c.model.empty()) {
      Result<std::vector<registry::ModelInfo>> models = reg.ListModels(token, c.all);
      if (!models.ok()) return Fail(models.status());
      for (const auto& m : *models) {
        std::cout << m.spec.name << "\tv" << m.latest_version << "\t" << m.owner << (m.archived ? "\tarchived" : "")
                  << "\t" << m.spec.description << "\n";
      }
      return 0;
    }
    Result<std::vector<registry::VersionInfo>> versions = reg.ListVersions(token, c.model);
    if (!versions.ok()) return Fail(versions.status());
    for (const auto& v : *versions) {
      std::cout << v.number << "\t" << v.created_at << "\t" << v.creator << "\t" << v.artifact_digest
                << (v.archived ? "\tarchived" : "") << "\n";
    }
    return 0;
  }
  if (*c.show) {
    Result<registry::VersionInfo> resolved = reg.Resolve(token, c.reference);
    if (!resolved.ok()) return Fail(resolved.status());
    Result<registry::VersionInfo> v = reg.GetVersion(token, resolved->model, resolved->number);
    if (!v.ok()) return Fail(v.status());
    PrintVersion(*v, std::cout);
    return 0;
  }
  if (*c.search) {
    registry::SearchQuery query;
    query.text = c.text;
    query.owner = c.owner;
    query.environment = c.environment;
    query.alias = c.alias_name;
    query.dataset = c.dataset;
    query.include_archived = c.all;
    query.limit = c.limit;
    for (const std::string& f : c.metric_filters) {
      const std::vector<std::string> parts = Split(f, ':');
      if (parts.size() != 3) return Fail(InvalidArgumentError("--metric '" + f + "' must be NAME:MIN:MAX (either may be empty)"));
      registry::SearchQuery::MetricRange range{parts[0], std::nullopt, std::nullopt};
      for (int i = 1; i <= 2; ++i) {
        if (parts[i].empty()) continue;
        char* end = nullptr;
        const double x = std::strtod(parts[i].c_str(), &end);
        if (*end != '\0') return Fail(InvalidArgumentError("--metric '" + f + "': '" + parts[i] + "' is not a number"));
        (i == 1 ? range.min : range.max) = x;
      }
      query.metrics.push_back(range);
    }
    Result<std::vector<registry::SearchHit>> hits = reg.Search(token, query);
    if (!hits.ok()) return Fail(hits.status());
    for (const auto& h : *hits) std::cout << h.model << "@" << h.version << "\t" << h.owner << "\t" << h.description << "\n";
    return 0;
  }
  if (*c.alias) {
    const Status status = c.remove ? reg.RemoveAlias(token, c.model, c.alias_name, c.reason)
                                   : reg.SetAlias(token, c.model, c.alias_name, c.version, c.reason);
    if (!status.ok()) return Fail(status);
    std::cout << c.model << "@" << c.alias_name << (c.remove ? " removed" : " -> version " + std::to_string(c.version))
              << "\n";
    return 0;
  }
  if (*c.promote) {
    const Status status = reg.Promote(token, c.model, c.version, c.environment, c.reason);
    if (!status.ok()) return Fail(status);
    std::cout << "promoted " << c.model << " version " << c.version << " to " << c.environment << "\n";
    return 0;
  }
  if (*c.approve) return RunDecision(reg, c, "approve");
  if (*c.reject) return RunDecision(reg, c, "reject");
  if (*c.archive) {
    const Status status = c.version > 0 ? reg.ArchiveVersion(token, c.model, c.version, c.reason)
                                        : reg.ArchiveModel(token, c.model, c.reason);
    if (!status.ok()) return Fail(status);
    std::cout << "archived " << c.model << (c.version > 0 ? " version " + std::to_string(c.version) : "") << "\n";
    return 0;
  }
  if (*c.lineage) {
    Result<registry::Lineage> l = reg.GetLineage(token, c.model, c.version);
    if (!l.ok()) return Fail(l.status());
    std::cout << c.model << " version " << c.version << " (" << l->version.artifact_digest << ")\n";
    for (size_t i = 0; i < l->datasets.size(); ++i) {
      const auto& d = l->datasets[i];
      std::string role;
      for (const auto& u : l->version.datasets) {
        if (u.name == d.name && u.version == d.version) role += (role.empty() ? "" : ",") + u.role;
      }
      std::cout << "  " << role << ": " << d.name << "@" << d.version << " rows=" << d.row_count
                << " fingerprint=" << d.fingerprint << "\n";
    }
    std::cout << "  depends on: " << (l->depends_on.empty() ? "-" : Join(l->depends_on)) << "\n";
    std::cout << "  used by:    " << (l->depended_on_by.empty() ? "-" : Join(l->depended_on_by)) << "\n";
    return 0;
  }
  if (*c.diff) {
    Result<std::string> d = reg.Diff(token, c.model, c.version, c.version_b);
    if (!d.ok()) return Fail(d.status());
    std::cout << *d;
    return 0;
  }
  if (*c.card) {
    Result<std::string> card = reg.ModelCard(token, c.model, c.version, c.format == "auto" ? "markdown" : c.format);
    if (!card.ok()) return Fail(card.status());
    if (c.out.empty()) {
      std::cout << *card;
    } else {
      const Status written = WriteFileAtomically(c.out, *card);
      if (!written.ok()) return Fail(written);
      std::cout << "wrote " << c.out << "\n";
    }
    return 0;
  }
  if (*c.dataset_add) {
    registry::DatasetInfo d;
    d.name = c.name;
    d.version = c.reference;
    d.fingerprint = c.fingerprint;
    if (!c.file.empty()) {
      Result<std::string> bytes = ReadFileToString(c.file);
      if (!bytes.ok()) return Fail(bytes.status());
      d.fingerprint = registry::ArtifactDigest(*bytes);
    }
    Result<std::string> schema = TextOrFile(c.schema.empty() ? "{}" : c.schema);
    if (!schema.ok()) return Fail(schema.status());
    Result<std::string> profile = TextOrFile(c.profile.empty() ? "{}" : c.profile);
    if (!profile.ok()) return Fail(profile.status());
    d.schema = *schema;
    d.profile = *profile;
    d.row_count = c.rows;
    const Status status = reg.RegisterDataset(token, d);
    if (!status.ok()) return Fail(status);
    std::cout << "registered dataset " << d.name << "@" << d.version << " (" << d.fingerprint << ")\n";
    return 0;
  }
  if (*c.depend) {
    const Status status = reg.AddDependency(token, c.model, c.depends_on, c.reason);
    if (!status.ok()) return Fail(status);
    std::cout << c.model << " now depends on " << c.depends_on << "\n";
    return 0;
  }
  if (*c.policy_add) {
    registry::FeaturePolicy policy{c.name, c.use_case.empty() ? "*" : c.use_case,
                                   c.jurisdiction.empty() ? "*" : c.jurisdiction, c.forbid, c.reason};
    const Status status = reg.AddFeaturePolicy(token, policy);
    if (!status.ok()) return Fail(status);
    std::cout << "added feature policy " << c.name << "\n";
    return 0;
  }
  if (*c.policy_list) {
    Result<std::vector<registry::FeaturePolicy>> policies = reg.ListFeaturePolicies(token);
    if (!policies.ok()) return Fail(policies.status());
    for (const auto& p : *policies) {
      std::cout << p.name << "\tuse=" << p.use << "\tjurisdiction=" << p.jurisdiction << "\tforbids "
                << Join(p.forbidden_features) << "\t" << p.reason << "\n";
    }
    return 0;
  }
  if (*c.env_set) {
    const Status status = reg.ConfigureEnvironment(token, {c.environment, c.order, {c.approvals, c.risk_approvals}});
    if (!status.ok()) return Fail(status);
    std::cout << "environment " << c.environment << " configured\n";
    return 0;
  }
  if (*c.env_list) {
    Result<std::vector<registry::EnvironmentInfo>> envs = reg.ListEnvironments(token);
    if (!envs.ok()) return Fail(envs.status());
    for (const auto& e : *envs) {
      std::cout << e.order << "\t" << e.name << "\tapprovals=" << e.policy.required_approvals
                << "\trisk approvals=" << e.policy.required_risk_approvals << "\n";
    }
    return 0;
  }
  if (*c.verify) {
    Result<registry::VerifyReport> report = reg.VerifyVersion(token, c.model, c.version);
    if (!report.ok()) return Fail(report.status());
    std::cout << "verified " << c.model << " version " << c.version << ": artifact " << report->artifact_digest
              << " intact, " << report->approvals_checked << " signature(s) valid\n";
    return 0;
  }
  return 2;
}

int RunAudit(RegistryClient& reg, RegistryCommands& c) {
  const std::string token = Token(c);
  if (*c.audit_verify) {
    Result<int64_t> count = reg.VerifyAudit(token);
    if (!count.ok()) return Fail(count.status());
    std::cout << "audit chain intact: " << *count << " records\n";
    return 0;
  }
  if (!c.at.empty()) {
    if (c.model.empty() || c.environment.empty()) {
      return Fail(InvalidArgumentError("--at needs --model and --environment"));
    }
    Result<registry::DeploymentAt> d = reg.DeployedAt(token, c.model, c.environment, c.at);
    if (!d.ok()) return Fail(d.status());
    if (!d->version) {
      std::cout << "nothing of " << c.model << " was in " << c.environment << " at " << d->time << "\n";
    } else {
      std::cout << c.model << " version " << *d->version << " was in " << c.environment << " at " << d->time
                << ", put there by " << d->deployed_by << " at " << d->deployed_at
                << (d->reason.empty() ? "" : " (\"" + d->reason + "\")") << " [audit record " << d->audit_seq << "]\n";
    }
    return 0;
  }
  registry::AuditQuery query;
  query.entity_prefix = !c.entity.empty() ? c.entity : (c.model.empty() ? "" : "model/" + c.model);
  query.after_seq = c.version;
  query.since = c.since;
  query.until = c.until;
  query.limit = c.limit;
  Result<std::vector<registry::AuditRecord>> records = reg.AuditLog(token, query);
  if (!records.ok()) return Fail(records.status());
  for (const auto& r : *records) {
    std::cout << r.seq << "\t" << r.time << "\t" << r.actor << "\t" << r.action << "\t" << r.entity << "\t" << r.before
              << " -> " << r.after << (r.reason.empty() ? "" : "\t\"" + r.reason + "\"") << "\n";
  }
  return 0;
}

int RunOfflineVerify(const RegistryCommands& c) {
  Result<std::string> statement = ReadFileToString(c.statement_file, size_t{1} << 20);
  if (!statement.ok()) return Fail(statement.status());
  const Status status = registry::VerifySignature(*statement, c.signature, c.public_key);
  if (!status.ok()) return Fail(status);
  std::cout << "signature valid: the statement in " << c.statement_file << " was signed by key " << c.public_key << "\n";
  return 0;
}

void AddStoreOptions(CLI::App* cmd, RegistryCommands& c) {
  cmd->add_option("--data-dir", c.data_dir, "Data directory (default $PODIUM_DATA_DIR or ./podium-data)");
  cmd->add_option("--store", c.store_url, "PostgreSQL URL postgresql://... (default $PODIUM_REGISTRY_URL)");
  cmd->add_option("--server", c.server,
                  "Work against the registry of a running `podium server` at this URL, http://HOST:PORT "
                  "(default $PODIUM_SERVER)");
  cmd->add_option("--token", c.token, "API token (default $PODIUM_API_TOKEN)");
}

}  // namespace

void RegistryCommandsDeleter::operator()(RegistryCommands* commands) const { delete commands; }

RegistryCommandsPtr AddRegistryCommands(CLI::App& app) {
  RegistryCommandsPtr owned(new RegistryCommands());
  RegistryCommands& c = *owned;
  c.registry = app.add_subcommand("registry", "The model registry: versions, lineage, approvals, search");
  c.registry->require_subcommand(1);
  AddStoreOptions(c.registry, c);
  c.registry->fallthrough();
  CLI::App* r = c.registry;

  c.init_admin = r->add_subcommand("init-admin", "Create the first admin and print its token (once)");
  c.init_admin->add_option("--name", c.name, "Admin user name")->required();

  CLI::App* user = r->add_subcommand("user", "Users");
  user->require_subcommand(1);
  c.user_add = user->add_subcommand("add", "Add a user and print its token (admin)");
  c.user_add->add_option("name", c.name)->required();
  c.user_add->add_option("--role", c.role, "viewer, data-scientist, mlops, approver, risk or admin")->required();
  c.user_list = user->add_subcommand("list", "List users");
  c.token_cmd = r->add_subcommand("token", "Issue a new token for a user (admin, or yourself)");
  c.token_cmd->add_option("user", c.name)->required();
  c.token_cmd->add_flag("--revoke-all", c.remove, "Revoke every token of the user instead");
  c.whoami = r->add_subcommand("whoami", "Show the token's user");
  c.keygen = r->add_subcommand("keygen", "Create your Ed25519 signing key: secret to --out, public key to the registry");
  c.keygen->add_option("--out", c.out, "Secret key file to create (mode 0600)")->required();
  c.grant = r->add_subcommand("grant", "Give a user a role on one model (admin)");
  c.grant->add_option("model", c.model)->required();
  c.grant->add_option("user", c.user)->required();
  c.grant->add_option("role", c.role)->required();

  c.create = r->add_subcommand("create", "Create a registered model");
  c.create->add_option("model", c.model)->required();
  c.create->add_option("--description", c.description);
  c.create->add_option("--tag", c.tags, "A tag (repeat)");
  c.create->add_option("--intended-use", c.intended_use, "Intended use, for the model card");
  c.create->add_option("--use-case", c.use_case, "Use code feature policies match, e.g. credit");
  c.create->add_option("--jurisdiction", c.jurisdiction, "Jurisdiction, e.g. EU");
  c.create->add_option("--restricted-feature", c.restricted, "An input this model may never read (repeat)");

  c.register_cmd = r->add_subcommand("register", "Register a new version from a model file (checked first)");
  c.register_cmd->add_option("model", c.model)->required();
  c.register_cmd->add_option("file", c.file, "Podium pipeline or XGBoost JSON model")->required();
  c.register_cmd->add_option("--format", c.format, "auto, pipeline, xgboost, pmml, lightgbm")->capture_default_str();
  c.register_cmd->add_option("--metric", c.metrics, "NAME=VALUE (repeat)");
  c.register_cmd->add_option("--hyperparameters", c.hyperparameters, "JSON object, or @file");
  c.register_cmd->add_option("--recipe", c.recipe, "JSON, or @file");
  c.register_cmd->add_option("--code-ref", c.code_ref, "Git commit or other code reference");
  c.register_cmd->add_option("--dataset", c.datasets, "NAME:VERSION[:training|validation] (repeat)");
  c.register_cmd->add_option("--reason", c.reason);

  c.list = r->add_subcommand("list", "List models, or the versions of one model");
  c.list->add_option("model", c.model);
  c.list->add_flag("--all", c.all, "Include archived models");
  c.show = r->add_subcommand("show", "Show a version: MODEL, MODEL@N, MODEL@alias or MODEL@environment");
  c.show->add_option("reference", c.reference)->required();
  c.search = r->add_subcommand("search", "Search versions by text and filters");
  c.search->add_option("text", c.text, "Words matched against names, descriptions and tags");
  c.search->add_option("--owner", c.owner);
  c.search->add_option("--environment", c.environment, "Deployed there now");
  c.search->add_option("--alias", c.alias_name);
  c.search->add_option("--dataset", c.dataset, "Trained or validated on this dataset");
  c.search->add_option("--metric", c.metric_filters, "NAME:MIN:MAX, either bound may be empty (repeat)");
  c.search->add_option("--limit", c.limit)->capture_default_str();
  c.search->add_flag("--all", c.all, "Include archived versions");

  c.alias = r->add_subcommand("alias", "Point an alias (champion, challenger, ...) at a version, or --remove it");
  c.alias->add_option("model", c.model)->required();
  c.alias->add_option("alias", c.alias_name)->required();
  c.alias->add_option("version", c.version);
  c.alias->add_flag("--remove", c.remove);
  c.alias->add_option("--reason", c.reason);
  c.promote = r->add_subcommand("promote", "Deploy a version into an environment");
  c.promote->add_option("model", c.model)->required();
  c.promote->add_option("version", c.version)->required();
  c.promote->add_option("environment", c.environment)->required();
  c.promote->add_option("--reason", c.reason);
  for (CLI::App** cmd : {&c.approve, &c.reject}) {
    const bool approving = cmd == &c.approve;
    *cmd = r->add_subcommand(approving ? "approve" : "reject",
                             approving ? "Approve a version for an environment, signed with your key"
                                       : "Reject a version for an environment, signed with your key");
    (*cmd)->add_option("model", c.model)->required();
    (*cmd)->add_option("version", c.version)->required();
    (*cmd)->add_option("environment", c.environment)->required();
    (*cmd)->add_option("--comment", c.comment)->required();
    (*cmd)->add_option("--key", c.key_file, "Your secret key file (podium registry keygen)")->required();
  }
  c.archive = r->add_subcommand("archive", "Archive a version, or retire a model");
  c.archive->add_option("model", c.model)->required();
  c.archive->add_option("version", c.version);
  c.archive->add_option("--reason", c.reason);
  c.lineage = r->add_subcommand("lineage", "Datasets and dependencies of a version");
  c.lineage->add_option("model", c.model)->required();
  c.lineage->add_option("version", c.version)->required();
  c.diff = r->add_subcommand("diff", "What changed between two versions");
  c.diff->add_option("model", c.model)->required();
  c.diff->add_option("a", c.version)->required();
  c.diff->add_option("b", c.version_b)->required();
  c.card = r->add_subcommand("card", "Model card of a version");
  c.card->add_option("model", c.model)->required();
  c.card->add_option("version", c.version)->required();
  c.card->add_option("--format", c.format, "markdown or html");
  c.card->add_option("--out", c.out, "Write to this file");
  c.verify = r->add_subcommand("verify", "Verify a version's artifact and signatures, or a statement offline");
  c.verify->add_option("model", c.model);
  c.verify->add_option("version", c.version);
  c.verify->add_option("--statement", c.statement_file, "Offline: the signed statement file");
  c.verify->add_option("--signature", c.signature, "Offline: the signature (hex)");
  c.verify->add_option("--public-key", c.public_key, "Offline: the signer's public key (hex)");

  CLI::App* dataset = r->add_subcommand("dataset", "Datasets");
  dataset->require_subcommand(1);
  c.dataset_add = dataset->add_subcommand("add", "Register a dataset version");
  c.dataset_add->add_option("name", c.name)->required();
  c.dataset_add->add_option("version", c.reference)->required();
  c.dataset_add->add_option("--file", c.file, "Data file: its SHA-256 becomes the fingerprint");
  c.dataset_add->add_option("--fingerprint", c.fingerprint, "Content fingerprint (without --file)");
  c.dataset_add->add_option("--rows", c.rows);
  c.dataset_add->add_option("--schema", c.schema, "JSON, or @file");
  c.dataset_add->add_option("--profile", c.profile, "JSON, or @file");
  c.depend = r->add_subcommand("depend", "Record that a model depends on another");
  c.depend->add_option("model", c.model)->required();
  c.depend->add_option("depends_on", c.depends_on)->required();
  c.depend->add_option("--reason", c.reason);

  CLI::App* policy = r->add_subcommand("policy", "Feature policies");
  policy->require_subcommand(1);
  c.policy_add = policy->add_subcommand("add", "Forbid features for a use and jurisdiction (admin)");
  c.policy_add->add_option("name", c.name)->required();
  c.policy_add->add_option("--use-case", c.use_case, "Use code, * for any")->capture_default_str();
  c.policy_add->add_option("--jurisdiction", c.jurisdiction, "Jurisdiction, * for any");
  c.policy_add->add_option("--forbid", c.forbid, "A forbidden feature (repeat)")->required();
  c.policy_add->add_option("--reason", c.reason)->required();
  c.policy_list = policy->add_subcommand("list", "List feature policies");

  CLI::App* env = r->add_subcommand("env", "Environments");
  env->require_subcommand(1);
  c.env_set = env->add_subcommand("set", "Add or change an environment (admin)");
  c.env_set->add_option("name", c.environment)->required();
  c.env_set->add_option("--order", c.order, "Position in the promotion order")->required();
  c.env_set->add_option("--approvals", c.approvals, "Approvals required")->capture_default_str();
  c.env_set->add_option("--risk-approvals", c.risk_approvals, "Of which from the risk role")->capture_default_str();
  c.env_list = env->add_subcommand("list", "List environments in promotion order");

  c.audit = app.add_subcommand("audit", "The registry's tamper-evident audit trail");
  c.audit->require_subcommand(1);
  AddStoreOptions(c.audit, c);
  c.audit->fallthrough();
  c.audit_verify = c.audit->add_subcommand("verify", "Check the whole hash chain");
  c.audit_log = c.audit->add_subcommand("log", "Show audit records, or what was deployed at a time");
  c.audit_log->add_option("--model", c.model);
  c.audit_log->add_option("--entity", c.entity, "Entity prefix, e.g. model/credit/alias");
  c.audit_log->add_option("--since", c.since, "YYYY-MM-DD or RFC 3339 UTC");
  c.audit_log->add_option("--until", c.until, "YYYY-MM-DD (end of day) or RFC 3339 UTC");
  c.audit_log->add_option("--environment", c.environment, "With --at");
  c.audit_log->add_option("--at", c.at, "Which version was in --environment at this time, and who put it there");
  c.audit_log->add_option("--after", c.version, "Only records after this sequence number (the change feed)");
  c.audit_log->add_option("--limit", c.limit)->capture_default_str();
  return owned;
}

std::optional<int> RunRegistryCommands(RegistryCommands& c) {
  if (!*c.registry && !*c.audit) return std::nullopt;
  if (*c.verify && !c.statement_file.empty()) return RunOfflineVerify(c);
  if (*c.verify && (c.model.empty() || c.version <= 0)) {
    return Fail(InvalidArgumentError("verify needs MODEL VERSION, or --statement, --signature and --public-key"));
  }
  if (*c.alias && !c.remove && c.version <= 0) return Fail(InvalidArgumentError("alias needs a VERSION (or --remove)"));
  Result<std::unique_ptr<RegistryClient>> reg = OpenRegistry(c);
  if (!reg.ok()) return Fail(reg.status());
  if (*c.init_admin) {
    // Over HTTP, bootstrapping needs the server's own API token.
    Result<std::string> token = (*reg)->CreateFirstAdmin(Token(c), c.name);
    if (!token.ok()) return Fail(token.status());
    std::cout << "created admin " << c.name << "\ntoken (shown once; keep it secret): " << *token << "\n";
    return 0;
  }
  return *c.audit ? RunAudit(**reg, c) : RunRegistry(**reg, c);
}

}  // namespace podium::cli
