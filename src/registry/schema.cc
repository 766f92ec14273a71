#include "registry/schema.h"

#include <string>
#include <vector>

#include "registry/audit.h"

namespace podium::registry {
namespace {

// DDL in the common subset, with three dialect placeholders:
//   {id}    an auto-assigned 64-bit primary key
//   {real}  a double
//   {key}   text compared byte by byte (search terms)
const char* const kMigration1[] = {
    "CREATE TABLE write_lock (id INTEGER PRIMARY KEY)",
    "INSERT INTO write_lock (id) VALUES (1)",
    "CREATE TABLE users (id {id}, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, public_key TEXT NOT NULL,"
    " created_at TEXT NOT NULL)",
    "CREATE TABLE user_keys (user_id BIGINT NOT NULL REFERENCES users(id), public_key TEXT NOT NULL,"
    " created_at TEXT NOT NULL, PRIMARY KEY (user_id, public_key))",
    "CREATE TABLE tokens (id {id}, user_id BIGINT NOT NULL REFERENCES users(id), token_hash TEXT NOT NULL UNIQUE,"
    " created_at TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE environments (name TEXT PRIMARY KEY, stage_order INTEGER NOT NULL UNIQUE,"
    " required_approvals INTEGER NOT NULL, required_risk_approvals INTEGER NOT NULL)",
    "INSERT INTO environments VALUES ('development', 0, 0, 0)",
    "INSERT INTO environments VALUES ('pre-production', 1, 1, 0)",
    "INSERT INTO environments VALUES ('production', 2, 2, 1)",
    "CREATE TABLE models (id {id}, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL,"
    " owner_id BIGINT NOT NULL REFERENCES users(id), tags TEXT NOT NULL, intended_use TEXT NOT NULL,"
    " use_case TEXT NOT NULL, jurisdiction TEXT NOT NULL, restricted_features TEXT NOT NULL,"
    " archived INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, latest_version BIGINT NOT NULL DEFAULT 0)",
    "CREATE INDEX models_by_owner ON models (owner_id)",
    "CREATE TABLE model_grants (model_id BIGINT NOT NULL REFERENCES models(id),"
    " user_id BIGINT NOT NULL REFERENCES users(id), role TEXT NOT NULL, PRIMARY KEY (model_id, user_id))",
    "CREATE TABLE versions (id {id}, model_id BIGINT NOT NULL REFERENCES models(id), number BIGINT NOT NULL,"
    " artifact_digest TEXT NOT NULL, source TEXT NOT NULL, source_digest TEXT NOT NULL, features TEXT NOT NULL,"
    " recipe TEXT NOT NULL, hyperparameters TEXT NOT NULL, metrics TEXT NOT NULL, code_ref TEXT NOT NULL,"
    " creator_id BIGINT NOT NULL REFERENCES users(id), created_at TEXT NOT NULL,"
    " archived INTEGER NOT NULL DEFAULT 0, UNIQUE (model_id, number))",
    "CREATE TABLE version_metrics (version_id BIGINT NOT NULL REFERENCES versions(id), name TEXT NOT NULL,"
    " value {real} NOT NULL, PRIMARY KEY (version_id, name))",
    "CREATE INDEX version_metrics_by_name ON version_metrics (name, value)",
    "CREATE TABLE datasets (id {id}, name TEXT NOT NULL, version TEXT NOT NULL, fingerprint TEXT NOT NULL,"
    " schema_json TEXT NOT NULL, row_count BIGINT NOT NULL, profile TEXT NOT NULL,"
    " created_by BIGINT NOT NULL REFERENCES users(id), created_at TEXT NOT NULL, UNIQUE (name, version))",
    "CREATE TABLE version_datasets (version_id BIGINT NOT NULL REFERENCES versions(id),"
    " dataset_id BIGINT NOT NULL REFERENCES datasets(id), role TEXT NOT NULL,"
    " PRIMARY KEY (version_id, dataset_id, role))",
    "CREATE INDEX version_datasets_by_dataset ON version_datasets (dataset_id)",
    "CREATE TABLE model_dependencies (model_id BIGINT NOT NULL REFERENCES models(id),"
    " depends_on_id BIGINT NOT NULL REFERENCES models(id), PRIMARY KEY (model_id, depends_on_id))",
    "CREATE INDEX model_dependencies_by_target ON model_dependencies (depends_on_id)",
    "CREATE TABLE aliases (model_id BIGINT NOT NULL REFERENCES models(id), alias TEXT NOT NULL,"
    " version_id BIGINT NOT NULL REFERENCES versions(id), set_by BIGINT NOT NULL REFERENCES users(id),"
    " set_at TEXT NOT NULL, PRIMARY KEY (model_id, alias))",
    "CREATE INDEX aliases_by_version ON aliases (version_id)",
    "CREATE TABLE deployments (model_id BIGINT NOT NULL REFERENCES models(id),"
    " environment TEXT NOT NULL REFERENCES environments(name), version_id BIGINT NOT NULL REFERENCES versions(id),"
    " deployed_by BIGINT NOT NULL REFERENCES users(id), deployed_at TEXT NOT NULL,"
    " PRIMARY KEY (model_id, environment))",
    "CREATE INDEX deployments_by_version ON deployments (version_id)",
    "CREATE TABLE approvals (id {id}, version_id BIGINT NOT NULL REFERENCES versions(id),"
    " environment TEXT NOT NULL REFERENCES environments(name), user_id BIGINT NOT NULL REFERENCES users(id),"
    " role TEXT NOT NULL, decision TEXT NOT NULL, comment TEXT NOT NULL, signed_at TEXT NOT NULL,"
    " statement TEXT NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL)",
    "CREATE INDEX approvals_by_version ON approvals (version_id, environment)",
    "CREATE TABLE feature_policies (id {id}, name TEXT NOT NULL UNIQUE, use_case TEXT NOT NULL,"
    " jurisdiction TEXT NOT NULL, forbidden_features TEXT NOT NULL, reason TEXT NOT NULL)",
    "CREATE TABLE search_terms (term {key} NOT NULL, model_id BIGINT NOT NULL REFERENCES models(id),"
    " PRIMARY KEY (term, model_id))",
    "CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
    " entity TEXT NOT NULL, before_json TEXT NOT NULL, after_json TEXT NOT NULL, reason TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX audit_log_by_entity ON audit_log (entity, seq)",
    "CREATE INDEX audit_log_by_time ON audit_log (at)",
    "CREATE TABLE audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
};

std::string Substitute(std::string sql, Dialect dialect) {
  auto replace = [&sql](const std::string& from, const std::string& to) {
    for (size_t at = sql.find(from); at != std::string::npos; at = sql.find(from, at + to.size())) {
      sql.replace(at, from.size(), to);
    }
  };
  const bool pg = dialect == Dialect::kPostgres;
  replace("{id}", pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY");
  replace("{real}", pg ? "DOUBLE PRECISION" : "REAL");
  replace("{key}", pg ? "TEXT COLLATE \"C\"" : "TEXT");
  return sql;
}

}  // namespace

Status ApplyMigrations(Database& database, const std::string& now) {
  return database.Migrate([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(tx.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"));
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    const int64_t current = rows.at(0).Int(0);
    if (current > kSchemaVersion) {
      return FailedPreconditionError("the registry store has schema version " + std::to_string(current) +
                                     ", newer than this podium understands (" + std::to_string(kSchemaVersion) +
                                     "); upgrade podium");
    }
    if (current < 1) {
      for (const char* statement : kMigration1) {
        RETURN_IF_ERROR(tx.Exec(Substitute(statement, database.dialect())).WithContext("migration 1"));
      }
      RETURN_IF_ERROR(tx.Exec("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, $1)", {Param(kAuditGenesisHash)}));
      RETURN_IF_ERROR(tx.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (1, $1)", {Param(now)}));
    }
    return Status::Ok();
  });
}

}  // namespace podium::registry
