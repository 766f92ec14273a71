// The registry API (/v1/registry/...) over real sockets on 127.0.0.1: every
// endpoint group's happy path, refusals without or with the wrong token
// (401/403), bad input (4xx naming the field), pagination walks and the
// artifact round trip.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "base/base64.h"
#include "base/file.h"
#include "http/registry_api.h"
#include "http/registry_json.h"
#include "http/test_client.h"
#include "pipeline/pipeline_json.h"
#include "registry/artifact_store.h"
#include "registry/signature.h"

namespace podium::http {
namespace {

using nlohmann::json;
using testing::ClientResponse;
using testing::RunningServer;
using testing::SourcePath;
using testing::TestClient;
using testing::TestConfig;

json Body(const ClientResponse& r) { return json::parse(r.body, nullptr, false); }

std::string ErrorOf(const ClientResponse& r) {
  json body = Body(r);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_string()) return "<no error member>";
  return body["error"].get<std::string>();
}

std::string ReadSource(const std::string& relative) {
  Result<std::string> text = ReadFileToString(SourcePath(relative));
  return text.ok() ? *text : std::string();
}

// One server with a fresh registry per test suite; tests build on a shared
// admin and create their own models, so they do not depend on each other.
class RegistryApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("podium_registry_api_test_" + std::to_string(::getpid())));
    std::filesystem::remove_all(*dir_);
    ServerConfig config = TestConfig();
    config.data_dir = dir_->string();
    config.models.push_back({"churn", SourcePath("data/demo/churn_pipeline.json"), "", "champion", 0, "", {}});
    server_ = new RunningServer(config);
    ASSERT_TRUE(server_->ok()) << server_->error().ToString();
    ClientResponse admin = Send("POST", "/v1/registry/users:init-admin", R"({"name": "root"})", "secret");
    ASSERT_EQ(admin.status, 201) << admin.body;
    admin_ = new std::string(Body(admin)["token"].get<std::string>());
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete admin_;
  }

  static ClientResponse Send(const std::string& method, const std::string& target, const std::string& body = "",
                             const std::string& token = "") {
    TestClient client(server_->port());
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    return client.Send(method, target, body, headers);
  }
  static ClientResponse Get(const std::string& target, const std::string& token) {
    return Send("GET", target, "", token);
  }

  // A new user of `role`; returns its token.
  std::string User(const std::string& name, const std::string& role) {
    ClientResponse r = Send("POST", "/v1/registry/users", json{{"name", name}, {"role", role}}.dump(), *admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r).value("token", "");
  }
  void CreateModel(const std::string& name, const std::string& token, const std::string& description = "") {
    ClientResponse r = Send("POST", "/v1/registry/models",
                            json{{"name", name}, {"description", description}, {"tags", {"test"}}}.dump(), token);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  ClientResponse Register(const std::string& model, const std::string& file, const std::string& token,
                          json extra = json::object()) {
    extra["artifact_base64"] = Base64Encode(ReadSource(file));
    return Send("POST", "/v1/registry/models/" + model + "/versions", extra.dump(), token);
  }
  // Every item of a paginated list, walking next_page_token; fails the test
  // on a page larger than the limit.
  std::vector<json> Walk(const std::string& target, const std::string& list, int limit, const std::string& token,
                         int* pages) {
    std::vector<json> items;
    std::string next = target + (target.find('?') == std::string::npos ? "?" : "&") + "limit=" + std::to_string(limit);
    *pages = 0;
    while (!next.empty() && *pages < 100) {
      ClientResponse r = Get(next, token);
      EXPECT_EQ(r.status, 200) << next << ": " << r.body;
      json body = Body(r);
      EXPECT_LE(body[list].size(), static_cast<size_t>(limit));
      for (const json& item : body[list]) items.push_back(item);
      ++*pages;
      next = body.contains("next") ? body["next"].get<std::string>() : "";
      if (!next.empty()) {
        EXPECT_EQ(r.headers["link"], "<" + next + ">; rel=\"next\"");
      }
    }
    return items;
  }

  static RunningServer* server_;
  static std::filesystem::path* dir_;
  static std::string* admin_;
};
RunningServer* RegistryApiTest::server_ = nullptr;
std::filesystem::path* RegistryApiTest::dir_ = nullptr;
std::string* RegistryApiTest::admin_ = nullptr;

// --- bootstrap, users, tokens, keys ------------------------------------------------

// With a registry, the server also accepts registry tokens: any role may
// score and read, and only a role that may promote may act on served models.
TEST_F(RegistryApiTest, RegistryTokensScoreAndRolesGuardAdminActions) {
  const std::string record =
      R"({"records": [{"account_length": 120, "total_day_minutes": 265.1, "total_eve_minutes": 197.4,
      "total_night_minutes": 244.7, "total_intl_minutes": 10, "total_intl_calls": 3,
      "number_customer_service_calls": 1, "total_day_charge": 45.07, "total_eve_charge": 16.78,
      "total_night_charge": 11.01, "total_intl_charge": 2.7, "number_vmail_messages": 25,
      "international_plan": "no", "voice_mail_plan": "yes"}]})";
  const std::string viewer = User("scoring-app", "viewer");
  const std::string ops = User("ops-oncall", "mlops");
  ClientResponse scored = Send("POST", "/v1/models/churn:predict", record, viewer);
  EXPECT_EQ(scored.status, 200) << scored.body;
  EXPECT_EQ(Get("/v1/models/churn/status", viewer).status, 200);
  EXPECT_EQ(Get("/metrics", viewer).status, 200);

  ClientResponse refused = Send("POST", "/v1/admin/models/churn:disable", "", viewer);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(ErrorOf(refused).find("'viewer'"), std::string::npos) << refused.body;
  ClientResponse disabled = Send("POST", "/v1/admin/models/churn:disable", "", ops);
  EXPECT_EQ(disabled.status, 200) << disabled.body;
  ClientResponse enabled = Send("POST", "/v1/admin/models/churn:enable", "", ops);
  EXPECT_EQ(enabled.status, 200) << enabled.body;
  EXPECT_EQ(Send("POST", "/v1/models/churn:predict", record, viewer).status, 200);

  ClientResponse bogus = Send("POST", "/v1/models/churn:predict", record, "not-a-token");
  EXPECT_EQ(bogus.status, 401) << bogus.body;
  EXPECT_EQ(Send("POST", "/v1/admin/models/churn:disable", "", "not-a-token").status, 403);
}

TEST_F(RegistryApiTest, BootstrapNeedsTheServerTokenAndHappensOnce) {
  ClientResponse none = Send("POST", "/v1/registry/users:init-admin", R"({"name": "eve"})");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer");
  ClientResponse wrong = Send("POST", "/v1/registry/users:init-admin", R"({"name": "eve"})", *admin_);
  EXPECT_EQ(wrong.status, 403) << "a registry token is not the server's token";
  ClientResponse again = Send("POST", "/v1/registry/users:init-admin", R"({"name": "eve"})", "secret");
  EXPECT_EQ(again.status, 412) << again.body;
  EXPECT_EQ(Body(again)["code"], "FAILED_PRECONDITION");
}

TEST_F(RegistryApiTest, UsersTokensAndKeys) {
  const std::string alice = User("alice-u", "data-scientist");
  ClientResponse me = Get("/v1/registry/whoami", alice);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Body(me)["name"], "alice-u");
  EXPECT_EQ(Body(me)["role"], "data-scientist");

  EXPECT_EQ(Get("/v1/registry/whoami", "").status, 401);
  EXPECT_EQ(Get("/v1/registry/whoami", "pdm_not_a_token").status, 401);
  ClientResponse denied = Send("POST", "/v1/registry/users", R"({"name": "mallory", "role": "admin"})", alice);
  EXPECT_EQ(denied.status, 403) << denied.body;

  ClientResponse bad_role = Send("POST", "/v1/registry/users", R"({"name": "bob-u", "role": "boss"})", *admin_);
  EXPECT_EQ(bad_role.status, 400);
  EXPECT_NE(ErrorOf(bad_role).find("role"), std::string::npos) << bad_role.body;
  ClientResponse typo = Send("POST", "/v1/registry/users", R"({"name": "bob-u", "rol": "viewer"})", *admin_);
  EXPECT_EQ(typo.status, 400);
  ClientResponse wrong_type = Send("POST", "/v1/registry/users", R"({"name": 7, "role": "viewer"})", *admin_);
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(ErrorOf(wrong_type), "name: expected a string");

  ClientResponse issued = Send("POST", "/v1/registry/users/alice-u/tokens", "", alice);
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string second = Body(issued)["token"];
  EXPECT_EQ(Get("/v1/registry/whoami", second).status, 200);

  registry::SigningKeyPair pair = *registry::GenerateSigningKeyPair();
  ClientResponse key =
      Send("PUT", "/v1/registry/whoami/public-key", json{{"public_key", pair.public_key_hex}}.dump(), alice);
  ASSERT_EQ(key.status, 200) << key.body;
  EXPECT_EQ(Body(key)["public_key"], pair.public_key_hex);
  ClientResponse bad_key = Send("PUT", "/v1/registry/whoami/public-key", R"({"public_key": "zz"})", alice);
  EXPECT_EQ(bad_key.status, 400);

  ClientResponse revoked = Send("DELETE", "/v1/registry/users/alice-u/tokens", "", *admin_);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(Body(revoked)["revoked"], 2);
  EXPECT_EQ(Get("/v1/registry/whoami", alice).status, 401);
  EXPECT_EQ(Get("/v1/registry/whoami", second).status, 401);
}

TEST_F(RegistryApiTest, GrantsGiveARoleOnOneModel) {
  const std::string owner = User("olivia-g", "data-scientist");
  const std::string colleague = User("colin-g", "data-scientist");
  CreateModel("shared-g", owner);
  EXPECT_EQ(Register("shared-g", "src/pipeline/testdata/credit_glm.json", colleague).status, 403);
  ClientResponse denied = Send("POST", "/v1/registry/models/shared-g/grants",
                               R"({"user": "colin-g", "role": "data-scientist"})", owner);
  EXPECT_EQ(denied.status, 403) << "grants are for admins";
  ClientResponse bad = Send("POST", "/v1/registry/models/shared-g/grants", R"({"user": "colin-g"})", *admin_);
  EXPECT_EQ(ErrorOf(bad), "role: required");
  ClientResponse granted = Send("POST", "/v1/registry/models/shared-g/grants",
                                R"({"user": "colin-g", "role": "data-scientist"})", *admin_);
  ASSERT_EQ(granted.status, 200) << granted.body;
  EXPECT_EQ(Register("shared-g", "src/pipeline/testdata/credit_glm.json", colleague).status, 201);
  EXPECT_EQ(Send("POST", "/v1/registry/models/nope-g/grants", R"({"user": "colin-g", "role": "viewer"})", *admin_)
                .status,
            404);
}

// --- environments and feature policies ---------------------------------------------

TEST_F(RegistryApiTest, EnvironmentsAndFeaturePolicies) {
  const std::string viewer = User("vera-e", "viewer");
  ClientResponse set =
      Send("PUT", "/v1/registry/environments/canary", R"({"order": 5, "required_approvals": 1})", *admin_);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Send("PUT", "/v1/registry/environments/canary", R"({"order": 5})", viewer).status, 403);
  ClientResponse no_order = Send("PUT", "/v1/registry/environments/canary", R"({"required_approvals": 1})", *admin_);
  EXPECT_EQ(no_order.status, 400);
  EXPECT_EQ(ErrorOf(no_order), "order: required");

  int pages = 0;
  std::vector<json> environments = Walk("/v1/registry/environments", "environments", 2, viewer, &pages);
  std::vector<std::string> names;
  for (const json& e : environments) names.push_back(e["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"development", "pre-production", "production", "canary"}));
  EXPECT_EQ(pages, 2);

  ClientResponse policy = Send("POST", "/v1/registry/feature-policies",
                               R"({"name": "no-age", "use_case": "hr", "forbidden_features": ["age"],
                                   "reason": "equal treatment"})",
                               *admin_);
  ASSERT_EQ(policy.status, 201) << policy.body;
  ClientResponse policies = Get("/v1/registry/feature-policies", viewer);
  ASSERT_EQ(policies.status, 200);
  EXPECT_EQ(Body(policies)["feature_policies"][0]["name"], "no-age");
  EXPECT_EQ(Body(policies)["feature_policies"][0]["jurisdiction"], "*");
  ClientResponse no_reason =
      Send("POST", "/v1/registry/feature-policies", R"({"name": "x", "forbidden_features": ["a"]})", *admin_);
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_EQ(ErrorOf(no_reason), "reason: required");
}

// --- models and pagination ------------------------------------------------------------

TEST_F(RegistryApiTest, ModelsPageWithoutDuplicatesOrGaps) {
  const std::string ds = User("dora-m", "data-scientist");
  std::set<std::string> created;
  for (int i = 0; i < 7; ++i) {
    const std::string name = "paged-" + std::to_string(i);
    CreateModel(name, ds, "paged model");
    created.insert(name);
  }
  int pages = 0;
  std::vector<json> models = Walk("/v1/registry/models", "models", 3, ds, &pages);
  std::vector<std::string> names;
  for (const json& m : models) names.push_back(m["name"]);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size()) << "no duplicates";
  for (const std::string& name : created) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name << " missing";
  }
  EXPECT_EQ(pages, static_cast<int>((names.size() + 2) / 3));

  // A model created between two pages lands on a later page; nothing repeats.
  ClientResponse first = Get("/v1/registry/models?limit=2", ds);
  ASSERT_EQ(first.status, 200);
  CreateModel("aaa-late", ds);
  ClientResponse second = Get(Body(first)["next"], ds);
  ASSERT_EQ(second.status, 200);
  const json first_page = Body(first);
  const json second_page = Body(second);
  for (const json& m : second_page["models"]) {
    for (const json& seen : first_page["models"]) EXPECT_NE(m["name"], seen["name"]);
  }

  ClientResponse got = Get("/v1/registry/models/paged-3", ds);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Body(got)["owner"], "dora-m");
  EXPECT_EQ(Body(got)["tags"], json::array({"test"}));
  EXPECT_EQ(Get("/v1/registry/models/nope", ds).status, 404);
  EXPECT_EQ(Get("/v1/registry/models", "").status, 401);

  for (const char* bad : {"limit=0", "limit=1001", "limit=ten", "page_token=%%%", "page_token=bm9wZQ"}) {
    ClientResponse r = Get(std::string("/v1/registry/models?") + bad, ds);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_NE(ErrorOf(r).find(std::string(bad).substr(0, 4)), std::string::npos) << bad << ": " << r.body;
  }
  // A token of another list is refused.
  const std::string users_token = Body(Get("/v1/registry/users?limit=1", *admin_))["next_page_token"];
  EXPECT_EQ(Get("/v1/registry/models?page_token=" + users_token, ds).status, 400);
  EXPECT_EQ(Get("/v1/registry/models?limt=3", ds).status, 400) << "unknown query parameters are refused";

  ClientResponse archived = Send("POST", "/v1/registry/models/paged-6:archive", R"({"reason": "done"})", *admin_);
  ASSERT_EQ(archived.status, 200) << archived.body;
  std::vector<json> visible = Walk("/v1/registry/models", "models", 1000, ds, &pages);
  for (const json& m : visible) EXPECT_NE(m["name"], "paged-6");
  std::vector<json> all = Walk("/v1/registry/models?include_archived=true", "models", 1000, ds, &pages);
  EXPECT_EQ(all.size(), visible.size() + 1);
}

// --- versions, artifacts, aliases, promotion, approvals -------------------------------------

TEST_F(RegistryApiTest, ArtifactRoundTripIsByteIdentical) {
  const std::string ds = User("dan-a", "data-scientist");
  CreateModel("credit-a", ds);
  ClientResponse registered = Register("credit-a", "src/pipeline/testdata/credit_glm.json", ds,
                                       {{"metrics", {{"auc", 0.71}}}, {"hyperparameters", {{"eta", 0.1}}},
                                        {"code_ref", "git:abc"}, {"reason", "first"}});
  ASSERT_EQ(registered.status, 201) << registered.body;
  const json version = Body(registered);
  EXPECT_EQ(version["version"], 1);
  EXPECT_EQ(version["source"], "podium");
  EXPECT_EQ(version["metrics"]["auc"], 0.71);
  EXPECT_EQ(version["hyperparameters"]["eta"], 0.1);
  EXPECT_EQ(registered.headers["location"], "/v1/registry/models/credit-a/versions/1");

  ClientResponse artifact = Get("/v1/registry/models/credit-a/versions/1/artifact", ds);
  ASSERT_EQ(artifact.status, 200) << artifact.body;
  const std::string digest = registry::ArtifactDigest(artifact.body);
  EXPECT_EQ(digest, version["artifact_digest"]);
  EXPECT_EQ(artifact.headers["x-podium-artifact-digest"], digest);
  Result<Pipeline> original = ReadPipelineJson(ReadSource("src/pipeline/testdata/credit_glm.json"));
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(artifact.body, WritePipelineJson(*original, false)) << "the stored bytes are the canonical pipeline";
  ASSERT_NE(server_->server().registry(), nullptr);
  Result<std::string> direct = server_->server().registry()->GetArtifact(ds, "credit-a", 1);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(artifact.body, *direct);

  // XGBoost files are imported on the server; the original's digest is kept.
  ClientResponse xgb = Register("credit-a", "src/formats/testdata/xgboost/binary_logistic.json", ds,
                                {{"format", "xgboost"}});
  ASSERT_EQ(xgb.status, 201) << xgb.body;
  EXPECT_EQ(Body(xgb)["source"], "xgboost");
  EXPECT_EQ(Body(xgb)["source_digest"],
            registry::ArtifactDigest(ReadSource("src/formats/testdata/xgboost/binary_logistic.json")));
}

TEST_F(RegistryApiTest, RegisterRefusesBadInput) {
  const std::string ds = User("dina-r", "data-scientist");
  const std::string viewer = User("vic-r", "viewer");
  CreateModel("credit-r", ds);
  const std::string target = "/v1/registry/models/credit-r/versions";
  ClientResponse not_base64 = Send("POST", target, R"({"artifact_base64": "@@@@"})", ds);
  EXPECT_EQ(not_base64.status, 400);
  EXPECT_NE(ErrorOf(not_base64).find("artifact_base64"), std::string::npos) << not_base64.body;
  ClientResponse not_a_model = Send("POST", target, json{{"artifact_base64", Base64Encode("{\"a\": 1}")}}.dump(), ds);
  EXPECT_EQ(not_a_model.status, 400) << not_a_model.body;
  ClientResponse no_artifact = Send("POST", target, R"({"reason": "x"})", ds);
  EXPECT_EQ(ErrorOf(no_artifact), "artifact_base64: required");
  ClientResponse bad_metric = Register("credit-r", "src/pipeline/testdata/credit_glm.json", ds,
                                       {{"metrics", {{"auc", "high"}}}});
  EXPECT_EQ(bad_metric.status, 400);
  EXPECT_EQ(ErrorOf(bad_metric), "metrics.auc: expected a number");
  ClientResponse bad_dataset = Register("credit-r", "src/pipeline/testdata/credit_glm.json", ds,
                                        {{"datasets", {{{"name", "loans"}}}}});
  EXPECT_EQ(ErrorOf(bad_dataset), "datasets[0].version: required");
  EXPECT_EQ(Register("credit-r", "src/pipeline/testdata/credit_glm.json", viewer).status, 403);
  EXPECT_EQ(Register("credit-r", "src/pipeline/testdata/credit_glm.json", "").status, 401);
  EXPECT_EQ(Register("nope-r", "src/pipeline/testdata/credit_glm.json", ds).status, 404);

  // Malformed JSON never reaches a parser's recursion, and never crashes.
  EXPECT_EQ(Send("POST", target, std::string(100000, '['), ds).status, 400);
  EXPECT_EQ(Send("POST", target, "{\"artifact_base64\": ", ds).status, 400);
  EXPECT_EQ(Send("POST", target, "[1, 2]", ds).status, 400);
  EXPECT_EQ(Send("POST", target, "{\"x\": 1e999}", ds).status, 400);
  EXPECT_EQ(Get("/v1/registry/models/credit-r/versions/zero", ds).status, 400);
  EXPECT_EQ(Get("/v1/registry/models/credit-r/versions/0", ds).status, 400);
  EXPECT_EQ(Get("/v1/registry/models/credit-r/versions/99999999999999999999", ds).status, 400);
  EXPECT_EQ(Get("/v1/registry/models/credit%zz", ds).status, 400);
  ClientResponse wrong_method = Send("DELETE", "/v1/registry/models/credit-r", "", ds);
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers["allow"], "GET");
  ClientResponse unknown = Get("/v1/registry/modelz", ds);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(ErrorOf(unknown).find("no such registry endpoint"), std::string::npos);
}

TEST_F(RegistryApiTest, VersionsAliasesPromotionAndSignedApprovals) {
  const std::string ds = User("dave-p", "data-scientist");
  const std::string ops = User("olga-p", "mlops");
  const std::string approver = User("carol-p", "approver");
  CreateModel("credit-p", ds);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Register("credit-p", "src/pipeline/testdata/credit_glm.json", ds).status, 201);
  }
  int pages = 0;
  std::vector<json> versions = Walk("/v1/registry/models/credit-p/versions", "versions", 2, ds, &pages);
  ASSERT_EQ(versions.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(versions[i]["version"], i + 1);
  EXPECT_EQ(pages, 3);

  ClientResponse alias = Send("PUT", "/v1/registry/models/credit-p/aliases/champion",
                              R"({"version": 3, "reason": "won"})", ops);
  ASSERT_EQ(alias.status, 200) << alias.body;
  EXPECT_EQ(Send("PUT", "/v1/registry/models/credit-p/aliases/champion", R"({"version": 3})", approver).status, 403);
  EXPECT_EQ(ErrorOf(Send("PUT", "/v1/registry/models/credit-p/aliases/champion", R"({"version": "3"})", ops)),
            "version: expected an integer");
  ClientResponse resolved = Get("/v1/registry/resolve?reference=credit-p%40champion", ds);
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(Body(resolved)["version"], 3);
  EXPECT_EQ(Body(resolved)["aliases"], json::array({"champion"}));
  EXPECT_EQ(Get("/v1/registry/resolve", ds).status, 400);
  EXPECT_EQ(Get("/v1/registry/resolve?reference=credit-p@nothing", ds).status, 404);
  ClientResponse removed =
      Send("DELETE", "/v1/registry/models/credit-p/aliases/champion", R"({"reason": "reset"})", ops);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(Get("/v1/registry/resolve?reference=credit-p@champion", ds).status, 404);

  ClientResponse dev = Send("POST", "/v1/registry/models/credit-p/versions/3:promote",
                            R"({"environment": "development", "reason": "try"})", ops);
  ASSERT_EQ(dev.status, 200) << dev.body;
  ClientResponse preprod = Send("POST", "/v1/registry/models/credit-p/versions/3:promote",
                                R"({"environment": "pre-production"})", ops);
  EXPECT_EQ(preprod.status, 412) << "needs an approval: " << preprod.body;

  // The approver signs the statement the server prepared.
  registry::SigningKeyPair pair = *registry::GenerateSigningKeyPair();
  ASSERT_EQ(Send("PUT", "/v1/registry/whoami/public-key", json{{"public_key", pair.public_key_hex}}.dump(), approver)
                .status,
            200);
  ClientResponse prepared = Send("POST", "/v1/registry/models/credit-p/versions/3/decisions:prepare",
                                 R"({"environment": "pre-production", "decision": "approve", "comment": "ok"})",
                                 approver);
  ASSERT_EQ(prepared.status, 200) << prepared.body;
  const json statement = Body(prepared)["statement"];
  const std::string canonical = Body(prepared)["canonical"];
  Result<registry::ApprovalStatement> parsed = StatementFromJson(statement);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(canonical, registry::CanonicalStatement(*parsed)) << "the canonical text of the statement returned";
  EXPECT_EQ(parsed->approver, "carol-p");
  const std::string signature = *registry::SignMessage(canonical, pair.secret_key_hex);
  json forged = statement;
  forged["comment"] = "something else";
  EXPECT_EQ(Send("POST", "/v1/registry/models/credit-p/versions/3/decisions",
                 json{{"statement", forged}, {"signature", signature}}.dump(), approver)
                .status,
            403)
      << "a signature over another statement";
  EXPECT_EQ(Send("POST", "/v1/registry/models/credit-p/versions/2/decisions",
                 json{{"statement", statement}, {"signature", signature}}.dump(), approver)
                .status,
            400)
      << "the statement must be about the path's version";
  ClientResponse decided = Send("POST", "/v1/registry/models/credit-p/versions/3/decisions",
                                json{{"statement", statement}, {"signature", signature}}.dump(), approver);
  ASSERT_EQ(decided.status, 201) << decided.body;
  preprod = Send("POST", "/v1/registry/models/credit-p/versions/3:promote", R"({"environment": "pre-production"})",
                 ops);
  ASSERT_EQ(preprod.status, 200) << preprod.body;

  ClientResponse version = Get("/v1/registry/models/credit-p/versions/3", ds);
  ASSERT_EQ(version.status, 200);
  EXPECT_EQ(Body(version)["environments"], json::array({"development", "pre-production"}));
  EXPECT_EQ(Body(version)["approvals"][0]["approver"], "carol-p");
  ClientResponse verified = Send("POST", "/v1/registry/models/credit-p/versions/3:verify", "", ds);
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_EQ(Body(verified)["approvals_checked"], 1);

  ClientResponse at = Get("/v1/registry/models/credit-p/deployments/pre-production?at=2999-01-01", ds);
  ASSERT_EQ(at.status, 200) << at.body;
  EXPECT_EQ(Body(at)["version"], 3);
  EXPECT_EQ(Body(at)["deployed_by"], "olga-p");
  EXPECT_EQ(Get("/v1/registry/models/credit-p/deployments/pre-production", ds).status, 400);

  ClientResponse archived =
      Send("POST", "/v1/registry/models/credit-p/versions/1:archive", R"({"reason": "old"})", ops);
  ASSERT_EQ(archived.status, 200) << archived.body;
  EXPECT_EQ(Body(Get("/v1/registry/models/credit-p/versions/1", ds))["archived"], true);
}

// --- datasets, lineage, search, cards, diffs -------------------------------------------

TEST_F(RegistryApiTest, DatasetsLineageCardsAndDiffs) {
  const std::string ds = User("dina-l", "data-scientist");
  const std::string ops = User("oscar-l", "mlops");
  CreateModel("credit-l", ds, "Consumer credit");
  CreateModel("limits-l", ds);
  ClientResponse dataset = Send("POST", "/v1/registry/datasets",
                                R"({"name": "loans-l", "version": "2024q1", "fingerprint": "sha256:ab",
                                    "row_count": 500, "schema": {"age": "integer"}})",
                                ops);
  ASSERT_EQ(dataset.status, 201) << dataset.body;
  EXPECT_EQ(Body(dataset)["schema"]["age"], "integer");
  ClientResponse got = Get("/v1/registry/datasets/loans-l/versions/2024q1", ds);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Body(got)["row_count"], 500);
  EXPECT_EQ(Get("/v1/registry/datasets/loans-l/versions/2099", ds).status, 404);
  EXPECT_EQ(ErrorOf(Send("POST", "/v1/registry/datasets", R"({"name": "x", "version": "1", "row_count": -1})", ops)),
            "row_count: -1 is outside [0, 9223372036854775807]");

  ASSERT_EQ(Register("credit-l", "src/pipeline/testdata/credit_glm.json", ds,
                     {{"datasets", {{{"name", "loans-l"}, {"version", "2024q1"}, {"role", "training"}}}}})
                .status,
            201);
  ASSERT_EQ(Register("credit-l", "src/pipeline/testdata/credit_glm.json", ds, {{"metrics", {{"auc", 0.8}}}}).status,
            201);
  ClientResponse depend =
      Send("POST", "/v1/registry/models/limits-l/dependencies", R"({"depends_on": "credit-l"})", ds);
  ASSERT_EQ(depend.status, 201) << depend.body;
  ClientResponse lineage = Get("/v1/registry/models/credit-l/versions/1/lineage", ds);
  ASSERT_EQ(lineage.status, 200) << lineage.body;
  EXPECT_EQ(Body(lineage)["datasets"][0]["name"], "loans-l");
  EXPECT_EQ(Body(lineage)["depended_on_by"], json::array({"limits-l"}));

  ClientResponse markdown = Get("/v1/registry/models/credit-l/versions/1/card", ds);
  ASSERT_EQ(markdown.status, 200) << markdown.body;
  EXPECT_EQ(markdown.headers["content-type"], "text/markdown; charset=utf-8");
  EXPECT_NE(markdown.body.find("credit-l"), std::string::npos);
  ClientResponse html = Get("/v1/registry/models/credit-l/versions/1/card?format=html", ds);
  ASSERT_EQ(html.status, 200);
  EXPECT_EQ(html.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(html.body.find("<html"), std::string::npos);
  EXPECT_EQ(Get("/v1/registry/models/credit-l/versions/1/card?format=pdf", ds).status, 400);

  ClientResponse diff = Get("/v1/registry/models/credit-l/diff?from=1&to=2", ds);
  ASSERT_EQ(diff.status, 200) << diff.body;
  EXPECT_NE(diff.body.find("auc"), std::string::npos) << diff.body;
  EXPECT_EQ(Get("/v1/registry/models/credit-l/diff?from=1", ds).status, 400);
  EXPECT_EQ(ErrorOf(Get("/v1/registry/models/credit-l/diff?from=1&to=x", ds)), "to: 'x' is not an integer");
}

TEST_F(RegistryApiTest, SearchPages) {
  const std::string ds = User("sam-s", "data-scientist");
  CreateModel("zebra-s", ds, "striped searchable");
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(Register("zebra-s", "src/pipeline/testdata/credit_glm.json", ds, {{"metrics", {{"auc", 0.5 + i * 0.1}}}})
                  .status,
              201);
  }
  int pages = 0;
  std::vector<json> hits = Walk("/v1/registry/search?q=striped", "hits", 3, ds, &pages);
  ASSERT_EQ(hits.size(), 4u);
  EXPECT_EQ(pages, 2);
  std::vector<int64_t> numbers;
  for (const json& h : hits) numbers.push_back(h["version"]);
  EXPECT_EQ(numbers, (std::vector<int64_t>{4, 3, 2, 1})) << "newest first";
  std::vector<json> good = Walk("/v1/registry/search?q=striped&metric=auc%3A0.65%3A", "hits", 10, ds, &pages);
  EXPECT_EQ(good.size(), 2u);
  EXPECT_EQ(Get("/v1/registry/search?metric=auc", ds).status, 400);
  EXPECT_EQ(Get("/v1/registry/search?metric=auc:low:", ds).status, 400);
}

// --- audit -----------------------------------------------------------------------------

TEST_F(RegistryApiTest, AuditLogPagesAndVerifies) {
  const std::string ds = User("ada-au", "data-scientist");
  CreateModel("audited-au", ds);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Register("audited-au", "src/pipeline/testdata/credit_glm.json", ds).status, 201);
  }
  int pages = 0;
  std::vector<json> records = Walk("/v1/registry/audit", "records", 4, *admin_, &pages);
  ASSERT_GE(records.size(), 5u);
  for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i]["seq"], static_cast<int64_t>(i + 1));
  std::vector<json> model = Walk("/v1/registry/audit?model=audited-au", "records", 2, *admin_, &pages);
  ASSERT_EQ(model.size(), 4u) << "model.create and three version.register";
  EXPECT_EQ(model[0]["action"], "model.create");
  const int64_t after = model[1]["seq"];
  std::vector<json> feed =
      Walk("/v1/registry/audit?model=audited-au&after=" + std::to_string(after), "records", 10, *admin_, &pages);
  EXPECT_EQ(feed.size(), 2u);
  EXPECT_EQ(Get("/v1/registry/audit?after=-1", *admin_).status, 400);
  EXPECT_EQ(Get("/v1/registry/audit?since=yesterday", *admin_).status, 400);

  ClientResponse verified = Send("POST", "/v1/registry/audit:verify", "", ds);
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_EQ(Body(verified)["intact"], true);
  EXPECT_GE(Body(verified)["records"], 5);
  EXPECT_EQ(Send("POST", "/v1/registry/audit:verify", "", "").status, 401);
}

// --- the OpenAPI document --------------------------------------------------------------

TEST_F(RegistryApiTest, OpenApiListsEveryEndpointAndEachIsRouted) {
  ClientResponse r = Get("/v1/registry/openapi.json", "");
  ASSERT_EQ(r.status, 200) << "the document needs no token";
  json document = Body(r);
  ASSERT_TRUE(document.is_object());
  EXPECT_EQ(document["openapi"], "3.0.3");
  const std::set<std::string> expected = {
      "/v1/registry/openapi.json",
      "/v1/registry/users:init-admin",
      "/v1/registry/whoami",
      "/v1/registry/whoami/public-key",
      "/v1/registry/users",
      "/v1/registry/users/{user}/tokens",
      "/v1/registry/environments",
      "/v1/registry/environments/{environment}",
      "/v1/registry/feature-policies",
      "/v1/registry/models",
      "/v1/registry/models/{model}",
      "/v1/registry/models/{model}:archive",
      "/v1/registry/models/{model}/grants",
      "/v1/registry/models/{model}/dependencies",
      "/v1/registry/models/{model}/diff",
      "/v1/registry/models/{model}/deployments/{environment}",
      "/v1/registry/models/{model}/aliases/{alias}",
      "/v1/registry/models/{model}/versions",
      "/v1/registry/models/{model}/versions/{version}",
      "/v1/registry/models/{model}/versions/{version}/artifact",
      "/v1/registry/models/{model}/versions/{version}:archive",
      "/v1/registry/models/{model}/versions/{version}:promote",
      "/v1/registry/models/{model}/versions/{version}:verify",
      "/v1/registry/models/{model}/versions/{version}/decisions:prepare",
      "/v1/registry/models/{model}/versions/{version}/decisions",
      "/v1/registry/models/{model}/versions/{version}/lineage",
      "/v1/registry/models/{model}/versions/{version}/card",
      "/v1/registry/resolve",
      "/v1/registry/datasets",
      "/v1/registry/datasets/{dataset}/versions/{version}",
      "/v1/registry/search",
      "/v1/registry/audit",
      "/v1/registry/audit:verify",
  };
  std::set<std::string> listed;
  for (const auto& [path, item] : document["paths"].items()) listed.insert(path);
  EXPECT_EQ(listed, expected);
  // Every documented operation is routed, and every one but the document
  // refuses a caller without a token (401), whatever the input.
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      EXPECT_TRUE(operation.contains("summary") && operation.contains("responses")) << method << " " << path;
      std::string target = path;
      for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
               {"{model}", "m"}, {"{version}", "1"}, {"{user}", "u"}, {"{environment}", "e"},
               {"{alias}", "a"}, {"{dataset}", "d"}}) {
        for (size_t at = target.find(from); at != std::string::npos; at = target.find(from)) {
          target.replace(at, from.size(), to);
        }
      }
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      ClientResponse answer = Send(upper, target, upper == "GET" || upper == "DELETE" ? "" : "{}");
      EXPECT_EQ(answer.status, path == "/v1/registry/openapi.json" ? 200 : 401) << upper << " " << target;
    }
  }
}

// Malformed input of every kind to every endpoint, with a valid admin token:
// always a 4xx with an error message, never a 5xx, and the server stays up.
TEST_F(RegistryApiTest, MalformedInputIsAlwaysA4xx) {
  const json document = Body(Get("/v1/registry/openapi.json", ""));
  const std::vector<std::string> bodies = {"null", "[]", "\"text\"", "{\"name\": {}}", "{\"version\": -1}",
                                           "{\"statement\": [], \"signature\": 1}", "{", std::string(5000, '{'),
                                           "{\"artifact_base64\": \"QUJD\", \"format\": \"onnx\"}"};
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::string target = path;
      for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
               {"{model}", "m%00x"}, {"{version}", "-3"}, {"{user}", "..%2F.."}, {"{environment}", "e%20e"},
               {"{alias}", "12"}, {"{dataset}", "d"}}) {
        for (size_t at = target.find(from); at != std::string::npos; at = target.find(from)) {
          target.replace(at, from.size(), to);
        }
      }
      if (path == "/v1/registry/openapi.json" || path == "/v1/registry/users:init-admin") continue;
      for (const std::string& body : bodies) {
        ClientResponse r = Send(upper, target + "?limit=-1&page_token=%ZZ", body, *admin_);
        EXPECT_GE(r.status, 400) << upper << " " << target << " " << body.substr(0, 40);
        EXPECT_LT(r.status, 500) << upper << " " << target << " " << body.substr(0, 40) << ": " << r.body;
        EXPECT_NE(ErrorOf(r), "<no error member>") << upper << " " << target;
      }
    }
  }
  EXPECT_EQ(Get("/v2/health/live", "").status, 200);
}

// Writers over HTTP, in parallel: version numbers stay gap-free.
TEST_F(RegistryApiTest, ConcurrentRegistrationsAreGapFree) {
  const std::string ds = User("cora-c", "data-scientist");
  CreateModel("parallel-c", ds);
  const std::string body =
      json{{"artifact_base64", Base64Encode(ReadSource("src/pipeline/testdata/credit_glm.json"))}}.dump();
  std::vector<std::thread> writers;
  std::atomic<int> created{0};
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        if (Send("POST", "/v1/registry/models/parallel-c/versions", body, ds).status == 201) ++created;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(created.load(), 20);
  int pages = 0;
  std::vector<json> versions = Walk("/v1/registry/models/parallel-c/versions", "versions", 7, ds, &pages);
  ASSERT_EQ(versions.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(versions[i]["version"], i + 1);
}

// --- a server without a registry -------------------------------------------------------

TEST(RegistryApiWithoutRegistryTest, AnswersNotFoundSayingSo) {
  ServerConfig config = TestConfig();
  config.models.push_back({"churn", SourcePath("data/demo/churn_pipeline.json"), "", "champion", 0, "", {}});
  RunningServer server(config);
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  TestClient client(server.port());
  ClientResponse r = client.Send("GET", "/v1/registry/models", "", {{"Authorization", "Bearer secret"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(ErrorOf(r).find("no model registry"), std::string::npos) << r.body;
  // Scoring endpoints are untouched.
  ClientResponse models = client.Send("GET", "/v1/models", "", {{"Authorization", "Bearer secret"}});
  EXPECT_EQ(models.status, 200);
}

TEST(RegistryApiWithoutRegistryTest, AnUnusableDataDirectoryIsAClearError) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("podium_not_a_dir_" + std::to_string(::getpid()));
  ASSERT_TRUE(WriteFileAtomically(file.string(), "x").ok());
  ServerConfig config = TestConfig();
  config.data_dir = file.string();
  Result<std::unique_ptr<ScoringServer>> server = ScoringServer::Create(config, false);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("model registry in '" + file.string() + "'"), std::string::npos)
      << server.status().message();
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace podium::http
