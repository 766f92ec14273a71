// The registry's behavioural suite, run against every backend: SQLite
// (Sqlite/...) and PostgreSQL (Postgres/..., needs the registry_pg fixture).
#include "registry/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>

#include "base/file.h"
#include "pipeline/pipeline_json.h"
#include "registry/store/postgres_database.h"
#include "registry/store/sqlite_database.h"
#include "registry/test_support.h"

namespace podium::registry {
namespace {

using testing::Backend;
using testing::SignDecision;
using testing::TestStore;

class RegistryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<TestStore>> store = TestStore::Create(GetParam());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    Reopen();
  }

  void Reopen(std::function<std::string()> clock = nullptr) {
    registry_.reset();
    RegistryOptions options = store_->options();
    options.clock = std::move(clock);
    Result<std::unique_ptr<Registry>> registry = Registry::Open(options);
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    registry_ = std::move(registry).value();
  }

  // admin, alice (data scientist, owns "credit"), bob (mlops), carol
  // (approver), dave (risk), eve (viewer); approvers and alice hold keys.
  void CreateTeam() {
    ASSERT_OK_AND_ASSIGN(admin_, registry_->CreateFirstAdmin("admin"));
    ASSERT_OK_AND_ASSIGN(alice_, registry_->CreateUser(admin_, "alice", Role::kDataScientist));
    ASSERT_OK_AND_ASSIGN(bob_, registry_->CreateUser(admin_, "bob", Role::kMlops));
    ASSERT_OK_AND_ASSIGN(carol_, registry_->CreateUser(admin_, "carol", Role::kApprover));
    ASSERT_OK_AND_ASSIGN(dave_, registry_->CreateUser(admin_, "dave", Role::kRisk));
    ASSERT_OK_AND_ASSIGN(eve_, registry_->CreateUser(admin_, "eve", Role::kViewer));
    for (auto [token, key] : {std::pair{&alice_, &alice_key_}, std::pair{&carol_, &carol_key_},
                              std::pair{&dave_, &dave_key_}}) {
      ASSERT_OK_AND_ASSIGN(SigningKeyPair pair, GenerateSigningKeyPair());
      ASSERT_OK(registry_->SetPublicKey(*token, pair.public_key_hex));
      *key = pair.secret_key_hex;
      if (token == &carol_) carol_public_ = pair.public_key_hex;
    }
  }

  void CreateCreditModel(const std::string& name = "credit") {
    ModelSpec spec;
    spec.name = name;
    spec.description = "Consumer credit risk scoring for loan applications";
    spec.tags = {"credit", "risk", "glm"};
    spec.intended_use = "Scoring consumer loan applications in the EU";
    spec.use_case = "credit";
    spec.jurisdiction = "EU";
    ASSERT_OK(registry_->CreateModel(alice_, spec));
  }

  Result<VersionInfo> Register(const std::string& model, int variant, const std::string& token = "") {
    RegisterVersionRequest request;
    request.model = model;
    request.artifact = testing::CreditPipelineArtifact(variant);
    request.metrics = {{"auc", 0.70 + 0.01 * variant}, {"logloss", 0.5 - 0.01 * variant}};
    request.hyperparameters = R"({"l2": 0.1, "max_iter": 100})";
    request.code_ref = "git:abc" + std::to_string(variant);
    request.reason = "variant " + std::to_string(variant);
    return registry_->RegisterVersion(token.empty() ? alice_ : token, request);
  }

  Status Approve(const std::string& token, const std::string& key, const std::string& model, int64_t version,
                 const std::string& environment, const std::string& decision = "approve") {
    Result<ApprovalStatement> statement =
        registry_->PrepareDecision(token, model, version, environment, decision, "reviewed the validation report");
    if (!statement.ok()) return statement.status();
    return registry_->Decide(token, SignDecision(*statement, key));
  }

  std::unique_ptr<Database> RawDatabase() {
    Result<std::unique_ptr<Database>> db =
        GetParam() == Backend::kSqlite
            ? OpenSqliteDatabase({store_->options().data_dir + "/registry.db"})
            : OpenPostgresDatabase({store_->options().postgres_url});
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  std::unique_ptr<TestStore> store_;
  std::unique_ptr<Registry> registry_;
  std::string admin_, alice_, bob_, carol_, dave_, eve_;
  std::string alice_key_, carol_key_, dave_key_, carol_public_;
};

TEST_P(RegistryTest, NothingWorksUntilTheFirstAdminIsCreatedExplicitly) {
  EXPECT_STATUS(registry_->ListModels(""), StatusCode::kUnauthenticated, "token is required");
  EXPECT_STATUS(registry_->ListModels("admin"), StatusCode::kUnauthenticated, "not valid");
  ASSERT_OK_AND_ASSIGN(std::string token, registry_->CreateFirstAdmin("root"));
  EXPECT_EQ(token.rfind("pdm_", 0), 0u);
  EXPECT_STATUS(registry_->CreateFirstAdmin("other"), StatusCode::kFailedPrecondition, "only once");
  ASSERT_OK_AND_ASSIGN(UserInfo me, registry_->WhoAmI(token));
  EXPECT_EQ(me.name, "root");
  EXPECT_EQ(me.role, Role::kAdmin);
}

TEST_P(RegistryTest, TokensAreStoredHashedNeverInClear) {
  CreateTeam();
  auto db = RawDatabase();
  ASSERT_NE(db, nullptr);
  ASSERT_OK(db->Read([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT token_hash FROM tokens"));
    EXPECT_EQ(rows.size(), 6u);
    for (const Row& r : rows) {
      EXPECT_EQ(r.Text(0).size(), 64u);
      EXPECT_NE(r.Text(0), admin_);
      EXPECT_EQ(r.Text(0).find("pdm_"), std::string::npos);
    }
    return Status::Ok();
  }));
}

TEST_P(RegistryTest, EveryMutatingCallWithoutAValidTokenIsRefused) {
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK_AND_ASSIGN(VersionInfo v1, Register("credit", 1));
  ASSERT_OK_AND_ASSIGN(ApprovalStatement statement,
                       registry_->PrepareDecision(carol_, "credit", 1, "pre-production", "approve", "ok"));
  RegisterVersionRequest request;
  request.model = "credit";
  request.artifact = testing::CreditPipelineArtifact(2);
  DatasetInfo dataset{"loans", "2024-01", "sha256:1", "{}", 10, "{}", "", ""};
  ModelSpec spec;
  spec.name = "other";
  const std::vector<std::pair<std::string, std::function<Status(const std::string&)>>> calls = {
      {"CreateUser", [&](const std::string& t) { return registry_->CreateUser(t, "zed", Role::kViewer).status(); }},
      {"IssueToken", [&](const std::string& t) { return registry_->IssueToken(t, "alice").status(); }},
      {"RevokeTokens", [&](const std::string& t) { return registry_->RevokeTokens(t, "alice").status(); }},
      {"SetPublicKey", [&](const std::string& t) { return registry_->SetPublicKey(t, carol_public_); }},
      {"GrantModelRole", [&](const std::string& t) { return registry_->GrantModelRole(t, "credit", "eve", Role::kDataScientist); }},
      {"ConfigureEnvironment", [&](const std::string& t) { return registry_->ConfigureEnvironment(t, {"qa", 5, {0, 0}}); }},
      {"AddFeaturePolicy", [&](const std::string& t) { return registry_->AddFeaturePolicy(t, {"p", "*", "*", {"x"}, "r"}); }},
      {"CreateModel", [&](const std::string& t) { return registry_->CreateModel(t, spec).status(); }},
      {"RegisterVersion", [&](const std::string& t) { return registry_->RegisterVersion(t, request).status(); }},
      {"SetAlias", [&](const std::string& t) { return registry_->SetAlias(t, "credit", "champion", 1, ""); }},
      {"RemoveAlias", [&](const std::string& t) { return registry_->RemoveAlias(t, "credit", "champion", ""); }},
      {"Decide", [&](const std::string& t) { return registry_->Decide(t, SignDecision(statement, carol_key_)); }},
      {"Promote", [&](const std::string& t) { return registry_->Promote(t, "credit", 1, "development", ""); }},
      {"ArchiveVersion", [&](const std::string& t) { return registry_->ArchiveVersion(t, "credit", 1, ""); }},
      {"ArchiveModel", [&](const std::string& t) { return registry_->ArchiveModel(t, "credit", ""); }},
      {"RegisterDataset", [&](const std::string& t) { return registry_->RegisterDataset(t, dataset); }},
      {"AddDependency", [&](const std::string& t) { return registry_->AddDependency(t, "credit", "credit2", ""); }},
  };
  ASSERT_OK_AND_ASSIGN(int64_t audit_before, registry_->VerifyAudit(admin_));
  for (const auto& [name, call] : calls) {
    for (const std::string& bad : {std::string(), std::string("pdm_0000"), admin_ + "x"}) {
      const Status status = call(bad);
      EXPECT_EQ(status.code(), StatusCode::kUnauthenticated) << name << " with '" << bad << "': " << status.ToString();
    }
  }
  ASSERT_OK_AND_ASSIGN(int64_t audit_after, registry_->VerifyAudit(admin_));
  EXPECT_EQ(audit_after, audit_before);  // nothing was changed
  ASSERT_OK_AND_ASSIGN(ModelInfo model, registry_->GetModel(eve_, "credit"));
  EXPECT_EQ(model.latest_version, 1);
}

TEST_P(RegistryTest, ErrorsMapOntoHttpStatuses) {
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK(Register("credit", 1).status());
  EXPECT_EQ(HttpStatusFor(registry_->GetModel("", "credit").status().code()), 401);
  EXPECT_EQ(HttpStatusFor(registry_->Promote(alice_, "credit", 1, "development", "").code()), 403);
  EXPECT_EQ(HttpStatusFor(registry_->GetModel(eve_, "missing").status().code()), 404);
  EXPECT_EQ(HttpStatusFor(registry_->CreateUser(admin_, "alice", Role::kViewer).status().code()), 409);
  EXPECT_EQ(HttpStatusFor(registry_->GetModel(eve_, "bad/name").status().code()), 400);
  EXPECT_EQ(HttpStatusFor(registry_->Promote(bob_, "credit", 1, "production", "").code()), 412);
}

TEST_P(RegistryTest, RevokedTokensAreRefused) {
  CreateTeam();
  ASSERT_OK_AND_ASSIGN(std::string second, registry_->IssueToken(alice_, "alice"));
  EXPECT_STATUS(registry_->RevokeTokens(bob_, "alice"), StatusCode::kPermissionDenied, "administer");
  ASSERT_OK_AND_ASSIGN(int64_t revoked, registry_->RevokeTokens(admin_, "alice"));
  EXPECT_EQ(revoked, 2);
  EXPECT_STATUS(registry_->WhoAmI(alice_), StatusCode::kUnauthenticated, "not valid");
  EXPECT_STATUS(registry_->WhoAmI(second), StatusCode::kUnauthenticated, "not valid");
  ASSERT_OK_AND_ASSIGN(UserInfo bob, registry_->WhoAmI(bob_));
  EXPECT_EQ(bob.name, "bob");
}

TEST_P(RegistryTest, TheAuditLogIsAChangeFeed) {
  CreateTeam();
  ASSERT_OK_AND_ASSIGN(std::vector<AuditRecord> all, registry_->AuditLog(eve_, {}));
  const int64_t last = all.back().seq;
  CreateCreditModel();
  ASSERT_OK(Register("credit", 1).status());
  AuditQuery since;
  since.after_seq = last;
  ASSERT_OK_AND_ASSIGN(std::vector<AuditRecord> changes, registry_->AuditLog(eve_, since));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].action, "model.create");
  EXPECT_EQ(changes[1].action, "version.register");
  EXPECT_EQ(changes[1].entity, "model/credit/version/1");
  EXPECT_EQ(changes[1].before, "null");
  EXPECT_NE(changes[1].after.find("\"artifact\":\"sha256:"), std::string::npos) << changes[1].after;
}

TEST_P(RegistryTest, RolesAndModelGrantsDecideWhoMayDoWhat) {
  CreateTeam();
  ModelSpec spec;
  spec.name = "churn";
  EXPECT_STATUS(registry_->CreateModel(eve_, spec), StatusCode::kPermissionDenied, "user 'eve' (viewer) may not create a model");
  EXPECT_STATUS(registry_->CreateUser(bob_, "x", Role::kAdmin), StatusCode::kPermissionDenied, "administer");
  CreateCreditModel();
  ASSERT_OK_AND_ASSIGN(std::string frank, registry_->CreateUser(admin_, "frank", Role::kDataScientist));
  EXPECT_STATUS(Register("credit", 1, frank), StatusCode::kPermissionDenied, "on model 'credit'");
  ASSERT_OK(registry_->GrantModelRole(admin_, "credit", "frank", Role::kDataScientist));
  ASSERT_OK_AND_ASSIGN(VersionInfo v, Register("credit", 1, frank));
  EXPECT_EQ(v.creator, "frank");
  EXPECT_STATUS(registry_->Promote(alice_, "credit", 1, "development", ""), StatusCode::kPermissionDenied, "promote");
  EXPECT_STATUS(registry_->SetAlias(carol_, "credit", "champion", 1, ""), StatusCode::kPermissionDenied, "alias");
  EXPECT_STATUS(registry_->PrepareDecision(carol_, "credit", 1, "production", "maybe", "c"),
                StatusCode::kInvalidArgument, "approve or reject");
}

TEST_P(RegistryTest, RegisteringValidatesTheArtifactAndNumbersVersionsFromOne) {
  CreateTeam();
  CreateCreditModel();
  RegisterVersionRequest bad;
  bad.model = "credit";
  bad.artifact = R"({"format": "podium-pipeline", "format_version": 1, "inputs": []})";
  EXPECT_STATUS(registry_->RegisterVersion(alice_, bad), StatusCode::kInvalidArgument, "not a valid Podium pipeline");
  bad.artifact = "not json";
  EXPECT_STATUS(registry_->RegisterVersion(alice_, bad), StatusCode::kInvalidArgument, "not a valid Podium pipeline");
  ASSERT_OK_AND_ASSIGN(ModelInfo model, registry_->GetModel(alice_, "credit"));
  EXPECT_EQ(model.latest_version, 0);

  for (int i = 1; i <= 3; ++i) {
    ASSERT_OK_AND_ASSIGN(VersionInfo v, Register("credit", i));
    EXPECT_EQ(v.number, i);
    Result<Pipeline> pipeline = ReadPipelineJson(testing::CreditPipelineArtifact(i));
    ASSERT_TRUE(pipeline.ok());
    EXPECT_EQ(v.artifact_digest, PipelineDigest(*pipeline));
    EXPECT_EQ(v.features, (std::vector<std::string>{"age", "income", "debt", "home", "vip"}));
  }
  ASSERT_OK_AND_ASSIGN(VersionInfo v2, registry_->GetVersion(eve_, "credit", 2));
  EXPECT_EQ(v2.creator, "alice");
  EXPECT_DOUBLE_EQ(v2.metrics.at("auc"), 0.72);
  EXPECT_EQ(v2.code_ref, "git:abc2");
  EXPECT_EQ(v2.hyperparameters, R"({"l2":0.1,"max_iter":100})");
  ASSERT_OK_AND_ASSIGN(std::string bytes, registry_->GetArtifact(eve_, "credit", 2));
  EXPECT_EQ(bytes, testing::CreditPipelineArtifact(2));
  EXPECT_STATUS(registry_->GetVersion(eve_, "credit", 9), StatusCode::kNotFound, "has no version 9");
  EXPECT_STATUS(registry_->GetModel(eve_, "nope"), StatusCode::kNotFound, "'nope' is not registered");
  RegisterVersionRequest odd;
  odd.model = "credit";
  odd.artifact = testing::CreditPipelineArtifact(4);
  odd.source = "sas";
  EXPECT_STATUS(registry_->RegisterVersion(alice_, odd), StatusCode::kInvalidArgument, "unknown source 'sas'");
  odd.source = "xgboost";
  odd.source_digest = "sha256:../../etc/passwd";
  EXPECT_STATUS(registry_->RegisterVersion(alice_, odd), StatusCode::kInvalidArgument, "invalid artifact name");
}

TEST_P(RegistryTest, AliasesResolveAndMove) {
  CreateTeam();
  CreateCreditModel();
  for (int i = 1; i <= 3; ++i) ASSERT_OK(Register("credit", i).status());
  ASSERT_OK(registry_->SetAlias(bob_, "credit", "champion", 1, "first"));
  ASSERT_OK(registry_->SetAlias(bob_, "credit", "challenger", 3, "new candidate"));
  ASSERT_OK_AND_ASSIGN(VersionInfo champion, registry_->Resolve(eve_, "credit@champion"));
  EXPECT_EQ(champion.number, 1);
  ASSERT_OK_AND_ASSIGN(VersionInfo latest, registry_->Resolve(eve_, "credit"));
  EXPECT_EQ(latest.number, 3);
  ASSERT_OK_AND_ASSIGN(VersionInfo two, registry_->Resolve(eve_, "credit@2"));
  EXPECT_EQ(two.number, 2);
  ASSERT_OK(registry_->SetAlias(bob_, "credit", "champion", 3, "challenger won"));
  ASSERT_OK_AND_ASSIGN(champion, registry_->Resolve(eve_, "credit@champion"));
  EXPECT_EQ(champion.number, 3);
  ASSERT_OK_AND_ASSIGN(VersionInfo v3, registry_->GetVersion(eve_, "credit", 3));
  EXPECT_EQ(v3.aliases, (std::vector<std::string>{"challenger", "champion"}));
  EXPECT_STATUS(registry_->SetAlias(bob_, "credit", "production", 1, ""), StatusCode::kInvalidArgument, "environment");
  EXPECT_STATUS(registry_->SetAlias(bob_, "credit", "42", 1, ""), StatusCode::kInvalidArgument, "version number");
  EXPECT_STATUS(registry_->SetAlias(bob_, "credit", "../x", 1, ""), StatusCode::kInvalidArgument, "alias name");
  ASSERT_OK(registry_->RemoveAlias(bob_, "credit", "challenger", "done"));
  EXPECT_STATUS(registry_->Resolve(eve_, "credit@challenger"), StatusCode::kNotFound, "no alias or deployment");
  // The audit trail holds each move with before and after.
  AuditQuery query;
  query.entity_prefix = "model/credit/alias/champion";
  ASSERT_OK_AND_ASSIGN(std::vector<AuditRecord> moves, registry_->AuditLog(eve_, query));
  ASSERT_EQ(moves.size(), 2u);
  EXPECT_EQ(moves[1].before, R"({"version":1})");
  EXPECT_EQ(moves[1].after, R"({"version":3})");
  EXPECT_EQ(moves[1].actor, "bob");
  EXPECT_EQ(moves[1].reason, "challenger won");
}

TEST_P(RegistryTest, ProductionNeedsTwoSignedApprovalsOneFromRiskNeverTheAuthor) {
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK(Register("credit", 1).status());
  EXPECT_STATUS(registry_->Promote(bob_, "credit", 1, "production", ""), StatusCode::kFailedPrecondition,
                "not deployed in pre-production");
  ASSERT_OK(registry_->Promote(bob_, "credit", 1, "development", ""));
  EXPECT_STATUS(registry_->Promote(bob_, "credit", 1, "pre-production", ""), StatusCode::kFailedPrecondition,
                "needs 1 approvals, has 0");
  ASSERT_OK(Approve(carol_, carol_key_, "credit", 1, "pre-production"));
  ASSERT_OK(registry_->Promote(bob_, "credit", 1, "pre-production", ""));
  EXPECT_STATUS(registry_->Promote(bob_, "credit", 1, "production", ""), StatusCode::kFailedPrecondition,
                "needs 2 approvals, has 0");
}

TEST_P(RegistryTest, ApprovalWorkflowForProduction) {
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK(Register("credit", 1).status());
  ASSERT_OK(registry_->Promote(bob_, "credit", 1, "development", ""));
  ASSERT_OK(Approve(carol_, carol_key_, "credit", 1, "pre-production"));
  ASSERT_OK(registry_->Promote(bob_, "credit", 1, "pre-production", "shadow"));
  EXPECT_STATUS(registry_->Promote(bob_, "credit", 1, "pre-production", ""), StatusCode::kAlreadyExists, "already");

  // The author may not approve, even holding a key and an approver grant.
  ASSERT_OK(registry_->GrantModelRole(admin_, "credit", "alice", Role::kApprover));
  EXPECT_STATUS(Approve(alice_, alice_key_, "credit", 1, "production"), StatusCode::kPermissionDenied,
                "is the author of version 1");
  // A viewer may not approve.
  EXPECT_STATUS(registry_->Decide(eve_, SignDecision(*registry_->PrepareDecision(eve_, "credit", 1, "production",
                                                                                 "approve", "x"),
                                                     carol_key_)),
                StatusCode::kPermissionDenied, "approve or reject");
  // A signature by another key is refused.
  ASSERT_OK_AND_ASSIGN(ApprovalStatement statement,
                       registry_->PrepareDecision(carol_, "credit", 1, "production", "approve", "fine"));
  EXPECT_STATUS(registry_->Decide(carol_, SignDecision(statement, dave_key_)), StatusCode::kPermissionDenied,
                "signature does not match");
  // A statement altered after signing is refused.
  DecisionRequest altered = SignDecision(statement, carol_key_);
  altered.statement.comment = "something else";
  EXPECT_STATUS(registry_->Decide(carol_, altered), StatusCode::kPermissionDenied, "signature does not match");
  // Signing as someone else is refused.
  EXPECT_STATUS(registry_->Decide(dave_, SignDecision(statement, dave_key_)), StatusCode::kPermissionDenied,
                "names approver 'carol'");

  ASSERT_OK(Approve(carol_, carol_key_, "credit", 1, "production"));
  EXPECT_STATUS(registry_->Promote(bob_, "credit", 1, "production", ""), StatusCode::kFailedPrecondition,
                "needs 2 approvals, has 1");
  ASSERT_OK_AND_ASSIGN(std::string grace, registry_->CreateUser(admin_, "grace", Role::kApprover));
  ASSERT_OK_AND_ASSIGN(SigningKeyPair grace_key, GenerateSigningKeyPair());
  ASSERT_OK(registry_->SetPublicKey(grace, grace_key.public_key_hex));
  ASSERT_OK(Approve(grace, grace_key.secret_key_hex, "credit", 1, "production"));
  EXPECT_STATUS(registry_->Promote(bob_, "credit", 1, "production", ""), StatusCode::kFailedPrecondition,
                "1 approvals from the risk role, has 0");
  ASSERT_OK(Approve(dave_, dave_key_, "credit", 1, "production", "reject"));
  EXPECT_STATUS(registry_->Promote(bob_, "credit", 1, "production", ""), StatusCode::kFailedPrecondition,
                "rejected by dave");
  ASSERT_OK(Approve(dave_, dave_key_, "credit", 1, "production"));  // dave changes his mind; the latest counts
  ASSERT_OK(registry_->Promote(bob_, "credit", 1, "production", "approved by carol, grace, dave"));
  ASSERT_OK_AND_ASSIGN(VersionInfo live, registry_->Resolve(eve_, "credit@production"));
  EXPECT_EQ(live.number, 1);
  ASSERT_OK_AND_ASSIGN(VersionInfo shown, registry_->GetVersion(eve_, "credit", 1));
  EXPECT_EQ(shown.environments, (std::vector<std::string>{"development", "pre-production", "production"}));
  EXPECT_EQ(shown.approvals.size(), 5u);
  ASSERT_OK_AND_ASSIGN(VerifyReport report, registry_->VerifyVersion(eve_, "credit", 1));
  EXPECT_EQ(report.approvals_checked, 5);
  // Each approval verifies offline from what the registry shows.
  for (const ApprovalInfo& a : shown.approvals) ASSERT_OK(VerifySignature(a.statement, a.signature, a.public_key));
}

TEST_P(RegistryTest, StaleSignedStatementsAreRefused) {
  std::atomic<int64_t> minute{0};
  Reopen([&minute] {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "2026-03-01T10:%02lld:00.000000Z", static_cast<long long>(minute.load()));
    return std::string(buffer);
  });
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK(Register("credit", 1).status());
  ASSERT_OK_AND_ASSIGN(ApprovalStatement statement,
                       registry_->PrepareDecision(carol_, "credit", 1, "pre-production", "approve", "ok"));
  EXPECT_EQ(statement.time, "2026-03-01T10:00:00.000000Z");
  minute = 10;
  EXPECT_STATUS(registry_->Decide(carol_, SignDecision(statement, carol_key_)), StatusCode::kFailedPrecondition,
                "sign a fresh statement");
  minute = 3;
  ASSERT_OK(registry_->Decide(carol_, SignDecision(statement, carol_key_)));
}

TEST_P(RegistryTest, AuditLogAnswersWhatWasInProductionOnADateAndWhoPutItThere) {
  std::atomic<int> day{1};
  Reopen([&day] {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "2026-03-%02dT12:00:00.000000Z", day.load());
    return std::string(buffer);
  });
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK(Register("credit", 1).status());
  ASSERT_OK(Register("credit", 2).status());
  day = 5;
  ASSERT_OK(registry_->Promote(bob_, "credit", 1, "development", "first release"));
  day = 9;
  ASSERT_OK(registry_->Promote(bob_, "credit", 2, "development", "retrained on Q1"));
  ASSERT_OK_AND_ASSIGN(DeploymentAt before, registry_->DeployedAt(eve_, "credit", "development", "2026-03-04"));
  EXPECT_FALSE(before.version.has_value());
  ASSERT_OK_AND_ASSIGN(DeploymentAt on7, registry_->DeployedAt(eve_, "credit", "development", "2026-03-07"));
  ASSERT_TRUE(on7.version.has_value());
  EXPECT_EQ(*on7.version, 1);
  EXPECT_EQ(on7.deployed_by, "bob");
  EXPECT_EQ(on7.deployed_at, "2026-03-05T12:00:00.000000Z");
  EXPECT_EQ(on7.reason, "first release");
  ASSERT_OK_AND_ASSIGN(DeploymentAt on9, registry_->DeployedAt(eve_, "credit", "development", "2026-03-09T13:00:00Z"));
  EXPECT_EQ(on9.version.value_or(0), 2);
  EXPECT_EQ(on9.reason, "retrained on Q1");
  EXPECT_STATUS(registry_->DeployedAt(eve_, "credit", "development", "last tuesday"), StatusCode::kInvalidArgument,
                "is not YYYY-MM-DD");
  AuditQuery window;
  window.since = "2026-03-05";
  window.until = "2026-03-06";
  ASSERT_OK_AND_ASSIGN(std::vector<AuditRecord> records, registry_->AuditLog(eve_, window));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].action, "deployment.set");
}

TEST_P(RegistryTest, AnEditedAuditRecordIsDetected) {
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK(Register("credit", 1).status());
  ASSERT_OK_AND_ASSIGN(int64_t count, registry_->VerifyAudit(eve_));
  EXPECT_EQ(count, 1 + 5 + 3 + 1 + 1);  // users, keys, model, version
  auto db = RawDatabase();
  ASSERT_OK(db->Write([](Transaction& tx) {
    return tx.Exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4");
  }));
  EXPECT_STATUS(registry_->VerifyAudit(eve_), StatusCode::kDataLoss, "audit record 4");
}

TEST_P(RegistryTest, ADeletedAuditRecordIsDetected) {
  CreateTeam();
  auto db = RawDatabase();
  ASSERT_OK(db->Write([](Transaction& tx) { return tx.Exec("DELETE FROM audit_log WHERE seq = 2"); }));
  EXPECT_STATUS(registry_->VerifyAudit(eve_), StatusCode::kDataLoss, "audit record 2 is missing");
}

TEST_P(RegistryTest, DeletingTheNewestAuditRecordIsDetected) {
  CreateTeam();
  auto db = RawDatabase();
  ASSERT_OK(db->Write([](Transaction& tx) {
    return tx.Exec("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)");
  }));
  EXPECT_STATUS(registry_->VerifyAudit(eve_), StatusCode::kDataLoss, "records were removed");
}

TEST_P(RegistryTest, ATamperedArtifactByteIsDetected) {
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK_AND_ASSIGN(VersionInfo v, Register("credit", 1));
  const std::string hex = v.artifact_digest.substr(7);
  const std::string path = store_->options().data_dir + "/artifacts/sha256/" + hex.substr(0, 2) + "/" + hex.substr(2);
  ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFileToString(path));
  bytes[bytes.size() / 2] ^= 0x01;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  EXPECT_STATUS(registry_->GetArtifact(eve_, "credit", 1), StatusCode::kDataLoss, "is corrupt");
  EXPECT_STATUS(registry_->VerifyVersion(eve_, "credit", 1), StatusCode::kDataLoss, "is corrupt");
}

TEST_P(RegistryTest, FeaturePoliciesRefuseRegistrationAndPromotionWithTheReason) {
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK(Register("credit", 1).status());
  ASSERT_OK(registry_->AddFeaturePolicy(admin_, {"eu-credit-age", "credit", "EU", {"age"},
                                                 "age may not drive EU credit decisions"}));
  EXPECT_STATUS(Register("credit", 2), StatusCode::kFailedPrecondition,
                "feature 'age' is forbidden by policy 'eu-credit-age' (use credit, jurisdiction EU): age may not drive");
  EXPECT_STATUS(registry_->Promote(bob_, "credit", 1, "development", ""), StatusCode::kFailedPrecondition,
                "eu-credit-age");
  // Another jurisdiction is not affected.
  ModelSpec us;
  us.name = "credit-us";
  us.use_case = "credit";
  us.jurisdiction = "US";
  us.restricted_features = {"vip"};
  ASSERT_OK(registry_->CreateModel(alice_, us));
  EXPECT_STATUS(Register("credit-us", 1), StatusCode::kFailedPrecondition, "feature 'vip' is restricted for this model");
  ASSERT_OK_AND_ASSIGN(ModelInfo model, registry_->GetModel(eve_, "credit-us"));
  EXPECT_EQ(model.latest_version, 0);
}

TEST_P(RegistryTest, RetiringAModelOthersDependOnIsRefusedWithTheList) {
  CreateTeam();
  CreateCreditModel("credit");
  CreateCreditModel("fraud");
  CreateCreditModel("limits");
  ASSERT_OK(registry_->AddDependency(alice_, "fraud", "credit", "uses credit score"));
  ASSERT_OK(registry_->AddDependency(alice_, "limits", "credit", "uses credit score"));
  EXPECT_STATUS(registry_->AddDependency(alice_, "credit", "limits", ""), StatusCode::kFailedPrecondition, "cycle");
  EXPECT_STATUS(registry_->ArchiveModel(bob_, "credit", "replaced"), StatusCode::kFailedPrecondition,
                "cannot be retired: fraud, limits depend on it");
  ASSERT_OK(registry_->ArchiveModel(bob_, "fraud", "retired"));
  ASSERT_OK(registry_->ArchiveModel(bob_, "limits", "retired"));
  ASSERT_OK(registry_->ArchiveModel(bob_, "credit", "replaced"));
  EXPECT_STATUS(Register("credit", 1), StatusCode::kFailedPrecondition, "archived");
  ASSERT_OK_AND_ASSIGN(std::vector<ModelInfo> active, registry_->ListModels(eve_));
  EXPECT_TRUE(active.empty());
  ASSERT_OK_AND_ASSIGN(std::vector<ModelInfo> all, registry_->ListModels(eve_, true));
  EXPECT_EQ(all.size(), 3u);
}

TEST_P(RegistryTest, ArchivingAVersionInUseIsRefused) {
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK(Register("credit", 1).status());
  ASSERT_OK(registry_->SetAlias(bob_, "credit", "champion", 1, ""));
  EXPECT_STATUS(registry_->ArchiveVersion(bob_, "credit", 1, ""), StatusCode::kFailedPrecondition, "alias champion");
  ASSERT_OK(registry_->RemoveAlias(bob_, "credit", "champion", ""));
  ASSERT_OK(registry_->ArchiveVersion(bob_, "credit", 1, "superseded"));
  EXPECT_STATUS(registry_->Promote(bob_, "credit", 1, "development", ""), StatusCode::kFailedPrecondition, "archived");
}

TEST_P(RegistryTest, DatasetsAndLineage) {
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK(registry_->RegisterDataset(alice_, {"loans", "2024-q1", "sha256:aa", R"({"age":"integer"})", 50000,
                                                R"({"age":{"mean":41.2}})", "", ""}));
  ASSERT_OK(registry_->RegisterDataset(alice_, {"loans", "2024-q2", "sha256:bb", "{}", 20000, "{}", "", ""}));
  EXPECT_STATUS(registry_->RegisterDataset(alice_, {"loans", "2024-q1", "sha256:cc", "{}", 1, "{}", "", ""}),
                StatusCode::kAlreadyExists, "registered already");
  RegisterVersionRequest request;
  request.model = "credit";
  request.artifact = testing::CreditPipelineArtifact(1);
  request.datasets = {{"loans", "2024-q1", "training"}, {"loans", "2024-q2", "validation"}};
  ASSERT_OK(registry_->RegisterVersion(alice_, request).status());
  request.datasets = {{"loans", "2023", "training"}};
  EXPECT_STATUS(registry_->RegisterVersion(alice_, request), StatusCode::kNotFound, "version '2023' is not registered");
  ASSERT_OK_AND_ASSIGN(Lineage lineage, registry_->GetLineage(eve_, "credit", 1));
  ASSERT_EQ(lineage.datasets.size(), 2u);
  EXPECT_EQ(lineage.datasets[0].version, "2024-q1");
  EXPECT_EQ(lineage.datasets[0].row_count, 50000);
  EXPECT_EQ(lineage.datasets[0].profile, R"({"age":{"mean":41.2}})");
  EXPECT_EQ(lineage.version.datasets[0].role, "training");
  EXPECT_EQ(lineage.version.datasets[1].role, "validation");
}

TEST_P(RegistryTest, SearchByTextOwnerStageAliasDatasetAndMetrics) {
  CreateTeam();
  CreateCreditModel("credit");
  ModelSpec churn;
  churn.name = "telco-churn";
  churn.description = "Predicts subscriber churn";
  churn.tags = {"retention"};
  ASSERT_OK_AND_ASSIGN(std::string frank, registry_->CreateUser(admin_, "frank", Role::kDataScientist));
  ASSERT_OK(registry_->CreateModel(frank, churn));
  ASSERT_OK(registry_->RegisterDataset(alice_, {"loans", "v1", "sha256:aa", "{}", 1, "{}", "", ""}));
  for (int i = 1; i <= 3; ++i) ASSERT_OK(Register("credit", i).status());
  RegisterVersionRequest request;
  request.model = "telco-churn";
  request.artifact = testing::CreditPipelineArtifact(9);
  request.metrics = {{"auc", 0.9}};
  request.datasets = {{"loans", "v1", "training"}};
  ASSERT_OK(registry_->RegisterVersion(frank, request).status());
  ASSERT_OK(registry_->SetAlias(bob_, "credit", "champion", 2, ""));
  ASSERT_OK(registry_->Promote(bob_, "credit", 3, "development", ""));

  auto search = [&](SearchQuery q) {
    std::vector<std::string> out;
    Result<std::vector<SearchHit>> hits = registry_->Search(eve_, q);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    if (hits.ok()) {
      for (const SearchHit& h : *hits) out.push_back(h.model + "@" + std::to_string(h.version));
    }
    return out;
  };
  SearchQuery q;
  q.text = "CREDIT";
  EXPECT_EQ(search(q), (std::vector<std::string>{"credit@3", "credit@2", "credit@1"}));
  q.text = "subscr";  // prefix of a description word
  EXPECT_EQ(search(q), (std::vector<std::string>{"telco-churn@1"}));
  q.text = "retention churn";
  EXPECT_EQ(search(q), (std::vector<std::string>{"telco-churn@1"}));
  q.text = "retention credit";
  EXPECT_TRUE(search(q).empty());
  q = {};
  q.owner = "frank";
  EXPECT_EQ(search(q), (std::vector<std::string>{"telco-churn@1"}));
  q = {};
  q.environment = "development";
  EXPECT_EQ(search(q), (std::vector<std::string>{"credit@3"}));
  q = {};
  q.alias = "champion";
  EXPECT_EQ(search(q), (std::vector<std::string>{"credit@2"}));
  q = {};
  q.dataset = "loans";
  EXPECT_EQ(search(q), (std::vector<std::string>{"telco-churn@1"}));
  q = {};
  q.metrics = {{"auc", 0.715, 0.735}};
  EXPECT_EQ(search(q), (std::vector<std::string>{"credit@3", "credit@2"}));
  q.metrics = {{"auc", 0.8, std::nullopt}};
  EXPECT_EQ(search(q), (std::vector<std::string>{"telco-churn@1"}));
}

TEST_P(RegistryTest, ModelCardAndDiffComeFromTheRegistry) {
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK(registry_->RegisterDataset(alice_, {"loans", "v1", "sha256:aa", "{}", 1234, "{}", "", ""}));
  RegisterVersionRequest request;
  request.model = "credit";
  request.artifact = testing::CreditPipelineArtifact(1);
  request.metrics = {{"auc", 0.71}};
  request.hyperparameters = R"({"l2": 0.1})";
  request.datasets = {{"loans", "v1", "training"}};
  ASSERT_OK(registry_->RegisterVersion(alice_, request).status());
  request.artifact = testing::CreditPipelineArtifact(5);
  request.metrics = {{"auc", 0.75}};
  request.hyperparameters = R"({"l2": 0.2})";
  ASSERT_OK(registry_->RegisterVersion(alice_, request).status());
  ASSERT_OK(registry_->Promote(bob_, "credit", 1, "development", ""));
  ASSERT_OK(Approve(carol_, carol_key_, "credit", 1, "pre-production"));

  ASSERT_OK_AND_ASSIGN(std::string card, registry_->ModelCard(eve_, "credit", 1, "markdown"));
  EXPECT_NE(card.find("# Model card: credit version 1"), std::string::npos) << card;
  EXPECT_NE(card.find("Scoring consumer loan applications in the EU"), std::string::npos);
  EXPECT_NE(card.find("| age | integer | [0, 120] |"), std::string::npos) << card;
  EXPECT_NE(card.find("| loans | v1 | training | 1234 |"), std::string::npos) << card;
  EXPECT_NE(card.find("| auc | 0.71 |"), std::string::npos);
  EXPECT_NE(card.find("| pre-production | approve | carol | approver |"), std::string::npos) << card;
  EXPECT_NE(card.find("GLM (binomial, logit link) over 7 features"), std::string::npos) << card;
  ASSERT_OK_AND_ASSIGN(std::string html, registry_->ModelCard(eve_, "credit", 1, "html"));
  EXPECT_NE(html.find("<h1>Model card: credit version 1</h1>"), std::string::npos);
  EXPECT_NE(html.find("<td>age</td>"), std::string::npos);
  EXPECT_STATUS(registry_->ModelCard(eve_, "credit", 1, "pdf"), StatusCode::kInvalidArgument, "markdown or html");

  ASSERT_OK_AND_ASSIGN(std::string diff, registry_->Diff(eve_, "credit", 1, 2));
  EXPECT_NE(diff.find("schema (inputs): unchanged"), std::string::npos) << diff;
  EXPECT_NE(diff.find("transforms: unchanged"), std::string::npos) << diff;
  EXPECT_NE(diff.find("coefficients:\n  ~ age_z: "), std::string::npos) << diff;
  EXPECT_NE(diff.find("  ~ l2: 0.1 -> 0.2"), std::string::npos) << diff;
  EXPECT_NE(diff.find("  ~ auc: 0.71 -> 0.75"), std::string::npos) << diff;
}

TEST_P(RegistryTest, ReopeningKeepsEverythingAndMigrationsRunOnce) {
  CreateTeam();
  CreateCreditModel();
  ASSERT_OK(Register("credit", 1).status());
  Reopen();
  Reopen();
  ASSERT_OK_AND_ASSIGN(VersionInfo v, registry_->Resolve(eve_, "credit"));
  EXPECT_EQ(v.number, 1);
  auto db = RawDatabase();
  ASSERT_OK(db->Read([](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT version FROM schema_migrations"));
    EXPECT_EQ(rows.size(), 1u);
    return Status::Ok();
  }));
  ASSERT_OK_AND_ASSIGN(std::vector<EnvironmentInfo> envs, registry_->ListEnvironments(eve_));
  ASSERT_EQ(envs.size(), 3u);
  EXPECT_EQ(envs[2].name, "production");
  EXPECT_EQ(envs[2].policy.required_approvals, 2);
  EXPECT_EQ(envs[2].policy.required_risk_approvals, 1);
}

TEST_P(RegistryTest, EnvironmentsAreConfigurable) {
  CreateTeam();
  EXPECT_STATUS(registry_->ConfigureEnvironment(admin_, {"staging", 1, {1, 1}}), StatusCode::kAlreadyExists,
                "environment 'pre-production' has order 1 already");
  EXPECT_STATUS(registry_->ConfigureEnvironment(bob_, {"canary", 3, {1, 0}}), StatusCode::kPermissionDenied,
                "administer");
  ASSERT_OK(registry_->ConfigureEnvironment(admin_, {"canary", 3, {1, 0}}));
  CreateCreditModel();
  ASSERT_OK(Register("credit", 1).status());
  ASSERT_OK(registry_->Promote(bob_, "credit", 1, "development", ""));
  EXPECT_STATUS(registry_->Promote(bob_, "credit", 1, "canary", ""), StatusCode::kFailedPrecondition,
                "not deployed in production");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, RegistryTest, ::testing::Values(Backend::kSqlite),
                         [](const auto&) { return std::string("sqlite"); });
INSTANTIATE_TEST_SUITE_P(Postgres, RegistryTest, ::testing::Values(Backend::kPostgres),
                         [](const auto&) { return std::string("postgres"); });

}  // namespace
}  // namespace podium::registry
