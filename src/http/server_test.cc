// The scoring server over real sockets on 127.0.0.1: the OIP v2 and native
// APIs, auth, limits, admin actions, metrics, generated documents and the
// traffic policies.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "base/file.h"
#include "http/scoring_server.h"
#include "http/test_client.h"

namespace podium::http {
namespace {

using nlohmann::json;
using testing::ClientResponse;
using testing::RunningServer;
using testing::SourcePath;
using testing::TestClient;
using testing::TestConfig;

const std::vector<std::pair<std::string, std::string>> kAuth = {{"Authorization", "Bearer secret"}};

json Body(const ClientResponse& r) { return json::parse(r.body, nullptr, false); }

// The error message of a refused request (and that it has the right shape).
std::string ErrorOf(const ClientResponse& r) {
  json body = Body(r);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_string()) return "<no error member>";
  return body["error"].get<std::string>();
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("podium_server_test_" + std::to_string(::getpid())));
    std::filesystem::create_directories(*dir_);
    credit_path_ = new std::string((*dir_ / "credit.json").string());
    std::filesystem::copy_file(SourcePath("src/pipeline/testdata/credit_glm.json"), *credit_path_,
                               std::filesystem::copy_options::overwrite_existing);
    ServerConfig config = TestConfig();
    config.max_body_bytes = 1 << 20;
    config.max_rows = 1000;
    config.max_header_bytes = 8192;
    config.models.push_back({"credit", *credit_path_, "", "champion", 0, "", std::string("review")});
    config.models.push_back({"churn", SourcePath("data/demo/churn_pipeline.json"), "", "champion", 0, "", {}});
    config.models.push_back({"xgb", SourcePath("src/formats/testdata/xgboost/binary_logistic.json"), "", "champion",
                             0, "", {}});
    config.models.push_back({"scorecard", SourcePath("tests/golden/cases/pmml_scorecard_reason_codes/model.pmml"), "",
                             "champion", 0, "", {}});
    server_ = new RunningServer(config);
    ASSERT_TRUE(server_->ok()) << server_->error().ToString();
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete credit_path_;
  }

  ClientResponse Get(const std::string& target, bool auth = true) {
    TestClient client(server_->port());
    return client.Send("GET", target, "", auth ? kAuth : std::vector<std::pair<std::string, std::string>>{});
  }
  ClientResponse Post(const std::string& target, const std::string& body, bool auth = true) {
    TestClient client(server_->port());
    return client.Send("POST", target, body, auth ? kAuth : std::vector<std::pair<std::string, std::string>>{});
  }
  void ExpectLive() {
    ClientResponse live = Get("/v2/health/live", false);
    EXPECT_EQ(live.status, 200) << "the server must stay live";
  }

  static RunningServer* server_;
  static std::filesystem::path* dir_;
  static std::string* credit_path_;
};
RunningServer* ServerTest::server_ = nullptr;
std::filesystem::path* ServerTest::dir_ = nullptr;
std::string* ServerTest::credit_path_ = nullptr;

const char* kCreditRows = R"({"records": [
  {"age": 35, "income": 4000, "debt": 500, "home": "rent", "vip": false},
  {"age": 16, "income": 100, "debt": 900, "home": "owner", "vip": true}]})";

// --- Health and metadata ---------------------------------------------------

TEST_F(ServerTest, HealthNeedsNoToken) {
  ClientResponse live = Get("/v2/health/live", false);
  EXPECT_EQ(live.status, 200);
  ClientResponse ready = Get("/v2/health/ready", false);
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(Body(ready)["ready"], true);
}

TEST_F(ServerTest, ServerMetadata) {
  ClientResponse r = Get("/v2");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["name"], "podium");
  EXPECT_TRUE(Body(r)["extensions"].is_array());
}

TEST_F(ServerTest, ModelMetadataHasTypedInputsAndOutputs) {
  ClientResponse r = Get("/v2/models/credit");
  ASSERT_EQ(r.status, 200) << r.body;
  json body = Body(r);
  EXPECT_EQ(body["name"], "credit");
  EXPECT_EQ(body["versions"], json::array({"1"}));
  std::map<std::string, std::string> types;
  for (const json& input : body["inputs"]) {
    types[input["name"]] = input["datatype"];
    EXPECT_EQ(input["shape"], json::array({-1}));
  }
  EXPECT_EQ(types, (std::map<std::string, std::string>{
                       {"age", "INT64"}, {"income", "FP64"}, {"debt", "FP64"}, {"home", "BYTES"}, {"vip", "BOOL"}}));
  std::vector<std::string> outputs;
  for (const json& output : body["outputs"]) outputs.push_back(output["name"]);
  EXPECT_EQ(outputs, (std::vector<std::string>{"probability_good", "probability_bad", "label", "decision", "flags"}));
}

TEST_F(ServerTest, VersionedPaths) {
  EXPECT_EQ(Get("/v2/models/credit/versions/1").status, 200);
  EXPECT_EQ(Get("/v2/models/credit/versions/1/ready").status, 200);
  ClientResponse missing = Get("/v2/models/credit/versions/99");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(ErrorOf(missing).find("no loaded version 99"), std::string::npos) << missing.body;
  ClientResponse bad = Get("/v2/models/credit/versions/x");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(ErrorOf(bad).find("'x'"), std::string::npos);
  EXPECT_EQ(Get("/v2/models/nope").status, 404);
  EXPECT_EQ(Get("/v2/models/credit/ready").status, 200);
  EXPECT_EQ(Post("/v2/models/credit", "{}").status, 405);
}

// --- OIP inference -----------------------------------------------------------

TEST_F(ServerTest, OipInferPerFieldTensorsEchoesId) {
  const std::string request = R"({"id": "req-7", "inputs": [
    {"name": "age", "shape": [2], "datatype": "INT64", "data": [35, 16]},
    {"name": "income", "shape": [2], "datatype": "FP64", "data": [4000, 100]},
    {"name": "debt", "shape": [2, 1], "datatype": "FP32", "data": [[500], [900]]},
    {"name": "home", "shape": [2], "datatype": "BYTES", "data": ["rent", "owner"]},
    {"name": "vip", "shape": [2], "datatype": "BOOL", "data": [false, true]}]})";
  ClientResponse r = Post("/v2/models/credit/infer", request);
  ASSERT_EQ(r.status, 200) << r.body;
  json body = Body(r);
  EXPECT_EQ(body["id"], "req-7");
  EXPECT_EQ(body["model_name"], "credit");
  EXPECT_EQ(body["model_version"], "1");
  std::map<std::string, json> outputs;
  for (const json& output : body["outputs"]) {
    outputs[output["name"]] = output;
    EXPECT_EQ(output["shape"], json::array({2}));
  }
  ASSERT_TRUE(outputs.count("probability_bad"));
  EXPECT_EQ(outputs["probability_bad"]["datatype"], "FP64");
  EXPECT_EQ(outputs["label"]["datatype"], "BYTES");
  EXPECT_EQ(outputs["decision"]["data"][1], "decline");  // under 18
  // The same rows through the native API give the same numbers.
  ClientResponse native = Post("/v1/models/credit:predict", kCreditRows);
  ASSERT_EQ(native.status, 200) << native.body;
  EXPECT_DOUBLE_EQ(Body(native)["rows"][0]["probability_bad"].get<double>(),
                   outputs["probability_bad"]["data"][0].get<double>());
}

TEST_F(ServerTest, OipTwoDimensionalTensorAndRequestedOutputs) {
  const std::string request = R"({"inputs": [{"name": "input-0", "shape": [3, 3], "datatype": "FP32",
    "data": [30, 50000, 2, 45, 20000, 10, 22, 90000, 1]}], "outputs": [{"name": "probability_1"}]})";
  ClientResponse r = Post("/v2/models/xgb/infer", request);
  ASSERT_EQ(r.status, 200) << r.body;
  json body = Body(r);
  ASSERT_EQ(body["outputs"].size(), 1u);
  EXPECT_EQ(body["outputs"][0]["name"], "probability_1");
  EXPECT_EQ(body["outputs"][0]["data"].size(), 3u);
  ClientResponse native =
      Post("/v1/models/xgb:predict", R"({"columns": {"age": [30, 45, 22], "income": [50000, 20000, 90000],
                                          "tenure": [2, 10, 1]}})");
  ASSERT_EQ(native.status, 200) << native.body;
  for (int i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(Body(native)["rows"][i]["probability_1"].get<double>(),
                     body["outputs"][0]["data"][i].get<double>());
  }
}

TEST_F(ServerTest, OipErrorsNameTheTensorAndProblem) {
  struct Case {
    const char* body;
    int status;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {R"({"inputs": [{"name": "home", "shape": [1], "datatype": "FP64", "data": [1]}]})", 400,
       "'home' is a category: expected BYTES"},
      {R"({"inputs": [{"name": "income", "shape": [1], "datatype": "FP64", "data": ["a lot"]}]})", 400,
       "inputs[0] ('income').data[0]: expected a number for FP64"},
      {R"({"inputs": [{"name": "income", "shape": [2], "datatype": "FP64", "data": [1]}]})", 400,
       "needs 2 elements"},
      {R"({"inputs": [{"name": "salary", "shape": [1], "datatype": "FP64", "data": [1]}]})", 400,
       "('salary'): no input field of that name"},
      {R"({"inputs": [{"name": "age", "shape": [1], "datatype": "INT8", "data": [300]}]})", 400,
       "300 is out of range for INT8"},
      {R"({"inputs": [{"name": "age", "shape": [1], "datatype": "FP16", "data": [3]}]})", 400,
       "'FP16' is not supported"},
      {R"({"inputs": []})", 400, "\"inputs\": required"},
      {R"({"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [30], "colour": 1}]})", 400,
       "inputs[0].colour: unknown member"},
      {R"({"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [30]}], "outputs": [{"name": "z"}]})",
       400, "no output named 'z'"},
      {R"({"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [200]}]})", 400,
       "age"},  // above max 120 (the field's own policy)
      {R"({"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [30]}], "extra": 1})", 400,
       "unknown member \"extra\""},
  };
  for (const Case& c : cases) {
    ClientResponse r = Post("/v2/models/credit/infer", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_NE(ErrorOf(r).find(c.expected), std::string::npos) << c.body << " -> " << r.body;
  }
  ExpectLive();
}

// --- Native API ------------------------------------------------------------------

TEST_F(ServerTest, NativePredictRecordsAndColumnsAgree) {
  ClientResponse records = Post("/v1/models/credit:predict", kCreditRows);
  ASSERT_EQ(records.status, 200) << records.body;
  json a = Body(records);
  EXPECT_EQ(a["model"], "credit");
  EXPECT_EQ(a["version"], 1);
  EXPECT_EQ(a["slot"], "champion");
  ASSERT_EQ(a["rows"].size(), 2u);
  EXPECT_EQ(a["rows"][1]["decision"], "decline");
  EXPECT_TRUE(a["rows"][0]["flags"].is_array());
  EXPECT_FALSE(a["rows"][0].contains("reasons"));
  ClientResponse columns = Post("/v1/models/credit:predict", R"({"id": "c1", "columns": {
      "age": [35, 16], "income": [4000, 100], "debt": [500, 900], "home": ["rent", "owner"], "vip": [false, true]}})");
  ASSERT_EQ(columns.status, 200) << columns.body;
  EXPECT_EQ(Body(columns)["rows"], a["rows"]);
  EXPECT_EQ(Body(columns)["id"], "c1");
  // Versioned path.
  EXPECT_EQ(Post("/v1/models/credit/versions/1:predict", kCreditRows).status, 200);
  EXPECT_EQ(Post("/v1/models/credit/versions/5:predict", kCreditRows).status, 404);
}

TEST_F(ServerTest, NativeExplainGivesReasonCodes) {
  ClientResponse r = Post("/v1/models/credit:predict?explain=true", kCreditRows);
  ASSERT_EQ(r.status, 200) << r.body;
  json row = Body(r)["rows"][0];
  ASSERT_TRUE(row.contains("reasons"));
  EXPECT_EQ(row["reasons"].size(), 3u);
  EXPECT_TRUE(row["reasons"][0]["feature"].is_string());
  ClientResponse body_flag = Post("/v1/models/credit:predict",
                                  R"({"explain": true, "records": [{"age": 40, "income": 10, "home": "rent"}]})");
  ASSERT_EQ(body_flag.status, 200) << body_flag.body;
  EXPECT_EQ(Body(body_flag)["rows"][0]["reasons"].size(), 3u);
}

// A PMML scorecard's reasons are its reason codes, in PMML's order, with
// only codes that lost points (the specification's worked example).
TEST_F(ServerTest, NativeReasonsOfAPmmlScorecard) {
  ClientResponse r = Post("/v1/models/scorecard:predict",
                          R"({"reasons": 3, "records": [{"department": "engineering", "age": 25, "income": 500}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  json row = Body(r)["rows"][0];
  EXPECT_EQ(row["Final Score"], 29.0);
  EXPECT_EQ(row["reasons"], json::parse(R"([{"feature": "RC2_3", "contribution": -18},
                                            {"feature": "RC1", "contribution": -16}])"));
}

TEST_F(ServerTest, NativeInputRulesAndErrors) {
  struct Case {
    const char* body;
    int status;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {R"({"records": [{"age": 30, "salary": 1}]})", 400, "records[0].salary: unknown field"},
      {R"({"records": [{"age": {"years": 30}}]})", 400, "records[0].age: expected a number, string, boolean"},
      {R"({"records": [{"age": 30}, {"income": 5}]})", 400, "records[1]"},  // age is required
      {R"({"records": [{"age": "abc"}]})", 400, "'abc'"},
      {R"({"records": [{"age": 30, "income": -5}]})", 400, "income"},
      {R"({"records": [{"age": 30.5}]})", 400, "age"},
      {R"({"records": [{"age": 1e999}]})", 400, ""},
      {R"({"records": [{"age": NaN}]})", 400, "not valid JSON"},
      {R"({"records": [{"age": Infinity}]})", 400, "not valid JSON"},
      {R"({"records": {"age": 3}})", 400, "\"records\" must be an array"},
      {R"({"records": [], "columns": {}})", 400, "exactly one of"},
      {R"({"columns": {"age": [1, 2], "income": [1]}})", 400, "columns.income: has 1 values"},
      {R"({"records": [{"age": 30}], "explain": "yes"})", 400, "explain: expected true or false"},
      {R"({"records": [{"age": 30}], "colour": 1})", 400, "unknown member \"colour\""},
      {R"([1, 2])", 400, "expected a JSON object"},
      {R"({"records": [{"age": 30})", 400, "not valid JSON"},
  };
  for (const Case& c : cases) {
    ClientResponse r = Post("/v1/models/credit:predict", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_NE(ErrorOf(r).find(c.expected), std::string::npos) << c.body << " -> " << r.body;
  }
  // No rows: an empty answer.
  ClientResponse empty = Post("/v1/models/credit:predict", R"({"records": []})");
  EXPECT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(Body(empty)["rows"], json::array());
  // A category outside the levels follows the field's on_invalid policy (replace: other).
  ClientResponse replaced = Post("/v1/models/credit:predict", R"({"records": [{"age": 30, "home": "castle"}]})");
  EXPECT_EQ(replaced.status, 200) << replaced.body;
  // Nulls are missing values.
  ClientResponse nulls = Post("/v1/models/credit:predict", R"({"records": [{"age": 30, "income": null}]})");
  EXPECT_EQ(nulls.status, 200) << nulls.body;
  ExpectLive();
}

// --- Auth ---------------------------------------------------------------------------

TEST_F(ServerTest, AuthRefusals) {
  ClientResponse none = Post("/v1/models/credit:predict", kCreditRows, /*auth=*/false);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer");
  EXPECT_NE(ErrorOf(none).find("Bearer"), std::string::npos);
  TestClient client(server_->port());
  ClientResponse wrong = client.Send("GET", "/v2/models/credit", "", {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(ErrorOf(wrong), "the bearer token is not valid");
  EXPECT_EQ(Get("/metrics", false).status, 401);
  EXPECT_EQ(Get("/v1/models/credit/openapi.json", false).status, 401);
  EXPECT_EQ(Post("/v1/admin/models/credit:reload", "", false).status, 401);
}

TEST(ServerAuthTest, PublicInferenceAndSeparateAdminToken) {
  ServerConfig config = TestConfig();
  config.public_inference = true;
  config.admin_token = "root";
  config.models.push_back({"credit", SourcePath("src/pipeline/testdata/credit_glm.json"), "", "champion", 0, "", {}});
  RunningServer server(config);
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  TestClient client(server.port());
  EXPECT_EQ(client.Send("POST", "/v1/models/credit:predict", kCreditRows).status, 200);
  EXPECT_EQ(client.Send("POST", "/v2/models/credit/infer",
                        R"({"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [30]}]})")
                .status,
            200);
  EXPECT_EQ(client.Send("GET", "/v1/models/credit/try").status, 200);
  EXPECT_EQ(client.Send("GET", "/v2/models/credit").status, 401);  // metadata still needs the token
  EXPECT_EQ(client.Send("POST", "/v1/admin/models/credit:reload", "", kAuth).status, 403);
  ClientResponse admin = client.Send("POST", "/v1/admin/models/credit:reload", "", {{"Authorization", "Bearer root"}});
  EXPECT_EQ(admin.status, 200) << admin.body;
  EXPECT_EQ(Body(admin)["version"], 2);
}

// --- Limits -----------------------------------------------------------------------

TEST_F(ServerTest, BodyOverLimitIs413AndServerStaysLive) {
  const std::string big = "{\"records\": [" + std::string((1 << 20) + 100, ' ') + "]}";
  ClientResponse r = Post("/v1/models/credit:predict", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(ErrorOf(r).find("larger than the limit of 1048576 bytes"), std::string::npos) << r.body;
  ExpectLive();
}

TEST_F(ServerTest, DeeplyNestedJsonIsRefusedBeforeParsing) {
  const std::string deep = std::string(250000, '[') + std::string(250000, ']');
  ClientResponse r = Post("/v1/models/credit:predict", deep);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(ErrorOf(r).find("nest"), std::string::npos) << r.body.substr(0, 200);
  ClientResponse oip = Post("/v2/models/credit/infer", deep);
  EXPECT_EQ(oip.status, 400);
  ExpectLive();
}

TEST_F(ServerTest, TooManyRowsIs413) {
  std::string records = "{\"records\": [";
  for (int i = 0; i < 1001; ++i) records += std::string(i ? "," : "") + "{\"age\": 30}";
  records += "]}";
  ClientResponse r = Post("/v1/models/credit:predict", records);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(ErrorOf(r).find("the limit is 1000"), std::string::npos) << r.body;
  ClientResponse oip = Post("/v2/models/credit/infer",
                            R"({"inputs": [{"name": "age", "shape": [5000], "datatype": "INT64", "data": [1]}]})");
  EXPECT_EQ(oip.status, 413);
}

TEST_F(ServerTest, HugeHeaderIs431) {
  TestClient client(server_->port());
  ClientResponse r = client.Send("GET", "/v2/health/live", "", {{"X-Padding", std::string(10000, 'a')}});
  EXPECT_EQ(r.status, 431);
  ExpectLive();
}

TEST_F(ServerTest, MalformedHttpIs400) {
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw("GARBAGE\r\n\r\n"));
  ClientResponse r = client.ReadResponse();
  EXPECT_EQ(r.status, 400);
  ExpectLive();
}

TEST_F(ServerTest, UnknownEndpointsAndMethods) {
  EXPECT_EQ(Get("/v3/whatever").status, 404);
  EXPECT_EQ(Get("/v1/models/credit:predict").status, 405);
  EXPECT_EQ(Post("/v1/admin/models/credit:explode", "").status, 404);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  TestClient client(server_->port());
  for (int i = 0; i < 50; ++i) {
    ClientResponse r = client.Send("POST", "/v1/models/churn:predict",
                                   R"({"records": [{"total_day_minutes": 250, "international_plan": "yes"}]})", kAuth);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_NE(r.headers["connection"], "close");
  }
}

// --- Documents, metrics, status ----------------------------------------------------

TEST_F(ServerTest, OpenApiDocumentFromTheSchema) {
  ClientResponse r = Get("/v1/models/credit/openapi.json");
  ASSERT_EQ(r.status, 200);
  json doc = Body(r);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  json record = doc["components"]["schemas"]["Record"];
  EXPECT_EQ(record["properties"]["age"]["type"], "integer");
  EXPECT_EQ(record["properties"]["age"]["maximum"], 120);
  EXPECT_EQ(record["properties"]["home"]["enum"], json::array({"owner", "rent", "parents", "other"}));
  EXPECT_EQ(record["required"], json::array({"age"}));
  EXPECT_TRUE(doc["paths"].contains("/v1/models/credit:predict"));
}

TEST_F(ServerTest, TryPageIsSelfContained) {
  ClientResponse r = Get("/v1/models/credit/try");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("<textarea"), std::string::npos);
  EXPECT_NE(r.body.find("/v1/models/credit:predict"), std::string::npos);
  EXPECT_EQ(r.body.find("src=\"http"), std::string::npos);
  EXPECT_EQ(r.body.find("href=\"http"), std::string::npos);
}

TEST_F(ServerTest, MetricsAndStats) {
  ASSERT_EQ(Post("/v1/models/churn:predict", R"({"records": [{"total_day_minutes": 100}]})").status, 200);
  ClientResponse r = Get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4");
  for (const char* needle :
       {"podium_http_requests_total{endpoint=\"predict\",model=\"churn\",version=\"1\",code=\"200\"}",
        "podium_request_duration_seconds_bucket{model=\"churn\",version=\"1\",le=\"+Inf\"}",
        "podium_rows_scored_total{model=\"churn\",version=\"1\"}", "podium_http_in_flight_requests",
        "podium_model_loads_total{model=\"churn\",result=\"ok\"} 1", "process_cpu_seconds_total",
        "process_resident_memory_bytes", "podium_model_serving_version{model=\"churn\",slot=\"champion\"} 1"}) {
    EXPECT_NE(r.body.find(needle), std::string::npos) << needle;
  }
  // Unknown model names never become labels.
  EXPECT_EQ(Get("/v2/models/no-such-model-xyz").status, 404);
  EXPECT_EQ(Get("/metrics").body.find("no-such-model-xyz"), std::string::npos);
  ClientResponse stats = Get("/v1/models/churn/stats");
  ASSERT_EQ(stats.status, 200);
  EXPECT_GE(Body(stats)["versions"][0]["rows"].get<int>(), 1);
}

TEST_F(ServerTest, ReloadFailedReloadAndStatus) {
  // A good reload: version 2 answers.
  ClientResponse reload = Post("/v1/admin/models/credit:reload", "");
  ASSERT_EQ(reload.status, 200) << reload.body;
  const int64_t version = Body(reload)["version"];
  EXPECT_GE(version, 2);
  EXPECT_EQ(Body(Post("/v1/models/credit:predict", kCreditRows))["version"], version);
  // A corrupt file: the reload fails, the same version keeps answering.
  const std::string good = *ReadFileToString(*credit_path_, 1 << 20);
  ASSERT_TRUE(WriteFileAtomically(*credit_path_, good.substr(0, 100)).ok());
  ClientResponse failed = Post("/v1/admin/models/credit:reload", "");
  EXPECT_EQ(failed.status, 400) << failed.body;
  EXPECT_EQ(Body(failed)["version"], version);
  EXPECT_EQ(Body(Post("/v1/models/credit:predict", kCreditRows))["version"], version);
  ClientResponse status = Get("/v1/models/credit/status");
  ASSERT_EQ(status.status, 200);
  json s = Body(status);
  EXPECT_EQ(s["champion"]["version"], version);
  EXPECT_TRUE(s["health"]["last_error"].is_string());
  EXPECT_EQ(s["history"].back()["state"], "failed");
  EXPECT_NE(Get("/metrics").body.find("podium_model_last_load_failed{model=\"credit\"} 1"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomically(*credit_path_, good).ok());
  ASSERT_EQ(Post("/v1/admin/models/credit:reload", "").status, 200);
  EXPECT_TRUE(Body(Get("/v1/models/credit/status"))["health"]["last_error"].is_null());
}

TEST_F(ServerTest, KillSwitchAnswersFallback) {
  ASSERT_EQ(Post("/v1/admin/models/credit:disable", "").status, 200);
  ClientResponse r = Post("/v1/models/credit:predict", kCreditRows);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["fallback"], true);
  EXPECT_EQ(Body(r)["rows"][0], (json{{"decision", "review"}, {"fallback", true}}));
  ClientResponse oip = Post("/v2/models/credit/infer",
                            R"({"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [30]}]})");
  ASSERT_EQ(oip.status, 200) << oip.body;
  EXPECT_EQ(Body(oip)["parameters"]["fallback"], true);
  EXPECT_EQ(Body(oip)["outputs"][0]["data"], json::array({"review"}));
  EXPECT_EQ(Get("/v2/models/credit/ready").status, 400);
  ASSERT_EQ(Post("/v1/admin/models/credit:enable", "").status, 200);
  EXPECT_FALSE(Body(Post("/v1/models/credit:predict", kCreditRows)).contains("fallback"));
  // Without a declared fallback the model is unavailable.
  ASSERT_EQ(Post("/v1/admin/models/churn:disable", "").status, 200);
  ClientResponse unavailable = Post("/v1/models/churn:predict", R"({"records": [{}]})");
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_NE(ErrorOf(unavailable).find("disabled"), std::string::npos);
  ASSERT_EQ(Post("/v1/admin/models/churn:enable", "").status, 200);
}

// --- Traffic policies ---------------------------------------------------------------

class PolicyTest : public ::testing::Test {
 protected:
  std::unique_ptr<RunningServer> Start(const std::string& policy, double percent, const std::string& sticky = "") {
    ServerConfig config = TestConfig();
    const std::string credit = SourcePath("src/pipeline/testdata/credit_glm.json");
    config.models.push_back({"credit", credit, credit, policy, percent, sticky, {}});
    auto server = std::make_unique<RunningServer>(config);
    EXPECT_TRUE(server->ok()) << server->error().ToString();
    return server;
  }
};

TEST_F(PolicyTest, SplitProportionOver10000Requests) {
  auto server = Start("split", 30);
  ASSERT_TRUE(server->ok());
  TestClient client(server->port());
  int challenger = 0;
  constexpr int kRequests = 10000;
  for (int i = 0; i < kRequests; ++i) {
    ClientResponse r = client.Send("POST", "/v1/models/credit:predict", R"({"records": [{"age": 30}]})", kAuth);
    ASSERT_EQ(r.status, 200) << r.body;
    json body = Body(r);
    const bool is_challenger = body["slot"] == "challenger";
    ASSERT_EQ(body["version"], is_challenger ? 2 : 1);
    challenger += is_challenger;
  }
  // 30% +- 1.5 points (about 4.6 standard deviations).
  EXPECT_NEAR(challenger, 3000, 150);
}

TEST_F(PolicyTest, ShadowScoresSilentlyAndLogsBoth) {
  auto server = Start("shadow", 50);
  ASSERT_TRUE(server->ok());
  TestClient client(server->port());
  constexpr int kRequests = 10000;
  for (int i = 0; i < kRequests; ++i) {
    ClientResponse r = client.Send("POST", "/v1/models/credit:predict", R"({"records": [{"age": 30}]})", kAuth);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(Body(r)["slot"], "champion");
  }
  ClientResponse shadow = client.Send("GET", "/v1/models/credit/shadow", "", kAuth);
  ASSERT_EQ(shadow.status, 200);
  json body = Body(shadow);
  EXPECT_NEAR(body["total"].get<int>(), 5000, 250);
  const json& record = body["records"].back();
  EXPECT_EQ(record["champion_version"], 1);
  EXPECT_EQ(record["challenger_version"], 2);
  EXPECT_EQ(record["champion"], record["challenger"]);  // the same file on both sides
}

TEST_F(PolicyTest, StickyKeysAreStable) {
  auto server = Start("sticky", 50, "income");
  ASSERT_TRUE(server->ok());
  TestClient client(server->port());
  std::set<int64_t> seen;
  for (int k = 0; k < 100; ++k) {
    const std::string key = "customer-" + std::to_string(k);
    int64_t first = 0;
    for (int repeat = 0; repeat < 5; ++repeat) {
      ClientResponse r = client.Send("POST", "/v1/models/credit:predict", R"({"records": [{"age": 30}]})",
                                     {{"Authorization", "Bearer secret"}, {"X-Podium-Key", key}});
      ASSERT_EQ(r.status, 200);
      const int64_t version = Body(r)["version"];
      if (repeat == 0) first = version;
      ASSERT_EQ(version, first) << key;
    }
    seen.insert(first);
  }
  EXPECT_EQ(seen.size(), 2u);  // both sides get keys
  // Without the header, the field's value is the key.
  for (int income : {1000, 2000, 3000}) {
    const std::string body = R"({"records": [{"age": 30, "income": )" + std::to_string(income) + "}]}";
    const int64_t first = Body(client.Send("POST", "/v1/models/credit:predict", body, kAuth))["version"];
    for (int repeat = 0; repeat < 5; ++repeat) {
      EXPECT_EQ(Body(client.Send("POST", "/v1/models/credit:predict", body, kAuth))["version"], first);
    }
  }
}

// --- Slow clients and shutdown -------------------------------------------------------

TEST(ServerTimeoutTest, SilentClientIsDisconnected) {
  ServerConfig config = TestConfig();
  config.idle_timeout_seconds = 0.3;
  config.models.push_back({"credit", SourcePath("src/pipeline/testdata/credit_glm.json"), "", "champion", 0, "", {}});
  RunningServer server(config);
  ASSERT_TRUE(server.ok());
  TestClient client(server.port(), 5);
  ASSERT_TRUE(client.SendRaw("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n"));  // never finishes the header
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ClosedByPeer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  TestClient again(server.port());
  EXPECT_EQ(again.Send("GET", "/v2/health/live").status, 200);
}

TEST(ServerTimeoutTest, SlowBodyIsDisconnected) {
  ServerConfig config = TestConfig();
  config.read_timeout_seconds = 0.3;
  config.models.push_back({"credit", SourcePath("src/pipeline/testdata/credit_glm.json"), "", "champion", 0, "", {}});
  RunningServer server(config);
  ASSERT_TRUE(server.ok());
  TestClient client(server.port(), 5);
  ASSERT_TRUE(client.SendRaw("POST /v1/models/credit:predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\n"
                             "Content-Length: 100\r\n\r\n{\"records\""));  // 11 of 100 bytes, then silence
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ClosedByPeer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(ServerShutdownTest, DrainStopsTheServer) {
  ServerConfig config = TestConfig();
  config.models.push_back({"credit", SourcePath("src/pipeline/testdata/credit_glm.json"), "", "champion", 0, "", {}});
  RunningServer server(config);
  ASSERT_TRUE(server.ok());
  TestClient idle(server.port());  // an idle keep-alive connection must not hold the drain
  ASSERT_EQ(idle.Send("GET", "/v2/health/live").status, 200);
  const auto start = std::chrono::steady_clock::now();
  server.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(server.server().service().ready());
  TestClient after(server.port());
  EXPECT_FALSE(after.connected() && after.Send("GET", "/v2/health/live").ok);
}

TEST(ServerShutdownTest, InFlightRequestsFinishDuringDrain) {
  ServerConfig config = TestConfig();
  config.drain_timeout_seconds = 5;
  config.models.push_back({"churn", SourcePath("data/demo/churn_pipeline.json"), "", "champion", 0, "", {}});
  RunningServer server(config);
  ASSERT_TRUE(server.ok());
  std::string body = "{\"explain\": true, \"records\": [";
  for (int i = 0; i < 500; ++i) {
    body += std::string(i ? "," : "") + R"({"account_length": )" + std::to_string(i) +
            R"(, "total_day_minutes": 200, "total_eve_minutes": 200, "total_night_minutes": 200,
               "total_intl_minutes": 10, "total_intl_calls": 3, "number_customer_service_calls": 1,
               "total_day_charge": 30, "total_eve_charge": 17, "total_night_charge": 9, "total_intl_charge": 2.7,
               "number_vmail_messages": 0, "international_plan": "no", "voice_mail_plan": "no"})";
  }
  body += "]}";
  std::atomic<int> complete{0}, partial{0}, bad{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      TestClient client(server.port());
      while (!stop.load()) {
        ClientResponse r = client.Send("POST", "/v1/models/churn:predict", body, kAuth);
        if (r.partial) partial++;
        if (!r.ok) return;  // closed between requests: the drain said no more
        if (r.status == 200 && Body(r)["rows"].size() == 500) {
          complete++;
        } else {
          bad++;
        }
        if (r.headers["connection"] == "close") return;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  server.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  stop.store(true);
  for (auto& t : clients) t.join();
  EXPECT_GT(complete.load(), 0);
  EXPECT_EQ(partial.load(), 0) << "a response was cut off by the shutdown";
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace podium::http
