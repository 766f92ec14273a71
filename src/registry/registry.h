// The model registry: the use-cases behind `podium registry ...`, `podium
// audit ...` and (later) the server's /v1/ registry routes.
//
// A Registry holds registered models, their immutable versions (numbered 1,
// 2, 3, ... per model, without gaps), datasets and lineage, dependencies
// between models, aliases ("champion", "challenger", any name) and the
// version deployed in each environment (development -> pre-production ->
// production by default; configurable). Promotion into a protected
// environment needs the approvals its policy names, each an Ed25519
// signature by the approver over a canonical statement (signature.h). Every
// mutation appends a hash-chained audit record in the same transaction
// (audit.h). Concepts, formats and the CLI: docs/REGISTRY.md.
//
// Storage: metadata in a Database (SQLite in the data directory, or
// PostgreSQL by URL; store/database.h), artifacts in a content-addressed
// ArtifactStore (artifact_store.h). The registry stores artifacts as opaque
// canonical pipeline JSON and reads them with pipeline/pipeline_json.h only
// (to validate, diff and describe); it never compiles them.
//
// Authentication: every call but CreateFirstAdmin takes the caller's API
// token; without a valid token it fails with kUnauthenticated. What a caller
// may do follows its role (policy.h) and its grants on a model; a refusal is
// kPermissionDenied. Errors are specific codes that map one-to-one onto
// HTTP statuses (base/status.h HttpStatusFor): kNotFound for unknown names,
// kAlreadyExists, kInvalidArgument for malformed input, kFailedPrecondition
// for a state that forbids the call (missing approvals, forbidden features,
// dependants), kDataLoss for a corrupt artifact or audit chain.
//
// Change events: every committed change to an alias, a deployment, or the
// archiving of a version or model is also published as a ChangeEvent
// (change_event.h) to this object's subscribers (Subscribe), and, on
// PostgreSQL, announced with a NOTIFY in the same transaction; ChangeFeed
// (change_feed.h) follows changes made by any process.
//
// Thread-safe: one Registry may be shared by many threads, and many
// processes may open the same store; writers are serialised by the store.
#ifndef PODIUM_REGISTRY_REGISTRY_H_
#define PODIUM_REGISTRY_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "registry/artifact_store.h"
#include "registry/audit.h"
#include "registry/change_event.h"
#include "registry/policy.h"
#include "registry/signature.h"
#include "registry/store/database.h"

namespace podium::registry {

struct RegistryOptions {
  // The data directory: the SQLite store (registry.db) and the artifact store
  // (artifacts/) live here. Created if missing.
  std::string data_dir;
  // When set (postgresql://...), the metadata store is this PostgreSQL
  // database instead of SQLite; artifacts stay under data_dir/artifacts.
  std::string postgres_url;
  // SQLite only: synchronous=FULL (true) or NORMAL (false); see
  // store/sqlite_database.h.
  bool full_sync = true;
  // The current time as RFC 3339 UTC with microseconds. Default: the system
  // clock. Tests inject a fixed or stepping clock. Called from any thread
  // using the Registry, so it must be thread-safe.
  std::function<std::string()> clock;
  // How far a signed statement's time may be from the registry's clock.
  int64_t max_signature_skew_seconds = 300;
};

// The current system time, "YYYY-MM-DDTHH:MM:SS.ffffffZ".
std::string SystemClockNow();

struct UserInfo {
  std::string name;
  Role role = Role::kViewer;
  std::string public_key;  // hex Ed25519, empty until the user registers one
  std::string created_at;
};

struct ModelSpec {
  std::string name;
  std::string description;
  std::vector<std::string> tags;
  std::string intended_use;  // free text for the model card
  std::string use_case;      // short code feature policies match, e.g. "credit"
  std::string jurisdiction;  // e.g. "EU", "US-CA"
  std::vector<std::string> restricted_features;  // inputs this model may never read
};

struct ModelInfo {
  ModelSpec spec;
  std::string owner;
  bool archived = false;
  std::string created_at;
  int64_t latest_version = 0;
};

// A dataset a version was trained or validated on.
struct DatasetInfo {
  std::string name;
  std::string version;
  std::string fingerprint;  // content digest of the data
  std::string schema;       // JSON
  int64_t row_count = 0;
  std::string profile;      // JSON: the profile computed at training time
  std::string created_by;
  std::string created_at;
};

struct DatasetUse {
  std::string name;
  std::string version;
  std::string role;  // "training" or "validation"
};

struct ApprovalInfo {
  std::string environment;
  std::string approver;
  std::string approver_role;
  std::string decision;  // "approve" or "reject"
  std::string comment;
  std::string signed_at;
  std::string statement;   // the canonical statement that was signed
  std::string public_key;  // hex
  std::string signature;   // hex
};

struct VersionInfo {
  std::string model;
  int64_t number = 0;
  std::string artifact_digest;
  std::string source;          // podium, pmml, onnx, xgboost, lightgbm
  std::string source_digest;   // digest of the original file, when imported
  std::vector<std::string> features;  // the pipeline's input fields
  std::string recipe;           // JSON
  std::string hyperparameters;  // JSON object
  std::map<std::string, double> metrics;
  std::string code_ref;  // git commit or other code reference
  std::string creator;
  std::string created_at;
  bool archived = false;
  std::vector<DatasetUse> datasets;
  std::vector<std::string> aliases;
  std::vector<std::string> environments;  // where it is deployed now
  std::vector<ApprovalInfo> approvals;
};

struct RegisterVersionRequest {
  std::string model;
  // The artifact: a Podium pipeline (canonical or not). It is parsed and
  // validated before anything is stored; the stored bytes are its canonical
  // form, so the artifact digest equals PipelineDigest.
  std::string artifact;
  std::string source = "podium";
  std::string source_digest;
  std::string recipe = "{}";
  std::string hyperparameters = "{}";
  std::map<std::string, double> metrics;
  std::string code_ref;
  std::vector<DatasetUse> datasets;  // must be registered datasets
  std::string reason;
};

struct EnvironmentInfo {
  std::string name;
  int order = 0;  // promotion goes up in order
  ApprovalPolicy policy;
};

// A decision to sign: the caller builds the statement with PrepareDecision,
// signs CanonicalStatement(statement) with its secret key (SignMessage), and
// records it with Decide.
struct DecisionRequest {
  ApprovalStatement statement;
  std::string signature;  // hex
};

struct SearchQuery {
  std::string text;  // words matched (as prefixes) against names, descriptions and tags
  std::string owner;
  std::string environment;  // versions deployed there now
  std::string alias;        // versions holding this alias
  std::string dataset;      // versions trained or validated on this dataset (any version)
  struct MetricRange {
    std::string name;
    std::optional<double> min, max;
  };
  std::vector<MetricRange> metrics;
  bool include_archived = false;
  int limit = 100;
};

struct SearchHit {
  std::string model;
  int64_t version = 0;
  std::string description;
  std::string owner;
};

struct AuditQuery {
  std::string entity_prefix;  // e.g. "model/credit"
  // Only records after this sequence number: a replica or dashboard that
  // remembers the last seq it saw reads the changes since (the change feed).
  int64_t after_seq = 0;
  std::string since, until;   // RFC 3339, inclusive; empty = unbounded
  int limit = 1000;
};

struct DeploymentAt {
  std::string model;
  std::string environment;
  std::string time;            // the time asked about
  std::optional<int64_t> version;  // none: nothing was deployed then
  std::string deployed_by;
  std::string deployed_at;
  std::string reason;
  int64_t audit_seq = 0;
};

struct VerifyReport {
  std::string artifact_digest;
  int approvals_checked = 0;
};

struct Lineage {
  VersionInfo version;
  std::vector<DatasetInfo> datasets;         // with their roles in version.datasets
  std::vector<std::string> depends_on;       // models this model depends on
  std::vector<std::string> depended_on_by;   // models depending on this one
};

class Registry {
 public:
  // Opens (creating if needed) the store and applies pending migrations.
  static Result<std::unique_ptr<Registry>> Open(const RegistryOptions& options);
  // For tests and other wirings: given parts.
  static Result<std::unique_ptr<Registry>> Create(const RegistryOptions& options, std::unique_ptr<Database> database,
                                                  std::unique_ptr<ArtifactStore> artifacts);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // --- users, roles, tokens, keys
  // Creates the first admin and returns its API token (shown once). There is
  // no default user or password: until this runs, every call is refused.
  // kFailedPrecondition once any user exists.
  Result<std::string> CreateFirstAdmin(std::string_view name);
  // Admin: adds a user and returns its first token.
  Result<std::string> CreateUser(std::string_view token, std::string_view name, Role role);
  // Admin, or the user itself: a new token for `user`.
  Result<std::string> IssueToken(std::string_view token, std::string_view user);
  // Admin, or the user itself: revokes every token of `user` (e.g. when they
  // leave, or a token leaked). Returns how many were revoked.
  Result<int64_t> RevokeTokens(std::string_view token, std::string_view user);
  Result<UserInfo> WhoAmI(std::string_view token);
  Result<std::vector<UserInfo>> ListUsers(std::string_view token);
  // The caller's Ed25519 public key (hex) for verifying its signatures. Old
  // keys stay on record so old signatures still verify.
  Status SetPublicKey(std::string_view token, std::string_view public_key_hex);
  // Admin: gives `user` `role` on one model (e.g. a data scientist on a
  // model they do not own).
  Status GrantModelRole(std::string_view token, std::string_view model, std::string_view user, Role role);

  // --- environments and feature policies (admin)
  Result<std::vector<EnvironmentInfo>> ListEnvironments(std::string_view token);
  Status ConfigureEnvironment(std::string_view token, const EnvironmentInfo& environment);
  Status AddFeaturePolicy(std::string_view token, const FeaturePolicy& policy);
  Result<std::vector<FeaturePolicy>> ListFeaturePolicies(std::string_view token);

  // --- models and versions
  Result<ModelInfo> CreateModel(std::string_view token, const ModelSpec& spec);
  Result<ModelInfo> GetModel(std::string_view token, std::string_view model);
  Result<std::vector<ModelInfo>> ListModels(std::string_view token, bool include_archived = false);
  Result<VersionInfo> RegisterVersion(std::string_view token, const RegisterVersionRequest& request);
  Result<VersionInfo> GetVersion(std::string_view token, std::string_view model, int64_t number);
  Result<std::vector<VersionInfo>> ListVersions(std::string_view token, std::string_view model);
  // "model@3", "model@champion", "model@production" (what is deployed there)
  // or "model" (the latest version).
  Result<VersionInfo> Resolve(std::string_view token, std::string_view reference);
  // The artifact bytes of a version, digest-checked.
  Result<std::string> GetArtifact(std::string_view token, std::string_view model, int64_t number);

  Status SetAlias(std::string_view token, std::string_view model, std::string_view alias, int64_t number,
                  std::string_view reason);
  Status RemoveAlias(std::string_view token, std::string_view model, std::string_view alias, std::string_view reason);

  // --- approvals and promotion
  // The statement the caller would sign for this decision, at the registry's
  // current time. decision: "approve" or "reject".
  Result<ApprovalStatement> PrepareDecision(std::string_view token, std::string_view model, int64_t number,
                                            std::string_view environment, std::string_view decision,
                                            std::string_view comment);
  // Records a signed approval or rejection. Refused when the caller is the
  // version's author, lacks the approver role, the statement does not match
  // the registry's facts, its time is too far from now, or the signature
  // does not verify against the caller's public key.
  Status Decide(std::string_view token, const DecisionRequest& request);
  // Deploys a version into an environment. Needs the version to be deployed
  // in the environment below (if any), the environment's approvals, and no
  // forbidden features.
  Status Promote(std::string_view token, std::string_view model, int64_t number, std::string_view environment,
                 std::string_view reason);
  Status ArchiveVersion(std::string_view token, std::string_view model, int64_t number, std::string_view reason);
  // Retires a model. kFailedPrecondition listing the models that depend on
  // it, if any.
  Status ArchiveModel(std::string_view token, std::string_view model, std::string_view reason);

  // --- datasets, lineage, dependencies
  Status RegisterDataset(std::string_view token, const DatasetInfo& dataset);
  Result<DatasetInfo> GetDataset(std::string_view token, std::string_view name, std::string_view version);
  Status AddDependency(std::string_view token, std::string_view model, std::string_view depends_on,
                       std::string_view reason);
  Result<Lineage> GetLineage(std::string_view token, std::string_view model, int64_t number);

  // --- search, cards, diffs
  Result<std::vector<SearchHit>> Search(std::string_view token, const SearchQuery& query);
  // format: "markdown" or "html".
  Result<std::string> ModelCard(std::string_view token, std::string_view model, int64_t number,
                                std::string_view format);
  // A readable diff of two versions' schema, transforms, model parameters,
  // hyperparameters and metrics.
  Result<std::string> Diff(std::string_view token, std::string_view model, int64_t a, int64_t b);

  // --- verification and audit
  // Re-reads the artifact (digest checked) and checks every approval's
  // signature against the statement rebuilt from the registry's records.
  Result<VerifyReport> VerifyVersion(std::string_view token, std::string_view model, int64_t number);
  // Walks the whole audit chain; kDataLoss naming the first bad record.
  Result<int64_t> VerifyAudit(std::string_view token);
  Result<std::vector<AuditRecord>> AuditLog(std::string_view token, const AuditQuery& query);
  // Which version was in `environment` at `time`, and who put it there.
  Result<DeploymentAt> DeployedAt(std::string_view token, std::string_view model, std::string_view environment,
                                  std::string_view time);

  // --- change events (docs/REGISTRY.md, "Change events")
  // Calls `listener` with the event of every change committed through this
  // Registry object from now on (changes by other objects or processes:
  // ChangeFeed). It runs on the thread that made the change, after its
  // transaction committed and with no registry lock held, so it may call the
  // Registry; but it delays that caller, so it should only hand the event
  // on (e.g. wake a worker). Events of changes committed concurrently by
  // several threads may arrive out of seq order. Returns the handle for
  // Unsubscribe.
  using SubscriptionId = int64_t;
  SubscriptionId Subscribe(ChangeListener listener);
  // Stops delivery; waits for a call of that listener in progress, so its
  // state may be destroyed afterwards. Must not be called from the listener
  // itself. Unknown ids are ignored.
  void Unsubscribe(SubscriptionId id);
  // The sequence number of the latest committed change (the audit head):
  // where a subscriber that reads the state now starts following changes.
  Result<int64_t> ChangeSequence(std::string_view token);
  // The options the Registry was opened with (ChangeFeed connects its own
  // PostgreSQL listener with them).
  const RegistryOptions& options() const;


 private:
  class Impl;
  explicit Registry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_REGISTRY_H_
