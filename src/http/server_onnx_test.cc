// An ONNX file served as it is (`--model NAME=FILE.onnx`): the Open Inference
// Protocol request uses the graph's own input tensor and the answer the
// graph's own output names, with onnxruntime's outputs (committed beside the
// model, tests/fidelity/onnx) as the expected values.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

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

std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    std::string cell;
    while (std::getline(fields, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

TEST(ServerOnnxTest, OipUsesTheGraphsTensorAndOutputNames) {
  ServerConfig config = TestConfig();
  config.models.push_back({"trees", SourcePath("tests/fidelity/onnx/tree_binary.onnx"), "", "champion", 0, "", {}});
  RunningServer server(config);
  ASSERT_TRUE(server.ok()) << server.error().ToString();

  const auto inputs = ReadCsv(SourcePath("tests/fidelity/onnx/tree_binary.csv"));
  const auto expected = ReadCsv(SourcePath("tests/fidelity/onnx/tree_binary.expected.csv"));
  ASSERT_GE(inputs.size(), 9u);
  ASSERT_EQ(inputs.size(), expected.size());
  const size_t rows = 8;
  const size_t width = inputs[0].size();
  json data = json::array();
  for (size_t r = 1; r <= rows; ++r) {
    for (const std::string& cell : inputs[r]) data.push_back(cell.empty() ? json(nullptr) : json(std::stod(cell)));
  }
  // One [N, k] FP32 tensor named as the graph's input.
  const json request = {{"inputs", {{{"name", "X"}, {"shape", {rows, width}}, {"datatype", "FP32"}, {"data", data}}}}};
  TestClient client(server.port());
  ClientResponse r =
      client.Send("POST", "/v2/models/trees/infer", request.dump(), {{"Authorization", "Bearer secret"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  // The answer carries every output column the expected file names (the
  // graph's output names), with onnxruntime's values.
  const std::vector<std::string>& names = expected[0];
  for (size_t c = 0; c < names.size(); ++c) {
    const json* tensor = nullptr;
    for (const json& output : body["outputs"]) {
      if (output["name"] == names[c]) tensor = &output;
    }
    ASSERT_NE(tensor, nullptr) << "no output named '" << names[c] << "' in " << r.body;
    ASSERT_EQ((*tensor)["data"].size(), rows);
    for (size_t i = 0; i < rows; ++i) {
      const std::string& want = expected[i + 1][c];
      const json& got = (*tensor)["data"][i];
      if (got.is_string()) {
        EXPECT_EQ(got.get<std::string>(), want) << names[c] << " row " << i;
      } else {
        const double w = std::stod(want);
        EXPECT_NEAR(got.get<double>(), w, 1e-5 * std::max(1.0, std::fabs(w))) << names[c] << " row " << i;
      }
    }
  }
}

}  // namespace
}  // namespace podium::http
