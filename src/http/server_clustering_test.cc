// A PMML ClusteringModel served as it is: the native API and the Open
// Inference Protocol answer with the document's output names (one distance
// per cluster and the cluster), and a request for reason codes is refused
// with the reason.
#include <gtest/gtest.h>

#include <cmath>
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

TEST(ServerClusteringTest, NativeAndOipAnswersAndNoReasonCodes) {
  ServerConfig config = TestConfig();
  config.models.push_back({"segments", SourcePath("tests/golden/cases/pmml_clustering_euclidean/model.pmml"), "",
                           "champion", 0, "", {}});
  RunningServer server(config);
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  TestClient client(server.port());

  // tests/golden/cases/pmml_clustering_euclidean, rows 2 and 3.
  ClientResponse r = client.Send("POST", "/v1/models/segments:predict",
                                 R"({"records": [{"income": 48000, "age": 38, "visits": 7},
                                                 {"income": 85000, "age": null, "visits": 10}]})",
                                 kAuth);
  ASSERT_EQ(r.status, 200) << r.body;
  const json rows = json::parse(r.body)["rows"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["segment"], "mid");
  EXPECT_NEAR(rows[0]["distance_mid"].get<double>(), std::sqrt(12.5), 1e-12);
  EXPECT_NEAR(rows[0]["dist_low"].get<double>(), 33.68233958619858, 1e-12);
  EXPECT_EQ(rows[1]["segment"], "high");
  EXPECT_NEAR(rows[1]["distance_high"].get<double>(), 6.0, 1e-12);
  EXPECT_EQ(rows[1]["decision"], "high");

  const json request = {{"inputs",
                         {{{"name", "income"}, {"shape", {1}}, {"datatype", "FP64"}, {"data", {20000}}},
                          {{"name", "age"}, {"shape", {1}}, {"datatype", "FP64"}, {"data", {25}}},
                          {{"name", "visits"}, {"shape", {1}}, {"datatype", "FP64"}, {"data", {2}}}}}};
  r = client.Send("POST", "/v2/models/segments/infer", request.dump(), kAuth);
  ASSERT_EQ(r.status, 200) << r.body;
  const json answer = json::parse(r.body);
  json outputs = json::object();
  for (const json& output : answer["outputs"]) outputs[output["name"].get<std::string>()] = output["data"];
  EXPECT_EQ(outputs["segment"], json::array({"low"}));
  EXPECT_EQ(outputs["dist_low"], json::array({0.0}));
  EXPECT_TRUE(outputs.contains("distance_mid") && outputs.contains("distance_high")) << r.body;

  r = client.Send("POST", "/v1/models/segments:predict?explain=true",
                  R"({"records": [{"income": 48000, "age": 38, "visits": 7}]})", kAuth);
  EXPECT_EQ(r.status, 412) << r.body;
  EXPECT_NE(r.body.find("a clustering model has no reason codes"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace podium::http
