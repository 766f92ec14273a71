#include "serving/model_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "base/file.h"
#include "pipeline/pipeline_json.h"
#include "serving/lifecycle.h"
#include "serving/shadow_log.h"

namespace podium::serving {
namespace {

// The real loader of pipeline files (the server adds XGBoost import on top).
Result<LoadedArtifact> LoadPipelineFile(const ModelSource& source) {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(source.path, 64 << 20));
  Result<Pipeline> pipeline = ReadPipelineJson(text);
  if (!pipeline.ok()) return pipeline.status().WithContext("'" + source.path + "'");
  LoadedArtifact artifact;
  artifact.digest = PipelineDigest(*pipeline);
  artifact.pipeline = std::move(pipeline).value();
  artifact.format = "pipeline";
  return artifact;
}

class ModelManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("podium_manager_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(ReadFileToString(std::string(PODIUM_SOURCE_DIR) + "/src/pipeline/testdata/credit_glm.json", 1 << 20)
                    .ok());
    credit_ = *ReadFileToString(std::string(PODIUM_SOURCE_DIR) + "/src/pipeline/testdata/credit_glm.json", 1 << 20);
    path_ = (dir_ / "model.json").string();
    ASSERT_TRUE(WriteFileAtomically(path_, credit_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ModelManager> MakeManager(std::optional<std::string> challenger = std::nullopt,
                                            TrafficPolicy policy = {}) {
    ModelManager::Options options;
    ModelSpec spec;
    spec.name = "credit";
    spec.champion.path = path_;
    if (challenger) spec.challenger = ModelSource{*challenger};
    spec.policy = policy;
    options.models.push_back(spec);
    options.loader = LoadPipelineFile;
    Result<std::unique_ptr<ModelManager>> manager = ModelManager::Create(std::move(options));
    EXPECT_TRUE(manager.ok()) << manager.status().ToString();
    return manager.ok() ? std::move(manager).value() : nullptr;
  }

  std::filesystem::path dir_;
  std::string credit_;
  std::string path_;
};

TEST(LifecycleTest, TransitionTable) {
  using S = VersionState;
  const S all[] = {S::kLoading, S::kReady, S::kServing, S::kRetired, S::kFailed};
  // Exactly these five transitions are legal.
  const std::vector<std::pair<S, S>> legal = {{S::kLoading, S::kReady},
                                              {S::kLoading, S::kFailed},
                                              {S::kReady, S::kServing},
                                              {S::kReady, S::kRetired},
                                              {S::kServing, S::kRetired}};
  for (S from : all) {
    for (S to : all) {
      const bool expected = std::find(legal.begin(), legal.end(), std::make_pair(from, to)) != legal.end();
      EXPECT_EQ(IsLegalTransition(from, to), expected)
          << VersionStateName(from) << " -> " << VersionStateName(to);
    }
  }
}

TEST_F(ModelManagerTest, FirstLoadIsVersionOne) {
  auto manager = MakeManager();
  ASSERT_NE(manager, nullptr);
  auto snapshot = manager->Snapshot();
  const ModelEntry* entry = snapshot->Find("credit");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->champion->version(), 1);
  EXPECT_EQ(entry->challenger, nullptr);
  EXPECT_EQ(entry->health.loads_ok, 1);
  ASSERT_EQ(entry->history.size(), 1u);
  EXPECT_EQ(entry->history[0].state, VersionState::kServing);
  EXPECT_EQ(snapshot->Find("other"), nullptr);
  EXPECT_EQ(entry->champion->InputIndex("age"), 0);
  EXPECT_EQ(entry->champion->InputIndex("vip"), 4);
  EXPECT_EQ(entry->champion->InputIndex("salary"), -1);
}

TEST_F(ModelManagerTest, CreateFailsOnBadFileNamingTheModel) {
  ASSERT_TRUE(WriteFileAtomically(path_, "{ not json").ok());
  ModelManager::Options options;
  options.models.push_back({"credit", {path_}, std::nullopt, {}, std::nullopt});
  options.loader = LoadPipelineFile;
  Result<std::unique_ptr<ModelManager>> manager = ModelManager::Create(std::move(options));
  ASSERT_FALSE(manager.ok());
  EXPECT_EQ(manager.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(manager.status().message().find("model 'credit'"), std::string::npos) << manager.status().message();
}

TEST_F(ModelManagerTest, ReloadPublishesNextVersionAndOldSnapshotStaysValid) {
  auto manager = MakeManager();
  ASSERT_NE(manager, nullptr);
  auto pinned = manager->Snapshot();
  ASSERT_TRUE(manager->Reload("credit").ok());
  auto now = manager->Snapshot();
  EXPECT_EQ(now->Find("credit")->champion->version(), 2);
  EXPECT_GT(now->generation, pinned->generation);
  // The pinned snapshot still holds (and can score with) version 1.
  EXPECT_EQ(pinned->Find("credit")->champion->version(), 1);
  auto scratch = pinned->Find("credit")->champion->AcquireScratch();
  EXPECT_EQ(now->Find("credit")->history.back().state, VersionState::kServing);
  EXPECT_EQ(now->Find("credit")->history.front().state, VersionState::kRetired);
  EXPECT_EQ(now->Find("credit")->health.swaps, 1);
}

TEST_F(ModelManagerTest, FailedReloadKeepsServingVersionAndRecordsError) {
  auto manager = MakeManager();
  ASSERT_NE(manager, nullptr);
  ASSERT_TRUE(WriteFileAtomically(path_, credit_.substr(0, credit_.size() / 2)).ok());
  Status status = manager->Reload("credit");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  const ModelEntry* entry = manager->Snapshot()->Find("credit");
  EXPECT_EQ(entry->champion->version(), 1);
  EXPECT_EQ(entry->health.loads_failed, 1);
  EXPECT_FALSE(entry->health.last_error.empty());
  EXPECT_EQ(entry->history.back().state, VersionState::kFailed);
  // A good file again: the next version is 2 (failed loads get no number).
  ASSERT_TRUE(WriteFileAtomically(path_, credit_).ok());
  ASSERT_TRUE(manager->Reload("credit").ok());
  entry = manager->Snapshot()->Find("credit");
  EXPECT_EQ(entry->champion->version(), 2);
  EXPECT_TRUE(entry->health.last_error.empty());
}

TEST_F(ModelManagerTest, ChallengerGetsItsOwnVersionAndFindVersion) {
  auto manager = MakeManager(path_, {PolicyKind::kSplit, 10, ""});
  ASSERT_NE(manager, nullptr);
  const ModelEntry* entry = manager->Snapshot()->Find("credit");
  EXPECT_EQ(entry->champion->version(), 1);
  EXPECT_EQ(entry->challenger->version(), 2);
  EXPECT_EQ(entry->FindVersion(2), entry->challenger);
  EXPECT_EQ(entry->FindVersion(3), nullptr);
  Result<int64_t> applied = manager->Apply({"credit", Slot::kChallenger, {path_}});
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, 3);
  EXPECT_EQ(manager->Apply({"nope", Slot::kChampion, {path_}}).status().code(), StatusCode::kNotFound);
}

TEST_F(ModelManagerTest, PolicyWithoutChallengerIsRefused) {
  ModelManager::Options options;
  options.models.push_back({"credit", {path_}, std::nullopt, {PolicyKind::kShadow, 5, ""}, std::nullopt});
  options.loader = LoadPipelineFile;
  EXPECT_EQ(ModelManager::Create(std::move(options)).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ModelManagerTest, KillSwitch) {
  auto manager = MakeManager();
  ASSERT_NE(manager, nullptr);
  ASSERT_TRUE(manager->SetEnabled("credit", false).ok());
  EXPECT_FALSE(manager->Snapshot()->Find("credit")->enabled);
  ASSERT_TRUE(manager->SetEnabled("credit", true).ok());
  EXPECT_TRUE(manager->Snapshot()->Find("credit")->enabled);
  EXPECT_EQ(manager->SetEnabled("x", true).code(), StatusCode::kNotFound);
}

TEST_F(ModelManagerTest, ReadersDuringReloadsAlwaysSeeOneCompleteVersion) {
  auto manager = MakeManager();
  ASSERT_NE(manager, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      int64_t last = 0;
      while (!stop.load()) {
        auto snapshot = manager->Snapshot();
        const int64_t version = snapshot->Find("credit")->champion->version();
        EXPECT_GE(version, last);
        last = version;
        reads++;
      }
    });
  }
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(WriteFileAtomically(path_, i % 3 == 2 ? std::string("{}") : credit_).ok());
    (void)manager->Reload("credit");
  }
  stop.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(manager->Snapshot()->Find("credit")->champion->version(), 21);
  EXPECT_EQ(manager->Snapshot()->Find("credit")->health.loads_failed, 10);
  EXPECT_GT(reads.load(), 0);
}

TEST(ShadowLogTest, RingKeepsNewestLinesPerModel) {
  Result<std::unique_ptr<ShadowLog>> log = ShadowLog::Create({3, ""});
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 5; ++i) (*log)->Append("a", "{\"i\":" + std::to_string(i) + "}");
  (*log)->Append("b", "{}");
  EXPECT_EQ((*log)->Count("a"), 5);
  const std::vector<std::string> recent = (*log)->Recent("a", 10);
  ASSERT_EQ(recent.size(), 2u);  // capacity 3 across models: 3, 4, b
  EXPECT_EQ(recent[0], "{\"i\":3}");
  EXPECT_EQ(recent[1], "{\"i\":4}");
}

TEST(ShadowLogTest, AppendsJsonLinesToTheFile) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("podium_shadow_" + std::to_string(::getpid()) + ".jsonl")).string();
  std::filesystem::remove(path);
  {
    Result<std::unique_ptr<ShadowLog>> log = ShadowLog::Create({0, path});
    ASSERT_TRUE(log.ok());
    (*log)->Append("a", "{\"n\":1}");
    (*log)->Append("b", "{\"n\":2}");
    EXPECT_TRUE((*log)->Recent("a", 5).empty());  // capacity 0: file only
  }
  EXPECT_EQ(*ReadFileToString(path, 1 << 10), "{\"n\":1}\n{\"n\":2}\n");
  std::filesystem::remove(path);
}

TEST(ShadowLogTest, BadPathIsAnError) {
  EXPECT_EQ(ShadowLog::Create({3, "/nonexistent-dir/x.jsonl"}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace podium::serving
