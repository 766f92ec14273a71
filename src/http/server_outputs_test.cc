// Derived outputs served: a PMML regression whose Target clamps and rounds the
// prediction and whose transformedValue OutputFields derive values from it
// (tests/golden/cases/pmml_output_transformed_value). The native API and the
// Open Inference Protocol answer with them after the model's outputs, the
// model metadata lists them, and explanations are refused with the reason.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

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

TEST(ServerOutputsTest, NativeAndOipAnswerWithDerivedOutputs) {
  ServerConfig config = TestConfig();
  config.models.push_back({"premium", SourcePath("tests/golden/cases/pmml_output_transformed_value/model.pmml"), "",
                           "champion", 0, "", {}});
  RunningServer server(config);
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  TestClient client(server.port());

  // Rows 2 and 6 of the golden case: clamped to 1500; a missing prediction.
  ClientResponse r = client.Send("POST", "/v1/models/premium:predict",
                                 R"({"records": [{"age": 70, "vehicle_value": 25000, "region": "south"},
                                                 {"age": null, "vehicle_value": 5000, "region": "south"}]})",
                                 kAuth);
  ASSERT_EQ(r.status, 200) << r.body;
  const json rows = json::parse(r.body)["rows"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["Premium"], 1500.0);
  EXPECT_EQ(rows[0]["Monthly"], 125.0);
  EXPECT_EQ(rows[0]["Band"], 3.0);
  EXPECT_EQ(rows[0]["Surcharge"], 12.5);
  EXPECT_EQ(rows[0]["Flagged"], 1.0);
  EXPECT_TRUE(rows[1]["Premium"].is_null() && rows[1]["Monthly"].is_null() && rows[1]["Flagged"].is_null()) << r.body;

  // Row 4: 362.5 rounds half up to 363.
  const json request = {{"inputs",
                         {{{"name", "age"}, {"shape", {1}}, {"datatype", "FP64"}, {"data", {21}}},
                          {{"name", "vehicle_value"}, {"shape", {1}}, {"datatype", "FP64"}, {"data", {0}}},
                          {{"name", "region"}, {"shape", {1}}, {"datatype", "BYTES"}, {"data", {"north"}}}}},
                        {"outputs", {{{"name", "Band"}}, {{"name", "Premium"}}}}};
  r = client.Send("POST", "/v2/models/premium/infer", request.dump(), kAuth);
  ASSERT_EQ(r.status, 200) << r.body;
  const json answer = json::parse(r.body);
  ASSERT_EQ(answer["outputs"].size(), 2u) << r.body;
  EXPECT_EQ(answer["outputs"][0]["name"], "Band");
  EXPECT_EQ(answer["outputs"][0]["datatype"], "FP64");
  EXPECT_EQ(answer["outputs"][0]["data"], json::array({1.0}));
  EXPECT_EQ(answer["outputs"][1]["data"], json::array({363.0}));

  r = client.Send("GET", "/v2/models/premium", "", kAuth);
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> names;
  for (const json& output : json::parse(r.body).value("outputs", json::array())) names.push_back(output["name"].get<std::string>());
  EXPECT_EQ(names, (std::vector<std::string>{"Premium", "Monthly", "Band", "Surcharge", "Flagged"}))
      << r.body;

  r = client.Send("POST", "/v1/models/premium:predict?explain=true",
                  R"({"records": [{"age": 70, "vehicle_value": 25000, "region": "south"}]})", kAuth);
  EXPECT_EQ(r.status, 412) << r.body;
  EXPECT_NE(r.body.find("post.prediction_expression replaces the model's prediction"), std::string::npos) << r.body;
}

// A decision OutputField is a category output: text in the native rows, a
// BYTES tensor in OIP (empty for missing), typed BYTES in the metadata.
TEST(ServerOutputsTest, CategoryOutputsAnswerText) {
  ServerConfig config = TestConfig();
  config.models.push_back({"risk", SourcePath("tests/golden/cases/pmml_output_decision/model.pmml"), "", "champion",
                           0, "", {}});
  RunningServer server(config);
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  TestClient client(server.port());
  ClientResponse r = client.Send("POST", "/v1/models/risk:predict", R"({"records": [{"x": 3}, {"x": null}]})", kAuth);
  ASSERT_EQ(r.status, 200) << r.body;
  const json rows = json::parse(r.body)["rows"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["Action"], "Review");
  EXPECT_EQ(rows[0]["NeedsReview"], 1.0);
  EXPECT_TRUE(rows[1]["Action"].is_null()) << r.body;

  const json request = {{"inputs", {{{"name", "x"}, {"shape", {2}}, {"datatype", "FP64"}, {"data", {6, 1}}}}},
                        {"outputs", {{{"name", "Action"}}}}};
  r = client.Send("POST", "/v2/models/risk/infer", request.dump(), kAuth);
  ASSERT_EQ(r.status, 200) << r.body;
  const json answer = json::parse(r.body);
  ASSERT_EQ(answer["outputs"].size(), 1u) << r.body;
  EXPECT_EQ(answer["outputs"][0]["datatype"], "BYTES");
  EXPECT_EQ(answer["outputs"][0]["data"], json::array({"Decline", "Approve"}));

  r = client.Send("GET", "/v2/models/risk", "", kAuth);
  ASSERT_EQ(r.status, 200) << r.body;
  const json outputs = json::parse(r.body).value("outputs", json::array());
  ASSERT_EQ(outputs.size(), 3u) << r.body;
  EXPECT_EQ(outputs[1]["name"], "Action");
  EXPECT_EQ(outputs[1]["datatype"], "BYTES");
  EXPECT_EQ(outputs[2]["datatype"], "FP64");
}

}  // namespace
}  // namespace podium::http
