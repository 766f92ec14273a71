// Hot swap under load: keep-alive clients score continuously while the model
// file is replaced and reloaded over a hundred times, a third of them with a
// corrupt file. No request may fail, and every response names exactly one
// version that was serving.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <mutex>
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

class SwapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("podium_swap_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "model.json").string();
    good_ = *ReadFileToString(SourcePath("src/pipeline/testdata/credit_glm.json"), 1 << 20);
    ASSERT_TRUE(WriteFileAtomically(path_, good_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string path_;
  std::string good_;
};

TEST_F(SwapTest, HotSwapUnderLoadLosesNoRequest) {
  ServerConfig config = TestConfig();
  config.models.push_back({"credit", path_, "", "champion", 0, "", {}});
  RunningServer server(config);
  ASSERT_TRUE(server.ok()) << server.error().ToString();

  std::atomic<bool> stop{false};
  std::atomic<int64_t> ok{0}, failed{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> clients;
  constexpr int kClients = 4;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      TestClient client(server.port());
      int64_t last = 0;
      const bool oip = c % 2 == 1;
      while (!stop.load()) {
        ClientResponse r =
            oip ? client.Send("POST", "/v2/models/credit/infer",
                              R"({"inputs": [{"name": "age", "shape": [2], "datatype": "INT64", "data": [30, 50]}]})",
                              kAuth)
                : client.Send("POST", "/v1/models/credit:predict",
                              R"({"records": [{"age": 30, "income": 100}, {"age": 50}]})", kAuth);
        json body = json::parse(r.body, nullptr, false);
        int64_t version = 0;
        if (r.status == 200 && body.is_object()) {
          if (oip && body["model_version"].is_string()) version = std::stoll(body["model_version"].get<std::string>());
          if (!oip && body["version"].is_number_integer()) version = body["version"];
        }
        if (version <= 0 || version < last) {
          failed++;
          std::lock_guard<std::mutex> lock(failures_mutex);
          if (failures.size() < 5) failures.push_back(std::to_string(r.status) + " " + r.body);
          if (!r.ok) return;  // connection lost
          continue;
        }
        last = version;
        ok++;
      }
    });
  }

  constexpr int kSwaps = 120;
  int64_t expected_version = 1;
  TestClient admin(server.port());
  for (int i = 0; i < kSwaps; ++i) {
    const bool corrupt = i % 3 == 2;
    std::string content = good_;
    if (corrupt) {
      content = (i % 2 == 0) ? good_.substr(0, good_.size() / 2) : std::string("{\"format\": \"podium-pipeline\"}");
    } else {
      // A different but valid version each time: the intercept moves.
      const size_t at = content.find("\"intercepts\": [0.8]");
      content.replace(at, 19, "\"intercepts\": [0." + std::to_string(100 + i) + "]");
    }
    ASSERT_TRUE(WriteFileAtomically(path_, content).ok());
    ClientResponse r = admin.Send("POST", "/v1/admin/models/credit:reload", "", kAuth);
    ASSERT_TRUE(r.ok);
    if (corrupt) {
      EXPECT_EQ(r.status, 400) << r.body;
    } else {
      EXPECT_EQ(r.status, 200) << r.body;
      ++expected_version;
    }
    EXPECT_EQ(json::parse(r.body)["version"], expected_version);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  stop.store(true);
  for (auto& t : clients) t.join();
  EXPECT_EQ(failed.load(), 0) << (failures.empty() ? "" : failures.front());
  EXPECT_GT(ok.load(), kSwaps);
  serving::ModelManager& manager = server.server().manager();
  const serving::ModelEntry* entry = manager.Snapshot()->Find("credit");
  EXPECT_EQ(entry->champion->version(), expected_version);
  EXPECT_EQ(entry->health.loads_failed, kSwaps / 3);
  EXPECT_EQ(entry->health.swaps, kSwaps - kSwaps / 3);
}

TEST_F(SwapTest, SighupReloadsEveryModel) {
  ServerConfig config = TestConfig();
  config.models.push_back({"credit", path_, "", "champion", 0, "", {}});
  RunningServer server(config, /*handle_signals=*/true);
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  serving::ModelManager& manager = server.server().manager();
  ASSERT_EQ(::raise(SIGHUP), 0);
  for (int i = 0; i < 200 && manager.Snapshot()->Find("credit")->champion->version() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(manager.Snapshot()->Find("credit")->champion->version(), 2);
  TestClient client(server.port());
  EXPECT_EQ(json::parse(client.Send("POST", "/v1/models/credit:predict", R"({"records": [{"age": 30}]})", kAuth).body)
                ["version"],
            2);
}

}  // namespace
}  // namespace podium::http
